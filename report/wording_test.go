package report_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// texts renders every document the case's outbox owes with the processor
// (the directory names who holds each role) and returns the extracted
// text of each version, by topic, oldest first.
func texts(t *testing.T, store procedure.Store, e *procedure.Engine, caseID string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	p, err := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later, Directory: proceduretest.Directory()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Item.ID, r.Err)
		}
	}
	docs, err := store.Documents(ctx, caseID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, d := range docs {
		out[d.Topic] = append(out[d.Topic], pdftotext(t, d.Content))
	}
	return out
}

// fire fires steps on c, failing the test on the first error.
func fire(t *testing.T, e *procedure.Engine, c procedure.Case, steps ...procedure.FireRequest) procedure.Case {
	t.Helper()
	for _, s := range steps {
		s.CaseID = c.ID
		var err error
		if c, err = e.Fire(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s.Event, err)
		}
	}
	return c
}

var (
	unaccented = regexp.MustCompile(`(?i)\btramite\b`)
	// slug finds a topic's identifier where staff read a document's name.
	slug = regexp.MustCompile(`\b(nota-remision|informe-conclusion|nota-conclusion|nota-interna|hoja-de-ruta)\b`)
)

// checkProse checks what every document of the manual's procedures must
// get right, page by page.
func checkProse(t *testing.T, docs map[string][]string) {
	t.Helper()
	for topic, versions := range docs {
		for v, text := range versions {
			where := topic + " v" + string(rune('1'+v))
			for _, bad := range []string{"true", "false", "sistema Sistema", "verificar.agetic.gob.bo", "Entregados por el sistema", "DB_HOST=10.0.0.5"} {
				if strings.Contains(text, bad) {
					t.Errorf("%s says %q:\n%s", where, bad, text)
				}
			}
			if m := unaccented.FindString(text); m != "" {
				t.Errorf("%s says %q in prose", where, m)
			}
			if m := slug.FindString(text); m != "" {
				t.Errorf("%s names a document %q, not by its name", where, m)
			}
			// No page holds only the header and the footer (a closing
			// paragraph pushed onto a page of its own).
			for i, page := range strings.Split(strings.TrimRight(text, "\f"), "\f") {
				body := 0
				for _, line := range strings.Split(page, "\n") {
					l := strings.TrimSpace(line)
					if l == "" || strings.HasPrefix(l, "Agencia de Gobierno") || strings.HasPrefix(l, "Comunicación – AGETIC") ||
						strings.HasPrefix(l, "Unidad de ") || strings.HasPrefix(l, "UIT/ASS-") || strings.HasPrefix(l, "Código de verificación") ||
						strings.HasPrefix(l, "Huella SHA-256") {
						continue
					}
					body++
				}
				if body < 4 {
					t.Errorf("%s: page %d holds only %d lines besides its header and footer:\n%s", where, i+1, body, page)
				}
			}
		}
	}
}

// TestWordingPR01 renders every document of a PR01 case with one round of
// observations, whose answer adds reserved data.
func TestWordingPR01(t *testing.T) {
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	c := proceduretest.RunPR01(t, e, "Sistema de Correspondencia Digital", "s3cr3t", 1)
	docs := texts(t, store, e, c.ID)
	checkProse(t, docs)

	note := docs[manual.TopicNotaRemision][0]
	for _, w := range []string{
		"Unidad de Desarrollo de Software\nUIT/ASS-PR01", // the requesting unit's letterhead
		"UDS/NOTA/2026/0001",                             // the unit's series, not the UIT's
		"Carla Rojas\nJefe de la Unidad de Infraestructura Tecnológica",
		"la puesta en producción del Sistema de Correspondencia Digital",
		"Se entregan a través del sistema de trámites, cifrados",
	} {
		if !strings.Contains(note, w) && !strings.Contains(flat(note), w) {
			t.Errorf("the Remisión de Nota lacks %q:\n%s", w, note)
		}
	}
	if strings.Contains(note, "UIT/NOTA") {
		t.Errorf("the requester's note is numbered in the UIT's series:\n%s", note)
	}
	memo := docs[manual.TopicNotaInterna][0]
	if !strings.Contains(memo, "Se adjunta el informe técnico de conclusión UIT/INF/2026/0001, revisado y aprobado.") {
		t.Errorf("the Nota Interna does not name the report it sends:\n%s", memo)
	}
	route := docs[manual.TopicHojaDeRuta][0]
	for _, w := range []string{"Sí", "Fabio Choque", "Salidas: Informe técnico de conclusión", "Salidas: Progreso del documento (Flujo)"} {
		if !strings.Contains(route, w) {
			t.Errorf("the route sheet lacks %q", w)
		}
	}
	// Step 4's start sends nothing: no output is credited to it.
	if row := rowOf(route, "Iniciar el trabajo"); strings.Contains(row, "Correo electrónico") {
		t.Errorf("the route sheet credits an email to the start of step 4:\n%s", row)
	}
}

// TestWordingPR02 renders an update concluded with a Nota de conclusión:
// no document calls it an informe, and the actions and states say
// "informe o nota" as the manual's steps 7 and 8 do.
// pr02Closed runs an update of the given complexity through its nine
// steps, with one round of observations.
func pr02Closed(t *testing.T, complexity string) (procedure.Store, *procedure.Engine, procedure.Case) {
	t.Helper()
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Portal de Trámites")})
	if err != nil {
		t.Fatal(err)
	}
	c = fire(t, e, c,
		procedure.FireRequest{Event: manual.EventForward, Actor: proceduretest.Jefe},
		procedure.FireRequest{Event: manual.EventInstruct, Actor: proceduretest.Responsable, Inputs: procedure.Inputs{"profesional": proceduretest.Profesional.ID}},
		procedure.FireRequest{Event: manual.EventObserve, Actor: proceduretest.Profesional, Inputs: procedure.Inputs{"observations": "¿Incluye migraciones?"}},
		procedure.FireRequest{Event: manual.EventComplete, Actor: proceduretest.Solicitante, Inputs: procedure.Inputs{"answer": "Sí, dos."}},
		procedure.FireRequest{Event: manual.EventConclude, Actor: proceduretest.Profesional, Inputs: proceduretest.Checklist(complexity)},
		procedure.FireRequest{Event: manual.EventApproveReport, Actor: proceduretest.Responsable},
		procedure.FireRequest{Event: manual.EventIssueMemo, Actor: proceduretest.Jefe, Inputs: procedure.Inputs{"memo": "Se comunica la actualización."}},
		procedure.FireRequest{Event: manual.EventAcknowledge, Actor: proceduretest.Solicitante},
	)
	return store, e, c
}

// TestWordingPR02Informe: a complex update is concluded with an informe
// técnico, and the Nota Interna sends it.
func TestWordingPR02Informe(t *testing.T) {
	store, e, c := pr02Closed(t, "alta")
	docs := texts(t, store, e, c.ID)
	checkProse(t, docs)
	if len(docs[manual.TopicInformeConclusion]) != 3 || len(docs[manual.TopicNotaConclusion]) != 0 {
		t.Fatalf("documents: %d informes, %d notas de conclusión", len(docs[manual.TopicInformeConclusion]), len(docs[manual.TopicNotaConclusion]))
	}
	if memo := docs[manual.TopicNotaInterna][0]; !strings.Contains(memo, "Se adjunta el informe técnico de conclusión UIT/INF/2026/0001, revisado y aprobado.") {
		t.Errorf("the Nota Interna should send the informe:\n%s", memo)
	}
	if inf := flat(docs[manual.TopicInformeConclusion][2]); !strings.Contains(inf, "INFORME TÉCNICO") || !strings.Contains(inf, "Conclusión de la actualización en producción") {
		t.Errorf("informe:\n%s", inf)
	}
}

func TestWordingPR02(t *testing.T) {
	store, e, c := pr02Closed(t, "baja")
	docs := texts(t, store, e, c.ID)
	checkProse(t, docs)
	if len(docs[manual.TopicInformeConclusion]) != 0 || len(docs[manual.TopicNotaConclusion]) != 3 {
		t.Fatalf("documents: %d informes, %d notas de conclusión", len(docs[manual.TopicInformeConclusion]), len(docs[manual.TopicNotaConclusion]))
	}
	memo := docs[manual.TopicNotaInterna][0]
	if !strings.Contains(memo, "Se adjunta la nota de conclusión UIT/NC/2026/0001, revisada y aprobada.") || strings.Contains(memo, "informe") {
		t.Errorf("the Nota Interna should send the nota de conclusión, not an informe:\n%s", memo)
	}
	route := docs[manual.TopicHojaDeRuta][0]
	if row := rowOf(route, "Revisar y aprobar el"); !strings.Contains(row, "informe o nota") || !strings.Contains(row, "Nota de conclusión") ||
		strings.Contains(row, "Informe de conclusión") {
		t.Errorf("step 7 of the route sheet:\n%s", row)
	}
	for _, w := range []string{"aclarar la", "Aclarar la", "Aclaración de la actualización: Sí, dos.", "Nota de conclusión UIT/NC/2026/0001"} {
		if !strings.Contains(flat(route), w) {
			t.Errorf("the route sheet lacks %q:\n%s", w, route)
		}
	}
	if strings.Contains(route, "completar la") {
		t.Errorf("PR02's route sheet uses PR01's words (\"completar la información\"):\n%s", route)
	}
	if n := docs[manual.TopicNotaConclusion][2]; !strings.Contains(n, "NOTA DE CONCLUSIÓN") || !strings.Contains(n, "actualización en producción") {
		t.Errorf("nota de conclusión:\n%s", n)
	}
}

// TestRouteSheetOfEndedCases: a rejected and a withdrawn request get
// their route sheet too.
func TestRouteSheetOfEndedCases(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		ev    procedure.EventName
		actor procedure.Actor
		state string
	}{
		{manual.EventReject, proceduretest.JefeAI, "Rechazado"},
		{manual.EventWithdraw, proceduretest.Solicitante, "Retirado"},
	} {
		t.Run(string(tt.ev), func(t *testing.T) {
			store := procedure.NewMemoryStore()
			e := proceduretest.NewEngine(t, store)
			c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Portal")})
			if err != nil {
				t.Fatal(err)
			}
			c = fire(t, e, c, procedure.FireRequest{Event: tt.ev, Actor: tt.actor, Inputs: procedure.Inputs{"reasons": "Ya no se requiere."}})
			docs := texts(t, store, e, c.ID)
			checkProse(t, docs)
			route := docs[manual.TopicHojaDeRuta]
			if len(route) != 1 || !strings.Contains(flat(route[0]), "Estado: "+tt.state) || !strings.Contains(flat(route[0]), "Ya no se requiere.") ||
				!strings.Contains(route[0], "(extensión)") || strings.Contains(route[0], "devolución") {
				t.Fatalf("route sheet of a case ended by %s: %v", tt.ev, route)
			}
		})
	}
}

// flat is s with every run of white space made one space.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// rowOf returns the lines of a route sheet's row that starts with the
// line containing action, up to the next numbered row.
func rowOf(text, action string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !strings.Contains(l, action) {
			continue
		}
		out := []string{l}
		for _, m := range lines[i+1:] {
			if f := strings.Fields(m); len(f) > 1 && isNumber(f[0]) && isNumber(f[1]) {
				break
			}
			out = append(out, m)
		}
		return strings.Join(out, "\n")
	}
	return ""
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// TestRendersUnderTheCaseVersion: a document of a case that started under
// an earlier version of its definition is drawn as that version says,
// after a new version became current.
func TestRendersUnderTheCaseVersion(t *testing.T) {
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	v1, v2 := manual.PR02(), manual.PR02()
	v2.Version = "2"
	note, _ := v2.Document(manual.TopicNotaRemision)
	note.Title = "NOTA DE SOLICITUD"
	engine := func(defs ...*procedure.Definition) *procedure.Engine {
		e, err := procedure.NewEngine(store, procedure.WithDefinitions(defs...), procedure.WithDirectory(proceduretest.Directory()),
			procedure.WithClock(proceduretest.NewClock()))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	start := func(e *procedure.Engine) procedure.Case {
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Portal")})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	old := start(engine(v1))
	e := engine(v1, v2)
	fresh := start(e)
	for _, tt := range []struct {
		c     procedure.Case
		title string
	}{{old, "NOTA\n"}, {fresh, "NOTA DE SOLICITUD\n"}} {
		text := texts(t, store, e, tt.c.ID)[manual.TopicNotaRemision][0]
		if !strings.Contains(text, tt.title) {
			t.Errorf("%s: the note lacks its version's title %q:\n%s", tt.c.ID, tt.title, text)
		}
	}
}
