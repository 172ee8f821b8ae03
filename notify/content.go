package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// Definitions gives the procedure definitions by code; *procedure.Engine
// implements it.
type Definitions interface {
	Definition(code string) (*procedure.Definition, error)
}

// Content is what an email is made from: the outbox item, its case, the
// history entry that queued it, the procedure's definition and, for the
// Nota Interna, the PDF to attach.
type Content struct {
	Item       procedure.OutboxItem
	Case       procedure.Case
	Entry      procedure.Entry
	Definition *procedure.Definition
	// Attachments are the documents named by Item.Attach, latest versions.
	Attachments []procedure.Document
}

// boliviaTime is the agency's local time (UTC-4, no daylight saving).
var boliviaTime = time.FixedZone("BOT", -4*60*60)

var meses = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "octubre", "noviembre", "diciembre"}

func fechaES(t time.Time) string {
	t = t.In(boliviaTime)
	return fmt.Sprintf("%d de %s de %d, %02d:%02d", t.Day(), meses[t.Month()-1], t.Year(), t.Hour(), t.Minute())
}

// view is the data of the templates. It holds only what the email may
// show: never Case.Secrets, never an input of kind secret.
type view struct {
	Topic      string
	CaseID     string
	Procedure  string
	Code       string
	System     string
	Unit       string
	Greeting   string
	Actor      string
	ActorRole  string
	Step       int
	EventLabel string
	Text       string
	TextLabel  string
	Cite       string
	When       string
	// Notice fields.
	Final        bool
	StateLabel   string
	WaitingStep  int
	WaitingLabel string
	WaitingRole  string
	Attachments  []string
}

// Build turns c into the Email the Dispatcher sends: sender and domain from
// cfg, recipients from the item, subject and body from the Spanish
// templates, the stable Message-ID and the thread of the case.
func Build(cfg Config, c Content) (Email, error) {
	if c.Definition == nil {
		return Email{}, procedure.Errorf(procedure.EINVALID, "falta la definición del procedimiento del trámite %s", c.Case.ID)
	}
	d, it, cs, en := c.Definition, c.Item, c.Case, c.Entry
	v := view{Topic: it.Topic, CaseID: cs.ID, Procedure: d.Name, Code: d.Code, System: cs.System, Unit: cs.Unit,
		Actor: en.ActorName, ActorRole: d.RoleLabel(en.Role), Step: en.Step, When: fechaES(en.At)}
	if en.Interim {
		v.ActorRole += " a.i."
	}
	if ev, ok := d.Event(en.Event); ok {
		v.EventLabel = ev.Label
	}
	var names []string
	for _, a := range it.To {
		if a.Name != "" {
			names = append(names, a.Name)
		}
	}
	v.Greeting = strings.Join(names, ", ")
	var subject string
	switch it.Topic {
	case manual.TopicObservaciones:
		v.Text, v.TextLabel = en.Data["observations"], "Observaciones"
		subject = fmt.Sprintf("[%s] Observaciones a su solicitud: %s", cs.ID, cs.System)
	case manual.TopicRespuesta:
		v.Text, v.TextLabel = en.Data["answer"], "Respuesta"
		subject = fmt.Sprintf("[%s] Respuesta a las observaciones: %s", cs.ID, cs.System)
	case manual.TopicNotaInterna:
		v.Text, v.TextLabel = en.Data["memo"], "Nota Interna"
		v.Cite = cs.Cites[manual.TopicNotaInterna]
		for _, doc := range c.Attachments {
			if doc.Topic == manual.TopicNotaInterna && doc.Number != "" {
				v.Cite = doc.Number
			}
		}
		subject = strings.TrimSpace(fmt.Sprintf("[%s] Nota Interna %s: conclusión del trámite de %s", cs.ID, v.Cite, cs.System))
	default: // procedure.TopicAviso and any other notice
		v.Text, v.TextLabel = en.Data["reasons"], "Motivos"
		v.StateLabel = d.StateLabel(en.To)
		if d.IsFinal(en.To) {
			v.Final = true
			subject = fmt.Sprintf("[%s] Trámite concluido (%s): %s", cs.ID, strings.ToLower(v.StateLabel), cs.System)
		} else if w := d.Waiting(en.To); w != nil {
			v.WaitingStep, v.WaitingLabel, v.WaitingRole = w.Step, w.Label, d.RoleLabel(w.Role)
			subject = fmt.Sprintf("[%s] Pendiente, paso %d: %s (%s)", cs.ID, w.Step, w.Label, cs.System)
		} else {
			subject = fmt.Sprintf("[%s] Novedad en el trámite: %s", cs.ID, cs.System)
		}
	}
	var atts []Attachment
	for _, doc := range c.Attachments {
		name := attachmentName(doc)
		v.Attachments = append(v.Attachments, name)
		atts = append(atts, Attachment{Filename: name, ContentType: "application/pdf", Data: doc.Content})
	}
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, "body", v); err != nil {
		return Email{}, fmt.Errorf("build email %s: %w", it.ID, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, "body", v); err != nil {
		return Email{}, fmt.Errorf("build email %s: %w", it.ID, err)
	}
	dom := cfg.domain()
	return Email{
		From: cfg.From, To: it.To, Cc: it.Cc, Subject: subject,
		Text: text.String(), HTML: html.String(), Attachments: atts,
		MessageID: MessageID(it.ID, dom), References: []string{ThreadID(cs.ID, dom)},
		Date: en.At.In(boliviaTime),
		Headers: map[string]string{
			"Auto-Submitted":   "auto-generated",
			"X-Tramite-Case":   cs.ID,
			"X-Tramite-Item":   it.ID,
			"Content-Language": "es",
		},
	}, nil
}

// attachmentName is the file name of an attached document:
// "nota-interna-UIT-NI-2026-0001.pdf".
func attachmentName(doc procedure.Document) string {
	name := doc.Topic
	if doc.Number != "" {
		name += "-" + doc.Number
	}
	return sanitize(name) + ".pdf"
}

// sanitize keeps letters, digits, '.', '-' and '_', and turns anything else
// into '-'.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '-'
	}, s)
}

const textBody = `{{define "body"}}{{if .Greeting}}Estimado(a) {{.Greeting}}:{{else}}Estimados(as):{{end}}
{{template "intro" .}}
Trámite: {{.CaseID}}
Procedimiento: {{.Code}}, {{.Procedure}}
Sistema: {{.System}}
Unidad/Área solicitante: {{.Unit}}
{{- if .Cite}}
Cite: {{.Cite}}{{end}}
Registrado por: {{.Actor}}, {{.ActorRole}}
Fecha: {{.When}} (hora de Bolivia)
{{if .Text}}
{{.TextLabel}}:

{{.Text}}
{{end}}{{if .Attachments}}
Adjunto: {{range $i, $a := .Attachments}}{{if $i}}, {{end}}{{$a}}{{end}}
{{end}}
--
Mensaje automático de tramite, Unidad de Infraestructura Tecnológica (UIT),
según el manual UIT/ASS-M01. Registre su respuesta en el sistema tramite.
{{end}}
{{define "intro"}}{{if eq .Topic "observaciones"}}
{{.Actor}} ({{.ActorRole}}) revisó su solicitud y, antes de continuar, le solicita completar la información que se detalla abajo (paso 4 del procedimiento). Por favor responda las observaciones en tramite (paso 5).
{{else if eq .Topic "respuesta"}}
La Unidad/Área solicitante respondió las observaciones del trámite (paso 5). El trámite vuelve a estar en curso.
{{else if eq .Topic "nota-interna"}}
El Jefe de la UIT aprobó el informe de conclusión y emitió la Nota Interna que notifica la conclusión del trámite (paso 8). La nota se adjunta en PDF. Por favor recepciónela en tramite para cerrar el flujo (paso 9).
{{else if .Final}}
El trámite concluyó en el estado «{{.StateLabel}}» por «{{.EventLabel}}».
{{else if .WaitingLabel}}
{{.Actor}} realizó «{{.EventLabel}}» (paso {{.Step}}). El trámite ahora espera de usted: «{{.WaitingLabel}}» (paso {{.WaitingStep}}, {{.WaitingRole}}).
{{else}}
{{.Actor}} realizó «{{.EventLabel}}» (paso {{.Step}}).
{{end}}{{end}}`

const htmlBody = `{{define "body"}}<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>{{.CaseID}}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222;">
<p>{{if .Greeting}}Estimado(a) {{.Greeting}}:{{else}}Estimados(as):{{end}}</p>
{{template "intro" .}}
<table style="border-collapse: collapse;">
<tr><td style="padding: 2px 12px 2px 0;"><b>Trámite</b></td><td>{{.CaseID}}</td></tr>
<tr><td style="padding: 2px 12px 2px 0;"><b>Procedimiento</b></td><td>{{.Code}}, {{.Procedure}}</td></tr>
<tr><td style="padding: 2px 12px 2px 0;"><b>Sistema</b></td><td>{{.System}}</td></tr>
<tr><td style="padding: 2px 12px 2px 0;"><b>Unidad/Área solicitante</b></td><td>{{.Unit}}</td></tr>
{{if .Cite}}<tr><td style="padding: 2px 12px 2px 0;"><b>Cite</b></td><td>{{.Cite}}</td></tr>
{{end}}<tr><td style="padding: 2px 12px 2px 0;"><b>Registrado por</b></td><td>{{.Actor}}, {{.ActorRole}}</td></tr>
<tr><td style="padding: 2px 12px 2px 0;"><b>Fecha</b></td><td>{{.When}} (hora de Bolivia)</td></tr>
</table>
{{if .Text}}<h3>{{.TextLabel}}</h3>
<p style="white-space: pre-wrap;">{{.Text}}</p>
{{end}}{{if .Attachments}}<p><b>Adjunto:</b> {{range $i, $a := .Attachments}}{{if $i}}, {{end}}{{$a}}{{end}}</p>
{{end}}<hr>
<p style="font-size: 12px; color: #666;">Mensaje automático de tramite, Unidad de Infraestructura Tecnológica (UIT), según el manual UIT/ASS-M01. Registre su respuesta en el sistema tramite.</p>
</body></html>
{{end}}
{{define "intro"}}{{if eq .Topic "observaciones"}}<p>{{.Actor}} ({{.ActorRole}}) revisó su solicitud y, antes de continuar, le solicita completar la información que se detalla abajo (paso 4 del procedimiento). Por favor responda las observaciones en tramite (paso 5).</p>
{{else if eq .Topic "respuesta"}}<p>La Unidad/Área solicitante respondió las observaciones del trámite (paso 5). El trámite vuelve a estar en curso.</p>
{{else if eq .Topic "nota-interna"}}<p>El Jefe de la UIT aprobó el informe de conclusión y emitió la Nota Interna que notifica la conclusión del trámite (paso 8). La nota se adjunta en PDF. Por favor recepciónela en tramite para cerrar el flujo (paso 9).</p>
{{else if .Final}}<p>El trámite concluyó en el estado «{{.StateLabel}}» por «{{.EventLabel}}».</p>
{{else if .WaitingLabel}}<p>{{.Actor}} realizó «{{.EventLabel}}» (paso {{.Step}}). El trámite ahora espera de usted: <b>«{{.WaitingLabel}}»</b> (paso {{.WaitingStep}}, {{.WaitingRole}}).</p>
{{else}}<p>{{.Actor}} realizó «{{.EventLabel}}» (paso {{.Step}}).</p>
{{end}}{{end}}`

var (
	textTemplates = texttemplate.Must(texttemplate.New("notify").Parse(textBody))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("notify").Parse(htmlBody))
)
