//! A Stelle's attachments (Anlagen) to its Stellungnahme: uploading PDFs to its request and
//! removing one that no submitted Stellungnahme carries yet. They run through the same
//! pipeline as Bauvorlagen; the page shows each with its pipeline state.

use super::anfrage::{Formular, anfrage_rendern};
use crate::error::PageResult;
use crate::sitzung::CurrentUser;
use crate::upload::{DateiErgebnis, Formularart, speichere_dateien};
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/beteiligungen/{bid}/anlagen/{did}/entfernen",
        post(anlage_entfernen),
    )
}

/// The upload reads a large body: no default body limit, it enforces its own.
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/beteiligungen/{bid}/anlagen", post(anlagen_hochladen))
        .layer(DefaultBodyLimit::disable())
}

/// `POST /beteiligungen/{bid}/anlagen` (multipart, files in `datei` fields, the CSRF token
/// in the query): a member of the Stelle adds PDFs to its request. The step
/// [`plankammer_verfahren::Verfahren::anlagen_ziel`] decides whether it may, and how many
/// files may still come; each file then streams through the upload step.
async fn anlagen_hochladen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    mut form: Multipart,
) -> PageResult<Response> {
    let ziel = st.verfahren.anlagen_ziel(u.akteur(), bid).await?;
    let art = Formularart::Anlagen {
        beteiligung_id: ziel.beteiligung.id,
        vorhanden: ziel.vorhanden,
    };
    let (dateien, status) =
        match speichere_dateien(&st, u.akteur(), &ziel.antrag, &mut form, art).await {
            Ok(x) => x,
            Err(AppError::Invalid(m)) => (
                vec![DateiErgebnis {
                    dateiname: String::new(),
                    ergebnis: Err(m),
                }],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            Err(e) => return Err(e),
        };
    let gespeichert = dateien.iter().filter(|d| d.ergebnis.is_ok()).count();
    tracing::info!(beteiligung_id = bid, gespeichert, "anlagen hochgeladen");
    if status == StatusCode::CREATED {
        return Ok(Redirect::to(&format!("/beteiligungen/{bid}#anlagen")).into_response());
    }
    let meldungen: Vec<String> = dateien
        .into_iter()
        .filter_map(|d| match d.ergebnis {
            Err(m) if d.dateiname.is_empty() => Some(m),
            Err(m) => Some(format!("{}: {m}", d.dateiname)),
            Ok(_) => None,
        })
        .collect();
    let html = anfrage_rendern(
        &st,
        &u,
        &ziel.beteiligung,
        Formular {
            anlage_fehler: meldungen,
            ..Default::default()
        },
    )
    .await?;
    Ok((status, html).into_response())
}

/// A member removes an attachment of its request that no submitted Stellungnahme carries
/// (what was submitted stays as it was).
async fn anlage_entfernen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, did)): Path<(i64, i64)>,
) -> PageResult<Redirect> {
    st.verfahren.anlage_entfernen(u.akteur(), bid, did).await?;
    Ok(Redirect::to(&format!("/beteiligungen/{bid}#anlagen")))
}
