package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func render(t testing.TB, in report.Input, opt report.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Render(&buf, in, opt); err != nil {
		t.Fatalf("render %s: %v", in.Topic, err)
	}
	return buf.Bytes()
}

func TestRenderDocuments(t *testing.T) {
	e, c, h := closedCase(t, "s3cr3t", 1)
	tests := []struct {
		topic string
		event procedure.EventName
		want  []string
	}{
		{manual.TopicNotaRemision, manual.EventRequest, []string{"NOTA", "UDS/NOTA/2026/0001", "La Paz, 26 de noviembre de 2026",
			"Jefe de la Unidad de Infraestructura Tecnológica", "REF.:", "Solicitud de puesta en producción del sistema SIGEP",
			"Anexo: información proporcionada", "Solicitado por", "Ana Quispe", "Página 1 de 1"}},
		{manual.TopicInformeConclusion, manual.EventConclude, []string{"INFORME TÉCNICO", "UIT/INF/2026/0001", "A:", "VÍA:", "DE:",
			"Fabio Choque – Profesional de Servidores y Servicios", "1. ANTECEDENTES", "2. TRABAJO REALIZADO", "3. LISTA DE VERIFICACIÓN",
			"BK-2026-0451", "443, 5432", "4. CONCLUSIONES Y RECOMENDACIONES", "Elaborado por", "Revisado por", "Aprobado por", "Pendiente"}},
		{manual.TopicInformeConclusion, manual.EventIssueMemo, []string{"Carla Rojas", "Elena Vargas", "Fabio Choque",
			"Huella de la entrada 7:", "Huella de la entrada 8:", "Huella de la entrada 9:"}},
		{manual.TopicNotaInterna, manual.EventIssueMemo, []string{"NOTA INTERNA", "UIT/NI/2026/0001", "Carla Rojas – Jefe de la UIT",
			"Se comunica la conclusión", "UIT/INF/2026/0001", "Emitido por"}},
		{manual.TopicHojaDeRuta, manual.EventAcknowledge, []string{"HOJA DE RUTA", c.ID, "Solicitar la puesta",
			"Recepcionar la nota", "Cerrado", "Huella:"}},
	}
	for _, tt := range tests {
		t.Run(tt.topic+"-"+string(tt.event), func(t *testing.T) {
			in := input(t, e, c, h, tt.topic, tt.event)
			pdf := render(t, in, report.Options{})
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatal("not a PDF")
			}
			text := pdftotext(t, pdf)
			sum, err := report.Fingerprint(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range append(tt.want, "Código de verificación: "+report.VerifyCode(sum), sum) {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q", w)
				}
			}
			golden(t, filepath.Join("testdata", tt.topic+"-"+string(tt.event)+".golden"), text)
		})
	}
}

// golden compares got with a golden file, rewriting it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from the extracted text; run with -update if the change is intended.\n--- got ---\n%s", path, got)
	}
}

func TestRenderRepeatable(t *testing.T) {
	e, c, h := closedCase(t, "x", 0)
	in := input(t, e, c, h, manual.TopicInformeConclusion, manual.EventApproveReport)
	a, b := render(t, in, report.Options{}), render(t, in, report.Options{})
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same input differ")
	}
	fixed := report.Options{CreationDate: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	x, y := render(t, in, fixed), render(t, in, fixed)
	if !bytes.Equal(x, y) || bytes.Equal(a, x) {
		t.Fatal("the creation date does not fix the bytes")
	}
	if !bytes.Contains(x, []byte("D:20300102030405")) {
		t.Fatal("creation date not written")
	}
}

func TestRenderOptions(t *testing.T) {
	e, c, h := closedCase(t, "x", 0)
	in := input(t, e, c, h, manual.TopicNotaRemision, manual.EventRequest)
	opt := report.Options{Institution: report.Institution{Name: "Ministerio de Pruebas – MP", Unit: "Unidad de Sistemas", City: "Cochabamba"},
		VerifyURL: "https://example.org/v/{h}/ok"}
	text := pdftotext(t, render(t, in, opt))
	sum, _ := report.Fingerprint(in)
	for _, w := range []string{"Ministerio de Pruebas – MP", "Unidad de Sistemas", "Cochabamba, 26 de noviembre de 2026",
		"https://example.org/v/" + sum + "/ok", "Jefe de la Unidad de Sistemas"} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q", w)
		}
	}
}

// TestRenderUnicodeAndLongText types what people type — curly quotes,
// dashes, the euro sign, emoji, CJK, control characters, invalid UTF-8 —
// and 10,000-character texts: no panic, text extracts, missing glyphs are
// replaced, tables break across pages with their header repeated.
func TestRenderUnicodeAndLongText(t *testing.T) {
	e, c, h := closedCase(t, "x", 2)
	in := input(t, e, c, h, manual.TopicInformeConclusion, manual.EventIssueMemo)
	typed := "Dijo “listo” — el ‘módulo’ cuesta 5 € ✓ 😀 日本 \x07 tab\there \xff ñandú ÁÉÍÓÚ ¿¡"
	long := strings.Repeat("Configuración del balanceador y réplica de la base de datos. ", 170)[:10000]
	in.Case = c.Clone()
	hist := make([]procedure.Entry, len(h))
	copy(hist, h)
	for i := range hist {
		switch hist[i].Event {
		case manual.EventConclude:
			hist[i].Data = procedure.Inputs{"report": typed + "\n" + long, "conclusions": long, "backup_ref": typed,
				"monitored_ports": "443", "security_policies": "true"}
		case manual.EventObserve:
			hist[i].Data = procedure.Inputs{"observations": long}
		}
	}
	in.History = hist
	pdf := render(t, in, report.Options{})
	text := pdftotext(t, pdf)
	for _, w := range []string{"“listo” — el ‘módulo’ cuesta 5 € ✓ \uFFFD \uFFFD\uFFFD", "ñandú ÁÉÍÓÚ ¿¡", "Página 1 de", "Página 5 de"} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q", w)
		}
	}
	if n := strings.Count(text, "Observaciones y respuestas"); n < 2 {
		t.Errorf("table header shown %d times, want it repeated on every page the table spans", n)
	}
	if n := strings.Count(text, "réplica"); n < 3*165 {
		t.Errorf("long text lost: %d occurrences of a word repeated ~500 times", n)
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain ASCII", "plain ASCII"},
		{"‘’“”—–…€", "‘’“”—–…€"},
		{"a\r\nb\rc\td", "a\nb c d"},
		{"emoji 😀 ok", "emoji \uFFFD ok"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"bell\x07", "bell "},
		{"❤️", "\uFFFD"},
	}
	for _, tt := range tests {
		if got := report.Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRenderBadInput(t *testing.T) {
	e, c, h := closedCase(t, "x", 0)
	good := input(t, e, c, h, manual.TopicNotaRemision, manual.EventRequest)
	tests := []struct {
		name   string
		change func(*report.Input)
	}{
		{"unknown topic", func(in *report.Input) { in.Topic = "acta" }},
		{"no definition", func(in *report.Input) { in.Definition = nil }},
		{"no history", func(in *report.Input) { in.History = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.change(&in)
			var buf bytes.Buffer
			err := report.Render(&buf, in, report.Options{})
			if procedure.ErrorCode(err) != procedure.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if buf.Len() != 0 {
				t.Fatal("something was written on error")
			}
		})
	}
}

func TestVerifyCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{strings.Repeat("0", 64), "AAAAA-AAAAA"},
		{strings.Repeat("f", 64), "77777-77777"},
		{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "4OYMI-QUY7Q"},
		{"not hex", ""},
		{"abcd", ""},
	}
	for _, tt := range tests {
		if got := report.VerifyCode(tt.in); got != tt.want {
			t.Errorf("VerifyCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	e, c, h := closedCase(t, "x", 0)
	v1 := input(t, e, c, h, manual.TopicInformeConclusion, manual.EventConclude)
	v2 := input(t, e, c, h, manual.TopicInformeConclusion, manual.EventApproveReport)
	a, _ := report.Fingerprint(v1)
	b, _ := report.Fingerprint(v2)
	again, _ := report.Fingerprint(v1)
	if a == b || a != again || len(a) != 64 {
		t.Fatalf("fingerprints %s %s %s", a, b, again)
	}
	tampered := v1
	tampered.History = append([]procedure.Entry(nil), h...)
	tampered.History[v1.Seq-1].Hash = strings.Repeat("0", 64)
	if x, _ := report.Fingerprint(tampered); x == a {
		t.Fatal("a changed history entry does not change the fingerprint")
	}
}

// TestRenderConcurrent: 8 goroutines render 200 documents of every kind at
// once, as several processors' workers do; each comes out byte for byte
// as the same input rendered alone. Under -race this proves that no state
// is shared between renders (the fonts are parsed once and only read).
func TestRenderConcurrent(t *testing.T) {
	e, c, h := closedCase(t, "s3cr3t", 1)
	kinds := []struct {
		topic string
		event procedure.EventName
	}{
		{manual.TopicNotaRemision, manual.EventRequest},
		{manual.TopicInformeConclusion, manual.EventConclude},
		{manual.TopicInformeConclusion, manual.EventIssueMemo},
		{manual.TopicNotaInterna, manual.EventIssueMemo},
		{manual.TopicHojaDeRuta, manual.EventAcknowledge},
	}
	ins := make([]report.Input, len(kinds))
	want := make([][]byte, len(kinds))
	for i, k := range kinds {
		ins[i] = input(t, e, c, h, k.topic, k.event)
		want[i] = render(t, ins[i], report.Options{})
	}
	const workers, perKind = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := w; n < perKind*len(kinds); n += workers {
				i := n % len(kinds)
				var buf bytes.Buffer
				if err := report.Render(&buf, ins[i], report.Options{}); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(buf.Bytes(), want[i]) {
					t.Errorf("a concurrent render of %s differs from the serial one", kinds[i].topic)
					return
				}
			}
		})
	}
	wg.Wait()
}
