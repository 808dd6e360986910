//! A real OpenID Connect provider on loopback: the certified `oidc-provider` package from
//! npm (`tests/oidc-provider/server.mjs`), started per test. Its test hooks register
//! accounts and inject faults into the token answer (re-signed, so only Plankammer's own
//! checks can refuse them); the protocol itself is the package's.

use crate::process::Proc;
use crate::repo_root;
use plankammer_storage::testing::tempfile_dir::TempDir;
use std::time::Duration;

pub struct OidcProvider {
    pub issuer: String,
    proc: Proc,
    http: reqwest::Client,
    _logs: TempDir,
}

impl OidcProvider {
    /// Starts the provider and waits for it to listen. `npm ci` in `tests/oidc-provider`
    /// must have run (scripts/setup.sh does it); without it this fails, never skips.
    pub async fn start() -> OidcProvider {
        let dir = repo_root().join("tests/oidc-provider");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "tests/oidc-provider/node_modules is missing: run scripts/setup.sh (npm ci there)"
        );
        let logs = TempDir::new();
        let proc = Proc::start(
            std::path::Path::new("node"),
            &[dir.join("server.mjs").to_str().expect("path")],
            &[("PORT", "0".to_string())],
            logs.path(),
            "oidc-provider",
        );
        let issuer = crate::wait_for("the OpenID provider", Duration::from_secs(30), || {
            let out = proc.output();
            async move {
                out.lines()
                    .find_map(|l| l.strip_prefix("OIDC_PROVIDER_READY "))
                    .map(|u| u.trim().to_string())
            }
        })
        .await;
        OidcProvider {
            issuer,
            proc,
            http: reqwest::Client::new(),
            _logs: logs,
        }
    }

    pub fn log(&self) -> String {
        self.proc.output()
    }

    /// Stops the provider (a provider that is down).
    pub fn stoppen(&mut self) {
        self.proc.kill_hard();
    }

    /// Registers a client (dynamic client registration); returns its id and secret.
    pub async fn client(&self, app_url: &str) -> (String, String) {
        let r: serde_json::Value = self
            .http
            .post(format!("{}/reg", self.issuer))
            .json(&serde_json::json!({
                "redirect_uris": [format!("{app_url}/anmelden/extern/rueckkehr")],
                "post_logout_redirect_uris": [format!("{app_url}/anmelden?abgemeldet=1")],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            }))
            .send()
            .await
            .expect("register client")
            .error_for_status()
            .expect("registration accepted")
            .json()
            .await
            .expect("registration answer");
        (
            r["client_id"].as_str().expect("client_id").to_string(),
            r["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        )
    }

    /// Registers (or replaces) an account the interaction form accepts by its `login`.
    pub async fn konto(&self, konto: serde_json::Value) {
        self.http
            .post(format!("{}/_test/accounts", self.issuer))
            .json(&konto)
            .send()
            .await
            .expect("register account")
            .error_for_status()
            .expect("account accepted");
    }

    /// Sets the fault mode of the token answer (`normal`, `wrong_aud`, `expired`,
    /// `wrong_nonce`, `wrong_iss`, `unknown_key`, `rotated`).
    pub async fn modus(&self, modus: &str) {
        self.http
            .post(format!("{}/_test/mode", self.issuer))
            .json(&serde_json::json!({ "mode": modus }))
            .send()
            .await
            .expect("set mode")
            .error_for_status()
            .expect("mode accepted");
    }

    /// The configuration of a Plankammer provider pointing here.
    pub fn anbieter(
        &self,
        id: &str,
        art: plankammer_api::oidc::Anbieterart,
        client: &(String, String),
        behoerde: Option<&str>,
    ) -> plankammer_api::oidc::AnbieterConfig {
        use plankammer_api::oidc::Anbieterart;
        plankammer_api::oidc::AnbieterConfig {
            id: id.to_string(),
            art,
            issuer: self.issuer.clone(),
            client_id: client.0.clone(),
            client_secret: client.1.clone(),
            scopes: match art {
                Anbieterart::Buerger => vec!["openid".into(), "email".into(), "profile".into()],
                Anbieterart::Behoerde => vec![
                    "openid".into(),
                    "email".into(),
                    "profile".into(),
                    "groups".into(),
                ],
            },
            label: match art {
                Anbieterart::Buerger => "Mit Servicekonto anmelden".into(),
                Anbieterart::Behoerde => "Anmeldung für Beschäftigte".into(),
            },
            behoerde: behoerde.map(str::to_string),
            gruppen_claim: "groups".into(),
        }
    }
}

/// Starts a sign-in at Plankammer (`anbieter`), signs in at the provider as `login`, and
/// returns the callback URL the provider sends the browser back to (not yet followed).
/// `c` keeps cookies and follows no redirects, like the test clients.
pub async fn bis_zur_rueckkehr(
    c: &reqwest::Client,
    app_url: &str,
    anbieter: &str,
    login: &str,
) -> String {
    let seite = c
        .get(format!("{app_url}/anmelden"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let token = crate::csrf_from(&seite).expect("login page has a CSRF token");
    let r = c
        .post(format!("{app_url}/anmelden/extern"))
        .form(&[
            ("_csrf", token.as_str()),
            ("anbieter", anbieter),
            ("weiter", "/start"),
        ])
        .send()
        .await
        .expect("start sign-in");
    assert_eq!(r.status(), 303, "the sign-in goes to the provider");
    let ziel = ort(&r, app_url);
    beim_anbieter(c, app_url, ziel, login).await
}

/// From the provider's authorization URL `ziel`: signs in as `login` and returns the
/// callback URL the provider sends the browser back to (not yet followed).
pub async fn beim_anbieter(
    c: &reqwest::Client,
    app_url: &str,
    ziel: String,
    login: &str,
) -> String {
    let mut ziel = ziel;
    let rueckkehr = format!("{app_url}/anmelden/extern/rueckkehr");
    for _ in 0..20 {
        if ziel.starts_with(&rueckkehr) {
            return ziel;
        }
        let r = c.get(&ziel).send().await.expect("provider page");
        if r.status().is_redirection() {
            ziel = ort(&r, &ziel);
            continue;
        }
        let url = r.url().clone();
        let html = r.text().await.expect("provider page body");
        assert!(
            url.path().starts_with("/interaction/"),
            "expected the provider's sign-in form at {url}, got:\n{html}"
        );
        let r = c
            .post(format!("{}/login", url.as_str().trim_end_matches('/')))
            .form(&[("login", login)])
            .send()
            .await
            .expect("sign in at the provider");
        assert!(
            r.status().is_redirection(),
            "the provider accepts {login}: {}",
            r.status()
        );
        ziel = ort(&r, url.as_str());
    }
    panic!("the provider did not send the browser back");
}

/// The absolute target of a redirect.
fn ort(r: &reqwest::Response, basis: &str) -> String {
    let loc = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("a redirect from {basis}: {}", r.status()));
    url::Url::parse(basis)
        .and_then(|b| b.join(loc))
        .expect("redirect target")
        .to_string()
}
