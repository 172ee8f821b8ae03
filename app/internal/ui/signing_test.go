package ui_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/remote"
	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
	"github.com/tramite/tramite/server"
)

// p12 writes id as a PKCS#12 file protected by password, with openssl.
func p12(t *testing.T, dir string, id report.Identity, password string) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	key, err := x509MarshalKey(id)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, id.Certificate().SerialNumber.Text(16))
	var chain []byte
	for _, c := range id.Chain {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	os.WriteFile(base+".key", key, 0o600)
	os.WriteFile(base+".pem", chain, 0o600)
	args := []string{"pkcs12", "-export", "-inkey", base + ".key", "-in", base + ".pem", "-out", base + ".p12", "-passout", "pass:" + password}
	if out, err := exec.Command("openssl", append(args, "-legacy")...).CombinedOutput(); err != nil {
		if out2, err2 := exec.Command("openssl", args...).CombinedOutput(); err2 != nil {
			t.Fatalf("openssl: %v\n%s\n%s", err2, out, out2)
		}
	}
	return base + ".p12"
}

// labels returns the text of every label under o.
func labels(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

// TestSignAtTheDesk works against a server that takes personal
// signatures: the profesional sees the conclusion report under
// «Documentos por firmar», signs it with her own PKCS#12 file (a wrong
// password, and then the responsable signing with her file, are refused),
// and the case shows who has signed and who still must.
func TestSignAtTheDesk(t *testing.T) {
	ctx := context.Background()
	e := memEnv(t)
	dir := t.TempDir()
	roots, err := report.DevPeopleRoots(filepath.Join(dir, "ids"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, a := range proceduretest.Actors() {
		id, err := report.DevIdentityFor(filepath.Join(dir, "ids"), a)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.people.(procedure.Certificates).PutCertificate(ctx, procedure.CertificateOf(a.ID, id.Certificate())); err != nil {
			t.Fatal(err)
		}
		files[a.ID] = p12(t, dir, id, "clave de "+a.ID)
	}
	signing, err := report.NewSigning(e.engine, e.store, e.people.(procedure.Certificates), report.SigningConfig{Verify: report.VerifyOptions{Roots: roots}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Engine: e.engine, Store: e.store, People: e.people, Sessions: e.people.(procedure.Sessions), Signing: signing})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	client, err := remote.New(hs.URL, hs.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := proceduretest.RunPR01(t, e.engine, "SIGEP", "x", 0)
	later := procedure.ClockFunc(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) })
	p, _ := report.NewProcessor(e.store, e.engine, report.ProcessorConfig{Clock: later})
	if _, err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	u := ui.New(test.NewTempApp(t), client, ui.Options{})
	defer u.Close()
	signIn(t, u, proceduretest.Profesional.ID)
	ts := u.Main.Inbox.ToSign
	i := -1
	for j, r := range ts.Requests {
		if r.Topic == manual.TopicInformeConclusion {
			i = j
		}
	}
	if i < 0 || !ts.Box.Visible() || !strings.Contains(ts.Title.Text, "Documentos por firmar") {
		t.Fatalf("nothing to sign: %+v (%q)", ts.Requests, ts.Title.Text)
	}
	sign := func(button *widget.Button, file, secret string) {
		t.Helper()
		u.LastError = ""
		test.Tap(button)
		f := u.Sign
		if f == nil {
			t.Fatal("no signing form")
		}
		f.File.SetText(file)
		f.Secret.SetText(secret)
		f.Submit()
		u.Wait()
	}
	sign(ts.Buttons[i], files[proceduretest.Profesional.ID], "mala")
	if !strings.Contains(u.LastError, "contraseña") {
		t.Fatalf("a wrong password: %q", u.LastError)
	}
	sign(ts.Buttons[i], files[proceduretest.Profesional.ID], "clave de "+proceduretest.Profesional.ID)
	if u.LastError != "" {
		t.Fatalf("signing: %q", u.LastError)
	}
	if u.Sign.Secret.Text != "" {
		t.Fatal("the password stayed in the form")
	}
	if got := client.Settings().Signer.File; got != files[proceduretest.Profesional.ID] {
		t.Fatalf("the file is not remembered for next time: %q", got)
	}
	for _, r := range u.Main.Inbox.ToSign.Requests {
		if r.Topic == manual.TopicInformeConclusion {
			t.Fatal("the conclusion report is still to sign")
		}
	}

	signIn(t, u, proceduretest.Responsable.ID)
	ts = u.Main.Inbox.ToSign
	for j, r := range ts.Requests {
		if r.Topic == manual.TopicInformeConclusion {
			i = j
		}
	}
	sign(ts.Buttons[i], files[proceduretest.Profesional.ID], "clave de "+proceduretest.Profesional.ID)
	if !strings.Contains(u.LastError, "pertenece a otra persona") {
		t.Fatalf("signing with someone else's file: %q", u.LastError)
	}

	// Signed from the case itself, with her own file.
	cv := u.OpenCase(c.ID)
	if len(cv.Sign) != 1 || cv.ToSign[0].Topic != manual.TopicInformeConclusion || !strings.Contains(cv.Sign[0].Text, "Revisado por") {
		t.Fatalf("the case offers to sign %+v", cv.ToSign)
	}
	sign(cv.Sign[0], files[proceduretest.Responsable.ID], "clave de "+proceduretest.Responsable.ID)
	if u.LastError != "" {
		t.Fatalf("signing from the case: %q", u.LastError)
	}
	if cv = u.Case; len(cv.Sign) != 0 {
		t.Fatalf("still offered after signing: %+v", cv.ToSign)
	}
	text := labels(cv.Documents)
	for _, want := range []string{"Firmas de «Informe técnico de conclusión»", "✔ Elaborado por: Fabio Choque, firmó con el certificado de Fabio Choque\n",
		"✔ Revisado por: Elena Vargas, firmó con el certificado de Elena Vargas\n", "… Aprobado por: Carla Rojas, falta su firma"} {
		if !strings.Contains(text, want) {
			t.Errorf("the documents tab lacks %q:\n%s", want, text)
		}
	}
}

func x509MarshalKey(id report.Identity) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(id.Signer)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// TestSingleDeskSignatures: on a single desk the documents are signed for
// each person with their own development identity; the case shows every
// signature given, marked as not legally valid, and nobody has anything
// to sign.
func TestSingleDeskSignatures(t *testing.T) {
	ctx := context.Background()
	e := memEnv(t)
	dir := filepath.Join(t.TempDir(), "ids")
	roots, err := report.DevPeopleRoots(dir)
	if err != nil {
		t.Fatal(err)
	}
	certs := e.people.(procedure.Certificates)
	signing, err := report.NewSigning(e.engine, e.store, certs, report.SigningConfig{Verify: report.VerifyOptions{Roots: roots}})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := desk.New(desk.Config{Engine: e.engine, Store: e.store, People: e.people, BcryptCost: bcrypt.MinCost, Signing: signing})
	if err != nil {
		t.Fatal(err)
	}
	c := proceduretest.RunPR01(t, e.engine, "SIGEP", "x", 0)
	later := procedure.ClockFunc(func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) })
	p, _ := report.NewProcessor(e.store, e.engine, report.ProcessorConfig{Clock: later, Signers: report.DevSigners(dir, e.people, certs)})
	if _, err := p.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	u := ui.New(test.NewTempApp(t), svc, ui.Options{})
	defer u.Close()
	signIn(t, u, proceduretest.Jefe.ID)
	if ts := u.Main.Inbox.ToSign; len(ts.Requests) != 0 || ts.Box.Visible() {
		t.Fatalf("documents to sign on a single desk: %+v", ts.Requests)
	}
	text := labels(u.OpenCase(c.ID).Documents)
	for _, want := range []string{
		"✔ Elaborado por: Fabio Choque, firmó con el certificado de Fabio Choque — identidad de desarrollo: no válida legalmente",
		"✔ Revisado por: Elena Vargas, firmó con el certificado de Elena Vargas — identidad de desarrollo: no válida legalmente",
		"✔ Aprobado por: Carla Rojas, firmó con el certificado de Carla Rojas — identidad de desarrollo: no válida legalmente"} {
		if !strings.Contains(text, want) {
			t.Errorf("the documents tab lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "falta su firma") {
		t.Errorf("a signature is missing:\n%s", text)
	}
}
