package proceduretest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// Generate writes n cases of PR01 and PR02 straight into store, in
// transactions of a few hundred, without the engine: each walks its
// procedure's events at random from its start (up to 400 days before now)
// as the demo people would, with observation rounds, returns, reveals of
// secrets, withdrawals and rejections, and stops in an open state or
// reaches a final one, never after now. The same seed writes the same
// cases. Tests of the dashboard and its exports seed their databases with
// it; the histories are hash-chained, as the engine writes them.
func Generate(ctx context.Context, store procedure.Store, n int, seed uint64, now time.Time) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	defs := manual.Definitions()
	people := map[procedure.RoleID][]procedure.Actor{}
	for _, a := range Actors() {
		for _, g := range a.Grants {
			people[g.Role] = append(people[g.Role], a)
		}
	}
	hashes := map[*procedure.Definition]string{}
	for _, d := range defs {
		hashes[d] = d.Hash()
	}
	const batch = 250
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		err := store.Update(ctx, func(tx procedure.Tx) error {
			for i := lo; i < hi; i++ {
				d := defs[i%len(defs)]
				c, h := generateCase(rng, d, hashes[d], i, people, now)
				if err := tx.CreateCase(c); err != nil {
					return err
				}
				for _, e := range h {
					if err := tx.AppendEntry(e); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("generate cases %d-%d: %w", lo+1, hi, err)
		}
	}
	return nil
}

func generateCase(rng *rand.Rand, d *procedure.Definition, hash string, i int, people map[procedure.RoleID][]procedure.Actor, now time.Time) (procedure.Case, []procedure.Entry) {
	requester := people[manual.RoleSolicitante][i%len(people[manual.RoleSolicitante])]
	at := now.Add(-time.Duration(rng.Int64N(int64(400 * 24 * time.Hour))))
	system := fmt.Sprintf("Sistema %05d", i+1)
	c := procedure.Case{ID: fmt.Sprintf("%s-G-%05d", d.Prefix, i+1), Procedure: d.Code, Version: 1, System: system,
		Description: "Caso generado " + system, Unit: requester.Unit, RequesterID: requester.ID,
		Data: procedure.Inputs{"system": system, "unit": requester.Unit}, DefinitionHash: hash, CreatedAt: at}
	var h []procedure.Entry
	add := func(ev procedure.EventName, step int, from, to procedure.State, a procedure.Actor, role procedure.RoleID) {
		e := procedure.Entry{CaseID: c.ID, Seq: len(h) + 1, Step: step, Event: ev, From: from, To: to, ActorID: a.ID,
			ActorName: a.Name, Role: role, At: at}
		if len(h) > 0 {
			e.PrevHash = h[len(h)-1].Hash
		}
		e.Hash = e.ComputeHash()
		h = append(h, e)
		c.State, c.UpdatedAt, c.LastActor = to, at, a.Name
	}
	start := d.StartEvent()
	add(start.Name, start.Step, "", start.To, requester, start.Role)
	who := func(ev *procedure.EventDef) procedure.Actor {
		switch {
		case ev.Guard == procedure.GuardAssigned:
			for _, a := range people[ev.Role] {
				if a.ID == c.Assignee {
					return a
				}
			}
		case ev.Role == manual.RoleSolicitante:
			return requester
		}
		all := people[ev.Role]
		return all[rng.IntN(len(all))]
	}
	for !d.IsFinal(c.State) && rng.IntN(9) != 0 {
		var manualEvs, extensions []*procedure.EventDef
		for k := range d.Events {
			if ev := &d.Events[k]; slices.Contains(ev.From, c.State) {
				if ev.Extension {
					extensions = append(extensions, ev)
				} else {
					manualEvs = append(manualEvs, ev)
				}
			}
		}
		var ev *procedure.EventDef
		switch {
		case len(extensions) > 0 && (len(manualEvs) == 0 || rng.IntN(12) == 0):
			ev = extensions[rng.IntN(len(extensions))]
		default: // a state that is not final has a way out (Definition.Validate)
			ev = manualEvs[rng.IntN(len(manualEvs))]
		}
		if ev.Name == manual.EventObserve && rng.IntN(3) != 0 {
			if conclude, ok := d.Event(manual.EventConclude); ok && slices.Contains(conclude.From, c.State) {
				ev = conclude // two observations in three would be too many
			}
		}
		next := at.Add(time.Duration(rng.Int64N(int64(12*24*time.Hour))) + time.Minute)
		if !next.Add(time.Minute).Before(now) {
			break
		}
		at = next
		if c.Assignee != "" && c.State == manual.StateInProgress && len(h)%5 == 0 && d.Code == manual.CodePR01 {
			a := who(&procedure.EventDef{Role: manual.RoleProfesionalSS, Guard: procedure.GuardAssigned})
			add(procedure.ActionRevealSecrets, c.Step, c.State, c.State, a, manual.RoleProfesionalSS)
			at = at.Add(time.Minute)
		}
		if ev.Assigns != "" {
			all := people[manual.RoleProfesionalSS]
			c.Assignee = all[rng.IntN(len(all))].ID
		}
		add(ev.Name, ev.Step, c.State, ev.To, who(ev), ev.Role)
		c.Step, c.WaitingRole, c.WaitingActor, c.WaitingUnit = 0, "", "", ""
		if w := d.Waiting(c.State); w != nil && !d.IsFinal(c.State) {
			c.Step, c.WaitingRole = w.Step, w.Role
			switch w.Guard {
			case procedure.GuardAssigned:
				c.WaitingActor = c.Assignee
			case procedure.GuardRequester:
				c.WaitingUnit = c.Unit
			}
		}
	}
	if c.Step == 0 && !d.IsFinal(c.State) { // only the request so far
		w := d.Waiting(c.State)
		c.Step, c.WaitingRole = w.Step, w.Role
	}
	return c, h
}
