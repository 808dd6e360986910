//! Support for tests in every crate: a fresh, migrated database per test, on the backend
//! that `PLANKAMMER_TEST_DB` selects.
//!
//! - `PLANKAMMER_TEST_DB` unset or `sqlite`: a new SQLite file in a temporary folder.
//! - `PLANKAMMER_TEST_DB=postgres`: a new database on the server named by
//!   `PLANKAMMER_TEST_PG_URL` (default `postgres://plankammer:plankammer@127.0.0.1:5432/postgres`).
//!   If that server cannot be reached the test fails; it never skips silently.

use crate::{Backend, Db};

pub const DEFAULT_PG_ADMIN_URL: &str = "postgres://plankammer:plankammer@127.0.0.1:5432/postgres";

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
            let admin = std::env::var("PLANKAMMER_TEST_PG_URL")
                .unwrap_or_else(|_| DEFAULT_PG_ADMIN_URL.to_string());
            let name = format!("plankammer_t_{}", crate::random_token(8));
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL for tests at {admin} is not reachable: {e}. Start it with scripts/postgres.sh"));
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
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
