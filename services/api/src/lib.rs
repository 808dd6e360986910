//! Plankammer's HTTP side: German web pages styled with KERN UX, the JSON API under
//! `/api/v1` with its OpenAPI document, sessions and CSRF protection, and the operations
//! endpoints. Every handler is an adapter over one step of the procedure
//! (`plankammer_verfahren`): it parses, calls the step, and renders or serializes.
//!
//! | folder | what is in it |
//! |---|---|
//! | `seiten/` | the pages, by who uses them: `antragsteller/`, `bauaufsicht/`, `fachstelle/`, `verwaltung/`, and the shared ones (sign-in, account, the case page, the plan viewer) |
//! | `api/` | `/api/v1`, one module per resource, and the OpenAPI document |
//! | `gemeinsam/` | what pages share: the layout, German formatting, downloads, the views of a document version |
//! | the rest | sessions ([`sitzung`]), errors ([`error`]), security headers and CSRF ([`security`]), templates, uploads, operations ([`betrieb`]) |

pub mod api;
pub mod betrieb;
pub mod error;
pub mod gemeinsam;
pub mod oidc;
pub mod security;
pub mod seiten;
pub mod sitzung;
pub mod templates;
pub mod upload;

use axum::Router;
use plankammer_storage::Db;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::login_limit::LoginLimits;
use plankammer_verfahren::Verfahren;
use plankammer_verfahren::dokumente::Hochladegrenzen;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub use error::AppError;

/// What the HTTP side needs to know about its installation.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The address people reach Plankammer at, for links in mails: `http://127.0.0.1:8080`.
    pub public_url: String,
    /// The folder with `static/` and `node_modules/` (KERN UX, htmx).
    pub web_dir: PathBuf,
    pub session_ttl: Duration,
    /// Send cookies only over HTTPS (on when `public_url` is https).
    pub secure_cookies: bool,
    pub login_limits: LoginLimits,
    /// The domain used in Message-IDs of queued mails.
    pub mail_domain: String,
    /// If set, `/metrics` answers only requests with `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// How many reverse proxies in front append to `X-Forwarded-For` (0: none, the socket
    /// peer is the client). The client address (login limits) is the entry that many places
    /// from the right; entries further left are the client's own words.
    pub proxy_hops: u8,
    /// Largest single uploaded file, in bytes.
    pub upload_max_file: u64,
    /// Largest total of all versions of one case, in bytes.
    pub upload_max_case: u64,
    /// Most files in one multipart upload.
    pub upload_max_files: usize,
    /// Longest pause in an upload's bytes, and longest time for one file.
    pub upload_idle_timeout: Duration,
    pub upload_file_timeout: Duration,
    /// Where people report barriers (the feedback contact of the Erklärung zur
    /// Barrierefreiheit, § 4 Abs. 2 Nr. 2 HVBIT): an e-mail address.
    pub barrierefreiheit_kontakt: String,
    /// The OpenID Connect providers people may sign in through (none: local accounts only).
    pub oidc: Vec<oidc::AnbieterConfig>,
}

impl ApiConfig {
    pub fn for_url(public_url: &str, web_dir: PathBuf) -> ApiConfig {
        let host = url::Url::parse(public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into());
        ApiConfig {
            public_url: public_url.trim_end_matches('/').to_string(),
            web_dir,
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: public_url.starts_with("https://"),
            login_limits: LoginLimits::default(),
            mail_domain: host.clone(),
            metrics_token: None,
            proxy_hops: 0,
            upload_max_file: 250_000_000,
            upload_max_case: 2_000_000_000,
            upload_max_files: 50,
            upload_idle_timeout: Hochladegrenzen::default().leerlauf,
            upload_file_timeout: Hochladegrenzen::default().gesamt,
            barrierefreiheit_kontakt: format!("barrierefreiheit@{host}"),
            oidc: Vec::new(),
        }
    }

    /// The limits of one uploaded file and of a case's total.
    pub fn hochladegrenzen(&self) -> Hochladegrenzen {
        Hochladegrenzen {
            datei: self.upload_max_file,
            vorgang: self.upload_max_case,
            leerlauf: self.upload_idle_timeout,
            gesamt: self.upload_file_timeout,
        }
    }

    /// What the procedure needs of this configuration.
    pub fn einstellungen(&self) -> plankammer_verfahren::Einstellungen {
        let mut e = plankammer_verfahren::Einstellungen::fuer_url(&self.public_url);
        e.mail_domain = self.mail_domain.clone();
        e
    }
}

#[derive(Clone)]
pub struct AppState {
    /// The procedure: every step a handler takes.
    pub verfahren: Verfahren,
    /// The store, for sessions and for reading what a step allowed to be shown.
    pub db: Db,
    pub blobs: BlobStore,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<betrieb::Metrics>,
    /// The OpenID providers and their cached discovery documents and keys.
    pub oidc: Arc<oidc::Oidc>,
    /// The pages' Content-Security-Policy (its form-action names the providers).
    pub csp: axum::http::HeaderValue,
}

impl AppState {
    pub fn new(db: Db, blobs: BlobStore, config: ApiConfig) -> AppState {
        let verfahren = Verfahren::neu(db.clone(), blobs.clone(), config.einstellungen());
        let oidc = Arc::new(oidc::Oidc::neu(config.oidc.clone()));
        AppState {
            verfahren,
            db,
            blobs,
            csp: security::csp_header(oidc.ursprungs_liste()),
            oidc,
            config: Arc::new(config),
            metrics: Arc::new(betrieb::Metrics::default()),
        }
    }
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    // Everything but the upload routes reads at most MAX_FORM_BODY; uploads enforce their
    // own limits while streaming.
    let bounded = Router::new()
        .merge(seiten::router())
        .merge(api::router())
        .merge(betrieb::router())
        .merge(security::static_router(&state.config.web_dir))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            security::MAX_FORM_BODY,
        ));
    Router::new()
        .merge(bounded)
        .merge(api::upload_router())
        .merge(seiten::upload_router())
        .fallback(seiten::anmeldung::not_found)
        .layer(axum::middleware::from_fn(security::ablehnungen))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            sitzung::resolve_session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            betrieb::track,
        ))
        .with_state(state)
}

/// A bound server, ready to run.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
}

impl Application {
    pub async fn bind(addr: &str, state: AppState) -> std::io::Result<Application> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Application {
            listener,
            router: router(state),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    /// Serves until `shutdown` is cancelled, then finishes the requests in flight.
    pub async fn run(self, shutdown: CancellationToken) -> std::io::Result<()> {
        let app = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await
    }
}

/// How long a request for the readiness probe may take per dependency.
pub const READY_TIMEOUT: Duration = Duration::from_secs(3);
