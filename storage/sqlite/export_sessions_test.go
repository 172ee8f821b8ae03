package sqlite

import "github.com/tramite/tramite/procedure"

// AuthQuerySQL returns the SQL and arguments AuthEvents runs for q.
func AuthQuerySQL(q procedure.AuthQuery) (string, []any) { return authQuery(q) }

// CountAuthSQL returns the SQL and arguments CountAuth runs for q.
func CountAuthSQL(q procedure.AuthQuery) (string, []any) {
	where, args := authWhere(q)
	return "SELECT count(*) FROM auth_events" + where, args
}
