//! Upload and worker benchmarks: the real `plankammer` binary as child processes on a
//! throwaway site.

use crate::mb;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A throwaway installation in a temporary folder: SQLite database, local document store,
/// mail to files, a free loopback port, one applicant with a personal access token. The
/// server and worker run as child processes of the `plankammer` binary; dropping the site
/// stops them and removes the folder.
struct Messplatz {
    plankammer: PathBuf,
    dir: PathBuf,
    addr: std::net::SocketAddr,
    token: String,
    env: Vec<(&'static str, String)>,
    kinder: Vec<(String, std::process::Child)>,
}

/// Every variable of the configuration that would point a child elsewhere.
const FREMDE_VARIABLEN: [&str; 17] = [
    "DATA_DIR",
    "DATABASE_URL",
    "OBJECT_STORE_URL",
    "MAIL_URL",
    "MAIL_FROM",
    "BIND",
    "PUBLIC_URL",
    "WEB_DIR",
    "LOG_FORMAT",
    "METRICS_TOKEN",
    "TRUST_PROXY",
    "UPLOAD_MAX_FILE_MB",
    "UPLOAD_MAX_CASE_MB",
    "UPLOAD_MAX_FILES",
    "UPLOAD_BUFFER_MB",
    "JOB_POLL_MS",
    "SHUTDOWN_GRACE_SECS",
];

impl Messplatz {
    /// Creates the site; `max_datei` and `summe` (bytes) raise the upload limits to fit.
    async fn neu(plankammer: PathBuf, max_datei: u64, summe: u64) -> Result<Messplatz> {
        let dir = std::env::temp_dir().join(format!(
            "plankammer-bench-{}",
            plankammer_storage::random_token(8)
        ));
        let data = dir.join("daten");
        std::fs::create_dir_all(data.join("dokumente"))
            .with_context(|| format!("{}", data.display()))?;
        std::fs::create_dir_all(data.join("mail"))?;
        let mut site = Messplatz {
            plankammer,
            dir,
            addr: ([127, 0, 0, 1], 0).into(),
            token: String::new(),
            env: Vec::new(),
            kinder: Vec::new(),
        };
        let db_url = format!("sqlite://{}?mode=rwc", data.join("plankammer.db").display());
        site.addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        // The children's address for links (they get BIND and no PUBLIC_URL).
        let public_url = format!("http://{}", site.addr);
        site.token =
            Self::konto_mit_schluessel(&public_url, &db_url, &data.join("dokumente")).await?;
        let web_dir = std::env::current_dir()?
            .join(crate::umgebung("WEB_DIR").unwrap_or_else(|| "web".into()));
        let ceil_mb = |b: u64| b.div_ceil(1_000_000);
        site.env = vec![
            ("DATA_DIR", data.display().to_string()),
            ("DATABASE_URL", db_url),
            (
                "OBJECT_STORE_URL",
                format!("file://{}", data.join("dokumente").display()),
            ),
            (
                "MAIL_URL",
                format!("file://{}", data.join("mail").display()),
            ),
            ("BIND", site.addr.to_string()),
            ("WEB_DIR", web_dir.display().to_string()),
            (
                "UPLOAD_MAX_FILE_MB",
                (ceil_mb(max_datei) + 10).max(250).to_string(),
            ),
            (
                "UPLOAD_MAX_CASE_MB",
                (ceil_mb(summe) + 10).max(2000).to_string(),
            ),
            ("JOB_POLL_MS", "100".into()),
            ("SHUTDOWN_GRACE_SECS", "5".into()),
            ("RUST_LOG", "info,sqlx=warn,tower_http=warn".into()),
        ];
        Ok(site)
    }

    /// Migrates the database, creates a tenant and an applicant, and returns a fresh
    /// personal access token (`pkt_…`) of that applicant.
    async fn konto_mit_schluessel(
        public_url: &str,
        db_url: &str,
        dokumente: &std::path::Path,
    ) -> Result<String> {
        use plankammer_storage::{Db, now_millis};
        let db = Db::connect(db_url).await.context("Messdatenbank")?;
        db.migrate().await.context("Messdatenbank migrieren")?;
        let slug = plankammer_domain::TenantSlug::parse("messung")
            .map_err(|e| anyhow::anyhow!(e.meldung))?;
        let tenant = db.create_tenant(&slug, "Messung", now_millis()).await?;
        // The site's own document folder (the children's OBJECT_STORE_URL): nothing is
        // stored there by these steps, and nothing is left elsewhere.
        let blobs = plankammer_storage::blobs::BlobStore::from_url(&format!(
            "file://{}",
            dokumente.display()
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let verfahren = plankammer_verfahren::Verfahren::neu(
            db.clone(),
            blobs,
            plankammer_verfahren::Einstellungen::fuer_url(public_url),
        );
        let email = "messung@plankammer.localhost";
        let user_id = verfahren
            .konto_anlegen_als_betreiber(
                &plankammer_verfahren::Betreiber::an_der_konsole(),
                tenant.id,
                &plankammer_verfahren::verwaltung::NeuesKonto {
                    email,
                    name: "Messung",
                    passwort: "Tulpen im Februar, sieben Stueck",
                    rolle: plankammer_domain::Role::Antragsteller,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let akteur = plankammer_verfahren::Akteur {
            user_id,
            tenant_id: tenant.id,
            role: plankammer_domain::Role::Antragsteller,
            name: "Messung".into(),
            email: email.into(),
            behoerde: "Messung".into(),
            niveau: None,
            anmeldeweg: Default::default(),
        };
        let (_, secret) = verfahren
            .schluessel_erstellen(
                &akteur,
                plankammer_verfahren::konto::NeuerSchluessel {
                    name: "bench",
                    rechte: plankammer_storage::tokens::Rechte::Schreiben,
                    tage: None,
                    vorgang: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        db.close().await;
        Ok(secret)
    }

    /// Starts `plankammer BEFEHL` (serve, worker) on this site; returns its process id.
    fn starte(&mut self, befehl: &str) -> Result<u32> {
        let log = std::fs::File::create(self.dir.join(format!("{befehl}.log")))?;
        let mut cmd = std::process::Command::new(&self.plankammer);
        cmd.arg(befehl)
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        for v in FREMDE_VARIABLEN {
            cmd.env_remove(v);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        let child = cmd.spawn().with_context(|| format!("starting {befehl}"))?;
        let pid = child.id();
        self.kinder.push((befehl.to_string(), child));
        Ok(pid)
    }

    /// The last lines of a child's log, for error messages.
    fn log_ende(&self, befehl: &str) -> String {
        let text =
            std::fs::read_to_string(self.dir.join(format!("{befehl}.log"))).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Fails if a child has ended (a benchmark's children run until the end).
    fn pruefe_kinder(&mut self) -> Result<()> {
        for i in 0..self.kinder.len() {
            if let Some(status) = self.kinder[i].1.try_wait()? {
                let name = self.kinder[i].0.clone();
                bail!(
                    "plankammer {name} hat sich beendet ({status}); Protokoll:\n{}",
                    self.log_ende(&name)
                );
            }
        }
        Ok(())
    }

    /// Waits until the server answers `/readyz` with 200.
    fn warte_bereit(&mut self) -> Result<()> {
        let start = Instant::now();
        loop {
            self.pruefe_kinder()?;
            if let Ok((200, _)) = self.anfrage("GET", "/readyz", None) {
                return Ok(());
            }
            if start.elapsed() > std::time::Duration::from_secs(60) {
                bail!(
                    "der Server ist nach 60 s nicht bereit; Protokoll:\n{}",
                    self.log_ende("serve")
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// One request with the token and an optional JSON body; returns status and body.
    fn anfrage(&self, methode: &str, pfad: &str, json: Option<&str>) -> Result<(u16, Vec<u8>)> {
        let body = json.unwrap_or("");
        let kopf = format!(
            "{methode} {pfad} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            self.token,
            body.len()
        );
        http(self.addr, &kopf, |s| s.write_all(body.as_bytes()))
    }

    /// Every entry of a paged `/api/v1` list (`{eintraege, weiter}`), page after page.
    fn alle(&self, pfad: &str) -> Result<serde_json::Value> {
        let mut alle = Vec::new();
        let mut nach: Option<String> = None;
        loop {
            let seite = match &nach {
                None => self.json("GET", &format!("{pfad}?limit=200"), None)?,
                Some(n) => self.json("GET", &format!("{pfad}?limit=200&nach={n}"), None)?,
            };
            alle.extend(seite["eintraege"].as_array().cloned().unwrap_or_default());
            match seite["weiter"].as_str() {
                Some(w) => nach = Some(w.to_string()),
                None => return Ok(serde_json::Value::Array(alle)),
            }
        }
    }

    fn json(&self, methode: &str, pfad: &str, body: Option<&str>) -> Result<serde_json::Value> {
        let (status, antwort) = self.anfrage(methode, pfad, body)?;
        if !(200..300).contains(&status) {
            bail!(
                "{methode} {pfad}: HTTP {status}: {}",
                String::from_utf8_lossy(&antwort)
            );
        }
        Ok(serde_json::from_slice(&antwort)?)
    }

    fn neuer_vorgang(&self) -> Result<i64> {
        let v = self.json(
            "POST",
            "/api/v1/cases",
            Some(r#"{"bezeichnung":"Messung"}"#),
        )?;
        v["id"].as_i64().context("Vorgang ohne id")
    }

    /// Streams `datei` with a raw `PUT` into the case; returns the created version.
    fn hochladen(&self, vorgang: i64, datei: &Path) -> Result<serde_json::Value> {
        let mut f = std::fs::File::open(datei).with_context(|| format!("{}", datei.display()))?;
        let len = f.metadata()?.len();
        let name: String = datei
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "datei.pdf".into())
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let kopf = format!(
            "PUT /api/v1/cases/{vorgang}/documents/{name} HTTP/1.1\r\nHost: {}\r\n\
             Authorization: Bearer {}\r\nContent-Type: application/pdf\r\n\
             Content-Length: {len}\r\nConnection: close\r\n\r\n",
            self.addr, self.token
        );
        // `io::copy` from a file to a socket uses sendfile on Linux: the client costs little.
        let (status, antwort) = http(self.addr, &kopf, |s| std::io::copy(&mut f, s).map(|_| ()))?;
        if status != 201 {
            bail!(
                "Hochladen von {}: HTTP {status}: {}",
                datei.display(),
                String::from_utf8_lossy(&antwort)
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&antwort)?;
        if v["groesse"].as_u64() != Some(len) {
            bail!("der Server meldet {} statt {len} Bytes", v["groesse"]);
        }
        Ok(v)
    }
}

impl Drop for Messplatz {
    fn drop(&mut self) {
        // SIGTERM first (a clean stop), SIGKILL after a few seconds.
        for (_, child) in &mut self.kinder {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
        }
        let start = Instant::now();
        for (_, child) in &mut self.kinder {
            while start.elapsed() < std::time::Duration::from_secs(10) {
                if !matches!(child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One HTTP/1.1 exchange over a fresh connection (`Connection: close`): writes `kopf`,
/// then the body through `body`, and reads the whole answer. Returns status and body.
fn http(
    addr: std::net::SocketAddr,
    kopf: &str,
    body: impl FnOnce(&mut std::net::TcpStream) -> std::io::Result<()>,
) -> Result<(u16, Vec<u8>)> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    s.write_all(kopf.as_bytes())?;
    // A server that refuses early (413) may close before the body is through: its answer
    // is still worth reading.
    let gesendet = body(&mut s).and_then(|()| s.flush());
    let mut antwort = Vec::new();
    let gelesen = s.read_to_end(&mut antwort);
    let Some(ende) = antwort.windows(4).position(|w| w == b"\r\n\r\n") else {
        gesendet?;
        gelesen?;
        bail!("keine HTTP-Antwort von {addr}");
    };
    let kopf = String::from_utf8_lossy(&antwort[..ende]).to_string();
    let status: u16 = kopf
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("unlesbare Statuszeile: {kopf}"))?;
    let mut rumpf = antwort.split_off(ende + 4);
    let chunked = kopf.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        rumpf = entchunken(&rumpf).context("fehlerhafte chunked-Antwort")?;
    }
    Ok((status, rumpf))
}

fn entchunken(mut daten: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let zeile = daten.windows(2).position(|w| w == b"\r\n")?;
        let groesse = std::str::from_utf8(&daten[..zeile]).ok()?;
        let groesse = usize::from_str_radix(groesse.split(';').next()?.trim(), 16).ok()?;
        daten = &daten[zeile + 2..];
        if groesse == 0 {
            return Some(out);
        }
        out.extend_from_slice(daten.get(..groesse)?);
        daten = daten.get(groesse + 2..)?;
    }
}

/// A valid one-page PDF of about `bytes` bytes: an uncompressed grey image of random
/// pixels (incompressible), drawn over an A4 page. Written streaming, never held whole.
pub(crate) fn schreibe_test_pdf(pfad: &Path, bytes: u64) -> Result<u64> {
    let breite: u64 = 10_000;
    let hoehe = (bytes.saturating_sub(1_000) / breite).max(1);
    let pixel = breite * hoehe;
    /// A buffered file that counts what it wrote (the offsets of the xref table).
    struct Zaehler {
        out: std::io::BufWriter<std::fs::File>,
        pos: u64,
    }
    impl Zaehler {
        fn schreibe(&mut self, b: &[u8]) -> std::io::Result<()> {
            self.pos += b.len() as u64;
            self.out.write_all(b)
        }
    }
    let mut out = Zaehler {
        out: std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(pfad)?),
        pos: 0,
    };
    let mut offsets = Vec::new();
    out.schreibe(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")?;
    let inhalt = "q 595.276 0 0 841.89 0 0 cm /Im1 Do Q";
    let objekte = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.276 841.89] \
         /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{inhalt}\nendstream",
            inhalt.len()
        ),
    ];
    for (i, o) in objekte.iter().enumerate() {
        offsets.push(out.pos);
        out.schreibe(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes())?;
    }
    offsets.push(out.pos);
    out.schreibe(
        format!(
            "5 0 obj\n<< /Type /XObject /Subtype /Image /Width {breite} /Height {hoehe} \
             /ColorSpace /DeviceGray /BitsPerComponent 8 /Length {pixel} >>\nstream\n"
        )
        .as_bytes(),
    )?;
    // xorshift64*: fast, and random enough that nothing along the way can compress it.
    let mut zustand: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut puffer = vec![0u8; 1 << 20];
    let mut rest = pixel;
    while rest > 0 {
        let n = rest.min(puffer.len() as u64) as usize;
        for block in puffer[..n].chunks_mut(8) {
            zustand ^= zustand >> 12;
            zustand ^= zustand << 25;
            zustand ^= zustand >> 27;
            let z = zustand.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
            block.copy_from_slice(&z[..block.len()]);
        }
        out.schreibe(&puffer[..n])?;
        rest -= n as u64;
    }
    out.schreibe(b"\nendstream\nendobj\n")?;
    let xref = out.pos;
    let mut tabelle = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for off in &offsets {
        tabelle.push_str(&format!("{off:010} 00000 n \n"));
    }
    tabelle.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        offsets.len() + 1
    ));
    out.schreibe(tabelle.as_bytes())?;
    let f = out.out.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()?;
    Ok(out.pos)
}

/// `VmRSS` and `VmHWM` of a process in bytes, if it still exists.
pub(crate) fn speicher(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let feld = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    Some((feld("VmRSS:")?, feld("VmHWM:")?))
}

/// Resets the process's `VmHWM` to its current RSS (Linux ≥ 4.0); false if refused.
fn hwm_zuruecksetzen(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// The process's children: through `/proc/PID/task/*/children`, else by scanning `/proc`.
fn kinder_von(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut gefunden = false;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("children")) {
                gefunden = true;
                out.extend(s.split_whitespace().filter_map(|p| p.parse::<u32>().ok()));
            }
        }
    }
    if gefunden {
        return out;
    }
    let Ok(alle) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in alle.flatten() {
        let Some(kind) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{kind}/stat")) else {
            continue;
        };
        // Fields after the command name (which may contain anything) in parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(kind);
        }
    }
    out
}

/// The task of a sandbox child (`pruefen`, `lesen`, `vorschau`), once it runs as one: a
/// child between fork and exec still counts the parent's pages and is left out.
fn sandbox_aufgabe(pid: u32) -> Option<String> {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let mut args = cmdline.split(|b| *b == 0).skip(1);
    (args.next()? == b"sandbox")
        .then(|| String::from_utf8_lossy(args.next().unwrap_or(b"")).into_owned())
}

/// What the sampler saw.
#[derive(Default)]
pub(crate) struct Spitzen {
    /// Largest VmRSS sampled.
    pub(crate) rss_max: u64,
    /// VmHWM at the last sample.
    hwm: u64,
    pub(crate) proben: u64,
    /// Per sandbox child: task and its VmHWM at the last sample.
    kinder: std::collections::HashMap<u32, (String, u64)>,
    /// Largest sum of the VmRSS of sandbox children alive at one sample.
    kinder_summe_max: u64,
}

/// Samples the process `pid` (and, with `mit_kindern`, its sandbox children) every
/// 10 ms until `stop` is set.
pub(crate) fn beobachte(
    pid: u32,
    mit_kindern: bool,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Spitzen> {
    std::thread::spawn(move || {
        let mut s = Spitzen::default();
        loop {
            let letzte = stop.load(std::sync::atomic::Ordering::Relaxed);
            if let Some((rss, hwm)) = speicher(pid) {
                s.rss_max = s.rss_max.max(rss);
                s.hwm = hwm;
                s.proben += 1;
            }
            if mit_kindern {
                let mut summe = 0;
                let mut offen = kinder_von(pid);
                while let Some(k) = offen.pop() {
                    offen.extend(kinder_von(k));
                    let Some(aufgabe) = sandbox_aufgabe(k) else {
                        continue;
                    };
                    if let Some((rss, hwm)) = speicher(k) {
                        summe += rss;
                        let e = s.kinder.entry(k).or_insert((aufgabe, 0));
                        e.1 = e.1.max(hwm);
                    }
                }
                s.kinder_summe_max = s.kinder_summe_max.max(summe);
            }
            if letzte {
                return s;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    })
}

pub(crate) fn stoppe(
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    t: std::thread::JoinHandle<Spitzen>,
) -> Spitzen {
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    t.join().unwrap_or_default()
}

/// `plankammer-bench upload`: one large PDF through `PUT` to a server child; wall time,
/// MB/s and the server's memory growth, against `cp` of the same file on the same disk.
pub async fn upload(plankammer: PathBuf, groesse_mb: u64, datei: Option<&Path>) -> Result<()> {
    let (bytes, gegeben) = match datei {
        Some(d) => (
            std::fs::metadata(d)
                .with_context(|| format!("{}", d.display()))?
                .len(),
            true,
        ),
        None => (groesse_mb * 1_000_000, false),
    };
    let mut site = Messplatz::neu(plankammer, bytes, bytes).await?;
    let datei = match datei {
        Some(d) => d.to_path_buf(),
        None => {
            let pfad = site.dir.join("test.pdf");
            let t = Instant::now();
            let n = schreibe_test_pdf(&pfad, bytes)?;
            println!(
                "Testdatei: gültiges PDF, 1 Seite mit Zufallsbild, {:.1} MB, erzeugt in {:.2} s",
                mb(n),
                t.elapsed().as_secs_f64()
            );
            pfad
        }
    };
    let groesse = std::fs::metadata(&datei)?.len();
    if gegeben {
        println!("Datei: {} ({:.1} MB)", datei.display(), mb(groesse));
    }
    let pid = site.starte("serve")?;
    site.warte_bereit()?;
    let vorgang = site.neuer_vorgang()?;

    let (rss_vorher, _) = speicher(pid).context("Server-Prozess nicht lesbar")?;
    let zurueckgesetzt = hwm_zuruecksetzen(pid);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let beobachter = beobachte(pid, false, stop.clone());
    let start = Instant::now();
    let ergebnis = site.hochladen(vorgang, &datei);
    let dauer = start.elapsed().as_secs_f64();
    let spitzen = stoppe(&stop, beobachter);
    ergebnis?;
    // With the high-water mark reset just before the upload, it is exact; otherwise the
    // 10-ms samples are the best we have.
    let spitze = if zurueckgesetzt {
        spitzen.hwm.max(spitzen.rss_max)
    } else {
        spitzen.rss_max
    };
    let zuwachs = spitze.saturating_sub(rss_vorher);
    let ziel: u64 = 64_000_000;
    println!(
        "Upload {:.0} MB über HTTP: {dauer:.2} s = {:.1} MB/s; Server-RSS vorher {:.0} MB, \
         Spitze {:.0} MB (+{:.0} MB, Ziel < 64 MB: {}){}",
        mb(groesse),
        mb(groesse) / dauer,
        mb(rss_vorher),
        mb(spitze),
        mb(zuwachs),
        if zuwachs < ziel {
            "erreicht"
        } else {
            "verfehlt"
        },
        if zurueckgesetzt {
            String::new()
        } else {
            format!(
                " [nur Stichproben alle 10 ms: {}, VmHWM ließ sich nicht zurücksetzen]",
                spitzen.proben
            )
        }
    );

    let kopie = site.dir.join("kopie.pdf");
    let start = Instant::now();
    let status = std::process::Command::new("cp")
        .arg(&datei)
        .arg(&kopie)
        .status()
        .context("cp")?;
    if !status.success() {
        bail!("cp: {status}");
    }
    let cp = start.elapsed().as_secs_f64();
    std::fs::File::open(&kopie)?.sync_all()?;
    let cp_sync = start.elapsed().as_secs_f64();
    println!(
        "cp derselben Datei: {cp_sync:.2} s = {:.1} MB/s (davon fsync {:.2} s; ohne fsync {:.1} MB/s); \
         Verhältnis Upload/cp {:.1}",
        mb(groesse) / cp_sync,
        cp_sync - cp,
        mb(groesse) / cp,
        dauer / cp_sync
    );
    drop(site);
    Ok(())
}

/// `plankammer-bench worker DIR`: every PDF of DIR uploaded into one case, then one worker
/// process (separate from the server) runs the pipeline; pages/s, the worker's peak RSS and
/// that of its sandbox children.
pub async fn worker(plankammer: PathBuf, dir: &Path, zeitgrenze_min: u64) -> Result<()> {
    let files = crate::stufen::pdfs(dir)?;
    if files.is_empty() {
        bail!("keine PDF-Dateien in {}", dir.display());
    }
    let groessen: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()))
        .collect::<std::io::Result<_>>()?;
    let summe: u64 = groessen.iter().sum();
    let mut site = Messplatz::neu(
        plankammer,
        groessen.iter().copied().max().unwrap_or(0),
        summe,
    )
    .await?;
    site.starte("serve")?;
    site.warte_bereit()?;
    let vorgang = site.neuer_vorgang()?;
    let start = Instant::now();
    for f in &files {
        site.hochladen(vorgang, f)?;
    }
    let hochladen = start.elapsed().as_secs_f64();
    println!(
        "{}: {} Dateien, {:.1} MB hochgeladen in {hochladen:.2} s (Server und Worker getrennte \
         Prozesse, SQLite im WAL-Modus; WORKER_CONCURRENCY={})",
        dir.display(),
        files.len(),
        mb(summe),
        crate::umgebung("WORKER_CONCURRENCY").unwrap_or_else(|| {
            plankammer_workers::WorkerConfig::default()
                .concurrency
                .to_string()
        })
    );

    let start = Instant::now();
    let pid = site.starte("worker")?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let beobachter = beobachte(pid, true, stop.clone());
    let pfad = format!("/api/v1/cases/{vorgang}/documents");
    let grenze = std::time::Duration::from_secs(60 * zeitgrenze_min);
    // When every version's stages that `nur` accepts have ended (a stage queues the next
    // one before it ends, so none is missed).
    let beendet = |docs: &serde_json::Value, nur: &dyn Fn(&str) -> bool| {
        docs.as_array().is_some_and(|docs| {
            docs.iter().all(|d| {
                d["versionen"].as_array().is_some_and(|vs| {
                    vs.iter().all(|v| {
                        v["stufen"].as_array().is_some_and(|st| {
                            !st.is_empty()
                                && st
                                    .iter()
                                    .filter(|s| nur(s["stufe"].as_str().unwrap_or("")))
                                    .all(|s| {
                                        s["zustand"] == "succeeded" || s["zustand"] == "failed"
                                    })
                        })
                    })
                })
            })
        })
    };
    // Metadata of every sheet: validate, extract (title blocks) and metadata ended; the
    // previews and the full text for search may still run.
    let mut metadaten_nach: Option<f64> = None;
    let dokumente = loop {
        if let Err(e) = site.pruefe_kinder() {
            stoppe(&stop, beobachter);
            return Err(e);
        }
        let docs = site.alle(&pfad)?;
        if metadaten_nach.is_none()
            && beendet(&docs, &|s| matches!(s, "validate" | "extract" | "metadata"))
        {
            metadaten_nach = Some(start.elapsed().as_secs_f64());
        }
        let fertig = beendet(&docs, &|_| true);
        if fertig {
            break docs;
        }
        if start.elapsed() > grenze {
            stoppe(&stop, beobachter);
            bail!(
                "nach {zeitgrenze_min} min nicht fertig (--zeitgrenze-min); Stand:\n{}",
                serde_json::to_string_pretty(&docs)?
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    let dauer = start.elapsed().as_secs_f64();
    let spitzen = stoppe(&stop, beobachter);

    let versionen: Vec<&serde_json::Value> = dokumente
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["versionen"].as_array().into_iter().flatten())
        .collect();
    let seiten: usize = versionen
        .iter()
        .map(|v| v["seiten"].as_array().map_or(0, Vec::len))
        .sum();
    // Per stage in pipeline order: (succeeded, failed).
    let mut stufen: Vec<(String, usize, usize)> =
        ["validate", "extract", "metadata", "preview", "volltext"]
            .iter()
            .map(|s| (s.to_string(), 0, 0))
            .collect();
    for v in &versionen {
        for s in v["stufen"].as_array().into_iter().flatten() {
            let name = s["stufe"].as_str().unwrap_or("?");
            let i = match stufen.iter().position(|(n, _, _)| n == name) {
                Some(i) => i,
                None => {
                    stufen.push((name.to_string(), 0, 0));
                    stufen.len() - 1
                }
            };
            if s["zustand"] == "succeeded" {
                stufen[i].1 += 1;
            } else {
                stufen[i].2 += 1;
            }
        }
    }
    // Findings by code: they say why pages were left unread (time limits, broken files).
    let mut befunde = std::collections::BTreeMap::<String, usize>::new();
    for f in versionen
        .iter()
        .flat_map(|v| v["feststellungen"].as_array().into_iter().flatten())
    {
        *befunde
            .entry(f["code"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    let mit_text = versionen
        .iter()
        .flat_map(|v| v["seiten"].as_array().into_iter().flatten())
        .filter(|s| s["text_quelle"].is_string())
        .count();
    let metadaten_nach = metadaten_nach.unwrap_or(dauer);
    println!(
        "Planangaben aller Blätter (Prüfung, Schriftfelder, Metadaten) nach {metadaten_nach:.1} s \
         = {:.2} Seiten/s",
        seiten as f64 / metadaten_nach
    );
    println!(
        "Verarbeitung: {} Dokumente, {seiten} Seiten ({mit_text} mit gelesenem Text) in \
         {dauer:.1} s = {:.2} Seiten/s (mit Vorschauen und Volltext)",
        versionen.len(),
        seiten as f64 / dauer
    );
    let stufen_text: Vec<String> = stufen
        .iter()
        .map(|(s, ok, fehl)| format!("{s} {ok}/{fehl}"))
        .collect();
    let befunde: Vec<String> = befunde.iter().map(|(c, n)| format!("{c} {n}×")).collect();
    println!(
        "Stufen (erfolgreich/fehlgeschlagen): {}; Feststellungen: {}",
        stufen_text.join(", "),
        if befunde.is_empty() {
            "keine".to_string()
        } else {
            befunde.join(", ")
        }
    );
    println!(
        "Worker-Prozess: Spitze {:.0} MB (VmHWM; größte Stichprobe VmRSS {:.0} MB)",
        mb(spitzen.hwm),
        mb(spitzen.rss_max)
    );
    let mut je_aufgabe = std::collections::BTreeMap::<&str, (usize, u64)>::new();
    for (aufgabe, hwm) in spitzen.kinder.values() {
        let e = je_aufgabe.entry(aufgabe.as_str()).or_default();
        e.0 += 1;
        e.1 = e.1.max(*hwm);
    }
    let spitze_kind = spitzen.kinder.values().map(|(_, h)| *h).max().unwrap_or(0);
    let je_aufgabe: Vec<String> = je_aufgabe
        .iter()
        .map(|(a, (n, h))| format!("{a} {n}× bis {:.0} MB", mb(*h)))
        .collect();
    println!(
        "Sandbox-Kindprozesse: {} gesehen, Spitze eines Kindes {:.0} MB, gleichzeitig \
         zusammen höchstens {:.0} MB ({}; Stichproben alle 10 ms)",
        spitzen.kinder.len(),
        mb(spitze_kind),
        mb(spitzen.kinder_summe_max),
        if je_aufgabe.is_empty() {
            "keine erfasst".to_string()
        } else {
            je_aufgabe.join(", ")
        }
    );
    drop(site);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use plankammer_workers::pdf;

    #[test]
    fn the_generated_test_pdf_is_a_readable_one_page_pdf_of_the_asked_size() {
        let dir = std::env::temp_dir().join(format!(
            "plankammer-bench-test-{}",
            plankammer_storage::random_token(8)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pfad = dir.join("test.pdf");
        let n = schreibe_test_pdf(&pfad, 300_000).unwrap();
        let bytes = std::fs::read(&pfad).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(n, bytes.len() as u64);
        assert!((290_000..=310_000).contains(&n), "{n}");
        let r = pdf::pruefe(&bytes, &pdf::Grenzen::default());
        assert!(r.lesbar, "{:?}", r.feststellungen);
        assert_eq!(r.seitenzahl, 1);
        assert!(lopdf::Document::load_mem(&bytes).is_ok());
    }

    #[test]
    fn chunked_answers_are_put_together() {
        assert_eq!(
            entchunken(b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n").as_deref(),
            Some(&b"Wikipedia"[..])
        );
        assert_eq!(entchunken(b"4\r\nWi"), None);
    }
}
