package translation_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tramite/tramite/app/translation"
)

// TestEveryTextIsTranslated checks that each lang.L literal of the client
// has an entry in every translation file, and that Load accepts them.
func TestEveryTextIsTranslated(t *testing.T) {
	if err := translation.Load(); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`lang\.L\(("(?:[^"\\]|\\.)*")`)
	keys := map[string]string{}
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			k, err := strconv.Unquote(m[1])
			if err != nil {
				t.Errorf("%s: %v", p, err)
			}
			keys[k] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d texts", len(keys))
	}
	for _, file := range []string{"es.json", "en.json"} {
		b, err := fs.ReadFile(translation.Files(), file)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for k, p := range keys {
			if strings.TrimSpace(m[k]) == "" {
				t.Errorf("%s lacks %q (used in %s)", file, k, p)
			}
		}
	}
}
