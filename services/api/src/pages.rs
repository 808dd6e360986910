//! The German web pages. Every page works without JavaScript for its core action.

use crate::accounts::{self, NewAccount};
use crate::auth::{self, ANON_CSRF_COOKIE, CurrentUser, SESSION_COOKIE, SessionInfo};
use crate::templates::render;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{ConnectInfo, Form, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use minijinja::context;
use plankammer_domain::{Email, Role};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::{StoreError, now_millis};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/anmelden", get(login_form).post(login))
        .route("/abmelden", post(logout))
        .route("/start", get(start))
        .route("/konto", get(konto))
        .route("/konto/schluessel", post(create_token))
        .route("/konto/schluessel/{id}/widerrufen", post(revoke_token))
        .route("/verwaltung/benutzer", get(benutzer).post(create_benutzer))
        .route("/verwaltung/benutzer/{id}", get(benutzer_detail))
        .route("/verwaltung/jobs", get(jobs))
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
    aktiv: bool,
}

/// What every page's layout needs: the person, the navigation for their role, the CSRF token.
pub(crate) fn layout(user: &CurrentUser, current: &str) -> minijinja::Value {
    let m = user.member();
    let mut nav = vec![(
        "/start",
        match m.role {
            Role::Antragsteller => "Meine Vorgänge",
            Role::Bauaufsicht => "Posteingang",
            Role::Fachstelle => "Beteiligungen",
            Role::Admin => "Übersicht",
        },
    )];
    if matches!(m.role, Role::Bauaufsicht | Role::Admin) {
        nav.push(("/eingang", "Antragseingang"));
    }
    if m.role == Role::Bauaufsicht {
        nav.push(("/beteiligungen", "Beteiligungen"));
    }
    if m.role.may_manage_users() {
        nav.push(("/verwaltung/benutzer", "Benutzer"));
        nav.push(("/verwaltung/jobs", "Hintergrundaufgaben"));
    }
    if m.role == Role::Admin {
        nav.push(("/verwaltung/checklisten", "Checklisten"));
        nav.push(("/verwaltung/aktenzeichen", "Aktenzeichen"));
        nav.push(("/verwaltung/stellen", "Stellen"));
        nav.push(("/verwaltung/bescheid", "Bescheidvorlage"));
    }
    nav.push(("/konto", "Mein Konto"));
    let nav: Vec<NavItem> = nav
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            aktiv: href == current,
        })
        .collect();
    minijinja::Value::from_serialize(context! {
        nutzer => context! {
            name => m.user.display_name,
            email => m.user.email,
            rolle => m.role.bezeichnung(),
            rolle_code => m.role.code(),
            behoerde => m.tenant.name,
        },
        csrf => user.0.csrf_token,
        nav => nav,
    })
}

async fn index(session: Option<CurrentUserOpt>) -> Redirect {
    match session {
        Some(_) => Redirect::to("/start"),
        None => Redirect::to("/anmelden"),
    }
}

/// Like `CurrentUser`, but not logged in is not an error.
pub struct CurrentUserOpt(#[allow(dead_code)] SessionInfo);

impl axum::extract::OptionalFromRequestParts<AppState> for CurrentUserOpt {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        _s: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Option<SessionInfo>>()
            .cloned()
            .flatten()
            .map(CurrentUserOpt))
    }
}

/// The client address, from the socket (and a trusted proxy's header).
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(ClientAddr(auth::client_addr(
            &parts.headers,
            peer,
            state.config.trust_proxy,
        )))
    }
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    weiter: Option<String>,
    abgemeldet: Option<String>,
}

/// Only our own paths are valid targets after login (no open redirect).
fn safe_return_to(p: Option<&str>) -> &str {
    match p {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.starts_with("/anmelden") =>
        {
            p
        }
        _ => "/start",
    }
}

fn login_page(
    jar: CookieJar,
    secure: bool,
    status: StatusCode,
    fehler: Option<&str>,
    hinweis: Option<&str>,
    email: &str,
    weiter: &str,
) -> PageResult<Response> {
    // A fresh double-submit token for the login form (login CSRF).
    let token = jar
        .get(ANON_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64)
        .unwrap_or_else(|| plankammer_storage::random_token(32));
    let cookie = Cookie::build((ANON_CSRF_COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build();
    let html = render(
        "anmelden.html",
        context! { csrf => token, fehler, hinweis, email, weiter },
    )?;
    Ok((status, jar.add(cookie), html).into_response())
}

async fn login_form(
    State(st): State<AppState>,
    jar: CookieJar,
    session: Option<CurrentUserOpt>,
    Query(q): Query<LoginQuery>,
) -> PageResult<Response> {
    if session.is_some() {
        return Ok(Redirect::to("/start").into_response());
    }
    let hinweis = q.abgemeldet.as_ref().map(|_| "Sie wurden abgemeldet.");
    let weiter = safe_return_to(q.weiter.as_deref()).to_string();
    login_page(
        jar,
        st.config.secure_cookies,
        StatusCode::OK,
        None,
        hinweis,
        "",
        &weiter,
    )
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    passwort: String,
    #[serde(default)]
    weiter: Option<String>,
}

async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> PageResult<Response> {
    let now = now_millis();
    let weiter = safe_return_to(f.weiter.as_deref()).to_string();
    let secure = st.config.secure_cookies;
    if !st
        .db
        .login_allowed(&f.email, &addr, st.config.login_limits, now)
        .await?
    {
        tracing::warn!("login refused by rate limit");
        let minutes = st.config.login_limits.window_ms / 60_000;
        let msg = format!(
            "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie {minutes} Minuten und versuchen Sie es dann erneut."
        );
        return login_page(
            jar,
            secure,
            StatusCode::TOO_MANY_REQUESTS,
            Some(&msg),
            None,
            &f.email,
            &weiter,
        );
    }
    let creds = match Email::parse(&f.email) {
        Ok(e) => st.db.credentials(&e).await?,
        Err(_) => None,
    };
    let ok = match &creds {
        Some((_, hash)) => accounts::verify_password(f.passwort.clone(), hash.clone()).await,
        None => {
            // Same work for unknown accounts, so timing does not reveal which exist.
            accounts::verify_password(
                f.passwort.clone(),
                plankammer_storage::accounts::dummy_hash().to_string(),
            )
            .await;
            false
        }
    };
    let user_id = creds.as_ref().map(|(id, _)| *id);
    let members = match (ok, user_id) {
        (true, Some(id)) => st.db.memberships_of(id).await?,
        _ => Vec::new(),
    };
    let Some(member) = members.into_iter().next() else {
        st.db.record_login_failure(&f.email, &addr, now).await?;
        st.db
            .audit_now(
                AuditEvent {
                    tenant_id: None,
                    actor_user_id: user_id,
                    action: "login.failure",
                    object_type: "user",
                    object_id: user_id.map(|i| i.to_string()),
                    detail: serde_json::json!({}),
                },
                now,
            )
            .await?;
        let msg = "E-Mail-Adresse oder Passwort ist nicht richtig.";
        return login_page(
            jar,
            secure,
            StatusCode::UNAUTHORIZED,
            Some(msg),
            None,
            &f.email,
            &weiter,
        );
    };
    st.db.record_login_success(&f.email).await?;
    let ttl = st.config.session_ttl;
    let session = st
        .db
        .create_session(
            member.user.id,
            member.tenant.id,
            now,
            ttl.as_millis() as i64,
        )
        .await?;
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(member.tenant.id),
                actor_user_id: Some(member.user.id),
                action: "login.success",
                object_type: "user",
                object_id: Some(member.user.id.to_string()),
                detail: serde_json::json!({ "via": "password" }),
            },
            now,
        )
        .await?;
    tracing::info!(
        user_id = member.user.id,
        tenant_id = member.tenant.id,
        "logged in"
    );
    let jar = jar
        .add(auth::session_cookie(session.secret, secure, ttl))
        .add(auth::removal_cookie(ANON_CSRF_COOKIE));
    Ok((jar, Redirect::to(&weiter)).into_response())
}

async fn logout(
    State(st): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
) -> PageResult<Response> {
    st.db.delete_session(&user.0.secret).await?;
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(user.tenant_id()),
                actor_user_id: Some(user.user_id()),
                action: "logout",
                object_type: "user",
                object_id: Some(user.user_id().to_string()),
                detail: serde_json::json!({}),
            },
            now_millis(),
        )
        .await?;
    Ok((
        jar.add(auth::removal_cookie(SESSION_COOKIE)),
        Redirect::to("/anmelden?abgemeldet=1"),
    )
        .into_response())
}

async fn start(State(st): State<AppState>, user: CurrentUser) -> PageResult<Html<String>> {
    if user.role() == Role::Fachstelle {
        return crate::fachstelle_seiten::startseite(&st, &user).await;
    }
    let (mitglieder, jobs) = if user.role() == Role::Admin {
        let members = st.db.members_of_tenant(user.tenant_id()).await?.len();
        let counts: Vec<_> = st
            .db
            .job_counts(Some(user.tenant_id()))
            .await?
            .into_iter()
            .map(|(s, n)| context! { zustand => job_state_label(s.code()), anzahl => n })
            .collect();
        (Some(members), Some(counts))
    } else {
        (None, None)
    };
    let vorgaenge = crate::vorgang_seiten::vorgaenge_fuer(&st, &user).await?;
    render(
        "start.html",
        context! { layout => layout(&user, "/start"), mitglieder, jobs, vorgaenge },
    )
}

fn job_state_label(code: &str) -> &'static str {
    match code {
        "queued" => "wartend",
        "running" => "in Arbeit",
        "succeeded" => "erledigt",
        "failed" => "fehlgeschlagen",
        _ => "unbekannt",
    }
}

#[derive(Serialize)]
struct TokenView {
    id: i64,
    name: String,
    prefix: String,
    erstellt: String,
    zuletzt_genutzt: Option<String>,
    widerrufen: Option<String>,
}

async fn konto_page(
    st: &AppState,
    user: &CurrentUser,
    neu: Option<(String, String)>,
    fehler: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let tokens: Vec<TokenView> = st
        .db
        .tokens_of(user.user_id(), user.tenant_id())
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            erstellt: plankammer_domain::zeit::format_berlin(t.created_at),
            zuletzt_genutzt: t.last_used_at.map(plankammer_domain::zeit::format_berlin),
            widerrufen: t.revoked_at.map(plankammer_domain::zeit::format_berlin),
        })
        .collect();
    let neu = neu.map(|(name, secret)| context! { name, secret });
    let html = render(
        "konto.html",
        context! { layout => layout(user, "/konto"), tokens, neu, fehler },
    )?;
    Ok((status, html).into_response())
}

async fn konto(State(st): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    konto_page(&st, &user, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

async fn create_token(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<TokenForm>,
) -> PageResult<Response> {
    match accounts::create_token(&st, user.user_id(), user.tenant_id(), &f.name).await {
        Ok((token, secret)) => {
            konto_page(
                &st,
                &user,
                Some((token.name, secret)),
                None,
                StatusCode::CREATED,
            )
            .await
        }
        Err(AppError::Invalid(m)) => {
            konto_page(&st, &user, None, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn revoke_token(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    accounts::revoke_token(&st, user.user_id(), user.tenant_id(), id).await?;
    Ok(Redirect::to("/konto"))
}

#[derive(Serialize)]
struct MemberView {
    id: i64,
    name: String,
    email: String,
    rolle: &'static str,
    gesperrt: bool,
}

#[derive(Deserialize, Default)]
struct BenutzerQuery {
    angelegt: Option<String>,
}

async fn benutzer_page(
    st: &AppState,
    user: &CurrentUser,
    fehler: Option<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let members: Vec<MemberView> = st
        .db
        .members_of_tenant(user.tenant_id())
        .await?
        .into_iter()
        .map(|m| MemberView {
            id: m.user.id,
            name: m.user.display_name,
            email: m.user.email,
            rolle: m.role.bezeichnung(),
            gesperrt: m.user.disabled,
        })
        .collect();
    let rollen: Vec<_> = Role::ALL
        .iter()
        .map(|r| context! { code => r.code(), name => r.bezeichnung() })
        .collect();
    let html = render(
        "benutzer.html",
        context! { layout => layout(user, "/verwaltung/benutzer"), members, rollen, fehler, hinweis },
    )?;
    Ok((status, html).into_response())
}

async fn benutzer(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<BenutzerQuery>,
) -> PageResult<Response> {
    user.require(Role::may_manage_users)?;
    let hinweis = q
        .angelegt
        .map(|_| "Das Konto wurde angelegt. Die Person erhält eine E-Mail.");
    benutzer_page(&st, &user, None, hinweis, StatusCode::OK).await
}

#[derive(Deserialize)]
struct NewUserForm {
    name: String,
    email: String,
    rolle: String,
    passwort: String,
}

async fn create_benutzer(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<NewUserForm>,
) -> PageResult<Response> {
    user.require(Role::may_manage_users)?;
    let Some(role) = Role::from_code(&f.rolle) else {
        return benutzer_page(
            &st,
            &user,
            Some("Bitte wählen Sie eine Rolle.".into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let new = NewAccount {
        email: &f.email,
        display_name: &f.name,
        password: &f.passwort,
        tenant_id: user.tenant_id(),
        role,
        actor_user_id: Some(user.user_id()),
    };
    match accounts::create_account(&st.db, &st.config.public_url, &st.config.mail_domain, new).await
    {
        Ok(_) => Ok(Redirect::to("/verwaltung/benutzer?angelegt=1").into_response()),
        Err(AppError::Invalid(m) | AppError::Conflict(m)) => {
            benutzer_page(&st, &user, Some(m), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn benutzer_detail(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    user.require(Role::may_manage_users)?;
    // Scoped to the admin's own tenant: a person of another tenant is simply not found.
    let m = st
        .db
        .member(id, user.tenant_id())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            other => other.into(),
        })?;
    let person = MemberView {
        id: m.user.id,
        name: m.user.display_name,
        email: m.user.email,
        rolle: m.role.bezeichnung(),
        gesperrt: m.user.disabled,
    };
    render(
        "benutzer_detail.html",
        context! { layout => layout(&user, "/verwaltung/benutzer"), person },
    )
}

async fn jobs(State(st): State<AppState>, user: CurrentUser) -> PageResult<Html<String>> {
    user.require(Role::may_manage_users)?;
    let jobs: Vec<_> = st
        .db
        .jobs(Some(user.tenant_id()), None, 100)
        .await?
        .into_iter()
        .map(|j| {
            context! {
                id => j.id, art => j.kind, zustand => job_state_label(j.state.code()), zustand_code => j.state.code(),
                versuche => j.attempts, max_versuche => j.max_attempts, fortschritt => j.progress,
                notiz => j.progress_note, fehler => j.last_error, erstellt => plankammer_domain::zeit::format_berlin(j.created_at),
            }
        })
        .collect();
    let counts: Vec<_> = st
        .db
        .job_counts(Some(user.tenant_id()))
        .await?
        .into_iter()
        .map(|(s, n)| context! { zustand => job_state_label(s.code()), anzahl => n })
        .collect();
    render(
        "jobs.html",
        context! { layout => layout(&user, "/verwaltung/jobs"), jobs, counts },
    )
}
