package procedure_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tramite/tramite/calendar"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func TestWeekdays(t *testing.T) {
	count := procedure.Weekdays(procedure.LaPaz)
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name     string
		from, to string
		want     int
	}{
		{"same day", "2026-11-23T09:00:00-04:00", "2026-11-23T18:00:00-04:00", 0},
		{"Monday to Tuesday", "2026-11-23T18:00:00-04:00", "2026-11-24T08:00:00-04:00", 1},
		{"Friday to Monday", "2026-11-27T17:00:00-04:00", "2026-11-30T08:00:00-04:00", 1},
		{"Saturday to Monday", "2026-11-28T10:00:00-04:00", "2026-11-30T08:00:00-04:00", 1},
		{"Friday to Sunday", "2026-11-27T10:00:00-04:00", "2026-11-29T10:00:00-04:00", 0},
		{"Monday to Friday", "2026-11-23T10:00:00-04:00", "2026-11-27T10:00:00-04:00", 4},
		{"two weeks", "2026-11-23T10:00:00-04:00", "2026-12-07T10:00:00-04:00", 10},
		{"across the year", "2026-12-31T10:00:00-04:00", "2027-01-04T10:00:00-04:00", 2},
		{"backwards", "2026-11-30T10:00:00-04:00", "2026-11-23T10:00:00-04:00", 0},
		// 02:00 UTC on the 24th is still the 23rd in La Paz.
		{"date in La Paz, not UTC", "2026-11-23T12:00:00Z", "2026-11-24T02:00:00Z", 0},
		{"a year", "2026-01-01T10:00:00-04:00", "2027-01-01T10:00:00-04:00", 261},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := count(at(tc.from), at(tc.to)); got != tc.want {
				t.Fatalf("%s to %s: %d working days, want %d", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

func TestAgeBucketOf(t *testing.T) {
	for _, tc := range []struct{ days, want int }{
		{0, 0}, {1, 0}, {2, 1}, {5, 1}, {6, 2}, {30, 2}, {31, 3}, {90, 3}, {91, 4}, {5000, 4},
	} {
		if got := procedure.AgeBucketOf(tc.days); got != tc.want {
			t.Errorf("%d days: bucket %d (%s), want %d", tc.days, got, procedure.AgeBuckets[got].Label, tc.want)
		}
	}
}

// setClock is a clock the test moves.
type setClock struct{ t time.Time }

func (c *setClock) Now() time.Time { return c.t }

// TestDashboardFigures takes two PR02 cases through known steps at known
// times and checks every figure of the dashboard.
func TestDashboardFigures(t *testing.T) {
	ctx := context.Background()
	clock := &setClock{t: time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)} // Monday 09:00 in La Paz
	e, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(manual.Definitions()...),
		procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Uno")})
	if err != nil {
		t.Fatal(err)
	}
	p := proceduretest.Profesional
	for _, s := range []struct {
		after time.Duration
		by    procedure.Actor
		ev    procedure.EventName
		in    procedure.Inputs
	}{
		{1 * time.Hour, proceduretest.Jefe, manual.EventForward, nil},
		{2 * time.Hour, proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": p.ID}},
		{1 * time.Hour, p, manual.EventStart, nil},
		{3 * time.Hour, p, manual.EventObserve, procedure.Inputs{"observations": "falta el manual"}},
		{5 * time.Hour, proceduretest.Solicitante, manual.EventComplete, procedure.Inputs{"answer": "adjunto"}},
		{4 * time.Hour, p, manual.EventObserve, procedure.Inputs{"observations": "falta la versión"}},
		{6 * time.Hour, proceduretest.Solicitante, manual.EventComplete, procedure.Inputs{"answer": "2.1"}},
		{2 * time.Hour, p, manual.EventConclude, proceduretest.Checklist("alta")},
	} {
		clock.t = clock.t.Add(s.after)
		if a, err = e.Fire(ctx, procedure.FireRequest{CaseID: a.ID, Event: s.ev, Actor: s.by, Inputs: s.in}); err != nil {
			t.Fatalf("%s: %v", s.ev, err)
		}
	}
	clock.t = time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC) // a Friday
	if _, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante2,
		Inputs: procedure.Inputs{"system": "Dos", "description": "d", "unit": manual.UnitGobierno}}); err != nil {
		t.Fatal(err)
	}
	clock.t = time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC) // the Monday after: 10 and 1 working days
	got, err := e.Dashboard(ctx, proceduretest.Responsable, procedure.DashboardQuery{})
	if err != nil {
		t.Fatal(err)
	}
	h := time.Hour
	want := procedure.Dashboard{At: clock.t, Cases: 2, Open: 2,
		States: []procedure.StateAges{
			{Procedure: manual.CodePR02, State: manual.StateRequested, Label: manual.PR02().StateLabel(manual.StateRequested), Ages: [5]int{1, 0, 0, 0, 0}, Total: 1},
			{Procedure: manual.CodePR02, State: manual.StateReportSubmitted, Label: manual.PR02().StateLabel(manual.StateReportSubmitted), Ages: [5]int{0, 0, 1, 0, 0}, Total: 1},
		},
		Steps: []procedure.StepTime{
			{Procedure: manual.CodePR02, Step: 2, Activity: stepActivity(t, 2), Cases: 1, Working: 1 * h},
			{Procedure: manual.CodePR02, Step: 3, Activity: stepActivity(t, 3), Cases: 1, Working: 2 * h},
			{Procedure: manual.CodePR02, Step: 4, Activity: stepActivity(t, 4), Cases: 1, Working: (1 + 3 + 4 + 2) * h, Waiting: (5 + 6) * h},
		},
		Rounds:       []procedure.RoundCount{{Rounds: 0, Cases: 1}, {Rounds: 2, Cases: 1}},
		Observations: procedure.Observations{Rounds: 2, Answered: 2, Turnaround: 11 * h},
		Load:         []procedure.Load{{ActorID: p.ID, Name: p.Name, Open: 1}},
		Deadlines:    []procedure.StepDeadlines{}, // the manual's procedures set none
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("dashboard\n%s\nwant\n%s", g, w)
	}
	if m := got.Observations.MeanTurnaround(); m != 5*h+30*time.Minute {
		t.Errorf("mean turnaround %v", m)
	}
	// The filters: by unit and by the dates the cases started.
	for _, tc := range []struct {
		q     procedure.DashboardQuery
		cases int
	}{
		{procedure.DashboardQuery{Unit: manual.UnitGobierno}, 1},
		{procedure.DashboardQuery{From: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, 1},
		{procedure.DashboardQuery{To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, 1},
		{procedure.DashboardQuery{Procedure: manual.CodePR01}, 0},
	} {
		d, err := e.Dashboard(ctx, proceduretest.Jefe, tc.q)
		if err != nil || d.Cases != tc.cases {
			t.Errorf("%+v: %d cases, %v; want %d", tc.q, d.Cases, err, tc.cases)
		}
	}
}

func stepActivity(t *testing.T, n int) string {
	s, ok := manual.PR02().Step(n)
	if !ok {
		t.Fatalf("PR02 has no step %d", n)
	}
	return s.Activity
}

// TestDashboardAccess: the dashboard is the Jefe's and the Responsable's
// in the manual's procedures, and whoever a loaded definition names.
func TestDashboardAccess(t *testing.T) {
	ctx := context.Background()
	e, _ := newEngine(t)
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		a    procedure.Actor
		q    procedure.DashboardQuery
		want procedure.Code
	}{
		{"jefe", proceduretest.Jefe, procedure.DashboardQuery{}, ""},
		{"jefe a.i.", proceduretest.JefeAI, procedure.DashboardQuery{Procedure: manual.CodePR01}, ""},
		{"responsable", proceduretest.Responsable, procedure.DashboardQuery{Unit: manual.UnitGobierno}, ""},
		{"profesional", proceduretest.Profesional, procedure.DashboardQuery{}, procedure.EFORBIDDEN},
		{"solicitante", proceduretest.Solicitante, procedure.DashboardQuery{}, procedure.EFORBIDDEN},
		{"nobody", procedure.Actor{ID: "x"}, procedure.DashboardQuery{}, procedure.EFORBIDDEN},
		{"unknown procedure", proceduretest.Jefe, procedure.DashboardQuery{Procedure: "PR99"}, procedure.ENOTFOUND},
		{"From after To", proceduretest.Jefe, procedure.DashboardQuery{From: from, To: from.Add(-time.Hour)}, procedure.EINVALID},
		{"From equal To", proceduretest.Jefe, procedure.DashboardQuery{From: from, To: from}, procedure.EINVALID},
		{"unit with a control character", proceduretest.Jefe, procedure.DashboardQuery{Unit: "Unidad\x00"}, procedure.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Dashboard(ctx, tc.a, tc.q)
			if procedure.ErrorCode(err) != tc.want && !(tc.want == "" && err == nil) {
				t.Fatalf("dashboard: %v, want code %q", err, tc.want)
			}
			scanErr := e.ScanCases(ctx, tc.a, tc.q, func(procedure.CaseFigures, []procedure.Entry) error { return nil })
			if procedure.ErrorCode(scanErr) != procedure.ErrorCode(err) {
				t.Fatalf("scan cases: %v, dashboard: %v", scanErr, err)
			}
			if e.CanSeeDashboard(tc.a) != (tc.a.ID == "carla" || tc.a.ID == "diego" || tc.a.ID == "elena") {
				t.Fatalf("CanSeeDashboard(%s) = %v", tc.a.ID, e.CanSeeDashboard(tc.a))
			}
		})
	}

	// A loaded definition declares its own readers of the dashboard.
	d := manual.PR02()
	d.Code, d.Prefix, d.Version = "PRX", "PRX", "1"
	d.Visibility.Dashboard = []procedure.RoleID{manual.RoleProfesionalSS}
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := procedure.LoadDefinition(data)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(loaded))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e2.Dashboard(ctx, proceduretest.Profesional, procedure.DashboardQuery{}); err != nil {
		t.Errorf("the profesional the definition names: %v", err)
	}
	if _, err := e2.Dashboard(ctx, proceduretest.Jefe, procedure.DashboardQuery{}); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Errorf("the jefe, whom it does not name: %v", err)
	}
	d.Visibility.Dashboard = []procedure.RoleID{"auditor"}
	if err := d.Validate(); procedure.ErrorCode(err) != procedure.EINVALID {
		t.Errorf("a dashboard role the definition lacks: %v", err)
	}
}

// TestCalendarDays: counted on a calendar, the working days are the
// weekdays when the calendar has no holidays, on either side of the year
// it counts from; on the La Paz calendar Carnaval is no working day.
func TestCalendarDays(t *testing.T) {
	weekday := func(t time.Time) bool { return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday }
	onCal, plain := procedure.CalendarDays(weekday, procedure.LaPaz), procedure.Weekdays(procedure.LaPaz)
	start := time.Date(1999, 12, 1, 10, 0, 0, 0, procedure.LaPaz)
	for i := 0; i < 400; i += 7 {
		for j := i; j < 500; j += 13 {
			from, to := start.AddDate(0, 0, i), start.AddDate(0, 0, j)
			if a, b := onCal(from, to), plain(from, to); a != b {
				t.Fatalf("%s to %s: %d on the calendar, %d weekdays", from, to, a, b)
			}
		}
	}
	lp := calendar.MustNew(calendar.Settings{Department: "La Paz"})
	count := procedure.CalendarDays(lp.IsWorkday, lp.Location())
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2026-02-13 10:00", "2026-02-18 10:00", 1}, // Carnaval, Monday and Tuesday
		{"2026-07-15 10:00", "2026-07-17 10:00", 1}, // 16 de julio in La Paz
		{"2026-12-24 10:00", "2026-12-28 10:00", 1}, // Navidad
		{"2026-11-23 10:00", "2026-11-30 10:00", 5},
	} {
		if got := count(proceduretest.LaPaz(t, tc.from), proceduretest.LaPaz(t, tc.to)); got != tc.want {
			t.Errorf("%s to %s: %d working days, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestDashboardDeadlines: with the example deadlines on the La Paz
// calendar, the tablero counts the open cases waiting for a step with a
// deadline and those past it.
func TestDashboardDeadlines(t *testing.T) {
	ctx := context.Background()
	clock := &setClock{t: proceduretest.LaPaz(t, "2026-11-02 09:00")}
	e := proceduretest.DeadlineEngine(t, procedure.NewMemoryStore(), clock)
	instructed := func(system string) {
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request(system)})
		if err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(time.Hour)
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: proceduretest.Jefe}); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(time.Hour)
		if _, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventInstruct, Actor: proceduretest.Responsable,
			Inputs: procedure.Inputs{"profesional": proceduretest.Profesional.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	instructed("Atrasado") // 2 November: step 4's ten working days run out in mid-November
	clock.t = proceduretest.LaPaz(t, "2026-11-30 09:00")
	instructed("A tiempo") // 30 November
	clock.t = proceduretest.LaPaz(t, "2026-12-01 12:00")
	d, err := e.Dashboard(ctx, proceduretest.Jefe, procedure.DashboardQuery{})
	if err != nil {
		t.Fatal(err)
	}
	step4, _ := manual.PR02().Step(4)
	want := []procedure.StepDeadlines{{Procedure: manual.CodePR02, Step: 4, Activity: step4.Activity, Deadline: "10 días hábiles", Open: 2, Overdue: 1}}
	if !reflect.DeepEqual(d.Deadlines, want) {
		t.Fatalf("deadlines %+v, want %+v", d.Deadlines, want)
	}
}
