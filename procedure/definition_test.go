package procedure_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestBuiltinFollowsTheManual(t *testing.T) {
	for _, d := range manual.Definitions() {
		if err := d.Validate(); err != nil {
			t.Fatalf("%s: %v", d.Code, err)
		}
		if len(d.Steps) != 9 {
			t.Fatalf("%s has %d steps", d.Code, len(d.Steps))
		}
		if d.Resolution != "R.A. AGETIC/RA/0085/2022" || d.Approved != "2022-07-19" || d.Version != "1" {
			t.Fatalf("%s approval %s %s v%s", d.Code, d.Resolution, d.Approved, d.Version)
		}
		// Every manual step has exactly the responsible the manual names,
		// and its manual events are fired by that role.
		want := []procedure.RoleID{"", "solicitante", "jefe_uit", "responsable_ss", "profesional_ss", "solicitante", "profesional_ss", "responsable_ss", "jefe_uit", "solicitante"}
		for _, s := range d.Steps {
			if s.Responsible != want[s.Number] {
				t.Errorf("%s step %d responsible %s, want %s", d.Code, s.Number, s.Responsible, want[s.Number])
			}
		}
		for _, ev := range d.Events {
			if s, _ := d.Step(ev.Step); !ev.Extension && ev.Role != s.Responsible {
				t.Errorf("%s event %s fired by %s, but step %d belongs to %s", d.Code, ev.Name, ev.Role, ev.Step, s.Responsible)
			}
		}
	}
	table := map[string]string{}
	for _, d := range manual.Definitions() {
		var b bytes.Buffer
		if err := d.WriteTable(&b); err != nil {
			t.Fatal(err)
		}
		table[d.Code] = b.String()
	}
	// Spot-check the manual's own words.
	for code, s := range map[string]string{
		manual.CodePR01: "| 1 | Solicita la puesta en producción de un nuevo sistema. El requerimiento debe incluir la siguiente información: Tokens, llaves de acceso, credenciales y otros necesarios para la puesta a producción. | Unidad/Área Solicitante | Remisión de Nota |",
		manual.CodePR02: "| 7 | Revisa y aprueba el informe o nota de conclusión | Responsable de Servidores y Servicios | Progreso del documento (Flujo) |",
	} {
		if !strings.Contains(table[code], s) {
			t.Errorf("%s table lacks %q", code, s)
		}
	}
}

func TestDefinitionJSONRoundTrip(t *testing.T) {
	for _, d := range manual.Definitions() {
		data, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		back, err := procedure.LoadDefinition(data)
		if err != nil {
			t.Fatalf("%s: %v", d.Code, err)
		}
		if !reflect.DeepEqual(d, back) {
			t.Fatalf("%s changed in a JSON round trip", d.Code)
		}
	}
}

func TestLoadDefinitionProblems(t *testing.T) {
	base := func() map[string]any {
		var m map[string]any
		data, _ := json.Marshal(manual.PR02())
		_ = json.Unmarshal(data, &m)
		return m
	}
	events := func(m map[string]any) []any { return m["events"].([]any) }
	tests := []struct {
		name string
		edit func(m map[string]any)
		want []string
	}{
		{"unknown role", func(m map[string]any) { events(m)[1].(map[string]any)["role"] = "director" }, []string{`rol desconocido "director"`}},
		{"unreachable state", func(m map[string]any) {
			m["events"] = append(events(m), map[string]any{"name": "archive", "step": 9, "from": []any{"limbo"}, "to": "closed", "role": "jefe_uit"})
		}, []string{`el estado "limbo" es inalcanzable`}},
		{"non-final state with no way out", func(m map[string]any) {
			m["events"] = append(events(m), map[string]any{"name": "park", "step": 2, "from": []any{"requested"}, "to": "parked", "role": "jefe_uit"})
		}, []string{`el estado "parked" no es final y no tiene salida`}},
		{"duplicate event", func(m map[string]any) { m["events"] = append(events(m), events(m)[2]) }, []string{`evento duplicado "instruct"`}},
		{"step with no responsible", func(m map[string]any) { m["steps"].([]any)[3].(map[string]any)["responsible"] = "" }, []string{"el paso 4 no tiene responsable"}},
		{"event of an unknown step", func(m map[string]any) { events(m)[1].(map[string]any)["step"] = 12 }, []string{"paso desconocido 12"}},
		{"several at once", func(m map[string]any) {
			events(m)[1].(map[string]any)["role"] = "director"
			events(m)[2].(map[string]any)["step"] = 0
			m["steps"].([]any)[0].(map[string]any)["responsible"] = ""
		}, []string{"director", "paso desconocido 0", "el paso 1 no tiene responsable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(m)
			data, _ := json.Marshal(m)
			_, err := procedure.LoadDefinition(data)
			if procedure.ErrorCode(err) != procedure.EINVALID {
				t.Fatalf("error %v, want invalid", err)
			}
			var perr *procedure.Error
			_ = errors.As(err, &perr)
			for _, w := range tt.want {
				found := false
				for _, p := range perr.Problems {
					found = found || strings.Contains(p, w)
				}
				if !found {
					t.Errorf("problems %q lack %q", perr.Problems, w)
				}
			}
		})
	}
	for _, bad := range []string{"", "{", `{"code": 5}`, `{"code":"X","colour":"red"}`} {
		if _, err := procedure.LoadDefinition([]byte(bad)); procedure.ErrorCode(err) != procedure.EINVALID {
			t.Errorf("LoadDefinition(%q) = %v, want invalid", bad, err)
		}
	}
}

func TestDiagramsGolden(t *testing.T) {
	for _, d := range manual.Definitions() {
		for _, tt := range []struct {
			kind string
			opt  procedure.DiagramOptions
		}{
			{"mmd", procedure.DiagramOptions{}},
			{"current.mmd", procedure.DiagramOptions{Current: manual.StateObserved}},
			{"dot", procedure.DiagramOptions{Current: manual.StateReportApproved}},
		} {
			var b bytes.Buffer
			var err error
			if strings.HasSuffix(tt.kind, "dot") {
				err = d.WriteDOT(&b, tt.opt)
			} else {
				err = d.WriteMermaid(&b, tt.opt)
			}
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", strings.ToLower(d.Prefix)+"."+tt.kind), b.Bytes())
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (run go test -update if the change is intended):\n%s", path, got)
	}
}
