package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// Main is the set of screens a signed-in person moves between. The
// Bandeja is built at once; the other screens when first shown.
type Main struct {
	Tabs    *container.AppTabs
	Inbox   *Inbox
	New     *NewRequest // nil when the person may start no procedure
	SignOut *widget.Button
	Content fyne.CanvasObject

	u          *UI
	all        *AllCases
	procedures *Procedures
	outbox     *Outbox
	settings   *Settings
	lazy       map[*container.TabItem]func() fyne.CanvasObject
	// lists reloads the list a tab shows, once built.
	lists map[*container.TabItem]func()
}

func newMain(u *UI) *Main {
	m := &Main{u: u, Inbox: newInbox(u), lazy: map[*container.TabItem]func() fyne.CanvasObject{},
		lists: map[*container.TabItem]func(){}}
	inbox := container.NewTabItemWithIcon(lang.L("Bandeja"), theme.MailComposeIcon(), m.Inbox.Content)
	m.lists[inbox] = m.Inbox.reload
	m.Tabs = container.NewAppTabs(inbox)
	add := func(title string, icon fyne.Resource, build func() fyne.CanvasObject) *container.TabItem {
		t := container.NewTabItemWithIcon(title, icon, widget.NewLabel(""))
		m.lazy[t] = build
		m.Tabs.Append(t)
		return t
	}
	all := add(lang.L("Trámites"), theme.ListIcon(), func() fyne.CanvasObject { return m.All().Content })
	m.lists[all] = func() { m.All().reload() }
	for _, d := range u.s.Definitions() {
		if u.s.CanStart(d.Code) {
			m.New = newRequest(u)
			m.Tabs.Append(container.NewTabItemWithIcon(lang.L("Nueva solicitud"), theme.ContentAddIcon(), m.New.Content))
			break
		}
	}
	add(lang.L("Procedimientos"), theme.InfoIcon(), func() fyne.CanvasObject { return m.Procedures().Content })
	if u.s.CanSeeOutbox() {
		out := add(lang.L("Salida de correo"), theme.MailSendIcon(), func() fyne.CanvasObject { return m.Outbox().Content })
		m.lists[out] = func() { m.Outbox().refresh() }
	}
	add(lang.L("Ajustes"), theme.SettingsIcon(), func() fyne.CanvasObject { return m.Settings().Content })
	m.Tabs.SetTabLocation(container.TabLocationLeading)
	m.Tabs.OnSelected = func(t *container.TabItem) {
		if build := m.lazy[t]; build != nil {
			delete(m.lazy, t)
			t.Content = build()
			m.Tabs.Refresh()
			return // read just now
		}
		m.refresh()
	}
	who := bold(u.User.Name)
	roles := widget.NewLabel(roleLabels(u.s.Definitions(), u.User))
	m.SignOut = widget.NewButtonWithIcon(lang.L("Cerrar sesión"), theme.LogoutIcon(), u.SignOut)
	top := container.NewBorder(nil, nil, container.NewHBox(who, roles), m.SignOut)
	m.Content = container.NewBorder(container.NewVBox(top, widget.NewSeparator()), nil, nil, nil, m.Tabs)
	return m
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

// Settings returns the Ajustes screen, building it on first use.
func (m *Main) Settings() *Settings {
	if m.settings == nil {
		m.settings = newSettings(m.u)
	}
	return m.settings
}

// Select shows the tab with the given (translated) title.
func (m *Main) Select(title string) bool {
	for _, t := range m.Tabs.Items {
		if t.Text == title {
			m.Tabs.Select(t)
			return true
		}
	}
	return false
}

// refresh reloads the list on the tab shown: its count and the page on
// screen. A list on another tab is read again when its tab is chosen, so a
// change costs one count, not one per list built.
func (m *Main) refresh() {
	if reload := m.lists[m.Tabs.Selected()]; reload != nil {
		reload()
	}
}

// Inbox is the Bandeja: the open cases waiting for the signed-in person.
type Inbox struct {
	Cases   *CaseTable
	Summary *widget.Label
	// ToSign lists the documents the person must sign now.
	ToSign  *ToSign
	Content fyne.CanvasObject
	u       *UI
}

func newInbox(u *UI) *Inbox {
	in := &Inbox{u: u, Cases: newCaseTable(u), Summary: widget.NewLabel(""), ToSign: newToSign(u)}
	in.Content = container.NewBorder(container.NewVBox(in.ToSign.Box, in.Summary), nil, nil, nil, in.Cases.Table)
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

func (in *Inbox) reload() {
	if err := in.Cases.Reload(); err != nil {
		in.u.ShowError(err)
	}
	in.summarize()
	in.ToSign.reload()
}
