//! The job runner: claims due jobs, runs their handlers with a heartbeat that keeps the lease,
//! and records the outcome, fenced by the lease so a job finishes exactly once.

use futures::future::BoxFuture;
use plankammer_storage::jobs::{ClaimedJob, FailOutcome};
use plankammer_storage::{Db, now_millis};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, error, info, info_span, warn};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at the same time in this process.
    pub concurrency: usize,
    /// How long a claim holds without a heartbeat; heartbeats come every third of it.
    pub lease: Duration,
    /// How long to wait for new jobs when the queue is empty.
    pub poll: Duration,
    /// First retry delay; doubles per attempt up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// On shutdown, how long running jobs may take to finish before the process leaves them
    /// to be reclaimed by another worker when their lease runs out.
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 2,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            backoff_base: Duration::from_secs(5),
            backoff_max: Duration::from_secs(15 * 60),
            shutdown_grace: Duration::from_secs(120),
        }
    }
}

/// Why a run failed. Retryable errors are tried again with backoff until attempts run out.
#[derive(Debug, Clone)]
pub struct JobError {
    pub message: String,
    pub permanent: bool,
}

impl JobError {
    pub fn retry(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            permanent: false,
        }
    }
    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            permanent: true,
        }
    }
}

impl<E: std::fmt::Display> From<E> for JobError {
    fn from(e: E) -> Self {
        JobError::retry(e.to_string())
    }
}

/// What a handler gets: the job, a way to report progress, and a token that is cancelled
/// when the lease is lost or the process shuts down past its grace period.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub job: Arc<ClaimedJob>,
    progress: Arc<Mutex<Option<(i64, String)>>>,
    cancel: CancellationToken,
}

impl JobContext {
    pub fn payload(&self) -> &serde_json::Value {
        &self.job.payload
    }

    /// Reports progress (0–100) with a short German note; written with the next heartbeat.
    pub fn progress(&self, percent: i64, note: impl Into<String>) {
        if let Ok(mut p) = self.progress.lock() {
            *p = Some((percent, note.into()));
        }
    }

    /// Cancelled when the run must stop (lease lost); long handlers should select on it.
    pub fn cancelled(&self) -> CancellationToken {
        self.cancel.clone()
    }
}

pub type Handler =
    Arc<dyn Fn(JobContext) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync>;

/// The job kinds this process can run.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), JobError>> + Send + 'static,
    {
        self.handlers
            .insert(kind.to_string(), Arc::new(move |ctx| Box::pin(f(ctx))));
    }

    pub fn kinds(&self) -> Vec<&str> {
        let mut k: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        k.sort();
        k
    }
}

pub struct Worker {
    db: Db,
    id: String,
    registry: Registry,
    config: WorkerConfig,
}

/// A name for this worker process, unique across machines and restarts.
pub fn worker_id(role: &str) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!(
        "{role}:{host}:{}:{}",
        std::process::id(),
        &plankammer_storage::random_token(3)
    )
}

/// Delay before attempt `attempt + 1`: base · 2^(attempt−1), capped, with ±20 % jitter.
pub fn backoff(config: &WorkerConfig, attempt: i64) -> Duration {
    let exp = (attempt.max(1) - 1).min(30) as u32;
    let raw = config
        .backoff_base
        .saturating_mul(2u32.saturating_pow(exp))
        .min(config.backoff_max);
    let jitter = rand::random::<f64>() * 0.4 + 0.8;
    raw.mul_f64(jitter).min(config.backoff_max)
}

impl Worker {
    pub fn new(db: Db, registry: Registry, config: WorkerConfig) -> Worker {
        Worker {
            db,
            id: worker_id("worker"),
            registry,
            config,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `shutdown` is cancelled, then lets running jobs finish (up to the grace).
    pub async fn run(self, shutdown: CancellationToken) {
        let this = Arc::new(self);
        info!(worker = %this.id, kinds = ?this.registry.kinds(), "job worker started");
        let mut running: JoinSet<()> = JoinSet::new();
        let hard_stop = CancellationToken::new();
        loop {
            while running.try_join_next().is_some() {}
            if shutdown.is_cancelled() {
                break;
            }
            if running.len() >= this.config.concurrency {
                tokio::select! {
                    _ = running.join_next() => {}
                    _ = shutdown.cancelled() => {}
                }
                continue;
            }
            let lease_ms = this.config.lease.as_millis() as i64;
            match this.db.claim_job(&this.id, now_millis(), lease_ms).await {
                Ok(Some(job)) => {
                    let w = this.clone();
                    let stop = hard_stop.child_token();
                    let span =
                        info_span!("job", job_id = job.id, kind = %job.kind, attempt = job.attempt);
                    running.spawn(async move { w.execute(job, stop).await }.instrument(span));
                }
                Ok(None) => {
                    tokio::select! {
                        _ = tokio::time::sleep(this.config.poll) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
                Err(e) => {
                    error!(error = %e, "claiming a job failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(this.config.poll * 4) => {}
                        _ = shutdown.cancelled() => {}
                    }
                }
            }
        }
        if !running.is_empty() {
            info!(
                running = running.len(),
                "shutting down: letting running jobs finish"
            );
            let drained = tokio::time::timeout(this.config.shutdown_grace, async {
                while running.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                warn!(
                    "jobs still running after the grace period; they will be reclaimed when their leases expire"
                );
                hard_stop.cancel();
                running.abort_all();
            }
        }
        info!(worker = %this.id, "job worker stopped");
    }

    async fn execute(&self, job: ClaimedJob, stop: CancellationToken) {
        let job = Arc::new(job);
        let cancel = stop.child_token();
        let progress = Arc::new(Mutex::new(None));
        let ctx = JobContext {
            db: self.db.clone(),
            job: job.clone(),
            progress: progress.clone(),
            cancel: cancel.clone(),
        };
        let lease_ms = self.config.lease.as_millis() as i64;

        // Heartbeat: keeps the lease and writes progress; a lost lease cancels the run.
        let hb = {
            let (db, id, job, cancel, progress) = (
                self.db.clone(),
                self.id.clone(),
                job.clone(),
                cancel.clone(),
                progress.clone(),
            );
            let every = self.config.lease / 3;
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = cancel.cancelled() => return,
                    }
                    let p = progress.lock().ok().and_then(|mut p| p.take());
                    let p_ref = p.as_ref().map(|(pct, note)| (*pct, note.as_str()));
                    match db
                        .heartbeat_job(&job, &id, now_millis(), lease_ms, p_ref)
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            warn!("lease lost; stopping this run");
                            cancel.cancel();
                            return;
                        }
                        Err(e) => warn!(error = %e, "heartbeat failed; will try again"),
                    }
                }
            })
        };

        let outcome = match self.registry.handlers.get(&job.kind) {
            Some(h) => {
                let fut = h(ctx);
                tokio::select! {
                    r = fut => Some(r),
                    _ = cancel.cancelled() => None,
                }
            }
            None => Some(Err(JobError::permanent(format!(
                "Unbekannte Jobart „{}“",
                job.kind
            )))),
        };
        cancel.cancel();
        let _ = hb.await;

        let now = now_millis();
        let recorded = match outcome {
            None => {
                warn!("run stopped before it finished; another worker will take the job");
                return;
            }
            Some(Ok(())) => self.db.complete_job(&job, &self.id, now).await,
            Some(Err(e)) => {
                let how = if e.permanent {
                    FailOutcome::Permanent
                } else {
                    FailOutcome::RetryAt(
                        now + backoff(&self.config, job.attempt).as_millis() as i64,
                    )
                };
                warn!(error = %e.message, permanent = e.permanent, "job run failed");
                self.db.fail_job(&job, &self.id, &e.message, how, now).await
            }
        };
        match recorded {
            Ok(true) => info!("job run recorded"),
            Ok(false) => {
                warn!("lease was lost before the outcome could be recorded; outcome discarded")
            }
            Err(e) => {
                error!(error = %e, "recording the outcome failed; the lease will expire and the job run again")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let c = WorkerConfig {
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(100),
            ..Default::default()
        };
        for _ in 0..50 {
            let b1 = backoff(&c, 1).as_secs_f64();
            let b2 = backoff(&c, 2).as_secs_f64();
            let b9 = backoff(&c, 9).as_secs_f64();
            assert!((8.0..=12.0).contains(&b1), "{b1}");
            assert!((16.0..=24.0).contains(&b2), "{b2}");
            assert!(b9 <= 100.0, "{b9}");
            assert!(backoff(&c, 1000).as_secs_f64() <= 100.0);
        }
    }
}
