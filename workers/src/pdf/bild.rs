//! The picture of a scanned page: its image XObject, decoded through its filter chain
//! (ASCIIHex, ASCII85, Flate, then DCT/JPEG or raw samples) into 8-bit gray, within a
//! pixel limit that is checked before anything is allocated.

use image::GrayImage;
use lopdf::{Dictionary, Document, Object, Stream};
use std::io::Read;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BildFehler {
    /// More pixels than allowed: (pixels, limit).
    ZuGross(u64, u64),
    /// A filter we do not decode (JBIG2, CCITT, JPX): the page must be rendered instead.
    NichtUnterstuetzt(String),
    Defekt(String),
}

/// The largest image XObject of the page's resources, with its pixel size.
pub fn groesstes_bild<'a>(
    doc: &'a Document,
    resources: &'a Dictionary,
) -> Option<(&'a Stream, u64, u64)> {
    let xobjects = resources
        .get(b"XObject")
        .ok()
        .and_then(|x| doc.dereference(x).ok())
        .and_then(|(_, o)| o.as_dict().ok())?;
    let mut best: Option<(&Stream, u64, u64)> = None;
    for (_, v) in xobjects.iter() {
        let Ok((_, Object::Stream(s))) = doc.dereference(v) else {
            continue;
        };
        if s.dict.get(b"Subtype").ok().and_then(|t| t.as_name().ok()) != Some(b"Image".as_slice()) {
            continue;
        }
        let w = s
            .dict
            .get(b"Width")
            .ok()
            .and_then(|x| x.as_i64().ok())
            .unwrap_or(0)
            .max(0) as u64;
        let h = s
            .dict
            .get(b"Height")
            .ok()
            .and_then(|x| x.as_i64().ok())
            .unwrap_or(0)
            .max(0) as u64;
        // Saturating: Width and Height are the file's claim and may overflow u64 when
        // multiplied (a panic with overflow checks; tests/fuzz-funde).
        if best.is_none_or(|(_, bw, bh)| w.saturating_mul(h) > bw.saturating_mul(bh)) {
            best = Some((s, w, h));
        }
    }
    best
}

fn filters(dict: &Dictionary) -> Vec<Vec<u8>> {
    match dict.get(b"Filter") {
        Ok(Object::Name(n)) => vec![n.clone()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => vec![],
    }
}

/// Decodes an image XObject to gray, refusing more than `max_pixel` pixels and more than
/// `max_bytes` of intermediate data.
pub fn dekodiere(
    stream: &Stream,
    w: u64,
    h: u64,
    max_pixel: u64,
    max_bytes: usize,
) -> Result<GrayImage, BildFehler> {
    if w == 0 || h == 0 {
        return Err(BildFehler::Defekt("Bild ohne Größe".into()));
    }
    if w.saturating_mul(h) > max_pixel {
        return Err(BildFehler::ZuGross(w.saturating_mul(h), max_pixel));
    }
    let mut data = stream.content.clone();
    let chain = filters(&stream.dict);
    for (i, f) in chain.iter().enumerate() {
        let last = i + 1 == chain.len();
        data = match f.as_slice() {
            b"ASCIIHexDecode" | b"AHx" => ascii_hex(&data),
            b"ASCII85Decode" | b"A85" => ascii85(&data).map_err(BildFehler::Defekt)?,
            b"FlateDecode" | b"Fl" => inflate(&data, max_bytes)?,
            b"DCTDecode" | b"DCT" if last => return jpeg(&data, w, h, max_pixel),
            other => {
                return Err(BildFehler::NichtUnterstuetzt(
                    String::from_utf8_lossy(other).to_string(),
                ));
            }
        };
    }
    raw_samples(&stream.dict, &data, w, h)
}

fn inflate(data: &[u8], max_bytes: usize) -> Result<Vec<u8>, BildFehler> {
    let mut out = Vec::new();
    let mut dec = flate2::read::ZlibDecoder::new(data).take(max_bytes as u64 + 1);
    dec.read_to_end(&mut out)
        .map_err(|e| BildFehler::Defekt(format!("Flate: {e}")))?;
    if out.len() > max_bytes {
        return Err(BildFehler::ZuGross(out.len() as u64, max_bytes as u64));
    }
    Ok(out)
}

fn jpeg(data: &[u8], w: u64, h: u64, max_pixel: u64) -> Result<GrayImage, BildFehler> {
    let mut reader =
        image::ImageReader::with_format(std::io::Cursor::new(data), image::ImageFormat::Jpeg);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(w.min(u32::MAX as u64) as u32 + 16);
    limits.max_image_height = Some(h.min(u32::MAX as u64) as u32 + 16);
    limits.max_alloc = Some(max_pixel.saturating_mul(4));
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| BildFehler::Defekt(format!("JPEG: {e}")))?;
    Ok(img.into_luma8())
}

fn raw_samples(dict: &Dictionary, data: &[u8], w: u64, h: u64) -> Result<GrayImage, BildFehler> {
    let bpc = dict
        .get(b"BitsPerComponent")
        .ok()
        .and_then(|b| b.as_i64().ok())
        .unwrap_or(8);
    let cs = dict
        .get(b"ColorSpace")
        .ok()
        .and_then(|c| c.as_name().ok())
        .unwrap_or(b"DeviceGray");
    let comps: u64 = match cs {
        b"DeviceGray" | b"G" => 1,
        b"DeviceRGB" | b"RGB" => 3,
        b"DeviceCMYK" | b"CMYK" => 4,
        other => {
            return Err(BildFehler::NichtUnterstuetzt(format!(
                "Farbraum {}",
                String::from_utf8_lossy(other)
            )));
        }
    };
    let (w32, h32) = (w as u32, h as u32);
    match bpc {
        8 => {
            let need = (w * h * comps) as usize;
            if data.len() < need {
                return Err(BildFehler::Defekt("zu wenige Bilddaten".into()));
            }
            let gray: Vec<u8> = match comps {
                1 => data[..need].to_vec(),
                3 => data[..need]
                    .chunks_exact(3)
                    .map(|p| {
                        ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8
                    })
                    .collect(),
                _ => data[..need]
                    .chunks_exact(4)
                    .map(|p| {
                        255u8.saturating_sub(
                            ((p[0] as u32 + p[1] as u32 + p[2] as u32) / 3 + p[3] as u32).min(255)
                                as u8,
                        )
                    })
                    .collect(),
            };
            GrayImage::from_raw(w32, h32, gray)
                .ok_or_else(|| BildFehler::Defekt("Bildgröße".into()))
        }
        1 if comps == 1 => {
            let row = w.div_ceil(8) as usize;
            if data.len() < row * h as usize {
                return Err(BildFehler::Defekt("zu wenige Bilddaten".into()));
            }
            let decode_inverted = dict
                .get(b"Decode")
                .ok()
                .and_then(|d| d.as_array().ok())
                .and_then(|a| a.first())
                .and_then(|v| v.as_float().ok())
                == Some(1.0);
            let mut gray = Vec::with_capacity((w * h) as usize);
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let bit = (data[y * row + x / 8] >> (7 - (x % 8))) & 1;
                    let white = (bit == 1) != decode_inverted;
                    gray.push(if white { 255 } else { 0 });
                }
            }
            GrayImage::from_raw(w32, h32, gray)
                .ok_or_else(|| BildFehler::Defekt("Bildgröße".into()))
        }
        other => Err(BildFehler::NichtUnterstuetzt(format!(
            "{other} Bit je Farbwert"
        ))),
    }
}

fn ascii_hex(data: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = data
        .iter()
        .take_while(|b| **b != b'>')
        .filter(|b| b.is_ascii_hexdigit())
        .copied()
        .collect();
    digits
        .chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16).unwrap_or(0) as u8;
            let lo = p
                .get(1)
                .map(|c| (*c as char).to_digit(16).unwrap_or(0) as u8)
                .unwrap_or(0);
            hi << 4 | lo
        })
        .collect()
}

fn ascii85(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() * 4 / 5);
    let mut group: Vec<u32> = Vec::with_capacity(5);
    let body = data.strip_prefix(b"<~").unwrap_or(data);
    for &c in body {
        match c {
            b'~' => break,
            b'z' if group.is_empty() => out.extend_from_slice(&[0, 0, 0, 0]),
            b'!'..=b'u' => {
                group.push((c - b'!') as u32);
                if group.len() == 5 {
                    let v = group.iter().fold(0u64, |acc, d| acc * 85 + *d as u64);
                    if v > u32::MAX as u64 {
                        return Err("ASCII85: Wert zu groß".into());
                    }
                    out.extend_from_slice(&(v as u32).to_be_bytes());
                    group.clear();
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => return Err("ASCII85: ungültiges Zeichen".into()),
        }
    }
    if !group.is_empty() {
        let n = group.len();
        while group.len() < 5 {
            group.push(84);
        }
        let v = group
            .iter()
            .fold(0u64, |acc, d| acc * 85 + *d as u64)
            .min(u32::MAX as u64) as u32;
        out.extend_from_slice(&v.to_be_bytes()[..n - 1]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_filters() {
        assert_eq!(ascii_hex(b"48 61 6C6C6F>"), b"Hallo");
        assert_eq!(ascii_hex(b"4>"), [0x40]);
        assert_eq!(ascii85(b"<~87cURD]i,\"Ebo80~>").unwrap(), b"Hello World!");
        assert_eq!(ascii85(b"z~>").unwrap(), [0, 0, 0, 0]);
    }

    #[test]
    fn pixel_limit_is_checked_before_decoding() {
        let s = Stream::new(
            lopdf::dictionary! { "Subtype" => "Image", "Width" => 100000, "Height" => 100000 },
            vec![],
        );
        assert_eq!(
            dekodiere(&s, 100_000, 100_000, 80_000_000, 1 << 20),
            Err(BildFehler::ZuGross(10_000_000_000, 80_000_000))
        );
    }

    #[test]
    fn raw_gray_and_bilevel_samples() {
        let s = Stream::new(
            lopdf::dictionary! { "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
            vec![0, 128, 255, 7],
        );
        let g = dekodiere(&s, 2, 2, 100, 1 << 20).unwrap();
        assert_eq!(g.as_raw(), &vec![0, 128, 255, 7]);
        let s = Stream::new(
            lopdf::dictionary! { "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1 },
            vec![0b1010_0000],
        );
        assert_eq!(
            dekodiere(&s, 3, 1, 100, 1 << 20).unwrap().as_raw(),
            &vec![255, 0, 255]
        );
    }

    #[test]
    fn unsupported_filters_are_named() {
        let s = Stream::new(
            lopdf::dictionary! { "Filter" => "JBIG2Decode" },
            vec![1, 2, 3],
        );
        assert_eq!(
            dekodiere(&s, 10, 10, 1000, 1 << 20),
            Err(BildFehler::NichtUnterstuetzt("JBIG2Decode".into()))
        );
    }
}
