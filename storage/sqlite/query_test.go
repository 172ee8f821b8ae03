package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
	"github.com/tramite/tramite/storage/sqlite/sqlitetest"
)

// TestQueriesAreIndexBacked reads SQLite's plan of every listing: none
// scans the cases table, and each page of a single filter, or of an inbox,
// is read in order off its index, without sorting.
func TestQueriesAreIndexBacked(t *testing.T) {
	s, _ := mustOpen(t)
	db := sqlite.RawDB(s)
	pr := proceduretest.Profesional
	for _, tc := range []struct {
		name    string
		q       procedure.CaseQuery
		noSort  bool
		mustUse string
	}{
		{"inbox jefe", procedure.CaseQuery{Inbox: &proceduretest.Jefe, Limit: 50}, true, "cases_inbox"},
		{"inbox solicitante, page 3", procedure.CaseQuery{Inbox: &proceduretest.Solicitante, Limit: 50, Offset: 100}, true, "cases_inbox"},
		{"inbox profesional, open", procedure.CaseQuery{Inbox: &pr, Open: true, Limit: 50}, true, "cases_inbox"},
		{"inbox profesional, text", procedure.CaseQuery{Inbox: &pr, Text: "Núñez", Limit: 50}, false, "cases_fts"},
		{"by state", procedure.CaseQuery{State: manual.StateForwarded, Limit: 50, Offset: 50}, true, "cases_state"},
		{"by procedure", procedure.CaseQuery{Procedure: manual.CodePR01, Limit: 50}, true, "cases_procedure"},
		{"by unit", procedure.CaseQuery{Unit: proceduretest.UnitDesarrollo, Limit: 50}, true, "cases_unit"},
		{"open", procedure.CaseQuery{Open: true, Limit: 50}, true, "cases_open"},
		{"all", procedure.CaseQuery{Limit: 50}, true, "cases_recent"},
		{"text", procedure.CaseQuery{Text: "Núñez", Limit: 50}, false, "cases_fts"},
	} {
		query, args := sqlite.CaseQuerySQL(tc.q)
		plan := queryPlan(t, db, query, args)
		all := strings.Join(plan, "\n")
		for _, line := range plan {
			if line == "SCAN cases" {
				t.Errorf("%s scans the whole table:\n%s", tc.name, all)
			}
		}
		if !strings.Contains(all, tc.mustUse) {
			t.Errorf("%s does not use %s:\n%s", tc.name, tc.mustUse, all)
		}
		if tc.noSort && strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s sorts instead of reading the index in order:\n%s", tc.name, all)
		}
	}
}

// TestInboxPageReadsOnlyItsRows reads the plan of an inbox page: the ranges
// of cases_inbox of the actor's combinations of role, actor and unit are
// merged in listing order, reading index entries only (a covering index:
// n, updated_at and id are in it), and the cases table is then read by
// rowid for the page's rows alone. Sorting the ranges, or reading whole
// rows before the page is cut, made the page cost far more than its rows.
func TestInboxPageReadsOnlyItsRows(t *testing.T) {
	s, _ := mustOpen(t)
	db := sqlite.RawDB(s)
	for _, q := range []procedure.CaseQuery{
		{Inbox: &proceduretest.Jefe, Limit: 50, Summary: true},
		{Inbox: &proceduretest.Jefe, Limit: 50, Offset: 950, Summary: true},
	} {
		query, args := sqlite.CaseQuerySQL(q)
		plan := queryPlan(t, db, query, args)
		all := strings.Join(plan, "\n")
		var merges, ranges, rows int
		for _, line := range plan {
			switch {
			case line == "MERGE (UNION ALL)":
				merges++
			case strings.HasPrefix(line, "SEARCH cases USING COVERING INDEX cases_inbox "):
				ranges++
			case line == "SEARCH cases USING INTEGER PRIMARY KEY (rowid=?)":
				rows++
			case strings.Contains(line, "TEMP B-TREE"), strings.HasPrefix(line, "SCAN cases"):
				t.Errorf("offset %d: %q in the plan:\n%s", q.Offset, line, all)
			}
		}
		// The jefe holds one role and has an ID and a unit: four ranges,
		// merged two by two.
		if ranges != 4 || merges != 3 || rows != 1 {
			t.Errorf("offset %d: %d ranges of cases_inbox, %d merges, %d reads by rowid; want 4, 3, 1:\n%s",
				q.Offset, ranges, merges, rows, all)
		}
	}
}

// TestOutboxQueriesAreIndexBacked reads SQLite's plan of the Salida de
// correo's listings: each filter, oldest or newest first, is read in order
// off its index, without scanning the table or sorting.
func TestOutboxQueriesAreIndexBacked(t *testing.T) {
	s, _ := mustOpen(t)
	db := sqlite.RawDB(s)
	for _, tc := range []struct {
		name    string
		q       procedure.OutboxQuery
		mustUse string
	}{
		{"all", procedure.OutboxQuery{Limit: 50}, "outbox_recent"},
		{"all, newest first, page 3", procedure.OutboxQuery{Newest: true, Limit: 50, Offset: 100}, "outbox_recent"},
		{"status", procedure.OutboxQuery{Status: procedure.OutboxFailed, Newest: true, Limit: 50}, "outbox_status"},
		{"kind", procedure.OutboxQuery{Kind: procedure.EffectEmail, Newest: true, Limit: 50}, "outbox_kind"},
		{"kind and status", procedure.OutboxQuery{Kind: procedure.EffectEmail, Status: procedure.OutboxPending, Newest: true, Limit: 50}, "outbox_kind_status"},
		{"case", procedure.OutboxQuery{CaseID: "PR01-2026-000001", Kind: procedure.EffectEmail}, "outbox_case"},
	} {
		query, args := sqlite.OutboxQuerySQL(tc.q)
		plan := queryPlan(t, db, query, args)
		all := strings.Join(plan, "\n")
		if strings.Contains(all, "SCAN outbox\n") || strings.HasSuffix(all, "SCAN outbox") || strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s scans the table or sorts:\n%s", tc.name, all)
		}
		if !strings.Contains(all, tc.mustUse+" ") && !strings.HasSuffix(all, tc.mustUse) {
			t.Errorf("%s does not use %s:\n%s", tc.name, tc.mustUse, all)
		}
	}
}

// TestQueriesMatchMatchCase compares every listing with procedure.MatchCase
// over cases in every state, page by page.
func TestQueriesMatchMatchCase(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpen(t)
	e := proceduretest.NewEngine(t, s)
	for i := 0; i < 3; i++ {
		proceduretest.RunPR01(t, e, fmt.Sprintf("Sistema Ñandú %d", i), "s", i%2)
	}
	for i := 0; i < 12; i++ {
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
			Inputs: proceduretest.PR02Request(fmt.Sprintf("Portal ÉXITO %d", i))})
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			a  procedure.Actor
			ev procedure.EventName
			in procedure.Inputs
		}{
			{proceduretest.Jefe, manual.EventForward, nil},
			{proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": []string{"fabio", "gina"}[i%2]}},
		}
		for _, st := range steps[:i%3] {
			if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: st.ev, Actor: st.a, Inputs: st.in}); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := s.Cases(ctx, procedure.CaseQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 15 {
		t.Fatalf("%d cases, want 15", len(all))
	}
	var queries []procedure.CaseQuery
	for _, a := range proceduretest.Actors() {
		queries = append(queries, procedure.CaseQuery{Inbox: &a}, procedure.CaseQuery{Inbox: &a, Open: true, Procedure: manual.CodePR02})
	}
	queries = append(queries,
		procedure.CaseQuery{Text: "éxito"}, procedure.CaseQuery{Text: "ÑANDÚ 1"}, procedure.CaseQuery{Text: "o"},
		procedure.CaseQuery{Text: "nandu"}, procedure.CaseQuery{Open: true}, procedure.CaseQuery{State: manual.StateClosed},
		procedure.CaseQuery{Procedure: manual.CodePR01, Unit: proceduretest.UnitDesarrollo})
	for _, q := range queries {
		var want []string
		for _, c := range all { // all is in listing order
			if procedure.MatchCase(c, q) {
				want = append(want, c.ID)
			}
		}
		n, err := s.CountCases(ctx, q)
		if err != nil || n != len(want) {
			t.Fatalf("CountCases(%+v) = %d, %v; want %d", q, n, err, len(want))
		}
		for _, limit := range []int{0, 1, 4} {
			var got []string
			for off := 0; ; off += limit {
				q.Limit, q.Offset = limit, off
				page, err := s.Cases(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					got = append(got, c.ID)
				}
				if limit == 0 || len(page) < limit {
					break
				}
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("Cases(%+v) by pages of %d:\n got %v\nwant %v", q, limit, got, want)
			}
		}
		q.Limit, q.Offset, q.Summary = 0, 0, true
		sum, err := s.Cases(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range sum {
			got = append(got, c.ID)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("Cases(%+v):\n got %v\nwant %v", q, got, want)
		}
	}
}

// queryPlan returns the detail lines of SQLite's EXPLAIN QUERY PLAN.
func queryPlan(t *testing.T, db *sql.DB, query string, args []any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestInboxKeepsItsIndexWithStatistics reads the plans of a requester's
// inbox as the engine asks for it — narrowed to the requester's unit — with
// the statistics PRAGMA optimize left when a client closed its database of
// 100,000 cases in two units (sampled, with no sqlite_stat4): its page and
// its count read the ranges of cases_inbox, not every case of the unit off
// cases_unit, as SQLite chose there (250 ms a count).
func TestInboxKeepsItsIndexWithStatistics(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tramite.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	units := []string{proceduretest.UnitDesarrollo, proceduretest.UnitGobierno}
	if err := sqlitetest.Fill(ctx, sqlite.RawDB(s), sqlitetest.Seed{N: 1000, Units: units}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw := func() *sql.DB {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		return db
	}
	db := raw()
	for _, q := range []string{
		"ANALYZE", // makes the tables
		"DELETE FROM sqlite_stat4",
		"DELETE FROM sqlite_stat1 WHERE tbl = 'cases'",
		`INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('cases', 'cases_unit', '100000 2001 1 1'),
			('cases', 'cases_procedure', '100000 2001 1 1'), ('cases', 'cases_state', '100000 2001 1 1'),
			('cases', 'cases_open', '20000 1 1'), ('cases', 'cases_recent', '100000 1 1'),
			('cases', 'cases_inbox', '100000 2001 2001 2001 1 1'), ('cases', 'cases_change', '100000 1'),
			('cases', 'sqlite_autoindex_cases_1', '100000 1')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db = raw() // loads the statistics with the schema
	defer db.Close()
	sol := proceduretest.Solicitante
	for _, tc := range []struct {
		name string
		q    procedure.CaseQuery
		sql  func(procedure.CaseQuery) (string, []any)
	}{
		{"page", procedure.CaseQuery{Inbox: &sol, Unit: sol.Unit, Limit: 50, Summary: true}, sqlite.CaseQuerySQL},
		{"count", procedure.CaseQuery{Inbox: &sol, Unit: sol.Unit}, sqlite.CountQuerySQL},
		{"count, open", procedure.CaseQuery{Inbox: &sol, Unit: sol.Unit, Open: true}, sqlite.CountQuerySQL},
	} {
		query, args := tc.sql(tc.q)
		plan := queryPlan(t, db, query, args)
		all := strings.Join(plan, "\n")
		if strings.Contains(all, "cases_unit") || !strings.Contains(all, "cases_inbox") {
			t.Errorf("%s: a requester's inbox does not read cases_inbox:\n%s", tc.name, all)
		}
	}
}
