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
// that do not exist, and attachments no event renders.
func (d *Definition) runProblems() []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	start := d.StartEvent()
	assigns, requester := false, false
	inputs := map[string]bool{}
	docs := map[string]bool{}
	for _, ev := range d.Events {
		assigns = assigns || ev.Assigns != ""
		requester = requester || ev.Guard == GuardRequester
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
		for _, ef := range ev.Effects {
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
	if in, ok := start.Input(d.Unit); requester && (!ok || !in.Required) {
		add("hay eventos de la unidad solicitante (guard requester): el evento inicial debe pedir la unidad como dato obligatorio, nombrado en unit_input")
	}
	return p
}
