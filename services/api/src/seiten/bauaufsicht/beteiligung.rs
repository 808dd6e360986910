//! (being moved here from `alt/beteiligung_seiten.rs`)

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
