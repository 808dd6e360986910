//! Floor plans (Grundrisse) 1:100.

use super::{legend, notes_box, right_column, sheet_base};
use crate::canvas::{Align, Canvas, Paint, Pt, lw};
use crate::font::FontKind::{Bold, Regular};
use crate::house::{self, Furniture, Opening, OpeningKind, Stair, Storey, Wall, WallKind};
use crate::model::{Paper, TitleBlock};
use crate::sheet::Rect;
use crate::symbols::{self, View, de_num, fmt_level};

const X: f64 = house::LEN_X;
const Y: f64 = house::LEN_Y;
const I: f64 = house::EXT;

/// Rectangles of a wall left after cutting out its openings.
fn wall_pieces(w: &Wall, openings: &[(f64, f64)]) -> Vec<(f64, f64, f64, f64)> {
    let mut cuts: Vec<(f64, f64)> = openings.to_vec();
    cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (a0, a1) = if w.horizontal() {
        (w.x0, w.x1)
    } else {
        (w.y0, w.y1)
    };
    let mut out = Vec::new();
    let mut pos = a0;
    for (f, t) in cuts.iter().chain(std::iter::once(&(a1, a1))) {
        if *f > pos + 1e-6 {
            if w.horizontal() {
                out.push((pos, w.y0, *f, w.y1));
            } else {
                out.push((w.x0, pos, w.x1, *f));
            }
        }
        pos = pos.max(*t);
    }
    out
}

/// Draws walls: outline of the union, fill and hatch by material.
pub fn draw_walls(c: &mut Canvas<'_>, v: &View, walls: &[Wall], openings: &[Opening]) {
    let mut pieces: Vec<((f64, f64, f64, f64), WallKind)> = Vec::new();
    for (i, w) in walls.iter().enumerate() {
        let cuts: Vec<(f64, f64)> = openings
            .iter()
            .filter(|o| o.wall == i)
            .map(|o| (o.from, o.to))
            .collect();
        for p in wall_pieces(w, &cuts) {
            pieces.push((p, w.kind));
        }
    }
    let rect = |c: &mut Canvas<'_>, p: &(f64, f64, f64, f64), paint: Paint| {
        let (x0, y0) = v.p(p.0, p.1);
        let (x1, y1) = v.p(p.2, p.3);
        c.rect(x0, y0, x1 - x0, y1 - y0, paint);
    };
    // 1. Heavy outline of every piece; 2. fill, which covers the inner half of each outline
    // and so every joint between pieces; 3. hatch.
    c.solid();
    for (p, kind) in &pieces {
        c.line_width(if *kind == WallKind::Partition {
            lw::WIDE * 2.0
        } else {
            lw::CUT * 2.0
        });
        rect(c, p, Paint::Stroke);
    }
    for (p, kind) in &pieces {
        c.fill_gray(match kind {
            WallKind::Partition => 0.72,
            WallKind::Concrete => 0.82,
            _ => 1.0,
        });
        rect(c, p, Paint::Fill);
    }
    c.fill_gray(0.0);
    for (p, kind) in &pieces {
        let (x0, y0) = v.p(p.0, p.1);
        let (x1, y1) = v.p(p.2, p.3);
        let poly = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)];
        match kind {
            WallKind::Exterior => c.hatch(&poly, 45.0, 1.3, lw::THIN),
            WallKind::Bearing => c.hatch(&poly, 45.0, 0.7, lw::THIN),
            WallKind::Concrete => {
                c.hatch(&poly, 45.0, 1.6, lw::THIN);
                c.hatch(&poly, 135.0, 1.6, lw::THIN);
            }
            WallKind::Partition => {}
        }
    }
}

/// Windows, doors, passages in plan.
pub fn draw_openings(c: &mut Canvas<'_>, v: &View, walls: &[Wall], openings: &[Opening]) {
    for o in openings {
        let w = walls[o.wall];
        let hz = w.horizontal();
        // Local frame: along the wall `a`, across `b` (b0 = negative face, b1 = positive).
        let (b0, b1) = if hz { (w.y0, w.y1) } else { (w.x0, w.x1) };
        let pt = |a: f64, b: f64| -> Pt { if hz { v.p(a, b) } else { v.p(b, a) } };
        c.solid();
        match o.kind {
            OpeningKind::Window => {
                c.line_width(lw::FINE);
                c.line(pt(o.from, b0), pt(o.to, b0));
                c.line(pt(o.from, b1), pt(o.to, b1));
                let mid = (b0 + b1) / 2.0;
                c.line_width(lw::MEDIUM);
                c.line(pt(o.from, mid - 0.04), pt(o.to, mid - 0.04));
                c.line(pt(o.from, mid + 0.04), pt(o.to, mid + 0.04));
                c.line_width(lw::THIN);
                c.line(pt(o.from, mid), pt(o.to, mid));
                // Frame ends.
                c.line_width(lw::MEDIUM);
                c.line(pt(o.from, mid - 0.04), pt(o.from, mid + 0.04));
                c.line(pt(o.to, mid - 0.04), pt(o.to, mid + 0.04));
                // Casement division for wide windows.
                if o.width() > 1.6 {
                    let m = (o.from + o.to) / 2.0;
                    c.line(pt(m, mid - 0.06), pt(m, mid + 0.06));
                }
            }
            OpeningKind::Door {
                hinge_at_start,
                to_positive,
            } => {
                let hinge_a = if hinge_at_start { o.from } else { o.to };
                let other_a = if hinge_at_start { o.to } else { o.from };
                let face = if to_positive { b1 } else { b0 };
                let dir = if to_positive { 1.0 } else { -1.0 };
                let width = o.width();
                let hinge = pt(hinge_a, face);
                let leaf_end = pt(hinge_a, face + dir * width);
                c.line_width(lw::WIDE);
                c.line(hinge, leaf_end);
                c.line_width(lw::THIN);
                // Swing arc from the closed position (other jamb) to the open leaf.
                let r = v.d(width);
                let ang = |p: Pt| (p.1 - hinge.1).atan2(p.0 - hinge.0).to_degrees();
                let a0 = ang(pt(other_a, face));
                let a1 = ang(leaf_end);
                let (mut s, mut e) = (a0, a1);
                if (e - s).abs() > 180.0 {
                    if e < s {
                        e += 360.0;
                    } else {
                        s += 360.0;
                    }
                }
                if s > e {
                    std::mem::swap(&mut s, &mut e);
                }
                c.arc(hinge, r, s, e);
                // Door frame (Zarge) lines.
                c.line_width(lw::FINE);
                c.line(pt(o.from, b0), pt(o.from, b1));
                c.line(pt(o.to, b0), pt(o.to, b1));
            }
            OpeningKind::Passage => {
                c.line_width(lw::THIN);
                c.dashed();
                c.line(pt(o.from, b0), pt(o.to, b0));
                c.line(pt(o.from, b1), pt(o.to, b1));
                c.solid();
            }
            OpeningKind::GarageDoor => {
                c.line_width(lw::FINE);
                c.dashed();
                c.line(pt(o.from, b0 - 0.2), pt(o.to, b0 - 0.2));
                c.line(pt(o.from, b0 - 0.2), pt(o.from, b0 - 5.0));
                c.line(pt(o.to, b0 - 0.2), pt(o.to, b0 - 5.0));
                c.solid();
                c.line_width(lw::MEDIUM);
                c.line(pt(o.from, (b0 + b1) / 2.0), pt(o.to, (b0 + b1) / 2.0));
            }
        }
    }
}

fn draw_stair(c: &mut Canvas<'_>, v: &View, s: &Stair, short: &str) {
    let w = s.flight_width;
    let ly = s.landing_y();
    c.solid();
    c.line_width(lw::FINE);
    let r = |c: &mut Canvas<'_>, x0: f64, y0: f64, x1: f64, y1: f64| {
        let (a, b) = (v.p(x0, y0), v.p(x1, y1));
        c.rect(a.0, a.1, b.0 - a.0, b.1 - a.1, Paint::Stroke);
    };
    r(c, s.x0, s.y_start, s.x0 + w, ly);
    r(c, s.x1 - w, s.y_start, s.x1, ly);
    r(c, s.x0, ly, s.x1, s.y_end);
    c.line_width(lw::THIN);
    for k in 1..s.treads_per_flight() {
        let y = s.y_start + s.going * k as f64;
        c.line(v.p(s.x0, y), v.p(s.x0 + w, y));
        c.line(v.p(s.x1 - w, y), v.p(s.x1, y));
    }
    // Stair eye (Treppenauge) with the handrail.
    c.line_width(lw::FINE);
    c.line(v.p(s.x0 + w + 0.03, s.y_start), v.p(s.x0 + w + 0.03, ly));
    c.line(v.p(s.x1 - w - 0.03, s.y_start), v.p(s.x1 - w - 0.03, ly));
    // Walking line (Lauflinie): up flight 1, across the landing, up flight 2.
    let cx1 = s.x0 + w / 2.0;
    let cx2 = s.x1 - w / 2.0;
    let lm = (ly + s.y_end) / 2.0;
    c.line_width(lw::FINE);
    c.circle(v.p(cx1, s.y_start + 0.1), 0.6, Paint::Stroke);
    let path = [
        v.p(cx1, s.y_start + 0.1),
        v.p(cx1, lm),
        v.p(cx2, lm),
        v.p(cx2, s.y_start + 0.05),
    ];
    c.polyline(&path);
    let tip = v.p(cx2, s.y_start + 0.05);
    c.polygon(
        &[tip, (tip.0 - 0.8, tip.1 + 2.0), (tip.0 + 0.8, tip.1 + 2.0)],
        Paint::Fill,
    );
    if short != "DG" {
        // Cut line (Schnittlinie of the plan's cutting plane) across flight 1.
        c.line_width(lw::FINE);
        let y = s.y_start + 1.0;
        c.polyline(&[
            v.p(s.x0 - 0.1, y - 0.15),
            v.p(s.x0 + w * 0.45, y - 0.15),
            v.p(s.x0 + w * 0.5, y + 0.05),
            v.p(s.x0 + w * 0.55, y - 0.35),
            v.p(s.x0 + w * 0.6, y - 0.15),
            v.p(s.x0 + w + 0.1, y - 0.15),
        ]);
    } else {
        // Railing around the stair void.
        c.line_width(lw::WIDE);
        c.polyline(&[
            v.p(s.x0, s.y_start - 0.05),
            v.p(s.x1 + 0.05, s.y_start - 0.05),
            v.p(s.x1 + 0.05, s.y_end),
        ]);
    }
    let label = format!(
        "{} STG {}/{}",
        s.risers,
        de_num(s.rise * 100.0, 1),
        de_num(s.going * 100.0, 1)
    );
    let p = v.p((s.x0 + s.x1) / 2.0, s.y_end - 0.28);
    c.text(p.0, p.1, 6.0, Regular, Align::Center, &label);
    let p = v.p(cx2 + 0.15, s.y_start + 0.4);
    let dir_text = if short == "DG" { "vom OG" } else { "auf" };
    c.text_rot(p.0, p.1, 6.0, Regular, Align::Left, 90.0, dir_text);
}

fn draw_furniture(c: &mut Canvas<'_>, v: &View, items: &[Furniture]) {
    c.solid();
    c.line_width(lw::THIN);
    c.stroke_gray(0.3);
    let rect = |c: &mut Canvas<'_>, x: f64, y: f64, w: f64, h: f64| {
        let a = v.p(x, y);
        c.rect(a.0, a.1, v.d(w), v.d(h), Paint::Stroke);
    };
    for f in items {
        match *f {
            Furniture::Bed(x, y, w, h) => {
                rect(c, x, y, w, h);
                let n = if w > 1.3 { 2 } else { 1 };
                let pw = (w - 0.1 * (n as f64 + 1.0)) / n as f64;
                for k in 0..n {
                    rect(c, x + 0.1 + k as f64 * (pw + 0.1), y + h - 0.45, pw, 0.35);
                }
                c.line(v.p(x, y + h - 0.6), v.p(x + w, y + h - 0.6));
            }
            Furniture::Table(x, y, w, h) => {
                rect(c, x, y, w, h);
                let n = ((w / 0.6).floor() as usize).max(1);
                for k in 0..n {
                    let cx = x + (k as f64 + 0.5) * w / n as f64 - 0.2;
                    rect(c, cx, y - 0.45, 0.4, 0.4);
                    rect(c, cx, y + h + 0.05, 0.4, 0.4);
                }
            }
            Furniture::Counter(x, y, w, h) => {
                rect(c, x, y, w, h);
                if w > 2.0 || h > 2.0 {
                    // Sink and hob.
                    let (sx, sy) = if w > h {
                        (x + w * 0.3, y + h / 2.0)
                    } else {
                        (x + w / 2.0, y + h * 0.3)
                    };
                    c.circle(v.p(sx, sy), v.d(0.2), Paint::Stroke);
                    let (hx, hy) = if w > h {
                        (x + w * 0.7, y + h / 2.0)
                    } else {
                        (x + w / 2.0, y + h * 0.7)
                    };
                    for (dx, dy) in [(-0.13, -0.13), (0.13, -0.13), (-0.13, 0.13), (0.13, 0.13)] {
                        c.circle(v.p(hx + dx, hy + dy), v.d(0.09), Paint::Stroke);
                    }
                }
            }
            Furniture::Sofa(x, y, w, h) => {
                rect(c, x, y, w, h);
                if w > h {
                    rect(c, x, y + h - 0.2, w, 0.2);
                } else {
                    rect(c, x, y, 0.2, h);
                }
            }
            Furniture::Wc(x, y, east) => {
                if east {
                    rect(c, x + 0.2, y - 0.2, 0.18, 0.4);
                    c.circle(v.p(x - 0.05, y), v.d(0.2), Paint::Stroke);
                } else {
                    rect(c, x - 0.2, y, 0.4, 0.18);
                    c.circle(v.p(x, y - 0.25), v.d(0.2), Paint::Stroke);
                }
            }
            Furniture::Basin(x, y, east) => {
                if east {
                    rect(c, x, y - 0.3, 0.45, 0.6);
                    c.circle(v.p(x + 0.22, y), v.d(0.17), Paint::Stroke);
                } else {
                    rect(c, x - 0.3, y, 0.6, 0.45);
                    c.circle(v.p(x, y + 0.22), v.d(0.17), Paint::Stroke);
                }
            }
            Furniture::Shower(x, y, s) => {
                rect(c, x, y, s, s);
                c.line(v.p(x, y), v.p(x + s, y + s));
                c.line(v.p(x + s, y), v.p(x, y + s));
            }
            Furniture::Tub(x, y, w, h) => {
                rect(c, x, y, w, h);
                rect(c, x + 0.08, y + 0.08, w - 0.16, h - 0.16);
                c.circle(v.p(x + w / 2.0, y + 0.25), v.d(0.05), Paint::Stroke);
            }
            Furniture::Wardrobe(x, y, w, h) => {
                rect(c, x, y, w, h);
                c.line(v.p(x, y), v.p(x + w, y + h));
            }
            Furniture::Desk(x, y, w, h) => {
                rect(c, x, y, w, h);
            }
            Furniture::Appliance(x, y, s, label) => {
                rect(c, x - s / 2.0, y - s / 2.0, s, s);
                let p = v.p(x, y);
                c.fill_gray(0.3);
                c.text(p.0, p.1 - 0.8, 5.5, Regular, Align::Center, label);
                c.fill_gray(0.0);
            }
        }
    }
    c.stroke_gray(0.0);
}

fn draw_light_wells(c: &mut Canvas<'_>, v: &View, st: &Storey) {
    c.solid();
    for &oi in &st.light_wells {
        let o = &st.openings[oi];
        let (a0, a1) = (o.from - 0.15, o.to + 0.15);
        let poly: Vec<(f64, f64)> = match o.wall {
            0 => vec![(a0, 0.0), (a1, 0.0), (a1, -0.6), (a0, -0.6)],
            1 => vec![(a0, Y), (a1, Y), (a1, Y + 0.6), (a0, Y + 0.6)],
            2 => vec![(0.0, a0), (0.0, a1), (-0.6, a1), (-0.6, a0)],
            _ => vec![(X, a0), (X, a1), (X + 0.6, a1), (X + 0.6, a0)],
        };
        let pp = v.poly(&poly);
        c.line_width(lw::WIDE);
        c.polygon(&pp, Paint::Stroke);
        c.hatch(&pp, 0.0, 0.6, lw::THIN);
    }
}

/// Outside elements of the ground floor: terrace, entrance, the garage.
fn draw_eg_outside(c: &mut Canvas<'_>, v: &View) {
    // Terrace (paving, 50 cm grid).
    let t = v.poly(&[(0.5, -3.0), (7.0, -3.0), (7.0, 0.0), (0.5, 0.0)]);
    c.solid();
    c.stroke_gray(0.45);
    c.line_width(lw::FINE);
    c.polygon(&t, Paint::Stroke);
    c.hatch(&t, 0.0, v.d(0.5), lw::THIN);
    c.hatch(&t, 90.0, v.d(0.5), lw::THIN);
    c.stroke_gray(0.0);
    let p = v.p(3.75, -2.55);
    c.fill_gray(1.0);
    c.rect(p.0 - 9.0, p.1 - 2.2, 18.0, 6.0, Paint::Fill);
    c.fill_gray(0.0);
    c.text(p.0, p.1 + 1.0, 7.0, Bold, Align::Center, "Terrasse");
    c.text(p.0, p.1 - 1.6, 6.0, Regular, Align::Center, "Betonplatten");
    // Entrance landing with two steps and a canopy (dashed, above).
    let e = v.poly(&[(5.6, Y), (7.6, Y), (7.6, Y + 1.2), (5.6, Y + 1.2)]);
    c.polygon(&e, Paint::Stroke);
    c.line(v.p(5.6, Y + 0.9), v.p(7.6, Y + 0.9));
    c.line(v.p(5.6, Y + 0.6), v.p(7.6, Y + 0.6));
    c.dashed();
    c.polygon(
        &v.poly(&[(5.3, Y), (7.9, Y), (7.9, Y + 1.5), (5.3, Y + 1.5)]),
        Paint::Stroke,
    );
    c.solid();

    // Garage.
    let (gx0, gy0, gx1, gy1) = house::GARAGE;
    let t = house::GARAGE_WALL;
    let walls = [
        Wall::new(gx0, gy0, gx1, gy0 + t, WallKind::Bearing),
        Wall::new(gx0, gy1 - t, gx1, gy1, WallKind::Bearing),
        Wall::new(gx0, gy0 + t, gx0 + t, gy1 - t, WallKind::Bearing),
        Wall::new(gx1 - t, gy0 + t, gx1, gy1 - t, WallKind::Bearing),
    ];
    let openings = [
        Opening {
            wall: 1,
            from: gx0 + 0.37,
            to: gx1 - 0.37,
            kind: OpeningKind::GarageDoor,
            sill: 0.0,
            head: 2.125,
        },
        Opening {
            wall: 2,
            from: 3.4,
            to: 4.285,
            kind: OpeningKind::Door {
                hinge_at_start: true,
                to_positive: false,
            },
            sill: 0.0,
            head: 2.01,
        },
    ];
    // The sectional door runs inside; draw its track inward (dashed).
    draw_walls(c, v, &walls, &openings);
    c.solid();
    c.line_width(lw::FINE);
    let o = openings[0];
    c.dashed();
    c.line(v.p(o.from, gy1 - t - 0.1), v.p(o.to, gy1 - t - 0.1));
    c.line(v.p(o.from, gy1 - t - 0.1), v.p(o.from, gy1 - 2.4));
    c.line(v.p(o.to, gy1 - t - 0.1), v.p(o.to, gy1 - 2.4));
    c.solid();
    c.line_width(lw::MEDIUM);
    c.line(v.p(o.from, gy1 - t / 2.0), v.p(o.to, gy1 - t / 2.0));
    draw_openings(c, v, &walls, &openings[1..]);
    // Car outline.
    c.stroke_gray(0.4);
    c.line_width(lw::THIN);
    let car = v.poly(&[
        (gx0 + 0.7, gy0 + 0.8),
        (gx1 - 0.7, gy0 + 0.8),
        (gx1 - 0.7, gy1 - 1.0),
        (gx0 + 0.7, gy1 - 1.0),
    ]);
    c.polygon(&car, Paint::Stroke);
    c.stroke_gray(0.0);
    let m = v.p((gx0 + gx1) / 2.0, (gy0 + gy1) / 2.0);
    symbols::room_stamp(
        c,
        m,
        "Garage",
        (gx1 - gx0 - 2.0 * t) * (gy1 - gy0 - 2.0 * t),
        "Beton, gefilzt",
    );
    let p = v.p(gx0 + 0.5, gy1 + 0.4);
    c.text(
        p.0,
        p.1,
        6.0,
        Regular,
        Align::Left,
        "Sektionaltor 2,50/2,125",
    );
    let p = v.p(gx1, gy0);
    c.text_rot(
        p.0 + 20.0,
        p.1,
        6.5,
        Regular,
        Align::Left,
        90.0,
        "Grenzbebauung (Grenzgarage), Flachdach begrünt",
    );
    // Garage dimensions.
    symbols::dim_model_h(
        c,
        v,
        &[house::LEN_X, gx0, gx0 + t, gx1 - t, gx1],
        v.y(Y) + 8.0 - v.d(0.0),
        v.y(gy1),
    );
    symbols::dim_model_v(
        c,
        v,
        &[gy0, gy0 + t, gy1 - t, gy1],
        v.x(gx1) + 8.0,
        v.x(gx1),
    );
}

/// Exterior dimension chains on the four sides.
fn draw_dims(c: &mut Canvas<'_>, v: &View, st: &Storey, skip_north_total: bool) {
    let walls = &st.walls;
    let opening_pts = |wall: usize| -> (Vec<f64>, Vec<Option<f64>>) {
        let mut os: Vec<&Opening> = st.openings.iter().filter(|o| o.wall == wall).collect();
        os.sort_by(|a, b| a.from.total_cmp(&b.from));
        let end = if wall < 2 { X } else { Y };
        let mut pts = vec![0.0];
        let mut seg = Vec::new();
        for o in os {
            pts.push(o.from);
            seg.push(None);
            pts.push(o.to);
            seg.push(Some(o.height()));
        }
        pts.push(end);
        seg.push(None);
        (pts, seg)
    };
    // Structural points: inner walls meeting the outer wall.
    let structural = |wall: usize| -> Vec<f64> {
        let mut pts = vec![0.0, I];
        for w in walls.iter().skip(4) {
            match wall {
                0 if !w.horizontal() && (w.y0 - I).abs() < 0.01 => {
                    pts.push(w.x0);
                    pts.push(w.x1);
                }
                1 if !w.horizontal() && (w.y1 - (Y - I)).abs() < 0.01 => {
                    pts.push(w.x0);
                    pts.push(w.x1);
                }
                2 if w.horizontal() && (w.x0 - I).abs() < 0.01 => {
                    pts.push(w.y0);
                    pts.push(w.y1);
                }
                3 if w.horizontal() && (w.x1 - (X - I)).abs() < 0.01 => {
                    pts.push(w.y0);
                    pts.push(w.y1);
                }
                _ => {}
            }
        }
        let end = if wall < 2 { X } else { Y };
        pts.push(end - I);
        pts.push(end);
        pts.sort_by(|a, b| a.total_cmp(b));
        pts.dedup_by(|a, b| (*a - *b).abs() < 1e-6);
        pts
    };
    let d = [8.0, 15.0, 22.0];
    // South.
    let (pts, below) = opening_pts(0);
    let px: Vec<f64> = pts.iter().map(|x| v.x(*x)).collect();
    let vals: Vec<f64> = pts.windows(2).map(|w| w[1] - w[0]).collect();
    let fy = v.y(0.0) - if st.light_wells.is_empty() { 0.0 } else { 6.0 };
    symbols::dim_chain_h(c, &px, &vals, fy - d[0], fy, Some(&below));
    symbols::dim_model_h(c, v, &structural(0), fy - d[1], fy);
    symbols::dim_model_h(c, v, &[0.0, X], fy - d[2], fy);
    // North.
    let (pts, _) = opening_pts(1);
    let fy = v.y(Y) + if st.light_wells.is_empty() { 0.0 } else { 6.0 };
    if pts.len() > 2 {
        symbols::dim_model_h(c, v, &pts, fy + d[0], fy);
    }
    symbols::dim_model_h(c, v, &structural(1), fy + d[1], fy);
    if !skip_north_total {
        symbols::dim_model_h(c, v, &[0.0, X], fy + d[2], fy);
    }
    // West.
    let (pts, _) = opening_pts(2);
    let fx = v.x(0.0) - if st.light_wells.is_empty() { 0.0 } else { 6.0 };
    if pts.len() > 2 {
        symbols::dim_model_v(c, v, &pts, fx - d[0], fx);
    }
    symbols::dim_model_v(c, v, &structural(2), fx - d[1], fx);
    symbols::dim_model_v(c, v, &[0.0, Y], fx - d[2], fx);
    // East.
    let (pts, _) = opening_pts(3);
    let fx = v.x(X);
    if pts.len() > 2 {
        symbols::dim_model_v(c, v, &pts, fx + d[0], fx);
    }
    symbols::dim_model_v(c, v, &structural(3), fx + d[1], fx);
    symbols::dim_model_v(c, v, &[0.0, Y], fx + d[2], fx);
    // One interior chain through the southern rooms.
    let mut xs = vec![I];
    for w in walls.iter().skip(4) {
        if !w.horizontal() && w.y0 < 2.5 && w.y1 > 2.5 {
            xs.push(w.x0);
            xs.push(w.x1);
        }
    }
    xs.push(X - I);
    xs.sort_by(|a, b| a.total_cmp(b));
    if xs.len() > 2 {
        symbols::dim_model_h(c, v, &xs, v.y(1.1), v.y(1.1));
    }
}

/// Grid axes outside the building and the section line A-A.
fn draw_axes_and_section(c: &mut Canvas<'_>, v: &View, east_extra: f64) {
    let xa = [(0.1825, "1"), (7.5575, "2"), (X - 0.1825, "3")];
    let ya = [(0.1825, "A"), (5.12, "B"), (Y - 0.1825, "C")];
    c.line_width(lw::THIN);
    for (x, n) in xa {
        c.dash_dot();
        let px = v.x(x);
        c.line((px, v.y(0.0) - 5.0), (px, v.y(0.0) - 33.0));
        c.line((px, v.y(Y) + 5.0), (px, v.y(Y) + 33.0));
        symbols::axis_label(c, (px, v.y(0.0) - 36.5), n);
        symbols::axis_label(c, (px, v.y(Y) + 36.5), n);
        c.line_width(lw::THIN);
    }
    for (y, n) in ya {
        c.dash_dot();
        let py = v.y(y);
        c.line((v.x(0.0) - 5.0, py), (v.x(0.0) - 33.0, py));
        c.line(
            (v.x(X) + 5.0 + east_extra, py),
            (v.x(X) + 33.0 + east_extra, py),
        );
        symbols::axis_label(c, (v.x(0.0) - 36.5, py), n);
        symbols::axis_label(c, (v.x(X) + 36.5 + east_extra, py), n);
        c.line_width(lw::THIN);
    }
    // Section A-A, looking west.
    let px = v.x(house::SECTION_X);
    c.dash_dot();
    c.line_width(lw::FINE);
    c.line((px, v.y(0.0) - 40.0), (px, v.y(Y) + 40.0));
    symbols::section_end(c, (px, v.y(0.0) - 42.0), (0.0, 1.0), (-1.0, 0.0), "A");
    symbols::section_end(c, (px, v.y(Y) + 42.0), (0.0, -1.0), (-1.0, 0.0), "A");
    c.solid();
}

/// Draws one storey at `v` (without sheet furniture). Returns the model extent used.
pub fn draw_storey(c: &mut Canvas<'_>, v: &View, st: &Storey) {
    let is_eg = st.short == "EG";
    if is_eg {
        draw_eg_outside(c, v);
    }
    draw_light_wells(c, v, st);
    draw_furniture(c, v, &st.furniture);
    if let Some(s) = &st.stair {
        draw_stair(c, v, s, st.short);
    }
    draw_walls(c, v, &st.walls, &st.openings);
    draw_openings(c, v, &st.walls, &st.openings);
    // Room stamps.
    for r in &st.rooms {
        let p = v.p(
            (r.x0 + r.x1) / 2.0 + r.label_dx,
            (r.y0 + r.y1) / 2.0 + r.label_dy,
        );
        symbols::room_stamp(c, p, r.name, r.area(), r.finish);
    }
    // Levels.
    let main = &st.rooms[0];
    let lp = v.p(main.x0 + 0.5, main.y0 + 0.6);
    symbols::plan_level(
        c,
        lp,
        &format!("FFB {} / RFB {}", fmt_level(st.ffb), fmt_level(st.rfb)),
    );
    // Window sill heights next to each exterior window.
    for o in &st.openings {
        if o.wall < 4 && o.kind == OpeningKind::Window && o.sill > 0.0 {
            let mid = (o.from + o.to) / 2.0;
            let (p, ang) = match o.wall {
                0 => (v.p(mid, I + 0.25), 0.0),
                1 => (v.p(mid, Y - I - 0.45), 0.0),
                2 => (v.p(I + 0.45, mid), 90.0),
                _ => (v.p(X - I - 0.25, mid), 90.0),
            };
            c.text_rot(
                p.0,
                p.1,
                5.5,
                Regular,
                Align::Center,
                ang,
                &format!("BRH {}", de_num(o.sill, 2)),
            );
        }
    }
    if st.short == "DG" {
        draw_roof_lines(c, v);
    }
    draw_dims(c, v, st, false);
    draw_axes_and_section(
        c,
        v,
        if is_eg {
            v.d(house::GARAGE.2 - X) + 10.0
        } else {
            0.0
        },
    );
}

/// Attic: lines of 1,00 m and 2,00 m clear height, roof windows above (dashed).
fn draw_roof_lines(c: &mut Canvas<'_>, v: &View) {
    let t = house::ROOF_PITCH_DEG.to_radians().tan();
    for (h, label) in [(1.0, "LH 1,00 m"), (2.0, "LH 2,00 m")] {
        let d = I + (h - house::KNEE_WALL) / t;
        c.line_width(lw::FINE);
        c.dash(&[3.0, 1.0, 0.5, 1.0, 0.5, 1.0]);
        for y in [d, Y - d] {
            c.line(v.p(I, y), v.p(X - I, y));
            let p = v.p(X - I - 0.2, y + 0.06);
            c.solid();
            c.text(p.0, p.1, 5.5, Regular, Align::Right, label);
            c.dash(&[3.0, 1.0, 0.5, 1.0, 0.5, 1.0]);
        }
    }
    c.dashed();
    c.line_width(lw::FINE);
    for (x, y) in [(1.6, 1.3), (5.6, 1.3), (1.6, Y - 2.4)] {
        let r = v.poly(&[(x, y), (x + 0.78, y), (x + 0.78, y + 1.1), (x, y + 1.1)]);
        c.polygon(&r, Paint::Stroke);
        c.line(r[0], r[2]);
    }
    c.solid();
    let p = v.p(2.0, 1.2);
    c.text(
        p.0,
        p.1 - 2.0,
        5.5,
        Regular,
        Align::Left,
        "Dachflächenfenster 78/118",
    );
}

fn area_table(c: &mut Canvas<'_>, x: f64, top: f64, w: f64, st: &Storey, with_garage: bool) -> f64 {
    let mut y = top;
    c.text(
        x,
        y,
        8.0,
        Bold,
        Align::Left,
        &format!("Flächenzusammenstellung {}", st.name),
    );
    y -= 4.0;
    c.text(
        x,
        y,
        6.0,
        Regular,
        Align::Left,
        "Netto-Raumfläche nach DIN 277",
    );
    y -= 5.0;
    let mut sum = 0.0;
    for r in &st.rooms {
        c.text(x + 2.0, y, 7.0, Regular, Align::Left, r.name);
        c.text(
            x + w,
            y,
            7.0,
            Regular,
            Align::Right,
            &format!("{} m²", de_num(r.area(), 2)),
        );
        sum += r.area();
        y -= 3.8;
    }
    if with_garage {
        let (gx0, gy0, gx1, gy1) = house::GARAGE;
        let t = house::GARAGE_WALL;
        let a = (gx1 - gx0 - 2.0 * t) * (gy1 - gy0 - 2.0 * t);
        c.text(
            x + 2.0,
            y,
            7.0,
            Regular,
            Align::Left,
            "Garage (keine Wohnfläche)",
        );
        c.text(
            x + w,
            y,
            7.0,
            Regular,
            Align::Right,
            &format!("{} m²", de_num(a, 2)),
        );
        y -= 3.8;
    }
    c.line_width(lw::FINE);
    c.line((x, y + 2.6), (x + w, y + 2.6));
    c.text(
        x + 2.0,
        y - 0.6,
        7.0,
        Bold,
        Align::Left,
        &format!("Summe {}", st.short),
    );
    c.text(
        x + w,
        y - 0.6,
        7.0,
        Bold,
        Align::Right,
        &format!("{} m²", de_num(sum, 2)),
    );
    y - 6.0
}

/// A complete floor plan sheet.
pub fn sheet(c: &mut Canvas<'_>, st: &Storey, tb: &TitleBlock, paper: Paper) -> Rect {
    let (inner, tb_rect) = sheet_base(c, tb, paper);
    let col = right_column(inner, tb_rect);
    // On A1 the plan stays 1:100; the free space keeps the layout airy.
    // Drawing area left of the right column.
    let area_w = col.x - inner.x - 10.0;
    let is_eg = st.short == "EG";
    let model_w = if is_eg { house::GARAGE.2 } else { X };
    let v0 = View::new(0.0, 0.0, 100.0);
    let extra = if is_eg { 12.0 } else { 0.0 };
    let draw_w = v0.d(model_w) + 2.0 * 42.0 + extra;
    let draw_h = v0.d(Y) + 2.0 * 50.0;
    let ox = inner.x + (area_w - draw_w) / 2.0 + 42.0;
    let oy = inner.y + (inner.h - draw_h) / 2.0 + 50.0 + 8.0;
    let v = View::new(ox, oy, 100.0);
    draw_storey(c, &v, st);
    symbols::view_title(
        c,
        (v.x(0.0) - 30.0, inner.y + (inner.h - draw_h) / 2.0 - 2.0),
        &format!("Grundriss {}", st.name),
        "M 1:100",
    );

    // Right column: north arrow, legend, areas, notes.
    let mut y = col.top() - 8.0;
    symbols::north_arrow(c, (col.x + col.w - 22.0, y - 16.0), 9.0, 0.0);
    y = legend(c, col.x + 4.0, y, st.short == "KG");
    y -= 6.0;
    y = area_table(c, col.x + 4.0, y, col.w - 60.0, st, is_eg);
    y -= 4.0;
    let mut notes = vec![
        "Alle Maße sind Rohbaumaße in m bzw. cm.".to_string(),
        "Maße vor Ausführung am Bau prüfen.".to_string(),
        format!(
            "Höhenbezug: ±0,00 = OK FFB EG = {} m ü. NHN",
            de_num(house::NHN_ZERO, 2)
        ),
        "BRH = Brüstungshöhe über OK FFB".to_string(),
        "Fensterhöhen unter der Maßlinie: lichte Rohbauhöhe".to_string(),
    ];
    if st.short == "KG" {
        notes.push("Außenwände KG: WU-Beton 30 cm mit Perimeterdämmung".to_string());
        notes.push("Lichtschächte aus Kunststoff mit Gitterrost".to_string());
    }
    if st.short == "DG" {
        notes.push("LH = lichte Höhe unter der Dachschräge".to_string());
    }
    if st.short == "EG" {
        notes.push("Garage als Grenzgarage, freistehend, Flachdach begrünt".to_string());
    }
    notes_box(c, col.x + 4.0, y, col.w - 8.0, &notes);
    tb_rect
}
