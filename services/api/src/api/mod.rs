//! The JSON API under `/api/v1`, for machine clients (an architect's CAD or office software,
//! the systems of Fachstellen and authorities) and for the pages' own scripts; one module
//! per resource. Described by an OpenAPI 3.1 document generated from this code, served at
//! `/api/openapi.json`. Every handler calls the same step of the procedure as the page.

pub mod bearbeitung;
pub mod bescheid;
pub mod beteiligungen;
pub mod dokumente;
pub mod eingabe;
pub mod fachstelle;
pub mod konto;
pub mod openapi;
pub mod plan;
pub mod pruefung;
pub mod seite;
pub mod verwaltung;
pub mod vorgaenge;
pub mod xbau;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(openapi::router())
        .merge(konto::router())
        .merge(verwaltung::router())
        .merge(vorgaenge::router())
        .merge(dokumente::router())
        .merge(pruefung::router())
        .merge(bearbeitung::router())
        .merge(beteiligungen::router())
        .merge(fachstelle::router())
        .merge(plan::router())
        .merge(bescheid::router())
        .merge(xbau::router())
}

/// Routes that read large bodies (uploads): no default body limit, they enforce their own.
pub fn upload_router() -> Router<AppState> {
    dokumente::upload_router()
        .merge(fachstelle::upload_router())
        .merge(xbau::upload_router())
}
