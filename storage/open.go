// Package storage opens the store a program is configured for.
//
// A target is either a PostgreSQL URL (postgres:// or postgresql://), for a
// unit whose staff share one database, or the path of a SQLite file, the
// embedded default for one machine:
//
//	target := storage.TargetFromEnv(*dbFlag, filepath.Join(dir, "tramite.db"))
//	db, err := storage.Open(ctx, target)
package storage

import (
	"context"
	"net/url"
	"os"
	"strings"

	"github.com/tramite/tramite/procedure"
	"github.com/tramite/tramite/storage/postgres"
	"github.com/tramite/tramite/storage/sqlite"
)

// EnvDatabaseURL is the environment variable that names the database when
// no flag or setting does: a postgres:// URL or a SQLite file path.
const EnvDatabaseURL = "TRAMITE_DATABASE_URL"

// Backend is everything a program needs from its database: the engine's
// store, the people directory, the live change feed, and Close.
type Backend interface {
	procedure.Store
	procedure.People
	procedure.ChangeFeed
	Close() error
}

var (
	_ Backend = (*postgres.Store)(nil)
	_ Backend = (*sqlite.Store)(nil)
)

// IsPostgres reports whether target is a PostgreSQL URL.
func IsPostgres(target string) bool {
	t := strings.ToLower(strings.TrimSpace(target))
	return strings.HasPrefix(t, "postgres://") || strings.HasPrefix(t, "postgresql://")
}

// Open opens target: a postgres:// or postgresql:// URL with postgres.Open
// (TLS as libpq: sslmode=disable, require, verify-ca or verify-full, with
// sslrootcert, sslcert and sslkey), anything else as a SQLite file path with
// sqlite.Open. It returns EINVALID for an empty target, and the errors of
// those functions.
func Open(ctx context.Context, target string) (Backend, error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return nil, procedure.Errorf(procedure.EINVALID,
			"no se indicó la base de datos: dé la ruta de un archivo SQLite o una dirección postgres:// (opción, configuración o %s)", EnvDatabaseURL)
	}
	if IsPostgres(target) {
		scheme, rest, _ := strings.Cut(target, "://")
		s, err := postgres.Open(ctx, strings.ToLower(scheme)+"://"+rest)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// TargetFromEnv chooses the database: flagValue when it is not empty (a
// flag or a setting), else the environment variable TRAMITE_DATABASE_URL
// when set, else defaultPath.
func TargetFromEnv(flagValue, defaultPath string) string {
	if v := strings.TrimSpace(flagValue); v != "" {
		return v
	}
	if v := strings.TrimSpace(os.Getenv(EnvDatabaseURL)); v != "" {
		return v
	}
	return defaultPath
}

// Describe returns target as it may be shown or logged: a URL's password
// is replaced by "xxxxx".
func Describe(target string) string {
	target = strings.TrimSpace(target)
	if !IsPostgres(target) {
		return target
	}
	u, err := url.Parse(target)
	if err != nil {
		return "postgres://(dirección no válida)"
	}
	return u.Redacted()
}
