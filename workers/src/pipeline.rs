//! The document pipeline as durable jobs. Each stage reads the stored bytes, does its work
//! in the sandbox, and replaces its results (so a rerun leaves one set of results).
//!
//! Stages: `pipeline.validate` → `pipeline.extract` (text layers, title blocks) →
//! `pipeline.metadata`; beside them `pipeline.preview`, and after everything else
//! `pipeline.volltext`, the full text of scanned pages for search, which nobody waits for.

use crate::pdf::lesen::{LeseGrenzen, Leseergebnis, OffeneSeite, Volltext};
use crate::pdf::{Grenzen, Pruefergebnis};
use crate::runner::{JobContext, JobError, Registry};
use crate::sandbox::{self, SandboxConfig};
use plankammer_domain::feststellung::katalog;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::dokumente::Seite;
use std::sync::Arc;

pub const VALIDATE: &str = "pipeline.validate";
pub const EXTRACT: &str = "pipeline.extract";
pub const METADATA: &str = "pipeline.metadata";
pub const PREVIEW: &str = "pipeline.preview";
pub const VOLLTEXT: &str = "pipeline.volltext";
/// Hourly: removes what failed uploads left in the document store.
pub const AUFRAEUMEN_DOKUMENTE: &str = "wartung.dokumente";

pub struct Pipeline {
    pub blobs: BlobStore,
    pub sandbox: SandboxConfig,
    pub grenzen: Grenzen,
    pub lese_grenzen: LeseGrenzen,
    pub vorschau_grenzen: crate::pdf::vorschau::VorschauGrenzen,
}

pub fn register(reg: &mut Registry, p: Arc<Pipeline>) {
    let p2 = p.clone();
    let p4 = p.clone();
    let p5 = p.clone();
    let p3 = p.blobs.clone();
    reg.register(VALIDATE, move |ctx| {
        let p = p.clone();
        async move { validate(ctx, &p).await }
    });
    reg.register(EXTRACT, move |ctx| {
        let p = p2.clone();
        async move { extract(ctx, &p).await }
    });
    reg.register(METADATA, metadata);
    reg.register(VOLLTEXT, move |ctx| {
        let p = p5.clone();
        async move { volltext(ctx, &p).await }
    });
    reg.register(PREVIEW, move |ctx| {
        let p = p4.clone();
        async move { preview(ctx, &p).await }
    });
    let blobs = p3;
    reg.register(AUFRAEUMEN_DOKUMENTE, move |ctx| {
        let blobs = blobs.clone();
        async move { aufraeumen(ctx, &blobs).await }
    });
}

/// Enqueues the next stage of a version once.
async fn next_stage(
    ctx: &JobContext,
    version: &plankammer_storage::dokumente::Version,
    kind: &str,
) -> Result<(), JobError> {
    next_stage_mit(ctx, version, kind, serde_json::json!({})).await
}

/// [`next_stage`] with more in the job's payload than the version.
async fn next_stage_mit(
    ctx: &JobContext,
    version: &plankammer_storage::dokumente::Version,
    kind: &str,
    mehr: serde_json::Value,
) -> Result<(), JobError> {
    let stufe = kind.trim_start_matches("pipeline.");
    ctx.db
        .reihe_stufe_ein(
            version.id,
            version.tenant_id,
            stufe,
            mehr,
            plankammer_storage::now_millis(),
        )
        .await?;
    Ok(())
}

/// The version a stage works on; one that is gone (its case deleted) ends the job for good.
async fn version_des_auftrags(
    ctx: &JobContext,
    id: i64,
) -> Result<plankammer_storage::dokumente::Version, JobError> {
    ctx.db.version(id).await.map_err(|e| match e {
        plankammer_storage::StoreError::NotFound => {
            JobError::permanent(format!("Version {id} gibt es nicht (mehr)"))
        }
        other => other.into(),
    })
}

fn version_id(ctx: &JobContext) -> Result<i64, JobError> {
    ctx.payload()["version_id"]
        .as_i64()
        .ok_or_else(|| JobError::permanent("Auftrag ohne version_id"))
}

/// Runs the sandboxed check of the stored bytes of a version.
pub async fn pruefe_blob(
    p: &Pipeline,
    sha256: &str,
) -> Result<Result<Pruefergebnis, sandbox::SandboxError>, JobError> {
    let (_, stream) = p
        .blobs
        .get_stream(sha256)
        .await
        .map_err(|e| JobError::retry(format!("Dokumentenspeicher: {e}")))?;
    let grenzen =
        serde_json::to_string(&p.grenzen).map_err(|e| JobError::permanent(e.to_string()))?;
    Ok(
        sandbox::run::<Pruefergebnis, _, _>(
            &p.sandbox,
            &["pruefen", "--grenzen", &grenzen],
            stream,
        )
        .await,
    )
}

async fn validate(ctx: JobContext, p: &Pipeline) -> Result<(), JobError> {
    let id = version_id(&ctx)?;
    let version = version_des_auftrags(&ctx, id).await?;
    ctx.progress(10, "Datei wird geprüft");
    let ergebnis = match pruefe_blob(p, &version.sha256).await? {
        Ok(r) => r,
        Err(e) if e.about_the_file() => {
            tracing::warn!(version_id = id, error = %e, "the sandbox could not process a file");
            ctx.db
                .replace_feststellungen(
                    id,
                    "validate",
                    &[katalog::verarbeitung_abgebrochen(&e.grund())],
                )
                .await?;
            return Ok(());
        }
        Err(e) => return Err(JobError::retry(e.to_string())),
    };
    let seiten: Vec<Seite> = ergebnis
        .seiten
        .iter()
        .map(|s| Seite {
            nummer: i64::from(s.nummer),
            breite_mm: s.breite_mm,
            hoehe_mm: s.hoehe_mm,
            format: s.format.clone(),
            ausrichtung: s.ausrichtung.clone(),
            scan_dpi: s.scan_dpi.map(i64::from),
            text_quelle: None,
            vorschau_sha256: None,
        })
        .collect();
    ctx.db.replace_seiten(id, &seiten).await?;
    ctx.db
        .replace_feststellungen(id, "validate", &ergebnis.feststellungen)
        .await?;
    ctx.progress(100, format!("{} Seite(n) geprüft", ergebnis.seitenzahl));
    if ergebnis.lesbar && ergebnis.seitenzahl > 0 {
        next_stage(&ctx, &version, EXTRACT).await?;
        next_stage(&ctx, &version, PREVIEW).await?;
    }
    Ok(())
}

async fn extract(ctx: JobContext, p: &Pipeline) -> Result<(), JobError> {
    let id = version_id(&ctx)?;
    let version = version_des_auftrags(&ctx, id).await?;
    ctx.progress(5, "Text wird gelesen");
    // Title blocks now; the full text of scans in the volltext stage, after all else. A
    // document whose title blocks take longer than one child may run is read by several
    // children in turn, each from where the last stopped: every page's title block is read,
    // whatever the document's size.
    let mut ab_seite = 0u32;
    let mut feststellungen = Vec::new();
    let mut offen: Vec<OffeneSeite> = Vec::new();
    let (mut gelesen, mut ocr) = (0usize, 0usize);
    loop {
        let (_, stream) = p
            .blobs
            .get_stream(&version.sha256)
            .await
            .map_err(|e| JobError::retry(format!("Dokumentenspeicher: {e}")))?;
        let grenzen = LeseGrenzen {
            volltext: Volltext::Spaeter,
            ab_seite,
            ..p.lese_grenzen.clone()
        };
        let grenzen =
            serde_json::to_string(&grenzen).map_err(|e| JobError::permanent(e.to_string()))?;
        let ergebnis = match sandbox::run::<Leseergebnis, _, _>(
            &p.sandbox,
            &["lesen", "--grenzen", &grenzen],
            stream,
        )
        .await
        {
            Ok(r) => r,
            Err(e) if e.about_the_file() => {
                tracing::warn!(version_id = id, error = %e, "the sandbox could not read a file");
                feststellungen.push(katalog::verarbeitung_abgebrochen(&e.grund()));
                if ab_seite == 0 {
                    ctx.db
                        .replace_feststellungen(id, "extract", &feststellungen)
                        .await?;
                    return Ok(());
                }
                // The pages read before still count; the metadata follows from them.
                break;
            }
            Err(e) => return Err(JobError::retry(e.to_string())),
        };
        for s in &ergebnis.seiten {
            ctx.db
                .set_seiten_text(
                    id,
                    i64::from(s.nummer),
                    &s.text,
                    s.quelle.as_deref(),
                    s.schriftfeld.as_deref(),
                )
                .await?;
        }
        gelesen += ergebnis.seiten.len();
        ocr += ergebnis
            .seiten
            .iter()
            .filter(|s| s.quelle.as_deref() == Some("ocr"))
            .count();
        offen.extend(ergebnis.seiten.iter().filter_map(|s| {
            s.volltext_offen.map(|drehung| OffeneSeite {
                nummer: s.nummer,
                drehung,
            })
        }));
        feststellungen.extend(ergebnis.feststellungen);
        match ergebnis.weiter_ab {
            Some(n) if n > ab_seite => {
                ctx.progress(50, format!("Schriftfelder bis Seite {} gelesen", n - 1));
                ab_seite = n;
            }
            _ => break,
        }
    }
    ctx.db
        .replace_feststellungen(id, "extract", &feststellungen)
        .await?;
    ctx.progress(
        100,
        format!("{gelesen} Seite(n) gelesen, {ocr} davon per Texterkennung"),
    );
    next_stage(&ctx, &version, METADATA).await?;
    if !offen.is_empty() {
        next_stage_mit(
            &ctx,
            &version,
            VOLLTEXT,
            serde_json::json!({ "seiten": offen }),
        )
        .await?;
    }
    Ok(())
}

/// The full text of the scanned pages the extract stage left for later (for search): the
/// title block text those pages carry until then is replaced by the whole page's.
async fn volltext(ctx: JobContext, p: &Pipeline) -> Result<(), JobError> {
    let id = version_id(&ctx)?;
    let offen: Vec<OffeneSeite> = serde_json::from_value(ctx.payload()["seiten"].clone())
        .map_err(|e| JobError::permanent(format!("Auftrag ohne Seitenliste: {e}")))?;
    let version = version_des_auftrags(&ctx, id).await?;
    ctx.progress(
        5,
        format!("Volltext von {} Seite(n) wird erkannt", offen.len()),
    );
    let (_, stream) = p
        .blobs
        .get_stream(&version.sha256)
        .await
        .map_err(|e| JobError::retry(format!("Dokumentenspeicher: {e}")))?;
    let grenzen = LeseGrenzen {
        volltext: Volltext::Nur(offen),
        ..p.lese_grenzen.clone()
    };
    let grenzen =
        serde_json::to_string(&grenzen).map_err(|e| JobError::permanent(e.to_string()))?;
    let ergebnis = match sandbox::run::<Leseergebnis, _, _>(
        &p.sandbox,
        &["lesen", "--grenzen", &grenzen],
        stream,
    )
    .await
    {
        Ok(r) => r,
        Err(e) if e.about_the_file() => {
            tracing::warn!(version_id = id, error = %e, "the sandbox could not read a file's full text");
            ctx.db
                .replace_feststellungen(
                    id,
                    "volltext",
                    &[katalog::verarbeitung_abgebrochen(&e.grund())],
                )
                .await?;
            return Ok(());
        }
        Err(e) => return Err(JobError::retry(e.to_string())),
    };
    let mut gelesen = 0;
    for s in ergebnis.seiten.iter().filter(|s| !s.text.trim().is_empty()) {
        ctx.db
            .set_seiten_volltext(id, i64::from(s.nummer), &s.text)
            .await?;
        gelesen += 1;
    }
    ctx.db
        .replace_feststellungen(id, "volltext", &ergebnis.feststellungen)
        .await?;
    // What the title blocks did not say may stand elsewhere on the sheet (a scale under a
    // drawing): the plan data again, now from the whole pages.
    if gelesen > 0 {
        leite_metadaten_ab(&ctx, id).await?;
    }
    ctx.progress(100, format!("Volltext von {gelesen} Seite(n) erkannt"));
    Ok(())
}

/// Plan metadata from the title block text of the first pages; a warning when the type the
/// uploader chose differs from the one recognised.
async fn metadata(ctx: JobContext) -> Result<(), JobError> {
    let id = version_id(&ctx)?;
    let n = leite_metadaten_ab(&ctx, id).await?;
    ctx.progress(100, format!("{n} Angaben erkannt"));
    Ok(())
}

/// The plan data of a version from its stored page texts (title blocks first, then the
/// pages' whole text), replacing what was derived before; how many fields were found.
async fn leite_metadaten_ab(ctx: &JobContext, id: i64) -> Result<usize, JobError> {
    let version = version_des_auftrags(ctx, id).await?;
    let texte = ctx.db.seiten_texte(id).await?;
    let eingaben: Vec<crate::pdf::metadaten::SeitenEingabe> = texte
        .iter()
        .map(|s| crate::pdf::metadaten::SeitenEingabe {
            nummer: s.nummer as u32,
            quelle: s.quelle.as_deref().unwrap_or("textebene"),
            schriftfeld: s.schriftfeld.as_deref(),
            text: s.text.as_deref().unwrap_or(""),
            konfidenz: None,
        })
        .collect();
    let found = crate::pdf::metadaten::felder_des_dokuments(&eingaben);
    let stored: Vec<plankammer_storage::dokumente::MetaFeld> = found
        .iter()
        .map(|f| plankammer_storage::dokumente::MetaFeld {
            feld: f.feld.clone(),
            wert: f.wert.clone(),
            quelle: f.quelle.clone(),
            seite: i64::from(f.seite),
            konfidenz: f.konfidenz,
        })
        .collect();
    ctx.db.replace_metadaten(id, &stored).await?;
    let mut feststellungen = Vec::new();
    let gewaehlt = ctx.db.dokument_anlageart(version.dokument_id).await?;
    let erkannt = found.iter().find(|f| f.feld == "anlageart");
    if let (Some(g), Some(e)) = (gewaehlt, erkannt)
        && g.code() != e.wert
    {
        let name = found
            .iter()
            .find(|f| f.feld == "planart")
            .map(|f| f.wert.clone())
            .unwrap_or_default();
        feststellungen.push(plankammer_domain::feststellung::Feststellung {
            code: "metadaten.anlageart_abweichend".into(),
            schwere: plankammer_domain::feststellung::Schwere::Warnung,
            meldung: format!("Als Anlageart wurde {g} gewählt, der Plan sieht aber wie ein(e) {name} aus (Anlageart {}). Bitte prüfen Sie die Zuordnung.", e.wert),
            seite: Some(e.seite),
        });
    }
    ctx.db
        .replace_feststellungen(id, "metadata", &feststellungen)
        .await?;
    Ok(found.len())
}

/// Temporary objects older than a day are uploads that died mid-way; content objects older
/// than an hour that no row refers to are uploads whose recording failed. Both go.
pub async fn entferne_ueberbleibsel(
    db: &plankammer_storage::Db,
    blobs: &BlobStore,
    now: i64,
) -> Result<usize, JobError> {
    let mut removed = 0usize;
    for (path, _) in blobs
        .objects_older_than("tmp", now - 24 * 3600 * 1000)
        .await
        .map_err(|e| JobError::retry(e.to_string()))?
    {
        blobs
            .delete_path(&path)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        removed += 1;
    }
    let candidates: Vec<String> = blobs
        .objects_older_than("sha256", now - 3600 * 1000)
        .await
        .map_err(|e| JobError::retry(e.to_string()))?
        .into_iter()
        .filter_map(|(_, sha)| sha)
        .collect();
    for sha in db.unreferenced_blobs(&candidates).await? {
        blobs
            .delete(&sha)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        removed += 1;
    }
    Ok(removed)
}

async fn aufraeumen(ctx: JobContext, blobs: &BlobStore) -> Result<(), JobError> {
    let removed = entferne_ueberbleibsel(&ctx.db, blobs, plankammer_storage::now_millis()).await?;
    tracing::info!(removed, "maintenance: removed leftovers of failed uploads");
    ctx.progress(100, format!("{removed} Überbleibsel entfernt"));
    Ok(())
}

/// Renders the thumbnails and the large preview in the sandbox and stores them as PNGs.
async fn preview(ctx: JobContext, p: &Pipeline) -> Result<(), JobError> {
    use base64::Engine;
    let id = version_id(&ctx)?;
    let version = version_des_auftrags(&ctx, id).await?;
    ctx.progress(5, "Vorschau wird erzeugt");
    let (_, stream) = p
        .blobs
        .get_stream(&version.sha256)
        .await
        .map_err(|e| JobError::retry(format!("Dokumentenspeicher: {e}")))?;
    let grenzen = serde_json::to_string(&p.vorschau_grenzen)
        .map_err(|e| JobError::permanent(e.to_string()))?;
    let ergebnis = match sandbox::run::<crate::pdf::vorschau::Vorschauergebnis, _, _>(
        &p.sandbox,
        &["vorschau", "--grenzen", &grenzen],
        stream,
    )
    .await
    {
        Ok(r) => r,
        Err(e) if e.about_the_file() => {
            ctx.db
                .replace_feststellungen(
                    id,
                    "preview",
                    &[katalog::verarbeitung_abgebrochen(&format!(
                        "Vorschau: {}",
                        e.grund()
                    ))],
                )
                .await?;
            return Ok(());
        }
        Err(e) => return Err(JobError::retry(e.to_string())),
    };
    let store = |b: &crate::pdf::vorschau::Bild| -> Result<bytes::Bytes, JobError> {
        base64::engine::general_purpose::STANDARD
            .decode(&b.png_base64)
            .map(bytes::Bytes::from)
            .map_err(|e| JobError::permanent(e.to_string()))
    };
    let mut daumen = Vec::new();
    for b in &ergebnis.daumen {
        let stored = p
            .blobs
            .put_bytes(store(b)?)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        daumen.push((i64::from(b.seite), stored.sha256));
    }
    let gross = match &ergebnis.gross {
        Some(b) => Some(
            p.blobs
                .put_bytes(store(b)?)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?
                .sha256,
        ),
        None => None,
    };
    // Previews are content: record them as blobs so maintenance keeps them.
    for sha in daumen.iter().map(|(_, s)| s.clone()).chain(gross.clone()) {
        ctx.db.record_blob(&sha).await?;
    }
    ctx.db.set_vorschau(id, gross.as_deref(), &daumen).await?;
    ctx.db
        .replace_feststellungen(id, "preview", &ergebnis.feststellungen)
        .await?;
    ctx.progress(100, format!("{} Vorschaubild(er)", daumen.len()));
    Ok(())
}
