package server

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tramite/tramite/notify"
	"github.com/tramite/tramite/procedure"
)

// Page sizes of the listings.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// caseList is a page of cases and how many match in all.
type caseList struct {
	Cases []procedure.Case `json:"cases"`
	Total int              `json:"total"`
}

// caseView is a case with what the actor may do on it now.
type caseView struct {
	Case procedure.Case `json:"case"`
	// Available lists the events the actor may fire now, the manual's
	// steps first.
	Available []procedure.EventDef `json:"available"`
	// HasSecrets says whether the case keeps sealed step 1 secrets (the
	// assigned profesional may reveal them; the Jefe may purge them once
	// the case is closed).
	HasSecrets bool `json:"has_secrets"`
}

// startRequest is the body of POST /cases.
type startRequest struct {
	Procedure string           `json:"procedure"`
	Inputs    procedure.Inputs `json:"inputs"`
	// Files are the files of the inputs of kind file, by input name, their
	// content base64-encoded.
	Files   map[string]procedure.File `json:"files,omitempty"`
	Comment string                    `json:"comment"`
}

// fireRequest is the body of POST /cases/{id}/events/{event}.
type fireRequest struct {
	Inputs procedure.Inputs `json:"inputs"`
	// Files are the files of the inputs of kind file, by input name, their
	// content base64-encoded.
	Files   map[string]procedure.File `json:"files,omitempty"`
	Comment string                    `json:"comment"`
	// Version, when not 0, is the case version the actor saw: if the case
	// has changed since, the event is refused with 409.
	Version int64 `json:"version"`
}

// emptyBody is the body of the POSTs that take none: empty, or {}.
type emptyBody struct{}

// verifyBody answers a history that verifies.
type verifyBody struct {
	OK bool `json:"ok"`
}

// secretsBody holds revealed secrets, by input name.
type secretsBody struct {
	Secrets map[string]string `json:"secrets"`
}

// outboxList is a page of outbox items and how many match in all.
type outboxList struct {
	Items []procedure.OutboxItem `json:"items"`
	Total int                    `json:"total"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// intParam reads a non-negative integer query parameter; def when absent.
func intParam(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badRequest("el parámetro %s debe ser un número entero no negativo", name)
	}
	return n, nil
}

func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("el parámetro %s debe ser true o false", name)
	}
	return b, nil
}

// page reads limit and offset: limit 0 or absent is the default, and no
// page is longer than maxLimit.
func page(q url.Values) (limit, offset int, err error) {
	if limit, err = intParam(q, "limit", defaultLimit); err != nil {
		return 0, 0, err
	}
	if limit == 0 {
		limit = defaultLimit
	}
	offset, err = intParam(q, "offset", 0)
	return min(limit, maxLimit), offset, err
}

func procedures(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	writeJSON(w, http.StatusOK, s.engine.Definitions())
	return nil
}

func units(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	out, err := s.engine.Units(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func people(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	role := procedure.RoleID(q.Get("role"))
	if role == "" {
		return badRequest("indique el rol (parámetro role)")
	}
	known := false
	for _, d := range s.engine.Definitions() {
		known = known || slices.ContainsFunc(d.Roles, func(x procedure.Role) bool { return x.ID == role })
	}
	if !known {
		return badRequest("ningún procedimiento tiene el rol %q", role)
	}
	unit := q.Get("unit")
	if err := procedure.CheckLine("la unidad", unit, procedure.MaxNameLen); err != nil {
		return err
	}
	as, err := s.people.Holders(r.Context(), role, unit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(as))
	return nil
}

func person(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if procedure.CheckID("", id) != nil { // no store is asked for what nobody is called
		return procedure.Errorf(procedure.ENOTFOUND, "no existe la persona %.60q", id)
	}
	a, err := s.people.Actor(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// inbox lists the cases waiting for the actor. It asks the engine for
// CaseQuery{Inbox: actor} through Cases and CountCases, so that the page
// and its total are narrowed alike to what the actor may see and the page
// carries summaries, as every listing does. It takes the filters of
// GET /cases too.
func inbox(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := caseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	q.Inbox = &c.actor
	return listCases(s, w, r, c, q)
}

func cases(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := caseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return listCases(s, w, r, c, q)
}

// caseQuery reads the filters and page of a case listing.
func caseQuery(v url.Values) (procedure.CaseQuery, error) {
	limit, offset, err := page(v)
	if err != nil {
		return procedure.CaseQuery{}, err
	}
	open, err := boolParam(v, "open")
	if err != nil {
		return procedure.CaseQuery{}, err
	}
	return procedure.CaseQuery{Procedure: v.Get("procedure"), State: procedure.State(v.Get("state")), Unit: v.Get("unit"),
		Text: v.Get("text"), Open: open, Summary: true, Limit: limit, Offset: offset}, nil
}

func listCases(s *Server, w http.ResponseWriter, r *http.Request, c *call, q procedure.CaseQuery) error {
	cs, err := s.engine.Cases(r.Context(), c.actor, q)
	if err != nil {
		return err
	}
	n, err := s.engine.CountCases(r.Context(), c.actor, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, caseList{Cases: nonNil(cs), Total: n})
	return nil
}

func startCase(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	var b startRequest
	if err := decode(r, &b, false); err != nil {
		return err
	}
	cs, err := s.engine.Start(r.Context(), procedure.StartRequest{Procedure: b.Procedure, Actor: c.actor, Inputs: b.Inputs, Files: b.Files, Comment: b.Comment})
	if err != nil {
		return err
	}
	w.Header().Set("Location", BasePath+"/cases/"+url.PathEscape(cs.ID))
	writeJSON(w, http.StatusCreated, cs)
	return nil
}

func getCase(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	cs, err := s.engine.Case(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	evs, err := s.engine.Available(r.Context(), c.actor, cs.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, caseView{Case: cs, Available: nonNil(evs), HasSecrets: len(cs.Secrets) > 0})
	return nil
}

func history(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	h, err := s.engine.History(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(h))
	return nil
}

func clocks(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	k, err := s.engine.Clocks(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(k))
	return nil
}

func dueCases(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := caseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	cs, err := s.engine.DueCases(r.Context(), c.actor, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(cs))
	return nil
}

// verify answers {"ok":true}, or the error of a broken chain: 500 with
// the chain's own message (which entry is broken), since that message is
// the answer asked for and tells nothing of the server's insides.
func verify(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	h, err := s.engine.History(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := procedure.VerifyChain(h); err != nil {
		writeJSON(w, http.StatusInternalServerError, errorBody{errorDetail{Code: string(procedure.ErrorCode(err)), Message: procedure.ErrorMessage(err)}})
		return nil
	}
	writeJSON(w, http.StatusOK, verifyBody{OK: true})
	return nil
}

func documents(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	docs, err := s.engine.Documents(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(docs)) // Content is not encoded (json:"-")
	return nil
}

// document serves a document's PDF: the latest version, or ?version=N.
func document(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	id, topic := r.PathValue("id"), r.PathValue("topic")
	want, err := intParam(r.URL.Query(), "version", 0)
	if err != nil {
		return err
	}
	docs, err := s.engine.Documents(r.Context(), c.actor, id)
	if err != nil {
		return err
	}
	var found *procedure.Document
	for i := range docs {
		d := &docs[i]
		if d.Topic == topic && (want == 0 && (found == nil || d.Version > found.Version) || d.Version == want) {
			found = d
		}
	}
	if found == nil {
		if want > 0 {
			return procedure.Errorf(procedure.ENOTFOUND, "el trámite %s no tiene la versión %d del documento %q", id, want, topic)
		}
		return procedure.Errorf(procedure.ENOTFOUND, "el trámite %s no tiene el documento %q", id, topic)
	}
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '"' || r < ' ' {
			return '_'
		}
		return r
	}, found.CaseID+"-"+found.Topic+"-v"+strconv.Itoa(found.Version)+".pdf")
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(found.Content)))
	h.Set("ETag", `"`+found.SHA256+`"`)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(found.Content)
	return err
}

func emails(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	it, err := s.engine.Emails(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, nonNil(it))
	return nil
}

func fire(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	var b fireRequest
	if err := decode(r, &b, false); err != nil {
		return err
	}
	cs, err := s.engine.Fire(r.Context(), procedure.FireRequest{CaseID: r.PathValue("id"), Event: procedure.EventName(r.PathValue("event")),
		Actor: c.actor, Inputs: b.Inputs, Files: b.Files, Comment: b.Comment, Version: b.Version})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cs)
	return nil
}

func revealSecrets(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	if err := decode(r, &emptyBody{}, true); err != nil {
		return err
	}
	m, err := s.engine.RevealSecrets(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, secretsBody{Secrets: m})
	return nil
}

func purgeSecrets(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.engine.PurgeSecrets(r.Context(), c.actor, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func outbox(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	v := r.URL.Query()
	limit, offset, err := page(v)
	if err != nil {
		return err
	}
	newest, err := boolParam(v, "newest")
	if err != nil {
		return err
	}
	kind := procedure.EffectKind(v.Get("kind"))
	if kind != "" && kind != procedure.EffectDocument && kind != procedure.EffectEmail {
		return badRequest("el parámetro kind debe ser %s o %s", procedure.EffectDocument, procedure.EffectEmail)
	}
	status := procedure.OutboxStatus(v.Get("status"))
	switch status {
	case "", procedure.OutboxPending, procedure.OutboxSent, procedure.OutboxFailed, procedure.OutboxSkipped:
	default:
		return badRequest("el parámetro status debe ser pending, sent, failed o skipped")
	}
	q := procedure.OutboxQuery{Kind: kind, Status: status, Newest: newest, Limit: limit, Offset: offset}
	items, err := s.engine.Outbox(r.Context(), c.actor, q)
	if err != nil {
		return err
	}
	n, err := s.engine.CountOutbox(r.Context(), c.actor, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, outboxList{Items: nonNil(items), Total: n})
	return nil
}

func retry(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	if err := decode(r, &emptyBody{}, true); err != nil {
		return err
	}
	it, err := s.engine.RetryOutbox(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

func openAPI(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(s.openapi)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(s.openapi)
	return err
}

// messageBody is an email of a case as its recipients read it.
type messageBody struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	// Documents are the document versions attached, without content
	// (GET /cases/{id}/documents/{topic}?version=…).
	Documents []procedure.Document `json:"documents"`
	// Files are the files attached, without content
	// (GET /cases/{id}/attachments/{seq}/{input}).
	Files []procedure.Attachment `json:"files"`
}

func emailMessage(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	id, topic := r.PathValue("id"), r.PathValue("topic")
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil {
		return procedure.Errorf(procedure.EINVALID, "el número de entrada %q no es válido", r.PathValue("seq"))
	}
	items, err := s.engine.Emails(r.Context(), c.actor, id)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Seq != seq || it.Topic != topic {
			continue
		}
		content, err := notify.Gather(r.Context(), s.store, s.engine, it)
		if err != nil {
			return err
		}
		e, err := notify.Build(notify.Config{}, content)
		if err != nil {
			return err
		}
		b := messageBody{Subject: e.Subject, Text: e.Text, Documents: []procedure.Document{}, Files: []procedure.Attachment{}}
		for _, d := range content.Attachments {
			d.Content = nil
			b.Documents = append(b.Documents, d)
		}
		for _, f := range content.Files {
			f.Content = nil
			b.Files = append(b.Files, f)
		}
		writeJSON(w, http.StatusOK, b)
		return nil
	}
	return procedure.Errorf(procedure.ENOTFOUND, "el trámite %s no tiene el correo %q de la entrada %d", id, topic, seq)
}

func attachments(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	atts, err := s.engine.Attachments(r.Context(), c.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	for i := range atts {
		atts[i].Content = nil
	}
	writeJSON(w, http.StatusOK, nonNil(atts))
	return nil
}

func attachment(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	id, input := r.PathValue("id"), r.PathValue("input")
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil {
		return procedure.Errorf(procedure.EINVALID, "el número de entrada %q no es válido", r.PathValue("seq"))
	}
	atts, err := s.engine.Attachments(r.Context(), c.actor, id)
	if err != nil {
		return err
	}
	for _, a := range atts {
		if a.Seq != seq || a.Input != input {
			continue
		}
		h := w.Header()
		h.Set("Content-Type", a.MediaType)
		h.Set("Content-Length", strconv.Itoa(len(a.Content)))
		h.Set("ETag", `"`+a.SHA256+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
		w.WriteHeader(http.StatusOK)
		_, err = w.Write(a.Content)
		return err
	}
	return procedure.Errorf(procedure.ENOTFOUND, "el trámite %s no tiene un archivo adjunto en la entrada %d (%s)", id, seq, input)
}
