-- tramite schema, version 6: files attached to a case by its events
-- (procedure.Attachment), one per history entry and input of kind file,
-- append-only like the documents.

CREATE TABLE attachments (
    case_id    text NOT NULL REFERENCES cases (id),
    seq        integer NOT NULL,
    input      text NOT NULL,
    name       text NOT NULL,
    media_type text NOT NULL,
    size       bigint NOT NULL CHECK (size >= 0),
    sha256     text NOT NULL,
    content    bytea NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, seq, input)
);
CREATE TRIGGER attachments_append_only BEFORE UPDATE OR DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION tramite_append_only();
