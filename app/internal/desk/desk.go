// Package desk is the service behind the desktop client: it signs staff in,
// seeds the demo database and keeps the client's settings, around a
// procedure.Engine and the store it runs on. It does not import Fyne.
package desk

import (
	"context"
	"sync"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Config wires a Service.
type Config struct {
	Engine *procedure.Engine
	// Store is the engine's store, for the demo seed and the processors
	// that run on this desk.
	Store  procedure.Store
	People procedure.People
	// Feed, when set, reports changes made by other users; without it the
	// client refreshes after its own actions only.
	Feed procedure.ChangeFeed
	// Clock defaults to procedure.SystemClock.
	Clock procedure.Clock
	// Prefs keeps the settings; nil keeps them in memory.
	Prefs Prefs
	// Sealer encrypts the SMTP password in Prefs; nil stores nothing.
	Sealer procedure.Sealer
	// TestSMTP checks a connection to an SMTP server (notify.TestConnection
	// in the client); nil reports that no mail support is built in.
	TestSMTP func(ctx context.Context, s Settings) error
	// Sleep waits between slowed sign-in attempts; tests inject a recorder.
	// Defaults to a context-aware time.Sleep.
	Sleep func(ctx context.Context, d time.Duration) error
	// BcryptCost is the cost of new password hashes (default bcrypt.DefaultCost).
	BcryptCost int
}

// Service is what the desktop client's screens use.
type Service struct {
	cfg Config

	mu       sync.Mutex
	failures map[string]int
	mem      map[string]string
}

// New returns a Service; Engine and People are required.
func New(cfg Config) (*Service, error) {
	if cfg.Engine == nil || cfg.People == nil || cfg.Store == nil {
		return nil, procedure.Errorf(procedure.EINVALID, "el cliente necesita un motor y un directorio de personas")
	}
	if cfg.Clock == nil {
		cfg.Clock = procedure.SystemClock
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	return &Service{cfg: cfg, failures: map[string]int{}, mem: map[string]string{}}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Engine returns the procedure engine.
func (s *Service) Engine() *procedure.Engine { return s.cfg.Engine }

// Store returns the engine's store.
func (s *Service) Store() procedure.Store { return s.cfg.Store }

// People returns the directory of staff.
func (s *Service) People() procedure.People { return s.cfg.People }

// Now reads the service's clock.
func (s *Service) Now() time.Time { return s.cfg.Clock.Now() }

// Live reports whether changes by other users arrive through a ChangeFeed.
func (s *Service) Live() bool { return s.cfg.Feed != nil }

// Watch returns the IDs of cases that change, until ctx ends. Without a
// ChangeFeed it returns a nil channel and no error.
func (s *Service) Watch(ctx context.Context) (<-chan string, error) {
	if s.cfg.Feed == nil {
		return nil, nil
	}
	return s.cfg.Feed.Watch(ctx)
}

// Units returns the requesting units of the people in the directory, sorted.
func (s *Service) Units(ctx context.Context) ([]string, error) {
	as, err := s.cfg.People.Holders(ctx, procedure.RoleSolicitante, "")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range as {
		if a.Unit != "" && !seen[a.Unit] {
			seen[a.Unit] = true
			out = append(out, a.Unit)
		}
	}
	sortStrings(out)
	return out, nil
}

// RetryOutbox puts a failed (or skipped) outbox item back in the queue,
// due now, if the actor may manage the outbox.
func (s *Service) RetryOutbox(ctx context.Context, a procedure.Actor, itemID string) error {
	_, err := s.cfg.Engine.RetryOutbox(ctx, a, itemID)
	return err
}
