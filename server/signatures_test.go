package server_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/server"
)

// TestSignaturesOverHTTP has the profesional, the responsable and the
// jefe each sign the conclusion report at their own desk through the API:
// GET /signatures says what to sign, the desk downloads that version,
// signs it with its own identity and POSTs it back. Signing for someone
// else, out of turn, twice, or over an old version is refused.
func TestSignaturesOverHTTP(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ids := map[string]report.Identity{}
	roots := x509.NewCertPool()
	for _, a := range proceduretest.Actors() {
		id, err := report.DevIdentityFor(filepath.Join(dir, "ids"), a)
		if err != nil {
			t.Fatal(err)
		}
		ids[a.ID] = id
		roots.AddCert(id.Chain[1])
	}
	e := newEnv(t, func(cfg *server.Config) {
		s, err := report.NewSigning(cfg.Engine, cfg.Store, cfg.Store.(procedure.Certificates), report.SigningConfig{Verify: report.VerifyOptions{Roots: roots}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Signing = s
	})
	for _, a := range proceduretest.Actors() {
		if err := e.store.PutCertificate(ctx, procedure.CertificateOf(a.ID, ids[a.ID].Certificate())); err != nil {
			t.Fatal(err)
		}
	}
	c := proceduretest.RunPR01(t, e.engine, "SIGEP", "x", 0)
	later := procedure.ClockFunc(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) })
	p, err := report.NewProcessor(e.store, e.engine, report.ProcessorConfig{Clock: later})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	topic := manual.TopicInformeConclusion
	path := "/cases/" + c.ID + "/documents/" + topic + "/signatures"

	// pending returns the request of topic an actor must sign now.
	pending := func(cl *client) (report.SignRequest, bool) {
		var rs []report.SignRequest
		cl.json("GET", "/signatures", nil, http.StatusOK, &rs)
		for _, r := range rs {
			if r.Topic == topic {
				return r, true
			}
		}
		return report.SignRequest{}, false
	}
	// sign downloads the version r names and signs it with id.
	sign := func(cl *client, r report.SignRequest, id report.Identity) []byte {
		ans := cl.call("GET", "/cases/"+c.ID+"/documents/"+topic+"?version="+strconv.Itoa(r.Version), nil)
		if ans.status != http.StatusOK {
			t.Fatalf("download: %d %s", ans.status, ans.body)
		}
		var out bytes.Buffer
		if err := report.Sign(&out, ans.body, id, r.Meta); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	post := func(cl *client, version int, content []byte) answer {
		return cl.call("POST", path, map[string]any{"version": version, "content": content})
	}

	prof, resp, jefe := e.signIn(proceduretest.Profesional), e.signIn(proceduretest.Responsable), e.signIn(proceduretest.Jefe)
	var inCase []report.SignRequest
	prof.json("GET", "/signatures?case="+c.ID, nil, http.StatusOK, &inCase)
	if len(inCase) == 0 || inCase[0].CaseID != c.ID {
		t.Fatalf("GET /signatures?case=: %+v", inCase)
	}
	if ans := e.signIn(proceduretest.Solicitante2).call("GET", "/signatures?case="+c.ID, nil); ans.status != http.StatusNotFound {
		t.Fatalf("?case= of a case the person cannot see: %d %s", ans.status, ans.body)
	}
	if _, ok := pending(jefe); ok {
		t.Fatal("the jefe is asked to sign before the profesional")
	}
	r, ok := pending(prof)
	if !ok || r.Caption != "Elaborado por" || !strings.HasPrefix(r.Meta.Reason, "Elaborado por") {
		t.Fatalf("the profesional's request: %+v, %v", r, ok)
	}
	mine := sign(prof, r, ids[proceduretest.Profesional.ID])

	for _, tt := range []struct {
		name    string
		cl      *client
		version int
		content []byte
		status  int
		msg     string
	}{
		{"out of turn", jefe, r.Version, sign(jefe, r, ids[proceduretest.Jefe.ID]), http.StatusForbidden, "la firma que falta es la de Fabio Choque"},
		{"another person's certificate", prof, r.Version, sign(prof, r, ids[proceduretest.Jefe.ID]), http.StatusForbidden, "pertenece a otra persona"},
		{"an old version", prof, r.Version - 1, mine, http.StatusConflict, "ya no es la última"},
		{"no content", prof, r.Version, nil, http.StatusBadRequest, "faltan la versión firmada"},
		{"not a signed version", prof, r.Version, []byte("%PDF-1.7 hola"), http.StatusBadRequest, "no es la versión"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ans := post(tt.cl, tt.version, tt.content)
			if ans.status != tt.status || !strings.Contains(ans.err(t).Error.Message, tt.msg) {
				t.Fatalf("%d %s, want %d saying %q", ans.status, ans.body, tt.status, tt.msg)
			}
		})
	}

	var doc procedure.Document
	prof.json("POST", path, map[string]any{"version": r.Version, "content": mine}, http.StatusCreated, &doc)
	if doc.Version != r.Version+1 || doc.Topic != topic {
		t.Fatalf("stored %+v", doc)
	}
	if ans := post(prof, doc.Version, sign(prof, report.SignRequest{Version: doc.Version, Meta: r.Meta}, ids[proceduretest.Profesional.ID])); ans.status != http.StatusBadRequest ||
		!strings.Contains(ans.err(t).Error.Message, "ya firmó") {
		t.Fatalf("signed twice: %d %s", ans.status, ans.body)
	}
	for _, cl := range []*client{resp, jefe} {
		r, ok := pending(cl)
		if !ok {
			t.Fatalf("%s has nothing to sign", cl.actor.ID)
		}
		cl.json("POST", path, map[string]any{"version": r.Version, "content": sign(cl, r, ids[cl.actor.ID])}, http.StatusCreated, nil)
	}

	var st []report.DocumentSignatures
	e.signIn(proceduretest.Solicitante).json("GET", "/cases/"+c.ID+"/signatures", nil, http.StatusOK, &st)
	found := false
	for _, d := range st {
		if d.Topic != topic {
			continue
		}
		found = true
		if !d.Complete() || len(d.Signatures) != 3 || d.Signatures[2].Signer != proceduretest.Jefe.Name {
			t.Fatalf("status %+v", d)
		}
	}
	if !found {
		t.Fatalf("no status of %s in %+v", topic, st)
	}
	if ans := e.signIn(proceduretest.Solicitante2).call("GET", "/cases/"+c.ID+"/signatures", nil); ans.status != http.StatusNotFound {
		t.Fatalf("a requester of another unit: %d %s", ans.status, ans.body)
	}
}

// TestSignaturesNotConfigured: a server that signs its documents itself
// answers the signature routes 503, saying so.
func TestSignaturesNotConfigured(t *testing.T) {
	e := newEnv(t)
	cl := e.signIn(proceduretest.Jefe)
	for _, rt := range []struct{ method, path string }{{"GET", "/signatures"}, {"GET", "/cases/X/signatures"}, {"POST", "/cases/X/documents/y/signatures"}} {
		ans := cl.call(rt.method, rt.path, map[string]any{"version": 1, "content": []byte("x")})
		if rt.method == "GET" {
			ans = cl.call(rt.method, rt.path, nil)
		}
		if ans.status != http.StatusServiceUnavailable || !strings.Contains(ans.err(t).Error.Message, "no recibe firmas personales") {
			t.Errorf("%s %s: %d %s", rt.method, rt.path, ans.status, ans.body)
		}
	}
}
