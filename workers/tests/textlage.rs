//! The title block of a vector plan read by geometry from its text layer (issue 15): each
//! field from the label it stands under or beside, not from the order of the text.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use plankammer_workers::pdf::lesen::{LeseGrenzen, lese};
use plankammer_workers::pdf::metadaten::{felder, ordne_schriftfeld};
use plankammer_workers::pdf::textlage::woerter;

fn feld<'a>(f: &'a [plankammer_workers::pdf::metadaten::Feld], n: &str) -> Option<&'a str> {
    f.iter().find(|x| x.feld == n).map(|x| x.wert.as_str())
}

#[test]
fn the_sample_plans_title_block_is_read_from_the_boxes_of_its_words() {
    let pdf = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../sample-plans/einfamilienhaus/03_Grundriss_EG.pdf"),
    )
    .unwrap();
    let r = lese(&pdf, &LeseGrenzen::default());
    let sf = r.seiten[0]
        .schriftfeld
        .as_deref()
        .expect("title block read");
    let f = felder(sf, "textebene", 1, None);
    assert_eq!(feld(&f, "plannummer"), Some("A-101"), "{sf}");
    assert_eq!(feld(&f, "massstab"), Some("1:100"), "{sf}");
    assert_eq!(feld(&f, "index"), Some("B"), "{sf}");
    assert_eq!(feld(&f, "datum"), Some("2026-09-14"), "{sf}");
    assert_eq!(
        feld(&f, "bauherr"),
        Some("Familie Jana und Tom Becker"),
        "{sf}"
    );
    assert_eq!(feld(&f, "geschoss"), Some("EG"), "{sf}");
}

/// A one-page A3 landscape PDF whose text is written as `(x, y, size, text)` in this
/// order, with Helvetica (widths from the standard metrics are not needed: half an em).
fn seite(texte: &[(f64, f64, f64, &str)]) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut ops = Vec::new();
    for (x, y, s, t) in texte {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec!["F1".into(), (*s).into()]));
        ops.push(Operation::new("Td", vec![(*x).into(), (*y).into()]));
        ops.push(Operation::new(
            "Tj",
            vec![Object::string_literal(lopdf::Document::encode_text(
                &lopdf::Encoding::SimpleEncoding(b"WinAnsiEncoding"),
                t,
            ))],
        ));
        ops.push(Operation::new("ET", vec![]));
    }
    let content = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations: ops }.encode().unwrap(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 1190.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn values_written_before_their_labels_and_beside_them_are_paired_by_place() {
    // A strip along the right edge; the CAD program wrote all values first, then the
    // labels, and puts some values right of their label.
    let pdf = seite(&[
        (1010.0, 700.0, 9.0, "Wohnbau Nord eG"),
        (1010.0, 640.0, 9.0, "Ansicht Nord"),
        (1060.0, 600.0, 9.0, "1:200"),
        (1060.0, 580.0, 9.0, "EG-07"),
        (1060.0, 560.0, 9.0, "03.11.2026"),
        (1010.0, 712.0, 6.0, "Auftraggeber"),
        (1010.0, 652.0, 6.0, "Darstellung"),
        (1010.0, 600.0, 6.0, "Mst.:"),
        (1010.0, 580.0, 6.0, "Zeichnungs-Nr.:"),
        (1010.0, 560.0, 6.0, "Stand:"),
    ]);
    let doc = Document::load_mem(&pdf).unwrap();
    let page = *doc.get_pages().get(&1).unwrap();
    let w = woerter(&doc, page, 1 << 20, 842.0);
    assert!(w.iter().any(|x| x.text == "Zeichnungs-Nr.:"), "{w:#?}");
    let sf = ordne_schriftfeld(&w);
    let f = felder(&sf, "textebene", 1, None);
    assert_eq!(feld(&f, "bauherr"), Some("Wohnbau Nord eG"), "{sf}");
    assert_eq!(feld(&f, "planinhalt"), Some("Ansicht Nord"), "{sf}");
    assert_eq!(feld(&f, "massstab"), Some("1:200"), "{sf}");
    assert_eq!(feld(&f, "plannummer"), Some("EG-07"), "{sf}");
    assert_eq!(feld(&f, "datum"), Some("2026-11-03"), "{sf}");
    assert_eq!(feld(&f, "planart"), Some("Ansicht"), "{sf}");
}
