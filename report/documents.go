package report

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/tramite/tramite/procedure"
)

// docData is what a document's templates read: the case's facts, the
// document's own number and the issuing institution.
type docData struct {
	*procedure.Facts
	// Number is the document's cite number.
	Number string
	// Institution is the issuing institution of the header.
	Institution Institution
}

// Short returns the acronym after a dash in the institution's name
// ("… – AGETIC" gives "AGETIC"), or the whole name.
func (i Institution) Short() string {
	for _, sep := range []string{" – ", " - "} {
		if n := strings.LastIndex(i.Name, sep); n >= 0 {
			return strings.TrimSpace(i.Name[n+len(sep):])
		}
	}
	return i.Name
}

// exec runs a template of the document on data; where names it in errors.
func (d *doc) exec(where, src string, data any) (string, error) {
	if src == "" {
		return "", nil
	}
	if d.tmpl == nil { // one set per document: the functions are bound once
		d.tmpl = template.New("").Funcs(procedure.TemplateFuncs()).Option("missingkey=zero")
	}
	t, err := d.tmpl.New(where).Parse(src)
	if err == nil {
		var b bytes.Buffer
		if err = t.Execute(&b, data); err == nil {
			return b.String(), nil
		}
	}
	return "", procedure.Errorf(procedure.EINVALID, "report: el documento %q del procedimiento %s no se puede redactar (%s): %v",
		d.def.Topic, d.in.Definition.Code, where, err)
}

// body draws the document's blocks and its sign-off blocks.
func (d *doc) body() error {
	d.titleBlock()
	for i, b := range d.def.Blocks {
		where := fmt.Sprintf("bloque %d", i+1)
		switch {
		case b.Place:
			d.place()
		case b.Heading != "":
			s, err := d.exec(where, b.Heading, d.data)
			if err != nil {
				return err
			}
			d.heading(s)
		case b.Text != "":
			s, err := d.exec(where, b.Text, d.data)
			if err != nil {
				return err
			}
			if strings.TrimSpace(s) != "" {
				d.para(s)
			}
		case len(b.Fields) > 0:
			rows := make([][2]string, 0, len(b.Fields))
			for _, f := range b.Fields {
				v, err := d.exec(where, f.Value, d.data)
				if err != nil {
					return err
				}
				rows = append(rows, [2]string{f.Label, v})
			}
			d.fields(rows)
		case b.Table != nil:
			if err := d.drawTable(where, b.Table); err != nil {
				return err
			}
		}
	}
	if len(d.def.SignOffs) > 0 {
		d.signOffs(d.given())
	}
	return nil
}

// drawTable draws a table's fixed rows, then a row per entry; a table
// with no row is left out.
func (d *doc) drawTable(where string, t *procedure.Table) error {
	var rows [][]string
	for _, r := range t.Rows {
		row := make([]string, len(r))
		filled := false
		for i, c := range r {
			v, err := d.exec(where, c, d.data)
			if err != nil {
				return err
			}
			row[i] = v
			filled = filled || (i > 0 && strings.TrimSpace(v) != "")
		}
		if filled || len(r) == 1 {
			rows = append(rows, row)
		}
	}
	if len(t.Each) > 0 {
		events := make([]string, len(t.Events))
		for i, e := range t.Events {
			events[i] = string(e)
		}
		for _, act := range d.facts.Acts(events...) {
			row := make([]string, len(t.Each))
			for i, c := range t.Each {
				v, err := d.exec(where, c, act)
				if err != nil {
					return err
				}
				row[i] = v
			}
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	cols := make([]column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = column{c.Title, c.Width}
	}
	d.table(cols, rows)
	return nil
}

func containsEvent(evs []procedure.EventName, e procedure.EventName) bool {
	for _, x := range evs {
		if x == e {
			return true
		}
	}
	return false
}

// given returns the document's sign-off blocks with the entries that gave
// them, as the history stood: each the latest entry of its events later
// than the block before it.
func (d *doc) given() []signOff {
	return signOffsOf(d.def, d.facts.History())
}

func signOffsOf(def *procedure.DocumentDef, h []procedure.Entry) []signOff {
	out := make([]signOff, len(def.SignOffs))
	after := 0
	for i, s := range def.SignOffs {
		out[i] = signOff{caption: s.Caption, role: s.Role}
		if i > 0 && out[i-1].entry == nil {
			continue
		}
		for j := len(h) - 1; j >= 0 && h[j].Seq > after; j-- {
			if containsEvent(s.Events, h[j].Event) {
				e := h[j]
				out[i].entry = &e
				break
			}
		}
		if out[i].entry != nil {
			after = out[i].entry.Seq
		}
	}
	return out
}
