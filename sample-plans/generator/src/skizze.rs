//! The drawing on a corpus sheet, so that the title block is not alone on an empty page: a
//! simple floor plan, section, elevation or site plan at the sheet's scale, with hatched
//! walls, room stamps ("1.01 Wohnen 24,50 m²"), dimension chains ("3,76"), levels and a
//! north arrow. It only has to look like a plan; the corpus is about the title block.

use crate::canvas::{Align, Canvas, Paint, lw};
use crate::font::FontKind::{Bold, Regular};
use crate::rng::Rng;
use crate::sheet::Rect;
use crate::symbols::{self, View, fmt_level};
use crate::vokabular::{Geschoss, Planart, pick};

const RAEUME: &[(&str, &str)] = &[
    ("Wohnen", "Parkett"),
    ("Kochen", "Fliesen"),
    ("Essen", "Parkett"),
    ("Schlafen", "Parkett"),
    ("Kind", "Parkett"),
    ("Bad", "Fliesen"),
    ("WC", "Fliesen"),
    ("Flur", "Fliesen"),
    ("HWR", "Estrich"),
    ("Arbeiten", "Parkett"),
    ("Abstellraum", "Fliesen"),
    ("Keller", "Estrich"),
];

/// Draws the plan content into `area` (paper mm). `nenner`: the scale denominator.
pub fn zeichne(
    c: &mut Canvas<'_>,
    area: Rect,
    planart: Planart,
    nenner: u32,
    geschoss: Option<Geschoss>,
    titel: &str,
    rng: &mut Rng,
) {
    if area.w < 40.0 || area.h < 40.0 {
        return;
    }
    c.solid();
    c.fill_gray(0.0);
    c.stroke_gray(0.0);
    match planart {
        Planart::Grundriss => grundriss(c, area, nenner, geschoss, rng),
        Planart::Schnitt => schnitt(c, area, nenner, rng),
        Planart::Ansicht => ansicht(c, area, nenner, rng),
        Planart::Lageplan => lageplan(c, area, nenner, rng),
    }
    c.solid();
    // The view title under the drawing, with the scale, on some sheets.
    if rng.unit() < 0.6 {
        symbols::view_title(
            c,
            (area.x + 8.0, area.y + 6.0),
            titel,
            &format!("M 1:{nenner}"),
        );
    }
    if matches!(planart, Planart::Grundriss | Planart::Lageplan) {
        let r = (area.w.min(area.h) * 0.04).clamp(5.0, 12.0);
        symbols::north_arrow(
            c,
            (area.right() - r * 2.2, area.top() - r * 2.2),
            r,
            rng.range(-30.0, 30.0),
        );
    }
}

/// The model size (metres) that fills about `fill` of `mm` paper at the scale.
fn fit(mm: f64, nenner: u32, fill: f64, lo: f64, hi: f64) -> f64 {
    let m = mm * fill * nenner as f64 / 1000.0;
    (m.clamp(lo, hi) * 20.0).round() / 20.0
}

/// A view that centres a model of `w` × `h` metres in `area`.
fn view(area: Rect, nenner: u32, w: f64, h: f64) -> View {
    let s = 1000.0 / nenner as f64;
    View::new(
        area.x + (area.w - w * s) / 2.0,
        area.y + (area.h - h * s) / 2.0 + 4.0,
        nenner as f64,
    )
}

fn wall(c: &mut Canvas<'_>, v: &View, x0: f64, y0: f64, x1: f64, y1: f64) {
    let poly = v.poly(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]);
    c.line_width(lw::WIDE);
    c.polygon(&poly, Paint::Stroke);
    c.hatch(&poly, 45.0, 1.0, lw::THIN);
}

fn grundriss(c: &mut Canvas<'_>, area: Rect, nenner: u32, g: Option<Geschoss>, rng: &mut Rng) {
    let w = fit(area.w, nenner, 0.6, 6.0, 26.0);
    let d = fit(area.h, nenner, 0.55, 5.0, 16.0);
    let v = view(area, nenner, w, d);
    let t = 0.365;
    wall(c, &v, 0.0, 0.0, w, t);
    wall(c, &v, 0.0, d - t, w, d);
    wall(c, &v, 0.0, t, t, d - t);
    wall(c, &v, w - t, t, w, d - t);
    // Inner walls: one across, one along.
    let xa = (w * rng.range(0.4, 0.6) * 100.0).round() / 100.0;
    let yb = (d * rng.range(0.4, 0.6) * 100.0).round() / 100.0;
    let ti = 0.175;
    wall(c, &v, xa, t, xa + ti, d - t);
    wall(c, &v, t, yb, xa, yb + ti);
    // Windows in the long walls: white gaps with glass lines.
    let n = (w / 3.0).floor().max(1.0) as usize;
    for i in 0..n {
        let cx = w * (i as f64 + 0.5) / n as f64;
        for (y0, y1) in [(0.0, t), (d - t, d)] {
            let p = v.p(cx - 0.6, y0);
            let q = v.p(cx + 0.6, y1);
            c.fill_gray(1.0);
            c.rect(p.0, p.1, q.0 - p.0, q.1 - p.1, Paint::Fill);
            c.fill_gray(0.0);
            c.line_width(lw::THIN);
            c.rect(p.0, p.1, q.0 - p.0, q.1 - p.1, Paint::Stroke);
            let m = (p.1 + q.1) / 2.0;
            c.line((p.0, m), (q.0, m));
        }
    }
    // Rooms with stamps.
    let etage = match g {
        Some(Geschoss::KG) | Some(Geschoss::UG) => 0,
        Some(Geschoss::OG) => 2,
        Some(Geschoss::DG) => 3,
        _ => 1,
    };
    let rooms = [
        (t, t, xa, yb),
        (t, yb + ti, xa, d - t),
        (xa + ti, t, w - t, d - t),
    ];
    for (k, (x0, y0, x1, y1)) in rooms.iter().enumerate() {
        let (name, finish) = if etage == 0 {
            ("Keller", "Estrich")
        } else {
            *pick(rng, RAEUME)
        };
        let area_m2 = (x1 - x0) * (y1 - y0);
        let at = v.p((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        symbols::room_stamp(
            c,
            at,
            &format!("{etage}.{:02} {name}", k + 1),
            area_m2,
            finish,
        );
    }
    // Dimension chains below and left.
    let y_line = v.y(0.0) - 8.0;
    symbols::dim_model_h(c, &v, &[0.0, xa, xa + ti, w], y_line, v.y(0.0));
    symbols::dim_model_h(c, &v, &[0.0, w], y_line - 6.0, v.y(0.0));
    symbols::dim_model_v(c, &v, &[0.0, yb, yb + ti, d], v.x(0.0) - 8.0, v.x(0.0));
    symbols::plan_level(c, v.p(w * 0.75, d * 0.3), "FFB ±0,00");
}

fn schnitt(c: &mut Canvas<'_>, area: Rect, nenner: u32, rng: &mut Rng) {
    let floors = 1 + rng.below(3) as usize;
    let fh = 2.75;
    let w = fit(area.w, nenner, 0.55, 6.0, 20.0);
    let hmax = fit(area.h, nenner, 0.6, 5.0, 16.0);
    let hoch = (floors as f64 * fh).min(hmax - 2.5).max(2.75);
    let v = view(area, nenner, w, hoch + 3.0);
    // Ground with earth hatch.
    c.line_width(lw::WIDE);
    c.line(v.p(-3.0, 0.0), v.p(w + 3.0, 0.0));
    let earth = v.poly(&[(-3.0, -1.2), (w + 3.0, -1.2), (w + 3.0, 0.0), (-3.0, 0.0)]);
    c.hatch(&earth, 135.0, 2.0, lw::THIN);
    let mut y = 0.0;
    let mut levels = vec![0.0];
    while y + fh <= hoch + 0.01 {
        wall(c, &v, 0.0, y, 0.365, y + fh);
        wall(c, &v, w - 0.365, y, w, y + fh);
        wall(c, &v, 0.0, y + fh - 0.2, w, y + fh);
        y += fh;
        levels.push(y);
    }
    wall(c, &v, -0.2, -0.3, w + 0.2, 0.0);
    // Roof.
    c.line_width(lw::WIDE);
    let ridge = y + w / 2.0 * 0.58;
    c.polyline(&v.poly(&[(-0.6, y - 0.3), (w / 2.0, ridge), (w + 0.6, y - 0.3)]));
    for (i, l) in levels.iter().enumerate() {
        symbols::level_mark(
            c,
            (v.x(w) + 10.0, v.y(*l)),
            &fmt_level(*l),
            i % 2 == 0,
            if i == 0 { "FFB" } else { "" },
        );
    }
    let ys: Vec<f64> = levels.clone();
    symbols::dim_model_v(c, &v, &ys, v.x(0.0) - 8.0, v.x(0.0));
}

fn ansicht(c: &mut Canvas<'_>, area: Rect, nenner: u32, rng: &mut Rng) {
    let floors = 1 + rng.below(3) as usize;
    let w = fit(area.w, nenner, 0.55, 6.0, 20.0);
    let hmax = fit(area.h, nenner, 0.6, 5.0, 16.0);
    let hoch = (floors as f64 * 2.75).min(hmax - 2.5).max(2.75);
    let v = view(area, nenner, w, hoch + 3.0);
    c.line_width(lw::MEDIUM);
    let facade = v.poly(&[(0.0, 0.0), (w, 0.0), (w, hoch), (0.0, hoch)]);
    c.polygon(&facade, Paint::Stroke);
    let ridge = hoch + w / 2.0 * 0.58;
    c.polygon(
        &v.poly(&[(-0.5, hoch), (w / 2.0, ridge), (w + 0.5, hoch)]),
        Paint::Stroke,
    );
    let roof = v.poly(&[(-0.5, hoch), (w / 2.0, ridge), (w + 0.5, hoch)]);
    c.hatch(&roof, 0.0, 1.5, lw::THIN);
    let cols = (w / 2.2).floor().max(2.0) as usize;
    let rows = (hoch / 2.75).round().max(1.0) as usize;
    c.line_width(lw::FINE);
    for r in 0..rows {
        for k in 0..cols {
            let cx = w * (k as f64 + 0.5) / cols as f64;
            let y0 = r as f64 * 2.75 + 0.9;
            let p = v.p(cx - 0.6, y0);
            let q = v.p(cx + 0.6, y0 + 1.35);
            c.rect(p.0, p.1, q.0 - p.0, q.1 - p.1, Paint::Stroke);
            c.line((p.0, (p.1 + q.1) / 2.0), (q.0, (p.1 + q.1) / 2.0));
        }
    }
    c.line_width(lw::WIDE);
    c.line(v.p(-3.0, 0.0), v.p(w + 3.0, 0.0));
    let earth = v.poly(&[(-3.0, -0.8), (w + 3.0, -0.8), (w + 3.0, 0.0), (-3.0, 0.0)]);
    c.hatch(&earth, 135.0, 2.0, lw::THIN);
    for (i, l) in [0.0, hoch, ridge].iter().enumerate() {
        symbols::level_mark(c, (v.x(w) + 10.0, v.y(*l)), &fmt_level(*l), i == 0, "");
    }
}

fn lageplan(c: &mut Canvas<'_>, area: Rect, nenner: u32, rng: &mut Rng) {
    let pw = fit(area.w, nenner, 0.5, 18.0, 120.0);
    let ph = fit(area.h, nenner, 0.45, 15.0, 90.0);
    let v = view(area, nenner, pw, ph);
    // Street along the bottom.
    c.line_width(lw::MEDIUM);
    c.line(v.p(-pw * 0.4, -4.0), v.p(pw * 1.4, -4.0));
    c.line(v.p(-pw * 0.4, -10.0), v.p(pw * 1.4, -10.0));
    let street = pick(rng, &["Lindenweg", "Am Mühlbach", "Birkenallee", "Talweg"]);
    let sp = v.p(pw * 0.5, -7.8);
    c.text(sp.0, sp.1, 9.0, Regular, Align::Center, street);
    // The plot, dash-dot, with its number.
    let plot = v.poly(&[
        (0.0, 0.0),
        (pw, 0.0),
        (pw * 0.97, ph),
        (pw * 0.02, ph * 0.98),
    ]);
    c.line_width(lw::HEAVY);
    c.dash_dot();
    c.polygon(&plot, Paint::Stroke);
    c.solid();
    let nr = format!("{}/{}", 10 + rng.below(400), 1 + rng.below(9));
    let np = v.p(pw * 0.85, ph * 0.85);
    c.text(np.0, np.1, 9.0, Regular, Align::Center, &nr);
    // Neighbours, hatched.
    for (x0, y0, x1, y1) in [
        (-pw * 0.35, ph * 0.2, -pw * 0.1, ph * 0.7),
        (pw * 1.1, ph * 0.25, pw * 1.35, ph * 0.65),
    ] {
        let poly = v.poly(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]);
        c.line_width(lw::MEDIUM);
        c.polygon(&poly, Paint::Stroke);
        c.hatch(&poly, 45.0, 1.2, lw::THIN);
    }
    // The new building: filled, with its distance to the boundary.
    let (bx, by) = (pw * 0.3, ph * 0.3);
    let (bw, bh) = (pw * 0.4, ph * 0.35);
    let b = v.poly(&[(bx, by), (bx + bw, by), (bx + bw, by + bh), (bx, by + bh)]);
    c.fill_gray(0.55);
    c.line_width(lw::WIDE);
    c.polygon(&b, Paint::FillStroke);
    c.fill_gray(0.0);
    c.dashed();
    c.line_width(lw::THIN);
    let ab = v.poly(&[
        (bx - 3.0, by - 3.0),
        (bx + bw + 3.0, by - 3.0),
        (bx + bw + 3.0, by + bh + 3.0),
        (bx - 3.0, by + bh + 3.0),
    ]);
    c.polygon(&ab, Paint::Stroke);
    c.solid();
    symbols::dim_model_h(c, &v, &[0.0, bx, bx + bw, pw], v.y(by) - 4.0, v.y(by));
    let hp = v.p(bx + bw / 2.0, by + bh / 2.0);
    c.text(hp.0, hp.1, 8.0, Bold, Align::Center, "Neubau");
    // Trees.
    for k in 0..4 {
        let tp = v.p(pw * (0.1 + 0.25 * k as f64), ph * 0.85);
        c.line_width(lw::THIN);
        c.circle(tp, 2.0 + rng.range(0.0, 1.5), Paint::Stroke);
    }
}
