package notify

import (
	"path/filepath"
	"strconv"

	"github.com/tramite/tramite/procedure"
)

// EMLPath returns where the .eml copy of an outbox item is kept under
// mailDir: <mailDir>/<case>/<seq>-<topic>.eml, with every character other
// than letters, digits, '.', '-' and '_' replaced by '-'.
func EMLPath(mailDir string, item procedure.OutboxItem) string {
	return filepath.Join(mailDir, sanitize(item.CaseID), sanitize(strconv.Itoa(item.Seq)+"-"+item.Topic)+".eml")
}
