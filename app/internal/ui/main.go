package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/procedure"
)

// Main is the set of screens a signed-in person moves between.
type Main struct {
	Tabs       *container.AppTabs
	Inbox      *Inbox
	All        *AllCases
	New        *NewRequest // nil when the person may start no procedure
	Procedures *Procedures
	Outbox     *Outbox
	Settings   *Settings
	SignOut    *widget.Button
	Content    fyne.CanvasObject
}

func newMain(u *UI) *Main {
	m := &Main{Inbox: newInbox(u), All: newAllCases(u), Procedures: newProcedures(u), Outbox: newOutbox(u), Settings: newSettings(u)}
	m.Tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("Bandeja"), theme.MailComposeIcon(), m.Inbox.Content),
		container.NewTabItemWithIcon(lang.L("Trámites"), theme.ListIcon(), m.All.Content),
	)
	for _, d := range u.svc.Engine().Definitions() {
		if u.svc.Engine().CanStart(u.User, d.Code) {
			m.New = newRequest(u)
			m.Tabs.Append(container.NewTabItemWithIcon(lang.L("Nueva solicitud"), theme.ContentAddIcon(), m.New.Content))
			break
		}
	}
	m.Tabs.Append(container.NewTabItemWithIcon(lang.L("Procedimientos"), theme.InfoIcon(), m.Procedures.Content))
	m.Tabs.Append(container.NewTabItemWithIcon(lang.L("Salida de correo"), theme.MailSendIcon(), m.Outbox.Content))
	m.Tabs.Append(container.NewTabItemWithIcon(lang.L("Ajustes"), theme.SettingsIcon(), m.Settings.Content))
	m.Tabs.SetTabLocation(container.TabLocationLeading)
	m.Tabs.OnSelected = func(*container.TabItem) { m.refresh() }
	who := bold(u.User.Name)
	roles := widget.NewLabel(roleLabels(u.User))
	m.SignOut = widget.NewButtonWithIcon(lang.L("Cerrar sesión"), theme.LogoutIcon(), u.SignOut)
	top := container.NewBorder(nil, nil, container.NewHBox(who, roles), m.SignOut)
	m.Content = container.NewBorder(container.NewVBox(top, widget.NewSeparator()), nil, nil, nil, m.Tabs)
	m.refresh()
	return m
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

// refresh reloads the lists.
func (m *Main) refresh() {
	m.Inbox.reload()
	m.All.reload()
	m.Outbox.reload()
}

// Inbox is the Bandeja: the open cases waiting for the signed-in person.
type Inbox struct {
	Cases   *CaseTable
	Summary *widget.Label
	Content fyne.CanvasObject
	u       *UI
}

func newInbox(u *UI) *Inbox {
	in := &Inbox{u: u, Cases: newCaseTable(u), Summary: widget.NewLabel("")}
	in.Content = container.NewBorder(in.Summary, nil, nil, nil, in.Cases.Table)
	a := u.User
	if err := in.Cases.Query(procedure.CaseQuery{Inbox: &a, Open: true}); err != nil {
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
}
