package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage"
	"github.com/tramite/tramite/storage/postgres/pgtest"
)

var (
	benchSessions = flag.Int("bench.sessions", 200, "BenchmarkServerPR01: concurrent sessions (people at their desks)")
	benchOpen     = flag.Int("bench.open", 400, "BenchmarkServerPR01: cases open at once at most (requesters wait beyond it)")
	benchDB       = flag.String("bench.dbparams", "", "BenchmarkServerPR01: parameters added to both databases' URLs, e.g. pool_max_conns=16")
)

// BenchmarkServerPR01 measures the server as an agency would load it: b.N
// steps of PR01 taken by -bench.sessions people signed in at once, a
// quarter in each role, over HTTP against the built command on
// PostgreSQL; then the same workload straight on the engine of an
// in-process server (same store, same document processor, no HTTP), on a
// fresh database, for comparison. Run it with a fixed number of steps:
//
//	./.ci/with-postgres go test -run '^$' -bench ServerPR01 -benchtime 4000x ./cmd/tramite-server
//
// Every person works their inbox as a desk would: list it (20 cases),
// take one of them at the version listed, and fire its next step;
// requesters start new cases while fewer than -bench.open are open and
// acknowledge the ones waiting for them. People of one role share a pool
// of cases, so two may take the same case at once: the later gets 409,
// which is expected and counted apart. Any other failure is an error.
// After the HTTP run every acknowledged step is looked for in its case's
// history ("lost" counts those missing, "phantom" history entries no one
// was told of).
//
// Metrics: steps/s over HTTP and on the engine and their ratio, p50 and
// p99 of a step's request (start or fire) on both, the 409s, the errors,
// the lost and phantom steps.
func BenchmarkServerPR01(b *testing.B) {
	steps := b.N
	sessions := max(*benchSessions, 4)
	people := benchPeople(sessions)

	b.StopTimer()
	// The engine, in an in-process server on its own database.
	engineDB := benchDatabase(b, people)
	m := &Main{Config: DefaultConfig(), Logger: slog.New(slog.DiscardHandler)}
	m.Config.Database, m.Config.Listen = engineDB, "127.0.0.1:0"
	m.Config.SealingKeyFile, m.Config.Signing.DevDir = sealingKey(b), filepath.Join(b.TempDir(), "dev")
	if err := m.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	desks := make([]desk, len(people))
	for i, a := range people {
		desks[i] = &engineDesk{e: m.engine, a: a}
	}
	onEngine := runLoad(b, desks, people, steps)
	if err := m.Close(); err != nil {
		b.Fatal(err)
	}

	// The built command, over HTTP, on another database.
	httpDB := benchDatabase(b, people)
	p := start(b, b.TempDir(), []string{"TRAMITE_DATABASE_URL=" + httpDB, "TRAMITE_SEALING_KEY_FILE=" + sealingKey(b)})
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 2 * sessions, MaxIdleConnsPerHost: 2 * sessions}}
	for i, a := range people {
		c := &client{t: b, http: hc, base: p.base}
		var s struct{ Token string }
		if st := c.call(http.MethodPost, "/api/v1/session", map[string]string{"username": a.ID, "password": benchPassword}, &s); st != http.StatusCreated {
			b.Fatalf("sign-in of %s: %d", a.ID, st)
		}
		c.token = s.Token
		desks[i] = &httpDesk{c: c}
	}
	b.ResetTimer()
	b.StartTimer()
	overHTTP := runLoad(b, desks, people, steps)
	b.StopTimer()

	lost, phantom := checkHistory(b, httpDB, overHTTP.acks)
	b.ReportMetric(overHTTP.rate(), "http-steps/s")
	b.ReportMetric(onEngine.rate(), "engine-steps/s")
	b.ReportMetric(overHTTP.rate()/onEngine.rate(), "http/engine")
	b.ReportMetric(ms(overHTTP.quantile(0.50)), "p50-ms")
	b.ReportMetric(ms(overHTTP.quantile(0.99)), "p99-ms")
	b.ReportMetric(ms(onEngine.quantile(0.50)), "engine-p50-ms")
	b.ReportMetric(ms(onEngine.quantile(0.99)), "engine-p99-ms")
	b.ReportMetric(float64(overHTTP.conflicts.Load()), "409s")
	b.ReportMetric(float64(overHTTP.errors.Load()), "errors")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(phantom), "phantom")
	b.Logf("%d sessions, %d steps: HTTP %d steps in %s (%d conflicts), engine %d steps in %s (%d conflicts)",
		sessions, steps, len(overHTTP.acks), overHTTP.took.Round(time.Millisecond), overHTTP.conflicts.Load(),
		len(onEngine.acks), onEngine.took.Round(time.Millisecond), onEngine.conflicts.Load())
	for _, e := range append(overHTTP.firstErrors, onEngine.firstErrors...) {
		b.Error(e)
	}
	if overHTTP.errors.Load() > 0 || onEngine.errors.Load() > 0 || lost > 0 || phantom > 0 {
		b.Errorf("%d errors over HTTP, %d on the engine, %d lost steps, %d phantom steps",
			overHTTP.errors.Load(), onEngine.errors.Load(), lost, phantom)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

const benchPassword = "bench-password"

// benchPeople returns n people, a quarter in each role; the requesters
// belong to two units.
func benchPeople(n int) []procedure.Actor {
	roles := []procedure.RoleID{manual.RoleSolicitante, manual.RoleJefeUIT, manual.RoleResponsableSS, manual.RoleProfesionalSS}
	var out []procedure.Actor
	for i := range n {
		r := roles[i%len(roles)]
		unit := "UIT"
		if r == manual.RoleSolicitante {
			unit = []string{proceduretest.UnitDesarrollo, proceduretest.UnitGobierno}[(i/len(roles))%2]
		}
		id := fmt.Sprintf("%s-%03d", r, i)
		out = append(out, procedure.Actor{ID: id, Name: "Persona " + id, Email: id + "@example.bo", Unit: unit,
			Grants: []procedure.Grant{{Role: r}}})
	}
	return out
}

// benchDatabase makes a PostgreSQL database holding people, each with the
// bench password (hashed at bcrypt's lowest cost, so that signing in 200
// people takes no time), and returns its URL.
func benchDatabase(b *testing.B, people []procedure.Actor) string {
	b.Helper()
	db := pgtest.Database(b)
	if *benchDB != "" {
		u, err := url.Parse(db)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		extra, err := url.ParseQuery(*benchDB)
		if err != nil {
			b.Fatal(err)
		}
		for k, v := range extra {
			q[k] = v
		}
		u.RawQuery = q.Encode()
		db = u.String()
	}
	ctx := context.Background()
	s, err := storage.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	h, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	for _, a := range people {
		if err := s.SaveActor(ctx, a); err != nil {
			b.Fatal(err)
		}
		if err := s.SetPasswordHash(ctx, a.ID, h); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// desk is what a person does at their desk: over HTTP or on the engine.
type desk interface {
	inbox(ctx context.Context) ([]procedure.Case, error)
	start(ctx context.Context, in procedure.Inputs) (procedure.Case, error)
	fire(ctx context.Context, id string, ev procedure.EventName, version int64, in procedure.Inputs) (procedure.Case, error)
}

// errConflict is a 409: someone took the case first.
var errConflict = procedure.Errorf(procedure.ECONFLICT, "conflict")

// engineDesk calls the engine as the server's handlers do.
type engineDesk struct {
	e *procedure.Engine
	a procedure.Actor
}

func (d *engineDesk) inbox(ctx context.Context) ([]procedure.Case, error) {
	q := procedure.CaseQuery{Inbox: &d.a, Summary: true, Limit: 20}
	cs, err := d.e.Cases(ctx, d.a, q)
	if err != nil {
		return nil, err
	}
	_, err = d.e.CountCases(ctx, d.a, q)
	return cs, err
}

func (d *engineDesk) start(ctx context.Context, in procedure.Inputs) (procedure.Case, error) {
	return d.e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: d.a, Inputs: in})
}

func (d *engineDesk) fire(ctx context.Context, id string, ev procedure.EventName, version int64, in procedure.Inputs) (procedure.Case, error) {
	c, err := d.e.Fire(ctx, procedure.FireRequest{CaseID: id, Event: ev, Actor: d.a, Inputs: in, Version: version})
	if procedure.ErrorCode(err) == procedure.ECONFLICT {
		return c, errConflict
	}
	return c, err
}

// httpDesk calls the API.
type httpDesk struct{ c *client }

func (d *httpDesk) do(method, path string, body any, want int, out any) error {
	st, data, err := d.c.try(method, path, body)
	switch {
	case err != nil:
		return err
	case st == http.StatusConflict:
		return errConflict
	case st != want:
		return fmt.Errorf("%s %s: %d %s", method, path, st, data)
	}
	return json.Unmarshal(data, out)
}

func (d *httpDesk) inbox(context.Context) ([]procedure.Case, error) {
	var l struct{ Cases []procedure.Case }
	err := d.do(http.MethodGet, "/api/v1/inbox?limit=20", nil, http.StatusOK, &l)
	return l.Cases, err
}

func (d *httpDesk) start(_ context.Context, in procedure.Inputs) (procedure.Case, error) {
	var c procedure.Case
	err := d.do(http.MethodPost, "/api/v1/cases", map[string]any{"procedure": manual.CodePR01, "inputs": in}, http.StatusCreated, &c)
	return c, err
}

func (d *httpDesk) fire(_ context.Context, id string, ev procedure.EventName, version int64, in procedure.Inputs) (procedure.Case, error) {
	var c procedure.Case
	err := d.do(http.MethodPost, "/api/v1/cases/"+url.PathEscape(id)+"/events/"+string(ev),
		map[string]any{"inputs": in, "version": version}, http.StatusOK, &c)
	return c, err
}

// ack is a step the server acknowledged.
type ack struct {
	caseID  string
	version int64
	event   procedure.EventName
	actor   string
}

// load is the outcome of one run.
type load struct {
	took        time.Duration
	mu          sync.Mutex
	acks        []ack
	latencies   []time.Duration
	conflicts   atomic.Int64
	errors      atomic.Int64
	firstErrors []error
}

func (l *load) rate() float64 { return float64(len(l.acks)) / l.took.Seconds() }

func (l *load) quantile(q float64) time.Duration {
	if len(l.latencies) == 0 {
		return 0
	}
	s := slices.Clone(l.latencies)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}

// next is the step a case in state waits for, and its inputs.
func next(st procedure.State, rnd *rand.Rand, profesionales []string) (procedure.EventName, procedure.Inputs) {
	switch st {
	case manual.StateRequested:
		return manual.EventForward, nil
	case manual.StateForwarded:
		return manual.EventInstruct, procedure.Inputs{"profesional": profesionales[rnd.IntN(len(profesionales))]}
	case manual.StateInstructed:
		return manual.EventStart, nil
	case manual.StateInProgress:
		return manual.EventConclude, proceduretest.Checklist("")
	case manual.StateReportSubmitted:
		return manual.EventApproveReport, nil
	case manual.StateReportApproved:
		return manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la conclusión de la puesta en producción."}
	case manual.StateMemoIssued:
		return manual.EventAcknowledge, nil
	}
	return "", nil
}

// runLoad has every desk work its inbox until steps steps are acknowledged.
func runLoad(b *testing.B, desks []desk, people []procedure.Actor, steps int) *load {
	var profesionales []string
	for _, a := range people {
		if _, ok := a.Holds(manual.RoleProfesionalSS); ok {
			profesionales = append(profesionales, a.ID)
		}
	}
	l := &load{}
	var done, open atomic.Int64
	ctx := context.Background()
	fail := func(err error) {
		if l.errors.Add(1) <= 5 {
			l.mu.Lock()
			l.firstErrors = append(l.firstErrors, err)
			l.mu.Unlock()
		}
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	for i, d := range desks {
		a := people[i]
		_, requester := a.Holds(manual.RoleSolicitante)
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(i), 1))
			n := 0
			for done.Load() < int64(steps) {
				cs, err := d.inbox(ctx)
				if err != nil {
					fail(fmt.Errorf("%s: inbox: %w", a.ID, err))
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if done.Add(1) > int64(steps) { // take a step of the budget
					done.Add(-1)
					return
				}
				var took time.Duration
				var out procedure.Case
				var ev procedure.EventName
				switch {
				case len(cs) > 0:
					c := cs[rnd.IntN(len(cs))]
					var in procedure.Inputs
					if ev, in = next(c.State, rnd, profesionales); ev == "" {
						fail(fmt.Errorf("%s: case %s waits in state %s", a.ID, c.ID, c.State))
						done.Add(-1)
						continue
					}
					t := time.Now()
					out, err = d.fire(ctx, c.ID, ev, c.Version, in)
					took = time.Since(t)
				case requester && open.Load() < int64(*benchOpen):
					n++
					in := proceduretest.PR01Request(fmt.Sprintf("Sistema %s %d", a.ID, n), "clave")
					in["unit"] = a.Unit
					ev = manual.EventRequest
					t := time.Now()
					out, err = d.start(ctx, in)
					took = time.Since(t)
				default:
					done.Add(-1)
					time.Sleep(time.Duration(5+rnd.IntN(10)) * time.Millisecond) // nothing to do yet
					continue
				}
				switch {
				case errors.Is(err, errConflict):
					l.conflicts.Add(1)
					done.Add(-1) // give the step back
				case err != nil:
					fail(fmt.Errorf("%s: %s: %w", a.ID, ev, err))
					done.Add(-1)
				default:
					switch ev {
					case manual.EventRequest:
						open.Add(1)
					case manual.EventAcknowledge:
						open.Add(-1)
					}
				}
				l.mu.Lock()
				l.latencies = append(l.latencies, took)
				if err == nil {
					l.acks = append(l.acks, ack{caseID: out.ID, version: out.Version, event: ev, actor: a.ID})
				}
				l.mu.Unlock()
			}
		})
	}
	wg.Wait()
	l.took = time.Since(t0)
	return l
}

// checkHistory looks for every acknowledged step in its case's history and
// counts the missing ones and the entries no one was told of.
func checkHistory(b *testing.B, db string, acks []ack) (lost, phantom int) {
	ctx := context.Background()
	s, err := storage.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	byCase := map[string][]ack{}
	for _, a := range acks {
		byCase[a.caseID] = append(byCase[a.caseID], a)
	}
	for id, as := range byCase {
		h, err := s.History(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range as {
			i := int(a.version) - 1
			if i < 0 || i >= len(h) || h[i].Seq != int(a.version) || h[i].Event != a.event || h[i].ActorID != a.actor {
				lost++
			}
		}
		if len(h) > len(as) {
			phantom += len(h) - len(as)
		}
	}
	n, err := s.CountCases(ctx, procedure.CaseQuery{})
	if err != nil {
		b.Fatal(err)
	}
	if n != len(byCase) {
		phantom += n - len(byCase)
	}
	return lost, phantom
}
