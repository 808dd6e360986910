//! The approval stamp ("Genehmigungsvermerk") on every page of an approved plan.
//!
//! Where: on a free area of the sheet, so it hides no part of the drawing (north arrow,
//! title block, dimensions). Each page is rendered at low resolution and the stamp goes
//! where its box (with a clearance) covers the least ink; among equally free places the
//! one nearest the top right corner wins, where authorities usually put it. A page that
//! cannot be rendered gets the top right corner.
//!
//! The original page content is not rewritten: each page's `/Contents` becomes
//! `[q-stream, original streams…, stamp-stream]`, where the stamp stream starts with `Q`, so
//! whatever graphics state the original leaves behind cannot leak into the stamp. The stamp's
//! font and graphics state go into a copy of the page's (possibly inherited or shared)
//! resource dictionary, which the page then owns.
//!
//! Fonts: DejaVu Sans (Book, Bold, Mono) subset to the WinAnsi repertoire, without hinting,
//! made with the sample-plans generator's subsetting routine and committed under
//! `workers/assets/` (≈17 KB each, compiled in), and reduced at embedding time to the glyphs
//! actually used (the stamp adds ≈10 KB to a plan file). Licence: Bitstream Vera licence plus
//! public domain DejaVu changes (see `workers/assets/DejaVu-LICENSE.txt`): free to embed and
//! redistribute, also inside EUPL software. The same helpers embed the fonts in the Bescheid
//! (`super::bescheid`).

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId, Stream, StringFormat};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write;
use std::sync::OnceLock;

use super::pruefen::{deref_dict, inherited};

/// The stamp's text, one entry per line; the first line is set large and bold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stempel {
    /// e.g. "GENEHMIGT", "Bauaufsicht Musterstadt", "Az. BA-2026-00017", "vom 29.11.2026",
    /// "Bescheid Nr. 2026/17".
    pub zeilen: Vec<String>,
}

/// Limits of one stamping run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StempelGrenzen {
    /// Most pages stamped; a longer document is refused.
    pub max_seiten: usize,
    /// Most bytes any object or cross-reference stream may decompress to while loading.
    pub max_dekomprimiert: usize,
    /// Most lines of stamp text.
    pub max_zeilen: usize,
    /// Most characters per line of stamp text.
    pub max_zeichen: usize,
    /// Pages (the first ones) rendered to find a free area for the stamp; later pages get
    /// it at the top right. Bounds the time a long scanned set takes.
    pub max_suchseiten: usize,
}

impl Default for StempelGrenzen {
    fn default() -> Self {
        StempelGrenzen {
            max_seiten: 2000,
            max_dekomprimiert: 128 * 1024 * 1024,
            max_zeilen: 10,
            max_zeichen: 120,
            max_suchseiten: 40,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StempelFehler {
    #[error(
        "Die PDF-Datei ist verschlüsselt. Ein Genehmigungsvermerk kann nur auf eine unverschlüsselte Datei gesetzt werden."
    )]
    Verschluesselt,
    #[error("Die Datei ist keine lesbare PDF-Datei ({0}).")]
    Unlesbar(String),
    #[error("Die PDF-Datei enthält keine Seiten.")]
    KeineSeiten,
    #[error("Die PDF-Datei hat mehr als {max} Seiten; so lange Dokumente werden nicht gestempelt.")]
    ZuVieleSeiten { max: usize },
    #[error("Der Stempel hat keinen Text.")]
    LeererStempel,
    #[error(
        "Der Stempeltext ist zu lang (höchstens {max_zeilen} Zeilen mit je {max_zeichen} Zeichen)."
    )]
    StempelZuLang {
        max_zeilen: usize,
        max_zeichen: usize,
    },
    #[error("Die gestempelte PDF-Datei konnte nicht geschrieben werden ({0}).")]
    Schreiben(String),
}

/// Stamp colour (dark red, DeviceRGB).
const ROT: &str = "0.7 0.05 0.05";
/// Opacity of the white underlay, so the plan beneath stays faintly visible.
const DECKKRAFT: f64 = 0.8;
const PT_PRO_MM: f64 = 72.0 / 25.4;

/// Adds the stamp to the top right corner of every page, as the page is viewed (taking
/// `/Rotate`, CropBox and UserUnit into account). Same input, same output bytes.
pub fn stemple(
    pdf: &[u8],
    stempel: &Stempel,
    grenzen: &StempelGrenzen,
) -> Result<Vec<u8>, StempelFehler> {
    let zeilen: Vec<&str> = stempel.zeilen.iter().map(|z| z.trim()).collect();
    if zeilen.iter().all(|z| z.is_empty()) {
        return Err(StempelFehler::LeererStempel);
    }
    if zeilen.len() > grenzen.max_zeilen
        || zeilen
            .iter()
            .any(|z| z.chars().count() > grenzen.max_zeichen)
    {
        return Err(StempelFehler::StempelZuLang {
            max_zeilen: grenzen.max_zeilen,
            max_zeichen: grenzen.max_zeichen,
        });
    }
    if !pdf.starts_with(b"%PDF-")
        && !pdf
            .get(..1024)
            .unwrap_or(pdf)
            .windows(5)
            .any(|w| w == b"%PDF-")
    {
        return Err(StempelFehler::Unlesbar("keine PDF-Signatur".into()));
    }
    let options = LoadOptions {
        max_decompressed_size: Some(grenzen.max_dekomprimiert),
        ..LoadOptions::default()
    };
    let mut doc = match Document::load_mem_with_options(pdf, options) {
        Ok(d) => d,
        Err(e) => {
            let text = e.to_string();
            let lower = text.to_lowercase();
            if lower.contains("decrypt") || lower.contains("password") || lower.contains("encrypt")
            {
                return Err(StempelFehler::Verschluesselt);
            }
            return Err(StempelFehler::Unlesbar(kurz(&text)));
        }
    };
    // Also refused: files with only rights restrictions (readable without a password).
    // Stamping them would mean either dropping the restrictions or re-encrypting.
    if doc.is_encrypted() || doc.was_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(StempelFehler::Verschluesselt);
    }

    let mut seen = HashSet::new();
    let mut roh = 0usize;
    // Each page once, with its index in page order (as the renderer counts).
    let mut page_ids: Vec<(usize, ObjectId)> = Vec::new();
    for (index, id) in doc.page_iter().take(grenzen.max_seiten + 1).enumerate() {
        roh += 1;
        if seen.insert(id) {
            page_ids.push((index, id));
        }
    }
    if roh > grenzen.max_seiten {
        return Err(StempelFehler::ZuVieleSeiten {
            max: grenzen.max_seiten,
        });
    }
    if page_ids.is_empty() {
        return Err(StempelFehler::KeineSeiten);
    }

    let schriften = schriften();
    let fett_id = bette_ein(
        &mut doc,
        &schriften.fett,
        &codes(zeilen.iter().take(1).copied()),
    );
    let normal_id = bette_ein(
        &mut doc,
        &schriften.normal,
        &codes(zeilen.iter().skip(1).copied()),
    );
    let gs_id = doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"ExtGState".to_vec())),
        ("ca", Object::Real(DECKKRAFT as f32)),
        ("CA", Object::Real(1.0)),
    ]));
    let q_id = doc.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
    // Pages of the same size and stamp position share one stamp stream.
    let mut stamp_streams: BTreeMap<Vec<u8>, ObjectId> = BTreeMap::new();
    // Parsed for rendering only when some page is searched for a free area.
    let maler = (grenzen.max_suchseiten > 0)
        .then(|| super::rendern::Seitenmaler::neu(pdf).ok())
        .flatten();

    for (index, pid) in page_ids {
        let Some(geometrie) = seitengeometrie(&doc, pid) else {
            continue;
        };
        let mass = stempel_mass(&geometrie, &zeilen, schriften);
        let ort = maler
            .as_ref()
            .filter(|_| index < grenzen.max_suchseiten)
            .and_then(|m| freie_stelle(m, index, &geometrie, &mass));
        // The page's resources: a private copy of what applies now (own or inherited).
        let mut res = {
            let Ok(page) = doc.get_dictionary(pid) else {
                continue;
            };
            inherited(&doc, page, b"Resources")
                .and_then(|o| deref_dict(&doc, o))
                .cloned()
                .unwrap_or_default()
        };
        let mut fonts = res
            .get(b"Font")
            .ok()
            .and_then(|f| deref_dict(&doc, f))
            .cloned()
            .unwrap_or_default();
        let mut gstates = res
            .get(b"ExtGState")
            .ok()
            .and_then(|f| deref_dict(&doc, f))
            .cloned()
            .unwrap_or_default();
        let name_fett = freier_name(&fonts, "PKStempelFett");
        fonts.set(name_fett.clone(), Object::Reference(fett_id));
        let name_normal = freier_name(&fonts, "PKStempelNormal");
        fonts.set(name_normal.clone(), Object::Reference(normal_id));
        let name_gs = freier_name(&gstates, "PKStempelGS");
        gstates.set(name_gs.clone(), Object::Reference(gs_id));
        res.set("Font", Object::Dictionary(fonts));
        res.set("ExtGState", Object::Dictionary(gstates));
        let inhalt = stempel_inhalt(
            &geometrie,
            &mass,
            ort,
            &zeilen,
            schriften,
            &name_fett,
            &name_normal,
            &name_gs,
        );
        let stamp_id = match stamp_streams.get(&inhalt) {
            Some(id) => *id,
            None => {
                let id = doc.add_object(komprimierter_stream(Dictionary::new(), &inhalt));
                stamp_streams.insert(inhalt, id);
                id
            }
        };
        let mut contents = vec![Object::Reference(q_id)];
        contents.extend(bisherige_inhalte(&doc, pid));
        contents.push(Object::Reference(stamp_id));
        if let Ok(page) = doc.get_dictionary_mut(pid) {
            page.set("Resources", Object::Dictionary(res));
            page.set("Contents", Object::Array(contents));
        }
    }

    let mut out = Vec::with_capacity(pdf.len() + 64 * 1024);
    doc.save_to(&mut out)
        .map_err(|e| StempelFehler::Schreiben(kurz(&e.to_string())))?;
    Ok(out)
}

fn kurz(s: &str) -> String {
    let mut t: String = s.chars().take(160).collect();
    if s.chars().count() > 160 {
        t.push('…');
    }
    t
}

/// `base`, or `base2`, `base3`… whichever is not yet a key of `d`.
fn freier_name(d: &Dictionary, base: &str) -> Vec<u8> {
    let mut name = base.as_bytes().to_vec();
    let mut i = 2;
    while d.has(&name) {
        name = format!("{base}{i}").into_bytes();
        i += 1;
    }
    name
}

/// The page's current content streams as a list of references. Entries that are not streams
/// (a reference to a missing object in a repaired file, say) draw nothing and are left out.
fn bisherige_inhalte(doc: &Document, pid: ObjectId) -> Vec<Object> {
    let Ok(page) = doc.get_dictionary(pid) else {
        return vec![];
    };
    let Ok(c) = page.get(b"Contents") else {
        return vec![];
    };
    let eintraege: Vec<Object> = match c {
        Object::Reference(id) => match doc.get_object(*id) {
            // A reference to an array of streams: use the array's entries.
            Ok(Object::Array(a)) => a.clone(),
            _ => vec![c.clone()],
        },
        Object::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    eintraege
        .into_iter()
        .filter(|o| match o {
            Object::Reference(id) => matches!(doc.get_object(*id), Ok(Object::Stream(_))),
            // A direct stream is not allowed in /Contents; nothing else draws.
            _ => false,
        })
        .collect()
}

/// Where and how the stamp goes on one page.
#[derive(Debug, Clone, PartialEq)]
struct Geometrie {
    /// Maps the upright view space (origin bottom left as viewed, in user space units) into
    /// default user space: `[a b c d e f]` for `cm`.
    matrix: [f64; 6],
    /// Width and height as viewed, in user space units.
    breite: f64,
    hoehe: f64,
    /// Size of one user space unit in points.
    user_unit: f64,
}

fn rect(doc: &Document, o: &Object) -> Option<[f64; 4]> {
    let (_, o) = doc.dereference(o).ok()?;
    let a = o.as_array().ok()?;
    if a.len() != 4 {
        return None;
    }
    let mut r = [0.0; 4];
    for (i, v) in a.iter().enumerate() {
        let v = f64::from(doc.dereference(v).ok()?.1.as_float().ok()?);
        if !v.is_finite() {
            return None;
        }
        r[i] = v;
    }
    // Normalise: any two opposite corners may be given.
    Some([
        r[0].min(r[2]),
        r[1].min(r[3]),
        r[0].max(r[2]),
        r[1].max(r[3]),
    ])
}

fn seitengeometrie(doc: &Document, pid: ObjectId) -> Option<Geometrie> {
    let page = doc.get_dictionary(pid).ok()?;
    let media = inherited(doc, page, b"MediaBox")
        .and_then(|o| rect(doc, o))
        .unwrap_or([0.0, 0.0, 595.276, 841.89]);
    let crop = inherited(doc, page, b"CropBox").and_then(|o| rect(doc, o));
    let mut r = match crop {
        Some(c) => [
            c[0].max(media[0]),
            c[1].max(media[1]),
            c[2].min(media[2]),
            c[3].min(media[3]),
        ],
        None => media,
    };
    if r[2] - r[0] < 1.0 || r[3] - r[1] < 1.0 {
        r = media;
    }
    let [x0, y0, x1, y1] = r;
    let user_unit = page
        .get(b"UserUnit")
        .ok()
        .and_then(|u| u.as_float().ok())
        .map(f64::from)
        .filter(|u| *u > 0.0 && u.is_finite())
        .unwrap_or(1.0);
    let rotate = inherited(doc, page, b"Rotate")
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0)
        .rem_euclid(360);
    // /Rotate turns the page clockwise for viewing. View space (u, v) → user space (x, y):
    let (matrix, breite, hoehe) = match rotate {
        90 => ([0.0, 1.0, -1.0, 0.0, x1, y0], y1 - y0, x1 - x0),
        180 => ([-1.0, 0.0, 0.0, -1.0, x1, y1], x1 - x0, y1 - y0),
        270 => ([0.0, -1.0, 1.0, 0.0, x0, y1], y1 - y0, x1 - x0),
        // Not a multiple of 90: invalid, viewers ignore it.
        _ => ([1.0, 0.0, 0.0, 1.0, x0, y0], x1 - x0, y1 - y0),
    };
    Some(Geometrie {
        matrix,
        breite,
        hoehe,
        user_unit,
    })
}

/// The stamp's size on one page, in millimetres as viewed.
#[derive(Debug, Clone, PartialEq)]
struct Mass {
    breite_mm: f64,
    hoehe_mm: f64,
    skala: f64,
    /// Distance from the sheet's edges.
    rand: f64,
    box_b: f64,
    box_h: f64,
    groesse: f64,
    hoehen_faktor: f64,
}

fn stempel_mass(g: &Geometrie, zeilen: &[&str], s: &Schriften) -> Mass {
    // Millimetres as viewed → user space units.
    let mm = PT_PRO_MM / g.user_unit;
    let breite_mm = g.breite / mm;
    let hoehe_mm = g.hoehe / mm;
    // 70 × 30 mm on A4, growing with the square root of the shorter side (≈ 140 × 60 mm on A0),
    // never more than 45 % of the width or 30 % of the height.
    let kurz_mm = breite_mm.min(hoehe_mm).max(1.0);
    let mut skala = (kurz_mm / 210.0).sqrt().clamp(1.0, 2.0);
    let grenze = (0.45 * breite_mm / 70.0).min(0.30 * hoehe_mm / 30.0);
    if skala > grenze {
        skala = grenze.max(0.05);
    }
    let rand = 8.0 * skala;
    let polster = 2.5 * skala;
    let mut box_b = 70.0 * skala;
    let mut box_h = 30.0 * skala;

    // Font sizes in mm: title = 1.5 × the other lines; line pitch 1.25 × size.
    let titel = zeilen[0];
    let rest = &zeilen[1..];
    let einheiten_titel = s.fett.breite_einheiten(titel) * 1.5;
    let einheiten_max = rest
        .iter()
        .map(|z| s.normal.breite_einheiten(z))
        .fold(einheiten_titel, f64::max)
        .max(1.0);
    let hoehen_faktor = 1.5 * 1.2 + 1.25 * rest.len() as f64;
    let groesse_max = 3.2 * skala; // ≈ 9 pt on A4
    let groesse_min = 1.6 * skala; // ≈ 4.5 pt on A4
    let nach_hoehe = (box_h - 2.0 * polster) / hoehen_faktor;
    let nach_breite = (box_b - 2.0 * polster) / (einheiten_max / 1000.0);
    let mut groesse = groesse_max.min(nach_hoehe).min(nach_breite);
    if groesse < groesse_min {
        groesse = groesse_min;
        box_b = box_b.max(einheiten_max / 1000.0 * groesse + 2.0 * polster);
        box_h = box_h.max(hoehen_faktor * groesse + 2.0 * polster);
    }
    Mass {
        breite_mm,
        hoehe_mm,
        skala,
        rand,
        box_b,
        box_h,
        groesse,
        hoehen_faktor,
    }
}

/// Ink darker than this (0 black … 255 white) counts as drawing.
const TINTE: u8 = 235;
/// Long side of the page rendering the free area is searched on, in pixels.
const SUCH_PX: f64 = 500.0;
/// Clearance kept around the stamp box, in millimetres at A4 scale.
const ABSTAND_MM: f64 = 3.0;

/// The lower left corner (millimetres as viewed) of the place on page `index` where the
/// stamp box covers the least ink; ties go to the place nearest the top right corner.
/// None when the page does not render.
fn freie_stelle(
    maler: &super::rendern::Seitenmaler,
    index: usize,
    g: &Geometrie,
    m: &Mass,
) -> Option<(f64, f64)> {
    let lang_pt = g.breite.max(g.hoehe) * g.user_unit;
    let dpi = (SUCH_PX * 72.0 / lang_pt.max(1.0)).clamp(2.0, 72.0) as u32;
    let bild = maler.grau(index, dpi, None, 1_000_000)?;
    Some(freie_stelle_im_bild(&bild, m))
}

fn freie_stelle_im_bild(bild: &image::GrayImage, m: &Mass) -> (f64, f64) {
    let (w, h) = (bild.width() as usize, bild.height() as usize);
    let oben_rechts = (
        m.breite_mm - m.rand - m.box_b,
        m.hoehe_mm - m.rand - m.box_h,
    );
    if w < 2 || h < 2 || m.box_b + 2.0 * m.rand > m.breite_mm || m.box_h + 2.0 * m.rand > m.hoehe_mm
    {
        return oben_rechts;
    }
    // Summed-area table of ink pixels.
    let mut summe = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut zeile = 0u32;
        for x in 0..w {
            zeile += u32::from(bild.get_pixel(x as u32, y as u32)[0] < TINTE);
            summe[(y + 1) * (w + 1) + x + 1] = summe[y * (w + 1) + x + 1] + zeile;
        }
    }
    let tinte = |x0: usize, y0: usize, x1: usize, y1: usize| -> u32 {
        let (x1, y1) = (x1.min(w), y1.min(h));
        summe[y1 * (w + 1) + x1] + summe[y0 * (w + 1) + x0]
            - summe[y0 * (w + 1) + x1]
            - summe[y1 * (w + 1) + x0]
    };
    let px_x = w as f64 / m.breite_mm;
    let px_y = h as f64 / m.hoehe_mm;
    let abstand = ABSTAND_MM * m.skala;
    // Candidates: lower left corners in millimetres, on a grid of about 1 % of the sheet,
    // always including the exact top right place.
    let schritt = (m.breite_mm.max(m.hoehe_mm) / 100.0).max(1.0);
    let (x_min, x_max) = (m.rand, m.breite_mm - m.rand - m.box_b);
    let (y_min, y_max) = (m.rand, m.hoehe_mm - m.rand - m.box_h);
    let mut bestes: Option<(u32, f64, (f64, f64))> = None;
    let mut xs: Vec<f64> = Vec::new();
    let mut x = x_max;
    while x >= x_min {
        xs.push(x);
        x -= schritt;
    }
    let mut ys: Vec<f64> = Vec::new();
    let mut y = y_max;
    while y >= y_min {
        ys.push(y);
        y -= schritt;
    }
    for &y in &ys {
        for &x in &xs {
            // The box plus clearance in pixels (image rows run downwards).
            let px0 = ((x - abstand) * px_x).floor().max(0.0) as usize;
            let px1 = ((x + m.box_b + abstand) * px_x).ceil().max(0.0) as usize;
            let py0 = ((m.hoehe_mm - (y + m.box_h + abstand)) * px_y)
                .floor()
                .max(0.0) as usize;
            let py1 = ((m.hoehe_mm - (y - abstand)) * px_y).ceil().max(0.0) as usize;
            let n = tinte(px0.min(w), py0.min(h), px1, py1);
            let weg = (x_max - x).hypot(y_max - y);
            let besser = match &bestes {
                None => true,
                Some((bn, bw, _)) => n < *bn || (n == *bn && weg < *bw),
            };
            if besser {
                bestes = Some((n, weg, (x, y)));
            }
        }
    }
    bestes.map_or(oben_rechts, |(_, _, ort)| ort)
}

/// The stamp's content stream: ends the original's `q`, then draws in view space, with the
/// box's lower left corner at `ort` (millimetres as viewed; top right when None).
#[allow(clippy::too_many_arguments)]
fn stempel_inhalt(
    g: &Geometrie,
    m: &Mass,
    ort: Option<(f64, f64)>,
    zeilen: &[&str],
    s: &Schriften,
    fett: &[u8],
    normal: &[u8],
    gs: &[u8],
) -> Vec<u8> {
    let mm = PT_PRO_MM / g.user_unit;
    let Mass {
        skala,
        box_b,
        box_h,
        groesse,
        hoehen_faktor,
        ..
    } = *m;
    let titel = zeilen[0];
    let rest = &zeilen[1..];
    let (x, y) = ort.unwrap_or((m.breite_mm - m.rand - box_b, m.hoehe_mm - m.rand - box_h));

    let mut c = String::new();
    let [a, b, cc, d, e, f] = g.matrix;
    c.push_str("\nQ\nq\n");
    c.push_str(&format!(
        "{} {} {} {} {} {} cm\n",
        n(a),
        n(b),
        n(cc),
        n(d),
        n(e),
        n(f)
    ));
    // From here on: millimetres as viewed.
    c.push_str(&format!("{} 0 0 {} 0 0 cm\n", n(mm), n(mm)));
    c.push_str("0 Tc 0 Tw 100 Tz 0 Tr 0 Ts [] 0 d 0 j 0 J 10 M\n");
    c.push_str(&format!(
        "q /{} gs 1 1 1 rg {} {} {} {} re f Q\n",
        String::from_utf8_lossy(gs),
        n(x),
        n(y),
        n(box_b),
        n(box_h)
    ));
    // Double border: a strong outer line and a thin inner one.
    let lw = 0.5 * skala;
    c.push_str(&format!(
        "{ROT} RG {} w {} {} {} {} re S\n",
        n(lw),
        n(x + lw / 2.0),
        n(y + lw / 2.0),
        n(box_b - lw),
        n(box_h - lw)
    ));
    let innen = 1.2 * skala;
    c.push_str(&format!(
        "{} w {} {} {} {} re S\n",
        n(0.2 * skala),
        n(x + innen),
        n(y + innen),
        n(box_b - 2.0 * innen),
        n(box_h - 2.0 * innen)
    ));
    // Text, centred, block centred vertically.
    let block = hoehen_faktor * groesse;
    let mut oben = y + box_h - (box_h - block) / 2.0;
    let mitte = x + box_b / 2.0;
    let mut t = Vec::new();
    t.extend_from_slice(format!("BT {ROT} rg\n").as_bytes());
    let tg = groesse * 1.5;
    oben -= tg * 1.2;
    let w = s.fett.breite_einheiten(titel) / 1000.0 * tg;
    t.extend_from_slice(
        format!(
            "/{} {} Tf 1 0 0 1 {} {} Tm ",
            String::from_utf8_lossy(fett),
            n(tg),
            n(mitte - w / 2.0),
            n(oben + 0.25 * tg)
        )
        .as_bytes(),
    );
    pdf_literal(&mut t, &winansi(titel));
    t.extend_from_slice(b" Tj\n");
    for z in rest {
        oben -= groesse * 1.25;
        let w = s.normal.breite_einheiten(z) / 1000.0 * groesse;
        t.extend_from_slice(
            format!(
                "/{} {} Tf 1 0 0 1 {} {} Tm ",
                String::from_utf8_lossy(normal),
                n(groesse),
                n(mitte - w / 2.0),
                n(oben + 0.25 * groesse)
            )
            .as_bytes(),
        );
        pdf_literal(&mut t, &winansi(z));
        t.extend_from_slice(b" Tj\n");
    }
    t.extend_from_slice(b"ET\nQ\n");
    let mut out = c.into_bytes();
    out.extend_from_slice(&t);
    out
}

/// A number for a content stream: at most 4 decimals, no exponent, no "-0".
pub(crate) fn n(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A PDF literal string `( … )` with everything outside printable ASCII escaped.
pub(crate) fn pdf_literal(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            0x20..=0x7E => out.push(b),
            _ => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
        }
    }
    out.push(b')');
}

/// A Flate-compressed stream (deterministic: fixed level).
pub(crate) fn komprimierter_stream(mut dict: Dictionary, data: &[u8]) -> Stream {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::new(6));
    // Writing into a Vec cannot fail.
    let packed = enc
        .write_all(data)
        .and_then(|_| enc.finish())
        .unwrap_or_default();
    if packed.is_empty() && !data.is_empty() {
        return Stream::new(dict, data.to_vec());
    }
    dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    let mut s = Stream::new(dict, packed);
    s.allows_compression = false;
    s
}

// ---------------------------------------------------------------------------------------------
// Fonts

/// The characters of codes 0x80..=0x9F in WinAnsiEncoding (PDF 32000-1, Annex D).
const WIN_ANSI_80: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The character a WinAnsi code stands for.
pub(crate) fn winansi_char(code: u8) -> Option<char> {
    match code {
        0x20..=0x7E => Some(code as char),
        0x80..=0x9F => WIN_ANSI_80[(code - 0x80) as usize],
        0xA0..=0xFF => char::from_u32(u32::from(code)),
        _ => None,
    }
}

/// The WinAnsi code of a character, if it has one.
pub(crate) fn winansi_code(c: char) -> Option<u8> {
    let u = c as u32;
    match u {
        0x20..=0x7E | 0xA0..=0xFF => Some(u as u8),
        // Tabs and other whitespace become spaces.
        0x09 | 0x0A | 0x0D | 0x2002..=0x200A | 0x202F => Some(b' '),
        _ => WIN_ANSI_80
            .iter()
            .position(|x| *x == Some(c))
            .map(|i| 0x80 + i as u8),
    }
}

/// Text to WinAnsi bytes; characters without a code become '?'.
pub(crate) fn winansi(s: &str) -> Vec<u8> {
    s.chars().map(|c| winansi_code(c).unwrap_or(b'?')).collect()
}

/// One embedded font: a committed TrueType subset and the metrics the PDF needs.
#[derive(Debug)]
pub(crate) struct Schrift {
    pub basis_name: &'static str,
    pub programm: &'static [u8],
    /// Advance widths in 1/1000 em for WinAnsi codes 0..=255.
    pub breiten: [u16; 256],
    pub ascent: i32,
    pub descent: i32,
    pub cap_height: i32,
    pub bbox: [i32; 4],
    pub stem_v: i64,
    pub flags: i64,
}

impl Schrift {
    /// Width of `s` in 1/1000 em.
    pub fn breite_einheiten(&self, s: &str) -> f64 {
        winansi(s)
            .iter()
            .map(|b| f64::from(self.breiten[*b as usize]))
            .sum()
    }

    /// Width of `s` at `groesse`, in the unit of `groesse`.
    pub fn breite(&self, s: &str, groesse: f64) -> f64 {
        self.breite_einheiten(s) / 1000.0 * groesse
    }
}

#[derive(Debug)]
pub(crate) struct Schriften {
    pub normal: Schrift,
    pub fett: Schrift,
    pub mono: Schrift,
}

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/DejaVuSans-WinAnsi.ttf");
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../assets/DejaVuSans-Bold-WinAnsi.ttf");
static DEJAVU_SANS_MONO: &[u8] = include_bytes!("../../assets/DejaVuSansMono-WinAnsi.ttf");

/// The compiled-in fonts. They are constants of the program; a unit test parses them.
pub(crate) fn schriften() -> &'static Schriften {
    static S: OnceLock<Schriften> = OnceLock::new();
    S.get_or_init(|| Schriften {
        normal: lies_schrift(DEJAVU_SANS, "PKWANS+DejaVuSans", 80)
            .expect("eingebaute Schrift DejaVuSans lesbar"),
        fett: lies_schrift(DEJAVU_SANS_BOLD, "PKWANS+DejaVuSans-Bold", 140)
            .expect("eingebaute Schrift DejaVuSans-Bold lesbar"),
        mono: lies_schrift(DEJAVU_SANS_MONO, "PKWANS+DejaVuSansMono", 80)
            .expect("eingebaute Schrift DejaVuSansMono lesbar"),
    })
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn tabelle<'a>(font: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
    let n = be16(font, 4)? as usize;
    (0..n).find_map(|i| {
        let rec = 12 + 16 * i;
        if font.get(rec..rec + 4)? != tag {
            return None;
        }
        let off = be32(font, rec + 8)? as usize;
        let len = be32(font, rec + 12)? as usize;
        font.get(off..off.checked_add(len)?)
    })
}

/// Glyph id of `c` through the (3,1) format 4 cmap.
fn glyph(cmap: &[u8], c: char) -> Option<u16> {
    let c = u16::try_from(c as u32).ok()?;
    let n = be16(cmap, 2)? as usize;
    let sub = (0..n).find_map(|i| {
        let rec = 4 + 8 * i;
        (be16(cmap, rec)? == 3 && be16(cmap, rec + 2)? == 1)
            .then(|| be32(cmap, rec + 4))
            .flatten()
    })? as usize;
    let t = cmap.get(sub..)?;
    if be16(t, 0)? != 4 {
        return None;
    }
    let seg2 = be16(t, 6)? as usize;
    for i in 0..seg2 / 2 {
        let end = be16(t, 14 + 2 * i)?;
        if c > end {
            continue;
        }
        let start = be16(t, 16 + seg2 + 2 * i)?;
        if c < start {
            return None;
        }
        let delta = be16(t, 16 + 2 * seg2 + 2 * i)?;
        let ro_at = 16 + 3 * seg2 + 2 * i;
        let ro = be16(t, ro_at)? as usize;
        if ro == 0 {
            return Some(c.wrapping_add(delta));
        }
        let g = be16(t, ro_at + ro + 2 * (c - start) as usize)?;
        return (g != 0).then(|| g.wrapping_add(delta));
    }
    None
}

fn lies_schrift(programm: &'static [u8], basis_name: &'static str, stem_v: i64) -> Option<Schrift> {
    let head = tabelle(programm, b"head")?;
    let hhea = tabelle(programm, b"hhea")?;
    let hmtx = tabelle(programm, b"hmtx")?;
    let cmap = tabelle(programm, b"cmap")?;
    let os2 = tabelle(programm, b"OS/2")?;
    let upem = f64::from(be16(head, 18)?);
    if upem <= 0.0 {
        return None;
    }
    let skal = |v: i16| (f64::from(v) * 1000.0 / upem).round() as i32;
    let i16at = |d: &[u8], at: usize| be16(d, at).map(|v| v as i16);
    let n_hm = be16(hhea, 34)? as usize;
    if n_hm == 0 {
        return None;
    }
    let mut breiten = [0u16; 256];
    for (code, w) in breiten.iter_mut().enumerate() {
        if let Some(ch) = winansi_char(code as u8)
            && let Some(g) = glyph(cmap, ch)
        {
            let g = (g as usize).min(n_hm - 1);
            let adv = f64::from(be16(hmtx, 4 * g)?);
            *w = (adv * 1000.0 / upem).round() as u16;
        }
    }
    let cap = if be16(os2, 0)? >= 2 {
        i16at(os2, 88)?
    } else {
        i16at(hhea, 4)?
    };
    Some(Schrift {
        basis_name,
        programm,
        breiten,
        ascent: skal(i16at(hhea, 4)?),
        descent: skal(i16at(hhea, 6)?),
        cap_height: skal(cap),
        bbox: [
            skal(i16at(head, 36)?),
            skal(i16at(head, 38)?),
            skal(i16at(head, 40)?),
            skal(i16at(head, 42)?),
        ],
        stem_v,
        // Nonsymbolic: glyphs found through the standard Latin set (WinAnsiEncoding).
        flags: 32,
    })
}

/// A ToUnicode CMap mapping every WinAnsi code to its Unicode value.
fn to_unicode_cmap() -> Vec<u8> {
    let mut entries = Vec::new();
    for code in 0x20u8..=0xFF {
        if let Some(c) = winansi_char(code) {
            entries.push(format!("<{:02X}> <{:04X}>", code, c as u32));
        }
    }
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<00> <FF>\nendcodespacerange\n",
    );
    for chunk in entries.chunks(100) {
        s.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for e in chunk {
            s.push_str(e);
            s.push('\n');
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s.into_bytes()
}

fn checksum(d: &[u8]) -> u32 {
    d.chunks(4).fold(0u32, |sum, chunk| {
        let mut b = [0u8; 4];
        b[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(b))
    })
}

const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;

/// Component glyph ids of a composite glyph.
fn komponenten(g: &[u8]) -> Option<Vec<u16>> {
    let mut out = Vec::new();
    let mut at = 10;
    loop {
        let flags = be16(g, at)?;
        out.push(be16(g, at + 2)?);
        at += 4 + if flags & ARG_1_AND_2_ARE_WORDS != 0 {
            4
        } else {
            2
        };
        if flags & WE_HAVE_A_SCALE != 0 {
            at += 2;
        } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
            at += 4;
        } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
            at += 8;
        }
        if flags & MORE_COMPONENTS == 0 || out.len() > 64 {
            return Some(out);
        }
    }
}

/// The font program with only the glyphs of `codes` (WinAnsi), `.notdef` and composite
/// components; the other glyphs become empty. Glyph ids stay, so cmap and hmtx stay valid.
/// `None`: the program is not as expected (the caller then embeds it whole).
fn teilmenge(programm: &[u8], codes: &BTreeSet<u8>) -> Option<Vec<u8>> {
    let head = tabelle(programm, b"head")?;
    let long = be16(head, 50)? == 1;
    let loca = tabelle(programm, b"loca")?;
    let glyf = tabelle(programm, b"glyf")?;
    let cmap = tabelle(programm, b"cmap")?;
    let anzahl = be16(tabelle(programm, b"maxp")?, 4)? as usize;
    let glyph_bytes = |gid: usize| -> Option<&[u8]> {
        let (a, b) = if long {
            (
                be32(loca, gid * 4)? as usize,
                be32(loca, gid * 4 + 4)? as usize,
            )
        } else {
            (
                be16(loca, gid * 2)? as usize * 2,
                be16(loca, gid * 2 + 2)? as usize * 2,
            )
        };
        glyf.get(a..b)
    };
    let mut behalten = vec![false; anzahl];
    let mut offen: Vec<u16> = vec![0];
    offen.extend(
        codes
            .iter()
            .filter_map(|c| winansi_char(*c))
            .filter_map(|c| glyph(cmap, c)),
    );
    while let Some(g) = offen.pop() {
        let gi = g as usize;
        if gi >= anzahl || behalten[gi] {
            continue;
        }
        behalten[gi] = true;
        let bytes = glyph_bytes(gi)?;
        if bytes.len() >= 10 && (be16(bytes, 0)? as i16) < 0 {
            offen.extend(komponenten(bytes)?);
        }
    }
    let mut neu_glyf = Vec::new();
    let mut neu_loca = Vec::with_capacity(4 * (anzahl + 1));
    for (gid, b) in behalten.iter().enumerate() {
        neu_loca.extend_from_slice(&(neu_glyf.len() as u32).to_be_bytes());
        if *b {
            neu_glyf.extend_from_slice(glyph_bytes(gid)?);
            while neu_glyf.len() % 4 != 0 {
                neu_glyf.push(0);
            }
        }
    }
    neu_loca.extend_from_slice(&(neu_glyf.len() as u32).to_be_bytes());

    // Reassemble: same tables in the same order, new glyf and loca, head set to long loca.
    let n = be16(programm, 4)? as usize;
    let mut tabellen: Vec<([u8; 4], Vec<u8>)> = Vec::with_capacity(n);
    for i in 0..n {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = programm.get(rec..rec + 4)?.try_into().ok()?;
        let daten = match &tag {
            b"glyf" => neu_glyf.clone(),
            b"loca" => neu_loca.clone(),
            b"head" => {
                let mut h = head.to_vec();
                h.get_mut(8..12)?.copy_from_slice(&[0; 4]);
                h.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
                h
            }
            t => tabelle(programm, t)?.to_vec(),
        };
        tabellen.push((tag, daten));
    }
    let mut out = programm.get(..12)?.to_vec();
    let mut body = Vec::new();
    let start = 12 + 16 * n;
    let mut head_at = None;
    for (tag, daten) in &tabellen {
        let offset = start + body.len();
        if tag == b"head" {
            head_at = Some(offset);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(daten).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(daten.len() as u32).to_be_bytes());
        body.extend_from_slice(daten);
        while body.len() % 4 != 0 {
            body.push(0);
        }
    }
    out.extend_from_slice(&body);
    let head_at = head_at?;
    let adj = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out.get_mut(head_at + 8..head_at + 12)?
        .copy_from_slice(&adj.to_be_bytes());
    Some(out)
}

/// The WinAnsi codes `texts` use.
pub(crate) fn codes<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<u8> {
    texts.into_iter().flat_map(winansi).collect()
}

/// Adds the font (program reduced to `codes`, descriptor, ToUnicode, font dictionary) to
/// `doc`; returns the font dictionary's id.
pub(crate) fn bette_ein(doc: &mut Document, s: &Schrift, codes: &BTreeSet<u8>) -> ObjectId {
    let programm = teilmenge(s.programm, codes).unwrap_or_else(|| s.programm.to_vec());
    // Subset tag: six capitals derived from the glyph set (PDF 32000-1, 9.6.4).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in codes {
        h = (h ^ u64::from(*c)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let tag: String = (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8))
        .collect();
    let basis = s
        .basis_name
        .split_once('+')
        .map_or(s.basis_name, |(_, b)| b);
    let basis_name = format!("{tag}+{basis}");
    let mut ff = Dictionary::new();
    ff.set("Length1", Object::Integer(programm.len() as i64));
    let programm_id = doc.add_object(komprimierter_stream(ff, &programm));
    let tu_id = doc.add_object(komprimierter_stream(Dictionary::new(), &to_unicode_cmap()));
    let name = || Object::Name(basis_name.as_bytes().to_vec());
    let descriptor = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"FontDescriptor".to_vec())),
        ("FontName", name()),
        ("Flags", Object::Integer(s.flags)),
        (
            "FontBBox",
            Object::Array(
                s.bbox
                    .iter()
                    .map(|v| Object::Integer(i64::from(*v)))
                    .collect(),
            ),
        ),
        ("ItalicAngle", Object::Integer(0)),
        ("Ascent", Object::Integer(i64::from(s.ascent))),
        ("Descent", Object::Integer(i64::from(s.descent))),
        ("CapHeight", Object::Integer(i64::from(s.cap_height))),
        ("StemV", Object::Integer(s.stem_v)),
        ("FontFile2", Object::Reference(programm_id)),
    ]);
    let descriptor_id = doc.add_object(descriptor);
    let widths: Vec<Object> = (32..=255)
        .map(|c| Object::Integer(i64::from(s.breiten[c])))
        .collect();
    doc.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"TrueType".to_vec())),
        ("BaseFont", name()),
        ("FirstChar", Object::Integer(32)),
        ("LastChar", Object::Integer(255)),
        ("Widths", Object::Array(widths)),
        ("Encoding", Object::Name(b"WinAnsiEncoding".to_vec())),
        ("FontDescriptor", Object::Reference(descriptor_id)),
        ("ToUnicode", Object::Reference(tu_id)),
    ]))
}

/// A PDF text string (Info dictionary values): PDFDocEncoding for ASCII, else UTF-16BE.
pub(crate) fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut b = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            b.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(b, StringFormat::Hexadecimal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_fonts_parse_and_have_german_glyphs() {
        let s = schriften();
        for f in [&s.normal, &s.fett, &s.mono] {
            for c in ['A', 'ß', 'ü', 'Ä', '€', '§', '„', '–'] {
                let code = winansi_code(c).expect("WinAnsi");
                assert!(f.breiten[code as usize] > 0, "{} {c}", f.basis_name);
            }
            assert!(f.ascent > 700 && f.descent < 0 && f.cap_height > 600);
        }
        // Mono: every glyph equally wide.
        assert_eq!(s.mono.breiten[b'i' as usize], s.mono.breiten[b'W' as usize]);
        assert!(s.fett.breite_einheiten("GENEHMIGT") > s.normal.breite_einheiten("GENEHMIGT"));
    }

    #[test]
    fn subset_keeps_used_and_component_glyphs() {
        let s = schriften();
        let voll = s.normal.programm;
        let teil = teilmenge(voll, &codes(["GENEHMIGT Äß€"])).expect("subset");
        assert!(
            teil.len() < voll.len() / 3,
            "{} of {}",
            teil.len(),
            voll.len()
        );
        // Checksums are consistent: the whole font sums to 0xB1B0AFBA.
        assert_eq!(checksum(&teil), 0xB1B0_AFBA);
        // The tables read back, and the kept glyphs have outlines, others none.
        let glyf = tabelle(&teil, b"glyf").unwrap();
        let loca = tabelle(&teil, b"loca").unwrap();
        let cmap = tabelle(&teil, b"cmap").unwrap();
        let len = |c: char| {
            let g = glyph(cmap, c).unwrap() as usize;
            be32(loca, 4 * g + 4).unwrap() - be32(loca, 4 * g).unwrap()
        };
        for c in ['G', 'E', 'Ä', 'ß', '€'] {
            assert!(len(c) > 0, "{c}");
        }
        assert_eq!(len('x'), 0);
        assert!(!glyf.is_empty());
        // Same input, same bytes.
        assert_eq!(teil, teilmenge(voll, &codes(["GENEHMIGT Äß€"])).unwrap());
    }

    #[test]
    fn winansi_encoding() {
        assert_eq!(
            winansi("Maß ü € – „x“"),
            b"Ma\xDF \xFC \x80 \x96 \x84x\x93".to_vec()
        );
        assert_eq!(winansi("\u{4e2d}"), b"?".to_vec());
        for code in 0x20u8..=0xFF {
            if let Some(c) = winansi_char(code) {
                assert_eq!(winansi_code(c), Some(code), "{c}");
            }
        }
    }

    #[test]
    fn numbers_and_literals() {
        assert_eq!(n(1.0), "1");
        assert_eq!(n(-0.00001), "0");
        assert_eq!(n(12.34567), "12.3457");
        let mut v = Vec::new();
        pdf_literal(&mut v, b"a(b)\\\xFC");
        assert_eq!(v, b"(a\\(b\\)\\\\\\374)".to_vec());
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox child
// ---------------------------------------------------------------------------------------------

/// What the stamping child is told on its command line
/// (`plankammer sandbox stempeln --auftrag <JSON>`): the stamp and the limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StempelAuftrag {
    pub stempel: Stempel,
    pub grenzen: StempelGrenzen,
    /// Most bytes read from standard input; a longer file is refused.
    pub max_eingabe: u64,
}

/// The child side of `plankammer sandbox stempeln`: reads the plan from standard input and
/// writes the stamped PDF to standard output. A file it refuses (encrypted, broken, too
/// long) ends with exit code [`crate::sandbox::EXIT_ABGELEHNT`] and the German reason as the
/// first line of standard error.
pub fn sandbox_aufgabe(auftrag: &str) -> std::process::ExitCode {
    use std::process::ExitCode;
    let abgelehnt = |grund: &str| {
        eprintln!("{grund}");
        ExitCode::from(crate::sandbox::EXIT_ABGELEHNT as u8)
    };
    let Ok(a) = serde_json::from_str::<StempelAuftrag>(auftrag) else {
        eprintln!("sandbox: invalid --auftrag");
        return ExitCode::from(2);
    };
    let Ok(pdf) = crate::sandbox::read_input(a.max_eingabe.saturating_add(1)) else {
        eprintln!("sandbox: cannot read standard input");
        return ExitCode::from(2);
    };
    if pdf.len() as u64 > a.max_eingabe {
        return abgelehnt(&format!(
            "Die Datei ist größer als {} MB und wird nicht gestempelt.",
            a.max_eingabe / 1_000_000
        ));
    }
    match stemple(&pdf, &a.stempel, &a.grenzen) {
        Ok(bytes) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Err(e) => abgelehnt(&e.to_string()),
    }
}
