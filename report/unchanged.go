package report

import (
	"bytes"
	"fmt"
	"io"

	"github.com/digitorus/pdf"
)

// sameContent tells whether a later revision of a PDF shows the same
// document as an earlier one: everything the catalog reaches (pages,
// their content, fonts, annotations, outlines, metadata) and the Info
// dictionary are equal, value by value and stream by stream, in both;
// only the catalog's /AcroForm (where signatures are listed), /Perms
// and /Version
// may differ, and objects that nothing but those reach (the signatures
// themselves) are free. An incremental update that adds a signature
// passes; one that also changes a page, a font or the text does not.
func sameContent(earlier, later []byte) (same bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			same, err = false, fmt.Errorf("malformed PDF: %v", p)
		}
	}()
	if err := checkParsable(earlier); err != nil {
		return false, err
	}
	if err := checkParsable(later); err != nil {
		return false, err
	}
	a, err := pdf.NewReader(bytes.NewReader(earlier), int64(len(earlier)))
	if err != nil {
		return false, err
	}
	b, err := pdf.NewReader(bytes.NewReader(later), int64(len(later)))
	if err != nil {
		return false, err
	}
	c := comparison{seen: map[[2]uint32]bool{}, redefined: redefinedObjects(later[len(earlier):])}
	if !bytes.HasPrefix(later, earlier) {
		c.redefined = nil // not an incremental update: compare every stream
	}
	ra, rb := a.Trailer().Key("Root"), b.Trailer().Key("Root")
	if !c.dict(ra, rb, map[string]bool{"AcroForm": true, "Perms": true, "Version": true}) {
		return false, nil
	}
	return c.value(a.Trailer().Key("Info"), b.Trailer().Key("Info"), 0, 0), nil
}

type comparison struct {
	seen map[[2]uint32]bool // pairs of indirect objects found equal or being compared
	// redefined are the objects the later revision's updates define
	// again; nil when unknown. A stream that is not among them is the same
	// bytes in both revisions: its data need not be decoded to compare.
	redefined map[uint32]bool
}

// redefinedObjects returns the object numbers that the cross-reference
// tables of incremental updates list; nil when an update uses a
// cross-reference stream, which this does not read.
func redefinedObjects(updates []byte) map[uint32]bool {
	if bytes.Contains(updates, []byte("/XRef")) {
		return nil
	}
	out := map[uint32]bool{}
	for rest := updates; ; {
		i := bytes.Index(rest, []byte("xref"))
		if i < 0 {
			return out
		}
		rest = rest[i+len("xref"):]
		// After "startxref" come an offset and %%EOF, not a subsection
		// header: the loop below stops at once.
		lines := bytes.Fields(rest)
		for j := 0; j+1 < len(lines); {
			var start, count uint32
			if _, err := fmt.Sscanf(string(lines[j])+" "+string(lines[j+1]), "%d %d", &start, &count); err != nil {
				break // "trailer"
			}
			for k := uint32(0); k < count; k++ {
				out[start+k] = true
			}
			j += 2 + 3*int(count)
		}
	}
}

// dict compares two dictionaries (or stream headers) but the keys in skip.
func (c *comparison) dict(a, b pdf.Value, skip map[string]bool) bool {
	ka, kb := keysBut(a, skip), keysBut(b, skip)
	if len(ka) != len(kb) {
		return false
	}
	pa, pb := a.GetPtr(), b.GetPtr()
	for i, k := range ka {
		if kb[i] != k || !c.value(a.Key(k), b.Key(k), pa.GetID(), pb.GetID()) {
			return false
		}
	}
	return true
}

func keysBut(v pdf.Value, skip map[string]bool) []string {
	var out []string
	for _, k := range v.Keys() {
		if !skip[k] {
			out = append(out, k)
		}
	}
	return out
}

// value compares two values; parentA and parentB are the objects they
// were read from, to tell an indirect object (compared once) from a value
// written inside its parent.
func (c *comparison) value(a, b pdf.Value, parentA, parentB uint32) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	pa, pb := a.GetPtr(), b.GetPtr()
	if pa.GetID() != parentA || pb.GetID() != parentB {
		key := [2]uint32{pa.GetID(), pb.GetID()}
		if c.seen[key] {
			return true
		}
		c.seen[key] = true
	}
	switch a.Kind() {
	case pdf.Dict:
		return c.dict(a, b, nil)
	case pdf.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !c.value(a.Index(i), b.Index(i), pa.GetID(), pb.GetID()) {
				return false
			}
		}
		return true
	case pdf.Stream:
		if !c.dict(a, b, nil) {
			return false
		}
		if c.redefined != nil && pa.GetID() == pb.GetID() && pa.GetID() != 0 && !c.redefined[pa.GetID()] {
			return true // the same object, never written again: the same bytes
		}
		da, erra := readAll(a)
		db, errb := readAll(b)
		return erra == nil && errb == nil && bytes.Equal(da, db)
	case pdf.String:
		return a.RawString() == b.RawString()
	default:
		return a.String() == b.String()
	}
}

func readAll(v pdf.Value) ([]byte, error) {
	r := v.Reader()
	defer r.Close()
	return io.ReadAll(r)
}
