package proceduretest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tramite/tramite/calendar"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// DeadlineDefinitions returns the manual's definitions and, after them,
// the same with the example deadlines of manual.ExampleDeadlines (current
// for new cases).
func DeadlineDefinitions(t testing.TB) []*procedure.Definition {
	t.Helper()
	defs := manual.Definitions()
	withDeadlines, err := procedure.ApplyDeadlines(manual.ExampleDeadlines(), defs)
	if err != nil {
		t.Fatal(err)
	}
	return append(defs, withDeadlines...)
}

// DeadlineEngine returns an engine on store that runs the manual's
// procedures with the example deadlines, on the La Paz working-day
// calendar, at clock.
func DeadlineEngine(t testing.TB, store procedure.Store, clock procedure.Clock) *procedure.Engine {
	t.Helper()
	sealer, err := procedure.NewAESSealer(Key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := procedure.NewEngine(store, procedure.WithDefinitions(DeadlineDefinitions(t)...), procedure.WithDirectory(Directory()),
		procedure.WithClock(clock), procedure.WithSealer(sealer), procedure.WithCalendar(calendar.MustNew(calendar.Settings{Department: "La Paz"})))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// LaPaz returns the time in La Paz of "2006-01-02 15:04".
func LaPaz(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.LaPaz)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// testClocksByVersion: a case started before the deadlines (under the
// manual's version) shows no clock in listings, which read summaries; one
// started under the version with deadlines does.
func testClocksByVersion(t *testing.T, s procedure.Store) {
	ctx := context.Background()
	clk := NewStillClock(LaPaz(t, "2026-11-30 09:00"))
	before := NewEngine(t, s)
	old, err := before.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: Solicitante, Inputs: PR02Request("Antes de los plazos")})
	if err != nil {
		t.Fatal(err)
	}
	e := DeadlineEngine(t, s, clk)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: Solicitante, Inputs: PR02Request("Con plazos")})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []procedure.CaseQuery{{Summary: true}, {}, {Inbox: &Jefe, Summary: true}} {
		cs, err := e.Cases(ctx, Jefe, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range cs {
			switch {
			case x.ID == old.ID && x.Clock != nil:
				t.Errorf("%+v: the case started before the deadlines has a clock %+v", q, x.Clock)
			case x.ID == c.ID && (x.Clock == nil || x.Clock.Step != 2):
				t.Errorf("%+v: the case started with the deadlines has clock %+v", q, x.Clock)
			}
		}
	}
	if n, err := e.Escalate(ctx); err != nil || n != 0 {
		t.Errorf("Escalate at the start = %d, %v", n, err)
	}
	clk.Set(LaPaz(t, "2026-12-02 09:00"))
	if n, err := e.Escalate(ctx); err != nil || n != 1 {
		t.Errorf("Escalate two days later = %d, %v; want 1 (the old case has no deadline)", n, err)
	}
}

// testEscalation: engines racing the deadline sweep on one store escalate
// each late step once, with one reminder and one notice.
func testEscalation(t *testing.T, s procedure.Store) {
	ctx := context.Background()
	clk := NewStillClock(LaPaz(t, "2026-11-30 09:00")) // a Monday
	engines := []*procedure.Engine{DeadlineEngine(t, s, clk), DeadlineEngine(t, s, clk)}
	var ids []string
	for i := range 3 {
		c, err := engines[0].Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: Solicitante,
			Inputs: PR02Request("Sistema de plazos " + string(rune('A'+i)))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	clk.Set(LaPaz(t, "2026-11-30 09:05"))
	for _, id := range ids {
		if _, err := engines[1].Fire(ctx, procedure.FireRequest{CaseID: id, Event: manual.EventForward, Actor: Jefe}); err != nil {
			t.Fatal(err)
		}
	}
	// Step 3 has one working day: due on Tuesday at 16:30.
	clk.Set(LaPaz(t, "2026-12-01 16:29"))
	if n, err := engines[1].Escalate(ctx); err != nil || n != 0 {
		t.Fatalf("Escalate before the deadline = %d, %v; want 0", n, err)
	}
	clk.Set(LaPaz(t, "2026-12-01 16:31"))
	if total := RaceEscalation(t, engines, 8); total != len(ids) {
		t.Errorf("the racing sweeps escalated %d steps, want %d", total, len(ids))
	}
	CheckEscalatedOnce(t, s, ids)
	// A later sweep finds nothing new.
	clk.Set(LaPaz(t, "2026-12-02 10:00"))
	if n, err := engines[0].Escalate(ctx); err != nil || n != 0 {
		t.Errorf("a later sweep escalated %d (%v), want 0", n, err)
	}
}

// RaceEscalation runs n sweeps at once, the engines taking turns, as
// several servers on one store would, and returns how many steps they
// escalated together.
func RaceEscalation(t testing.TB, engines []*procedure.Engine, n int) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i := range n {
		e := engines[i%len(engines)]
		wg.Go(func() {
			k, err := e.Escalate(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += k
			mu.Unlock()
		})
	}
	wg.Wait()
	return total
}

// CheckEscalatedOnce fails t unless each case has exactly one escalation
// entry in an intact history, and one reminder and one notice queued.
func CheckEscalatedOnce(t testing.TB, s procedure.Store, ids []string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		h, err := s.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range h {
			if e.Event == procedure.ActionDeadline {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d escalation entries, want 1", id, n)
		}
		if err := procedure.VerifyChain(h); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		items, err := s.Outbox(ctx, procedure.OutboxQuery{CaseID: id, Kind: procedure.EffectEmail})
		if err != nil {
			t.Fatal(err)
		}
		topics := map[string]int{}
		for _, it := range items {
			topics[it.Topic]++
		}
		if topics["recordatorio-plazo"] != 1 || topics["aviso-plazo"] != 1 {
			t.Errorf("%s: emails queued %v, want one recordatorio-plazo and one aviso-plazo", id, topics)
		}
	}
}
