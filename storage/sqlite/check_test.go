package sqlite_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
)

func TestBackupAndCheck(t *testing.T) {
	ctx := context.Background()
	s, _ := mustOpen(t)
	e := proceduretest.NewEngine(t, s)
	c1 := proceduretest.RunPR01(t, e, "Respaldo", "s3cr3t", 1)
	c2 := proceduretest.RunPR01(t, e, "Respaldo 2", "s3cr3t", 0)
	open, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Abierto")})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Cases != 3 || r.Entries != 10+8+1 {
		t.Fatalf("check of a sound database: %+v", r)
	}

	// The backup is a database of its own with everything in it, made
	// while the store is in use.
	dest := filepath.Join(t.TempDir(), "respaldo.db")
	done := make(chan error)
	go func() {
		_, err := e.Fire(ctx, procedure.FireRequest{CaseID: open.ID, Event: manual.EventForward, Actor: proceduretest.Jefe})
		done <- err
	}()
	if err := s.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dest); procedure.ErrorCode(err) != procedure.EINVALID {
		t.Fatalf("a backup over an existing file: %v", err)
	}
	b := mustOpenPath(t, dest)
	if r, err := b.Check(ctx); err != nil || !r.OK() || r.Cases != 3 {
		t.Fatalf("check of the backup: %+v, %v", r, err)
	}
	got, err := b.Case(ctx, c1.ID)
	if err != nil || got.Version != c1.Version || string(got.Secrets) != string(c1.Secrets) {
		t.Fatalf("case in the backup: %+v, %v", got, err)
	}

	// History is append-only for the store…
	db := sqlite.RawDB(s)
	if _, err := db.ExecContext(ctx, "UPDATE history SET comment = 'x' WHERE case_id = ?", c1.ID); err == nil {
		t.Fatal("history was updated in place")
	}
	// …and whoever goes around that is found by Check.
	for _, q := range []string{
		"DROP TRIGGER history_no_update",
		"UPDATE history SET comment = 'aprobado sin revisión' WHERE case_id = '" + c1.ID + "' AND seq = 3",
		"UPDATE cases SET state = 'report_submitted' WHERE id = '" + c2.ID + "'",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	r, err = s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || len(r.Problems) != 2 || r.Problems[0].CaseID != c1.ID || r.Problems[1].CaseID != c2.ID ||
		!strings.Contains(r.Problems[0].Problem, "entrada 3") {
		t.Fatalf("check after tampering: %+v", r)
	}
	t.Logf("%+v", r.Problems)
}

func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, path := mustOpen(t, sqlite.WithWatchInterval(20*time.Millisecond))
	e := proceduretest.NewEngine(t, s)
	before, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Antes")})
	if err != nil {
		t.Fatal(err)
	}
	feed, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expect := func(id string) { t.Helper(); proceduretest.ExpectChange(t, ctx, feed, id) }
	// A change made by this process…
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Después")})
	if err != nil {
		t.Fatal(err)
	}
	expect(c.ID)
	// …and one made by another process on the same file.
	cmd := child(t, "forward", path, before.ID)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	expect(before.ID)
	select {
	case id := <-feed:
		t.Fatalf("feed said %s with nothing changed", id)
	case <-time.After(100 * time.Millisecond):
	}
	// The channel closes when the context ends, and when the store closes.
	cancel()
	for range feed {
	}
	feed2, err := s.Watch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for range feed2 {
	}
	if _, err := s.Watch(context.Background()); err == nil {
		t.Fatal("Watch on a closed store")
	}
}

// TestWatchFollowsOutputs: the feed names a case whose document is stored
// or whose email changes status.
func TestWatchFollowsOutputs(t *testing.T) {
	s, _ := mustOpen(t, sqlite.WithWatchInterval(20*time.Millisecond))
	proceduretest.TestFeedFollowsOutputs(t, s, s)
}

// TestAttachmentTamperingDetected: an attached file cannot be updated in
// place (a trigger refuses it); changed behind the store's back, content and
// digest column alike, Verify names the file, for the history's hash chain
// records its digest.
func TestAttachmentTamperingDetected(t *testing.T) {
	ctx := context.Background()
	s, path := mustOpen(t)
	e := proceduretest.NewEngine(t, s)
	c := proceduretest.InProgress(t, e, manual.CodePR01, "Archivo")
	_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventObserve, Actor: proceduretest.Profesional,
		Inputs: procedure.Inputs{"observations": "Ver el adjunto."},
		Files:  map[string]procedure.File{"observations_file": {Name: "obs.txt", Content: []byte("Falta el archivo .env\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Verify(ctx, proceduretest.Jefe, c.ID); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "UPDATE attachments SET content = ?", []byte("otra cosa")); err == nil {
		t.Fatal("an attachment was updated in place")
	}
	forged := []byte("Todo en orden.\n")
	sum := sha256.Sum256(forged)
	if _, err := db.ExecContext(ctx, `DROP TRIGGER attachments_no_update;
		UPDATE attachments SET content = ?, sha256 = ?, size = ?`, forged, hex.EncodeToString(sum[:]), len(forged)); err != nil {
		t.Fatal(err)
	}
	err = e.Verify(ctx, proceduretest.Jefe, c.ID)
	if procedure.ErrorCode(err) != procedure.EINTERNAL || !strings.Contains(procedure.ErrorMessage(err), "archivo alterado: obs.txt") {
		t.Fatalf("a forged attachment: %v", err)
	}
}
