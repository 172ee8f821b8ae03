package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/tramite/tramite/procedure"
)

// Case implements procedure.Store.
func (s *Store) Case(ctx context.Context, id string) (procedure.Case, error) {
	c, err := scanCase(s.st.readCase.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound(id)
	}
	return c, dbErr("case", err)
}

// History implements procedure.Store.
func (s *Store) History(ctx context.Context, caseID string) ([]procedure.Entry, error) {
	rows, err := s.st.readHistory.QueryContext(ctx, caseID)
	if err != nil {
		return nil, dbErr("history", err)
	}
	defer rows.Close()
	out := []procedure.Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, dbErr("history", err)
		}
		out = append(out, e)
	}
	return out, dbErr("history", rows.Err())
}

const orderRecent = ` ORDER BY updated_at DESC, id DESC`

// maxPrealloc caps the room a listing makes for its page in advance.
const maxPrealloc = 256

// Cases implements procedure.Store. Every filter is read off an index that
// ends in the listing's order (see migrations/0001_init.sql); an inbox is
// the merge of one index range per combination of role, actor and unit
// that can wait for the actor.
func (s *Store) Cases(ctx context.Context, q procedure.CaseQuery) ([]procedure.Case, error) {
	cols := caseCols
	if q.Summary {
		cols = summaryCols
	}
	query, args, ok := caseQuery(q, "SELECT "+cols, true)
	if !ok {
		return []procedure.Case{}, nil
	}
	rows, err := s.st.query(ctx, s.r, query, args...)
	if err != nil {
		return nil, dbErr("cases", err)
	}
	defer rows.Close()
	out := make([]procedure.Case, 0, min(max(q.Limit, 0), maxPrealloc))
	dest := make([]any, 0, 18)
	for rows.Next() {
		out = append(out, procedure.Case{})
		if err := rows.Scan(caseDest(dest, &out[len(out)-1], q.Summary)...); err != nil {
			return nil, dbErr("cases", err)
		}
	}
	return out, dbErr("cases", rows.Err())
}

// CountCases implements procedure.Store.
func (s *Store) CountCases(ctx context.Context, q procedure.CaseQuery) (int, error) {
	query, args, ok := caseQuery(q, "SELECT count(*) AS n", false)
	if !ok {
		return 0, nil
	}
	var n int
	rows, err := s.st.query(ctx, s.r, "SELECT coalesce(sum(n), 0) FROM ("+query+")", args...)
	if err != nil {
		return 0, dbErr("count cases", err)
	}
	defer rows.Close()
	if rows.Next() {
		err = rows.Scan(&n)
	}
	if err == nil {
		err = rows.Err()
	}
	return n, dbErr("count cases", err)
}

// caseQuery builds the SQL of q. With page, it selects a page in listing
// order; without, it selects counts to be summed. ok is false when nothing
// can match (an inbox of an actor who holds no role).
func caseQuery(q procedure.CaseQuery, sel string, page bool) (query string, args []any, ok bool) {
	var where []string
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.Procedure != "" {
		add("procedure = ?", q.Procedure)
	}
	if q.State != "" {
		add("state = ?", string(q.State))
	}
	if q.Unit != "" {
		add("unit = ?", q.Unit)
	}
	if q.Text != "" {
		text := strings.ToLower(q.Text)
		if utf8.RuneCountInString(text) >= 3 {
			// The trigram index finds the candidates; instr keeps the exact
			// semantics of procedure.MatchCase.
			add("n IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH ?)", `"`+strings.ReplaceAll(text, `"`, `""`)+`"`)
		}
		add("instr(search, ?) > 0", text)
	}
	if q.Open {
		add("step > 0") // the condition of the partial index cases_open
	}
	limit, offset := q.Limit, max(q.Offset, 0)
	if limit <= 0 {
		limit = -1
	}
	if q.Inbox == nil {
		query = sel + " FROM cases" + whereSQL(where)
		if page {
			query += orderRecent + " LIMIT ? OFFSET ?"
			args = append(args, limit, offset)
		}
		return query, args, true
	}
	combos := inboxCombos(*q.Inbox)
	if len(combos) == 0 {
		return "", nil, false
	}
	// Each combination is one range of cases_inbox, already in listing
	// order. SQLite merges the ranges on (updated_at, id) as it reads them
	// (MERGE (UNION ALL) in the plan), so that it reads about Offset+Limit
	// index entries in all and sorts nothing; the page's rows alone are
	// then read whole, in the order of the merge. The index is named: with
	// the statistics PRAGMA optimize leaves, SQLite took cases_unit for a
	// requester's inbox (which the engine narrows to their unit) and read
	// every case of the unit, twice per combination.
	keys := sel // counts, to be summed
	if page {
		keys = "SELECT n AS page_n, updated_at AS page_at, id AS page_id"
	}
	parts := make([]string, 0, len(combos))
	all := make([]any, 0, len(combos)*(len(args)+3)+2)
	for _, c := range combos {
		w := append([]string{"waiting_role = ? AND waiting_actor = ? AND waiting_unit = ?"}, where...)
		parts = append(parts, keys+" FROM cases INDEXED BY cases_inbox"+whereSQL(w))
		all = append(all, c[0], c[1], c[2])
		all = append(all, args...)
	}
	union := strings.Join(parts, " UNION ALL ")
	if !page {
		return union, all, true
	}
	const order = " ORDER BY page_at DESC, page_id DESC"
	query = sel + " FROM (" + union + order + " LIMIT ? OFFSET ?) CROSS JOIN cases ON n = page_n" + order
	return query, append(all, limit, offset), true
}

func whereSQL(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// inboxCombos lists the (waiting_role, waiting_actor, waiting_unit) values
// of the cases that wait for a, as procedure.WaitsFor defines it: a role a
// holds, with no actor or a itself, and no unit or a's unit.
func inboxCombos(a procedure.Actor) [][3]string {
	actors, units := []string{""}, []string{""}
	if a.ID != "" {
		actors = append(actors, a.ID)
	}
	if a.Unit != "" {
		units = append(units, a.Unit)
	}
	var out [][3]string
	seen := map[procedure.RoleID]bool{}
	for _, g := range a.Grants {
		if g.Role == "" || seen[g.Role] {
			continue
		}
		seen[g.Role] = true
		for _, actor := range actors {
			for _, unit := range units {
				out = append(out, [3]string{string(g.Role), actor, unit})
			}
		}
	}
	return out
}
