package desk

import (
	"context"
	"fmt"
	"sort"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/procedure/manual"
)

// Demo requesting units.
const (
	UnitDesarrollo = "Unidad de Desarrollo de Software"
	UnitGobierno   = "Unidad de Gobierno Electrónico"
)

// DemoActors returns the people a new database starts with: two requesting
// units, a jefe and an interim jefe, a responsable, two profesionales and
// an administrator.
// Their IDs are their usernames.
func DemoActors() []procedure.Actor {
	g := func(r procedure.RoleID, interim bool) []procedure.Grant {
		return []procedure.Grant{{Role: r, Interim: interim}}
	}
	return []procedure.Actor{
		{ID: "ana", Name: "Ana Quispe", Email: "ana@agetic.gob.bo", Unit: UnitDesarrollo, Grants: g(manual.RoleSolicitante, false)},
		{ID: "bruno", Name: "Bruno Mamani", Email: "bruno@agetic.gob.bo", Unit: UnitGobierno, Grants: g(manual.RoleSolicitante, false)},
		{ID: "carla", Name: "Carla Rojas", Email: "carla@agetic.gob.bo", Unit: "UIT", Grants: g(manual.RoleJefeUIT, false)},
		{ID: "diego", Name: "Diego Flores", Email: "diego@agetic.gob.bo", Unit: "UIT", Grants: g(manual.RoleJefeUIT, true)},
		{ID: "elena", Name: "Elena Vargas", Email: "elena@agetic.gob.bo", Unit: "UIT", Grants: g(manual.RoleResponsableSS, false)},
		{ID: "fabio", Name: "Fabio Choque", Email: "fabio@agetic.gob.bo", Unit: "UIT", Grants: g(manual.RoleProfesionalSS, false)},
		{ID: "gina", Name: "Gina Torrez", Email: "gina@agetic.gob.bo", Unit: "UIT", Grants: g(manual.RoleProfesionalSS, false)},
		{ID: "hugo", Name: "Hugo Alanoca", Email: "hugo@agetic.gob.bo", Unit: "UIT", Grants: g(manual.RoleAdministrador, false)},
	}
}

// DemoPassword is the password of a demo person: "demo-" and the username.
func DemoPassword(id string) string { return "demo-" + id }

// SeedPeople stores the demo people with their demo passwords when the
// directory is empty, and reports whether it did.
func (s *Service) SeedPeople(ctx context.Context) (bool, error) {
	as, err := s.cfg.People.Actors(ctx)
	if err != nil || len(as) > 0 {
		return false, err
	}
	for _, a := range DemoActors() {
		if err := s.cfg.People.SaveActor(ctx, a); err != nil {
			return false, fmt.Errorf("seed %s: %w", a.ID, err)
		}
		if err := s.SetPassword(ctx, a.ID, DemoPassword(a.ID)); err != nil {
			return false, fmt.Errorf("seed %s: %w", a.ID, err)
		}
	}
	return true, nil
}

// SeedCases starts a few demo cases in different steps when the store has
// no case at all, and reports whether it did. The engine's directory must
// know the demo people.
func (s *Service) SeedCases(ctx context.Context) (bool, error) {
	n, err := s.cfg.Store.CountCases(ctx, procedure.CaseQuery{})
	if err != nil || n > 0 {
		return false, err
	}
	people := map[string]procedure.Actor{}
	for _, a := range DemoActors() {
		people[a.ID] = a
	}
	e := s.cfg.Engine
	type step struct {
		by string
		ev procedure.EventName
		in procedure.Inputs
	}
	forward := step{"carla", manual.EventForward, nil}
	instruct := func(p string) step {
		return step{"elena", manual.EventInstruct, procedure.Inputs{"profesional": p}}
	}
	checklist := procedure.Inputs{"backup_ref": "BK-2026-0451 (instantánea del volumen y volcado de la base)",
		"monitored_ports": "443, 5432", "security_policies": "true",
		"report":      "Se desplegó el sistema en el servidor de producción con contenedores, proxy inverso y certificados TLS.",
		"conclusions": "El sistema se encuentra en producción y monitoreado."}
	demos := []struct {
		proc, by, system, desc string
		secret                 bool
		steps                  []step
	}{
		{manual.CodePR01, "ana", "Sistema de Correspondencia", "Puesta en producción del sistema de correspondencia institucional.", true, nil},
		{manual.CodePR02, "bruno", "Portal de Trámites", "Actualización a la versión 2.1 del portal de trámites.", false, []step{forward}},
		{manual.CodePR01, "ana", "Sistema de Planillas", "Puesta en producción del sistema de planillas.", true,
			[]step{forward, instruct("fabio"), {"fabio", manual.EventStart, nil}}},
		{manual.CodePR01, "bruno", "Registro de Proveedores", "Puesta en producción del registro de proveedores.", true,
			[]step{forward, instruct("gina"), {"gina", manual.EventObserve, procedure.Inputs{"observations": "Falta la URL del repositorio y la variable DB_HOST."}}}},
		{manual.CodePR02, "ana", "Mesa de Ayuda", "Actualización del módulo de reportes de la mesa de ayuda.", false,
			[]step{forward, instruct("fabio"), {"fabio", manual.EventStart, nil}, {"fabio", manual.EventConclude, withComplexity(checklist, "baja")}}},
		{manual.CodePR01, "ana", "Biblioteca Digital", "Puesta en producción de la biblioteca digital.", true,
			[]step{forward, instruct("fabio"), {"fabio", manual.EventStart, nil}, {"fabio", manual.EventConclude, checklist},
				{"elena", manual.EventApproveReport, nil},
				{"carla", manual.EventIssueMemo, procedure.Inputs{"memo": "Se comunica la conclusión de la puesta en producción de la Biblioteca Digital."}},
				{"ana", manual.EventAcknowledge, nil}}},
	}
	for _, d := range demos {
		req := people[d.by]
		in := procedure.Inputs{"system": d.system, "description": d.desc, "unit": req.Unit}
		if d.secret {
			in["credentials"] = "usuario: despliegue / clave: Demo#2026"
			in["tokens"] = "tok-demo-" + req.ID
		}
		c, err := e.Start(ctx, procedure.StartRequest{Procedure: d.proc, Actor: req, Inputs: in})
		if err != nil {
			return false, fmt.Errorf("seed %s: %w", d.system, err)
		}
		for _, st := range d.steps {
			if c, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: st.ev, Actor: people[st.by], Inputs: st.in, Version: c.Version}); err != nil {
				return false, fmt.Errorf("seed %s: %s: %w", d.system, st.ev, err)
			}
		}
	}
	return true, nil
}

func withComplexity(in procedure.Inputs, c string) procedure.Inputs {
	out := procedure.Inputs{"complexity": c}
	for k, v := range in {
		out[k] = v
	}
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
