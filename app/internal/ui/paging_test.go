package ui_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
)

// countingStore counts the list queries that reach the store.
type countingStore struct {
	procedure.Store
	cases, counts atomic.Int64
	rows          atomic.Int64
}

func (s *countingStore) Cases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error) {
	s.cases.Add(1)
	cs, err := s.Store.Cases(ctx, q)
	s.rows.Add(int64(len(cs)))
	return cs, err
}

func (s *countingStore) CountCases(ctx context.Context, q procedure.CaseQuery) (int, error) {
	s.counts.Add(1)
	return s.Store.CountCases(ctx, q)
}

// seedRequested inserts n cases of PR01 waiting for the Jefe de la UIT,
// straight through the store's transaction.
func seedRequested(t testing.TB, s procedure.Store, n int) {
	t.Helper()
	at := time.Date(2026, 1, 2, 13, 0, 0, 0, time.UTC)
	err := s.Update(context.Background(), func(tx procedure.Tx) error {
		for i := range n {
			c := procedure.Case{ID: fmt.Sprintf("PR01-2026-%06d", i+1), Procedure: procedure.CodePR01, State: procedure.StateRequested,
				Version: 1, System: fmt.Sprintf("Sistema %d", i+1), Unit: "Unidad de Desarrollo de Software", RequesterID: "ana",
				Step: 2, WaitingRole: procedure.RoleJefeUIT, CreatedAt: at, UpdatedAt: at.Add(time.Duration(i) * time.Second), LastActor: "Ana Quispe"}
			if err := tx.CreateCase(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestInboxOf100000CasesFetchesOnePage checks that the lists are
// virtualised: opening them with 100,000 cases in the store reads a page
// or two, not every row.
func TestInboxOf100000CasesFetchesOnePage(t *testing.T) {
	const n = 100_000
	// The in-memory store: SQLite compiled with -race takes minutes to
	// insert 100,000 rows, and this test is about the client's reads.
	cs := &countingStore{Store: procedure.NewMemoryStore()}
	seedRequested(t, cs.Store, n)
	e := newEnv(t, cs, procedure.NewDirectory())
	a := test.NewTempApp(t)
	u := ui.New(a, e.svc, ui.Options{})
	defer u.Close()
	signIn(t, u, "carla")
	in := u.Main.Inbox.Cases
	if in.Count != n {
		t.Fatalf("inbox counts %d cases, want %d", in.Count, n)
	}
	// Bandeja and Trámites each count once and read the page on screen.
	if got := cs.rows.Load(); got > 4*ui.PageSize {
		t.Fatalf("opening the lists read %d rows (%d queries), want at most %d", got, cs.cases.Load(), 4*ui.PageSize)
	}
	before := cs.cases.Load()
	in.Table.ScrollTo(widget.TableCellID{Row: n / 2, Col: 0})
	c, ok := in.Case(n / 2)
	if !ok || c.ID == "" {
		t.Fatal("row 50000 is empty")
	}
	if got := cs.cases.Load() - before; got > 3 {
		t.Fatalf("scrolling to the middle ran %d page queries", got)
	}
	if got := cs.rows.Load(); got > 8*ui.PageSize {
		t.Fatalf("read %d rows in all", got)
	}
}
