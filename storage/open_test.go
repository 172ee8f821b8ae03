package storage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage"
	"github.com/tramite/tramite/storage/postgres/pgtest"
)

// postgresTarget returns the URL of a fresh database on the test server
// (dropped when the test ends), or skips the test.
func postgresTarget(t *testing.T) string { t.Helper(); return pgtest.Database(t) }

func TestOpen(t *testing.T) {
	tests := []struct {
		name   string
		target func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "tramite.db") }},
		{"postgres", postgresTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db, err := storage.Open(ctx, tt.target(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, a := range proceduretest.Actors() {
				if err := db.SaveActor(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			feed, err := db.Watch(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sealer, _ := procedure.NewAESSealer(proceduretest.Key)
			e, err := procedure.NewEngine(db, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(db), procedure.WithSealer(sealer))
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
				Inputs: proceduretest.PR02Request("Abierto")})
			if err != nil {
				t.Fatal(err)
			}
			proceduretest.ExpectChange(t, ctx, feed, c.ID)
		})
	}
}

func TestOpenEmptyTarget(t *testing.T) {
	_, err := storage.Open(context.Background(), "  ")
	if procedure.ErrorCode(err) != procedure.EINVALID {
		t.Fatalf("empty target: %v, want EINVALID", err)
	}
}

func TestTargetFromEnv(t *testing.T) {
	tests := []struct {
		name, flag, env, want string
	}{
		{"flag wins", "/datos/a.db", "postgres://db/tramite", "/datos/a.db"},
		{"environment", "", "postgres://db/tramite", "postgres://db/tramite"},
		{"default", "", "", "tramite.db"},
		{"blank flag", "  ", "", "tramite.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(storage.EnvDatabaseURL, tt.env)
			if got := storage.TargetFromEnv(tt.flag, "tramite.db"); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsPostgresAndDescribe(t *testing.T) {
	tests := []struct {
		target   string
		postgres bool
		shown    string
	}{
		{"postgres://tramite:secreto@db:5432/tramite?sslmode=verify-full", true, "postgres://tramite:xxxxx@db:5432/tramite?sslmode=verify-full"},
		{"POSTGRESQL://db/tramite", true, "postgresql://db/tramite"},
		{"/home/ana/.local/share/tramite/tramite.db", false, "/home/ana/.local/share/tramite/tramite.db"},
		{"postgres.db", false, "postgres.db"},
	}
	for _, tt := range tests {
		if got := storage.IsPostgres(tt.target); got != tt.postgres {
			t.Errorf("IsPostgres(%q) = %v", tt.target, got)
		}
		if got := storage.Describe(tt.target); got != tt.shown {
			t.Errorf("Describe(%q) = %q, want %q", tt.target, got, tt.shown)
		}
	}
}

func ExampleTargetFromEnv() {
	os.Setenv(storage.EnvDatabaseURL, "")
	fmt.Println(storage.TargetFromEnv("", "tramite.db"))
	fmt.Println(storage.Describe("postgres://uit:clave@db.uit.example.bo/tramite?sslmode=verify-full"))
	// Output:
	// tramite.db
	// postgres://uit:xxxxx@db.uit.example.bo/tramite?sslmode=verify-full
}
