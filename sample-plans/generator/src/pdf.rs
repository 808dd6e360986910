//! Writing PDF files with lopdf: pages made of vector content streams (from a
//! [`Canvas`](crate::canvas::Canvas)) or of one image each (scans), fonts, and a fixed
//! document information dictionary so that the output is byte-for-byte reproducible.

use crate::canvas::Canvas;
use crate::font::{EmbeddedFont, FontKind, Fonts};
use anyhow::Result;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, dictionary};
use std::collections::BTreeMap;

/// Millimetres to PDF points.
pub const PT_PER_MM: f64 = 72.0 / 25.4;

/// A number rounded to 1/100 point as a PDF real.
pub fn real(v: f64) -> Object {
    Object::Real(((v * 100.0).round() / 100.0) as f32)
}

/// A PDF text string: literal for ASCII, UTF-16BE with byte order mark otherwise.
pub fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut v = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            v.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(v, StringFormat::Hexadecimal)
    }
}

/// The document information dictionary. Dates are fixed, never the time of the run.
#[derive(Clone, Debug)]
pub struct DocInfo {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: String,
    /// PDF date string, e.g. `D:20260914100000+02'00'`.
    pub date: String,
}

/// An encoded image for a scanned page.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageData {
    pub width: u32,
    pub height: u32,
    pub filter: ImageFilter,
    /// The stream bytes exactly as stored in the PDF (JPEG file, or zlib data).
    pub data: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFilter {
    /// JPEG (`/DCTDecode`), 8-bit gray.
    Dct,
    /// zlib (`/FlateDecode`), 8-bit gray.
    Flate,
}

/// A PDF under construction.
pub struct PdfDoc<'f> {
    fonts: &'f Fonts,
    doc: Document,
    pages_id: ObjectId,
    kids: Vec<ObjectId>,
    font_ids: BTreeMap<FontKind, ObjectId>,
}

impl<'f> PdfDoc<'f> {
    pub fn new(fonts: &'f Fonts) -> Self {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        PdfDoc {
            fonts,
            doc,
            pages_id,
            kids: Vec::new(),
            font_ids: BTreeMap::new(),
        }
    }

    pub fn page_count(&self) -> usize {
        self.kids.len()
    }

    fn font_id(&mut self, kind: FontKind) -> Result<ObjectId> {
        if let Some(id) = self.font_ids.get(&kind) {
            return Ok(*id);
        }
        let id = match kind {
            FontKind::Helvetica => standard_font(&mut self.doc, "Helvetica"),
            FontKind::HelveticaBold => standard_font(&mut self.doc, "Helvetica-Bold"),
            _ => embed_font(&mut self.doc, self.fonts.program(kind).0)?,
        };
        self.font_ids.insert(kind, id);
        Ok(id)
    }

    /// Adds a vector page drawn on `canvas`.
    pub fn add_canvas_page(&mut self, canvas: Canvas<'_>) -> Result<()> {
        self.add_canvas_page_rotated(canvas, 0)
    }

    /// Adds a vector page drawn on `canvas` that is stored turned and shown upright through
    /// the page's `/Rotate` (0, 90 or 270), as some plotter drivers write landscape sheets:
    /// with 90 the MediaBox is the canvas turned to portrait, the drawing is turned a quarter
    /// counter-clockwise onto it, and `/Rotate 90` (clockwise for viewing) turns it back.
    pub fn add_canvas_page_rotated(&mut self, canvas: Canvas<'_>, rotate: i64) -> Result<()> {
        let (w, h) = (canvas.width_mm(), canvas.height_mm());
        if !canvas.unencodable().is_empty() {
            anyhow::bail!(
                "Zeichen ohne WinAnsi-Code im Text: {:?}",
                canvas.unencodable()
            );
        }
        let used: Vec<FontKind> = canvas.fonts_used().collect();
        let mut font_dict = Dictionary::new();
        for kind in used {
            let id = self.font_id(kind)?;
            font_dict.set(kind.resource_name(), id);
        }
        let (content, page_w, page_h) = match rotate {
            0 => (canvas.into_content(), w, h),
            90 | 270 => {
                // (x, y) -> (h - y, x) for 90, (y, w - x) for 270, on a page of h x w.
                let cm = if rotate == 90 {
                    format!("q 0 1 -1 0 {} 0 cm\n", fmt_num(h * PT_PER_MM))
                } else {
                    format!("q 0 -1 1 0 0 {} cm\n", fmt_num(w * PT_PER_MM))
                };
                let mut c = cm.into_bytes();
                c.extend_from_slice(&canvas.into_content());
                c.extend_from_slice(b"Q\n");
                (c, h, w)
            }
            other => anyhow::bail!("/Rotate {other} wird nicht unterstützt"),
        };
        let mut stream = Stream::new(Dictionary::new(), content);
        stream.compress()?;
        let content_id = self.doc.add_object(stream);
        // A page without text operators (text drawn as outlines) lists no fonts at all.
        let resources = if font_dict.is_empty() {
            dictionary! { "ProcSet" => vec!["PDF".into()] }
        } else {
            dictionary! {
                "Font" => font_dict,
                "ProcSet" => vec!["PDF".into(), "Text".into()],
            }
        };
        self.push_page(page_w, page_h, content_id, resources);
        if rotate != 0 {
            self.rotate_last_page(rotate)?;
        }
        Ok(())
    }

    /// Sets `/Rotate` (a multiple of 90, clockwise for viewing) on the page added last.
    pub fn rotate_last_page(&mut self, degrees: i64) -> Result<()> {
        let id = *self
            .kids
            .last()
            .ok_or_else(|| anyhow::anyhow!("keine Seite zum Drehen"))?;
        self.doc
            .get_object_mut(id)?
            .as_dict_mut()?
            .set("Rotate", degrees);
        Ok(())
    }

    /// Adds a page that consists of one image filling the page (a scan).
    pub fn add_image_page(&mut self, w_mm: f64, h_mm: f64, image: &ImageData) -> Result<()> {
        let filter = match image.filter {
            ImageFilter::Dct => "DCTDecode",
            ImageFilter::Flate => "FlateDecode",
        };
        let dict = dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => image.width as i64,
            "Height" => image.height as i64,
            "ColorSpace" => "DeviceGray",
            "BitsPerComponent" => 8,
            "Filter" => filter,
        };
        let mut stream = Stream::new(dict, image.data.clone());
        stream.allows_compression = false;
        let image_id = self.doc.add_object(stream);
        let content = format!(
            "q {} 0 0 {} 0 0 cm /Im1 Do Q\n",
            fmt_num(w_mm * PT_PER_MM),
            fmt_num(h_mm * PT_PER_MM)
        );
        let content_id = self
            .doc
            .add_object(Stream::new(Dictionary::new(), content.into_bytes()));
        let resources = dictionary! {
            "XObject" => dictionary! { "Im1" => image_id },
            "ProcSet" => vec!["PDF".into(), "ImageB".into()],
        };
        self.push_page(w_mm, h_mm, content_id, resources);
        Ok(())
    }

    fn push_page(&mut self, w_mm: f64, h_mm: f64, content_id: ObjectId, resources: Dictionary) {
        let page = dictionary! {
            "Type" => "Page",
            "Parent" => self.pages_id,
            "MediaBox" => vec![0.into(), 0.into(), real(w_mm * PT_PER_MM), real(h_mm * PT_PER_MM)],
            "Resources" => resources,
            "Contents" => content_id,
        };
        let id = self.doc.add_object(page);
        self.kids.push(id);
    }

    /// Finishes the document and returns its bytes.
    pub fn finish(mut self, info: &DocInfo) -> Result<Vec<u8>> {
        let kids: Vec<Object> = self.kids.iter().map(|id| (*id).into()).collect();
        let count = kids.len() as i64;
        self.doc.objects.insert(
            self.pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => kids,
                "Count" => count,
            }),
        );
        let catalog_id = self.doc.add_object(dictionary! {
            "Type" => "Catalog",
            "Pages" => self.pages_id,
            "Lang" => Object::string_literal("de-DE"),
        });
        let info_id = self.doc.add_object(dictionary! {
            "Title" => text_string(&info.title),
            "Author" => text_string(&info.author),
            "Subject" => text_string(&info.subject),
            "Keywords" => text_string(&info.keywords),
            "Creator" => text_string("Plankammer sample-plans generator"),
            "Producer" => text_string("lopdf 0.47"),
            "CreationDate" => Object::string_literal(info.date.as_str()),
            "ModDate" => Object::string_literal(info.date.as_str()),
        });
        self.doc.trailer.set("Root", catalog_id);
        self.doc.trailer.set("Info", info_id);
        // A fixed file identifier derived from the title, so reruns give the same bytes.
        let id = file_id(&info.title);
        self.doc.trailer.set(
            "ID",
            vec![
                Object::String(id.clone(), StringFormat::Hexadecimal),
                Object::String(id, StringFormat::Hexadecimal),
            ],
        );
        let mut out = Vec::new();
        self.doc.save_to(&mut out)?;
        Ok(out)
    }
}

/// 16 bytes from two FNV-1a hashes of `s`.
fn file_id(s: &str) -> Vec<u8> {
    let fnv = |seed: u64| {
        let mut h = seed;
        for b in s.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
        h
    };
    let mut v = fnv(0xcbf2_9ce4_8422_2325).to_be_bytes().to_vec();
    v.extend_from_slice(&fnv(0x8422_2325_cbf2_9ce4).to_be_bytes());
    v
}

fn standard_font(doc: &mut Document, name: &str) -> ObjectId {
    doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => name,
        "Encoding" => "WinAnsiEncoding",
    })
}

fn embed_font(doc: &mut Document, font: &EmbeddedFont) -> Result<ObjectId> {
    let mut file = Stream::new(
        dictionary! { "Length1" => font.program.len() as i64 },
        font.program.clone(),
    );
    file.compress()?;
    let file_id = doc.add_object(file);
    let descriptor_id = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => font.base_font.as_str(),
        "Flags" => font.flags,
        "FontBBox" => font.bbox.iter().map(|v| Object::Integer(*v as i64)).collect::<Vec<_>>(),
        "ItalicAngle" => 0,
        "Ascent" => font.ascent as i64,
        "Descent" => font.descent as i64,
        "CapHeight" => font.cap_height as i64,
        "StemV" => font.stem_v,
        "FontFile2" => file_id,
    });
    let mut to_unicode = Stream::new(Dictionary::new(), font.to_unicode_cmap());
    to_unicode.compress()?;
    let to_unicode_id = doc.add_object(to_unicode);
    let widths: Vec<Object> = (32..=255)
        .map(|c| Object::Integer(font.widths[c] as i64))
        .collect();
    Ok(doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "TrueType",
        "BaseFont" => font.base_font.as_str(),
        "FirstChar" => 32,
        "LastChar" => 255,
        "Widths" => widths,
        "FontDescriptor" => descriptor_id,
        "Encoding" => "WinAnsiEncoding",
        "ToUnicode" => to_unicode_id,
    }))
}

/// A number for a content stream: at most two decimals, no trailing zeros.
pub fn fmt_num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    let mut s = format!("{r:.2}");
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

#[cfg(test)]
mod tests {
    use super::fmt_num;

    #[test]
    fn numbers() {
        assert_eq!(fmt_num(1.0), "1");
        assert_eq!(fmt_num(-0.001), "0");
        assert_eq!(fmt_num(2.505), "2.51");
        assert_eq!(fmt_num(12.5), "12.5");
    }
}
