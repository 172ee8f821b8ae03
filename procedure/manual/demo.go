package manual

import (
	"context"
	"fmt"

	"github.com/tramite/tramite/procedure"
)

// Demo requesting units.
const (
	UnitDesarrollo = "Unidad de Desarrollo de Software"
	UnitGobierno   = "Unidad de Gobierno Electrónico"
)

// DemoPeople returns the people of the demos, the tests and a trial
// deployment: two requesters of two units (ana, bruno), the Jefe de la
// UIT (carla) and an interim one (diego), the Responsable (elena), two
// Profesionales (fabio, gina) and an administrator (hugo). Their IDs are
// their usernames.
func DemoPeople() []procedure.Actor {
	g := func(r procedure.RoleID, interim bool) []procedure.Grant {
		return []procedure.Grant{{Role: r, Interim: interim}}
	}
	return []procedure.Actor{
		{ID: "ana", Name: "Ana Quispe", Email: "ana@agetic.gob.bo", Unit: UnitDesarrollo, Grants: g(RoleSolicitante, false)},
		{ID: "bruno", Name: "Bruno Mamani", Email: "bruno@agetic.gob.bo", Unit: UnitGobierno, Grants: g(RoleSolicitante, false)},
		{ID: "carla", Name: "Carla Rojas", Email: "carla@agetic.gob.bo", Unit: "UIT", Grants: g(RoleJefeUIT, false)},
		{ID: "diego", Name: "Diego Flores", Email: "diego@agetic.gob.bo", Unit: "UIT", Grants: g(RoleJefeUIT, true)},
		{ID: "elena", Name: "Elena Vargas", Email: "elena@agetic.gob.bo", Unit: "UIT", Grants: g(RoleResponsableSS, false)},
		{ID: "fabio", Name: "Fabio Choque", Email: "fabio@agetic.gob.bo", Unit: "UIT", Grants: g(RoleProfesionalSS, false)},
		{ID: "gina", Name: "Gina Torrez", Email: "gina@agetic.gob.bo", Unit: "UIT", Grants: g(RoleProfesionalSS, false)},
		{ID: "hugo", Name: "Hugo Alanoca", Email: "hugo@agetic.gob.bo", Unit: "UIT", Grants: g(RoleAdministrador, false)},
	}
}

// SeedDemo starts six demo cases of PR01 and PR02 in different steps, as
// the demo people (the engine's directory must know them).
func SeedDemo(ctx context.Context, e *procedure.Engine) error {
	people := map[string]procedure.Actor{}
	for _, a := range DemoPeople() {
		people[a.ID] = a
	}
	type step struct {
		by string
		ev procedure.EventName
		in procedure.Inputs
	}
	forward := step{"carla", EventForward, nil}
	instruct := func(p string) step {
		return step{"elena", EventInstruct, procedure.Inputs{"profesional": p}}
	}
	checklist := func(complexity string) procedure.Inputs {
		in := procedure.Inputs{"backup_ref": "BK-2026-0451 (instantánea del volumen y volcado de la base)",
			"monitored_ports": "443, 5432", "security_policies": "true",
			"report":      "Se desplegó el sistema en el servidor de producción con contenedores, proxy inverso y certificados TLS.",
			"conclusions": "El sistema se encuentra en producción y monitoreado."}
		if complexity != "" {
			in[complexityInput] = complexity
		}
		return in
	}
	demos := []struct {
		proc, by, system, desc string
		steps                  []step
	}{
		{CodePR01, "ana", "Sistema de Correspondencia", "Puesta en producción del sistema de correspondencia institucional.", nil},
		{CodePR02, "bruno", "Portal de Trámites", "Actualización a la versión 2.1 del portal de trámites.", []step{forward}},
		{CodePR01, "ana", "Sistema de Planillas", "Puesta en producción del sistema de planillas.",
			[]step{forward, instruct("fabio"), {"fabio", EventStart, nil}}},
		{CodePR01, "bruno", "Registro de Proveedores", "Puesta en producción del registro de proveedores.",
			[]step{forward, instruct("gina"), {"gina", EventObserve, procedure.Inputs{"observations": "Falta la URL del repositorio y la variable DB_HOST."}}}},
		{CodePR02, "ana", "Mesa de Ayuda", "Actualización del módulo de reportes de la mesa de ayuda.",
			[]step{forward, instruct("fabio"), {"fabio", EventStart, nil}, {"fabio", EventConclude, checklist(complexityLow)}}},
		{CodePR01, "ana", "Biblioteca Digital", "Puesta en producción de la biblioteca digital.",
			[]step{forward, instruct("fabio"), {"fabio", EventStart, nil}, {"fabio", EventConclude, checklist("")},
				{"elena", EventApproveReport, nil},
				{"carla", EventIssueMemo, procedure.Inputs{"memo": "Se comunica la conclusión de la puesta en producción de la Biblioteca Digital."}},
				{"ana", EventAcknowledge, nil}}},
	}
	for _, d := range demos {
		req := people[d.by]
		in := procedure.Inputs{"system": d.system, "description": d.desc, "unit": req.Unit}
		if d.proc == CodePR01 {
			in["credentials"] = "usuario: despliegue / clave: Demo#2026"
			in["tokens"] = "tok-demo-" + req.ID
		}
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: d.proc, Actor: req, Inputs: in})
		if err != nil {
			return fmt.Errorf("seed %s: %w", d.system, err)
		}
		for _, st := range d.steps {
			if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: st.ev, Actor: people[st.by], Inputs: st.in, Version: c.Version}); err != nil {
				return fmt.Errorf("seed %s: %s: %w", d.system, st.ev, err)
			}
		}
	}
	return nil
}
