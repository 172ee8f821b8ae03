-- tramite schema, version 5: a case records the version of its procedure's
-- definition it started under (definition: Definition.Hash) and the cite
-- number of each numbered document (cites, by topic), which earlier versions
-- kept in data under "cite:<topic>" keys; a document version records the
-- history entry it reflects (seq, 0 for versions rendered before).

ALTER TABLE cases ADD COLUMN definition text NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN cites jsonb;
UPDATE cases SET
    cites = (SELECT jsonb_object_agg(substr(key, 6), value) FROM jsonb_each(cases.data) WHERE key LIKE 'cite:%'),
    data = coalesce((SELECT jsonb_object_agg(key, value) FROM jsonb_each(cases.data) WHERE key NOT LIKE 'cite:%'), '{}'::jsonb)
WHERE data IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_object_keys(cases.data) k WHERE k LIKE 'cite:%');
ALTER TABLE documents ADD COLUMN seq integer NOT NULL DEFAULT 0;
