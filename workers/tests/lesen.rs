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
fn a_document_over_its_wall_clock_time_stops_like_over_its_cpu_time_and_says_which() {
    // CPU time to spare, but the wall-clock guard (below the sandbox's own limit) passed.
    let grenzen = LeseGrenzen {
        max_wand_ms: 0,
        ..LeseGrenzen::default()
    };
    let r = lese(&scan("10_Scan_Grundriss_KG.pdf"), &grenzen);
    assert!(r.seiten.iter().all(|s| s.quelle.is_none()));
    let f: Vec<_> = r
        .feststellungen
        .iter()
        .filter(|f| f.meldung.contains("Zeitlimit"))
        .collect();
    assert_eq!(f.len(), 1, "{:?}", r.feststellungen);
    assert!(
        f[0].meldung.contains("0 s je Dokument") && !f[0].meldung.contains("Rechenzeit"),
        "{}",
        f[0].meldung
    );
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

#[test]
fn the_extract_stage_reads_title_blocks_and_leaves_full_text_for_later() {
    use plankammer_workers::pdf::lesen::{OffeneSeite, Volltext};
    let pdf = scan("13_Scan_Lageplan.pdf");
    // Title blocks only: the page carries its title block as text and says that its full
    // text is still to be read (upright: no quarter turn).
    let spaeter = lese(
        &pdf,
        &LeseGrenzen {
            volltext: Volltext::Spaeter,
            ..LeseGrenzen::default()
        },
    );
    let s = &spaeter.seiten[0];
    assert_eq!(s.quelle.as_deref(), Some("ocr"));
    assert_eq!(s.volltext_offen, Some(0));
    let sf = s.schriftfeld.as_deref().expect("the title block");
    assert_eq!(s.text, sf);
    assert!(
        spaeter
            .feststellungen
            .iter()
            .all(|f| f.code != "ocr.volltext_ausgelassen"),
        "nothing left out, only later: {:?}",
        spaeter.feststellungen
    );
    // The volltext stage: only the pages named, only their full text.
    let nur = lese(
        &pdf,
        &LeseGrenzen {
            volltext: Volltext::Nur(vec![OffeneSeite {
                nummer: 1,
                drehung: 0,
            }]),
            ..LeseGrenzen::default()
        },
    );
    assert_eq!(nur.seiten.len(), 1);
    let v = &nur.seiten[0];
    assert_eq!((v.nummer, v.quelle.as_deref()), (1, Some("ocr")));
    assert!(v.schriftfeld.is_none() && v.volltext_offen.is_none());
    let zeichen = |t: &str| t.chars().filter(|c| c.is_alphanumeric()).count();
    assert!(
        zeichen(&v.text) > 2 * zeichen(sf),
        "the whole page says more than its title block: {:?}",
        v.text
    );
    // Read in one go (inspect), nothing is left for later.
    let sofort = lese(&pdf, &LeseGrenzen::default());
    assert!(zeichen(&sofort.seiten[0].text) > 2 * zeichen(sf));
    assert_eq!(sofort.seiten[0].volltext_offen, None);
    // A page not named is not read at all.
    let keine = lese(
        &pdf,
        &LeseGrenzen {
            volltext: Volltext::Nur(vec![OffeneSeite {
                nummer: 2,
                drehung: 0,
            }]),
            ..LeseGrenzen::default()
        },
    );
    assert!(keine.seiten.is_empty());
}

#[test]
fn title_blocks_beyond_one_childs_time_are_read_on_by_the_next_child() {
    use plankammer_workers::pdf::lesen::Volltext;
    // No time at all: each child still reads one page, then says where to go on; reading
    // on from there, children in turn read every page once.
    let pdf = scan("12_Scan_Baubeschreibung.pdf");
    let mut ab_seite = 0;
    let mut gelesen = Vec::new();
    for _ in 0..10 {
        let r = lese(
            &pdf,
            &LeseGrenzen {
                volltext: Volltext::Spaeter,
                max_ocr_ms_schriftfelder: 0,
                ab_seite,
                ..LeseGrenzen::default()
            },
        );
        assert!(
            r.feststellungen
                .iter()
                .all(|f| f.code != "verarbeitung.grenze"),
            "nothing left unread: {:?}",
            r.feststellungen
        );
        assert_eq!(r.seiten.len(), 1, "one page per child without time");
        gelesen.extend(r.seiten.iter().map(|s| (s.nummer, s.quelle.clone())));
        match r.weiter_ab {
            Some(n) => {
                assert!(n > ab_seite, "each child gets further");
                ab_seite = n;
            }
            None => break,
        }
    }
    assert_eq!(
        gelesen,
        (1..=3)
            .map(|n| (n, Some("ocr".to_string())))
            .collect::<Vec<_>>()
    );
}

/// The scan `name` as if its sheet had been put on the scanner sideways: its image turned
/// a quarter clockwise (`rechts`) or counter-clockwise, the page sized to it, no /Rotate.
fn seitlich_gescannt(name: &str, rechts: bool) -> Vec<u8> {
    umgebaut(name, |img| {
        if rechts {
            image::imageops::rotate90(&img)
        } else {
            image::imageops::rotate270(&img)
        }
    })
}

/// The scan `name` (200 dpi) with its image changed by `aendern`, the page sized to it.
fn umgebaut(name: &str, aendern: impl Fn(image::GrayImage) -> image::GrayImage) -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    use plankammer_workers::pdf::bild;
    let pdf = scan(name);
    let doc = Document::load_mem(&pdf).unwrap();
    let seite = *doc.get_pages().get(&1).unwrap();
    let res = doc
        .get_dictionary(seite)
        .unwrap()
        .get(b"Resources")
        .and_then(|r| doc.dereference(r))
        .map(|(_, o)| o.as_dict().unwrap().clone())
        .unwrap();
    let (stream, w, h) = bild::groesstes_bild(&doc, &res).unwrap();
    let img = aendern(bild::dekodiere(stream, w, h, 80_000_000, 1 << 28).unwrap());
    let (iw, ih) = img.dimensions();
    // 200 dpi, as the sample scan.
    let (pw, ph) = (iw as f32 * 72.0 / 200.0, ih as f32 * 72.0 / 200.0);
    let mut neu = Document::with_version("1.7");
    let bild_id = neu.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => iw as i64,
            "Height" => ih as i64, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        img.into_raw(),
    ));
    let inhalt = neu.add_object(Stream::new(
        dictionary! {},
        format!("q {pw} 0 0 {ph} 0 0 cm /Im0 Do Q").into_bytes(),
    ));
    let seiten_id = neu.new_object_id();
    let seite_id = neu.add_object(dictionary! {
        "Type" => "Page", "Parent" => seiten_id,
        "MediaBox" => vec![0.into(), 0.into(), pw.into(), ph.into()],
        "Contents" => inhalt,
        "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => bild_id } },
    });
    neu.objects.insert(
        seiten_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![seite_id.into()], "Count" => 1,
        }),
    );
    let katalog = neu.add_object(dictionary! { "Type" => "Catalog", "Pages" => seiten_id });
    neu.trailer.set("Root", katalog);
    let mut out = Vec::new();
    neu.save_to(&mut out).unwrap();
    out
}

#[test]
fn a_sheet_scanned_sideways_is_turned_upright_and_read_like_the_upright_one() {
    use plankammer_workers::pdf::lesen::Volltext;
    let spaeter = LeseGrenzen {
        volltext: Volltext::Spaeter,
        ..LeseGrenzen::default()
    };
    let felder = |pdf: &[u8]| {
        let mut f: Vec<(String, String)> = lese(pdf, &spaeter)
            .felder()
            .into_iter()
            .filter(|f| f.konfidenz >= 0.6)
            .map(|f| (f.feld, f.wert))
            .collect();
        f.sort();
        f
    };
    let aufrecht = felder(&scan("13_Scan_Lageplan.pdf"));
    assert!(
        aufrecht
            .iter()
            .any(|(f, w)| f == "massstab" && w == "1:500"),
        "{aufrecht:?}"
    );
    // Turned clockwise on the scanner, it is turned back by 270°, and the other way by 90°;
    // the full text stage is told so.
    for (rechts, zurueck) in [(true, 270u16), (false, 90)] {
        let pdf = seitlich_gescannt("13_Scan_Lageplan.pdf", rechts);
        let gelesen = lese(&pdf, &spaeter);
        assert_eq!(gelesen.seiten[0].volltext_offen, Some(zurueck));
        assert_eq!(
            felder(&pdf),
            aufrecht,
            "turned {}",
            if rechts {
                "clockwise"
            } else {
                "counter-clockwise"
            }
        );
    }
}
