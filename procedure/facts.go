package procedure

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Facts is what the templates of a definition's documents and emails read:
// a case as it stood after one entry of its history (the entry whose event
// queued the document or email). Secret inputs are never in it: the engine
// keeps them out of Case.Data and Entry.Data.
//
// In a template, {{.Input "system"}} is an input's latest value as staff
// read it, {{with .Act "request"}}{{.Actor}}, {{.At.Long}}{{end}} the latest
// entry of an event, {{.Cite "informe"}} a document's cite number,
// {{with .Document "informe" "nota"}}{{.Label}} {{.Number}}{{end}} the first
// of those documents the case has, {{.Holder "jefe_uit"}} who holds a role
// in the case; .Case, .Procedure, .Date, .State, .Waiting and .Final
// describe the rest.
type Facts struct {
	def     *Definition
	c       Case
	hist    []Entry
	loc     *time.Location
	names   map[RoleID]string
	actors  map[string]string
	numbers map[string]string
	stays   []StepClock
}

// FactsOptions complete what a case's history tells.
type FactsOptions struct {
	// Location is the time zone of dates and times (nil: UTC).
	Location *time.Location
	// Holders names the holder of a role the history does not name yet
	// (the Jefe de la UIT a request note is addressed to, say).
	Holders map[RoleID]string
	// Actors names people by ID, for inputs that name a person.
	Actors map[string]string
	// Calendar is the working-day calendar of the definition's deadlines:
	// with it, each entry that ends or starts a step with a deadline says
	// the deadline in its Detail and its Deadline. Nil: none is said.
	Calendar Calendar
}

// NewFacts returns the facts of case c of d as it stood after history entry
// seq (0: after the whole history).
func NewFacts(d *Definition, c Case, history []Entry, seq int, opt FactsOptions) *Facts {
	h := history
	if seq > 0 {
		for i, e := range history {
			if e.Seq > seq {
				h = history[:i]
				break
			}
		}
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	f := &Facts{def: d, c: c, hist: h, loc: loc, names: opt.Holders, actors: opt.Actors}
	if d.Deadlines != nil && opt.Calendar != nil && len(h) > 0 {
		f.stays = d.Clocks(opt.Calendar, h, h[len(h)-1].At)
	}
	return f
}

// Case is the case (its ID, System, Unit, Description…).
func (f *Facts) Case() Case { return f.c }

// Procedure is the case's definition (its Code, Name…).
func (f *Facts) Procedure() *Definition { return f.def }

// History is the history the facts reflect, oldest first.
func (f *Facts) History() []Entry { return f.hist }

// Last is the entry the facts stop at; nil before the first.
func (f *Facts) Last() *Act {
	if len(f.hist) == 0 {
		return nil
	}
	return f.act(f.hist[len(f.hist)-1])
}

// Date is the time of the last entry.
func (f *Facts) Date() Moment {
	if len(f.hist) == 0 {
		return Moment{}
	}
	return f.moment(f.hist[len(f.hist)-1].At)
}

// Value returns the latest value given for a non-secret input, as stored
// ("true", an actor's ID…); "" when none.
func (f *Facts) Value(name string) string {
	for i := len(f.hist) - 1; i >= 0; i-- {
		if v, ok := f.hist[i].Data[name]; ok {
			return v
		}
	}
	return ""
}

// Input returns the latest value of an input as staff read it: "Sí" or
// "No" for a yes/no input, a person's name for one that names a person.
func (f *Facts) Input(name string) string { return f.format(name, f.Value(name)) }

// Label returns the label of an input.
func (f *Facts) Label(name string) string {
	if in, ok := f.def.input(name); ok {
		return in.Label
	}
	return name
}

func (f *Facts) format(name, v string) string {
	in, ok := f.def.input(name)
	if !ok || v == "" {
		return v
	}
	switch in.Kind {
	case InputSecret:
		return ""
	case InputBool:
		if b, err := strconv.ParseBool(v); err == nil {
			if b {
				return "Sí"
			}
			return "No"
		}
	case InputActor:
		return f.person(v)
	}
	return v
}

// person returns the name of the actor with ID id.
func (f *Facts) person(id string) string {
	for _, e := range f.hist {
		if e.ActorID == id && e.ActorName != "" {
			return e.ActorName
		}
	}
	if n := f.actors[id]; n != "" {
		return n
	}
	return id
}

// Act returns the latest entry of one of the events; nil when none.
func (f *Facts) Act(events ...string) *Act {
	for i := len(f.hist) - 1; i >= 0; i-- {
		if slices.Contains(events, string(f.hist[i].Event)) {
			return f.act(f.hist[i])
		}
	}
	return nil
}

// Acts returns every entry of the events, oldest first; with no events,
// every entry.
func (f *Facts) Acts(events ...string) []*Act {
	var out []*Act
	for _, e := range f.hist {
		if len(events) == 0 || slices.Contains(events, string(e.Event)) {
			out = append(out, f.act(e))
		}
	}
	return out
}

// Cite returns the cite number of a document of the case; "" when it has
// none.
func (f *Facts) Cite(topic string) string {
	if n, ok := f.numbers[topic]; ok {
		return n
	}
	return f.c.Cites[topic]
}

// Document returns the first of the topics the case has a numbered
// document of; nil when none.
func (f *Facts) Document(topics ...string) *DocRef {
	for _, t := range topics {
		if n := f.Cite(t); n != "" {
			r := &DocRef{Topic: t, Label: t, Number: n}
			if d, ok := f.def.Document(t); ok {
				r.Label, r.Title = d.Label, d.Title
			}
			return r
		}
	}
	return nil
}

// Holder returns the name of who holds role in the case: the actor of its
// latest entry in that role, else FactsOptions.Holders; "" when unknown.
func (f *Facts) Holder(role string) string {
	for i := len(f.hist) - 1; i >= 0; i-- {
		if f.hist[i].Role == RoleID(role) {
			return f.hist[i].ActorName
		}
	}
	return f.names[RoleID(role)]
}

// Person returns "Name – Role" for the holder of role, or the role's label
// when nobody is known; an a.i. holder's role says so.
func (f *Facts) Person(role string) string {
	label := f.def.RoleLabel(RoleID(role))
	for i := len(f.hist) - 1; i >= 0; i-- {
		if e := f.hist[i]; e.Role == RoleID(role) {
			if e.Interim {
				label += " a.i."
			}
			return e.ActorName + " – " + label
		}
	}
	if n := f.names[RoleID(role)]; n != "" {
		return n + " – " + label
	}
	return label
}

// Role returns the label of a role.
func (f *Facts) Role(role string) string { return f.def.RoleLabel(RoleID(role)) }

// State is the label of the state the case is in after the last entry.
func (f *Facts) State() string {
	if len(f.hist) == 0 {
		return f.def.StateLabel(f.c.State)
	}
	return f.def.StateLabel(f.hist[len(f.hist)-1].To)
}

// Final reports whether the case has ended after the last entry.
func (f *Facts) Final() bool {
	s := f.c.State
	if len(f.hist) > 0 {
		s = f.hist[len(f.hist)-1].To
	}
	return f.def.IsFinal(s)
}

// Waiting is the step the case waits for after the last entry; nil when
// it has ended.
func (f *Facts) Waiting() *Waiting {
	if len(f.hist) == 0 || f.Final() {
		return nil
	}
	ev := f.def.Waiting(f.hist[len(f.hist)-1].To)
	if ev == nil {
		return nil
	}
	return &Waiting{Step: ev.Step, Label: ev.Label, Role: f.def.RoleLabel(ev.Role)}
}

// WithNumber returns facts in which document topic has cite number n,
// for a document numbered in the transition being drawn.
func (f *Facts) WithNumber(topic, n string) *Facts {
	g := *f
	g.numbers = map[string]string{topic: n}
	return &g
}

// Waiting is the step a case waits for.
type Waiting struct {
	Step  int
	Label string
	Role  string
}

// DocRef is a document of a case, as a template names it.
type DocRef struct {
	Topic  string
	Label  string
	Title  string
	Number string
}

// Act is one entry of a case's history, as a template reads it.
type Act struct {
	Seq     int
	Step    int
	Event   EventName
	ActorID string
	// Actor is who acted; Role the label of the role they acted in, with
	// "a.i." when held ad interim.
	Actor     string
	Role      string
	At        Moment
	Comment   string
	Hash      string
	Extension bool
	f         *Facts
	e         Entry
}

func (f *Facts) act(e Entry) *Act {
	role := f.def.RoleLabel(e.Role)
	if e.Interim {
		role += " a.i."
	}
	return &Act{Seq: e.Seq, Step: e.Step, Event: e.Event, ActorID: e.ActorID, Actor: e.ActorName, Role: role,
		At: f.moment(e.At), Comment: e.Comment, Hash: e.Hash, Extension: e.Extension(f.def), f: f, e: e}
}

// Input returns an input given with this entry, as staff read it.
func (a *Act) Input(name string) string { return a.f.format(name, a.e.Data[name]) }

// Action is what was done: the event's label, marked "(extensión)" for an
// event the manual does not name, or the reading or erasure of the
// reserved data.
func (a *Act) Action() string { return a.f.def.ActionLabel(a.Event) }

// ActionLabel returns what a history entry of event name did, in Spanish:
// the event's label, marked "(extensión)" for an event the manual does
// not name, or the reading or erasure of the reserved data.
func (d *Definition) ActionLabel(name EventName) string {
	ev, ok := d.Event(name)
	switch {
	case ok && ev.Extension:
		return ev.Label + " (extensión)"
	case ok:
		return ev.Label
	case name == ActionRevealSecrets:
		return "Consulta de los datos reservados"
	case name == ActionPurgeSecrets:
		return "Eliminación de los datos reservados"
	case name == ActionDeadline:
		return "Plazo vencido: recordatorio y aviso (" + ExtensionNote + ")"
	}
	return string(name)
}

// Outputs lists what the entry produced, as the history records it.
func (a *Act) Outputs() string { return strings.Join(a.e.Outputs, "; ") }

// Detail summarises the entry in Spanish: its comment, each input given
// with its label, what it produced, and its hash.
func (a *Act) Detail() string {
	var parts []string
	if a.Comment != "" {
		parts = append(parts, "Comentario: "+a.Comment)
	}
	ev, _ := a.f.def.Event(a.Event)
	names := namesOf(ev, a.e)
	var rest []string
	for k := range a.e.Data {
		if !slices.Contains(names, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	names = append(names, rest...)
	if a.Event == ActionDeadline {
		names = slices.DeleteFunc(names, func(k string) bool { return k == stayKey })
	}
	for _, k := range names {
		v := a.f.format(k, a.e.Data[k])
		if v == "" {
			continue
		}
		label := a.f.Label(k)
		if ev != nil {
			if in, ok := ev.Input(k); ok {
				label = in.Label // the event's own words for it
			}
		}
		parts = append(parts, label+": "+v)
	}
	if len(a.e.Outputs) > 0 {
		parts = append(parts, "Salidas: "+a.Outputs())
	}
	if dl := a.Deadline(); dl != "" {
		parts = append(parts, "Plazo ("+ExtensionNote+"): "+dl)
	}
	parts = append(parts, "Huella: "+a.Hash)
	return strings.Join(parts, "\n")
}

// Deadline says the deadline of the step this entry ended ("paso 2: 4
// horas hábiles, vencía el 30/11/2026 13:00; cumplido a tiempo") or, when
// the step it started is still waited for, of that one ("paso 3: 1 día
// hábil, vence el 01/12/2026 16:30"); "" when neither has a deadline or
// the facts have no calendar. The deadlines are the agency's, not the
// manual's.
func (a *Act) Deadline() string {
	var out []string
	for _, k := range a.f.stays {
		if k.Deadline.IsZero() {
			continue
		}
		due := a.f.moment(k.Due).Time()
		switch {
		case k.EndEntry == a.Seq && k.Overdue:
			out = append(out, fmt.Sprintf("paso %d: %s, vencía el %s; cumplido fuera de plazo", k.Step, k.Deadline, due))
		case k.EndEntry == a.Seq:
			out = append(out, fmt.Sprintf("paso %d: %s, vencía el %s; cumplido a tiempo", k.Step, k.Deadline, due))
		case k.Entry == a.Seq && k.Open() && k.Overdue:
			out = append(out, fmt.Sprintf("paso %d: %s, venció el %s", k.Step, k.Deadline, due))
		case k.Entry == a.Seq && k.Open() && k.Paused:
			out = append(out, fmt.Sprintf("paso %d: %s, en pausa mientras espera al solicitante", k.Step, k.Deadline))
		case k.Entry == a.Seq && k.Open():
			out = append(out, fmt.Sprintf("paso %d: %s, vence el %s", k.Step, k.Deadline, due))
		}
	}
	return strings.Join(out, "; ")
}

// namesOf returns the inputs of ev given in e, in ev's order.
func namesOf(ev *EventDef, e Entry) []string {
	var out []string
	if ev == nil {
		return out
	}
	for _, in := range ev.Inputs {
		if _, ok := e.Data[in.Name]; ok {
			out = append(out, in.Name)
		}
	}
	return out
}

// Moment is a time as documents and emails write it, in their time zone.
type Moment struct{ t time.Time }

func (f *Facts) moment(t time.Time) Moment { return Moment{t.In(f.loc)} }

var monthNames = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
	"agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// Long is the date in words: "26 de noviembre de 2026".
func (m Moment) Long() string {
	if m.t.IsZero() {
		return ""
	}
	return strconv.Itoa(m.t.Day()) + " de " + monthNames[m.t.Month()-1] + " de " + strconv.Itoa(m.t.Year())
}

// Short is the date in figures: "26/11/2026".
func (m Moment) Short() string {
	if m.t.IsZero() {
		return ""
	}
	return m.t.Format("02/01/2006")
}

// Time is the date and time: "26/11/2026 09:05".
func (m Moment) Time() string {
	if m.t.IsZero() {
		return ""
	}
	return m.t.Format("02/01/2006 15:04")
}

// LongTime is the date in words and the time: "26 de noviembre de 2026,
// 09:05".
func (m Moment) LongTime() string {
	if m.t.IsZero() {
		return ""
	}
	return m.Long() + ", " + m.t.Format("15:04")
}

// T is the time itself.
func (m Moment) T() time.Time { return m.t }

// String is Long.
func (m Moment) String() string { return m.Long() }

// TemplateFuncs are the functions the templates of documents and emails
// may call, besides text/template's own:
//
//	list   "Ana", "Bruno y Carla": a Spanish enumeration of strings
//	upper  upper case
//	lower  lower case
//	first  the first non-empty of its arguments
//	named  "sistema Portal": a noun before a name, left out when the
//	       name starts with it ("Sistema de Correspondencia")
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		"list":  SpanishList,
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"named": func(noun, name string) string {
			if len(name) >= len(noun) && strings.EqualFold(name[:len(noun)], noun) {
				return name
			}
			return noun + " " + name
		},
		"first": func(s ...string) string {
			for _, v := range s {
				if strings.TrimSpace(v) != "" {
					return v
				}
			}
			return ""
		},
	}
}

// SpanishList joins items as Spanish enumerates them: "A", "A y B",
// "A, B y C".
func SpanishList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " y " + items[len(items)-1]
}

// input returns the first declaration of an input named name.
func (d *Definition) input(name string) (Input, bool) {
	for _, ev := range d.Events {
		if in, ok := ev.Input(name); ok {
			return in, true
		}
	}
	return Input{}, false
}
