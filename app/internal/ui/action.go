package ui

import (
	"strings"

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
	// Answers shows what the step being answered sent (the observation
	// a requester completes at step 5, say): the last step's long texts
	// and comment; nil when it sent none.
	Answers *widget.Label

	cv *CaseView
}

func newActionForm(cv *CaseView, ev *procedure.EventDef) (*ActionForm, error) {
	f, err := newFields(cv.u, ev.Inputs)
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
	if head, text := lastSent(cv); text != "" {
		af.Answers = wrapLabel(text)
		body.Add(widget.NewCard("", head, af.Answers))
	}
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
	c, err := u.s.Fire(u.ctx, cv.ID, af.Event.Name, af.Fields.Inputs(), af.Fields.Files(), af.Comment.Text, cv.Case.Version)
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

// lastSent returns the heading and the text of what the case's last step
// said: its long-text inputs (observations, an answer, a report) and its
// comment; an empty text when it said nothing to read.
func lastSent(cv *CaseView) (head, text string) {
	for i := len(cv.hist) - 1; i >= 0; i-- {
		h := cv.hist[i]
		ev, ok := cv.Def.Event(h.Event)
		if !ok {
			continue // the reveal of the credentials, their purge: not a step
		}
		var parts []string
		for _, in := range ev.Inputs {
			switch v := h.Data[in.Name]; {
			case v == "":
			case in.Kind == procedure.InputLongText:
				parts = append(parts, in.Label+":\n"+v)
			case in.Kind == procedure.InputFile:
				parts = append(parts, in.Label+": "+v+" ("+lang.L("en Documentos")+")")
			}
		}
		if h.Comment != "" {
			parts = append(parts, lang.L("Comentario")+":\n"+h.Comment)
		}
		head = lang.L("{{.E}}, por {{.A}} el {{.T}}", map[string]any{"E": ev.Label, "A": h.ActorName, "T": cv.u.timeText(h.At)})
		return head, strings.Join(parts, "\n\n")
	}
	return "", ""
}
