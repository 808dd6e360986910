//! `plankammer-bench last`: the scaled-out topology under load (issue 16). It starts
//! `scripts/cluster.sh` (PostgreSQL, moto as S3, an SMTP catcher, two servers behind Caddy,
//! two workers), seeds N cases of two Bauaufsichten through the store, and then measures
//! through the load balancer with oha (a maintained load generator, MIT, installed into
//! `.tools/oha` by `scripts/last.sh`) at a fixed request rate:
//!
//! - the Bauaufsicht's inbox (`/eingang`, a case worker's session), the case page and the
//!   applicant's status page (`/vorgaenge/{id}`), a document download (`/api/v1/versions/{id}/download`);
//! - first alone, then while plan uploads of 20–200 MB run all at once, whose throughput is
//!   compared with `cp` of the same files at the same concurrency, with both servers' memory
//!   sampled throughout.
//!
//! The workers are paused (SIGSTOP) while it measures: on this 2-core machine the pipeline
//! of fifty large plans would take the CPU the servers are measured on; in the topology the
//! workers run on machines of their own. Numbers only, never assertions.

use crate::mb;
use crate::messplatz::{Spitzen, beobachte, schreibe_test_pdf, speicher, stoppe};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORT: &str = "ein-sehr-langes-passwort-fuer-die-lastmessung";
const SACHBEARBEITUNG: &str = "sachbearbeitung@last.example";
const ARCHITEKTIN: &str = "architektin@last.example";

/// What the command line sets.
pub struct Vorgaben {
    pub faelle: u64,
    pub rate: u32,
    pub dauer_s: u64,
    pub uploads: usize,
    pub min_mb: u64,
    pub max_mb: u64,
    pub oha: PathBuf,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The cluster of `scripts/cluster.sh`, on ports of its own; stopped (SIGTERM) on drop.
struct Cluster {
    skript: Child,
    zustand: PathBuf,
    lb: String,
    bin: PathBuf,
}

impl Cluster {
    fn start(bin: &Path) -> Result<Cluster> {
        let zustand = repo().join("target/cluster-last");
        std::fs::create_dir_all(&zustand)?;
        let log = std::fs::File::create(zustand.with_extension("log"))?;
        let mut cmd = Command::new(repo().join("scripts/cluster.sh"));
        cmd.env("CLUSTER_DIR", &zustand)
            .env("CLUSTER_DB", "plankammer_last")
            .env("CLUSTER_PORT", "8280")
            .env("CLUSTER_SERVE1_PORT", "8281")
            .env("CLUSTER_SERVE2_PORT", "8282")
            .env("CLUSTER_S3_PORT", "8283")
            .env("CLUSTER_CADDY_ADMIN_PORT", "8284")
            .env("CLUSTER_SMTP_PORT", "8225")
            .env("PLANKAMMER_BIN", bin)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let skript = cmd.spawn().context("scripts/cluster.sh")?;
        Ok(Cluster {
            skript,
            zustand,
            lb: "http://127.0.0.1:8280".into(),
            bin: bin.to_path_buf(),
        })
    }

    async fn bereit(&mut self) -> Result<()> {
        let start = Instant::now();
        loop {
            if let Ok(r) = reqwest::get(format!("{}/readyz", self.lb)).await
                && r.status().is_success()
            {
                return Ok(());
            }
            if let Ok(Some(s)) = self.skript.try_wait() {
                bail!(
                    "scripts/cluster.sh endete ({s}), siehe {}",
                    self.zustand.with_extension("log").display()
                );
            }
            if start.elapsed() > Duration::from_secs(900) {
                bail!("der Cluster ist nach 15 Minuten nicht bereit");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// A value of the Plankammer environment the script wrote (`NAME=value`, shell-quoted;
    /// only for values without quoting).
    fn variable(&self, name: &str) -> Result<String> {
        let text = std::fs::read_to_string(self.zustand.join("plankammer.env"))?;
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
            .with_context(|| format!("{name} fehlt in plankammer.env"))
    }

    fn pid(&self, dienst: &str) -> Result<u32> {
        let t = std::fs::read_to_string(self.zustand.join(format!("pids/{dienst}.pid")))
            .with_context(|| format!("PID von {dienst}"))?;
        Ok(t.trim().parse()?)
    }

    /// `plankammer ARGS` with the cluster's environment (an operator's console).
    fn cli(&self, args: &[&str], passwort: bool) -> Result<()> {
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(format!(
                "set -a; . {}; set +a; exec \"$0\" \"$@\"",
                self.zustand.join("plankammer.env").display()
            ))
            .arg(&self.bin)
            .args(args);
        if passwort {
            cmd.env("PLANKAMMER_PASSWORD", PASSWORT);
        }
        let out = cmd.output()?;
        if !out.status.success() {
            bail!(
                "plankammer {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    fn signal(&self, pid: u32, sig: &str) {
        let _ = Command::new("kill").args([sig, &pid.to_string()]).status();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for w in ["worker-1", "worker-2"] {
            if let Ok(p) = self.pid(w) {
                self.signal(p, "-CONT");
            }
        }
        self.signal(self.skript.id(), "-TERM");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(180) {
            if !matches!(self.skript.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.skript.id())])
            .status();
        let _ = self.skript.wait();
    }
}

/// A person's session through the load balancer: the client and its cookie header.
async fn anmelden(lb: &str, email: &str) -> Result<(reqwest::Client, String)> {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let c = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let seite = c.get(format!("{lb}/anmelden")).send().await?.text().await?;
    let csrf = csrf(&seite).context("Anmeldeseite ohne CSRF-Feld")?;
    let r = c
        .post(format!("{lb}/anmelden"))
        .form(&[("email", email), ("passwort", PASSWORT), ("_csrf", &csrf)])
        .send()
        .await?;
    if r.status() != 303 {
        bail!("Anmeldung {email}: HTTP {}", r.status());
    }
    let weiter = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default();
    if weiter.contains("zweiter-faktor") {
        // Staff of an authority set up their second factor at the first sign-in, as a
        // person with an authenticator app does: the key from the page, the current code.
        let seite = c
            .get(format!("{lb}/anmelden/zweiter-faktor"))
            .send()
            .await?
            .text()
            .await?;
        let marker = "data-testid=\"totp-schluessel\">";
        let start = seite.find(marker).context("kein TOTP-Schlüssel")? + marker.len();
        let ende = seite[start..].find('<').context("TOTP-Schlüssel")? + start;
        let geheimnis = plankammer_domain::totp::base32_lesen(&seite[start..ende])
            .context("TOTP-Schlüssel nicht base32")?;
        let code = plankammer_domain::totp::code(&geheimnis, plankammer_storage::now_millis());
        let token = crate::last::csrf(&seite).context("zweiter Faktor ohne CSRF")?;
        let r = c
            .post(format!("{lb}/anmelden/zweiter-faktor"))
            .form(&[("_csrf", token.as_str()), ("code", code.as_str())])
            .send()
            .await?;
        if !r.status().is_success() && r.status() != 303 {
            bail!("zweiter Faktor für {email}: HTTP {}", r.status());
        }
    }
    use reqwest::cookie::CookieStore;
    let kopf = jar
        .cookies(&lb.parse()?)
        .context("keine Sitzung")?
        .to_str()?
        .to_string();
    Ok((c, kopf))
}

fn csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\"")?;
    let rest = &html[i..];
    let v = rest.find("value=\"")? + 7;
    Some(rest[v..].split('"').next()?.to_string())
}

/// One oha run against one URL, its JSON summary.
struct Messung {
    name: &'static str,
    kind: Child,
}

fn oha(
    oha: &Path,
    name: &'static str,
    url: &str,
    kopf: &str,
    rate: u32,
    dauer_s: u64,
) -> Result<Messung> {
    let kind = Command::new(oha)
        .args([
            "--no-tui",
            "--output-format",
            "json",
            "--latency-correction",
            "-z",
            &format!("{dauer_s}s"),
            "-q",
            &rate.to_string(),
            "-c",
            "32",
            "-H",
            kopf,
            url,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("oha ({})", oha.display()))?;
    Ok(Messung { name, kind })
}

/// A row of the table: rate, p50/p95/p99 in ms, requests, errors (non-2xx and failures).
struct Zeile {
    name: &'static str,
    rps: f64,
    p50: f64,
    p95: f64,
    p99: f64,
    anfragen: u64,
    fehler: u64,
    fehlerarten: String,
}

fn auswerten(m: Messung) -> Result<Zeile> {
    let out = m.kind.wait_with_output()?;
    if !out.status.success() {
        bail!("oha {}: {}", m.name, String::from_utf8_lossy(&out.stderr));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("oha {}: {}", m.name, String::from_utf8_lossy(&out.stdout)))?;
    Ok(zeile(m.name, &v))
}

/// A row from oha's JSON summary (`--output-format json`; latencies in seconds).
fn zeile(name: &'static str, v: &serde_json::Value) -> Zeile {
    let ms = |k: &str| v["latencyPercentiles"][k].as_f64().unwrap_or(f64::NAN) * 1000.0;
    let mut anfragen = 0;
    let mut fehler = 0;
    let mut arten = Vec::new();
    if let Some(codes) = v["statusCodeDistribution"].as_object() {
        for (code, n) in codes {
            let n = n.as_u64().unwrap_or(0);
            anfragen += n;
            if !code.starts_with('2') {
                fehler += n;
                arten.push(format!("HTTP {code}: {n}"));
            }
        }
    }
    if let Some(e) = v["errorDistribution"].as_object() {
        for (art, n) in e {
            let n = n.as_u64().unwrap_or(0);
            // oha stops the requests still open at the end of the run; they are not errors.
            if art.contains("aborted due to deadline") {
                continue;
            }
            anfragen += n;
            fehler += n;
            arten.push(format!("{art}: {n}"));
        }
    }
    Zeile {
        name,
        rps: v["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        p50: ms("p50"),
        p95: ms("p95"),
        p99: ms("p99"),
        anfragen,
        fehler,
        fehlerarten: arten.join(", "),
    }
}

fn tabelle(titel: &str, zeilen: &[Zeile]) {
    println!("\n{titel}");
    println!(
        "| {:<36} | {:>8} | {:>8} | {:>8} | {:>8} | {:>9} | {:>6} |",
        "Seite", "Anfr./s", "p50 ms", "p95 ms", "p99 ms", "Anfragen", "Fehler"
    );
    println!("|{}|", ["-"; 7].map(|_| "---").join("|"));
    for z in zeilen {
        println!(
            "| {:<36} | {:>8.1} | {:>8.1} | {:>8.1} | {:>8.1} | {:>9} | {:>6} |",
            z.name, z.rps, z.p50, z.p95, z.p99, z.anfragen, z.fehler
        );
        if !z.fehlerarten.is_empty() {
            println!("    Fehler: {}", z.fehlerarten);
        }
    }
}

/// CPU seconds (user + system) a process and its children that ended used so far.
fn cpu_sekunden(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name in parentheses; utime is the 14th field overall.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = [11, 12, 13, 14]
        .iter()
        .filter_map(|i| f.get(*i)?.parse::<f64>().ok())
        .sum();
    Some(ticks / 100.0)
}

/// The processes of the cluster by name, for the CPU table.
fn dienste(c: &Cluster) -> Vec<(&'static str, u32)> {
    [
        ("Caddy", "loadbalancer"),
        ("serve-1", "serve-1"),
        ("serve-2", "serve-2"),
        ("S3 (moto)", "s3"),
    ]
    .into_iter()
    .filter_map(|(n, d)| Some((n, c.pid(d).ok()?)))
    .collect()
}

fn last_des_rechners() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub async fn last(plankammer: PathBuf, v: Vorgaben) -> Result<()> {
    if !v.oha.is_file() {
        bail!(
            "oha fehlt unter {} (scripts/last.sh installiert es nach .tools/oha)",
            v.oha.display()
        );
    }
    if v.uploads > 0 && (v.min_mb == 0 || v.max_mb < v.min_mb) {
        bail!("--upload-min-mb und --upload-max-mb: 1 ≤ min ≤ max");
    }
    let kerne = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "Last auf dem verteilten Plankammer (scripts/cluster.sh), {kerne} Kerne, Last vorher {}",
        last_des_rechners()
    );
    let mut cluster = Cluster::start(&plankammer)?;
    cluster.bereit().await?;
    let lb = cluster.lb.clone();

    // N cases of two Bauaufsichten through the store, then the people who log in.
    let db = plankammer_storage::Db::connect(&cluster.variable("DATABASE_URL")?).await?;
    let t = Instant::now();
    crate::eingang::befuellen(
        &db,
        v.faelle as usize,
        plankammer_storage::now_millis(),
        plankammer_storage::heute_berlin(),
    )
    .await?;
    db.analysiere_vorgaenge().await?;
    println!(
        "{} Fälle zweier Bauaufsichten über den Speicher eingefügt in {:.1} s",
        v.faelle,
        t.elapsed().as_secs_f64()
    );
    for (email, name, rolle) in [
        (SACHBEARBEITUNG, "Sachbearbeitung Last", "bauaufsicht"),
        (ARCHITEKTIN, "Architektin Last", "antragsteller"),
    ] {
        cluster.cli(
            &[
                "user",
                "add",
                "--tenant",
                "bauaufsicht-a",
                "--email",
                email,
                "--name",
                name,
                "--role",
                rolle,
            ],
            true,
        )?;
    }
    let (sb, sb_kopf) = anmelden(&lb, SACHBEARBEITUNG).await?;
    let (arch, arch_kopf) = anmelden(&lb, ARCHITEKTIN).await?;
    drop(sb);

    // The applicant's token, a case with one plan (the download), and a draft per upload.
    let seite = arch.get(format!("{lb}/start")).send().await?.text().await?;
    let csrf = csrf(&seite).context("Startseite ohne CSRF")?;
    let r: serde_json::Value = arch
        .post(format!("{lb}/api/v1/tokens"))
        .header("x-csrf-token", csrf)
        .json(&serde_json::json!({ "name": "Last" }))
        .send()
        .await?
        .json()
        .await?;
    let token = r["schluessel"].as_str().context("Token")?.to_string();
    let api = reqwest::Client::new();
    let neuer_fall = || async {
        let r: serde_json::Value = api
            .post(format!("{lb}/api/v1/cases"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "bezeichnung": "Lastmessung" }))
            .send()
            .await?
            .json()
            .await?;
        r["id"].as_i64().context("Fall ohne id")
    };
    let fall = neuer_fall().await?;
    let dateien = repo().join("target/last-dateien");
    std::fs::create_dir_all(&dateien)?;
    let plan = dateien.join("plan.pdf");
    schreibe_test_pdf(&plan, 2_000_000)?;
    let r = api
        .put(format!(
            "{lb}/api/v1/cases/{fall}/documents/Grundriss.pdf?anlageart=2001"
        ))
        .bearer_auth(&token)
        .header("content-type", "application/pdf")
        .body(std::fs::read(&plan)?)
        .send()
        .await?;
    if r.status() != 201 {
        bail!("Plan hochladen: HTTP {}", r.status());
    }
    let version = r.json::<serde_json::Value>().await?["id"]
        .as_i64()
        .context("Version")?;

    let auftrag = [
        (
            "Eingang der Bauaufsicht /eingang",
            format!("{lb}/eingang"),
            sb_kopf.clone(),
            v.rate,
        ),
        (
            "Vorgangsseite (Sachbearbeitung)",
            format!("{lb}/vorgaenge/{fall}"),
            sb_kopf.clone(),
            (v.rate / 4).max(1),
        ),
        (
            "Statusseite der Antragstellerin",
            format!("{lb}/vorgaenge/{fall}"),
            arch_kopf.clone(),
            (v.rate / 4).max(1),
        ),
        (
            "Download eines Plans (2 MB, API)",
            format!("{lb}/api/v1/versions/{version}/download"),
            format!("Authorization: Bearer {token}"),
            (v.rate / 10).max(1),
        ),
    ];
    let kopf_von = |k: &str| {
        if k.starts_with("Authorization") {
            k.to_string()
        } else {
            format!("Cookie: {k}")
        }
    };

    // The upload files, written before anything is measured.
    let mut plaene = Vec::new();
    for i in 0..v.uploads {
        let mb_i = if v.uploads > 1 {
            v.min_mb + (v.max_mb - v.min_mb) * i as u64 / (v.uploads as u64 - 1)
        } else {
            v.min_mb
        };
        let p = dateien.join(format!("plan_{i:02}.pdf"));
        schreibe_test_pdf(&p, mb_i * 1_000_000)?;
        plaene.push((p, neuer_fall().await?));
    }
    let summe: u64 = plaene
        .iter()
        .map(|(p, _)| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();

    // The workers pause while the servers are measured.
    let worker: Vec<u32> = ["worker-1", "worker-2"]
        .iter()
        .filter_map(|w| cluster.pid(w).ok())
        .collect();
    for p in &worker {
        cluster.signal(*p, "-STOP");
    }
    let server = [cluster.pid("serve-1")?, cluster.pid("serve-2")?];

    // 1. Reads alone.
    let messungen: Vec<Messung> = auftrag
        .iter()
        .map(|(n, url, k, rate)| oha(&v.oha, n, url, &kopf_von(k), *rate, v.dauer_s))
        .collect::<Result<_>>()?;
    let zeilen: Vec<Zeile> = messungen
        .into_iter()
        .map(auswerten)
        .collect::<Result<_>>()?;
    tabelle(
        &format!(
            "Lesen allein, {} s, feste Raten (oha --latency-correction), Last danach {}",
            v.dauer_s,
            last_des_rechners()
        ),
        &zeilen,
    );

    // 2. Reads while every upload runs at once.
    if !plaene.is_empty() {
        let rss_vorher: Vec<u64> = server
            .iter()
            .map(|p| speicher(*p).map_or(0, |m| m.0))
            .collect();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let beobachter: Vec<_> = server
            .iter()
            .map(|p| beobachte(*p, false, stop.clone()))
            .collect();
        let dauer_lesen = v.dauer_s.max(10);
        let prozesse = dienste(&cluster);
        let cpu_vorher: Vec<f64> = prozesse
            .iter()
            .map(|(_, p)| cpu_sekunden(*p).unwrap_or(0.0))
            .collect();
        let cpu_start = Instant::now();
        let messungen: Vec<Messung> = auftrag
            .iter()
            .map(|(n, url, k, rate)| oha(&v.oha, n, url, &kopf_von(k), *rate, dauer_lesen))
            .collect::<Result<_>>()?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let start = Instant::now();
        let mut laeufe = Vec::new();
        for (p, fall) in plaene.clone() {
            let (lb, token) = (lb.clone(), token.clone());
            laeufe.push(tokio::spawn(async move {
                let t = Instant::now();
                let r = hochladen(&lb, &token, fall, &p).await;
                (r, t.elapsed())
            }));
        }
        let mut fehler = Vec::new();
        let mut laengste = Duration::ZERO;
        for l in laeufe {
            let (r, d) = l.await?;
            laengste = laengste.max(d);
            if let Err(e) = r {
                fehler.push(e.to_string());
            }
        }
        let hoch = start.elapsed().as_secs_f64();
        let zeilen: Vec<Zeile> = messungen
            .into_iter()
            .map(auswerten)
            .collect::<Result<_>>()?;
        let spitzen: Vec<Spitzen> = beobachter.into_iter().map(|b| stoppe(&stop, b)).collect();
        let wand = cpu_start.elapsed().as_secs_f64();
        let cpu: Vec<String> = prozesse
            .iter()
            .zip(&cpu_vorher)
            .map(|((n, p), v)| format!("{n} {:.0} s", cpu_sekunden(*p).unwrap_or(0.0) - v))
            .collect();
        tabelle(
            &format!(
                "Lesen, während {} Pläne ({}–{} MB, zusammen {:.0} MB) gleichzeitig hochgeladen werden, Last danach {}",
                plaene.len(),
                v.min_mb,
                v.max_mb,
                mb(summe),
                last_des_rechners()
            ),
            &zeilen,
        );
        println!(
            "\nUploads: {} von {} gespeichert in {hoch:.1} s = {:.0} MB/s über den Lastverteiler{}",
            plaene.len() - fehler.len(),
            plaene.len(),
            mb(summe) / hoch,
            if fehler.is_empty() {
                String::new()
            } else {
                format!("; Fehler: {}", fehler.join("; "))
            }
        );
        println!(
            "CPU-Zeit in diesen {wand:.0} s ({kerne} Kerne = {:.0} s): {}",
            kerne as f64 * wand,
            cpu.join(", ")
        );
        for (i, (s, vorher)) in spitzen.iter().zip(&rss_vorher).enumerate() {
            println!(
                "Server serve-{}: RSS vorher {:.0} MB, Spitze {:.0} MB (+{:.0} MB), {} Proben",
                i + 1,
                mb(*vorher),
                mb(s.rss_max),
                mb(s.rss_max.saturating_sub(*vorher)),
                s.proben
            );
        }
        // cp of the same files, all at once, onto the same disk.
        let kopien = dateien.join("kopien");
        std::fs::create_dir_all(&kopien)?;
        let start = Instant::now();
        let kinder: Vec<Child> = plaene
            .iter()
            .map(|(p, _)| Command::new("cp").arg(p).arg(&kopien).spawn())
            .collect::<std::io::Result<_>>()?;
        for mut k in kinder {
            k.wait()?;
        }
        Command::new("sync").status()?;
        let cp = start.elapsed().as_secs_f64();
        println!(
            "cp derselben {} Dateien, gleichzeitig, mit sync: {cp:.1} s = {:.0} MB/s; Uploads/cp = {:.0} %",
            plaene.len(),
            mb(summe) / cp,
            100.0 * cp / hoch
        );
        let _ = std::fs::remove_dir_all(&kopien);
    }
    let _ = std::fs::remove_dir_all(&dateien);
    db.close().await;
    println!("Last des Rechners am Ende: {}", last_des_rechners());
    drop(cluster);
    Ok(())
}

/// Streams a file into a new document of `fall`.
async fn hochladen(lb: &str, token: &str, fall: i64, datei: &Path) -> Result<()> {
    let f = tokio::fs::File::open(datei).await?;
    let len = f.metadata().await?.len();
    let name = datei
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("plan.pdf");
    let r = reqwest::Client::new()
        .put(format!(
            "{lb}/api/v1/cases/{fall}/documents/{name}?anlageart=2001"
        ))
        .bearer_auth(token)
        .header("content-type", "application/pdf")
        .header("content-length", len)
        .body(reqwest::Body::wrap_stream(
            tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024),
        ))
        .send()
        .await?;
    if r.status() != 201 {
        bail!(
            "{name}: HTTP {}: {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_counts_every_non_2xx_and_failure_but_not_what_the_deadline_cut() {
        let v = serde_json::json!({
            "summary": { "requestsPerSec": 199.5 },
            "latencyPercentiles": { "p50": 0.004, "p95": 0.012, "p99": 0.031 },
            "statusCodeDistribution": { "200": 5980, "503": 3 },
            "errorDistribution": {
                "aborted due to deadline": 12,
                "connection closed before message completed": 2
            }
        });
        let z = zeile("Eingang", &v);
        assert_eq!(z.anfragen, 5985);
        assert_eq!(z.fehler, 5);
        assert!((z.p99 - 31.0).abs() < 1e-9);
        assert!(z.fehlerarten.contains("HTTP 503: 3"), "{}", z.fehlerarten);
        assert!(!z.fehlerarten.contains("deadline"));
    }

    #[test]
    fn the_csrf_field_of_a_form_is_found() {
        assert_eq!(
            csrf(r#"<input type="hidden" name="_csrf" value="abc123">"#).as_deref(),
            Some("abc123")
        );
        assert_eq!(csrf("<form></form>"), None);
    }
}
