-- Schema 7: a case records its requester's name (requester_name, taken for
-- the cases filed before from their first history entry), and what a text
-- search looks in (search: procedure.SearchText, the case number, system,
-- unit, requester and cite numbers, lower-cased). search is filled in Go
-- right after this file runs, in the same transaction (SQLite's lower()
-- knows only ASCII), through the update trigger; the trigram index moves
-- from the system name to it.

ALTER TABLE cases ADD COLUMN requester_name TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
UPDATE cases SET requester_name = coalesce((SELECT actor_name FROM history WHERE case_id = cases.id AND seq = 1), '');

DROP TRIGGER cases_fts_insert;
DROP TRIGGER cases_fts_update;
DROP TABLE cases_fts;
CREATE VIRTUAL TABLE cases_fts USING fts5 (
	search, tokenize = 'trigram case_sensitive 1', content = 'cases', content_rowid = 'n'
);
INSERT INTO cases_fts (cases_fts) VALUES ('rebuild'); -- every row, with its empty search
CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN
	INSERT INTO cases_fts (rowid, search) VALUES (new.n, new.search);
END;
CREATE TRIGGER cases_fts_update AFTER UPDATE OF search ON cases
WHEN old.search IS NOT new.search BEGIN
	INSERT INTO cases_fts (cases_fts, rowid, search) VALUES ('delete', old.n, old.search);
	INSERT INTO cases_fts (rowid, search) VALUES (new.n, new.search);
END;
