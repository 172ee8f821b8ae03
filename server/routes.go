package server

import (
	"net/http"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
)

// route is one endpoint: the mux registers it and the OpenAPI document
// describes it, both from this table, so neither can list a route the
// other lacks.
type route struct {
	method string
	path   string // under BasePath
	public bool   // served without a session
	files  bool   // the body may carry files (MaxFilesBodyBytes more)
	serve  handler
	doc    operation
}

// operation is what the OpenAPI document says of a route.
type operation struct {
	id      string
	summary string
	query   []param
	// body is a value of the request body's type; nil: no body.
	body any
	// bodyOptional: the body may be empty (or {}).
	bodyOptional bool
	status       int
	// result is a value of the answer's type; nil: no body.
	result any
	// media is the answer's media type when not JSON.
	media string
	// errors are the statuses the route answers on failure, besides 401
	// (routes with a session) and 500.
	errors []int
}

// param is a query parameter.
type param struct {
	name, kind, doc string
}

// Query parameters shared by the listings.
var (
	limitParam  = param{"limit", "integer", "cuántos elementos devolver (por omisión 50, como máximo 500)"}
	offsetParam = param{"offset", "integer", "cuántos elementos saltar"}
)

// caseParams are the filters and page of the case listings.
var caseParams = []param{{"procedure", "string", "código del procedimiento"}, {"state", "string", "estado"},
	{"unit", "string", "unidad solicitante"}, {"text", "string", "parte del número de trámite, de un cite, del solicitante, de la unidad o del sistema, sin distinguir mayúsculas"},
	{"open", "boolean", "solo los trámites no concluidos"}, limitParam, offsetParam}

// routes is every endpoint of the API.
var routes = []route{
	{method: http.MethodGet, path: "/openapi.json", public: true, serve: openAPI, doc: operation{id: "openapi",
		summary: "Este documento OpenAPI 3.1.", status: http.StatusOK, result: map[string]any{}}},
	{method: http.MethodPost, path: "/session", public: true, serve: signIn, doc: operation{id: "signIn",
		summary: "Inicia una sesión con usuario y contraseña.", body: signInRequest{}, status: http.StatusCreated,
		result: sessionBody{}, errors: []int{400, 401, 413, 415, 429, 503}}},
	{method: http.MethodGet, path: "/session", serve: getSession, doc: operation{id: "getSession",
		summary: "La sesión actual, sin su token.", status: http.StatusOK, result: sessionBody{}}},
	{method: http.MethodDelete, path: "/session", serve: signOut, doc: operation{id: "signOut",
		summary: "Cierra la sesión: el token deja de valer de inmediato.", status: http.StatusNoContent}},
	{method: http.MethodGet, path: "/procedures", serve: procedures, doc: operation{id: "listProcedures",
		summary: "Las definiciones de los procedimientos.", status: http.StatusOK, result: []procedure.Definition{}}},
	{method: http.MethodGet, path: "/units", serve: units, doc: operation{id: "listUnits",
		summary: "Las unidades solicitantes: las de quienes tienen el rol solicitante, ordenadas.", status: http.StatusOK, result: []string{}}},
	{method: http.MethodGet, path: "/people", serve: people, doc: operation{id: "listPeople",
		summary: "Quienes tienen un rol, opcionalmente de una unidad (para elegir al profesional del paso 3).",
		query:   []param{{"role", "string", "el rol (obligatorio)"}, {"unit", "string", "la unidad"}},
		status:  http.StatusOK, result: []procedure.Actor{}, errors: []int{400}}},
	{method: http.MethodGet, path: "/people/{id}", serve: person, doc: operation{id: "getPerson",
		summary: "Una persona por su identificador.", status: http.StatusOK, result: procedure.Actor{}, errors: []int{404}}},
	{method: http.MethodGet, path: "/inbox", serve: inbox, doc: operation{id: "inbox",
		summary: "Los trámites que esperan a la persona, los más recientes primero (sin sus datos), con los filtros de GET /cases.",
		query:   caseParams, status: http.StatusOK, result: caseList{}, errors: []int{400}}},
	{method: http.MethodGet, path: "/cases", serve: cases, doc: operation{id: "listCases",
		summary: "Los trámites que la persona puede ver, los más recientes primero (sin sus datos).",
		query:   caseParams, status: http.StatusOK, result: caseList{}, errors: []int{400}}},
	{method: http.MethodPost, path: "/cases", serve: startCase, files: true, doc: operation{id: "startCase",
		summary: "Inicia un trámite (paso 1).", body: startRequest{}, status: http.StatusCreated, result: procedure.Case{},
		errors: []int{400, 403, 404, 413, 415}}},
	{method: http.MethodGet, path: "/cases/{id}", serve: getCase, doc: operation{id: "getCase",
		summary: "Un trámite, con las acciones que la persona puede tomar ahora.", status: http.StatusOK, result: caseView{},
		errors: []int{404}}},
	{method: http.MethodGet, path: "/cases/{id}/history", serve: history, doc: operation{id: "caseHistory",
		summary: "El historial del trámite, el más antiguo primero.", status: http.StatusOK, result: []procedure.Entry{},
		errors: []int{404}}},
	{method: http.MethodGet, path: "/cases/{id}/clocks", serve: clocks, doc: operation{id: "caseClocks",
		summary: "El reloj de cada paso del trámite, el más antiguo primero: tiempo hábil trabajado y en espera del solicitante, y el plazo (extensión de la agencia) con su vencimiento.",
		status:  http.StatusOK, result: []procedure.StepClock{}, errors: []int{404}}},
	{method: http.MethodGet, path: "/due", serve: dueCases, doc: operation{id: "dueCases",
		summary: "Los trámites abiertos cuyo paso tiene plazo (extensión de la agencia), con su reloj, el vencimiento más próximo primero; clock.overdue marca los vencidos. Filtros de GET /cases.",
		query:   caseParams, status: http.StatusOK, result: []procedure.Case{}, errors: []int{400}}},
	{method: http.MethodGet, path: "/cases/{id}/verify", serve: verify, doc: operation{id: "verifyCase",
		summary: "Verifica la cadena de huellas del historial; 500 con el motivo si fue alterado.", status: http.StatusOK,
		result: verifyBody{}, errors: []int{404}}},
	{method: http.MethodGet, path: "/cases/{id}/documents", serve: documents, doc: operation{id: "caseDocuments",
		summary: "Las versiones de los documentos del trámite (sin su contenido).", status: http.StatusOK,
		result: []procedure.Document{}, errors: []int{404}}},
	{method: http.MethodGet, path: "/cases/{id}/documents/{topic}", serve: document, doc: operation{id: "caseDocument",
		summary: "El PDF de un documento: su última versión, o la versión indicada.",
		query:   []param{{"version", "integer", "la versión (por omisión, la última)"}},
		status:  http.StatusOK, media: "application/pdf", errors: []int{400, 404}}},
	{method: http.MethodGet, path: "/cases/{id}/signatures", serve: signatureStatus, doc: operation{id: "caseSignatures",
		summary: "Quién firmó y quién debe firmar aún la última versión de cada documento del trámite.", status: http.StatusOK,
		result: []report.DocumentSignatures{}, errors: []int{404, 503}}},
	{method: http.MethodPost, path: "/cases/{id}/documents/{topic}/signatures", serve: addSignature, files: true, doc: operation{id: "addSignature",
		summary: "Entrega la versión del documento firmada por la persona, con su propio certificado; se acepta solo si es esa versión más una firma válida suya, en su turno.",
		body:    signRequestBody{}, status: http.StatusCreated, result: procedure.Document{}, errors: []int{400, 403, 404, 409, 413, 415, 503}}},
	{method: http.MethodGet, path: "/signatures", serve: toSign, doc: operation{id: "toSign",
		summary: "Los documentos por firmar: lo que la persona debe firmar ahora, con lo que la firma debe decir, en los trámites que cambiaron últimos o en el indicado.",
		query:   []param{{"case", "string", "solo este trámite, por antiguo que sea"}},
		status:  http.StatusOK, result: []report.SignRequest{}, errors: []int{404, 503}}},
	{method: http.MethodGet, path: "/cases/{id}/emails", serve: emails, doc: operation{id: "caseEmails",
		summary: "Los correos del trámite: pendientes, enviados o fallidos.", status: http.StatusOK,
		result: []procedure.OutboxItem{}, errors: []int{404}}},
	{method: http.MethodGet, path: "/cases/{id}/emails/{seq}/{topic}", serve: emailMessage, doc: operation{id: "caseEmail",
		summary: "Un correo del trámite como lo leen sus destinatarios: asunto, texto y adjuntos (los documentos y los archivos de la acción que lo envió, sin su contenido).",
		status:  http.StatusOK, result: messageBody{}, errors: []int{400, 404}}},
	{method: http.MethodGet, path: "/cases/{id}/attachments", serve: attachments, doc: operation{id: "caseAttachments",
		summary: "Los archivos adjuntados al trámite en sus pasos (sin su contenido), en orden.", status: http.StatusOK,
		result: []procedure.Attachment{}, errors: []int{404}}},
	{method: http.MethodGet, path: "/cases/{id}/attachments/{seq}/{input}", serve: attachment, doc: operation{id: "caseAttachment",
		summary: "El contenido de un archivo adjuntado: el de la entrada seq del historial, en el dato input.",
		status:  http.StatusOK, media: "application/octet-stream", errors: []int{400, 404}}},
	{method: http.MethodPost, path: "/cases/{id}/events/{event}", serve: fire, files: true, doc: operation{id: "fireEvent",
		summary: "Toma una acción sobre el trámite; version distinta de 0 exige que el trámite no haya cambiado.",
		body:    fireRequest{}, status: http.StatusOK, result: procedure.Case{}, errors: []int{400, 403, 404, 409, 413, 415, 422}}},
	{method: http.MethodPost, path: "/cases/{id}/secrets", serve: revealSecrets, doc: operation{id: "revealSecrets",
		summary: "Muestra las credenciales del paso 1 al profesional asignado; queda en el historial.",
		body:    emptyBody{}, bodyOptional: true, status: http.StatusOK, result: secretsBody{}, errors: []int{400, 403, 404, 413, 415}}},
	{method: http.MethodDelete, path: "/cases/{id}/secrets", serve: purgeSecrets, doc: operation{id: "purgeSecrets",
		summary: "Elimina las credenciales de un trámite concluido; queda en el historial.", status: http.StatusNoContent,
		errors: []int{403, 404, 422}}},
	{method: http.MethodGet, path: "/outbox", serve: outbox, doc: operation{id: "listOutbox",
		summary: "La salida de documentos y correos, a cargo de los roles que la definición nombra.",
		query: []param{{"kind", "string", "document o email"}, {"status", "string", "pending, sent, failed o skipped"},
			{"newest", "boolean", "los más recientes primero"}, limitParam, offsetParam},
		status: http.StatusOK, result: outboxList{}, errors: []int{400, 403}}},
	{method: http.MethodPost, path: "/outbox/{id}/retry", serve: retry, doc: operation{id: "retryOutbox",
		summary: "Vuelve a poner en cola un envío fallido u omitido. El identificador lleva barras: codifíquelas como %2F.",
		body:    emptyBody{}, bodyOptional: true, status: http.StatusOK, result: procedure.OutboxItem{},
		errors: []int{400, 403, 404, 413, 415, 422}}},
	{method: http.MethodGet, path: "/dashboard", serve: dashboard, doc: operation{id: "dashboard",
		summary: "El tablero: trámites abiertos por estado y antigüedad en días hábiles, tiempo por paso (trabajo y espera del solicitante), rondas de observación, carga por profesional; para los roles que la definición nombra (Jefe de la UIT y Responsable en PR01 y PR02).",
		query:   dashboardParams, status: http.StatusOK, result: procedure.Dashboard{}, errors: []int{400, 403, 404}}},
	{method: http.MethodGet, path: "/export/{kind}/{format}", serve: exportFile, doc: operation{id: "export",
		summary: "Exporta el tablero (kind tablero: csv o xlsx), los trámites con sus cifras (tramites: csv o xlsx) o su historial como registro de eventos (eventos: csv, xlsx o xes, IEEE 1849), con los filtros del tablero.",
		query:   dashboardParams, status: http.StatusOK, media: "application/octet-stream", errors: []int{400, 403, 404}}},
	{method: http.MethodGet, path: "/events", serve: events, doc: operation{id: "events",
		summary: "Eventos en vivo (text/event-stream): «event: case» con {\"id\"} por cada trámite visible que cambia; «: keepalive» cada 15 s.",
		status:  http.StatusOK, media: "text/event-stream", errors: []int{503}}},
}
