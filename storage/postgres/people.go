package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/tramite/tramite/procedure"
)

const (
	actorColumns = `id, name, email, unit, grants`
	sqlSaveActor = `INSERT INTO actors (id, name, email, unit, grants) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, unit = excluded.unit, grants = excluded.grants`
)

// Actor implements procedure.Directory.
func (s *Store) Actor(ctx context.Context, id string) (procedure.Actor, error) {
	as, err := s.actors(ctx, "SELECT "+actorColumns+" FROM actors WHERE id = $1", id)
	if err != nil {
		return procedure.Actor{}, err
	}
	if len(as) == 0 {
		return procedure.Actor{}, procedure.Errorf(procedure.ENOTFOUND, "no existe la persona %q", id)
	}
	return as[0], nil
}

// Holders implements procedure.Directory.
func (s *Store) Holders(ctx context.Context, role procedure.RoleID, unit string) ([]procedure.Actor, error) {
	probe, _ := json.Marshal([]map[string]string{{"role": string(role)}})
	return s.actors(ctx, "SELECT "+actorColumns+` FROM actors WHERE grants @> $1::jsonb AND ($2 = '' OR unit = $2)
		ORDER BY name COLLATE "C", id`, string(probe), unit)
}

// SaveActor implements procedure.People. Saving an actor with other
// grants (in another order, or another Interim) or another unit than
// stored, or one not stored yet, ends its sessions in the same transaction
// (see procedure.Sessions).
func (s *Store) SaveActor(ctx context.Context, a procedure.Actor) error {
	if err := procedure.CheckActor(a); err != nil {
		return err
	}
	grants := a.Grants
	if grants == nil {
		grants = []procedure.Grant{}
	}
	g, err := json.Marshal(grants)
	if err != nil {
		return mapErr("save actor", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// FOR UPDATE: a concurrent save waits, then compares with this one.
		var unit string
		var stored []byte
		err := tx.QueryRow(ctx, "SELECT unit, grants FROM actors WHERE id = $1 FOR UPDATE", a.ID).Scan(&unit, &stored)
		changed := errors.Is(err, pgx.ErrNoRows)
		if err != nil && !changed {
			return err
		}
		if !changed {
			var old []procedure.Grant
			if err := json.Unmarshal(stored, &old); err != nil {
				return fmt.Errorf("actor %s: grants: %w", a.ID, err)
			}
			changed = unit != a.Unit || !slices.Equal(old, a.Grants)
		}
		if _, err := tx.Exec(ctx, sqlSaveActor, a.ID, a.Name, a.Email, a.Unit, string(g)); err != nil {
			return err
		}
		if changed {
			return revoke(ctx, tx, a.ID, revokedRoles)
		}
		return nil
	})
	return mapErr("save actor", err)
}

// Actors implements procedure.People: every actor, ordered by name.
func (s *Store) Actors(ctx context.Context) ([]procedure.Actor, error) {
	return s.actors(ctx, "SELECT "+actorColumns+` FROM actors ORDER BY name COLLATE "C", id`)
}

// SetPasswordHash implements procedure.People. It ends the actor's
// sessions in the same transaction (see procedure.Sessions).
func (s *Store) SetPasswordHash(ctx context.Context, actorID string, hash []byte) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE actors SET password_hash = $2 WHERE id = $1", actorID, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return procedure.Errorf(procedure.ENOTFOUND, "no existe la persona %q", actorID)
		}
		return revoke(ctx, tx, actorID, revokedPassword)
	})
	return mapErr("set password hash", err)
}

// PasswordHash implements procedure.People.
func (s *Store) PasswordHash(ctx context.Context, actorID string) ([]byte, error) {
	rows, err := s.pool.Query(ctx, "SELECT password_hash FROM actors WHERE id = $1 AND password_hash IS NOT NULL", actorID)
	if err != nil {
		return nil, mapErr("password hash", err)
	}
	defer rows.Close()
	var h []byte
	found := false
	for rows.Next() {
		if err := rows.Scan(&h); err != nil {
			return nil, mapErr("password hash", err)
		}
		found = true
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr("password hash", err)
	}
	if !found {
		return nil, procedure.Errorf(procedure.ENOTFOUND, "la persona %q no tiene contraseña", actorID)
	}
	return h, nil
}

func (s *Store) actors(ctx context.Context, sql string, args ...any) ([]procedure.Actor, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr("actors", err)
	}
	defer rows.Close()
	out := []procedure.Actor{}
	for rows.Next() {
		var a procedure.Actor
		var grants []byte
		if err := rows.Scan(&a.ID, &a.Name, &a.Email, &a.Unit, &grants); err != nil {
			return nil, mapErr("actors", err)
		}
		if err := json.Unmarshal(grants, &a.Grants); err != nil {
			return nil, mapErr("actors", fmt.Errorf("actor %s: grants: %w", a.ID, err))
		}
		out = append(out, a)
	}
	return out, mapErr("actors", rows.Err())
}
