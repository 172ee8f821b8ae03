package postgres_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestDashboardAsMemory generates the same 2,000 cases into PostgreSQL and
// into the in-memory store: the engine computes the same tablero from
// either, under every filter.
func TestDashboardAsMemory(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpen(t)
	mem := procedure.NewMemoryStore()
	now := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	engine := func(st procedure.Store) *procedure.Engine {
		if err := proceduretest.Generate(ctx, st, 2000, 21, now); err != nil {
			t.Fatal(err)
		}
		e, err := procedure.NewEngine(st, procedure.WithDefinitions(manual.Definitions()...),
			procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(procedure.ClockFunc(func() time.Time { return now })))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	pg, ref := engine(s), engine(mem)
	for _, q := range []procedure.DashboardQuery{
		{},
		{Procedure: manual.CodePR01},
		{Unit: manual.UnitGobierno, From: now.AddDate(0, -3, 0)},
		{From: now.AddDate(0, -10, 0), To: now.AddDate(0, -1, 0)},
	} {
		got, err := pg.Dashboard(ctx, proceduretest.Responsable, q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.Dashboard(ctx, proceduretest.Responsable, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || got.Cases == 0 {
			t.Errorf("%+v: PostgreSQL\n%+v\nmemory\n%+v", q, got, want)
		}
	}
}
