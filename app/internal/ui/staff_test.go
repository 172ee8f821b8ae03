package ui_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
)

// press types a key on the window as the desktop driver delivers it: Tab
// and Shift+Tab move the focus unless the focused widget takes tabs; a key
// with Ctrl or Alt is a shortcut, matched first against the main menu,
// then given to the focused widget or the canvas; any other key goes to
// the focused widget, or to the canvas when nothing is focused.
func press(w fyne.Window, key fyne.KeyName, mod fyne.KeyModifier) {
	c := w.Canvas()
	ev := &fyne.KeyEvent{Name: key}
	other := mod &^ fyne.KeyModifierShift
	if key == fyne.KeyTab && other == 0 {
		if t, ok := c.Focused().(fyne.Tabbable); !ok || !t.AcceptsTab() {
			if mod == 0 {
				c.FocusNext()
			} else {
				c.FocusPrevious()
			}
			return
		}
	}
	if other != 0 {
		sc := &desktop.CustomShortcut{KeyName: key, Modifier: mod}
		if m := w.MainMenu(); m != nil {
			for _, menu := range m.Items {
				for _, it := range menu.Items {
					if it.Shortcut != nil && it.Shortcut.ShortcutName() == sc.ShortcutName() {
						it.Action()
						return
					}
				}
			}
		}
		if f, ok := c.Focused().(fyne.Shortcutable); ok {
			f.TypedShortcut(sc)
		}
		return
	}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
	} else if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// toStep4 files a PR01 request as ana and takes it to the profesional
// fabio, through the engine; it returns the case.
func toStep4(t *testing.T, e *env, system, secret string) procedure.Case {
	t.Helper()
	ctx := context.Background()
	c, err := e.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR01Request(system, secret)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []procedure.FireRequest{
		{Event: manual.EventForward, Actor: proceduretest.Jefe},
		{Event: manual.EventInstruct, Actor: proceduretest.Responsable, Inputs: procedure.Inputs{"profesional": "fabio"}},
	} {
		f.CaseID = c.ID
		if c, err = e.engine.Fire(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func reveals(t *testing.T, e *env, id string) int {
	t.Helper()
	h, err := e.engine.History(context.Background(), proceduretest.Jefe, id)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range h {
		if x.Event == procedure.ActionRevealSecrets {
			n++
		}
	}
	return n
}

// TestRevealKeepsCredentialsUntilHidden: the assigned profesional shows
// the credentials; they are on screen, scrolled into view, and stay
// through refreshes and further clicks until he hides them. Each
// deliberate reveal is one route-sheet entry, no more.
func TestRevealKeepsCredentialsUntilHidden(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			a := test.NewTempApp(t)
			e := memEnv(t)
			c := toStep4(t, e, "Sistema de Archivo", "root / S3creta!")
			u := ui.New(a, e.client(t, mode), ui.Options{})
			defer u.Close()
			u.Win.Resize(fyne.NewSize(1024, 700))
			signIn(t, u, "fabio")
			cv := openFromInbox(t, u, c.ID)
			if cv.Reveal == nil || cv.Reveal.Text != "Mostrar credenciales" {
				t.Fatalf("reveal button %+v", cv.Reveal)
			}
			test.Tap(cv.Reveal)
			shown := func(when string) {
				t.Helper()
				s := u.Case.Secrets["credentials"]
				if s == nil || s.Text != "root / S3creta!" {
					t.Fatalf("%s: credentials %+v", when, s)
				}
				if u.Case.Tabs.Selected().Text != "Datos" {
					t.Fatalf("%s: tab %q shown", when, u.Case.Tabs.Selected().Text)
				}
				d := fyne.CurrentApp().Driver()
				f := u.Case.SecretsForm
				view, at := d.AbsolutePositionForObject(u.Case.DataView), d.AbsolutePositionForObject(f)
				if !f.Visible() || at.Y < view.Y || at.Y+f.Size().Height > view.Y+u.Case.DataView.Size().Height {
					t.Fatalf("%s: the credentials at y=%v are out of the view (y=%v, height %v)", when, at.Y, view.Y, u.Case.DataView.Size().Height)
				}
				if u.Case.Reveal.Text != "Ocultar credenciales" {
					t.Fatalf("%s: the button reads %q", when, u.Case.Reveal.Text)
				}
			}
			shown("after the reveal")
			if n := reveals(t, e, c.ID); n != 1 {
				t.Fatalf("%d reveal entries after one reveal", n)
			}
			// F5, the live refresh of this case and of everything, and a
			// second call while shown change nothing.
			press(u.Win, fyne.KeyF5, 0)
			shown("after F5")
			u.Refresh()
			u.Case.RevealSecrets()
			shown("after a refresh and a second reveal")
			if n := reveals(t, e, c.ID); n != 1 {
				t.Fatalf("%d reveal entries after refreshes", n)
			}
			// Hidden: off the screen; shown again: a second entry.
			test.Tap(u.Case.Reveal)
			if u.Case.Secrets != nil || u.Case.Reveal.Text != "Mostrar credenciales" {
				t.Fatalf("still shown after hiding: %v", u.Case.Secrets)
			}
			press(u.Win, fyne.KeyF5, 0)
			if u.Case.Secrets != nil {
				t.Fatal("a refresh showed the hidden credentials")
			}
			test.Tap(u.Case.Reveal)
			shown("after the second reveal")
			if n := reveals(t, e, c.ID); n != 2 {
				t.Fatalf("%d reveal entries after two reveals", n)
			}
			// Leaving the case forgets them.
			press(u.Win, fyne.KeyLeft, fyne.KeyModifierAlt)
			if u.Case != nil {
				t.Fatal("Alt+Left did not leave the case")
			}
			cv = openFromInbox(t, u, c.ID)
			if cv.Secrets != nil {
				t.Fatal("the credentials were shown again on reopening")
			}
		})
	}
}

// TestKeyboard drives the client by keyboard alone: Tab reaches the side
// menu and the table, Enter opens a row and presses a dialog's default
// button, Tab leaves a multi-line field both ways, Esc closes every dialog,
// Space on "Cerrar sesión" asks first, and the shortcuts work and are
// listed under F1.
func TestKeyboard(t *testing.T) {
	a := test.NewTempApp(t)
	e := memEnv(t)
	ctx := context.Background()
	c, err := e.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
		Inputs: proceduretest.PR01Request("Sistema de Archivo", "x")})
	if err != nil {
		t.Fatal(err)
	}
	u := ui.New(a, e.svc, ui.Options{})
	defer u.Close()
	u.Win.Resize(fyne.NewSize(1024, 700))
	w := u.Win
	focused := func() fyne.Focusable { return w.Canvas().Focused() }
	// Sign in by keyboard: Enter in the user field goes to the password,
	// Enter there signs in.
	w.Canvas().Focus(u.Login.User)
	test.Type(u.Login.User, "carla")
	press(w, fyne.KeyReturn, 0)
	test.Type(focused(), desk.DemoPassword("carla"))
	release := ui.HoldBackground(t)
	press(w, fyne.KeyReturn, 0)
	release()
	u.Wait()
	if u.Main == nil {
		t.Fatalf("not signed in: %q", u.Login.Message.Text)
	}
	if !strings.HasPrefix(w.Title(), "(1) ") {
		t.Fatalf("window title %q", w.Title())
	}

	// The side menu is reached with Tab: from nothing focused, Tab lands
	// on its first entry, the Bandeja; Tab walks the menu, then the table.
	w.Canvas().Unfocus()
	press(w, fyne.KeyTab, 0)
	if focused() == nil || !strings.HasPrefix(u.Main.Menu[0].Text, "Bandeja") || !sameButton(focused(), u.Main.Menu[0]) {
		t.Fatalf("Tab focused %T, not the Bandeja entry", focused())
	}
	press(w, fyne.KeyTab, 0)
	if !sameButton(focused(), u.Main.Menu[1]) {
		t.Fatalf("the second Tab focused %T, not %q", focused(), u.Main.Menu[1].Text)
	}
	press(w, fyne.KeyTab, fyne.KeyModifierShift)
	if !sameButton(focused(), u.Main.Menu[0]) {
		t.Fatal("Shift+Tab did not go back to the Bandeja entry")
	}
	for i := 0; i < len(u.Main.Menu) && focused() != u.Main.Inbox.Cases.Widget(); i++ {
		press(w, fyne.KeyTab, 0)
	}
	if focused() != u.Main.Inbox.Cases.Widget() {
		t.Fatalf("Tab never reached the inbox table (at %T)", focused())
	}
	// Enter opens the row.
	press(w, fyne.KeyReturn, 0)
	if u.Case == nil || u.Case.ID != c.ID {
		t.Fatal("Enter on the table did not open the case")
	}
	// Alt+Left goes back, Enter opens it again.
	press(w, fyne.KeyLeft, fyne.KeyModifierAlt)
	if u.Case != nil {
		t.Fatal("Alt+Left did not go back")
	}
	press(w, fyne.KeyReturn, 0)
	if u.Case == nil {
		t.Fatal("after going back the table lost the focus")
	}
	// Tab from "Volver" reaches the first action; Enter opens its form.
	press(w, fyne.KeyTab, 0)
	forward := u.Case.Actions[manual.EventForward]
	if !sameButton(focused(), forward) {
		t.Fatalf("Tab from Volver focused %T, not the forward action", focused())
	}
	press(w, fyne.KeyReturn, 0)
	af := u.Case.Form
	if af == nil || u.TopDialog() != af.Dialog {
		t.Fatal("Enter on the action did not open its form")
	}
	// The cursor is in the comment box; Tab leaves it, Shift+Tab comes back.
	if focused() == nil || !sameEntry(focused(), af.Comment) {
		t.Fatalf("the form opened with %T focused, not the comment", focused())
	}
	test.Type(focused(), "Derivo")
	press(w, fyne.KeyTab, 0)
	if sameEntry(focused(), af.Comment) || strings.Contains(af.Comment.Text, "\t") {
		t.Fatalf("Tab stayed in the comment: %q", af.Comment.Text)
	}
	press(w, fyne.KeyTab, fyne.KeyModifierShift)
	if !sameEntry(focused(), af.Comment) {
		t.Fatalf("Shift+Tab went to %T, not back to the comment", focused())
	}
	// Esc closes the form and nothing is done.
	press(w, fyne.KeyEscape, 0)
	if u.Case.Form != nil || u.TopDialog() != nil {
		t.Fatal("Esc did not close the form")
	}
	wantState(t, e, c.ID, manual.StateRequested)
	// Again, and Ctrl+Enter from the comment confirms.
	af = u.Case.Open(manual.EventForward)
	test.Type(focused(), "Derivo para su atención.")
	if af.Comment.Text != "Derivo para su atención." {
		t.Fatalf("the cursor was not in the comment: %q", af.Comment.Text)
	}
	press(w, fyne.KeyReturn, fyne.KeyModifierShortcutDefault)
	wantState(t, e, c.ID, manual.StateForwarded)
	if u.TopDialog() != nil {
		t.Fatalf("a dialog is open after confirming: %q", u.TopDialog().Title)
	}
	if !strings.HasPrefix(w.Title(), "Trámites UIT") {
		t.Fatalf("the title counts cases after the inbox emptied: %q", w.Title())
	}

	// An error dialog: Enter and Esc close it.
	for _, key := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEscape} {
		u.ShowError(procedure.Errorf(procedure.EINVALID, "prueba"))
		if d := u.TopDialog(); d == nil || d.Title != "No se pudo completar" {
			t.Fatal("no error dialog")
		}
		press(w, key, 0)
		if u.TopDialog() != nil {
			t.Fatalf("%s did not close the error dialog", key)
		}
	}

	// F1 lists the shortcuts; Esc closes the list.
	press(w, fyne.KeyF1, 0)
	d := u.TopDialog()
	if d == nil || d.Title != "Atajos de teclado" {
		t.Fatal("F1 showed no shortcuts")
	}
	listed := strings.Join(texts(d.Content.(*container.Scroll).Content), "\n")
	for _, k := range []string{"Ctrl+F", "Ctrl+N", "F5", "Alt+←", "Esc", "Enter"} {
		if !strings.Contains(listed, k) {
			t.Errorf("the shortcuts list lacks %s:\n%s", k, listed)
		}
	}
	press(w, fyne.KeyEscape, 0)
	if u.TopDialog() != nil {
		t.Fatal("Esc did not close the shortcuts")
	}

	// Ctrl+F: the Trámites screen with the cursor in the search box.
	press(w, fyne.KeyF, fyne.KeyModifierShortcutDefault)
	if u.Case != nil || u.Main.Selected() != "Trámites" || !sameEntry(focused(), u.Main.All().Text) {
		t.Fatalf("Ctrl+F: case %v, screen %q, focus %T", u.Case, u.Main.Selected(), focused())
	}
	// F5 in the search box refreshes rather than typing.
	press(w, fyne.KeyF5, 0)
	if u.Main.All().Text.Text != "" {
		t.Fatal("F5 typed in the search box")
	}

	// Space on the focused "Cerrar sesión" asks first; Esc keeps the
	// session, Enter ends it.
	for w.Canvas().Focused() == nil || !sameButton(focused(), u.Main.SignOut) {
		press(w, fyne.KeyTab, 0)
	}
	press(w, fyne.KeySpace, 0)
	if u.Main == nil || u.TopDialog() == nil || u.TopDialog().Title != "Cerrar sesión" {
		t.Fatal("Space on Cerrar sesión did not ask")
	}
	press(w, fyne.KeyEscape, 0)
	if u.Main == nil {
		t.Fatal("Esc signed out")
	}
	press(w, fyne.KeySpace, 0)
	if u.TopDialog() == nil {
		t.Fatalf("the second Space did not ask (focus %T)", focused())
	}
	press(w, fyne.KeyReturn, 0)
	if u.Main != nil || u.Login == nil {
		t.Fatal("confirming did not sign out")
	}

	// Ctrl+N, as a requester: the new request form, cursor in its first
	// field.
	signIn(t, u, "ana")
	press(w, fyne.KeyN, fyne.KeyModifierShortcutDefault)
	if u.Main.Selected() != "Nueva solicitud" || !sameEntry(focused(), u.Main.New.Fields.Entry("system")) {
		t.Fatalf("Ctrl+N: screen %q, focus %T", u.Main.Selected(), focused())
	}
	// Tab leaves the description, a multi-line field, to the next field.
	press(w, fyne.KeyTab, 0)
	if !sameEntry(focused(), u.Main.New.Fields.Entry("description")) {
		t.Fatalf("Tab from the system went to %T", focused())
	}
	test.Type(focused(), "Uno")
	press(w, fyne.KeyTab, 0)
	if sameEntry(focused(), u.Main.New.Fields.Entry("description")) || strings.Contains(u.Main.New.Fields.Entry("description").Text, "\t") {
		t.Fatal("Tab stayed in the description")
	}

	// The request sent, Enter on its dialog opens the new case ("Ver
	// trámite", the default); Esc would have closed it.
	nr := u.Main.New
	test.Type(nr.Fields.Entry("system"), "Sistema de Turnos")
	test.Type(nr.Fields.Entry("credentials"), "x")
	test.Tap(nr.Submit)
	if d := u.TopDialog(); d == nil || d != nr.Sent {
		t.Fatalf("no dialog after the request (%q)", u.LastError)
	}
	press(w, fyne.KeyReturn, 0)
	if u.TopDialog() != nil || u.Case == nil || u.Case.ID != nr.SentNumber.Text {
		t.Fatal("Enter on the request's dialog did not open the case")
	}

	// In a case, Ctrl+2 shows the route sheet; a form whose first field is
	// a select opens with the select focused, and Esc closes it from there.
	signIn(t, u, "elena")
	u.OpenCase(c.ID)
	press(w, fyne.Key2, fyne.KeyModifierShortcutDefault)
	if got := u.Case.Tabs.Selected().Text; got != "Hoja de ruta" {
		t.Fatalf("Ctrl+2 shows %q", got)
	}
	af = u.Case.Open(manual.EventInstruct)
	if !sameSelect(focused(), af.Fields.Select("profesional")) {
		t.Fatalf("the instruct form opened with %T focused", focused())
	}
	press(w, fyne.KeyEscape, 0)
	if u.TopDialog() != nil || u.Case.Form != nil {
		t.Fatal("Esc on a select did not close the form")
	}

	// F1 from a field of Ajustes lists the shortcuts rather than being
	// lost in the field.
	press(w, fyne.KeyLeft, fyne.KeyModifierAlt)
	u.Main.Select("Ajustes")
	host := u.Main.Settings().SMTPHost
	for i := 0; i < 40 && !sameEntry(focused(), host); i++ {
		press(w, fyne.KeyTab, 0)
	}
	if !sameEntry(focused(), host) {
		t.Fatal("Tab never reached the SMTP server field")
	}
	press(w, fyne.KeyF1, 0)
	if d := u.TopDialog(); d == nil || d.Title != "Atajos de teclado" {
		t.Fatal("F1 in a field of Ajustes showed no shortcuts")
	}
	press(w, fyne.KeyEscape, 0)
}

// sameSelect reports whether the focused object is s (or the widget that
// extends it).
func sameSelect(f fyne.Focusable, s *widget.Select) bool {
	type inner interface{ InnerSelect() *widget.Select }
	if x, ok := f.(inner); ok {
		return x.InnerSelect() == s
	}
	return f == fyne.Focusable(s)
}

// sameButton reports whether the focused object is b (or the widget that
// extends it).
func sameButton(f fyne.Focusable, b *widget.Button) bool {
	type inner interface{ Inner() *widget.Button }
	if x, ok := f.(inner); ok {
		return x.Inner() == b
	}
	return f == fyne.Focusable(b)
}

// sameEntry reports whether the focused object is e (or the widget that
// extends it).
func sameEntry(f fyne.Focusable, e *widget.Entry) bool {
	type inner interface{ InnerEntry() *widget.Entry }
	if x, ok := f.(inner); ok {
		return x.InnerEntry() == e
	}
	return f == fyne.Focusable(e)
}

// countingSession counts the case counts a session asks for.
type countingService struct {
	ui.Service
	counts *atomic.Int64
}

func (s countingService) SignIn(ctx context.Context, user, pass string) (desk.Session, error) {
	se, err := s.Service.SignIn(ctx, user, pass)
	return countingSession{se, s.counts}, err
}

type countingSession struct {
	desk.Session
	counts *atomic.Int64
}

func (s countingSession) CountCases(ctx context.Context, q procedure.CaseQuery) (int, error) {
	if q.Text != "" {
		s.counts.Add(1)
	}
	return s.Session.CountCases(ctx, q)
}

// TestSearchAsYouType finds cases in Trámites by what staff know of them:
// the case number, a cite, the requester, the unit or the system, typed in
// any case, searched when the typing pauses (once for a whole word typed
// at once), on the desk's engine and through the server alike.
func TestSearchAsYouType(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			a := test.NewTempApp(t)
			db := openSQLite(t, filepath.Join(t.TempDir(), "tramite.db"))
			e := newEnv(t, db, db)
			ctx := context.Background()
			closed := proceduretest.RunPR01(t, e.engine, "Sistema de Archivo", "x", 0)
			var cite string
			for _, v := range closed.Cites {
				if strings.HasPrefix(v, "UIT/INF/") {
					cite = v
				}
			}
			other, err := e.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante2,
				Inputs: procedure.Inputs{"system": "Ventanilla Única", "description": "d", "unit": manual.UnitGobierno, "credentials": "x"}})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if _, err := e.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
					Inputs: proceduretest.PR02Request(fmt.Sprintf("Portal %d", i))}); err != nil {
					t.Fatal(err)
				}
			}
			var counts atomic.Int64
			u := ui.New(a, countingService{e.client(t, mode), &counts}, ui.Options{})
			defer u.Close()
			signIn(t, u, "carla")
			press(u.Win, fyne.KeyF, fyne.KeyModifierShortcutDefault)
			all := u.Main.All()
			if all.Cases.Count != 5 {
				t.Fatalf("Trámites lists %d cases", all.Cases.Count)
			}
			for _, tc := range []struct {
				name, text string
				want       []string
			}{
				{"case number", closed.ID, []string{closed.ID}},
				{"cite", strings.ToLower(cite), []string{closed.ID}},
				{"requester", "BRUNO MAM", []string{other.ID}},
				{"unit", "gobierno electrónico", []string{other.ID}},
				{"system", "archivo", []string{closed.ID}},
				{"system, several", "portal", nil},
				{"nothing", "no existe", []string{}},
			} {
				applied := ui.HoldBackground(t) // until SetText is done with the entry
				all.Text.SetText("")
				applied()
				u.Wait()
				release := ui.HoldSearches(t)
				before := counts.Load()
				w := u.Win.Canvas().Focused()
				test.Type(w, tc.text) // one change per character
				release()
				u.Wait()
				if n := counts.Load() - before; n != 1 {
					t.Fatalf("%s: typing %q searched %d times, want once", tc.name, tc.text, n)
				}
				var got []string
				for i := 0; i < all.Cases.Count; i++ {
					c, _ := all.Cases.Case(i)
					got = append(got, c.ID)
				}
				if tc.want == nil {
					if len(got) != 3 {
						t.Fatalf("%s: %v", tc.name, got)
					}
				} else if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("%s %q: found %v, want %v", tc.name, tc.text, got, tc.want)
				}
				if !strings.HasPrefix(all.Summary.Text, fmt.Sprint(len(got))) {
					t.Fatalf("%s: summary %q", tc.name, all.Summary.Text)
				}
			}
		})
	}
}

// walkObjects calls f on o and every object under it, through the renderers the
// canvas draws (test.LaidOutObjects would build new ones).
func walkObjects(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch x := o.(type) {
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkObjects(c, f)
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			walkObjects(c, f)
		}
	}
}

// cells returns the case table cells on screen under o: text and bold.
func cells(o fyne.CanvasObject) map[string]bool {
	out := map[string]bool{}
	walkObjects(o, func(x fyne.CanvasObject) {
		if text, bold, ok := ui.Cell(x); ok {
			out[text] = out[text] || bold
		}
	})
	return out
}

// TestNotificationOfArrivedCase: a case that reaches the Jefe while her
// client runs is announced by a desktop notification naming it, counted on
// the Bandeja and in the window title. A case she has not opened since it
// last changed shows in bold, also after she signs in again. Her own
// actions announce nothing.
func TestNotificationOfArrivedCase(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			a := test.NewTempApp(t)
			db := openSQLite(t, filepath.Join(t.TempDir(), "tramite.db"))
			e := newEnv(t, db, db)
			ctx := context.Background()
			old, err := e.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR02, Actor: proceduretest.Solicitante,
				Inputs: proceduretest.PR02Request("Portal de Trámites")})
			if err != nil {
				t.Fatal(err)
			}
			// The changes are applied on this goroutine, between the test's
			// own actions, as the desktop driver does on its UI thread.
			changes := make(chan string, 64)
			pending, stop := make(chan func()), make(chan struct{})
			u := ui.New(a, e.client(t, mode), ui.Options{Live: true, OnChange: func(id string) { changes <- id },
				Do: func(f func()) {
					select {
					case pending <- f:
					case <-stop:
					}
				}})
			defer u.Close()
			defer close(stop)
			signIn(t, u, "carla")
			bold := func(id string) bool {
				t.Helper()
				b, ok := cells(u.Win.Canvas().Content())[id]
				if !ok {
					t.Fatalf("%s is not on screen", id)
				}
				return b
			}
			if !bold(old.ID) || u.Main.Menu[0].Text != "Bandeja (1)" || u.Win.Title() != "(1) Trámites UIT — Carla Rojas" {
				t.Fatalf("at sign-in: bold %v, menu %q, title %q", bold(old.ID), u.Main.Menu[0].Text, u.Win.Title())
			}
			u.OpenCase(old.ID)
			u.CloseCase()
			if bold(old.ID) {
				t.Fatal("the case is still bold after opening it")
			}
			wait := func(id string) {
				t.Helper()
				for {
					select {
					case f := <-pending:
						f()
					case <-time.After(30 * time.Second):
						t.Fatalf("no change of %s reached the client", id)
					}
					for len(changes) > 0 {
						if <-changes == id {
							return
						}
					}
				}
			}
			var c procedure.Case
			test.AssertNotificationSent(t, &fyne.Notification{Title: "Nuevo trámite en su bandeja",
				Content: "PR01-2026-0001 — Sistema de Archivo\nPaso 2 de 9: " + mustStep(t, e, manual.CodePR01, 2)}, func() {
				c, err = e.engine.Start(ctx, procedure.StartRequest{Procedure: manual.CodePR01, Actor: proceduretest.Solicitante,
					Inputs: proceduretest.PR01Request("Sistema de Archivo", "x")})
				if err != nil {
					t.Fatal(err)
				}
				wait(c.ID)
			})
			if u.Main.Menu[0].Text != "Bandeja (2)" || u.Win.Title() != "(2) Trámites UIT — Carla Rojas" {
				t.Fatalf("menu %q, title %q", u.Main.Menu[0].Text, u.Win.Title())
			}
			if !bold(c.ID) || bold(old.ID) {
				t.Fatalf("bold: new %v, old %v", bold(c.ID), bold(old.ID))
			}
			// Opened, it is no longer new, after signing in again too.
			u.OpenCase(c.ID)
			u.CloseCase()
			if bold(c.ID) {
				t.Fatal("the case is still bold after opening it")
			}
			signIn(t, u, "carla")
			if bold(c.ID) || bold(old.ID) {
				t.Fatal("after signing in again, opened cases are bold")
			}
			// Her own action sends no notification; the case leaves her inbox.
			test.AssertNotificationSent(t, nil, func() {
				u.OpenCase(c.ID)
				fire(t, u, manual.EventForward, nil)
				wait(c.ID)
			})
			u.CloseCase()
			if u.Main.Menu[0].Text != "Bandeja (1)" || u.Win.Title() != "(1) Trámites UIT — Carla Rojas" {
				t.Fatalf("after forwarding: menu %q, title %q", u.Main.Menu[0].Text, u.Win.Title())
			}
		})
	}
}

func mustStep(t *testing.T, e *env, code string, n int) string {
	t.Helper()
	d, err := e.engine.Definition(code)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := d.Step(n)
	if !ok {
		t.Fatalf("%s has no step %d", code, n)
	}
	return s.Activity
}

// small is the screen the client must fit: 1024×700, less the window's
// menu bar.
var small = fyne.NewSize(1024, 700)

// fits fails the test when o needs more than size (padding, the window
// pads its content).
func fits(t *testing.T, what string, o fyne.CanvasObject, size fyne.Size, padding float32) {
	t.Helper()
	if m := o.MinSize().AddWidthHeight(2*padding, 2*padding); m.Width > size.Width || m.Height > size.Height {
		t.Errorf("%s needs %.0f×%.0f, more than %.0f×%.0f", what, m.Width, m.Height, size.Width, size.Height)
	}
}

// within reports whether o lies whole inside the visible area of view.
func within(view, o fyne.CanvasObject) bool {
	d := fyne.CurrentApp().Driver()
	v, p := d.AbsolutePositionForObject(view), d.AbsolutePositionForObject(o)
	return p.X >= v.X && p.Y >= v.Y && p.X+o.Size().Width <= v.X+view.Size().Width+1 && p.Y+o.Size().Height <= v.Y+view.Size().Height+1
}

// TestSmallWindow1024x700 walks a PR01 and a PR02 case, whose system has
// the longest name allowed, through every step in a window of
// 1024×700: every screen and case view fits it, every action's dialog
// fits it with its comment box in view (the fields above it scroll when
// there are many), and the cut names in the tables show whole in a
// tooltip.
func TestSmallWindow1024x700(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.DefaultTheme()) // the sizes of the real client, not the test theme's
	e := memEnv(t)
	ctx := context.Background()
	u := ui.New(a, e.svc, ui.Options{})
	defer u.Close()
	u.Win.Resize(small)
	long := strings.Repeat("Sistema de Gestión Documental y Archivo Central ", 5)[:200]
	checkScreens := func(who string) {
		t.Helper()
		for _, title := range u.Main.Titles() {
			u.Main.Select(title)
			u.Wait() // what the screen computes off the UI goroutine (the Tablero's figures)
			fits(t, who+": "+title, u.Win.Content(), small, theme.Padding())
		}
		u.Main.Select("Bandeja")
	}
	seen := map[string]bool{}
	for _, code := range []string{manual.CodePR01, manual.CodePR02} {
		in := procedure.Inputs{"system": long, "description": strings.Repeat("Descripción larga. ", 20), "unit": manual.UnitDesarrollo}
		if code == manual.CodePR01 {
			in["credentials"] = "x"
		}
		c, err := e.engine.Start(ctx, procedure.StartRequest{Procedure: code, Actor: proceduretest.Solicitante, Inputs: in})
		if err != nil {
			t.Fatal(err)
		}
		d, _ := e.engine.Definition(code)
		for step := 0; c.Step > 0 && step < 20; step++ {
			// Who acts now: the first demo person the case waits for.
			var actor procedure.Actor
			for _, p := range manual.DemoPeople() {
				if procedure.WaitsFor(c, p) {
					actor = p
					break
				}
			}
			signIn(t, u, actor.ID)
			if !seen[actor.ID] {
				seen[actor.ID] = true
				checkScreens(actor.ID)
			}
			cv := u.OpenCase(c.ID)
			if cv == nil {
				t.Fatalf("%s cannot open %s", actor.ID, c.ID)
			}
			fits(t, fmt.Sprintf("%s at step %d", c.ID, c.Step), u.Win.Content(), small, theme.Padding())
			var next *procedure.EventDef
			for _, ev := range d.Events {
				if _, ok := cv.Actions[ev.Name]; !ok {
					continue
				}
				if !ev.Extension && (next == nil || ev.Step > next.Step) {
					ev := ev
					next = &ev
				}
				af := cv.Open(ev.Name)
				what := fmt.Sprintf("%s: %q", c.ID, ev.Label)
				fits(t, what, af.Dialog.Content, fyne.NewSize(680, 600), 0)
				if m := af.Dialog.MinSize(); m.Width > small.Width || m.Height > small.Height {
					t.Errorf("%s: the dialog needs %v", what, m)
				}
				if !within(af.Dialog.Content, af.CommentBox) && len(ev.Inputs) < 3 {
					d := fyne.CurrentApp().Driver()
					t.Errorf("%s: the comment box is out of view: %v %v in %v %v", what, d.AbsolutePositionForObject(af.CommentBox), af.CommentBox.Size(),
						d.AbsolutePositionForObject(af.Dialog.Content), af.Dialog.Content.Size())
				}
				if body := af.Dialog.Content.(*container.Scroll); body.Content.MinSize().Width > body.Size().Width+1 {
					t.Errorf("%s: the form runs %.0f points into the right edge", what, body.Content.MinSize().Width-body.Size().Width)
				}
				press(u.Win, fyne.KeyEscape, 0)
			}
			if next == nil {
				t.Fatalf("%s at %s offers no step", actor.ID, c.State)
			}
			fr := procedure.FireRequest{CaseID: c.ID, Event: next.Name, Actor: actor, Inputs: stepInputs(next)}
			if c, err = e.engine.Fire(ctx, fr); err != nil {
				t.Fatalf("%s by %s: %v", next.Name, actor.ID, err)
			}
		}
	}
	// The cut system names show whole in a tooltip.
	signIn(t, u, "carla")
	u.Main.Select("Trámites")
	var cut fyne.CanvasObject
	walkObjects(u.Win.Canvas().Content(), func(o fyne.CanvasObject) {
		if text, _, ok := ui.Cell(o); ok && cut == nil && text == long && ui.Truncated(o) {
			cut = o
		}
	})
	if cut == nil {
		t.Fatal("no cut system name in Trámites")
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(cut)
	test.MoveMouse(u.Win.Canvas(), pos.Add(fyne.NewPos(5, 5)))
	if u.Tooltip() != long {
		t.Fatalf("tooltip %q", u.Tooltip())
	}
	test.MoveMouse(u.Win.Canvas(), fyne.NewPos(1, 1))
	if u.Tooltip() != "" {
		t.Fatalf("the tooltip stayed: %q", u.Tooltip())
	}
	// So do the cut recipients in the Salida de correo.
	u.Main.Select("Salida de correo")
	cut = nil
	var full string
	walkObjects(u.Win.Canvas().Content(), func(o fyne.CanvasObject) {
		if text, _, ok := ui.Cell(o); ok && cut == nil && strings.Contains(text, ", ") && ui.Truncated(o) {
			cut, full = o, text
		}
	})
	if cut == nil {
		t.Fatal("no cut list of recipients in the Salida de correo")
	}
	test.MoveMouse(u.Win.Canvas(), fyne.CurrentApp().Driver().AbsolutePositionForObject(cut).Add(fyne.NewPos(5, 5)))
	if u.Tooltip() != full {
		t.Fatalf("outbox tooltip %q, want %q", u.Tooltip(), full)
	}
}

// stepInputs returns valid inputs of an event of the manual's procedures.
func stepInputs(ev *procedure.EventDef) procedure.Inputs {
	in := procedure.Inputs{}
	for _, s := range ev.Inputs {
		switch s.Kind {
		case procedure.InputActor:
			in[s.Name] = "fabio"
		case procedure.InputBool:
			in[s.Name] = "true"
		case procedure.InputPorts:
			in[s.Name] = "443"
		case procedure.InputChoice:
			in[s.Name] = s.Choices[0]
		default:
			in[s.Name] = "Texto de " + s.Label
		}
	}
	return in
}
