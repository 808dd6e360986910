//! The pages of a Fachstelle's members: their inbox of requests, one request with its
//! documents, Rückfragen and the Stellungnahme.

pub mod eingang;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
