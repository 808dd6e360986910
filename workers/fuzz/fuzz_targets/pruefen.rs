//! The validate stage (`pruefe`) on arbitrary bytes, with the limits production uses.
//!
//! Besides "no panic, no hang, no OOM" it checks what the worker relies on: the result
//! survives the JSON round trip the sandbox makes (child → parent), and an unreadable
//! file always says why in a German finding.

#![no_main]

use libfuzzer_sys::fuzz_target;
use plankammer_workers::pdf::{Grenzen, Pruefergebnis, pruefe};

fuzz_target!(|data: &[u8]| {
    // Exactly what the sandbox child gets: `Grenzen::default()` serialised by the worker
    // (src/main.rs) and parsed back in `plankammer sandbox pruefen`.
    let r = pruefe(data, &Grenzen::default());

    if !r.lesbar {
        assert!(
            !r.feststellungen.is_empty(),
            "an unreadable file needs a finding: {r:?}"
        );
    }
    for f in &r.feststellungen {
        assert!(!f.meldung.trim().is_empty(), "empty message: {f:?}");
    }
    if r.lesbar {
        // "Readable" lets the pipeline go on to extract and render pages: there must be some.
        assert!(
            r.seitenzahl > 0 && r.seitenzahl == r.seiten.len(),
            "readable without pages: {r:?}"
        );
    }
    for s in &r.seiten {
        assert!(
            s.breite_mm.is_finite() && s.hoehe_mm.is_finite(),
            "page size must survive JSON: {s:?}"
        );
    }

    // The worker reads the child's answer as JSON; a result it cannot read back would turn
    // a good file into "unlesbares Prüfergebnis".
    let json = serde_json::to_string(&r).expect("serialises");
    let back: Pruefergebnis = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back.seitenzahl, r.seitenzahl);
    assert_eq!(back.feststellungen.len(), r.feststellungen.len());
});
