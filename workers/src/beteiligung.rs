//! The deadlines of the Beteiligung and of the decision: `beteiligung.fristen`, enqueued
//! hourly with the maintenance jobs (the hour is the dedupe key). Each run does three things,
//! each exactly once however often and from however many workers it runs (every effect is a
//! compare-and-set, in one transaction with its timeline entry and its mails):
//!
//! 1. Deemed consent: an open request to a Stelle whose last day has passed gets its
//!    Schweigefolge (`frist_abgelaufen`; Zustimmung per § 70 Abs. 1 HBO, Einvernehmen per
//!    § 36 Abs. 2 BauGB), with a timeline entry and mails to the Bauaufsicht and the Stelle.
//! 2. Reminders: an open request gets the configured reminders (7 and 1 days before the end
//!    by default), one mail to the Stelle's members per due reminder day, never twice.
//! 3. Self-healing: a case still in the Beteiligung (08) that has requests but none open any
//!    more gets closed (09), as if its last request had just been answered. Every path that
//!    closes a request also closes the case in the same transaction (after locking the case
//!    row); this catches any case that slipped through anyway.
//! 4. Genehmigungsfiktion (§ 65 Abs. 2 HBO): in the vereinfachtes Verfahren, a passed
//!    decision deadline of an undecided case makes the permit count as granted (status 58),
//!    with mails to the applicants and the Bauaufsicht. A deadline of a case that moved on
//!    (decided, withdrawn …) is closed instead; one whose Bescheid is being issued is left
//!    running for the next run (the issuing job decides the case).

use crate::fristen::heute_berlin;
use crate::runner::{JobContext, JobError, Registry};
use chrono::NaiveDate;
use plankammer_domain::beteiligung::{STANDARD_ERINNERUNGEN, faellige_erinnerungen};
use plankammer_domain::frist::{self, FristZustand};
use plankammer_domain::vorgang::Zustand;
use plankammer_storage::antrag::NeuesEreignis;
use plankammer_storage::beteiligung::Beteiligung;
use plankammer_storage::mitteilung::{Empfaenger, Fallmitteilung};
use plankammer_storage::{Db, Millis, Tx, now_millis};
use std::sync::Arc;
use tracing::info;

pub const FRISTEN: &str = "beteiligung.fristen";

/// Requests or deadlines looked at per run and kind; the rest come with the next run.
pub const JE_LAUF: i64 = 100;

/// States of an undecided case in which the Genehmigungsfiktion can happen.
const UNENTSCHIEDEN: [Zustand; 3] = [
    Zustand::Vollstaendig,
    Zustand::Beteiligung,
    Zustand::BeteiligungAbgeschlossen,
];

/// What the job needs to write mails.
#[derive(Debug, Clone)]
pub struct BeteiligungsfristenConfig {
    /// How people reach Plankammer, for the link in the mail (`http://127.0.0.1:8080`).
    pub public_url: String,
    /// The domain of the Message-IDs.
    pub mail_domain: String,
    /// Reminders as days before the end (default 7 and 1).
    pub erinnerungen: Vec<u32>,
}

impl BeteiligungsfristenConfig {
    pub fn new(public_url: String, mail_domain: String) -> Self {
        BeteiligungsfristenConfig {
            public_url,
            mail_domain,
            erinnerungen: STANDARD_ERINNERUNGEN.to_vec(),
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lauf {
    /// Requests whose deemed consent (or plain expiry) this run recorded.
    pub fiktionen: usize,
    /// Reminder mails this run sent (one per request and run at most).
    pub erinnerungen: usize,
    /// Cases still in the Beteiligung without an open request that this run closed.
    pub abschluesse: usize,
    /// Cases whose Genehmigungsfiktion this run recorded.
    pub genehmigungsfiktionen: usize,
}

pub fn register(reg: &mut Registry, config: BeteiligungsfristenConfig) {
    let config = Arc::new(config);
    reg.register(FRISTEN, move |ctx: JobContext| {
        let config = config.clone();
        async move {
            let l =
                pruefe_beteiligungsfristen(&ctx.db, &config, heute_berlin(), now_millis()).await?;
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

/// The whole run: deemed consents, reminders, closing forgotten Beteiligungen,
/// Genehmigungsfiktionen. Idempotent.
pub async fn pruefe_beteiligungsfristen(
    db: &Db,
    config: &BeteiligungsfristenConfig,
    heute: NaiveDate,
    now: Millis,
) -> Result<Lauf, JobError> {
    Ok(Lauf {
        fiktionen: fingiere_zustimmungen(db, config, heute, now).await?,
        erinnerungen: erinnere(db, config, heute, now).await?,
        abschluesse: schliesse_erledigte(db, config, now).await?,
        genehmigungsfiktionen: genehmigungsfiktionen(db, config, heute, now).await?,
    })
}

fn tag(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn datum_de(s: &str) -> String {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(frist::datum_de)
        .unwrap_or_else(|_| s.to_string())
}

/// The Berlin calendar day of a point in time.
fn tag_in_berlin(ms: Millis) -> Option<NaiveDate> {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(plankammer_storage::uhr::berlin_datum)
}

/// The case data the mails need.
struct Fall {
    id: i64,
    tenant_id: i64,
    bezeichnung: String,
    aktenzeichen: Option<String>,
}

fn az(a: &plankammer_storage::antrag::Antrag) -> Option<String> {
    a.aktenzeichen.as_ref().map(|x| x.to_string())
}

/// One mail text for several people.
struct Mitteilung<'a> {
    titel: &'a str,
    text: &'a str,
    status: Option<String>,
    frist: Option<String>,
}

/// Queues the mail once per address (storage dedups, so lists may overlap).
async fn sende(
    conn: &mut Tx,
    config: &BeteiligungsfristenConfig,
    fall: &Fall,
    empfaenger: Empfaenger,
    m: &Mitteilung<'_>,
    now: Millis,
) -> Result<usize, JobError> {
    Ok(Db::queue_fallmitteilung(
        conn,
        empfaenger,
        &Fallmitteilung {
            tenant_id: fall.tenant_id,
            vorhaben: &fall.bezeichnung,
            aktenzeichen: fall.aktenzeichen.as_deref(),
            titel: m.titel,
            text: m.text,
            status: m.status.as_deref(),
            frist: m.frist.as_deref(),
            vorgang_url: &format!("{}/vorgaenge/{}", config.public_url, fall.id),
        },
        &config.mail_domain,
        now,
    )
    .await?)
}

// --- 1. Deemed consent -----------------------------------------------------------------------

async fn fingiere_zustimmungen(
    db: &Db,
    config: &BeteiligungsfristenConfig,
    heute: NaiveDate,
    now: Millis,
) -> Result<usize, JobError> {
    let mut n = 0;
    for b in db.abgelaufene_beteiligungen(heute, JE_LAUF).await? {
        if fingiere(db, config, &b, heute, now).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// One request, in one transaction: the compare-and-set, the timeline entry, the mails.
async fn fingiere(
    db: &Db,
    config: &BeteiligungsfristenConfig,
    b: &Beteiligung,
    heute: NaiveDate,
    now: Millis,
) -> Result<bool, JobError> {
    let a = db.antrag(b.vorgang_id).await?;
    let fall = Fall {
        id: a.id,
        tenant_id: a.tenant_id,
        bezeichnung: a.bezeichnung.clone(),
        aktenzeichen: az(&a),
    };
    let mut tx = db.begin().await?;
    // The case row first: a Stellungnahme or a withdrawal of another request of the case
    // committing at the same time is then either seen by the count below or waits for this
    // transaction and sees the fiction (so one of the two closes the Beteiligung).
    Db::sperre_vorgang(&mut tx, a.id).await?;
    if !Db::trage_fiktion_ein(
        &mut tx,
        b.id,
        plankammer_domain::beteiligung::BeteiligungsZustand::FristAbgelaufen,
        heute,
        now,
    )
    .await?
    {
        // Another worker was first, or the Stelle answered in the meantime.
        return Ok(false);
    }
    let ende = frist::datum_de(b.ende);
    use plankammer_domain::beteiligung::Schweigefolge;
    use plankammer_domain::zeitleiste::Eintragsart;
    let (art, folge, titel) = match b.schweigefolge {
        Schweigefolge::ZustimmungFingiert => (
            Eintragsart::ZustimmungFingiert,
            "Zustimmung gilt als erteilt",
            "Zustimmung gilt als erteilt",
        ),
        Schweigefolge::EinvernehmenFingiert => (
            Eintragsart::EinvernehmenFingiert,
            "Einvernehmen gilt als erteilt",
            "Einvernehmen gilt als erteilt",
        ),
        Schweigefolge::Keine => (
            Eintragsart::BeteiligungsfristAbgelaufen,
            "eine Rechtsfolge des Schweigens ist nicht vorgesehen",
            "Beteiligungsfrist abgelaufen",
        ),
    };
    let text = format!(
        "Frist der Stelle „{}“ am {ende} abgelaufen: {folge} ({}).",
        b.stelle_name, b.rechtsgrundlage
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: None,
            art,
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    // Someone in both lists gets one mail.
    let mut an = Db::bauaufsicht_empfaenger(&mut tx, a.tenant_id).await?;
    an.extend(Db::stellen_empfaenger(&mut tx, b.stelle_id).await?);
    let mailtext = format!(
        "{text}\nEine später eingehende Stellungnahme wird angenommen und als verspätet gekennzeichnet."
    );
    let m = Mitteilung {
        titel,
        text: &mailtext,
        status: None,
        frist: Some(ende),
    };
    sende(&mut tx, config, &fall, an, &m, now).await?;
    schliesse_wenn_erledigt(&mut tx, config, &a, &fall, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// After a fiction (or in the sweep): when no request of the case is open any more and the
/// case is still in the Beteiligung (08), the system closes it (09), with the timeline entry
/// and the mail to the applicants — in the caller's transaction, so never without the
/// fiction that caused it. The caller has locked the case row ([`Db::sperre_vorgang`]);
/// the count goes through the transaction. True when this call closed it.
async fn schliesse_wenn_erledigt(
    tx: &mut Tx,
    config: &BeteiligungsfristenConfig,
    a: &plankammer_storage::antrag::Antrag,
    fall: &Fall,
    now: Millis,
) -> Result<bool, JobError> {
    if Db::offene_anfragen(tx, a.id).await? > 0 {
        return Ok(false);
    }
    let (von, nach) = (Zustand::Beteiligung, Zustand::BeteiligungAbgeschlossen);
    if Db::wechsle_zustand(tx, a.id, von, nach, now).await.is_err() {
        // Not (any more) in the Beteiligung: nothing to close.
        return Ok(false);
    }
    let verfahren = a.verfahren;
    let code = match verfahren {
        Some(v) => nach.statusbauportal_code_im(v),
        None => nach.statusbauportal_code(),
    };
    Db::ereignis(
        tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: None,
            art: plankammer_domain::zeitleiste::Eintragsart::BeteiligungAbschliessen,
            zustand: Some(nach),
            status_code: code,
            text: plankammer_domain::vorgang::BETEILIGUNG_ABGESCHLOSSEN,
        },
        now,
    )
    .await?;
    let an = Db::antragsteller_empfaenger(tx, a.owner_user_id, a.id).await?;
    let (titel, text) = plankammer_domain::vorgang::BETEILIGUNG_ABGESCHLOSSEN_MAIL;
    let m = Mitteilung {
        titel,
        text,
        status: code.map(|c| format!("{c} – {}", nach.bezeichnung())),
        frist: None,
    };
    sende(tx, config, fall, an, &m, now).await?;
    Ok(true)
}

// --- 2. Reminders ----------------------------------------------------------------------------

struct Offen {
    id: i64,
    vorgang_id: i64,
    stelle_id: i64,
    stelle_name: String,
    ende: String,
    erinnerungen: Vec<u32>,
    angefragt_at: Millis,
}

/// Open requests (every tenant) whose end is today or later but within the largest
/// reminder distance.
async fn offene_beteiligungen(
    _db: &Db,
    _heute: NaiveDate,
    _bis: NaiveDate,
) -> Result<Vec<Offen>, JobError> {
    // WIP: moves to the procedure crate (branch verfahren-beteiligung).
    Ok(vec![])
}

async fn erinnere(
    db: &Db,
    config: &BeteiligungsfristenConfig,
    heute: NaiveDate,
    now: Millis,
) -> Result<usize, JobError> {
    let weiteste = config.erinnerungen.iter().copied().max().unwrap_or(0);
    let bis = heute + chrono::Days::new(u64::from(weiteste));
    let mut n = 0;
    for b in offene_beteiligungen(db, heute, bis).await? {
        let (Ok(fristende), Some(angefragt_am)) = (
            NaiveDate::parse_from_str(&b.ende, "%Y-%m-%d"),
            tag_in_berlin(b.angefragt_at),
        ) else {
            continue;
        };
        let faellig = faellige_erinnerungen(
            angefragt_am,
            fristende,
            heute,
            &config.erinnerungen,
            &b.erinnerungen,
        );
        if faellig.is_empty() {
            continue;
        }
        if erinnere_an(db, config, &b, &faellig, fristende, heute, now).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Records the due reminders and, if this call recorded any, sends one mail to the Stelle.
async fn erinnere_an(
    db: &Db,
    config: &BeteiligungsfristenConfig,
    b: &Offen,
    faellig: &[u32],
    fristende: NaiveDate,
    heute: NaiveDate,
    now: Millis,
) -> Result<bool, JobError> {
    let a = db.antrag(b.vorgang_id).await?;
    let fall = Fall {
        id: a.id,
        tenant_id: a.tenant_id,
        aktenzeichen: az(&a),
        bezeichnung: a.bezeichnung,
    };
    let mut tx = db.begin().await?;
    let mut vermerkt = false;
    for &tage in faellig {
        if Db::vermerke_erinnerung(&mut tx, b.id, tage).await? {
            vermerkt = true;
        }
    }
    if !vermerkt {
        // Another worker sent them.
        return Ok(false);
    }
    let ende = frist::datum_de(fristende);
    let rest = (fristende - heute).num_days();
    let noch = match rest {
        0 => "Die Frist endet heute.".to_string(),
        1 => "Die Frist endet morgen.".to_string(),
        d => format!("Die Frist endet in {d} Tagen."),
    };
    let titel = format!("Erinnerung: Stellungnahme bis {ende} fällig");
    let text = format!(
        "Die Stellungnahme der Stelle „{}“ ist bis zum {ende} fällig. {noch}\nGeht bis dahin keine Stellungnahme ein, tritt die Rechtsfolge des Fristablaufs ein.",
        b.stelle_name
    );
    let an = Db::stellen_empfaenger(&mut tx, b.stelle_id).await?;
    let m = Mitteilung {
        titel: &titel,
        text: &text,
        status: None,
        frist: Some(ende.clone()),
    };
    sende(&mut tx, config, &fall, an, &m, now).await?;
    tx.commit().await?;
    Ok(true)
}

// --- 3. Closing forgotten Beteiligungen ------------------------------------------------------

/// Cases (every tenant) in the Beteiligung that have requests, none of them open.
async fn erledigte_beteiligungen(_db: &Db) -> Result<Vec<i64>, JobError> {
    // WIP: moves to the procedure crate (branch verfahren-beteiligung).
    Ok(vec![])
}

/// Closes each such case exactly once: the case row is locked and the state and the open
/// requests are read again through the transaction; the close itself is a compare-and-set
/// on the case state, so of concurrent runs only one closes it.
async fn schliesse_erledigte(
    db: &Db,
    config: &BeteiligungsfristenConfig,
    now: Millis,
) -> Result<usize, JobError> {
    let mut n = 0;
    for id in erledigte_beteiligungen(db).await? {
        let a = db.antrag(id).await?;
        let fall = Fall {
            id: a.id,
            tenant_id: a.tenant_id,
            bezeichnung: a.bezeichnung.clone(),
            aktenzeichen: az(&a),
        };
        let mut tx = db.begin().await?;
        if Db::sperre_vorgang(&mut tx, a.id).await? != Zustand::Beteiligung {
            // Closed (or moved on) since the query above.
            continue;
        }
        if schliesse_wenn_erledigt(&mut tx, config, &a, &fall, now).await? {
            tx.commit().await?;
            info!(vorgang_id = a.id, "beteiligung closed by the sweep");
            n += 1;
        }
    }
    Ok(n)
}

// --- 4. Genehmigungsfiktion ------------------------------------------------------------------

async fn genehmigungsfiktionen(
    db: &Db,
    config: &BeteiligungsfristenConfig,
    heute: NaiveDate,
    now: Millis,
) -> Result<usize, JobError> {
    // WIP: moves to the procedure crate (branch verfahren-beteiligung).
    let _ = (heute, JE_LAUF);
    let ids: Vec<i64> = Vec::new();
    let mut n = 0;
    for id in ids {
        if genehmigungsfiktion(db, config, id, now).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// One decision deadline, in one transaction.
async fn genehmigungsfiktion(
    db: &Db,
    config: &BeteiligungsfristenConfig,
    frist_id: i64,
    now: Millis,
) -> Result<bool, JobError> {
    let f = db.frist(frist_id).await?;
    let a = db.antrag(f.vorgang_id).await?;
    let fall = Fall {
        id: a.id,
        tenant_id: a.tenant_id,
        bezeichnung: a.bezeichnung.clone(),
        aktenzeichen: az(&a),
    };
    let mut tx = db.begin().await?;
    // The state as of now, read through the transaction (with the case row locked).
    let zustand = Db::sperre_vorgang(&mut tx, a.id).await?;
    let von = match zustand {
        z if UNENTSCHIEDEN.contains(&z) => z,
        _ => {
            // Decided, withdrawn …: no fiction, the deadline is done.
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
    };
    if Db::erlass_laeuft(&mut tx, a.id).await? {
        // The case worker decided before the deadline passed and the issuing job is still
        // at work: no fiction over a Bescheid being issued. The deadline keeps running; once
        // the Bescheid is issued the case has moved on and the next run closes it.
        info!(
            vorgang_id = a.id,
            "genehmigungsfiktion deferred: bescheid being issued"
        );
        return Ok(false);
    }
    if !Db::wechsle_fristzustand(
        &mut tx,
        f.id,
        FristZustand::Laeuft,
        FristZustand::Ausgeloest,
        now,
    )
    .await?
    {
        // Another worker was first.
        return Ok(false);
    }
    let nach = Zustand::Genehmigungsfiktion;
    if Db::wechsle_zustand(&mut tx, a.id, von, nach, now)
        .await
        .is_err()
    {
        // The case changed between the read and the write: roll back, the next run
        // looks again.
        return Ok(false);
    }
    let code = nach.statusbauportal_code();
    let ende = frist::datum_de(f.ende);
    let text = format!(
        "Die Entscheidungsfrist ist am {ende} abgelaufen, ohne dass über den Antrag entschieden wurde. Die Genehmigung gilt als erteilt ({}).",
        if f.rechtsgrundlage.is_empty() {
            "§ 65 Abs. 2 HBO"
        } else {
            f.rechtsgrundlage.as_str()
        }
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: None,
            art: plankammer_domain::zeitleiste::Eintragsart::GenehmigungsfiktionEintreten,
            zustand: Some(nach),
            status_code: code,
            text: &text,
        },
        now,
    )
    .await?;
    let status = code.map(|c| format!("{c} – {}", nach.bezeichnung()));
    let mut an = Db::antragsteller_empfaenger(&mut tx, a.owner_user_id, a.id).await?;
    an.extend(Db::bauaufsicht_empfaenger(&mut tx, a.tenant_id).await?);
    let m = Mitteilung {
        titel: "Genehmigung gilt als erteilt",
        text: &text,
        status,
        frist: Some(ende),
    };
    sende(&mut tx, config, &fall, an, &m, now).await?;
    tx.commit().await?;
    Ok(true)
}
