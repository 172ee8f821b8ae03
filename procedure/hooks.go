package procedure

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// GuardFunc is a guard written in Go: it decides whether actor a may fire
// an event on case c. It returns nil to admit, or an error that says why
// not; an error that is not an *Error is shown to staff as the reason of
// an EFORBIDDEN (write it in Spanish). A definition names it among an
// event's Checks, and it is registered on the engine with WithGuard. It
// is called for every Fire of the event and for every Available that
// lists it, from any goroutine, before anything is written: it must be
// safe for concurrent use and must not fire events itself.
//
// When an event starts a case, c is the case about to be created: its
// Procedure and Unit are set, its ID is not.
type GuardFunc func(ctx context.Context, c Case, a Actor) error

// WithGuard registers a guard function under name, for the definitions'
// EventDef.Checks. NewEngine refuses a definition that names a guard no
// WithGuard registered.
func WithGuard(name string, f GuardFunc) Option {
	return func(e *Engine) {
		if e.guards == nil {
			e.guards = map[string]GuardFunc{}
		}
		e.guards[name] = f
	}
}

// Transition is what an AfterCommit hook receives: one entry committed to
// a case's history (a step fired, a reveal or purge of its secrets, or the
// escalation of a late step),
// the case as it stands after it, and the outbox items it queued. The
// hook receives copies: changing them changes nothing stored.
type Transition struct {
	// Definition is the version of the procedure the case runs under.
	Definition *Definition
	Case       Case
	Entry      Entry
	Outbox     []OutboxItem
}

// AfterCommit is called after each transition has been committed, on the
// goroutine that fired it, before Fire, Start, RevealSecrets,
// PurgeSecrets or Escalate return. The transition stands whatever the hook does (a
// hook that panics is logged, and the call still succeeds); a hook that
// needs to do slow work should hand it to a goroutine of its own. A hook
// may call the engine (read the case, fire another event).
type AfterCommit func(ctx context.Context, t Transition)

// WithAfterCommit adds a hook called after every committed transition,
// in the order the hooks were added.
func WithAfterCommit(f AfterCommit) Option {
	return func(e *Engine) { e.hooks = append(e.hooks, f) }
}

// committedEntry is what a transaction committed, kept for the hooks.
type committedEntry struct {
	entry Entry
	items []OutboxItem
}

// committed calls the after-commit hooks with t.
func (e *Engine) committed(ctx context.Context, d *Definition, cs Case, entry Entry, items []OutboxItem) {
	if len(e.hooks) == 0 {
		return
	}
	for _, h := range e.hooks {
		e.callHook(ctx, h, Transition{Definition: d, Case: cs.Clone(), Entry: entry, Outbox: slices.Clone(items)})
	}
}

// callHook calls h with t. A hook that panics is logged, and the
// transition, committed already, is reported as done.
func (e *Engine) callHook(ctx context.Context, h AfterCommit, t Transition) {
	defer func() {
		if r := recover(); r != nil {
			e.log.ErrorContext(ctx, "after-commit hook panicked", slog.String("case", t.Case.ID), slog.Int("seq", t.Entry.Seq),
				slog.String("panic", fmt.Sprint(r)))
		}
	}()
	h(ctx, t)
}

// guardProblems returns the guard functions d names that the engine
// lacks.
func (e *Engine) guardProblems(d *Definition) []string {
	var p []string
	for _, ev := range d.Events {
		for _, c := range ev.Checks {
			if _, ok := e.guards[c]; !ok {
				p = append(p, fmt.Sprintf("el evento %s nombra la guarda %s, que el programa no registró (procedure.WithGuard)", quote(string(ev.Name)), quote(c)))
			}
		}
	}
	return p
}

// check runs the guard functions ev names on cs for a.
func (e *Engine) check(ctx context.Context, ev *EventDef, cs Case, a Actor) error {
	for _, name := range ev.Checks {
		f := e.guards[name]
		if f == nil {
			return Errorf(EINTERNAL, "falta la guarda %s del evento %s", quote(name), quote(string(ev.Name)))
		}
		if err := f(ctx, cs.Clone(), a); err != nil {
			if _, ok := err.(*Error); ok {
				return err
			}
			return &Error{Code: EFORBIDDEN, Message: fmt.Sprintf("%q: %s", ev.Label, err.Error()), Err: err}
		}
	}
	return nil
}

// recipientText names a recipient as staff read it, for the reason of an
// email that reached nobody.
func recipientText(d *Definition, r Recipient) string {
	if role, unit, ok := recipientRole(r); ok {
		if unit {
			return "quienes tienen el rol " + d.RoleLabel(role) + " en la unidad solicitante"
		}
		return "quienes tienen el rol " + d.RoleLabel(role)
	}
	switch r {
	case RecipientRequester:
		return "el solicitante"
	case RecipientAssigned:
		return "la persona asignada"
	case RecipientNext:
		return "quien atiende el paso siguiente"
	}
	return string(r)
}

// nobodyReason is the LastError of an email whose recipients resolve to
// nobody with an address.
func nobodyReason(d *Definition, ef Effect) string {
	var names []string
	for _, r := range append(slices.Clone(ef.To), ef.Cc...) {
		names = append(names, recipientText(d, r))
	}
	return fmt.Sprintf("el correo %s no tiene destinatarios: %s no corresponde a ninguna persona con dirección de correo en el directorio",
		quote(d.TopicLabel(EffectEmail, ef.Topic)), strings.Join(names, ", "))
}

// readdress resolves again the recipients of an email item that was
// queued for nobody, as the effect that owed it names them, on the case
// as it stood after the item's entry. It returns EINVALID with the reason
// when they still resolve to nobody.
func (e *Engine) readdress(ctx context.Context, it OutboxItem) (to, cc []Address, err error) {
	cs, err := e.store.Case(ctx, it.CaseID)
	if err != nil {
		return nil, nil, err
	}
	d, err := e.DefinitionOf(cs)
	if err != nil {
		return nil, nil, err
	}
	h, err := e.store.History(ctx, cs.ID)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(h, func(en Entry) bool { return en.Seq == it.Seq })
	if i < 0 {
		return nil, nil, Errorf(ENOTFOUND, "no existe la entrada %d del historial del trámite %s", it.Seq, cs.ID)
	}
	ev, ok := d.Event(h[i].Event)
	if !ok {
		return nil, nil, Errorf(EINVALID, "el procedimiento %s no tiene la acción %s", d.Code, quote(string(h[i].Event)))
	}
	cs.State = h[i].To
	waiting(d, &cs)
	for _, ef := range ev.Effects {
		if ef.Kind != EffectEmail || ef.Topic != it.Topic {
			continue
		}
		if to, err = e.addresses(ctx, d, cs, ef.To); err != nil {
			return nil, nil, err
		}
		if cc, err = e.addresses(ctx, d, cs, ef.Cc); err != nil {
			return nil, nil, err
		}
		if len(to)+len(cc) == 0 {
			return nil, nil, Errorf(EINVALID, "%s", nobodyReason(d, ef))
		}
		return to, cc, nil
	}
	return nil, nil, Errorf(EINVALID, "la acción %s del procedimiento %s no envía el correo %s", quote(string(ev.Name)), d.Code, quote(it.Topic))
}
