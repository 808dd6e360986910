//! `beteiligung.fristen`, enqueued hourly with the maintenance jobs (the hour is the dedupe
//! key): the clock of the Beteiligung and of the decision — deemed consents, reminders,
//! closing forgotten Beteiligungen, the Genehmigungsfiktion. What each of them does, exactly
//! once however many workers run, is the procedure's step
//! [`Verfahren::beteiligungsfristen_pruefen`]; this job only calls it with today's date.

use crate::runner::{JobContext, JobError, Registry};
use chrono::NaiveDate;
use plankammer_storage::{Millis, heute_berlin, now_millis};
use plankammer_verfahren::Verfahren;
use tracing::info;

pub use plankammer_verfahren::fristen::{JE_LAUF, Lauf};

pub const FRISTEN: &str = "beteiligung.fristen";

pub fn register(reg: &mut Registry, verfahren: Verfahren) {
    reg.register(FRISTEN, move |_ctx: JobContext| {
        let verfahren = verfahren.clone();
        async move {
            let l = pruefe_beteiligungsfristen(&verfahren, heute_berlin(), now_millis()).await?;
            info!(
                fiktionen = l.fiktionen,
                erinnerungen = l.erinnerungen,
                abschluesse = l.abschluesse,
                genehmigungsfiktionen = l.genehmigungsfiktionen,
                "beteiligung deadlines checked"
            );
            Ok::<(), JobError>(())
        }
    });
}

/// One run for the day `heute` (Berlin) at `now`. Idempotent.
pub async fn pruefe_beteiligungsfristen(
    verfahren: &Verfahren,
    heute: NaiveDate,
    now: Millis,
) -> Result<Lauf, JobError> {
    Ok(verfahren.beteiligungsfristen_pruefen(heute, now).await?)
}
