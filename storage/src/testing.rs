//! Support for tests in every crate: a fresh, migrated database per test, on the backend
//! that `PLANKAMMER_TEST_DB` selects. Behind the cargo feature `testing`, which only the
//! tests and the measuring crate (tests/bench) turn on.
//!
//! - `PLANKAMMER_TEST_DB` unset or `sqlite`: a new SQLite file in a temporary folder.
//! - `PLANKAMMER_TEST_DB=postgres`: a new database on the server named by
//!   `PLANKAMMER_TEST_PG_URL` (default `postgres://plankammer:plankammer@127.0.0.1:5432/postgres`).
//!   If that server cannot be reached the test fails; it never skips silently.
//!
//! [`messung`]: bulk seeding and the database figures of `plankammer-bench eingang`.

pub mod messung;

use crate::{Backend, Db, Result, StoreError};

pub const DEFAULT_PG_ADMIN_URL: &str = "postgres://plankammer:plankammer@127.0.0.1:5432/postgres";

/// The PostgreSQL server tests and measurements create their databases on:
/// `PLANKAMMER_TEST_PG_URL`, else [`DEFAULT_PG_ADMIN_URL`].
pub fn pg_admin_url() -> String {
    std::env::var("PLANKAMMER_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_ADMIN_URL.to_string())
}

/// Creates an empty database `{praefix}{random}` on the server of `admin_url` (a URL of a
/// role that may create databases); returns its name and its URL.
pub async fn neue_postgres_datenbank(admin_url: &str, praefix: &str) -> Result<(String, String)> {
    let name = format!("{praefix}{}", crate::random_token(8));
    let mut url = url::Url::parse(admin_url)
        .map_err(|e| StoreError::Config(format!("{}: {e}", crate::redact(admin_url))))?;
    url.set_path(&format!("/{name}"));
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
    // The name is ours (a prefix and hex digits): nothing to quote.
    let angelegt = sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await;
    let _ = sqlx::Connection::close(conn).await;
    angelegt?;
    Ok((name, url.to_string()))
}

/// Drops a database made by [`neue_postgres_datenbank`], ending the connections still open
/// to it.
pub async fn entferne_postgres_datenbank(admin_url: &str, name: &str) -> Result<()> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::Config(format!(
            "{name:?} is no database name of ours"
        )));
    }
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
    let entfernt = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await;
    let _ = sqlx::Connection::close(conn).await;
    entfernt?;
    Ok(())
}

/// Which backend the tests run on.
pub fn test_backend() -> Backend {
    match std::env::var("PLANKAMMER_TEST_DB").as_deref() {
        Ok("postgres") | Ok("postgresql") => Backend::Postgres,
        Ok("sqlite") | Ok("") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("PLANKAMMER_TEST_DB={other:?}: use sqlite or postgres"),
    }
}

/// A fresh database URL for one test. For SQLite, the file lives in `dir`.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match test_backend() {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("plankammer.db").display()),
        Backend::Postgres => {
            let admin = pg_admin_url();
            let (_, url) = neue_postgres_datenbank(&admin, "plankammer_t_")
                .await
                .unwrap_or_else(|e| panic!("no test database on the PostgreSQL for tests at {admin}: {e}. Start it with scripts/postgres.sh"));
            url
        }
    }
}

/// A fresh, migrated database and the temporary folder that holds it (keep it alive).
pub async fn fresh_db() -> (Db, tempfile_dir::TempDir) {
    let dir = tempfile_dir::TempDir::new();
    let url = fresh_database_url(dir.path()).await;
    let db = Db::connect(&url).await.expect("connect test database");
    db.migrate().await.expect("migrate test database");
    (db, dir)
}

/// A frozen test database that tests copy from: a world built once by the steps, then
/// handed to many requests that each may change it (`tests/tests/zugriff.rs`).
///
/// - SQLite: a consistent copy of the file (`VACUUM INTO`); each copy is a file copy.
/// - PostgreSQL: the database itself becomes the template (its pool is closed and the
///   remaining connections ended); each copy is `CREATE DATABASE … TEMPLATE …`.
#[derive(Debug, Clone)]
pub enum Vorlage {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Vorlage {
    /// Freezes `db` into a template; with PostgreSQL `db` is unusable afterwards.
    pub async fn aus(db: &Db, dir: &std::path::Path) -> Result<Vorlage> {
        match db.backend() {
            Backend::Sqlite => {
                let pfad = dir.join(format!("vorlage-{}.db", crate::random_token(4)));
                let ziel = pfad.display().to_string().replace('\'', "''");
                sqlx::query(&format!("VACUUM INTO '{ziel}'"))
                    .execute(db.pool())
                    .await?;
                Ok(Vorlage::Sqlite(pfad))
            }
            Backend::Postgres => {
                let name: String = sqlx::query_scalar("SELECT current_database()::text")
                    .fetch_one(db.pool())
                    .await?;
                db.pool().close().await;
                let admin_url = pg_admin_url();
                sqlx::any::install_default_drivers();
                let mut conn =
                    <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await?;
                let beendet = sqlx::query(
                    "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity \
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&name)
                .fetch_all(&mut conn)
                .await;
                let _ = sqlx::Connection::close(conn).await;
                beendet?;
                Ok(Vorlage::Postgres { admin_url, name })
            }
        }
    }

    /// A new database with the template's content (in `dir` for SQLite); its URL.
    pub async fn kopie(&self, dir: &std::path::Path) -> Result<String> {
        match self {
            Vorlage::Sqlite(pfad) => {
                let ziel = dir.join(format!("kopie-{}.db", crate::random_token(6)));
                std::fs::copy(pfad, &ziel)
                    .map_err(|e| StoreError::Config(format!("copy {}: {e}", pfad.display())))?;
                Ok(format!("sqlite://{}?mode=rwc", ziel.display()))
            }
            Vorlage::Postgres { admin_url, name } => {
                let neu = format!("plankammer_k_{}", crate::random_token(6));
                sqlx::any::install_default_drivers();
                let mut conn =
                    <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
                // Both names are ours (a prefix and hex digits): nothing to quote.
                let angelegt = sqlx::query(&format!("CREATE DATABASE {neu} TEMPLATE {name}"))
                    .execute(&mut conn)
                    .await;
                let _ = sqlx::Connection::close(conn).await;
                angelegt?;
                let mut url = url::Url::parse(admin_url).map_err(|e| {
                    StoreError::Config(format!("{}: {e}", crate::redact(admin_url)))
                })?;
                url.set_path(&format!("/{neu}"));
                Ok(url.to_string())
            }
        }
    }

    /// Removes a copy made by [`Vorlage::kopie`] (after its pool was closed).
    pub async fn entferne(&self, url: &str) -> Result<()> {
        match self {
            Vorlage::Sqlite(_) => {
                if let Some(pfad) = url
                    .strip_prefix("sqlite://")
                    .and_then(|r| r.split('?').next())
                {
                    let _ = std::fs::remove_file(pfad);
                }
                Ok(())
            }
            Vorlage::Postgres { admin_url, .. } => {
                let name = url
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .split('?')
                    .next()
                    .unwrap_or_default();
                entferne_postgres_datenbank(admin_url, name).await
            }
        }
    }
}

/// A minimal temporary directory (removed on drop), so tests need no extra crate.
pub mod tempfile_dir {
    pub struct TempDir(std::path::PathBuf);

    impl TempDir {
        pub fn new() -> TempDir {
            let p =
                std::env::temp_dir().join(format!("plankammer-test-{}", crate::random_token(8)));
            std::fs::create_dir_all(&p).expect("create temp dir");
            TempDir(p)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Default for TempDir {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
