package ui_test

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestDeadlinesShown: with the agency's deadlines, the Bandeja's Plazo
// column and the case view say when a step falls due and that it is
// overdue, and the route sheet shows the escalation; embedded and through
// a server.
func TestDeadlinesShown(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			a := test.NewTempApp(t)
			ctx := context.Background()
			store, people := procedure.NewMemoryStore(), procedure.NewDirectory()
			clk := proceduretest.NewStillClock(proceduretest.LaPaz(t, "2026-11-30 09:00"))
			eng := proceduretest.DeadlineEngine(t, store, clk)
			sealer, err := procedure.NewAESSealer(proceduretest.Key)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := desk.New(desk.Config{Engine: eng, Store: store, People: people, BcryptCost: bcrypt.MinCost, Sealer: sealer, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.SeedPeople(ctx); err != nil {
				t.Fatal(err)
			}
			e := &env{store: store, people: people, engine: eng, svc: svc}
			late, err := eng.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
				Inputs: proceduretest.PR02Request("Portal de Trámites")})
			if err != nil {
				t.Fatal(err)
			}
			clk.Set(proceduretest.LaPaz(t, "2026-11-30 13:30")) // step 2 had four working hours, until 13:00
			onTime, err := eng.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
				Inputs: proceduretest.PR02Request("Mesa de Ayuda")})
			if err != nil {
				t.Fatal(err)
			}
			if n, err := eng.Escalate(ctx); err != nil || n != 1 {
				t.Fatalf("Escalate = %d, %v", n, err)
			}
			u := ui.New(a, e.client(t, mode), ui.Options{})
			defer u.Close()
			signIn(t, u, "carla")
			in := u.Main.Inbox.Cases
			// The client writes times in the agency's zone (Ajustes; La Paz by default).
			local := func(s, layout string) string { return proceduretest.LaPaz(t, s).Format(layout) }
			want := map[string]string{late.ID: "Vencido " + local("2026-11-30 13:00", "02/01 15:04"),
				onTime.ID: "Vence " + local("2026-12-01 09:30", "02/01 15:04")}
			if in.Count != 2 {
				t.Fatalf("carla's inbox has %d cases, want 2", in.Count)
			}
			for i := range in.Count {
				c, _ := in.Case(i)
				if got := ui.CaseCell(u, c, 7); got != want[c.ID] {
					t.Errorf("Plazo of %s = %q, want %q", c.ID, got, want[c.ID])
				}
			}
			for i := range in.Count {
				if c, _ := in.Case(i); c.ID == late.ID {
					in.Table.Select(widget.TableCellID{Row: i, Col: 2})
				}
			}
			if u.Case == nil || u.Case.ID != late.ID {
				t.Fatal("the late case did not open")
			}
			// The session the tablero reads: the due steps and a case's clocks.
			sess := u.Session()
			due, err := sess.DueCases(ctx, procedure.CaseQuery{})
			if err != nil || len(due) != 2 || due[0].ID != late.ID || !due[0].Clock.Overdue || due[1].Clock.Overdue {
				t.Errorf("DueCases = %+v, %v; want %s overdue, then %s", due, err, late.ID, onTime.ID)
			}
			clocks, err := sess.Clocks(ctx, late.ID)
			if err != nil || len(clocks) != 1 || clocks[0].Step != 2 || clocks[0].Escalated == 0 {
				t.Errorf("Clocks = %+v, %v", clocks, err)
			}
			var fields []string
			for _, it := range u.Case.Data.Items {
				fields = append(fields, it.Text+": "+strings.Join(texts(it.Widget), " "))
			}
			wantField := "Plazo (extensión de la agencia): Paso 2: 4 horas hábiles; venció el " + local("2026-11-30 13:00", "02/01/2006 15:04")
			if !strings.Contains(strings.Join(fields, "\n"), wantField) {
				t.Errorf("case view fields %q lack %q", fields, wantField)
			}
			route := strings.Join(texts(u.Case.Timeline), "\n")
			if strings.Contains(route, "Control de plazos ()") {
				t.Errorf("the route names an empty role:\n%s", route)
			}
			for _, w := range []string{"Plazo vencido: recordatorio y aviso", "Control de plazos · Solicitado",
				"Venció el plazo del paso 2 (4 horas hábiles, extensión de la agencia, no del manual)"} {
				if !strings.Contains(route, w) {
					t.Errorf("the route sheet lacks %q:\n%s", w, route)
				}
			}
		})
	}
}
