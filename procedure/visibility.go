package procedure

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Visibility says who may read a procedure's cases and its outbox. It is
// part of the definition, like the roles that fire each event: the Engine
// answers every read for an actor, and a case the actor may not see is
// "not found" to them, never "forbidden", so that nobody can probe which
// case numbers exist.
type Visibility struct {
	// All lists the roles that see every case of the procedure (the UIT's
	// roles for PR01 and PR02).
	All []RoleID `json:"all,omitempty"`
	// Unit lists the roles that see the cases of their own unit: those
	// whose requesting unit is the actor's Unit (the requester).
	Unit []RoleID `json:"unit,omitempty"`
	// Outbox lists the roles that see the outbox (documents and emails
	// owed, sent or failed) and may put an item back in the queue.
	Outbox []RoleID `json:"outbox,omitempty"`
	// Dashboard lists the roles that see the procedure's figures (the
	// tablero: open cases by state and age, time per step, observation
	// rounds, load per profesional) and export them with its cases and
	// their history. Nobody does when it is empty.
	Dashboard []RoleID `json:"dashboard,omitempty"`
}

// Visible returns the definition's Visibility. A definition that declares
// no readers (All, Unit, Outbox) gets the rule of the built-in procedures:
// the role that starts a case sees its own unit's cases, every other role
// sees every case, and nobody but the roles it lists sees the outbox or
// the dashboard.
func (d *Definition) Visible() Visibility {
	if len(d.Visibility.All)+len(d.Visibility.Unit)+len(d.Visibility.Outbox) > 0 {
		return d.Visibility
	}
	v := Visibility{Dashboard: d.Visibility.Dashboard}
	var starter RoleID
	if s := d.StartEvent(); s != nil {
		starter = s.Role
		v.Unit = []RoleID{starter}
	}
	for _, r := range d.Roles {
		if r.ID != starter {
			v.All = append(v.All, r.ID)
		}
	}
	return v
}

// scope is how much of one procedure an actor sees.
type scope int

const (
	seeNone scope = iota
	seeUnit
	seeAll
)

func holdsAny(a Actor, roles []RoleID) bool {
	return slices.ContainsFunc(roles, func(r RoleID) bool { _, ok := a.Holds(r); return ok })
}

// scopeOf returns how much of d's cases a sees.
func scopeOf(d *Definition, a Actor) scope {
	v := d.Visible()
	switch {
	case holdsAny(a, v.All):
		return seeAll
	case a.Unit != "" && holdsAny(a, v.Unit):
		return seeUnit
	default:
		return seeNone
	}
}

// CanSee reports whether a may read case c: its history, documents and
// emails with it.
func (e *Engine) CanSee(a Actor, c Case) bool {
	d, ok := e.versions[c.DefinitionHash] // the version the case runs under
	if !ok {
		d, ok = e.defs[c.Procedure]
	}
	if !ok {
		return false
	}
	switch scopeOf(d.def, a) {
	case seeAll:
		return true
	case seeUnit:
		return c.Unit == a.Unit
	}
	return false
}

// CanSeeOutbox reports whether a may list the outbox and retry its items:
// a holds a role some definition lists in Visibility.Outbox.
func (e *Engine) CanSeeOutbox(a Actor) bool {
	for _, code := range e.order {
		if holdsAny(a, e.defs[code].def.Visible().Outbox) {
			return true
		}
	}
	return false
}

// notFound is the answer for a case that does not exist and for one the
// actor may not see: the same words, so neither can be told apart.
func notFound(id string) error { return Errorf(ENOTFOUND, "no existe el trámite %s", id) }

// visibleCase reads a case for a; ENOTFOUND when there is none or a may
// not see it.
func (e *Engine) visibleCase(ctx context.Context, a Actor, id string) (Case, error) {
	if !validID(id, MaxIDLen) {
		return Case{}, notFound(quote(id)) // no store is asked for what no case is called
	}
	c, err := e.store.Case(ctx, id)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return Case{}, notFound(id)
		}
		return Case{}, err
	}
	if !e.CanSee(a, c) {
		return Case{}, notFound(id)
	}
	return c, nil
}

// Case returns a case as a sees it; ENOTFOUND if there is none or a may
// not see it.
func (e *Engine) Case(ctx context.Context, a Actor, id string) (Case, error) {
	c, err := e.visibleCase(ctx, a, id)
	if err != nil {
		return c, wrapOp("case", err)
	}
	c.Clock, err = e.openClock(ctx, c)
	return c, wrapOp("case", err)
}

// History returns a case's history, oldest first; ENOTFOUND as Case.
func (e *Engine) History(ctx context.Context, a Actor, id string) ([]Entry, error) {
	if _, err := e.visibleCase(ctx, a, id); err != nil {
		return nil, wrapOp("history", err)
	}
	h, err := e.store.History(ctx, id)
	return h, wrapOp("history", err)
}

// Verify checks the hash chain of a case's history; ENOTFOUND as Case.
func (e *Engine) Verify(ctx context.Context, a Actor, id string) error {
	h, err := e.History(ctx, a, id)
	if err != nil {
		return wrapOp("verify", err)
	}
	if err := VerifyChain(h); err != nil {
		return wrapOp("verify "+id, err)
	}
	atts, err := e.store.Attachments(ctx, id)
	if err != nil {
		return wrapOp("verify", err)
	}
	return wrapOp("verify "+id, verifyAttachments(h, atts))
}

// Documents returns every version of every document of a case, by topic
// then version; ENOTFOUND as Case.
func (e *Engine) Documents(ctx context.Context, a Actor, caseID string) ([]Document, error) {
	if _, err := e.visibleCase(ctx, a, caseID); err != nil {
		return nil, wrapOp("documents", err)
	}
	d, err := e.store.Documents(ctx, caseID)
	return d, wrapOp("documents", err)
}

// Emails returns the emails a case has queued, sent or failed, oldest
// first; ENOTFOUND as Case. Whoever sees a case sees its emails.
func (e *Engine) Emails(ctx context.Context, a Actor, caseID string) ([]OutboxItem, error) {
	if _, err := e.visibleCase(ctx, a, caseID); err != nil {
		return nil, wrapOp("emails", err)
	}
	it, err := e.store.Outbox(ctx, OutboxQuery{CaseID: caseID, Kind: EffectEmail})
	return it, wrapOp("emails", err)
}

// Cases lists the cases matching q that a may see, most recently updated
// first, each open case whose step has a deadline with its Clock (read
// from its history: a procedure without deadlines costs nothing more). A requester's listing is narrowed to their own unit whatever q
// says; a procedure a sees nothing of is left out.
func (e *Engine) Cases(ctx context.Context, a Actor, q CaseQuery) ([]Case, error) {
	if err := checkQuery(q); err != nil {
		return nil, wrapOp("cases", err)
	}
	qs := e.scoped(a, q)
	if len(qs) == 1 {
		cs, err := e.store.Cases(ctx, qs[0])
		if err != nil {
			return nil, wrapOp("cases", err)
		}
		return cs, wrapOp("cases", e.withClocks(ctx, cs))
	}
	// Several procedures seen differently, or none: list each to the end
	// of the page and merge them in the stores' order.
	all := []Case{}
	for _, sq := range qs {
		sq.Offset = 0
		if q.Limit > 0 {
			sq.Limit = q.Offset + q.Limit
		}
		cs, err := e.store.Cases(ctx, sq)
		if err != nil {
			return nil, wrapOp("cases", err)
		}
		all = append(all, cs...)
	}
	slices.SortStableFunc(all, func(x, y Case) int {
		if c := y.UpdatedAt.Compare(x.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(y.ID, x.ID)
	})
	lo := min(q.Offset, len(all))
	hi := len(all)
	if q.Limit > 0 {
		hi = min(lo+q.Limit, hi)
	}
	return all[lo:hi], wrapOp("cases", e.withClocks(ctx, all[lo:hi]))
}

// CountCases counts the cases matching q that a may see.
func (e *Engine) CountCases(ctx context.Context, a Actor, q CaseQuery) (int, error) {
	if err := checkQuery(q); err != nil {
		return 0, wrapOp("count cases", err)
	}
	n := 0
	for _, sq := range e.scoped(a, q) {
		k, err := e.store.CountCases(ctx, sq)
		if err != nil {
			return 0, wrapOp("count cases", err)
		}
		n += k
	}
	return n, nil
}

// scoped turns q into the store queries that return only what a may see:
// one query when every procedure concerned is seen alike, one per
// procedure otherwise, none when a sees nothing.
func (e *Engine) scoped(a Actor, q CaseQuery) []CaseQuery {
	var nothing []CaseQuery
	codes := e.order
	if q.Procedure != "" {
		if _, ok := e.defs[q.Procedure]; !ok {
			return nothing
		}
		codes = []string{q.Procedure}
	}
	narrow := func(q CaseQuery, s scope) (CaseQuery, bool) {
		switch s {
		case seeAll:
			return q, true
		case seeUnit:
			if q.Unit != "" && q.Unit != a.Unit {
				return q, false
			}
			q.Unit = a.Unit
			return q, true
		}
		return q, false
	}
	scopes := make([]scope, len(codes))
	alike := true
	for i, code := range codes {
		scopes[i] = scopeOf(e.defs[code].def, a)
		alike = alike && scopes[i] == scopes[0]
	}
	if alike {
		if sq, ok := narrow(q, scopes[0]); ok {
			return []CaseQuery{sq}
		}
		return nothing
	}
	var out []CaseQuery
	for i, code := range codes {
		sq := q
		sq.Procedure = code
		if sq, ok := narrow(sq, scopes[i]); ok {
			out = append(out, sq)
		}
	}
	return out
}

// Outbox lists outbox items matching q; EFORBIDDEN unless a may see the
// outbox (CanSeeOutbox).
func (e *Engine) Outbox(ctx context.Context, a Actor, q OutboxQuery) ([]OutboxItem, error) {
	if !e.CanSeeOutbox(a) {
		return nil, outboxForbidden()
	}
	if err := checkOutboxQuery(q); err != nil {
		return nil, wrapOp("outbox", err)
	}
	it, err := e.store.Outbox(ctx, q)
	return it, wrapOp("outbox", err)
}

// CountOutbox counts the outbox items matching q; EFORBIDDEN as Outbox.
func (e *Engine) CountOutbox(ctx context.Context, a Actor, q OutboxQuery) (int, error) {
	if !e.CanSeeOutbox(a) {
		return 0, outboxForbidden()
	}
	if err := checkOutboxQuery(q); err != nil {
		return 0, wrapOp("count outbox", err)
	}
	n, err := e.store.CountOutbox(ctx, q)
	return n, wrapOp("count outbox", err)
}

// RetryOutbox puts a failed or skipped outbox item back in the queue, due
// now, and returns it. EFORBIDDEN unless a may see the outbox; ENOTFOUND
// for an unknown item; EINVALIDTRANSITION for one pending or sent. An
// email that was queued for nobody (its recipients named no one with an
// address) has them resolved again from the directory, and is refused
// with EINVALID and the reason while they still name no one.
func (e *Engine) RetryOutbox(ctx context.Context, a Actor, itemID string) (OutboxItem, error) {
	if !e.CanSeeOutbox(a) {
		return OutboxItem{}, outboxForbidden()
	}
	if !validID(itemID, maxItemIDLen) {
		return OutboxItem{}, Errorf(ENOTFOUND, "no existe el envío %s", quote(itemID))
	}
	items, err := e.store.Outbox(ctx, OutboxQuery{ID: itemID})
	if err != nil {
		return OutboxItem{}, wrapOp("retry", err)
	}
	if len(items) == 0 {
		return OutboxItem{}, Errorf(ENOTFOUND, "no existe el envío %s", itemID)
	}
	it := items[0]
	if it.Status != OutboxFailed && it.Status != OutboxSkipped {
		return OutboxItem{}, Errorf(EINVALIDTRANSITION, "solo un envío fallido u omitido puede reintentarse; %s está %s", itemID, it.Status)
	}
	if it.Kind == EffectEmail && len(it.To)+len(it.Cc) == 0 {
		// Queued for nobody: whoever was missing from the directory may
		// be there now.
		if it.To, it.Cc, err = e.readdress(ctx, it); err != nil {
			return OutboxItem{}, wrapOp("retry", err)
		}
	}
	it.Status, it.Attempts = OutboxPending, 0
	it.NextAttempt = e.clock.Now().UTC()
	it.ClaimedBy, it.ClaimedUntil = "", time.Time{}
	if it.LastError != "" {
		it.LastError = "reintento manual; último error: " + it.LastError
	}
	return it, wrapOp("retry", e.store.UpdateOutbox(ctx, it))
}

func outboxForbidden() error {
	return Errorf(EFORBIDDEN, "la salida de documentos y correo no está a cargo de ninguno de sus roles")
}
