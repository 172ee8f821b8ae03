package sqlitetest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
	"github.com/tramite/tramite/storage/sqlite/sqlitetest"
)

// TestFillFile fills a store's file and reads the cases back through the
// engine: listings, inboxes, a request's history (its hash chain holds)
// and the outbox items it left.
func TestFillFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tramite.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 1000
	seed := sqlitetest.Seed{N: n, Procedure: manual.CodePR02, Units: []string{manual.UnitDesarrollo, manual.UnitGobierno},
		Profesionales: []string{"fabio", "gina"}, Requests: true}
	if err := sqlitetest.FillFile(ctx, path, seed); err != nil {
		t.Fatal(err)
	}
	e := proceduretest.NewEngine(t, s)
	people := map[string]procedure.Actor{}
	for _, a := range manual.DemoPeople() {
		people[a.ID] = a
	}
	for _, tc := range []struct {
		name string
		a    procedure.Actor
		q    procedure.CaseQuery
		want int
	}{
		{"every case", people["carla"], procedure.CaseQuery{}, n},
		{"PR02", people["carla"], procedure.CaseQuery{Procedure: manual.CodePR02}, n},
		{"PR01", people["carla"], procedure.CaseQuery{Procedure: manual.CodePR01}, 0},
		{"open", people["carla"], procedure.CaseQuery{Open: true}, n / 5},
		{"closed", people["carla"], procedure.CaseQuery{State: manual.StateClosed}, n * 4 / 5},
		// every fifth case is open, one in eight of those in each open
		// state; fabio has about half the cases (three in turn)
		{"fabio's inbox", people["fabio"], procedure.CaseQuery{Inbox: ptr(people["fabio"])}, 24},
		{"the jefe's inbox", people["carla"], procedure.CaseQuery{Inbox: ptr(people["carla"])}, 50},
		{"a unit", people["ana"], procedure.CaseQuery{}, 520},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.CountCases(ctx, tc.a, tc.q)
			if err != nil || got != tc.want {
				t.Fatalf("CountCases = %d, %v; want %d", got, err, tc.want)
			}
			tc.q.Limit = 7
			page, err := e.Cases(ctx, tc.a, tc.q)
			if err != nil || len(page) != min(7, tc.want) {
				t.Fatalf("Cases = %d cases, %v", len(page), err)
			}
		})
	}
	carla := people["carla"]
	newest, err := e.Cases(ctx, carla, procedure.CaseQuery{Limit: 1})
	if err != nil || len(newest) != 1 || newest[0].ID != "PR02-2020-0000999" {
		t.Fatalf("newest = %v, %v", newest, err)
	}
	if err := e.Verify(ctx, carla, newest[0].ID); err != nil {
		t.Fatalf("the request's history does not verify: %v", err)
	}
	h, err := e.History(ctx, carla, newest[0].ID)
	if err != nil || len(h) != 1 || h[0].Event != manual.EventRequest {
		t.Fatalf("history = %v, %v", h, err)
	}
	for _, tc := range []struct {
		q    procedure.OutboxQuery
		want int
	}{
		{procedure.OutboxQuery{}, 2 * n},
		{procedure.OutboxQuery{Kind: procedure.EffectEmail}, n},
		{procedure.OutboxQuery{Kind: procedure.EffectEmail, Status: procedure.OutboxFailed}, n / 50},
		{procedure.OutboxQuery{CaseID: newest[0].ID}, 2},
	} {
		if got, err := e.CountOutbox(ctx, carla, tc.q); err != nil || got != tc.want {
			t.Errorf("CountOutbox(%+v) = %d, %v; want %d", tc.q, got, err, tc.want)
		}
	}
	if err := sqlitetest.FillFile(ctx, path, seed); err == nil {
		t.Error("filling the same cases twice was accepted")
	}
	if n, err := e.CountCases(ctx, carla, procedure.CaseQuery{}); err != nil || n != 1000 {
		t.Errorf("after a failed fill: %d cases, %v; want the 1000 before it", n, err)
	}
	if err := sqlitetest.FillFile(ctx, path, sqlitetest.Seed{N: -1}); err == nil {
		t.Error("a negative count was accepted")
	}
}

func ptr[T any](v T) *T { return &v }
