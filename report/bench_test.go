package report_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/report"
)

var pageRE = regexp.MustCompile(`/Type /Page\b[^s]`)

func pages(pdf []byte) int { return len(pageRE.FindAll(pdf, -1)) }

// benchInput returns a conclusion report input whose work text makes it
// run to about the given number of pages.
func benchInput(b *testing.B, pagesWanted int) report.Input {
	e, c, h := closedCase(b, "x", 0)
	in := input(b, e, c, h, manual.TopicInformeConclusion, manual.EventIssueMemo)
	hist := append([]procedure.Entry(nil), h...)
	text := strings.Repeat("Se configuró el proxy inverso, los certificados TLS y la réplica de la base de datos. ", (pagesWanted-1)*40)
	for i := range hist {
		if hist[i].Event == manual.EventConclude {
			hist[i].Data = procedure.Inputs{"report": "Despliegue realizado. " + text, "conclusions": "Sistema en producción.",
				"backup_ref": "BK-1", "monitored_ports": "443", "security_policies": "true"}
		}
	}
	in.History = hist
	var buf bytes.Buffer
	if err := report.Render(&buf, in, report.Options{}); err != nil {
		b.Fatal(err)
	}
	if n := pages(buf.Bytes()); n != pagesWanted {
		b.Fatalf("benchmark document has %d pages, want %d", n, pagesWanted)
	}
	return in
}

// BenchmarkConclusionReport renders the conclusion report with the
// embedded UTF-8 font; compare with BenchmarkCoreFontReport.
func BenchmarkConclusionReport(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(map[int]string{1: "1page", 3: "3pages"}[n], func(b *testing.B) {
			in := benchInput(b, n)
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := report.Render(&buf, in, report.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCoreFontReport is the bare library: the same text drawn with
// fpdf and a core font (Helvetica, cp1252), without QR, tables or
// sign-off blocks. It is the baseline of BenchmarkConclusionReport.
func BenchmarkCoreFontReport(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(map[int]string{1: "1page", 3: "3pages"}[n], func(b *testing.B) {
			in := benchInput(b, n)
			var work string
			for _, e := range in.History {
				if e.Event == manual.EventConclude {
					work = e.Data["report"]
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				p := fpdf.New("P", "mm", "A4", "")
				tr := p.UnicodeTranslatorFromDescriptor("")
				p.SetMargins(25, 40, 20)
				p.SetFooterFunc(func() {
					p.SetY(-15)
					p.SetFont("Helvetica", "", 8)
					p.CellFormat(0, 4, tr("Página")+" {nb}", "", 0, "R", false, 0, "")
				})
				p.AliasNbPages("{nb}")
				p.AddPage()
				p.SetFont("Helvetica", "B", 14)
				p.CellFormat(0, 7, tr("INFORME TÉCNICO"), "", 1, "C", false, 0, "")
				p.SetFont("Helvetica", "", 10)
				for _, s := range []string{"A: Carla Rojas", "VÍA: Elena Vargas", "DE: Fabio Choque", "REF.: Conclusión", "1. ANTECEDENTES", in.Case.Description, "2. TRABAJO REALIZADO", work, "3. LISTA DE VERIFICACIÓN", "BK-1 443", "4. CONCLUSIONES", "Sistema en producción."} {
					p.MultiCell(0, 5, tr(s), "", "L", false)
				}
				var buf bytes.Buffer
				if err := p.Output(&buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSign adds one signature to a one-page report, with the
// development identity (ECDSA P-256) and with RSA-2048.
func BenchmarkSign(b *testing.B) {
	in := benchInput(b, 1)
	var buf bytes.Buffer
	if err := report.Render(&buf, in, report.Options{}); err != nil {
		b.Fatal(err)
	}
	pdf := buf.Bytes()
	ecdsaID, err := report.NewDevIdentity(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "RSA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	rsaID := report.Identity{Signer: key, Chain: []*x509.Certificate{cert}}
	for _, tt := range []struct {
		name string
		id   report.Identity
	}{{"ecdsa-p256", ecdsaID}, {"rsa-2048", rsaID}} {
		b.Run(tt.name, func(b *testing.B) {
			var out bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := report.Sign(&out, pdf, tt.id, report.SignMeta{Name: "Fabio Choque"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
