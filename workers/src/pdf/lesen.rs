//! The extract stage: text per page from the text layer (lopdf); pages without usable text
//! are OCR'd from their scanned image, title block (Schriftfeld, bottom right) first, the
//! whole page only within a pixel budget. Runs in the sandbox.

use super::bild::{self, BildFehler};
use super::ocr::Ocr;
use lopdf::{Document, LoadOptions};
use plankammer_domain::feststellung::{Feststellung, Schwere, katalog};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Instant;

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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leseergebnis {
    pub seiten: Vec<SeitenText>,
    pub feststellungen: Vec<Feststellung>,
}

fn sichtbare_zeichen(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// The title block region of a page image: DIN EN ISO 7200 puts it bottom right, at most
/// 180 mm wide; we take 200 × 110 mm (clipped) to allow for margins and skew.
pub fn schriftfeld_bereich(w: u32, h: u32, dpi: u32) -> (u32, u32, u32, u32) {
    let px = |mm: f64| (mm / 25.4 * dpi as f64).round() as u32;
    let rw = px(200.0).min(w);
    let rh = px(110.0).min(h);
    (w - rw, h - rh, rw, rh)
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
            };
        }
        Err(e) => {
            return Leseergebnis {
                seiten: vec![],
                feststellungen: vec![katalog::beschaedigt(
                    &e.to_string().chars().take(160).collect::<String>(),
                )],
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
    let mut seiten = Vec::with_capacity(pages.len());
    for (i, pid) in pages.iter().enumerate() {
        let nummer = i as u32 + 1;
        let layer = doc
            .extract_text_with_limit(&[nummer], g.max_dekomprimiert)
            .unwrap_or_default();
        if sichtbare_zeichen(&layer) >= g.min_textzeichen {
            seiten.push(SeitenText {
                nummer,
                quelle: Some("textebene".into()),
                text: layer,
                schriftfeld: None,
                konfidenz: None,
                ocr_ms: None,
            });
            continue;
        }
        // No usable text layer: read the scan.
        let page = doc.get_dictionary(*pid).ok();
        let resources = page
            .and_then(|p| super::pruefen::inherited(&doc, p, b"Resources"))
            .and_then(|o| super::pruefen::deref_dict(&doc, o));
        let Some((stream, w, h)) = resources.and_then(|r| bild::groesstes_bild(&doc, r)) else {
            seiten.push(SeitenText {
                nummer,
                quelle: None,
                text: layer,
                schriftfeld: None,
                konfidenz: None,
                ocr_ms: None,
            });
            continue;
        };
        let img = match bild::dekodiere(stream, w, h, g.max_pixel, g.max_dekomprimiert) {
            Ok(img) => img,
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
                    nummer,
                    quelle: None,
                    text: String::new(),
                    schriftfeld: None,
                    konfidenz: None,
                    ocr_ms: None,
                });
                continue;
            }
            Err(BildFehler::NichtUnterstuetzt(f)) => {
                feststellungen.push(Feststellung {
                    code: "ocr.bildformat".into(),
                    schwere: Schwere::Hinweis,
                    meldung: format!("Der Text der eingescannten Seite {nummer} wurde nicht gelesen: das Bildformat ({f}) wird noch nicht unterstützt."),
                    seite: Some(nummer),
                });
                seiten.push(SeitenText {
                    nummer,
                    quelle: None,
                    text: String::new(),
                    schriftfeld: None,
                    konfidenz: None,
                    ocr_ms: None,
                });
                continue;
            }
            Err(BildFehler::Defekt(why)) => {
                feststellungen.push(Feststellung {
                    code: "ocr.bild_defekt".into(),
                    schwere: Schwere::Warnung,
                    meldung: format!("Das Bild der Seite {nummer} ist beschädigt ({why}); ihr Text wurde nicht gelesen."),
                    seite: Some(nummer),
                });
                seiten.push(SeitenText {
                    nummer,
                    quelle: None,
                    text: String::new(),
                    schriftfeld: None,
                    konfidenz: None,
                    ocr_ms: None,
                });
                continue;
            }
        };
        let engine = ocr.get_or_insert_with(|| Ocr::neu(&g.tessdata, &g.sprache));
        let engine = match engine {
            Ok(e) => e,
            Err(why) => {
                feststellungen.push(katalog::verarbeitung_abgebrochen(&format!(
                    "Texterkennung nicht verfügbar: {why}"
                )));
                return Leseergebnis {
                    seiten,
                    feststellungen,
                };
            }
        };
        let (pw_mm, ph_mm) = page
            .map(|p| super::pruefen::page_size(&doc, p))
            .map(|(w, h)| {
                (
                    w * plankammer_domain::papierformat::MM_PER_PT,
                    h * plankammer_domain::papierformat::MM_PER_PT,
                )
            })
            .unwrap_or((210.0, 297.0));
        let (iw, ih) = img.dimensions();
        let dpi = super::pruefen::dpi(u64::from(iw), u64::from(ih), pw_mm, ph_mm).max(50);
        let start = Instant::now();
        let gross = (iw as u64) * (ih as u64) > g.max_volltext_pixel;
        // A4 pages (text documents) have no title block to read first.
        let nur_a4 = pw_mm.max(ph_mm) <= 300.0;
        let mut schriftfeld = None;
        let mut text = String::new();
        let mut konfidenz = None;
        if !nur_a4 {
            let rect = schriftfeld_bereich(iw, ih, dpi);
            if let Ok((woerter, k)) = engine.woerter(&img, dpi, rect) {
                konfidenz = Some(k);
                // Rebuilt cell by cell from the word boxes, in the text-layer layout.
                schriftfeld = Some(super::metadaten::ordne_schriftfeld(&woerter));
            }
        }
        if !gross {
            if let Ok(t) = engine.erkenne(&img, dpi, None) {
                konfidenz = Some(t.konfidenz);
                text = t.text;
            }
        } else {
            feststellungen.push(Feststellung {
                code: "ocr.nur_schriftfeld".into(),
                schwere: Schwere::Hinweis,
                meldung: format!("Seite {nummer} ist sehr groß; erkannt wurde nur das Schriftfeld, nicht der ganze Plan."),
                seite: Some(nummer),
            });
            text = schriftfeld.clone().unwrap_or_default();
        }
        seiten.push(SeitenText {
            nummer,
            quelle: Some("ocr".into()),
            text,
            schriftfeld,
            konfidenz,
            ocr_ms: Some(start.elapsed().as_millis() as u64),
        });
    }
    Leseergebnis {
        seiten,
        feststellungen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_block_region_is_bottom_right_and_clipped() {
        // A1 landscape at 100 dpi: 3311 × 2339 px; 200 × 110 mm is 787 × 433 px.
        assert_eq!(
            schriftfeld_bereich(3311, 2339, 100),
            (3311 - 787, 2339 - 433, 787, 433)
        );
        // A small image: the whole image.
        assert_eq!(schriftfeld_bereich(100, 100, 300), (0, 0, 100, 100));
    }
}
