//! Durable jobs: a queue in the database with leases, heartbeats, retries with backoff, a
//! maximum number of attempts and a final failed state with its reason.
//!
//! A worker claims a job by taking a lease (`lease_owner`, `lease_until`) and keeps it with
//! heartbeats. A worker that dies stops beating; when the lease runs out another worker may
//! claim the job again. Every write after the claim is fenced by `(lease_owner, attempts)`,
//! so a worker that lost its lease can never record an outcome: a job finishes exactly once.
//! On PostgreSQL, claiming uses `FOR UPDATE SKIP LOCKED`, so any number of worker processes
//! can poll at once; SQLite serialises writers, so its claim is one atomic UPDATE.

use crate::{Backend, Db, Millis, Result, StoreError};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }

    pub fn from_code(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|j| j.code() == s)
    }
}

#[derive(Debug, Clone)]
pub struct NewJob {
    /// The tenant the job works for; `None` for system jobs.
    pub tenant_id: Option<i64>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub max_attempts: i64,
    pub run_at: Millis,
    /// A job with a key that exists already is not enqueued again (idempotent enqueue).
    pub dedupe_key: Option<String>,
    /// The case the job works for, if any (fairness between the cases of a tenant).
    pub vorgang_id: Option<i64>,
}

impl NewJob {
    /// The job's class: 1 for the document pipeline (bulk work that uploads create), 2 for
    /// its background stages that nobody waits for (the full text of scans, for search), 0
    /// for everything the law or a person waits for. Lower classes are always claimed first.
    pub fn klasse(&self) -> i64 {
        match self.kind.strip_prefix("pipeline.") {
            Some(stufe) if crate::dokumente::stufe_im_hintergrund(stufe) => 2,
            Some(_) => 1,
            None => 0,
        }
    }

    pub fn new(kind: &str, payload: serde_json::Value, now: Millis) -> NewJob {
        NewJob {
            tenant_id: None,
            kind: kind.to_string(),
            payload,
            max_attempts: 5,
            run_at: now,
            dedupe_key: None,
            vorgang_id: None,
        }
    }
}

/// A job as a worker holds it after claiming.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    /// 1 for the first attempt; the fencing token together with the worker id.
    pub attempt: i64,
    pub max_attempts: i64,
}

/// A job as people and the API see it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub kind: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Millis,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Millis>,
    pub progress: i64,
    pub progress_note: Option<String>,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub finished_at: Option<Millis>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobAttempt {
    pub attempt: i64,
    pub worker: String,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub outcome: Option<String>,
    pub error: Option<String>,
}

/// What a worker reports when a run ends with an error.
#[derive(Debug, Clone)]
pub enum FailOutcome {
    /// Retry at this instant (if attempts remain; otherwise the job fails).
    RetryAt(Millis),
    /// The job can never succeed; fail it now.
    Permanent,
}

const JOB_COLS: &str = "id, tenant_id, kind, state, attempts, max_attempts, run_at, lease_owner, lease_until, progress, \
     progress_note, last_error, created_at, finished_at";

fn job_from_row(r: &sqlx::any::AnyRow) -> Result<Job> {
    let state: String = r.try_get("state")?;
    Ok(Job {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        kind: r.try_get("kind")?,
        state: JobState::from_code(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("job state {state:?}")))?,
        attempts: r.try_get("attempts")?,
        max_attempts: r.try_get("max_attempts")?,
        run_at: r.try_get("run_at")?,
        lease_owner: r.try_get("lease_owner")?,
        lease_until: r.try_get("lease_until")?,
        progress: r.try_get("progress")?,
        progress_note: r.try_get("progress_note")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// Errors are stored for people to read; keep them to a sensible length.
fn clip(s: &str) -> String {
    const MAX: usize = 2000;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl Db {
    /// Enqueues a job in the caller's transaction; `None` when its dedupe key exists already.
    pub async fn enqueue(conn: &mut crate::Tx, job: &NewJob, now: Millis) -> Result<Option<i64>> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO jobs (tenant_id, kind, payload, state, max_attempts, run_at, dedupe_key, created_at, updated_at, klasse, vorgang_id) \
             VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $7, $8, $9) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        )
        .bind(job.tenant_id)
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(job.max_attempts.max(1))
        .bind(job.run_at)
        .bind(&job.dedupe_key)
        .bind(now)
        .bind(job.klasse())
        .bind(job.vorgang_id)
        .fetch_optional(conn.c())
        .await?;
        Ok(id)
    }

    pub async fn enqueue_now(&self, job: &NewJob, now: Millis) -> Result<Option<i64>> {
        let mut tx = self.begin().await?;
        let r = Db::enqueue(&mut tx, job, now).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Claims the next job that is due, or whose lease ran out, for `worker`: class 0 before
    /// class 1 ([`NewJob::klasse`]); within a class the tenant with the fewest running jobs
    /// first (system jobs count as one tenant), then the case with the fewest running jobs,
    /// then the oldest. A tenant that queued ten thousand pipeline jobs thus gets one worker
    /// after another only while nobody else waits, and so does one case within a tenant.
    pub async fn claim_job(
        &self,
        worker: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<ClaimedJob>> {
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE OF j SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $2, \
                 heartbeat_at = $3, updated_at = $3 \
             WHERE id = (SELECT j.id FROM jobs j \
                 LEFT JOIN (SELECT COALESCE(tenant_id, 0) AS t, COUNT(*) AS n FROM jobs \
                     WHERE state = 'running' AND lease_until >= $3 GROUP BY COALESCE(tenant_id, 0)) l \
                     ON l.t = COALESCE(j.tenant_id, 0) \
                 LEFT JOIN (SELECT vorgang_id AS vg, COUNT(*) AS n FROM jobs \
                     WHERE state = 'running' AND lease_until >= $3 AND vorgang_id IS NOT NULL GROUP BY vorgang_id) c \
                     ON c.vg = j.vorgang_id \
                 WHERE (j.state = 'queued' AND j.run_at <= $3) OR (j.state = 'running' AND j.lease_until < $3) \
                 ORDER BY j.klasse, COALESCE(l.n, 0), COALESCE(c.n, 0), j.run_at, j.id LIMIT 1 {lock}) \
             RETURNING id, kind, payload, attempts, max_attempts"
        );
        let mut tx = self.begin().await?;
        let Some(row) = sqlx::query(&sql)
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(tx.c())
            .await?
        else {
            tx.commit().await?;
            return Ok(None);
        };
        let payload: String = row.try_get("payload")?;
        let job = ClaimedJob {
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            payload: serde_json::from_str(&payload)
                .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
            attempt: row.try_get("attempts")?,
            max_attempts: row.try_get("max_attempts")?,
        };
        // An earlier attempt still open lost its lease: its worker died or stalled.
        sqlx::query(
            "UPDATE job_attempts SET ended_at = $1, outcome = 'lease_lost', error = 'Lease abgelaufen (Worker ausgefallen oder blockiert)' \
             WHERE job_id = $2 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(job.id)
        .execute(tx.c())
        .await?;
        sqlx::query("INSERT INTO job_attempts (job_id, attempt, worker, started_at) VALUES ($1, $2, $3, $4)")
            .bind(job.id)
            .bind(job.attempt)
            .bind(worker)
            .bind(now)
            .execute(tx.c())
            .await?;
        if job.attempt > job.max_attempts {
            // Reclaimed after a lost lease with no attempts left: fail it with the reason.
            let msg = format!(
                "Abgebrochen: alle {} Versuche verbraucht (zuletzt Worker ausgefallen)",
                job.max_attempts
            );
            Self::finish_attempt(&mut tx, job.id, job.attempt, "error", Some(&msg), now).await?;
            sqlx::query(
                "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_until = NULL, last_error = $1, \
                 finished_at = $2, updated_at = $2 WHERE id = $3",
            )
            .bind(&msg)
            .bind(now)
            .bind(job.id)
            .execute(tx.c())
            .await?;
            tx.commit().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(job))
    }

    async fn finish_attempt(
        conn: &mut crate::Tx,
        job_id: i64,
        attempt: i64,
        outcome: &str,
        error: Option<&str>,
        now: Millis,
    ) -> Result<()> {
        sqlx::query("UPDATE job_attempts SET ended_at = $1, outcome = $2, error = $3 WHERE job_id = $4 AND attempt = $5")
            .bind(now)
            .bind(outcome)
            .bind(error)
            .bind(job_id)
            .bind(attempt)
            .execute(conn.c())
            .await?;
        Ok(())
    }

    /// Extends the lease and optionally records progress. `false`: the lease is lost; stop.
    pub async fn heartbeat_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        now: Millis,
        lease_ms: i64,
        progress: Option<(i64, &str)>,
    ) -> Result<bool> {
        let (pct, note) = match progress {
            Some((p, n)) => (Some(p.clamp(0, 100)), Some(clip(n))),
            None => (None, None),
        };
        let n = sqlx::query(
            "UPDATE jobs SET lease_until = $1, heartbeat_at = $2, updated_at = $2, \
                 progress = COALESCE($3, progress), progress_note = COALESCE($4, progress_note) \
             WHERE id = $5 AND state = 'running' AND lease_owner = $6 AND attempts = $7",
        )
        .bind(now + lease_ms)
        .bind(now)
        .bind(pct)
        .bind(note)
        .bind(job.id)
        .bind(worker)
        .bind(job.attempt)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Records success. `false` when the lease was lost meanwhile (the outcome is not recorded).
    pub async fn complete_job(&self, job: &ClaimedJob, worker: &str, now: Millis) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE jobs SET state = 'succeeded', progress = 100, lease_owner = NULL, lease_until = NULL, \
                 finished_at = $1, updated_at = $1 \
             WHERE id = $2 AND state = 'running' AND lease_owner = $3 AND attempts = $4",
        )
        .bind(now)
        .bind(job.id)
        .bind(worker)
        .bind(job.attempt)
        .execute(tx.c())
        .await?
        .rows_affected();
        if n == 1 {
            Self::finish_attempt(&mut tx, job.id, job.attempt, "succeeded", None, now).await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Records a failed run: queued again for a retry, or failed for good when no attempts
    /// remain or the error is permanent. `false` when the lease was lost meanwhile.
    pub async fn fail_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        error: &str,
        outcome: FailOutcome,
        now: Millis,
    ) -> Result<bool> {
        let error = clip(error);
        let retry_at = match outcome {
            FailOutcome::RetryAt(at) if job.attempt < job.max_attempts => Some(at),
            _ => None,
        };
        let mut tx = self.begin().await?;
        let n = match retry_at {
            Some(at) => sqlx::query(
                "UPDATE jobs SET state = 'queued', run_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL, \
                     updated_at = $3 WHERE id = $4 AND state = 'running' AND lease_owner = $5 AND attempts = $6",
            )
            .bind(at),
            None => sqlx::query(
                "UPDATE jobs SET state = 'failed', finished_at = $1, last_error = $2, lease_owner = NULL, \
                     lease_until = NULL, updated_at = $3 WHERE id = $4 AND state = 'running' AND lease_owner = $5 AND attempts = $6",
            )
            .bind(now),
        }
        .bind(&error)
        .bind(now)
        .bind(job.id)
        .bind(worker)
        .bind(job.attempt)
        .execute(tx.c())
        .await?
        .rows_affected();
        if n == 1 {
            Self::finish_attempt(&mut tx, job.id, job.attempt, "error", Some(&error), now).await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Puts a failed job back in the queue with fresh attempts ("erneut versuchen").
    pub async fn retry_failed_job(&self, id: i64, now: Millis) -> Result<()> {
        let n = sqlx::query(
            "UPDATE jobs SET state = 'queued', run_at = $1, max_attempts = attempts + 3, finished_at = NULL, \
             updated_at = $1 WHERE id = $2 AND state = 'failed'",
        )
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    pub async fn job(&self, id: i64) -> Result<Job> {
        let row = sqlx::query(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        job_from_row(&row)
    }

    /// The newest jobs of one tenant (`Some`) or of the whole installation (`None`),
    /// optionally in one state.
    pub async fn jobs(
        &self,
        tenant_id: Option<i64>,
        state: Option<JobState>,
        limit: i64,
    ) -> Result<Vec<Job>> {
        self.jobs_vor(tenant_id, state, None, limit).await
    }

    /// Newest first, the page after the job `vor` (keyset: ids below it) when given.
    pub async fn jobs_vor(
        &self,
        tenant_id: Option<i64>,
        state: Option<JobState>,
        vor: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Job>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLS} FROM jobs WHERE ($1 IS NULL OR tenant_id = $1) AND ($2 IS NULL OR state = $2) \
             AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        ))
        .bind(tenant_id)
        .bind(state.map(JobState::code))
        .bind(vor)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    pub async fn job_attempts(&self, id: i64) -> Result<Vec<JobAttempt>> {
        let rows = sqlx::query(
            "SELECT attempt, worker, started_at, ended_at, outcome, error FROM job_attempts WHERE job_id = $1 ORDER BY attempt",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobAttempt {
                    attempt: r.try_get("attempt")?,
                    worker: r.try_get("worker")?,
                    started_at: r.try_get("started_at")?,
                    ended_at: r.try_get("ended_at")?,
                    outcome: r.try_get("outcome")?,
                    error: r.try_get("error")?,
                })
            })
            .collect()
    }

    /// How many jobs are in each state (every state listed, zero included).
    pub async fn job_counts(&self, tenant_id: Option<i64>) -> Result<Vec<(JobState, i64)>> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs WHERE ($1 IS NULL OR tenant_id = $1) GROUP BY state")
            .bind(tenant_id)
            .fetch_all(self.pool())
            .await?;
        let mut out: Vec<(JobState, i64)> = JobState::ALL.into_iter().map(|s| (s, 0)).collect();
        for r in rows {
            let s: String = r.try_get("state")?;
            let n: i64 = r.try_get("n")?;
            if let Some(slot) = out.iter_mut().find(|(st, _)| st.code() == s) {
                slot.1 = n;
            }
        }
        Ok(out)
    }
}
