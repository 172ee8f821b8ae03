-- Schema 5: files attached to a case by its events (procedure.Attachment),
-- one per history entry and input of kind file, never changed.

CREATE TABLE attachments (
	case_id    TEXT NOT NULL REFERENCES cases (id),
	seq        INTEGER NOT NULL,
	input      TEXT NOT NULL,
	name       TEXT NOT NULL,
	media_type TEXT NOT NULL,
	size       INTEGER NOT NULL,
	sha256     TEXT NOT NULL,
	content    BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (case_id, seq, input)
) STRICT;
CREATE TRIGGER attachments_no_update BEFORE UPDATE ON attachments BEGIN
	SELECT RAISE(ABORT, 'attachments are never changed');
END;
