-- Fair job claiming (issue 12). Class 0 holds what the law or a person waits for (deadline
-- sweeps, issuing a Bescheid, maintenance); class 1 the document pipeline, which uploads
-- can fill by the thousand. A worker always takes class 0 first, and within a class the
-- tenant with the fewest running jobs first, so one flooding tenant cannot starve another.
ALTER TABLE jobs ADD COLUMN klasse BIGINT NOT NULL DEFAULT 0;
UPDATE jobs SET klasse = 1 WHERE kind LIKE 'pipeline.%';
CREATE INDEX jobs_bereit_klasse ON jobs(state, klasse, run_at);
