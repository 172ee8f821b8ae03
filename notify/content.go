package notify

import (
	"bytes"
	htmltemplate "html/template"
	"mime"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unsafe"

	"github.com/tramite/tramite/procedure"
)

// Definitions gives the definition a case runs under (the version it
// started with); *procedure.Engine implements it.
type Definitions interface {
	DefinitionOf(c procedure.Case) (*procedure.Definition, error)
}

// Content is what an email is made from: the outbox item, its case, its
// history (at least up to the entry that queued the item), the
// procedure's definition and the documents to attach.
type Content struct {
	Item procedure.OutboxItem
	Case procedure.Case
	// History is the case's history; when empty, Entry stands for it.
	History    []procedure.Entry
	Entry      procedure.Entry
	Definition *procedure.Definition
	// Attachments are the documents named by Item.Attach, latest versions.
	Attachments []procedure.Document
	// Files are the files given with the event that queued the email
	// (procedure.Attachment of the item's Seq), attached after the
	// documents.
	Files []procedure.Attachment
}

// boliviaTime is the agency's local time (UTC-4, no daylight saving).
var boliviaTime = time.FixedZone("BOT", -4*60*60)

// mailData is what an email's templates read: the case's facts as they
// stood after the entry that queued the email, the recipients' names and
// the attachments' file names. It holds only what the email may show:
// never Case.Secrets, never an input of kind secret.
type mailData struct {
	*procedure.Facts
	// To names the recipients of the To field (their addresses when they
	// have no name).
	To []string
	// Attachments are the file names of the attached documents and files.
	Attachments []string
	// Institution is Config.Institution: who sends the email.
	Institution Institution
}

// Build turns c into the Email the Dispatcher sends: sender and domain from
// cfg, recipients from the item, subject and body from the templates the
// definition declares for the item's topic (procedure.EmailDef), the stable
// Message-ID and the thread of the case. It returns EINVALID when the
// definition declares no such email or a template fails.
func Build(cfg Config, c Content) (Email, error) {
	if c.Definition == nil {
		return Email{}, procedure.Errorf(procedure.EINVALID, "falta la definición del procedimiento del trámite %s", c.Case.ID)
	}
	d, it, cs := c.Definition, c.Item, c.Case
	def, ok := d.Email(it.Topic)
	if !ok {
		return Email{}, procedure.Errorf(procedure.EINVALID, "el procedimiento %s no declara el correo %q", d.Code, it.Topic)
	}
	history := c.History
	if len(history) == 0 {
		history = []procedure.Entry{c.Entry}
	}
	facts := procedure.NewFacts(d, cs, history, it.Seq, procedure.FactsOptions{Location: boliviaTime})
	v := mailData{Facts: facts, Institution: cfg.Institution}
	for _, a := range it.To {
		if a.Name != "" {
			v.To = append(v.To, a.Name)
		} else {
			v.To = append(v.To, a.Email)
		}
	}
	var atts []Attachment
	for _, doc := range c.Attachments {
		name := attachmentName(d, doc)
		v.Attachments = append(v.Attachments, name)
		atts = append(atts, Attachment{Filename: name, ContentType: "application/pdf", Data: doc.Content})
	}
	for _, f := range c.Files {
		v.Attachments = append(v.Attachments, f.Name)
		mt, _, err := mime.ParseMediaType(f.MediaType)
		if err != nil {
			mt = "application/octet-stream"
		}
		atts = append(atts, Attachment{Filename: f.Name, ContentType: mt, Data: f.Content})
	}
	fail := func(part string, err error) error {
		return procedure.Errorf(procedure.EINVALID, "el correo %q del procedimiento %s no se puede redactar (%s): %v", it.Topic, d.Code, part, err)
	}
	var subject, text, html bytes.Buffer
	if err := runText(def.Subject, &subject, v); err != nil {
		return Email{}, fail("asunto", err)
	}
	if err := runText(def.Text, &text, v); err != nil {
		return Email{}, fail("texto", err)
	}
	if def.HTML != "" {
		t, err := parsedHTML(def.HTML)
		if err == nil {
			err = t.Execute(&html, v)
		}
		if err != nil {
			return Email{}, fail("HTML", err)
		}
	}
	dom := cfg.domain()
	return Email{
		From: cfg.From, To: it.To, Cc: it.Cc, Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text: text.String(), HTML: html.String(), Attachments: atts,
		MessageID: MessageID(it.ID, dom), References: []string{ThreadID(cs.ID, dom)},
		Date: facts.Date().T(),
		Headers: map[string]string{
			"Auto-Submitted":   "auto-generated",
			"X-Tramite-Case":   cs.ID,
			"X-Tramite-Item":   it.ID,
			"Content-Language": "es",
		},
	}, nil
}

// Parsed templates, by source. Definitions are immutable, so a template's
// source always parses alike; parsing (and html/template's escaping, done
// at the first execution) is paid once per template, not once per message.
// A parsed template may be executed from any number of goroutines at once.
// The key is where the source's bytes are and how many: two strings with
// the same key are the same bytes, and it hashes in constant time, where
// the source itself (some kilobytes) would be hashed on every message.
var textTemplates, htmlTemplates sync.Map

type sourceKey struct {
	p *byte
	n int
}

func keyOf(src string) sourceKey { return sourceKey{unsafe.StringData(src), len(src)} }

func runText(src string, w *bytes.Buffer, data any) error {
	t, ok := textTemplates.Load(keyOf(src))
	if !ok {
		parsed, err := texttemplate.New("t").Funcs(procedure.TemplateFuncs()).Parse(src)
		if err != nil {
			return err
		}
		t, _ = textTemplates.LoadOrStore(keyOf(src), parsed)
	}
	return t.(*texttemplate.Template).Execute(w, data)
}

func parsedHTML(src string) (*htmltemplate.Template, error) {
	if t, ok := htmlTemplates.Load(keyOf(src)); ok {
		return t.(*htmltemplate.Template), nil
	}
	parsed, err := htmltemplate.New("html").Funcs(htmltemplate.FuncMap(procedure.TemplateFuncs())).Parse(src)
	if err != nil {
		return nil, err
	}
	t, _ := htmlTemplates.LoadOrStore(keyOf(src), parsed)
	return t.(*htmltemplate.Template), nil
}

// attachmentName is the file name of an attached document: its label and
// number, "Nota Interna UIT-NI-2026-0001.pdf".
func attachmentName(d *procedure.Definition, doc procedure.Document) string {
	name := d.TopicLabel(procedure.EffectDocument, doc.Topic)
	if doc.Number != "" {
		name += " " + doc.Number
	}
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == '"' || r < 0x20 {
			return '-'
		}
		return r
	}, name) + ".pdf"
}
