-- Schema 3: the sessions of people signed in to a tramite server and the
-- record of sign-ins, refusals, sign-outs and revocations
-- (procedure.Sessions). A session is kept by the hex SHA-256 of its token,
-- never the token. Times are Unix nanoseconds in UTC, as in schema 1.

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	actor_id   TEXT NOT NULL, -- no foreign key: Sessions does not ask for a stored actor
	address    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- DeleteSessions and the revocations of SetPasswordHash and SaveActor.
CREATE INDEX sessions_actor ON sessions (actor_id);

CREATE TABLE auth_events (
	n        INTEGER PRIMARY KEY, -- order recorded: newest first is at DESC, n DESC
	at       INTEGER NOT NULL,
	kind     TEXT NOT NULL,
	username TEXT NOT NULL,
	actor_id TEXT NOT NULL,
	address  TEXT NOT NULL,
	reason   TEXT NOT NULL
) STRICT;
-- Every index ends with the rowid n, so a listing of each filter reads
-- newest first straight off one index, and CountAuth with Since counts a
-- range of one.
CREATE INDEX auth_events_at       ON auth_events (at);
CREATE INDEX auth_events_username ON auth_events (username, at);
CREATE INDEX auth_events_address  ON auth_events (address, at);
