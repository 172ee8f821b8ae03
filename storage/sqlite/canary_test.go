package sqlite_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

// TestCanarySecret writes a canary secret through the whole flow — step 1,
// the nine steps, a reveal to the assigned profesional, the purge — and
// finds it in no byte of the database, its WAL, its shared-memory file or
// the log. After the purge, not even the sealed form is left in the files.
func TestCanarySecret(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "tramite.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sealer, err := procedure.NewAESSealer(proceduretest.Key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := procedure.NewEngine(s, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(proceduretest.NewClock()),
		procedure.WithSealer(sealer), procedure.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	rand.Read(b)
	canary := "CANARIO-" + hex.EncodeToString(b)
	const system = "Sistema Canario de Pruebas"

	c := proceduretest.RunPR01(t, e, system, canary, 1)
	sealed := c.Secrets
	if len(sealed) == 0 {
		t.Fatal("the case keeps no sealed secrets")
	}
	got, err := e.RevealSecrets(ctx, proceduretest.Profesional, c.ID)
	if err != nil || got["credentials"] != canary {
		t.Fatalf("reveal to the assigned profesional: %v, %v", got, err)
	}
	if _, err := e.RevealSecrets(ctx, proceduretest.Profesional2, c.ID); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("reveal to another profesional: %v", err)
	}
	files := func() map[string][]byte {
		out := map[string][]byte{}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if b, err := os.ReadFile(path + suffix); err == nil {
				out[filepath.Base(path+suffix)] = b
			}
		}
		return out
	}
	before := files()
	if len(before) != 3 {
		t.Fatalf("expected the database, its WAL and its shared memory, found %d files", len(before))
	}
	var seen bool
	for name, b := range before {
		if bytes.Contains(b, []byte(canary)) {
			t.Errorf("the canary secret is in %s", name)
		}
		seen = seen || bytes.Contains(b, []byte(system))
	}
	if !seen { // the files read are the ones the store wrote
		t.Fatal("the system's name is in none of the files")
	}

	if err := e.PurgeSecrets(ctx, proceduretest.Jefe, c.ID); err != nil {
		t.Fatal(err)
	}
	if c, _ = s.Case(ctx, c.ID); c.Secrets != nil {
		t.Fatal("secrets still there after the purge")
	}
	h, _ := s.History(ctx, c.ID)
	var reveals, purges int
	for _, en := range h {
		reveals += map[bool]int{true: 1}[en.Event == procedure.ActionRevealSecrets]
		purges += map[bool]int{true: 1}[en.Event == procedure.ActionPurgeSecrets]
	}
	if reveals != 1 || purges != 1 {
		t.Fatalf("history records %d reveals and %d purges, want 1 and 1", reveals, purges)
	}
	if err := s.Close(); err != nil { // checkpoints the WAL into the database
		t.Fatal(err)
	}
	for name, b := range files() {
		if bytes.Contains(b, []byte(canary)) {
			t.Errorf("the canary secret is in %s", name)
		}
		if bytes.Contains(b, sealed) {
			t.Errorf("the purged sealed secrets are still in %s", name)
		}
	}
	if !bytes.Contains(logs.Bytes(), []byte("transition")) {
		t.Fatal("the logger logged nothing")
	}
	if bytes.Contains(logs.Bytes(), []byte(canary)) {
		t.Error("the canary secret is in the log")
	}
}
