//! Plankammer's storage: one store over SQLite (embedded default) and PostgreSQL (scaled out).
//!
//! Queries are written once in the portable subset both databases share and run through
//! sqlx's `Any` driver; instants are Unix milliseconds so no date type differs between the
//! two. The few genuinely dialect-specific statements (claiming a job with
//! `FOR UPDATE SKIP LOCKED`) sit side by side in the module that needs them, keyed on
//! [`Backend`]. Each backend has its own migrations under `storage/migrations/`.

pub mod accounts;
pub mod anlagen;
pub mod antrag;
pub mod audit;
pub mod bearbeitung;
pub mod bescheid;
pub mod beteiligung;
pub mod blobs;
pub mod dokumente;
pub mod fristen;
pub mod identitaeten;
pub mod jobs;
pub mod login_limit;
pub mod mitteilung;
pub mod outbox;
pub mod registrierung;
pub mod sessions;
pub mod stellen;
pub mod suche;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;
pub mod uhr;
pub mod verwaltung;
pub mod xbau;
pub mod zugang;
pub mod zweitfaktor;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// A connection of the store, inside storage only.
pub(crate) type Conn = sqlx::AnyConnection;

/// A database transaction, opened by [`Db::begin`]: the store's functions that must share one
/// take `&mut Tx`. Nothing outside storage sees the database driver; a transaction that is
/// dropped without [`Tx::commit`] is rolled back.
pub struct Tx(sqlx::Transaction<'static, sqlx::Any>);

impl Tx {
    pub async fn commit(self) -> Result<()> {
        self.0.commit().await?;
        Ok(())
    }

    /// Undoes everything of the transaction (dropping it does the same).
    pub async fn rollback(self) -> Result<()> {
        self.0.rollback().await?;
        Ok(())
    }

    /// The connection the transaction runs on, for the queries of the store.
    pub(crate) fn c(&mut self) -> &mut Conn {
        &mut self.0
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx")
    }
}

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Why the store refused a change: a constraint of the database (unique, foreign key) or a
/// compare-and-set that found the row changed. `services/api`'s error module maps each to
/// HTTP and German words once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Konflikt {
    #[error("an account with this e-mail address exists")]
    EmailVergeben,
    #[error("a tenant with this slug exists")]
    TenantVergeben,
    #[error("the person is already a member of this tenant")]
    MitgliedschaftVorhanden,
    #[error("the person is already a member of this Stelle")]
    StellenmitgliedVorhanden,
    #[error("the Aktenzeichen is taken")]
    AktenzeichenVergeben,
    #[error("the Fassung number is taken")]
    FassungVergeben,
    #[error("the version number is taken")]
    VersionVergeben,
    #[error("the person is already invited")]
    BeteiligterVorhanden,
    #[error("the checklist version is taken")]
    ChecklisteVergeben,
    #[error("the case has a Bescheid draft already")]
    BescheidentwurfVorhanden,
    #[error("the Bescheid number is taken")]
    BescheidnummerVergeben,
    #[error("the plan is in the Bescheid already")]
    BescheidplanVorhanden,
    #[error("the plan has a stamped version already")]
    StempelVorhanden,
    #[error("the Stellungnahme was corrected already")]
    StellungnahmeSchonKorrigiert,
    #[error("the case is no longer a draft")]
    VorgangNichtImEntwurf,
    #[error("the case's state changed meanwhile")]
    ZustandGeaendert,
    #[error("the invitation was accepted already")]
    EinladungAngenommen,
    #[error("the application was signed off already")]
    SchonFreigezeichnet,
    #[error("the deadline is not open")]
    FristNichtOffen,
    #[error("the Bescheid is being issued")]
    BescheidBeantragt,
    #[error("the request is not open")]
    BeteiligungNichtOffen,
    #[error("the request's deadline has passed")]
    BeteiligungsfristAbgelaufen,
    #[error("the question was answered already")]
    RueckfrageBeantwortet,
    /// Any other unique constraint.
    #[error("the row exists already")]
    Doppelt,
    /// A foreign key refused the row: it points at something that does not (any more) exist.
    #[error("the row refers to a missing row")]
    FehlenderVerweis,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A constraint or a compare-and-set refused the change.
    #[error("conflict: {0}")]
    Konflikt(Konflikt),
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The database failed (a query, a type); the text is for the log.
    #[error("database: {0}")]
    Db(String),
    /// The database cannot be reached right now (refused, restarting, no connection free
    /// within the pool's acquire timeout): worth trying again in a few seconds.
    #[error("database unavailable: {0}")]
    NichtErreichbar(String),
    #[error("migration: {0}")]
    Migrate(String),
    /// A mail template failed to render (a build defect the snapshot tests catch).
    #[error("rendering mail: {0}")]
    Mail(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Turns a unique violation into `Konflikt(what)`, every other error as [`From`] does.
    pub(crate) fn on_unique(err: sqlx::Error, what: Konflikt) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Konflikt(what),
            _ => StoreError::from(err),
        }
    }

    /// The conflict, if this is one.
    pub fn konflikt(&self) -> Option<Konflikt> {
        match self {
            StoreError::Konflikt(k) => Some(*k),
            _ => None,
        }
    }
}

/// A constraint of the database is a typed conflict everywhere, whichever query hit it.
impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Konflikt(Konflikt::Doppelt)
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Konflikt(Konflikt::FehlenderVerweis)
            }
            e if nicht_erreichbar(e) => StoreError::NichtErreichbar(err.to_string()),
            _ => StoreError::Db(err.to_string()),
        }
    }
}

/// Errors that say the database is away rather than that a query was wrong: the pool found
/// no connection in time, the socket broke, or PostgreSQL is shutting down or starting
/// (SQLSTATE class 08 "connection exception", 57P01–57P03 "admin shutdown", "crash
/// shutdown", "cannot connect now").
fn nicht_erreichbar(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> StoreError {
        StoreError::Migrate(err.to_string())
    }
}

/// How long a request waits for a PostgreSQL connection before it is told the database is
/// unavailable (503 with Retry-After): long enough for a burst of load, short enough that a
/// database restart is an answer, not a hang.
pub const ACQUIRE_TIMEOUT_PG: Duration = Duration::from_secs(5);

/// The database handle: a pool plus the dialect it speaks.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `sqlite://…` or `postgres://…`. SQLite runs in WAL mode with foreign keys
    /// on; the SQLite pool holds a single connection so that writers in one process never
    /// contend for the file lock (a second process waits up to the busy timeout).
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            ));
        };
        if backend == Backend::Sqlite {
            // The folder of the database file must exist; SQLite creates only the file.
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or(path);
            if let Some(parent) = std::path::Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Config(format!("creating {}: {e}", parent.display()))
                })?;
            }
        }
        let opts = AnyConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("DATABASE_URL: {e}")))?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(ACQUIRE_TIMEOUT_PG)
                    .connect_with(opts)
                    .await?
            }
        };
        Ok(Db { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for the store's own queries (and, with the feature `testing`, for tests
    /// that must put a database into a state no step of the procedure can reach).
    #[cfg(not(feature = "testing"))]
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    #[cfg(feature = "testing")]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Opens a transaction for a step of the procedure (`services/verfahren`).
    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx(self.pool.begin().await?))
    }

    /// Applies the migrations of this backend that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Is the database reachable and answering?
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Milliseconds since the Unix epoch: the one representation of an instant in the store.
pub type Millis = i64;

/// The log target of the database driver, for a log filter that quiets its per-query lines
/// (the driver's name stays inside this crate).
pub const LOG_ZIEL_DATENBANK: &str = "sqlx";

pub use uhr::{heute_berlin, now_millis};

/// A URL (of a database, a store, a mail server) without its password, for printing.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// A random token of `bytes` bytes, hex-encoded.
pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// `bytes` random bytes from the operating system.
pub fn random_bytes(bytes: usize) -> Vec<u8> {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    buf
}

/// SHA-256 of a string, hex-encoded: how secrets (session ids, tokens) are stored.
pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_printed_url_keeps_everything_but_the_password() {
        assert_eq!(
            super::redact("postgres://plankammer:geheim@db:5432/plankammer"),
            "postgres://plankammer:***@db:5432/plankammer"
        );
        assert_eq!(
            super::redact("sqlite:///var/lib/plankammer.db?mode=rwc"),
            "sqlite:///var/lib/plankammer.db?mode=rwc"
        );
    }

    #[test]
    fn a_database_that_is_away_is_told_apart_from_a_query_that_failed() {
        use super::StoreError;
        let weg = |e: sqlx::Error| matches!(StoreError::from(e), StoreError::NichtErreichbar(_));
        assert!(weg(sqlx::Error::PoolTimedOut));
        assert!(weg(sqlx::Error::PoolClosed));
        assert!(weg(sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused
        ))));
        assert!(!weg(sqlx::Error::RowNotFound));
        assert!(!weg(sqlx::Error::ColumnNotFound("x".into())));
    }
}
