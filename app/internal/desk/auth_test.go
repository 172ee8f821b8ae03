package desk_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// sleeps records the waits SignIn asks for instead of waiting.
type sleeps struct {
	mu  sync.Mutex
	got []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, d)
	return ctx.Err()
}

func (s *sleeps) take() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.got
	s.got = nil
	return out
}

func TestSignInSlowsAfterFiveFailures(t *testing.T) {
	ctx := context.Background()
	people := procedure.NewDirectory(proceduretest.Actors()...)
	hash, err := bcrypt.GenerateFromPassword([]byte("clave-correcta"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := people.SetPasswordHash(ctx, "ana", hash); err != nil {
		t.Fatal(err)
	}
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	rec := &sleeps{}
	svc, err := desk.New(desk.Config{Engine: e, Store: store, People: people, Sleep: rec.sleep, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	attempt := func(user, password string) error {
		_, err := svc.SignIn(ctx, user, password)
		return err
	}
	for i := 0; i < desk.FreeAttempts; i++ {
		if err := attempt("ana", "mala"); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("the first %d attempts waited %v", desk.FreeAttempts, got)
	}
	// Further attempts wait longer and longer, right password or not.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if err := attempt(" ANA ", "mala"); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
			t.Fatalf("slowed attempt %d: %v", i+1, err)
		}
		if got := rec.take(); len(got) != 1 || got[0] != want {
			t.Fatalf("slowed attempt %d waited %v, want %v", i+1, got, want)
		}
	}
	ses, err := svc.SignIn(ctx, "ana", "clave-correcta")
	if err != nil || ses.Actor().ID != "ana" {
		t.Fatalf("right password: %v, %v", ses, err)
	}
	if got := rec.take(); len(got) != 1 || got[0] != 8*time.Second {
		t.Fatalf("the right password after 8 failures waited %v, want 8s", got)
	}
	// Success clears the count; another user was never slowed.
	if err := attempt("ana", "mala"); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatal(err)
	}
	if err := attempt("nadie", "x"); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("unknown user: %v (the same error as a wrong password)", err)
	}
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("waited %v after a success", got)
	}
	if d := desk.Delay(100); d != 30*time.Second {
		t.Fatalf("the wait is capped at %v, want 30s", d)
	}
	// A cancelled wait refuses the attempt without checking the password.
	for i := 0; i < desk.FreeAttempts; i++ {
		_ = attempt("bruno", "mala")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := svc.SignIn(cctx, "bruno", "mala"); err == nil {
		t.Fatal("a cancelled sign-in was accepted")
	}
}
