package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tramite/tramite/procedure"
)

// Store is a procedure.Store, procedure.People and procedure.ChangeFeed on
// one SQLite file. It is safe for concurrent use, and several processes may
// open the same file.
type Store struct {
	path string
	cfg  config
	w    *sql.DB // one connection: every write transaction
	r    *sql.DB // read-only connections
	st   stmts

	mu      sync.Mutex
	closed  bool
	watches sync.WaitGroup
	stop    context.CancelFunc
	stopped context.Context
}

var (
	_ procedure.Store      = (*Store)(nil)
	_ procedure.People     = (*Store)(nil)
	_ procedure.ChangeFeed = (*Store)(nil)
)

type config struct {
	synchronous string
	busyTimeout time.Duration
	poll        time.Duration
}

// Option configures a Store.
type Option func(*config)

// WithSynchronous sets PRAGMA synchronous: "FULL" (the default: a committed
// step survives a power cut), "EXTRA", or "NORMAL" (faster; in WAL mode the
// last commits before a power cut may be lost, never corrupted).
func WithSynchronous(mode string) Option {
	return func(c *config) { c.synchronous = strings.ToUpper(strings.TrimSpace(mode)) }
}

// WithBusyTimeout sets how long a writer waits for another process's write
// transaction before giving up with ECONFLICT (default 10 s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// WithWatchInterval sets how often Watch polls the database for changes
// (default 250 ms).
func WithWatchInterval(d time.Duration) Option { return func(c *config) { c.poll = d } }

// ErrNewerSchema is in the chain of the error Open returns for a database
// written by a newer version of tramite.
var ErrNewerSchema = errors.New("database schema is newer than this program")

// Open opens the SQLite database at path, creating it (and its directory)
// with permissions 0600 (0700) if it does not exist, and migrates its schema.
// Errors: EINVALID for a bad option or a database from a newer version
// (wrapping ErrNewerSchema), EINTERNAL for anything else.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{synchronous: "FULL", busyTimeout: 10 * time.Second, poll: 250 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	switch cfg.synchronous {
	case "NORMAL", "FULL", "EXTRA":
	default:
		return nil, procedure.Errorf(procedure.EINVALID, "synchronous debe ser FULL, EXTRA o NORMAL, no %q", cfg.synchronous)
	}
	if cfg.busyTimeout < 0 || cfg.poll <= 0 {
		return nil, procedure.Errorf(procedure.EINVALID, "tiempos de espera inválidos")
	}
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, procedure.Errorf(procedure.EINVALID, "ruta de base de datos inválida %q: indique un archivo", path)
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, dbErr("open", err)
	}
	if err := createFile(path); err != nil {
		return nil, dbErr("open", err)
	}
	s := &Store{path: path, cfg: cfg}
	s.stopped, s.stop = context.WithCancel(context.Background())
	if s.w, err = sql.Open("sqlite", s.dsn(false)); err != nil {
		return nil, dbErr("open", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)
	if err := migrate(ctx, s.w, path); err != nil {
		s.w.Close()
		return nil, err
	}
	if s.r, err = sql.Open("sqlite", s.dsn(true)); err != nil {
		s.w.Close()
		return nil, dbErr("open", err)
	}
	s.r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	s.r.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	if err := s.st.prepare(ctx, s.w, s.r); err != nil {
		s.Close()
		return nil, dbErr("open", err)
	}
	return s, nil
}

// createFile creates the database file empty with permissions 0600, so that
// SQLite, which gives its -wal and -shm files the permissions of the
// database, never makes a file others can read.
func createFile(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// dsn is the one place where connections are configured: WAL, the chosen
// synchronous mode, busy_timeout, foreign keys, secure_delete (purged
// secrets are overwritten, not left in free pages) and BEGIN IMMEDIATE for
// write transactions, so that concurrent writers queue instead of failing
// when they try to upgrade a read lock.
func (s *Store) dsn(readOnly bool) string {
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", s.cfg.busyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(" + s.cfg.synchronous + ")",
		"_pragma=foreign_keys(1)",
		"_pragma=secure_delete(1)",
		"_txlock=immediate",
	}
	if readOnly {
		// Each reader keeps up to 16 MiB of pages (SQLite's default is
		// 2 MiB): a scan of the whole history (the tablero, its exports)
		// then rereads little from the file.
		q = append(q, "_pragma=query_only(1)", "_pragma=cache_size(-16384)")
	}
	return s.path + "?" + strings.Join(q, "&")
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close stops every Watch and closes the database. The store must not be
// used afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.watches.Wait()
	s.st.close()
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		_, _ = s.w.Exec("PRAGMA optimize")
		errs = append(errs, s.w.Close())
	}
	return dbErr("close", errors.Join(errs...))
}

// write runs fn in one write transaction (BEGIN IMMEDIATE on the single
// write connection) and commits it when fn returns nil. fn's own error is
// returned as it is.
func (s *Store) write(ctx context.Context, op string, fn func(*sql.Tx) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return dbErr(op, err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return dbErr(op, tx.Commit())
}

// Messages of the errors mapped from the driver.
const (
	msgBusy     = "la base de datos está ocupada por otra operación; intente nuevamente"
	msgConflict = "el registro ya existe"
	msgInternal = "error de la base de datos"
)

// dbErr maps a driver error to a procedure.Error by SQLite's result code:
// a primary-key or unique violation is ECONFLICT, a busy or locked database
// is ECONFLICT (retry), a foreign-key violation is ENOTFOUND, anything else
// EINTERNAL. A procedure.Error passes through with op set.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var pe *procedure.Error
	if errors.As(err, &pe) {
		if pe.Op != "" {
			return err
		}
		c := *pe
		c.Op = op
		return &c
	}
	code, msg := procedure.EINTERNAL, msgInternal
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch c := se.Code(); {
		case c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, c == sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			code, msg = procedure.ECONFLICT, msgConflict
		case c == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			code, msg = procedure.ENOTFOUND, "el registro al que se refiere no existe"
		case c&0xff == sqlite3.SQLITE_BUSY, c&0xff == sqlite3.SQLITE_LOCKED:
			code, msg = procedure.ECONFLICT, msgBusy
		}
	}
	return &procedure.Error{Code: code, Op: op, Message: msg, Err: err}
}

// isDuplicate reports whether err is a primary-key or unique violation.
func isDuplicate(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}

// nanos encodes a time as Unix nanoseconds, the zero time as 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos decodes nanos: 0 is the zero time, anything else a UTC time.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
