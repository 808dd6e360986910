//! Uploads over HTTP: multipart forms (pages and API) and raw bodies (API), streamed into
//! the procedure's upload step (`Verfahren::hochladen`), which sniffs the type, enforces
//! the limits while streaming and records the version with its first pipeline job.

use crate::{AppError, AppState};
use plankammer_storage::antrag::Antrag;
use plankammer_storage::dokumente::Version;
use plankammer_verfahren::Akteur;
use plankammer_verfahren::dokumente::{
    HochladeFehler, MAX_ANLAGEN_JE_ANFRAGE, MAX_ANLAGEN_JE_HOCHLADEN, Ziel, anlageart_angabe,
    sichere_dateiname,
};

pub use plankammer_verfahren::dokumente::mb;

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
/// is refused, and the answer lists every file with its result, so nobody has to guess
/// what was kept (the design choice over all-or-nothing: an architect whose twelfth plan
/// is refused does not send the eleven others again). The status is 201 when all were
/// stored, 413 when one was too large or one file too many came (the rest is not read),
/// 422 otherwise. Shared by the API and the page.
pub async fn speichere_formular(
    st: &AppState,
    akteur: &Akteur,
    vorgang: &Antrag,
    form: &mut axum::extract::Multipart,
) -> Result<(Vec<DateiErgebnis>, axum::http::StatusCode), AppError> {
    speichere_dateien(st, akteur, vorgang, form, Formularart::Bauvorlagen).await
}

/// [`speichere_formular`] for either kind of upload ([`Formularart`]).
pub async fn speichere_dateien(
    st: &AppState,
    akteur: &Akteur,
    vorgang: &Antrag,
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
    let mut anlageart = None;
    // Set: the files are new versions of this document (a replaced plan), not new documents.
    let mut dokument: Option<i64> = None;
    let mut results = Vec::new();
    let mut status = StatusCode::CREATED;
    let grenzen = st.config.hochladegrenzen();
    loop {
        let naechstes = tokio::time::timeout(grenzen.leerlauf, form.next_field()).await;
        let field = match naechstes {
            Ok(Ok(Some(f))) => f,
            Ok(Ok(None)) => break,
            Err(_) => {
                tracing::warn!("multipart upload stalled between fields");
                results.push(DateiErgebnis {
                    dateiname: String::new(),
                    ergebnis: Err(format!(
                        "Die Übertragung ist abgebrochen ({} Sekunden ohne Daten).",
                        grenzen.leerlauf.as_secs()
                    )),
                });
                status = StatusCode::UNPROCESSABLE_ENTITY;
                break;
            }
            Ok(Err(e)) => {
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
                anlageart = anlageart_angabe(Some(&text))?;
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
                    // What came before stays, and the answer names it: the files up to the
                    // limit each with their result, this one and the rest as not read.
                    results.push(DateiErgebnis {
                        dateiname: sichere_dateiname(&name),
                        ergebnis: Err(format!("Nicht gelesen: {zu_viele}")),
                    });
                    status = StatusCode::PAYLOAD_TOO_LARGE;
                    break;
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
                        anlageart: anlageart.as_ref(),
                    },
                };
                match st
                    .verfahren
                    .hochladen(akteur, vorgang, ziel, &name, grenzen, field)
                    .await
                {
                    Ok(version) => results.push(DateiErgebnis {
                        dateiname: version.dateiname.clone(),
                        ergebnis: Ok(version),
                    }),
                    Err(HochladeFehler::Verfahren(e)) => return Err(e.into()),
                    Err(e) => {
                        let too_large = e.zu_gross();
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
