package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	sessionColumns   = `token_hash, actor_id, address, created_at, created_ns, last_seen, last_seen_ns, expires_at, expires_ns`
	sqlCreateSession = `INSERT INTO sessions (` + sessionColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (token_hash) DO NOTHING`
	sqlExpiredSessions = `DELETE FROM sessions
		WHERE (expires_at, expires_ns) <= ($1::timestamptz, $2::integer)
		   OR (last_seen, last_seen_ns) < ($3::timestamptz, $4::integer)`
	authColumns    = `at, at_ns, kind, username, actor_id, address, reason`
	sqlRecordAuth  = `INSERT INTO auth_events (` + authColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	sqlRevoke      = `DELETE FROM sessions WHERE actor_id = $1`
	sqlAuthOrderBy = ` ORDER BY at DESC, at_ns DESC, id DESC`
)

// splitTime returns t in UTC to PostgreSQL's microsecond and the
// nanoseconds below it, for a timestamptz column and its _ns column.
func splitTime(t time.Time) (time.Time, int) {
	t = t.UTC()
	return t.Truncate(time.Microsecond), t.Nanosecond() % 1000
}

// joinTime is the inverse of splitTime.
func joinTime(t time.Time, ns int) time.Time { return t.UTC().Add(time.Duration(ns)) }

func sessionNotFound() error {
	return procedure.Errorf(procedure.ENOTFOUND, "la sesión no existe o ya terminó")
}

// CreateSession implements procedure.Sessions.
func (s *Store) CreateSession(ctx context.Context, sess procedure.Session) error {
	created, createdNs := splitTime(sess.CreatedAt)
	seen, seenNs := splitTime(sess.LastSeen)
	expires, expiresNs := splitTime(sess.ExpiresAt)
	tag, err := s.pool.Exec(ctx, sqlCreateSession, sess.TokenHash, sess.ActorID, sess.Address,
		created, createdNs, seen, seenNs, expires, expiresNs)
	if err != nil {
		return mapErr("create session", err)
	}
	if tag.RowsAffected() == 0 {
		return procedure.Errorf(procedure.ECONFLICT, "la sesión ya existe")
	}
	return nil
}

// Session implements procedure.Sessions.
func (s *Store) Session(ctx context.Context, tokenHash string) (procedure.Session, error) {
	var sess procedure.Session
	var createdNs, seenNs, expiresNs int
	err := s.pool.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE token_hash = $1", tokenHash).Scan(
		&sess.TokenHash, &sess.ActorID, &sess.Address, &sess.CreatedAt, &createdNs, &sess.LastSeen, &seenNs,
		&sess.ExpiresAt, &expiresNs)
	if errors.Is(err, pgx.ErrNoRows) {
		return procedure.Session{}, sessionNotFound()
	}
	if err != nil {
		return procedure.Session{}, mapErr("session", err)
	}
	sess.CreatedAt = joinTime(sess.CreatedAt, createdNs)
	sess.LastSeen = joinTime(sess.LastSeen, seenNs)
	sess.ExpiresAt = joinTime(sess.ExpiresAt, expiresNs)
	return sess, nil
}

// TouchSession implements procedure.Sessions.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	seen, seenNs := splitTime(at)
	n, err := s.exec(ctx, "touch session", "UPDATE sessions SET last_seen = $2, last_seen_ns = $3 WHERE token_hash = $1",
		tokenHash, seen, seenNs)
	if err == nil && n == 0 {
		return sessionNotFound()
	}
	return err
}

// DeleteSession implements procedure.Sessions.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	n, err := s.exec(ctx, "delete session", "DELETE FROM sessions WHERE token_hash = $1", tokenHash)
	if err == nil && n == 0 {
		return sessionNotFound()
	}
	return err
}

// DeleteSessions implements procedure.Sessions.
func (s *Store) DeleteSessions(ctx context.Context, actorID string) (int, error) {
	return s.exec(ctx, "delete sessions", sqlRevoke, actorID)
}

// DeleteExpiredSessions implements procedure.Sessions. It reads the whole
// table: sessions are few.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	nowAt, nowNs := splitTime(now)
	idleAt, idleNs := splitTime(idleSince)
	return s.exec(ctx, "delete expired sessions", sqlExpiredSessions, nowAt, nowNs, idleAt, idleNs)
}

// exec runs one statement and returns how many rows it changed.
func (s *Store) exec(ctx context.Context, op, sql string, args ...any) (int, error) {
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return 0, mapErr(op, err)
	}
	return int(tag.RowsAffected()), nil
}

// revoke ends an actor's sessions in tx and, if there were any, records an
// AuthRevoked event at this machine's wall clock.
func revoke(ctx context.Context, tx pgx.Tx, actorID, reason string) error {
	tag, err := tx.Exec(ctx, sqlRevoke, actorID)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	return recordAuth(ctx, tx, procedure.AuthEvent{At: time.Now(), Kind: procedure.AuthRevoked,
		Username: actorID, ActorID: actorID, Reason: reason})
}

// execer is a pgx.Tx or the pool.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func recordAuth(ctx context.Context, db execer, ev procedure.AuthEvent) error {
	at, ns := splitTime(ev.At)
	_, err := db.Exec(ctx, sqlRecordAuth, at, ns, string(ev.Kind), ev.Username, ev.ActorID, ev.Address, ev.Reason)
	return err
}

// RecordAuth implements procedure.Sessions.
func (s *Store) RecordAuth(ctx context.Context, ev procedure.AuthEvent) error {
	return mapErr("record auth", recordAuth(ctx, s.pool, ev))
}

// authWhere returns the WHERE clause (empty or with a leading space) and
// its arguments that select the events of q, one condition per filter so
// that the planner picks the index of the one given.
func authWhere(q procedure.AuthQuery) (string, []any) {
	var conds []string
	var args []any
	param := func(v any, cast string) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args)) + "::" + cast
	}
	if q.Kind != "" {
		conds = append(conds, "kind = "+param(string(q.Kind), "text"))
	}
	if q.Username != "" {
		conds = append(conds, "username = "+param(q.Username, "text"))
	}
	if q.Address != "" {
		conds = append(conds, "address = "+param(q.Address, "text"))
	}
	if !q.Since.IsZero() {
		at, ns := splitTime(q.Since)
		conds = append(conds, "(at, at_ns) >= ("+param(at, "timestamptz")+", "+param(ns, "integer")+")")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// AuthEvents implements procedure.Sessions: newest first, and of events at
// the same time the one recorded last first.
func (s *Store) AuthEvents(ctx context.Context, q procedure.AuthQuery) ([]procedure.AuthEvent, error) {
	where, args := authWhere(q)
	sql := "SELECT " + authColumns + " FROM auth_events" + where + sqlAuthOrderBy
	if q.Limit > 0 {
		args = append(args, q.Limit)
		sql += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr("auth events", err)
	}
	defer rows.Close()
	var out []procedure.AuthEvent
	for rows.Next() {
		var ev procedure.AuthEvent
		var ns int
		var kind string
		if err := rows.Scan(&ev.At, &ns, &kind, &ev.Username, &ev.ActorID, &ev.Address, &ev.Reason); err != nil {
			return nil, mapErr("auth events", err)
		}
		ev.At, ev.Kind = joinTime(ev.At, ns), procedure.AuthKind(kind)
		out = append(out, ev)
	}
	return out, mapErr("auth events", rows.Err())
}

// CountAuth implements procedure.Sessions.
func (s *Store) CountAuth(ctx context.Context, q procedure.AuthQuery) (int, error) {
	where, args := authWhere(q)
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM auth_events"+where, args...).Scan(&n)
	return n, mapErr("count auth", err)
}
