package notify

import (
	"path/filepath"
	"strings"

	"github.com/tramite/tramite/procedure"
)

// EMLPath returns where the .eml copy of an outbox item is kept under
// mailDir: <mailDir>/<case>/<rest of the item ID>.eml, with every
// character other than letters, digits, '.', '-' and '_' replaced by '-'.
func EMLPath(mailDir string, item procedure.OutboxItem) string {
	rest := strings.TrimPrefix(item.ID, item.CaseID+"/")
	rest = strings.Replace(rest, "/"+string(procedure.EffectEmail)+"/", "-", 1)
	return filepath.Join(mailDir, sanitize(item.CaseID), sanitize(rest)+".eml")
}
