//! The title-block layouts of the corpus (Schriftfeld-Korpus): boxes in three corners, a
//! vertical strip along the right edge, a band along the bottom; labels above or left of
//! their values; ruled cells or none. Each layout places the same list of cells
//! ([`Zelle`]) and returns the rectangle it drew.

use crate::canvas::{Align, Canvas, Paint, lw};
use crate::font::FontKind;
use crate::pdf::PT_PER_MM;
use crate::sheet::Rect;
use crate::vokabular::Feld;

/// Where the title block is and how its cells are arranged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layout {
    /// Box bottom right, label small above the value, ruled cells (the house style).
    BoxUntenRechtsOben,
    /// Box bottom right, label left of the value on the same line, ruled rows.
    BoxUntenRechtsLinks,
    /// Box bottom right, no ruled cells, label left of the value.
    BoxUntenRechtsOhneLinien,
    /// Vertical strip along the right edge, fields stacked, label above the value.
    StreifenRechts,
    /// Vertical strip along the right edge, label column and value column.
    StreifenRechtsLinks,
    /// Band along the bottom over the full inner width, cells side by side.
    BandUnten,
    /// Box in the top right corner, label above the value.
    BoxObenRechts,
    /// Box bottom left, label above the value.
    BoxUntenLinks,
    /// Box bottom right with the office's logo block on top and a revision table above.
    BoxLogoRevisionen,
    /// Two-column table bottom right: narrow label column (shaded), value column.
    TabelleZweispaltig,
}

impl Layout {
    pub const ALLE: [Layout; 10] = [
        Layout::BoxUntenRechtsOben,
        Layout::BoxUntenRechtsLinks,
        Layout::BoxUntenRechtsOhneLinien,
        Layout::StreifenRechts,
        Layout::StreifenRechtsLinks,
        Layout::BandUnten,
        Layout::BoxObenRechts,
        Layout::BoxUntenLinks,
        Layout::BoxLogoRevisionen,
        Layout::TabelleZweispaltig,
    ];

    /// The name in file names and the ground truth.
    pub fn name(self) -> &'static str {
        match self {
            Layout::BoxUntenRechtsOben => "box_unten_rechts_oben",
            Layout::BoxUntenRechtsLinks => "box_unten_rechts_links",
            Layout::BoxUntenRechtsOhneLinien => "box_unten_rechts_ohne_linien",
            Layout::StreifenRechts => "streifen_rechts",
            Layout::StreifenRechtsLinks => "streifen_rechts_links",
            Layout::BandUnten => "band_unten",
            Layout::BoxObenRechts => "box_oben_rechts",
            Layout::BoxUntenLinks => "box_unten_links",
            Layout::BoxLogoRevisionen => "box_logo_revisionen",
            Layout::TabelleZweispaltig => "tabelle_zweispaltig",
        }
    }

    /// Label left of the value (else above it).
    pub fn label_links(self) -> bool {
        matches!(
            self,
            Layout::BoxUntenRechtsLinks
                | Layout::BoxUntenRechtsOhneLinien
                | Layout::StreifenRechtsLinks
                | Layout::TabelleZweispaltig
        )
    }

    /// Cells ruled with lines.
    pub fn linien(self) -> bool {
        self != Layout::BoxUntenRechtsOhneLinien
    }

    /// A compact box (not a strip or band).
    pub fn ist_box(self) -> bool {
        !matches!(
            self,
            Layout::StreifenRechts | Layout::StreifenRechtsLinks | Layout::BandUnten
        )
    }

    /// Whether a revision table goes with the box (always for the logo box; others by choice).
    pub fn revisionen_moeglich(self) -> bool {
        self.ist_box() && self != Layout::BoxUntenRechtsOhneLinien
    }
}

/// One cell of a title block: a field or another cell (Format, Blatt, Unterschrift …).
#[derive(Clone, Debug, PartialEq)]
pub struct Zelle {
    pub feld: Option<Feld>,
    /// The label as printed; `None`: the value stands alone.
    pub label: Option<String>,
    /// Printed lines; the first is the value, the others (address, office) smaller.
    pub werte: Vec<String>,
    /// Value in bold and larger (Planinhalt, Plan-Nr.).
    pub betont: bool,
    /// Blank space under the label, mm (signature, stamp).
    pub leerraum: f64,
    /// A dashed signature line in the blank space.
    pub unterschrift: bool,
}

impl Zelle {
    pub fn feld(feld: Feld, label: Option<String>, werte: Vec<String>, betont: bool) -> Self {
        Zelle {
            feld: Some(feld),
            label,
            werte,
            betont,
            leerraum: 0.0,
            unterschrift: false,
        }
    }

    pub fn andere(label: String, werte: Vec<String>) -> Self {
        Zelle {
            feld: None,
            label: Some(label),
            werte,
            betont: false,
            leerraum: 0.0,
            unterschrift: false,
        }
    }
}

/// Fonts and sizes of a title block. Sizes are the font size (em height) in mm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stil {
    pub label_font: FontKind,
    pub wert_font: FontKind,
    pub wert_bold: FontKind,
    pub label_mm: f64,
    pub wert_mm: f64,
    /// Label-left layouts: label and value as one text run ("Maßstab: 1:100").
    pub einzeilig: bool,
    /// An outer border (only the layout without ruled cells may leave it out).
    pub rahmen: bool,
}

impl Stil {
    /// Size and font of a cell's first value line.
    fn erste(&self, z: &Zelle) -> (FontKind, f64) {
        if z.betont {
            (self.wert_bold, (self.wert_mm * 1.3).min(5.0))
        } else {
            (self.wert_font, self.wert_mm)
        }
    }

    /// Size of the further lines under a value.
    fn neben_mm(&self) -> f64 {
        (self.wert_mm * 0.72).max(1.6)
    }

    fn pad(&self) -> f64 {
        0.9 + self.label_mm * 0.25
    }

    fn scaled(&self, f: f64) -> Stil {
        Stil {
            label_mm: (self.label_mm * f).max(1.6),
            wert_mm: (self.wert_mm * f).max(1.8),
            ..*self
        }
    }
}

/// The office block of the logo box and of strips: a logo, the office's name, address and
/// telephone (all of them cells a reader must not take for a field).
#[derive(Clone, Debug, PartialEq)]
pub struct Kopf {
    pub buero: String,
    pub anschrift: String,
    pub telefon: String,
    pub initialen: String,
    /// Logo as a filled square (else a ring).
    pub gefuellt: bool,
}

/// Everything a title block shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Inhalt {
    pub zellen: Vec<Zelle>,
    pub kopf: Option<Kopf>,
    /// Revision rows (index, date, text), oldest first; empty: no revision table.
    pub revisionen: Vec<[String; 3]>,
    pub revisionen_kopf: [String; 3],
    pub fuss: String,
}

/// Sizes chosen per sheet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Masse {
    /// Width of a box (150–190 mm; capped at the frame).
    pub box_breite: f64,
    /// Width of a strip (50–70 mm).
    pub streifen_breite: f64,
    /// Share of the inner height a strip takes (0.75–1).
    pub streifen_anteil: f64,
    /// Strip fields from the top (else gathered at the bottom).
    pub streifen_oben: bool,
    /// Minimum cells per row of a box before it wraps (2–5).
    pub pro_reihe: usize,
}

/// What a layout drew: the title block itself, and everything it occupies (with the
/// revision table), so the drawing can keep clear of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Platz {
    pub bereich: Rect,
    pub belegt: Rect,
}

const MIN_MM: f64 = 1.4;

fn pt(mm: f64) -> f64 {
    mm * PT_PER_MM
}

fn breite(c: &Canvas<'_>, font: FontKind, mm: f64, s: &str) -> f64 {
    c.text_width(font, pt(mm), s)
}

/// The size at which `s` fits into `max_w` mm (never below 1,4 mm).
fn passend(c: &Canvas<'_>, font: FontKind, mm: f64, s: &str, max_w: f64) -> f64 {
    let w = breite(c, font, mm, s);
    if w <= max_w || w <= 0.0 {
        mm
    } else {
        (mm * max_w / w).max(MIN_MM)
    }
}

/// Writes one line fitted to `max_w` with its baseline at `y`.
#[allow(clippy::too_many_arguments)]
fn schreibe(
    c: &mut Canvas<'_>,
    x: f64,
    y: f64,
    font: FontKind,
    mm: f64,
    s: &str,
    max_w: f64,
    align: Align,
) {
    let size = passend(c, font, mm, s, max_w);
    c.text(x, y, pt(size), font, align, s);
}

/// Natural width of a cell with its label above the value.
fn natur_oben(c: &Canvas<'_>, z: &Zelle, st: &Stil) -> f64 {
    let (f, mm) = st.erste(z);
    let mut w = z
        .label
        .as_deref()
        .map(|l| breite(c, st.label_font, st.label_mm, l))
        .unwrap_or(0.0);
    if let Some(v) = z.werte.first() {
        w = w.max(breite(c, f, mm, v));
    }
    for v in z.werte.iter().skip(1) {
        w = w.max(breite(c, st.wert_font, st.neben_mm(), v));
    }
    if z.leerraum > 0.0 {
        w = w.max(40.0);
    }
    (w + 2.0 * st.pad() + 1.0).max(16.0)
}

/// Lays out (and with `draw`, draws) a label-above cell at `x`, `top`, `w` wide; returns
/// its height.
fn zelle_oben(
    c: &mut Canvas<'_>,
    z: &Zelle,
    st: &Stil,
    x: f64,
    top: f64,
    w: f64,
    draw: bool,
) -> f64 {
    let pad = st.pad();
    let inner_w = w - 2.0 * pad;
    let mut cur = top - pad;
    if let Some(l) = &z.label {
        cur -= st.label_mm * 0.76;
        if draw {
            schreibe(
                c,
                x + pad,
                cur,
                st.label_font,
                st.label_mm,
                l,
                inner_w,
                Align::Left,
            );
        }
        cur -= st.label_mm * 0.24 + st.label_mm * 0.3;
    }
    if z.leerraum > 0.0 {
        cur -= z.leerraum;
        if draw && z.unterschrift {
            c.line_width(lw::THIN);
            c.dashed();
            c.line((x + pad + 2.0, cur + 2.0), (x + w - pad - 2.0, cur + 2.0));
            c.solid();
        }
    }
    for (i, v) in z.werte.iter().enumerate() {
        let (f, mm) = if i == 0 {
            st.erste(z)
        } else {
            (st.wert_font, st.neben_mm())
        };
        cur -= mm * 0.8;
        if draw {
            schreibe(c, x + pad, cur, f, mm, v, inner_w, Align::Left);
        }
        cur -= mm * 0.25 + if i == 0 { 0.6 } else { 0.35 };
    }
    top - cur + pad * 0.6
}

/// Width of a label column for `zellen`: the widest label of a cell with a value, at most
/// `max` (longer labels are set smaller to fit).
fn label_spalte(c: &Canvas<'_>, zellen: &[&Zelle], st: &Stil, max: f64) -> f64 {
    (zellen
        .iter()
        .filter(|z| !z.werte.is_empty())
        .filter_map(|z| z.label.as_deref())
        .map(|l| breite(c, st.label_font, st.label_mm, l))
        .fold(0.0, f64::max)
        + 2.0)
        .min(max)
}

/// The single run of a label-left cell written `einzeilig`: "Maßstab: 1:100".
fn lauf(z: &Zelle) -> Option<String> {
    match (&z.label, z.werte.first()) {
        (Some(l), Some(v)) => Some(format!("{l} {v}")),
        _ => None,
    }
}

/// Natural width of a label-left cell with the given label column.
fn natur_links(c: &Canvas<'_>, z: &Zelle, st: &Stil, spalte: f64) -> f64 {
    let (f, mm) = st.erste(z);
    let first = match (st.einzeilig, lauf(z)) {
        (true, Some(run)) => breite(c, f, mm, &run),
        _ => spalte + z.werte.first().map(|v| breite(c, f, mm, v)).unwrap_or(0.0),
    };
    let rest = z
        .werte
        .iter()
        .skip(1)
        .map(|v| breite(c, st.wert_font, st.neben_mm(), v))
        .fold(0.0, f64::max);
    let label = z
        .label
        .as_deref()
        .map(|l| breite(c, st.label_font, st.label_mm, l))
        .unwrap_or(0.0);
    let blank = if z.leerraum > 0.0 {
        label.max(50.0)
    } else {
        0.0
    };
    first.max(spalte + rest).max(blank) + 2.0 * st.pad()
}

/// A label-left cell: the label at the left, the value after it on the same baseline in
/// the value column at `spalte` (or, `einzeilig`, label and value as one text run), further
/// lines under the value. A cell without value (signature, stamp) has its label across the
/// cell and blank space under it. Returns the height.
#[allow(clippy::too_many_arguments)]
fn zelle_links(
    c: &mut Canvas<'_>,
    z: &Zelle,
    st: &Stil,
    x: f64,
    top: f64,
    w: f64,
    spalte: f64,
    draw: bool,
) -> f64 {
    let pad = st.pad();
    let inner_w = w - 2.0 * pad;
    let (f, mm) = st.erste(z);
    let mut cur = top - pad - st.label_mm.max(mm) * 0.8;
    let Some(first) = z.werte.first() else {
        if draw && let Some(l) = &z.label {
            schreibe(
                c,
                x + pad,
                cur,
                st.label_font,
                st.label_mm,
                l,
                inner_w,
                Align::Left,
            );
        }
        cur -= st.label_mm * 0.25 + 0.6 + z.leerraum;
        if draw && z.unterschrift {
            c.line_width(lw::THIN);
            c.dashed();
            c.line((x + pad + 2.0, cur + 2.0), (x + w - pad - 2.0, cur + 2.0));
            c.solid();
        }
        return top - cur + pad * 0.6;
    };
    let run = if st.einzeilig { lauf(z) } else { None };
    let value_x = if run.is_some() {
        x + pad
    } else {
        x + pad + spalte
    };
    if draw {
        match &run {
            Some(run) => schreibe(c, x + pad, cur, f, mm, run, inner_w, Align::Left),
            None => {
                if let Some(l) = &z.label {
                    schreibe(
                        c,
                        x + pad,
                        cur,
                        st.label_font,
                        st.label_mm,
                        l,
                        spalte - 1.0,
                        Align::Left,
                    );
                }
                schreibe(
                    c,
                    value_x,
                    cur,
                    f,
                    mm,
                    first,
                    x + w - pad - value_x,
                    Align::Left,
                );
            }
        }
    }
    cur -= st.label_mm.max(mm) * 0.25 + 0.6;
    // In narrow cells the further lines start at the left edge.
    let further_x = if w < 90.0 { x + pad } else { value_x };
    for v in z.werte.iter().skip(1) {
        let n = st.neben_mm();
        cur -= n * 0.8;
        if draw {
            schreibe(
                c,
                further_x,
                cur,
                st.wert_font,
                n,
                v,
                x + w - pad - further_x,
                Align::Left,
            );
        }
        cur -= n * 0.25 + 0.35;
    }
    top - cur + pad * 0.6
}

/// A row of cells: (cell index, width) and the row's height.
#[derive(Clone, Debug)]
struct Reihe {
    zellen: Vec<(usize, f64)>,
    h: f64,
}

/// Fills rows of `breite` with label-above cells in order, at most `max` per row, and
/// spreads the spare width over each row in proportion.
fn packe_oben(
    c: &mut Canvas<'_>,
    zellen: &[Zelle],
    st: &Stil,
    breite: f64,
    max: usize,
) -> Vec<Reihe> {
    let nat: Vec<f64> = zellen
        .iter()
        .map(|z| natur_oben(c, z, st).min(breite))
        .collect();
    let greedy = |budget: f64| -> Vec<Vec<(usize, f64)>> {
        let mut reihen: Vec<Vec<(usize, f64)>> = Vec::new();
        let mut cur: Vec<(usize, f64)> = Vec::new();
        let mut sum = 0.0;
        for (i, n) in nat.iter().enumerate() {
            if !cur.is_empty() && (sum + n > budget || cur.len() >= max) {
                reihen.push(std::mem::take(&mut cur));
                sum = 0.0;
            }
            cur.push((i, *n));
            sum += n;
        }
        if !cur.is_empty() {
            reihen.push(cur);
        }
        reihen
    };
    // As many rows as filling them greedily needs, but balanced: the smallest budget
    // that needs no more rows.
    let mut reihen = greedy(breite);
    let k = reihen.len();
    if k > 1 {
        let total: f64 = nat.iter().sum();
        let mut budget = (total / k as f64).max(nat.iter().cloned().fold(0.0, f64::max));
        while budget < breite {
            let r = greedy(budget);
            if r.len() <= k {
                reihen = r;
                break;
            }
            budget += 4.0;
        }
    }
    reihen
        .into_iter()
        .map(|r| {
            let sum: f64 = r.iter().map(|(_, w)| w).sum();
            let extra = breite - sum;
            let cells: Vec<(usize, f64)> =
                r.iter().map(|(i, w)| (*i, w + extra * w / sum)).collect();
            let h = cells
                .iter()
                .map(|(i, w)| zelle_oben(c, &zellen[*i], st, 0.0, 0.0, *w, false))
                .fold(0.0, f64::max);
            Reihe { zellen: cells, h }
        })
        .collect()
}

/// Rows of label-left cells: one per row, or two small ones side by side (`paare`).
fn packe_links(
    c: &mut Canvas<'_>,
    zellen: &[Zelle],
    st: &Stil,
    breite: f64,
    paare: bool,
) -> (Vec<Reihe>, [f64; 2]) {
    let klein = |c: &Canvas<'_>, z: &Zelle, sp: f64| {
        z.werte.len() <= 1 && z.leerraum == 0.0 && natur_links(c, z, st, sp) <= breite / 2.0
    };
    // First the rows, with one label column over all cells …
    let alle: Vec<&Zelle> = zellen.iter().collect();
    let sp_max = if paare { breite * 0.22 } else { breite * 0.42 };
    let sp_all = label_spalte(c, &alle, st, sp_max);
    let mut reihen: Vec<Vec<usize>> = Vec::new();
    let mut i = 0;
    while i < zellen.len() {
        if paare
            && i + 1 < zellen.len()
            && klein(c, &zellen[i], sp_all)
            && klein(c, &zellen[i + 1], sp_all)
        {
            reihen.push(vec![i, i + 1]);
            i += 2;
        } else {
            reihen.push(vec![i]);
            i += 1;
        }
    }
    // … then a label column per side: the left one over all left cells, the right one over
    // the second cells of pairs.
    let links: Vec<&Zelle> = reihen.iter().map(|r| &zellen[r[0]]).collect();
    let rechts: Vec<&Zelle> = reihen
        .iter()
        .filter(|r| r.len() == 2)
        .map(|r| &zellen[r[1]])
        .collect();
    let spalten = [
        label_spalte(c, &links, st, sp_max),
        label_spalte(c, &rechts, st, sp_max),
    ];
    let out = reihen
        .into_iter()
        .map(|r| {
            let cells: Vec<(usize, f64)> = if r.len() == 2 {
                vec![(r[0], breite / 2.0), (r[1], breite / 2.0)]
            } else {
                vec![(r[0], breite)]
            };
            let h = cells
                .iter()
                .enumerate()
                .map(|(k, (i, w))| zelle_links(c, &zellen[*i], st, 0.0, 0.0, *w, spalten[k], false))
                .fold(0.0, f64::max);
            Reihe { zellen: cells, h }
        })
        .collect();
    (out, spalten)
}

fn hoehe(reihen: &[Reihe]) -> f64 {
    reihen.iter().map(|r| r.h).sum()
}

/// Draws rows from `top` down at `x`; with `linien` the rules between rows and cells.
#[allow(clippy::too_many_arguments)]
fn zeichne_reihen(
    c: &mut Canvas<'_>,
    zellen: &[Zelle],
    reihen: &[Reihe],
    st: &Stil,
    x: f64,
    top: f64,
    breite: f64,
    linien: bool,
    links: Option<[f64; 2]>,
) -> f64 {
    let mut y = top;
    for (k, r) in reihen.iter().enumerate() {
        let mut cx = x;
        for (j, (i, w)) in r.zellen.iter().enumerate() {
            match links {
                Some(sp) => {
                    zelle_links(c, &zellen[*i], st, cx, y, *w, sp[j.min(1)], true);
                }
                None => {
                    zelle_oben(c, &zellen[*i], st, cx, y, *w, true);
                }
            }
            if linien && j + 1 < r.zellen.len() {
                c.line_width(lw::FINE);
                c.line((cx + w, y), (cx + w, y - r.h));
            }
            cx += w;
        }
        y -= r.h;
        if linien && k + 1 < reihen.len() {
            c.line_width(lw::FINE);
            c.line((x, y), (x + breite, y));
        }
    }
    y
}

/// The office block: logo, name, address, telephone. Returns its height.
fn zeichne_kopf(c: &mut Canvas<'_>, k: &Kopf, st: &Stil, x: f64, top: f64, w: f64) -> f64 {
    let h = 16.0;
    let s = h - 5.0;
    let (lx, ly) = (x + 2.5, top - 2.5 - s);
    c.line_width(lw::WIDE);
    if k.gefuellt {
        c.rect(lx, ly, s, s, Paint::Fill);
        c.fill_gray(1.0);
        schreibe(
            c,
            lx + s / 2.0,
            ly + s / 2.0 - 1.3,
            st.wert_bold,
            4.0,
            &k.initialen,
            s - 1.5,
            Align::Center,
        );
        c.fill_gray(0.0);
    } else {
        c.circle((lx + s / 2.0, ly + s / 2.0), s / 2.0, Paint::Stroke);
        schreibe(
            c,
            lx + s / 2.0,
            ly + s / 2.0 - 1.3,
            st.wert_bold,
            4.0,
            &k.initialen,
            s - 2.5,
            Align::Center,
        );
    }
    let tx = lx + s + 3.0;
    let tw = x + w - tx - 1.5;
    schreibe(
        c,
        tx,
        top - 5.5,
        st.wert_bold,
        st.wert_mm.max(3.0),
        &k.buero,
        tw,
        Align::Left,
    );
    schreibe(
        c,
        tx,
        top - 9.5,
        st.wert_font,
        st.neben_mm(),
        &k.anschrift,
        tw,
        Align::Left,
    );
    schreibe(
        c,
        tx,
        top - 13.0,
        st.wert_font,
        st.neben_mm(),
        &k.telefon,
        tw,
        Align::Left,
    );
    h
}

/// The revision table: a header and one row per revision, `w` wide, bottom at `y`.
/// Returns its height.
fn zeichne_revisionen(
    c: &mut Canvas<'_>,
    inhalt: &Inhalt,
    st: &Stil,
    x: f64,
    y: f64,
    w: f64,
) -> f64 {
    let rh = 4.5;
    let n = inhalt.revisionen.len();
    let h = rh * (n as f64 + 1.0);
    c.fill_gray(1.0);
    c.rect(x, y, w, h, Paint::Fill);
    c.fill_gray(0.0);
    c.line_width(lw::WIDE);
    c.rect(x, y, w, h, Paint::Stroke);
    c.line_width(lw::THIN);
    let cols = [0.0, 14.0, 36.0];
    for cx in &cols[1..] {
        c.line((x + cx, y), (x + cx, y + h));
    }
    for i in 1..=n {
        c.line((x, y + rh * i as f64), (x + w, y + rh * i as f64));
    }
    let size = st.label_mm.min(2.4);
    for (k, cx) in cols.iter().enumerate() {
        let max = if k == 2 {
            w - cx - 2.0
        } else {
            cols[k + 1] - cx - 2.0
        };
        schreibe(
            c,
            x + cx + 1.2,
            y + h - rh + 1.3,
            st.label_font,
            size,
            &inhalt.revisionen_kopf[k],
            max,
            Align::Left,
        );
    }
    // Newest revision in the bottom row, next to the title block.
    for (i, rev) in inhalt.revisionen.iter().rev().enumerate() {
        let ry = y + rh * i as f64 + 1.3;
        for (k, cx) in cols.iter().enumerate() {
            let max = if k == 2 {
                w - cx - 2.0
            } else {
                cols[k + 1] - cx - 2.0
            };
            schreibe(
                c,
                x + cx + 1.2,
                ry,
                st.wert_font,
                size,
                &rev[k],
                max,
                Align::Left,
            );
        }
    }
    h
}

/// The footer line ("Fiktive Beispieldaten"), right-aligned at the bottom of a block.
fn zeichne_fuss(c: &mut Canvas<'_>, inhalt: &Inhalt, st: &Stil, x: f64, y: f64, w: f64) {
    schreibe(
        c,
        x + w - 1.5,
        y + 1.2,
        st.label_font,
        1.8,
        &inhalt.fuss,
        w - 3.0,
        Align::Right,
    );
}

const FUSS_H: f64 = 3.6;

fn weiss(c: &mut Canvas<'_>, r: Rect) {
    c.fill_gray(1.0);
    c.rect(r.x, r.y, r.w, r.h, Paint::Fill);
    c.fill_gray(0.0);
}

fn umriss(c: &mut Canvas<'_>, r: Rect, width: f64) {
    c.line_width(width);
    c.rect(r.x, r.y, r.w, r.h, Paint::Stroke);
}

/// Draws the title block of `layout` inside the frame `inner`. Sizes in `stil` shrink when
/// the block would not fit (the ground truth takes them from here afterwards).
pub fn zeichne(
    c: &mut Canvas<'_>,
    inner: Rect,
    layout: Layout,
    inhalt: &Inhalt,
    stil: &mut Stil,
    masse: &Masse,
) -> Platz {
    // Shrink until the block fits its place.
    for _ in 0..8 {
        if passt(c, inner, layout, inhalt, stil, masse) {
            break;
        }
        *stil = stil.scaled(0.9);
    }
    match layout {
        Layout::StreifenRechts | Layout::StreifenRechtsLinks => {
            streifen(c, inner, layout, inhalt, stil, masse)
        }
        Layout::BandUnten => band(c, inner, inhalt, stil),
        _ => kasten(c, inner, layout, inhalt, stil, masse),
    }
}

/// Whether the block fits: boxes up to half the inner height, bands up to 45 mm, strips
/// into their height.
fn passt(
    c: &mut Canvas<'_>,
    inner: Rect,
    layout: Layout,
    inhalt: &Inhalt,
    st: &Stil,
    m: &Masse,
) -> bool {
    match layout {
        Layout::BandUnten => {
            let (reihen, kopf_w) = band_reihen(c, inner, inhalt, st);
            hoehe(&reihen) + FUSS_H <= 45.0 && kopf_w < inner.w / 2.0
        }
        Layout::StreifenRechts | Layout::StreifenRechtsLinks => {
            let w = m.streifen_breite;
            let h = streifen_hoehe(inner, m);
            let reihen = streifen_reihen(c, layout, inhalt, st, w).0;
            let kopf = if inhalt.kopf.is_some() { 16.0 } else { 0.0 };
            hoehe(&reihen) + kopf + FUSS_H + 2.0 <= h
        }
        _ => {
            let w = m.box_breite.min(inner.w);
            let (reihen, _) = kasten_reihen(c, layout, inhalt, st, w, m);
            let kopf = if inhalt.kopf.is_some() { 16.0 } else { 0.0 };
            let rev = 4.5 * (inhalt.revisionen.len() as f64 + 1.0);
            hoehe(&reihen) + kopf + FUSS_H + rev <= inner.h * 0.5
        }
    }
}

fn kasten_reihen(
    c: &mut Canvas<'_>,
    layout: Layout,
    inhalt: &Inhalt,
    st: &Stil,
    w: f64,
    m: &Masse,
) -> (Vec<Reihe>, Option<[f64; 2]>) {
    if layout.label_links() {
        let paare = layout != Layout::TabelleZweispaltig;
        let (r, sp) = packe_links(c, &inhalt.zellen, st, w, paare);
        (r, Some(sp))
    } else {
        (
            packe_oben(c, &inhalt.zellen, st, w, m.pro_reihe.max(2) + 1),
            None,
        )
    }
}

/// The boxes: bottom right, top right, bottom left; label above or left; with the logo
/// block and a revision table where the layout has them.
fn kasten(
    c: &mut Canvas<'_>,
    inner: Rect,
    layout: Layout,
    inhalt: &Inhalt,
    st: &Stil,
    m: &Masse,
) -> Platz {
    let w = m.box_breite.min(inner.w);
    let (reihen, links) = kasten_reihen(c, layout, inhalt, st, w, m);
    let kopf_h = if inhalt.kopf.is_some() { 16.0 } else { 0.0 };
    let h = kopf_h + hoehe(&reihen) + FUSS_H;
    let x = if layout == Layout::BoxUntenLinks {
        inner.x
    } else {
        inner.right() - w
    };
    let y = if layout == Layout::BoxObenRechts {
        inner.top() - h
    } else {
        inner.y
    };
    let r = Rect { x, y, w, h };
    weiss(c, r);
    let linien = layout.linien();
    let mut top = r.top();
    if let Some(k) = &inhalt.kopf {
        zeichne_kopf(c, k, st, x, top, w);
        top -= kopf_h;
        c.line_width(lw::MEDIUM);
        c.line((x, top), (x + w, top));
    }
    // The two-column table: shaded label column with a rule after it.
    if layout == Layout::TabelleZweispaltig
        && let Some(sp) = links
    {
        let col = sp[0] + st.pad();
        c.fill_gray(0.9);
        c.rect(x, top - hoehe(&reihen), col, hoehe(&reihen), Paint::Fill);
        c.fill_gray(0.0);
        c.line_width(lw::FINE);
        c.line((x + col - 0.5, top), (x + col - 0.5, top - hoehe(&reihen)));
    }
    let bottom = zeichne_reihen(c, &inhalt.zellen, &reihen, st, x, top, w, linien, links);
    if linien {
        c.line_width(lw::FINE);
        c.line((x, bottom), (x + w, bottom));
    }
    zeichne_fuss(c, inhalt, st, x, y, w);
    if linien || st.rahmen {
        umriss(c, r, if linien { lw::HEAVY } else { lw::MEDIUM });
    }
    let mut belegt = r;
    if !inhalt.revisionen.is_empty() {
        let rh = 4.5 * (inhalt.revisionen.len() as f64 + 1.0);
        let ry = if layout == Layout::BoxObenRechts {
            r.y - rh
        } else {
            r.top()
        };
        zeichne_revisionen(c, inhalt, st, x, ry, w);
        belegt = Rect {
            x,
            y: r.y.min(ry),
            w,
            h: h + rh,
        };
    }
    Platz { bereich: r, belegt }
}

fn streifen_hoehe(inner: Rect, m: &Masse) -> f64 {
    (inner.h * m.streifen_anteil).max(115.0).min(inner.h)
}

fn streifen_reihen(
    c: &mut Canvas<'_>,
    layout: Layout,
    inhalt: &Inhalt,
    st: &Stil,
    w: f64,
) -> (Vec<Reihe>, Option<[f64; 2]>) {
    if layout == Layout::StreifenRechtsLinks {
        let (r, sp) = packe_links(c, &inhalt.zellen, st, w, false);
        (r, Some(sp))
    } else {
        (packe_oben(c, &inhalt.zellen, st, w, 2), None)
    }
}

/// The vertical strip along the right edge: office block on top, fields stacked (from the
/// top or gathered at the bottom), footer at the bottom.
fn streifen(
    c: &mut Canvas<'_>,
    inner: Rect,
    layout: Layout,
    inhalt: &Inhalt,
    st: &Stil,
    m: &Masse,
) -> Platz {
    let w = m.streifen_breite;
    let h = streifen_hoehe(inner, m);
    let r = Rect {
        x: inner.right() - w,
        y: inner.y,
        w,
        h,
    };
    weiss(c, r);
    let (reihen, links) = streifen_reihen(c, layout, inhalt, st, w);
    let mut top = r.top();
    if let Some(k) = &inhalt.kopf {
        zeichne_kopf(c, k, st, r.x, top, w);
        top -= 16.0;
        c.line_width(lw::MEDIUM);
        c.line((r.x, top), (r.x + w, top));
    }
    let felder_h = hoehe(&reihen);
    let start = if m.streifen_oben {
        top
    } else {
        r.y + FUSS_H + felder_h
    };
    if !m.streifen_oben {
        c.line_width(lw::MEDIUM);
        c.line((r.x, start), (r.x + w, start));
    }
    let bottom = zeichne_reihen(c, &inhalt.zellen, &reihen, st, r.x, start, w, true, links);
    c.line_width(lw::FINE);
    c.line((r.x, bottom), (r.x + w, bottom));
    if m.streifen_oben {
        c.line((r.x, r.y + FUSS_H), (r.x + w, r.y + FUSS_H));
    }
    zeichne_fuss(c, inhalt, st, r.x, r.y, w);
    umriss(c, r, lw::HEAVY);
    Platz {
        bereich: r,
        belegt: r,
    }
}

/// The band's rows (label above, side by side) and the width of the office block at its
/// left end (0 without one).
fn band_reihen(c: &mut Canvas<'_>, inner: Rect, inhalt: &Inhalt, st: &Stil) -> (Vec<Reihe>, f64) {
    let kopf_w = if let Some(k) = &inhalt.kopf {
        let tw = breite(c, st.wert_bold, st.wert_mm.max(3.0), &k.buero).max(breite(
            c,
            st.wert_font,
            st.neben_mm(),
            &k.anschrift,
        ));
        (tw + 20.0).min(75.0)
    } else {
        0.0
    };
    (
        packe_oben(c, &inhalt.zellen, st, inner.w - kopf_w, 12),
        kopf_w,
    )
}

/// The band along the bottom over the full inner width, 25–45 mm high.
fn band(c: &mut Canvas<'_>, inner: Rect, inhalt: &Inhalt, st: &Stil) -> Platz {
    let (mut reihen, kopf_w) = band_reihen(c, inner, inhalt, st);
    let natur = hoehe(&reihen) + FUSS_H;
    if natur < 25.0 {
        let f = (25.0 - FUSS_H) / hoehe(&reihen);
        for r in &mut reihen {
            r.h *= f;
        }
    }
    let h = hoehe(&reihen) + FUSS_H;
    let r = Rect {
        x: inner.x,
        y: inner.y,
        w: inner.w,
        h,
    };
    weiss(c, r);
    if let Some(k) = &inhalt.kopf {
        zeichne_kopf(c, k, st, r.x, r.top() - (h - 16.0) / 2.0 + 1.0, kopf_w);
        c.line_width(lw::MEDIUM);
        c.line((r.x + kopf_w, r.y), (r.x + kopf_w, r.top()));
    }
    let bottom = zeichne_reihen(
        c,
        &inhalt.zellen,
        &reihen,
        st,
        r.x + kopf_w,
        r.top(),
        inner.w - kopf_w,
        true,
        None,
    );
    c.line_width(lw::FINE);
    c.line((r.x + kopf_w, bottom), (r.right(), bottom));
    zeichne_fuss(c, inhalt, st, r.x, r.y, r.w);
    umriss(c, r, lw::HEAVY);
    Platz {
        bereich: r,
        belegt: r,
    }
}
