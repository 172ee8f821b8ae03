package report_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/digitorus/pdfsign/verify"

	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/storage/sqlite"
)

// BenchmarkLongTermSign signs a conclusion report with an ECDSA P-256
// identity of the test CA: bare (no timestamp, no revocation data), and
// long-term (a timestamp and an OCSP response from the test TSA and
// responder on 127.0.0.1, round trips included).
func BenchmarkLongTermSign(b *testing.B) {
	e, c, h := closedCase(b, "x", 0)
	pdf := render(b, input(b, e, c, h, manual.TopicInformeConclusion, manual.EventIssueMemo), report.Options{})
	ca := newTestCA(b)
	id := ca.issue("Fabio Choque")
	for _, tt := range []struct {
		name string
		meta report.SignMeta
	}{
		{"bare", report.SignMeta{Name: "Fabio Choque"}},
		{"long-term", report.SignMeta{Name: "Fabio Choque", TSA: ca.tsa.URL, Revocation: true}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			var out bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := report.Sign(&out, pdf, id, tt.meta); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifySignatures verifies a conclusion report carrying three
// long-term signatures: with VerifySignatures, and with the bare
// library's verifier (digitorus/pdfsign/verify, trusting the embedded
// certificates, no network) for the ratio.
func BenchmarkVerifySignatures(b *testing.B) {
	e, c, h := closedCase(b, "x", 0)
	pdf := render(b, input(b, e, c, h, manual.TopicInformeConclusion, manual.EventIssueMemo), report.Options{})
	ca := newTestCA(b)
	pdf = signLTV(b, ca, pdf, ca.issue("Fabio Choque"), ca.issue("Elena Vargas"), ca.issue("Carla Rojas"))
	b.Run("tramite", func(b *testing.B) {
		opts := report.VerifyOptions{Roots: ca.pool, RequireTimestamp: true, RequireRevocation: true}
		b.ReportAllocs()
		for b.Loop() {
			sigs, err := report.VerifySignatures(pdf, opts)
			if err != nil || len(sigs) != 3 || !sigs[2].Valid {
				b.Fatalf("%v %+v", err, sigs)
			}
		}
	})
	b.Run("pdfsign-verify", func(b *testing.B) {
		opts := verify.DefaultVerifyOptions()
		opts.AllowUntrustedRoots = true
		b.ReportAllocs()
		for b.Loop() {
			r, err := verify.VerifyWithOptions(bytes.NewReader(pdf), int64(len(pdf)), opts)
			if err != nil || len(r.Signers) != 3 {
				b.Fatalf("%v %+v", err, r)
			}
		}
	})
}

// BenchmarkToSign asks what the jefe must sign among 100 closed cases on
// SQLite whose documents are all signed: ToSign reads every case the
// person can see, so its cost grows with them (see README).
func BenchmarkToSign(b *testing.B) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "t.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	for _, a := range proceduretest.Actors() {
		store.SaveActor(ctx, a)
	}
	e := proceduretest.NewEngine(b, store)
	for i := range 100 {
		proceduretest.RunPR01(b, e, fmt.Sprintf("S%d", i), "x", 0)
	}
	p, _ := report.NewProcessor(store, e, report.ProcessorConfig{Clock: later, Batch: 100, Signers: report.DevSigners(b.TempDir(), store, store)})
	if _, err := p.Drain(ctx); err != nil {
		b.Fatal(err)
	}
	s, _ := report.NewSigning(e, store, store, report.SigningConfig{})
	b.ReportAllocs()
	for b.Loop() {
		if rs, err := s.ToSign(ctx, proceduretest.Jefe); err != nil || len(rs) != 0 {
			b.Fatal(rs, err)
		}
	}
}
