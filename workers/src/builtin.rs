//! Job kinds every installation has.
//!
//! - `wartung.aufraeumen`: removes expired sessions and old login attempts. Enqueued once an
//!   hour by whichever worker comes first (the hour is the dedupe key).
//! - `fristen.pruefen` ([`crate::fristen`]) is enqueued the same way, hourly.
//! - `beteiligung.fristen` ([`crate::beteiligung`]) too.
//! - `diag.warten`: waits the given milliseconds in steps, reporting progress. Operators use
//!   it (`plankammer jobs probe`) to see that workers run; the tests use it to kill a worker
//!   in the middle of a job.

use crate::runner::{JobContext, JobError, Registry};
use plankammer_storage::jobs::NewJob;
use plankammer_storage::{Db, now_millis};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

pub const AUFRAEUMEN: &str = "wartung.aufraeumen";
pub const WARTEN: &str = "diag.warten";

pub fn register(reg: &mut Registry) {
    reg.register(AUFRAEUMEN, aufraeumen);
    reg.register(WARTEN, warten);
}

async fn aufraeumen(ctx: JobContext) -> Result<(), JobError> {
    let now = now_millis();
    let sessions = ctx.db.purge_expired_sessions(now).await?;
    let attempts = ctx.db.purge_login_attempts(now - 24 * 3600 * 1000).await?;
    let registrations = ctx.db.registrierungen_aufraeumen(now).await?
        + ctx.db.passwort_links_aufraeumen(now).await?;
    info!(
        sessions,
        attempts,
        registrations,
        "maintenance: purged expired sessions, old login attempts and registrations"
    );
    Ok(())
}

async fn warten(ctx: JobContext) -> Result<(), JobError> {
    let ms = ctx.payload()["ms"]
        .as_u64()
        .ok_or_else(|| JobError::permanent("diag.warten braucht {\"ms\": Zahl}"))?;
    let ms = ms.min(3_600_000);
    let steps = 10u64;
    for i in 0..steps {
        tokio::time::sleep(Duration::from_millis(ms / steps)).await;
        ctx.progress(
            ((i + 1) * 100 / steps) as i64,
            format!("Schritt {} von {steps}", i + 1),
        );
    }
    Ok(())
}

/// Enqueues the hourly maintenance job; every worker calls this, only the first wins.
pub async fn schedule_maintenance(db: &Db) {
    let now = now_millis();
    let hour = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.format("%Y-%m-%dT%H").to_string())
        .unwrap_or_default();
    for kind in [
        AUFRAEUMEN,
        crate::pipeline::AUFRAEUMEN_DOKUMENTE,
        crate::fristen::PRUEFEN,
        crate::beteiligung::FRISTEN,
    ] {
        let mut job = NewJob::new(kind, serde_json::json!({}), now);
        job.dedupe_key = Some(format!("{kind}:{hour}"));
        job.max_attempts = 3;
        if let Err(e) = db.enqueue_now(&job, now).await {
            warn!(error = %e, "could not schedule maintenance");
        }
    }
}

/// Schedules maintenance now and then every `interval` (ten minutes by default; the hourly
/// key keeps it hourly).
pub async fn maintenance_scheduler(db: Db, interval: Duration, shutdown: CancellationToken) {
    loop {
        schedule_maintenance(&db).await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
