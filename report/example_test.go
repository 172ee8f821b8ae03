package report_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// exampleEngine runs a PR01 case through its nine steps with the demo
// actors and the test clock, so its history (and fingerprints) are always
// the same.
func exampleEngine() (*procedure.Engine, procedure.Store, procedure.Case) {
	ctx := context.Background()
	sealer, err := procedure.NewAESSealer(proceduretest.Key)
	if err != nil {
		log.Fatal(err)
	}
	store := procedure.NewMemoryStore()
	e, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()),
		procedure.WithClock(proceduretest.NewClock()), procedure.WithSealer(sealer))
	if err != nil {
		log.Fatal(err)
	}
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR01Request("SIGEP", "secreto")})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []struct {
		a  procedure.Actor
		ev procedure.EventName
		in procedure.Inputs
	}{
		{proceduretest.Jefe, manual.EventForward, nil},
		{proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": proceduretest.Profesional.ID}},
		{proceduretest.Profesional, manual.EventStart, nil},
		{proceduretest.Profesional, manual.EventConclude, proceduretest.Checklist("")},
		{proceduretest.Responsable, manual.EventApproveReport, nil},
		{proceduretest.Jefe, manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la conclusión."}},
		{proceduretest.Solicitante, manual.EventAcknowledge, nil},
	} {
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
			log.Fatal(err)
		}
	}
	return e, store, c
}

func ExampleVerifyCode() {
	sum := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	fmt.Println(report.VerifyCode(sum))
	fmt.Println(report.VerifyURL("https://tramites.example.gob.bo/verificar?h=", sum))
	// Output:
	// 4OYMI-QUY7Q
	// https://tramites.example.gob.bo/verificar?h=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
}

func ExampleRender() {
	ctx := context.Background()
	e, _, c := exampleEngine()
	def, _ := e.Definition(c.Procedure)
	history, _ := e.History(ctx, proceduretest.Jefe, c.ID)
	in := report.Input{Topic: manual.TopicInformeConclusion, Number: c.Cites[manual.TopicInformeConclusion], Case: c, Definition: def, History: history}
	var pdf bytes.Buffer
	if err := report.Render(&pdf, in, report.Options{}); err != nil {
		log.Fatal(err)
	}
	sum, _ := report.Fingerprint(in)
	fmt.Println(in.Number, bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")), pages(pdf.Bytes()), report.VerifyCode(sum))
	// Output: UIT/INF/2026/0001 true 1 EKUHF-DHPLB
}

func ExampleSign() {
	e, _, c := exampleEngine()
	def, _ := e.Definition(c.Procedure)
	history, _ := e.History(context.Background(), proceduretest.Jefe, c.ID)
	var pdf bytes.Buffer
	in := report.Input{Topic: manual.TopicNotaInterna, Number: c.Cites[manual.TopicNotaInterna], Case: c, Definition: def, History: history}
	if err := report.Render(&pdf, in, report.Options{}); err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "identity")
	defer os.RemoveAll(dir)
	id, err := report.NewDevIdentity(dir) // created on first use, reloaded after
	if err != nil {
		log.Fatal(err)
	}
	var signed bytes.Buffer
	if err := report.Sign(&signed, pdf.Bytes(), id, report.SignMeta{Name: "Carla Rojas", Reason: "Emitido – paso 8", Location: "La Paz"}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.HasPrefix(signed.Bytes(), pdf.Bytes()), bytes.Count(signed.Bytes(), []byte("/ByteRange")))
	// Output: true 1
}

func ExampleProcessor() {
	ctx := context.Background()
	e, store, c := exampleEngine()
	// The example's case ran on a test clock in November 2026; the
	// processor's clock must be past the items' due time.
	clock := procedure.ClockFunc(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) })
	p, err := report.NewProcessor(store, e, report.ProcessorConfig{Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := p.Drain(ctx); err != nil {
		log.Fatal(err)
	}
	docs, _ := store.Documents(ctx, c.ID)
	for _, d := range docs {
		fmt.Println(strings.TrimSpace(fmt.Sprintln(d.Topic, d.Version, d.Number)))
	}
	// Output:
	// hoja-de-ruta 1
	// informe-conclusion 1 UIT/INF/2026/0001
	// informe-conclusion 2 UIT/INF/2026/0001
	// informe-conclusion 3 UIT/INF/2026/0001
	// nota-interna 1 UIT/NI/2026/0001
	// nota-remision 1 UDS/NOTA/2026/0001
}

func ExampleVerifySignatures() {
	e, _, c := exampleEngine()
	def, _ := e.Definition(c.Procedure)
	history, _ := e.History(context.Background(), proceduretest.Jefe, c.ID)
	var pdf bytes.Buffer
	in := report.Input{Topic: manual.TopicNotaInterna, Number: c.Cites[manual.TopicNotaInterna], Case: c, Definition: def, History: history}
	if err := report.Render(&pdf, in, report.Options{}); err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "identity")
	defer os.RemoveAll(dir)
	id, err := report.DevIdentityFor(dir, proceduretest.Jefe)
	if err != nil {
		log.Fatal(err)
	}
	var signed bytes.Buffer
	if err := report.Sign(&signed, pdf.Bytes(), id, report.SignMeta{Name: proceduretest.Jefe.Name, Reason: "Emitido por"}); err != nil {
		log.Fatal(err)
	}
	// Trust the development CA, as a verifier would trust the ATT root.
	roots := x509.NewCertPool()
	roots.AddCert(id.Chain[1])
	sigs, err := report.VerifySignatures(signed.Bytes(), report.VerifyOptions{Roots: roots})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sigs {
		fmt.Println(s.Index, s.Signer, s.Valid, s.Timestamped, strings.HasSuffix(s.Reason, report.DevelopmentMark))
	}
	// Output: 1 Carla Rojas true false true
}

func ExampleSigning() {
	ctx := context.Background()
	e, store, c := exampleEngine()
	clock := procedure.ClockFunc(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) })
	// The processor renders the documents unsigned: people sign them.
	p, _ := report.NewProcessor(store, e, report.ProcessorConfig{Clock: clock})
	if _, err := p.Drain(ctx); err != nil {
		log.Fatal(err)
	}
	dir, _ := os.MkdirTemp("", "identities")
	defer os.RemoveAll(dir)
	people := proceduretest.Directory() // also keeps whose certificate is whose
	roots := x509.NewCertPool()
	ids := map[string]report.Identity{}
	for _, a := range proceduretest.Actors() {
		id, err := report.DevIdentityFor(dir, a)
		if err != nil {
			log.Fatal(err)
		}
		roots.AddCert(id.Chain[1])
		ids[a.ID] = id
		people.PutCertificate(ctx, procedure.CertificateOf(a.ID, id.Certificate()))
	}
	s, err := report.NewSigning(e, store, people, report.SigningConfig{Verify: report.VerifyOptions{Roots: roots}})
	if err != nil {
		log.Fatal(err)
	}
	// At each desk: what must I sign? Sign it with my own identity.
	for _, a := range []procedure.Actor{proceduretest.Profesional, proceduretest.Responsable, proceduretest.Jefe} {
		reqs, _ := s.ToSign(ctx, a)
		for _, r := range reqs {
			if r.Topic != manual.TopicInformeConclusion {
				continue
			}
			if _, err := s.SignWith(ctx, a, ids[a.ID], r); err != nil {
				log.Fatal(err)
			}
		}
	}
	st, _ := s.Status(ctx, proceduretest.Jefe, c.ID)
	for _, d := range st {
		if d.Topic == manual.TopicInformeConclusion {
			for _, sig := range d.Signatures {
				fmt.Println(sig.Caption, "–", sig.ActorName, sig.Signed)
			}
		}
	}
	// Output:
	// Elaborado por – Fabio Choque true
	// Revisado por – Elena Vargas true
	// Aprobado por – Carla Rojas true
}
