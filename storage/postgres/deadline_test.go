package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/postgres"
)

// TestEscalationRace: two engines, each on its own connection pool to one
// database as two servers would be, sweep the deadlines at once, again and
// again: each late step is escalated once, with one reminder and one
// notice.
func TestEscalationRace(t *testing.T) {
	ctx := context.Background()
	s1, url := mustOpen(t)
	s2, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, "2026-11-30 09:00"))
	e1, e2 := proceduretest.DeadlineEngine(t, s1, clk), proceduretest.DeadlineEngine(t, s2, clk)
	const cases = 20
	var ids []string
	for i := range cases {
		c, err := e1.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
			Inputs: proceduretest.PR01Request(fmt.Sprintf("Sistema %02d", i), "s3cr3t")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e2.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: proceduretest.Jefe}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	clk.Set(proceduretest.LaPaz(t, "2026-12-01 16:31")) // step 3 (one working day) is late
	if total := proceduretest.RaceEscalation(t, []*procedure.Engine{e1, e2}, 6); total != cases {
		t.Errorf("the sweeps escalated %d steps, want %d", total, cases)
	}
	proceduretest.CheckEscalatedOnce(t, s2, ids)
}
