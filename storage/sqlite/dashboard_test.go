package sqlite_test

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

// dashboardNow is the fixed clock of the dashboard tests.
var dashboardNow = time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)

// TestDashboardMatchesSQL computes the dashboard of 10,000 generated cases
// with the engine (streaming Store.Scan) and each of its figures again with
// SQL written here from the manual's states, under several filters.
func TestDashboardMatchesSQL(t *testing.T) {
	ctx := context.Background()
	s, path := mustOpen(t, sqlite.WithSynchronous("NORMAL")) // a generated database need not survive a power cut
	if err := proceduretest.Generate(ctx, s, 10000, 15, dashboardNow); err != nil {
		t.Fatal(err)
	}
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...),
		procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(procedure.ClockFunc(func() time.Time { return dashboardNow })))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []procedure.DashboardQuery{
		{},
		{Procedure: manual.CodePR02},
		{Unit: manual.UnitGobierno},
		{From: dashboardNow.AddDate(0, 0, -200), To: dashboardNow.AddDate(0, 0, -30)},
		{Procedure: manual.CodePR01, Unit: manual.UnitDesarrollo, From: dashboardNow.AddDate(0, 0, -90)},
	} {
		t.Run(describe(q), func(t *testing.T) {
			got, err := e.Dashboard(ctx, proceduretest.Jefe, q)
			if err != nil {
				t.Fatal(err)
			}
			want := sqlDashboard(t, db, q)
			if got.Cases == 0 || got.Open == 0 || len(got.Steps) == 0 || got.Observations.Answered == 0 {
				t.Fatalf("the generated cases give an empty dashboard: %+v", got)
			}
			if got.Cases != want.Cases || got.Open != want.Open {
				t.Errorf("cases %d, open %d; SQL: %d, %d", got.Cases, got.Open, want.Cases, want.Open)
			}
			for i := range got.States {
				got.States[i].Label = ""
			}
			for i := range got.Steps {
				got.Steps[i].Activity = ""
			}
			for i := range got.Load {
				got.Load[i].Name = ""
			}
			for _, f := range []struct {
				name      string
				got, want any
			}{
				{"states", got.States, want.States},
				{"steps", got.Steps, want.Steps},
				{"rounds", got.Rounds, want.Rounds},
				{"observations", got.Observations, want.Observations},
				{"load", got.Load, want.Load},
			} {
				if !reflect.DeepEqual(f.got, f.want) {
					t.Errorf("%s:\n%+v\nSQL:\n%+v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func describe(q procedure.DashboardQuery) string {
	var p []string
	if q.Procedure != "" {
		p = append(p, q.Procedure)
	}
	if q.Unit != "" {
		p = append(p, q.Unit)
	}
	if !q.From.IsZero() {
		p = append(p, "desde "+q.From.Format(time.DateOnly))
	}
	if !q.To.IsZero() {
		p = append(p, "hasta "+q.To.Format(time.DateOnly))
	}
	if len(p) == 0 {
		return "todo"
	}
	return strings.Join(p, ", ")
}

// sqlDashboard computes the figures of q with SQL alone: weekdays counted
// on a calendar table, intervals with LEAD, the step of each state as the
// manual's table gives it, an observation's step from the state it
// interrupted.
func sqlDashboard(t *testing.T, db *sql.DB, q procedure.DashboardQuery) procedure.Dashboard {
	t.Helper()
	filter := "1 = 1"
	var args []any
	if q.Procedure != "" {
		filter += " AND c.procedure = ?"
		args = append(args, q.Procedure)
	}
	if q.Unit != "" {
		filter += " AND c.unit = ?"
		args = append(args, q.Unit)
	}
	if !q.From.IsZero() {
		filter += " AND c.created_at >= ?"
		args = append(args, q.From.UnixNano())
	}
	if !q.To.IsZero() {
		filter += " AND c.created_at < ?"
		args = append(args, q.To.UnixNano())
	}
	rows := func(query string, extra ...any) *sql.Rows {
		t.Helper()
		r, err := db.Query(query, append(extra, args...)...)
		if err != nil {
			t.Fatalf("%v\n%s", err, query)
		}
		return r
	}
	each := func(r *sql.Rows, dest ...any) func() bool {
		return func() bool {
			if !r.Next() {
				if err := r.Err(); err != nil {
					t.Fatal(err)
				}
				r.Close()
				return false
			}
			if err := r.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			return true
		}
	}
	var d procedure.Dashboard
	r := rows(`SELECT count(*), coalesce(sum(c.step > 0), 0) FROM cases c WHERE ` + filter)
	each(r, &d.Cases, &d.Open)()
	r.Close()

	// Open cases by state and age in weekdays (La Paz is UTC-4 all year).
	const localDate = `date(%s / 1000000000 - 14400, 'unixepoch')`
	today := dashboardNow.Unix() - 4*3600
	var proc, state string
	var bucket, n int
	// cum numbers the weekdays of a calendar from 500 days back: a case's
	// age is today's number less the number of the day it started.
	next := each(rows(`WITH RECURSIVE days(d) AS (
			SELECT date(?, 'unixepoch') UNION ALL SELECT date(d, '+1 day') FROM days WHERE d < date(?, 'unixepoch')),
		cum AS MATERIALIZED (SELECT d, sum(strftime('%w', d) NOT IN ('0', '6')) OVER (ORDER BY d) AS n FROM days),
		open AS (SELECT c.procedure, c.state, `+strings.Replace(localDate, "%s", "c.created_at", 1)+` AS d0
			FROM cases c WHERE c.step > 0 AND `+filter+`),
		aged AS (SELECT open.procedure, open.state, (SELECT max(n) FROM cum) - cum.n AS age FROM open JOIN cum ON cum.d = open.d0)
		SELECT procedure, state, CASE WHEN age <= 1 THEN 0 WHEN age <= 5 THEN 1 WHEN age <= 30 THEN 2 WHEN age <= 90 THEN 3 ELSE 4 END,
			count(*) FROM aged GROUP BY 1, 2, 3`, today-500*86400, today), &proc, &state, &bucket, &n)
	byState := map[[2]string]*procedure.StateAges{}
	for next() {
		k := [2]string{proc, state}
		if byState[k] == nil {
			byState[k] = &procedure.StateAges{Procedure: proc, State: procedure.State(state)}
		}
		byState[k].Ages[bucket] += n
		byState[k].Total += n
	}
	d.States = []procedure.StateAges{}
	order := []string{"requested", "forwarded", "instructed", "in_progress", "observed", "report_submitted", "report_approved", "memo_issued"}
	for _, p := range []string{manual.CodePR01, manual.CodePR02} {
		for _, s := range order {
			if sa := byState[[2]string{p, s}]; sa != nil {
				d.States = append(d.States, *sa)
			}
		}
	}

	// Time per step: each interval between two entries goes to the step
	// its state waits for; an observed interval is waiting time of the
	// step the observation interrupted.
	var st procedure.StepTime
	var working, waiting int64
	next = each(rows(`WITH steps(state, step) AS (VALUES ('requested', 2), ('forwarded', 3), ('instructed', 4),
			('in_progress', 4), ('report_submitted', 7), ('report_approved', 8), ('memo_issued', 9)),
		iv AS (SELECT c.procedure, h.case_id, h.to_state,
				lead(h.at) OVER (PARTITION BY h.case_id ORDER BY h.seq) - h.at AS dur,
				CASE WHEN h.to_state = 'observed' THEN (SELECT p.from_state FROM history p WHERE p.case_id = h.case_id
					AND p.seq <= h.seq AND p.to_state = 'observed' AND p.from_state <> 'observed' ORDER BY p.seq DESC LIMIT 1)
				ELSE h.to_state END AS work_state
			FROM history h JOIN cases c ON c.id = h.case_id WHERE `+filter+`)
		SELECT iv.procedure, steps.step, count(DISTINCT iv.case_id),
			sum(CASE WHEN iv.to_state <> 'observed' THEN dur ELSE 0 END), sum(CASE WHEN iv.to_state = 'observed' THEN dur ELSE 0 END)
		FROM iv JOIN steps ON steps.state = iv.work_state WHERE dur IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`),
		&st.Procedure, &st.Step, &st.Cases, &working, &waiting)
	d.Steps = []procedure.StepTime{}
	for next() {
		st.Working, st.Waiting = time.Duration(working), time.Duration(waiting)
		d.Steps = append(d.Steps, st)
	}

	// Observation rounds per case, and the answered rounds' turnaround.
	var rc procedure.RoundCount
	next = each(rows(`SELECT r, count(*) FROM (SELECT (SELECT count(*) FROM history h WHERE h.case_id = c.id
			AND h.to_state = 'observed' AND h.from_state <> 'observed') AS r FROM cases c WHERE `+filter+`) GROUP BY r ORDER BY r`),
		&rc.Rounds, &rc.Cases)
	d.Rounds = []procedure.RoundCount{}
	for next() {
		d.Rounds = append(d.Rounds, rc)
		d.Observations.Rounds += rc.Rounds * rc.Cases
	}
	var turnaround int64
	r = rows(`SELECT count(*), coalesce(sum(a.at - (SELECT o.at FROM history o WHERE o.case_id = a.case_id AND o.seq < a.seq
			AND o.to_state = 'observed' AND o.from_state <> 'observed' ORDER BY o.seq DESC LIMIT 1)), 0)
		FROM history a JOIN cases c ON c.id = a.case_id
		WHERE a.from_state = 'observed' AND a.to_state NOT IN ('observed', 'closed', 'rejected', 'withdrawn') AND ` + filter)
	each(r, &d.Observations.Answered, &turnaround)()
	r.Close()
	d.Observations.Turnaround = time.Duration(turnaround)

	// Load: open cases by assignee, most first, then by ID (the names are
	// compared apart).
	var l procedure.Load
	next = each(rows(`SELECT c.assignee, count(*) FROM cases c WHERE c.step > 0 AND c.assignee <> '' AND `+filter+`
		GROUP BY c.assignee ORDER BY count(*) DESC, c.assignee`), &l.ActorID, &l.Open)
	d.Load = []procedure.Load{}
	for next() {
		d.Load = append(d.Load, l)
	}
	return d
}
