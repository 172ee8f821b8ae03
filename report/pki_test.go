package report_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/tramite/tramite/report"
)

// testCA is a certification authority of the tests with its own OCSP
// responder and time-stamping authority, both HTTP servers on 127.0.0.1
// built on golang.org/x/crypto/ocsp and digitorus/timestamp.
type testCA struct {
	t        testing.TB
	key      *ecdsa.PrivateKey
	cert     *x509.Certificate
	pem      []byte
	pool     *x509.CertPool
	ocsp     *httptest.Server
	tsa      *httptest.Server
	tsaKey   *ecdsa.PrivateKey
	tsaCert  *x509.Certificate
	serial   int64
	mu       sync.Mutex
	revoked  map[string]time.Time // by serial, hex
	requests map[string]int       // "ocsp", "tsa"
}

// newTestCA starts a CA; its signers' certificates last a day, so a
// verification two years later is long after they expired.
func newTestCA(t testing.TB) *testCA {
	t.Helper()
	ca := &testCA{t: t, revoked: map[string]time.Time{}, requests: map[string]int{}, serial: 100}
	ca.key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	start := time.Now().Add(-time.Hour)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Entidad Certificadora de prueba", Country: []string{"BO"}},
		NotBefore: start, NotAfter: start.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ca.key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	ca.cert, _ = x509.ParseCertificate(der)
	ca.pem = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	ca.pool = x509.NewCertPool()
	ca.pool.AddCert(ca.cert)
	ca.ocsp = httptest.NewServer(http.HandlerFunc(ca.serveOCSP))
	ca.tsa = httptest.NewServer(http.HandlerFunc(ca.serveTSA))
	t.Cleanup(ca.ocsp.Close)
	t.Cleanup(ca.tsa.Close)
	ca.tsaKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca.tsaCert = ca.sign(&x509.Certificate{Subject: pkix.Name{CommonName: "Sellado de tiempo de prueba"}, NotBefore: start, NotAfter: start.AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}, &ca.tsaKey.PublicKey)
	return ca
}

func (ca *testCA) sign(tmpl *x509.Certificate, pub crypto.PublicKey) *x509.Certificate {
	ca.mu.Lock()
	ca.serial++
	tmpl.SerialNumber = big.NewInt(ca.serial)
	ca.mu.Unlock()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		ca.t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// leaf returns a one-day signing certificate for pub, naming the CA's
// OCSP responder.
func (ca *testCA) leaf(name string, pub crypto.PublicKey) *x509.Certificate {
	start := time.Now().Add(-time.Hour)
	return ca.sign(&x509.Certificate{Subject: pkix.Name{CommonName: name, Country: []string{"BO"}}, NotBefore: start, NotAfter: start.Add(25 * time.Hour),
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, OCSPServer: []string{ca.ocsp.URL}}, pub)
}

// issue returns a signing identity for name, with its key in memory.
func (ca *testCA) issue(name string) report.Identity {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return report.Identity{Signer: k, Chain: []*x509.Certificate{ca.leaf(name, &k.PublicKey), ca.cert}}
}

func (ca *testCA) revoke(c *x509.Certificate) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.revoked[c.SerialNumber.Text(16)] = time.Now().Add(-time.Minute)
}

func (ca *testCA) count(what string) int {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	return ca.requests[what]
}

func (ca *testCA) serveOCSP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ca.mu.Lock()
	ca.requests["ocsp"]++
	at, revoked := ca.revoked[req.SerialNumber.Text(16)]
	ca.mu.Unlock()
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
	if revoked {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, ocsp.KeyCompromise
	}
	resp, err := ocsp.CreateResponse(ca.cert, ca.cert, tmpl, ca.key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

func (ca *testCA) serveTSA(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ca.mu.Lock()
	ca.requests["tsa"]++
	ca.mu.Unlock()
	ts := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: time.Now(), Nonce: req.Nonce,
		Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: req.Certificates}
	resp, err := ts.CreateResponseWithOpts(ca.tsaCert, ca.tsaKey, crypto.SHA256)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(resp)
}
