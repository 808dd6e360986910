//! Bescheid: tenor and status codes, validation of a draft, Nebenbestimmungen carried over
//! from the current Stellungnahmen, fees, the stamp text, and the one extension of the
//! decision deadline (§ 65 Abs. 2 HBO).

use chrono::{Days, NaiveDate};
use plankammer_domain::bescheid::*;
use plankammer_domain::beteiligung::{self, StelleId, Stellungnahme, StellungnahmeId, Zustimmung};
use plankammer_domain::frist::{Dauer, ist_arbeitstag};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

#[test]
fn statuscodes_passen_zum_vorgang() {
    assert_eq!(Tenor::Genehmigung.statuscode(), "10");
    assert_eq!(Tenor::Ablehnung.statuscode(), "06");
    assert_eq!(Tenor::Vorbescheid.statuscode(), "19");
    assert_eq!(
        Tenor::Ablehnung.statuscode_im(Verfahrensart::Vorbescheid),
        "04"
    );
    assert_eq!(
        Tenor::Genehmigung.statuscode_im(Verfahrensart::VereinfachtesVerfahren),
        "10"
    );
    for t in Tenor::ALL {
        for v in Verfahrensart::ALL {
            assert_eq!(
                Some(t.statuscode_im(v)),
                t.zustand().statusbauportal_code_im(v),
                "{t:?} {v:?}"
            );
            assert!(
                plankammer_domain::codeliste::statusbauportal().enthaelt(t.statuscode_im(v)),
                "{t:?} {v:?}"
            );
        }
    }
    assert_eq!(Tenor::Ablehnung.zustand(), Zustand::Abgelehnt);
    assert_eq!(Tenor::Vorbescheid.zustand(), Zustand::Genehmigt);
}

fn nb(art: &str, text: &str) -> Nebenbestimmung {
    Nebenbestimmung::neu(art, text)
}

fn entwurf(tenor: Tenor) -> BescheidEntwurf {
    BescheidEntwurf {
        verfahren: Verfahrensart::VereinfachtesVerfahren,
        tenor,
        tenor_text: "Die beantragte Baugenehmigung wird erteilt.".into(),
        nebenbestimmungen: vec![nb(
            "2",
            "Die Stellplätze sind vor Nutzungsbeginn herzustellen.",
        )],
        begruendung: String::new(),
        gebuehren: vec![
            Gebuehr {
                beschreibung: "Baugenehmigungsgebühr".into(),
                betrag_cent: 123_456,
            },
            Gebuehr {
                beschreibung: "Auslagen".into(),
                betrag_cent: 1_050,
            },
        ],
        rechtsbehelfsbelehrung:
            "Gegen diesen Bescheid kann innerhalb eines Monats … Klage erhoben werden.".into(),
    }
}

#[test]
fn entwurf_pruefen() {
    assert_eq!(entwurf(Tenor::Genehmigung).pruefe(), Ok(()));

    let mut e = entwurf(Tenor::Genehmigung);
    e.rechtsbehelfsbelehrung = "  ".into();
    e.nebenbestimmungen.push(nb("2", " "));
    e.nebenbestimmungen.push(Nebenbestimmung {
        art: "8".into(),
        text: "x".into(),
        begruendung: String::new(),
        quelle: Some(Quelle {
            stelle_name: "Brandschutzdienststelle".into(),
            stellungnahme: StellungnahmeId(4),
        }),
    });
    assert_eq!(
        e.pruefe().unwrap_err().meldungen,
        [
            "Die Rechtsbehelfsbelehrung fehlt.",
            "Nebenbestimmung 2: Der Text fehlt.",
            "Nebenbestimmung 3 (aus der Stellungnahme von Brandschutzdienststelle): Die Art „8“ gibt es in der Codeliste der Nebenbestimmungen (XBau) nicht.",
        ]
    );

    let mut e = entwurf(Tenor::Ablehnung);
    assert_eq!(
        e.pruefe().unwrap_err().meldungen,
        [
            "Eine Ablehnung muss begründet werden.",
            "Eine Ablehnung enthält keine Auflagen oder Bedingungen; nur Hinweise sind möglich.",
        ]
    );
    e.begruendung = "Das Vorhaben fügt sich nicht ein (§ 34 BauGB).".into();
    e.nebenbestimmungen = vec![nb("4", "Eine geänderte Planung ist möglich.")];
    assert_eq!(e.pruefe(), Ok(()));

    let mut e = entwurf(Tenor::Genehmigung);
    e.tenor_text = String::new();
    assert_eq!(
        e.pruefe().unwrap_err().meldungen,
        ["Bitte geben Sie den Tenor des Bescheids an."]
    );
}

#[test]
fn vorbescheid_nur_auf_bauvoranfrage() {
    let e = entwurf(Tenor::Vorbescheid);
    assert_eq!(
        e.pruefe().unwrap_err().meldungen,
        [
            "Ein Vorbescheid kann nur auf eine Bauvoranfrage ergehen, nicht im Verfahren „Vereinfachtes Baugenehmigungsverfahren“."
        ]
    );
    let mut e = entwurf(Tenor::Vorbescheid);
    e.verfahren = Verfahrensart::Vorbescheid;
    assert_eq!(e.pruefe(), Ok(()));
    e.tenor = Tenor::Genehmigung;
    assert!(e.pruefe().is_err());
}

#[test]
fn gebuehren() {
    let e = entwurf(Tenor::Genehmigung);
    assert_eq!(e.gebuehren_summe(), Some(124_506));
    assert_eq!(euro(124_506), "1.245,06 €");
    assert_eq!(euro(5), "0,05 €");
    assert_eq!(euro(-100_000_000), "-1.000.000,00 €");
    assert_eq!(gebuehren_summe(&[]), Some(0));

    let mut e = entwurf(Tenor::Genehmigung);
    e.gebuehren.push(Gebuehr {
        beschreibung: "Ermäßigung".into(),
        betrag_cent: -200_000,
    });
    e.gebuehren.push(Gebuehr {
        beschreibung: " ".into(),
        betrag_cent: 0,
    });
    assert_eq!(
        e.pruefe().unwrap_err().meldungen,
        [
            "Gebühr 4: Bitte geben Sie an, wofür sie erhoben wird.",
            "Die Summe der Gebühren darf nicht negativ sein (derzeit -754,94 €).",
        ]
    );
    let mut e = entwurf(Tenor::Genehmigung);
    e.gebuehren[0].betrag_cent = i64::MAX;
    assert_eq!(e.gebuehren_summe(), None);
    assert_eq!(
        e.pruefe().unwrap_err().meldungen,
        ["Die Summe der Gebühren ist zu groß."]
    );
}

fn stellungnahme(
    id: i64,
    stelle: i64,
    name: &str,
    am: &str,
    ersetzt: Option<i64>,
    nbs: &[(&str, &str)],
) -> Stellungnahme {
    Stellungnahme {
        id: StellungnahmeId(id),
        stelle: StelleId(stelle),
        stelle_name: name.into(),
        tenor: "Zustimmung".into(),
        zustimmung: if nbs.is_empty() {
            Zustimmung::Ja
        } else {
            Zustimmung::MitNebenbestimmungen
        },
        nebenbestimmungen: nbs
            .iter()
            .map(|(art, text)| beteiligung::Nebenbestimmung::neu(art, text))
            .collect(),
        begruendung: String::new(),
        abgegeben_am: d(am),
        ersetzt: ersetzt.map(StellungnahmeId),
    }
}

#[test]
fn nebenbestimmungen_aus_aktuellen_stellungnahmen() {
    let liste = [
        stellungnahme(
            1,
            10,
            "Brandschutzdienststelle",
            "2026-04-01",
            None,
            &[("2", "Alte Auflage Rettungsweg")],
        ),
        stellungnahme(
            2,
            20,
            "Untere Denkmalschutzbehörde",
            "2026-04-02",
            None,
            &[
                ("1", "Farbmuster vor Ausführung abstimmen"),
                ("4", "Fund melden"),
            ],
        ),
        stellungnahme(3, 30, "Gemeinde Musterstadt", "2026-04-02", None, &[]),
        // The Brandschutz corrects its statement: only the new one counts.
        stellungnahme(
            4,
            10,
            "Brandschutzdienststelle",
            "2026-04-05",
            Some(1),
            &[("2", "Zweiter Rettungsweg über Leitern der Feuerwehr")],
        ),
    ];
    let nbs = nebenbestimmungen_aus(&liste);
    let kurz: Vec<(&str, &str, &str, i64)> = nbs
        .iter()
        .map(|n| {
            let q = n.quelle.as_ref().expect("source");
            (
                n.art.as_str(),
                n.text.as_str(),
                q.stelle_name.as_str(),
                q.stellungnahme.0,
            )
        })
        .collect();
    assert_eq!(
        kurz,
        [
            (
                "2",
                "Zweiter Rettungsweg über Leitern der Feuerwehr",
                "Brandschutzdienststelle",
                4
            ),
            (
                "1",
                "Farbmuster vor Ausführung abstimmen",
                "Untere Denkmalschutzbehörde",
                2
            ),
            ("4", "Fund melden", "Untere Denkmalschutzbehörde", 2),
        ]
    );
    assert_eq!(nbs[0].art_bezeichnung(), Some("Auflage"));
    assert!(nbs[2].ist_hinweis());

    // Carried over, edited, still valid and still with its source.
    let mut e = entwurf(Tenor::Genehmigung);
    e.nebenbestimmungen = nbs;
    e.nebenbestimmungen[1].text =
        "Farbmuster vor Ausführung mit der Denkmalpflege abstimmen".into();
    assert_eq!(e.pruefe(), Ok(()));
    assert_eq!(
        e.nebenbestimmungen[1]
            .quelle
            .as_ref()
            .map(|q| q.stellungnahme),
        Some(StellungnahmeId(2))
    );
    assert!(nebenbestimmungen_aus(&[]).is_empty());
}

#[test]
fn stempel() {
    let z = stempeltext(
        " Bauaufsicht Musterstadt ",
        "BA-2026-00017",
        d("2026-11-29"),
        "2026/17",
    )
    .expect("ok");
    assert_eq!(
        z,
        [
            "GENEHMIGT",
            "Bauaufsicht Musterstadt",
            "Az. BA-2026-00017",
            "vom 29.11.2026",
            "Bescheid Nr. 2026/17",
        ]
    );
    assert_eq!(
        stempeltext("Bauaufsicht", "", d("2026-11-29"), "1")
            .unwrap_err()
            .to_string(),
        "Für den Stempel fehlt das Aktenzeichen."
    );
    assert!(matches!(
        stempeltext(&"B".repeat(121), "Az", d("2026-11-29"), "1"),
        Err(StempelFehler::ZuLang(_))
    ));
    assert!(stempeltext("Bau\naufsicht", "Az", d("2026-11-29"), "1").is_err());
}

// ---------------------------------------------------------------------------------------------
// § 65 Abs. 2 HBO: one extension by at most two months
// ---------------------------------------------------------------------------------------------

#[test]
fn verlaengerung_der_entscheidungsfrist() {
    let alt = d("2026-06-26"); // Friday; + 2 months = Wednesday 26.08.2026
    let heute = d("2026-06-01");
    let zwei = VERLAENGERUNG_HOECHSTENS;
    assert_eq!(zwei, Dauer::Monate(2));
    assert_eq!(
        verlaengerung_zulaessig(0, alt, d("2026-08-26"), zwei, heute),
        Ok(())
    );
    assert_eq!(
        verlaengerung_zulaessig(0, alt, d("2026-07-10"), zwei, heute),
        Ok(())
    );
    // On the last day itself it may still be extended.
    assert_eq!(
        verlaengerung_zulaessig(0, alt, d("2026-07-10"), zwei, alt),
        Ok(())
    );

    let e = verlaengerung_zulaessig(0, alt, d("2026-08-27"), zwei, heute).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Die Frist kann um höchstens 2 Monate verlängert werden, also bis spätestens Mittwoch, 26.08.2026 (§ 65 Abs. 2 HBO, § 190 BGB)."
    );
    let e = verlaengerung_zulaessig(1, alt, d("2026-07-10"), zwei, heute).unwrap_err();
    assert_eq!(e, VerlaengerungsFehler::SchonVerlaengert);
    assert!(e.to_string().contains("nur einmal"));
    let e = verlaengerung_zulaessig(0, alt, d("2026-07-10"), zwei, d("2026-06-27")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Die Entscheidungsfrist ist am 26.06.2026 abgelaufen; eine Verlängerung ist nur vor ihrem Ablauf möglich."
    );
    assert_eq!(
        verlaengerung_zulaessig(0, alt, alt, zwei, heute),
        Err(VerlaengerungsFehler::NichtSpaeter(alt))
    );
    let e = verlaengerung_zulaessig(0, alt, d("2026-07-11"), zwei, heute).unwrap_err();
    assert!(e.to_string().contains("kein Werktag"), "{e}");

    // The new deadline runs from the end of the old one and moves like any deadline: from
    // Monday 03.08.2026, two months end on Saturday 03.10.2026 (Tag der Deutschen Einheit),
    // so Monday 05.10.2026 is still allowed.
    let alt = d("2026-08-03");
    assert_eq!(
        spaetestes_verlaengertes_ende(alt, zwei),
        Ok(d("2026-10-05"))
    );
    assert_eq!(
        verlaengerung_zulaessig(0, alt, d("2026-10-05"), zwei, heute),
        Ok(())
    );
    assert!(matches!(
        verlaengerung_zulaessig(0, alt, d("2026-10-06"), zwei, heute),
        Err(VerlaengerungsFehler::ZuLang { .. })
    ));
}

proptest! {
    #[test]
    fn verlaengerung_eigenschaften(alt_off in 0u64..2000, neu_off in 0u64..100, bisher in 0u32..3, vorher in 0u64..30) {
        let alt = d("2024-01-01") + Days::new(alt_off);
        let neu = alt + Days::new(neu_off);
        let heute = alt - Days::new(vorher);
        let r = verlaengerung_zulaessig(bisher, alt, neu, VERLAENGERUNG_HOECHSTENS, heute);
        if r.is_ok() {
            prop_assert_eq!(bisher, 0);
            prop_assert!(neu > alt);
            prop_assert!(ist_arbeitstag(neu));
            prop_assert!(neu <= spaetestes_verlaengertes_ende(alt, VERLAENGERUNG_HOECHSTENS).expect("in range"));
        } else {
            prop_assert!(!r.unwrap_err().to_string().is_empty());
        }
    }
}
