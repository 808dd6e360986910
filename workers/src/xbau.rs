//! `xbau.nachreichen`: a portal's changed application (XBau `0202`) becomes the next
//! Fassung once the pipeline checked every document of it — the procedure's step
//! [`Verfahren::xbau_nachreichen`]; while a document is still being checked the job tries
//! again later (the runner's backoff).

use crate::runner::{JobContext, JobError, Registry};
use plankammer_verfahren::Verfahren;
use plankammer_verfahren::fehler::Fehler;
use plankammer_verfahren::xbau_austausch::XBAU_NACHREICHEN;
use tracing::info;

pub fn register(reg: &mut Registry, verfahren: Verfahren) {
    reg.register(XBAU_NACHREICHEN, move |ctx: JobContext| {
        let verfahren = verfahren.clone();
        async move {
            let p = ctx.payload();
            let (Some(vorgang_id), Some(partner_id)) =
                (p["vorgang_id"].as_i64(), p["partner_id"].as_i64())
            else {
                return Err(JobError::permanent("payload without vorgang_id/partner_id"));
            };
            match verfahren.xbau_nachreichen(vorgang_id, partner_id).await {
                Ok(Some(f)) => {
                    info!(
                        vorgang_id,
                        fassung = f.nummer,
                        "XBau change became a Fassung"
                    );
                    Ok(())
                }
                Ok(None) => Err(JobError::retry("documents are still being checked")),
                Err(Fehler::Intern(m) | Fehler::NichtErreichbar(m)) => Err(JobError::retry(m)),
                Err(Fehler::Speicherkonflikt(k)) => Err(JobError::retry(k.to_string())),
                // The case moved on (no Nachforderung any more): nothing to submit.
                Err(e) => Err(JobError::permanent(e.to_string())),
            }
        }
    });
}
