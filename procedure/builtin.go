package procedure

import "slices"

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
	maxTextDefault      = 10000
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

func builtinRoles() []Role {
	return []Role{
		{RoleSolicitante, labelSolicitante},
		{RoleJefeUIT, labelJefeUIT},
		{RoleResponsableSS, labelResponsableSS},
		{RoleProfesionalSS, labelProfesionalSS},
		{RoleAdministrador, labelAdministrador},
	}
}

// builtinVisibility: a requester sees their own unit's cases; the UIT's
// roles and the administrator see every case; the outbox belongs to the
// Jefe de la UIT and the administrator.
func builtinVisibility() Visibility {
	return Visibility{
		All:    []RoleID{RoleJefeUIT, RoleResponsableSS, RoleProfesionalSS, RoleAdministrador},
		Unit:   []RoleID{RoleSolicitante},
		Outbox: []RoleID{RoleJefeUIT, RoleAdministrador},
	}
}

var notice = Effect{Kind: EffectEmail, Topic: TopicAviso, To: []Recipient{RecipientNext}}

var ccUIT = []Recipient{RoleRecipient(RoleJefeUIT), RoleRecipient(RoleResponsableSS)}

func checklistInputs() []Input {
	return []Input{
		{Name: "backup_ref", Label: "Copias de seguridad realizadas (referencia)", Kind: InputText, Required: true},
		{Name: "monitored_ports", Label: "Puertos monitoreados", Kind: InputPorts, Required: true},
		{Name: "security_policies", Label: "Políticas de seguridad aplicadas en el servidor", Kind: InputBool, Required: true},
		{Name: "report", Label: "Cuerpo del informe técnico", Kind: InputLongText, Required: true},
		{Name: "conclusions", Label: "Conclusiones y recomendaciones", Kind: InputLongText},
	}
}

// commonEvents returns the events shared by PR01 and PR02, after step 1.
func commonEvents(concludeInputs []Input, concludeEffects []Effect, complete string) []EventDef {
	return []EventDef{
		{Name: EventForward, Label: "Derivar al Responsable de Servidores y Servicios", Step: 2,
			From: []State{StateRequested}, To: StateForwarded, Role: RoleJefeUIT, Effects: []Effect{notice}},
		{Name: EventInstruct, Label: "Instruir al Profesional de Servidores y Servicios", Step: 3,
			From: []State{StateForwarded}, To: StateInstructed, Role: RoleResponsableSS, Assigns: "profesional",
			Inputs:  []Input{{Name: "profesional", Label: "Profesional de Servidores y Servicios", Kind: InputActor, Role: RoleProfesionalSS, Required: true}},
			Effects: []Effect{notice}},
		{Name: EventStart, Label: "Iniciar el trabajo", Step: 4,
			From: []State{StateInstructed}, To: StateInProgress, Role: RoleProfesionalSS, Guard: GuardAssigned},
		{Name: EventObserve, Label: "Observar: solicitar información", Step: 4,
			From: []State{StateInstructed, StateInProgress}, To: StateObserved, Role: RoleProfesionalSS, Guard: GuardAssigned,
			Inputs:  []Input{{Name: "observations", Label: "Observaciones", Kind: InputLongText, Required: true}},
			Effects: []Effect{{Kind: EffectEmail, Topic: TopicObservaciones, To: []Recipient{RecipientRequester}, Cc: ccUIT}}},
		{Name: EventComplete, Label: complete, Step: 5,
			From: []State{StateObserved}, To: StateInProgress, Role: RoleSolicitante, Guard: GuardRequester,
			Inputs:  []Input{{Name: "answer", Label: "Respuesta a las observaciones", Kind: InputLongText, Required: true}},
			Effects: []Effect{{Kind: EffectEmail, Topic: TopicRespuesta, To: []Recipient{RecipientAssigned}, Cc: ccUIT}}},
		{Name: EventConclude, Label: "Concluir y presentar el informe", Step: 6,
			From: []State{StateInProgress}, To: StateReportSubmitted, Role: RoleProfesionalSS, Guard: GuardAssigned,
			Inputs: concludeInputs, Effects: append(slices.Clone(concludeEffects), notice)},
		{Name: EventApproveReport, Label: "Revisar y aprobar el informe", Step: 7,
			From: []State{StateReportSubmitted}, To: StateReportApproved, Role: RoleResponsableSS,
			Effects: append(resign(concludeEffects), notice)},
		{Name: EventIssueMemo, Label: "Aprobar el informe y emitir la nota interna", Step: 8,
			From: []State{StateReportApproved}, To: StateMemoIssued, Role: RoleJefeUIT,
			Inputs: []Input{{Name: "memo", Label: "Texto de la nota interna", Kind: InputLongText, Required: true}},
			Effects: append(resign(concludeEffects),
				Effect{Kind: EffectDocument, Topic: TopicNotaInterna, Series: "NI"},
				Effect{Kind: EffectEmail, Topic: TopicNotaInterna, To: []Recipient{RecipientRequester}, Cc: ccUIT, Attach: []string{TopicNotaInterna}},
			)},
		{Name: EventAcknowledge, Label: "Recepcionar la nota interna y cerrar el flujo", Step: 9,
			From: []State{StateMemoIssued}, To: StateClosed, Role: RoleSolicitante, Guard: GuardRequester,
			Effects: []Effect{{Kind: EffectDocument, Topic: TopicHojaDeRuta}}},
		// Extensions the manual does not name.
		{Name: EventReturnReport, Label: "Devolver el informe para corrección", Step: 7, Extension: true,
			From: []State{StateReportSubmitted}, To: StateInProgress, Role: RoleResponsableSS,
			Inputs:  []Input{{Name: "reasons", Label: "Motivos de la devolución", Kind: InputLongText, Required: true}},
			Effects: []Effect{notice}},
		{Name: EventReturnMemo, Label: "Devolver el informe aprobado para corrección", Step: 8, Extension: true,
			From: []State{StateReportApproved}, To: StateInProgress, Role: RoleJefeUIT,
			Inputs:  []Input{{Name: "reasons", Label: "Motivos de la devolución", Kind: InputLongText, Required: true}},
			Effects: []Effect{notice}},
		{Name: EventReject, Label: "Rechazar la solicitud", Step: 2, Extension: true,
			From: []State{StateRequested}, To: StateRejected, Role: RoleJefeUIT,
			Inputs:  []Input{{Name: "reasons", Label: "Motivos del rechazo", Kind: InputLongText, Required: true}},
			Effects: []Effect{{Kind: EffectEmail, Topic: TopicAviso, To: []Recipient{RecipientRequester}}}},
		{Name: EventWithdraw, Label: "Retirar la solicitud", Step: 1, Extension: true,
			From: []State{StateRequested, StateForwarded, StateInstructed, StateInProgress, StateObserved},
			To:   StateWithdrawn, Role: RoleSolicitante, Guard: GuardRequester,
			Inputs:  []Input{{Name: "reasons", Label: "Motivos del retiro", Kind: InputLongText, Required: true}},
			Effects: []Effect{{Kind: EffectEmail, Topic: TopicAviso, To: []Recipient{RoleRecipient(RoleJefeUIT), RecipientAssigned}}}},
	}
}

// resign returns the conclusion documents of step 6 again, without a new
// cite number: steps 7 and 8 render a new version carrying their sign-off.
func resign(docs []Effect) []Effect {
	out := make([]Effect, len(docs))
	for i, d := range docs {
		d.Series = ""
		out[i] = d
	}
	return out
}

func requestInputs(secrets bool) []Input {
	in := []Input{
		{Name: "system", Label: "Sistema", Kind: InputText, Required: true, MaxLen: 200},
		{Name: "description", Label: "Descripción del requerimiento", Kind: InputLongText, Required: true},
		{Name: "unit", Label: "Unidad/Área solicitante", Kind: InputText, Required: true, MaxLen: 200},
	}
	if secrets {
		in = append(in,
			Input{Name: "credentials", Label: "Credenciales", Kind: InputSecret, Required: true},
			Input{Name: "tokens", Label: "Tokens", Kind: InputSecret},
			Input{Name: "access_keys", Label: "Llaves de acceso", Kind: InputSecret},
		)
	}
	return in
}

// PR01 returns the built-in definition of UIT/ASS-PR01, putting a new system
// into production. Each call returns a fresh copy.
func PR01() *Definition {
	request := EventDef{Name: EventRequest, Label: "Solicitar la puesta en producción", Step: 1,
		To: StateRequested, Role: RoleSolicitante, Guard: GuardRequester, Inputs: requestInputs(true),
		Effects: []Effect{{Kind: EffectDocument, Topic: TopicNotaRemision, Series: "NOTA"}, notice}}
	return &Definition{
		Code: CodePR01, Name: "Procedimiento para la puesta en producción de sistemas en la AGETIC",
		Version: manualVersion, Resolution: resolutionM01, Approved: approvedM01, Prefix: "PR01",
		Objective: "Establecer las actividades para dar curso a la puesta en producción de sistemas informáticos a requerimiento de la Unidad/Área Solicitante.",
		Roles:     builtinRoles(),
		Steps: []Step{
			{1, "Solicita la puesta en producción de un nuevo sistema. El requerimiento debe incluir la siguiente información: Tokens, llaves de acceso, credenciales y otros necesarios para la puesta a producción.", RoleSolicitante, OutputRemisionNota},
			{2, "Recepciona y deriva la documentación para la puesta a producción al Responsable de Servidores y Servicios.", RoleJefeUIT, OutputFlujo},
			{3, "Revisa e instruye la puesta en producción al Profesional de Servidores y Servicios.", RoleResponsableSS, OutputFlujo},
			{4, "Recepciona e inicia la puesta a producción de sistema en base a la información proporcionada de la Unidad/Área solicitante. Si tiene observaciones solicita completar la información necesaria para la puesta en producción vía correo electrónico institucional a la Unidad/Área solicitante con copia al jefe de la UIT y al Responsable de Servidores y Servicios.", RoleProfesionalSS, OutputCorreo},
			{5, "Completa información requerida para la puesta en producción, según observaciones del Profesional de Servidores y Servicios.", RoleSolicitante, OutputCorreo},
			{6, "Si no tiene observaciones, realiza el despliegue del sistema en producción, tomando en cuenta copias de seguridad, monitoreo de puertos y políticas de seguridad en el servidor, elabora informe técnico de conclusión al Jefe de UIT vía al Responsable de Servidores y Servicios.", RoleProfesionalSS, OutputInforme},
			{7, "Revisa y aprueba el informe de conclusión.", RoleResponsableSS, OutputFlujo},
			{8, "Aprueba el informe de conclusión y elabora nota interna notificando la conclusión de la puesta en producción.", RoleJefeUIT, OutputNotaInterna},
			{9, activityAcknowledge, RoleSolicitante, OutputFlujo},
		},
		Events: append([]EventDef{request}, commonEvents(checklistInputs(),
			[]Effect{{Kind: EffectDocument, Topic: TopicInformeConclusion, Series: "INF"}},
			"Completar la información requerida")...),
		Final: []State{StateClosed, StateRejected, StateWithdrawn},
		Unit:  "unit", System: "system", Description: "description",
		Visibility: builtinVisibility(),
	}
}

// PR02 returns the built-in definition of UIT/ASS-PR02, updating a system in
// production. In step 6 the profesional states the update's complexity:
// "alta" gives an Informe técnico de conclusión, "baja" a Nota de conclusión.
func PR02() *Definition {
	request := EventDef{Name: EventRequest, Label: "Solicitar la actualización", Step: 1,
		To: StateRequested, Role: RoleSolicitante, Guard: GuardRequester, Inputs: requestInputs(false),
		Effects: []Effect{{Kind: EffectDocument, Topic: TopicNotaRemision, Series: "NOTA"}, notice}}
	conclude := append(checklistInputs(), Input{Name: complexityInput, Label: "Grado de complejidad de la actualización",
		Kind: InputChoice, Choices: []string{complexityHigh, complexityLow}, Required: true})
	return &Definition{
		Code: CodePR02, Name: "Procedimiento para la actualización de sistemas en producción de la AGETIC",
		Version: manualVersion, Resolution: resolutionM01, Approved: approvedM01, Prefix: "PR02",
		Objective: "Establecer las actividades a seguir para dar curso a las actualizaciones de sistemas informáticos a requerimiento de la Unidad/Área solicitante.",
		Roles:     builtinRoles(),
		Steps: []Step{
			{1, "Solicita la actualización de un sistema que esta en producción.", RoleSolicitante, OutputRemisionNota},
			{2, "Recepciona y deriva la documentación para la actualización del sistema en producción al Responsable de Servidores y Servicios.", RoleJefeUIT, OutputFlujo},
			{3, "Revisa e instruye la actualización en producción al Profesional de Servidores y Servicios.", RoleResponsableSS, OutputFlujo},
			{4, "Recepciona e inicia la actualización en producción de un sistema en base a la información proporcionada por la Unidad/Área solicitante. Si tiene observaciones solicita aclarar la actualización en producción, mediante correo electrónico institucional a la Unidad/Área solicitante con copia al jefe de la UIT y al responsable de servidores y servicios.", RoleProfesionalSS, OutputCorreo},
			{5, "Aclara actualización en producción según observaciones de la UIT.", RoleSolicitante, OutputCorreo},
			{6, "Si no tiene observaciones, realiza la actualización del sistema en producción, tomando en cuenta copias de seguridad, monitoreo de puertos y políticas de seguridad en el servidor, elabora informe técnico de conclusión para el jefe de UIT vía el Responsable de Servidores y Servicios, según conducto regular. Elabora informe o nota de acuerdo al grado de complejidad de la actualización.", RoleProfesionalSS, OutputInforme},
			{7, "Revisa y aprueba el informe o nota de conclusión", RoleResponsableSS, OutputFlujo},
			{8, "Aprueba el informe o nota de conclusión y elabora nota interna notificando la conclusión de la actualización del sistema en producción.", RoleJefeUIT, OutputNotaInterna},
			{9, activityAcknowledge, RoleSolicitante, OutputFlujo},
		},
		Events: append([]EventDef{request}, commonEvents(conclude, []Effect{
			{Kind: EffectDocument, Topic: TopicInformeConclusion, Series: "INF", When: []string{complexityInput, complexityHigh}},
			{Kind: EffectDocument, Topic: TopicNotaConclusion, Series: "NC", When: []string{complexityInput, complexityLow}},
		}, "Aclarar la actualización")...),
		Final: []State{StateClosed, StateRejected, StateWithdrawn},
		Unit:  "unit", System: "system", Description: "description",
		Visibility: builtinVisibility(),
	}
}

// Builtin returns fresh copies of the built-in definitions, PR01 and PR02.
func Builtin() []*Definition { return []*Definition{PR01(), PR02()} }
