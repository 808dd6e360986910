//! Signing in through an OpenID provider (Servicekonto for applicants, the authority's own
//! directory for staff), and linking an account to one under „Mein Konto“.
//!
//! The sign-in starts with a POST (login CSRF token) that remembers `state`, `nonce` and
//! the PKCE verifier in the store, and the same `state` in an http-only cookie: the
//! callback is accepted only in the browser that started it, once, within ten minutes.

use crate::error::PageResult;
use crate::oidc::{ANMELDUNG_GUELTIG_MS, Anbieterart, OidcFehler};
use crate::seiten::anmeldung::{ClientAddr, login_page, safe_return_to};
use crate::sitzung::{self, CurrentUser};
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use minijinja::context;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::identitaeten::OidcAnmeldung;
use plankammer_storage::{now_millis, sha256_hex};
use plankammer_verfahren::Fehler;
use plankammer_verfahren::extern_anmeldung::{ExterneAnmeldung, Identitaet};
use serde::Deserialize;

/// The cookie that binds a sign-in at the provider to this browser (holds the `state`).
const OIDC_COOKIE: &str = "pk_oidc";
const COOKIE_PFAD: &str = "/anmelden/extern";
/// Longest `state` we look at (ours are 22 characters).
const MAX_STATE: usize = 256;
/// Longest authorization code we pass on to the provider.
const MAX_CODE: usize = 4096;
/// Sign-ins one client address may start per hour (each stores a row until it expires).
pub const MAX_ANMELDUNGEN_JE_ADRESSE_STUNDE: i64 = 60;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/anmelden/extern", post(beginnen))
        // = crate::oidc::RUECKKEHR_PFAD (spelled out: the access matrix reads routes from
        // the source).
        .route("/anmelden/extern/rueckkehr", get(rueckkehr))
        .route(
            "/anmelden/extern/behoerde",
            get(behoerde_seite).post(behoerde_waehlen),
        )
        .route("/konto/extern/verbinden", post(verbinden))
}

#[derive(Deserialize)]
struct BeginnForm {
    anbieter: String,
    #[serde(default)]
    weiter: Option<String>,
}

fn oidc_cookie(st: &AppState, state: String) -> Cookie<'static> {
    Cookie::build((OIDC_COOKIE, state))
        .path(COOKIE_PFAD)
        .http_only(true)
        .secure(st.config.secure_cookies)
        // Lax: the provider sends the browser back with a top-level GET.
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(ANMELDUNG_GUELTIG_MS / 1000))
        .build()
}

fn ohne_oidc_cookie(jar: CookieJar) -> CookieJar {
    jar.add(
        Cookie::build((OIDC_COOKIE, ""))
            .path(COOKIE_PFAD)
            .max_age(time::Duration::ZERO)
            .build(),
    )
}

/// The sign-in page again, with a German sentence on what went wrong.
fn fehlerseite(
    st: &AppState,
    jar: CookieJar,
    status: StatusCode,
    satz: &str,
) -> PageResult<Response> {
    login_page(
        st,
        ohne_oidc_cookie(jar),
        status,
        Some(satz),
        None,
        "",
        "/start",
    )
}

async fn starten(
    st: &AppState,
    jar: CookieJar,
    anbieter: &str,
    weiter: String,
    verbinden_user_id: Option<i64>,
) -> PageResult<Response> {
    let Some(a) = st.oidc.anbieter(anbieter) else {
        return Err(AppError::NotFound);
    };
    let beginn = match st
        .oidc
        .beginnen(a, &st.config.public_url, verbinden_user_id.is_some())
        .await
    {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(anbieter = %a.id, error = %e, "OIDC sign-in could not start");
            return fehlerseite(st, jar, StatusCode::SERVICE_UNAVAILABLE, NICHT_ERREICHBAR);
        }
    };
    st.db
        .oidc_anmeldung_anlegen(
            &sha256_hex(&beginn.state),
            &OidcAnmeldung {
                anbieter: a.id.clone(),
                nonce: beginn.nonce,
                pkce_verifier: beginn.pkce_verifier,
                weiter,
                laeuft_ab_at: now_millis() + ANMELDUNG_GUELTIG_MS,
                verbinden_user_id,
            },
        )
        .await?;
    Ok((
        jar.add(oidc_cookie(st, beginn.state)),
        Redirect::to(beginn.url.as_str()),
    )
        .into_response())
}

async fn beginnen(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    Form(f): Form<BeginnForm>,
) -> PageResult<Response> {
    if st.oidc.anbieter(&f.anbieter).is_none() {
        return Err(AppError::NotFound);
    }
    if !st
        .db
        .anfrage_erlaubt(
            "oidc",
            &addr,
            3600 * 1000,
            MAX_ANMELDUNGEN_JE_ADRESSE_STUNDE,
            now_millis(),
        )
        .await?
    {
        tracing::warn!("OIDC sign-in refused by the rate limit");
        return fehlerseite(
            &st,
            jar,
            StatusCode::TOO_MANY_REQUESTS,
            "Von Ihrem Anschluss wurden in der letzten Stunde sehr viele Anmeldungen begonnen. Bitte warten Sie etwas und versuchen Sie es dann erneut.",
        );
    }
    let weiter = safe_return_to(f.weiter.as_deref()).to_string();
    starten(&st, jar, &f.anbieter, weiter, None).await
}

/// „Mein Konto“: link this account to a provider.
async fn verbinden(
    State(st): State<AppState>,
    jar: CookieJar,
    user: CurrentUser,
    Form(f): Form<BeginnForm>,
) -> PageResult<Response> {
    // Only what „Mein Konto“ offers: applicants the citizens' provider, staff their own
    // authority's provider. Anything else is no provider for this person.
    let erlaubt = st.oidc.anbieter(&f.anbieter).is_some_and(|a| match a.art {
        Anbieterart::Buerger => user.role() == plankammer_domain::Role::Antragsteller,
        Anbieterart::Behoerde => {
            a.behoerde.as_deref() == Some(user.member().tenant.slug.as_str())
                && user.role() != plankammer_domain::Role::Antragsteller
        }
    });
    if !erlaubt {
        return Err(AppError::NotFound);
    }
    starten(&st, jar, &f.anbieter, "/konto".into(), Some(user.user_id())).await
}

const NICHT_ERREICHBAR: &str = "Der Anmeldedienst ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten erneut oder melden Sie sich mit Ihrem Passwort an.";
const NICHT_HIER_BEGONNEN: &str = "Diese Anmeldung ist abgelaufen, wurde schon verwendet oder nicht in diesem Browser begonnen. Bitte melden Sie sich erneut an.";

#[derive(Deserialize)]
struct Rueckkehr {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn fehlschlag_audit(
    st: &AppState,
    anbieter: Option<&str>,
    grund: &str,
) -> Result<(), AppError> {
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: None,
                actor_user_id: None,
                action: "login.failure",
                object_type: "user",
                object_id: None,
                detail: serde_json::json!({ "via": "oidc", "anbieter": anbieter, "grund": grund }),
            },
            now_millis(),
        )
        .await?;
    Ok(())
}

async fn rueckkehr(
    State(st): State<AppState>,
    axum::Extension(sitzung): axum::Extension<Option<crate::sitzung::SessionInfo>>,
    jar: CookieJar,
    Query(q): Query<Rueckkehr>,
) -> PageResult<Response> {
    let now = now_millis();
    let state = q.state.filter(|s| !s.is_empty() && s.len() <= MAX_STATE);
    let im_browser = jar.get(OIDC_COOKIE).map(|c| c.value().to_string());
    // The state must be the one this browser started with (login CSRF), …
    let Some(state) = state.filter(|s| im_browser.as_deref() == Some(s.as_str())) else {
        tracing::warn!("OIDC callback refused: state missing or not this browser's");
        // Audited only when this browser started a sign-in: a bare request writes nothing.
        if im_browser.is_some() {
            fehlschlag_audit(&st, None, "state").await?;
        }
        return fehlerseite(&st, jar, StatusCode::FORBIDDEN, NICHT_HIER_BEGONNEN);
    };
    let state_hash = sha256_hex(&state);
    // … and used once, in time (a replayed callback finds nothing).
    let Some(a) = st.db.oidc_anmeldung_einloesen(&state_hash, now).await? else {
        tracing::warn!("OIDC callback refused: sign-in unknown, expired or used");
        fehlschlag_audit(&st, None, "state_verbraucht").await?;
        return fehlerseite(&st, jar, StatusCode::FORBIDDEN, NICHT_HIER_BEGONNEN);
    };
    let Some(anbieter) = st.oidc.anbieter(&a.anbieter) else {
        return fehlerseite(&st, jar, StatusCode::FORBIDDEN, NICHT_HIER_BEGONNEN);
    };
    if let Some(err) = q.error.as_deref() {
        let err: String = err
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(64)
            .collect();
        tracing::info!(anbieter = %anbieter.id, error = %err, "provider ended the sign-in");
        fehlschlag_audit(&st, Some(&anbieter.id), "abgebrochen").await?;
        return fehlerseite(
            &st,
            jar,
            StatusCode::BAD_REQUEST,
            "Die Anmeldung beim Anmeldedienst wurde abgebrochen oder abgelehnt. Sie können es erneut versuchen.",
        );
    }
    let Some(code) = q.code.filter(|c| !c.is_empty() && c.len() <= MAX_CODE) else {
        fehlschlag_audit(&st, Some(&anbieter.id), "ohne_code").await?;
        return fehlerseite(&st, jar, StatusCode::FORBIDDEN, NICHT_HIER_BEGONNEN);
    };
    let identitaet = match st
        .oidc
        .abschliessen(
            anbieter,
            &st.config.public_url,
            &code,
            &a.nonce,
            &a.pkce_verifier,
        )
        .await
    {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(anbieter = %anbieter.id, error = %e, "OIDC sign-in failed");
            let (status, grund, satz) = match e {
                OidcFehler::NichtErreichbar(_) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "nicht_erreichbar",
                    NICHT_ERREICHBAR,
                ),
                OidcFehler::Abgelehnt(_) => (
                    StatusCode::BAD_REQUEST,
                    "abgelehnt",
                    "Der Anmeldedienst hat die Anmeldung nicht bestätigt. Bitte melden Sie sich erneut an.",
                ),
                OidcFehler::Ungueltig(_) => (
                    StatusCode::BAD_REQUEST,
                    "token_ungueltig",
                    "Die Antwort des Anmeldedienstes war nicht gültig (Signatur, Aussteller, Empfänger oder Gültigkeit stimmen nicht). Aus Sicherheitsgründen wurden Sie nicht angemeldet. Bitte versuchen Sie es erneut.",
                ),
            };
            fehlschlag_audit(&st, Some(&anbieter.id), grund).await?;
            return fehlerseite(&st, jar, status, satz);
        }
    };
    let jar = ohne_oidc_cookie(jar);
    if let Some(uid) = a.verbinden_user_id {
        // Linking is for the person who asked for it, still signed in in this browser.
        if sitzung.as_ref().map(|s| s.member.user.id) != Some(uid) {
            tracing::warn!("OIDC link refused: the signed-in person is not the one who asked");
            return fehlerseite(&st, jar, StatusCode::FORBIDDEN, NICHT_HIER_BEGONNEN);
        }
        return match st.verfahren.identitaet_verbinden(uid, &identitaet).await {
            Ok(()) => Ok((jar, Redirect::to("/konto?verbunden=1")).into_response()),
            Err(e) => Err(e.into()),
        };
    }
    let ergebnis = match anbieter.art {
        Anbieterart::Buerger => st.verfahren.buerger_extern_anmelden(&identitaet).await,
        Anbieterart::Behoerde => {
            let slug = anbieter.behoerde.as_deref().unwrap_or_default();
            match st.db.tenant_by_slug(slug).await {
                Ok(t) => {
                    st.verfahren
                        .personal_extern_anmelden(&identitaet, t.id)
                        .await
                }
                Err(plankammer_storage::StoreError::NotFound) => {
                    tracing::error!(anbieter = %anbieter.id, "staff provider names an unknown tenant");
                    Err(Fehler::KeineBerechtigung)
                }
                Err(e) => Err(e.into()),
            }
        }
    };
    match ergebnis {
        Ok(ExterneAnmeldung::Sitzung {
            user_id,
            tenant_id,
            mehrere,
        }) => {
            sitzung_beginnen(
                &st,
                jar,
                &identitaet,
                user_id,
                tenant_id,
                &a.weiter,
                mehrere,
            )
            .await
        }
        Ok(ExterneAnmeldung::BehoerdeWaehlen { user_id }) => {
            // The row (and its cookie) now stand for the applicant who chooses.
            let niveau = identitaet.niveau().map(|n| n.code());
            st.db
                .oidc_anmeldung_wartet(&state_hash, user_id, niveau)
                .await?;
            Ok((
                jar.add(oidc_cookie(&st, state)),
                Redirect::to("/anmelden/extern/behoerde"),
            )
                .into_response())
        }
        Err(Fehler::KeineBerechtigung) => fehlerseite(
            &st,
            jar,
            StatusCode::FORBIDDEN,
            "Ihr Konto beim Anmeldedienst Ihrer Behörde ist keiner Rolle in Plankammer zugeordnet. Bitte wenden Sie sich an die Administration Ihrer Behörde.",
        ),
        Err(e) => {
            let e = AppError::from(e);
            let status = e.status();
            fehlerseite(&st, jar, status, &e.meldung())
        }
    }
}

async fn sitzung_beginnen(
    st: &AppState,
    jar: CookieJar,
    i: &Identitaet,
    user_id: i64,
    tenant_id: i64,
    weiter: &str,
    mehrere: bool,
) -> PageResult<Response> {
    let niveau = i.niveau().map(|n| n.code());
    let jar = sitzung::sitzung_oeffnen_ueber(
        st,
        jar,
        user_id,
        tenant_id,
        Some((i.anbieter.as_str(), niveau)),
    )
    .await?;
    super::zweitfaktor::audit_login(st, user_id, tenant_id, "oidc").await?;
    tracing::info!(user_id, tenant_id, "logged in through a provider");
    Ok((
        jar,
        Redirect::to(&super::zweitfaktor::ziel_nach_anmeldung(weiter, mehrere)),
    )
        .into_response())
}

/// The applicant waiting for the choice of authority, named by the cookie.
async fn wartend(
    st: &AppState,
    jar: &CookieJar,
) -> Result<Option<(String, plankammer_storage::identitaeten::WartendeAnmeldung)>, AppError> {
    let Some(state) = jar
        .get(OIDC_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|s| !s.is_empty() && s.len() <= MAX_STATE)
    else {
        return Ok(None);
    };
    let hash = sha256_hex(&state);
    Ok(st
        .db
        .wartende_anmeldung(&hash, now_millis())
        .await?
        .map(|w| (hash, w)))
}

async fn behoerde_seite(State(st): State<AppState>, jar: CookieJar) -> PageResult<Response> {
    if wartend(&st, &jar).await?.is_none() {
        return fehlerseite(&st, jar, StatusCode::FORBIDDEN, NICHT_HIER_BEGONNEN);
    }
    behoerde_formular(&st, jar, StatusCode::OK, None).await
}

async fn behoerde_formular(
    st: &AppState,
    jar: CookieJar,
    status: StatusCode,
    fehler: Option<&str>,
) -> PageResult<Response> {
    let (jar, csrf) = sitzung::anon_csrf(jar, st.config.secure_cookies);
    let behoerden = st.db.tenants().await?;
    let html = render(
        "anmelden_behoerde.html",
        context! { csrf, behoerden, fehler },
    )?;
    Ok((status, jar, html).into_response())
}

#[derive(Deserialize)]
struct BehoerdeForm {
    #[serde(default)]
    behoerde: String,
}

async fn behoerde_waehlen(
    State(st): State<AppState>,
    jar: CookieJar,
    Form(f): Form<BehoerdeForm>,
) -> PageResult<Response> {
    let Some((hash, w)) = wartend(&st, &jar).await? else {
        return fehlerseite(&st, jar, StatusCode::FORBIDDEN, NICHT_HIER_BEGONNEN);
    };
    let Ok(tenant_id) = f.behoerde.parse::<i64>() else {
        return behoerde_formular(
            &st,
            jar,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Bitte wählen Sie die Bauaufsichtsbehörde aus, bei der Sie Anträge stellen."),
        )
        .await;
    };
    if let Err(e) = st
        .verfahren
        .antragsteller_behoerde_waehlen(w.user_id, tenant_id)
        .await
    {
        let e = AppError::from(e);
        return behoerde_formular(&st, jar, e.status(), Some(&e.meldung())).await;
    }
    st.db.wartende_anmeldung_beenden(&hash).await?;
    let jar = ohne_oidc_cookie(jar);
    let jar = sitzung::sitzung_oeffnen_ueber(
        &st,
        jar,
        w.user_id,
        tenant_id,
        Some((w.anbieter.as_str(), w.niveau.as_deref())),
    )
    .await?;
    super::zweitfaktor::audit_login(&st, w.user_id, tenant_id, "oidc").await?;
    Ok((jar, Redirect::to(safe_return_to(Some(&w.weiter)))).into_response())
}
