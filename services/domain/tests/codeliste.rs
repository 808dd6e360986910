//! The embedded XBau code lists: they parse, carry their URIs, and hold the real codes.

use plankammer_domain::codeliste::{self, Codeliste};
use std::collections::HashSet;

#[test]
fn every_list_parses_and_has_unique_codes_and_a_version_uri() {
    for liste in codeliste::alle() {
        assert!(!liste.is_empty(), "{} is empty", liste.kurzname);
        assert!(
            liste.uri.ends_with(&format!("_{}", liste.version)),
            "{}: version URI {} does not end in its version",
            liste.kurzname,
            liste.uri
        );
        let mut codes = HashSet::new();
        for e in &liste.eintraege {
            assert!(codes.insert(&e.code), "{}: {} twice", liste.uri, e.code);
            assert!(!e.code.trim().is_empty() && !e.name.trim().is_empty());
            assert_eq!(e.name, e.name.trim(), "{}: untrimmed name", liste.uri);
        }
    }
}

#[test]
fn canonical_uris() {
    let uris: Vec<&str> = codeliste::alle().iter().map(|l| l.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "urn:xoev-de:xbau:codeliste:anlagen_3.0",
            "urn:xoev-de:xbau:codeliste:statusbauportal_3.0",
            "urn:xoev-de:xbau:codeliste:formellebefundeart_2.0",
            "urn:xoev-de:xbau:codeliste:beteiligungrolle_2.0",
            "urn:xoev-de:xbau:codeliste:nebenbestimmungart_3.0",
            "urn:xoev-de:xbau:codeliste:gebaeudeklasse_3.0",
            "urn:xoev-de:xbau:codeliste:baumassnahmeart_2.0",
            "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags_2026-06-30",
        ]
    );
}

#[test]
fn anlagen_of_the_checklists() {
    let a = codeliste::anlagen();
    for (code, name) in [
        ("0401", "Nachweis der Bauvorlageberechtigung - Architekt"),
        ("0601", "Zustimmung des Grundstückseigentümers"),
        ("0603", "Vollmacht des Bauherren für die Antragsstellung"),
        ("1101", "Antragsformulare [Alle möglichen Anträge]"),
        ("1102", "Antragsschreiben [Formlos]"),
        ("1502", "Baubeschreibung Vordruck"),
        ("1802", "Liegenschaftskarte / Flurkarte"),
        ("1803", "Lageplan"),
        (
            "1901",
            "Berechnung des Maßes der geplanten baulichen Nutzung [GFZ | GRZ | BMZ ]",
        ),
        ("2001", "Grundrisse"),
        ("2002", "Schnitte"),
        ("2003", "Ansichten"),
        ("2102", "Berechnung der Abstandflächen"),
        ("2201", "Berechnung des umbauten Raums nach DIN 277"),
        (
            "2301",
            "KFZ-Stellplatznachweis | Berechnung der erforderlichen Stellplätze",
        ),
        (
            "2501",
            "Erhebungsbogen für die Baustatistik gem. Hochbaustatistikgesetz",
        ),
        (
            "2701",
            "Brandschutznachweis zur Prüfung bei der Bauaufsicht",
        ),
        ("2801", "Standsicherheitsnachweis"),
        ("9999", "Weitere, nicht näher spezifizierte Anlage"),
    ] {
        assert_eq!(a.name(code), Some(name), "Anlageart {code}");
    }
    assert_eq!(a.len(), 312);
    assert!(!a.enthaelt("2000x"));
    assert_eq!(a.name("1234"), None);
    // Trailing blank in the official file is trimmed.
    assert_eq!(
        a.name("0708"),
        Some("Erklärung des Nachweiserstellers über die Bauausführung")
    );
}

#[test]
fn status_codes_of_the_flow() {
    let s = codeliste::statusbauportal();
    for (code, name) in [
        ("04", "Antrag abgelehnt"),
        ("06", "Baugenehmigungsantrag abgelehnt"),
        ("07", "Bauvorhaben genehmigungsfreigestellt"),
        ("08", "Behördenbeteiligung eingeleitet"),
        ("09", "Behördenbeteiligung vollständig abgeschlossen"),
        ("10", "Bescheid erteilt"),
        ("12", "Mitteilung der Rücknahmefiktion"),
        ("14", "Quittierung: Eingang Vorgang"),
        ("15", "Rücknahme des Vorgangs bestätigt"),
        ("16", "Stellungnahme oder Nachbesserung eingegangen"),
        ("17", "Unterlagen nachgefordert"),
        ("18", "Unterlagen vollständig"),
        ("19", "Vorbescheid erteilt"),
        ("23", "Vorgang zurückgezogen"),
        ("57", "Sofortige Ablehnung"),
        ("58", "Eintritt Genehmigungsfiktion"),
    ] {
        assert_eq!(s.name(code), Some(name), "status {code}");
    }
    assert_eq!(s.len(), 34);
    assert_eq!(
        s.eintrag("14").and_then(|e| e.beschreibung.as_deref()),
        Some("Fristen gelten ab vollständigem Eingang der Unterlagen.")
    );
    assert!(!s.enthaelt("14 "));
    assert!(!s.enthaelt("1"));
}

#[test]
fn small_lists() {
    let f = codeliste::formelle_befunde();
    assert_eq!(f.name("05"), Some("Bauvorlage oder sonstige Anlage fehlt"));
    assert_eq!(
        f.name("01"),
        Some("Angaben zu den Beteiligten fehlerhaft oder unvollständig")
    );
    assert_eq!(f.name("06"), Some("Abweichungsantrag fehlt"));

    let r = codeliste::beteiligungsrollen();
    assert_eq!(r.len(), 3);
    assert!(r.name("1").unwrap().contains("zuständige Stelle"));
    assert!(r.name("2").unwrap().contains("sachverständige Stelle"));
    assert!(r.name("3").unwrap().contains("betroffene Gemeinde"));

    let n = codeliste::nebenbestimmungsarten();
    assert_eq!(n.name("1"), Some("Bedingung"));
    assert_eq!(n.name("2"), Some("Auflage"));
    assert_eq!(n.name("4"), Some("Hinweise"));

    let g = codeliste::gebaeudeklassen();
    assert_eq!(g.len(), 5);
    assert_eq!(g.name("3"), Some("Gebäudeklasse 3"));
    assert!(
        g.eintrag("1")
            .and_then(|e| e.beschreibung.as_deref())
            .unwrap()
            .starts_with("Freistehende Gebäude mit einer Höhe bis zu 7 m")
    );

    let m = codeliste::baumassnahmearten();
    assert_eq!(m.name("11"), Some("Errichtung"));
    assert_eq!(m.name("12"), Some("Änderung"));
    assert_eq!(m.name("30"), Some("Beseitigung"));
}

#[test]
fn gemeinden_in_hessen() {
    let g = codeliste::gemeinden_hessen();
    // 422 Gemeinden and 3 gemeindefreie Gutsbezirke (AGS list of 2026-06-30).
    assert_eq!(g.len(), 425);
    assert!((400..=450).contains(&g.len()));
    assert_eq!(g.name("06412000"), Some("Frankfurt am Main, Stadt"));
    assert_eq!(g.name("06414000"), Some("Wiesbaden, Landeshauptstadt"));
    assert_eq!(g.name("06611000"), Some("Kassel, documenta-Stadt"));
    assert_eq!(g.name("06411000"), Some("Darmstadt, Wissenschaftsstadt"));
    for e in &g.eintraege {
        assert!(e.code.starts_with("06"), "{} is not in Hessen", e.code);
        assert_eq!(e.code.len(), 8, "{} is not an 8-digit AGS", e.code);
        assert!(e.code.bytes().all(|b| b.is_ascii_digit()));
    }
    // Sorted by key, as the autocomplete shows list order within a group.
    assert!(g.eintraege.windows(2).all(|w| w[0].code < w[1].code));
    assert!(!g.enthaelt("01001000"), "Flensburg is not in Hessen");
}

#[test]
fn gemeinde_search_for_an_autocomplete() {
    let codes = |q: &str| -> Vec<&str> {
        codeliste::suche_gemeinde(q)
            .iter()
            .map(|e| e.code.as_str())
            .collect()
    };
    assert_eq!(codes("Frankfurt"), ["06412000"]);
    assert_eq!(codes("  frankFURT "), ["06412000"]);
    // Prefix first (Wiesbaden), then inside a name (Grävenwiesbach).
    assert_eq!(codes("wiesb"), ["06414000", "06434004"]);
    assert_eq!(codes("06611"), ["06611000"]);
    // Case-insensitive also for umlauts.
    let b = codes("BÜRSTADT");
    assert_eq!(b, ["06431005"]);
    // Prefix matches first, then substring matches.
    let k = codeliste::suche_gemeinde("kassel");
    assert_eq!(k[0].code, "06611000");
    assert!(
        k.iter()
            .skip(1)
            .all(|e| !e.name.to_lowercase().starts_with("kassel"))
    );
    let wald = codeliste::suche_gemeinde("wald");
    let erste_innen = wald
        .iter()
        .position(|e| !e.name.to_lowercase().starts_with("wald"))
        .unwrap();
    assert!(
        wald[erste_innen..]
            .iter()
            .all(|e| !e.name.to_lowercase().starts_with("wald"))
    );
    assert!(wald.len() > erste_innen && erste_innen > 0);
    // Nothing for nothing.
    assert!(codeliste::suche_gemeinde("").is_empty());
    assert!(codeliste::suche_gemeinde("   ").is_empty());
    assert!(codeliste::suche_gemeinde("Flensburg").is_empty());
}

#[test]
fn a_list_reads_its_own_json_form() {
    let a = codeliste::anlagen();
    let json = serde_json::to_string(a).unwrap();
    let b = Codeliste::aus_json(&json).unwrap();
    assert_eq!(&b, a);
    assert!(Codeliste::aus_json("{\"eintraege\": []}").is_err());
}
