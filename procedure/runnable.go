package procedure

import (
	"fmt"
	"slices"
)

// runProblems returns what would keep the cases of a well-formed
// definition from running, so that the loader refuses it instead of every
// case failing later: a start event that ends the case at once or leads to
// the state reserved for "before the start", an event that leaves a state
// for itself (the state machine cannot fire it), guards that no case could pass, conditions on inputs
// that do not exist, routes that could never be taken, emails that could
// reach nobody, and attachments no event renders.
func (d *Definition) runProblems() []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	start := d.StartEvent()
	assigns, requester := false, false
	byUnit := false // some guard or recipient reads the requesting unit
	inputs := map[string]bool{}
	docs := map[string]bool{}
	for _, ev := range d.Events {
		assigns = assigns || ev.Assigns != ""
		requester = requester || ev.Guard == GuardRequester
		byUnit = byUnit || ev.Guard == GuardUnit
		for _, in := range ev.Inputs {
			inputs[in.Name] = true
		}
		for _, ef := range ev.Effects {
			if ef.Kind == EffectDocument {
				docs[ef.Topic] = true
			}
		}
	}
	for _, ev := range d.Events {
		if ev.To == startState || slices.Contains(ev.From, startState) {
			add("el evento %s usa el estado %q, reservado para «antes del inicio»", quote(string(ev.Name)), startState)
		}
		if slices.Contains(ev.From, "") {
			add("el evento %s tiene un estado de origen vacío", quote(string(ev.Name)))
		}
		if ev.To != "" && slices.Contains(ev.From, ev.To) {
			add("el evento %s lleva del estado %s al mismo estado: la máquina de estados no puede ejecutarlo", quote(string(ev.Name)), quote(string(ev.To)))
		}
		if ev.Guard == GuardAssigned && !assigns {
			add("el evento %s corresponde a la persona asignada, pero ningún evento asigna a nadie (assigns)", quote(string(ev.Name)))
		}
		for i, c := range ev.Checks {
			if c == "" || slices.Contains(ev.Checks[:i], c) {
				add("el evento %s tiene una guarda de programa vacía o repetida (checks)", quote(string(ev.Name)))
			}
		}
		p = append(p, routeProblems(d, &ev)...)
		for _, ef := range ev.Effects {
			p = append(p, d.recipientProblems(&ev, ef, assigns)...)
			for _, r := range append(slices.Clone(ef.To), ef.Cc...) {
				if _, unit, ok := recipientRole(r); ok && unit {
					byUnit = true
				}
			}
			switch {
			case len(ef.When) != 0 && len(ef.When) != 2:
				add("la condición de un efecto del evento %s debe tener un dato y un valor", quote(string(ev.Name)))
			case len(ef.When) == 2 && !inputs[ef.When[0]]:
				add("la condición de un efecto del evento %s nombra un dato desconocido %s", quote(string(ev.Name)), quote(ef.When[0]))
			}
			for _, a := range ef.Attach {
				if !docs[a] {
					add("un correo del evento %s adjunta el documento %s, que ningún evento genera", quote(string(ev.Name)), quote(a))
				}
			}
		}
	}
	if len(d.Secrets.Reveal) == 0 {
		// A secret nobody may read is sealed and thrown away.
		for _, ev := range d.Events {
			for _, in := range ev.Inputs {
				if in.Kind == InputSecret {
					add("el dato reservado %s del evento %s no lo podría leer nadie: declare quién lo consulta en secrets.reveal", quote(in.Name), quote(string(ev.Name)))
				}
			}
		}
	}
	if start == nil {
		return p
	}
	if d.IsFinal(start.To) {
		add("el evento inicial %s lleva al estado final %s: ningún trámite podría avanzar", quote(string(start.Name)), quote(string(start.To)))
	}
	for _, f := range []struct{ field, name string }{{"unit_input", d.Unit}, {"system_input", d.System}, {"description_input", d.Description}} {
		if _, ok := start.Input(f.name); f.name != "" && !ok {
			add("%s nombra el dato %s, que el evento inicial %s no pide", f.field, quote(f.name), quote(string(start.Name)))
		}
	}
	// Without a unit input, the requester is the person who starts the
	// case and the requesting unit is theirs.
	if in, ok := start.Input(d.Unit); d.Unit != "" && (requester || byUnit) && (!ok || !in.Required) {
		add("hay eventos de la unidad solicitante (guard requester o unit): el evento inicial debe pedir la unidad como dato obligatorio, nombrado en unit_input")
	}
	return p
}

// routeProblems returns why a route of ev could never be taken or would
// break the state machine: a condition that is not one of the event's
// own inputs and a value it may take, a target that is empty, or one of
// the event's own sources.
func routeProblems(d *Definition, ev *EventDef) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	en := quote(string(ev.Name))
	for i, r := range ev.Routes {
		switch {
		case r.To == "":
			add("la ruta %d del evento %s no tiene estado de destino", i+1, en)
		case r.To == startState:
			add("la ruta %d del evento %s lleva al estado %q, reservado para «antes del inicio»", i+1, en, startState)
		case slices.Contains(ev.From, r.To):
			add("la ruta %d del evento %s lleva al estado de origen %s: la máquina de estados no puede ejecutarla", i+1, en, quote(string(r.To)))
		}
		if len(r.When) != 2 {
			add("la condición de la ruta %d del evento %s debe tener un dato y un valor", i+1, en)
			continue
		}
		in, ok := ev.Input(r.When[0])
		switch {
		case !ok:
			add("la ruta %d del evento %s depende del dato %s, que el evento no pide", i+1, en, quote(r.When[0]))
		case in.Kind == InputSecret:
			add("la ruta %d del evento %s depende del dato reservado %s, que el motor no lee", i+1, en, quote(r.When[0]))
		case in.Kind == InputChoice && !slices.Contains(in.Choices, r.When[1]):
			add("la ruta %d del evento %s espera el valor %s, que no es una opción del dato %s", i+1, en, quote(r.When[1]), quote(r.When[0]))
		case in.Kind == InputBool && r.When[1] != "true" && r.When[1] != "false":
			add("la ruta %d del evento %s espera el valor %s del dato sí/no %s (use \"true\" o \"false\")", i+1, en, quote(r.When[1]), quote(r.When[0]))
		}
	}
	return p
}

// recipientProblems returns why an effect of ev would reach nobody, as far
// as the definition alone tells: an email with no recipients, a document
// given recipients (a document is not sent; an email attaches it), the
// assigned person when no event assigns the case or before anyone can
// have been assigned, and whoever the case waits for after an event that
// can only end it.
func (d *Definition) recipientProblems(ev *EventDef, ef Effect, assigns bool) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	en, tp := quote(string(ev.Name)), quote(ef.Topic)
	rs := append(slices.Clone(ef.To), ef.Cc...)
	switch ef.Kind {
	case EffectDocument:
		if len(rs) > 0 {
			add("el documento %s del evento %s tiene destinatarios: un documento no se envía, adjúntelo a un correo (attach)", tp, en)
		}
		return p
	case EffectEmail:
		if len(rs) == 0 {
			add("el correo %s del evento %s no tiene destinatarios (to, cc)", tp, en)
		}
	}
	final := true
	for _, t := range ev.Targets() {
		final = final && d.IsFinal(t)
	}
	for _, r := range rs {
		switch {
		case r == RecipientAssigned && !assigns:
			add("el correo %s del evento %s va a la persona asignada, pero ningún evento asigna a nadie (assigns)", tp, en)
		case r == RecipientAssigned && len(ev.From) == 0 && ev.Assigns == "":
			add("el correo %s del evento inicial %s va a la persona asignada, que nadie ha asignado aún", tp, en)
		case r == RecipientNext && final:
			add("el correo %s del evento %s va a quien el trámite espera después, pero el evento lo concluye: nadie lo espera", tp, en)
		}
	}
	return p
}
