//! `/api/v1` for the case worker's side: the work list (Aufgaben), who handles a case, and
//! internal notes. Thin adapters over [`plankammer_verfahren::bearbeitung`], like the pages.

use super::eingabe::JsonEingabe;
use crate::error::{ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use plankammer_storage::heute_berlin;
use plankammer_verfahren::bearbeitung::horizont;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/aufgaben", get(aufgaben))
        .route(
            "/api/v1/cases/{id}/zustaendigkeit",
            get(zustaendigkeit).put(zustaendigkeit_setzen),
        )
        .route(
            "/api/v1/cases/{id}/notizen",
            get(notizen).post(notiz_anlegen),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        aufgaben,
        zustaendigkeit,
        zustaendigkeit_setzen,
        notizen,
        notiz_anlegen
    ),
    components(schemas(
        AufgabeOut,
        ZustaendigkeitOut,
        PersonOut,
        ZustaendigkeitIn,
        NotizOut,
        NotizIn,
        NotizAngelegt
    ))
)]
pub struct Doc;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AufgabenQuery {
    /// Deadlines ending within this many days (1–365, default 7).
    pub tage: Option<u32>,
    /// `true`: only the cases the caller handles or deputises.
    pub meine: Option<bool>,
}

/// One entry of the work list.
#[derive(Serialize, ToSchema)]
pub struct AufgabeOut {
    /// `neuer_antrag`, `nachreichung`, `ruecknahmefiktion_faellig`, `frist_endet`,
    /// `stellenfrist_endet`, `offene_rueckfrage`, `neue_stellungnahme`,
    /// `verspaetete_stellungnahme`, `verarbeitung_fehlgeschlagen`.
    pub art: String,
    pub titel: String,
    pub text: String,
    pub vorgang_id: i64,
    pub aktenzeichen: Option<String>,
    pub bezeichnung: String,
    pub bearbeiter: Option<String>,
    /// `YYYY-MM-DD`.
    pub frist: Option<String>,
    /// Unix milliseconds of the event.
    pub seit: Option<i64>,
    /// The page where it is done.
    pub pfad: String,
}

#[utoipa::path(get, path = "/api/v1/aufgaben", tag = "pruefung", params(AufgabenQuery),
    responses((status = 200, body = [AufgabeOut], description = "Was auf die Bauaufsicht wartet, das Dringendste zuerst"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn aufgaben(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<AufgabenQuery>,
) -> ApiResult<Json<Vec<AufgabeOut>>> {
    let tage = horizont(q.tage).map_err(AppError::Invalid)?;
    let liste = st
        .verfahren
        .aufgaben(caller.akteur(), heute_berlin(), tage, q.meine == Some(true))
        .await?;
    Ok(Json(
        liste
            .into_iter()
            .map(|a| AufgabeOut {
                art: a.art.slug().into(),
                titel: a.titel.into(),
                text: a.text,
                vorgang_id: a.vorgang_id,
                aktenzeichen: a.aktenzeichen,
                bezeichnung: a.bezeichnung,
                bearbeiter: a.bearbeiter,
                frist: a.frist.map(|d| d.to_string()),
                seit: a.seit,
                pfad: a.pfad,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ZustaendigkeitOut {
    pub bearbeiter: Option<PersonOut>,
    pub vertretung: Option<PersonOut>,
    /// Who the case can be given to: the tenant's active Bauaufsicht members.
    pub moegliche: Vec<PersonOut>,
}

fn person(p: plankammer_storage::bearbeitung::Person) -> PersonOut {
    PersonOut {
        id: p.id,
        name: p.name,
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/zustaendigkeit", tag = "pruefung", params(("id" = i64, Path)),
    responses((status = 200, body = ZustaendigkeitOut), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn zustaendigkeit(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<ZustaendigkeitOut>> {
    let (z, moegliche) = st.verfahren.zustaendigkeit(caller.akteur(), id).await?;
    Ok(Json(ZustaendigkeitOut {
        bearbeiter: z.bearbeiter.map(person),
        vertretung: z.vertretung.map(person),
        moegliche: moegliche.into_iter().map(person).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"bearbeiter_id": 3, "vertretung_id": 4}))]
pub struct ZustaendigkeitIn {
    pub bearbeiter_id: Option<i64>,
    pub vertretung_id: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/cases/{id}/zustaendigkeit", tag = "pruefung", params(("id" = i64, Path)), request_body = ZustaendigkeitIn,
    responses((status = 204, description = "Gespeichert; neu Benannte erhalten eine E-Mail"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody)))]
pub async fn zustaendigkeit_setzen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<ZustaendigkeitIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .zustaendigkeit_setzen(caller.akteur(), id, body.bearbeiter_id, body.vertretung_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct NotizOut {
    pub id: i64,
    pub text: String,
    pub von: String,
    /// Unix milliseconds.
    pub erstellt: i64,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/notizen", tag = "pruefung", params(("id" = i64, Path)),
    responses((status = 200, body = [NotizOut], description = "Interne Notizen, älteste zuerst; nur für die Bauaufsicht"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn notizen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<NotizOut>>> {
    Ok(Json(
        st.verfahren
            .notizen(caller.akteur(), id)
            .await?
            .into_iter()
            .map(|n| NotizOut {
                id: n.id,
                text: n.text,
                von: n.user_name,
                erstellt: n.created_at,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"text": "Rückruf Entwurfsverfasserin am Montag."}))]
pub struct NotizIn {
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct NotizAngelegt {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/notizen", tag = "pruefung", params(("id" = i64, Path)), request_body = NotizIn,
    responses((status = 201, body = NotizAngelegt), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn notiz_anlegen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<NotizIn>,
) -> ApiResult<(StatusCode, Json<NotizAngelegt>)> {
    let id = st
        .verfahren
        .notiz_anlegen(caller.akteur(), id, &body.text)
        .await?;
    Ok((StatusCode::CREATED, Json(NotizAngelegt { id })))
}
