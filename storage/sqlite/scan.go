package sqlite

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/tramite/tramite/procedure"
)

// Scan's columns: the case's row with its definition (caseRow and
// definition in one array) and, with the history, its entries as one array
// of arrays, in order. One row per case: the driver's cost is per row and
// per column, and a case has several entries.
const (
	scanCaseRow = `json_array(c.id, c.procedure, c.state, c.version, c.system, c.description, c.unit, c.requester_id,
		c.assignee, c.step, c.waiting_role, c.waiting_actor, c.waiting_unit, c.created_at, c.updated_at, c.last_actor,
		c.requester_name, c.definition)`
	scanHistory = `json_group_array(json_array(h.seq, h.step, h.event, h.from_state, h.to_state, h.actor_id,
		h.actor_name, h.role, h.interim, h.at)) FILTER (WHERE h.seq IS NOT NULL)`
)

// Scan implements procedure.Store. One SELECT reads the cases off
// cases_created, each with its history read off the history's primary key,
// so the rows come in order without a sort, from one snapshot of the
// database. The filters on procedure and unit are kept off their indexes
// (the unary +), whose order would need a sort of everything. Entries are
// put in order here should a plan ever aggregate them otherwise.
func (s *Store) Scan(ctx context.Context, q procedure.ScanQuery, fn func(procedure.Case, []procedure.Entry) error) error {
	var where []string
	var args []any
	if len(q.Procedures) > 0 {
		where = append(where, "+c.procedure IN (?"+strings.Repeat(", ?", len(q.Procedures)-1)+")")
		for _, p := range q.Procedures {
			args = append(args, p)
		}
	}
	if q.Unit != "" {
		where, args = append(where, "+c.unit = ?"), append(args, q.Unit)
	}
	if !q.From.IsZero() {
		where, args = append(where, "c.created_at >= ?"), append(args, nanos(q.From))
	}
	if !q.To.IsZero() {
		where, args = append(where, "c.created_at < ?"), append(args, nanos(q.To))
	}
	if q.Open {
		where = append(where, "c.step > 0")
	}
	query := "SELECT " + scanCaseRow + ", '[]' FROM cases c" + whereSQL(where) + " ORDER BY c.created_at, c.id"
	if q.History {
		// Grouped in the order of cases_created, each case's entries
		// aggregated as the history's key gives them: one pass, no sort,
		// a quarter less work than a subquery per case.
		query = "SELECT " + scanCaseRow + ", " + scanHistory + " FROM cases c LEFT JOIN history h ON h.case_id = c.id" +
			whereSQL(where) + " GROUP BY c.created_at, c.id ORDER BY c.created_at, c.id"
	}
	rows, err := s.st.query(ctx, s.r, query, args...)
	if err != nil {
		return dbErr("scan", err)
	}
	defer rows.Close()
	var (
		c        procedure.Case
		entries  []procedure.Entry
		caseRow  string
		entryRow string
	)
	for rows.Next() {
		if err := rows.Scan(&caseRow, &entryRow); err != nil {
			return dbErr("scan", err)
		}
		c = procedure.Case{}
		r := rowReader{s: caseRow}
		r.caseFields(&c)
		c.DefinitionHash = r.text(',')
		r.end()
		if r.err != nil {
			return dbErr("scan", r.err)
		}
		if entries, err = decodeScanHistory(entryRow, c.ID, entries[:0]); err != nil {
			return dbErr("scan", err)
		}
		if !slices.IsSortedFunc(entries, bySeq) {
			slices.SortFunc(entries, bySeq)
		}
		if err := fn(c, entries); err != nil {
			return err
		}
	}
	return dbErr("scan", rows.Err())
}

// decodeScanHistory appends to out the entries of the array of arrays
// scanHistory writes.
func decodeScanHistory(s, caseID string, out []procedure.Entry) ([]procedure.Entry, error) {
	r := rowReader{s: s}
	if s == "[]" {
		return out, nil
	}
	first := byte('[')
	for r.err == nil {
		if !r.sep(first) {
			break
		}
		first = ','
		var e procedure.Entry
		e.CaseID = caseID
		e.Seq = int(r.integerAfter('['))
		e.Step = int(r.integer())
		e.Event = procedure.EventName(r.text(','))
		e.From = procedure.State(r.text(','))
		e.To = procedure.State(r.text(','))
		e.ActorID = r.text(',')
		e.ActorName = r.text(',')
		e.Role = procedure.RoleID(r.text(','))
		e.Interim = r.integer() != 0
		e.At = fromNanos(r.integer())
		if !r.sep(']') {
			break
		}
		out = append(out, e)
		if r.i < len(r.s) && r.s[r.i] == ']' {
			r.i++
			if r.i != len(r.s) {
				r.fail()
			}
			return out, r.err
		}
	}
	r.fail()
	return out, r.err
}

func bySeq(x, y procedure.Entry) int { return cmp.Compare(x.Seq, y.Seq) }
