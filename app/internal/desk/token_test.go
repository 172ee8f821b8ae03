//go:build cgo

package desk_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestSignerOpenToken opens a person's SoftHSM token with the PIN the
// desk asked for (its key generated on the token, certified by a test CA)
// and signs with it; a wrong PIN, no PIN, and a token without a
// certificate are refused in Spanish.
// SOFTHSM2_CONF points at a directory of this test alone.
func TestSignerOpenToken(t *testing.T) {
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		t.Skip("softhsm2-util not installed (.ci/install-deps installs softhsm2)")
	}
	module := ""
	for _, m := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"} {
		if _, err := os.Stat(m); err == nil {
			module = m
			break
		}
	}
	if module == "" {
		t.Skip("libsofthsm2.so not found")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	os.Mkdir(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "carla", "--pin", "4321", "--so-pin", "87654321").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: module, TokenLabel: "carla", Pin: "4321"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ctx.GenerateECDSAKeyPairWithLabel([]byte("firma"), []byte("firma"), elliptic.P256())
	if err != nil {
		t.Fatal(err)
	}
	signer := desk.Signer{Module: module, Token: "carla"}
	// Without a certificate next to the key, the token cannot sign.
	if _, _, err := signer.Open("4321"); procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), "no tiene un certificado de firma") {
		t.Fatalf("a token without a certificate: %v", err)
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	start := time.Now().Add(-time.Hour)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA de prueba"}, NotBefore: start, NotAfter: start.AddDate(1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	caCert, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: proceduretest.Jefe.Name},
		NotBefore: start, NotAfter: start.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	if err := ctx.ImportCertificateWithLabel([]byte("firma"), []byte("firma"), leaf); err != nil {
		t.Fatal(err)
	}
	ctx.Close()

	for _, tt := range []struct {
		name, pin, msg string
	}{
		{"wrong PIN", "0000", "es incorrecto"},
		{"no PIN", "", "falta el PIN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := signer.Open(tt.pin)
			if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want EINVALID saying %q", err, tt.msg)
			}
		})
	}
	id, done, err := signer.Open("4321")
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if id.Certificate().Subject.CommonName != proceduretest.Jefe.Name {
		t.Fatalf("certificate of %q", id.Certificate().Subject.CommonName)
	}
	digest := sha256.Sum256([]byte("Nota Interna UIT/NI/2026/0001"))
	sig, err := id.Signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(leaf.PublicKey.(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatal("the token's signature does not verify with its certificate")
	}
}
