package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestHostileText: what the server passes a store without the engine (a
// person looked up, a unit filtered on, a username recorded) is checked
// first, so that SQLite and PostgreSQL are asked the same and answer
// alike: a person no one could be is not found, a unit no one could belong
// to is refused naming the filter, and a refused username is recorded
// without its control characters.
func TestHostileText(t *testing.T) {
	e := newEnv(t)
	jefe := e.signIn(proceduretest.Jefe)
	for _, id := range []string{"ana\x00", "ana quispe", "caf\xe9", strings.Repeat("a", 5000)} {
		if ans := jefe.call("GET", "/people/"+url.PathEscape(id), nil); ans.status != http.StatusNotFound {
			t.Errorf("person %.20q: %d %s", id, ans.status, ans.body)
		}
	}
	for _, unit := range []string{"Unidad\x00", "Unidad\r\nX", strings.Repeat("u", procedure.MaxNameLen+1)} {
		ans := jefe.call("GET", "/people?role=solicitante&unit="+url.QueryEscape(unit), nil)
		if ans.status != http.StatusBadRequest || !strings.Contains(ans.err(t).Error.Message, "la unidad") {
			t.Errorf("people of unit %.20q: %d %s", unit, ans.status, ans.body)
		}
	}
	for _, username := range []string{"ana\x00", "ana\r\nadmin", "ana quispe"} {
		if ans := e.call("POST", "/session", "", signInBody(username, password(proceduretest.Solicitante))); ans.status != http.StatusUnauthorized {
			t.Errorf("sign-in as %q: %d %s", username, ans.status, ans.body)
		}
	}
	evs := e.authEvents(procedure.AuthQuery{Kind: procedure.AuthFailure})
	if len(evs) != 3 {
		t.Fatalf("%d refusals recorded, want 3: %+v", len(evs), evs)
	}
	for _, ev := range evs {
		if strings.ContainsFunc(ev.Username, func(r rune) bool { return r < 0x20 }) || ev.Reason != "invalid-credentials" {
			t.Errorf("refusal recorded as %+v", ev)
		}
	}
}
