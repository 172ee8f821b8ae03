package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// inProgress returns an engine on a fresh database and a PR01 case waiting
// in progress, where observe and complete can alternate for ever.
func inProgress(b *testing.B) (*procedure.Engine, procedure.Case, string) {
	b.Helper()
	s, dbURL := mustOpen(b)
	e := proceduretest.NewEngine(b, s)
	c := proceduretest.InProgress(b, e, manual.CodePR01, "Banco de pruebas")
	return e, c, dbURL
}

// BenchmarkTransition fires one event per iteration through the engine
// and this store: read the case, then one transaction that reads the last
// history entry, updates the case, appends the entry and queues an email.
func BenchmarkTransition(b *testing.B) {
	e, c, _ := inProgress(b)
	proceduretest.ObservationLoop(b, e, c.ID)
}

// BenchmarkRawTransition runs the same SQL statements as a transition, by
// hand with a bare pgx pool: the floor BenchmarkTransition is compared to.
func BenchmarkRawTransition(b *testing.B) {
	_, c, dbURL := inProgress(b)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	states := [2][2]string{{"in_progress", "observed"}, {"observed", "in_progress"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var (
			id, proc, state, system, desc, unit, req, assignee, role, wactor, wunit, last string
			version                                                                       int64
			step                                                                          int
			data, secrets                                                                 []byte
			created, updated                                                              time.Time
		)
		if err := pool.QueryRow(ctx, `SELECT id, procedure, state, version, system, description, unit, requester_id, assignee, step,
			waiting_role, waiting_actor, waiting_unit, data, secrets, created_at, updated_at, last_actor FROM cases WHERE id = $1`, c.ID).
			Scan(&id, &proc, &state, &version, &system, &desc, &unit, &req, &assignee, &step, &role, &wactor, &wunit, &data, &secrets,
				&created, &updated, &last); err != nil {
			b.Fatal(err)
		}
		now := at.Add(time.Duration(i) * time.Minute)
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var seq int
			var prev string
			if err := tx.QueryRow(ctx, `SELECT seq, hash FROM history WHERE case_id = $1 ORDER BY seq DESC LIMIT 1`, id).Scan(&seq, &prev); err != nil {
				return err
			}
			from, to := states[i%2][0], states[i%2][1]
			if _, err := tx.Exec(ctx, `UPDATE cases SET procedure = $2, state = $3, version = $4, system = $5, description = $6, unit = $7,
				requester_id = $8, assignee = $9, step = $10, waiting_role = $11, waiting_actor = $12, waiting_unit = $13,
				data = $14, secrets = $15, created_at = $16, updated_at = $17, last_actor = $18 WHERE id = $1 AND version = $4 - 1`,
				id, proc, to, version+1, system, desc, unit, req, assignee, step, role, wactor, wunit, string(data), secrets, created, now, last); err != nil {
				return err
			}
			sum := sha256.Sum256([]byte(fmt.Sprint(id, seq+1, prev)))
			hash := hex.EncodeToString(sum[:])
			if _, err := tx.Exec(ctx, `INSERT INTO history (case_id, seq, step, event, from_state, to_state, actor_id, actor_name, role, interim,
				at, at_ns, comment, outputs, data, prev_hash, hash) VALUES ($1, $2, 4, 'observe', $3, $4, 'fabio', 'Fabio Choque', 'profesional_ss',
				false, $5, 0, '', $6, $7, $8, $9)`, id, seq+1, from, to, now, []string{"Correo electrónico institucional"},
				`{"observations":"Falta la variable DB_HOST."}`, prev, hash); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO outbox (id, case_id, seq, kind, topic, number, to_addrs, cc_addrs, attach, status, attempts,
				next_attempt, last_error, claimed_by, claimed_until, created_at, updated_at)
				VALUES ($1, $2, $3, 'email', 'observaciones', '', $4, $5, NULL, 'pending', 0, $6, '', '', NULL, $6, $6)`,
				fmt.Sprintf("%s/%d/email/observaciones", id, seq+1), id, seq+1,
				`[{"name":"Ana Quispe","email":"ana@agetic.gob.bo"}]`,
				`[{"name":"Carla Rojas","email":"carla@agetic.gob.bo"},{"name":"Elena Vargas","email":"elena@agetic.gob.bo"}]`, now)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
