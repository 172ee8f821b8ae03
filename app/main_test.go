package main

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary run the real client: a test starts the
// binary again with TRAMITE_APP_ARGS set, and that child runs main's run
// on the main goroutine, where fyne's GL driver needs it.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("TRAMITE_APP_ARGS"); ok {
		if err := run(strings.Fields(args)); err != nil {
			fmt.Fprintln(os.Stderr, "tramite:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// artifacts returns where screenshots go: $TRAMITE_ARTIFACTS/app when set
// (CI keeps it), else a temporary directory.
func artifacts(t *testing.T) string {
	if d := os.Getenv("TRAMITE_ARTIFACTS"); d != "" {
		dir := filepath.Join(d, "app-screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// TestClientDrawsItsScreens starts the real client under the X server of
// $DISPLAY (xvfb-run in CI) on a new SQLite database with the demo data,
// signs in and writes a PNG of each main screen.
func TestClientDrawsItsScreens(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display: run under xvfb-run")
	}
	dir := artifacts(t)
	home := t.TempDir()
	db := filepath.Join(home, "tramite.db")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TRAMITE_APP_ARGS=-db "+db+" -screenshot-dir "+dir+" -no-background",
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"TRAMITE_SECRET_KEY=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client: %v\n%s", err, out)
	}
	seen := map[string]string{}
	for _, name := range Screens {
		p := filepath.Join(dir, name+".png")
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		if other, ok := seen[string(raw)]; ok {
			t.Errorf("%s shows the same as %s: the screen did not change", name, other)
		}
		seen[string(raw)] = name
		f, err := os.Open(p)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 500 || b.Dx() > int(ShotSize.Width) || b.Dy() > int(ShotSize.Height) {
			t.Errorf("%s is %v, not within %v", name, b, ShotSize)
		}
		if Blank(img) {
			t.Errorf("%s is blank", name)
		}
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the database was not created: %v", err)
	}
	t.Logf("screenshots in %s", dir)
}

func TestFlags(t *testing.T) {
	f, err := parseFlags([]string{"-db", "x.db", "-demo=false"})
	if err != nil || f.db != "x.db" || f.demo {
		t.Fatalf("%+v %v", f, err)
	}
	if _, err := parseFlags([]string{"-nope"}); err == nil {
		t.Fatal("an unknown flag was accepted")
	}
}
