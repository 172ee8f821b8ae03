package procedure

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every text a person or a definition supplies passes one check before any
// store sees it: inputs, comments, people's names, emails and units, and the
// labels and names of a definition. So every store accepts and refuses the
// same things (PostgreSQL refuses a NUL that SQLite would keep; SQLite keeps
// bytes that are not UTF-8, which encoding/json then alters, so a history
// entry would no longer match its hash), and every field has a bound.
//
// The rule: valid UTF-8; no control characters (NUL, CR, DEL, C1…), except
// newlines and tabs in a field of several lines; in a one-line field, no
// line or paragraph separators and no bidirectional overrides (which make a
// name read otherwise than it is stored); in an identifier, no white space;
// and a length in characters within the field's limit. A refusal is an
// *Error with code EINVALID whose message names the field.

// Limits of text fields, in characters.
const (
	// MaxIDLen bounds identifiers: people's IDs, case IDs, the codes and
	// prefixes of procedures, names of roles, states, events and inputs,
	// topics and series.
	MaxIDLen = 128
	// MaxNameLen bounds names and labels: people's names, units, labels of
	// roles, events, inputs and states, the outputs of steps.
	MaxNameLen = 200
	// MaxEmailLen bounds email addresses (RFC 5321's path limit).
	MaxEmailLen = 254
	// MaxCommentLen bounds the comment given with an event.
	MaxCommentLen = 2000
	// MaxTextLen is the most an input may declare in Input.MaxLen.
	MaxTextLen = 100_000
	// maxParagraphLen bounds the longer texts of a definition: a step's
	// activity, the procedure's objective.
	maxParagraphLen = 4000
	// maxItemIDLen bounds the ID of an outbox item (case/seq/kind/topic).
	maxItemIDLen = 4 * MaxIDLen
	// maxTemplateLen bounds a template of one line of a definition's
	// documents and emails (a heading, a field, a subject, a cell);
	// maxBodyLen one of several (a paragraph, an email's text or HTML).
	maxTemplateLen = 2000
	maxBodyLen     = 20000
)

// Default limits of inputs whose MaxLen is 0, by kind.
const (
	defaultLineLen = 1000           // InputText, InputPorts
	defaultLongLen = maxTextDefault // InputLongText, InputSecret
)

// maxUnknownNamed is how many unknown input names a refusal quotes; it
// counts the rest.
const maxUnknownNamed = 5

// textRule is the check of one field.
type textRule struct {
	label     string // how a refusal names the field; it starts the message
	max       int    // in characters
	multiline bool   // newlines and tabs are allowed
	id        bool   // no white space at all
}

func lineRule(label string, max int) textRule { return textRule{label: label, max: max} }
func idRule(label string) textRule            { return textRule{label: label, max: MaxIDLen, id: true} }
func nameRule(label string) textRule          { return textRule{label: label, max: MaxNameLen} }

// problem returns what is wrong with v, in Spanish, or "" when nothing is.
func (r textRule) problem(v string) string {
	if !utf8.ValidString(v) {
		return fmt.Sprintf("%s no es texto válido: contiene bytes que no son UTF-8", r.label)
	}
	if n := utf8.RuneCountInString(v); n > r.max {
		return fmt.Sprintf("%s supera los %d caracteres (tiene %d)", r.label, r.max, n)
	}
	pos := 0
	for _, c := range v {
		pos++
		switch {
		case c == '\n' || c == '\t':
			if !r.multiline {
				return fmt.Sprintf("%s debe ocupar una sola línea, sin saltos de línea ni tabulaciones", r.label)
			}
		case unicode.IsControl(c):
			return fmt.Sprintf("%s contiene un carácter de control no permitido (U+%04X) en la posición %d", r.label, c, pos)
		case !r.multiline && (c == '\u2028' || c == '\u2029' || isBidiControl(c)):
			return fmt.Sprintf("%s contiene un carácter de formato no permitido (U+%04X) en la posición %d", r.label, c, pos)
		case r.id && unicode.IsSpace(c):
			return fmt.Sprintf("%s no puede contener espacios", r.label)
		}
	}
	return ""
}

// check returns problem as an *Error.
func (r textRule) check(v string) error {
	if p := r.problem(v); p != "" {
		return &Error{Code: EINVALID, Message: p, Problems: []string{p}}
	}
	return nil
}

// isBidiControl reports whether c is an explicit bidirectional embedding,
// override or isolate (U+202A–U+202E, U+2066–U+2069).
func isBidiControl(c rune) bool {
	return c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069'
}

// normalizeNewlines turns CRLF into LF in a field of several lines, so a
// text pasted on Windows is kept, not refused for its CR.
func normalizeNewlines(v string) string {
	if !strings.Contains(v, "\r\n") {
		return v
	}
	return strings.ReplaceAll(v, "\r\n", "\n")
}

// quote returns s quoted for a message, cut to 60 characters: messages
// echo what they refuse, never at any length.
func quote(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return strconv.Quote(s)
	}
	n := 0
	for i := range s {
		if n == 60 {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}

// validID reports whether s could be an identifier; the engine answers
// "not found" for a case or an item ID that could not.
func validID(s string, max int) bool {
	r := idRule("")
	r.max = max
	return s != "" && r.problem(s) == ""
}

// inputRule is the check of an input's value.
func inputRule(in Input) textRule {
	r := textRule{label: in.Label, max: in.MaxLen}
	if r.label == "" {
		r.label = in.Name
	}
	def := defaultLineLen
	switch in.Kind {
	case InputLongText, InputSecret:
		r.multiline, def = true, defaultLongLen
	case InputActor:
		r.id, def = true, MaxIDLen
	case InputChoice, InputBool:
		def = MaxNameLen
	}
	if r.max <= 0 {
		r.max = def
	}
	return r
}

// commentRule is the check of the comment given with an event.
var commentRule = textRule{label: "el comentario", max: MaxCommentLen, multiline: true}

// CheckID checks v as an identifier that refusals call label (a person's
// ID, a username, a case ID): valid UTF-8 without white space or control
// characters, at most MaxIDLen characters. It returns an *Error with code
// EINVALID that names the field, nil when v is acceptable. The engine and
// every People check with these rules what they are given; a program
// checks with CheckID and CheckLine what it passes a store another way (a
// lookup, a filter), so that every store is asked the same things.
func CheckID(label, v string) error { return idRule(label).check(v) }

// CheckLine checks v as one line of text that refusals call label, of at
// most max characters; see CheckID.
func CheckLine(label, v string, max int) error { return lineRule(label, max).check(v) }

// CheckActor checks the text of a person before a store saves it: an ID
// (required, without spaces), a name and a unit of one line, an email
// address or none, and role IDs. It returns an *Error with code EINVALID
// whose Problems name each field at fault, nil when all are acceptable.
// Every People implementation calls it in SaveActor.
func CheckActor(a Actor) error {
	p := actorProblems(a)
	if a.ID == "" {
		p = append([]string{"la persona necesita un identificador"}, p...)
	}
	return problemsError(p)
}

// checkActing checks the text of the person who acts, which the engine
// writes into the case and its history. A caller builds that Actor itself
// (from a session, a directory, or by hand), so it is checked like a saved
// one, but its ID may be empty.
func checkActing(a Actor) error { return problemsError(actorProblems(a)) }

func actorProblems(a Actor) []string {
	var p []string
	add := func(s string) {
		if s != "" {
			p = append(p, s)
		}
	}
	add(idRule("el identificador de la persona").problem(a.ID))
	add(nameRule("el nombre de la persona").problem(a.Name))
	add(nameRule("la unidad de la persona").problem(a.Unit))
	add(emailProblem("el correo de la persona", a.Email))
	for _, g := range a.Grants {
		add(idRule("un rol de la persona").problem(string(g.Role)))
	}
	return p
}

// emailProblem checks an email address: empty, or a bare addr-spec
// (local@domain) of at most MaxEmailLen characters.
func emailProblem(label, v string) string {
	if v == "" {
		return ""
	}
	if p := lineRule(label, MaxEmailLen).problem(v); p != "" {
		return p
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v || a.Name != "" {
		return fmt.Sprintf("%s no es una dirección de correo válida (nombre@dominio)", label)
	}
	return ""
}

func problemsError(p []string) error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "datos inválidos: " + strings.Join(p, "; "), Problems: p}
}

// checkQuery checks the text filters of a listing: a filter no case could
// match is refused, the same on every store, rather than sent to one that
// would fail on it.
func checkQuery(q CaseQuery) error {
	var p []string
	for _, f := range []struct {
		r textRule
		v string
	}{
		{idRule("el procedimiento"), q.Procedure},
		{idRule("el estado"), string(q.State)},
		{nameRule("la unidad"), q.Unit},
		{nameRule("el texto de búsqueda"), q.Text},
	} {
		if s := f.r.problem(f.v); s != "" {
			p = append(p, s)
		}
	}
	return problemsError(p)
}

// textProblems returns the problems of the text of d: every name, label and
// text it supplies, with its limit.
func (d *Definition) textProblems() []string {
	var p []string
	add := func(r textRule, v string) {
		if s := r.problem(v); s != "" {
			p = append(p, s)
		}
	}
	id := func(label, v string) { add(idRule(label), v) }
	name := func(label, v string) { add(nameRule(label), v) }
	id("el código del procedimiento", d.Code)
	add(lineRule("el nombre del procedimiento", 2*MaxNameLen), d.Name)
	name("la versión del procedimiento", d.Version)
	name("la resolución que aprueba el procedimiento", d.Resolution)
	name("la fecha de aprobación del procedimiento", d.Approved)
	add(textRule{label: "el objetivo del procedimiento", max: maxParagraphLen, multiline: true}, d.Objective)
	id("el prefijo de los casos", d.Prefix)
	id("el dato de la unidad solicitante (unit_input)", d.Unit)
	id("el dato del sistema (system_input)", d.System)
	id("el dato de la descripción (description_input)", d.Description)
	for _, r := range d.Roles {
		id("el identificador de un rol", string(r.ID))
		name(fmt.Sprintf("la etiqueta del rol %s", quote(string(r.ID))), r.Label)
	}
	for _, s := range d.Steps {
		add(textRule{label: fmt.Sprintf("la actividad del paso %d", s.Number), max: maxParagraphLen, multiline: true}, s.Activity)
		name(fmt.Sprintf("la salida del paso %d", s.Number), s.Output)
	}
	for _, s := range d.Final {
		id("un estado final", string(s))
	}
	for s, l := range d.StateLabels {
		id("un estado con etiqueta", string(s))
		name(fmt.Sprintf("la etiqueta del estado %s", quote(string(s))), l)
	}
	for _, ev := range d.Events {
		en := quote(string(ev.Name))
		id("el nombre de un evento", string(ev.Name))
		name(fmt.Sprintf("la etiqueta del evento %s", en), ev.Label)
		for _, s := range ev.From {
			id(fmt.Sprintf("un estado de origen del evento %s", en), string(s))
		}
		id(fmt.Sprintf("el estado de destino del evento %s", en), string(ev.To))
		for _, r := range ev.Routes {
			if r.To != "" {
				id(fmt.Sprintf("el estado de destino de una ruta del evento %s", en), string(r.To))
			}
			for _, w := range r.When {
				name(fmt.Sprintf("la condición de una ruta del evento %s", en), w)
			}
		}
		for _, c := range ev.Checks {
			if c != "" {
				id(fmt.Sprintf("una guarda de programa del evento %s", en), c)
			}
		}
		for _, in := range ev.Inputs {
			iname := quote(in.Name)
			id(fmt.Sprintf("el nombre de un dato del evento %s", en), in.Name)
			name(fmt.Sprintf("la etiqueta del dato %s del evento %s", iname, en), in.Label)
			for _, c := range in.Choices {
				name(fmt.Sprintf("una opción del dato %s del evento %s", iname, en), c)
			}
			if in.MaxLen < 0 || in.MaxLen > MaxTextLen {
				p = append(p, fmt.Sprintf("el largo máximo del dato %s del evento %s debe estar entre 1 y %d caracteres (o 0, el de su tipo)", iname, en, MaxTextLen))
			}
		}
		name(fmt.Sprintf("la salida del evento %s", en), ev.Output)
		for _, ef := range ev.Effects {
			id(fmt.Sprintf("el tema de un efecto del evento %s", en), ef.Topic)
			for _, w := range ef.When {
				name(fmt.Sprintf("la condición de un efecto del evento %s", en), w)
			}
			for _, r := range append(append([]Recipient{}, ef.To...), ef.Cc...) {
				id(fmt.Sprintf("un destinatario de un efecto del evento %s", en), string(r))
			}
			for _, a := range ef.Attach {
				id(fmt.Sprintf("un adjunto de un efecto del evento %s", en), a)
			}
		}
	}
	return append(p, d.outputTextProblems()...)
}

// outputTextProblems returns the problems of the text of d's documents and
// emails: names and labels as names, templates within their limits.
func (d *Definition) outputTextProblems() []string {
	var p []string
	add := func(r textRule, v string) {
		if s := r.problem(v); s != "" {
			p = append(p, s)
		}
	}
	line := func(label, v string) { add(lineRule(label, maxTemplateLen), v) }
	body := func(label string, max int, v string) {
		add(textRule{label: label, max: max, multiline: true}, v)
	}
	for _, doc := range d.Documents {
		dn := quote(doc.Topic)
		add(idRule("el tema de un documento"), doc.Topic)
		add(nameRule(fmt.Sprintf("el nombre del documento %s", dn)), doc.Label)
		add(nameRule(fmt.Sprintf("el título del documento %s", dn)), doc.Title)
		add(idRule(fmt.Sprintf("la serie del documento %s", dn)), doc.Series)
		for i, b := range doc.Blocks {
			bn := fmt.Sprintf("el bloque %d del documento %s", i+1, dn)
			line(fmt.Sprintf("el título de %s", bn), b.Heading)
			body(fmt.Sprintf("el texto de %s", bn), maxBodyLen, b.Text)
			for _, f := range b.Fields {
				add(nameRule(fmt.Sprintf("un campo de %s", bn)), f.Label)
				line(fmt.Sprintf("el valor de un campo de %s", bn), f.Value)
			}
			if t := b.Table; t != nil {
				for _, c := range t.Columns {
					add(nameRule(fmt.Sprintf("una columna de %s", bn)), c.Title)
				}
				for _, r := range t.Rows {
					for _, c := range r {
						body(fmt.Sprintf("una celda de %s", bn), maxTemplateLen, c)
					}
				}
				for _, c := range t.Each {
					body(fmt.Sprintf("una celda de %s", bn), maxTemplateLen, c)
				}
			}
		}
		for _, so := range doc.SignOffs {
			add(nameRule(fmt.Sprintf("una firma del documento %s", dn)), so.Caption)
		}
	}
	for _, em := range d.Emails {
		en := quote(em.Topic)
		add(idRule("el tema de un correo"), em.Topic)
		add(nameRule(fmt.Sprintf("el nombre del correo %s", en)), em.Label)
		line(fmt.Sprintf("el asunto del correo %s", en), em.Subject)
		body(fmt.Sprintf("el texto del correo %s", en), maxBodyLen, em.Text)
		body(fmt.Sprintf("el HTML del correo %s", en), maxBodyLen, em.HTML)
	}
	return p
}

// checkOutboxQuery checks the text filters of an outbox listing.
func checkOutboxQuery(q OutboxQuery) error {
	var p []string
	for _, f := range []struct {
		r textRule
		v string
	}{
		{textRule{label: "el envío", max: maxItemIDLen, id: true}, q.ID},
		{idRule("el trámite"), q.CaseID},
		{idRule("el tipo de envío"), string(q.Kind)},
		{idRule("el estado del envío"), string(q.Status)},
	} {
		if s := f.r.problem(f.v); s != "" {
			p = append(p, s)
		}
	}
	return problemsError(p)
}
