// Package desk is the service behind the desktop client: it signs staff in,
// seeds the demo database and keeps the client's settings, around a
// procedure.Engine and the store it runs on. It does not import Fyne.
package desk

import (
	"context"
	"sync"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
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
	// BcryptCost is the cost of new password hashes (default bcrypt.DefaultCost).
	BcryptCost int
	// Signing, when set, tells who has signed each document and takes
	// the signatures people make at this desk; nil: the case view shows
	// no signatures and nobody has documents to sign.
	Signing *report.Signing
}

// Service signs staff in to the engine on this desk and keeps the desk's
// settings.
type Service struct {
	*Preferences
	cfg Config

	mu       sync.Mutex
	failures map[string]failures
}

// New returns a Service; Engine and People are required.
func New(cfg Config) (*Service, error) {
	if cfg.Engine == nil || cfg.People == nil || cfg.Store == nil {
		return nil, procedure.Errorf(procedure.EINVALID, "el cliente necesita un motor y un directorio de personas")
	}
	if cfg.Clock == nil {
		cfg.Clock = procedure.SystemClock
	}
	return &Service{Preferences: NewPreferences(cfg.Prefs, cfg.Sealer), cfg: cfg, failures: map[string]failures{}}, nil
}
