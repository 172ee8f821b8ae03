package report

import (
	"time"

	"github.com/tramite/tramite/procedure"
)

// Input is what a document is rendered from: a case, its history and its
// procedure. Documents reflect the case as it stood after history entry
// Seq, so a version rendered late still shows only the sign-offs given by
// then.
type Input struct {
	// Topic is the document: one the definition declares
	// (procedure.DocumentDef.Topic).
	Topic string
	// Number is the cite number (procedure.OutboxItem.Number); empty for
	// a document without one.
	Number string
	// Case is the case; its Data must hold only non-secret inputs, as the
	// engine guarantees.
	Case procedure.Case
	// Definition is the case's procedure; it names steps, events, roles and
	// input labels.
	Definition *procedure.Definition
	// History is the case's history, oldest first.
	History []procedure.Entry
	// Seq is the last history entry the document reflects; 0 means all.
	Seq int
	// Names optionally gives the name of the holder of a role (the
	// addressee of the request note, say) when the history does not yet
	// name one.
	Names map[procedure.RoleID]string
	// Actors optionally names people by ID, for inputs that name a person
	// who has not acted in the case yet.
	Actors map[string]string
	// Calendar is the working-day calendar of the definition's deadlines
	// (the agency's, not the manual's); with it, each history entry that
	// ends or starts a step with a deadline says it (procedure.Act's
	// Detail and Deadline): the route sheet shows when each step fell due
	// and whether it was done in time. Nil: no deadline is shown.
	Calendar procedure.Calendar
}

// Institution is the issuing institution printed in every header.
type Institution struct {
	// Name is the institution's name.
	Name string
	// Unit is the issuing unit.
	Unit string
	// City is where documents are dated ("La Paz, 26 de noviembre de 2026").
	City string
}

// DefaultInstitution returns AGETIC's Unidad de Infraestructura
// Tecnológica in La Paz.
func DefaultInstitution() Institution {
	return Institution{
		Name: "Agencia de Gobierno Electrónico y Tecnologías de Información y Comunicación – AGETIC",
		Unit: "Unidad de Infraestructura Tecnológica",
		City: "La Paz",
	}
}

// Options control rendering. The zero value is valid: AGETIC, La Paz time,
// no verification address, and the time of the document's last history
// entry as its creation date, so the same input always gives the same
// bytes.
type Options struct {
	// Institution defaults field by field to DefaultInstitution.
	Institution Institution
	// CreationDate is written into the PDF's metadata; zero means the
	// time of the last history entry the document reflects.
	CreationDate time.Time
	// Location is the time zone dates and times are written in; nil means
	// La Paz (UTC−4, no daylight saving time).
	Location *time.Location
	// VerifyURL is the base of the address where the agency verifies its
	// documents (see VerifyURL); the QR code and every page's footer carry
	// it. Empty, the default, means the agency publishes none: the QR code
	// and the footer carry the verification code and the fingerprint, to
	// check against the case's history in the system.
	VerifyURL string
}

// LaPaz is Bolivia's time zone, UTC−4 all year, without depending on the
// system's time zone database.
var LaPaz = time.FixedZone("BOT", -4*60*60)

func (o Options) withDefaults() Options {
	d := DefaultInstitution()
	if o.Institution.Name == "" {
		o.Institution.Name = d.Name
	}
	if o.Institution.Unit == "" {
		o.Institution.Unit = d.Unit
	}
	if o.Institution.City == "" {
		o.Institution.City = d.City
	}
	if o.Location == nil {
		o.Location = LaPaz
	}
	return o
}

func (in Input) history() []procedure.Entry {
	if in.Seq <= 0 {
		return in.History
	}
	for i, e := range in.History {
		if e.Seq > in.Seq {
			return in.History[:i]
		}
	}
	return in.History
}
