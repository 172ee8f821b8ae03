package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/tramite/tramite/procedure"
)

// Scan's columns: the case's ID, its row with its definition (caseRow and
// definition in one array) on the first row of each case, and one history
// entry per row. Each row is three columns, however many it carries.
const (
	scanCaseRow = `json_array(c.id, c.procedure, c.state, c.version, c.system, c.description, c.unit, c.requester_id,
		c.assignee, c.step, c.waiting_role, c.waiting_actor, c.waiting_unit, c.created_at, c.updated_at, c.last_actor,
		c.requester_name, c.definition)`
	scanEntryRow = `json_array(h.case_id, h.seq, h.step, h.event, h.from_state, h.to_state, h.actor_id, h.actor_name,
		h.role, h.interim, h.at)`
)

// Scan implements procedure.Store. One SELECT reads the cases off
// cases_created and each case's history off its primary key, so the rows
// come in order without a sort, from one snapshot of the database; the
// case's columns are read only on its first row.
func (s *Store) Scan(ctx context.Context, q procedure.ScanQuery, fn func(procedure.Case, []procedure.Entry) error) error {
	var where []string
	var args []any
	if len(q.Procedures) > 0 {
		where = append(where, "c.procedure IN (?"+strings.Repeat(", ?", len(q.Procedures)-1)+")")
		for _, p := range q.Procedures {
			args = append(args, p)
		}
	}
	if q.Unit != "" {
		where, args = append(where, "c.unit = ?"), append(args, q.Unit)
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
	query := "SELECT c.id, " + scanCaseRow + ", NULL FROM cases c" + whereSQL(where) + " ORDER BY c.created_at, c.id"
	if q.History {
		query = "SELECT c.id, CASE WHEN h.seq IS NULL OR h.seq = 1 THEN " + scanCaseRow + " END, " +
			"CASE WHEN h.seq IS NOT NULL THEN " + scanEntryRow + " END " +
			"FROM cases c LEFT JOIN history h ON h.case_id = c.id" + whereSQL(where) + " ORDER BY c.created_at, c.id, h.seq"
	}
	rows, err := s.st.query(ctx, s.r, query, args...)
	if err != nil {
		return dbErr("scan", err)
	}
	defer rows.Close()
	var (
		cur     procedure.Case
		started bool
		history []procedure.Entry
		id      string
		caseRow sql.NullString
		entry   sql.NullString
	)
	flush := func() error {
		if !started {
			return nil
		}
		return fn(cur, history)
	}
	for rows.Next() {
		if err := rows.Scan(&id, &caseRow, &entry); err != nil {
			return dbErr("scan", err)
		}
		if !started || id != cur.ID {
			if err := flush(); err != nil {
				return err
			}
			if !caseRow.Valid {
				return procedure.Errorf(procedure.EINTERNAL, "historial alterado: el historial del trámite %s no empieza en la entrada 1", id)
			}
			cur, history, started = procedure.Case{}, history[:0], true
			r := rowReader{s: caseRow.String}
			r.caseFields(&cur)
			cur.DefinitionHash = r.text(',')
			r.end()
			if r.err != nil {
				return dbErr("scan", r.err)
			}
		}
		if entry.Valid {
			e, err := decodeScanEntry(entry.String)
			if err != nil {
				return dbErr("scan", err)
			}
			history = append(history, e)
		}
	}
	if err := rows.Err(); err != nil {
		return dbErr("scan", err)
	}
	return flush()
}

// decodeScanEntry decodes the array scanEntryRow writes.
func decodeScanEntry(s string) (procedure.Entry, error) {
	var e procedure.Entry
	r := rowReader{s: s}
	e.CaseID = r.text('[')
	e.Seq = int(r.integer())
	e.Step = int(r.integer())
	e.Event = procedure.EventName(r.text(','))
	e.From = procedure.State(r.text(','))
	e.To = procedure.State(r.text(','))
	e.ActorID = r.text(',')
	e.ActorName = r.text(',')
	e.Role = procedure.RoleID(r.text(','))
	e.Interim = r.integer() != 0
	e.At = fromNanos(r.integer())
	r.end()
	return e, r.err
}
