//! The case worker's work list ("Aufgaben"), the Bauaufsicht's start page: every event on
//! the tenant's cases that waits for them, each with its deadline, most urgent first.

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::format::resttage_text;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use minijinja::context;
use plankammer_domain::{frist, zeit};
use plankammer_storage::heute_berlin;
use plankammer_verfahren::bearbeitung::{STANDARD_HORIZONT, horizont};
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new().route("/aufgaben", get(aufgaben))
}

/// The horizons offered for deadlines, in days.
const HORIZONTE: [u32; 4] = [7, 14, 30, 90];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AufgabenQuery {
    meine: String,
    tage: String,
}

async fn aufgaben(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<AufgabenQuery>,
) -> PageResult<Html<String>> {
    seite(&st, &u, &q).await
}

/// The work list; also the case worker's start page (`/start`, without filters).
pub async fn seite(st: &AppState, u: &CurrentUser, q: &AufgabenQuery) -> PageResult<Html<String>> {
    let heute = heute_berlin();
    let mut fehler = Vec::new();
    // Not a number counts as out of range: the same sentence says what is allowed.
    let angabe = match q.tage.trim() {
        "" => None,
        t => Some(t.parse::<u32>().unwrap_or(0)),
    };
    let tage = horizont(angabe).unwrap_or_else(|satz| {
        fehler.push(satz);
        STANDARD_HORIZONT
    });
    let meine = q.meine == "1";
    let liste = st
        .verfahren
        .aufgaben(u.akteur(), heute, tage, meine)
        .await?;
    let aufgaben: Vec<_> = liste
        .iter()
        .map(|a| {
            json!({
                "art": a.art,
                "titel": a.titel,
                "text": a.text,
                "vorgang_id": a.vorgang_id,
                "aktenzeichen": a.aktenzeichen,
                "bezeichnung": a.bezeichnung,
                "bearbeiter": a.bearbeiter,
                "frist": a.frist.map(frist::datum_de),
                "rest": a.frist.map(|e| resttage_text(heute, e)),
                "knapp": a.frist.is_some_and(|e| frist::tage_bis(heute, e) <= 3),
                "seit": a.seit.map(zeit::format_berlin),
                "pfad": a.pfad,
            })
        })
        .collect();
    let horizonte: Vec<_> = HORIZONTE
        .iter()
        .copied()
        .chain((!HORIZONTE.contains(&tage)).then_some(tage))
        .map(|n| json!({ "tage": n, "gewaehlt": n == tage }))
        .collect();
    render(
        "aufgaben.html",
        context! { layout => layout(u, "/aufgaben"), aufgaben, meine, tage, horizonte, fehler },
    )
}
