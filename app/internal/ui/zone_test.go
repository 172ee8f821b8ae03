package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// onUTC makes the process's zone UTC for the test, as on a server or a
// machine set to UTC.
func onUTC(t *testing.T) {
	t.Helper()
	old := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = old })
}

// TestTimeZoneShowsLaPaz: on a machine whose zone is UTC, the case view
// shows the agency's times (La Paz, UTC-4), as the documents and emails
// do; the zone is a setting of Ajustes, and an unknown one is refused.
func TestTimeZoneShowsLaPaz(t *testing.T) {
	onUTC(t)
	a := test.NewTempApp(t)
	e := memEnv(t)
	// The engine's clock starts at 13:00 UTC: 09:00 in La Paz.
	c, err := e.engine.Start(context.Background(), procedure.StartRequest{Procedure: manual.CodePR02,
		Actor: proceduretest.Solicitante, Inputs: proceduretest.PR02Request("Portal de Trámites")})
	if err != nil {
		t.Fatal(err)
	}
	u := ui.New(a, e.svc, ui.Options{})
	defer u.Close()
	signIn(t, u, "carla")
	cv := openFromInbox(t, u, c.ID)
	shown := strings.Join(append(texts(cv.Timeline), formText(cv)...), "\n")
	if !strings.Contains(shown, "26/11/2026 09:00") || strings.Contains(shown, "13:00") {
		t.Fatalf("the case shows the machine's zone, not La Paz's:\n%s", shown)
	}
	u.CloseCase()

	// Ajustes: an unknown zone is refused and changes nothing; UTC is taken.
	u.Main.Select("Ajustes")
	s := u.Main.Settings()
	if s.TimeZone.Text != "America/La_Paz" {
		t.Fatalf("the zone setting reads %q", s.TimeZone.Text)
	}
	s.TimeZone.SetText("")
	test.Type(s.TimeZone, "Marte/Olympus")
	u.LastError = ""
	test.Tap(s.Save)
	if !strings.Contains(u.LastError, "zona horaria desconocida") {
		t.Fatalf("an unknown zone: error %q", u.LastError)
	}
	if z := e.svc.Settings().TimeZone; z != "America/La_Paz" {
		t.Fatalf("the refused zone was kept: %q", z)
	}
	s.TimeZone.SetText("")
	test.Type(s.TimeZone, "UTC")
	u.LastError = ""
	test.Tap(s.Save)
	if u.LastError != "" {
		t.Fatal(u.LastError)
	}
	cv = u.OpenCase(c.ID)
	if shown := strings.Join(texts(cv.Timeline), "\n"); !strings.Contains(shown, "26/11/2026 13:00") {
		t.Fatalf("after choosing UTC the case shows:\n%s", shown)
	}
}

// formText returns the values of the case's Datos form.
func formText(cv *ui.CaseView) []string {
	var out []string
	for _, it := range cv.Data.Items {
		out = append(out, it.Text)
		out = append(out, texts(it.Widget)...)
	}
	return out
}
