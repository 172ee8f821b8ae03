// Package server is tramite's HTTP API for an agency's shared deployment:
// one server holds the database, the sealing key and the SMTP credentials,
// signs people in and answers every request for the signed-in person only;
// desks run the client and talk to nothing else.
//
// New returns a Server whose Handler serves the API under /api/v1 (JSON,
// UTF-8) and can be mounted in any program's mux. Its routes, bodies and
// statuses are described by the OpenAPI 3.1 document it serves at
// GET /api/v1/openapi.json, which is built from the same route table the
// handler uses.
//
// # Sessions
//
// POST /api/v1/session checks a username and password with the configured
// Authenticators (local accounts by default; an LDAP directory with
// server/ldapauth) and returns a random token: 32 bytes from crypto/rand,
// base64url. The server keeps only its SHA-256 (procedure.Session), so
// whoever reads the database cannot sign in with what they read. Every other
// request carries "Authorization: Bearer <token>". A session ends after
// Config.IdleTimeout without use, after Config.MaxAge however active, and at
// once on DELETE /api/v1/session. On every request the person is read afresh
// from Config.People, so a change of roles applies to the next request.
//
// The username is trimmed and lowercased before any authenticator sees it.
// Refused sign-ins are counted in Config.Sessions (so every replica shares
// the count): after 5 refusals for a username, or 20 from one address,
// within 15 minutes, the next attempt must wait 1 s, 2 s, 4 s… up to 30 s
// after the last refusal, and an attempt made sooner answers 429 with
// Retry-After. Such an attempt checks no password and is not recorded as a
// refusal (it is logged): otherwise anyone could keep a person locked out,
// and write to the database, for as long as they kept trying. The address
// is the request's RemoteAddr; behind a reverse proxy, set RemoteAddr from
// the proxy's header before this handler, or every refusal counts against
// the proxy. Sign-ins, refusals (with the authenticator's reason) and
// sign-outs are recorded as procedure.AuthEvent and logged; passwords,
// tokens and secrets never are.
//
// # Authorization
//
// The server decides nothing the engine does not: every read goes through
// the procedure.Engine with the signed-in actor, so a case the person may
// not see is "not found" to them, in a listing as in a direct read, and an
// event they may not fire is "forbidden".
//
// # Live events
//
// GET /api/v1/events is a text/event-stream that names every case that
// changes and that the session's actor may see. One procedure.ChangeFeed
// watch per Server feeds every stream; each changed case is read once and
// offered to each stream through Engine.CanSee. Every 15 s a stream gets a
// keepalive comment and its session is checked again: a session ended on
// another replica, expired or revoked ends its streams then, one ended on
// this server at once. A stream does not keep its session from idling out.
//
// # Errors
//
// Errors are JSON: {"error":{"code":…,"message":…,"problems":[…]}}, with
// the procedure's codes (invalid_input 400, forbidden 403, not_found 404,
// conflict 409, invalid_transition 422) and the server's own
// (unauthenticated 401, method_not_allowed 405, too_large 413,
// unsupported_media_type 415, throttled 429, unavailable 503). Any other
// failure is 500 with a generic message; its detail goes to the log only.
package server
