package desk_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// stopped is a clock that moves only when told.
type stopped struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stopped) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stopped) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestSignInThrottleAfterFiveFailures(t *testing.T) {
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
	clock := &stopped{t: time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)}
	svc, err := desk.New(desk.Config{Engine: e, Store: store, People: people, Clock: clock, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	attempt := func(user, password string) error {
		_, err := svc.SignIn(ctx, user, password)
		return err
	}
	for i := 0; i < desk.FreeAttempts; i++ {
		err := attempt("ana", "mala")
		if procedure.ErrorCode(err) != procedure.EFORBIDDEN {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		if _, ok := desk.RetryAfter(err); ok {
			t.Fatalf("attempt %d was throttled", i+1)
		}
	}
	// Further attempts must wait longer and longer after the last failure;
	// one made sooner is refused, saying how long, right password or not,
	// and does not count as a failure.
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		for _, pass := range []string{"mala", "clave-correcta"} {
			err := attempt(" ANA ", pass)
			d, ok := desk.RetryAfter(err)
			if !ok || d != wait || procedure.ErrorCode(err) != procedure.EFORBIDDEN {
				t.Fatalf("round %d, %s at once: %v (retry after %v), want a wait of %v", i+1, pass, err, d, wait)
			}
			if msg := procedure.ErrorMessage(err); !strings.Contains(msg, "espere") {
				t.Fatalf("message %q", msg)
			}
		}
		clock.Add(wait - 500*time.Millisecond)
		if d, ok := desk.RetryAfter(attempt("ana", "mala")); !ok || d != time.Second {
			t.Fatalf("round %d, half a second before: retry after %v (rounded up to 1 s)", i+1, d)
		}
		clock.Add(500 * time.Millisecond)
		if err := attempt("ana", "mala"); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
			t.Fatal(err)
		} else if _, ok := desk.RetryAfter(err); ok {
			t.Fatalf("round %d: an attempt after the wait was throttled", i+1)
		}
	}
	if n := svc.Failures("ana"); n != desk.FreeAttempts+3 {
		t.Fatalf("failures %d, want %d (throttled attempts do not count)", n, desk.FreeAttempts+3)
	}
	clock.Add(8 * time.Second)
	ses, err := svc.SignIn(ctx, "ana", "clave-correcta")
	if err != nil || ses.Actor().ID != "ana" {
		t.Fatalf("right password after the wait: %v, %v", ses, err)
	}
	// Success clears the count; another user was never throttled.
	if err := attempt("ana", "mala"); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatal(err)
	}
	if _, ok := desk.RetryAfter(attempt("ana", "mala")); ok {
		t.Fatal("throttled right after a success")
	}
	if err := attempt("nadie", "x"); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("unknown user: %v (the same error as a wrong password)", err)
	}
	if d := desk.Delay(100); d != 30*time.Second {
		t.Fatalf("the wait is capped at %v, want 30s", d)
	}
}
