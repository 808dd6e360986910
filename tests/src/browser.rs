//! A real browser: Debian's headless Chromium driven through ChromeDriver (WebDriver).

use crate::process::Proc;
use fantoccini::{Client, ClientBuilder};
use std::time::Duration;

pub struct Browser {
    pub client: Client,
    _driver: Proc,
    _profile: plankammer_storage::testing::tempfile_dir::TempDir,
}

impl Browser {
    pub async fn start(log_dir: &std::path::Path) -> Browser {
        let driver_bin =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chrome_bin = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            std::path::Path::new(&driver_bin).is_file(),
            "no ChromeDriver at {driver_bin}: run scripts/setup.sh (Debian packages chromium, chromium-driver)"
        );
        let port = crate::free_port();
        let driver = Proc::start(
            std::path::Path::new(&driver_bin),
            &[&format!("--port={port}")],
            &[],
            log_dir,
            "chromedriver",
        );
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        crate::wait_for("ChromeDriver to answer", Duration::from_secs(30), || {
            let (h, u) = (http.clone(), url.clone());
            async move {
                h.get(format!("{u}/status"))
                    .send()
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .map(|_| ())
            }
        })
        .await;
        let profile = plankammer_storage::testing::tempfile_dir::TempDir::new();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chrome_bin,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=de-DE",
                         format!("--user-data-dir={}", profile.path().display())]
            }),
        );
        // ChromeDriver speaks plain HTTP on loopback, but the client is built with rustls,
        // which needs a process-wide crypto provider chosen once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("start a Chromium session");
        Browser {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Saves a PNG screenshot as `target/test-artifacts/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let path = crate::artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }
}
