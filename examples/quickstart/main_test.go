package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/storage/postgres/pgtest"
	"github.com/tramite/tramite/storage/sqlite"
)

func TestQuickstart(t *testing.T) {
	t.Setenv(procedure.KeyEnv, "")
	t.Setenv("TRAMITE_DATABASE_URL", "") // DIR/tramite.db, whatever the environment says
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "demo")
	var out bytes.Buffer
	later := procedure.ClockFunc(func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) })
	if err := runWith(ctx, dir, &out, proceduretest.NewClock(), later); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	t.Log("\n" + got)
	for _, want := range []string{
		"UIT/ASS-PR01 PR01-2026-0001: Sistema de Correspondencia Digital (Cerrado)",
		"UIT/ASS-PR02 PR02-2026-0001: Portal de Trámites en Línea (Cerrado)",
		"Diego Flores  Jefe de la UIT a.i.",
		"historial verificado: 12 entradas encadenadas",
		"historial verificado: 10 entradas encadenadas",
		"26/11/2026 09:00:00", // 13:00 UTC in La Paz
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Each case's route passes through the nine steps in order.
	routes := strings.Split(got, "\nUIT/ASS-")[1:]
	if len(routes) != 2 {
		t.Fatalf("%d routes printed, want 2", len(routes))
	}
	row := regexp.MustCompile(`(?m)^(\d|-)\s+(\S+)\s`)
	for _, r := range routes {
		var steps []string
		for _, m := range row.FindAllStringSubmatch(r, -1) {
			if m[1] != "-" && (len(steps) == 0 || steps[len(steps)-1] != m[1]) {
				steps = append(steps, m[1])
			}
		}
		if strings.Join(steps, "") != "123456789" {
			t.Errorf("route goes through steps %v:\n%s", steps, r)
		}
	}
	if !regexp.MustCompile(`(?m)^-\s+Consulta de los datos reservados\s+Fabio Choque`).MatchString(routes[0]) ||
		!regexp.MustCompile(`(?m)^-\s+Eliminación de los datos reservados\s+Carla Rojas`).MatchString(routes[0]) {
		t.Errorf("PR01 route lacks the reveal or the purge of its credentials:\n%s", routes[0])
	}
	// The documents, signed, and the mail the capture server received.
	// The route reads as staff read it: actions, not event names.
	for _, ev := range []string{"request", "forward", "issue_memo", "reveal_secrets"} {
		if strings.Contains(got, " "+ev+" ") {
			t.Errorf("the route prints the event name %q", ev)
		}
	}
	if !strings.Contains(got, "Observar: solicitar aclarar la actualización") || !strings.Contains(got, "Aclarar la actualización") {
		t.Errorf("PR02's route lacks its own words for steps 4 and 5")
	}
	for _, name := range []string{"PR01-2026-0001-nota-remision.pdf", "PR01-2026-0001-informe-conclusion.pdf",
		"PR01-2026-0001-informe-conclusion-v3.pdf", "PR01-2026-0001-nota-interna.pdf", "PR01-2026-0001-hoja-de-ruta.pdf",
		"PR02-2026-0001-nota-conclusion.pdf", "PR02-2026-0001-nota-interna.pdf", "PR02-2026-0001-hoja-de-ruta.pdf"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.Contains(data, []byte("adbe.pkcs7.detached")) {
			t.Errorf("%s is not a signed PDF", name)
		}
	}
	// Every document line names the file of that version, and its number
	// and verification code are the ones the PDF prints.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed; .ci/install-deps installs it")
	}
	line := regexp.MustCompile(`(?m)^  (\S+\.pdf)\s+v\d+\s+(?:(\S+/\d{4}/\d{4})\s+)?([A-Z2-7]{5}-[A-Z2-7]{5})$`)
	docs := line.FindAllStringSubmatch(got, -1)
	if len(docs) != 12 {
		t.Errorf("%d document lines, want 12", len(docs))
	}
	for _, m := range docs {
		text, err := exec.Command("pdftotext", "-layout", filepath.Join(dir, m[1]), "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", m[1], err)
		}
		flat := strings.Join(strings.Fields(string(text)), " ")
		if !strings.Contains(flat, "Código de verificación: "+m[3]+" ") {
			t.Errorf("%s does not print the code %s the quick start printed", m[1], m[3])
		}
		if m[2] != "" && !strings.Contains(flat, m[2]) {
			t.Errorf("%s does not print the number %s the quick start printed", m[1], m[2])
		}
	}
	mails, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
	if len(mails) != 16 || !strings.Contains(got, "enviados 16, recuperados 0, reintentar 0, en espera de adjunto 0, fallidos 0") {
		t.Errorf("%d messages in mail/, want 16", len(mails))
	}
	for _, name := range []string{"tramite.db", "tramite.key", "dev-signer-key.pem", "PR01-2026-0001-hoja-de-ruta.pdf", "mail/001.eml"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has permissions %v", name, st.Mode().Perm())
		}
	}

	// A second run adds two more cases to the same database.
	out.Reset()
	if err := run(ctx, dir, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "(Cerrado)") != 2 {
		t.Errorf("second run:\n%s", out.String())
	}
	s, err := sqlite.Open(ctx, filepath.Join(dir, "tramite.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Check(ctx)
	if err != nil || !r.OK() || r.Cases != 4 {
		t.Fatalf("check after two runs: %+v, %v", r, err)
	}
	c, err := s.Case(ctx, "PR01-2026-0001")
	if err != nil || c.Secrets != nil {
		t.Fatalf("the PR01 credentials were not purged: %v", err)
	}
}

// TestQuickstartOnPostgres runs the quick start on a shared PostgreSQL
// database given as -db (skipped without the test server).
func TestQuickstartOnPostgres(t *testing.T) {
	target := pgtest.Database(t)
	t.Setenv(procedure.KeyEnv, "")
	dbTarget = target
	defer func() { dbTarget = "" }()
	var out bytes.Buffer
	if err := run(context.Background(), filepath.Join(t.TempDir(), "demo"), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Count(got, "(Cerrado)") != 2 || !strings.Contains(got, "base de datos postgres://") || !strings.Contains(got, "enviados 16,") {
		t.Fatalf("output:\n%s", got)
	}
}
