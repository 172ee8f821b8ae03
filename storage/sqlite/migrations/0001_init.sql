-- Schema 1 of tramite's SQLite store. Times are Unix nanoseconds in UTC
-- (0 for the zero time); JSON columns hold what the procedure package
-- encodes. Never edit a released migration: add the next file.

CREATE TABLE cases (
	n             INTEGER PRIMARY KEY, -- stable rowid for the text index
	id            TEXT NOT NULL UNIQUE,
	procedure     TEXT NOT NULL,
	state         TEXT NOT NULL,
	version       INTEGER NOT NULL,
	system        TEXT NOT NULL,
	system_lower  TEXT NOT NULL,       -- system lower-cased in Go, for text search
	description   TEXT NOT NULL,
	unit          TEXT NOT NULL,
	requester_id  TEXT NOT NULL,
	assignee      TEXT NOT NULL,
	step          INTEGER NOT NULL,
	waiting_role  TEXT NOT NULL,
	waiting_actor TEXT NOT NULL,
	waiting_unit  TEXT NOT NULL,
	data          TEXT NOT NULL,       -- JSON object of the non-secret inputs
	secrets       BLOB,                -- sealed by the engine; NULL when none or purged
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	last_actor    TEXT NOT NULL,
	change_seq    INTEGER NOT NULL     -- grows with every committed change; read by Watch
) STRICT;

-- Every listing is ordered by updated_at DESC, id DESC: each index ends so,
-- and a page of any filter is read straight off one index.
CREATE INDEX cases_inbox     ON cases (waiting_role, waiting_actor, waiting_unit, updated_at DESC, id DESC);
CREATE INDEX cases_recent    ON cases (updated_at DESC, id DESC);
CREATE INDEX cases_open      ON cases (updated_at DESC, id DESC) WHERE step > 0;
CREATE INDEX cases_state     ON cases (state, updated_at DESC, id DESC);
CREATE INDEX cases_procedure ON cases (procedure, updated_at DESC, id DESC);
CREATE INDEX cases_unit      ON cases (unit, updated_at DESC, id DESC);
CREATE INDEX cases_change    ON cases (change_seq);

-- Substring search on the system name: trigrams of system_lower.
CREATE VIRTUAL TABLE cases_fts USING fts5 (
	system_lower, tokenize = 'trigram case_sensitive 1', content = 'cases', content_rowid = 'n'
);
CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
	INSERT INTO cases_fts (rowid, system_lower) VALUES (new.n, new.system_lower);
END;
CREATE TRIGGER cases_fts_update AFTER UPDATE OF system_lower ON cases
WHEN old.system_lower IS NOT new.system_lower BEGIN
	INSERT INTO cases_fts (cases_fts, rowid, system_lower) VALUES ('delete', old.n, old.system_lower);
	INSERT INTO cases_fts (rowid, system_lower) VALUES (new.n, new.system_lower);
END;
CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases BEGIN
	SELECT RAISE(ABORT, 'cases are never deleted');
END;

CREATE TABLE history (
	case_id    TEXT NOT NULL REFERENCES cases (id),
	seq        INTEGER NOT NULL,
	step       INTEGER NOT NULL,
	event      TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	actor_id   TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	role       TEXT NOT NULL,
	interim    INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	comment    TEXT NOT NULL,
	outputs    TEXT NOT NULL, -- JSON array
	data       TEXT NOT NULL, -- JSON object
	prev_hash  TEXT NOT NULL,
	hash       TEXT NOT NULL,
	PRIMARY KEY (case_id, seq)
) STRICT, WITHOUT ROWID;

-- History is append-only (and hash-chained, so a change made around these
-- triggers is still found by Check).
CREATE TRIGGER history_no_update BEFORE UPDATE ON history BEGIN
	SELECT RAISE(ABORT, 'history is append-only');
END;
CREATE TRIGGER history_no_delete BEFORE DELETE ON history BEGIN
	SELECT RAISE(ABORT, 'history is append-only');
END;

CREATE TABLE outbox (
	n             INTEGER PRIMARY KEY, -- insertion order
	id            TEXT NOT NULL UNIQUE,
	case_id       TEXT NOT NULL REFERENCES cases (id),
	seq           INTEGER NOT NULL,
	kind          TEXT NOT NULL,
	topic         TEXT NOT NULL,
	number        TEXT NOT NULL,
	to_addrs      TEXT NOT NULL, -- JSON array of addresses
	cc_addrs      TEXT NOT NULL, -- JSON array of addresses
	attach        TEXT NOT NULL, -- JSON array of topics
	status        TEXT NOT NULL,
	attempts      INTEGER NOT NULL,
	next_attempt  INTEGER NOT NULL,
	last_error    TEXT NOT NULL,
	claimed_by    TEXT NOT NULL,
	claimed_until INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_case   ON outbox (case_id, created_at, n);
CREATE INDEX outbox_claim  ON outbox (kind, status, created_at, id);
CREATE INDEX outbox_status ON outbox (status, created_at, n);

-- The last number taken in each series and year (cite numbers, case IDs).
CREATE TABLE numbers (
	series TEXT NOT NULL,
	year   INTEGER NOT NULL,
	last   INTEGER NOT NULL,
	PRIMARY KEY (series, year)
) STRICT, WITHOUT ROWID;

CREATE TABLE documents (
	case_id    TEXT NOT NULL REFERENCES cases (id),
	topic      TEXT NOT NULL,
	version    INTEGER NOT NULL,
	number     TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	content    BLOB,               -- NULL for empty content
	created_at INTEGER NOT NULL,
	UNIQUE (case_id, topic, version)
) STRICT;
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents BEGIN
	SELECT RAISE(ABORT, 'documents are never overwritten');
END;

CREATE TABLE actors (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	email         TEXT NOT NULL,
	unit          TEXT NOT NULL,
	password_hash BLOB
) STRICT, WITHOUT ROWID;
CREATE INDEX actors_name ON actors (name, id);

CREATE TABLE grants (
	actor_id TEXT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
	pos      INTEGER NOT NULL,
	role     TEXT NOT NULL,
	interim  INTEGER NOT NULL,
	PRIMARY KEY (actor_id, role)
) STRICT, WITHOUT ROWID;
CREATE INDEX grants_role ON grants (role, actor_id);
