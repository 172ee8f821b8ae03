-- Schema 4: a case records the version of its procedure's definition it
-- started under (definition: Definition.Hash) and the cite number of each
-- numbered document (cites: a JSON object by topic), which earlier versions
-- kept in data under "cite:<topic>" keys; a document version records the
-- history entry it reflects (seq, 0 for versions rendered before).

ALTER TABLE cases ADD COLUMN definition TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN cites TEXT NOT NULL DEFAULT '{}';
UPDATE cases SET
	cites = (SELECT json_group_object(substr(key, 6), value) FROM json_each(cases.data) WHERE key LIKE 'cite:%'),
	data = (SELECT json_group_object(key, value) FROM json_each(cases.data) WHERE key NOT LIKE 'cite:%')
WHERE data LIKE '%"cite:%';
ALTER TABLE documents ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
