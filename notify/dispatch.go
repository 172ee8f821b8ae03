package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Defaults of a Dispatcher.
const (
	DefaultBatchSize     = 50
	DefaultLease         = 15 * time.Minute
	DefaultBackoffBase   = 30 * time.Second
	DefaultBackoffMax    = time.Hour
	DefaultMaxAttempts   = 12
	DefaultNotReadyDelay = 30 * time.Second
	DefaultPollInterval  = 15 * time.Second
)

// Dispatcher sends the email items of a store's outbox. Create it with
// NewDispatcher; it is safe for concurrent use, and several dispatchers
// (in one process or on several machines) may drain one store: the
// store's leases keep them from sending the same item at once.
type Dispatcher struct {
	store         procedure.Store
	defs          Definitions
	cfg           Config
	clock         procedure.Clock
	owner         string
	batch         int
	lease         time.Duration
	backoffBase   time.Duration
	backoffMax    time.Duration
	maxAttempts   int
	notReadyDelay time.Duration
	poll          time.Duration
	log           *slog.Logger
	journal       *journal
	wake          chan struct{}
	bufs          sync.Pool
	// crashAfter, in tests, makes a Drain stop dead right after that many
	// journal records, as if the process died: nothing more is sent,
	// synced, copied or written to the store.
	crashAfter int
}

// Option configures a Dispatcher.
type Option func(*Dispatcher)

// WithClock sets the clock that decides when items are due and when
// leases end (default procedure.SystemClock).
func WithClock(c procedure.Clock) Option { return func(d *Dispatcher) { d.clock = c } }

// WithOwner names the dispatcher in the store's claims (default
// "notify/<hostname>/<pid>").
func WithOwner(owner string) Option { return func(d *Dispatcher) { d.owner = owner } }

// WithBatchSize sets how many items are claimed at once (default 50).
func WithBatchSize(n int) Option { return func(d *Dispatcher) { d.batch = n } }

// WithLease sets how long a claim lasts (default 15 minutes). Items whose
// lease is about to end are released rather than sent.
func WithLease(l time.Duration) Option { return func(d *Dispatcher) { d.lease = l } }

// WithBackoff sets the delay after the first temporary failure and its
// ceiling: the delay doubles with every attempt, with random jitter in
// its upper half (default 30s and 1h).
func WithBackoff(base, max time.Duration) Option {
	return func(d *Dispatcher) { d.backoffBase, d.backoffMax = base, max }
}

// WithMaxAttempts sets after how many temporary failures of a message
// (4xx replies, a connection lost while sending it) the item is marked
// failed (default 12). Failures to reach the server at all never fail an
// item: it waits, pending, until the server is back.
func WithMaxAttempts(n int) Option { return func(d *Dispatcher) { d.maxAttempts = n } }

// WithNotReadyDelay sets how long to wait before looking again for an
// attachment that is not rendered yet (default 30s).
func WithNotReadyDelay(t time.Duration) Option { return func(d *Dispatcher) { d.notReadyDelay = t } }

// WithPollInterval sets how often Run drains the outbox (default 15s).
func WithPollInterval(t time.Duration) Option { return func(d *Dispatcher) { d.poll = t } }

// WithLogger sets the logger (default: discard). Message bodies and
// credentials are never logged.
func WithLogger(l *slog.Logger) Option { return func(d *Dispatcher) { d.log = l } }

// NewDispatcher returns a Dispatcher of store's email outbox. defs gives
// the procedure definitions (a *procedure.Engine will do). It returns
// EINVALID when cfg is invalid.
func NewDispatcher(store procedure.Store, defs Definitions, cfg Config, opts ...Option) (*Dispatcher, error) {
	if store == nil || defs == nil {
		return nil, procedure.Errorf(procedure.EINVALID, "el despachador de correo necesita el almacenamiento y las definiciones de los procedimientos")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	d := &Dispatcher{store: store, defs: defs, cfg: cfg, clock: procedure.SystemClock,
		owner: "notify/" + host + "/" + strconv.Itoa(os.Getpid()),
		batch: DefaultBatchSize, lease: DefaultLease, backoffBase: DefaultBackoffBase, backoffMax: DefaultBackoffMax,
		maxAttempts: DefaultMaxAttempts, notReadyDelay: DefaultNotReadyDelay, poll: DefaultPollInterval,
		log: slog.New(slog.DiscardHandler), journal: newJournal(cfg.MailDir), wake: make(chan struct{}, 1)}
	for _, o := range opts {
		o(d)
	}
	if d.batch <= 0 || d.lease <= 0 || d.backoffBase <= 0 || d.backoffMax < d.backoffBase || d.maxAttempts <= 0 || d.poll <= 0 {
		return nil, procedure.Errorf(procedure.EINVALID, "opciones del despachador inválidas: el lote, la concesión, las esperas y los intentos deben ser positivos")
	}
	return d, nil
}

// Stats counts what one Drain did.
type Stats struct {
	// Sent: accepted by the server in this pass.
	Sent int
	// Recovered: found already accepted (their record is in a batch
	// journal) and marked sent without sending them again.
	Recovered int
	// Retried: left pending after a temporary failure.
	Retried int
	// NotReady: left pending because an attachment is not rendered yet.
	NotReady int
	// Failed: marked failed (permanent failure, or too many attempts).
	Failed int
	// Skipped: their topic is switched off in Config.Kinds.
	Skipped int
	// Released: claimed but put back untouched (lease about to end, or
	// the context ended).
	Released int
}

// Total is the number of items the pass handled.
func (s Stats) Total() int {
	return s.Sent + s.Recovered + s.Retried + s.NotReady + s.Failed + s.Skipped + s.Released
}

// String reports the counts in Spanish.
func (s Stats) String() string {
	return fmt.Sprintf("enviados %d, recuperados %d, reintentar %d, en espera de adjunto %d, fallidos %d, omitidos %d, devueltos %d",
		s.Sent, s.Recovered, s.Retried, s.NotReady, s.Failed, s.Skipped, s.Released)
}

type caseData struct {
	cs      procedure.Case
	def     *procedure.Definition
	history []procedure.Entry
	docs    []procedure.Document
	// atts are the case's attached files, read on first need.
	atts     []procedure.Attachment
	attsRead bool
	err      error
}

// pass is the state of one Drain. A batch goes through three stages that
// overlap: prepare (read the case, compose), deliver (the SMTP
// transaction on the one connection, then the journal record of each
// accepted message) and record (sync the journal, update the store), so
// disk and store work hide behind the network: a batch is recorded while
// the next one is sent.
type pass struct {
	now     time.Time
	cl      *client
	connErr error
	cases   map[string]*caseData
	// records counts the journal records written; crashed is set when
	// crashAfter is reached.
	records int
	crashed atomic.Bool

	mu    sync.Mutex
	stats Stats
	errs  []error
}

func (p *pass) count(f func(*Stats)) {
	p.mu.Lock()
	f(&p.stats)
	p.mu.Unlock()
}

func (p *pass) fail(err error) {
	p.mu.Lock()
	p.errs = append(p.errs, err)
	p.mu.Unlock()
}

// preparedAhead is how many composed messages may wait to be sent: enough
// that the connection never waits for composing while the other core is
// busy elsewhere for a moment.
const preparedAhead = 16

// recorderWorkers write outcomes in parallel: a shared store answers over
// the network.
const recorderWorkers = 4

// job is an item on its way through a pass.
type job struct {
	it  procedure.OutboxItem
	now time.Time
	// raw is the message to send; nil when the item's outcome is decided.
	raw []byte
	// skip: leave the item untouched (its lease ended).
	skip bool
	// commit: the server accepted raw.
	commit bool
	// journaled: raw's record is in the batch journal, so the outcome may
	// wait for the end of the batch.
	journaled bool
	// buf holds raw; it goes back to the Dispatcher's pool once the batch
	// is recorded.
	buf *bytes.Buffer
}

// buffer returns an empty buffer from the pool of composed messages: a
// drain composes every message into a buffer a message recorded before it
// used, rather than allocating and collecting one per message.
func (d *Dispatcher) buffer() *bytes.Buffer {
	if b, ok := d.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// Drain makes one pass over the outbox: it claims the email items due now
// and sends them over one connection, which it opens only if there is
// something to send. Items it cannot send now are left pending for a
// later pass. The error reports what stopped sending (the server
// unreachable, the context ended, the store failing) and any failure to
// keep the journal or the archive; Stats says what happened to each
// item either way.
func (d *Dispatcher) Drain(ctx context.Context) (Stats, error) {
	p := &pass{now: d.clock.Now(), cases: map[string]*caseData{}}
	defer func() {
		if p.cl != nil {
			p.cl.close()
		}
	}()
	if err := d.journal.refresh(); err != nil {
		p.fail(err)
	} else if err := d.journal.tidy(ctx, d.store, 2*d.lease); err != nil {
		p.fail(err)
		d.log.LogAttrs(ctx, slog.LevelWarn, "notify journal", slog.String("error", err.Error()))
	}
	jw := d.journal.writer()
	// recorded is closed when the last batch is recorded, older when the
	// one before it is: at most two batches wait to be recorded.
	var recorded, older chan struct{}
	for !p.crashed.Load() {
		if older != nil {
			<-older
		}
		items, err := d.store.ClaimOutbox(ctx, procedure.EffectEmail, d.owner, p.now, d.clock.Now().Add(d.lease), d.batch)
		if err != nil {
			p.fail(fmt.Errorf("claim outbox: %w", err))
			break
		}
		if len(items) == 0 {
			break
		}
		// The record of an item accepted in an earlier attempt was written
		// before that attempt's lease ended, so before this claim.
		if err := d.journal.refresh(); err != nil {
			// Without the journals an accepted message could go twice:
			// put the batch back for a later pass.
			p.fail(err)
			for _, it := range items {
				d.update(ctx, p, d.release(p, job{it: it, now: d.clock.Now()}))
			}
			break
		}
		prepared := make(chan job, preparedAhead)
		go func() {
			defer close(prepared)
			for _, it := range items {
				prepared <- d.prepare(ctx, p, it)
			}
		}()
		b := jw.begin()
		done := make(chan job, 64)
		prev, next := recorded, make(chan struct{})
		go func() {
			defer close(next)
			d.record(ctx, p, b, done, prev)
		}()
		older, recorded = recorded, next
		for j := range prepared {
			if p.crashed.Load() {
				continue
			}
			j = d.deliver(ctx, p, j)
			if j.commit && b != nil {
				if err := b.append(j.it.ID, j.raw); err != nil {
					// Its outcome goes to the store at once instead.
					p.fail(err)
					d.logItem(ctx, j.it, slog.LevelError, "notify journal", slog.String("error", err.Error()))
				} else {
					j.journaled = true
					if p.records++; p.records == d.crashAfter {
						p.crashed.Store(true)
					}
				}
			}
			done <- j
		}
		close(done)
		if len(items) < d.batch || ctx.Err() != nil {
			break
		}
	}
	if recorded != nil {
		<-recorded
	}
	if p.crashed.Load() {
		p.fail(errors.New("simulated crash"))
	} else {
		jw.close()
	}
	if p.connErr != nil {
		p.fail(p.connErr)
	}
	if ctx.Err() != nil {
		p.fail(ctx.Err())
	}
	return p.stats, errors.Join(p.errs...)
}

// record writes the outcomes of one batch. Those of items not sent, or
// sent without a journal record, go to the store at once. At the end of
// the batch, once the batch before it is recorded (prev), the journal is
// synced, then the store learns the outcomes of the messages it holds;
// the journal joins the archive once its last batch is recorded.
func (d *Dispatcher) record(ctx context.Context, p *pass, b *batch, done <-chan job, prev <-chan struct{}) {
	var sent []job
	for j := range done {
		switch {
		case p.crashed.Load():
		case j.skip:
		case j.journaled:
			sent = append(sent, j)
		default:
			d.update(ctx, p, j)
		}
	}
	if prev != nil {
		<-prev
	}
	if p.crashed.Load() {
		// The process is gone: nothing more reaches the disk or the store.
		return
	}
	if len(sent) == 0 {
		b.finish(true)
		return
	}
	if err := b.sync(); err != nil {
		// The store is the other record: go on, but say so.
		p.fail(err)
		d.log.LogAttrs(ctx, slog.LevelError, "notify journal", slog.String("error", err.Error()))
	}
	var missing atomic.Bool
	parallel(len(sent), func(i int) {
		if !d.update(ctx, p, sent[i]) {
			missing.Store(true)
		}
	})
	for _, j := range sent {
		if j.buf != nil {
			d.bufs.Put(j.buf)
		}
	}
	// The journal stays while an outcome is missing: later passes read
	// it, and tidy archives it once it is of no more use.
	b.finish(!missing.Load())
}

// parallel runs f(0)…f(n-1) on up to recorderWorkers goroutines.
func parallel(n int, f func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, recorderWorkers) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}

// update writes the item's outcome to the store and releases its claim.
// It reports whether the store took it.
func (d *Dispatcher) update(ctx context.Context, p *pass, j job) bool {
	if j.skip {
		return true
	}
	it := j.it
	it.ClaimedBy, it.ClaimedUntil, it.UpdatedAt = "", time.Time{}, j.now
	// The outcome is recorded even when ctx has ended: it already happened.
	if err := d.store.UpdateOutbox(context.WithoutCancel(ctx), it); err != nil {
		p.fail(fmt.Errorf("update outbox %s: %w", it.ID, err))
		d.log.LogAttrs(ctx, slog.LevelError, "notify update outbox", slog.String("item", it.ID), slog.String("status", string(it.Status)), slog.String("error", err.Error()))
		return false
	}
	return true
}

// Run drains the outbox every poll interval, and at once after Wake,
// until ctx ends; it returns ctx's error. Failures are logged and retried
// on the next pass.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.poll)
	defer t.Stop()
	for {
		st, err := d.Drain(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			d.log.LogAttrs(ctx, slog.LevelWarn, "notify drain", slog.String("error", err.Error()), slog.String("stats", st.String()))
		} else if st.Total() > 0 {
			d.log.LogAttrs(ctx, slog.LevelInfo, "notify drain", slog.String("stats", st.String()))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-d.wake:
		}
	}
}

// Wake makes Run drain now instead of at the next tick, e.g. right after
// a transition committed. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// backoff returns the wait after the n-th failed attempt (n >= 1).
func (d *Dispatcher) backoff(n int) time.Duration {
	delay := d.backoffMax
	if n < 40 {
		if b := d.backoffBase << (n - 1); b > 0 && b < d.backoffMax {
			delay = b
		}
	}
	half := delay / 2
	if half <= 0 {
		return delay
	}
	return delay - half + rand.N(half+1)
}

func (d *Dispatcher) margin() time.Duration {
	return 5*d.cfg.commandTimeout() + d.cfg.dialTimeout()
}

func (d *Dispatcher) logItem(ctx context.Context, it procedure.OutboxItem, level slog.Level, msg string, attrs ...slog.Attr) {
	if !d.log.Enabled(ctx, level) {
		return
	}
	d.log.LogAttrs(ctx, level, msg, append([]slog.Attr{slog.String("item", it.ID)}, attrs...)...)
}

// retry leaves j pending after a temporary failure; counts says whether
// the failure is the message's (it counts toward WithMaxAttempts).
func (d *Dispatcher) retry(ctx context.Context, p *pass, j job, reason string, counts bool) job {
	j.raw = nil
	j.it.Attempts++
	j.it.LastError = reason
	if counts && j.it.Attempts >= d.maxAttempts {
		j.it.Status = procedure.OutboxFailed
		j.it.LastError = fmt.Sprintf("falló tras %d intentos: %s", j.it.Attempts, reason)
		p.count(func(s *Stats) { s.Failed++ })
		d.logItem(ctx, j.it, slog.LevelWarn, "notify failed", slog.String("error", j.it.LastError))
		return j
	}
	j.it.NextAttempt = j.now.Add(d.backoff(j.it.Attempts))
	p.count(func(s *Stats) { s.Retried++ })
	return j
}

// configError reports whether a connection failed for a reason only a
// change of configuration mends (dial classifies those as EINVALID).
func configError(err error) bool { return procedure.ErrorCode(err) == procedure.EINVALID }

// failed marks j failed for good (until Retry).
func (d *Dispatcher) failed(ctx context.Context, p *pass, j job, reason string) job {
	j.raw = nil
	j.it.Attempts++
	j.it.Status, j.it.LastError = procedure.OutboxFailed, reason
	p.count(func(s *Stats) { s.Failed++ })
	d.logItem(ctx, j.it, slog.LevelWarn, "notify failed", slog.String("error", reason))
	return j
}

// prepare decides what to do with a claimed item and, when it is to be
// sent, composes it.
func (d *Dispatcher) prepare(ctx context.Context, p *pass, it procedure.OutboxItem) job {
	j := job{it: it, now: d.clock.Now()}
	if !d.cfg.Enabled(it.Topic) {
		j.it.Status, j.it.LastError = procedure.OutboxSkipped, "este tipo de correo ("+it.Topic+") está desactivado en la configuración"
		p.count(func(s *Stats) { s.Skipped++ })
		return j
	}
	if _, ok := d.journal.sent(it); ok {
		// Accepted by the server in an earlier attempt whose outcome was
		// not recorded (the process died or the store failed after 250);
		// the journal that holds its record archives it when retired.
		j.it.Status, j.it.LastError = procedure.OutboxSent, ""
		p.count(func(s *Stats) { s.Recovered++ })
		d.logItem(ctx, it, slog.LevelInfo, "notify recovered: already accepted, not sent again")
		return j
	}
	content, notReady, err := d.content(ctx, p, it)
	switch {
	case err != nil && procedure.ErrorCode(err) == procedure.ENOTFOUND:
		return d.failed(ctx, p, j, procedure.ErrorMessage(err))
	case err != nil:
		j.it.LastError = "no se pudieron leer los datos del trámite: " + err.Error()
		j.it.NextAttempt = j.now.Add(d.backoff(1))
		p.count(func(s *Stats) { s.Retried++ })
		return j
	case notReady != "":
		j.it.LastError, j.it.NextAttempt = notReady, j.now.Add(d.notReadyDelay)
		p.count(func(s *Stats) { s.NotReady++ })
		return j
	}
	email, err := Build(d.cfg, content)
	buf := d.buffer()
	if err == nil {
		err = composeTo(buf, email)
	}
	if err != nil {
		d.bufs.Put(buf)
		return d.failed(ctx, p, j, "no se pudo redactar el correo: "+procedure.ErrorMessage(err))
	}
	j.raw, j.buf = buf.Bytes(), buf
	return j
}

// deliver sends a prepared job over the pass's connection, opening it if
// needed, and returns the job with its outcome.
func (d *Dispatcher) deliver(ctx context.Context, p *pass, j job) job {
	if j.raw == nil {
		return j
	}
	it := j.it
	now := d.clock.Now()
	j.now = now
	if !now.Before(it.ClaimedUntil) {
		// Our lease ended: someone else may hold the item now. Leave it.
		p.count(func(s *Stats) { s.Released++ })
		return job{it: it, skip: true}
	}
	release := func() job { return d.release(p, j) }
	if ctx.Err() != nil || now.Add(d.margin()).After(it.ClaimedUntil) {
		return release()
	}
	// A connection that fails for a reason of configuration (a refused
	// login, no STARTTLS, an untrusted certificate) counts towards the
	// item's attempts, so that it ends failed with the reason instead of
	// waiting forever; a network outage does not.
	if p.connErr != nil {
		return d.retry(ctx, p, j, procedure.ErrorMessage(p.connErr)+": "+p.connErr.Error(), configError(p.connErr))
	}
	if p.cl == nil {
		var err error
		if p.cl, err = dial(ctx, d.cfg); err != nil {
			p.cl, p.connErr = nil, err
			if ctx.Err() != nil {
				return release()
			}
			return d.retry(ctx, p, j, procedure.ErrorMessage(err)+": "+err.Error(), configError(err))
		}
	}
	out := p.cl.send(d.cfg.From.Email, envelope(it), j.raw)
	if out.broken {
		p.cl.abort()
		p.cl = nil
	}
	if out.err == nil {
		j.commit = true
		j.it.Status, j.it.LastError = procedure.OutboxSent, ""
		if len(out.rejected) > 0 {
			j.it.LastError = "enviado, pero el servidor rechazó a: " + strings.Join(out.rejected, "; ")
		}
		j.it.Attempts++
		p.count(func(s *Stats) { s.Sent++ })
		d.logItem(ctx, it, slog.LevelInfo, "notify sent", slog.String("reply", out.reply))
		return j
	}
	if ctx.Err() != nil {
		return release()
	}
	if out.temporary {
		return d.retry(ctx, p, j, "error temporal del servidor de correo, se reintentará: "+out.err.Error(), true)
	}
	return d.failed(ctx, p, j, "el servidor de correo rechazó el mensaje: "+out.err.Error()+". Corrija la causa y reintente el envío a mano")
}

// release puts a claimed item back untouched, due at once.
func (d *Dispatcher) release(p *pass, j job) job {
	j.raw, j.it.NextAttempt = nil, j.now
	p.count(func(s *Stats) { s.Released++ })
	return j
}

// envelope returns the SMTP recipients of an item: To and Cc, without
// duplicates.
func envelope(it procedure.OutboxItem) []string {
	out := make([]string, 0, len(it.To)+len(it.Cc))
	seen := map[string]bool{}
	for _, a := range append(append([]procedure.Address{}, it.To...), it.Cc...) {
		k := strings.ToLower(a.Email)
		if a.Email == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, a.Email)
	}
	return out
}

// content gathers what the email of it is made from. notReady is set when
// an attachment is not rendered yet.
func (d *Dispatcher) content(ctx context.Context, p *pass, it procedure.OutboxItem) (c Content, notReady string, err error) {
	cd, ok := p.cases[it.CaseID]
	if !ok {
		cd = &caseData{}
		p.cases[it.CaseID] = cd
		cd.cs, cd.err = d.store.Case(ctx, it.CaseID)
		if cd.err == nil {
			cd.def, cd.err = d.defs.DefinitionOf(cd.cs)
		}
		if cd.err == nil {
			cd.history, cd.err = d.store.History(ctx, it.CaseID)
		}
		if cd.err != nil && procedure.ErrorCode(cd.err) != procedure.ENOTFOUND {
			delete(p.cases, it.CaseID) // a store failure: read again next time
		}
	}
	if cd.err != nil {
		return c, "", cd.err
	}
	c = Content{Item: it, Case: cd.cs, Definition: cd.def}
	found := false
	for _, e := range cd.history {
		if e.Seq == it.Seq {
			c.Entry, found = e, true
			break
		}
	}
	if !found {
		// The history may have grown since it was cached.
		h, err := d.store.History(ctx, it.CaseID)
		if err != nil {
			return c, "", err
		}
		cd.history = h
		cd.attsRead = false // the files of the entries read now too
		for _, e := range h {
			if e.Seq == it.Seq {
				c.Entry, found = e, true
				break
			}
		}
		if !found {
			return c, "", procedure.Errorf(procedure.ENOTFOUND, "no existe la entrada %d del historial del trámite %s", it.Seq, it.CaseID)
		}
	}
	// The templates read the case as it stood after the item's entry,
	// earlier entries included ({{.Act "request"}}, {{.Input "…"}}).
	c.History = cd.history
	// The files given with the event that queued the email go with it.
	if !cd.attsRead {
		if cd.atts, err = d.store.Attachments(ctx, it.CaseID); err != nil {
			return c, "", err
		}
		cd.attsRead = true
	}
	for _, a := range cd.atts {
		if a.Seq == it.Seq {
			c.Files = append(c.Files, a)
		}
	}
	for _, topic := range it.Attach {
		doc, ok := latest(cd.docs, topic, it.Seq)
		if !ok || doc.Seq < it.Seq {
			if cd.docs, err = d.store.Documents(ctx, it.CaseID); err != nil {
				return c, "", err
			}
			doc, ok = latest(cd.docs, topic, it.Seq)
		}
		if ok && doc.Seq < it.Seq {
			// The entry that queued the email may have queued a new
			// version too (the conclusion report approved at step 8):
			// wait for it rather than attach the one before.
			owed, err := d.store.Outbox(ctx, procedure.OutboxQuery{CaseID: it.CaseID, Kind: procedure.EffectDocument, Status: procedure.OutboxPending})
			if err != nil {
				return c, "", err
			}
			for _, o := range owed {
				if o.Topic == topic && o.Seq == it.Seq {
					ok = false
				}
			}
		}
		if !ok {
			return c, fmt.Sprintf("esperando el documento %q para adjuntarlo; se reintentará", topic), nil
		}
		c.Attachments = append(c.Attachments, doc)
	}
	return c, "", nil
}

// latest returns the newest version of a document that reflects the
// history up to entry seq.
func latest(docs []procedure.Document, topic string, seq int) (procedure.Document, bool) {
	var best procedure.Document
	ok := false
	for _, d := range docs {
		if d.Topic == topic && d.Seq <= seq && (!ok || d.Version > best.Version) {
			best, ok = d, true
		}
	}
	return best, ok
}
