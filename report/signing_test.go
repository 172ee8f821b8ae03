package report_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/storage/sqlite"
)

// signingDesk is a closed PR01 case on a SQLite file whose documents the
// Processor rendered unsigned, a Signing that requires timestamps and
// revocation data from the test CA, and a certificate of that CA bound
// to each person who signs.
type signingDesk struct {
	ctx     context.Context
	store   *sqlite.Store
	engine  *procedure.Engine
	signing *report.Signing
	ca      *testCA
	c       procedure.Case
	ids     map[string]report.Identity // by actor ID
}

func newSigningDesk(t *testing.T) *signingDesk {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tramite.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for _, a := range proceduretest.Actors() {
		if err := store.SaveActor(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	e := proceduretest.NewEngine(t, store)
	c := proceduretest.RunPR01(t, e, "SIGEP", "canary", 0)
	p, err := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later, Directory: store})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Drain(ctx); err != nil || len(res) != 6 {
		t.Fatalf("%d documents rendered, %v", len(res), err)
	}
	ca := newTestCA(t)
	s, err := report.NewSigning(e, store, store, report.SigningConfig{TSA: ca.tsa.URL,
		Verify: report.VerifyOptions{Roots: ca.pool, RequireTimestamp: true, RequireRevocation: true}})
	if err != nil {
		t.Fatal(err)
	}
	d := &signingDesk{ctx: ctx, store: store, engine: e, signing: s, ca: ca, c: c, ids: map[string]report.Identity{}}
	for _, a := range proceduretest.Actors() {
		id := ca.issue(a.Name)
		d.ids[a.ID] = id
		if err := store.PutCertificate(ctx, procedure.CertificateOf(a.ID, id.Certificate())); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// request returns what a must sign of topic now.
func (d *signingDesk) request(t *testing.T, a procedure.Actor, topic string) report.SignRequest {
	t.Helper()
	rs, err := d.signing.ToSign(d.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Topic == topic {
			return r
		}
	}
	t.Fatalf("%s has nothing of %s to sign: %+v", a.ID, topic, rs)
	return report.SignRequest{}
}

// signed returns the version r names signed by id, and the version.
func (d *signingDesk) signed(t *testing.T, a procedure.Actor, r report.SignRequest, id report.Identity) ([]byte, procedure.Document) {
	t.Helper()
	doc, err := d.signing.Version(d.ctx, a, r.CaseID, r.Topic, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := report.Sign(&out, doc.Content, id, r.Meta); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), doc
}

func (d *signingDesk) versions(t *testing.T) int {
	t.Helper()
	docs, err := d.store.Documents(d.ctx, d.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return len(docs)
}

// TestSigningInTurn has every person sign, at their own desk and with
// their own certificate, what they must sign, until nobody has anything
// left: the conclusion report then carries three signatures, by the
// profesional, the responsable and the jefe, in that order, each with a
// timestamp and embedded revocation data; pdfsig finds them valid and so
// does VerifySignatures offline two years after the certificates expired.
func TestSigningInTurn(t *testing.T) {
	d := newSigningDesk(t)
	topic := manual.TopicInformeConclusion
	st, err := d.signing.Status(d.ctx, proceduretest.Jefe, d.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var informe report.DocumentSignatures
	for _, s := range st {
		if s.Topic == topic {
			informe = s
		}
	}
	want := []string{proceduretest.Profesional.ID, proceduretest.Responsable.ID, proceduretest.Jefe.ID}
	if len(informe.Signatures) != 3 || informe.Complete() {
		t.Fatalf("status of the conclusion report: %+v", informe)
	}
	for i, s := range informe.Signatures {
		if s.ActorID != want[i] || s.Signed {
			t.Errorf("signature %d: %+v, want %s unsigned", i+1, s, want[i])
		}
	}
	if rs, _ := d.signing.ToSign(d.ctx, proceduretest.Jefe); containsTopic(rs, topic) {
		t.Fatal("the jefe is asked to sign the conclusion report before the profesional")
	}

	signers := map[string]int{}
	for round := 0; round < 10; round++ {
		any := false
		for _, a := range proceduretest.Actors() {
			rs, err := d.signing.ToSign(d.ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Meta.TSA != d.ca.tsa.URL || !r.Meta.Revocation || !strings.Contains(r.Meta.Reason, r.Caption) {
					t.Errorf("request %+v", r)
				}
				if _, err := d.signing.SignWith(d.ctx, a, d.ids[a.ID], r); err != nil {
					t.Fatalf("%s signs %s: %v", a.ID, r.Topic, err)
				}
				signers[r.Topic]++
				any = true
			}
		}
		if !any {
			break
		}
	}
	if signers[topic] != 3 {
		t.Fatalf("signatures per document: %v", signers)
	}
	st, _ = d.signing.Status(d.ctx, proceduretest.Solicitante, d.c.ID)
	for _, s := range st {
		if !s.Complete() {
			t.Errorf("%s v%d is missing signatures: %+v", s.Topic, s.Version, s.Signatures)
		}
	}
	docs, _ := d.store.Documents(d.ctx, d.c.ID)
	var last procedure.Document
	for _, doc := range docs {
		if doc.Topic == topic {
			last = doc
		}
	}
	d.ca.tsa.Close()
	d.ca.ocsp.Close()
	sigs := pdfsig(t, last.Content, "")
	if len(sigs) != 3 {
		t.Fatalf("pdfsig: %d signatures", len(sigs))
	}
	for i, s := range sigs {
		if s.Valid != "Signature is Valid." {
			t.Errorf("pdfsig, signature %d: %q", i+1, s.Valid)
		}
	}
	got, err := report.VerifySignatures(last.Content, report.VerifyOptions{Roots: d.ca.pool, RequireTimestamp: true, RequireRevocation: true,
		At: d.ids[want[0]].Certificate().NotAfter.AddDate(2, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		name := d.ids[want[i]].Certificate().Subject.CommonName
		if !s.Valid || s.Signer != name || !s.Timestamped || s.Revocation != "ocsp" {
			t.Errorf("signature %d: by %q (want %q), valid %v, problems %q", i+1, s.Signer, name, s.Valid, s.Problems)
		}
	}
}

func containsTopic(rs []report.SignRequest, topic string) bool {
	for _, r := range rs {
		if r.Topic == topic {
			return true
		}
	}
	return false
}

// TestSigningRefused hands Accept what must not be accepted; each is
// refused with a message that says why, and nothing is stored.
func TestSigningRefused(t *testing.T) {
	d := newSigningDesk(t)
	topic := manual.TopicInformeConclusion
	prof, jefe := proceduretest.Profesional, proceduretest.Jefe
	r := d.request(t, prof, topic)
	good, base := d.signed(t, prof, r, d.ids[prof.ID])
	stranger := newTestCA(t).issue(prof.Name)

	tests := []struct {
		name    string
		actor   procedure.Actor
		version int
		content func() []byte
		code    procedure.Code
		msg     string
	}{
		{"another person's certificate", prof, r.Version, func() []byte { b, _ := d.signed(t, prof, r, d.ids[jefe.ID]); return b }, procedure.EFORBIDDEN, "pertenece a otra persona"},
		{"a certificate nobody registered", prof, r.Version, func() []byte {
			unbound := d.ca.issue(prof.Name)
			b, _ := d.signed(t, prof, r, unbound)
			return b
		}, procedure.EFORBIDDEN, "no está registrado"},
		{"a certificate of an untrusted CA", prof, r.Version, func() []byte { b, _ := d.signed(t, prof, r, stranger); return b }, procedure.EINVALID, "no proviene de una entidad certificadora de confianza"},
		{"not the signer's turn", jefe, r.Version, func() []byte { b, _ := d.signed(t, prof, r, d.ids[jefe.ID]); return b }, procedure.EFORBIDDEN, "la firma que falta es la de"},
		{"a changed byte", prof, r.Version, func() []byte {
			b := bytes.Clone(good)
			i := bytes.Index(b[len(base.Content):], []byte("/Location"))
			b[len(base.Content)+i+12] ^= 0x01 // the place, covered by the signature
			return b
		}, procedure.EINVALID, "no corresponde al contenido"},
		{"a changed byte of the version", prof, r.Version, func() []byte {
			b := bytes.Clone(good)
			b[bytes.Index(b, []byte("/Producer"))+12] ^= 0x01
			return b
		}, procedure.EINVALID, "no es la versión"},
		{"two signatures at once", prof, r.Version, func() []byte {
			var out bytes.Buffer
			if err := report.Sign(&out, good, d.ids[prof.ID], r.Meta); err != nil {
				t.Fatal(err)
			}
			return out.Bytes()
		}, procedure.EINVALID, "exactamente una firma nueva"},
		{"another document", prof, r.Version, func() []byte {
			other := d.request(t, proceduretest.Jefe, manual.TopicNotaInterna)
			b, _ := d.signed(t, proceduretest.Jefe, other, d.ids[prof.ID])
			return b
		}, procedure.EINVALID, "no es la versión"},
		{"a change of content with the signature", prof, r.Version, func() []byte {
			var out bytes.Buffer
			if err := report.Sign(&out, changePage(t, base.Content), d.ids[prof.ID], r.Meta); err != nil {
				t.Fatal(err)
			}
			return out.Bytes()
		}, procedure.EINVALID, "cambia el contenido"},
		{"an old version", prof, r.Version - 1, func() []byte { return good }, procedure.ECONFLICT, "ya no es la última"},
		{"no signature", prof, r.Version, func() []byte { return base.Content }, procedure.EINVALID, "no es la versión"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := d.versions(t)
			_, err := d.signing.Accept(d.ctx, tt.actor, d.c.ID, topic, tt.version, tt.content())
			if procedure.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %s saying %q", err, tt.code, tt.msg)
			}
			if n := d.versions(t); n != before {
				t.Fatalf("%d versions stored, was %d", n, before)
			}
		})
	}

	// The good one is accepted; the same signature again, or another by
	// the same person, is a version signed twice.
	if _, err := d.signing.Accept(d.ctx, prof, d.c.ID, topic, r.Version, good); err != nil {
		t.Fatal(err)
	}
	_, err := d.signing.Accept(d.ctx, prof, d.c.ID, topic, r.Version, good)
	if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), "ya firmó") {
		t.Fatalf("signed twice: err = %v", err)
	}
	if rs, _ := d.signing.ToSign(d.ctx, prof); containsTopic(rs, topic) {
		t.Fatal("the profesional is still asked to sign")
	}
	if !containsTopic(mustToSign(t, d, proceduretest.Responsable), topic) {
		t.Fatal("the responsable is not asked to sign next")
	}
	// Someone who cannot see the case reads it as missing.
	_, err = d.signing.Accept(d.ctx, proceduretest.Solicitante2, d.c.ID, topic, r.Version+1, good)
	if procedure.ErrorCode(err) != procedure.ENOTFOUND {
		t.Fatalf("a stranger to the case: err = %v", err)
	}
}

func mustToSign(t *testing.T, d *signingDesk, a procedure.Actor) []report.SignRequest {
	t.Helper()
	rs, err := d.signing.ToSign(d.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestSigningTwoDesksAtOnce hands the same person's signature over the
// same version to two Signings on one store at once, as two server
// replicas would get it: one stores it, the other is refused, and the
// version is signed once.
func TestSigningTwoDesksAtOnce(t *testing.T) {
	d := newSigningDesk(t)
	other, err := report.NewSigning(d.engine, d.store, d.store, report.SigningConfig{TSA: d.ca.tsa.URL,
		Verify: report.VerifyOptions{Roots: d.ca.pool, RequireTimestamp: true, RequireRevocation: true}})
	if err != nil {
		t.Fatal(err)
	}
	prof := proceduretest.Profesional
	r := d.request(t, prof, manual.TopicInformeConclusion)
	a, _ := d.signed(t, prof, r, d.ids[prof.ID])
	b, _ := d.signed(t, prof, r, d.ids[prof.ID])
	before := d.versions(t)
	errs := make(chan error, 2)
	for i, s := range []*report.Signing{d.signing, other} {
		content := [][]byte{a, b}[i]
		go func() {
			_, err := s.Accept(d.ctx, prof, d.c.ID, r.Topic, r.Version, content)
			errs <- err
		}()
	}
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("%d of 2 refused (%v), want exactly one", len(failed), failed)
	}
	if c := procedure.ErrorCode(failed[0]); c != procedure.ECONFLICT && c != procedure.EINVALID {
		t.Fatalf("refusal: %v", failed[0])
	}
	if n := d.versions(t); n != before+1 {
		t.Fatalf("%d versions stored, want one more than %d", n, before)
	}
}

// TestToSignScansRecentCases: ToSign looks only through the cases that
// changed last (SigningConfig.Scan); ToSignIn finds an older case's
// documents, and says a case the person cannot see does not exist.
func TestToSignScansRecentCases(t *testing.T) {
	d := newSigningDesk(t)
	newer := proceduretest.RunPR01(t, d.engine, "Otro sistema", "y", 0)
	p, err := report.NewProcessor(d.store, d.engine, report.ProcessorConfig{Clock: later})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Drain(d.ctx); err != nil {
		t.Fatal(err)
	}
	s, err := report.NewSigning(d.engine, d.store, d.store, report.SigningConfig{Scan: 1})
	if err != nil {
		t.Fatal(err)
	}
	prof := proceduretest.Profesional
	cases := func(rs []report.SignRequest) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r.CaseID] = true
		}
		return m
	}
	all, err := s.ToSign(d.ctx, prof)
	if err != nil {
		t.Fatal(err)
	}
	if got := cases(all); !got[newer.ID] || got[d.c.ID] || len(got) != 1 {
		t.Fatalf("ToSign with Scan 1 looked at %v, want only %s", got, newer.ID)
	}
	old, err := s.ToSignIn(d.ctx, prof, d.c.ID)
	if err != nil || len(old) == 0 || old[0].CaseID != d.c.ID {
		t.Fatalf("ToSignIn of the older case: %+v, %v", old, err)
	}
	if _, err := s.ToSignIn(d.ctx, proceduretest.Solicitante2, d.c.ID); procedure.ErrorCode(err) != procedure.ENOTFOUND {
		t.Fatalf("a case the person cannot see: %v", err)
	}
}
