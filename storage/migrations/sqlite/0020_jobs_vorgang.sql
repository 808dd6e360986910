-- Fair job claiming within a tenant (issue 12): the case a job works for, so that within a
-- class and a tenant the case with the fewest running jobs goes first. One applicant who
-- uploads 300 plans into one case then delays the other cases of the same authority by
-- one job at most, not by the whole flood. NULL for jobs of no case.
ALTER TABLE jobs ADD COLUMN vorgang_id BIGINT;
UPDATE jobs SET vorgang_id = (SELECT v.vorgang_id FROM dokument_versionen v
    WHERE v.id = CAST(json_extract(jobs.payload, '$.version_id') AS BIGINT))
  WHERE kind LIKE 'pipeline.%';
CREATE INDEX jobs_laufend_vorgang ON jobs(state, vorgang_id);
