package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/procedure"
)

// Login is the sign-in screen.
type Login struct {
	User     *widget.Entry
	Password *widget.Entry
	Submit   *widget.Button
	// Message shows why the last attempt failed.
	Message *widget.Label
	Content fyne.CanvasObject
}

func newLogin(u *UI) *Login {
	l := &Login{User: widget.NewEntry(), Password: widget.NewPasswordEntry(), Message: widget.NewLabel("")}
	l.User.SetPlaceHolder(lang.L("usuario"))
	l.Password.SetPlaceHolder(lang.L("contraseña"))
	l.Message.Importance = widget.DangerImportance
	l.Message.Wrapping = fyne.TextWrapWord
	submit := func() {
		user, pass := l.User.Text, l.Password.Text
		l.Submit.Disable()
		l.Message.SetText(lang.L("Verificando…"))
		background(u, func(ctx context.Context) (desk.Session, error) {
			return u.svc.SignIn(ctx, user, pass)
		}, func(s desk.Session, err error) {
			l.Submit.Enable()
			if err != nil {
				l.Message.SetText(procedure.ErrorMessage(err))
				l.Password.SetText("")
				return
			}
			l.Message.SetText("")
			u.signedIn(s)
		})
	}
	l.Submit = widget.NewButton(lang.L("Ingresar"), submit)
	l.Submit.Importance = widget.HighImportance
	l.Password.OnSubmitted = func(string) { submit() }
	l.User.OnSubmitted = func(string) { u.Win.Canvas().Focus(l.Password) }
	title := widget.NewLabel(lang.L("Trámites de la Unidad de Infraestructura Tecnológica"))
	title.TextStyle.Bold = true
	title.Alignment = fyne.TextAlignCenter
	sub := widget.NewLabel(lang.L("Manual UIT/ASS-M01: puesta en producción y actualización de sistemas"))
	sub.Alignment = fyne.TextAlignCenter
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Usuario"), l.User),
		widget.NewFormItem(lang.L("Contraseña"), l.Password),
	)
	box := container.NewVBox(title, sub, widget.NewSeparator(), form, l.Submit, l.Message)
	l.Content = container.NewCenter(container.NewGridWrap(fyne.NewSize(440, 320), box))
	return l
}
