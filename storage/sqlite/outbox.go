package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Outbox implements procedure.Store: items in the order they were queued.
func (s *Store) Outbox(ctx context.Context, q procedure.OutboxQuery) ([]procedure.OutboxItem, error) {
	var where []string
	var args []any
	if q.CaseID != "" {
		where, args = append(where, "case_id = ?"), append(args, q.CaseID)
	}
	if q.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(q.Kind))
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	if !q.DueBy.IsZero() {
		where, args = append(where, "next_attempt <= ?"), append(args, nanos(q.DueBy))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+outboxCols+" FROM outbox"+whereSQL(where)+" ORDER BY created_at, n LIMIT ?",
		append(args, limit)...)
	if err != nil {
		return nil, dbErr("outbox", err)
	}
	return collectOutbox(rows)
}

func collectOutbox(rows *sql.Rows) ([]procedure.OutboxItem, error) {
	defer rows.Close()
	out := []procedure.OutboxItem{}
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, dbErr("outbox", err)
		}
		out = append(out, it)
	}
	return out, dbErr("outbox", rows.Err())
}

// ClaimOutbox implements procedure.Store. The claim is one UPDATE in a
// write transaction, so two dispatchers, in this process or another, never
// claim the same item while its lease runs.
func (s *Store) ClaimOutbox(ctx context.Context, kind procedure.EffectKind, owner string, now, until time.Time, limit int) ([]procedure.OutboxItem, error) {
	if limit <= 0 {
		limit = -1
	}
	var out []procedure.OutboxItem
	err := s.write(ctx, "claim outbox", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET claimed_by = ?, claimed_until = ?
			WHERE n IN (SELECT n FROM outbox WHERE kind = ? AND status = ? AND next_attempt <= ?
				AND (claimed_by = '' OR claimed_until <= ?) ORDER BY created_at, id LIMIT ?)
			RETURNING `+outboxCols, owner, nanos(until), string(kind), string(procedure.OutboxPending), nanos(now), nanos(now), limit)
		if err != nil {
			return dbErr("claim outbox", err)
		}
		out, err = collectOutbox(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b procedure.OutboxItem) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// UpdateOutbox implements procedure.Store.
func (s *Store) UpdateOutbox(ctx context.Context, it procedure.OutboxItem) error {
	return s.write(ctx, "update outbox", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = ?, attempts = ?, next_attempt = ?, last_error = ?,
			updated_at = ?, claimed_by = ?, claimed_until = ? WHERE id = ?`,
			string(it.Status), it.Attempts, nanos(it.NextAttempt), it.LastError, nanos(it.UpdatedAt), it.ClaimedBy,
			nanos(it.ClaimedUntil), it.ID)
		if err != nil {
			return dbErr("update outbox", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return dbErr("update outbox", err)
			}
			return procedure.Errorf(procedure.ENOTFOUND, "no existe el elemento %s en la bandeja de salida", it.ID)
		}
		return nil
	})
}
