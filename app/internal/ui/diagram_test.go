package ui_test

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
)

// TestDiagramDrawsRoutes: a state reached only by a conditional route is
// drawn in the row after its source, like any target, not above the start.
func TestDiagramDrawsRoutes(t *testing.T) {
	test.NewTempApp(t)
	d := &procedure.Definition{Code: "X-1", Name: "Licencia", Prefix: "X",
		Roles: []procedure.Role{{ID: "a", Label: "A"}},
		Steps: []procedure.Step{{Number: 1, Activity: "Solicita", Responsible: "a"}, {Number: 2, Activity: "Decide", Responsible: "a"}},
		Events: []procedure.EventDef{
			{Name: "request", Label: "Solicitar", Step: 1, To: "requested", Role: "a"},
			{Name: "decide", Label: "Decidir", Step: 2, From: []procedure.State{"requested"}, To: "approved", Role: "a",
				Inputs: []procedure.Input{{Name: "decision", Label: "Decisión", Kind: procedure.InputChoice, Required: true, Choices: []string{"aprobar", "rechazar"}}},
				Routes: []procedure.Route{{When: []string{"decision", "rechazar"}, To: "rejected"}}},
		},
		Final: []procedure.State{"approved", "rejected"}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	dg := ui.NewDiagram(d, "")
	w := test.NewWindow(dg)
	defer w.Close()
	req, ok1 := dg.Nodes["requested"]
	rej, ok2 := dg.Nodes["rejected"]
	app, ok3 := dg.Nodes["approved"]
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("nodes %v", dg.Nodes)
	}
	if rej.Y <= req.Y || rej.Y != app.Y {
		t.Errorf("rejected at %v, approved at %v, requested at %v: the route's target is not in the row after its source", rej, app, req)
	}
}
