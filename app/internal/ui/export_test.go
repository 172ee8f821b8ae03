package ui

import "github.com/tramite/tramite/app/internal/desk"

// CaseCell is the text of column col of a case table's row for c.
var CaseCell = caseCell

// Session is the session of the signed-in person.
func (u *UI) Session() desk.Session { return u.s }
