-- tramite schema, version 2: cases.changed_at, the server's time of a case's
-- last change, so that a client whose LISTEN connection dropped can ask
-- which cases changed while it was away.

ALTER TABLE cases ADD COLUMN changed_at timestamptz NOT NULL DEFAULT clock_timestamp();
CREATE INDEX cases_changed ON cases (changed_at);

CREATE FUNCTION tramite_case_changed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_at := clock_timestamp();
    RETURN NEW;
END
$$;
CREATE TRIGGER cases_changed_at BEFORE INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION tramite_case_changed_at();
