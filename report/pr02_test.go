package report_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// TestProcessorPR02LowComplexityWithReturn runs a PR02 update of low
// complexity whose note is returned once for correction: the documents
// are a Nota de conclusión (series NC), and after the return the
// sign-offs start again from the new conclusion.
func TestProcessorPR02LowComplexityWithReturn(t *testing.T) {
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("SIGEP")})
	if err != nil {
		t.Fatal(err)
	}
	fire := func(a procedure.Actor, ev procedure.EventName, in procedure.Inputs) {
		t.Helper()
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: ev, Actor: a, Inputs: in}); err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
	}
	unbroken := strings.Repeat("x", 3000) // a token with no space to break at
	fire(proceduretest.Jefe, manual.EventForward, nil)
	fire(proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": proceduretest.Profesional.ID})
	fire(proceduretest.Profesional, manual.EventStart, nil)
	first := proceduretest.Checklist("baja")
	first["report"] = "Primera versión. " + unbroken
	fire(proceduretest.Profesional, manual.EventConclude, first)
	fire(proceduretest.Responsable, manual.EventReturnReport, procedure.Inputs{"reasons": "Falta el detalle de la migración."})
	second := proceduretest.Checklist("baja")
	second["report"] = "Segunda versión corregida."
	fire(proceduretest.Profesional, manual.EventConclude, second)
	fire(proceduretest.Responsable, manual.EventApproveReport, nil)
	fire(proceduretest.JefeAI, manual.EventIssueMemo, procedure.Inputs{"memo": "Actualización concluida."})

	p, _ := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later})
	res, err := p.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Item.ID, r.Err)
		}
	}
	docs, _ := store.Documents(ctx, c.ID)
	var notes []procedure.Document
	for _, d := range docs {
		if d.Topic == manual.TopicInformeConclusion {
			t.Fatal("a low-complexity update got an informe")
		}
		if d.Topic == manual.TopicNotaConclusion {
			notes = append(notes, d)
		}
	}
	// conclude, conclude again, approve, issue memo.
	if len(notes) != 4 {
		t.Fatalf("%d versions of the nota de conclusión, want 4", len(notes))
	}
	first1, second1, last := pdftotext(t, notes[0].Content), pdftotext(t, notes[1].Content), pdftotext(t, notes[3].Content)
	for _, w := range []string{"NOTA DE CONCLUSIÓN", "UIT/NC/2026/0001", "Primera versión", "xxxxxxxxxx"} {
		if !strings.Contains(first1, w) {
			t.Errorf("first version lacks %q", w)
		}
	}
	if strings.Count(first1, "x") < 3000 {
		t.Error("the unbroken token lost characters")
	}
	if !strings.Contains(second1, "Segunda versión corregida.") || strings.Count(second1, "Pendiente") != 2 {
		t.Errorf("after the return, the new conclusion should have only its elaborado block:\n%s", second1)
	}
	if !strings.Contains(last, "Diego Flores") || !strings.Contains(last, "Jefe de la UIT a.i.") || strings.Contains(last, "Pendiente") {
		t.Errorf("last version should be approved by the interim jefe:\n%s", last)
	}
}
