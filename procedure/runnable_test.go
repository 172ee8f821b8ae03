package procedure_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// TestLoaderRefusesWhatCannotRun: each definition below is well formed but
// could not run a case through, or supplies text no field may hold; the
// loader refuses it with a problem that says why, and the engine will not
// take it.
func TestLoaderRefusesWhatCannotRun(t *testing.T) {
	event := func(d *procedure.Definition, name procedure.EventName) *procedure.EventDef {
		ev, ok := d.Event(name)
		if !ok {
			t.Fatalf("%s has no event %s", d.Code, name)
		}
		return ev
	}
	tests := []struct {
		name   string
		change func(d *procedure.Definition)
		want   string
	}{
		{"a start into a final state", func(d *procedure.Definition) {
			d.StartEvent().To = manual.StateClosed
		}, `el evento inicial "request" lleva al estado final "closed"`},
		{"a start into [*]", func(d *procedure.Definition) {
			d.StartEvent().To = "[*]"
		}, `reservado para «antes del inicio»`},
		{"an event from a state to itself", func(d *procedure.Definition) {
			ev := event(d, manual.EventStart)
			ev.From = append(ev.From, ev.To)
		}, `el evento "start" lleva del estado "in_progress" al mismo estado`},
		{"an assigned guard and nobody assigned", func(d *procedure.Definition) {
			event(d, manual.EventInstruct).Assigns = ""
		}, `el evento "start" corresponde a la persona asignada, pero ningún evento asigna a nadie`},
		{"a requester guard and the unit optional", func(d *procedure.Definition) {
			st := d.StartEvent()
			for i := range st.Inputs {
				if st.Inputs[i].Name == "unit" {
					st.Inputs[i].Required = false
				}
			}
		}, `el evento inicial debe pedir la unidad como dato obligatorio`},
		{"unit_input naming nothing", func(d *procedure.Definition) { d.Unit = "unidad" }, `unit_input nombra el dato "unidad"`},
		{"a condition with one part", func(d *procedure.Definition) {
			ev := event(d, manual.EventConclude)
			ev.Effects[0].When = []string{"complexity"}
		}, `debe tener un dato y un valor`},
		{"a condition on an unknown input", func(d *procedure.Definition) {
			ev := event(d, manual.EventConclude)
			ev.Effects[0].When = []string{"dificultad", "alta"}
		}, `nombra un dato desconocido "dificultad"`},
		{"an attachment nobody renders", func(d *procedure.Definition) {
			ev := event(d, manual.EventObserve)
			ev.Effects[0].Attach = []string{"anexo"}
		}, `adjunta el documento "anexo", que ningún evento genera`},
		{"a label with NUL", func(d *procedure.Definition) {
			event(d, manual.EventForward).Label = "Derivar\x00"
		}, `la etiqueta del evento "forward" contiene un carácter de control no permitido (U+0000)`},
		{"a label of two lines", func(d *procedure.Definition) {
			event(d, manual.EventForward).Label = "Derivar\nal Responsable"
		}, `la etiqueta del evento "forward" debe ocupar una sola línea`},
		{"a label over its limit", func(d *procedure.Definition) {
			event(d, manual.EventForward).Label = strings.Repeat("ñ", procedure.MaxNameLen+1)
		}, `la etiqueta del evento "forward" supera los 200 caracteres (tiene 201)`},
		{"an input label not UTF-8", func(d *procedure.Definition) {
			d.StartEvent().Inputs[0].Label = "Sistem\xe1"
		}, `la etiqueta del dato "system" del evento "request" no es texto válido`},
		{"an input allowed a gigabyte", func(d *procedure.Definition) {
			d.StartEvent().Inputs[1].MaxLen = 1 << 30
		}, `el largo máximo del dato "description" del evento "request" debe estar entre 1 y 100000`},
		{"a role ID with a space", func(d *procedure.Definition) {
			d.Roles = append(d.Roles, procedure.Role{ID: "jefe uit", Label: "Jefe"})
		}, `el identificador de un rol no puede contener espacios`},
		{"a step's activity over its limit", func(d *procedure.Definition) {
			d.Steps[0].Activity = strings.Repeat("a", 4001)
		}, `la actividad del paso 1 supera los 4000 caracteres`},
		{"a choice with a tab", func(d *procedure.Definition) {
			ev := event(d, manual.EventConclude)
			for i := range ev.Inputs {
				if ev.Inputs[i].Kind == procedure.InputChoice {
					ev.Inputs[i].Choices[0] = "al\tta"
				}
			}
		}, `una opción del dato "complexity" del evento "conclude" debe ocupar una sola línea`},
		{"an output over its limit", func(d *procedure.Definition) {
			event(d, manual.EventForward).Output = strings.Repeat("o", procedure.MaxNameLen+1)
		}, `la salida del evento "forward" supera los 200 caracteres`},
		{"a document's name with NUL", func(d *procedure.Definition) {
			d.Documents[0].Label = "Nota\x00"
		}, fmt.Sprintf("el nombre del documento %q contiene un carácter de control", manual.PR02().Documents[0].Topic)},
		{"an email's subject of two lines", func(d *procedure.Definition) {
			d.Emails[0].Subject = "Asunto\r\nBcc: x@example.com"
		}, fmt.Sprintf("el asunto del correo %q contiene un carácter de control no permitido (U+000D)", manual.PR02().Emails[0].Topic)},
		{"an email's text over its limit", func(d *procedure.Definition) {
			d.Emails[0].Text = strings.Repeat("t", 20001)
		}, fmt.Sprintf("el texto del correo %q supera los 20000 caracteres", manual.PR02().Emails[0].Topic)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := manual.PR02()
			tt.change(d)
			err := d.Validate()
			var pe *procedure.Error
			if procedure.ErrorCode(err) != procedure.EINVALID || !errors.As(err, &pe) ||
				!slices.ContainsFunc(pe.Problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Fatalf("Validate = %v, want a problem saying %q", err, tt.want)
			}
			if _, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(d)); procedure.ErrorCode(err) != procedure.EINVALID {
				t.Fatalf("NewEngine took it: %v", err)
			}
		})
	}
}

// TestCheckActor: a person's ID, name, unit, email and roles are checked
// as People save them; each refusal names the field.
func TestCheckActor(t *testing.T) {
	ok := procedure.Actor{ID: "ana", Name: "Ana Quispe Ñusta", Email: "ana@agetic.gob.bo", Unit: "Unidad de Desarrollo",
		Grants: []procedure.Grant{{Role: manual.RoleSolicitante}}}
	if err := procedure.CheckActor(ok); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		change func(a *procedure.Actor)
		want   string
	}{
		{"no ID", func(a *procedure.Actor) { a.ID = "" }, "la persona necesita un identificador"},
		{"ID with a space", func(a *procedure.Actor) { a.ID = "ana q" }, "el identificador de la persona no puede contener espacios"},
		{"name of 10 MB", func(a *procedure.Actor) { a.Name = strings.Repeat("ñ", 5<<20) }, "el nombre de la persona supera los 200 caracteres (tiene 5242880)"},
		{"name with NUL", func(a *procedure.Actor) { a.Name = "Ana\x00" }, "el nombre de la persona contiene un carácter de control no permitido (U+0000) en la posición 4"},
		{"name not UTF-8", func(a *procedure.Actor) { a.Name = "Ana \xff" }, "el nombre de la persona no es texto válido"},
		{"name of two lines", func(a *procedure.Actor) { a.Name = "Ana\nQuispe" }, "el nombre de la persona debe ocupar una sola línea"},
		{"name reversed", func(a *procedure.Actor) { a.Name = "Ana \u202eepsiuQ" }, "el nombre de la persona contiene un carácter de formato no permitido (U+202E)"},
		{"unit with a C1 control", func(a *procedure.Actor) { a.Unit = "Unidad\u0085" }, "la unidad de la persona contiene un carácter de control"},
		{"email with a name", func(a *procedure.Actor) { a.Email = "Ana <ana@agetic.gob.bo>" }, "el correo de la persona no es una dirección de correo válida"},
		{"email with a header", func(a *procedure.Actor) { a.Email = "ana@agetic.gob.bo\r\nBcc: x@y.bo" }, "el correo de la persona contiene un carácter de control"},
		{"role with a space", func(a *procedure.Actor) { a.Grants = []procedure.Grant{{Role: "jefe uit"}} }, "un rol de la persona no puede contener espacios"},
	} {
		a := ok
		tt.change(&a)
		err := procedure.CheckActor(a)
		if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(procedure.ErrorMessage(err), tt.want) {
			t.Errorf("%s: %v, want invalid_input saying %q", tt.name, err, tt.want)
		}
	}
}
