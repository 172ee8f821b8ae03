package postgres_test

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/postgres"
)

func TestMigrationsConcurrentOpen(t *testing.T) {
	dbURL := newDatabase(t)
	ctx := context.Background()
	const clients = 6
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(ctx, dbURL)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a client starting at the same time as others failed: %v", err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n, max int
	if err := conn.QueryRow(ctx, "SELECT count(*), max(version) FROM schema_version").Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != postgres.SchemaVersion() || max != postgres.SchemaVersion() {
		t.Fatalf("schema_version has %d rows up to %d, want each of the %d migrations once", n, max, postgres.SchemaVersion())
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, dbURL := mustOpen(t)
	s.Close()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "INSERT INTO schema_version (version, name) VALUES ($1, 'from_the_future.sql')", postgres.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, dbURL)
	if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(procedure.ErrorMessage(err), "actualice tramite") {
		t.Fatalf("opening a newer schema: %v, want EINVALID asking to update tramite", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		url  string
		code procedure.Code
	}{
		{"malformed URL", "postgres://tramite:secreto@[::1", procedure.EINVALID},
		{"unknown parameter value", "postgres://tramite@127.0.0.1/x?sslmode=sometimes", procedure.EINVALID},
		{"nobody listening", "postgres://tramite:secreto@127.0.0.1:1/tramite?sslmode=disable&connect_timeout=5", procedure.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := postgres.Open(ctx, tt.url)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if got := procedure.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if strings.Contains(procedure.ErrorMessage(err), "secreto") {
				t.Fatalf("the message shows the password: %q", procedure.ErrorMessage(err))
			}
		})
	}
}

func TestBadTextIsInvalidAndLosesNothing(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	c := procedure.Case{ID: "N-1", Procedure: manual.CodePR01, State: manual.StateRequested, System: "con\x00nulo", CreatedAt: at, UpdatedAt: at}
	err := s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(c) })
	if procedure.ErrorCode(err) != procedure.EINVALID {
		t.Fatalf("a NUL byte: %v, want EINVALID", err)
	}
	c.System = "sin nulo"
	if err := s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(c) }); err != nil {
		t.Fatalf("after the refusal the same case could not be stored: %v", err)
	}
}

// A conflict inside a transaction does not abort it: the caller may go on,
// as with the in-memory store.
func TestConflictKeepsTransactionUsable(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	c := procedure.Case{ID: "K-1", Procedure: manual.CodePR01, State: manual.StateRequested, CreatedAt: at, UpdatedAt: at}
	if err := s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(c) }); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx procedure.Tx) error {
		if err := tx.CreateCase(c); procedure.ErrorCode(err) != procedure.ECONFLICT {
			t.Errorf("duplicate CreateCase: %v, want ECONFLICT", err)
		}
		if err := tx.AppendEntry(procedure.Entry{CaseID: c.ID, Seq: 2, At: at}); procedure.ErrorCode(err) != procedure.ECONFLICT {
			t.Errorf("first entry with Seq 2: %v, want ECONFLICT", err)
		}
		c2 := c
		c2.ID = "K-2"
		return tx.CreateCase(c2)
	})
	if err != nil {
		t.Fatalf("transaction after a conflict: %v", err)
	}
	if _, err := s.Case(ctx, "K-2"); err != nil {
		t.Fatal(err)
	}
}

func TestHistoryIsAppendOnly(t *testing.T) {
	s, dbURL := mustOpen(t)
	ctx := context.Background()
	e := proceduretest.NewEngine(t, s)
	c := proceduretest.RunPR01(t, e, "Inalterable", "x", 0)
	if _, err := s.PutDocument(ctx, procedure.Document{CaseID: c.ID, Topic: "hoja-de-ruta", Content: []byte("%PDF")}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		"UPDATE history SET actor_name = 'Otro' WHERE case_id = $1",
		"DELETE FROM history WHERE case_id = $1",
		"UPDATE documents SET number = 'X' WHERE case_id = $1",
	} {
		if _, err := conn.Exec(ctx, sql, c.ID); err == nil {
			t.Errorf("%s: the database allowed it", sql)
		}
	}
	if err := e.Verify(ctx, proceduretest.Jefe, c.ID); err != nil {
		t.Fatal(err)
	}
}

// History keeps the exact instant of each entry, nanoseconds included,
// since the hash chain covers it.
func TestHistoryKeepsNanoseconds(t *testing.T) {
	s, _ := mustOpen(t)
	ctx := context.Background()
	var tick int64
	clock := procedure.ClockFunc(func() time.Time {
		tick++
		return time.Date(2026, 11, 26, 13, 0, 0, 123456789, time.UTC).Add(time.Duration(tick))
	})
	sealer, _ := procedure.NewAESSealer(proceduretest.Key)
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(clock), procedure.WithSealer(sealer))
	if err != nil {
		t.Fatal(err)
	}
	c := proceduretest.RunPR01(t, e, "Nanos", "x", 1)
	if err := e.Verify(ctx, proceduretest.Jefe, c.ID); err != nil {
		t.Fatalf("hash chain after a round trip: %v", err)
	}
}

// The plaintext of a PR01 credential never reaches any table: every row of
// every table, as text, is searched for it.
func TestSecretsNeverStoredInPlaintext(t *testing.T) {
	s, dbURL := mustOpen(t)
	ctx := context.Background()
	e := proceduretest.NewEngine(t, s)
	const canary = "canary-pg-7d3b9e"
	c := proceduretest.RunPR01(t, e, "Canario", canary, 1)
	got, err := e.RevealSecrets(ctx, proceduretest.Profesional, c.ID)
	if err != nil || got["credentials"] != canary {
		t.Fatalf("the profesional cannot read the credentials back: %v %v", got, err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 6 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	needles := []string{canary, hex.EncodeToString([]byte(canary)), "tok-" + canary}
	for _, table := range tables {
		rows, err := conn.Query(ctx, "SELECT t::text FROM "+pgx.Identifier{table}.Sanitize()+" t")
		if err != nil {
			t.Fatal(err)
		}
		dump, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range dump {
			for _, n := range needles {
				if strings.Contains(strings.ToLower(row), strings.ToLower(n)) {
					t.Fatalf("table %s holds the secret in plaintext: %s", table, row)
				}
			}
		}
	}
}

func TestWatch(t *testing.T) {
	a, dbURL := mustOpen(t)
	b, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wctx, stop := context.WithCancel(ctx)
	feed, err := a.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	closedByStore, err := a.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Changes made through another store (another machine) are heard.
	e := proceduretest.NewEngine(t, b)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Vigilado")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: proceduretest.Jefe}); err != nil {
		t.Fatal(err)
	}
	proceduretest.ExpectChange(t, ctx, feed, c.ID)
	// Ending the context closes the channel.
	stop()
	for range feed {
	}
	// Closing the store closes the rest.
	a.Close()
	for range closedByStore {
	}
	if _, err := a.Watch(ctx); procedure.ErrorCode(err) != procedure.EINVALID {
		t.Fatalf("Watch after Close: %v, want EINVALID", err)
	}
}

// When the LISTEN connection drops, the feed reconnects and reports the
// cases changed while it was down.
func TestWatchSurvivesDroppedConnection(t *testing.T) {
	s, dbURL := mustOpen(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	feed, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, postgres.ListenerApplicationName)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("terminate the listening backend: %v, %d rows", err, tag.RowsAffected())
	}
	// A change right after the drop, likely before the reconnection.
	e := proceduretest.NewEngine(t, s)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Reconexión")})
	if err != nil {
		t.Fatal(err)
	}
	proceduretest.ExpectChange(t, ctx, feed, c.ID) // made while the feed was down
}

// TestMigrationMovesCites takes a database back to schema 4, whose cases
// kept their cite numbers in data under "cite:<topic>", and opens it again:
// schema 5 moves them to the case's Cites and leaves the inputs alone, and
// schema 8 makes the cites searchable.
func TestMigrationMovesCites(t *testing.T) {
	s, dbURL := mustOpen(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	for _, c := range []procedure.Case{
		{ID: "C-1", Procedure: "P", State: "requested", Data: procedure.Inputs{"system": "Uno", "cite:nota-remision": "UIT/NOTA/2026/0001",
			"cite:informe-conclusion": "UIT/INF/2026/0003"}, CreatedAt: at, UpdatedAt: at},
		{ID: "C-2", Procedure: "P", State: "requested", Data: procedure.Inputs{"system": "Dos"}, CreatedAt: at, UpdatedAt: at},
	} {
		if err := s.Update(ctx, func(tx procedure.Tx) error { return tx.CreateCase(c) }); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `ALTER TABLE cases DROP COLUMN definition, DROP COLUMN cites, DROP COLUMN requester_name, DROP COLUMN search;
		ALTER TABLE documents DROP COLUMN seq; DROP TABLE attachments; DROP TABLE certificates; DROP INDEX cases_created; DELETE FROM schema_version WHERE version >= 5`)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	c1, err := s2.Case(ctx, "C-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c1.Data) != 1 || c1.Data["system"] != "Uno" || len(c1.Cites) != 2 || c1.Cites["nota-remision"] != "UIT/NOTA/2026/0001" ||
		c1.Cites["informe-conclusion"] != "UIT/INF/2026/0003" {
		t.Errorf("after the migration: data %v, cites %v", c1.Data, c1.Cites)
	}
	if c2, err := s2.Case(ctx, "C-2"); err != nil || len(c2.Data) != 1 || c2.Cites != nil {
		t.Errorf("a case without cites: %+v, %v", c2, err)
	}
	if cs, err := s2.Cases(ctx, procedure.CaseQuery{Text: "uit/inf/2026/0003"}); err != nil || len(cs) != 1 || cs[0].ID != "C-1" {
		t.Errorf("search by a moved cite: %v, %v", cs, err)
	}
}

// TestWatchFollowsOutputs: the feed names a case whose document is stored
// or whose email changes status, for another store on the database too.
func TestWatchFollowsOutputs(t *testing.T) {
	a, dbURL := mustOpen(t)
	b, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	proceduretest.TestFeedFollowsOutputs(t, b, a)
}
