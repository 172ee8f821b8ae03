package report

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pdfsign/sign"
	"golang.org/x/crypto/pkcs12"

	"github.com/tramite/tramite/procedure"
)

// Identity is who signs a PDF: a private key and its certificate chain,
// the signing certificate first, then its issuers.
type Identity struct {
	// Signer is the private key.
	Signer crypto.Signer
	// Chain is the signing certificate followed by its intermediates and,
	// optionally, the root.
	Chain []*x509.Certificate
	// Development marks an identity made for development or for a
	// single desk (NewDevIdentity, DevIdentities): every signature it
	// makes says, in its reason, that it has no legal validity.
	Development bool
}

// DevelopmentMark ends the reason of every signature made with a
// development identity.
const DevelopmentMark = " (identidad de desarrollo: no válida legalmente)"

// Certificate returns the signing certificate, or nil.
func (id Identity) Certificate() *x509.Certificate {
	if len(id.Chain) == 0 {
		return nil
	}
	return id.Chain[0]
}

func (id Identity) check() error {
	if id.Signer == nil || len(id.Chain) == 0 || id.Chain[0] == nil {
		return procedure.Errorf(procedure.EINVALID, "report: la identidad de firma está incompleta: hace falta la clave privada y su certificado")
	}
	if !publicKeyEqual(id.Signer.Public(), id.Chain[0].PublicKey) {
		return procedure.Errorf(procedure.EINVALID, "report: la clave privada no corresponde al certificado %q: revise que ambos archivos sean del mismo firmante", id.Chain[0].Subject.CommonName)
	}
	return nil
}

func publicKeyEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// LoadPEMIdentity loads an identity from a PEM private key (PKCS#8,
// PKCS#1 or SEC 1) and a PEM certificate chain, signing certificate first.
// It returns EINVALID, saying what is wrong, when a block is missing or
// the key does not match the certificate.
func LoadPEMIdentity(keyPEM, chainPEM []byte) (Identity, error) {
	var id Identity
	for rest := keyPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if k, err := parseKey(b.Bytes); err == nil {
			id.Signer = k
			break
		}
	}
	if id.Signer == nil {
		return Identity{}, procedure.Errorf(procedure.EINVALID, "report: no se encontró una clave privada PEM sin cifrar (PKCS#8, PKCS#1 o EC) en el archivo de la clave")
	}
	for rest := chainPEM; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return Identity{}, &procedure.Error{Code: procedure.EINVALID, Op: "report: load PEM identity", Message: "un certificado de la cadena no es válido", Err: err}
		}
		id.Chain = append(id.Chain, c)
	}
	if len(id.Chain) == 0 {
		return Identity{}, procedure.Errorf(procedure.EINVALID, "report: no se encontró ningún bloque CERTIFICATE en la cadena de certificados")
	}
	return id, id.check()
}

func parseKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("unsupported private key")
}

// LoadPKCS12Identity loads an identity from a PKCS#12 (.p12, .pfx) file.
// Only the legacy encryption (PBE-SHA1-3DES, RC2) is understood: export
// with "openssl pkcs12 -export -legacy", or convert the file to PEM and use
// LoadPEMIdentity. It returns EINVALID for a wrong password or an
// unreadable file.
func LoadPKCS12Identity(data []byte, password string) (Identity, error) {
	blocks, err := pkcs12.ToPEM(data, password)
	if err != nil {
		msg := "no se pudo leer el archivo PKCS#12: revise la contraseña; si fue exportado con cifrado AES, expórtelo con «openssl pkcs12 -export -legacy» o use la clave y la cadena en PEM"
		return Identity{}, &procedure.Error{Code: procedure.EINVALID, Op: "report: load PKCS#12 identity", Message: msg, Err: err}
	}
	var key, certs []byte
	for _, b := range blocks {
		enc := pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: b.Bytes})
		if b.Type == "CERTIFICATE" {
			certs = append(certs, enc...)
		} else {
			key = append(key, enc...)
		}
	}
	id, err := LoadPEMIdentity(key, certs)
	if err != nil {
		return Identity{}, err
	}
	// Put the certificate of the key first.
	for i, c := range id.Chain {
		if publicKeyEqual(id.Signer.Public(), c.PublicKey) {
			id.Chain[0], id.Chain[i] = id.Chain[i], id.Chain[0]
			break
		}
	}
	return id, id.check()
}

// Development identity files, in the directory given to NewDevIdentity.
const (
	DevCAFile   = "dev-ca.pem"
	DevCertFile = "dev-signer.pem"
	DevKeyFile  = "dev-signer-key.pem"
)

// NewDevIdentity returns a development signing identity kept in dir: on
// the first call it creates a development CA and a signing certificate
// issued by it (ECDSA P-256, valid ten years), writing DevCAFile,
// DevCertFile (the chain) and DevKeyFile with mode 0600; later calls load
// them. Add DevCAFile to a trust store to see signatures as trusted. Never
// use it in production.
func NewDevIdentity(dir string) (Identity, error) {
	keyPath, certPath := filepath.Join(dir, DevKeyFile), filepath.Join(dir, DevCertFile)
	keyPEM, kerr := os.ReadFile(keyPath)
	certPEM, cerr := os.ReadFile(certPath)
	if kerr == nil && cerr == nil {
		id, err := LoadPEMIdentity(keyPEM, certPEM)
		id.Development = err == nil
		return id, err
	}
	if !errors.Is(kerr, os.ErrNotExist) && kerr != nil {
		return Identity{}, fmt.Errorf("report: leer la identidad de desarrollo: %w", kerr)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Identity{}, fmt.Errorf("report: crear el directorio de la identidad de desarrollo: %w", err)
	}
	id, caPEM, err := newDevIdentity()
	if err != nil {
		return Identity{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(id.Signer)
	if err != nil {
		return Identity{}, err
	}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Chain[0].Raw}), caPEM...)
	for _, f := range []struct {
		path string
		data []byte
	}{
		{filepath.Join(dir, DevCAFile), caPEM},
		{certPath, chain},
		{keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})},
	} {
		if err := writeFileExcl(f.path, f.data); err != nil {
			return Identity{}, err
		}
	}
	return id, nil
}

// writeFileExcl writes a new file with mode 0600 and fails if it exists.
func writeFileExcl(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("report: escribir %s: %w", filepath.Base(path), err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("report: escribir %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

func newDevIdentity() (Identity, []byte, error) {
	ca, caKey, caDER, err := newDevCA("tramite CA de desarrollo", "tramite (desarrollo)")
	if err != nil {
		return Identity{}, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Identity{}, nil, err
	}
	now := time.Now().Add(-time.Hour)
	leaf := &x509.Certificate{
		SerialNumber: devSerial(), NotBefore: now, NotAfter: now.AddDate(10, 0, 0),
		Subject:               pkix.Name{CommonName: "tramite firmante de desarrollo", Organization: []string{"tramite (desarrollo)"}, Country: []string{"BO"}},
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		EmailAddresses:        []string{"firmas@tramite.invalid"},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return Identity{}, nil, err
	}
	leaf, _ = x509.ParseCertificate(leafDER)
	return Identity{Signer: key, Chain: []*x509.Certificate{leaf, ca}, Development: true},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}

// SignMeta describes a signature: who signs, why, where and when. The
// PDF viewer's signature panel shows it.
type SignMeta struct {
	// Name of the person signing (e.g. the history entry's ActorName).
	Name string `json:"name,omitempty"`
	// Reason, e.g. "Revisado – paso 7".
	Reason string `json:"reason,omitempty"`
	// Location, e.g. "La Paz".
	Location string `json:"location,omitempty"`
	// Contact, e.g. an email address.
	Contact string `json:"contact,omitempty"`
	// Date is the signing time written in the signature dictionary; zero
	// leaves it out.
	Date time.Time `json:"date,omitzero"`
	// TSA, when set, is the address of an RFC 3161 time-stamping
	// authority: the signature then carries a timestamp that proves when
	// it was made, so it verifies after the certificate expires.
	TSA string `json:"tsa,omitempty"`
	// Revocation embeds in the signature the revocation status of the
	// signer's certificate and of each intermediate, fetched at signing
	// time from the OCSP responder the certificate names (or, without one,
	// its CRL). A revoked certificate, or one that names neither, cannot
	// sign then. With TSA this makes a long-term (PAdES B-LT) signature.
	Revocation bool `json:"revocation,omitempty"`
	// Client makes the TSA and revocation requests (default: 30 s
	// timeout).
	Client *http.Client `json:"-"`
}

// Sign writes pdfBytes followed by an incremental update that adds one
// approval signature (adbe.pkcs7.detached, SHA-256) by id. Earlier
// signatures stay valid, so a document can be signed by several people in
// turn. It returns EINVALID for bytes that are not a PDF or an incomplete
// identity; w receives nothing then.
func Sign(w io.Writer, pdfBytes []byte, id Identity, meta SignMeta) error {
	if err := id.check(); err != nil {
		return err
	}
	if w == nil {
		return procedure.Errorf(procedure.EINVALID, "report: falta el destino donde escribir el documento firmado")
	}
	r := bytes.NewReader(pdfBytes)
	rdr, err := readPDF(pdfBytes)
	if err != nil {
		return &procedure.Error{Code: procedure.EINVALID, Op: "report: sign", Message: "el documento a firmar no es un PDF legible", Err: err}
	}
	switch id.Signer.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	case ed25519.PublicKey:
		return procedure.Errorf(procedure.EINVALID, "report: las claves Ed25519 no sirven para firmar PDF; use RSA o ECDSA")
	}
	if id.Development && !strings.HasSuffix(meta.Reason, DevelopmentMark) {
		meta.Reason += DevelopmentMark
	}
	var chains [][]*x509.Certificate
	if len(id.Chain) > 0 {
		chains = [][]*x509.Certificate{id.Chain}
	}
	data := sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{
				Name: meta.Name, Reason: meta.Reason, Location: meta.Location, ContactInfo: meta.Contact, Date: meta.Date,
			},
			CertType:   sign.ApprovalSignature,
			DocMDPPerm: sign.AllowFillingExistingFormFieldsAndSignaturesPerms,
		},
		Signer:            id.Signer,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       id.Chain[0],
		CertificateChains: chains,
		TSA:               sign.TSA{URL: meta.TSA},
	}
	if meta.Revocation {
		client := meta.Client
		if client == nil {
			client = &http.Client{Timeout: 30 * time.Second}
		}
		data.RevocationFunction = func(cert, issuer *x509.Certificate, i *revocation.InfoArchival) error {
			return embedRevocation(client, cert, issuer, i)
		}
	}
	var out bytes.Buffer
	if err := sign.Sign(r, &out, rdr, int64(len(pdfBytes)), data); err != nil {
		var pe *procedure.Error
		if errors.As(err, &pe) {
			return pe
		}
		if terr, ok := asTokenError(err); ok {
			return terr
		}
		return fmt.Errorf("report: firmar el documento: %w", err)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// readPDF parses a PDF, refusing what the parser would not come back
// from (checkParsable) and turning its panics on malformed input into
// errors.
func readPDF(b []byte) (rdr *pdf.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed PDF: %v", p)
		}
	}()
	if err := checkParsable(b); err != nil {
		return nil, err
	}
	return pdf.NewReader(bytes.NewReader(b), int64(len(b)))
}
