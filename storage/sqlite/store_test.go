package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

// mustOpen opens a store on a new file in a temporary directory and closes
// it when the test ends.
func mustOpen(tb testing.TB, opts ...sqlite.Option) (*sqlite.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "tramite.db")
	return mustOpenPath(tb, path, opts...), path
}

func mustOpenPath(tb testing.TB, path string, opts ...sqlite.Option) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	proceduretest.TestStore(t, func(t *testing.T) procedure.Store {
		s, _ := mustOpen(t)
		return s
	})
}

func TestStoreSynchronousNormal(t *testing.T) {
	proceduretest.TestStore(t, func(t *testing.T) procedure.Store {
		s, _ := mustOpen(t, sqlite.WithSynchronous("normal"))
		return s
	})
}

func TestPeople(t *testing.T) {
	proceduretest.TestPeople(t, func(t *testing.T) procedure.People {
		s, _ := mustOpen(t)
		return s
	})
}

func TestPeopleSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tramite.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range proceduretest.Actors() {
		if err := s.SaveActor(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetPasswordHash(ctx, proceduretest.Jefe.ID, []byte("h")); err != nil {
		t.Fatal(err)
	}
	// Saving the actor again keeps the password hash.
	if err := s.SaveActor(ctx, proceduretest.Jefe); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = mustOpenPath(t, path)
	a, err := s.Actor(ctx, proceduretest.JefeAI.ID)
	if err != nil || !a.Grants[0].Interim {
		t.Fatalf("after reopen: %+v, %v", a, err)
	}
	if h, err := s.PasswordHash(ctx, proceduretest.Jefe.ID); err != nil || string(h) != "h" {
		t.Fatalf("password hash after SaveActor and reopen: %q, %v", h, err)
	}
}

func TestFilesAre0600(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nuevo")
	path := filepath.Join(dir, "tramite.db")
	s := mustOpenPath(t, path)
	e := proceduretest.NewEngine(t, s)
	proceduretest.RunPR01(t, e, "Permisos", "x", 0)
	for _, name := range []string{"tramite.db", "tramite.db-wal", "tramite.db-shm"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has permissions %v, want 0600", name, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("the directory Open made has permissions %v, want 0700", st.Mode().Perm())
	}
	backup := filepath.Join(t.TempDir(), "copia.db")
	if err := s.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(backup); st.Mode().Perm() != 0o600 {
		t.Errorf("backup has permissions %v, want 0600", st.Mode().Perm())
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		path string
		opts []sqlite.Option
	}{
		"synchronous OFF": {filepath.Join(t.TempDir(), "a.db"), []sqlite.Option{sqlite.WithSynchronous("OFF")}},
		"memory":          {":memory:", nil},
		"uri":             {"file:x.db?mode=memory", nil},
		"empty":           {"", nil},
	} {
		_, err := sqlite.Open(ctx, tc.path, tc.opts...)
		if procedure.ErrorCode(err) != procedure.EINVALID {
			t.Errorf("%s: error %v, want code %q", name, err, procedure.EINVALID)
		}
	}
	notADB := filepath.Join(t.TempDir(), "texto.db")
	os.WriteFile(notADB, []byte("esto no es una base de datos SQLite, es un archivo de texto cualquiera"), 0o600)
	if _, err := sqlite.Open(ctx, notADB); procedure.ErrorCode(err) != procedure.EINTERNAL {
		t.Errorf("a text file opened with error %v", err)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	s, path := mustOpen(t)
	migs := sqlite.Migrations()
	if len(migs) != sqlite.SchemaVersion() || sqlite.SchemaVersion() < 1 {
		t.Fatalf("%d migrations, schema version %d", len(migs), sqlite.SchemaVersion())
	}
	// Idempotent: migrating again, or opening again, changes nothing.
	e := proceduretest.NewEngine(t, s)
	c := proceduretest.RunPR01(t, e, "Migraciones", "x", 0)
	if err := sqlite.MigrateWith(ctx, s, migs); err != nil {
		t.Fatal(err)
	}
	s2 := mustOpenPath(t, path)
	if got, err := s2.Case(ctx, c.ID); err != nil || got.Version != c.Version {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
	// A new migration is applied once, in order, after the others.
	next := append(migs, "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1);")
	for i := 0; i < 2; i++ {
		if err := sqlite.MigrateWith(ctx, s, next); err != nil {
			t.Fatal(err)
		}
	}
	// A failing migration rolls back whole: nothing of it stays.
	bad := append(next, "CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;")
	if err := sqlite.MigrateWith(ctx, s, bad); err == nil {
		t.Fatal("a failing migration succeeded")
	}
	if err := sqlite.MigrateWith(ctx, s, append(next, "CREATE TABLE half (x INTEGER);")); err != nil {
		t.Fatalf("the failed migration left something behind: %v", err)
	}
	// This program's schema is now older than the file's: refused, clearly.
	s.Close()
	s2.Close()
	_, err := sqlite.Open(ctx, path)
	if !errors.Is(err, sqlite.ErrNewerSchema) || procedure.ErrorCode(err) != procedure.EINVALID {
		t.Fatalf("opening a newer database: %v", err)
	}
	t.Log(procedure.ErrorMessage(err))
}

// TestBusyIsConflict holds the write lock from one store while another,
// with a short busy timeout, tries to write: it gets ECONFLICT, mapped from
// SQLITE_BUSY, and nothing is written.
func TestBusyIsConflict(t *testing.T) {
	ctx := context.Background()
	holder, path := mustOpen(t)
	waiter := mustOpenPath(t, path, sqlite.WithBusyTimeout(50*time.Millisecond))
	locked, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- holder.Update(ctx, func(tx procedure.Tx) error {
			if _, err := tx.NextNumber("NI", 2026); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	err := waiter.Update(ctx, func(tx procedure.Tx) error { _, err := tx.NextNumber("NI", 2026); return err })
	close(release)
	if procedure.ErrorCode(err) != procedure.ECONFLICT {
		t.Fatalf("writing while another process holds the lock: %v, want %s", err, procedure.ECONFLICT)
	}
	t.Log(procedure.ErrorMessage(err))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var n int
	if err := waiter.Update(ctx, func(tx procedure.Tx) (err error) { n, err = tx.NextNumber("NI", 2026); return }); err != nil || n != 2 {
		t.Fatalf("after the lock is released: %d, %v; want 2", n, err)
	}
}

// TestDataRoundTrip stores inputs that need JSON escapes, and some that
// do not, in a case and in an entry, and reads them back unchanged.
func TestDataRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpen(t)
	data := procedure.Inputs{"comillas": `dijo "sí"`, "html": "<b>&</b>", "barra": `C:\ruta`, "ñ": "Núñez", "vacío": "",
		"líneas": "uno\ndos\ttres", "control": "\x01", "llave": "{\"a\":1}"}
	plain := procedure.Inputs{"system": "Sistema Ñandú", "unit": "Unidad: Gobierno, Electrónico"}
	for i, d := range []procedure.Inputs{data, plain, {}, nil} {
		id := fmt.Sprintf("R-%d", i)
		c := procedure.Case{ID: id, Procedure: manual.CodePR01, State: manual.StateRequested, Data: d}
		e := procedure.Entry{CaseID: id, Seq: 1, Data: d}
		e.Hash = e.ComputeHash()
		if err := s.Update(ctx, func(tx procedure.Tx) error {
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			return tx.AppendEntry(e)
		}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Case(ctx, id)
		if err != nil || len(got.Data) != len(d) {
			t.Fatalf("case data %q read back as %q, %v", d, got.Data, err)
		}
		for k, v := range d {
			if got.Data[k] != v {
				t.Fatalf("case data[%q] = %q, want %q", k, got.Data[k], v)
			}
		}
		h, err := s.History(ctx, id)
		if err != nil || procedure.VerifyChain(h) != nil || len(h[0].Data) != len(d) {
			t.Fatalf("entry data %q read back as %+v, %v", d, h, err)
		}
	}
}

// TestMigrationMovesCites opens a schema-3 database whose case keeps its
// cite numbers in data under "cite:<topic>": schema 4 moves them to the
// case's Cites and leaves the inputs alone.
func TestMigrationMovesCites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tramite.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sqlite.Migrations()[:3] {
		if _, err := db.ExecContext(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, data := range []string{
		`{"system":"Sistema \"Uno\"","cite:nota-remision":"UIT/NOTA/2026/0001","cite:informe-conclusion":"UIT/INF/2026/0003"}`,
		`{"system":"Dos"}`,
	} {
		_, err := db.ExecContext(ctx, `INSERT INTO cases (id, procedure, state, version, system, system_lower, description, unit,
			requester_id, assignee, step, waiting_role, waiting_actor, waiting_unit, data, created_at, updated_at, last_actor, change_seq)
			VALUES (?, 'P', 'requested', 1, 's', 's', '', 'U', 'ana', '', 2, 'jefe_uit', '', '', ?, 0, 0, '', 1)`,
			fmt.Sprintf("C-%d", len(data)), data)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "PRAGMA user_version = 3"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := mustOpenPath(t, path)
	cs, err := s.Cases(ctx, procedure.CaseQuery{})
	if err != nil || len(cs) != 2 {
		t.Fatalf("cases %v, %v", cs, err)
	}
	// Schema 7 makes the moved cites searchable, through the trigram index.
	for _, text := range []string{"uit/inf/2026/0003", "nota/2026"} {
		if found, err := s.Cases(ctx, procedure.CaseQuery{Text: text}); err != nil || len(found) != 1 || found[0].Cites == nil {
			t.Errorf("search %q after the migration: %v, %v", text, found, err)
		}
	}
	for _, c := range cs {
		if c.Data["system"] == "Dos" {
			if len(c.Cites) != 0 || len(c.Data) != 1 {
				t.Errorf("a case without cites: %+v", c)
			}
			continue
		}
		want := map[string]string{"nota-remision": "UIT/NOTA/2026/0001", "informe-conclusion": "UIT/INF/2026/0003"}
		if fmt.Sprint(c.Cites) != fmt.Sprint(want) || fmt.Sprint(c.Data) != fmt.Sprint(procedure.Inputs{"system": `Sistema "Uno"`}) {
			t.Errorf("after the migration: data %v, cites %v", c.Data, c.Cites)
		}
	}
}

func TestCertificates(t *testing.T) {
	proceduretest.TestCertificates(t, func(t *testing.T) interface {
		procedure.People
		procedure.Certificates
	} {
		s, _ := mustOpen(t)
		return s
	})
}
