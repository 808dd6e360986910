//! The tenant administration's pages: accounts, background jobs, Stellen, checklists, the
//! Aktenzeichen format, the Bescheid template.

pub mod aktenzeichen;
pub mod anmeldung;
pub mod benutzer;
pub mod bescheidvorlage;
pub mod checklisten;
pub mod jobs;
pub mod stellen;
pub mod xbau;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(benutzer::router())
        .merge(anmeldung::router())
        .merge(jobs::router())
        .merge(checklisten::router())
        .merge(aktenzeichen::router())
        .merge(stellen::router())
        .merge(bescheidvorlage::router())
        .merge(xbau::router())
}
