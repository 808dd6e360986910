//! Ground truth files: one JSON per PDF with the same stem, and `index.json` per set.
//! The shape is fixed; the pipeline and its accuracy benchmark read it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub datei: String,
    /// `vektor`, `scan` or `kurven` (a vector plan whose text is drawn as glyph outlines:
    /// no text layer, no fonts, no images); `gemischt` for the large benchmark file.
    pub art: String,
    /// A note on what is special about the file (only where there is something to say).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hinweis: Option<String>,
    pub seiten: Vec<Seite>,
    pub planart: Option<String>,
    pub anlageart: Option<String>,
    pub schriftfeld: Option<Schriftfeld>,
    pub schriftfeld_bereich_mm: Option<Bereich>,
    pub schriftarten_eingebettet: bool,
    /// Title-block corpus only: the layout of the title block, e.g. `streifen_rechts`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layout: Option<String>,
    /// Title-block corpus only: `entwicklung` or `evaluation`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub split: Option<String>,
    /// Title-block corpus only: per field of `schriftfeld` that the sheet has, the label
    /// printed for it exactly as printed (case, colon), or `null` when the value stands
    /// without a label. Fields the title block does not have are missing.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub label_variante: Option<BTreeMap<String, Option<String>>>,
    /// Title-block corpus only: how the title block is drawn and the sheet scanned.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub gestaltung: Option<Gestaltung>,
}

/// How a corpus sheet's title block is drawn (and, for scans, how it was scanned).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gestaltung {
    /// `oben` (label above its value) or `links` (label left of its value, same line).
    pub label_lage: String,
    /// Whether cells are ruled with lines.
    pub linien: bool,
    /// Label and value written as one text run (`Maßstab: 1:100`), not two.
    pub einzeilig: bool,
    pub grossbuchstaben: bool,
    pub doppelpunkt: bool,
    /// Font families, e.g. `DejaVu Sans Condensed`.
    pub schrift_label: String,
    pub schrift_wert: String,
    /// Font sizes (em height) in mm.
    pub label_mm: f64,
    pub wert_mm: f64,
    /// Labels of the other cells (not fields): Format, Blatt, gezeichnet, Telefon …
    pub weitere_zellen: Vec<String>,
    /// A revision table (Änderungen) next to the title block, outside its rectangle.
    pub revisionstabelle: bool,
    /// `hoch` or `quer`: the drawing as drawn (for quarter-turned scans not the page's).
    pub zeichnung_ausrichtung: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scan: Option<ScanGestaltung>,
}

/// The scan parameters of a corpus sheet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanGestaltung {
    pub dpi: u32,
    /// `jpeg` or `flate`.
    pub kodierung: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub jpeg_qualitaet: Option<u8>,
    /// Standard deviation of the pixel noise, grey levels.
    pub rauschen: f64,
    /// A 3 × 3 box blur before the noise.
    pub unschaerfe: bool,
    /// Skew, degrees counter-clockwise.
    pub schraeglage_grad: f64,
    /// Quarter turn of the content in the stored image: 0, 90 (counter-clockwise) or -90.
    pub vierteldrehung_grad: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seite {
    pub nummer: u32,
    pub breite_mm: f64,
    pub hoehe_mm: f64,
    pub format: String,
    /// `hoch` (portrait) or `quer` (landscape).
    pub ausrichtung: String,
    pub dpi: Option<u32>,
    pub drehung_grad: f64,
    /// Only in the large benchmark set, where pages differ: what this page is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub inhalt: Option<Box<SeitenInhalt>>,
    /// The page's `/Rotate` (90 or 270), only where it is set. Sizes, `drehung_grad` and
    /// `schriftfeld_bereich_mm` are then those of the page as displayed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rotate: Option<i64>,
}

/// Per-page ground truth of the mixed benchmark file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeitenInhalt {
    pub art: String,
    pub quelle: String,
    pub planart: String,
    pub anlageart: String,
    pub schriftfeld: Schriftfeld,
    pub schriftfeld_bereich_mm: Option<Bereich>,
    pub schriftarten_eingebettet: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schriftfeld {
    pub bauherr: Option<String>,
    pub bauvorhaben: Option<String>,
    pub planinhalt: Option<String>,
    pub massstab: Option<String>,
    pub plannummer: Option<String>,
    pub index: Option<String>,
    pub datum: Option<String>,
    pub entwurfsverfasser: Option<String>,
    pub geschoss: Option<String>,
}

/// A rectangle in mm, origin bottom-left of the page.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bereich {
    pub x: f64,
    pub y: f64,
    pub breite: f64,
    pub hoehe: f64,
}

/// Rounds to 0,1 mm (and degrees to 0,01).
pub fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

pub fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl Bereich {
    pub fn from_rect(r: crate::sheet::Rect) -> Self {
        Bereich {
            x: r1(r.x),
            y: r1(r.y),
            breite: r1(r.w),
            hoehe: r1(r.h),
        }
    }

    /// The axis-aligned bounding box of `r` after rotating the page content by `deg`
    /// (counter-clockwise) about the page centre, clipped to the page.
    pub fn rotated(r: crate::sheet::Rect, deg: f64, page_w: f64, page_h: f64) -> Self {
        let (cx, cy) = (page_w / 2.0, page_h / 2.0);
        let t = deg.to_radians();
        let corners = [
            (r.x, r.y),
            (r.x + r.w, r.y),
            (r.x, r.y + r.h),
            (r.x + r.w, r.y + r.h),
        ];
        let rot: Vec<(f64, f64)> = corners
            .iter()
            .map(|(x, y)| {
                let (dx, dy) = (x - cx, y - cy);
                (
                    cx + dx * t.cos() - dy * t.sin(),
                    cy + dx * t.sin() + dy * t.cos(),
                )
            })
            .collect();
        let x0 = rot.iter().map(|p| p.0).fold(f64::MAX, f64::min).max(0.0);
        let x1 = rot.iter().map(|p| p.0).fold(f64::MIN, f64::max).min(page_w);
        let y0 = rot.iter().map(|p| p.1).fold(f64::MAX, f64::min).max(0.0);
        let y1 = rot.iter().map(|p| p.1).fold(f64::MIN, f64::max).min(page_h);
        Bereich {
            x: r1(x0),
            y: r1(y0),
            breite: r1(x1 - x0),
            hoehe: r1(y1 - y0),
        }
    }
}

/// One entry of `index.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub datei: String,
    pub ground_truth: String,
    pub art: String,
    pub planart: Option<String>,
    pub anlageart: Option<String>,
    pub seiten: usize,
    pub bytes: u64,
    /// Title-block corpus only: the layout of the title block.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layout: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub satz: String,
    pub beschreibung: String,
    pub hinweis: String,
    pub dateien: Vec<IndexEntry>,
}

/// Pretty JSON with a trailing newline.
pub fn to_json<T: Serialize>(v: &T) -> anyhow::Result<Vec<u8>> {
    let mut s = serde_json::to_vec_pretty(v)?;
    s.push(b'\n');
    Ok(s)
}
