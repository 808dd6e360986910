//! `/api/v1/users` and `/api/v1/jobs`: the tenant's accounts and background jobs, for its
//! administration.

use crate::error::{ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use plankammer_domain::Role;
use plankammer_storage::jobs::JobState;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list_users))
        .route("/api/v1/users/{id}", get(get_user))
        .route("/api/v1/jobs", get(list_jobs))
        .route("/api/v1/jobs/{id}", get(get_job))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_users, get_user, list_jobs, get_job),
    components(schemas(UserOut, JobOut, JobAttemptOut))
)]
pub struct Doc;

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
    plankammer_verfahren::zugriff::nur(caller.akteur(), &[Role::Admin])?;
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
    plankammer_verfahren::zugriff::nur(caller.akteur(), &[Role::Admin])?;
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
    plankammer_verfahren::zugriff::nur(caller.akteur(), &[Role::Admin])?;
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
    plankammer_verfahren::zugriff::nur(caller.akteur(), &[Role::Admin])?;
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
