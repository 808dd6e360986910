//! (being moved here from `alt/fachstelle_seiten.rs`)

use crate::AppState;
use crate::error::PageResult;
use crate::sitzung::CurrentUser;
use axum::response::Html;

/// The start page of a Fachstelle member: the inbox of requests.
pub async fn startseite(_st: &AppState, _u: &CurrentUser) -> PageResult<Html<String>> {
    Ok(Html(String::new()))
}
