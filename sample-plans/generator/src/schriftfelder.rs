//! The title-block corpus (Schriftfeld-Korpus): many sheets, each with one title block in
//! one of ten layouts, with varied labels, values, fonts, sizes, paper formats and scan
//! qualities, in two splits made with different seeds and partly different label variants
//! and label/layout pairings, so that a plan reader can be tuned on `entwicklung` and
//! reported on `evaluation`. Generated on demand, not committed. All data is fictional.

use crate::canvas::Canvas;
use crate::font::{FontKind, Fonts};
use crate::layouts::{self, Inhalt, Kopf, Layout, Masse, Platz, Stil, Zelle};
use crate::model::{Date, Paper};
use crate::pdf::{DocInfo, ImageFilter, PdfDoc};
use crate::rng::Rng;
use crate::scan::{self, ScanSpec};
use crate::sheet::{self, Rect};
use crate::skizze;
use crate::truth::{
    Bereich, Gestaltung, GroundTruth, Index, IndexEntry, ScanGestaltung, Schriftfeld, Seite, r1,
    r2, to_json,
};
use crate::vokabular::{
    self, Feld, Geschoss, Planart, Split, Variante, hoechstens, label_form, pick, waehle_label,
    weighted,
};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Sheets per split unless `--anzahl` says otherwise.
pub const STANDARD_ANZAHL: usize = 120;

/// Vector PDF with a text layer, or an image-only scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Art {
    Vektor,
    Scan,
}

impl Art {
    pub fn name(self) -> &'static str {
        match self {
            Art::Vektor => "vektor",
            Art::Scan => "scan",
        }
    }
}

/// How a sheet is scanned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScanPlan {
    pub dpi: u32,
    pub filter: ImageFilter,
    pub quality: u8,
    pub rauschen: f64,
    pub unschaerfe: bool,
    /// Skew, degrees counter-clockwise.
    pub schraeg: f64,
    /// Quarter turn of the content in the stored image: 0, 90 (counter-clockwise), -90.
    pub viertel: i32,
    /// The page's `/Rotate` (0, 90, 270) that shows a quarter-turned image upright again.
    pub rotate: i64,
}

/// Everything about one sheet, decided before anything is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Blatt {
    pub nummer: usize,
    pub split: Split,
    pub layout: Layout,
    pub art: Art,
    pub paper: Paper,
    pub landscape: bool,
    pub planart: Planart,
    pub geschoss: Option<Geschoss>,
    pub nenner: u32,
    pub titel: String,
    pub inhalt: Inhalt,
    pub stil: Stil,
    pub masse: Masse,
    pub grossbuchstaben: bool,
    pub doppelpunkt: bool,
    /// The label printed per field the title block has (`None`: without label).
    pub labels: BTreeMap<Feld, Option<String>>,
    /// The label variant behind it, before capitals and colon.
    pub label_basis: BTreeMap<Feld, Option<&'static str>>,
    /// The printed value line per field the title block has.
    pub gedruckt: BTreeMap<Feld, String>,
    /// The ground truth's `schriftfeld`.
    pub wahr: Schriftfeld,
    pub scan: Option<ScanPlan>,
    /// `/Rotate` of a vector sheet stored turned (0, 90, 270).
    pub vektor_rotate: i64,
    pub seed: u64,
}

impl Blatt {
    /// The file stem: `007_streifen_rechts_scan`.
    pub fn stamm(&self) -> String {
        format!(
            "{:03}_{}_{}",
            self.nummer,
            self.layout.name(),
            self.art.name()
        )
    }
}

fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

/// Plans the sheets of a split: every block of ten sheets has each layout once, five of
/// them as scans. Deterministic for the split.
pub fn plane(split: Split, anzahl: usize) -> Vec<Blatt> {
    let mut rng = Rng::new(split.seed());
    let mut out = Vec::with_capacity(anzahl);
    let n = Layout::ALLE.len();
    let mut order = Layout::ALLE.to_vec();
    let mut arts: Vec<Art> = (0..n)
        .map(|i| if i % 2 == 0 { Art::Vektor } else { Art::Scan })
        .collect();
    for i in 0..anzahl {
        if i % n == 0 {
            shuffle(&mut rng, &mut order);
            shuffle(&mut rng, &mut arts);
        }
        let seed = split.seed() ^ (i as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D);
        out.push(plane_blatt(split, i + 1, order[i % n], arts[i % n], seed));
    }
    out
}

/// The font families of a split: the development split never sees DejaVu Sans Mono.
fn familien(split: Split) -> &'static [(FontKind, FontKind)] {
    const DEV: &[(FontKind, FontKind)] = &[
        (FontKind::Regular, FontKind::Bold),
        (FontKind::Condensed, FontKind::CondensedBold),
        (FontKind::Serif, FontKind::SerifBold),
    ];
    const EVAL: &[(FontKind, FontKind)] = &[
        (FontKind::Regular, FontKind::Bold),
        (FontKind::Condensed, FontKind::CondensedBold),
        (FontKind::Serif, FontKind::SerifBold),
        (FontKind::Mono, FontKind::MonoBold),
    ];
    match split {
        Split::Entwicklung => DEV,
        Split::Evaluation => EVAL,
    }
}

fn initialen(buero: &str) -> String {
    buero
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .take(3)
        .collect::<String>()
        .to_uppercase()
}

/// The revisions up to `index` (A, B, C … or a, b … or 00, 01 …), the last of them on
/// `datum`.
fn revisionen(rng: &mut Rng, index: &str, datum: Date) -> Vec<[String; 3]> {
    const TEXTE: &[&str] = &[
        "Fenster Nordseite geändert",
        "Stellplätze ergänzt",
        "Anpassung nach Stellungnahme der Bauaufsicht",
        "Dachneigung geändert",
        "Treppe gedreht, Flur angepasst",
        "Abstandsflächen ergänzt",
        "Höhenangaben korrigiert",
    ];
    let stufen: Vec<String> = match index.chars().next() {
        Some(c) if c.is_ascii_uppercase() => {
            (b'A'..=c as u8).map(|b| (b as char).to_string()).collect()
        }
        Some(c) if c.is_ascii_lowercase() => {
            (b'a'..=c as u8).map(|b| (b as char).to_string()).collect()
        }
        Some(_) => {
            let n: u32 = index.parse().unwrap_or(0);
            (0..=n).map(|k| format!("{k:02}")).collect()
        }
        None => Vec::new(),
    };
    let n = stufen.len();
    stufen
        .into_iter()
        .enumerate()
        .map(|(k, s)| {
            // Earlier revisions some weeks apart.
            let back = (n - 1 - k) as i64 * (14 + rng.below(30) as i64);
            let d = tage_zurueck(datum, back);
            let text = if k == 0 {
                "Erstausgabe".to_string()
            } else {
                pick(rng, TEXTE).to_string()
            };
            [s, d.german(), text]
        })
        .collect()
}

/// A date `tage` days earlier (months counted as 30 days; precise enough for a table).
fn tage_zurueck(d: Date, tage: i64) -> Date {
    let total = d.y as i64 * 360 + (d.m as i64 - 1) * 30 + (d.d.min(28) as i64 - 1) - tage;
    Date::new(
        (total / 360) as u16,
        ((total % 360) / 30 + 1) as u8,
        ((total % 30) + 1) as u8,
    )
}

/// Decides one sheet.
fn plane_blatt(split: Split, nummer: usize, layout: Layout, art: Art, seed: u64) -> Blatt {
    let mut rng = Rng::new(seed);
    let r = &mut rng;
    let eval = split == Split::Evaluation;

    let paper = *weighted(
        r,
        &[
            (Paper::A4, 2.0),
            (Paper::A3, 3.0),
            (Paper::A2, 2.5),
            (Paper::A1, 1.5),
            (Paper::A0, 1.0),
        ],
    );
    let landscape = match paper {
        Paper::A4 => {
            r.unit()
                < if layout == Layout::BandUnten {
                    0.5
                } else {
                    0.15
                }
        }
        _ => r.unit() < 0.85,
    };
    let planart = *weighted(
        r,
        &[
            (Planart::Grundriss, 4.5),
            (Planart::Schnitt, 2.0),
            (Planart::Ansicht, 2.0),
            (Planart::Lageplan, 1.5),
        ],
    );
    let (planinhalt, geschoss) = vokabular::planinhalt(r, planart);
    let nenner = vokabular::massstab(r, planart);
    let datum = vokabular::datum(r);

    // Label style, with pairings that differ between the splits: the development split
    // writes labels in capitals only in boxes, adds colons only where the label stands
    // left of the value, and leaves Maßstab and Datum unlabelled only in boxes.
    let grossbuchstaben = if eval {
        r.unit() < 0.25
    } else {
        layout.ist_box() && r.unit() < 0.2
    };
    let doppelpunkt = if layout.label_links() {
        r.unit() < 0.75
    } else {
        eval && r.unit() < 0.3
    };
    let ohne_erlaubt = eval || layout.ist_box();
    let schmal = !layout.ist_box() && layout != Layout::BandUnten;
    let max_len = match layout {
        Layout::StreifenRechtsLinks => 26,
        _ if schmal => 34,
        _ => 50,
    };

    let mut labels: BTreeMap<Feld, Option<String>> = BTreeMap::new();
    let mut gedruckt: BTreeMap<Feld, String> = BTreeMap::new();
    let mut felder: BTreeMap<Feld, Zelle> = BTreeMap::new();
    let form = |v: &Variante| {
        v.text.map(|t| {
            let colon = doppelpunkt && t != "M";
            label_form(t, grossbuchstaben, colon)
        })
    };
    let mut label_basis: BTreeMap<Feld, Option<&'static str>> = BTreeMap::new();
    let mut setze = |feld: Feld,
                     v: &Variante,
                     werte: Vec<String>,
                     betont: bool,
                     felder: &mut BTreeMap<Feld, Zelle>| {
        let label = form(v);
        label_basis.insert(feld, v.text);
        labels.insert(feld, label.clone());
        gedruckt.insert(feld, werte[0].clone());
        felder.insert(feld, Zelle::feld(feld, label, werte, betont));
    };

    // Bauherr (with an address line on most sheets).
    let v = waehle_label(r, split, Feld::Bauherr, false);
    let (bauherr, bh_adresse) = hoechstens(
        r,
        max_len,
        |t: &(String, String)| t.0.chars().count(),
        |r| vokabular::bauherr(r, v.passt),
    );
    let mut werte = vec![bauherr.clone()];
    if r.unit() < 0.7 {
        werte.push(bh_adresse);
    }
    setze(Feld::Bauherr, &v, werte, false, &mut felder);

    // Bauvorhaben with the site address (and parcel).
    let v = waehle_label(r, split, Feld::Bauvorhaben, false);
    let (bauvorhaben, bv_zeilen) = hoechstens(
        r,
        max_len,
        |t: &(String, Vec<String>)| t.0.chars().count(),
        vokabular::bauvorhaben,
    );
    let stadt_bv = bv_zeilen[0]
        .rsplit(' ')
        .next()
        .unwrap_or("Kassel")
        .to_string();
    let mut werte = vec![bauvorhaben.clone()];
    werte.extend(bv_zeilen.into_iter().take(if schmal { 1 } else { 2 }));
    setze(Feld::Bauvorhaben, &v, werte, r.unit() < 0.4, &mut felder);

    let v = waehle_label(r, split, Feld::Planinhalt, false);
    setze(
        Feld::Planinhalt,
        &v,
        vec![planinhalt.clone()],
        true,
        &mut felder,
    );

    // Geschoss: a cell of its own on some floor plans only.
    if let Some(g) = geschoss
        && r.unit() < 0.6
    {
        let v = waehle_label(r, split, Feld::Geschoss, false);
        let text = if r.unit() < 0.7 { g.kurz() } else { g.lang() };
        setze(
            Feld::Geschoss,
            &v,
            vec![text.to_string()],
            r.unit() < 0.5,
            &mut felder,
        );
    }

    let v = waehle_label(r, split, Feld::Massstab, ohne_erlaubt);
    let ms = vokabular::massstab_text(r, nenner, v.text);
    setze(Feld::Massstab, &v, vec![ms], false, &mut felder);

    let v = waehle_label(r, split, Feld::Plannummer, false);
    let plannummer = vokabular::plannummer(r, split, planart, geschoss, datum.y);
    let pn_label = v.text;
    setze(
        Feld::Plannummer,
        &v,
        vec![plannummer.clone()],
        true,
        &mut felder,
    );

    let index = (r.unit() < 0.85).then(|| vokabular::index(r));
    if let Some(ix) = &index {
        let v = waehle_label(r, split, Feld::Index, false);
        setze(Feld::Index, &v, vec![ix.clone()], false, &mut felder);
    }

    let v = waehle_label(r, split, Feld::Datum, ohne_erlaubt);
    let dt = vokabular::datum_text(r, split, datum, v.text.is_some(), &stadt_bv);
    setze(Feld::Datum, &v, vec![dt], false, &mut felder);

    let v = waehle_label(r, split, Feld::Entwurfsverfasser, false);
    let (entwurfsverfasser, buero, buero_adresse) = hoechstens(
        r,
        max_len,
        |t: &(String, String, String)| t.0.chars().count(),
        |r| vokabular::entwurfsverfasser(r, v.passt),
    );
    let mut werte = vec![entwurfsverfasser.clone()];
    if r.unit() < 0.7 {
        werte.push(if schmal {
            buero.clone()
        } else {
            format!("{buero} · {buero_adresse}")
        });
    }
    setze(Feld::Entwurfsverfasser, &v, werte, false, &mut felder);

    // Other cells, which a reader must not take for fields.
    let lf = |s: &str| label_form(s, grossbuchstaben, doppelpunkt);
    let telefon = vokabular::telefon(r);
    let mut andere: Vec<Zelle> = Vec::new();
    let mut kandidaten: Vec<Zelle> = vec![
        Zelle::andere(lf("Format"), vec![paper.name().to_string()]),
        Zelle::andere(lf("gezeichnet"), vec![vokabular::kuerzel(r)]),
        Zelle::andere(lf("geprüft"), vec![vokabular::kuerzel(r)]),
        Zelle::andere(
            lf(pick::<&str>(r, &["Telefon", "Tel."])),
            vec![telefon.clone()],
        ),
        Zelle::andere(
            lf("Projekt-Nr."),
            vec![format!("{}-{:03}", datum.y, 1 + r.below(80))],
        ),
        Zelle::andere(
            lf(pick::<&str>(r, &["Planphase", "Leistungsphase"])),
            vec![pick(r, &["Genehmigungsplanung", "Bauantrag", "LPH 4"]).to_string()],
        ),
        Zelle {
            leerraum: 8.0,
            unterschrift: true,
            ..Zelle::andere(
                lf(pick::<&str>(
                    r,
                    &[
                        "Unterschrift Bauherr",
                        "Unterschrift",
                        "Unterschrift Entwurfsverfasser",
                    ],
                )),
                Vec::new(),
            )
        },
    ];
    if !pn_label.is_some_and(|l| l.starts_with("Blatt")) {
        let blatt = pick(r, &["1/1", "1 von 1", "2/3", "1 von 4"]).to_string();
        kandidaten.push(Zelle::andere(lf("Blatt"), vec![blatt]));
    }
    shuffle(r, &mut kandidaten);
    let k = 2 + r.below(4) as usize;
    andere.extend(kandidaten.into_iter().take(k));
    let inner_h = paper.size(landscape).1;
    if schmal && inner_h > 280.0 && r.unit() < 0.6 {
        andere.push(Zelle {
            leerraum: 28.0,
            ..Zelle::andere(
                lf(pick::<&str>(
                    r,
                    &[
                        "Prüfvermerke",
                        "Eingangsstempel",
                        "Vermerke der Bauaufsicht",
                    ],
                )),
                Vec::new(),
            )
        });
    }

    // Order of the cells, as offices differ: parties, plan, small cells, author.
    let mut take = |f: Feld| felder.remove(&f);
    let mut g1: Vec<Zelle> = [Feld::Bauherr, Feld::Bauvorhaben]
        .into_iter()
        .filter_map(&mut take)
        .collect();
    if r.unit() < 0.3 {
        g1.reverse();
    }
    let g2: Vec<Zelle> = [Feld::Planinhalt, Feld::Geschoss]
        .into_iter()
        .filter_map(&mut take)
        .collect();
    let mut g3: Vec<Zelle> = [Feld::Massstab, Feld::Plannummer, Feld::Index, Feld::Datum]
        .into_iter()
        .filter_map(&mut take)
        .collect();
    let (klein, gross): (Vec<Zelle>, Vec<Zelle>) =
        andere.into_iter().partition(|z| z.leerraum == 0.0);
    g3.extend(klein);
    shuffle(r, &mut g3);
    let mut g4: Vec<Zelle> = [Feld::Entwurfsverfasser]
        .into_iter()
        .filter_map(&mut take)
        .collect();
    g4.extend(gross);
    let gruppen = match r.below(4) {
        0 => [g1, g2, g3, g4],
        1 => [g4, g1, g2, g3],
        2 => [g2, g3, g1, g4],
        _ => [g1, g4, g2, g3],
    };
    let zellen: Vec<Zelle> = gruppen.into_iter().flatten().collect();

    let kopf_p = match layout {
        Layout::BoxLogoRevisionen => 1.0,
        Layout::StreifenRechts | Layout::StreifenRechtsLinks => 0.6,
        Layout::BandUnten => 0.4,
        _ => 0.0,
    };
    let kopf = (r.unit() < kopf_p).then(|| Kopf {
        initialen: initialen(&buero),
        buero: buero.clone(),
        anschrift: buero_adresse.clone(),
        telefon: format!("Tel. {telefon}"),
        gefuellt: r.unit() < 0.5,
    });
    let mit_revisionen = index.is_some()
        && (layout == Layout::BoxLogoRevisionen
            || (layout.revisionen_moeglich() && r.unit() < 0.35));
    let revisionen = match (&index, mit_revisionen) {
        (Some(ix), true) if vokabular::index_leer(ix) => {
            vec![[String::new(), String::new(), String::new()]]
        }
        (Some(ix), true) => revisionen(r, ix, datum),
        _ => Vec::new(),
    };
    let revisionen_kopf = pick(
        r,
        &[
            ["Index", "Datum", "Änderung"],
            ["Rev.", "Datum", "Beschreibung"],
            ["Nr.", "Datum", "Art der Änderung"],
        ],
    )
    .map(|s| s.to_string());
    let inhalt = Inhalt {
        zellen,
        kopf,
        revisionen,
        revisionen_kopf,
        fuss: "Fiktive Beispieldaten".to_string(),
    };

    let (label_font, _) = *pick(r, familien(split));
    let (wert_font, wert_bold) = if r.unit() < 0.6 {
        *familien(split)
            .iter()
            .find(|(f, _)| *f == label_font)
            .unwrap_or(&familien(split)[0])
    } else {
        *pick(r, familien(split))
    };
    let wert_bold = if r.unit() < 0.25 {
        wert_font
    } else {
        wert_bold
    };
    let label_mm = (r.range(1.8, 3.0) * 10.0).round() / 10.0;
    let wert_mm = (r.range((label_mm + 0.4).max(2.5), 4.2) * 10.0).round() / 10.0;
    let stil = Stil {
        label_font,
        wert_font,
        wert_bold,
        label_mm,
        wert_mm,
        einzeilig: layout.label_links()
            && layout != Layout::TabelleZweispaltig
            && r.unit()
                < if layout == Layout::BoxUntenRechtsOhneLinien {
                    0.6
                } else {
                    0.35
                },
        rahmen: layout != Layout::BoxUntenRechtsOhneLinien || r.unit() < 0.5,
    };
    let masse = Masse {
        box_breite: if paper == Paper::A4 {
            180.0
        } else {
            (r.range(150.0, 190.0) / 5.0).round() * 5.0
        },
        streifen_breite: (r.range(50.0, 70.0) / 5.0).round() * 5.0,
        streifen_anteil: if r.unit() < 0.6 {
            1.0
        } else {
            r.range(0.75, 1.0)
        },
        streifen_oben: r.unit() < 0.5,
        pro_reihe: 2 + r.below(4) as usize,
    };

    let scan = (art == Art::Scan).then(|| {
        let dpi = match paper {
            Paper::A4 | Paper::A3 => *pick(r, &[150, 200, 300]),
            Paper::A2 | Paper::A1 => *pick(r, &[150, 200]),
            Paper::A0 => 150,
        };
        let flate = matches!(paper, Paper::A4 | Paper::A3) && dpi <= 200 && r.unit() < 0.2;
        let schraeg = r2(r.range(0.05, 2.0) * if r.unit() < 0.5 { -1.0 } else { 1.0 });
        let u = r.unit();
        let (viertel, rotate) = if !landscape {
            (0, 0)
        } else if u < 0.15 {
            (if r.unit() < 0.5 { 90 } else { -90 }, 0)
        } else if u < 0.27 {
            if r.unit() < 0.5 { (90, 90) } else { (-90, 270) }
        } else {
            (0, 0)
        };
        ScanPlan {
            dpi,
            filter: if flate {
                ImageFilter::Flate
            } else {
                ImageFilter::Dct
            },
            quality: if flate { 0 } else { 60 + r.below(31) as u8 },
            rauschen: if flate {
                r1(r.range(0.0, 1.0))
            } else {
                r1(r.range(0.5, 4.0))
            },
            unschaerfe: r.unit() < 0.3,
            schraeg,
            viertel,
            rotate,
        }
    });
    let vektor_rotate = if art == Art::Vektor && landscape && r.unit() < 0.12 {
        if r.unit() < 0.5 { 90 } else { 270 }
    } else {
        0
    };

    let wahr = Schriftfeld {
        bauherr: Some(bauherr),
        bauvorhaben: Some(bauvorhaben),
        planinhalt: Some(planinhalt.clone()),
        massstab: Some(format!("1:{nenner}")),
        plannummer: Some(plannummer),
        index: index.filter(|ix| !vokabular::index_leer(ix)),
        datum: Some(datum.iso()),
        entwurfsverfasser: Some(entwurfsverfasser),
        geschoss: geschoss.map(|g| g.kurz().to_string()),
    };
    Blatt {
        nummer,
        split,
        layout,
        art,
        paper,
        landscape,
        planart,
        geschoss,
        nenner,
        titel: planinhalt,
        inhalt,
        stil,
        masse,
        grossbuchstaben,
        doppelpunkt,
        labels,
        label_basis,
        gedruckt,
        wahr,
        scan,
        vektor_rotate,
        seed,
    }
}

/// The free part of the frame for the drawing: the largest rectangle beside the title
/// block, with a margin.
fn frei(inner: Rect, belegt: Rect) -> Rect {
    let m = 8.0;
    let kandidaten = [
        // left of it
        Rect {
            x: inner.x,
            y: inner.y,
            w: belegt.x - inner.x,
            h: inner.h,
        },
        // right of it
        Rect {
            x: belegt.right(),
            y: inner.y,
            w: inner.right() - belegt.right(),
            h: inner.h,
        },
        // above it
        Rect {
            x: inner.x,
            y: belegt.top(),
            w: inner.w,
            h: inner.top() - belegt.top(),
        },
        // below it
        Rect {
            x: inner.x,
            y: inner.y,
            w: inner.w,
            h: belegt.y - inner.y,
        },
    ];
    let best = kandidaten
        .into_iter()
        .max_by(|a, b| (a.w.max(0.0) * a.h.max(0.0)).total_cmp(&(b.w.max(0.0) * b.h.max(0.0))))
        .unwrap_or(inner);
    Rect {
        x: best.x + m,
        y: best.y + m,
        w: (best.w - 2.0 * m).max(0.0),
        h: (best.h - 2.0 * m).max(0.0),
    }
}

/// Draws a sheet upright: frame, drawing, title block. Returns the canvas, where the
/// title block is, and the style as drawn (sizes may have shrunk to fit).
pub fn zeichne<'f>(fonts: &'f Fonts, b: &Blatt) -> (Canvas<'f>, Platz, Stil) {
    let (w, h) = b.paper.size(b.landscape);
    // A dry run on a scratch canvas finds where the title block goes …
    let mut probe = Canvas::new(fonts, w, h);
    let inner = sheet::frame(&mut probe);
    let mut stil = b.stil;
    let platz = layouts::zeichne(&mut probe, inner, b.layout, &b.inhalt, &mut stil, &b.masse);
    // … so the drawing can go first and the title block on top of it.
    let mut c = Canvas::new(fonts, w, h);
    sheet::frame(&mut c);
    let mut rng = Rng::new(b.seed ^ 0x5EED_D12A);
    skizze::zeichne(
        &mut c,
        frei(inner, platz.belegt),
        b.planart,
        b.nenner,
        b.geschoss,
        &b.titel,
        &mut rng,
    );
    let mut stil2 = b.stil;
    let platz = layouts::zeichne(&mut c, inner, b.layout, &b.inhalt, &mut stil2, &b.masse);
    (c, platz, stil2)
}

/// The title block's rectangle on the page as displayed, after a quarter turn of the
/// content (0, 90 counter-clockwise, -90) and a skew about the page centre. `w`, `h`: the
/// upright sheet.
pub fn bereich_auf_seite(r: Rect, w: f64, h: f64, viertel: i32, schraeg: f64) -> Bereich {
    let (r, pw, ph) = match viertel {
        90 => (
            Rect {
                x: h - r.top(),
                y: r.x,
                w: r.h,
                h: r.w,
            },
            h,
            w,
        ),
        -90 => (
            Rect {
                x: r.y,
                y: w - r.right(),
                w: r.h,
                h: r.w,
            },
            h,
            w,
        ),
        _ => (r, w, h),
    };
    if schraeg == 0.0 {
        Bereich::from_rect(r)
    } else {
        Bereich::rotated(r, schraeg, pw, ph)
    }
}

fn info(b: &Blatt) -> DocInfo {
    DocInfo {
        title: format!(
            "Schriftfeld-Korpus {}, Blatt {:03}",
            b.split.name(),
            b.nummer
        ),
        author: "Plankammer sample-plans generator".to_string(),
        subject: "Fiktive Beispieldaten".to_string(),
        keywords: "Plankammer; Schriftfeld; Korpus; fiktiv".to_string(),
        date: Date::new(2026, 9, 14).pdf(),
    }
}

fn seite(paper: Paper, w: f64, h: f64, dpi: Option<u32>, drehung: f64, rotate: i64) -> Seite {
    Seite {
        nummer: 1,
        breite_mm: r1(w),
        hoehe_mm: r1(h),
        format: paper.name().to_string(),
        ausrichtung: if w > h { "quer" } else { "hoch" }.to_string(),
        dpi,
        drehung_grad: r2(drehung),
        inhalt: None,
        rotate: (rotate != 0).then_some(rotate),
    }
}

/// The PDF of a sheet and its ground truth.
pub fn baue(fonts: &Fonts, b: &Blatt) -> Result<(Vec<u8>, GroundTruth)> {
    let (w, h) = b.paper.size(b.landscape);
    let (canvas, platz, stil) = zeichne(fonts, b);
    let info = info(b);
    let mut doc = PdfDoc::new(fonts);
    let (bytes, seite, bereich) = match &b.scan {
        None => {
            doc.add_canvas_page_rotated(canvas, b.vektor_rotate)?;
            (
                doc.finish(&info)?,
                seite(b.paper, w, h, None, 0.0, b.vektor_rotate),
                Bereich::from_rect(platz.bereich),
            )
        }
        Some(s) => {
            doc.add_canvas_page(canvas)?;
            let upright = doc.finish(&info)?;
            let mut g = scan::render_gray(&upright, s.dpi)?
                .into_iter()
                .next()
                .context("Seite fehlt")?;
            if s.unschaerfe {
                g = scan::box_blur(&g);
            }
            if s.viertel != 0 {
                g = scan::quarter_turn(&g, s.viertel > 0);
            }
            let (pw, ph) = if s.viertel != 0 { (h, w) } else { (w, h) };
            let spec = ScanSpec {
                dpi: s.dpi,
                angle_deg: s.schraeg,
                seed: b.seed,
                filter: s.filter,
                quality: s.quality,
                noise: s.rauschen,
            };
            let img = scan::degrade(&g, pw, ph, &spec);
            let data = scan::encode(&img, &spec)?;
            let mut doc = PdfDoc::new(fonts);
            doc.add_image_page(pw, ph, &data)?;
            if s.rotate != 0 {
                doc.rotate_last_page(s.rotate)?;
            }
            // As displayed: /Rotate shows the turned image upright again.
            let (sichtbar, dreh, viertel) = if s.rotate != 0 {
                ((w, h), s.schraeg, 0)
            } else {
                ((pw, ph), s.viertel as f64 + s.schraeg, s.viertel)
            };
            (
                doc.finish(&info)?,
                seite(b.paper, sichtbar.0, sichtbar.1, Some(s.dpi), dreh, s.rotate),
                bereich_auf_seite(platz.bereich, w, h, viertel, s.schraeg),
            )
        }
    };
    let gestaltung = Gestaltung {
        label_lage: if b.layout.label_links() {
            "links"
        } else {
            "oben"
        }
        .to_string(),
        linien: b.layout.linien(),
        einzeilig: stil.einzeilig,
        grossbuchstaben: b.grossbuchstaben,
        doppelpunkt: b.doppelpunkt,
        schrift_label: stil.label_font.family().to_string(),
        schrift_wert: stil.wert_font.family().to_string(),
        label_mm: r2(stil.label_mm),
        wert_mm: r2(stil.wert_mm),
        weitere_zellen: b
            .inhalt
            .zellen
            .iter()
            .filter(|z| z.feld.is_none())
            .filter_map(|z| z.label.clone())
            .collect(),
        revisionstabelle: !b.inhalt.revisionen.is_empty(),
        zeichnung_ausrichtung: if b.landscape { "quer" } else { "hoch" }.to_string(),
        scan: b.scan.map(|s| ScanGestaltung {
            dpi: s.dpi,
            kodierung: match s.filter {
                ImageFilter::Dct => "jpeg",
                ImageFilter::Flate => "flate",
            }
            .to_string(),
            jpeg_qualitaet: (s.filter == ImageFilter::Dct).then_some(s.quality),
            rauschen: s.rauschen,
            unschaerfe: s.unschaerfe,
            schraeglage_grad: s.schraeg,
            vierteldrehung_grad: s.viertel,
        }),
    };
    let truth = GroundTruth {
        datei: format!("{}.pdf", b.stamm()),
        art: b.art.name().to_string(),
        hinweis: None,
        seiten: vec![seite],
        planart: Some(b.planart.name().to_string()),
        anlageart: Some(b.planart.anlageart().to_string()),
        schriftfeld: Some(b.wahr.clone()),
        schriftfeld_bereich_mm: Some(bereich),
        // All fonts are embedded; scans have none.
        schriftarten_eingebettet: true,
        layout: Some(b.layout.name().to_string()),
        split: Some(b.split.name().to_string()),
        label_variante: Some(
            b.labels
                .iter()
                .map(|(f, l)| (f.key().to_string(), l.clone()))
                .collect(),
        ),
        gestaltung: Some(gestaltung),
    };
    Ok((bytes, truth))
}

/// Writes a split: `NNN_<layout>_<art>.pdf` with `NNN_<layout>_<art>.json` beside it, and
/// `index.json`. Sheets are built on all cores; the output does not depend on how many.
pub fn korpus(
    fonts: &Fonts,
    dir: &Path,
    split: Split,
    anzahl: usize,
) -> Result<Vec<(String, u64)>> {
    std::fs::create_dir_all(dir).with_context(|| format!("{} anlegen", dir.display()))?;
    let blaetter = plane(split, anzahl);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    type Ergebnis = (usize, Vec<(String, u64)>, IndexEntry);
    let results: Vec<Result<Vec<Ergebnis>>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let blaetter = &blaetter;
                sc.spawn(move || -> Result<Vec<Ergebnis>> {
                    let mut out = Vec::new();
                    for (i, b) in blaetter.iter().enumerate().skip(t).step_by(threads) {
                        let (bytes, truth) =
                            baue(fonts, b).with_context(|| format!("Blatt {}", b.stamm()))?;
                        let pdf = format!("{}.pdf", b.stamm());
                        let json = format!("{}.json", b.stamm());
                        let jbytes = to_json(&truth)?;
                        std::fs::write(dir.join(&pdf), &bytes)
                            .with_context(|| format!("{pdf} schreiben"))?;
                        std::fs::write(dir.join(&json), &jbytes)
                            .with_context(|| format!("{json} schreiben"))?;
                        let entry = IndexEntry {
                            datei: pdf.clone(),
                            ground_truth: json.clone(),
                            art: truth.art.clone(),
                            planart: truth.planart.clone(),
                            anlageart: truth.anlageart.clone(),
                            seiten: truth.seiten.len(),
                            bytes: bytes.len() as u64,
                            layout: truth.layout.clone(),
                        };
                        out.push((
                            i,
                            vec![(pdf, bytes.len() as u64), (json, jbytes.len() as u64)],
                            entry,
                        ));
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
    let mut all: Vec<Ergebnis> = Vec::new();
    for r in results {
        all.extend(r?);
    }
    all.sort_by_key(|e| e.0);
    let mut written = Vec::new();
    let mut dateien = Vec::new();
    for (_, files, entry) in all {
        written.extend(files);
        dateien.push(entry);
    }
    let index = Index {
        satz: format!("schriftfelder-{}", split.name()),
        beschreibung: format!(
            "Schriftfeld-Korpus, Split {}: {} Blätter mit je einem Schriftfeld in einem von {} \
             Layouts, Vektor-PDFs und Scans, mit Ground Truth",
            split.name(),
            anzahl,
            Layout::ALLE.len()
        ),
        hinweis: "Fiktive Beispieldaten: alle Personen, Büros, Anschriften, Flurstücke, \
                  Plannummern und Daten sind frei erfunden."
            .to_string(),
        dateien,
    };
    let ib = to_json(&index)?;
    std::fs::write(dir.join("index.json"), &ib).context("index.json schreiben")?;
    written.push(("index.json".to_string(), ib.len() as u64));
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn fonts() -> Fonts {
        Fonts::load_default().expect("DejaVu fonts (Debian package fonts-dejavu-core)")
    }

    /// The text layer of a vector PDF in one string.
    fn text(bytes: &[u8]) -> String {
        crate::check::text_lines(bytes).expect("text").join("\n")
    }

    #[test]
    fn planning_is_deterministic_and_covers_every_layout() {
        for split in Split::ALLE {
            let a = plane(split, STANDARD_ANZAHL);
            let b = plane(split, STANDARD_ANZAHL);
            assert_eq!(a, b, "{split:?}");
            let layouts: BTreeSet<Layout> = a.iter().map(|b| b.layout).collect();
            assert_eq!(layouts.len(), Layout::ALLE.len(), "{split:?}");
            let scans = a.iter().filter(|b| b.art == Art::Scan).count();
            assert_eq!(scans, STANDARD_ANZAHL / 2, "{split:?}");
            assert!(
                a.iter()
                    .any(|b| b.scan.is_some_and(|s| s.viertel != 0 && s.rotate == 0))
            );
            assert!(a.iter().any(|b| b.scan.is_some_and(|s| s.rotate != 0)));
            for p in [Paper::A4, Paper::A3, Paper::A2, Paper::A1, Paper::A0] {
                assert!(a.iter().any(|b| b.paper == p), "{split:?} {p:?}");
            }
        }
        assert_ne!(
            plane(Split::Entwicklung, 10)[0].wahr,
            plane(Split::Evaluation, 10)[0].wahr
        );
    }

    #[test]
    fn the_splits_differ_in_labels_and_pairings() {
        let dev = plane(Split::Entwicklung, STANDARD_ANZAHL);
        let eval = plane(Split::Evaluation, STANDARD_ANZAHL);
        let held_out: BTreeSet<(Feld, &str)> = Feld::ALLE
            .iter()
            .flat_map(|f| {
                vokabular::varianten(*f)
                    .iter()
                    .filter(|v| v.nur_evaluation)
                    .filter_map(move |v| v.text.map(|t| (*f, t)))
            })
            .collect();
        let kombis = |bl: &[Blatt]| -> BTreeSet<(Layout, Feld, Option<String>)> {
            bl.iter()
                .flat_map(|b| {
                    b.label_basis
                        .iter()
                        .map(|(f, l)| (b.layout, *f, l.map(str::to_string)))
                })
                .collect()
        };
        let (kd, ke) = (kombis(&dev), kombis(&eval));
        // Development never prints a held-out label …
        for (_, f, l) in &kd {
            if let Some(l) = l {
                assert!(!held_out.contains(&(*f, l.as_str())), "{f:?} {l}");
            }
        }
        // … evaluation prints every one of them.
        for (f, l) in &held_out {
            assert!(
                ke.iter()
                    .any(|(_, g, m)| g == f && m.as_deref() == Some(*l)),
                "{f:?} {l} not in evaluation"
            );
        }
        let nur_eval = ke.difference(&kd).count();
        assert!(nur_eval > 30, "{nur_eval} combinations only in evaluation");
        // Pairings: unlabelled Maßstab/Datum and capitals in strips and bands only in evaluation.
        let strip_ohne = |bl: &[Blatt]| {
            bl.iter().any(|b| {
                !b.layout.ist_box()
                    && (b.labels[&Feld::Massstab].is_none() || b.labels[&Feld::Datum].is_none())
            })
        };
        assert!(!strip_ohne(&dev) && strip_ohne(&eval));
        let strip_gross =
            |bl: &[Blatt]| bl.iter().any(|b| !b.layout.ist_box() && b.grossbuchstaben);
        assert!(!strip_gross(&dev) && strip_gross(&eval));
    }

    /// One vector sheet per layout and split, drawn in memory: every field's printed value
    /// is in lopdf's text layer, the truth is its normalised form, and the title block lies
    /// on the page.
    #[test]
    fn every_layout_draws_its_fields() {
        let fonts = fonts();
        for split in Split::ALLE {
            let plans = plane(split, 40);
            for layout in Layout::ALLE {
                let mut b = plans
                    .iter()
                    .find(|b| b.layout == layout)
                    .expect("layout planned")
                    .clone();
                b.art = Art::Vektor;
                b.scan = None;
                let (bytes, truth) = baue(&fonts, &b).expect("sheet");
                let t = text(&bytes);
                let flat = t.replace('\n', " ");
                for (feld, printed) in &b.gedruckt {
                    assert!(
                        flat.contains(printed.as_str()),
                        "{} {feld:?}: {printed:?} not in text layer:\n{t}",
                        b.stamm()
                    );
                    if let Some(Some(l)) = b.labels.get(feld) {
                        assert!(flat.contains(l.as_str()), "{} label {l:?}", b.stamm());
                    }
                }
                let sf = truth.schriftfeld.as_ref().expect("schriftfeld");
                let g = |f: Feld| b.gedruckt.get(&f).cloned();
                assert_eq!(sf.bauherr, g(Feld::Bauherr));
                assert_eq!(sf.bauvorhaben, g(Feld::Bauvorhaben));
                assert_eq!(sf.planinhalt, g(Feld::Planinhalt));
                assert_eq!(sf.plannummer, g(Feld::Plannummer));
                assert_eq!(sf.entwurfsverfasser, g(Feld::Entwurfsverfasser));
                let ms = sf.massstab.as_deref().expect("massstab");
                assert!(
                    g(Feld::Massstab)
                        .expect("printed")
                        .replace(' ', "")
                        .contains(ms)
                );
                let iso = sf.datum.as_deref().expect("datum");
                let d = Date::new(
                    iso[0..4].parse().expect("y"),
                    iso[5..7].parse().expect("m"),
                    iso[8..10].parse().expect("d"),
                );
                let dt = g(Feld::Datum).expect("printed date");
                assert!(
                    vokabular::datum_formen(d)
                        .iter()
                        .any(|f| dt.contains(f.as_str())),
                    "{dt} vs {iso}"
                );
                match (g(Feld::Index), &sf.index) {
                    (Some(p), Some(i)) => assert_eq!(&p, i),
                    (Some(p), None) => assert!(vokabular::index_leer(&p)),
                    (None, i) => assert!(i.is_none()),
                }
                if let Some(p) = g(Feld::Geschoss) {
                    let s = sf.geschoss.as_deref().expect("geschoss");
                    assert!(p == s || p.ends_with("geschoss"), "{p} vs {s}");
                }
                assert!(t.contains("Fiktive Beispieldaten"));
                // The rectangle lies on the page (as displayed).
                let r = truth.schriftfeld_bereich_mm.expect("bereich");
                let s = &truth.seiten[0];
                assert!(r.x >= 0.0 && r.y >= 0.0, "{r:?}");
                assert!(r.x + r.breite <= s.breite_mm + 0.1 && r.y + r.hoehe <= s.hoehe_mm + 0.1);
                match layout {
                    Layout::StreifenRechts | Layout::StreifenRechtsLinks => {
                        assert!(
                            r.hoehe > 110.0 && (50.0..=70.0).contains(&r.breite),
                            "{r:?}"
                        )
                    }
                    Layout::BandUnten => assert!((25.0..=45.1).contains(&r.hoehe), "{r:?}"),
                    _ => {}
                }
                assert_eq!(truth.layout.as_deref(), Some(layout.name()));
            }
        }
    }

    #[test]
    fn title_block_area_follows_quarter_turns() {
        // A3 landscape, block in the bottom right corner.
        let r = Rect {
            x: 230.0,
            y: 10.0,
            w: 180.0,
            h: 60.0,
        };
        // Turned counter-clockwise: the bottom right corner goes to the top right.
        let b = bereich_auf_seite(r, 420.0, 297.0, 90, 0.0);
        assert_eq!((b.x, b.y, b.breite, b.hoehe), (227.0, 230.0, 60.0, 180.0));
        // Clockwise: to the bottom left.
        let b = bereich_auf_seite(r, 420.0, 297.0, -90, 0.0);
        assert_eq!((b.x, b.y, b.breite, b.hoehe), (10.0, 10.0, 60.0, 180.0));
    }
}
