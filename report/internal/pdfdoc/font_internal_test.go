package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestSubsetStream: the zlib stream spliced from stored blocks and the
// fixed tables deflated once inflates to exactly the subset's bytes, for
// a few glyphs, for composites, and for every glyph (stored blocks over
// 64 KiB, long loca offsets).
func TestSubsetStream(t *testing.T) {
	for _, name := range []string{"DejaVuSans-subset.ttf", "DejaVuSans-Bold-subset.ttf"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "fonts", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := ParseFont("F", raw)
		if err != nil {
			t.Fatal(err)
		}
		all := map[uint16]rune{}
		for g := range f.numGlyphs {
			all[uint16(g)] = rune(g)
		}
		sets := map[string]map[uint16]rune{"none": {}, "all": all, "text": {}}
		for _, r := range "Ñandú — INFORME TÉCNICO ✓ €" {
			g, _ := f.glyph(r)
			sets["text"][g] = r
		}
		for set, used := range sets {
			dir, vary := f.subsetParts(used)
			want := append(append(dir, f.fixedData...), vary...)
			stream, n := f.subsetStream(used)
			zr, err := zlib.NewReader(bytes.NewReader(stream))
			if err != nil {
				t.Fatalf("%s %s: %v", name, set, err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%s %s: the stream does not inflate: %v", name, set, err)
			}
			if !bytes.Equal(got, want) || n != len(want) {
				t.Fatalf("%s %s: inflates to %d bytes (Length1 %d), want the subset's %d", name, set, len(got), n, len(want))
			}
			if _, err := ParseFont("S", got); err != nil {
				t.Fatalf("%s %s: the subset is no font: %v", name, set, err)
			}
		}
	}
}
