//! (being moved here from `alt/bescheid_seiten.rs`)

use crate::sitzung::CurrentUser;
use crate::{AppError, AppState};
use axum::Router;
use plankammer_storage::antrag::Antrag;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new()
}

/// The Bescheid section of the case page.
pub async fn abschnitt(
    _st: &AppState,
    _u: &CurrentUser,
    _a: &Antrag,
) -> Result<Option<Value>, AppError> {
    Ok(None)
}
