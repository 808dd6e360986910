//! `plankammer-sample-plans`: writes Plankammer's sample Bauantrag plan sets.
//!
//! ```text
//! plankammer-sample-plans einfamilienhaus [OUT_DIR]   the committed set (default: sample-plans/einfamilienhaus)
//! plankammer-sample-plans gross OUT_DIR [SEITEN]      the large benchmark PDF (~300 pages, ~200 MB), not committed
//! plankammer-sample-plans schriftfelder --split entwicklung|evaluation [--anzahl N] OUT_DIR
//!                                                     the title-block corpus (default 120 sheets), not committed
//! ```

use anyhow::{Context, Result, bail};
use plankammer_sample_plans::{font::Fonts, schriftfelder, set, vokabular::Split};
use std::path::PathBuf;

fn usage() -> &'static str {
    "Aufruf:\n  plankammer-sample-plans einfamilienhaus [AUSGABE_ORDNER]\n  plankammer-sample-plans gross AUSGABE_ORDNER [SEITEN]\n  plankammer-sample-plans schriftfelder --split entwicklung|evaluation [--anzahl N] AUSGABE_ORDNER"
}

/// `--split S [--anzahl N] DIR`, in any order.
fn schriftfelder_args(args: &[String]) -> Result<(Split, usize, PathBuf)> {
    let mut split = None;
    let mut anzahl = schriftfelder::STANDARD_ANZAHL;
    let mut dir = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--split" => {
                let s = it.next().context(usage())?;
                split = Some(
                    Split::parse(s)
                        .with_context(|| format!("--split {s}: entwicklung oder evaluation"))?,
                );
            }
            "--anzahl" => {
                anzahl = it
                    .next()
                    .context(usage())?
                    .parse()
                    .context("--anzahl muss eine Zahl sein")?;
            }
            other if other.starts_with("--") => bail!("unbekannte Option {other}\n{}", usage()),
            other => dir = Some(PathBuf::from(other)),
        }
    }
    Ok((split.context(usage())?, anzahl, dir.context(usage())?))
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fonts = Fonts::load_default()?;
    let started = std::time::Instant::now();
    let (dir, written) = match args.first().map(String::as_str) {
        Some("einfamilienhaus") => {
            let dir = args.get(1).map(PathBuf::from).unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../einfamilienhaus")
            });
            let w = set::einfamilienhaus(&fonts, &dir, true)?;
            (dir, w)
        }
        Some("gross") => {
            let dir = PathBuf::from(args.get(1).context(usage())?);
            let pages = match args.get(2) {
                Some(s) => s.parse().context("SEITEN muss eine Zahl sein")?,
                None => 300,
            };
            let w = set::gross(&fonts, &dir, pages)?;
            (dir, w)
        }
        Some("schriftfelder") => {
            let (split, anzahl, dir) = schriftfelder_args(&args[1..])?;
            let w = schriftfelder::korpus(&fonts, &dir, split, anzahl)?;
            (dir, w)
        }
        _ => bail!("{}", usage()),
    };
    let mut total = 0;
    for (name, size) in &written {
        println!("{:>10}  {}", human(*size), dir.join(name).display());
        total += size;
    }
    println!(
        "{:>10}  gesamt, {} Dateien, {:.1} s",
        human(total),
        written.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
