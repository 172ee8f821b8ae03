package ui_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/remote"
	"github.com/tramite/tramite/app/internal/ui"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
	"github.com/tramite/tramite/procedure/proceduretest"
	"github.com/tramite/tramite/server"
)

// env is a client on an in-memory store with the demo people.
type env struct {
	store  procedure.Store
	people procedure.People
	engine *procedure.Engine
	svc    *desk.Service
}

func newEnv(t *testing.T, store procedure.Store, people procedure.People) *env {
	t.Helper()
	ctx := context.Background()
	sealer, err := procedure.NewAESSealer(proceduretest.Key)
	if err != nil {
		t.Fatal(err)
	}
	e, err := procedure.NewEngine(store, procedure.WithDefinitions(manual.Definitions()...), procedure.WithDirectory(people), procedure.WithSealer(sealer), procedure.WithClock(proceduretest.NewClock()))
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := store.(procedure.ChangeFeed)
	svc, err := desk.New(desk.Config{Engine: e, Store: store, People: people, Feed: feed, BcryptCost: bcrypt.MinCost, Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SeedPeople(ctx); err != nil {
		t.Fatal(err)
	}
	return &env{store: store, people: people, engine: e, svc: svc}
}

// served puts e's engine behind a real tramite server (the server
// package's handler on a loopback HTTP listener) and returns a client of
// it: the desk then holds nothing but the server's address.
func (e *env) served(t *testing.T) *remote.Client {
	t.Helper()
	sessions, ok := e.people.(procedure.Sessions)
	if !ok {
		t.Fatal("the env's people keep no sessions")
	}
	feed, _ := e.store.(procedure.ChangeFeed)
	srv, err := server.New(server.Config{Engine: e.engine, Store: e.store, People: e.people, Sessions: sessions, Feed: feed})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	c, err := remote.New(hs.URL, hs.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// client returns the service the UI works through in mode: the engine on
// this desk ("embedded") or a server ("server").
func (e *env) client(t *testing.T, mode string) ui.Service {
	if mode == "server" {
		return e.served(t)
	}
	return e.svc
}

// modes are the two ways the client works.
var modes = []string{"embedded", "server"}

func memEnv(t *testing.T) *env {
	return newEnv(t, procedure.NewMemoryStore(), procedure.NewDirectory())
}

func signIn(t *testing.T, u *ui.UI, user string) {
	t.Helper()
	if u.Main != nil {
		test.Tap(u.Main.SignOut)
		d := u.TopDialog()
		if d == nil || d.Title != "Cerrar sesión" {
			t.Fatal("signing out asks nothing")
		}
		test.Tap(d.OK)
	}
	if u.Login == nil || u.Main != nil {
		t.Fatal("not on the sign-in screen")
	}
	test.Type(u.Login.User, user)
	test.Type(u.Login.Password, desk.DemoPassword(user))
	test.Tap(u.Login.Submit)
	u.Wait()
	if u.Main == nil || u.User.ID != user {
		t.Fatalf("sign in as %s: %q", user, u.Login.Message.Text)
	}
}

// openFromInbox opens the first case of the inbox and checks it is id.
func openFromInbox(t *testing.T, u *ui.UI, id string) *ui.CaseView {
	t.Helper()
	in := u.Main.Inbox.Cases
	if in.Count == 0 {
		t.Fatalf("%s: the inbox is empty, want %s", u.User.ID, id)
	}
	c, _ := in.Case(0)
	if c.ID != id {
		t.Fatalf("%s: inbox starts with %s, want %s", u.User.ID, c.ID, id)
	}
	in.Table.Select(widget.TableCellID{Row: 0, Col: 2})
	if u.Case == nil || u.Case.ID != id {
		t.Fatalf("%s: case %s did not open", u.User.ID, id)
	}
	return u.Case
}

func actions(cv *ui.CaseView) []procedure.EventName {
	var out []procedure.EventName
	for n := range cv.Actions {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func wantActions(t *testing.T, cv *ui.CaseView, want ...procedure.EventName) {
	t.Helper()
	slices.Sort(want)
	if got := actions(cv); !slices.Equal(got, want) {
		t.Fatalf("%s sees actions %v, want %v", cv.ID, got, want)
	}
}

func wantState(t *testing.T, e *env, id string, s procedure.State) procedure.Case {
	t.Helper()
	c, err := e.store.Case(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != s {
		t.Fatalf("case %s is %s, want %s", id, c.State, s)
	}
	return c
}

// fire opens an action, fills it with fill and confirms; it fails the
// test if the engine refused.
func fire(t *testing.T, u *ui.UI, name procedure.EventName, fill func(*ui.ActionForm)) {
	t.Helper()
	af := u.Case.Open(name)
	if af == nil {
		t.Fatalf("%s cannot open %s", u.User.ID, name)
	}
	if fill != nil {
		fill(af)
	}
	u.LastError = ""
	test.Tap(af.Confirm)
	if u.LastError != "" {
		t.Fatalf("%s by %s: %s", name, u.User.ID, u.LastError)
	}
	if u.Case.Form != nil {
		t.Fatalf("%s: the form stayed open", name)
	}
}

// wantRefused taps Confirm and expects the engine's message to contain want,
// with the form still open.
func wantRefused(t *testing.T, u *ui.UI, af *ui.ActionForm, want string) {
	t.Helper()
	u.LastError = ""
	test.Tap(af.Confirm)
	if !strings.Contains(u.LastError, want) {
		t.Fatalf("error %q, want it to mention %q", u.LastError, want)
	}
	if u.Case.Form != af {
		t.Fatal("the form closed after an error")
	}
}

// TestPR01ThroughTheUI walks a whole PR01 case through the screens,
// signing in as each role in turn.
// It runs with the engine on the desk, against the server package in this
// process, and against the tramite-server command in its own process,
// alike.
func TestPR01ThroughTheUI(t *testing.T) {
	for _, mode := range append(modes, "process") {
		t.Run(mode, func(t *testing.T) { testPR01ThroughTheUI(t, mode) })
	}
}

func testPR01ThroughTheUI(t *testing.T, mode string) {
	a := test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "tramite.db")
	db := openSQLite(t, path)
	e := newEnv(t, db, db)
	var svc ui.Service
	if mode == "process" {
		svc = e.process(t, path)
	} else {
		svc = e.client(t, mode)
	}
	u := ui.New(a, svc, ui.Options{})
	defer u.Close()
	ctx := context.Background()

	// Step 1: Ana requests; a missing credential is refused and nothing typed is lost.
	signIn(t, u, "ana")
	if u.Main.Inbox.Cases.Count != 0 {
		t.Fatalf("ana's inbox has %d cases", u.Main.Inbox.Cases.Count)
	}
	nr := u.Main.New
	if nr == nil || !nr.Choose(manual.CodePR01) {
		t.Fatal("ana cannot start PR01")
	}
	if got := nr.Fields.Entry("unit").Text; got != manual.UnitDesarrollo {
		t.Fatalf("unit prefilled with %q", got)
	}
	if nr.Fields.Entry("credentials").Password != true {
		t.Fatal("credentials are not in a masked entry")
	}
	test.Type(nr.Fields.Entry("system"), "Sistema de Archivo")
	test.Type(nr.Fields.Entry("description"), "Puesta en producción del sistema de archivo central.")
	test.Tap(nr.Submit)
	if !strings.Contains(u.LastError, "falta credenciales") {
		t.Fatalf("missing credentials: error %q", u.LastError)
	}
	if nr.Fields.Entry("system").Text != "Sistema de Archivo" {
		t.Fatal("the form lost the system after an error")
	}
	test.Type(nr.Fields.Entry("credentials"), "root / S3creta!")
	u.LastError = ""
	test.Tap(nr.Submit)
	if u.LastError != "" {
		t.Fatal(u.LastError)
	}
	cs, err := e.store.Cases(ctx, procedure.CaseQuery{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("cases: %v %v", cs, err)
	}
	id := cs[0].ID
	wantState(t, e, id, manual.StateRequested)
	if nr.Fields.Entry("credentials").Text != "" {
		t.Fatal("the secret stayed in the form after sending")
	}

	// A requester of another unit does not see the case at all: not in
	// Trámites, and opened by its number it does not exist for him.
	signIn(t, u, "bruno")
	if u.Main.All().Cases.Count != 0 {
		t.Fatalf("bruno, of another unit, sees %d cases", u.Main.All().Cases.Count)
	}
	u.LastError = ""
	if cv := u.OpenCase(id); cv != nil || !strings.Contains(u.LastError, "no existe el trámite "+id) {
		t.Fatalf("bruno opened another unit's case: %v %q", cv, u.LastError)
	}
	if tabTitled(u.Main, "Salida de correo") {
		t.Fatal("a requester has the Salida de correo")
	}

	// Step 2: the jefe forwards; the Salida de correo is hers.
	signIn(t, u, "carla")
	if !tabTitled(u.Main, "Salida de correo") {
		t.Fatal("the Jefe de la UIT has no Salida de correo")
	}
	if u.Main.New != nil {
		t.Fatal("the jefe may start a request")
	}
	cv := openFromInbox(t, u, id)
	if cv.Stepper.Current != 2 {
		t.Fatalf("stepper at %d", cv.Stepper.Current)
	}
	wantActions(t, cv, manual.EventForward, manual.EventReject)
	fire(t, u, manual.EventForward, nil)
	wantState(t, e, id, manual.StateForwarded)
	if u.Case.Stepper.Current != 3 || len(u.Case.Actions) != 0 {
		t.Fatalf("after forwarding: step %d, actions %v", u.Case.Stepper.Current, actions(u.Case))
	}

	// Step 3: the responsable instructs; without a profesional it is refused.
	signIn(t, u, "elena")
	cv = openFromInbox(t, u, id)
	wantActions(t, cv, manual.EventInstruct)
	af := cv.Open(manual.EventInstruct)
	wantRefused(t, u, af, "falta profesional")
	if !af.Fields.SelectActor("profesional", "fabio") {
		t.Fatal("fabio is not offered")
	}
	test.Tap(af.Confirm)
	c := wantState(t, e, id, manual.StateInstructed)
	if c.Assignee != "fabio" {
		t.Fatalf("assigned to %q", c.Assignee)
	}

	// The other profesional sees nothing to do and no secrets.
	signIn(t, u, "gina")
	if u.Main.Inbox.Cases.Count != 0 {
		t.Fatal("gina's inbox has the case")
	}
	u.OpenCase(id)
	wantActions(t, u.Case)
	if u.Case.Reveal != nil {
		t.Fatal("gina may reveal secrets")
	}

	// Step 4: fabio starts, reveals the credentials and observes.
	signIn(t, u, "fabio")
	cv = openFromInbox(t, u, id)
	wantActions(t, cv, manual.EventStart, manual.EventObserve)
	if cv.Reveal == nil {
		t.Fatal("fabio may not reveal the secrets")
	}
	test.Tap(cv.Reveal)
	if s := u.Case.Secrets["credentials"]; s == nil || s.Text != "root / S3creta!" || !s.Password {
		t.Fatalf("revealed credentials: %+v", s)
	}
	fire(t, u, manual.EventStart, nil)
	fire(t, u, manual.EventObserve, func(af *ui.ActionForm) {
		test.Type(af.Fields.Entry("observations"), "Falta la URL del repositorio.")
	})
	wantState(t, e, id, manual.StateObserved)

	// Step 5: ana answers.
	signIn(t, u, "ana")
	cv = openFromInbox(t, u, id)
	wantActions(t, cv, manual.EventComplete, manual.EventWithdraw)
	fire(t, u, manual.EventComplete, func(af *ui.ActionForm) {
		test.Type(af.Fields.Entry("answer"), "Repositorio: gitlab.agetic.gob.bo/sis/archivo")
	})
	wantState(t, e, id, manual.StateInProgress)

	// Step 6: fabio concludes with the checklist; a bad port is refused.
	signIn(t, u, "fabio")
	cv = openFromInbox(t, u, id)
	wantActions(t, cv, manual.EventObserve, manual.EventConclude)
	af = cv.Open(manual.EventConclude)
	test.Type(af.Fields.Entry("backup_ref"), "BK-2026-0451")
	test.Type(af.Fields.Entry("monitored_ports"), "443, 99999")
	test.Type(af.Fields.Entry("report"), "Se desplegó el sistema con proxy inverso y TLS.")
	wantRefused(t, u, af, "99999")
	af.Fields.Entry("monitored_ports").SetText("443, 5432")
	wantRefused(t, u, af, "debe confirmar")
	test.Tap(af.Fields.Check("security_policies"))
	test.Tap(af.Confirm)
	c = wantState(t, e, id, manual.StateReportSubmitted)
	if c.Data["monitored_ports"] != "443, 5432" {
		t.Fatalf("ports %q", c.Data["monitored_ports"])
	}

	// Step 7: the responsable approves.
	signIn(t, u, "elena")
	cv = openFromInbox(t, u, id)
	wantActions(t, cv, manual.EventApproveReport, manual.EventReturnReport)
	fire(t, u, manual.EventApproveReport, nil)
	wantState(t, e, id, manual.StateReportApproved)

	// Step 8: the interim jefe issues the memo.
	signIn(t, u, "diego")
	cv = openFromInbox(t, u, id)
	wantActions(t, cv, manual.EventIssueMemo, manual.EventReturnMemo)
	fire(t, u, manual.EventIssueMemo, func(af *ui.ActionForm) {
		test.Type(af.Fields.Entry("memo"), "Se comunica la conclusión de la puesta en producción.")
	})
	wantState(t, e, id, manual.StateMemoIssued)

	// Step 9: ana acknowledges and the case closes.
	signIn(t, u, "ana")
	cv = openFromInbox(t, u, id)
	wantActions(t, cv, manual.EventAcknowledge)
	fire(t, u, manual.EventAcknowledge, nil)
	wantState(t, e, id, manual.StateClosed)
	if u.Case.Stepper.Current != 0 || len(u.Case.Actions) != 0 {
		t.Fatal("a closed case still offers actions")
	}
	if err := e.engine.Verify(ctx, proceduretest.Jefe, id); err != nil {
		t.Fatal(err)
	}
	h, _ := e.engine.History(ctx, proceduretest.Jefe, id)
	var events []procedure.EventName
	for _, x := range h {
		events = append(events, x.Event)
		if x.Event == manual.EventIssueMemo && !x.Interim {
			t.Error("the memo was not recorded as issued a.i.")
		}
	}
	want := []procedure.EventName{"request", "forward", "instruct", "reveal_secrets", "start", "observe", "complete", "conclude", "approve_report", "issue_memo", "acknowledge"}
	if !slices.Equal(events, want) {
		t.Fatalf("history %v", events)
	}
	if n := len(u.Case.Timeline.Objects); n != len(want) {
		t.Fatalf("the hoja de ruta shows %d entries", n)
	}
	for _, x := range h {
		for k, v := range x.Data {
			if strings.Contains(v, "S3creta") {
				t.Fatalf("secret in history data %s", k)
			}
		}
	}
	// Staff read names, not identifiers: the cite numbers under their
	// documents' names, the emails by what they are.
	var labels []string
	for _, it := range u.Case.Data.Items {
		labels = append(labels, it.Text)
	}
	for _, w := range []string{"Remisión de Nota", "Informe técnico de conclusión", "Nota Interna"} {
		if !slices.Contains(labels, w) {
			t.Errorf("the case's data lacks %q: %v", w, labels)
		}
	}
	shown := strings.Join(append(labels, texts(u.Case.Emails)...), "\n")
	for _, bad := range []string{"Cite de", "nota-remision", "informe-conclusion", "observaciones ·", "aviso ·"} {
		if strings.Contains(shown, bad) {
			t.Errorf("the case view shows %q:\n%s", bad, shown)
		}
	}
	if !strings.Contains(shown, "Observaciones a la solicitud · ") {
		t.Errorf("the emails are not named:\n%s", shown)
	}
}

// texts returns the text of every label under o.
func texts(o fyne.CanvasObject) []string {
	switch x := o.(type) {
	case *widget.Label:
		return []string{x.Text}
	case *fyne.Container:
		var out []string
		for _, c := range x.Objects {
			out = append(out, texts(c)...)
		}
		return out
	case *widget.Card:
		return append([]string{x.Title, x.Subtitle}, texts(x.Content)...)
	}
	return nil
}

func TestSignInIsSlowedAfterFiveFailures(t *testing.T) {
	a := test.NewTempApp(t)
	e := memEnv(t)
	u := ui.New(a, e.svc, ui.Options{})
	defer u.Close()
	for i := 0; i < desk.FreeAttempts; i++ {
		test.Type(u.Login.User, "ana")
		test.Type(u.Login.Password, "wrong")
		test.Tap(u.Login.Submit)
		u.Wait()
		u.Login.User.SetText("")
		if u.Main != nil {
			t.Fatal("signed in with a wrong password")
		}
		if !strings.Contains(u.Login.Message.Text, "incorrectos") {
			t.Fatalf("message %q", u.Login.Message.Text)
		}
	}
	if e.svc.Failures("ana") != desk.FreeAttempts {
		t.Fatalf("failures %d", e.svc.Failures("ana"))
	}
	if desk.Delay(e.svc.Failures("ana")) <= 0 {
		t.Fatal("the sixth attempt is not slowed")
	}
}

// tabTitled reports whether the main screen has a tab with that title.
func tabTitled(m *ui.Main, title string) bool {
	return slices.Contains(m.Titles(), title)
}
