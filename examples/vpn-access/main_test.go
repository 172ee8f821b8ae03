package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/storage/postgres/pgtest"
)

func TestVPNAccessOnSQLite(t *testing.T) {
	t.Setenv(procedure.KeyEnv, "")
	dir := t.TempDir()
	checkRun(t, dir, "")
}

// TestVPNAccessOnPostgres runs the same cases on PostgreSQL (skipped
// without the test server: run under .ci/with-postgres).
func TestVPNAccessOnPostgres(t *testing.T) {
	target := pgtest.Database(t)
	t.Setenv(procedure.KeyEnv, "")
	checkRun(t, t.TempDir(), target)
}

// message is one .eml the capture server kept.
type message struct {
	subject, to, cc, text string
	attachments           []string
}

func checkRun(t *testing.T, dir, db string) {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), dir, db, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	t.Log("\n" + got)
	for _, want := range []string{
		// The after-commit hook saw every transition, reveal and purge.
		"VPN-2026-0001 #1 Eva Mamani: Solicitar el acceso VPN, Solicitada; email solicitud\n",
		"VPN-2026-0001 #3 Sara Flores: Habilitar el acceso, Habilitada; document constancia; email habilitada\n",
		"VPN-2026-0001 #4 Eva Mamani: Consulta de los datos reservados, Habilitada\n",
		"VPN-2026-0001 #6 Sara Flores: Eliminación de los datos reservados, Cerrada\n",
		// The last step waits for the requester, not for her unit.
		"  bandeja de Eva Mamani: [VPN-2026-0001]\n  bandeja de Raúl Apaza: []\n",
		// The secret given at step 3: the requester reads it, security may not.
		"Eva Mamani leyó su contraseña inicial (17 caracteres; nadie más puede leerla)",
		"Sara Flores no puede ver los datos reservados del trámite VPN-2026-0001",
		// The conditional transition.
		"VPN-2026-0002 #2 Jorge Lima: Autorizar o rechazar la solicitud, Rechazada; email rechazada\n",
		// The guard function, and the unit guard.
		`Jorge Lima: "Autorizar o rechazar la solicitud": nadie puede autorizar su propia solicitud de acceso`,
		"Nora Cruz: no existe el trámite VPN-2026-0003",
		"VPN-2026-0001 de Eva Mamani: Cerrada\nVPN-2026-0002 de Raúl Apaza: Rechazada\nVPN-2026-0003 de Jorge Lima: Solicitada\n",
		"correos: enviados 7, recuperados 0, reintentar 0, en espera de adjunto 0, fallidos 0",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "Inicial-7Kq2-Vx9p") {
		t.Error("the output shows the password")
	}

	// The signed document prints the number and the code the program
	// printed, the user name and not the password.
	line := regexp.MustCompile(`(?m)^  (VPN-2026-0001-constancia-v1\.pdf)  (USI/VPN/2026/0001)  ([A-Z2-7]{5}-[A-Z2-7]{5})$`).FindStringSubmatch(got)
	if line == nil {
		t.Fatal("the output lists no constancia")
	}
	pdf, err := os.ReadFile(filepath.Join(dir, line[1]))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pdf, []byte("adbe.pkcs7.detached")) || bytes.Contains(pdf, []byte("Inicial-7Kq2")) {
		t.Errorf("%s is not signed, or carries the password", line[1])
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; .ci/install-deps installs it")
	}
	text, err := exec.Command("pdftotext", "-layout", filepath.Join(dir, line[1]), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(text)), " ")
	bare := strings.Join(strings.Fields(string(text)), "") // the layout may glue a label to its value
	for _, want := range []string{"Ministerio de Ejemplo", "CONSTANCIA DE HABILITACIÓN DE ACCESO VPN", line[2], "Código de verificación: " + line[3] + " ",
		"autorizado por Jorge Lima, Jefe de unidad", "Habilitado por", "Sara Flores", "Sucre, 1 de diciembre"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the constancia lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{"UsuarioVPN:emamani", "Solicitante:EvaMamani", "Unidad:Contabilidad"} {
		if !strings.Contains(bare, want) {
			t.Errorf("the constancia lacks %q:\n%s", want, text)
		}
	}

	// The mail: each to exactly whom the definition names.
	msgs := readMail(t, filepath.Join(dir, "mail"))
	if len(msgs) != 7 {
		t.Fatalf("%d messages, want 7", len(msgs))
	}
	want := []struct{ subject, to, cc string }{
		{"[VPN-2026-0001] Solicitud de acceso VPN de Eva Mamani", "jorge@example.gob.bo", ""}, // her unit's head, not Nora
		{"[VPN-2026-0001] Acceso VPN autorizado: habilitar la cuenta", "sara@example.gob.bo", "eva@example.gob.bo"},
		{"[VPN-2026-0001] Su acceso VPN está habilitado", "eva@example.gob.bo", "jorge@example.gob.bo"},
		{"[VPN-2026-0001] Acceso VPN confirmado", "sara@example.gob.bo", ""},
		{"[VPN-2026-0002] Solicitud de acceso VPN de Raúl Apaza", "jorge@example.gob.bo", ""},
		{"[VPN-2026-0002] Su solicitud de acceso VPN fue rechazada", "raul@example.gob.bo", ""}, // the requester, not his unit
		{"[VPN-2026-0003] Solicitud de acceso VPN de Jorge Lima", "jorge@example.gob.bo", ""},
	}
	for i, w := range want {
		m := msgs[i]
		if m.subject != w.subject || m.to != w.to || m.cc != w.cc {
			t.Errorf("message %d: %q to %q cc %q, want %q to %q cc %q", i+1, m.subject, m.to, m.cc, w.subject, w.to, w.cc)
		}
		if strings.Contains(m.text, "Inicial-7Kq2") || strings.Contains(m.text, "UIT/ASS-M01") {
			t.Errorf("message %d carries the password or the manual's reference:\n%s", i+1, m.text)
		}
	}
	granted := msgs[2]
	for _, w := range []string{"Estimado(a) Eva Mamani:", "Solicitante: Eva Mamani, Contabilidad", "Alcance: red interna, hasta el 31/03/2027",
		"Mensaje automático de Unidad de Seguridad Informática (Ministerio de Ejemplo), según el procedimiento SEG-PR04, Solicitud de acceso VPN."} {
		if !strings.Contains(granted.text, w) {
			t.Errorf("the grant's email lacks %q:\n%s", w, granted.text)
		}
	}
	if strings.Join(granted.attachments, ",") != "Constancia de habilitación de acceso VPN USI-VPN-2026-0001.pdf" {
		t.Errorf("the grant's email attaches %v", granted.attachments)
	}
}

func readMail(t *testing.T, dir string) []message {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	var out []message
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		mr, err := gomail.CreateReader(f)
		if err != nil {
			t.Fatal(err)
		}
		var m message
		m.subject, _ = mr.Header.Subject()
		list := func(key string) string {
			as, _ := mr.Header.AddressList(key)
			var s []string
			for _, a := range as {
				s = append(s, a.Address)
			}
			return strings.Join(s, ",")
		}
		m.to, m.cc = list("To"), list("Cc")
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			switch h := p.Header.(type) {
			case *gomail.InlineHeader:
				if ct, _, _ := h.ContentType(); ct == "text/plain" {
					b, _ := io.ReadAll(p.Body)
					m.text = strings.ReplaceAll(string(b), "\r\n", "\n")
				}
			case *gomail.AttachmentHeader:
				n, _ := h.Filename()
				m.attachments = append(m.attachments, n)
			}
		}
		f.Close()
		out = append(out, m)
	}
	return out
}
