package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// TestPersonalSigning registers a person's certificate with
// -bind-certificate (refusing it for a second person and for nobody),
// then opens a server with signing.personal: its documents are rendered
// unsigned and GET /api/v1/signatures tells each person what to sign.
func TestPersonalSigning(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, key := filepath.Join(dir, "tramite.db"), sealingKey(t)
	vars := map[string]string{"TRAMITE_DATABASE_URL": db, "TRAMITE_SEALING_KEY_FILE": key}

	// A trial start saves the demo people.
	m := &Main{Config: DefaultConfig(), Logger: slog.New(slog.DiscardHandler)}
	m.Config.Database, m.Config.Listen, m.Config.SealingKeyFile, m.Config.Demo = db, "127.0.0.1:0", key, true
	m.Config.Signing.DevDir = filepath.Join(dir, "dev")
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	m.Close()

	id, err := report.DevIdentityFor(filepath.Join(dir, "ids"), proceduretest.Jefe)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(dir, "carla.pem")
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Certificate().Raw}), 0o600)
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Chain[1].Raw}), 0o600)

	for _, tt := range []struct {
		name, spec, want string
		ok               bool
	}{
		{"registered", proceduretest.Jefe.ID + "=" + certFile, "queda registrado a nombre de " + proceduretest.Jefe.ID, true},
		{"again, same person", proceduretest.Jefe.ID + "=" + certFile, "queda registrado", true},
		{"another person", proceduretest.Responsable.ID + "=" + certFile, "ya pertenece a otra persona", false},
		{"nobody", "nadie=" + certFile, "no existe la persona", false},
		{"no file", proceduretest.Jefe.ID + "=" + filepath.Join(dir, "nada.pem"), "no such file", false},
		{"not a certificate", proceduretest.Jefe.ID + "=" + key, "no contiene un certificado PEM", false},
		{"no person", certFile, "PERSONA=certificado.pem", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(ctx, []string{"-bind-certificate", tt.spec}, &out, &errOut, env(vars))
			got := out.String()
			if err != nil {
				got = err.Error()
			}
			if (err == nil) != tt.ok || !strings.Contains(got, tt.want) {
				t.Fatalf("err %v, output %q; want ok=%v saying %q", err, out.String(), tt.ok, tt.want)
			}
		})
	}

	// Unregistered (a lost token), then registered again.
	var out bytes.Buffer
	if err := run(ctx, []string{"-unbind-certificate", certFile}, &out, &out, env(vars)); err != nil || !strings.Contains(out.String(), "ya no está registrado a nombre de carla") {
		t.Fatalf("unbind: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"-unbind-certificate", certFile}, &out, &out, env(vars)); err == nil || !strings.Contains(err.Error(), "no está registrado a nombre de nadie") {
		t.Fatalf("unbind twice: %v", err)
	}
	if err := run(ctx, []string{"-bind-certificate", proceduretest.Jefe.ID + "=" + certFile}, &out, &out, env(vars)); err != nil {
		t.Fatal(err)
	}

	m = &Main{Config: DefaultConfig(), Logger: slog.New(slog.DiscardHandler)}
	m.Config.Database, m.Config.Listen, m.Config.SealingKeyFile = db, "127.0.0.1:0", key
	m.Config.Signing = SigningConfig{Personal: true, CAFile: caFile}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	owner, err := m.store.(procedure.Certificates).CertificateOwner(ctx, id.Certificate().Issuer.String(), strings.ToLower(id.Certificate().SerialNumber.Text(16)))
	if err != nil || owner.ActorID != proceduretest.Jefe.ID {
		t.Fatalf("owner %+v, %v", owner, err)
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	base := "http://" + m.Addr().String()
	c := signIn(t, hc, base, proceduretest.Jefe.ID)
	var pending []report.SignRequest
	if st := c.call(http.MethodGet, "/api/v1/signatures", nil, &pending); st != http.StatusOK || len(pending) != 0 {
		t.Fatalf("GET /signatures: %d %+v", st, pending)
	}

	// A case runs to its end; the processor renders its documents
	// unsigned, and the jefe is asked to sign the internal note.
	cs := proceduretest.RunPR01(t, m.engine, "SIGEP", "x", 0)
	var note report.SignRequest
	for deadline := time.Now().Add(20 * time.Second); note.Topic == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c.call(http.MethodGet, "/api/v1/signatures", nil, &pending)
		for _, r := range pending {
			if r.CaseID == cs.ID && r.Topic == manual.TopicNotaInterna {
				note = r
			}
		}
	}
	if note.Topic == "" {
		t.Fatalf("the jefe has not been asked to sign the internal note: %+v", pending)
	}
	st, pdf, err := c.try(http.MethodGet, "/api/v1/cases/"+cs.ID+"/documents/"+note.Topic+"?version="+strconv.Itoa(note.Version), nil)
	if err != nil || st != http.StatusOK {
		t.Fatalf("download: %d %v", st, err)
	}
	if sigs, err := report.VerifySignatures(pdf, report.VerifyOptions{}); err != nil || len(sigs) != 0 {
		t.Fatalf("the server signed the document itself: %d signatures, %v", len(sigs), err)
	}
	var signed bytes.Buffer
	if err := report.Sign(&signed, pdf, id, note.Meta); err != nil {
		t.Fatal(err)
	}
	var doc procedure.Document
	path := "/api/v1/cases/" + cs.ID + "/documents/" + note.Topic + "/signatures"
	if st := c.call(http.MethodPost, path, map[string]any{"version": note.Version, "content": signed.Bytes()}, &doc); st != http.StatusCreated || doc.Version != note.Version+1 {
		t.Fatalf("POST signature: %d %+v", st, doc)
	}
}
