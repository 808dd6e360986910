//! Section A-A (Schnitt) 1:100: cut north–south at x = 4,40 m, looking west.

use super::{notes_box, right_column, sheet_base};
use crate::canvas::{Align, Canvas, Paint, Pt, lw};
use crate::font::FontKind::{Bold, Regular};
use crate::house::{self, OpeningKind, Storey};
use crate::model::{Paper, TitleBlock};
use crate::sheet::Rect;
use crate::symbols::{self, View, fmt_level};

const Y: f64 = house::LEN_Y;
const I: f64 = house::EXT;
const SLAB: f64 = 0.20;

/// Paper point for horizontal position `h` (model y) and level `z`.
fn pt(v: &View, h: f64, z: f64) -> Pt {
    v.p(h, z)
}

fn poly(v: &View, pts: &[(f64, f64)]) -> Vec<Pt> {
    pts.iter().map(|(h, z)| pt(v, *h, *z)).collect()
}

/// A cut element: outline heavy, filled white, hatched.
fn cut(c: &mut Canvas<'_>, v: &View, pts: &[(f64, f64)], concrete: bool) {
    let p = poly(v, pts);
    c.solid();
    c.fill_gray(if concrete { 0.82 } else { 1.0 });
    c.line_width(lw::CUT);
    c.polygon(&p, Paint::FillStroke);
    c.fill_gray(0.0);
    if concrete {
        c.hatch(&p, 45.0, 1.6, lw::THIN);
        c.hatch(&p, 135.0, 1.6, lw::THIN);
    } else {
        c.hatch(&p, 45.0, 1.3, lw::THIN);
    }
}

/// Cut walls of one storey: walls running along x that contain the section line.
fn storey_walls(c: &mut Canvas<'_>, v: &View, st: &Storey, top: f64, is_dg: bool) {
    let sx = house::SECTION_X;
    for (i, w) in st.walls.iter().enumerate() {
        if !w.horizontal() || sx < w.x0 || sx > w.x1 {
            continue;
        }
        let concrete = st.short == "KG";
        let bottom = st.rfb;
        // Openings of this wall at the section line.
        let ops: Vec<_> = st
            .openings
            .iter()
            .filter(|o| o.wall == i && o.from <= sx && o.to >= sx)
            .collect();
        let outer_eaves = is_dg && (w.y0 < 0.01 || w.y1 > Y - 0.01);
        if outer_eaves {
            // Knee wall up to the roof underside.
            let (a, b) = (w.y0, w.y1);
            let da = a.min(Y - a);
            let db = b.min(Y - b);
            let za = st.ffb + house::roof_underside(da);
            let zb = st.ffb + house::roof_underside(db);
            cut(c, v, &[(a, bottom), (b, bottom), (b, zb), (a, za)], false);
            continue;
        }
        let top = if is_dg { st.ffb + st.clear_height } else { top };
        let mut z = bottom;
        let mut segs = Vec::new();
        for o in &ops {
            segs.push((z, st.ffb + o.sill, Some(o)));
            z = st.ffb + o.head;
        }
        segs.push((z, top, None));
        for (z0, z1, o) in segs {
            if z1 > z0 + 1e-6 {
                cut(
                    c,
                    v,
                    &[(w.y0, z0), (w.y1, z0), (w.y1, z1), (w.y0, z1)],
                    concrete,
                );
            }
            if let Some(o) = o {
                let (zs, zh) = (st.ffb + o.sill, st.ffb + o.head);
                c.line_width(lw::FINE);
                c.solid();
                if o.kind == OpeningKind::Window {
                    let m = (w.y0 + w.y1) / 2.0;
                    for d in [-0.04, 0.0, 0.04] {
                        c.line(pt(v, m + d, zs), pt(v, m + d, zh));
                    }
                    if o.sill > 0.0 {
                        // Sills inside and outside.
                        c.line(pt(v, w.y0 - 0.05, zs), pt(v, w.y1 + 0.05, zs));
                    }
                } else {
                    // A door seen in the cut wall: the frame head only.
                    c.line(pt(v, w.y0, zh), pt(v, w.y1, zh));
                }
            }
        }
    }
}

/// The whole section drawing with its origin (h = 0, ±0,00) at the view's origin.
pub fn draw_section(c: &mut Canvas<'_>, v: &View) {
    let storeys = house::storeys();
    let t = house::ROOF_PITCH_DEG.to_radians();
    let terrain = house::TERRAIN;
    let kg = &storeys[0];
    let found_bottom = kg.rfb - 0.25;

    // Earth around the basement.
    for (h0, h1) in [(-4.0, -0.12), (Y + 0.12, Y + 4.0)] {
        let p = poly(
            v,
            &[
                (h0, found_bottom - 0.4),
                (h1, found_bottom - 0.4),
                (h1, terrain),
                (h0, terrain),
            ],
        );
        c.stroke_gray(0.55);
        c.hatch(&p, 60.0, 2.2, lw::THIN);
        c.hatch(&p, 120.0, 4.4, lw::THIN);
        c.stroke_gray(0.0);
    }
    // Perimeter insulation.
    for h in [-0.12, Y] {
        let p = poly(
            v,
            &[
                (h, found_bottom),
                (h + 0.12, found_bottom),
                (h + 0.12, terrain + 0.3),
                (h, terrain + 0.3),
            ],
        );
        c.fill_gray(1.0);
        c.line_width(lw::FINE);
        c.polygon(&p, Paint::FillStroke);
        c.fill_gray(0.0);
        let mut zig = Vec::new();
        let mut z = found_bottom;
        let mut k = 0;
        while z < terrain + 0.3 {
            zig.push(pt(v, h + if k % 2 == 0 { 0.01 } else { 0.11 }, z));
            z += 0.12;
            k += 1;
        }
        c.line_width(lw::THIN);
        c.polyline(&zig);
    }
    // Terrain line.
    c.line_width(lw::HEAVY);
    c.line(pt(v, -4.0, terrain), pt(v, -0.12, terrain));
    c.line(pt(v, Y + 0.12, terrain), pt(v, Y + 4.0, terrain));
    // Gravel and blinding layer under the slab.
    let p = poly(
        v,
        &[
            (-0.3, found_bottom - 0.15),
            (Y + 0.3, found_bottom - 0.15),
            (Y + 0.3, found_bottom),
            (-0.3, found_bottom),
        ],
    );
    c.line_width(lw::FINE);
    c.polygon(&p, Paint::Stroke);
    c.hatch(&p, 0.0, 0.5, lw::THIN);
    // Foundation slab (Bodenplatte).
    cut(
        c,
        v,
        &[
            (-0.12, found_bottom),
            (Y + 0.12, found_bottom),
            (Y + 0.12, kg.rfb),
            (-0.12, kg.rfb),
        ],
        true,
    );

    // Slabs between storeys with the stair openings.
    for (k, st) in storeys.iter().enumerate() {
        let below = if k > 0 { Some(&storeys[k - 1]) } else { None };
        if let Some(b) = below {
            let stair = b.stair.as_ref();
            let (hole0, hole1) = stair
                .map(|s| (s.y_start - 0.1, s.landing_y()))
                .unwrap_or((0.0, 0.0));
            let z1 = st.rfb;
            let z0 = z1 - SLAB;
            let parts = if stair.is_some() {
                vec![(0.0, hole0), (hole1, Y)]
            } else {
                vec![(0.0, Y)]
            };
            for (a, b2) in parts {
                cut(c, v, &[(a, z0), (b2, z0), (b2, z1), (a, z1)], true);
            }
        }
        // Floor build-up (screed) as thin lines.
        c.line_width(lw::THIN);
        c.solid();
        let (a, b) = (I, Y - I);
        c.line(pt(v, a, st.ffb), pt(v, b, st.ffb));
        c.line(pt(v, a, st.ffb - 0.065), pt(v, b, st.ffb - 0.065));
    }

    // Walls.
    for (k, st) in storeys.iter().enumerate() {
        let top = storeys
            .get(k + 1)
            .map(|n| n.rfb - SLAB)
            .unwrap_or(st.ffb + st.clear_height);
        storey_walls(c, v, st, top, st.short == "DG");
    }

    // Stairs: flight 1 is cut (x = 3,615 … 4,615), with its landing.
    for (k, st) in storeys.iter().enumerate() {
        let Some(s) = st.stair else { continue };
        if k + 1 >= storeys.len() {
            continue;
        }
        let n = s.risers / 2;
        let mut pts = vec![(s.y_start - 0.02, st.ffb)];
        let mut z = st.ffb;
        let mut h = s.y_start;
        for i in 0..n {
            z += s.rise;
            pts.push((h, z));
            if i + 1 < n {
                h += s.going;
                pts.push((h, z));
            }
        }
        let landing_z = z;
        pts.push((s.y_end, landing_z));
        pts.push((s.y_end, landing_z - 0.18));
        pts.push((s.landing_y(), landing_z - 0.18));
        // Underside of the flight, parallel to the pitch line.
        let slope = (landing_z - st.ffb) / (s.landing_y() - s.y_start);
        pts.push((s.landing_y() - (landing_z - 0.18 - st.ffb) / slope, st.ffb));
        cut(c, v, &pts, true);
        // Flight 2 beyond the cut: seen, thin.
        c.line_width(lw::FINE);
        let top_z = landing_z + n as f64 * s.rise;
        c.line(pt(v, s.landing_y(), landing_z), pt(v, s.y_start, top_z));
        c.line(
            pt(v, s.landing_y(), landing_z - 0.18),
            pt(v, s.y_start, top_z - 0.18),
        );
        // Handrail, 0,90 above the pitch line.
        c.line(
            pt(v, s.y_start, st.ffb + 0.9),
            pt(v, s.landing_y(), landing_z + 0.9),
        );
    }

    // Roof: rafters cut on both sides, collar beam ceiling, ridge.
    let dg = &storeys[3];
    let ridge = house::ridge_level();
    let edge = house::eaves_edge_level();
    let thick = house::ROOF_THICKNESS / t.cos();
    let half = Y / 2.0;
    for south in [true, false] {
        let (e, r) = if south {
            (-house::EAVES_OVERHANG, half)
        } else {
            (Y + house::EAVES_OVERHANG, half)
        };
        let band = [(e, edge), (r, ridge), (r, ridge - thick), (e, edge - thick)];
        let p = poly(v, &band);
        c.fill_gray(1.0);
        c.line_width(lw::CUT);
        c.polygon(&p, Paint::FillStroke);
        c.fill_gray(0.0);
        // Insulation between rafters: zigzag along the slope.
        let steps = 60;
        let mut zig = Vec::new();
        for i in 0..=steps {
            let f = i as f64 / steps as f64;
            let hh = e + (r - e) * f;
            let zt = edge + (ridge - edge) * f;
            let inset = if i % 2 == 0 { 0.05 } else { thick - 0.08 };
            zig.push(pt(v, hh, zt - inset));
        }
        c.line_width(lw::THIN);
        c.polyline(&zig);
        // Tiles and battens above.
        c.line_width(lw::FINE);
        c.line(pt(v, e, edge + 0.06), pt(v, r, ridge + 0.06));
        // Gutter.
        c.circle(
            pt(v, e + if south { -0.06 } else { 0.06 }, edge - 0.05),
            v.d(0.07),
            Paint::Stroke,
        );
    }
    // Collar beam ceiling (Kehlbalkenlage) at 2,40 m above the attic floor.
    let zc = dg.ffb + dg.clear_height;
    let hc = (zc - (dg.ffb + house::KNEE_WALL)) / t.tan() + I;
    cut(
        c,
        v,
        &[
            (hc, zc),
            (Y - hc, zc),
            (Y - hc - 0.1, zc + 0.2),
            (hc + 0.1, zc + 0.2),
        ],
        false,
    );
    c.text(
        pt(v, half, zc + 0.8).0,
        pt(v, half, zc + 0.8).1,
        6.5,
        Regular,
        Align::Center,
        "Spitzboden (nicht ausgebaut)",
    );

    // Room names.
    let names = [
        ("Hobby", 2.5, kg.ffb),
        ("Flur", 7.0, kg.ffb),
        ("Wohnen / Essen", 2.5, 0.0),
        ("Diele", 7.2, 0.0),
        ("Eltern", 2.5, 2.9),
        ("Flur", 7.2, 2.9),
        ("Studio", 3.0, 5.8),
    ];
    for (n, h, z) in names {
        let p = pt(v, h, z + 1.1);
        c.text(p.0, p.1, 8.0, Bold, Align::Center, n);
    }

    // Levels on the south side.
    let lx = pt(v, -2.6, 0.0).0;
    let levels = [
        (terrain, "Gelände", false),
        (kg.ffb, "OK FFB KG", true),
        (0.0, "OK FFB EG", true),
        (2.9, "OK FFB OG", true),
        (5.8, "OK FFB DG", true),
        (house::eaves_level(), "Traufe", false),
        (ridge, "First", false),
    ];
    for (z, label, filled) in levels {
        let y = v.y(z);
        let lx = if label == "Gelände" { lx - 20.0 } else { lx };
        symbols::level_mark(c, (lx, y), &fmt_level(z), filled, label);
    }
    // Vertical dimension chains on the north side.
    let fx = v.x(Y + 0.12);
    symbols::dim_model_v(
        c,
        v,
        &[
            found_bottom,
            kg.ffb,
            0.0,
            2.9,
            5.8,
            house::eaves_level(),
            ridge,
        ],
        fx + 30.0,
        fx,
    );
    symbols::dim_model_v(
        c,
        v,
        &[
            kg.ffb,
            -0.35,
            0.0,
            2.55,
            2.9,
            5.45,
            5.8,
            dg.ffb + house::KNEE_WALL,
        ],
        fx + 22.0,
        fx,
    );
    // Horizontal chain under the building.
    let fy = v.y(found_bottom - 0.15);
    symbols::dim_model_h(c, v, &[0.0, I, 5.0, 5.24, Y - I, Y], fy - 8.0, fy);
    symbols::dim_model_h(c, v, &[0.0, Y], fy - 15.0, fy);
    // Axes.
    for (h, n) in [(0.1825, "A"), (5.12, "B"), (Y - 0.1825, "C")] {
        let px = v.x(h);
        c.line_width(lw::THIN);
        c.dash_dot();
        c.line((px, fy - 17.0), (px, fy - 24.0));
        symbols::axis_label(c, (px, fy - 27.5), n);
    }
    c.solid();
    // Orientation.
    let p = pt(v, -3.6, found_bottom - 0.2);
    c.text(p.0, p.1, 7.0, Bold, Align::Center, "Süd");
    let p = pt(v, Y + 3.6, found_bottom - 0.2);
    c.text(p.0, p.1, 7.0, Bold, Align::Center, "Nord");
}

fn build_up(c: &mut Canvas<'_>, x: f64, top: f64, title: &str, lines: &[&str]) -> f64 {
    c.text(x, top, 7.0, Bold, Align::Left, title);
    let mut y = top - 3.6;
    for l in lines {
        c.text(x + 2.0, y, 6.5, Regular, Align::Left, l);
        y -= 3.2;
    }
    y - 2.5
}

/// The section sheet.
pub fn sheet(c: &mut Canvas<'_>, tb: &TitleBlock, paper: Paper) -> Rect {
    let (inner, tb_rect) = sheet_base(c, tb, paper);
    let col = right_column(inner, tb_rect);
    let area_w = col.x - inner.x;
    // Model extent: h −5 … 14, z −3,6 … 10.
    let draw_w = 19.0 * 10.0 + 40.0;
    let ox = inner.x + (area_w - draw_w) / 2.0 + 50.0;
    let oy = inner.y + (inner.h - 180.0) / 2.0 + 80.0;
    let v = View::new(ox, oy, 100.0);
    draw_section(c, &v);
    symbols::view_title(c, (ox - 45.0, oy - 80.0), "Schnitt A-A", "M 1:100");

    let mut y = col.top() - 8.0;
    let x = col.x + 4.0;
    c.text(
        x,
        y,
        8.0,
        Bold,
        Align::Left,
        "Bauteilaufbauten (von oben nach unten)",
    );
    y -= 7.0;
    y = build_up(
        c,
        x,
        y,
        "Dach (Satteldach 30°)",
        &[
            "Betondachsteine, anthrazit",
            "Lattung 4/6, Konterlattung 4/6",
            "Unterdeckbahn, diffusionsoffen",
            "Sparren 8/22 cm, dazw. Mineralwolle WLS 035",
            "Dampfbremse, Lattung, Gipskarton 12,5 mm",
        ],
    );
    y = build_up(
        c,
        x,
        y,
        "Geschossdecke",
        &[
            "Parkett 1,5 cm / Fliesen",
            "Zementestrich CT-C25-F4 6,5 cm",
            "Trittschalldämmung EPS-T 3 cm",
            "Ausgleichsdämmung 4 cm",
            "Stahlbetondecke C25/30 20 cm",
        ],
    );
    y = build_up(
        c,
        x,
        y,
        "Außenwand EG/OG",
        &[
            "Außenputz mineralisch 2 cm",
            "Hochlochziegel gefüllt 36,5 cm, U = 0,18 W/m²K",
            "Innenputz 1,5 cm",
        ],
    );
    y = build_up(
        c,
        x,
        y,
        "Bodenplatte KG",
        &[
            "Zementestrich 6,5 cm auf Dämmung 8 cm",
            "Stahlbeton WU C30/37 25 cm",
            "Perimeterdämmung XPS 12 cm",
            "Sauberkeitsschicht 5 cm, Kies 15 cm",
        ],
    );
    let notes = vec![
        format!(
            "Höhenbezug: ±0,00 = OK FFB EG = {} m ü. NHN",
            symbols::de_num(house::NHN_ZERO, 2)
        ),
        format!(
            "Firsthöhe über Gelände: {} m",
            symbols::de_num(house::ridge_level() - house::TERRAIN, 2)
        ),
        "Schnittführung siehe Grundrisse".to_string(),
    ];
    notes_box(c, x, y - 2.0, col.w - 8.0, &notes);
    tb_rect
}
