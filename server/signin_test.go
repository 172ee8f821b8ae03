package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/server"
	"github.com/tramite/tramite/server/ldapauth"
)

// The agency's directory plugs in as it is.
var _ server.Authenticator = (*ldapauth.Authenticator)(nil)

func (e *env) authEvents(q procedure.AuthQuery) []procedure.AuthEvent {
	e.t.Helper()
	evs, err := e.store.AuthEvents(context.Background(), q)
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func signInBody(username, pw string) map[string]string {
	return map[string]string{"username": username, "password": pw}
}

// TestSignIn: local accounts right and wrong, the audit record of each,
// what a session says, and sign-out.
func TestSignIn(t *testing.T) {
	e := newEnv(t)
	jefe := proceduretest.Jefe

	ans := e.call("POST", "/session", "", signInBody("  CARLA ", password(jefe)))
	if ans.status != 201 {
		t.Fatalf("sign-in: %d %s", ans.status, ans.body)
	}
	var s sessionAnswer
	if err := json.Unmarshal(ans.body, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Token) != 43 || s.Actor.ID != jefe.ID || !s.CanSeeOutbox || len(s.CanStart) != 0 ||
		!s.ExpiresAt.Equal(e.clock.Now().Add(server.DefaultMaxAge)) {
		t.Errorf("sign-in answered %+v", s)
	}
	var again sessionAnswer
	(&client{e: e, token: s.Token}).json("GET", "/session", nil, 200, &again)
	if again.Token != "" || again.Actor.ID != jefe.ID || !again.ExpiresAt.Equal(s.ExpiresAt) {
		t.Errorf("GET /session answered %+v", again)
	}
	var ana sessionAnswer
	e.call("POST", "/session", "", signInBody("ana", password(proceduretest.Solicitante)))
	if err := json.Unmarshal(e.call("POST", "/session", "", signInBody("ana", password(proceduretest.Solicitante))).body, &ana); err != nil {
		t.Fatal(err)
	}
	if ana.CanSeeOutbox || len(ana.CanStart) != 2 {
		t.Errorf("the requester may start %v, see the outbox %v", ana.CanStart, ana.CanSeeOutbox)
	}

	wrong := "contraseña-equivocada-123"
	for _, try := range []struct{ username, reason string }{
		{"carla", server.ReasonBadPassword},
		{"nadie", server.ReasonUnknownUser},
	} {
		ans := e.call("POST", "/session", "", signInBody(try.username, wrong))
		if ans.status != 401 || ans.err(t).Error.Message != "usuario o contraseña incorrectos" {
			t.Errorf("%s with a wrong password: %d %s", try.username, ans.status, ans.body)
		}
		evs := e.authEvents(procedure.AuthQuery{Kind: procedure.AuthFailure, Username: try.username})
		if len(evs) != 1 || evs[0].Reason != try.reason || evs[0].Address != "127.0.0.1" || evs[0].ActorID != "" {
			t.Errorf("refusal of %s recorded as %+v", try.username, evs)
		}
	}
	if ans := e.call("POST", "/session", "", signInBody("carla", "")); ans.status != 401 {
		t.Errorf("an empty password: %d", ans.status)
	}
	long := strings.Repeat("ñ", 1000)
	if ans := e.call("POST", "/session", "", signInBody(long, "x")); ans.status != 401 {
		t.Errorf("an overlong username: %d", ans.status)
	}
	if evs := e.authEvents(procedure.AuthQuery{Kind: procedure.AuthFailure, Limit: 1}); len(evs) != 1 || len(evs[0].Username) > 256 ||
		!strings.HasPrefix(long, evs[0].Username) || evs[0].Reason != "invalid-credentials" {
		t.Errorf("an overlong username recorded as %+v", evs)
	}
	// A person without a local password is refused alike.
	if err := e.store.SaveActor(context.Background(), procedure.Actor{ID: "sinclave", Name: "Sin Clave",
		Grants: []procedure.Grant{{Role: manual.RoleSolicitante}}}); err != nil {
		t.Fatal(err)
	}
	if ans := e.call("POST", "/session", "", signInBody("sinclave", wrong)); ans.status != 401 {
		t.Errorf("a person without a password: %d", ans.status)
	}

	ins := e.authEvents(procedure.AuthQuery{Kind: procedure.AuthSignIn})
	if len(ins) != 3 || ins[len(ins)-1].Username != "carla" || ins[len(ins)-1].ActorID != jefe.ID {
		t.Errorf("sign-ins recorded: %+v", ins)
	}

	// Sign-out ends the token at once, and is recorded.
	c := &client{e: e, token: s.Token, actor: jefe}
	c.json("DELETE", "/session", nil, 204, nil)
	if ans := c.call("GET", "/session", nil); ans.status != 401 {
		t.Errorf("after sign-out: %d", ans.status)
	}
	if outs := e.authEvents(procedure.AuthQuery{Kind: procedure.AuthSignOut}); len(outs) != 1 || outs[0].ActorID != jefe.ID {
		t.Errorf("sign-outs recorded: %+v", outs)
	}

	// No record and no log line holds a password or a token.
	secrets := []string{password(jefe), password(proceduretest.Solicitante), wrong, s.Token, ana.Token}
	logs := e.logs.String()
	for _, ev := range e.authEvents(procedure.AuthQuery{}) {
		text := fmt.Sprintf("%+v", ev)
		for _, sec := range secrets {
			if strings.Contains(text, sec) {
				t.Errorf("an auth event holds %q: %s", sec, text)
			}
		}
	}
	for _, sec := range secrets {
		if strings.Contains(logs, sec) {
			t.Errorf("the log holds %q", sec)
		}
	}
	if !strings.Contains(logs, `"msg":"sign-in"`) || !strings.Contains(logs, `"msg":"sign-in refused"`) {
		t.Errorf("sign-ins are not logged:\n%s", logs)
	}
}

// TestRolesApplyAtOnce: the actor is read on every request; a change of
// roles ends the person's sessions (the store revokes them).
func TestRolesApplyAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	gina := e.signIn(proceduretest.Profesional2)
	renamed := proceduretest.Profesional2
	renamed.Name = "Gina Torrez de Vargas"
	if err := e.store.SaveActor(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	var s sessionAnswer
	gina.json("GET", "/session", nil, 200, &s)
	if s.Actor.Name != renamed.Name {
		t.Errorf("the session still names %q", s.Actor.Name)
	}
	promoted := renamed
	promoted.Grants = append(promoted.Grants, procedure.Grant{Role: manual.RoleJefeUIT, Interim: true})
	if err := e.store.SaveActor(ctx, promoted); err != nil {
		t.Fatal(err)
	}
	if ans := gina.call("GET", "/outbox", nil); ans.status != 401 {
		t.Errorf("after a change of roles: %d", ans.status)
	}
	gina = e.signIn(promoted)
	gina.json("GET", "/outbox", nil, 200, nil)
}

// TestThrottle: 5 refusals for a username, or 20 from an address, within
// 15 minutes make the next attempt wait 1 s, 2 s, 4 s… after the last one.
func TestThrottle(t *testing.T) {
	t.Run("username", func(t *testing.T) {
		e := newEnv(t)
		ana := proceduretest.Solicitante
		for i := range 5 {
			if ans := e.call("POST", "/session", "", signInBody("ana", fmt.Sprint("mala-", i))); ans.status != 401 {
				t.Fatalf("refusal %d: %d", i+1, ans.status)
			}
		}
		for _, wait := range []int{1, 2, 4, 8, 16, 30, 30} {
			ans := e.call("POST", "/session", "", signInBody("ana", password(ana)))
			if ans.status != 429 || ans.header.Get("Retry-After") != fmt.Sprint(wait) || ans.err(t).Error.Code != "throttled" {
				t.Fatalf("want a wait of %d s: %d, Retry-After %q, %s", wait, ans.status, ans.header.Get("Retry-After"), ans.body)
			}
			e.clock.Add(time.Duration(wait)*time.Second - time.Millisecond)
			if ans := e.call("POST", "/session", "", signInBody("ANA", "mala")); ans.status != 429 {
				t.Fatalf("a millisecond early: %d", ans.status)
			}
			e.clock.Add(time.Millisecond)
			if ans := e.call("POST", "/session", "", signInBody("ana", "mala")); ans.status != 401 {
				t.Fatalf("after %d s: %d", wait, ans.status)
			}
		}
		// Another username from the same address is not slowed.
		e.signIn(proceduretest.Solicitante2)
		// Throttled attempts are not refusals: they are not recorded.
		if n := len(e.authEvents(procedure.AuthQuery{Kind: procedure.AuthFailure, Username: "ana"})); n != 12 {
			t.Errorf("%d refusals recorded, want 12", n)
		}
		// The window: 15 minutes after the refusals, the right password works.
		e.clock.Add(15 * time.Minute)
		e.signIn(ana)
		if !strings.Contains(e.logs.String(), `"msg":"sign-in throttled"`) {
			t.Errorf("throttling is not logged")
		}
	})
	t.Run("address", func(t *testing.T) {
		e := newEnv(t)
		for i := range 20 {
			if ans := e.call("POST", "/session", "", signInBody(fmt.Sprint("intruso", i), "x")); ans.status != 401 {
				t.Fatalf("refusal %d: %d", i+1, ans.status)
			}
		}
		ans := e.call("POST", "/session", "", signInBody("ana", password(proceduretest.Solicitante)))
		if ans.status != 429 || ans.header.Get("Retry-After") != "1" {
			t.Fatalf("the 21st attempt from one address: %d %q", ans.status, ans.header.Get("Retry-After"))
		}
		e.clock.Add(time.Second)
		e.signIn(proceduretest.Solicitante)
	})
}

// remote is an Authenticator standing for a directory: it accepts one
// person, refuses others with a reason, or is down.
type remote struct {
	accept procedure.Actor
	down   bool
}

type remoteRefusal struct{ error }

func (remoteRefusal) Reason() string  { return "no-group" }
func (r remoteRefusal) Unwrap() error { return r.error }

func (r remote) Authenticate(ctx context.Context, username, password string) (procedure.Actor, error) {
	switch {
	case r.down:
		return procedure.Actor{}, &procedure.Error{Code: procedure.EINTERNAL, Message: "no se pudo contactar al directorio",
			Err: errors.New("dial tcp 10.0.0.9:636: connection refused")}
	case strings.EqualFold(username, r.accept.ID) && password == "clave-ldap":
		return r.accept, nil
	}
	return procedure.Actor{}, remoteRefusal{procedure.Errorf(procedure.EFORBIDDEN, "usuario o contraseña incorrectos")}
}

// TestAuthenticators: authenticators are tried in order; a remote one's
// actor is saved into People; a directory that is down answers 503 unless
// another accepts.
func TestAuthenticators(t *testing.T) {
	zoe := procedure.Actor{ID: "zoe", Name: "Zoe Apaza", Email: "zoe@agetic.gob.bo", Unit: proceduretest.UnitGobierno,
		Grants: []procedure.Grant{{Role: manual.RoleSolicitante}}}
	e := newEnv(t, func(c *server.Config) {
		c.Auth = append(c.Auth, remote{accept: zoe})
	})
	ans := e.call("POST", "/session", "", signInBody("Zoe", "clave-ldap"))
	if ans.status != 201 {
		t.Fatalf("a directory's person: %d %s", ans.status, ans.body)
	}
	if got, err := e.store.Actor(context.Background(), "zoe"); err != nil || got.Unit != zoe.Unit {
		t.Errorf("the directory's person was not saved: %+v %v", got, err)
	}
	e.signIn(proceduretest.Solicitante) // local accounts still come first
	// zoe is now in People, without a local password.
	e.call("POST", "/session", "", signInBody("zoe", "mala"))
	if evs := e.authEvents(procedure.AuthQuery{Kind: procedure.AuthFailure, Username: "zoe"}); len(evs) != 1 ||
		evs[0].Reason != server.ReasonNoPassword+",no-group" {
		t.Errorf("the refusal of both recorded as %+v", evs)
	}

	for _, tc := range []struct {
		name   string
		auth   func(local server.Authenticator) []server.Authenticator
		user   procedure.Actor
		pw     string
		status int
	}{
		{"down alone", func(server.Authenticator) []server.Authenticator { return []server.Authenticator{remote{down: true}} },
			proceduretest.Solicitante, password(proceduretest.Solicitante), 503},
		{"down, then local", func(l server.Authenticator) []server.Authenticator {
			return []server.Authenticator{remote{down: true}, l}
		},
			proceduretest.Solicitante, password(proceduretest.Solicitante), 201},
		{"local refuses, then down", func(l server.Authenticator) []server.Authenticator {
			return []server.Authenticator{l, remote{down: true}}
		},
			proceduretest.Solicitante, "mala", 503},
		{"local accepts before down", func(l server.Authenticator) []server.Authenticator {
			return []server.Authenticator{l, remote{down: true}}
		},
			proceduretest.Solicitante, password(proceduretest.Solicitante), 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *server.Config) { c.Auth = tc.auth(c.Auth[0]) })
			ans := e.call("POST", "/session", "", signInBody(tc.user.ID, tc.pw))
			if ans.status != tc.status {
				t.Fatalf("%d %s, want %d", ans.status, ans.body, tc.status)
			}
			if tc.status == 503 {
				if ans.err(t).Error.Code != "unavailable" || strings.Contains(string(ans.body), "10.0.0.9") {
					t.Errorf("a directory that is down answered %s", ans.body)
				}
				if n := len(e.authEvents(procedure.AuthQuery{Kind: procedure.AuthFailure})); n != 0 {
					t.Errorf("a directory that is down counted %d refusals", n)
				}
				if !strings.Contains(e.logs.String(), "connection refused") {
					t.Errorf("the directory's failure is not logged")
				}
			}
		})
	}
	if ans := e.call("POST", "/session", "", signInBody("zoe", "clave-ldap")); ans.status != http.StatusCreated {
		t.Errorf("again: %d", ans.status)
	}
}
