package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
)

// Signers gives the identity that signs for a person.
type Signers interface {
	// Identity returns the signing identity of the actor; ENOTFOUND when
	// the actor has none.
	Identity(ctx context.Context, actorID string) (Identity, error)
}

// SignersFunc adapts a function to Signers.
type SignersFunc func(ctx context.Context, actorID string) (Identity, error)

// Identity calls f.
func (f SignersFunc) Identity(ctx context.Context, actorID string) (Identity, error) {
	return f(ctx, actorID)
}

// SameSigner returns Signers that sign for everybody with id, as an
// institutional or development identity does. The signature dictionary
// still names the person on whose behalf each signature is made.
func SameSigner(id Identity) Signers {
	return SignersFunc(func(context.Context, string) (Identity, error) { return id, nil })
}

// ProcessorConfig configures a Processor. Only Options has no default
// that matters: the zero value renders AGETIC's documents unsigned.
type ProcessorConfig struct {
	// Options are the rendering options.
	Options Options
	// Signers signs the documents; nil leaves them unsigned.
	Signers Signers
	// Directory, when set, names the holders of the roles a document
	// addresses before the history names them (Input.Names).
	Directory procedure.Directory
	// Dir, when set, also receives every document as a file (mode 0600):
	// "<case>-<topic>.pdf" holds the latest version and
	// "<case>-<topic>-v<N>.pdf" each version, never overwritten.
	Dir string
	// Owner names this processor in outbox claims (default
	// "report/<hostname>/<pid>").
	Owner string
	// Clock tells the time (default procedure.SystemClock).
	Clock procedure.Clock
	// Lease is how long a claim lasts (default two minutes).
	Lease time.Duration
	// Batch is how many items one claim takes (default 10).
	Batch int
	// MaxAttempts is how many failed attempts mark an item failed
	// (default 5). Errors with code EINVALID or ENOTFOUND fail at once.
	MaxAttempts int
	// Backoff is the wait before the next attempt after n failures
	// (default 30s·2ⁿ⁻¹, at most one hour).
	Backoff func(n int) time.Duration
}

// Processor renders the documents the engine queues in its outbox
// (procedure.EffectDocument items), after the transitions that queued
// them have committed: it claims items, renders each document as the case
// stood at the item's history entry, signs it, stores it as a new version
// with Store.PutDocument and marks the item sent. Failures are retried
// with backoff; permanent ones mark the item failed.
//
// The conclusion report (informe or nota de conclusión) is queued again at
// steps 7 and 8 under the same cite number. Each time the Processor
// renders a complete new version whose sign-off blocks show everyone who
// has signed off by then, and signs it once per sign-off, in order
// (elaborado, revisado, aprobado), with incremental signatures: version 3
// carries three valid signatures, each covering the same visible content.
// Re-rendering, rather than appending signatures to the previous version's
// bytes, keeps the visible blocks and the signatures in agreement and
// keeps every version self-contained.
type Processor struct {
	store procedure.Store
	defs  Definitions
	cfg   ProcessorConfig
}

// Definitions gives the definition a case runs under (the version it
// started with); *procedure.Engine implements it. When it also tells the
// working-day calendar (Calendar() procedure.Calendar, as the engine
// does), the documents of a definition with deadlines show them.
type Definitions interface {
	DefinitionOf(c procedure.Case) (*procedure.Definition, error)
}

// calendars is what a Definitions (the engine) may also tell: the
// working-day calendar deadlines run in.
type calendars interface {
	Calendar() procedure.Calendar
}

// NewProcessor returns a Processor on store; defs (the engine) gives each
// case's definition. It returns EINVALID without a store or definitions.
func NewProcessor(store procedure.Store, defs Definitions, cfg ProcessorConfig) (*Processor, error) {
	if store == nil {
		return nil, procedure.Errorf(procedure.EINVALID, "report: el procesador de documentos necesita un almacenamiento")
	}
	if defs == nil {
		return nil, procedure.Errorf(procedure.EINVALID, "report: el procesador de documentos necesita las definiciones de los procedimientos (por ejemplo engine.Definitions())")
	}
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		cfg.Owner = "report/" + host + "/" + strconv.Itoa(os.Getpid())
	}
	if cfg.Clock == nil {
		cfg.Clock = procedure.SystemClock
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 10
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(n int) time.Duration {
			d := 30 * time.Second << min(max(n-1, 0), 7)
			return min(d, time.Hour)
		}
	}
	return &Processor{store: store, defs: defs, cfg: cfg}, nil
}

// Result is the outcome of processing one outbox item.
type Result struct {
	Item procedure.OutboxItem
	// Document is the stored version, when the item succeeded.
	Document procedure.Document
	// Fingerprint is the document's Fingerprint, the one its QR code and
	// footer print (VerifyCode gives the short code printed on it); not
	// Document.SHA256, the digest of the signed bytes.
	Fingerprint string
	// Err is why the item failed, nil on success.
	Err error
}

// RunOnce claims one batch of due document items and processes them. It
// returns what happened to each; err is only for a failed claim.
func (p *Processor) RunOnce(ctx context.Context) ([]Result, error) {
	now := p.cfg.Clock.Now()
	items, err := p.store.ClaimOutbox(ctx, procedure.EffectDocument, p.cfg.Owner, now, now.Add(p.cfg.Lease), p.cfg.Batch)
	if err != nil {
		return nil, fmt.Errorf("report: reclamar documentos pendientes: %w", err)
	}
	out := make([]Result, 0, len(items))
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		out = append(out, p.process(ctx, it))
	}
	return out, nil
}

// Drain processes batches until no due item is left and returns every
// result.
func (p *Processor) Drain(ctx context.Context) ([]Result, error) {
	var all []Result
	for {
		rs, err := p.RunOnce(ctx)
		all = append(all, rs...)
		if err != nil || len(rs) == 0 {
			return all, err
		}
	}
}

// Run drains the outbox every interval until ctx ends; then it returns
// ctx's error.
func (p *Processor) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := p.Drain(ctx); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (p *Processor) process(ctx context.Context, it procedure.OutboxItem) Result {
	doc, sum, err := p.build(ctx, it)
	now := p.cfg.Clock.Now()
	it.Attempts++
	it.UpdatedAt = now
	it.ClaimedBy, it.ClaimedUntil = "", time.Time{}
	if err == nil {
		it.Status, it.LastError = procedure.OutboxSent, ""
	} else {
		it.LastError = err.Error()
		code := procedure.ErrorCode(err)
		if code == procedure.EINVALID || code == procedure.ENOTFOUND || it.Attempts >= p.cfg.MaxAttempts {
			it.Status = procedure.OutboxFailed
		} else {
			it.NextAttempt = now.Add(p.cfg.Backoff(it.Attempts))
		}
	}
	if uerr := p.store.UpdateOutbox(ctx, it); uerr != nil {
		err = errors.Join(err, fmt.Errorf("report: registrar el resultado de %s: %w", it.ID, uerr))
	}
	return Result{Item: it, Document: doc, Fingerprint: sum, Err: err}
}

// build renders, signs and stores the document of one item, and returns
// it with its fingerprint.
func (p *Processor) build(ctx context.Context, it procedure.OutboxItem) (procedure.Document, string, error) {
	in, err := p.Input(ctx, it)
	if err != nil {
		return procedure.Document{}, "", err
	}
	sum, err := Fingerprint(in)
	if err != nil {
		return procedure.Document{}, "", err
	}
	// A crash between storing and marking the item sent must not store a
	// second copy: the fingerprint is in every version's metadata.
	existing, err := p.store.Documents(ctx, in.Case.ID)
	if err != nil {
		return procedure.Document{}, "", err
	}
	for _, d := range existing {
		if d.Topic == it.Topic && bytes.Contains(d.Content, []byte(sum)) {
			return d, sum, nil
		}
	}
	var buf bytes.Buffer
	if err := Render(&buf, in, p.cfg.Options); err != nil {
		return procedure.Document{}, "", err
	}
	content := buf.Bytes()
	if p.cfg.Signers != nil {
		if content, err = p.sign(ctx, in, content); err != nil {
			return procedure.Document{}, "", err
		}
	}
	doc, err := p.store.PutDocument(ctx, procedure.Document{CaseID: in.Case.ID, Topic: it.Topic, Number: in.Number,
		Seq: it.Seq, Content: content, CreatedAt: p.cfg.Clock.Now()})
	if err != nil {
		return procedure.Document{}, "", err
	}
	if p.cfg.Dir != "" {
		if err := p.export(doc); err != nil {
			return doc, sum, err
		}
	}
	return doc, sum, nil
}

// Input loads what the document of an outbox item is rendered from.
func (p *Processor) Input(ctx context.Context, it procedure.OutboxItem) (Input, error) {
	cs, err := p.store.Case(ctx, it.CaseID)
	if err != nil {
		return Input{}, err
	}
	def, err := p.defs.DefinitionOf(cs) // the version the case started under
	if err != nil {
		return Input{}, err
	}
	h, err := p.store.History(ctx, cs.ID)
	if err != nil {
		return Input{}, err
	}
	in := Input{Topic: it.Topic, Number: it.Number, Case: cs, Definition: def, History: h, Seq: it.Seq}
	if c, ok := p.defs.(calendars); ok && def.Deadlines != nil {
		in.Calendar = c.Calendar()
	}
	if p.cfg.Directory != nil {
		if in.Names, in.Actors, err = names(ctx, p.cfg.Directory, def, h); err != nil {
			return Input{}, err
		}
	}
	return in, nil
}

// names finds, in the directory, the holder of each role the history does
// not name yet when one person holds it (a titular over an a.i.), and the
// people that inputs of the history name.
func names(ctx context.Context, dir procedure.Directory, def *procedure.Definition, h []procedure.Entry) (map[procedure.RoleID]string, map[string]string, error) {
	holders := map[procedure.RoleID]string{}
	for _, r := range def.Roles {
		as, err := dir.Holders(ctx, r.ID, "")
		if err != nil && procedure.ErrorCode(err) != procedure.ENOTFOUND {
			return nil, nil, err
		}
		var titular []string
		for _, a := range as {
			if g, _ := a.Holds(r.ID); !g.Interim {
				titular = append(titular, a.Name)
			}
		}
		switch {
		case len(titular) == 1:
			holders[r.ID] = titular[0]
		case len(titular) == 0 && len(as) == 1:
			holders[r.ID] = as[0].Name
		}
	}
	actors := map[string]string{}
	for _, e := range h {
		ev, ok := def.Event(e.Event)
		if !ok {
			continue
		}
		for _, in := range ev.Inputs {
			if id := e.Data[in.Name]; in.Kind == procedure.InputActor && id != "" && actors[id] == "" {
				a, err := dir.Actor(ctx, id)
				if err != nil && procedure.ErrorCode(err) != procedure.ENOTFOUND {
					return nil, nil, err
				}
				actors[id] = a.Name
			}
		}
	}
	return holders, actors, nil
}

// dueSigner is one signature a document version needs: the history entry
// whose actor must sign, and why.
type dueSigner struct {
	entry   procedure.Entry
	caption string
}

// dueSigners returns who must sign the version of a document rendered
// from in, in order: whoever gave each sign-off so far or, for a document
// without sign-offs, whoever fired the event that queued it.
func dueSigners(in Input) []dueSigner {
	def, ok := in.Definition.Document(in.Topic)
	if !ok {
		return nil
	}
	var out []dueSigner
	h := procedure.NewFacts(in.Definition, in.Case, in.History, in.Seq, procedure.FactsOptions{}).History()
	for _, s := range signOffsOf(def, h) {
		if s.entry != nil {
			out = append(out, dueSigner{*s.entry, s.caption})
		}
	}
	if len(out) == 0 && len(h) > 0 {
		out = append(out, dueSigner{h[len(h)-1], def.Label})
	}
	return out
}

// signMeta returns what the signature of a due signer says.
func signMeta(in Input, w dueSigner, city string) SignMeta {
	return SignMeta{
		Name:     w.entry.ActorName,
		Reason:   fmt.Sprintf("%s – paso %d, %s; entrada %d %s", w.caption, w.entry.Step, roleText(in.Definition, &w.entry), w.entry.Seq, w.entry.Hash),
		Location: city,
		Date:     w.entry.At,
	}
}

// sign signs a rendered document once per sign-off given so far, in
// order, by whoever gave it; a document without sign-offs is signed by
// whoever fired the event that queued it.
func (p *Processor) sign(ctx context.Context, in Input, content []byte) ([]byte, error) {
	for _, w := range dueSigners(in) {
		id, err := p.cfg.Signers.Identity(ctx, w.entry.ActorID)
		if err != nil {
			return nil, fmt.Errorf("report: identidad de firma de %s: %w", w.entry.ActorName, err)
		}
		meta := signMeta(in, w, p.cfg.Options.withDefaults().Institution.City)
		var out bytes.Buffer
		if err := Sign(&out, content, id, meta); err != nil {
			return nil, err
		}
		content = out.Bytes()
	}
	return content, nil
}

func roleText(d *procedure.Definition, e *procedure.Entry) string {
	s := d.RoleLabel(e.Role)
	if e.Interim {
		s += " a.i."
	}
	return s
}

// FileName returns the name a document is exported under:
// "<case>-<topic>.pdf", or "<case>-<topic>-v<N>.pdf" with version > 0.
func FileName(caseID, topic string, version int) string {
	name := caseID + "-" + topic
	if version > 0 {
		name += "-v" + strconv.Itoa(version)
	}
	return strings.NewReplacer("/", "_", "\\", "_", string(filepath.Separator), "_").Replace(name) + ".pdf"
}

func (p *Processor) export(doc procedure.Document) error {
	if err := os.MkdirAll(p.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("report: crear el directorio de documentos: %w", err)
	}
	if err := writeFileExcl(filepath.Join(p.cfg.Dir, FileName(doc.CaseID, doc.Topic, doc.Version)), doc.Content); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	tmp, err := os.CreateTemp(p.cfg.Dir, ".tmp-*.pdf")
	if err != nil {
		return fmt.Errorf("report: escribir el documento: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(doc.Content); err != nil {
		tmp.Close()
		return fmt.Errorf("report: escribir el documento: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: escribir el documento: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(p.cfg.Dir, FileName(doc.CaseID, doc.Topic, 0))); err != nil {
		return fmt.Errorf("report: escribir el documento: %w", err)
	}
	return nil
}
