-- Schema 2: the Salida de correo pages through the whole outbox, newest
-- first, by kind, status or both. Every listing is ordered by created_at, n
-- (read backwards for newest first): each index ends so, and a page of any
-- of these filters is read straight off one index.

CREATE INDEX outbox_recent      ON outbox (created_at, n);
CREATE INDEX outbox_kind        ON outbox (kind, created_at, n);
CREATE INDEX outbox_kind_status ON outbox (kind, status, created_at, n);
