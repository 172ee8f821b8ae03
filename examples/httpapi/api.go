package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tramite/tramite/procedure"
)

// api serves the engine as a JSON service. Every request is authenticated
// by a bearer token mapped to an actor.
type api struct {
	engine *procedure.Engine
	tokens map[string]procedure.Actor
}

// newHandler returns the service's routes.
func newHandler(e *procedure.Engine, tokens map[string]procedure.Actor) http.Handler {
	a := &api{engine: e, tokens: tokens}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /procedures", a.auth(a.procedures))
	mux.HandleFunc("POST /cases", a.auth(a.start))
	mux.HandleFunc("GET /cases/{id}", a.auth(a.getCase))
	mux.HandleFunc("POST /cases/{id}/events/{event}", a.auth(a.fire))
	mux.HandleFunc("GET /cases/{id}/history", a.auth(a.history))
	mux.HandleFunc("GET /cases/{id}/documents", a.auth(a.documents))
	mux.HandleFunc("GET /cases/{id}/documents/{topic}", a.auth(a.document))
	mux.HandleFunc("GET /inbox", a.auth(a.inbox))
	return mux
}

type handler func(w http.ResponseWriter, r *http.Request, actor procedure.Actor) error

// auth resolves the bearer token to an actor and turns errors into JSON.
func (a *api) auth(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		actor, known := a.tokens[strings.TrimSpace(token)]
		if !ok || !known {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tramite"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{Code: "unauthorized", Message: "credenciales ausentes o no válidas"})
			return
		}
		if err := h(w, r, actor); err != nil {
			writeError(w, err)
		}
	}
}

type errorBody struct {
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Problems []string `json:"problems,omitempty"`
}

// statusOf maps the engine's error codes to HTTP statuses.
func statusOf(code procedure.Code) int {
	switch code {
	case procedure.EINVALID:
		return http.StatusBadRequest
	case procedure.EFORBIDDEN:
		return http.StatusForbidden
	case procedure.ENOTFOUND:
		return http.StatusNotFound
	case procedure.ECONFLICT:
		return http.StatusConflict
	case procedure.EINVALIDTRANSITION:
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

func writeError(w http.ResponseWriter, err error) {
	code := procedure.ErrorCode(err)
	body := errorBody{Code: string(code), Message: procedure.ErrorMessage(err)}
	var perr *procedure.Error
	if errors.As(err, &perr) {
		body.Problems = perr.Problems
	}
	writeJSON(w, statusOf(code), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads a JSON body of at most 1 MiB, refusing unknown fields.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return &procedure.Error{Code: procedure.EINVALID, Message: "el cuerpo de la solicitud no es JSON válido", Err: err}
	}
	return nil
}

func (a *api) procedures(w http.ResponseWriter, r *http.Request, _ procedure.Actor) error {
	writeJSON(w, http.StatusOK, a.engine.Definitions())
	return nil
}

type startBody struct {
	Procedure string           `json:"procedure"`
	Inputs    procedure.Inputs `json:"inputs"`
	Comment   string           `json:"comment"`
}

func (a *api) start(w http.ResponseWriter, r *http.Request, actor procedure.Actor) error {
	var b startBody
	if err := decode(r, &b); err != nil {
		return err
	}
	c, err := a.engine.Start(r.Context(), procedure.StartRequest{Procedure: b.Procedure, Actor: actor, Inputs: b.Inputs, Comment: b.Comment})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/cases/"+c.ID)
	return a.writeCase(r.Context(), w, http.StatusCreated, c, actor)
}

// caseView is a case with the actions the caller may take on it now.
type caseView struct {
	procedure.Case
	Actions []procedure.EventName `json:"actions"`
}

func (a *api) writeCase(ctx context.Context, w http.ResponseWriter, status int, c procedure.Case, actor procedure.Actor) error {
	evs, err := a.engine.Available(ctx, actor, c.ID)
	if err != nil {
		return err
	}
	v := caseView{Case: c, Actions: []procedure.EventName{}}
	for _, ev := range evs {
		v.Actions = append(v.Actions, ev.Name)
	}
	writeJSON(w, status, v)
	return nil
}

func (a *api) getCase(w http.ResponseWriter, r *http.Request, actor procedure.Actor) error {
	c, err := a.engine.Case(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.writeCase(r.Context(), w, http.StatusOK, c, actor)
}

type fireBody struct {
	Inputs  procedure.Inputs `json:"inputs"`
	Comment string           `json:"comment"`
	// Version, when set, is the version the caller saw (optimistic lock).
	Version int64 `json:"version"`
}

func (a *api) fire(w http.ResponseWriter, r *http.Request, actor procedure.Actor) error {
	var b fireBody
	if err := decode(r, &b); err != nil {
		return err
	}
	c, err := a.engine.Fire(r.Context(), procedure.FireRequest{CaseID: r.PathValue("id"), Event: procedure.EventName(r.PathValue("event")),
		Actor: actor, Inputs: b.Inputs, Comment: b.Comment, Version: b.Version})
	if err != nil {
		return err
	}
	return a.writeCase(r.Context(), w, http.StatusOK, c, actor)
}

func (a *api) history(w http.ResponseWriter, r *http.Request, actor procedure.Actor) error {
	id := r.PathValue("id")
	h, err := a.engine.History(r.Context(), actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (a *api) documents(w http.ResponseWriter, r *http.Request, actor procedure.Actor) error {
	id := r.PathValue("id")
	docs, err := a.engine.Documents(r.Context(), actor, id)
	if err != nil {
		return err
	}
	if docs == nil {
		docs = []procedure.Document{}
	}
	writeJSON(w, http.StatusOK, docs) // Content is not encoded (json:"-")
	return nil
}

// document serves the latest version of a document, or ?version=N.
func (a *api) document(w http.ResponseWriter, r *http.Request, actor procedure.Actor) error {
	id, topic := r.PathValue("id"), r.PathValue("topic")
	docs, err := a.engine.Documents(r.Context(), actor, id)
	if err != nil {
		return err
	}
	want, _ := strconv.Atoi(r.URL.Query().Get("version"))
	var found *procedure.Document
	for i := range docs {
		if docs[i].Topic == topic && (want == 0 || docs[i].Version == want) {
			found = &docs[i]
		}
	}
	if found == nil {
		return procedure.Errorf(procedure.ENOTFOUND, "el trámite %s no tiene el documento %q", id, topic)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("ETag", `"`+found.SHA256+`"`)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(id, "/", "-")+"-"+topic+`.pdf"`)
	_, err = w.Write(found.Content)
	return err
}

func (a *api) inbox(w http.ResponseWriter, r *http.Request, actor procedure.Actor) error {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if offset < 0 {
		offset = 0
	}
	cs, err := a.engine.Inbox(r.Context(), actor, limit, offset)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []procedure.Case{}
	}
	writeJSON(w, http.StatusOK, cs)
	return nil
}
