package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tramite/tramite/procedure"
)

// Sign-in throttling: after freeUser refusals for one username, or
// freeAddress from one address, within throttleWindow, each further
// attempt must wait 1 s, 2 s, 4 s… (at most maxDelay) after the last
// refusal.
const (
	freeUser       = 5
	freeAddress    = 20
	throttleWindow = 15 * time.Minute
	maxDelay       = 30 * time.Second
)

// delay returns how long after the last refusal a sign-in must wait when
// failures refusals were counted and free are allowed without waiting:
// none below free, then 1 s, 2 s, 4 s… up to maxDelay, as the desktop
// client waits.
func delay(failures, free int) time.Duration {
	if failures < free {
		return 0
	}
	return min(time.Second<<min(failures-free, 5), maxDelay)
}

// touchEvery is how stale a session's LastSeen may get before a request
// updates it: at most one write a minute per session.
const touchEvery = time.Minute

// cleanupEvery is how often sign-ins also delete expired sessions.
const cleanupEvery = 10 * time.Minute

// Longest username and password the server passes to an authenticator.
const (
	maxUsername = 256
	maxPassword = 1024
	maxToken    = 128
)

// reasonInvalid is the refusal reason of an empty, overlong or non-UTF-8
// username or password, refused before any authenticator is asked.
const reasonInvalid = "invalid-credentials"

// newToken returns a new session token and its hash.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

// hashToken is the hex SHA-256 a session is stored under.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// bearer returns the token of the request's Authorization header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != "" && len(token) <= maxToken
}

// address is the network address a request comes from, without its port.
func address(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// authenticate returns the session and actor of a request's bearer token:
// an expired session is deleted, the actor is read afresh from People, and
// LastSeen is brought up to date when more than a minute stale.
func (s *Server) authenticate(r *http.Request) (*call, error) {
	token, ok := bearer(r)
	if !ok {
		return nil, unauthenticated("inicie sesión para continuar (falta el encabezado Authorization: Bearer)")
	}
	c, err := s.session(r.Context(), hashToken(token), true)
	return c, err
}

// session checks the session stored under hash at the clock's now; with
// touch, it brings LastSeen up to date when stale.
func (s *Server) session(ctx context.Context, hash string, touch bool) (*call, error) {
	ended := unauthenticated("la sesión no es válida o ya terminó; vuelva a ingresar")
	sess, err := s.sessions.Session(ctx, hash)
	if err != nil {
		if procedure.ErrorCode(err) == procedure.ENOTFOUND {
			return nil, ended
		}
		return nil, err
	}
	now := s.clock.Now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeen) > s.idle {
		if err := s.sessions.DeleteSession(ctx, hash); err != nil && procedure.ErrorCode(err) != procedure.ENOTFOUND {
			return nil, err
		}
		return nil, unauthenticated("la sesión expiró; vuelva a ingresar")
	}
	a, err := s.people.Actor(ctx, sess.ActorID)
	if err != nil {
		if procedure.ErrorCode(err) == procedure.ENOTFOUND {
			_ = s.sessions.DeleteSession(ctx, hash)
			return nil, ended
		}
		return nil, err
	}
	if touch && now.Sub(sess.LastSeen) >= touchEvery {
		if err := s.sessions.TouchSession(ctx, hash, now); err != nil {
			if procedure.ErrorCode(err) == procedure.ENOTFOUND {
				return nil, ended
			}
			return nil, err
		}
		sess.LastSeen = now
	}
	return &call{actor: a, session: sess, tokenHash: hash}, nil
}

// signInRequest is the body of POST /session.
type signInRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// sessionBody describes a session: POST /session answers it with its
// token, GET /session without.
type sessionBody struct {
	// Token goes in the Authorization header of every later request; only
	// the sign-in answers it.
	Token string `json:"token,omitempty"`
	// ExpiresAt ends the session however active it is (it ends sooner
	// when idle).
	ExpiresAt time.Time       `json:"expires_at"`
	Actor     procedure.Actor `json:"actor"`
	// CanStart lists the codes of the procedures the actor may start.
	CanStart []string `json:"can_start"`
	// CanSeeOutbox says whether the actor may list the outbox.
	CanSeeOutbox bool `json:"can_see_outbox"`
	// CanSeeDashboard says whether the actor may see the tablero and
	// export it.
	CanSeeDashboard bool `json:"can_see_dashboard"`
}

func (s *Server) describe(sess procedure.Session, a procedure.Actor) sessionBody {
	b := sessionBody{ExpiresAt: sess.ExpiresAt, Actor: a, CanStart: []string{}, CanSeeOutbox: s.engine.CanSeeOutbox(a),
		CanSeeDashboard: s.engine.CanSeeDashboard(a)}
	for _, d := range s.engine.Definitions() {
		if s.engine.CanStart(a, d.Code) {
			b.CanStart = append(b.CanStart, d.Code)
		}
	}
	return b
}

func signIn(s *Server, w http.ResponseWriter, r *http.Request, _ *call) error {
	var req signInRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	ctx := r.Context()
	typed := strings.ToLower(strings.TrimSpace(req.Username))
	username := typed // as recorded and logged: bounded, valid UTF-8, no control characters
	if len(username) > maxUsername || !utf8.ValidString(username) {
		username = strings.ToValidUTF8(username[:min(len(username), maxUsername)], "\uFFFD")
	}
	username = strings.Map(noControl, username)
	addr := address(r)
	now := s.clock.Now()
	wait, err := s.throttled(ctx, username, addr, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		s.log.Warn("sign-in throttled", slog.String("username", username), slog.String("address", addr), slog.Int("retry_after", secs))
		return &httpError{status: http.StatusTooManyRequests, code: codeThrottled, retryAfter: secs,
			message: "demasiados intentos fallidos; espere " + strconv.Itoa(secs) + " s antes de intentar de nuevo"}
	}
	a, reasons, err := s.check(ctx, typed, req.Password)
	if err != nil {
		return err
	}
	if reasons != nil {
		reason := strings.Join(reasons, ",")
		if err := s.sessions.RecordAuth(ctx, procedure.AuthEvent{At: now, Kind: procedure.AuthFailure, Username: username,
			Address: addr, Reason: reason}); err != nil {
			return err
		}
		s.log.Warn("sign-in refused", slog.String("username", username), slog.String("address", addr), slog.String("reason", reason))
		return unauthenticated("usuario o contraseña incorrectos")
	}
	if err := s.remember(ctx, a); err != nil {
		return err
	}
	token, hash := newToken()
	sess := procedure.Session{TokenHash: hash, ActorID: a.ID, Address: addr, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(s.maxAge)}
	if err := s.sessions.CreateSession(ctx, sess); err != nil {
		return err
	}
	if err := s.sessions.RecordAuth(ctx, procedure.AuthEvent{At: now, Kind: procedure.AuthSignIn, Username: username,
		ActorID: a.ID, Address: addr}); err != nil {
		return err
	}
	s.log.Info("sign-in", slog.String("username", username), slog.String("actor", a.ID), slog.String("address", addr))
	s.cleanup(ctx, now)
	b := s.describe(sess, a)
	b.Token = token
	writeJSON(w, http.StatusCreated, b)
	return nil
}

// noControl replaces a control character with U+FFFD: a refused username
// is recorded as typed, but no store is sent a NUL, which PostgreSQL
// refuses where SQLite keeps it.
func noControl(r rune) rune {
	if unicode.IsControl(r) {
		return '\uFFFD'
	}
	return r
}

// check asks the authenticators in order. It returns the actor of the
// first that accepts; the refusal reasons when all refuse; an unavailable
// error when none accepts and one could not answer.
func (s *Server) check(ctx context.Context, username, password string) (procedure.Actor, []string, error) {
	if username == "" || password == "" || len(username) > maxUsername || len(password) > maxPassword ||
		procedure.CheckID("", username) != nil || !utf8.ValidString(password) {
		return procedure.Actor{}, []string{reasonInvalid}, nil
	}
	reasons := []string{}
	var down error
	for i, au := range s.auth {
		a, err := au.Authenticate(ctx, username, password)
		switch {
		case err == nil && a.ID != "":
			return a, nil, nil
		case err == nil:
			down = errors.New("an authenticator accepted a sign-in without an actor ID")
		case procedure.ErrorCode(err) == procedure.EFORBIDDEN:
			reason := "refused"
			var rr interface{ Reason() string }
			if errors.As(err, &rr) && rr.Reason() != "" {
				reason = rr.Reason()
			}
			if !slices.Contains(reasons, reason) {
				reasons = append(reasons, reason)
			}
			continue
		default:
			down = err
		}
		s.log.Error("an authenticator could not answer", slog.Int("authenticator", i), slog.String("username", username),
			slog.String("error", down.Error()))
	}
	if down != nil {
		return procedure.Actor{}, nil, unavailable("no se pudo verificar el usuario: el directorio no responde; intente en unos minutos", down)
	}
	return procedure.Actor{}, reasons, nil
}

// throttled returns how long a sign-in for username from addr must still
// wait, counting the refusals of the last throttleWindow.
func (s *Server) throttled(ctx context.Context, username, addr string, now time.Time) (time.Duration, error) {
	since := now.Add(-throttleWindow)
	var wait time.Duration
	for _, t := range []struct {
		q    procedure.AuthQuery
		free int
	}{
		{procedure.AuthQuery{Kind: procedure.AuthFailure, Username: username, Since: since}, freeUser},
		{procedure.AuthQuery{Kind: procedure.AuthFailure, Address: addr, Since: since}, freeAddress},
	} {
		if t.q.Username == "" && t.q.Address == "" {
			continue // an empty name would count everyone's refusals
		}
		n, err := s.sessions.CountAuth(ctx, t.q)
		if err != nil {
			return 0, err
		}
		if n < t.free {
			continue
		}
		t.q.Limit = 1
		last, err := s.sessions.AuthEvents(ctx, t.q)
		if err != nil {
			return 0, err
		}
		if len(last) == 0 {
			continue
		}
		wait = max(wait, last[0].At.Add(delay(n, t.free)).Sub(now))
	}
	return wait, nil
}

// remember saves an actor an authenticator returned into People when it
// is new or has changed, so that the engine's directory knows them. A
// local account is read from People and so is never written again.
func (s *Server) remember(ctx context.Context, a procedure.Actor) error {
	old, err := s.people.Actor(ctx, a.ID)
	switch {
	case err == nil && old.Name == a.Name && old.Email == a.Email && old.Unit == a.Unit && slices.Equal(old.Grants, a.Grants):
		return nil
	case err != nil && procedure.ErrorCode(err) != procedure.ENOTFOUND:
		return err
	}
	return s.people.SaveActor(ctx, a)
}

// cleanup deletes expired sessions, at most every cleanupEvery.
func (s *Server) cleanup(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.lastCleanup) >= cleanupEvery
	if due {
		s.lastCleanup = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	n, err := s.sessions.DeleteExpiredSessions(ctx, now, now.Add(-s.idle))
	if err != nil {
		s.log.Error("deleting expired sessions", slog.String("error", err.Error()))
	} else if n > 0 {
		s.log.Info("expired sessions deleted", slog.Int("count", n))
	}
}

func getSession(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	writeJSON(w, http.StatusOK, s.describe(c.session, c.actor))
	return nil
}

func signOut(s *Server, w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	if err := s.sessions.DeleteSession(ctx, c.tokenHash); err != nil && procedure.ErrorCode(err) != procedure.ENOTFOUND {
		return err
	}
	s.hub.endSession(c.tokenHash)
	if err := s.sessions.RecordAuth(ctx, procedure.AuthEvent{At: s.clock.Now(), Kind: procedure.AuthSignOut, Username: c.actor.ID,
		ActorID: c.actor.ID, Address: address(r)}); err != nil {
		s.log.Error("recording a sign-out", slog.String("actor", c.actor.ID), slog.String("error", err.Error()))
	}
	s.log.Info("sign-out", slog.String("actor", c.actor.ID), slog.String("address", address(r)))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
