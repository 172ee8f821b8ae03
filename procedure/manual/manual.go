// Package manual defines the procedures of manual UIT/ASS-M01 of AGETIC
// (R.A. AGETIC/RA/0085/2022): UIT/ASS-PR01, putting a new system into
// production, and UIT/ASS-PR02, updating a system in production, with the
// manual's roles, steps and texts, and the documents and emails each step
// produces. Pass them to an engine with
// procedure.WithDefinitions(manual.Definitions()...).
package manual

import (
	"slices"

	"github.com/tramite/tramite/procedure"
)

// The four roles of manual UIT/ASS-M01, and the administrator of a
// deployment.
const (
	RoleSolicitante   procedure.RoleID = "solicitante"    // Unidad/Área Solicitante
	RoleJefeUIT       procedure.RoleID = "jefe_uit"       // Jefe de la UIT
	RoleResponsableSS procedure.RoleID = "responsable_ss" // Responsable de Servidores y Servicios
	RoleProfesionalSS procedure.RoleID = "profesional_ss" // Profesional de Servidores y Servicios
	// RoleAdministrador runs a tramite deployment: no step of the manual is
	// theirs; they see every case and manage the outbox.
	RoleAdministrador procedure.RoleID = "administrador"
)

// States of PR01 and PR02, named by what the case waits for.
const (
	StateRequested       procedure.State = "requested"
	StateForwarded       procedure.State = "forwarded"
	StateInstructed      procedure.State = "instructed"
	StateInProgress      procedure.State = "in_progress"
	StateObserved        procedure.State = "observed"
	StateReportSubmitted procedure.State = "report_submitted"
	StateReportApproved  procedure.State = "report_approved"
	StateMemoIssued      procedure.State = "memo_issued"
	StateClosed          procedure.State = "closed"
	// Final states of the extensions the manual does not name.
	StateRejected  procedure.State = "rejected"
	StateWithdrawn procedure.State = "withdrawn"
)

// Events of PR01 and PR02.
const (
	EventRequest       procedure.EventName = "request"
	EventForward       procedure.EventName = "forward"
	EventInstruct      procedure.EventName = "instruct"
	EventStart         procedure.EventName = "start"
	EventObserve       procedure.EventName = "observe"
	EventComplete      procedure.EventName = "complete"
	EventConclude      procedure.EventName = "conclude"
	EventApproveReport procedure.EventName = "approve_report"
	EventIssueMemo     procedure.EventName = "issue_memo"
	EventAcknowledge   procedure.EventName = "acknowledge"
	// Extensions.
	EventReturnReport procedure.EventName = "return_report"
	EventReturnMemo   procedure.EventName = "return_approved_report"
	EventReject       procedure.EventName = "reject"
	EventWithdraw     procedure.EventName = "withdraw"
)

// Codes of the built-in procedures.
const (
	CodePR01 = "UIT/ASS-PR01"
	CodePR02 = "UIT/ASS-PR02"
)

// Outputs as the manual names them.
const (
	OutputRemisionNota  = "Remisión de Nota"
	OutputFlujo         = "Progreso del documento (Flujo)"
	OutputCorreo        = "Correo electrónico institucional"
	OutputInforme       = "Informe de conclusión"
	OutputNotaInterna   = "Nota Interna"
	resolutionM01       = "R.A. AGETIC/RA/0085/2022"
	approvedM01         = "2022-07-19"
	manualVersion       = "1"
	complexityInput     = "complexity"
	complexityHigh      = "alta"
	complexityLow       = "baja"
	labelSolicitante    = "Unidad/Área Solicitante"
	labelJefeUIT        = "Jefe de la UIT"
	labelResponsableSS  = "Responsable de Servidores y Servicios"
	labelProfesionalSS  = "Profesional de Servidores y Servicios"
	labelAdministrador  = "Administrador del sistema"
	activityAcknowledge = "Recepciona nota interna de conclusión para el cierre de flujo."
)

// Document and email topics queued by the built-in procedures.
const (
	TopicNotaRemision      = "nota-remision"
	TopicInformeConclusion = "informe-conclusion"
	TopicNotaConclusion    = "nota-conclusion"
	TopicNotaInterna       = "nota-interna"
	TopicHojaDeRuta        = "hoja-de-ruta"
	TopicObservaciones     = "observaciones"
	TopicRespuesta         = "respuesta"
	TopicAviso             = "aviso"
)

func stateLabels() map[procedure.State]string {
	return map[procedure.State]string{
		StateRequested:       "Solicitado",
		StateForwarded:       "Derivado",
		StateInstructed:      "Instruido",
		StateInProgress:      "En curso",
		StateObserved:        "Observado",
		StateReportSubmitted: "Informe presentado",
		StateReportApproved:  "Informe aprobado",
		StateMemoIssued:      "Nota interna emitida",
		StateClosed:          "Cerrado",
		StateRejected:        "Rechazado",
		StateWithdrawn:       "Retirado",
	}
}

func builtinRoles() []procedure.Role {
	return []procedure.Role{
		{ID: RoleSolicitante, Label: labelSolicitante},
		{ID: RoleJefeUIT, Label: labelJefeUIT},
		{ID: RoleResponsableSS, Label: labelResponsableSS},
		{ID: RoleProfesionalSS, Label: labelProfesionalSS},
		{ID: RoleAdministrador, Label: labelAdministrador},
	}
}

// builtinVisibility: a requester sees their own unit's cases; the UIT's
// roles and the administrator see every case; the outbox belongs to the
// Jefe de la UIT and the administrator.
func builtinVisibility() procedure.Visibility {
	return procedure.Visibility{
		All:    []procedure.RoleID{RoleJefeUIT, RoleResponsableSS, RoleProfesionalSS, RoleAdministrador},
		Unit:   []procedure.RoleID{RoleSolicitante},
		Outbox: []procedure.RoleID{RoleJefeUIT, RoleAdministrador},
	}
}

var notice = procedure.Effect{Kind: procedure.EffectEmail, Topic: TopicAviso, To: []procedure.Recipient{procedure.RecipientNext}}

var ccUIT = []procedure.Recipient{procedure.RoleRecipient(RoleJefeUIT), procedure.RoleRecipient(RoleResponsableSS)}

func checklistInputs() []procedure.Input {
	return []procedure.Input{
		{Name: "backup_ref", Label: "Copias de seguridad realizadas (referencia)", Kind: procedure.InputText, Required: true},
		{Name: "monitored_ports", Label: "Puertos monitoreados", Kind: procedure.InputPorts, Required: true},
		{Name: "security_policies", Label: "Políticas de seguridad aplicadas en el servidor", Kind: procedure.InputBool, Required: true},
		{Name: "report", Label: "Cuerpo del informe técnico", Kind: procedure.InputLongText, Required: true},
		{Name: "conclusions", Label: "Conclusiones y recomendaciones", Kind: procedure.InputLongText},
	}
}

// commonEvents returns the events shared by PR01 and PR02, after step 1.
func commonEvents(concludeInputs []procedure.Input, concludeEffects []procedure.Effect, complete string) []procedure.EventDef {
	return []procedure.EventDef{
		{Name: EventForward, Label: "Derivar al Responsable de Servidores y Servicios", Step: 2,
			From: []procedure.State{StateRequested}, To: StateForwarded, Role: RoleJefeUIT, Effects: []procedure.Effect{notice}},
		{Name: EventInstruct, Label: "Instruir al Profesional de Servidores y Servicios", Step: 3,
			From: []procedure.State{StateForwarded}, To: StateInstructed, Role: RoleResponsableSS, Assigns: "profesional",
			Inputs:  []procedure.Input{{Name: "profesional", Label: "Profesional de Servidores y Servicios", Kind: procedure.InputActor, Role: RoleProfesionalSS, Required: true}},
			Effects: []procedure.Effect{notice}},
		{Name: EventStart, Label: "Iniciar el trabajo", Step: 4,
			From: []procedure.State{StateInstructed}, To: StateInProgress, Role: RoleProfesionalSS, Guard: procedure.GuardAssigned},
		{Name: EventObserve, Label: "Observar: solicitar información", Step: 4,
			From: []procedure.State{StateInstructed, StateInProgress}, To: StateObserved, Role: RoleProfesionalSS, Guard: procedure.GuardAssigned,
			Inputs:  []procedure.Input{{Name: "observations", Label: "Observaciones", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: TopicObservaciones, To: []procedure.Recipient{procedure.RecipientRequester}, Cc: ccUIT}}},
		{Name: EventComplete, Label: complete, Step: 5,
			From: []procedure.State{StateObserved}, To: StateInProgress, Role: RoleSolicitante, Guard: procedure.GuardRequester,
			Inputs:  []procedure.Input{{Name: "answer", Label: "Respuesta a las observaciones", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: TopicRespuesta, To: []procedure.Recipient{procedure.RecipientAssigned}, Cc: ccUIT}}},
		{Name: EventConclude, Label: "Concluir y presentar el informe", Step: 6,
			From: []procedure.State{StateInProgress}, To: StateReportSubmitted, Role: RoleProfesionalSS, Guard: procedure.GuardAssigned,
			Inputs: concludeInputs, Effects: append(slices.Clone(concludeEffects), notice)},
		{Name: EventApproveReport, Label: "Revisar y aprobar el informe", Step: 7,
			From: []procedure.State{StateReportSubmitted}, To: StateReportApproved, Role: RoleResponsableSS,
			Effects: append(resign(concludeEffects), notice)},
		{Name: EventIssueMemo, Label: "Aprobar el informe y emitir la nota interna", Step: 8,
			From: []procedure.State{StateReportApproved}, To: StateMemoIssued, Role: RoleJefeUIT,
			Inputs: []procedure.Input{{Name: "memo", Label: "Texto de la nota interna", Kind: procedure.InputLongText, Required: true}},
			Effects: append(resign(concludeEffects),
				procedure.Effect{Kind: procedure.EffectDocument, Topic: TopicNotaInterna, Series: "NI"},
				procedure.Effect{Kind: procedure.EffectEmail, Topic: TopicNotaInterna, To: []procedure.Recipient{procedure.RecipientRequester}, Cc: ccUIT, Attach: []string{TopicNotaInterna}},
			)},
		{Name: EventAcknowledge, Label: "Recepcionar la nota interna y cerrar el flujo", Step: 9,
			From: []procedure.State{StateMemoIssued}, To: StateClosed, Role: RoleSolicitante, Guard: procedure.GuardRequester,
			Effects: []procedure.Effect{{Kind: procedure.EffectDocument, Topic: TopicHojaDeRuta}}},
		// Extensions the manual does not name.
		{Name: EventReturnReport, Label: "Devolver el informe para corrección", Step: 7, Extension: true,
			From: []procedure.State{StateReportSubmitted}, To: StateInProgress, Role: RoleResponsableSS,
			Inputs:  []procedure.Input{{Name: "reasons", Label: "Motivos de la devolución", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{notice}},
		{Name: EventReturnMemo, Label: "Devolver el informe aprobado para corrección", Step: 8, Extension: true,
			From: []procedure.State{StateReportApproved}, To: StateInProgress, Role: RoleJefeUIT,
			Inputs:  []procedure.Input{{Name: "reasons", Label: "Motivos de la devolución", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{notice}},
		{Name: EventReject, Label: "Rechazar la solicitud", Step: 2, Extension: true,
			From: []procedure.State{StateRequested}, To: StateRejected, Role: RoleJefeUIT,
			Inputs:  []procedure.Input{{Name: "reasons", Label: "Motivos del rechazo", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: TopicAviso, To: []procedure.Recipient{procedure.RecipientRequester}}}},
		{Name: EventWithdraw, Label: "Retirar la solicitud", Step: 1, Extension: true,
			From: []procedure.State{StateRequested, StateForwarded, StateInstructed, StateInProgress, StateObserved},
			To:   StateWithdrawn, Role: RoleSolicitante, Guard: procedure.GuardRequester,
			Inputs:  []procedure.Input{{Name: "reasons", Label: "Motivos del retiro", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: TopicAviso, To: []procedure.Recipient{procedure.RoleRecipient(RoleJefeUIT), procedure.RecipientAssigned}}}},
	}
}

// resign returns the conclusion documents of step 6 again, without a new
// cite number: steps 7 and 8 render a new version carrying their sign-off.
func resign(docs []procedure.Effect) []procedure.Effect {
	out := make([]procedure.Effect, len(docs))
	for i, d := range docs {
		d.Series = ""
		out[i] = d
	}
	return out
}

func requestInputs(secrets bool) []procedure.Input {
	in := []procedure.Input{
		{Name: "system", Label: "Sistema", Kind: procedure.InputText, Required: true, MaxLen: 200},
		{Name: "description", Label: "Descripción del requerimiento", Kind: procedure.InputLongText, Required: true},
		{Name: "unit", Label: "Unidad/Área solicitante", Kind: procedure.InputText, Required: true, MaxLen: 200},
	}
	if secrets {
		in = append(in,
			procedure.Input{Name: "credentials", Label: "Credenciales", Kind: procedure.InputSecret, Required: true},
			procedure.Input{Name: "tokens", Label: "Tokens", Kind: procedure.InputSecret},
			procedure.Input{Name: "access_keys", Label: "Llaves de acceso", Kind: procedure.InputSecret},
		)
	}
	return in
}

// PR01 returns the built-in definition of UIT/ASS-PR01, putting a new system
// into production. Each call returns a fresh copy.
func PR01() *procedure.Definition {
	request := procedure.EventDef{Name: EventRequest, Label: "Solicitar la puesta en producción", Step: 1,
		To: StateRequested, Role: RoleSolicitante, Guard: procedure.GuardRequester, Inputs: requestInputs(true),
		Effects: []procedure.Effect{{Kind: procedure.EffectDocument, Topic: TopicNotaRemision, Series: "NOTA"}, notice}}
	return &procedure.Definition{
		Code: CodePR01, Name: "Procedimiento para la puesta en producción de sistemas en la AGETIC",
		Version: manualVersion, Resolution: resolutionM01, Approved: approvedM01, Prefix: "PR01",
		Objective: "Establecer las actividades para dar curso a la puesta en producción de sistemas informáticos a requerimiento de la Unidad/Área Solicitante.",
		Roles:     builtinRoles(),
		Steps: []procedure.Step{
			{Number: 1, Activity: "Solicita la puesta en producción de un nuevo sistema. El requerimiento debe incluir la siguiente información: Tokens, llaves de acceso, credenciales y otros necesarios para la puesta a producción.", Responsible: RoleSolicitante, Output: OutputRemisionNota},
			{Number: 2, Activity: "Recepciona y deriva la documentación para la puesta a producción al Responsable de Servidores y Servicios.", Responsible: RoleJefeUIT, Output: OutputFlujo},
			{Number: 3, Activity: "Revisa e instruye la puesta en producción al Profesional de Servidores y Servicios.", Responsible: RoleResponsableSS, Output: OutputFlujo},
			{Number: 4, Activity: "Recepciona e inicia la puesta a producción de sistema en base a la información proporcionada de la Unidad/Área solicitante. Si tiene observaciones solicita completar la información necesaria para la puesta en producción vía correo electrónico institucional a la Unidad/Área solicitante con copia al jefe de la UIT y al Responsable de Servidores y Servicios.", Responsible: RoleProfesionalSS, Output: OutputCorreo},
			{Number: 5, Activity: "Completa información requerida para la puesta en producción, según observaciones del Profesional de Servidores y Servicios.", Responsible: RoleSolicitante, Output: OutputCorreo},
			{Number: 6, Activity: "Si no tiene observaciones, realiza el despliegue del sistema en producción, tomando en cuenta copias de seguridad, monitoreo de puertos y políticas de seguridad en el servidor, elabora informe técnico de conclusión al Jefe de UIT vía al Responsable de Servidores y Servicios.", Responsible: RoleProfesionalSS, Output: OutputInforme},
			{Number: 7, Activity: "Revisa y aprueba el informe de conclusión.", Responsible: RoleResponsableSS, Output: OutputFlujo},
			{Number: 8, Activity: "Aprueba el informe de conclusión y elabora nota interna notificando la conclusión de la puesta en producción.", Responsible: RoleJefeUIT, Output: OutputNotaInterna},
			{Number: 9, Activity: activityAcknowledge, Responsible: RoleSolicitante, Output: OutputFlujo},
		},
		Events: append([]procedure.EventDef{request}, commonEvents(checklistInputs(),
			[]procedure.Effect{{Kind: procedure.EffectDocument, Topic: TopicInformeConclusion, Series: "INF"}},
			"Completar la información requerida")...),
		Final: []procedure.State{StateClosed, StateRejected, StateWithdrawn},
		Unit:  "unit", System: "system", Description: "description",
		Visibility:  builtinVisibility(),
		StateLabels: stateLabels(),
		Secrets: procedure.SecretAccess{
			Reveal: []procedure.Permit{{Role: RoleProfesionalSS, Guard: procedure.GuardAssigned}},
			Purge:  []procedure.Permit{{Role: RoleJefeUIT}, {Role: RoleProfesionalSS, Guard: procedure.GuardAssigned}},
		},
	}
}

// PR02 returns the built-in definition of UIT/ASS-PR02, updating a system in
// production. In step 6 the profesional states the update's complexity:
// "alta" gives an Informe técnico de conclusión, "baja" a Nota de conclusión.
func PR02() *procedure.Definition {
	request := procedure.EventDef{Name: EventRequest, Label: "Solicitar la actualización", Step: 1,
		To: StateRequested, Role: RoleSolicitante, Guard: procedure.GuardRequester, Inputs: requestInputs(false),
		Effects: []procedure.Effect{{Kind: procedure.EffectDocument, Topic: TopicNotaRemision, Series: "NOTA"}, notice}}
	conclude := append(checklistInputs(), procedure.Input{Name: complexityInput, Label: "Grado de complejidad de la actualización",
		Kind: procedure.InputChoice, Choices: []string{complexityHigh, complexityLow}, Required: true})
	return &procedure.Definition{
		Code: CodePR02, Name: "Procedimiento para la actualización de sistemas en producción de la AGETIC",
		Version: manualVersion, Resolution: resolutionM01, Approved: approvedM01, Prefix: "PR02",
		Objective: "Establecer las actividades a seguir para dar curso a las actualizaciones de sistemas informáticos a requerimiento de la Unidad/Área solicitante.",
		Roles:     builtinRoles(),
		Steps: []procedure.Step{
			{Number: 1, Activity: "Solicita la actualización de un sistema que esta en producción.", Responsible: RoleSolicitante, Output: OutputRemisionNota},
			{Number: 2, Activity: "Recepciona y deriva la documentación para la actualización del sistema en producción al Responsable de Servidores y Servicios.", Responsible: RoleJefeUIT, Output: OutputFlujo},
			{Number: 3, Activity: "Revisa e instruye la actualización en producción al Profesional de Servidores y Servicios.", Responsible: RoleResponsableSS, Output: OutputFlujo},
			{Number: 4, Activity: "Recepciona e inicia la actualización en producción de un sistema en base a la información proporcionada por la Unidad/Área solicitante. Si tiene observaciones solicita aclarar la actualización en producción, mediante correo electrónico institucional a la Unidad/Área solicitante con copia al jefe de la UIT y al responsable de servidores y servicios.", Responsible: RoleProfesionalSS, Output: OutputCorreo},
			{Number: 5, Activity: "Aclara actualización en producción según observaciones de la UIT.", Responsible: RoleSolicitante, Output: OutputCorreo},
			{Number: 6, Activity: "Si no tiene observaciones, realiza la actualización del sistema en producción, tomando en cuenta copias de seguridad, monitoreo de puertos y políticas de seguridad en el servidor, elabora informe técnico de conclusión para el jefe de UIT vía el Responsable de Servidores y Servicios, según conducto regular. Elabora informe o nota de acuerdo al grado de complejidad de la actualización.", Responsible: RoleProfesionalSS, Output: OutputInforme},
			{Number: 7, Activity: "Revisa y aprueba el informe o nota de conclusión", Responsible: RoleResponsableSS, Output: OutputFlujo},
			{Number: 8, Activity: "Aprueba el informe o nota de conclusión y elabora nota interna notificando la conclusión de la actualización del sistema en producción.", Responsible: RoleJefeUIT, Output: OutputNotaInterna},
			{Number: 9, Activity: activityAcknowledge, Responsible: RoleSolicitante, Output: OutputFlujo},
		},
		Events: append([]procedure.EventDef{request}, commonEvents(conclude, []procedure.Effect{
			{Kind: procedure.EffectDocument, Topic: TopicInformeConclusion, Series: "INF", When: []string{complexityInput, complexityHigh}},
			{Kind: procedure.EffectDocument, Topic: TopicNotaConclusion, Series: "NC", When: []string{complexityInput, complexityLow}},
		}, "Aclarar la actualización")...),
		Final: []procedure.State{StateClosed, StateRejected, StateWithdrawn},
		Unit:  "unit", System: "system", Description: "description",
		Visibility:  builtinVisibility(),
		StateLabels: stateLabels(),
		Secrets: procedure.SecretAccess{
			Reveal: []procedure.Permit{{Role: RoleProfesionalSS, Guard: procedure.GuardAssigned}},
			Purge:  []procedure.Permit{{Role: RoleJefeUIT}, {Role: RoleProfesionalSS, Guard: procedure.GuardAssigned}},
		},
	}
}

// Definitions returns fresh copies of PR01 and PR02.
func Definitions() []*procedure.Definition { return []*procedure.Definition{PR01(), PR02()} }
