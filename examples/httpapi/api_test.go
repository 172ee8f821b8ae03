package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

type client struct {
	t   *testing.T
	srv *httptest.Server
}

func (c client) do(token, method, path string, body any) (int, map[string]any, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, raw
}

func newTestServer(t *testing.T) (client, procedure.Store) {
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	return serve(t, e), store
}

func serve(t *testing.T, e *procedure.Engine) client {
	srv := httptest.NewServer(newHandler(e, demoTokens()))
	t.Cleanup(srv.Close)
	return client{t, srv}
}

// TestOnSQLite serves a SQLite database: what one server started survives
// into the next.
func TestOnSQLite(t *testing.T) {
	dir := t.TempDir()
	target, key := filepath.Join(dir, "tramite.db"), filepath.Join(dir, "tramite.key")
	e, closeDB, err := newEngine(context.Background(), target, key, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c := serve(t, e)
	status, body, raw := c.do("token-ana", "POST", "/cases", map[string]any{"procedure": procedure.CodePR01, "inputs": proceduretest.PR01Request("Persistente", "canary-sqlite")})
	if status != http.StatusCreated {
		t.Fatalf("start: %d %s", status, raw)
	}
	if err := closeDB(); err != nil {
		t.Fatal(err)
	}
	e2, closeDB2, err := newEngine(context.Background(), target, key, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB2()
	status, body2, raw := serve(t, e2).do("token-carla", "GET", "/cases/"+body["id"].(string), nil)
	if status != http.StatusOK || body2["system"] != "Persistente" {
		t.Fatalf("after a restart: %d %s", status, raw)
	}
}

func TestWholeCaseOverHTTP(t *testing.T) {
	c, store := newTestServer(t)
	status, body, raw := c.do("token-ana", "POST", "/cases", map[string]any{"procedure": procedure.CodePR01, "inputs": proceduretest.PR01Request("Sistema HTTP", "canary-http")})
	if status != http.StatusCreated {
		t.Fatalf("start: %d %s", status, raw)
	}
	if bytes.Contains(raw, []byte("canary-http")) {
		t.Fatal("the response holds the secret")
	}
	id := body["id"].(string)
	steps := []struct {
		token, event string
		inputs       procedure.Inputs
	}{
		{"token-carla", "forward", nil},
		{"token-elena", "instruct", procedure.Inputs{"profesional": "fabio"}},
		{"token-fabio", "start", nil},
		{"token-fabio", "conclude", proceduretest.Checklist("")},
		{"token-elena", "approve_report", nil},
		{"token-carla", "issue_memo", procedure.Inputs{"memo": "Concluido."}},
		{"token-ana", "acknowledge", nil},
	}
	for _, s := range steps {
		status, body, raw = c.do(s.token, "POST", "/cases/"+id+"/events/"+s.event, map[string]any{"inputs": s.inputs})
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", s.event, status, raw)
		}
	}
	if body["state"] != "closed" {
		t.Fatalf("final state %v", body["state"])
	}
	status, _, raw = c.do("token-fabio", "GET", "/cases/"+id+"/history", nil)
	var h []procedure.Entry
	if err := json.Unmarshal(raw, &h); status != http.StatusOK || err != nil || len(h) != 8 {
		t.Fatalf("history: %d %v %d entries", status, err, len(h))
	}
	if err := procedure.VerifyChain(h); err != nil {
		t.Fatalf("history served over HTTP does not verify: %v", err)
	}
	// Documents: store one as the report processor would, and fetch it.
	if _, err := store.PutDocument(context.Background(), procedure.Document{CaseID: id, Topic: "hoja-de-ruta", Content: []byte("%PDF-1.4 demo")}); err != nil {
		t.Fatal(err)
	}
	status, _, raw = c.do("token-ana", "GET", "/cases/"+id+"/documents", nil)
	if status != http.StatusOK || !bytes.Contains(raw, []byte(`"topic":"hoja-de-ruta"`)) {
		t.Fatalf("documents: %d %s", status, raw)
	}
	status, _, raw = c.do("token-ana", "GET", "/cases/"+id+"/documents/hoja-de-ruta", nil)
	if status != http.StatusOK || string(raw) != "%PDF-1.4 demo" {
		t.Fatalf("document: %d %q", status, raw)
	}
}

func TestErrorsMapToStatus(t *testing.T) {
	c, _ := newTestServer(t)
	_, body, _ := c.do("token-ana", "POST", "/cases", map[string]any{"procedure": procedure.CodePR02, "inputs": proceduretest.PR02Request("Portal")})
	id := body["id"].(string)
	tests := []struct {
		name, token, method, path string
		body                      any
		status                    int
		code                      string
	}{
		{"no token", "", "GET", "/inbox", nil, 401, "unauthorized"},
		{"unknown token", "nope", "GET", "/inbox", nil, 401, "unauthorized"},
		{"wrong role", "token-elena", "POST", "/cases/" + id + "/events/forward", map[string]any{}, 403, "forbidden"},
		{"unknown case", "token-carla", "GET", "/cases/PR02-2026-0999", nil, 404, "not_found"},
		{"invalid transition", "token-elena", "POST", "/cases/" + id + "/events/approve_report", map[string]any{}, 422, "invalid_transition"},
		{"missing inputs", "token-ana", "POST", "/cases", map[string]any{"procedure": procedure.CodePR02, "inputs": map[string]string{"unit": proceduretest.UnitDesarrollo}}, 400, "invalid_input"},
		{"bad json", "token-ana", "POST", "/cases", "{", 400, "invalid_input"},
		{"unknown field", "token-ana", "POST", "/cases", map[string]any{"procedur": "x"}, 400, "invalid_input"},
		{"stale version", "token-carla", "POST", "/cases/" + id + "/events/forward", map[string]any{"version": 99}, 409, "conflict"},
		{"missing document", "token-ana", "GET", "/cases/" + id + "/documents/informe-conclusion", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, raw := c.do(tt.token, tt.method, tt.path, tt.body)
			if status != tt.status || body["code"] != tt.code || body["message"] == "" {
				t.Fatalf("got %d %s, want %d %s", status, raw, tt.status, tt.code)
			}
		})
	}
}

func TestInboxAndActions(t *testing.T) {
	c, _ := newTestServer(t)
	for i := 0; i < 3; i++ {
		c.do("token-ana", "POST", "/cases", map[string]any{"procedure": procedure.CodePR02, "inputs": proceduretest.PR02Request("Portal")})
	}
	_, _, raw := c.do("token-carla", "GET", "/inbox?limit=2", nil)
	var cs []procedure.Case
	if err := json.Unmarshal(raw, &cs); err != nil || len(cs) != 2 {
		t.Fatalf("jefe's inbox page: %v %s", err, raw)
	}
	_, _, raw = c.do("token-bruno", "GET", "/inbox", nil)
	if string(bytes.TrimSpace(raw)) != "[]" {
		t.Fatalf("another unit's inbox: %s", raw)
	}
	_, body, _ := c.do("token-carla", "GET", "/cases/"+cs[0].ID, nil)
	if acts, _ := json.Marshal(body["actions"]); string(acts) != `["forward","reject"]` {
		t.Fatalf("jefe's actions %s", acts)
	}
	_, body, _ = c.do("token-fabio", "GET", "/cases/"+cs[0].ID, nil)
	if acts, _ := json.Marshal(body["actions"]); string(acts) != `[]` {
		t.Fatalf("profesional's actions %s", acts)
	}
}
