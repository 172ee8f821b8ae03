package ui_test

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestRequestAndAnswer: the request's dialog names the new case and opens
// it ("Ver trámite"); its route sheet starts with "Solicitud presentada";
// the profesional's inbox names who sent the case, not himself, after he
// started the work; and the requester answering an observation reads it
// in the form.
func TestRequestAndAnswer(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			a := test.NewTempApp(t)
			e := memEnv(t)
			if mode == "server" {
				db := openSQLite(t, t.TempDir()+"/tramite.db")
				e = newEnv(t, db, db)
			}
			u := ui.New(a, e.client(t, mode), ui.Options{})
			defer u.Close()
			signIn(t, u, "ana")
			nr := u.Main.New
			nr.Choose(manual.CodePR02)
			test.Type(nr.Fields.Entry("system"), "Portal de Trámites")
			test.Type(nr.Fields.Entry("description"), "Actualización a la versión 2.1.")
			test.Tap(nr.Submit)
			if u.LastError != "" || nr.Sent == nil || nr.ViewCase == nil {
				t.Fatalf("no dialog after sending: %q", u.LastError)
			}
			cs, err := e.store.Cases(context.Background(), procedure.CaseQuery{})
			if err != nil || len(cs) != 1 {
				t.Fatal(cs, err)
			}
			id := cs[0].ID
			if got := nr.SentNumber.Text; got != id {
				t.Fatalf("the dialog says %q, not the case number %s", got, id)
			}
			test.Tap(nr.ViewCase)
			if u.Case == nil || u.Case.ID != id {
				t.Fatal("Ver trámite did not open the case")
			}
			first := strings.Join(texts(u.Case.Timeline.Objects[0]), "\n")
			if !strings.Contains(first, "Solicitud presentada") || strings.Contains(first, "→") {
				t.Fatalf("the first route entry reads:\n%s", first)
			}

			ctx := context.Background()
			c := cs[0]
			for _, s := range []struct {
				a  procedure.Actor
				ev procedure.EventName
				in procedure.Inputs
			}{
				{proceduretest.Jefe, manual.EventForward, nil},
				{proceduretest.Responsable, manual.EventInstruct, procedure.Inputs{"profesional": "fabio"}},
				{proceduretest.Profesional, manual.EventStart, nil},
			} {
				if c, err = e.engine.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
					t.Fatal(err)
				}
			}
			signIn(t, u, "fabio")
			got, _ := u.Main.Inbox.Cases.Case(0)
			if got.LastActor != proceduretest.Responsable.Name {
				t.Fatalf("fabio's inbox shows the case sent by %q, want %q", got.LastActor, proceduretest.Responsable.Name)
			}
			openFromInbox(t, u, id)
			fire(t, u, manual.EventObserve, func(af *ui.ActionForm) {
				test.Type(af.Fields.Entry("observations"), "Falta la URL del repositorio.")
			})
			signIn(t, u, "ana")
			got, _ = u.Main.Inbox.Cases.Case(0)
			if got.LastActor != proceduretest.Profesional.Name {
				t.Fatalf("ana's inbox shows the case sent by %q", got.LastActor)
			}
			cv := openFromInbox(t, u, id)
			af := cv.Open(manual.EventComplete)
			if af.Answers == nil || !strings.Contains(af.Answers.Text, "Falta la URL del repositorio.") {
				t.Fatalf("the answer's form does not show the observation: %+v", af.Answers)
			}
		})
	}
}
