package report

import (
	"fmt"
	"io"
	"strings"
)

// DescribeSignatures writes, in Spanish for staff, what VerifySignatures
// found: a summary line, then for each signature who signed, whether the
// certificate was valid when signing, the timestamp, the revocation data
// embedded, whether the document is unchanged since, and every problem.
func DescribeSignatures(w io.Writer, sigs []Signature) error {
	var b strings.Builder
	valid := 0
	for _, s := range sigs {
		if s.Valid {
			valid++
		}
	}
	switch {
	case len(sigs) == 0:
		b.WriteString("El documento no tiene firmas digitales.\n")
	case len(sigs) == 1 && valid == 1:
		b.WriteString("1 firma, válida.\n")
	case valid == len(sigs):
		fmt.Fprintf(&b, "%d firmas, todas válidas.\n", len(sigs))
	default:
		fmt.Fprintf(&b, "%s: %d válidas y %d NO válidas.\n", plural(len(sigs), "firma", "firmas"), valid, len(sigs)-valid)
	}
	for _, s := range sigs {
		verdict := "VÁLIDA"
		if !s.Valid {
			verdict = "NO VÁLIDA"
		}
		fmt.Fprintf(&b, "\nFirma %d de %d: %s\n", s.Index, len(sigs), verdict)
		if s.Signer == "" {
			b.WriteString("  Firmante: no se pudo leer el certificado\n")
		} else {
			fmt.Fprintf(&b, "  Firmante: %s (%s), certificado de serie %s emitido por %s\n", s.Signer, s.Subject, s.Serial, s.Issuer)
			if s.Name != "" && s.Name != s.Signer {
				fmt.Fprintf(&b, "  A nombre de: %s\n", s.Name)
			}
			if s.Reason != "" {
				fmt.Fprintf(&b, "  Motivo: %s\n", s.Reason)
			}
			validity := "vigente al firmar"
			if !s.CertificateValid {
				validity = "NO vigente"
			}
			trust := "de una entidad certificadora de confianza"
			if !s.Trusted {
				trust = "de una entidad certificadora NO reconocida"
			}
			fmt.Fprintf(&b, "  Certificado: %s (del %s al %s), %s\n", validity, stamp(s.NotBefore), stamp(s.NotAfter), trust)
		}
		switch {
		case s.Timestamped && s.TimestampTrusted:
			fmt.Fprintf(&b, "  Sello de tiempo: %s, de %s (de confianza)\n", stamp(s.SignedAt), s.TimestampAuthority)
		case s.Timestamped:
			fmt.Fprintf(&b, "  Sello de tiempo: %s, de %s (NO reconocida)\n", stamp(s.SignedAt), s.TimestampAuthority)
		case !s.SignedAt.IsZero():
			fmt.Fprintf(&b, "  Sello de tiempo: ninguno; la computadora del firmante dice %s\n", stamp(s.SignedAt))
		default:
			b.WriteString("  Sello de tiempo: ninguno\n")
		}
		switch {
		case s.Revoked:
			b.WriteString("  Revocación: el certificado estaba REVOCADO al firmar\n")
		case s.Revocation == "ocsp":
			b.WriteString("  Revocación: respuesta OCSP incluida; certificado no revocado\n")
		case s.Revocation == "crl":
			b.WriteString("  Revocación: lista de revocación (CRL) incluida; certificado no revocado\n")
		default:
			b.WriteString("  Revocación: no incluida\n")
		}
		switch {
		case !s.Intact:
			b.WriteString("  Documento: ALTERADO: la firma no corresponde al contenido\n")
		case s.UnchangedSince && s.Index == len(sigs):
			b.WriteString("  Documento: sin cambios desde esta firma\n")
		case s.UnchangedSince:
			b.WriteString("  Documento: sin cambios desde esta firma, salvo las firmas posteriores\n")
		default:
			b.WriteString("  Documento: MODIFICADO después de esta firma\n")
		}
		for _, p := range s.Problems {
			fmt.Fprintf(&b, "  Problema: %s\n", p)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
