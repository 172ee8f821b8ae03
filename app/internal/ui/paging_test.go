package ui_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// countingStore counts the list queries that reach the store.
type countingStore struct {
	procedure.Store
	cases, counts atomic.Int64
	rows          atomic.Int64
	outbox        atomic.Int64 // outbox items listed
}

func (s *countingStore) Outbox(ctx context.Context, q procedure.OutboxQuery) ([]procedure.OutboxItem, error) {
	items, err := s.Store.Outbox(ctx, q)
	s.outbox.Add(int64(len(items)))
	return items, err
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
			c := procedure.Case{ID: fmt.Sprintf("PR01-2026-%06d", i+1), Procedure: manual.CodePR01, State: manual.StateRequested,
				Version: 1, System: fmt.Sprintf("Sistema %d", i+1), Unit: "Unidad de Desarrollo de Software", RequesterID: "ana",
				Step: 2, WaitingRole: manual.RoleJefeUIT, CreatedAt: at, UpdatedAt: at.Add(time.Duration(i) * time.Second), LastActor: "Ana Quispe"}
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

// seedOutbox queues n outbox items of one case, a minute apart: every
// fourth a document, every third failed, the rest pending emails. It
// returns them oldest first.
func seedOutbox(t testing.TB, s procedure.Store, n int) []procedure.OutboxItem {
	t.Helper()
	at := time.Date(2026, 1, 2, 13, 0, 0, 0, time.UTC)
	c := procedure.Case{ID: "PR01-2026-000001", Procedure: manual.CodePR01, State: manual.StateRequested, Version: 1,
		System: "Sistema", Unit: "Unidad de Desarrollo de Software", RequesterID: "ana", Step: 2, WaitingRole: manual.RoleJefeUIT,
		CreatedAt: at, UpdatedAt: at, LastActor: "Ana Quispe"}
	var items []procedure.OutboxItem
	for i := range n {
		created := at.Add(time.Duration(i) * time.Minute)
		it := procedure.OutboxItem{ID: fmt.Sprintf("%s/%04d/email/aviso", c.ID, i), CaseID: c.ID, Seq: i + 1, Kind: procedure.EffectEmail,
			Topic: "aviso", To: []procedure.Address{{Name: "Carla", Email: fmt.Sprintf("carla%d@x.bo", i)}},
			Status: procedure.OutboxPending, NextAttempt: created, CreatedAt: created, UpdatedAt: created}
		if i%4 == 0 {
			it.Kind, it.ID, it.To = procedure.EffectDocument, fmt.Sprintf("%s/%04d/document/nota", c.ID, i), nil
		}
		if i%3 == 0 {
			it.Status, it.Attempts, it.LastError = procedure.OutboxFailed, 5, "550 mailbox unavailable"
		}
		items = append(items, it)
	}
	err := s.Update(context.Background(), func(tx procedure.Tx) error {
		if err := tx.CreateCase(c); err != nil {
			return err
		}
		return tx.Enqueue(items...)
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// TestOutboxPagesNewestFirst checks the Salida de correo over more than
// one page of items: it counts them all, shows the newest first, reads only
// the pages on screen, and filters, selects and retries as before.
func TestOutboxPagesNewestFirst(t *testing.T) {
	const n = 3*ui.PageSize + 7
	cs := &countingStore{Store: procedure.NewMemoryStore()}
	items := seedOutbox(t, cs.Store, n)
	newest := func(match func(procedure.OutboxItem) bool) (last procedure.OutboxItem, count int) {
		for _, it := range items {
			if match(it) {
				last, count = it, count+1
			}
		}
		return last, count
	}
	e := newEnv(t, cs, procedure.NewDirectory())
	a := test.NewTempApp(t)
	u := ui.New(a, e.svc, ui.Options{})
	defer u.Close()
	signIn(t, u, "carla")
	before := cs.outbox.Load()
	o := u.Main.Outbox()
	w := test.NewWindow(o.Content)
	defer w.Close()
	w.Resize(fyne.NewSize(1180, 700))

	check := func(name string, match func(procedure.OutboxItem) bool) {
		t.Helper()
		want, count := newest(match)
		if o.Count != count {
			t.Fatalf("%s: the screen counts %d items, want %d", name, o.Count, count)
		}
		if rows, _ := o.Table.Length(); rows != count {
			t.Fatalf("%s: the table has %d rows, want %d", name, rows, count)
		}
		if got, ok := o.Item(0); !ok || got.ID != want.ID {
			t.Fatalf("%s: first row is %q, want the newest, %q", name, got.ID, want.ID)
		}
	}
	// Correos, every status: the newest email first, out of more than a page.
	emails := func(it procedure.OutboxItem) bool { return it.Kind == procedure.EffectEmail }
	check("emails", emails)
	if _, count := newest(emails); count <= ui.PageSize {
		t.Fatalf("only %d emails: the test needs more than a page", count)
	}
	if got := cs.outbox.Load() - before; got > 4*ui.PageSize {
		t.Fatalf("opening the screen read %d items, want at most %d", got, 4*ui.PageSize)
	}
	// The last row is the oldest email, fetched on demand.
	o.Table.ScrollTo(widget.TableCellID{Row: o.Count - 1, Col: 0})
	if got, ok := o.Item(o.Count - 1); !ok || got.ID != items[1].ID {
		t.Fatalf("last row is %q, want the oldest email %q", got.ID, items[1].ID)
	}
	// Every kind.
	o.Kind.SetSelectedIndex(2)
	check("all", func(procedure.OutboxItem) bool { return true })
	// Failed emails: select the newest and retry it.
	o.Kind.SetSelectedIndex(0)
	o.Status.SetSelectedIndex(3)
	failed := func(it procedure.OutboxItem) bool { return emails(it) && it.Status == procedure.OutboxFailed }
	check("failed emails", failed)
	first, count := newest(failed)
	if !o.Retry.Disabled() {
		t.Fatal("Reintentar is enabled with nothing selected")
	}
	o.Table.Select(widget.TableCellID{Row: 0, Col: 0})
	if o.Selected != 0 || o.Retry.Disabled() {
		t.Fatalf("selecting a failed item: row %d, Reintentar disabled %v", o.Selected, o.Retry.Disabled())
	}
	test.Tap(o.Retry)
	got, err := cs.Outbox(context.Background(), procedure.OutboxQuery{CaseID: first.CaseID})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range got {
		if it.ID == first.ID && it.Status != procedure.OutboxPending {
			t.Fatalf("after Reintentar, %s is %s, want pending", it.ID, it.Status)
		}
	}
	for i := range items {
		if items[i].ID == first.ID {
			items[i].Status = procedure.OutboxPending
		}
	}
	check("failed emails after a retry", failed)
	if o.Count != count-1 || o.Selected != -1 || !o.Retry.Disabled() {
		t.Fatalf("after a retry: %d items (want %d), row %d selected, Reintentar disabled %v", o.Count, count-1, o.Selected, o.Retry.Disabled())
	}
}
