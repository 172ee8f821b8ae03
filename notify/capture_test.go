package notify_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
