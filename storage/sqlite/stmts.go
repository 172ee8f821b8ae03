package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// Columns read back into a procedure.Case and a procedure.Entry.
const (
	// caseRow reads the columns of a case but data and secrets as one JSON
	// array, which decodeCaseRow decodes. For every column of every row the
	// driver makes two or three calls into SQLite, each under the
	// connection's mutex, and allocates the value and its interface: one
	// column each, they were most of the cost of a page of 50 summaries.
	caseRow = `json_array(id, procedure, state, version, system, description, unit, requester_id, assignee,
		step, waiting_role, waiting_actor, waiting_unit, created_at, updated_at, last_actor, requester_name)`
	caseCols = caseRow + `, data, secrets, definition, cites`
	// summaryCols are caseCols without data, secrets, definition and cites
	// (procedure.CaseQuery.Summary).
	summaryCols = caseRow
	entryCols   = `case_id, seq, step, event, from_state, to_state, actor_id, actor_name, role, interim,
		at, comment, outputs, data, prev_hash, hash`
)

// The statements of a transition, prepared once on the write connection, and
// the reads every screen makes, prepared on the read pool.
const (
	sqlCaseByID   = `SELECT ` + caseCols + ` FROM cases WHERE id = ?`
	sqlLastEntry  = `SELECT ` + entryCols + ` FROM history WHERE case_id = ? ORDER BY seq DESC LIMIT 1`
	sqlHistory    = `SELECT ` + entryCols + ` FROM history WHERE case_id = ? ORDER BY seq`
	sqlNextChange = `(SELECT coalesce(max(change_seq), 0) + 1 FROM cases)`
	sqlInsertCase = `INSERT INTO cases (id, procedure, state, version, system, system_lower, description, unit,
		requester_id, assignee, step, waiting_role, waiting_actor, waiting_unit, data, secrets, created_at,
		updated_at, last_actor, definition, cites, requester_name, search, change_seq)
		VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ` + sqlNextChange + `)`
	sqlUpdateCase = `UPDATE cases SET procedure = ?, state = ?, version = ?, system = ?, system_lower = ?,
		description = ?, unit = ?, requester_id = ?, assignee = ?, step = ?, waiting_role = ?, waiting_actor = ?,
		waiting_unit = ?, data = ?, secrets = ?, created_at = ?, updated_at = ?, last_actor = ?,
		definition = ?, cites = ?, requester_name = ?, search = ?, change_seq = ` + sqlNextChange + `
		WHERE id = ? AND version = ?`
	// An entry is appended only as the next of its case: 1 for the first.
	sqlAppendEntry = `INSERT INTO history (` + entryCols + `)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		WHERE ? = coalesce((SELECT max(seq) FROM history WHERE case_id = ?), 0) + 1`
	sqlEnqueue = `INSERT INTO outbox (id, case_id, seq, kind, topic, number, to_addrs, cc_addrs, attach, status,
		attempts, next_attempt, last_error, claimed_by, claimed_until, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlNextNumber = `INSERT INTO numbers (series, year, last) VALUES (?, ?, 1)
		ON CONFLICT (series, year) DO UPDATE SET last = last + 1 RETURNING last`
)

type stmts struct {
	caseByID, lastEntry, insertCase, updateCase, appendEntry, enqueue, nextNumber *sql.Stmt // write connection
	readCase, readHistory                                                         *sql.Stmt // read pool
	all                                                                           []*sql.Stmt

	// Listing queries prepared on the read pool, by SQL text: their shapes
	// are few (one per combination of filters), so the cache stays small;
	// past maxCached, queries are prepared each time.
	cache  sync.Map // string -> *sql.Stmt
	cached atomic.Int32
}

const maxCached = 256

// query runs a read on the read pool with a cached prepared statement.
func (st *stmts) query(ctx context.Context, r *sql.DB, q string, args ...any) (*sql.Rows, error) {
	if v, ok := st.cache.Load(q); ok {
		return v.(*sql.Stmt).QueryContext(ctx, args...)
	}
	if st.cached.Load() >= maxCached {
		return r.QueryContext(ctx, q, args...)
	}
	s, err := r.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := st.cache.LoadOrStore(q, s); loaded {
		s.Close()
		s = v.(*sql.Stmt)
	} else {
		st.cached.Add(1)
	}
	return s.QueryContext(ctx, args...)
}

func (st *stmts) prepare(ctx context.Context, w, r *sql.DB) error {
	for _, p := range []struct {
		db  *sql.DB
		dst **sql.Stmt
		sql string
	}{
		{w, &st.caseByID, sqlCaseByID},
		{w, &st.lastEntry, sqlLastEntry},
		{w, &st.insertCase, sqlInsertCase},
		{w, &st.updateCase, sqlUpdateCase},
		{w, &st.appendEntry, sqlAppendEntry},
		{w, &st.enqueue, sqlEnqueue},
		{w, &st.nextNumber, sqlNextNumber},
		{r, &st.readCase, sqlCaseByID},
		{r, &st.readHistory, sqlHistory},
	} {
		s, err := p.db.PrepareContext(ctx, p.sql)
		if err != nil {
			return err
		}
		*p.dst = s
		st.all = append(st.all, s)
	}
	return nil
}

func (st *stmts) close() {
	for _, s := range st.all {
		s.Close()
	}
	st.cache.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}
