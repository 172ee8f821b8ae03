package ui_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"github.com/xuri/excelize/v2"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/export"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// TestTablero shows the tablero to the Jefe, embedded and through a
// server: its figures are the engine's, its filters narrow them, a bad day
// is refused in Spanish, and an export writes a workbook; a profesional
// has no tablero.
func TestTablero(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			a := test.NewTempApp(t)
			e := memEnv(t)
			ctx := context.Background()
			if err := proceduretest.Generate(ctx, e.store, 200, 11, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			u := ui.New(a, e.client(t, mode), ui.Options{})
			defer u.Close()

			signIn(t, u, "fabio")
			if u.Main.Select(lang.L("Tablero")) {
				t.Fatal("a profesional has a tablero")
			}
			signIn(t, u, "carla")
			if !u.Main.Select(lang.L("Tablero")) {
				t.Fatal("the Jefe has no tablero")
			}
			u.Wait()
			tb := u.Main.Tablero()
			want, err := e.engine.Dashboard(ctx, proceduretest.Jefe, procedure.DashboardQuery{})
			if err != nil {
				t.Fatal(err)
			}
			check := func(want procedure.Dashboard) {
				t.Helper()
				got := tb.Figures
				if got.Cases != want.Cases || got.Open != want.Open || len(got.States) != len(want.States) || got.Observations != want.Observations {
					t.Fatalf("the tablero shows %+v, the engine computes %+v", got, want)
				}
				if !strings.HasPrefix(tb.Summary.Text, lang.L("{{.N}} trámites, {{.O}} abiertos; al {{.At}}",
					map[string]any{"N": want.Cases, "O": want.Open, "At": ""})) {
					t.Fatalf("summary %q", tb.Summary.Text)
				}
				// One chart row per state, step and profesional, under the
				// legend where there is one.
				for _, c := range []struct {
					name string
					box  *fyne.Container
					rows int
				}{{"states", tb.States, len(want.States) + 1}, {"steps", tb.Steps, len(want.Steps) + 1}, {"load", tb.Load, len(want.Load)}} {
					if n := len(c.box.Objects[0].(*fyne.Container).Objects); n != c.rows {
						t.Fatalf("%s chart has %d rows, want %d", c.name, n, c.rows)
					}
				}
			}
			if want.Cases != 200 || want.Open == 0 {
				t.Fatalf("generated dashboard %+v", want)
			}
			check(want)

			// Filters: a procedure and a range of days.
			tb.Procedure.SetSelected(manual.CodePR02)
			test.Type(tb.From, "01/06/2026")
			test.Type(tb.To, "30/11/2026")
			test.Tap(tb.Update)
			u.Wait()
			q := procedure.DashboardQuery{Procedure: manual.CodePR02,
				From: time.Date(2026, 6, 1, 0, 0, 0, 0, procedure.LaPaz), To: time.Date(2026, 12, 1, 0, 0, 0, 0, procedure.LaPaz)}
			filtered, err := e.engine.Dashboard(ctx, proceduretest.Jefe, q)
			if err != nil {
				t.Fatal(err)
			}
			if filtered.Cases >= want.Cases || filtered.Cases == 0 {
				t.Fatalf("the filter keeps %d of %d cases", filtered.Cases, want.Cases)
			}
			check(filtered)

			// A day that is not one: the figures stay, the message is Spanish.
			tb.To.SetText("31/02/2026")
			test.Tap(tb.Update)
			u.Wait()
			if !strings.Contains(u.LastError, "no es válida") || tb.Figures.Cases != filtered.Cases {
				t.Fatalf("bad day: %q, %d cases", u.LastError, tb.Figures.Cases)
			}

			// Export the filtered cases as a workbook.
			path := filepath.Join(t.TempDir(), "tramites.xlsx")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			tb.ExportTo(f, export.Cases, export.XLSX, tb.Query)
			u.Wait()
			book, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := book.GetRows("Trámites")
			book.Close()
			if len(rows) != filtered.Cases+1 {
				t.Fatalf("the workbook has %d rows for %d cases", len(rows), filtered.Cases)
			}
		})
	}
}
