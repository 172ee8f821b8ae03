package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tramite/tramite/procedure"
)

// journal keeps the .eml copies of sent messages, one folder per case:
// DIR/<case>/<seq>-<topic>[...].eml. A message's .eml is written only
// after the server accepted it and before the store records it, so a
// pending item whose .eml exists is known to be sent.
type journal struct {
	dir  string
	made *sync.Map // folders already created
}

// EMLPath returns where the .eml copy of an outbox item is kept under
// mailDir: <mailDir>/<case>/<rest of the item ID>.eml, with every
// character other than letters, digits, '.', '-' and '_' replaced by '-'.
func EMLPath(mailDir string, item procedure.OutboxItem) string {
	rest := strings.TrimPrefix(item.ID, item.CaseID+"/")
	rest = strings.Replace(rest, "/"+string(procedure.EffectEmail)+"/", "-", 1)
	return filepath.Join(mailDir, sanitize(item.CaseID), sanitize(rest)+".eml")
}

func (j journal) enabled() bool { return j.dir != "" }

// sent reports whether the item's .eml exists: the server accepted it.
func (j journal) sent(item procedure.OutboxItem) bool {
	if !j.enabled() {
		return false
	}
	_, err := os.Stat(EMLPath(j.dir, item))
	return err == nil
}

// commit keeps raw as the item's .eml (0600, in a 0700 folder), written
// to a temporary name and renamed, so that an .eml is always whole.
func (j journal) commit(item procedure.OutboxItem, raw []byte) error {
	if !j.enabled() {
		return nil
	}
	p := EMLPath(j.dir, item)
	if _, ok := j.made.Load(filepath.Dir(p)); !ok {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("mail dir: %w", err)
		}
		j.made.Store(filepath.Dir(p), true)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mail dir: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mail dir: %w", err)
	}
	return nil
}
