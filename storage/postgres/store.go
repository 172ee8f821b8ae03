package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tramite/tramite/procedure"
)

// The SQL of the store. Every statement is parameterised.
const (
	caseColumns = `id, procedure, state, version, system, description, unit, requester_id, assignee, step,
		waiting_role, waiting_actor, waiting_unit, data, secrets, created_at, updated_at, last_actor, definition, cites,
		requester_name`
	// summaryColumns are caseColumns with Data, Secrets, DefinitionHash and
	// Cites left out (procedure.CaseQuery.Summary).
	summaryColumns = `id, procedure, state, version, system, description, unit, requester_id, assignee, step,
		waiting_role, waiting_actor, waiting_unit, NULL::jsonb, NULL::bytea, created_at, updated_at, last_actor, '', NULL::jsonb,
		requester_name`
	sqlCase       = `SELECT ` + caseColumns + ` FROM cases WHERE id = $1`
	sqlCreateCase = `INSERT INTO cases (` + caseColumns + `, search)
		VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
		ON CONFLICT (id) DO NOTHING`
	sqlUpdateCase = `UPDATE cases SET procedure = $2, state = $3, version = $4, system = $5, description = $6, unit = $7,
		requester_id = $8, assignee = $9, step = $10, waiting_role = $11, waiting_actor = $12, waiting_unit = $13,
		data = $14, secrets = $15, created_at = $16, updated_at = $17, last_actor = $18, definition = $19, cites = $20,
		requester_name = $21, search = $22
		WHERE id = $1 AND version = $4 - 1`

	entryColumns = `case_id, seq, step, event, from_state, to_state, actor_id, actor_name, role, interim,
		at, at_ns, comment, outputs, data, prev_hash, hash`
	sqlLastEntry = `SELECT ` + entryColumns + ` FROM history WHERE case_id = $1 ORDER BY seq DESC LIMIT 1`
	sqlHistory   = `SELECT ` + entryColumns + ` FROM history WHERE case_id = $1 ORDER BY seq`
	// sqlAppendEntry inserts only a Seq after the case's last one (1 for
	// the first); a taken Seq inserts nothing.
	sqlAppendEntry = `INSERT INTO history (` + entryColumns + `)
		SELECT $1::text, $2::integer, $3::integer, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text,
		       $10::boolean, $11::timestamptz, $12::integer, $13::text, $14::text[], $15::jsonb, $16::text, $17::text
		WHERE $2::integer > coalesce((SELECT max(seq) FROM history WHERE case_id = $1::text), 0)
		  AND ($2::integer = 1 OR EXISTS (SELECT 1 FROM history WHERE case_id = $1::text))
		ON CONFLICT (case_id, seq) DO NOTHING`

	outboxColumns = `id, case_id, seq, kind, topic, number, to_addrs, cc_addrs, attach, status, attempts,
		next_attempt, last_error, claimed_by, claimed_until, created_at, updated_at`
	sqlEnqueue = `INSERT INTO outbox (` + outboxColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (id) DO NOTHING`
	sqlClaimOutbox = `WITH c AS (
			SELECT id FROM outbox
			WHERE kind = $1 AND status = 'pending' AND next_attempt <= $3
			  AND (claimed_by = '' OR claimed_until IS NULL OR claimed_until <= $3)
			ORDER BY created_at, id
			LIMIT $5
			FOR UPDATE SKIP LOCKED)
		UPDATE outbox o SET claimed_by = $2, claimed_until = $4 FROM c WHERE o.id = c.id
		RETURNING ` + "o.id, o.case_id, o.seq, o.kind, o.topic, o.number, o.to_addrs, o.cc_addrs, o.attach, o.status, o.attempts, o.next_attempt, o.last_error, o.claimed_by, o.claimed_until, o.created_at, o.updated_at"
	// sqlUpdateOutbox records an outcome and returns the item's case and
	// its status before.
	sqlUpdateOutbox = `UPDATE outbox o SET status = $2, attempts = $3, next_attempt = $4, last_error = $5,
		updated_at = $6, claimed_by = $7, claimed_until = $8
		FROM (SELECT id, status FROM outbox WHERE id = $1 FOR UPDATE) was
		WHERE o.id = was.id RETURNING o.case_id, was.status`
	// sqlAnnounce names a case on the feed's channel without changing it.
	sqlAnnounce = `SELECT pg_notify('tramite_cases', $1::text)`

	// sqlNextNumber takes the next number of a series: the row stays locked
	// until the transaction ends, so concurrent takers wait, and a rollback
	// gives the number back.
	sqlNextNumber = `INSERT INTO numbers (series, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (series, year) DO UPDATE SET last = numbers.last + 1 RETURNING last`

	sqlPutDocument = `INSERT INTO documents (case_id, topic, version, number, sha256, content, created_at, seq)
		SELECT $1::text, $2::text, coalesce((SELECT max(version) FROM documents WHERE case_id = $1::text AND topic = $2::text), 0) + 1,
		       $3::text, $4::text, $5::bytea, $6::timestamptz, $7::integer
		WHERE EXISTS (SELECT 1 FROM cases WHERE id = $1::text)
		  AND ($8::integer = 0 OR coalesce((SELECT max(version) FROM documents WHERE case_id = $1::text AND topic = $2::text), 0) = $8::integer)
		RETURNING version`
	sqlDocuments = `SELECT case_id, topic, version, number, sha256, content, created_at, seq FROM documents
		WHERE case_id = $1 ORDER BY topic COLLATE "C", version`
	sqlLatestDocuments = `SELECT case_id, topic, version, number, sha256, content, created_at, seq FROM documents d
		WHERE case_id = $1 AND version = (SELECT max(version) FROM documents WHERE case_id = $1 AND topic = d.topic)
		ORDER BY topic COLLATE "C"`
)

// Update implements procedure.Store: fn runs in one READ COMMITTED
// transaction, committed when fn returns nil. fn's error is returned as it
// is; database errors are mapped to procedure codes (a serialization
// failure or deadlock is ECONFLICT: retry).
func (s *Store) Update(ctx context.Context, fn func(procedure.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapErr("update", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	if err := fn(&pgTx{ctx: ctx, tx: tx}); err != nil {
		return err
	}
	return mapErr("update: commit", tx.Commit(ctx))
}

// pgTx is the procedure.Tx of one transaction.
type pgTx struct {
	ctx context.Context
	tx  pgx.Tx
}

func (t *pgTx) Case(id string) (procedure.Case, error) {
	return readCase(t.ctx, t.tx, id)
}

func (t *pgTx) LastEntry(caseID string) (procedure.Entry, bool, error) {
	rows, err := t.tx.Query(t.ctx, sqlLastEntry, caseID)
	if err != nil {
		return procedure.Entry{}, false, mapErr("last entry", err)
	}
	es, err := collectEntries(rows)
	if err != nil || len(es) == 0 {
		return procedure.Entry{}, false, mapErr("last entry", err)
	}
	return es[0], true, nil
}

func (t *pgTx) CreateCase(c procedure.Case) error {
	args, err := caseArgs(c)
	if err != nil {
		return err
	}
	// Version is always 1: drop it from the arguments.
	args = append(args[:3], args[4:]...)
	tag, err := t.tx.Exec(t.ctx, sqlCreateCase, args...)
	if err != nil {
		return mapErr("create case", err)
	}
	if tag.RowsAffected() == 0 {
		return procedure.Errorf(procedure.ECONFLICT, "ya existe el trámite %s", c.ID)
	}
	return nil
}

func (t *pgTx) UpdateCase(c procedure.Case) error {
	args, err := caseArgs(c)
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(t.ctx, sqlUpdateCase, args...)
	if err != nil {
		return mapErr("update case", err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := readCase(t.ctx, t.tx, c.ID); err != nil {
			return err
		}
		return conflictError(c.ID)
	}
	return nil
}

func conflictError(id string) error {
	return procedure.Errorf(procedure.ECONFLICT, "otra persona modificó el trámite %s al mismo tiempo; actualice y vuelva a intentar", id)
}

func (t *pgTx) AppendEntry(e procedure.Entry) error {
	args, err := entryArgs(e)
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(t.ctx, sqlAppendEntry, args...)
	if err != nil {
		return mapErr("append entry", err)
	}
	if tag.RowsAffected() == 0 {
		return conflictError(e.CaseID)
	}
	return nil
}

func (t *pgTx) Enqueue(items ...procedure.OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, it := range items {
		args, err := itemArgs(it)
		if err != nil {
			return err
		}
		b.Queue(sqlEnqueue, args...)
	}
	res := t.tx.SendBatch(t.ctx, b)
	var conflict string
	for _, it := range items {
		tag, err := res.Exec()
		if err != nil {
			res.Close()
			return mapErr("enqueue", err)
		}
		if tag.RowsAffected() == 0 && conflict == "" {
			conflict = it.ID
		}
	}
	if err := res.Close(); err != nil {
		return mapErr("enqueue", err)
	}
	if conflict != "" {
		return procedure.Errorf(procedure.ECONFLICT, "el elemento %s ya está en la bandeja de salida", conflict)
	}
	return nil
}

func (t *pgTx) NextNumber(series string, year int) (int, error) {
	var n int
	if err := t.tx.QueryRow(t.ctx, sqlNextNumber, series, year).Scan(&n); err != nil {
		return 0, mapErr("next number", err)
	}
	return n, nil
}

// querier is what pgxpool.Pool and pgx.Tx share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func readCase(ctx context.Context, q querier, id string) (procedure.Case, error) {
	rows, err := q.Query(ctx, sqlCase, id)
	if err != nil {
		return procedure.Case{}, mapErr("case", err)
	}
	cs, err := collectCases(rows)
	if err != nil {
		return procedure.Case{}, mapErr("case", err)
	}
	if len(cs) == 0 {
		return procedure.Case{}, procedure.Errorf(procedure.ENOTFOUND, "no existe el trámite %s", id)
	}
	return cs[0], nil
}

func caseArgs(c procedure.Case) ([]any, error) {
	data, err := jsonArg(c.Data, c.Data == nil)
	if err != nil {
		return nil, err
	}
	var secrets any
	if c.Secrets != nil {
		secrets = c.Secrets
	}
	cites, err := jsonArg(c.Cites, len(c.Cites) == 0)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.Procedure, string(c.State), c.Version, c.System, c.Description, c.Unit, c.RequesterID, c.Assignee,
		c.Step, string(c.WaitingRole), c.WaitingActor, c.WaitingUnit, data, secrets, c.CreatedAt, c.UpdatedAt, c.LastActor,
		c.DefinitionHash, cites, c.RequesterName, procedure.SearchText(c)}, nil
}

func collectCases(rows pgx.Rows) ([]procedure.Case, error) {
	defer rows.Close()
	out := []procedure.Case{}
	for rows.Next() {
		var c procedure.Case
		var state, role string
		var data, cites []byte
		if err := rows.Scan(&c.ID, &c.Procedure, &state, &c.Version, &c.System, &c.Description, &c.Unit, &c.RequesterID,
			&c.Assignee, &c.Step, &role, &c.WaitingActor, &c.WaitingUnit, &data, &c.Secrets, &c.CreatedAt, &c.UpdatedAt,
			&c.LastActor, &c.DefinitionHash, &cites, &c.RequesterName); err != nil {
			return nil, err
		}
		c.State, c.WaitingRole = procedure.State(state), procedure.RoleID(role)
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		if data != nil {
			if err := json.Unmarshal(data, &c.Data); err != nil {
				return nil, fmt.Errorf("case %s: data: %w", c.ID, err)
			}
		}
		if cites != nil {
			if err := json.Unmarshal(cites, &c.Cites); err != nil {
				return nil, fmt.Errorf("case %s: cites: %w", c.ID, err)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func entryArgs(e procedure.Entry) ([]any, error) {
	data, err := jsonArg(e.Data, e.Data == nil)
	if err != nil {
		return nil, err
	}
	at := e.At.UTC()
	return []any{e.CaseID, e.Seq, e.Step, string(e.Event), string(e.From), string(e.To), e.ActorID, e.ActorName,
		string(e.Role), e.Interim, at, at.Nanosecond() % 1000, e.Comment, e.Outputs, data, e.PrevHash, e.Hash}, nil
}

func collectEntries(rows pgx.Rows) ([]procedure.Entry, error) {
	defer rows.Close()
	out := []procedure.Entry{}
	for rows.Next() {
		var e procedure.Entry
		var event, from, to, role string
		var ns int
		var data []byte
		if err := rows.Scan(&e.CaseID, &e.Seq, &e.Step, &event, &from, &to, &e.ActorID, &e.ActorName, &role, &e.Interim,
			&e.At, &ns, &e.Comment, &e.Outputs, &data, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.Event, e.From, e.To, e.Role = procedure.EventName(event), procedure.State(from), procedure.State(to), procedure.RoleID(role)
		e.At = e.At.UTC().Add(time.Duration(ns))
		if data != nil {
			if err := json.Unmarshal(data, &e.Data); err != nil {
				return nil, fmt.Errorf("entry %s/%d: data: %w", e.CaseID, e.Seq, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func itemArgs(it procedure.OutboxItem) ([]any, error) {
	to, err := jsonArg(it.To, it.To == nil)
	if err != nil {
		return nil, err
	}
	cc, err := jsonArg(it.Cc, it.Cc == nil)
	if err != nil {
		return nil, err
	}
	return []any{it.ID, it.CaseID, it.Seq, string(it.Kind), it.Topic, it.Number, to, cc, it.Attach, string(it.Status),
		it.Attempts, it.NextAttempt, it.LastError, it.ClaimedBy, nullTime(it.ClaimedUntil), it.CreatedAt, it.UpdatedAt}, nil
}

func collectItems(rows pgx.Rows) ([]procedure.OutboxItem, error) {
	defer rows.Close()
	out := []procedure.OutboxItem{}
	for rows.Next() {
		var it procedure.OutboxItem
		var kind, status string
		var to, cc []byte
		var until pgtype.Timestamptz
		if err := rows.Scan(&it.ID, &it.CaseID, &it.Seq, &kind, &it.Topic, &it.Number, &to, &cc, &it.Attach, &status,
			&it.Attempts, &it.NextAttempt, &it.LastError, &it.ClaimedBy, &until, &it.CreatedAt, &it.UpdatedAt); err != nil {
			return nil, err
		}
		it.Kind, it.Status = procedure.EffectKind(kind), procedure.OutboxStatus(status)
		it.NextAttempt, it.CreatedAt, it.UpdatedAt = it.NextAttempt.UTC(), it.CreatedAt.UTC(), it.UpdatedAt.UTC()
		if until.Valid {
			it.ClaimedUntil = until.Time.UTC()
		}
		for _, f := range []struct {
			raw []byte
			dst *[]procedure.Address
		}{{to, &it.To}, {cc, &it.Cc}} {
			if f.raw != nil {
				if err := json.Unmarshal(f.raw, f.dst); err != nil {
					return nil, fmt.Errorf("outbox %s: addresses: %w", it.ID, err)
				}
			}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// jsonArg encodes v as a jsonb argument, SQL NULL when null is true.
func jsonArg(v any, null bool) (any, error) {
	if null {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &procedure.Error{Code: procedure.EINVALID, Op: "encode", Message: "datos no representables", Err: err}
	}
	return string(b), nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// Case implements procedure.Store.
func (s *Store) Case(ctx context.Context, id string) (procedure.Case, error) {
	return readCase(ctx, s.pool, id)
}

// History implements procedure.Store.
func (s *Store) History(ctx context.Context, caseID string) ([]procedure.Entry, error) {
	rows, err := s.pool.Query(ctx, sqlHistory, caseID)
	if err != nil {
		return nil, mapErr("history", err)
	}
	es, err := collectEntries(rows)
	return es, mapErr("history", err)
}

// where builds the WHERE clause of a case query and its arguments.
func where(q procedure.CaseQuery) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Procedure != "" {
		conds = append(conds, "procedure = "+arg(q.Procedure))
	}
	if q.State != "" {
		conds = append(conds, "state = "+arg(string(q.State)))
	}
	if q.Unit != "" {
		conds = append(conds, "unit = "+arg(q.Unit))
	}
	if q.Text != "" {
		// search is procedure.SearchText, lower-cased in Go as q.Text is.
		conds = append(conds, "strpos(search, "+arg(strings.ToLower(q.Text))+") > 0")
	}
	if q.Open {
		conds = append(conds, "step > 0")
	}
	if a := q.Inbox; a != nil {
		roles := []string{}
		for _, g := range a.Grants {
			roles = append(roles, string(g.Role))
		}
		conds = append(conds, "waiting_role <> '' AND waiting_role = ANY("+arg(roles)+")",
			"(waiting_actor = '' OR waiting_actor = "+arg(a.ID)+")",
			"(waiting_unit = '' OR waiting_unit = "+arg(a.Unit)+")")
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Cases implements procedure.Store.
func (s *Store) Cases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error) {
	w, args := where(q)
	cols := caseColumns
	if q.Summary {
		cols = summaryColumns
	}
	sql := "SELECT " + cols + " FROM cases" + w + " ORDER BY updated_at DESC, id DESC"
	sql, args = paged(sql, args, q.Limit, q.Offset)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr("cases", err)
	}
	cs, err := collectCases(rows)
	return cs, mapErr("cases", err)
}

// paged adds LIMIT and OFFSET to a query when they are positive.
func paged(sql string, args []any, limit, offset int) (string, []any) {
	if limit > 0 {
		args = append(args, limit)
		sql += " LIMIT $" + strconv.Itoa(len(args))
	}
	if offset > 0 {
		args = append(args, offset)
		sql += " OFFSET $" + strconv.Itoa(len(args))
	}
	return sql, args
}

// CountCases implements procedure.Store.
func (s *Store) CountCases(ctx context.Context, q procedure.CaseQuery) (int, error) {
	w, args := where(q)
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM cases"+w, args...).Scan(&n)
	return n, mapErr("count cases", err)
}

// outboxWhere builds the WHERE clause of an outbox query and its arguments.
func outboxWhere(q procedure.OutboxQuery) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.ID != "" {
		conds = append(conds, "id = "+arg(q.ID))
	}
	if q.CaseID != "" {
		conds = append(conds, "case_id = "+arg(q.CaseID))
	}
	if q.Kind != "" {
		conds = append(conds, "kind = "+arg(string(q.Kind)))
	}
	if q.Status != "" {
		conds = append(conds, "status = "+arg(string(q.Status)))
	}
	if !q.DueBy.IsZero() {
		conds = append(conds, "next_attempt <= "+arg(q.DueBy))
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Outbox implements procedure.Store: items in the order they were queued
// (pos), or the reverse with q.Newest; each filter of the Salida de correo
// has an index that ends in pos (see migrations/0003_outbox_paging.sql).
func (s *Store) Outbox(ctx context.Context, q procedure.OutboxQuery) ([]procedure.OutboxItem, error) {
	w, args := outboxWhere(q)
	sql := "SELECT " + outboxColumns + " FROM outbox" + w + " ORDER BY pos"
	if q.Newest {
		sql += " DESC"
	}
	sql, args = paged(sql, args, q.Limit, q.Offset)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr("outbox", err)
	}
	items, err := collectItems(rows)
	return items, mapErr("outbox", err)
}

// CountOutbox implements procedure.Store.
func (s *Store) CountOutbox(ctx context.Context, q procedure.OutboxQuery) (int, error) {
	w, args := outboxWhere(q)
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM outbox"+w, args...).Scan(&n)
	return n, mapErr("count outbox", err)
}

// ClaimOutbox implements procedure.Store. Rows are taken with FOR UPDATE
// SKIP LOCKED, so dispatchers on several machines claim disjoint items
// without waiting for each other.
func (s *Store) ClaimOutbox(ctx context.Context, kind procedure.EffectKind, owner string, now, until time.Time, limit int) ([]procedure.OutboxItem, error) {
	if owner == "" {
		return nil, procedure.Errorf(procedure.EINVALID, "el despachador necesita un nombre para reclamar elementos de la bandeja de salida")
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := s.pool.Query(ctx, sqlClaimOutbox, string(kind), owner, now, until, lim)
	if err != nil {
		return nil, mapErr("claim outbox", err)
	}
	items, err := collectItems(rows)
	if err != nil {
		return nil, mapErr("claim outbox", err)
	}
	sort.Slice(items, func(i, j int) bool {
		if !items[i].CreatedAt.Equal(items[j].CreatedAt) {
			return items[i].CreatedAt.Before(items[j].CreatedAt)
		}
		return items[i].ID < items[j].ID
	})
	return items, nil
}

// UpdateOutbox implements procedure.Store.
func (s *Store) UpdateOutbox(ctx context.Context, item procedure.OutboxItem) error {
	var caseID, was string
	err := s.pool.QueryRow(ctx, sqlUpdateOutbox, item.ID, string(item.Status), item.Attempts, item.NextAttempt,
		item.LastError, item.UpdatedAt, item.ClaimedBy, nullTime(item.ClaimedUntil)).Scan(&caseID, &was)
	if errors.Is(err, pgx.ErrNoRows) {
		return procedure.Errorf(procedure.ENOTFOUND, "no existe el elemento %s en la bandeja de salida", item.ID)
	}
	if err != nil {
		return mapErr("update outbox", err)
	}
	if was != string(item.Status) {
		// The case's watchers follow the status of its emails and documents.
		if _, err := s.pool.Exec(ctx, sqlAnnounce, caseID); err != nil {
			return mapErr("update outbox", err)
		}
	}
	return nil
}

// PutDocument implements procedure.Store. Two clients storing the same
// topic at once get consecutive versions.
func (s *Store) PutDocument(ctx context.Context, doc procedure.Document) (procedure.Document, error) {
	sum := sha256.Sum256(doc.Content)
	doc.SHA256 = hex.EncodeToString(sum[:])
	content := doc.Content
	if content == nil {
		content = []byte{}
	}
	for attempt := 0; ; attempt++ {
		err := s.pool.QueryRow(ctx, sqlPutDocument, doc.CaseID, doc.Topic, doc.Number, doc.SHA256, content, doc.CreatedAt, doc.Seq, doc.Follows).Scan(&doc.Version)
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)", doc.CaseID).Scan(&exists); err != nil {
				return procedure.Document{}, mapErr("put document", err)
			}
			if exists {
				return procedure.Document{}, procedure.StaleDocument(doc)
			}
			return procedure.Document{}, procedure.Errorf(procedure.ENOTFOUND, "no existe el trámite %s", doc.CaseID)
		}
		if err != nil && procedure.ErrorCode(mapErr("", err)) == procedure.ECONFLICT {
			if doc.Follows != 0 {
				return procedure.Document{}, procedure.StaleDocument(doc) // another client stored version Follows+1 first
			}
			if attempt < 10 {
				continue // another client took this version number first
			}
		}
		if err != nil {
			return procedure.Document{}, mapErr("put document", err)
		}
		doc.Content = append([]byte(nil), doc.Content...)
		doc.Follows = 0
		if _, err := s.pool.Exec(ctx, sqlAnnounce, doc.CaseID); err != nil {
			return doc, mapErr("put document", err) // stored; only the announcement failed
		}
		return doc, nil
	}
}

var _ procedure.LatestDocuments = (*Store)(nil)

// Documents implements procedure.Store.
func (s *Store) Documents(ctx context.Context, caseID string) ([]procedure.Document, error) {
	return s.documents(ctx, sqlDocuments, caseID)
}

// LatestDocuments implements procedure.LatestDocuments: the primary key
// finds each topic's latest version; the others' bytes are left unread.
func (s *Store) LatestDocuments(ctx context.Context, caseID string) ([]procedure.Document, error) {
	return s.documents(ctx, sqlLatestDocuments, caseID)
}

func (s *Store) documents(ctx context.Context, query, caseID string) ([]procedure.Document, error) {
	rows, err := s.pool.Query(ctx, query, caseID)
	if err != nil {
		return nil, mapErr("documents", err)
	}
	defer rows.Close()
	out := []procedure.Document{}
	for rows.Next() {
		var d procedure.Document
		if err := rows.Scan(&d.CaseID, &d.Topic, &d.Version, &d.Number, &d.SHA256, &d.Content, &d.CreatedAt, &d.Seq); err != nil {
			return nil, mapErr("documents", err)
		}
		d.CreatedAt = d.CreatedAt.UTC()
		out = append(out, d)
	}
	return out, mapErr("documents", rows.Err())
}
