package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"github.com/tramite/tramite/procedure"
)

func TestCustomProcedureEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), respaldoJSON, dir, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| 3 | Genera la copia de seguridad y registra su ubicación y su suma de verificación. | Operador de Copias de Seguridad | Registro de copia de seguridad |",
		"verified --> closed : 5. acknowledge",
		"PR03-2026-0001: Cerrada",
		"PR03-2026-0001-hoja-de-ruta-v1.pdf v1",
		"PR03-2026-0001-solicitud-v1.pdf v1 UDS/NOTA/2026/0001",
		"PR03-2026-0001-registro-v3.pdf v3 UIT/RCS/2026/0001",
		"PR03-2026-0001-acta-v1.pdf v1 UIT/AV/2026/0001",
		"correos: enviados 6,",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	pdf := filepath.Join(dir, "PR03-2026-0001-hoja-de-ruta.pdf")
	if _, err := os.Stat(pdf); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; .ci/install-deps installs it")
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"HOJA DE RUTA", "Olga Ticona", "Operador de Copias de Seguridad", "Raúl Condori"} {
		if !strings.Contains(strings.ToUpper(string(text)), strings.ToUpper(want)) {
			t.Errorf("route sheet text lacks %q:\n%s", want, text)
		}
	}
	// The documents the JSON declares, in its own words.
	acta, err := exec.Command("pdftotext", "-layout", filepath.Join(dir, "PR03-2026-0001-acta.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ACTA DE VERIFICACIÓN", "UIT/AV/2026/0001", "registrada con el número", "UIT/RCS/2026/0001",
		"se aprueba el registro", "Verificado por"} {
		if !strings.Contains(strings.Join(strings.Fields(string(acta)), " "), want) {
			t.Errorf("the acta lacks %q:\n%s", want, acta)
		}
	}
	// And the emails it declares, one .eml each.
	mails, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	if len(mails) != 6 {
		t.Fatalf("%d .eml files, want 6", len(mails))
	}
	f, err := os.Open(mails[len(mails)-1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mr, err := gomail.CreateReader(f)
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := mr.Header.Subject()
	var files []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if h, ok := p.Header.(*gomail.AttachmentHeader); ok {
			name, _ := h.Filename()
			files = append(files, name)
		}
	}
	if subject != "[PR03-2026-0001] Copia de seguridad verificada: Sistema de Correspondencia" ||
		strings.Join(files, ", ") != "Acta de verificación UIT-AV-2026-0001.pdf, Registro de copia de seguridad UIT-RCS-2026-0001.pdf" {
		t.Errorf("the last email: %q with %v", subject, files)
	}
}

func TestBrokenDefinitionRefused(t *testing.T) {
	broken := bytes.Replace(respaldoJSON, []byte(`"assigns": "operador"`), []byte(`"assigns": "nadie"`), 1)
	err := run(context.Background(), broken, t.TempDir(), &bytes.Buffer{})
	if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(err.Error(), `asigna desde "nadie"`) {
		t.Fatalf("got %v", err)
	}
}
