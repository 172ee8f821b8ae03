package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"github.com/tramite/tramite/procedure"
)

// The columns of an actor and one of its grants; an actor with several
// grants comes back as several rows in grant order.
const actorSelect = `SELECT a.id, a.name, a.email, a.unit, g.role, g.interim
	FROM actors a LEFT JOIN grants g ON g.actor_id = a.id`

// Actor implements procedure.Directory.
func (s *Store) Actor(ctx context.Context, id string) (procedure.Actor, error) {
	as, err := s.actors(ctx, actorSelect+" WHERE a.id = ? ORDER BY g.pos", id)
	if err != nil {
		return procedure.Actor{}, err
	}
	if len(as) == 0 {
		return procedure.Actor{}, procedure.Errorf(procedure.ENOTFOUND, "no existe la persona %q", id)
	}
	return as[0], nil
}

// Holders implements procedure.Directory: by name.
func (s *Store) Holders(ctx context.Context, role procedure.RoleID, unit string) ([]procedure.Actor, error) {
	return s.actors(ctx, actorSelect+` WHERE a.id IN (SELECT actor_id FROM grants WHERE role = ?1)
		AND (?2 = '' OR a.unit = ?2) ORDER BY a.name, a.id, g.pos`, string(role), unit)
}

// Actors implements procedure.People: every actor, by name.
func (s *Store) Actors(ctx context.Context) ([]procedure.Actor, error) {
	return s.actors(ctx, actorSelect+" ORDER BY a.name, a.id, g.pos")
}

func (s *Store) actors(ctx context.Context, query string, args ...any) ([]procedure.Actor, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbErr("actors", err)
	}
	defer rows.Close()
	var out []procedure.Actor
	for rows.Next() {
		var a procedure.Actor
		var role sql.NullString
		var interim sql.NullBool
		if err := rows.Scan(&a.ID, &a.Name, &a.Email, &a.Unit, &role, &interim); err != nil {
			return nil, dbErr("actors", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != a.ID {
			out = append(out, a)
		}
		if role.Valid {
			last := &out[len(out)-1]
			last.Grants = append(last.Grants, procedure.Grant{Role: procedure.RoleID(role.String), Interim: interim.Bool})
		}
	}
	return out, dbErr("actors", rows.Err())
}

// SaveActor implements procedure.People. Replacing an actor keeps its
// password hash. Saving an actor with other grants (in another order, or
// another Interim) or another unit than stored, or one not stored yet,
// ends its sessions in the same transaction (see procedure.Sessions).
func (s *Store) SaveActor(ctx context.Context, a procedure.Actor) error {
	if err := procedure.CheckActor(a); err != nil {
		return err
	}
	return s.write(ctx, "save actor", func(tx *sql.Tx) error {
		old, err := actorIn(ctx, tx, a.ID)
		if err != nil {
			return dbErr("save actor", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO actors (id, name, email, unit) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, unit = excluded.unit`,
			a.ID, a.Name, a.Email, a.Unit); err != nil {
			return dbErr("save actor", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM grants WHERE actor_id = ?", a.ID); err != nil {
			return dbErr("save actor", err)
		}
		for i, g := range a.Grants {
			if _, err := tx.ExecContext(ctx, "INSERT INTO grants (actor_id, pos, role, interim) VALUES (?, ?, ?, ?)",
				a.ID, i, string(g.Role), g.Interim); err != nil {
				if isDuplicate(err) {
					return procedure.Errorf(procedure.EINVALID, "la persona %q tiene dos veces el rol %s", a.ID, g.Role)
				}
				return dbErr("save actor", err)
			}
		}
		if old == nil || old.Unit != a.Unit || !slices.Equal(old.Grants, a.Grants) {
			return dbErr("save actor", revoke(ctx, tx, a.ID, revokedRoles))
		}
		return nil
	})
}

// actorIn reads an actor's unit and grants in tx; nil if there is none.
func actorIn(ctx context.Context, tx *sql.Tx, id string) (*procedure.Actor, error) {
	rows, err := tx.QueryContext(ctx, "SELECT a.unit, g.role, g.interim FROM actors a LEFT JOIN grants g ON g.actor_id = a.id WHERE a.id = ? ORDER BY g.pos", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var a *procedure.Actor
	for rows.Next() {
		var role sql.NullString
		var interim sql.NullBool
		if a == nil {
			a = &procedure.Actor{ID: id}
		}
		if err := rows.Scan(&a.Unit, &role, &interim); err != nil {
			return nil, err
		}
		if role.Valid {
			a.Grants = append(a.Grants, procedure.Grant{Role: procedure.RoleID(role.String), Interim: interim.Bool})
		}
	}
	return a, rows.Err()
}

// SetPasswordHash implements procedure.People. It ends the actor's
// sessions in the same transaction (see procedure.Sessions).
func (s *Store) SetPasswordHash(ctx context.Context, actorID string, hash []byte) error {
	return s.write(ctx, "set password hash", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE actors SET password_hash = ? WHERE id = ?", hash, actorID)
		if err != nil {
			return dbErr("set password hash", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return dbErr("set password hash", err)
			}
			return procedure.Errorf(procedure.ENOTFOUND, "no existe la persona %q", actorID)
		}
		return dbErr("set password hash", revoke(ctx, tx, actorID, revokedPassword))
	})
}

// PasswordHash implements procedure.People.
func (s *Store) PasswordHash(ctx context.Context, actorID string) ([]byte, error) {
	var h []byte
	err := s.r.QueryRowContext(ctx, "SELECT password_hash FROM actors WHERE id = ? AND password_hash IS NOT NULL", actorID).Scan(&h)
	if err == sql.ErrNoRows {
		return nil, procedure.Errorf(procedure.ENOTFOUND, "la persona %q no tiene contraseña", actorID)
	}
	return h, dbErr("password hash", err)
}
