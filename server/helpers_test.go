package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/server"
	"github.com/tramite/tramite/storage/sqlite"
)

// clock is a clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// logBuffer collects a server's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// password is a demo actor's password in the tests.
func password(a procedure.Actor) string { return "clave secreta de " + a.ID }

// env is a server on a real SQLite store, with the demo actors signed up,
// the real engine and an httptest.Server.
type env struct {
	t      testing.TB
	store  *sqlite.Store
	path   string // the SQLite file
	engine *procedure.Engine
	clock  *clock
	srv    *server.Server
	ts     *httptest.Server
	logs   *logBuffer
	url    string // ts.URL + BasePath
}

func newEnv(t testing.TB, configure ...func(*server.Config)) *env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tramite.db")
	store, err := sqlite.Open(ctx, path,
		sqlite.WithWatchInterval(10*time.Millisecond), sqlite.WithSynchronous("NORMAL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for _, a := range proceduretest.Actors() {
		if err := store.SaveActor(ctx, a); err != nil {
			t.Fatal(err)
		}
		h, err := bcrypt.GenerateFromPassword([]byte(password(a)), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.SetPasswordHash(ctx, a.ID, h); err != nil {
			t.Fatal(err)
		}
	}
	sealer, err := procedure.NewAESSealer(proceduretest.Key)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(store), procedure.WithClock(proceduretest.NewClock()),
		procedure.WithSealer(sealer))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: store, path: path, engine: engine, clock: newClock(), logs: &logBuffer{}}
	local := server.LocalAccounts(store)
	server.SetDummyCost(local, bcrypt.MinCost)
	cfg := server.Config{Engine: engine, Store: store, People: store, Sessions: store, Feed: store, Clock: e.clock,
		Auth:   []server.Authenticator{local},
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, c := range configure {
		c(&cfg)
	}
	if e.srv, err = server.New(cfg); err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	t.Cleanup(func() { e.srv.Close() }) // before ts.Close: streams end first
	e.url = e.ts.URL + server.BasePath
	return e
}

// answer is an HTTP answer read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// apiError is the JSON of an error answer.
type apiError struct {
	Error struct {
		Code     string   `json:"code"`
		Message  string   `json:"message"`
		Problems []string `json:"problems"`
	} `json:"error"`
}

func (a answer) err(t testing.TB) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(a.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("answer %d is not a JSON error: %q", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error answered as %q", ct)
	}
	return e
}

// raw sends a request with a body as it is (nil: none) and content type.
func (e *env) raw(method, path, token, contentType string, body []byte) answer {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		e.t.Fatalf("%s %s: security headers missing: %v", method, path, resp.Header)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// call sends v as a JSON body (nil: no body).
func (e *env) call(method, path, token string, v any) answer {
	e.t.Helper()
	if v == nil {
		return e.raw(method, path, token, "", nil)
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.raw(method, path, token, "application/json", b)
}

// client is a signed-in person.
type client struct {
	e     *env
	token string
	actor procedure.Actor
}

// sessionAnswer is the body of POST and GET /session.
type sessionAnswer struct {
	Token        string          `json:"token"`
	ExpiresAt    time.Time       `json:"expires_at"`
	Actor        procedure.Actor `json:"actor"`
	CanStart     []string        `json:"can_start"`
	CanSeeOutbox bool            `json:"can_see_outbox"`
}

func (e *env) signIn(a procedure.Actor) *client {
	e.t.Helper()
	ans := e.call("POST", "/session", "", map[string]string{"username": a.ID, "password": password(a)})
	if ans.status != http.StatusCreated {
		e.t.Fatalf("sign-in of %s: %d %s", a.ID, ans.status, ans.body)
	}
	var s sessionAnswer
	if err := json.Unmarshal(ans.body, &s); err != nil || s.Token == "" {
		e.t.Fatalf("sign-in answer %s: %v", ans.body, err)
	}
	return &client{e: e, token: s.Token, actor: s.Actor}
}

func (c *client) call(method, path string, v any) answer {
	c.e.t.Helper()
	return c.e.call(method, path, c.token, v)
}

// json sends v, wants status and decodes the answer into out (if not nil).
func (c *client) json(method, path string, v any, status int, out any) {
	c.e.t.Helper()
	ans := c.call(method, path, v)
	if ans.status != status {
		c.e.t.Fatalf("%s %s as %s: %d %s, want %d", method, path, c.actor.ID, ans.status, ans.body, status)
	}
	if out != nil {
		if err := json.Unmarshal(ans.body, out); err != nil {
			c.e.t.Fatalf("%s %s: %v in %s", method, path, err, ans.body)
		}
	}
}

// caseList is the body of GET /cases and GET /inbox.
type caseList struct {
	Cases []procedure.Case `json:"cases"`
	Total int              `json:"total"`
}

// outboxList is the body of GET /outbox.
type outboxList struct {
	Items []procedure.OutboxItem `json:"items"`
	Total int                    `json:"total"`
}

// caseView is the body of GET /cases/{id}.
type caseView struct {
	Case       procedure.Case       `json:"case"`
	Available  []procedure.EventDef `json:"available"`
	HasSecrets bool                 `json:"has_secrets"`
}

// fire fires an event with the engine directly (fixtures, not the API).
func (e *env) fire(c procedure.Case, a procedure.Actor, ev procedure.EventName, in procedure.Inputs) procedure.Case {
	e.t.Helper()
	c, err := e.engine.Fire(context.Background(), procedure.FireRequest{CaseID: c.ID, Event: ev, Actor: a, Inputs: in})
	if err != nil {
		e.t.Fatalf("%s by %s: %v", ev, a.ID, err)
	}
	return c
}

// requester returns the demo requester of a unit.
func requester(unit string) procedure.Actor {
	if unit == proceduretest.UnitGobierno {
		return proceduretest.Solicitante2
	}
	return proceduretest.Solicitante
}

// inProgress starts a PR01 case of unit and takes it to in_progress with
// the demo profesional assigned.
func (e *env) inProgress(unit, system string) procedure.Case {
	e.t.Helper()
	in := proceduretest.PR01Request(system, "s3cr3t-"+system)
	in["unit"] = unit
	c, err := e.engine.Start(context.Background(), procedure.StartRequest{Procedure: manual.CodePR01, Actor: requester(unit), Inputs: in})
	if err != nil {
		e.t.Fatal(err)
	}
	c = e.fire(c, proceduretest.Jefe, manual.EventForward, nil)
	c = e.fire(c, proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": proceduretest.Profesional.ID})
	return e.fire(c, proceduretest.Profesional, manual.EventStart, nil)
}

// closed takes a case in progress to closed.
func (e *env) closed(c procedure.Case) procedure.Case {
	e.t.Helper()
	c = e.fire(c, proceduretest.Profesional, manual.EventConclude, proceduretest.Checklist(""))
	c = e.fire(c, proceduretest.Responsable, manual.EventApproveReport, nil)
	c = e.fire(c, proceduretest.Jefe, manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la conclusión."})
	return e.fire(c, requester(c.Unit), manual.EventAcknowledge, nil)
}

// render runs a report.Processor over the outbox until no document is due.
func (e *env) render() {
	e.t.Helper()
	later := procedure.ClockFunc(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) })
	p, err := report.NewProcessor(e.store, e.engine, report.ProcessorConfig{Clock: later, Directory: e.store})
	if err != nil {
		e.t.Fatal(err)
	}
	rs, err := p.Drain(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rs {
		if r.Err != nil {
			e.t.Fatalf("rendering %s: %v", r.Item.ID, r.Err)
		}
	}
}

// snapshot is what a refused request must leave as it was.
type snapshot struct {
	cases   int
	version int64
	history int
}

func (e *env) snapshot(id string) snapshot {
	e.t.Helper()
	ctx := context.Background()
	n, err := e.store.CountCases(ctx, procedure.CaseQuery{})
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.store.Case(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := e.store.History(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return snapshot{cases: n, version: c.Version, history: len(h)}
}
