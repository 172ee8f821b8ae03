package procedure

import (
	"context"
	"crypto/x509"
	"slices"
	"strings"
)

// Certificate says that a signing certificate belongs to an actor: a
// document signed with it is signed by that actor and nobody else. A
// certificate is named by its issuer and serial number, which together
// identify it; Subject is kept for people to read.
type Certificate struct {
	ActorID string `json:"actor_id"`
	// Issuer is the issuer's distinguished name as x509.Certificate's
	// Issuer.String() writes it.
	Issuer string `json:"issuer"`
	// Serial is the serial number in lower-case hexadecimal.
	Serial string `json:"serial"`
	// Subject is the subject's distinguished name (Subject.String()).
	Subject string `json:"subject"`
}

// CertificateOf returns the Certificate that binds c to actorID.
func CertificateOf(actorID string, c *x509.Certificate) Certificate {
	return Certificate{ActorID: actorID, Issuer: c.Issuer.String(), Serial: strings.ToLower(c.SerialNumber.Text(16)), Subject: c.Subject.String()}
}

// Certificates keeps which signing certificate belongs to whom: the
// engine, or the server, accepts a signed document from an actor only
// with a certificate bound to that actor. Stores that persist people
// implement it and pass proceduretest.TestCertificates.
type Certificates interface {
	// PutCertificate binds a certificate to its actor. Binding it again to
	// the same actor updates its Subject; ECONFLICT when it is bound to
	// another actor; ENOTFOUND when the actor does not exist; EINVALID
	// when ActorID, Issuer or Serial is empty.
	PutCertificate(ctx context.Context, c Certificate) error
	// CertificateOwner returns the binding of the certificate of issuer and
	// serial; ENOTFOUND when it is bound to nobody.
	CertificateOwner(ctx context.Context, issuer, serial string) (Certificate, error)
	// ActorCertificates returns the certificates bound to an actor, by
	// issuer then serial; an empty slice when none.
	ActorCertificates(ctx context.Context, actorID string) ([]Certificate, error)
	// RemoveCertificate unbinds a certificate (lost or replaced token);
	// ENOTFOUND when it is bound to nobody.
	RemoveCertificate(ctx context.Context, issuer, serial string) error
}

// Check returns EINVALID when a field the binding needs is empty.
func (c Certificate) Check() error {
	if c.ActorID == "" || c.Issuer == "" || c.Serial == "" {
		return Errorf(EINVALID, "el certificado necesita la persona a la que pertenece, su emisor y su número de serie")
	}
	return nil
}

// CertificateTaken returns the ECONFLICT error of PutCertificate when the
// certificate c is already bound to owner.
func CertificateTaken(c Certificate, owner string) error {
	return Errorf(ECONFLICT, "el certificado %s (serie %s) ya pertenece a otra persona (%s)", c.Subject, c.Serial, owner)
}

// CertificateNotFound returns the ENOTFOUND error for a certificate bound
// to nobody.
func CertificateNotFound(issuer, serial string) error {
	return Errorf(ENOTFOUND, "el certificado de serie %s emitido por %s no está registrado a nombre de nadie", serial, issuer)
}

var _ Certificates = (*StaticDirectory)(nil)

// PutCertificate implements Certificates.
func (d *StaticDirectory) PutCertificate(ctx context.Context, c Certificate) error {
	if err := c.Check(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.ContainsFunc(d.actors, func(a Actor) bool { return a.ID == c.ActorID }) {
		return Errorf(ENOTFOUND, "no existe la persona %q", c.ActorID)
	}
	for i, b := range d.certs {
		if b.Issuer == c.Issuer && b.Serial == c.Serial {
			if b.ActorID != c.ActorID {
				return CertificateTaken(c, b.ActorID)
			}
			d.certs[i] = c
			return nil
		}
	}
	d.certs = append(d.certs, c)
	return nil
}

// CertificateOwner implements Certificates.
func (d *StaticDirectory) CertificateOwner(ctx context.Context, issuer, serial string) (Certificate, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, b := range d.certs {
		if b.Issuer == issuer && b.Serial == serial {
			return b, nil
		}
	}
	return Certificate{}, CertificateNotFound(issuer, serial)
}

// ActorCertificates implements Certificates.
func (d *StaticDirectory) ActorCertificates(ctx context.Context, actorID string) ([]Certificate, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []Certificate{}
	for _, b := range d.certs {
		if b.ActorID == actorID {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b Certificate) int {
		if c := strings.Compare(a.Issuer, b.Issuer); c != 0 {
			return c
		}
		return strings.Compare(a.Serial, b.Serial)
	})
	return out, nil
}

// RemoveCertificate implements Certificates.
func (d *StaticDirectory) RemoveCertificate(ctx context.Context, issuer, serial string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, b := range d.certs {
		if b.Issuer == issuer && b.Serial == serial {
			d.certs = slices.Delete(d.certs, i, i+1)
			return nil
		}
	}
	return CertificateNotFound(issuer, serial)
}
