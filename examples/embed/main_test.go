package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// TestReadmeShowsThisProgram keeps README.md's embedding snippet identical
// to this compiled, tested program.
func TestReadmeShowsThisProgram(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte("```go\n"+string(src)+"```")) {
		t.Fatal("README.md does not show examples/embed/main.go verbatim in a ```go block; copy it again")
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := captureStdout(t, func() {
		if err := run(context.Background(), dir); err != nil {
			t.Fatal(err)
		}
	})
	if !strings.HasPrefix(out, "PR02-") || !strings.Contains(out, "Solicitado, espera al paso 2 de 9 (Jefe de la UIT)") {
		t.Fatalf("output %q", out)
	}
	st, err := os.Stat(dir + "/tramite.key")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
}

func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	defer func() { os.Stdout = old }()
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	f()
	w.Close()
	return <-done
}
