package proceduretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// NewStore opens a fresh, empty store for one subtest.
type NewStore func(t *testing.T) procedure.Store

// NewEngine returns an engine on store with the demo directory, a test
// clock and the test key.
func NewEngine(t testing.TB, store procedure.Store) *procedure.Engine {
	t.Helper()
	sealer, err := procedure.NewAESSealer(Key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(Directory()), procedure.WithClock(NewClock()),
		procedure.WithSealer(sealer))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// InProgress starts a case of the procedure (PR01 or PR02) as the demo
// requester and takes it through steps 2, 3 and the start of 4 to
// in_progress, where observe and complete can alternate for ever.
func InProgress(t testing.TB, e *procedure.Engine, code, system string) procedure.Case {
	t.Helper()
	ctx := context.Background()
	in := PR02Request(system)
	if code == manual.CodePR01 {
		in = PR01Request(system, "s3cr3t")
	}
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: code, Actor: Solicitante, Inputs: in})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	for _, s := range []struct {
		a  procedure.Actor
		ev procedure.EventName
		in procedure.Inputs
	}{
		{Jefe, manual.EventForward, nil},
		{Responsable, manual.EventInstruct, procedure.Inputs{"profesional": Profesional.ID}},
		{Profesional, manual.EventStart, nil},
	} {
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in, Version: c.Version}); err != nil {
			t.Fatalf("%s by %s: %v", s.ev, s.a.ID, err)
		}
	}
	return c
}

// ObservationLoop is the body of a transition benchmark: b.N transitions
// that walk the observation loop of steps 4 and 5 (observe, then complete)
// on cases in progress (see InProgress), round-robin over ids.
func ObservationLoop(b *testing.B, e *procedure.Engine, ids ...string) {
	b.Helper()
	ctx := context.Background()
	observe := procedure.Inputs{"observations": "Falta la variable DB_HOST."}
	answer := procedure.Inputs{"answer": "Agregada la variable DB_HOST."}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := procedure.FireRequest{CaseID: ids[i%len(ids)], Event: manual.EventObserve, Actor: Profesional, Inputs: observe}
		if (i/len(ids))%2 == 1 {
			req.Event, req.Actor, req.Inputs = manual.EventComplete, Solicitante, answer
		}
		if _, err := e.Fire(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// ExpectChange waits until feed (from procedure.ChangeFeed.Watch) names
// the case id, failing the test if it names another case first, closes, or
// says nothing within ten seconds or before ctx ends.
func ExpectChange(t testing.TB, ctx context.Context, feed <-chan string, id string) {
	t.Helper()
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	select {
	case got, ok := <-feed:
		if !ok {
			t.Fatalf("the change feed closed before naming %s", id)
		}
		if got != id {
			t.Fatalf("the change feed named %s, want %s", got, id)
		}
	case <-timeout.C:
		t.Fatalf("the change feed said nothing of %s", id)
	case <-ctx.Done():
		t.Fatalf("the change feed said nothing of %s", id)
	}
}

// RunPR01 drives a PR01 case through all nine steps with the given number
// of observation rounds and returns the closed case.
func RunPR01(t testing.TB, e *procedure.Engine, system, secret string, rounds int) procedure.Case {
	t.Helper()
	ctx := context.Background()
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: Solicitante, Inputs: PR01Request(system, secret)})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	fire := func(a procedure.Actor, ev procedure.EventName, in procedure.Inputs) {
		t.Helper()
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: ev, Actor: a, Inputs: in, Version: c.Version}); err != nil {
			t.Fatalf("%s by %s: %v", ev, a.ID, err)
		}
	}
	fire(Jefe, manual.EventForward, nil)
	fire(Responsable, manual.EventInstruct, procedure.Inputs{"profesional": Profesional.ID})
	fire(Profesional, manual.EventStart, nil)
	for i := 0; i < rounds; i++ {
		fire(Profesional, manual.EventObserve, procedure.Inputs{"observations": fmt.Sprintf("Ronda %d: falta la URL del repositorio y la variable DB_HOST.", i+1)})
		fire(Solicitante, manual.EventComplete, procedure.Inputs{"answer": fmt.Sprintf("Ronda %d: repositorio gitlab.agetic.gob.bo/sis/app; DB_HOST va en los datos reservados.", i+1),
			"more_secrets": "DB_HOST=10.0.0.5"})
	}
	fire(Profesional, manual.EventConclude, Checklist(""))
	fire(Responsable, manual.EventApproveReport, nil)
	fire(Jefe, manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la conclusión de la puesta en producción de " + system + "."})
	fire(Solicitante, manual.EventAcknowledge, nil)
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code procedure.Code) {
	t.Helper()
	if got := procedure.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func testCase(id string, at time.Time) procedure.Case {
	return procedure.Case{ID: id, Procedure: manual.CodePR01, State: manual.StateRequested, System: "Sistema " + id,
		Unit: UnitDesarrollo, RequesterID: Solicitante.ID, Step: 2, WaitingRole: manual.RoleJefeUIT,
		Data: procedure.Inputs{"system": "Sistema " + id}, CreatedAt: at, UpdatedAt: at}
}

// TestStore runs the conformance suite against stores made by newStore.
func TestStore(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)

	t.Run("HostileInput", func(t *testing.T) { testHostile(t, newStore(t)) })
	t.Run("CreateReadUpdate", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Case(ctx, "nope")
		wantCode(t, err, procedure.ENOTFOUND)
		c := testCase("PR01-2026-0001", at)
		c.Secrets = []byte{1, 2, 3}
		c.DefinitionHash = "3f9a"
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(c) }))
		got, err := s.Case(ctx, c.ID)
		must(t, err)
		if got.Version != 1 || got.System != c.System || got.Data["system"] != c.System || string(got.Secrets) != "\x01\x02\x03" || !got.UpdatedAt.Equal(at) ||
			got.DefinitionHash != "3f9a" || got.Cites != nil {
			t.Fatalf("read back %+v", got)
		}
		got.Cites = map[string]string{"informe-conclusion": "UIT/INF/2026/0001", "nota \"ñ\"": "X/1"}
		err = s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(c) })
		wantCode(t, err, procedure.ECONFLICT)
		got.State, got.Version = manual.StateForwarded, 2
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.UpdateCase(got) }))
		// A stale version is a conflict and changes nothing.
		stale := got
		stale.State = manual.StateClosed
		err = s.Update(ctx, func(tx procedure.Tx) error { return tx.UpdateCase(stale) })
		wantCode(t, err, procedure.ECONFLICT)
		again, _ := s.Case(ctx, c.ID)
		if again.State != manual.StateForwarded || again.Version != 2 || len(again.Cites) != 2 ||
			again.Cites["informe-conclusion"] != "UIT/INF/2026/0001" || again.Cites["nota \"ñ\""] != "X/1" || again.DefinitionHash != "3f9a" {
			t.Fatalf("after conflict: %+v", again)
		}
	})

	t.Run("ManyCasesInOneUpdate", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Update(ctx, func(tx procedure.Tx) error {
			for i := 0; i < 50; i++ {
				if err := tx.CreateCase(testCase(fmt.Sprintf("M-%02d", i), at)); err != nil {
					return err
				}
			}
			if err := tx.CreateCase(testCase("M-07", at)); procedure.ErrorCode(err) != procedure.ECONFLICT {
				return fmt.Errorf("a second M-07 in the same transaction: %v, want a conflict", err)
			}
			c, err := tx.Case("M-07")
			if err != nil {
				return err
			}
			c.State, c.Version = manual.StateForwarded, 2
			return tx.UpdateCase(c)
		}))
		if n, _ := s.CountCases(ctx, procedure.CaseQuery{}); n != 50 {
			t.Fatalf("%d cases, want 50", n)
		}
		c, err := s.Case(ctx, "M-07")
		must(t, err)
		if c.State != manual.StateForwarded || c.Version != 2 {
			t.Fatalf("M-07 is %s v%d, want forwarded v2 (the last write in the transaction)", c.State, c.Version)
		}
	})

	t.Run("Rollback", func(t *testing.T) {
		s := newStore(t)
		boom := errors.New("boom")
		err := s.Update(ctx, func(tx procedure.Tx) error {
			if err := tx.CreateCase(testCase("X-1", at)); err != nil {
				return err
			}
			if _, err := tx.NextNumber("INF", 2026); err != nil {
				return err
			}
			if err := tx.AppendEntry(procedure.Entry{CaseID: "X-1", Seq: 1, At: at}); err != nil {
				return err
			}
			if err := tx.Enqueue(procedure.OutboxItem{ID: "X-1/1/email/aviso", CaseID: "X-1", Seq: 1, Kind: procedure.EffectEmail, Status: procedure.OutboxPending, NextAttempt: at, CreatedAt: at, UpdatedAt: at}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Update returned %v, want the callback's error", err)
		}
		_, err = s.Case(ctx, "X-1")
		wantCode(t, err, procedure.ENOTFOUND)
		h, _ := s.History(ctx, "X-1")
		items, _ := s.Outbox(ctx, procedure.OutboxQuery{})
		if len(h) != 0 || len(items) != 0 {
			t.Fatalf("rolled back transaction left %d entries, %d outbox items", len(h), len(items))
		}
		var n int
		must(t, s.Update(ctx, func(tx procedure.Tx) (err error) { n, err = tx.NextNumber("INF", 2026); return }))
		if n != 1 {
			t.Fatalf("number after rollback = %d, want 1 (no gap)", n)
		}
	})

	t.Run("HistoryAndOutbox", func(t *testing.T) {
		s := newStore(t)
		c := testCase("C-1", at)
		e1 := procedure.Entry{CaseID: c.ID, Seq: 1, Step: 1, Event: manual.EventRequest, To: manual.StateRequested, ActorID: "ana",
			ActorName: "Ana", Role: manual.RoleSolicitante, At: at, Outputs: []string{"Remisión de Nota"}, Data: procedure.Inputs{"system": "S"}}
		e1.Hash = e1.ComputeHash()
		e2 := procedure.Entry{CaseID: c.ID, Seq: 2, Step: 2, Event: manual.EventForward, From: manual.StateRequested, To: manual.StateForwarded,
			ActorID: "diego", ActorName: "Diego", Role: manual.RoleJefeUIT, Interim: true, At: at.Add(time.Minute), Comment: "urgente", PrevHash: e1.Hash}
		e2.Hash = e2.ComputeHash()
		item := procedure.OutboxItem{ID: "C-1/1/email/aviso", CaseID: c.ID, Seq: 1, Kind: procedure.EffectEmail, Topic: "aviso",
			To: []procedure.Address{{Name: "Carla", Email: "carla@x.bo"}}, Cc: []procedure.Address{{Name: "E", Email: "e@x.bo"}},
			Attach: []string{"nota-interna"}, Status: procedure.OutboxPending, NextAttempt: at, CreatedAt: at, UpdatedAt: at}
		doc := procedure.OutboxItem{ID: "C-1/1/document/nota-remision", CaseID: c.ID, Seq: 1, Kind: procedure.EffectDocument, Topic: "nota-remision",
			Number: "UIT/NOTA/2026/0001", Status: procedure.OutboxPending, NextAttempt: at.Add(time.Hour), CreatedAt: at, UpdatedAt: at}
		must(t, s.Update(ctx, func(tx procedure.Tx) error {
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			if _, ok, err := tx.LastEntry(c.ID); ok || err != nil {
				return fmt.Errorf("LastEntry on a new case = %v, %v", ok, err)
			}
			if err := tx.AppendEntry(e1); err != nil {
				return err
			}
			last, ok, err := tx.LastEntry(c.ID)
			if err != nil || !ok || last.Hash != e1.Hash {
				return fmt.Errorf("LastEntry inside the transaction = %+v, %v, %v", last, ok, err)
			}
			return tx.Enqueue(item, doc)
		}))
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.AppendEntry(e2) }))
		err := s.Update(ctx, func(tx procedure.Tx) error { return tx.AppendEntry(e2) })
		wantCode(t, err, procedure.ECONFLICT)
		err = s.Update(ctx, func(tx procedure.Tx) error { return tx.Enqueue(item) })
		wantCode(t, err, procedure.ECONFLICT)
		h, err := s.History(ctx, c.ID)
		must(t, err)
		if len(h) != 2 {
			t.Fatalf("history has %d entries, want 2", len(h))
		}
		must(t, procedure.VerifyChain(h))
		if !h[1].Interim || h[1].Comment != "urgente" || h[0].Outputs[0] != "Remisión de Nota" || h[0].Data["system"] != "S" || !h[1].At.Equal(at.Add(time.Minute)) {
			t.Fatalf("history read back wrong: %+v", h)
		}
		all, err := s.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID})
		must(t, err)
		if len(all) != 2 || all[0].ID != item.ID || all[0].To[0].Email != "carla@x.bo" || all[0].Cc[0].Name != "E" || all[0].Attach[0] != "nota-interna" || all[1].Number != doc.Number {
			t.Fatalf("outbox read back wrong: %+v", all)
		}
		due, _ := s.Outbox(ctx, procedure.OutboxQuery{Status: procedure.OutboxPending, DueBy: at.Add(time.Minute)})
		if len(due) != 1 || due[0].ID != item.ID {
			t.Fatalf("due items = %+v, want only the email", due)
		}
		item.Status, item.Attempts, item.LastError, item.UpdatedAt = procedure.OutboxFailed, 3, "550 mailbox unavailable", at.Add(time.Hour)
		must(t, s.UpdateOutbox(ctx, item))
		failed, _ := s.Outbox(ctx, procedure.OutboxQuery{Status: procedure.OutboxFailed})
		if len(failed) != 1 || failed[0].Attempts != 3 || failed[0].LastError != "550 mailbox unavailable" {
			t.Fatalf("failed items = %+v", failed)
		}
		wantCode(t, s.UpdateOutbox(ctx, procedure.OutboxItem{ID: "nope"}), procedure.ENOTFOUND)
	})

	t.Run("ClaimOutbox", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(testCase("O-1", at)) }))
		var items []procedure.OutboxItem
		for i := 0; i < 30; i++ {
			items = append(items, procedure.OutboxItem{ID: fmt.Sprintf("O-1/%02d/email/aviso", i), CaseID: "O-1", Seq: i + 1,
				Kind: procedure.EffectEmail, Topic: "aviso", Status: procedure.OutboxPending, NextAttempt: at, CreatedAt: at, UpdatedAt: at})
		}
		items = append(items, procedure.OutboxItem{ID: "O-1/99/document/x", CaseID: "O-1", Seq: 99, Kind: procedure.EffectDocument,
			Topic: "x", Status: procedure.OutboxPending, NextAttempt: at, CreatedAt: at, UpdatedAt: at})
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.Enqueue(items...) }))
		// Three dispatchers claim at once: every email goes to exactly one.
		var mu sync.Mutex
		owners := map[string]string{}
		var wg sync.WaitGroup
		for _, owner := range []string{"a", "b", "c"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := s.ClaimOutbox(ctx, procedure.EffectEmail, owner, at, at.Add(time.Minute), 4)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, it := range got {
						if prev, ok := owners[it.ID]; ok {
							t.Errorf("%s claimed by %s and %s", it.ID, prev, owner)
						}
						if it.ClaimedBy != owner || !it.ClaimedUntil.Equal(at.Add(time.Minute)) || it.Kind != procedure.EffectEmail {
							t.Errorf("claimed item %+v", it)
						}
						owners[it.ID] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(owners) != 30 {
			t.Fatalf("%d emails claimed, want 30", len(owners))
		}
		// While the lease runs nobody else gets them; after it expires they
		// can be claimed again (the holder died).
		if got, _ := s.ClaimOutbox(ctx, procedure.EffectEmail, "d", at.Add(30*time.Second), at.Add(2*time.Minute), 0); len(got) != 0 {
			t.Fatalf("claimed %d items under another's lease", len(got))
		}
		if got, _ := s.ClaimOutbox(ctx, procedure.EffectEmail, "d", at.Add(2*time.Minute), at.Add(3*time.Minute), 0); len(got) != 30 {
			t.Fatalf("after the lease expired, claimed %d items, want 30", len(got))
		}
		// A sent item is never claimed again; a future NextAttempt waits.
		first := items[0]
		first.Status, first.UpdatedAt = procedure.OutboxSent, at
		must(t, s.UpdateOutbox(ctx, first))
		second := items[1]
		second.NextAttempt, second.Attempts = at.Add(time.Hour), 1
		must(t, s.UpdateOutbox(ctx, second))
		got, _ := s.ClaimOutbox(ctx, procedure.EffectEmail, "e", at.Add(10*time.Minute), at.Add(11*time.Minute), 0)
		if len(got) != 28 {
			t.Fatalf("claimed %d items, want 28 (one sent, one not yet due)", len(got))
		}
		docs, _ := s.ClaimOutbox(ctx, procedure.EffectDocument, "e", at, at.Add(time.Minute), 0)
		if len(docs) != 1 || docs[0].ID != "O-1/99/document/x" {
			t.Fatalf("document claim = %+v", docs)
		}
	})

	t.Run("OutboxPaging", func(t *testing.T) {
		s := newStore(t)
		// 23 items over two cases, queued over time (several in one
		// transaction share a CreatedAt): kinds and statuses mixed.
		var items []procedure.OutboxItem
		must(t, s.Update(ctx, func(tx procedure.Tx) error {
			if err := tx.CreateCase(testCase("P-1", at)); err != nil {
				return err
			}
			return tx.CreateCase(testCase("P-2", at))
		}))
		for i := 0; i < 23; i++ {
			created := at.Add(time.Duration(i/3) * time.Minute)
			it := procedure.OutboxItem{ID: fmt.Sprintf("P/%02d", 22-i), CaseID: []string{"P-1", "P-2"}[i%2], Seq: i + 1,
				Kind: procedure.EffectEmail, Topic: "aviso", Status: procedure.OutboxPending,
				NextAttempt: created.Add(time.Duration(i%4) * time.Hour), CreatedAt: created, UpdatedAt: created}
			if i%5 == 0 {
				it.Kind = procedure.EffectDocument
			}
			items = append(items, it)
		}
		for i := 0; i < len(items); i += 3 {
			batch := items[i:min(i+3, len(items))]
			must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.Enqueue(batch...) }))
		}
		for i := range items {
			if i%3 == 1 {
				items[i].Status, items[i].Attempts = procedure.OutboxFailed, 5
				must(t, s.UpdateOutbox(ctx, items[i]))
			}
		}
		ids := func(its []procedure.OutboxItem) []string {
			out := []string{}
			for _, it := range its {
				out = append(out, it.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			q    procedure.OutboxQuery
		}{
			{"all", procedure.OutboxQuery{}},
			{"case", procedure.OutboxQuery{CaseID: "P-2"}},
			{"kind", procedure.OutboxQuery{Kind: procedure.EffectEmail}},
			{"status", procedure.OutboxQuery{Status: procedure.OutboxFailed}},
			{"due", procedure.OutboxQuery{DueBy: at.Add(2 * time.Hour)}},
			{"kind and status", procedure.OutboxQuery{Kind: procedure.EffectEmail, Status: procedure.OutboxPending}},
			{"none", procedure.OutboxQuery{CaseID: "P-3"}},
			{"one by ID", procedure.OutboxQuery{ID: "P/07"}},
			{"ID and another case", procedure.OutboxQuery{ID: "P/07", CaseID: "P-3"}},
		} {
			var want []string
			for _, it := range items { // items is in queue order
				if procedure.MatchOutbox(it, tc.q) {
					want = append(want, it.ID)
				}
			}
			n, err := s.CountOutbox(ctx, tc.q)
			must(t, err)
			if n != len(want) {
				t.Fatalf("%s: CountOutbox = %d, want %d", tc.name, n, len(want))
			}
			paged := tc.q
			paged.Limit, paged.Offset = 4, 2 // CountOutbox ignores both
			if n, err := s.CountOutbox(ctx, paged); err != nil || n != len(want) {
				t.Fatalf("%s: CountOutbox with Limit and Offset = %d, %v; want %d", tc.name, n, err, len(want))
			}
			all, err := s.Outbox(ctx, tc.q)
			must(t, err)
			if !slices.Equal(ids(all), want) {
				t.Fatalf("%s: Outbox = %v, want oldest first %v", tc.name, ids(all), want)
			}
			reversed := slices.Clone(want)
			slices.Reverse(reversed)
			for _, newest := range []bool{false, true} {
				order := want
				if newest {
					order = reversed
				}
				var got []string
				for off := 0; off < len(want)+4; off += 4 {
					q := tc.q
					q.Newest, q.Limit, q.Offset = newest, 4, off
					page, err := s.Outbox(ctx, q)
					must(t, err)
					if wantLen := min(4, max(len(want)-off, 0)); len(page) != wantLen {
						t.Fatalf("%s, newest %v: page at %d has %d items, want %d", tc.name, newest, off, len(page), wantLen)
					}
					got = append(got, ids(page)...)
				}
				if !slices.Equal(got, order) {
					t.Fatalf("%s, newest %v: pages = %v, want %v", tc.name, newest, got, order)
				}
			}
			// An offset without a limit lists the rest.
			if len(want) > 0 {
				q := tc.q
				q.Offset = 1
				rest, err := s.Outbox(ctx, q)
				must(t, err)
				if !slices.Equal(ids(rest), want[1:]) {
					t.Fatalf("%s: Offset 1 = %v, want %v", tc.name, ids(rest), want[1:])
				}
			}
		}
	})

	t.Run("NumbersGapFreeUnderConcurrency", func(t *testing.T) {
		s := newStore(t)
		const workers, each = 8, 10
		var mu sync.Mutex
		var got []int
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					var n int
					if err := s.Update(ctx, func(tx procedure.Tx) (err error) { n, err = tx.NextNumber("INF", 2026); return }); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					got = append(got, n)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		sort.Ints(got)
		for i, n := range got {
			if n != i+1 {
				t.Fatalf("numbers are not 1..%d without gaps or repeats: %v", workers*each, got)
			}
		}
		var other int
		must(t, s.Update(ctx, func(tx procedure.Tx) (err error) { other, err = tx.NextNumber("INF", 2027); return }))
		if other != 1 {
			t.Fatalf("a new year starts at %d, want 1", other)
		}
	})

	t.Run("Search", func(t *testing.T) {
		s := newStore(t)
		e := NewEngine(t, s)
		closed := RunPR01(t, e, "Sistema de Archivo", "s3creta", 0)
		var cite string
		for _, v := range closed.Cites {
			if strings.HasPrefix(v, "UIT/INF/") {
				cite = v
			}
		}
		if cite == "" {
			t.Fatalf("the closed case has no report cite: %v", closed.Cites)
		}
		for i := 0; i < 3; i++ {
			_, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: Solicitante, Inputs: PR02Request(fmt.Sprintf("Portal Ñandú %d", i))})
			must(t, err)
		}
		other, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: Solicitante2,
			Inputs: procedure.Inputs{"system": "Ventanilla", "description": "d", "unit": UnitGobierno, "credentials": "x"}})
		must(t, err)
		for _, tc := range []struct {
			name, text string
			want       []string // IDs, most recent first; nil: count only
			n          int
		}{
			{"case number", closed.ID, []string{closed.ID}, 1},
			{"case number, lower case", strings.ToLower(closed.ID), []string{closed.ID}, 1},
			{"cite", cite, []string{closed.ID}, 1},
			{"cite, part", strings.ToLower(strings.TrimPrefix(cite, "UIT/")), []string{closed.ID}, 1},
			{"requester name", "bruno mam", []string{other.ID}, 1},
			{"requester id", "bruno", []string{other.ID}, 1},
			{"unit", "GOBIERNO ELECTR", []string{other.ID}, 1},
			{"unit, non-ASCII case", "ELECTRÓNICO", []string{other.ID}, 1},
			{"system", "archivo", []string{closed.ID}, 1},
			{"system, non-ASCII case", "ÑANDÚ", nil, 3},
			{"two letters", "ñá", nil, 0},
			{"nothing", "zzz-no-existe", []string{}, 0},
		} {
			q := procedure.CaseQuery{Text: tc.text}
			got, err := s.Cases(ctx, q)
			must(t, err)
			n, err := s.CountCases(ctx, q)
			must(t, err)
			if n != tc.n || len(got) != tc.n {
				t.Fatalf("%s %q: count %d, %d listed, want %d", tc.name, tc.text, n, len(got), tc.n)
			}
			for i, c := range got {
				if !procedure.MatchCase(c, q) {
					t.Fatalf("%s: a case that does not match: %+v", tc.name, c)
				}
				if tc.want != nil && c.ID != tc.want[i] {
					t.Fatalf("%s: %s, want %v", tc.name, c.ID, tc.want)
				}
			}
		}
		// A search pages like any listing, with the other filters.
		q := procedure.CaseQuery{Text: "ñandú", Procedure: manual.CodePR02, Limit: 2}
		first, err := s.Cases(ctx, q)
		must(t, err)
		q.Offset = 2
		rest, err := s.Cases(ctx, q)
		must(t, err)
		if len(first) != 2 || len(rest) != 1 || first[0].System != "Portal Ñandú 2" || rest[0].System != "Portal Ñandú 0" {
			t.Fatalf("pages %v / %v", first, rest)
		}
		if n, _ := s.CountCases(ctx, procedure.CaseQuery{Text: "ñandú", Unit: UnitGobierno}); n != 0 {
			t.Fatalf("text and unit: %d cases", n)
		}
		// The requester's name is kept with the case.
		c, err := s.Case(ctx, other.ID)
		must(t, err)
		if c.RequesterName != Solicitante2.Name {
			t.Fatalf("requester name %q, want %q", c.RequesterName, Solicitante2.Name)
		}
		// Through the engine, a person finds only what they may see.
		n, err := e.CountCases(ctx, Solicitante, procedure.CaseQuery{Text: "bruno"})
		must(t, err)
		if n != 0 {
			t.Fatalf("ana finds %d of bruno's cases", n)
		}
	})

	t.Run("Queries", func(t *testing.T) {
		s := newStore(t)
		e := NewEngine(t, s)
		var ids []string
		for i := 0; i < 7; i++ {
			c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: Solicitante, Inputs: PR02Request(fmt.Sprintf("Sistema Núñez %d", i))})
			must(t, err)
			ids = append(ids, c.ID)
		}
		c2, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: Solicitante2,
			Inputs: procedure.Inputs{"system": "Portal", "description": "d", "unit": UnitGobierno, "credentials": "x"}})
		must(t, err)
		_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c2.ID, Event: manual.EventForward, Actor: Jefe})
		must(t, err)
		check := func(name string, q procedure.CaseQuery, want int) []procedure.Case {
			t.Helper()
			got, err := s.Cases(ctx, q)
			must(t, err)
			n, err := s.CountCases(ctx, q)
			must(t, err)
			if n != want {
				t.Fatalf("%s: count %d, want %d", name, n, want)
			}
			for _, c := range got {
				if !procedure.MatchCase(c, q) {
					t.Fatalf("%s: returned a case that does not match: %+v", name, c)
				}
			}
			return got
		}
		check("all", procedure.CaseQuery{}, 8)
		check("procedure", procedure.CaseQuery{Procedure: manual.CodePR02}, 7)
		check("state", procedure.CaseQuery{State: manual.StateForwarded}, 1)
		check("unit", procedure.CaseQuery{Unit: UnitGobierno}, 1)
		check("text, case-insensitive", procedure.CaseQuery{Text: "núñez 3"}, 1)
		check("open", procedure.CaseQuery{Open: true}, 8)
		check("inbox jefe", procedure.CaseQuery{Inbox: &Jefe}, 7)
		check("inbox responsable", procedure.CaseQuery{Inbox: &Responsable}, 1)
		check("inbox profesional", procedure.CaseQuery{Inbox: &Profesional}, 0)
		page1 := check("page 1", procedure.CaseQuery{Procedure: manual.CodePR02, Limit: 3}, 7)
		page3 := check("page 3", procedure.CaseQuery{Procedure: manual.CodePR02, Limit: 3, Offset: 6}, 7)
		if len(page1) != 3 || len(page3) != 1 {
			t.Fatalf("pages of %d and %d cases, want 3 and 1", len(page1), len(page3))
		}
		if page1[0].ID != ids[6] || page3[0].ID != ids[0] {
			t.Fatalf("order is not most recently updated first: %s … %s", page1[0].ID, page3[0].ID)
		}
		// A summary lists the same cases without their data and secrets.
		full, err := s.Cases(ctx, procedure.CaseQuery{})
		must(t, err)
		sum, err := s.Cases(ctx, procedure.CaseQuery{Summary: true})
		must(t, err)
		if len(sum) != len(full) {
			t.Fatalf("summary lists %d cases, the full listing %d", len(sum), len(full))
		}
		for i := range sum {
			f, c := full[i], sum[i]
			if len(c.Data) != 0 || c.Secrets != nil || len(f.Data) == 0 {
				t.Fatalf("summary of %s has data %v, secrets %d bytes (full data %v)", c.ID, c.Data, len(c.Secrets), f.Data)
			}
			if c.ID != f.ID || c.State != f.State || c.Version != f.Version || c.System != f.System || c.Step != f.Step ||
				c.WaitingRole != f.WaitingRole || c.LastActor != f.LastActor || !c.UpdatedAt.Equal(f.UpdatedAt) {
				t.Fatalf("summary %+v differs from the case %+v", c, f)
			}
		}
		if c2full, _ := s.Case(ctx, c2.ID); len(c2full.Secrets) == 0 {
			t.Fatal("a summary listing changed the stored case")
		}
	})

	t.Run("Scan", func(t *testing.T) { testScan(t, newStore(t)) })

	t.Run("Documents", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(testCase("D-1", at)) }))
		d1, err := s.PutDocument(ctx, procedure.Document{CaseID: "D-1", Topic: "informe-conclusion", Number: "UIT/INF/2026/0001", Content: []byte("%PDF-1 v1"), CreatedAt: at})
		must(t, err)
		d2, err := s.PutDocument(ctx, procedure.Document{CaseID: "D-1", Topic: "informe-conclusion", Number: "UIT/INF/2026/0001", Content: []byte("%PDF-1 v2"), CreatedAt: at, Seq: 7})
		must(t, err)
		if d1.Version != 1 || d2.Version != 2 || d1.SHA256 == d2.SHA256 || len(d1.SHA256) != 64 {
			t.Fatalf("versions %d, %d; hashes %s %s", d1.Version, d2.Version, d1.SHA256, d2.SHA256)
		}
		_, err = s.PutDocument(ctx, procedure.Document{CaseID: "nope", Topic: "x", Content: []byte("x")})
		wantCode(t, err, procedure.ENOTFOUND)
		docs, err := s.Documents(ctx, "D-1")
		must(t, err)
		if len(docs) != 2 || string(docs[0].Content) != "%PDF-1 v1" || string(docs[1].Content) != "%PDF-1 v2" || docs[0].Seq != 0 || docs[1].Seq != 7 {
			t.Fatalf("documents read back wrong: %+v", docs)
		}
	})

	t.Run("Attachments", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(testCase("A-1", at)) }))
		att := func(seq int, input, name string, content []byte) procedure.Attachment {
			return procedure.Attachment{CaseID: "A-1", Seq: seq, Input: input, Name: name, MediaType: "application/pdf", Content: content, CreatedAt: at}
		}
		big := append([]byte("%PDF-1.7\n"), make([]byte, 3<<20)...) // binary, with NUL bytes, 3 MiB
		must(t, s.Update(ctx, func(tx procedure.Tx) error {
			if err := tx.AddAttachment(att(5, "answer_file", "respuesta «final».pdf", big)); err != nil {
				return err
			}
			return tx.AddAttachment(att(3, "observations_file", "obs.pdf", []byte("%PDF-1 obs")))
		}))
		// The same entry and input again is a conflict and rolls back the
		// whole transaction; so does any error after an attachment.
		err := s.Update(ctx, func(tx procedure.Tx) error {
			if err := tx.AddAttachment(att(7, "answer_file", "otro.pdf", []byte("%PDF-1 otro"))); err != nil {
				return err
			}
			return tx.AddAttachment(att(5, "answer_file", "repetido.pdf", []byte("%PDF-1 x")))
		})
		wantCode(t, err, procedure.ECONFLICT)
		err = s.Update(ctx, func(tx procedure.Tx) error { return tx.AddAttachment(att(1, "f", "x.pdf", []byte("x"))) })
		must(t, err)
		err = s.Update(ctx, func(tx procedure.Tx) error {
			return tx.AddAttachment(procedure.Attachment{CaseID: "nope", Seq: 1, Input: "f", Name: "x.pdf", Content: []byte("x"), CreatedAt: at})
		})
		wantCode(t, err, procedure.ENOTFOUND)
		atts, err := s.Attachments(ctx, "A-1")
		must(t, err)
		if len(atts) != 3 || atts[0].Seq != 1 || atts[1].Seq != 3 || atts[2].Seq != 5 {
			t.Fatalf("attachments read back in the wrong order or number: %d", len(atts))
		}
		a := atts[2]
		if a.Name != "respuesta «final».pdf" || a.Input != "answer_file" || a.MediaType != "application/pdf" || a.Size != int64(len(big)) ||
			len(a.SHA256) != 64 || !bytes.Equal(a.Content, big) || !a.CreatedAt.Equal(at) || a.CaseID != "A-1" {
			a.Content = nil
			t.Fatalf("read back %+v", a)
		}
		if atts[0].SHA256 == a.SHA256 {
			t.Fatal("two contents, one hash")
		}
		if none, err := s.Attachments(ctx, "nope"); err != nil || len(none) != 0 {
			t.Fatalf("attachments of no case: %v, %v", none, err)
		}
	})

	t.Run("EngineAttachments", func(t *testing.T) {
		s := newStore(t)
		e := NewEngine(t, s)
		c := InProgress(t, e, manual.CodePR01, "Sistema de Archivo")
		f := procedure.File{Name: "observaciones.txt", Content: []byte("Falta el archivo .env\n")}
		c, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventObserve, Actor: Profesional,
			Inputs: procedure.Inputs{"observations": "Ver el documento adjunto."}, Files: map[string]procedure.File{"observations_file": f}})
		must(t, err)
		// A refused file leaves nothing behind.
		_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventComplete, Actor: Solicitante,
			Inputs: procedure.Inputs{"answer": "Adjunto."}, Files: map[string]procedure.File{"answer_file": {Name: "x.pdf", Content: []byte("no es un PDF")}}})
		wantCode(t, err, procedure.EINVALID)
		atts, err := e.Attachments(ctx, Jefe, c.ID)
		must(t, err)
		h, _ := e.History(ctx, Jefe, c.ID)
		if len(atts) != 1 || atts[0].Seq != h[len(h)-1].Seq || string(atts[0].Content) != string(f.Content) ||
			atts[0].MediaType != "text/plain; charset=utf-8" || h[len(h)-1].Data["observations_file"] != "observaciones.txt" {
			t.Fatalf("attachments %+v", atts)
		}
		must(t, e.Verify(ctx, Jefe, c.ID))
	})

	t.Run("EscalationOnce", func(t *testing.T) { testEscalation(t, newStore(t)) })
	t.Run("ClocksByVersion", func(t *testing.T) { testClocksByVersion(t, newStore(t)) })
	// LatestDocuments (stores that implement it): the latest version of
	// each topic, with its bytes, by topic.
	t.Run("LatestDocuments", func(t *testing.T) {
		s := newStore(t)
		ld, ok := s.(procedure.LatestDocuments)
		if !ok {
			t.Skip("the store does not implement procedure.LatestDocuments")
		}
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(testCase("L-1", at)) }))
		none, err := ld.LatestDocuments(ctx, "L-1")
		must(t, err)
		if none == nil || len(none) != 0 {
			t.Fatalf("a case without documents: %#v", none)
		}
		for _, d := range []struct{ topic, content string }{{"nota", "n1"}, {"informe", "i1"}, {"informe", "i2"}, {"nota", "n2"}, {"informe", "i3"}, {"aviso", "a1"}} {
			_, err := s.PutDocument(ctx, procedure.Document{CaseID: "L-1", Topic: d.topic, Content: []byte(d.content), CreatedAt: at})
			must(t, err)
		}
		got, err := ld.LatestDocuments(ctx, "L-1")
		must(t, err)
		var text []string
		for _, d := range got {
			text = append(text, fmt.Sprintf("%s v%d %s", d.Topic, d.Version, d.Content))
		}
		if want := "aviso v1 a1, informe v3 i3, nota v2 n2"; strings.Join(text, ", ") != want {
			t.Fatalf("latest documents: %s, want %s", strings.Join(text, ", "), want)
		}
	})

	// DocumentFollows: a version stored over version N (Follows) lands as
	// N+1 or not at all; of several stored over N at once, exactly one.
	t.Run("DocumentFollows", func(t *testing.T) {
		s := newStore(t)
		must(t, s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(testCase("F-1", at)) }))
		put := func(follows int, content string) (procedure.Document, error) {
			return s.PutDocument(ctx, procedure.Document{CaseID: "F-1", Topic: "informe", Content: []byte(content), CreatedAt: at, Follows: follows})
		}
		_, err := put(1, "sobre una versión que no existe")
		wantCode(t, err, procedure.ECONFLICT)
		_, err = s.PutDocument(ctx, procedure.Document{CaseID: "nope", Topic: "informe", Content: []byte("x"), Follows: 1})
		wantCode(t, err, procedure.ENOTFOUND)
		d1, err := put(0, "v1")
		must(t, err)
		d2, err := put(1, "v1 firmada")
		must(t, err)
		if d1.Version != 1 || d2.Version != 2 || d2.Follows != 0 {
			t.Fatalf("versions %+v %+v", d1, d2)
		}
		_, err = put(1, "v1 firmada otra vez")
		wantCode(t, err, procedure.ECONFLICT)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = put(2, fmt.Sprintf("v2 firmada %d", i))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch procedure.ErrorCode(err) {
			case "":
				ok++
			case procedure.ECONFLICT:
			default:
				t.Errorf("concurrent put: %v", err)
			}
		}
		docs, _ := s.Documents(ctx, "F-1")
		if ok != 1 || len(docs) != 3 {
			t.Fatalf("%d of %d concurrent puts over version 2 stored, %d versions; want exactly one", ok, n, len(docs))
		}
	})

	t.Run("EngineFullFlow", func(t *testing.T) {
		s := newStore(t)
		e := NewEngine(t, s)
		c := RunPR01(t, e, "Sistema de Trámites", "canary-secret-5f1e", 2)
		if c.State != manual.StateClosed || c.Step != 0 {
			t.Fatalf("case ended in %s, step %d", c.State, c.Step)
		}
		must(t, e.Verify(ctx, Jefe, c.ID))
		h, _ := e.History(ctx, Jefe, c.ID)
		if len(h) != 12 { // request, forward, instruct, start, 2 × (observe, complete), conclude, approve, memo, acknowledge
			t.Fatalf("history has %d entries, want 12", len(h))
		}
		items, _ := s.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectDocument})
		if len(items) == 0 {
			t.Fatal("no documents queued")
		}
	})

	t.Run("ConcurrentFireExactlyOneWins", func(t *testing.T) {
		s := newStore(t)
		e := NewEngine(t, s)
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: Solicitante, Inputs: PR02Request("Concurrente")})
		must(t, err)
		const n = 6
		var wg sync.WaitGroup
		codes := make(chan procedure.Code, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(a procedure.Actor) {
				defer wg.Done()
				_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: a, Version: c.Version})
				codes <- procedure.ErrorCode(err)
			}([]procedure.Actor{Jefe, JefeAI}[i%2])
		}
		wg.Wait()
		close(codes)
		wins := 0
		for code := range codes {
			switch code {
			case "":
				wins++
			case procedure.ECONFLICT:
			default:
				t.Fatalf("a losing fire returned %q, want conflict", code)
			}
		}
		if wins != 1 {
			t.Fatalf("%d fires won, want exactly 1", wins)
		}
		h, _ := s.History(ctx, c.ID)
		if len(h) != 2 {
			t.Fatalf("history has %d entries, want 2", len(h))
		}
		must(t, procedure.VerifyChain(h))
		items, _ := s.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID})
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.ID] {
				t.Fatalf("outbox item %s doubled", it.ID)
			}
			seen[it.ID] = true
		}
	})
}

// NewPeople opens a fresh, empty People for one subtest.
type NewPeople func(t *testing.T) procedure.People

// TestPeople runs the conformance suite of procedure.People.
func TestPeople(t *testing.T, newPeople NewPeople) {
	ctx := context.Background()
	p := newPeople(t)
	for _, a := range Actors() {
		must(t, p.SaveActor(ctx, a))
	}
	got, err := p.Actor(ctx, JefeAI.ID)
	must(t, err)
	if got.Name != JefeAI.Name || got.Email != JefeAI.Email || got.Unit != JefeAI.Unit || len(got.Grants) != 1 || !got.Grants[0].Interim {
		t.Fatalf("actor read back wrong: %+v", got)
	}
	_, err = p.Actor(ctx, "nadie")
	wantCode(t, err, procedure.ENOTFOUND)
	all, err := p.Actors(ctx)
	must(t, err)
	if len(all) != len(Actors()) || all[0].Name > all[len(all)-1].Name {
		t.Fatalf("Actors returned %d, not ordered by name", len(all))
	}
	jefes, err := p.Holders(ctx, manual.RoleJefeUIT, "")
	must(t, err)
	if len(jefes) != 2 {
		t.Fatalf("%d holders of jefe_uit, want 2", len(jefes))
	}
	sol, err := p.Holders(ctx, manual.RoleSolicitante, UnitGobierno)
	must(t, err)
	if len(sol) != 1 || sol[0].ID != Solicitante2.ID {
		t.Fatalf("solicitantes of %s = %+v", UnitGobierno, sol)
	}
	// Replacing an actor changes its grants.
	changed := Profesional2
	changed.Grants = []procedure.Grant{{Role: manual.RoleProfesionalSS}, {Role: manual.RoleResponsableSS, Interim: true}}
	must(t, p.SaveActor(ctx, changed))
	if got, _ := p.Actor(ctx, changed.ID); len(got.Grants) != 2 {
		t.Fatalf("grants after replace: %+v", got.Grants)
	}
	if all2, _ := p.Actors(ctx); len(all2) != len(all) {
		t.Fatalf("replacing an actor changed the count to %d", len(all2))
	}
	_, err = p.PasswordHash(ctx, Jefe.ID)
	wantCode(t, err, procedure.ENOTFOUND)
	must(t, p.SetPasswordHash(ctx, Jefe.ID, []byte("$2a$10$hash")))
	h, err := p.PasswordHash(ctx, Jefe.ID)
	must(t, err)
	if string(h) != "$2a$10$hash" {
		t.Fatalf("hash read back %q", h)
	}
	wantCode(t, p.SetPasswordHash(ctx, "nadie", []byte("x")), procedure.ENOTFOUND)
	t.Run("HostileInput", func(t *testing.T) { testHostilePeople(t, newPeople(t)) })
}

// TestFeedFollowsOutputs checks that a store's change feed names a case
// when a version of one of its documents is stored and when one of its
// outbox items changes status, so that a client showing the case follows
// its documents and the delivery of its emails. feed watches store.
func TestFeedFollowsOutputs(t *testing.T, store procedure.Store, feed procedure.ChangeFeed) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := NewEngine(t, store)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: Solicitante, Inputs: PR02Request("Seguido")})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := feed.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	items, err := store.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectEmail})
	if err != nil || len(items) == 0 {
		t.Fatalf("no email queued: %v", err)
	}
	it := items[0]
	it.Status, it.Attempts = procedure.OutboxSent, 1
	must(t, store.UpdateOutbox(ctx, it))
	ExpectChange(t, ctx, ch, c.ID)
	_, err = store.PutDocument(ctx, procedure.Document{CaseID: c.ID, Topic: manual.TopicNotaRemision, Seq: 1,
		Content: []byte("%PDF-1.7"), CreatedAt: time.Date(2026, 11, 26, 13, 1, 0, 0, time.UTC)})
	must(t, err)
	ExpectChange(t, ctx, ch, c.ID)
	if got, err := store.Case(ctx, c.ID); err != nil || got.Version != c.Version {
		t.Fatalf("the case changed: version %d, %v", got.Version, err)
	}
}
