package procedure

import (
	"context"
	"slices"
	"time"
)

// Store persists cases, their history, their outbox and their documents.
// Implementations: the in-memory store of this package (NewMemoryStore) and
// storage/sqlite. Every implementation must pass proceduretest.TestStore.
type Store interface {
	// Update runs fn in one read-write transaction and commits it when fn
	// returns nil; any error rolls everything back. Stores may serialise
	// Update calls.
	Update(ctx context.Context, fn func(Tx) error) error

	// Case returns a case; ENOTFOUND if there is none.
	Case(ctx context.Context, id string) (Case, error)
	// History returns a case's entries in order; an empty slice when none.
	History(ctx context.Context, caseID string) ([]Entry, error)
	// Cases lists cases matching q, most recently updated first.
	Cases(ctx context.Context, q CaseQuery) ([]Case, error)
	// CountCases counts the cases matching q, ignoring its Limit and Offset.
	CountCases(ctx context.Context, q CaseQuery) (int, error)

	// Outbox lists outbox items matching q, oldest first (in the order they
	// were queued), or newest first when q.Newest is set.
	Outbox(ctx context.Context, q OutboxQuery) ([]OutboxItem, error)
	// CountOutbox counts the outbox items matching q, ignoring its Limit,
	// Offset and Newest.
	CountOutbox(ctx context.Context, q OutboxQuery) (int, error)
	// ClaimOutbox claims, for owner until the lease ends, up to limit
	// pending items of kind whose NextAttempt is not after now and that
	// nobody (owner included) holds under an unexpired lease, oldest first
	// (by CreatedAt, then ID), and returns
	// them with ClaimedBy and ClaimedUntil set. Two dispatchers, in one
	// process or on two machines, never claim the same item at once.
	ClaimOutbox(ctx context.Context, kind EffectKind, owner string, now, until time.Time, limit int) ([]OutboxItem, error)
	// UpdateOutbox records the outcome of processing an item: its Status,
	// Attempts, NextAttempt and LastError. ENOTFOUND if unknown.
	UpdateOutbox(ctx context.Context, item OutboxItem) error

	// PutDocument stores a new version of a document and returns it with
	// Version set (1 for the first). Existing versions are never changed.
	PutDocument(ctx context.Context, doc Document) (Document, error)
	// Documents returns every version of every document of a case, by topic
	// then version.
	Documents(ctx context.Context, caseID string) ([]Document, error)
	// Attachments returns the files attached to a case (Tx.AddAttachment),
	// with their content, by Seq then Input.
	Attachments(ctx context.Context, caseID string) ([]Attachment, error)

	// Scan streams the cases q selects to fn, oldest first (by CreatedAt,
	// then ID), each with its history (entries in order) when q.History is
	// set. The cases are summaries with DefinitionHash (no Data, Secrets or
	// Cites); the entries leave Comment, Outputs, Data and the hashes out.
	// The entries slice is valid only during the call. Stores hold no more
	// than one case's history in memory at a time; an error of fn stops the
	// scan and is returned as it is.
	Scan(ctx context.Context, q ScanQuery, fn func(Case, []Entry) error) error
}

// ScanQuery selects the cases Store.Scan streams. Zero fields do not
// filter.
type ScanQuery struct {
	// Procedures keeps the cases of these procedures; empty keeps all.
	Procedures []string
	Unit       string
	// From and To keep the cases started at or after From and before To.
	From, To time.Time
	// Open keeps only cases that are not in a final state (Step > 0).
	Open bool
	// History streams each case's history with it.
	History bool
}

// MatchScan reports whether case c is one q selects.
func MatchScan(c Case, q ScanQuery) bool {
	switch {
	case len(q.Procedures) > 0 && !slices.Contains(q.Procedures, c.Procedure),
		q.Unit != "" && c.Unit != q.Unit,
		!q.From.IsZero() && c.CreatedAt.Before(q.From),
		!q.To.IsZero() && !c.CreatedAt.Before(q.To),
		q.Open && c.Step == 0:
		return false
	}
	return true
}

// LeanEntry returns e as Store.Scan streams it: without Comment, Outputs,
// Data and the hashes.
func LeanEntry(e Entry) Entry {
	e.Comment, e.Outputs, e.Data, e.PrevHash, e.Hash = "", nil, nil, "", ""
	return e
}

// ScanCase returns c as Store.Scan streams it: a summary with its
// DefinitionHash.
func ScanCase(c Case) Case {
	c.Data, c.Secrets, c.Cites = nil, nil, nil
	return c
}

// LatestDocuments is implemented by stores that can read only the latest
// version of each document of a case, without the bytes of the others:
// report.Signing asks it what is left to sign, case after case. Stores
// that implement it pass proceduretest.TestStore's LatestDocuments.
type LatestDocuments interface {
	// LatestDocuments returns the latest version of each document of a
	// case, by topic; an empty slice when none.
	LatestDocuments(ctx context.Context, caseID string) ([]Document, error)
}

// Tx is the view of a Store inside Update.
type Tx interface {
	// Case reads a case; ENOTFOUND if there is none.
	Case(id string) (Case, error)
	// LastEntry returns the last history entry of a case; ok is false when
	// the case has none.
	LastEntry(caseID string) (e Entry, ok bool, err error)
	// CreateCase inserts a new case at Version 1; ECONFLICT if the ID exists.
	CreateCase(c Case) error
	// UpdateCase replaces a case whose stored Version is c.Version-1;
	// ECONFLICT otherwise (someone else changed it first).
	UpdateCase(c Case) error
	// AppendEntry appends a history entry; ECONFLICT if its Seq is taken.
	AppendEntry(e Entry) error
	// Enqueue adds outbox items; ECONFLICT if an ID exists.
	Enqueue(items ...OutboxItem) error
	// AddAttachment stores a file given with the entry a.Seq of case
	// a.CaseID; ECONFLICT if that entry already has one for a.Input.
	// Attachments are never changed.
	AddAttachment(a Attachment) error
	// NextNumber takes the next number of a series in a year: 1, 2, 3…
	// without gaps, unique even under concurrent transactions.
	NextNumber(series string, year int) (int, error)
}

// CaseQuery selects cases. Zero fields do not filter.
type CaseQuery struct {
	Procedure string
	State     State
	Unit      string
	// Text matches, case-insensitively, as a substring, any of what
	// SearchText lists: the case number, the system name, the requesting
	// unit, the requester (ID or name) and the cite numbers.
	Text string
	// Inbox, when set, keeps only the cases waiting for this actor.
	Inbox *Actor
	// Open keeps only cases that are not in a final state (Step > 0).
	Open bool
	// Summary leaves Data and Secrets out of the cases returned: lists
	// (inboxes, tables) show neither, and stores need not read them.
	Summary bool
	Limit   int
	Offset  int
}

// OutboxQuery selects outbox items. Zero fields do not filter.
type OutboxQuery struct {
	// ID keeps the one item with this ID.
	ID     string
	CaseID string
	Kind   EffectKind
	Status OutboxStatus
	// DueBy keeps items whose NextAttempt is not after it.
	DueBy time.Time
	// Newest reverses the listing: newest first instead of oldest first.
	// Dispatchers read the default order; a screen pages from the newest.
	Newest bool
	// Limit caps how many items are listed; 0 lists all.
	Limit int
	// Offset skips that many matching items, in the listing's order (from
	// the newest when Newest is set).
	Offset int
}

// Directory finds actors. The engine uses it to check the profesional named
// in step 3 and to address emails.
type Directory interface {
	// Actor returns an actor by ID; ENOTFOUND if unknown.
	Actor(ctx context.Context, id string) (Actor, error)
	// Holders returns the actors holding role; when unit is not empty, only
	// members of that unit.
	Holders(ctx context.Context, role RoleID, unit string) ([]Actor, error)
}

// People is a Directory that also keeps actors and their password hashes.
// The desktop client signs staff in with it. Stores that persist people
// implement it and pass proceduretest.TestPeople.
type People interface {
	Directory
	// SaveActor inserts an actor or replaces the one with its ID.
	SaveActor(ctx context.Context, a Actor) error
	// Actors returns every actor, ordered by name.
	Actors(ctx context.Context) ([]Actor, error)
	// SetPasswordHash stores an actor's password hash (bcrypt or similar,
	// never the password); ENOTFOUND for an unknown actor.
	SetPasswordHash(ctx context.Context, actorID string, hash []byte) error
	// PasswordHash returns an actor's password hash; ENOTFOUND when the
	// actor or its hash does not exist.
	PasswordHash(ctx context.Context, actorID string) ([]byte, error)
}

// Clock tells the time. Inject a fixed clock in tests.
type Clock interface{ Now() time.Time }

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// SystemClock is the wall clock.
var SystemClock Clock = ClockFunc(time.Now)

// ChangeFeed tells a client which cases changed, whoever changed them: this
// process, another process on the same SQLite file, or another machine on
// the same PostgreSQL database. The desktop client refreshes its inbox
// from it.
type ChangeFeed interface {
	// Watch returns a channel that receives the ID of every case that
	// changes after the call, until ctx ends; then the channel is closed.
	// A case changes when it is created or updated, when a version of one
	// of its documents is stored and when one of its outbox items changes
	// status (proceduretest.TestFeedFollowsOutputs).
	// A slow reader may see an ID once for several changes.
	Watch(ctx context.Context) (<-chan string, error)
}
