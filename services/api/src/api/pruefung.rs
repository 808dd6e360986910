//! `/api/v1` for the Bauaufsicht's formelle Prüfung: the inbox of submitted cases with its
//! filters and keyset paging, the declaration of completeness, the Nachforderung with its
//! Befunde and deadline; and the tenant's deadlines: the confirmation of the
//! Rücknahmefiktion and extensions.

use super::eingabe::JsonEingabe;
use super::seite::Seitenabfrage;
use super::vorgaenge::{CaseOut, FristOut, verfahren_angabe};
use crate::error::{ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState, seite};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use plankammer_domain::codeliste;
use plankammer_domain::vorgang::Zustand;
use plankammer_storage::antrag::EingangsFilter;
use plankammer_verfahren::pruefung::Befundangabe;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/eingang", get(eingang))
        .route("/api/v1/cases/{id}/vollstaendigkeit", post(vollstaendig))
        .route("/api/v1/cases/{id}/nachforderung", post(nachfordern))
        .route("/api/v1/fristen", get(fristen))
        .route("/api/v1/fristen/{id}/verlaengerung", post(verlaengern))
        .route(
            "/api/v1/fristen/{id}/ruecknahmefiktion",
            post(ruecknahmefiktion),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        eingang,
        vollstaendig,
        nachfordern,
        fristen,
        verlaengern,
        ruecknahmefiktion
    ),
    components(schemas(
        NachforderungIn,
        BefundIn,
        OffeneFristOut,
        OffeneFristSeite,
        VerlaengerungIn
    ))
)]
pub struct Doc;

/// The inbox's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EingangQuery {
    /// Only cases in this state (e.g. `eingegangen`, `nachforderung`).
    pub status: Option<String>,
    /// Only this procedure (`baugenehmigung`, `vereinfacht`, `freistellung`, `vorbescheid`).
    pub verfahren: Option<String>,
    /// Only cases of this Gemeinde (8-digit AGS).
    pub gemeinde: Option<String>,
    /// Only cases with an open deadline ending on or before this day (`YYYY-MM-DD`).
    pub frist_bis: Option<String>,
    /// `true`: only the cases the caller handles or deputises ("meine Vorgänge").
    pub meine: Option<bool>,
    /// Entries per page, 1–200 (default 50).
    pub limit: Option<i64>,
    /// The `weiter` of the previous page.
    pub nach: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/eingang", tag = "pruefung", params(EingangQuery),
    responses((status = 200, body = super::vorgaenge::VorgangSeite, description = "Eingereichte Vorgänge der Behörde, neueste zuerst"), (status = 401, body = ApiErrorBody),
        (status = 403, body = ApiErrorBody, description = "Nur Bauaufsicht und Verwaltung"), (status = 422, body = ApiErrorBody)))]
pub async fn eingang(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<EingangQuery>,
) -> ApiResult<Json<super::vorgaenge::VorgangSeite>> {
    let seite = Seitenabfrage {
        limit: q.limit,
        nach: q.nach.clone(),
    };
    let zustand = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match Zustand::from_slug(s) {
            Some(z) if z != Zustand::Entwurf => Some(z),
            _ => {
                return Err(
                    AppError::Invalid("Unbekannter oder unzulässiger Status.".into()).into(),
                );
            }
        },
    };
    let gemeinde_ags = match q
        .gemeinde
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(g) if codeliste::gemeinden_hessen().enthaelt(g) => Some(g.to_string()),
        Some(g) => {
            return Err(AppError::Invalid(format!(
                "„{g}“ ist kein Gemeindeschlüssel einer hessischen Gemeinde (8 Ziffern, z. B. 06412000)."
            ))
            .into());
        }
    };
    let frist_bis = match q
        .frist_bis
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(d) => Some(
            plankammer_domain::frist::parse_datum(d)
                .map_err(|e| AppError::Invalid(format!("frist_bis: {e}")))?,
        ),
    };
    let filter = EingangsFilter {
        zustand,
        verfahren: verfahren_angabe(q.verfahren.as_deref())?,
        gemeinde_ags,
        frist_bis,
        vor_id: seite.nach_id()?,
        bearbeitet_von: (q.meine == Some(true)).then_some(caller.akteur().user_id),
        limit: seite.limit() + 1,
    };
    let liste = st.verfahren.eingang(caller.akteur(), &filter).await?;
    let (eintraege, weiter) = seite.schneide(liste, |a| a.id);
    Ok(Json(super::vorgaenge::VorgangSeite {
        eintraege: eintraege.into_iter().map(CaseOut::from).collect(),
        weiter,
    }))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/vollstaendigkeit", tag = "pruefung", params(("id" = i64, Path)),
    responses((status = 204, description = "Vollständig (Status 18); die Entscheidungsfrist läuft"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Der Zustand des Vorgangs erlaubt es nicht")))]
pub async fn vollstaendig(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .vollstaendig_erklaeren(caller.akteur(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One Befund of a Nachforderung.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"code": "02", "text": "Der Brandschutznachweis fehlt.", "dokument_id": 12}))]
pub struct BefundIn {
    /// `formellebefundeart_2.0` code, e.g. `02`.
    pub code: String,
    /// What is missing or to be changed.
    pub text: String,
    /// The document it concerns.
    pub dokument_id: Option<i64>,
}

/// A Nachforderung.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "befunde": [{"code": "02", "text": "Der Brandschutznachweis fehlt.", "dokument_id": null}],
    "frist_ende": "2026-04-30"
}))]
pub struct NachforderungIn {
    pub befunde: Vec<BefundIn>,
    /// The last day (`YYYY-MM-DD`): the engine's proposal, or a Werktag set by the case
    /// worker (recorded as behördlich gesetzt).
    pub frist_ende: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/nachforderung", tag = "pruefung", params(("id" = i64, Path)), request_body = NachforderungIn,
    responses((status = 204, description = "Nachgefordert (Status 17); die Antragstellenden erhalten eine E-Mail"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody, description = "Jeder Fehler der Eingabe als deutscher Satz")))]
pub async fn nachfordern(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<NachforderungIn>,
) -> ApiResult<StatusCode> {
    let befunde: Vec<Befundangabe> = body
        .befunde
        .into_iter()
        .map(|b| Befundangabe {
            code: b.code,
            text: b.text,
            dokument_id: b.dokument_id,
        })
        .collect();
    st.verfahren
        .nachfordern(caller.akteur(), id, &befunde, &body.frist_ende)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An open deadline of the tenant with its case.
#[derive(Serialize, ToSchema)]
pub struct OffeneFristOut {
    #[serde(flatten)]
    pub frist: FristOut,
    pub aktenzeichen: Option<String>,
    pub bezeichnung: String,
    /// How often the case's decision deadline was extended already (at most once).
    pub verlaengerungen: i64,
}

seite!(
    OffeneFristSeite,
    OffeneFristOut,
    "A page of the tenant's open deadlines, earliest end first."
);

#[utoipa::path(get, path = "/api/v1/fristen", tag = "pruefung", params(Seitenabfrage),
    responses((status = 200, body = OffeneFristSeite), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "Nur die Bauaufsicht")))]
pub async fn fristen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<OffeneFristSeite>> {
    let alle: Vec<OffeneFristOut> = st
        .verfahren
        .offene_fristen(caller.akteur())
        .await?
        .into_iter()
        .map(|o| OffeneFristOut {
            frist: o.frist.into(),
            aktenzeichen: o.aktenzeichen.map(String::from),
            bezeichnung: o.bezeichnung,
            verlaengerungen: o.verlaengerungen,
        })
        .collect();
    let (eintraege, weiter) = q.blaettere(alle)?;
    Ok(Json(OffeneFristSeite { eintraege, weiter }))
}

/// An extension of a deadline.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "neues_ende": "2026-05-15", "grund": "Statiker erkrankt" }))]
pub struct VerlaengerungIn {
    /// The new last day, `YYYY-MM-DD`, a Werktag.
    pub neues_ende: String,
    pub grund: String,
}

#[utoipa::path(post, path = "/api/v1/fristen/{id}/verlaengerung", tag = "pruefung", params(("id" = i64, Path)), request_body = VerlaengerungIn,
    responses((status = 204, description = "Verlängert; die Antragstellenden erhalten eine E-Mail"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn verlaengern(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<VerlaengerungIn>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .frist_verlaengern(caller.akteur(), id, &body.neues_ende, &body.grund)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/fristen/{id}/ruecknahmefiktion", tag = "pruefung", params(("id" = i64, Path)),
    responses((status = 204, description = "Festgestellt: der Antrag gilt als zurückgenommen (Status 12)"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody, description = "Schon entschieden, oder keine fällige Nachforderungsfrist")))]
pub async fn ruecknahmefiktion(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .ruecknahmefiktion_feststellen(caller.akteur(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
