package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The keyboard. Fyne hands a key without modifiers (Esc, Enter, F1, F5) to
// the focused widget alone, and to the canvas only when nothing is
// focused; a shortcut with Ctrl or Alt goes first to the window's main
// menu. So the main menu carries the shortcuts (Ctrl+F, Ctrl+N, Alt+Left),
// the canvas handles the keys when nothing is focused, and the widgets
// that take focus here (entry, button, caseTable) pass those keys to the
// UI before doing their own.

// Shortcuts of the client, as the main menu lists them.
var (
	ShortcutSearch  = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	ShortcutNew     = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	ShortcutBack    = &desktop.CustomShortcut{KeyName: fyne.KeyLeft, Modifier: fyne.KeyModifierAlt}
	ShortcutConfirm = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}
)

// Shortcut is one line of the "Atajos de teclado" dialog.
type Shortcut struct{ Keys, Does string }

// Shortcuts lists every key the client answers to, as the help dialog
// shows them.
func Shortcuts() []Shortcut {
	return []Shortcut{
		{"Ctrl+F", lang.L("Buscar trámites (número, cite, solicitante, unidad o sistema)")},
		{"Ctrl+N", lang.L("Nueva solicitud")},
		{"F5", lang.L("Actualizar")},
		{"Alt+←", lang.L("Volver a la lista")},
		{"Ctrl+1 … Ctrl+4", lang.L("En un trámite: Datos, Hoja de ruta, Documentos, Correos")},
		{"F1", lang.L("Atajos de teclado")},
		{"Tab / Mayús+Tab", lang.L("Pasar al campo siguiente / anterior (también desde un texto de varias líneas)")},
		{"Enter", lang.L("Abrir el trámite elegido en una tabla; pulsar el botón principal de un diálogo")},
		{"Ctrl+Enter", lang.L("Confirmar un diálogo desde un texto de varias líneas")},
		{"Espacio", lang.L("Pulsar el botón enfocado")},
		{"Esc", lang.L("Cerrar el diálogo abierto")},
	}
}

// key handles the keys the whole client answers to, whatever is focused;
// it reports whether it used ev.
func (u *UI) key(ev *fyne.KeyEvent) bool {
	switch ev.Name {
	case fyne.KeyEscape:
		if d := u.TopDialog(); d != nil {
			d.cancel()
			return true
		}
	case fyne.KeyF1:
		if u.Main != nil {
			u.ShowShortcuts()
			return true
		}
	case fyne.KeyF5:
		if u.Main != nil {
			u.Refresh()
			return true
		}
	}
	return false
}

// canvasKey gets the keys typed while nothing is focused: those of key,
// and Enter, which presses the default button of the open dialog.
func (u *UI) canvasKey(ev *fyne.KeyEvent) {
	if u.key(ev) {
		return
	}
	if ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter {
		if d := u.TopDialog(); d != nil && d.OK != nil {
			d.OK.OnTapped()
		}
	}
}

// shortcut handles the shortcuts a focused entry gets before the entry
// does: Ctrl+Enter confirms the open dialog.
func (u *UI) shortcut(s fyne.Shortcut) bool {
	if s.ShortcutName() == ShortcutConfirm.ShortcutName() {
		if d := u.TopDialog(); d != nil && d.OK != nil {
			d.OK.OnTapped()
			return true
		}
	}
	return false
}

// mainMenu is the menu bar of a signed-in person; its items carry the
// shortcuts, which the window matches before anything else.
func (u *UI) mainMenu() *fyne.MainMenu {
	search := fyne.NewMenuItem(lang.L("Buscar…"), u.Search)
	search.Shortcut = ShortcutSearch
	items := []*fyne.MenuItem{search}
	if u.Main != nil && u.Main.New != nil {
		nr := fyne.NewMenuItem(lang.L("Nueva solicitud"), u.NewRequest)
		nr.Shortcut = ShortcutNew
		items = append(items, nr)
	}
	refresh := fyne.NewMenuItem(lang.L("Actualizar"), u.Refresh)
	refresh.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF5}
	back := fyne.NewMenuItem(lang.L("Volver a la lista"), u.Back)
	back.Shortcut = ShortcutBack
	items = append(items, refresh, back, fyne.NewMenuItemSeparator())
	for i, title := range caseTabs() {
		it := fyne.NewMenuItem(title, func() { u.ShowCaseTab(i) })
		it.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyName(strconv.Itoa(i + 1)), Modifier: fyne.KeyModifierShortcutDefault}
		items = append(items, it)
	}
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem(lang.L("Cerrar sesión…"), u.ConfirmSignOut))
	help := fyne.NewMenuItem(lang.L("Atajos de teclado"), u.ShowShortcuts)
	help.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyF1}
	return fyne.NewMainMenu(fyne.NewMenu(lang.L("Trámites"), items...), fyne.NewMenu(lang.L("Ayuda"), help))
}

// Search shows the Trámites screen with the cursor in its search box.
func (u *UI) Search() {
	if u.Main == nil || u.TopDialog() != nil {
		return
	}
	if u.Case != nil {
		u.CloseCase()
	}
	u.Main.Select(lang.L("Trámites"))
	u.Win.Canvas().Focus(u.Main.All().search)
}

// NewRequest shows the Nueva solicitud screen with the cursor in its
// first field; nothing when the person may start no procedure.
func (u *UI) NewRequest() {
	if u.Main == nil || u.Main.New == nil || u.TopDialog() != nil {
		return
	}
	if u.Case != nil {
		u.CloseCase()
	}
	u.Main.Select(lang.L("Nueva solicitud"))
	if f := u.Main.New.Fields; f != nil && f.first != nil {
		u.Win.Canvas().Focus(f.first)
	}
}

// ShowCaseTab shows the i-th tab of the open case (Datos, Hoja de ruta,
// Documentos, Correos).
func (u *UI) ShowCaseTab(i int) {
	if u.Case != nil && u.TopDialog() == nil && i < len(u.Case.Tabs.Items) {
		u.Case.Tabs.SelectIndex(i)
	}
}

// Back goes from a case to the list it was opened from.
func (u *UI) Back() {
	if u.Case != nil && u.TopDialog() == nil {
		u.CloseCase()
	}
}

// Refresh reads again every list shown and the open case.
func (u *UI) Refresh() { u.changed("") }

// ShowShortcuts shows the "Atajos de teclado" dialog.
func (u *UI) ShowShortcuts() {
	if d := u.TopDialog(); d != nil && d.Title == lang.L("Atajos de teclado") {
		return
	}
	grid := container.NewGridWithColumns(2)
	for _, s := range Shortcuts() {
		grid.Add(bold(s.Keys))
		grid.Add(wrapLabel(s.Does))
	}
	u.showDialog(lang.L("Atajos de teclado"), container.NewVScroll(grid), lang.L("Cerrar"), "", nil, fyne.NewSize(640, 480))
}

// Dialog is an open dialog of the client: Esc presses Cancel (or OK when
// it has no Cancel), Enter OK.
type Dialog struct {
	Title   string
	OK      *widget.Button
	Cancel  *widget.Button
	Content fyne.CanvasObject
	d       dialog.Dialog
	u       *UI
}

// MinSize returns the smallest size the dialog can take.
func (d *Dialog) MinSize() fyne.Size { return d.d.MinSize() }

// Hide closes the dialog.
func (d *Dialog) Hide() { d.d.Hide() }

func (d *Dialog) cancel() {
	if d.Cancel != nil {
		d.Cancel.OnTapped()
		return
	}
	d.Hide()
}

// TopDialog returns the dialog in front, nil when none is open.
func (u *UI) TopDialog() *Dialog {
	if n := len(u.dialogs); n > 0 {
		return u.dialogs[n-1]
	}
	return nil
}

// showDialog shows content in a dialog with an OK button labelled ok, the
// default, which closes the dialog and runs onOK, and, when cancel is not
// empty, a Cancel button that closes it.
func (u *UI) showDialog(title string, content fyne.CanvasObject, ok, cancel string, onOK func(), size fyne.Size) *Dialog {
	d := u.newDialog(title, content, ok, cancel, func(d *Dialog) {
		d.Hide()
		if onOK != nil {
			onOK()
		}
	})
	if size.Width > 0 {
		d.d.Resize(size)
	}
	d.Show()
	return d
}

// newDialog builds a dialog whose OK button runs onOK (which closes it when
// it is done). Show shows it.
func (u *UI) newDialog(title string, content fyne.CanvasObject, ok, cancel string, onOK func(*Dialog)) *Dialog {
	d := &Dialog{Title: title, Content: content, u: u}
	okb := u.newButton(ok, nil, func() { onOK(d) })
	okb.Importance = widget.HighImportance
	d.OK = &okb.Button
	buttons := container.NewHBox()
	if cancel != "" {
		c := u.newButton(cancel, nil, d.Hide)
		d.Cancel = &c.Button
		buttons.Add(c)
	}
	buttons.Add(okb)
	body := container.NewBorder(nil, container.NewCenter(buttons), nil, nil, content)
	d.d = dialog.NewCustomWithoutButtons(title, body, u.Win)
	d.d.SetOnClosed(func() {
		u.forget(d)
	})
	return d
}

// forget takes a closed dialog off the stack of open ones.
func (u *UI) forget(d *Dialog) {
	for i, x := range u.dialogs {
		if x == d {
			u.dialogs = append(u.dialogs[:i], u.dialogs[i+1:]...)
			return
		}
	}
}

// Show shows the dialog in front of the others.
func (d *Dialog) Show() {
	d.u.dialogs = append(d.u.dialogs, d)
	d.d.Show()
	d.u.Win.Canvas().Unfocus() // keys go to the dialog: Esc, Enter
}

// info shows a message with an Aceptar button.
func (u *UI) info(title, msg string) *Dialog {
	return u.showDialog(title, wrapLabel(msg), lang.L("Aceptar"), "", nil, fyne.NewSize(480, 220))
}

// confirm asks before doing something: ok is the label of the button that
// does it, the default.
func (u *UI) confirm(title, msg, ok string, do func()) *Dialog {
	return u.showDialog(title, wrapLabel(msg), ok, lang.L("Cancelar"), do, fyne.NewSize(440, 200))
}

// ConfirmSignOut asks before signing out.
func (u *UI) ConfirmSignOut() {
	if u.Main == nil {
		return
	}
	u.confirm(lang.L("Cerrar sesión"), lang.L("¿Cerrar la sesión de {{.N}}?", map[string]any{"N": u.User.Name}),
		lang.L("Cerrar sesión"), u.SignOut)
}

// entry is a widget.Entry that leaves a multi-line text with Tab and
// Shift+Tab, and gives the client's keys (Esc, F1, F5, Ctrl+Enter) to the
// client before doing its own.
type entry struct {
	widget.Entry
	u *UI
}

func (u *UI) newEntry() *entry {
	e := &entry{u: u}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	return e
}

func (u *UI) newMultiLineEntry() *entry {
	e := &entry{u: u}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// newPasswordEntry is a masked entry with a button that shows and hides
// what it holds.
func (u *UI) newPasswordEntry() *entry {
	e := u.newEntry()
	e.Password = true
	var eye *widget.Button
	eye = widget.NewButtonWithIcon("", theme.VisibilityIcon(), func() {
		e.Password = !e.Password
		if e.Password {
			eye.SetIcon(theme.VisibilityIcon())
		} else {
			eye.SetIcon(theme.VisibilityOffIcon())
		}
		e.Refresh()
	})
	eye.Importance = widget.LowImportance
	e.ActionItem = eye
	return e
}

// InnerEntry returns the widget.Entry e extends.
func (e *entry) InnerEntry() *widget.Entry { return &e.Entry }

// AcceptsTab implements fyne.Tabbable: Tab always moves the focus.
func (e *entry) AcceptsTab() bool { return false }

// TypedKey implements fyne.Focusable.
func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if e.u.key(ev) {
		return
	}
	e.Entry.TypedKey(ev)
}

// TypedShortcut implements fyne.Shortcutable.
func (e *entry) TypedShortcut(s fyne.Shortcut) {
	if e.u.shortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// button is a widget.Button that Enter presses too, that keeps the focus
// when pressed from the keyboard, and that gives the client's keys to the
// client.
type button struct {
	widget.Button
	u *UI
}

func (u *UI) newButton(label string, icon fyne.Resource, tapped func()) *button {
	b := &button{u: u}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

// Inner returns the widget.Button b extends.
func (b *button) Inner() *widget.Button { return &b.Button }

// TypedKey implements fyne.Focusable.
func (b *button) TypedKey(ev *fyne.KeyEvent) {
	if b.u.key(ev) {
		return
	}
	switch ev.Name {
	case fyne.KeySpace, fyne.KeyReturn, fyne.KeyEnter:
		// Button.Tapped would take the focus off the button: the person
		// could not press Tab from where they were.
		if !b.Disabled() && b.OnTapped != nil {
			b.OnTapped()
		}
	}
}

// tipLayer lays the tooltip over the window's content. It is part of the
// content, not an overlay: it takes neither focus nor pointer.
type tipLayer struct {
	box   *fyne.Container
	owner fyne.CanvasObject
	text  *widget.Label
}

func newTipLayer() *tipLayer {
	t := &tipLayer{text: widget.NewLabel("")}
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.StrokeColor = theme.Color(theme.ColorNameShadow)
	bg.StrokeWidth = 1
	bg.CornerRadius = theme.InputRadiusSize()
	t.box = container.NewWithoutLayout(container.NewStack(bg, t.text))
	t.box.Hide()
	return t
}

// showTip shows text in a tooltip under owner.
func (u *UI) showTip(owner fyne.CanvasObject, text string) {
	t := u.tips
	t.owner = owner
	t.text.SetText(text)
	tip := t.box.Objects[0]
	size := tip.MinSize()
	win := u.Win.Canvas().Size()
	size.Width = min(size.Width, win.Width)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(owner)
	pos.Y += owner.Size().Height
	pos.X = max(0, min(pos.X, win.Width-size.Width))
	if pos.Y+size.Height > win.Height {
		pos.Y -= owner.Size().Height + size.Height
	}
	tip.Move(pos)
	tip.Resize(size)
	t.box.Show()
	t.box.Refresh()
}

// hideTip hides the tooltip of owner.
func (u *UI) hideTip(owner fyne.CanvasObject) {
	if u.tips.owner == owner {
		u.tips.owner = nil
		u.tips.box.Hide()
	}
}

// Tooltip returns the text of the tooltip shown, "" when none is.
func (u *UI) Tooltip() string {
	if !u.tips.box.Visible() {
		return ""
	}
	return u.tips.text.Text
}

// choice is a widget.Select that gives the client's keys (Esc, F1, F5) to
// the client before doing its own.
type choice struct {
	widget.Select
	u *UI
}

func (u *UI) newSelect(options []string) *choice {
	c := &choice{u: u}
	c.Options, c.PlaceHolder = options, lang.L("(elija)")
	c.ExtendBaseWidget(c)
	return c
}

// InnerSelect returns the widget.Select c extends.
func (c *choice) InnerSelect() *widget.Select { return &c.Select }

// TypedKey implements fyne.Focusable.
func (c *choice) TypedKey(ev *fyne.KeyEvent) {
	if c.u.key(ev) {
		return
	}
	c.Select.TypedKey(ev)
}

// checkBox is a widget.Check that gives the client's keys to the client
// before doing its own.
type checkBox struct {
	widget.Check
	u *UI
}

func (u *UI) newCheck(label string) *checkBox {
	c := &checkBox{u: u}
	c.Text = label
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey implements fyne.Focusable.
func (c *checkBox) TypedKey(ev *fyne.KeyEvent) {
	if c.u.key(ev) {
		return
	}
	c.Check.TypedKey(ev)
}
