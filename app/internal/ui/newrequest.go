package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// NewRequest is the Nueva solicitud screen: the first step of a procedure,
// its form built from the starting event's inputs.
type NewRequest struct {
	Procedure *widget.Select
	// Fields is the form of the chosen procedure.
	Fields  *Fields
	Comment *widget.Entry
	Submit  *widget.Button
	Content fyne.CanvasObject
	// Sent is the dialog that tells the number of the case just requested,
	// and ViewCase its button that opens the case; nil before a request.
	Sent       *Dialog
	ViewCase   *widget.Button
	SentNumber *widget.Label

	u    *UI
	body *fyne.Container
	defs map[string]*procedure.Definition
}

func newRequest(u *UI) *NewRequest {
	nr := &NewRequest{u: u, defs: map[string]*procedure.Definition{}, body: container.NewStack(), Comment: widget.NewEntry()}
	var opts []string
	for _, d := range u.s.Definitions() {
		if u.s.CanStart(d.Code) {
			nr.defs[d.Code] = d
			opts = append(opts, d.Code)
		}
	}
	// The select offers the codes; the name, which may be long, wraps
	// under it.
	name := wrapLabel("")
	nr.Procedure = widget.NewSelect(opts, func(o string) {
		if d := nr.defs[o]; d != nil {
			name.SetText(d.Name)
		}
		nr.choose(nr.defs[o])
	})
	nr.Submit = widget.NewButton(lang.L("Enviar solicitud"), nr.submit)
	nr.Submit.Importance = widget.HighImportance
	nr.Comment.SetPlaceHolder(lang.L("Comentario (opcional)"))
	hint := wrapLabel(lang.L("Los campos con * son obligatorios. Las credenciales se guardan cifradas y solo las verá el profesional asignado."))
	nr.Content = container.NewBorder(container.NewVBox(bold(lang.L("Procedimiento")), nr.Procedure, name, hint), container.NewVBox(nr.Comment, nr.Submit), nil, nil,
		container.NewVScroll(nr.body))
	if len(opts) > 0 {
		nr.Procedure.SetSelectedIndex(0)
	}
	return nr
}

// Choose selects a procedure by code; false if the person may not start it.
func (nr *NewRequest) Choose(code string) bool {
	for o, d := range nr.defs {
		if d.Code == code {
			nr.Procedure.SetSelected(o)
			return true
		}
	}
	return false
}

func (nr *NewRequest) choose(d *procedure.Definition) {
	if d == nil {
		return
	}
	f, err := newFields(nr.u, d.StartEvent().Inputs)
	if err != nil {
		nr.u.ShowError(err)
		return
	}
	if e := f.Entry(d.Unit); e != nil {
		e.SetText(nr.u.User.Unit)
	}
	nr.Fields = f
	nr.body.Objects = []fyne.CanvasObject{f.Form}
	nr.body.Refresh()
}

func (nr *NewRequest) submit() {
	d := nr.defs[nr.Procedure.Selected]
	if d == nil || nr.Fields == nil {
		return
	}
	c, err := nr.u.s.Start(nr.u.ctx, d.Code, nr.Fields.Inputs(), nr.Fields.Files(), nr.Comment.Text)
	if err != nil {
		nr.u.ShowError(err) // the form keeps what was typed
		return
	}
	nr.Fields.Clear()
	if e := nr.Fields.Entry(d.Unit); e != nil {
		e.SetText(nr.u.User.Unit)
	}
	nr.Comment.SetText("")
	nr.u.changed(c.ID)
	nr.sent(c)
}

// sent tells the case number of the request just sent and offers to open
// the case.
func (nr *NewRequest) sent(c procedure.Case) {
	number := widget.NewLabel(c.ID)
	nr.SentNumber = number
	number.TextStyle = fyne.TextStyle{Bold: true}
	number.Alignment = fyne.TextAlignCenter
	msg := wrapLabel(lang.L("Se registró su solicitud con el número de trámite:"))
	d := nr.u.newDialog(lang.L("Solicitud enviada"), container.NewVBox(msg, number), lang.L("Ver trámite"), lang.L("Cerrar"),
		func(d *Dialog) {
			d.Hide()
			nr.u.OpenCase(c.ID)
		})
	nr.ViewCase = d.OK
	nr.ViewCase.SetIcon(theme.DocumentIcon())
	nr.Sent = d
	d.Show()
}
