package sqlite

import (
	"context"
	"database/sql"

	"github.com/tramite/tramite/procedure"
)

// RawDB returns the store's write connection pool, for tests that tamper
// with the database or issue a transition's SQL by hand.
func RawDB(s *Store) *sql.DB { return s.w }

// MigrateWith migrates the database of s with migs in place of the
// embedded migrations, to test upgrades and refusals.
func MigrateWith(ctx context.Context, s *Store, migs []string) error {
	return migrateTo(ctx, s.w, s.path, migs)
}

// Migrations returns the embedded migrations.
func Migrations() []string { return append([]string(nil), migrations...) }

// CaseQuerySQL returns the SQL and arguments Cases runs for q.
func CaseQuerySQL(q procedure.CaseQuery) (string, []any) {
	query, args, _ := caseQuery(q, "SELECT "+caseCols, true)
	return query, args
}

// OutboxQuerySQL returns the SQL and arguments Outbox runs for q.
func OutboxQuerySQL(q procedure.OutboxQuery) (string, []any) {
	return outboxQuery(q, "SELECT "+outboxCols, true)
}

// CountQuerySQL returns the SQL and arguments CountCases runs for q.
func CountQuerySQL(q procedure.CaseQuery) (string, []any) {
	query, args, _ := caseQuery(q, "SELECT count(*) AS n", false)
	return "SELECT coalesce(sum(n), 0) FROM (" + query + ")", args
}
