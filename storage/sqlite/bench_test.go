package sqlite_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/sqlite"
	"github.com/tramite/tramite/storage/sqlite/sqlitetest"
)

// seedVersion names the cached database of BenchmarkInbox: change it with
// what sqlitetest.Fill writes for Seed{N: n}.
const seedVersion = 3

// seedCases inserts n cases with raw multi-row INSERTs in one transaction
// (sqlitetest.Fill): four in five closed, the rest spread over the open
// states, waiting for whom the engine would make them wait, in 20 units
// with 10 profesionales.
func seedCases(tb testing.TB, db *sql.DB, n int) {
	tb.Helper()
	if err := sqlitetest.Fill(context.Background(), db, sqlitetest.Seed{N: n}); err != nil {
		tb.Fatal(err)
	}
}

// benchStore opens a store on a fresh file with n seeded cases.
func benchStore(b *testing.B, n int, opts ...sqlite.Option) *sqlite.Store {
	b.Helper()
	s, _ := mustOpen(b, opts...)
	seedCases(b, sqlite.RawDB(s), n)
	return s
}

// inProgress starts a PR01 case through the engine and takes it to in
// progress, where observe and complete can alternate for ever.
func inProgress(b *testing.B, e *procedure.Engine) procedure.Case {
	b.Helper()
	return proceduretest.InProgress(b, e, manual.CodePR01, "Banco de pruebas")
}

var syncModes = []string{"FULL", "NORMAL"}

// BenchmarkTransition fires one event per iteration through the engine and
// this store, on a database of 10,000 cases: the engine reads the case,
// checks the actor's role and the guard, moves the state machine, seals
// nothing, builds the hash-chained entry and the email the step owes, and
// commits, in one transaction, the last entry's read, the case's update,
// the entry and the outbox item.
func BenchmarkTransition(b *testing.B) {
	for _, mode := range syncModes {
		b.Run("synchronous="+mode, func(b *testing.B) {
			s := benchStore(b, 10_000, sqlite.WithSynchronous(mode))
			e := proceduretest.NewEngine(b, s)
			c := inProgress(b, e)
			proceduretest.ObservationLoop(b, e, c.ID)
		})
	}
}

// BenchmarkRawTransition issues the statements of a transition by hand with
// database/sql, prepared once as the store prepares them, with no engine:
// the floor BenchmarkTransition is measured against.
func BenchmarkRawTransition(b *testing.B) {
	const (
		caseCols  = `id, procedure, state, version, system, description, unit, requester_id, assignee, step, waiting_role, waiting_actor, waiting_unit, data, secrets, created_at, updated_at, last_actor`
		entryCols = `case_id, seq, step, event, from_state, to_state, actor_id, actor_name, role, interim, at, comment, outputs, data, prev_hash, hash`
	)
	for _, mode := range syncModes {
		b.Run("synchronous="+mode, func(b *testing.B) {
			s := benchStore(b, 10_000, sqlite.WithSynchronous(mode))
			c := inProgress(b, proceduretest.NewEngine(b, s))
			db := sqlite.RawDB(s)
			ctx := context.Background()
			prep := func(q string) *sql.Stmt {
				st, err := db.PrepareContext(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { st.Close() })
				return st
			}
			readCase := prep(`SELECT ` + caseCols + ` FROM cases WHERE id = ?`)
			lastEntry := prep(`SELECT ` + entryCols + ` FROM history WHERE case_id = ? ORDER BY seq DESC LIMIT 1`)
			updateCase := prep(`UPDATE cases SET procedure = ?, state = ?, version = ?, system = ?, system_lower = ?,
				description = ?, unit = ?, requester_id = ?, assignee = ?, step = ?, waiting_role = ?, waiting_actor = ?,
				waiting_unit = ?, data = ?, secrets = ?, created_at = ?, updated_at = ?, last_actor = ?,
				change_seq = (SELECT coalesce(max(change_seq), 0) + 1 FROM cases) WHERE id = ? AND version = ?`)
			appendEntry := prep(`INSERT INTO history (` + entryCols + `) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
				WHERE ? = coalesce((SELECT max(seq) FROM history WHERE case_id = ?), 0) + 1`)
			enqueue := prep(`INSERT INTO outbox (id, case_id, seq, kind, topic, number, to_addrs, cc_addrs, attach, status,
				attempts, next_attempt, last_error, claimed_by, claimed_until, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
			states := [2][2]string{{"in_progress", "observed"}, {"observed", "in_progress"}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var (
					id, proc, state, system, desc, unit, req, assignee, role, wactor, wunit, data, last string
					version, created, updated                                                           int64
					step                                                                                int
					secrets                                                                             []byte
				)
				if err := readCase.QueryRowContext(ctx, c.ID).Scan(&id, &proc, &state, &version, &system, &desc, &unit, &req,
					&assignee, &step, &role, &wactor, &wunit, &data, &secrets, &created, &updated, &last); err != nil {
					b.Fatal(err)
				}
				now := at.Add(time.Duration(i) * time.Minute).UnixNano()
				from, to := states[i%2][0], states[i%2][1]
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				var e procedure.Entry
				var eat int64
				var outputs, edata string
				if err := tx.StmtContext(ctx, lastEntry).QueryRowContext(ctx, id).Scan(&e.CaseID, &e.Seq, &e.Step, &e.Event,
					&e.From, &e.To, &e.ActorID, &e.ActorName, &e.Role, &e.Interim, &eat, &e.Comment, &outputs, &edata,
					&e.PrevHash, &e.Hash); err != nil {
					b.Fatal(err)
				}
				seq := e.Seq + 1
				if _, err := tx.StmtContext(ctx, updateCase).ExecContext(ctx, proc, to, version+1, system, strings.ToLower(system),
					desc, unit, req, assignee, step, role, wactor, wunit, data, secrets, created, now, last, id, version); err != nil {
					b.Fatal(err)
				}
				sum := sha256.Sum256([]byte(fmt.Sprint(id, seq, e.Hash)))
				if _, err := tx.StmtContext(ctx, appendEntry).ExecContext(ctx, id, seq, 4, "observe", from, to, "fabio",
					"Fabio Choque", "profesional_ss", false, now, "", `["Correo electrónico institucional"]`,
					`{"observations":"Falta la variable DB_HOST."}`, e.Hash, hex.EncodeToString(sum[:]), seq, id); err != nil {
					b.Fatal(err)
				}
				if _, err := tx.StmtContext(ctx, enqueue).ExecContext(ctx, fmt.Sprintf("%s/%d/email/aviso", id, seq), id, seq,
					"email", "aviso", "", `[{"name":"Ana Quispe","email":"ana@agetic.gob.bo"}]`,
					`[{"name":"Carla Rojas","email":"carla@agetic.gob.bo"}]`, `[]`, "pending", 0, now, "", "", 0, now, now); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// inboxDB returns a store on a database of n seeded cases, built once and
// kept under os.TempDir, keyed by schema version, for later runs.
func inboxDB(b *testing.B, n int) *sqlite.Store {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("tramite-bench-v%d-s%d-%d.db", sqlite.SchemaVersion(), seedVersion, n))
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		tmp := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		s, err := sqlite.Open(ctx, tmp, sqlite.WithSynchronous("NORMAL"))
		if err != nil {
			b.Fatal(err)
		}
		seedCases(b, sqlite.RawDB(s), n)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s with %d cases in %v", path, n, time.Since(start).Round(time.Second))
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkInbox reads one page of 50 of an inbox on 1,000,000 cases, and
// of other listings for comparison.
func BenchmarkInbox(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a database of 1,000,000 cases; not with -short")
	}
	s := inboxDB(b, 1_000_000)
	ctx := context.Background()
	profesional := procedure.Actor{ID: "profesional-3", Grants: []procedure.Grant{{Role: manual.RoleProfesionalSS}}}
	solicitante := procedure.Actor{ID: "sol", Unit: "Unidad 07", Grants: []procedure.Grant{{Role: manual.RoleSolicitante}}}
	for _, tc := range []struct {
		name string
		q    procedure.CaseQuery
	}{
		// Lists ask for summaries (procedure.CaseQuery.Summary), as the
		// desktop client's tables do; "jefe/full" reads whole cases.
		{"jefe", procedure.CaseQuery{Inbox: &proceduretest.Jefe, Limit: 50, Summary: true}},
		{"jefe/full", procedure.CaseQuery{Inbox: &proceduretest.Jefe, Limit: 50}},
		{"jefe/page=20", procedure.CaseQuery{Inbox: &proceduretest.Jefe, Limit: 50, Offset: 950, Summary: true}},
		{"profesional", procedure.CaseQuery{Inbox: &profesional, Limit: 50, Summary: true}},
		{"solicitante", procedure.CaseQuery{Inbox: &solicitante, Limit: 50, Summary: true}},
		// as the engine asks for a requester's inbox: narrowed to their unit
		{"solicitante/unit", procedure.CaseQuery{Inbox: &solicitante, Unit: solicitante.Unit, Limit: 50, Summary: true}},
		{"state", procedure.CaseQuery{State: manual.StateForwarded, Limit: 50, Summary: true}},
		{"text", procedure.CaseQuery{Text: "sistema 12345", Limit: 50, Summary: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				page, err := s.Cases(ctx, tc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(page) == 0 {
					b.Fatal("empty page")
				}
			}
		})
	}
}
