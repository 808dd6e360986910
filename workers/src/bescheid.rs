//! `bescheid.erlassen`: issues a Bescheid whose intent the case worker recorded (the API
//! froze the draft, fixed its number, date and approved plans, and queued this job once).
//!
//! 1. Stamps every approved plan of a Genehmigung in the sandbox child (`plankammer sandbox
//!    stempeln`: "GENEHMIGT", authority, Aktenzeichen, date, Bescheid number) and stores each
//!    stamped PDF as a new immutable version of its document; the original stays. Each plan
//!    is one transaction with a compare-and-set on the plan's row, so a rerun skips the plans
//!    already stamped and never makes a second version. A refusal has no stamps.
//! 2. Renders the Bescheid PDF (with the SHA-256 of each approved original) and stores it.
//! 3. In one transaction: marks the Bescheid erlassen (compare-and-set), moves the case to
//!    Genehmigt (10; 19 for a Vorbescheid) or Abgelehnt (06) with its timeline entry, closes
//!    the decision deadline, queues "Ihr Bescheid liegt vor" to the architect and the
//!    Bauherrschaft, and writes the audit entry.
//!
//! Safe to rerun after a crash at any point: a finished Bescheid is left alone, stamped plans
//! are not stamped again, and the number was fixed before the job ran.

use crate::pdf::bescheid::{self as pdf, BescheidArt, BescheidDaten, GenehmigterPlan};
use crate::pdf::stempel::{Stempel, StempelAuftrag, StempelGrenzen};
use crate::runner::{JobContext, JobError, Registry};
use crate::sandbox::{self, SandboxConfig};
use chrono::NaiveDate;
use plankammer_domain::bescheid::{BescheidEntwurf, Nebenbestimmung, Tenor, stempeltext};
use plankammer_domain::frist::datum_de;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::{Ereignis, Zustand, uebergang_im_verfahren};
use plankammer_storage::antrag::{Antrag, NeuesEreignis};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::bescheid::{BescheidAkte, BescheidPlan};
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::mitteilung::Fallmitteilung;
use plankammer_storage::{Db, Millis, StoreError, now_millis};
use serde_json::Value;
use std::sync::Arc;
use tracing::info;

pub const ERLASSEN: &str = "bescheid.erlassen";

/// What the job needs besides the store.
#[derive(Debug, Clone)]
pub struct BescheidConfig {
    pub blobs: BlobStore,
    /// The sandbox the plans are stamped in (the same limits as the pipeline's stages).
    pub sandbox: SandboxConfig,
    pub stempel_grenzen: StempelGrenzen,
    /// Largest plan file stamped, and largest stamped result accepted, in bytes.
    pub max_plan: u64,
    /// How people reach Plankammer, for the link in the mail.
    pub public_url: String,
    pub mail_domain: String,
}

impl BescheidConfig {
    pub fn new(
        blobs: BlobStore,
        sandbox: SandboxConfig,
        public_url: String,
        mail_domain: String,
    ) -> Self {
        BescheidConfig {
            blobs,
            sandbox,
            stempel_grenzen: StempelGrenzen::default(),
            max_plan: 300_000_000,
            public_url,
            mail_domain,
        }
    }
}

/// What a run found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ausgang {
    /// This run issued the Bescheid.
    Erlassen,
    /// It was issued already (a rerun, or another worker was first).
    SchonErlassen,
}

pub fn register(reg: &mut Registry, config: Arc<BescheidConfig>) {
    reg.register(ERLASSEN, move |ctx: JobContext| {
        let config = config.clone();
        async move {
            let id = ctx.payload()["bescheid_id"]
                .as_i64()
                .ok_or_else(|| JobError::permanent("Auftrag ohne bescheid_id"))?;
            let c = ctx.clone();
            let melde = move |p: i64, note: String| c.progress(p, note);
            let a = erlasse(&ctx.db, &config, id, &melde, now_millis()).await?;
            info!(bescheid_id = id, ausgang = ?a, "bescheid issued");
            Ok::<(), JobError>(())
        }
    });
}

/// Progress reports (percent, German note).
pub type Fortschritt<'a> = &'a (dyn Fn(i64, String) + Send + Sync);

/// Everything the steps share, read once per run.
pub struct Erlass {
    pub akte: BescheidAkte,
    pub entwurf: BescheidEntwurf,
    pub antrag: Antrag,
    pub nummer: String,
    pub datum: NaiveDate,
    pub behoerde: String,
    /// The case worker who issued it.
    pub user_id: i64,
}

/// Reads the Bescheid and checks that it is to be issued; `None`: issued already.
pub async fn lade(db: &Db, bescheid_id: i64) -> Result<Option<Erlass>, JobError> {
    let akte = match db.bescheid_akte(bescheid_id).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => {
            return Err(JobError::permanent(format!(
                "Bescheid {bescheid_id} gibt es nicht (mehr)"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if akte.ist_erlassen() {
        return Ok(None);
    }
    let (Some(_), Some(user_id), Some(datum), Some(nummer)) = (
        akte.erlass_beantragt_at,
        akte.erlass_beantragt_by,
        akte.erlass_datum,
        akte.nummer.clone(),
    ) else {
        return Err(JobError::permanent(
            "Der Bescheid wurde nicht zum Erlass freigegeben.",
        ));
    };
    let entwurf: BescheidEntwurf = akte.inhalt.clone();
    let antrag = db.antrag(akte.vorgang_id).await?;
    let behoerde = db.tenant(antrag.tenant_id).await?.name;
    Ok(Some(Erlass {
        akte,
        entwurf,
        antrag,
        nummer,
        datum,
        behoerde,
        user_id,
    }))
}

/// The whole job. Idempotent.
pub async fn erlasse(
    db: &Db,
    config: &BescheidConfig,
    bescheid_id: i64,
    fortschritt: Fortschritt<'_>,
    now: Millis,
) -> Result<Ausgang, JobError> {
    let Some(e) = lade(db, bescheid_id).await? else {
        return Ok(Ausgang::SchonErlassen);
    };
    if e.entwurf.tenor == Tenor::Genehmigung {
        stemple_plaene(db, config, &e, fortschritt, now).await?;
    }
    fortschritt(80, "Bescheid wird erstellt".into());
    let (sha, groesse) = rendere(db, config, &e).await?;
    fortschritt(90, "Bescheid wird erlassen".into());
    if schliesse_ab(db, config, &e, &sha, groesse, now).await? {
        fortschritt(100, format!("Bescheid Nr. {} erlassen", e.nummer));
        Ok(Ausgang::Erlassen)
    } else {
        Ok(Ausgang::SchonErlassen)
    }
}

/// `lageplan.pdf` → `lageplan_genehmigt.pdf`.
pub fn gestempelter_dateiname(dateiname: &str) -> String {
    let (stamm, endung) = match dateiname.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.eq_ignore_ascii_case("pdf") => (s, e),
        _ => (dateiname, "pdf"),
    };
    format!("{stamm}_genehmigt.{endung}")
}

/// Step 1: every approved plan not stamped yet, one transaction each. Returns how many this
/// call stamped.
pub async fn stemple_plaene(
    db: &Db,
    config: &BescheidConfig,
    e: &Erlass,
    fortschritt: Fortschritt<'_>,
    now: Millis,
) -> Result<usize, JobError> {
    let zeilen = stempeltext(&e.behoerde, e.aktenzeichen()?, e.datum, &e.nummer)
        .map_err(|f| JobError::permanent(f.to_string()))?;
    let auftrag = serde_json::to_string(&StempelAuftrag {
        stempel: Stempel {
            zeilen: zeilen.to_vec(),
        },
        grenzen: config.stempel_grenzen.clone(),
        max_eingabe: config.max_plan,
    })
    .map_err(|f| JobError::permanent(f.to_string()))?;
    let plaene = db.bescheid_plaene(e.akte.id).await?;
    let gesamt = plaene.len().max(1) as i64;
    let mut n = 0;
    for (i, p) in plaene.iter().enumerate() {
        if p.gestempelt_version_id.is_some() {
            continue;
        }
        fortschritt(
            5 + 70 * i as i64 / gesamt,
            format!("Plan {} von {} wird gestempelt", i + 1, plaene.len()),
        );
        if stemple_plan(db, config, e, p, &auftrag, now).await? {
            n += 1;
        }
    }
    Ok(n)
}

async fn stemple_plan(
    db: &Db,
    config: &BescheidConfig,
    e: &Erlass,
    p: &BescheidPlan,
    auftrag: &str,
    now: Millis,
) -> Result<bool, JobError> {
    let (_, stream) = config
        .blobs
        .get_stream(&p.original_sha256)
        .await
        .map_err(|f| JobError::retry(format!("Dokumentenspeicher: {f}")))?;
    let nicht_gestempelt = |grund: &str| {
        JobError::permanent(format!(
            "Der Plan „{}“ (Version {}) konnte nicht gestempelt werden: {grund}",
            p.bezeichnung, p.original_version_nummer
        ))
    };
    let max = usize::try_from(config.max_plan.saturating_mul(2)).unwrap_or(usize::MAX);
    let bytes = match sandbox::run_roh(
        &config.sandbox,
        &["stempeln", "--auftrag", auftrag],
        stream,
        max,
    )
    .await
    {
        Ok(Ok(b)) => b,
        Ok(Err(grund)) => return Err(nicht_gestempelt(&grund)),
        Err(f) if f.about_the_file() => return Err(nicht_gestempelt(&f.grund())),
        Err(f) => return Err(JobError::retry(f.to_string())),
    };
    let stored = config
        .blobs
        .put_bytes(bytes::Bytes::from(bytes))
        .await
        .map_err(|f| JobError::retry(format!("Dokumentenspeicher: {f}")))?;
    let dateiname = gestempelter_dateiname(&p.dateiname);
    let mut tx = db.begin().await?;
    let v = Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: e.antrag.id,
            tenant_id: e.antrag.tenant_id,
            dokument_id: Some(p.dokument_id),
            bezeichnung: &p.bezeichnung,
            anlageart: p.anlageart.as_ref(),
            sha256: &stored.sha256,
            groesse: i64::try_from(stored.size).unwrap_or(i64::MAX),
            dateiname: &dateiname,
            user_id: e.user_id,
        },
        now,
    )
    .await?;
    if !Db::vermerke_gestempelt(&mut tx, e.akte.id, p.dokument_id, v.id).await? {
        // Another run recorded its stamped version first: drop ours (rollback).
        return Ok(false);
    }
    // The stamped plan gets its pages and previews like any upload.
    Db::enqueue_stufe(&mut tx, v.id, e.antrag.tenant_id, "validate", now).await?;
    tx.commit().await?;
    Ok(true)
}

impl Erlass {
    fn aktenzeichen(&self) -> Result<&str, JobError> {
        self.antrag
            .aktenzeichen
            .as_ref()
            .map(|a| a.as_str())
            .ok_or_else(|| JobError::permanent("Der Vorgang hat kein Aktenzeichen."))
    }
}

/// The kind of a Nebenbestimmung as the PDF shows it (`nebenbestimmungart_3.0`).
fn art(nb: &Nebenbestimmung) -> pdf::NebenbestimmungArt {
    match nb.art.trim() {
        "2" => pdf::NebenbestimmungArt::Auflage,
        "3" => pdf::NebenbestimmungArt::Vorbehalt,
        "4" => pdf::NebenbestimmungArt::Hinweis,
        _ => pdf::NebenbestimmungArt::Bedingung,
    }
}

/// Everything the Bescheid PDF shows.
pub async fn bescheid_daten(db: &Db, e: &Erlass) -> Result<BescheidDaten, JobError> {
    let a = &e.antrag;
    let g = a.angaben.clone().unwrap_or_default();
    let vorlage = db.bescheid_vorlage(a.tenant_id).await?;
    let mut empfaenger: Vec<String> = Vec::new();
    let name = g.bauherrschaft.name.trim().to_string();
    if name.is_empty() {
        empfaenger.push(db.user(a.owner_user_id).await?.display_name);
    } else {
        empfaenger.push(name);
        empfaenger.extend(
            g.bauherrschaft
                .anschrift
                .split([',', '\n'])
                .map(|z| z.trim().to_string())
                .filter(|z| !z.is_empty()),
        );
    }
    let gr = &g.grundstueck;
    let grundstueck = if gr.strasse.trim().is_empty() {
        String::new()
    } else {
        format!(
            "{} {}, {} {}; Gemarkung {}, Flur {}, Flurstück {}",
            gr.strasse.trim(),
            gr.hausnummer.trim(),
            gr.plz.trim(),
            gr.ort.trim(),
            gr.gemarkung.trim(),
            gr.flur.trim(),
            gr.flurstuecke_text()
        )
    };
    let plaene = db
        .bescheid_plaene(e.akte.id)
        .await?
        .into_iter()
        .map(|p| GenehmigterPlan {
            dateiname: format!("{} ({})", p.bezeichnung, p.dateiname),
            version: format!("Version {}", p.original_version_nummer),
            sha256: p.original_sha256,
        })
        .collect();
    let bearbeiter = db.user(e.user_id).await?.display_name;
    Ok(BescheidDaten {
        art: match e.entwurf.tenor {
            Tenor::Genehmigung => BescheidArt::Baugenehmigung,
            Tenor::Ablehnung => BescheidArt::Ablehnung,
            Tenor::Vorbescheid => BescheidArt::Vorbescheid,
        },
        behoerde_name: e.behoerde.clone(),
        behoerde_anschrift: vorlage
            .as_ref()
            .map(|v| {
                v.anschrift
                    .lines()
                    .map(|z| z.trim().to_string())
                    .filter(|z| !z.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        empfaenger,
        ort: vorlage.map(|v| v.ort).unwrap_or_default(),
        datum: datum_de(e.datum),
        aktenzeichen: e.aktenzeichen()?.to_string(),
        bescheid_nummer: e.nummer.clone(),
        vorhaben: a.bezeichnung.clone(),
        grundstueck,
        tenor: e.entwurf.tenor_text.clone(),
        nebenbestimmungen: e
            .entwurf
            .nebenbestimmungen
            .iter()
            .map(|nb| pdf::Nebenbestimmung {
                art: art(nb),
                text: nb.text.clone(),
                stelle: nb
                    .quelle
                    .as_ref()
                    .map(|q| q.stelle_name.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        begruendung: e.entwurf.begruendung.clone(),
        gebuehren: e
            .entwurf
            .gebuehren
            .iter()
            .map(|g| pdf::Gebuehr {
                beschreibung: g.beschreibung.clone(),
                betrag_cent: g.betrag_cent,
            })
            .collect(),
        plaene,
        rechtsbehelfsbelehrung: e.entwurf.rechtsbehelfsbelehrung.clone(),
        schluss: vec![
            "Mit freundlichen Grüßen".into(),
            "Im Auftrag".into(),
            bearbeiter,
        ],
    })
}

/// Step 2: the Bescheid PDF in the document store; its SHA-256 and size.
async fn rendere(db: &Db, config: &BescheidConfig, e: &Erlass) -> Result<(String, i64), JobError> {
    let daten = bescheid_daten(db, e).await?;
    // Rendering our own data (no untrusted file) needs no sandbox; it is bounded by the
    // draft's limits and the renderer's page limit.
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&daten))
        .await
        .map_err(|f| JobError::retry(f.to_string()))?
        .map_err(|f| JobError::permanent(f.to_string()))?;
    let stored = config
        .blobs
        .put_bytes(bytes::Bytes::from(bytes))
        .await
        .map_err(|f| JobError::retry(format!("Dokumentenspeicher: {f}")))?;
    Ok((
        stored.sha256,
        i64::try_from(stored.size).unwrap_or(i64::MAX),
    ))
}

/// Step 3, in one transaction. False if the Bescheid was issued already.
pub async fn schliesse_ab(
    db: &Db,
    config: &BescheidConfig,
    e: &Erlass,
    pdf_sha256: &str,
    groesse: i64,
    now: Millis,
) -> Result<bool, JobError> {
    let a = &e.antrag;
    let verfahren = a
        .verfahren
        .ok_or_else(|| JobError::permanent("Der Vorgang hat keine Verfahrensart."))?;
    let ereignis = match e.entwurf.tenor.zustand() {
        Zustand::Genehmigt => Ereignis::Genehmigen,
        _ => Ereignis::Ablehnen,
    };
    let mut tx = db.begin().await?;
    Db::registriere_blob(&mut tx, pdf_sha256, groesse, now).await?;
    if !Db::erlasse_bescheid(&mut tx, e.akte.id, &e.nummer, pdf_sha256, e.user_id, now).await? {
        return Ok(false);
    }
    // The state as of now, read through the transaction.
    let von = Db::sperre_vorgang(&mut tx, a.id).await?;
    let nach = uebergang_im_verfahren(verfahren, von, ereignis)
        .map_err(|f| JobError::permanent(f.meldung))?;
    Db::wechsle_zustand(&mut tx, a.id, von, nach, now).await?;
    let code = nach.statusbauportal_code_im(verfahren);
    let datum = datum_de(e.datum);
    let titel = e.entwurf.tenor.bezeichnung();
    let eintrag = format!("Bescheid Nr. {} vom {datum} erlassen: {titel}.", e.nummer);
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(e.user_id),
            art: ereignis.into(),
            zustand: Some(nach),
            status_code: code,
            text: &eintrag,
        },
        now,
    )
    .await?;
    Db::erledige_fristen(
        &mut tx,
        a.id,
        plankammer_domain::frist::FristArt::Entscheidung,
        now,
    )
    .await?;
    let plaene = if e.entwurf.tenor == Tenor::Genehmigung {
        " und die mit dem Genehmigungsvermerk versehenen Pläne"
    } else {
        ""
    };
    let text = format!(
        "Die Bauaufsicht hat über Ihren Antrag entschieden: {titel}, Bescheid Nr. {} vom {datum}.\nSie können den Bescheid{plaene} auf der Seite des Vorgangs herunterladen.",
        e.nummer
    );
    let status = code.map(|c| format!("{c} – {}", nach.bezeichnung()));
    let an = Db::antragsteller_empfaenger(&mut tx, a.owner_user_id, a.id).await?;
    Db::queue_fallmitteilung(
        &mut tx,
        an,
        &Fallmitteilung {
            tenant_id: a.tenant_id,
            vorhaben: &a.bezeichnung,
            aktenzeichen: a.aktenzeichen.as_ref().map(|x| x.as_str()),
            titel: "Ihr Bescheid liegt vor",
            text: &text,
            status: status.as_deref(),
            frist: None,
            vorgang_url: &format!("{}/vorgaenge/{}", config.public_url, a.id),
        },
        &config.mail_domain,
        now,
    )
    .await?;
    Db::audit(
        &mut tx,
        AuditEvent {
            tenant_id: Some(a.tenant_id),
            actor_user_id: Some(e.user_id),
            action: "bescheid.erlassen",
            object_type: "bescheid",
            object_id: Some(e.akte.id.to_string()),
            detail: serde_json::json!({
                "vorgang_id": a.id, "nummer": e.nummer, "tenor": e.entwurf.tenor, "pdf_sha256": pdf_sha256,
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
