package procedure

import (
	"context"
	"time"
)

// Session is one signed-in person's session on a tramite server. The
// server hands the person a random opaque token and keeps only its
// SHA-256: whoever reads the store cannot sign in with what they read.
type Session struct {
	// TokenHash is the hex SHA-256 of the session's token.
	TokenHash string `json:"-"`
	ActorID   string `json:"actor_id"`
	// Address is the network address the person signed in from.
	Address   string    `json:"address,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// LastSeen is when the session was last used; a session idle for
	// longer than the server allows ends.
	LastSeen time.Time `json:"last_seen"`
	// ExpiresAt ends the session however active it is.
	ExpiresAt time.Time `json:"expires_at"`
}

// AuthKind is what an AuthEvent records.
type AuthKind string

// Kinds of AuthEvent.
const (
	AuthSignIn  AuthKind = "signin"  // a person signed in
	AuthFailure AuthKind = "failure" // a sign-in was refused
	AuthSignOut AuthKind = "signout" // a person signed out
	AuthRevoked AuthKind = "revoked" // sessions ended by a password or role change
)

// AuthEvent records a sign-in, a refused sign-in, a sign-out or a
// revocation. It never holds a password or a token.
type AuthEvent struct {
	At   time.Time `json:"at"`
	Kind AuthKind  `json:"kind"`
	// Username is the name typed at sign-in (lowercased); for a sign-out
	// or a revocation, the actor's ID.
	Username string `json:"username"`
	// ActorID is the person signed in or out, or whose sessions were
	// revoked; empty for a refusal.
	ActorID string `json:"actor_id,omitempty"`
	Address string `json:"address,omitempty"`
	// Reason says why a sign-in was refused ("bad-password",
	// "unknown-user", "disabled", "no-group", "throttled"…) or how sessions
	// were revoked.
	Reason string `json:"reason,omitempty"`
}

// AuthQuery selects auth events. Zero fields do not filter.
type AuthQuery struct {
	Kind     AuthKind
	Username string
	Address  string
	// Since keeps events at or after it.
	Since time.Time
	// Limit caps how many events are listed, newest first (of events at
	// the same time, the one recorded last first); 0 or less lists all.
	Limit int
}

// Sessions keeps the sessions of people signed in to a server and the
// record of every sign-in, refusal and sign-out. Several server replicas
// share one Sessions (the database), so a session made on one is valid on
// all, and refusals counted on one slow sign-ins on all.
//
// A store that implements both People and Sessions ends an actor's
// sessions in the same transaction that changes their password hash
// (SetPasswordHash) or their roles (SaveActor with other grants or unit),
// and, when at least one session ended, records an AuthRevoked event whose
// Reason is "password" or "roles". Stores pass proceduretest.TestSessions.
type Sessions interface {
	// CreateSession stores a new session; ECONFLICT if its TokenHash exists.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with a token hash; ENOTFOUND if none.
	Session(ctx context.Context, tokenHash string) (Session, error)
	// TouchSession sets a session's LastSeen; ENOTFOUND if none.
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	// DeleteSession ends one session; ENOTFOUND if none.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteSessions ends every session of an actor and returns how many
	// there were.
	DeleteSessions(ctx context.Context, actorID string) (int, error)
	// DeleteExpiredSessions ends the sessions whose ExpiresAt is not after
	// now or whose LastSeen is before idleSince, and returns how many.
	DeleteExpiredSessions(ctx context.Context, now, idleSince time.Time) (int, error)
	// RecordAuth appends an auth event.
	RecordAuth(ctx context.Context, ev AuthEvent) error
	// AuthEvents lists the events matching q, newest first.
	AuthEvents(ctx context.Context, q AuthQuery) ([]AuthEvent, error)
	// CountAuth counts the events matching q, ignoring its Limit.
	CountAuth(ctx context.Context, q AuthQuery) (int, error)
}
