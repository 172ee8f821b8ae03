package notify

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tramite/tramite/procedure"
)

// journal keeps the .eml copies of sent messages, one folder per case:
// DIR/<case>/<seq>-<topic>[...].eml. A message is written as
// ".eml.sending" before DATA and renamed to ".eml" once the server
// accepted it, so that a pending item whose .eml exists is known to be sent.
type journal struct{ dir string }

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

// begin writes the message as <name>.eml.sending (0600, in a 0700 folder).
func (j journal) begin(item procedure.OutboxItem, raw []byte) error {
	if !j.enabled() {
		return nil
	}
	p := EMLPath(j.dir, item)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	if err := os.WriteFile(p+".sending", raw, 0o600); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	return nil
}

// commit renames <name>.eml.sending to <name>.eml.
func (j journal) commit(item procedure.OutboxItem) error {
	if !j.enabled() {
		return nil
	}
	p := EMLPath(j.dir, item)
	if err := os.Rename(p+".sending", p); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	return nil
}

// abandon removes <name>.eml.sending after an attempt the server refused.
func (j journal) abandon(item procedure.OutboxItem) {
	if !j.enabled() {
		return
	}
	if err := os.Remove(EMLPath(j.dir, item) + ".sending"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		_ = err // a stale .sending file is harmless: it is rewritten before the next attempt
	}
}
