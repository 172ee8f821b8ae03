package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tramite/tramite/procedure"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations are the embedded SQL files in order: migrations[i] takes the
// schema from version i to i+1.
var migrations = loadMigrations()

// SchemaVersion returns the schema version this package writes: the
// number of its migrations, recorded in PRAGMA user_version.
func SchemaVersion() int { return len(migrations) }

// loadMigrations reads migrations/NNNN_name.sql, which must be numbered 1,
// 2, 3… without gaps.
func loadMigrations() []string {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		panic(err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var out []string
	for i, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		if n, err := strconv.Atoi(num); err != nil || n != i+1 {
			panic(fmt.Sprintf("sqlite: migration %s is out of order: want number %d", e.Name(), i+1))
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			panic(err)
		}
		out = append(out, string(b))
	}
	return out
}

// migrate brings the schema to SchemaVersion in one transaction. Running it
// again, or from two processes at once, changes nothing; a database from a
// newer version is refused.
func migrate(ctx context.Context, db *sql.DB, file string) error {
	return migrateTo(ctx, db, file, migrations)
}

func migrateTo(ctx context.Context, db *sql.DB, file string, migs []string) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: a second process waits, then finds the work done
	if err != nil {
		return dbErr("migrate", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return dbErr("migrate", err)
	}
	if v > len(migs) {
		return &procedure.Error{Code: procedure.EINVALID, Op: "migrate", Err: ErrNewerSchema,
			Message: fmt.Sprintf("la base de datos %s tiene el esquema versión %d, más nuevo que el que conoce este programa (versión %d): actualice tramite para abrirla",
				filepath.Base(file), v, len(migs))}
	}
	if v == len(migs) {
		return nil
	}
	for i := v; i < len(migs); i++ {
		if _, err := tx.ExecContext(ctx, migs[i]); err != nil {
			return dbErr(fmt.Sprintf("migrate to version %d", i+1), err)
		}
		if fill := afterMigration[i+1]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return dbErr(fmt.Sprintf("migrate to version %d", i+1), err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migs))); err != nil {
		return dbErr("migrate", err)
	}
	return dbErr("migrate", tx.Commit())
}

// afterMigration holds, by schema version, what a migration does in Go
// after its SQL, in its transaction.
var afterMigration = map[int]func(ctx context.Context, tx *sql.Tx) error{7: fillSearch}

// fillSearch fills the search column of the cases filed before schema 7, a
// page at a time; the update trigger indexes it.
func fillSearch(ctx context.Context, tx *sql.Tx) error {
	const page = 500
	for last := int64(-1); ; {
		rows, err := tx.QueryContext(ctx, `SELECT n, `+caseRow+`, cites FROM cases WHERE n > ? ORDER BY n LIMIT ?`, last, page)
		if err != nil {
			return err
		}
		type fill struct {
			n      int64
			search string
		}
		var fills []fill
		for rows.Next() {
			var c procedure.Case
			var n int64
			if err := rows.Scan(&n, (*caseRowCol)(&c), (*citesCol)(&c.Cites)); err != nil {
				rows.Close()
				return err
			}
			fills = append(fills, fill{n, procedure.SearchText(c)})
			last = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, f := range fills {
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET search = ? WHERE n = ?`, f.search, f.n); err != nil {
				return err
			}
		}
		if len(fills) < page {
			return nil
		}
	}
}
