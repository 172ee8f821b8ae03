package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/report"
)

// ToSign is the «Documentos por firmar» part of the Bandeja: what the
// signed-in person must sign now, each with its Firmar button. It hides
// when there is nothing to sign.
type ToSign struct {
	Box      *fyne.Container
	Title    *widget.Label
	Requests []report.SignRequest
	// Buttons are the Firmar buttons, one per request.
	Buttons []*widget.Button
	u       *UI
}

func newToSign(u *UI) *ToSign {
	ts := &ToSign{u: u, Title: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	ts.Box = container.NewVBox()
	ts.reload()
	return ts
}

func (ts *ToSign) reload() {
	rs, err := ts.u.s.ToSign(ts.u.ctx, "")
	if err != nil {
		ts.u.ShowError(err)
		return
	}
	ts.Requests, ts.Buttons = rs, nil
	ts.Box.Objects = nil
	if len(rs) == 0 {
		ts.Box.Hide()
		ts.Box.Refresh()
		return
	}
	ts.Title.SetText(lang.L("Documentos por firmar ({{.N}})", map[string]any{"N": len(rs)}))
	ts.Box.Add(ts.Title)
	for _, r := range rs {
		text := fmt.Sprintf("%s · %s v%d", r.CaseID, r.Label, r.Version)
		if r.Number != "" {
			text += " · " + r.Number
		}
		if r.System != "" {
			text += " · " + r.System
		}
		text += " · " + r.Caption
		b := widget.NewButtonWithIcon(lang.L("Firmar"), theme.DocumentCreateIcon(), func() { ts.u.ShowSign(r) })
		ts.Buttons = append(ts.Buttons, b)
		ts.Box.Add(container.NewBorder(nil, nil, nil, b, widget.NewLabel(text)))
	}
	ts.Box.Add(widget.NewSeparator())
	ts.Box.Show()
	ts.Box.Refresh()
}

// SignForm asks where the person's own identity is (a PKCS#12 file, or a
// PKCS#11 module and token) and its password or PIN, which is used once
// and kept nowhere; the other fields are remembered for next time.
type SignForm struct {
	Request report.SignRequest
	File    *widget.Entry
	Module  *widget.Entry
	Token   *widget.Entry
	Secret  *widget.Entry
	Dialog  dialog.Dialog
	u       *UI
}

// ShowSign opens the form that signs r with the person's own identity.
func (u *UI) ShowSign(r report.SignRequest) *SignForm {
	st := u.svc.Settings().Signer
	f := &SignForm{Request: r, u: u, File: widget.NewEntry(), Module: widget.NewEntry(), Token: widget.NewEntry(), Secret: widget.NewPasswordEntry()}
	f.File.SetText(st.File)
	f.Module.SetText(st.Module)
	f.Token.SetText(st.Token)
	f.File.SetPlaceHolder(lang.L("archivo PKCS#12 (.p12, .pfx) con su certificado"))
	f.Module.SetPlaceHolder(lang.L("o el controlador PKCS#11 de su token (.so, .dll)"))
	f.Token.SetPlaceHolder(lang.L("etiqueta del token"))
	f.Secret.SetPlaceHolder(lang.L("contraseña del archivo o PIN del token"))
	intro := wrapLabel(lang.L("Firma «{{.Label}}» v{{.Version}} del trámite {{.Case}} como «{{.Caption}}», con su propio certificado. La contraseña o el PIN no se guardan.",
		map[string]any{"Label": r.Label, "Version": r.Version, "Case": r.CaseID, "Caption": r.Caption}))
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Archivo"), f.File),
		widget.NewFormItem(lang.L("Token PKCS#11"), f.Module),
		widget.NewFormItem(lang.L("Etiqueta"), f.Token),
		widget.NewFormItem(lang.L("Contraseña o PIN"), f.Secret))
	f.Dialog = dialog.NewCustomConfirm(lang.L("Firmar documento"), lang.L("Firmar"), lang.L("Cancelar"),
		container.NewVBox(intro, form), func(ok bool) {
			if ok {
				f.Submit()
			}
		}, u.Win)
	f.Dialog.Resize(fyne.NewSize(640, 320))
	f.Dialog.Show()
	u.Sign = f
	return f
}

// Submit signs with what the form holds, off the UI goroutine, then
// refreshes the screens; an error is shown and nothing is kept.
func (f *SignForm) Submit() {
	u := f.u
	signer := desk.Signer{File: f.File.Text, Module: f.Module.Text, Token: f.Token.Text}
	secret := f.Secret.Text
	f.Secret.SetText("")
	f.Dialog.Hide()
	background(u, func(ctx context.Context) (struct{}, error) {
		id, done, err := signer.Open(secret)
		if err != nil {
			return struct{}{}, err
		}
		defer done()
		_, err = u.s.SignDocument(ctx, f.Request, id)
		return struct{}{}, err
	}, func(_ struct{}, err error) {
		if err != nil {
			u.ShowError(err)
			return
		}
		st := u.svc.Settings()
		if st.Signer != signer {
			st.Signer = signer
			if err := u.svc.SaveSettings(st); err != nil {
				u.ShowError(err)
			}
		}
		u.Main.refresh()
		if u.Case != nil && u.Case.ID == f.Request.CaseID {
			u.Case.reload()
		}
	})
}

// signatureLines says who has signed each document and who still must.
func signatureLines(sigs []report.DocumentSignatures) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, d := range sigs {
		head := lang.L("Firmas de «{{.Label}}» v{{.Version}}", map[string]any{"Label": d.Label, "Version": d.Version})
		out = append(out, widget.NewLabelWithStyle(head, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, s := range d.Signatures {
			var line string
			if s.Signed {
				line = lang.L("✔ {{.Caption}}: {{.Name}}, firmó con el certificado de {{.Signer}}", map[string]any{"Caption": s.Caption, "Name": s.ActorName, "Signer": s.Signer})
				if s.Development {
					line += " — " + lang.L("identidad de desarrollo: no válida legalmente")
				}
			} else {
				line = lang.L("… {{.Caption}}: {{.Name}}, falta su firma", map[string]any{"Caption": s.Caption, "Name": s.ActorName})
			}
			out = append(out, wrapLabel(line))
		}
	}
	return out
}
