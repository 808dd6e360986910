//! The extract stage: text per page from the text layer (lopdf); pages without usable text
//! are OCR'd from their scanned image, title block (Schriftfeld, bottom right) first, the
//! whole page only within a pixel budget. Runs in the sandbox.

use super::bild::{self, BildFehler};
use super::ocr::{Ende, Ocr, Rechenuhr};
use super::rendern;
use lopdf::{Document, LoadOptions};
use plankammer_domain::feststellung::{Feststellung, Schwere, katalog};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeseGrenzen {
    pub max_dekomprimiert: usize,
    pub max_seiten: usize,
    /// Largest scanned image decoded at all (pixels).
    pub max_pixel: u64,
    /// Largest page OCR'd whole, for search (pixels); bigger ones get their title block only.
    pub max_volltext_pixel: u64,
    /// Fewer visible characters than this on a page: the text layer counts as missing.
    pub min_textzeichen: usize,
    pub tessdata: String,
    pub sprache: String,
    /// CPU time OCR may spend on one page (title block and whole page together). All OCR
    /// budgets count the reading thread's CPU time, not the wall clock: a loaded machine
    /// reads the same fields, only later ([`super::ocr::rechenzeit`]).
    #[serde(default = "standard_ocr_ms_je_seite")]
    pub max_ocr_ms_je_seite: u64,
    /// Time OCR may spend on the full text of the whole document (for search). Title blocks
    /// come first: a page's full text is read only while the title blocks of the pages
    /// after it still fit in [`LeseGrenzen::max_ocr_ms_schriftfelder`].
    #[serde(default = "standard_ocr_ms_gesamt")]
    pub max_ocr_ms_gesamt: u64,
    /// Time all OCR of the document may take (title blocks and full text): below the
    /// sandbox's own limits, so that pages beyond it are left unread with a finding rather
    /// than the stage killed with everything read so far.
    #[serde(default = "standard_ocr_ms_schriftfelder")]
    pub max_ocr_ms_schriftfelder: u64,
    /// Wall-clock time the reading of the document may take, whatever its CPU time: below
    /// the sandbox's wall-clock limit, which a machine busy with other work reaches before
    /// the CPU budgets run out. Pages beyond it are read by the next child or left with a
    /// finding, as beyond the CPU budget.
    #[serde(default = "standard_wand_ms")]
    pub max_wand_ms: u64,
    /// When the full text of scanned pages is read.
    #[serde(default)]
    pub volltext: Volltext,
    /// Pages before this one are left out: a document whose title blocks take longer than
    /// one child may run is read by several, each going on where the last stopped.
    #[serde(default)]
    pub ab_seite: u32,
}

/// When the full text of a scanned page (for search) is read. Title blocks are what people
/// wait for; the full text of a large scan takes several times as long and is read later, in
/// a stage of its own at lower priority (issue 15).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Volltext {
    /// Each page's title block, then its whole text (`plankammer inspect`).
    #[default]
    Sofort,
    /// Title blocks only; each page whose full text is still to be read says so
    /// ([`SeitenText::volltext_offen`]). The pipeline's extract stage.
    Spaeter,
    /// Only the full text of these pages. The pipeline's volltext stage.
    Nur(Vec<OffeneSeite>),
}

/// A page whose full text is still to be read, and how the title block reading found it
/// turned: degrees clockwise beyond its /Rotate (a sheet scanned sideways), 0, 90 or 270.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OffeneSeite {
    pub nummer: u32,
    pub drehung: u16,
}

fn standard_ocr_ms_schriftfelder() -> u64 {
    // 80 % of the default sandbox CPU limit (120 s).
    96_000
}

fn standard_wand_ms() -> u64 {
    // 80 % of the default sandbox wall-clock limit (120 s).
    96_000
}

fn standard_ocr_ms_je_seite() -> u64 {
    30_000
}

fn standard_ocr_ms_gesamt() -> u64 {
    100_000
}

impl Default for LeseGrenzen {
    fn default() -> Self {
        LeseGrenzen {
            max_dekomprimiert: 128 * 1024 * 1024,
            max_seiten: 1000,
            max_pixel: 80_000_000,
            max_volltext_pixel: 20_000_000,
            min_textzeichen: 20,
            tessdata: "/usr/share/tesseract-ocr/5/tessdata".into(),
            sprache: "deu".into(),
            max_ocr_ms_je_seite: standard_ocr_ms_je_seite(),
            max_ocr_ms_gesamt: standard_ocr_ms_gesamt(),
            max_ocr_ms_schriftfelder: standard_ocr_ms_schriftfelder(),
            max_wand_ms: standard_wand_ms(),
            volltext: Volltext::Sofort,
            ab_seite: 0,
        }
    }
}

impl LeseGrenzen {
    /// The default limits with the configured language data and OCR times. The time per
    /// document is never longer than 80 % of the sandbox's wall-clock and CPU limits, so a
    /// document that runs out keeps the pages read so far instead of losing all to the kill.
    pub fn mit_ocr_zeiten(
        tessdata: String,
        je_seite: Duration,
        je_dokument: Duration,
        sandbox_zeit: Duration,
        sandbox_cpu: Duration,
    ) -> LeseGrenzen {
        let sandbox = sandbox_zeit.min(sandbox_cpu).mul_f64(0.8);
        LeseGrenzen {
            tessdata,
            max_ocr_ms_je_seite: je_seite.as_millis() as u64,
            max_ocr_ms_gesamt: je_dokument.min(sandbox).as_millis() as u64,
            max_ocr_ms_schriftfelder: sandbox.as_millis() as u64,
            max_wand_ms: sandbox_zeit.mul_f64(0.8).as_millis() as u64,
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeitenText {
    pub nummer: u32,
    /// `textebene`, `ocr`, or none when the page had nothing readable.
    pub quelle: Option<String>,
    /// The page's text (for search).
    pub text: String,
    /// The title block's text, where it was read separately (OCR of the region).
    pub schriftfeld: Option<String>,
    /// OCR confidence 0–100.
    pub konfidenz: Option<f32>,
    pub ocr_ms: Option<u64>,
    /// The full text is still to be read ([`Volltext::Spaeter`]), with the page turned by
    /// this many degrees beyond its /Rotate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volltext_offen: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leseergebnis {
    pub seiten: Vec<SeitenText>,
    pub feststellungen: Vec<Feststellung>,
    /// With [`Volltext::Spaeter`]: the time of this child ran out before this page; read
    /// on from here in the next child ([`LeseGrenzen::ab_seite`]). Never the page it
    /// started at, so each child gets further.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weiter_ab: Option<u32>,
}

impl Leseergebnis {
    /// The plan data of what was read, as the metadata stage derives it from the stored
    /// page texts (for `plankammer inspect` and the accuracy bench, which keep no store).
    pub fn felder(&self) -> Vec<super::metadaten::Feld> {
        let eingaben: Vec<super::metadaten::SeitenEingabe> = self
            .seiten
            .iter()
            .map(|s| super::metadaten::SeitenEingabe {
                nummer: s.nummer,
                quelle: s.quelle.as_deref().unwrap_or("textebene"),
                schriftfeld: s.schriftfeld.as_deref(),
                text: &s.text,
                konfidenz: s.konfidenz,
            })
            .collect();
        super::metadaten::felder_des_dokuments(&eingaben)
    }
}

fn sichtbare_zeichen(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// The title block region of a page image: DIN EN ISO 7200 puts it bottom right, at most
/// 180 mm wide; we take 230 × 125 mm (clipped) to allow for margins, skew and the wider
/// boxes offices draw.
pub fn schriftfeld_bereich(w: u32, h: u32, dpi: u32) -> (u32, u32, u32, u32) {
    let px = |mm: f64| (mm / 25.4 * dpi as f64).round() as u32;
    let rw = px(230.0).min(w);
    let rh = px(125.0).min(h);
    (w - rw, h - rh, rw, rh)
}

/// Where the title block is, from the page's own structure (issue 15): the text lines that
/// tesseract's layout analysis finds at low resolution (boxes in pixels of an image `w` ×
/// `h` at `dpi`). Title blocks are where short lines of text crowd together along the
/// edge of the sheet: a box in a corner, a strip along the right edge, or a band along the
/// bottom. Each such window is scored by the lines in it per area; the best one, shrunk to
/// its lines and a margin, is the title block. `None` when no window holds enough lines.
pub fn schriftfeld_finden(
    zeilen: &[(i32, i32, i32, i32)],
    w: u32,
    h: u32,
    dpi: u32,
) -> Option<(u32, u32, u32, u32)> {
    bestes_fenster(zeilen, w, h, dpi).map(|(_, r)| r)
}

/// The window of [`schriftfeld_finden`] and the lines' extent in it (the first of equals).
fn bestes_fenster(
    zeilen: &[(i32, i32, i32, i32)],
    w: u32,
    h: u32,
    dpi: u32,
) -> Option<(Fenster, (u32, u32, u32, u32))> {
    fenster_bewertet(zeilen, w, h, dpi)
        .into_iter()
        .filter_map(|f| f.ausschnitt.map(|r| (f.wert, f.fenster, r)))
        .fold(None, |best: Option<(f64, _, _)>, neu| match best {
            Some((b, _, _)) if b >= neu.0 => best,
            _ => Some(neu),
        })
        .map(|(_, art, r)| (art, r))
}

/// The windows a title block may fill, in this order: the corners bottom right, top right
/// and bottom left, the strip along the right edge, the band along the bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fenster {
    UntenRechts,
    ObenRechts,
    UntenLinks,
    Streifen,
    Band,
}

/// One window of the page, scored by the text lines crowding in it.
#[derive(Debug, Clone, Copy)]
struct Bewertet {
    fenster: Fenster,
    /// Lines per square root of the area they span (0 with fewer than four lines).
    wert: f64,
    /// The lines' extent with a margin, in pixels (a strip or a band keeps its length);
    /// `None` with fewer than four lines.
    ausschnitt: Option<(u32, u32, u32, u32)>,
}

/// Every window of [`Fenster`] scored by the lines in it (see [`schriftfeld_finden`]).
fn fenster_bewertet(zeilen: &[(i32, i32, i32, i32)], w: u32, h: u32, dpi: u32) -> Vec<Bewertet> {
    let mm = |px: i32| f64::from(px) / f64::from(dpi) * 25.4;
    let (bw, bh) = (mm(w as i32), mm(h as i32));
    // Lines in mm; very long ones (a heading across the sheet, a hatch) are no cells.
    let linien: Vec<(f64, f64, f64, f64)> = zeilen
        .iter()
        .map(|&(l, t, r, b)| (mm(l), mm(t), mm(r), mm(b)))
        .filter(|(l, t, r, b)| r - l > 1.0 && b - t > 0.8 && b - t < 25.0 && r - l < 250.0)
        .collect();
    // Windows (left, top, right, bottom in mm).
    let (kw, kh) = (210.0f64.min(bw), 160.0f64.min(bh));
    let streifen = 110.0f64.min(bw);
    let band = 80.0f64.min(bh);
    let fenster = [
        (Fenster::UntenRechts, (bw - kw, bh - kh, bw, bh)),
        (Fenster::ObenRechts, (bw - kw, 0.0, bw, kh)),
        (Fenster::UntenLinks, (0.0, bh - kh, kw, bh)),
        (Fenster::Streifen, (bw - streifen, 0.0, bw, bh)),
        (Fenster::Band, (0.0, bh - band, bw, bh)),
    ];
    let px = |v: f64| (v / 25.4 * f64::from(dpi)).round().max(0.0) as u32;
    let rand = 6.0;
    fenster
        .into_iter()
        .map(|(art, f)| {
            let drin: Vec<&(f64, f64, f64, f64)> = linien
                .iter()
                .filter(|(l, t, r, b)| {
                    let (cx, cy) = ((l + r) / 2.0, (t + b) / 2.0);
                    cx >= f.0 && cx <= f.2 && cy >= f.1 && cy <= f.3
                })
                .collect();
            if drin.len() < 4 {
                return Bewertet {
                    fenster: art,
                    wert: 0.0,
                    ausschnitt: None,
                };
            }
            // The lines' own extent in the window, and how densely they fill it.
            let l = drin.iter().map(|z| z.0).fold(f64::MAX, f64::min);
            let t = drin.iter().map(|z| z.1).fold(f64::MAX, f64::min);
            let r = drin.iter().map(|z| z.2).fold(f64::MIN, f64::max);
            let b = drin.iter().map(|z| z.3).fold(f64::MIN, f64::max);
            let flaeche = ((r - l).max(20.0) * (b - t).max(20.0)).max(1.0);
            // A strip or a band keeps its whole length: small text at its far end may not
            // have been seen as lines at this resolution.
            let (l, t, r, b) = match art {
                Fenster::Streifen => (l, 0.0, bw, bh),
                Fenster::Band => (0.0, t, bw, bh),
                _ => (l, t, r, b),
            };
            let (x0, y0) = (
                px((l - rand).max(0.0)).min(w),
                px((t - rand).max(0.0)).min(h),
            );
            let (x1, y1) = (px(r + rand).min(w), px(b + rand).min(h));
            Bewertet {
                fenster: art,
                wert: drin.len() as f64 / flaeche.sqrt(),
                ausschnitt: (x1 > x0 && y1 > y0).then(|| (x0, y0, x1 - x0, y1 - y0)),
            }
        })
        .collect()
}

/// The layout of a page at low resolution: the text lines tesseract's layout analysis
/// finds in a copy of the page made `k` times smaller ([`ORTUNG_DPI`] or a little more),
/// in pixels of that copy. Found once per page, it tells which way up the sheet was
/// scanned and where its title block may be, without reading a word.
#[derive(Debug, Clone)]
pub struct Lage {
    /// Pixels of the page per pixel of the copy, each way.
    k: u32,
    /// The copy's size.
    kw: u32,
    kh: u32,
    /// Its resolution.
    dpi: u32,
    zeilen: Vec<(i32, i32, i32, i32)>,
}

impl Lage {
    /// The layout of `img` (scanned or rendered at `dpi`). `None` when tesseract finds none.
    pub fn analysiere(engine: &Ocr, img: &image::GrayImage, dpi: u32) -> Option<Lage> {
        // A whole number of pixels per pixel of the copy: a mean of k × k is exact and fast
        // (a filtered resize of an A0 scan took longer than the layout analysis of its copy).
        let k = (dpi / ORTUNG_DPI).max(1);
        let klein;
        let bild = if k > 1 {
            klein = verkleinert(img, k);
            &klein
        } else {
            img
        };
        let zeilen = engine.textzeilen(bild, dpi / k).ok()?;
        Some(Lage {
            k,
            kw: bild.width(),
            kh: bild.height(),
            dpi: dpi / k,
            zeilen,
        })
    }

    /// A page `w` × `h` at `dpi` whose layout is not known: its places are the fixed ones.
    fn ohne_zeilen(w: u32, h: u32, dpi: u32) -> Lage {
        Lage {
            k: 1,
            kw: w,
            kh: h,
            dpi,
            zeilen: vec![],
        }
    }

    /// Whether the sheet was scanned sideways: its text lines run from top to bottom, not
    /// from left to right. Measured by the length of the lines that are clearly one or the
    /// other: an upright plan has some vertical text too (dimensions along a vertical
    /// axis), but far less than horizontal.
    pub fn seitlich(&self) -> bool {
        let (mut quer, mut hoch) = (0i64, 0i64);
        for &(l, t, r, b) in &self.zeilen {
            let (w, h) = (i64::from(r - l), i64::from(b - t));
            if w > 2 * h {
                quer += w;
            } else if h > 2 * w {
                hoch += h;
            }
        }
        hoch > quer && hoch > 0
    }

    /// Vertical lines (at most `n`, in pixels of the page) to try which way a sideways
    /// sheet reads: the most crowded and the longest, in turn.
    fn hoechste_zeilen(&self, n: usize) -> Vec<(u32, u32, u32, u32)> {
        let mm = |px: i32| f64::from(px) / f64::from(self.dpi) * 25.4;
        // Lines of text, not a frame, a rule or a hatch: a line as thick as letters are
        // high, a few words long.
        let hoch: Vec<_> = self
            .zeilen
            .iter()
            .filter(|(l, t, r, b)| {
                let (dicke, laenge) = (mm(r - l), mm(b - t));
                laenge > 2.0 * dicke
                    && (1.5..=8.0).contains(&dicke)
                    && (10.0..=150.0).contains(&laenge)
            })
            .copied()
            .collect();
        // Neighbours are counted among the longest few hundred only: a page of specks
        // gives thousands of lines, and counting is quadratic.
        let mut hoch = hoch;
        hoch.sort_by_key(|(_, t, _, b)| std::cmp::Reverse(b - t));
        hoch.truncate(MAX_KANDIDATEN);
        // Text crowds in the title block; a hatch or a lone dimension stands apart. The
        // lines with most neighbours within 40 mm first, the longer of equals first.
        let nah = (40.0 / 25.4 * f64::from(self.dpi)) as i32;
        let mitte = |z: &(i32, i32, i32, i32)| ((z.0 + z.2) / 2, (z.1 + z.3) / 2);
        let nachbarn: Vec<usize> = hoch
            .iter()
            .map(|z| {
                let (x, y) = mitte(z);
                hoch.iter()
                    .filter(|o| {
                        let (ox, oy) = mitte(o);
                        (ox - x).abs() <= nah && (oy - y).abs() <= nah
                    })
                    .count()
            })
            .collect();
        let mut hoch: Vec<_> = hoch.into_iter().zip(nachbarn).collect();
        hoch.sort_by_key(|((_, t, _, b), n)| (std::cmp::Reverse(*n), std::cmp::Reverse(b - t)));
        // The most crowded lines and the longest ones, in turn.
        let mut laengste = hoch.clone();
        laengste.sort_by_key(|((_, t, _, b), _)| std::cmp::Reverse(b - t));
        let mut folge = Vec::new();
        for (a, b) in hoch.into_iter().zip(laengste) {
            for (z, _) in [a, b] {
                if !folge.contains(&z) {
                    folge.push(z);
                }
            }
        }
        let hoch = folge;
        let k = self.k as i32;
        hoch.into_iter()
            .take(n)
            .map(|(l, t, r, b)| {
                // A margin of a pixel of the copy around the line.
                let (l, t) = (((l - 1) * k).max(0), ((t - 1) * k).max(0));
                let (r, b) = ((r + 1) * k, (b + 1) * k);
                (l as u32, t as u32, (r - l) as u32, (b - t) as u32)
            })
            .collect()
    }

    /// The same layout with the page turned clockwise by 90, 180 or 270 degrees, as
    /// [`drehe`] turns it.
    pub fn gedreht(&self, grad: u16) -> Lage {
        let (w, h) = (self.kw as i32, self.kh as i32);
        let zeilen = self
            .zeilen
            .iter()
            .map(|&(l, t, r, b)| match grad {
                90 => (h - b, l, h - t, r),
                180 => (w - r, h - b, w - l, h - t),
                270 => (t, w - r, b, w - l),
                _ => (l, t, r, b),
            })
            .collect();
        let (kw, kh) = if grad == 90 || grad == 270 {
            (self.kh, self.kw)
        } else {
            (self.kw, self.kh)
        };
        Lage {
            zeilen,
            kw,
            kh,
            ..*self
        }
    }

    /// Where else the title block of the page (`w` × `h` pixels at `dpi`) may be, best
    /// guess first: with `standard`, the standard place (of a page just turned upright);
    /// where the text lines crowd most along an edge; then a strip along the right edge,
    /// a band along the bottom, the top right and the bottom left corner. Tried when the
    /// standard place gave too little. (Ordering the fixed places by the lines in their
    /// windows read four fields fewer of the development split, for 3 % of the time.)
    pub fn orte(&self, w: u32, h: u32, dpi: u32, standard: bool) -> Vec<(u32, u32, u32, u32)> {
        let k = self.k;
        let gefunden = bestes_fenster(&self.zeilen, self.kw, self.kh, self.dpi).map(
            |(art, (x, y, rw, rh))| {
                let (x, y) = ((x * k).min(w), (y * k).min(h));
                (art, (x, y, (rw * k).min(w - x), (rh * k).min(h - y)))
            },
        );
        let px = |mm: f64| ((mm / 25.4 * f64::from(dpi)).round() as u32).max(1);
        let (sw, bh, kw, kh) = (
            px(110.0).min(w),
            px(80.0).min(h),
            px(210.0).min(w),
            px(160.0).min(h),
        );
        // A strip or a band found keeps its length: the fixed one is the same place again.
        let schon = |art: Fenster| gefunden.is_some_and(|(g, _)| g == art);
        standard
            .then(|| schriftfeld_bereich(w, h, dpi))
            .into_iter()
            .chain(gefunden.map(|(_, r)| r))
            .chain((!schon(Fenster::Streifen)).then_some((w - sw, 0, sw, h)))
            .chain((!schon(Fenster::Band)).then_some((0, h - bh, w, bh)))
            .chain([(w - kw, 0, kw, kh), (0, h - kh, kw, kh)])
            .filter(|r| r.2 > 0 && r.3 > 0)
            .collect()
    }
}

/// Which way a sheet scanned sideways reads: 90 (turn it clockwise) or 270 degrees. A few
/// of its vertical lines ([`Lage::hoechste_zeilen`]) are read turned either way; the way
/// tesseract reads more letters of surely read words in wins.
/// `None` when neither reads as text.
fn lesrichtung(engine: &Ocr, img: &image::GrayImage, dpi: u32, lage: &Lage) -> Option<u16> {
    let (w, h) = img.dimensions();
    let mut summe = [0f32; 2];
    for (x, y, rw, rh) in lage.hoechste_zeilen(8) {
        // Clear enough already.
        if summe[0].max(summe[1]) >= 16.0 && summe[0].max(summe[1]) >= 3.0 * summe[0].min(summe[1])
        {
            break;
        }
        let (x, y) = (x.min(w), y.min(h));
        let (rw, rh) = (rw.min(w - x), rh.min(h - y));
        if rw < 4 || rh < 4 {
            continue;
        }
        let zeile = image::imageops::crop_imm(img, x, y, rw, rh).to_image();
        for (i, gedreht) in [drehe(&zeile, 90), drehe(&zeile, 270)].iter().enumerate() {
            let (gw, gh) = gedreht.dimensions();
            // Words of letters that tesseract is sure of count; a line read upside down
            // gives specks and signs, or letters it is unsure of.
            if let Ok((woerter, _, _)) = engine.woerter(gedreht, dpi, (0, 0, gw, gh), false) {
                let punkte: f32 = woerter
                    .iter()
                    .filter(|w| w.konfidenz >= 80.0)
                    .map(|w| w.text.chars().filter(|c| c.is_alphabetic()).count())
                    .filter(|&n| n >= 3)
                    .sum::<usize>() as f32;
                summe[i] += punkte;
            }
        }
    }
    let [neunzig, zweisiebzig] = summe;
    // Letters of words read surely: fewer than a long word, or not clearly more one way
    // than the other, is no telling.
    if neunzig.max(zweisiebzig) < 8.0 || neunzig.max(zweisiebzig) < 2.0 * neunzig.min(zweisiebzig) {
        None
    } else if neunzig > zweisiebzig {
        Some(90)
    } else {
        Some(270)
    }
}

/// `img` made `k` times smaller each way, each pixel the mean of a `k` × `k` square (the
/// squares at the right and bottom edge that do not fit are dropped).
pub fn verkleinert(img: &image::GrayImage, k: u32) -> image::GrayImage {
    let k = k.max(1);
    let (w, h) = img.dimensions();
    let (kw, kh) = ((w / k).max(1).min(w), (h / k).max(1).min(h));
    let (ku, wu) = (k as usize, w as usize);
    let quelle = img.as_raw();
    let mut summen = vec![0u32; kw as usize];
    let mut raw = Vec::with_capacity(kw as usize * kh as usize);
    for ky in 0..kh as usize {
        summen.iter_mut().for_each(|s| *s = 0);
        let mut zeilen = 0u32;
        for y in ky * ku..((ky + 1) * ku).min(h as usize) {
            let zeile = &quelle[y * wu..y * wu + wu];
            for (s, stueck) in summen.iter_mut().zip(zeile.chunks(ku)) {
                *s += stueck.iter().map(|&p| u32::from(p)).sum::<u32>();
            }
            zeilen += 1;
        }
        let n = (zeilen * k.min(w)).max(1);
        raw.extend(summen.iter().map(|&s| (s / n) as u8));
    }
    image::GrayImage::from_raw(kw, kh, raw).expect("kw × kh bytes")
}

/// `img` turned clockwise by `grad` (90, 180 or 270; anything else leaves it as it is),
/// pixel for pixel as `image::imageops::rotate90` / `rotate180` / `rotate270` turn it,
/// but in tiles: those go pixel by pixel through bounds-checked accessors and took a
/// quarter of a second for an A1 scan.
pub fn drehe(img: &image::GrayImage, grad: u16) -> image::GrayImage {
    const KACHEL: usize = 64;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let quelle = img.as_raw();
    match grad {
        180 => {
            let mut raw = quelle.clone();
            raw.reverse();
            image::GrayImage::from_raw(w as u32, h as u32, raw).expect("w × h bytes")
        }
        90 | 270 => {
            // The turned image is h wide and w high.
            let mut raw = vec![0u8; w * h];
            for y0 in (0..h).step_by(KACHEL) {
                for x0 in (0..w).step_by(KACHEL) {
                    for y in y0..(y0 + KACHEL).min(h) {
                        let zeile = &quelle[y * w..y * w + w];
                        let x1 = (x0 + KACHEL).min(w);
                        for (x, &p) in zeile[x0..x1].iter().enumerate().map(|(i, p)| (x0 + i, p)) {
                            // Clockwise: (x, y) goes to (h - 1 - y, x); counter: (y, w - 1 - x).
                            let ziel = if grad == 90 {
                                x * h + (h - 1 - y)
                            } else {
                                (w - 1 - x) * h + y
                            };
                            raw[ziel] = p;
                        }
                    }
                }
            }
            image::GrayImage::from_raw(h as u32, w as u32, raw).expect("h × w bytes")
        }
        _ => img.clone(),
    }
}

/// The text of OCR'd words, line by line as tesseract grouped them.
fn text_aus_woertern(woerter: &[super::ocr::Wort]) -> String {
    let mut out = String::new();
    let mut zeile = None;
    for w in woerter {
        if zeile.is_some_and(|z| z != w.zeile) {
            out.push('\n');
        } else if zeile.is_some() {
            out.push(' ');
        }
        out.push_str(&w.text);
        zeile = Some(w.zeile);
    }
    out
}

/// How many fields a title block text gives surely (Planart and Anlageart aside: they
/// come from any text). A value OCR was unsure of ("3" for a bold "Ansicht West") does
/// not count: a reading with several of them is worth another try.
fn ergiebig(text: &str) -> usize {
    super::metadaten::felder(text, "ocr", 1, None)
        .iter()
        .filter(|f| f.feld != "planart" && f.feld != "anlageart")
        .filter(|f| f.konfidenz >= super::metadaten::SICHER_AB)
        .count()
}

/// The words of a title block's reading (`woerter`) with those of the places of unread
/// ink ([`super::ocr::ungelesene_stellen`]) each read on its own. Only a place whose reading
/// holds a label, a scale or a date is taken: the words of a drawing or of a revision
/// table's rows ("A", "B") beside the title block would be taken for values. `rest`: the
/// time left, asked before each place.
fn ungelesenes_lesen(
    engine: &mut Ocr,
    img: &image::GrayImage,
    dpi: u32,
    stellen: Vec<(u32, u32, u32, u32)>,
    woerter: &[super::ocr::Wort],
    rest: impl Fn() -> Duration,
) -> Vec<super::ocr::Wort> {
    let mut alle = woerter.to_vec();
    for (nr, stelle) in stellen.into_iter().enumerate() {
        let rest = rest();
        if rest.is_zero() {
            break;
        }
        engine.setze_zeitlimit(rest);
        let Ok(neu) = engine.block_ohne_linien(img, dpi, stelle, 10_000 * (nr as i32 + 1)) else {
            continue;
        };
        nimm_ungelesenes(&mut alle, stelle, neu);
    }
    alle
}

/// Takes the words `neu` read at the place `stelle` into `alle` where they hold a label or
/// a value that stands on its own (a scale, a date).
fn nimm_ungelesenes(
    alle: &mut Vec<super::ocr::Wort>,
    stelle: (u32, u32, u32, u32),
    neu: Vec<super::ocr::Wort>,
) {
    if !neu.iter().any(|w| {
        w.konfidenz >= super::metadaten::UNSICHERES_WORT
            && (super::metadaten::label_fuer(&w.text).is_some_and(|l| l.feld.is_some())
                || super::metadaten::wert_fuer_sich(&w.text))
    }) {
        return;
    }
    // The unsure words read there before give way.
    let (x, y, rw, rh) = stelle;
    alle.retain(|w| {
        let (mx, my) = (w.links + w.breite / 2, w.oben + w.hoehe / 2);
        w.konfidenz >= super::ocr::SICHER_GELESEN
            || mx < x as i32
            || my < y as i32
            || mx >= (x + rw) as i32
            || my >= (y + rh) as i32
    });
    // A word read twice is kept once: the earlier reading, unless the new
    // one holds more ("1:100" over "100"); not "Anbau Anbaı".
    for n in neu {
        let ueber = |w: &super::ocr::Wort| {
            n.links < w.links + w.breite
                && w.links < n.links + n.breite
                && n.oben < w.oben + w.hoehe
                && w.oben < n.oben + n.hoehe
        };
        let laenge = |t: &str| t.chars().count();
        let alt: Vec<usize> = (0..alle.len()).filter(|&i| ueber(&alle[i])).collect();
        if alt.iter().all(|&i| laenge(&n.text) > laenge(&alle[i].text)) {
            alle.retain(|w| !ueber(w));
            alle.push(n);
        }
    }
}

/// Most places of unread ink per page that are read on their own.
const MAX_UNGELESEN: usize = 8;

/// Most labels per page whose value is read again on its own.
const MAX_NACHLESEN: usize = 6;

/// The value of a label that the block reading passed over: the place right of the label,
/// then the place below it, each read as one line. A reading counts when it has letters or
/// digits, is fairly certain and is no other label.
fn nachlesen(
    engine: &Ocr,
    img: &image::GrayImage,
    dpi: u32,
    luecke: &super::metadaten::Luecke,
) -> Option<(String, f32)> {
    let (w, h) = (img.width() as i32, img.height() as i32);
    // The two places clipped to the page; one too small to hold a letter is none.
    let orte: Vec<(u32, u32, u32, u32)> = [luecke.rechts, luecke.darunter]
        .into_iter()
        .filter_map(|(x, y, rw, rh)| {
            let (x0, y0) = (x.clamp(0, w), y.clamp(0, h));
            let (x1, y1) = ((x + rw).clamp(0, w), (y + rh).clamp(0, h));
            (x1 - x0 >= 4 && y1 - y0 >= 4).then_some((
                x0 as u32,
                y0 as u32,
                (x1 - x0) as u32,
                (y1 - y0) as u32,
            ))
        })
        .collect();
    for &r in &orte {
        // An index is a letter or a number, and is read as one.
        let zeichen = (luecke.feld == "index").then_some(INDEX_ZEICHEN);
        let Ok((text, mut k)) = engine.zeile(img, dpi, r, zeichen, false) else {
            continue;
        };
        let text = text
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_string();
        // A lone letter, which OCR reads worst, comes through the letters-only reading
        // without a confidence ("C" surely read as "€" unrestricted). It is taken, as a
        // suggestion, where the unrestricted reading surely saw as many signs there.
        if zeichen.is_some() && k < 50.0 && (1..=2).contains(&text.chars().count()) {
            let frei = engine.zeile(img, dpi, r, None, false).ok();
            if frei.is_some_and(|(t, kf)| {
                kf >= 50.0
                    && t.chars().filter(|c| !c.is_whitespace()).count() == text.chars().count()
            }) {
                k = 50.0;
            }
        }
        let ist_label = text
            .split_whitespace()
            .any(|t| super::metadaten::label_fuer(t).is_some());
        // A value read again is about as long as it was: a much longer reading took in
        // the line below it (an address, interleaved word by word).
        let zu_lang = luecke.bisher.as_ref().is_some_and(|(alt, _)| {
            let alt = alt.split(super::metadaten::KONFIDENZ).next().unwrap_or(alt);
            text.chars().count() > alt.chars().count() * 3 / 2 + 2
        });
        if k >= 50.0 && !text.is_empty() && !ist_label && !zu_lang {
            return Some((text, k));
        }
    }
    // A lone letter neither reading gave: read enlarged, as tesseract reads it best ("C"
    // at 200 dpi came as "cC", three times larger as "C"). Taken when surely read.
    if luecke.feld == "index" && luecke.bisher.is_none() {
        for &r in &orte {
            let Ok((text, k)) = engine.zeile(img, dpi, r, None, true) else {
                continue;
            };
            let text = text
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_string();
            if k >= 50.0
                && (1..=3).contains(&text.chars().count())
                && text.chars().all(char::is_alphanumeric)
            {
                return Some((text, k));
            }
        }
    }
    None
}

/// The characters of an index ("C", "c", "03").
const INDEX_ZEICHEN: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Fields a title block at its standard place must give for the other places not to be tried.
const GENUG_FELDER: usize = 4;

/// Fields of a full title block (Bauherr, Bauvorhaben, Planinhalt, Maßstab, Plan-Nr., Datum,
/// Entwurfsverfasser less one): fewer from one block, and the same place is read again in
/// sparse-text segmentation.
const VOLLE_FELDER: usize = 6;

/// Most vertical lines whose neighbours are counted to pick lines for the reading
/// direction of a sideways sheet.
const MAX_KANDIDATEN: usize = 300;

/// Resolution of the layout analysis that locates the title block.
pub const ORTUNG_DPI: u32 = 100;

/// Whether the page draws anything at all: a page without content streams (or only empty
/// ones) is blank and needs no OCR. Checks the stored lengths only; nothing is decompressed.
fn hat_inhalt(doc: &Document, page: lopdf::ObjectId) -> bool {
    doc.get_page_contents(page).iter().any(|id| {
        doc.get_object(*id)
            .ok()
            .and_then(|o| o.as_stream().ok())
            .is_some_and(|s| !s.content.is_empty())
    })
}

/// Resolutions tried for rendering a page without a scan image, best first.
const RENDER_DPI: [u32; 3] = [300, 200, 150];

/// Renders page `index` for OCR: the whole page at the best resolution within the full-text
/// pixel budget; a page too large for that gets its title block only, at 300 dpi.
/// Returns the image, its dpi, the title block rectangle in it, and whether to OCR it whole.
#[allow(clippy::type_complexity)]
fn gezeichnet(
    maler: Option<&rendern::Seitenmaler>,
    index: usize,
    pw_mm: f64,
    ph_mm: f64,
    nur_a4: bool,
    g: &LeseGrenzen,
) -> Option<(image::GrayImage, u32, Option<(u32, u32, u32, u32)>, bool)> {
    let maler = maler?;
    let px = |mm: f64, dpi: u32| (mm / 25.4 * f64::from(dpi)) as u64;
    if let Some(dpi) = RENDER_DPI
        .into_iter()
        .find(|d| px(pw_mm, *d) * px(ph_mm, *d) <= g.max_volltext_pixel)
    {
        let img = maler.grau(index, dpi, None, g.max_volltext_pixel)?;
        let (iw, ih) = img.dimensions();
        // An A4 page is read whole, once, with the boxes of its words: its text, and a
        // title block wherever it stands (a small plan) or none (a text document).
        let rect = Some(if nur_a4 {
            (0, 0, iw, ih)
        } else {
            schriftfeld_bereich(iw, ih, dpi)
        });
        return Some((img, dpi, rect, true));
    }
    let dpi = RENDER_DPI[0];
    let (w, h) = (px(pw_mm, dpi) as u32, px(ph_mm, dpi) as u32);
    let (x, y, rw, rh) = schriftfeld_bereich(w, h, dpi);
    let img = maler.grau(index, dpi, Some((x, y, rw, rh)), g.max_volltext_pixel)?;
    let (iw, ih) = img.dimensions();
    Some((img, dpi, Some((0, 0, iw, ih)), false))
}

pub fn lese(bytes: &[u8], g: &LeseGrenzen) -> Leseergebnis {
    let mut feststellungen = Vec::new();
    let options = LoadOptions {
        max_decompressed_size: Some(g.max_dekomprimiert),
        ..LoadOptions::default()
    };
    let doc = match Document::load_mem_with_options(bytes, options) {
        Ok(d) if !d.is_encrypted() => d,
        Ok(_) => {
            return Leseergebnis {
                seiten: vec![],
                feststellungen: vec![katalog::verschluesselt()],
                weiter_ab: None,
            };
        }
        Err(e) => {
            return Leseergebnis {
                seiten: vec![],
                feststellungen: vec![katalog::beschaedigt(
                    &e.to_string().chars().take(160).collect::<String>(),
                )],
                weiter_ab: None,
            };
        }
    };
    let mut seen = HashSet::new();
    let pages: Vec<_> = doc
        .page_iter()
        .filter(|id| seen.insert(*id))
        .take(g.max_seiten)
        .collect();
    let mut ocr: Option<Result<Ocr, String>> = None;
    let mut maler: Option<Result<rendern::Seitenmaler, String>> = None;
    let ocr_start = Rechenuhr::start();
    let wand_start = Instant::now();
    let wandfrist = wand_start + Duration::from_millis(g.max_wand_ms);
    let mut budget_erschoepft = false;
    let mut volltext_ausgelassen = false;
    // Time spent on title blocks so far, and how many.
    let mut schriftfeld_ms = (0u64, 0u64);
    let mut seiten = Vec::with_capacity(pages.len());
    let nur: Option<&[OffeneSeite]> = match &g.volltext {
        Volltext::Nur(seiten) => Some(seiten),
        _ => None,
    };
    let mut weiter_ab = None;
    for (i, pid) in pages.iter().enumerate() {
        let nummer = i as u32 + 1;
        if nummer < g.ab_seite {
            continue;
        }
        let drehung_offen = match nur {
            None => 0,
            Some(seiten) => match seiten.iter().find(|o| o.nummer == nummer) {
                Some(o) => o.drehung,
                None => continue,
            },
        };
        let layer = doc
            .extract_text_with_limit(&[nummer], g.max_dekomprimiert)
            .unwrap_or_default();
        if sichtbare_zeichen(&layer) >= g.min_textzeichen {
            // The title block by geometry: each label with the value right of it or below
            // it in its cell, whatever order the text was written in.
            let hoehe_pt = doc
                .get_dictionary(*pid)
                .ok()
                .map(|p| super::pruefen::page_size(&doc, p).1)
                .unwrap_or(842.0);
            let woerter = super::textlage::woerter(&doc, *pid, g.max_dekomprimiert, hoehe_pt);
            let schriftfeld =
                Some(super::metadaten::ordne_schriftfeld(&woerter)).filter(|t| !t.is_empty());
            seiten.push(SeitenText {
                nummer,
                quelle: Some("textebene".into()),
                text: layer,
                schriftfeld,
                konfidenz: None,
                ocr_ms: None,
                volltext_offen: None,
            });
            continue;
        }
        // No usable text layer: read the scan, or render the page.
        let leer = SeitenText {
            nummer,
            quelle: None,
            text: layer.clone(),
            schriftfeld: None,
            konfidenz: None,
            ocr_ms: None,
            volltext_offen: None,
        };
        if !hat_inhalt(&doc, *pid) {
            seiten.push(leer);
            continue;
        }
        let ueber_zeit = ocr_start.elapsed().as_millis() as u64 >= g.max_ocr_ms_schriftfelder
            || Instant::now() >= wandfrist;
        // The pipeline reads on in another child, unless this one has read nothing yet (then
        // this page still: every child gets further).
        if ueber_zeit && g.volltext == Volltext::Spaeter && schriftfeld_ms.1 > 0 {
            weiter_ab = Some(nummer);
            break;
        }
        if ueber_zeit && g.volltext != Volltext::Spaeter {
            if !budget_erschoepft {
                budget_erschoepft = true;
                let grenze = if Instant::now() >= wandfrist {
                    format!("{} s je Dokument", g.max_wand_ms / 1000)
                } else {
                    format!(
                        "{} s Rechenzeit je Dokument",
                        g.max_ocr_ms_schriftfelder / 1000
                    )
                };
                feststellungen.push(katalog::grenze_erreicht(
                    &format!(
                        "Texterkennung ab Seite {nummer} nicht mehr ausgeführt (Zeitlimit {grenze})"
                    ),
                    Some(nummer),
                ));
            }
            seiten.push(leer);
            continue;
        }
        let page = doc.get_dictionary(*pid).ok();
        let (pw_mm, ph_mm) = page
            .map(|p| super::pruefen::page_size(&doc, p))
            .map(|(w, h)| {
                (
                    w * plankammer_domain::papierformat::MM_PER_PT,
                    h * plankammer_domain::papierformat::MM_PER_PT,
                )
            })
            .unwrap_or((210.0, 297.0));
        let resources = page
            .and_then(|p| super::pruefen::inherited(&doc, p, b"Resources"))
            .and_then(|o| super::pruefen::deref_dict(&doc, o));
        let scan = match resources.and_then(|r| bild::groesstes_bild(&doc, r)) {
            None => None,
            Some((stream, w, h)) => {
                match bild::dekodiere(stream, w, h, g.max_pixel, g.max_dekomprimiert) {
                    Ok(img) => Some(img),
                    Err(BildFehler::ZuGross(px, max)) => {
                        feststellungen.push(katalog::grenze_erreicht(
                            &format!(
                                "Bild mit {} Megapixeln (höchstens {} werden gelesen)",
                                px / 1_000_000,
                                max / 1_000_000
                            ),
                            Some(nummer),
                        ));
                        seiten.push(SeitenText {
                            text: String::new(),
                            ..leer
                        });
                        continue;
                    }
                    // JBIG2, CCITT, JPEG 2000 …: hayro decodes them when it renders the page.
                    Err(BildFehler::NichtUnterstuetzt(_)) => None,
                    Err(BildFehler::Defekt(why)) => {
                        feststellungen.push(Feststellung {
                            code: "ocr.bild_defekt".into(),
                            schwere: Schwere::Warnung,
                            meldung: format!("Das Bild der Seite {nummer} ist beschädigt ({why}); ihr Text wurde nicht gelesen."),
                            seite: Some(nummer),
                        });
                        seiten.push(SeitenText {
                            text: String::new(),
                            ..leer
                        });
                        continue;
                    }
                }
            }
        };
        let engine = ocr.get_or_insert_with(|| Ocr::neu(&g.tessdata, &g.sprache));
        let engine = match engine {
            Ok(e) => {
                e.setze_wandfrist(wandfrist);
                e
            }
            Err(why) => {
                feststellungen.push(katalog::verarbeitung_abgebrochen(&format!(
                    "Texterkennung nicht verfügbar: {why}"
                )));
                return Leseergebnis {
                    seiten,
                    feststellungen,
                    weiter_ab: None,
                };
            }
        };
        // A4 pages (text documents) have no title block to read first.
        let nur_a4 = pw_mm.max(ph_mm) <= 300.0;
        // Wall-clock time for the record, CPU time for the budget.
        let start = Instant::now();
        let start_cpu = Rechenuhr::start();
        let auftrag = match scan {
            Some(img) => {
                // The scan as a viewer shows it: a page turned by /Rotate is turned back
                // upright before OCR (the page size is already the displayed one).
                let drehung = page
                    .and_then(|p| super::pruefen::inherited(&doc, p, b"Rotate"))
                    .and_then(|o| o.as_i64().ok())
                    .map_or(0, |r| r.rem_euclid(360));
                let img = match drehung {
                    90 | 180 | 270 => drehe(&img, drehung as u16),
                    _ => img,
                };
                let (iw, ih) = img.dimensions();
                let dpi = super::pruefen::dpi(u64::from(iw), u64::from(ih), pw_mm, ph_mm).max(50);
                let volltext = (iw as u64) * (ih as u64) <= g.max_volltext_pixel;
                let rect = Some(if nur_a4 {
                    (0, 0, iw, ih)
                } else {
                    schriftfeld_bereich(iw, ih, dpi)
                });
                Some((img, dpi, rect, volltext))
            }
            None => {
                let maler = maler.get_or_insert_with(|| rendern::Seitenmaler::neu(bytes));
                gezeichnet(maler.as_ref().ok(), i, pw_mm, ph_mm, nur_a4, g)
            }
        };
        let Some((mut img, dpi, rect, volltext)) = auftrag else {
            feststellungen.push(Feststellung {
                code: "ocr.nicht_gezeichnet".into(),
                schwere: Schwere::Hinweis,
                meldung: format!("Seite {nummer} hat keine Textebene und konnte für die Texterkennung nicht gezeichnet werden; ihr Text fehlt in der Suche."),
                seite: Some(nummer),
            });
            seiten.push(leer);
            continue;
        };
        let budget = Duration::from_millis(g.max_ocr_ms_je_seite);
        let mut zeitlimit = false;
        let mut schriftfeld = None;
        let mut text = String::new();
        let mut konfidenz = None;
        let ganz = rect.is_some_and(|r| r == (0, 0, img.width(), img.height()));
        let mut luecken = Vec::new();
        // The words of the reading kept, and the place they were read from.
        let mut beste_woerter: Vec<super::ocr::Wort> = Vec::new();
        let mut bester_ort = (0, 0, 0, 0);
        // Degrees the title block reading turned the page beyond its /Rotate.
        let mut gedreht_um = 0u16;
        if nur.is_some() {
            // The full text only, of the page as the title block reading found it.
            img = match drehung_offen {
                90 | 270 => drehe(&img, drehung_offen),
                _ => img,
            };
        } else if let Some(rect) = rect {
            engine.setze_zeitlimit(budget);
            let t0 = Rechenuhr::start();
            // The standard place first, in sparse-text segmentation: it finds the cells of
            // boxes, strips and bands, with labels above or left of their values, in any
            // order (one block read fewer fields of the development split: 89.7 against
            // 92.6 % with the rule below). Most title blocks stand there, and then nothing
            // else is needed.
            if let Ok((woerter, k, ende)) = engine.woerter(&img, dpi, rect, true) {
                konfidenz = Some(k);
                zeitlimit |= ende == Ende::Zeitlimit;
                // Rebuilt cell by cell from the word boxes, in the text-layer layout.
                let (t, l) = super::metadaten::ordne_schriftfeld_mit_luecken(&woerter);
                luecken = l;
                schriftfeld = Some(t).filter(|t| !ganz || !t.is_empty());
                if ganz {
                    text = text_aus_woertern(&woerter);
                }
                (beste_woerter, bester_ort) = (woerter, rect);
            }
            // Fewer than a full title block's fields at the standard place: the title block
            // is elsewhere (a strip, a band, another corner), larger (a band reaches far
            // beyond it), or the sheet was scanned sideways. The page's layout at low
            // resolution, once, tells which way up it lies and where else to look. The
            // other places are read in turn until one gives a full block; the place that
            // gives the most fields wins. Stopping at the first place with some fields kept
            // the part of a band the standard place cuts out.
            let mut bestes = schriftfeld.as_deref().map(ergiebig).unwrap_or(0);
            // The layout of `img` as it is now, once analysed.
            let mut lage = None;
            if bestes < VOLLE_FELDER && !zeitlimit && !ganz {
                lage = Lage::analysiere(engine, &img, dpi);
                // Turned upright: its standard place is one of the places to read.
                let mut gedreht_neu = false;
                // A sheet scanned sideways is turned upright, and read again (its standard
                // place among the others): what was read of it as it lay is void.
                if let Some(l) = lage.as_ref().filter(|l| l.seitlich())
                    && let Some(grad) = lesrichtung(engine, &img, dpi, l)
                {
                    img = drehe(&img, grad);
                    gedreht_um = grad;
                    lage = Some(l.gedreht(grad));
                    (schriftfeld, konfidenz, luecken, bestes) = (None, None, Vec::new(), 0);
                    beste_woerter.clear();
                    gedreht_neu = true;
                }
                let (w, h) = img.dimensions();
                let orte = match &lage {
                    Some(l) => l.orte(w, h, dpi, gedreht_neu),
                    None => Lage::ohne_zeilen(w, h, dpi).orte(w, h, dpi, gedreht_neu),
                };
                for r in orte {
                    let rest = budget.saturating_sub(t0.elapsed());
                    if rest.is_zero() {
                        zeitlimit = true;
                        break;
                    }
                    engine.setze_zeitlimit(rest);
                    if let Ok((woerter, k, ende)) = engine.woerter(&img, dpi, r, true) {
                        zeitlimit |= ende == Ende::Zeitlimit;
                        let (text, l) = super::metadaten::ordne_schriftfeld_mit_luecken(&woerter);
                        let n = ergiebig(&text);
                        // The first reading is kept even without fields: its words are the
                        // page's search text until the full text is read.
                        if n > bestes || schriftfeld.is_none() {
                            bestes = n;
                            konfidenz = Some(k);
                            schriftfeld = Some(text);
                            luecken = l;
                            (beste_woerter, bester_ort) = (woerter, r);
                        }
                    }
                    if bestes >= VOLLE_FELDER {
                        break;
                    }
                }
            }
            // Still too little: a sheet scanned sideways (without /Rotate). Turned a quarter
            // either way, its standard place and the place its layout suggests are tried;
            // the turn that gives most fields is the page from now on (its full text too).
            if bestes < GENUG_FELDER && !zeitlimit && !ganz {
                // The turns not tried yet, relative to the page as scanned: the other way
                // first when the sheet was turned already (its reading direction was
                // misjudged), else a quarter clockwise, then counter-clockwise.
                let wendungen: &[u16] = match gedreht_um {
                    90 => &[270, 0],
                    270 => &[90, 0],
                    _ => &[90, 270],
                };
                for &grad in wendungen {
                    let relativ = (grad + 360 - gedreht_um) % 360;
                    let gedreht = drehe(&img, relativ);
                    let (gw, gh) = gedreht.dimensions();
                    // The layout analysed above, turned with the page (not analysed again).
                    let lage_gedreht = match &lage {
                        Some(l) => l.gedreht(relativ),
                        None => Lage::ohne_zeilen(gw, gh, dpi),
                    };
                    let orte = std::iter::once(schriftfeld_bereich(gw, gh, dpi))
                        .chain(lage_gedreht.orte(gw, gh, dpi, false).into_iter().take(1));
                    let mut besser = false;
                    for r in orte {
                        let rest = budget.saturating_sub(t0.elapsed());
                        if rest.is_zero() {
                            zeitlimit = true;
                            break;
                        }
                        engine.setze_zeitlimit(rest);
                        if let Ok((woerter, k, ende)) = engine.woerter(&gedreht, dpi, r, true) {
                            zeitlimit |= ende == Ende::Zeitlimit;
                            let (text, l) =
                                super::metadaten::ordne_schriftfeld_mit_luecken(&woerter);
                            let n = ergiebig(&text);
                            if n > bestes {
                                bestes = n;
                                konfidenz = Some(k);
                                schriftfeld = Some(text);
                                luecken = l;
                                besser = true;
                                (beste_woerter, bester_ort) = (woerter, r);
                            }
                        }
                        if bestes >= GENUG_FELDER {
                            break;
                        }
                    }
                    if besser {
                        img = gedreht;
                        gedreht_um = grad;
                    }
                    if bestes >= GENUG_FELDER || zeitlimit {
                        break;
                    }
                }
            }
            // Ink the reading passed over (a label in small capitals, a lone letter): each
            // such place read on its own, and the title block rebuilt with its words. Kept
            // where it gives no fewer fields.
            if schriftfeld.is_some() && !zeitlimit {
                let stellen = super::ocr::ungelesene_stellen(
                    &img,
                    bester_ort,
                    &beste_woerter,
                    dpi,
                    MAX_UNGELESEN,
                );
                let alle = ungelesenes_lesen(engine, &img, dpi, stellen, &beste_woerter, || {
                    budget.saturating_sub(t0.elapsed())
                });
                if alle != beste_woerter {
                    let (t, l) = super::metadaten::ordne_schriftfeld_mit_luecken(&alle);
                    if ergiebig(&t) >= bestes {
                        schriftfeld = Some(t);
                        luecken = l;
                    }
                }
            }
            // Labels whose value was passed over: their cell read again as one line.
            if let Some(text) = schriftfeld.as_mut()
                && !zeitlimit
            {
                for luecke in luecken.iter().take(MAX_NACHLESEN) {
                    let rest = budget.saturating_sub(t0.elapsed());
                    if rest.is_zero() {
                        break;
                    }
                    engine.setze_zeitlimit(rest);
                    let Some((wert, k)) = nachlesen(engine, &img, dpi, luecke) else {
                        continue;
                    };
                    let neu = format!(
                        "{}\n{wert}{}{:.0}]\n",
                        luecke.label,
                        super::metadaten::KONFIDENZ,
                        k.clamp(0.0, 99.0)
                    );
                    match &luecke.bisher {
                        // An uncertain value: replaced where the second reading is surer.
                        Some((zeile, alt)) if k > *alt => {
                            *text = text.replacen(&format!("{}\n{zeile}\n", luecke.label), &neu, 1);
                        }
                        Some(_) => {}
                        None => text.push_str(&neu),
                    }
                }
            }
            schriftfeld_ms.0 += t0.elapsed().as_millis() as u64;
            schriftfeld_ms.1 += 1;
        }
        // The full text (for search) only while the title blocks of the pages after this
        // one still fit, estimated from those read so far.
        let verbraucht = ocr_start.elapsed().as_millis() as u64;
        let je_schriftfeld = schriftfeld_ms.0 / schriftfeld_ms.1.max(1);
        let reserve = je_schriftfeld * (pages.len() - i - 1) as u64;
        let volltext_zeit =
            verbraucht < g.max_ocr_ms_gesamt && verbraucht + reserve < g.max_ocr_ms_schriftfelder;
        let mut volltext_offen = None;
        if ganz && nur.is_none() {
            // Read whole already.
        } else if volltext && g.volltext == Volltext::Spaeter {
            volltext_offen = Some(gedreht_um);
        } else if volltext && !volltext_zeit {
            if !volltext_ausgelassen {
                volltext_ausgelassen = true;
                feststellungen.push(Feststellung {
                    code: "ocr.volltext_ausgelassen".into(),
                    schwere: Schwere::Hinweis,
                    meldung: format!("Ab Seite {nummer} wurde nur das Schriftfeld erkannt, nicht der ganze Plan: die Zeit für die Texterkennung reichte nicht für beides (Schriftfelder zuerst)."),
                    seite: Some(nummer),
                });
            }
        } else if volltext && !zeitlimit {
            engine.setze_zeitlimit(budget.saturating_sub(start_cpu.elapsed()));
            if let Ok(t) = engine.erkenne(&img, dpi, None) {
                konfidenz = Some(t.konfidenz);
                zeitlimit |= t.ende == Ende::Zeitlimit;
                text = t.text;
            }
        } else if !volltext {
            feststellungen.push(Feststellung {
                code: "ocr.nur_schriftfeld".into(),
                schwere: Schwere::Hinweis,
                meldung: format!("Seite {nummer} ist sehr groß; erkannt wurde nur das Schriftfeld, nicht der ganze Plan."),
                seite: Some(nummer),
            });
        }
        if text.is_empty() {
            text = schriftfeld.clone().unwrap_or_default();
        }
        if zeitlimit {
            feststellungen.push(Feststellung {
                code: "ocr.zeitlimit".into(),
                schwere: Schwere::Hinweis,
                meldung: format!(
                    "Die Texterkennung der Seite {nummer} wurde nach {} s Rechenzeit abgebrochen (Zeitlimit je Seite); ihr Text ist unvollständig.",
                    g.max_ocr_ms_je_seite.div_ceil(1000)
                ),
                seite: Some(nummer),
            });
        }
        seiten.push(SeitenText {
            nummer,
            quelle: Some("ocr".into()),
            text,
            schriftfeld,
            konfidenz,
            ocr_ms: Some(start.elapsed().as_millis() as u64),
            volltext_offen,
        });
    }
    Leseergebnis {
        seiten,
        feststellungen,
        weiter_ab,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text line boxes (pixels at 100 dpi) of an A1 landscape sheet (841 × 594 mm): room
    /// labels spread over the drawing, plus the title block's lines in `feld`.
    fn blatt(feld: &[(f64, f64)]) -> Vec<(i32, i32, i32, i32)> {
        let px = |mm: f64| (mm / 25.4 * 100.0).round() as i32;
        let mut z: Vec<(i32, i32, i32, i32)> = [
            (120.0, 80.0),
            (300.0, 150.0),
            (450.0, 300.0),
            (200.0, 420.0),
            (600.0, 200.0),
            (700.0, 90.0),
            (380.0, 480.0),
        ]
        .iter()
        .map(|&(x, y)| (px(x), px(y), px(x + 30.0), px(y + 4.0)))
        .collect();
        z.extend(
            feld.iter()
                .map(|&(x, y)| (px(x), px(y), px(x + 40.0), px(y + 3.0))),
        );
        z
    }

    #[test]
    fn the_title_block_is_found_where_its_lines_crowd() {
        let (w, h) = (3311, 2339);
        let mm = |p: u32| f64::from(p) / 100.0 * 25.4;
        // A strip along the right edge, 60 mm wide, from the top to the bottom.
        let strip: Vec<(f64, f64)> = (0..28)
            .map(|i| (775.0 + f64::from(i % 2) * 5.0, 20.0 + f64::from(i) * 20.0))
            .collect();
        let (x, y, rw, rh) = schriftfeld_finden(&blatt(&strip), w, h, 100).unwrap();
        assert!(mm(x) > 760.0 && mm(x) < 775.0, "{}", mm(x));
        assert!(
            mm(y) < 20.0 && mm(y + rh) > 560.0,
            "{} {}",
            mm(y),
            mm(y + rh)
        );
        assert!(mm(x + rw) <= 841.0);
        // A box bottom right, 180 × 80 mm.
        let box_: Vec<(f64, f64)> = (0..16)
            .map(|i| {
                (
                    640.0 + f64::from(i % 4) * 45.0,
                    505.0 + f64::from(i / 4) * 20.0,
                )
            })
            .collect();
        let (x, y, rw, rh) = schriftfeld_finden(&blatt(&box_), w, h, 100).unwrap();
        assert!(mm(x) > 625.0 && mm(x) < 640.0, "{}", mm(x));
        assert!(mm(y) > 490.0 && mm(y) < 505.0, "{}", mm(y));
        assert!(mm(x + rw) > 815.0 && mm(y + rh) > 570.0);
        // A band along the bottom across the whole sheet.
        let band: Vec<(f64, f64)> = (0..18)
            .map(|i| {
                (
                    30.0 + f64::from(i / 2) * 90.0,
                    555.0 + f64::from(i % 2) * 15.0,
                )
            })
            .collect();
        let (x, y, rw, _) = schriftfeld_finden(&blatt(&band), w, h, 100).unwrap();
        assert!(
            mm(x) < 40.0 && mm(x + rw) > 780.0,
            "{} {}",
            mm(x),
            mm(x + rw)
        );
        assert!(mm(y) > 540.0, "{}", mm(y));
        // No crowd anywhere: nothing found, the caller falls back to bottom right.
        assert_eq!(schriftfeld_finden(&blatt(&[]), w, h, 100), None);
    }

    #[test]
    fn a_strip_found_is_read_once_and_a_page_turned_upright_from_its_standard_place() {
        let (w, h) = (3311, 2339);
        let strip: Vec<(f64, f64)> = (0..28)
            .map(|i| (775.0 + f64::from(i % 2) * 5.0, 20.0 + f64::from(i) * 20.0))
            .collect();
        let lage = Lage {
            k: 1,
            kw: w,
            kh: h,
            dpi: 100,
            zeilen: blatt(&strip),
        };
        let orte = lage.orte(w, h, 100, false);
        // The strip found, the band and the two corners; not the fixed strip again.
        assert_eq!(orte.len(), 4, "{orte:?}");
        assert_eq!(
            orte[0],
            schriftfeld_finden(&lage.zeilen, w, h, 100).unwrap()
        );
        assert!(orte[1..].iter().all(|r| r.3 < h), "{orte:?}");
        // Turned upright: the standard place first, then the same.
        let gedreht = lage.orte(w, h, 100, true);
        assert_eq!(gedreht[0], schriftfeld_bereich(w, h, 100));
        assert_eq!(&gedreht[1..], &orte[..]);
        // Without lines: the fixed places, the strip among them.
        let leer = Lage::ohne_zeilen(w, h, 100).orte(w, h, 100, false);
        assert_eq!(leer.len(), 4);
        assert_eq!(leer[0], (w - 433, 0, 433, h));
    }

    #[test]
    fn a_copy_k_times_smaller_is_the_mean_of_its_squares() {
        // 5 × 3 pixels, k = 2: one row of two squares; the last column and row are dropped.
        let img = image::GrayImage::from_raw(
            5,
            3,
            vec![0, 100, 200, 200, 9, 100, 200, 40, 40, 9, 7, 7, 7, 7, 7],
        )
        .unwrap();
        let klein = verkleinert(&img, 2);
        assert_eq!(klein.dimensions(), (2, 1));
        assert_eq!(klein.as_raw(), &vec![100, 120]);
        // k = 1 is the image itself.
        assert_eq!(verkleinert(&img, 1), img);
    }

    #[test]
    fn lines_for_the_reading_direction_are_few_whatever_the_page_gives() {
        // 20,000 vertical lines 3 mm thick, 12–40 mm long (a page of hatching at 100 dpi).
        let zeilen: Vec<(i32, i32, i32, i32)> = (0..20_000)
            .map(|i| {
                let (x, y) = ((i % 300) * 11, (i / 300) * 70);
                (x, y, x + 12, y + 48 + i % 110)
            })
            .collect();
        let lage = Lage {
            k: 2,
            kw: 3400,
            kh: 4800,
            dpi: 100,
            zeilen,
        };
        let gewaehlt = lage.hoechste_zeilen(8);
        assert_eq!(gewaehlt.len(), 8);
        // In pixels of the page (k = 2), with a margin: as long as the longest line.
        assert!(
            gewaehlt.iter().any(|z| z.3 >= (48 + 109) * 2),
            "{gewaehlt:?}"
        );
    }

    #[test]
    fn turning_in_tiles_is_turning_pixel_by_pixel() {
        // Not a multiple of the tile either way.
        let img = image::GrayImage::from_fn(131, 70, |x, y| {
            image::Luma([((x * 7 + y * 13) % 251) as u8])
        });
        assert_eq!(drehe(&img, 90), image::imageops::rotate90(&img));
        assert_eq!(drehe(&img, 180), image::imageops::rotate180(&img));
        assert_eq!(drehe(&img, 270), image::imageops::rotate270(&img));
        assert_eq!(drehe(&img, 0), img);
    }

    #[test]
    fn sideways_text_is_told_from_upright_text_by_its_lines() {
        let lage = |zeilen: Vec<(i32, i32, i32, i32)>| Lage {
            k: 2,
            kw: 400,
            kh: 300,
            dpi: 100,
            zeilen,
        };
        // An upright sheet: long horizontal lines, and some vertical dimension text.
        let aufrecht = lage(vec![
            (10, 10, 200, 22),
            (10, 40, 150, 52),
            (300, 200, 390, 210),
            (5, 100, 15, 160),
        ]);
        assert!(!aufrecht.seitlich());
        // The same sheet turned a quarter: its lines run down the page.
        let quer = aufrecht.gedreht(90);
        assert_eq!((quer.kw, quer.kh), (300, 400));
        assert!(quer.seitlich());
        assert!(!lage(vec![]).seitlich());
        // Boxes turn as image::imageops turns pixels: the pixel at the box's top left
        // corner lands on the corner of the turned box.
        let img = {
            let mut i = image::GrayImage::new(400, 300);
            i.put_pixel(10, 40, image::Luma([255]));
            i.put_pixel(149, 51, image::Luma([255]));
            i
        };
        for grad in [90u16, 180, 270] {
            let gedreht = drehe(&img, grad);
            let (l, t, r, b) = aufrecht.gedreht(grad).zeilen[1];
            let hell: Vec<(u32, u32)> = gedreht
                .enumerate_pixels()
                .filter(|p| p.2.0[0] == 255)
                .map(|p| (p.0, p.1))
                .collect();
            for (x, y) in hell {
                let (x, y) = (x as i32, y as i32);
                assert!(
                    x >= l - 1 && x <= r && y >= t - 1 && y <= b,
                    "{grad}: {x},{y} in {l},{t},{r},{b}"
                );
            }
        }
    }

    #[test]
    fn unread_places_are_taken_only_with_a_label_and_no_word_twice() {
        let w = |text: &str, links: i32, oben: i32, breite: i32, konfidenz: f32| {
            super::super::ocr::Wort {
                text: text.into(),
                links,
                oben,
                breite,
                hoehe: 20,
                konfidenz,
                zeile: (1, 1, 1),
            }
        };
        let vorher = vec![
            w("Anbau", 100, 100, 80, 95.0),
            w("Auttraggeter:", 100, 200, 120, 0.0),
            w("100", 300, 300, 40, 96.0),
        ];
        // A place without a label: a revision table's letters are not taken.
        let mut alle = vorher.clone();
        nimm_ungelesenes(&mut alle, (0, 0, 500, 500), vec![w("B", 10, 10, 15, 93.0)]);
        assert_eq!(alle, vorher);
        // A scale or a date stands on its own.
        let mut mit_wert = vorher.clone();
        nimm_ungelesenes(
            &mut mit_wert,
            (0, 400, 90, 40),
            vec![w("1:200", 10, 410, 60, 85.0)],
        );
        assert_eq!(mit_wert.len(), 4);
        // A label: the unsure reading there gives way; a sure word read again stays as it
        // was ("Anbaı"), one read more fully is replaced ("1:100" over "100").
        nimm_ungelesenes(
            &mut alle,
            (90, 90, 300, 250),
            vec![
                w("Anbaı", 102, 101, 78, 70.0),
                w("Auftraggeber:", 100, 200, 120, 95.0),
                w("1:100", 280, 300, 60, 90.0),
            ],
        );
        let texte: Vec<&str> = alle.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texte, ["Anbau", "Auftraggeber:", "1:100"]);
    }

    #[test]
    fn title_block_region_is_bottom_right_and_clipped() {
        // A1 landscape at 100 dpi: 3311 × 2339 px; 230 × 125 mm is 906 × 492 px.
        assert_eq!(
            schriftfeld_bereich(3311, 2339, 100),
            (3311 - 906, 2339 - 492, 906, 492)
        );
        // A small image: the whole image.
        assert_eq!(schriftfeld_bereich(100, 100, 300), (0, 0, 100, 100));
    }
}
