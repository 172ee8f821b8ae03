-- Schema 6: which signing certificate belongs to whom. A certificate is
-- named by its issuer and serial number; the server accepts a signed
-- document from an actor only with a certificate bound to that actor.

CREATE TABLE certificates (
	issuer TEXT NOT NULL,
	serial TEXT NOT NULL,
	actor_id TEXT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
	subject TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (issuer, serial)
);
CREATE INDEX certificates_actor ON certificates (actor_id, issuer, serial);
