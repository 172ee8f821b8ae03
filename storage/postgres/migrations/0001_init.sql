-- tramite schema, version 1: cases, their hash-chained history, the outbox,
-- cite numbers, documents and people.

CREATE TABLE cases (
    id            text PRIMARY KEY,
    procedure     text NOT NULL,
    state         text NOT NULL,
    version       bigint NOT NULL CHECK (version >= 1),
    system        text NOT NULL DEFAULT '',
    description   text NOT NULL DEFAULT '',
    unit          text NOT NULL DEFAULT '',
    requester_id  text NOT NULL DEFAULT '',
    assignee      text NOT NULL DEFAULT '',
    step          integer NOT NULL DEFAULT 0,
    waiting_role  text NOT NULL DEFAULT '',
    waiting_actor text NOT NULL DEFAULT '',
    waiting_unit  text NOT NULL DEFAULT '',
    data          jsonb,
    -- secrets is the sealed (AES-GCM) blob of the step 1 secrets: never plaintext.
    secrets       bytea,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_actor    text NOT NULL DEFAULT ''
);
CREATE INDEX cases_updated ON cases (updated_at DESC, id DESC);
CREATE INDEX cases_waiting ON cases (waiting_role, waiting_actor, waiting_unit) WHERE step > 0;

-- history is append-only: entries are hash-chained (see procedure.VerifyChain)
-- and a trigger refuses to change or delete them.
CREATE TABLE history (
    case_id    text NOT NULL REFERENCES cases (id),
    seq        integer NOT NULL CHECK (seq >= 1),
    step       integer NOT NULL,
    event      text NOT NULL,
    from_state text NOT NULL,
    to_state   text NOT NULL,
    actor_id   text NOT NULL,
    actor_name text NOT NULL,
    role       text NOT NULL,
    interim    boolean NOT NULL,
    at         timestamptz NOT NULL,
    -- at_ns keeps the nanoseconds below at's microsecond, which the hash covers.
    at_ns      integer NOT NULL DEFAULT 0,
    comment    text NOT NULL DEFAULT '',
    outputs    text[],
    data       jsonb,
    prev_hash  text NOT NULL,
    hash       text NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE FUNCTION tramite_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tramite: % is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history
    FOR EACH ROW EXECUTE FUNCTION tramite_append_only();
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history
    FOR EACH STATEMENT EXECUTE FUNCTION tramite_append_only();

CREATE TABLE outbox (
    id            text PRIMARY KEY,
    -- pos keeps insertion order for listings; gaps are harmless.
    pos           bigserial NOT NULL,
    case_id       text NOT NULL REFERENCES cases (id),
    seq           integer NOT NULL,
    kind          text NOT NULL,
    topic         text NOT NULL DEFAULT '',
    number        text NOT NULL DEFAULT '',
    to_addrs      jsonb,
    cc_addrs      jsonb,
    attach        text[],
    status        text NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    next_attempt  timestamptz NOT NULL,
    last_error    text NOT NULL DEFAULT '',
    claimed_by    text NOT NULL DEFAULT '',
    claimed_until timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX outbox_pos ON outbox (pos);
CREATE INDEX outbox_case ON outbox (case_id, pos);
CREATE INDEX outbox_due ON outbox (kind, created_at, id) WHERE status = 'pending';

-- numbers holds the last cite number of each series and year. A row lock
-- (not a sequence, which leaves gaps on rollback) makes them gap-free.
CREATE TABLE numbers (
    series text NOT NULL,
    year   integer NOT NULL,
    last   integer NOT NULL,
    PRIMARY KEY (series, year)
);

CREATE TABLE documents (
    case_id    text NOT NULL REFERENCES cases (id),
    topic      text NOT NULL,
    version    integer NOT NULL CHECK (version >= 1),
    number     text NOT NULL DEFAULT '',
    sha256     text NOT NULL,
    content    bytea NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, topic, version)
);
CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION tramite_append_only();

CREATE TABLE actors (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    email         text NOT NULL DEFAULT '',
    unit          text NOT NULL DEFAULT '',
    grants        jsonb NOT NULL DEFAULT '[]',
    password_hash bytea
);

-- Every change of a case is announced on the channel tramite_cases with the
-- case ID as payload, whichever client made it (see Store.Watch).
CREATE FUNCTION tramite_notify_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tramite_cases', NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER cases_notify AFTER INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION tramite_notify_case();
