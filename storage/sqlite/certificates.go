package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/tramite/tramite/procedure"
)

var _ procedure.Certificates = (*Store)(nil)

// PutCertificate implements procedure.Certificates.
func (s *Store) PutCertificate(ctx context.Context, c procedure.Certificate) error {
	if err := c.Check(); err != nil {
		return err
	}
	return s.write(ctx, "put certificate", func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM actors WHERE id = ?)", c.ActorID).Scan(&exists); err != nil {
			return dbErr("put certificate", err)
		}
		if !exists {
			return procedure.Errorf(procedure.ENOTFOUND, "no existe la persona %q", c.ActorID)
		}
		var owner string
		err := tx.QueryRowContext(ctx, "SELECT actor_id FROM certificates WHERE issuer = ? AND serial = ?", c.Issuer, c.Serial).Scan(&owner)
		switch {
		case err == nil && owner != c.ActorID:
			return procedure.CertificateTaken(c, owner)
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return dbErr("put certificate", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO certificates (issuer, serial, actor_id, subject) VALUES (?, ?, ?, ?)
			ON CONFLICT (issuer, serial) DO UPDATE SET subject = excluded.subject`, c.Issuer, c.Serial, c.ActorID, c.Subject)
		return dbErr("put certificate", err)
	})
}

// CertificateOwner implements procedure.Certificates.
func (s *Store) CertificateOwner(ctx context.Context, issuer, serial string) (procedure.Certificate, error) {
	c := procedure.Certificate{Issuer: issuer, Serial: serial}
	err := s.r.QueryRowContext(ctx, "SELECT actor_id, subject FROM certificates WHERE issuer = ? AND serial = ?", issuer, serial).Scan(&c.ActorID, &c.Subject)
	if errors.Is(err, sql.ErrNoRows) {
		return procedure.Certificate{}, procedure.CertificateNotFound(issuer, serial)
	}
	if err != nil {
		return procedure.Certificate{}, dbErr("certificate owner", err)
	}
	return c, nil
}

// ActorCertificates implements procedure.Certificates.
func (s *Store) ActorCertificates(ctx context.Context, actorID string) ([]procedure.Certificate, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT actor_id, issuer, serial, subject FROM certificates WHERE actor_id = ? ORDER BY issuer, serial", actorID)
	if err != nil {
		return nil, dbErr("actor certificates", err)
	}
	defer rows.Close()
	out := []procedure.Certificate{}
	for rows.Next() {
		var c procedure.Certificate
		if err := rows.Scan(&c.ActorID, &c.Issuer, &c.Serial, &c.Subject); err != nil {
			return nil, dbErr("actor certificates", err)
		}
		out = append(out, c)
	}
	return out, dbErr("actor certificates", rows.Err())
}

// RemoveCertificate implements procedure.Certificates.
func (s *Store) RemoveCertificate(ctx context.Context, issuer, serial string) error {
	n, err := s.exec(ctx, "remove certificate", "DELETE FROM certificates WHERE issuer = ? AND serial = ?", issuer, serial)
	if err == nil && n == 0 {
		return procedure.CertificateNotFound(issuer, serial)
	}
	return err
}
