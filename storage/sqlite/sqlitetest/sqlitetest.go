// Package sqlitetest fills a tramite SQLite database in bulk, straight in
// the store's schema and in one transaction, for the benchmarks and tests
// that need many cases without firing each through the engine: a hundred
// thousand cases take seconds this way, minutes through the engine.
package sqlitetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"

	_ "modernc.org/sqlite" // the driver the store uses
)

// Seed describes the cases Fill inserts. Case j (from 0) is updated at
// Start plus j minutes, so the last is the newest; four in five are
// closed and every fifth is open, in turn in each open state of the
// manual, waiting for whom the engine would make it wait: the Jefe de la
// UIT or the Responsable (any holder), the assigned profesional, or the
// requesting unit.
type Seed struct {
	// N is the number of cases.
	N int
	// Procedure is the code of every case; when empty, every third case
	// is PR02 and the others PR01.
	Procedure string
	// Units are the requesting units, forty consecutive cases each in
	// turn; when empty, 20 units "Unidad 00" to "Unidad 19".
	Units []string
	// Profesionales are the assignees, three consecutive cases each in
	// turn; when empty, 10 people "profesional-0" to "profesional-9". The
	// first of 10 is thus assigned one case in ten.
	Profesionales []string
	// Start is when the first case was updated; when zero, 1 January 2020.
	Start time.Time
	// Requests also writes what filing each request left behind, as the
	// engine writes it: the request's history entry (hash-chained, seq 1)
	// and its two outbox items, the nota de remisión and the notice to
	// the Jefe de la UIT, sent (one in fifty failed).
	Requests bool
}

// open is an open state of the manual with its step and who it waits for:
// "" any holder of the role, "actor" the assignee, "unit" the requesting
// unit.
var open = []struct {
	state procedure.State
	step  int
	role  procedure.RoleID
	who   string
}{
	{manual.StateRequested, 2, manual.RoleJefeUIT, ""},
	{manual.StateForwarded, 3, manual.RoleResponsableSS, ""},
	{manual.StateInstructed, 4, manual.RoleProfesionalSS, "actor"},
	{manual.StateInProgress, 6, manual.RoleProfesionalSS, "actor"},
	{manual.StateObserved, 5, manual.RoleSolicitante, "unit"},
	{manual.StateReportSubmitted, 7, manual.RoleResponsableSS, ""},
	{manual.StateReportApproved, 8, manual.RoleJefeUIT, ""},
	{manual.StateMemoIssued, 9, manual.RoleSolicitante, "unit"},
}

// batch is the number of rows of one INSERT.
const batch = 500

// Fill inserts the cases of s into the database of db (a tramite SQLite
// database at the current schema, as sqlite.Open leaves it) with multi-row
// INSERTs in one transaction.
func Fill(ctx context.Context, db *sql.DB, s Seed) error {
	if s.N < 0 {
		return fmt.Errorf("sqlitetest: %d cases", s.N)
	}
	units, profs, start := s.Units, s.Profesionales, s.Start
	if len(units) == 0 {
		for i := range 20 {
			units = append(units, fmt.Sprintf("Unidad %02d", i))
		}
	}
	if len(profs) == 0 {
		for i := range 10 {
			profs = append(profs, fmt.Sprintf("profesional-%d", i))
		}
	}
	if start.IsZero() {
		start = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins := inserter{ctx: ctx, tx: tx}
	for i := 0; i < s.N; i += batch {
		hi := min(i+batch, s.N)
		cases := ins.start(`INSERT INTO cases (id, procedure, state, version, system, system_lower, description, unit,
			requester_id, assignee, step, waiting_role, waiting_actor, waiting_unit, data, secrets, created_at,
			updated_at, last_actor, change_seq, requester_name, search) VALUES `)
		for j := i; j < hi; j++ {
			c := s.caseOf(j, units, profs, start)
			cases.row("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,?,?,?,?,?,?)", c.ID, c.Procedure, string(c.State), 9, c.System,
				strings.ToLower(c.System), c.Description, c.Unit, c.RequesterID, c.Assignee, c.Step, string(c.WaitingRole),
				c.WaitingActor, c.WaitingUnit, `{"system":"`+c.System+`","unit":"`+c.Unit+`"}`, c.CreatedAt.UnixNano(),
				c.UpdatedAt.UnixNano(), c.LastActor, j+1, c.RequesterName, procedure.SearchText(c))
		}
		if err := cases.exec(); err != nil {
			return err
		}
		if !s.Requests {
			continue
		}
		history := ins.start(`INSERT INTO history (case_id, seq, step, event, from_state, to_state, actor_id, actor_name,
			role, interim, at, comment, outputs, data, prev_hash, hash) VALUES `)
		outbox := ins.start(`INSERT INTO outbox (id, case_id, seq, kind, topic, number, to_addrs, cc_addrs, attach,
			status, attempts, next_attempt, last_error, claimed_by, claimed_until, created_at, updated_at) VALUES `)
		for j := i; j < hi; j++ {
			c := s.caseOf(j, units, profs, start)
			e, items := request(j, c)
			history.row("(?,?,?,?,?,?,?,?,?,0,?,'',?,?,'',?)", e.CaseID, e.Seq, e.Step, string(e.Event), string(e.From),
				string(e.To), e.ActorID, e.ActorName, string(e.Role), e.At.UnixNano(), `["`+e.Outputs[0]+`"]`,
				`{"system":"`+c.System+`","unit":"`+c.Unit+`"}`, e.Hash)
			for _, it := range items {
				to := "[]"
				if len(it.To) > 0 {
					to = `[{"name":"` + it.To[0].Name + `","email":"` + it.To[0].Email + `"}]`
				}
				at := it.CreatedAt.UnixNano()
				outbox.row("(?,?,?,?,?,?,?,'[]','[]',?,?,?,?,'',0,?,?)", it.ID, it.CaseID, it.Seq, string(it.Kind), it.Topic,
					it.Number, to, string(it.Status), it.Attempts, at, it.LastError, at, at)
			}
		}
		if err := history.exec(); err != nil {
			return err
		}
		if err := outbox.exec(); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// FillFile opens the database file at path (created and migrated by
// sqlite.Open beforehand) on a connection of its own and fills it with s.
func FillFile(ctx context.Context, path string, s Seed) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := Fill(ctx, db, s); err != nil {
		return fmt.Errorf("sqlitetest: fill %s: %w", path, err)
	}
	return db.Close()
}

// caseOf returns case j of s.
func (s Seed) caseOf(j int, units, profs []string, start time.Time) procedure.Case {
	proc, prefix := s.Procedure, ""
	switch {
	case proc != "":
		prefix = proc[strings.LastIndex(proc, "-")+1:]
	case j%3 == 0:
		proc, prefix = manual.CodePR02, "PR02"
	default:
		proc, prefix = manual.CodePR01, "PR01"
	}
	unit := units[(j/40)%len(units)]
	system := fmt.Sprintf("Sistema %d de la %s", j, unit)
	at := start.Add(time.Duration(j) * time.Minute)
	c := procedure.Case{ID: fmt.Sprintf("%s-%d-%07d", prefix, 2020+j/200000, j), Procedure: proc, State: manual.StateClosed,
		System: system, Description: "Caso de prueba " + system, Unit: unit, RequesterID: "solicitante",
		Assignee: profs[(j/3)%len(profs)], CreatedAt: at, UpdatedAt: at, LastActor: "Ana Quispe", RequesterName: "Ana Quispe"}
	if j%5 == 0 {
		o := open[(j/5)%len(open)]
		c.State, c.Step, c.WaitingRole = o.state, o.step, o.role
		switch o.who {
		case "actor":
			c.WaitingActor = c.Assignee
		case "unit":
			c.WaitingUnit = c.Unit
		}
	}
	return c
}

// request returns the history entry and the outbox items filing case j
// (c) left behind.
func request(j int, c procedure.Case) (procedure.Entry, []procedure.OutboxItem) {
	number := fmt.Sprintf("UDS/NOTA/%d/%07d", c.CreatedAt.Year(), j)
	e := procedure.Entry{CaseID: c.ID, Seq: 1, Step: 1, Event: manual.EventRequest, To: manual.StateRequested,
		ActorID: c.RequesterID, ActorName: c.LastActor, Role: manual.RoleSolicitante, At: c.CreatedAt,
		Outputs: []string{"Remisión de Nota " + number}, Data: procedure.Inputs{"system": c.System, "unit": c.Unit}}
	e.Hash = e.ComputeHash()
	status, attempts, lastErr := procedure.OutboxSent, 1, ""
	if j%50 == 0 {
		status, attempts, lastErr = procedure.OutboxFailed, 5, "550 buzón no disponible"
	}
	items := []procedure.OutboxItem{
		{ID: c.ID + "/1/document/nota-remision", CaseID: c.ID, Seq: 1, Kind: procedure.EffectDocument, Topic: "nota-remision",
			Number: number, Status: procedure.OutboxSent, Attempts: 1, CreatedAt: c.CreatedAt},
		{ID: c.ID + "/1/email/aviso", CaseID: c.ID, Seq: 1, Kind: procedure.EffectEmail, Topic: "aviso",
			To: []procedure.Address{{Name: "Carla Rojas", Email: "carla@agetic.gob.bo"}}, Status: status, Attempts: attempts,
			LastError: lastErr, CreatedAt: c.CreatedAt},
	}
	return e, items
}

// inserter builds multi-row INSERTs inside one transaction.
type inserter struct {
	ctx context.Context
	tx  *sql.Tx
}

// rows is one multi-row INSERT being built.
type rows struct {
	in   inserter
	sb   strings.Builder
	args []any
	n    int
}

func (in inserter) start(head string) *rows {
	r := &rows{in: in}
	r.sb.WriteString(head)
	return r
}

func (r *rows) row(values string, args ...any) {
	if r.n > 0 {
		r.sb.WriteByte(',')
	}
	r.sb.WriteString(values)
	r.args = append(r.args, args...)
	r.n++
}

func (r *rows) exec() error {
	if r.n == 0 {
		return nil
	}
	_, err := r.in.tx.ExecContext(r.in.ctx, r.sb.String(), r.args...)
	return err
}
