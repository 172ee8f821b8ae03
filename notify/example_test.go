package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// Every email of an outbox item has a stable Message-ID, and every email of
// a case refers to the case's root, so the case is one thread.
func ExampleMessageID() {
	fmt.Println(notify.MessageID("PR01-2026-0001/5/email/observaciones", "agetic.gob.bo"))
	fmt.Println(notify.ThreadID("PR01-2026-0001", "agetic.gob.bo"))
	// Output:
	// 0c8fc0f77e34cd71a772e15c@tramite.agetic.gob.bo
	// PR01-2026-0001@tramite.agetic.gob.bo
}

// Compose writes a raw RFC 5322 message; the subject and names with
// accents are RFC 2047 encoded, and the same Email always gives the same
// bytes.
func ExampleCompose() {
	raw, err := notify.Compose(notify.Email{
		From:       procedure.Address{Name: "Trámites UIT", Email: "tramites@agetic.gob.bo"},
		To:         []procedure.Address{{Name: "Ana Quispe", Email: "ana@agetic.gob.bo"}},
		Subject:    "[PR01-2026-0001] Observaciones a su solicitud",
		Text:       "Falta la URL del repositorio.",
		HTML:       "<p>Falta la URL del repositorio.</p>",
		MessageID:  notify.MessageID("PR01-2026-0001/5/email/observaciones", "agetic.gob.bo"),
		References: []string{notify.ThreadID("PR01-2026-0001", "agetic.gob.bo")},
		Date:       time.Date(2026, 11, 26, 9, 0, 0, 0, time.FixedZone("BOT", -4*3600)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		for _, k := range []string{"From:", "Subject:", "Message-Id:", "In-Reply-To:", "Date:"} {
			if strings.HasPrefix(line, k) {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// Date: Thu, 26 Nov 2026 09:00:00 -0400
	// From: =?utf-8?q?Tr=C3=A1mites_UIT?= <tramites@agetic.gob.bo>
	// Subject: [PR01-2026-0001] Observaciones a su solicitud
	// Message-Id: <0c8fc0f77e34cd71a772e15c@tramite.agetic.gob.bo>
	// In-Reply-To: <PR01-2026-0001@tramite.agetic.gob.bo>
}

// A whole demo: a case starts, its notice is queued in the outbox, and a
// Dispatcher sends it to an in-process CaptureServer, which keeps it as
// 001.eml.
func ExampleNewCaptureServer() {
	dir, _ := os.MkdirTemp("", "tramite-mail")
	defer os.RemoveAll(dir)
	srv, err := notify.NewCaptureServer(filepath.Join(dir, "mail"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	ctx := context.Background()
	store := procedure.NewMemoryStore()
	sealer, _ := procedure.NewAESSealer(proceduretest.Key)
	at := time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC)
	eng, _ := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(proceduretest.Directory()), procedure.WithSealer(sealer),
		procedure.WithClock(procedure.ClockFunc(func() time.Time { return at })))
	if _, err := eng.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR01Request("Sistema de Correspondencia", "clave-secreta")}); err != nil {
		fmt.Println(err)
		return
	}

	cfg := srv.Config(procedure.Address{Name: "Trámites UIT", Email: "tramites@agetic.gob.bo"})
	cfg.MailDir = filepath.Join(dir, "record")
	d, err := notify.NewDispatcher(store, eng, cfg,
		notify.WithClock(procedure.ClockFunc(func() time.Time { return at.Add(time.Minute) })))
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := d.Drain(ctx)
	fmt.Println(st, err)
	for _, f := range srv.Files() {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// enviados 1, recuperados 0, reintentar 0, en espera de adjunto 0, fallidos 0, omitidos 0, devueltos 0 <nil>
	// 001.eml
}

// TestConnection backs the "probar conexión" button of the settings screen.
func ExampleTestConnection() {
	dir, _ := os.MkdirTemp("", "tramite-mail")
	defer os.RemoveAll(dir)
	srv, err := notify.NewCaptureServer(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	cfg := srv.Config(procedure.Address{Email: "tramites@agetic.gob.bo"})
	fmt.Println(notify.TestConnection(context.Background(), cfg))
	cfg.Password = "incorrecta"
	fmt.Println(procedure.ErrorMessage(notify.TestConnection(context.Background(), cfg)) != "")
	// Output:
	// <nil>
	// true
}

// Preview composes an email of a case's outbox as it is (or was) sent, to
// show it to someone reading the case.
func ExamplePreview() {
	ctx := context.Background()
	store := procedure.NewMemoryStore()
	engine, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...),
		procedure.WithDirectory(proceduretest.Directory()), procedure.WithClock(proceduretest.NewClock()))
	if err != nil {
		panic(err)
	}
	c, err := engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR02Request("Portal de Trámites")})
	if err != nil {
		panic(err)
	}
	emails, err := engine.Emails(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		panic(err)
	}
	e, err := notify.Preview(ctx, store, engine, notify.Config{}, emails[0])
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Subject)
	fmt.Println(strings.Contains(e.Text, "Portal de Trámites"))
	// Output:
	// [PR02-2026-0001] Pendiente, paso 2 (Derivar al Responsable de Servidores y Servicios): Portal de Trámites
	// true
}
