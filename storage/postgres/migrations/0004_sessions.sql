-- tramite schema, version 4: the sessions of people signed in to a tramite
-- server and the record of sign-ins, refusals, sign-outs and revocations
-- (procedure.Sessions). A session is kept by the hex SHA-256 of its token,
-- never the token. Each time is a timestamptz and, as in history.at_ns, the
-- nanoseconds below its microsecond; queries compare the pair as a row.

CREATE TABLE sessions (
    token_hash    text PRIMARY KEY,
    -- no foreign key: procedure.Sessions does not ask for a stored actor
    actor_id      text NOT NULL,
    address       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    created_ns    integer NOT NULL DEFAULT 0,
    last_seen     timestamptz NOT NULL,
    last_seen_ns  integer NOT NULL DEFAULT 0,
    expires_at    timestamptz NOT NULL,
    expires_ns    integer NOT NULL DEFAULT 0
);
-- DeleteSessions and the revocations of SetPasswordHash and SaveActor.
CREATE INDEX sessions_actor ON sessions (actor_id);

CREATE TABLE auth_events (
    -- order recorded: newest first is at DESC, at_ns DESC, id DESC
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL,
    at_ns    integer NOT NULL DEFAULT 0,
    kind     text NOT NULL,
    username text NOT NULL DEFAULT '',
    actor_id text NOT NULL DEFAULT '',
    address  text NOT NULL DEFAULT '',
    reason   text NOT NULL DEFAULT ''
);
-- A listing of each filter reads newest first off one index, and CountAuth
-- with Since counts a range of one.
CREATE INDEX auth_events_at       ON auth_events (at, at_ns, id);
CREATE INDEX auth_events_username ON auth_events (username, at, at_ns, id);
CREATE INDEX auth_events_address  ON auth_events (address, at, at_ns, id);
