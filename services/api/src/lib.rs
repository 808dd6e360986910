//! Plankammer's HTTP side: German web pages styled with KERN UX, the JSON API under
//! `/api/v1` with its OpenAPI document, sessions and CSRF protection, and the operations
//! endpoints. Handlers stay thin: they parse, ask the store, and render.

pub mod ablauf;
pub mod accounts;
pub mod antrag_seiten;
pub mod api_v1;
pub mod auth;
pub mod bescheid_seiten;
pub mod beteiligung_seiten;
pub mod error;
pub mod fachstelle_seiten;
pub mod ops;
pub mod pages;
pub mod plan_seiten;
pub mod pruefung_seiten;
pub mod security;
pub mod templates;
pub mod upload;
pub mod verwaltung_antrag;
pub mod verwaltung_stellen;
pub mod vorgaenge;
pub mod vorgang_seiten;

use axum::Router;
use plankammer_storage::Db;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::login_limit::LoginLimits;
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
    /// Trust `X-Forwarded-For` from a reverse proxy for the client address (login limits).
    pub trust_proxy: bool,
    /// Largest single uploaded file, in bytes.
    pub upload_max_file: u64,
    /// Largest total of all versions of one case, in bytes.
    pub upload_max_case: u64,
    /// Most files in one multipart upload.
    pub upload_max_files: usize,
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
            mail_domain: host,
            metrics_token: None,
            trust_proxy: false,
            upload_max_file: 250_000_000,
            upload_max_case: 2_000_000_000,
            upload_max_files: 50,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub blobs: BlobStore,
    pub config: Arc<ApiConfig>,
    pub metrics: Arc<ops::Metrics>,
}

impl AppState {
    pub fn new(db: Db, blobs: BlobStore, config: ApiConfig) -> AppState {
        AppState {
            db,
            blobs,
            config: Arc::new(config),
            metrics: Arc::new(ops::Metrics::default()),
        }
    }
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    // Everything but the upload routes reads at most MAX_FORM_BODY; uploads enforce their
    // own limits while streaming.
    let bounded = Router::new()
        .merge(pages::router())
        .merge(api_v1::router())
        .merge(vorgaenge::router())
        .merge(vorgang_seiten::router())
        .merge(antrag_seiten::router())
        .merge(pruefung_seiten::router())
        .merge(beteiligung_seiten::router())
        .merge(bescheid_seiten::router())
        .merge(fachstelle_seiten::router())
        .merge(plan_seiten::router())
        .merge(verwaltung_antrag::router())
        .merge(verwaltung_stellen::router())
        .merge(ops::router())
        .merge(security::static_router(&state.config.web_dir))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            security::MAX_FORM_BODY,
        ));
    Router::new()
        .merge(bounded)
        .merge(vorgaenge::upload_router())
        .merge(vorgang_seiten::upload_router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_session,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::track,
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
