package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/desk"
)

// Settings is the Ajustes screen: the SMTP server, the signing identity,
// the institution header and the database.
type Settings struct {
	SMTPHost, SMTPPort, SMTPUser, SMTPPassword, MailFrom *widget.Entry
	SMTPSecurity                                         *widget.Select
	SigningCert, SigningKey                              *widget.Entry
	Institution, Unit, City                              *widget.Entry
	Database                                             *widget.Entry
	// Server is the address of the agency's tramite server.
	Server *widget.Entry
	// TimeZone is the zone times are shown in (America/La_Paz).
	TimeZone       *widget.Entry
	Save, TestSMTP *widget.Button
	// Status tells the outcome of the last save or SMTP test.
	Status  *widget.Label
	Content fyne.CanvasObject

	u *UI
}

func newSettings(u *UI) *Settings {
	// The fields are the client's own widgets (Esc, F1 and F5 reach the
	// client from them); shown maps each to what the form lays out.
	shown := map[fyne.CanvasObject]fyne.CanvasObject{}
	field := func() *widget.Entry {
		e := u.newEntry()
		shown[&e.Entry] = e
		return &e.Entry
	}
	password := u.newPasswordEntry()
	shown[&password.Entry] = password
	security := u.newSelect([]string{"starttls", "tls", "none"})
	shown[&security.Select] = security
	s := &Settings{u: u, SMTPHost: field(), SMTPPort: field(), SMTPUser: field(), SMTPPassword: &password.Entry, MailFrom: field(),
		SMTPSecurity: &security.Select, SigningCert: field(), SigningKey: field(), Institution: field(), Unit: field(), City: field(),
		Database: field(), Server: field(), TimeZone: field(), Status: wrapLabel("")}
	w := func(o fyne.CanvasObject) fyne.CanvasObject { return shown[o] }
	s.TimeZone.SetPlaceHolder(desk.DefaultTimeZone)
	s.SigningCert.SetPlaceHolder(lang.L("certificado PEM del firmante"))
	s.SigningKey.SetPlaceHolder(lang.L("clave privada PEM del firmante"))
	s.Database.SetPlaceHolder(lang.L("archivo SQLite o URL postgres:// (se aplica al reiniciar)"))
	s.Server.SetPlaceHolder(lang.L("https://… del servidor de trámites de la institución (se aplica al reiniciar)"))
	save, test := u.newButton(lang.L("Guardar"), nil, s.save), u.newButton(lang.L("Probar conexión SMTP"), nil, s.testSMTP)
	s.Save, s.TestSMTP = &save.Button, &test.Button
	s.Save.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Servidor SMTP"), w(s.SMTPHost)),
		widget.NewFormItem(lang.L("Puerto"), w(s.SMTPPort)),
		widget.NewFormItem(lang.L("Seguridad"), w(s.SMTPSecurity)),
		widget.NewFormItem(lang.L("Usuario SMTP"), w(s.SMTPUser)),
		widget.NewFormItem(lang.L("Contraseña SMTP"), w(s.SMTPPassword)),
		widget.NewFormItem(lang.L("Remitente"), w(s.MailFrom)),
		widget.NewFormItem(lang.L("Certificado de firma"), w(s.SigningCert)),
		widget.NewFormItem(lang.L("Clave de firma"), w(s.SigningKey)),
		widget.NewFormItem(lang.L("Institución"), w(s.Institution)),
		widget.NewFormItem(lang.L("Unidad"), w(s.Unit)),
		widget.NewFormItem(lang.L("Ciudad"), w(s.City)),
		widget.NewFormItem(lang.L("Base de datos"), w(s.Database)),
	)
	s.load(u.svc.Settings())
	if r, ok := u.svc.(interface{ Remote() bool }); ok && r.Remote() {
		// On a server, mail, signatures and the database are the server's.
		note := wrapLabel(lang.L("Este escritorio trabaja con el servidor de trámites de la institución: el correo, las firmas y la base de datos los administra el servidor."))
		s.Content = container.NewVScroll(container.NewVBox(note,
			widget.NewForm(widget.NewFormItem(lang.L("Servidor de trámites"), w(s.Server)), widget.NewFormItem(lang.L("Zona horaria"), w(s.TimeZone))),
			container.NewHBox(save), s.Status))
		return s
	}
	form.Append(lang.L("Servidor de trámites"), w(s.Server))
	form.Append(lang.L("Zona horaria"), w(s.TimeZone))
	s.Content = container.NewVScroll(container.NewVBox(form, container.NewHBox(save, test), s.Status))
	return s
}

func (s *Settings) load(st desk.Settings) {
	s.SMTPHost.SetText(st.SMTPHost)
	s.SMTPPort.SetText(strconv.Itoa(st.SMTPPort))
	s.SMTPUser.SetText(st.SMTPUser)
	s.SMTPPassword.SetText(st.SMTPPassword)
	s.SMTPSecurity.SetSelected(st.SMTPSecurity)
	s.MailFrom.SetText(st.MailFrom)
	s.SigningCert.SetText(st.SigningCert)
	s.SigningKey.SetText(st.SigningKey)
	s.Institution.SetText(st.Institution)
	s.Unit.SetText(st.Unit)
	s.City.SetText(st.City)
	s.Database.SetText(st.Database)
	s.Server.SetText(st.Server)
	s.TimeZone.SetText(st.TimeZone)
}

// Value returns the settings as entered; ok is false for a port that is
// not a number.
func (s *Settings) Value() (desk.Settings, bool) {
	port, err := strconv.Atoi(s.SMTPPort.Text)
	return desk.Settings{SMTPHost: s.SMTPHost.Text, SMTPPort: port, SMTPUser: s.SMTPUser.Text, SMTPPassword: s.SMTPPassword.Text,
		SMTPSecurity: s.SMTPSecurity.Selected, MailFrom: s.MailFrom.Text, SigningCert: s.SigningCert.Text, SigningKey: s.SigningKey.Text,
		Institution: s.Institution.Text, Unit: s.Unit.Text, City: s.City.Text, Database: s.Database.Text, Server: s.Server.Text,
		TimeZone: strings.TrimSpace(s.TimeZone.Text)}, err == nil
}

func (s *Settings) save() {
	st, ok := s.Value()
	if !ok {
		s.u.ShowError(errPort)
		return
	}
	if err := s.u.svc.SaveSettings(st); err != nil {
		s.u.ShowError(err)
		return
	}
	s.u.zone = st.Location()
	s.Status.SetText(lang.L("Ajustes guardados. La base de datos y el servidor cambian al reiniciar el cliente."))
}

// testSMTP tries the SMTP server off the UI goroutine.
func (s *Settings) testSMTP() {
	st, ok := s.Value()
	if !ok {
		s.u.ShowError(errPort)
		return
	}
	s.TestSMTP.Disable()
	s.Status.SetText(lang.L("Probando la conexión con {{.H}}…", map[string]any{"H": st.SMTPHost}))
	background(s.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.u.svc.TestSMTP(ctx, st)
	}, func(_ struct{}, err error) {
		s.TestSMTP.Enable()
		if err != nil {
			s.Status.SetText(lang.L("La conexión SMTP falló."))
			s.u.ShowError(err)
			return
		}
		s.Status.SetText(lang.L("Conexión SMTP correcta."))
		s.u.info(lang.L("SMTP"), lang.L("Conexión SMTP correcta."))
	})
}
