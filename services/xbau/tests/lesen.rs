//! The hand-written Bauanträge in `tests/nachrichten/` are schema-valid and read as
//! Plankammer needs them: the development fixture (as Plankammer writes a 0200) and a
//! separately written evaluation fixture (another layout, other prefixes, other optional
//! elements). The documents' hash values are those of the files in `anlagen/`.

use plankammer_xbau::eingang::{antrag_lesen, kopf_lesen};
use plankammer_xbau::pruefen;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

fn ordner() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/nachrichten")
}

fn lies(name: &str) -> Vec<u8> {
    std::fs::read(ordner().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Each document of the message is a file in `anlagen/` with the size and SHA-256 the
/// message states.
fn anlagen_stimmen(a: &plankammer_xbau::eingang::Bauantrag) {
    for anlage in &a.anlagen {
        let datei = std::fs::read(ordner().join("anlagen").join(&anlage.dateiname))
            .unwrap_or_else(|e| panic!("{}: {e}", anlage.dateiname));
        assert_eq!(
            hex::encode(Sha256::digest(&datei)),
            anlage.sha256,
            "{}",
            anlage.dateiname
        );
        assert_eq!(datei.len() as u64, anlage.groesse, "{}", anlage.dateiname);
    }
}

#[test]
fn the_development_0200_is_valid_and_read() {
    let xml = lies("entwicklung-0200.xml");
    let g = pruefen(&xml).unwrap_or_else(|b| panic!("{b:#?}"));
    assert_eq!(g.nachricht, "baugenehmigung.antrag.0200");

    let k = kopf_lesen(&xml).unwrap();
    assert_eq!(k.typ, "0200");
    assert_eq!(k.uuid, "3f2b8c1e-7a4d-4e2f-9b6a-1c0d2e3f4a5b");
    assert_eq!(
        k.erstellt.unwrap().to_rfc3339(),
        "2026-11-20T08:15:00+00:00"
    );
    assert_eq!(k.leser.unwrap().kennung, "bau:06611000");
    assert_eq!(k.autor.unwrap().name, "Plankammer (Antragsportal)");
    assert_eq!(k.bezug_referenz, None);

    let a = antrag_lesen(&xml).unwrap_or_else(|f| panic!("{f:#?}"));
    assert_eq!(a.kopf.uuid, k.uuid);
    assert_eq!(
        a.referenz_antragsservice.as_deref(),
        Some("9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a")
    );
    assert_eq!(a.empfaenger.as_ref().unwrap().name, "Bauaufsicht Kassel");
    assert_eq!(a.verfahrensart, "baugenehmigung");
    assert_eq!(a.bezeichnung, "Neubau Einfamilienhaus mit Garage");
    assert_eq!(
        (a.massnahme.as_str(), a.gebaeudeklasse.as_str()),
        ("11", "1")
    );
    assert_eq!(
        (
            a.strasse.as_str(),
            a.hausnummer.as_str(),
            a.plz.as_str(),
            a.ort.as_str()
        ),
        ("Musterweg", "3", "34117", "Kassel")
    );
    assert_eq!(a.gemeinde_ags, "06611000");
    assert_eq!(a.gemeinde, "Kassel, documenta-Stadt");
    assert_eq!((a.gemarkung.as_str(), a.flur.as_str()), ("Kassel", "12"));
    assert_eq!(a.flurstuecke, vec![(112, Some(3))]);
    assert_eq!(a.bauherr.name, "Erika Mustermann");
    assert_eq!(a.bauherr.anschrift, "Musterweg 1, 34117 Kassel");
    assert_eq!(a.bauherr.email, "erika.mustermann@example.org");
    assert_eq!(a.entwurfsverfasser.name, "Paula Planer");
    assert_eq!(
        a.entwurfsverfasser.kammer,
        "Architekten- und Stadtplanerkammer Hessen"
    );
    assert_eq!(a.entwurfsverfasser.mitgliedsnummer, "A-12345");
    assert_eq!(a.anlagen.len(), 2);
    assert_eq!(a.anlagen[0].anlageart.as_deref(), Some("2001"));
    assert_eq!(a.anlagen[0].version, Some(1));
    assert_eq!(a.anlagen[0].mime_type, "application/pdf");
    assert_eq!(
        a.anlagen[0].dokument_id,
        "urn:plankammer:dokument:grundriss-eg"
    );
    anlagen_stimmen(&a);
}

#[test]
fn the_evaluation_0200_is_valid_and_read() {
    let xml = lies("evaluation-0200.xml");
    let g = pruefen(&xml).unwrap_or_else(|b| panic!("{b:#?}"));
    assert_eq!(g.nachricht, "baugenehmigung.antrag.0200");

    let k = kopf_lesen(&xml).unwrap();
    assert_eq!(k.typ, "0200");
    // No zone given: German summer time (CEST, UTC+2).
    assert_eq!(
        k.erstellt.unwrap().to_rfc3339(),
        "2026-07-01T08:30:00+00:00"
    );

    let a = antrag_lesen(&xml).unwrap_or_else(|f| panic!("{f:#?}"));
    assert_eq!(a.kopf.uuid, "c0ffee00-1234-4abc-8def-0123456789ab");
    assert_eq!(a.kopf.autor.kennung, "psw:0600000099");
    assert_eq!(a.empfaenger, None);
    assert_eq!(a.verfahrensart, "vereinfacht");
    assert_eq!(a.bezeichnung, "Neubau eines Bürogebäudes mit Tiefgarage");
    // The first Art der Maßnahme; Gebäudeklasse 4.
    assert_eq!(
        (a.massnahme.as_str(), a.gebaeudeklasse.as_str()),
        ("11", "4")
    );
    // The Bauherr is the organisation, not the applicant (a Bevollmächtigter).
    assert_eq!(a.bauherr.name, "Wohnbau Rhein-Main GmbH");
    assert_eq!(a.bauherr.anschrift, "Wilhelmstraße 7, 65185 Wiesbaden");
    assert_eq!(a.bauherr.email, "a.schulz@wohnbau-rhein-main.example");
    assert_eq!(a.entwurfsverfasser.name, "Dipl.-Ing. Jonas Becker");
    assert_eq!(a.entwurfsverfasser.kammer, "Ingenieurkammer Hessen");
    assert_eq!(a.entwurfsverfasser.mitgliedsnummer, "IKH-0815");
    assert_eq!(
        (
            a.strasse.as_str(),
            a.hausnummer.as_str(),
            a.plz.as_str(),
            a.ort.as_str()
        ),
        ("Biebricher Allee", "40-42", "65187", "Wiesbaden")
    );
    assert_eq!(a.gemeinde_ags, "06414000");
    assert_eq!(a.gemeinde, "Wiesbaden, Landeshauptstadt");
    assert_eq!((a.gemarkung.as_str(), a.flur.as_str()), ("Wiesbaden", "58"));
    assert_eq!(
        a.flurstuecke,
        vec![(312, Some(4)), (313, None), (314, Some(12))]
    );
    // Four files; the announced Standsicherheitsnachweis has none and is not listed.
    let arten: Vec<_> = a
        .anlagen
        .iter()
        .map(|x| (x.anlageart.as_deref().unwrap_or(""), x.mime_type.as_str()))
        .collect();
    assert_eq!(
        arten,
        vec![
            ("1804", "application/pdf"),
            ("2001", "application/pdf"),
            ("2003", "image/png"),
            ("1501", "text/plain"),
        ]
    );
    assert_eq!(a.anlagen[0].version, Some(2));
    assert_eq!(a.anlagen[1].version, None);
    assert_eq!(
        a.anlagen[0].dokument_id,
        "https://portal.example/dokumente/4711"
    );
    anlagen_stimmen(&a);
}
