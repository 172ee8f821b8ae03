package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
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

func TestDBToolExport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "tramite.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range proceduretest.Actors() {
		if err := s.SaveActor(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := proceduretest.Generate(ctx, s, 60, 3, time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	dbtool := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	for _, tc := range []struct {
		args  []string
		check func(t *testing.T, data []byte)
	}{
		{[]string{"-as", "carla", "export", "tablero", "xlsx"}, func(t *testing.T, data []byte) {
			f, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if rows, err := f.GetRows("Resumen"); err != nil || len(rows) != 11 || rows[6][1] != "60" {
				t.Fatalf("summary %v, %v", rows, err)
			}
		}},
		{[]string{"-as", "elena", "-procedure", "UIT/ASS-PR01", "-from", "01/06/2026", "-to", "2026-11-26", "export", "tramites", "csv"}, func(t *testing.T, data []byte) {
			recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
			if err != nil || len(recs) < 2 || len(recs) > 31 {
				t.Fatalf("%d records, %v", len(recs), err)
			}
			for _, r := range recs[1:] {
				if r[1] != "UIT/ASS-PR01" || r[8] < "2026-06-01" {
					t.Fatalf("a case outside the filter: %v", r)
				}
			}
		}},
		{[]string{"-as", "carla", "export", "eventos", "xes"}, func(t *testing.T, data []byte) {
			var log struct {
				Traces []struct{} `xml:"trace"`
			}
			if err := xml.Unmarshal(data, &log); err != nil || len(log.Traces) != 60 {
				t.Fatalf("%d traces, %v", len(log.Traces), err)
			}
		}},
	} {
		name := strings.Join(tc.args, " ")
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "salida")
			code, out := dbtool(append(append([]string{"-db", path}, tc.args...), dst)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, out)
			}
			st, err := os.Stat(dst)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("%v, %v", st, err)
			}
			data, _ := os.ReadFile(dst)
			tc.check(t, data)
		})
	}
	existing := filepath.Join(dir, "existe.csv")
	if err := os.WriteFile(existing, []byte("no tocar"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		text string
	}{
		{[]string{"export", "tablero", "csv"}, 1, "-as"},
		{[]string{"-as", "fabio", "export", "tablero", "csv"}, 1, "tablero no está a cargo"},
		{[]string{"-as", "nadie", "export", "tablero", "csv"}, 1, "nadie"},
		{[]string{"-as", "carla", "export", "tablero", "xes"}, 1, "formato"},
		{[]string{"-as", "carla", "-from", "31/02/2026", "export", "tablero", "csv"}, 1, "fecha"},
		{[]string{"-as", "carla", "-from", "02/02/2026", "-to", "01/01/2026", "export", "tablero", "csv"}, 1, "anterior"},
		{[]string{"-as", "carla", "export", "tablero"}, 2, "uso"},
	} {
		dst := filepath.Join(dir, "error-"+strconv.Itoa(len(tc.args))+tc.text)
		code, out := dbtool(append(append([]string{"-db", path}, tc.args...), dst)...)
		if tc.code == 2 {
			code, out = dbtool(append([]string{"-db", path}, tc.args...)...)
		}
		if code != tc.code || !strings.Contains(out, tc.text) {
			t.Errorf("dbtool %v: exit %d\n%s", tc.args, code, out)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Errorf("dbtool %v left %s behind", tc.args, dst)
		}
	}
	if code, _ := dbtool("-db", path, "-as", "carla", "export", "tablero", "csv", existing); code != 1 {
		t.Error("an export over an existing file succeeded")
	}
	if data, _ := os.ReadFile(existing); string(data) != "no tocar" {
		t.Errorf("an existing file was overwritten: %q", data)
	}
}
