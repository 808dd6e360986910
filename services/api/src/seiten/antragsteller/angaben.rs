//! The architect opens a case and enters its Angaben: Bauvorhaben, Grundstück, Beteiligte;
//! "once only" from the profile and earlier cases.

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use plankammer_domain::antrag::AngabenEingabe;
use plankammer_domain::codeliste;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::zugriff::darf_vorgang_anlegen;
use plankammer_verfahren::Fehler;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vorgaenge/neu", get(neu_formular).post(neu_anlegen))
        .route(
            "/vorgaenge/{id}/angaben",
            get(angaben_formular).post(angaben_speichern),
        )
}

#[derive(Deserialize, Default)]
struct VorlageQuery {
    vorlage: Option<usize>,
}

#[derive(Serialize)]
struct Option_ {
    code: String,
    name: String,
}

fn optionen(l: &codeliste::Codeliste) -> Vec<Option_> {
    l.eintraege
        .iter()
        .map(|e| Option_ {
            code: e.code.clone(),
            name: e.name.clone(),
        })
        .collect()
}

async fn angaben_seite(
    st: &AppState,
    u: &CurrentUser,
    vorgang_id: Option<i64>,
    f: &AngabenEingabe,
    fehler: &[String],
    status: StatusCode,
) -> PageResult<Response> {
    let fruehere = st
        .verfahren
        .fruehere_angaben(u.akteur(), vorgang_id.unwrap_or(0))
        .await?;
    let vorlagen: Vec<Value> = fruehere
        .iter()
        .enumerate()
        .map(|(i, g)| json!({ "index": i, "text": g.vorlage_text() }))
        .collect();
    let mut bauherren: Vec<String> = fruehere
        .iter()
        .map(|g| g.bauherrschaft.name.clone())
        .filter(|x| !x.is_empty())
        .collect();
    bauherren.sort();
    bauherren.dedup();
    let verfahren: Vec<Value> = Verfahrensart::ALL
        .iter()
        .map(|v| json!({ "slug": v.slug(), "text": v.bezeichnung_mit_paragraph() }))
        .collect();
    let action = match vorgang_id {
        Some(id) => format!("/vorgaenge/{id}/angaben"),
        None => "/vorgaenge/neu".to_string(),
    };
    let html = render(
        "antrag_angaben.html",
        context! {
            layout => layout(u, "/start"),
            vorgang_id, action, f, fehler, vorlagen, bauherren, verfahren,
            massnahmen => optionen(codeliste::baumassnahmearten()),
            gebaeudeklassen => optionen(codeliste::gebaeudeklassen()),
            gemeinden => optionen(codeliste::gemeinden_hessen()),
        },
    )?;
    Ok((status, html).into_response())
}

async fn neu_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<VorlageQuery>,
) -> PageResult<Response> {
    if !darf_vorgang_anlegen(u.role()) {
        return Err(AppError::Forbidden);
    }
    let mut f = AngabenEingabe {
        verfahren: Verfahrensart::VereinfachtesVerfahren.slug().into(),
        ..Default::default()
    };
    st.verfahren
        .vorbelegen(u.akteur(), &mut f, 0, q.vorlage)
        .await?;
    angaben_seite(&st, &u, None, &f, &[], StatusCode::OK).await
}

async fn neu_anlegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<AngabenEingabe>,
) -> PageResult<Response> {
    match st.verfahren.anlegen(u.akteur(), &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/vorgaenge/{id}")).into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            angaben_seite(&st, &u, None, &f, &fehler, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn angaben_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<VorlageQuery>,
) -> PageResult<Response> {
    let a = st.verfahren.entwurf_zum_bearbeiten(u.akteur(), id).await?;
    let mut f = match &a.angaben {
        Some(g) => AngabenEingabe::aus(a.verfahren, &a.bezeichnung, g),
        None => AngabenEingabe {
            verfahren: a
                .verfahren
                .map(|v| v.slug().to_string())
                .unwrap_or_default(),
            bezeichnung: a.bezeichnung.clone(),
            ..Default::default()
        },
    };
    if f.verfahren.is_empty() {
        f.verfahren = Verfahrensart::VereinfachtesVerfahren.slug().into();
    }
    st.verfahren
        .vorbelegen(u.akteur(), &mut f, a.id, q.vorlage)
        .await?;
    angaben_seite(&st, &u, Some(a.id), &f, &[], StatusCode::OK).await
}

async fn angaben_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<AngabenEingabe>,
) -> PageResult<Response> {
    match st.verfahren.angaben_speichern(u.akteur(), id, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/vorgaenge/{id}")).into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            angaben_seite(
                &st,
                &u,
                Some(id),
                &f,
                &fehler,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
