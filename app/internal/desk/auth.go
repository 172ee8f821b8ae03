package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/procedure"
)

// FreeAttempts is how many failed sign-ins a username gets before every
// further attempt must wait.
const FreeAttempts = 5

// Delay returns how long after its last failure a username with failures
// failed sign-ins must wait before the next attempt: none for the first
// FreeAttempts, then 1 s, 2 s, 4 s… up to 30 s.
func Delay(failures int) time.Duration {
	if failures < FreeAttempts {
		return 0
	}
	d := time.Second << min(failures-FreeAttempts, 5)
	return min(d, 30*time.Second)
}

// ThrottledError refuses a sign-in attempted too soon after repeated
// failures, without checking the password; the person may try again
// after RetryAfter. Both the desk (Service.SignIn) and a tramite server
// (429 with Retry-After, read by package remote) answer with it. It
// unwraps to an EFORBIDDEN procedure error with a Spanish message.
type ThrottledError struct {
	// RetryAfter is how long to wait, in whole seconds, at least one.
	RetryAfter time.Duration
	// Message is the Spanish message; empty gives the standard one.
	Message string
}

func (e *ThrottledError) message() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("demasiados intentos fallidos; espere %d s antes de intentar de nuevo", int(e.RetryAfter/time.Second))
}

// Error implements error.
func (e *ThrottledError) Error() string { return e.message() }

// Unwrap gives the EFORBIDDEN procedure error the refusal is.
func (e *ThrottledError) Unwrap() error {
	return procedure.Errorf(procedure.EFORBIDDEN, "%s", e.message())
}

// RetryAfter reports whether err refuses a sign-in for being too soon after
// repeated failures, and how long to wait.
func RetryAfter(err error) (time.Duration, bool) {
	var t *ThrottledError
	if errors.As(err, &t) {
		return t.RetryAfter, true
	}
	return 0, false
}

// Throttle returns the refusal of an attempt that must still wait, whole
// seconds rounded up.
func Throttle(wait time.Duration) *ThrottledError {
	return &ThrottledError{RetryAfter: (wait + time.Second - 1) / time.Second * time.Second}
}

// failures counts a username's failed sign-ins and when the last was.
type failures struct {
	n    int
	last time.Time
}

// SignIn checks a username and password against the directory and opens
// a Session on this desk's engine. A wrong username or password gives the
// same EFORBIDDEN error. After FreeAttempts failures for a username, an
// attempt made less than Delay(failures) after the last failure is
// refused with a *ThrottledError saying how long to wait, and its password
// is not checked.
func (s *Service) SignIn(ctx context.Context, username, password string) (Session, error) {
	a, err := s.authenticate(ctx, username, password)
	if err != nil {
		return nil, err
	}
	return &local{s: s, a: a}, nil
}

// authenticate returns the actor a username and password sign in.
func (s *Service) authenticate(ctx context.Context, username, password string) (procedure.Actor, error) {
	id := strings.ToLower(strings.TrimSpace(username))
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	f := s.failures[id]
	s.mu.Unlock()
	if wait := f.last.Add(Delay(f.n)).Sub(now); Delay(f.n) > 0 && wait > 0 {
		return procedure.Actor{}, Throttle(wait)
	}
	bad := procedure.Errorf(procedure.EFORBIDDEN, "usuario o contraseña incorrectos")
	a, err := s.check(ctx, id, password)
	if err != nil {
		if procedure.ErrorCode(err) != procedure.ENOTFOUND && procedure.ErrorCode(err) != procedure.EFORBIDDEN {
			return procedure.Actor{}, err
		}
		s.mu.Lock()
		f := s.failures[id]
		s.failures[id] = failures{n: f.n + 1, last: now}
		s.mu.Unlock()
		return procedure.Actor{}, bad
	}
	s.mu.Lock()
	delete(s.failures, id)
	s.mu.Unlock()
	return a, nil
}

func (s *Service) check(ctx context.Context, id, password string) (procedure.Actor, error) {
	if id == "" || password == "" {
		return procedure.Actor{}, procedure.Errorf(procedure.EFORBIDDEN, "falta el usuario o la contraseña")
	}
	a, err := s.cfg.People.Actor(ctx, id)
	if err != nil {
		return procedure.Actor{}, err
	}
	h, err := s.cfg.People.PasswordHash(ctx, id)
	if err != nil {
		return procedure.Actor{}, err
	}
	if bcrypt.CompareHashAndPassword(h, []byte(password)) != nil {
		return procedure.Actor{}, procedure.Errorf(procedure.EFORBIDDEN, "contraseña incorrecta")
	}
	return a, nil
}

// Failures returns the failed sign-ins counted for a username.
func (s *Service) Failures(username string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failures[strings.ToLower(strings.TrimSpace(username))].n
}

// SetPassword hashes password with bcrypt and stores it for actorID.
func (s *Service) SetPassword(ctx context.Context, actorID, password string) error {
	cost := s.cfg.BcryptCost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return &procedure.Error{Code: procedure.EINVALID, Message: "la contraseña no es válida", Err: err}
	}
	return s.cfg.People.SetPasswordHash(ctx, actorID, h)
}
