//! Words of a page's text layer with their boxes (issue 15): the title block is read by
//! geometry — a value right of its label or below it in the same cell — whatever order the
//! CAD program wrote its text in. The boxes are in the same shape as OCR's words
//! ([`Wort`], top-left origin, y downwards), in tenths of a point, so one reader serves both.
//!
//! A small interpreter of the text operators of PDF 32000-1 §9.4 (text state, text and line
//! matrices, `cm`/`q`/`Q`); glyph widths from the simple fonts' `/Widths`, else half an em.
//! Bounded by the decompressed size of the page content and a number of operations.

use super::ocr::Wort;
use lopdf::content::Content;
use lopdf::{Document, Encoding, Object, ObjectId};
use std::collections::BTreeMap;

/// Operations interpreted per page at most (a hostile page may hold millions).
const MAX_OPERATIONEN: usize = 2_000_000;

/// A 2-D affine matrix [a b c d e f] as PDF writes it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct M([f64; 6]);

impl M {
    const EINS: M = M([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self × o` (first self, then o).
    fn mal(&self, o: &M) -> M {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = o.0;
        M([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }

    fn punkt(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    fn verschoben(x: f64, y: f64) -> M {
        M([1.0, 0.0, 0.0, 1.0, x, y])
    }
}

fn zahl(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

fn matrix(ops: &[Object]) -> Option<M> {
    if ops.len() != 6 {
        return None;
    }
    let mut m = [0.0; 6];
    for (i, o) in ops.iter().enumerate() {
        m[i] = zahl(o)?;
    }
    Some(M(m))
}

/// What is known of a font: its encoding, and the widths of its one-byte codes.
struct Schrift<'a> {
    kodierung: Option<Encoding<'a>>,
    /// (first code, widths in 1/1000 em); empty for composite fonts.
    breiten: (i64, Vec<f64>),
    /// Two bytes per glyph (Type0).
    zweibyte: bool,
}

impl Schrift<'_> {
    fn breite(&self, code: u32) -> f64 {
        let (erste, ws) = &self.breiten;
        let i = i64::from(code) - erste;
        if i >= 0
            && let Some(w) = ws.get(i as usize)
            && *w > 0.0
        {
            return w / 1000.0;
        }
        0.5
    }
}

/// One glyph placed on the page (device space: points, origin bottom left).
#[derive(Clone, Debug)]
struct Zeichen {
    text: String,
    x: f64,
    y: f64,
    breite: f64,
    hoehe: f64,
    /// Runs of one text object on one baseline share it.
    lauf: usize,
}

/// The words of page `page` with their boxes, in tenths of a point from the top left of a
/// page `hoehe_pt` high. Empty where the content cannot be read within `max_bytes`.
pub fn woerter(doc: &Document, page: ObjectId, max_bytes: usize, hoehe_pt: f64) -> Vec<Wort> {
    let Ok(daten) = doc.get_page_content_with_limit(page, max_bytes) else {
        return vec![];
    };
    let Ok(inhalt) = Content::decode(&daten) else {
        return vec![];
    };
    let fonts = doc.get_page_fonts(page).unwrap_or_default();
    let schriften: BTreeMap<Vec<u8>, Schrift<'_>> = fonts
        .iter()
        .map(|(name, f)| {
            let zweibyte = f
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|s| s == b"Type0");
            let erste = f.get(b"FirstChar").ok().and_then(|o| o.as_i64().ok());
            let ws = f
                .get(b"Widths")
                .ok()
                .and_then(|o| match o {
                    Object::Reference(r) => doc.get_object(*r).ok(),
                    o => Some(o),
                })
                .and_then(|o| o.as_array().ok())
                .map(|a| a.iter().map(|x| zahl(x).unwrap_or(0.0)).collect::<Vec<_>>())
                .unwrap_or_default();
            (
                name.clone(),
                Schrift {
                    kodierung: f.get_font_encoding_with_limit(doc, max_bytes).ok(),
                    breiten: (erste.unwrap_or(0), ws),
                    zweibyte,
                },
            )
        })
        .collect();

    let mut zeichen: Vec<Zeichen> = Vec::new();
    let mut ctm = M::EINS;
    let mut stapel: Vec<M> = Vec::new();
    let (mut tm, mut tlm) = (M::EINS, M::EINS);
    let mut schrift: Option<&Schrift<'_>> = None;
    let (mut groesse, mut fuehrung, mut tc, mut tw, mut th, mut rise) =
        (0.0f64, 0.0f64, 0.0f64, 0.0f64, 1.0f64, 0.0f64);
    let mut lauf = 0usize;
    for op in inhalt.operations.iter().take(MAX_OPERATIONEN) {
        let o = &op.operands;
        match op.operator.as_str() {
            "q" if stapel.len() < 64 => stapel.push(ctm),
            "Q" => ctm = stapel.pop().unwrap_or(M::EINS),
            "cm" => {
                if let Some(m) = matrix(o) {
                    ctm = m.mal(&ctm);
                }
            }
            "BT" => {
                tm = M::EINS;
                tlm = M::EINS;
                lauf += 1;
            }
            "Tf" => {
                schrift = o
                    .first()
                    .and_then(|n| n.as_name().ok())
                    .and_then(|n| schriften.get(n));
                groesse = o.get(1).and_then(zahl).unwrap_or(0.0);
            }
            "Tc" => tc = o.first().and_then(zahl).unwrap_or(0.0),
            "Tw" => tw = o.first().and_then(zahl).unwrap_or(0.0),
            "Tz" => th = o.first().and_then(zahl).unwrap_or(100.0) / 100.0,
            "TL" => fuehrung = o.first().and_then(zahl).unwrap_or(0.0),
            "Ts" => rise = o.first().and_then(zahl).unwrap_or(0.0),
            "Td" | "TD" => {
                let (x, y) = (
                    o.first().and_then(zahl).unwrap_or(0.0),
                    o.get(1).and_then(zahl).unwrap_or(0.0),
                );
                if op.operator == "TD" {
                    fuehrung = -y;
                }
                tlm = M::verschoben(x, y).mal(&tlm);
                tm = tlm;
                lauf += 1;
            }
            "Tm" => {
                if let Some(m) = matrix(o) {
                    tlm = m;
                    tm = m;
                    lauf += 1;
                }
            }
            "T*" => {
                tlm = M::verschoben(0.0, -fuehrung).mal(&tlm);
                tm = tlm;
                lauf += 1;
            }
            "Tj" | "TJ" | "'" | "\"" => {
                if op.operator != "Tj" && op.operator != "TJ" {
                    tlm = M::verschoben(0.0, -fuehrung).mal(&tlm);
                    tm = tlm;
                    lauf += 1;
                }
                let Some(s) = schrift else { continue };
                let teile: Vec<&Object> = match op.operator.as_str() {
                    "TJ" => o
                        .first()
                        .and_then(|a| a.as_array().ok())
                        .map(|a| a.iter().collect())
                        .unwrap_or_default(),
                    "\"" => o.get(2).into_iter().collect(),
                    _ => o.first().into_iter().collect(),
                };
                for t in teile {
                    match t {
                        Object::String(bytes, _) => {
                            let schritt = if s.zweibyte { 2 } else { 1 };
                            for code in bytes.chunks(schritt) {
                                let c = if s.zweibyte && code.len() == 2 {
                                    u32::from(code[0]) << 8 | u32::from(code[1])
                                } else {
                                    u32::from(code[0])
                                };
                                let text = s
                                    .kodierung
                                    .as_ref()
                                    .and_then(|k| Document::decode_text(k, code).ok())
                                    .unwrap_or_default();
                                let w0 = if s.zweibyte { 0.5 } else { s.breite(c) };
                                let leer = !s.zweibyte && c == 32;
                                let tx = (w0 * groesse + tc + if leer { tw } else { 0.0 }) * th;
                                let m = tm.mal(&ctm);
                                let (x, y) = m.punkt(0.0, rise);
                                let (x2, _) = m.punkt(w0 * groesse * th, rise);
                                // The font size in device space (vertical scale of the matrix).
                                let (_, hy) = m.punkt(0.0, rise + groesse);
                                let hoehe = (hy - y).abs().max((x2 - x).abs().min(groesse));
                                zeichen.push(Zeichen {
                                    text,
                                    x,
                                    y,
                                    breite: (x2 - x).abs(),
                                    hoehe,
                                    lauf,
                                });
                                tm = M::verschoben(tx, 0.0).mal(&tm);
                            }
                        }
                        o => {
                            if let Some(n) = zahl(o) {
                                tm = M::verschoben(-n / 1000.0 * groesse * th, 0.0).mal(&tm);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    zu_woertern(&zeichen, hoehe_pt)
}

/// Glyphs to words: consecutive glyphs of one run on one baseline, split at spaces and at
/// gaps wider than a third of the font size.
fn zu_woertern(zeichen: &[Zeichen], hoehe_pt: f64) -> Vec<Wort> {
    let mut out = Vec::new();
    let mut wort: Vec<&Zeichen> = Vec::new();
    let fertig = |wort: &mut Vec<&Zeichen>, out: &mut Vec<Wort>| {
        if wort.is_empty() {
            return;
        }
        let text: String = wort.iter().map(|z| z.text.as_str()).collect();
        let text = text.trim().to_string();
        let links = wort.iter().map(|z| z.x).fold(f64::MAX, f64::min);
        let rechts = wort.iter().map(|z| z.x + z.breite).fold(f64::MIN, f64::max);
        let grund = wort[0].y;
        let h = wort.iter().map(|z| z.hoehe).fold(0.0, f64::max).max(0.1);
        // The box from the baseline up by the font size (as tall as OCR's boxes roughly).
        let oben = hoehe_pt - (grund + h * 0.75);
        if !text.is_empty() {
            out.push(Wort {
                text,
                links: (links * 10.0).round() as i32,
                oben: (oben * 10.0).round() as i32,
                breite: ((rechts - links) * 10.0).round().max(1.0) as i32,
                hoehe: (h * 0.75 * 10.0).round().max(1.0) as i32,
                konfidenz: 100.0,
                zeile: (0, wort[0].lauf as i32, (grund * 10.0).round() as i32),
            });
        }
        wort.clear();
    };
    for z in zeichen {
        let trennt = z.text.chars().all(char::is_whitespace);
        if let Some(letztes) = wort.last() {
            let luecke = z.x - (letztes.x + letztes.breite);
            let neu = z.lauf != letztes.lauf
                || (z.y - letztes.y).abs() > letztes.hoehe * 0.3
                || luecke > letztes.hoehe * 0.33
                || luecke < -letztes.hoehe;
            if neu {
                fertig(&mut wort, &mut out);
            }
        }
        if trennt {
            fertig(&mut wort, &mut out);
        } else {
            wort.push(z);
        }
    }
    fertig(&mut wort, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_compose_as_pdf_does() {
        let t = M::verschoben(10.0, 20.0);
        let s = M([2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        // First translate, then scale: (1,1) → (11,21) → (22,42).
        assert_eq!(t.mal(&s).punkt(1.0, 1.0), (22.0, 42.0));
    }
}
