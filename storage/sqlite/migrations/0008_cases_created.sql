-- Schema 8: the tablero and its exports stream the cases in the order they
-- were started (procedure.Store.Scan), each followed by its history read
-- off the history's primary key: this index gives that order without a
-- sort, and bounds a range of dates.

CREATE INDEX cases_created ON cases (created_at, id);
