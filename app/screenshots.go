package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/lang"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/app/internal/ui"
)

// Screens are the names of the PNG files -screenshot-dir writes, in order.
var Screens = []string{"01-ingreso", "02-bandeja", "03-tramites", "04-tramite", "05-nueva-solicitud", "06-procedimientos", "07-salida-de-correo", "08-ajustes",
	"09-tramite-correos", "10-dialogo-con-comentario", "11-tablero"}

// ShotSize is the size of the window in the screenshots: the smallest
// screen the client must fit.
var ShotSize = fyne.NewSize(1024, 700)

// Blank reports whether every pixel of img has the same colour.
func Blank(img image.Image) bool {
	b := img.Bounds()
	if b.Empty() {
		return true
	}
	r0, g0, b0, a0 := img.At(b.Min.X, b.Min.Y).RGBA()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			if r != r0 || g != g0 || bl != b0 || a != a0 {
				return false
			}
		}
	}
	return true
}

// softwareCapture renders the window's content and open dialogs with the
// software painter at the window's size, and gives the content back to the
// window.
func softwareCapture(w fyne.Window) image.Image {
	content, size := w.Content(), w.Canvas().Size()
	c := software.NewCanvas()
	c.SetContent(content)
	c.Resize(size)
	overlays := w.Canvas().Overlays().List() // the open dialogs
	for _, o := range overlays {
		c.Overlays().Add(o)
	}
	img := c.Capture()
	for _, o := range overlays {
		c.Overlays().Remove(o)
	}
	w.SetContent(content)
	return img
}

// requester is the demo member of a requesting unit who files the request
// shown in the "Nueva solicitud" screenshot.
const requester = "ana"

// jefe is the demo Jefe de la UIT, shown in the "Salida de correo"
// screenshot when the chosen user does not manage the outbox.
const jefe = "carla"

// signIn signs in as a demo user through the sign-in screen and waits for
// the main screen.
func signIn(u *ui.UI, user string) error {
	fyne.DoAndWait(func() {
		u.Login.User.SetText(user)
		u.Login.Password.SetText(desk.DemoPassword(user))
		u.Login.Submit.OnTapped()
	})
	for i := 0; ; i++ {
		var ok bool
		var msg string
		fyne.DoAndWait(func() { ok, msg = u.Main != nil, u.Login.Message.Text })
		if ok {
			return nil
		}
		if i > 100 {
			return fmt.Errorf("sign in as %s: %s", user, msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshots drives the real window from another goroutine: it signs in
// as user, shows each main screen and writes it to dir as PNG.
func screenshots(u *ui.UI, dir, user string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	shot := func(name string) error {
		time.Sleep(400 * time.Millisecond) // let the window draw the new content
		var img image.Image
		fyne.DoAndWait(func() { img = u.Win.Canvas().Capture() })
		if Blank(img) {
			// Some GL stacks (Mesa under Xvfb) read back an empty front
			// buffer: draw the same content with fyne's software painter.
			fyne.DoAndWait(func() { img = softwareCapture(u.Win) })
			fmt.Fprintf(os.Stderr, "tramite: %s: GL capture was blank, drawn with the software painter\n", name)
		}
		f, err := os.Create(filepath.Join(dir, name+".png"))
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	fyne.DoAndWait(func() { u.Win.Resize(ShotSize) })
	time.Sleep(time.Second) // the window opens
	if err := shot(Screens[0]); err != nil {
		return err
	}
	if err := signIn(u, user); err != nil {
		return err
	}
	if err := shot(Screens[1]); err != nil {
		return err
	}
	steps := []struct {
		name string
		do   func()
	}{
		{Screens[2], func() { u.Main.Select(lang.L("Trámites")) }},
		{Screens[3], func() {
			c, ok := u.Main.Inbox.Cases.Case(0)
			if !ok {
				c, ok = u.Main.All().Cases.Case(0)
			}
			if ok {
				u.OpenCase(c.ID)
			}
		}},
		{Screens[4], func() {
			if u.Case != nil {
				u.CloseCase()
			}
			u.Main.Select(lang.L("Nueva solicitud"))
		}},
		{Screens[5], func() {
			u.Main.Select(lang.L("Procedimientos"))
			p := u.Main.Procedures()
			if inner, ok := p.Tabs.Items[0].Content.(interface{ SelectIndex(int) }); ok {
				inner.SelectIndex(1) // the state diagram
			}
		}},
		{Screens[6], func() { u.Main.Select(lang.L("Salida de correo")) }},
		{Screens[7], func() { u.Main.Select(lang.L("Ajustes")) }},
		{Screens[8], func() { // the case's mail view
			c, ok := u.Main.Inbox.Cases.Case(0)
			if !ok {
				c, ok = u.Main.All().Cases.Case(0)
			}
			if ok {
				if cv := u.OpenCase(c.ID); cv != nil {
					cv.Tabs.SelectIndex(3)
				}
			}
		}},
		{Screens[10], func() { // the tablero, before the dialog that stays open
			if u.Case != nil {
				u.CloseCase()
			}
			u.Main.Select(lang.L("Tablero"))
		}},
		{Screens[9], func() { actionDialog(u) }},
	}
	// Some screens are only some people's: only the requesting unit files
	// requests, only the Jefe and the administrator see the outbox, only
	// the Jefe and the Responsable the tablero. Show them as a demo person
	// who has them when user has not.
	owners := map[string]struct{ tab, user string }{
		Screens[4]:  {lang.L("Nueva solicitud"), requester},
		Screens[6]:  {lang.L("Salida de correo"), jefe},
		Screens[10]: {lang.L("Tablero"), jefe},
	}
	for _, s := range steps {
		if o, ok := owners[s.name]; ok {
			var can bool
			fyne.DoAndWait(func() { can = u.Main.Select(o.tab) })
			if !can {
				fyne.DoAndWait(u.SignOut)
				if err := signIn(u, o.user); err != nil {
					return err
				}
			}
		}
		fyne.DoAndWait(s.do)
		u.Wait() // what the screen computes off the UI goroutine (the tablero)
		if err := shot(s.name); err != nil {
			return err
		}
	}
	return nil
}

// actionDialog opens the form of the first action the signed-in person may
// take on a case of their inbox, with a comment typed in it.
func actionDialog(u *ui.UI) {
	u.Main.Select(lang.L("Bandeja"))
	for i := 0; i < u.Main.Inbox.Cases.Count; i++ {
		c, ok := u.Main.Inbox.Cases.Case(i)
		if !ok {
			return
		}
		cv := u.OpenCase(c.ID)
		if cv == nil {
			continue
		}
		for _, ev := range cv.Def.Events {
			if _, ok := cv.Actions[ev.Name]; ok && !ev.Extension {
				if af := cv.Open(ev.Name); af != nil {
					af.Comment.SetText(lang.L("Revisado; se continúa con el trámite según el manual."))
				}
				return
			}
		}
	}
}
