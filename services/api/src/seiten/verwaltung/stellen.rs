//! The tenant admin's page for the Stellen the Bauaufsicht asks in the Beteiligung: create
//! the tenant's own Stellen (Brandschutzdienststelle, Untere Naturschutzbehörde, the
//! Gemeinden for their Einvernehmen …), change them, and decide which Fachstelle accounts
//! work for which Stelle. Land-wide Stellen (e.g. the Landesamt für Denkmalpflege, shared by
//! every Bauaufsicht) are listed but managed by the operator (`plankammer stelle …`).
//!
//! Only the tenant's admin (others 403); another tenant's or a Land-wide Stelle is 404.
//! Steps of [`plankammer_verfahren::verwaltung`].

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_domain::codeliste;
use plankammer_verfahren::Fehler;
use plankammer_verfahren::verwaltung::{
    MAX_NAME, MAX_RECHTSBEREICH, StelleEingabe, StelleImUeberblick,
};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/verwaltung/stellen",
            get(stellen_seite).post(stelle_anlegen),
        )
        .route("/verwaltung/stellen/{sid}", post(stelle_aendern))
        .route(
            "/verwaltung/stellen/{sid}/mitglieder",
            post(mitglied_hinzufuegen),
        )
        .route(
            "/verwaltung/stellen/{sid}/mitglieder/{uid}/entfernen",
            post(mitglied_entfernen),
        )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Hinweis {
    ok: String,
}

fn hinweis_text(code: &str) -> Option<&'static str> {
    match code {
        "angelegt" => Some("Die Stelle ist angelegt."),
        "geaendert" => Some("Die Stelle ist gespeichert."),
        "hinzugefuegt" => Some("Das Mitglied ist hinzugefügt."),
        "entfernt" => Some("Das Mitglied ist entfernt."),
        _ => None,
    }
}

async fn stellen_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<Hinweis>,
) -> PageResult<Response> {
    seite(
        &st,
        &u,
        StelleEingabe::default(),
        Vec::new(),
        hinweis_text(&q.ok),
        StatusCode::OK,
    )
    .await
}

fn stelle_view(s: StelleImUeberblick) -> Value {
    json!({
        "id": s.stelle.id, "name": s.stelle.name, "rechtsbereich": s.stelle.rechtsbereich,
        "gemeinde_ags": s.stelle.gemeinde_ags, "gemeinde": s.gemeinde,
        "mitglieder": s.mitglieder,
        "anzahl_mitglieder": s.anzahl_mitglieder,
        "kandidaten": s.kandidaten,
    })
}

async fn seite(
    st: &AppState,
    u: &CurrentUser,
    eingabe: StelleEingabe,
    fehler: Vec<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let v = st.verfahren.stellenverwaltung(u.akteur()).await?;
    let konten_vorhanden = !v.konten.is_empty();
    let eigene: Vec<Value> = v.eigene.into_iter().map(stelle_view).collect();
    let land: Vec<Value> = v.land.into_iter().map(stelle_view).collect();
    let gemeinden: Vec<_> = codeliste::gemeinden_hessen()
        .eintraege
        .iter()
        .map(|e| json!({"code": e.code, "name": e.name}))
        .collect();
    let html = render(
        "verwaltung_stellen.html",
        context! {
            layout => layout(u, "/verwaltung/stellen"),
            eigene, land, konten_vorhanden, gemeinden,
            eingabe, fehler, hinweis,
            max_name => MAX_NAME, max_rechtsbereich => MAX_RECHTSBEREICH,
        },
    )?;
    Ok((status, html).into_response())
}

async fn stelle_anlegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<StelleEingabe>,
) -> PageResult<Response> {
    match st.verfahren.stelle_anlegen(u.akteur(), &f).await {
        Ok(_) => Ok(Redirect::to("/verwaltung/stellen?ok=angelegt").into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            seite(&st, &u, f, fehler, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn stelle_aendern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(sid): Path<i64>,
    Form(f): Form<StelleEingabe>,
) -> PageResult<Response> {
    match st.verfahren.stelle_aendern(u.akteur(), sid, &f).await {
        Ok(()) => Ok(Redirect::to("/verwaltung/stellen?ok=geaendert").into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            seite(
                &st,
                &u,
                StelleEingabe::default(),
                fehler,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MitgliedForm {
    user_id: String,
}

async fn mitglied_hinzufuegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(sid): Path<i64>,
    Form(f): Form<MitgliedForm>,
) -> PageResult<Response> {
    let Ok(uid) = f.user_id.trim().parse::<i64>() else {
        // Whose Stelle decides first (403/404), then the form.
        st.verfahren.stelle_des_admins(u.akteur(), sid).await?;
        return Err(AppError::Invalid(
            "Bitte wählen Sie ein Konto aus der Liste.".into(),
        ));
    };
    st.verfahren
        .mitglied_hinzufuegen(u.akteur(), sid, uid)
        .await?;
    Ok(Redirect::to("/verwaltung/stellen?ok=hinzugefuegt").into_response())
}

async fn mitglied_entfernen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((sid, uid)): Path<(i64, i64)>,
) -> PageResult<Response> {
    st.verfahren
        .mitglied_entfernen(u.akteur(), sid, uid)
        .await?;
    Ok(Redirect::to("/verwaltung/stellen?ok=entfernt").into_response())
}
