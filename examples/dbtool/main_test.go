package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

func TestDBTool(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "tramite.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c := proceduretest.RunPR01(t, proceduretest.NewEngine(t, s), "Herramienta", "x", 0)
	s.Close()

	dbtool := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := dbtool("-db", path, "check"); code != 0 || !strings.Contains(out, "1 trámites, 8 entradas") || !strings.HasSuffix(out, "ok\n") {
		t.Fatalf("check of a sound database: %d\n%s", code, out)
	}
	backup := filepath.Join(dir, "respaldo.db")
	if code, out := dbtool("-db", path, "backup", backup); code != 0 {
		t.Fatalf("backup: %d\n%s", code, out)
	}
	if code, out := dbtool("-db", backup, "check"); code != 0 {
		t.Fatalf("check of the backup: %d\n%s", code, out)
	}
	if code, _ := dbtool("-db", path, "backup", backup); code != 1 {
		t.Fatal("a backup over an existing file succeeded")
	}
	if code, _ := dbtool("-db", filepath.Join(dir, "no.db"), "check"); code != 1 {
		t.Fatal("check of a missing database succeeded")
	}
	for _, args := range [][]string{{"check"}, {"-db", path}, {"-db", path, "borrar"}, {"-db", path, "backup"}} {
		if code, _ := dbtool(args...); code != 2 {
			t.Errorf("dbtool %v exited %d, want 2", args, code)
		}
	}

	// Tamper with an entry behind the store's back: check finds it.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TRIGGER history_no_update", "UPDATE history SET actor_name = 'Otra Persona' WHERE seq = 2"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	code, out := dbtool("-db", path, "check")
	if code != 1 || !strings.Contains(out, c.ID+": historial alterado") {
		t.Fatalf("check of a tampered database: %d\n%s", code, out)
	}
	t.Log("\n" + out)
}
