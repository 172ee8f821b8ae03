package procedure_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

var ctx = context.Background()

func newEngine(t testing.TB) (*procedure.Engine, *procedure.MemoryStore) {
	t.Helper()
	s := procedure.NewMemoryStore()
	return proceduretest.NewEngine(t, s), s
}

func wantCode(t *testing.T, err error, code procedure.Code) {
	t.Helper()
	if got := procedure.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

// stateCase drives a new PR01 (or PR02) case to the state just before ev.
func caseBefore(t *testing.T, e *procedure.Engine, code string, ev procedure.EventName) procedure.Case {
	t.Helper()
	in := proceduretest.PR01Request("Sistema X", "s3cr3t")
	if code == manual.CodePR02 {
		in = proceduretest.PR02Request("Sistema X")
	}
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: code, Actor: proceduretest.Solicitante, Inputs: in})
	if err != nil {
		t.Fatal(err)
	}
	p := proceduretest.Profesional
	path := []struct {
		a  procedure.Actor
		ev procedure.EventName
		in procedure.Inputs
	}{
		{proceduretest.Jefe, manual.EventForward, nil},
		{proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": p.ID}},
		{p, manual.EventStart, nil},
		{p, manual.EventObserve, procedure.Inputs{"observations": "falta información"}},
		{proceduretest.Solicitante, manual.EventComplete, procedure.Inputs{"answer": "aquí está"}},
		{p, manual.EventConclude, proceduretest.Checklist(map[bool]string{true: "alta", false: ""}[code == manual.CodePR02])},
		{proceduretest.Responsable, manual.EventApproveReport, nil},
		{proceduretest.Jefe, manual.EventIssueMemo, procedure.Inputs{"memo": "concluido"}},
		{proceduretest.Solicitante, manual.EventAcknowledge, nil},
	}
	d, _ := e.Definition(code)
	for _, s := range path {
		def, _ := d.Event(ev)
		for _, f := range def.From {
			if c.State == f {
				return c
			}
		}
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
			t.Fatalf("%s: %v", s.ev, err)
		}
	}
	t.Fatalf("never reached a source state of %s", ev)
	return c
}

// validInputs returns inputs that satisfy ev.
func validInputs(ev procedure.EventDef, code string) procedure.Inputs {
	in := procedure.Inputs{}
	for _, spec := range ev.Inputs {
		switch spec.Kind {
		case procedure.InputBool:
			in[spec.Name] = "true"
		case procedure.InputChoice:
			in[spec.Name] = spec.Choices[0]
		case procedure.InputActor:
			in[spec.Name] = proceduretest.Profesional.ID
		case procedure.InputPorts:
			in[spec.Name] = "443"
		case procedure.InputFile:
			continue // files travel apart from the inputs
		default:
			in[spec.Name] = "texto de prueba"
		}
	}
	if ev.Name == manual.EventRequest {
		in["unit"] = proceduretest.UnitDesarrollo
	}
	return in
}

func TestEveryAllowedTransition(t *testing.T) {
	for _, d := range manual.Definitions() {
		for _, ev := range d.Events {
			if len(ev.From) == 0 {
				continue
			}
			for _, from := range ev.From {
				t.Run(d.Prefix+"/"+string(ev.Name)+"/from-"+string(from), func(t *testing.T) {
					e, _ := newEngine(t)
					c := caseBefore(t, e, d.Code, ev.Name)
					for c.State != from {
						// Move along the manual path until the wanted source state.
						w := d.Waiting(c.State)
						var err error
						c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: w.Name, Actor: actorFor(w), Inputs: validInputs(*w, d.Code)})
						if err != nil {
							t.Fatal(err)
						}
					}
					got, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: ev.Name, Actor: actorFor(&ev), Inputs: validInputs(ev, d.Code), Version: c.Version})
					if err != nil {
						t.Fatalf("fire %s from %s: %v", ev.Name, from, err)
					}
					if got.State != ev.To || got.Version != c.Version+1 {
						t.Fatalf("state %s version %d, want %s version %d", got.State, got.Version, ev.To, c.Version+1)
					}
					if err := e.Verify(ctx, proceduretest.Jefe, c.ID); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

func actorFor(ev *procedure.EventDef) procedure.Actor {
	switch ev.Role {
	case manual.RoleSolicitante:
		return proceduretest.Solicitante
	case manual.RoleJefeUIT:
		return proceduretest.Jefe
	case manual.RoleResponsableSS:
		return proceduretest.Responsable
	default:
		return proceduretest.Profesional
	}
}

func TestForbiddenMatrix(t *testing.T) {
	actors := map[procedure.RoleID]procedure.Actor{
		manual.RoleSolicitante:   proceduretest.Solicitante,
		manual.RoleJefeUIT:       proceduretest.Jefe,
		manual.RoleResponsableSS: proceduretest.Responsable,
		manual.RoleProfesionalSS: proceduretest.Profesional,
	}
	n := 0
	for _, d := range manual.Definitions() {
		for _, ev := range d.Events {
			for role, a := range actors {
				if role == ev.Role {
					continue
				}
				n++
				t.Run(d.Prefix+"/"+string(ev.Name)+"/by-"+string(role), func(t *testing.T) {
					e, s := newEngine(t)
					if len(ev.From) == 0 {
						in := validInputs(ev, d.Code)
						_, err := e.Start(ctx, procedure.StartRequest{Procedure: d.Code, Actor: a, Inputs: in})
						wantCode(t, err, procedure.EFORBIDDEN)
						if n, _ := s.CountCases(ctx, procedure.CaseQuery{}); n != 0 {
							t.Fatalf("a refused start left %d cases", n)
						}
						return
					}
					c := caseBefore(t, e, d.Code, ev.Name)
					_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: ev.Name, Actor: a, Inputs: validInputs(ev, d.Code)})
					wantCode(t, err, procedure.EFORBIDDEN)
					if procedure.ErrorMessage(err) == "" {
						t.Fatal("no message for staff")
					}
					after, _ := e.Case(ctx, proceduretest.Jefe, c.ID)
					if after.Version != c.Version {
						t.Fatal("a refused event changed the case")
					}
				})
			}
		}
	}
	if n < 80 {
		t.Fatalf("only %d (event, role) pairs checked", n)
	}
}

func TestGuards(t *testing.T) {
	e, _ := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventStart)
	// Another profesional, not assigned in step 3.
	_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventStart, Actor: proceduretest.Profesional2})
	wantCode(t, err, procedure.EFORBIDDEN)
	if !strings.Contains(procedure.ErrorMessage(err), "asignado") {
		t.Fatalf("message %q does not say who may act", procedure.ErrorMessage(err))
	}
	c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventObserve, Actor: proceduretest.Profesional, Inputs: procedure.Inputs{"observations": "?"}})
	if err != nil {
		t.Fatal(err)
	}
	// A solicitante of another unit may not answer: to him the case does
	// not exist, in the same words as a number never issued.
	_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventComplete, Actor: proceduretest.Solicitante2, Inputs: procedure.Inputs{"answer": "x"}})
	wantCode(t, err, procedure.ENOTFOUND)
	_, none := e.Fire(ctx, procedure.FireRequest{CaseID: "PR01-2026-9999", Event: manual.EventComplete, Actor: proceduretest.Solicitante2})
	if strings.ReplaceAll(procedure.ErrorMessage(err), c.ID, "X") != strings.ReplaceAll(procedure.ErrorMessage(none), "PR01-2026-9999", "X") {
		t.Fatalf("an unseen case (%q) reads differently from a missing one (%q)", procedure.ErrorMessage(err), procedure.ErrorMessage(none))
	}
	// Starting a case for another unit is forbidden.
	in := proceduretest.PR02Request("Y")
	in["unit"] = proceduretest.UnitGobierno
	_, err = e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: in})
	wantCode(t, err, procedure.EFORBIDDEN)
	// Instructing someone who is not a profesional is invalid input.
	c2 := caseBefore(t, e, manual.CodePR02, manual.EventInstruct)
	_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c2.ID, Event: manual.EventInstruct, Actor: proceduretest.Responsable, Inputs: procedure.Inputs{"profesional": proceduretest.Jefe.ID}})
	wantCode(t, err, procedure.EINVALID)
	_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c2.ID, Event: manual.EventInstruct, Actor: proceduretest.Responsable, Inputs: procedure.Inputs{"profesional": "nadie"}})
	wantCode(t, err, procedure.EINVALID)
}

func TestInvalidTransitionAndInputs(t *testing.T) {
	e, _ := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventForward)
	_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventApproveReport, Actor: proceduretest.Responsable})
	wantCode(t, err, procedure.EINVALIDTRANSITION)
	_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "no_such_event", Actor: proceduretest.Jefe})
	wantCode(t, err, procedure.EINVALIDTRANSITION)
	_, err = e.Fire(ctx, procedure.FireRequest{CaseID: "PR01-2026-9999", Event: manual.EventForward, Actor: proceduretest.Jefe})
	wantCode(t, err, procedure.ENOTFOUND)
	_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: proceduretest.Jefe, Version: c.Version + 5})
	wantCode(t, err, procedure.ECONFLICT)
	_, err = e.Start(ctx, procedure.StartRequest{Procedure: "UIT/ASS-PR99", Actor: proceduretest.Solicitante})
	wantCode(t, err, procedure.ENOTFOUND)

	tests := []struct {
		name  string
		in    procedure.Inputs
		wants []string
	}{
		{"everything missing", procedure.Inputs{"unit": proceduretest.UnitDesarrollo}, []string{"falta sistema", "falta descripción", "falta credenciales"}},
		{"unknown input", func() procedure.Inputs {
			in := proceduretest.PR01Request("S", "x")
			in["color"] = "rojo"
			return in
		}(), []string{`"color"`}},
		{"too long", func() procedure.Inputs {
			in := proceduretest.PR01Request(strings.Repeat("s", 201), "x")
			return in
		}(), []string{"200 caracteres"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante, Inputs: tt.in})
			wantCode(t, err, procedure.EINVALID)
			for _, w := range tt.wants {
				if !strings.Contains(procedure.ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", procedure.ErrorMessage(err), w)
				}
			}
		})
	}

	conclude := []struct {
		name string
		edit func(procedure.Inputs)
		want string
	}{
		{"no backup reference", func(in procedure.Inputs) { delete(in, "backup_ref") }, "copias de seguridad"},
		{"bad port", func(in procedure.Inputs) { in["monitored_ports"] = "443, 70000" }, "70000"},
		{"policies not applied", func(in procedure.Inputs) { in["security_policies"] = "false" }, "debe confirmar"},
		{"no report", func(in procedure.Inputs) { in["report"] = "  " }, "trabajo realizado"},
		{"PR02 without complexity", func(in procedure.Inputs) { delete(in, "complexity") }, "complejidad"},
		{"PR02 bad complexity", func(in procedure.Inputs) { in["complexity"] = "media" }, "complejidad"},
	}
	for _, tt := range conclude {
		t.Run(tt.name, func(t *testing.T) {
			c := caseBefore(t, e, manual.CodePR02, manual.EventConclude)
			in := proceduretest.Checklist("alta")
			tt.edit(in)
			_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventConclude, Actor: proceduretest.Profesional, Inputs: in})
			wantCode(t, err, procedure.EINVALID)
			if !strings.Contains(strings.ToLower(procedure.ErrorMessage(err)), tt.want) {
				t.Fatalf("message %q lacks %q", procedure.ErrorMessage(err), tt.want)
			}
		})
	}
}

func TestObservationLoopThreeRounds(t *testing.T) {
	e, _ := newEngine(t)
	c := proceduretest.RunPR01(t, e, "Sistema de Correspondencia", "pw", 3)
	h, err := e.History(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range h {
		got = append(got, string(en.Event))
	}
	want := "request forward instruct start observe complete observe complete observe complete conclude approve_report issue_memo acknowledge"
	if strings.Join(got, " ") != want {
		t.Fatalf("route\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if h[8].Data["observations"] == "" || !strings.Contains(h[9].Data["answer"], "Ronda 3") {
		t.Fatalf("observation round 3 not recorded: %+v %+v", h[8], h[9])
	}
}

func TestInterimRecorded(t *testing.T) {
	e, _ := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventForward)
	if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: proceduretest.JefeAI}); err != nil {
		t.Fatal(err)
	}
	h, _ := e.History(ctx, proceduretest.Jefe, c.ID)
	last := h[len(h)-1]
	if !last.Interim || last.ActorID != proceduretest.JefeAI.ID || last.Role != manual.RoleJefeUIT {
		t.Fatalf("entry %+v does not record the interim jefe", last)
	}
}

func TestOutboxAndWaiting(t *testing.T) {
	e, s := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventObserve)
	c, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventObserve, Actor: proceduretest.Profesional, Inputs: procedure.Inputs{"observations": "Falta el archivo .env"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.WaitingRole != manual.RoleSolicitante || c.WaitingUnit != proceduretest.UnitDesarrollo || c.Step != 5 {
		t.Fatalf("after observe the case waits for %s/%s at step %d", c.WaitingRole, c.WaitingUnit, c.Step)
	}
	items, _ := s.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectEmail})
	last := items[len(items)-1]
	if last.Topic != manual.TopicObservaciones || len(last.To) != 1 || last.To[0].Email != proceduretest.Solicitante.Email || len(last.Cc) != 3 {
		t.Fatalf("observation email %+v: want To the requester, Cc the jefes and the responsable", last)
	}
	inbox, _ := e.Inbox(ctx, proceduretest.Solicitante, 10, 0)
	if len(inbox) != 1 || inbox[0].ID != c.ID {
		t.Fatalf("requester's inbox = %v", inbox)
	}
	if other, _ := e.Inbox(ctx, proceduretest.Solicitante2, 10, 0); len(other) != 0 {
		t.Fatalf("another unit's inbox shows %d cases", len(other))
	}
	// PR02 with low complexity owes a Nota de conclusión, not an informe.
	c2 := caseBefore(t, e, manual.CodePR02, manual.EventConclude)
	c2, err = e.Fire(ctx, procedure.FireRequest{CaseID: c2.ID, Event: manual.EventConclude, Actor: proceduretest.Profesional, Inputs: proceduretest.Checklist("baja")})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := s.Outbox(ctx, procedure.OutboxQuery{CaseID: c2.ID, Kind: procedure.EffectDocument})
	topics := []string{}
	for _, d := range docs {
		topics = append(topics, d.Topic+"="+d.Number)
	}
	if strings.Join(topics, ",") != "nota-remision=UDS/NOTA/2026/0002,nota-conclusion=UIT/NC/2026/0001" {
		t.Fatalf("documents %v", topics)
	}
	c2, err = e.Fire(ctx, procedure.FireRequest{CaseID: c2.ID, Event: manual.EventApproveReport, Actor: proceduretest.Responsable})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ = s.Outbox(ctx, procedure.OutboxQuery{CaseID: c2.ID, Kind: procedure.EffectDocument})
	if last := docs[len(docs)-1]; last.Topic != manual.TopicNotaConclusion || last.Number != "UIT/NC/2026/0001" {
		t.Fatalf("step 7 re-render %+v: want the nota de conclusión with the same number", last)
	}
}

func TestAvailable(t *testing.T) {
	e, _ := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventForward)
	names := func(a procedure.Actor) string {
		evs, err := e.Available(ctx, a, c.ID)
		if procedure.ErrorCode(err) == procedure.ENOTFOUND {
			return "not found"
		}
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, ev := range evs {
			s = append(s, string(ev.Name))
		}
		return strings.Join(s, ",")
	}
	for _, tt := range []struct {
		a    procedure.Actor
		want string
	}{
		{proceduretest.Jefe, "forward,reject"},
		{proceduretest.Solicitante, "withdraw"},
		{proceduretest.Solicitante2, "not found"},
		{proceduretest.Responsable, ""},
		{proceduretest.Admin, ""},
		{proceduretest.Profesional, ""},
	} {
		if got := names(tt.a); got != tt.want {
			t.Errorf("%s may %q, want %q", tt.a.ID, got, tt.want)
		}
	}
}

func TestSecretsSealedRevealedPurged(t *testing.T) {
	var logs bytes.Buffer
	s := procedure.NewMemoryStore()
	sealer, _ := procedure.NewAESSealer(proceduretest.Key)
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()), procedure.WithSealer(sealer),
		procedure.WithClock(proceduretest.NewClock()), procedure.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	const canary = "CANARY-7d1f-credencial"
	c := proceduretest.RunPR01(t, e, "Sistema Canario", canary, 1)
	stored, _ := s.Case(ctx, c.ID)
	if bytes.Contains(stored.Secrets, []byte(canary)) || len(stored.Secrets) == 0 {
		t.Fatal("secrets are not sealed")
	}
	h, _ := s.History(ctx, c.ID)
	for _, en := range h {
		for k, v := range en.Data {
			if strings.Contains(v, canary) || k == "credentials" {
				t.Fatalf("secret in history entry %d", en.Seq)
			}
		}
	}
	for k, v := range stored.Data {
		if strings.Contains(v, canary) {
			t.Fatalf("secret in case data %q", k)
		}
	}
	if strings.Contains(logs.String(), canary) || !strings.Contains(logs.String(), "transition") {
		t.Fatal("logs hold the secret, or nothing was logged")
	}
	_, err = e.RevealSecrets(ctx, proceduretest.Profesional2, c.ID)
	wantCode(t, err, procedure.EFORBIDDEN)
	_, err = e.RevealSecrets(ctx, proceduretest.Jefe, c.ID)
	wantCode(t, err, procedure.EFORBIDDEN)
	m, err := e.RevealSecrets(ctx, proceduretest.Profesional, c.ID)
	if err != nil || m["credentials"] != canary || m["tokens"] != "tok-"+canary {
		t.Fatalf("reveal = %v, %v", m, err)
	}
	h, _ = s.History(ctx, c.ID)
	if last := h[len(h)-1]; last.Event != procedure.ActionRevealSecrets || last.ActorID != proceduretest.Profesional.ID {
		t.Fatalf("reveal not in history: %+v", last)
	}
	wantCode(t, e.PurgeSecrets(ctx, proceduretest.Solicitante, c.ID), procedure.EFORBIDDEN)
	if err := e.PurgeSecrets(ctx, proceduretest.Jefe, c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.RevealSecrets(ctx, proceduretest.Profesional, c.ID)
	wantCode(t, err, procedure.ENOTFOUND)
	if err := e.Verify(ctx, proceduretest.Jefe, c.ID); err != nil {
		t.Fatal(err)
	}
	// An open case's secrets cannot be purged; an engine with no key refuses secrets.
	e2, _ := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()))
	_, err = e2.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR01Request("S", canary)})
	wantCode(t, err, procedure.EINTERNAL)
}

func TestTamperingDetected(t *testing.T) {
	e, s := newEngine(t)
	c := proceduretest.RunPR01(t, e, "Sistema", "x", 1)
	h, _ := s.History(ctx, c.ID)
	if err := procedure.VerifyChain(h); err != nil {
		t.Fatal(err)
	}
	edits := []struct {
		name string
		edit func(h []procedure.Entry)
	}{
		{"actor changed", func(h []procedure.Entry) { h[3].ActorName = "Otra Persona" }},
		{"comment added", func(h []procedure.Entry) { h[5].Comment = "agregado después" }},
		{"data changed", func(h []procedure.Entry) { h[4].Data["observations"] = "otra cosa" }},
		{"entry removed", func(h []procedure.Entry) { copy(h[2:], h[3:]) }},
		{"interim flipped", func(h []procedure.Entry) { h[1].Interim = !h[1].Interim }},
		{"rehashed but unlinked", func(h []procedure.Entry) { h[2].Comment = "x"; h[2].Hash = h[2].ComputeHash() }},
	}
	for _, tt := range edits {
		t.Run(tt.name, func(t *testing.T) {
			cp := make([]procedure.Entry, len(h))
			for i, en := range h {
				cp[i] = en
				cp[i].Data = procedure.Inputs{}
				for k, v := range en.Data {
					cp[i].Data[k] = v
				}
			}
			tt.edit(cp)
			if err := procedure.VerifyChain(cp); err == nil {
				t.Fatal("tampering not detected")
			}
		})
	}
}

func TestCorrectedReportKeepsItsNumber(t *testing.T) {
	e, s := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventConclude)
	fire := func(a procedure.Actor, ev procedure.EventName, in procedure.Inputs) {
		t.Helper()
		var err error
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: ev, Actor: a, Inputs: in}); err != nil {
			t.Fatal(err)
		}
	}
	fire(proceduretest.Profesional, manual.EventConclude, proceduretest.Checklist(""))
	fire(proceduretest.Responsable, manual.EventReturnReport, procedure.Inputs{"reasons": "Falta el detalle de puertos."})
	fire(proceduretest.Profesional, manual.EventConclude, proceduretest.Checklist(""))
	docs, _ := s.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectDocument})
	var numbers []string
	for _, d := range docs {
		if d.Topic == manual.TopicInformeConclusion {
			numbers = append(numbers, d.Number)
		}
	}
	if len(numbers) != 2 || numbers[0] != "UIT/INF/2026/0001" || numbers[1] != numbers[0] {
		t.Fatalf("informe numbers %v: a corrected report is a new version of the same document", numbers)
	}
}

// TestCiteSeries: the UIT numbers its documents in its own series (the
// engine's cite prefix), and a requesting unit its request notes in the
// unit's series, not the UIT's.
func TestCiteSeries(t *testing.T) {
	s := procedure.NewMemoryStore()
	mk := func(opts ...procedure.Option) *procedure.Engine {
		sealer, _ := procedure.NewAESSealer(proceduretest.Key)
		e, err := procedure.NewEngine(s, append([]procedure.Option{procedure.WithDefinitions(manual.Definitions()...),
			procedure.WithDirectory(proceduretest.Directory()), procedure.WithSealer(sealer), procedure.WithClock(proceduretest.NewClock())}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	note := func(e *procedure.Engine, who procedure.Actor) string {
		in := proceduretest.PR02Request("S")
		in["unit"] = who.Unit
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: who, Inputs: in})
		if err != nil {
			t.Fatal(err)
		}
		return c.Cites[manual.TopicNotaRemision]
	}
	uit, dge := mk(), mk(procedure.WithCitePrefix("DGE"), procedure.WithUnitPrefixes(map[string]string{proceduretest.UnitGobierno: "GE"}))
	area := proceduretest.Solicitante2
	area.Unit = "Área de Planificación y Gestión"
	got := []string{note(uit, proceduretest.Solicitante), note(dge, proceduretest.Solicitante), note(uit, proceduretest.Solicitante2),
		note(dge, proceduretest.Solicitante2), note(uit, area)}
	if strings.Join(got, " ") != "UDS/NOTA/2026/0001 UDS/NOTA/2026/0002 UGE/NOTA/2026/0001 GE/NOTA/2026/0001 APG/NOTA/2026/0001" {
		t.Fatalf("request notes %v: each requesting unit numbers its own", got)
	}
	for _, e := range []*procedure.Engine{uit, dge, uit} {
		c := caseBefore(t, e, manual.CodePR01, manual.EventConclude)
		c, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventConclude, Actor: proceduretest.Profesional, Inputs: proceduretest.Checklist("")})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c.Cites[manual.TopicInformeConclusion])
	}
	if strings.Join(got[5:], " ") != "UIT/INF/2026/0001 DGE/INF/2026/0001 UIT/INF/2026/0002" {
		t.Fatalf("informes %v: each institution numbers its own", got[5:])
	}
}

// TestSenderIsWhoHandedItOn: the case's LastActor, which inboxes show as
// "Enviado por", is who handed the case on, not who took a step the same
// hands take next ("Iniciar el trabajo" leaves it with the profesional).
func TestSenderIsWhoHandedItOn(t *testing.T) {
	e, _ := newEngine(t)
	c := caseBefore(t, e, manual.CodePR01, manual.EventStart)
	if c.LastActor != proceduretest.Responsable.Name {
		t.Fatalf("instructed case sent by %q, want %q", c.LastActor, proceduretest.Responsable.Name)
	}
	for _, step := range []struct {
		ev   procedure.EventName
		in   procedure.Inputs
		by   procedure.Actor
		sent string
	}{
		{manual.EventStart, nil, proceduretest.Profesional, proceduretest.Responsable.Name},
		{manual.EventObserve, procedure.Inputs{"observations": "Falta el archivo .env"}, proceduretest.Profesional, proceduretest.Profesional.Name},
	} {
		var err error
		c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: step.ev, Actor: step.by, Inputs: step.in})
		if err != nil {
			t.Fatal(err)
		}
		if c.LastActor != step.sent {
			t.Fatalf("after %s the case reads as sent by %q, want %q", step.ev, c.LastActor, step.sent)
		}
		stored, err := e.Case(ctx, proceduretest.Jefe, c.ID)
		if err != nil || stored.LastActor != step.sent {
			t.Fatalf("stored: %q, %v", stored.LastActor, err)
		}
	}
}
