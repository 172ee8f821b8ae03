package ui

import (
	"context"
	"testing"

	"github.com/tramite/tramite/app/internal/desk"
)

// HoldSearches makes the searches typed in Trámites wait, instead of for a
// pause in the typing, until release is called, so that a test types a
// whole text "at once" whatever the machine's speed. The pause is back when
// the test ends.
func HoldSearches(t testing.TB) (release func()) {
	ch := make(chan struct{})
	old := searchPause
	searchPause = func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
			return nil
		}
	}
	t.Cleanup(func() { searchPause = old })
	return func() { close(ch) }
}

// Cell returns the text of a case table cell and whether it is in bold;
// ok is false when o is not such a cell.
func Cell(o any) (text string, bold, ok bool) {
	c, ok := o.(*cell)
	if !ok {
		return "", false, false
	}
	return c.Text, c.TextStyle.Bold, true
}

// Truncated reports whether o is a case table cell whose text is cut.
func Truncated(o any) bool {
	c, ok := o.(*cell)
	return ok && c.Truncated()
}

// HoldBackground holds the results of the background work started from now
// (signing in) until release is called, so that a test's key press
// finishes before they are applied, as on the desktop driver's UI thread.
func HoldBackground(t testing.TB) (release func()) {
	ch := make(chan struct{})
	backgroundGate = ch
	t.Cleanup(func() { backgroundGate = nil })
	return func() { backgroundGate = nil; close(ch) }
}

// CaseCell is the text of column col of a case table's row for c.
var CaseCell = caseCell

// Session is the session of the signed-in person.
func (u *UI) Session() desk.Session { return u.s }
