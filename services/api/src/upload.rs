//! Uploads: a file streams into the document store while its SHA-256 is computed, never
//! held whole in memory; its type is decided from its bytes; size limits per file and per
//! case are enforced while streaming. Only when the bytes are stored does one transaction
//! record the version, its audit entry and the first pipeline job.

use crate::{AppError, AppState};
use bytes::Bytes;
use futures::{Stream, StreamExt, stream};
use plankammer_domain::zugriff::{Akteur, darf_dokumente_hochladen};
use plankammer_storage::antrag::Antrag;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::blobs::BlobError;
use plankammer_storage::dokumente::{NeueVersion, Version, Vorgang};
use plankammer_storage::{Db, now_millis};

/// How many leading bytes are looked at to decide the type.
const SNIFF_BYTES: usize = plankammer_domain::dateityp::KOPF_BYTES;

/// The first pipeline stage; it enqueues the next ones.
pub const STUFE_VALIDATE: &str = "validate";

/// A safe, readable file name: no path, no control or reserved characters, at most 120
/// characters, ending in `.pdf`.
pub fn sichere_dateiname(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_control() || "<>:\"|?*;".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim();
    // Keep the extension's spelling if it is .pdf in any case; otherwise add one.
    let (stem, ext) = match cleaned
        .len()
        .checked_sub(4)
        .filter(|&i| cleaned.is_char_boundary(i))
    {
        Some(i) if cleaned[i..].eq_ignore_ascii_case(".pdf") => (&cleaned[..i], &cleaned[i..]),
        _ => (cleaned, ".pdf"),
    };
    let stem = stem.trim().trim_start_matches('.');
    let stem: String = if stem.is_empty() {
        "dokument".into()
    } else {
        stem.chars().take(116).collect()
    };
    format!("{stem}{ext}")
}

/// Where the upload goes.
#[derive(Debug, Clone)]
pub enum Ziel<'a> {
    /// A new document of the case.
    NeuesDokument {
        bezeichnung: &'a str,
        anlageart: Option<&'a str>,
    },
    /// A new version of an existing document (Nachreichung).
    NeueVersion { dokument_id: i64 },
    /// An attachment (Anlage) a Stelle adds to its request: a document of the case that is
    /// not a Bauvorlage (see `plankammer_storage::anlagen`), with its own quota.
    Anlage { beteiligung_id: i64 },
}

/// Most attachments in one upload.
pub const MAX_ANLAGEN_JE_HOCHLADEN: usize = 20;
/// Most current attachments of one request.
pub const MAX_ANLAGEN_JE_ANFRAGE: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("empty file")]
    Leer,
    #[error("not a PDF: {0}")]
    KeinPdf(&'static str),
    #[error("file larger than {0} bytes")]
    DateiZuGross(u64),
    #[error("case storage quota of {0} bytes exhausted")]
    VorgangVoll(u64),
    #[error("request attachment quota of {0} bytes exhausted")]
    AnfrageVoll(u64),
    #[error(transparent)]
    App(#[from] AppError),
}

impl UploadError {
    pub fn meldung(&self) -> String {
        match self {
            UploadError::Leer => "Die Datei ist leer (0 Byte).".into(),
            UploadError::KeinPdf(t) => format!(
                "Die Datei ist kein PDF-Dokument (erkannt: {t}). Bitte laden Sie Pläne als PDF hoch."
            ),
            UploadError::DateiZuGross(n) => {
                format!("Die Datei ist größer als erlaubt (höchstens {}).", mb(*n))
            }
            UploadError::VorgangVoll(n) => format!(
                "Für diesen Vorgang ist der Speicher erschöpft (höchstens {} je Vorgang).",
                mb(*n)
            ),
            UploadError::AnfrageVoll(n) => format!(
                "Für die Anlagen dieser Anfrage ist der Speicher erschöpft (höchstens {} je Anfrage).",
                mb(*n)
            ),
            UploadError::App(e) => e.meldung(),
        }
    }

    pub fn into_app(self) -> AppError {
        match self {
            UploadError::App(e) => e,
            e @ (UploadError::DateiZuGross(_)
            | UploadError::VorgangVoll(_)
            | UploadError::AnfrageVoll(_)) => AppError::TooLarge(e.meldung()),
            e => AppError::Invalid(e.meldung()),
        }
    }
}

/// "250 MB", "1,5 MB", "820 KB", "12 Byte": sizes as people read them.
pub fn mb(bytes: u64) -> String {
    if bytes < 1_000 {
        format!("{bytes} Byte")
    } else if bytes < 1_000_000 {
        format!("{} KB", bytes / 1_000)
    } else if bytes >= 10_000_000 || bytes.is_multiple_of(1_000_000) {
        format!("{} MB", bytes / 1_000_000)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6).replace('.', ",")
    }
}

/// Loads the case and checks the actor may add documents to it (not found otherwise, so
/// other people's cases stay invisible).
pub async fn vorgang_fuer_upload(
    db: &Db,
    akteur: &Akteur,
    vorgang_id: i64,
) -> Result<Vorgang, AppError> {
    let antrag = db.antrag(vorgang_id).await?;
    let v = antrag.vorgang();
    if !crate::ablauf::darf_sehen(db, akteur, &antrag).await? {
        return Err(AppError::NotFound);
    }
    if !darf_dokumente_hochladen(akteur, &v.zugriff()) {
        return Err(AppError::Forbidden);
    }
    if !darf_unterlagen_aendern(akteur, &antrag)? {
        return Err(AppError::Conflict(
            "Unterlagen können nur im Entwurf oder während einer Nachforderung geändert werden."
                .into(),
        ));
    }
    Ok(v)
}

/// Whether the actor may change the case's documents now: the role rule, and the state —
/// documents change only in a draft or while a Nachforderung runs; otherwise the set would
/// change outside a Fassung, behind the back of the formelle Prüfung. The upload routes
/// enforce it (via [`vorgang_fuer_upload`]); the pages use it to offer the forms.
pub fn darf_unterlagen_aendern(akteur: &Akteur, antrag: &Antrag) -> Result<bool, AppError> {
    Ok(
        darf_dokumente_hochladen(akteur, &antrag.vorgang().zugriff())
            && crate::ablauf::zustand(antrag)?.unterlagen_aenderbar(),
    )
}

/// Streams one file into the store and records it. On any refusal nothing remains.
pub async fn speichere<S, E>(
    st: &AppState,
    akteur: &Akteur,
    vorgang: &Vorgang,
    ziel: Ziel<'_>,
    dateiname: &str,
    body: S,
) -> Result<Version, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = body;
    // Sniff the type from the first bytes before anything is stored.
    let mut prefix: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut ended = false;
    while prefix.len() < SNIFF_BYTES {
        match body.next().await {
            Some(Ok(chunk)) => prefix.extend_from_slice(&chunk),
            Some(Err(e)) => {
                return Err(AppError::Invalid(format!(
                    "Die Übertragung der Datei ist abgebrochen ({e})."
                ))
                .into());
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    if prefix.is_empty() && ended {
        return Err(UploadError::Leer);
    }
    if let Some(t) = plankammer_domain::dateityp::kein_pdf(&prefix) {
        return Err(UploadError::KeinPdf(t));
    }
    // The Bauvorlagen share the case's quota; a request's attachments have their own, of
    // the same size, so a Stelle never uses up the applicants' room.
    let used = match ziel {
        Ziel::Anlage { beteiligung_id } => st.db.anlagen_bytes(beteiligung_id).await,
        _ => st.db.vorgang_bytes(vorgang.id).await,
    }
    .map_err(AppError::from)?
    .max(0) as u64;
    let max_file = st.config.upload_max_file;
    let room = st.config.upload_max_case.saturating_sub(used);
    let limit = max_file.min(room);
    let head = stream::iter([Ok::<Bytes, String>(Bytes::from(prefix))]);
    let rest = body.map(|r| r.map_err(|e| e.to_string()));
    let stored = match st.blobs.put_stream(head.chain(rest), limit).await {
        Ok(s) => s,
        Err(BlobError::TooLarge { .. }) if room < max_file => {
            return Err(match ziel {
                Ziel::Anlage { .. } => UploadError::AnfrageVoll(st.config.upload_max_case),
                _ => UploadError::VorgangVoll(st.config.upload_max_case),
            });
        }
        Err(BlobError::TooLarge { .. }) => return Err(UploadError::DateiZuGross(max_file)),
        Err(BlobError::Source(e)) => {
            return Err(AppError::Invalid(format!(
                "Die Übertragung der Datei ist abgebrochen ({e})."
            ))
            .into());
        }
        Err(e) => return Err(AppError::internal(e).into()),
    };
    let dateiname = sichere_dateiname(dateiname);
    let (dokument_id, bezeichnung, anlageart, anlage_von) = match ziel {
        Ziel::NeuesDokument {
            bezeichnung,
            anlageart,
        } => (None, bezeichnung, anlageart, None),
        Ziel::NeueVersion { dokument_id } => (Some(dokument_id), "", None, None),
        Ziel::Anlage { beteiligung_id } => (None, "", None, Some(beteiligung_id)),
    };
    let bezeichnung = if bezeichnung.trim().is_empty() {
        dateiname.trim_end_matches(".pdf").to_string()
    } else {
        bezeichnung.trim().to_string()
    };
    let now = now_millis();
    let record = async {
        let mut tx = st.db.begin().await?;
        let neu = NeueVersion {
            vorgang_id: vorgang.id,
            tenant_id: vorgang.tenant_id,
            dokument_id,
            bezeichnung: &bezeichnung,
            anlageart,
            sha256: &stored.sha256,
            groesse: stored.size as i64,
            dateiname: &dateiname,
            user_id: akteur.user_id,
        };
        let version = Db::add_version(&mut tx, &neu, now).await?;
        if let Some(bid) = anlage_von {
            Db::markiere_als_anlage(&mut tx, version.dokument_id, bid).await?;
        }
        Db::enqueue_stufe(&mut tx, version.id, vorgang.tenant_id, STUFE_VALIDATE, now).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(vorgang.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "dokument.hochladen",
                object_type: "dokument_version",
                object_id: Some(version.id.to_string()),
                detail: serde_json::json!({ "vorgang_id": vorgang.id, "dokument_id": version.dokument_id, "beteiligung_id": anlage_von, "groesse": stored.size, "sha256": stored.sha256 }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, plankammer_storage::StoreError>(version)
    }
    .await;
    match record {
        Ok(v) => {
            tracing::info!(
                vorgang_id = vorgang.id,
                version_id = v.id,
                bytes = stored.size,
                new_blob = stored.new,
                "document version stored"
            );
            Ok(v)
        }
        Err(e) => {
            // Nothing refers to bytes stored just now: remove them (the maintenance job
            // would otherwise find them as orphans).
            if stored.new
                && let Err(del) = st.blobs.delete(&stored.sha256).await
            {
                tracing::warn!(error = %del, "could not remove the bytes of a failed upload; maintenance will");
            }
            Err(AppError::from(e).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(mb(12), "12 Byte");
        assert_eq!(mb(820_000), "820 KB");
        assert_eq!(mb(1_500_000), "1,5 MB");
        assert_eq!(mb(250_000_000), "250 MB");
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(sichere_dateiname("../../etc/passwd"), "passwd.pdf");
        assert_eq!(
            sichere_dateiname("C:\\Pläne\\EG Grundriss.PDF"),
            "EG Grundriss.PDF"
        );
        assert_eq!(sichere_dateiname("a\u{0}b\"c<d>.pdf"), "a_b_c_d_.pdf");
        assert_eq!(sichere_dateiname(""), "dokument.pdf");
        assert_eq!(sichere_dateiname(".pdf"), "dokument.pdf");
        assert_eq!(sichere_dateiname(&"x".repeat(500)).chars().count(), 120);
    }
}

/// What happened to one file of a multipart upload.
#[derive(Debug)]
pub struct DateiErgebnis {
    pub dateiname: String,
    /// The stored version, or why the file was not taken.
    pub ergebnis: Result<Version, String>,
}

/// What a multipart upload adds to the case.
#[derive(Debug, Clone, Copy)]
pub enum Formularart {
    /// Bauvorlagen: optional `anlageart` and `dokument` fields, at most `upload_max_files`
    /// files.
    Bauvorlagen,
    /// Attachments of a Stelle's request (`anlageart` and `dokument` are not read): at most
    /// [`MAX_ANLAGEN_JE_HOCHLADEN`] files, and no more than [`MAX_ANLAGEN_JE_ANFRAGE`] with
    /// the `vorhanden` ones.
    Anlagen {
        beteiligung_id: i64,
        vorhanden: usize,
    },
}

/// Reads a multipart upload of Bauvorlagen (an optional `anlageart` field, then files in
/// `datei` fields), storing each file on its own: what was stored stays when a later file
/// is refused. The status is 201 when all were stored, 413 when one was too large (the
/// rest is not read), 422 otherwise. Shared by the API and the page.
pub async fn speichere_formular(
    st: &AppState,
    akteur: &Akteur,
    vorgang: &Vorgang,
    form: &mut axum::extract::Multipart,
) -> Result<(Vec<DateiErgebnis>, axum::http::StatusCode), AppError> {
    speichere_dateien(st, akteur, vorgang, form, Formularart::Bauvorlagen).await
}

/// [`speichere_formular`] for either kind of upload ([`Formularart`]).
pub async fn speichere_dateien(
    st: &AppState,
    akteur: &Akteur,
    vorgang: &Vorgang,
    form: &mut axum::extract::Multipart,
    art: Formularart,
) -> Result<(Vec<DateiErgebnis>, axum::http::StatusCode), AppError> {
    use axum::http::StatusCode;
    let (max_dateien, zu_viele) = match art {
        Formularart::Bauvorlagen => (
            st.config.upload_max_files,
            format!(
                "Höchstens {} Dateien je Hochladen.",
                st.config.upload_max_files
            ),
        ),
        Formularart::Anlagen { vorhanden, .. } => (
            MAX_ANLAGEN_JE_HOCHLADEN.min(MAX_ANLAGEN_JE_ANFRAGE.saturating_sub(vorhanden)),
            format!(
                "Höchstens {MAX_ANLAGEN_JE_HOCHLADEN} Anlagen je Hochladen und {MAX_ANLAGEN_JE_ANFRAGE} Anlagen je Anfrage; {vorhanden} sind bereits vorhanden."
            ),
        ),
    };
    let mut anlageart: Option<String> = None;
    // Set: the files are new versions of this document (a replaced plan), not new documents.
    let mut dokument: Option<i64> = None;
    let mut results = Vec::new();
    let mut status = StatusCode::CREATED;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "multipart upload aborted");
                results.push(DateiErgebnis {
                    dateiname: String::new(),
                    ergebnis: Err("Die Übertragung ist abgebrochen.".into()),
                });
                status = StatusCode::UNPROCESSABLE_ENTITY;
                break;
            }
        };
        let bauvorlagen = matches!(art, Formularart::Bauvorlagen);
        match field.name() {
            Some("anlageart") if bauvorlagen => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| AppError::Invalid("Das Feld anlageart ist ungültig.".into()))?;
                anlageart = check_anlageart(Some(&text))?.map(str::to_string);
            }
            Some("dokument") if bauvorlagen => {
                let text = field.text().await.unwrap_or_default();
                dokument = match text.trim() {
                    "" => None,
                    t => Some(t.parse().map_err(|_| {
                        AppError::Invalid("Das Feld dokument ist ungültig.".into())
                    })?),
                };
            }
            Some("datei") => {
                let name = field.file_name().unwrap_or("").to_string();
                if name.is_empty() {
                    continue; // a form sent without choosing a file
                }
                if results.len() >= max_dateien {
                    return Err(AppError::TooLarge(zu_viele));
                }
                let ziel = match (art, dokument) {
                    (Formularart::Anlagen { beteiligung_id, .. }, _) => {
                        Ziel::Anlage { beteiligung_id }
                    }
                    // The storage checks the document is a Bauvorlage of this case.
                    (Formularart::Bauvorlagen, Some(dokument_id)) => {
                        Ziel::NeueVersion { dokument_id }
                    }
                    (Formularart::Bauvorlagen, None) => Ziel::NeuesDokument {
                        bezeichnung: "",
                        anlageart: anlageart.as_deref(),
                    },
                };
                match speichere(st, akteur, vorgang, ziel, &name, field).await {
                    Ok(version) => results.push(DateiErgebnis {
                        dateiname: version.dateiname.clone(),
                        ergebnis: Ok(version),
                    }),
                    Err(UploadError::App(e)) => return Err(e),
                    Err(e) => {
                        let too_large = matches!(
                            e,
                            UploadError::DateiZuGross(_)
                                | UploadError::VorgangVoll(_)
                                | UploadError::AnfrageVoll(_)
                        );
                        results.push(DateiErgebnis {
                            dateiname: sichere_dateiname(&name),
                            ergebnis: Err(e.meldung()),
                        });
                        if too_large {
                            // The rest of this request is not read: the client learns at once.
                            status = StatusCode::PAYLOAD_TOO_LARGE;
                            break;
                        }
                        status = StatusCode::UNPROCESSABLE_ENTITY;
                    }
                }
            }
            _ => {}
        }
    }
    if results.is_empty() {
        return Err(AppError::Invalid(
            "Bitte wählen Sie mindestens eine PDF-Datei aus.".into(),
        ));
    }
    Ok((results, status))
}

/// An Anlageart code from a form or query: four digits (XBau `anlagen_3.0`), or nothing.
pub fn check_anlageart(a: Option<&str>) -> Result<Option<&str>, AppError> {
    match a.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(code) if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(code)),
        Some(_) => Err(AppError::Invalid("Die Anlageart muss ein vierstelliger Code aus der XBau-Liste anlagen_3.0 sein (z. B. 2001).".into())),
    }
}
