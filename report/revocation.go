package report

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"

	"github.com/digitorus/pdfsign/revocation"
	"golang.org/x/crypto/ocsp"

	"github.com/tramite/tramite/procedure"
)

// embedRevocation adds to i the revocation status of cert, issued by
// issuer: an OCSP response from the responder cert names, or else its
// CRL. A root (issuer nil) needs none. A revoked certificate is refused.
func embedRevocation(client *http.Client, cert, issuer *x509.Certificate, i *revocation.InfoArchival) error {
	if issuer == nil {
		return nil
	}
	name := cert.Subject.CommonName
	switch {
	case len(cert.OCSPServer) > 0:
		req, err := ocsp.CreateRequest(cert, issuer, nil)
		if err != nil {
			return err
		}
		body, err := fetch(client, http.MethodPost, cert.OCSPServer[0], "application/ocsp-request", req)
		if err != nil {
			return procedure.Errorf(procedure.EINTERNAL, "report: no se pudo consultar el estado del certificado de %s en %s: %v", name, cert.OCSPServer[0], err)
		}
		r, err := ocsp.ParseResponseForCert(body, cert, issuer)
		if err != nil {
			return procedure.Errorf(procedure.EINTERNAL, "report: la respuesta OCSP de %s sobre el certificado de %s no es válida: %v", cert.OCSPServer[0], name, err)
		}
		if r.Status != ocsp.Good {
			return revoked(name, r.Status == ocsp.Revoked)
		}
		return i.AddOCSP(body)
	case len(cert.CRLDistributionPoints) > 0:
		body, err := fetch(client, http.MethodGet, cert.CRLDistributionPoints[0], "", nil)
		if err != nil {
			return procedure.Errorf(procedure.EINTERNAL, "report: no se pudo descargar la lista de revocación del certificado de %s: %v", name, err)
		}
		crl, err := x509.ParseRevocationList(body)
		if err == nil {
			err = crl.CheckSignatureFrom(issuer)
		}
		if err != nil {
			return procedure.Errorf(procedure.EINTERNAL, "report: la lista de revocación de %s no es válida: %v", cert.CRLDistributionPoints[0], err)
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return revoked(name, true)
			}
		}
		return i.AddCRL(body)
	}
	return procedure.Errorf(procedure.EINVALID, "report: el certificado de %s no indica dónde consultar si fue revocado (ni OCSP ni CRL): no sirve para una firma de largo plazo", name)
}

func revoked(name string, sure bool) error {
	if sure {
		return procedure.Errorf(procedure.EINVALID, "report: el certificado de %s está revocado: no puede firmar con él", name)
	}
	return procedure.Errorf(procedure.EINVALID, "report: el servicio OCSP no conoce el certificado de %s: no puede firmar con él", name)
}

func fetch(client *http.Client, method, url, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("respuesta %s", resp.Status)
	}
	return b, nil
}
