package remote_test

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func TestDashboardAndExportThroughTheServer(t *testing.T) {
	c, e, store := newServer(t)
	if err := proceduretest.Generate(ctx, store, 150, 9, time.Now()); err != nil {
		t.Fatal(err)
	}
	jefe, err := c.SignIn(ctx, "carla", desk.DemoPassword("carla"))
	if err != nil {
		t.Fatal(err)
	}
	if !jefe.CanSeeDashboard() {
		t.Fatal("the jefe may not see the tablero")
	}
	q := procedure.DashboardQuery{Procedure: manual.CodePR01, From: time.Now().AddDate(0, -6, 0)}
	got, err := jefe.Dashboard(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Dashboard(ctx, proceduretest.Jefe, q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cases != want.Cases || got.Open != want.Open || got.Observations != want.Observations ||
		len(got.Steps) != len(want.Steps) || len(got.Load) != len(want.Load) || got.Cases == 0 || !got.Query.From.Equal(q.From) {
		t.Fatalf("through the server %+v\nthe engine's %+v", got, want)
	}
	for i := range got.Steps {
		if got.Steps[i] != want.Steps[i] {
			t.Fatalf("step %d: %+v, the engine's %+v", i, got.Steps[i], want.Steps[i])
		}
	}

	var buf bytes.Buffer
	if err := jefe.Export(ctx, &buf, export.Figures, export.XLSX, q); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Tiempo por paso")
	f.Close()
	if len(rows) != len(want.Steps)+1 {
		t.Fatalf("%d rows of steps, want %d", len(rows), len(want.Steps)+1)
	}
	buf.Reset()
	if err := jefe.Export(ctx, &buf, export.Events, export.XES, procedure.DashboardQuery{}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Traces []struct{} `xml:"trace"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &log); err != nil || len(log.Traces) != 150 {
		t.Fatalf("%d traces, %v", len(log.Traces), err)
	}

	// Whoever may not see it is told so in Spanish, and gets no file.
	fabio, err := c.SignIn(ctx, "fabio", desk.DemoPassword("fabio"))
	if err != nil {
		t.Fatal(err)
	}
	if fabio.CanSeeDashboard() {
		t.Fatal("a profesional may see the tablero")
	}
	if _, err := fabio.Dashboard(ctx, q); procedure.ErrorCode(err) != procedure.EFORBIDDEN || procedure.ErrorMessage(err) != "el tablero no está a cargo de ninguno de sus roles" {
		t.Fatalf("dashboard of a profesional: %v", err)
	}
	buf.Reset()
	if err := fabio.Export(ctx, &buf, export.Cases, export.CSV, q); procedure.ErrorCode(err) != procedure.EFORBIDDEN || buf.Len() != 0 {
		t.Fatalf("export of a profesional: %v, %d bytes", err, buf.Len())
	}
	if err := jefe.Export(ctx, &buf, export.Figures, export.XES, q); procedure.ErrorCode(err) != procedure.EINVALID {
		t.Fatalf("figures as XES: %v", err)
	}
}
