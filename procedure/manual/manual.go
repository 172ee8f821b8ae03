// Package manual defines the procedures of manual UIT/ASS-M01 of AGETIC
// (R.A. AGETIC/RA/0085/2022): UIT/ASS-PR01, putting a new system into
// production, and UIT/ASS-PR02, updating a system in production, with the
// manual's roles, steps and texts, and the documents and emails each step
// produces, worded as the manual words them. Pass them to an engine with
// procedure.WithDefinitions(manual.Definitions()...).
package manual

import (
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

// Codes of the procedures.
const (
	CodePR01 = "UIT/ASS-PR01"
	CodePR02 = "UIT/ASS-PR02"
)

// Documents and emails of PR01 and PR02, by topic.
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

// Outputs as the manual names them.
const (
	OutputRemisionNota = "Remisión de Nota"
	OutputFlujo        = "Progreso del documento (Flujo)"
	OutputCorreo       = "Correo electrónico institucional"
	OutputInforme      = "Informe de conclusión"
	OutputNotaInterna  = "Nota Interna"
)

const (
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

// wording is what PR01 and PR02 say differently of the same step.
type wording struct {
	work     string // "la puesta en producción"
	workOf   string // "puesta en producción" after "Conclusión de la"
	report   string // "el informe" or "el informe o nota"
	reportL  string // "informe de conclusión" or "informe o nota de conclusión"
	observe  string // the action of step 4's observation
	obsAsk   string // what the observation asks, in the email
	complete string // the action of step 5
	answer   string // the label of step 5's input
	answerS  string // the subject of step 5's email
	answered string // what step 5 did, in its email
}

var (
	pr01Words = wording{
		work: "la puesta en producción", workOf: "puesta en producción",
		report: "el informe de conclusión", reportL: "informe de conclusión",
		observe:  "Observar: solicitar completar la información",
		obsAsk:   "le solicita completar la información necesaria para la puesta en producción",
		complete: "Completar la información requerida", answer: "Información completada",
		answerS: "Información completada", answered: "completó la información requerida",
	}
	pr02Words = wording{
		work: "la actualización en producción", workOf: "actualización en producción",
		report: "el informe o nota de conclusión", reportL: "informe o nota de conclusión",
		observe:  "Observar: solicitar aclarar la actualización",
		obsAsk:   "le solicita aclarar la actualización en producción",
		complete: "Aclarar la actualización", answer: "Aclaración de la actualización",
		answerS: "Aclaración de la actualización", answered: "aclaró la actualización en producción",
	}
)

func stateLabels(w wording) map[procedure.State]string {
	submitted, approved := "Informe presentado", "Informe aprobado"
	if w.reportL != pr01Words.reportL {
		submitted, approved = "Informe o nota de conclusión presentados", "Informe o nota de conclusión aprobados"
	}
	return map[procedure.State]string{
		StateRequested:       "Solicitado",
		StateForwarded:       "Derivado",
		StateInstructed:      "Instruido",
		StateInProgress:      "En curso",
		StateObserved:        "Observado",
		StateReportSubmitted: submitted,
		StateReportApproved:  approved,
		StateMemoIssued:      "Nota interna emitida",
		StateClosed:          "Cerrado",
		StateRejected:        "Rechazado",
		StateWithdrawn:       "Retirado",
	}
}

func builtinRoles() []procedure.Role {
	return []procedure.Role{
		{ID: RoleSolicitante, Label: labelSolicitante, Short: "Solicitante"},
		{ID: RoleJefeUIT, Label: labelJefeUIT, Short: "Jefe UIT"},
		{ID: RoleResponsableSS, Label: labelResponsableSS, Short: "Responsable"},
		{ID: RoleProfesionalSS, Label: labelProfesionalSS, Short: "Profesional"},
		{ID: RoleAdministrador, Label: labelAdministrador, Short: "Administrador"},
	}
}

// builtinVisibility: a requester sees their own unit's cases; the UIT's
// roles and the administrator see every case; the outbox belongs to the
// Jefe de la UIT and the administrator; the tablero (figures and exports)
// to the Jefe de la UIT and the Responsable de Servidores y Servicios.
func builtinVisibility() procedure.Visibility {
	return procedure.Visibility{
		All:       []procedure.RoleID{RoleJefeUIT, RoleResponsableSS, RoleProfesionalSS, RoleAdministrador},
		Unit:      []procedure.RoleID{RoleSolicitante},
		Outbox:    []procedure.RoleID{RoleJefeUIT, RoleAdministrador},
		Dashboard: []procedure.RoleID{RoleJefeUIT, RoleResponsableSS},
	}
}

// secretAccess: the assigned profesional reads the credentials of step 1;
// the Jefe de la UIT or that profesional erases them once the case ended.
func secretAccess() procedure.SecretAccess {
	return procedure.SecretAccess{
		Reveal: []procedure.Permit{{Role: RoleProfesionalSS, Guard: procedure.GuardAssigned}},
		Purge:  []procedure.Permit{{Role: RoleJefeUIT}, {Role: RoleProfesionalSS, Guard: procedure.GuardAssigned}},
	}
}

var notice = procedure.Effect{Kind: procedure.EffectEmail, Topic: TopicAviso, To: []procedure.Recipient{procedure.RecipientNext}}

var ccUIT = []procedure.Recipient{procedure.RoleRecipient(RoleJefeUIT), procedure.RoleRecipient(RoleResponsableSS)}

func document(topic string) procedure.Effect {
	return procedure.Effect{Kind: procedure.EffectDocument, Topic: topic}
}

func checklistInputs() []procedure.Input {
	return []procedure.Input{
		{Name: "backup_ref", Label: "Copias de seguridad realizadas (referencia)", Kind: procedure.InputText, Required: true},
		{Name: "monitored_ports", Label: "Puertos monitoreados", Kind: procedure.InputPorts, Required: true},
		{Name: "security_policies", Label: "Políticas de seguridad aplicadas en el servidor", Kind: procedure.InputBool, Required: true},
		{Name: "report", Label: "Trabajo realizado", Kind: procedure.InputLongText, Required: true},
		{Name: "conclusions", Label: "Conclusiones y recomendaciones", Kind: procedure.InputLongText},
	}
}

// events returns the events of a procedure after step 1.
func events(w wording, concludeInputs, completeInputs []procedure.Input, conclusion []procedure.Effect, conclusionTopics []string) []procedure.EventDef {
	route := document(TopicHojaDeRuta)
	return []procedure.EventDef{
		{Name: EventForward, Label: "Derivar al Responsable de Servidores y Servicios", Step: 2, Output: OutputFlujo,
			From: []procedure.State{StateRequested}, To: StateForwarded, Role: RoleJefeUIT, Effects: []procedure.Effect{notice}},
		{Name: EventInstruct, Label: "Instruir al Profesional de Servidores y Servicios", Step: 3, Output: OutputFlujo,
			From: []procedure.State{StateForwarded}, To: StateInstructed, Role: RoleResponsableSS, Assigns: "profesional",
			Inputs:  []procedure.Input{{Name: "profesional", Label: "Profesional de Servidores y Servicios", Kind: procedure.InputActor, Role: RoleProfesionalSS, Required: true}},
			Effects: []procedure.Effect{notice}},
		{Name: EventStart, Label: "Iniciar el trabajo", Step: 4,
			From: []procedure.State{StateInstructed}, To: StateInProgress, Role: RoleProfesionalSS, Guard: procedure.GuardAssigned},
		{Name: EventObserve, Label: w.observe, Step: 4, Output: OutputCorreo,
			From: []procedure.State{StateInstructed, StateInProgress}, To: StateObserved, Role: RoleProfesionalSS, Guard: procedure.GuardAssigned,
			Inputs: []procedure.Input{{Name: "observations", Label: "Observaciones", Kind: procedure.InputLongText, Required: true},
				attachmentInput("observations_file", "Documento con las observaciones")},
			Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: TopicObservaciones, To: []procedure.Recipient{procedure.RecipientRequester}, Cc: ccUIT}}},
		{Name: EventComplete, Label: w.complete, Step: 5, Output: OutputCorreo,
			From: []procedure.State{StateObserved}, To: StateInProgress, Role: RoleSolicitante, Guard: procedure.GuardRequester,
			Inputs:  completeInputs,
			Effects: []procedure.Effect{{Kind: procedure.EffectEmail, Topic: TopicRespuesta, To: []procedure.Recipient{procedure.RecipientAssigned}, Cc: ccUIT}}},
		{Name: EventConclude, Label: "Concluir y presentar " + w.report, Step: 6,
			From: []procedure.State{StateInProgress}, To: StateReportSubmitted, Role: RoleProfesionalSS, Guard: procedure.GuardAssigned,
			Inputs: concludeInputs, Effects: append(append([]procedure.Effect{}, conclusion...), notice)},
		{Name: EventApproveReport, Label: "Revisar y aprobar " + w.report, Step: 7, Output: OutputFlujo,
			From: []procedure.State{StateReportSubmitted}, To: StateReportApproved, Role: RoleResponsableSS,
			Effects: append(append([]procedure.Effect{}, conclusion...), notice)},
		{Name: EventIssueMemo, Label: "Aprobar " + w.report + " y emitir la nota interna", Step: 8,
			From: []procedure.State{StateReportApproved}, To: StateMemoIssued, Role: RoleJefeUIT,
			Inputs: []procedure.Input{{Name: "memo", Label: "Texto de la nota interna", Kind: procedure.InputLongText, Required: true}},
			Effects: append(append([]procedure.Effect{}, conclusion...),
				document(TopicNotaInterna),
				procedure.Effect{Kind: procedure.EffectEmail, Topic: TopicNotaInterna, To: []procedure.Recipient{procedure.RecipientRequester}, Cc: ccUIT,
					Attach: append([]string{TopicNotaInterna}, conclusionTopics...)},
			)},
		{Name: EventAcknowledge, Label: "Recepcionar la nota interna y cerrar el flujo", Step: 9, Output: OutputFlujo,
			From: []procedure.State{StateMemoIssued}, To: StateClosed, Role: RoleSolicitante, Guard: procedure.GuardRequester,
			Effects: []procedure.Effect{route}},
		// Extensions the manual does not name.
		{Name: EventReturnReport, Label: "Devolver " + w.report + " para corrección", Step: 7, Extension: true,
			From: []procedure.State{StateReportSubmitted}, To: StateInProgress, Role: RoleResponsableSS,
			Inputs:  []procedure.Input{{Name: "reasons", Label: "Motivos de la devolución", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{notice}},
		{Name: EventReturnMemo, Label: "Devolver " + w.report + " aprobado para corrección", Step: 8, Extension: true,
			From: []procedure.State{StateReportApproved}, To: StateInProgress, Role: RoleJefeUIT,
			Inputs:  []procedure.Input{{Name: "reasons", Label: "Motivos de la devolución", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{notice}},
		{Name: EventReject, Label: "Rechazar la solicitud", Step: 2, Extension: true,
			From: []procedure.State{StateRequested}, To: StateRejected, Role: RoleJefeUIT,
			Inputs: []procedure.Input{{Name: "reasons", Label: "Motivos del rechazo", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{route,
				{Kind: procedure.EffectEmail, Topic: TopicAviso, To: []procedure.Recipient{procedure.RecipientRequester}, Attach: []string{TopicHojaDeRuta}}}},
		{Name: EventWithdraw, Label: "Retirar la solicitud", Step: 1, Extension: true,
			From: []procedure.State{StateRequested, StateForwarded, StateInstructed, StateInProgress, StateObserved},
			To:   StateWithdrawn, Role: RoleSolicitante, Guard: procedure.GuardRequester,
			Inputs: []procedure.Input{{Name: "reasons", Label: "Motivos del retiro", Kind: procedure.InputLongText, Required: true}},
			Effects: []procedure.Effect{route,
				{Kind: procedure.EffectEmail, Topic: TopicAviso, To: []procedure.Recipient{procedure.RoleRecipient(RoleJefeUIT), procedure.RecipientAssigned},
					Attach: []string{TopicHojaDeRuta}}}},
	}
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
			procedure.Input{Name: "other_secrets", Label: "Otros datos necesarios para la puesta en producción (variables de entorno, direcciones internas…)", Kind: procedure.InputSecret},
		)
	}
	return in
}

// AttachmentTypes are the file types the steps that take a file accept:
// documents, spreadsheets, images, text and ZIP archives.
var AttachmentTypes = []string{"pdf", "odt", "docx", "ods", "xlsx", "png", "jpg", "jpeg", "txt", "zip"}

// MaxAttachment bounds a file attached to a step: 10 MiB.
const MaxAttachment = 10 << 20

// attachmentInput is an optional file input of a step: the file goes with
// the step's email and is listed in the route sheet.
func attachmentInput(name, label string) procedure.Input {
	return procedure.Input{Name: name, Label: label, Kind: procedure.InputFile, Types: AttachmentTypes, MaxSize: MaxAttachment}
}

func completeInputs(w wording, secrets bool) []procedure.Input {
	in := []procedure.Input{{Name: "answer", Label: w.answer, Kind: procedure.InputLongText, Required: true},
		attachmentInput("answer_file", "Documento que completa la información")}
	if secrets {
		in = append(in, procedure.Input{Name: "more_secrets",
			Label: "Credenciales, tokens, llaves de acceso u otros datos reservados que se añaden (se guardan cifrados)", Kind: procedure.InputSecret})
	}
	return in
}

// PR01 returns the definition of UIT/ASS-PR01, putting a new system into
// production. Each call returns a fresh copy.
func PR01() *procedure.Definition {
	w := pr01Words
	request := procedure.EventDef{Name: EventRequest, Label: "Solicitar la puesta en producción", Step: 1,
		To: StateRequested, Role: RoleSolicitante, Guard: procedure.GuardRequester, Inputs: requestInputs(true),
		Effects: []procedure.Effect{document(TopicNotaRemision), notice}}
	conclusion := []procedure.Effect{document(TopicInformeConclusion)}
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
		Events: append([]procedure.EventDef{request}, events(w, checklistInputs(), completeInputs(w, true), conclusion,
			[]string{TopicInformeConclusion})...),
		Final: []procedure.State{StateClosed, StateRejected, StateWithdrawn},
		Unit:  "unit", System: "system", Description: "description",
		Visibility:  builtinVisibility(),
		StateLabels: stateLabels(w),
		Secrets:     secretAccess(),
		Documents: []procedure.DocumentDef{
			requestNote(w, true),
			conclusionDoc(w, TopicInformeConclusion, "Informe técnico de conclusión", "INFORME TÉCNICO", "INF"),
			memo(w),
			routeSheet(),
		},
		Emails: emails(w),
	}
}

// PR02 returns the definition of UIT/ASS-PR02, updating a system in
// production. In step 6 the profesional states the update's complexity,
// as the manual asks: the informe técnico de conclusión for a complex
// update ("alta"), the nota de conclusión otherwise ("baja"). The manual
// names no scale: these two grades, one per document it names, are this
// definition's. Each call returns a fresh copy.
func PR02() *procedure.Definition {
	w := pr02Words
	request := procedure.EventDef{Name: EventRequest, Label: "Solicitar la actualización", Step: 1,
		To: StateRequested, Role: RoleSolicitante, Guard: procedure.GuardRequester, Inputs: requestInputs(false),
		Effects: []procedure.Effect{document(TopicNotaRemision), notice}}
	conclude := append(checklistInputs(), procedure.Input{Name: complexityInput,
		Label: "Grado de complejidad de la actualización: alta (se elabora un informe técnico de conclusión) o baja (una nota de conclusión)",
		Kind:  procedure.InputChoice, Choices: []string{complexityHigh, complexityLow}, Required: true})
	conclusion := []procedure.Effect{
		{Kind: procedure.EffectDocument, Topic: TopicInformeConclusion, When: []string{complexityInput, complexityHigh}},
		{Kind: procedure.EffectDocument, Topic: TopicNotaConclusion, When: []string{complexityInput, complexityLow}},
	}
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
		Events: append([]procedure.EventDef{request}, events(w, conclude, completeInputs(w, false), conclusion,
			[]string{TopicInformeConclusion, TopicNotaConclusion})...),
		Final: []procedure.State{StateClosed, StateRejected, StateWithdrawn},
		Unit:  "unit", System: "system", Description: "description",
		Visibility:  builtinVisibility(),
		StateLabels: stateLabels(w),
		Secrets:     secretAccess(),
		Documents: []procedure.DocumentDef{
			requestNote(w, false),
			conclusionDoc(w, TopicInformeConclusion, "Informe técnico de conclusión", "INFORME TÉCNICO", "INF"),
			conclusionDoc(w, TopicNotaConclusion, "Nota de conclusión", "NOTA DE CONCLUSIÓN", "NC"),
			memo(w),
			routeSheet(),
		},
		Emails: emails(w),
	}
}

// Definitions returns fresh copies of PR01 and PR02.
func Definitions() []*procedure.Definition { return []*procedure.Definition{PR01(), PR02()} }
