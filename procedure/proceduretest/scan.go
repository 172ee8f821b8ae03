package proceduretest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// testScan checks Store.Scan against Cases and History: the same cases in
// the order they started, with their lean history, for every filter.
func testScan(t *testing.T, s procedure.Store) {
	ctx := context.Background()
	e := NewEngine(t, s)
	closed := RunPR01(t, e, "Sistema Cerrado", "s3cr3t", 2)
	var open []procedure.Case
	for i := range 4 {
		open = append(open, InProgress(t, e, manual.CodePR02, fmt.Sprintf("Sistema %d", i)))
	}
	other, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: Solicitante2,
		Inputs: procedure.Inputs{"system": "Portal", "description": "d", "unit": UnitGobierno, "credentials": "x"}})
	must(t, err)
	all, err := s.Cases(ctx, procedure.CaseQuery{})
	must(t, err)
	slices.SortFunc(all, func(x, y procedure.Case) int {
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
			return c
		}
		return cmpString(x.ID, y.ID)
	})
	if len(all) != 6 || all[0].ID != closed.ID || all[5].ID != other.ID {
		t.Fatalf("cases %v", all)
	}
	scan := func(q procedure.ScanQuery) []string {
		t.Helper()
		var ids []string
		must(t, s.Scan(ctx, q, func(c procedure.Case, h []procedure.Entry) error {
			ids = append(ids, c.ID)
			stored, err := s.Case(ctx, c.ID)
			must(t, err)
			if want := procedure.ScanCase(stored); !reflect.DeepEqual(c, want) {
				t.Fatalf("scan %+v: case\\n%+v, want\\n%+v", q, c, want)
			}
			if !procedure.MatchScan(c, q) {
				t.Fatalf("scan %+v returned %s, which it does not select", q, c.ID)
			}
			var want []procedure.Entry
			if q.History {
				full, err := s.History(ctx, c.ID)
				must(t, err)
				for _, en := range full {
					want = append(want, procedure.LeanEntry(en))
				}
			}
			if len(h) != len(want) || (len(want) > 0 && !reflect.DeepEqual(h, want)) {
				t.Fatalf("scan %+v: history of %s\\n%+v, want\\n%+v", q, c.ID, h, want)
			}
			return nil
		}))
		return ids
	}
	ids := func(cs ...procedure.Case) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    procedure.ScanQuery
		want []string
	}{
		{"all with history", procedure.ScanQuery{History: true}, ids(all...)},
		{"all without history", procedure.ScanQuery{}, ids(all...)},
		{"procedures", procedure.ScanQuery{Procedures: []string{manual.CodePR01}, History: true}, []string{closed.ID, other.ID}},
		{"two procedures", procedure.ScanQuery{Procedures: []string{manual.CodePR02, manual.CodePR01}}, ids(all...)},
		{"unknown procedure", procedure.ScanQuery{Procedures: []string{"PR99"}}, nil},
		{"unit", procedure.ScanQuery{Unit: UnitGobierno, History: true}, []string{other.ID}},
		{"open", procedure.ScanQuery{Open: true, History: true}, ids(all[1:]...)},
		{"from", procedure.ScanQuery{From: open[1].CreatedAt, History: true}, ids(all[2:]...)},
		{"to", procedure.ScanQuery{To: open[1].CreatedAt}, ids(all[:2]...)},
		{"from and to", procedure.ScanQuery{From: open[0].CreatedAt, To: open[3].CreatedAt, History: true}, ids(open[:3]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := scan(tc.q); !slices.Equal(got, tc.want) {
				t.Fatalf("scan %+v: %v, want %v", tc.q, got, tc.want)
			}
		})
	}
	t.Run("a case without history", func(t *testing.T) {
		bare := testCase("SIN-HISTORIA", other.CreatedAt.Add(time.Hour))
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(bare) }))
		var got []string
		must(t, s.Scan(ctx, procedure.ScanQuery{From: bare.CreatedAt, History: true}, func(c procedure.Case, h []procedure.Entry) error {
			got = append(got, fmt.Sprintf("%s:%d", c.ID, len(h)))
			return nil
		}))
		if !slices.Equal(got, []string{"SIN-HISTORIA:0"}) {
			t.Fatalf("scan of a case without history: %v", got)
		}
	})
	t.Run("stops at fn's error", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := s.Scan(ctx, procedure.ScanQuery{History: true}, func(procedure.Case, []procedure.Entry) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Fatalf("scan after an error: %v, %d calls", err, n)
		}
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
