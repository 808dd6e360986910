//! The sheets of the Bauantrag: one module per kind of plan, and the parts they share.

pub mod ansicht;
pub mod grundriss;
pub mod lageplan;
pub mod schnitt;
pub mod text;

use crate::canvas::{Align, Canvas, Paint, lw};
use crate::font::FontKind::{Bold, Regular};
use crate::model::{Paper, TitleBlock};
use crate::sheet::{self, Rect};

/// Frame and title block; returns the inner frame area and the title block rectangle.
pub fn sheet_base(c: &mut Canvas<'_>, tb: &TitleBlock, paper: Paper) -> (Rect, Rect) {
    let inner = sheet::frame(c);
    let r = sheet::title_block(c, inner, tb, paper.name());
    (inner, r)
}

/// The free column above the title block and its revision table.
pub fn right_column(inner: Rect, tb_rect: Rect) -> Rect {
    // The revision table is at most 5 rows of 4,5 mm.
    let y = tb_rect.top() + 4.5 * 5.0 + 6.0;
    Rect {
        x: tb_rect.x,
        y,
        w: tb_rect.w,
        h: inner.top() - y,
    }
}

fn legend_item(c: &mut Canvas<'_>, x: f64, y: f64, kind: u8, text: &str) {
    let poly = [(x, y), (x + 10.0, y), (x + 10.0, y + 4.0), (x, y + 4.0)];
    c.solid();
    match kind {
        0 => {
            c.line_width(lw::WIDE);
            c.polygon(&poly, Paint::Stroke);
            c.hatch(&poly, 45.0, 1.3, lw::THIN);
        }
        1 => {
            c.line_width(lw::WIDE);
            c.polygon(&poly, Paint::Stroke);
            c.hatch(&poly, 45.0, 0.7, lw::THIN);
        }
        2 => {
            c.fill_gray(0.72);
            c.line_width(lw::WIDE);
            c.polygon(&poly, Paint::FillStroke);
            c.fill_gray(0.0);
        }
        3 => {
            c.fill_gray(0.82);
            c.line_width(lw::WIDE);
            c.polygon(&poly, Paint::FillStroke);
            c.fill_gray(0.0);
            c.hatch(&poly, 45.0, 1.6, lw::THIN);
            c.hatch(&poly, 135.0, 1.6, lw::THIN);
        }
        4 => {
            c.line_width(lw::WIDE);
            c.polygon(&poly, Paint::Stroke);
            c.hatch(&poly, 0.0, 1.0, lw::THIN);
            c.hatch(&poly, 90.0, 1.0, lw::THIN);
        }
        _ => {
            c.line_width(lw::WIDE);
            c.polygon(&poly, Paint::Stroke);
            // Insulation: a zigzag.
            let mut pts = Vec::new();
            for i in 0..=10 {
                pts.push((x + i as f64, if i % 2 == 0 { y + 0.4 } else { y + 3.6 }));
            }
            c.line_width(lw::THIN);
            c.polyline(&pts);
        }
    }
    c.text(x + 13.0, y + 1.0, 7.0, Regular, Align::Left, text);
}

/// The material legend; returns the y below it.
pub fn legend(c: &mut Canvas<'_>, x: f64, top: f64, basement: bool) -> f64 {
    c.text(x, top, 8.0, Bold, Align::Left, "Legende");
    let mut y = top - 8.0;
    let items: Vec<(u8, &str)> = if basement {
        vec![
            (3, "Stahlbeton C30/37, WU-Beton"),
            (1, "Kalksandstein KS 17,5 / 24 cm"),
            (5, "Perimeterdämmung XPS 12 cm"),
        ]
    } else {
        vec![
            (0, "Mauerwerk Hochlochziegel 36,5 cm, verputzt"),
            (1, "Kalksandstein KS 24 cm, tragend"),
            (2, "Innenwand 11,5 cm, nichttragend"),
            (4, "Belag / Pflaster"),
        ]
    };
    for (k, t) in items {
        legend_item(c, x, y, k, t);
        y -= 6.0;
    }
    y
}

/// A box of short notes (Hinweise); returns the y below it.
pub fn notes_box(c: &mut Canvas<'_>, x: f64, top: f64, w: f64, notes: &[String]) -> f64 {
    c.text(x, top, 8.0, Bold, Align::Left, "Hinweise");
    let mut y = top - 5.0;
    for n in notes {
        c.text(x, y, 6.5, Regular, Align::Left, &format!("– {n}"));
        y -= 3.6;
    }
    c.line_width(lw::THIN);
    c.rect(x - 2.0, y + 1.0, w + 2.0, top - y + 3.0, Paint::Stroke);
    y - 2.0
}
