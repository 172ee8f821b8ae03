package procedure_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/calendar"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func show(v time.Time) string {
	if v.IsZero() {
		return "-"
	}
	return v.In(calendar.LaPaz).Format("2006-01-02 15:04 Mon")
}

// step is one event fired at a La Paz time.
type step struct {
	at string
	a  procedure.Actor
	ev procedure.EventName
	in procedure.Inputs
}

var (
	forward  = func(at string) step { return step{at, proceduretest.Jefe, manual.EventForward, nil} }
	instruct = func(at string) step {
		return step{at, proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": proceduretest.Profesional.ID}}
	}
	begin   = func(at string) step { return step{at, proceduretest.Profesional, manual.EventStart, nil} }
	observe = func(at string) step {
		return step{at, proceduretest.Profesional, manual.EventObserve, procedure.Inputs{"observations": "Falta la URL del repositorio."}}
	}
	complete = func(at string) step {
		return step{at, proceduretest.Solicitante, manual.EventComplete, procedure.Inputs{"answer": "gitlab.agetic.gob.bo/sis/app"}}
	}
	conclude = func(at string) step {
		return step{at, proceduretest.Profesional, manual.EventConclude, proceduretest.Checklist("")}
	}
)

// TestStepDue: the due date of the step a PR01 case waits for, with the
// example deadlines (manual.ExampleDeadlines) on the La Paz calendar, after
// the steps given, read at a time.
func TestStepDue(t *testing.T) {
	tests := []struct {
		name    string
		request string
		steps   []step
		now     string
		step    int
		due     string
		paused  bool
		overdue bool
	}{
		{name: "step 2, four hours over Carnaval", request: "2026-02-13 15:00", now: "2026-02-13 15:30",
			step: 2, due: "2026-02-18 11:00"},
		{name: "step 2 overdue", request: "2026-02-13 15:00", now: "2026-02-18 11:01",
			step: 2, due: "2026-02-18 11:00", overdue: true},
		{name: "step 3, one day over Viernes Santo", request: "2026-04-01 09:00", steps: []step{forward("2026-04-02 10:00")},
			now: "2026-04-02 10:00", step: 3, due: "2026-04-06 16:30"},
		{name: "step 3, one day over Corpus Christi", request: "2026-06-01 09:00",
			steps: []step{forward("2026-06-03 11:00")}, now: "2026-06-03 11:00",
			step: 3, due: "2026-06-05 16:30"},
		{name: "step 4 received on a Sunday holiday (21 de junio 2026, observed Monday)", request: "2026-06-18 09:00",
			steps: []step{forward("2026-06-18 10:00"), instruct("2026-06-21 11:00")}, now: "2026-06-22 12:00",
			step: 4, due: "2026-07-07 16:30"},
		{name: "step 4, ten days across the year end", request: "2026-12-21 09:00",
			steps: []step{forward("2026-12-21 10:00"), instruct("2026-12-21 11:00"), begin("2026-12-22 09:00")}, now: "2026-12-22 09:00",
			step: 4, due: "2027-01-06 16:30"},
		{name: "step 4 paused over Viernes Santo and the weekend", request: "2026-03-31 09:00",
			steps: []step{forward("2026-03-31 10:00"), instruct("2026-03-31 11:00"), begin("2026-04-01 09:00"),
				observe("2026-04-02 14:30")}, now: "2026-04-06 12:00",
			step: 4, due: "2026-04-16 16:30", paused: true},
		{name: "step 4 resumed after a pause over Viernes Santo and the weekend", request: "2026-03-31 09:00",
			steps: []step{forward("2026-03-31 10:00"), instruct("2026-03-31 11:00"), begin("2026-04-01 09:00"),
				observe("2026-04-02 14:30"), complete("2026-04-07 10:30")}, now: "2026-04-07 10:30",
			step: 4, due: "2026-04-17 16:30"},
		{name: "a pause out of working hours does not move the deadline", request: "2026-03-31 09:00",
			steps: []step{forward("2026-03-31 10:00"), instruct("2026-03-31 11:00"), begin("2026-04-01 09:00"),
				observe("2026-04-01 18:00"), complete("2026-04-02 07:45")}, now: "2026-04-02 08:00",
			step: 4, due: "2026-04-15 16:30"},
		{name: "two pauses add up", request: "2026-03-31 09:00",
			steps: []step{forward("2026-03-31 10:00"), instruct("2026-03-31 11:00"), begin("2026-04-01 09:00"),
				observe("2026-04-02 14:30"), complete("2026-04-07 10:30"), observe("2026-04-08 08:30"), complete("2026-04-09 08:30")},
			now: "2026-04-09 09:00", step: 4, due: "2026-04-20 16:30"},
		{name: "a pause begun after the deadline does not save it", request: "2026-02-13 09:00",
			steps: []step{forward("2026-02-13 10:00"), instruct("2026-02-13 11:00"), begin("2026-02-13 12:00"),
				observe("2026-03-04 09:00")}, now: "2026-03-04 10:00",
			step: 4, due: "2026-03-03 16:30", paused: true, overdue: true},
		{name: "step 7, a new stay after the report", request: "2026-03-31 09:00",
			steps: []step{forward("2026-03-31 10:00"), instruct("2026-03-31 11:00"), begin("2026-04-01 09:00"),
				conclude("2026-04-02 16:00")}, now: "2026-04-02 16:00", step: 7, due: "2026-04-07 16:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, tt.request))
			e := proceduretest.DeadlineEngine(t, procedure.NewMemoryStore(), clk)
			c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
				Inputs: proceduretest.PR01Request("Sistema de Correspondencia", "s3cr3t")})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.steps {
				clk.Set(proceduretest.LaPaz(t, s.at))
				if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
					t.Fatalf("%s: %v", s.ev, err)
				}
			}
			clk.Set(proceduretest.LaPaz(t, tt.now))
			got, err := e.Case(ctx, proceduretest.Jefe, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			k := got.Clock
			if k == nil {
				t.Fatalf("case in state %s (step %d) has no clock", got.State, got.Step)
			}
			if k.Step != tt.step || show(k.Due) != show(proceduretest.LaPaz(t, tt.due)) || k.Paused != tt.paused || k.Overdue != tt.overdue {
				t.Errorf("clock: step %d due %s paused %v overdue %v; want step %d due %s paused %v overdue %v",
					k.Step, show(k.Due), k.Paused, k.Overdue, tt.step, show(proceduretest.LaPaz(t, tt.due)), tt.paused, tt.overdue)
			}
		})
	}
}

// TestClocksWorkedAndWaited: the stays of a case in its steps split the
// working time into worked and waited on the requester.
func TestClocksWorkedAndWaited(t *testing.T) {
	clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, "2026-03-31 09:00"))
	e := proceduretest.DeadlineEngine(t, procedure.NewMemoryStore(), clk)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR01Request("Sistema de Correspondencia", "s3cr3t")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []step{forward("2026-03-31 10:00"), instruct("2026-03-31 11:00"), begin("2026-04-01 09:00"),
		observe("2026-04-02 14:30"), complete("2026-04-07 10:30"), conclude("2026-04-08 10:30")} {
		clk.Set(proceduretest.LaPaz(t, s.at))
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(proceduretest.LaPaz(t, "2026-04-08 11:30"))
	clocks, err := e.Clocks(ctx, proceduretest.Responsable, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		step           int
		worked, waited time.Duration
		rounds         int
		open, overdue  bool
	}
	// Step 4 (the work of steps 4 to 6) worked 11:00 to 16:30 on 31 March,
	// all of 1 April, 08:30 to 14:30 on 2 April, 10:30 to 16:30 on 7 April
	// and 08:30 to 10:30 on 8 April, and waited 12 hours on the requester
	// (see TestStepDue).
	want := []row{
		{2, time.Hour, 0, 0, false, false},
		{3, time.Hour, 0, 0, false, false},
		{4, 27*time.Hour + 30*time.Minute, 12 * time.Hour, 1, false, false},
		{7, time.Hour, 0, 0, true, false},
	}
	if len(clocks) != len(want) {
		t.Fatalf("%d stays, want %d: %+v", len(clocks), len(want), clocks)
	}
	for i, w := range want {
		k := clocks[i]
		if k.Step != w.step || k.Worked != w.worked || k.Waited != w.waited || k.Rounds != w.rounds || k.Open() != w.open || k.Overdue != w.overdue {
			t.Errorf("stay %d: step %d worked %v waited %v rounds %d open %v overdue %v; want %+v",
				i, k.Step, k.Worked, k.Waited, k.Rounds, k.Open(), k.Overdue, w)
		}
	}
}

func TestDeadlineSettingsRefused(t *testing.T) {
	tests := []struct {
		name, json string
		want       []string
	}{
		{"not JSON", `{`, []string{"el documento JSON de los plazos no es válido"}},
		{"unknown field", `[{"procedure":"UIT/ASS-PR01","version":"2","plazo":1}]`, []string{"no es válido"}},
		{"unknown procedure", `[{"procedure":"UIT/ASS-PR09","version":"2"}]`, []string{`procedimiento desconocido "UIT/ASS-PR09"`}},
		{"same version", `[{"procedure":"UIT/ASS-PR01","version":"1"}]`, []string{"deben dar una versión nueva"}},
		{"every problem at once", `[{"procedure":"UIT/ASS-PR01","version":"2","deadlines":{"steps":[
			{"step":12,"workdays":1},{"step":2,"workdays":1,"work_hours":4},{"step":3},{"step":3,"workdays":-1},{"step":4,"workdays":900}],
			"pauses":["esperando","closed"],"notify":"director","reminder":"recordatorio","notice":"recordatorio"}}]`,
			[]string{"plazos: el paso 12 no existe", "el plazo del paso 2 debe darse en días hábiles (workdays) o en horas hábiles (work_hours)",
				"el paso 3 tiene dos plazos", "el plazo del paso 3 no puede ser negativo", "el plazo del paso 4 excede 250 días hábiles",
				`la pausa nombra un estado desconocido "esperando"`, `la pausa nombra el estado final "closed"`,
				`se avisa del vencimiento a un rol desconocido "director"`, `el correo reminder nombra un correo no declarado "recordatorio"`,
				"el recordatorio y el aviso deben ser correos distintos"}},
		{"steps no case waits for with the clock running", `[{"procedure":"UIT/ASS-PR01","version":"2","deadlines":{"steps":[
			{"step":5,"workdays":3},{"step":6,"workdays":3}],"pauses":["observed"],"notify":"jefe_uit","reminder":"aviso","notice":"observaciones"}}]`,
			[]string{"ningún trámite espera el paso 5 con el reloj en marcha", "ningún trámite espera el paso 6 con el reloj en marcha"}},
		{"no steps and nobody to notify", `[{"procedure":"UIT/ASS-PR02","version":"2","deadlines":{"steps":[]}}]`,
			[]string{"no hay plazos para ningún paso", "falta el rol al que se avisa", "falta el correo reminder", "falta el correo notice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := procedure.ApplyDeadlines([]byte(tt.json), manual.Definitions())
			wantCode(t, err, procedure.EINVALID)
			for _, w := range tt.want {
				if !strings.Contains(procedure.ErrorMessage(err), w) {
					t.Errorf("error %q does not say %q", procedure.ErrorMessage(err), w)
				}
			}
		})
	}
}

func TestDeadlinesNeedACalendar(t *testing.T) {
	_, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(proceduretest.DeadlineDefinitions(t)...))
	wantCode(t, err, procedure.EINVALID)
	if !strings.Contains(procedure.ErrorMessage(err), "necesita un calendario") {
		t.Errorf("error %q does not ask for a calendar", err)
	}
}

// TestManualHasNoDeadlines: the manual sets no deadline, and its
// definitions keep the version they had before deadlines existed.
func TestManualHasNoDeadlines(t *testing.T) {
	for _, d := range manual.Definitions() {
		if d.Deadlines != nil {
			t.Errorf("%s has deadlines", d.Code)
		}
	}
	defs := proceduretest.DeadlineDefinitions(t)
	for _, d := range defs[len(defs)-2:] {
		if d.Deadlines == nil || d.Version != "1+plazos-1" || d.Deadline(4).Workdays != 10 || !d.Deadline(5).IsZero() {
			t.Errorf("%s %s: deadlines %+v", d.Code, d.Version, d.Deadlines)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := procedure.LoadDefinition(b); err != nil || got.Hash() != d.Hash() {
			t.Errorf("%s with deadlines does not load back from its JSON: %v", d.Code, err)
		}
	}
}

// TestEscalationHistoryAndInbox: a late step is escalated once, the
// history says so, and the inbox shows the case overdue.
func TestEscalationHistoryAndInbox(t *testing.T) {
	clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, "2026-11-30 09:00"))
	s := procedure.NewMemoryStore()
	e := proceduretest.DeadlineEngine(t, s, clk)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Portal")})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(proceduretest.LaPaz(t, "2026-11-30 09:05"))
	if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: proceduretest.Jefe}); err != nil {
		t.Fatal(err)
	}
	clk.Set(proceduretest.LaPaz(t, "2026-12-01 16:30"))
	if n, err := e.Escalate(ctx); err != nil || n != 0 {
		t.Fatalf("Escalate at the deadline = %d, %v; want 0", n, err)
	}
	clk.Set(proceduretest.LaPaz(t, "2026-12-01 16:31"))
	if n, err := e.Escalate(ctx); err != nil || n != 1 {
		t.Fatalf("Escalate = %d, %v; want 1", n, err)
	}
	if n, err := e.Escalate(ctx); err != nil || n != 0 {
		t.Fatalf("second Escalate = %d, %v; want 0", n, err)
	}
	inbox, err := e.Inbox(ctx, proceduretest.Responsable, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 1 || inbox[0].Clock == nil || !inbox[0].Clock.Overdue || inbox[0].Clock.Escalated == 0 {
		t.Fatalf("inbox of the Responsable = %+v, want the case overdue and escalated", inbox)
	}
	h, err := e.History(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := h[len(h)-1]
	want := "Venció el plazo del paso 3 (1 día hábil, extensión de la agencia, no del manual), que vencía el 01/12/2026 16:30. Recordatorio y aviso a Elena Vargas, Carla Rojas y Diego Flores."
	if last.Event != procedure.ActionDeadline || last.Comment != want || last.ActorName != procedure.DeadlineActorName {
		t.Errorf("last entry %s by %s: %q; want %s: %q", last.Event, last.ActorName, last.Comment, procedure.ActionDeadline, want)
	}
	items, err := e.Emails(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		var to []string
		for _, a := range it.To {
			to = append(to, a.Email)
		}
		if it.Seq == last.Seq {
			got = append(got, it.Topic+" → "+strings.Join(to, ", "))
		}
	}
	if len(got) != 2 || got[0] != "recordatorio-plazo → elena@agetic.gob.bo" || got[1] != "aviso-plazo → carla@agetic.gob.bo, diego@agetic.gob.bo" {
		t.Errorf("emails queued: %q", got)
	}
	due, err := e.DueCases(ctx, proceduretest.Responsable, procedure.CaseQuery{})
	if err != nil || len(due) != 1 || !due[0].Clock.Overdue {
		t.Errorf("DueCases = %+v, %v", due, err)
	}
	// The requester sees the case, and its clock, but not other units'.
	if due, err := e.DueCases(ctx, proceduretest.Solicitante2, procedure.CaseQuery{}); err != nil || len(due) != 0 {
		t.Errorf("DueCases of another unit = %+v, %v", due, err)
	}
}

// TestEscalationCallsTheHooks: an escalation is a committed entry like
// any other: the after-commit hooks receive it with the emails it queued.
func TestEscalationCallsTheHooks(t *testing.T) {
	clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, "2026-11-30 09:00"))
	var got []procedure.Transition
	e, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(proceduretest.DeadlineDefinitions(t)...),
		procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(clk),
		procedure.WithCalendar(calendar.MustNew(calendar.Settings{Department: "La Paz"})),
		procedure.WithAfterCommit(func(_ context.Context, tr procedure.Transition) { got = append(got, tr) }))
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Portal")})
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(proceduretest.LaPaz(t, "2026-11-30 13:01"))
	if n, err := e.Escalate(ctx); err != nil || n != 1 {
		t.Fatalf("Escalate = %d, %v", n, err)
	}
	if len(got) != 2 {
		t.Fatalf("the hooks received %d transitions, want the start and the escalation", len(got))
	}
	last := got[1]
	if last.Case.ID != c.ID || last.Entry.Event != procedure.ActionDeadline || last.Case.Version != c.Version+1 ||
		len(last.Outbox) != 1 || last.Outbox[0].Topic != "recordatorio-plazo" {
		t.Errorf("the escalation's transition: case %s v%d, entry %s, outbox %+v", last.Case.ID, last.Case.Version, last.Entry.Event, last.Outbox)
	}
}

// TestListedClocksFollowTheCase: a listing keeps what a case's history
// tells by version, but the clock it shows follows the time and every
// change to the case.
func TestListedClocksFollowTheCase(t *testing.T) {
	clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, "2026-11-30 09:00"))
	e := proceduretest.DeadlineEngine(t, procedure.NewMemoryStore(), clk)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Portal")})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() procedure.StepClock {
		t.Helper()
		cs, err := e.Cases(ctx, proceduretest.Jefe, procedure.CaseQuery{Summary: true})
		if err != nil || len(cs) != 1 || cs[0].Clock == nil {
			t.Fatalf("Cases = %+v, %v", cs, err)
		}
		return *cs[0].Clock
	}
	if k := clock(); k.Step != 2 || k.Overdue || k.Worked != 0 {
		t.Errorf("at the start: %+v", k)
	}
	clk.Set(proceduretest.LaPaz(t, "2026-11-30 13:30"))
	if k := clock(); k.Step != 2 || !k.Overdue || k.Worked != 4*time.Hour+30*time.Minute {
		t.Errorf("past the deadline: %+v", k)
	}
	if _, err := e.Escalate(ctx); err != nil {
		t.Fatal(err)
	}
	if k := clock(); k.Escalated == 0 {
		t.Errorf("after the escalation: %+v", k)
	}
	if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: proceduretest.Jefe}); err != nil {
		t.Fatal(err)
	}
	if k := clock(); k.Step != 3 || k.Overdue || k.Escalated != 0 || show(k.Due) != show(proceduretest.LaPaz(t, "2026-12-01 16:30")) {
		t.Errorf("after step 2: %+v", k)
	}
}
