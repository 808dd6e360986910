//! Reading the generated PDFs back with lopdf, the way the document pipeline does: text
//! layer, fonts, page sizes, scan images. Used by the tests and by `verify`.

use crate::pdf::{ImageData, ImageFilter, PT_PER_MM};
use anyhow::{Context, Result, anyhow, bail};
use lopdf::{Dictionary, Document, Object};

pub fn load(bytes: &[u8]) -> Result<Document> {
    let doc = Document::load_mem(bytes).context("lopdf: PDF nicht lesbar")?;
    if doc.get_pages().is_empty() {
        bail!("PDF ohne Seiten");
    }
    Ok(doc)
}

/// The text layer of all pages as lopdf extracts it, split into trimmed lines.
pub fn text_lines(bytes: &[u8]) -> Result<Vec<String>> {
    let doc = load(bytes)?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages)?;
    Ok(text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// Page sizes in mm.
pub fn page_sizes_mm(bytes: &[u8]) -> Result<Vec<(f64, f64)>> {
    let doc = load(bytes)?;
    let mut out = Vec::new();
    for id in doc.get_pages().values() {
        let page = doc.get_dictionary(*id)?;
        let mb = page.get(b"MediaBox")?.as_array()?;
        let v: Vec<f64> = mb
            .iter()
            .map(|o| o.as_float().map(|f| f as f64))
            .collect::<std::result::Result<_, _>>()?;
        if v.len() != 4 {
            bail!("MediaBox mit {} Werten", v.len());
        }
        out.push(((v[2] - v[0]) / PT_PER_MM, (v[3] - v[1]) / PT_PER_MM));
    }
    Ok(out)
}

/// Every font used on any page: (BaseFont, embedded?).
pub fn fonts(bytes: &[u8]) -> Result<Vec<(String, bool)>> {
    let doc = load(bytes)?;
    let mut out: Vec<(String, bool)> = Vec::new();
    for id in doc.get_pages().values() {
        for (_, font) in doc.get_page_fonts(*id)? {
            let name = String::from_utf8_lossy(font.get(b"BaseFont")?.as_name()?).to_string();
            let embedded = font
                .get_deref(b"FontDescriptor", &doc)
                .and_then(Object::as_dict)
                .map(|d: &Dictionary| {
                    d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3")
                })
                .unwrap_or(false);
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, embedded));
            }
        }
    }
    Ok(out)
}

/// The image of every page of an image-only PDF (the XObject /Im1), as stored.
pub fn page_images(bytes: &[u8]) -> Result<Vec<ImageData>> {
    let doc = load(bytes)?;
    let mut out = Vec::new();
    for id in doc.get_pages().values() {
        let page = doc.get_dictionary(*id)?;
        let res = page.get_deref(b"Resources", &doc)?.as_dict()?;
        let xo = res.get_deref(b"XObject", &doc)?.as_dict()?;
        let im = xo.get_deref(b"Im1", &doc)?.as_stream()?;
        let filter = match im.dict.get(b"Filter")?.as_name()? {
            b"DCTDecode" => ImageFilter::Dct,
            b"FlateDecode" => ImageFilter::Flate,
            other => return Err(anyhow!("Filter {}", String::from_utf8_lossy(other))),
        };
        out.push(ImageData {
            width: im.dict.get(b"Width")?.as_i64()? as u32,
            height: im.dict.get(b"Height")?.as_i64()? as u32,
            filter,
            data: im.content.clone(),
        });
    }
    Ok(out)
}
