//! The tenant admin's template for every Bescheid: the Rechtsbehelfsbelehrung new drafts
//! start with, the letterhead address and the town. Only the tenant's admin (others 403);
//! steps [`Verfahren::bescheid_vorlage`](plankammer_verfahren::Verfahren::bescheid_vorlage)
//! and [`Verfahren::vorlage_speichern`](plankammer_verfahren::Verfahren::vorlage_speichern).

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use plankammer_verfahren::Fehler;
use plankammer_verfahren::bescheid::{MAX_ANSCHRIFT, MAX_ORT, MAX_VORLAGE_TEXT, Vorlage};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/verwaltung/bescheid",
        get(vorlage_seite).post(vorlage_speichern),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VorlageForm {
    rechtsbehelfsbelehrung: String,
    anschrift: String,
    ort: String,
}

fn vorlage_rendern(
    u: &CurrentUser,
    v: Vorlage,
    behoerde: &str,
    fehler: Vec<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let html = render(
        "bescheid_vorlage.html",
        context! {
            layout => layout(u, "/verwaltung/bescheid"),
            rechtsbehelfsbelehrung => v.rechtsbehelfsbelehrung, anschrift => v.anschrift, ort => v.ort,
            fehler, hinweis, max_text => MAX_VORLAGE_TEXT, max_anschrift => MAX_ANSCHRIFT, max_ort => MAX_ORT,
            behoerde,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct VorlageQuery {
    gespeichert: Option<String>,
}

async fn vorlage_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<VorlageQuery>,
) -> PageResult<Response> {
    let (v, behoerde) = st.verfahren.bescheid_vorlage(u.akteur()).await?;
    let hinweis = q
        .gespeichert
        .is_some()
        .then_some("Die Vorlage wurde gespeichert. Neue Entwürfe beginnen mit diesem Text.");
    vorlage_rendern(&u, v, &behoerde, vec![], hinweis, StatusCode::OK)
}

async fn vorlage_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<VorlageForm>,
) -> PageResult<Response> {
    let v = Vorlage {
        rechtsbehelfsbelehrung: f.rechtsbehelfsbelehrung,
        anschrift: f.anschrift,
        ort: f.ort,
    };
    match st.verfahren.vorlage_speichern(u.akteur(), &v).await {
        Ok(()) => Ok(Redirect::to("/verwaltung/bescheid?gespeichert=1").into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            let behoerde = u.member().tenant.name.clone();
            vorlage_rendern(
                &u,
                v,
                &behoerde,
                fehler,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e.into()),
    }
}
