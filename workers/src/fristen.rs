//! `fristen.pruefen`, enqueued hourly with the maintenance jobs (the hour is the dedupe
//! key): a Nachforderung deadline whose last day has passed becomes due, exactly once even
//! with several workers — the procedure's step [`Verfahren::nachforderungsfristen_pruefen`].
//! The Rücknahmefiktion itself is not fired here: a case worker confirms it (or extends the
//! deadline) on the page `/fristen`, and only then does the case move to status 12.

use crate::runner::{JobContext, JobError, Registry};
use chrono::NaiveDate;
use plankammer_storage::{Millis, now_millis};
use plankammer_verfahren::Verfahren;
use tracing::info;

/// Today in Germany, from the product's one clock.
pub use plankammer_storage::heute_berlin;

pub const PRUEFEN: &str = "fristen.pruefen";

pub fn register(reg: &mut Registry, verfahren: Verfahren) {
    reg.register(PRUEFEN, move |_ctx: JobContext| {
        let verfahren = verfahren.clone();
        async move {
            let n = pruefe_fristen(&verfahren, heute_berlin(), now_millis()).await?;
            info!(faellig = n, "deadlines checked");
            Ok::<(), JobError>(())
        }
    });
}

/// Marks every passed Nachforderung deadline as due; returns how many this call marked.
pub async fn pruefe_fristen(
    verfahren: &Verfahren,
    heute: NaiveDate,
    now: Millis,
) -> Result<usize, JobError> {
    Ok(verfahren.nachforderungsfristen_pruefen(heute, now).await?)
}
