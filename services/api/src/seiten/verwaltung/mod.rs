//! The tenant administration's pages: accounts, background jobs, Stellen, checklists, the
//! Aktenzeichen format, the Bescheid template.

pub mod benutzer;
pub mod jobs;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(benutzer::router())
        .merge(jobs::router())
}
