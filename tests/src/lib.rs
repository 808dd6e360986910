//! The test harness every integration test uses: the application in-process on a free port
//! (`spawn_app`), the real binary as a child process, and real servers on loopback for the
//! services Plankammer talks to (SMTP, S3, a browser through ChromeDriver).
//!
//! Nothing here skips: when a server a test needs cannot be started, the test fails with a
//! message that says how to provide it (`scripts/setup.sh` installs everything).

pub mod browser;
pub mod oidc;
pub mod pdf;
pub mod postgres;
pub mod process;
pub mod routen;
pub mod s3;
pub mod schalter;
pub mod smtp;
pub mod welt;
pub mod zugriff;

use plankammer_api::{ApiConfig, AppState, Application};
use plankammer_domain::{Role, TenantSlug};
use plankammer_storage::Db;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::testing::{fresh_database_url, tempfile_dir::TempDir};
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const PASSWORD: &str = "ein-sicheres-testpasswort";

/// The repository root (for `web/`, `sample-plans/`).
/// The `plankammer` binary beside the running test (`PLANKAMMER_BIN` overrides): the
/// sandbox child that stamps plans and renders a Bescheid.
pub fn plankammer_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("PLANKAMMER_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("current exe");
    let bin = exe
        .parent()
        .and_then(std::path::Path::parent)
        .map(|d| d.join("plankammer"))
        .expect("target dir");
    assert!(
        bin.exists(),
        "the sandbox child {} is missing: run `cargo build --bin plankammer` first",
        bin.display()
    );
    bin
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Where tests put what people should look at (screenshots): `target/test-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let d = repo_root().join("target/test-artifacts");
    std::fs::create_dir_all(&d).expect("create artifacts dir");
    d
}

/// A free TCP port on loopback (bound and released; fine for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind loopback")
        .local_addr()
        .expect("addr")
        .port()
}

/// Polls `check` until it returns `Some`, or panics after `timeout` with `what`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The application running in this process on a free port, with its own fresh database
/// (SQLite or PostgreSQL, as `PLANKAMMER_TEST_DB` says) and document folder.
pub struct TestApp {
    pub url: String,
    /// The procedure over the app's store: tests call its steps as the pages do.
    pub verfahren: plankammer_verfahren::Verfahren,
    pub db: Db,
    pub blobs: BlobStore,
    pub dir: TempDir,
    shutdown: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut ApiConfig)) -> TestApp {
    spawn_app_on(free_port(), adjust).await
}

/// Like [`spawn_app_with`], on a port chosen before (an OpenID provider needs the redirect
/// address before the app starts).
pub async fn spawn_app_on(port: u16, adjust: impl FnOnce(&mut ApiConfig)) -> TestApp {
    let dir = TempDir::new();
    let db_url = fresh_database_url(dir.path()).await;
    spawn_app_im(dir, &db_url, None, port, adjust).await
}

/// The application in-process over a database that exists already (another process's:
/// the cluster's fault tests seed a running cluster through the steps this way), and over
/// `blobs` (default: a folder of its own).
pub async fn spawn_app_auf(db_url: &str, blobs: Option<BlobStore>) -> TestApp {
    spawn_app_im(TempDir::new(), db_url, blobs, free_port(), |_| {}).await
}

async fn spawn_app_im(
    dir: TempDir,
    db_url: &str,
    blobs: Option<BlobStore>,
    port: u16,
    adjust: impl FnOnce(&mut ApiConfig),
) -> TestApp {
    let db = Db::connect(db_url).await.expect("connect test database");
    db.migrate().await.expect("migrate");
    let blobs = blobs.unwrap_or_else(|| {
        BlobStore::from_url(&format!(
            "file://{}",
            dir.path().join("dokumente").display()
        ))
        .expect("blob store")
    });
    let url = format!("http://127.0.0.1:{port}");
    let mut config = ApiConfig::for_url(&url, repo_root().join("web"));
    adjust(&mut config);
    let state = AppState::new(db.clone(), blobs.clone(), config);
    let verfahren = state.verfahren.clone();
    let app = Application::bind(&format!("127.0.0.1:{port}"), state)
        .await
        .expect("bind");
    let shutdown = CancellationToken::new();
    let s = shutdown.clone();
    tokio::spawn(async move { app.run(s).await });
    TestApp {
        url,
        verfahren,
        db,
        blobs,
        dir,
        shutdown,
    }
}

impl TestApp {
    /// A tenant whose staff sign in with the password alone (the second factor has its own
    /// tests: `zweitfaktor::*`, which switch it on).
    pub async fn tenant(&self, slug: &str) -> i64 {
        let name = format!("Bauaufsicht {slug}");
        let id = self
            .db
            .create_tenant(
                &TenantSlug::parse(slug).expect("slug"),
                &name,
                plankammer_storage::now_millis(),
            )
            .await
            .expect("create tenant")
            .id;
        self.db
            .zweiter_faktor_pflicht_jetzt(id, false)
            .await
            .expect("second factor off");
        id
    }

    /// Creates an account through the operator's step (`plankammer user add`): audited, the
    /// person is mailed.
    pub async fn user(&self, tenant_id: i64, email: &str, role: Role) -> i64 {
        let neu = plankammer_verfahren::verwaltung::NeuesKonto {
            email,
            name: &format!("Person {email}"),
            passwort: PASSWORD,
            rolle: role,
        };
        self.verfahren
            .konto_anlegen_als_betreiber(
                &plankammer_verfahren::Betreiber::an_der_konsole(),
                tenant_id,
                &neu,
            )
            .await
            .expect("create account")
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Logs in through the login form; returns the client and the session's CSRF token.
    pub async fn login(&self, email: &str) -> (reqwest::Client, String) {
        let c = self.client();
        let resp = self.try_login(&c, email, PASSWORD).await;
        assert_eq!(resp.status(), 303, "login of {email} should redirect");
        let start = c
            .get(format!("{}/start", self.url))
            .send()
            .await
            .expect("start")
            .text()
            .await
            .expect("body");
        let csrf = csrf_from(&start).expect("start page carries a CSRF token");
        (c, csrf)
    }

    pub async fn try_login(
        &self,
        c: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        self.try_login_via(c, email, password, None).await
    }

    /// A login through the form, with an `X-Forwarded-For` header as a proxy (and a client
    /// before it) would have written it.
    pub async fn try_login_via(
        &self,
        c: &reqwest::Client,
        email: &str,
        password: &str,
        forwarded_for: Option<&str>,
    ) -> reqwest::Response {
        let page = c
            .get(format!("{}/anmelden", self.url))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("body");
        let token = csrf_from(&page).expect("login form has a CSRF token");
        let mut req = c.post(format!("{}/anmelden", self.url));
        if let Some(xff) = forwarded_for {
            req = req.header("x-forwarded-for", xff);
        }
        req.form(&[
            ("email", email),
            ("passwort", password),
            ("_csrf", token.as_str()),
        ])
        .send()
        .await
        .expect("post login")
    }
}

/// Logs in at a running Plankammer through its login form, as a browser would. Returns the
/// client (holding the session cookie) and the answer to the form.
pub async fn login_at(
    url: &str,
    email: &str,
    password: &str,
) -> (reqwest::Client, reqwest::Response) {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = c
        .get(format!("{url}/anmelden"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let token = csrf_from(&page).expect("login form has a CSRF token");
    let r = c
        .post(format!("{url}/anmelden"))
        .form(&[
            ("email", email),
            ("passwort", password),
            ("_csrf", token.as_str()),
        ])
        .send()
        .await
        .expect("post login");
    (c, r)
}

/// Completes a login that waits for setting up its second factor (the authority requires
/// one and the person has none yet), as a person with an authenticator app would: reads
/// the key from the page, types the current code. Returns the secret and the session
/// cookie (`pk_sitzung=…`) the confirmation set.
pub async fn zweiter_faktor_einrichten_at(c: &reqwest::Client, url: &str) -> (Vec<u8>, String) {
    let seite = c
        .get(format!("{url}/anmelden/zweiter-faktor"))
        .send()
        .await
        .expect("second step")
        .text()
        .await
        .expect("body");
    let marker = "data-testid=\"totp-schluessel\">";
    let start = seite.find(marker).expect("the set-up shows the key") + marker.len();
    let ende = seite[start..].find('<').expect("end of key") + start;
    let geheimnis = plankammer_domain::totp::base32_lesen(&seite[start..ende]).expect("base32 key");
    let token = csrf_from(&seite).expect("the form has a CSRF token");
    let code = plankammer_domain::totp::code(&geheimnis, plankammer_storage::now_millis());
    let r = c
        .post(format!("{url}/anmelden/zweiter-faktor"))
        .form(&[("_csrf", token.as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("post code");
    assert_eq!(r.status(), 200, "the set-up is confirmed");
    let sitzung = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pk_sitzung="))
        .and_then(|c| c.split(';').next())
        .expect("the confirmation opens a session")
        .to_string();
    (geheimnis, sitzung)
}

/// The session's CSRF token, read from the start page.
pub async fn session_csrf(c: &reqwest::Client, url: &str) -> String {
    let page = c
        .get(format!("{url}/start"))
        .send()
        .await
        .expect("start page")
        .text()
        .await
        .expect("body");
    csrf_from(&page).expect("start page carries a CSRF token")
}

/// The value of the first `_csrf` hidden field in a page.
pub fn csrf_from(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}
