//! The parts every plan sheet has: drawing frame with the filing margin and the folding
//! marks of DIN 824 (form A), the title block (Schriftfeld) after DIN EN ISO 7200, and the
//! revision table above it.

use crate::canvas::{Align, Canvas, Paint, lw};
use crate::font::FontKind::{Bold, Regular};
use crate::model::{PROJECT, TitleBlock};

/// A rectangle in mm, origin bottom left.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn top(&self) -> f64 {
        self.y + self.h
    }
}

/// Filing margin (Heftrand) on the left, border elsewhere (DIN EN ISO 5457 / DIN 824).
pub const MARGIN_LEFT: f64 = 20.0;
pub const MARGIN: f64 = 10.0;
pub const TITLE_W: f64 = 180.0;

/// Draws the frame and folding marks; returns the area inside the frame.
pub fn frame(c: &mut Canvas<'_>) -> Rect {
    let (w, h) = (c.width_mm(), c.height_mm());
    let (m, ml) = if w <= 210.0 || h <= 210.0 && w <= 297.0 {
        (MARGIN / 2.0, MARGIN_LEFT)
    } else {
        (MARGIN, MARGIN_LEFT)
    };
    let inner = Rect {
        x: ml,
        y: m,
        w: w - ml - m,
        h: h - 2.0 * m,
    };
    c.line_width(lw::CUT);
    c.rect(inner.x, inner.y, inner.w, inner.h, Paint::Stroke);
    // Trimming edge (Schnittkante) as a fine line at the paper edge.
    c.line_width(lw::THIN);
    c.rect(0.5, 0.5, w - 1.0, h - 1.0, Paint::Stroke);

    if w > 297.0 || h > 297.0 {
        fold_marks(c, w, h);
    }
    inner
}

/// Folding marks (Faltmarken) for folding to A4 after DIN 824 form A: the first panel
/// (with the title block) is 190 mm wide, the last one keeps 210 mm with the filing margin,
/// the panels between are equal; lengthwise the sheet folds to 297 mm.
fn fold_marks(c: &mut Canvas<'_>, w: f64, h: f64) {
    let mut xs = vec![w - 190.0];
    let rest = w - 190.0 - 210.0;
    if rest > 0.0 {
        let n = (rest / 190.0).ceil().max(1.0) as usize;
        let step = rest / n as f64;
        for i in 1..=n {
            xs.push(w - 190.0 - step * i as f64);
        }
    }
    let mut ys = Vec::new();
    let mut y = 297.0;
    while y < h - 1.0 {
        ys.push(y);
        y += 297.0;
    }
    c.line_width(lw::FINE);
    for x in xs {
        c.line((x, 0.0), (x, 5.0));
        c.line((x, h - 5.0), (x, h));
    }
    for y in ys {
        c.line((0.0, y), (5.0, y));
        c.line((w - 5.0, y), (w, y));
    }
    // The corner fold for the filing margin (Heftecke), 105 mm from the left at the top.
    if h > 297.0 {
        c.line((105.0, h), (105.0, h - 5.0));
        c.line((0.0, h - 297.0 + 105.0), (5.0, h - 297.0 + 105.0));
    }
}

fn label(c: &mut Canvas<'_>, x: f64, y_top: f64, s: &str) {
    c.text(x + 1.2, y_top - 2.6, 5.5, Regular, Align::Left, s);
}

/// Draws the title block in the bottom right corner of `inner`; returns its rectangle.
pub fn title_block(c: &mut Canvas<'_>, inner: Rect, tb: &TitleBlock, format: &str) -> Rect {
    let w = TITLE_W.min(inner.w);
    let rows = [20.0, 13.0, 11.0, 14.0, 12.0, 6.0];
    let h: f64 = rows.iter().sum();
    let x0 = inner.right() - w;
    let y0 = inner.y;
    let r = Rect { x: x0, y: y0, w, h };
    // Rows from the top.
    let mut tops = Vec::new();
    let mut y = y0 + h;
    for rh in rows {
        tops.push(y);
        y -= rh;
    }
    c.fill_gray(1.0);
    c.rect(x0, y0, w, h, Paint::Fill);
    c.fill_gray(0.0);
    c.line_width(lw::HEAVY);
    c.rect(x0, y0, w, h, Paint::Stroke);
    c.line_width(lw::FINE);
    for t in &tops[1..] {
        c.line((x0, *t), (x0 + w, *t));
    }
    let half = x0 + w / 2.0;

    // Row 1: Bauherr | Bauvorhaben
    let t = tops[0];
    c.line((half, t), (half, tops[1]));
    label(c, x0, t, "Bauherr");
    c.text(
        x0 + 1.5,
        t - 8.5,
        9.0,
        Regular,
        Align::Left,
        PROJECT.bauherr,
    );
    c.text(
        x0 + 1.5,
        t - 13.0,
        7.0,
        Regular,
        Align::Left,
        PROJECT.bauherr_adresse,
    );
    label(c, half, t, "Bauvorhaben");
    c.text(
        half + 1.5,
        t - 8.5,
        9.0,
        Bold,
        Align::Left,
        PROJECT.bauvorhaben,
    );
    c.text(
        half + 1.5,
        t - 13.0,
        7.0,
        Regular,
        Align::Left,
        PROJECT.adresse,
    );
    c.text(
        half + 1.5,
        t - 16.8,
        7.0,
        Regular,
        Align::Left,
        PROJECT.grundstueck,
    );

    // Row 2: Planinhalt | Geschoss
    let t = tops[1];
    let gx = x0 + w - 40.0;
    c.line((gx, t), (gx, tops[2]));
    label(c, x0, t, "Planinhalt");
    c.text(x0 + 1.5, t - 10.0, 12.0, Bold, Align::Left, &tb.planinhalt);
    label(c, gx, t, "Geschoss");
    if let Some(g) = &tb.geschoss {
        c.text(gx + 20.0, t - 10.0, 12.0, Bold, Align::Center, g);
    } else {
        c.text(gx + 20.0, t - 10.0, 9.0, Regular, Align::Center, "–");
    }

    // Row 3: Maßstab | Plan-Nr. | Index | Datum | Format | Blatt
    let t = tops[2];
    let cols = [30.0, 32.0, 18.0, 32.0, 22.0];
    let mut cx = x0;
    let massstab = tb
        .massstab
        .as_ref()
        .map(|m| format!("M {m}"))
        .unwrap_or_else(|| "ohne".to_string());
    let values = [
        ("Maßstab", massstab.as_str(), true),
        ("Plan-Nr.", tb.plannummer.as_str(), true),
        ("Index", tb.index.as_str(), true),
        ("Datum", &tb.datum.german(), false),
        ("Format", format, false),
        ("Blatt", tb.blatt.as_str(), false),
    ];
    for (i, (l, v, bold)) in values.iter().enumerate() {
        label(c, cx, t, l);
        let font = if *bold { Bold } else { Regular };
        c.text(cx + 1.5, t - 8.3, 9.0, font, Align::Left, v);
        if i < cols.len() {
            cx += cols[i];
            c.line((cx, t), (cx, tops[3]));
        }
    }

    // Row 4: Entwurfsverfasser
    let t = tops[3];
    label(c, x0, t, "Entwurfsverfasser");
    c.text(
        x0 + 1.5,
        t - 7.6,
        8.0,
        Regular,
        Align::Left,
        PROJECT.entwurfsverfasser,
    );
    c.text(x0 + 1.5, t - 11.8, 6.5, Regular, Align::Left, PROJECT.buero);

    // Row 5: signatures
    let t = tops[4];
    c.line((half, t), (half, tops[5]));
    label(c, x0, t, "Unterschrift Bauherr");
    label(c, half, t, "Unterschrift Entwurfsverfasserin");
    c.line_width(lw::THIN);
    c.dashed();
    c.line((x0 + 5.0, t - 9.5), (half - 5.0, t - 9.5));
    c.line((half + 5.0, t - 9.5), (x0 + w - 5.0, t - 9.5));
    c.solid();
    // A stylised signature of the architect.
    c.line_width(lw::MEDIUM);
    c.polyline(&[
        (half + 12.0, t - 8.8),
        (half + 14.0, t - 5.5),
        (half + 15.5, t - 9.0),
        (half + 17.5, t - 6.0),
        (half + 19.0, t - 8.6),
        (half + 23.0, t - 6.8),
        (half + 29.0, t - 7.6),
    ]);
    c.line_width(lw::FINE);

    // Row 6: footer
    let t = tops[5];
    c.text(
        x0 + 1.5,
        t - 4.3,
        5.5,
        Regular,
        Align::Left,
        &format!(
            "{} · Anlage {} {}",
            PROJECT.verfahren, tb.anlageart, tb.anlage_name
        ),
    );
    c.text(
        x0 + w - 1.5,
        t - 4.3,
        5.5,
        Regular,
        Align::Right,
        "Fiktive Beispieldaten",
    );

    revisions(c, r, tb);
    r
}

/// The revision table (Änderungen) directly above the title block.
fn revisions(c: &mut Canvas<'_>, tb_rect: Rect, tb: &TitleBlock) {
    let rh = 4.5;
    let n = tb.revisions.len().max(1);
    let h = rh * (n as f64 + 1.0);
    let (x0, y0, w) = (tb_rect.x, tb_rect.top(), tb_rect.w);
    c.fill_gray(1.0);
    c.rect(x0, y0, w, h, Paint::Fill);
    c.fill_gray(0.0);
    c.line_width(lw::WIDE);
    c.rect(x0, y0, w, h, Paint::Stroke);
    c.line_width(lw::THIN);
    let cols = [0.0, 12.0, 32.0, w - 18.0];
    for cx in &cols[1..] {
        c.line((x0 + cx, y0), (x0 + cx, y0 + h));
    }
    for i in 1..=n {
        let y = y0 + rh * i as f64;
        c.line((x0, y), (x0 + w, y));
    }
    let head_y = y0 + h - rh + 1.3;
    for (cx, s) in cols.iter().zip(["Index", "Datum", "Änderung", "Gez."]) {
        c.text(x0 + cx + 1.2, head_y, 5.5, Bold, Align::Left, s);
    }
    // Newest revision at the bottom row, next to the title block.
    for (i, rev) in tb.revisions.iter().rev().enumerate() {
        let y = y0 + rh * i as f64 + 1.3;
        c.text(x0 + 1.2, y, 6.0, Regular, Align::Left, rev.index);
        c.text(x0 + 13.2, y, 6.0, Regular, Align::Left, &rev.datum.german());
        c.text(x0 + 33.2, y, 6.0, Regular, Align::Left, rev.text);
        c.text(x0 + w - 16.8, y, 6.0, Regular, Align::Left, "SH");
    }
}
