//! A person invited to an authority follows the link of the mail: they set a password (new
//! account) or sign in with the account they have, and accept.

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
        .route("/zugang/{secret}", get(zugang).post(zugang_konto))
        .route("/zugang/{secret}/annehmen", post(zugang_annehmen))
}

struct Eingabe<'a> {
    fehler: Option<String>,
    name: &'a str,
    status: StatusCode,
}

async fn zugang_seite(
    st: &AppState,
    jar: CookieJar,
    u: Option<&CurrentUser>,
    secret: &str,
    ein: Eingabe<'_>,
) -> PageResult<Response> {
    let o = match st.verfahren.zugang_oeffnen(secret).await {
        Ok(o) => o,
        Err(Fehler::Ungueltig(m)) => {
            let html = crate::templates::render_error_page(StatusCode::NOT_FOUND, &m.join(" "));
            return Ok((StatusCode::NOT_FOUND, html).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let e = &o.einladung;
    let einladung = context! {
        name => e.name, email => e.email, behoerde => o.behoerde.name,
        rolle => e.role.bezeichnung(), secret,
        gueltig_bis => plankammer_domain::zeit::format_berlin(e.laeuft_ab_at),
    };
    let Eingabe {
        fehler,
        name,
        status,
    } = ein;
    match u {
        Some(u) => {
            let passt = u.member().user.email.eq_ignore_ascii_case(&e.email);
            let html = render(
                "zugang.html",
                context! {
                    layout => layout(u, "/start"), einladung, angemeldet => true,
                    passt, csrf => u.0.csrf_token.clone(), fehler,
                },
            )?;
            Ok((status, html).into_response())
        }
        None => {
            let (jar, token) = sitzung::anon_csrf(jar, st.config.secure_cookies);
            let weiter = format!("/zugang/{secret}");
            let anmelden = format!(
                "/anmelden?weiter={}",
                url::form_urlencoded::byte_serialize(weiter.as_bytes()).collect::<String>()
            );
            let html = render(
                "zugang.html",
                context! {
                    einladung, angemeldet => false, konto_vorhanden => o.konto_vorhanden,
                    anmelden, csrf => token, fehler, name,
                },
            )?;
            Ok((status, jar, html).into_response())
        }
    }
}

async fn zugang(
    State(st): State<AppState>,
    jar: CookieJar,
    Extension(sitzung): Extension<Option<SessionInfo>>,
    Path(secret): Path<String>,
) -> PageResult<Response> {
    let u = sitzung.map(CurrentUser);
    let ein = Eingabe {
        fehler: None,
        name: "",
        status: StatusCode::OK,
    };
    zugang_seite(&st, jar, u.as_ref(), &secret, ein).await
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

/// A new account for the invited person: user, membership in the invited role, the
/// invitation used up (one step), then a session.
async fn zugang_konto(
    State(st): State<AppState>,
    jar: CookieJar,
    Extension(sitzung): Extension<Option<SessionInfo>>,
    Path(secret): Path<String>,
    Form(f): Form<KontoForm>,
) -> PageResult<Response> {
    if sitzung.is_some() {
        return Ok(Redirect::to(&format!("/zugang/{secret}")).into_response());
    }
    // An invalid or used link is refused as such, before the form is looked at.
    st.verfahren.zugang_oeffnen(&secret).await?;
    let (user_id, tenant_id) = match st
        .verfahren
        .zugang_mit_neuem_konto(&secret, &f.name, &f.passwort, &f.passwort_wiederholung)
        .await
    {
        Ok(x) => x,
        Err(e @ (Fehler::Ungueltig(_) | Fehler::Konflikt(_))) => {
            let e = AppError::from(e);
            let status = e.status();
            let ein = Eingabe {
                fehler: Some(e.meldung()),
                name: f.name.trim(),
                status,
            };
            return zugang_seite(&st, jar, None, &secret, ein).await;
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(user_id, tenant_id, "invited person created an account");
    // Staff of an authority that requires a second factor set it up before the first
    // session, as at any login.
    super::zweitfaktor::nach_dem_passwort(&st, jar, user_id, tenant_id, "/start".into(), false)
        .await
}

/// A signed-in person accepts with the invited address and continues in the new authority.
async fn zugang_annehmen(
    State(st): State<AppState>,
    jar: CookieJar,
    u: CurrentUser,
    Path(secret): Path<String>,
) -> PageResult<Response> {
    let tenant_id = match st.verfahren.zugang_annehmen(u.akteur(), &secret).await {
        Ok(t) => t,
        Err(e @ (Fehler::Ungueltig(_) | Fehler::Konflikt(_))) => {
            let e = AppError::from(e);
            let status = e.status();
            let ein = Eingabe {
                fehler: Some(e.meldung()),
                name: "",
                status,
            };
            return zugang_seite(&st, jar, Some(&u), &secret, ein).await;
        }
        Err(e) => return Err(e.into()),
    };
    st.db.delete_session(&u.0.secret).await?;
    let jar = jar.add(sitzung::removal_cookie(sitzung::SESSION_COOKIE));
    super::zweitfaktor::nach_dem_passwort(&st, jar, u.user_id(), tenant_id, "/start".into(), false)
        .await
}
