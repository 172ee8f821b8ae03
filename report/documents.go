package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// caseState is the case replayed from its history up to Input.Seq.
type caseState struct {
	data                          procedure.Inputs
	last                          procedure.Entry
	request, forward, instruct    *procedure.Entry
	elaborado, revisado, aprobado *procedure.Entry
	rounds                        []procedure.Entry // observe and complete entries
}

func replay(in Input) caseState {
	st := caseState{data: procedure.Inputs{}}
	h := in.history()
	for i := range h {
		e := &h[i]
		st.last = *e
		for k, v := range e.Data {
			st.data[k] = v
		}
		switch e.Event {
		case manual.EventRequest:
			st.request = e
		case manual.EventForward:
			st.forward = e
		case manual.EventInstruct:
			st.instruct = e
		case manual.EventObserve, manual.EventComplete:
			st.rounds = append(st.rounds, *e)
		case manual.EventConclude:
			st.elaborado, st.revisado, st.aprobado = e, nil, nil
		case manual.EventApproveReport:
			st.revisado = e
		case manual.EventIssueMemo:
			st.aprobado = e
		case manual.EventReturnReport, manual.EventReturnMemo:
			st.elaborado, st.revisado, st.aprobado = nil, nil, nil
		}
	}
	return st
}

// value returns a non-secret input of the case as it stood.
func (d *doc) value(name string) string {
	if d.secret(name) {
		return ""
	}
	if v, ok := d.st.data[name]; ok {
		return v
	}
	return ""
}

// secret reports whether any event of the definition declares name secret.
func (d *doc) secret(name string) bool {
	for _, ev := range d.in.Definition.Events {
		if in, ok := ev.Input(name); ok && in.Kind == procedure.InputSecret {
			return true
		}
	}
	return false
}

// name returns the name of whoever holds role in this case: the actor of
// the entry given, else Input.Names, else "".
func (d *doc) name(e *procedure.Entry, role procedure.RoleID) string {
	if e != nil {
		return e.ActorName
	}
	return d.in.Names[role]
}

func (d *doc) person(e *procedure.Entry, role procedure.RoleID) string {
	label := d.in.Definition.RoleLabel(role)
	if e != nil && e.Interim {
		label += " a.i."
	}
	if n := d.name(e, role); n != "" {
		return n + " – " + label
	}
	return label
}

func (d *doc) isUpdate() bool { return d.in.Case.Procedure == manual.CodePR02 }

func (d *doc) system() string {
	if s := d.value("system"); s != "" {
		return s
	}
	return d.in.Case.System
}

func (d *doc) unit() string {
	if s := d.value("unit"); s != "" {
		return s
	}
	return d.in.Case.Unit
}

func (d *doc) requestNote() {
	p := d.pdf
	d.titleBlock()
	at := d.st.last.At
	if d.st.request != nil {
		at = d.st.request.At
	}
	d.place(at)
	d.font("", 10)
	jefe := d.name(d.st.forward, manual.RoleJefeUIT)
	addressee := "Señor(a)"
	if jefe != "" {
		addressee += "\n" + jefe
	}
	d.para(addressee + "\nJefe de la " + d.opt.Institution.Unit + "\n" + shortName(d.opt.Institution.Name) + "\nPresente.-")
	action := "puesta en producción"
	if d.isUpdate() {
		action = "actualización en producción"
	}
	d.fields([][2]string{{"REF.:", "Solicitud de " + action + " del sistema " + d.system()}})
	d.para("De mi consideración:")
	d.para(fmt.Sprintf("Mediante la presente, la %s solicita a la %s la %s del sistema %s, de acuerdo con el %s (%s).",
		d.unit(), d.opt.Institution.Unit, action, d.system(), d.in.Definition.Name, d.in.Definition.Code))
	d.heading("Descripción del requerimiento")
	d.para(d.value("description"))
	d.heading("Anexo: información proporcionada")
	rows := [][]string{
		{"Sistema", d.system()},
		{"Unidad/Área solicitante", d.unit()},
	}
	if !d.isUpdate() {
		rows = append(rows, []string{"Tokens, llaves de acceso y credenciales",
			"Entregados por el sistema de forma cifrada; solo el profesional asignado puede consultarlos. No se transcriben en este documento."})
	}
	d.table([]column{{"Dato", 0.35}, {"Detalle", 0.65}}, rows)
	d.para("Sin otro particular, saludo a usted atentamente.")
	d.signOffs([]signOff{{caption: "Solicitado por", entry: d.st.request, role: manual.RoleSolicitante}})
	_ = p
	d.verification()
}

func (d *doc) conclusion() {
	d.titleBlock()
	prof := d.st.elaborado
	if prof == nil {
		prof = d.st.instruct
	}
	action := "puesta en producción"
	if d.isUpdate() {
		action = "actualización"
	}
	date := d.st.last.At
	if d.st.elaborado != nil {
		date = d.st.elaborado.At
	}
	de := d.person(d.st.elaborado, manual.RoleProfesionalSS)
	if d.st.elaborado == nil {
		de = d.in.Definition.RoleLabel(manual.RoleProfesionalSS)
	}
	d.fields([][2]string{
		{"A:", d.person(d.st.aprobado, manual.RoleJefeUIT) + d.fallbackName(d.st.aprobado, d.st.forward)},
		{"VÍA:", d.person(d.st.revisado, manual.RoleResponsableSS) + d.fallbackName(d.st.revisado, d.st.instruct)},
		{"DE:", de},
		{"REF.:", "Conclusión de la " + action + " del sistema " + d.system()},
		{"FECHA:", d.opt.Institution.City + ", " + SpanishDate(date.In(d.opt.Location))},
	})
	_ = prof
	d.heading("1. ANTECEDENTES")
	ante := fmt.Sprintf("La %s solicitó la %s del sistema %s", d.unit(), action, d.system())
	if r := d.st.request; r != nil {
		ante += fmt.Sprintf(" el %s (%s)", SpanishDate(r.At.In(d.opt.Location)), r.ActorName)
		if n := d.in.Case.Cites[manual.TopicNotaRemision]; n != "" {
			ante += ", mediante nota " + n
		}
	}
	ante += "."
	if f := d.st.forward; f != nil {
		ante += fmt.Sprintf(" El %s la derivó el %s.", d.roleText(f.Role, f.Interim), SpanishDate(f.At.In(d.opt.Location)))
	}
	if i := d.st.instruct; i != nil {
		ante += fmt.Sprintf(" El %s instruyó el trabajo el %s.", d.roleText(i.Role, i.Interim), SpanishDate(i.At.In(d.opt.Location)))
	}
	d.para(ante)
	d.para("Descripción del requerimiento: " + d.value("description"))
	if len(d.st.rounds) > 0 {
		rows := make([][]string, 0, len(d.st.rounds))
		for _, e := range d.st.rounds {
			text := e.Data["observations"]
			kind := "Observación"
			if e.Event == manual.EventComplete {
				text, kind = e.Data["answer"], "Respuesta"
			}
			rows = append(rows, []string{spanishDateTime(e.At.In(d.opt.Location)), kind + " – " + e.ActorName, text})
		}
		d.table([]column{{"Fecha", 0.18}, {"Quién", 0.25}, {"Observaciones y respuestas", 0.57}}, rows)
	}
	d.heading("2. TRABAJO REALIZADO")
	d.para(d.value("report"))
	d.heading("3. LISTA DE VERIFICACIÓN")
	policies := "No"
	if d.value("security_policies") == "true" {
		policies = "Sí, aplicadas en el servidor"
	}
	rows := [][]string{
		{"Copias de seguridad realizadas", d.value("backup_ref")},
		{"Monitoreo de puertos", d.value("monitored_ports")},
		{"Políticas de seguridad en el servidor", policies},
	}
	if c := d.value("complexity"); c != "" {
		rows = append(rows, []string{"Grado de complejidad de la actualización", c})
	}
	d.table([]column{{"Verificación", 0.4}, {"Resultado", 0.6}}, rows)
	d.heading("4. CONCLUSIONES Y RECOMENDACIONES")
	d.para(d.value("conclusions"))
	d.signOffs([]signOff{
		{caption: "Elaborado por", entry: d.st.elaborado, role: manual.RoleProfesionalSS},
		{caption: "Revisado por", entry: d.st.revisado, role: manual.RoleResponsableSS},
		{caption: "Aprobado por", entry: d.st.aprobado, role: manual.RoleJefeUIT},
	})
	d.verification()
}

// fallbackName returns nothing when e names the person; otherwise the
// name of whoever acted in that role earlier (alt), for the A:/VÍA: lines.
func (d *doc) fallbackName(e, alt *procedure.Entry) string {
	if e != nil || alt == nil || d.in.Names[alt.Role] != "" {
		return ""
	}
	return " (" + alt.ActorName + ")"
}

func (d *doc) memo() {
	d.titleBlock()
	at := d.st.last.At
	if d.st.aprobado != nil {
		at = d.st.aprobado.At
	}
	action := "puesta en producción"
	if d.isUpdate() {
		action = "actualización"
	}
	report := d.in.Case.Cites[manual.TopicInformeConclusion]
	if report == "" {
		report = d.in.Case.Cites[manual.TopicNotaConclusion]
	}
	requester := d.name(d.st.request, manual.RoleSolicitante)
	a := d.unit()
	if requester != "" {
		a = requester + " – " + a
	}
	d.fields([][2]string{
		{"A:", a},
		{"DE:", d.person(d.st.aprobado, manual.RoleJefeUIT)},
		{"REF.:", "Conclusión de la " + action + " del sistema " + d.system()},
		{"FECHA:", d.opt.Institution.City + ", " + SpanishDate(at.In(d.opt.Location))},
	})
	d.para(d.value("memo"))
	if report != "" {
		d.para("Se adjunta el informe de conclusión " + report + ", revisado y aprobado.")
	}
	d.para("Atentamente.")
	d.signOffs([]signOff{{caption: "Emitido por", entry: d.st.aprobado, role: manual.RoleJefeUIT}})
	d.verification()
}

func (d *doc) routeSheet() {
	d.titleBlock()
	c := d.in.Case
	d.fields([][2]string{
		{"Trámite:", c.ID + " – " + d.in.Definition.Name},
		{"Sistema:", d.system()},
		{"Unidad:", d.unit()},
		{"Estado:", d.in.Definition.StateLabel(d.st.last.To)},
	})
	rows := make([][]string, 0, len(d.in.History))
	for _, e := range d.in.history() {
		action := string(e.Event)
		if ev, ok := d.in.Definition.Event(e.Event); ok {
			action = ev.Label
		} else if e.Event == procedure.ActionRevealSecrets {
			action = "Consulta de las credenciales"
		} else if e.Event == procedure.ActionPurgeSecrets {
			action = "Eliminación de las credenciales"
		}
		if e.Extension(d.in.Definition) {
			action += " (extensión)"
		}
		rows = append(rows, []string{
			fmt.Sprintf("%d", e.Seq), fmt.Sprintf("%d", e.Step), action,
			e.ActorName + "\n" + d.roleText(e.Role, e.Interim),
			spanishDateTime(e.At.In(d.opt.Location)),
			d.detail(e),
		})
	}
	d.table([]column{{"Nº", 0.05}, {"Paso", 0.06}, {"Acción", 0.19}, {"Responsable", 0.2}, {"Fecha y hora", 0.12}, {"Detalle", 0.38}}, rows)
	d.verification()
}

// detail summarises an entry for the route sheet: its comment, its
// non-secret inputs with their labels, its outputs, and its hash.
func (d *doc) detail(e procedure.Entry) string {
	var parts []string
	if e.Comment != "" {
		parts = append(parts, "Comentario: "+e.Comment)
	}
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		if !d.secret(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	ev, _ := d.in.Definition.Event(e.Event)
	for _, k := range keys {
		label := k
		if ev != nil {
			if in, ok := ev.Input(k); ok {
				label = in.Label
			}
		}
		v := e.Data[k]
		if ev != nil {
			if in, ok := ev.Input(k); ok && in.Kind == procedure.InputActor {
				v = d.actorName(v)
			}
		}
		parts = append(parts, label+": "+v)
	}
	if len(e.Outputs) > 0 {
		parts = append(parts, "Salidas: "+strings.Join(e.Outputs, "; "))
	}
	parts = append(parts, "Huella: "+e.Hash)
	return strings.Join(parts, "\n")
}

// shortName returns the acronym after a dash in an institution's name
// ("… – AGETIC" gives "AGETIC"), or the whole name.
func shortName(s string) string {
	for _, sep := range []string{" – ", " - "} {
		if i := strings.LastIndex(s, sep); i >= 0 {
			return strings.TrimSpace(s[i+len(sep):])
		}
	}
	return s
}

// actorName returns the name the history gives an actor ID, or the ID.
func (d *doc) actorName(id string) string {
	for _, e := range d.in.History {
		if e.ActorID == id && e.ActorName != "" {
			return e.ActorName
		}
	}
	return id
}
