package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/server"
)

// TestBadBodies sends malformed, unknown, trailing, oversized and wrongly
// typed bodies to every route that takes one: each is a clear JSON error
// and nothing is stored.
func TestBadBodies(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.MaxBodyBytes, c.MaxFileBodyBytes = 8<<10, 1 })
	cs := e.inProgress(proceduretest.UnitDesarrollo, "Portal")
	ana := e.signIn(proceduretest.Solicitante)
	fabio := e.signIn(proceduretest.Profesional)
	jefe := e.signIn(proceduretest.Jefe)
	huge := []byte(`{"inputs":{"report":"` + strings.Repeat("a", 9<<10) + `"}}`)
	const js = "application/json"
	bodies := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		code        string
	}{
		{"malformed", js, []byte(`{"inputs":`), 400, "invalid_input"},
		{"not JSON", js, []byte(`inputs=1`), 400, "invalid_input"},
		{"unknown field", js, []byte(`{"inputs":{},"extra":1}`), 400, "invalid_input"},
		{"trailing object", js, []byte(`{"inputs":{}}{"inputs":{}}`), 400, "invalid_input"},
		{"trailing text", js, []byte(`{"inputs":{}} x`), 400, "invalid_input"},
		{"array", js, []byte(`[{"inputs":{}}]`), 400, "invalid_input"},
		{"null", js, []byte(`null`), 400, "invalid_input"},
		{"wrong type", js, []byte(`{"inputs":{"report":1}}`), 400, "invalid_input"},
		{"empty", js, []byte(``), 400, "invalid_input"},
		{"oversized", js, huge, 413, "too_large"},
		{"text/plain", "text/plain", []byte(`{"inputs":{}}`), 415, "unsupported_media_type"},
		{"no content type", "", []byte(`{"inputs":{}}`), 415, "unsupported_media_type"},
		{"latin-1", "application/json; charset=iso-8859-1", []byte(`{"inputs":{}}`), 415, "unsupported_media_type"},
		{"form", "application/x-www-form-urlencoded", []byte(`inputs=1`), 415, "unsupported_media_type"},
	}
	targets := []struct {
		method, path string
		c            *client
	}{
		{"POST", "/cases", ana},
		{"POST", "/cases/" + cs.ID + "/events/conclude", fabio},
		{"POST", "/cases/" + cs.ID + "/events/observe", fabio},
		{"POST", "/session", nil},
	}
	before := e.snapshot(cs.ID)
	for _, tg := range targets {
		for _, b := range bodies {
			token := ""
			if tg.c != nil {
				token = tg.c.token
			}
			ans := e.raw(tg.method, tg.path, token, b.contentType, b.body)
			if ans.status != b.status {
				t.Errorf("%s %s with %s body: %d %s, want %d", tg.method, tg.path, b.name, ans.status, ans.body, b.status)
				continue
			}
			if got := ans.err(t).Error.Code; got != b.code {
				t.Errorf("%s %s with %s body: code %q, want %q", tg.method, tg.path, b.name, got, b.code)
			}
		}
	}
	if ans := e.raw("POST", "/cases", ana.token, "application/json", []byte(`{"inputs":{},"extra":1}`)); !slices.Contains(ans.err(t).Error.Problems, "campo desconocido: extra") {
		t.Errorf("an unknown field is not named: %s", ans.body)
	}
	// The POSTs that take no body accept none or {}, and nothing else.
	for _, b := range []struct {
		ct, body string
		status   int
	}{{"", "", 200}, {"application/json", "{}", 200}, {"application/json", `{"x":1}`, 400}, {"text/plain", "{}", 415}, {"application/json", "[]", 400}} {
		var body []byte
		if b.body != "" {
			body = []byte(b.body)
		}
		if ans := e.raw("POST", "/cases/"+cs.ID+"/secrets", fabio.token, b.ct, body); ans.status != b.status {
			t.Errorf("POST secrets with %q %q: %d %s", b.ct, b.body, ans.status, ans.body)
		}
	}
	after := e.snapshot(cs.ID)
	after.version -= 2 // the two reveals above are the only changes
	after.history -= 2
	if after != before {
		t.Errorf("refused requests changed the store: %+v, then %+v", before, after)
	}

	// Bad query parameters.
	for _, p := range []string{"/cases?limit=-1", "/cases?limit=x", "/cases?offset=-3", "/cases?open=quizas", "/inbox?limit=1e3",
		"/cases/" + cs.ID + "/documents/" + manual.TopicNotaRemision + "?version=uno",
		"/people", "/people?role=rey"} {
		if ans := ana.call("GET", p, nil); ans.status != 400 || ans.err(t).Error.Code != "invalid_input" {
			t.Errorf("GET %s: %d %s", p, ans.status, ans.body)
		}
	}
	for _, p := range []string{"/outbox?kind=fax", "/outbox?status=perdido", "/outbox?newest=2"} {
		if ans := jefe.call("GET", p, nil); ans.status != 400 {
			t.Errorf("GET %s: %d %s", p, ans.status, ans.body)
		}
	}
	// Unknown addresses and methods are JSON too.
	if ans := ana.call("GET", "/nada", nil); ans.status != 404 || ans.err(t).Error.Code != "not_found" {
		t.Errorf("GET /nada: %d %s", ans.status, ans.body)
	}
	if ans := e.raw("GET", "/../../etc/passwd", "", "", nil); ans.status != 404 && ans.status != 301 {
		t.Errorf("GET outside the API: %d", ans.status)
	}
	ans := ana.call("PUT", "/cases", nil)
	if ans.status != 405 || ans.err(t).Error.Code != "method_not_allowed" || !strings.Contains(strings.Join(ans.header.Values("Allow"), ","), "POST") {
		t.Errorf("PUT /cases: %d %v %s", ans.status, ans.header, ans.body)
	}
	// A conflict: an old version.
	if ans := fabio.call("POST", "/cases/"+cs.ID+"/events/observe", map[string]any{"inputs": map[string]string{"observations": "x"}, "version": 1}); ans.status != 409 || ans.err(t).Error.Code != "conflict" {
		t.Errorf("an old version: %d %s", ans.status, ans.body)
	}
	// Invalid inputs list every problem.
	ans = fabio.call("POST", "/cases/"+cs.ID+"/events/conclude", map[string]any{"inputs": map[string]string{"monitored_ports": "x"}})
	if ans.status != 400 || len(ans.err(t).Error.Problems) < 3 {
		t.Errorf("conclude without its checklist: %d %s", ans.status, ans.body)
	}
}

func sha(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// TestSessionEnds: a session ends when idle, at its absolute expiry, on
// sign-out, and a forged token is nobody's; none of them panics or reaches
// the store's cases.
func TestSessionEnds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ana := e.signIn(proceduretest.Solicitante)

	// Active: LastSeen moves at most once a minute.
	s0, err := e.store.Session(ctx, sha(ana.token))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(30 * time.Second)
	ana.json("GET", "/session", nil, 200, nil)
	if s, _ := e.store.Session(ctx, sha(ana.token)); !s.LastSeen.Equal(s0.LastSeen) {
		t.Errorf("a request 30 s later touched the session")
	}
	e.clock.Add(40 * time.Second)
	ana.json("GET", "/session", nil, 200, nil)
	if s, _ := e.store.Session(ctx, sha(ana.token)); !s.LastSeen.Equal(e.clock.Now()) {
		t.Errorf("a request 70 s later left LastSeen at %v", s.LastSeen)
	}

	// Idle for longer than 30 minutes: ended, and deleted.
	e.clock.Add(30*time.Minute + time.Second)
	ans := ana.call("GET", "/inbox", nil)
	if ans.status != 401 || ans.err(t).Error.Code != "unauthenticated" {
		t.Fatalf("an idle session: %d %s", ans.status, ans.body)
	}
	if _, err := e.store.Session(ctx, sha(ana.token)); procedure.ErrorCode(err) != procedure.ENOTFOUND {
		t.Errorf("the idle session is still stored: %v", err)
	}

	// Active every 20 minutes, it still ends 12 hours after sign-in.
	ana = e.signIn(proceduretest.Solicitante)
	start := e.clock.Now()
	for e.clock.Now().Sub(start) < 12*time.Hour-20*time.Minute {
		e.clock.Add(20 * time.Minute)
		if ans := ana.call("GET", "/session", nil); ans.status != 200 {
			t.Fatalf("an active session ended after %v: %d", e.clock.Now().Sub(start), ans.status)
		}
	}
	e.clock.Add(20 * time.Minute)
	if ans := ana.call("GET", "/session", nil); ans.status != 401 {
		t.Errorf("a session 12 h old: %d", ans.status)
	}

	// Forged, malformed and signed-out tokens.
	ana = e.signIn(proceduretest.Solicitante)
	cs := e.inProgress(proceduretest.UnitDesarrollo, "Portal")
	before := e.snapshot(cs.ID)
	forged := strings.Repeat("A", 43)
	out := e.signIn(proceduretest.Solicitante)
	out.json("DELETE", "/session", nil, 204, nil)
	for name, header := range map[string]string{
		"forged":      "Bearer " + forged,
		"hash":        "Bearer " + sha(ana.token),
		"signed out":  "Bearer " + out.token,
		"basic":       "Basic " + ana.token,
		"empty":       "Bearer ",
		"no scheme":   ana.token,
		"overlong":    "Bearer " + strings.Repeat("A", 4096),
		"two tokens":  "Bearer " + ana.token + " " + ana.token,
		"lower token": "Bearer " + strings.ToLower(ana.token),
	} {
		for _, r := range []struct{ method, path, body string }{
			{"GET", "/cases/" + cs.ID, ""},
			{"POST", "/cases/" + cs.ID + "/events/complete", `{"inputs":{"answer":"x"}}`},
			{"POST", "/cases", `{"procedure":"UIT/ASS-PR02","inputs":{}}`},
			{"DELETE", "/session", ""},
		} {
			req, _ := http.NewRequest(r.method, e.url+r.path, strings.NewReader(r.body))
			req.Header.Set("Authorization", header)
			req.Header.Set("Content-Type", "application/json")
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("%s token on %s %s: %d", name, r.method, r.path, resp.StatusCode)
			}
		}
	}
	if after := e.snapshot(cs.ID); after != before {
		t.Errorf("requests without a valid session changed the store: %+v, then %+v", before, after)
	}
	ana.json("GET", "/session", nil, 200, nil) // the real one still works
}

// panicky is an Authenticator that panics.
type panicky struct{}

func (panicky) Authenticate(context.Context, string, string) (procedure.Actor, error) {
	panic("el autenticador falló con un dato interno 0xdeadbeef")
}

// TestPanicIsJSON: a panic in a handler answers 500 in JSON without its
// detail, logs it, and the server goes on.
func TestPanicIsJSON(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.Auth = []server.Authenticator{panicky{}} })
	ans := e.call("POST", "/session", "", map[string]string{"username": "ana", "password": "x"})
	if ans.status != 500 || ans.err(t).Error.Code != "internal" || strings.Contains(string(ans.body), "0xdeadbeef") {
		t.Fatalf("a panic answered %d %s", ans.status, ans.body)
	}
	if !strings.Contains(e.logs.String(), "0xdeadbeef") {
		t.Errorf("the panic was not logged")
	}
	if ans := e.raw("GET", "/openapi.json", "", "", nil); ans.status != 200 {
		t.Errorf("after a panic: %d", ans.status)
	}
}
