package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/server"
)

// viewer is how an actor stands to a case: a requester of the case's unit
// or of another, or one of the UIT's roles.
type viewer int

const (
	reqOwn       viewer = iota // solicitante of the case's unit
	reqOther                   // solicitante of another unit
	jefe                       // Jefe de la UIT (and a.i.)
	responsable                // Responsable de Servidores y Servicios
	profAssigned               // the profesional assigned in step 3
	profOther                  // another profesional
	admin                      // administrador
)

var viewerNames = [...]string{"solicitante de la unidad", "solicitante de otra unidad", "jefe", "responsable",
	"profesional asignado", "otro profesional", "administrador"}

func viewerOf(a procedure.Actor, unit string) viewer {
	switch {
	case a.ID == proceduretest.Profesional.ID:
		return profAssigned
	case a.ID == proceduretest.Profesional2.ID:
		return profOther
	}
	if _, ok := a.Holds(manual.RoleSolicitante); ok {
		if a.Unit == unit {
			return reqOwn
		}
		return reqOther
	}
	if _, ok := a.Holds(manual.RoleJefeUIT); ok {
		return jefe
	}
	if _, ok := a.Holds(manual.RoleResponsableSS); ok {
		return responsable
	}
	return admin
}

// all gives every viewer the same status.
func all(status int) [7]int { return [7]int{status, status, status, status, status, status, status} }

// seen: the case's readers get status, a requester of another unit 404.
func seen(status int) [7]int {
	w := all(status)
	w[reqOther] = http.StatusNotFound
	return w
}

// TestAuthorizationMatrix asks every endpoint as every demo actor, about a
// case of their unit and one of another, open and closed; then checks that
// no listing shows a requester anything of another unit, and that every
// endpoint wants a session.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	units := []string{proceduretest.UnitDesarrollo, proceduretest.UnitGobierno}
	open := map[string]procedure.Case{}
	closed := map[string]procedure.Case{}
	for _, u := range units {
		open[u] = e.inProgress(u, "Sistema abierto de "+u)
		closed[u] = e.closed(e.inProgress(u, "Sistema cerrado de "+u))
	}
	e.render()
	emails, err := e.store.Outbox(ctx, procedure.OutboxQuery{CaseID: open[units[0]].ID, Kind: procedure.EffectEmail})
	if err != nil || len(emails) == 0 {
		t.Fatalf("the fixture queued no email: %v", err)
	}
	pendingItem := url.PathEscape(emails[0].ID)

	const (
		F = http.StatusForbidden
		N = http.StatusNotFound
		U = http.StatusUnprocessableEntity
	)
	// The one table: for a case-scoped row, the status each viewer gets;
	// for the others, viewers stand to the Unidad de Desarrollo (the unit
	// POST /cases asks for).
	rows := []struct {
		method, path string
		body         any
		on           string // "open" or "closed": the case {id} names; "": no case
		want         [7]int
	}{
		{"GET", "/session", nil, "", all(200)},
		{"GET", "/procedures", nil, "", all(200)},
		{"GET", "/units", nil, "", all(200)},
		{"GET", "/people?role=profesional_ss", nil, "", all(200)},
		{"GET", "/people/fabio", nil, "", all(200)},
		{"GET", "/inbox", nil, "", all(200)},
		{"GET", "/cases", nil, "", all(200)},
		{"GET", "/cases?unit=" + url.QueryEscape(proceduretest.UnitDesarrollo), nil, "", all(200)},
		{"POST", "/cases", map[string]any{"procedure": manual.CodePR02, "inputs": proceduretest.PR02Request("Nuevo")}, "",
			[7]int{201, F, F, F, F, F, F}},
		{"GET", "/outbox", nil, "", [7]int{F, F, 200, F, F, F, 200}},
		{"POST", "/outbox/" + pendingItem + "/retry", nil, "", [7]int{F, F, U, F, F, F, U}},
		{"GET", "/events", nil, "", all(200)},
		{"GET", "/dashboard", nil, "", [7]int{F, F, 200, 200, F, F, F}},
		{"GET", "/export/tablero/csv", nil, "", [7]int{F, F, 200, 200, F, F, F}},
		{"GET", "/export/tramites/xlsx", nil, "", [7]int{F, F, 200, 200, F, F, F}},
		{"GET", "/export/eventos/xes", nil, "", [7]int{F, F, 200, 200, F, F, F}},

		{"GET", "/cases/{id}", nil, "open", seen(200)},
		{"GET", "/cases/{id}/history", nil, "open", seen(200)},
		{"GET", "/cases/{id}/verify", nil, "open", seen(200)},
		{"GET", "/cases/{id}/documents", nil, "open", seen(200)},
		{"GET", "/cases/{id}/documents/" + manual.TopicNotaRemision, nil, "open", seen(200)},
		{"GET", "/cases/{id}/documents/" + manual.TopicNotaRemision + "?version=1", nil, "open", seen(200)},
		{"GET", "/cases/{id}/documents/" + manual.TopicNotaInterna, nil, "open", seen(N)},
		{"GET", "/cases/{id}/emails", nil, "open", seen(200)},
		// conclude without its checklist: the assigned profesional is told
		// what is missing; everyone else may not conclude at all.
		{"POST", "/cases/{id}/events/conclude", map[string]any{"inputs": map[string]string{}}, "open", [7]int{F, N, F, F, 400, F, F}},
		{"POST", "/cases/{id}/events/acknowledge", map[string]any{}, "open", [7]int{U, N, F, F, F, F, F}},
		{"POST", "/cases/{id}/secrets", nil, "open", [7]int{F, N, F, F, 200, F, F}},
		{"DELETE", "/cases/{id}/secrets", nil, "open", seen(U)},

		{"GET", "/cases/{id}", nil, "closed", seen(200)},
		{"GET", "/cases/{id}/documents/" + manual.TopicHojaDeRuta, nil, "closed", seen(200)},
		{"GET", "/cases/{id}/documents/" + manual.TopicInformeConclusion + "?version=3", nil, "closed", seen(200)},
		{"GET", "/cases/{id}/emails", nil, "closed", seen(200)},
		{"POST", "/cases/{id}/secrets", map[string]any{}, "closed", [7]int{F, N, F, F, 200, F, F}},
		{"DELETE", "/cases/{id}/secrets", nil, "closed", [7]int{F, N, 204, F, 204, F, F}},
	}
	clients := map[string]*client{}
	for _, a := range proceduretest.Actors() {
		clients[a.ID] = e.signIn(a)
	}
	for _, row := range rows {
		for _, a := range proceduretest.Actors() {
			c := clients[a.ID]
			if row.on == "" {
				v := viewerOf(a, proceduretest.UnitDesarrollo)
				if got := matrixCall(t, c, row.method, row.path, row.body); got != row.want[v] {
					t.Errorf("%s %s as %s (%s): %d, want %d", row.method, row.path, a.ID, viewerNames[v], got, row.want[v])
				}
				continue
			}
			for _, u := range units {
				cs := open[u]
				if row.on == "closed" {
					cs = closed[u]
				}
				v := viewerOf(a, u)
				path := strings.ReplaceAll(row.path, "{id}", cs.ID)
				if got := matrixCall(t, c, row.method, path, row.body); got != row.want[v] {
					t.Errorf("%s %s as %s (%s): %d, want %d", row.method, path, a.ID, viewerNames[v], got, row.want[v])
				}
			}
		}
	}

	// DELETE /session, last: each person signs out of a second session.
	for _, a := range proceduretest.Actors() {
		other := e.signIn(a)
		if got := other.call("DELETE", "/session", nil).status; got != http.StatusNoContent {
			t.Errorf("DELETE /session as %s: %d", a.ID, got)
		}
		if got := clients[a.ID].call("GET", "/session", nil).status; got != http.StatusOK {
			t.Errorf("signing out of one session ended another of %s: %d", a.ID, got)
		}
	}

	// No listing shows a requester anything of another unit.
	for _, a := range []procedure.Actor{proceduretest.Solicitante, proceduretest.Solicitante2} {
		c := clients[a.ID]
		own, err := e.store.CountCases(ctx, procedure.CaseQuery{Unit: a.Unit})
		if err != nil {
			t.Fatal(err)
		}
		otherUnit := units[0]
		if otherUnit == a.Unit {
			otherUnit = units[1]
		}
		for _, path := range []string{"/cases", "/cases?limit=500", "/cases?open=true", "/cases?procedure=" + url.QueryEscape(manual.CodePR01),
			"/inbox", "/inbox?open=true&unit=" + url.QueryEscape(otherUnit), "/cases?text=Sistema", "/cases?text=" + url.QueryEscape(otherUnit)} {
			var l caseList
			c.json("GET", path, nil, http.StatusOK, &l)
			for _, cs := range l.Cases {
				if cs.Unit != a.Unit {
					t.Errorf("%s as %s lists %s of %s", path, a.ID, cs.ID, cs.Unit)
				}
				if cs.Data != nil {
					t.Errorf("%s lists %s with its data", path, cs.ID)
				}
			}
			if l.Total > own || len(l.Cases) > l.Total {
				t.Errorf("%s as %s: %d listed, total %d, own unit has %d", path, a.ID, len(l.Cases), l.Total, own)
			}
		}
		var l caseList
		c.json("GET", "/cases", nil, http.StatusOK, &l)
		if l.Total != own || len(l.Cases) != own {
			t.Errorf("%s sees %d of the %d cases of their unit (total %d)", a.ID, len(l.Cases), own, l.Total)
		}
		c.json("GET", "/cases?unit="+url.QueryEscape(otherUnit), nil, http.StatusOK, &l)
		if l.Total != 0 || len(l.Cases) != 0 {
			t.Errorf("%s lists %d cases of %s", a.ID, l.Total, otherUnit)
		}
		for _, cs := range []procedure.Case{open[otherUnit], closed[otherUnit]} {
			for _, p := range []string{"/emails", "/documents", "/history"} {
				ans := c.call("GET", "/cases/"+cs.ID+p, nil)
				if ans.status != http.StatusNotFound || strings.Contains(string(ans.body), cs.System) {
					t.Errorf("%s of another unit's case as %s: %d %s", p, a.ID, ans.status, ans.body)
				}
			}
		}
	}

	// Every endpoint but the sign-in and this document wants a session.
	public := map[string]bool{}
	for _, r := range server.PublicRoutes() {
		public[r] = true
	}
	for _, r := range server.Routes() {
		if public[r] {
			continue
		}
		method, path, _ := strings.Cut(r, " ")
		path = strings.TrimPrefix(path, server.BasePath)
		path = strings.NewReplacer("{id}", open[units[0]].ID, "{topic}", manual.TopicNotaRemision, "{event}", "forward").Replace(path)
		for _, token := range []string{"", "forjado-" + strings.Repeat("x", 40)} {
			ans := e.raw(method, path, token, "application/json", []byte(`{}`))
			if ans.status != http.StatusUnauthorized || ans.err(t).Error.Code != "unauthenticated" || ans.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s without a valid session: %d %s", method, path, ans.status, ans.body)
			}
		}
	}
}

// matrixCall sends one request of the matrix and returns its status; an
// error answer must be JSON, an event stream must begin with retry.
func matrixCall(t *testing.T, c *client, method, path string, body any) int {
	t.Helper()
	if path == "/events" {
		req, _ := http.NewRequest(method, c.e.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := c.e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			line, err := bufio.NewReader(resp.Body).ReadString('\n')
			if err != nil || line != "retry: 2000\n" {
				t.Errorf("the stream began %q, %v", line, err)
			}
		}
		return resp.StatusCode
	}
	ans := c.call(method, path, body)
	switch {
	case ans.status >= 400:
		ans.err(t)
	case strings.Contains(path, "/documents/"):
		if ans.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(ans.body), "%PDF-") {
			t.Errorf("%s is not a PDF: %q", path, ans.header.Get("Content-Type"))
		}
	case strings.HasPrefix(path, "/export/"):
		if !strings.Contains(ans.header.Get("Content-Disposition"), "attachment") || len(ans.body) == 0 {
			t.Errorf("%s is not a file: %v", path, ans.header)
		}
	case ans.status != http.StatusNoContent:
		if !json.Valid(ans.body) {
			t.Errorf("%s %s answered %q", method, path, ans.body)
		}
	}
	return ans.status
}
