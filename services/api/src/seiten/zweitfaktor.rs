//! The second step of a login (TOTP code or recovery code, or setting the factor up where
//! the authority requires it), and the factor under „Mein Konto“.
//!
//! After the right password a login that needs the factor is kept as an
//! `anmeldevorgang` (ten minutes, five tries) named by an http-only cookie; only the right
//! code opens the session.

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::{self, CurrentUser};
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use minijinja::context;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::zweitfaktor::Anmeldevorgang;
use plankammer_storage::{now_millis, sha256_hex};
use plankammer_verfahren::Fehler;
use plankammer_verfahren::zweitfaktor::Anmeldeschritt;
use serde::Deserialize;

/// The `otpauth://` link as a QR code to scan with the authenticator app: inline SVG
/// (nothing loaded, nothing the CSP would have to allow), safe to put in the page as it is.
fn qr_svg(link: &str) -> Option<minijinja::Value> {
    let code =
        qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline in HTML the XML declaration has no place.
    let svg = svg.split_once("?>").map_or(svg.as_str(), |(_, s)| s).replacen(
        "<svg ",
        "<svg role=\"img\" aria-label=\"QR-Code mit dem Schlüssel für die Authenticator-App\" class=\"pk-qr\" ",
        1,
    );
    Some(minijinja::Value::from_safe_string(svg))
}

/// The cookie naming a login that waits for its second factor.
const ANMELDUNG_COOKIE: &str = "pk_anmeldung";
/// How long a login waits for the code.
const WARTEZEIT_MS: i64 = 10 * 60 * 1000;
/// Wrong codes before the login has to start again with the password.
pub const MAX_VERSUCHE: i64 = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/anmelden/zweiter-faktor",
            get(code_seite).post(code_pruefen),
        )
        .route(
            "/konto/zweiter-faktor",
            get(konto_einrichten).post(konto_bestaetigen),
        )
        .route("/konto/zweiter-faktor/abschalten", post(konto_abschalten))
}

/// After the right password: the session opens, or the login waits for the factor.
pub(crate) async fn nach_dem_passwort(
    st: &AppState,
    jar: CookieJar,
    user_id: i64,
    tenant_id: i64,
    weiter: String,
    mehrere: bool,
) -> PageResult<Response> {
    match st.verfahren.anmeldeschritt(user_id).await? {
        Anmeldeschritt::Fertig => {
            vollenden(st, jar, user_id, tenant_id, &weiter, mehrere, "password").await
        }
        _ => {
            let token = plankammer_storage::random_token(32);
            st.db
                .anmeldevorgang_anlegen(
                    &sha256_hex(&token),
                    &Anmeldevorgang {
                        user_id,
                        tenant_id,
                        weiter,
                        mehrere,
                        laeuft_ab_at: now_millis() + WARTEZEIT_MS,
                        versuche: 0,
                    },
                )
                .await?;
            let c = Cookie::build((ANMELDUNG_COOKIE, token))
                .path("/anmelden")
                .http_only(true)
                .secure(st.config.secure_cookies)
                .same_site(SameSite::Lax)
                .max_age(time::Duration::seconds(WARTEZEIT_MS / 1000))
                .build();
            Ok((jar.add(c), Redirect::to("/anmelden/zweiter-faktor")).into_response())
        }
    }
}

/// Opens the session, audits the login and goes on (to the choice of the authority first
/// for a person of several).
async fn vollenden(
    st: &AppState,
    jar: CookieJar,
    user_id: i64,
    tenant_id: i64,
    weiter: &str,
    mehrere: bool,
    via: &str,
) -> PageResult<Response> {
    let jar = sitzung::sitzung_oeffnen(st, jar, user_id, tenant_id).await?;
    audit_login(st, user_id, tenant_id, via).await?;
    tracing::info!(user_id, tenant_id, "logged in");
    Ok((jar, Redirect::to(&ziel_nach_anmeldung(weiter, mehrere))).into_response())
}

/// Where a finished login goes: the page asked for, or first the choice of the authority
/// for a person of several.
pub(crate) fn ziel_nach_anmeldung(weiter: &str, mehrere: bool) -> String {
    if mehrere {
        format!(
            "/konto/behoerde?weiter={}",
            url::form_urlencoded::byte_serialize(weiter.as_bytes()).collect::<String>()
        )
    } else {
        weiter.to_string()
    }
}

fn vorgang_token(jar: &CookieJar) -> Option<String> {
    jar.get(ANMELDUNG_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

fn zurueck_zur_anmeldung(jar: CookieJar) -> Response {
    (
        jar.add(
            Cookie::build((ANMELDUNG_COOKIE, ""))
                .path("/anmelden")
                .max_age(time::Duration::ZERO)
                .build(),
        ),
        Redirect::to("/anmelden?abgelaufen=1"),
    )
        .into_response()
}

struct Seite<'a> {
    fehler: Option<&'a str>,
    status: StatusCode,
}

/// The page of the second step: the code, or the set-up with the key.
async fn zeige(
    st: &AppState,
    jar: CookieJar,
    v: &Anmeldevorgang,
    seite: Seite<'_>,
) -> PageResult<Response> {
    let (jar, csrf) = sitzung::anon_csrf(jar, st.config.secure_cookies);
    let tenant = st.db.tenant(v.tenant_id).await?;
    let html = match st.verfahren.anmeldeschritt(v.user_id).await? {
        Anmeldeschritt::Einrichten => {
            let e = st
                .verfahren
                .zweitfaktor_einrichten(v.user_id, &tenant.name)
                .await?;
            render(
                "zweiter_faktor.html",
                context! {
                    csrf, fehler => seite.fehler, einrichten => true,
                    schluessel => e.schluessel, qr => qr_svg(&e.link), link => e.link, behoerde => tenant.name,
                    aktion => "/anmelden/zweiter-faktor",
                },
            )?
        }
        _ => render(
            "zweiter_faktor.html",
            context! {
                csrf, fehler => seite.fehler, einrichten => false,
                aktion => "/anmelden/zweiter-faktor",
            },
        )?,
    };
    Ok((seite.status, jar, html).into_response())
}

async fn code_seite(State(st): State<AppState>, jar: CookieJar) -> PageResult<Response> {
    let Some(token) = vorgang_token(&jar) else {
        return Ok(Redirect::to("/anmelden").into_response());
    };
    let Some(v) = st
        .db
        .anmeldevorgang(&sha256_hex(&token), now_millis())
        .await?
    else {
        return Ok(zurueck_zur_anmeldung(jar));
    };
    let seite = Seite {
        fehler: None,
        status: StatusCode::OK,
    };
    zeige(&st, jar, &v, seite).await
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn code_pruefen(
    State(st): State<AppState>,
    jar: CookieJar,
    Form(f): Form<CodeForm>,
) -> PageResult<Response> {
    let Some(token) = vorgang_token(&jar) else {
        return Ok(Redirect::to("/anmelden").into_response());
    };
    let hash = sha256_hex(&token);
    let Some(v) = st.db.anmeldevorgang(&hash, now_millis()).await? else {
        return Ok(zurueck_zur_anmeldung(jar));
    };
    if st.db.anmeldevorgang_versuch(&hash).await? > MAX_VERSUCHE {
        st.db.anmeldevorgang_beenden(&hash).await?;
        tracing::warn!(user_id = v.user_id, "second factor: too many wrong codes");
        return Ok(zurueck_zur_anmeldung(jar));
    }
    let fertig = |jar: CookieJar| {
        jar.add(
            Cookie::build((ANMELDUNG_COOKIE, ""))
                .path("/anmelden")
                .max_age(time::Duration::ZERO)
                .build(),
        )
    };
    match st.verfahren.anmeldeschritt(v.user_id).await? {
        Anmeldeschritt::Einrichten => {
            match st
                .verfahren
                .zweitfaktor_bestaetigen(v.user_id, v.tenant_id, &f.code)
                .await
            {
                Ok(codes) => {
                    st.db.anmeldevorgang_beenden(&hash).await?;
                    let jar =
                        sitzung::sitzung_oeffnen(&st, fertig(jar), v.user_id, v.tenant_id).await?;
                    audit_login(&st, v.user_id, v.tenant_id, "password+totp").await?;
                    let weiter = ziel_nach_anmeldung(&v.weiter, v.mehrere);
                    let html = render("wiederherstellungscodes.html", context! { codes, weiter })?;
                    Ok((StatusCode::OK, jar, html).into_response())
                }
                Err(Fehler::Ungueltig(m)) => {
                    let m = m.join(" ");
                    let seite = Seite {
                        fehler: Some(&m),
                        status: StatusCode::UNPROCESSABLE_ENTITY,
                    };
                    zeige(&st, jar, &v, seite).await
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => match st.verfahren.zweitfaktor_pruefen(v.user_id, &f.code).await? {
            Some(art) => {
                st.db.anmeldevorgang_beenden(&hash).await?;
                let via = if art == "totp" {
                    "password+totp"
                } else {
                    "password+recovery"
                };
                vollenden(
                    &st,
                    fertig(jar),
                    v.user_id,
                    v.tenant_id,
                    &v.weiter,
                    v.mehrere,
                    via,
                )
                .await
            }
            None => {
                st.db
                    .audit_now(
                        AuditEvent {
                            tenant_id: Some(v.tenant_id),
                            actor_user_id: Some(v.user_id),
                            action: "login.mfa_failure",
                            object_type: "user",
                            object_id: Some(v.user_id.to_string()),
                            detail: serde_json::json!({}),
                        },
                        now_millis(),
                    )
                    .await?;
                let seite = Seite {
                    fehler: Some(
                        "Der Code stimmt nicht. Bitte geben Sie die sechs Ziffern ein, die Ihre App gerade zeigt, oder einen Wiederherstellungscode.",
                    ),
                    status: StatusCode::UNAUTHORIZED,
                };
                zeige(&st, jar, &v, seite).await
            }
        },
    }
}

pub(crate) async fn audit_login(
    st: &AppState,
    user_id: i64,
    tenant_id: i64,
    via: &str,
) -> Result<(), AppError> {
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(tenant_id),
                actor_user_id: Some(user_id),
                action: "login.success",
                object_type: "user",
                object_id: Some(user_id.to_string()),
                detail: serde_json::json!({ "via": via }),
            },
            now_millis(),
        )
        .await?;
    Ok(())
}

// --- Mein Konto --------------------------------------------------------------------------

async fn konto_seite(
    st: &AppState,
    user: &CurrentUser,
    fehler: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let e = st
        .verfahren
        .zweitfaktor_einrichten(user.user_id(), &user.member().tenant.name)
        .await?;
    let html = render(
        "zweiter_faktor.html",
        context! {
            layout => layout(user, "/konto"), csrf => user.0.csrf_token.clone(), fehler,
            einrichten => true, schluessel => e.schluessel, qr => qr_svg(&e.link), link => e.link,
            behoerde => user.member().tenant.name.clone(), aktion => "/konto/zweiter-faktor",
            im_konto => true,
        },
    )?;
    Ok((status, html).into_response())
}

/// Setting the factor up from „Mein Konto“ (for anyone; required of staff where the
/// authority says so).
async fn konto_einrichten(State(st): State<AppState>, user: CurrentUser) -> PageResult<Response> {
    if st
        .db
        .zweitfaktor(user.user_id())
        .await?
        .is_some_and(|z| z.bestaetigt)
    {
        return Ok(Redirect::to("/konto#zweiter-faktor").into_response());
    }
    konto_seite(&st, &user, None, StatusCode::OK).await
}

async fn konto_bestaetigen(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CodeForm>,
) -> PageResult<Response> {
    match st
        .verfahren
        .zweitfaktor_bestaetigen(user.user_id(), user.tenant_id(), &f.code)
        .await
    {
        Ok(codes) => {
            let html = render(
                "wiederherstellungscodes.html",
                context! { layout => layout(&user, "/konto"), codes, weiter => "/konto#zweiter-faktor" },
            )?;
            Ok(html.into_response())
        }
        Err(Fehler::Ungueltig(m)) => {
            konto_seite(
                &st,
                &user,
                Some(m.join(" ")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn konto_abschalten(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CodeForm>,
) -> PageResult<Response> {
    match st
        .verfahren
        .zweitfaktor_abschalten(user.akteur(), &f.code)
        .await
    {
        Ok(()) => Ok(Redirect::to("/konto?zweiter_faktor=aus#zweiter-faktor").into_response()),
        Err(e @ (Fehler::Ungueltig(_) | Fehler::Konflikt(_))) => {
            let m = AppError::from(e).meldung();
            let html = crate::templates::render_error_page(StatusCode::UNPROCESSABLE_ENTITY, &m);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
