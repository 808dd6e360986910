//! The document pipeline as durable jobs. Each stage reads the stored bytes, does its work
//! in the sandbox, and replaces its results (so a rerun leaves one set of results).
//!
//! Today: `pipeline.validate`. The stages after it (extract, metadata, preview) follow.

use crate::pdf::{Grenzen, Pruefergebnis};
use crate::runner::{JobContext, JobError, Registry};
use crate::sandbox::{self, SandboxConfig};
use plankammer_domain::feststellung::katalog;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::dokumente::Seite;
use std::sync::Arc;

pub const VALIDATE: &str = "pipeline.validate";

pub struct Pipeline {
    pub blobs: BlobStore,
    pub sandbox: SandboxConfig,
    pub grenzen: Grenzen,
}

pub fn register(reg: &mut Registry, p: Arc<Pipeline>) {
    reg.register(VALIDATE, move |ctx| {
        let p = p.clone();
        async move { validate(ctx, &p).await }
    });
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
    let version = match ctx.db.version(id).await {
        Ok(v) => v,
        Err(plankammer_storage::StoreError::NotFound) => {
            return Err(JobError::permanent(format!(
                "Version {id} gibt es nicht (mehr)"
            )));
        }
        Err(e) => return Err(e.into()),
    };
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
    Ok(())
}
