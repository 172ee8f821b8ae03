package proceduretest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// peopleSessions is a store of people that also keeps their sessions.
type peopleSessions = interface {
	procedure.People
	procedure.Sessions
}

// tokenHash returns the hex SHA-256 of token, as a server stores it.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// TestSessions runs the conformance suite of procedure.Sessions on stores
// that also implement procedure.People (for the revocations), each made
// empty by newPeople.
func TestSessions(t *testing.T, newPeople func(t *testing.T) interface {
	procedure.People
	procedure.Sessions
}) {
	ctx := context.Background()
	// Times with nanoseconds and out of UTC: stores keep every digit and
	// answer in UTC.
	bot := time.FixedZone("BOT", -4*60*60)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 123456789, bot)
	session := func(token, actor string, created time.Time) procedure.Session {
		return procedure.Session{TokenHash: tokenHash(token), ActorID: actor, Address: "10.0.0.7",
			CreatedAt: created, LastSeen: created, ExpiresAt: created.Add(8 * time.Hour)}
	}
	withActors := func(t *testing.T) peopleSessions {
		t.Helper()
		p := newPeople(t)
		for _, a := range Actors() {
			must(t, p.SaveActor(ctx, a))
		}
		return p
	}

	t.Run("CreateReadTouchDelete", func(t *testing.T) {
		p := newPeople(t)
		s := session("tok-1", Jefe.ID, t0)
		must(t, p.CreateSession(ctx, s))
		got, err := p.Session(ctx, s.TokenHash)
		must(t, err)
		wantSession(t, got, s)
		// A second session with the same token hash is refused and
		// changes nothing.
		dup := session("tok-1", Profesional.ID, t0.Add(time.Hour))
		wantCode(t, p.CreateSession(ctx, dup), procedure.ECONFLICT)
		got, err = p.Session(ctx, s.TokenHash)
		must(t, err)
		wantSession(t, got, s)

		seen := t0.Add(17*time.Minute + 1)
		must(t, p.TouchSession(ctx, s.TokenHash, seen))
		got, err = p.Session(ctx, s.TokenHash)
		must(t, err)
		s.LastSeen = seen
		wantSession(t, got, s)

		must(t, p.DeleteSession(ctx, s.TokenHash))
		_, err = p.Session(ctx, s.TokenHash)
		wantCode(t, err, procedure.ENOTFOUND)
		// The hash is free again.
		must(t, p.CreateSession(ctx, dup))
	})

	t.Run("NotFound", func(t *testing.T) {
		p := newPeople(t)
		must(t, p.CreateSession(ctx, session("tok-kept", Jefe.ID, t0)))
		absent := tokenHash("tok-absent")
		for _, tc := range []struct {
			name string
			err  func() error
		}{
			{"Session", func() error { _, err := p.Session(ctx, absent); return err }},
			{"TouchSession", func() error { return p.TouchSession(ctx, absent, t0) }},
			{"DeleteSession", func() error { return p.DeleteSession(ctx, absent) }},
			{"Session of an empty hash", func() error { _, err := p.Session(ctx, ""); return err }},
			{"SetPasswordHash of an unknown actor", func() error { return p.SetPasswordHash(ctx, "nadie", []byte("h")) }},
		} {
			t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.err(), procedure.ENOTFOUND) })
		}
		// None of them touched the one session there is.
		got, err := p.Session(ctx, tokenHash("tok-kept"))
		must(t, err)
		wantSession(t, got, session("tok-kept", Jefe.ID, t0))
		// Deleting what is not there is no error when counting.
		for _, del := range []func() (int, error){
			func() (int, error) { return p.DeleteSessions(ctx, "nadie") },
			func() (int, error) { return p.DeleteExpiredSessions(ctx, t0.Add(-time.Hour), t0.Add(-time.Hour)) },
		} {
			if n, err := del(); err != nil || n != 0 {
				t.Fatalf("deleted %d sessions (%v), want 0", n, err)
			}
		}
	})

	t.Run("DeleteSessions", func(t *testing.T) {
		p := newPeople(t)
		for i := 0; i < 3; i++ {
			must(t, p.CreateSession(ctx, session(fmt.Sprint("jefe-", i), Jefe.ID, t0)))
		}
		for i := 0; i < 2; i++ {
			must(t, p.CreateSession(ctx, session(fmt.Sprint("prof-", i), Profesional.ID, t0)))
		}
		for _, tc := range []struct {
			actor string
			want  int
		}{{Jefe.ID, 3}, {Jefe.ID, 0}, {"nadie", 0}, {Profesional.ID, 2}} {
			n, err := p.DeleteSessions(ctx, tc.actor)
			must(t, err)
			if n != tc.want {
				t.Fatalf("DeleteSessions(%s) = %d, want %d", tc.actor, n, tc.want)
			}
			if tc.actor == Jefe.ID {
				// The other actor's sessions stay.
				if _, err := p.Session(ctx, tokenHash("prof-1")); err != nil {
					t.Fatalf("another actor's session: %v", err)
				}
			}
		}
		_, err := p.Session(ctx, tokenHash("jefe-0"))
		wantCode(t, err, procedure.ENOTFOUND)
	})

	t.Run("DeleteExpiredSessions", func(t *testing.T) {
		p := newPeople(t)
		now := t0.Add(8 * time.Hour)
		idleSince := now.Add(-30 * time.Minute)
		// Each session is on one side of a boundary, one nanosecond away.
		cases := []struct {
			token     string
			lastSeen  time.Time
			expiresAt time.Time
			expired   bool
		}{
			{"expires-now", now, now, true},
			{"expired-before", now, now.Add(-time.Hour), true},
			{"expires-after", now, now.Add(1), false},
			{"idle-since-before", idleSince.Add(-1), now.Add(time.Hour), true},
			{"idle-since-exactly", idleSince, now.Add(time.Hour), false},
			{"both", idleSince.Add(-time.Hour), now.Add(-time.Hour), true},
			{"fresh", now, now.Add(time.Hour), false},
		}
		want := 0
		for _, c := range cases {
			s := session(c.token, Profesional.ID, t0)
			s.LastSeen, s.ExpiresAt = c.lastSeen, c.expiresAt
			must(t, p.CreateSession(ctx, s))
			if c.expired {
				want++
			}
		}
		n, err := p.DeleteExpiredSessions(ctx, now, idleSince)
		must(t, err)
		if n != want {
			t.Fatalf("DeleteExpiredSessions = %d, want %d", n, want)
		}
		for _, c := range cases {
			_, err := p.Session(ctx, tokenHash(c.token))
			if c.expired {
				wantCode(t, err, procedure.ENOTFOUND)
			} else if err != nil {
				t.Fatalf("session %s: %v, want it kept", c.token, err)
			}
		}
		if n, err := p.DeleteExpiredSessions(ctx, now, idleSince); err != nil || n != 0 {
			t.Fatalf("a second sweep deleted %d (%v)", n, err)
		}
	})

	t.Run("RevokeOnPasswordChange", func(t *testing.T) {
		p := withActors(t)
		before := time.Now()
		must(t, p.CreateSession(ctx, session("jefe-a", Jefe.ID, t0)))
		must(t, p.CreateSession(ctx, session("jefe-b", Jefe.ID, t0)))
		must(t, p.CreateSession(ctx, session("prof", Profesional.ID, t0)))
		must(t, p.SetPasswordHash(ctx, Jefe.ID, []byte("$2a$10$nuevo")))
		for _, tok := range []string{"jefe-a", "jefe-b"} {
			_, err := p.Session(ctx, tokenHash(tok))
			wantCode(t, err, procedure.ENOTFOUND)
		}
		if _, err := p.Session(ctx, tokenHash("prof")); err != nil {
			t.Fatalf("another actor's session ended: %v", err)
		}
		wantRevoked(t, p, before, Jefe.ID, "password")
		// Without sessions to end, a change records nothing more; an
		// unknown actor changes nothing.
		must(t, p.SetPasswordHash(ctx, Jefe.ID, []byte("$2a$10$otro")))
		wantCode(t, p.SetPasswordHash(ctx, "nadie", []byte("h")), procedure.ENOTFOUND)
		wantRevoked(t, p, before, Jefe.ID, "password")
	})

	t.Run("RevokeOnRoleChange", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			change  func(a *procedure.Actor)
			revoked bool
		}{
			{"identical", func(a *procedure.Actor) {}, false},
			{"name and email", func(a *procedure.Actor) { a.Name, a.Email = "Diego F. Flores", "dflores@agetic.gob.bo" }, false},
			{"grants copied", func(a *procedure.Actor) { a.Grants = slices.Clone(a.Grants) }, false},
			{"no longer interim", func(a *procedure.Actor) { a.Grants = []procedure.Grant{{Role: manual.RoleJefeUIT}} }, true},
			{"another role", func(a *procedure.Actor) { a.Grants = []procedure.Grant{{Role: manual.RoleProfesionalSS}} }, true},
			{"a role more", func(a *procedure.Actor) {
				a.Grants = append(slices.Clone(a.Grants), procedure.Grant{Role: manual.RoleResponsableSS})
			}, true},
			{"no roles", func(a *procedure.Actor) { a.Grants = nil }, true},
			{"another unit", func(a *procedure.Actor) { a.Unit = UnitGobierno }, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := withActors(t)
				before := time.Now()
				must(t, p.CreateSession(ctx, session("diego", JefeAI.ID, t0)))
				must(t, p.CreateSession(ctx, session("carla", Jefe.ID, t0)))
				a := JefeAI
				tc.change(&a)
				must(t, p.SaveActor(ctx, a))
				_, err := p.Session(ctx, tokenHash("diego"))
				if tc.revoked {
					wantCode(t, err, procedure.ENOTFOUND)
					wantRevoked(t, p, before, JefeAI.ID, "roles")
				} else {
					must(t, err)
					wantRevoked(t, p, before, "", "")
				}
				if _, err := p.Session(ctx, tokenHash("carla")); err != nil {
					t.Fatalf("another actor's session ended: %v", err)
				}
				got, err := p.Actor(ctx, JefeAI.ID)
				must(t, err)
				if got.Name != a.Name || got.Unit != a.Unit || len(got.Grants) != len(a.Grants) {
					t.Fatalf("actor saved as %+v, want %+v", got, a)
				}
			})
		}
	})

	t.Run("AuthEvents", func(t *testing.T) {
		p := newPeople(t)
		at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
		// Recorded out of time order; n2 and n3 share a time, n3 recorded
		// last. Reason names each event.
		events := []procedure.AuthEvent{
			{At: at(5), Kind: procedure.AuthFailure, Username: "ana", Address: "10.0.0.1", Reason: "n5"},
			{At: at(1), Kind: procedure.AuthSignIn, Username: "ana", ActorID: "ana", Address: "10.0.0.1", Reason: "n1"},
			{At: at(2), Kind: procedure.AuthFailure, Username: "carla", Address: "10.0.0.2", Reason: "n2"},
			{At: at(2), Kind: procedure.AuthFailure, Username: "ana", Address: "10.0.0.2", Reason: "n3"},
			{At: at(4).Add(1), Kind: procedure.AuthSignOut, Username: "ana", ActorID: "ana", Address: "10.0.0.1", Reason: "n4"},
			{At: at(0), Kind: procedure.AuthFailure, Username: "nadie", Address: "10.0.0.9", Reason: "n0"},
		}
		for _, ev := range events {
			must(t, p.RecordAuth(ctx, ev))
		}
		all, err := p.AuthEvents(ctx, procedure.AuthQuery{})
		must(t, err)
		if len(all) != len(events) {
			t.Fatalf("%d events, want %d", len(all), len(events))
		}
		for _, got := range all {
			i := slices.IndexFunc(events, func(ev procedure.AuthEvent) bool { return ev.Reason == got.Reason })
			want := events[i]
			if !got.At.Equal(want.At) || got.At.Location() != time.UTC || got.Kind != want.Kind ||
				got.Username != want.Username || got.ActorID != want.ActorID || got.Address != want.Address {
				t.Fatalf("event read back as %+v, want %+v (in UTC)", got, want)
			}
		}
		for _, tc := range []struct {
			name  string
			q     procedure.AuthQuery
			want  []string // reasons, newest first
			count int      // 0: len(want)
		}{
			{"all", procedure.AuthQuery{}, []string{"n5", "n4", "n3", "n2", "n1", "n0"}, 0},
			{"limit", procedure.AuthQuery{Limit: 2}, []string{"n5", "n4"}, 6},
			{"limit above the count", procedure.AuthQuery{Limit: 50}, []string{"n5", "n4", "n3", "n2", "n1", "n0"}, 0},
			{"kind", procedure.AuthQuery{Kind: procedure.AuthFailure}, []string{"n5", "n3", "n2", "n0"}, 0},
			{"kind none", procedure.AuthQuery{Kind: procedure.AuthRevoked}, nil, 0},
			{"username", procedure.AuthQuery{Username: "ana"}, []string{"n5", "n4", "n3", "n1"}, 0},
			{"address", procedure.AuthQuery{Address: "10.0.0.2"}, []string{"n3", "n2"}, 0},
			{"since is inclusive", procedure.AuthQuery{Since: at(2)}, []string{"n5", "n4", "n3", "n2"}, 0},
			{"since to the nanosecond", procedure.AuthQuery{Since: at(4).Add(1)}, []string{"n5", "n4"}, 0},
			{"since a nanosecond later", procedure.AuthQuery{Since: at(4).Add(2)}, []string{"n5"}, 0},
			{"since in another zone", procedure.AuthQuery{Since: at(2).UTC()}, []string{"n5", "n4", "n3", "n2"}, 0},
			{"since after all", procedure.AuthQuery{Since: at(6)}, nil, 0},
			{"failures of a user since", procedure.AuthQuery{Kind: procedure.AuthFailure, Username: "ana", Since: at(2)}, []string{"n5", "n3"}, 0},
			{"failures from an address since", procedure.AuthQuery{Kind: procedure.AuthFailure, Address: "10.0.0.1", Since: at(3)}, []string{"n5"}, 0},
			{"user and address", procedure.AuthQuery{Username: "ana", Address: "10.0.0.1", Limit: 2}, []string{"n5", "n4"}, 3},
			{"unknown user", procedure.AuthQuery{Username: "ANA"}, nil, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := p.AuthEvents(ctx, tc.q)
				must(t, err)
				var reasons []string
				for _, ev := range got {
					reasons = append(reasons, ev.Reason)
				}
				if !slices.Equal(reasons, tc.want) {
					t.Fatalf("AuthEvents(%+v) = %v, want %v", tc.q, reasons, tc.want)
				}
				want := tc.count
				if want == 0 {
					want = len(tc.want)
				}
				n, err := p.CountAuth(ctx, tc.q)
				must(t, err)
				if n != want {
					t.Fatalf("CountAuth(%+v) = %d, want %d", tc.q, n, want)
				}
			})
		}
	})

	t.Run("ManySessionsOfManyActors", func(t *testing.T) {
		p := newPeople(t)
		const actors, each = 20, 10
		now := t0.Add(time.Hour)
		for a := 0; a < actors; a++ {
			for i := 0; i < each; i++ {
				s := session(fmt.Sprintf("a%02d-s%02d", a, i), fmt.Sprintf("actor-%02d", a), t0)
				if i%2 == 1 { // half of them expired
					s.ExpiresAt = now.Add(-time.Duration(i) * time.Nanosecond)
				}
				must(t, p.CreateSession(ctx, s))
			}
		}
		// Even actors sign out everywhere.
		for a := 0; a < actors; a += 2 {
			n, err := p.DeleteSessions(ctx, fmt.Sprintf("actor-%02d", a))
			must(t, err)
			if n != each {
				t.Fatalf("actor %d had %d sessions, want %d", a, n, each)
			}
		}
		n, err := p.DeleteExpiredSessions(ctx, now, t0)
		must(t, err)
		if want := actors / 2 * each / 2; n != want {
			t.Fatalf("%d expired sessions, want %d", n, want)
		}
		var left []string
		for a := 0; a < actors; a++ {
			for i := 0; i < each; i++ {
				tok := fmt.Sprintf("a%02d-s%02d", a, i)
				s, err := p.Session(ctx, tokenHash(tok))
				if procedure.ErrorCode(err) == procedure.ENOTFOUND {
					continue
				}
				must(t, err)
				if s.ActorID != fmt.Sprintf("actor-%02d", a) {
					t.Fatalf("session %s belongs to %s", tok, s.ActorID)
				}
				left = append(left, tok)
			}
		}
		sort.Strings(left)
		if len(left) != actors/2*each/2 || left[0] != "a01-s00" || left[len(left)-1] != "a19-s08" {
			t.Fatalf("%d sessions left (%v…), want the unexpired ones of odd actors", len(left), left[:min(3, len(left))])
		}
	})
}

// wantSession fails unless got is want to the nanosecond, in UTC.
func wantSession(t *testing.T, got, want procedure.Session) {
	t.Helper()
	if got.TokenHash != want.TokenHash || got.ActorID != want.ActorID || got.Address != want.Address ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.LastSeen.Equal(want.LastSeen) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("session read back as %+v, want %+v", got, want)
	}
	for _, tm := range []time.Time{got.CreatedAt, got.LastSeen, got.ExpiresAt} {
		if tm.Location() != time.UTC {
			t.Fatalf("session time %v is not in UTC", tm)
		}
	}
}

// wantRevoked fails unless the only AuthRevoked event is of actorID with
// reason, recorded after since (or there is none, for an empty actorID).
func wantRevoked(t *testing.T, p procedure.Sessions, since time.Time, actorID, reason string) {
	t.Helper()
	evs, err := p.AuthEvents(context.Background(), procedure.AuthQuery{Kind: procedure.AuthRevoked})
	must(t, err)
	if actorID == "" {
		if len(evs) != 0 {
			t.Fatalf("revocations %+v, want none", evs)
		}
		return
	}
	if len(evs) != 1 {
		t.Fatalf("revocations %+v, want one of %s", evs, actorID)
	}
	ev := evs[0]
	if ev.ActorID != actorID || ev.Username != actorID || ev.Reason != reason || ev.Address != "" {
		t.Fatalf("revocation %+v, want actor and username %s, reason %q", ev, actorID, reason)
	}
	if ev.At.Location() != time.UTC || ev.At.Before(since.Add(-time.Minute)) || ev.At.After(time.Now().Add(time.Minute)) {
		t.Fatalf("revocation at %v, want the store's now in UTC", ev.At)
	}
}
