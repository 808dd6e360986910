//! The JSON API under `/api/v1`, for machine clients (an architect's CAD or office software)
//! and for the pages' own scripts. Described by an OpenAPI 3.1 document generated from
//! this code, served at `/api/openapi.json`.

use crate::accounts;
use crate::auth::ApiCaller;
use crate::error::{ApiErrorBody, ApiResult};
use crate::{AppError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use plankammer_domain::Role;
use plankammer_storage::jobs::JobState;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/v1/me", get(me))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/users", get(list_users))
        .route("/api/v1/users/{id}", get(get_user))
        .route("/api/v1/jobs", get(list_jobs))
        .route("/api/v1/jobs/{id}", get(get_job))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Plankammer API", description = "Digitale Baugenehmigung: Programmierschnittstelle für Antragstellende, Bauaufsicht und Fachstellen.", license(name = "EUPL-1.2", identifier = "EUPL-1.2")),
    paths(me, list_tokens, create_token, revoke_token, list_users, get_user, list_jobs, get_job,
        crate::vorgaenge::create_case, crate::vorgaenge::get_case, crate::vorgaenge::list_documents, crate::vorgaenge::upload_multipart,
        crate::vorgaenge::upload_raw, crate::vorgaenge::upload_version_raw, crate::vorgaenge::get_version, crate::vorgaenge::download, crate::vorgaenge::retry, crate::vorgaenge::search, crate::vorgaenge::preview, crate::vorgaenge::thumbnail),
    components(schemas(ApiErrorBody, Me, TenantRef, TokenOut, NewToken, CreatedToken, UserOut, JobOut, JobAttemptOut,
        crate::vorgaenge::CaseOut, crate::vorgaenge::NewCase, crate::vorgaenge::DocumentOut, crate::vorgaenge::VersionOut,
        crate::vorgaenge::StageOut, crate::vorgaenge::MetaOut, crate::vorgaenge::FindingOut, crate::vorgaenge::PageOut, crate::vorgaenge::UploadedFile, crate::vorgaenge::SearchHit)),
    modifiers(&BearerAuth),
    security(("bearer" = []), ("session" = [])),
    tags((name = "vorgaenge", description = "Vorgänge und ihre Bauvorlagen"), (name = "konto", description = "Das eigene Konto und persönliche Zugangsschlüssel"), (name = "verwaltung", description = "Verwaltung der Behörde (Rolle Administration)"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pkt_…")
                    .description(Some(
                        "Persönlicher Zugangsschlüssel, erstellt unter „Mein Konto“.",
                    ))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(utoipa::openapi::security::ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Sitzung im Browser; zustandsändernde Anfragen brauchen zusätzlich den Kopf X-CSRF-Token.",
            ))),
        );
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

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
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "konto",
    responses((status = 200, body = Vec<TokenOut>), (status = 401, body = ApiErrorBody)))]
async fn list_tokens(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<TokenOut>>> {
    Ok(Json(
        st.db
            .tokens_of(caller.user_id(), caller.tenant_id())
            .await?
            .into_iter()
            .map(TokenOut::from)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for, e.g. "CAD-Export Büro".
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: TokenOut,
    /// The token itself. Shown only in this answer; store it safely.
    pub schluessel: String,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "konto", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "CSRF-Prüfung fehlgeschlagen (Sitzung ohne X-CSRF-Token)"), (status = 422, body = ApiErrorBody)))]
async fn create_token(
    State(st): State<AppState>,
    caller: ApiCaller,
    Json(body): Json<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let (token, secret) =
        accounts::create_token(&st, caller.user_id(), caller.tenant_id(), &body.name).await?;
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
    accounts::revoke_token(&st, caller.user_id(), caller.tenant_id(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub rolle: String,
    pub gesperrt: bool,
}

impl From<plankammer_storage::accounts::Member> for UserOut {
    fn from(m: plankammer_storage::accounts::Member) -> Self {
        UserOut {
            id: m.user.id,
            email: m.user.email,
            name: m.user.display_name,
            rolle: m.role.code().into(),
            gesperrt: m.user.disabled,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "verwaltung",
    responses((status = 200, body = Vec<UserOut>, description = "Die Mitglieder der eigenen Behörde"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn list_users(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<UserOut>>> {
    caller.require(Role::may_manage_users)?;
    Ok(Json(
        st.db
            .members_of_tenant(caller.tenant_id())
            .await?
            .into_iter()
            .map(UserOut::from)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "verwaltung", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Keine Person dieser Behörde")))]
async fn get_user(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserOut>> {
    caller.require(Role::may_manage_users)?;
    Ok(Json(st.db.member(id, caller.tenant_id()).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct JobAttemptOut {
    pub versuch: i64,
    pub worker: String,
    pub begonnen: i64,
    pub beendet: Option<i64>,
    /// `succeeded`, `error` or `lease_lost`.
    pub ergebnis: Option<String>,
    pub fehler: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobOut {
    pub id: i64,
    pub art: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub zustand: String,
    pub versuche: i64,
    pub max_versuche: i64,
    /// 0–100.
    pub fortschritt: i64,
    pub notiz: Option<String>,
    pub letzter_fehler: Option<String>,
    pub erstellt: i64,
    pub beendet: Option<i64>,
    /// Only when a single job is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verlauf: Option<Vec<JobAttemptOut>>,
}

impl From<plankammer_storage::jobs::Job> for JobOut {
    fn from(j: plankammer_storage::jobs::Job) -> Self {
        JobOut {
            id: j.id,
            art: j.kind,
            zustand: j.state.code().into(),
            versuche: j.attempts,
            max_versuche: j.max_attempts,
            fortschritt: j.progress,
            notiz: j.progress_note,
            letzter_fehler: j.last_error,
            erstellt: j.created_at,
            beendet: j.finished_at,
            verlauf: None,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct JobQuery {
    /// Only jobs in this state.
    zustand: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "verwaltung", params(JobQuery),
    responses((status = 200, body = Vec<JobOut>, description = "Die neuesten 200 Aufgaben der eigenen Behörde"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn list_jobs(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<JobQuery>,
) -> ApiResult<Json<Vec<JobOut>>> {
    caller.require(Role::may_manage_users)?;
    let state = match q.zustand.as_deref() {
        None => None,
        Some(s) => Some(JobState::from_code(s).ok_or_else(|| {
            AppError::Invalid(
                "Unbekannter Zustand; erlaubt: queued, running, succeeded, failed.".into(),
            )
        })?),
    };
    Ok(Json(
        st.db
            .jobs(Some(caller.tenant_id()), state, 200)
            .await?
            .into_iter()
            .map(JobOut::from)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "verwaltung", params(("id" = i64, Path)),
    responses((status = 200, body = JobOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn get_job(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobOut>> {
    caller.require(Role::may_manage_users)?;
    let job = st.db.job(id).await?;
    if job.tenant_id != Some(caller.tenant_id()) {
        return Err(AppError::NotFound.into());
    }
    let verlauf = st
        .db
        .job_attempts(id)
        .await?
        .into_iter()
        .map(|a| JobAttemptOut {
            versuch: a.attempt,
            worker: a.worker,
            begonnen: a.started_at,
            beendet: a.ended_at,
            ergebnis: a.outcome,
            fehler: a.error,
        })
        .collect();
    let mut out = JobOut::from(job);
    out.verlauf = Some(verlauf);
    Ok(Json(out))
}
