//! Faults in the scaled-out topology (issue 16): PostgreSQL, an S3 server, an SMTP server,
//! two `plankammer serve` behind Caddy (`scripts/cluster.Caddyfile`, the load balancer of
//! `scripts/cluster.sh`) and two `plankammer worker`, all real processes on loopback. Each
//! test injects one fault while the cluster works, asserts that nothing is lost, and prints
//! what was lost (nothing) and how long recovery took.
//!
//! The cluster has a PostgreSQL server of its own (`plankammer_tests::postgres`), so a test
//! may restart it without touching the machine's cluster the other tests use; S3 and SMTP
//! sit behind relays the test switches off and on (`plankammer_tests::schalter`): to the
//! cluster that is a server gone away and back, while moto keeps the objects it holds only
//! in memory.

#[path = "../../services/verfahren/tests/bescheid_fall/mod.rs"]
mod bescheid_fall;
#[path = "../../services/verfahren/tests/beteiligung_welt/mod.rs"]
mod beteiligung_welt;
mod common;

use plankammer_storage::Db;
use plankammer_storage::jobs::{JobState, NewJob};
use plankammer_storage::testing::tempfile_dir::TempDir;
use plankammer_tests::postgres::PgInstanz;
use plankammer_tests::process::Proc;
use plankammer_tests::s3::S3Server;
use plankammer_tests::schalter::Schalter;
use plankammer_tests::smtp::SmtpServer;
use plankammer_tests::wait_for;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const TENANT: &str = "bauaufsicht-kassel";
const ARCHITEKTIN: &str = "sabine.hoffmann@architektur-hoffmann.example";
const PASSWORT: &str = "ein-sehr-langes-passwort";
const BUCKET: &str = "plankammer";

/// The topology of compose.yaml on loopback. Fields drop in order: the load balancer and
/// the Plankammer processes end before the stores they use, the folder last.
struct Cluster {
    caddy: Option<Proc>,
    server: Vec<Option<Proc>>,
    server_ports: Vec<u16>,
    worker: Vec<Option<Proc>>,
    /// Through the load balancer.
    url: String,
    /// Caddy's admin API.
    caddy_admin: u16,
    smtp_tor: Schalter,
    smtp: SmtpServer,
    s3_tor: Schalter,
    s3: S3Server,
    db: Db,
    pg: PgInstanz,
    uhr: PathBuf,
    extra: Vec<(&'static str, String)>,
    dir: TempDir,
}

impl Cluster {
    async fn start(extra: &[(&'static str, String)]) -> Cluster {
        let dir = TempDir::new();
        let pg = PgInstanz::start(&dir.path().join("pg")).await;
        let s3 = S3Server::start(dir.path()).await;
        s3.create_bucket(BUCKET).await;
        let s3_port: u16 = s3.endpoint.rsplit(':').next().unwrap().parse().unwrap();
        let s3_tor = Schalter::start(s3_port).await;
        let smtp = SmtpServer::start(0);
        let smtp_tor = Schalter::start(smtp.port).await;
        let uhr = dir.path().join("testuhr");
        std::fs::write(&uhr, "0").unwrap();
        let lb_port = plankammer_tests::free_port();
        let server_ports = vec![plankammer_tests::free_port(), plankammer_tests::free_port()];
        let db = Db::connect(&pg.url()).await.expect("connect");
        let mut c = Cluster {
            caddy: None,
            server: vec![None, None],
            server_ports,
            worker: vec![None, None],
            url: format!("http://127.0.0.1:{lb_port}"),
            caddy_admin: plankammer_tests::free_port(),
            smtp_tor,
            smtp,
            s3_tor,
            s3,
            db,
            pg,
            uhr,
            extra: extra.to_vec(),
            dir,
        };
        // What `scripts/cluster.sh` does once: migrate; then an authority and an architect.
        for args in [
            &["migrate"][..],
            &[
                "tenant",
                "add",
                "--slug",
                TENANT,
                "--name",
                "Bauaufsicht Kassel",
            ],
        ] {
            c.run(args, &[]);
        }
        c.run(
            &[
                "user",
                "add",
                "--tenant",
                TENANT,
                "--email",
                ARCHITEKTIN,
                "--name",
                "Sabine Hoffmann",
                "--role",
                "antragsteller",
            ],
            &[("PLANKAMMER_PASSWORD", PASSWORT.into())],
        );
        for i in 0..2 {
            c.server_starten(i).await;
            c.worker_starten(i);
        }
        let admin = c.caddy_admin;
        let caddy_dir = c.dir.path().join("caddy");
        std::fs::create_dir_all(&caddy_dir).unwrap();
        let caddy = Proc::start(
            std::path::Path::new("caddy"),
            &[
                "run",
                "--config",
                &plankammer_tests::repo_root()
                    .join("scripts/cluster.Caddyfile")
                    .display()
                    .to_string(),
                "--adapter",
                "caddyfile",
            ],
            &[
                ("CLUSTER_STATE", c.dir.path().display().to_string()),
                ("CLUSTER_PORT", lb_port.to_string()),
                ("CLUSTER_CADDY_ADMIN_PORT", admin.to_string()),
                ("CLUSTER_SERVE1", format!("127.0.0.1:{}", c.server_ports[0])),
                ("CLUSTER_SERVE2", format!("127.0.0.1:{}", c.server_ports[1])),
                ("XDG_CONFIG_HOME", caddy_dir.display().to_string()),
                ("XDG_DATA_HOME", caddy_dir.display().to_string()),
            ],
            c.dir.path(),
            "caddy",
        );
        common::wait_ready(&c.url, &caddy).await;
        c.caddy = Some(caddy);
        c
    }

    /// The variables of every Plankammer process (the names compose.yaml sets).
    fn env(&self, name: &str) -> Vec<(&'static str, String)> {
        let data = self.dir.path().join(name);
        std::fs::create_dir_all(&data).unwrap();
        let mut v: Vec<(&'static str, String)> = vec![
            ("DATABASE_URL", self.pg.url()),
            ("OBJECT_STORE_URL", format!("s3://{BUCKET}")),
            (
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.s3_tor.port),
            ),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "eu-central-1".into()),
            (
                "MAIL_URL",
                format!("smtp://127.0.0.1:{}", self.smtp_tor.port),
            ),
            (
                "MAIL_FROM",
                "Plankammer <noreply@plankammer.example>".into(),
            ),
            ("PUBLIC_URL", self.url.clone()),
            ("TRUST_PROXY", "true".into()),
            ("DATA_DIR", data.display().to_string()),
            (
                "WEB_DIR",
                plankammer_tests::repo_root()
                    .join("web")
                    .display()
                    .to_string(),
            ),
            ("PLANKAMMER_TESTUHR", self.uhr.display().to_string()),
            ("JOB_POLL_MS", "100".into()),
            ("JOB_LEASE_MS", "3000".into()),
            ("JOB_BACKOFF_BASE_MS", "300".into()),
            ("WORKER_CONCURRENCY", "2".into()),
            ("MAINTENANCE_INTERVAL_SECS", "1".into()),
        ];
        for (k, val) in &self.extra {
            v.retain(|(kk, _)| kk != k);
            v.push((k, val.clone()));
        }
        v
    }

    fn run(&self, args: &[&str], extra: &[(&'static str, String)]) -> String {
        let mut cmd = std::process::Command::new(common::binary());
        cmd.args(args).stdin(std::process::Stdio::null());
        for (k, v) in self.env("cli").into_iter().chain(extra.iter().cloned()) {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run plankammer");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {text}");
        text
    }

    /// The log's name for a process, a new one for each start (serve-1, serve-1.2, …).
    fn logname(&self, name: &str) -> String {
        let mut n = 1;
        let mut kandidat = name.to_string();
        while self.dir.path().join(format!("{kandidat}.log")).exists() {
            n += 1;
            kandidat = format!("{name}.{n}");
        }
        kandidat
    }

    async fn server_starten(&mut self, i: usize) {
        let name = format!("serve-{}", i + 1);
        let log = self.logname(&name);
        let mut env = self.env(&name);
        env.push(("BIND", format!("127.0.0.1:{}", self.server_ports[i])));
        let p = Proc::start(common::binary(), &["serve"], &env, self.dir.path(), &log);
        common::wait_ready(&format!("http://127.0.0.1:{}", self.server_ports[i]), &p).await;
        self.server[i] = Some(p);
    }

    fn worker_starten(&mut self, i: usize) {
        let name = format!("worker-{}", i + 1);
        let env = self.env(&name);
        let log = self.logname(&name);
        self.worker[i] = Some(Proc::start(
            common::binary(),
            &["worker"],
            &env,
            self.dir.path(),
            &log,
        ));
    }

    /// Waits until the load balancer counts no recent failure for any server: what a rolling
    /// restart waits for before it stops the next one.
    async fn bis_lb_alle_nimmt(&self) {
        let url = format!(
            "http://127.0.0.1:{}/reverse_proxy/upstreams",
            self.caddy_admin
        );
        wait_for(
            "the load balancer to take every server",
            Duration::from_secs(30),
            || {
                let url = url.clone();
                async move {
                    let v: serde_json::Value = reqwest::get(&url).await.ok()?.json().await.ok()?;
                    let ups = v.as_array()?;
                    (ups.len() == 2 && ups.iter().all(|u| u["fails"] == 0)).then_some(())
                }
            },
        )
        .await;
    }

    /// Moves the clock of every Plankammer process to `secs` seconds after real time.
    fn uhr_stellen(&self, secs: i64) {
        let tmp = self.uhr.with_extension("neu");
        std::fs::write(&tmp, secs.to_string()).unwrap();
        std::fs::rename(&tmp, &self.uhr).unwrap();
    }

    /// Every log of the cluster, for a failed assertion.
    fn logs(&self) -> String {
        let mut out = String::new();
        for p in self
            .server
            .iter()
            .chain(self.worker.iter())
            .flatten()
            .chain(self.caddy.iter())
        {
            let text = p.output();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            out.push_str(&format!("=== {}\n", p.log.display()));
            for l in tail.into_iter().rev() {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }

    /// The architect's API token and a draft case, through the load balancer.
    async fn token_und_fall(&self) -> (String, i64) {
        common::token_und_entwurf(&self.url, ARCHITEKTIN, PASSWORT).await
    }

    /// The content objects in the bucket (`sha256/…`), asked of moto directly.
    async fn objekte(&self) -> BTreeSet<String> {
        let xml = reqwest::Client::new()
            .get(format!(
                "{}/{BUCKET}?list-type=2&prefix=sha256/&max-keys=1000",
                self.s3.endpoint
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let re = regex::Regex::new(r"<Key>sha256/[0-9a-f]{2}/([0-9a-f]{64})</Key>").unwrap();
        re.captures_iter(&xml).map(|c| c[1].to_string()).collect()
    }

    /// The content addresses rows refer to.
    async fn zeilen(&self) -> BTreeSet<String> {
        sqlx::query_scalar::<_, String>("SELECT sha256 FROM blobs")
            .fetch_all(self.db.pool())
            .await
            .unwrap()
            .into_iter()
            .collect()
    }

    /// (blobs without a row, rows without a blob).
    async fn abgleich(&self) -> (Vec<String>, Vec<String>) {
        let objekte = self.objekte().await;
        let zeilen = self.zeilen().await;
        (
            objekte.difference(&zeilen).cloned().collect(),
            zeilen.difference(&objekte).cloned().collect(),
        )
    }

    /// Enqueues a job now (as a scheduler would) and waits for its end.
    async fn job(&self, kind: &str, payload: serde_json::Value) -> plankammer_storage::jobs::Job {
        let now = plankammer_storage::now_millis() + self.versatz_ms();
        let id = self
            .db
            .enqueue_now(&NewJob::new(kind, payload, now), now)
            .await
            .unwrap()
            .unwrap();
        wait_for(&format!("job {kind}"), Duration::from_secs(60), || async {
            let j = self.db.job(id).await.unwrap();
            matches!(j.state, JobState::Succeeded | JobState::Failed).then_some(j)
        })
        .await
    }

    /// Waits until job `id` runs and `mitten` says it is in the middle, then kills the
    /// worker holding it (SIGKILL); returns that worker's index and its id.
    async fn toete_halter<F, Fut>(&mut self, id: i64, mitten: F) -> (usize, String)
    where
        F: Fn(Db) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let db = self.db.clone();
        let mitten = &mitten;
        let halter = wait_for(
            "a worker to be in the middle of the job",
            Duration::from_secs(120),
            || {
                let db = db.clone();
                async move {
                    let j = db.job(id).await.ok()?;
                    assert!(
                        !matches!(j.state, JobState::Succeeded | JobState::Failed),
                        "the job ended before it could be interrupted"
                    );
                    if j.state != JobState::Running || !mitten(db.clone()).await {
                        return None;
                    }
                    j.lease_owner
                }
            },
        )
        .await;
        // The lease owner is "worker:<host>:<pid>:<tag>".
        let pid: u32 = halter.split(':').nth(2).unwrap().parse().unwrap();
        let i = self
            .worker
            .iter()
            .position(|w| w.as_ref().is_some_and(|p| p.child.id() == pid))
            .unwrap_or_else(|| panic!("no worker with pid {pid}: {halter}"));
        self.worker[i].as_mut().unwrap().kill_hard();
        (i, halter)
    }

    /// The attempts of job `id` once it ended: the killed worker's lost its lease, another
    /// worker's succeeded, and only one did.
    async fn einmal_fertig(&self, id: i64, getoetet: &str) -> usize {
        let db = self.db.clone();
        let j = wait_for("the job to end", Duration::from_secs(180), || {
            let db = db.clone();
            async move {
                let j = db.job(id).await.ok()?;
                matches!(j.state, JobState::Succeeded | JobState::Failed).then_some(j)
            }
        })
        .await;
        assert_eq!(
            j.state,
            JobState::Succeeded,
            "{:?}\n{}",
            j.last_error,
            self.logs()
        );
        let versuche = self.db.job_attempts(id).await.unwrap();
        assert_eq!(versuche[0].worker, getoetet);
        assert_eq!(
            versuche[0].outcome.as_deref(),
            Some("lease_lost"),
            "{versuche:?}"
        );
        let erfolgreich: Vec<_> = versuche
            .iter()
            .filter(|a| a.outcome.as_deref() == Some("succeeded"))
            .collect();
        assert_eq!(erfolgreich.len(), 1, "{versuche:?}");
        assert_ne!(erfolgreich[0].worker, getoetet);
        versuche.len()
    }

    fn versatz_ms(&self) -> i64 {
        std::fs::read_to_string(&self.uhr)
            .ok()
            .and_then(|t| t.trim().parse::<i64>().ok())
            .unwrap_or(0)
            * 1000
    }
}

/// A PDF of `groesse` bytes whose bytes are its own (the salt).
fn plan(groesse: usize, salt: &str) -> Vec<u8> {
    let mut pdf = plankammer_tests::pdf::a4_salted(1, salt);
    while pdf.len() < groesse {
        pdf.extend_from_slice(
            b"% Fuellzeile eines grossen Plans ........................................\n",
        );
    }
    pdf
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Uploads `bytes` as a new document, slowly (64 KiB every `pause`), through `url`.
async fn hochladen(
    url: &str,
    token: &str,
    fall: i64,
    name: &str,
    bytes: Vec<u8>,
    pause: Duration,
) -> Result<(u16, String), String> {
    let chunks: Vec<Vec<u8>> = bytes.chunks(64 * 1024).map(|c| c.to_vec()).collect();
    let body = futures::stream::iter(chunks).then(move |c| async move {
        tokio::time::sleep(pause).await;
        Ok::<_, std::io::Error>(c)
    });
    use futures::StreamExt;
    let r = reqwest::Client::new()
        .put(format!(
            "{url}/api/v1/cases/{fall}/documents/{name}?anlageart=2001"
        ))
        .bearer_auth(token)
        .header("content-type", "application/pdf")
        .header("content-length", bytes.len())
        .body(reqwest::Body::wrap_stream(body))
        .timeout(Duration::from_secs(120))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    Ok((status, r.text().await.unwrap_or_default()))
}

enum Anmeldung {
    Token(String),
    Sitzung(reqwest::Client),
}

/// One request of the read load: when it started (since the load began), its status or
/// error, and how long it took.
#[derive(Debug, Clone)]
struct Antwort {
    start: Duration,
    status: Result<u16, String>,
    dauer: Duration,
    retry_after: Option<String>,
}

/// The architect's case and its documents read through the API, every `takt`.
fn api_last(
    c: &Cluster,
    token: &str,
    fall: i64,
    takt: Duration,
    stop: &Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(Instant, Vec<Antwort>)> {
    leselast(
        c.url.clone(),
        Anmeldung::Token(token.to_string()),
        vec![
            format!("/api/v1/cases/{fall}"),
            format!("/api/v1/cases/{fall}/documents"),
        ],
        takt,
        stop.clone(),
    )
}

/// GETs `pfade` in turn through `url` until `stop`, every `takt`: with the token as a
/// bearer (the API), or with `sitzung`'s cookies (pages).
fn leselast(
    url: String,
    anmeldung: Anmeldung,
    pfade: Vec<String>,
    takt: Duration,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(Instant, Vec<Antwort>)> {
    tokio::spawn(async move {
        let client = match &anmeldung {
            Anmeldung::Token(_) => reqwest::Client::new(),
            Anmeldung::Sitzung(c) => c.clone(),
        };
        let beginn = Instant::now();
        let mut out = Vec::new();
        let mut i = 0;
        while !stop.load(Ordering::SeqCst) {
            let pfad = &pfade[i % pfade.len()];
            i += 1;
            let t = Instant::now();
            let mut req = client
                .get(format!("{url}{pfad}"))
                .timeout(Duration::from_secs(30));
            if let Anmeldung::Token(t) = &anmeldung {
                req = req.bearer_auth(t);
            }
            let r = req.send().await;
            let (status, retry_after) = match r {
                Ok(r) => (
                    Ok(r.status().as_u16()),
                    r.headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string),
                ),
                Err(e) => (Err(e.to_string()), None),
            };
            out.push(Antwort {
                start: t - beginn,
                status,
                dauer: t.elapsed(),
                retry_after,
            });
            tokio::time::sleep(takt).await;
        }
        (beginn, out)
    })
}

// --- 1. A server killed in the middle of uploads and page loads ----------------------------

/// SIGKILL to one server while uploads stream through it and pages load: the load balancer
/// sends every later request to the other, an interrupted upload leaves no document, no blob
/// without a row and no row without a blob, and the same upload tried again succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_upload_loses_nothing_and_the_other_serves() {
    let mut c = Cluster::start(&[]).await;
    let (token, fall) = c.token_und_fall().await;

    let stop = Arc::new(AtomicBool::new(false));
    let last = api_last(&c, &token, fall, Duration::from_millis(20), &stop);

    // Six uploads of 6 MB at about 3 MB/s: round robin puts about half on each server.
    let plaene: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("Plan_{i}.pdf"), plan(6 << 20, &format!("plan {i}"))))
        .collect();
    let mut laeufe = Vec::new();
    for (name, bytes) in &plaene {
        let (url, token, name, bytes) = (c.url.clone(), token.clone(), name.clone(), bytes.clone());
        laeufe.push(tokio::spawn(async move {
            hochladen(&url, &token, fall, &name, bytes, Duration::from_millis(20)).await
        }));
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let opfer = c.server[0].as_mut().unwrap();
    opfer.kill_hard();
    let getoetet = Instant::now();
    let mut ergebnisse = Vec::new();
    for l in laeufe {
        ergebnisse.push(l.await.unwrap());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    let (beginn, antworten) = last.await.unwrap();
    let kill_ab = getoetet - beginn;

    // Reads: every request that started after the kill was answered by the other server.
    let nachher: Vec<&Antwort> = antworten.iter().filter(|a| a.start > kill_ab).collect();
    let fehler_nachher: Vec<&&Antwort> = nachher.iter().filter(|a| a.status != Ok(200)).collect();
    let fehler_vorher = antworten
        .iter()
        .filter(|a| a.start <= kill_ab && a.status != Ok(200))
        .count();
    assert!(nachher.len() > 20, "the load went on: {}", nachher.len());
    assert!(
        fehler_nachher.is_empty(),
        "requests after the kill failed: {fehler_nachher:?}\n{}",
        c.logs()
    );

    // Uploads: those on the killed server failed, the others were stored.
    let mut gescheitert = Vec::new();
    let mut gespeichert = Vec::new();
    for ((name, bytes), r) in plaene.iter().zip(&ergebnisse) {
        match r {
            Ok((201, _)) => gespeichert.push((name.clone(), sha(bytes))),
            other => gescheitert.push((name.clone(), bytes.clone(), format!("{other:?}"))),
        }
    }
    assert!(
        !gescheitert.is_empty() && !gespeichert.is_empty(),
        "the kill hit uploads in flight on one server and not the other: stored {gespeichert:?}, failed {:?}",
        gescheitert.iter().map(|g| (&g.0, &g.2)).collect::<Vec<_>>()
    );
    let dokumente = c.db.dokumente(fall).await.unwrap();
    let namen: BTreeMap<String, String> = dokumente
        .iter()
        .flat_map(|d| d.versionen.iter())
        .map(|v| (v.dateiname.clone(), v.sha256.clone()))
        .collect();
    for (name, sha) in &gespeichert {
        assert_eq!(namen.get(name), Some(sha), "{name} stored with its bytes");
    }
    for (name, _, _) in &gescheitert {
        assert!(
            !namen.contains_key(name),
            "interrupted {name} left a document"
        );
    }
    assert_eq!(dokumente.len(), gespeichert.len(), "{dokumente:?}");
    let (ohne_zeile, ohne_blob) = c.abgleich().await;
    assert!(ohne_blob.is_empty(), "rows without bytes: {ohne_blob:?}");
    assert!(ohne_zeile.is_empty(), "bytes without a row: {ohne_zeile:?}");

    // Tried again, through the load balancer, with one server still down.
    let wieder = Instant::now();
    for (name, bytes, _) in &gescheitert {
        let r = hochladen(&c.url, &token, fall, name, bytes.clone(), Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(r.0, 201, "{name} again: {}", r.1);
    }
    let dokumente = c.db.dokumente(fall).await.unwrap();
    assert_eq!(dokumente.len(), plaene.len());
    let (ohne_zeile, ohne_blob) = c.abgleich().await;
    assert!(ohne_zeile.is_empty() && ohne_blob.is_empty());

    // The killed server comes back and serves again.
    c.server_starten(0).await;
    let r = reqwest::get(format!("http://127.0.0.1:{}/readyz", c.server_ports[0]))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    println!(
        "Server mit SIGKILL beendet: {} Uploads unterbrochen (erneut hochgeladen in {:.1} s), {} gespeichert; \
         {} Leseanfragen nach dem Abbruch, davon 0 fehlerhaft ({} vor dem Abbruch begonnene scheiterten); \
         verloren: 0 Dokumente, 0 Blobs ohne Zeile, 0 Zeilen ohne Blob",
        gescheitert.len(),
        wieder.elapsed().as_secs_f64(),
        gespeichert.len(),
        nachher.len(),
        fehler_vorher
    );
}

// --- 2. PostgreSQL restarted under load ----------------------------------------------------

/// While PostgreSQL is away, servers answer 503 with Retry-After (not a panic, not a hang),
/// `/readyz` says which store is missing, and everything works again when it is back,
/// without a restart of Plankammer.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_restarted_under_load_is_a_503_with_retry_after_and_recovers() {
    let mut c = Cluster::start(&[]).await;
    let (token, fall) = c.token_und_fall().await;
    let stop = Arc::new(AtomicBool::new(false));
    let api = leselast(
        c.url.clone(),
        Anmeldung::Token(token.clone()),
        vec![format!("/api/v1/cases/{fall}")],
        Duration::from_millis(50),
        stop.clone(),
    );
    let (sitzung, r) = plankammer_tests::login_at(&c.url, ARCHITEKTIN, PASSWORT).await;
    assert_eq!(r.status(), 303);
    let seiten = leselast(
        c.url.clone(),
        Anmeldung::Sitzung(sitzung),
        vec![format!("/vorgaenge/{fall}")],
        Duration::from_millis(50),
        stop.clone(),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    c.pg.stoppen();
    let weg = Instant::now();
    // While it is away: readyz of each server says so.
    for port in &c.server_ports {
        let r = wait_for(
            "readyz to notice the database is away",
            Duration::from_secs(30),
            || async move {
                let r = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
                    .await
                    .ok()?;
                (r.status() == 503).then_some(r)
            },
        )
        .await;
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["datenbank"], "nicht erreichbar", "{v}");
    }
    // A page of the API and a page for people while it is away: 503, Retry-After, German.
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/cases/{fall}", c.url))
        .bearer_auth(&token)
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("an answer, not a hang");
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.headers().get("retry-after").map(|v| v.to_str().unwrap()),
        Some("5")
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["fehler"], "nicht_erreichbar", "{v}");
    assert!(v["detail"].as_str().unwrap().contains("Datenbank"), "{v}");
    tokio::time::sleep(Duration::from_secs(3)).await;

    c.pg.starten().await;
    let zurueck = Instant::now();
    let ausfall = weg.elapsed();
    let erholt = wait_for(
        "the cluster to answer again",
        Duration::from_secs(60),
        || {
            let (url, token) = (c.url.clone(), token.clone());
            async move {
                let r = reqwest::Client::new()
                    .get(format!("{url}/api/v1/cases/{fall}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .ok()?;
                (r.status() == 200).then(|| zurueck.elapsed())
            }
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    let (_, mut antworten) = api.await.unwrap();
    let (_, seitenantworten) = seiten.await.unwrap();
    let seitenzahl = seitenantworten.len();
    antworten.extend(seitenantworten);

    // No process died or was restarted; the workers take jobs again.
    for p in c.server.iter_mut().chain(c.worker.iter_mut()).flatten() {
        assert!(
            !p.exited(),
            "{} ended; log:\n{}",
            p.log.display(),
            p.output()
        );
    }
    let j = c.job("diag.warten", serde_json::json!({ "ms": 100 })).await;
    assert_eq!(j.state, JobState::Succeeded, "{:?}", j.last_error);

    // Every answer of the load: 200, or 503 with Retry-After; none took longer than the
    // pool's acquire timeout and a margin; none was a 500 or a broken connection.
    let mut anders = Vec::new();
    let (mut ok, mut nicht_da) = (0, 0);
    let mut laengste = Duration::ZERO;
    for a in &antworten {
        laengste = laengste.max(a.dauer);
        match (&a.status, &a.retry_after) {
            (Ok(200), _) => ok += 1,
            (Ok(503), Some(s)) if s == "5" => nicht_da += 1,
            _ => anders.push(a.clone()),
        }
    }
    assert!(anders.is_empty(), "{anders:?}\n{}", c.logs());
    assert!(nicht_da > 0, "the load saw the outage");
    assert!(
        laengste < plankammer_storage::ACQUIRE_TIMEOUT_PG + Duration::from_secs(5),
        "{laengste:?}"
    );
    println!(
        "PostgreSQL {:.1} s weg: {} Anfragen an API und Seiten ({} Seiten): {} Antworten 200, {} Antworten 503 mit Retry-After, 0 andere; \
         längste Antwort {:.1} s; wieder bereit {:.1} s nach dem Neustart, ohne Neustart von Plankammer; verloren: nichts",
        ausfall.as_secs_f64(),
        antworten.len(),
        seitenzahl,
        ok,
        nicht_da,
        laengste.as_secs_f64(),
        erholt.as_secs_f64()
    );
}

// --- 3. The S3 server stopped --------------------------------------------------------------

/// Without the object store an upload is refused in German (503) and nothing is recorded;
/// a download fails cleanly; a pipeline job that could not read its bytes retries and
/// succeeds once the store is back.
#[tokio::test(flavor = "multi_thread")]
async fn the_object_store_away_refuses_uploads_cleanly_and_jobs_retry() {
    let mut c = Cluster::start(&[]).await;
    let (token, fall) = c.token_und_fall().await;

    // A document stored while S3 is there, its checks done.
    let erster = plan(200_000, "vorher");
    let (status, body) = hochladen(&c.url, &token, fall, "Lageplan.pdf", erster, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let version = v["id"].as_i64().unwrap();

    // No workers for a moment: the next document's jobs wait in the queue.
    for w in c.worker.iter_mut() {
        w.take().unwrap().terminate(Duration::from_secs(60));
    }
    let zweiter = plan(300_000, "waehrenddessen");
    let (status, body) = hochladen(
        &c.url,
        &token,
        fall,
        "Grundriss.pdf",
        zweiter,
        Duration::ZERO,
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let wartend = v["id"].as_i64().unwrap();

    c.s3_tor.aus();
    let weg = Instant::now();
    let vorher = c.db.dokumente(fall).await.unwrap();
    let objekte_vorher = c.objekte().await;

    // An upload: refused in German, nothing recorded.
    let t = Instant::now();
    let (status, body) = hochladen(
        &c.url,
        &token,
        fall,
        "Schnitt.pdf",
        plan(2 << 20, "ohne speicher"),
        Duration::ZERO,
    )
    .await
    .unwrap();
    let upload_dauer = t.elapsed();
    assert_eq!(status, 503, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["fehler"], "nicht_erreichbar", "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("Dokumentenspeicher ist gerade nicht erreichbar"),
        "{v}"
    );
    assert_eq!(
        c.db.dokumente(fall).await.unwrap().len(),
        vorher.len(),
        "nothing recorded"
    );
    // A download: 503 too, not a 500 and not a hang.
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/versions/{version}/download", c.url))
        .bearer_auth(&token)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("an answer");
    assert_eq!(r.status(), 503);
    assert!(r.headers().get("retry-after").is_some());
    // readyz says which store is missing.
    let r = reqwest::get(format!("http://127.0.0.1:{}/readyz", c.server_ports[0]))
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["dokumentenspeicher"], "nicht erreichbar", "{v}");
    assert_eq!(v["datenbank"], "ok", "{v}");

    // The workers come back while the store is still away: the waiting document's first
    // stage fails for now and is tried again.
    for i in 0..2 {
        c.worker_starten(i);
    }
    let db = c.db.clone();
    wait_for(
        "a pipeline job to fail for now while S3 is away",
        Duration::from_secs(60),
        || {
            let db = db.clone();
            async move {
                let stufen = db.stufen(wartend).await.ok()?;
                stufen
                    .iter()
                    .any(|(_, j)| j.attempts >= 1 && j.last_error.is_some())
                    .then_some(())
            }
        },
    )
    .await;

    c.s3_tor.an().await;
    let zurueck = Instant::now();
    let ausfall = weg.elapsed();
    let db = c.db.clone();
    wait_for(
        "the waiting document's stages to succeed once S3 is back",
        Duration::from_secs(120),
        || {
            let db = db.clone();
            async move {
                let stufen = db.stufen(wartend).await.ok()?;
                (!stufen.is_empty() && stufen.iter().all(|(_, j)| j.state == JobState::Succeeded))
                    .then_some(())
            }
        },
    )
    .await;
    let erholt = zurueck.elapsed();
    let versuche: i64 =
        c.db.stufen(wartend)
            .await
            .unwrap()
            .iter()
            .map(|(_, j)| j.attempts)
            .sum();

    // The refused upload works now; nothing was lost.
    let (status, body) = hochladen(
        &c.url,
        &token,
        fall,
        "Schnitt.pdf",
        plan(2 << 20, "ohne speicher"),
        Duration::ZERO,
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/versions/{version}/download", c.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(c.objekte().await.is_superset(&objekte_vorher));
    let (ohne_zeile, ohne_blob) = c.abgleich().await;
    assert!(
        ohne_zeile.is_empty() && ohne_blob.is_empty(),
        "{ohne_zeile:?} {ohne_blob:?}"
    );
    println!(
        "S3 {:.1} s weg: Upload in {:.1} s mit 503 und deutscher Meldung abgelehnt, nichts vermerkt; \
         Download 503; die wartenden Prüfschritte liefen nach {:.1} s durch ({} Versuche); verloren: nichts",
        ausfall.as_secs_f64(),
        upload_dauer.as_secs_f64(),
        erholt.as_secs_f64(),
        versuche
    );
}

// --- 4. The SMTP server away for minutes ---------------------------------------------------

/// Mails queued while the SMTP server is away for five minutes (of the cluster's clock) are
/// each delivered exactly once when it is back, however the two workers race for them.
#[tokio::test(flavor = "multi_thread")]
async fn mails_wait_for_the_smtp_server_and_arrive_exactly_once() {
    let c = Cluster::start(&[]).await;
    c.smtp_tor.aus();
    let tenant = c.db.tenant_by_slug(TENANT).await.unwrap().id;
    let mut ids = Vec::new();
    for i in 0..12 {
        let mail = plankammer_domain::notification::RenderedMail {
            subject: format!("Mitteilung {i}"),
            text: format!("Text {i}"),
            html: format!("<p>Text {i}</p>"),
        };
        let now = plankammer_storage::now_millis() + c.versatz_ms();
        ids.push(
            c.db.queue_mail_now(
                Some(tenant),
                "test",
                &format!("person{i}@example.org"),
                &mail,
                "plankammer.example",
                now,
            )
            .await
            .unwrap(),
        );
    }
    // Only the mails of this test (the cluster's start sent others before).
    let versuche = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(MIN(attempts), 0) FROM outbox WHERE kind = 'test'",
        )
        .fetch_one(c.db.pool())
        .await
        .unwrap()
    };
    let stand = || async {
        sqlx::query_as::<_, (i64, i64, i64)>(
            "SELECT COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                    COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                    COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0) \
             FROM outbox WHERE kind = 'test'",
        )
        .fetch_one(c.db.pool())
        .await
        .unwrap()
    };
    let vorher = c.smtp.mails().len();
    // Away for five minutes of the cluster's clock: each time every mail has failed once
    // more, the clock moves to when the last of them is due again (the backoff doubles from
    // 30 s), until five minutes have passed.
    let mut versatz = 0i64;
    let mut runde = 0i64;
    while versatz < 300 {
        runde += 1;
        wait_for("each mail tried again", Duration::from_secs(60), || async {
            (versuche().await >= runde).then_some(())
        })
        .await;
        let faellig: i64 = sqlx::query_scalar(
            "SELECT MAX(next_attempt_at) FROM outbox WHERE kind = 'test' AND sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(c.db.pool())
        .await
        .unwrap();
        versatz = (faellig - plankammer_storage::now_millis()) / 1000 + 1;
        c.uhr_stellen(versatz);
    }
    let minuten = versatz / 60;
    assert_eq!(c.smtp.mails().len(), vorher);
    assert_eq!(stand().await, (0, 0, 12));

    c.smtp_tor.an().await;
    let zurueck = Instant::now();
    // The next attempt of each is due within the backoff: the clock moves on by an hour.
    c.uhr_stellen(versatz + 3600);
    wait_for("every mail delivered", Duration::from_secs(60), || async {
        (stand().await.0 == 12).then_some(())
    })
    .await;
    let erholt = zurueck.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails: Vec<_> = c
        .smtp
        .mails()
        .into_iter()
        .filter(|m| m.data.contains("Subject: Mitteilung"))
        .collect();
    let mut je_id: BTreeMap<String, usize> = BTreeMap::new();
    for m in &mails {
        let id = m
            .data
            .lines()
            .find_map(|l| {
                l.strip_prefix("Message-ID: ")
                    .or(l.strip_prefix("Message-Id: "))
            })
            .expect("a Message-ID")
            .trim()
            .to_string();
        *je_id.entry(id).or_default() += 1;
    }
    assert_eq!(mails.len(), 12, "{je_id:?}");
    assert_eq!(je_id.len(), 12);
    assert!(je_id.values().all(|n| *n == 1), "{je_id:?}");
    assert_eq!(stand().await, (12, 0, 0));
    println!(
        "SMTP {minuten} Minuten (Testuhr) weg, jede E-Mail {runde} Mal vergeblich versucht: 12 von 12 genau einmal zugestellt, \
         {:.1} s nach der Rückkehr; verloren: nichts",
        erholt.as_secs_f64()
    );
}

// --- 5. A worker killed in the middle of OCR and of issuing a Bescheid ----------------------

/// A scanned plan's text is being read (OCR in the sandbox) when its worker is killed: the
/// other worker reads it once more and records it once.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_ocr_leaves_the_other_to_read_the_scan_once() {
    let mut c = Cluster::start(&[]).await;
    let (token, fall) = c.token_und_fall().await;
    let scan = std::fs::read(
        plankammer_tests::repo_root().join("sample-plans/einfamilienhaus/10_Scan_Grundriss_KG.pdf"),
    )
    .unwrap();
    let (status, body) = hochladen(&c.url, &token, fall, "Scan.pdf", scan, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let version = v["id"].as_i64().unwrap();
    let db = c.db.clone();
    let extract = wait_for("the extract stage", Duration::from_secs(60), || {
        let db = db.clone();
        async move {
            db.stufen(version)
                .await
                .ok()?
                .into_iter()
                .find(|(s, _)| s == "extract")
                .map(|(_, j)| j.id)
        }
    })
    .await;
    let t = Instant::now();
    let (_, getoetet) = c.toete_halter(extract, |_| async { true }).await;
    let versuche = c.einmal_fertig(extract, &getoetet).await;
    let dauer = t.elapsed();

    // Read once: one page, each title block field once, the plan data there.
    let seiten = c.db.seiten(version).await.unwrap();
    assert_eq!(seiten.len(), 1, "{seiten:?}");
    let felder = c.db.metadaten(version).await.unwrap();
    let namen: BTreeSet<&str> = felder.iter().map(|f| f.feld.as_str()).collect();
    assert_eq!(namen.len(), felder.len(), "a field twice: {felder:?}");
    let db = c.db.clone();
    wait_for("every stage of the scan", Duration::from_secs(180), || {
        let db = db.clone();
        async move {
            let stufen = db.stufen(version).await.ok()?;
            stufen
                .iter()
                .all(|(_, j)| j.state == JobState::Succeeded)
                .then_some(())
        }
    })
    .await;
    let felder = c.db.metadaten(version).await.unwrap();
    assert!(
        felder.iter().any(|f| f.feld == "planinhalt"),
        "the scan's title block was read: {felder:?}"
    );
    println!(
        "Worker mitten in der Texterkennung getötet: der andere las den Scan ({versuche} Versuche, {:.1} s), \
         {} Seite, {} Felder, jedes einmal; verloren: nichts",
        dauer.as_secs_f64(),
        seiten.len(),
        felder.len()
    );
}

/// A worker killed between stamping the first and the second plan of a Bescheid: the other
/// worker stamps the second, issues the Bescheid once, and each plan has one stamped
/// version, each person one mail.
#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_bescheid_leaves_one_stamped_version_and_one_mail() {
    use plankammer_domain::Role;
    use plankammer_domain::zeitleiste::Eintragsart;

    let mut c = Cluster::start(&[]).await;
    let blobs = plankammer_storage::blobs::BlobStore::s3_mit(
        BUCKET,
        &c.s3.endpoint,
        "test",
        "test",
        "eu-central-1",
    )
    .unwrap();
    let app = plankammer_tests::spawn_app_auf(&c.pg.url(), Some(blobs.clone())).await;
    let w = plankammer_tests::welt::Welt::mit(app).await;
    let kreis = w.behoerde("kreis", "Bauaufsicht Kreis").await;
    let owner = w
        .konto(
            kreis,
            "arch@example.org",
            "Anna Architektin",
            Role::Antragsteller,
        )
        .await;
    let bh = w
        .konto(kreis, "bh@example.org", "Erika Muster", Role::Antragsteller)
        .await;
    let ba = w
        .konto(
            kreis,
            "ba@example.org",
            "Bernd Bauaufsicht",
            Role::Bauaufsicht,
        )
        .await;
    let db = w.app.db.clone();
    // Plans of 150 pages each: stamping one takes a moment.
    let (fall, [lageplan, grundriss, _]) = bescheid_fall::fall(
        &db,
        &blobs,
        kreis,
        &owner,
        Some(&bh),
        "BA-2026-00017",
        |name| plankammer_tests::pdf::a4_salted(150, name),
    )
    .await;
    let v = w.app.verfahren.clone();
    let a = db.antrag(fall).await.unwrap();
    let entwurf = v.standard_formular(&a).await.unwrap();
    v.entwurf_speichern(&ba, fall, &entwurf).await.unwrap();
    let seit: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM outbox")
        .fetch_one(db.pool())
        .await
        .unwrap();
    v.erlassen(&ba, fall).await.unwrap();
    let job: i64 = sqlx::query_scalar("SELECT id FROM jobs WHERE kind = 'bescheid.erlassen'")
        .fetch_one(db.pool())
        .await
        .unwrap();

    // The first plan is stamped and recorded, the second is being stamped.
    let t = Instant::now();
    let (_, getoetet) = c
        .toete_halter(job, |db| async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM bescheid_plaene WHERE gestempelt_version_id IS NOT NULL",
            )
            .fetch_one(db.pool())
            .await
            .unwrap()
                == 1
        })
        .await;
    let versuche = c.einmal_fertig(job, &getoetet).await;
    let dauer = t.elapsed();

    let a = db.antrag(fall).await.unwrap();
    assert_eq!(a.zustand, plankammer_domain::vorgang::Zustand::Genehmigt);
    let genehmigt = db
        .ereignisse(fall)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == Eintragsart::Genehmigen)
        .count();
    assert_eq!(genehmigt, 1);
    for dokument in [lageplan, grundriss] {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM dokument_versionen WHERE dokument_id = $1")
                .bind(dokument)
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(n, 2, "the plan and one stamped version");
    }
    let bescheide: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bescheid_plaene WHERE gestempelt_version_id IS NOT NULL",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(bescheide, 2);
    // Each mail once per person, and delivered once.
    let mails: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT recipient, subject, COUNT(*) FROM outbox WHERE id > $1 GROUP BY recipient, subject",
    )
    .bind(seit)
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert!(!mails.is_empty());
    assert!(mails.iter().all(|m| m.2 == 1), "{mails:?}");
    let db2 = db.clone();
    wait_for("the mails delivered", Duration::from_secs(60), || {
        let db = db2.clone();
        async move {
            let offen: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE id > $1 AND sent_at IS NULL")
                    .bind(seit)
                    .fetch_one(db.pool())
                    .await
                    .ok()?;
            (offen == 0).then_some(())
        }
    })
    .await;
    let zugestellt = c
        .smtp
        .mails()
        .iter()
        .filter(|m| m.data.contains("BA-2026-00017"))
        .count();
    println!(
        "Worker mitten im Erlass (zwischen zwei Stempeln) getötet: der andere erließ den Bescheid ({versuche} Versuche, \
         {:.1} s); 2 Pläne je einmal gestempelt, {} E-Mails je einmal ({zugestellt} zugestellt); verloren: nichts",
        dauer.as_secs_f64(),
        mails.len()
    );
}

// --- 6. Two workers race every scheduled job ------------------------------------------------

/// Three months of the cluster's clock, a day at a time: both workers run the deadline
/// sweeps and their schedulers at once (each sweep queued three times a day, the hourly
/// maintenance on top). Every legal effect is recorded once: each deemed consent, each
/// reminder mail, each close of a Beteiligung, each Genehmigungsfiktion.
#[tokio::test(flavor = "multi_thread")]
async fn two_workers_racing_the_scheduled_jobs_record_each_legal_effect_once() {
    use beteiligung_welt::*;
    use plankammer_domain::zeitleiste::Eintragsart;

    let c = Cluster::start(&[]).await;
    let app = plankammer_tests::spawn_app_auf(&c.pg.url(), None).await;
    let w = welt_mit(plankammer_tests::welt::Welt::mit(app).await).await;
    let mut faelle = vec![w.vorgang];
    for i in 1..4 {
        let (id, _, _) =
            vollstaendiger_fall(&w.db, w.tenant, w.arch.user_id, &format!("Neubau {i}")).await;
        faelle.push(id);
    }
    let heute = plankammer_storage::heute_berlin();
    for &fall in &faelle {
        // The decision deadline of the vereinfachtes Verfahren, ending in 80 days (after
        // the Gemeinde's two months).
        let mut tx = w.db.begin().await.unwrap();
        Db::lege_frist_an(
            &mut tx,
            &plankammer_storage::antrag::NeueFrist {
                vorgang_id: fall,
                art: plankammer_domain::frist::FristArt::Entscheidung,
                rechtsgrundlage: "§ 65 Abs. 2 HBO",
                start: heute,
                ende: heute + chrono::Days::new(80),
                erklaerung: "Testfrist",
            },
            plankammer_storage::now_millis(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        w.v.stellen_anfragen(
            &w.ba,
            fall,
            &plankammer_verfahren::beteiligung::Beteiligen {
                anfragen: [w.brandschutz, w.gemeinde, w.naturschutz]
                    .iter()
                    .map(|s| anfrage(*s))
                    .collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }

    let tag = 24 * 3600;
    for t in 1..=95 {
        c.uhr_stellen(t * tag);
        let now = plankammer_storage::now_millis() + t * tag * 1000;
        let mut ids = Vec::new();
        for _ in 0..3 {
            for kind in ["beteiligung.fristen", "fristen.pruefen"] {
                ids.push(
                    c.db.enqueue_now(&NewJob::new(kind, serde_json::json!({}), now), now)
                        .await
                        .unwrap()
                        .unwrap(),
                );
            }
        }
        let db = c.db.clone();
        wait_for("the day's sweeps", Duration::from_secs(60), || {
            let (db, ids) = (db.clone(), ids.clone());
            async move {
                for id in ids {
                    let j = db.job(id).await.ok()?;
                    if !matches!(j.state, JobState::Succeeded | JobState::Failed) {
                        return None;
                    }
                }
                Some(())
            }
        })
        .await;
        for id in &ids {
            let j = c.db.job(*id).await.unwrap();
            assert_eq!(
                j.state,
                JobState::Succeeded,
                "{:?}\n{}",
                j.last_error,
                c.logs()
            );
        }
    }

    // No sweep failed (the schedulers' own may still be queued), and both workers ran them.
    let gescheitert: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind IN ('beteiligung.fristen', 'fristen.pruefen') AND state = 'failed'",
    )
    .fetch_one(c.db.pool())
    .await
    .unwrap();
    assert_eq!(gescheitert, 0, "{}", c.logs());
    let arbeiter: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT worker FROM job_attempts WHERE job_id IN (SELECT id FROM jobs WHERE kind = 'beteiligung.fristen')",
    )
    .fetch_all(c.db.pool())
    .await
    .unwrap();
    let prozesse: BTreeSet<String> = arbeiter
        .iter()
        .map(|a| a.split(':').take(3).collect::<Vec<_>>().join(":"))
        .collect();
    assert!(prozesse.len() >= 2, "both workers ran sweeps: {arbeiter:?}");

    let mut fiktionen = 0;
    let mut abschluesse = 0;
    let mut genehmigungsfiktionen = 0;
    for &fall in &faelle {
        let e = w.db.ereignisse(fall).await.unwrap();
        let zahl = |art: Eintragsart| e.iter().filter(|x| x.art == art).count();
        // Each Stelle's deadline passed once: deemed consent (Brandschutz, Naturschutz),
        // deemed Einvernehmen (the Gemeinde).
        let mut je_stelle: BTreeMap<&str, usize> = BTreeMap::new();
        for x in e.iter().filter(|x| {
            matches!(
                x.art,
                Eintragsart::ZustimmungFingiert
                    | Eintragsart::EinvernehmenFingiert
                    | Eintragsart::BeteiligungsfristAbgelaufen
            )
        }) {
            let name = x.text.split('„').nth(1).and_then(|r| r.split('“').next());
            *je_stelle.entry(name.unwrap_or("?")).or_default() += 1;
        }
        assert_eq!(
            je_stelle,
            BTreeMap::from([
                ("Brandschutzdienststelle", 1),
                ("Gemeinde Musterstadt", 1),
                ("Obere Naturschutzbehörde", 1)
            ]),
            "{fall}: {e:?}"
        );
        assert_eq!(zahl(Eintragsart::EinvernehmenFingiert), 1, "{fall}: {e:?}");
        assert_eq!(
            zahl(Eintragsart::BeteiligungAbschliessen),
            1,
            "{fall}: {e:?}"
        );
        assert_eq!(
            zahl(Eintragsart::GenehmigungsfiktionEintreten),
            1,
            "{fall}: {e:?}"
        );
        fiktionen += 3;
        abschluesse += 1;
        genehmigungsfiktionen += 1;
    }
    let erinnerungen: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT recipient, subject, COUNT(*) FROM outbox WHERE subject LIKE 'Erinnerung%' GROUP BY recipient, subject",
    )
    .fetch_all(c.db.pool())
    .await
    .unwrap();
    // Recorded reminders (days before the end, once each per request) and the mails they
    // must have caused: one per member of the Stelle.
    let je_anfrage: Vec<(String, i64)> = sqlx::query_as(
        "SELECT b.erinnerungen, (SELECT COUNT(*) FROM stellen_mitglieder m WHERE m.stelle_id = b.stelle_id) \
         FROM beteiligungen b",
    )
    .fetch_all(c.db.pool())
    .await
    .unwrap();
    let mut vermerkt = 0i64;
    let mut erwartet = 0i64;
    for (tage, mitglieder) in &je_anfrage {
        let tage: Vec<&str> = tage.split(',').filter(|t| !t.is_empty()).collect();
        let eindeutig: BTreeSet<&&str> = tage.iter().collect();
        assert_eq!(
            eindeutig.len(),
            tage.len(),
            "a reminder recorded twice: {tage:?}"
        );
        vermerkt += tage.len() as i64;
        // One mail per run that recorded reminders; each reminder day here is its own run.
        erwartet += tage.len() as i64 * mitglieder;
    }
    let mails: i64 = erinnerungen.iter().map(|e| e.2).sum();
    assert!(vermerkt > 0, "reminders were due");
    assert_eq!(mails, erwartet, "reminder mails: {erinnerungen:?}");
    let laeufe: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind IN ('beteiligung.fristen', 'fristen.pruefen')",
    )
    .fetch_one(c.db.pool())
    .await
    .unwrap();
    println!(
        "Zwei Worker, 95 Tage Testuhr, {laeufe} Fristenläufe: {fiktionen} Fiktionen, {abschluesse} Abschlüsse, \
         {genehmigungsfiktionen} Genehmigungsfiktionen, {vermerkt} Erinnerungen ({mails} E-Mails), je genau einmal"
    );
}

// --- 7. A rolling restart under load -----------------------------------------------------

/// Servers and then workers restarted one by one (SIGTERM, wait for the exit, start again)
/// while pages load, plans upload and jobs run: the load generator sees no failed request,
/// every upload is stored once, every job finishes once without losing its lease.
#[tokio::test(flavor = "multi_thread")]
async fn a_rolling_restart_under_load_drops_no_request() {
    let mut c = Cluster::start(&[("SHUTDOWN_GRACE_SECS", "30".to_string())]).await;
    let (token, fall) = c.token_und_fall().await;
    let stop = Arc::new(AtomicBool::new(false));
    let last = api_last(&c, &token, fall, Duration::from_millis(10), &stop);
    // Uploads one after another (each 1 MB, sent over about a second) …
    let uploads = {
        let (url, token, stop) = (c.url.clone(), token.clone(), stop.clone());
        tokio::spawn(async move {
            let mut out = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let name = format!("Plan_{i}.pdf");
                let bytes = plan(1 << 20, &name);
                let r = hochladen(
                    &url,
                    &token,
                    fall,
                    &name,
                    bytes.clone(),
                    Duration::from_millis(60),
                )
                .await;
                out.push((name, sha(&bytes), r));
                i += 1;
            }
            out
        })
    };
    // … and jobs of half a second each, queued all along.
    let jobs = {
        let (db, stop, uhr) = (c.db.clone(), stop.clone(), c.versatz_ms());
        tokio::spawn(async move {
            let mut ids = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let now = plankammer_storage::now_millis() + uhr;
                ids.push(
                    db.enqueue_now(
                        &NewJob::new("diag.warten", serde_json::json!({ "ms": 500 }), now),
                        now,
                    )
                    .await
                    .unwrap()
                    .unwrap(),
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            ids
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let t = Instant::now();
    for i in 0..2 {
        let code = c.server[i]
            .take()
            .unwrap()
            .terminate(Duration::from_secs(60));
        assert_eq!(code, Some(0));
        c.server_starten(i).await;
        c.bis_lb_alle_nimmt().await;
    }
    for i in 0..2 {
        let code = c.worker[i]
            .take()
            .unwrap()
            .terminate(Duration::from_secs(60));
        assert_eq!(code, Some(0));
        c.worker_starten(i);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let dauer = t.elapsed();
    stop.store(true, Ordering::SeqCst);
    let (_, antworten) = last.await.unwrap();
    let uploads = uploads.await.unwrap();
    let jobs = jobs.await.unwrap();

    let fehler: Vec<&Antwort> = antworten.iter().filter(|a| a.status != Ok(200)).collect();
    assert!(fehler.is_empty(), "{fehler:?}\n{}", c.logs());
    let mut namen = BTreeMap::new();
    for (name, sha, r) in &uploads {
        assert!(matches!(r, Ok((201, _))), "{name}: {r:?}\n{}", c.logs());
        namen.insert(name.clone(), sha.clone());
    }
    let gespeichert: BTreeMap<String, String> =
        c.db.dokumente(fall)
            .await
            .unwrap()
            .iter()
            .flat_map(|d| d.versionen.iter())
            .map(|v| (v.dateiname.clone(), v.sha256.clone()))
            .collect();
    assert_eq!(
        gespeichert, namen,
        "every upload stored once with its bytes"
    );
    let db = c.db.clone();
    let ids = jobs.clone();
    wait_for("every job done", Duration::from_secs(120), || {
        let (db, ids) = (db.clone(), ids.clone());
        async move {
            for id in ids {
                if db.job(id).await.ok()?.state != JobState::Succeeded {
                    return None;
                }
            }
            Some(())
        }
    })
    .await;
    for id in &jobs {
        let versuche = c.db.job_attempts(*id).await.unwrap();
        assert_eq!(versuche.len(), 1, "job {id} ran once: {versuche:?}");
    }
    println!(
        "Rollender Neustart (2 Server, 2 Worker) in {:.1} s unter Last: {} Leseanfragen, {} Uploads, {} Jobs; \
         fehlgeschlagen: 0; verloren: nichts",
        dauer.as_secs_f64(),
        antworten.len(),
        uploads.len(),
        jobs.len()
    );
}
