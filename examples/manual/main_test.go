package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

func TestMarkdown(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, "markdown"); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"## UIT/ASS-PR01 — Procedimiento para la puesta en producción de sistemas en la AGETIC (versión 1, aprobado con R.A. AGETIC/RA/0085/2022, de 19/07/2022)",
		"## UIT/ASS-PR02 — Procedimiento para la actualización de sistemas en producción de la AGETIC (versión 1,",
		"| N° | ACTIVIDAD | RESPONSABLE | SALIDA |",
		"| 8 | Aprueba el informe de conclusión y elabora nota interna notificando la conclusión de la puesta en producción. | Jefe de la UIT | Nota Interna |",
		"```mermaid\nstateDiagram-v2\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(got, "\n| "); n != 2*10 {
		t.Errorf("%d table rows, want 2 × (header + 9 steps)", n)
	}
}

func TestJSONIsWhatTheLoaderAccepts(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, "json"); err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil || len(raw) != 2 {
		t.Fatalf("%d definitions, %v", len(raw), err)
	}
	for i, r := range raw {
		d, err := procedure.LoadDefinition(r)
		if err != nil {
			t.Fatal(err)
		}
		if d.Code != manual.Definitions()[i].Code {
			t.Fatalf("definition %d is %s", i, d.Code)
		}
	}
	if err := run(&out, "yaml"); err == nil {
		t.Fatal("an unknown format was accepted")
	}
}
