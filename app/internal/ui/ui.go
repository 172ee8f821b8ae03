// Package ui holds the screens of the tramite desktop client. Screens are
// structs that keep their widgets and a Service; they are built from an
// injected fyne.App and never import fyne's app package.
package ui

import (
	"context"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/procedure"
)

// Service signs people in and keeps this desk's settings; *desk.Service
// (the engine on this desk) and *remote.Client (a tramite server)
// implement it. Once signed in, the screens use only the desk.Session.
type Service interface {
	SignIn(ctx context.Context, username, password string) (desk.Session, error)
	Settings() desk.Settings
	SaveSettings(s desk.Settings) error
	TestSMTP(ctx context.Context, s desk.Settings) error
}

var _ Service = (*desk.Service)(nil)

// Options adjust the client.
type Options struct {
	// Live subscribes to the service's change feed after sign-in, so that
	// lists follow what other users do.
	Live bool
	// OnChange, when set, is called on the UI goroutine after the screens
	// were refreshed for a changed case (tests wait on it).
	OnChange func(caseID string)
	// Open opens a file the client wrote (a document, an attachment) in
	// the desktop's program for it; nil uses the App's OpenURL. It fails
	// when the desk has no such program.
	Open func(path string) error
	// Log receives what the client could not do; nil logs to slog.Default.
	Log *slog.Logger
	// Do runs on the UI goroutine what the change feed brings; fyne.Do
	// when nil. A test whose goroutine drives the screens while changes
	// arrive runs them on that goroutine (fyne's test driver has no UI
	// goroutine of its own).
	Do func(func())
}

// UI is the client: one window that shows the sign-in screen, then the
// main screens of the signed-in person.
type UI struct {
	App  fyne.App
	Win  fyne.Window
	svc  Service
	opts Options

	ctx    context.Context
	cancel context.CancelFunc
	jobs   sync.WaitGroup
	// watchers counts the goroutines reading the change feed.
	watchers sync.WaitGroup

	// User is the signed-in person.
	User procedure.Actor
	// s is the signed-in person's session.
	s desk.Session

	Login *Login
	Main  *Main
	// Case is the open case, nil when none.
	Case *CaseView
	// Sign is the last signing form shown, nil when none.
	Sign *SignForm
	// LastError is the message of the last error shown, for tests.
	LastError string

	body *fyne.Container
	// zone is where times are shown: the agency's zone from the settings.
	zone *time.Location
	// dialogs are the open dialogs, the front one last.
	dialogs []*Dialog
	tips    *tipLayer
}

// New builds the client's window on app with the sign-in screen showing.
func New(app fyne.App, svc Service, opts Options) *UI {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Open == nil {
		opts.Open = func(p string) error { return app.OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}) }
	}
	u := &UI{App: app, svc: svc, opts: opts, zone: svc.Settings().Location()}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.Win = app.NewWindow(lang.L("Trámites UIT"))
	u.Win.Resize(fyne.NewSize(1024, 700)) // the smallest screen it must fit
	u.body = container.NewStack()
	u.tips = newTipLayer()
	u.Win.SetContent(container.NewStack(u.body, u.tips.box))
	u.Win.Canvas().SetOnTypedKey(u.canvasKey)
	u.showLogin()
	return u
}

// Close ends background work, waits for the change feed to stop and
// closes the window.
func (u *UI) Close() {
	u.cancel()
	u.watchers.Wait()
	u.Win.Close()
}

// Wait blocks until the background work started so far has finished and
// its results were applied to the screens.
func (u *UI) Wait() { u.jobs.Wait() }

// backgroundGate, when set (by tests), holds the results of background
// work until it is closed.
var backgroundGate chan struct{}

// background runs work off the UI goroutine and applies its result with
// done through fyne.Do.
func background[T any](u *UI, work func(ctx context.Context) (T, error), done func(T, error)) {
	u.jobs.Add(1)
	ctx, gate := u.ctx, backgroundGate
	go func() {
		defer u.jobs.Done()
		v, err := work(ctx)
		if gate != nil {
			<-gate
		}
		fyne.Do(func() {
			if ctx.Err() == nil { // signed out or closed meanwhile
				done(v, err)
			}
		})
	}()
}

// ShowError shows the engine's Spanish message of err in a dialog.
func (u *UI) ShowError(err error) {
	if err == nil {
		return
	}
	msg := procedure.ErrorMessage(err)
	u.LastError = msg
	u.info(lang.L("No se pudo completar"), msg)
}

func (u *UI) showLogin() {
	u.Login = newLogin(u)
	u.body.Objects = []fyne.CanvasObject{u.Login.Content}
	u.body.Refresh()
	u.Win.Canvas().Focus(u.Login.User)
}

// signedIn switches to the main screens of the person of s.
func (u *UI) signedIn(s desk.Session) {
	u.s = s
	a := s.Actor()
	u.User = a
	u.Main = newMain(u)
	u.body.Objects = []fyne.CanvasObject{u.Main.Content}
	u.body.Refresh()
	u.Main.badge()
	u.Win.SetMainMenu(u.mainMenu())
	u.Win.Canvas().Focus(u.Main.screens[0].button)
	if u.opts.Live {
		u.watch()
	}
}

// SignOut returns to the sign-in screen.
func (u *UI) SignOut() {
	u.cancel()
	if s := u.s; s != nil {
		go s.SignOut(context.Background()) // best effort: the server forgets the token
	}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.User, u.s, u.Main, u.Case = procedure.Actor{}, nil, nil, nil
	for _, d := range append([]*Dialog(nil), u.dialogs...) {
		d.Hide()
	}
	u.hideTip(u.tips.owner)
	u.Win.SetMainMenu(nil)
	u.Win.SetTitle(lang.L("Trámites UIT"))
	u.showLogin()
}

func (u *UI) watch() {
	ch, err := u.s.Watch(u.ctx)
	if err != nil {
		u.ShowError(err)
		return
	}
	if ch == nil {
		return
	}
	ctx := u.ctx
	do := u.opts.Do
	if do == nil {
		do = fyne.Do
	}
	u.watchers.Add(1)
	go func() {
		defer u.watchers.Done()
		for id := range ch {
			do(func() {
				if ctx.Err() == nil {
					u.changed(id)
				}
			})
		}
	}()
}

// changed refreshes what shows the case id (or everything when id is "").
func (u *UI) changed(id string) {
	if u.Main == nil {
		return
	}
	if id != "" {
		u.Main.Inbox.arrived(id)
	}
	u.Main.refresh()
	if u.Case != nil && (id == "" || u.Case.ID == id) {
		u.Case.reload()
	}
	if u.opts.OnChange != nil {
		u.opts.OnChange(id)
	}
}

// OpenCase shows a case over the main screens.
func (u *UI) OpenCase(id string) *CaseView {
	cv, err := newCaseView(u, id)
	if err != nil {
		u.ShowError(err)
		return nil
	}
	u.Case = cv
	u.hideTip(u.tips.owner)
	u.body.Objects = []fyne.CanvasObject{cv.Content}
	u.body.Refresh()
	u.Win.Canvas().Focus(cv.back)
	return cv
}

// CloseCase goes back from a case to the main screens.
func (u *UI) CloseCase() {
	u.Case = nil
	u.body.Objects = []fyne.CanvasObject{u.Main.Content}
	u.body.Refresh()
	u.Main.reloadShown() // a change made in the case refreshed the badge already
	u.Main.focusList()
}

// roleLabels returns the labels of a's roles, "a.i." marked, as the first
// of defs that declares each role names it.
func roleLabels(defs []*procedure.Definition, a procedure.Actor) string {
	var out []string
	for _, g := range a.Grants {
		l := string(g.Role)
		for _, d := range defs {
			if l = d.RoleLabel(g.Role); l != string(g.Role) {
				break
			}
		}
		if g.Interim {
			l += " a.i."
		}
		out = append(out, l)
	}
	return strings.Join(out, ", ")
}

// timeText formats t as the client shows times: day and minute in the
// agency's zone (the Ajustes setting), whatever the machine's zone.
func (u *UI) timeText(t time.Time) string { return t.In(u.zone).Format("02/01/2006 15:04") }

// waited formats how long ago t was, coarsely, in the user's language.
func waited(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return lang.L("menos de 1 min")
	case d < time.Hour:
		return lang.L("{{.N}} min", map[string]any{"N": int(d.Minutes())})
	case d < 48*time.Hour:
		return lang.L("{{.H}} h {{.M}} min", map[string]any{"H": int(d.Hours()), "M": int(d.Minutes()) % 60})
	default:
		return lang.L("{{.N}} días", map[string]any{"N": int(d.Hours() / 24)})
	}
}

// stepText is "Paso N de M" (M: the procedure's steps, 9 in the manual's),
// or the state's label for a final case.
func stepText(d *procedure.Definition, c procedure.Case) string {
	if c.Step == 0 {
		return d.StateLabel(c.State)
	}
	return lang.L("Paso {{.N}} de {{.M}}", map[string]any{"N": c.Step, "M": len(d.Steps)})
}

func bold(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.TextStyle.Bold = true
	return l
}

func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

var errPort = procedure.Errorf(procedure.EINVALID, "el puerto SMTP debe ser un número")
