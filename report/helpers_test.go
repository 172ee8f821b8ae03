package report_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// closedCase runs a PR01 case through its nine steps and returns the
// engine, the case and its history.
func closedCase(t testing.TB, secret string, rounds int) (*procedure.Engine, procedure.Case, []procedure.Entry) {
	t.Helper()
	e := proceduretest.NewEngine(t, procedure.NewMemoryStore())
	c := proceduretest.RunPR01(t, e, "SIGEP", secret, rounds)
	h, err := e.History(context.Background(), proceduretest.Jefe, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e, c, h
}

// input returns the Input of a topic of a closed case as it stood after
// the entry of event (the last one of that event).
func input(t testing.TB, e *procedure.Engine, c procedure.Case, h []procedure.Entry, topic string, event procedure.EventName) report.Input {
	t.Helper()
	def, err := e.Definition(c.Procedure)
	if err != nil {
		t.Fatal(err)
	}
	seq := 0
	for _, x := range h {
		if x.Event == event {
			seq = x.Seq
		}
	}
	if seq == 0 {
		t.Fatalf("no %s entry", event)
	}
	num := c.Cites[topic]
	return report.Input{Topic: topic, Number: num, Case: c, Definition: def, History: h, Seq: seq}
}

// need skips the test when a poppler or NSS tool is missing. CI installs
// them (.ci/install-deps), so there these tests always run.
func need(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s is not installed (Debian: poppler-utils / libnss3-tools / openssl); CI installs it", tool)
	}
}

// pdftotext extracts a PDF's text, laid out.
func pdftotext(t testing.TB, pdf []byte) string {
	t.Helper()
	need(t, "pdftotext")
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// sigInfo is what pdfsig says about one signature.
type sigInfo struct {
	Valid   string // "Signature is Valid." or the failure
	Cert    string // certificate validation
	Name    string
	Ranges  string
	Reason  string
	Signer  string
	Trusted bool
}

var sigRE = regexp.MustCompile(`(?m)^Signature #\d+:`)

// pdfsig runs poppler's pdfsig (which exits 0 even when a digest does not
// match) and parses its report; nssdir may be empty.
func pdfsig(t testing.TB, pdf []byte, nssdir string) []sigInfo {
	t.Helper()
	need(t, "pdfsig")
	f := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	var args []string
	if nssdir != "" {
		args = []string{"-nssdir", "sql:" + nssdir, f}
	} else {
		args = []string{"-nocert", f}
	}
	out, _ := exec.Command("pdfsig", args...).CombinedOutput()
	s := string(out)
	if strings.Contains(s, "does not contain any signatures") {
		return nil
	}
	idx := sigRE.FindAllStringIndex(s, -1)
	var sigs []sigInfo
	for i, loc := range idx {
		end := len(s)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		block := s[loc[0]:end]
		var si sigInfo
		for _, line := range strings.Split(block, "\n") {
			line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				continue
			}
			switch k {
			case "Signature Validation":
				si.Valid = v
			case "Certificate Validation":
				si.Cert = v
				si.Trusted = strings.HasPrefix(v, "Certificate is Trusted")
			case "Signer Certificate Common Name":
				si.Signer = v
			case "Signed Ranges":
				si.Ranges = v
			}
		}
		sigs = append(sigs, si)
	}
	if len(sigs) == 0 {
		t.Fatalf("pdfsig printed no signature:\n%s", s)
	}
	return sigs
}

// pki is a test CA with signing identities issued by it.
type pki struct {
	caPEM []byte
	ids   []report.Identity
	keys  [][]byte // PEM keys of ids
	certs [][]byte // PEM chains of ids
}

func newPKI(t testing.TB, names ...string) pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	start := time.Now().Add(-time.Hour)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA de prueba"},
		NotBefore: start, NotAfter: start.AddDate(1, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	p := pki{caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})}
	for i, n := range names {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		leaf := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: n},
			NotBefore: start, NotAfter: start.AddDate(1, 0, 0), BasicConstraintsValid: true,
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}
		der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kd, _ := x509.MarshalPKCS8PrivateKey(k)
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
		chainPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), p.caPEM...)
		id, err := report.LoadPEMIdentity(keyPEM, chainPEM)
		if err != nil {
			t.Fatal(err)
		}
		p.ids, p.keys, p.certs = append(p.ids, id), append(p.keys, keyPEM), append(p.certs, chainPEM)
	}
	return p
}

// nssdb creates an NSS database trusting caPEM.
func nssdb(t testing.TB, caPEM []byte) string {
	t.Helper()
	need(t, "certutil")
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "tramite-test-ca", "-t", "CT,C,C", "-i", ca},
	} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return dir
}
