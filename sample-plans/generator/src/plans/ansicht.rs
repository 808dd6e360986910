//! Elevations (Ansichten) 1:100, two per sheet.

use super::{notes_box, right_column, sheet_base};
use crate::canvas::{Align, Canvas, Paint, Pt, lw};
use crate::font::FontKind::{Bold, Regular};
use crate::house::{self, Opening, OpeningKind};
use crate::model::{Paper, TitleBlock};
use crate::sheet::Rect;
use crate::symbols::{self, View, fmt_level};

const X: f64 = house::LEN_X;
const Y: f64 = house::LEN_Y;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Nord,
    Sued,
    Ost,
    West,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Nord => "Nord",
            Side::Sued => "Süd",
            Side::Ost => "Ost",
            Side::West => "West",
        }
    }
    /// Index of the outer wall this side shows.
    fn wall(self) -> usize {
        match self {
            Side::Sued => 0,
            Side::Nord => 1,
            Side::West => 2,
            Side::Ost => 3,
        }
    }
    /// Width of the house facade.
    fn width(self) -> f64 {
        match self {
            Side::Nord | Side::Sued => X,
            _ => Y,
        }
    }
    /// Horizontal position in the view of a coordinate along the wall.
    fn h(self, a: f64) -> f64 {
        match self {
            Side::Sued | Side::Ost => a,
            Side::Nord => X - a,
            Side::West => Y - a,
        }
    }
    fn eaves_side(self) -> bool {
        matches!(self, Side::Nord | Side::Sued)
    }
    /// Horizontal extent (min, max) of everything drawn, for layout.
    pub fn extent(self) -> (f64, f64) {
        match self {
            Side::Sued => (-0.6, house::GARAGE.2 + 0.3),
            Side::Nord => (X - house::GARAGE.2 - 0.3, X + 0.6),
            _ => (
                -house::EAVES_OVERHANG - 0.3,
                Y + house::EAVES_OVERHANG + 0.3,
            ),
        }
    }
}

fn rect(c: &mut Canvas<'_>, v: &View, h0: f64, z0: f64, h1: f64, z1: f64, paint: Paint) {
    let a = v.p(h0.min(h1), z0);
    let b = v.p(h0.max(h1), z1);
    c.rect(a.0, a.1, b.0 - a.0, b.1 - a.1, paint);
}

fn window(c: &mut Canvas<'_>, v: &View, h: (f64, f64), z: (f64, f64), sill: bool, k: usize) {
    let (h0, h1) = (h.0.min(h.1), h.0.max(h.1));
    let (z0, z1) = z;
    c.solid();
    c.fill_gray(1.0);
    c.line_width(lw::MEDIUM);
    rect(c, v, h0, z0, h1, z1, Paint::FillStroke);
    c.fill_gray(0.0);
    let f = 0.07;
    c.line_width(lw::FINE);
    rect(c, v, h0 + f, z0 + f, h1 - f, z1 - f, Paint::Stroke);
    let w = h1 - h0;
    let sashes = if w > 1.9 {
        3
    } else if w > 1.2 {
        2
    } else {
        1
    };
    let sw = (w - 2.0 * f) / sashes as f64;
    c.line_width(lw::THIN);
    for s in 0..sashes {
        let a = h0 + f + sw * s as f64;
        let b = a + sw;
        if s > 0 {
            c.line_width(lw::FINE);
            c.line(v.p(a, z0 + f), v.p(a, z1 - f));
            c.line_width(lw::THIN);
        }
        // Opening marks: hinge side alternates; the triangle points to the handle.
        let hinge_left = (s + k).is_multiple_of(2);
        let (hh, oh) = if hinge_left { (a, b) } else { (b, a) };
        let zm = (z0 + z1) / 2.0;
        c.line(v.p(hh, z0 + f), v.p(oh, zm));
        c.line(v.p(hh, z1 - f), v.p(oh, zm));
        if sashes == 1 || s == 0 {
            // Tilt (Kipp) marks, dashed.
            c.dash(&[1.0, 0.6]);
            c.line(v.p(a, z1 - f), v.p((a + b) / 2.0, z0 + f));
            c.line(v.p(b, z1 - f), v.p((a + b) / 2.0, z0 + f));
            c.solid();
        }
    }
    if sill {
        c.line_width(lw::WIDE);
        c.line(v.p(h0 - 0.05, z0 - 0.03), v.p(h1 + 0.05, z0 - 0.03));
    }
}

fn front_door(c: &mut Canvas<'_>, v: &View, h0: f64, h1: f64, z0: f64, z1: f64) {
    let (h0, h1) = (h0.min(h1), h0.max(h1));
    c.solid();
    c.fill_gray(1.0);
    c.line_width(lw::MEDIUM);
    rect(c, v, h0, z0, h1, z1, Paint::FillStroke);
    c.fill_gray(0.0);
    c.line_width(lw::FINE);
    rect(c, v, h0 + 0.07, z0, h1 - 0.07, z1 - 0.07, Paint::Stroke);
    // Glass strip and handle bar.
    rect(c, v, h0 + 0.2, z0 + 0.3, h0 + 0.32, z1 - 0.3, Paint::Stroke);
    c.line_width(lw::WIDE);
    c.line(v.p(h1 - 0.2, z0 + 0.7), v.p(h1 - 0.2, z0 + 1.6));
}

fn garage_door(c: &mut Canvas<'_>, v: &View, h0: f64, h1: f64, z0: f64, z1: f64) {
    c.solid();
    c.fill_gray(1.0);
    c.line_width(lw::MEDIUM);
    rect(c, v, h0, z0, h1, z1, Paint::FillStroke);
    c.fill_gray(0.0);
    c.line_width(lw::THIN);
    let mut z = z0 + 0.5;
    while z < z1 - 0.05 {
        c.line(v.p(h0.min(h1), z), v.p(h0.max(h1), z));
        z += 0.5;
    }
}

/// Draws one elevation; `v` maps (h, z) with z = level.
pub fn draw_elevation(c: &mut Canvas<'_>, v: &View, side: Side) {
    let storeys = house::storeys();
    let t = house::ROOF_PITCH_DEG.to_radians();
    let w = side.width();
    let terrain = house::TERRAIN;
    let kg = &storeys[0];
    let found = kg.rfb - 0.25;
    let edge = house::eaves_edge_level();
    let ridge = house::ridge_level();
    let thick = house::ROOF_THICKNESS / t.cos();
    let (ext0, ext1) = side.extent();

    // Basement below ground, hidden.
    c.line_width(lw::FINE);
    c.dashed();
    rect(c, v, 0.0, found, w, terrain, Paint::Stroke);
    c.solid();

    // Facade.
    c.line_width(lw::HEAVY);
    c.fill_gray(1.0);
    if side.eaves_side() {
        rect(c, v, 0.0, terrain, w, edge - thick, Paint::FillStroke);
    } else {
        let zw = storeys[3].ffb + house::roof_underside(0.0);
        let p: Vec<Pt> = [
            (0.0, terrain),
            (w, terrain),
            (w, zw),
            (w / 2.0, ridge - thick),
            (0.0, zw),
        ]
        .iter()
        .map(|(h, z)| v.p(*h, *z))
        .collect();
        c.polygon(&p, Paint::FillStroke);
    }
    c.fill_gray(0.0);
    // Plinth (Sockel) up to ±0,00.
    c.fill_gray(0.86);
    c.line_width(lw::FINE);
    rect(c, v, 0.0, terrain, w, 0.0, Paint::FillStroke);
    c.fill_gray(0.0);

    // Openings of all storeys on this side.
    for st in &storeys {
        let mut ops: Vec<&Opening> = st
            .openings
            .iter()
            .filter(|o| o.wall == side.wall())
            .collect();
        ops.sort_by(|a, b| a.from.total_cmp(&b.from));
        for (k, o) in ops.iter().enumerate() {
            let (h0, h1) = (side.h(o.from), side.h(o.to));
            let (z0, z1) = (st.ffb + o.sill, st.ffb + o.head);
            if st.short == "KG" {
                // Basement window behind a light well: hidden, rim at the terrain.
                c.line_width(lw::FINE);
                c.dashed();
                rect(c, v, h0, z0, h1, z1, Paint::Stroke);
                c.solid();
                c.line_width(lw::MEDIUM);
                let (a, b) = (h0.min(h1) - 0.15, h0.max(h1) + 0.15);
                rect(c, v, a, terrain, b, terrain + 0.08, Paint::Stroke);
                continue;
            }
            match o.kind {
                OpeningKind::Door { .. } => front_door(c, v, h0, h1, z0, z1),
                _ => window(c, v, (h0, h1), (z0, z1), o.sill > 0.0, k),
            }
        }
    }

    // Entrance canopy and steps on the north side.
    if side == Side::Nord {
        let (a, b) = (side.h(7.9), side.h(5.3));
        c.line_width(lw::MEDIUM);
        c.fill_gray(1.0);
        rect(c, v, a, 2.45, b, 2.6, Paint::FillStroke);
        rect(
            c,
            v,
            side.h(7.6),
            terrain,
            side.h(5.6),
            -0.02,
            Paint::FillStroke,
        );
        c.fill_gray(0.0);
        c.line_width(lw::THIN);
        c.line(v.p(side.h(7.6), -0.16), v.p(side.h(5.6), -0.16));
    }

    // Roof.
    c.line_width(lw::HEAVY);
    c.fill_gray(1.0);
    if side.eaves_side() {
        let (a, b) = (-house::VERGE_OVERHANG, w + house::VERGE_OVERHANG);
        rect(c, v, a, edge - thick, b, ridge, Paint::FillStroke);
        c.fill_gray(0.0);
        c.line_width(lw::FINE);
        c.line(v.p(a, edge), v.p(b, edge));
        // Tile courses.
        c.line_width(lw::THIN);
        c.stroke_gray(0.35);
        let mut z = edge + 0.165;
        while z < ridge - 0.08 {
            c.line(v.p(a, z), v.p(b, z));
            z += 0.165;
        }
        c.stroke_gray(0.0);
        // Ridge cap and gutter.
        c.line_width(lw::WIDE);
        c.fill_gray(1.0);
        rect(c, v, a, ridge - 0.04, b, ridge + 0.08, Paint::FillStroke);
        rect(
            c,
            v,
            a - 0.05,
            edge - thick - 0.12,
            b + 0.05,
            edge - thick + 0.02,
            Paint::FillStroke,
        );
        c.fill_gray(0.0);
        // Roof windows, PV on the south roof.
        let roof_z = |d: f64| house::roof_top(d);
        let windows: &[f64] = if side == Side::Sued {
            &[1.6, 5.6]
        } else {
            &[1.6]
        };
        for x in windows {
            let (h0, h1) = (side.h(*x), side.h(x + 0.78));
            let (z0, z1) = (roof_z(1.3), roof_z(2.4));
            c.fill_gray(1.0);
            c.line_width(lw::MEDIUM);
            rect(c, v, h0, z0, h1, z1, Paint::FillStroke);
            c.fill_gray(0.0);
            c.line_width(lw::THIN);
            rect(
                c,
                v,
                h0 + 0.06 * side_sign(h0, h1),
                z0 + 0.05,
                h1 - 0.06 * side_sign(h0, h1),
                z1 - 0.05,
                Paint::Stroke,
            );
        }
        if side == Side::Sued {
            c.line_width(lw::FINE);
            for row in 0..2 {
                let d0 = 0.9 + row as f64 * 1.75;
                for k in 0..4 {
                    let x0 = 6.8 + k as f64 * 1.08;
                    c.fill_gray(0.78);
                    rect(
                        c,
                        v,
                        x0,
                        roof_z(d0),
                        x0 + 1.04,
                        roof_z(d0 + 1.7),
                        Paint::FillStroke,
                    );
                    c.fill_gray(0.0);
                    c.line(v.p(x0 + 0.52, roof_z(d0)), v.p(x0 + 0.52, roof_z(d0 + 1.7)));
                }
            }
        }
        // Downpipes.
        c.line_width(lw::FINE);
        for hp in [0.15, w - 0.15] {
            c.line(
                v.p(hp - 0.04, edge - thick - 0.12),
                v.p(hp - 0.04, terrain + 0.15),
            );
            c.line(
                v.p(hp + 0.04, edge - thick - 0.12),
                v.p(hp + 0.04, terrain + 0.15),
            );
        }
    } else {
        let e = house::EAVES_OVERHANG;
        let band: Vec<Pt> = [
            (-e, edge),
            (w / 2.0, ridge),
            (w + e, edge),
            (w + e, edge - thick),
            (w / 2.0, ridge - thick),
            (-e, edge - thick),
        ]
        .iter()
        .map(|(h, z)| v.p(*h, *z))
        .collect();
        c.polygon(&band, Paint::FillStroke);
        c.fill_gray(0.0);
        // Verge board line and gutter ends.
        c.line_width(lw::THIN);
        c.line(v.p(-e, edge - 0.08), v.p(w / 2.0, ridge - 0.08));
        c.line(v.p(w / 2.0, ridge - 0.08), v.p(w + e, edge - 0.08));
        c.line_width(lw::FINE);
        c.circle(
            v.p(-e - 0.06, edge - thick + 0.02),
            v.d(0.08),
            Paint::Stroke,
        );
        c.circle(
            v.p(w + e + 0.06, edge - thick + 0.02),
            v.d(0.08),
            Paint::Stroke,
        );
    }

    // Garage.
    let (gx0, gy0, gx1, gy1) = house::GARAGE;
    let gz = house::GARAGE_HEIGHT;
    let g = match side {
        Side::Sued => Some((gx0, gx1, None)),
        Side::Nord => Some((
            side.h(gx1),
            side.h(gx0),
            Some((side.h(gx1 - 0.37), side.h(gx0 + 0.37))),
        )),
        Side::Ost => Some((gy0, gy1, None)),
        Side::West => None,
    };
    if let Some((a, b, door)) = g {
        c.line_width(lw::HEAVY);
        c.fill_gray(1.0);
        rect(c, v, a, -0.05, b, gz, Paint::FillStroke);
        c.fill_gray(0.0);
        // Parapet with green roof.
        c.line_width(lw::FINE);
        rect(c, v, a - 0.03, gz - 0.15, b + 0.03, gz, Paint::Stroke);
        c.stroke_gray(0.4);
        let mut hh = a.min(b) + 0.15;
        while hh < a.max(b) - 0.1 {
            c.line(v.p(hh, gz), v.p(hh + 0.08, gz + 0.12));
            c.line(v.p(hh + 0.1, gz), v.p(hh + 0.12, gz + 0.1));
            hh += 0.3;
        }
        c.stroke_gray(0.0);
        if let Some((d0, d1)) = door {
            garage_door(c, v, d0, d1, -0.05, 2.125);
        }
    }

    // Terrain.
    c.line_width(lw::HEAVY);
    c.line(v.p(ext0 - 2.0, terrain), v.p(ext1 + 2.0, terrain));
    let strip: Vec<Pt> = [
        (ext0 - 2.0, terrain - 0.35),
        (ext1 + 2.0, terrain - 0.35),
        (ext1 + 2.0, terrain),
        (ext0 - 2.0, terrain),
    ]
    .iter()
    .map(|(h, z)| v.p(*h, *z))
    .collect();
    c.stroke_gray(0.5);
    c.hatch(&strip, 60.0, 1.8, lw::THIN);
    c.stroke_gray(0.0);

    // Levels right of the view.
    let lx = v.x(ext1) + 8.0;
    let mut levels = vec![
        (terrain, "Gelände"),
        (0.0, "OK FFB EG"),
        (2.9, "OK FFB OG"),
        (5.8, "OK FFB DG"),
        (ridge, "First"),
    ];
    if side.eaves_side() {
        levels.push((house::eaves_level(), "Traufe"));
    }
    for (z, l) in levels {
        let lx = if l == "Gelände" { lx + 20.0 } else { lx };
        symbols::level_mark(
            c,
            (lx, v.y(z)),
            &fmt_level(z),
            z.abs() < 1e-9 || l.starts_with("OK"),
            l,
        );
    }
    // Height chain left of the view.
    let fx = v.x(ext0);
    let mut zs = vec![terrain, 0.0];
    if side.eaves_side() {
        zs.push(house::eaves_level());
    }
    zs.push(ridge);
    symbols::dim_model_v(c, v, &zs, fx - 10.0, fx);
}

fn side_sign(h0: f64, h1: f64) -> f64 {
    if h1 >= h0 { 1.0 } else { -1.0 }
}

/// Places two elevations side by side on one sheet.
pub fn sheet(c: &mut Canvas<'_>, tb: &TitleBlock, paper: Paper, sides: [Side; 2]) -> Rect {
    let (inner, tb_rect) = sheet_base(c, tb, paper);
    let col = right_column(inner, tb_rect);
    let area_w = col.x - inner.x - 10.0;
    let s = 10.0; // mm per m at 1:100
    let widths: Vec<f64> = sides
        .iter()
        .map(|sd| {
            let (a, b) = sd.extent();
            (b - a) * s + 60.0
        })
        .collect();
    let total: f64 = widths.iter().sum();
    let gap = ((area_w - total) / 3.0).max(10.0);
    let base_y = inner.y + inner.h * 0.42;
    let mut x = inner.x + gap;
    for (sd, wdt) in sides.iter().zip(&widths) {
        let (a, _) = sd.extent();
        let ox = x + 25.0 - a * s;
        let v = View::new(ox, base_y, 100.0);
        draw_elevation(c, &v, *sd);
        symbols::view_title(
            c,
            (x + 10.0, base_y - 60.0),
            &format!("Ansicht {}", sd.name()),
            "M 1:100",
        );
        x += wdt + gap;
    }

    // Right column: materials and notes.
    let mut y = col.top() - 8.0;
    let cx = col.x + 4.0;
    c.text(cx, y, 8.0, Bold, Align::Left, "Materialien und Farben");
    y -= 6.0;
    for (k, text) in [
        "Außenputz mineralisch, Kratzputz, weiß (RAL 9010)",
        "Sockelputz, hellgrau (RAL 7035)",
        "Dach: Betondachsteine, anthrazit (RAL 7016)",
        "Fenster: Kunststoff, weiß, 3-fach-Verglasung",
        "Haustür: Aluminium, anthrazit",
        "Dachrinne und Fallrohre: Titanzink",
        "PV-Module: 8 Stück, ca. 3,4 kWp",
        "Garage: Putz weiß, Flachdach extensiv begrünt",
    ]
    .iter()
    .enumerate()
    {
        c.text(
            cx,
            y,
            7.0,
            Regular,
            Align::Left,
            &format!("{}  {}", k + 1, text),
        );
        y -= 4.2;
    }
    y -= 4.0;
    let notes = vec![
        format!(
            "Höhenbezug: ±0,00 = OK FFB EG = {} m ü. NHN",
            symbols::de_num(house::NHN_ZERO, 2)
        ),
        format!(
            "Traufhöhe über Gelände: {} m, Firsthöhe: {} m",
            symbols::de_num(house::eaves_level() - house::TERRAIN, 2),
            symbols::de_num(house::ridge_level() - house::TERRAIN, 2)
        ),
        "Dachneigung 30°, Satteldach, First in Ost-West-Richtung".to_string(),
        "Geländeverlauf: geplantes Gelände".to_string(),
    ];
    notes_box(c, cx, y, col.w - 8.0, &notes);
    tb_rect
}
