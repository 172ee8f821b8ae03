package ui_test

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/remote"
	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/server"
)

// stoppedClock moves only when told.
type stoppedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stoppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stoppedClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestSignInThrottleCountsDown: after repeated failed sign-ins, the
// sign-in screen says to wait and how long, counting the seconds down with
// Ingresar disabled, instead of "Verificando…" in red; then it may be
// tried again. On the desk and against a server alike.
func TestSignInThrottleCountsDown(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			a := test.NewTempApp(t)
			e := memEnv(t)
			clock := &stoppedClock{t: time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)}
			var svc ui.Service
			if mode == "server" {
				srv, err := server.New(server.Config{Engine: e.engine, Store: e.store, People: e.people,
					Sessions: e.people.(procedure.Sessions), Clock: clock})
				if err != nil {
					t.Fatal(err)
				}
				hs := httptest.NewServer(srv.Handler())
				t.Cleanup(func() { srv.Close(); hs.Close() })
				if svc, err = remote.New(hs.URL, hs.Client(), nil); err != nil {
					t.Fatal(err)
				}
			} else {
				var err error
				if svc, err = desk.New(desk.Config{Engine: e.engine, Store: e.store, People: e.people, Clock: clock, BcryptCost: bcrypt.MinCost}); err != nil {
					t.Fatal(err)
				}
			}
			u := ui.New(a, svc, ui.Options{})
			defer u.Close()
			l := u.Login
			type state struct {
				text       string
				importance widget.Importance
				disabled   bool
			}
			var shown []int
			var states []state
			l.OnCountdown = func(n int) {
				shown = append(shown, n)
				states = append(states, state{l.Message.Text, l.Message.Importance, l.Submit.Disabled()})
			}
			try := func(password string) {
				t.Helper()
				l.User.SetText("")
				test.Type(l.User, "ana")
				test.Type(l.Password, password)
				test.Tap(l.Submit)
				u.Wait()
			}
			for i := 0; i < desk.FreeAttempts; i++ {
				try("mala")
				if !strings.Contains(l.Message.Text, "incorrectos") || l.Message.Importance != widget.DangerImportance {
					t.Fatalf("attempt %d: %q", i+1, l.Message.Text)
				}
			}
			clock.Add(time.Second) // the sixth attempt may be made a second after the fifth
			try("mala")
			if len(shown) != 0 {
				t.Fatalf("the sixth attempt was throttled: %v", shown)
			}
			// The seventh, at once, must wait two seconds: the screen counts
			// them down with Ingresar disabled, then invites a new try.
			test.Type(l.Password, desk.DemoPassword("ana"))
			test.Tap(l.Submit)
			u.Wait() // the answer, then the countdown
			if !slices.Equal(shown, []int{2, 1, 0}) {
				t.Fatalf("the countdown showed %v, want [2 1 0]", shown)
			}
			for i, st := range states[:2] {
				want := fmt.Sprintf("espere %d s", 2-i)
				if !strings.Contains(st.text, want) || strings.Contains(st.text, "Verificando") ||
					st.importance == widget.DangerImportance || !st.disabled {
					t.Fatalf("while waiting the screen says %q (importance %v, Ingresar disabled %v), want %q", st.text, st.importance, st.disabled, want)
				}
			}
			if l.Submit.Disabled() || !strings.Contains(l.Message.Text, "Ya puede volver a intentar") {
				t.Fatalf("after the wait: %q, disabled %v", l.Message.Text, l.Submit.Disabled())
			}
			clock.Add(2 * time.Second)
			test.Type(l.Password, desk.DemoPassword("ana"))
			test.Tap(l.Submit)
			u.Wait()
			if u.Main == nil {
				t.Fatalf("the right password after the wait: %q", l.Message.Text)
			}
		})
	}
}
