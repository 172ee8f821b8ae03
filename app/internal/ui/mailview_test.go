package ui_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// TestMailViewFollowsDelivery: the case's Correos tab shows each email as
// its recipients read it (subject, text) with its status; when the
// background services render the request's note and send the email, the
// open case shows the document and "enviado" without being reopened. On
// the desk and through a server alike.
func TestMailViewFollowsDelivery(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			a := test.NewTempApp(t)
			db := openSQLite(t, filepath.Join(t.TempDir(), "tramite.db"))
			e := newEnv(t, db, db)
			c, err := e.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
				Inputs: proceduretest.PR02Request("Portal de Trámites")})
			if err != nil {
				t.Fatal(err)
			}
			type view struct{ mails, docs string }
			seen := make(chan view, 64)
			var u *ui.UI
			u = ui.New(a, e.client(t, mode), ui.Options{Live: true, OnChange: func(id string) {
				if u.Case != nil && id == c.ID {
					select {
					case seen <- view{strings.Join(texts(u.Case.Emails), "\n"), strings.Join(texts(u.Case.Documents), "\n")}:
					default: // the test stopped reading: never block the feed
					}
				}
			}})
			defer u.Close()
			signIn(t, u, "carla")
			cv := openFromInbox(t, u, c.ID)
			cv.Tabs.SelectIndex(3) // Correos
			mails := strings.Join(texts(cv.Emails), "\n")
			for _, want := range []string{"Aviso del trámite · pendiente", "Asunto: [" + c.ID + "]", "Portal de Trámites", "Carla Rojas <carla@agetic.gob.bo>"} {
				if !strings.Contains(mails, want) {
					t.Fatalf("Correos lacks %q:\n%s", want, mails)
				}
			}
			if docs := strings.Join(texts(cv.Documents), "\n"); !strings.Contains(docs, "Aún no hay documentos") {
				t.Fatalf("Documentos before rendering:\n%s", docs)
			}

			// The services of the desk (or the server) do their work.
			p, err := report.NewProcessor(e.store, e.engine, report.ProcessorConfig{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			capture, err := notify.NewCaptureServer(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer capture.Close()
			d, err := notify.NewDispatcher(e.store, e.engine, capture.Config(procedure.Address{Name: "Trámites UIT", Email: "tramites@agetic.gob.bo"}))
			if err != nil {
				t.Fatal(err)
			}
			if st, err := d.Drain(ctx); err != nil || st.Sent != 1 {
				t.Fatalf("dispatch: %v, %v", st, err)
			}
			deadline := time.After(30 * time.Second)
			for {
				select {
				case v := <-seen:
					if strings.Contains(v.mails, "Aviso del trámite · enviado") && strings.Contains(v.mails, "Asunto: [") &&
						strings.Contains(v.docs, "Remisión de Nota v1") {
						return
					}
				case <-deadline:
					t.Fatal("the open case did not follow the document and the delivery")
				}
			}
		})
	}
}
