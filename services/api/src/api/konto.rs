//! `/api/v1/me` and `/api/v1/tokens`: who is signed in, and their personal access tokens.

use super::eingabe::JsonEingabe;
use super::seite::Seitenabfrage;
use crate::AppState;
use crate::error::{ApiErrorBody, ApiResult};
use crate::seite;
use crate::sitzung::ApiCaller;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
}

#[derive(OpenApi)]
#[openapi(
    paths(me, list_tokens, create_token, revoke_token),
    components(schemas(Me, TenantRef, TokenOut, NewToken, CreatedToken))
)]
pub struct Doc;

#[derive(Serialize, ToSchema)]
pub struct TenantRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `antragsteller`, `bauaufsicht`, `fachstelle` or `admin`.
    pub rolle: String,
    pub behoerde: TenantRef,
    /// Whether this request was authenticated with a personal access token.
    pub per_schluessel: bool,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "konto",
    responses((status = 200, body = Me, description = "Wer angemeldet ist"), (status = 401, body = ApiErrorBody, description = "Nicht angemeldet")))]
async fn me(caller: ApiCaller) -> Json<Me> {
    let m = caller.member;
    Json(Me {
        id: m.user.id,
        email: m.user.email,
        name: m.user.display_name,
        rolle: m.role.code().into(),
        behoerde: TenantRef {
            id: m.tenant.id,
            slug: m.tenant.slug,
            name: m.tenant.name,
        },
        per_schluessel: caller.via_token.is_some(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub praefix: String,
    /// Unix milliseconds.
    pub erstellt: i64,
    pub zuletzt_genutzt: Option<i64>,
    pub widerrufen: Option<i64>,
    /// `lesen` or `schreiben`.
    pub rechte: String,
    /// Unix milliseconds after which the token no longer works.
    pub laeuft_ab: Option<i64>,
    /// The one case the token reaches; absent: every case the person sees.
    pub vorgang_id: Option<i64>,
}

impl From<plankammer_storage::tokens::ApiToken> for TokenOut {
    fn from(t: plankammer_storage::tokens::ApiToken) -> Self {
        TokenOut {
            id: t.id,
            name: t.name,
            praefix: t.prefix,
            erstellt: t.created_at,
            zuletzt_genutzt: t.last_used_at,
            widerrufen: t.revoked_at,
            rechte: t.rechte.code().to_string(),
            laeuft_ab: t.laeuft_ab_at,
            vorgang_id: t.vorgang_id,
        }
    }
}

seite!(
    TokenSeite,
    TokenOut,
    "A page of the person's access tokens."
);

#[utoipa::path(get, path = "/api/v1/tokens", tag = "konto", params(Seitenabfrage),
    responses((status = 200, body = TokenSeite), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn list_tokens(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<TokenSeite>> {
    let (seite, weiter) = q.blaettere(st.verfahren.schluessel(caller.akteur()).await?)?;
    Ok(Json(TokenSeite {
        eintraege: seite.into_iter().map(TokenOut::from).collect(),
        weiter,
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "name": "CAD-Export Büro", "rechte": "schreiben", "tage": 90, "vorgang_id": 17 }))]
pub struct NewToken {
    /// What the token is for, e.g. "CAD-Export Büro".
    pub name: String,
    /// `lesen` (only GET requests) or `schreiben` (default).
    #[serde(default)]
    pub rechte: Option<String>,
    /// Days until the token stops working: 1 to 365, default 90.
    #[serde(default)]
    pub tage: Option<u32>,
    /// Bind the token to one case the person sees: it then reaches that case, its
    /// documents, versions and requests, and `/api/v1/me`, nothing else.
    #[serde(default)]
    pub vorgang_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: TokenOut,
    /// The token itself. Shown only in this answer; store it safely.
    pub schluessel: String,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "konto", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "CSRF-Prüfung fehlgeschlagen (Sitzung ohne X-CSRF-Token), oder mit einem Zugangsschlüssel aufgerufen: Schlüssel erstellt nur die angemeldete Person"), (status = 422, body = ApiErrorBody)))]
async fn create_token(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonEingabe(body): JsonEingabe<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    caller.nur_in_sitzung()?;
    let tage = body.tage.map(|t| t.to_string()).unwrap_or_default();
    let vorgang = body.vorgang_id.map(|v| v.to_string()).unwrap_or_default();
    let neu = crate::seiten::konto::schluessel_angaben(
        &body.name,
        body.rechte.as_deref().unwrap_or(""),
        &tage,
        &vorgang,
    )?;
    let (token, secret) = st
        .verfahren
        .schluessel_erstellen(caller.akteur(), neu)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: token.into(),
            schluessel: secret,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "konto", params(("id" = i64, Path, description = "Token-Nummer")),
    responses((status = 204, description = "Widerrufen"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn revoke_token(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    // A token may revoke itself (a client cleaning up, or someone who found it), never the
    // person's other tokens.
    if caller.via_token != Some(id) {
        caller.nur_in_sitzung()?;
    }
    st.verfahren
        .schluessel_widerrufen(caller.akteur(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
