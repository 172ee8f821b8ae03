package report_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/storage/sqlite"
)

// TestDevSigners is the embedded single-desk mode: the Processor signs
// each sign-off with the development identity of the person who gave it.
// The conclusion report carries three signatures by three certificates
// named after the profesional, the responsable and the jefe, each marked
// as not legally valid, each bound to its person in the store; the files
// are 0600 and a second run reuses them.
func TestDevSigners(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tramite.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, a := range proceduretest.Actors() {
		if err := store.SaveActor(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	e := proceduretest.NewEngine(t, store)
	c := proceduretest.RunPR01(t, e, "SIGEP", "x", 0)
	dir := filepath.Join(t.TempDir(), "identidades")
	p, err := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later, Directory: store, Signers: report.DevSigners(dir, store, store)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	docs, _ := store.Documents(ctx, c.ID)
	var informe procedure.Document
	for _, d := range docs {
		if d.Topic == manual.TopicInformeConclusion {
			informe = d
		}
	}
	roots, err := report.DevPeopleRoots(dir)
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := report.VerifySignatures(informe.Content, report.VerifyOptions{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	want := []procedure.Actor{proceduretest.Profesional, proceduretest.Responsable, proceduretest.Jefe}
	if len(sigs) != len(want) {
		t.Fatalf("%d signatures, want %d", len(sigs), len(want))
	}
	for i, s := range sigs {
		if !s.Valid || s.Signer != want[i].Name || !strings.HasSuffix(s.Reason, report.DevelopmentMark) {
			t.Errorf("signature %d: by %q, reason %q, valid %v %q", i+1, s.Signer, s.Reason, s.Valid, s.Problems)
		}
		owner, err := store.CertificateOwner(ctx, s.Issuer, s.Serial)
		if err != nil || owner.ActorID != want[i].ID {
			t.Errorf("signature %d: certificate bound to %+v, %v", i+1, owner, err)
		}
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		st, _ := os.Stat(filepath.Join(dir, f.Name()))
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", f.Name(), st.Mode().Perm())
		}
	}
	again, err := report.DevIdentityFor(dir, proceduretest.Jefe)
	if err != nil || again.Certificate().Subject.CommonName != proceduretest.Jefe.Name || again.Certificate().SerialNumber.Text(16) != sigs[2].Serial {
		t.Fatalf("second call: %v, %v", again.Chain, err)
	}
	if _, err := report.DevIdentityFor(dir, procedure.Actor{}); procedure.ErrorCode(err) != procedure.EINVALID {
		t.Fatalf("no person: %v", err)
	}
	// Signing reports them signed, with development identities.
	s, err := report.NewSigning(e, store, store, report.SigningConfig{Verify: report.VerifyOptions{Roots: roots}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range st {
		for _, sig := range d.Signatures {
			if !sig.Signed || !sig.Development {
				t.Errorf("%s: %+v", d.Topic, sig)
			}
		}
	}
	if rs, err := s.ToSign(ctx, proceduretest.Jefe); err != nil || len(rs) != 0 {
		t.Fatalf("to sign when the desk signs: %+v, %v", rs, err)
	}
}
