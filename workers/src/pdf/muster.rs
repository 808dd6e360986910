//! Small PDFs written byte by byte, for tests, fuzzing seeds and the hostile corpus: exact,
//! tiny, and free of any library's opinions. Object 1 is the catalog, 2 the page tree,
//! pages follow from 3; extra objects are numbered from 9 up.

use std::io::Write;

/// Assembles objects (numbered from 1) into a PDF with a correct cross-reference table.
pub fn assemble(objs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A stream object from a dictionary body (without `<< >>`) and data.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// One page per `(width_pt, height_pt)`; `catalog_extra` goes into the catalog and
/// `page_extra` into every page dictionary; `extra` objects are numbered from 9.
pub fn pdf_with(
    pages: &[(f64, f64)],
    catalog_extra: &str,
    page_extra: &str,
    extra: &[Vec<u8>],
) -> Vec<u8> {
    let first_page = 3;
    let kids: Vec<String> = (0..pages.len())
        .map(|i| {
            format!(
                "{} 0 R",
                first_page + i + if i >= 6 { extra.len() } else { 0 }
            )
        })
        .collect();
    let mut objs: Vec<Vec<u8>> = Vec::new();
    objs.push(format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>").into_bytes());
    objs.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
    );
    let page = |(w, h): &(f64, f64)| {
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] {page_extra} >>").into_bytes()
    };
    for p in pages.iter().take(6) {
        objs.push(page(p));
    }
    while objs.len() < 8 {
        objs.push(b"<< >>".to_vec());
    }
    objs.extend(extra.iter().cloned());
    for p in pages.iter().skip(6) {
        objs.push(page(p));
    }
    assemble(&objs)
}

pub const A4: (f64, f64) = (595.276, 841.89);
pub const A1_QUER: (f64, f64) = (2383.94, 1683.78);

/// An A4 portrait PDF with `n` empty pages.
pub fn a4(n: usize) -> Vec<u8> {
    pdf_with(&vec![A4; n], "", "", &[])
}

/// A page with one line of text in a standard font (not embedded).
pub fn mit_text(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    pdf_with(
        &[A4],
        "",
        "/Resources << /Font << /F1 9 0 R >> >> /Contents 10 0 R",
        &[
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .to_vec(),
            stream("", content.as_bytes()),
        ],
    )
}

/// The hostile corpus: each entry is (name, bytes).
pub mod feindlich {
    use super::*;

    /// A valid PDF cut off at 60 %.
    pub fn abgeschnitten() -> Vec<u8> {
        let full = mit_text("Grundriss Erdgeschoss");
        full[..full.len() * 6 / 10].to_vec()
    }

    /// PNG bytes behind a `.pdf` name.
    pub fn falsche_signatur() -> Vec<u8> {
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec()
    }

    /// A Flate stream that inflates to `inflated_mb` MiB of zeros (a few hundred KiB on
    /// disk), used as the page's content and as the XMP metadata.
    pub fn dekompressionsbombe(inflated_mb: usize) -> Vec<u8> {
        let mut enc = flate2_lite::ZlibZeros::new();
        let data = enc.zeros(inflated_mb * 1024 * 1024);
        pdf_with(
            &[A4],
            "/Metadata 10 0 R",
            "/Contents 9 0 R",
            &[
                stream("/Filter /FlateDecode", &data),
                stream("/Type /Metadata /Subtype /XML /Filter /FlateDecode", &data),
            ],
        )
    }

    /// An image XObject that claims 100000 × 100000 pixels (with almost no data).
    pub fn riesenbild() -> Vec<u8> {
        pdf_with(
            &[A4],
            "",
            "/Resources << /XObject << /Im0 9 0 R >> >> /Contents 10 0 R",
            &[
                stream(
                    "/Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
                    b"\xff\xd8\xff\xd9",
                ),
                stream("", b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
            ],
        )
    }

    /// A page tree whose node lists itself, and objects that refer to themselves.
    pub fn zyklischer_seitenbaum() -> Vec<u8> {
        assemble(&[
            b"<< /Type /Catalog /Pages 2 0 R /Outlines 5 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R 3 0 R 4 0 R] /Count 3 >>".to_vec(),
            b"<< /Type /Page /Parent 4 0 R /MediaBox 6 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Parent 2 0 R /Count 2 >>".to_vec(),
            b"5 0 R".to_vec(),
            b"6 0 R".to_vec(),
        ])
    }

    /// `n` pages (10000 for the corpus).
    pub fn viele_seiten(n: usize) -> Vec<u8> {
        let mut objs: Vec<Vec<u8>> = Vec::with_capacity(n + 2);
        let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", i + 3)).collect();
        objs.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
        objs.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
        for _ in 0..n {
            objs.push(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec());
        }
        assemble(&objs)
    }

    /// JavaScript run on opening, and a launch action on a link.
    pub fn mit_javascript() -> Vec<u8> {
        pdf_with(&[A4], "/OpenAction 9 0 R", "/Annots [10 0 R]", &[
            b"<< /Type /Action /S /JavaScript /JS (app.alert\\('hallo'\\)) >>".to_vec(),
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /Launch /F (cmd.exe) >> >>".to_vec(),
        ])
    }

    /// A file attached to the document.
    pub fn mit_anhang() -> Vec<u8> {
        pdf_with(
            &[A4],
            "/Names << /EmbeddedFiles << /Names [(a.exe) 9 0 R] >> >>",
            "",
            &[
                b"<< /Type /Filespec /F (a.exe) /EF << /F 10 0 R >> >>".to_vec(),
                stream("/Type /EmbeddedFile", b"MZ"),
            ],
        )
    }

    pub fn leer() -> Vec<u8> {
        Vec::new()
    }

    /// Everything above, named.
    pub fn korpus() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("abgeschnitten.pdf", abgeschnitten()),
            ("falsche_signatur.pdf", falsche_signatur()),
            ("dekompressionsbombe.pdf", dekompressionsbombe(512)),
            ("riesenbild.pdf", riesenbild()),
            ("zyklischer_seitenbaum.pdf", zyklischer_seitenbaum()),
            ("zehntausend_seiten.pdf", viele_seiten(10_000)),
            ("javascript.pdf", mit_javascript()),
            ("anhang.pdf", mit_anhang()),
            ("leer.pdf", leer()),
        ]
    }
}

/// A tiny zlib writer for long runs of zeros using stored fixed-Huffman blocks, so the
/// corpus needs no compression crate: runs of 258 zeros cost a few bits each.
mod flate2_lite {
    pub struct ZlibZeros {
        bits: u64,
        nbits: u32,
        out: Vec<u8>,
    }

    impl ZlibZeros {
        pub fn new() -> Self {
            ZlibZeros {
                bits: 0,
                nbits: 0,
                out: Vec::new(),
            }
        }

        fn put(&mut self, value: u32, n: u32) {
            self.bits |= (value as u64) << self.nbits;
            self.nbits += n;
            while self.nbits >= 8 {
                self.out.push(self.bits as u8);
                self.bits >>= 8;
                self.nbits -= 8;
            }
        }

        /// Fixed-Huffman codes are written MSB first.
        fn put_rev(&mut self, code: u32, n: u32) {
            let mut r = 0;
            for i in 0..n {
                r |= ((code >> i) & 1) << (n - 1 - i);
            }
            self.put(r, n);
        }

        /// zlib data that inflates to `len` zero bytes.
        pub fn zeros(&mut self, len: usize) -> Vec<u8> {
            self.out.extend_from_slice(&[0x78, 0x01]);
            self.put(1, 1); // final block
            self.put(1, 2); // fixed Huffman
            // literal 0: code 0x30, 8 bits
            self.put_rev(0x30, 8);
            let mut remaining = len.saturating_sub(1);
            while remaining > 0 {
                let run = remaining.min(258);
                if run < 3 {
                    for _ in 0..run {
                        self.put_rev(0x30, 8);
                    }
                    remaining -= run;
                    continue;
                }
                // Length code for `run`, then distance 1 (code 0, 5 bits).
                let (code, extra_bits, base) = length_code(run);
                if code <= 279 {
                    self.put_rev(code - 256, 7);
                } else {
                    self.put_rev(code - 280 + 0xC0, 8);
                }
                if extra_bits > 0 {
                    self.put((run - base) as u32, extra_bits);
                }
                self.put_rev(0, 5);
                remaining -= run;
            }
            self.put_rev(0, 7); // end of block (256)
            if self.nbits > 0 {
                self.put(0, 8 - self.nbits);
            }
            // Adler-32 of `len` zeros: a = 1, b = len mod 65521.
            let b = (len % 65521) as u32;
            let adler = (b << 16) | 1;
            self.out.extend_from_slice(&adler.to_be_bytes());
            std::mem::take(&mut self.out)
        }
    }

    fn length_code(len: usize) -> (u32, u32, usize) {
        const BASE: [usize; 29] = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
            115, 131, 163, 195, 227, 258,
        ];
        const EXTRA: [u32; 29] = [
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
        ];
        let i = BASE.iter().rposition(|b| *b <= len).unwrap_or(0);
        (257 + i as u32, EXTRA[i], BASE[i])
    }
}

/// Writes the hostile corpus into a folder (for `cargo fuzz` seeds and manual checks).
pub fn schreibe_korpus(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in feindlich::korpus() {
        std::fs::File::create(dir.join(name))?.write_all(&bytes)?;
    }
    Ok(())
}
