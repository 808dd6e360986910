//! `plankammer-bench`: measurements that print numbers (never assertions), kept out of the
//! shipped `plankammer` binary. Each compares our stage with the common tool for the same job
//! on the same input.
//!
//! `seiten`, `genauigkeit` and `ocr` run the pipeline's stages in this process; `upload` and
//! `worker` start the real `plankammer serve` and `plankammer worker` as child processes
//! (whose sandbox is `plankammer sandbox …` again); `eingang` seeds a fresh database through
//! the store (`plankammer_storage::testing`) and times the inbox's queries.

mod eingang;
mod last;
mod messplatz;
mod stufen;
mod warteschlange;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use plankammer_workers::pdf::lesen::LeseGrenzen;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "plankammer-bench",
    version,
    about = "Messungen an Plankammer: Seiten/s, OCR, Genauigkeit, Stempel, Upload, Worker, Eingang."
)]
struct Cli {
    /// The plankammer binary that `upload` and `worker` start as server and worker. Default:
    /// the one next to this program (cargo builds both into the same target folder).
    #[arg(long, global = true, env = "PLANKAMMER_BIN", value_name = "PATH")]
    plankammer: Option<PathBuf>,
    #[command(subcommand)]
    was: BenchCommand,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Pages per second through validate + extract + metadata, against pdftotext.
    Seiten {
        dir: PathBuf,
        /// Leave out files that need OCR (vector plans only).
        #[arg(long)]
        nur_textebene: bool,
    },
    /// OCR of one scanned page (title block and whole page), against the tesseract CLI.
    Ocr { file: PathBuf },
    /// The approval stamp on every PDF of DIR: time with the free-area search (pages
    /// rendered) against the fixed top right corner, and the stamped file's growth.
    Stempel {
        dir: PathBuf,
        /// Timed runs per file and variant (the median is printed).
        #[arg(long, default_value_t = 5)]
        laeufe: usize,
    },
    /// Metadata accuracy against ground truth (a folder like sample-plans/einfamilienhaus):
    /// exact fields per kind of file and per field.
    Genauigkeit { dir: PathBuf },
    /// One large PDF uploaded with a raw PUT to a server child process: time, MB/s and the
    /// server's memory growth, against cp of the same file on the same disk.
    Upload {
        /// Size of the generated test PDF in MB (10^6 bytes).
        #[arg(long, default_value_t = 200)]
        groesse_mb: u64,
        /// Upload this file instead of a generated one.
        #[arg(long, conflicts_with = "groesse_mb")]
        datei: Option<PathBuf>,
    },
    /// Every PDF of DIR uploaded into one case, then one worker process runs the pipeline:
    /// pages/s, the worker's peak memory and that of its sandbox children.
    Worker {
        dir: PathBuf,
        /// Give up after this many minutes.
        #[arg(long, default_value_t = 120)]
        zeitgrenze_min: u64,
    },
    /// The Bauaufsicht's inbox over N cases of two tenants in a fresh database: seeding
    /// time, then median and p95 of each page query (filters, a deep page by keyset and,
    /// for comparison, by OFFSET) and the database's plan for each.
    Eingang {
        /// Number of cases (both tenants together, about 5 % drafts).
        #[arg(long, default_value_t = 100_000)]
        faelle: u64,
        /// sqlite (temporary file), postgres (the server of the tests,
        /// PLANKAMMER_TEST_PG_URL) or a postgres:// URL: a fresh database is created there
        /// and dropped afterwards.
        #[arg(long, default_value = "sqlite")]
        datenbank: String,
        /// Timed runs per query.
        #[arg(long, default_value_t = 50)]
        laeufe: usize,
    },
    /// The scaled-out topology under load (scripts/cluster.sh, started and stopped here):
    /// N cases seeded through the store; the inbox, the case page, the applicant's status
    /// page and a download at fixed rates through the load balancer (oha), alone and while
    /// plan uploads run all at once; p50/p95/p99, errors, upload throughput against cp and
    /// the servers' memory. `scripts/last.sh` installs oha and builds what it needs.
    Last {
        #[arg(long, default_value_t = 100_000)]
        faelle: u64,
        /// Requests per second on the inbox (the case page and the status page get a
        /// quarter of it each, the download a tenth).
        #[arg(long, default_value_t = 200)]
        rate: u32,
        /// Seconds of each measurement.
        #[arg(long, default_value_t = 30)]
        dauer: u64,
        /// Plan uploads at once during the second measurement (0: none).
        #[arg(long, default_value_t = 50)]
        uploads: usize,
        #[arg(long, default_value_t = 20)]
        upload_min_mb: u64,
        #[arg(long, default_value_t = 200)]
        upload_max_mb: u64,
        /// The oha binary.
        #[arg(long, env = "OHA", default_value = ".tools/oha/bin/oha")]
        oha: PathBuf,
    },
    /// Job queue fairness: one tenant's flood of pipeline jobs against another tenant's
    /// jobs and the deadline sweeps; how long those waited (p50, p95, max).
    Warteschlange {
        /// Pipeline jobs the flooding tenant queued beforehand.
        #[arg(long, default_value_t = 5000)]
        flut: u64,
        /// Simulated workers claiming through the store.
        #[arg(long, default_value_t = 2)]
        arbeiter: usize,
        /// How long each job holds its worker (ms).
        #[arg(long, default_value_t = 20)]
        arbeit_ms: u64,
        /// sqlite, postgres or a postgres:// URL (as for `eingang`).
        #[arg(long, default_value = "sqlite")]
        datenbank: String,
    },
}

fn main() -> std::process::ExitCode {
    // tesseract's OpenMP reads its thread limit when the library loads, before main: the
    // stages read here (`genauigkeit`, `ocr`, `seiten`) run one tesseract per core, as the
    // worker's sandbox children do (OMP_THREAD_LIMIT=1), so this program starts itself
    // again with that limit.
    if std::env::var_os("OMP_THREAD_LIMIT").is_none()
        && let Ok(selbst) = std::env::current_exe()
    {
        return match std::process::Command::new(selbst)
            .args(std::env::args_os().skip(1))
            .env("OMP_THREAD_LIMIT", "1")
            .status()
        {
            Ok(s) => std::process::ExitCode::from(s.code().unwrap_or(1).clamp(0, 255) as u8),
            Err(e) => {
                eprintln!("Fehler: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.was {
        BenchCommand::Seiten { dir, nur_textebene } => {
            stufen::seiten(&dir, &lese_grenzen()?, nur_textebene)
        }
        BenchCommand::Genauigkeit { dir } => stufen::genauigkeit(&dir),
        BenchCommand::Stempel { dir, laeufe } => stufen::stempel(&dir, laeufe),
        BenchCommand::Ocr { file } => stufen::ocr(&file, &lese_grenzen()?),
        BenchCommand::Upload { groesse_mb, datei } => {
            messplatz::upload(plankammer(cli.plankammer)?, groesse_mb, datei.as_deref()).await
        }
        BenchCommand::Worker {
            dir,
            zeitgrenze_min,
        } => messplatz::worker(plankammer(cli.plankammer)?, &dir, zeitgrenze_min).await,
        BenchCommand::Eingang {
            faelle,
            datenbank,
            laeufe,
        } => eingang::eingang(faelle, &datenbank, laeufe).await,
        BenchCommand::Warteschlange {
            flut,
            arbeiter,
            arbeit_ms,
            datenbank,
        } => warteschlange::warteschlange(flut, arbeiter, arbeit_ms, &datenbank).await,
        BenchCommand::Last {
            faelle,
            rate,
            dauer,
            uploads,
            upload_min_mb,
            upload_max_mb,
            oha,
        } => {
            last::last(
                plankammer(cli.plankammer)?,
                last::Vorgaben {
                    faelle,
                    rate,
                    dauer_s: dauer,
                    uploads,
                    min_mb: upload_min_mb,
                    max_mb: upload_max_mb,
                    oha,
                },
            )
            .await
        }
    }
}

/// The `plankammer` binary: as given (`--plankammer`, `PLANKAMMER_BIN`), else the one next
/// to this program, where `cargo build [--release]` puts both.
fn plankammer(angegeben: Option<PathBuf>) -> Result<PathBuf> {
    let pfad = match angegeben {
        Some(p) => p,
        None => std::env::current_exe()
            .context("der Pfad dieses Programms ist unbekannt")?
            .with_file_name(format!("plankammer{}", std::env::consts::EXE_SUFFIX)),
    };
    if !pfad.is_file() {
        bail!(
            "das Programm plankammer fehlt: {} gibt es nicht. Erst `cargo build --release` \
             (bzw. `cargo build -p plankammer` für die Debug-Variante) oder den Pfad mit \
             --plankammer PFAD oder PLANKAMMER_BIN angeben",
            pfad.display()
        );
    }
    Ok(pfad)
}

// Sizes are decimal, as in the configuration (`UPLOAD_MAX_FILE_MB`): 1 MB = 10^6 bytes,
// for files, throughput and memory alike.

const MB: f64 = 1_000_000.0;

fn mb(bytes: u64) -> f64 {
    bytes as f64 / MB
}

/// A variable of the product's configuration, trimmed; unset when empty (as `plankammer`
/// reads it).
fn umgebung(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The reading limits the worker would use in this environment, for the stages this
/// program runs in-process: the variables it reads for them, its defaults where unset.
fn lese_grenzen() -> Result<LeseGrenzen> {
    let sekunden = |name: &str| -> Result<Option<Duration>> {
        umgebung(name)
            .map(|v| {
                v.parse::<u64>()
                    .map(Duration::from_secs)
                    .with_context(|| format!("{name}: {v:?} ist keine Zahl"))
            })
            .transpose()
    };
    let standard = LeseGrenzen::default();
    let sandbox = plankammer_workers::sandbox::SandboxConfig::for_program(PathBuf::new());
    Ok(LeseGrenzen::mit_ocr_zeiten(
        umgebung("TESSDATA_DIR").unwrap_or(standard.tessdata),
        sekunden("OCR_PAGE_TIMEOUT_SECS")?
            .unwrap_or(Duration::from_millis(standard.max_ocr_ms_je_seite)),
        sekunden("OCR_DOCUMENT_TIMEOUT_SECS")?
            .unwrap_or(Duration::from_millis(standard.max_ocr_ms_gesamt)),
        sekunden("SANDBOX_TIMEOUT_SECS")?.unwrap_or(sandbox.timeout),
        sekunden("SANDBOX_CPU_SECS")?.unwrap_or(Duration::from_secs(sandbox.cpu_secs)),
    ))
}
