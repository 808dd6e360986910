//! A real browser: Debian's headless Chromium driven through ChromeDriver (WebDriver).

use crate::process::Proc;
use fantoccini::{Client, ClientBuilder};
use std::time::Duration;

pub struct Browser {
    pub client: Client,
    _driver: Proc,
    _profile: plankammer_storage::testing::tempfile_dir::TempDir,
}

/// The window a test looks through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fenster {
    /// A desktop window, 1280 × 900.
    Desktop,
    /// A phone: 360 CSS pixels wide (Chromium's device emulation, touch, 2× pixels).
    Telefon,
    /// A tablet upright: 820 × 1180 CSS pixels (touch, 2× pixels).
    TabletHoch,
    /// A tablet on its side: 1180 × 820 CSS pixels (touch, 2× pixels).
    TabletQuer,
}

impl Browser {
    pub async fn start(log_dir: &std::path::Path) -> Browser {
        Browser::start_mit(log_dir, Fenster::Desktop).await
    }

    pub async fn start_mit(log_dir: &std::path::Path, fenster: Fenster) -> Browser {
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
        let mut chrome = serde_json::json!({
            "binary": chrome_bin,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=de-DE",
                     format!("--user-data-dir={}", profile.path().display())]
        });
        let geraet = match fenster {
            Fenster::Desktop => None,
            Fenster::Telefon => Some((360, 740)),
            Fenster::TabletHoch => Some((820, 1180)),
            Fenster::TabletQuer => Some((1180, 820)),
        };
        if let Some((breite, hoehe)) = geraet {
            chrome["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": { "width": breite, "height": hoehe, "pixelRatio": 2, "touch": true }
            });
        }
        caps.insert("goog:chromeOptions".into(), chrome);
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

    /// axe-core's findings on the page as it is now: WCAG 2.1 A/AA (what BITV 2.0 asks of
    /// public bodies) and axe's best practices, one line per rule ("rule (n×): first target –
    /// help"). axe-core comes from npm (web/node_modules, a devDependency) and is injected by
    /// the test only; the product never serves it.
    pub async fn axe(&self) -> Vec<String> {
        let axe = axe_source();
        self.client
            .execute(&axe, vec![])
            .await
            .expect("inject axe-core");
        let befunde = self
            .client
            .execute_async(
                "const fertig = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
                   .then(r => fertig(r.violations.map(v =>
                     `${v.id} (${v.nodes.length}×): ${v.nodes[0].target.join(' ')} – ${v.help}`)))
                   .catch(e => fertig(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("run axe-core");
        serde_json::from_value(befunde).expect("axe findings as strings")
    }

    /// Width of the page's content and of the viewport, in CSS pixels.
    pub async fn breiten(&self) -> (u64, u64) {
        let v = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await
            .expect("measure the page");
        (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0))
    }
}

/// A Chrome DevTools Protocol command through ChromeDriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(serde_json::json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// What the page looks like through a phone's screen.
pub struct Schmal {
    /// Width of the page's content and of the viewport, in CSS pixels.
    pub breite: u64,
    pub fenster: u64,
    /// axe-core's findings at that width.
    pub axe: Vec<String>,
    pub bild: std::path::PathBuf,
}

impl Browser {
    /// The page as it is now (same state, no reload) through a 375 px wide phone screen:
    /// Chromium's device metrics are overridden, the page measured, checked with axe-core
    /// and photographed as `NAME.png`, then the window is restored.
    pub async fn als_telefon(&self, name: &str) -> Schmal {
        self.client
            .issue_cmd(Cdp {
                cmd: "Emulation.setDeviceMetricsOverride",
                params: serde_json::json!({ "width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": true }),
            })
            .await
            .expect("phone metrics");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (breite, fenster) = self.breiten().await;
        let axe = self.axe().await;
        let bild = self.screenshot(name).await;
        self.client
            .issue_cmd(Cdp {
                cmd: "Emulation.clearDeviceMetricsOverride",
                params: serde_json::json!({}),
            })
            .await
            .expect("restore the window");
        tokio::time::sleep(Duration::from_millis(100)).await;
        Schmal {
            breite,
            fenster,
            axe,
            bild,
        }
    }
}

fn axe_source() -> String {
    let path = crate::repo_root().join("web/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core missing at {} ({e}): run scripts/setup.sh --test (npm ci installs it)",
            path.display()
        )
    })
}
