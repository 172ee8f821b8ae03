package remote_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/remote"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/server"
	"github.com/tramite/tramite/storage/sqlite"
)

var ctx = context.Background()

// newServer runs a real tramite server on a loopback listener, on a
// SQLite file, with the demo people (password "demo-" + username).
func newServer(t *testing.T) (*remote.Client, *procedure.Engine, *sqlite.Store) {
	t.Helper()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tramite.db"), sqlite.WithWatchInterval(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	people := store
	for _, a := range proceduretest.Actors() {
		if err := people.SaveActor(ctx, a); err != nil {
			t.Fatal(err)
		}
		h, _ := bcrypt.GenerateFromPassword([]byte(desk.DemoPassword(a.ID)), bcrypt.MinCost)
		if err := people.SetPasswordHash(ctx, a.ID, h); err != nil {
			t.Fatal(err)
		}
	}
	sealer, _ := procedure.NewAESSealer(proceduretest.Key)
	e, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(people), procedure.WithSealer(sealer))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Engine: e, Store: store, People: people, Sessions: people, Feed: store})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	c, err := remote.New(hs.URL, hs.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, e, store
}

func TestNewRefusesPlainHTTPOffThisMachine(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://tramite.agetic.gob.bo", true},
		{"https://tramite.agetic.gob.bo/", true},
		{"http://127.0.0.1:8443", true},
		{"http://localhost:8443", true},
		{"http://tramite.agetic.gob.bo", false},
		{"http://10.0.0.5:8443", false},
		{"ftp://tramite.agetic.gob.bo", false},
		{"tramite.agetic.gob.bo", false},
		{"", false},
	} {
		_, err := remote.New(tt.url, nil, nil)
		if (err == nil) != tt.ok {
			t.Errorf("New(%q): %v", tt.url, err)
		}
		if err != nil && procedure.ErrorCode(err) != procedure.EINVALID {
			t.Errorf("New(%q): code %s", tt.url, procedure.ErrorCode(err))
		}
	}
}

// TestErrorsKeepTheServersWords: refusals come back with the engine's code
// and Spanish message, as they would on the desk.
func TestErrorsKeepTheServersWords(t *testing.T) {
	c, e, store := newServer(t)
	if _, err := c.SignIn(ctx, "ana", "mala"); procedure.ErrorCode(err) != procedure.EFORBIDDEN || procedure.ErrorMessage(err) == "" {
		t.Fatalf("wrong password: %v", err)
	}
	bruno, err := c.SignIn(ctx, "bruno", desk.DemoPassword("bruno"))
	if err != nil {
		t.Fatal(err)
	}
	ana, err := c.SignIn(ctx, "ana", desk.DemoPassword("ana"))
	if err != nil {
		t.Fatal(err)
	}
	if !ana.CanStart(manual.CodePR01) || ana.CanSeeOutbox() || len(ana.Definitions()) != 2 {
		t.Fatalf("ana's session: start %v outbox %v", ana.CanStart(manual.CodePR01), ana.CanSeeOutbox())
	}
	cs, err := ana.Start(ctx, manual.CodePR02, proceduretest.PR02Request("Portal"), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = bruno.Open(ctx, cs.ID)
	if procedure.ErrorCode(err) != procedure.ENOTFOUND || procedure.ErrorMessage(err) != "no existe el trámite "+cs.ID {
		t.Fatalf("another unit's case: %v", err)
	}
	_, err = ana.Fire(ctx, cs.ID, manual.EventForward, nil, nil, "", 0)
	if procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("a requester forwarding: %v", err)
	}
	_, err = ana.Start(ctx, manual.CodePR02, procedure.Inputs{"unit": proceduretest.UnitDesarrollo}, nil, "")
	var perr *procedure.Error
	if procedure.ErrorCode(err) != procedure.EINVALID || !errorsAs(err, &perr) || len(perr.Problems) == 0 {
		t.Fatalf("missing inputs: %v", err)
	}
	if _, err := ana.Outbox(ctx, procedure.OutboxQuery{}); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("a requester's outbox: %v", err)
	}
	// The server renders the request note; the desk downloads the PDF.
	p, err := report.NewProcessor(store, e, report.ProcessorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := ana.Open(ctx, cs.ID)
	if err != nil || len(f.Documents) == 0 {
		t.Fatalf("ana's case lists %d documents: %v", len(f.Documents), err)
	}
	pdf, err := ana.DocumentContent(ctx, f.Documents[0])
	if sum := sha256.Sum256(pdf); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) || hex.EncodeToString(sum[:]) != f.Documents[0].SHA256 {
		t.Fatalf("the document downloads as %d bytes (%.8q): %v", len(pdf), pdf, err)
	}
	if units, err := ana.Units(ctx); err != nil || len(units) == 0 {
		t.Fatalf("units %v: %v", units, err)
	}
	if people, err := ana.Holders(ctx, procedure.RoleID("profesional_ss"), ""); err != nil || len(people) == 0 {
		t.Fatalf("profesionales %v: %v", people, err)
	}
}

// TestSignOutEndsTheSession: after SignOut the token no longer works and
// the event stream ends.
func TestSignOutEndsTheSession(t *testing.T) {
	c, _, _ := newServer(t)
	s, err := c.SignIn(ctx, "carla", desk.DemoPassword("carla"))
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := s.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cases(ctx, procedure.CaseQuery{}); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("a signed-out token still reads: %v", err)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case _, open := <-ch:
			if !open {
				return
			}
		case <-deadline:
			t.Fatal("the event stream outlived the session")
		}
	}
}

func errorsAs(err error, target **procedure.Error) bool {
	e, ok := err.(*procedure.Error)
	if ok {
		*target = e
	}
	return ok
}
