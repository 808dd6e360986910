//! Fonts: DejaVu Sans embedded as a subset TrueType simple font with WinAnsiEncoding, and
//! the standard (non-embedded) Helvetica for the one sheet that must lack an embedded font.
//! DejaVu Serif, Sans Mono and Sans Condensed (same package) are embedded the same way for
//! the title-block corpus, which varies the typeface from office to office.
//!
//! The subset keeps exactly the glyphs of the WinAnsi repertoire (plus the components of
//! composite glyphs), renumbered densely, without hinting instructions. It is the same for
//! every document, so the output does not depend on which characters a sheet happens to use.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where Debian's `fonts-dejavu-core` puts the fonts.
pub const DEJAVU_DIR: &str = "/usr/share/fonts/truetype/dejavu";

/// Which font a piece of text uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FontKind {
    /// DejaVu Sans, embedded.
    Regular,
    /// DejaVu Sans Bold, embedded.
    Bold,
    /// Helvetica, one of the standard 14 fonts, deliberately not embedded.
    Helvetica,
    /// Helvetica-Bold, not embedded.
    HelveticaBold,
    /// DejaVu Serif, embedded.
    Serif,
    /// DejaVu Serif Bold, embedded.
    SerifBold,
    /// DejaVu Sans Mono, embedded.
    Mono,
    /// DejaVu Sans Mono Bold, embedded.
    MonoBold,
    /// DejaVu Sans Condensed, embedded.
    Condensed,
    /// DejaVu Sans Condensed Bold, embedded.
    CondensedBold,
}

impl FontKind {
    /// The resource name used in content streams.
    pub fn resource_name(self) -> &'static str {
        match self {
            FontKind::Regular => "F1",
            FontKind::Bold => "F2",
            FontKind::Helvetica => "F3",
            FontKind::HelveticaBold => "F4",
            FontKind::Serif => "F5",
            FontKind::SerifBold => "F6",
            FontKind::Mono => "F7",
            FontKind::MonoBold => "F8",
            FontKind::Condensed => "F9",
            FontKind::CondensedBold => "F10",
        }
    }

    /// The family name, e.g. `DejaVu Sans Condensed` (Helvetica for the standard font).
    pub fn family(self) -> &'static str {
        match self {
            FontKind::Regular | FontKind::Bold => "DejaVu Sans",
            FontKind::Helvetica | FontKind::HelveticaBold => "Helvetica",
            FontKind::Serif | FontKind::SerifBold => "DejaVu Serif",
            FontKind::Mono | FontKind::MonoBold => "DejaVu Sans Mono",
            FontKind::Condensed | FontKind::CondensedBold => "DejaVu Sans Condensed",
        }
    }

    pub fn is_embedded(self) -> bool {
        !matches!(self, FontKind::Helvetica | FontKind::HelveticaBold)
    }
}

/// The characters of codes 0x80..=0x9F in WinAnsiEncoding (PDF 32000-1, Annex D).
const WIN_ANSI_80: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The character a WinAnsi code stands for (codes below 0x20 and the unused ones: none).
pub fn winansi_char(code: u8) -> Option<char> {
    match code {
        0x20..=0x7E => Some(code as char),
        0x80..=0x9F => WIN_ANSI_80[(code - 0x80) as usize],
        0xA0..=0xFF => char::from_u32(code as u32),
        _ => None,
    }
}

/// The WinAnsi code of a character, if it has one.
pub fn winansi_code(c: char) -> Option<u8> {
    let u = c as u32;
    match u {
        0x20..=0x7E | 0xA0..=0xFF => Some(u as u8),
        _ => WIN_ANSI_80
            .iter()
            .position(|x| *x == Some(c))
            .map(|i| 0x80 + i as u8),
    }
}

/// Encodes text to WinAnsi; characters without a code become '?'.
pub fn encode_winansi(s: &str) -> Vec<u8> {
    s.chars().map(|c| winansi_code(c).unwrap_or(b'?')).collect()
}

/// An embeddable font program with everything the PDF font dictionary needs.
#[derive(Clone, Debug)]
pub struct EmbeddedFont {
    /// `/BaseFont`, with the subset tag, e.g. `PKSAMA+DejaVuSans`.
    pub base_font: String,
    /// The subset TrueType program (`/FontFile2`).
    pub program: Vec<u8>,
    /// Advance widths in 1/1000 em for codes 0..=255 (0 for unused codes).
    pub widths: [u16; 256],
    pub ascent: i32,
    pub descent: i32,
    pub cap_height: i32,
    pub bbox: [i32; 4],
    pub flags: i64,
    pub stem_v: i64,
}

/// The fonts a generator run uses.
#[derive(Clone, Debug)]
pub struct Fonts {
    pub regular: EmbeddedFont,
    pub bold: EmbeddedFont,
    pub serif: EmbeddedFont,
    pub serif_bold: EmbeddedFont,
    pub mono: EmbeddedFont,
    pub mono_bold: EmbeddedFont,
    pub condensed: EmbeddedFont,
    pub condensed_bold: EmbeddedFont,
}

impl Fonts {
    /// Loads DejaVu Sans, Serif, Sans Mono and Sans Condensed, each regular and bold, from
    /// `dir` (default [`DEJAVU_DIR`], or the environment variable `PLANKAMMER_DEJAVU_DIR`).
    pub fn load_default() -> Result<Self> {
        let dir = std::env::var_os("PLANKAMMER_DEJAVU_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEJAVU_DIR));
        Self::load(&dir)
    }

    pub fn load(dir: &Path) -> Result<Self> {
        let read = |name: &str| -> Result<Vec<u8>> {
            let p = dir.join(name);
            std::fs::read(&p).with_context(|| {
                format!(
                    "Schrift {} fehlt (Debian-Paket fonts-dejavu-core installieren)",
                    p.display()
                )
            })
        };
        let font = |file: &str, base: &str, bold: bool| -> Result<EmbeddedFont> {
            EmbeddedFont::from_ttf(&read(file)?, base, bold)
        };
        Ok(Fonts {
            regular: font("DejaVuSans.ttf", "PKSAMA+DejaVuSans", false)?,
            bold: font("DejaVuSans-Bold.ttf", "PKSAMB+DejaVuSans-Bold", true)?,
            serif: font("DejaVuSerif.ttf", "PKSAMC+DejaVuSerif", false)?,
            serif_bold: font("DejaVuSerif-Bold.ttf", "PKSAMD+DejaVuSerif-Bold", true)?,
            mono: font("DejaVuSansMono.ttf", "PKSAME+DejaVuSansMono", false)?,
            mono_bold: font(
                "DejaVuSansMono-Bold.ttf",
                "PKSAMF+DejaVuSansMono-Bold",
                true,
            )?,
            condensed: font(
                "DejaVuSansCondensed.ttf",
                "PKSAMG+DejaVuSansCondensed",
                false,
            )?,
            condensed_bold: font(
                "DejaVuSansCondensed-Bold.ttf",
                "PKSAMH+DejaVuSansCondensed-Bold",
                true,
            )?,
        })
    }

    /// The font program behind `kind` and the horizontal factor applied to its widths.
    /// Helvetica is not embedded; its metrics are close to DejaVu Sans's, a bit narrower.
    pub fn program(&self, kind: FontKind) -> (&EmbeddedFont, f64) {
        match kind {
            FontKind::Regular => (&self.regular, 1.0),
            FontKind::Bold => (&self.bold, 1.0),
            FontKind::Helvetica => (&self.regular, 0.88),
            FontKind::HelveticaBold => (&self.bold, 0.86),
            FontKind::Serif => (&self.serif, 1.0),
            FontKind::SerifBold => (&self.serif_bold, 1.0),
            FontKind::Mono => (&self.mono, 1.0),
            FontKind::MonoBold => (&self.mono_bold, 1.0),
            FontKind::Condensed => (&self.condensed, 1.0),
            FontKind::CondensedBold => (&self.condensed_bold, 1.0),
        }
    }

    /// Width of `s` in points at `size` points.
    pub fn text_width(&self, font: FontKind, size: f64, s: &str) -> f64 {
        let (program, factor) = self.program(font);
        let units: u32 = encode_winansi(s)
            .iter()
            .map(|b| program.widths[*b as usize] as u32)
            .sum();
        units as f64 / 1000.0 * size * factor
    }
}

fn be16(d: &[u8], at: usize) -> Result<u16> {
    d.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| anyhow!("Schriftdatei zu kurz (Offset {at})"))
}

fn be32(d: &[u8], at: usize) -> Result<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| anyhow!("Schriftdatei zu kurz (Offset {at})"))
}

fn put16(d: &mut [u8], at: usize, v: u16) {
    d[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

fn table<'a>(face: &ttf_parser::Face<'a>, tag: &[u8; 4]) -> Result<&'a [u8]> {
    face.raw_face()
        .table(ttf_parser::Tag::from_bytes(tag))
        .ok_or_else(|| anyhow!("Tabelle {} fehlt", String::from_utf8_lossy(tag)))
}

impl EmbeddedFont {
    pub fn from_ttf(data: &[u8], base_font: &str, bold: bool) -> Result<Self> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| anyhow!("TrueType: {e}"))?;
        let upem = face.units_per_em() as f64;
        let scale = |v: f64| (v * 1000.0 / upem).round() as i32;

        // Unicode -> old glyph id for the WinAnsi repertoire.
        let mut char_gid: BTreeMap<char, u16> = BTreeMap::new();
        for code in 0x20u8..=0xFF {
            if let Some(c) = winansi_char(code)
                && let Some(g) = face.glyph_index(c)
            {
                char_gid.insert(c, g.0);
            }
        }
        let program = subset(&face, &char_gid)?;

        let mut widths = [0u16; 256];
        for (code, w) in widths.iter_mut().enumerate() {
            if let Some(c) = winansi_char(code as u8)
                && let Some(g) = face.glyph_index(c)
            {
                let adv = face.glyph_hor_advance(g).unwrap_or(0) as f64;
                *w = (adv * 1000.0 / upem).round() as u16;
            }
        }
        let bb = face.global_bounding_box();
        Ok(EmbeddedFont {
            base_font: base_font.to_string(),
            program,
            widths,
            ascent: scale(face.ascender() as f64),
            descent: scale(face.descender() as f64),
            cap_height: scale(face.capital_height().unwrap_or(1493) as f64),
            bbox: [
                scale(bb.x_min as f64),
                scale(bb.y_min as f64),
                scale(bb.x_max as f64),
                scale(bb.y_max as f64),
            ],
            // Nonsymbolic (32): the font's glyphs are looked up through the standard
            // Latin character set, which is what WinAnsiEncoding needs.
            flags: 32,
            stem_v: if bold { 140 } else { 80 },
        })
    }

    /// The ToUnicode CMap for codes 0x20..=0xFF.
    pub fn to_unicode_cmap(&self) -> Vec<u8> {
        to_unicode_cmap()
    }
}

/// A ToUnicode CMap mapping every WinAnsi code to its Unicode value.
pub fn to_unicode_cmap() -> Vec<u8> {
    let mut entries = Vec::new();
    for code in 0x20u8..=0xFF {
        if let Some(c) = winansi_char(code) {
            entries.push(format!("<{:02X}> <{:04X}>", code, c as u32));
        }
    }
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<00> <FF>\nendcodespacerange\n",
    );
    for chunk in entries.chunks(100) {
        s.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for e in chunk {
            s.push_str(e);
            s.push('\n');
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s.into_bytes()
}

/// The bytes of old glyph `gid` in `glyf`, using `loca`.
fn glyph_bytes<'a>(glyf: &'a [u8], loca: &[u8], long: bool, gid: u16) -> Result<&'a [u8]> {
    let i = gid as usize;
    let (start, end) = if long {
        (be32(loca, i * 4)? as usize, be32(loca, i * 4 + 4)? as usize)
    } else {
        (
            be16(loca, i * 2)? as usize * 2,
            be16(loca, i * 2 + 2)? as usize * 2,
        )
    };
    glyf.get(start..end)
        .ok_or_else(|| anyhow!("Glyph {gid} außerhalb von glyf"))
}

const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;
const WE_HAVE_INSTRUCTIONS: u16 = 0x0100;

/// Component glyph ids of a composite glyph, with the offsets of their index fields.
fn components(g: &[u8]) -> Result<Vec<(usize, u16)>> {
    let mut out = Vec::new();
    let mut at = 10;
    loop {
        let flags = be16(g, at)?;
        let gid = be16(g, at + 2)?;
        out.push((at + 2, gid));
        at += 4;
        at += if flags & ARG_1_AND_2_ARE_WORDS != 0 {
            4
        } else {
            2
        };
        if flags & WE_HAVE_A_SCALE != 0 {
            at += 2;
        } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
            at += 4;
        } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
            at += 8;
        }
        if flags & MORE_COMPONENTS == 0 {
            return Ok(out);
        }
    }
}

/// Rewrites one glyph for the subset: drops instructions, renumbers components.
fn rewrite_glyph(g: &[u8], map: &BTreeMap<u16, u16>) -> Result<Vec<u8>> {
    if g.is_empty() {
        return Ok(Vec::new());
    }
    let n = be16(g, 0)? as i16;
    if n >= 0 {
        let n = n as usize;
        let ilen_at = 10 + 2 * n;
        let ilen = be16(g, ilen_at)? as usize;
        let mut out = Vec::with_capacity(g.len());
        out.extend_from_slice(&g[..ilen_at]);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(
            g.get(ilen_at + 2 + ilen..)
                .ok_or_else(|| anyhow!("Glyph kürzer als seine Anweisungen"))?,
        );
        Ok(out)
    } else {
        let mut out = g.to_vec();
        for (field, old) in components(g)? {
            let new = *map
                .get(&old)
                .ok_or_else(|| anyhow!("Komponente {old} fehlt im Subset"))?;
            put16(&mut out, field, new);
        }
        // Clear WE_HAVE_INSTRUCTIONS and cut the instructions after the last component.
        let mut at = 10;
        loop {
            let flags = be16(&out, at)?;
            let mut len = 4 + if flags & ARG_1_AND_2_ARE_WORDS != 0 {
                4
            } else {
                2
            };
            if flags & WE_HAVE_A_SCALE != 0 {
                len += 2;
            } else if flags & WE_HAVE_AN_X_AND_Y_SCALE != 0 {
                len += 4;
            } else if flags & WE_HAVE_A_TWO_BY_TWO != 0 {
                len += 8;
            }
            put16(&mut out, at, flags & !WE_HAVE_INSTRUCTIONS);
            at += len;
            if flags & MORE_COMPONENTS == 0 {
                break;
            }
        }
        out.truncate(at);
        Ok(out)
    }
}

/// Builds a subset TrueType font containing `.notdef` and the glyphs of `char_gid`.
fn subset(face: &ttf_parser::Face<'_>, char_gid: &BTreeMap<char, u16>) -> Result<Vec<u8>> {
    let head = table(face, b"head")?;
    let hhea = table(face, b"hhea")?;
    let maxp = table(face, b"maxp")?;
    let hmtx = table(face, b"hmtx")?;
    let loca = table(face, b"loca")?;
    let glyf = table(face, b"glyf")?;
    let post = table(face, b"post")?;
    let os2 = table(face, b"OS/2")?;
    let long = be16(head, 50)? == 1;
    let num_hmetrics = be16(hhea, 34)? as usize;

    // Glyph closure over composite components.
    let mut keep: BTreeSet<u16> = BTreeSet::new();
    keep.insert(0);
    let mut todo: Vec<u16> = char_gid.values().copied().collect();
    while let Some(g) = todo.pop() {
        if !keep.insert(g) {
            continue;
        }
        let bytes = glyph_bytes(glyf, loca, long, g)?;
        if bytes.len() >= 10 && (be16(bytes, 0)? as i16) < 0 {
            for (_, c) in components(bytes)? {
                todo.push(c);
            }
        }
    }
    let map: BTreeMap<u16, u16> = keep
        .iter()
        .enumerate()
        .map(|(new, old)| (*old, new as u16))
        .collect();
    let count = keep.len();

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::new();
    let mut new_hmtx = Vec::new();
    for old in &keep {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        let g = rewrite_glyph(glyph_bytes(glyf, loca, long, *old)?, &map)?;
        new_glyf.extend_from_slice(&g);
        while new_glyf.len() % 4 != 0 {
            new_glyf.push(0);
        }
        let o = *old as usize;
        let (adv, lsb) = if o < num_hmetrics {
            (be16(hmtx, o * 4)?, be16(hmtx, o * 4 + 2)?)
        } else {
            (
                be16(hmtx, (num_hmetrics - 1) * 4)?,
                be16(hmtx, num_hmetrics * 4 + (o - num_hmetrics) * 2)?,
            )
        };
        new_hmtx.extend_from_slice(&adv.to_be_bytes());
        new_hmtx.extend_from_slice(&lsb.to_be_bytes());
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());

    let mut new_head = head.to_vec();
    new_head[8..12].copy_from_slice(&[0, 0, 0, 0]);
    put16(&mut new_head, 50, 1);
    let mut new_hhea = hhea.to_vec();
    put16(&mut new_hhea, 34, count as u16);
    let mut new_maxp = maxp.to_vec();
    put16(&mut new_maxp, 4, count as u16);
    let mut new_post = post
        .get(..32)
        .ok_or_else(|| anyhow!("post-Tabelle zu kurz"))?
        .to_vec();
    new_post[0..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
    // Only the fields that do not concern glyph names stay (16..32 are memory hints).
    for b in &mut new_post[16..32] {
        *b = 0;
    }
    let family = face
        .names()
        .into_iter()
        .find(|n| n.name_id == ttf_parser::name_id::FULL_NAME && n.is_unicode())
        .and_then(|n| n.to_string())
        .unwrap_or_else(|| "DejaVu Sans".to_string());

    let cmap_entries: Vec<(u16, u16)> = char_gid
        .iter()
        .filter_map(|(c, old)| Some((u16::try_from(*c as u32).ok()?, *map.get(old)?)))
        .collect();

    let tables: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"OS/2", os2.to_vec()),
        (b"cmap", build_cmap(&cmap_entries)),
        (b"glyf", new_glyf),
        (b"head", new_head),
        (b"hhea", new_hhea),
        (b"hmtx", new_hmtx),
        (b"loca", new_loca),
        (b"maxp", new_maxp),
        (b"name", build_name(&family)),
        (b"post", new_post),
    ];
    let mut font = assemble(&tables);
    // checkSumAdjustment
    let head_offset = find_table_offset(&font, b"head")?;
    let sum = checksum(&font);
    let adj = 0xB1B0_AFBAu32.wrapping_sub(sum);
    font[head_offset + 8..head_offset + 12].copy_from_slice(&adj.to_be_bytes());
    if font.len() < 12 {
        bail!("Subset leer");
    }
    Ok(font)
}

fn checksum(d: &[u8]) -> u32 {
    let mut sum = 0u32;
    for chunk in d.chunks(4) {
        let mut b = [0u8; 4];
        b[..chunk.len()].copy_from_slice(chunk);
        sum = sum.wrapping_add(u32::from_be_bytes(b));
    }
    sum
}

fn find_table_offset(font: &[u8], tag: &[u8; 4]) -> Result<usize> {
    let n = be16(font, 4)? as usize;
    for i in 0..n {
        let rec = 12 + 16 * i;
        if &font[rec..rec + 4] == tag {
            return Ok(be32(font, rec + 8)? as usize);
        }
    }
    bail!("Tabelle nicht gefunden")
}

fn assemble(tables: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = tables.len() as u16;
    let mut pow = 1u16;
    let mut log = 0u16;
    while pow * 2 <= n {
        pow *= 2;
        log += 1;
    }
    let search_range = pow * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&search_range.to_be_bytes());
    out.extend_from_slice(&log.to_be_bytes());
    out.extend_from_slice(&(n * 16 - search_range).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut body = Vec::new();
    for (tag, data) in tables {
        out.extend_from_slice(*tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * tables.len() + body.len();
    }
    out.extend_from_slice(&body);
    out
}

/// A cmap with one (3,1) format 4 subtable.
fn build_cmap(entries: &[(u16, u16)]) -> Vec<u8> {
    // Segments of consecutive codes with a constant delta.
    let mut segs: Vec<(u16, u16, i32)> = Vec::new();
    for &(code, gid) in entries {
        let delta = gid as i32 - code as i32;
        match segs.last_mut() {
            Some(last) if last.1 + 1 == code && last.2 == delta => last.1 = code,
            _ => segs.push((code, code, delta)),
        }
    }
    segs.push((0xFFFF, 0xFFFF, 1));
    let seg_count = segs.len() as u16;
    let mut pow = 1u16;
    let mut log = 0u16;
    while pow * 2 <= seg_count {
        pow *= 2;
        log += 1;
    }
    let mut sub = Vec::new();
    let length = 16 + 8 * seg_count;
    for v in [
        4u16,
        length,
        0,
        seg_count * 2,
        pow * 2,
        log,
        seg_count * 2 - pow * 2,
    ] {
        sub.extend_from_slice(&v.to_be_bytes());
    }
    for s in &segs {
        sub.extend_from_slice(&s.1.to_be_bytes());
    }
    sub.extend_from_slice(&0u16.to_be_bytes());
    for s in &segs {
        sub.extend_from_slice(&s.0.to_be_bytes());
    }
    for s in &segs {
        sub.extend_from_slice(&(s.2 as i16 as u16).to_be_bytes());
    }
    for _ in &segs {
        sub.extend_from_slice(&0u16.to_be_bytes());
    }
    let mut out = Vec::new();
    for v in [0u16, 1, 3, 1] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&12u32.to_be_bytes());
    out.extend_from_slice(&sub);
    out
}

/// A minimal name table (Windows Unicode records for family, style, full and PostScript name).
fn build_name(full: &str) -> Vec<u8> {
    let bold = full.contains("Bold");
    // "DejaVu Sans Mono Bold" -> family "DejaVu Sans Mono", PostScript "DejaVuSansMono-Bold".
    let family = full.replace(" Bold", "");
    let style = if bold { "Bold" } else { "Book" };
    let ps = format!(
        "{}{}",
        family.replace(' ', ""),
        if bold { "-Bold" } else { "" }
    );
    let records: [(u16, &str); 5] = [
        (
            0,
            "Copyright (c) 2003 by Bitstream, Inc. / DejaVu changes are in public domain",
        ),
        (1, &family),
        (2, style),
        (4, full),
        (6, &ps),
    ];
    let mut strings = Vec::new();
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&(records.len() as u16).to_be_bytes());
    out.extend_from_slice(&(6 + 12 * records.len() as u16).to_be_bytes());
    for (id, s) in records {
        let utf16: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        for v in [
            3u16,
            1,
            0x0409,
            id,
            utf16.len() as u16,
            strings.len() as u16,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        strings.extend_from_slice(&utf16);
    }
    out.extend_from_slice(&strings);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winansi_roundtrip() {
        for code in 0x20u8..=0xFF {
            if let Some(c) = winansi_char(code) {
                assert_eq!(winansi_code(c), Some(code), "{c}");
            }
        }
        assert_eq!(
            encode_winansi("Maßstab ü ä ö Ä Ö Ü „x“ – €"),
            {
                let mut v =
                    b"Ma\xDFstab \xFC \xE4 \xF6 \xC4 \xD6 \xDC \x84x\x93 \x96 \x80".to_vec();
                v.truncate(v.len());
                v
            }
        );
    }

    #[test]
    fn subset_parses_and_maps_umlauts() {
        let fonts = Fonts::load_default().expect("DejaVu fonts");
        for f in [
            &fonts.regular,
            &fonts.bold,
            &fonts.serif,
            &fonts.serif_bold,
            &fonts.mono,
            &fonts.mono_bold,
            &fonts.condensed,
            &fonts.condensed_bold,
        ] {
            let face = ttf_parser::Face::parse(&f.program, 0).expect("subset parses");
            assert!(face.number_of_glyphs() > 200 && face.number_of_glyphs() < 400);
            for c in ['A', 'ß', 'ü', 'Ä', '€', '²', '„'] {
                let g = face.glyph_index(c).expect("mapped");
                assert!(face.glyph_hor_advance(g).unwrap_or(0) > 0, "{c}");
                assert!(
                    face.outline_glyph(g, &mut NullSink).is_some(),
                    "{c} has outline"
                );
            }
            assert!(
                f.program.len() < 80_000,
                "subset is small: {}",
                f.program.len()
            );
        }
        assert!(fonts.text_width(FontKind::Regular, 10.0, "Maßstab") > 30.0);
    }

    struct NullSink;
    impl ttf_parser::OutlineBuilder for NullSink {
        fn move_to(&mut self, _: f32, _: f32) {}
        fn line_to(&mut self, _: f32, _: f32) {}
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
        fn close(&mut self) {}
    }
}
