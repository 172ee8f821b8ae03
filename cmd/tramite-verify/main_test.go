package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/report"
)

// signedNote renders the internal note of a closed case, signs it with a
// development identity and writes it to dir; it returns its path and the
// development CA's.
func signedNote(t *testing.T, dir string) (pdf, ca string) {
	t.Helper()
	ctx := context.Background()
	e := proceduretest.NewEngine(t, procedure.NewMemoryStore())
	c := proceduretest.RunPR01(t, e, "SIGEP", "x", 0)
	h, err := e.History(ctx, proceduretest.Jefe, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	def, _ := e.Definition(c.Procedure)
	var buf bytes.Buffer
	in := report.Input{Topic: manual.TopicNotaInterna, Number: c.Cites[manual.TopicNotaInterna], Case: c, Definition: def, History: h, Seq: h[len(h)-2].Seq}
	if err := report.Render(&buf, in, report.Options{}); err != nil {
		t.Fatal(err)
	}
	id, err := report.NewDevIdentity(filepath.Join(dir, "id"))
	if err != nil {
		t.Fatal(err)
	}
	var signed bytes.Buffer
	if err := report.Sign(&signed, buf.Bytes(), id, report.SignMeta{Name: "Carla Rojas", Reason: "Emitido por"}); err != nil {
		t.Fatal(err)
	}
	pdf = filepath.Join(dir, "nota.pdf")
	if err := os.WriteFile(pdf, signed.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return pdf, filepath.Join(dir, "id", report.DevCAFile)
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	pdf, ca := signedNote(t, dir)
	b, _ := os.ReadFile(pdf)
	tampered := filepath.Join(dir, "alterado.pdf")
	b[bytes.Index(b, []byte("/Producer"))+12] ^= 0x01
	os.WriteFile(tampered, b, 0o600)
	garbage := filepath.Join(dir, "hola.pdf")
	os.WriteFile(garbage, []byte("hola"), 0o600)

	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"valid", []string{"-ca", ca, pdf}, exitValid, []string{"1 firma, válida.", "Firma 1 de 1: VÁLIDA", "Firmante: tramite firmante de desarrollo",
			"no válida legalmente", "vigente al firmar", "de una entidad certificadora de confianza", "Sello de tiempo: ninguno", "Revocación: no incluida",
			"Documento: sin cambios desde esta firma"}},
		{"no trusted CA", []string{pdf}, exitInvalid, []string{"NO VÁLIDA", "no se configuró ninguna entidad certificadora de confianza"}},
		{"long-term validation required", []string{"-ltv", "-ca", ca, pdf}, exitInvalid, []string{"la firma no tiene sello de tiempo", "no incluye el estado de revocación"}},
		{"tampered", []string{"-ca", ca, tampered}, exitInvalid, []string{"0 válidas y 1 NO válidas", "ALTERADO"}},
		{"two files", []string{"-ca", ca, pdf, tampered}, exitInvalid, []string{"== " + pdf, "== " + tampered}},
		{"not a PDF", []string{"-ca", ca, garbage}, exitError, []string{"No se pudo verificar: el documento no es un PDF legible"}},
		{"missing file", []string{"-ca", ca, filepath.Join(dir, "nada.pdf")}, exitError, []string{"No se pudo leer"}},
		{"no files", []string{"-ca", ca}, exitError, nil},
		{"bad CA file", []string{"-ca", pdf, pdf}, exitError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tt.args, &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out.String(), errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(strings.ToLower(out.String()), strings.ToLower(w)) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}

	t.Run("JSON", func(t *testing.T) {
		var out, errb bytes.Buffer
		if code := run([]string{"-json", "-ca", ca, pdf, tampered}, &out, &errb); code != exitInvalid {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var got []struct {
			File       string `json:"file"`
			Valid      bool   `json:"valid"`
			Signatures []struct {
				Signer   string   `json:"signer"`
				Valid    bool     `json:"valid"`
				Intact   bool     `json:"intact"`
				Problems []string `json:"problems"`
			} `json:"signatures"`
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if len(got) != 2 || !got[0].Valid || got[1].Valid || len(got[0].Signatures) != 1 || got[0].Signatures[0].Signer != "tramite firmante de desarrollo" ||
			got[1].Signatures[0].Intact || len(got[1].Signatures[0].Problems) == 0 {
			t.Fatalf("%+v", got)
		}
	})
}
