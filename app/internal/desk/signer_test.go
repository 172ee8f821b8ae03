package desk_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// TestSignerOpen opens a person's PKCS#12 file with its password (made
// with openssl) and refuses, in Spanish, what cannot sign: no identity
// chosen, half a token, a missing module, a missing file, a wrong
// password. The settings keep where the identity is, never the password.
func TestSignerOpen(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	id, err := report.DevIdentityFor(filepath.Join(dir, "ids"), proceduretest.Jefe)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(id.Signer)
	key, cert, p12 := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem"), filepath.Join(dir, "carla.p12")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Certificate().Raw}), 0o600)
	args := []string{"pkcs12", "-export", "-inkey", key, "-in", cert, "-out", p12, "-passout", "pass:clave"}
	if _, err := exec.Command("openssl", append(args, "-legacy")...).CombinedOutput(); err != nil {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl: %v\n%s", err, out)
		}
	}
	got, done, err := desk.Signer{File: p12}.Open("clave")
	if err != nil {
		t.Fatal(err)
	}
	done()
	if !got.Certificate().Equal(id.Certificate()) {
		t.Fatal("opened another certificate")
	}
	for _, tt := range []struct {
		name   string
		signer desk.Signer
		secret string
		msg    string
	}{
		{"nothing chosen", desk.Signer{}, "x", "no indicó con qué firmar"},
		{"token without module", desk.Signer{Token: "mi-token"}, "1234", "controlador PKCS#11 y la etiqueta"},
		{"module without token", desk.Signer{Module: "/usr/lib/softhsm/libsofthsm2.so"}, "1234", "controlador PKCS#11 y la etiqueta"},
		{"no such module", desk.Signer{Module: filepath.Join(dir, "nada.so"), Token: "t"}, "1234", "PKCS#11"},
		{"no such file", desk.Signer{File: filepath.Join(dir, "nada.p12")}, "clave", "no se pudo leer el archivo de firma"},
		{"wrong password", desk.Signer{File: p12}, "otra", "revise la contraseña"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := tt.signer.Open(tt.secret)
			if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want EINVALID saying %q", err, tt.msg)
			}
		})
	}
	p := desk.NewPreferences(nil, nil)
	st := p.Settings()
	st.Signer = desk.Signer{File: p12, Module: "/usr/lib/x.so", Token: "t"}
	if err := p.SaveSettings(st); err != nil {
		t.Fatal(err)
	}
	if got := p.Settings().Signer; got != st.Signer {
		t.Fatalf("signer settings read back as %+v", got)
	}
}
