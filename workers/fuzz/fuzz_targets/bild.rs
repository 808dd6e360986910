//! Image XObject decoding (`bild::dekodiere`, and `bild::groesstes_bild` for PDFs).
//!
//! Two input shapes, so that the fuzzer reaches the filter chain without first having to
//! build a valid PDF around it:
//! - input starting with `%PDF-`: loaded with lopdf; on every page (at most 50) the largest
//!   image XObject is decoded, as the extract stage does for scans;
//! - anything else: an 8-byte header picks the stream dictionary, the rest is the stream's
//!   raw content.
//!
//!   | bytes | meaning                                                               |
//!   |-------|-----------------------------------------------------------------------|
//!   | 0–1   | little-endian u16; bits 0–8: three 3-bit filter slots (`FILTERS`, 0 ends the chain) |
//!   | 1     | bits 1–3: colour space (`FARBRAEUME`); bit 7: `/Decode [1 0]`         |
//!   | 2     | `/BitsPerComponent` (`BPC`, modulo its length)                        |
//!   | 3     | unused (kept for growth)                                              |
//!   | 4–5   | width, big endian                                                     |
//!   | 6–7   | height, big endian                                                    |

#![no_main]

use libfuzzer_sys::fuzz_target;
use lopdf::{Dictionary, Document, LoadOptions, Object, Stream};
use plankammer_workers::pdf::bild;

/// The limits of `LeseGrenzen::default()`.
const MAX_PIXEL: u64 = 80_000_000;
const MAX_BYTES: usize = 128 * 1024 * 1024;

const FILTERS: [&str; 8] = [
    "",
    "ASCIIHexDecode",
    "ASCII85Decode",
    "FlateDecode",
    "DCTDecode",
    "AHx",
    "Fl",
    "CCITTFaxDecode",
];
const FARBRAEUME: [Option<&str>; 8] = [
    None,
    Some("DeviceGray"),
    Some("DeviceRGB"),
    Some("DeviceCMYK"),
    Some("G"),
    Some("RGB"),
    Some("CMYK"),
    Some("Indexed"),
];
const BPC: [Option<i64>; 6] = [None, Some(8), Some(1), Some(2), Some(16), Some(0)];

fn strukturiert(data: &[u8]) {
    let Some((kopf, inhalt)) = data.split_first_chunk::<8>() else {
        return;
    };
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XObject".to_vec()));
    dict.set("Subtype", Object::Name(b"Image".to_vec()));
    let bits = u16::from_le_bytes([kopf[0], kopf[1]]);
    let chain: Vec<Object> = (0..3)
        .map(|i| FILTERS[usize::from((bits >> (3 * i)) & 7)])
        .take_while(|f| !f.is_empty())
        .map(|f| Object::Name(f.as_bytes().to_vec()))
        .collect();
    match chain.len() {
        0 => {}
        1 => dict.set("Filter", chain[0].clone()),
        _ => dict.set("Filter", Object::Array(chain)),
    }
    if let Some(cs) = FARBRAEUME[usize::from((kopf[1] >> 1) & 7)] {
        dict.set("ColorSpace", Object::Name(cs.as_bytes().to_vec()));
    }
    if let Some(b) = BPC[usize::from(kopf[2]) % BPC.len()] {
        dict.set("BitsPerComponent", b);
    }
    if kopf[1] & 0x80 != 0 {
        dict.set("Decode", vec![Object::Integer(1), Object::Integer(0)]);
    }
    let w = u64::from(u16::from_be_bytes([kopf[4], kopf[5]]));
    let h = u64::from(u16::from_be_bytes([kopf[6], kopf[7]]));
    dict.set("Width", w as i64);
    dict.set("Height", h as i64);
    let stream = Stream::new(dict, inhalt.to_vec());
    pruefe_bild(&stream, w, h);
}

fn pruefe_bild(stream: &Stream, w: u64, h: u64) {
    if let Ok(img) = bild::dekodiere(stream, w, h, MAX_PIXEL, MAX_BYTES) {
        let (iw, ih) = img.dimensions();
        assert!(u64::from(iw) * u64::from(ih) <= MAX_PIXEL * 2, "{iw}×{ih}");
    }
}

fn als_pdf(data: &[u8]) {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_BYTES),
        ..LoadOptions::default()
    };
    let Ok(doc) = Document::load_mem_with_options(data, options) else {
        return;
    };
    for pid in doc.page_iter().take(50) {
        let Ok(page) = doc.get_dictionary(pid) else {
            continue;
        };
        let Some(resources) = page
            .get(b"Resources")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
        else {
            continue;
        };
        if let Some((stream, w, h)) = bild::groesstes_bild(&doc, resources) {
            pruefe_bild(stream, w, h);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"%PDF-") {
        als_pdf(data);
    } else {
        strukturiert(data);
    }
});
