package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// TestRouteSheetDeadlines: with the agency's deadlines, the route sheet
// says for each step when it fell due and whether it was done in time,
// and shows the escalation of the late one.
func TestRouteSheetDeadlines(t *testing.T) {
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, "2026-11-30 09:00"))
	e := proceduretest.DeadlineEngine(t, store, clk)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR01Request("SIGEP", "s3cr3t")})
	if err != nil {
		t.Fatal(err)
	}
	p := proceduretest.Profesional
	for _, s := range []struct {
		at string
		a  procedure.Actor
		ev procedure.EventName
		in procedure.Inputs
	}{
		{"2026-11-30 15:00", proceduretest.Jefe, manual.EventForward, nil}, // step 2 was due at 13:00
		{"2026-12-01 09:00", proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": p.ID}},
		{"2026-12-01 10:00", p, manual.EventStart, nil},
		{"2026-12-03 10:00", p, manual.EventConclude, proceduretest.Checklist("")},
		{"2026-12-04 10:00", proceduretest.Responsable, manual.EventApproveReport, nil},
		{"2026-12-04 11:00", proceduretest.Jefe, manual.EventIssueMemo, procedure.Inputs{"memo": "Concluido."}},
		{"2026-12-07 09:00", proceduretest.Solicitante, manual.EventAcknowledge, nil},
	} {
		if s.ev == manual.EventForward {
			clk.Set(proceduretest.LaPaz(t, "2026-11-30 14:00"))
			if n, err := e.Escalate(ctx); err != nil || n != 1 {
				t.Fatalf("Escalate = %d, %v", n, err)
			}
		}
		clk.Set(proceduretest.LaPaz(t, s.at))
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
			t.Fatalf("%s: %v", s.ev, err)
		}
	}
	items, err := store.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectDocument})
	if err != nil {
		t.Fatal(err)
	}
	proc, err := report.NewProcessor(store, e, report.ProcessorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var sheet procedure.OutboxItem
	for _, it := range items {
		if it.Topic == manual.TopicHojaDeRuta {
			sheet = it
		}
	}
	in, err := proc.Input(ctx, sheet)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, in, report.Options{}); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdftotext(t, buf.Bytes())), " ")
	for _, want := range []string{
		// pdftotext interleaves the columns: each check is one line of a cell.
		"el 30/11/2026 13:00; cumplido fuera de plazo",
		"paso 3: 1 día hábil, vencía el 01/12/2026 16:30; cumplido a tiempo",
		"paso 4: 10 días hábiles, vencía el 15/12/2026 16:30; cumplido a tiempo",
		"paso 9: 3 días hábiles, vencía el 09/12/2026 16:30; cumplido a tiempo",
		"Plazo vencido: Control de plazos",
		"Comentario: Venció el plazo del paso 2 (4",
		"13:00. Recordatorio y aviso a Carla Rojas",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the route sheet lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "entrada:") {
		t.Errorf("the route sheet shows the escalation's internal key:\n%s", text)
	}
	// Without deadlines (the manual's procedures), nothing of the kind.
	plain, c2, h := closedCase(t, "s3cr3t", 0)
	var buf2 bytes.Buffer
	if err := report.Render(&buf2, input(t, plain, c2, h, manual.TopicHojaDeRuta, manual.EventAcknowledge), report.Options{}); err != nil {
		t.Fatal(err)
	}
	if text := pdftotext(t, buf2.Bytes()); strings.Contains(text, "Plazo") {
		t.Errorf("a route sheet without deadlines speaks of them:\n%s", text)
	}
}
