//! Configuration from environment variables. Every variable has a default that runs
//! Plankammer on one machine with no setup; a wrong value stops start-up with a message
//! that names the variable.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub object_store_url: String,
    pub mail_url: String,
    pub mail_from: lettre::message::Mailbox,
    /// The feedback contact of the Erklärung zur Barrierefreiheit (an e-mail address).
    pub barrierefreiheit_kontakt: String,
    pub bind: String,
    pub public_url: String,
    pub web_dir: PathBuf,
    pub log_json: bool,
    pub worker_concurrency: usize,
    pub job_lease: Duration,
    pub job_poll: Duration,
    pub job_backoff_base: Duration,
    pub mail_retry_base: Duration,
    pub shutdown_grace: Duration,
    pub session_ttl: Duration,
    pub metrics_token: Option<String>,
    /// Reverse proxies in front whose `X-Forwarded-For` entries are trusted (0: none).
    pub proxy_hops: u8,
    pub upload_max_file: u64,
    pub upload_max_case: u64,
    pub upload_max_files: usize,
    /// Bytes all uploads of the process may hold in memory at once (UPLOAD_BUFFER_MB).
    pub upload_buffer: u64,
    pub upload_idle_timeout: Duration,
    pub upload_file_timeout: Duration,
    pub sandbox_memory: u64,
    pub sandbox_cpu_secs: u64,
    pub sandbox_timeout: Duration,
    pub tessdata: String,
    /// OCR time per page, and per document (the rest of a document is left unread, with a
    /// finding, before the sandbox's own limits would end the stage).
    pub ocr_page_timeout: Duration,
    pub ocr_document_timeout: Duration,
    /// How often each worker offers the hourly maintenance and deadline jobs (the hour key
    /// keeps them hourly; a short interval only makes them start sooner after a restart).
    pub maintenance_interval: Duration,
    /// OpenID Connect providers (`OIDC_ANBIETER` and `OIDC_<ID>_*`); none by default.
    pub oidc: Vec<plankammer_api::oidc::AnbieterConfig>,
}

#[derive(Debug, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn parse_num<T>(name: &'static str, default: T, min: T, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match var(name) {
        None => Ok(default),
        Some(v) => {
            let n: T = v.parse().map_err(|_| ConfigError {
                var: name,
                problem: format!("{v:?} is not a number"),
            })?;
            if n < min || n > max {
                return Err(ConfigError {
                    var: name,
                    problem: format!("{n} is outside {min}..={max}"),
                });
            }
            Ok(n)
        }
    }
}

/// `TRUST_PROXY`: false (default) or 0, true (one proxy) or the number of proxies in front
/// (at most 5). Only that many entries from the right of `X-Forwarded-For` are believed,
/// since anything further left came from the client itself.
fn parse_proxy_hops() -> Result<u8, ConfigError> {
    match var("TRUST_PROXY").as_deref() {
        None | Some("0") | Some("false") | Some("no") => Ok(0),
        Some("true") | Some("yes") => Ok(1),
        Some(v) => match v.parse::<u8>() {
            Ok(n @ 1..=5) => Ok(n),
            _ => Err(ConfigError {
                var: "TRUST_PROXY",
                problem: format!("{v:?} is not false, true or a number of proxies from 1 to 5"),
            }),
        },
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
        let data_dir = if data_dir.is_absolute() {
            data_dir
        } else {
            std::env::current_dir()
                .map_err(|e| ConfigError {
                    var: "DATA_DIR",
                    problem: e.to_string(),
                })?
                .join(data_dir)
        };
        let database_url = var("DATABASE_URL").unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("plankammer.db").display()
            )
        });
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                var: "DATABASE_URL",
                problem: "must start with sqlite:// or postgres://".into(),
            });
        }
        let object_store_url = var("OBJECT_STORE_URL")
            .unwrap_or_else(|| format!("file://{}", data_dir.join("dokumente").display()));
        if !(object_store_url.starts_with("file:///") || object_store_url.starts_with("s3://")) {
            return Err(ConfigError {
                var: "OBJECT_STORE_URL",
                problem: "must be file:///absolute/path or s3://bucket".into(),
            });
        }
        let mail_url = var("MAIL_URL")
            .unwrap_or_else(|| format!("file://{}", data_dir.join("mail").display()));
        if !(mail_url.starts_with("file:///")
            || mail_url.starts_with("smtp://")
            || mail_url.starts_with("smtps://"))
        {
            return Err(ConfigError {
                var: "MAIL_URL",
                problem: "must be file:///absolute/path, smtp://host:port or smtps://…".into(),
            });
        }
        let mail_from: lettre::message::Mailbox = var("MAIL_FROM")
            .unwrap_or_else(|| "Plankammer <noreply@plankammer.localhost>".into())
            .parse()
            .map_err(|e| ConfigError {
                var: "MAIL_FROM",
                problem: format!("not a mail address: {e}"),
            })?;
        let barrierefreiheit_kontakt = match var("BARRIEREFREIHEIT_KONTAKT") {
            None => mail_from.email.to_string(),
            Some(k) => k
                .parse::<lettre::Address>()
                .map_err(|e| ConfigError {
                    var: "BARRIEREFREIHEIT_KONTAKT",
                    problem: format!("not a mail address: {e}"),
                })?
                .to_string(),
        };
        let bind = var("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError {
                var: "BIND",
                problem: format!("{bind:?} is not an address like 127.0.0.1:8080"),
            });
        }
        let public_url = var("PUBLIC_URL").unwrap_or_else(|| format!("http://{bind}"));
        if url::Url::parse(&public_url)
            .map(|u| !matches!(u.scheme(), "http" | "https"))
            .unwrap_or(true)
        {
            return Err(ConfigError {
                var: "PUBLIC_URL",
                problem: format!("{public_url:?} is not an http(s) URL"),
            });
        }
        let web_dir = PathBuf::from(var("WEB_DIR").unwrap_or_else(|| "web".into()));
        let log_json = match var("LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(v) => {
                return Err(ConfigError {
                    var: "LOG_FORMAT",
                    problem: format!("{v:?}: use text or json"),
                });
            }
        };
        let oidc = plankammer_api::oidc::anbieter_aus(|n| {
            std::env::var(n)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        })
        .map_err(|e| ConfigError {
            // Named once at start-up; the few bytes stay.
            var: Box::leak(e.var.into_boxed_str()),
            problem: e.problem,
        })?;
        Ok(Config {
            oidc,
            data_dir,
            database_url,
            object_store_url,
            mail_url,
            mail_from,
            barrierefreiheit_kontakt,
            bind,
            public_url,
            web_dir,
            log_json,
            worker_concurrency: parse_num("WORKER_CONCURRENCY", 2usize, 1, 64)?,
            job_lease: Duration::from_millis(parse_num(
                "JOB_LEASE_MS",
                30_000u64,
                1_000,
                3_600_000,
            )?),
            job_poll: Duration::from_millis(parse_num("JOB_POLL_MS", 500u64, 10, 60_000)?),
            job_backoff_base: Duration::from_millis(parse_num(
                "JOB_BACKOFF_BASE_MS",
                5_000u64,
                10,
                3_600_000,
            )?),
            mail_retry_base: Duration::from_millis(parse_num(
                "MAIL_RETRY_BASE_MS",
                30_000u64,
                10,
                3_600_000,
            )?),
            shutdown_grace: Duration::from_secs(parse_num("SHUTDOWN_GRACE_SECS", 120u64, 0, 3600)?),
            session_ttl: Duration::from_secs(
                3600 * parse_num("SESSION_TTL_HOURS", 12u64, 1, 24 * 30)?,
            ),
            metrics_token: var("METRICS_TOKEN"),
            proxy_hops: parse_proxy_hops()?,
            upload_max_file: 1_000_000 * parse_num("UPLOAD_MAX_FILE_MB", 250u64, 1, 100_000)?,
            upload_max_case: 1_000_000 * parse_num("UPLOAD_MAX_CASE_MB", 2_000u64, 1, 10_000_000)?,
            upload_max_files: parse_num("UPLOAD_MAX_FILES", 50usize, 1, 1000)?,
            upload_buffer: (1 << 20) * parse_num("UPLOAD_BUFFER_MB", 64u64, 8, 65_536)?,
            upload_idle_timeout: Duration::from_secs(parse_num(
                "UPLOAD_IDLE_TIMEOUT_SECS",
                60u64,
                1,
                3600,
            )?),
            upload_file_timeout: Duration::from_secs(parse_num(
                "UPLOAD_FILE_TIMEOUT_SECS",
                1800u64,
                10,
                86_400,
            )?),
            sandbox_memory: (1 << 20) * parse_num("SANDBOX_MEMORY_MB", 2048u64, 64, 65_536)?,
            sandbox_cpu_secs: parse_num("SANDBOX_CPU_SECS", 120u64, 1, 3600)?,
            sandbox_timeout: Duration::from_secs(parse_num(
                "SANDBOX_TIMEOUT_SECS",
                180u64,
                1,
                7200,
            )?),
            tessdata: var("TESSDATA_DIR")
                .unwrap_or_else(|| "/usr/share/tesseract-ocr/5/tessdata".into()),
            ocr_page_timeout: Duration::from_secs(parse_num(
                "OCR_PAGE_TIMEOUT_SECS",
                30u64,
                1,
                3600,
            )?),
            ocr_document_timeout: Duration::from_secs(parse_num(
                "OCR_DOCUMENT_TIMEOUT_SECS",
                100u64,
                1,
                7200,
            )?),
            maintenance_interval: Duration::from_secs(parse_num(
                "MAINTENANCE_INTERVAL_SECS",
                600u64,
                1,
                3600,
            )?),
        })
    }
}
