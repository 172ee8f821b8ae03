package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tramite/tramite/storage/postgres"
)

// testEnv names the variable holding the URL of a throwaway PostgreSQL
// server; make test (through .ci/with-postgres) sets it.
const testEnv = "TRAMITE_TEST_POSTGRES"

// serverURL returns the test server's URL, or skips the test.
func serverURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(testEnv)
	if u == "" {
		tb.Skipf("%s is not set: run the PostgreSQL tests with ./.ci/with-postgres go test ./storage/postgres/...", testEnv)
	}
	return u
}

// newDatabase creates an empty database for one test, dropped when the
// test ends, and returns its URL.
func newDatabase(tb testing.TB) string {
	tb.Helper()
	admin := serverURL(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "tramite_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("connect to drop the test database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database: %v", err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

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
