package sqlite_test

import (
	"context"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// benchInboxPage lists, b.N times, the profesional's inbox on SQLite: 50
// cases in progress, each after an observation round, as the client's
// Bandeja reads it (a page of summaries).
func benchInboxPage(b *testing.B, deadlines bool) {
	ctx := context.Background()
	s, _ := mustOpen(b)
	e := proceduretest.NewEngine(b, s)
	if deadlines {
		e = proceduretest.DeadlineEngine(b, s, proceduretest.NewStillClock(proceduretest.LaPaz(b, "2026-11-30 09:00")))
	}
	for range 50 {
		c := proceduretest.InProgress(b, e, manual.CodePR02, "Bench")
		for _, f := range []procedure.FireRequest{
			{CaseID: c.ID, Event: manual.EventObserve, Actor: proceduretest.Profesional, Inputs: procedure.Inputs{"observations": "Falta DB_HOST."}},
			{CaseID: c.ID, Event: manual.EventComplete, Actor: proceduretest.Solicitante, Inputs: procedure.Inputs{"answer": "Agregada."}},
		} {
			if _, err := e.Fire(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	}
	a := proceduretest.Profesional
	q := procedure.CaseQuery{Inbox: &a, Open: true, Summary: true, Limit: 50}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cs, err := e.Cases(ctx, a, q)
		if err != nil || len(cs) != 50 || (cs[0].Clock != nil) != deadlines {
			b.Fatal(len(cs), err)
		}
	}
}

// BenchmarkInboxPage: the manual's procedures, without deadlines.
func BenchmarkInboxPage(b *testing.B) { benchInboxPage(b, false) }

// BenchmarkInboxPageDeadlines: the same with the example deadlines: each
// case's version and history are read for its clock.
func BenchmarkInboxPageDeadlines(b *testing.B) { benchInboxPage(b, true) }
