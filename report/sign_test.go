package report_test

import (
	"bytes"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/report"
)

// TestSignInTurn signs a conclusion report three times, by three people
// of one CA, as steps 6, 7 and 8 do: pdfsig finds three valid signatures,
// trusts all three once the CA is in its NSS database, and notices a
// one-byte change.
func TestSignInTurn(t *testing.T) {
	e, c, h := closedCase(t, "x", 0)
	pdf := render(t, input(t, e, c, h, manual.TopicInformeConclusion, manual.EventIssueMemo), report.Options{})
	ca := newPKI(t, "Fabio Choque", "Elena Vargas", "Carla Rojas")
	for i, id := range ca.ids {
		var out bytes.Buffer
		if err := report.Sign(&out, pdf, id, report.SignMeta{Name: id.Certificate().Subject.CommonName, Reason: "paso", Location: "La Paz", Date: h[i].At}); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out.Bytes(), pdf) {
			t.Fatal("the signature is not an incremental update: the signed bytes do not start with the previous version")
		}
		pdf = out.Bytes()
	}
	sigs := pdfsig(t, pdf, "")
	if len(sigs) != 3 {
		t.Fatalf("%d signatures, want 3", len(sigs))
	}
	for i, s := range sigs {
		if s.Valid != "Signature is Valid." {
			t.Errorf("signature %d: %q", i+1, s.Valid)
		}
		if want := ca.ids[i].Certificate().Subject.CommonName; s.Signer != want {
			t.Errorf("signature %d by %q, want %q", i+1, s.Signer, want)
		}
	}
	t.Run("trusted with the CA in NSS", func(t *testing.T) {
		for i, s := range pdfsig(t, pdf, nssdb(t, ca.caPEM)) {
			if !s.Trusted || s.Valid != "Signature is Valid." {
				t.Errorf("signature %d: %q, %q", i+1, s.Valid, s.Cert)
			}
		}
	})
	t.Run("one changed byte is detected", func(t *testing.T) {
		bad := bytes.Clone(pdf)
		i := bytes.Index(bad, []byte("/Producer"))
		if i < 0 {
			t.Fatal("no /Producer in the PDF")
		}
		bad[i+12] ^= 0x01 // inside the producer string, covered by every signature
		for i, s := range pdfsig(t, bad, "") {
			if s.Valid == "Signature is Valid." {
				t.Errorf("signature %d still valid after a one-byte change", i+1)
			}
		}
	})
	t.Run("text still extracts", func(t *testing.T) {
		if !strings.Contains(pdftotext(t, pdf), "INFORME TÉCNICO") {
			t.Fatal("signed PDF lost its text")
		}
	})
}

func TestSignBadInput(t *testing.T) {
	ca := newPKI(t, "A", "B")
	mixed := report.Identity{Signer: ca.ids[0].Signer, Chain: ca.ids[1].Chain}
	tests := []struct {
		name string
		pdf  []byte
		id   report.Identity
	}{
		{"not a PDF", []byte("hola"), ca.ids[0]},
		{"truncated PDF", []byte("%PDF-1.4\n1 0 obj\n<<"), ca.ids[0]},
		{"no identity", []byte("%PDF-1.4"), report.Identity{}},
		{"key of another certificate", []byte("%PDF-1.4"), mixed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := report.Sign(&out, tt.pdf, tt.id, report.SignMeta{})
			if procedure.ErrorCode(err) != procedure.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if out.Len() != 0 {
				t.Fatal("output written on error")
			}
		})
	}
}

func TestLoadPEMIdentity(t *testing.T) {
	ca := newPKI(t, "A", "B")
	tests := []struct {
		name      string
		key, cert []byte
		ok        bool
	}{
		{"key and chain", ca.keys[0], ca.certs[0], true},
		{"key of another certificate", ca.keys[0], ca.certs[1], false},
		{"no key", nil, ca.certs[0], false},
		{"no certificate", ca.keys[0], []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), false},
		{"garbage", []byte("x"), []byte("y"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := report.LoadPEMIdentity(tt.key, tt.cert)
			if tt.ok {
				if err != nil || len(id.Chain) != 2 || id.Certificate().Subject.CommonName != "A" {
					t.Fatalf("id %v, err %v", id.Chain, err)
				}
				return
			}
			if procedure.ErrorCode(err) != procedure.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
		})
	}
}

// TestLoadPKCS12Identity exports a PKCS#12 with openssl (skipped when
// openssl is missing) and loads it.
func TestLoadPKCS12Identity(t *testing.T) {
	need(t, "openssl")
	ca := newPKI(t, "Firmante P12")
	dir := t.TempDir()
	key, cert, p12 := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem"), filepath.Join(dir, "id.p12")
	os.WriteFile(key, ca.keys[0], 0o600)
	os.WriteFile(cert, ca.certs[0], 0o600)
	out, err := exec.Command("openssl", "pkcs12", "-export", "-legacy", "-inkey", key, "-in", cert, "-out", p12, "-passout", "pass:clave").CombinedOutput()
	if err != nil {
		// OpenSSL 1.1 has no -legacy flag and uses the legacy algorithms by default.
		out, err = exec.Command("openssl", "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", p12, "-passout", "pass:clave").CombinedOutput()
	}
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(p12)
	id, err := report.LoadPKCS12Identity(data, "clave")
	if err != nil {
		t.Fatal(err)
	}
	if id.Certificate().Subject.CommonName != "Firmante P12" || len(id.Chain) != 2 {
		t.Fatalf("chain %v", id.Chain)
	}
	e, c, h := closedCase(t, "x", 0)
	var signed bytes.Buffer
	if err := report.Sign(&signed, render(t, input(t, e, c, h, manual.TopicNotaInterna, manual.EventIssueMemo), report.Options{}), id, report.SignMeta{Name: "P12"}); err != nil {
		t.Fatal(err)
	}
	if s := pdfsig(t, signed.Bytes(), ""); len(s) != 1 || s[0].Valid != "Signature is Valid." {
		t.Fatalf("pdfsig: %+v", s)
	}
	if _, err := report.LoadPKCS12Identity(data, "otra"); procedure.ErrorCode(err) != procedure.EINVALID {
		t.Fatalf("wrong password: err = %v, want EINVALID", err)
	}
}

func TestNewDevIdentity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "id")
	a, err := report.NewDevIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{report.DevCAFile, report.DevCertFile, report.DevKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	b, err := report.NewDevIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Certificate().Equal(b.Certificate()) {
		t.Fatal("second call made a new identity instead of loading the first")
	}
	caPEM, _ := os.ReadFile(filepath.Join(dir, report.DevCAFile))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	if _, err := b.Certificate().Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("signing certificate does not chain to the development CA: %v", err)
	}
}
