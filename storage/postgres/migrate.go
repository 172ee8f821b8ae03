package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tramite/tramite/procedure"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLockKey is the pg_advisory_xact_lock key that serialises
// migrations of every tramite client on a database ("tramite" in ASCII).
const migrateLockKey int64 = 0x7472616d697465

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Files are named
// NNNN_description.sql; versions start at 1 and have no gaps.
func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		base := strings.TrimPrefix(f, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its version, as 0001_init.sql", base)
		}
		b, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the newest schema version this package knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies the pending migrations in one transaction, holding an
// advisory lock so that two clients starting at once apply them once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return &procedure.Error{Code: procedure.EINTERNAL, Op: "migrate", Message: "las migraciones incluidas están mal formadas", Err: err}
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&cur); err != nil {
			return err
		}
		latest := ms[len(ms)-1].version
		if cur > latest {
			return procedure.Errorf(procedure.EINVALID,
				"la base de datos tiene el esquema versión %d, más nuevo que el que conoce este programa (%d): actualice tramite antes de usarla", cur, latest)
		}
		for _, m := range ms[cur:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if fill := afterMigration[m.version]; fill != nil {
				if err := fill(ctx, tx); err != nil {
					return fmt.Errorf("migration %s: %w", m.name, err)
				}
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_version (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
	return mapErr("migrate", err)
}

// afterMigration holds, by schema version, what a migration does in Go
// after its SQL, in its transaction.
var afterMigration = map[int]func(ctx context.Context, tx pgx.Tx) error{8: fillSearch}

// fillSearch fills the search column of the cases filed before schema 8
// with procedure.SearchText, lower-cased in Go whatever the database's
// locale, a page at a time.
func fillSearch(ctx context.Context, tx pgx.Tx) error {
	const page = 500
	for last := ""; ; {
		rows, err := tx.Query(ctx, `SELECT id, system, unit, requester_id, requester_name, cites FROM cases
			WHERE id > $1 ORDER BY id LIMIT $2`, last, page)
		if err != nil {
			return err
		}
		var cs []procedure.Case
		for rows.Next() {
			var c procedure.Case
			var cites []byte
			if err := rows.Scan(&c.ID, &c.System, &c.Unit, &c.RequesterID, &c.RequesterName, &cites); err != nil {
				rows.Close()
				return err
			}
			if cites != nil {
				if err := json.Unmarshal(cites, &c.Cites); err != nil {
					rows.Close()
					return fmt.Errorf("case %s: cites: %w", c.ID, err)
				}
			}
			cs = append(cs, c)
			last = c.ID
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range cs {
			if _, err := tx.Exec(ctx, `UPDATE cases SET search = $1 WHERE id = $2`, procedure.SearchText(c), c.ID); err != nil {
				return err
			}
		}
		if len(cs) < page {
			return nil
		}
	}
}
