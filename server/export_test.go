package server

import "time"

// Routes returns every route of the table as "METHOD /api/v1/path".
func Routes() []string {
	out := make([]string, 0, len(routes))
	for _, rt := range routes {
		out = append(out, rt.method+" "+BasePath+rt.path)
	}
	return out
}

// PublicRoutes returns the routes served without a session.
func PublicRoutes() []string {
	var out []string
	for _, rt := range routes {
		if rt.public {
			out = append(out, rt.method+" "+BasePath+rt.path)
		}
	}
	return out
}

// SetKeepalive sets how often event streams get a keepalive and check
// their session.
func SetKeepalive(s *Server, d time.Duration) { s.keepalive = d }

// SetDummyCost sets the bcrypt cost LocalAccounts checks unknown users
// against until it reads a real hash (tests store cheap hashes).
func SetDummyCost(a Authenticator, cost int) { a.(*localAccounts).cost.Store(int64(cost)) }
