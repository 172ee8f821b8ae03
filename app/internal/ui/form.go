package ui

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// Fields is a form built from an event's input specs
// (procedure.EventDef.Inputs): one widget per input, of the input's kind.
// Secrets get masked entries.
type Fields struct {
	Specs []procedure.Input
	Form  *widget.Form

	entries map[string]*widget.Entry
	checks  map[string]*widget.Check
	selects map[string]*widget.Select
	// actorIDs maps the options of actor selects back to actor IDs.
	actorIDs map[string]map[string]string
}

// holders finds the people who hold a role.
type holders interface {
	Holders(ctx context.Context, role procedure.RoleID, unit string) ([]procedure.Actor, error)
}

// newFields builds the widgets of specs. Actor inputs list the holders of
// the input's role from people.
func newFields(ctx context.Context, people holders, specs []procedure.Input) (*Fields, error) {
	f := &Fields{Specs: specs, Form: widget.NewForm(), entries: map[string]*widget.Entry{},
		checks: map[string]*widget.Check{}, selects: map[string]*widget.Select{}, actorIDs: map[string]map[string]string{}}
	for _, in := range specs {
		var obj fyne.CanvasObject
		label := in.Label
		if in.Required && in.Kind != procedure.InputBool {
			label += " *"
		}
		switch in.Kind {
		case procedure.InputLongText:
			e := widget.NewMultiLineEntry()
			e.Wrapping = fyne.TextWrapWord
			e.SetMinRowsVisible(3)
			f.entries[in.Name], obj = e, e
		case procedure.InputSecret:
			e := widget.NewPasswordEntry()
			e.SetPlaceHolder(lang.L("se guarda cifrado; solo lo verá el profesional asignado"))
			f.entries[in.Name], obj = e, e
		case procedure.InputBool:
			c := widget.NewCheck(in.Label, nil)
			f.checks[in.Name], obj = c, c
			label = ""
		case procedure.InputChoice:
			s := widget.NewSelect(in.Choices, nil)
			f.selects[in.Name], obj = s, s
		case procedure.InputActor:
			as, err := people.Holders(ctx, in.Role, "")
			if err != nil {
				return nil, err
			}
			ids := map[string]string{}
			var opts []string
			for _, a := range as {
				o := a.Name + " (" + a.ID + ")"
				ids[o] = a.ID
				opts = append(opts, o)
			}
			s := widget.NewSelect(opts, nil)
			s.PlaceHolder = lang.L("(elija)")
			f.selects[in.Name], f.actorIDs[in.Name], obj = s, ids, s
		case procedure.InputPorts:
			e := widget.NewEntry()
			e.SetPlaceHolder("443, 5432")
			f.entries[in.Name], obj = e, e
		default:
			e := widget.NewEntry()
			f.entries[in.Name], obj = e, e
		}
		f.Form.Append(label, obj)
	}
	return f, nil
}

// Entry returns the entry of a text, long text, secret or ports input.
func (f *Fields) Entry(name string) *widget.Entry { return f.entries[name] }

// Check returns the check box of a bool input.
func (f *Fields) Check(name string) *widget.Check { return f.checks[name] }

// Select returns the select of a choice or actor input.
func (f *Fields) Select(name string) *widget.Select { return f.selects[name] }

// SelectActor selects the actor with id in an actor input; false if absent.
func (f *Fields) SelectActor(name, id string) bool {
	for o, v := range f.actorIDs[name] {
		if v == id {
			f.selects[name].SetSelected(o)
			return true
		}
	}
	return false
}

// Inputs returns the values entered, by input name; empty ones are left out
// so that the engine reports what is missing.
func (f *Fields) Inputs() procedure.Inputs {
	in := procedure.Inputs{}
	for _, s := range f.Specs {
		v := ""
		switch {
		case f.entries[s.Name] != nil:
			v = f.entries[s.Name].Text
		case f.checks[s.Name] != nil:
			v = strconv.FormatBool(f.checks[s.Name].Checked)
		case f.selects[s.Name] != nil:
			v = f.selects[s.Name].Selected
			if ids := f.actorIDs[s.Name]; ids != nil {
				v = ids[v]
			}
		}
		if v != "" {
			in[s.Name] = v
		}
	}
	return in
}

// Clear empties every field.
func (f *Fields) Clear() {
	for _, e := range f.entries {
		e.SetText("")
	}
	for _, c := range f.checks {
		c.SetChecked(false)
	}
	for _, s := range f.selects {
		s.ClearSelected()
	}
}
