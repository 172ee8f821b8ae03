package ldapauth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/server"
	"github.com/tramite/tramite/storage/sqlite"
)

// TestServerSignsInFromTheDirectory: a tramite server whose only way in is
// the directory signs its people in over the API with the roles their
// groups map to, saves them so the engine knows them, and refuses a wrong
// password, a disabled account and a person in no mapped group alike —
// recording each refusal with its reason, and never the password.
func TestServerSignsInFromTheDirectory(t *testing.T) {
	dir := startSlapd(t, slapdOptions{ppolicy: true})
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tramite.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	engine, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(store))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Engine: engine, Store: store, People: store, Sessions: store, Feed: store,
		Auth: []server.Authenticator{newAuth(t, testConfig(dir.URL))}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })

	signIn := func(user, password string) (int, map[string]any) {
		body, _ := json.Marshal(map[string]string{"username": user, "password": password})
		resp, err := http.Post(hs.URL+"/api/v1/session", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	roles := func(out map[string]any) []string {
		var rs []string
		actor, _ := out["actor"].(map[string]any)
		grants, _ := actor["grants"].([]any)
		for _, g := range grants {
			m, _ := g.(map[string]any)
			r, _ := m["role"].(string)
			if m["interim"] == true {
				r += " a.i."
			}
			rs = append(rs, r)
		}
		slices.Sort(rs)
		return rs
	}
	for _, tt := range []struct {
		user, password string
		status         int
		roles          []string
		reason         string
	}{
		{"ana", pw("ana"), http.StatusCreated, []string{string(manual.RoleSolicitante)}, ""},
		{"carla", pw("carla"), http.StatusCreated, []string{string(manual.RoleJefeUIT)}, ""},
		{"diego", pw("diego"), http.StatusCreated, []string{string(manual.RoleJefeUIT) + " a.i.", string(manual.RoleProfesionalSS)}, ""},
		{"elena", pw("elena"), http.StatusCreated, []string{string(manual.RoleResponsableSS)}, ""},
		{"fabio", pw("fabio"), http.StatusCreated, []string{string(manual.RoleProfesionalSS)}, ""},
		{"ana", pw("carla"), http.StatusUnauthorized, nil, ReasonBadPassword},
		{"gabriel", pw("gabriel"), http.StatusUnauthorized, nil, ReasonDisabled},
		{"hugo", pw("hugo"), http.StatusUnauthorized, nil, ReasonNoGroup},
		{"nadie", pw("nadie"), http.StatusUnauthorized, nil, ReasonUnknownUser},
	} {
		status, out := signIn(tt.user, tt.password)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d (%v)", tt.user, status, tt.status, out)
			continue
		}
		if tt.status != http.StatusCreated {
			evs, err := store.AuthEvents(ctx, procedure.AuthQuery{Kind: procedure.AuthFailure, Username: tt.user, Limit: 1})
			if err != nil || len(evs) != 1 || !bytes.Contains([]byte(evs[0].Reason), []byte(tt.reason)) {
				t.Errorf("%s: refusal recorded as %+v (%v), want reason %q", tt.user, evs, err, tt.reason)
			}
			for _, ev := range evs {
				if bytes.Contains([]byte(ev.Reason+ev.Username), []byte(tt.password)) {
					t.Errorf("%s: the password is in the audit log", tt.user)
				}
			}
			continue
		}
		if got := roles(out); !slices.Equal(got, tt.roles) {
			t.Errorf("%s signed in with roles %v, want %v", tt.user, got, tt.roles)
		}
		if a, err := store.Actor(ctx, tt.user); err != nil || a.Name != user(tt.user).name {
			t.Errorf("%s is not saved for the engine: %+v %v", tt.user, a, err)
		}
	}
	// A directory that went down is not a wrong password: 503.
	dir.stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if status, out := signIn("ana", pw("ana")); status != http.StatusServiceUnavailable {
			t.Errorf("with the directory down: status %d (%v), want 503", status, out)
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("sign-in hung with the directory down")
	}
}
