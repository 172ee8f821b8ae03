package desk

import (
	"context"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/procedure"
)

// FreeAttempts is how many failed sign-ins a username gets before every
// further attempt is slowed.
const FreeAttempts = 5

// Delay returns how long an attempt waits after failures failed ones: none
// for the first FreeAttempts, then 1 s, 2 s, 4 s… up to 30 s.
func Delay(failures int) time.Duration {
	if failures < FreeAttempts {
		return 0
	}
	d := time.Second << min(failures-FreeAttempts, 5)
	return min(d, 30*time.Second)
}

// SignIn checks a username and password against the directory and opens
// a Session on this desk's engine. A wrong username or password gives the
// same EFORBIDDEN error; after FreeAttempts failures for a username, each
// attempt first waits Delay(failures).
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
	s.mu.Lock()
	n := s.failures[id]
	s.mu.Unlock()
	if d := Delay(n); d > 0 {
		if err := s.cfg.Sleep(ctx, d); err != nil {
			return procedure.Actor{}, err
		}
	}
	bad := procedure.Errorf(procedure.EFORBIDDEN, "usuario o contraseña incorrectos")
	a, err := s.check(ctx, id, password)
	if err != nil {
		if procedure.ErrorCode(err) != procedure.ENOTFOUND && procedure.ErrorCode(err) != procedure.EFORBIDDEN {
			return procedure.Actor{}, err
		}
		s.mu.Lock()
		s.failures[id]++
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
	return s.failures[strings.ToLower(strings.TrimSpace(username))]
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
