package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
)

// awkward are strings that need JSON escapes, or look like JSON, or are
// not UTF-8.
var awkward = []string{"", "Sistema Ñandú", `dijo "sí"`, `C:\ruta\`, `\u0041`, "uno\ndos\ttres\r\b\f", "\x00\x01\x1f\x7f",
	`["x",1]`, `",`, "emoji 😀 y \u2028", "\xff\xfe no UTF-8 \xc3", `\`, `"`, "'", "]"}

// TestCaseRowRoundTrip writes cases whose every text field is awkward and
// reads them back whole and as summaries, by ID and in listings, unchanged.
// (Data is JSON written by encoding/json, which replaces bytes that are not
// UTF-8.)
func TestCaseRowRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "tramite.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 26, 13, 0, 0, 123456789, time.UTC)
	var want []procedure.Case
	for i, v := range awkward {
		c := procedure.Case{ID: "C-" + v + string(rune('a'+i)), Procedure: v, State: procedure.State(v), Version: 1, System: v,
			Description: v + v, Unit: v, RequesterID: v, Assignee: v, Step: i - 3, WaitingRole: procedure.RoleID(v),
			WaitingActor: v, WaitingUnit: v, Data: procedure.Inputs{"v": strings.ToValidUTF8(v, "?")}, Secrets: []byte(v),
			CreatedAt: at.Add(-time.Duration(i) * 24 * time.Hour), UpdatedAt: at.Add(time.Duration(i) * time.Second), LastActor: v}
		if i == 0 {
			c.CreatedAt, c.Secrets = time.Time{}, nil
		}
		if err := s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(c) }); err != nil {
			t.Fatal(err)
		}
		want = append([]procedure.Case{c}, want...) // newest first
	}
	for _, c := range want {
		got, err := s.Case(ctx, c.ID)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Fatalf("Case(%q) = %+v, %v; want %+v", c.ID, got, err, c)
		}
	}
	for _, summary := range []bool{false, true} {
		got, err := s.Cases(ctx, procedure.CaseQuery{Summary: summary})
		if err != nil || len(got) != len(want) {
			t.Fatalf("Cases(summary %v): %d cases, %v; want %d", summary, len(got), err, len(want))
		}
		for i, c := range want {
			if summary {
				c.Data, c.Secrets = nil, nil
			}
			if !reflect.DeepEqual(got[i], c) {
				t.Fatalf("Cases(summary %v)[%d] = %+v; want %+v", summary, i, got[i], c)
			}
		}
	}
}

// FuzzCaseRow has SQLite write the array of caseRow for fuzzed values and
// checks decodeCaseRow reads them back.
func FuzzCaseRow(f *testing.F) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	// caseRow over one row of parameters named as the columns.
	cols := []string{"id", "procedure", "state", "version", "system", "description", "unit", "requester_id",
		"assignee", "step", "waiting_role", "waiting_actor", "waiting_unit", "created_at", "updated_at", "last_actor", "requester_name"}
	params := make([]string, len(cols))
	for i, c := range cols {
		params[i] = "? AS " + c
	}
	stmt, err := db.Prepare("SELECT " + caseRow + " FROM (SELECT " + strings.Join(params, ", ") + ")")
	if err != nil {
		f.Fatal(err)
	}
	defer stmt.Close()
	for i, s := range awkward {
		f.Add(s, awkward[len(awkward)-1-i], int64(i-1)*1e15)
	}
	f.Add(`\ud800`, "\xed\xa0\x80", int64(-1))
	f.Fuzz(func(t *testing.T, a, b string, n int64) {
		want := procedure.Case{ID: a, Procedure: b, State: procedure.State(a + b), Version: n, System: b + a,
			Description: a, Unit: b, RequesterID: a, Assignee: b, Step: int(n % 1000), WaitingRole: procedure.RoleID(a),
			WaitingActor: b, WaitingUnit: a, CreatedAt: fromNanos(n), UpdatedAt: fromNanos(-n), LastActor: b, RequesterName: a + "·" + b}
		var row string
		if err := stmt.QueryRow(want.ID, want.Procedure, string(want.State), want.Version, want.System, want.Description,
			want.Unit, want.RequesterID, want.Assignee, want.Step, string(want.WaitingRole), want.WaitingActor,
			want.WaitingUnit, nanos(want.CreatedAt), nanos(want.UpdatedAt), want.LastActor, want.RequesterName).Scan(&row); err != nil {
			t.Fatal(err)
		}
		var got procedure.Case
		if err := decodeCaseRow(row, &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeCaseRow(%q) = %+v, %v; want %+v", row, got, err, want)
		}
	})
}

// TestCaseRowMalformed feeds decodeCaseRow rows SQLite does not write.
func TestCaseRowMalformed(t *testing.T) {
	good := `["a","b","c",1,"d","e","f","g","h",2,"i","j","k",3,4,"l","m"]`
	var c procedure.Case
	if err := decodeCaseRow(good, &c); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"", "[", good[:len(good)-1], good + " ", strings.Replace(good, `,1,`, `,"1",`, 1),
		strings.Replace(good, `"d"`, `"\x"`, 1), strings.Replace(good, `"d"`, `"\u12"`, 1), strings.Replace(good, `"d"`, `"d\"`, 1),
		strings.Replace(good, `,2,`, `,2.5,`, 1), strings.Replace(good, `,"m"]`, `]`, 1), strings.Replace(good, `,"m"]`, `,"m","n"]`, 1),
		strings.Replace(good, `"a",`, `"a" ,`, 1), `{"id":"a"}`} {
		if err := decodeCaseRow(row, &c); err == nil {
			t.Errorf("decodeCaseRow(%q) = nil error", row)
		}
	}
}
