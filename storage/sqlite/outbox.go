package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Outbox implements procedure.Store: items in the order they were queued
// (by created_at, then insertion), or the reverse with q.Newest. Every
// filter of the Salida de correo is read off an index that ends in that
// order (see migrations/0002_outbox_paging.sql).
func (s *Store) Outbox(ctx context.Context, q procedure.OutboxQuery) ([]procedure.OutboxItem, error) {
	query, args := outboxQuery(q, "SELECT "+outboxCols, true)
	rows, err := s.st.query(ctx, s.r, query, args...)
	if err != nil {
		return nil, dbErr("outbox", err)
	}
	return collectOutbox(rows)
}

// CountOutbox implements procedure.Store.
func (s *Store) CountOutbox(ctx context.Context, q procedure.OutboxQuery) (int, error) {
	query, args := outboxQuery(q, "SELECT count(*)", false)
	rows, err := s.st.query(ctx, s.r, query, args...)
	if err != nil {
		return 0, dbErr("count outbox", err)
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		err = rows.Scan(&n)
	}
	if err == nil {
		err = rows.Err()
	}
	return n, dbErr("count outbox", err)
}

// outboxQuery builds the SQL of q. With page, it selects a page in listing
// order; without, the rows to count.
func outboxQuery(q procedure.OutboxQuery, sel string, page bool) (string, []any) {
	var where []string
	var args []any
	if q.ID != "" {
		where, args = append(where, "id = ?"), append(args, q.ID)
	}
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
	from := " FROM outbox"
	if q.CaseID != "" {
		// A case has few items; without statistics SQLite might read them
		// off outbox_kind, every item of that kind, instead.
		from += " INDEXED BY outbox_case"
	}
	query := sel + from + whereSQL(where)
	if !page {
		return query, args
	}
	if q.Newest {
		query += " ORDER BY created_at DESC, n DESC"
	} else {
		query += " ORDER BY created_at, n"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	return query + " LIMIT ? OFFSET ?", append(args, limit, max(q.Offset, 0))
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
		var caseID, was string
		err := tx.QueryRowContext(ctx, "SELECT case_id, status FROM outbox WHERE id = ?", it.ID).Scan(&caseID, &was)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return dbErr("update outbox", err)
		}
		if err == nil && was != string(it.Status) {
			// The case's watchers follow the status of its documents and emails.
			if err := touch(ctx, tx, caseID); err != nil {
				return err
			}
		}
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

// touch makes the change feed name a case whose documents or outbox
// statuses changed: it takes the next change_seq, leaving the case as it is.
func touch(ctx context.Context, tx *sql.Tx, caseID string) error {
	_, err := tx.ExecContext(ctx, "UPDATE cases SET change_seq = "+sqlNextChange+" WHERE id = ?", caseID)
	return dbErr("touch case", err)
}
