//! The validate stage against the hostile corpus: each file ends in a clear finding, in
//! bounded time, without a panic. (The sandbox adds memory and time limits on top.)

use plankammer_workers::pdf::muster::{self, feindlich};
use plankammer_workers::pdf::{Grenzen, pruefe};
use std::time::{Duration, Instant};

fn codes(bytes: &[u8]) -> Vec<String> {
    let start = Instant::now();
    let r = pruefe(bytes, &Grenzen::default());
    assert!(start.elapsed() < Duration::from_secs(30), "bounded time");
    r.feststellungen.into_iter().map(|f| f.code).collect()
}

#[test]
fn empty_and_wrong_signature() {
    assert_eq!(codes(&feindlich::leer()), ["datei.leer"]);
    assert_eq!(codes(&feindlich::falsche_signatur()), ["datei.kein_pdf"]);
    let r = pruefe(&feindlich::falsche_signatur(), &Grenzen::default());
    assert!(r.feststellungen[0].meldung.contains("PNG-Bild"));
    assert!(!r.lesbar);
}

#[test]
fn truncated_files_are_damaged_or_repaired_but_never_a_panic() {
    let r = pruefe(&feindlich::abgeschnitten(), &Grenzen::default());
    // lopdf repairs what it can; either way the result says what happened.
    if r.lesbar {
        assert!(r.seitenzahl <= 1);
    } else {
        assert!(
            r.feststellungen
                .iter()
                .any(|f| f.code == "pdf.beschaedigt" || f.code == "pdf.keine_seiten"),
            "{:?}",
            r.feststellungen
        );
    }
    for cut in [10, 100, 200, 300] {
        let full = muster::mit_text("x");
        let _ = pruefe(&full[..cut.min(full.len())], &Grenzen::default());
    }
}

#[test]
fn a_decompression_bomb_is_capped() {
    let bomb = feindlich::dekompressionsbombe(512);
    assert!(
        bomb.len() < 16 * 1024 * 1024,
        "the bomb inflates 512 MiB from {} bytes",
        bomb.len()
    );
    let r = pruefe(
        &bomb,
        &Grenzen {
            max_dekomprimiert: 64 * 1024 * 1024,
            ..Grenzen::default()
        },
    );
    // The page is read with its content refused at the cap; no 1 GiB allocation happened.
    assert_eq!(r.seitenzahl, 1);
    assert!(!r.seiten[0].hat_textoperatoren);
}

#[test]
fn a_giant_image_claim_costs_nothing_to_validate() {
    let r = pruefe(&feindlich::riesenbild(), &Grenzen::default());
    assert_eq!(r.seitenzahl, 1);
    assert_eq!(r.seiten[0].bilder, 1);
    assert!(
        r.seiten[0].scan_dpi.unwrap_or(0) > 5_000,
        "a page-filling image of 100000 px is a huge dpi: {r:?}"
    );
}

#[test]
fn cyclic_page_trees_and_self_references_end() {
    let r = pruefe(&feindlich::zyklischer_seitenbaum(), &Grenzen::default());
    assert!(r.seitenzahl <= 1, "the one real page at most once: {r:?}");
}

#[test]
fn ten_thousand_pages_are_refused_with_the_count() {
    let r = pruefe(&feindlich::viele_seiten(10_000), &Grenzen::default());
    assert!(!r.lesbar);
    let f = r
        .feststellungen
        .iter()
        .find(|f| f.code == "pdf.zu_viele_seiten")
        .expect("finding");
    assert!(f.meldung.contains("10000 Seiten"), "{}", f.meldung);
}

#[test]
fn javascript_launch_and_attachments_are_found() {
    let c = codes(&feindlich::mit_javascript());
    assert!(
        c.contains(&"pdf.javascript".to_string()) && c.contains(&"pdf.startaktion".to_string()),
        "{c:?}"
    );
    assert!(!pruefe(&feindlich::mit_javascript(), &Grenzen::default()).lesbar);
    assert_eq!(codes(&feindlich::mit_anhang()), ["pdf.eingebettete_datei"]);
}

#[test]
fn an_encrypted_pdf_is_recognised() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/korpus/verschluesselt.pdf"
    ))
    .unwrap();
    assert_eq!(codes(&bytes), ["pdf.verschluesselt"]);
}

#[test]
fn plain_pages_get_formats_fonts_and_text_layer() {
    let r = pruefe(&muster::mit_text("Grundriss"), &Grenzen::default());
    assert!(r.lesbar);
    assert_eq!(r.seiten[0].bezeichnung, "A4 hoch");
    assert!(r.seiten[0].hat_textoperatoren);
    let f = r
        .feststellungen
        .iter()
        .find(|f| f.code == "pdf.schrift_nicht_eingebettet")
        .expect("Helvetica is not embedded");
    assert!(f.meldung.contains("Helvetica"));
    let quer = pruefe(
        &muster::pdf_with(&[muster::A1_QUER, (1700.0, 3400.0)], "", "", &[]),
        &Grenzen::default(),
    );
    assert_eq!(quer.seiten[0].bezeichnung, "A1 quer");
    assert_eq!(quer.seiten[1].format, "Sonderformat");
    assert!(
        quer.feststellungen
            .iter()
            .any(|f| f.code == "seite.sonderformat" && f.seite == Some(2))
    );
}

#[test]
fn rotated_pages_and_user_units_count() {
    let r = pruefe(
        &muster::pdf_with(&[muster::A4], "", "/Rotate 90", &[]),
        &Grenzen::default(),
    );
    assert_eq!(r.seiten[0].bezeichnung, "A4 quer");
    let r = pruefe(
        &muster::pdf_with(&[(419.528, 595.276)], "", "/UserUnit 2", &[]),
        &Grenzen::default(),
    );
    assert_eq!(r.seiten[0].format, "A3", "UserUnit 2 doubles A5 to A3");
}

#[test]
fn pdfa_claims_are_read_from_xmp() {
    let xmp = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description pdfaid:part="2" pdfaid:conformance="B"/></rdf:RDF></x:xmpmeta>"#;
    let pdf = muster::pdf_with(
        &[muster::A4],
        "/Metadata 9 0 R",
        "",
        &[muster::stream("/Type /Metadata /Subtype /XML", xmp)],
    );
    let r = pruefe(&pdf, &Grenzen::default());
    assert_eq!(r.pdfa.as_deref(), Some("2b"));
    assert!(
        r.feststellungen
            .iter()
            .any(|f| f.code == "pdf.pdfa" && f.meldung.contains("PDF/A-2b"))
    );
}
