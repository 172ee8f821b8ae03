package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/report"
)

// BasePath is the path under which Handler serves the API.
const BasePath = "/api/v1"

// Defaults of Config.
const (
	DefaultIdleTimeout  = 30 * time.Minute
	DefaultMaxAge       = 12 * time.Hour
	DefaultMaxBodyBytes = 1 << 20
	// MaxFilesBodyBytes is what the body of a request that may carry files
	// (starting a case, taking an action) may hold on top of
	// MaxBodyBytes: two files of procedure.MaxFileSize, base64-encoded.
	MaxFilesBodyBytes = 2 * (procedure.MaxFileSize + 2) / 3 * 4
)

// Config is what a Server needs. Engine, Store, People and Sessions are
// required.
type Config struct {
	// Engine answers every read and runs every step, for the signed-in
	// actor.
	Engine *procedure.Engine
	// Store is the engine's store: the event stream reads each changed
	// case from it once, to tell which streams may see it.
	Store procedure.Store
	// People is the directory people are read from on every request (so a
	// change of roles applies at once) and where an actor an Authenticator
	// returns is saved at sign-in, so that the engine's directory knows
	// them. Give the engine the same directory (procedure.WithDirectory).
	People procedure.People
	// Sessions keeps the sessions and the record of sign-ins; share it
	// between replicas (the database) so that a session made on one is
	// valid on all and refusals counted on one slow sign-ins on all.
	Sessions procedure.Sessions
	// Feed tells which cases changed, for GET /api/v1/events; nil: no live
	// events (that route answers 503).
	Feed procedure.ChangeFeed
	// Auth are tried in order until one accepts (default:
	// LocalAccounts(People)). A refusal moves on to the next; so does an
	// authenticator that cannot answer (a directory that is down), and if
	// then none accepts the sign-in answers 503, not 401.
	Auth []Authenticator
	// Clock tells the time of sessions and refusals (default
	// procedure.SystemClock).
	Clock procedure.Clock
	// Logger receives sign-ins, refusals and internal errors (default:
	// discard). Passwords, tokens and secrets are never logged.
	Logger *slog.Logger
	// IdleTimeout ends a session not used for that long (default 30 min;
	// to within a minute, as a session's last use is written at most once
	// a minute); MaxAge ends it that long after sign-in however active
	// (default 12 h).
	IdleTimeout, MaxAge time.Duration
	// MaxBodyBytes limits request bodies (default 1 MiB); larger ones
	// answer 413. A signed document travels in one, in base64.
	MaxBodyBytes int64
	// MaxFileBodyBytes is what the body of a request that may carry files
	// (starting a case, taking an action) may hold on top of MaxBodyBytes
	// (default MaxFilesBodyBytes).
	MaxFileBodyBytes int64
	// Signing, when set, takes the signatures people make at their desks
	// (GET /signatures, GET /cases/{id}/signatures, POST
	// /cases/{id}/documents/{topic}/signatures); nil: those routes answer
	// 503, for a server whose documents it signs itself.
	Signing *report.Signing
}

// Server is tramite's HTTP API. Its methods are safe for concurrent use.
type Server struct {
	engine   *procedure.Engine
	store    procedure.Store
	people   procedure.People
	sessions procedure.Sessions
	auth     []Authenticator
	clock    procedure.Clock
	log      *slog.Logger
	idle     time.Duration
	maxAge   time.Duration
	maxBody  int64
	// files marks the patterns of the routes whose body may carry files,
	// maxFiles more bytes.
	files    map[string]bool
	maxFiles int64
	signing  *report.Signing

	mux     *http.ServeMux
	handler http.Handler
	openapi []byte
	hub     *hub

	// keepalive is how often an event stream gets a comment and checks
	// its session.
	keepalive time.Duration

	mu          sync.Mutex
	lastCleanup time.Time
}

// New returns a Server for cfg, with its defaults filled in. It returns
// EINVALID when a required part is missing.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Engine == nil:
		return nil, procedure.Errorf(procedure.EINVALID, "server: falta el motor de trámites (Config.Engine)")
	case cfg.Store == nil:
		return nil, procedure.Errorf(procedure.EINVALID, "server: falta el almacenamiento (Config.Store)")
	case cfg.People == nil:
		return nil, procedure.Errorf(procedure.EINVALID, "server: falta el directorio de personas (Config.People)")
	case cfg.Sessions == nil:
		return nil, procedure.Errorf(procedure.EINVALID, "server: falta el registro de sesiones (Config.Sessions)")
	case cfg.IdleTimeout < 0 || cfg.MaxAge < 0 || cfg.MaxBodyBytes < 0 || cfg.MaxFileBodyBytes < 0:
		return nil, procedure.Errorf(procedure.EINVALID, "server: los plazos y el tamaño máximo no pueden ser negativos")
	}
	s := &Server{engine: cfg.Engine, store: cfg.Store, people: cfg.People, sessions: cfg.Sessions,
		auth: cfg.Auth, clock: cfg.Clock, log: cfg.Logger, idle: cfg.IdleTimeout, maxAge: cfg.MaxAge,
		maxBody: cfg.MaxBodyBytes, maxFiles: cfg.MaxFileBodyBytes, signing: cfg.Signing, keepalive: 15 * time.Second}
	for i, a := range s.auth {
		if a == nil {
			return nil, procedure.Errorf(procedure.EINVALID, "server: el autenticador %d es nil", i)
		}
	}
	if len(s.auth) == 0 {
		s.auth = []Authenticator{LocalAccounts(cfg.People)}
	}
	if s.clock == nil {
		s.clock = procedure.SystemClock
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.idle == 0 {
		s.idle = DefaultIdleTimeout
	}
	if s.maxAge == 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.maxBody == 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.maxFiles == 0 {
		s.maxFiles = MaxFilesBodyBytes
	}
	s.hub = newHub(s, cfg.Feed)
	s.mux = http.NewServeMux()
	s.files = map[string]bool{}
	for _, rt := range routes {
		s.mux.Handle(rt.method+" "+BasePath+rt.path, s.endpoint(rt))
		s.files[rt.method+" "+BasePath+rt.path] = rt.files
	}
	doc, err := openAPIDocument()
	if err != nil {
		return nil, fmt.Errorf("server: openapi: %w", err)
	}
	s.openapi = doc
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// Handler returns the API's handler. It serves paths under BasePath
// (/api/v1/…) and answers any other path 404; mount it as it is, not under
// a prefix stripped with http.StripPrefix:
//
//	mux.Handle("/api/", srv.Handler())
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the change-feed watch and ends every event stream; later
// requests to GET /api/v1/events answer 503. The rest of the API keeps
// answering: shut the http.Server down to stop it.
func (s *Server) Close() error {
	s.hub.close()
	return nil
}

// recorder notes whether a handler has written its answer's header.
type recorder struct {
	http.ResponseWriter
	wrote bool
}

func (w *recorder) WriteHeader(status int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes and
// deadlines of event streams).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	rec := &recorder{ResponseWriter: w}
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.Error("panic serving a request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
		if !rec.wrote {
			writeError(rec, errors.New("panic"))
		}
	}()
	_, pattern := s.mux.Handler(r)
	if r.Body != nil {
		limit := s.maxBody
		if s.files[pattern] {
			limit += s.maxFiles // the files of a step travel in the body, base64-encoded
		}
		r.Body = http.MaxBytesReader(rec, r.Body, limit)
	}
	if pattern == "" {
		s.noRoute(rec, r)
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// noRoute answers a request no route matches: 405 with Allow when the path
// exists with other methods, 404 otherwise, in JSON.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		for _, m := range allow {
			w.Header().Add("Allow", m)
		}
		writeError(w, &httpError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed,
			message: "el método " + r.Method + " no corresponde a esta dirección"})
		return
	}
	writeError(w, &httpError{status: http.StatusNotFound, code: string(procedure.ENOTFOUND), message: "no existe la dirección solicitada"})
}

// call is what an authenticated request carries to its handler.
type call struct {
	actor     procedure.Actor
	session   procedure.Session
	tokenHash string
}

// handler serves one route; c is nil on public routes.
type handler func(s *Server, w http.ResponseWriter, r *http.Request, c *call) error

// endpoint wraps a route's handler with authentication and error answers.
func (s *Server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c *call
		if !rt.public {
			var err error
			if c, err = s.authenticate(r); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := rt.serve(s, w, r, c); err != nil {
			s.fail(w, r, err)
		}
	})
}

// fail answers err, unless the answer has begun, and logs internal errors.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if rec, ok := w.(*recorder); ok && rec.wrote {
		s.log.Warn("request failed after its answer began", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
		return
	}
	if status := writeError(w, err); status >= 500 {
		s.log.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.String("error", err.Error()))
	}
}
