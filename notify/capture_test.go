package notify_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tramite/tramite/notify"
)

func TestCaptureServer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	srv, err := notify.NewCaptureServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	runCase(t, f, true)
	cfg := srv.Config(from)
	cfg.MailDir = t.TempDir()
	if err := notify.TestConnection(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	st, err := f.dispatcher(t, cfg).Drain(context.Background())
	if err != nil || st.Sent != 8 {
		t.Fatalf("%v, %v", st, err)
	}
	files := srv.Files()
	if len(files) != 8 || filepath.Base(files[0]) != "001.eml" || filepath.Base(files[7]) != "008.eml" {
		t.Fatalf("files = %v", files)
	}
	for _, p := range files {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want 0600", p, st.Mode(), err)
		}
		raw, _ := os.ReadFile(p)
		parse(t, raw)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", st.Mode().Perm())
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// A new server in the same folder numbers on.
	srv2, err := notify.NewCaptureServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	g := newFixture(t)
	g.start(t, canary)
	cfg2 := srv2.Config(from)
	if st, err := g.dispatcher(t, cfg2).Drain(context.Background()); err != nil || st.Sent != 1 {
		t.Fatalf("%v, %v", st, err)
	}
	if fs := srv2.Files(); len(fs) != 1 || filepath.Base(fs[0]) != "009.eml" {
		t.Errorf("files = %v", fs)
	}
	// Without credentials the server refuses to relay.
	cfg2.Username, cfg2.Password = "", ""
	g.start(t, canary)
	st, _ = g.dispatcher(t, cfg2).Drain(context.Background())
	if st.Sent != 0 {
		t.Errorf("sent without AUTH: %v", st)
	}
}

// TestCaptureServersShareAFolder runs two capture servers on one folder, as
// two desktop clients on one profile directory do: each numbers its
// messages from the files it found at start, so the second one's first
// number is taken by the first one's. Neither refuses a message (451); every
// message lands in a file of its own.
func TestCaptureServersShareAFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail-capture")
	var srvs []*notify.CaptureServer
	for range 2 {
		s, err := notify.NewCaptureServer(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		srvs = append(srvs, s)
	}
	// In turn, then both at once.
	sent := 0
	for round, s := range []*notify.CaptureServer{srvs[0], srvs[1], srvs[0], srvs[1]} {
		f := newFixture(t)
		for range 3 {
			f.start(t, canary)
		}
		st, err := f.dispatcher(t, s.Config(from)).Drain(context.Background())
		if err != nil || st.Sent != 3 || st.Failed != 0 {
			t.Fatalf("round %d: %+v, %v", round, st, err)
		}
		sent += st.Sent
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, s := range srvs {
		f := newFixture(t)
		for range 4 {
			f.start(t, canary)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := f.dispatcher(t, s.Config(from)).Drain(context.Background())
			if err == nil && (st.Sent != 4 || st.Failed != 0) {
				err = fmt.Errorf("at once: %+v", st)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sent += 8
	files := append(srvs[0].Files(), srvs[1].Files()...)
	on, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != sent || len(on) != sent {
		t.Fatalf("%d messages sent, the servers kept %d, the folder holds %d", sent, len(files), len(on))
	}
	seen := map[string]bool{}
	for _, p := range files {
		if seen[p] {
			t.Fatalf("%s written twice", p)
		}
		seen[p] = true
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		parse(t, raw)
	}
}

// TestCaptureServerClosedAtOnce: a server closed right after it starts,
// before its goroutine serves, stops all the same.
func TestCaptureServerClosedAtOnce(t *testing.T) {
	dir := t.TempDir()
	for range 200 {
		s, err := notify.NewCaptureServer(dir)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Close() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not return")
		}
	}
}
