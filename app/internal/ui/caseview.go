package ui

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tramite/tramite/app/internal/desk"
	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
)

// CaseView shows one case: its stepper, its data, the hoja de ruta, its
// documents and emails, and the actions the signed-in person may take now.
type CaseView struct {
	ID   string
	Case procedure.Case
	Def  *procedure.Definition

	Title     *widget.Label
	Subtitle  *widget.Label
	Stepper   *Stepper
	StepLabel *widget.Label
	// Actions holds a button per event the person may fire now; only
	// those exist.
	Actions   map[procedure.EventName]*widget.Button
	Tabs      *container.AppTabs
	Timeline  *fyne.Container
	Documents *fyne.Container
	Emails    *fyne.Container
	Data      *widget.Form
	// Reveal shows the step 1 secrets, and once shown hides them; nil
	// unless the person is the assigned profesional and the case has
	// secrets.
	Reveal *widget.Button
	// Secrets holds the revealed secrets, in masked entries with a button
	// that unmasks them; nil while they are hidden. They stay shown, through
	// every refresh of the case, until the person hides them.
	Secrets map[string]*widget.Entry
	// SaveInstead is the "Guardar como…" of the dialog shown when a file
	// could not be opened; nil until then.
	SaveInstead *widget.Button
	// SaveDialog is the file dialog of the last "Guardar como…", nil
	// before one.
	SaveDialog *dialog.FileDialog
	// Sign has a Firmar button per document of the case the person must
	// sign now; ToSign are those documents.
	Sign   []*widget.Button
	ToSign []report.SignRequest
	// SecretsForm lays out Secrets, nil while they are hidden.
	SecretsForm *widget.Form
	// DataView scrolls the Datos tab, where the credentials show.
	DataView *container.Scroll
	// Form is the open action form, nil when none.
	Form    *ActionForm
	Content fyne.CanvasObject

	u          *UI
	actionsBox *fyne.Container
	secretsBox *fyne.Container
	docs       []procedure.Document
	atts       []procedure.Attachment
	hist       []procedure.Entry
	mails      []procedure.OutboxItem
	// messages are the emails read while the Correos tab showed, by item
	// ID, for messagesDocs documents (read again when more are stored).
	messages     map[string]desk.Message
	messagesDocs int
	emailsTab    fyne.CanvasObject
	sigs         []report.DocumentSignatures
	hasSecrets   bool
	back         *button
	revealBtn    *button
	// revealed holds the secrets the person asked to see, until hidden.
	revealed map[string]string
}

// caseTabs are the titles of a case's tabs, in order (Ctrl+1… shows them).
func caseTabs() []string {
	return []string{lang.L("Datos"), lang.L("Hoja de ruta"), lang.L("Documentos"), lang.L("Correos")}
}

func newCaseView(u *UI, id string) (*CaseView, error) {
	cv := &CaseView{ID: id, u: u, Title: bold(""), Subtitle: wrapLabel(""), StepLabel: wrapLabel(""),
		Stepper: newStepper(), actionsBox: container.NewHBox(), Timeline: container.NewVBox(),
		Documents: container.NewVBox(), Emails: container.NewVBox(), Data: widget.NewForm(), secretsBox: container.NewVBox()}
	cv.Title.Wrapping = fyne.TextWrapWord // a system's name may be long
	cv.back = u.newButton(lang.L("Volver"), theme.NavigateBackIcon(), u.CloseCase)
	back := cv.back
	cv.DataView = container.NewVScroll(container.NewVBox(cv.Data, cv.secretsBox))
	tabs := caseTabs()
	cv.Tabs = container.NewAppTabs(
		container.NewTabItem(tabs[0], cv.DataView),
		container.NewTabItem(tabs[1], container.NewVScroll(cv.Timeline)),
		container.NewTabItem(tabs[2], container.NewVScroll(cv.Documents)),
		container.NewTabItem(tabs[3], container.NewVScroll(cv.Emails)),
	)
	cv.emailsTab = cv.Tabs.Items[3].Content
	cv.Tabs.OnSelected = func(t *container.TabItem) {
		if t.Content == cv.emailsTab {
			cv.fillEmails(cv.mails) // read the emails now they show
		}
	}
	head := container.NewVBox(
		container.NewBorder(nil, nil, container.NewVBox(back), nil, container.NewVBox(cv.Title, cv.Subtitle)),
		cv.Stepper, cv.StepLabel,
		container.NewHScroll(cv.actionsBox),
		widget.NewSeparator())
	cv.Content = container.NewBorder(head, nil, nil, nil, cv.Tabs)
	if err := cv.load(); err != nil {
		return nil, err
	}
	return cv, nil
}

// reload reads the case again; errors are shown.
func (cv *CaseView) reload() {
	if err := cv.load(); err != nil {
		cv.u.ShowError(err)
	}
}

func (cv *CaseView) load() error {
	u := cv.u
	f, err := u.s.Open(u.ctx, cv.ID)
	if err != nil {
		return err
	}
	c, avail, hist, mails := f.Case, f.Available, f.History, f.Emails
	d := f.Definition
	if d == nil {
		if d, err = u.s.Definition(c.Procedure); err != nil {
			return err
		}
	}
	toSign, err := u.s.ToSign(u.ctx, cv.ID)
	if err != nil {
		return err
	}
	cv.Case, cv.Def, cv.docs, cv.atts, cv.hist, cv.sigs, cv.hasSecrets, cv.ToSign = c, d, f.Documents, f.Attachments, hist, f.Signatures, f.HasSecrets, toSign
	if u.Main != nil {
		u.Main.Inbox.opened(c) // seen as it is now, after the person's own actions too
	}
	cv.Title.SetText(c.ID + " — " + c.System)
	sub := c.Procedure + " · " + d.StateLabel(c.State) + " · " + c.Unit
	if c.Assignee != "" {
		if a, err := u.s.Person(u.ctx, c.Assignee); err == nil {
			sub += " · " + lang.L("Profesional asignado: {{.N}}", map[string]any{"N": a.Name})
		}
	}
	cv.Subtitle.SetText(sub)
	cv.Stepper.Set(d, c, hist)
	if s, ok := d.Step(c.Step); ok && c.Step > 0 {
		who := d.RoleLabel(c.WaitingRole)
		cv.StepLabel.SetText(stepText(d, c) + ": " + s.Activity + " (" + who + ")")
	} else {
		cv.StepLabel.SetText(lang.L("Trámite concluido: {{.S}}", map[string]any{"S": d.StateLabel(c.State)}))
	}
	cv.fillActions(avail)
	cv.fillData(c)
	cv.fillTimeline(d, hist)
	cv.fillDocuments()
	cv.fillEmails(mails)
	cv.fillSecrets(c)
	return nil
}

func (cv *CaseView) fillActions(avail []procedure.EventDef) {
	cv.Actions = map[procedure.EventName]*widget.Button{}
	cv.actionsBox.Objects = nil
	if len(avail) == 0 {
		cv.actionsBox.Add(widget.NewLabel(lang.L("No tiene acciones pendientes en este trámite.")))
	}
	for _, ev := range avail {
		label := ev.Label
		if ev.Extension {
			label += " " + lang.L("(extensión)")
		} else {
			label = fmt.Sprintf("%d. %s", ev.Step, label)
		}
		b := cv.u.newButton(label, nil, func() { cv.Open(ev.Name) })
		if !ev.Extension {
			b.Importance = widget.HighImportance
		}
		cv.Actions[ev.Name] = &b.Button
		cv.actionsBox.Add(b)
	}
	cv.actionsBox.Refresh()
}

func (cv *CaseView) fillData(c procedure.Case) {
	f := cv.Data
	f.Items = nil
	add := func(k, v string) {
		f.Append(k, wrapLabel(v))
	}
	add(lang.L("Procedimiento"), cv.Def.Code+" — "+cv.Def.Name)
	add(lang.L("Sistema"), c.System)
	add(lang.L("Descripción"), c.Description)
	add(lang.L("Unidad solicitante"), c.Unit)
	add(lang.L("Creado"), cv.u.timeText(c.CreatedAt))
	if k := c.Clock; k != nil {
		add(lang.L("Plazo (extensión de la agencia)"), clockText(cv.u, k))
	}
	labels := map[string]string{}
	actors := map[string]bool{}
	for _, ev := range cv.Def.Events {
		for _, in := range ev.Inputs {
			labels[in.Name] = in.Label
			actors[in.Name] = in.Kind == procedure.InputActor
		}
	}
	keys := make([]string, 0, len(c.Data))
	for k := range c.Data {
		if k != cv.Def.System && k != cv.Def.Description && k != cv.Def.Unit { // shown above
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		l, v := labels[k], c.Data[k]
		if l == "" {
			l = k
		}
		if actors[k] {
			if a, err := cv.u.s.Person(cv.u.ctx, v); err == nil {
				v = a.Name
			}
		}
		add(l, v)
	}
	topics := make([]string, 0, len(c.Cites))
	for t := range c.Cites {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	for _, t := range topics {
		add(cv.Def.TopicLabel(procedure.EffectDocument, t), c.Cites[t])
	}
	f.Refresh()
}

// clockText says the deadline of the step a case waits for: the deadline,
// when it falls due and whether it is overdue or paused.
func clockText(u *UI, k *procedure.StepClock) string {
	due := u.timeText(k.Due)
	args := map[string]any{"Step": k.Step, "Deadline": k.Deadline.String(), "Due": due}
	switch {
	case k.Overdue:
		return lang.L("Paso {{.Step}}: {{.Deadline}}; venció el {{.Due}}", args)
	case k.Paused:
		return lang.L("Paso {{.Step}}: {{.Deadline}}; en pausa mientras espera al solicitante (vencería el {{.Due}})", args)
	}
	return lang.L("Paso {{.Step}}: {{.Deadline}}; vence el {{.Due}}", args)
}

func (cv *CaseView) fillTimeline(d *procedure.Definition, hist []procedure.Entry) {
	cv.Timeline.Objects = nil
	for _, h := range hist {
		what := string(h.Event)
		if ev, ok := d.Event(h.Event); ok {
			what = ev.Label
		} else if h.Event == procedure.ActionRevealSecrets {
			what = lang.L("Consultó las credenciales")
		} else if h.Event == procedure.ActionPurgeSecrets {
			what = lang.L("Eliminó las credenciales")
		} else if h.Event == procedure.ActionDeadline {
			what = lang.L("Plazo vencido: recordatorio y aviso")
		}
		role := d.RoleLabel(h.Role)
		if h.Interim {
			role += " a.i."
		}
		head := bold(fmt.Sprintf("%d. %s — %s", h.Seq, cv.u.timeText(h.At), what))
		who := h.ActorName
		if role != "" {
			who += " (" + role + ")" // the deadline control acts in no role
		}
		var body string
		switch {
		case h.From == "": // the request that opened the case
			body = fmt.Sprintf("%s · %s", who, lang.L("Solicitud presentada"))
		case h.From == h.To:
			body = fmt.Sprintf("%s · %s", who, d.StateLabel(h.To))
		default:
			body = fmt.Sprintf("%s · %s → %s", who, d.StateLabel(h.From), d.StateLabel(h.To))
		}
		if len(h.Outputs) > 0 {
			body += "\n" + lang.L("Salidas") + ": " + strings.Join(h.Outputs, "; ")
		}
		if ev, ok := d.Event(h.Event); ok {
			for _, in := range ev.Inputs {
				if v := h.Data[in.Name]; v != "" && (in.Kind == procedure.InputLongText || in.Kind == procedure.InputFile) {
					body += "\n" + in.Label + ": " + v
				}
			}
		}
		if h.Comment != "" {
			body += "\n" + lang.L("Comentario") + ": " + h.Comment
		}
		cv.Timeline.Add(container.NewVBox(head, wrapLabel(body)))
	}
	cv.Timeline.Refresh()
}

func (cv *CaseView) fillDocuments() {
	cv.Documents.Objects = nil
	if len(cv.docs) == 0 {
		cv.Documents.Add(wrapLabel(lang.L("Aún no hay documentos generados para este trámite.")))
	}
	for _, doc := range cv.docs {
		name := fmt.Sprintf("%s v%d", cv.Def.TopicLabel(procedure.EffectDocument, doc.Topic), doc.Version)
		if doc.Number != "" {
			name += " · " + doc.Number
		}
		name += " · " + cv.u.timeText(doc.CreatedAt)
		open := widget.NewButtonWithIcon(lang.L("Abrir"), theme.FileIcon(), func() { cv.openDocument(doc) })
		save := widget.NewButtonWithIcon(lang.L("Guardar como…"), theme.DocumentSaveIcon(), func() { cv.saveDocument(doc) })
		cv.Documents.Add(container.NewBorder(nil, nil, nil, container.NewHBox(open, save), widget.NewLabel(name)))
	}
	if len(cv.sigs) > 0 {
		cv.Documents.Add(widget.NewSeparator())
		for _, o := range signatureLines(cv.sigs) {
			cv.Documents.Add(o)
		}
	}
	cv.Sign = nil
	for _, r := range cv.ToSign {
		b := widget.NewButtonWithIcon(lang.L("Firmar «{{.Label}}» v{{.Version}} como «{{.Caption}}»",
			map[string]any{"Label": r.Label, "Version": r.Version, "Caption": r.Caption}), theme.DocumentCreateIcon(), func() { cv.u.ShowSign(r) })
		cv.Sign = append(cv.Sign, b)
		cv.Documents.Add(b)
	}
	if len(cv.atts) > 0 {
		cv.Documents.Add(widget.NewSeparator())
		cv.Documents.Add(bold(lang.L("Archivos adjuntados en los pasos")))
	}
	for _, a := range cv.atts {
		cv.Documents.Add(cv.attachmentRow(a))
	}
	cv.Documents.Refresh()
}

// attachmentRow shows a file attached at a step: its name, size, the step
// and who gave it, with Abrir and Guardar como….
func (cv *CaseView) attachmentRow(a procedure.Attachment) fyne.CanvasObject {
	line := a.Name + " · " + procedure.SizeText(a.Size)
	for _, h := range cv.hist {
		if h.Seq == a.Seq {
			label := string(h.Event)
			if ev, ok := cv.Def.Event(h.Event); ok {
				label = ev.Label
			}
			line += " · " + lang.L("{{.E}}, por {{.A}} el {{.T}}", map[string]any{"E": label, "A": h.ActorName, "T": cv.u.timeText(h.At)})
		}
	}
	open := widget.NewButtonWithIcon(lang.L("Abrir"), theme.FileIcon(), func() { cv.openAttachment(a) })
	save := widget.NewButtonWithIcon(lang.L("Guardar como…"), theme.DocumentSaveIcon(), func() { cv.saveAttachment(a) })
	l := widget.NewLabel(line)
	l.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, nil, container.NewHBox(open, save), l)
}

// attachmentFile is the name an attached file is opened or saved as.
func attachmentFile(a procedure.Attachment) string { return a.CaseID + "-" + a.FileName() }

func (cv *CaseView) attachmentContent(a procedure.Attachment) ([]byte, bool) {
	b, err := cv.u.s.AttachmentContent(cv.u.ctx, a)
	if err != nil {
		cv.u.ShowError(err)
		return nil, false
	}
	return b, true
}

func (cv *CaseView) openAttachment(a procedure.Attachment) {
	if b, ok := cv.attachmentContent(a); ok {
		cv.openFile(attachmentFile(a), b, func() { cv.saveAttachment(a) })
	}
}

func (cv *CaseView) saveAttachment(a procedure.Attachment) {
	if b, ok := cv.attachmentContent(a); ok {
		cv.saveFile(a.Name, b)
	}
}

func docFileName(doc procedure.Document) string {
	return fmt.Sprintf("%s-%s-v%d.pdf", doc.CaseID, doc.Topic, doc.Version)
}

// content reads a document's PDF (from the server, in remote mode).
func (cv *CaseView) content(doc procedure.Document) ([]byte, bool) {
	b, err := cv.u.s.DocumentContent(cv.u.ctx, doc)
	if err != nil {
		cv.u.ShowError(err)
		return nil, false
	}
	return b, true
}

func (cv *CaseView) openDocument(doc procedure.Document) {
	pdf, ok := cv.content(doc)
	if !ok {
		return
	}
	cv.openFile(docFileName(doc), pdf, func() { cv.saveDocument(doc) })
}

// openFile writes content to the client's temporary folder as name and
// opens it in the desktop's program for it. When that fails (no PDF
// viewer installed, say) the failure is logged and a dialog says what to
// do instead, with a button that runs save.
func (cv *CaseView) openFile(name string, content []byte, save func()) {
	dir := filepath.Join(os.TempDir(), "tramite")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		cv.u.opts.Log.Error("could not write a file to open", "case", cv.ID, "dir", dir, "err", err)
		cv.u.ShowError(procedure.Errorf(procedure.EINTERNAL, "no se pudo preparar el archivo para abrirlo (%v); use «Guardar como…»", err))
		return
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		cv.u.opts.Log.Error("could not write a file to open", "case", cv.ID, "file", p, "err", err)
		cv.u.ShowError(procedure.Errorf(procedure.EINTERNAL, "no se pudo preparar el archivo para abrirlo (%v); use «Guardar como…»", err))
		return
	}
	if err := cv.u.opts.Open(p); err != nil {
		cv.u.opts.Log.Error("could not open a file in the desktop's program", "case", cv.ID, "file", p, "err", err)
		cv.cannotOpen(name, save)
	}
}

// cannotOpen tells that no program opened the file and offers to save it.
func (cv *CaseView) cannotOpen(name string, save func()) {
	msg := lang.L("Este equipo no tiene un programa para abrir {{.F}} (por ejemplo, un lector de PDF). Guárdelo con «Guardar como…» y ábralo con el programa que use, o pida a soporte que instale un lector de PDF.", map[string]any{"F": name})
	cv.u.LastError = msg
	d := cv.u.newDialog(lang.L("No se pudo abrir el documento"), wrapLabel(msg), lang.L("Guardar como…"), lang.L("Cerrar"),
		func(d *Dialog) {
			d.Hide()
			save()
		})
	cv.SaveInstead = d.OK
	cv.SaveInstead.SetIcon(theme.DocumentSaveIcon())
	d.d.Resize(fyne.NewSize(480, 220))
	d.Show()
}

func (cv *CaseView) saveDocument(doc procedure.Document) {
	pdf, ok := cv.content(doc)
	if !ok {
		return
	}
	cv.saveFile(docFileName(doc), pdf)
}

// saveFile asks where to save content, named name by default.
func (cv *CaseView) saveFile(name string, content []byte) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err == nil && w == nil {
			return // cancelled
		}
		if err == nil {
			_, err = w.Write(content)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			cv.u.opts.Log.Error("could not save a file", "case", cv.ID, "file", name, "err", err)
			cv.u.ShowError(procedure.Errorf(procedure.EINTERNAL, "no se pudo guardar %s: %v", name, err))
		}
	}, cv.u.Win)
	d.SetFileName(name)
	cv.SaveDialog = d
	d.Show()
}

// fillEmails lists the case's emails. Their subject, text and attachments
// are read (composed as they are sent) while the Correos tab shows, and
// read again when the documents they attach change.
func (cv *CaseView) fillEmails(mails []procedure.OutboxItem) {
	cv.mails = mails
	cv.Emails.Objects = nil
	if len(mails) == 0 {
		cv.Emails.Add(wrapLabel(lang.L("Este trámite no envió correos.")))
	}
	reading := cv.Tabs != nil && cv.Tabs.Selected() != nil && cv.Tabs.Selected().Content == cv.emailsTab
	if cv.messages == nil || cv.messagesDocs != len(cv.docs) {
		cv.messages, cv.messagesDocs = map[string]desk.Message{}, len(cv.docs)
	}
	for i, m := range mails {
		if i > 0 {
			cv.Emails.Add(widget.NewSeparator())
		}
		var to []string
		for _, a := range m.To {
			to = append(to, a.Name+" <"+a.Email+">")
		}
		line := fmt.Sprintf("%s · %s · %s", cv.Def.TopicLabel(procedure.EffectEmail, m.Topic), statusLabel(m.Status), cv.u.timeText(m.CreatedAt))
		head := lang.L("Para") + ": " + strings.Join(to, ", ")
		if len(m.Cc) > 0 {
			var cc []string
			for _, a := range m.Cc {
				cc = append(cc, a.Email)
			}
			head += "\n" + lang.L("Copia") + ": " + strings.Join(cc, ", ")
		}
		if m.LastError != "" {
			head += "\n" + lang.L("Error") + ": " + m.LastError
		}
		box := container.NewVBox(bold(line), wrapLabel(head))
		if reading {
			cv.addMessage(box, m)
		}
		cv.Emails.Add(box)
	}
	cv.Emails.Refresh()
}

// addMessage adds an email's subject, text and attachments to box.
func (cv *CaseView) addMessage(box *fyne.Container, m procedure.OutboxItem) {
	msg, ok := cv.messages[m.ID]
	if !ok {
		var err error
		if msg, err = cv.u.s.Message(cv.u.ctx, m); err != nil {
			cv.u.opts.Log.Warn("could not compose an email of a case", "case", cv.ID, "item", m.ID, "err", err)
			box.Add(wrapLabel(lang.L("No se pudo leer este correo: {{.E}}", map[string]any{"E": procedure.ErrorMessage(err)})))
			return
		}
		cv.messages[m.ID] = msg
	}
	subject := wrapLabel(lang.L("Asunto") + ": " + msg.Subject)
	subject.TextStyle.Bold = true
	box.Add(subject)
	body := widget.NewLabel(strings.TrimSpace(msg.Text))
	body.Wrapping = fyne.TextWrapWord
	box.Add(widget.NewCard("", "", body))
	if len(msg.Documents)+len(msg.Files) > 0 {
		box.Add(widget.NewLabel(lang.L("Adjuntos") + ":"))
	}
	for _, doc := range msg.Documents {
		name := cv.Def.TopicLabel(procedure.EffectDocument, doc.Topic)
		if doc.Number != "" {
			name += " " + doc.Number
		}
		name += fmt.Sprintf(" (v%d)", doc.Version)
		open := widget.NewButtonWithIcon(lang.L("Abrir"), theme.FileIcon(), func() { cv.openDocument(doc) })
		box.Add(container.NewBorder(nil, nil, nil, open, widget.NewLabel(name)))
	}
	for _, a := range msg.Files {
		open := widget.NewButtonWithIcon(lang.L("Abrir"), theme.FileIcon(), func() { cv.openAttachment(a) })
		box.Add(container.NewBorder(nil, nil, nil, open, widget.NewLabel(a.Name+" ("+procedure.SizeText(a.Size)+")")))
	}
}

func (cv *CaseView) fillSecrets(c procedure.Case) {
	cv.secretsBox.Objects = nil
	cv.Reveal, cv.revealBtn, cv.Secrets = nil, nil, nil
	if !cv.hasSecrets || !cv.Def.MayReveal(cv.u.User, c) {
		cv.revealed = nil // purged, or no longer the person's to see
		cv.secretsBox.Refresh()
		return
	}
	label, icon := lang.L("Mostrar credenciales"), theme.VisibilityIcon()
	if cv.revealed != nil {
		label, icon = lang.L("Ocultar credenciales"), theme.VisibilityOffIcon()
	}
	reveal := cv.u.newButton(label, icon, cv.toggleSecrets)
	cv.Reveal, cv.revealBtn = &reveal.Button, reveal
	cv.secretsBox.Add(widget.NewSeparator())
	cv.secretsBox.Add(bold(lang.L("Credenciales del paso 1")))
	cv.secretsBox.Add(wrapLabel(lang.L("Solo usted, como profesional asignado, puede verlas; cada consulta queda registrada en la hoja de ruta.")))
	cv.secretsBox.Add(container.NewHBox(reveal))
	cv.SecretsForm = nil
	if cv.revealed != nil {
		cv.SecretsForm = cv.secretsForm()
		cv.secretsBox.Add(cv.SecretsForm)
	}
	cv.secretsBox.Refresh()
}

// secretsForm lays out the revealed secrets, by the labels of the inputs
// of step 1.
func (cv *CaseView) secretsForm() *widget.Form {
	labels := map[string]string{}
	if ev := cv.Def.StartEvent(); ev != nil {
		for _, in := range ev.Inputs {
			labels[in.Name] = in.Label
		}
	}
	keys := make([]string, 0, len(cv.revealed))
	for k := range cv.revealed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cv.Secrets = map[string]*widget.Entry{}
	form := widget.NewForm()
	for _, k := range keys {
		e := cv.u.newPasswordEntry()
		e.SetText(cv.revealed[k])
		cv.Secrets[k] = &e.Entry
		l := labels[k]
		if l == "" {
			l = k
		}
		form.Append(l, e)
	}
	return form
}

func (cv *CaseView) toggleSecrets() {
	if cv.revealed != nil {
		cv.HideSecrets()
		return
	}
	cv.RevealSecrets()
}

// RevealSecrets asks the engine for the step 1 secrets (the engine records
// the reveal in the history) and shows them, in view, until HideSecrets.
// While they are shown it asks nothing again.
func (cv *CaseView) RevealSecrets() {
	if cv.revealed != nil {
		return
	}
	m, err := cv.u.s.RevealSecrets(cv.u.ctx, cv.ID)
	if err != nil {
		cv.u.ShowError(err)
		return
	}
	cv.revealed = m
	cv.reload() // the reveal is in the history now
	cv.Tabs.SelectIndex(0)
	cv.DataView.Refresh() // lays the form out: the scroll then knows how far the bottom is
	cv.DataView.ScrollToBottom()
	if cv.revealBtn != nil {
		cv.u.Win.Canvas().Focus(cv.revealBtn)
	}
}

// HideSecrets takes the secrets off the screen and out of memory.
func (cv *CaseView) HideSecrets() {
	cv.revealed = nil
	cv.fillSecrets(cv.Case)
}

// Open opens the form of an action the person may take; nil if the person
// may not take it now.
func (cv *CaseView) Open(name procedure.EventName) *ActionForm {
	if _, ok := cv.Actions[name]; !ok {
		return nil
	}
	ev, ok := cv.Def.Event(name)
	if !ok {
		return nil
	}
	f, err := newActionForm(cv, ev)
	if err != nil {
		cv.u.ShowError(err)
		return nil
	}
	cv.Form = f
	return f
}

// Stepper draws the nine steps of a procedure with the current one marked.
type Stepper struct {
	widget.BaseWidget
	// Current is the step the case waits for (0 when final).
	Current int
	done    map[int]bool
	def     *procedure.Definition
	box     *fyne.Container
}

func newStepper() *Stepper {
	s := &Stepper{box: container.NewHBox()}
	s.ExtendBaseWidget(s)
	return s
}

// CreateRenderer implements fyne.Widget.
func (s *Stepper) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(s.box) }

// Set shows the steps of d with c's step current and the steps in hist done.
func (s *Stepper) Set(d *procedure.Definition, c procedure.Case, hist []procedure.Entry) {
	s.def, s.Current, s.done = d, c.Step, map[int]bool{}
	for _, h := range hist {
		if !h.Extension(d) {
			s.done[h.Step] = true
		}
	}
	s.box.Objects = nil
	for i, st := range d.Steps {
		if i > 0 {
			line := canvas.NewRectangle(theme.Color(theme.ColorNameDisabled))
			line.SetMinSize(fyne.NewSize(18, 2))
			s.box.Add(container.NewCenter(line))
		}
		fill := theme.Color(theme.ColorNameDisabledButton)
		fg := theme.Color(theme.ColorNameForeground)
		switch {
		case st.Number == c.Step:
			fill, fg = theme.Color(theme.ColorNamePrimary), color.White
		case s.done[st.Number] && (c.Step == 0 || st.Number < c.Step):
			fill, fg = theme.Color(theme.ColorNameSuccess), color.White
		}
		circle := canvas.NewCircle(fill)
		circle.StrokeWidth = 0
		num := canvas.NewText(fmt.Sprint(st.Number), fg)
		num.TextStyle.Bold = true
		num.Alignment = fyne.TextAlignCenter
		dot := container.New(layout.NewGridWrapLayout(fyne.NewSize(30, 30)), container.NewStack(circle, container.NewCenter(num)))
		role := canvas.NewText(lang.L(d.RoleShort(st.Responsible)), theme.Color(theme.ColorNameForeground))
		role.TextSize = theme.CaptionTextSize()
		role.Alignment = fyne.TextAlignCenter
		s.box.Add(container.NewVBox(container.NewCenter(dot), role))
	}
	s.box.Refresh()
	s.Refresh()
}

func statusLabel(s procedure.OutboxStatus) string {
	switch s {
	case procedure.OutboxPending:
		return lang.L("pendiente")
	case procedure.OutboxSent:
		return lang.L("enviado")
	case procedure.OutboxFailed:
		return lang.L("fallido")
	case procedure.OutboxSkipped:
		return lang.L("omitido")
	}
	return string(s)
}
