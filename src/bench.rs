//! `plankammer bench …`: measurements that print numbers (never assertions). Each compares
//! our stage with the common tool for the same job on the same input.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use plankammer_workers::pdf::{self, lesen::LeseGrenzen};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn pdfs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")))
        .collect();
    v.sort();
    Ok(v)
}

/// Pages per second through validate + extract + metadata (in this process, as the sandbox
/// child runs them), against poppler's `pdftotext` on the same files.
pub fn seiten(dir: &Path, grenzen: &LeseGrenzen, nur_textebene: bool) -> Result<()> {
    let files = pdfs(dir)?;
    if files.is_empty() {
        bail!("keine PDF-Dateien in {}", dir.display());
    }
    // Which files take part: with `nur_textebene`, those whose every page has a text layer.
    let mut inputs = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f)?;
        let r = pdf::pruefe(&bytes, &pdf::Grenzen::default());
        if r.lesbar && (!nur_textebene || r.seiten.iter().all(|s| s.hat_textoperatoren)) {
            inputs.push((f.clone(), bytes));
        }
    }
    let files: Vec<PathBuf> = inputs.iter().map(|(f, _)| f.clone()).collect();
    let mut pages = 0usize;
    let start = Instant::now();
    for (_, bytes) in &inputs {
        let r = pdf::pruefe(bytes, &pdf::Grenzen::default());
        let gelesen = pdf::lesen::lese(bytes, grenzen);
        let eingaben: Vec<_> = gelesen
            .seiten
            .iter()
            .map(|s| pdf::metadaten::SeitenEingabe {
                nummer: s.nummer,
                quelle: s.quelle.as_deref().unwrap_or("textebene"),
                schriftfeld: s.schriftfeld.as_deref(),
                text: &s.text,
                konfidenz: s.konfidenz,
            })
            .collect();
        let _ = pdf::metadaten::felder_des_dokuments(&eingaben);
        pages += r.seitenzahl;
    }
    let ours = start.elapsed().as_secs_f64();
    println!(
        "plankammer validate+extract+metadata: {} Dateien, {pages} Seiten in {ours:.3} s = {:.1} Seiten/s",
        files.len(),
        pages as f64 / ours
    );
    let start = Instant::now();
    let mut ok = 0;
    for f in &files {
        if std::process::Command::new("pdftotext")
            .arg(f)
            .arg("/dev/null")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
        {
            ok += 1;
        }
    }
    let theirs = start.elapsed().as_secs_f64();
    if ok == 0 {
        println!("pdftotext: nicht verfügbar (Debian-Paket poppler-utils)");
    } else {
        println!(
            "pdftotext (je Datei ein Prozess): {ok} Dateien in {theirs:.3} s = {:.1} Seiten/s; Verhältnis plankammer/pdftotext {:.2}",
            pages as f64 / theirs,
            ours / theirs
        );
    }
    Ok(())
}

/// Metadata accuracy on a folder of plans with ground truth, per art and per field.
pub fn genauigkeit(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!("{} ist kein Ordner", dir.display());
    }
    let a = pdf::genauigkeit::evaluate(dir);
    if a.per_art.is_empty() {
        bail!("keine Pläne mit Ground-Truth-JSON in {}", dir.display());
    }
    for (art, (ok, n)) in &a.per_art {
        println!("{art}: {ok}/{n} Felder exakt = {:.1} %", a.prozent(art));
    }
    for ((art, feld), (ok, n)) in &a.per_field {
        println!("  {art:7} {feld:18} {ok}/{n}");
    }
    for m in &a.misses {
        println!("  abweichend: {m}");
    }
    Ok(())
}

/// One scanned page: our OCR of the title block and of the whole page, against the
/// `tesseract` command line on the same decoded image.
pub fn ocr(file: &Path, grenzen: &LeseGrenzen) -> Result<()> {
    let bytes = std::fs::read(file)?;
    let doc = lopdf::Document::load_mem(&bytes).context("PDF")?;
    let page = *doc.get_pages().get(&1).context("keine Seite 1")?;
    let dict = doc.get_dictionary(page)?;
    let res = dict
        .get(b"Resources")
        .ok()
        .and_then(|r| doc.dereference(r).ok())
        .and_then(|(_, o)| o.as_dict().ok())
        .context("keine Ressourcen")?;
    let (stream, w, h) = pdf::bild::groesstes_bild(&doc, res).context("kein Bild auf Seite 1")?;
    let img = pdf::bild::dekodiere(stream, w, h, grenzen.max_pixel, grenzen.max_dekomprimiert)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let geprueft = pdf::pruefe(&bytes, &pdf::Grenzen::default());
    let dpi = geprueft
        .seiten
        .first()
        .and_then(|s| s.scan_dpi)
        .context("Seite 1 ist kein Scan")?;
    let engine =
        pdf::ocr::Ocr::neu(&grenzen.tessdata, &grenzen.sprache).map_err(|e| anyhow::anyhow!(e))?;
    let (iw, ih) = img.dimensions();
    println!("{}: {iw} × {ih} px, etwa {dpi} dpi", file.display());
    let t = Instant::now();
    let _ = engine
        .woerter(&img, dpi, pdf::lesen::schriftfeld_bereich(iw, ih, dpi))
        .map_err(|e| anyhow::anyhow!(e))?;
    let schriftfeld = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let _ = engine
        .erkenne(&img, dpi, None)
        .map_err(|e| anyhow::anyhow!(e))?;
    let ganz = t.elapsed().as_secs_f64();
    println!("plankammer OCR Schriftfeld: {schriftfeld:.2} s; ganze Seite: {ganz:.2} s");
    let tmp = std::env::temp_dir().join(format!("plankammer-bench-{}.png", std::process::id()));
    img.save(&tmp)?;
    let t = Instant::now();
    let status = std::process::Command::new("tesseract")
        .arg(&tmp)
        .arg("stdout")
        .args(["-l", &grenzen.sprache, "--dpi", &dpi.to_string()])
        .env("TESSDATA_PREFIX", &grenzen.tessdata)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let cli = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&tmp);
    match status {
        Ok(s) if s.success() => println!(
            "tesseract (Kommandozeile, ganze Seite): {cli:.2} s; Mehraufwand plankammer: {:+.1} %",
            (ganz / cli - 1.0) * 100.0
        ),
        _ => println!("tesseract (Kommandozeile): nicht verfügbar (Debian-Paket tesseract-ocr)"),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Upload and worker benchmarks: the real binary as child processes on a throwaway site.
//
// Sizes are decimal, as in the configuration (`UPLOAD_MAX_FILE_MB`): 1 MB = 10^6 bytes,
// for files, throughput and memory alike.

const MB: f64 = 1_000_000.0;

fn mb(bytes: u64) -> f64 {
    bytes as f64 / MB
}

/// A throwaway installation in a temporary folder: SQLite database, local document store,
/// mail to files, a free loopback port, one applicant with a personal access token. The
/// server and worker run as child processes of this binary; dropping the site stops them
/// and removes the folder.
struct Messplatz {
    dir: PathBuf,
    addr: std::net::SocketAddr,
    token: String,
    env: Vec<(&'static str, String)>,
    kinder: Vec<(String, std::process::Child)>,
}

/// Every variable of the configuration that would point a child elsewhere.
const FREMDE_VARIABLEN: [&str; 15] = [
    "DATA_DIR",
    "DATABASE_URL",
    "OBJECT_STORE_URL",
    "MAIL_URL",
    "BIND",
    "PUBLIC_URL",
    "WEB_DIR",
    "LOG_FORMAT",
    "METRICS_TOKEN",
    "TRUST_PROXY",
    "UPLOAD_MAX_FILE_MB",
    "UPLOAD_MAX_CASE_MB",
    "UPLOAD_MAX_FILES",
    "JOB_POLL_MS",
    "SHUTDOWN_GRACE_SECS",
];

impl Messplatz {
    /// Creates the site; `max_datei` and `summe` (bytes) raise the upload limits to fit.
    async fn neu(config: &Config, max_datei: u64, summe: u64) -> Result<Messplatz> {
        let dir = std::env::temp_dir().join(format!(
            "plankammer-bench-{}",
            plankammer_storage::random_token(8)
        ));
        let data = dir.join("daten");
        std::fs::create_dir_all(data.join("dokumente"))
            .with_context(|| format!("{}", data.display()))?;
        std::fs::create_dir_all(data.join("mail"))?;
        let mut site = Messplatz {
            dir,
            addr: ([127, 0, 0, 1], 0).into(),
            token: String::new(),
            env: Vec::new(),
            kinder: Vec::new(),
        };
        let db_url = format!("sqlite://{}?mode=rwc", data.join("plankammer.db").display());
        site.token = Self::konto_mit_schluessel(config, &db_url).await?;
        site.addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let web_dir = std::env::current_dir()?.join(&config.web_dir);
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
    async fn konto_mit_schluessel(config: &Config, db_url: &str) -> Result<String> {
        use plankammer_storage::{Db, now_millis};
        let db = Db::connect(db_url).await.context("Messdatenbank")?;
        db.migrate().await.context("Messdatenbank migrieren")?;
        let slug = plankammer_domain::TenantSlug::parse("messung")
            .map_err(|e| anyhow::anyhow!(e.meldung))?;
        let tenant = db.create_tenant(&slug, "Messung", now_millis()).await?;
        let user_id = plankammer_api::accounts::create_account(
            &db,
            &config.public_url,
            &crate::mail_domain(config),
            plankammer_api::accounts::NewAccount {
                email: "messung@plankammer.localhost",
                display_name: "Messung",
                password: "messung-messung-messung",
                tenant_id: tenant.id,
                role: plankammer_domain::Role::Antragsteller,
                actor_user_id: None,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.meldung()))?;
        let mut tx = db.begin().await?;
        let (_, secret) =
            Db::create_token(&mut tx, user_id, tenant.id, "bench", now_millis()).await?;
        tx.commit().await?;
        db.close().await;
        Ok(secret)
    }

    /// Starts `plankammer BEFEHL` (serve, worker) on this site; returns its process id.
    fn starte(&mut self, befehl: &str) -> Result<u32> {
        let log = std::fs::File::create(self.dir.join(format!("{befehl}.log")))?;
        let mut cmd = std::process::Command::new(
            std::env::current_exe().context("cannot find the plankammer executable")?,
        );
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
fn schreibe_test_pdf(pfad: &Path, bytes: u64) -> Result<u64> {
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
fn speicher(pid: u32) -> Option<(u64, u64)> {
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
struct Spitzen {
    /// Largest VmRSS sampled.
    rss_max: u64,
    /// VmHWM at the last sample.
    hwm: u64,
    proben: u64,
    /// Per sandbox child: task and its VmHWM at the last sample.
    kinder: std::collections::HashMap<u32, (String, u64)>,
    /// Largest sum of the VmRSS of sandbox children alive at one sample.
    kinder_summe_max: u64,
}

/// Samples the process `pid` (and, with `mit_kindern`, its sandbox children) every
/// 10 ms until `stop` is set.
fn beobachte(
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

fn stoppe(
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    t: std::thread::JoinHandle<Spitzen>,
) -> Spitzen {
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    t.join().unwrap_or_default()
}

/// `plankammer bench upload`: one large PDF through `PUT` to a server child; wall time,
/// MB/s and the server's memory growth, against `cp` of the same file on the same disk.
pub async fn upload(config: &Config, groesse_mb: u64, datei: Option<&Path>) -> Result<()> {
    let (bytes, gegeben) = match datei {
        Some(d) => (
            std::fs::metadata(d)
                .with_context(|| format!("{}", d.display()))?
                .len(),
            true,
        ),
        None => (groesse_mb * 1_000_000, false),
    };
    let mut site = Messplatz::neu(config, bytes, bytes).await?;
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

/// `plankammer bench worker DIR`: every PDF of DIR uploaded into one case, then one worker
/// process (separate from the server) runs the pipeline; pages/s, the worker's peak RSS and
/// that of its sandbox children.
pub async fn worker(config: &Config, dir: &Path, zeitgrenze_min: u64) -> Result<()> {
    let files = pdfs(dir)?;
    if files.is_empty() {
        bail!("keine PDF-Dateien in {}", dir.display());
    }
    let groessen: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()))
        .collect::<std::io::Result<_>>()?;
    let summe: u64 = groessen.iter().sum();
    let mut site =
        Messplatz::neu(config, groessen.iter().copied().max().unwrap_or(0), summe).await?;
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
        config.worker_concurrency
    );

    let start = Instant::now();
    let pid = site.starte("worker")?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let beobachter = beobachte(pid, true, stop.clone());
    let pfad = format!("/api/v1/cases/{vorgang}/documents");
    let grenze = std::time::Duration::from_secs(60 * zeitgrenze_min);
    let dokumente = loop {
        if let Err(e) = site.pruefe_kinder() {
            stoppe(&stop, beobachter);
            return Err(e);
        }
        let docs = site.json("GET", &pfad, None)?;
        let fertig = docs.as_array().is_some_and(|docs| {
            docs.iter().all(|d| {
                d["versionen"].as_array().is_some_and(|vs| {
                    vs.iter().all(|v| {
                        v["stufen"].as_array().is_some_and(|st| {
                            !st.is_empty()
                                && st.iter().all(|s| {
                                    s["zustand"] == "succeeded" || s["zustand"] == "failed"
                                })
                        })
                    })
                })
            })
        });
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
    let mut stufen: Vec<(String, usize, usize)> = ["validate", "extract", "metadata", "preview"]
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
    println!(
        "Verarbeitung: {} Dokumente, {seiten} Seiten ({mit_text} mit gelesenem Text) in \
         {dauer:.1} s = {:.2} Seiten/s",
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

// ---------------------------------------------------------------------------------------
// Inbox benchmark: N cases of two Bauaufsichten in a fresh database, then every page query
// of the inbox through `Db::eingang`, timed one by one, with the database's plan.

/// Cases per multi-row `INSERT` and per transaction while seeding. 50 rows (600 values) per
/// statement: sqlx binds SQLite parameters at a cost that grows with their number, so 500
/// rows took three times as long there; PostgreSQL is indifferent.
const ZEILEN_JE_INSERT: usize = 50;
const ZEILEN_JE_TRANSAKTION: usize = 10_000;
const SEITE: i64 = 50;
const AUFWAERMEN: usize = 5;

/// A small deterministic random source (SplitMix64): every run seeds the same cases.
struct Zufall(u64);

impl Zufall {
    fn zahl(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn anteil(&mut self) -> f64 {
        (self.zahl() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    fn bis(&mut self, n: usize) -> usize {
        ((self.anteil() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Uniform in [von, bis] (days).
    fn tage(&mut self, von: i64, bis: i64) -> i64 {
        von + self.bis((bis - von + 1) as usize) as i64
    }

    /// One of the choices, by weight.
    fn gewichtet<T: Copy>(&mut self, auswahl: &[(T, u32)]) -> T {
        let summe: u32 = auswahl.iter().map(|(_, g)| g).sum();
        let mut x = self.bis(summe as usize) as u32;
        for (t, g) in auswahl {
            if x < *g {
                return *t;
            }
            x -= g;
        }
        auswahl[auswahl.len() - 1].0
    }
}

/// States of submitted cases by the time since submission: new cases are mostly in the
/// formelle Prüfung, old ones mostly decided.
const ZUSTAENDE_BIS_30_TAGE: [(&str, u32); 7] = [
    ("eingegangen", 40),
    ("nachforderung", 25),
    ("nachgereicht", 10),
    ("vollstaendig", 15),
    ("beteiligung", 6),
    ("zurueckgezogen", 3),
    ("zurueckgewiesen", 1),
];
const ZUSTAENDE_BIS_180_TAGE: [(&str, u32); 11] = [
    ("eingegangen", 3),
    ("nachforderung", 12),
    ("nachgereicht", 8),
    ("vollstaendig", 15),
    ("beteiligung", 25),
    ("beteiligung_abgeschlossen", 10),
    ("genehmigt", 18),
    ("abgelehnt", 2),
    ("genehmigungsfiktion", 2),
    ("ruecknahmefiktion", 3),
    ("zurueckgezogen", 2),
];
const ZUSTAENDE_AELTER: [(&str, u32); 7] = [
    ("genehmigt", 80),
    ("abgelehnt", 6),
    ("zurueckgewiesen", 1),
    ("genehmigungsfiktion", 3),
    ("ruecknahmefiktion", 4),
    ("zurueckgezogen", 5),
    ("beteiligung", 1),
];
const VERFAHREN: [(&str, u32); 4] = [
    ("baugenehmigung", 25),
    ("vereinfacht", 50),
    ("freistellung", 15),
    ("vorbescheid", 10),
];
const VORHABEN: [&str; 10] = [
    "Neubau eines Einfamilienhauses mit Garage",
    "Anbau eines Wintergartens",
    "Umbau und Nutzungsänderung einer Scheune zu Wohnzwecken",
    "Neubau eines Mehrfamilienhauses mit 8 Wohneinheiten",
    "Errichtung eines Carports",
    "Aufstockung eines Wohnhauses",
    "Neubau einer Lagerhalle",
    "Dachgeschossausbau mit Gauben",
    "Abbruch und Neubau eines Doppelhauses",
    "Errichtung einer Photovoltaik-Freiflächenanlage",
];
const STRASSEN: [&str; 8] = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Am Sportplatz",
    "Lindenallee",
    "Schulstraße",
    "Mühlweg",
    "Kirchgasse",
];

/// One generated case.
struct Fall {
    id: i64,
    behoerde: usize,
    owner: usize,
    bezeichnung: String,
    verfahren: Option<&'static str>,
    zustand: &'static str,
    aktenzeichen: Option<String>,
    angaben: String,
    gemeinde: &'static str,
    eingereicht_at: Option<i64>,
    naechste_frist: Option<String>,
    created_at: i64,
}

/// `n` cases over the last three years, oldest first: 60 % for the first Bauaufsicht,
/// about 5 % drafts, the Gemeinden Zipf-distributed (a few large towns, many villages).
fn erzeuge_faelle(
    n: usize,
    heute: chrono::NaiveDate,
    jetzt: i64,
    gemeinden: &[(&'static str, &'static str)],
) -> Vec<Fall> {
    const TAG: i64 = 86_400_000;
    let mut z = Zufall(0x504c_414e_4b41_4d4d);
    let spanne = 3 * 365 * TAG;
    let schritt = spanne / n.max(1) as i64;
    // Cumulative Zipf weights (exponent 0.8) over the Gemeinden in a shuffled order.
    let mut summe = 0.0;
    let kumuliert: Vec<f64> = (0..gemeinden.len())
        .map(|r| {
            summe += 1.0 / ((r + 1) as f64).powf(0.8);
            summe
        })
        .collect();
    let mut nummern = [
        std::collections::HashMap::<i32, u32>::new(),
        Default::default(),
    ];
    let mut faelle = Vec::with_capacity(n);
    for i in 0..n {
        let axis = jetzt - spanne + i as i64 * schritt;
        let behoerde = usize::from(z.anteil() >= 0.6);
        let x = z.anteil() * summe;
        let gemeinde = kumuliert
            .partition_point(|k| *k < x)
            .min(gemeinden.len() - 1);
        let (ags, gemeinde_name) = gemeinden[gemeinde];
        let entwurf = z.anteil() < 0.05;
        let verfahren = if entwurf && z.anteil() < 0.3 {
            None
        } else {
            Some(z.gewichtet(&VERFAHREN))
        };
        let (zustand, eingereicht_at, created_at) = if entwurf {
            ("entwurf", None, axis)
        } else {
            let alter_tage = (jetzt - axis) / TAG;
            let zustand = if alter_tage < 30 {
                z.gewichtet(&ZUSTAENDE_BIS_30_TAGE)
            } else if alter_tage < 180 {
                z.gewichtet(&ZUSTAENDE_BIS_180_TAGE)
            } else {
                z.gewichtet(&ZUSTAENDE_AELTER)
            };
            (zustand, Some(axis), axis - z.tage(1, 40) * TAG)
        };
        let frist_tage = match zustand {
            "nachforderung" => Some(z.tage(-7, 45)),
            "vollstaendig" | "beteiligung" | "beteiligung_abgeschlossen" => Some(z.tage(-3, 90)),
            _ => None,
        };
        let naechste_frist = frist_tage
            .and_then(|t| heute.checked_add_signed(chrono::Duration::days(t)))
            .map(|d| d.format("%Y-%m-%d").to_string());
        let aktenzeichen = eingereicht_at.map(|t| {
            use chrono::Datelike;
            let jahr = chrono::DateTime::from_timestamp_millis(t).map_or(2025, |d| d.year());
            let nr = nummern[behoerde].entry(jahr).or_insert(0);
            *nr += 1;
            format!("{}-{jahr}-{:05}", ["BA", "BAU"][behoerde], nr)
        });
        let vorhaben = VORHABEN[z.bis(VORHABEN.len())];
        let strasse = STRASSEN[z.bis(STRASSEN.len())];
        let hausnummer = z.tage(1, 120);
        let bezeichnung = format!("{vorhaben}, {strasse} {hausnummer}, {gemeinde_name}");
        let angaben = serde_json::json!({
            "bauvorhaben": {
                "bezeichnung": vorhaben,
                "massnahme": "errichtung",
                "gebaeudeklasse": (1 + z.bis(4)).to_string(),
            },
            "grundstueck": {
                "strasse": strasse,
                "hausnummer": hausnummer.to_string(),
                "plz": format!("3{:04}", z.bis(10_000)),
                "ort": gemeinde_name,
                "gemeinde_ags": ags,
                "gemeinde": gemeinde_name,
                "gemarkung": gemeinde_name,
                "flur": z.tage(1, 30).to_string(),
                "flurstuecke": [format!("{}/{}", z.tage(1, 900), z.tage(1, 9))],
            },
            "bauherrschaft": {
                "name": format!("Bauherrschaft {i}"),
                "anschrift": format!("{strasse} {hausnummer}, {gemeinde_name}"),
                "email": format!("bauherrschaft{i}@example.org"),
            },
            "entwurfsverfasser": {
                "name": format!("Architekturbüro {}", i % 97),
                "kammer": "AKH",
                "mitgliedsnummer": format!("{:05}", i % 97),
            },
        })
        .to_string();
        faelle.push(Fall {
            id: 0,
            behoerde,
            owner: z.bis(10),
            bezeichnung,
            verfahren,
            zustand,
            aktenzeichen,
            angaben,
            gemeinde: ags,
            eingereicht_at,
            naechste_frist,
            created_at,
        });
    }
    faelle
}

/// Does the case belong on the inbox page with these filters (as `Db::eingang` decides)?
fn im_eingang(
    f: &Fall,
    behoerde: usize,
    filter: &plankammer_storage::antrag::EingangsFilter,
) -> bool {
    f.behoerde == behoerde
        && f.zustand != "entwurf"
        && filter.zustand.as_deref().is_none_or(|z| z == f.zustand)
        && filter
            .verfahren
            .as_deref()
            .is_none_or(|v| Some(v) == f.verfahren)
        && filter
            .gemeinde_ags
            .as_deref()
            .is_none_or(|g| g == f.gemeinde)
        && filter
            .frist_bis
            .as_deref()
            .is_none_or(|b| f.naechste_frist.as_deref().is_some_and(|n| n <= b))
        && filter.vor_id.is_none_or(|v| f.id < v)
}

/// Where the benchmark's database lives; it is removed afterwards.
enum Messdatenbank {
    Sqlite { dir: PathBuf },
    Postgres { admin: String, name: String },
}

impl Messdatenbank {
    /// Creates an empty database; returns it with its URL.
    async fn neu(datenbank: &str) -> Result<(Messdatenbank, String)> {
        let admin = match datenbank {
            "sqlite" => {
                let dir = std::env::temp_dir().join(format!(
                    "plankammer-bench-eingang-{}",
                    plankammer_storage::random_token(8)
                ));
                let url = format!("sqlite://{}?mode=rwc", dir.join("eingang.db").display());
                return Ok((Messdatenbank::Sqlite { dir }, url));
            }
            "postgres" | "postgresql" => std::env::var("PLANKAMMER_TEST_PG_URL")
                .unwrap_or_else(|_| plankammer_storage::testing::DEFAULT_PG_ADMIN_URL.to_string()),
            u if u.starts_with("postgres://") || u.starts_with("postgresql://") => u.to_string(),
            _ => bail!("--datenbank: sqlite, postgres oder eine postgres://-URL"),
        };
        let name = format!("plankammer_bench_{}", plankammer_storage::random_token(6));
        let mut url = url::Url::parse(&admin).context("--datenbank: URL")?;
        url.set_path(&format!("/{name}"));
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
            .await
            .with_context(|| {
                format!(
                    "PostgreSQL unter {} nicht erreichbar",
                    plankammer_storage::redact(&admin)
                )
            })?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .context("CREATE DATABASE")?;
        let _ = sqlx::Connection::close(conn).await;
        Ok((Messdatenbank::Postgres { admin, name }, url.to_string()))
    }

    async fn entfernen(self) -> Result<()> {
        match self {
            Messdatenbank::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Messdatenbank::Postgres { admin, name } => {
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .with_context(|| format!("DROP DATABASE {name}"))?;
                let _ = sqlx::Connection::close(conn).await;
            }
        }
        Ok(())
    }
}

/// `plankammer bench eingang`: the Bauaufsicht's inbox over `faelle` cases of two tenants
/// in a fresh database (SQLite file or PostgreSQL database, removed afterwards).
pub async fn eingang(faelle: u64, datenbank: &str, laeufe: usize) -> Result<()> {
    let (messdb, url) = Messdatenbank::neu(datenbank).await?;
    let ergebnis = match plankammer_storage::Db::connect(&url).await {
        Ok(db) => {
            let ergebnis = eingang_messen(&db, faelle as usize, &url, laeufe.max(1)).await;
            // Closed before the database is removed, also after an error.
            db.close().await;
            ergebnis
        }
        Err(e) => Err(anyhow::Error::new(e).context("Messdatenbank")),
    };
    let entfernt = messdb.entfernen().await;
    ergebnis?;
    entfernt
}

async fn eingang_messen(
    db: &plankammer_storage::Db,
    n: usize,
    url: &str,
    laeufe: usize,
) -> Result<()> {
    use plankammer_storage::antrag::EingangsFilter;
    use plankammer_storage::{Backend, now_millis};

    let jetzt = now_millis();
    let heute = plankammer_storage::heute_berlin();
    let t = Instant::now();
    db.migrate().await.context("Messdatenbank migrieren")?;
    let migration = t.elapsed().as_secs_f64();
    let version: String = match db.backend() {
        Backend::Sqlite => {
            let v: String = sqlx::query_scalar("SELECT sqlite_version()")
                .fetch_one(db.pool())
                .await?;
            format!("SQLite {v} (temporäre Datei, WAL)")
        }
        Backend::Postgres => {
            let v: String = sqlx::query_scalar("SHOW server_version")
                .fetch_one(db.pool())
                .await?;
            format!(
                "PostgreSQL {v} (frische Datenbank {}, danach gelöscht)",
                plankammer_storage::redact(url)
            )
        }
    };
    println!("Eingang der Bauaufsicht: {n} Fälle, {version}");

    // Two Bauaufsichten, ten applicants.
    let mut behoerden = Vec::new();
    for (slug, name) in [
        ("bauaufsicht-a", "Bauaufsicht A (Messung)"),
        ("bauaufsicht-b", "Bauaufsicht B (Messung)"),
    ] {
        let slug =
            plankammer_domain::TenantSlug::parse(slug).map_err(|e| anyhow::anyhow!(e.meldung))?;
        behoerden.push(db.create_tenant(&slug, name, jetzt).await?.id);
    }
    let mut owner = Vec::new();
    for i in 0..10 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, created_at) VALUES ($1, $2, '!', $3) RETURNING id",
        )
        .bind(format!("antragsteller{i}@messung.example"))
        .bind(format!("Antragsteller {i}"))
        .bind(jetzt)
        .fetch_one(db.pool())
        .await?;
        owner.push(id);
    }

    let gemeinden: Vec<(&'static str, &'static str)> = {
        let mut g: Vec<_> = plankammer_domain::codeliste::gemeinden_hessen()
            .eintraege
            .iter()
            .map(|e| (e.code.as_str(), e.name.as_str()))
            .collect();
        // A fixed shuffle, so that the large towns of the Zipf spread are spread over Hessen.
        let mut z = Zufall(42);
        for i in (1..g.len()).rev() {
            g.swap(i, z.bis(i + 1));
        }
        g
    };
    if gemeinden.is_empty() {
        bail!("Codeliste gemeinden_hessen ist leer");
    }
    let t = Instant::now();
    let mut faelle = erzeuge_faelle(n, heute, jetzt, &gemeinden);
    let erzeugen = t.elapsed().as_secs_f64();

    // Seeding: multi-row INSERTs with bound values, in a few large transactions.
    let t = Instant::now();
    for block in faelle.chunks(ZEILEN_JE_TRANSAKTION) {
        let mut tx = db.begin().await?;
        for teil in block.chunks(ZEILEN_JE_INSERT) {
            let mut sql = String::from(
                "INSERT INTO vorgaenge (tenant_id, owner_user_id, bezeichnung, created_at, updated_at, \
                 verfahren, zustand, aktenzeichen, angaben, gemeinde_ags, eingereicht_at, naechste_frist) VALUES ",
            );
            for j in 0..teil.len() {
                let b = j * 12;
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for k in 1..=12 {
                    if k > 1 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${}", b + k));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for f in teil {
                q = q
                    .bind(behoerden[f.behoerde])
                    .bind(owner[f.owner])
                    .bind(f.bezeichnung.as_str())
                    .bind(f.created_at)
                    .bind(f.eingereicht_at.unwrap_or(f.created_at))
                    .bind(f.verfahren)
                    .bind(f.zustand)
                    .bind(f.aktenzeichen.as_deref())
                    .bind(f.angaben.as_str())
                    .bind(Some(f.gemeinde))
                    .bind(f.eingereicht_at)
                    .bind(f.naechste_frist.as_deref());
            }
            q.execute(&mut *tx).await.context("Fälle einfügen")?;
        }
        tx.commit().await?;
    }
    let einfuegen = t.elapsed().as_secs_f64();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM vorgaenge ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    if ids.len() != faelle.len() {
        bail!("{} Fälle eingefügt, {} gelesen", faelle.len(), ids.len());
    }
    for (f, id) in faelle.iter_mut().zip(ids) {
        f.id = id;
    }
    // PostgreSQL: statistics as autovacuum would gather them soon after such an insert.
    // SQLite: none, as in operation (Plankammer never runs ANALYZE there).
    let statistik = match db.backend() {
        Backend::Postgres => {
            let t = Instant::now();
            sqlx::query("ANALYZE vorgaenge").execute(db.pool()).await?;
            format!("ANALYZE {:.2} s", t.elapsed().as_secs_f64())
        }
        Backend::Sqlite => "ohne ANALYZE wie im Betrieb".to_string(),
    };
    let groesse = match db.backend() {
        Backend::Sqlite => {
            let seiten: i64 = sqlx::query_scalar("PRAGMA page_count")
                .fetch_one(db.pool())
                .await?;
            let seite: i64 = sqlx::query_scalar("PRAGMA page_size")
                .fetch_one(db.pool())
                .await?;
            seiten * seite
        }
        Backend::Postgres => {
            sqlx::query_scalar("SELECT CAST(pg_total_relation_size('vorgaenge') AS BIGINT)")
                .fetch_one(db.pool())
                .await?
        }
    };
    println!(
        "Befüllen: {n} Fälle in {einfuegen:.2} s = {:.0} Fälle/s (INSERT zu {ZEILEN_JE_INSERT} Zeilen, \
         Transaktionen zu {ZEILEN_JE_TRANSAKTION}); erzeugt in {erzeugen:.2} s, Migration {migration:.2} s, \
         {statistik}; Tabelle mit Indizes {:.0} MB",
        n as f64 / einfuegen.max(1e-9),
        mb(groesse.max(0) as u64)
    );

    // The measured Bauaufsicht: the first. Its submitted cases, newest first.
    let a = 0;
    let tenant = behoerden[a];
    let alle = EingangsFilter {
        limit: SEITE,
        ..Default::default()
    };
    let eingereicht: Vec<i64> = {
        let mut v: Vec<i64> = faelle
            .iter()
            .filter(|f| im_eingang(f, a, &alle))
            .map(|f| f.id)
            .collect();
        v.sort_unstable_by(|x, y| y.cmp(x));
        v
    };
    let eigene = faelle.iter().filter(|f| f.behoerde == a).count();
    // Gemeinden of this Bauaufsicht by number of submitted cases: the largest and a
    // typical one (the median among those with cases).
    let mut je_gemeinde = std::collections::HashMap::<&str, usize>::new();
    for f in faelle.iter().filter(|f| im_eingang(f, a, &alle)) {
        *je_gemeinde.entry(f.gemeinde).or_default() += 1;
    }
    let mut rang: Vec<(&str, usize)> = je_gemeinde.into_iter().collect();
    rang.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let name_von = |ags: &str| {
        gemeinden
            .iter()
            .find(|(c, _)| *c == ags)
            .map_or("?", |(_, n)| *n)
    };
    let gross = rang.first().map_or("06412000", |(g, _)| *g);
    let klein = rang.get(rang.len() / 2).map_or(gross, |(g, _)| *g);
    let seiten = eingereicht.len().div_ceil(SEITE as usize).max(1);
    let tief = seiten.min(1000);
    let vor_tief = (tief > 1).then(|| eingereicht[(tief - 1) * SEITE as usize - 1]);
    let frist_bis = heute
        .checked_add_signed(chrono::Duration::days(14))
        .map(|d| d.format("%Y-%m-%d").to_string());
    println!(
        "Gemessen: Bauaufsicht A mit {eigene} Fällen, davon {} eingereicht ({seiten} Seiten zu \
         {SEITE}); {} Gemeinden mit Fällen; {laeufe} Läufe je Abfrage nach {AUFWAERMEN} zum Aufwärmen",
        eingereicht.len(),
        rang.len()
    );

    let f = |zustand: Option<&str>,
             verfahren: Option<&str>,
             gemeinde: Option<&str>,
             frist: bool,
             vor_id: Option<i64>| {
        EingangsFilter {
            zustand: zustand.map(String::from),
            verfahren: verfahren.map(String::from),
            gemeinde_ags: gemeinde.map(String::from),
            frist_bis: if frist { frist_bis.clone() } else { None },
            vor_id,
            limit: SEITE,
        }
    };
    let frist_text = format!(
        "Frist bis {} (heute + 14)",
        frist_bis.as_deref().unwrap_or("?")
    );
    let messungen: Vec<(String, EingangsFilter)> = vec![
        (
            "Seite 1, ohne Filter".into(),
            f(None, None, None, false, None),
        ),
        (
            format!("Seite {tief} per Keyset (vor_id {})", vor_tief.unwrap_or(0)),
            f(None, None, None, false, vor_tief),
        ),
        (
            "Status eingegangen".into(),
            f(Some("eingegangen"), None, None, false, None),
        ),
        (
            "Verfahren vorbescheid".into(),
            f(None, Some("vorbescheid"), None, false, None),
        ),
        (
            format!("Gemeinde groß: {} ({gross})", name_von(gross)),
            f(None, None, Some(gross), false, None),
        ),
        (
            format!("Gemeinde typisch: {} ({klein})", name_von(klein)),
            f(None, None, Some(klein), false, None),
        ),
        (frist_text.clone(), f(None, None, None, true, None)),
        (
            format!("Status nachforderung + {frist_text}"),
            f(Some("nachforderung"), None, None, true, None),
        ),
        (
            "Status eingegangen + Verfahren vereinfacht + Gemeinde groß".into(),
            f(
                Some("eingegangen"),
                Some("vereinfacht"),
                Some(gross),
                false,
                None,
            ),
        ),
        (
            "Status eingegangen + Gemeinde typisch".into(),
            f(Some("eingegangen"), None, Some(klein), false, None),
        ),
        (
            "Status genehmigt + Gemeinde typisch".into(),
            f(Some("genehmigt"), None, Some(klein), false, None),
        ),
        (
            format!("Verfahren vereinfacht, Seite {} per Keyset", tief.min(100)),
            {
                let vereinfacht = f(None, Some("vereinfacht"), None, false, None);
                let mut v: Vec<i64> = faelle
                    .iter()
                    .filter(|c| im_eingang(c, a, &vereinfacht))
                    .map(|c| c.id)
                    .collect();
                v.sort_unstable_by(|x, y| y.cmp(x));
                let s = tief.min(100).min(v.len().div_ceil(SEITE as usize).max(1));
                f(
                    None,
                    Some("vereinfacht"),
                    None,
                    false,
                    (s > 1).then(|| v[(s - 1) * SEITE as usize - 1]),
                )
            },
        ),
    ];

    println!(
        "{:<64} {:>15} {:>10} {:>10}",
        "Abfrage (Db::eingang, Seitengröße 50)", "Treffer/gesamt", "Median", "p95"
    );
    let mut langsamste = (String::new(), 0.0f64);
    for (name, filter) in &messungen {
        // The page must be the right one before it is timed.
        let mut erwartet: Vec<i64> = faelle
            .iter()
            .filter(|c| im_eingang(c, a, filter))
            .map(|c| c.id)
            .collect();
        let gesamt = erwartet.len();
        erwartet.sort_unstable_by(|x, y| y.cmp(x));
        erwartet.truncate(SEITE as usize);
        let seite: Vec<i64> = db
            .eingang(tenant, filter)
            .await?
            .iter()
            .map(|c| c.id)
            .collect();
        if seite != erwartet {
            bail!("{name}: Db::eingang liefert eine andere Seite als erwartet");
        }
        let (median, p95) = zeiten(laeufe, || async {
            Ok(db.eingang(tenant, filter).await?.len())
        })
        .await?;
        if median > langsamste.1 {
            langsamste = (name.clone(), median);
        }
        println!(
            "{name:<64} {:>15} {median:>7.2} ms {p95:>7.2} ms",
            format!("{}/{gesamt}", seite.len())
        );
    }

    // For comparison: the same deep page by OFFSET, as a paging without keyset would do it.
    let offset = (tief - 1) * SEITE as usize;
    let offset_sql = format!(
        "SELECT id, tenant_id, owner_user_id, bezeichnung, verfahren, zustand, aktenzeichen, angaben, \
         gemeinde_ags, eingereicht_at, naechste_frist, created_at FROM vorgaenge \
         WHERE tenant_id = {tenant} AND zustand <> 'entwurf' ORDER BY id DESC LIMIT {SEITE} OFFSET {offset}"
    );
    let per_offset: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM ({offset_sql}) AS seite ORDER BY id DESC"
    ))
    .fetch_all(db.pool())
    .await?;
    let per_keyset: Vec<i64> = db
        .eingang(tenant, &messungen[1].1)
        .await?
        .iter()
        .map(|c| c.id)
        .collect();
    if per_offset != per_keyset {
        bail!("Seite {tief}: OFFSET und Keyset liefern verschiedene Fälle");
    }
    let (median, p95) = zeiten(laeufe, || async {
        let rows = sqlx::query(&offset_sql).fetch_all(db.pool()).await?;
        let mut n = 0;
        for r in &rows {
            let angaben: String = sqlx::Row::try_get(r, "angaben")?;
            n += usize::from(!angaben.is_empty());
        }
        Ok(n)
    })
    .await?;
    let offset_name = format!("zum Vergleich: Seite {tief} per OFFSET {offset}");
    println!(
        "{offset_name:<64} {:>15} {median:>7.2} ms {p95:>7.2} ms",
        format!("{}/{}", per_offset.len(), eingereicht.len())
    );
    println!(
        "Langsamste Abfrage über Db::eingang: {} mit Median {:.2} ms (Ziel bei 100000 Fällen: unter 20 ms)",
        langsamste.0, langsamste.1
    );

    println!(
        "Abfragepläne ({}):",
        match db.backend() {
            Backend::Sqlite => "EXPLAIN QUERY PLAN",
            Backend::Postgres => "EXPLAIN",
        }
    );
    for (name, filter) in &messungen {
        println!("  {name}:");
        for zeile in db.eingang_plan(tenant, filter).await? {
            println!("    {zeile}");
        }
    }
    println!("  {offset_name}:");
    for zeile in db.abfrageplan(&offset_sql).await? {
        println!("    {zeile}");
    }
    Ok(())
}

/// Median and 95th percentile (ms) of `laeufe` runs of `abfrage`, after a few to warm up
/// (statement caches, and PostgreSQL's choice between custom and generic plans).
async fn zeiten<F, Fut>(laeufe: usize, mut abfrage: F) -> Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize>>,
{
    for _ in 0..AUFWAERMEN {
        abfrage().await?;
    }
    let mut ms = Vec::with_capacity(laeufe);
    for _ in 0..laeufe {
        let t = Instant::now();
        std::hint::black_box(abfrage().await?);
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let median = if ms.len() % 2 == 1 {
        ms[ms.len() / 2]
    } else {
        (ms[ms.len() / 2 - 1] + ms[ms.len() / 2]) / 2.0
    };
    let p95 = ms[((ms.len() as f64 * 0.95).ceil() as usize).clamp(1, ms.len()) - 1];
    Ok((median, p95))
}

#[cfg(test)]
mod tests {
    use super::*;

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
