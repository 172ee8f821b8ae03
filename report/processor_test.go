package report_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// later is a clock after every outbox item the test engine queues.
var later = procedure.ClockFunc(func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) })

// TestProcessorEndToEnd runs a PR01 case through its nine steps on the
// memory store, then drains the outbox: every document is rendered,
// signed, stored as a version and written to a directory; the conclusion
// report has three versions carrying one, two and three valid signatures.
func TestProcessorEndToEnd(t *testing.T) {
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	c := proceduretest.RunPR01(t, e, "SIGEP", "canary", 1)
	dir := filepath.Join(t.TempDir(), "docs")
	id, err := report.NewDevIdentity(filepath.Join(t.TempDir(), "id"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := report.NewProcessor(store, e, report.ProcessorConfig{Signers: report.SameSigner(id), Dir: dir, Clock: later,
		Directory: proceduretest.Directory()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 6 {
		t.Fatalf("%d items processed, want 6 (nota, informe ×3, nota interna, hoja de ruta)", len(res))
	}
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Item.ID, r.Err)
		}
	}
	items, _ := store.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectDocument})
	for _, it := range items {
		if it.Status != procedure.OutboxSent || it.Attempts != 1 {
			t.Errorf("%s: status %s after %d attempts", it.ID, it.Status, it.Attempts)
		}
	}
	docs, err := store.Documents(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		topic   string
		version int
	}
	want := map[key]int{ // signatures each version carries
		{manual.TopicNotaRemision, 1}:      1,
		{manual.TopicInformeConclusion, 1}: 1,
		{manual.TopicInformeConclusion, 2}: 2,
		{manual.TopicInformeConclusion, 3}: 3,
		{manual.TopicNotaInterna, 1}:       1,
		{manual.TopicHojaDeRuta, 1}:        1,
	}
	if len(docs) != len(want) {
		t.Fatalf("%d documents stored, want %d", len(docs), len(want))
	}
	for _, d := range docs {
		n, ok := want[key{d.Topic, d.Version}]
		if !ok {
			t.Errorf("unexpected document %s v%d", d.Topic, d.Version)
			continue
		}
		sigs := pdfsig(t, d.Content, "")
		if len(sigs) != n {
			t.Errorf("%s v%d: %d signatures, want %d", d.Topic, d.Version, len(sigs), n)
		}
		for i, s := range sigs {
			if s.Valid != "Signature is Valid." {
				t.Errorf("%s v%d signature %d: %s", d.Topic, d.Version, i+1, s.Valid)
			}
		}
		text := pdftotext(t, d.Content)
		if d.Topic == manual.TopicInformeConclusion {
			if got := strings.Count(text, "Pendiente"); got != 3-d.Version {
				t.Errorf("informe v%d shows %d pending sign-offs, want %d", d.Version, got, 3-d.Version)
			}
			if d.Number != "UIT/INF/2026/0001" {
				t.Errorf("informe v%d number %q", d.Version, d.Number)
			}
		}
		if d.Topic == manual.TopicHojaDeRuta && d.Number != "" {
			t.Errorf("hoja de ruta number %q, want none", d.Number)
		}
		for _, name := range []string{report.FileName(c.ID, d.Topic, d.Version), report.FileName(c.ID, d.Topic, 0)} {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v", name, err)
			} else if st.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", name, st.Mode().Perm())
			}
		}
	}
	latest, _ := os.ReadFile(filepath.Join(dir, report.FileName(c.ID, manual.TopicInformeConclusion, 0)))
	if n := len(pdfsig(t, latest, "")); n != 3 {
		t.Errorf("%s carries %d signatures, want the latest version's 3", report.FileName(c.ID, manual.TopicInformeConclusion, 0), n)
	}
	// Nothing is due any more: a second drain does nothing.
	if again, err := p.Drain(ctx); err != nil || len(again) != 0 {
		t.Fatalf("second drain: %d results, %v", len(again), err)
	}
}

// TestProcessorIdempotent: an item processed again after its document was
// stored (a crash before the outbox was updated) stores no second copy.
func TestProcessorIdempotent(t *testing.T) {
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	c := proceduretest.RunPR01(t, e, "SIGEP", "x", 0)
	p, _ := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later})
	items, _ := store.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectDocument})
	in, err := p.Input(ctx, items[0])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, in, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutDocument(ctx, procedure.Document{CaseID: c.ID, Topic: items[0].Topic, Content: buf.Bytes()}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	docs, _ := store.Documents(ctx, c.ID)
	n := 0
	for _, d := range docs {
		if d.Topic == items[0].Topic {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d versions of %s, want 1", n, items[0].Topic)
	}
}

// flaky fails PutDocument the first n times.
type flaky struct {
	procedure.Store
	n int
}

func (f *flaky) PutDocument(ctx context.Context, d procedure.Document) (procedure.Document, error) {
	if f.n > 0 {
		f.n--
		return procedure.Document{}, errors.New("disco lleno")
	}
	return f.Store.PutDocument(ctx, d)
}

func TestProcessorFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("transient error is retried later", func(t *testing.T) {
		mem := procedure.NewMemoryStore()
		e := proceduretest.NewEngine(t, mem)
		c := proceduretest.RunPR01(t, e, "SIGEP", "x", 0)
		store := &flaky{Store: mem, n: 1}
		now := later.Now()
		clock := procedure.ClockFunc(func() time.Time { return now })
		p, _ := report.NewProcessor(store, e, report.ProcessorConfig{Clock: clock, Batch: 1})
		res, err := p.RunOnce(ctx)
		if err != nil || len(res) != 1 || res[0].Err == nil {
			t.Fatalf("first run: %+v %v", res, err)
		}
		it := res[0].Item
		if it.Status != procedure.OutboxPending || it.Attempts != 1 || !strings.Contains(it.LastError, "disco lleno") || !it.NextAttempt.After(now) {
			t.Fatalf("after a transient failure: %+v", it)
		}
		items, _ := mem.Outbox(ctx, procedure.OutboxQuery{CaseID: c.ID, Kind: procedure.EffectDocument, Status: procedure.OutboxPending})
		for _, x := range items {
			if x.ID == it.ID && x.LastError == "" {
				t.Fatal("the failure was not recorded in the store")
			}
		}
		now = it.NextAttempt
		res, err = p.Drain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil || r.Item.Status != procedure.OutboxSent {
				t.Fatalf("retry: %+v", r)
			}
		}
		if len(res) != 6 {
			t.Fatalf("%d items after the retry, want 6", len(res))
		}
	})
	t.Run("unknown procedure fails permanently", func(t *testing.T) {
		mem := procedure.NewMemoryStore()
		e := proceduretest.NewEngine(t, mem)
		proceduretest.RunPR01(t, e, "SIGEP", "x", 0)
		other, err := procedure.NewEngine(mem, procedure.WithDefinitions(manual.PR02()))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := report.NewProcessor(mem, other, report.ProcessorConfig{Clock: later})
		res, err := p.Drain(ctx)
		if err != nil || len(res) != 6 {
			t.Fatalf("%d results, %v", len(res), err)
		}
		for _, r := range res {
			if r.Item.Status != procedure.OutboxFailed || !strings.Contains(r.Item.LastError, "UIT/ASS-PR01") {
				t.Fatalf("%+v", r.Item)
			}
		}
	})
	t.Run("missing signer fails with a clear error", func(t *testing.T) {
		mem := procedure.NewMemoryStore()
		e := proceduretest.NewEngine(t, mem)
		proceduretest.RunPR01(t, e, "SIGEP", "x", 0)
		none := report.SignersFunc(func(ctx context.Context, actor string) (report.Identity, error) {
			return report.Identity{}, procedure.Errorf(procedure.ENOTFOUND, "%s no tiene certificado de firma", actor)
		})
		p, _ := report.NewProcessor(mem, e, report.ProcessorConfig{Clock: later, Signers: none})
		res, _ := p.Drain(ctx)
		if len(res) == 0 || res[0].Item.Status != procedure.OutboxFailed || !strings.Contains(res[0].Item.LastError, "no tiene certificado") {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("bad configuration", func(t *testing.T) {
		if _, err := report.NewProcessor(nil, proceduretest.NewEngine(t, procedure.NewMemoryStore()), report.ProcessorConfig{}); procedure.ErrorCode(err) != procedure.EINVALID {
			t.Fatal(err)
		}
		if _, err := report.NewProcessor(procedure.NewMemoryStore(), nil, report.ProcessorConfig{}); procedure.ErrorCode(err) != procedure.EINVALID {
			t.Fatal(err)
		}
	})
}

// TestNoSecretInAnyDocument is the canary: the secrets given in step 1
// appear in no document, neither in the extracted text nor in the raw
// bytes.
func TestNoSecretInAnyDocument(t *testing.T) {
	ctx := context.Background()
	const canary = "CANARIO-9f4e1c7a-credencial"
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
		Inputs: procedure.Inputs{"system": "SIGEP", "description": "Despliegue", "unit": proceduretest.UnitDesarrollo,
			"credentials": canary, "tokens": "TOKEN-" + canary, "access_keys": "KEY-" + canary}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later})
	if _, err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	docs, _ := store.Documents(ctx, c.ID)
	if len(docs) == 0 {
		t.Fatal("no document rendered")
	}
	for _, d := range docs {
		for _, where := range []struct{ name, s string }{{"raw bytes", string(d.Content)}, {"extracted text", pdftotext(t, d.Content)},
			{"decompressed streams", inflateStreams(t, d.Content)}} {
			if strings.Contains(where.s, canary) || strings.Contains(where.s, "CANARIO") {
				t.Errorf("%s v%d: the secret appears in its %s", d.Topic, d.Version, where.name)
			}
		}
	}
}

var streamRE = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)

// inflateStreams returns every Flate stream of a PDF, decompressed.
func inflateStreams(t testing.TB, pdf []byte) string {
	t.Helper()
	var all bytes.Buffer
	n := 0
	for _, m := range streamRE.FindAllSubmatch(pdf, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(r)
		all.Write(b)
		n++
	}
	if n == 0 {
		t.Fatal("no compressed stream found: the canary check would be vacuous")
	}
	return all.String()
}

// TestProcessorsConcurrent: two processors (two machines, say) drain one
// store at once; each document is rendered once.
func TestProcessorsConcurrent(t *testing.T) {
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	c := proceduretest.RunPR01(t, e, "SIGEP", "x", 0)
	errs := make(chan error, 2)
	for _, owner := range []string{"a", "b"} {
		p, _ := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later, Owner: owner, Batch: 1})
		go func() { _, err := p.Drain(ctx); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	docs, _ := store.Documents(ctx, c.ID)
	if len(docs) != 6 {
		t.Fatalf("%d documents, want 6", len(docs))
	}
}

func TestProcessorRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	store := procedure.NewMemoryStore()
	e := proceduretest.NewEngine(t, store)
	c := proceduretest.RunPR01(t, e, "SIGEP", "x", 0)
	p, _ := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later})
	done := make(chan error)
	go func() { done <- p.Run(ctx, 5*time.Millisecond) }()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		docs, _ := store.Documents(ctx, c.ID)
		if len(docs) == 6 {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("Run rendered %d documents in a minute, want 6", len(docs))
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}
