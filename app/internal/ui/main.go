package ui

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// Main is the set of screens a signed-in person moves between, chosen in
// a side menu of buttons (Tab reaches them; Enter or Space opens one). The
// Bandeja is built at once; the other screens when first shown.
type Main struct {
	Inbox   *Inbox
	New     *NewRequest // nil when the person may start no procedure
	SignOut *widget.Button
	// Menu holds the side menu's buttons, in order.
	Menu    []*widget.Button
	Content fyne.CanvasObject

	u          *UI
	all        *AllCases
	procedures *Procedures
	outbox     *Outbox
	tablero    *Tablero
	settings   *Settings
	screens    []*screen
	current    *screen
	body       *fyne.Container
}

// screen is one entry of the side menu.
type screen struct {
	title   string
	button  *button
	content fyne.CanvasObject
	build   func() fyne.CanvasObject // builds content when first shown
	// reload reads the screen's list again, once built; nil when it has
	// none.
	reload func()
}

func newMain(u *UI) *Main {
	m := &Main{u: u, Inbox: newInbox(u), body: container.NewStack()}
	add := func(title string, icon fyne.Resource, content fyne.CanvasObject, build func() fyne.CanvasObject) *screen {
		sc := &screen{title: title, content: content, build: build}
		sc.button = u.newButton(title, icon, func() { m.show(sc) })
		sc.button.Alignment = widget.ButtonAlignLeading
		m.screens = append(m.screens, sc)
		m.Menu = append(m.Menu, &sc.button.Button)
		return sc
	}
	add(lang.L("Bandeja"), theme.MailComposeIcon(), m.Inbox.Content, nil).reload = m.Inbox.reload
	add(lang.L("Trámites"), theme.ListIcon(), nil, func() fyne.CanvasObject { return m.All().Content }).reload = func() { m.All().reload() }
	for _, d := range u.s.Definitions() {
		if u.s.CanStart(d.Code) {
			m.New = newRequest(u)
			add(lang.L("Nueva solicitud"), theme.ContentAddIcon(), m.New.Content, nil)
			break
		}
	}
	add(lang.L("Procedimientos"), theme.InfoIcon(), nil, func() fyne.CanvasObject { return m.Procedures().Content })
	if u.s.CanSeeOutbox() {
		add(lang.L("Salida de correo"), theme.MailSendIcon(), nil, func() fyne.CanvasObject { return m.Outbox().Content }).reload = func() { m.Outbox().refresh() }
	}
	if u.s.CanSeeDashboard() {
		add(lang.L("Tablero"), theme.GridIcon(), nil, func() fyne.CanvasObject { return m.Tablero().Content })
	}
	add(lang.L("Ajustes"), theme.SettingsIcon(), nil, func() fyne.CanvasObject { return m.Settings().Content })
	menu := container.NewVBox()
	for _, sc := range m.screens {
		menu.Add(sc.button)
	}
	who := bold(u.User.Name)
	who.Truncation = fyne.TextTruncateEllipsis
	roles := widget.NewLabel(roleLabels(u.s.Definitions(), u.User))
	roles.Truncation = fyne.TextTruncateEllipsis
	signOut := u.newButton(lang.L("Cerrar sesión"), theme.LogoutIcon(), u.ConfirmSignOut)
	m.SignOut = &signOut.Button
	top := container.NewVBox(container.NewBorder(nil, nil, nil, signOut, container.NewGridWithColumns(2, who, roles)), widget.NewSeparator())
	left := container.NewBorder(nil, nil, nil, widget.NewSeparator(), menu)
	// The side menu first, then the screen, then the top bar: the order
	// Tab walks.
	m.Content = container.New(layout.NewBorderLayout(top, nil, left, nil), left, m.body, top)
	m.display(m.screens[0]) // the Bandeja read its list just now
	m.badge()
	return m
}

// show makes sc the screen shown.
func (m *Main) show(sc *screen) {
	if built := m.display(sc); !built { // a screen built just now has read its list
		m.reloadShown()
	}
}

// display puts sc on screen, building it if need be, and reports whether
// it built it.
func (m *Main) display(sc *screen) (built bool) {
	built = sc.content == nil
	if built {
		sc.content = sc.build()
	}
	if m.current != nil {
		m.current.button.Importance = widget.LowImportance
		m.current.button.Refresh()
	}
	m.current = sc
	sc.button.Importance = widget.MediumImportance
	sc.button.Refresh()
	m.body.Objects = []fyne.CanvasObject{sc.content}
	m.body.Refresh()
	for _, x := range m.screens {
		if x != sc {
			x.button.Importance = widget.LowImportance
			x.button.Refresh()
		}
	}
	if built && m.tablero != nil && sc.content == m.tablero.Content {
		m.tablero.start() // its first figures, now that all is laid out
	}
	return built
}

// focusList puts the focus on the list of the screen shown, if it has one.
func (m *Main) focusList() {
	var t fyne.Focusable = m.current.button
	switch {
	case m.current == m.screens[0]:
		t = m.Inbox.Cases.view
	case m.all != nil && m.current.content == m.all.Content:
		t = m.all.Cases.view
	}
	m.u.Win.Canvas().Focus(t)
}

// Selected returns the title of the screen shown.
func (m *Main) Selected() string { return m.current.title }

// Titles returns the titles of the side menu's entries, in order.
func (m *Main) Titles() []string {
	out := make([]string, len(m.screens))
	for i, sc := range m.screens {
		out[i] = sc.title
	}
	return out
}

// badge shows on the Bandeja's entry and in the window's title how many
// cases wait for the person.
func (m *Main) badge() {
	n := m.Inbox.Cases.Count
	b := m.screens[0].button
	title := lang.L("Trámites UIT") + " — " + m.u.User.Name
	if n > 0 {
		b.SetText(lang.L("Bandeja ({{.N}})", map[string]any{"N": n}))
		title = "(" + strconv.Itoa(n) + ") " + title
	} else {
		b.SetText(lang.L("Bandeja"))
	}
	m.u.Win.SetTitle(title)
}

// All returns the Trámites screen, building it on first use.
func (m *Main) All() *AllCases {
	if m.all == nil {
		m.all = newAllCases(m.u)
	}
	return m.all
}

// Procedures returns the Procedimientos screen, building it on first use.
func (m *Main) Procedures() *Procedures {
	if m.procedures == nil {
		m.procedures = newProcedures(m.u)
	}
	return m.procedures
}

// Outbox returns the Salida de correo screen, building it on first use.
func (m *Main) Outbox() *Outbox {
	if m.outbox == nil {
		m.outbox = newOutbox(m.u)
	}
	return m.outbox
}

// Tablero returns the Tablero screen, building it on first use.
func (m *Main) Tablero() *Tablero {
	if m.tablero == nil {
		m.tablero = newTablero(m.u)
	}
	return m.tablero
}

// Settings returns the Ajustes screen, building it on first use.
func (m *Main) Settings() *Settings {
	if m.settings == nil {
		m.settings = newSettings(m.u)
	}
	return m.settings
}

// Select shows the screen with the given (translated) title; false when
// the person has no such screen.
func (m *Main) Select(title string) bool {
	for _, sc := range m.screens {
		if sc.title == title {
			m.show(sc)
			return true
		}
	}
	return false
}

// reloadShown reads the list of the screen shown again, if it has one,
// and shows the count of the Bandeja as last read.
func (m *Main) reloadShown() {
	if r := m.current.reload; r != nil {
		r()
	}
	m.badge()
}

// refresh, after a change, reloads the list on the screen shown (its
// count and the page on screen) and counts the Bandeja for its badge. A
// list on another screen is read again when it is chosen, so a change
// costs one count (two off the Bandeja), not one per list built.
func (m *Main) refresh() {
	if m.current != m.screens[0] {
		m.Inbox.recount() // for the badge
	}
	m.reloadShown()
}

// Inbox is the Bandeja: the open cases waiting for the signed-in person.
// A case the person has not opened since it last changed is shown in bold;
// one that arrives while the client runs is announced by a desktop
// notification.
type Inbox struct {
	Cases   *CaseTable
	Summary *widget.Label
	// ToSign lists the documents the person must sign now.
	ToSign  *ToSign
	Content fyne.CanvasObject
	u       *UI
	seen    *seenCases
	// told holds the cases a notification announced, at the time of the
	// change it announced.
	told map[string]time.Time
}

func newInbox(u *UI) *Inbox {
	in := &Inbox{u: u, Cases: newCaseTable(u), Summary: widget.NewLabel(""), ToSign: newToSign(u),
		seen: loadSeen(u.App.Preferences(), u.User.ID), told: map[string]time.Time{}}
	in.Cases.highlight = in.IsNew
	in.Content = container.NewBorder(container.NewVBox(in.ToSign.Box, in.Summary), nil, nil, nil, in.Cases.view)
	a := u.User
	// Waiting for someone, a case is open: no Open filter, which the
	// stores' inbox indexes do not cover.
	if err := in.Cases.Query(procedure.CaseQuery{Inbox: &a}); err != nil {
		u.ShowError(err)
	}
	in.summarize()
	return in
}

func (in *Inbox) summarize() {
	switch in.Cases.Count {
	case 0:
		in.Summary.SetText(lang.L("No tiene trámites pendientes."))
	case 1:
		in.Summary.SetText(lang.L("1 trámite espera su acción."))
	default:
		in.Summary.SetText(lang.L("{{.N}} trámites esperan su acción.", map[string]any{"N": in.Cases.Count}))
	}
}

// recount counts the cases waiting again, for the badge, without reading
// their rows: the table is read again when the Bandeja shows.
func (in *Inbox) recount() {
	if err := in.Cases.p.reload(in.u.ctx); err != nil {
		in.u.ShowError(err)
		return
	}
	in.Cases.Count = in.Cases.p.n
	in.summarize()
}

func (in *Inbox) reload() {
	if err := in.Cases.Reload(); err != nil {
		in.u.ShowError(err)
	}
	in.summarize()
	in.ToSign.reload()
}

// IsNew reports whether the person has not opened case c since its last
// change.
func (in *Inbox) IsNew(c procedure.Case) bool { return in.seen.isNew(c.ID, c.UpdatedAt) }

// arrived looks at a case that changed: when it now waits for the person
// and someone else moved it there, the desktop tells so, once per change.
func (in *Inbox) arrived(id string) {
	u := in.u
	if u.Case != nil && u.Case.ID == id {
		return // on screen
	}
	f, err := u.s.Open(u.ctx, id)
	if err != nil || !procedure.WaitsFor(f.Case, u.User) {
		return
	}
	c := f.Case
	if n := len(f.History); n == 0 || f.History[n-1].ActorID == u.User.ID || !in.IsNew(c) || in.told[id].Equal(c.UpdatedAt) {
		return
	}
	in.told[id] = c.UpdatedAt
	what := c.ID + " — " + c.System
	d := f.Definition
	if d == nil {
		d, _ = u.s.Definition(c.Procedure)
	}
	if d != nil {
		if s, ok := d.Step(c.Step); ok {
			what += "\n" + stepText(d, c) + ": " + s.Activity
		}
	}
	u.App.SendNotification(fyne.NewNotification(lang.L("Nuevo trámite en su bandeja"), what))
}

// opened records that the person saw case c as it is.
func (in *Inbox) opened(c procedure.Case) { in.seen.saw(c.ID, c.UpdatedAt) }

// seenCases keeps, for one person, when each case they opened had last
// changed, in the client's preferences, so that a case stays new until
// opened across sessions. It keeps the latest maxSeen cases.
type seenCases struct {
	prefs fyne.Preferences
	key   string
	at    map[string]int64 // Unix nanoseconds
	order []string         // least recently seen first
}

const maxSeen = 500

func loadSeen(p fyne.Preferences, user string) *seenCases {
	s := &seenCases{prefs: p, key: "inbox.seen." + user, at: map[string]int64{}}
	for _, kv := range p.StringList(s.key) {
		id, at, ok := strings.Cut(kv, "@")
		n, err := strconv.ParseInt(at, 10, 64)
		if ok && err == nil {
			s.at[id] = n
			s.order = append(s.order, id)
		}
	}
	return s
}

func (s *seenCases) isNew(id string, changed time.Time) bool {
	at, ok := s.at[id]
	return !ok || changed.UnixNano() > at
}

func (s *seenCases) saw(id string, changed time.Time) {
	if !s.isNew(id, changed) {
		return
	}
	if _, ok := s.at[id]; ok {
		s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == id })
	}
	s.at[id] = changed.UnixNano()
	s.order = append(s.order, id)
	if n := len(s.order) - maxSeen; n > 0 {
		for _, old := range s.order[:n] {
			delete(s.at, old)
		}
		s.order = slices.Delete(s.order, 0, n)
	}
	list := make([]string, len(s.order))
	for i, id := range s.order {
		list[i] = id + "@" + strconv.FormatInt(s.at[id], 10)
	}
	s.prefs.SetStringList(s.key, list)
}
