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

// TestRouteSheetListsAttachments: the hoja de ruta names the file attached
// at a step in that step's row.
func TestRouteSheetListsAttachments(t *testing.T) {
	ctx := context.Background()
	e := proceduretest.NewEngine(t, procedure.NewMemoryStore())
	c := proceduretest.InProgress(t, e, manual.CodePR01, "SIGEP")
	c, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventObserve, Actor: proceduretest.Profesional,
		Inputs: procedure.Inputs{"observations": "Falta la URL del repositorio."}})
	if err != nil {
		t.Fatal(err)
	}
	c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventComplete, Actor: proceduretest.Solicitante,
		Inputs: procedure.Inputs{"answer": "Adjunto la nota."},
		Files:  map[string]procedure.File{"answer_file": {Name: "nota-respuesta.pdf", Content: []byte("%PDF-1.7\n%%EOF\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.History(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	def, _ := e.Definition(c.Procedure)
	var pdf bytes.Buffer
	in := report.Input{Topic: manual.TopicHojaDeRuta, Case: c, Definition: def, History: h, Seq: h[len(h)-1].Seq}
	if err := report.Render(&pdf, in, report.Options{}); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(pdftotext(t, pdf.Bytes())), " ")
	for _, want := range []string{"Documento que completa la", "nota-respuesta.pdf"} {
		if !strings.Contains(text, want) {
			t.Errorf("the route sheet lacks %q:\n%s", want, text)
		}
	}
}
