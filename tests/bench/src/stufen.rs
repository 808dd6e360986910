//! The pipeline's stages in this process, as the sandbox child runs them: pages per second,
//! metadata accuracy against ground truth, OCR of one scanned page.

use anyhow::{Context, Result, bail};
use plankammer_workers::pdf::{self, lesen::LeseGrenzen};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn pdfs(dir: &Path) -> Result<Vec<PathBuf>> {
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
        let _ = pdf::lesen::lese(bytes, grenzen).felder();
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
    let prozent = |(ok, n): &(u32, u32)| *ok as f64 / (*n).max(1) as f64 * 100.0;
    for ((art, feld), s) in &a.per_field {
        println!("  {art:7} {feld:18} {}/{} = {:.1} %", s.0, s.1, prozent(s));
    }
    println!("je Schriftfeld-Layout:");
    for (layout, s) in &a.per_layout {
        println!("  {layout:32} {}/{} = {:.1} %", s.0, s.1, prozent(s));
    }
    println!("je Quelle:");
    for (quelle, s) in &a.per_quelle {
        println!("  {quelle:10} {}/{} = {:.1} %", s.0, s.1, prozent(s));
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
        .woerter(
            &img,
            dpi,
            pdf::lesen::schriftfeld_bereich(iw, ih, dpi),
            false,
        )
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

/// The approval stamp on each PDF of `dir`, with the free-area search and at the fixed
/// corner: median milliseconds of `laeufe` runs each, pages, and bytes added.
pub fn stempel(dir: &Path, laeufe: usize) -> Result<()> {
    use plankammer_workers::pdf::stempel::{Stempel, StempelGrenzen, stemple};
    let stempel = Stempel {
        zeilen: vec![
            "GENEHMIGT".into(),
            "Bauaufsicht Musterstadt".into(),
            "Az. BA-2026-00017".into(),
            "vom 29.11.2026".into(),
            "Bescheid Nr. 2026/17".into(),
        ],
    };
    let suchen = StempelGrenzen::default();
    let ecke = StempelGrenzen {
        max_suchseiten: 0,
        ..StempelGrenzen::default()
    };
    let laeufe = laeufe.max(1);
    let median = |grenzen: &StempelGrenzen, pdf: &[u8]| -> Result<(f64, usize)> {
        let mut zeiten = Vec::with_capacity(laeufe);
        let mut groesse = 0;
        for _ in 0..laeufe {
            let t = Instant::now();
            let out = stemple(pdf, &stempel, grenzen).map_err(|e| anyhow::anyhow!("{e}"))?;
            zeiten.push(t.elapsed().as_secs_f64() * 1000.0);
            groesse = out.len();
        }
        zeiten.sort_by(f64::total_cmp);
        Ok((zeiten[zeiten.len() / 2], groesse))
    };
    println!(
        "{:<34} {:>6} {:>12} {:>12} {:>10}",
        "Datei", "Seiten", "frei ms", "Ecke ms", "+KB"
    );
    let (mut summe_frei, mut summe_ecke) = (0.0, 0.0);
    for p in pdfs(dir)? {
        let pdf = std::fs::read(&p).with_context(|| format!("{}", p.display()))?;
        let seiten = lopdf::Document::load_mem(&pdf)
            .map(|d| d.get_pages().len())
            .unwrap_or(0);
        let (frei, groesse) = median(&suchen, &pdf)?;
        let (fest, _) = median(&ecke, &pdf)?;
        summe_frei += frei;
        summe_ecke += fest;
        println!(
            "{:<34} {:>6} {:>12.1} {:>12.1} {:>10.1}",
            p.file_name().unwrap_or_default().to_string_lossy(),
            seiten,
            frei,
            fest,
            (groesse as f64 - pdf.len() as f64) / 1000.0
        );
    }
    println!("Summe: frei {summe_frei:.0} ms, Ecke {summe_ecke:.0} ms");
    Ok(())
}
