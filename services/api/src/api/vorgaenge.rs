//! `/api/v1/cases`: open a case, read it, search its documents.

use crate::error::{ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use plankammer_storage::antrag::Antrag;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", post(create_case))
        .route("/api/v1/cases/{id}", get(get_case))
        .route("/api/v1/cases/{id}/search", get(search))
}

#[derive(OpenApi)]
#[openapi(
    paths(create_case, get_case, search),
    components(schemas(CaseOut, NewCase, SearchHit))
)]
pub struct Doc;

#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    pub id: i64,
    pub bezeichnung: String,
    /// Unix milliseconds.
    pub erstellt: i64,
}

impl From<Antrag> for CaseOut {
    fn from(v: Antrag) -> Self {
        CaseOut {
            id: v.id,
            bezeichnung: v.bezeichnung,
            erstellt: v.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewCase {
    /// What is to be built, e.g. "Neubau Einfamilienhaus mit Garage".
    pub bezeichnung: String,
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "vorgaenge", request_body = NewCase,
    responses((status = 201, body = CaseOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_case(
    State(st): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<NewCase>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let id = st
        .verfahren
        .neuer_entwurf(caller.akteur(), &body.bezeichnung)
        .await?;
    Ok((StatusCode::CREATED, Json(st.db.antrag(id).await?.into())))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "vorgaenge", params(("id" = i64, Path)),
    responses((status = 200, body = CaseOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_case(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseOut>> {
    Ok(Json(
        st.verfahren.vorgang(caller.akteur(), id).await?.into(),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Words to find (all of them), e.g. `Brandwand Garage`.
    q: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    pub version_id: i64,
    pub seite: i64,
    /// The passage, hits marked with « ».
    pub auszug: String,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/search", tag = "vorgaenge", params(("id" = i64, Path), SearchQuery),
    responses((status = 200, body = Vec<SearchHit>, description = "Seiten der Bauvorlagen, die alle Wörter enthalten, beste zuerst (höchstens 50)"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn search(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<SearchHit>>> {
    let v = st.verfahren.vorgang(caller.akteur(), id).await?;
    if q.q.chars().count() > 200 {
        return Err(
            AppError::Invalid("Die Suche ist zu lang (höchstens 200 Zeichen).".into()).into(),
        );
    }
    let hits = st.db.suche(v.id, &q.q).await?;
    // The search covers the Bauvorlagen; a Stelle's attachments are not among them.
    let anlagen = st.db.anlagen_versionen_des_vorgangs(v.id).await?;
    Ok(Json(
        hits.into_iter()
            .filter(|t| !anlagen.contains(&t.version_id))
            .map(|t| SearchHit {
                version_id: t.version_id,
                seite: t.seite,
                auszug: t.auszug,
            })
            .collect(),
    ))
}
