//! The validate stage: is it a PDF, can it be read, is it safe, what are its pages?

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};
use plankammer_domain::feststellung::{Feststellung, katalog};
use plankammer_domain::papierformat::{Ausrichtung, Papierformat, Seitenformat};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

/// Limits of one check. Every one is explicit and tested with hostile input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grenzen {
    /// Most bytes any single stream may decompress to.
    pub max_dekomprimiert: usize,
    /// Most pages looked at; a longer document is refused.
    pub max_seiten: usize,
    /// Scans below this resolution get a warning.
    pub min_scan_dpi: u32,
}

impl Default for Grenzen {
    fn default() -> Self {
        Grenzen {
            max_dekomprimiert: 128 * 1024 * 1024,
            max_seiten: 1000,
            min_scan_dpi: 150,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeitenInfo {
    pub nummer: u32,
    pub breite_mm: f64,
    pub hoehe_mm: f64,
    /// `A0`…`A4` or `Sonderformat`.
    pub format: String,
    /// `hoch` or `quer`.
    pub ausrichtung: String,
    /// "A1 quer", "Sonderformat 594 × 1200 mm".
    pub bezeichnung: String,
    /// The page draws text (has a text layer, perhaps empty).
    pub hat_textoperatoren: bool,
    /// Image XObjects the page uses.
    pub bilder: u32,
    /// For a page that is one scanned image: its resolution.
    pub scan_dpi: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pruefergebnis {
    /// The file can be processed further (no error-level finding that stops reading).
    pub lesbar: bool,
    pub pdf_version: Option<String>,
    pub seitenzahl: usize,
    pub seiten: Vec<SeitenInfo>,
    pub feststellungen: Vec<Feststellung>,
    /// PDF/A claim from the XMP metadata, e.g. "2b".
    pub pdfa: Option<String>,
}

impl Pruefergebnis {
    fn unlesbar(f: Feststellung) -> Pruefergebnis {
        Pruefergebnis {
            lesbar: false,
            pdf_version: None,
            seitenzahl: 0,
            seiten: vec![],
            feststellungen: vec![f],
            pdfa: None,
        }
    }
}

/// Checks one file. Never panics on any input it was tested with; the sandbox still guards
/// against what it was not tested with.
pub fn pruefe(bytes: &[u8], grenzen: &Grenzen) -> Pruefergebnis {
    if bytes.is_empty() {
        return Pruefergebnis::unlesbar(katalog::leer());
    }
    if let Some(t) = plankammer_domain::dateityp::kein_pdf(bytes) {
        return Pruefergebnis::unlesbar(katalog::kein_pdf(t));
    }
    let options = LoadOptions {
        max_decompressed_size: Some(grenzen.max_dekomprimiert),
        ..LoadOptions::default()
    };
    let doc = match Document::load_mem_with_options(bytes, options) {
        Ok(d) => d,
        Err(e) => {
            let text = e.to_string();
            let lower = text.to_lowercase();
            if lower.contains("decrypt") || lower.contains("password") || lower.contains("encrypt")
            {
                return Pruefergebnis::unlesbar(katalog::verschluesselt());
            }
            return Pruefergebnis::unlesbar(katalog::beschaedigt(&kurz(&text)));
        }
    };
    if doc.is_encrypted() {
        return Pruefergebnis::unlesbar(katalog::verschluesselt());
    }
    let mut feststellungen = Vec::new();
    if doc.was_encrypted() {
        feststellungen.push(Feststellung {
            code: "pdf.rechtebeschraenkung".into(),
            schwere: plankammer_domain::feststellung::Schwere::Warnung,
            meldung: "Die PDF-Datei ist mit Rechtebeschränkungen verschlüsselt (ohne Kennwort lesbar). Für Genehmigungsvermerke wird eine unverschlüsselte Datei benötigt.".into(),
            seite: None,
        });
    }

    // Pages, without repeats (a cyclic page tree lists the same page again and again).
    let mut seen = HashSet::new();
    let page_ids: Vec<ObjectId> = doc
        .page_iter()
        .filter(|id| seen.insert(*id))
        .take(grenzen.max_seiten + 1)
        .collect();
    if page_ids.is_empty() {
        feststellungen.push(katalog::keine_seiten());
        return Pruefergebnis {
            lesbar: false,
            pdf_version: Some(doc.version.clone()),
            seitenzahl: 0,
            seiten: vec![],
            feststellungen,
            pdfa: None,
        };
    }
    if page_ids.len() > grenzen.max_seiten {
        let total = doc
            .page_iter()
            .take(1_000_000)
            .collect::<HashSet<_>>()
            .len();
        feststellungen.push(katalog::zu_viele_seiten(total, grenzen.max_seiten));
        return Pruefergebnis {
            lesbar: false,
            pdf_version: Some(doc.version.clone()),
            seitenzahl: total,
            seiten: vec![],
            feststellungen,
            pdfa: None,
        };
    }

    active_content(&doc, &mut feststellungen);

    let mut seiten = Vec::with_capacity(page_ids.len());
    let mut fonts_missing: BTreeSet<String> = BTreeSet::new();
    let mut first_font_page: Option<u32> = None;
    for (i, &pid) in page_ids.iter().enumerate() {
        let nummer = i as u32 + 1;
        let Ok(page) = doc.get_dictionary(pid) else {
            continue;
        };
        let (w_pt, h_pt) = page_size(&doc, page);
        let fmt = Seitenformat::aus_punkten(w_pt, h_pt);
        if fmt.format == Papierformat::Sonderformat {
            feststellungen.push(katalog::sonderformat(&fmt.bezeichnung(), nummer));
        }
        let resources = inherited(&doc, page, b"Resources").and_then(|o| deref_dict(&doc, o));
        let (bilder, max_img) = resources.map(|r| images(&doc, r)).unwrap_or((0, None));
        let content = doc
            .get_page_content_with_limit(pid, grenzen.max_dekomprimiert)
            .unwrap_or_default();
        let hat_text = has_text_operators(&content);
        for name in resources
            .map(|r| unembedded_fonts(&doc, r))
            .unwrap_or_default()
        {
            first_font_page.get_or_insert(nummer);
            fonts_missing.insert(name);
        }
        let scan_dpi = match (hat_text, bilder, max_img) {
            (false, 1..=2, Some((iw, ih))) => Some(dpi(iw, ih, fmt.breite_mm, fmt.hoehe_mm)),
            _ => None,
        };
        if let Some(d) = scan_dpi
            && d < grenzen.min_scan_dpi
        {
            feststellungen.push(katalog::scan_aufloesung_gering(
                d,
                grenzen.min_scan_dpi,
                nummer,
            ));
        }
        seiten.push(SeitenInfo {
            nummer,
            breite_mm: fmt.breite_mm,
            hoehe_mm: fmt.hoehe_mm,
            format: fmt.format.to_string(),
            ausrichtung: match fmt.ausrichtung {
                Ausrichtung::Hoch => "hoch".into(),
                Ausrichtung::Quer => "quer".into(),
            },
            bezeichnung: fmt.bezeichnung(),
            hat_textoperatoren: hat_text,
            bilder,
            scan_dpi,
        });
    }
    // Kids that lead to no page dictionary (a page tree pointing at missing or broken
    // objects, e.g. a file cut off after its page tree) leave no page to check: that is a
    // document without pages, not a readable empty one (found by fuzzing).
    if seiten.is_empty() {
        feststellungen.push(katalog::keine_seiten());
        return Pruefergebnis {
            lesbar: false,
            pdf_version: Some(doc.version.clone()),
            seitenzahl: 0,
            seiten: vec![],
            feststellungen,
            pdfa: None,
        };
    }
    if let Some(p) = first_font_page {
        feststellungen.push(katalog::schrift_nicht_eingebettet(
            &fonts_missing.into_iter().collect::<Vec<_>>(),
            p,
        ));
    }
    let pdfa = pdfa_claim(&doc, grenzen.max_dekomprimiert);
    if let Some(claim) = &pdfa {
        let (part, conf) = claim.split_at(1);
        feststellungen.push(katalog::pdfa(part, conf));
    }
    let lesbar = !feststellungen
        .iter()
        .any(|f| matches!(f.code.as_str(), "pdf.javascript" | "pdf.startaktion"));
    Pruefergebnis {
        lesbar,
        pdf_version: Some(doc.version.clone()),
        seitenzahl: seiten.len(),
        seiten,
        feststellungen,
        pdfa,
    }
}

fn kurz(s: &str) -> String {
    let mut t: String = s.chars().take(160).collect();
    if s.chars().count() > 160 {
        t.push('…');
    }
    t
}

pub(crate) fn deref_dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match doc.dereference(o).ok()?.1 {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// A page attribute, looked up through the Parent chain (at most 64 levels).
pub(crate) fn inherited<'a>(
    doc: &'a Document,
    page: &'a Dictionary,
    key: &[u8],
) -> Option<&'a Object> {
    let mut d = page;
    for _ in 0..64 {
        if let Ok(v) = d.get(key) {
            return Some(v);
        }
        d = d.get(b"Parent").ok().and_then(|p| deref_dict(doc, p))?;
    }
    None
}

fn rect(doc: &Document, o: &Object) -> Option<[f64; 4]> {
    let (_, o) = doc.dereference(o).ok()?;
    let a = o.as_array().ok()?;
    if a.len() != 4 {
        return None;
    }
    let mut r = [0.0; 4];
    for (i, v) in a.iter().enumerate() {
        let v = doc.dereference(v).ok()?.1.as_float().ok()? as f64;
        if !v.is_finite() {
            return None;
        }
        r[i] = v;
    }
    Some(r)
}

/// The displayed size in points: CropBox (else MediaBox, else A4), times UserUnit, turned
/// by Rotate.
pub(crate) fn page_size(doc: &Document, page: &Dictionary) -> (f64, f64) {
    let media = inherited(doc, page, b"MediaBox")
        .and_then(|o| rect(doc, o))
        .unwrap_or([0.0, 0.0, 595.276, 841.89]);
    let crop = inherited(doc, page, b"CropBox").and_then(|o| rect(doc, o));
    let r = match crop {
        Some(c) => [
            c[0].max(media[0]),
            c[1].max(media[1]),
            c[2].min(media[2]),
            c[3].min(media[3]),
        ],
        None => media,
    };
    let unit = page
        .get(b"UserUnit")
        .ok()
        .and_then(|u| u.as_float().ok())
        .map(f64::from)
        .filter(|u| *u > 0.0 && u.is_finite())
        .unwrap_or(1.0);
    let w = (r[2] - r[0]).abs() * unit;
    let h = (r[3] - r[1]).abs() * unit;
    let rotate = inherited(doc, page, b"Rotate")
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0)
        .rem_euclid(360);
    if rotate == 90 || rotate == 270 {
        (h, w)
    } else {
        (w, h)
    }
}

/// Counts image XObjects of the resources and returns the largest one's pixel size.
fn images(doc: &Document, resources: &Dictionary) -> (u32, Option<(u64, u64)>) {
    let Some(xobjects) = resources
        .get(b"XObject")
        .ok()
        .and_then(|x| deref_dict(doc, x))
    else {
        return (0, None);
    };
    let mut n = 0;
    let mut largest: Option<(u64, u64)> = None;
    for (_, v) in xobjects.iter() {
        let Some(d) = deref_dict(doc, v) else {
            continue;
        };
        if d.get(b"Subtype").ok().and_then(|s| s.as_name().ok()) != Some(b"Image".as_slice()) {
            continue;
        }
        n += 1;
        let w = d
            .get(b"Width")
            .ok()
            .and_then(|x| x.as_i64().ok())
            .unwrap_or(0)
            .max(0) as u64;
        let h = d
            .get(b"Height")
            .ok()
            .and_then(|x| x.as_i64().ok())
            .unwrap_or(0)
            .max(0) as u64;
        // Width and Height come from the file: saturate, as a claimed 10^10 × 10^10 image
        // would overflow (a panic in builds with overflow checks; tests/fuzz-funde).
        if largest.is_none_or(|(lw, lh)| w.saturating_mul(h) > lw.saturating_mul(lh)) {
            largest = Some((w, h));
        }
    }
    (n, largest)
}

/// Resolution of an image filling a page, matching the image's orientation to the page's.
pub(crate) fn dpi(iw: u64, ih: u64, w_mm: f64, h_mm: f64) -> u32 {
    let (pw, ph) = if (iw >= ih) == (w_mm >= h_mm) {
        (w_mm, h_mm)
    } else {
        (h_mm, w_mm)
    };
    let dx = iw as f64 / (pw / 25.4);
    let dy = ih as f64 / (ph / 25.4);
    dx.min(dy).round().clamp(0.0, 100_000.0) as u32
}

/// Does the content stream show text (a `Tj`, `TJ`, `'` or `"` operator inside BT…ET)?
fn has_text_operators(content: &[u8]) -> bool {
    let mut in_text = false;
    for tok in content.split(|b| b.is_ascii_whitespace() || *b == b')' || *b == b']') {
        match tok {
            b"BT" => in_text = true,
            b"ET" => in_text = false,
            b"Tj" | b"TJ" | b"'" | b"\"" if in_text => return true,
            _ => {}
        }
    }
    false
}

/// Names of fonts of the resources that carry no font program.
fn unembedded_fonts(doc: &Document, resources: &Dictionary) -> Vec<String> {
    let Some(fonts) = resources.get(b"Font").ok().and_then(|f| deref_dict(doc, f)) else {
        return vec![];
    };
    let mut out = Vec::new();
    for (_, v) in fonts.iter() {
        let Some(font) = deref_dict(doc, v) else {
            continue;
        };
        let subtype = font
            .get(b"Subtype")
            .ok()
            .and_then(|s| s.as_name().ok())
            .unwrap_or(b"");
        if subtype == b"Type3" {
            continue;
        }
        let descriptor_holder = if subtype == b"Type0" {
            font.get(b"DescendantFonts")
                .ok()
                .and_then(|d| doc.dereference(d).ok())
                .and_then(|(_, a)| a.as_array().ok())
                .and_then(|a| a.first())
                .and_then(|f| deref_dict(doc, f))
        } else {
            Some(font)
        };
        let embedded = descriptor_holder
            .and_then(|f| f.get(b"FontDescriptor").ok())
            .and_then(|d| deref_dict(doc, d))
            .is_some_and(|d| d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3"));
        if !embedded {
            let name = font
                .get(b"BaseFont")
                .ok()
                .and_then(|n| n.as_name().ok())
                .map(|n| String::from_utf8_lossy(n).to_string())
                .unwrap_or_else(|| "unbenannt".into());
            // Subset prefixes ("ABCDEF+Arial") are not part of the name people know.
            let name = match name.split_once('+') {
                Some((p, rest)) if p.len() == 6 => rest.to_string(),
                _ => name,
            };
            out.push(name);
        }
    }
    out
}

/// JavaScript, launch actions and embedded files anywhere in the document, including
/// dictionaries nested inside others (an annotation's action), at most 32 levels deep.
fn active_content(doc: &Document, out: &mut Vec<Feststellung>) {
    #[derive(Default)]
    struct Found {
        js: bool,
        launch: bool,
        embedded: usize,
    }
    fn visit_dict(dict: &Dictionary, found: &mut Found, depth: u32) {
        let s = dict.get(b"S").ok().and_then(|s| s.as_name().ok());
        if dict.has(b"JS") || s == Some(b"JavaScript".as_slice()) {
            found.js = true;
        }
        if s == Some(b"Launch".as_slice()) {
            found.launch = true;
        }
        if dict.get(b"Type").ok().and_then(|t| t.as_name().ok()) == Some(b"EmbeddedFile".as_slice())
        {
            found.embedded += 1;
        }
        if depth < 32 {
            for (key, v) in dict.iter() {
                // A catalog's name tree for scripts counts even if its entries are elsewhere.
                if key.as_slice() == b"JavaScript" {
                    found.js = true;
                }
                visit(v, found, depth + 1);
            }
        }
    }
    fn visit(o: &Object, found: &mut Found, depth: u32) {
        match o {
            Object::Dictionary(d) => visit_dict(d, found, depth),
            Object::Stream(s) => visit_dict(&s.dict, found, depth),
            Object::Array(a) if depth < 32 => a.iter().for_each(|x| visit(x, found, depth + 1)),
            _ => {}
        }
    }
    let mut found = Found::default();
    for obj in doc.objects.values() {
        visit(obj, &mut found, 0);
    }
    if found.js {
        out.push(katalog::javascript(None));
    }
    if found.launch {
        out.push(katalog::startaktion(None));
    }
    if found.embedded > 0 {
        out.push(katalog::eingebettete_datei(found.embedded));
    }
}

/// The PDF/A part and conformance claimed in the catalog's XMP metadata, e.g. "2b".
fn pdfa_claim(doc: &Document, limit: usize) -> Option<String> {
    let meta = doc.catalog().ok()?.get(b"Metadata").ok()?;
    let (_, o) = doc.dereference(meta).ok()?;
    let stream = o.as_stream().ok()?;
    let xml = if stream.dict.has(b"Filter") {
        stream.decompressed_content_with_limit(limit).ok()?
    } else {
        stream.content.clone()
    };
    let xml = String::from_utf8_lossy(&xml[..xml.len().min(1 << 20)]).to_string();
    let part = xmp_value(&xml, "pdfaid:part")?;
    // The caller splits the claim after its first byte: the part must be one ASCII digit
    // (PDF/A-1 … PDF/A-4). An empty or non-ASCII part ("", "ä") made that split panic;
    // such a claim is no claim at all (tests/fuzz-funde).
    let part = part.trim();
    if part.len() != 1 || !part.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let conf = xmp_value(&xml, "pdfaid:conformance").unwrap_or_default();
    Some(format!("{}{}", part, conf.trim().to_lowercase()))
}

/// `<ns:key>v</ns:key>` or `ns:key="v"`.
fn xmp_value(xml: &str, key: &str) -> Option<String> {
    if let Some(i) = xml.find(&format!("<{key}>")) {
        let rest = &xml[i + key.len() + 2..];
        return rest.find('<').map(|e| rest[..e].to_string());
    }
    for q in ['"', '\''] {
        if let Some(i) = xml.find(&format!("{key}={q}")) {
            let rest = &xml[i + key.len() + 2..];
            return rest.find(q).map(|e| rest[..e].to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_operators_are_found_only_inside_text_objects() {
        assert!(has_text_operators(b"BT /F1 12 Tf 10 10 Td (Hallo) Tj ET"));
        assert!(has_text_operators(b"BT [(A) 10 (B)] TJ ET"));
        assert!(!has_text_operators(b"q 100 0 0 100 0 0 cm /Im0 Do Q"));
        assert!(!has_text_operators(b"(Tj) Tj"), "outside BT…ET");
    }

    #[test]
    fn dpi_of_a_page_filling_image() {
        // A4 at 300 dpi is 2480 × 3508 pixels.
        assert_eq!(dpi(2480, 3508, 210.0, 297.0), 300);
        // The image may be stored turned.
        assert_eq!(dpi(3508, 2480, 210.0, 297.0), 300);
        assert_eq!(dpi(1240, 1754, 210.0, 297.0), 150);
    }

    #[test]
    fn xmp_claims_in_both_notations() {
        assert_eq!(
            xmp_value("<pdfaid:part>2</pdfaid:part>", "pdfaid:part").as_deref(),
            Some("2")
        );
        assert_eq!(
            xmp_value(
                "<rdf:Description pdfaid:part=\"3\" pdfaid:conformance='A'/>",
                "pdfaid:conformance"
            )
            .as_deref(),
            Some("A")
        );
    }
}
