package pdfdoc_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"codeberg.org/go-pdf/fpdf"

	"github.com/tramite/tramite/report/internal/pdfdoc"
)

func fontBytes(t testing.TB, bold bool) []byte {
	t.Helper()
	name := "DejaVuSans-subset.ttf"
	if bold {
		name = "DejaVuSans-Bold-subset.ttf"
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "fonts", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fonts(t testing.TB) (*pdfdoc.Font, *pdfdoc.Font) {
	t.Helper()
	reg, err := pdfdoc.ParseFont("DejaVuSans", fontBytes(t, false))
	if err != nil {
		t.Fatal(err)
	}
	bold, err := pdfdoc.ParseFont("DejaVuSans-Bold", fontBytes(t, true))
	if err != nil {
		t.Fatal(err)
	}
	return reg, bold
}

func need(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s is not installed (Debian: poppler-utils); CI installs it", tool)
	}
}

// poppler runs a poppler tool on pdf and returns its standard output; any
// complaint on standard error about the file fails the test.
func poppler(t testing.TB, pdf []byte, tool string, args ...string) string {
	t.Helper()
	need(t, tool)
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(tool, append(args, f, "-")...)
	if tool != "pdftotext" {
		cmd = exec.Command(tool, f)
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("%s complains about the document:\n%s", tool, stderr.String())
	}
	return stdout.String()
}

// sample draws a page of Spanish and of every kind of character the
// embedded fonts cover, in both weights.
func sample(t testing.TB, reg, bold *pdfdoc.Font, lines []string) []byte {
	t.Helper()
	d := pdfdoc.New(210, 297)
	d.AddFont("F", "", reg)
	d.AddFont("F", "B", bold)
	d.SetInfo("Title", "Prueba — ñandú")
	d.SetInfo("Keywords", "tramite-fingerprint:abc")
	d.SetLang("es-BO")
	d.SetFooterFunc(func() {
		d.SetXY(20, 280)
		d.SetFont("F", "", 8)
		d.Cell(0, 4, fmt.Sprintf("Página %d de %d", d.PageNo(), d.PageCount()), 0, "R")
	})
	d.AddPage()
	for i, l := range lines {
		style := ""
		if i%2 == 1 {
			style = "B"
		}
		d.SetFont("F", style, 11)
		d.MultiCell(0, 5, l, "L")
	}
	var buf bytes.Buffer
	if err := d.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var typed = []string{
	"Solicitud de puesta en producción del sistema SIGEP",
	"ÁÉÍÓÚ áéíóú Üü Ññ ¿¡ «» “comillas” ‘simples’ — – … • € £ ¥ № ™",
	"← → ↑ ↓ ≤ ≥ ≠ ∑ √ ∞ ✓ ✗ ■ □ ▲ ─ │ ┼ ½ ¼ ²",
	"Łódź Ħ ŝ ŧ ő ű Ŕ ĳ œ Œ ß ÿ ƒ",
}

func TestTextRoundTrip(t *testing.T) {
	reg, bold := fonts(t)
	pdf := sample(t, reg, bold, typed)
	text := poppler(t, pdf, "pdftotext", "-enc", "UTF-8")
	// pdftotext drops the spaces between symbols; compare without them.
	nospace := strings.NewReplacer(" ", "", "\n", "")
	for _, l := range append(typed, "Página 1 de 1") {
		if !strings.Contains(nospace.Replace(text), nospace.Replace(l)) {
			t.Errorf("extracted text lacks %q:\n%s", l, text)
		}
	}
	if !bytes.Contains(pdf, []byte("(tramite-fingerprint:abc)")) {
		t.Error("an ASCII information entry is not written as a plain string")
	}
	info := poppler(t, pdf, "pdfinfo")
	if !strings.Contains(info, "Prueba — ñandú") || !regexp.MustCompile(`Pages:\s+1\n`).MatchString(info) {
		t.Errorf("pdfinfo:\n%s", info)
	}
	fonts := poppler(t, pdf, "pdffonts")
	if n := strings.Count(fonts, "CID TrueType      Identity-H       yes yes yes"); n != 2 {
		t.Errorf("want both fonts embedded as subsets with a ToUnicode map:\n%s", fonts)
	}
}

// TestDrawsGlyphs renders the page to an image: the subset font must
// draw, not merely be present (a broken subset renders blank or errors).
func TestDrawsGlyphs(t *testing.T) {
	reg, bold := fonts(t)
	need(t, "pdftoppm")
	pdf := sample(t, reg, bold, typed)
	dir := t.TempDir()
	f := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-r", "60", "-gray", f, filepath.Join(dir, "p")).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	pgm, err := os.ReadFile(filepath.Join(dir, "p-1.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	var w, h, maxval int
	if _, err := fmt.Sscanf(string(pgm), "P5\n%d %d\n%d", &w, &h, &maxval); err != nil || w*h >= len(pgm) {
		t.Fatalf("pdftoppm wrote no grey image: %v", err)
	}
	dark := 0
	for _, v := range pgm[len(pgm)-w*h:] {
		if v < 128 {
			dark++
		}
	}
	if dark < 1000 {
		t.Fatalf("the rendered page has %d dark pixels: the text is not drawn", dark)
	}
}

// TestWrapsAsFpdf: lines break exactly where fpdf, which the documents
// used to be drawn with, breaks them.
func TestWrapsAsFpdf(t *testing.T) {
	reg, _ := fonts(t)
	texts := []string{
		"",
		"corto",
		strings.Repeat("Se configuró el proxy inverso y los certificados TLS. ", 12),
		"unapalabrasinespaciosmuchomaslargaquecualquierlineaposibledeltextoquesigue y luego espacios",
		"línea uno\nlínea dos\n\nlínea cuatro con más texto para que se parta en dos renglones distintos del documento",
		"a  b   c    " + strings.Repeat("ñ", 80),
	}
	for _, width := range []float64{20, 45.5, 80, 165} {
		for _, size := range []float64{7, 10, 14} {
			ref := fpdf.New("P", "mm", "A4", "")
			ref.AddUTF8FontFromBytes("F", "", fontBytes(t, false))
			ref.SetFont("F", "", size)
			d := pdfdoc.New(210, 297)
			d.AddFont("F", "", reg)
			d.SetFont("F", "", size)
			for _, txt := range texts {
				want := []string{}
				for _, para := range strings.Split(txt, "\n") {
					if para == "" {
						want = append(want, "")
						continue
					}
					want = append(want, ref.SplitText(para, width)...)
				}
				got := []string{}
				for _, para := range strings.Split(txt, "\n") {
					got = append(got, d.SplitText(para, width)...)
				}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("width %.1f size %.0f %q:\n got %q\nwant %q", width, size, txt, got, want)
				}
				if w, f := d.StringWidth(txt), ref.GetStringWidth(txt); txt != "" && (w-f > 1e-9 || f-w > 1e-9) {
					t.Errorf("width of %q: %f, fpdf %f", txt, w, f)
				}
			}
		}
	}
}

func TestPageBreaksAndFooters(t *testing.T) {
	reg, bold := fonts(t)
	long := make([]string, 60)
	for i := range long {
		long[i] = fmt.Sprintf("Renglón de prueba número %d", i)
	}
	pdf := sample(t, reg, bold, long)
	info := poppler(t, pdf, "pdfinfo")
	if !regexp.MustCompile(`Pages:\s+2\n`).MatchString(info) {
		t.Fatalf("60 lines of 5 mm should take two pages:\n%s", info)
	}
	text := poppler(t, pdf, "pdftotext", "-enc", "UTF-8")
	for _, w := range []string{"Página 1 de 2", "Página 2 de 2", long[59]} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q", w)
		}
	}
}

func TestErrors(t *testing.T) {
	reg, _ := fonts(t)
	d := pdfdoc.New(210, 297)
	d.AddPage()
	d.Cell(10, 5, "sin fuente", 1, "L")
	if err := d.Output(new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "no font") {
		t.Fatalf("text without a font: %v", err)
	}
	d = pdfdoc.New(210, 297)
	d.AddFont("F", "", reg)
	d.SetFont("F", "B", 10)
	if err := d.Error(); err == nil || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("unknown style: %v", err)
	}
	if _, err := pdfdoc.ParseFont("bad name", fontBytes(t, false)); err == nil {
		t.Fatal("a font name with a space is accepted")
	}
}

// TestCorruptFont: a damaged font file is refused with an error, or
// parsed and drawn, but never panics.
func TestCorruptFont(t *testing.T) {
	good := fontBytes(t, false)
	for _, n := range []int{0, 4, 11, 12, 100, 400, 1000, len(good) / 2, len(good) - 1} {
		if _, err := pdfdoc.ParseFont("F", good[:n]); err == nil {
			t.Errorf("a font cut at %d bytes is accepted", n)
		}
	}
	// Densely through the table directory, sparsely through the tables.
	for i := 0; i < len(good); i += map[bool]int{true: 13, false: 997}[i < 1024] {
		bad := append([]byte(nil), good...)
		bad[i] ^= 0xFF
		f, err := pdfdoc.ParseFont("F", bad)
		if err != nil {
			continue
		}
		d := pdfdoc.New(210, 297)
		d.AddFont("F", "", f)
		d.SetFont("F", "", 10)
		d.AddPage()
		d.MultiCell(0, 5, strings.Join(typed, " "), "L")
		if err := d.Output(new(bytes.Buffer)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConcurrent: documents drawn at once from one shared Font give the
// bytes a lone document gives.
func TestConcurrent(t *testing.T) {
	reg, bold := fonts(t)
	want := sample(t, reg, bold, typed)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if got := sample(t, reg, bold, typed); !bytes.Equal(got, want) {
					t.Error("a concurrent render differs from the serial one")
					return
				}
			}
		})
	}
	wg.Wait()
}
