//! The relying party of OpenID Connect: authorization code flow with PKCE, `state` and
//! `nonce`; the ID token checked for signature (against the provider's JWKS, fetched again
//! once when a token names a key we do not know: key rotation), issuer, audience and expiry
//! with a small clock skew; RP-initiated logout where the provider offers it.
//!
//! What the verified claims mean for accounts is the procedure's business
//! (`plankammer_verfahren::extern_anmeldung`); this module only speaks the protocol.

use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, SignatureVerificationError,
};
use plankammer_verfahren::extern_anmeldung::{Identitaet, MAX_GRUPPEN, MAX_GRUPPENNAME};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Connecting to a provider may take this long …
pub const VERBINDUNG_TIMEOUT: Duration = Duration::from_secs(5);
/// … and one whole request (discovery, JWKS, token) this long.
pub const ANFRAGE_TIMEOUT: Duration = Duration::from_secs(10);
/// Discovery document and keys are fetched again after this time.
pub const METADATEN_GUELTIG: Duration = Duration::from_secs(3600);
/// How far the provider's clock may be ahead of ours when we judge expiry.
pub const UHRZEIT_TOLERANZ: Duration = Duration::from_secs(60);
/// How long a sign-in may stay at the provider.
pub const ANMELDUNG_GUELTIG_MS: i64 = 10 * 60 * 1000;
/// The path providers send people back to (one for all providers).
pub const RUECKKEHR_PFAD: &str = "/anmelden/extern/rueckkehr";

/// Whose provider it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anbieterart {
    /// The applicants' Servicekonto / BundID.
    Buerger,
    /// An authority's own directory (for its staff).
    Behoerde,
}

/// One provider, as the deployment configures it (`OIDC_<ID>_*`).
#[derive(Clone)]
pub struct AnbieterConfig {
    /// Short id (lower case), part of the variables' names and stored with each link.
    pub id: String,
    pub art: Anbieterart,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// The button's words on the sign-in page.
    pub label: String,
    /// For staff providers: the tenant (slug) whose staff sign in there.
    pub behoerde: Option<String>,
    /// The claim that carries the groups (staff providers).
    pub gruppen_claim: String,
}

impl std::fmt::Debug for AnbieterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnbieterConfig")
            .field("id", &self.id)
            .field("art", &self.art)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.scopes)
            .field("behoerde", &self.behoerde)
            .finish()
    }
}

/// A configuration variable that is wrong: its name and what is wrong.
#[derive(Debug)]
pub struct FalscheEinstellung {
    pub var: String,
    pub problem: String,
}

/// Reads the providers from the environment (through `get`): `OIDC_ANBIETER` lists ids,
/// each has `OIDC_<ID>_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET`, `_ART` (buerger|behoerde),
/// optional `_SCOPES`, `_LABEL`, and for staff `_BEHOERDE` (tenant slug) and
/// `_GRUPPEN_CLAIM` (default `groups`).
pub fn anbieter_aus(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Vec<AnbieterConfig>, FalscheEinstellung> {
    let Some(liste) = get("OIDC_ANBIETER") else {
        return Ok(Vec::new());
    };
    let mut alle: Vec<AnbieterConfig> = Vec::new();
    for id in liste.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let falsch = |var: &str, problem: &str| FalscheEinstellung {
            var: var.to_string(),
            problem: problem.to_string(),
        };
        if !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || id.len() > 32
        {
            return Err(falsch(
                "OIDC_ANBIETER",
                "ids are lower-case letters, digits and '-', at most 32 characters",
            ));
        }
        if alle.iter().any(|a| a.id == id) {
            return Err(falsch("OIDC_ANBIETER", "an id is listed twice"));
        }
        let praefix = format!("OIDC_{}_", id.to_ascii_uppercase().replace('-', "_"));
        let name = |n: &str| format!("{praefix}{n}");
        let pflicht = |n: &str| get(&name(n)).ok_or_else(|| falsch(&name(n), "is not set"));
        let issuer = pflicht("ISSUER")?.trim_end_matches('/').to_string();
        let url = url::Url::parse(&issuer).map_err(|_| falsch(&name("ISSUER"), "not a URL"))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(falsch(
                &name("ISSUER"),
                "must be https (plain http only on loopback)",
            ));
        }
        let art = match pflicht("ART")?.as_str() {
            "buerger" => Anbieterart::Buerger,
            "behoerde" => Anbieterart::Behoerde,
            _ => return Err(falsch(&name("ART"), "use buerger or behoerde")),
        };
        let behoerde = get(&name("BEHOERDE"));
        if art == Anbieterart::Behoerde && behoerde.is_none() {
            return Err(falsch(
                &name("BEHOERDE"),
                "a staff provider names the tenant (slug) whose staff sign in there",
            ));
        }
        let mut scopes: Vec<String> = get(&name("SCOPES"))
            .unwrap_or_else(|| match art {
                Anbieterart::Buerger => "openid email profile".into(),
                Anbieterart::Behoerde => "openid email profile groups".into(),
            })
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".into());
        }
        alle.push(AnbieterConfig {
            id: id.to_string(),
            art,
            issuer,
            client_id: pflicht("CLIENT_ID")?,
            client_secret: pflicht("CLIENT_SECRET")?,
            scopes,
            label: get(&name("LABEL")).unwrap_or_else(|| match art {
                Anbieterart::Buerger => "Mit Servicekonto anmelden".into(),
                Anbieterart::Behoerde => "Anmeldung für Beschäftigte der Behörde".into(),
            }),
            behoerde,
            gruppen_claim: get(&name("GRUPPEN_CLAIM")).unwrap_or_else(|| "groups".into()),
        });
    }
    Ok(alle)
}

/// Why a sign-in through a provider failed. The pages word each for people; the detail
/// goes to the log in English and never holds a token.
#[derive(Debug, thiserror::Error)]
pub enum OidcFehler {
    /// The provider did not answer (down, timeout, broken discovery).
    #[error("provider unreachable: {0}")]
    NichtErreichbar(String),
    /// The provider refused (error in the callback, code refused at the token endpoint).
    #[error("provider refused: {0}")]
    Abgelehnt(String),
    /// The answer failed our checks (signature, issuer, audience, expiry, nonce).
    #[error("ID token rejected: {0}")]
    Ungueltig(String),
}

/// What a started sign-in needs to remember until the provider sends the person back.
pub struct Beginn {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

struct Zwischenspeicher {
    metadaten: Arc<ProviderMetadataWithLogout>,
    geholt: Instant,
}

/// The providers of this installation and what we know about them.
pub struct Oidc {
    anbieter: Vec<AnbieterConfig>,
    http: openidconnect::reqwest::Client,
    cache: Mutex<HashMap<String, Zwischenspeicher>>,
    origins: Vec<String>,
}

impl Oidc {
    pub fn neu(anbieter: Vec<AnbieterConfig>) -> Oidc {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would let a provider point us anywhere (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .connect_timeout(VERBINDUNG_TIMEOUT)
            .timeout(ANFRAGE_TIMEOUT)
            .build()
            .unwrap_or_default();
        let mut origins: Vec<String> = anbieter
            .iter()
            .filter_map(|a| url::Url::parse(&a.issuer).ok())
            .map(|u| u.origin().ascii_serialization())
            .filter(|o| o != "null")
            .collect();
        origins.sort();
        origins.dedup();
        Oidc {
            anbieter,
            http,
            cache: Mutex::new(HashMap::new()),
            origins,
        }
    }

    /// The providers' origins: sign-in and sign-out forms end there with a redirect, so
    /// the pages' form-action must name them.
    pub fn ursprungs_liste(&self) -> &[String] {
        &self.origins
    }

    pub fn alle(&self) -> &[AnbieterConfig] {
        &self.anbieter
    }

    pub fn anbieter(&self, id: &str) -> Option<&AnbieterConfig> {
        self.anbieter.iter().find(|a| a.id == id)
    }

    /// The staff provider of this tenant (slug), if one is configured.
    pub fn fuer_behoerde(&self, slug: &str) -> Option<&AnbieterConfig> {
        self.anbieter
            .iter()
            .find(|a| a.art == Anbieterart::Behoerde && a.behoerde.as_deref() == Some(slug))
    }

    async fn metadaten(
        &self,
        a: &AnbieterConfig,
        neu_laden: bool,
    ) -> Result<Arc<ProviderMetadataWithLogout>, OidcFehler> {
        {
            let cache = self.cache.lock().await;
            // `neu_laden`: a token named a key we do not know; the keys are fetched again
            // (once per sign-in, and only after the token endpoint, which we called, gave
            // us that token).
            if let Some(z) = cache.get(&a.id)
                && z.geholt.elapsed() < METADATEN_GUELTIG
                && !neu_laden
            {
                return Ok(z.metadaten.clone());
            }
        }
        let issuer = IssuerUrl::new(a.issuer.clone())
            .map_err(|e| OidcFehler::NichtErreichbar(format!("issuer URL: {e}")))?;
        let m = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcFehler::NichtErreichbar(fehlerkette(&e)))?;
        let m = Arc::new(m);
        self.cache.lock().await.insert(
            a.id.clone(),
            Zwischenspeicher {
                metadaten: m.clone(),
                geholt: Instant::now(),
            },
        );
        Ok(m)
    }

    fn redirect(public_url: &str) -> Result<RedirectUrl, OidcFehler> {
        RedirectUrl::new(format!("{public_url}{RUECKKEHR_PFAD}"))
            .map_err(|e| OidcFehler::Ungueltig(format!("redirect URL: {e}")))
    }

    /// The URL to send the person to, and what to remember until they come back.
    /// `anmelden_erzwingen`: the provider must ask for the credentials again even when it
    /// has a session (linking an account: whoever sits at the browser proves who they are).
    pub async fn beginnen(
        &self,
        a: &AnbieterConfig,
        public_url: &str,
        anmelden_erzwingen: bool,
    ) -> Result<Beginn, OidcFehler> {
        let m = self.metadaten(a, false).await?;
        let client = CoreClient::from_provider_metadata(
            (*m).clone(),
            ClientId::new(a.client_id.clone()),
            Some(ClientSecret::new(a.client_secret.clone())),
        )
        .set_redirect_uri(Self::redirect(public_url)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut anfrage = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        if anmelden_erzwingen {
            anfrage = anfrage.add_prompt(openidconnect::core::CoreAuthPrompt::Login);
        }
        for s in a.scopes.iter().filter(|s| *s != "openid") {
            anfrage = anfrage.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = anfrage.url();
        Ok(Beginn {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and checks the ID token.
    pub async fn abschliessen(
        &self,
        a: &AnbieterConfig,
        public_url: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identitaet, OidcFehler> {
        let m = self.metadaten(a, false).await?;
        let client = CoreClient::from_provider_metadata(
            (*m).clone(),
            ClientId::new(a.client_id.clone()),
            Some(ClientSecret::new(a.client_secret.clone())),
        )
        .set_redirect_uri(Self::redirect(public_url)?);
        let antwort = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcFehler::NichtErreichbar(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    OidcFehler::Abgelehnt(format!("token endpoint: {}", r.error()))
                }
                openidconnect::RequestTokenError::Request(e) => {
                    OidcFehler::NichtErreichbar(fehlerkette(&e))
                }
                e => OidcFehler::Abgelehnt(fehlerkette(&e)),
            })?;
        use openidconnect::TokenResponse;
        let id_token = antwort
            .id_token()
            .ok_or_else(|| OidcFehler::Ungueltig("no ID token in the answer".into()))?
            .clone();
        let nonce = Nonce::new(nonce.to_string());
        match self.pruefen(a, &m, &id_token, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // A key we do not know: the provider may have rotated its keys.
                tracing::info!(anbieter = %a.id, "unknown signing key: fetching the provider's keys again");
                let m = self.metadaten(a, true).await?;
                self.pruefen(a, &m, &id_token, &nonce)
                    .map_err(|e| OidcFehler::Ungueltig(e.to_string()))
            }
            r => r.map_err(|e| OidcFehler::Ungueltig(e.to_string())),
        }
    }

    fn pruefen(
        &self,
        a: &AnbieterConfig,
        m: &ProviderMetadataWithLogout,
        id_token: &CoreIdToken,
        nonce: &Nonce,
    ) -> Result<Identitaet, ClaimsVerificationError> {
        let client = CoreClient::from_provider_metadata(
            m.clone(),
            ClientId::new(a.client_id.clone()),
            Some(ClientSecret::new(a.client_secret.clone())),
        );
        let skew = chrono::Duration::from_std(UHRZEIT_TOLERANZ).unwrap_or_default();
        let verifier = client
            .id_token_verifier()
            .set_time_fn(move || chrono::Utc::now() - skew);
        let claims = id_token.claims(&verifier, nonce)?;
        // The claims beyond the standard ones (groups, organisation) from the payload whose
        // signature was just checked.
        let zusatz = nutzlast(id_token);
        let text = |k: &str| zusatz.get(k).and_then(|v| v.as_str()).map(str::to_string);
        // The groups, and whether the provider reported them at all: a missing claim (or a
        // list longer than we look at) must not read as "in no group".
        let (gruppen, gruppen_gemeldet): (Vec<String>, bool) = match zusatz.get(&a.gruppen_claim) {
            Some(serde_json::Value::Array(v)) if v.len() <= MAX_GRUPPEN => (
                v.iter()
                    .filter_map(|g| g.as_str())
                    .filter(|g| g.len() <= MAX_GRUPPENNAME)
                    .map(str::to_string)
                    .collect(),
                true,
            ),
            Some(serde_json::Value::String(g)) => (vec![g.clone()], true),
            _ => (Vec::new(), false),
        };
        let name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string())
            .or_else(|| {
                let vor = claims.given_name().and_then(|n| n.get(None));
                let nach = claims.family_name().and_then(|n| n.get(None));
                match (vor, nach) {
                    (Some(v), Some(n)) => Some(format!("{} {}", v.as_str(), n.as_str())),
                    (Some(v), None) => Some(v.to_string()),
                    (None, Some(n)) => Some(n.to_string()),
                    _ => None,
                }
            });
        Ok(Identitaet {
            anbieter: a.id.clone(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verifiziert: claims.email_verified() != Some(false),
            name,
            organisation: text("organization").or_else(|| text("organisation")),
            gruppen,
            gruppen_gemeldet,
            acr: claims.auth_context_ref().map(|a| a.to_string()),
        })
    }

    /// Where to send the browser to end the session at the provider too (RP-initiated
    /// logout), if the provider offers it.
    pub async fn abmelde_url(&self, a: &AnbieterConfig, public_url: &str) -> Option<url::Url> {
        let m = self.metadaten(a, false).await.ok()?;
        let ende = m.additional_metadata().end_session_endpoint.clone()?;
        let zurueck =
            PostLogoutRedirectUrl::new(format!("{public_url}/anmelden?abgemeldet=1")).ok()?;
        Some(
            openidconnect::LogoutRequest::from(ende)
                .set_client_id(ClientId::new(a.client_id.clone()))
                .set_post_logout_redirect_uri(zurueck)
                .http_get_url(),
        )
    }
}

/// The JSON payload of a (verified) JWT.
fn nutzlast(t: &CoreIdToken) -> serde_json::Map<String, serde_json::Value> {
    let jwt = t.to_string();
    jwt.split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn fehlerkette(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut q = e.source();
    while let Some(x) = q {
        s.push_str(": ");
        s.push_str(&x.to_string());
        q = x.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(paare: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = paare
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn providers_are_read_from_the_environment_and_wrong_ones_named() {
        let a = anbieter_aus(env(&[
            ("OIDC_ANBIETER", "servicekonto, musterstadt"),
            (
                "OIDC_SERVICEKONTO_ISSUER",
                "https://id.example/realms/bund/",
            ),
            ("OIDC_SERVICEKONTO_CLIENT_ID", "plankammer"),
            ("OIDC_SERVICEKONTO_CLIENT_SECRET", "s3cret"),
            ("OIDC_SERVICEKONTO_ART", "buerger"),
            ("OIDC_MUSTERSTADT_ISSUER", "http://127.0.0.1:8081"),
            ("OIDC_MUSTERSTADT_CLIENT_ID", "pk"),
            ("OIDC_MUSTERSTADT_CLIENT_SECRET", "x"),
            ("OIDC_MUSTERSTADT_ART", "behoerde"),
            ("OIDC_MUSTERSTADT_BEHOERDE", "musterstadt"),
            ("OIDC_MUSTERSTADT_SCOPES", "email roles"),
        ]))
        .expect("valid");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].issuer, "https://id.example/realms/bund");
        assert_eq!(a[0].label, "Mit Servicekonto anmelden");
        assert_eq!(a[1].scopes, ["openid", "email", "roles"]);
        assert!(!format!("{:?}", a[0]).contains("s3cret"));
        // No provider: nothing configured, no error.
        assert!(anbieter_aus(env(&[])).expect("empty").is_empty());
        // Plain http off loopback, a staff provider without its tenant, a missing secret.
        let falsch = anbieter_aus(env(&[
            ("OIDC_ANBIETER", "x"),
            ("OIDC_X_ISSUER", "http://id.example"),
            ("OIDC_X_CLIENT_ID", "a"),
            ("OIDC_X_CLIENT_SECRET", "b"),
            ("OIDC_X_ART", "buerger"),
        ]))
        .unwrap_err();
        assert_eq!(falsch.var, "OIDC_X_ISSUER");
        let falsch = anbieter_aus(env(&[
            ("OIDC_ANBIETER", "x"),
            ("OIDC_X_ISSUER", "https://id.example"),
            ("OIDC_X_CLIENT_ID", "a"),
            ("OIDC_X_CLIENT_SECRET", "b"),
            ("OIDC_X_ART", "behoerde"),
        ]))
        .unwrap_err();
        assert_eq!(falsch.var, "OIDC_X_BEHOERDE");
        let falsch = anbieter_aus(env(&[
            ("OIDC_ANBIETER", "x"),
            ("OIDC_X_ISSUER", "https://id.example"),
            ("OIDC_X_CLIENT_ID", "a"),
            ("OIDC_X_ART", "buerger"),
        ]))
        .unwrap_err();
        assert_eq!(falsch.var, "OIDC_X_CLIENT_SECRET");
        assert!(anbieter_aus(env(&[("OIDC_ANBIETER", "Böse")])).is_err());
    }
}
