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
use plankammer_domain::Role;
use plankammer_domain::frist;
use plankammer_domain::notification::Notification;
use plankammer_storage::antrag::NeuesEreignis;
use plankammer_storage::{Db, Millis, now_millis};
use sqlx::Row;
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

/// Today in Germany.
pub fn heute_berlin() -> NaiveDate {
    let t = chrono::Utc::now();
    (t + chrono::Duration::hours(plankammer_domain::zeit::berlin_offset_hours(t))).date_naive()
}

/// Marks every passed Nachforderung deadline as due; returns how many this call marked.
/// Idempotent: a deadline already marked (by this or another worker) is skipped.
pub async fn pruefe_fristen(
    db: &Db,
    config: &FristenConfig,
    heute: NaiveDate,
    now: Millis,
) -> Result<usize, JobError> {
    let heute_s = heute.format("%Y-%m-%d").to_string();
    // Only Nachforderung deadlines: a passed decision deadline is another story
    // (Genehmigungsfiktion) and must not crowd these out of the page.
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM fristen WHERE zustand = 'laeuft' AND art = 'nachforderung' AND ende < $1 \
         ORDER BY ende, id LIMIT $2",
    )
    .bind(&heute_s)
    .bind(JE_LAUF)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| r.try_get::<i64, _>("id"))
    .collect::<Result<_, _>>()?;
    let mut markiert = 0;
    for id in ids {
        if markiere(db, config, id, now).await? {
            markiert += 1;
        }
    }
    Ok(markiert)
}

/// One deadline, in one transaction: the state change, the timeline entry, the mails.
async fn markiere(
    db: &Db,
    config: &FristenConfig,
    frist_id: i64,
    now: Millis,
) -> Result<bool, JobError> {
    let f = db.frist(frist_id).await?;
    let a = db.antrag(f.vorgang_id).await?;
    // Read before the transaction: SQLite has one connection, held by the transaction.
    let mut empfaenger: Vec<(String, String)> = db
        .members_of_tenant(a.tenant_id)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Bauaufsicht && !m.user.disabled)
        .map(|m| (m.user.email, m.user.display_name))
        .collect();
    empfaenger.sort();
    empfaenger.dedup_by(|x, y| x.0 == y.0);
    let mut tx = db.begin().await?;
    if a.zustand != "nachforderung" {
        // The case moved on (answered, withdrawn …) without the deadline being closed:
        // nothing is due, the deadline is done.
        Db::wechsle_fristzustand(&mut tx, f.id, "laeuft", "erledigt", now).await?;
        tx.commit().await?;
        return Ok(false);
    }
    if !Db::wechsle_fristzustand(&mut tx, f.id, "laeuft", "faellig", now).await? {
        // Another worker was first.
        return Ok(false);
    }
    let ende = NaiveDate::parse_from_str(&f.ende, "%Y-%m-%d")
        .map(frist::datum_de)
        .unwrap_or_else(|_| f.ende.clone());
    let text = format!(
        "Die Frist zur Nachreichung der Unterlagen ist am {ende} abgelaufen, ohne dass Unterlagen nachgereicht wurden. Die Bauaufsicht entscheidet über die Rücknahmefiktion ({}) oder eine Verlängerung.",
        f.rechtsgrundlage
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: None,
            art: "frist_abgelaufen",
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
    for (email, name) in empfaenger {
        let mail = Notification::Vorgangsmitteilung {
            name,
            vorhaben: a.bezeichnung.clone(),
            aktenzeichen: a.aktenzeichen.clone(),
            titel: "Nachforderungsfrist abgelaufen".into(),
            text: mailtext.clone(),
            status: None,
            frist: Some(ende.clone()),
            vorgang_url: format!("{}/vorgaenge/{}/pruefung", config.public_url, a.id),
        };
        let rendered = mail
            .render()
            .map_err(|e| JobError::permanent(e.to_string()))?;
        Db::queue_mail(
            &mut tx,
            Some(a.tenant_id),
            mail.kind(),
            &email,
            &rendered,
            &config.mail_domain,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}
