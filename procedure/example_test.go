package procedure_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// Example people for the examples: a requester, the jefe, the responsable
// and a profesional.
var (
	ana   = procedure.Actor{ID: "ana", Name: "Ana Quispe", Email: "ana@agetic.gob.bo", Unit: "Unidad de Desarrollo", Grants: []procedure.Grant{{Role: manual.RoleSolicitante}}}
	carla = procedure.Actor{ID: "carla", Name: "Carla Rojas", Email: "carla@agetic.gob.bo", Grants: []procedure.Grant{{Role: manual.RoleJefeUIT, Interim: true}}}
	elena = procedure.Actor{ID: "elena", Name: "Elena Vargas", Grants: []procedure.Grant{{Role: manual.RoleResponsableSS}}}
	fabio = procedure.Actor{ID: "fabio", Name: "Fabio Choque", Grants: []procedure.Grant{{Role: manual.RoleProfesionalSS}}}
)

func exampleEngine() *procedure.Engine {
	key := make([]byte, 32) // use procedure.LoadKey in real programs
	sealer, _ := procedure.NewAESSealer(key)
	clock := procedure.ClockFunc(func() time.Time { return time.Date(2026, 11, 26, 14, 30, 0, 0, time.UTC) })
	e, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(manual.Definitions()...),
		procedure.WithDirectory(procedure.NewDirectory(ana, carla, elena, fabio)),
		procedure.WithSealer(sealer), procedure.WithClock(clock))
	if err != nil {
		panic(err)
	}
	return e
}

func ExampleEngine_Start() {
	ctx := context.Background()
	e := exampleEngine()
	c, err := e.Start(ctx, procedure.StartRequest{
		Procedure: manual.CodePR01,
		Actor:     ana,
		Inputs: procedure.Inputs{
			"system":      "Sistema de Correspondencia",
			"description": "Puesta en producción de la versión 1.0",
			"unit":        "Unidad de Desarrollo",
			"credentials": "usuario: deploy / clave: ********",
		},
	})
	if err != nil {
		fmt.Println(procedure.ErrorMessage(err))
		return
	}
	fmt.Println(c.ID, c.State, "waits for", c.WaitingRole, "at step", c.Step)
	// Output: PR01-2026-0001 requested waits for jefe_uit at step 2
}

func ExampleEngine_Fire() {
	ctx := context.Background()
	e := exampleEngine()
	c, _ := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: ana,
		Inputs: procedure.Inputs{"system": "Portal", "description": "Actualización 2.1", "unit": "Unidad de Desarrollo"}})

	// The responsable may not derive: step 2 belongs to the Jefe de la UIT.
	_, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: elena})
	fmt.Println(procedure.ErrorCode(err))

	c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventForward, Actor: carla, Comment: "Prioridad alta"})
	if err != nil {
		fmt.Println(err)
		return
	}
	h, _ := e.History(ctx, carla, c.ID)
	last := h[len(h)-1]
	fmt.Printf("step %d %s: %s -> %s by %s (a.i. %v)\n", last.Step, last.Event, last.From, last.To, last.ActorName, last.Interim)
	// Output:
	// forbidden
	// step 2 forward: requested -> forwarded by Carla Rojas (a.i. true)
}

func ExampleLoadDefinition() {
	_, err := procedure.LoadDefinition([]byte(`{"code":"X-1","name":"Prueba","prefix":"X",
		"roles":[{"id":"a","label":"A"}],
		"steps":[{"number":1,"activity":"Solicita","responsible":"a","output":"Nota"}],
		"events":[{"name":"open","step":1,"to":"opened","role":"b"}],
		"final":["closed"]}`))
	fmt.Println(procedure.ErrorCode(err))
	var perr *procedure.Error
	if errors.As(err, &perr) {
		for _, p := range perr.Problems {
			fmt.Println("-", p)
		}
	}
	// Output:
	// invalid_input
	// - el estado "opened" no es final y no tiene salida
	// - el estado final "closed" no aparece en ningún evento
	// - el evento "open" tiene un rol desconocido "b"
}
