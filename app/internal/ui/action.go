package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// ActionForm is the dialog of one action on a case: the event's inputs, an
// optional comment, and a button that fires the event. When the engine
// refuses, its message is shown and the form stays open with what was typed.
type ActionForm struct {
	Event   *procedure.EventDef
	Fields  *Fields
	Comment *widget.Entry
	Confirm *widget.Button
	Cancel  *widget.Button
	Dialog  dialog.Dialog

	cv *CaseView
}

func newActionForm(cv *CaseView, ev *procedure.EventDef) (*ActionForm, error) {
	f, err := newFields(cv.u.ctx, cv.u.s, ev.Inputs)
	if err != nil {
		return nil, err
	}
	af := &ActionForm{Event: ev, Fields: f, Comment: widget.NewMultiLineEntry(), cv: cv}
	af.Comment.SetPlaceHolder(lang.L("Comentario para la hoja de ruta (opcional)"))
	af.Comment.Wrapping = fyne.TextWrapWord
	af.Confirm = widget.NewButton(lang.L("Confirmar"), af.submit)
	af.Confirm.Importance = widget.HighImportance
	af.Cancel = widget.NewButton(lang.L("Cancelar"), af.close)
	step := ""
	if s, ok := cv.Def.Step(ev.Step); ok && !ev.Extension {
		step = lang.L("Paso {{.N}} de {{.M}}", map[string]any{"N": s.Number, "M": len(cv.Def.Steps)}) + ": " + s.Activity
	} else {
		step = lang.L("Extensión: no es uno de los pasos del manual.")
	}
	body := container.NewVBox(wrapLabel(step))
	if len(ev.Inputs) > 0 {
		body.Add(f.Form)
	}
	body.Add(widget.NewLabel(lang.L("Comentario")))
	body.Add(af.Comment)
	buttons := container.NewHBox(af.Cancel, af.Confirm)
	content := container.NewBorder(nil, container.NewCenter(buttons), nil, nil, container.NewVScroll(body))
	af.Dialog = dialog.NewCustomWithoutButtons(ev.Label+" — "+cv.ID, content, cv.u.Win)
	size := fyne.NewSize(640, 260)
	if len(ev.Inputs) > 0 {
		size.Height = 560
	}
	af.Dialog.Resize(size)
	af.Dialog.Show()
	return af, nil
}

func (af *ActionForm) close() {
	af.Dialog.Hide()
	if af.cv.Form == af {
		af.cv.Form = nil
	}
}

func (af *ActionForm) submit() {
	cv, u := af.cv, af.cv.u
	c, err := u.s.Fire(u.ctx, cv.ID, af.Event.Name, af.Fields.Inputs(), af.Comment.Text, cv.Case.Version)
	if err != nil {
		u.ShowError(err)
		if procedure.ErrorCode(err) == procedure.ECONFLICT {
			cv.reload() // someone acted first: show the case as it is now
		}
		return
	}
	af.close()
	u.changed(c.ID)
}
