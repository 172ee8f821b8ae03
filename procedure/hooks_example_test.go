package procedure_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tramite/tramite/procedure"
)

// leaveJSON is a procedure of one's own, as JSON: an employee asks for
// leave, the head of their unit decides. The decision is a choice whose
// "rechazar" routes the case to "rejected" instead of "approved", and
// the decision passes the guard function "not_self" as well as the role
// and the guard "unit" (a head of the employee's own unit).
const leaveJSON = `{
  "code": "RH-01", "name": "Solicitud de licencia", "version": "1", "prefix": "LIC",
  "roles": [{"id": "empleado", "label": "Empleado"}, {"id": "jefe_unidad", "label": "Jefe de unidad"}],
  "steps": [{"number": 1, "activity": "Solicita la licencia", "responsible": "empleado"},
            {"number": 2, "activity": "Aprueba o rechaza la licencia", "responsible": "jefe_unidad"}],
  "events": [
    {"name": "request", "label": "Solicitar", "step": 1, "to": "requested", "role": "empleado",
     "inputs": [{"name": "days", "label": "Días", "kind": "text", "required": true}],
     "effects": [{"kind": "email", "topic": "aviso", "to": ["next"]}]},
    {"name": "decide", "label": "Decidir", "step": 2, "from": ["requested"], "to": "approved",
     "routes": [{"when": ["decision", "rechazar"], "to": "rejected"}],
     "role": "jefe_unidad", "guard": "unit", "checks": ["not_self"],
     "inputs": [{"name": "decision", "label": "Decisión", "kind": "choice", "required": true,
                 "choices": ["aprobar", "rechazar"]}],
     "effects": [{"kind": "email", "topic": "aviso", "to": ["requester"]}]}
  ],
  "final": ["approved", "rejected"],
  "emails": [{"topic": "aviso", "label": "Aviso", "subject": "{{.Case.ID}}: {{.State}}", "text": "{{.State}}"}]
}`

var (
	lia  = procedure.Actor{ID: "lia", Name: "Lía Choque", Email: "lia@example.gob.bo", Unit: "Archivo", Grants: []procedure.Grant{{Role: "empleado"}}}
	tito = procedure.Actor{ID: "tito", Name: "Tito Vera", Email: "tito@example.gob.bo", Unit: "Archivo", Grants: []procedure.Grant{{Role: "jefe_unidad"}, {Role: "empleado"}}}
)

// leaveEngine runs leaveJSON with the guard function it names and the
// given options.
func leaveEngine(opts ...procedure.Option) *procedure.Engine {
	d, err := procedure.LoadDefinition([]byte(leaveJSON))
	if err != nil {
		panic(err)
	}
	clock := procedure.ClockFunc(func() time.Time { return time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC) })
	opts = append([]procedure.Option{procedure.WithDefinitions(d), procedure.WithClock(clock),
		procedure.WithDirectory(procedure.NewDirectory(lia, tito)),
		procedure.WithGuard("not_self", func(_ context.Context, c procedure.Case, a procedure.Actor) error {
			if a.ID == c.RequesterID {
				return errors.New("nadie puede aprobar su propia solicitud")
			}
			return nil
		})}, opts...)
	e, err := procedure.NewEngine(procedure.NewMemoryStore(), opts...)
	if err != nil {
		panic(err)
	}
	return e
}

func ExampleWithGuard() {
	ctx := context.Background()
	e := leaveEngine()
	c, _ := e.Start(ctx, procedure.StartRequest{Procedure: "RH-01", Actor: tito, Inputs: procedure.Inputs{"days": "3"}})
	_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "decide", Actor: tito, Inputs: procedure.Inputs{"decision": "aprobar"}})
	fmt.Println(procedure.ErrorCode(err)+":", procedure.ErrorMessage(err))

	// Without the guard function, the engine refuses the definition.
	d, _ := procedure.LoadDefinition([]byte(leaveJSON))
	_, err = procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(d))
	fmt.Println(procedure.ErrorMessage(err))
	// Output:
	// forbidden: "Decidir": nadie puede aprobar su propia solicitud
	// la definición tiene problemas: el evento "decide" nombra la guarda "not_self", que el programa no registró (procedure.WithGuard)
}

func ExampleRoute() {
	ctx := context.Background()
	e := leaveEngine()
	for _, decision := range []string{"aprobar", "rechazar"} {
		c, _ := e.Start(ctx, procedure.StartRequest{Procedure: "RH-01", Actor: lia, Inputs: procedure.Inputs{"days": "2"}})
		c, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "decide", Actor: tito, Inputs: procedure.Inputs{"decision": decision}})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.ID, decision, "->", c.State)
	}
	// Output:
	// LIC-2026-0001 aprobar -> approved
	// LIC-2026-0002 rechazar -> rejected
}

func ExampleWithAfterCommit() {
	ctx := context.Background()
	e := leaveEngine(procedure.WithAfterCommit(func(_ context.Context, t procedure.Transition) {
		fmt.Printf("%s #%d %s: %s -> %s", t.Case.ID, t.Entry.Seq, t.Entry.Event, t.Entry.From, t.Entry.To)
		for _, it := range t.Outbox {
			fmt.Printf(", %s %s to %s", it.Kind, it.Topic, it.To[0].Email)
		}
		fmt.Println()
	}))
	c, _ := e.Start(ctx, procedure.StartRequest{Procedure: "RH-01", Actor: lia, Inputs: procedure.Inputs{"days": "2"}})
	_, _ = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "decide", Actor: tito, Inputs: procedure.Inputs{"decision": "rechazar"}})
	// Output:
	// LIC-2026-0001 #1 request:  -> requested, email aviso to tito@example.gob.bo
	// LIC-2026-0001 #2 decide: requested -> rejected, email aviso to lia@example.gob.bo
}
