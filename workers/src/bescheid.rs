//! `bescheid.erlassen`: issues a Bescheid whose intent the case worker recorded (the step
//! `Verfahren::erlassen` froze the draft, fixed its number, date and approved plans, and
//! queued this job once). The job does the file work; what the store must remember is a step
//! of the procedure (`plankammer_verfahren::bescheid`):
//!
//! 1. Stamps every approved plan of a Genehmigung in the sandbox child (`plankammer sandbox
//!    stempeln`: "GENEHMIGT", authority, Aktenzeichen, date, Bescheid number), stores the
//!    stamped PDF and records it with `Verfahren::gestempelten_plan_vermerken` as a new
//!    immutable version of its document (the original stays) — once per plan, so a rerun
//!    skips the plans already stamped and never makes a second version. A refusal has no
//!    stamps.
//! 2. Renders the Bescheid PDF (with the SHA-256 of each approved original) and stores it.
//! 3. `Verfahren::bescheid_abschliessen`: in one transaction the Bescheid is issued, the case
//!    moves to Genehmigt (10; 19 for a Vorbescheid) or Abgelehnt (06) with its timeline entry,
//!    the decision deadline is closed, "Ihr Bescheid liegt vor" goes to the architect and the
//!    Bauherrschaft, and the audit entry is written.
//!
//! Safe to rerun after a crash at any point: a finished Bescheid is left alone, stamped plans
//! are not stamped again, and the number was fixed before the job ran.

use crate::pdf::bescheid::{self as pdf, BescheidArt, BescheidDaten, GenehmigterPlan};
use crate::pdf::stempel::{Stempel, StempelAuftrag, StempelGrenzen};
use crate::runner::{JobContext, JobError, Registry};
use crate::sandbox::{self, SandboxConfig};
use plankammer_domain::bescheid::{Tenor, stempeltext};
use plankammer_domain::frist::datum_de;
use plankammer_storage::bescheid::BescheidPlan;
use plankammer_storage::{Millis, now_millis};
use plankammer_verfahren::bescheid::Erlass;
use plankammer_verfahren::{Fehler, Verfahren};
use std::sync::Arc;
use tracing::info;

pub use plankammer_verfahren::bescheid::gestempelter_dateiname;

pub const ERLASSEN: &str = plankammer_verfahren::bescheid::ERLASS_JOB;

/// What the job needs.
#[derive(Clone)]
pub struct BescheidConfig {
    /// The procedure: the Bescheid's records and steps, and the document store the stamped
    /// plans and the rendered Bescheid go to.
    pub verfahren: Verfahren,
    /// The sandbox the plans are stamped in (the same limits as the pipeline's stages).
    pub sandbox: SandboxConfig,
    pub stempel_grenzen: StempelGrenzen,
    /// Largest plan file stamped, and largest stamped result accepted, in bytes.
    pub max_plan: u64,
}

impl BescheidConfig {
    pub fn new(verfahren: Verfahren, sandbox: SandboxConfig) -> Self {
        BescheidConfig {
            verfahren,
            sandbox,
            stempel_grenzen: StempelGrenzen::default(),
            max_plan: 300_000_000,
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
            let a = erlasse(&config, id, &melde, now_millis()).await?;
            info!(bescheid_id = id, ausgang = ?a, "bescheid issued");
            Ok::<(), JobError>(())
        }
    });
}

/// Progress reports (percent, German note).
pub type Fortschritt<'a> = &'a (dyn Fn(i64, String) + Send + Sync);

/// A refusal of the procedure as the job's outcome: the person's German words, final; a
/// fault of the store or the machine is tried again.
fn job_fehler(e: Fehler) -> JobError {
    match e {
        Fehler::Intern(m) | Fehler::NichtErreichbar(m) => JobError::retry(m),
        Fehler::Speicherkonflikt(k) => JobError::retry(k.to_string()),
        Fehler::Ungueltig(m) => JobError::permanent(m.join(" ")),
        Fehler::Konflikt(m) | Fehler::ZuGross(m) | Fehler::ZuViele(m) => JobError::permanent(m),
        Fehler::NichtGefunden => JobError::permanent("Ein Datensatz des Bescheids fehlt."),
        Fehler::KeineBerechtigung => JobError::permanent("Keine Berechtigung."),
    }
}

/// Reads the Bescheid and checks that it is to be issued; `None`: issued already.
pub async fn lade(verfahren: &Verfahren, bescheid_id: i64) -> Result<Option<Erlass>, JobError> {
    verfahren.erlass(bescheid_id).await.map_err(|e| match e {
        Fehler::NichtGefunden => {
            JobError::permanent(format!("Bescheid {bescheid_id} gibt es nicht (mehr)"))
        }
        e => job_fehler(e),
    })
}

/// The whole job. Idempotent.
pub async fn erlasse(
    config: &BescheidConfig,
    bescheid_id: i64,
    fortschritt: Fortschritt<'_>,
    now: Millis,
) -> Result<Ausgang, JobError> {
    let Some(e) = lade(&config.verfahren, bescheid_id).await? else {
        return Ok(Ausgang::SchonErlassen);
    };
    if e.entwurf().tenor == Tenor::Genehmigung {
        stemple_plaene(config, &e, fortschritt, now).await?;
    }
    fortschritt(80, "Bescheid wird erstellt".into());
    let (sha, groesse) = rendere(config, &e).await?;
    fortschritt(90, "Bescheid wird erlassen".into());
    if config
        .verfahren
        .bescheid_abschliessen(&e, &sha, groesse, now)
        .await
        .map_err(job_fehler)?
    {
        fortschritt(100, format!("Bescheid Nr. {} erlassen", e.nummer));
        Ok(Ausgang::Erlassen)
    } else {
        Ok(Ausgang::SchonErlassen)
    }
}

/// Step 1: every approved plan not stamped yet, each recorded on its own. Returns how many
/// this call stamped.
pub async fn stemple_plaene(
    config: &BescheidConfig,
    e: &Erlass,
    fortschritt: Fortschritt<'_>,
    now: Millis,
) -> Result<usize, JobError> {
    let zeilen = stempeltext(&e.behoerde, e.aktenzeichen.as_str(), e.datum, &e.nummer)
        .map_err(|f| JobError::permanent(f.to_string()))?;
    let auftrag = serde_json::to_string(&StempelAuftrag {
        stempel: Stempel {
            zeilen: zeilen.to_vec(),
        },
        grenzen: config.stempel_grenzen.clone(),
        max_eingabe: config.max_plan,
    })
    .map_err(|f| JobError::permanent(f.to_string()))?;
    let plaene = config.verfahren.db().bescheid_plaene(e.akte.id).await?;
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
        if stemple_plan(config, e, p, &auftrag, now).await? {
            n += 1;
        }
    }
    Ok(n)
}

async fn stemple_plan(
    config: &BescheidConfig,
    e: &Erlass,
    p: &BescheidPlan,
    auftrag: &str,
    now: Millis,
) -> Result<bool, JobError> {
    let blobs = config.verfahren.blobs();
    let (_, stream) = blobs
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
    let stored = blobs
        .put_bytes(bytes::Bytes::from(bytes))
        .await
        .map_err(|f| JobError::retry(format!("Dokumentenspeicher: {f}")))?;
    config
        .verfahren
        .gestempelten_plan_vermerken(
            e,
            p,
            &stored.sha256,
            i64::try_from(stored.size).unwrap_or(i64::MAX),
            now,
        )
        .await
        .map_err(job_fehler)
}

/// Everything the Bescheid PDF shows.
pub async fn bescheid_daten(verfahren: &Verfahren, e: &Erlass) -> Result<BescheidDaten, JobError> {
    let db = verfahren.db();
    let a = &e.antrag;
    let entwurf = e.entwurf();
    let vorlage = db.bescheid_vorlage(a.tenant_id).await?;
    let mut empfaenger: Vec<String> = Vec::new();
    let bauherrschaft = a.angaben.as_ref().map(|g| &g.bauherrschaft);
    let name = bauherrschaft.map(|b| b.name.trim()).unwrap_or_default();
    if name.is_empty() {
        empfaenger.push(db.user(a.owner_user_id).await?.display_name);
    } else {
        empfaenger.push(name.to_string());
        empfaenger.extend(
            bauherrschaft
                .map(|b| b.anschrift.as_str())
                .unwrap_or_default()
                .split([',', '\n'])
                .map(|z| z.trim().to_string())
                .filter(|z| !z.is_empty()),
        );
    }
    let grundstueck = match a.angaben.as_ref().map(|g| &g.grundstueck) {
        Some(gr) if !gr.strasse.trim().is_empty() => format!(
            "{} {}, {} {}; Gemarkung {}, Flur {}, Flurstück {}",
            gr.strasse.trim(),
            gr.hausnummer.trim(),
            gr.plz.trim(),
            gr.ort.trim(),
            gr.gemarkung.trim(),
            gr.flur.trim(),
            gr.flurstuecke_text()
        ),
        _ => String::new(),
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
        art: match entwurf.tenor {
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
        aktenzeichen: e.aktenzeichen.to_string(),
        bescheid_nummer: e.nummer.clone(),
        vorhaben: a.bezeichnung.clone(),
        grundstueck,
        tenor: entwurf.tenor_text.clone(),
        nebenbestimmungen: entwurf.nebenbestimmungen.clone(),
        begruendung: entwurf.begruendung.clone(),
        gebuehren: entwurf
            .gebuehren
            .iter()
            .map(|g| pdf::Gebuehr {
                beschreibung: g.beschreibung.clone(),
                betrag_cent: g.betrag_cent,
            })
            .collect(),
        plaene,
        rechtsbehelfsbelehrung: entwurf.rechtsbehelfsbelehrung.clone(),
        schluss: vec![
            "Mit freundlichen Grüßen".into(),
            "Im Auftrag".into(),
            bearbeiter,
        ],
    })
}

/// Step 2: the Bescheid PDF in the document store; its SHA-256 and size.
async fn rendere(config: &BescheidConfig, e: &Erlass) -> Result<(String, i64), JobError> {
    let daten = bescheid_daten(&config.verfahren, e).await?;
    // Rendering our own data (no untrusted file) needs no sandbox; it is bounded by the
    // draft's limits and the renderer's page limit.
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&daten))
        .await
        .map_err(|f| JobError::retry(f.to_string()))?
        .map_err(|f| JobError::permanent(f.to_string()))?;
    let stored = config
        .verfahren
        .blobs()
        .put_bytes(bytes::Bytes::from(bytes))
        .await
        .map_err(|f| JobError::retry(format!("Dokumentenspeicher: {f}")))?;
    Ok((
        stored.sha256,
        i64::try_from(stored.size).unwrap_or(i64::MAX),
    ))
}
