package procedure_test

import (
	"context"
	"testing"

	"github.com/looplab/fsm"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// BenchmarkFire measures one engine transition on the in-memory store:
// guard, input check, a fresh looplab/fsm machine, history hash, outbox
// (an email with To and Cc resolved from the directory) and commit. The
// iterations walk the observation loop of step 4 and 5 (observe, complete)
// on a pool of cases.
func BenchmarkFire(b *testing.B) {
	e := proceduretest.NewEngine(b, procedure.NewMemoryStore())
	const pool = 64
	ids := make([]string, pool)
	for i := range ids {
		ids[i] = proceduretest.InProgress(b, e, manual.CodePR02, "Bench").ID
	}
	proceduretest.ObservationLoop(b, e, ids...)
}

// BenchmarkLooplabEvent is the bare library underneath: NewFSM with the
// same events as PR02 and one Event, alternating observe and complete as
// BenchmarkFire does.
func BenchmarkLooplabEvent(b *testing.B) {
	ctx := context.Background()
	var events fsm.Events
	for _, ev := range manual.PR02().Events {
		src := []string{"[*]"}
		if len(ev.From) > 0 {
			src = src[:0]
			for _, f := range ev.From {
				src = append(src, string(f))
			}
		}
		events = append(events, fsm.EventDesc{Name: string(ev.Name), Src: src, Dst: string(ev.To)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		from, ev := manual.StateInProgress, manual.EventObserve
		if (i/64)%2 == 1 {
			from, ev = manual.StateObserved, manual.EventComplete
		}
		m := fsm.NewFSM(string(from), events, nil)
		if err := m.Event(ctx, string(ev)); err != nil {
			b.Fatal(err)
		}
	}
}

// benchInbox lists, b.N times, the inbox of the profesional: 50 open
// cases in progress, each with an observation round.
func benchInbox(b *testing.B, e *procedure.Engine) {
	ctx := context.Background()
	for i := range 50 {
		c := proceduretest.InProgress(b, e, manual.CodePR02, "Bench")
		for _, s := range []struct {
			a  procedure.Actor
			ev procedure.EventName
			in procedure.Inputs
		}{{proceduretest.Profesional, manual.EventObserve, procedure.Inputs{"observations": "Falta DB_HOST."}},
			{proceduretest.Solicitante, manual.EventComplete, procedure.Inputs{"answer": "Agregada."}}} {
			if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
				b.Fatal(i, err)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cs, err := e.Inbox(ctx, proceduretest.Profesional, 0, 0)
		if err != nil || len(cs) != 50 {
			b.Fatal(len(cs), err)
		}
	}
}

// BenchmarkInbox: the inbox of the manual's procedures, which set no
// deadline.
func BenchmarkInbox(b *testing.B) {
	benchInbox(b, proceduretest.NewEngine(b, procedure.NewMemoryStore()))
}

// BenchmarkInboxDeadlines: the same inbox with the example deadlines: each
// case's clock is read from its history on the La Paz calendar.
func BenchmarkInboxDeadlines(b *testing.B) {
	clk := proceduretest.NewStillClock(proceduretest.LaPaz(b, "2026-11-30 09:00"))
	benchInbox(b, proceduretest.DeadlineEngine(b, procedure.NewMemoryStore(), clk))
}
