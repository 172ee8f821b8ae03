package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
)

const (
	scanCaseColumns = `c.id, c.procedure, c.state, c.version, c.system, c.description, c.unit, c.requester_id,
		c.assignee, c.step, c.waiting_role, c.waiting_actor, c.waiting_unit, c.created_at, c.updated_at, c.last_actor,
		c.requester_name, c.definition`
	// scanEntryColumns read an absent entry (a case with no history) as
	// seq 0.
	scanEntryColumns = `coalesce(h.seq, 0), coalesce(h.step, 0), coalesce(h.event, ''), coalesce(h.from_state, ''),
		coalesce(h.to_state, ''), coalesce(h.actor_id, ''), coalesce(h.actor_name, ''), coalesce(h.role, ''),
		coalesce(h.interim, false), coalesce(h.at, c.created_at), coalesce(h.at_ns, 0)`
)

// Scan implements procedure.Store: one SELECT, whose rows pgx reads from
// the server as they are consumed, the cases in the order of cases_created
// each followed by its history.
func (s *Store) Scan(ctx context.Context, q procedure.ScanQuery, fn func(procedure.Case, []procedure.Entry) error) error {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(q.Procedures) > 0 {
		conds = append(conds, "c.procedure = ANY("+arg(q.Procedures)+")")
	}
	if q.Unit != "" {
		conds = append(conds, "c.unit = "+arg(q.Unit))
	}
	if !q.From.IsZero() {
		conds = append(conds, "c.created_at >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		conds = append(conds, "c.created_at < "+arg(q.To))
	}
	if q.Open {
		conds = append(conds, "c.step > 0")
	}
	w := ""
	if len(conds) > 0 {
		w = " WHERE " + strings.Join(conds, " AND ")
	}
	sql := "SELECT " + scanCaseColumns + ", 0, 0, '', '', '', '', '', '', false, c.created_at, 0 FROM cases c" + w +
		" ORDER BY c.created_at, c.id"
	if q.History {
		sql = "SELECT " + scanCaseColumns + ", " + scanEntryColumns +
			" FROM cases c LEFT JOIN history h ON h.case_id = c.id" + w + " ORDER BY c.created_at, c.id, h.seq"
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return mapErr("scan", err)
	}
	defer rows.Close()
	var (
		cur     procedure.Case
		started bool
		history []procedure.Entry
	)
	for rows.Next() {
		var c procedure.Case
		var e procedure.Entry
		var state, role, event, from, to, erole string
		var ns int
		if err := rows.Scan(&c.ID, &c.Procedure, &state, &c.Version, &c.System, &c.Description, &c.Unit, &c.RequesterID,
			&c.Assignee, &c.Step, &role, &c.WaitingActor, &c.WaitingUnit, &c.CreatedAt, &c.UpdatedAt, &c.LastActor,
			&c.RequesterName, &c.DefinitionHash, &e.Seq, &e.Step, &event, &from, &to, &e.ActorID, &e.ActorName, &erole, &e.Interim,
			&e.At, &ns); err != nil {
			return mapErr("scan", err)
		}
		if !started || c.ID != cur.ID {
			if started {
				if err := fn(cur, history); err != nil {
					return err
				}
			}
			c.State, c.WaitingRole = procedure.State(state), procedure.RoleID(role)
			c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
			cur, history, started = c, history[:0], true
		}
		if e.Seq > 0 {
			e.CaseID = c.ID
			e.Event, e.From, e.To, e.Role = procedure.EventName(event), procedure.State(from), procedure.State(to), procedure.RoleID(erole)
			e.At = e.At.UTC().Add(time.Duration(ns))
			history = append(history, e)
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr("scan", err)
	}
	if started {
		return fn(cur, history)
	}
	return nil
}
