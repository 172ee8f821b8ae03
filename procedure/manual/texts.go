package manual

import (
	"strings"

	"github.com/tramite/tramite/procedure"
)

// The documents and emails of PR01 and PR02. Their texts are Go templates
// on procedure.Facts; report adds .Institution (Name, Unit, City) and
// .Number to a document's, notify adds .To (the recipients' names) and
// .Attachments (file names) to an email's.

// theSystem is "del sistema X", or "del Sistema de X" for a name that says
// it is a system.
const theSystem = `del {{named "sistema" .Case.System}}`

func requestNote(w wording, secrets bool) procedure.DocumentDef {
	rows := [][]string{
		{"Sistema", "{{.Case.System}}"},
		{"Unidad/Área solicitante", "{{.Case.Unit}}"},
	}
	if secrets {
		rows = append(rows, []string{"Tokens, llaves de acceso, credenciales y otros datos necesarios",
			"Se entregan a través del sistema de trámites, cifrados: solo el Profesional de Servidores y Servicios asignado puede consultarlos. No se transcriben en esta nota."})
	}
	return procedure.DocumentDef{
		Topic: TopicNotaRemision, Label: "Remisión de Nota", Title: "NOTA", Series: "NOTA", Issuer: procedure.IssuerRequester,
		Blocks: []procedure.Block{
			{Place: true},
			{Text: "Señor(a)\n{{with .Holder \"jefe_uit\"}}{{.}}\n{{end}}Jefe de la {{.Institution.Unit}}\n{{.Institution.Short}}\nPresente.-"},
			{Fields: []procedure.Field{{Label: "REF.:", Value: "Solicitud de " + w.workOf + " " + theSystem}}},
			{Text: "De mi consideración:"},
			{Text: "Mediante la presente, en nombre de la unidad solicitante ({{.Case.Unit}}), solicito a la {{.Institution.Unit}} " +
				w.work + " " + theSystem + ", conforme al {{.Procedure.Name}} ({{.Procedure.Code}})."},
			{Heading: "Descripción del requerimiento"},
			{Text: `{{first (.Input "description") "—"}}`},
			{Heading: "Anexo: información proporcionada"},
			{Table: &procedure.Table{Columns: []procedure.Column{{Title: "Dato", Width: 0.35}, {Title: "Detalle", Width: 0.65}}, Rows: rows}},
			{Text: "Sin otro particular, saludo a usted atentamente."},
		},
		SignOffs: []procedure.SignOff{{Caption: "Solicitado por", Role: RoleSolicitante, Events: []procedure.EventName{EventRequest}}},
	}
}

func conclusionDoc(w wording, topic, label, title, series string) procedure.DocumentDef {
	return procedure.DocumentDef{
		Topic: topic, Label: label, Title: title, Series: series,
		Blocks: []procedure.Block{
			{Fields: []procedure.Field{
				{Label: "A:", Value: `{{.Person "jefe_uit"}}`},
				{Label: "VÍA:", Value: `{{.Person "responsable_ss"}}`},
				{Label: "DE:", Value: `{{.Person "profesional_ss"}}`},
				{Label: "REF.:", Value: "Conclusión de la " + w.workOf + " " + theSystem},
				{Label: "FECHA:", Value: `{{.Institution.City}}, {{with .Act "conclude"}}{{.At.Long}}{{else}}{{.Date.Long}}{{end}}`},
			}},
			{Heading: "1. ANTECEDENTES"},
			{Text: `{{with .Act "request"}}La unidad solicitante ({{$.Case.Unit}}) solicitó ` + w.work + ` ` + strings.ReplaceAll(theSystem, ".Case", "$.Case") +
				` el {{.At.Long}} ({{.Actor}}){{with $.Cite "nota-remision"}}, mediante nota {{.}}{{end}}.{{end}}` +
				`{{with .Act "forward"}} El {{.Role}} la derivó el {{.At.Long}}.{{end}}` +
				`{{with .Act "instruct"}} El {{.Role}} instruyó el trabajo el {{.At.Long}} a {{.Input "profesional"}}.{{end}}`},
			{Text: `Descripción del requerimiento: {{first (.Input "description") "—"}}`},
			{Table: &procedure.Table{
				Columns: []procedure.Column{{Title: "Fecha", Width: 0.18}, {Title: "Quién", Width: 0.25}, {Title: "Observaciones y respuestas", Width: 0.57}},
				Events:  []procedure.EventName{EventObserve, EventComplete},
				Each: []string{`{{.At.Time}}`, `{{if eq .Event "observe"}}Observación{{else}}Respuesta{{end}} – {{.Actor}}`,
					`{{.Input "observations"}}{{.Input "answer"}}`},
			}},
			{Heading: "2. TRABAJO REALIZADO"},
			{Text: `{{first (.Input "report") "—"}}`},
			{Heading: "3. LISTA DE VERIFICACIÓN"},
			{Table: &procedure.Table{
				Columns: []procedure.Column{{Title: "Verificación", Width: 0.4}, {Title: "Resultado", Width: 0.6}},
				Rows: [][]string{
					{"Copias de seguridad realizadas", `{{.Input "backup_ref"}}`},
					{"Monitoreo de puertos", `{{.Input "monitored_ports"}}`},
					{"Políticas de seguridad en el servidor", `{{if eq (.Value "security_policies") "true"}}Sí, aplicadas en el servidor{{else}}No{{end}}`},
				},
			}},
			{Heading: "4. CONCLUSIONES Y RECOMENDACIONES"},
			{Text: `{{first (.Input "conclusions") "—"}}`},
		},
		SignOffs: []procedure.SignOff{
			{Caption: "Elaborado por", Role: RoleProfesionalSS, Events: []procedure.EventName{EventConclude}},
			{Caption: "Revisado por", Role: RoleResponsableSS, Events: []procedure.EventName{EventApproveReport}},
			{Caption: "Aprobado por", Role: RoleJefeUIT, Events: []procedure.EventName{EventIssueMemo}},
		},
	}
}

// conclusionName names a conclusion document (a DocRef) with its article.
const conclusionName = `{{if eq .Topic "nota-conclusion"}}la nota de conclusión{{else}}el informe técnico de conclusión{{end}}`

// attached names the conclusion document the Nota Interna sends with it,
// with the agreement its gender asks.
const attached = `{{with .Document "informe-conclusion" "nota-conclusion"}}Se adjunta ` +
	`{{if eq .Topic "nota-conclusion"}}la nota de conclusión {{.Number}}, revisada y aprobada.` +
	`{{else}}el informe técnico de conclusión {{.Number}}, revisado y aprobado.{{end}}{{end}}`

func memo(w wording) procedure.DocumentDef {
	return procedure.DocumentDef{
		Topic: TopicNotaInterna, Label: "Nota Interna", Title: "NOTA INTERNA", Series: "NI",
		Blocks: []procedure.Block{
			{Fields: []procedure.Field{
				{Label: "A:", Value: `{{with .Act "request"}}{{.Actor}} – {{end}}{{.Case.Unit}}`},
				{Label: "DE:", Value: `{{.Person "jefe_uit"}}`},
				{Label: "REF.:", Value: "Conclusión de la " + w.workOf + " " + theSystem},
				{Label: "FECHA:", Value: `{{.Institution.City}}, {{.Date.Long}}`},
			}},
			{Text: `{{.Input "memo"}}`},
			{Text: attached},
			{Text: "Atentamente."},
		},
		SignOffs: []procedure.SignOff{{Caption: "Emitido por", Role: RoleJefeUIT, Events: []procedure.EventName{EventIssueMemo}}},
	}
}

func routeSheet() procedure.DocumentDef {
	return procedure.DocumentDef{
		Topic: TopicHojaDeRuta, Label: "Hoja de ruta", Title: "HOJA DE RUTA",
		Blocks: []procedure.Block{
			{Fields: []procedure.Field{
				{Label: "Trámite:", Value: "{{.Case.ID}} – {{.Procedure.Name}}"},
				{Label: "Sistema:", Value: "{{.Case.System}}"},
				{Label: "Unidad:", Value: "{{.Case.Unit}}"},
				{Label: "Estado:", Value: "{{.State}}"},
			}},
			{Table: &procedure.Table{
				Columns: []procedure.Column{{Title: "Nº", Width: 0.05}, {Title: "Paso", Width: 0.06}, {Title: "Acción", Width: 0.19},
					{Title: "Responsable", Width: 0.2}, {Title: "Fecha y hora", Width: 0.12}, {Title: "Detalle", Width: 0.38}},
				Each: []string{"{{.Seq}}", "{{.Step}}", "{{.Action}}", "{{.Actor}}\n{{.Role}}", "{{.At.Time}}", "{{.Detail}}"},
			}},
		},
		SignOffs: []procedure.SignOff{{Caption: "Cierre del flujo", Role: RoleSolicitante,
			Events: []procedure.EventName{EventAcknowledge, EventReject, EventWithdraw}}},
	}
}

// The emails share one frame: a greeting to the recipients, what happened,
// the case's particulars, the text given with the step, the attachments.
const (
	greeting = `{{if not .To}}Estimados(as):{{else if eq (len .To) 1}}Estimado(a) {{index .To 0}}:{{else}}Estimados(as) {{list .To}}:{{end}}`
	footer   = "Mensaje automático del sistema de trámites de la Unidad de Infraestructura Tecnológica (UIT), según el manual UIT/ASS-M01. " +
		"Responda en el sistema de trámites: este buzón no recibe respuestas."
)

// mail returns an email whose intro is said the same in text and HTML,
// with the text given as textInput (an input of the event) under label.
func mail(topic, label, subject, intro, textLabel, textInput string) procedure.EmailDef {
	text := greeting + "\n\n" + intro + `

Trámite: {{.Case.ID}}
Procedimiento: {{.Procedure.Code}}, {{.Procedure.Name}}
Sistema: {{.Case.System}}
Unidad/Área solicitante: {{.Case.Unit}}
Registrado por: {{.Last.Actor}}, {{.Last.Role}}
Fecha: {{.Date.LongTime}} (hora de Bolivia)
` + `{{with .Last.Input "` + textInput + `"}}
` + textLabel + `:

{{.}}
{{end}}{{if .Attachments}}
Adjuntos: {{list .Attachments}}
{{end}}
--
` + footer + "\n"
	row := func(k, v string) string {
		return `<tr><td style="padding: 2px 12px 2px 0;"><b>` + k + `</b></td><td>` + v + "</td></tr>\n"
	}
	html := `<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>{{.Case.ID}}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222;">
<p>` + greeting + `</p>
<p>` + intro + `</p>
<table style="border-collapse: collapse;">
` + row("Trámite", "{{.Case.ID}}") + row("Procedimiento", "{{.Procedure.Code}}, {{.Procedure.Name}}") +
		row("Sistema", "{{.Case.System}}") + row("Unidad/Área solicitante", "{{.Case.Unit}}") +
		row("Registrado por", "{{.Last.Actor}}, {{.Last.Role}}") + row("Fecha", "{{.Date.LongTime}} (hora de Bolivia)") +
		`</table>
{{with .Last.Input "` + textInput + `"}}<h3>` + textLabel + `</h3>
<p style="white-space: pre-wrap;">{{.}}</p>
{{end}}{{if .Attachments}}<p><b>Adjuntos:</b> {{list .Attachments}}</p>
{{end}}<hr>
<p style="font-size: 12px; color: #666;">` + footer + `</p>
</body></html>
`
	return procedure.EmailDef{Topic: topic, Label: label, Subject: subject, Text: text, HTML: html}
}

func emails(w wording) []procedure.EmailDef {
	return []procedure.EmailDef{
		mail(TopicObservaciones, "Observaciones a la solicitud",
			`[{{.Case.ID}}] Observaciones a su solicitud: {{.Case.System}}`,
			`{{.Last.Actor}} ({{.Last.Role}}) revisó su solicitud y, antes de continuar, `+w.obsAsk+
				` (paso 4 del procedimiento). Por favor responda las observaciones en el sistema de trámites (paso 5).`,
			"Observaciones", "observations"),
		mail(TopicRespuesta, w.answerS,
			`[{{.Case.ID}}] `+w.answerS+`: {{.Case.System}}`,
			`{{.Last.Actor}} ({{.Last.Role}}) respondió las observaciones del trámite (paso 5): `+
				w.answered+`. `+
				`El trámite vuelve a estar en curso.`,
			w.answer, "answer"),
		mail(TopicNotaInterna, "Nota Interna de conclusión",
			`[{{.Case.ID}}] Nota Interna {{.Cite "nota-interna"}}: conclusión de la `+w.workOf+` `+theSystem,
			`{{.Last.Actor}} ({{.Last.Role}}) aprobó {{with .Document "informe-conclusion" "nota-conclusion"}}`+conclusionName+` {{.Number}}{{else}}`+w.report+`{{end}}`+
				` y emitió la Nota Interna {{.Cite "nota-interna"}}, que notifica la conclusión de `+w.work+` `+theSystem+` (paso 8). `+
				`{{if gt (len .Attachments) 1}}Ambos documentos se adjuntan{{else}}La nota interna se adjunta{{end}} en PDF. `+
				`Por favor recepcione la nota interna en el sistema de trámites para cerrar el flujo (paso 9).`,
			"Nota Interna", "memo"),
		mail(TopicAviso, "Aviso del trámite",
			`[{{.Case.ID}}] {{if .Final}}Trámite concluido ({{lower .State}}){{else}}{{with .Waiting}}Pendiente, paso {{.Step}} ({{.Label}}){{end}}{{end}}: {{.Case.System}}`,
			`{{if .Final}}El trámite concluyó en el estado «{{.State}}» por «{{.Last.Action}}» ({{.Last.Actor}}).`+
				`{{else}}{{.Last.Actor}} realizó «{{.Last.Action}}» (paso {{.Last.Step}}).`+
				`{{with .Waiting}} El trámite ahora espera de usted: «{{.Label}}» (paso {{.Step}}, {{.Role}}).{{end}}{{end}}`,
			"Motivos", "reasons"),
	}
}
