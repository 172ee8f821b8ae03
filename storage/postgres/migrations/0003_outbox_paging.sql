-- tramite schema, version 3: the Salida de correo pages through the whole
-- outbox, newest first, by kind, status or both. Listings are ordered by
-- pos (read backwards for newest first): each index ends so, and a page of
-- any of these filters is read straight off one index.

CREATE INDEX outbox_status      ON outbox (status, pos);
CREATE INDEX outbox_kind        ON outbox (kind, pos);
CREATE INDEX outbox_kind_status ON outbox (kind, status, pos);
