// Package pgtest gives tests a fresh PostgreSQL database on the throwaway
// server that `make test` starts (.ci/with-postgres exports its URL as
// TRAMITE_TEST_POSTGRES). Without that variable, tests that ask for a
// database skip and say how to run them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the URL of the test server.
const Env = "TRAMITE_TEST_POSTGRES"

// ServerURL returns the test server's URL, or skips the test.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(Env)
	if u == "" {
		tb.Skipf("%s is not set: run the PostgreSQL tests with ./.ci/with-postgres go test ./...", Env)
	}
	return u
}

// Database creates an empty database for one test, dropped (WITH FORCE)
// when the test ends, and returns its URL.
func Database(tb testing.TB) string {
	tb.Helper()
	admin := ServerURL(tb)
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
	name := pgx.Identifier{"tramite_test_" + hex.EncodeToString(b[:])}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name.Sanitize()); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("connect to drop the test database: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database: %v", err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name[0]
	return u.String()
}
