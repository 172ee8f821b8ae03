package procedure

import (
	"maps"
	"slices"
	"time"
)

// Grant is a role an actor holds, possibly ad interim (a.i.).
type Grant struct {
	Role    RoleID `json:"role"`
	Interim bool   `json:"interim,omitempty"`
}

// Actor is a person who acts on cases.
type Actor struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	// Unit is the requesting unit the actor belongs to (for the
	// solicitante role) or the actor's own unit.
	Unit   string  `json:"unit,omitempty"`
	Grants []Grant `json:"grants"`
}

// Holds returns the grant of role, if the actor holds it.
func (a Actor) Holds(role RoleID) (Grant, bool) {
	for _, g := range a.Grants {
		if g.Role == role {
			return g, true
		}
	}
	return Grant{}, false
}

// Inputs are the values given with an event, by input name.
type Inputs map[string]string

// Case is one run of a procedure.
type Case struct {
	ID        string `json:"id"`
	Procedure string `json:"procedure"`
	State     State  `json:"state"`
	// Version increases by one with every committed change; stores use it
	// for optimistic concurrency.
	Version     int64  `json:"version"`
	System      string `json:"system"`
	Description string `json:"description"`
	Unit        string `json:"unit"`
	RequesterID string `json:"requester_id"`
	// RequesterName is the requester's name when the case was filed.
	RequesterName string `json:"requester_name,omitempty"`
	// Assignee is the profesional assigned in step 3.
	Assignee string `json:"assignee,omitempty"`
	// Step is the manual step the case waits for (0 when final).
	Step int `json:"step"`
	// WaitingRole, WaitingActor and WaitingUnit say who the case waits
	// for: holders of WaitingRole, narrowed to WaitingActor or to members
	// of WaitingUnit when set. Stores index them for inboxes.
	WaitingRole  RoleID `json:"waiting_role,omitempty"`
	WaitingActor string `json:"waiting_actor,omitempty"`
	WaitingUnit  string `json:"waiting_unit,omitempty"`
	// Data holds the latest value of every non-secret input given so far.
	Data Inputs `json:"data,omitempty"`
	// Cites holds the cite number of each numbered document of the case,
	// by topic: a document rendered again (a new version with a later
	// sign-off, or after a return for correction) keeps its number.
	Cites map[string]string `json:"cites,omitempty"`
	// DefinitionHash identifies the version of the procedure's definition
	// the case started under (Definition.Hash): the case finishes under it
	// even after a newer version is deployed.
	DefinitionHash string `json:"definition_hash,omitempty"`
	// Secrets is the sealed blob of the step 1 secrets, nil when there are
	// none or after they were purged.
	Secrets   []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// LastActor is the name of who last handed the case on: who took the
	// latest transition that changed whom the case waits for. A step the
	// same person takes next ("Iniciar el trabajo" before concluding)
	// keeps it, so that an inbox, which shows it as the sender, never names
	// the reader for a case someone else sent.
	LastActor string `json:"last_actor,omitempty"`
	// Clock is the clock of the step the case waits for, when the step has
	// a deadline (an extension of the agency): when it falls due, whether
	// it is overdue or paused. The engine fills it in Case, Inbox and
	// DueCases from the history; stores never keep it.
	Clock *StepClock `json:"clock,omitempty"`
}

// Clone returns a deep copy of c.
func (c Case) Clone() Case {
	if c.Data != nil {
		d := make(Inputs, len(c.Data))
		for k, v := range c.Data {
			d[k] = v
		}
		c.Data = d
	}
	c.Cites = maps.Clone(c.Cites)
	c.Secrets = slices.Clone(c.Secrets)
	if c.Clock != nil {
		k := *c.Clock
		c.Clock = &k
	}
	return c
}

// OutboxStatus is the delivery state of an outbox item.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxPending OutboxStatus = "pending"
	OutboxSent    OutboxStatus = "sent"
	OutboxFailed  OutboxStatus = "failed"
	OutboxSkipped OutboxStatus = "skipped"
)

// Address is an email recipient.
type Address struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// OutboxItem is a side effect a committed transition owes: a document to
// render or an email to send. Items are created in the transition's
// transaction and processed after commit.
type OutboxItem struct {
	// ID is stable and unique: "<case>/<seq>/<kind>/<topic>".
	ID     string     `json:"id"`
	CaseID string     `json:"case_id"`
	Seq    int        `json:"seq"`
	Kind   EffectKind `json:"kind"`
	Topic  string     `json:"topic"`
	// Number is the cite number the document took, if any.
	Number string       `json:"number,omitempty"`
	To     []Address    `json:"to,omitempty"`
	Cc     []Address    `json:"cc,omitempty"`
	Attach []string     `json:"attach,omitempty"`
	Status OutboxStatus `json:"status"`
	// Attempts counts delivery attempts; NextAttempt is when the next may run.
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	// ClaimedBy and ClaimedUntil record the dispatcher holding the item
	// (see Store.ClaimOutbox).
	ClaimedBy    string    `json:"claimed_by,omitempty"`
	ClaimedUntil time.Time `json:"claimed_until"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Document is a rendered document of a case. Documents are never
// overwritten: a correction is stored as a new Version.
type Document struct {
	CaseID  string `json:"case_id"`
	Topic   string `json:"topic"`
	Version int    `json:"version"`
	Number  string `json:"number,omitempty"`
	// Seq is the history entry the version reflects: the one whose event
	// queued it.
	Seq int `json:"seq,omitempty"`
	// SHA256 is the hex digest of Content.
	SHA256    string    `json:"sha256"`
	Content   []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// Follows, when not zero, makes PutDocument store the new version only
	// if the topic's latest version is Follows (ECONFLICT otherwise, see
	// StaleDocument): a version signed over version N lands as N+1 or not
	// at all, even when two replicas accept signatures at once. It is not
	// stored.
	Follows int `json:"-"`
}

// StaleDocument returns the ECONFLICT error of PutDocument when the
// latest version of a document is no longer doc.Follows.
func StaleDocument(doc Document) error {
	return Errorf(ECONFLICT, "la versión %d del documento %s del trámite %s ya no es la última: otra versión se guardó antes; vuelva a intentar sobre la última",
		doc.Follows, doc.Topic, doc.CaseID)
}
