//! `/api/v1/versions/{id}/kommentare`: comments anchored on the pages of a plan — a point or
//! a rectangle in coordinates normalised to the page (0..1 from the top left) — and replies
//! to them. A Stelle reads and writes them through its request (the newest of its requests
//! that shows the version), the Bauaufsicht on the plans of its tenant's cases; who sees
//! which comment is the domain's rule, as on the plan viewer page.

use super::eingabe::JsonEingabe;
use super::seite::Seitenabfrage;
use crate::error::{ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState, seite};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use plankammer_storage::beteiligung::Kommentar;
use plankammer_verfahren::plan::KommentarEingabe;
use plankammer_verfahren::zugriff::Planweg;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/versions/{id}/kommentare",
        get(kommentare).post(kommentieren),
    )
}

#[derive(OpenApi)]
#[openapi(
    paths(kommentare, kommentieren),
    components(schemas(KommentarOut, KommentarSeite, KommentarIn)),
    tags((name = "kommentare", description = "Kommentare auf Planseiten, mit Antworten"))
)]
pub struct Doc;

/// A comment on a plan page, or a reply in its thread.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": 31, "version_id": 17, "seite": 2, "x": 0.25, "y": 0.75, "breite": null, "hoehe": null,
    "text": "Rettungsweg zu schmal", "antwort_auf": null, "von": "Frida Fachstelle",
    "stelle_id": 3, "stelle": "Brandschutzdienststelle", "erstellt": 1780000000000_i64
}))]
pub struct KommentarOut {
    pub id: i64,
    pub version_id: i64,
    /// The page, from 1.
    pub seite: i64,
    /// From the left edge of the page, 0..1.
    pub x: f64,
    /// From the top edge of the page, 0..1.
    pub y: f64,
    /// A rectangle's width and height (0..1); `null` for a point.
    pub breite: Option<f64>,
    pub hoehe: Option<f64>,
    pub text: String,
    /// The first comment of the thread this one answers.
    pub antwort_auf: Option<i64>,
    /// The person who wrote it.
    pub von: String,
    /// The Stelle it was written for; `null`: the Bauaufsicht.
    pub stelle_id: Option<i64>,
    pub stelle: Option<String>,
    /// Unix milliseconds.
    pub erstellt: i64,
}

fn kommentar_out(c: Kommentar, stellen: &HashMap<i64, String>) -> KommentarOut {
    KommentarOut {
        stelle: c.stelle_id.and_then(|s| stellen.get(&s).cloned()),
        id: c.id,
        version_id: c.version_id,
        seite: c.seite,
        x: c.x,
        y: c.y,
        breite: c.w,
        hoehe: c.h,
        text: c.text,
        antwort_auf: c.antwort_auf,
        von: c.user_name,
        stelle_id: c.stelle_id,
        erstellt: c.created_at,
    }
}

/// The names of the Stellen the comments were written for.
async fn stellen_der(st: &AppState, liste: &[Kommentar]) -> Result<HashMap<i64, String>, AppError> {
    let mut stellen: HashMap<i64, String> = HashMap::new();
    for sid in liste.iter().filter_map(|c| c.stelle_id) {
        if let Entry::Vacant(e) = stellen.entry(sid) {
            e.insert(st.db.stelle(sid).await?.name);
        }
    }
    Ok(stellen)
}

seite!(
    KommentarSeite,
    KommentarOut,
    "A page of the comments on a plan the reader sees, oldest first (replies after the comment they answer)."
);

#[utoipa::path(get, path = "/api/v1/versions/{id}/kommentare", tag = "kommentare", params(("id" = i64, Path, description = "Version des Plans"), Seitenabfrage),
    responses((status = 200, body = KommentarSeite, description = "Die Kommentare, die die Person sehen darf: die Bauaufsicht alle, eine Stelle ihre eigenen und die anderer Stellen nur, wenn die Bauaufsicht es erlaubt hat"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Kein Plan, den die Person über eine Anfrage oder ihre Behörde sieht"), (status = 422, body = ApiErrorBody)))]
pub async fn kommentare(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(vid): Path<i64>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<KommentarSeite>> {
    let liste = st
        .verfahren
        .kommentare(caller.akteur(), Planweg::Version, vid)
        .await?;
    let stellen = stellen_der(&st, &liste).await?;
    let alle: Vec<KommentarOut> = liste
        .into_iter()
        .map(|c| kommentar_out(c, &stellen))
        .collect();
    let (eintraege, weiter) = q.blaettere(alle)?;
    Ok(Json(KommentarSeite { eintraege, weiter }))
}

/// A new comment, or a reply (then the position is the thread's and may be left out).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "seite": 1, "x": 0.1, "y": 0.2, "breite": 0.3, "hoehe": 0.1, "text": "Brandwand fehlt" }))]
pub struct KommentarIn {
    /// The page, from 1.
    pub seite: Option<i64>,
    pub x: Option<f64>,
    pub y: Option<f64>,
    /// For a rectangle: width and height (both), 0..1.
    pub breite: Option<f64>,
    pub hoehe: Option<f64>,
    pub text: String,
    /// The comment this one answers (one the reader sees).
    pub antwort_auf: Option<i64>,
}

impl KommentarIn {
    fn eingabe(&self) -> KommentarEingabe {
        let zahl = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
        KommentarEingabe {
            seite: self.seite.map(|s| s.to_string()).unwrap_or_default(),
            x: zahl(self.x),
            y: zahl(self.y),
            w: zahl(self.breite),
            h: zahl(self.hoehe),
            text: self.text.clone(),
            antwort_auf: self.antwort_auf,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/versions/{id}/kommentare", tag = "kommentare", params(("id" = i64, Path, description = "Version des Plans")), request_body = KommentarIn,
    responses((status = 201, body = KommentarOut), (status = 401, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Kein Plan, den die Person sieht, oder ein Kommentar, auf den sie nicht antworten kann"),
        (status = 409, body = ApiErrorBody, description = "Die Anfrage der Stelle ist zurückgezogen"),
        (status = 422, body = ApiErrorBody, description = "Text oder Position fehlen oder liegen außerhalb der Seite")))]
pub async fn kommentieren(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(vid): Path<i64>,
    JsonEingabe(body): JsonEingabe<KommentarIn>,
) -> ApiResult<(StatusCode, Json<KommentarOut>)> {
    let (id, _) = st
        .verfahren
        .kommentieren(caller.akteur(), Planweg::Version, vid, &body.eingabe())
        .await?;
    let liste = st
        .verfahren
        .kommentare(caller.akteur(), Planweg::Version, vid)
        .await?;
    let stellen = stellen_der(&st, &liste).await?;
    let neu = liste
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(kommentar_out(neu, &stellen))))
}
