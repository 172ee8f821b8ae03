package ui_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// writeFile writes a file for the person to choose.
func writeFile(t *testing.T, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAttachmentThroughTheUI: the profesional attaches a document to his
// observation (a file of another type, or one too big, is refused at once
// with a clear message and the field keeps what it had); the requester
// finds it under Documentos and opens it, reads it in the observation's
// email in Correos, and answers with a document of her own. On the desk,
// through the server package and through the tramite-server command alike.
func TestAttachmentThroughTheUI(t *testing.T) {
	for _, mode := range append(modes, "process") {
		t.Run(mode, func(t *testing.T) {
			a := test.NewTempApp(t)
			path := filepath.Join(t.TempDir(), "tramite.db")
			db := openSQLite(t, path)
			e := newEnv(t, db, db)
			var svc ui.Service
			if mode == "process" {
				svc = e.process(t, path) // the tramite-server command, in its own process
			} else {
				svc = e.client(t, mode)
			}
			var opened [][]byte
			u := ui.New(a, svc, ui.Options{Open: func(p string) error {
				b, err := os.ReadFile(p)
				opened = append(opened, b)
				return err
			}})
			defer u.Close()
			c := proceduretest.InProgress(t, e.engine, manual.CodePR01, "Sistema de Archivo")

			signIn(t, u, "fabio")
			cv := openFromInbox(t, u, c.ID)
			af := cv.Open(manual.EventObserve)
			test.Type(af.Fields.Entry("observations"), "Revise las observaciones del documento adjunto.")
			pick := af.Fields.File("observations_file")
			if pick == nil || !strings.Contains(pick.Chosen.Text, "PDF") || !strings.Contains(pick.Chosen.Text, "10 MB") {
				t.Fatalf("the file field says %q", pick.Chosen.Text)
			}
			for _, bad := range []struct{ name, want string }{
				{writeFile(t, "programa.exe", []byte("MZ\x90")), "programa.exe no es de un tipo admitido"},
				{writeFile(t, "grande.pdf", append([]byte("%PDF-1.7\n"), make([]byte, manual.MaxAttachment)...)), "pesa más de 10 MB"},
				{writeFile(t, "falso.pdf", []byte("no soy un PDF")), "el contenido de falso.pdf no es un PDF"},
			} {
				err := pick.Attach(bad.name)
				if err == nil || !strings.Contains(procedure.ErrorMessage(err), bad.want) {
					t.Fatalf("%s: %v, want %q", filepath.Base(bad.name), err, bad.want)
				}
				if af.Fields.Files() != nil {
					t.Fatal("a refused file was kept")
				}
			}
			obs := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("observación "), 400)...)
			if err := pick.Attach(writeFile(t, "observaciones.pdf", obs)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(pick.Chosen.Text, "observaciones.pdf (5 KB)") || pick.Remove.Disabled() {
				t.Fatalf("the field shows %q", pick.Chosen.Text)
			}
			u.LastError = ""
			test.Tap(af.Confirm)
			if u.LastError != "" || u.Case.Form != nil {
				t.Fatalf("observe with a file: %q", u.LastError)
			}

			signIn(t, u, "ana")
			cv = openFromInbox(t, u, c.ID)
			open := buttons(cv.Documents, "Abrir")
			route := strings.Join(texts(cv.Timeline), "\n")
			if !strings.Contains(route, "Documento con las observaciones: observaciones.pdf") {
				t.Fatalf("the hoja de ruta does not name the file:\n%s", route)
			}
			if len(open) == 0 || !strings.Contains(strings.Join(texts(cv.Documents), "\n"), "observaciones.pdf · 5 KB") {
				t.Fatalf("Documentos shows:\n%s", strings.Join(texts(cv.Documents), "\n"))
			}
			test.Tap(open[len(open)-1])
			if len(opened) != 1 || !bytes.Equal(opened[0], obs) {
				t.Fatalf("opened %d files, error %q", len(opened), u.LastError)
			}
			cv.Tabs.SelectIndex(3) // Correos
			mails := strings.Join(texts(cv.Emails), "\n")
			if !strings.Contains(mails, "Asunto: ["+c.ID+"]") || !strings.Contains(mails, "Revise las observaciones del documento adjunto.") ||
				!strings.Contains(mails, "observaciones.pdf (5 KB)") {
				t.Fatalf("Correos shows:\n%s", mails)
			}
			before := len(opened)
			mailOpen := buttons(cv.Emails, "Abrir")
			test.Tap(mailOpen[len(mailOpen)-1])
			if len(opened) != before+1 || !bytes.Equal(opened[before], obs) {
				t.Fatal("Abrir in the email did not open the file")
			}

			af = cv.Open(manual.EventComplete)
			if af.Answers == nil || !strings.Contains(af.Answers.Text, "Revise las observaciones") ||
				!strings.Contains(af.Answers.Text, "Documento con las observaciones: observaciones.pdf") {
				t.Fatal("the answer's form does not show the observation")
			}
			test.Type(af.Fields.Entry("answer"), "Adjunto la nota con la URL.")
			if err := af.Fields.File("answer_file").Attach(writeFile(t, "respuesta.txt", []byte("URL: gitlab.agetic.gob.bo/sis/archivo\n"))); err != nil {
				t.Fatal(err)
			}
			test.Tap(af.Confirm)
			if u.LastError != "" {
				t.Fatal(u.LastError)
			}
			atts, err := e.engine.Attachments(context.Background(), proceduretest.Jefe, c.ID)
			if err != nil || len(atts) != 2 || atts[0].Name != "observaciones.pdf" || atts[1].Name != "respuesta.txt" ||
				!bytes.Equal(atts[0].Content, obs) {
				t.Fatalf("stored attachments: %d, %v", len(atts), err)
			}
		})
	}
}
