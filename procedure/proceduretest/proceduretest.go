// Package proceduretest holds the conformance suite every procedure.Store
// must pass, and demo actors for tests and examples.
//
//	func TestStore(t *testing.T) {
//		proceduretest.TestStore(t, func(t *testing.T) procedure.Store { return mystore.Open(t.TempDir()) })
//	}
package proceduretest

import (
	"sync"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// Demo units and actors (manual.DemoPeople): two requesting units, a
// jefe (and an interim jefe), a responsable, two profesionales and an
// administrator.
const (
	UnitDesarrollo = manual.UnitDesarrollo
	UnitGobierno   = manual.UnitGobierno
)

// Demo actors.
var (
	Solicitante  = demo("ana")
	Solicitante2 = demo("bruno")
	Jefe         = demo("carla")
	JefeAI       = demo("diego")
	Responsable  = demo("elena")
	Profesional  = demo("fabio")
	Profesional2 = demo("gina")
	Admin        = demo("hugo")
)

func demo(id string) procedure.Actor {
	for _, a := range manual.DemoPeople() {
		if a.ID == id {
			return a
		}
	}
	panic("proceduretest: no demo person " + id)
}

// Actors returns every demo actor (manual.DemoPeople).
func Actors() []procedure.Actor { return manual.DemoPeople() }

// Directory returns a directory of the demo actors.
func Directory() *procedure.StaticDirectory { return procedure.NewDirectory(Actors()...) }

// Key is a fixed 32-byte sealing key for tests.
var Key = []byte("0123456789abcdef0123456789abcdef")

// Clock is a manual clock for tests, starting at 2026-11-26 09:00 in La Paz
// and advancing one minute on every reading.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock at 2026-11-26 13:00 UTC.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)} }

// Now returns the clock's time and advances it one minute. It is safe for
// concurrent use.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(time.Minute)
	return t
}

// StillClock is a clock for tests that stands still until it is set:
// deadlines are tested at exact instants.
type StillClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewStillClock returns a StillClock at t.
func NewStillClock(t time.Time) *StillClock { return &StillClock{t: t} }

// Now returns the time the clock was set to. It is safe for concurrent use.
func (c *StillClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock to t.
func (c *StillClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// PR01Request returns valid step 1 inputs of PR01, with secret as its
// credentials.
func PR01Request(system, secret string) procedure.Inputs {
	return procedure.Inputs{"system": system, "description": "Puesta en producción de " + system,
		"unit": UnitDesarrollo, "credentials": secret, "tokens": "tok-" + secret}
}

// PR02Request returns valid step 1 inputs of PR02.
func PR02Request(system string) procedure.Inputs {
	return procedure.Inputs{"system": system, "description": "Actualización a la versión 2.1 de " + system, "unit": UnitDesarrollo}
}

// Checklist returns valid step 6 inputs; complexity is added when not empty.
func Checklist(complexity string) procedure.Inputs {
	in := procedure.Inputs{"backup_ref": "BK-2026-0451 (snapshot del volumen y volcado de la base)",
		"monitored_ports": "443, 5432", "security_policies": "true",
		"report":      "Se desplegó el sistema en el servidor de producción con contenedores, proxy inverso y certificados TLS.",
		"conclusions": "El sistema se encuentra en producción y monitoreado."}
	if complexity != "" {
		in["complexity"] = complexity
	}
	return in
}
