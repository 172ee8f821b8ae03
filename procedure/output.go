package procedure

import (
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
)

// DocumentDef declares a document a procedure produces: what staff call it,
// how it is numbered and whose series the number belongs to, what it says
// and who signs it off. Events queue it with an Effect of kind
// EffectDocument naming its Topic; the report package draws any DocumentDef
// and knows no procedure.
type DocumentDef struct {
	// Topic identifies the document: outbox items and stored versions
	// carry it, and file names start with it.
	Topic string `json:"topic"`
	// Label is what staff call it ("Informe técnico de conclusión"): the
	// client, the route sheet and the emails name it so.
	Label string `json:"label"`
	// Title is the heading printed on it ("INFORME TÉCNICO").
	Title string `json:"title"`
	// Series, when set, numbers the document: one gap-free series per
	// issuer, series and year ("INF" gives UIT/INF/2026/0007).
	Series string `json:"series,omitempty"`
	// Issuer says who issues the document: its letterhead, and whose
	// series its number belongs to.
	Issuer Issuer `json:"issuer,omitempty"`
	// Blocks are the body, drawn in order.
	Blocks []Block `json:"blocks"`
	// SignOffs are the sign-off blocks drawn after the body, in order;
	// each is given by an entry of the history and signed by its actor.
	SignOffs []SignOff `json:"sign_offs,omitempty"`
}

// Issuer says who issues a document.
type Issuer string

// Issuers.
const (
	// IssuerInstitution: the unit that runs the procedure (the UIT); its
	// numbers take the engine's cite prefix (WithCitePrefix).
	IssuerInstitution Issuer = ""
	// IssuerRequester: the requesting unit, as for the note by which it
	// asks for the service; its numbers take the unit's own prefix
	// (WithUnitPrefixes) and its letterhead names the unit.
	IssuerRequester Issuer = "requester"
)

// Block is one part of a document's body. Set one of its fields. Texts are
// Go text/template templates run on the document's Facts (see Facts for
// what they may read and TemplateFuncs for the functions).
type Block struct {
	// Place writes the place and date of the document, right-aligned
	// ("La Paz, 26 de noviembre de 2026").
	Place bool `json:"place,omitempty"`
	// Heading is a section title.
	Heading string `json:"heading,omitempty"`
	// Text is a paragraph; line breaks are kept. A paragraph that renders
	// empty is left out.
	Text string `json:"text,omitempty"`
	// Fields are "LABEL: value" rows with a rule below, as the A:, VÍA:,
	// DE:, REF.: and FECHA: lines of an informe.
	Fields []Field `json:"fields,omitempty"`
	// Table is a table.
	Table *Table `json:"table,omitempty"`
}

// Field is one "LABEL: value" row; Value is a template.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Table is a table of a document: fixed rows, or one row per entry of the
// case's history.
type Table struct {
	Columns []Column `json:"columns"`
	// Rows are fixed rows, each cell a template on the document's Facts. A
	// row whose cells after the first all render empty is left out.
	Rows [][]string `json:"rows,omitempty"`
	// Each, when set, adds a row per entry of the history the document
	// reflects (only the entries of Events, when given), each cell a
	// template run on the entry's Act.
	Each   []string    `json:"each,omitempty"`
	Events []EventName `json:"events,omitempty"`
}

// Column is a column of a Table; Width is its share of the page's width.
type Column struct {
	Title string  `json:"title"`
	Width float64 `json:"width"`
}

// SignOff is a sign-off block: Caption ("Elaborado por") over the name, role
// and date of whoever gave it. It is given by the latest entry of one of
// Events, later than the sign-off before it; until then the block reads
// "Pendiente" over the label of Role. The document is signed once per
// sign-off given, in order, by its actor.
type SignOff struct {
	Caption string      `json:"caption"`
	Role    RoleID      `json:"role"`
	Events  []EventName `json:"events"`
}

// EmailDef declares an email a procedure sends. Events queue it with an
// Effect of kind EffectEmail naming its Topic, which also says who receives
// it and which documents go attached. Subject and Text are Go text/template
// templates, HTML an html/template template, all run on the email's Facts
// (see EmailFacts).
type EmailDef struct {
	// Topic identifies the email; outbox items carry it.
	Topic string `json:"topic"`
	// Label is what staff call it ("Observaciones a la solicitud").
	Label   string `json:"label"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// Document returns the declaration of a document topic.
func (d *Definition) Document(topic string) (*DocumentDef, bool) {
	for i := range d.Documents {
		if d.Documents[i].Topic == topic {
			return &d.Documents[i], true
		}
	}
	return nil, false
}

// Email returns the declaration of an email topic.
func (d *Definition) Email(topic string) (*EmailDef, bool) {
	for i := range d.Emails {
		if d.Emails[i].Topic == topic {
			return &d.Emails[i], true
		}
	}
	return nil, false
}

// TopicLabel returns what staff call a document or email topic: its
// declaration's Label, or the topic itself.
func (d *Definition) TopicLabel(kind EffectKind, topic string) string {
	switch kind {
	case EffectDocument:
		if doc, ok := d.Document(topic); ok && doc.Label != "" {
			return doc.Label
		}
	case EffectEmail:
		if em, ok := d.Email(topic); ok && em.Label != "" {
			return em.Label
		}
	}
	return topic
}

// outputProblems checks the documents and emails a definition declares and
// the effects that queue them.
func (d *Definition) outputProblems(roles map[RoleID]bool) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	text := func(where, src string) {
		if _, err := texttemplate.New(where).Funcs(TemplateFuncs()).Option("missingkey=error").Parse(src); err != nil {
			add("la plantilla de %s no es válida: %v", where, err)
		}
	}
	events := map[EventName]bool{}
	for _, ev := range d.Events {
		events[ev.Name] = true
	}
	seen := map[string]bool{}
	for _, doc := range d.Documents {
		where := fmt.Sprintf("el documento %q", doc.Topic)
		if doc.Topic == "" {
			add("un documento no tiene tema (topic)")
		} else if seen[doc.Topic] {
			add("documento duplicado %q", doc.Topic)
		}
		seen[doc.Topic] = true
		if doc.Label == "" || doc.Title == "" {
			add("%s necesita un nombre (label) y un título (title)", where)
		}
		if doc.Issuer != IssuerInstitution && doc.Issuer != IssuerRequester {
			add("%s tiene un emisor desconocido %q", where, doc.Issuer)
		}
		for i, b := range doc.Blocks {
			bw := fmt.Sprintf("%s, bloque %d", where, i+1)
			n := 0
			for _, set := range []bool{b.Place, b.Heading != "", b.Text != "", len(b.Fields) > 0, b.Table != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				add("%s debe tener exactamente uno de place, heading, text, fields o table", bw)
			}
			text(bw, b.Heading)
			text(bw, b.Text)
			for _, f := range b.Fields {
				text(bw, f.Value)
			}
			if t := b.Table; t != nil {
				if len(t.Columns) == 0 {
					add("%s: la tabla no tiene columnas", bw)
				}
				for _, r := range t.Rows {
					if len(r) != len(t.Columns) {
						add("%s: una fila de la tabla tiene %d celdas para %d columnas", bw, len(r), len(t.Columns))
					}
					for _, c := range r {
						text(bw, c)
					}
				}
				if len(t.Each) > 0 && len(t.Each) != len(t.Columns) {
					add("%s: la tabla tiene %d celdas por entrada para %d columnas", bw, len(t.Each), len(t.Columns))
				}
				for _, c := range t.Each {
					text(bw, c)
				}
				for _, e := range t.Events {
					if !events[e] {
						add("%s: la tabla nombra un evento desconocido %q", bw, e)
					}
				}
			}
		}
		for _, s := range doc.SignOffs {
			if !roles[s.Role] {
				add("%s: la firma %q es de un rol desconocido %q", where, s.Caption, s.Role)
			}
			if len(s.Events) == 0 {
				add("%s: la firma %q no dice qué evento la da", where, s.Caption)
			}
			for _, e := range s.Events {
				if !events[e] {
					add("%s: la firma %q nombra un evento desconocido %q", where, s.Caption, e)
				}
			}
		}
	}
	emails := map[string]bool{}
	for _, em := range d.Emails {
		where := fmt.Sprintf("el correo %q", em.Topic)
		if em.Topic == "" {
			add("un correo no tiene tema (topic)")
		} else if emails[em.Topic] {
			add("correo duplicado %q", em.Topic)
		}
		emails[em.Topic] = true
		if em.Subject == "" || em.Text == "" {
			add("%s necesita un asunto (subject) y un texto (text)", where)
		}
		text(where+", asunto", em.Subject)
		text(where+", texto", em.Text)
		if _, err := htmltemplate.New(where).Funcs(htmltemplate.FuncMap(TemplateFuncs())).Parse(em.HTML); err != nil {
			add("la plantilla HTML de %s no es válida: %v", where, err)
		}
	}
	for _, ev := range d.Events {
		for _, ef := range ev.Effects {
			switch ef.Kind {
			case EffectDocument:
				if !seen[ef.Topic] {
					add("el evento %q genera un documento no declarado %q", ev.Name, ef.Topic)
				}
			case EffectEmail:
				if !emails[ef.Topic] {
					add("el evento %q envía un correo no declarado %q", ev.Name, ef.Topic)
				}
				for _, a := range ef.Attach {
					if !seen[a] {
						add("el evento %q adjunta un documento no declarado %q", ev.Name, a)
					}
				}
			}
		}
	}
	return p
}
