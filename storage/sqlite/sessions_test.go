package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

func TestSessions(t *testing.T) {
	proceduretest.TestSessions(t, func(t *testing.T) interface {
		procedure.People
		procedure.Sessions
	} {
		s, _ := mustOpen(t)
		return s
	})
}

// TestSessionsOfTwoHandles has two Stores on one file, as two server
// processes, create, read, touch and delete sessions at once: every
// operation succeeds (writers queue on SQLite's lock), each sees the
// other's sessions, and nothing is lost or counted twice.
func TestSessionsOfTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tramite.db")
	stores := []*sqlite.Store{mustOpenPath(t, path), mustOpenPath(t, path)}
	at := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	const workers, each = 4, 25
	hash := func(w, i int) string { return fmt.Sprintf("%064x", w*1000+i) }
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			mine, other := stores[w%2], stores[(w+1)%2]
			actor := fmt.Sprint("actor-", w)
			for i := 0; i < each; i++ {
				s := procedure.Session{TokenHash: hash(w, i), ActorID: actor, CreatedAt: at, LastSeen: at, ExpiresAt: at.Add(time.Hour)}
				if err := mine.CreateSession(ctx, s); err != nil {
					errs <- fmt.Errorf("worker %d create %d: %w", w, i, err)
					return
				}
				if _, err := other.Session(ctx, s.TokenHash); err != nil {
					errs <- fmt.Errorf("worker %d: the other handle does not see session %d: %w", w, i, err)
					return
				}
				if err := other.TouchSession(ctx, s.TokenHash, at.Add(time.Duration(i))); err != nil {
					errs <- fmt.Errorf("worker %d touch %d: %w", w, i, err)
					return
				}
				if i%2 == 0 {
					if err := other.DeleteSession(ctx, s.TokenHash); err != nil {
						errs <- fmt.Errorf("worker %d delete %d: %w", w, i, err)
						return
					}
				}
				if err := mine.RecordAuth(ctx, procedure.AuthEvent{At: at, Kind: procedure.AuthSignIn, Username: actor, ActorID: actor}); err != nil {
					errs <- fmt.Errorf("worker %d record %d: %w", w, i, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for w := 0; w < workers; w++ {
		actor := fmt.Sprint("actor-", w)
		n, err := stores[(w+1)%2].DeleteSessions(ctx, actor)
		if err != nil || n != each/2 {
			t.Fatalf("%s has %d sessions left (%v), want %d", actor, n, err, each/2)
		}
		if n, err := stores[w%2].CountAuth(ctx, procedure.AuthQuery{Username: actor}); err != nil || n != each {
			t.Fatalf("%s has %d sign-ins (%v), want %d", actor, n, err, each)
		}
	}
}

// TestAuthQueriesAreIndexBacked reads SQLite's plan of the auth event
// queries a server runs: none scans the table, and a listing is read in
// order off its index.
func TestAuthQueriesAreIndexBacked(t *testing.T) {
	s, _ := mustOpen(t)
	db := sqlite.RawDB(s)
	since := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		q       procedure.AuthQuery
		mustUse string
	}{
		{"all", procedure.AuthQuery{Limit: 50}, "auth_events_at"},
		{"since", procedure.AuthQuery{Since: since, Limit: 50}, "auth_events_at"},
		{"failures of a user since", procedure.AuthQuery{Kind: procedure.AuthFailure, Username: "ana", Since: since}, "auth_events_username"},
		{"failures from an address since", procedure.AuthQuery{Kind: procedure.AuthFailure, Address: "10.0.0.1", Since: since}, "auth_events_address"},
		{"a user's events", procedure.AuthQuery{Username: "ana", Limit: 20}, "auth_events_username"},
	} {
		for _, sql := range []func(procedure.AuthQuery) (string, []any){sqlite.AuthQuerySQL, sqlite.CountAuthSQL} {
			query, args := sql(tc.q)
			plan := queryPlan(t, db, query, args)
			all := strings.Join(plan, "\n")
			if slices.Contains(plan, "SCAN auth_events") {
				t.Errorf("%s scans the whole table:\n%s", tc.name, all)
			}
			if !strings.Contains(all, tc.mustUse) {
				t.Errorf("%s: %s does not use %s:\n%s", tc.name, query, tc.mustUse, all)
			}
			if strings.Contains(all, "TEMP B-TREE") {
				t.Errorf("%s sorts instead of reading the index in order:\n%s", tc.name, all)
			}
		}
	}
	for _, query := range []string{"DELETE FROM sessions WHERE actor_id = ?", "SELECT token_hash FROM sessions WHERE token_hash = ?"} {
		all := strings.Join(queryPlan(t, db, query, []any{"x"}), "\n")
		if !strings.Contains(all, "SEARCH sessions") {
			t.Errorf("%s does not search an index:\n%s", query, all)
		}
	}
}
