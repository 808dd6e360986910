//! Signing in and out, the start page of each role, and the page for unknown addresses.

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::{self, CurrentUser, SESSION_COOKIE, SessionInfo};
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{ConnectInfo, Form, FromRequestParts, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use plankammer_domain::{Email, Role};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::login_limit::LoginZulassung;
use plankammer_storage::now_millis;
use plankammer_verfahren::konto::{Ausgelastet, verify_password};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/anmelden", get(login_form).post(login))
        .route("/abmelden", post(logout))
        .route("/start", get(start))
}

pub async fn not_found() -> AppError {
    AppError::NotFound
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
        Ok(ClientAddr(sitzung::client_addr(
            &parts.headers,
            peer,
            state.config.proxy_hops,
        )))
    }
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    weiter: Option<String>,
    abgemeldet: Option<String>,
    /// Set after a new password was set with the link of the mail.
    passwort: Option<String>,
    /// Set when a login waiting for its second factor ended (expired, too many codes).
    abgelaufen: Option<String>,
}

/// Only our own paths are valid targets after login (no open redirect).
/// Where to go after signing in: a path of this origin only. Printable ASCII without
/// spaces (browsers drop tabs and newlines from URLs, so "/\t/host" would become "//host",
/// and a newline would not fit in a Location header), not protocol-relative, no backslash.
pub(crate) fn safe_return_to(p: Option<&str>) -> &str {
    match p {
        Some(p)
            if p.len() <= 2000
                && p.starts_with('/')
                && !p.starts_with("//")
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
                && !p.starts_with("/anmelden") =>
        {
            p
        }
        _ => "/start",
    }
}

pub(crate) fn login_page(
    st: &AppState,
    jar: CookieJar,
    status: StatusCode,
    fehler: Option<&str>,
    hinweis: Option<&str>,
    email: &str,
    weiter: &str,
) -> PageResult<Response> {
    // The double-submit token of the login form (login CSRF).
    let (jar, token) = sitzung::anon_csrf(jar, st.config.secure_cookies);
    let anbieter: Vec<_> = st
        .oidc
        .alle()
        .iter()
        .map(|a| {
            context! {
                id => a.id, label => a.label,
                buerger => a.art == crate::oidc::Anbieterart::Buerger,
            }
        })
        .collect();
    let html = render(
        "anmelden.html",
        context! {
            csrf => token, fehler, hinweis, email, weiter, anbieter,
            hat_buerger => st.oidc.alle().iter().any(|a| a.art == crate::oidc::Anbieterart::Buerger),
            hat_behoerde => st.oidc.alle().iter().any(|a| a.art == crate::oidc::Anbieterart::Behoerde),
        },
    )?;
    Ok((status, jar, html).into_response())
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
    let hinweis = if q.passwort.is_some() {
        Some("Ihr neues Passwort gilt. Sie wurden überall abgemeldet; bitte melden Sie sich an.")
    } else if q.abgelaufen.is_some() {
        Some(
            "Die Anmeldung ist abgelaufen, oder der Code war zu oft falsch. Bitte melden Sie sich erneut an.",
        )
    } else {
        q.abgemeldet.as_ref().map(|_| "Sie wurden abgemeldet.")
    };
    let weiter = safe_return_to(q.weiter.as_deref()).to_string();
    login_page(&st, jar, StatusCode::OK, None, hinweis, "", &weiter)
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
    let reservation = match st
        .db
        .login_reservieren(&f.email, &addr, st.config.login_limits, now)
        .await?
    {
        LoginZulassung::Erlaubt {
            reservation,
            delay_ms,
        } => {
            if delay_ms > 0 {
                tracing::warn!(delay_ms, "login slowed: many failures for this account");
                tokio::time::sleep(std::time::Duration::from_millis(delay_ms as u64)).await;
            }
            reservation
        }
        LoginZulassung::Gesperrt => {
            tracing::warn!("login refused by rate limit");
            let minutes = st.config.login_limits.window_ms / 60_000;
            let msg = format!(
                "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie {minutes} Minuten und versuchen Sie es dann erneut."
            );
            return login_page(
                &st,
                jar,
                StatusCode::TOO_MANY_REQUESTS,
                Some(&msg),
                None,
                &f.email,
                &weiter,
            );
        }
    };
    let creds = match Email::parse(&f.email) {
        Ok(e) => st.db.credentials(&e).await?,
        Err(_) => None,
    };
    // Unknown accounts are checked against a hash nobody knows: the same work, so timing
    // does not reveal which accounts exist.
    let hash = creds.as_ref().map_or_else(
        || plankammer_storage::accounts::dummy_hash().to_string(),
        |(_, h)| h.clone(),
    );
    let ok = match verify_password(f.passwort.clone(), hash).await {
        Ok(ok) => ok && creds.is_some(),
        Err(Ausgelastet) => {
            tracing::warn!("login turned away: every password slot busy");
            st.db.login_release(reservation).await?;
            let mut r = login_page(
                &st,
                jar,
                StatusCode::SERVICE_UNAVAILABLE,
                Some(
                    "Die Anmeldung ist gerade stark ausgelastet. Bitte versuchen Sie es in einer Minute erneut.",
                ),
                None,
                &f.email,
                &weiter,
            )?;
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("30"),
            );
            return Ok(r);
        }
    };
    let user_id = creds.as_ref().map(|(id, _)| *id);
    let members = match (ok, user_id) {
        (true, Some(id)) => st.verfahren.mitgliedschaften_mit_passwort(id).await?,
        _ => Vec::new(),
    };
    // The right password, but every authority of the person signs its staff in through
    // its own provider: say so (only someone who knows the password learns it).
    if let (true, Some(id), true) = (ok, user_id, members.is_empty())
        && !st.db.memberships_of(id).await?.is_empty()
    {
        st.db.login_settle(reservation, true, now).await?;
        return login_page(
            &st,
            jar,
            StatusCode::FORBIDDEN,
            Some(
                "Ihre Behörde meldet ihre Beschäftigten über ihren eigenen Anmeldedienst an. Bitte wählen Sie unten die Anmeldung Ihrer Behörde.",
            ),
            None,
            &f.email,
            &weiter,
        );
    }
    let mehrere = members.len() > 1;
    let Some(member) = members.into_iter().next() else {
        st.db.login_settle(reservation, false, now).await?;
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
            &st,
            jar,
            StatusCode::UNAUTHORIZED,
            Some(msg),
            None,
            &f.email,
            &weiter,
        );
    };
    st.db.login_settle(reservation, true, now).await?;
    super::zweitfaktor::nach_dem_passwort(
        &st,
        jar,
        member.user.id,
        member.tenant.id,
        weiter,
        mehrere,
    )
    .await
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
    // Signed in through a provider: end the session there too, where it offers that
    // (RP-initiated logout); it sends the browser back to the sign-in page.
    let ziel = match user.0.anbieter.as_deref().and_then(|a| st.oidc.anbieter(a)) {
        Some(a) => st
            .oidc
            .abmelde_url(a, &st.config.public_url)
            .await
            .map(|u| u.to_string()),
        None => None,
    };
    Ok((
        jar.add(sitzung::removal_cookie(SESSION_COOKIE)),
        Redirect::to(ziel.as_deref().unwrap_or("/anmelden?abgemeldet=1")),
    )
        .into_response())
}

async fn start(State(st): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    if user.role() == Role::Fachstelle {
        return Ok(super::fachstelle::eingang::startseite(&st, &user)
            .await?
            .into_response());
    }
    // The case worker starts from the work list.
    if user.role() == Role::Bauaufsicht {
        return Ok(
            super::bauaufsicht::aufgaben::seite(&st, &user, &Default::default())
                .await?
                .into_response(),
        );
    }
    let (mitglieder, jobs) = if user.role() == Role::Admin {
        let members = st.db.members_of_tenant(user.tenant_id()).await?.len();
        let counts: Vec<_> = st
            .db
            .job_counts(Some(user.tenant_id()))
            .await?
            .into_iter()
            .map(|(s, n)| context! { zustand => super::verwaltung::jobs::job_state_label(s.code()), anzahl => n })
            .collect();
        (Some(members), Some(counts))
    } else {
        (None, None)
    };
    let vorgaenge = super::vorgang::vorgaenge_fuer(&st, &user).await?;
    Ok(render(
        "start.html",
        context! { layout => layout(&user, "/start"), mitglieder, jobs, vorgaenge },
    )?
    .into_response())
}
