//! The invited Bauherrschaft follows the link of its mail: it signs in (or creates its
//! account) and accepts the invitation, then sees the case.

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::{self, CurrentUser, SessionInfo};
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use plankammer_verfahren::Fehler;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/einladung/{secret}", get(einladung).post(einladung_konto))
        .route("/einladung/{secret}/annehmen", post(einladung_annehmen))
}

async fn einladung_seite(
    st: &AppState,
    jar: CookieJar,
    u: Option<&CurrentUser>,
    secret: &str,
    fehler: Option<String>,
    name: &str,
    status: StatusCode,
) -> PageResult<Response> {
    let e = match st.verfahren.offene_einladung(secret).await {
        Ok(e) => e,
        Err(Fehler::Ungueltig(m)) => {
            let html = crate::templates::render_error_page(StatusCode::NOT_FOUND, &m.join(" "));
            return Ok((StatusCode::NOT_FOUND, html).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let b = &e.beteiligter;
    let einladung = context! {
        name => b.name, email => b.email, vorhaben => e.antrag.bezeichnung,
        eingeladen_von => e.eingeladen_von, secret,
    };
    match u {
        Some(u) => {
            let passt = u.member().user.email.eq_ignore_ascii_case(&b.email);
            let html = render(
                "einladung.html",
                context! {
                    layout => layout(u, "/start"), einladung, angemeldet => true,
                    passt, csrf => u.0.csrf_token.clone(), fehler,
                },
            )?;
            Ok((status, html).into_response())
        }
        None => {
            let (jar, token) = sitzung::anon_csrf(jar, st.config.secure_cookies);
            let weiter = format!("/einladung/{secret}");
            let anmelden = format!(
                "/anmelden?weiter={}",
                url::form_urlencoded::byte_serialize(weiter.as_bytes()).collect::<String>()
            );
            let html = render(
                "einladung.html",
                context! {
                    einladung, angemeldet => false, konto_vorhanden => e.konto_vorhanden,
                    anmelden, csrf => token, fehler, name,
                },
            )?;
            Ok((status, jar, html).into_response())
        }
    }
}

async fn einladung(
    State(st): State<AppState>,
    jar: CookieJar,
    Extension(sitzung): Extension<Option<SessionInfo>>,
    Path(secret): Path<String>,
) -> PageResult<Response> {
    let u = sitzung.map(CurrentUser);
    einladung_seite(&st, jar, u.as_ref(), &secret, None, "", StatusCode::OK).await
}

#[derive(Deserialize)]
struct KontoForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    passwort: String,
    #[serde(default)]
    passwort_wiederholung: String,
}

/// A new account for the invited Bauherrschaft: user, membership as Antragsteller in the
/// case's tenant, the invitation accepted (one step), then a session.
async fn einladung_konto(
    State(st): State<AppState>,
    jar: CookieJar,
    Extension(sitzung): Extension<Option<SessionInfo>>,
    Path(secret): Path<String>,
    Form(f): Form<KontoForm>,
) -> PageResult<Response> {
    if sitzung.is_some() {
        return Ok(Redirect::to(&format!("/einladung/{secret}")).into_response());
    }
    // An invalid or used link is refused as such, before the form is looked at.
    st.verfahren.offene_einladung(&secret).await?;
    let (user_id, tenant_id, vorgang_id) = match st
        .verfahren
        .einladung_mit_neuem_konto(&secret, &f.name, &f.passwort, &f.passwort_wiederholung)
        .await
    {
        Ok(x) => x,
        Err(e @ (Fehler::Ungueltig(_) | Fehler::Konflikt(_))) => {
            let e = AppError::from(e);
            let status = e.status();
            let m = e.meldung();
            return einladung_seite(&st, jar, None, &secret, Some(m), f.name.trim(), status).await;
        }
        Err(e) => return Err(e.into()),
    };
    let jar = sitzung::sitzung_oeffnen(&st, jar, user_id, tenant_id).await?;
    Ok((jar, Redirect::to(&format!("/vorgaenge/{vorgang_id}"))).into_response())
}

/// A signed-in person accepts: only with the invited address, only as applicant.
async fn einladung_annehmen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(secret): Path<String>,
) -> PageResult<Redirect> {
    let id = st.verfahren.einladung_annehmen(u.akteur(), &secret).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}")))
}
