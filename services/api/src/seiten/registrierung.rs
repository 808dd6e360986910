//! Getting an account without an administrator: self-registration of applicants (a form,
//! a mail with a confirmation link, the confirmation that creates the account and signs in)
//! and "Passwort vergessen" (a mail with a single-use link that sets a new password). The
//! answer to either form is the same whether or not the address has an account.

use crate::error::PageResult;
use crate::seiten::anmeldung::ClientAddr;
use crate::sitzung::{self, SessionInfo};
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use plankammer_storage::now_millis;
use plankammer_verfahren::Fehler;
use serde::Deserialize;

/// Mails these forms may cause from one client address per hour: each sends a mail in the
/// authority's name to an address someone typed.
pub const MAX_JE_ADRESSE_STUNDE: i64 = 10;

/// Counts a form sent from this address; `false` beyond [`MAX_JE_ADRESSE_STUNDE`].
async fn erlaubt(st: &AppState, art: &str, addr: &str) -> Result<bool, AppError> {
    Ok(st
        .db
        .anfrage_erlaubt(art, addr, 3600 * 1000, MAX_JE_ADRESSE_STUNDE, now_millis())
        .await?)
}

const ZU_VIELE: &str = "Von Ihrem Anschluss kamen in der letzten Stunde zu viele Anfragen. Bitte versuchen Sie es später erneut.";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/registrieren", get(formular).post(absenden))
        .route(
            "/registrieren/{secret}",
            get(bestaetigen_seite).post(bestaetigen),
        )
        .route(
            "/passwort-vergessen",
            get(vergessen_formular).post(vergessen_absenden),
        )
        .route(
            "/passwort-vergessen/{secret}",
            get(neues_passwort_formular).post(neues_passwort_setzen),
        )
}

fn anon_csrf(st: &AppState, jar: CookieJar) -> (CookieJar, String) {
    sitzung::anon_csrf(jar, st.config.secure_cookies)
}

#[derive(Deserialize, Default)]
struct RegistrierungForm {
    #[serde(default)]
    behoerde: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    passwort_wiederholung: String,
}

async fn seite(
    st: &AppState,
    jar: CookieJar,
    f: &RegistrierungForm,
    fehler: Option<String>,
    gesendet: bool,
    status: StatusCode,
) -> PageResult<Response> {
    let (jar, csrf) = anon_csrf(st, jar);
    let behoerden: Vec<_> = st
        .db
        .tenants()
        .await?
        .into_iter()
        .map(|t| context! { id => t.id.to_string(), name => t.name })
        .collect();
    let html = render(
        "registrieren.html",
        context! {
            csrf, fehler, gesendet, behoerden,
            f => context! { behoerde => f.behoerde, name => f.name, email => f.email },
        },
    )?;
    Ok((status, jar, html).into_response())
}

async fn formular(
    State(st): State<AppState>,
    jar: CookieJar,
    Extension(sitzung): Extension<Option<SessionInfo>>,
) -> PageResult<Response> {
    if sitzung.is_some() {
        return Ok(Redirect::to("/start").into_response());
    }
    seite(
        &st,
        jar,
        &RegistrierungForm::default(),
        None,
        false,
        StatusCode::OK,
    )
    .await
}

async fn absenden(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    Form(f): Form<RegistrierungForm>,
) -> PageResult<Response> {
    if !erlaubt(&st, "registrierung", &addr).await? {
        tracing::warn!("registration refused: too many from one client address");
        let status = StatusCode::TOO_MANY_REQUESTS;
        return seite(&st, jar, &f, Some(ZU_VIELE.into()), false, status).await;
    }
    let tenant_id = f.behoerde.trim().parse::<i64>().unwrap_or(0);
    match st
        .verfahren
        .registrieren(
            tenant_id,
            &f.name,
            &f.email,
            &f.passwort,
            &f.passwort_wiederholung,
        )
        .await
    {
        Ok(()) => seite(&st, jar, &f, None, true, StatusCode::OK).await,
        Err(e @ (Fehler::Ungueltig(_) | Fehler::ZuViele(_))) => {
            let status = match e {
                Fehler::ZuViele(_) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let m = AppError::from(e).meldung();
            seite(&st, jar, &f, Some(m), false, status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The link of the mail shows a button: a GET changes nothing (mail scanners follow links).
async fn bestaetigen_seite(
    State(st): State<AppState>,
    jar: CookieJar,
    Path(secret): Path<String>,
) -> PageResult<Response> {
    let (jar, csrf) = anon_csrf(&st, jar);
    let html = render("registrierung_bestaetigen.html", context! { csrf, secret })?;
    Ok((jar, html).into_response())
}

async fn bestaetigen(
    State(st): State<AppState>,
    jar: CookieJar,
    Path(secret): Path<String>,
) -> PageResult<Response> {
    let (user_id, tenant_id) = match st.verfahren.registrierung_bestaetigen(&secret).await {
        Ok(x) => x,
        Err(e @ (Fehler::Ungueltig(_) | Fehler::Konflikt(_))) => {
            let e = AppError::from(e);
            let status = e.status();
            let m = e.meldung();
            let html = crate::templates::render_error_page(status, &m);
            return Ok((status, html).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(user_id, tenant_id, "registered and signed in");
    let jar = sitzung::sitzung_oeffnen(&st, jar, user_id, tenant_id).await?;
    Ok((jar, Redirect::to("/start")).into_response())
}

// --- Passwort vergessen --------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct VergessenForm {
    #[serde(default)]
    email: String,
}

async fn vergessen_seite(
    st: &AppState,
    jar: CookieJar,
    email: &str,
    fehler: Option<String>,
    gesendet: bool,
    status: StatusCode,
) -> PageResult<Response> {
    let (jar, csrf) = anon_csrf(st, jar);
    let html = render(
        "passwort_vergessen.html",
        context! { csrf, email, fehler, gesendet, secret => None::<String> },
    )?;
    Ok((status, jar, html).into_response())
}

async fn vergessen_formular(State(st): State<AppState>, jar: CookieJar) -> PageResult<Response> {
    vergessen_seite(&st, jar, "", None, false, StatusCode::OK).await
}

async fn vergessen_absenden(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    Form(f): Form<VergessenForm>,
) -> PageResult<Response> {
    if !erlaubt(&st, "passwort_vergessen", &addr).await? {
        tracing::warn!("password link refused: too many from one client address");
        let status = StatusCode::TOO_MANY_REQUESTS;
        return vergessen_seite(
            &st,
            jar,
            f.email.trim(),
            Some(ZU_VIELE.into()),
            false,
            status,
        )
        .await;
    }
    match st.verfahren.passwort_vergessen(&f.email).await {
        Ok(()) => vergessen_seite(&st, jar, f.email.trim(), None, true, StatusCode::OK).await,
        Err(e @ Fehler::Ungueltig(_)) => {
            let m = AppError::from(e).meldung();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            vergessen_seite(&st, jar, f.email.trim(), Some(m), false, status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct NeuesPasswortForm {
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    passwort_wiederholung: String,
}

async fn neues_passwort_seite(
    st: &AppState,
    jar: CookieJar,
    secret: &str,
    fehler: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let (jar, csrf) = anon_csrf(st, jar);
    let html = render(
        "passwort_vergessen.html",
        context! { csrf, fehler, gesendet => false, secret, email => "" },
    )?;
    Ok((status, jar, html).into_response())
}

async fn neues_passwort_formular(
    State(st): State<AppState>,
    jar: CookieJar,
    Path(secret): Path<String>,
) -> PageResult<Response> {
    neues_passwort_seite(&st, jar, &secret, None, StatusCode::OK).await
}

async fn neues_passwort_setzen(
    State(st): State<AppState>,
    jar: CookieJar,
    Path(secret): Path<String>,
    Form(f): Form<NeuesPasswortForm>,
) -> PageResult<Response> {
    match st
        .verfahren
        .passwort_zuruecksetzen(&secret, &f.passwort, &f.passwort_wiederholung)
        .await
    {
        Ok(()) => {
            // Signed out everywhere, this browser too: the new password signs in again.
            let jar = jar.add(sitzung::removal_cookie(sitzung::SESSION_COOKIE));
            Ok((jar, Redirect::to("/anmelden?passwort=neu")).into_response())
        }
        Err(e @ Fehler::Ungueltig(_)) => {
            let m = AppError::from(e).meldung();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            neues_passwort_seite(&st, jar, &secret, Some(m), status).await
        }
        Err(e) => Err(e.into()),
    }
}
