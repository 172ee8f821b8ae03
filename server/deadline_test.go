package server_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/server"
)

// TestDeadlinesOverTheAPI: the inbox and the case carry the clock of the
// step, GET /due lists the steps with a deadline (overdue first) and GET
// /cases/{id}/clocks every stay of a case, each for whoever may see it.
func TestDeadlinesOverTheAPI(t *testing.T) {
	ctx := context.Background()
	clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, "2026-11-30 09:00"))
	var eng *procedure.Engine
	e := newEnv(t, func(cfg *server.Config) {
		eng = proceduretest.DeadlineEngine(t, cfg.Store, clk)
		cfg.Engine = eng
	})
	late, err := eng.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Portal")})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(proceduretest.LaPaz(t, "2026-11-30 14:00")) // step 2 was due at 13:00
	onTime, err := eng.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Mesa de Ayuda")})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := eng.Escalate(ctx); err != nil || n != 1 {
		t.Fatalf("Escalate = %d, %v", n, err)
	}
	carla := e.signIn(proceduretest.Jefe)
	var due []procedure.Case
	carla.json("GET", "/due", nil, 200, &due)
	if len(due) != 2 || due[0].ID != late.ID || !due[0].Clock.Overdue || due[1].ID != onTime.ID || due[1].Clock.Overdue {
		t.Fatalf("GET /due = %+v, want %s overdue then %s", due, late.ID, onTime.ID)
	}
	var inbox caseList
	carla.json("GET", "/inbox", nil, 200, &inbox)
	for _, c := range inbox.Cases {
		if c.Clock == nil || c.Clock.Step != 2 || c.Clock.Deadline.WorkHours != 4 {
			t.Errorf("inbox case %s has clock %+v", c.ID, c.Clock)
		}
	}
	var view struct {
		Case procedure.Case `json:"case"`
	}
	carla.json("GET", "/cases/"+url.PathEscape(late.ID), nil, 200, &view)
	if k := view.Case.Clock; k == nil || !k.Overdue || k.Escalated == 0 {
		t.Errorf("GET /cases/%s clock %+v, want overdue and escalated", late.ID, k)
	}
	var clocks []procedure.StepClock
	carla.json("GET", "/cases/"+url.PathEscape(late.ID)+"/clocks", nil, 200, &clocks)
	if len(clocks) != 1 || clocks[0].Step != 2 || clocks[0].Entry != 1 || !clocks[0].Overdue || clocks[0].Worked.Hours() != 5 {
		t.Errorf("GET /cases/%s/clocks = %+v", late.ID, clocks)
	}
	// Another unit's requester sees neither.
	bruno := e.signIn(proceduretest.Solicitante2)
	bruno.json("GET", "/due", nil, 200, &due)
	if len(due) != 0 {
		t.Errorf("GET /due as bruno = %+v, want none", due)
	}
	if ans := bruno.call("GET", "/cases/"+url.PathEscape(late.ID)+"/clocks", nil); ans.status != 404 {
		t.Errorf("GET clocks of another unit's case: %d %s, want 404", ans.status, ans.body)
	}
	// A filter that matches nothing, and one that is malformed.
	carla.json("GET", "/due?procedure="+url.QueryEscape(manual.CodePR01), nil, 200, &due)
	if len(due) != 0 {
		t.Errorf("GET /due?procedure=PR01 = %+v, want none", due)
	}
	if ans := carla.call("GET", "/due?limit=x", nil); ans.status != 400 {
		t.Errorf("GET /due?limit=x: %d, want 400", ans.status)
	}
}
