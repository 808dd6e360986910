//! The Bescheid PDF: valid (qpdf), text extractable with umlauts and €, plans with their
//! SHA-256, German amounts, page numbers on a long Bescheid, same data → same bytes.
//!
//! Needs `qpdf` and `pdftotext` (poppler-utils) on the PATH: a missing tool fails the test.

mod pdfwerkzeug;

use pdfwerkzeug::{pdftotext, qpdf_check};
use plankammer_domain::feststellung::Schwere;
use plankammer_workers::pdf::bescheid::{
    BescheidArt, BescheidDaten, BescheidFehler, Gebuehr, GenehmigterPlan, Nebenbestimmung, render,
};
use plankammer_workers::pdf::{Grenzen, pruefe};

/// Where a Nebenbestimmung comes from; none for the Bauaufsicht's own (empty name).
fn quelle(stelle: String) -> Option<plankammer_domain::nebenbestimmung::Quelle> {
    (!stelle.is_empty()).then_some(plankammer_domain::nebenbestimmung::Quelle {
        stelle_name: stelle,
        stellungnahme: plankammer_domain::beteiligung::StellungnahmeId(1),
    })
}
use std::path::PathBuf;

fn seitenzahl(bytes: &[u8]) -> usize {
    lopdf::Document::load_mem(bytes).unwrap().get_pages().len()
}

fn hash(i: usize) -> String {
    // 64 hex digits, different per plan.
    (0..64)
        .map(|j| char::from_digit(((i * 7 + j * 13) % 16) as u32, 16).unwrap())
        .collect()
}

fn daten() -> BescheidDaten {
    BescheidDaten {
        art: BescheidArt::Baugenehmigung,
        behoerde_name: "Stadt Musterstadt – Bauaufsichtsbehörde".into(),
        behoerde_anschrift: vec![
            "Rathausplatz 1".into(),
            "34117 Musterstadt".into(),
            "Telefon 0561 787-0 · bauaufsicht@musterstadt.example".into(),
        ],
        empfaenger: vec![
            "Frau Jana Becker".into(),
            "Herrn Tom Becker".into(),
            "Goethestraße 41".into(),
            "34119 Musterstadt".into(),
        ],
        ort: "Musterstadt".into(),
        datum: "29.11.2026".into(),
        aktenzeichen: "BA-2026-00017".into(),
        bescheid_nummer: "2026/17".into(),
        vorhaben: "Neubau eines Einfamilienhauses mit Garage".into(),
        grundstueck: "Lindenweg 12, 34117 Musterstadt; Gemarkung Musterstadt, Flur 7, Flurstück 123/4"
            .into(),
        tenor: "Auf Ihren Antrag vom 01.09.2026 wird Ihnen nach § 74 HBO die Baugenehmigung für \
                das oben bezeichnete Vorhaben nach Maßgabe der mit Genehmigungsvermerk versehenen \
                Bauvorlagen und der folgenden Nebenbestimmungen erteilt."
            .into(),
        nebenbestimmungen: vec![
            Nebenbestimmung {
                art: "2".into(),
                text: "Die Linde an der Nordgrenze ist während der Bauarbeiten nach DIN 18920 \
                       zu schützen; Baustelleneinrichtung im Wurzelbereich ist unzulässig."
                    .into(),
                begruendung: String::new(),
                quelle: quelle("Untere Naturschutzbehörde".into()),
            },
            Nebenbestimmung {
                art: "1".into(),
                text: "Mit den Bauarbeiten darf erst begonnen werden, wenn der Standsicherheitsnachweis \
                       geprüft vorliegt."
                    .into(),
                begruendung: String::new(),
                quelle: quelle("Bauaufsicht".into()),
            },
            Nebenbestimmung {
                art: "4".into(),
                text: "Für die Grundstücksentwässerung ist eine gesonderte Genehmigung beim \
                       Eigenbetrieb Stadtentwässerung zu beantragen."
                    .into(),
                begruendung: String::new(),
                quelle: quelle(String::new()),
            },
        ],
        begruendung: "Das Vorhaben liegt im Geltungsbereich des Bebauungsplans Nr. VII/42 \
                      „Am Lindenweg“ und entspricht dessen Festsetzungen.\n\n\
                      Öffentlich-rechtliche Vorschriften, die im vereinfachten Verfahren zu \
                      prüfen sind, stehen nicht entgegen."
            .into(),
        gebuehren: vec![
            Gebuehr {
                beschreibung: "Baugenehmigungsgebühr nach Nr. 1.1 der Anlage zur \
                               Bauaufsichtsgebührensatzung (Rohbauwert 246.912,00 €)"
                    .into(),
                betrag_cent: 123_456,
            },
            Gebuehr {
                beschreibung: "Prüfung des Standsicherheitsnachweises".into(),
                betrag_cent: 45_000,
            },
            Gebuehr {
                beschreibung: "Auslagen (Zustellung)".into(),
                betrag_cent: 411,
            },
        ],
        plaene: (0..4)
            .map(|i| GenehmigterPlan {
                dateiname: format!("0{}_Grundriss_{}.pdf", i + 1, ["KG", "EG", "OG", "DG"][i]),
                version: format!("{}", i % 2 + 1),
                sha256: hash(i),
            })
            .collect(),
        rechtsbehelfsbelehrung: "Gegen diesen Bescheid kann innerhalb eines Monats nach \
                                 Bekanntgabe Widerspruch erhoben werden. Der Widerspruch ist \
                                 schriftlich oder zur Niederschrift bei der Stadt Musterstadt, \
                                 Bauaufsichtsbehörde, Rathausplatz 1, 34117 Musterstadt, \
                                 einzulegen."
            .into(),
        schluss: vec![
            "Mit freundlichen Grüßen".into(),
            "Im Auftrag".into(),
            "Petra Schneider".into(),
        ],
    }
}

/// A long Bescheid: many Nebenbestimmungen, plans and fee lines.
fn lang() -> BescheidDaten {
    let mut d = daten();
    for i in 0..30 {
        d.nebenbestimmungen.push(Nebenbestimmung {
            art: "2".into(),
            text: format!(
                "Auflage Nummer {i}: Die Abstandsflächen sind einzuhalten; Änderungen der \
                 Außenwände bedürfen der vorherigen Zustimmung. Größere Abweichungen sind \
                 anzuzeigen.\n\nZweiter Absatz der Auflage {i}."
            ),
            begruendung: String::new(),
            quelle: quelle("Untere Bauaufsichtsbehörde, Sachgebiet Bauordnung".into()),
        });
    }
    for i in 4..40 {
        d.plaene.push(GenehmigterPlan {
            dateiname: format!(
                "Plan_{i:02}_Detail_mit_sehr_langem_Dateinamen_der_umbrechen_muss_{i}.pdf"
            ),
            version: "3".into(),
            sha256: hash(i),
        });
    }
    d
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn bescheid_is_valid_and_its_text_reads_back() {
    let d = daten();
    let pdf = render(&d).unwrap();
    qpdf_check(&pdf, "bescheid.pdf");
    let text = pdftotext(&pdf, "bescheid.pdf");
    let t = norm(&text);
    for s in [
        "Baugenehmigung",
        "BA-2026-00017",
        "29.11.2026",
        "Stadt Musterstadt – Bauaufsichtsbehörde",
        "Goethestraße 41",
        "1.234,56 €",
        "450,00 €",
        "4,11 €",
        "1.688,67 €",
        "Flurstück 123/4",
        "„Am Lindenweg“",
        "Öffentlich-rechtliche",
        "Auflage – Stelle: Untere Naturschutzbehörde",
        "Bedingung – Stelle: Bauaufsicht",
        "Genehmigte Bauvorlagen",
        "02_Grundriss_EG.pdf (Version 2)",
        "Rechtsbehelfsbelehrung",
        "Mit freundlichen Grüßen",
        "Seite 1 von ",
    ] {
        assert!(t.contains(s), "{s:?} missing in\n{text}");
    }
    for p in &d.plaene {
        assert!(t.contains(&p.sha256), "{} missing", p.sha256);
    }
    // Reading order: the sections come in order.
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(pos("Nebenbestimmungen") < pos("Begründung"));
    assert!(pos("Begründung") < pos("Gebühren"));
    assert!(pos("Gebühren") < pos("Genehmigte Bauvorlagen"));
    assert!(pos("Genehmigte Bauvorlagen") < pos("Rechtsbehelfsbelehrung"));

    // Our own validator: A4, fonts embedded, nothing serious.
    let p = pruefe(&pdf, &Grenzen::default());
    assert!(p.lesbar);
    assert_eq!(p.seiten[0].format, "A4");
    let ernst: Vec<_> = p
        .feststellungen
        .iter()
        .filter(|f| matches!(f.schwere, Schwere::Fehler | Schwere::Warnung))
        .collect();
    assert!(ernst.is_empty(), "{ernst:?}");
    assert!(
        !p.feststellungen.iter().any(|f| f.code.contains("schrift")),
        "{:?}",
        p.feststellungen
    );
}

#[test]
fn long_bescheid_is_numbered_on_every_page() {
    let d = lang();
    let pdf = render(&d).unwrap();
    qpdf_check(&pdf, "lang.pdf");
    let n = seitenzahl(&pdf);
    assert!(n >= 3, "{n} pages");
    let t = norm(&pdftotext(&pdf, "lang.pdf"));
    for i in 1..=n {
        assert!(
            t.contains(&format!("Seite {i} von {n}")),
            "Seite {i} von {n}"
        );
    }
    assert!(!t.contains(&format!("Seite {} von", n + 1)));
    for p in &d.plaene {
        assert!(t.contains(&p.sha256), "{} missing", p.sha256);
    }
    assert!(t.contains("Auflage Nummer 29"));
    assert!(t.contains("Zweiter Absatz der Auflage 29."));
    assert_eq!(
        t.matches("Az. BA-2026-00017").count(),
        n,
        "footer on every page"
    );
}

#[test]
fn rendering_is_deterministic_and_other_kinds_have_their_titles() {
    assert_eq!(render(&daten()).unwrap(), render(&daten()).unwrap());
    for (art, titel) in [
        (BescheidArt::Ablehnung, "Ablehnung des Bauantrags"),
        (BescheidArt::Vorbescheid, "Vorbescheid"),
    ] {
        let mut d = daten();
        d.art = art;
        d.nebenbestimmungen.clear();
        d.gebuehren.clear();
        let pdf = render(&d).unwrap();
        qpdf_check(&pdf, "art.pdf");
        let t = norm(&pdftotext(&pdf, "art.pdf"));
        assert!(t.contains(titel), "{titel}");
        assert!(!t.contains("Auflage – Stelle") && !t.contains("Gebührentatbestand"));
    }
}

#[test]
fn missing_essentials_are_refused_in_german() {
    let mut d = daten();
    d.aktenzeichen = " ".into();
    let e = render(&d).unwrap_err();
    assert_eq!(e, BescheidFehler::Unvollstaendig("das Aktenzeichen"));
    assert_eq!(e.to_string(), "Für den Bescheid fehlt: das Aktenzeichen.");
    let mut d = daten();
    d.rechtsbehelfsbelehrung.clear();
    assert!(render(&d).is_err());
}

#[test]
fn odd_characters_do_not_break_the_file() {
    let mut d = daten();
    d.tenor = "Klammern ( ) \\ und \u{4e2d}\u{6587}, Tab\tund Emoji 🏠 und ein sehr_langes_Wort_ohne_Leerzeichen_das_breiter_ist_als_die_ganze_Zeile_und_deshalb_zeichenweise_umbrochen_werden_muss_damit_nichts_über_den_Rand_läuft".into();
    let pdf = render(&d).unwrap();
    qpdf_check(&pdf, "zeichen.pdf");
    let t = norm(&pdftotext(&pdf, "zeichen.pdf"));
    assert!(t.contains("Klammern ( ) \\ und ??"), "{t}");
}

/// Not a check: writes a Bescheid for a person to look at, when `PLANKAMMER_STEMPEL_PNG`
/// names a folder.
#[test]
#[ignore = "a tool, not a check: PLANKAMMER_STEMPEL_PNG=/tmp/bilder cargo test -p plankammer-workers -- --ignored write_bescheid_for_inspection"]
fn write_bescheid_for_inspection() {
    let Some(dir) = std::env::var_os("PLANKAMMER_STEMPEL_PNG") else {
        panic!("set PLANKAMMER_STEMPEL_PNG to the folder for a Bescheid");
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bescheid.pdf"), render(&daten()).unwrap()).unwrap();
    std::fs::write(dir.join("bescheid_lang.pdf"), render(&lang()).unwrap()).unwrap();
}

/// Whatever the length of the text before it, the signature block ends the Bescheid on a
/// page that also carries the last lines of the Rechtsbehelfsbelehrung: it never stands
/// alone on a page of its own, and it is never split.
#[test]
fn signature_block_stays_with_the_text() {
    let satz = "Die Prüfung hat keine weiteren Bedenken ergeben. ";
    let mut umbrueche = 0;
    for k in 0..70 {
        let mut d = daten();
        d.begruendung = format!("{}{}", d.begruendung, satz.repeat(k));
        let bytes = render(&d).unwrap();
        let seiten = seitenzahl(&bytes);
        let letzte =
            pdfwerkzeug::pdftotext_seite(&bytes, &format!("schluss-{k}.pdf"), seiten, false);
        let name = format!("length {k}, {seiten} pages: {letzte}");
        assert!(letzte.contains("Mit freundlichen Grüßen"), "{name}");
        assert!(letzte.contains("Petra Schneider"), "{name}");
        assert!(letzte.contains("einzulegen."), "{name}");
        if !letzte.contains("Rechtsbehelfsbelehrung") {
            umbrueche += 1;
        }
    }
    // The sweep did reach the case where the break falls inside the Belehrung.
    assert!(
        umbrueche > 0,
        "no length made the Belehrung break across pages"
    );
}
