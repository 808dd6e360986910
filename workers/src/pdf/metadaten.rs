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

/// A printed label of a title block field (`daten/schriftfeld-labels.tsv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The field it names; `None` for cells that hold no field we read.
    pub feld: Option<&'static str>,
    /// 1 is strongest; see the data file.
    pub rang: u8,
    /// Only a label alone on its line (or followed by a colon).
    pub allein: bool,
    /// As printed in the data file.
    pub text: &'static str,
    schluessel: String,
    /// [`Label::schluessel`] without a trailing full stop or comma.
    ohne_punkt: String,
}

/// The label table, read once from the data file compiled in.
pub fn labels() -> &'static [Label] {
    static TABELLE: std::sync::OnceLock<Vec<Label>> = std::sync::OnceLock::new();
    TABELLE.get_or_init(|| {
        include_str!("daten/schriftfeld-labels.tsv")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let c: Vec<&'static str> = l.split('\t').collect();
                assert_eq!(c.len(), 4, "schriftfeld-labels.tsv: four columns: {l}");
                Label {
                    feld: (c[0] != "-").then_some(c[0]),
                    rang: c[1].parse().expect("schriftfeld-labels.tsv: rank"),
                    allein: match c[2] {
                        "allein" => true,
                        "frei" => false,
                        x => panic!("schriftfeld-labels.tsv: form {x}"),
                    },
                    text: c[3],
                    schluessel: schluessel(c[3]),
                    ohne_punkt: schluessel(c[3]).trim_end_matches(['.', ',']).to_string(),
                }
            })
            .collect()
    })
}

/// How a label is compared: lower case, without a trailing colon, spaces and hyphens.
fn schluessel(s: &str) -> String {
    s.trim()
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_end_matches([':', ';'])
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        // OCR often loses the dots of an umlaut ("Anderung"); no two labels differ by one.
        .map(|c| match c {
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            c => c,
        })
        .collect()
}

/// The label a printed word (or a few words joined) is, if any. A trailing full stop or
/// comma that is not part of the label ("Bauherrin." where OCR read a speck as a dot,
/// "Zeichnungs-Nr" without its dot) does not matter.
pub fn label_fuer(text: &str) -> Option<&'static Label> {
    let k = schluessel(text);
    if k.is_empty() {
        return None;
    }
    labels().iter().find(|l| l.schluessel == k).or_else(|| {
        let k = k.trim_end_matches(['.', ',']);
        (!k.is_empty())
            .then(|| labels().iter().find(|l| l.ohne_punkt == k))
            .flatten()
    })
}

/// Edit distance (insertions, deletions, substitutions) of two short strings.
fn abstand(a: &[char], b: &[char]) -> usize {
    let mut vorher: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut jetzt = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            jetzt[j + 1] = (vorher[j] + usize::from(ca != cb))
                .min(vorher[j + 1] + 1)
                .min(jetzt[j] + 1);
        }
        vorher = jetzt;
    }
    vorher[b.len()]
}

/// [`label_fuer`] for one word OCR may have misread ("Panverfasser", "Basnerrschaft"): a
/// long label (eight letters or more) also matches with one wrong letter in four. Only
/// labels that never begin a value (form `frei`) are matched so loosely, and the nearest
/// one wins; a tie between two fields is no match.
pub fn label_fuer_ocr(text: &str) -> Option<&'static Label> {
    if let Some(l) = label_fuer(text) {
        return Some(l);
    }
    let k: Vec<char> = schluessel(text)
        .trim_end_matches(['.', ','])
        .chars()
        .collect();
    if k.len() < 8 || !k.iter().all(|c| c.is_alphabetic() || *c == '.') {
        return None;
    }
    let mut beste: Option<(usize, &'static Label)> = None;
    let mut gleichstand = false;
    for l in labels().iter().filter(|l| !l.allein && l.feld.is_some()) {
        let lk: Vec<char> = l.ohne_punkt.chars().collect();
        if lk.len() < 8 || lk.len().abs_diff(k.len()) > lk.len() / 4 {
            continue;
        }
        let d = abstand(&k, &lk);
        if d * 4 > lk.len() {
            continue;
        }
        match beste {
            Some((bd, bl)) if d == bd && bl.feld != l.feld => gleichstand = true,
            Some((bd, _)) if d >= bd => {}
            _ => {
                beste = Some((d, l));
                gleichstand = false;
            }
        }
    }
    beste.filter(|_| !gleichstand).map(|(_, l)| l)
}

/// [`label_fuer`] for one word OCR read surely but wrongly ("Bauberrschaft" at 150 dpi): a
/// long label (ten letters or more, form `frei`) also matches with exactly one letter
/// replaced or one letter dropped ("LANVERFASSER"), nothing added, so that a value word of
/// a label's stem ("Bauverein", "Bauvorhabens") stays a value.
pub fn label_fuer_verlesen(text: &str) -> Option<&'static Label> {
    let k: Vec<char> = schluessel(text)
        .trim_end_matches(['.', ','])
        .chars()
        .collect();
    if k.len() < 10 || !k.iter().all(|c| c.is_alphabetic()) {
        return None;
    }
    let mut treffer = labels().iter().filter(|l| {
        let label: Vec<char> = l.ohne_punkt.chars().collect();
        let ersetzt =
            label.len() == k.len() && label.iter().zip(&k).filter(|(a, b)| a != b).count() == 1;
        // One letter dropped ("LANVERFASSER"): the label less one of its letters.
        let fehlt = label.len() == k.len() + 1
            && (0..label.len()).any(|i| label[..i] == k[..i] && label[i + 1..] == k[i..]);
        !l.allein && l.feld.is_some() && (ersetzt || fehlt)
    });
    let erster = treffer.next()?;
    // Two fields one letter away: no match.
    treffer.all(|l| l.feld == erster.feld).then_some(erster)
}

fn normalise(line: &str) -> String {
    line.trim()
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// If `line` starts with a label (one to three words), the label and the rest of the line.
fn label_of(line: &str) -> Option<(&'static Label, String)> {
    let n = normalise(line);
    let woerter: Vec<&str> = n.split_whitespace().collect();
    for k in (1..=woerter.len().min(3)).rev() {
        let kopf = woerter[..k].concat();
        let Some(l) = label_fuer(&kopf) else {
            continue;
        };
        // The value runs to the next label on the line ("Plan-Nr. A-201 Index A").
        let danach = &woerter[k..];
        let ende = (1..danach.len())
            .find(|&j| {
                label_fuer(danach[j])
                    .is_some_and(|n| (n.feld.is_some() && !n.allein) || danach[j].ends_with(':'))
            })
            .unwrap_or(danach.len());
        let rest = danach[..ende].join(" ");
        let rest = rest.trim_start_matches([':', ' ']).trim().to_string();
        // "Architektin Sabine Hoffmann" is a value, "Architektin:" or "Architektin" a label.
        if l.allein && !rest.is_empty() && !woerter[k - 1].ends_with(':') {
            return None;
        }
        return Some((l, rest));
    }
    None
}

/// The scale behind a Maßstab label. OCR may read the colon of `1 : 50` as another mark
/// (`1;50`, `1e50`) or lose it (`150`); behind the label, a `1` with a usual scale after it
/// is that scale.
fn massstab(s: &str) -> Option<String> {
    let t = s.replace(' ', "");
    // A "1" that OCR read as a look-alike ("ı:100", "l:50") or with a speck beside it
    // ("12:200", "ı1:100"): one or two marks before the colon, the first a one, and a
    // usual scale after it.
    if !t.contains("1:")
        && let Some((vor, nach)) = t.split_once(':')
    {
        let vor: Vec<char> = vor.trim_start_matches(['M', 'm', '.']).chars().collect();
        let n: String = nach.chars().take_while(char::is_ascii_digit).collect();
        if (1..=2).contains(&vor.len())
            && matches!(vor[0], '1' | 'ı' | 'l' | 'I' | '|' | 'i' | '!')
            && let Ok(n) = n.parse::<u32>()
            && n >= 10
            && MASSSTAEBE.contains(&n)
        {
            return Some(format!("1:{n}"));
        }
    }
    let Some(i) = t.find("1:") else {
        let t = t.trim_start_matches(['M', 'm']);
        let rest = t.strip_prefix('1')?;
        let rest = rest.trim_start_matches([';', '.', ',', 'e', 'i', 'l', '|', '!', '/']);
        let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return (n.len() == rest.len())
            .then(|| n.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n >= 10 && MASSSTAEBE.contains(n))
            .map(|n| format!("1:{n}"));
    };
    let digits: String = t[i + 2..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .filter(|c| c.is_ascii_digit())
        .collect();
    (!digits.is_empty() && digits.len() <= 5).then(|| format!("1:{digits}"))
}

/// Every date in `s` as `YYYY-MM-DD`, in order: German numeric dates (`14.09.2026`,
/// `4.9.2026`, `18.04.26`), ISO dates (`2026-09-14`) and dates with the month's name
/// (`14. September 2026`, `14. Sept. 2026`).
fn daten(s: &str) -> Vec<String> {
    let mut alle = daten_numerisch(s);
    alle.extend(daten_iso(s));
    alle.extend(daten_monatsname(s));
    alle.sort_by_key(|(pos, _)| *pos);
    alle.into_iter().map(|(_, d)| d).collect()
}

/// ISO dates `YYYY-MM-DD` (not inside a longer number: "2026-042-AN-08" is none).
fn daten_iso(s: &str) -> Vec<(usize, String)> {
    let b: Vec<char> = s.chars().collect();
    let ziffern = |von: usize, n: usize| {
        b.get(von..von + n)
            .is_some_and(|t| t.iter().all(char::is_ascii_digit))
    };
    let mut out = Vec::new();
    for i in 0..b.len() {
        if (i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == '-'))
            || !ziffern(i, 4)
            || b.get(i + 4) != Some(&'-')
            || !ziffern(i + 5, 2)
            || b.get(i + 7) != Some(&'-')
            || !ziffern(i + 8, 2)
            || b.get(i + 10)
                .is_some_and(|c| c.is_ascii_digit() || *c == '-')
        {
            continue;
        }
        let t: String = b[i..i + 10].iter().collect();
        if let Ok(d) = chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            && (1900..=2200).contains(&chrono::Datelike::year(&d))
        {
            out.push((i, t));
        }
    }
    out
}

/// German month names and their usual abbreviations.
const MONATE: &[(&str, u32)] = &[
    ("januar", 1),
    ("jan", 1),
    ("jänner", 1),
    ("februar", 2),
    ("feb", 2),
    ("märz", 3),
    ("maerz", 3),
    ("mär", 3),
    ("mrz", 3),
    ("april", 4),
    ("apr", 4),
    ("mai", 5),
    ("juni", 6),
    ("jun", 6),
    ("juli", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("oktober", 10),
    ("okt", 10),
    ("november", 11),
    ("nov", 11),
    ("dezember", 12),
    ("dez", 12),
];

/// Dates with the month's name: `5. Dezember 2025`, `5. Dez. 2025`.
fn daten_monatsname(s: &str) -> Vec<(usize, String)> {
    // Words with their char positions.
    let mut woerter: Vec<(usize, String)> = Vec::new();
    let mut aktuell: Option<(usize, String)> = None;
    for (i, c) in s.chars().enumerate() {
        if c.is_whitespace() {
            woerter.extend(aktuell.take());
        } else {
            aktuell.get_or_insert_with(|| (i, String::new())).1.push(c);
        }
    }
    woerter.extend(aktuell);
    let mut out = Vec::new();
    for fenster in woerter.windows(3) {
        let (pos, tag) = (&fenster[0].0, &fenster[0].1);
        let Some(tag) = tag.strip_suffix('.').and_then(|t| t.parse::<u32>().ok()) else {
            continue;
        };
        let name = fenster[1].1.trim_end_matches('.').to_lowercase();
        let Some(monat) = MONATE.iter().find(|(n, _)| *n == name).map(|(_, m)| *m) else {
            continue;
        };
        let jahr: String = fenster[2]
            .1
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if jahr.len() == 4
            && let Ok(jahr) = jahr.parse::<i32>()
            && (1900..=2200).contains(&jahr)
            && let Some(d) = chrono::NaiveDate::from_ymd_opt(jahr, monat, tag)
        {
            out.push((*pos, d.format("%Y-%m-%d").to_string()));
        }
    }
    out
}

/// German numeric dates with their char positions.
fn daten_numerisch(s: &str) -> Vec<(usize, String)> {
    let b: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // A date starts at a digit that does not continue a number.
        if !b[i].is_ascii_digit() || (i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == '.')) {
            i += 1;
            continue;
        }
        let w: String = b[i..].iter().take(10).collect();
        let teile: Vec<&str> = w.splitn(3, '.').collect();
        if teile.len() == 3 {
            let jahr: String = teile[2].chars().take_while(char::is_ascii_digit).collect();
            let (d, m) = (teile[0], teile[1]);
            let ziffern = |x: &str, n: std::ops::RangeInclusive<usize>| {
                n.contains(&x.len()) && x.chars().all(|c| c.is_ascii_digit())
            };
            let danach = b.get(i + d.len() + m.len() + 2 + jahr.len());
            // Four digits, or two ("18.04.26": this century, as plans print it).
            if ziffern(d, 1..=2)
                && ziffern(m, 1..=2)
                && (jahr.len() == 4 || jahr.len() == 2)
                && !danach.is_some_and(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                && let (Ok(d), Ok(m), Ok(y)) = (d.parse(), m.parse(), jahr.parse::<i32>())
                && let y = if jahr.len() == 2 { 2000 + y } else { y }
                && (1900..=2200).contains(&y)
                && let Some(x) = chrono::NaiveDate::from_ymd_opt(y, m, d)
            {
                out.push((i, x.format("%Y-%m-%d").to_string()));
                i += 6;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Whether one word is a value that stands on its own, without its label: a scale
/// ("1:200") or a date ("22.06.2026").
pub fn wert_fuer_sich(wort: &str) -> bool {
    let w = wort.trim_matches(|c: char| !c.is_alphanumeric());
    w.chars().count() <= 12 && (massstab(w).is_some() || datum(w).is_some())
}

fn datum(s: &str) -> Option<String> {
    daten(s).into_iter().next()
}

/// Scales that drawings use (DIN ISO 5455 and the usual building scales).
const MASSSTAEBE: &[u32] = &[
    1, 2, 5, 10, 20, 25, 33, 50, 75, 100, 125, 150, 200, 250, 500, 750, 1000, 1250, 2000, 2500,
    5000, 10000,
];

/// Every scale `1:n` (`1 : 100`, `M 1:50`) standing in `s`, n one of [`MASSSTAEBE`]. The
/// one must not end a number ("2025-067 1:500" is the scale 1:500, "11:30" none).
fn massstaebe(s: &str) -> Vec<String> {
    let t: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    for i in 0..t.len() {
        if t[i] != '1' || (i > 0 && t[i - 1].is_ascii_digit()) {
            continue;
        }
        let mut k = i + 1;
        while t.get(k).is_some_and(|c| *c == ' ') {
            k += 1;
        }
        if t.get(k) != Some(&':') {
            continue;
        }
        k += 1;
        while t.get(k).is_some_and(|c| *c == ' ') {
            k += 1;
        }
        if let Ok(n) = t[k..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == '.')
            .filter(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse::<u32>()
            && MASSSTAEBE.contains(&n)
        {
            out.push(format!("1:{n}"));
        }
    }
    out
}

/// A plan number standing on its own in the shape offices use: letters, a hyphen, digits
/// (`A-101`, `EG-01`, `GR-102a`).
fn plannummer_muster(wort: &str) -> bool {
    let w = wort.trim_end_matches([',', ';']);
    let Some((vorne, hinten)) = w.split_once('-') else {
        return false;
    };
    let ziffern: String = hinten.chars().take_while(char::is_ascii_digit).collect();
    let rest = &hinten[ziffern.len()..];
    (1..=3).contains(&vorne.len())
        && vorne.chars().all(|c| c.is_ascii_uppercase())
        && (2..=4).contains(&ziffern.len())
        && rest.len() <= 1
        && rest.chars().all(|c| c.is_ascii_lowercase())
}

/// A count of sheets ("1 von 4", OCR'd "1von4", "lvon1i"): a number, "von", a number.
fn blattzahl(text: &str) -> bool {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let zahlartig = |c: char| c.is_ascii_digit() || matches!(c, 'l' | 'i' | '|');
    t.split_once("von").is_some_and(|(vor, nach)| {
        vor.chars().last().is_some_and(zahlartig)
            && vor.chars().all(zahlartig)
            && nach.chars().next().is_some_and(zahlartig)
            && nach.chars().count() <= 3
    })
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
    // The short form as a word of its own ("Grundriss DG", "Grundriss 1. OG"); OCR reads
    // the O of "OG" as a zero.
    text.split(|c: char| !c.is_alphanumeric())
        .map(|t| if t == "0G" { "OG" } else { t })
        .find(|t| matches!(*t, "KG" | "EG" | "OG" | "DG" | "UG"))
        .map(str::to_string)
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
            // "A-101", "2026-014-GR-02", and with a space "BA 03": up to three short words.
            let teile: Vec<&str> = w.split_whitespace().take(3).collect();
            let mut t = teile.first()?.to_string();
            // A number complete in its first word ("LP-06") takes nothing after it (a
            // neighbouring cell's "06"); "BA" takes its "03".
            let vollstaendig = t.contains('-')
                && t.chars().any(|c| c.is_ascii_digit())
                && t.chars().any(|c| c.is_alphabetic());
            for n in teile[1..].iter().filter(|_| !vollstaendig) {
                if n.chars().count() <= 4 && n.chars().any(|c| c.is_ascii_alphanumeric()) {
                    t = format!("{t} {n}");
                } else {
                    break;
                }
            }
            if !t.chars().any(|c| c.is_ascii_digit()) || t.chars().count() > 20 {
                return None;
            }
            // "1 von 4" under "Blatt" counts sheets; it is no plan number.
            if blattzahl(w) {
                return None;
            }
            // A number part after the last dash that OCR read with a letter O: "LP-O8".
            if let Some((vorne, hinten)) = t.rsplit_once('-')
                && hinten.chars().any(|c| c.is_ascii_digit())
                && hinten
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == 'O' || c == 'o')
            {
                t = format!("{vorne}-{}", hinten.replace(['O', 'o'], "0"));
            }
            // A letter prefix ("OG-02") that OCR read with a zero: letters it is.
            if let Some((vorne, hinten)) = t.split_once('-')
                && (2..=3).contains(&vorne.len())
                && vorne.chars().any(|c| c.is_ascii_uppercase())
                && vorne.chars().all(|c| c.is_ascii_uppercase() || c == '0')
            {
                t = format!("{}-{hinten}", vorne.replace('0', "O"));
            }
            Some(t)
        }
        "geschoss" => {
            // OCR reads the O of "OG" as a zero.
            let t = w
                .split_whitespace()
                .next()?
                .to_uppercase()
                .replace("0G", "OG");
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
                .strip_suffix(|c: char| {
                    matches!(
                        c,
                        ';' | '|' | ',' | '_' | ':' | '°' | '\'' | '"' | '`' | '´'
                    )
                })
                .or_else(|| t.strip_suffix(" ."))
            {
                t = rest.trim_end();
            }
            // A name or a title has letters: a lone "3" or "1:100" is another cell's.
            (t.chars().filter(|c| c.is_alphabetic()).count() >= 2 && t.chars().count() <= 200)
                .then(|| t.to_string())
        }
    }
}

/// How much less a value is trusted when no label stands before it.
const OHNE_LABEL: f64 = 0.7;

/// Below this confidence a field is a suggestion for a person to confirm, never taken.
pub const SICHER_AB: f64 = plankammer_domain::plausibilitaet::SICHER_AB;

/// How a title block rebuilt from OCR'd words carries each value's word confidence: at the
/// end of the value line, `Wert\t[87]` (0–100).
pub const KONFIDENZ: &str = "\t[";

/// A line and the OCR confidence its own words carry, if it says.
fn mit_konfidenz(line: &str) -> (&str, Option<f32>) {
    if let Some((t, k)) = line.rsplit_once(KONFIDENZ)
        && let Some(k) = k.strip_suffix(']').and_then(|k| k.parse::<f32>().ok())
    {
        return (t.trim(), Some(k));
    }
    (line, None)
}

/// Confidence of a field (0–1) from OCR's (0–100); text layer: 0.95.
fn aus_ocr(k: Option<f32>) -> f64 {
    match k {
        Some(k) => (k as f64 / 100.0 * 0.9).clamp(0.05, 0.9),
        None => 0.95,
    }
}

/// Reads the fields of one page's text.
pub fn felder(text: &str, quelle: &str, seite: u32, ocr_konfidenz: Option<f32>) -> Vec<Feld> {
    let basis = aus_ocr(ocr_konfidenz);
    let zeilen: Vec<(&str, Option<f32>)> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(mit_konfidenz)
        .collect();
    // Per line: its words' own confidence where OCR gave one, else the page's.
    let sicherheit = |i: usize| match zeilen.get(i).and_then(|z| z.1) {
        Some(k) => aus_ocr(Some(k)),
        None => basis,
    };
    let lines: Vec<&str> = zeilen.iter().map(|z| z.0).collect();
    // Every labelled value: (field, rank, line, value). The strongest label wins, and
    // among equals the first (revision tables further down repeat "Index" and "Datum").
    let mut kandidaten: Vec<(&'static str, u8, usize, String, f64)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((label, rest)) = label_of(line) else {
            continue;
        };
        let Some(feld) = label.feld else {
            continue;
        };
        // OCR style: value on the same line; text layer: on the next line (unless that is a label).
        let (candidate, von) = if !rest.is_empty() {
            (Some(rest), i)
        } else {
            (
                lines
                    .get(i + 1)
                    .filter(|n| label_of(n).is_none())
                    .map(|s| s.to_string()),
                i + 1,
            )
        };
        if let Some(v) = candidate.and_then(|c| plausibel(feld, &c)) {
            kandidaten.push((feld, label.rang, i, v, sicherheit(von)));
        }
    }
    // Where a revision table repeats "Index" and "Datum", the plan's own are the newest:
    // among equal labels the latest date and the highest index win.
    let neuer = |feld: &str, a: &str, b: &str| match feld {
        "datum" => b.cmp(a),
        "index" => (b.len(), b.to_lowercase()).cmp(&(a.len(), a.to_lowercase())),
        _ => std::cmp::Ordering::Equal,
    };
    kandidaten.sort_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then_with(|| neuer(x.0, &x.3, &y.3))
            .then(x.2.cmp(&y.2))
    });
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
    for (feld, rang, _, wert, sicher) in kandidaten {
        // A weak label ("Blatt", "Stand") is trusted a little less.
        let k = if rang == 1 { sicher } else { sicher * 0.95 };
        push(&mut out, feld, wert, k);
    }
    // Values that stand without their label, with less confidence: a scale, a date, a plan
    // number in the usual shape. One distinct value is a good guess; several are not.
    let einzig = |werte: Vec<String>| -> Option<(String, bool)> {
        let mut v = werte;
        let erster = v.first()?.clone();
        v.sort();
        v.dedup();
        Some((erster, v.len() == 1))
    };
    if !out.iter().any(|f| f.feld == "massstab")
        && let Some((m, eindeutig)) = einzig(lines.iter().flat_map(|l| massstaebe(l)).collect())
    {
        let k = if eindeutig { OHNE_LABEL } else { 0.5 };
        push(&mut out, "massstab", m, basis * k);
    }
    if !out.iter().any(|f| f.feld == "datum") {
        let alle: Vec<String> = lines.iter().flat_map(|l| daten(l)).collect();
        // Several dates (a revision table): the latest is the plan's Stand.
        if let Some(spaetestes) = alle.iter().max().cloned() {
            let mut v = alle.clone();
            v.sort();
            v.dedup();
            let k = if v.len() == 1 { OHNE_LABEL } else { 0.5 };
            push(&mut out, "datum", spaetestes, basis * k);
        }
    }
    if !out.iter().any(|f| f.feld == "plannummer")
        && let Some((n, true)) = einzig(
            lines
                .iter()
                .flat_map(|l| l.split_whitespace())
                .filter(|w| plannummer_muster(w))
                .map(|w| w.trim_end_matches([',', ';']).to_string())
                .collect(),
        )
    {
        push(&mut out, "plannummer", n, basis * 0.5);
    }
    // The kind of plan comes from the title block's fields, not from what no label
    // claimed (a text document's title block is all such words; its page text follows).
    let paare_ende = lines
        .iter()
        .position(|l| *l == OHNE_LABEL_ZEILE)
        .unwrap_or(lines.len());
    let planinhalt = out
        .iter()
        .find(|f| f.feld == "planinhalt")
        .map(|f| f.wert.clone());
    if planinhalt.is_none() {
        // Text documents carry their kind as a heading instead of a Planinhalt field.
        if let Some((name, _, _)) = PLANARTEN.iter().find(|(_, _, keys)| {
            lines[..paare_ende]
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
    let haystack = basis_text.unwrap_or_else(|| lines[..paare_ende].join("\n").to_lowercase());
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
    ordne_schriftfeld_mit_luecken(woerter).0
}

/// A label whose value was not read (a lone letter OCR passed over, a date it could not
/// segment): where its value would stand, right of it and below it (pixel boxes
/// `x, y, w, h` of the words' image), to be read again line by line.
#[derive(Debug, Clone, PartialEq)]
pub struct Luecke {
    pub label: String,
    /// The field the label names.
    pub feld: &'static str,
    pub rechts: (i32, i32, i32, i32),
    pub darunter: (i32, i32, i32, i32),
    /// A value was read, but so uncertainly ([`NACHLESEN_UNTER`]) that its place (then
    /// `rechts`) is read again: its value line as it stands in the text, with its
    /// confidence, to be replaced by a more certain reading.
    pub bisher: Option<(String, f32)>,
}

/// The line of a rebuilt title block after which stand the words no label claimed.
pub const OHNE_LABEL_ZEILE: &str = "(ohne Label)";

/// OCR confidence (0–100) below which a word may be a misread label (and from which a
/// word read again counts as read surely).
pub const UNSICHERES_WORT: f32 = 60.0;

/// OCR confidence (0–100) below which a value is read again on its own.
pub const NACHLESEN_UNTER: f32 = 40.0;

/// [`ordne_schriftfeld`], and the labels of fields that got no value.
pub fn ordne_schriftfeld_mit_luecken(woerter: &[super::ocr::Wort]) -> (String, Vec<Luecke>) {
    use super::ocr::Wort;
    // Labels: a word (or two or three: "Plan-Nr." may come as "Plan-" "Nr.", "Plan Nr.")
    // that names a field, from the label table.
    struct Label {
        links: i32,
        oben: i32,
        rechts: i32,
        hoehe: i32,
        name: String,
        feld: Option<&'static str>,
        idx: Vec<usize>,
    }
    let gleiche_zeile = |a: &Wort, b: &Wort| (a.oben - b.oben).abs() < a.hoehe.max(b.hoehe) / 2;
    // A word "alone" on its line: nothing printed close to its left or right.
    // A mark with no letter or digit ("-|", "—" where OCR read a rule) is no neighbour.
    let speck = |o: &Wort| !o.text.chars().any(char::is_alphanumeric);
    let allein = |von: usize, bis: usize| {
        let (a, b) = (&woerter[von], &woerter[bis]);
        let luecke = a.hoehe.max(1) * 3 / 2;
        b.text.ends_with(':')
            || !woerter.iter().enumerate().any(|(k, o)| {
                (k < von || k > bis)
                    && !speck(o)
                    && gleiche_zeile(a, o)
                    && ((o.links + o.breite <= a.links && a.links - (o.links + o.breite) < luecke)
                        || (o.links >= b.links + b.breite
                            && o.links - (b.links + b.breite) < luecke))
            })
    };
    // A label begins its phrase: "Bauherr" in "Unterschrift Bauherr" or "Architektin" in
    // "Dipl.-Ing. Architektin …" is not one.
    let beginnt = |i: usize| {
        let a = &woerter[i];
        !woerter.iter().any(|o| {
            !speck(o)
                && gleiche_zeile(a, o)
                && o.links + o.breite <= a.links + 1
                && a.links - (o.links + o.breite) < a.hoehe.max(1) * 3 / 2
                && !std::ptr::eq(a, o)
        })
    };
    // Labels found in a first pass; a label word that also starts values ("Planung",
    // "Darstellung") where it stands with its value close beside it is taken in a second
    // pass when it stands in a column of labels that have their values beside them.
    let finde = |spalten: &[i32], vorher: &[Label]| -> Vec<Label> {
        // A word right after a label of the first pass is that label's value.
        let wert_von_label = |i: usize| {
            let w = &woerter[i];
            // (Lines by their middles: a small label beside a large value.)
            let mitte = |o: &Wort| o.oben + o.hoehe / 2;
            let zeile = |a: &Wort, b: &Wort| (mitte(a) - mitte(b)).abs() < a.hoehe.max(b.hoehe) / 2;
            vorher.iter().any(|m| {
                let letztes = &woerter[*m.idx.last().unwrap_or(&0)];
                zeile(letztes, w)
                    && m.rechts <= w.links
                    && !woerter
                        .iter()
                        .any(|o| zeile(o, w) && o.links >= m.rechts && o.links < w.links)
            }) || vorher.iter().any(|m| {
                // The first line under a label that has nothing beside it, where its cell
                // starts: the label's value ("Planverfasser" over "Architektin Katrin
                // Haas"). (Under a label with its value beside it stands the next label.)
                let letztes = &woerter[*m.idx.last().unwrap_or(&0)];
                let daneben = woerter.iter().enumerate().any(|(k, o)| {
                    !vorher.iter().any(|v| v.idx.contains(&k))
                        && gleiche_zeile(letztes, o)
                        && o.links >= m.rechts
                        && o.links - m.rechts < m.hoehe * 3
                });
                !daneben
                    && (m.links - w.links).abs() <= m.hoehe
                    && w.oben > m.oben + m.hoehe / 2
                    && w.oben <= m.oben + m.hoehe * 3
                    && !woerter.iter().any(|o| {
                        o.oben > m.oben + m.hoehe / 2
                            && o.oben + o.hoehe <= w.oben
                            && o.links < w.links + w.breite
                            && o.links + o.breite > m.links
                    })
            })
        };
        let mut labels: Vec<Label> = Vec::new();
        let mut i = 0;
        while i < woerter.len() {
            let w = &woerter[i];
            let mut treffer = None;
            // (A label does not start at a speck: "-|" "Änderung" is "Änderung".)
            for n in (1..=3).rev().filter(|_| !speck(w)) {
                let Some(teile) = woerter.get(i..i + n) else {
                    continue;
                };
                if teile.iter().any(|t| !gleiche_zeile(w, t)) {
                    continue;
                }
                let text: String = teile.iter().map(|t| t.text.as_str()).collect();
                // One word OCR was unsure of may be a misread label ("Bauverein", read
                // surely, is no "Bauherrin"); a text layer's words are exact.
                let gefunden = if n == 1 && teile[0].konfidenz < UNSICHERES_WORT {
                    label_fuer_ocr(&text)
                } else if n == 1 && teile[0].konfidenz < 100.0 {
                    label_fuer(&text).or_else(|| label_fuer_verlesen(&text))
                } else {
                    label_fuer(&text)
                };
                if let Some(l) = gefunden
                    && beginnt(i)
                    && (!l.allein
                        || allein(i, i + n - 1)
                        || (spalten.iter().any(|x| (x - w.links).abs() <= w.hoehe / 2)
                            && !wert_von_label(i)))
                {
                    let gedruckt = teile
                        .iter()
                        .map(|t| t.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    // A misread label is written as the table prints it, so the text
                    // reading below knows it again.
                    let name = if label_fuer(&gedruckt).is_some() {
                        gedruckt
                    } else {
                        l.text.to_string()
                    };
                    treffer = Some((name, l.feld, n));
                    break;
                }
            }
            if let Some((name, feld, n)) = treffer {
                let last = &woerter[i + n - 1];
                // A speck OCR took into the word's box makes it too tall: a printed word
                // is at most about twice as high as its letters are wide on average. The
                // speck is the value's line where that begins inside the box (the top
                // stays), else mostly the cell's rule above the label (the bottom stays).
                let rechts = last.links + last.breite;
                let zeichen = name.chars().filter(|c| !c.is_whitespace()).count().max(1) as i32;
                let hoehe = w.hoehe.min((rechts - w.links) * 22 / (10 * zeichen)).max(1);
                let unten = w.oben + w.hoehe;
                let wert_im_kasten = woerter.iter().any(|o| {
                    o.links < rechts
                        && o.links + o.breite > w.links
                        && o.oben > w.oben + hoehe / 2
                        && o.oben <= unten + hoehe / 4
                });
                let oben = if wert_im_kasten {
                    w.oben
                } else {
                    unten - hoehe
                };
                labels.push(Label {
                    links: w.links,
                    oben,
                    rechts,
                    hoehe,
                    name,
                    feld,
                    idx: (i..i + n).collect(),
                });
                i += n;
            } else {
                i += 1;
            }
        }
        labels
    };
    let erste = finde(&[], &[]);
    // Labels with a value word (no label) close right of them on their line.
    let links_stehend: Vec<i32> = erste
        .iter()
        .filter(|l| {
            let letztes = &woerter[*l.idx.last().unwrap_or(&0)];
            woerter.iter().enumerate().any(|(k, o)| {
                !erste.iter().any(|m| m.idx.contains(&k))
                    && gleiche_zeile(letztes, o)
                    && o.links >= l.rechts
                    && o.links - l.rechts < l.hoehe * 3
            })
        })
        .map(|l| l.links)
        .collect();
    let spalten = links_stehend;
    let labels = if spalten.is_empty() {
        erste
    } else {
        finde(&spalten, &erste)
    };
    // Label words are no values; nor are the words of cells that hold none of ours
    // ("Unterschrift", "Format") where they did not stand alone as a label.
    let is_label_word = |k: usize| {
        labels.iter().any(|l| l.idx.contains(&k))
            || label_fuer(&woerter[k].text).is_some_and(|l| l.feld.is_none())
    };
    // Specks read as letters have low confidence; values worth reading do not.
    let lesbar = |w: &Wort| {
        w.konfidenz >= 40.0 || w.text.chars().filter(|c| c.is_alphanumeric()).count() >= 3
    };
    // The height of digits (as high as capitals in the common fonts), for the case of a
    // lone letter whose capital and small form look alike ("c" or "C" as Index): words of
    // digits and capitals only (a plan number, a scale, a date). A comma or a bracket
    // reaches below the line ("13," of an address, "(0561)"), a small letter may not reach
    // the capitals' height: with them the small "c" of 0.75 of the digits' height looked
    // like a capital.
    let ziffernhoehe = {
        let mut h: Vec<i32> = woerter
            .iter()
            .filter(|w| {
                w.text.chars().filter(|c| c.is_ascii_digit()).count() >= 2
                    && w.text.chars().all(|c| {
                        c.is_ascii_digit() || c.is_ascii_uppercase() || ".:-–+".contains(c)
                    })
                    && !w.text.contains('Q')
            })
            .map(|w| w.hoehe)
            .collect();
        h.sort_unstable();
        h.get(h.len() / 2).copied()
    };
    let mut out = String::new();
    let mut gelesen: Vec<&str> = Vec::new();
    // Words taken as values (the rest is written after the pairs).
    let mut benutzt: Vec<*const Wort> = Vec::new();
    let mut luecken: Vec<(&'static str, Luecke)> = Vec::new();
    let mut unsicher: Vec<(&'static str, Luecke)> = Vec::new();
    for l in labels.iter().filter(|l| l.feld.is_some()) {
        // The cell reaches right to the next label on the same row.
        let rechts_grenze = labels
            .iter()
            .filter(|o| o.links > l.links && (o.oben - l.oben).abs() < l.hoehe)
            .map(|o| o.links)
            .min()
            .unwrap_or(i32::MAX);
        // Below it, the cell reaches right to the next label on its row, and a word
        // belongs to the nearest label left of it on about the same row (a band's cells
        // are narrow, and the label of the next cell may sit a little higher or lower).
        let in_spalte = |w: &Wort| {
            let mitte = w.links + w.breite / 2;
            mitte >= l.links - l.hoehe
                && mitte < rechts_grenze
                && !labels.iter().any(|o| {
                    o.links > l.links
                        && o.links - o.hoehe <= mitte
                        && o.oben < w.oben
                        && o.oben * 2 >= l.oben * 2 - l.hoehe * 5
                        && w.oben < o.oben + o.hoehe * 5
                })
        };
        // Right of the label on its line ("Maßstab: 1:100", a label column beside a value
        // column): the phrase that starts within twenty label heights and runs on without
        // a wide gap. Where there is one, it is the value.
        let auf_der_zeile = |w: &Wort| {
            let unten = |x: &Wort| x.oben + x.hoehe;
            (unten(w) - (l.oben + l.hoehe)).abs() < l.hoehe.max(w.hoehe) * 3 / 5
                || ((w.oben + w.hoehe / 2) - (l.oben + l.hoehe / 2)).abs() < l.hoehe / 2
        };
        let mitte = |w: &Wort| w.oben + w.hoehe / 2;
        // Words right of the label within two lines of it: on a skewed scan a long value's
        // far end drifts off the label's line, and is followed along its own line below.
        let nahe: Vec<&Wort> = woerter
            .iter()
            .enumerate()
            .filter(|(k, w)| {
                !is_label_word(*k)
                    && lesbar(w)
                    && w.links >= l.rechts
                    && w.links < rechts_grenze
                    && (mitte(w) - (l.oben + l.hoehe / 2)).abs() < l.hoehe.max(w.hoehe) * 2
            })
            .map(|(_, w)| w)
            .collect();
        let mut rechts: Vec<&Wort> = nahe.iter().copied().filter(|w| auf_der_zeile(w)).collect();
        rechts.sort_by_key(|w| w.links);
        // A value with a smaller line under it (its address) that OCR interleaves: the
        // value's line is the one, among the words where the value starts, whose middle
        // is nearest the label's.
        if let Some(start) = rechts.first().map(|w| w.links)
            && let Some(anker) = rechts
                .iter()
                .filter(|w| w.links <= start + l.hoehe * 2)
                .min_by_key(|w| (mitte(w) - (l.oben + l.hoehe / 2)).abs())
                .copied()
        {
            // (Left of the anchor only words level with the label: a line above or below
            // may reach further left.)
            rechts = linie_von(anker, &nahe)
                .into_iter()
                .filter(|w| {
                    w.links >= anker.links
                        || (mitte(w) - (l.oben + l.hoehe / 2)).abs() <= l.hoehe.max(w.hoehe) * 3 / 4
                })
                .collect();
            rechts.sort_by_key(|w| w.links);
        }
        let mut wert: Vec<&Wort> = Vec::new();
        let mut ende = l.rechts;
        for w in rechts {
            let luecke = w.links - ende;
            let erlaubt = if wert.is_empty() {
                l.hoehe * 20
            } else {
                w.hoehe.max(l.hoehe) * 3
            };
            if luecke > erlaubt {
                break;
            }
            ende = w.links + w.breite;
            wert.push(w);
        }
        // A value must be one of its field: "2024-10-18" right of "Maßstab" is the next
        // cell's date, "Beschreibung" below "Datum" a revision table's heading. Such a
        // reading is passed over (below is tried, else the place is read again). A dash
        // ("Index: –") is a value that says there is none.
        let gilt = |wert: &[&Wort]| {
            let mut v: Vec<&&Wort> = wert.iter().collect();
            v.sort_by_key(|w| w.links);
            let text = super::ocr::verbinde(&v.iter().map(|w| **w).collect::<Vec<_>>());
            // A row of labels ("Projekt 2 Auftraggeber") is no value: at least half of
            // its words with letters would be labels.
            let mit_buchstaben: Vec<&&&Wort> = v
                .iter()
                .filter(|w| w.text.chars().any(char::is_alphabetic))
                .collect();
            let labelwoerter = mit_buchstaben
                .iter()
                .filter(|w| label_fuer(&w.text).is_some_and(|x| x.feld.is_some()))
                .count();
            let aus_labels = !mit_buchstaben.is_empty() && labelwoerter * 2 >= mit_buchstaben.len();
            matches!(text.trim(), "-" | "–" | "—")
                || (!aus_labels && l.feld.is_some_and(|f| plausibel(f, &text).is_some()))
        };
        if !wert.is_empty() && !gilt(&wert) {
            wert.clear();
        }
        let von_unten = wert.is_empty();
        if wert.is_empty() {
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
            // The first printed line below the label: the topmost word's line, as tesseract
            // grouped it (robust to a slightly rotated scan, where a long line drifts).
            // Words tesseract put in lines of their own (sparse text) join it where they
            // stand on the same slightly slanted line.
            let erste = darunter
                .iter()
                .min_by_key(|(_, w)| (w.oben, w.links))
                .map(|(_, w)| *w);
            if let Some(e) = erste {
                let kandidaten: Vec<&Wort> = darunter.iter().map(|(_, w)| *w).collect();
                let linie = linie_von(e, &kandidaten);
                // A word tesseract put on the line but farther than a neighbour's reach
                // joins where it stands level with the line's nearest word: a smaller line
                // close under the value (its address) that tesseract interleaved with it
                // does not.
                let auf_linie = |w: &Wort| {
                    let mitte = |o: &Wort| o.oben + o.hoehe / 2;
                    linie
                        .iter()
                        .min_by_key(|n| (n.links + n.breite / 2 - w.links - w.breite / 2).abs())
                        .is_some_and(|n| (mitte(n) - mitte(w)).abs() * 2 < n.hoehe.max(w.hoehe))
                };
                wert = kandidaten
                    .into_iter()
                    .filter(|w| {
                        linie.iter().any(|v| std::ptr::eq(*v, *w))
                            || (w.zeile == e.zeile && auf_linie(w))
                    })
                    .collect();
            }
        }
        if !wert.is_empty() && !gilt(&wert) {
            wert.clear();
        }
        wert.sort_by_key(|w| w.links);
        let mut text = super::ocr::verbinde(&wert);
        // (Only OCR guesses; a text layer's words, confidence 100, are exact.)
        if let ([w], Some(h)) = (wert.as_slice(), ziffernhoehe)
            && w.konfidenz < 100.0
        {
            text = gross_oder_klein(&w.text, w.hoehe, h);
        }
        if !text.is_empty() {
            out.push_str(&l.name);
            out.push('\n');
            let zeile = wertzeile(&text, &wert);
            let k = unsicherstes(&wert);
            out.push_str(&zeile);
            out.push('\n');
            gelesen.extend(l.feld);
            benutzt.extend(wert.iter().map(|w| *w as *const Wort));
            // A column of a revision table: "Datum" or "Index" over one row per revision.
            // Every row is written as a value of the label; the newest wins (see
            // [`felder`]), as where the table repeats its labels.
            if von_unten && matches!(l.feld, Some("datum" | "index")) {
                let mut letzte = wert.clone();
                for _ in 0..20 {
                    let unten = letzte.iter().map(|w| w.oben + w.hoehe).max().unwrap_or(0);
                    let hoehe = letzte
                        .iter()
                        .map(|w| w.hoehe)
                        .max()
                        .unwrap_or(l.hoehe)
                        .max(1);
                    let darunter: Vec<&Wort> = woerter
                        .iter()
                        .enumerate()
                        .filter(|(k, w)| {
                            let mitte = w.links + w.breite / 2;
                            !is_label_word(*k)
                                && lesbar(w)
                                && mitte >= l.links - l.hoehe
                                && mitte < rechts_grenze
                                && w.oben >= unten - hoehe / 3
                                && w.oben < unten + hoehe * 2
                        })
                        .map(|(_, w)| w)
                        .collect();
                    let Some(e) = darunter.iter().min_by_key(|w| (w.oben, w.links)).copied() else {
                        break;
                    };
                    let mut zeile = linie_von(e, &darunter);
                    zeile.sort_by_key(|w| w.links);
                    if !gilt(&zeile) {
                        break;
                    }
                    out.push_str(&format!(
                        "{}\n{}\n",
                        l.name,
                        wertzeile(&super::ocr::verbinde(&zeile), &zeile)
                    ));
                    benutzt.extend(zeile.iter().map(|w| *w as *const Wort));
                    letzte = zeile;
                }
            }
            if k < NACHLESEN_UNTER
                && let Some(feld) = l.feld
            {
                let x0 = wert.iter().map(|w| w.links).min().unwrap_or(0);
                let y0 = wert.iter().map(|w| w.oben).min().unwrap_or(0);
                let x1 = wert.iter().map(|w| w.links + w.breite).max().unwrap_or(0);
                let y1 = wert.iter().map(|w| w.oben + w.hoehe).max().unwrap_or(0);
                let rand = (y1 - y0).max(l.hoehe) / 2;
                unsicher.push((
                    feld,
                    Luecke {
                        label: l.name.clone(),
                        feld,
                        rechts: (x0 - rand, y0 - rand, x1 - x0 + 2 * rand, y1 - y0 + 2 * rand),
                        darunter: (0, 0, 0, 0),
                        bisher: Some((zeile, k)),
                    },
                ));
            }
        } else if let Some(feld) = l.feld {
            let h = l.hoehe;
            let bis = rechts_grenze.min(l.links + h * 16);
            luecken.push((
                feld,
                Luecke {
                    label: l.name.clone(),
                    feld,
                    // (From a label height above the label to two below: a value larger
                    // than its label stands higher, and a box cut through it misses it.)
                    rechts: (
                        l.rechts + h / 3,
                        l.oben - h,
                        (h * 12).min(bis - l.rechts),
                        h * 3,
                    ),
                    darunter: (l.links - h / 2, l.oben + h, bis - l.links + h / 2, h * 3),
                    bisher: None,
                },
            ));
        }
    }
    // What no label claimed, line by line as OCR grouped it: a scale or a date in a cell
    // without a label ("1:50" alone in a corner) is still found by its shape, with less
    // confidence (see [`felder`]).
    let rest: Vec<&Wort> = woerter
        .iter()
        .enumerate()
        .filter(|(k, w)| {
            // (No label word either, even one the geometry did not take as a label: a
            // label alone on a line would take the next line as its value.)
            !is_label_word(*k)
                && !labels.iter().any(|l| l.idx.contains(k))
                && label_fuer(&w.text).is_none()
                && lesbar(w)
                && !benutzt.contains(&(*w as *const Wort))
        })
        .map(|(_, w)| w)
        .collect();
    if !rest.is_empty() {
        out.push_str(OHNE_LABEL_ZEILE);
        out.push('\n');
    }
    for zeile in rest.chunk_by(|a, b| a.zeile == b.zeile) {
        out.push_str(&wertzeile(&super::ocr::verbinde(zeile), zeile));
        out.push('\n');
    }
    // One gap per field that no label of it filled (revision tables repeat labels).
    let mut offen: Vec<Luecke> = Vec::new();
    for (feld, luecke) in luecken {
        if !gelesen.contains(&feld) {
            gelesen.push(feld);
            offen.push(luecke);
        }
    }
    // Then the uncertain values, one per field.
    let mut nochmal: Vec<&str> = Vec::new();
    for (feld, luecke) in unsicher {
        if !nochmal.contains(&feld) {
            nochmal.push(feld);
            offen.push(luecke);
        }
    }
    (out, offen)
}

/// OCR's confidence in a value: that of its least certain word (100 for none).
fn unsicherstes(woerter: &[&super::ocr::Wort]) -> f32 {
    woerter.iter().map(|w| w.konfidenz).fold(100.0f32, f32::min)
}

/// A value line of a rebuilt title block: the text, and where OCR was not sure of it, the
/// confidence of its least certain word (see [`KONFIDENZ`]).
fn wertzeile(text: &str, woerter: &[&super::ocr::Wort]) -> String {
    let k = unsicherstes(woerter);
    if k < 99.5 {
        format!("{text}{KONFIDENZ}{:.0}]", k.max(0.0))
    } else {
        text.to_string()
    }
}

/// The printed line of `anker` among `woerter`: grown word by word from it, each next word
/// close beside one already on the line with its middle within half the smaller one's
/// height of that word's (so a line of a skewed scan is followed, and the line below is not).
fn linie_von<'a>(
    anker: &'a super::ocr::Wort,
    woerter: &[&'a super::ocr::Wort],
) -> Vec<&'a super::ocr::Wort> {
    let mitte = |w: &super::ocr::Wort| w.oben + w.hoehe / 2;
    let mut linie = vec![anker];
    loop {
        let neu: Vec<&super::ocr::Wort> = woerter
            .iter()
            .copied()
            .filter(|w| !linie.iter().any(|v| std::ptr::eq(*v, *w)))
            .filter(|w| {
                linie.iter().any(|v| {
                    let h = v.hoehe.max(w.hoehe);
                    let luecke =
                        (w.links - (v.links + v.breite)).max(v.links - (w.links + w.breite));
                    // Level within half the smaller word's height: a word OCR made too
                    // tall with a speck reaches the line below with half its own.
                    let niedrig = v.hoehe.min(w.hoehe).max(4);
                    (mitte(v) - mitte(w)).abs() <= niedrig / 2 && luecke < h * 4
                })
            })
            .collect();
        if neu.is_empty() {
            return linie;
        }
        linie.extend(neu);
    }
}

/// A lone letter whose capital and small form differ only in size (c, o, s, u, v, w, x, z):
/// OCR guesses the case; its height against the digits' decides it.
fn gross_oder_klein(text: &str, hoehe: i32, ziffernhoehe: i32) -> String {
    let mut c = text.chars();
    match (c.next(), c.next()) {
        (Some(b), None) if "cosuvwxzCOSUVWXZ".contains(b) => {
            if hoehe * 100 >= ziffernhoehe * 87 {
                b.to_uppercase().collect()
            } else {
                b.to_lowercase().collect()
            }
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(f: &'a [Feld], name: &str) -> Option<&'a str> {
        f.iter().find(|x| x.feld == name).map(|x| x.wert.as_str())
    }

    #[test]
    fn a_value_line_does_not_take_the_smaller_line_under_it() {
        // Sheet 114 of the development split: "Architekt" made 34 px tall by a speck, the
        // address line 25 px lower; tesseract interleaved the two in its line numbers.
        let mut woerter = vec![
            w("Architekt", 5998, 4587, 61, 12),
            w("Dipl.-Ing.", 6000, 4606, 95, 22),
            w("Architekt", 6106, 4598, 94, 34),
            w("Jonas", 6211, 4602, 57, 21),
            w("Vogt", 6276, 4600, 50, 20),
            w("Planungsbüro", 6000, 4632, 106, 16),
            w("Vogt", 6112, 4630, 37, 16),
            w("Hauptstraße", 6164, 4627, 96, 17),
            w("34,", 6267, 4626, 23, 14),
            w("34410", 6297, 4625, 48, 13),
            w("Korbach", 6352, 4623, 62, 14),
        ];
        for (i, x) in woerter.iter_mut().enumerate() {
            x.zeile = (1, 1, if i == 0 { 1 } else { 2 });
        }
        let (text, _) = ordne_schriftfeld_mit_luecken(&woerter);
        assert!(
            text.starts_with("Architekt\nDipl.-Ing. Architekt Jonas Vogt\t["),
            "{text}"
        );
        let f = felder(&text, "ocr", 1, Some(90.0));
        assert_eq!(
            get(&f, "entwurfsverfasser"),
            Some("Dipl.-Ing. Architekt Jonas Vogt")
        );
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
        // The storey from the title's short form, a word of its own.
        for (titel, geschoss) in [
            ("Grundriss DG", Some("DG")),
            ("Grundriss 1. OG", Some("OG")),
            ("Grundriss 0G", Some("OG")),
            ("Ansicht Ost", None),
            ("Schnitt EGA", None),
        ] {
            let f = felder(&format!("Planinhalt\n{titel}"), "textebene", 1, None);
            assert_eq!(get(&f, "geschoss"), geschoss, "{titel}");
        }
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
    fn each_ocr_field_carries_the_confidence_of_its_own_words() {
        let mut words = vec![
            w("Maßstab", 0, 100, 60, 10),
            w("Datum", 200, 100, 40, 10),
            w("1:100", 0, 120, 60, 20),
            w("28.08.2026", 200, 120, 120, 20),
        ];
        words[3].konfidenz = 35.0;
        let text = ordne_schriftfeld(&words);
        assert!(text.contains("28.08.2026\t[35]"), "{text}");
        // The page's mean confidence (80) is not what counts.
        let f = felder(&text, "ocr", 1, Some(80.0));
        let k = |n: &str| f.iter().find(|x| x.feld == n).unwrap().konfidenz;
        assert!((k("massstab") - 0.81).abs() < 0.01, "{f:?}");
        assert!(k("datum") < SICHER_AB, "a guess to confirm: {f:?}");
        assert_eq!(get(&f, "datum"), Some("2026-08-28"));
    }

    #[test]
    fn labels_that_also_start_values_are_labels_in_a_column_of_labels() {
        // Labels left of their values, no colons, one space between (a text layer).
        let words = vec![
            w("Darstellung", 0, 0, 110, 10),
            w("Grundriss", 115, 0, 90, 10),
            w("EG", 210, 0, 20, 10),
            w("Blatt", 300, 20, 50, 10),
            w("209", 355, 20, 30, 10),
            w("Mst.", 300, 40, 40, 10),
            w("1:100", 345, 40, 50, 10),
            w("Bauherr", 0, 60, 70, 10),
            w("Familie", 75, 60, 70, 10),
            w("Roth", 150, 60, 40, 10),
            w("Planung", 0, 80, 70, 10),
            w("Eva", 75, 80, 30, 10),
            w("Roth", 110, 80, 40, 10),
        ];
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "textebene", 1, None);
        assert_eq!(get(&f, "planinhalt"), Some("Grundriss EG"), "{text}");
        assert_eq!(get(&f, "plannummer"), Some("209"), "{text}");
        assert_eq!(get(&f, "entwurfsverfasser"), Some("Eva Roth"), "{text}");
        assert_eq!(get(&f, "bauherr"), Some("Familie Roth"), "{text}");
    }

    #[test]
    fn a_word_below_belongs_to_the_nearest_label_of_its_row() {
        // A band: "Planbezeichnung" with its value below; far right, a little higher,
        // "Auftraggeber" with its own value and address below.
        let mut words = vec![
            w("Planbezeichnung", 0, 30, 120, 15),
            w("Obergeschoss", 0, 50, 160, 20),
            w("Grundriss", 170, 50, 110, 20),
            w("Auftraggeber", 3000, 0, 95, 15),
            w("Dr.", 3000, 20, 22, 13),
            w("Schäfer", 3030, 20, 60, 13),
            w("Am", 3000, 40, 20, 10),
            w("Mühlbach", 3025, 40, 56, 10),
            w("Datum", 1500, 30, 46, 11),
            w("12", 1500, 60, 20, 12),
            w("c", 1600, 60, 11, 12),
        ];
        // OCR words (the lone letter's case is decided by its height).
        for x in &mut words {
            x.konfidenz = 90.0;
        }
        words.push(w("Index", 1600, 40, 40, 11));
        words.last_mut().unwrap().konfidenz = 90.0;
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "ocr", 1, Some(90.0));
        assert_eq!(
            get(&f, "planinhalt"),
            Some("Obergeschoss Grundriss"),
            "{text}"
        );
        assert_eq!(get(&f, "bauherr"), Some("Dr. Schäfer"), "{text}");
        assert_eq!(get(&f, "index"), Some("C"), "as high as the digits: {text}");
        assert_eq!(gross_oder_klein("C", 8, 12), "c");
        assert_eq!(gross_oder_klein("b", 8, 12), "b");
        assert_eq!(gross_oder_klein("o", 12, 12), "O");
    }

    #[test]
    fn the_case_of_a_lone_index_letter_is_measured_against_the_values_digits() {
        // A small "c" (x-height, 15 px) beside values 20 px high, and the small
        // dimensions of the drawing ("+2,75"), which are no values' digits.
        let mut words = vec![
            w("Plan-Nr.", 0, 0, 60, 14),
            w("A-102", 0, 20, 50, 20),
            w("Maßstab", 200, 0, 60, 14),
            w("1:100", 200, 20, 50, 20),
            w("Index", 400, 0, 40, 14),
            w("C", 400, 20, 12, 15),
            w("+2,75", 900, 300, 30, 12),
            w("+5,45", 900, 400, 30, 12),
            w("3,50", 1000, 300, 30, 12),
            w("12,5", 1000, 400, 30, 12),
        ];
        for x in &mut words {
            x.konfidenz = 90.0;
        }
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "ocr", 1, Some(90.0));
        assert_eq!(get(&f, "index"), Some("c"), "{text}");
        // As high as the digits: the capital.
        words[5].hoehe = 20;
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "ocr", 1, Some(90.0));
        assert_eq!(get(&f, "index"), Some("C"), "{text}");
    }

    #[test]
    fn scales_and_dates_stand_on_their_own() {
        assert!(wert_fuer_sich("1:200"));
        assert!(wert_fuer_sich("22.06.2026"));
        assert!(!wert_fuer_sich("A-201"));
        assert!(!wert_fuer_sich("Bauantrag"));
    }

    #[test]
    fn misread_labels_are_still_labels_where_ocr_was_unsure() {
        // A speck read as a full stop, a label printed without its dot.
        assert_eq!(
            label_fuer("BAUHERRIN.").and_then(|l| l.feld),
            Some("bauherr")
        );
        assert_eq!(
            label_fuer("Zeichnungs-Nr").and_then(|l| l.feld),
            Some("plannummer")
        );
        assert_eq!(
            label_fuer("Projekt.").and_then(|l| l.feld),
            Some("bauvorhaben")
        );
        assert_eq!(label_fuer("Anderung:").and_then(|l| l.feld), Some("index"));
        // One wrong letter in four of a long label, where OCR itself was unsure.
        assert_eq!(
            label_fuer_ocr("enrwurrsverrassern").and_then(|l| l.feld),
            Some("entwurfsverfasser")
        );
        assert_eq!(
            label_fuer_ocr("Panverfasser").and_then(|l| l.feld),
            Some("entwurfsverfasser")
        );
        // Short words, and words that are too far from every label, are not.
        assert!(label_fuer_ocr("Bauamt").is_none());
        assert!(label_fuer_ocr("Reihenhäusern").is_none());
        assert!(label_fuer_ocr("Wintergarten").is_none());
        // A surely read word: one letter replaced in a long label, or dropped; no more.
        assert_eq!(
            label_fuer_verlesen("Bauberrschaft:").and_then(|l| l.feld),
            Some("bauherr")
        );
        assert_eq!(
            label_fuer_verlesen("Planverfassor").and_then(|l| l.feld),
            Some("entwurfsverfasser")
        );
        // One letter dropped, at the start or inside; two are too many.
        assert_eq!(
            label_fuer_verlesen("LANVERFASSER").and_then(|l| l.feld),
            Some("entwurfsverfasser")
        );
        assert_eq!(
            label_fuer_verlesen("Bauherschaft").and_then(|l| l.feld),
            Some("bauherr")
        );
        assert!(label_fuer_verlesen("Bauhrschaft").is_none());
        assert!(label_fuer_verlesen("Bauvorhabens").is_none());
        assert!(label_fuer_verlesen("Bauverein").is_none());
        assert!(label_fuer_verlesen("Bauherrschaften").is_none());
        assert!(label_fuer_verlesen("Planverfxssor").is_none());
        let mut words = vec![
            w("Panverfasser", 0, 0, 100, 10),
            w("Eva", 0, 20, 30, 20),
            w("Roth", 35, 20, 40, 20),
            w("Bauverein", 300, 20, 80, 20),
            w("Kassel", 385, 20, 60, 20),
            w("Bauherrin", 300, 0, 80, 10),
        ];
        words[0].konfidenz = 40.0;
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "ocr", 1, Some(80.0));
        assert_eq!(get(&f, "entwurfsverfasser"), Some("Eva Roth"), "{text}");
        // "Bauverein", read surely, is a value and not a misread "Bauherrin".
        assert_eq!(get(&f, "bauherr"), Some("Bauverein Kassel"), "{text}");
        // A speck where OCR read a rule ("-|") is no neighbour of a label that must stand
        // alone, and no part of it.
        let words = vec![
            w("-|", 560, 12, 2, 2),
            w("Änderung", 590, 0, 100, 24),
            w("D", 592, 38, 20, 24),
            w("Datum", 900, 2, 70, 19),
            w("11.10.2025", 902, 34, 170, 25),
        ];
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "ocr", 1, Some(90.0));
        assert_eq!(get(&f, "index"), Some("D"), "{text}");
    }

    #[test]
    fn a_long_value_on_a_skewed_scan_is_followed_along_its_line() {
        // The value climbs off the label's line, 8 px a word (a scan skewed by 2°); the
        // smaller address line below is not part of it.
        let words = vec![
            w("Bauherr:", 0, 100, 80, 14),
            w("Berg", 180, 98, 40, 20),
            w("Ziegler", 230, 90, 60, 20),
            w("Grundbesitz", 300, 82, 100, 20),
            w("GbR", 410, 74, 40, 20),
            w("Ahornring", 180, 122, 70, 12),
            w("42", 255, 120, 20, 12),
        ];
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "ocr", 1, Some(80.0));
        assert_eq!(
            get(&f, "bauherr"),
            Some("Berg Ziegler Grundbesitz GbR"),
            "{text}"
        );
    }

    #[test]
    fn a_value_that_is_not_of_its_field_is_passed_over() {
        // Right of "Maßstab" stands the next cell's date; the scale is below.
        let words = vec![
            w("Maßstab", 0, 0, 60, 10),
            w("18.10.2024", 100, 0, 90, 12),
            w("1:100", 0, 20, 50, 20),
        ];
        let (text, luecken) = ordne_schriftfeld_mit_luecken(&words);
        assert_eq!(
            get(&felder(&text, "ocr", 1, Some(80.0)), "massstab"),
            Some("1:100"),
            "{text}"
        );
        assert!(luecken.is_empty());
        // Nothing of the field anywhere: its place is read again.
        let words = vec![w("Plandatum", 0, 0, 60, 10), w("IF", 0, 20, 20, 20)];
        let (text, luecken) = ordne_schriftfeld_mit_luecken(&words);
        assert!(!text.contains("Plandatum\nIF"), "{text}");
        assert_eq!(get(&felder(&text, "ocr", 1, Some(80.0)), "datum"), None);
        assert_eq!(luecken.len(), 1);
        assert_eq!(luecken[0].label, "Plandatum");
        // A value read with little confidence is kept, and its place read again.
        let mut words = vec![w("Plan-Nr.", 0, 0, 60, 10), w("Be25", 0, 20, 40, 20)];
        words[1].konfidenz = 5.0;
        let (text, luecken) = ordne_schriftfeld_mit_luecken(&words);
        assert!(text.contains("Be25\t[5]"), "{text}");
        assert_eq!(luecken.len(), 1);
        assert_eq!(luecken[0].bisher, Some(("Be25\t[5]".to_string(), 5.0)));
        assert_eq!(luecken[0].rechts, (-10, 10, 60, 40));
    }

    #[test]
    fn what_no_label_claims_is_still_read_by_its_shape() {
        // A scale alone in a cell, a project number before it on the line; a label the
        // geometry did not take stays out of the rest (it would take the next line).
        let words = vec![
            w("Bauherr", 0, 0, 60, 10),
            w("Familie", 0, 15, 60, 12),
            w("Roth", 65, 15, 40, 12),
            w("2025-067", 300, 40, 70, 12),
            w("1:500", 380, 40, 45, 12),
            w("Planung", 0, 60, 60, 10),
            w("Fiktive", 0, 200, 50, 8),
            w("Beispieldaten", 55, 200, 90, 8),
        ];
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "ocr", 1, Some(90.0));
        assert_eq!(get(&f, "bauherr"), Some("Familie Roth"), "{text}");
        assert_eq!(get(&f, "massstab"), Some("1:500"), "{text}");
        assert!(f.iter().find(|x| x.feld == "massstab").unwrap().konfidenz < 0.7);
        assert_eq!(get(&f, "entwurfsverfasser"), None, "{text}");
    }

    #[test]
    fn a_row_of_labels_is_no_value() {
        // "Planung" alone over the next row's labels, not over a name.
        let words = vec![
            w("Planung", 0, 0, 60, 10),
            w("Projekt", 0, 20, 60, 10),
            w("2", 70, 20, 10, 10),
            w("Auftraggeber", 90, 20, 90, 10),
        ];
        let (text, luecken) = ordne_schriftfeld_mit_luecken(&words);
        let f = felder(&text, "ocr", 1, Some(90.0));
        assert_eq!(get(&f, "entwurfsverfasser"), None, "{text}");
        assert!(
            luecken.iter().any(|l| l.label == "Planung"),
            "read again: {luecken:?}"
        );
    }

    #[test]
    fn the_newest_row_of_a_revision_table_is_the_plans_date_and_index() {
        // "Index | Datum | Beschreibung" over three rows, oldest first (a text layer).
        let mut words = vec![
            w("Index", 0, 0, 40, 10),
            w("Datum", 100, 0, 40, 10),
            w("Beschreibung", 200, 0, 90, 10),
            w("A", 0, 15, 10, 10),
            w("27.03.2026", 100, 15, 80, 10),
            w("Erstausgabe", 200, 15, 90, 10),
            w("B", 0, 30, 10, 10),
            w("26.04.2026", 100, 30, 80, 10),
            w("Brandschutz", 200, 30, 90, 10),
            w("C", 0, 45, 10, 10),
            w("09.05.2026", 100, 45, 80, 10),
            w("Stellplätze", 200, 45, 90, 10),
            w("Fiktive", 100, 70, 60, 8),
        ];
        for x in &mut words {
            x.konfidenz = 100.0;
        }
        let text = ordne_schriftfeld(&words);
        let f = felder(&text, "textebene", 1, None);
        assert_eq!(get(&f, "datum"), Some("2026-05-09"), "{text}");
        assert_eq!(get(&f, "index"), Some("C"), "{text}");
    }

    #[test]
    fn dates_in_iso_form_and_with_month_names_are_dates() {
        assert_eq!(
            daten("Stand: 2026-07-23\n18. Juli 2026\nden 5. Dez. 2025\n6. März 2025"),
            ["2026-07-23", "2026-07-18", "2025-12-05", "2025-03-06"]
        );
        // A plan number and a project number are none; nor is an impossible date.
        assert!(daten("2026-042-AN-08 2026-033 31. Februar 2026 2026-13-01").is_empty());
        let f = felder("Plandatum:\n17. April 2024\n", "textebene", 1, None);
        assert_eq!(get(&f, "datum"), Some("2024-04-17"));
    }

    #[test]
    fn a_scale_behind_its_label_survives_a_misread_colon() {
        for (ocr, soll) in [
            ("1e50", Some("1:50")),
            ("1;100", Some("1:100")),
            ("150", Some("1:50")),
            ("M 1500", Some("1:500")),
            ("1 : 200", Some("1:200")),
            // A one read as a look-alike, or with a speck before the colon.
            ("ı:100", Some("1:100")),
            ("12: 200", Some("1:200")),
            ("ı1:100", Some("1:100")),
            ("M.l:50", Some("1:50")),
            ("22: 200", None),
            ("1x:7", None),
            ("17", None),
            ("1e7", None),
            ("Bauantrag", None),
        ] {
            assert_eq!(massstab(ocr).as_deref(), soll, "{ocr}");
        }
        let f = felder("Datum;\n10.02.26\nM\n1e50\n", "ocr", 1, Some(80.0));
        assert_eq!(get(&f, "massstab"), Some("1:50"));
        assert_eq!(get(&f, "datum"), Some("2026-02-10"));
    }

    #[test]
    fn the_labels_people_use_are_understood_and_the_strongest_wins() {
        let t = "Blatt\n3\nAuftraggeber:\nStadtwerke Kassel GmbH\nDarstellung\nSchnitt B-B\nMst.\n1 : 50\nZeichnungs-Nr.\nS-02\nStand\n3.11.2026\nPlanverfasser\nArchitektin Eva Roth\nÄnderungsindex\nc";
        let f = felder(t, "textebene", 1, None);
        assert_eq!(get(&f, "bauherr"), Some("Stadtwerke Kassel GmbH"));
        assert_eq!(get(&f, "planinhalt"), Some("Schnitt B-B"));
        assert_eq!(get(&f, "massstab"), Some("1:50"));
        assert_eq!(
            get(&f, "plannummer"),
            Some("S-02"),
            "Zeichnungs-Nr. over Blatt"
        );
        assert_eq!(get(&f, "datum"), Some("2026-11-03"));
        assert_eq!(get(&f, "entwurfsverfasser"), Some("Architektin Eva Roth"));
        assert_eq!(get(&f, "index"), Some("c"));
        assert_eq!(get(&f, "planart"), Some("Schnitt"));
        // Upper case and colons as well.
        let f = felder("MASSSTAB: 1:200\nPLAN-NR.: A-7\n", "textebene", 1, None);
        assert_eq!(get(&f, "massstab"), Some("1:200"));
        assert_eq!(get(&f, "plannummer"), Some("A-7"));
    }

    #[test]
    fn values_without_labels_are_found_with_less_confidence() {
        let f = felder(
            "Wohnhaus Berger\nGrundriss Obergeschoss 1:100\nA-204\n14.09.2026\n",
            "textebene",
            1,
            None,
        );
        assert_eq!(get(&f, "massstab"), Some("1:100"));
        assert_eq!(get(&f, "datum"), Some("2026-09-14"));
        assert_eq!(get(&f, "plannummer"), Some("A-204"));
        for n in ["massstab", "datum", "plannummer"] {
            let k = f.iter().find(|x| x.feld == n).unwrap().konfidenz;
            assert!(k < 0.95 * 0.75, "{n}: {k}");
        }
        // Several dates (a revision table): the latest, as a guess only.
        let f = felder("01.02.2026\n14.09.2026\n03.05.2026", "textebene", 1, None);
        assert_eq!(get(&f, "datum"), Some("2026-09-14"));
        assert!(f[0].konfidenz < SICHER_AB);
        let f = felder("Stand\n18.04.26", "textebene", 1, None);
        assert_eq!(get(&f, "datum"), Some("2026-04-18"));
        // A scale after a number on its line (a project number in the same row).
        let f = felder("2025-067 1:500\n", "ocr", 1, Some(90.0));
        assert_eq!(get(&f, "massstab"), Some("1:500"));
        // Not scales or dates: 1:7, 31.02.2026, a phone number.
        let f = felder("1:7\n31.02.2026\n0561 12.34.5678", "textebene", 1, None);
        assert_eq!(get(&f, "massstab"), None);
        assert_eq!(get(&f, "datum"), None);
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
        // Specks at the end of a title; a plan number complete in its first word.
        let f = felder(
            "Planinhalt\nSchnitt B-B°\nPlan-Nr.\nLP-06 06\nBlatt-Nr.\nBA 03",
            "ocr",
            1,
            Some(90.0),
        );
        assert_eq!(get(&f, "planinhalt"), Some("Schnitt B-B"));
        assert_eq!(get(&f, "plannummer"), Some("LP-06"));
        assert_eq!(plausibel("plannummer", "BA 03").as_deref(), Some("BA 03"));
        // A count of sheets is no plan number; a dash's number part has no letter O.
        for zahl in ["1 von 4", "1von4", "lvon1i", "2 von 12"] {
            assert_eq!(plausibel("plannummer", zahl), None, "{zahl}");
        }
        assert_eq!(plausibel("plannummer", "LP-O8").as_deref(), Some("LP-08"));
        assert_eq!(plausibel("plannummer", "A-1O5").as_deref(), Some("A-105"));
        assert_eq!(plausibel("plannummer", "GR-OG").as_deref(), None);
        assert_eq!(
            plausibel("plannummer", "2026-014-GR-02").as_deref(),
            Some("2026-014-GR-02")
        );
        // A title or a name has letters.
        let f = felder("Planinhalt\n1:100\nBauherr\n3\n", "ocr", 1, Some(90.0));
        assert_eq!(get(&f, "planinhalt"), None);
        assert_eq!(get(&f, "bauherr"), None);
    }
}
