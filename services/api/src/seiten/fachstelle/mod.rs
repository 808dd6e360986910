//! The pages of a Fachstelle's members, one file per thing they do:
//!
//! | module | what |
//! |---|---|
//! | [`eingang`] | the inbox of requests (their start page) |
//! | [`anfrage`] | one request: the case, the documents in scope, Rückfragen, the timeline |
//! | [`stellungnahme`] | the Fachstelle writes its Stellungnahme (and corrects it) |
//! | [`anlagen`] | attachments to the Stellungnahme: upload, removal |
//! | [`ansicht`] | what a Stelle is shown of its request and of the case |
//!
//! The plan viewer with its comments is shared with the Bauaufsicht: [`crate::seiten::plan`].
//! Who may see what is decided by `plankammer_verfahren::zugriff`: a member of the Stelle
//! asked, from the request on, only the documents in scope.

pub mod anfrage;
pub mod anlagen;
pub mod ansicht;
pub mod eingang;
pub mod stellungnahme;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(anfrage::router())
        .merge(stellungnahme::router())
        .merge(anlagen::router())
}

/// Routes that read large bodies (the attachments' upload): they enforce their own limits.
pub fn upload_router() -> Router<AppState> {
    anlagen::upload_router()
}
