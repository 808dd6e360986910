//! The extract stage's OCR limits: time per page and per document, each reported in a
//! finding, never a silent gap.

use plankammer_workers::pdf::lesen::{LeseGrenzen, lese};

fn scan(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../sample-plans/einfamilienhaus/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn a_page_over_its_ocr_time_is_cut_off_with_a_finding() {
    let grenzen = LeseGrenzen {
        max_ocr_ms_je_seite: 1,
        ..LeseGrenzen::default()
    };
    let r = lese(&scan("13_Scan_Lageplan.pdf"), &grenzen);
    let f = r
        .feststellungen
        .iter()
        .find(|f| f.code == "ocr.zeitlimit")
        .expect("a finding for the time limit");
    assert_eq!(f.seite, Some(1));
    assert!(f.meldung.contains("Zeitlimit je Seite"), "{}", f.meldung);
    // The page still counts as read by OCR, with what was recognised in the time: less
    // than without the limit (tesseract really stopped).
    assert_eq!(r.seiten[0].quelle.as_deref(), Some("ocr"));
    let ohne = lese(&scan("13_Scan_Lageplan.pdf"), &LeseGrenzen::default());
    assert!(
        ohne.feststellungen
            .iter()
            .all(|f| f.code != "ocr.zeitlimit")
    );
    let zeichen = |t: &str| t.chars().filter(|c| c.is_alphanumeric()).count();
    assert!(
        zeichen(&r.seiten[0].text) * 2 < zeichen(&ohne.seiten[0].text),
        "cut off: {:?}\nwhole: {:?}",
        r.seiten[0].text,
        ohne.seiten[0].text
    );
}

#[test]
fn within_the_time_there_is_no_such_finding() {
    let r = lese(
        &scan("12_Scan_Baubeschreibung.pdf"),
        &LeseGrenzen::default(),
    );
    assert!(
        r.feststellungen.iter().all(|f| f.code != "ocr.zeitlimit"),
        "{:?}",
        r.feststellungen
    );
    assert!(r.seiten.iter().any(|s| s.text.contains("Baubeschreibung")));
}

#[test]
fn a_document_over_its_ocr_budget_leaves_later_pages_unread_and_says_so_once() {
    let grenzen = LeseGrenzen {
        max_ocr_ms_gesamt: 0,
        max_ocr_ms_schriftfelder: 0,
        ..LeseGrenzen::default()
    };
    let r = lese(&scan("10_Scan_Grundriss_KG.pdf"), &grenzen);
    assert!(r.seiten.iter().all(|s| s.quelle.is_none()));
    let n = r
        .feststellungen
        .iter()
        .filter(|f| f.meldung.contains("Zeitlimit") && f.meldung.contains("je Dokument"))
        .count();
    assert_eq!(n, 1, "{:?}", r.feststellungen);
}

#[test]
fn blank_pages_are_not_rendered_or_read() {
    let pdf = plankammer_workers::pdf::muster::feindlich::viele_seiten(50);
    let r = lese(&pdf, &LeseGrenzen::default());
    assert_eq!(r.seiten.len(), 50);
    assert!(
        r.seiten
            .iter()
            .all(|s| s.quelle.is_none() && s.ocr_ms.is_none())
    );
    assert!(r.feststellungen.is_empty(), "{:?}", r.feststellungen);
}

#[test]
fn title_blocks_come_first_when_there_is_no_time_left_for_full_text() {
    // No time for full text at all: the scanned plan's title block is still read, and its
    // fields with it; the page says that its full text was left out.
    let grenzen = LeseGrenzen {
        max_ocr_ms_gesamt: 0,
        ..LeseGrenzen::default()
    };
    let r = lese(&scan("10_Scan_Grundriss_KG.pdf"), &grenzen);
    let s = &r.seiten[0];
    assert_eq!(s.quelle.as_deref(), Some("ocr"));
    let sf = s.schriftfeld.as_deref().expect("the title block");
    assert_eq!(s.text, sf, "the page's text is its title block");
    assert!(
        r.feststellungen
            .iter()
            .any(|f| f.code == "ocr.volltext_ausgelassen"),
        "{:?}",
        r.feststellungen
    );
    let f = plankammer_workers::pdf::metadaten::felder(sf, "ocr", 1, s.konfidenz);
    assert!(
        f.iter()
            .any(|x| x.feld == "plannummer" && x.wert == "A-100"),
        "{f:?}"
    );
}
