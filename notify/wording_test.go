package notify_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// delivered is one delivered message, parsed.
type delivered struct {
	subject, text, html string
	attachments         []string
}

// deliver renders the case's documents, drains the outbox to a real SMTP
// server and returns the messages by item ID (without the case ID).
func deliver(t *testing.T, f *fixture, c procedure.Case) map[string]delivered {
	t.Helper()
	srv := startServer(t, "")
	f.render(t, c.ID, pdf(5))
	if _, err := f.dispatcher(t, config(t, srv)).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]delivered{}
	for id, m := range byItem(t, srv.messages()) {
		p := parse(t, m.raw)
		s, err := p.header.Subject()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for n := range p.attachments {
			names = append(names, n)
		}
		text := strings.ReplaceAll(p.text, "\r\n", "\n")
		out[strings.TrimPrefix(id, c.ID+"/")] = delivered{subject: s, text: text, html: p.html, attachments: names}
	}
	return out
}

// runPR02 runs an update of the given complexity to its Nota Interna, with
// one round of observations.
func runPR02(t *testing.T, f *fixture, complexity string) procedure.Case {
	t.Helper()
	ctx := context.Background()
	c, err := f.eng.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Sistema de Planillas")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		a  procedure.Actor
		ev procedure.EventName
		in procedure.Inputs
	}{
		{proceduretest.Jefe, manual.EventForward, nil},
		{proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": proceduretest.Profesional.ID}},
		{proceduretest.Profesional, manual.EventObserve, procedure.Inputs{"observations": "¿La actualización migra la base de datos?"}},
		{proceduretest.Solicitante, manual.EventComplete, procedure.Inputs{"answer": "Sí, dos migraciones."}},
		{proceduretest.Profesional, manual.EventConclude, proceduretest.Checklist(complexity)},
		{proceduretest.Responsable, manual.EventApproveReport, nil},
		{proceduretest.Jefe, manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la conclusión de la actualización."}},
	} {
		if c, err = f.eng.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
			t.Fatalf("%s: %v", s.ev, err)
		}
	}
	return c
}

// unaccented finds "tramite", the product's name, where Spanish prose
// should say "trámite" or "sistema de trámites".
var unaccented = regexp.MustCompile(`(?i)\btramite\b`)

// checkProse checks what every message of the manual's procedures must
// get right: no "tramite" in prose, no "sistema Sistema", and a greeting
// in the singular for one recipient and the plural for several.
func checkProse(t *testing.T, msgs map[string]delivered) {
	t.Helper()
	for id, m := range msgs {
		for part, s := range map[string]string{"subject": m.subject, "text": m.text, "html": m.html} {
			if unaccented.MatchString(s) {
				t.Errorf("%s: the %s says %q: %s", id, part, unaccented.FindString(s), s)
			}
			if strings.Contains(strings.ToLower(s), "sistema sistema") {
				t.Errorf("%s: the %s says \"sistema Sistema\"", id, part)
			}
		}
		greeting, _, _ := strings.Cut(m.text, "\n")
		if strings.HasPrefix(greeting, "Estimado(a) ") && strings.Contains(greeting, " y ") {
			t.Errorf("%s greets several people in the singular: %q", id, greeting)
		}
	}
}

func TestWordingPR01(t *testing.T) {
	f := newFixture(t)
	c := proceduretest.RunPR01(t, f.eng, "Sistema de Gestión Documental", canary, 1)
	msgs := deliver(t, f, c)
	checkProse(t, msgs)
	if g, _, _ := strings.Cut(msgs["1/email/aviso"].text, "\n"); g != "Estimados(as) Carla Rojas y Diego Flores:" {
		t.Errorf("greeting of the notice to both jefes: %q", g)
	}
	if g, _, _ := strings.Cut(msgs["5/email/observaciones"].text, "\n"); g != "Estimado(a) Ana Quispe:" {
		t.Errorf("greeting of the observations: %q", g)
	}
	if m := msgs["5/email/observaciones"]; !strings.Contains(m.text, "le solicita completar la información necesaria para la puesta en producción") {
		t.Errorf("PR01's observations do not ask, as step 4 says, to complete the information:\n%s", m.text)
	}
	memo := msgs["9/email/nota-interna"]
	for _, w := range []string{"aprobó el informe técnico de conclusión UIT/INF/2026/0001 y emitió la Nota Interna UIT/NI/2026/0001",
		"conclusión de la puesta en producción del Sistema de Gestión Documental", "Ambos documentos se adjuntan en PDF"} {
		if !strings.Contains(memo.subject+"\n"+memo.text, w) {
			t.Errorf("the Nota Interna's email lacks %q:\n%s\n%s", w, memo.subject, memo.text)
		}
	}
	// The memo says the report goes with it: it does.
	if !sameSet(memo.attachments, "Nota Interna UIT-NI-2026-0001.pdf", "Informe técnico de conclusión UIT-INF-2026-0001.pdf") {
		t.Errorf("attachments %v", memo.attachments)
	}
}

// TestWordingPR02 checks PR02's own words: step 4 asks to clarify the
// update, and a low-complexity update is concluded with a nota, never
// called an informe.
func TestWordingPR02(t *testing.T) {
	for _, tt := range []struct {
		complexity, doc, docAttached, docNot string
	}{
		{"baja", "la nota de conclusión UIT/NC/2026/0001", "Nota de conclusión UIT-NC-2026-0001.pdf", "informe técnico"},
		{"alta", "el informe técnico de conclusión UIT/INF/2026/0001", "Informe técnico de conclusión UIT-INF-2026-0001.pdf", "nota de conclusión"},
	} {
		t.Run(tt.complexity, func(t *testing.T) {
			f := newFixture(t)
			c := runPR02(t, f, tt.complexity)
			msgs := deliver(t, f, c)
			checkProse(t, msgs)
			obs := msgs["4/email/observaciones"]
			if !strings.Contains(obs.text, "le solicita aclarar la actualización en producción") || strings.Contains(obs.text, "completar la información") {
				t.Errorf("PR02's observations should ask to clarify the update, as step 4 says:\n%s", obs.text)
			}
			if ans := msgs["5/email/respuesta"]; !strings.Contains(ans.subject, "Aclaración de la actualización") || !strings.Contains(ans.text, "aclaró la actualización") {
				t.Errorf("step 5's email: %s\n%s", ans.subject, ans.text)
			}
			if n := msgs["6/email/aviso"]; !strings.Contains(n.subject, "Revisar y aprobar el informe o nota de conclusión") {
				t.Errorf("step 7 is named %q", n.subject)
			}
			memo := msgs["8/email/nota-interna"]
			for _, w := range []string{"aprobó " + tt.doc + " y emitió la Nota Interna UIT/NI/2026/0001", "Ambos documentos se adjuntan en PDF",
				"conclusión de la actualización en producción del Sistema de Planillas"} {
				if !strings.Contains(memo.subject+"\n"+memo.text, w) {
					t.Errorf("the Nota Interna's email lacks %q:\n%s", w, memo.text)
				}
			}
			if strings.Contains(strings.ToLower(memo.text), tt.docNot) {
				t.Errorf("the Nota Interna's email names the %s the case does not have:\n%s", tt.docNot, memo.text)
			}
			if !sameSet(memo.attachments, "Nota Interna UIT-NI-2026-0001.pdf", tt.docAttached) {
				t.Errorf("attachments %v", memo.attachments)
			}
		})
	}
}

// TestWordingRejected: a rejected request tells the requester, with the
// reasons and the route sheet of the case.
func TestWordingRejected(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.start(t, canary)
	c, err := f.eng.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventReject, Actor: proceduretest.JefeAI,
		Inputs: procedure.Inputs{"reasons": "El sistema no pasó la revisión de seguridad."}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := deliver(t, f, c)
	checkProse(t, msgs)
	m := msgs["2/email/aviso"]
	for _, w := range []string{"Trámite concluido (rechazado)", "Estimado(a) Ana Quispe:", "«Rechazado» por «Rechazar la solicitud (extensión)» (Diego Flores)",
		"Motivos:\n\nEl sistema no pasó la revisión de seguridad.", "Adjuntos: Hoja de ruta.pdf"} {
		if !strings.Contains(m.subject+"\n"+m.text, w) {
			t.Errorf("the rejection notice lacks %q:\n%s\n%s", w, m.subject, m.text)
		}
	}
}

func sameSet(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}
