//! Public pages every German public body's web service must have, reachable without an
//! account: the Erklärung zur Barrierefreiheit with its feedback contact (HessBGG § 14,
//! HVBIT §§ 3, 4 and 6, implementing Directive (EU) 2016/2102) and a short explanation of
//! Plankammer in Leichte Sprache.

use crate::AppState;
use crate::error::PageResult;
use crate::templates::render;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use minijinja::context;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/barrierefreiheit", get(erklaerung))
        .route("/leichte-sprache", get(leichte_sprache))
}

/// When this Erklärung was last checked against the product (the axe-core crawl of every
/// page, the journeys' checks and the keyboard journey).
const STAND: &str = "3. Dezember 2026";

async fn erklaerung(State(st): State<AppState>) -> PageResult<Html<String>> {
    render(
        "barrierefreiheit.html",
        context! { kontakt => st.config.barrierefreiheit_kontakt, stand => STAND },
    )
}

async fn leichte_sprache(State(st): State<AppState>) -> PageResult<Html<String>> {
    render(
        "leichte_sprache.html",
        context! { kontakt => st.config.barrierefreiheit_kontakt },
    )
}
