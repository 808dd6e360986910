//! The deadline scheduler: `fristen.pruefen` finds Nachforderung deadlines whose last day
//! has passed and marks each one as due (`laeuft → faellig`), exactly once even with several
//! workers (compare-and-set on the deadline's state, in one transaction with the timeline
//! entry and the mails to the tenant's case workers).
//!
//! The Rücknahmefiktion itself is not fired here: a case worker confirms it (or extends the
//! deadline) on the page `/fristen`, and only then does the case move to status 12.
//!
//! Enqueued hourly with the maintenance jobs (the hour is the dedupe key), so a deadline
//! that ended yesterday is due within an hour after midnight (Berlin time).

use crate::runner::{JobContext, JobError, Registry};
use chrono::NaiveDate;
use plankammer_domain::frist::{self, FristArt, FristZustand};
use plankammer_storage::antrag::{Frist, NeuesEreignis};
use plankammer_storage::mitteilung::Fallmitteilung;
use plankammer_storage::{Db, Millis, now_millis};
use std::sync::Arc;
use tracing::info;

pub const PRUEFEN: &str = "fristen.pruefen";

/// Deadlines looked at per run; the rest come with the next run.
pub const JE_LAUF: i64 = 100;

/// What the job needs to write mails.
#[derive(Debug, Clone)]
pub struct FristenConfig {
    /// How people reach Plankammer, for the link in the mail (`http://127.0.0.1:8080`).
    pub public_url: String,
    /// The domain of the Message-IDs.
    pub mail_domain: String,
}

pub fn register(reg: &mut Registry, config: FristenConfig) {
    let config = Arc::new(config);
    reg.register(PRUEFEN, move |ctx: JobContext| {
        let config = config.clone();
        async move {
            let n = pruefe_fristen(&ctx.db, &config, heute_berlin(), now_millis()).await?;
            info!(faellig = n, "deadlines checked");
            Ok::<(), JobError>(())
        }
    });
}

/// Today in Germany, from the product's one clock.
pub use plankammer_storage::heute_berlin;

/// Marks every passed Nachforderung deadline as due; returns how many this call marked.
/// Idempotent: a deadline already marked (by this or another worker) is skipped.
pub async fn pruefe_fristen(
    db: &Db,
    config: &FristenConfig,
    heute: NaiveDate,
    now: Millis,
) -> Result<usize, JobError> {
    let faellig = db
        .abgelaufene_fristen(FristArt::Nachforderung, heute, JE_LAUF)
        .await?;
    let mut markiert = 0;
    for f in faellig {
        if markiere(db, config, f, now).await? {
            markiert += 1;
        }
    }
    Ok(markiert)
}

/// One deadline, in one transaction: the state change, the timeline entry, the mails.
async fn markiere(
    db: &Db,
    config: &FristenConfig,
    f: Frist,
    now: Millis,
) -> Result<bool, JobError> {
    let a = db.antrag(f.vorgang_id).await?;
    let mut tx = db.begin().await?;
    if a.zustand != plankammer_domain::vorgang::Zustand::Nachforderung {
        // The case moved on (answered, withdrawn …) without the deadline being closed:
        // nothing is due, the deadline is done.
        Db::wechsle_fristzustand(
            &mut tx,
            f.id,
            FristZustand::Laeuft,
            FristZustand::Erledigt,
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(false);
    }
    if !Db::wechsle_fristzustand(
        &mut tx,
        f.id,
        FristZustand::Laeuft,
        FristZustand::Faellig,
        now,
    )
    .await?
    {
        // Another worker was first.
        return Ok(false);
    }
    let ende = frist::datum_de(f.ende);
    let text = format!(
        "Die Frist zur Nachreichung der Unterlagen ist am {ende} abgelaufen, ohne dass Unterlagen nachgereicht wurden. Die Bauaufsicht entscheidet über die Rücknahmefiktion ({}) oder eine Verlängerung.",
        f.rechtsgrundlage
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: None,
            art: plankammer_domain::zeitleiste::Eintragsart::FristAbgelaufen,
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    let mailtext = format!(
        "{text}\nBitte stellen Sie unter „Fristen“ die Rücknahmefiktion fest oder verlängern Sie die Frist: {}/fristen",
        config.public_url
    );
    let empfaenger = Db::bauaufsicht_empfaenger(&mut tx, a.tenant_id).await?;
    Db::queue_fallmitteilung(
        &mut tx,
        empfaenger,
        &Fallmitteilung {
            tenant_id: a.tenant_id,
            vorhaben: &a.bezeichnung,
            aktenzeichen: a.aktenzeichen.as_ref().map(|x| x.as_str()),
            titel: "Nachforderungsfrist abgelaufen",
            text: &mailtext,
            status: None,
            frist: Some(&ende),
            vorgang_url: &format!("{}/vorgaenge/{}/pruefung", config.public_url, a.id),
        },
        &config.mail_domain,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
