//! `/api/v1` for the tenant's administration: its accounts and background jobs, the
//! Stellen of the Beteiligung and their members, the document checklists per procedure, the
//! Aktenzeichen format and the Bescheid template. Only the tenant's admin; the same steps as
//! the pages ([`plankammer_verfahren::verwaltung`], [`plankammer_verfahren::bescheid`]).
//!
//! The administration manages Stellen under `/api/v1/verwaltung/stellen`; `/api/v1/stellen`
//! is the Bauaufsicht's list of whom it may ask in the Beteiligung.

use super::eingabe::JsonEingabe;
use super::seite::Seitenabfrage;
use crate::error::{ApiErrorBody, ApiResult};
use crate::sitzung::ApiCaller;
use crate::{AppError, AppState, seite};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use plankammer_domain::Role;
use plankammer_domain::verfahren::{Anforderung, Checkliste, Verfahrensart};
use plankammer_storage::jobs::JobState;
use plankammer_storage::verwaltung::ChecklistenVersion;
use plankammer_verfahren::bescheid::Vorlage;
use plankammer_verfahren::verwaltung::Kontoaenderung;
use plankammer_verfahren::verwaltung::{
    ChecklistenEingabe, GeltendeCheckliste, StelleEingabe, StelleImUeberblick, ZeileEingabe,
    art_und_text,
};
use plankammer_verfahren::zugang::NeueEinladung;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list_users).post(create_user))
        .route(
            "/api/v1/verwaltung/stellen",
            get(list_stellen).post(create_stelle),
        )
        .route("/api/v1/verwaltung/stellen/{id}", put(update_stelle))
        .route(
            "/api/v1/verwaltung/stellen/{id}/mitglieder/{user_id}",
            put(add_mitglied).delete(remove_mitglied),
        )
        .route("/api/v1/checklisten", get(list_checklisten))
        .route(
            "/api/v1/checklisten/{verfahren}",
            get(get_checkliste).put(put_checkliste),
        )
        .route(
            "/api/v1/checklisten/{verfahren}/versionen",
            get(checklisten_versionen),
        )
        .route(
            "/api/v1/checklisten/{verfahren}/standard",
            post(reset_checkliste),
        )
        .route(
            "/api/v1/aktenzeichen",
            get(get_aktenzeichen).put(put_aktenzeichen),
        )
        .route("/api/v1/bescheidvorlage", get(get_vorlage).put(put_vorlage))
        .route("/api/v1/users/{id}", get(get_user).put(update_user))
        .route("/api/v1/users/{id}/passwort-link", post(send_reset_link))
        .route("/api/v1/users/{id}/abmeldung", post(end_user_sessions))
        .route("/api/v1/invitations", get(list_invitations))
        .route(
            "/api/v1/invitations/{id}",
            axum::routing::delete(withdraw_invitation),
        )
        .route("/api/v1/jobs", get(list_jobs))
        .route("/api/v1/jobs/{id}", get(get_job))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_users,
        get_user,
        update_user,
        send_reset_link,
        end_user_sessions,
        create_user,
        list_invitations,
        withdraw_invitation,
        list_jobs,
        get_job,
        list_stellen,
        create_stelle,
        update_stelle,
        add_mitglied,
        remove_mitglied,
        list_checklisten,
        get_checkliste,
        put_checkliste,
        reset_checkliste,
        checklisten_versionen,
        get_aktenzeichen,
        put_aktenzeichen,
        get_vorlage,
        put_vorlage
    ),
    components(schemas(
        UserOut,
        NewUserIn,
        UserUpdateIn,
        EinladungOut,
        EinladungSeite,
        JobOut,
        JobAttemptOut,
        VerwaltungStelleOut,
        VerwaltungStelleSeite,
        VerwaltungStelleIn,
        StellenmitgliedOut,
        ChecklistenstandOut,
        ChecklistenstandSeite,
        VerwaltungChecklisteOut,
        ChecklistenzeileOut,
        ChecklisteIn,
        ChecklistenzeileIn,
        ChecklistenversionOut,
        ChecklistenversionSeite,
        AktenzeichenOut,
        AktenzeichenVorschauOut,
        AktenzeichenIn,
        BescheidvorlageOut,
        BescheidvorlageIn
    ))
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
            gesperrt: m.user.disabled || m.gesperrt,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "verwaltung",
    params(Seitenabfrage),
    responses((status = 200, body = UserSeite, description = "Die Mitglieder der eigenen Behörde"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn list_users(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<UserSeite>> {
    plankammer_verfahren::zugriff::nur(caller.akteur(), &[Role::Admin])?;
    let alle = st.db.members_of_tenant(caller.tenant_id()).await?;
    let (seite, weiter) = q.blaettere(alle)?;
    Ok(Json(UserSeite {
        eintraege: seite.into_iter().map(UserOut::from).collect(),
        weiter,
    }))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "verwaltung", params(("id" = i64, Path)),
    responses((status = 200, body = UserOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Keine Person dieser Behörde")))]
async fn get_user(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserOut>> {
    plankammer_verfahren::zugriff::nur(caller.akteur(), &[Role::Admin])?;
    Ok(Json(
        st.db
            .mitglied_der_behoerde(id, caller.tenant_id())
            .await?
            .into(),
    ))
}

/// A change of a person of the own authority; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({ "rolle": "bauaufsicht", "gesperrt": false }))]
pub struct UserUpdateIn {
    /// `antragsteller`, `bauaufsicht`, `fachstelle` or `admin`.
    #[serde(default)]
    pub rolle: Option<String>,
    /// `true` deactivates the person in this authority (sessions and tokens end at once),
    /// `false` reactivates.
    #[serde(default)]
    pub gesperrt: Option<bool>,
}

#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "verwaltung", params(("id" = i64, Path)), request_body = UserUpdateIn,
    responses((status = 200, body = UserOut, description = "Geändert (auditiert)"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Keine Person dieser Behörde"),
        (status = 409, body = ApiErrorBody, description = "Das eigene Konto"), (status = 422, body = ApiErrorBody)))]
async fn update_user(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<UserUpdateIn>,
) -> ApiResult<Json<UserOut>> {
    plankammer_verfahren::zugriff::nur_admin(caller.akteur())?;
    let rolle = match body.rolle.as_deref().map(str::trim) {
        None => None,
        Some(r) => Some(Role::from_code(r).ok_or_else(|| {
            AppError::Invalid(
                "Bitte wählen Sie eine Rolle: antragsteller, bauaufsicht, fachstelle oder admin."
                    .into(),
            )
        })?),
    };
    if let Some(r) = rolle {
        st.verfahren
            .konto_aendern(caller.akteur(), id, Kontoaenderung::Rolle(r))
            .await?;
    }
    if let Some(g) = body.gesperrt {
        let a = if g {
            Kontoaenderung::Sperren
        } else {
            Kontoaenderung::Entsperren
        };
        st.verfahren.konto_aendern(caller.akteur(), id, a).await?;
    }
    Ok(Json(
        st.db
            .mitglied_der_behoerde(id, caller.tenant_id())
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/passwort-link", tag = "verwaltung", params(("id" = i64, Path)),
    responses((status = 202, description = "Die Person erhält eine E-Mail mit einem Link, der eine Stunde gilt"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Das eigene oder ein gesperrtes Konto"), (status = 429, body = ApiErrorBody, description = "Heute schon drei Links")))]
async fn send_reset_link(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .konto_aendern(caller.akteur(), id, Kontoaenderung::PasswortLink)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(post, path = "/api/v1/users/{id}/abmeldung", tag = "verwaltung", params(("id" = i64, Path)),
    responses((status = 204, description = "Alle Sitzungen der Person in der Behörde beendet, ihre Zugangsschlüssel widerrufen"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn end_user_sessions(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .konto_aendern(caller.akteur(), id, Kontoaenderung::SitzungenBeenden)
        .await?;
    Ok(StatusCode::NO_CONTENT)
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
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// Only jobs in this state.
    zustand: Option<String>,
    /// Entries per page, 1–200 (default 50).
    limit: Option<i64>,
    /// The `weiter` of the previous page.
    nach: Option<String>,
}

seite!(JobSeite, JobOut, "A page of jobs, newest first.");
seite!(
    UserSeite,
    UserOut,
    "A page of the tenant's people, by name."
);

#[utoipa::path(get, path = "/api/v1/jobs", tag = "verwaltung", params(JobQuery),
    responses((status = 200, body = JobSeite, description = "Die Aufgaben der eigenen Behörde, neueste zuerst"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn list_jobs(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<JobQuery>,
) -> ApiResult<Json<JobSeite>> {
    plankammer_verfahren::zugriff::nur(caller.akteur(), &[Role::Admin])?;
    let state = match q.zustand.as_deref() {
        None => None,
        Some(s) => Some(JobState::from_code(s).ok_or_else(|| {
            AppError::Invalid(
                "Unbekannter Zustand; erlaubt: queued, running, succeeded, failed.".into(),
            )
        })?),
    };
    let seite = Seitenabfrage {
        limit: q.limit,
        nach: q.nach,
    };
    let jobs = st
        .db
        .jobs_vor(
            Some(caller.tenant_id()),
            state,
            seite.nach_id()?,
            seite.limit() + 1,
        )
        .await?;
    let (jobs, weiter) = seite.schneide(jobs, |j| j.id);
    Ok(Json(JobSeite {
        eintraege: jobs.into_iter().map(JobOut::from).collect(),
        weiter,
    }))
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

// --- Accounts -----------------------------------------------------------------------------

/// An invitation to the tenant: the person gets a mail with a link (valid 14 days) and
/// accepts with a new account or the one they have. The answer is the same either way, so
/// it says nothing about accounts of other authorities.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "email": "bea@kassel.example", "name": "Bea Bauaufsicht", "rolle": "bauaufsicht"
}))]
pub struct NewUserIn {
    pub email: String,
    pub name: String,
    /// `antragsteller`, `bauaufsicht`, `fachstelle` or `admin`.
    pub rolle: String,
}

/// An open invitation to the tenant (with the name the admin typed).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "email": "bea@kassel.example", "name": "Bea Bauaufsicht", "rolle": "bauaufsicht",
    "erstellt": 1796380800000_i64, "gueltig_bis": 1797590400000_i64
}))]
pub struct EinladungOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub rolle: String,
    /// Milliseconds since the epoch.
    pub erstellt: i64,
    /// Milliseconds since the epoch; the link does not work after it.
    pub gueltig_bis: i64,
}

impl From<plankammer_storage::zugang::Zugangseinladung> for EinladungOut {
    fn from(e: plankammer_storage::zugang::Zugangseinladung) -> Self {
        EinladungOut {
            id: e.id,
            email: e.email,
            name: e.name,
            rolle: e.role.code().into(),
            erstellt: e.created_at,
            gueltig_bis: e.laeuft_ab_at,
        }
    }
}

seite!(
    EinladungSeite,
    EinladungOut,
    "A page of the tenant's open invitations, newest first."
);

#[utoipa::path(post, path = "/api/v1/users", tag = "verwaltung", request_body = NewUserIn,
    responses((status = 202, body = EinladungOut, description = "Eingeladen; die Person erhält eine E-Mail und erscheint unter /api/v1/users, sobald sie angenommen hat"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Die Person gehört bereits zur Behörde, oder eine Einladung an die Adresse ist offen"), (status = 422, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody, description = "Die Behörde hat heute schon 50 Einladungen versandt")))]
async fn create_user(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonEingabe(body): JsonEingabe<NewUserIn>,
) -> ApiResult<(StatusCode, Json<EinladungOut>)> {
    plankammer_verfahren::zugriff::nur_admin(caller.akteur())?;
    let rolle = Role::from_code(body.rolle.trim()).ok_or_else(|| {
        AppError::Invalid(
            "Bitte wählen Sie eine Rolle: antragsteller, bauaufsicht, fachstelle oder admin."
                .into(),
        )
    })?;
    let neu = NeueEinladung {
        email: &body.email,
        name: &body.name,
        rolle,
    };
    let id = st.verfahren.zugang_einladen(caller.akteur(), &neu).await?;
    let e = st
        .verfahren
        .offene_zugaenge(caller.akteur())
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::ACCEPTED, Json(e.into())))
}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "verwaltung", params(Seitenabfrage),
    responses((status = 200, body = EinladungSeite, description = "Die offenen Einladungen der eigenen Behörde"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn list_invitations(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<EinladungSeite>> {
    let alle = st.verfahren.offene_zugaenge(caller.akteur()).await?;
    let (seite, weiter) = q.blaettere(alle)?;
    Ok(Json(EinladungSeite {
        eintraege: seite.into_iter().map(EinladungOut::from).collect(),
        weiter,
    }))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "verwaltung", params(("id" = i64, Path, description = "Einladungsnummer")),
    responses((status = 204, description = "Zurückgezogen; der Link gilt nicht mehr"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Keine offene Einladung der eigenen Behörde")))]
async fn withdraw_invitation(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .zugang_zurueckziehen(caller.akteur(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- Stellen ------------------------------------------------------------------------------

/// A member of a Stelle.
#[derive(Serialize, ToSchema)]
pub struct StellenmitgliedOut {
    pub user_id: i64,
    pub name: String,
    pub email: String,
}

/// A Stelle the tenant's Bauaufsicht may ask in the Beteiligung.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": 4, "name": "Gemeinde Kassel (Einvernehmen)", "rechtsbereich": "Planungsrecht",
    "gemeinde_ags": "06611000", "gemeinde": "Kassel, documenta-Stadt", "landesweit": false,
    "mitglieder": [{"user_id": 12, "name": "Greta Gemeinde", "email": "greta@kassel.example"}],
    "anzahl_mitglieder": 1
}))]
pub struct VerwaltungStelleOut {
    pub id: i64,
    pub name: String,
    pub rechtsbereich: String,
    /// The Gemeinde this Stelle is (for its Einvernehmen), as AGS.
    pub gemeinde_ags: Option<String>,
    pub gemeinde: Option<String>,
    /// Every Bauaufsicht may ask it; the operator manages it, not the tenant's admin.
    pub landesweit: bool,
    /// The members the admin may see: all of an own Stelle; of a Land-wide one only the
    /// tenant's own accounts.
    pub mitglieder: Vec<StellenmitgliedOut>,
    /// All members, also those of other tenants.
    pub anzahl_mitglieder: usize,
}

seite!(
    VerwaltungStelleSeite,
    VerwaltungStelleOut,
    "A page of the Stellen the tenant may ask: its own first, then the Land-wide ones."
);

impl From<StelleImUeberblick> for VerwaltungStelleOut {
    fn from(s: StelleImUeberblick) -> Self {
        VerwaltungStelleOut {
            id: s.stelle.id,
            name: s.stelle.name,
            rechtsbereich: s.stelle.rechtsbereich,
            gemeinde_ags: s.stelle.gemeinde_ags,
            gemeinde: s.gemeinde,
            landesweit: s.stelle.tenant_id.is_none(),
            mitglieder: s
                .mitglieder
                .into_iter()
                .map(|m| StellenmitgliedOut {
                    user_id: m.user_id,
                    name: m.display_name,
                    email: m.email,
                })
                .collect(),
            anzahl_mitglieder: s.anzahl_mitglieder,
        }
    }
}

/// Every Stelle the admin sees: the tenant's own, then the Land-wide ones.
async fn stellen(st: &AppState, caller: &ApiCaller) -> Result<Vec<VerwaltungStelleOut>, AppError> {
    let v = st.verfahren.stellenverwaltung(caller.akteur()).await?;
    Ok(v.eigene
        .into_iter()
        .chain(v.land)
        .map(VerwaltungStelleOut::from)
        .collect())
}

async fn eine_stelle(
    st: &AppState,
    caller: &ApiCaller,
    id: i64,
) -> Result<VerwaltungStelleOut, AppError> {
    stellen(st, caller)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)
}

/// One of the tenant's own Stellen as entered.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "Gemeinde Kassel (Einvernehmen)", "rechtsbereich": "Planungsrecht", "gemeinde": "06611000"}))]
pub struct VerwaltungStelleIn {
    pub name: String,
    #[serde(default)]
    pub rechtsbereich: String,
    /// The AGS of the Gemeinde this Stelle is (8 digits, a Gemeinde in Hessen); empty: none.
    #[serde(default)]
    pub gemeinde: String,
}

impl VerwaltungStelleIn {
    fn eingabe(self) -> StelleEingabe {
        StelleEingabe {
            name: self.name,
            rechtsbereich: self.rechtsbereich,
            gemeinde: self.gemeinde,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/verwaltung/stellen", tag = "verwaltung", params(Seitenabfrage),
    responses((status = 200, body = VerwaltungStelleSeite), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody, description = "Nur die Verwaltung der Behörde"), (status = 422, body = ApiErrorBody)))]
async fn list_stellen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<VerwaltungStelleSeite>> {
    let (eintraege, weiter) = q.blaettere(stellen(&st, &caller).await?)?;
    Ok(Json(VerwaltungStelleSeite { eintraege, weiter }))
}

#[utoipa::path(post, path = "/api/v1/verwaltung/stellen", tag = "verwaltung", request_body = VerwaltungStelleIn,
    responses((status = 201, body = VerwaltungStelleOut, description = "Eine eigene Stelle der Behörde ist angelegt"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody, description = "Jeder Fehler der Eingabe als deutscher Satz")))]
async fn create_stelle(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonEingabe(body): JsonEingabe<VerwaltungStelleIn>,
) -> ApiResult<(StatusCode, Json<VerwaltungStelleOut>)> {
    let id = st
        .verfahren
        .stelle_anlegen(caller.akteur(), &body.eingabe())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(eine_stelle(&st, &caller, id).await?),
    ))
}

#[utoipa::path(put, path = "/api/v1/verwaltung/stellen/{id}", tag = "verwaltung", params(("id" = i64, Path)), request_body = VerwaltungStelleIn,
    responses((status = 200, body = VerwaltungStelleOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Keine eigene Stelle der Behörde (landesweite verwaltet der Betrieb)"), (status = 422, body = ApiErrorBody)))]
async fn update_stelle(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonEingabe(body): JsonEingabe<VerwaltungStelleIn>,
) -> ApiResult<Json<VerwaltungStelleOut>> {
    st.verfahren
        .stelle_aendern(caller.akteur(), id, &body.eingabe())
        .await?;
    Ok(Json(eine_stelle(&st, &caller, id).await?))
}

#[utoipa::path(put, path = "/api/v1/verwaltung/stellen/{id}/mitglieder/{user_id}", tag = "verwaltung", params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "Die Person arbeitet für die Stelle (auch wenn sie es schon tat)"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Keine eigene Stelle der Behörde"),
        (status = 422, body = ApiErrorBody, description = "Kein aktives Konto der Behörde mit der Rolle Fachstelle")))]
async fn add_mitglied(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    st.verfahren
        .mitglied_hinzufuegen(caller.akteur(), id, user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/verwaltung/stellen/{id}/mitglieder/{user_id}", tag = "verwaltung", params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "Die Person arbeitet nicht mehr für die Stelle"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody, description = "Keine eigene Stelle der Behörde, oder die Person ist kein Mitglied")))]
async fn remove_mitglied(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    if st
        .verfahren
        .mitglied_entfernen(caller.akteur(), id, user_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

// --- Checklists ---------------------------------------------------------------------------

/// The procedure of a path (after the admin check, so others learn nothing: 403).
fn verfahren_des_pfads(caller: &ApiCaller, slug: &str) -> Result<Verfahrensart, AppError> {
    plankammer_verfahren::zugriff::nur_admin(caller.akteur())?;
    Verfahrensart::from_slug(slug).ok_or(AppError::NotFound)
}

fn pflicht(c: &Checkliste) -> usize {
    c.positionen
        .iter()
        .filter(|p| p.anforderung == Anforderung::Pflicht)
        .count()
}

/// The checklist in force of one procedure, in the overview.
#[derive(Serialize, ToSchema)]
pub struct ChecklistenstandOut {
    /// `baugenehmigung`, `vereinfacht`, `freistellung` or `vorbescheid`.
    pub verfahren: String,
    pub name: String,
    /// The tenant's newest version; `null`: the shipped default applies.
    pub version: Option<i64>,
    /// The newest stored version cannot be read; the default applies.
    pub unlesbar: bool,
    pub positionen: usize,
    pub pflicht: usize,
}

seite!(
    ChecklistenstandSeite,
    ChecklistenstandOut,
    "A page of the checklists in force, one per procedure."
);

/// One row of a checklist.
#[derive(Serialize, ToSchema)]
pub struct ChecklistenzeileOut {
    /// `anlagen_3.0` code.
    pub anlageart: String,
    pub name: String,
    /// `pflicht`, `bedingt`, `bei_bedarf` or `spaeter`.
    pub anforderung: String,
    /// The condition (`bedingt`) or the time (`spaeter`); else empty.
    pub text: String,
    pub hinweis: Option<String>,
    /// Anlagearten that count for this row too.
    pub auch: Vec<String>,
}

/// The checklist in force of one procedure of the tenant.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "verfahren": "vereinfacht", "name": "Vereinfachtes Baugenehmigungsverfahren (§ 65 HBO)",
    "version": 2, "standard_version": 1, "unlesbar": false,
    "positionen": [{"anlageart": "2001", "name": "Grundrisse", "anforderung": "pflicht", "text": "", "hinweis": "Maßstab 1:100", "auch": []}]
}))]
pub struct VerwaltungChecklisteOut {
    pub verfahren: String,
    pub name: String,
    /// The tenant's newest version; `null`: the shipped default applies. Send it as `basis`
    /// with a change (0 for the default).
    pub version: Option<i64>,
    /// The version of the list shown (the default's own when no tenant version exists).
    pub standard_version: i64,
    pub unlesbar: bool,
    pub positionen: Vec<ChecklistenzeileOut>,
}

fn checkliste_out(v: Verfahrensart, g: &GeltendeCheckliste) -> VerwaltungChecklisteOut {
    VerwaltungChecklisteOut {
        verfahren: v.slug().into(),
        name: v.bezeichnung_mit_paragraph().to_string(),
        version: g.version,
        standard_version: i64::from(g.liste.version),
        unlesbar: g.unlesbar,
        positionen: g
            .liste
            .positionen
            .iter()
            .map(|p| {
                let (anforderung, text) = art_und_text(&p.anforderung);
                ChecklistenzeileOut {
                    anlageart: p.anlageart.clone(),
                    name: p.name.clone(),
                    anforderung: anforderung.into(),
                    text,
                    hinweis: p.hinweis.clone(),
                    auch: p.auch.clone(),
                }
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/checklisten", tag = "verwaltung", params(Seitenabfrage),
    responses((status = 200, body = ChecklistenstandSeite), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn list_checklisten(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<ChecklistenstandSeite>> {
    let mut alle = Vec::new();
    for v in Verfahrensart::ALL {
        let g = st.verfahren.geltende_checkliste(caller.akteur(), v).await?;
        alle.push(ChecklistenstandOut {
            verfahren: v.slug().into(),
            name: v.bezeichnung_mit_paragraph().to_string(),
            version: g.version,
            unlesbar: g.unlesbar,
            positionen: g.liste.positionen.len(),
            pflicht: g.pflicht(),
        });
    }
    let (eintraege, weiter) = q.blaettere(alle)?;
    Ok(Json(ChecklistenstandSeite { eintraege, weiter }))
}

#[utoipa::path(get, path = "/api/v1/checklisten/{verfahren}", tag = "verwaltung", params(("verfahren" = String, Path, description = "`baugenehmigung`, `vereinfacht`, `freistellung` oder `vorbescheid`")),
    responses((status = 200, body = VerwaltungChecklisteOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody, description = "Keine solche Verfahrensart")))]
async fn get_checkliste(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(slug): Path<String>,
) -> ApiResult<Json<VerwaltungChecklisteOut>> {
    let v = verfahren_des_pfads(&caller, &slug)?;
    let g = st.verfahren.geltende_checkliste(caller.akteur(), v).await?;
    Ok(Json(checkliste_out(v, &g)))
}

/// One row of a checklist as sent.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"anlageart": "2801", "anforderung": "spaeter", "text": "vor Baubeginn"}))]
pub struct ChecklistenzeileIn {
    /// `anlagen_3.0` code.
    pub anlageart: String,
    /// `pflicht`, `bedingt`, `bei_bedarf` or `spaeter`.
    pub anforderung: String,
    /// The condition (`bedingt`) or the time (`spaeter`).
    #[serde(default)]
    pub text: String,
}

/// The whole checklist of a procedure: every row, in order. Notes and alternative
/// Anlagearten of a row are kept from the list in force.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "basis": 0,
    "positionen": [
        {"anlageart": "2001", "anforderung": "pflicht"},
        {"anlageart": "2801", "anforderung": "spaeter", "text": "vor Baubeginn"}
    ]
}))]
pub struct ChecklisteIn {
    /// The `version` the change is built on (0 for the default): when another version is in
    /// force now, nothing is stored (409). Without it, the change is stored over whatever
    /// is in force.
    #[serde(default)]
    pub basis: Option<i64>,
    pub positionen: Vec<ChecklistenzeileIn>,
}

#[utoipa::path(put, path = "/api/v1/checklisten/{verfahren}", tag = "verwaltung", params(("verfahren" = String, Path)), request_body = ChecklisteIn,
    responses((status = 200, body = VerwaltungChecklisteOut, description = "Gespeichert als nächste Version (unverändert: keine neue Version); gilt ab sofort für alle Anträge im Entwurf"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody, description = "Inzwischen gilt eine andere Version als `basis`"), (status = 422, body = ApiErrorBody, description = "Jeder Fehler der Liste als deutscher Satz")))]
async fn put_checkliste(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(slug): Path<String>,
    JsonEingabe(body): JsonEingabe<ChecklisteIn>,
) -> ApiResult<Json<VerwaltungChecklisteOut>> {
    let v = verfahren_des_pfads(&caller, &slug)?;
    let e = ChecklistenEingabe {
        basis: body.basis,
        aktion: "speichern".into(),
        zeilen: body
            .positionen
            .into_iter()
            .map(|z| ZeileEingabe {
                code: z.anlageart.trim().to_string(),
                art: z.anforderung,
                text: z.text,
                entfernen: false,
            })
            .collect(),
        neu: ZeileEingabe::default(),
    };
    st.verfahren
        .checkliste_speichern(caller.akteur(), v, &e)
        .await?;
    let g = st.verfahren.geltende_checkliste(caller.akteur(), v).await?;
    Ok(Json(checkliste_out(v, &g)))
}

#[utoipa::path(post, path = "/api/v1/checklisten/{verfahren}/standard", tag = "verwaltung", params(("verfahren" = String, Path)),
    responses((status = 200, body = VerwaltungChecklisteOut, description = "Der Standard gilt wieder, gespeichert als nächste Version (galt er schon: nichts gespeichert)"),
        (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn reset_checkliste(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(slug): Path<String>,
) -> ApiResult<Json<VerwaltungChecklisteOut>> {
    let v = verfahren_des_pfads(&caller, &slug)?;
    st.verfahren
        .checkliste_zuruecksetzen(caller.akteur(), v)
        .await?;
    let g = st.verfahren.geltende_checkliste(caller.akteur(), v).await?;
    Ok(Json(checkliste_out(v, &g)))
}

/// A stored version of the tenant's checklist of a procedure.
#[derive(Serialize, ToSchema)]
pub struct ChecklistenversionOut {
    pub version: i64,
    /// Milliseconds since the epoch.
    pub erstellt: i64,
    /// Who saved it; `null` when unknown.
    pub von: Option<String>,
    /// `null` when the stored list cannot be read.
    pub positionen: Option<usize>,
    pub pflicht: Option<usize>,
}

seite!(
    ChecklistenversionSeite,
    ChecklistenversionOut,
    "A page of the stored versions of a checklist, newest first."
);

impl From<ChecklistenVersion> for ChecklistenversionOut {
    fn from(v: ChecklistenVersion) -> Self {
        ChecklistenversionOut {
            version: v.version,
            erstellt: v.created_at,
            von: v.von,
            positionen: v.liste.as_ref().map(|c| c.positionen.len()),
            pflicht: v.liste.as_ref().map(pflicht),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/checklisten/{verfahren}/versionen", tag = "verwaltung", params(("verfahren" = String, Path), Seitenabfrage),
    responses((status = 200, body = ChecklistenversionSeite), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn checklisten_versionen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(slug): Path<String>,
    Query(q): Query<Seitenabfrage>,
) -> ApiResult<Json<ChecklistenversionSeite>> {
    let v = verfahren_des_pfads(&caller, &slug)?;
    let alle: Vec<ChecklistenversionOut> = st
        .verfahren
        .checklisten_versionen(caller.akteur(), v)
        .await?
        .into_iter()
        .map(ChecklistenversionOut::from)
        .collect();
    let (eintraege, weiter) = q.blaettere(alle)?;
    Ok(Json(ChecklistenversionSeite { eintraege, weiter }))
}

// --- Aktenzeichen -------------------------------------------------------------------------

/// What a format would give, without storing it.
#[derive(Serialize, ToSchema)]
pub struct AktenzeichenVorschauOut {
    pub format: String,
    pub kuerzel: String,
    /// The Aktenzeichen the next submission would get; `null` when the format is refused.
    pub aktenzeichen: Option<String>,
    /// Why the format is refused, as German sentences.
    pub fehler: Vec<String>,
}

/// The tenant's Aktenzeichen format and what the next submission gets.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "format": "{kuerzel}-{jahr}-{nummer:5}", "kuerzel": "BA", "jahr": 2026, "naechste_nummer": 2,
    "naechstes": "BA-2026-00002", "vorschau": null
}))]
pub struct AktenzeichenOut {
    /// With `{kuerzel}`, `{jahr}`, `{nummer}` or `{nummer:N}`.
    pub format: String,
    pub kuerzel: String,
    pub jahr: i64,
    /// The running number of the next submission this year (numbers are never given twice).
    pub naechste_nummer: i64,
    pub naechstes: String,
    /// When `format` or `kuerzel` was asked for: what they would give.
    pub vorschau: Option<AktenzeichenVorschauOut>,
}

/// A format to preview (either one missing: the stored one).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AktenzeichenQuery {
    pub format: Option<String>,
    pub kuerzel: Option<String>,
}

async fn aktenzeichen_out(
    st: &AppState,
    caller: &ApiCaller,
    q: Option<AktenzeichenQuery>,
) -> Result<AktenzeichenOut, AppError> {
    let stand = st.verfahren.aktenzeichen_stand(caller.akteur()).await?;
    let vorschau = q
        .filter(|q| q.format.is_some() || q.kuerzel.is_some())
        .map(|q| {
            let format = q
                .format
                .unwrap_or_else(|| stand.gespeichert.format().to_string());
            let kuerzel = q
                .kuerzel
                .unwrap_or_else(|| stand.gespeichert.kuerzel().to_string());
            let (aktenzeichen, fehler) = match stand.vorschau(&format, &kuerzel) {
                Ok(az) => (Some(az.to_string()), vec![]),
                Err(f) => (None, f),
            };
            AktenzeichenVorschauOut {
                format: format.trim().to_string(),
                kuerzel: kuerzel.trim().to_string(),
                aktenzeichen,
                fehler,
            }
        });
    Ok(AktenzeichenOut {
        format: stand.gespeichert.format().to_string(),
        kuerzel: stand.gespeichert.kuerzel().to_string(),
        jahr: stand.jahr,
        naechste_nummer: stand.nummer,
        naechstes: stand.naechstes.to_string(),
        vorschau,
    })
}

#[utoipa::path(get, path = "/api/v1/aktenzeichen", tag = "verwaltung", params(AktenzeichenQuery),
    responses((status = 200, body = AktenzeichenOut), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn get_aktenzeichen(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<AktenzeichenQuery>,
) -> ApiResult<Json<AktenzeichenOut>> {
    Ok(Json(aktenzeichen_out(&st, &caller, Some(q)).await?))
}

/// A new Aktenzeichen format for every case submitted from now on.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"format": "63/{nummer:4}/{jahr}", "kuerzel": "BAK"}))]
pub struct AktenzeichenIn {
    /// Must contain `{jahr}` and `{nummer}` (or `{nummer:N}`, N = 1–12); at most 60 characters.
    pub format: String,
    /// 1–20 letters, digits, `-` or `.`.
    pub kuerzel: String,
}

#[utoipa::path(put, path = "/api/v1/aktenzeichen", tag = "verwaltung", request_body = AktenzeichenIn,
    responses((status = 200, body = AktenzeichenOut, description = "Gespeichert (unverändert: nichts gespeichert); existierende Aktenzeichen bleiben"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody, description = "Jeder Fehler des Formats als deutscher Satz")))]
async fn put_aktenzeichen(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonEingabe(body): JsonEingabe<AktenzeichenIn>,
) -> ApiResult<Json<AktenzeichenOut>> {
    st.verfahren
        .aktenzeichen_format_setzen(caller.akteur(), &body.format, &body.kuerzel)
        .await?;
    Ok(Json(aktenzeichen_out(&st, &caller, None).await?))
}

// --- The Bescheid template ----------------------------------------------------------------

/// The tenant's template for every Bescheid.
#[derive(Serialize, ToSchema)]
pub struct BescheidvorlageOut {
    /// New drafts start with it (drafts already saved keep their text).
    pub rechtsbehelfsbelehrung: String,
    /// The letterhead address, one line each.
    pub anschrift: String,
    /// The town in "Kassel, 29.11.2026"; may be empty.
    pub ort: String,
    /// The authority's name.
    pub behoerde: String,
}

/// The template as sent.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "rechtsbehelfsbelehrung": "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim Verwaltungsgericht Kassel erhoben werden.",
    "anschrift": "Am Markt 1\n34117 Kassel", "ort": "Kassel"
}))]
pub struct BescheidvorlageIn {
    /// At most 20,000 characters.
    pub rechtsbehelfsbelehrung: String,
    /// At most 10 lines, 1,000 characters.
    #[serde(default)]
    pub anschrift: String,
    /// One line, at most 100 characters.
    #[serde(default)]
    pub ort: String,
}

async fn vorlage_out(st: &AppState, caller: &ApiCaller) -> Result<BescheidvorlageOut, AppError> {
    let (v, behoerde) = st.verfahren.bescheid_vorlage(caller.akteur()).await?;
    Ok(BescheidvorlageOut {
        rechtsbehelfsbelehrung: v.rechtsbehelfsbelehrung,
        anschrift: v.anschrift,
        ort: v.ort,
        behoerde,
    })
}

#[utoipa::path(get, path = "/api/v1/bescheidvorlage", tag = "verwaltung",
    responses((status = 200, body = BescheidvorlageOut, description = "Die gespeicherte Vorlage, sonst der eingebaute Text"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn get_vorlage(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<BescheidvorlageOut>> {
    Ok(Json(vorlage_out(&st, &caller).await?))
}

#[utoipa::path(put, path = "/api/v1/bescheidvorlage", tag = "verwaltung", request_body = BescheidvorlageIn,
    responses((status = 200, body = BescheidvorlageOut, description = "Gespeichert; neue Entwürfe beginnen damit"), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 422, body = ApiErrorBody, description = "Jeder Fehler als deutscher Satz")))]
async fn put_vorlage(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonEingabe(body): JsonEingabe<BescheidvorlageIn>,
) -> ApiResult<Json<BescheidvorlageOut>> {
    let v = Vorlage {
        rechtsbehelfsbelehrung: body.rechtsbehelfsbelehrung,
        anschrift: body.anschrift,
        ort: body.ort,
    };
    st.verfahren.vorlage_speichern(caller.akteur(), &v).await?;
    Ok(Json(vorlage_out(&st, &caller).await?))
}
