package report_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
)

// tinyPDF builds a one-object PDF whose catalog is body, with a correct
// cross-reference table; trailerExtra goes into its trailer.
func tinyPDF(body, trailerExtra string) []byte {
	var b strings.Builder
	b.WriteString("%PDF-1.4\n%" + strings.Repeat("relleno ", 60) + "\n") // the parser wants 200 bytes and more
	off := b.Len()
	fmt.Fprintf(&b, "1 0 obj\n%s\nendobj\n", body)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", off, trailerExtra, xref)
	return []byte(b.String())
}

// TestHostilePDFsAreRefused gives VerifySignatures and Sign documents on
// which the PDF parser underneath would loop for ever; each is refused at
// once as not a readable PDF.
func TestHostilePDFsAreRefused(t *testing.T) {
	id := newTestCA(t).issue("Firmante")
	for _, tt := range []struct {
		name string
		pdf  []byte
	}{
		{"an array open to the end", tinyPDF("<< /Type /Catalog /Kids [1 2 3", "")},
		{"an array that ends the object", tinyPDF("<< /Type /Catalog /Kids [1 2 endobj", "")},
		{"a string open to the end", tinyPDF("<< /Type /Catalog /T (abc", "")},
		{"a cross-reference stream", []byte("%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 1 >>\nstream\nx\nendstream\nendobj\nstartxref\n9\n%%EOF\n")},
		{"a /Prev loop", tinyPDF("<< /Type /Catalog >>", "/Prev 41 ")},
		{"an offset out of the file", []byte("%PDF-1.4\nxref\n0 2\n0000000000 65535 f \n0000999999 00000 n \ntrailer\n<< /Size 2 >>\nstartxref\n9\n%%EOF\n")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan error, 2)
			go func() {
				_, err := report.VerifySignatures(tt.pdf, report.VerifyOptions{})
				done <- err
			}()
			go func() {
				var out strings.Builder
				done <- report.Sign(&out, tt.pdf, id, report.SignMeta{})
			}()
			for range 2 {
				select {
				case err := <-done:
					if procedure.ErrorCode(err) != procedure.EINVALID {
						t.Fatalf("err = %v, want EINVALID", err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("still parsing after 10 s")
				}
			}
		})
	}
	// A well-formed one still reads: no signatures.
	if sigs, err := report.VerifySignatures(tinyPDF("<< /Type /Catalog /Pages [] >>", ""), report.VerifyOptions{}); err != nil || len(sigs) != 0 {
		t.Fatalf("a well-formed PDF: %v, %v", sigs, err)
	}
}
