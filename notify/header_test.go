package notify

import (
	"bytes"
	"math/rand/v2"
	"mime"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
)

// goMessageField is the field as go-message formats it itself.
func goMessageField(t *testing.T, key, v string) []byte {
	t.Helper()
	var h textproto.Header
	h.Set(key, v)
	var b bytes.Buffer
	if err := textproto.WriteHeader(&b, h); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\r\n")) // the header's closing blank line
}

// TestFoldFieldAsGoMessage: foldField writes the very bytes go-message
// writes, for values of every shape: empty, short, long words, runs of
// spaces and tabs, encoded words, and random mixes of them.
func TestFoldFieldAsGoMessage(t *testing.T) {
	values := []string{
		"",
		"x",
		"Información pendiente: puesta en producción — ¿revisión?",
		strings.Repeat("a", 75),
		strings.Repeat("a", 76),
		strings.Repeat("a", 77),
		strings.Repeat("a", 2000),
		strings.Repeat("palabra ", 300),
		strings.Repeat(" ", 200),
		strings.Repeat("\t", 100) + "x",
		"a " + strings.Repeat("b", 997) + " c",
		"<" + strings.Repeat("0123456789abcdef", 40) + "@tramite.agetic.gob.bo>",
	}
	for _, s := range []string{"Ñusta Álvarez Quispe", strings.Repeat("ñ", 3000), "Sistema (v2.1), \"Portal\" <x>"} {
		values = append(values, mime.QEncoding.Encode("utf-8", s), mime.BEncoding.Encode("utf-8", s))
	}
	rng := rand.New(rand.NewPCG(16, 16))
	pieces := []string{"a", "ñ", " ", "\t", "palabra", strings.Repeat("x", 80), "=?utf-8?q?", ","}
	for range 500 {
		var b strings.Builder
		for range rng.IntN(400) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		values = append(values, b.String())
	}
	for _, key := range []string{"Subject", "To", "X-Tramite-Case"} {
		for _, v := range values {
			if got, want := foldField(key, v), goMessageField(t, key, v); !bytes.Equal(got, want) {
				t.Fatalf("%s: %.60q…\n got %.200q\nwant %.200q", key, v, got, want)
			}
		}
	}
}

// TestAddFieldRefuses: a field name with a colon, a space or a control
// character, an overlong name, and a value with a line break are refused.
func TestAddFieldRefuses(t *testing.T) {
	for _, tt := range []struct{ key, v string }{
		{"X-Bad:Name", "v"}, {"X Bad", "v"}, {"X-\x00", "v"}, {"", "v"}, {strings.Repeat("X", 65), "v"},
		{"X-Ok", "a\r\nBcc: x@y.z"}, {"X-Ok", "a\nb"},
	} {
		if err := addField(nil, tt.key, tt.v); err == nil {
			t.Errorf("addField(%q, %q) accepted", tt.key, tt.v)
		}
	}
}
