package procedure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/looplab/fsm"
)

// startState is the looplab/fsm state a case is in before its first event.
// It never reaches a store.
const startState = "[*]"

// Engine runs cases of procedures on a Store. An Engine is safe for
// concurrent use: it shares only immutable definitions and builds a fresh
// state machine for every transition from the stored state.
type Engine struct {
	store  Store
	dir    Directory
	clock  Clock
	work   WorkingDays
	sealer Sealer
	cal    Calendar
	log    *slog.Logger
	cite   string
	units  map[string]string
	defs   map[string]*compiled // the current version of each procedure
	order  []string
	given  []*Definition
	// versions holds every version given, by Definition.Hash.
	versions map[string]*compiled
	guards   map[string]GuardFunc
	hooks    []AfterCommit
	// deadlines says which procedures have deadlines in some version.
	deadlines map[string]bool
	stays     stayCache
}

type compiled struct {
	def    *Definition
	hash   string
	events fsm.Events
	states map[State]stateInfo // what the dashboard needs of each state
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock (default SystemClock).
func WithClock(c Clock) Option { return func(e *Engine) { e.clock = c } }

// WithWorkingDays sets how the engine counts working days (default: the
// working days of the engine's Calendar when it tells them apart, as
// calendar.Calendar does; else Weekdays(LaPaz), Monday to Friday in
// America/La_Paz).
func WithWorkingDays(w WorkingDays) Option { return func(e *Engine) { e.work = w } }

// WithDirectory sets the directory used to check assigned actors and to
// address emails. Without one, actor inputs cannot be checked and are refused.
func WithDirectory(d Directory) Option { return func(e *Engine) { e.dir = d } }

// WithSealer sets the Sealer that encrypts step 1 secrets. Without one, an
// event carrying a secret is refused.
func WithSealer(s Sealer) Option { return func(e *Engine) { e.sealer = s } }

// WithLogger sets the logger for transitions (default: discard). Inputs and
// secrets are never logged.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithCitePrefix sets the prefix of the cite numbers of the documents the
// institution issues (default "UIT").
func WithCitePrefix(p string) Option { return func(e *Engine) { e.cite = p } }

// WithUnitPrefixes sets the prefix of the cite numbers of documents a
// requesting unit issues (IssuerRequester), by unit. A unit not listed
// takes the initials of its name's words, articles and prepositions left
// out and accents dropped: "Unidad de Desarrollo de Software" gives "UDS".
func WithUnitPrefixes(m map[string]string) Option {
	return func(e *Engine) { e.units = maps.Clone(m) }
}

// unitPrefix returns the cite prefix of a requesting unit.
func (e *Engine) unitPrefix(unit string) string {
	if p := e.units[unit]; p != "" {
		return p
	}
	return initials(unit)
}

// initials returns the initials of the words of a name, in upper case,
// leaving out Spanish articles, prepositions and conjunctions and dropping
// accents: "Área de Planificación y Gestión" gives "APG". A name of only
// such words gives "UNIDAD".
func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		switch strings.ToLower(w) {
		case "de", "del", "la", "las", "el", "los", "y", "e", "en", "a", "al", "para", "por":
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		r = unicode.ToUpper(r)
		if i := strings.IndexRune("ÁÉÍÓÚÜ", r); i >= 0 {
			r = rune("AEIOUU"[i/2]) // each accented capital is two bytes
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "UNIDAD"
	}
	return b.String()
}

// WithDefinitions sets the procedures the engine runs; an engine needs at
// least one (the manual's: manual.Definitions()). Several versions of a
// procedure (one Code, each its own Version) may be given: the last one is
// current and starts new cases, the others let the cases that started
// under them finish under them.
func WithDefinitions(defs ...*Definition) Option {
	return func(e *Engine) {
		e.defs = map[string]*compiled{}
		e.order = nil
		e.given = defs
		for _, d := range defs {
			if _, ok := e.defs[d.Code]; !ok {
				e.order = append(e.order, d.Code)
			}
			e.defs[d.Code] = &compiled{def: d}
		}
	}
}

// NewEngine returns an Engine on store. Every definition is validated.
func NewEngine(store Store, opts ...Option) (*Engine, error) {
	e := &Engine{store: store, clock: SystemClock, cite: "UIT", log: slog.New(slog.DiscardHandler), defs: map[string]*compiled{}}
	for _, o := range opts {
		o(e)
	}
	if store == nil {
		return nil, Errorf(EINVALID, "el motor necesita un almacenamiento")
	}
	if e.work == nil {
		e.work = defaultWorkingDays(e.cal)
	}
	if len(e.order) == 0 {
		return nil, Errorf(EINVALID, "el motor necesita al menos una definición de procedimiento (WithDefinitions)")
	}
	e.versions = map[string]*compiled{}
	e.deadlines = map[string]bool{}
	versions := map[[2]string]string{} // code and version to hash
	for _, d := range e.given {
		c := e.defs[d.Code]
		if c.def != d {
			c = &compiled{def: d} // an earlier version
		} else if c.hash != "" {
			continue // given twice
		}
		if err := d.Validate(); err != nil {
			return nil, err
		}
		if p := e.guardProblems(d); len(p) > 0 {
			return nil, &Error{Code: EINVALID, Op: "validate definition " + d.Code,
				Message: "la definición tiene problemas: " + strings.Join(p, "; "), Problems: p}
		}
		if d.Deadlines != nil && e.cal == nil {
			return nil, Errorf(EINVALID, "el procedimiento %s tiene plazos (%s): el motor necesita un calendario de días hábiles (WithCalendar)", d.Code, ExtensionNote)
		}
		if d.Deadlines != nil {
			e.deadlines[d.Code] = true
		}
		c.hash = d.Hash()
		c.states = stateInfos(d)
		key := [2]string{d.Code, d.Version}
		if h, ok := versions[key]; ok && h != c.hash {
			return nil, Errorf(EINVALID, "el procedimiento %s tiene dos definiciones distintas con la versión %s: una definición cambiada debe llevar una versión nueva", d.Code, quote(d.Version))
		}
		versions[key] = c.hash
		e.versions[c.hash] = c
		for _, ev := range c.def.Events {
			src := make([]string, 0, len(ev.From))
			for _, f := range ev.From {
				src = append(src, string(f))
			}
			if len(src) == 0 {
				src = []string{startState}
			}
			c.events = append(c.events, fsm.EventDesc{Name: string(ev.Name), Src: src, Dst: string(ev.To)})
		}
	}
	return e, nil
}

// Definitions returns the engine's procedures in the order given.
func (e *Engine) Definitions() []*Definition {
	out := make([]*Definition, 0, len(e.order))
	for _, c := range e.order {
		out = append(out, e.defs[c].def)
	}
	return out
}

// Definition returns a procedure by code; ENOTFOUND if the engine lacks it.
func (e *Engine) Definition(code string) (*Definition, error) {
	c, ok := e.defs[code]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no existe el procedimiento %s", quote(code))
	}
	return c.def, nil
}

// FormatCite formats a cite number: prefix/series/year/NNNN.
func FormatCite(prefix, series string, year, n int) string {
	return fmt.Sprintf("%s/%s/%d/%04d", prefix, series, year, n)
}

// StartRequest starts a case with a procedure's starting event (step 1).
type StartRequest struct {
	Procedure string
	Actor     Actor
	Inputs    Inputs
	// Files are the files given for the starting event's inputs of kind
	// file, by input name.
	Files   map[string]File
	Comment string
}

// FireRequest fires an event on a case.
type FireRequest struct {
	CaseID string
	Event  EventName
	Actor  Actor
	Inputs Inputs
	// Files are the files given for the event's inputs of kind file, by
	// input name.
	Files   map[string]File
	Comment string
	// Version, when not zero, is the case version the actor saw; if the
	// case has changed since, Fire returns ECONFLICT.
	Version int64
}

// Start opens a new case. It returns EFORBIDDEN if the actor may not start
// it, EINVALID for a missing or malformed input, ENOTFOUND for an unknown
// procedure.
func (e *Engine) Start(ctx context.Context, req StartRequest) (Case, error) {
	c, ok := e.defs[req.Procedure]
	if !ok {
		return Case{}, Errorf(ENOTFOUND, "no existe el procedimiento %s", quote(req.Procedure))
	}
	ev := c.def.StartEvent()
	cs := Case{Procedure: req.Procedure, Unit: strings.TrimSpace(req.Inputs[c.def.Unit])}
	if c.def.Unit == "" {
		// Without a unit input the requester is a person, and the
		// requesting unit is theirs.
		cs.Unit = req.Actor.Unit
		// Without a unit, guards and mail by unit find nobody, and a
		// requester who sees only their unit's cases would not see theirs.
		if cs.Unit == "" && (c.def.usesUnit() || scopeOf(c.def, req.Actor) != seeAll) {
			return Case{}, wrapOp("start "+req.Procedure, Errorf(EINVALID,
				"%s no pertenece a ninguna unidad, y %s necesita la unidad de quien lo solicita", actorName(req.Actor), c.def.Code))
		}
	}
	out, err := e.transition(ctx, c, ev, cs, req.Actor, req.Inputs, req.Files, req.Comment, true)
	if err != nil {
		return Case{}, wrapOp("start "+req.Procedure, err)
	}
	return out, nil
}

// Fire fires an event on a case as actor. Errors: ENOTFOUND (no such case,
// or one the actor may not see),
// EFORBIDDEN (the actor may not fire it), EINVALIDTRANSITION (not from the
// case's state), EINVALID (inputs), ECONFLICT (changed concurrently).
func (e *Engine) Fire(ctx context.Context, req FireRequest) (Case, error) {
	cs, err := e.visibleCase(ctx, req.Actor, req.CaseID)
	if err != nil {
		return Case{}, wrapOp("fire", err)
	}
	if req.Version != 0 && req.Version != cs.Version {
		return Case{}, wrapOp("fire", conflictError(cs.ID))
	}
	c, err := e.caseDef(cs)
	if err != nil {
		return Case{}, wrapOp("fire", err)
	}
	ev, ok := c.def.Event(req.Event)
	if !ok || len(ev.From) == 0 {
		return Case{}, Errorf(EINVALIDTRANSITION, "el procedimiento %s no tiene la acción %s", c.def.Code, quote(string(req.Event)))
	}
	out, err := e.transition(ctx, c, ev, cs, req.Actor, req.Inputs, req.Files, req.Comment, false)
	if err != nil {
		return Case{}, wrapOp("fire "+string(req.Event)+" on "+req.CaseID, err)
	}
	return out, nil
}

// authorize returns the grant under which actor may fire ev on cs: the
// event's role, its guard, then the guard functions it names.
func (e *Engine) authorize(ctx context.Context, d *Definition, ev *EventDef, cs Case, a Actor) (Grant, error) {
	g, ok := a.Holds(ev.Role)
	if !ok {
		return Grant{}, Errorf(EFORBIDDEN, "%q corresponde a %s; %s no tiene ese rol", ev.Label, d.RoleLabel(ev.Role), actorName(a))
	}
	if !guarded(d, ev.Guard, cs, a) {
		switch {
		case ev.Guard == GuardAssigned:
			return Grant{}, Errorf(EFORBIDDEN, "%q corresponde solo a %s", ev.Label, d.assignedText())
		case ev.Guard == GuardRequester && d.Unit == "":
			return Grant{}, Errorf(EFORBIDDEN, "%q corresponde solo a quien hizo la solicitud", ev.Label)
		}
		return Grant{}, Errorf(EFORBIDDEN, "%q corresponde solo a miembros de la unidad solicitante (%s)", ev.Label, cs.Unit)
	}
	if err := e.check(ctx, ev, cs, a); err != nil {
		return Grant{}, err
	}
	return g, nil
}

// usesUnit reports whether a guard or a recipient of d reads the case's
// requesting unit.
func (d *Definition) usesUnit() bool {
	for _, ev := range d.Events {
		if ev.Guard == GuardUnit || (d.Unit != "" && ev.Guard == GuardRequester) {
			return true
		}
		for _, ef := range ev.Effects {
			for _, r := range append(slices.Clone(ef.To), ef.Cc...) {
				if _, unit, ok := recipientRole(r); ok && unit {
					return true
				}
			}
		}
	}
	for _, pm := range append(slices.Clone(d.Secrets.Reveal), d.Secrets.Purge...) {
		if pm.Guard == GuardUnit {
			return true
		}
	}
	return false
}

// assignedText names who GuardAssigned admits: "el Profesional de
// Servidores y Servicios asignado en el paso 3".
func (d *Definition) assignedText() string {
	for _, ev := range d.Events {
		if in, ok := ev.Input(ev.Assigns); ok && ev.Assigns != "" {
			return fmt.Sprintf("el %s asignado en el paso %d", d.RoleLabel(in.Role), ev.Step)
		}
	}
	return "la persona asignada al trámite"
}

// guarded reports whether a passes guard g on cs of d.
func guarded(d *Definition, g Guard, cs Case, a Actor) bool {
	switch g {
	case GuardAssigned:
		return cs.Assignee != "" && cs.Assignee == a.ID
	case GuardRequester:
		if d.Unit == "" { // the requester is a person
			return cs.RequesterID == "" && cs.ID == "" || cs.RequesterID != "" && cs.RequesterID == a.ID
		}
		return cs.Unit != "" && a.Unit == cs.Unit
	case GuardUnit:
		return cs.Unit != "" && a.Unit == cs.Unit
	}
	return true
}

// permitted returns the first of ps that a satisfies on cs of d, with a's
// grant of its role.
func permitted(d *Definition, ps []Permit, cs Case, a Actor) (Permit, Grant, bool) {
	for _, p := range ps {
		if g, ok := a.Holds(p.Role); ok && guarded(d, p.Guard, cs, a) {
			return p, g, true
		}
	}
	return Permit{}, Grant{}, false
}

// MayReveal reports whether a may read the secret inputs of case c.
func (d *Definition) MayReveal(a Actor, c Case) bool {
	_, _, ok := permitted(d, d.Secrets.Reveal, c, a)
	return ok
}

func actorName(a Actor) string {
	if a.Name != "" {
		return a.Name
	}
	if a.ID != "" {
		return a.ID
	}
	return "la persona"
}

// validate checks inputs against ev and splits them into public data and
// secrets. Every problem is reported at once.
func (e *Engine) validate(ctx context.Context, ev *EventDef, in Inputs, files map[string]File) (Inputs, map[string]string, []Attachment, error) {
	atts, problems := checkFiles(ev, files)
	public := make(Inputs, len(ev.Inputs))
	var secret map[string]string
	unknown := 0
	for name := range in {
		if _, ok := ev.Input(name); !ok {
			if unknown++; unknown <= maxUnknownNamed {
				problems = append(problems, fmt.Sprintf("el dato %s no corresponde a %q", quote(name), ev.Label))
			}
		}
	}
	if unknown > maxUnknownNamed {
		problems = append(problems, fmt.Sprintf("y otros %d datos no corresponden a %q", unknown-maxUnknownNamed, ev.Label))
	}
	for _, spec := range ev.Inputs {
		v := in[spec.Name]
		if spec.Kind == InputFile {
			if v != "" {
				problems = append(problems, fmt.Sprintf("%s: adjunte el archivo; no se escribe", spec.Label))
			}
			continue
		}
		if spec.Kind != InputSecret && spec.Kind != InputLongText {
			v = strings.TrimSpace(v)
		}
		if strings.TrimSpace(v) == "" {
			if spec.Required {
				problems = append(problems, fmt.Sprintf("falta %s", strings.ToLower(spec.Label)))
			}
			continue
		}
		r := inputRule(spec)
		if r.multiline {
			v = normalizeNewlines(v)
		}
		if p := r.problem(v); p != "" {
			problems = append(problems, p)
			continue
		}
		switch spec.Kind {
		case InputBool:
			b, err := strconv.ParseBool(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s debe ser sí o no", spec.Label))
			} else if spec.Required && !b {
				problems = append(problems, fmt.Sprintf("debe confirmar: %s", strings.ToLower(spec.Label)))
			}
			v = strconv.FormatBool(b)
		case InputChoice:
			if !slices.Contains(spec.Choices, v) {
				problems = append(problems, fmt.Sprintf("%s debe ser una de: %s", spec.Label, strings.Join(spec.Choices, ", ")))
			}
		case InputPorts:
			norm, err := normalizePorts(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", spec.Label, err))
			}
			v = norm
		case InputActor:
			if e.dir == nil {
				problems = append(problems, fmt.Sprintf("no hay un directorio de personas para verificar %s", strings.ToLower(spec.Label)))
				break
			}
			a, err := e.dir.Actor(ctx, v)
			if err != nil {
				if ErrorCode(err) != ENOTFOUND {
					return nil, nil, nil, err
				}
				problems = append(problems, fmt.Sprintf("%s: no existe la persona %q", spec.Label, v))
			} else if _, ok := a.Holds(spec.Role); !ok {
				problems = append(problems, fmt.Sprintf("%s: %s no tiene el rol requerido", spec.Label, actorName(a)))
			}
		}
		if spec.Kind == InputSecret {
			if secret == nil {
				secret = map[string]string{}
			}
			secret[spec.Name] = v
		} else {
			public[spec.Name] = v
		}
	}
	if len(problems) > 0 {
		return nil, nil, nil, &Error{Code: EINVALID, Message: "datos incompletos o inválidos: " + strings.Join(problems, "; "), Problems: problems}
	}
	for _, a := range atts {
		public[a.Input] = a.Name // the history, the route sheet and the emails name the file
	}
	return public, secret, atts, nil
}

func normalizePorts(v string) (string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(f, "/tcp"), "/udp"))
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q no es un puerto válido (1-65535)", f)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return "", errors.New("indique al menos un puerto")
	}
	return strings.Join(out, ", "), nil
}

// waiting sets who the case waits for in its state.
func waiting(d *Definition, cs *Case) {
	cs.Step, cs.WaitingRole, cs.WaitingActor, cs.WaitingUnit = 0, "", "", ""
	w := d.Waiting(cs.State)
	if w == nil || d.IsFinal(cs.State) {
		return
	}
	cs.Step, cs.WaitingRole = w.Step, w.Role
	switch w.Guard {
	case GuardAssigned:
		cs.WaitingActor = cs.Assignee
	case GuardRequester:
		if d.Unit == "" {
			cs.WaitingActor = cs.RequesterID
		} else {
			cs.WaitingUnit = cs.Unit
		}
	case GuardUnit:
		cs.WaitingUnit = cs.Unit
	}
}

func (e *Engine) transition(ctx context.Context, c *compiled, ev *EventDef, cs Case, a Actor, in Inputs, files map[string]File, comment string, start bool) (Case, error) {
	d := c.def
	if err := checkActing(a); err != nil {
		return Case{}, err
	}
	grant, err := e.authorize(ctx, d, ev, cs, a)
	if err != nil {
		if _, held := a.Holds(ev.Role); held && start {
			// A start's guard reads the inputs (the requesting unit): one
			// missing or malformed is named as such, not forbidden.
			if _, _, _, verr := e.validate(ctx, ev, in, files); verr != nil {
				return Case{}, verr
			}
		}
		return Case{}, err
	}
	from := string(cs.State)
	if start {
		from = startState
	}
	m := fsm.NewFSM(from, c.events, nil)
	if err := m.Event(ctx, string(ev.Name)); err != nil {
		return Case{}, e.fsmError(d, ev, cs, err)
	}
	public, secrets, atts, err := e.validate(ctx, ev, in, files)
	if err != nil {
		return Case{}, err
	}
	comment = normalizeNewlines(comment)
	if err := commentRule.check(comment); err != nil {
		return Case{}, err
	}
	if len(secrets) > 0 && len(cs.Secrets) > 0 {
		// Secrets given after step 1 join those kept: one sealed blob.
		kept, err := openSecrets(e.sealer, cs.Secrets)
		if err != nil {
			return Case{}, err
		}
		for k, v := range secrets {
			kept[k] = v
		}
		secrets = kept
	}
	sealed, err := sealSecrets(e.sealer, secrets)
	if err != nil {
		return Case{}, err
	}
	now := e.clock.Now().UTC()
	next := cs // cs is the engine's own copy, read from the store
	next.State = State(m.Current())
	if len(ev.Routes) > 0 {
		// The machine checked the source; the inputs choose the target.
		next.State = ev.Target(public)
	}
	if next.Data == nil {
		next.Data = Inputs{}
	}
	for k, v := range public {
		next.Data[k] = v
	}
	if start {
		next.System, next.Description = public[d.System], public[d.Description]
		next.RequesterID, next.RequesterName, next.CreatedAt = a.ID, actorName(a), now
		next.DefinitionHash = c.hash
	}
	if sealed != nil {
		next.Secrets = sealed
	}
	if ev.Assigns != "" {
		next.Assignee = public[ev.Assigns]
	}
	next.UpdatedAt = now
	waiting(d, &next)
	if start || next.WaitingRole != cs.WaitingRole || next.WaitingActor != cs.WaitingActor || next.WaitingUnit != cs.WaitingUnit {
		next.LastActor = actorName(a) // handed on; a step the same hands take next keeps who sent it
	}
	items, err := e.outboxFor(ctx, d, ev, next, public)
	if err != nil {
		return Case{}, err
	}
	entry := Entry{Step: ev.Step, Event: ev.Name, From: cs.State, To: next.State, ActorID: a.ID, ActorName: actorName(a),
		Role: ev.Role, Interim: grant.Interim, At: now, Comment: strings.TrimSpace(comment), Data: public}
	if ev.Output != "" {
		entry.Outputs = append(entry.Outputs, ev.Output)
	}
	for _, at := range atts {
		entry.Outputs = append(entry.Outputs, AttachmentOutput(at))
	}
	var done *committedEntry // what committed, kept for the hooks only
	if len(e.hooks) > 0 {
		done = new(committedEntry)
	}
	err = e.store.Update(ctx, func(tx Tx) error {
		if start {
			n, err := tx.NextNumber(d.Prefix, now.Year())
			if err != nil {
				return err
			}
			next.ID = fmt.Sprintf("%s-%d-%04d", d.Prefix, now.Year(), n)
		}
		entry, items, err := e.chain(tx, d, &next, entry, items)
		if err != nil {
			return err
		}
		if done != nil {
			done.entry, done.items = entry, items
		}
		if start {
			next.Version = 1
			err = tx.CreateCase(next)
		} else {
			next.Version = cs.Version + 1
			err = tx.UpdateCase(next)
		}
		if err != nil {
			return err
		}
		if err := write(tx, entry, items); err != nil {
			return err
		}
		for _, at := range atts {
			at.CaseID, at.Seq, at.CreatedAt = next.ID, entry.Seq, now
			if err := tx.AddAttachment(at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	if done != nil {
		e.committed(ctx, d, next, done.entry, done.items)
	}
	if !e.log.Enabled(ctx, slog.LevelInfo) {
		return next, nil
	}
	e.log.LogAttrs(ctx, slog.LevelInfo, "transition", slog.String("case", next.ID), slog.String("event", string(ev.Name)),
		slog.String("from", string(cs.State)), slog.String("to", string(next.State)), slog.String("actor", a.ID), slog.String("role", string(ev.Role)))
	return next, nil
}

// chain links entry to the case's last entry and completes the outbox
// items, taking cite numbers for the documents whose declaration has a
// series. A document rendered again (steps 7 and 8, or step 6 after a
// return) keeps the number of its first version, remembered in the case's
// Cites. The entry records each document it queues by label and number.
func (e *Engine) chain(tx Tx, d *Definition, cs *Case, entry Entry, items []OutboxItem) (Entry, []OutboxItem, error) {
	last, ok, err := tx.LastEntry(cs.ID)
	if err != nil {
		return entry, nil, err
	}
	entry.CaseID, entry.Seq = cs.ID, 1
	if ok {
		entry.Seq, entry.PrevHash = last.Seq+1, last.Hash
	}
	for i := range items { // items are the transition's own: completed in place
		it := &items[i]
		it.CaseID, it.Seq = cs.ID, entry.Seq
		it.ID = cs.ID + "/" + strconv.Itoa(entry.Seq) + "/" + string(it.Kind) + "/" + it.Topic
		if it.Kind != EffectDocument {
			continue
		}
		doc, _ := d.Document(it.Topic)
		if prev := cs.Cites[it.Topic]; prev != "" {
			// A document concluded again after a return for correction is a
			// new version of the same document: it keeps its number.
			it.Number = prev
		} else if doc != nil && doc.Series != "" {
			// Numbers run per issuer, series and year.
			prefix := e.cite
			if doc.Issuer == IssuerRequester {
				prefix = e.unitPrefix(cs.Unit)
			}
			n, err := tx.NextNumber(prefix+"/"+doc.Series, entry.At.Year())
			if err != nil {
				return entry, nil, err
			}
			it.Number = FormatCite(prefix, doc.Series, entry.At.Year(), n)
			if cs.Cites == nil {
				cs.Cites = map[string]string{}
			}
			cs.Cites[it.Topic] = it.Number
		}
		out := d.TopicLabel(EffectDocument, it.Topic)
		if it.Number != "" {
			out += " " + it.Number
		}
		entry.Outputs = append(entry.Outputs, out)
	}
	entry.Hash = entry.ComputeHash()
	return entry, items, nil
}

func write(tx Tx, entry Entry, items []OutboxItem) error {
	if err := tx.AppendEntry(entry); err != nil {
		return err
	}
	if len(items) > 0 {
		return tx.Enqueue(items...)
	}
	return nil
}

func (e *Engine) fsmError(d *Definition, ev *EventDef, cs Case, err error) error {
	var inv fsm.InvalidEventError
	var unk fsm.UnknownEventError
	if errors.As(err, &inv) || errors.As(err, &unk) {
		return Errorf(EINVALIDTRANSITION, "no se puede %q: el trámite %s está en el estado %q", ev.Label, cs.ID, d.StateLabel(cs.State))
	}
	return &Error{Code: EINTERNAL, Message: "error interno de la máquina de estados", Err: errors.New(err.Error())}
}

// outboxFor builds the outbox items ev owes on the case after the
// transition; chain numbers the documents. An email attaches, of the
// documents its effect names, those the transition queues and those the
// case was given earlier (a numbered one): not a document of a branch the
// case did not take.
func (e *Engine) outboxFor(ctx context.Context, d *Definition, ev *EventDef, cs Case, public Inputs) ([]OutboxItem, error) {
	var items []OutboxItem
	now := cs.UpdatedAt
	owed := func(ef Effect) bool {
		if len(ef.When) != 2 {
			return true
		}
		v, ok := public[ef.When[0]]
		if !ok {
			v = cs.Data[ef.When[0]]
		}
		return v == ef.When[1]
	}
	queued := map[string]bool{}
	for _, ef := range ev.Effects {
		if ef.Kind == EffectDocument && owed(ef) {
			queued[ef.Topic] = true
		}
	}
	for _, ef := range ev.Effects {
		if !owed(ef) {
			continue
		}
		it := OutboxItem{Kind: ef.Kind, Topic: ef.Topic, Status: OutboxPending, NextAttempt: now, CreatedAt: now, UpdatedAt: now}
		for _, a := range ef.Attach {
			if queued[a] || cs.Cites[a] != "" {
				it.Attach = append(it.Attach, a)
			}
		}
		if ef.Kind == EffectEmail {
			var err error
			if it.To, err = e.addresses(ctx, d, cs, ef.To); err != nil {
				return nil, err
			}
			if it.Cc, err = e.addresses(ctx, d, cs, ef.Cc); err != nil {
				return nil, err
			}
			if len(it.To) == 0 && len(it.Cc) == 0 {
				// Nobody to tell: the item is kept, failed with the
				// reason, for whoever watches the outbox to see.
				it.Status, it.LastError = OutboxFailed, nobodyReason(d, ef)
			}
		}
		items = append(items, it)
	}
	return items, nil
}

// addresses resolves recipients to email addresses, without duplicates.
func (e *Engine) addresses(ctx context.Context, d *Definition, cs Case, rs []Recipient) ([]Address, error) {
	if e.dir == nil || len(rs) == 0 {
		return nil, nil
	}
	var out []Address
	add := func(as ...Actor) {
		for _, a := range as {
			if a.Email == "" || slices.ContainsFunc(out, func(x Address) bool { return x.Email == a.Email }) {
				continue
			}
			out = append(out, Address{Name: a.Name, Email: a.Email})
		}
	}
	for _, r := range rs {
		var as []Actor
		var err error
		switch {
		case r == RecipientRequester && d.Unit == "": // the person who asked
			if cs.RequesterID != "" {
				var a Actor
				a, err = e.dir.Actor(ctx, cs.RequesterID)
				as = []Actor{a}
			}
		case r == RecipientRequester:
			if st := d.StartEvent(); st != nil && cs.Unit != "" {
				as, err = e.dir.Holders(ctx, st.Role, cs.Unit)
			}
		case r == RecipientAssigned:
			if cs.Assignee != "" {
				var a Actor
				a, err = e.dir.Actor(ctx, cs.Assignee)
				as = []Actor{a}
			}
		case r == RecipientNext:
			if cs.WaitingActor != "" {
				var a Actor
				a, err = e.dir.Actor(ctx, cs.WaitingActor)
				as = []Actor{a}
			} else if cs.WaitingRole != "" {
				as, err = e.dir.Holders(ctx, cs.WaitingRole, cs.WaitingUnit)
			}
		default:
			role, unit, _ := recipientRole(r)
			switch {
			case !unit:
				as, err = e.dir.Holders(ctx, role, "")
			case cs.Unit != "":
				as, err = e.dir.Holders(ctx, role, cs.Unit)
			}
		}
		if err != nil {
			if ErrorCode(err) == ENOTFOUND {
				continue
			}
			return nil, err
		}
		add(as...)
	}
	return out, nil
}

// Available returns the events actor may fire on the case now, the
// manual's steps first. An actor who may do nothing gets an empty slice.
func (e *Engine) Available(ctx context.Context, a Actor, caseID string) ([]EventDef, error) {
	cs, err := e.visibleCase(ctx, a, caseID)
	if err != nil {
		return nil, wrapOp("available", err)
	}
	c, err := e.caseDef(cs)
	if err != nil {
		return nil, wrapOp("available", err)
	}
	out := []EventDef{}
	for _, ev := range c.def.Events {
		if !slices.Contains(ev.From, cs.State) {
			continue
		}
		if _, err := e.authorize(ctx, c.def, &ev, cs, a); err == nil {
			out = append(out, ev)
		}
	}
	slices.SortStableFunc(out, func(x, y EventDef) int {
		if x.Extension != y.Extension {
			if x.Extension {
				return 1
			}
			return -1
		}
		return 0
	})
	return out, nil
}

// CanStart reports whether actor may start a case of the procedure.
func (e *Engine) CanStart(a Actor, procedure string) bool {
	c, ok := e.defs[procedure]
	if !ok {
		return false
	}
	_, held := a.Holds(c.def.StartEvent().Role)
	return held
}

// Units returns the requesting units, sorted: the units of the people in
// the directory who may start a case of one of the engine's procedures.
func (e *Engine) Units(ctx context.Context) ([]string, error) {
	if e.dir == nil {
		return []string{}, nil
	}
	out := []string{}
	var roles []RoleID
	for _, code := range e.order {
		if st := e.defs[code].def.StartEvent(); st != nil && !slices.Contains(roles, st.Role) {
			roles = append(roles, st.Role)
		}
	}
	for _, r := range roles {
		as, err := e.dir.Holders(ctx, r, "")
		if err != nil {
			return nil, wrapOp("units", err)
		}
		for _, a := range as {
			if a.Unit != "" && !slices.Contains(out, a.Unit) {
				out = append(out, a.Unit)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// Inbox returns the open cases waiting for actor, most recent first, each
// with its Clock when its step has a deadline. limit 0 means no limit.
func (e *Engine) Inbox(ctx context.Context, a Actor, limit, offset int) ([]Case, error) {
	if err := checkActing(a); err != nil {
		return nil, wrapOp("inbox", err)
	}
	cs, err := e.store.Cases(ctx, CaseQuery{Inbox: &a, Limit: limit, Offset: offset})
	if err != nil {
		return nil, wrapOp("inbox", err)
	}
	return cs, wrapOp("inbox", e.withClocks(ctx, cs))
}

// RevealSecrets decrypts the secrets given when the case started for
// someone the definition's Secrets.Reveal permits (PR01: the assigned
// profesional), and records the reveal in the case's history.
func (e *Engine) RevealSecrets(ctx context.Context, a Actor, caseID string) (map[string]string, error) {
	cs, err := e.visibleCase(ctx, a, caseID)
	if err != nil {
		return nil, wrapOp("reveal secrets", err)
	}
	d, err := e.DefinitionOf(cs)
	if err != nil {
		return nil, err
	}
	p, g, ok := permitted(d, d.Secrets.Reveal, cs, a)
	if !ok {
		return nil, Errorf(EFORBIDDEN, "%s no puede ver los datos reservados del trámite %s", actorName(a), cs.ID)
	}
	if len(cs.Secrets) == 0 {
		return nil, Errorf(ENOTFOUND, "el trámite %s no tiene credenciales guardadas", cs.ID)
	}
	m, err := openSecrets(e.sealer, cs.Secrets)
	if err != nil {
		return nil, wrapOp("reveal secrets", err)
	}
	if err := e.action(ctx, d, cs, a, g, ActionRevealSecrets, p.Role, nil); err != nil {
		return nil, wrapOp("reveal secrets", err)
	}
	return m, nil
}

// PurgeSecrets erases the sealed secrets of a case in a final state, for
// someone the definition's Secrets.Purge permits (PR01: the Jefe de la UIT
// or the assigned profesional); the purge is recorded.
func (e *Engine) PurgeSecrets(ctx context.Context, a Actor, caseID string) error {
	cs, err := e.visibleCase(ctx, a, caseID)
	if err != nil {
		return wrapOp("purge secrets", err)
	}
	d, err := e.DefinitionOf(cs)
	if err != nil {
		return err
	}
	if !d.IsFinal(cs.State) {
		return Errorf(EINVALIDTRANSITION, "las credenciales del trámite %s solo pueden eliminarse cuando el trámite concluyó", cs.ID)
	}
	p, g, ok := permitted(d, d.Secrets.Purge, cs, a)
	if !ok {
		return Errorf(EFORBIDDEN, "%s no puede eliminar los datos reservados del trámite %s", actorName(a), cs.ID)
	}
	return wrapOp("purge secrets", e.action(ctx, d, cs, a, g, ActionPurgeSecrets, p.Role, func(c *Case) { c.Secrets = nil }))
}

// action records an entry that leaves the state as it is.
func (e *Engine) action(ctx context.Context, d *Definition, cs Case, a Actor, g Grant, name EventName, role RoleID, change func(*Case)) error {
	if err := checkActing(a); err != nil {
		return err
	}
	now := e.clock.Now().UTC()
	next := cs.Clone()
	if change != nil {
		change(&next)
	}
	next.Version, next.UpdatedAt = cs.Version+1, now
	entry := Entry{Step: cs.Step, Event: name, From: cs.State, To: cs.State, ActorID: a.ID, ActorName: actorName(a),
		Role: role, Interim: g.Interim, At: now}
	var done *committedEntry
	if len(e.hooks) > 0 {
		done = new(committedEntry)
	}
	err := e.store.Update(ctx, func(tx Tx) error {
		entry, _, err := e.chain(tx, nil, &next, entry, nil)
		if err != nil {
			return err
		}
		if done != nil {
			done.entry = entry
		}
		if err := tx.UpdateCase(next); err != nil {
			return err
		}
		return write(tx, entry, nil)
	})
	if err != nil {
		return err
	}
	if done != nil {
		e.committed(ctx, d, next, done.entry, nil)
	}
	return nil
}
