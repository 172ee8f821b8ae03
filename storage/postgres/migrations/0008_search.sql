-- tramite schema, version 8: a case records its requester's name
-- (requester_name, taken for the cases filed before from their first
-- history entry), and what a text search looks in (search:
-- procedure.SearchText, the case number, system, unit, requester and cite
-- numbers, lower-cased). search is filled in Go right after this file runs,
-- in the same transaction, so that it is lower-cased alike whatever the
-- database's locale.

ALTER TABLE cases ADD COLUMN requester_name text NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN search text NOT NULL DEFAULT '';
UPDATE cases SET requester_name = coalesce((SELECT actor_name FROM history WHERE case_id = cases.id AND seq = 1), '');
