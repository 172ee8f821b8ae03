package procedure

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Who the history names for an escalation: the engine's deadline control,
// not a person.
const (
	DeadlineActorID   = "tramite-plazos"
	DeadlineActorName = "Control de plazos"
)

// errStale rolls back an escalation decided on a case that changed since.
var errStale = errors.New("the case changed since its history was read")

// Escalate sweeps the open cases of every procedure with deadlines, as of
// the engine's clock: each step past its deadline, and not escalated
// before, gets a history entry (ActionDeadline) and, in the same
// transaction, the reminder email to whoever holds the step and the notice
// to the holders of the definition's Deadlines.Notify. A step is escalated
// once per stay and deadline, even when several engines on one database
// sweep at once or a sweep is cut short: the entry, the emails and the
// case's new version commit together or not at all, and an engine whose
// reading of the case is no longer current (another escalated it, or
// someone acted) leaves it to the next sweep. It returns how many steps it
// escalated.
func (e *Engine) Escalate(ctx context.Context) (int, error) {
	if e.cal == nil {
		return 0, nil
	}
	var codes []string
	for _, c := range e.versions {
		if c.def.Deadlines != nil && !slices.Contains(codes, c.def.Code) {
			codes = append(codes, c.def.Code)
		}
	}
	slices.Sort(codes)
	n := 0
	for _, code := range codes {
		cs, err := e.store.Cases(ctx, CaseQuery{Procedure: code, Open: true, Summary: true})
		if err != nil {
			return n, wrapOp("escalate", err)
		}
		for _, c := range cs {
			// The clock a listing shows (kept by case and version) tells
			// which steps may be late; escalate reads each of those again.
			k, err := e.openClock(ctx, c)
			if err != nil {
				return n, wrapOp("escalate "+c.ID, err)
			}
			if k == nil || !k.Overdue || k.Paused || k.Escalated != 0 {
				continue
			}
			ok, err := e.escalate(ctx, c.ID)
			if err != nil {
				return n, wrapOp("escalate "+c.ID, err)
			}
			if ok {
				n++
			}
		}
	}
	return n, nil
}

// escalate escalates the open step of a case if it is overdue and not
// escalated yet; it reports whether it did.
func (e *Engine) escalate(ctx context.Context, id string) (bool, error) {
	cs, err := e.store.Case(ctx, id)
	if err != nil {
		return false, err
	}
	cd, err := e.caseDef(cs)
	if err != nil || cd.def.Deadlines == nil || cs.Step == 0 {
		return false, nil // a case this engine cannot run is not its to escalate
	}
	d := cd.def
	h, err := e.store.History(ctx, id)
	if err != nil {
		return false, err
	}
	now := e.clock.Now().UTC()
	clocks := d.Clocks(e.cal, h, now)
	if len(clocks) == 0 {
		return false, nil
	}
	clk := clocks[len(clocks)-1]
	if !clk.Open() || !clk.Overdue || clk.Paused || clk.Escalated != 0 {
		return false, nil
	}
	dl := d.Deadlines
	// The reminder goes to whoever holds the step, the notice to the
	// holders of Notify who were not reminded already (a late step of the
	// Jefe's own is not noticed to the Jefe).
	var items []OutboxItem
	var told []string
	reminded := map[string]bool{}
	for _, m := range []struct {
		topic string
		to    Recipient
	}{{dl.Reminder, RecipientNext}, {dl.Notice, RoleRecipient(dl.Notify)}} {
		all, err := e.addresses(ctx, d, cs, []Recipient{m.to})
		if err != nil {
			return false, err
		}
		var to []Address
		for _, a := range all {
			if !reminded[a.Email] {
				to = append(to, a)
			}
		}
		if len(to) == 0 {
			continue // nobody (else) to tell: the escalation is still recorded
		}
		for _, a := range to {
			reminded[a.Email] = true
			told = append(told, cmpName(a))
		}
		items = append(items, OutboxItem{Kind: EffectEmail, Topic: m.topic, To: to, Status: OutboxPending,
			NextAttempt: now, CreatedAt: now, UpdatedAt: now})
	}
	loc := e.cal.Location()
	comment := fmt.Sprintf("Venció el plazo del paso %d (%s, %s), que vencía el %s.", clk.Step, clk.Deadline,
		ExtensionNote, clk.Due.In(loc).Format("02/01/2006 15:04"))
	if len(told) > 0 {
		comment += " Recordatorio y aviso a " + SpanishList(told) + "."
	}
	entry := Entry{Step: clk.Step, Event: ActionDeadline, From: cs.State, To: cs.State, ActorID: DeadlineActorID,
		ActorName: DeadlineActorName, At: now, Comment: comment, Data: Inputs{stayKey: strconv.Itoa(clk.Entry)}}
	for _, it := range items {
		entry.Outputs = append(entry.Outputs, d.TopicLabel(EffectEmail, it.Topic))
	}
	var next Case
	var done committedEntry
	err = e.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Case(id)
		if err != nil {
			return err
		}
		if cur.Version != cs.Version {
			return errStale
		}
		next = cur.Clone()
		next.Version = cur.Version + 1
		entry, items, err := e.chain(tx, d, &next, entry, items)
		if err != nil {
			return err
		}
		done = committedEntry{entry: entry, items: items}
		if err := tx.UpdateCase(next); err != nil {
			return err
		}
		return write(tx, entry, items)
	})
	switch {
	case errors.Is(err, errStale), ErrorCode(err) == ECONFLICT:
		return false, nil // another engine escalated it, or someone acted: the next sweep decides
	case err != nil:
		return false, err
	}
	e.log.InfoContext(ctx, "deadline passed", "case", id, "step", clk.Step, "entry", clk.Entry, "due", clk.Due)
	e.committed(ctx, d, next, done.entry, done.items)
	return true, nil
}

func cmpName(a Address) string {
	if strings.TrimSpace(a.Name) != "" {
		return a.Name
	}
	return a.Email
}

// RunEscalation sweeps (Escalate) at once and then every interval until
// ctx ends; a failed sweep is logged and tried again at the next tick. It
// returns ctx's error.
func (e *Engine) RunEscalation(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := e.Escalate(ctx); err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "deadline sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
