package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/tramite/tramite/procedure"
)

var _ procedure.Certificates = (*Store)(nil)

// PutCertificate implements procedure.Certificates. One statement binds
// the certificate or, when it is bound already, updates its subject only
// if it is bound to the same actor: two actors binding one certificate at
// once cannot both win.
func (s *Store) PutCertificate(ctx context.Context, c procedure.Certificate) error {
	if err := c.Check(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM actors WHERE id = $1)", c.ActorID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return procedure.Errorf(procedure.ENOTFOUND, "no existe la persona %q", c.ActorID)
		}
		var owner string
		err := tx.QueryRow(ctx, `INSERT INTO certificates (issuer, serial, actor_id, subject) VALUES ($1, $2, $3, $4)
			ON CONFLICT (issuer, serial) DO UPDATE SET subject = excluded.subject WHERE certificates.actor_id = excluded.actor_id
			RETURNING actor_id`, c.Issuer, c.Serial, c.ActorID, c.Subject).Scan(&owner)
		if errors.Is(err, pgx.ErrNoRows) {
			if err := tx.QueryRow(ctx, "SELECT actor_id FROM certificates WHERE issuer = $1 AND serial = $2", c.Issuer, c.Serial).Scan(&owner); err != nil {
				return err
			}
			return procedure.CertificateTaken(c, owner)
		}
		return err
	})
	return mapErr("put certificate", err)
}

// CertificateOwner implements procedure.Certificates.
func (s *Store) CertificateOwner(ctx context.Context, issuer, serial string) (procedure.Certificate, error) {
	c := procedure.Certificate{Issuer: issuer, Serial: serial}
	err := s.pool.QueryRow(ctx, "SELECT actor_id, subject FROM certificates WHERE issuer = $1 AND serial = $2", issuer, serial).Scan(&c.ActorID, &c.Subject)
	if errors.Is(err, pgx.ErrNoRows) {
		return procedure.Certificate{}, procedure.CertificateNotFound(issuer, serial)
	}
	if err != nil {
		return procedure.Certificate{}, mapErr("certificate owner", err)
	}
	return c, nil
}

// ActorCertificates implements procedure.Certificates: by issuer then
// serial, compared byte by byte as SQLite does.
func (s *Store) ActorCertificates(ctx context.Context, actorID string) ([]procedure.Certificate, error) {
	rows, err := s.pool.Query(ctx, `SELECT actor_id, issuer, serial, subject FROM certificates WHERE actor_id = $1
		ORDER BY issuer COLLATE "C", serial COLLATE "C"`, actorID)
	if err != nil {
		return nil, mapErr("actor certificates", err)
	}
	defer rows.Close()
	out := []procedure.Certificate{}
	for rows.Next() {
		var c procedure.Certificate
		if err := rows.Scan(&c.ActorID, &c.Issuer, &c.Serial, &c.Subject); err != nil {
			return nil, mapErr("actor certificates", err)
		}
		out = append(out, c)
	}
	return out, mapErr("actor certificates", rows.Err())
}

// RemoveCertificate implements procedure.Certificates.
func (s *Store) RemoveCertificate(ctx context.Context, issuer, serial string) error {
	tag, err := s.pool.Exec(ctx, "DELETE FROM certificates WHERE issuer = $1 AND serial = $2", issuer, serial)
	if err != nil {
		return mapErr("remove certificate", err)
	}
	if tag.RowsAffected() == 0 {
		return procedure.CertificateNotFound(issuer, serial)
	}
	return nil
}
