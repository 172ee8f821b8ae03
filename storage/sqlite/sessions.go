package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
)

var _ procedure.Sessions = (*Store)(nil)

// The Reason of the AuthRevoked event recorded when an actor's sessions
// end.
const (
	revokedPassword = "password" // SetPasswordHash
	revokedRoles    = "roles"    // SaveActor with other grants or unit
)

const (
	sessionCols = `token_hash, actor_id, address, created_at, last_seen, expires_at`
	authCols    = `at, kind, username, actor_id, address, reason`
)

func sessionNotFound() error {
	return procedure.Errorf(procedure.ENOTFOUND, "la sesión no existe o ya terminó")
}

// CreateSession implements procedure.Sessions.
func (s *Store) CreateSession(ctx context.Context, sess procedure.Session) error {
	return s.write(ctx, "create session", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?)",
			sess.TokenHash, sess.ActorID, sess.Address, nanos(sess.CreatedAt), nanos(sess.LastSeen), nanos(sess.ExpiresAt))
		if isDuplicate(err) {
			return procedure.Errorf(procedure.ECONFLICT, "la sesión ya existe")
		}
		return dbErr("create session", err)
	})
}

// Session implements procedure.Sessions.
func (s *Store) Session(ctx context.Context, tokenHash string) (procedure.Session, error) {
	var sess procedure.Session
	err := s.r.QueryRowContext(ctx, "SELECT "+sessionCols+" FROM sessions WHERE token_hash = ?", tokenHash).Scan(
		&sess.TokenHash, &sess.ActorID, &sess.Address,
		(*timeCol)(&sess.CreatedAt), (*timeCol)(&sess.LastSeen), (*timeCol)(&sess.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return procedure.Session{}, sessionNotFound()
	}
	return sess, dbErr("session", err)
}

// TouchSession implements procedure.Sessions.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	n, err := s.exec(ctx, "touch session", "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", nanos(at), tokenHash)
	if err == nil && n == 0 {
		return sessionNotFound()
	}
	return err
}

// DeleteSession implements procedure.Sessions.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	n, err := s.exec(ctx, "delete session", "DELETE FROM sessions WHERE token_hash = ?", tokenHash)
	if err == nil && n == 0 {
		return sessionNotFound()
	}
	return err
}

// DeleteSessions implements procedure.Sessions.
func (s *Store) DeleteSessions(ctx context.Context, actorID string) (int, error) {
	return s.exec(ctx, "delete sessions", "DELETE FROM sessions WHERE actor_id = ?", actorID)
}

// DeleteExpiredSessions implements procedure.Sessions. It reads the whole
// table: sessions are few.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	return s.exec(ctx, "delete expired sessions", "DELETE FROM sessions WHERE expires_at <= ? OR last_seen < ?",
		nanos(now), nanos(idleSince))
}

// exec runs one statement in a write transaction and returns how many rows
// it changed.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) (int, error) {
	var n int64
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return dbErr(op, err)
		}
		n, err = res.RowsAffected()
		return dbErr(op, err)
	})
	return int(n), err
}

// revoke ends an actor's sessions in tx and, if there were any, records an
// AuthRevoked event at the wall clock's now.
func revoke(ctx context.Context, tx *sql.Tx, actorID, reason string) error {
	res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE actor_id = ?", actorID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return recordAuth(ctx, tx, procedure.AuthEvent{At: time.Now(), Kind: procedure.AuthRevoked,
		Username: actorID, ActorID: actorID, Reason: reason})
}

func recordAuth(ctx context.Context, tx *sql.Tx, ev procedure.AuthEvent) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO auth_events ("+authCols+") VALUES (?, ?, ?, ?, ?, ?)",
		nanos(ev.At), string(ev.Kind), ev.Username, ev.ActorID, ev.Address, ev.Reason)
	return err
}

// RecordAuth implements procedure.Sessions.
func (s *Store) RecordAuth(ctx context.Context, ev procedure.AuthEvent) error {
	return s.write(ctx, "record auth", func(tx *sql.Tx) error { return dbErr("record auth", recordAuth(ctx, tx, ev)) })
}

// authWhere returns the WHERE clause (empty or with a leading space) and
// its arguments that select the events of q. Each filter is a condition of
// its own, so that SQLite picks the index of the one given.
func authWhere(q procedure.AuthQuery) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if q.Kind != "" {
		add("kind = ?", string(q.Kind))
	}
	if q.Username != "" {
		add("username = ?", q.Username)
	}
	if q.Address != "" {
		add("address = ?", q.Address)
	}
	if !q.Since.IsZero() {
		add("at >= ?", nanos(q.Since))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// authQuery returns the SQL and arguments AuthEvents runs for q.
func authQuery(q procedure.AuthQuery) (string, []any) {
	where, args := authWhere(q)
	query := "SELECT " + authCols + " FROM auth_events" + where + " ORDER BY at DESC, n DESC"
	if q.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, q.Limit)
	}
	return query, args
}

// AuthEvents implements procedure.Sessions: newest first, and of events at
// the same time the one recorded last first.
func (s *Store) AuthEvents(ctx context.Context, q procedure.AuthQuery) ([]procedure.AuthEvent, error) {
	query, args := authQuery(q)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbErr("auth events", err)
	}
	defer rows.Close()
	var out []procedure.AuthEvent
	for rows.Next() {
		var ev procedure.AuthEvent
		if err := rows.Scan((*timeCol)(&ev.At), (*string)(&ev.Kind), &ev.Username, &ev.ActorID, &ev.Address, &ev.Reason); err != nil {
			return nil, dbErr("auth events", err)
		}
		out = append(out, ev)
	}
	return out, dbErr("auth events", rows.Err())
}

// CountAuth implements procedure.Sessions.
func (s *Store) CountAuth(ctx context.Context, q procedure.AuthQuery) (int, error) {
	where, args := authWhere(q)
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM auth_events"+where, args...).Scan(&n)
	return n, dbErr("count auth", err)
}
