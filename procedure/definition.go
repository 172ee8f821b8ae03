package procedure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// RoleID identifies a role of a procedure.
type RoleID string

// State is a state of a case, named by what the case waits for.
type State string

// EventName identifies an event of a procedure.
type EventName string

// Guard narrows who of a role may fire an event.
type Guard string

// Guards.
const (
	// GuardNone: anyone holding the role.
	GuardNone Guard = ""
	// GuardAssigned: only the person named by the event that assigns the
	// case (its Assigns input; step 3 of PR01 and PR02).
	GuardAssigned Guard = "assigned"
	// GuardRequester: only the requester. When the definition names a unit
	// input (Definition.Unit) the requester is the requesting unit, and
	// every member of it passes (PR01 and PR02); otherwise it is the
	// person who started the case.
	GuardRequester Guard = "requester"
	// GuardUnit: only members of the case's requesting unit, whoever the
	// requester is (a head of unit approving a request of the unit's).
	GuardUnit Guard = "unit"
)

// InputKind says how an input is entered and validated.
type InputKind string

// Input kinds.
const (
	InputText     InputKind = "text"     // one line
	InputLongText InputKind = "longtext" // several paragraphs
	InputSecret   InputKind = "secret"   // sealed before it reaches the store; never in history, documents or email
	InputBool     InputKind = "bool"     // "true" or "false"; Required means it must be "true"
	InputChoice   InputKind = "choice"   // one of Choices
	InputActor    InputKind = "actor"    // the ID of an actor holding Role
	InputPorts    InputKind = "ports"    // comma-separated TCP/UDP port numbers 1-65535
)

// Input describes one value an event requires or accepts.
type Input struct {
	Name     string    `json:"name"`
	Label    string    `json:"label"`
	Kind     InputKind `json:"kind"`
	Required bool      `json:"required,omitempty"`
	// Choices are the allowed values of an InputChoice.
	Choices []string `json:"choices,omitempty"`
	// Role is the role an InputActor must hold.
	Role RoleID `json:"role,omitempty"`
	// MaxLen bounds the length in characters, at most MaxTextLen; 0 means
	// the kind's default: 1,000 for one line, 10,000 for longtext and
	// secret.
	MaxLen int `json:"max_len,omitempty"`
	// Types are the file types an InputFile takes, by extension (keys of
	// FileTypes: "pdf", "odt", "png"…).
	Types []string `json:"types,omitempty"`
	// MaxSize bounds an InputFile's file, in bytes, at most MaxFileSize.
	MaxSize int64 `json:"max_size,omitempty"`
}

// maxTextDefault bounds an input whose MaxLen is 0, in characters.
const maxTextDefault = 10000

// EffectKind is the kind of side effect a transition owes.
type EffectKind string

// Effect kinds.
const (
	EffectDocument EffectKind = "document"
	EffectEmail    EffectKind = "email"
)

// Recipient names who receives an email effect, resolved when the event fires.
type Recipient string

// Recipients.
const (
	// RecipientRequester: the requester, as GuardRequester admits them:
	// the holders of the starting event's role in the requesting unit
	// when the definition names a unit input, else the person who
	// started the case.
	RecipientRequester Recipient = "requester"
	// RecipientAssigned: the person the case is assigned to (see
	// EventDef.Assigns).
	RecipientAssigned Recipient = "assigned"
	// RecipientNext: whoever the case waits for after the transition: the
	// assigned person, the requester, or the holders of the waiting role
	// (in the requesting unit when the waiting event's guard says so).
	RecipientNext Recipient = "next"
)

// RoleRecipient returns the Recipient naming every holder of role, of any
// unit ("role:jefe_uit").
func RoleRecipient(role RoleID) Recipient { return Recipient("role:" + string(role)) }

// UnitRoleRecipient returns the Recipient naming the holders of role in
// the case's requesting unit only ("unit:jefe_unidad").
func UnitRoleRecipient(role RoleID) Recipient { return Recipient("unit:" + string(role)) }

// recipientRole returns the role a "role:" or "unit:" recipient names,
// and whether it is narrowed to the requesting unit.
func recipientRole(r Recipient) (role RoleID, unit, ok bool) {
	if v, ok := strings.CutPrefix(string(r), "role:"); ok {
		return RoleID(v), false, true
	}
	if v, ok := strings.CutPrefix(string(r), "unit:"); ok {
		return RoleID(v), true, true
	}
	return "", false, false
}

// Effect is a document to render or an email to send, owed by an event and
// queued in the outbox in the same transaction.
type Effect struct {
	Kind EffectKind `json:"kind"`
	// Topic names the document (a DocumentDef of the definition, which
	// says how it is numbered) or the email (an EmailDef).
	Topic string `json:"topic"`
	// When limits the effect to the case whose input When[0] equals When[1],
	// e.g. ["complexity","alta"].
	When []string    `json:"when,omitempty"`
	To   []Recipient `json:"to,omitempty"`
	Cc   []Recipient `json:"cc,omitempty"`
	// Attach names the document topics attached to the email.
	Attach []string `json:"attach,omitempty"`
}

// Role describes a role of a procedure.
type Role struct {
	ID    RoleID `json:"id"`
	Label string `json:"label"`
	// Short is a brief label for narrow places ("Jefe UIT"); Label when
	// empty.
	Short string `json:"short,omitempty"`
}

// Step is one row of the manual's table.
type Step struct {
	Number int `json:"number"`
	// Activity is the manual's text, in Spanish.
	Activity    string `json:"activity"`
	Responsible RoleID `json:"responsible"`
	// Output is the output as the manual names it ("Remisión de Nota").
	Output string `json:"output"`
}

// EventDef is one event of a procedure: the transition, who may fire it, and
// what it requires and owes.
type EventDef struct {
	Name  EventName `json:"name"`
	Label string    `json:"label"`
	Step  int       `json:"step"`
	// From lists the source states; empty for the event that starts a case.
	From []State `json:"from,omitempty"`
	To   State   `json:"to"`
	// Routes choose another target by the event's own inputs: the first
	// route whose condition holds gives the state the case goes to; when
	// none holds the case goes to To.
	Routes []Route `json:"routes,omitempty"`
	Role   RoleID  `json:"role"`
	Guard  Guard   `json:"guard,omitempty"`
	// Checks name guard functions registered on the engine (WithGuard)
	// that must all admit the actor, besides Role and Guard; an engine
	// given a definition naming one it lacks refuses it.
	Checks []string `json:"checks,omitempty"`
	// Assigns names the InputActor input whose value becomes the case's
	// assigned profesional.
	Assigns string   `json:"assigns,omitempty"`
	Inputs  []Input  `json:"inputs,omitempty"`
	Effects []Effect `json:"effects,omitempty"`
	// Output is what the event produces as the manual names it
	// ("Progreso del documento (Flujo)"), recorded in the history with the
	// documents it queues; empty when it produces nothing of its own.
	Output string `json:"output,omitempty"`
	// Extension marks an event the manual does not name; it is never shown
	// as one of the manual's steps.
	Extension bool `json:"extension,omitempty"`
}

// Route is a conditional transition: when the event's input When[0] is
// given the value When[1], the case goes to To instead of the event's
// own target.
type Route struct {
	When []string `json:"when"`
	To   State    `json:"to"`
}

// Targets returns the states the event may lead to: To, then the targets
// of its Routes, without repeats.
func (ev *EventDef) Targets() []State {
	out := []State{ev.To}
	for _, r := range ev.Routes {
		if !slices.Contains(out, r.To) {
			out = append(out, r.To)
		}
	}
	return out
}

// Target returns the state the event leads to given its inputs (after
// validation): the first route whose condition holds, else To.
func (ev *EventDef) Target(in Inputs) State {
	for _, r := range ev.Routes {
		if len(r.When) == 2 && in[r.When[0]] == r.When[1] {
			return r.To
		}
	}
	return ev.To
}

// Input returns the named input and whether it exists.
func (ev *EventDef) Input(name string) (Input, bool) {
	for _, in := range ev.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Input{}, false
}

// Definition is a procedure: its identity as the manual gives it, its roles,
// its steps and the events of its state machine. Definitions are immutable
// once given to an Engine and safe to share between goroutines.
type Definition struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Version    string `json:"version"`
	Resolution string `json:"resolution"`
	// Approved is the date of the approving resolution, YYYY-MM-DD.
	Approved  string `json:"approved"`
	Objective string `json:"objective"`
	// Prefix starts the IDs of this procedure's cases ("PR01-2026-0001").
	Prefix string     `json:"prefix"`
	Roles  []Role     `json:"roles"`
	Steps  []Step     `json:"steps"`
	Events []EventDef `json:"events"`
	// Final lists the states that end a case.
	Final []State `json:"final"`
	// StateLabels gives the Spanish label of each state; a state without
	// one is shown by its name.
	StateLabels map[State]string `json:"state_labels,omitempty"`
	// Unit is the input of the starting event that names the requesting
	// unit; System names the system concerned and Description its summary.
	Unit        string `json:"unit_input"`
	System      string `json:"system_input"`
	Description string `json:"description_input"`
	// Visibility says who may read the cases and the outbox; see Visible
	// for the rule when it is empty.
	Visibility Visibility `json:"visibility,omitzero"`
	// Secrets says who may read and erase the secret inputs of a case.
	Secrets SecretAccess `json:"secrets,omitzero"`
	// Documents and Emails declare what the events' effects produce.
	Documents []DocumentDef `json:"documents,omitempty"`
	Emails    []EmailDef    `json:"emails,omitempty"`
	// Deadlines are the agency's deadlines on the steps, an extension the
	// manual does not set; nil for none (the manual's procedures).
	Deadlines *Deadlines `json:"deadlines,omitempty"`
}

// SecretAccess says who may read the secret inputs given when a case
// starts, and who may erase them once it has ended. Each reading and each
// erasure is recorded in the case's history.
type SecretAccess struct {
	Reveal []Permit `json:"reveal,omitempty"`
	Purge  []Permit `json:"purge,omitempty"`
}

// Permit names the holders of a role, narrowed by a guard.
type Permit struct {
	Role  RoleID `json:"role"`
	Guard Guard  `json:"guard,omitempty"`
}

// Event returns the named event definition.
func (d *Definition) Event(name EventName) (*EventDef, bool) {
	for i := range d.Events {
		if d.Events[i].Name == name {
			return &d.Events[i], true
		}
	}
	return nil, false
}

// StartEvent returns the event that starts a case (the one with no source).
func (d *Definition) StartEvent() *EventDef {
	for i := range d.Events {
		if len(d.Events[i].From) == 0 {
			return &d.Events[i]
		}
	}
	return nil
}

// Step returns the step with the given number.
func (d *Definition) Step(n int) (Step, bool) {
	for _, s := range d.Steps {
		if s.Number == n {
			return s, true
		}
	}
	return Step{}, false
}

// RoleLabel returns the label of a role, or its ID when unknown.
func (d *Definition) RoleLabel(id RoleID) string {
	for _, r := range d.Roles {
		if r.ID == id {
			return r.Label
		}
	}
	return string(id)
}

// RoleShort returns the short label of a role: its Short, else its Label,
// else its ID.
func (d *Definition) RoleShort(id RoleID) string {
	for _, r := range d.Roles {
		if r.ID == id && r.Short != "" {
			return r.Short
		}
	}
	return d.RoleLabel(id)
}

// StateLabel returns the label of a state, or its name when the
// definition gives none.
func (d *Definition) StateLabel(s State) string {
	if l, ok := d.StateLabels[s]; ok {
		return l
	}
	return string(s)
}

// IsFinal reports whether s ends a case.
func (d *Definition) IsFinal(s State) bool { return slices.Contains(d.Final, s) }

// States returns every state of the definition, in order of first appearance.
func (d *Definition) States() []State {
	var out []State
	add := func(s State) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, ev := range d.Events {
		for _, f := range ev.From {
			add(f)
		}
		for _, t := range ev.Targets() {
			add(t)
		}
	}
	return out
}

// Waiting returns the manual event that leaves state s — the step the case
// waits for there — or nil for a final state. Extensions are ignored unless
// no manual event leaves s.
func (d *Definition) Waiting(s State) *EventDef {
	var ext *EventDef
	for i := range d.Events {
		ev := &d.Events[i]
		if slices.Contains(ev.From, s) {
			if !ev.Extension {
				return ev
			}
			if ext == nil {
				ext = ev
			}
		}
	}
	return ext
}

// MarshalJSON-compatible round trip: a Definition encodes with encoding/json
// to the document LoadDefinition accepts.

// LoadDefinition decodes a JSON definition and validates it. Unknown fields
// are refused. A broken definition returns an *Error with code EINVALID whose
// Problems list every problem found.
func LoadDefinition(data []byte) (*Definition, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Definition
	if err := dec.Decode(&d); err != nil {
		return nil, &Error{Code: EINVALID, Op: "load definition", Message: "el documento JSON de la definición no es válido", Err: err}
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// Validate checks the definition and returns an *Error (EINVALID) listing
// every problem: unknown roles, unknown steps, duplicate events, steps with
// no responsible, unreachable states, non-final states with no way out,
// names and labels that are not one line of valid text within their limit
// (text.go), and whatever would keep its cases from running (runnable.go).
func (d *Definition) Validate() error {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(d.Code) == "" {
		add("falta el código del procedimiento")
	}
	if strings.TrimSpace(d.Name) == "" {
		add("falta el nombre del procedimiento")
	}
	if strings.TrimSpace(d.Prefix) == "" {
		add("falta el prefijo de los casos (prefix)")
	}
	roles := map[RoleID]bool{}
	for _, r := range d.Roles {
		if roles[r.ID] {
			add("rol duplicado %q", r.ID)
		}
		roles[r.ID] = true
	}
	for _, list := range [][]RoleID{d.Visibility.All, d.Visibility.Unit, d.Visibility.Outbox, d.Visibility.Dashboard} {
		for _, r := range list {
			if !roles[r] {
				add("la visibilidad nombra un rol desconocido %q", r)
			}
		}
	}
	for _, list := range [][]Permit{d.Secrets.Reveal, d.Secrets.Purge} {
		for _, pm := range list {
			if !roles[pm.Role] {
				add("el acceso a los datos reservados nombra un rol desconocido %q", pm.Role)
			}
			if !knownGuard(pm.Guard) {
				add("el acceso a los datos reservados tiene una guarda desconocida %q", pm.Guard)
			}
		}
	}
	steps := map[int]bool{}
	for _, s := range d.Steps {
		if steps[s.Number] {
			add("paso %d duplicado", s.Number)
		}
		steps[s.Number] = true
		switch {
		case s.Responsible == "":
			add("el paso %d no tiene responsable", s.Number)
		case !roles[s.Responsible]:
			add("el paso %d tiene un responsable desconocido %q", s.Number, s.Responsible)
		}
	}
	if len(d.Steps) == 0 {
		add("la definición no tiene pasos")
	}
	seen := map[EventName]bool{}
	starts := 0
	for _, ev := range d.Events {
		if ev.Name == "" {
			add("un evento no tiene nombre")
		}
		if seen[ev.Name] {
			add("evento duplicado %q", ev.Name)
		}
		seen[ev.Name] = true
		if len(ev.From) == 0 {
			starts++
		}
		if !roles[ev.Role] {
			add("el evento %q tiene un rol desconocido %q", ev.Name, ev.Role)
		}
		if !steps[ev.Step] {
			add("el evento %q pertenece a un paso desconocido %d", ev.Name, ev.Step)
		}
		if ev.To == "" {
			add("el evento %q no tiene estado de destino", ev.Name)
		}
		if !knownGuard(ev.Guard) {
			add("el evento %q tiene una guarda desconocida %q", ev.Name, ev.Guard)
		}
		names := map[string]bool{}
		for _, in := range ev.Inputs {
			if names[in.Name] {
				add("el evento %q repite el dato %q", ev.Name, in.Name)
			}
			names[in.Name] = true
			switch in.Kind {
			case InputText, InputLongText, InputSecret, InputBool, InputPorts:
			case InputChoice:
				if len(in.Choices) == 0 {
					add("el dato %q del evento %q no tiene opciones", in.Name, ev.Name)
				}
			case InputActor:
				if !roles[in.Role] {
					add("el dato %q del evento %q pide un rol desconocido %q", in.Name, ev.Name, in.Role)
				}
			case InputFile:
				p = append(p, fileProblems(ev.Name, in)...)
			default:
				add("el dato %q del evento %q tiene un tipo desconocido %q", in.Name, ev.Name, in.Kind)
			}
		}
		if ev.Assigns != "" {
			if in, ok := ev.Input(ev.Assigns); !ok || in.Kind != InputActor {
				add("el evento %q asigna desde %q, que no es un dato de tipo actor", ev.Name, ev.Assigns)
			}
		}
		for _, ef := range ev.Effects {
			if ef.Kind != EffectDocument && ef.Kind != EffectEmail {
				add("el evento %q tiene un efecto de tipo desconocido %q", ev.Name, ef.Kind)
			}
			for _, r := range append(slices.Clone(ef.To), ef.Cc...) {
				if role, _, ok := recipientRole(r); ok {
					if !roles[role] {
						add("el evento %q envía correo a un rol desconocido %q", ev.Name, role)
					}
				} else if r != RecipientRequester && r != RecipientAssigned && r != RecipientNext {
					add("el evento %q tiene un destinatario desconocido %q", ev.Name, r)
				}
			}
		}
	}
	p = append(p, d.outputProblems(roles)...)
	p = append(p, d.deadlineProblems(roles)...)
	if starts != 1 {
		add("debe haber exactamente un evento inicial (sin estados de origen); hay %d", starts)
	}
	final := map[State]bool{}
	for _, s := range d.Final {
		final[s] = true
	}
	if len(d.Final) == 0 {
		add("la definición no tiene estados finales")
	}
	// Reachability from the start event's target.
	states := d.States()
	reach := map[State]bool{}
	var queue []State
	if st := d.StartEvent(); st != nil {
		for _, t := range st.Targets() {
			if t != "" && !reach[t] {
				reach[t] = true
				queue = append(queue, t)
			}
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, ev := range d.Events {
			if !slices.Contains(ev.From, s) {
				continue
			}
			for _, t := range ev.Targets() {
				if t != "" && !reach[t] {
					reach[t] = true
					queue = append(queue, t)
				}
			}
		}
	}
	for _, s := range states {
		if !reach[s] {
			add("el estado %q es inalcanzable", s)
		}
		if !final[s] {
			out := false
			for _, ev := range d.Events {
				if slices.Contains(ev.From, s) {
					out = true
					break
				}
			}
			if !out {
				add("el estado %q no es final y no tiene salida", s)
			}
		}
	}
	for _, s := range d.Final {
		if !slices.Contains(states, s) {
			add("el estado final %q no aparece en ningún evento", s)
		}
	}
	for s := range d.StateLabels {
		if !slices.Contains(states, s) {
			add("hay una etiqueta para el estado %q, que no aparece en ningún evento", s)
		}
	}
	for _, s := range d.Final {
		for _, ev := range d.Events {
			if slices.Contains(ev.From, s) {
				add("el estado final %q tiene salida por el evento %q", s, ev.Name)
			}
		}
	}
	p = append(p, d.textProblems()...)
	p = append(p, d.runProblems()...)
	if len(p) == 0 {
		return nil
	}
	sort.Strings(p)
	return &Error{Code: EINVALID, Op: "validate definition " + d.Code,
		Message: "la definición tiene problemas: " + strings.Join(p, "; "), Problems: p}
}

func knownGuard(g Guard) bool {
	return g == GuardNone || g == GuardAssigned || g == GuardRequester || g == GuardUnit
}
