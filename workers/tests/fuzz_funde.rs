//! What fuzzing the validate stage (workers/fuzz) turned up, kept as regression tests:
//! every file in `tests/fuzz-funde/` goes through `pruefe` and must end in the result noted
//! in `EXPECTED`, in bounded time, without a panic, and survive the sandbox's JSON round
//! trip. A file cannot be added without deciding what its right answer is.
//!
//! The ignored test `schreibe_fuzz_saat` writes the fuzzing seeds (see workers/fuzz/seeds.sh).

use plankammer_workers::pdf::lesen::{LeseGrenzen, lese};
use plankammer_workers::pdf::muster::{self, feindlich};
use plankammer_workers::pdf::{Grenzen, Pruefergebnis, pruefe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the validate stage must say about one file.
struct Erwartung {
    datei: &'static str,
    lesbar: bool,
    seiten: usize,
    /// The finding codes, exactly and in order.
    codes: &'static [&'static str],
}

const EXPECTED: &[Erwartung] = &[
    // Bugs (each panicked before its fix in src/pdf/):
    // XMP `pdfaid:part=' '` with an empty conformance: `split_at(1)` of "" panicked.
    Erwartung {
        datei: "pdfa_ohne_teil.pdf",
        lesbar: true,
        seiten: 1,
        codes: &[],
    },
    // `<pdfaid:part>ä</pdfaid:part>`: `split_at(1)` inside a multi-byte character panicked.
    Erwartung {
        datei: "pdfa_umlaut.pdf",
        lesbar: true,
        seiten: 1,
        codes: &[],
    },
    // Two images of 9999999999 × 9999999999 px: `w * h` overflowed u64 (pruefen.rs and
    // bild.rs) in builds with overflow checks.
    Erwartung {
        datei: "bildgroesse_ueberlauf.pdf",
        lesbar: true,
        seiten: 1,
        codes: &[],
    },
    // Found by the fuzzer: a page tree whose only kid is a missing object was "readable,
    // 0 pages, no finding"; now it is a document without pages.
    Erwartung {
        datei: "seitenbaum_ohne_seitenobjekt.pdf",
        lesbar: false,
        seiten: 0,
        codes: &["pdf.keine_seiten"],
    },
    // The same with active content in the salvaged objects: still reported.
    Erwartung {
        datei: "javascript_ohne_seiten.pdf",
        lesbar: false,
        seiten: 0,
        codes: &["pdf.javascript", "pdf.startaktion", "pdf.keine_seiten"],
    },
    // Corpus entries that reached new coverage, kept for what they assert:
    // a header and a stray XMP fragment, no objects.
    Erwartung {
        datei: "nur_kopf_und_xmp.pdf",
        lesbar: false,
        seiten: 0,
        codes: &["pdf.beschaedigt"],
    },
    // A page dictionary overwritten with binary garbage.
    Erwartung {
        datei: "verstuemmelte_seitenrahmen.pdf",
        lesbar: false,
        seiten: 0,
        codes: &["pdf.keine_seiten"],
    },
    // A mangled MediaBox/CropBox/Rotate/UserUnit page that still yields a size.
    Erwartung {
        datei: "sonderformat_verstuemmelt.pdf",
        lesbar: true,
        seiten: 1,
        codes: &["seite.sonderformat"],
    },
];

fn funde() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-funde");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "pdf"));
    files.sort();
    files
}

#[test]
fn every_fuzz_finding_ends_in_the_expected_result() {
    let files = funde();
    let mut names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    let mut expected: Vec<String> = EXPECTED.iter().map(|e| e.datei.to_string()).collect();
    names.sort();
    expected.sort();
    assert_eq!(
        names, expected,
        "every file in tests/fuzz-funde needs exactly one entry in EXPECTED"
    );
    for e in EXPECTED {
        let name = e.datei;
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz-funde")
            .join(name);
        let bytes = std::fs::read(&path).unwrap();
        let start = Instant::now();
        let r = pruefe(&bytes, &Grenzen::default());
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{name}: bounded time"
        );
        let codes: Vec<&str> = r.feststellungen.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, e.codes, "{name}: {r:?}");
        assert_eq!(r.lesbar, e.lesbar, "{name}: {r:?}");
        assert_eq!(r.seitenzahl, e.seiten, "{name}: {r:?}");
        assert_eq!(r.seiten.len(), e.seiten, "{name}: {r:?}");
        assert!(
            r.lesbar || !r.feststellungen.is_empty(),
            "{name}: an unreadable file says why"
        );
        for f in &r.feststellungen {
            assert!(
                f.meldung.starts_with("Die ") || f.meldung.starts_with("Seite "),
                "{name}: a German sentence for people: {}",
                f.meldung
            );
        }
        // The sandbox hands the result to the worker as JSON.
        let json = serde_json::to_string(&r).unwrap();
        let back: Pruefergebnis = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r, "{name}: JSON round trip");
        // The text layer reader (no OCR: a zero OCR budget) survives them too.
        let gelesen = lese(
            &bytes,
            &LeseGrenzen {
                max_ocr_ms_gesamt: 0,
                max_ocr_ms_schriftfelder: 0,
                ..LeseGrenzen::default()
            },
        );
        assert!(gelesen.seiten.iter().all(|s| s.ocr_ms.is_none()), "{name}");
    }
}

/// Seeds for `cargo fuzz`: the hostile corpus plus small PDFs that reach the parts of the
/// validator the corpus does not (PDF/A claim, image filters, embedded fonts, page boxes),
/// and headers for the `bild` target. Writes into `$FUZZ_SAAT/{pruefen,lesen,bild}`.
#[test]
#[ignore = "writes fuzzing seeds; run by workers/fuzz/seeds.sh"]
fn schreibe_fuzz_saat() {
    let Some(root) = std::env::var_os("FUZZ_SAAT") else {
        panic!("set FUZZ_SAAT to the corpus folder");
    };
    let root = PathBuf::from(root);
    let pdfs = saat_pdfs();
    for target in ["pruefen", "lesen", "bild"] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in feindlich::korpus().into_iter().chain(pdfs.clone()) {
            // libFuzzer cuts inputs at -max_len anyway; the 10000-page file and the bomb
            // are kept whole only for the validator.
            if target != "pruefen" && bytes.len() > 200_000 {
                continue;
            }
            std::fs::write(dir.join(format!("seed_{name}")), bytes).unwrap();
        }
    }
    for (name, bytes) in bild_koepfe() {
        std::fs::write(root.join("bild").join(format!("seed_{name}")), bytes).unwrap();
    }
}

fn saat_pdfs() -> Vec<(&'static str, Vec<u8>)> {
    use muster::{A1_QUER, A4, pdf_with, stream};
    let xmp = b"<?xpacket begin=''?><x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><rdf:Description pdfaid:part='2' pdfaid:conformance='B'/><pdfaid:part>2</pdfaid:part></rdf:RDF></x:xmpmeta>";
    let gray: Vec<u8> = (0..64u8).map(|i| i * 4).collect();
    let hex: String = gray.iter().map(|b| format!("{b:02X}")).collect();
    let scan = |dict: &str, data: &[u8]| {
        pdf_with(
            &[A4],
            "",
            "/Resources << /XObject << /Im0 9 0 R >> >> /Contents 10 0 R",
            &[
                stream(
                    &format!("/Type /XObject /Subtype /Image /Width 8 /Height 8 {dict}"),
                    data,
                ),
                stream("", b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
            ],
        )
    };
    vec![
        ("mit_text.pdf", muster::mit_text("Grundriss Erdgeschoss M 1:100")),
        (
            "pdfa.pdf",
            pdf_with(
                &[A4],
                "/Metadata 9 0 R",
                "",
                &[stream("/Type /Metadata /Subtype /XML", xmp)],
            ),
        ),
        (
            "seitenrahmen.pdf",
            pdf_with(
                &[A1_QUER, (1683.78, 3400.0)],
                "",
                "/CropBox [10 10 2000 1500] /Rotate -90 /UserUnit 2.5",
                &[],
            ),
        ),
        (
            "scan_ahx_gray.pdf",
            scan(
                "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /ASCIIHexDecode",
                format!("{hex}>").as_bytes(),
            ),
        ),
        (
            "scan_a85_bilevel.pdf",
            scan(
                "/ColorSpace /DeviceGray /BitsPerComponent 1 /Decode [1 0] /Filter [/ASCII85Decode]",
                b"<~s8W-!s8W-!~>",
            ),
        ),
        (
            "scan_flate.pdf",
            scan(
                "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
                &zlib(&gray),
            ),
        ),
        (
            "scan_rgb.pdf",
            scan("/ColorSpace /DeviceRGB /BitsPerComponent 8", &[0x80; 8 * 8 * 3]),
        ),
        (
            "schriften.pdf",
            pdf_with(
                &[A4],
                "",
                "/Resources << /Font << /F1 9 0 R /F2 10 0 R /F3 12 0 R >> >>",
                &[
                    b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Arial /DescendantFonts [11 0 R] >>".to_vec(),
                    b"<< /Type /Font /Subtype /TrueType /BaseFont /Frutiger /FontDescriptor 13 0 R >>".to_vec(),
                    b"<< /Type /Font /Subtype /CIDFontType2 /FontDescriptor << /FontName /Arial >> >>".to_vec(),
                    b"<< /Type /Font /Subtype /Type3 >>".to_vec(),
                    b"<< /Type /FontDescriptor /FontFile2 14 0 R >>".to_vec(),
                    stream("", b"\0\x01\0\0"),
                ],
            ),
        ),
    ]
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// Inputs of the `bild` target's structured shape: 8 header bytes, then the stream data.
fn bild_koepfe() -> Vec<(&'static str, Vec<u8>)> {
    let kopf = |filter: u16, cs: u8, bpc: u8, w: u16, h: u16, data: &[u8]| {
        let f = filter.to_le_bytes();
        let mut v = vec![f[0], f[1] | (cs << 1), bpc, 0];
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(data);
        v
    };
    vec![
        ("roh_grau.bin", kopf(0, 1, 1, 4, 4, &[7; 16])),
        ("roh_rgb.bin", kopf(0, 2, 1, 2, 2, &[200; 12])),
        ("roh_cmyk.bin", kopf(0, 3, 1, 2, 2, &[9; 16])),
        (
            "bilevel.bin",
            kopf(0, 1, 2, 9, 2, &[0xA5, 0x80, 0x5A, 0x00]),
        ),
        ("ahx.bin", kopf(1, 1, 1, 2, 1, b"FF 00>")),
        ("a85_ahx.bin", kopf(2 | (1 << 3), 1, 1, 2, 1, b"<~1,(F~>")),
        ("jpeg.bin", kopf(4, 1, 1, 1, 1, b"\xff\xd8\xff\xd9")),
        ("flate_grau.bin", kopf(3, 1, 1, 8, 8, &zlib(&[0x40; 64]))),
    ]
}
