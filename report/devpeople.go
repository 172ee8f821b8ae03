package report

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Files of the development CA that issues one identity per person
// (DevIdentityFor), in its directory.
const (
	DevPeopleCAFile    = "dev-people-ca.pem"
	DevPeopleCAKeyFile = "dev-people-ca-key.pem"
)

var devMu sync.Mutex // one process creating files in a directory at a time

// DevIdentityFor returns the development identity of one person, kept in
// dir: a certificate issued to the person's name by a development CA of
// dir (DevPeopleCAFile, created with its key on first use), with its key,
// both written with mode 0600 on first use and loaded after. Its
// signatures say they are not legally valid (Identity.Development). It
// serves the embedded single-desk mode, where each person signs with
// their own identity but nobody has a real certificate; add
// DevPeopleCAFile to a trust store (or VerifyOptions.Roots) to see them as
// trusted.
func DevIdentityFor(dir string, a procedure.Actor) (Identity, error) {
	if a.ID == "" {
		return Identity{}, procedure.Errorf(procedure.EINVALID, "report: la identidad de desarrollo necesita la persona")
	}
	devMu.Lock()
	defer devMu.Unlock()
	sum := sha256.Sum256([]byte(a.ID))
	base := "dev-person-" + hex.EncodeToString(sum[:8])
	keyPath, certPath := filepath.Join(dir, base+"-key.pem"), filepath.Join(dir, base+".pem")
	keyPEM, kerr := os.ReadFile(keyPath)
	certPEM, cerr := os.ReadFile(certPath)
	if kerr == nil && cerr == nil {
		id, err := LoadPEMIdentity(keyPEM, certPEM)
		id.Development = err == nil
		return id, err
	}
	ca, caKey, caPEM, err := devPeopleCA(dir)
	if err != nil {
		return Identity{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Identity{}, err
	}
	now := time.Now().Add(-time.Hour)
	name := a.Name
	if name == "" {
		name = a.ID
	}
	leaf := &x509.Certificate{
		SerialNumber: devSerial(), NotBefore: now, NotAfter: now.AddDate(10, 0, 0),
		Subject:               pkix.Name{CommonName: name, SerialNumber: a.ID, Organization: []string{"tramite (desarrollo, no válido legalmente)"}, Country: []string{"BO"}},
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	if a.Email != "" {
		leaf.EmailAddresses = []string{a.Email}
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return Identity{}, err
	}
	leaf, _ = x509.ParseCertificate(der)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Identity{}, err
	}
	if err := writeFileExcl(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})); err != nil {
		return Identity{}, err
	}
	if err := writeFileExcl(certPath, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), caPEM...)); err != nil {
		return Identity{}, err
	}
	return Identity{Signer: key, Chain: []*x509.Certificate{leaf, ca}, Development: true}, nil
}

// DevPeopleRoots returns a pool holding the development CA of dir
// (created on first use, as DevIdentityFor does), to verify the
// signatures of the identities it issues.
func DevPeopleRoots(dir string) (*x509.CertPool, error) {
	devMu.Lock()
	defer devMu.Unlock()
	ca, _, _, err := devPeopleCA(dir)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool, nil
}

// devPeopleCA loads or creates the development CA of dir.
func devPeopleCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	caPath, keyPath := filepath.Join(dir, DevPeopleCAFile), filepath.Join(dir, DevPeopleCAKeyFile)
	caPEM, cerr := os.ReadFile(caPath)
	keyPEM, kerr := os.ReadFile(keyPath)
	if cerr == nil && kerr == nil {
		id, err := LoadPEMIdentity(keyPEM, caPEM)
		if err != nil {
			return nil, nil, nil, err
		}
		k, ok := id.Signer.(*ecdsa.PrivateKey)
		if !ok {
			return nil, nil, nil, fmt.Errorf("report: la clave de %s no es ECDSA", DevPeopleCAKeyFile)
		}
		return id.Chain[0], k, caPEM, nil
	}
	if !errors.Is(cerr, os.ErrNotExist) || !errors.Is(kerr, os.ErrNotExist) {
		return nil, nil, nil, fmt.Errorf("report: la CA de desarrollo de %s está incompleta: %v, %v", dir, cerr, kerr)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, nil, fmt.Errorf("report: crear el directorio de las identidades de desarrollo: %w", err)
	}
	ca, key, der, err := newDevCA("tramite CA de desarrollo por persona", "tramite (desarrollo, no válido legalmente)")
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writeFileExcl(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})); err != nil {
		return nil, nil, nil, err
	}
	if err := writeFileExcl(caPath, caPEM); err != nil {
		return nil, nil, nil, err
	}
	return ca, key, caPEM, nil
}

// newDevCA makes a self-signed ECDSA P-256 development CA valid for ten
// years, named cn of org, and returns it, its key and its DER bytes.
func newDevCA(cn, org string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now().Add(-time.Hour)
	tmpl := &x509.Certificate{
		SerialNumber: devSerial(), NotBefore: now, NotAfter: now.AddDate(10, 0, 0),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{org}, Country: []string{"BO"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	return ca, key, der, nil
}

// devSerial returns a random serial number for a development certificate.
func devSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// DevSigners returns Signers that sign for each person with that person's
// development identity (DevIdentityFor, in dir), found by ID in people;
// when certs is not nil each identity's certificate is bound to its
// person there, so Signing accepts what they sign. It is the embedded
// single-desk mode's signing: one identity per person, each signature
// marked as not legally valid.
func DevSigners(dir string, people procedure.Directory, certs procedure.Certificates) Signers {
	return SignersFunc(func(ctx context.Context, actorID string) (Identity, error) {
		a, err := people.Actor(ctx, actorID)
		if err != nil {
			return Identity{}, err
		}
		id, err := DevIdentityFor(dir, a)
		if err != nil {
			return Identity{}, err
		}
		if certs != nil {
			if err := certs.PutCertificate(ctx, procedure.CertificateOf(a.ID, id.Certificate())); err != nil {
				return Identity{}, err
			}
		}
		return id, nil
	})
}
