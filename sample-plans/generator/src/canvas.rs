//! A drawing surface that writes a PDF content stream. All coordinates are millimetres on
//! the paper, origin at the bottom left; line widths are millimetres, font sizes points.
//!
//! Text is normally real text (`BT … Tj … ET` with an embedded font). In outline mode
//! ([`Canvas::kurven`]) the same text is drawn as filled glyph paths of the same font at the
//! same place, as CAD programs do when they export "text as curves": the page then has no
//! text operators and uses no fonts.

use crate::font::{FontKind, Fonts, encode_winansi};
use crate::pdf::{PT_PER_MM, fmt_num};
use std::collections::BTreeSet;
use std::fmt::Write as _;

pub type Pt = (f64, f64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paint {
    Stroke,
    Fill,
    FillStroke,
}

/// Line weights (mm) in the spirit of DIN EN ISO 128 / DIN 1356-1.
pub mod lw {
    pub const THIN: f64 = 0.13;
    pub const FINE: f64 = 0.18;
    pub const MEDIUM: f64 = 0.25;
    pub const WIDE: f64 = 0.35;
    pub const HEAVY: f64 = 0.5;
    pub const CUT: f64 = 0.7;
}

pub struct Canvas<'f> {
    fonts: &'f Fonts,
    w: f64,
    h: f64,
    ops: String,
    used: BTreeSet<FontKind>,
    unencodable: Vec<char>,
    kurven: bool,
}

fn p(v: f64) -> String {
    fmt_num(v * PT_PER_MM)
}

/// A number with up to four decimals (text matrices).
fn fmt_fine(v: f64) -> String {
    let mut s = format!("{:.4}", (v * 10_000.0).round() / 10_000.0);
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" {
        s = "0".to_string();
    }
    s
}

/// Escapes WinAnsi bytes for a PDF literal string; non-ASCII bytes as octal escapes.
fn pdf_literal(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                s.push('\\');
                s.push(b as char);
            }
            0x20..=0x7E => s.push(b as char),
            _ => {
                let _ = write!(s, "\\{b:03o}");
            }
        }
    }
    s.push(')');
    s
}

impl<'f> Canvas<'f> {
    pub fn new(fonts: &'f Fonts, w_mm: f64, h_mm: f64) -> Self {
        let mut c = Canvas {
            fonts,
            w: w_mm,
            h: h_mm,
            ops: String::new(),
            used: BTreeSet::new(),
            unencodable: Vec::new(),
            kurven: false,
        };
        // Round caps and joins look like pen plots; black by default.
        c.ops.push_str("1 j 1 J 0 G 0 g\n");
        c
    }

    /// Outline mode: `text` and `text_rot` draw filled glyph outlines instead of text
    /// operators, so no font is used. Switch it on before drawing any text.
    pub fn kurven(&mut self, on: bool) {
        self.kurven = on;
    }

    pub fn is_kurven(&self) -> bool {
        self.kurven
    }

    pub fn fonts(&self) -> &'f Fonts {
        self.fonts
    }

    pub fn width_mm(&self) -> f64 {
        self.w
    }

    pub fn height_mm(&self) -> f64 {
        self.h
    }

    pub fn fonts_used(&self) -> impl Iterator<Item = FontKind> + '_ {
        self.used.iter().copied()
    }

    /// Characters drawn that WinAnsiEncoding cannot show (they were replaced by '?').
    pub fn unencodable(&self) -> &[char] {
        &self.unencodable
    }

    pub fn into_content(self) -> Vec<u8> {
        self.ops.into_bytes()
    }

    fn op(&mut self, s: &str) {
        self.ops.push_str(s);
        self.ops.push('\n');
    }

    pub fn save(&mut self) {
        self.op("q");
    }

    pub fn restore(&mut self) {
        self.op("Q");
    }

    pub fn line_width(&mut self, mm: f64) {
        let s = format!("{} w", p(mm));
        self.op(&s);
    }

    /// Stroke and fill gray, 0 black … 1 white.
    pub fn stroke_gray(&mut self, g: f64) {
        let s = format!("{} G", fmt_num(g));
        self.op(&s);
    }

    pub fn fill_gray(&mut self, g: f64) {
        let s = format!("{} g", fmt_num(g));
        self.op(&s);
    }

    pub fn stroke_rgb(&mut self, r: f64, g: f64, b: f64) {
        let s = format!("{} {} {} RG", fmt_num(r), fmt_num(g), fmt_num(b));
        self.op(&s);
    }

    pub fn fill_rgb(&mut self, r: f64, g: f64, b: f64) {
        let s = format!("{} {} {} rg", fmt_num(r), fmt_num(g), fmt_num(b));
        self.op(&s);
    }

    /// Dash pattern in mm; empty for solid.
    pub fn dash(&mut self, pattern: &[f64]) {
        let parts: Vec<String> = pattern.iter().map(|v| p(*v)).collect();
        let s = format!("[{}] 0 d", parts.join(" "));
        self.op(&s);
    }

    pub fn solid(&mut self) {
        self.op("[] 0 d");
    }

    /// Dash-dot (axes, section lines).
    pub fn dash_dot(&mut self) {
        self.dash(&[6.0, 1.0, 0.4, 1.0]);
    }

    /// Short dashes (hidden edges, things above the cut).
    pub fn dashed(&mut self) {
        self.dash(&[2.0, 1.0]);
    }

    fn path(&mut self, pts: &[Pt], close: bool) {
        if pts.is_empty() {
            return;
        }
        let mut s = String::new();
        let _ = writeln!(s, "{} {} m", p(pts[0].0), p(pts[0].1));
        for q in &pts[1..] {
            let _ = writeln!(s, "{} {} l", p(q.0), p(q.1));
        }
        if close {
            s.push_str("h\n");
        }
        self.ops.push_str(&s);
    }

    fn paint(&mut self, paint: Paint) {
        self.op(match paint {
            Paint::Stroke => "S",
            Paint::Fill => "f",
            Paint::FillStroke => "B",
        });
    }

    pub fn line(&mut self, a: Pt, b: Pt) {
        self.path(&[a, b], false);
        self.op("S");
    }

    pub fn polyline(&mut self, pts: &[Pt]) {
        self.path(pts, false);
        self.op("S");
    }

    pub fn polygon(&mut self, pts: &[Pt], paint: Paint) {
        self.path(pts, true);
        self.paint(paint);
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, paint: Paint) {
        let s = format!("{} {} {} {} re", p(x), p(y), p(w), p(h));
        self.op(&s);
        self.paint(paint);
    }

    /// Appends a circle (four Bézier arcs) to the current path.
    fn circle_path(&mut self, c: Pt, r: f64) {
        let k = 0.552_284_75 * r;
        let (x, y) = c;
        let s = format!(
            "{} {} m\n{} {} {} {} {} {} c\n{} {} {} {} {} {} c\n{} {} {} {} {} {} c\n{} {} {} {} {} {} c\nh",
            p(x + r),
            p(y),
            p(x + r),
            p(y + k),
            p(x + k),
            p(y + r),
            p(x),
            p(y + r),
            p(x - k),
            p(y + r),
            p(x - r),
            p(y + k),
            p(x - r),
            p(y),
            p(x - r),
            p(y - k),
            p(x - k),
            p(y - r),
            p(x),
            p(y - r),
            p(x + k),
            p(y - r),
            p(x + r),
            p(y - k),
            p(x + r),
            p(y)
        );
        self.op(&s);
    }

    pub fn circle(&mut self, c: Pt, r: f64, paint: Paint) {
        self.circle_path(c, r);
        self.paint(paint);
    }

    /// A circular arc from angle `a0` to `a1` (degrees, counter-clockwise), stroked.
    pub fn arc(&mut self, c: Pt, r: f64, a0: f64, a1: f64) {
        let segs = ((a1 - a0).abs() / 90.0).ceil().max(1.0) as usize;
        let step = (a1 - a0) / segs as f64;
        let mut s = String::new();
        let pt = |a: f64| -> Pt {
            let t = a.to_radians();
            (c.0 + r * t.cos(), c.1 + r * t.sin())
        };
        let start = pt(a0);
        let _ = writeln!(s, "{} {} m", p(start.0), p(start.1));
        for i in 0..segs {
            let t0 = (a0 + step * i as f64).to_radians();
            let t1 = (a0 + step * (i + 1) as f64).to_radians();
            let k = 4.0 / 3.0 * ((t1 - t0) / 4.0).tan() * r;
            let p0 = (c.0 + r * t0.cos(), c.1 + r * t0.sin());
            let p3 = (c.0 + r * t1.cos(), c.1 + r * t1.sin());
            let p1 = (p0.0 - k * t0.sin(), p0.1 + k * t0.cos());
            let p2 = (p3.0 + k * t1.sin(), p3.1 - k * t1.cos());
            let _ = writeln!(
                s,
                "{} {} {} {} {} {} c",
                p(p1.0),
                p(p1.1),
                p(p2.0),
                p(p2.1),
                p(p3.0),
                p(p3.1)
            );
        }
        s.push('S');
        self.op(&s);
    }

    /// Clips to a polygon until the matching `restore`.
    pub fn clip_polygon(&mut self, pts: &[Pt]) {
        self.path(pts, true);
        self.op("W n");
    }

    /// Parallel hatch lines at `angle` degrees, `spacing` mm apart, inside `poly`. The lines
    /// are anchored to the page (not to the polygon), so neighbouring areas hatch seamlessly.
    pub fn hatch(&mut self, poly: &[Pt], angle: f64, spacing: f64, width: f64) {
        if poly.len() < 3 {
            return;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for q in poly {
            x0 = x0.min(q.0);
            y0 = y0.min(q.1);
            x1 = x1.max(q.0);
            y1 = y1.max(q.1);
        }
        let t = angle.to_radians();
        let (d, n) = ((t.cos(), t.sin()), (-t.sin(), t.cos()));
        // Project the bounding box corners on the normal.
        let corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)];
        let proj: Vec<f64> = corners.iter().map(|c| c.0 * n.0 + c.1 * n.1).collect();
        let lo = proj.iter().cloned().fold(f64::MAX, f64::min);
        let hi = proj.iter().cloned().fold(f64::MIN, f64::max);
        let along: Vec<f64> = corners.iter().map(|c| c.0 * d.0 + c.1 * d.1).collect();
        let alo = along.iter().cloned().fold(f64::MAX, f64::min) - 1.0;
        let ahi = along.iter().cloned().fold(f64::MIN, f64::max) + 1.0;
        self.save();
        self.clip_polygon(poly);
        self.line_width(width);
        let mut s = String::new();
        let mut k = (lo / spacing).floor();
        while k * spacing <= hi {
            let o = k * spacing;
            let a = (n.0 * o + d.0 * alo, n.1 * o + d.1 * alo);
            let b = (n.0 * o + d.0 * ahi, n.1 * o + d.1 * ahi);
            let _ = writeln!(s, "{} {} m {} {} l", p(a.0), p(a.1), p(b.0), p(b.1));
            k += 1.0;
        }
        s.push('S');
        self.op(&s);
        self.restore();
    }

    /// Hatch of a rectangle.
    pub fn hatch_rect(&mut self, x: f64, y: f64, w: f64, h: f64, angle: f64, spacing: f64) {
        self.hatch(
            &[(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
            angle,
            spacing,
            lw::THIN,
        );
    }

    /// Width of `s` in mm at `size` points.
    pub fn text_width(&self, font: FontKind, size: f64, s: &str) -> f64 {
        self.fonts.text_width(font, size, s) / PT_PER_MM
    }

    /// One line of text; each call is its own BT … ET block, so text extraction yields one
    /// line per call.
    pub fn text(&mut self, x: f64, y: f64, size: f64, font: FontKind, align: Align, s: &str) {
        self.text_rot(x, y, size, font, align, 0.0, s);
    }

    #[allow(clippy::too_many_arguments)]
    pub fn text_rot(
        &mut self,
        x: f64,
        y: f64,
        size: f64,
        font: FontKind,
        align: Align,
        angle: f64,
        s: &str,
    ) {
        if s.is_empty() {
            return;
        }
        if !self.kurven {
            self.used.insert(font);
        }
        for ch in s.chars() {
            if crate::font::winansi_code(ch).is_none() {
                self.unencodable.push(ch);
            }
        }
        let w = self.text_width(font, size, s);
        let shift = match align {
            Align::Left => 0.0,
            Align::Center => w / 2.0,
            Align::Right => w,
        };
        let t = angle.to_radians();
        let (c, sn) = (t.cos(), t.sin());
        let ox = x - shift * c;
        let oy = y - shift * sn;
        if self.kurven {
            self.text_outlines(ox, oy, size, font, (c, sn), s);
            return;
        }
        let op = format!(
            "BT /{} {} Tf {} {} {} {} {} {} Tm {} Tj ET",
            font.resource_name(),
            fmt_num(size),
            fmt_fine(c),
            fmt_fine(sn),
            fmt_fine(-sn),
            fmt_fine(c),
            p(ox),
            p(oy),
            pdf_literal(&encode_winansi(s))
        );
        self.op(&op);
    }

    /// The glyph outlines of `s`, placed exactly as the `Tj` path places the glyphs: the
    /// pen starts at (`ox`, `oy`) mm and advances by the `/Widths` of the font dictionary;
    /// glyph units are scaled by `size / unitsPerEm` and rotated by (`cos`, `sin`). One
    /// filled path (nonzero winding, like a glyph) per line.
    fn text_outlines(&mut self, ox: f64, oy: f64, size: f64, font: FontKind, rot: Pt, s: &str) {
        // As in `Fonts::text_width` (Helvetica: DejaVu narrowed to Helvetica's widths).
        let (embedded, x_scale) = self.fonts.program(font);
        let Ok(face) = ttf_parser::Face::parse(&embedded.program, 0) else {
            // The subset is built and checked when the fonts load; it always parses.
            return;
        };
        let em = size / face.units_per_em() as f64;
        let mut pen = Outline {
            ops: String::new(),
            origin: (ox * PT_PER_MM, oy * PT_PER_MM),
            rot,
            sx: em * x_scale,
            sy: em,
            dx: 0.0,
            last: (0.0, 0.0),
        };
        for code in encode_winansi(s) {
            let glyph = crate::font::winansi_char(code).and_then(|ch| face.glyph_index(ch));
            if let Some(g) = glyph {
                face.outline_glyph(g, &mut pen);
            }
            pen.dx += embedded.widths[code as usize] as f64 / 1000.0 * size * x_scale;
        }
        if !pen.ops.is_empty() {
            pen.ops.push('f');
            self.op(&pen.ops);
        }
    }
}

/// Writes glyph outlines as PDF path operators (points, page coordinates).
struct Outline {
    ops: String,
    /// The pen's start on the page, in points.
    origin: Pt,
    /// cos and sin of the baseline angle.
    rot: Pt,
    /// Points per font unit, horizontally and vertically.
    sx: f64,
    sy: f64,
    /// Advance of the current glyph along the baseline, in points.
    dx: f64,
    /// The current point in font units (for quadratic to cubic conversion).
    last: (f32, f32),
}

impl Outline {
    fn pt(&mut self, x: f32, y: f32) {
        let lx = self.dx + x as f64 * self.sx;
        let ly = y as f64 * self.sy;
        let (c, s) = self.rot;
        let px = self.origin.0 + c * lx - s * ly;
        let py = self.origin.1 + s * lx + c * ly;
        let _ = write!(self.ops, "{} {} ", fmt_num(px), fmt_num(py));
    }
}

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.pt(x, y);
        self.ops.push_str("m\n");
        self.last = (x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        self.pt(x, y);
        self.ops.push_str("l\n");
        self.last = (x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        // The cubic with the same curve: controls two thirds of the way to the quadratic one.
        let (x0, y0) = self.last;
        let k = 2.0 / 3.0;
        self.pt(x0 + k * (x1 - x0), y0 + k * (y1 - y0));
        self.pt(x + k * (x1 - x), y + k * (y1 - y));
        self.pt(x, y);
        self.ops.push_str("c\n");
        self.last = (x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.pt(x1, y1);
        self.pt(x2, y2);
        self.pt(x, y);
        self.ops.push_str("c\n");
        self.last = (x, y);
    }

    fn close(&mut self) {
        self.ops.push_str("h\n");
    }
}
