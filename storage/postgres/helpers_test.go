package postgres_test

import (
	"context"
	"testing"

	"github.com/tramite/tramite/storage/postgres"
	"github.com/tramite/tramite/storage/postgres/pgtest"
)

// serverURL returns the test server's URL, or skips the test.
func serverURL(tb testing.TB) string { tb.Helper(); return pgtest.ServerURL(tb) }

// newDatabase creates an empty database for one test and returns its URL.
func newDatabase(tb testing.TB) string { tb.Helper(); return pgtest.Database(tb) }

// mustOpen opens a store on a fresh database, closed when the test ends.
func mustOpen(tb testing.TB) (*postgres.Store, string) {
	tb.Helper()
	dbURL := newDatabase(tb)
	s, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, dbURL
}
