//! The plan sets: the committed `einfamilienhaus` set and the large `gross` benchmark file.

use crate::canvas::Canvas;
use crate::font::Fonts;
use crate::house;
use crate::model::{Date, PROJECT, Paper, Revision, TitleBlock};
use crate::pdf::{DocInfo, ImageData, ImageFilter, PdfDoc};
use crate::plans::{ansicht, grundriss, lageplan, schnitt, text};
use crate::scan::{self, ScanSpec};
use crate::sheet::Rect;
use crate::truth::{
    Bereich, GroundTruth, Index, IndexEntry, Schriftfeld, Seite, SeitenInhalt, r1, r2, to_json,
};
use anyhow::{Context, Result};
use std::path::Path;

const D_ERST: Date = Date::new(2026, 8, 28);
const D_AEND: Date = Date::new(2026, 9, 14);

/// Which sheet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SheetId {
    Lageplan,
    /// Storey index (0 KG … 3 DG) and paper.
    Grundriss(usize, Paper),
    Schnitt,
    /// Schnitt A-A re-issued as index B, its text drawn as outlines (CAD "text as curves").
    SchnittKurven,
    Ansichten,
    Baubeschreibung,
    Stellplatznachweis,
}

/// A drawn sheet with everything the ground truth needs.
pub struct Sheet<'f> {
    pub pages: Vec<Canvas<'f>>,
    pub paper: Paper,
    pub landscape: bool,
    pub planart: &'static str,
    pub anlageart: &'static str,
    pub schriftfeld: Schriftfeld,
    pub bereich: Rect,
    pub embedded: bool,
    /// Text drawn as glyph outlines (no text operators, no fonts).
    pub kurven: bool,
    pub info: DocInfo,
}

fn erstausgabe() -> Revision {
    Revision {
        index: "A",
        datum: D_ERST,
        text: "Erstausgabe Bauantrag",
    }
}

fn truth_schriftfeld(tb: &TitleBlock) -> Schriftfeld {
    Schriftfeld {
        bauherr: Some(PROJECT.bauherr.to_string()),
        bauvorhaben: Some(PROJECT.bauvorhaben.to_string()),
        planinhalt: Some(tb.planinhalt.clone()),
        massstab: tb.massstab.clone(),
        plannummer: Some(tb.plannummer.clone()),
        index: Some(tb.index.clone()),
        datum: Some(tb.datum.iso()),
        entwurfsverfasser: Some(PROJECT.entwurfsverfasser.to_string()),
        geschoss: tb.geschoss.clone(),
    }
}

fn info(title: &str, anlage: &str, date: Date) -> DocInfo {
    DocInfo {
        title: format!("{title} – {}", PROJECT.bauvorhaben),
        author: "Sabine Hoffmann, Hoffmann Architektur".to_string(),
        subject: format!("Bauantrag {} – Anlage {anlage}", PROJECT.adresse),
        keywords: "Bauantrag; Bauvorlage; Plankammer; Beispiel; fiktiv".to_string(),
        date: date.pdf(),
    }
}

/// Schnitt A-A on A2: index A of 28.08.2026, or (`index_b`) the re-issue as index B of
/// 14.09.2026. `kurven`: the text drawn as glyph outlines, as a CAD program exports a plot
/// file with "text as curves" (the drawing is otherwise the same).
pub fn schnitt_sheet(fonts: &Fonts, index_b: bool, kurven: bool) -> Sheet<'_> {
    let paper = Paper::A2;
    let (index, datum, revisions) = if index_b {
        (
            "B",
            D_AEND,
            vec![
                erstausgabe(),
                Revision {
                    index: "B",
                    datum: D_AEND,
                    text: "Neuausgabe als Plotdatei für die digitale Einreichung",
                },
            ],
        )
    } else {
        ("A", D_ERST, vec![erstausgabe()])
    };
    let tb = TitleBlock {
        planinhalt: "Schnitt A-A".to_string(),
        geschoss: None,
        massstab: Some("1:100".to_string()),
        plannummer: "A-201".to_string(),
        index: index.to_string(),
        datum,
        blatt: "1 von 1".to_string(),
        anlageart: "2002",
        anlage_name: "Schnitte",
        revisions,
    };
    let (w, h) = paper.size(true);
    let mut c = Canvas::new(fonts, w, h);
    c.kurven(kurven);
    let r = schnitt::sheet(&mut c, &tb, paper);
    let title = if index_b {
        "Schnitt A-A, Index B"
    } else {
        "Schnitt A-A"
    };
    Sheet {
        pages: vec![c],
        paper,
        landscape: true,
        planart: "Schnitt",
        anlageart: "2002",
        schriftfeld: truth_schriftfeld(&tb),
        bereich: r,
        embedded: true,
        kurven,
        info: info(title, "2002 Schnitte", tb.datum),
    }
}

/// Draws a sheet.
pub fn build_sheet(fonts: &Fonts, id: SheetId) -> Result<Sheet<'_>> {
    match id {
        SheetId::Lageplan => {
            let paper = Paper::A3;
            let tb = TitleBlock {
                planinhalt: "Lageplan".to_string(),
                geschoss: None,
                massstab: Some("1:500".to_string()),
                plannummer: "A-001".to_string(),
                index: "A".to_string(),
                datum: D_ERST,
                blatt: "1 von 1".to_string(),
                anlageart: "1803",
                anlage_name: "Lageplan",
                revisions: vec![erstausgabe()],
            };
            let (w, h) = paper.size(true);
            let mut c = Canvas::new(fonts, w, h);
            let r = lageplan::sheet(&mut c, &tb, paper);
            Ok(Sheet {
                pages: vec![c],
                paper,
                landscape: true,
                planart: "Lageplan",
                anlageart: "1803",
                schriftfeld: truth_schriftfeld(&tb),
                bereich: r,
                embedded: true,
                kurven: false,
                info: info("Lageplan", "1803 Lageplan", tb.datum),
            })
        }
        SheetId::Grundriss(k, paper) => {
            let st = &house::storeys()[k];
            let (nr, index, datum, revisions) = match k {
                1 => (
                    "A-101",
                    "B",
                    D_AEND,
                    vec![
                        erstausgabe(),
                        Revision {
                            index: "B",
                            datum: D_AEND,
                            text: "Terrassenfenster Wohnen verbreitert, Tür HWR geändert",
                        },
                    ],
                ),
                0 => ("A-100", "A", D_ERST, vec![erstausgabe()]),
                2 => ("A-102", "A", D_ERST, vec![erstausgabe()]),
                _ => ("A-103", "A", D_ERST, vec![erstausgabe()]),
            };
            let tb = TitleBlock {
                planinhalt: format!("Grundriss {}", st.name),
                geschoss: Some(st.short.to_string()),
                massstab: Some("1:100".to_string()),
                plannummer: nr.to_string(),
                index: index.to_string(),
                datum,
                blatt: "1 von 1".to_string(),
                anlageart: "2001",
                anlage_name: "Grundrisse",
                revisions,
            };
            let (w, h) = paper.size(true);
            let mut c = Canvas::new(fonts, w, h);
            let r = grundriss::sheet(&mut c, st, &tb, paper);
            Ok(Sheet {
                pages: vec![c],
                paper,
                landscape: true,
                planart: "Grundriss",
                anlageart: "2001",
                schriftfeld: truth_schriftfeld(&tb),
                bereich: r,
                embedded: true,
                kurven: false,
                info: info(&tb.planinhalt, "2001 Grundrisse", datum),
            })
        }
        SheetId::Schnitt => Ok(schnitt_sheet(fonts, false, false)),
        SheetId::SchnittKurven => Ok(schnitt_sheet(fonts, true, true)),
        SheetId::Ansichten => {
            let paper = Paper::A1;
            let mut pages = Vec::new();
            let mut first = None;
            let mut sf = None;
            for (i, sides) in [
                [ansicht::Side::Nord, ansicht::Side::Sued],
                [ansicht::Side::Ost, ansicht::Side::West],
            ]
            .iter()
            .enumerate()
            {
                let tb = TitleBlock {
                    planinhalt: "Ansichten Nord, Süd, Ost, West".to_string(),
                    geschoss: None,
                    massstab: Some("1:100".to_string()),
                    plannummer: "A-301".to_string(),
                    index: "B".to_string(),
                    datum: D_AEND,
                    blatt: format!("{} von 2", i + 1),
                    anlageart: "2003",
                    anlage_name: "Ansichten",
                    revisions: vec![
                        erstausgabe(),
                        Revision {
                            index: "B",
                            datum: D_AEND,
                            text: "PV-Module ergänzt, Fenster Süd angepasst",
                        },
                    ],
                };
                let (w, h) = paper.size(true);
                let mut c = Canvas::new(fonts, w, h);
                let r = ansicht::sheet(&mut c, &tb, paper, *sides);
                pages.push(c);
                if first.is_none() {
                    first = Some(r);
                    sf = Some(truth_schriftfeld(&tb));
                }
            }
            Ok(Sheet {
                pages,
                paper,
                landscape: true,
                planart: "Ansicht",
                anlageart: "2003",
                schriftfeld: sf.context("Ansichten ohne Seiten")?,
                bereich: first.context("Ansichten ohne Seiten")?,
                embedded: true,
                kurven: false,
                info: info("Ansichten", "2003 Ansichten", D_AEND),
            })
        }
        SheetId::Baubeschreibung => {
            let (pages, r) = text::baubeschreibung(fonts);
            Ok(Sheet {
                pages,
                paper: Paper::A4,
                landscape: false,
                planart: "Baubeschreibung",
                anlageart: "1502",
                schriftfeld: Schriftfeld {
                    bauherr: Some(PROJECT.bauherr.to_string()),
                    bauvorhaben: Some(PROJECT.bauvorhaben.to_string()),
                    planinhalt: Some("Baubeschreibung".to_string()),
                    massstab: None,
                    plannummer: None,
                    index: None,
                    datum: Some(text::BAUBESCHREIBUNG_DATUM.iso()),
                    entwurfsverfasser: Some(PROJECT.entwurfsverfasser.to_string()),
                    geschoss: None,
                },
                bereich: r,
                embedded: true,
                kurven: false,
                info: info(
                    "Baubeschreibung",
                    "1502 Baubeschreibung",
                    text::BAUBESCHREIBUNG_DATUM,
                ),
            })
        }
        SheetId::Stellplatznachweis => {
            let (pages, r) = text::stellplatznachweis(fonts);
            Ok(Sheet {
                pages,
                paper: Paper::A4,
                landscape: false,
                planart: "Stellplatznachweis",
                anlageart: "2301",
                schriftfeld: Schriftfeld {
                    bauherr: Some(PROJECT.bauherr.to_string()),
                    bauvorhaben: Some(PROJECT.bauvorhaben.to_string()),
                    planinhalt: Some("Stellplatznachweis".to_string()),
                    massstab: None,
                    plannummer: None,
                    index: None,
                    datum: Some(text::STELLPLATZ_DATUM.iso()),
                    entwurfsverfasser: Some(PROJECT.entwurfsverfasser.to_string()),
                    geschoss: None,
                },
                bereich: r,
                embedded: false,
                kurven: false,
                info: info(
                    "Stellplatznachweis",
                    "2301 Stellplatznachweis",
                    text::STELLPLATZ_DATUM,
                ),
            })
        }
    }
}

fn seite(n: u32, paper: Paper, landscape: bool, dpi: Option<u32>, angle: f64) -> Seite {
    let (w, h) = paper.size(landscape);
    Seite {
        nummer: n,
        breite_mm: r1(w),
        hoehe_mm: r1(h),
        format: paper.name().to_string(),
        ausrichtung: if landscape { "quer" } else { "hoch" }.to_string(),
        dpi,
        drehung_grad: r2(angle),
        inhalt: None,
        rotate: None,
    }
}

/// One file of a set: its PDF bytes and ground truth.
pub struct Built {
    pub bytes: Vec<u8>,
    pub truth: GroundTruth,
}

/// The ground truth's note on a sheet whose text is drawn as outlines.
pub const KURVEN_HINWEIS: &str = "Vektorplan mit Text als Kurven: alle Schrift ist als gefüllte \
     Glyphenpfade gezeichnet (CAD-Export \"Text als Kurven\"). Die PDF enthält keine \
     Textoperatoren, keine Schriften und keine Bilder; der Text ist nur durch Rendern und OCR \
     lesbar.";

/// A vector PDF of a sheet.
pub fn vector_file(fonts: &Fonts, id: SheetId, datei: &str) -> Result<Built> {
    let s = build_sheet(fonts, id)?;
    let n = s.pages.len();
    let mut doc = PdfDoc::new(fonts);
    for p in s.pages {
        doc.add_canvas_page(p)?;
    }
    let bytes = doc.finish(&s.info)?;
    let truth = GroundTruth {
        datei: datei.to_string(),
        art: if s.kurven { "kurven" } else { "vektor" }.to_string(),
        hinweis: s.kurven.then(|| KURVEN_HINWEIS.to_string()),
        seiten: (0..n)
            .map(|i| seite(i as u32 + 1, s.paper, s.landscape, None, 0.0))
            .collect(),
        planart: Some(s.planart.to_string()),
        anlageart: Some(s.anlageart.to_string()),
        schriftfeld: Some(s.schriftfeld),
        schriftfeld_bereich_mm: Some(Bereich::from_rect(s.bereich)),
        schriftarten_eingebettet: s.embedded,
        layout: None,
        split: None,
        label_variante: None,
        gestaltung: None,
    };
    Ok(Built { bytes, truth })
}

/// How one scanned file is made.
#[derive(Clone, Debug)]
pub struct ScanDef {
    pub datei: &'static str,
    pub source: SheetId,
    pub dpi: u32,
    pub filter: ImageFilter,
    pub quality: u8,
    pub noise: f64,
    /// Rotation per page (degrees, counter-clockwise).
    pub angles: Vec<f64>,
    pub seed: u64,
}

/// The ground truth of a scan, and the document info of its PDF, without rasterising.
pub fn scan_truth(fonts: &Fonts, def: &ScanDef) -> Result<(GroundTruth, DocInfo, Paper, bool)> {
    let s = build_sheet(fonts, def.source)?;
    let (w, h) = s.paper.size(s.landscape);
    let truth = GroundTruth {
        datei: def.datei.to_string(),
        art: "scan".to_string(),
        hinweis: None,
        seiten: (0..s.pages.len())
            .map(|i| {
                seite(
                    i as u32 + 1,
                    s.paper,
                    s.landscape,
                    Some(def.dpi),
                    def.angles[i % def.angles.len()],
                )
            })
            .collect(),
        planart: Some(s.planart.to_string()),
        anlageart: Some(s.anlageart.to_string()),
        schriftfeld: Some(s.schriftfeld),
        schriftfeld_bereich_mm: Some(Bereich::rotated(s.bereich, def.angles[0], w, h)),
        // An image-only PDF has no fonts, so none is missing.
        schriftarten_eingebettet: true,
        layout: None,
        split: None,
        label_variante: None,
        gestaltung: None,
    };
    let mut info = s.info;
    info.title = format!("Scan: {}", info.title);
    Ok((truth, info, s.paper, s.landscape))
}

/// Wraps encoded scan images into a PDF (one image per page).
pub fn scan_pdf(
    fonts: &Fonts,
    info: &DocInfo,
    paper: Paper,
    landscape: bool,
    images: &[ImageData],
) -> Result<Vec<u8>> {
    let (w, h) = paper.size(landscape);
    let mut doc = PdfDoc::new(fonts);
    for img in images {
        doc.add_image_page(w, h, img)?;
    }
    doc.finish(info)
}

/// The encoded images of a scan.
pub fn scan_images(fonts: &Fonts, def: &ScanDef) -> Result<Vec<ImageData>> {
    let vector = vector_file(fonts, def.source, "quelle.pdf")?;
    let s = build_sheet(fonts, def.source)?;
    let (w, h) = s.paper.size(s.landscape);
    let pages = scan::render_gray(&vector.bytes, def.dpi)?;
    let mut out = Vec::new();
    for (i, g) in pages.iter().enumerate() {
        let spec = ScanSpec {
            dpi: def.dpi,
            angle_deg: def.angles[i % def.angles.len()],
            seed: def.seed + i as u64,
            filter: def.filter,
            quality: def.quality,
            noise: def.noise,
        };
        let img = scan::degrade(g, w, h, &spec);
        out.push(scan::encode(&img, &spec)?);
    }
    Ok(out)
}

pub fn scan_file(fonts: &Fonts, def: &ScanDef) -> Result<Built> {
    let (truth, info, paper, landscape) = scan_truth(fonts, def)?;
    let images = scan_images(fonts, def)?;
    let bytes = scan_pdf(fonts, &info, paper, landscape, &images)?;
    Ok(Built { bytes, truth })
}

/// The vector files of the `einfamilienhaus` set.
pub fn vector_defs() -> Vec<(&'static str, SheetId)> {
    vec![
        ("01_Lageplan.pdf", SheetId::Lageplan),
        ("02_Grundriss_KG.pdf", SheetId::Grundriss(0, Paper::A2)),
        ("03_Grundriss_EG.pdf", SheetId::Grundriss(1, Paper::A1)),
        ("04_Grundriss_OG.pdf", SheetId::Grundriss(2, Paper::A2)),
        ("05_Grundriss_DG.pdf", SheetId::Grundriss(3, Paper::A2)),
        ("06_Schnitt_A-A.pdf", SheetId::Schnitt),
        ("07_Ansichten.pdf", SheetId::Ansichten),
        ("08_Baubeschreibung.pdf", SheetId::Baubeschreibung),
        ("09_Stellplatznachweis.pdf", SheetId::Stellplatznachweis),
    ]
}

/// The vector files of the `einfamilienhaus` set whose text is drawn as outlines (after the
/// scans in the set).
pub fn kurven_defs() -> Vec<(&'static str, SheetId)> {
    vec![("14_Kurven_Schnitt_A-A.pdf", SheetId::SchnittKurven)]
}

/// The scanned files of the `einfamilienhaus` set.
pub fn scan_defs() -> Vec<ScanDef> {
    vec![
        ScanDef {
            datei: "10_Scan_Grundriss_KG.pdf",
            source: SheetId::Grundriss(0, Paper::A3),
            dpi: 300,
            filter: ImageFilter::Dct,
            quality: 80,
            noise: 2.0,
            angles: vec![0.6],
            seed: 1010,
        },
        ScanDef {
            datei: "11_Scan_Stellplatznachweis.pdf",
            source: SheetId::Stellplatznachweis,
            dpi: 150,
            filter: ImageFilter::Flate,
            quality: 0,
            noise: 0.0,
            angles: vec![-0.8],
            seed: 1110,
        },
        ScanDef {
            datei: "12_Scan_Baubeschreibung.pdf",
            source: SheetId::Baubeschreibung,
            dpi: 200,
            filter: ImageFilter::Dct,
            quality: 75,
            noise: 2.0,
            angles: vec![0.35, -0.5, 1.1],
            seed: 1210,
        },
        ScanDef {
            datei: "13_Scan_Lageplan.pdf",
            source: SheetId::Lageplan,
            dpi: 200,
            filter: ImageFilter::Dct,
            quality: 80,
            noise: 2.0,
            angles: vec![-1.2],
            seed: 1310,
        },
    ]
}

fn stem(datei: &str) -> String {
    datei.trim_end_matches(".pdf").to_string()
}

/// Writes a file and reports it.
fn write(dir: &Path, name: &str, bytes: &[u8], written: &mut Vec<(String, u64)>) -> Result<()> {
    let p = dir.join(name);
    std::fs::write(&p, bytes).with_context(|| format!("{} schreiben", p.display()))?;
    written.push((name.to_string(), bytes.len() as u64));
    Ok(())
}

/// Generates the committed sample set into `dir`. With `with_scans == false` only the vector
/// files, their ground truth and the scans' ground truth are written (used by fast tests).
pub fn einfamilienhaus(fonts: &Fonts, dir: &Path, with_scans: bool) -> Result<Vec<(String, u64)>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut entries = Vec::new();
    for (datei, id) in vector_defs() {
        let b = vector_file(fonts, id, datei)?;
        write(dir, datei, &b.bytes, &mut written)?;
        let gt = format!("{}.json", stem(datei));
        write(dir, &gt, &to_json(&b.truth)?, &mut written)?;
        entries.push(index_entry(&b.truth, &gt, b.bytes.len() as u64));
    }
    for def in scan_defs() {
        let gt = format!("{}.json", stem(def.datei));
        let (truth, size) = if with_scans {
            let b = scan_file(fonts, &def)?;
            write(dir, def.datei, &b.bytes, &mut written)?;
            (b.truth, b.bytes.len() as u64)
        } else {
            let (t, ..) = scan_truth(fonts, &def)?;
            let size = std::fs::metadata(dir.join(def.datei))
                .map(|m| m.len())
                .unwrap_or(0);
            (t, size)
        };
        write(dir, &gt, &to_json(&truth)?, &mut written)?;
        entries.push(index_entry(&truth, &gt, size));
    }
    for (datei, id) in kurven_defs() {
        let b = vector_file(fonts, id, datei)?;
        write(dir, datei, &b.bytes, &mut written)?;
        let gt = format!("{}.json", stem(datei));
        write(dir, &gt, &to_json(&b.truth)?, &mut written)?;
        entries.push(index_entry(&b.truth, &gt, b.bytes.len() as u64));
    }
    let index = Index {
        satz: "einfamilienhaus".to_string(),
        beschreibung: format!(
            "{}, {} – Bauvorlagen zum Bauantrag (Vektor-PDFs und Scans)",
            PROJECT.bauvorhaben, PROJECT.adresse
        ),
        hinweis: "Alle Personen, Anschriften, Flurstücke und Daten sind frei erfunden.".to_string(),
        dateien: entries,
    };
    if with_scans {
        write(dir, "index.json", &to_json(&index)?, &mut written)?;
    }
    Ok(written)
}

fn index_entry(t: &GroundTruth, gt: &str, bytes: u64) -> IndexEntry {
    IndexEntry {
        datei: t.datei.clone(),
        ground_truth: gt.to_string(),
        art: t.art.clone(),
        planart: t.planart.clone(),
        anlageart: t.anlageart.clone(),
        seiten: t.seiten.len(),
        bytes,
        layout: None,
    }
}

/// The large benchmark set: one PDF of about 300 pages and 200 MB, vector and scanned
/// pages mixed, with per-page ground truth. Not committed.
pub fn gross(fonts: &Fonts, dir: &Path, pages_total: usize) -> Result<Vec<(String, u64)>> {
    gross_with(fonts, dir, pages_total, 300)
}

/// Whether page `page` of a document of this kind carries the title block (plans: every
/// sheet; text documents: the header block on page 1 only).
fn has_title_block(planart: &str, page: usize) -> bool {
    page == 0 || !matches!(planart, "Baubeschreibung" | "Stellplatznachweis")
}

/// [`gross`] with the scan resolution as a parameter (tests use a low one).
pub fn gross_with(
    fonts: &Fonts,
    dir: &Path,
    pages_total: usize,
    dpi: u32,
) -> Result<Vec<(String, u64)>> {
    std::fs::create_dir_all(dir)?;
    // Sources: every vector sheet (with its pages), and the scan sources rendered once.
    let vector_ids: Vec<SheetId> = vector_defs().into_iter().map(|(_, id)| id).collect();
    struct Src {
        quelle: String,
        paper: Paper,
        landscape: bool,
        planart: &'static str,
        anlageart: &'static str,
        schriftfeld: Schriftfeld,
        bereich: Rect,
        page: usize,
        gray: scan::Gray,
    }
    let scan_sources = [
        (SheetId::Baubeschreibung, "08_Baubeschreibung.pdf"),
        (SheetId::Stellplatznachweis, "09_Stellplatznachweis.pdf"),
        (SheetId::Grundriss(0, Paper::A3), "Grundriss KG (A3)"),
        (SheetId::Lageplan, "01_Lageplan.pdf"),
    ];
    let mut srcs: Vec<Src> = Vec::new();
    for (id, quelle) in scan_sources {
        let v = vector_file(fonts, id, quelle)?;
        let s = build_sheet(fonts, id)?;
        for (page, g) in scan::render_gray(&v.bytes, dpi)?.into_iter().enumerate() {
            srcs.push(Src {
                page,
                quelle: quelle.to_string(),
                paper: s.paper,
                landscape: s.landscape,
                planart: s.planart,
                anlageart: s.anlageart,
                schriftfeld: s.schriftfeld.clone(),
                bereich: s.bereich,
                gray: g,
            });
        }
    }

    // Page plan: of every 5 pages, 3 vector and 2 scans (300 pages: about 200 MB).
    enum Plan {
        Vector(usize, usize),
        Scan(usize, u64),
    }
    let mut vector_pages: Vec<(usize, usize)> = Vec::new();
    for (k, id) in vector_ids.iter().enumerate() {
        let n = build_sheet(fonts, *id)?.pages.len();
        for p in 0..n {
            vector_pages.push((k, p));
        }
    }
    let mut plan = Vec::new();
    let (mut vi, mut si) = (0usize, 0usize);
    for i in 0..pages_total {
        if i % 5 < 3 {
            plan.push(Plan::Vector(
                vector_pages[vi % vector_pages.len()].0,
                vector_pages[vi % vector_pages.len()].1,
            ));
            vi += 1;
        } else {
            plan.push(Plan::Scan(si % srcs.len(), 5000 + i as u64));
            si += 1;
        }
    }

    // Encode the scans on all cores; results keep their order.
    let scan_jobs: Vec<(usize, usize, u64)> = plan
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            Plan::Scan(s, seed) => Some((i, *s, *seed)),
            _ => None,
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let mut encoded: Vec<Option<(ImageData, f64)>> = (0..pages_total).map(|_| None).collect();
    let chunks: Vec<Vec<(usize, usize, u64)>> = (0..threads)
        .map(|t| scan_jobs.iter().skip(t).step_by(threads).cloned().collect())
        .collect();
    let results: Vec<Result<Vec<(usize, ImageData, f64)>>> = std::thread::scope(|sc| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|jobs| {
                let srcs = &srcs;
                sc.spawn(move || -> Result<Vec<(usize, ImageData, f64)>> {
                    let mut out = Vec::new();
                    for (i, s, seed) in jobs {
                        let src = &srcs[*s];
                        let mut r = crate::rng::Rng::new(*seed);
                        let angle = r2(r.range(-1.5, 1.5));
                        let angle = if angle.abs() < 0.3 {
                            0.3f64.copysign(angle)
                        } else {
                            angle
                        };
                        let spec = ScanSpec {
                            dpi,
                            angle_deg: angle,
                            seed: *seed,
                            filter: ImageFilter::Dct,
                            quality: 90,
                            noise: 2.5,
                        };
                        let (w, h) = src.paper.size(src.landscape);
                        let img = scan::degrade(&src.gray, w, h, &spec);
                        out.push((*i, scan::encode(&img, &spec)?, angle));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("Thread abgebrochen")))
            })
            .collect()
    });
    for r in results {
        for (i, img, angle) in r? {
            encoded[i] = Some((img, angle));
        }
    }

    let mut doc = PdfDoc::new(fonts);
    let mut seiten = Vec::new();
    let mut embedded_all = true;
    for (i, p) in plan.iter().enumerate() {
        let n = i as u32 + 1;
        match p {
            Plan::Vector(k, page) => {
                let mut s = build_sheet(fonts, vector_ids[*k])?;
                let canvas = s.pages.swap_remove(*page);
                doc.add_canvas_page(canvas)?;
                embedded_all &= s.embedded;
                let mut se = seite(n, s.paper, s.landscape, None, 0.0);
                se.inhalt = Some(Box::new(SeitenInhalt {
                    art: "vektor".to_string(),
                    quelle: vector_defs()[*k].0.to_string(),
                    planart: s.planart.to_string(),
                    anlageart: s.anlageart.to_string(),
                    schriftfeld: s.schriftfeld,
                    schriftfeld_bereich_mm: has_title_block(s.planart, *page)
                        .then(|| Bereich::from_rect(s.bereich)),
                    schriftarten_eingebettet: s.embedded,
                }));
                seiten.push(se);
            }
            Plan::Scan(s, _) => {
                let src = &srcs[*s];
                let (img, angle) = encoded[i].take().context("Scan fehlt")?;
                let (w, h) = src.paper.size(src.landscape);
                doc.add_image_page(w, h, &img)?;
                let mut se = seite(n, src.paper, src.landscape, Some(dpi), angle);
                se.inhalt = Some(Box::new(SeitenInhalt {
                    art: "scan".to_string(),
                    quelle: src.quelle.clone(),
                    planart: src.planart.to_string(),
                    anlageart: src.anlageart.to_string(),
                    schriftfeld: src.schriftfeld.clone(),
                    schriftfeld_bereich_mm: has_title_block(src.planart, src.page)
                        .then(|| Bereich::rotated(src.bereich, angle, w, h)),
                    schriftarten_eingebettet: true,
                }));
                seiten.push(se);
            }
        }
    }
    let datei = "gross_gemischt.pdf";
    let bytes = doc.finish(&DocInfo {
        title: "Bauvorlagen gesammelt (Benchmark) – Neubau Einfamilienhaus mit Garage".to_string(),
        author: "Plankammer sample-plans generator".to_string(),
        subject: "Großer gemischter Bauvorlagensatz für Last- und Genauigkeitstests".to_string(),
        keywords: "Benchmark; Plankammer; fiktiv".to_string(),
        date: D_AEND.pdf(),
    })?;
    let truth = GroundTruth {
        datei: datei.to_string(),
        art: "gemischt".to_string(),
        hinweis: None,
        seiten,
        planart: None,
        anlageart: None,
        schriftfeld: None,
        schriftfeld_bereich_mm: None,
        schriftarten_eingebettet: embedded_all,
        layout: None,
        split: None,
        label_variante: None,
        gestaltung: None,
    };
    let mut written = Vec::new();
    write(dir, datei, &bytes, &mut written)?;
    write(dir, "gross_gemischt.json", &to_json(&truth)?, &mut written)?;
    Ok(written)
}
