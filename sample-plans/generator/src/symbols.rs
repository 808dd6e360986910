//! Drawing symbols of German building plans (DIN 1356-1): dimension chains with oblique
//! ticks and the raised half-centimetre, level marks, north arrow, scale bar, grid axes,
//! section markers, room stamps.

use crate::canvas::{Align, Canvas, Paint, Pt, lw};
use crate::font::FontKind::{self, Bold, Regular};

/// Model metres to paper millimetres.
#[derive(Clone, Copy, Debug)]
pub struct View {
    /// Paper position of the model origin, mm.
    pub ox: f64,
    pub oy: f64,
    /// Paper mm per model metre (1000 / scale denominator).
    pub s: f64,
}

impl View {
    pub fn new(ox: f64, oy: f64, scale: f64) -> Self {
        View {
            ox,
            oy,
            s: 1000.0 / scale,
        }
    }
    pub fn p(&self, x: f64, y: f64) -> Pt {
        (self.ox + x * self.s, self.oy + y * self.s)
    }
    pub fn x(&self, x: f64) -> f64 {
        self.ox + x * self.s
    }
    pub fn y(&self, y: f64) -> f64 {
        self.oy + y * self.s
    }
    pub fn d(&self, len: f64) -> f64 {
        len * self.s
    }
    pub fn poly(&self, pts: &[(f64, f64)]) -> Vec<Pt> {
        pts.iter().map(|(x, y)| self.p(*x, *y)).collect()
    }
}

/// A dimension in German notation: metres with a comma from 1 m on, centimetres below,
/// half centimetres as a raised 5: 11,49 · 36⁵ · 1,13⁵.
pub fn fmt_dim(m: f64) -> (String, String) {
    let mm = ((m * 200.0).round() * 5.0) as i64;
    let (base, sup) = if mm % 10 == 5 {
        (mm - 5, "5".to_string())
    } else {
        (mm, String::new())
    };
    let cm = base / 10;
    let main = if base >= 1000 {
        format!("{},{:02}", cm / 100, cm % 100)
    } else {
        format!("{cm}")
    };
    (main, sup)
}

/// A level in metres: ±0,00 · +2,90 · -2,65.
pub fn fmt_level(m: f64) -> String {
    let cm = (m * 100.0).round() as i64;
    if cm == 0 {
        "±0,00".to_string()
    } else {
        let sign = if cm > 0 { "+" } else { "-" };
        let a = cm.abs();
        format!("{sign}{},{:02}", a / 100, a % 100)
    }
}

/// German decimal with `dec` places: 33,07.
pub fn de_num(v: f64, dec: usize) -> String {
    format!("{v:.dec$}").replace('.', ",")
}

/// Dimension text with an optional raised part, centred on `at` along `angle`.
pub fn dim_text(c: &mut Canvas<'_>, at: Pt, angle: f64, size: f64, main: &str, sup: &str) {
    let ssize = size * 0.7;
    let wm = c.text_width(Regular, size, main);
    let ws = if sup.is_empty() {
        0.0
    } else {
        c.text_width(Regular, ssize, sup)
    };
    let total = wm + ws;
    let t = angle.to_radians();
    let (dx, dy) = (t.cos(), t.sin());
    let (nx, ny) = (-t.sin(), t.cos());
    let start = (at.0 - dx * total / 2.0, at.1 - dy * total / 2.0);
    c.text_rot(start.0, start.1, size, Regular, Align::Left, angle, main);
    if !sup.is_empty() {
        let raise = size * 0.35 / 2.835;
        c.text_rot(
            start.0 + dx * wm + nx * raise,
            start.1 + dy * wm + ny * raise,
            ssize,
            Regular,
            Align::Left,
            angle,
            sup,
        );
    }
}

/// A horizontal dimension chain. `xs` are paper x positions (sorted), `values` the model
/// lengths between them (one less than `xs`), `y` the paper height of the dimension line,
/// `from_y` where the extension lines start (near the object). `below` optionally gives a
/// second, smaller text under the line (opening heights).
pub fn dim_chain_h(
    c: &mut Canvas<'_>,
    xs: &[f64],
    values: &[f64],
    y: f64,
    from_y: f64,
    below: Option<&[Option<f64>]>,
) {
    if xs.len() < 2 {
        return;
    }
    let up = y >= from_y;
    let ext_end = if up { y + 1.5 } else { y - 1.5 };
    c.line_width(lw::THIN);
    for x in xs {
        let start = if up { from_y + 1.0 } else { from_y - 1.0 };
        c.line((*x, start), (*x, ext_end));
    }
    c.line((xs[0] - 1.5, y), (xs[xs.len() - 1] + 1.5, y));
    c.line_width(lw::WIDE);
    for x in xs {
        c.line((*x - 0.9, y - 0.9), (*x + 0.9, y + 0.9));
    }
    for (i, v) in values.iter().enumerate() {
        if i + 1 >= xs.len() {
            break;
        }
        let mid = (xs[i] + xs[i + 1]) / 2.0;
        let (main, sup) = fmt_dim(*v);
        let span = xs[i + 1] - xs[i];
        let tw = c.text_width(Regular, 6.5, &main) + 1.5;
        // Short segments: text moved up a little to stay readable next to its neighbour.
        let lift = if tw > span && i % 2 == 1 { 2.8 } else { 0.0 };
        dim_text(c, (mid, y + 0.8 + lift), 0.0, 6.5, &main, &sup);
        if let Some(b) = below
            && let Some(Some(hv)) = b.get(i)
        {
            let (m2, s2) = fmt_dim(*hv);
            dim_text(c, (mid, y - 2.8), 0.0, 5.5, &m2, &s2);
        }
    }
}

/// A vertical dimension chain (text rotated, reading from below).
pub fn dim_chain_v(c: &mut Canvas<'_>, ys: &[f64], values: &[f64], x: f64, from_x: f64) {
    if ys.len() < 2 {
        return;
    }
    let right = x >= from_x;
    let ext_end = if right { x + 1.5 } else { x - 1.5 };
    c.line_width(lw::THIN);
    for y in ys {
        let start = if right { from_x + 1.0 } else { from_x - 1.0 };
        c.line((start, *y), (ext_end, *y));
    }
    c.line((x, ys[0] - 1.5), (x, ys[ys.len() - 1] + 1.5));
    c.line_width(lw::WIDE);
    for y in ys {
        c.line((x - 0.9, *y - 0.9), (x + 0.9, *y + 0.9));
    }
    for (i, v) in values.iter().enumerate() {
        if i + 1 >= ys.len() {
            break;
        }
        let mid = (ys[i] + ys[i + 1]) / 2.0;
        let (main, sup) = fmt_dim(*v);
        let span = ys[i + 1] - ys[i];
        let tw = c.text_width(Regular, 6.5, &main) + 1.5;
        let lift = if tw > span && i % 2 == 1 { 2.8 } else { 0.0 };
        dim_text(c, (x - 0.8 - lift, mid), 90.0, 6.5, &main, &sup);
    }
}

/// A chain from model coordinates along x (`xs` in metres).
pub fn dim_model_h(c: &mut Canvas<'_>, v: &View, xs: &[f64], y_line: f64, y_from: f64) {
    let px: Vec<f64> = xs.iter().map(|x| v.x(*x)).collect();
    let vals: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    dim_chain_h(c, &px, &vals, y_line, y_from, None);
}

/// A chain from model coordinates along y.
pub fn dim_model_v(c: &mut Canvas<'_>, v: &View, ys: &[f64], x_line: f64, x_from: f64) {
    let py: Vec<f64> = ys.iter().map(|y| v.y(*y)).collect();
    let vals: Vec<f64> = ys.windows(2).map(|w| w[1] - w[0]).collect();
    dim_chain_v(c, &py, &vals, x_line, x_from);
}

/// A level mark for sections and elevations: a triangle standing on the level line with
/// the value above. Finished floor (FFB) filled, structural level (RFB) open.
pub fn level_mark(c: &mut Canvas<'_>, at: Pt, text: &str, filled: bool, label: &str) {
    let (x, y) = at;
    c.line_width(lw::FINE);
    c.line((x - 4.0, y), (x + 14.0, y));
    let tri = [(x, y), (x - 1.6, y + 2.4), (x + 1.6, y + 2.4)];
    if filled {
        c.polygon(&tri, Paint::FillStroke);
    } else {
        c.polygon(&tri, Paint::Stroke);
    }
    c.text(x + 2.5, y + 0.9, 7.0, Regular, Align::Left, text);
    if !label.is_empty() {
        c.text(x + 2.5, y - 3.0, 5.5, Regular, Align::Left, label);
    }
}

/// A level mark inside a floor plan: a small cross-circle with the value.
pub fn plan_level(c: &mut Canvas<'_>, at: Pt, text: &str) {
    let (x, y) = at;
    c.line_width(lw::FINE);
    c.circle(at, 1.2, Paint::Stroke);
    c.polygon(&[(x, y), (x + 1.2, y), (x, y + 1.2)], Paint::Fill);
    c.polygon(&[(x, y), (x - 1.2, y), (x, y - 1.2)], Paint::Fill);
    c.text(x + 2.0, y - 1.0, 6.5, Regular, Align::Left, text);
}

/// North arrow: a circle with a half-filled arrow and the letter N.
pub fn north_arrow(c: &mut Canvas<'_>, center: Pt, r: f64, rotation_deg: f64) {
    let (cx, cy) = center;
    let t = rotation_deg.to_radians();
    let rot = |x: f64, y: f64| -> Pt {
        (
            cx + x * t.cos() - y * t.sin(),
            cy + x * t.sin() + y * t.cos(),
        )
    };
    c.line_width(lw::FINE);
    c.circle(center, r, Paint::Stroke);
    let tip = rot(0.0, r * 1.15);
    let tail = rot(0.0, -r * 0.85);
    let left = rot(-r * 0.38, -r * 0.55);
    let right = rot(r * 0.38, -r * 0.55);
    c.line_width(lw::MEDIUM);
    c.polygon(&[tip, right, center, left], Paint::Stroke);
    c.polygon(&[tip, center, left], Paint::Fill);
    c.line(center, tail);
    let n = rot(0.0, r * 1.45);
    c.text(n.0, n.1, 11.0, Bold, Align::Center, "N");
}

/// A scale bar (Maßstabsleiste) with alternating blocks, `step` metres each.
pub fn scale_bar(c: &mut Canvas<'_>, at: Pt, scale: f64, step: f64, blocks: usize) {
    let (x, y) = at;
    let bw = step * 1000.0 / scale;
    c.line_width(lw::FINE);
    for i in 0..blocks {
        let bx = x + bw * i as f64;
        let paint = if i % 2 == 0 {
            Paint::FillStroke
        } else {
            Paint::Stroke
        };
        c.rect(bx, y, bw, 1.8, paint);
        c.text(
            bx,
            y + 3.0,
            6.0,
            Regular,
            Align::Center,
            &format!("{}", (step * i as f64) as i64),
        );
    }
    let end = x + bw * blocks as f64;
    c.text(
        end,
        y + 3.0,
        6.0,
        Regular,
        Align::Center,
        &format!("{} m", (step * blocks as f64) as i64),
    );
    c.text(
        x,
        y - 4.0,
        7.0,
        Regular,
        Align::Left,
        &format!("M 1:{}", scale as i64),
    );
}

/// A grid axis label: a circle with the axis name.
pub fn axis_label(c: &mut Canvas<'_>, at: Pt, name: &str) {
    c.line_width(lw::FINE);
    c.solid();
    c.fill_gray(1.0);
    c.circle(at, 3.5, Paint::FillStroke);
    c.fill_gray(0.0);
    c.text(at.0, at.1 - 1.3, 9.0, Regular, Align::Center, name);
}

/// One end of a section line: a heavy stroke, an arrow in viewing direction (unit vector
/// `dir` on paper), and the section letter.
pub fn section_end(c: &mut Canvas<'_>, at: Pt, along: Pt, dir: Pt, name: &str) {
    let (x, y) = at;
    c.solid();
    c.line_width(1.0);
    c.line((x, y), (x + along.0 * 10.0, y + along.1 * 10.0));
    c.line_width(lw::FINE);
    let base = (x + dir.0 * 2.0, y + dir.1 * 2.0);
    let tip = (x + dir.0 * 8.0, y + dir.1 * 8.0);
    let side = (-dir.1 * 2.0, dir.0 * 2.0);
    c.polygon(
        &[
            tip,
            (base.0 + side.0, base.1 + side.1),
            (base.0 - side.0, base.1 - side.1),
        ],
        Paint::Fill,
    );
    c.line(base, tip);
    let tx = (
        x + dir.0 * 11.0 - along.0 * 3.0,
        y + dir.1 * 11.0 - along.1 * 3.0,
    );
    c.text(tx.0, tx.1 - 1.8, 12.0, Bold, Align::Center, name);
}

/// A room stamp: name, area, floor finish.
pub fn room_stamp(c: &mut Canvas<'_>, at: Pt, name: &str, area: f64, finish: &str) {
    let (x, y) = at;
    c.text(x, y + 2.0, 8.0, Bold, Align::Center, name);
    c.text(
        x,
        y - 1.6,
        7.0,
        Regular,
        Align::Center,
        &format!("{} m²", de_num(area, 2)),
    );
    if !finish.is_empty() {
        c.text(x, y - 4.8, 6.0, Regular, Align::Center, finish);
    }
    c.line_width(lw::THIN);
    let w = c.text_width(FontKind::Bold, 8.0, name).max(14.0) / 2.0 + 1.5;
    c.line((x - w, y + 0.8), (x + w, y + 0.8));
}

/// A drawing title under a view: bold name, scale, underlined.
pub fn view_title(c: &mut Canvas<'_>, at: Pt, title: &str, scale: &str) {
    c.text(at.0, at.1, 14.0, Bold, Align::Left, title);
    let w = c.text_width(Bold, 14.0, title);
    c.text(at.0 + w + 4.0, at.1, 9.0, Regular, Align::Left, scale);
    c.line_width(lw::WIDE);
    c.line((at.0, at.1 - 1.8), (at.0 + w, at.1 - 1.8));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_dimensions() {
        assert_eq!(fmt_dim(11.49), ("11,49".into(), "".into()));
        assert_eq!(fmt_dim(0.365), ("36".into(), "5".into()));
        assert_eq!(fmt_dim(1.135), ("1,13".into(), "5".into()));
        assert_eq!(fmt_dim(0.24), ("24".into(), "".into()));
        assert_eq!(fmt_level(0.0), "±0,00");
        assert_eq!(fmt_level(-2.65), "-2,65");
        assert_eq!(fmt_level(5.8), "+5,80");
        assert_eq!(de_num(33.071, 2), "33,07");
    }
}
