//go:build cgo

package report_test

import (
	"crypto/elliptic"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ThalesGroup/crypto11"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// softHSM returns the SoftHSM module, with SOFTHSM2_CONF pointing at a
// temporary token directory; it skips the test when SoftHSM is not
// installed (CI installs it: .ci/install-deps).
func softHSM(t *testing.T) string {
	t.Helper()
	need(t, "softhsm2-util")
	hsm.once.Do(func() {
		for _, m := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"} {
			if _, err := os.Stat(m); err == nil {
				hsm.module = m
				break
			}
		}
		if hsm.dir, hsm.err = os.MkdirTemp("", "softhsm-"); hsm.err != nil {
			return
		}
		tokens := filepath.Join(hsm.dir, "tokens")
		conf := filepath.Join(hsm.dir, "softhsm2.conf")
		if hsm.err = os.Mkdir(tokens, 0o700); hsm.err != nil {
			return
		}
		hsm.err = os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
		os.Setenv("SOFTHSM2_CONF", conf)
	})
	if hsm.err != nil {
		t.Fatal(hsm.err)
	}
	if hsm.module == "" {
		t.Skip("libsofthsm2.so not found")
	}
	return hsm.module
}

// newToken creates a SoftHSM token for one signer: the key pair is
// generated on the token and never leaves it; ca certifies its public
// half and the certificate is stored on the token next to the key.
func newToken(t *testing.T, ca *testCA, label, name, pin string) *x509.Certificate {
	t.Helper()
	module := softHSM(t)
	if out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "so-"+pin).CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("softhsm2-util", "--delete-token", "--token", label).Run() })
	ctx, err := crypto11.Configure(&crypto11.Config{Path: module, TokenLabel: label, Pin: pin})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	key, err := ctx.GenerateECDSAKeyPairWithLabel([]byte("firma"), []byte("firma"), elliptic.P256())
	if err != nil {
		t.Fatal(err)
	}
	cert := ca.leaf(name, key.Public())
	if err := ctx.ImportCertificateWithLabel([]byte("firma"), []byte("firma"), cert); err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestTokenSigning signs the conclusion report through PKCS#11, with
// three SoftHSM tokens, one per signer, each opened with its PIN at its
// owner's desk; a wrong PIN, a token that is not there and a token of
// another person are each refused with a message that says so.
func TestTokenSigning(t *testing.T) {
	d := newSigningDesk(t)
	module := softHSM(t)
	prof, resp, jefe := proceduretest.Profesional, proceduretest.Responsable, proceduretest.Jefe
	pins := map[string]string{prof.ID: "1111", resp.ID: "2222", jefe.ID: "3333"}
	label := func(a procedure.Actor) string { return "tramite-" + a.ID + "-" + t.Name()[:4] }
	for _, a := range []procedure.Actor{prof, resp, jefe} {
		cert := newToken(t, d.ca, label(a), a.Name, pins[a.ID])
		if err := d.store.PutCertificate(d.ctx, procedure.CertificateOf(a.ID, cert)); err != nil {
			t.Fatal(err)
		}
	}
	open := func(a procedure.Actor, pin string) (*report.Token, error) {
		return report.OpenToken(report.TokenConfig{Module: module, TokenLabel: label(a), PIN: pin, Issuers: []*x509.Certificate{d.ca.cert}})
	}
	topic := manual.TopicInformeConclusion

	t.Run("refused", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			cfg  report.TokenConfig
			msg  string
		}{
			{"wrong PIN", report.TokenConfig{Module: module, TokenLabel: label(prof), PIN: "9999"}, "PIN del token «" + label(prof) + "» es incorrecto"},
			{"no PIN", report.TokenConfig{Module: module, TokenLabel: label(prof)}, "falta el PIN"},
			{"token not connected", report.TokenConfig{Module: module, TokenLabel: "retirado", PIN: "1111"}, "no se encontró el token «retirado»: conéctelo"},
			{"no such module", report.TokenConfig{Module: filepath.Join(t.TempDir(), "nada.so"), TokenLabel: label(prof), PIN: "1111"}, "no se pudo cargar el controlador PKCS#11"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				tok, err := report.OpenToken(tt.cfg)
				if err == nil {
					tok.Close()
				}
				if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want EINVALID saying %q", err, tt.msg)
				}
			})
		}
		t.Run("token removed", func(t *testing.T) {
			l := "tramite-retirado-" + t.Name()[:4]
			newToken(t, d.ca, l, "Retirado", "4444")
			if out, err := exec.Command("softhsm2-util", "--delete-token", "--token", l).CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			_, err := report.OpenToken(report.TokenConfig{Module: module, TokenLabel: l, PIN: "4444"})
			if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), "no se encontró el token") {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("another person's token", func(t *testing.T) {
			tok, err := open(jefe, pins[jefe.ID])
			if err != nil {
				t.Fatal(err)
			}
			defer tok.Close()
			r := d.request(t, prof, topic)
			_, err = d.signing.SignWith(d.ctx, prof, tok.Identity(), r)
			if procedure.ErrorCode(err) != procedure.EFORBIDDEN || !strings.Contains(err.Error(), "pertenece a otra persona") {
				t.Fatalf("err = %v", err)
			}
		})
	})

	for _, a := range []procedure.Actor{prof, resp, jefe} {
		tok, err := open(a, pins[a.ID])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.signing.SignWith(d.ctx, a, tok.Identity(), d.request(t, a, topic)); err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
		tok.Close()
	}
	st, err := d.signing.Status(d.ctx, jefe, d.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Topic != topic {
			continue
		}
		if !s.Complete() || len(s.Signatures) != 3 {
			t.Fatalf("status %+v", s)
		}
		for i, a := range []procedure.Actor{prof, resp, jefe} {
			if sig := s.Signatures[i]; sig.ActorID != a.ID || sig.Signer != a.Name {
				t.Errorf("signature %d: %+v", i+1, sig)
			}
		}
	}
}
