package procedure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store that keeps everything in memory, for tests and for
// programs that embed the engine without persistence. It is safe for
// concurrent use; Update calls are serialised.
type MemoryStore struct {
	mu      sync.Mutex
	cases   map[string]Case
	history map[string][]Entry
	outbox  []*OutboxItem
	outIdx  map[string]*OutboxItem
	numbers map[string]int
	docs    map[string][]Document
	atts    map[string][]Attachment
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		cases: map[string]Case{}, history: map[string][]Entry{}, outIdx: map[string]*OutboxItem{},
		numbers: map[string]int{}, docs: map[string][]Document{},
		atts: map[string][]Attachment{},
	}
}

type memTx struct {
	s       *MemoryStore
	cases   []Case         // written in this transaction, in order
	index   map[string]int // position in cases by ID, once there are many
	entries []Entry
	outbox  []OutboxItem
	numbers map[string]int
	atts    []Attachment
	// Room for a typical transition (one case, one entry, two items), so
	// that a transaction is one allocation.
	caseBuf  [1]Case
	entryBuf [1]Entry
	itemBuf  [2]OutboxItem
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := &memTx{s: s}
	tx.cases, tx.entries, tx.outbox = tx.caseBuf[:0], tx.entryBuf[:0], tx.itemBuf[:0]
	if err := fn(tx); err != nil {
		return err
	}
	for _, c := range tx.cases {
		s.cases[c.ID] = c
	}
	for _, e := range tx.entries {
		s.history[e.CaseID] = append(s.history[e.CaseID], e)
	}
	kept := slices.Clone(tx.outbox) // not tx's buffer: the store keeps these
	for i := range kept {
		it := &kept[i]
		s.outIdx[it.ID] = it
		s.outbox = append(s.outbox, it)
	}
	for k, n := range tx.numbers {
		s.numbers[k] = n
	}
	for _, a := range tx.atts {
		s.atts[a.CaseID] = append(s.atts[a.CaseID], a)
	}
	return nil
}

// AddAttachment implements Tx.
func (tx *memTx) AddAttachment(a Attachment) error {
	if _, ok := tx.peek(a.CaseID); !ok {
		return Errorf(ENOTFOUND, "no existe el trámite %s", a.CaseID)
	}
	for _, x := range append(slices.Clone(tx.s.atts[a.CaseID]), tx.atts...) {
		if x.CaseID == a.CaseID && x.Seq == a.Seq && x.Input == a.Input {
			return Errorf(ECONFLICT, "la entrada %d del trámite %s ya tiene un archivo en %q", a.Seq, a.CaseID, a.Input)
		}
	}
	sum := sha256.Sum256(a.Content)
	a.SHA256, a.Size = hex.EncodeToString(sum[:]), int64(len(a.Content))
	a.Content = slices.Clone(a.Content)
	a.CreatedAt = a.CreatedAt.UTC()
	tx.atts = append(tx.atts, a)
	return nil
}

// Attachments implements Store.
func (s *MemoryStore) Attachments(ctx context.Context, caseID string) ([]Attachment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Attachment, 0, len(s.atts[caseID]))
	for _, a := range s.atts[caseID] {
		a.Content = slices.Clone(a.Content)
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Seq != out[j].Seq {
			return out[i].Seq < out[j].Seq
		}
		return out[i].Input < out[j].Input
	})
	return out, nil
}

func (tx *memTx) Case(id string) (Case, error) {
	c, ok := tx.peek(id)
	if !ok {
		return Case{}, Errorf(ENOTFOUND, "no existe el trámite %s", id)
	}
	return c.Clone(), nil
}

// peek returns the case as the transaction sees it, without a copy: the
// caller must not modify it.
func (tx *memTx) peek(id string) (Case, bool) {
	if tx.index != nil {
		if i, ok := tx.index[id]; ok {
			return tx.cases[i], true
		}
	} else {
		for i := len(tx.cases) - 1; i >= 0; i-- {
			if tx.cases[i].ID == id {
				return tx.cases[i], true
			}
		}
	}
	c, ok := tx.s.cases[id]
	return c, ok
}

func (tx *memTx) LastEntry(caseID string) (Entry, bool, error) {
	for i := len(tx.entries) - 1; i >= 0; i-- {
		if tx.entries[i].CaseID == caseID {
			return tx.entries[i], true, nil
		}
	}
	h := tx.s.history[caseID]
	if len(h) == 0 {
		return Entry{}, false, nil
	}
	return h[len(h)-1], true, nil
}

func (tx *memTx) CreateCase(c Case) error {
	if _, ok := tx.peek(c.ID); ok {
		return Errorf(ECONFLICT, "ya existe el trámite %s", c.ID)
	}
	c = c.Clone()
	c.Version = 1
	tx.put(c)
	return nil
}

func (tx *memTx) UpdateCase(c Case) error {
	cur, ok := tx.peek(c.ID)
	if !ok {
		return Errorf(ENOTFOUND, "no existe el trámite %s", c.ID)
	}
	if cur.Version != c.Version-1 {
		return conflictError(c.ID)
	}
	tx.put(c.Clone())
	return nil
}

// put records a case written in the transaction. A transition writes one;
// past a few (a bulk import), an index keeps lookups constant-time.
func (tx *memTx) put(c Case) {
	tx.cases = append(tx.cases, c)
	const smallTx = 8
	switch {
	case tx.index != nil:
		tx.index[c.ID] = len(tx.cases) - 1
	case len(tx.cases) > smallTx:
		tx.index = make(map[string]int, 2*len(tx.cases))
		for i, c := range tx.cases {
			tx.index[c.ID] = i
		}
	}
}

func conflictError(id string) error {
	return Errorf(ECONFLICT, "otra persona modificó el trámite %s al mismo tiempo; actualice y vuelva a intentar", id)
}

func (tx *memTx) AppendEntry(e Entry) error {
	last, ok, _ := tx.LastEntry(e.CaseID)
	if (ok && last.Seq >= e.Seq) || (!ok && e.Seq != 1) {
		return conflictError(e.CaseID)
	}
	tx.entries = append(tx.entries, e)
	return nil
}

func (tx *memTx) Enqueue(items ...OutboxItem) error {
	for _, it := range items {
		if _, ok := tx.s.outIdx[it.ID]; ok {
			return Errorf(ECONFLICT, "el elemento %s ya está en la bandeja de salida", it.ID)
		}
		for _, o := range tx.outbox {
			if o.ID == it.ID {
				return Errorf(ECONFLICT, "el elemento %s ya está en la bandeja de salida", it.ID)
			}
		}
		tx.outbox = append(tx.outbox, it)
	}
	return nil
}

func (tx *memTx) NextNumber(series string, year int) (int, error) {
	k := numberKey(series, year)
	n, ok := tx.numbers[k]
	if !ok {
		n = tx.s.numbers[k]
	}
	n++
	if tx.numbers == nil {
		tx.numbers = map[string]int{}
	}
	tx.numbers[k] = n
	return n, nil
}

func numberKey(series string, year int) string { return series + "\x00" + strconv.Itoa(year) }

// Case implements Store.
func (s *MemoryStore) Case(ctx context.Context, id string) (Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cases[id]
	if !ok {
		return Case{}, Errorf(ENOTFOUND, "no existe el trámite %s", id)
	}
	return c.Clone(), nil
}

// History implements Store.
func (s *MemoryStore) History(ctx context.Context, caseID string) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Entry{}, s.history[caseID]...), nil
}

// MatchCase reports whether c matches q's filters (not its paging). Stores
// may use it to check their queries.
func MatchCase(c Case, q CaseQuery) bool {
	switch {
	case q.Procedure != "" && c.Procedure != q.Procedure,
		q.State != "" && c.State != q.State,
		q.Unit != "" && c.Unit != q.Unit,
		q.Text != "" && !strings.Contains(SearchText(c), strings.ToLower(q.Text)),
		q.Open && c.Step == 0:
		return false
	}
	if q.Inbox != nil {
		return WaitsFor(c, *q.Inbox)
	}
	return true
}

// SearchText is what CaseQuery.Text is looked for in: the case number, the
// system name, the requesting unit, the requester's ID and name and the
// cite numbers of the case's documents, lower-cased, one per line. Stores
// that keep it in a column compute it with this function.
func SearchText(c Case) string {
	parts := make([]string, 0, 5+len(c.Cites))
	parts = append(parts, c.ID, c.System, c.Unit, c.RequesterID, c.RequesterName)
	topics := make([]string, 0, len(c.Cites))
	for t := range c.Cites {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		parts = append(parts, c.Cites[t])
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// WaitsFor reports whether case c waits for actor a: a holds c's
// WaitingRole and, where the case narrows it, is the waiting actor or a
// member of the waiting unit.
func WaitsFor(c Case, a Actor) bool {
	if c.WaitingRole == "" {
		return false
	}
	if _, ok := a.Holds(c.WaitingRole); !ok {
		return false
	}
	if c.WaitingActor != "" && c.WaitingActor != a.ID {
		return false
	}
	if c.WaitingUnit != "" && c.WaitingUnit != a.Unit {
		return false
	}
	return true
}

func (s *MemoryStore) match(q CaseQuery) []Case {
	var out []Case
	for _, c := range s.cases {
		if MatchCase(c, q) {
			if q.Summary {
				c.Data, c.Secrets = nil, nil
			}
			out = append(out, c.Clone())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].UpdatedAt.Equal(out[j].UpdatedAt) {
			return out[i].UpdatedAt.After(out[j].UpdatedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// Cases implements Store.
func (s *MemoryStore) Cases(ctx context.Context, q CaseQuery) ([]Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.match(q)
	if q.Offset > 0 {
		if q.Offset >= len(out) {
			return []Case{}, nil
		}
		out = out[q.Offset:]
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// CountCases implements Store.
func (s *MemoryStore) CountCases(ctx context.Context, q CaseQuery) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.match(q)), nil
}

// Outbox implements Store.
func (s *MemoryStore) Outbox(ctx context.Context, q OutboxQuery) ([]OutboxItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []OutboxItem{}
	skip := max(q.Offset, 0)
	for i := range s.outbox {
		it := s.outbox[i]
		if q.Newest {
			it = s.outbox[len(s.outbox)-1-i]
		}
		if !MatchOutbox(*it, q) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		out = append(out, cloneItem(*it))
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// CountOutbox implements Store.
func (s *MemoryStore) CountOutbox(ctx context.Context, q OutboxQuery) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, it := range s.outbox {
		if MatchOutbox(*it, q) {
			n++
		}
	}
	return n, nil
}

// MatchOutbox reports whether it matches q's filters.
func MatchOutbox(it OutboxItem, q OutboxQuery) bool {
	switch {
	case q.ID != "" && it.ID != q.ID,
		q.CaseID != "" && it.CaseID != q.CaseID,
		q.Kind != "" && it.Kind != q.Kind,
		q.Status != "" && it.Status != q.Status,
		!q.DueBy.IsZero() && it.NextAttempt.After(q.DueBy):
		return false
	}
	return true
}

func cloneItem(it OutboxItem) OutboxItem {
	it.To = append([]Address(nil), it.To...)
	it.Cc = append([]Address(nil), it.Cc...)
	it.Attach = append([]string(nil), it.Attach...)
	return it
}

// ClaimOutbox implements Store.
func (s *MemoryStore) ClaimOutbox(ctx context.Context, kind EffectKind, owner string, now, until time.Time, limit int) ([]OutboxItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []OutboxItem{}
	for _, it := range s.outbox {
		if it.Kind != kind || it.Status != OutboxPending || it.NextAttempt.After(now) ||
			(it.ClaimedBy != "" && it.ClaimedUntil.After(now)) {
			continue
		}
		it.ClaimedBy, it.ClaimedUntil = owner, until
		out = append(out, cloneItem(*it))
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// UpdateOutbox implements Store.
func (s *MemoryStore) UpdateOutbox(ctx context.Context, item OutboxItem) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.outIdx[item.ID]
	if !ok {
		return Errorf(ENOTFOUND, "no existe el elemento %s en la bandeja de salida", item.ID)
	}
	cur.Status, cur.Attempts, cur.NextAttempt, cur.LastError, cur.UpdatedAt = item.Status, item.Attempts, item.NextAttempt, item.LastError, item.UpdatedAt
	cur.ClaimedBy, cur.ClaimedUntil = item.ClaimedBy, item.ClaimedUntil
	return nil
}

// PutDocument implements Store.
func (s *MemoryStore) PutDocument(ctx context.Context, doc Document) (Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.cases[doc.CaseID]; !ok {
		return Document{}, Errorf(ENOTFOUND, "no existe el trámite %s", doc.CaseID)
	}
	n := 0
	for _, d := range s.docs[doc.CaseID] {
		if d.Topic == doc.Topic && d.Version > n {
			n = d.Version
		}
	}
	if doc.Follows != 0 && doc.Follows != n {
		return Document{}, StaleDocument(doc)
	}
	doc.Version, doc.Follows = n+1, 0
	sum := sha256.Sum256(doc.Content)
	doc.SHA256 = hex.EncodeToString(sum[:])
	doc.Content = append([]byte(nil), doc.Content...)
	s.docs[doc.CaseID] = append(s.docs[doc.CaseID], doc)
	return doc, nil
}

var _ LatestDocuments = (*MemoryStore)(nil)

// LatestDocuments implements LatestDocuments.
func (s *MemoryStore) LatestDocuments(ctx context.Context, caseID string) ([]Document, error) {
	docs, err := s.Documents(ctx, caseID)
	out := []Document{}
	for i, d := range docs {
		if i+1 == len(docs) || docs[i+1].Topic != d.Topic {
			out = append(out, d)
		}
	}
	return out, err
}

// Documents implements Store.
func (s *MemoryStore) Documents(ctx context.Context, caseID string) ([]Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Document{}, s.docs[caseID]...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// StaticDirectory is an in-memory People and Sessions: a Directory of
// actors that also keeps password hashes, sessions and auth events. It is
// safe for concurrent use.
type StaticDirectory struct {
	mu       sync.Mutex
	actors   []Actor
	hashes   map[string][]byte
	sessions map[string]Session // by token hash
	events   []AuthEvent        // in the order recorded
	certs    []Certificate      // in the order bound
}

var (
	_ People   = (*StaticDirectory)(nil)
	_ Sessions = (*StaticDirectory)(nil)
)

// NewDirectory returns a directory of the given actors.
func NewDirectory(actors ...Actor) *StaticDirectory {
	return &StaticDirectory{actors: append([]Actor(nil), actors...), hashes: map[string][]byte{},
		sessions: map[string]Session{}}
}

// Actor implements Directory.
func (d *StaticDirectory) Actor(ctx context.Context, id string) (Actor, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.actors {
		if a.ID == id {
			return a, nil
		}
	}
	return Actor{}, Errorf(ENOTFOUND, "no existe la persona %q", id)
}

// Holders implements Directory.
func (d *StaticDirectory) Holders(ctx context.Context, role RoleID, unit string) ([]Actor, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Actor
	for _, a := range d.actors {
		if _, ok := a.Holds(role); ok && (unit == "" || a.Unit == unit) {
			out = append(out, a)
		}
	}
	return out, nil
}

// SaveActor implements People. Saving an actor with other grants (in
// another order, or another Interim) or another unit than stored, or one
// not stored yet, ends its sessions (see Sessions).
func (d *StaticDirectory) SaveActor(ctx context.Context, a Actor) error {
	if err := CheckActor(a); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a.Grants = slices.Clone(a.Grants)
	for i := range d.actors {
		if d.actors[i].ID == a.ID {
			old := d.actors[i]
			d.actors[i] = a
			if old.Unit != a.Unit || !slices.Equal(old.Grants, a.Grants) {
				d.revoke(a.ID, revokedRoles)
			}
			return nil
		}
	}
	d.actors = append(d.actors, a)
	d.revoke(a.ID, revokedRoles)
	return nil
}

// Actors implements People.
func (d *StaticDirectory) Actors(ctx context.Context) ([]Actor, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := slices.Clone(d.actors)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SetPasswordHash implements People. It ends the actor's sessions (see
// Sessions).
func (d *StaticDirectory) SetPasswordHash(ctx context.Context, id string, hash []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.ContainsFunc(d.actors, func(a Actor) bool { return a.ID == id }) {
		return Errorf(ENOTFOUND, "no existe la persona %q", id)
	}
	d.hashes[id] = slices.Clone(hash)
	d.revoke(id, revokedPassword)
	return nil
}

// PasswordHash implements People.
func (d *StaticDirectory) PasswordHash(ctx context.Context, id string) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h, ok := d.hashes[id]
	if !ok {
		return nil, Errorf(ENOTFOUND, "la persona %q no tiene contraseña", id)
	}
	return slices.Clone(h), nil
}

// The Reason of the AuthRevoked event a store records when it ends an
// actor's sessions.
const (
	revokedPassword = "password" // SetPasswordHash
	revokedRoles    = "roles"    // SaveActor with other grants or unit
)

// revoke ends the sessions of an actor and, if there were any, records an
// AuthRevoked event at the wall clock's now. d.mu is held.
func (d *StaticDirectory) revoke(actorID, reason string) {
	n := 0
	for h, s := range d.sessions {
		if s.ActorID == actorID {
			delete(d.sessions, h)
			n++
		}
	}
	if n > 0 {
		d.events = append(d.events, AuthEvent{At: time.Now().UTC(), Kind: AuthRevoked, Username: actorID,
			ActorID: actorID, Reason: reason})
	}
}

// CreateSession implements Sessions.
func (d *StaticDirectory) CreateSession(ctx context.Context, s Session) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.sessions[s.TokenHash]; ok {
		return Errorf(ECONFLICT, "la sesión ya existe")
	}
	s.CreatedAt, s.LastSeen, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeen.UTC(), s.ExpiresAt.UTC()
	d.sessions[s.TokenHash] = s
	return nil
}

func sessionNotFound() error { return Errorf(ENOTFOUND, "la sesión no existe o ya terminó") }

// Session implements Sessions.
func (d *StaticDirectory) Session(ctx context.Context, tokenHash string) (Session, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.sessions[tokenHash]
	if !ok {
		return Session{}, sessionNotFound()
	}
	return s, nil
}

// TouchSession implements Sessions.
func (d *StaticDirectory) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.sessions[tokenHash]
	if !ok {
		return sessionNotFound()
	}
	s.LastSeen = at.UTC()
	d.sessions[tokenHash] = s
	return nil
}

// DeleteSession implements Sessions.
func (d *StaticDirectory) DeleteSession(ctx context.Context, tokenHash string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.sessions[tokenHash]; !ok {
		return sessionNotFound()
	}
	delete(d.sessions, tokenHash)
	return nil
}

// DeleteSessions implements Sessions.
func (d *StaticDirectory) DeleteSessions(ctx context.Context, actorID string) (int, error) {
	return d.deleteSessions(func(s Session) bool { return s.ActorID == actorID }), nil
}

// DeleteExpiredSessions implements Sessions.
func (d *StaticDirectory) DeleteExpiredSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	return d.deleteSessions(func(s Session) bool { return !s.ExpiresAt.After(now) || s.LastSeen.Before(idleSince) }), nil
}

func (d *StaticDirectory) deleteSessions(match func(Session) bool) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for h, s := range d.sessions {
		if match(s) {
			delete(d.sessions, h)
			n++
		}
	}
	return n
}

// RecordAuth implements Sessions.
func (d *StaticDirectory) RecordAuth(ctx context.Context, ev AuthEvent) error {
	ev.At = ev.At.UTC()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, ev)
	return nil
}

// matchAuth reports whether q selects ev (its Limit aside).
func matchAuth(ev AuthEvent, q AuthQuery) bool {
	return (q.Kind == "" || ev.Kind == q.Kind) && (q.Username == "" || ev.Username == q.Username) &&
		(q.Address == "" || ev.Address == q.Address) && !ev.At.Before(q.Since)
}

// AuthEvents implements Sessions: newest first, and of events at the same
// time the one recorded last first.
func (d *StaticDirectory) AuthEvents(ctx context.Context, q AuthQuery) ([]AuthEvent, error) {
	d.mu.Lock()
	var out []AuthEvent
	for i := len(d.events) - 1; i >= 0; i-- {
		if matchAuth(d.events[i], q) {
			out = append(out, d.events[i])
		}
	}
	d.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// CountAuth implements Sessions.
func (d *StaticDirectory) CountAuth(ctx context.Context, q AuthQuery) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, ev := range d.events {
		if matchAuth(ev, q) {
			n++
		}
	}
	return n, nil
}

// Scan implements Store. The memory store holds everything in memory
// anyway: it copies what q selects, then calls fn outside its lock.
func (s *MemoryStore) Scan(ctx context.Context, q ScanQuery, fn func(Case, []Entry) error) error {
	type scanned struct {
		c Case
		h []Entry
	}
	s.mu.Lock()
	var all []scanned
	for _, c := range s.cases {
		if !MatchScan(c, q) {
			continue
		}
		sc := scanned{c: ScanCase(c.Clone())}
		if q.History {
			sc.h = make([]Entry, 0, len(s.history[c.ID]))
			for _, e := range s.history[c.ID] {
				sc.h = append(sc.h, LeanEntry(e))
			}
		}
		all = append(all, sc)
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(x, y scanned) int {
		if c := x.c.CreatedAt.Compare(y.c.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.c.ID, y.c.ID)
	})
	for _, sc := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(sc.c, sc.h); err != nil {
			return err
		}
	}
	return nil
}
