package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeGoModRecipe builds this program as a module of its own, with
// the go.mod README.md gives for a program beside a checkout, its replace
// line pointed at this repository.
func TestReadmeGoModRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module of its own")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```\n(module example\\.gob\\.bo/mitramite\n.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md shows no go.mod for a program of one's own (module example.gob.bo/mitramite)")
	}
	gomod := string(m[1])
	if !strings.Contains(gomod, "replace github.com/tramite/tramite => ../tramite\n") {
		t.Fatalf("the README's go.mod has no replace line for a checkout beside it:\n%s", gomod)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod = strings.Replace(gomod, "=> ../tramite", "=> "+root, 1)
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"go.mod": gomod, "main.go": string(src)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"mod", "tidy"}, {"build", "-o", filepath.Join(dir, "mitramite"), "."}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
