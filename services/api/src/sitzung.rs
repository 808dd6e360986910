//! Who is asking: the session (browser) or a personal access token (machine client).
//!
//! `resolve_session` looks the session cookie up once per request and leaves the result in
//! the request's extensions; the extractors below read it. Access rules that depend on the
//! role are decided in the domain (`Role::may_…`) and checked here in one place.

use crate::oidc::Anbieterart;
use crate::{AppError, AppState, error::ApiError};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use plankammer_domain::Role;
use plankammer_domain::vertrauensniveau::Vertrauensniveau;
use plankammer_storage::accounts::Member;
use plankammer_storage::now_millis;
use plankammer_verfahren::{Akteur, Anmeldeweg};
use time as cookie_time;

pub const SESSION_COOKIE: &str = "pk_sitzung";
/// Double-submit token for forms shown before login (login CSRF).
pub const ANON_CSRF_COOKIE: &str = "pk_csrf";

/// The logged-in person of this request, if any.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub secret: String,
    pub csrf_token: String,
    pub member: Member,
    /// The person as the procedure knows them.
    pub akteur: Akteur,
    /// The OpenID provider the person signed in through (None: a local password).
    pub anbieter: Option<String>,
}

/// Middleware: resolve the session cookie once, for the extractors and the CSRF guard.
pub async fn resolve_session(
    State(state): State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Response {
    let mut info: Option<SessionInfo> = None;
    if let Some(c) = jar.get(SESSION_COOKIE) {
        let secret = c.value().to_string();
        match state.db.session(&secret, now_millis()).await {
            Ok(Some(s)) => match state.db.member(s.user_id, s.tenant_id).await {
                Ok(member) => {
                    let niveau = s.niveau.as_deref().and_then(Vertrauensniveau::from_code);
                    let weg = match s.anbieter.as_deref().map(|a| state.oidc.anbieter(a)) {
                        None => Anmeldeweg::Passwort,
                        Some(Some(a)) if a.art == Anbieterart::Buerger => Anmeldeweg::Servicekonto,
                        // A staff provider, or one no longer configured: the tenant only.
                        Some(_) => Anmeldeweg::Behoerdenkonto,
                    };
                    // The way in bounds the role: a citizens' provider opens applicant
                    // memberships only, an authority's provider its own authority only.
                    // A session that got around that (by any path) is no session.
                    let passt = match weg {
                        Anmeldeweg::Passwort => true,
                        Anmeldeweg::Servicekonto => member.role == Role::Antragsteller,
                        Anmeldeweg::Behoerdenkonto => s
                            .anbieter
                            .as_deref()
                            .and_then(|a| state.oidc.anbieter(a))
                            .is_some_and(|a| {
                                a.behoerde.as_deref() == Some(member.tenant.slug.as_str())
                            }),
                    };
                    if !passt {
                        tracing::warn!("session refused: its way in does not allow this role");
                        req.extensions_mut().insert(None::<SessionInfo>);
                        return next.run(req).await;
                    }
                    info = Some(SessionInfo {
                        secret,
                        csrf_token: s.csrf_token,
                        akteur: Akteur::aus(&member).angemeldet(weg, niveau),
                        member,
                        anbieter: s.anbieter,
                    })
                }
                Err(plankammer_storage::StoreError::NotFound) => {}
                Err(e) => return AppError::from(e).into_response_for(&req),
            },
            Ok(None) => {}
            Err(e) => return AppError::from(e).into_response_for(&req),
        }
    }
    req.extensions_mut().insert(info);
    next.run(req).await
}

impl AppError {
    /// JSON for API paths, a page otherwise.
    pub fn into_response_for(self, req: &Request) -> Response {
        use axum::response::IntoResponse;
        if req.uri().path().starts_with("/api/") {
            ApiError(self).into_response()
        } else {
            self.into_response()
        }
    }
}

pub fn session_cookie(
    secret: String,
    secure: bool,
    max_age: std::time::Duration,
) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, secret))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time_duration(max_age))
        .build()
}

pub fn removal_cookie(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build((name, "")).path("/").build();
    c.make_removal();
    c
}

fn time_duration(d: std::time::Duration) -> cookie_time::Duration {
    cookie_time::Duration::seconds(d.as_secs() as i64)
}

/// A logged-in person on a page. Not logged in: redirected to the login.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub SessionInfo);

impl CurrentUser {
    /// The person as the procedure knows them: what every step takes.
    pub fn akteur(&self) -> &Akteur {
        &self.0.akteur
    }
    pub fn member(&self) -> &Member {
        &self.0.member
    }
    pub fn role(&self) -> Role {
        self.0.member.role
    }
    pub fn user_id(&self) -> i64 {
        self.0.member.user.id
    }
    pub fn tenant_id(&self) -> i64 {
        self.0.member.tenant.id
    }
    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), AppError> {
        if allowed(self.role()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts
            .extensions
            .get::<Option<SessionInfo>>()
            .cloned()
            .flatten()
        {
            Some(info) => Ok(CurrentUser(info)),
            None => {
                let return_to = (parts.method == axum::http::Method::GET).then(|| {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_else(|| "/".into())
                });
                Err(AppError::NotLoggedIn { return_to })
            }
        }
    }
}

/// The caller of an API route: a personal access token (`Authorization: Bearer pkt_…`) or a
/// browser session (then the CSRF guard has checked the `X-CSRF-Token` header).
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub member: Member,
    pub akteur: Akteur,
    pub via_token: Option<i64>,
    /// A token's rights (`None`: a browser session, which may do what the person may).
    pub rechte: Option<plankammer_storage::tokens::Rechte>,
}

impl ApiCaller {
    /// The person as the procedure knows them: what every step takes.
    pub fn akteur(&self) -> &Akteur {
        &self.akteur
    }
    pub fn role(&self) -> Role {
        self.member.role
    }
    pub fn user_id(&self) -> i64 {
        self.member.user.id
    }
    pub fn tenant_id(&self) -> i64 {
        self.member.tenant.id
    }
    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), ApiError> {
        if allowed(self.role()) {
            Ok(())
        } else {
            Err(ApiError(AppError::Forbidden))
        }
    }

    /// Tokens are made and revoked only by the person signed in, never by a token:
    /// a stolen token cannot mint one that outlives its revocation.
    pub fn nur_in_sitzung(&self) -> Result<(), ApiError> {
        if self.via_token.is_some() {
            return Err(ApiError(AppError::Verweigert(
                "Zugangsschlüssel verwalten Sie nur nach Anmeldung im Browser, nicht mit einem Schlüssel.".into(),
            )));
        }
        Ok(())
    }

    /// How this caller reads a document, for the audit log of downloads.
    pub fn lesart(&self) -> plankammer_verfahren::dokumente::Lesart {
        if self.via_token.is_some() {
            plankammer_verfahren::dokumente::Lesart::Schluessel
        } else {
            plankammer_verfahren::dokumente::Lesart::Sitzung
        }
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer(parts: &axum::http::HeaderMap) -> Option<&str> {
    parts
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(secret) = bearer(&parts.headers) {
            // A request that presents a token is judged by the token alone, never by cookies.
            let owner = state.db.authenticate_token(secret, now_millis()).await?;
            let Some(owner) = owner else {
                return Err(ApiError(AppError::NotLoggedIn { return_to: None }));
            };
            let member = state
                .db
                .member(owner.user_id, owner.tenant_id)
                .await
                .map_err(|e| match e {
                    plankammer_storage::StoreError::NotFound => {
                        ApiError(AppError::NotLoggedIn { return_to: None })
                    }
                    other => ApiError(other.into()),
                })?;
            // The one place a token's rights are enforced: a reading token never changes.
            if owner.rechte == plankammer_storage::tokens::Rechte::Lesen
                && !matches!(
                    parts.method,
                    axum::http::Method::GET | axum::http::Method::HEAD
                )
            {
                return Err(ApiError(AppError::Verweigert(
                    "Dieser Zugangsschlüssel darf nur lesen.".into(),
                )));
            }
            if let Some(vorgang) = owner.vorgang_id {
                nur_im_vorgang(state, parts, vorgang, owner.token_id).await?;
            }
            return Ok(ApiCaller {
                akteur: Akteur::aus(&member),
                member,
                via_token: Some(owner.token_id),
                rechte: Some(owner.rechte),
            });
        }
        match parts
            .extensions
            .get::<Option<SessionInfo>>()
            .cloned()
            .flatten()
        {
            Some(info) => Ok(ApiCaller {
                member: info.member,
                akteur: info.akteur,
                via_token: None,
                rechte: None,
            }),
            None => Err(ApiError(AppError::NotLoggedIn { return_to: None })),
        }
    }
}

/// The one place a token bound to a case is confined: it reaches `/api/v1/me`, its own
/// revocation, the case's routes and the routes of the case's documents, versions and
/// requests (`/api/v1/{documents|versions|anfragen|beteiligungen}/{id}/…`), and nothing
/// else. An allowlist, so a route added later is closed to such tokens until named here.
async fn nur_im_vorgang(
    state: &AppState,
    parts: &Parts,
    vorgang: i64,
    token_id: i64,
) -> Result<(), ApiError> {
    let verweigert = || {
        ApiError(AppError::Verweigert(format!(
            "Dieser Zugangsschlüssel gilt nur für den Vorgang {vorgang}."
        )))
    };
    let teile: Vec<&str> = parts.uri.path().trim_end_matches('/').split('/').collect();
    let (art, id) = match teile.as_slice() {
        ["", "api", "v1", "me"] => return Ok(()),
        ["", "api", "v1", art, id, ..] => (*art, id.parse::<i64>().map_err(|_| verweigert())?),
        _ => return Err(verweigert()),
    };
    let gehoert = match art {
        "cases" => id == vorgang,
        "tokens" => id == token_id && teile.len() == 5,
        _ => {
            state
                .db
                .vorgang_des_objekts(art, id)
                .await
                .map_err(|e| ApiError(e.into()))?
                == Some(vorgang)
        }
    };
    if gehoert { Ok(()) } else { Err(verweigert()) }
}

/// The client's address, for login limits: the socket peer, or, behind `proxy_hops`
/// trusted reverse proxies, the `X-Forwarded-For` entry that many places from the right
/// (each proxy appends the address it was connected from; whatever stands further left
/// the client wrote itself and may rotate at will). Several headers count as one list.
pub fn client_addr(
    parts: &axum::http::HeaderMap,
    peer: Option<std::net::SocketAddr>,
    proxy_hops: u8,
) -> String {
    let peer = peer
        .map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unbekannt".into());
    if proxy_hops == 0 {
        return peer;
    }
    let eintraege: Vec<&str> = parts
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let n = usize::from(proxy_hops);
    match eintraege.len().checked_sub(n) {
        Some(i) => eintraege[i]
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.to_string())
            .unwrap_or(peer),
        // Fewer entries than proxies: the request did not come through all of them.
        None => peer,
    }
}

/// The anonymous double-submit CSRF token of forms shown before sign-in (login,
/// registration, invitations, password reset): the one in the browser's cookie, or a new
/// one; returned with the cookie set again.
pub fn anon_csrf(
    jar: axum_extra::extract::cookie::CookieJar,
    secure: bool,
) -> (axum_extra::extract::cookie::CookieJar, String) {
    use axum_extra::extract::cookie::{Cookie, SameSite};
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
    (jar.add(cookie), token)
}

/// Opens a session for the person in this tenant and puts its cookie in the jar (the
/// pre-login CSRF cookie goes). Every way in ends here: login, registration, invitations,
/// the choice of the authority.
pub async fn sitzung_oeffnen(
    st: &AppState,
    jar: CookieJar,
    user_id: i64,
    tenant_id: i64,
) -> Result<CookieJar, AppError> {
    sitzung_oeffnen_ueber(st, jar, user_id, tenant_id, None).await
}

/// Like [`sitzung_oeffnen`], for a sign-in through an OpenID provider: the session keeps
/// the provider (for signing out there too) and the trust level it reported.
pub async fn sitzung_oeffnen_ueber(
    st: &AppState,
    jar: CookieJar,
    user_id: i64,
    tenant_id: i64,
    herkunft: Option<(&str, Option<&str>)>,
) -> Result<CookieJar, AppError> {
    let ttl = st.config.session_ttl;
    let session = st
        .db
        .create_session(user_id, tenant_id, now_millis(), ttl.as_millis() as i64)
        .await?;
    if let Some((anbieter, niveau)) = herkunft {
        st.db
            .sitzung_herkunft(&session.secret, anbieter, niveau)
            .await?;
    }
    Ok(jar
        .add(session_cookie(
            session.secret,
            st.config.secure_cookies,
            ttl,
        ))
        .add(removal_cookie(ANON_CSRF_COOKIE)))
}

#[cfg(test)]
mod tests {
    use super::client_addr;
    use axum::http::{HeaderMap, HeaderValue};

    fn kopf(werte: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for w in werte {
            h.append("x-forwarded-for", HeaderValue::from_str(w).unwrap());
        }
        h
    }

    /// A client that writes its own X-Forwarded-For cannot choose the address it is counted
    /// under: only the entries the trusted proxies appended are believed.
    #[test]
    fn only_the_trusted_proxies_entries_count() {
        let proxy = Some("10.0.0.2:443".parse().unwrap());
        // No proxy trusted: the socket peer, whatever the header says.
        assert_eq!(client_addr(&kopf(&["1.2.3.4"]), proxy, 0), "10.0.0.2");
        // One proxy: the entry it appended (the last), not the client's own first ones.
        let gefaelscht = kopf(&["6.6.6.6, 7.7.7.7, 203.0.113.9"]);
        assert_eq!(client_addr(&gefaelscht, proxy, 1), "203.0.113.9");
        // Rotating the forged part changes nothing.
        let anders = kopf(&["8.8.8.8, 203.0.113.9"]);
        assert_eq!(client_addr(&anders, proxy, 1), "203.0.113.9");
        // Two proxies (CDN and load balancer): the second entry from the right.
        assert_eq!(client_addr(&gefaelscht, proxy, 2), "7.7.7.7");
        // Several header lines form one list.
        assert_eq!(
            client_addr(&kopf(&["6.6.6.6", "203.0.113.9"]), proxy, 1),
            "203.0.113.9"
        );
        // Too few entries, or garbage: the socket peer.
        assert_eq!(client_addr(&kopf(&[]), proxy, 1), "10.0.0.2");
        assert_eq!(client_addr(&kopf(&["203.0.113.9"]), proxy, 2), "10.0.0.2");
        assert_eq!(client_addr(&kopf(&["nicht-ip"]), proxy, 1), "10.0.0.2");
    }
}
