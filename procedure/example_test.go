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

// An input of kind file declares the types it takes and its maximum size;
// CheckFile tells, in Spanish, why a file does not fit, as the engine does
// before storing one.
func ExampleInput_CheckFile() {
	in := procedure.Input{Name: "answer_file", Label: "Documento que completa la información", Kind: procedure.InputFile,
		Types: []string{"pdf", "odt"}, MaxSize: 2 << 20}
	_, problem := in.CheckFile(procedure.File{Name: "instalador.exe", Content: []byte("MZ")})
	fmt.Println(problem)
	_, problem = in.CheckFile(procedure.File{Name: "nota.pdf", Content: []byte("no es un PDF")})
	fmt.Println(problem)
	a, problem := in.CheckFile(procedure.File{Name: `C:\Mis documentos\nota.pdf`, Content: []byte("%PDF-1.7\n")})
	fmt.Println(a.Name, a.MediaType, a.Size, problem == "")
	// Output:
	// Documento que completa la información: el archivo instalador.exe no es de un tipo admitido (PDF, ODT)
	// Documento que completa la información: el contenido de nota.pdf no es un PDF
	// nota.pdf application/pdf 9 true
}

// Files given with an event are stored as attachments of the case; anyone
// who may see the case reads them.
func ExampleEngine_Attachments() {
	ctx := context.Background()
	e := exampleEngine()
	in := procedure.Inputs{"system": "SIGEP", "description": "Puesta en producción", "unit": "Unidad de Desarrollo",
		"credentials": "usuario: admin", "tokens": "t0k3n"}
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: ana, Inputs: in})
	if err != nil {
		panic(err)
	}
	for _, s := range []struct {
		a  procedure.Actor
		ev procedure.EventName
		in procedure.Inputs
	}{
		{carla, manual.EventForward, nil},
		{elena, manual.EventInstruct, procedure.Inputs{"profesional": "fabio"}},
		{fabio, manual.EventStart, nil},
	} {
		if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: s.ev, Actor: s.a, Inputs: s.in}); err != nil {
			panic(err)
		}
	}
	_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: manual.EventObserve, Actor: fabio,
		Inputs: procedure.Inputs{"observations": "Ver el documento adjunto."},
		Files:  map[string]procedure.File{"observations_file": {Name: "observaciones.txt", Content: []byte("Falta el archivo .env\n")}}})
	if err != nil {
		panic(err)
	}
	atts, err := e.Attachments(ctx, ana, c.ID)
	if err != nil {
		panic(err)
	}
	for _, a := range atts {
		fmt.Println(a.FileName(), a.MediaType, procedure.SizeText(a.Size))
	}
	// Output:
	// 5-observaciones.txt text/plain; charset=utf-8 22 B
}

// SearchText is what CaseQuery.Text looks in: a person finds a case by its
// number, a cite, the requester, the unit or the system, in any case.
func ExampleSearchText() {
	c := procedure.Case{ID: "PR01-2026-0005", System: "Sistema de Archivo", Unit: "Unidad de Gobierno Electrónico",
		RequesterID: "bruno", RequesterName: "Bruno Mamani", Cites: map[string]string{"informe": "UIT/INF/2026/0001"}}
	fmt.Println(procedure.SearchText(c))
	for _, text := range []string{"pr01-2026-0005", "UIT/INF", "bruno mam", "ELECTRÓNICO", "archivo", "portal"} {
		fmt.Println(text, procedure.MatchCase(c, procedure.CaseQuery{Text: text}))
	}
	// Output:
	// pr01-2026-0005
	// sistema de archivo
	// unidad de gobierno electrónico
	// bruno
	// bruno mamani
	// uit/inf/2026/0001
	// pr01-2026-0005 true
	// UIT/INF true
	// bruno mam true
	// ELECTRÓNICO true
	// archivo true
	// portal false
}

func ExampleEngine_Dashboard() {
	ctx := context.Background()
	e := exampleEngine()
	for _, system := range []string{"Portal", "Correspondencia"} {
		_, _ = e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: ana,
			Inputs: procedure.Inputs{"system": system, "description": "Actualización", "unit": "Unidad de Desarrollo"}})
	}
	d, err := e.Dashboard(ctx, elena, procedure.DashboardQuery{Procedure: manual.CodePR02})
	if err != nil {
		fmt.Println(procedure.ErrorMessage(err))
		return
	}
	for _, s := range d.States {
		fmt.Printf("%s: %d abiertos, %d de %s días hábiles\n", s.Label, s.Total, s.Ages[0], procedure.AgeBuckets[0].Label)
	}
	_, err = e.Dashboard(ctx, fabio, procedure.DashboardQuery{})
	fmt.Println(procedure.ErrorMessage(err))
	// Output:
	// Solicitado: 2 abiertos, 2 de 0–1 días hábiles
	// el tablero no está a cargo de ninguno de sus roles
}
