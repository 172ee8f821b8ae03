package server

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"

	"github.com/tramite/tramite/procedure"
)

// Authenticator checks a username and password and returns the person
// they sign in. A refusal (unknown user, wrong password, disabled
// account…) is an error with code procedure.EFORBIDDEN; if it also has a
// method Reason() string, the server records that reason in the audit log
// (procedure.AuthEvent.Reason) and never shows it to the person. Any other
// error means the authenticator could not answer (a directory that is
// down): the server then tries the next one. ldapauth.Authenticator is one.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) (procedure.Actor, error)
}

// Reasons a LocalAccounts refusal gives for the audit log.
const (
	ReasonUnknownUser = "unknown-user" // no person with that ID
	ReasonNoPassword  = "no-password"  // the person has no local password
	ReasonBadPassword = "bad-password" // the password does not match
)

// refusal is a refused sign-in: always the same message, a reason for the
// audit log.
type refusal struct {
	reason string
	err    *procedure.Error
}

func refuse(reason string) error {
	return &refusal{reason: reason, err: procedure.Errorf(procedure.EFORBIDDEN, "usuario o contraseña incorrectos")}
}

func (r *refusal) Error() string  { return r.err.Error() }
func (r *refusal) Unwrap() error  { return r.err }
func (r *refusal) Reason() string { return r.reason }

// localAccounts signs people in against People's bcrypt password hashes.
type localAccounts struct {
	people procedure.People
	// cost is the bcrypt cost of the dummy hash an unknown user is
	// checked against: the cost of the last real hash read.
	cost atomic.Int64
	mu   sync.Mutex
	// dummies holds one dummy hash per cost, made on first need.
	dummies map[int][]byte
}

// LocalAccounts returns an Authenticator that checks passwords against the
// bcrypt hashes People keeps (People.PasswordHash), as the desktop client
// does. The username is the person's ID, in any case and with surrounding
// spaces ignored. An unknown username, a person without a password and a
// wrong password are refused alike, with the same message, and take the
// same time: the first two are checked against a dummy hash of the cost of
// the last real hash read (bcrypt's default until one is read).
func LocalAccounts(people procedure.People) Authenticator {
	l := &localAccounts{people: people, dummies: map[int][]byte{}}
	l.cost.Store(int64(bcrypt.DefaultCost))
	return l
}

// Authenticate implements Authenticator.
func (l *localAccounts) Authenticate(ctx context.Context, username, password string) (procedure.Actor, error) {
	id := strings.ToLower(strings.TrimSpace(username))
	a, err := l.people.Actor(ctx, id)
	if err != nil {
		if procedure.ErrorCode(err) != procedure.ENOTFOUND {
			return procedure.Actor{}, err
		}
		l.waste(password)
		return procedure.Actor{}, refuse(ReasonUnknownUser)
	}
	h, err := l.people.PasswordHash(ctx, id)
	if err != nil {
		if procedure.ErrorCode(err) != procedure.ENOTFOUND {
			return procedure.Actor{}, err
		}
		l.waste(password)
		return procedure.Actor{}, refuse(ReasonNoPassword)
	}
	if c, err := bcrypt.Cost(h); err == nil {
		l.cost.Store(int64(c))
	}
	if bcrypt.CompareHashAndPassword(h, []byte(password)) != nil {
		return procedure.Actor{}, refuse(ReasonBadPassword)
	}
	return a, nil
}

// waste compares password with a dummy hash, so that a refusal without a
// real hash takes as long as one with.
func (l *localAccounts) waste(password string) {
	_ = bcrypt.CompareHashAndPassword(l.dummy(int(l.cost.Load())), []byte(password))
}

func (l *localAccounts) dummy(cost int) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h, ok := l.dummies[cost]; ok {
		return h
	}
	h, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
	if err != nil { // a cost out of bcrypt's range: read from a foreign hash
		h, _ = bcrypt.GenerateFromPassword([]byte(rand.Text()), bcrypt.DefaultCost)
	}
	l.dummies[cost] = h
	return h
}
