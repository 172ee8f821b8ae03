-- tramite schema, version 7: which signing certificate belongs to whom. A
-- certificate is named by its issuer and serial number; the server accepts
-- a signed document from an actor only with a certificate bound to that
-- actor.

CREATE TABLE certificates (
    issuer   text NOT NULL,
    serial   text NOT NULL,
    actor_id text NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    subject  text NOT NULL DEFAULT '',
    PRIMARY KEY (issuer, serial)
);
CREATE INDEX certificates_actor ON certificates (actor_id, issuer, serial);
