package report

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/tramite/tramite/procedure"
)

var (
	oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidRevocationInfo = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8} // adbe-revocationInfoArchival
)

// Signature is what VerifySignatures finds about one signature of a PDF.
// Problems says, in Spanish, everything that keeps it from being Valid.
type Signature struct {
	// Index is the signature's place in the document, 1 for the first.
	Index int `json:"index"`
	// Name, Reason and Location are what the signature dictionary says.
	Name     string `json:"name"`
	Reason   string `json:"reason"`
	Location string `json:"location"`
	// Signer is the common name of the signing certificate; Subject,
	// Issuer and Serial (lower-case hex) name that certificate.
	Signer    string    `json:"signer"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// SignedAt is when the signature was made: the timestamp's time when
	// there is one, otherwise the time the signer's computer claimed.
	SignedAt time.Time `json:"signed_at"`
	// Timestamped tells whether an RFC 3161 timestamp covers the
	// signature; TimestampAuthority names the authority that issued it and
	// TimestampTrusted whether its certificate chains to a trusted root.
	Timestamped        bool   `json:"timestamped"`
	TimestampAuthority string `json:"timestamp_authority,omitempty"`
	TimestampTrusted   bool   `json:"timestamp_trusted"`
	// Revocation is what revocation data the signature embeds for its
	// certificate: "ocsp", "crl" or "" for none; Revoked whether it says
	// the certificate was revoked.
	Revocation string `json:"revocation,omitempty"`
	Revoked    bool   `json:"revoked"`
	// Intact: the signature matches the bytes it covers.
	Intact bool `json:"intact"`
	// CoversRevision: the signature covers the whole document as it stood
	// when it was signed (every byte up to RevisionEnd but its own value).
	CoversRevision bool  `json:"covers_revision"`
	RevisionEnd    int64 `json:"revision_end"`
	// CertificateValid: the certificate was within its validity period
	// at SignedAt (or, for a signature without a trusted timestamp, at
	// VerifyOptions.At); Trusted: it chains, then, to a trusted root.
	CertificateValid bool `json:"certificate_valid"`
	Trusted          bool `json:"trusted"`
	// UnchangedSince: what the document shows is the same now as when it
	// was signed: later revisions only added signatures (each judged on
	// its own).
	UnchangedSince bool `json:"unchanged_since"`
	// Valid sums up: intact, covering its revision, unchanged since,
	// made with a trusted certificate valid at SignedAt and not revoked,
	// and with the timestamp and revocation data the options require.
	Valid    bool     `json:"valid"`
	Problems []string `json:"problems,omitempty"`

	// Certificate is the signing certificate and Chain the certificates
	// the signature carries.
	Certificate *x509.Certificate   `json:"-"`
	Chain       []*x509.Certificate `json:"-"`

	holeStart, holeEnd int64
	contents           []byte // the CMS SignedData
}

// VerifyOptions says what VerifySignatures trusts and requires.
type VerifyOptions struct {
	// Roots are the certification authorities whose signers are trusted;
	// nil trusts none, and no signature is then Valid.
	Roots *x509.CertPool
	// TSARoots are the roots trusted for timestamps; nil uses Roots.
	TSARoots *x509.CertPool
	// RequireTimestamp and RequireRevocation make a signature without a
	// timestamp or without embedded revocation data invalid: long-term
	// validation (PAdES B-LT) needs both.
	RequireTimestamp  bool
	RequireRevocation bool
	// At is when the verification happens (default now). A signature
	// with a trusted timestamp is judged at the timestamp's time, whatever
	// At is; one without is judged at At, when its certificate may
	// have expired.
	At time.Time
}

// VerifySignatures reads every signature of a PDF, in the order they were
// made, and checks each one offline, with nothing but the document and
// opts: the signature against the bytes it covers, the certificate at the
// time of signing (the timestamp's, so a certificate that has expired
// since still verifies), the embedded revocation data, and that the
// document has only received signatures since. It returns EINVALID for
// bytes that are not a PDF, and an empty slice for a PDF without
// signatures.
func VerifySignatures(pdfBytes []byte, opts VerifyOptions) (_ []Signature, err error) {
	defer func() {
		if p := recover(); p != nil { // the parsers' panics on malformed input
			err = &procedure.Error{Code: procedure.EINVALID, Op: "report: verify signatures", Message: "el documento o una de sus firmas está dañado", Err: fmt.Errorf("%v", p)}
		}
	}()
	sigs, err := readSignatures(pdfBytes)
	if err != nil {
		return nil, err
	}
	for i := range sigs {
		sigs[i].check(pdfBytes, opts)
	}
	// Unchanged since: the document as it stood when signed and as it
	// stands now show the same content; later revisions added signatures
	// and nothing else.
	for i := range sigs {
		s := &sigs[i]
		if s.RevisionEnd == int64(len(pdfBytes)) {
			s.UnchangedSince = true
		} else if s.RevisionEnd > 0 {
			same, err := sameContent(pdfBytes[:s.RevisionEnd], pdfBytes)
			s.UnchangedSince = same && err == nil
		}
		if !s.UnchangedSince {
			s.problem("el contenido del documento cambió después de esta firma")
		}
		s.Valid = len(s.Problems) == 0
	}
	return sigs, nil
}

func (s *Signature) problem(format string, args ...any) {
	s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
}

// readSignatures finds the signature dictionaries of a PDF, ordered by
// where their revisions end.
func readSignatures(b []byte) (sigs []Signature, err error) {
	defer func() {
		if p := recover(); p != nil {
			sigs, err = nil, &procedure.Error{Code: procedure.EINVALID, Op: "report: verify signatures", Message: "el documento no es un PDF legible", Err: fmt.Errorf("%v", p)}
		}
	}()
	if err := checkParsable(b); err != nil {
		return nil, &procedure.Error{Code: procedure.EINVALID, Op: "report: verify signatures", Message: "el documento no es un PDF legible: " + err.Error(), Err: err}
	}
	rdr, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, &procedure.Error{Code: procedure.EINVALID, Op: "report: verify signatures", Message: "el documento no es un PDF legible", Err: err}
	}
	sigs = []Signature{}
	seen := map[[4]int64]bool{}
	for _, x := range rdr.Xref() {
		v := rdr.Resolve(x.Ptr(), x.Ptr())
		if v.Key("Filter").Name() != "Adobe.PPKLite" || v.Key("Type").Name() == "DocTimeStamp" {
			continue
		}
		br := v.Key("ByteRange")
		if br.Len() != 4 {
			continue
		}
		var r [4]int64
		for i := range r {
			r[i] = br.Index(i).Int64()
		}
		if seen[r] {
			continue
		}
		seen[r] = true
		s := Signature{Name: v.Key("Name").Text(), Reason: v.Key("Reason").Text(), Location: v.Key("Location").Text(),
			holeStart: r[1], holeEnd: r[2], RevisionEnd: r[2] + r[3]}
		if r[0] != 0 || r[1] < 0 || r[2] < r[1] || r[3] < 0 || s.RevisionEnd > int64(len(b)) {
			s.problem("los rangos de bytes de la firma no son válidos")
			s.RevisionEnd = 0
		} else {
			s.CoversRevision = s.holeEnd-s.holeStart >= 2 && b[s.holeStart] == '<' && b[s.holeEnd-1] == '>'
			if !s.CoversRevision {
				s.problem("la firma no cubre todo el documento tal como estaba al firmarse")
			}
		}
		if m := v.Key("M"); !m.IsNull() {
			s.SignedAt, _ = pdfDate(m.Text())
		}
		s.contents = []byte(v.Key("Contents").RawString())
		sigs = append(sigs, s)
	}
	slices.SortStableFunc(sigs, func(a, b Signature) int { return int(a.RevisionEnd - b.RevisionEnd) })
	for i := range sigs {
		sigs[i].Index = i + 1
	}
	return sigs, nil
}

// parse reads the CMS SignedData of the signature.
func (s *Signature) parse() (*pkcs7.PKCS7, error) {
	// The value is padded with zeros up to the space reserved for it.
	var der asn1.RawValue
	if _, err := asn1.Unmarshal(s.contents, &der); err != nil {
		return nil, err
	}
	return pkcs7.Parse(der.FullBytes)
}

// signerName returns the common name of the signing certificate, without
// verifying anything; "" when it cannot be read.
func (s *Signature) signerName() string {
	p7, err := s.parse()
	if err != nil {
		return ""
	}
	if c := p7.GetOnlySigner(); c != nil {
		return c.Subject.CommonName
	}
	return ""
}

// check verifies one signature against the bytes it covers.
func (s *Signature) check(b []byte, opts VerifyOptions) {
	p7, err := s.parse()
	if err != nil {
		s.problem("el valor de la firma no es un CMS legible: %v", err)
		return
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		s.problem("la firma no tiene exactamente un firmante con su certificado")
		return
	}
	s.Certificate, s.Chain = signer, p7.Certificates
	s.Signer, s.Subject, s.Issuer = signer.Subject.CommonName, signer.Subject.String(), signer.Issuer.String()
	s.Serial = strings.ToLower(signer.SerialNumber.Text(16))
	s.NotBefore, s.NotAfter = signer.NotBefore, signer.NotAfter
	if s.RevisionEnd > 0 {
		p7.Content = append(append([]byte(nil), b[:s.holeStart]...), b[s.holeEnd:s.RevisionEnd]...)
		if err := p7.Verify(); err != nil {
			s.problem("la firma no corresponde al contenido: el documento fue alterado o la firma está dañada (%v)", err)
		} else {
			s.Intact = true
		}
	}
	s.checkTimestamp(p7, opts)
	// Without a trusted timestamp the time the signer claims proves
	// nothing: the certificate must be valid now.
	at := s.SignedAt
	if !s.Timestamped || !s.TimestampTrusted {
		if at = opts.At; at.IsZero() {
			at = time.Now()
		}
	}
	s.CertificateValid = !at.Before(signer.NotBefore) && !at.After(signer.NotAfter)
	if !s.CertificateValid {
		when := "al firmar"
		if !s.Timestamped {
			when = "hoy, y la firma no tiene sello de tiempo que pruebe cuándo se hizo"
		}
		s.problem("el certificado de %s no estaba vigente %s (%s): vale del %s al %s", s.Signer, when, stamp(at), stamp(signer.NotBefore), stamp(signer.NotAfter))
	}
	var issuer *x509.Certificate
	if opts.Roots != nil {
		inter := x509.NewCertPool()
		for _, c := range p7.Certificates {
			inter.AddCert(c)
		}
		chains, err := signer.Verify(x509.VerifyOptions{Roots: opts.Roots, Intermediates: inter, CurrentTime: at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err == nil {
			s.Trusted = true
			if len(chains[0]) > 1 {
				issuer = chains[0][1]
			}
		} else {
			s.problem("el certificado de %s no proviene de una entidad certificadora de confianza: %v", s.Signer, err)
		}
	} else {
		s.problem("no se configuró ninguna entidad certificadora de confianza")
	}
	s.checkRevocation(p7, signer, issuer, opts)
}

// checkTimestamp reads the RFC 3161 timestamp of the signature, if any:
// it must be over the signature value and, to be trusted, issued by a
// TSA whose certificate chains to a trusted root at the stamped time.
func (s *Signature) checkTimestamp(p7 *pkcs7.PKCS7, opts VerifyOptions) {
	var token []byte
	for _, si := range p7.Signers {
		for _, a := range si.UnauthenticatedAttributes {
			if a.Type.Equal(oidTimeStampToken) {
				token = a.Value.Bytes
				if len(token) == 0 {
					token = a.Value.FullBytes
				}
			}
		}
	}
	if token == nil {
		if opts.RequireTimestamp {
			s.problem("la firma no tiene sello de tiempo")
		}
		return
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		s.problem("el sello de tiempo no es válido: %v", err)
		return
	}
	h := ts.HashAlgorithm.New()
	h.Write(p7.Signers[0].EncryptedDigest)
	if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
		s.problem("el sello de tiempo no corresponde a esta firma")
		return
	}
	s.Timestamped, s.SignedAt = true, ts.Time
	if len(ts.Certificates) > 0 {
		tsa := ts.Certificates[0]
		s.TimestampAuthority = tsa.Subject.CommonName
		roots := opts.TSARoots
		if roots == nil {
			roots = opts.Roots
		}
		if roots != nil {
			inter := x509.NewCertPool()
			for _, c := range ts.Certificates[1:] {
				inter.AddCert(c)
			}
			_, err := tsa.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: ts.Time,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
			s.TimestampTrusted = err == nil
			if err != nil {
				s.problem("la autoridad de sellado de tiempo %s no es de confianza: %v", s.TimestampAuthority, err)
			}
		}
	} else {
		s.problem("el sello de tiempo no trae el certificado de su autoridad")
	}
}

// checkRevocation reads the revocation data the signature embeds for its
// certificate: an OCSP response signed by the issuer (or a responder it
// delegated to) or a CRL signed by the issuer, saying the certificate was
// not revoked at the time of signing.
func (s *Signature) checkRevocation(p7 *pkcs7.PKCS7, cert, issuer *x509.Certificate, opts VerifyOptions) {
	var info revocation.InfoArchival
	if err := p7.UnmarshalSignedAttribute(oidRevocationInfo, &info); err != nil || (len(info.OCSP) == 0 && len(info.CRL) == 0) {
		if opts.RequireRevocation {
			s.problem("la firma no incluye el estado de revocación del certificado (OCSP o CRL)")
		}
		return
	}
	if issuer == nil {
		for _, c := range p7.Certificates {
			if bytes.Equal(c.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(c) == nil {
				issuer = c
			}
		}
	}
	if issuer == nil {
		s.problem("no se puede comprobar el estado de revocación: falta el certificado del emisor")
		return
	}
	for _, raw := range info.OCSP {
		r, err := ocsp.ParseResponseForCert(raw.FullBytes, cert, issuer)
		if err != nil {
			continue
		}
		s.Revocation = "ocsp"
		if r.Status == ocsp.Revoked && (s.SignedAt.IsZero() || !r.RevokedAt.After(s.SignedAt)) {
			s.Revoked = true
		}
	}
	for _, raw := range info.CRL {
		crl, err := x509.ParseRevocationList(raw.FullBytes)
		if err != nil || crl.CheckSignatureFrom(issuer) != nil {
			continue
		}
		if s.Revocation == "" {
			s.Revocation = "crl"
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && (s.SignedAt.IsZero() || !e.RevocationTime.After(s.SignedAt)) {
				s.Revoked = true
			}
		}
	}
	switch {
	case s.Revocation == "" && opts.RequireRevocation:
		s.problem("la información de revocación incluida no corresponde al certificado o no está firmada por su emisor")
	case s.Revoked:
		s.problem("el certificado estaba revocado al firmar")
	}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// pdfDate parses a PDF date ("D:20261126130000+00'00'").
func pdfDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, "D:")
	s = strings.ReplaceAll(s, "'", "")
	for _, layout := range []string{"20060102150405-0700", "20060102150405Z0700", "20060102150405Z", "20060102150405"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("fecha PDF no válida: %q", s)
}
