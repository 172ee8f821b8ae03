package procedure_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tramite/tramite/procedure"
)

// access is a procedure of its own, with none of the manual's roles: an
// employee asks for access, the head of their unit decides (a route on
// the decision), security grants it with a password (a secret given at
// step 3, revealed to the requester alone), and the employee confirms.
// It has no unit input: the requester is the person who asks, and the
// requesting unit is theirs.
func access() *procedure.Definition {
	return &procedure.Definition{
		Code: "TI/ACC-01", Name: "Solicitud de acceso", Version: "1", Prefix: "ACC",
		Roles: []procedure.Role{{ID: "empleado", Label: "Empleado"}, {ID: "jefe_unidad", Label: "Jefe de unidad"},
			{ID: "seguridad", Label: "Seguridad informática"}},
		Steps: []procedure.Step{{Number: 1, Activity: "Solicita", Responsible: "empleado"},
			{Number: 2, Activity: "Decide", Responsible: "jefe_unidad"},
			{Number: 3, Activity: "Habilita", Responsible: "seguridad"},
			{Number: 4, Activity: "Confirma", Responsible: "empleado"}},
		Events: []procedure.EventDef{
			{Name: "request", Label: "Solicitar", Step: 1, To: "requested", Role: "empleado",
				Inputs:  []procedure.Input{{Name: "reason", Label: "Motivo", Kind: procedure.InputText, Required: true}},
				Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: "aviso", To: []procedure.Recipient{procedure.RecipientNext}}}},
			{Name: "decide", Label: "Decidir", Step: 2, From: []procedure.State{"requested"}, To: "authorized",
				Routes: []procedure.Route{{When: []string{"decision", "rechazar"}, To: "rejected"}},
				Role:   "jefe_unidad", Guard: procedure.GuardUnit, Checks: []string{"not_self"},
				Inputs: []procedure.Input{{Name: "decision", Label: "Decisión", Kind: procedure.InputChoice, Required: true, Choices: []string{"autorizar", "rechazar"}}},
				Effects: []procedure.Effect{
					{Kind: procedure.EffectEmail, Topic: "aviso", To: []procedure.Recipient{procedure.RoleRecipient("seguridad")}, When: []string{"decision", "autorizar"}},
					{Kind: procedure.EffectEmail, Topic: "rechazo", To: []procedure.Recipient{procedure.RecipientRequester}, When: []string{"decision", "rechazar"}}}},
			{Name: "grant", Label: "Habilitar", Step: 3, From: []procedure.State{"authorized"}, To: "granted", Role: "seguridad",
				Inputs: []procedure.Input{{Name: "password", Label: "Contraseña inicial", Kind: procedure.InputSecret, Required: true}},
				Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: "listo", To: []procedure.Recipient{procedure.RecipientRequester},
					Cc: []procedure.Recipient{procedure.UnitRoleRecipient("jefe_unidad")}}}},
			{Name: "confirm", Label: "Confirmar", Step: 4, From: []procedure.State{"granted"}, To: "closed", Role: "empleado", Guard: procedure.GuardRequester},
		},
		Final:      []procedure.State{"closed", "rejected"},
		Visibility: procedure.Visibility{All: []procedure.RoleID{"seguridad"}, Unit: []procedure.RoleID{"empleado", "jefe_unidad"}, Outbox: []procedure.RoleID{"seguridad"}},
		Secrets: procedure.SecretAccess{Reveal: []procedure.Permit{{Role: "empleado", Guard: procedure.GuardRequester}},
			Purge: []procedure.Permit{{Role: "seguridad"}}},
		Emails: []procedure.EmailDef{{Topic: "aviso", Label: "Aviso", Subject: "{{.Case.ID}}", Text: "Aviso"},
			{Topic: "rechazo", Label: "Rechazo", Subject: "{{.Case.ID}}", Text: "Rechazado"},
			{Topic: "listo", Label: "Acceso listo", Subject: "{{.Case.ID}}", Text: "Listo"}},
	}
}

// People of access: two units, each with an employee and a head; one
// security officer; a head who asks for access for herself.
var (
	eva   = procedure.Actor{ID: "eva", Name: "Eva Mamani", Email: "eva@example.gob.bo", Unit: "Contabilidad", Grants: []procedure.Grant{{Role: "empleado"}}}
	raul  = procedure.Actor{ID: "raul", Name: "Raúl Apaza", Email: "raul@example.gob.bo", Unit: "Contabilidad", Grants: []procedure.Grant{{Role: "empleado"}}}
	jorge = procedure.Actor{ID: "jorge", Name: "Jorge Lima", Email: "jorge@example.gob.bo", Unit: "Contabilidad", Grants: []procedure.Grant{{Role: "jefe_unidad"}, {Role: "empleado"}}}
	nora  = procedure.Actor{ID: "nora", Name: "Nora Cruz", Email: "nora@example.gob.bo", Unit: "Archivo", Grants: []procedure.Grant{{Role: "jefe_unidad"}}}
	sara  = procedure.Actor{ID: "sara", Name: "Sara Flores", Email: "sara@example.gob.bo", Unit: "Sistemas", Grants: []procedure.Grant{{Role: "seguridad"}}}
	pia   = procedure.Actor{ID: "pia", Name: "Pía Rocha", Email: "pia@example.gob.bo", Unit: "Archivo", Grants: []procedure.Grant{{Role: "empleado"}}}
)

// notSelf refuses the requester: nobody authorises their own request.
func notSelf(_ context.Context, c procedure.Case, a procedure.Actor) error {
	if a.ID == c.RequesterID {
		return errors.New("nadie puede autorizar su propia solicitud")
	}
	return nil
}

func accessEngine(t *testing.T, people []procedure.Actor, opts ...procedure.Option) *procedure.Engine {
	t.Helper()
	return accessEngineOn(t, procedure.NewDirectory(people...), opts...)
}

func accessEngineOn(t *testing.T, dir procedure.Directory, opts ...procedure.Option) *procedure.Engine {
	t.Helper()
	sealer, err := procedure.NewAESSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	clock := procedure.ClockFunc(func() time.Time { return time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC) })
	opts = append([]procedure.Option{procedure.WithDefinitions(access()), procedure.WithDirectory(dir),
		procedure.WithSealer(sealer), procedure.WithClock(clock), procedure.WithGuard("not_self", notSelf)}, opts...)
	e, err := procedure.NewEngine(procedure.NewMemoryStore(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func fire(t *testing.T, e *procedure.Engine, c procedure.Case, a procedure.Actor, ev procedure.EventName, in procedure.Inputs) procedure.Case {
	t.Helper()
	c, err := e.Fire(context.Background(), procedure.FireRequest{CaseID: c.ID, Event: ev, Actor: a, Inputs: in})
	if err != nil {
		t.Fatalf("%s by %s: %v", ev, a.ID, err)
	}
	return c
}

func emails(t *testing.T, e *procedure.Engine, c procedure.Case) []procedure.OutboxItem {
	t.Helper()
	items, err := e.Emails(context.Background(), sara, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func addrs(as []procedure.Address) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Email)
	}
	return strings.Join(s, ",")
}

// TestOwnProcedureRunsOnItsOwnRoles: a procedure with none of the manual's
// roles runs end to end, its requester and unit taken from the person who
// asked, its mail reaching exactly who the definition names, a secret given
// at step 3 revealed to the requester alone.
func TestOwnProcedureRunsOnItsOwnRoles(t *testing.T) {
	ctx := context.Background()
	e := accessEngine(t, []procedure.Actor{eva, raul, jorge, nora, sara, pia})
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: "TI/ACC-01", Actor: eva, Inputs: procedure.Inputs{"reason": "Teletrabajo"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Unit != "Contabilidad" || c.RequesterID != "eva" || c.WaitingRole != "jefe_unidad" || c.WaitingUnit != "Contabilidad" {
		t.Fatalf("case after start: unit %q requester %q waits for %q in %q", c.Unit, c.RequesterID, c.WaitingRole, c.WaitingUnit)
	}
	// "next" is the head of Eva's unit, not Nora, head of another.
	if got := emails(t, e, c); len(got) != 1 || addrs(got[0].To) != "jorge@example.gob.bo" {
		t.Fatalf("request mailed %+v", got)
	}
	inbox := func(a procedure.Actor) int {
		t.Helper()
		cs, err := e.Inbox(ctx, a, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	if inbox(jorge) != 1 || inbox(nora) != 0 {
		t.Errorf("the request waits in Jorge's inbox (%d) and not in Nora's (%d)", inbox(jorge), inbox(nora))
	}
	// Nora heads another unit; Raúl is no head.
	for _, a := range []procedure.Actor{nora, raul} {
		if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "decide", Actor: a, Inputs: procedure.Inputs{"decision": "autorizar"}}); procedure.ErrorCode(err) != procedure.EFORBIDDEN && procedure.ErrorCode(err) != procedure.ENOTFOUND {
			t.Errorf("%s decided: %v", a.ID, err)
		}
	}
	c = fire(t, e, c, jorge, "decide", procedure.Inputs{"decision": "autorizar"})
	if c.State != "authorized" {
		t.Fatalf("authorised to %q", c.State)
	}
	c = fire(t, e, c, sara, "grant", procedure.Inputs{"password": "Vpn-2026-secreta"})
	items := emails(t, e, c)
	last := items[len(items)-1]
	if last.Topic != "listo" || addrs(last.To) != "eva@example.gob.bo" || addrs(last.Cc) != "jorge@example.gob.bo" {
		t.Fatalf("the grant mailed to %s cc %s, want Eva cc Jorge", addrs(last.To), addrs(last.Cc))
	}
	if c.WaitingActor != "eva" || inbox(eva) != 1 || inbox(raul) != 0 {
		t.Errorf("the confirmation waits for %q: Eva's inbox %d, Raúl's %d", c.WaitingActor, inbox(eva), inbox(raul))
	}
	// The password given at step 3 is sealed, and only Eva reads it.
	h, err := e.History(ctx, sara, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range h {
		if strings.Contains(en.Data["password"], "Vpn") {
			t.Fatalf("the password is in the history: %+v", en)
		}
	}
	for _, a := range []procedure.Actor{sara, jorge, raul} {
		if _, err := e.RevealSecrets(ctx, a, c.ID); err == nil {
			t.Errorf("%s read the password", a.ID)
		}
	}
	got, err := e.RevealSecrets(ctx, eva, c.ID)
	if err != nil || got["password"] != "Vpn-2026-secreta" {
		t.Fatalf("Eva reads %v, %v", got, err)
	}
	// Only the requester confirms, not a colleague of her unit.
	if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "confirm", Actor: raul}); procedure.ErrorCode(err) != procedure.EFORBIDDEN {
		t.Fatalf("Raúl confirmed Eva's access: %v", err)
	}
	c = fire(t, e, c, eva, "confirm", nil)
	if err := e.PurgeSecrets(ctx, sara, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Verify(ctx, sara, c.ID); err != nil {
		t.Fatal(err)
	}
}

// TestGuardFunction: a guard written in Go refuses with its own reason,
// and an action it refuses is not offered.
func TestGuardFunction(t *testing.T) {
	ctx := context.Background()
	e := accessEngine(t, []procedure.Actor{jorge, sara})
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: "TI/ACC-01", Actor: jorge, Inputs: procedure.Inputs{"reason": "Soporte"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "decide", Actor: jorge, Inputs: procedure.Inputs{"decision": "autorizar"}})
	if procedure.ErrorCode(err) != procedure.EFORBIDDEN || !strings.Contains(procedure.ErrorMessage(err), "nadie puede autorizar su propia solicitud") {
		t.Fatalf("Jorge authorised his own request: %v", err)
	}
	av, err := e.Available(ctx, jorge, c.ID)
	if err != nil || len(av) != 0 {
		t.Fatalf("Jorge is offered %v, %v", av, err)
	}
}

// TestRoutes: the decision input chooses the target; the mail owed on
// each branch follows it.
func TestRoutes(t *testing.T) {
	for _, tt := range []struct {
		decision string
		state    procedure.State
		topic    string
		to       string
	}{
		{"autorizar", "authorized", "aviso", "sara@example.gob.bo"},
		{"rechazar", "rejected", "rechazo", "eva@example.gob.bo"},
	} {
		t.Run(tt.decision, func(t *testing.T) {
			e := accessEngine(t, []procedure.Actor{eva, jorge, sara})
			c, err := e.Start(context.Background(), procedure.StartRequest{Procedure: "TI/ACC-01", Actor: eva, Inputs: procedure.Inputs{"reason": "Teletrabajo"}})
			if err != nil {
				t.Fatal(err)
			}
			c = fire(t, e, c, jorge, "decide", procedure.Inputs{"decision": tt.decision})
			if c.State != tt.state {
				t.Fatalf("state %q, want %q", c.State, tt.state)
			}
			items := emails(t, e, c)
			last := items[len(items)-1]
			if len(items) != 2 || last.Topic != tt.topic || addrs(last.To) != tt.to {
				t.Fatalf("emails %+v", items)
			}
		})
	}
}

// TestAfterCommit: a hook receives every committed entry with the case as
// it stands and the outbox items queued; a refused step reaches no hook.
func TestAfterCommit(t *testing.T) {
	ctx := context.Background()
	var got []procedure.Transition
	e := accessEngine(t, []procedure.Actor{eva, jorge, sara},
		procedure.WithAfterCommit(func(_ context.Context, tr procedure.Transition) { got = append(got, tr) }))
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: "TI/ACC-01", Actor: eva, Inputs: procedure.Inputs{"reason": "Teletrabajo"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "grant", Actor: sara}); err == nil {
		t.Fatal("granted before the decision")
	}
	c = fire(t, e, c, jorge, "decide", procedure.Inputs{"decision": "autorizar"})
	c = fire(t, e, c, sara, "grant", procedure.Inputs{"password": "x-1"})
	if _, err := e.RevealSecrets(ctx, eva, c.ID); err != nil {
		t.Fatal(err)
	}
	h, err := e.History(ctx, sara, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(h) || len(h) != 4 {
		t.Fatalf("%d transitions for %d entries", len(got), len(h))
	}
	for i, tr := range got {
		if tr.Entry.Hash != h[i].Hash || tr.Entry.Seq != h[i].Seq || tr.Case.ID != c.ID || tr.Definition.Code != "TI/ACC-01" {
			t.Errorf("transition %d: entry %d %s of %s, want entry %d", i, tr.Entry.Seq, tr.Entry.Event, tr.Case.ID, h[i].Seq)
		}
	}
	if got[1].Case.State != "authorized" || len(got[1].Outbox) != 1 || got[1].Outbox[0].ID == "" || got[3].Entry.Event != procedure.ActionRevealSecrets {
		t.Errorf("transitions: %+v", got)
	}
}

// TestEmailToNobodyFails: an email whose recipients resolve to nobody
// with an address is queued failed with the reason, not dropped; a retry
// resolves them again, and is refused while they are still nobody.
func TestEmailToNobodyFails(t *testing.T) {
	ctx := context.Background()
	dir := procedure.NewDirectory(pia, sara) // Archivo has no head in the directory
	e := accessEngineOn(t, dir)
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: "TI/ACC-01", Actor: pia, Inputs: procedure.Inputs{"reason": "Consulta"}})
	if err != nil {
		t.Fatal(err)
	}
	items := emails(t, e, c)
	if len(items) != 1 || items[0].Status != procedure.OutboxFailed ||
		!strings.Contains(items[0].LastError, `el correo "Aviso" no tiene destinatarios: quien atiende el paso siguiente no corresponde a ninguna persona`) {
		t.Fatalf("items %+v", items)
	}
	failed, err := e.Outbox(ctx, sara, procedure.OutboxQuery{Status: procedure.OutboxFailed})
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed items %v, %v", failed, err)
	}
	if _, err := e.RetryOutbox(ctx, sara, items[0].ID); procedure.ErrorCode(err) != procedure.EINVALID ||
		!strings.Contains(procedure.ErrorMessage(err), "no tiene destinatarios") {
		t.Fatalf("retry to nobody: %v", err)
	}
	if err := dir.SaveActor(ctx, nora); err != nil { // Archivo gets its head
		t.Fatal(err)
	}
	it, err := e.RetryOutbox(ctx, sara, items[0].ID)
	if err != nil || it.Status != procedure.OutboxPending || addrs(it.To) != "nora@example.gob.bo" {
		t.Fatalf("retry after the head joined: %+v, %v", it, err)
	}
}

// TestLoaderRefusesOwnProcedure: each refusal the loader or the engine
// makes of a procedure's routes, guards and recipients.
func TestLoaderRefusesOwnProcedure(t *testing.T) {
	event := func(d *procedure.Definition, name procedure.EventName) *procedure.EventDef {
		ev, _ := d.Event(name)
		return ev
	}
	for _, tt := range []struct {
		name   string
		change func(d *procedure.Definition)
		want   string
	}{
		{"a route on an input the event lacks", func(d *procedure.Definition) {
			event(d, "decide").Routes[0].When[0] = "veredicto"
		}, `la ruta 1 del evento "decide" depende del dato "veredicto", que el evento no pide`},
		{"a route on a value no choice has", func(d *procedure.Definition) {
			event(d, "decide").Routes[0].When[1] = "denegar"
		}, `espera el valor "denegar", que no es una opción del dato "decision"`},
		{"a route with half a condition", func(d *procedure.Definition) {
			event(d, "decide").Routes[0].When = []string{"decision"}
		}, `la condición de la ruta 1 del evento "decide" debe tener un dato y un valor`},
		{"a route to nowhere", func(d *procedure.Definition) {
			event(d, "decide").Routes[0].To = ""
		}, `la ruta 1 del evento "decide" no tiene estado de destino`},
		{"a route back to its source", func(d *procedure.Definition) {
			event(d, "decide").Routes[0].To = "requested"
		}, `la ruta 1 del evento "decide" lleva al estado de origen "requested"`},
		{"a route on a secret", func(d *procedure.Definition) {
			ev := event(d, "grant")
			ev.Routes = []procedure.Route{{When: []string{"password", "x"}, To: "rejected"}}
		}, `depende del dato reservado "password"`},
		{"a route on a yes/no with another value", func(d *procedure.Definition) {
			ev := event(d, "grant")
			ev.Inputs = append(ev.Inputs, procedure.Input{Name: "urgent", Label: "Urgente", Kind: procedure.InputBool})
			ev.Routes = []procedure.Route{{When: []string{"urgent", "sí"}, To: "rejected"}}
		}, `espera el valor "sí" del dato sí/no "urgent"`},
		{"an email to nobody", func(d *procedure.Definition) {
			event(d, "request").Effects[0].To = nil
		}, `el correo "aviso" del evento "request" no tiene destinatarios (to, cc)`},
		{"a document with recipients", func(d *procedure.Definition) {
			d.Documents = []procedure.DocumentDef{{Topic: "constancia", Label: "Constancia", Title: "CONSTANCIA", Blocks: []procedure.Block{{Text: "x"}}}}
			event(d, "grant").Effects = append(event(d, "grant").Effects,
				procedure.Effect{Kind: procedure.EffectDocument, Topic: "constancia", To: []procedure.Recipient{procedure.RecipientRequester}})
		}, `el documento "constancia" del evento "grant" tiene destinatarios`},
		{"mail to the assigned when nobody assigns", func(d *procedure.Definition) {
			event(d, "grant").Effects[0].Cc = []procedure.Recipient{procedure.RecipientAssigned}
		}, `el correo "listo" del evento "grant" va a la persona asignada, pero ningún evento asigna a nadie`},
		{"mail to the assigned from the start", func(d *procedure.Definition) {
			ev := event(d, "decide")
			ev.Inputs = append(ev.Inputs, procedure.Input{Name: "officer", Label: "Oficial", Kind: procedure.InputActor, Role: "seguridad"})
			ev.Assigns = "officer"
			event(d, "request").Effects[0].To = []procedure.Recipient{procedure.RecipientAssigned}
		}, `el correo "aviso" del evento inicial "request" va a la persona asignada, que nadie ha asignado aún`},
		{"mail to next after the end", func(d *procedure.Definition) {
			event(d, "confirm").Effects = []procedure.Effect{{Kind: procedure.EffectEmail, Topic: "listo", To: []procedure.Recipient{procedure.RecipientNext}}}
		}, `el correo "listo" del evento "confirm" va a quien el trámite espera después, pero el evento lo concluye`},
		{"mail to a unit's role the definition lacks", func(d *procedure.Definition) {
			event(d, "grant").Effects[0].Cc = []procedure.Recipient{procedure.UnitRoleRecipient("gerente")}
		}, `el evento "grant" envía correo a un rol desconocido "gerente"`},
		{"a secret nobody may read", func(d *procedure.Definition) {
			d.Secrets.Reveal = nil
		}, `el dato reservado "password" del evento "grant" no lo podría leer nadie: declare quién lo consulta en secrets.reveal`},
		{"an empty guard function", func(d *procedure.Definition) {
			event(d, "decide").Checks = []string{""}
		}, `el evento "decide" tiene una guarda de programa vacía o repetida`},
		{"a route to a state with a space", func(d *procedure.Definition) {
			event(d, "decide").Routes[0].To = "re jected"
		}, `el estado de destino de una ruta del evento "decide" no puede contener espacios`},
		{"a guard function named with a newline", func(d *procedure.Definition) {
			event(d, "decide").Checks = []string{"not\nself"}
		}, `una guarda de programa del evento "decide"`},
		{"a unit guard and the unit optional", func(d *procedure.Definition) {
			d.Unit = "area"
			d.StartEvent().Inputs = append(d.StartEvent().Inputs, procedure.Input{Name: "area", Label: "Área", Kind: procedure.InputText})
		}, `el evento inicial debe pedir la unidad como dato obligatorio`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := access()
			tt.change(d)
			err := d.Validate()
			var pe *procedure.Error
			if procedure.ErrorCode(err) != procedure.EINVALID || !errors.As(err, &pe) ||
				!slices.ContainsFunc(pe.Problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Fatalf("Validate = %v, want a problem saying %q", err, tt.want)
			}
			if _, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(d),
				procedure.WithGuard("not_self", notSelf)); procedure.ErrorCode(err) != procedure.EINVALID {
				t.Fatalf("NewEngine took it: %v", err)
			}
		})
	}
	// The definition is sound, but the program registered no guard
	// function of the name it gives.
	d := access()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	_, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(d))
	if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(procedure.ErrorMessage(err), `el evento "decide" nombra la guarda "not_self", que el programa no registró`) {
		t.Fatalf("NewEngine without the guard: %v", err)
	}
}

// TestStartNeedsTheRequestersUnit: a procedure whose guards read the
// requesting unit, with no unit input, refuses a requester of no unit.
func TestStartNeedsTheRequestersUnit(t *testing.T) {
	e := accessEngine(t, []procedure.Actor{sara})
	nobody := procedure.Actor{ID: "leo", Name: "Leo Paz", Grants: []procedure.Grant{{Role: "empleado"}}}
	_, err := e.Start(context.Background(), procedure.StartRequest{Procedure: "TI/ACC-01", Actor: nobody, Inputs: procedure.Inputs{"reason": "x"}})
	if procedure.ErrorCode(err) != procedure.EINVALID || !strings.Contains(procedure.ErrorMessage(err), "Leo Paz no pertenece a ninguna unidad") {
		t.Fatalf("start by a person of no unit: %v", err)
	}
}

// TestStartByAPersonOfNoUnit: without a unit input, a requester of no unit may
// start a case only when the definition needs no unit: no guard or mail by
// unit, and the requester sees every case (else they would not see their
// own).
func TestStartByAPersonOfNoUnit(t *testing.T) {
	leo := procedure.Actor{ID: "leo", Name: "Leo Paz", Email: "leo@example.gob.bo", Grants: []procedure.Grant{{Role: "a"}}}
	def := func(v procedure.Visibility) *procedure.Definition {
		return &procedure.Definition{Code: "X-2", Name: "Consulta", Version: "1", Prefix: "X",
			Roles: []procedure.Role{{ID: "a", Label: "A"}, {ID: "b", Label: "B"}},
			Steps: []procedure.Step{{Number: 1, Activity: "Consulta", Responsible: "a"}, {Number: 2, Activity: "Responde", Responsible: "b"}},
			Events: []procedure.EventDef{{Name: "ask", Label: "Consultar", Step: 1, To: "asked", Role: "a"},
				{Name: "answer", Label: "Responder", Step: 2, From: []procedure.State{"asked"}, To: "answered", Role: "b",
					Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: "r", To: []procedure.Recipient{procedure.RecipientRequester}}}}},
			Final:      []procedure.State{"answered"},
			Visibility: v,
			Emails:     []procedure.EmailDef{{Topic: "r", Label: "Respuesta", Subject: "{{.Case.ID}}", Text: "x"}}}
	}
	for _, tt := range []struct {
		name string
		v    procedure.Visibility
		ok   bool
	}{
		{"the requester sees only their unit's cases", procedure.Visibility{}, false},
		{"the requester sees every case", procedure.Visibility{All: []procedure.RoleID{"a", "b"}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := procedure.NewEngine(procedure.NewMemoryStore(), procedure.WithDefinitions(def(tt.v)),
				procedure.WithDirectory(procedure.NewDirectory(leo)))
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.Start(context.Background(), procedure.StartRequest{Procedure: "X-2", Actor: leo})
			if tt.ok != (err == nil) {
				t.Fatalf("start: %v", err)
			}
			if err != nil {
				if !strings.Contains(procedure.ErrorMessage(err), "Leo Paz no pertenece a ninguna unidad") {
					t.Errorf("refusal: %v", err)
				}
				return
			}
			if c.RequesterID != "leo" || c.Unit != "" {
				t.Errorf("case %+v", c)
			}
		})
	}
}

// TestDiagramsDrawRoutes: a route is an edge of its own, labelled with the
// value that takes it.
func TestDiagramsDrawRoutes(t *testing.T) {
	var mermaid, dot strings.Builder
	if err := access().WriteMermaid(&mermaid, procedure.DiagramOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := access().WriteDOT(&dot, procedure.DiagramOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ out, want string }{
		{mermaid.String(), "    requested --> authorized : 2. decide\n"},
		{mermaid.String(), "    requested --> rejected : 2. decide [rechazar]\n"},
		{mermaid.String(), "    rejected --> [*]\n"},
		{dot.String(), `"requested" -> "rejected" [label="2. decide [rechazar]"];`},
	} {
		if !strings.Contains(tt.out, tt.want) {
			t.Errorf("diagram lacks %q:\n%s", tt.want, tt.out)
		}
	}
}

// TestAfterCommitPanics: a hook that panics does not undo nor fail the
// transition it was told of, and the hooks after it still run.
func TestAfterCommitPanics(t *testing.T) {
	ctx := context.Background()
	var after int
	e := accessEngine(t, []procedure.Actor{eva, jorge},
		procedure.WithAfterCommit(func(context.Context, procedure.Transition) { panic("el gancho falló") }),
		procedure.WithAfterCommit(func(context.Context, procedure.Transition) { after++ }))
	c, err := e.Start(ctx, procedure.StartRequest{Procedure: "TI/ACC-01", Actor: eva, Inputs: procedure.Inputs{"reason": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.Case(ctx, eva, c.ID); err != nil || got.State != "requested" || after != 1 {
		t.Fatalf("case %+v, %v; later hook ran %d times", got, err, after)
	}
}

// TestAfterCommitConcurrent: hooks run on the goroutines that fire, once
// per committed entry, however many fire at once.
func TestAfterCommitConcurrent(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[string]int{}
	e := accessEngine(t, []procedure.Actor{eva, raul, jorge, sara},
		procedure.WithAfterCommit(func(_ context.Context, tr procedure.Transition) {
			mu.Lock()
			seen[tr.Case.ID]++
			mu.Unlock()
		}))
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := []procedure.Actor{eva, raul}[i%2]
			c, err := e.Start(ctx, procedure.StartRequest{Procedure: "TI/ACC-01", Actor: a, Inputs: procedure.Inputs{"reason": "x"}})
			if err != nil {
				errs <- err
				return
			}
			if _, err := e.Fire(ctx, procedure.FireRequest{CaseID: c.ID, Event: "decide", Actor: jorge, Inputs: procedure.Inputs{"decision": "rechazar"}}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != n {
		t.Fatalf("hooks saw %d cases, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 2 {
			t.Errorf("%s: %d transitions, want 2", id, k)
		}
	}
}
