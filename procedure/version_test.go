package procedure_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

func engineWith(t *testing.T, s procedure.Store, defs ...*procedure.Definition) (*procedure.Engine, error) {
	t.Helper()
	sealer, _ := procedure.NewAESSealer(proceduretest.Key)
	return procedure.NewEngine(s, procedure.WithDefinitions(defs...), procedure.WithDirectory(proceduretest.Directory()),
		procedure.WithSealer(sealer), procedure.WithClock(proceduretest.NewClock()))
}

func label(evs []procedure.EventDef, name procedure.EventName) string {
	for _, ev := range evs {
		if ev.Name == name {
			return ev.Label
		}
	}
	return ""
}

// TestDefinitionVersions: a case keeps the version of the definition it
// started under; open cases finish under it while new cases take the new
// version; a changed definition must carry a new version.
func TestDefinitionVersions(t *testing.T) {
	v1 := manual.PR01()
	if v1.Hash() != manual.PR01().Hash() || len(v1.Hash()) != 64 {
		t.Fatal("the hash of a definition is not stable")
	}
	data, _ := json.Marshal(v1)
	if loaded, err := procedure.LoadDefinition(data); err != nil || loaded.Hash() != v1.Hash() {
		t.Fatalf("a definition loaded from its JSON hashes differently: %v", err)
	}
	v2 := manual.PR01()
	v2.Version = "2"
	instruct, _ := v2.Event(manual.EventInstruct)
	instruct.Label = "Asignar al Profesional de Servidores y Servicios"

	s := procedure.NewMemoryStore()
	e1, err := engineWith(t, s, v1)
	if err != nil {
		t.Fatal(err)
	}
	old := caseBefore(t, e1, manual.CodePR01, manual.EventInstruct)
	if old.DefinitionHash != v1.Hash() {
		t.Fatalf("the case recorded %q, want the hash of version 1", old.DefinitionHash)
	}

	e2, err := engineWith(t, s, v1, v2) // version 2 is current
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := e2.Definition(manual.CodePR01); d.Version != "2" {
		t.Fatalf("current version %q", d.Version)
	}
	if d, err := e2.DefinitionOf(old); err != nil || d.Version != "1" {
		t.Fatalf("the open case runs under %v, %v; want version 1", d, err)
	}
	avail, err := e2.Available(ctx, proceduretest.Responsable, old.ID)
	if err != nil || label(avail, manual.EventInstruct) != "Instruir al Profesional de Servidores y Servicios" {
		t.Fatalf("the open case offers %v, %v: want version 1's step 3", avail, err)
	}
	if _, err := e2.Fire(ctx, procedure.FireRequest{CaseID: old.ID, Event: manual.EventInstruct, Actor: proceduretest.Responsable,
		Inputs: procedure.Inputs{"profesional": proceduretest.Profesional.ID}}); err != nil {
		t.Fatal(err)
	}
	fresh := caseBefore(t, e2, manual.CodePR01, manual.EventInstruct)
	if fresh.DefinitionHash != v2.Hash() {
		t.Fatal("a new case did not take the current version")
	}
	if avail, _ := e2.Available(ctx, proceduretest.Responsable, fresh.ID); label(avail, manual.EventInstruct) != instruct.Label {
		t.Fatalf("the new case offers %v", avail)
	}

	// An engine without the version an open case started under says so.
	e3, err := engineWith(t, s, v2)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e3.Fire(ctx, procedure.FireRequest{CaseID: old.ID, Event: manual.EventStart, Actor: proceduretest.Profesional})
	wantCode(t, err, procedure.EINTERNAL)
	if !strings.Contains(procedure.ErrorMessage(err), "otra versión") {
		t.Fatalf("message %q", procedure.ErrorMessage(err))
	}

	// A definition changed without a new version is refused.
	changed := manual.PR01()
	changed.Objective += " (cambiado)"
	_, err = engineWith(t, s, v1, changed)
	wantCode(t, err, procedure.EINVALID)
	if !strings.Contains(procedure.ErrorMessage(err), "debe llevar una versión nueva") {
		t.Fatalf("message %q", procedure.ErrorMessage(err))
	}
}
