package ui

import (
	"context"
	"time"

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
	// Message shows why the last attempt failed, or how long to wait.
	Message *widget.Label
	// OnCountdown, when set, is called on the UI goroutine with each
	// number of seconds the screen shows while the person must wait, and
	// with 0 when they may try again (tests follow the countdown with it).
	OnCountdown func(secs int)
	Content     fyne.CanvasObject
}

func newLogin(u *UI) *Login {
	l := &Login{User: widget.NewEntry(), Password: widget.NewPasswordEntry(), Message: widget.NewLabel("")}
	l.User.SetPlaceHolder(lang.L("usuario"))
	l.Password.SetPlaceHolder(lang.L("contraseña"))
	l.Message.Importance = widget.DangerImportance
	l.Message.Wrapping = fyne.TextWrapWord
	submit := func() {
		if l.Submit.Disabled() {
			return // checking, or waiting after repeated failures
		}
		user, pass := l.User.Text, l.Password.Text
		l.Submit.Disable()
		l.Message.Importance = widget.MediumImportance
		l.Message.SetText(lang.L("Verificando…"))
		background(u, func(ctx context.Context) (desk.Session, error) {
			return u.svc.SignIn(ctx, user, pass)
		}, func(s desk.Session, err error) {
			l.Submit.Enable()
			if err != nil {
				l.Password.SetText("")
				if d, ok := desk.RetryAfter(err); ok {
					l.countdown(u, d)
					return
				}
				l.Message.Importance = widget.DangerImportance
				l.Message.SetText(procedure.ErrorMessage(err))
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

// countdown disables Ingresar for d after the sign-in was refused for
// repeated failures, saying how many seconds remain, second by second.
func (l *Login) countdown(u *UI, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	show := func(n int) {
		if n > 0 {
			l.Message.Importance = widget.WarningImportance
			l.Message.SetText(lang.L("Demasiados intentos fallidos. Por seguridad, espere {{.N}} s para volver a intentar.", map[string]any{"N": n}))
			l.Submit.Disable()
		} else {
			l.Message.Importance = widget.MediumImportance
			l.Message.SetText(lang.L("Ya puede volver a intentar."))
			l.Submit.Enable()
		}
		if l.OnCountdown != nil {
			l.OnCountdown(n)
		}
	}
	show(secs)
	ctx := u.ctx
	u.jobs.Add(1)
	go func() {
		defer u.jobs.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for n := secs - 1; n >= 0; n-- {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			fyne.Do(func() {
				if ctx.Err() == nil && u.Login == l {
					show(n)
				}
			})
		}
	}()
}
