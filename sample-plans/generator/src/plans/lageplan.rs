//! Site plan (Lageplan) 1:500 on the basis of a fictional extract of the cadastral map.

use super::{notes_box, right_column, sheet_base};
use crate::canvas::{Align, Canvas, Paint, Pt, lw};
use crate::font::FontKind::{Bold, Regular};
use crate::house;
use crate::model::{Paper, TitleBlock};
use crate::sheet::Rect;
use crate::symbols::{self, View, de_num};

/// The plot Flurstück 123/4, counter-clockwise from the south-west corner (m).
pub const PLOT: [(f64, f64); 4] = [(0.0, 0.0), (21.0, 0.5), (21.0, 34.0), (-0.3, 33.6)];
/// Position of the house origin (south-west outer corner) on the plot.
pub const HOUSE_AT: (f64, f64) = (3.51, 19.0);

/// Plot area by the shoelace formula.
pub fn plot_area() -> f64 {
    let n = PLOT.len();
    let mut a = 0.0;
    for i in 0..n {
        let (x0, y0) = PLOT[i];
        let (x1, y1) = PLOT[(i + 1) % n];
        a += x0 * y1 - x1 * y0;
    }
    a.abs() / 2.0
}

/// Built-over area of house and garage.
pub fn built_area() -> f64 {
    let (gx0, gy0, gx1, gy1) = house::GARAGE;
    house::footprint() + (gx1 - gx0) * (gy1 - gy0)
}

/// y of the north boundary at x.
fn north_y(x: f64) -> f64 {
    let (a, b) = (PLOT[3], PLOT[2]);
    a.1 + (x - a.0) / (b.0 - a.0) * (b.1 - a.1)
}

fn poly(v: &View, pts: &[(f64, f64)]) -> Vec<Pt> {
    v.poly(pts)
}

fn rect_pts(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}

fn existing_building(c: &mut Canvas<'_>, v: &View, pts: &[(f64, f64)], label: &str) {
    let p = poly(v, pts);
    c.solid();
    c.fill_gray(0.88);
    c.line_width(lw::MEDIUM);
    c.polygon(&p, Paint::FillStroke);
    c.fill_gray(0.0);
    c.hatch(&p, 45.0, 1.2, lw::THIN);
    let n = pts.len() as f64;
    let cx = pts.iter().map(|q| q.0).sum::<f64>() / n;
    let cy = pts.iter().map(|q| q.1).sum::<f64>() / n;
    let m = v.p(cx, cy);
    c.fill_gray(1.0);
    let w = c.text_width(Regular, 6.5, label) + 2.0;
    c.rect(m.0 - w / 2.0, m.1 - 1.8, w, 4.2, Paint::Fill);
    c.fill_gray(0.0);
    c.text(m.0, m.1 - 0.9, 6.5, Regular, Align::Center, label);
}

fn tree(c: &mut Canvas<'_>, v: &View, at: (f64, f64), r: f64, existing: bool) {
    let p = v.p(at.0, at.1);
    c.solid();
    c.line_width(lw::THIN);
    if existing {
        c.circle(p, v.d(r), Paint::Stroke);
    } else {
        c.dash(&[1.0, 0.6]);
        c.circle(p, v.d(r), Paint::Stroke);
        c.solid();
    }
    c.circle(p, 0.5, Paint::Fill);
    // Crown lobes.
    for k in 0..8 {
        let a = (k as f64 * 45.0).to_radians();
        let q = (p.0 + v.d(r) * 0.7 * a.cos(), p.1 + v.d(r) * 0.7 * a.sin());
        c.line(p, q);
    }
}

/// Draws the site plan with the plot origin at the view origin.
pub fn draw_site(c: &mut Canvas<'_>, v: &View) {
    let (hx, hy) = HOUSE_AT;
    // Street Lindenweg with sidewalks (Flurstück 140).
    let street_s = 33.4;
    let street_n = 42.0;
    let (sx0, sx1) = (-30.0, 52.0);
    c.solid();
    c.fill_gray(0.93);
    c.polygon(
        &poly(v, &rect_pts(sx0, street_s, sx1, street_n)),
        Paint::Fill,
    );
    c.fill_gray(0.0);
    c.line_width(lw::FINE);
    c.line(v.p(sx0, street_s + 1.6), v.p(sx1, street_s + 1.6 + 0.1));
    c.line(v.p(sx0, street_n - 1.6), v.p(sx1, street_n - 1.6));
    c.dash(&[4.0, 3.0]);
    c.line(
        v.p(sx0, (street_s + street_n) / 2.0),
        v.p(sx1, (street_s + street_n) / 2.0),
    );
    c.solid();
    let m = v.p(10.0, (street_s + street_n) / 2.0 + 0.9);
    c.text(m.0, m.1, 10.0, Bold, Align::Center, "Lindenweg");
    let m = v.p(35.0, street_n - 1.2);
    c.text(
        m.0,
        m.1,
        6.0,
        Regular,
        Align::Center,
        "Flurstück 140 (Straße)",
    );

    // Cadastral boundaries around.
    c.line_width(lw::FINE);
    let lines: [[(f64, f64); 2]; 9] = [
        [(-22.0, -0.4), (0.0, 0.0)],
        [(-22.0, 33.2), (-0.3, 33.6)],
        [(-22.0, -0.4), (-22.0, 33.2)],
        [(21.0, 0.5), (44.0, 0.9)],
        [(21.0, 34.0), (44.0, 34.3)],
        [(44.0, 0.9), (44.0, 34.3)],
        [(0.0, 0.0), (0.2, -14.0)],
        [(21.0, 0.5), (21.3, -14.0)],
        [(-22.0, -0.4), (-22.2, -14.0)],
    ];
    for l in lines {
        c.line(v.p(l[0].0, l[0].1), v.p(l[1].0, l[1].1));
    }
    c.line(v.p(44.0, 0.9), v.p(44.3, -14.0));
    // North side across the street.
    c.line(v.p(sx0, street_n), v.p(sx1, street_n));
    c.line(v.p(-5.0, street_n), v.p(-5.0, 60.0));
    c.line(v.p(18.0, street_n), v.p(18.0, 60.0));
    c.line(v.p(40.0, street_n), v.p(40.0, 60.0));
    // Boundary points.
    for q in [
        (0.0, 0.0),
        (21.0, 0.5),
        (21.0, 34.0),
        (-0.3, 33.6),
        (-22.0, -0.4),
        (-22.0, 33.2),
        (44.0, 0.9),
        (44.0, 34.3),
    ] {
        c.fill_gray(1.0);
        c.circle(v.p(q.0, q.1), 0.6, Paint::FillStroke);
        c.fill_gray(0.0);
    }
    // Parcel numbers.
    for (x, y, t) in [
        (-11.0, 5.0, "123/3"),
        (32.5, 5.0, "123/5"),
        (10.5, -9.0, "130/1"),
        (-11.0, -9.0, "130/2"),
        (6.5, 51.0, "118/2"),
        (29.0, 51.0, "119"),
    ] {
        let p = v.p(x, y);
        c.text(p.0, p.1, 8.0, Regular, Align::Center, t);
    }

    // Neighbouring buildings (Bestand).
    existing_building(c, v, &rect_pts(-17.0, 17.0, -6.5, 27.0), "Nr. 10");
    existing_building(c, v, &rect_pts(-5.8, 22.0, -3.0, 28.0), "Ga");
    existing_building(c, v, &rect_pts(27.0, 16.5, 38.5, 26.5), "Nr. 14");
    existing_building(c, v, &rect_pts(22.0, 20.0, 25.0, 26.0), "Ga");
    existing_building(c, v, &rect_pts(-2.0, 45.0, 10.0, 54.0), "Nr. 11");
    existing_building(c, v, &rect_pts(22.0, 45.5, 33.0, 55.0), "Nr. 13");
    existing_building(c, v, &rect_pts(4.0, -12.0, 15.0, -3.0), "Nr. 5");

    // Distance areas (Abstandsflächen), 3,00 m around the house.
    let t = 3.0;
    let (x0, y0, x1, y1) = (hx, hy, hx + house::LEN_X, hy + house::LEN_Y);
    let af = poly(v, &rect_pts(x0 - t, y0 - t, x1 + t, y1 + t));
    c.stroke_gray(0.45);
    c.line_width(lw::FINE);
    c.dashed();
    c.polygon(&af, Paint::Stroke);
    c.solid();
    c.save();
    c.hatch(&af, 135.0, 1.5, lw::THIN);
    c.restore();
    c.stroke_gray(0.0);

    // Paving: driveway and parking space in front of the garage, path, terrace.
    let (gx0, gy0, gx1, gy1) = house::GARAGE;
    let drive = rect_pts(hx + gx0, hy + gy1, hx + gx1, north_y(hx + gx1));
    let path = rect_pts(hx + 6.0, hy + house::LEN_Y, hx + 7.5, north_y(hx + 7.5));
    let terrace = rect_pts(hx + 0.5, hy - 3.0, hx + 7.0, hy);
    for p in [&drive, &path, &terrace] {
        let pp = poly(v, p);
        c.fill_gray(1.0);
        c.line_width(lw::FINE);
        c.polygon(&pp, Paint::FillStroke);
        c.fill_gray(0.0);
        c.stroke_gray(0.5);
        c.hatch(&pp, 0.0, 1.0, lw::THIN);
        c.hatch(&pp, 90.0, 1.0, lw::THIN);
        c.stroke_gray(0.0);
    }
    let m = v.p(hx + (gx0 + gx1) / 2.0, hy + gy1 + 2.4);
    c.fill_gray(1.0);
    c.rect(m.0 - 4.5, m.1 - 1.6, 9.0, 3.6, Paint::Fill);
    c.fill_gray(0.0);
    c.text(m.0, m.1 - 0.8, 6.0, Bold, Align::Center, "Stpl. 2");

    // The new building (red, as required for planned buildings) and the garage.
    let hpoly = poly(v, &rect_pts(x0, y0, x1, y1));
    let gpoly = poly(v, &rect_pts(hx + gx0, hy + gy0, hx + gx1, hy + gy1));
    c.fill_rgb(0.86, 0.2, 0.16);
    c.line_width(lw::WIDE);
    c.polygon(&hpoly, Paint::FillStroke);
    c.fill_rgb(0.93, 0.55, 0.5);
    c.polygon(&gpoly, Paint::FillStroke);
    c.fill_gray(0.0);
    // Ridge line.
    c.stroke_gray(1.0);
    c.line_width(lw::FINE);
    c.dash_dot();
    c.line(
        v.p(x0 - 0.3, hy + house::LEN_Y / 2.0),
        v.p(x1 + 0.3, hy + house::LEN_Y / 2.0),
    );
    c.solid();
    c.stroke_gray(0.0);
    let m = v.p((x0 + x1) / 2.0, hy + 2.6);
    c.fill_gray(1.0);
    c.text(m.0, m.1, 7.0, Bold, Align::Center, "Neubau EFH");
    c.text(m.0, m.1 - 3.2, 6.0, Regular, Align::Center, "II, SD 30°");
    c.fill_gray(0.0);
    let m = v.p(hx + (gx0 + gx1) / 2.0, hy + (gy0 + gy1) / 2.0);
    c.text(m.0, m.1 - 1.0, 6.0, Bold, Align::Center, "Ga");
    let p = v.p(hx + (gx0 + gx1) / 2.0, hy + gy0 - 1.5);
    c.text(p.0, p.1, 5.5, Regular, Align::Center, "Stpl. 1");

    // Plot boundary, emphasised.
    let pp = poly(v, &PLOT);
    c.line_width(1.0);
    c.dash(&[5.0, 1.0, 0.5, 1.0, 0.5, 1.0]);
    c.polygon(&pp, Paint::Stroke);
    c.solid();
    let m = v.p(13.5, 10.5);
    c.text(m.0, m.1, 11.0, Bold, Align::Center, "123/4");
    c.text(
        m.0,
        m.1 - 4.5,
        6.5,
        Regular,
        Align::Center,
        &format!("{} m²", de_num(plot_area(), 0)),
    );

    // Trees.
    tree(c, v, (6.0, 8.0), 3.5, true);
    tree(c, v, (16.0, 4.5), 2.8, false);
    tree(c, v, (2.0, 30.5), 2.0, false);
    let p = v.p(6.0, 8.0 - 4.5);
    c.text(
        p.0,
        p.1,
        5.5,
        Regular,
        Align::Center,
        "Linde (Bestand, bleibt)",
    );

    // Distances to the boundaries.
    symbols::dim_model_h(
        c,
        v,
        &[PLOT[0].0, x0, x1, PLOT[1].0],
        v.y(y0 - 4.5),
        v.y(y0 - 4.5),
    );
    symbols::dim_model_v(
        c,
        v,
        &[0.1, y0, y1, north_y(x0 - 1.6)],
        v.x(x0 - 1.6),
        v.x(x0 - 1.6),
    );
    symbols::dim_model_h(
        c,
        v,
        &[x1, hx + gx0, hx + gx1],
        v.y(hy + gy0 - 3.2),
        v.y(hy + gy0),
    );
    symbols::dim_model_v(
        c,
        v,
        &[hy + gy0, hy + gy1],
        v.x(hx + gx1) + 6.0,
        v.x(hx + gx1),
    );

    // Terrain heights (m ü. NHN).
    for (x, y, h) in [
        (0.8, 1.2, 181.72),
        (20.0, 1.6, 181.85),
        (20.0, 32.8, 182.31),
        (0.8, 32.6, 182.18),
    ] {
        let p = v.p(x, y);
        c.line_width(lw::THIN);
        c.line((p.0 - 0.8, p.1 - 0.8), (p.0 + 0.8, p.1 + 0.8));
        c.line((p.0 - 0.8, p.1 + 0.8), (p.0 + 0.8, p.1 - 0.8));
        c.text(
            p.0 + 1.2,
            p.1 - 0.8,
            5.5,
            Regular,
            Align::Left,
            &de_num(h, 2),
        );
    }
    let p = v.p(hx + 0.5, hy + house::LEN_Y - 1.6);
    c.fill_gray(1.0);
    c.text(
        p.0,
        p.1,
        5.5,
        Regular,
        Align::Left,
        &format!("±0,00 = {}", de_num(house::NHN_ZERO, 2)),
    );
    c.fill_gray(0.0);
    // District labels.
    let p = v.p(-20.0, -12.0);
    c.text(p.0, p.1, 9.0, Bold, Align::Left, "Flur 7");
    let p = v.p(-20.0, 56.0);
    c.text(p.0, p.1, 9.0, Bold, Align::Left, "Gemarkung Kassel");
}

fn legend_line(c: &mut Canvas<'_>, x: f64, y: f64, kind: u8, text: &str) {
    c.solid();
    match kind {
        0 => {
            c.line_width(1.0);
            c.dash(&[5.0, 1.0, 0.5, 1.0, 0.5, 1.0]);
            c.line((x, y + 1.8), (x + 12.0, y + 1.8));
            c.solid();
        }
        1 => {
            c.fill_rgb(0.86, 0.2, 0.16);
            c.line_width(lw::WIDE);
            c.rect(x, y, 12.0, 4.0, Paint::FillStroke);
            c.fill_gray(0.0);
        }
        2 => {
            let p = [(x, y), (x + 12.0, y), (x + 12.0, y + 4.0), (x, y + 4.0)];
            c.fill_gray(0.88);
            c.line_width(lw::MEDIUM);
            c.polygon(&p, Paint::FillStroke);
            c.fill_gray(0.0);
            c.hatch(&p, 45.0, 1.2, lw::THIN);
        }
        3 => {
            let p = [(x, y), (x + 12.0, y), (x + 12.0, y + 4.0), (x, y + 4.0)];
            c.stroke_gray(0.45);
            c.line_width(lw::FINE);
            c.dashed();
            c.polygon(&p, Paint::Stroke);
            c.solid();
            c.hatch(&p, 135.0, 1.5, lw::THIN);
            c.stroke_gray(0.0);
        }
        _ => {
            let p = [(x, y), (x + 12.0, y), (x + 12.0, y + 4.0), (x, y + 4.0)];
            c.line_width(lw::FINE);
            c.polygon(&p, Paint::Stroke);
            c.stroke_gray(0.5);
            c.hatch(&p, 0.0, 1.0, lw::THIN);
            c.hatch(&p, 90.0, 1.0, lw::THIN);
            c.stroke_gray(0.0);
        }
    }
    c.text(x + 15.0, y + 1.0, 7.0, Regular, Align::Left, text);
}

/// The site plan sheet.
pub fn sheet(c: &mut Canvas<'_>, tb: &TitleBlock, paper: Paper) -> Rect {
    let (inner, tb_rect) = sheet_base(c, tb, paper);
    let col = right_column(inner, tb_rect);
    // Model window x −24 … 48, y −14 … 58 (72 × 72 m = 144 mm at 1:500).
    let area_w = col.x - inner.x;
    let ox = inner.x + (area_w - 144.0) / 2.0 + 24.0 * 2.0;
    let oy = inner.y + (inner.h - 150.0) / 2.0 + 14.0 * 2.0 + 6.0;
    let v = View::new(ox, oy, 500.0);
    c.save();
    let clip = [
        v.p(-24.0, -14.0),
        v.p(48.0, -14.0),
        v.p(48.0, 58.0),
        v.p(-24.0, 58.0),
    ];
    c.clip_polygon(&clip);
    draw_site(c, &v);
    c.restore();
    c.line_width(lw::FINE);
    c.polygon(&clip, Paint::Stroke);
    symbols::view_title(c, (clip[0].0, clip[0].1 - 9.0), "Lageplan", "M 1:500");
    symbols::scale_bar(c, (clip[1].0 - 52.0, clip[1].1 - 8.0), 500.0, 5.0, 5);

    let x = col.x + 4.0;
    let mut y = col.top() - 7.0;
    symbols::north_arrow(c, (col.x + col.w - 16.0, y - 12.0), 8.0, 0.0);
    c.text(x, y, 8.0, Bold, Align::Left, "Legende");
    y -= 7.0;
    for (k, t) in [
        (0u8, "Grenze des Baugrundstücks"),
        (1, "geplante Bebauung (rot)"),
        (2, "vorhandene Bebauung"),
        (3, "Abstandsflächen T = 0,4 H, mind. 3,00 m"),
        (4, "befestigte Flächen (Pflaster)"),
    ] {
        legend_line(c, x, y, k, t);
        y -= 6.0;
    }
    y -= 3.0;
    c.text(x, y, 8.0, Bold, Align::Left, "Grundstücksdaten");
    y -= 5.0;
    let area = plot_area();
    let built = built_area();
    let rows = [
        (
            "Grundstücksfläche".to_string(),
            format!("{} m²", de_num(area, 2)),
        ),
        (
            "überbaute Fläche (Haus + Garage)".to_string(),
            format!("{} m²", de_num(built, 2)),
        ),
        (
            "GRZ vorhanden / zulässig".to_string(),
            format!("{} / 0,40", de_num(built / area, 2)),
        ),
        (
            "GFZ vorhanden / zulässig".to_string(),
            format!("{} / 0,80", de_num(2.0 * house::footprint() / area, 2)),
        ),
        (
            "Vollgeschosse vorhanden / zulässig".to_string(),
            "II / II".to_string(),
        ),
        (
            "Bebauungsplan".to_string(),
            "Nr. VII/42 „Am Lindenweg“".to_string(),
        ),
    ];
    for (k, val) in rows {
        c.text(x + 2.0, y, 6.5, Regular, Align::Left, &k);
        c.text(x + col.w - 10.0, y, 6.5, Regular, Align::Right, &val);
        y -= 3.6;
    }
    y -= 3.0;
    let notes = vec![
        "Grundlage: Auszug aus der Liegenschaftskarte (fiktiv)".to_string(),
        format!(
            "Höhen in m ü. NHN; ±0,00 = {} m ü. NHN",
            de_num(house::NHN_ZERO, 2)
        ),
        "Maße in m; Abstände rechtwinklig zur Grenze".to_string(),
        "Garage als Grenzgarage nach § 6 Abs. 10 HBO".to_string(),
    ];
    notes_box(c, x, y, col.w - 8.0, &notes);
    tb_rect
}
