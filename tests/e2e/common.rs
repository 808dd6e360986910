//! Shared by the end-to-end tests that run the real `plankammer` binary.

#![allow(dead_code)]

use plankammer_storage::Db;
use plankammer_storage::testing::{fresh_database_url, tempfile_dir::TempDir};
use plankammer_tests::process::Proc;
use std::path::Path;

pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_plankammer"))
}

/// A data folder and a fresh database (SQLite file in it, or a new PostgreSQL database).
pub struct Site {
    pub dir: TempDir,
    pub db_url: String,
}

impl Site {
    pub async fn new() -> Site {
        let dir = TempDir::new();
        let db_url = fresh_database_url(dir.path()).await;
        Site { dir, db_url }
    }

    pub async fn db(&self) -> Db {
        let db = Db::connect(&self.db_url).await.expect("connect");
        db.migrate().await.expect("migrate");
        db
    }

    /// The environment of an installation on this site, plus `extra`.
    /// The demo's complete case (status 18, ready for the Beteiligung) of the Bauaufsicht
    /// Musterstadt, after `plankammer demo --nur-daten`.
    pub async fn demo_fall(&self, db: &Db) -> plankammer_storage::antrag::Antrag {
        let tenant = db.tenant_by_slug("bauaufsicht-musterstadt").await.unwrap();
        db.eingang(
            tenant.id,
            &plankammer_storage::antrag::EingangsFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.zustand == plankammer_domain::vorgang::Zustand::Vollstaendig)
        .expect("the demo's complete case")
    }

    pub fn env(&self, extra: &[(&str, String)]) -> Vec<(&'static str, String)> {
        let mut v: Vec<(&'static str, String)> = vec![
            ("DATA_DIR", self.dir.path().display().to_string()),
            ("DATABASE_URL", self.db_url.clone()),
            (
                "WEB_DIR",
                plankammer_tests::repo_root()
                    .join("web")
                    .display()
                    .to_string(),
            ),
            ("JOB_POLL_MS", "100".into()),
        ];
        for (k, val) in extra {
            let k: &'static str = Box::leak(k.to_string().into_boxed_str());
            v.retain(|(kk, _)| *kk != k);
            v.push((k, val.clone()));
        }
        v
    }

    pub fn start(&self, args: &[&str], extra: &[(&str, String)], name: &str) -> Proc {
        Proc::start(binary(), args, &self.env(extra), self.dir.path(), name)
    }

    /// Runs a command to its end; returns (exit code, stdout+stderr).
    pub fn run(&self, args: &[&str], extra: &[(&str, String)]) -> (i32, String) {
        let mut cmd = std::process::Command::new(binary());
        cmd.args(args).stdin(std::process::Stdio::null());
        for v in [
            "DATABASE_URL",
            "OBJECT_STORE_URL",
            "MAIL_URL",
            "BIND",
            "DATA_DIR",
            "PUBLIC_URL",
            "WEB_DIR",
        ] {
            cmd.env_remove(v);
        }
        for (k, v) in self.env(extra) {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run plankammer");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }
}

/// Waits until `url` answers 200.
pub async fn wait_ready(url: &str, proc: &Proc) {
    let client = reqwest::Client::new();
    let ready = format!("{url}/readyz");
    let start = std::time::Instant::now();
    loop {
        if let Ok(r) = client.get(&ready).send().await
            && r.status().is_success()
        {
            return;
        }
        if start.elapsed() > std::time::Duration::from_secs(30) {
            panic!("{url} did not become ready; log:\n{}", proc.output());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// An applicant's API token (made once with a session, as `api_journey` does) and a new
/// draft case, both through `url`.
pub async fn token_und_entwurf(url: &str, email: &str, passwort: &str) -> (String, i64) {
    let (c, r) = plankammer_tests::login_at(url, email, passwort).await;
    assert_eq!(r.status(), 303, "login");
    let csrf = plankammer_tests::session_csrf(&c, url).await;
    let r = c
        .post(format!("{url}/api/v1/tokens"))
        .header("x-csrf-token", csrf)
        .json(&serde_json::json!({ "name": "CAD-Export" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "token");
    let v: serde_json::Value = r.json().await.unwrap();
    let token = v["schluessel"].as_str().unwrap().to_string();
    let r = reqwest::Client::new()
        .post(format!("{url}/api/v1/cases"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "bezeichnung": "Neubau Lagerhalle" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "draft");
    let v: serde_json::Value = r.json().await.unwrap();
    (token, v["id"].as_i64().unwrap())
}
