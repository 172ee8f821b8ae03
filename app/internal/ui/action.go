package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// ActionForm is the dialog of one action on a case: the event's inputs, an
// optional comment, and a button that fires the event. When the engine
// refuses, its message is shown and the form stays open with what was typed.
// Esc cancels it; Enter in a one-line field, or Ctrl+Enter anywhere,
// confirms it.
type ActionForm struct {
	Event   *procedure.EventDef
	Fields  *Fields
	Comment *widget.Entry
	Confirm *widget.Button
	Cancel  *widget.Button
	Dialog  *Dialog
	// CommentBox is the comment's box as laid out in the dialog.
	CommentBox fyne.CanvasObject
	// Answers shows what the step being answered sent (the observation
	// a requester completes at step 5, say): the last step's long texts
	// and comment; nil when it sent none.
	Answers *widget.Label

	cv *CaseView
}

// Dialogs are at most this big, so that they fit a 1024×700 screen with
// the window's frame and menu bar.
var maxDialog = fyne.NewSize(680, 600)

func newActionForm(cv *CaseView, ev *procedure.EventDef) (*ActionForm, error) {
	u := cv.u
	f, err := newFields(u, ev.Inputs)
	if err != nil {
		return nil, err
	}
	comment := u.newMultiLineEntry()
	comment.SetMinRowsVisible(3)
	af := &ActionForm{Event: ev, Fields: f, Comment: &comment.Entry, CommentBox: comment, cv: cv}
	af.Comment.SetPlaceHolder(lang.L("Comentario para la hoja de ruta (opcional)"))
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
	body.Add(bold(lang.L("Comentario")))
	body.Add(comment)
	for _, e := range f.keyed {
		if !e.MultiLine {
			e.OnSubmitted = func(string) { af.submit() }
		}
	}
	scroll := container.NewVScroll(body)
	af.Dialog = u.newDialog(ev.Label+" — "+cv.ID, scroll, lang.L("Confirmar"), lang.L("Cancelar"), func(*Dialog) { af.submit() })
	af.Confirm, af.Cancel = af.Dialog.OK, af.Dialog.Cancel
	af.Dialog.d.SetOnClosed(func() {
		u.forget(af.Dialog)
		if cv.Form == af {
			cv.Form = nil
		}
	})
	af.Dialog.Show()
	fitDialog(af.Dialog, scroll, body)
	if f.first != nil { // the cursor in the first field
		u.Win.Canvas().Focus(f.first)
	} else {
		u.Win.Canvas().Focus(comment)
	}
	return af, nil
}

// fitDialog resizes dialog d, shown, so that body, its content scrolled
// by scroll, shows whole; no bigger than maxDialog (body then scrolls).
func fitDialog(d *Dialog, scroll, body fyne.CanvasObject) {
	size := fyne.NewSize(max(d.MinSize().Width, 640), d.MinSize().Height)
	d.d.Resize(size)
	have, need := scroll.Size(), body.MinSize()
	size = size.Add(fyne.NewSize(max(need.Width-have.Width, 0), max(need.Height-have.Height, 0)))
	d.d.Resize(fyne.NewSize(min32(size.Width, maxDialog.Width), min32(size.Height, maxDialog.Height)))
}

func min32(a, b float32) float32 {
	if a < b {
		return a
	}
	return b
}

func (af *ActionForm) close() { af.Dialog.Hide() }

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
