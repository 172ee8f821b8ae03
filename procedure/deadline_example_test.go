package procedure_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tramite/tramite/calendar"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

func ExampleApplyDeadlines() {
	ctx := context.Background()
	defs := manual.Definitions() // the manual sets no deadline
	withDeadlines, err := procedure.ApplyDeadlines(manual.ExampleDeadlines(), defs)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, calendar.LaPaz) // a Monday
	e, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(append(defs, withDeadlines...)...),
		procedure.WithDirectory(procedure.NewDirectory(ana, carla)), procedure.WithCalendar(calendar.MustNew(calendar.Settings{Department: "La Paz"})),
		procedure.WithClock(procedure.ClockFunc(func() time.Time { return now })))
	if err != nil {
		panic(err)
	}
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: ana, Inputs: procedure.Inputs{
		"system": "Portal de Trámites", "description": "Versión 2.1", "unit": "Unidad de Desarrollo"}})
	if err != nil {
		panic(err)
	}
	c, _ = e.Case(ctx, carla, c.ID)
	k := c.Clock
	fmt.Printf("paso %d: %s, vence el %s\n", k.Step, k.Deadline, k.Due.In(calendar.LaPaz).Format("02/01/2006 15:04"))
	now = now.Add(5 * time.Hour)
	n, _ := e.Escalate(ctx)
	fmt.Println("pasos vencidos:", n)
	// Output:
	// paso 2: 4 horas hábiles, vence el 30/11/2026 13:00
	// pasos vencidos: 1
}
