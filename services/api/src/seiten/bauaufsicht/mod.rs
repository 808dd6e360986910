//! The pages of the Bauaufsicht's case workers: the work list (Aufgaben), the inbox, the formelle Prüfung, the
//! deadlines, the Beteiligung of the Stellen and the Bescheid.

pub mod aufgaben;
pub mod bearbeitung;
pub mod bescheid;
pub mod beteiligung;
pub mod eingang;
pub mod fristen;
pub mod pruefung;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(aufgaben::router())
        .merge(bearbeitung::router())
        .merge(eingang::router())
        .merge(pruefung::router())
        .merge(fristen::router())
        .merge(beteiligung::router())
        .merge(bescheid::router())
}
