//! The German pages, by who uses them. Every page works without JavaScript for its core
//! action; every handler calls one step of the procedure (`plankammer_verfahren`).
//!
//! | module | who | what |
//! |---|---|---|
//! | [`anmeldung`] | everyone | sign in and out, the start page of each role |
//! | [`extern_anmeldung`] | everyone | sign-in through an OpenID provider (Servicekonto, the authority's directory) |
//! | [`konto`] | everyone | one's own account and access tokens |
//! | [`vorgang`] | applicants, Bauaufsicht | the case page: Angaben, checklist, documents and uploads, timeline |
//! | [`antragsteller`] | applicants | Angaben, invitation of the Bauherrschaft, submission, Nachreichung |
//! | [`bauaufsicht`] | case workers | inbox, formelle Prüfung, deadlines, Beteiligung, Bescheid |
//! | [`fachstelle`] | Stellen | their requests, Rückfragen, Stellungnahmen |
//! | [`plan`] | Stellen, Bauaufsicht | the plan viewer with its comments |
//! | [`verwaltung`] | tenant admin | accounts, jobs, Stellen, checklists, Aktenzeichen, Bescheid template |

pub mod anmeldung;
pub mod antragsteller;
pub mod barrierefreiheit;
pub mod bauaufsicht;
pub mod extern_anmeldung;
pub mod fachstelle;
pub mod konto;
pub mod plan;
pub mod registrierung;
pub mod verwaltung;
pub mod vorgang;
pub mod zugang;
pub mod zweitfaktor;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(anmeldung::router())
        .merge(registrierung::router())
        .merge(extern_anmeldung::router())
        .merge(zugang::router())
        .merge(zweitfaktor::router())
        .merge(barrierefreiheit::router())
        .merge(konto::router())
        .merge(vorgang::router())
        .merge(antragsteller::router())
        .merge(bauaufsicht::router())
        .merge(fachstelle::router())
        .merge(verwaltung::router())
        .merge(plan::router())
}

/// Routes that read large bodies (uploads): no default body limit, they enforce their own.
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .merge(vorgang::upload_router())
        .merge(fachstelle::upload_router())
}
