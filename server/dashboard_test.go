package server_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func TestDashboardAndExports(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := proceduretest.Generate(ctx, e.store, 120, 5, time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	jefe, responsable := e.signIn(proceduretest.Jefe), e.signIn(proceduretest.Responsable)
	profesional, ana := e.signIn(proceduretest.Profesional), e.signIn(proceduretest.Solicitante)

	var s struct {
		CanSeeDashboard bool `json:"can_see_dashboard"`
	}
	for _, tc := range []struct {
		c    *client
		want bool
	}{{jefe, true}, {responsable, true}, {profesional, false}, {ana, false}} {
		tc.c.json("GET", "/session", nil, http.StatusOK, &s)
		if s.CanSeeDashboard != tc.want {
			t.Errorf("%s: can_see_dashboard %v", tc.c.actor.ID, s.CanSeeDashboard)
		}
	}

	// The tablero through the API is the engine's.
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, procedure.LaPaz)
	q := procedure.DashboardQuery{Procedure: manual.CodePR02, From: from}
	want, err := e.engine.Dashboard(ctx, proceduretest.Responsable, q)
	if err != nil {
		t.Fatal(err)
	}
	params := "?procedure=" + url.QueryEscape(manual.CodePR02) + "&from=" + url.QueryEscape(from.Format(time.RFC3339))
	var got procedure.Dashboard
	responsable.json("GET", "/dashboard"+params, nil, http.StatusOK, &got)
	if got.Cases != want.Cases || got.Open != want.Open || len(got.States) != len(want.States) || len(got.Steps) != len(want.Steps) ||
		got.Observations != want.Observations || len(got.Load) != len(want.Load) || got.Cases == 0 {
		t.Fatalf("dashboard through the API %+v, the engine's %+v", got, want)
	}

	// Exports: a file with its type and name, or the errors of the tablero.
	ans := jefe.call("GET", "/export/tramites/xlsx"+params, nil)
	if ans.status != http.StatusOK || ans.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(ans.header.Get("Content-Disposition"), `filename=tramite-tramites-`) {
		t.Fatalf("export: %d %v", ans.status, ans.header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(ans.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Trámites")
	f.Close()
	if len(rows) != want.Cases+1 {
		t.Fatalf("%d rows for %d cases", len(rows), want.Cases)
	}
	ans = jefe.call("GET", "/export/eventos/xes", nil)
	var log struct {
		Traces []struct{} `xml:"trace"`
	}
	if err := xml.Unmarshal(ans.body, &log); ans.status != http.StatusOK || err != nil || len(log.Traces) != 120 {
		t.Fatalf("XES: %d, %d traces, %v", ans.status, len(log.Traces), err)
	}
	for _, tc := range []struct {
		c      *client
		path   string
		status int
		code   string
	}{
		{profesional, "/dashboard", 403, "forbidden"},
		{ana, "/export/tablero/csv", 403, "forbidden"},
		{jefe, "/dashboard?from=ayer", 400, "invalid_input"},
		{jefe, "/export/tramites/csv?to=2026-13-01", 400, "invalid_input"},
		{jefe, "/dashboard?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", 400, "invalid_input"},
		{jefe, "/dashboard?procedure=PR99", 404, "not_found"},
		{jefe, "/export/todo/csv", 400, "invalid_input"},
		{jefe, "/export/tablero/xes", 400, "invalid_input"},
	} {
		ans := tc.c.call("GET", tc.path, nil)
		if ans.status != tc.status || ans.err(t).Error.Code != tc.code {
			t.Errorf("%s as %s: %d %s", tc.path, tc.c.actor.ID, ans.status, ans.body)
		}
	}
	if ans := e.call("GET", "/dashboard", "", nil); ans.status != http.StatusUnauthorized {
		t.Errorf("without a session: %d", ans.status)
	}
}
