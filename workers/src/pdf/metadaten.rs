//! The metadata stage: plan metadata from the title block (Schriftfeld) text, each field with
//! its source, page and confidence. Pure text rules; the text comes from the extract stage.
//!
//! Two layouts are understood: the text layer of CAD exports puts label and value on
//! separate lines ("Maßstab" / "M 1:100"); OCR usually reads them as one line
//! ("Maßstab M 1:100"). The first occurrence of a label counts (revision tables repeat
//! "Index" and "Datum" further down).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feld {
    pub feld: String,
    pub wert: String,
    /// `textebene` or `ocr`.
    pub quelle: String,
    pub seite: u32,
    /// 0.0–1.0.
    pub konfidenz: f64,
}

/// The Planarten we recognise, with their XBau `anlagen_3.0` code.
pub const PLANARTEN: &[(&str, &str, &[&str])] = &[
    ("Lageplan", "1803", &["lageplan"]),
    ("Grundriss", "2001", &["grundriss"]),
    ("Schnitt", "2002", &["schnitt"]),
    ("Ansicht", "2003", &["ansicht"]),
    ("Baubeschreibung", "1502", &["baubeschreibung"]),
    (
        "Stellplatznachweis",
        "2301",
        &["stellplatznachweis", "stellplätze", "stellplatz"],
    ),
];

const LABELS: &[(&str, &[&str])] = &[
    ("bauherr", &["bauherrschaft", "bauherrin", "bauherr"]),
    ("bauvorhaben", &["bauvorhaben", "vorhaben"]),
    ("planinhalt", &["planinhalt", "planbezeichnung", "inhalt"]),
    ("geschoss", &["geschoss", "ebene"]),
    ("massstab", &["maßstab", "massstab"]),
    (
        "plannummer",
        &[
            "plan-nr.",
            "plan-nr",
            "plannummer",
            "plan nr.",
            "zeichnungsnummer",
            "blatt-nr.",
        ],
    ),
    ("index", &["index"]),
    ("datum", &["datum"]),
    (
        "entwurfsverfasser",
        &["entwurfsverfasserin", "entwurfsverfasser", "planverfasser"],
    ),
];

/// Labels of title block cells that hold no field we read; they bound their neighbours' cells.
const GRENZ_LABELS: &[&str] = &[
    "format",
    "blatt",
    "gez.",
    "änderung",
    "gezeichnet",
    "geprüft",
];

/// Words that, before a label, make it another label ("Anschrift Bauherr", "Unterschrift Bauherr").
const NOT_A_LABEL_BEFORE: &[&str] = &["anschrift", "unterschrift", "unterschriften"];

fn normalise(line: &str) -> String {
    line.trim()
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// If `line` starts with a label, the field and the rest of the line.
fn label_of(line: &str) -> Option<(&'static str, String)> {
    let n = normalise(line);
    let lower = n.to_lowercase();
    if NOT_A_LABEL_BEFORE.iter().any(|w| lower.starts_with(w)) {
        return None;
    }
    for (feld, labels) in LABELS {
        for l in *labels {
            if let Some(rest) = lower.strip_prefix(l) {
                // A whole word: nothing or punctuation/space follows.
                if rest.is_empty() || rest.starts_with([' ', ':', '\t']) {
                    let cut = n
                        .char_indices()
                        .nth(l.chars().count())
                        .map(|(i, _)| i)
                        .unwrap_or(n.len());
                    return Some((
                        feld,
                        n[cut..]
                            .trim_start_matches([':', ' ', '\t'])
                            .trim()
                            .to_string(),
                    ));
                }
            }
        }
    }
    None
}

fn massstab(s: &str) -> Option<String> {
    let t = s.replace(' ', "");
    let i = t.find("1:")?;
    let digits: String = t[i + 2..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .filter(|c| c.is_ascii_digit())
        .collect();
    (!digits.is_empty() && digits.len() <= 5).then(|| format!("1:{digits}"))
}

fn datum(s: &str) -> Option<String> {
    // dd.mm.yyyy anywhere in the value.
    let b: Vec<char> = s.chars().collect();
    for i in 0..b.len() {
        let w: String = b[i..].iter().take(10).collect();
        let p: Vec<&str> = w.split('.').collect();
        if p.len() == 3
            && p[0].len() == 2
            && p[1].len() == 2
            && p[2].len() == 4
            && p.iter().all(|x| x.chars().all(|c| c.is_ascii_digit()))
        {
            let (d, m, y): (u32, u32, i32) =
                (p[0].parse().ok()?, p[1].parse().ok()?, p[2].parse().ok()?);
            if chrono::NaiveDate::from_ymd_opt(y, m, d).is_some() {
                return Some(format!("{y:04}-{m:02}-{d:02}"));
            }
        }
    }
    None
}

fn geschoss_aus(text: &str) -> Option<String> {
    let l = text.to_lowercase();
    for (wort, kurz) in [
        ("kellergeschoss", "KG"),
        ("erdgeschoss", "EG"),
        ("obergeschoss", "OG"),
        ("dachgeschoss", "DG"),
        ("untergeschoss", "UG"),
    ] {
        if l.contains(wort) {
            return Some(kurz.to_string());
        }
    }
    None
}

/// Checks and normalises a value for a field; `None` when it is not plausible.
fn plausibel(feld: &str, wert: &str) -> Option<String> {
    let w = wert
        .trim()
        .trim_matches(|c: char| c == '|' || c == '_')
        .trim();
    if w.is_empty() || w == "–" || w == "-" {
        return None;
    }
    match feld {
        "massstab" => massstab(w),
        "datum" => datum(w),
        "index" => {
            let t: String = w.split_whitespace().next()?.to_string();
            (t.chars().count() <= 3 && t.chars().all(|c| c.is_alphanumeric())).then_some(t)
        }
        "plannummer" => {
            let t: String = w.split_whitespace().next()?.to_string();
            (t.chars().count() <= 20 && t.chars().any(|c| c.is_ascii_digit())).then_some(t)
        }
        "geschoss" => {
            let t = w.split_whitespace().next()?.to_uppercase();
            (t.chars().count() <= 4)
                .then_some(t)
                .or_else(|| geschoss_aus(w))
        }
        _ => {
            // OCR leaves specks at the ends: "; Dipl.-Ing. …", "… 12345 ."
            let mut t = w
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .trim_end();
            while let Some(rest) = t
                .strip_suffix(|c: char| matches!(c, ';' | '|' | ',' | '_' | ':'))
                .or_else(|| t.strip_suffix(" ."))
            {
                t = rest.trim_end();
            }
            (!t.is_empty() && t.chars().count() <= 200).then(|| t.to_string())
        }
    }
}

/// Reads the fields of one page's text.
pub fn felder(text: &str, quelle: &str, seite: u32, ocr_konfidenz: Option<f32>) -> Vec<Feld> {
    let basis = match ocr_konfidenz {
        Some(k) => (k as f64 / 100.0 * 0.9).clamp(0.05, 0.9),
        None => 0.95,
    };
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out: Vec<Feld> = Vec::new();
    let push = |out: &mut Vec<Feld>, feld: &str, wert: String, k: f64| {
        if !out.iter().any(|f| f.feld == feld) {
            out.push(Feld {
                feld: feld.to_string(),
                wert,
                quelle: quelle.to_string(),
                seite,
                konfidenz: k,
            });
        }
    };
    for (i, line) in lines.iter().enumerate() {
        let Some((feld, rest)) = label_of(line) else {
            continue;
        };
        if out.iter().any(|f| f.feld == feld) {
            continue;
        }
        // OCR style: value on the same line; text layer: on the next line (unless that is a label).
        let candidate = if !rest.is_empty() {
            Some(rest)
        } else {
            lines
                .get(i + 1)
                .filter(|n| label_of(n).is_none())
                .map(|s| s.to_string())
        };
        if let Some(v) = candidate.and_then(|c| plausibel(feld, &c)) {
            push(&mut out, feld, v, basis);
        }
    }
    // Fallbacks from the whole text, with less confidence.
    if !out.iter().any(|f| f.feld == "massstab")
        && let Some(m) = lines
            .iter()
            .find_map(|l| l.strip_prefix("M ").and_then(massstab))
    {
        push(&mut out, "massstab", m, basis * 0.8);
    }
    let planinhalt = out
        .iter()
        .find(|f| f.feld == "planinhalt")
        .map(|f| f.wert.clone());
    if planinhalt.is_none() {
        // Text documents carry their kind as a heading instead of a Planinhalt field.
        if let Some((name, _, _)) = PLANARTEN.iter().find(|(_, _, keys)| {
            lines
                .iter()
                .take(3)
                .any(|l| keys.iter().any(|k| l.to_lowercase().starts_with(k)))
        }) {
            push(&mut out, "planinhalt", name.to_string(), basis * 0.8);
        }
    }
    if !out.iter().any(|f| f.feld == "geschoss")
        && let Some(g) = planinhalt.as_deref().and_then(geschoss_aus)
    {
        push(&mut out, "geschoss", g, basis * 0.9);
    }
    // Planart and Anlageart from the Planinhalt (else from the whole text).
    let basis_text = out
        .iter()
        .find(|f| f.feld == "planinhalt")
        .map(|f| f.wert.to_lowercase());
    let k = if basis_text.is_some() {
        basis
    } else {
        basis * 0.6
    };
    let haystack = basis_text.unwrap_or_else(|| text.to_lowercase());
    if let Some((name, code, _)) = PLANARTEN
        .iter()
        .find(|(_, _, keys)| keys.iter().any(|key| haystack.contains(key)))
    {
        push(&mut out, "planart", name.to_string(), k);
        push(&mut out, "anlageart", code.to_string(), k);
    }
    out
}

/// One page's text as the extract stage left it.
#[derive(Debug, Clone, Copy)]
pub struct SeitenEingabe<'a> {
    pub nummer: u32,
    /// `textebene` or `ocr`.
    pub quelle: &'a str,
    /// The title block read on its own (OCR), if it was.
    pub schriftfeld: Option<&'a str>,
    pub text: &'a str,
    pub konfidenz: Option<f32>,
}

/// The fields of a document: from its first three pages, on each the title block read on
/// its own first, then the page's whole text; the first page that has a field wins.
pub fn felder_des_dokuments(seiten: &[SeitenEingabe<'_>]) -> Vec<Feld> {
    let mut found: Vec<Feld> = Vec::new();
    for s in seiten.iter().take(3) {
        let k = if s.quelle == "ocr" {
            Some(s.konfidenz.unwrap_or(60.0))
        } else {
            None
        };
        let mut page = s
            .schriftfeld
            .map(|t| felder(t, s.quelle, s.nummer, k))
            .unwrap_or_default();
        for f in felder(s.text, s.quelle, s.nummer, k) {
            if !page.iter().any(|x| x.feld == f.feld) {
                page.push(f);
            }
        }
        for f in page {
            if !found.iter().any(|x| x.feld == f.feld) {
                found.push(f);
            }
        }
    }
    found
}

/// Rebuilds a title block from OCR'd words with their boxes into the text-layer layout
/// ("Label" line, then its value line), so [`felder`] reads both alike. A title block is a
/// grid: each cell has a small label at its top and the value below it; OCR's own reading
/// order mixes the cells, the boxes do not.
pub fn ordne_schriftfeld(woerter: &[super::ocr::Wort]) -> String {
    use super::ocr::Wort;
    // Labels: a word (or two, "Plan-Nr." may come as "Plan-" "Nr.") that names a field.
    struct Label {
        links: i32,
        oben: i32,
        rechts: i32,
        hoehe: i32,
        name: String,
        idx: Vec<usize>,
    }
    let mut labels: Vec<Label> = Vec::new();
    let mut i = 0;
    while i < woerter.len() {
        let w = &woerter[i];
        let one = w.text.clone();
        let two = woerter
            .get(i + 1)
            .filter(|n| (n.oben - w.oben).abs() < w.hoehe / 2)
            .map(|n| format!("{}{}", w.text, n.text));
        let matched = [two.clone().map(|t| (t, 2)), Some((one, 1))]
            .into_iter()
            .flatten()
            .find(|(t, _)| {
                let lower = t
                    .trim_start_matches(|c: char| !c.is_alphanumeric())
                    .trim_end_matches(':')
                    .to_lowercase();
                LABELS.iter().any(|(_, ls)| ls.iter().any(|l| lower == *l))
                    || GRENZ_LABELS.contains(&lower.as_str())
            });
        if let Some((text, n)) = matched {
            let last = &woerter[i + n - 1];
            labels.push(Label {
                links: w.links,
                oben: w.oben,
                rechts: last.links + last.breite,
                hoehe: w.hoehe.max(1),
                name: text,
                idx: (i..i + n).collect(),
            });
            i += n;
        } else {
            i += 1;
        }
    }
    let is_label_word = |k: usize| labels.iter().any(|l| l.idx.contains(&k));
    // Specks read as letters have low confidence; values worth reading do not.
    let lesbar = |w: &Wort| {
        w.konfidenz >= 40.0 || w.text.chars().filter(|c| c.is_alphanumeric()).count() >= 3
    };
    let mut out = String::new();
    for l in labels
        .iter()
        .filter(|l| !GRENZ_LABELS.contains(&l.name.to_lowercase().as_str()))
    {
        // The cell reaches right to the next label on the same row.
        let rechts_grenze = labels
            .iter()
            .filter(|o| o.links > l.links && (o.oben - l.oben).abs() < l.hoehe)
            .map(|o| o.links)
            .min()
            .unwrap_or(i32::MAX);
        let in_spalte = |w: &Wort| {
            let mitte = w.links + w.breite / 2;
            mitte >= l.links - l.hoehe && mitte < rechts_grenze
        };
        // Below the label: the first line of words in the cell.
        let darunter: Vec<(usize, &Wort)> = woerter
            .iter()
            .enumerate()
            .filter(|(k, w)| {
                !is_label_word(*k)
                    && lesbar(w)
                    && in_spalte(w)
                    && w.oben > l.oben + l.hoehe / 2
                    && w.oben < l.oben + l.hoehe * 5
            })
            .collect();
        // The first printed line below the label: the topmost word's line, as tesseract grouped
        // it (robust to a slightly rotated scan, where a long line drifts up or down).
        let erste = darunter
            .iter()
            .min_by_key(|(_, w)| (w.oben, w.links))
            .map(|(_, w)| w.zeile);
        let mut wert: Vec<&Wort> = match erste {
            Some(z) => darunter
                .iter()
                .filter(|(_, w)| w.zeile == z)
                .map(|(_, w)| *w)
                .collect(),
            None => Vec::new(),
        };
        if wert.is_empty() {
            // The value on the label's own line, right of it.
            wert = woerter
                .iter()
                .enumerate()
                .filter(|(k, w)| {
                    !is_label_word(*k)
                        && lesbar(w)
                        && (w.oben - l.oben).abs() < l.hoehe
                        && w.links > l.rechts
                        && w.links < rechts_grenze
                })
                .map(|(_, w)| w)
                .collect();
        }
        wert.sort_by_key(|w| w.links);
        let text: Vec<&str> = wert.iter().map(|w| w.text.as_str()).collect();
        if !text.is_empty() {
            out.push_str(&l.name);
            out.push('\n');
            out.push_str(&text.join(" "));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(f: &'a [Feld], name: &str) -> Option<&'a str> {
        f.iter().find(|x| x.feld == name).map(|x| x.wert.as_str())
    }

    #[test]
    fn text_layer_layout_with_labels_on_their_own_lines() {
        let t = "Bauherr\nFamilie Jana und Tom Becker\nGoethestraße 41\nBauvorhaben\nNeubau Einfamilienhaus mit Garage\nPlaninhalt\nGrundriss Erdgeschoss\nGeschoss\nEG\nMaßstab\nM 1:100\nPlan-Nr.\nA-101\nIndex\nB\nDatum\n14.09.2026\nEntwurfsverfasser\nDipl.-Ing. Sabine Hoffmann\nUnterschrift Bauherr\nIndex\nDatum\nÄnderung\nA\n01.01.2020";
        let f = felder(t, "textebene", 1, None);
        assert_eq!(get(&f, "bauherr"), Some("Familie Jana und Tom Becker"));
        assert_eq!(get(&f, "massstab"), Some("1:100"));
        assert_eq!(get(&f, "plannummer"), Some("A-101"));
        assert_eq!(
            get(&f, "index"),
            Some("B"),
            "the title block, not the revision table"
        );
        assert_eq!(get(&f, "datum"), Some("2026-09-14"));
        assert_eq!(get(&f, "geschoss"), Some("EG"));
        assert_eq!(get(&f, "planart"), Some("Grundriss"));
        assert_eq!(get(&f, "anlageart"), Some("2001"));
        assert!(
            f.iter()
                .all(|x| x.quelle == "textebene" && x.seite == 1 && x.konfidenz > 0.5)
        );
    }

    #[test]
    fn ocr_layout_with_values_on_the_label_line() {
        let t = "‚Bauherr Familie Jana und Tom Becker\nBauvorhaben Neubau Einfamilienhaus\nPlaninhalt Schnitt A-A\nMaßstab M 1 : 100\nPlan-Nr. A-201 Index A\nDatum 28.08.2026";
        let f = felder(t, "ocr", 1, Some(80.0));
        assert_eq!(get(&f, "bauherr"), Some("Familie Jana und Tom Becker"));
        assert_eq!(get(&f, "massstab"), Some("1:100"));
        assert_eq!(get(&f, "plannummer"), Some("A-201"));
        assert_eq!(get(&f, "planart"), Some("Schnitt"));
        assert_eq!(get(&f, "datum"), Some("2026-08-28"));
        assert!(f.iter().all(|x| x.konfidenz <= 0.9));
    }

    fn w(text: &str, links: i32, oben: i32, breite: i32, hoehe: i32) -> crate::pdf::ocr::Wort {
        crate::pdf::ocr::Wort {
            text: text.into(),
            links,
            oben,
            breite,
            hoehe,
            konfidenz: 90.0,
            zeile: (0, 0, oben),
        }
    }

    #[test]
    fn a_title_block_grid_is_read_cell_by_cell() {
        // Two rows of cells: labels small at the top, values larger below, OCR order mixed.
        let words = vec![
            w("Maßstab", 0, 100, 60, 10),
            w("Plan-Nr.", 200, 100, 60, 10),
            w("Index", 400, 100, 40, 10),
            w("Datum", 500, 100, 40, 10),
            w("M", 0, 120, 20, 20),
            w("1:100", 25, 120, 60, 20),
            w("A-100", 200, 120, 70, 20),
            w("A", 400, 120, 15, 20),
            w("28.08.2026", 500, 120, 120, 20),
            w("Bauherr", 0, 0, 60, 10),
            w("Bauvorhaben", 300, 0, 90, 10),
            w("Familie", 0, 20, 60, 20),
            w("Becker", 70, 20, 60, 20),
            w("Neubau", 300, 20, 70, 20),
            w("Haus", 380, 20, 50, 20),
        ];
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "ocr", 1, Some(80.0));
        assert_eq!(get(&f, "bauherr"), Some("Familie Becker"), "{text}");
        assert_eq!(get(&f, "bauvorhaben"), Some("Neubau Haus"));
        assert_eq!(get(&f, "massstab"), Some("1:100"));
        assert_eq!(get(&f, "plannummer"), Some("A-100"));
        assert_eq!(get(&f, "index"), Some("A"));
        assert_eq!(get(&f, "datum"), Some("2026-08-28"));
    }

    #[test]
    fn implausible_values_are_not_taken() {
        let f = felder(
            "Datum\n31.02.2026\nMaßstab\nohne\nGeschoss\n–",
            "textebene",
            1,
            None,
        );
        assert_eq!(get(&f, "datum"), None);
        assert_eq!(get(&f, "massstab"), None);
        assert_eq!(get(&f, "geschoss"), None);
    }
}
