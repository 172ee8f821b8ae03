package ui

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// Fields is a form built from an event's input specs
// (procedure.EventDef.Inputs): one widget per input, of the input's kind.
// Secrets get masked entries.
type Fields struct {
	Specs []procedure.Input
	// Form lays the fields out one under the other, each under its label,
	// which wraps: a long label does not widen the form.
	Form *fyne.Container

	entries map[string]*widget.Entry
	keyed   map[string]*entry
	// first is the first field, where the cursor goes when the form opens.
	first   fyne.Focusable
	checks  map[string]*widget.Check
	selects map[string]*widget.Select
	// actorIDs maps the options of actor selects back to actor IDs.
	actorIDs map[string]map[string]string
	files    map[string]*FilePicker
}

// FilePicker is the field of an input of kind file: the chosen file's name
// and size, a button that opens the desk's file dialog and one that
// removes the file.
type FilePicker struct {
	Spec procedure.Input
	// Chosen shows the chosen file, or what the field takes when none.
	Chosen *widget.Label
	Choose *widget.Button
	Remove *widget.Button
	// Dialog is the file dialog Choose opened last, nil before.
	Dialog *dialog.FileDialog
	file   *procedure.File
	u      *UI
}

func newFilePicker(u *UI, in procedure.Input) *FilePicker {
	p := &FilePicker{Spec: in, u: u, Chosen: wrapLabel("")}
	p.Choose = widget.NewButtonWithIcon(lang.L("Elegir archivo…"), theme.FolderOpenIcon(), p.open)
	p.Remove = widget.NewButtonWithIcon(lang.L("Quitar"), theme.DeleteIcon(), func() { p.set(nil) })
	p.set(nil)
	return p
}

func (p *FilePicker) set(f *procedure.File) {
	p.file = f
	if f == nil {
		p.Chosen.SetText(lang.L("Ningún archivo. Admite {{.T}}, hasta {{.S}}.", map[string]any{"T": p.Spec.TypesText(), "S": procedure.SizeText(p.Spec.MaxSize)}))
		p.Remove.Disable()
		return
	}
	p.Chosen.SetText(f.Name + " (" + procedure.SizeText(int64(len(f.Content))) + ")")
	p.Remove.Enable()
}

// Take checks a file for the field, as the engine will, and keeps it; a
// file the field does not take is refused with the engine's Spanish
// message and the field keeps what it had.
func (p *FilePicker) Take(f procedure.File) error {
	if _, problem := p.Spec.CheckFile(f); problem != "" {
		return procedure.Errorf(procedure.EINVALID, "%s", problem)
	}
	p.set(&f)
	return nil
}

// Attach reads the file at path into the field (what choosing it in the
// file dialog does); a file larger than the field takes is not read.
func (p *FilePicker) Attach(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return procedure.Errorf(procedure.EINVALID, "no se pudo leer %s: %v", filepath.Base(path), err)
	}
	defer f.Close()
	return p.read(filepath.Base(path), f)
}

func (p *FilePicker) read(name string, r io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(r, p.Spec.MaxSize+1))
	if err != nil {
		return procedure.Errorf(procedure.EINVALID, "no se pudo leer %s: %v", name, err)
	}
	if int64(len(b)) > p.Spec.MaxSize {
		return procedure.Errorf(procedure.EINVALID, "%s: el archivo %s pesa más de %s, el máximo", p.Spec.Label, name, procedure.SizeText(p.Spec.MaxSize))
	}
	return p.Take(procedure.File{Name: name, Content: b})
}

func (p *FilePicker) open() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err == nil && rc == nil {
			return // cancelled
		}
		if err == nil {
			err = p.read(rc.URI().Name(), rc)
			rc.Close()
		}
		if err != nil {
			p.u.ShowError(err)
		}
	}, p.u.Win)
	var exts []string
	for _, t := range p.Spec.Types {
		exts = append(exts, "."+t, "."+strings.ToUpper(t))
	}
	d.SetFilter(storage.NewExtensionFileFilter(exts))
	p.Dialog = d
	d.Show()
}

// newFields builds the widgets of specs. Actor inputs list the holders of
// the input's role; file inputs open the desk's file dialog.
func newFields(u *UI, specs []procedure.Input) (*Fields, error) {
	ctx, people := u.ctx, u.s
	f := &Fields{Specs: specs, Form: container.NewVBox(), entries: map[string]*widget.Entry{}, keyed: map[string]*entry{},
		checks: map[string]*widget.Check{}, selects: map[string]*widget.Select{}, actorIDs: map[string]map[string]string{},
		files: map[string]*FilePicker{}}
	for _, in := range specs {
		var obj fyne.CanvasObject
		label := in.Label
		if in.Required && in.Kind != procedure.InputBool {
			label += " *"
		}
		switch in.Kind {
		case procedure.InputLongText:
			e := u.newMultiLineEntry()
			e.SetMinRowsVisible(3)
			f.entries[in.Name], f.keyed[in.Name], obj = &e.Entry, e, e
		case procedure.InputSecret:
			e := u.newPasswordEntry()
			e.SetPlaceHolder(lang.L("se guarda cifrado; solo lo verá el profesional asignado"))
			f.entries[in.Name], f.keyed[in.Name], obj = &e.Entry, e, e
		case procedure.InputBool:
			c := u.newCheck(in.Label)
			f.checks[in.Name], obj = &c.Check, c
			label = ""
		case procedure.InputChoice:
			s := u.newSelect(in.Choices)
			f.selects[in.Name], obj = &s.Select, s
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
			s := u.newSelect(opts)
			f.selects[in.Name], f.actorIDs[in.Name], obj = &s.Select, ids, s
		case procedure.InputPorts:
			e := u.newEntry()
			e.SetPlaceHolder("443, 5432")
			f.entries[in.Name], f.keyed[in.Name], obj = &e.Entry, e, e
		case procedure.InputFile:
			p := newFilePicker(u, in)
			f.files[in.Name] = p
			obj = container.NewVBox(p.Chosen, container.NewHBox(p.Choose, p.Remove))
		default:
			e := u.newEntry()
			f.entries[in.Name], f.keyed[in.Name], obj = &e.Entry, e, e
		}
		if fo, ok := obj.(fyne.Focusable); ok && f.first == nil {
			f.first = fo
		}
		if label != "" {
			l := wrapLabel(label)
			l.TextStyle.Bold = true
			f.Form.Add(l)
		}
		f.Form.Add(obj)
	}
	return f, nil
}

// Entry returns the entry of a text, long text, secret or ports input.
func (f *Fields) Entry(name string) *widget.Entry { return f.entries[name] }

// Check returns the check box of a bool input.
func (f *Fields) Check(name string) *widget.Check { return f.checks[name] }

// File returns the field of a file input.
func (f *Fields) File(name string) *FilePicker { return f.files[name] }

// Files returns the files chosen, by input name; nil when none.
func (f *Fields) Files() map[string]procedure.File {
	var out map[string]procedure.File
	for name, p := range f.files {
		if p.file != nil {
			if out == nil {
				out = map[string]procedure.File{}
			}
			out[name] = *p.file
		}
	}
	return out
}

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
	for _, p := range f.files {
		p.set(nil)
	}
}
