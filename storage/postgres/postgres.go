// Package postgres stores tramite's cases in PostgreSQL, so that the staff
// of a unit, each on their own machine, share one database.
//
// It implements procedure.Store, procedure.People and procedure.ChangeFeed
// with github.com/jackc/pgx/v5:
//
//   - a transition is one READ COMMITTED transaction; UpdateCase checks the
//     case's version, so of two clients firing on the same case exactly one
//     wins and the other gets ECONFLICT;
//   - cite numbers are rows locked until commit (not sequences, which leave
//     gaps on rollback), so they are gap-free under concurrency;
//   - history is append-only (a trigger refuses updates and deletes) and
//     hash-chained by the engine;
//   - Case.Secrets is stored as the opaque sealed blob the engine gives;
//   - ClaimOutbox takes items with FOR UPDATE SKIP LOCKED, so dispatchers on
//     several machines never claim the same item;
//   - every change of a case is announced with NOTIFY on the channel
//     tramite_cases, which Watch turns into a live feed of case IDs.
//
// Open applies the embedded migrations (migrations/*.sql) in order, under a
// transaction-scoped advisory lock so that clients starting at once do not
// race, and refuses a database whose schema is newer than it knows.
//
// Timestamps are kept to the microsecond (PostgreSQL's precision), except
// history entries, whose exact time the hash chain covers.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tramite/tramite/procedure"
)

// Store is a procedure.Store, procedure.People and procedure.ChangeFeed on
// a PostgreSQL database. It is safe for concurrent use by many goroutines,
// processes and machines.
type Store struct {
	pool *pgxpool.Pool
	cfg  *pgxpool.Config

	feedMu sync.Mutex
	feed   *listener
	closed bool
}

var (
	_ procedure.Store      = (*Store)(nil)
	_ procedure.People     = (*Store)(nil)
	_ procedure.ChangeFeed = (*Store)(nil)
)

// Option configures Open.
type Option func(*pgxpool.Config)

// WithMaxConns sets the largest number of connections the store opens
// (default: pgxpool's, the larger of 4 and the number of CPUs). The URL's
// pool_max_conns parameter does the same.
func WithMaxConns(n int32) Option {
	return func(c *pgxpool.Config) {
		if n > 0 {
			c.MaxConns = n
		}
	}
}

// Open connects to the PostgreSQL database at url, a libpq connection URL
// or keyword/value string such as
// "postgres://tramite@db.example.bo:5432/tramite?sslmode=verify-full", and
// migrates its schema. TLS follows libpq's sslmode, sslrootcert, sslcert and
// sslkey parameters (and the PG* environment variables), so
// sslmode=verify-full checks the server's certificate and name.
//
// It returns EINVALID for a malformed URL or a database whose schema is
// newer than this program, and EINTERNAL when the server cannot be reached.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's parse errors may quote the URL, password included: keep
		// only a generic message.
		return nil, &procedure.Error{Code: procedure.EINVALID, Op: "postgres open",
			Message: "la dirección de la base de datos PostgreSQL no es válida: use la forma postgres://usuario@servidor:5432/base?sslmode=verify-full"}
	}
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(cfg, err)
	}
	s := &Store{pool: pool, cfg: cfg}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, connectError(cfg, err)
	}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func connectError(cfg *pgxpool.Config, err error) error {
	c := cfg.ConnConfig
	return &procedure.Error{Code: procedure.EINTERNAL, Op: "postgres open",
		Message: fmt.Sprintf("no se pudo conectar con PostgreSQL en %s:%d (base %q, usuario %q): verifique la dirección (TRAMITE_DATABASE_URL), sslmode y que el servidor esté en marcha",
			c.Host, c.Port, c.Database, c.User),
		Err: err}
}

// Close stops the change feed and closes every connection. Watch channels
// are closed.
func (s *Store) Close() error {
	s.feedMu.Lock()
	s.closed = true
	f := s.feed
	s.feed = nil
	s.feedMu.Unlock()
	if f != nil {
		f.stop()
	}
	s.pool.Close()
	return nil
}

// SQLSTATE codes the store maps to procedure codes.
const (
	sqlUniqueViolation      = "23505"
	sqlForeignKeyViolation  = "23503"
	sqlSerializationFailure = "40001"
	sqlDeadlockDetected     = "40P01"
	sqlCharacterNotInRepert = "22021" // e.g. a NUL byte in text
	sqlUntranslatableChar   = "22P05" // e.g. \u0000 in jsonb
	sqlRestrictViolation    = "23001" // the append-only trigger
)

// mapErr turns a pgx error into a *procedure.Error by its SQLSTATE code.
// Errors that already are *procedure.Error pass unchanged.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var pe *procedure.Error
	if errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &procedure.Error{Code: procedure.ENOTFOUND, Op: op, Message: "no existe el registro", Err: err}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case sqlUniqueViolation:
			return &procedure.Error{Code: procedure.ECONFLICT, Op: op, Message: "el registro ya existe: otra persona lo guardó al mismo tiempo; actualice y vuelva a intentar", Err: err}
		case sqlSerializationFailure, sqlDeadlockDetected:
			return &procedure.Error{Code: procedure.ECONFLICT, Op: op, Message: "otra persona modificó los mismos datos al mismo tiempo; vuelva a intentar (retry)", Err: err}
		case sqlForeignKeyViolation:
			return &procedure.Error{Code: procedure.ENOTFOUND, Op: op, Message: "el trámite al que se refiere no existe", Err: err}
		case sqlCharacterNotInRepert, sqlUntranslatableChar:
			return &procedure.Error{Code: procedure.EINVALID, Op: op, Message: "el texto contiene caracteres no permitidos (como el carácter nulo); corríjalo y vuelva a intentar", Err: err}
		case sqlRestrictViolation:
			return &procedure.Error{Code: procedure.EINVALID, Op: op, Message: "el historial y los documentos no se pueden modificar ni borrar", Err: err}
		}
	}
	return &procedure.Error{Code: procedure.EINTERNAL, Op: op, Message: "error de la base de datos PostgreSQL; intente nuevamente o contacte al administrador del sistema", Err: err}
}
