package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/report"
)

// signLTV signs pdf once per identity, in turn, each with a timestamp and
// embedded revocation data from ca's servers.
func signLTV(t testing.TB, ca *testCA, pdf []byte, ids ...report.Identity) []byte {
	t.Helper()
	for _, id := range ids {
		var out bytes.Buffer
		meta := report.SignMeta{Name: id.Certificate().Subject.CommonName, Reason: "paso", Location: "La Paz", TSA: ca.tsa.URL, Revocation: true}
		if err := report.Sign(&out, pdf, id, meta); err != nil {
			t.Fatal(err)
		}
		pdf = out.Bytes()
	}
	return pdf
}

// TestLongTermSignatures signs a conclusion report three times, by three
// certificates, each with a timestamp and the OCSP response of its
// certificate; then, with the TSA and the OCSP responder shut down, and
// as if two years had passed since the certificates expired, pdfsig and
// VerifySignatures find the three signatures valid. The same signatures
// without a timestamp are not: nothing proves they were made while the
// certificates were valid.
func TestLongTermSignatures(t *testing.T) {
	e, c, h := closedCase(t, "x", 0)
	base := render(t, input(t, e, c, h, manual.TopicInformeConclusion, manual.EventIssueMemo), report.Options{})
	ca := newTestCA(t)
	names := []string{"Fabio Choque", "Elena Vargas", "Carla Rojas"}
	var ids []report.Identity
	for _, n := range names {
		ids = append(ids, ca.issue(n))
	}
	pdf := signLTV(t, ca, base, ids...)
	if n := ca.count("tsa"); n != 3 {
		t.Fatalf("%d timestamp requests, want 3", n)
	}
	if n := ca.count("ocsp"); n != 3 {
		t.Fatalf("%d OCSP requests, want 3", n)
	}
	ca.tsa.Close()
	ca.ocsp.Close()

	sigs := pdfsig(t, pdf, "")
	if len(sigs) != 3 {
		t.Fatalf("pdfsig: %d signatures, want 3", len(sigs))
	}
	for i, s := range sigs {
		if s.Valid != "Signature is Valid." || s.Signer != names[i] {
			t.Errorf("pdfsig, signature %d: %q by %q", i+1, s.Valid, s.Signer)
		}
	}

	expired := ids[0].Certificate().NotAfter.AddDate(2, 0, 0)
	opts := report.VerifyOptions{Roots: ca.pool, RequireTimestamp: true, RequireRevocation: true, At: expired}
	got, err := report.VerifySignatures(pdf, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d signatures, want 3", len(got))
	}
	for i, s := range got {
		if !s.Valid || !s.Intact || !s.CoversRevision || !s.UnchangedSince || !s.Trusted || !s.CertificateValid {
			t.Errorf("signature %d: %+v", i+1, s)
		}
		if s.Signer != names[i] || !s.Timestamped || !s.TimestampTrusted || s.TimestampAuthority != "Sellado de tiempo de prueba" || s.Revocation != "ocsp" || s.Revoked {
			t.Errorf("signature %d: signer %q, timestamp %v (%q, trusted %v), revocation %q revoked %v",
				i+1, s.Signer, s.Timestamped, s.TimestampAuthority, s.TimestampTrusted, s.Revocation, s.Revoked)
		}
		if s.SignedAt.After(s.NotAfter) || s.SignedAt.Before(s.NotBefore) {
			t.Errorf("signature %d signed at %v, outside %v..%v", i+1, s.SignedAt, s.NotBefore, s.NotAfter)
		}
	}
	if b, err := json.Marshal(got); err != nil || !bytes.Contains(b, []byte(`"timestamped":true`)) {
		t.Fatalf("JSON: %s, %v", b, err)
	}
	var text strings.Builder
	if err := report.DescribeSignatures(&text, got); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 firmas, todas válidas.", "Firma 3 de 3: VÁLIDA", "Firmante: Carla Rojas", "Certificado: vigente al firmar",
		"de Sellado de tiempo de prueba (de confianza)", "Revocación: respuesta OCSP incluida; certificado no revocado",
		"Documento: sin cambios desde esta firma, salvo las firmas posteriores", "Documento: sin cambios desde esta firma\n"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the description lacks %q:\n%s", want, text.String())
		}
	}

	t.Run("without timestamp, expired certificates do not verify", func(t *testing.T) {
		plain := base
		for _, id := range ids {
			var out bytes.Buffer
			if err := report.Sign(&out, plain, id, report.SignMeta{Name: "x", Date: time.Now()}); err != nil {
				t.Fatal(err)
			}
			plain = out.Bytes()
		}
		got, err := report.VerifySignatures(plain, report.VerifyOptions{Roots: ca.pool, At: expired})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range got {
			if s.Valid || s.CertificateValid || !s.Intact || !strings.Contains(strings.Join(s.Problems, "; "), "no estaba vigente") {
				t.Errorf("signature %d: valid %v, problems %q", i+1, s.Valid, s.Problems)
			}
		}
		// Verified today, the same signatures are valid.
		got, _ = report.VerifySignatures(plain, report.VerifyOptions{Roots: ca.pool})
		for i, s := range got {
			if !s.Valid {
				t.Errorf("signature %d today: %q", i+1, s.Problems)
			}
		}
	})
	t.Run("required timestamp and revocation are missing", func(t *testing.T) {
		var out bytes.Buffer
		if err := report.Sign(&out, base, ids[0], report.SignMeta{Name: "x"}); err != nil {
			t.Fatal(err)
		}
		got, _ := report.VerifySignatures(out.Bytes(), report.VerifyOptions{Roots: ca.pool, RequireTimestamp: true, RequireRevocation: true})
		p := strings.Join(got[0].Problems, "; ")
		if got[0].Valid || !strings.Contains(p, "sello de tiempo") || !strings.Contains(p, "revocación") {
			t.Fatalf("valid %v, problems %q", got[0].Valid, p)
		}
	})
	t.Run("an unknown CA is not trusted", func(t *testing.T) {
		other := newTestCA(t)
		got, _ := report.VerifySignatures(pdf, report.VerifyOptions{Roots: other.pool, At: expired})
		for i, s := range got {
			if s.Valid || s.Trusted || s.TimestampTrusted {
				t.Errorf("signature %d trusted by another CA", i+1)
			}
		}
	})
	t.Run("a changed byte is detected", func(t *testing.T) {
		for _, where := range []struct {
			name string
			at   int
		}{
			{"in the first version", bytes.Index(pdf, []byte("/Producer")) + 12},
			{"in the last signature's update", int(got[1].RevisionEnd) + 20},
		} {
			bad := bytes.Clone(pdf)
			bad[where.at] ^= 0x01
			sigs, err := report.VerifySignatures(bad, opts)
			if err != nil {
				continue // no longer a PDF: detected too
			}
			// The signatures that cover the byte fail; those made before
			// it was written still hold: what they signed is unchanged.
			for _, s := range sigs {
				covers := s.RevisionEnd > int64(where.at)
				if covers && (s.Valid || s.Intact) {
					t.Errorf("%s: signature %d still valid", where.name, s.Index)
				}
				if !covers && !s.Valid {
					t.Errorf("%s: signature %d, made before the byte, invalid: %q", where.name, s.Index, s.Problems)
				}
			}
		}
	})
	t.Run("a change of content between signatures is detected", func(t *testing.T) {
		// The first signer signs; then someone rewrites the page's text in
		// an incremental update and signs after it.
		ca := newTestCA(t) // the first one's servers are shut down
		once := signLTV(t, ca, base, ca.issue("Fabio Choque"))
		twice := signLTV(t, ca, changePage(t, once), ca.issue("Elena Vargas"))
		sigs, err := report.VerifySignatures(twice, report.VerifyOptions{Roots: ca.pool, RequireTimestamp: true, RequireRevocation: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(sigs) != 2 || sigs[0].Valid || sigs[0].UnchangedSince || !sigs[0].Intact || !strings.Contains(strings.Join(sigs[0].Problems, ";"), "cambió después de esta firma") {
			t.Fatalf("the first signature: %+v", sigs[0].Problems)
		}
		if !sigs[1].Valid {
			t.Fatalf("the second signature, made over the change: %q", sigs[1].Problems)
		}
		if before, after := pdftotext(t, once), pdftotext(t, twice); !strings.Contains(before, "INFORME TÉCNICO") || strings.Contains(after, "INFORME TÉCNICO") {
			t.Fatalf("the change does not show: %q", after)
		}
	})
	t.Run("a revoked certificate cannot sign", func(t *testing.T) {
		id := ca2Issue(t)
		var out bytes.Buffer
		err := report.Sign(&out, base, id.id, report.SignMeta{TSA: id.ca.tsa.URL, Revocation: true})
		if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), "revocado") || out.Len() != 0 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not a PDF", func(t *testing.T) {
		if _, err := report.VerifySignatures([]byte("hola"), opts); procedure.ErrorCode(err) != procedure.EINVALID {
			t.Fatalf("err = %v, want EINVALID", err)
		}
	})
}

type caID struct {
	ca *testCA
	id report.Identity
}

// ca2Issue returns an identity of a fresh CA whose certificate is revoked.
func ca2Issue(t *testing.T) caID {
	ca := newTestCA(t)
	id := ca.issue("Revocado")
	ca.revoke(id.Certificate())
	return caID{ca, id}
}

// changePage appends to pdf an incremental update that replaces the first
// page's content stream with another (its text gone), as someone altering
// a signed document would.
func changePage(t testing.TB, pdf []byte) []byte {
	t.Helper()
	trailers := regexp.MustCompile(`trailer\s*<<(?s:(.*?))>>\s*startxref\s*(\d+)`).FindAllSubmatch(pdf, -1)
	if len(trailers) == 0 {
		t.Fatal("no trailer")
	}
	last := trailers[len(trailers)-1]
	field := func(name string) string {
		m := regexp.MustCompile(`/` + name + `\s+(\d+(?:\s+\d+\s+R)?)`).FindSubmatch(last[1])
		if m == nil {
			t.Fatalf("no /%s in the trailer", name)
		}
		return string(m[1])
	}
	page := regexp.MustCompile(`/Type\s*/Page\b[^s]*?/Contents\s+(\d+)\s+0\s+R`).FindSubmatch(pdf)
	if page == nil {
		page = regexp.MustCompile(`/Contents\s+(\d+)\s+0\s+R`).FindSubmatch(pdf)
	}
	if page == nil {
		t.Fatal("no page contents")
	}
	content := "BT /F1 24 Tf 72 700 Td (PAGADO) Tj ET"
	var b bytes.Buffer
	b.Write(pdf)
	off := b.Len() + 1
	fmt.Fprintf(&b, "\n%s 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", page[1], len(content)+1, content)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 1\n0000000000 65535 f \n%s 1\n%010d 00000 n \ntrailer\n<< /Size %s /Root %s /Info %s /Prev %s >>\nstartxref\n%d\n%%%%EOF\n",
		page[1], off, field("Size"), field("Root"), field("Info"), last[2], xref)
	return b.Bytes()
}
