//! The extract stage's text-layer path (`lese`) on arbitrary bytes, without OCR and without
//! rendering: an OCR time budget of zero makes every page without a usable text layer end
//! at the budget check, before the image decoder, hayro or Tesseract are touched.

#![no_main]

use libfuzzer_sys::fuzz_target;
use plankammer_workers::pdf::lesen::{LeseGrenzen, Leseergebnis, lese};

fuzz_target!(|data: &[u8]| {
    let g = LeseGrenzen {
        max_ocr_ms_gesamt: 0,
        max_ocr_ms_schriftfelder: 0,
        ..LeseGrenzen::default()
    };
    let r = lese(data, &g);
    for (i, s) in r.seiten.iter().enumerate() {
        assert_eq!(s.nummer as usize, i + 1);
        assert!(s.ocr_ms.is_none(), "no OCR in this target");
    }
    let json = serde_json::to_string(&r).expect("serialises");
    let _: Leseergebnis = serde_json::from_str(&json).expect("reads back");
});
