package notify_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestFileGoesWithItsEmail: a file the requester attaches at step 5 goes
// with the email that step sends (to the profesional), under its own name
// and type, and is listed in its text; the emails of other steps do not
// carry it. Preview composes the same email for the case's mail view.
func TestFileGoesWithItsEmail(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, "")
	f := newFixture(t)
	c := proceduretest.InProgress(t, f.eng, manual.CodePR01, "Sistema de Archivo")
	c, err := f.eng.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventObserve, Actor: proceduretest.Profesional,
		Inputs: procedure.Inputs{"observations": "Falta la URL del repositorio."}})
	if err != nil {
		t.Fatal(err)
	}
	file := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 5000)...)
	c, err = f.eng.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventComplete, Actor: proceduretest.Solicitante,
		Inputs: procedure.Inputs{"answer": "Adjunto la nota con la URL."}, Files: map[string]procedure.File{"answer_file": {Name: "nota ñandú.pdf", Content: file}}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.dispatcher(t, config(t, srv)).Drain(ctx)
	if err != nil || st.Failed != 0 {
		t.Fatalf("%v, %v", st, err)
	}
	var carried []string
	for _, m := range srv.messages() {
		p := parse(t, m.raw)
		got, ok := p.attachments["nota ñandú.pdf"]
		if !ok {
			continue
		}
		carried = append(carried, p.header.Get("X-Tramite-Item"))
		if !bytes.Equal(got, file) {
			t.Fatal("the attached file arrived changed")
		}
		if !strings.Contains(p.text, "nota ñandú.pdf") {
			t.Errorf("the email's text does not list the file:\n%s", p.text)
		}
	}
	items := f.emails(t, procedure.OutboxSent)
	var answer procedure.OutboxItem
	for _, it := range items {
		if it.Topic == manual.TopicRespuesta {
			answer = it
		}
	}
	if len(carried) != 1 || carried[0] != answer.ID {
		t.Fatalf("the file went with %v, want only %s", carried, answer.ID)
	}

	e, err := notify.Preview(ctx, f.store, f.eng, notify.Config{}, answer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Subject, c.ID) || !strings.Contains(e.Text, "Adjunto la nota con la URL.") ||
		len(e.Attachments) != 1 || e.Attachments[0].Filename != "nota ñandú.pdf" || e.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("preview: %q, %d attachments", e.Subject, len(e.Attachments))
	}
}
