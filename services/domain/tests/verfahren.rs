//! Verfahrensarten, the default checklists (exactly the DESIGN.md table), their checks and
//! their evaluation against a case's documents, and the deadline defaults.

use plankammer_domain::codeliste;
use plankammer_domain::feststellung::Schwere;
use plankammer_domain::verfahren::{
    Anforderung, Checkliste, Fristfolge, FristvorgabenKatalog, HochgeladenesDokument,
    Verfahrensart, checklisten_version, ist_gueltige_dauer, standard_checkliste,
    standard_fristvorgaben, standard_fristvorgaben_katalog,
};

use Verfahrensart::{
    Baugenehmigungsverfahren as Regel, Genehmigungsfreistellung as Frei,
    VereinfachtesVerfahren as Einfach, Vorbescheid as Vorb,
};

#[test]
fn procedures_have_slugs_names_and_paragraphs() {
    let rows: Vec<(&str, &str, &str)> = Verfahrensart::ALL
        .iter()
        .map(|v| (v.slug(), v.bezeichnung(), v.paragraph()))
        .collect();
    assert_eq!(
        rows,
        [
            ("baugenehmigung", "Baugenehmigungsverfahren", "§ 66 HBO"),
            (
                "vereinfacht",
                "Vereinfachtes Baugenehmigungsverfahren",
                "§ 65 HBO"
            ),
            ("freistellung", "Genehmigungsfreistellung", "§ 64 HBO"),
            ("vorbescheid", "Bauvoranfrage (Vorbescheid)", "§ 76 HBO"),
        ]
    );
    for v in Verfahrensart::ALL {
        assert_eq!(Verfahrensart::from_slug(v.slug()), Some(v));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            format!("\"{}\"", v.slug())
        );
        assert_eq!(
            serde_json::from_str::<Verfahrensart>(&format!("\"{}\"", v.slug())).unwrap(),
            v
        );
    }
    assert_eq!(Verfahrensart::from_slug("regelverfahren"), None);
    assert_eq!(
        Einfach.bezeichnung_mit_paragraph(),
        "Vereinfachtes Baugenehmigungsverfahren (§ 65 HBO)"
    );
    assert_eq!(
        Verfahrensart::ALL
            .into_iter()
            .filter(|v| v.kennt_genehmigungsfiktion())
            .collect::<Vec<_>>(),
        [Einfach]
    );
}

/// The DESIGN.md table, written out once more by hand: P required, B as needed,
/// C(...) condition, S(...) later, N not listed.
#[derive(Clone, Copy)]
enum T {
    P,
    B,
    Bplan,
    Eigent,
    Vertr,
    SpaetBau,
    SpaetBauGk,
    N,
}

fn erwartet(t: T) -> Option<Anforderung> {
    Some(match t {
        T::P => Anforderung::Pflicht,
        T::B => Anforderung::BeiBedarf,
        T::Bplan => Anforderung::Bedingt(
            "wenn das Grundstück im Geltungsbereich eines Bebauungsplans liegt".into(),
        ),
        T::Eigent => Anforderung::Bedingt(
            "wenn die Bauherrschaft nicht Eigentümerin des Grundstücks ist".into(),
        ),
        T::Vertr => Anforderung::Bedingt("wenn die Bauherrschaft vertreten wird".into()),
        T::SpaetBau => Anforderung::Spaeter("vor Baubeginn".into()),
        T::SpaetBauGk => Anforderung::Spaeter("vor Baubeginn (Gebäudeklasse 1 bis 3)".into()),
        T::N => return None,
    })
}

#[test]
fn default_checklists_are_the_design_table() {
    use T::*;
    // Anlageart, § 66, § 65, § 64, § 76 — in the order of the table.
    let tabelle: [(&str, [T; 4]); 18] = [
        ("1101", [P, P, P, P]),
        ("1102", [N, N, N, P]),
        ("1802", [P, P, P, P]),
        ("1803", [P, P, P, P]),
        ("2001", [P, P, P, B]),
        ("2002", [P, P, P, B]),
        ("2003", [P, P, P, B]),
        ("1502", [P, P, P, P]),
        ("2201", [P, P, N, N]),
        ("1901", [Bplan, Bplan, Bplan, B]),
        ("2102", [P, P, P, N]),
        ("2301", [P, P, P, N]),
        ("2501", [P, P, P, N]),
        ("0401", [P, P, P, P]),
        ("2801", [P, SpaetBau, SpaetBau, N]),
        ("2701", [P, SpaetBauGk, SpaetBau, N]),
        ("0601", [Eigent, Eigent, Eigent, Eigent]),
        ("0603", [Vertr, Vertr, Vertr, Vertr]),
    ];
    for (i, v) in [Regel, Einfach, Frei, Vorb].into_iter().enumerate() {
        let liste = standard_checkliste(v);
        assert_eq!(liste.verfahren, v);
        assert_eq!(liste.version, checklisten_version());
        liste.pruefe().unwrap();
        let erwartet_hier: Vec<(String, Anforderung)> = tabelle
            .iter()
            .filter_map(|(code, reihe)| erwartet(reihe[i]).map(|a| (code.to_string(), a)))
            .collect();
        let ist: Vec<(String, Anforderung)> = liste
            .positionen
            .iter()
            .map(|p| (p.anlageart.clone(), p.anforderung.clone()))
            .collect();
        assert_eq!(ist, erwartet_hier, "{v:?}");
        for p in &liste.positionen {
            assert_eq!(
                Some(p.name.as_str()),
                codeliste::anlagen().name(&p.anlageart),
                "the name comes from anlagen_3.0"
            );
        }
    }
    assert!(checklisten_version() >= 1);
}

#[test]
fn default_checklist_details() {
    let l = standard_checkliste(Regel);
    assert_eq!(
        l.position("2001").unwrap().hinweis.as_deref(),
        Some("Maßstab 1:100")
    );
    assert_eq!(
        l.position("1803").unwrap().hinweis.as_deref(),
        Some("Maßstab 1:500")
    );
    let bv = l.position("0401").unwrap();
    assert!(bv.erfuellt_durch("0401") && bv.erfuellt_durch("0402"));
    assert!(!bv.erfuellt_durch("2001"));
    assert!(l.position("1102").is_none());
    assert_eq!(
        standard_checkliste(Vorb)
            .position("1102")
            .unwrap()
            .anforderung,
        Anforderung::Pflicht
    );
}

#[test]
fn requirement_labels_and_json_form() {
    assert_eq!(Anforderung::Pflicht.bezeichnung(), "Pflicht");
    assert_eq!(Anforderung::BeiBedarf.bezeichnung(), "bei Bedarf");
    assert_eq!(
        Anforderung::Spaeter("vor Baubeginn".into()).bezeichnung(),
        "nachzureichen vor Baubeginn"
    );
    assert_eq!(
        Anforderung::Bedingt("wenn die Bauherrschaft vertreten wird".into()).bezeichnung(),
        "erforderlich, wenn die Bauherrschaft vertreten wird"
    );
    assert_eq!(
        serde_json::to_string(&Anforderung::Pflicht).unwrap(),
        r#"{"art":"pflicht"}"#
    );
    assert_eq!(
        serde_json::to_string(&Anforderung::Spaeter("vor Baubeginn".into())).unwrap(),
        r#"{"art":"spaeter","text":"vor Baubeginn"}"#
    );
    assert_eq!(
        serde_json::from_str::<Anforderung>(r#"{"art":"bei_bedarf"}"#).unwrap(),
        Anforderung::BeiBedarf
    );
}

#[test]
fn a_checklist_round_trips_through_json() {
    for v in Verfahrensart::ALL {
        let l = standard_checkliste(v);
        let json = l.zu_json();
        assert_eq!(Checkliste::aus_json(&json).unwrap(), l);
    }
}

#[test]
fn a_stored_checklist_without_names_gets_them_from_the_code_list() {
    let json = r#"{"version": 3, "verfahren": "vereinfacht", "positionen": [
        {"anlageart": "2001", "anforderung": {"art": "pflicht"}},
        {"anlageart": "2904", "name": "Lärmgutachten", "anforderung": {"art": "bei_bedarf"}}
    ]}"#;
    let l = Checkliste::aus_json(json).unwrap();
    assert_eq!(l.version, 3);
    assert_eq!(l.verfahren, Einfach);
    assert_eq!(l.positionen[0].name, "Grundrisse");
    assert_eq!(l.positionen[1].name, "Lärmgutachten", "an own name stays");
}

#[test]
fn edited_checklists_are_checked() {
    let json = r#"{"version": 1, "verfahren": "baugenehmigung", "positionen": [
        {"anlageart": "2001", "anforderung": {"art": "pflicht"}},
        {"anlageart": "7777", "anforderung": {"art": "pflicht"}},
        {"anlageart": "2001", "anforderung": {"art": "bei_bedarf"}},
        {"anlageart": "0401", "auch": ["0402", "8888"], "anforderung": {"art": "pflicht"}},
        {"anlageart": "0402", "anforderung": {"art": "pflicht"}},
        {"anlageart": "0601", "anforderung": {"art": "bedingt", "text": " "}},
        {"anlageart": "2801", "anforderung": {"art": "spaeter", "text": ""}}
    ]}"#;
    let err = Checkliste::aus_json(json).unwrap_err();
    let m = err.meldungen.join("\n");
    assert!(
        m.contains("Die Anlageart „7777“ gibt es in der Codeliste"),
        "{m}"
    );
    assert!(m.contains("„8888“"), "{m}");
    assert!(
        m.contains("Die Anlageart „2001“ (Grundrisse) steht mehrfach"),
        "{m}"
    );
    assert!(m.contains("„0402“") && m.contains("mehrfach"), "{m}");
    assert!(m.contains("fehlt die Bedingung"), "{m}");
    assert!(m.contains("fehlt der Zeitpunkt"), "{m}");
    assert_eq!(err.meldungen.len(), 6, "{m}");
    assert!(!err.to_string().is_empty());

    let kaputt = Checkliste::aus_json("{ nicht json").unwrap_err();
    assert!(kaputt.meldungen[0].starts_with("Die Checkliste ist nicht lesbar"));
    let unbekanntes_verfahren =
        Checkliste::aus_json(r#"{"version":1,"verfahren":"x","positionen":[]}"#);
    assert!(unbekanntes_verfahren.is_err());
    let null = Checkliste::aus_json(r#"{"version":0,"verfahren":"vorbescheid","positionen":[]}"#)
        .unwrap_err();
    assert!(null.meldungen[0].contains("Versionsnummer"));
}

#[test]
fn the_bauaufsicht_adds_and_waives_documents() {
    let mut l = standard_checkliste(Einfach);
    l.setze("2904", Anforderung::Pflicht).unwrap();
    assert_eq!(
        l.position("2904").unwrap().name,
        "Immissionsgutachten (Lärm / Erschütterung / Schattenwurf / Gerüche ...)"
    );
    l.setze("2801", Anforderung::Pflicht).unwrap();
    assert_eq!(
        l.position("2801").unwrap().anforderung,
        Anforderung::Pflicht
    );
    assert!(l.setze("7777", Anforderung::Pflicht).is_err());
    let e = l.setze("0402", Anforderung::Pflicht).unwrap_err();
    assert!(e.meldungen[0].contains("schon Teil der Position"), "{e}");
    assert!(l.entferne("2501"));
    assert!(!l.entferne("2501"));
    assert!(l.position("2501").is_none());
    l.pruefe().unwrap();
}

fn dok(id: i64, anlageart: &str) -> HochgeladenesDokument {
    HochgeladenesDokument {
        id,
        bezeichnung: format!("dokument-{id}.pdf"),
        anlageart: Some(anlageart.to_string()),
        vorgeschlagene_anlageart: None,
        schlimmste_feststellung: None,
        verarbeitet: true,
    }
}

fn vollstaendig(v: Verfahrensart) -> Vec<HochgeladenesDokument> {
    standard_checkliste(v)
        .positionen
        .iter()
        .filter(|p| p.anforderung == Anforderung::Pflicht)
        .enumerate()
        .map(|(i, p)| dok(i as i64 + 1, &p.anlageart))
        .collect()
}

#[test]
fn a_complete_set_may_be_submitted() {
    for v in Verfahrensart::ALL {
        let a = standard_checkliste(v).auswerten(&vollstaendig(v));
        assert!(a.darf_einreichen, "{v:?}: {:?}", a.gruende);
        assert!(a.gruende.is_empty());
        assert!(a.weitere_dokumente.is_empty());
        for p in &a.positionen {
            assert!(!p.blockiert);
            assert_eq!(p.vorhanden, p.anforderung == Anforderung::Pflicht);
        }
    }
}

#[test]
fn nothing_uploaded_names_every_required_document() {
    let a = standard_checkliste(Einfach).auswerten(&[]);
    assert!(!a.darf_einreichen);
    let pflicht = standard_checkliste(Einfach)
        .positionen
        .iter()
        .filter(|p| p.anforderung == Anforderung::Pflicht)
        .count();
    assert_eq!(a.gruende.len(), pflicht);
    assert!(
        a.gruende
            .contains(&"Es fehlt eine Pflichtunterlage: Grundrisse.".to_string())
    );
    // Conditional rows are mentioned, but do not block.
    assert!(a.hinweise.iter().any(|h| h.starts_with(
        "Falls zutreffend, fehlt noch: Zustimmung des Grundstückseigentümers – erforderlich, wenn"
    )));
    let texte: Vec<(&str, &str)> = a
        .positionen
        .iter()
        .map(|p| (p.anlageart.as_str(), p.text.as_str()))
        .collect();
    assert!(texte.contains(&("2001", "fehlt")));
    assert!(texte.contains(&("2801", "später nachzureichen")));
    assert!(texte.contains(&("0603", "fehlt (falls zutreffend)")));
    let vorb = standard_checkliste(Vorb).auswerten(&[]);
    assert!(
        vorb.positionen
            .iter()
            .any(|p| p.anlageart == "2001" && p.text == "bei Bedarf" && !p.blockiert)
    );
}

#[test]
fn findings_pipeline_and_types_decide_submission() {
    let v = Einfach;
    let mut docs = vollstaendig(v);
    let n = docs.len() as i64;

    // A warning is a note, not a block.
    docs[0].schlimmste_feststellung = Some(Schwere::Warnung);
    let a = standard_checkliste(v).auswerten(&docs);
    assert!(a.darf_einreichen, "{:?}", a.gruende);
    assert!(a.hinweise.iter().any(|h| h.contains("hat Warnungen")));
    let p0 = &a.positionen[0];
    assert_eq!(p0.befund.schlimmste(), Some(Schwere::Warnung));
    assert_eq!(p0.text, "vorhanden (1 mit Warnungen)");

    // An error blocks.
    docs[1].schlimmste_feststellung = Some(Schwere::Fehler);
    let a = standard_checkliste(v).auswerten(&docs);
    assert!(!a.darf_einreichen);
    assert_eq!(
        a.gruende,
        ["„dokument-2.pdf“ hat Fehler. Bitte ersetzen Sie das Dokument oder entfernen Sie es."]
    );
    docs[1].schlimmste_feststellung = Some(Schwere::Hinweis);

    // A running pipeline blocks.
    docs[2].verarbeitet = false;
    let a = standard_checkliste(v).auswerten(&docs);
    assert!(!a.darf_einreichen);
    assert_eq!(a.gruende.len(), 1);
    assert!(a.gruende[0].contains("wird noch geprüft"));
    assert!(a.positionen[2].text.contains("1 in Prüfung"));
    docs[2].verarbeitet = true;

    // A suggested type counts, with a request to confirm it.
    docs[3].vorgeschlagene_anlageart = docs[3].anlageart.take();
    let a = standard_checkliste(v).auswerten(&docs);
    assert!(a.darf_einreichen, "{:?}", a.gruende);
    assert!(a.hinweise.iter().any(|h| h.contains("nur vorgeschlagen")));

    // A document without any type, or with an unknown one, blocks.
    let mut ohne = dok(n + 1, "x");
    ohne.anlageart = None;
    let a = standard_checkliste(v).auswerten(&[docs.clone(), vec![ohne]].concat());
    assert!(!a.darf_einreichen);
    assert!(a.gruende[0].contains("keine Anlageart angegeben"));
    assert_eq!(a.weitere_dokumente, [n + 1]);
    let a = standard_checkliste(v).auswerten(&[docs.clone(), vec![dok(n + 2, "4711")]].concat());
    assert!(a.gruende[0].contains("„4711“") && a.gruende[0].contains("unbekannt"));

    // A further document off the list is fine and reported as such.
    let a = standard_checkliste(v).auswerten(&[docs.clone(), vec![dok(n + 3, "9999")]].concat());
    assert!(a.darf_einreichen);
    assert_eq!(a.weitere_dokumente, [n + 3]);

    // Two sheets for one row, and an alternative code.
    let mut mehr = docs.clone();
    mehr.push(dok(n + 4, "2001"));
    let bv = mehr
        .iter_mut()
        .find(|d| d.anlageart.as_deref() == Some("0401"))
        .unwrap();
    bv.anlageart = Some("0402".into());
    let a = standard_checkliste(v).auswerten(&mehr);
    assert!(a.darf_einreichen, "{:?}", a.gruende);
    let grundrisse = a.positionen.iter().find(|p| p.anlageart == "2001").unwrap();
    assert_eq!(grundrisse.dokumente.len(), 2);
    assert!(
        a.positionen
            .iter()
            .find(|p| p.anlageart == "0401")
            .unwrap()
            .vorhanden
    );
}

#[test]
fn deadline_defaults() {
    let k = standard_fristvorgaben_katalog();
    k.pruefe().unwrap();
    assert_eq!(k.erinnerungen, ["7T", "1T"]);

    let e = standard_fristvorgaben(Einfach);
    let ent = e.entscheidung.as_ref().unwrap();
    assert_eq!(ent.dauer, "3M");
    assert_eq!(ent.rechtsgrundlage, "§ 65 Abs. 2 HBO");
    assert_eq!(ent.verlaengerung_hoechstens.as_deref(), Some("2M"));
    assert_eq!(ent.folge, Fristfolge::Genehmigungsfiktion);
    for v in [Regel, Frei, Vorb] {
        assert!(standard_fristvorgaben(v).entscheidung.is_none(), "{v:?}");
    }
    for v in Verfahrensart::ALL {
        let f = standard_fristvorgaben(v);
        assert_eq!(f.nachforderung.dauer, "1M");
        assert_eq!(f.nachforderung.rechtsgrundlage, "§ 70 Abs. 2 HBO");
        assert_eq!(f.nachforderung.folge, Fristfolge::Ruecknahmefiktion);
    }
    for v in [Regel, Einfach, Vorb] {
        let f = standard_fristvorgaben(v);
        assert_eq!(f.stellungnahme.unwrap().dauer, "1M");
        let ev = f.einvernehmen_gemeinde.unwrap();
        assert_eq!(
            (ev.dauer.as_str(), ev.rechtsgrundlage.as_str()),
            ("2M", "§ 36 Abs. 2 BauGB")
        );
        assert!(f.freistellung_gemeinde.is_none());
    }
    let frei = standard_fristvorgaben(Frei);
    assert!(frei.stellungnahme.is_none() && frei.einvernehmen_gemeinde.is_none());
    assert_eq!(
        frei.freistellung_gemeinde.unwrap().folge,
        Fristfolge::BaubeginnZulaessig
    );
    assert!(!Fristfolge::Genehmigungsfiktion.bezeichnung().is_empty());
}

#[test]
fn deadline_catalogue_round_trips_and_is_checked() {
    let k = standard_fristvorgaben_katalog();
    assert_eq!(&FristvorgabenKatalog::aus_json(&k.zu_json()).unwrap(), k);

    let mut schlecht = k.clone();
    schlecht.erinnerungen.push("eine Woche".into());
    schlecht
        .verfahren
        .get_mut(&Einfach)
        .unwrap()
        .entscheidung
        .as_mut()
        .unwrap()
        .verlaengerung_hoechstens = Some("2X".into());
    schlecht.verfahren.remove(&Vorb);
    let e = FristvorgabenKatalog::aus_json(&schlecht.zu_json()).unwrap_err();
    assert_eq!(e.meldungen.len(), 3, "{e}");
    assert!(e.meldungen.iter().any(|m| m.contains("„eine Woche“")));
    assert!(e.meldungen.iter().any(|m| m.contains("„2X“")));
    assert!(
        e.meldungen
            .iter()
            .any(|m| m.contains("Bauvoranfrage (Vorbescheid)"))
    );
}

#[test]
fn durations() {
    for ok in ["1T", "14T", "2W", "3M", "12M"] {
        assert!(ist_gueltige_dauer(ok), "{ok}");
    }
    for bad in [
        "", "M", "0M", "3", "3m", "-1M", "1J", "3 M", "1.5M", "99999T", "3MM", "3Ä",
    ] {
        assert!(!ist_gueltige_dauer(bad), "{bad}");
    }
}
