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
pub mod bescheid;
pub mod beteiligung;
pub mod blobs;
pub mod dokumente;
pub mod jobs;
pub mod login_limit;
pub mod mitteilung;
pub mod outbox;
pub mod sessions;
pub mod stellen;
pub mod suche;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;
pub mod uhr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

pub use sqlx::Any;
/// A connection inside a transaction or from the pool, for functions that must share one.
pub type Conn = sqlx::AnyConnection;
pub type Tx<'a> = sqlx::Transaction<'a, Any>;

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

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the row; the payload names what was duplicated.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A mail template failed to render (a build defect the snapshot tests catch).
    #[error("rendering mail: {0}")]
    Mail(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Turns a unique violation into `Conflict(what)`, leaving every other error as it is.
    pub fn on_unique(err: sqlx::Error, what: &'static str) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Db(err),
        }
    }
}

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
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?
            }
        };
        Ok(Db { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn begin(&self) -> Result<Tx<'static>> {
        Ok(self.pool.begin().await?)
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
}
