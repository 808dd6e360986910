//! Beteiligung: deadline proposals, the state machine of one request (table, permissions,
//! properties over random event sequences), Stellungnahmen (validation, corrections),
//! reminders, anchors and the visibility of comments.

use chrono::{Days, NaiveDate};
use plankammer_domain::Role;
use plankammer_domain::beteiligung::*;
use plankammer_domain::frist::{Verschiebungsgrund, ist_arbeitstag};
use plankammer_domain::verfahren::{
    Fristfolge, Fristvorgabe, Verfahrensart, standard_fristvorgaben,
};
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

// ---------------------------------------------------------------------------------------------
// Rolle
// ---------------------------------------------------------------------------------------------

#[test]
fn rollen_folgen_der_codeliste() {
    for r in Rolle::ALL {
        assert_eq!(Rolle::from_code(r.code()), Some(r));
        assert!(
            plankammer_domain::codeliste::beteiligungsrollen().enthaelt(r.code()),
            "{r:?}"
        );
    }
    assert_eq!(Rolle::from_code("4"), None);
    assert_eq!(Rolle::Gemeinde.code(), "3");
    assert_eq!(
        Rolle::Gemeinde.beschreibung(),
        "Der Adressat der Nachricht soll als betroffene Gemeinde beteiligt werden."
    );
    assert!(
        Rolle::Zustaendig
            .beschreibung()
            .contains("zuständige Stelle")
    );
    assert!(
        Rolle::Sachverstaendig
            .beschreibung()
            .contains("sachverständige Stelle")
    );
    assert_eq!(
        Rolle::Sachverstaendig.bezeichnung(),
        "Sachverständige Stelle"
    );
}

// ---------------------------------------------------------------------------------------------
// Fristvorschlag
// ---------------------------------------------------------------------------------------------

/// (role, request received, expected last day, computed end before § 193 BGB).
const VORSCHLAEGE: &[(Rolle, &str, &str, &str)] = &[
    // Thursday + 1 month = Sunday 26.04. → Monday.
    (
        Rolle::Sachverstaendig,
        "2026-03-26",
        "2026-04-27",
        "2026-04-26",
    ),
    // A plain Thursday (Gründonnerstag is no holiday).
    (Rolle::Zustaendig, "2026-03-02", "2026-04-02", "2026-04-02"),
    // Ostermontag 06.04.2026 → Tuesday.
    (Rolle::Zustaendig, "2026-03-06", "2026-04-07", "2026-04-06"),
    // Gemeinde, 2 months onto Karfreitag: Karfreitag, Saturday, Easter Sunday, Ostermontag.
    (Rolle::Gemeinde, "2026-02-03", "2026-04-07", "2026-04-03"),
    // Gemeinde onto Pfingstmontag 25.05.2026.
    (Rolle::Gemeinde, "2026-03-25", "2026-05-26", "2026-05-25"),
    // Gemeinde onto Fronleichnam 04.06.2026 (a holiday in Hessen).
    (Rolle::Gemeinde, "2026-04-04", "2026-06-05", "2026-06-04"),
    // Christi Himmelfahrt 14.05.2026.
    (
        Rolle::Sachverstaendig,
        "2026-04-14",
        "2026-05-15",
        "2026-05-14",
    ),
    // 1. Mai on a Friday, then the weekend.
    (Rolle::Zustaendig, "2026-04-01", "2026-05-04", "2026-05-01"),
    // § 188 Abs. 3 BGB: no 31 February; 28.02.2026 is a Saturday.
    (
        Rolle::Sachverstaendig,
        "2026-01-31",
        "2026-03-02",
        "2026-02-28",
    ),
    (Rolle::Gemeinde, "2025-12-31", "2026-03-02", "2026-02-28"),
    // Tag der Deutschen Einheit on a Saturday.
    (Rolle::Zustaendig, "2026-09-03", "2026-10-05", "2026-10-03"),
    // 2. Weihnachtstag on a Saturday.
    (Rolle::Gemeinde, "2026-10-26", "2026-12-28", "2026-12-26"),
];

#[test]
fn fristvorschlaege_nach_tabelle() {
    let vorgaben = standard_fristvorgaben(Verfahrensart::Baugenehmigungsverfahren);
    for &(rolle, eingang, ende, rechnerisch) in VORSCHLAEGE {
        let v = fristvorschlag(rolle, &vorgaben, d(eingang)).expect("proposal");
        assert_eq!(v.letzter_tag(), d(ende), "{rolle:?} ab {eingang}");
        assert_eq!(
            v.ende.rechnerisches_ende,
            d(rechnerisch),
            "{rolle:?} ab {eingang}"
        );
        assert_eq!(v.ende.start, d(eingang));
        assert!(ist_arbeitstag(v.letzter_tag()));
        assert_eq!(v.rolle, rolle);
        assert_eq!(
            v.ende.rechtsgrundlage.as_deref(),
            Some(v.rechtsgrundlage.as_str())
        );
        if rolle == Rolle::Gemeinde {
            assert_eq!(v.rechtsgrundlage, "§ 36 Abs. 2 BauGB");
            assert_eq!(v.schweigefolge, Schweigefolge::EinvernehmenFingiert);
            assert!(v.erklaerung.iter().any(|s| s.contains("Einvernehmen")));
        } else {
            assert_eq!(v.rechtsgrundlage, "§ 70 Abs. 1 HBO");
            assert_eq!(v.schweigefolge, Schweigefolge::ZustimmungFingiert);
            assert!(v.erklaerung.iter().any(|s| s.contains("verspätet")));
        }
    }
}

#[test]
fn erklaerung_nennt_grund_und_folge() {
    let v = fristvorschlag_standard(
        Rolle::Gemeinde,
        Verfahrensart::VereinfachtesVerfahren,
        d("2026-02-03"),
    )
    .expect("proposal");
    let text = v.erklaerung.join("\n");
    assert!(text.contains("innerhalb von 2 Monaten"), "{text}");
    assert!(text.contains("Karfreitag"), "{text}");
    assert!(text.contains("Ostermontag"), "{text}");
    assert!(text.contains("Dienstag, 07.04.2026"), "{text}");
    assert!(
        text.contains(
            "Verweigert die Gemeinde ihr Einvernehmen nicht bis zum 07.04.2026, gilt es als erteilt"
        ),
        "{text}"
    );
}

#[test]
fn dauern_kommen_aus_der_konfiguration() {
    let mut vorgaben = standard_fristvorgaben(Verfahrensart::Baugenehmigungsverfahren);
    vorgaben.stellungnahme = Some(Fristvorgabe {
        dauer: "14T".into(),
        rechtsgrundlage: "Landesrecht X".into(),
        folge: Fristfolge::Zustimmungsfiktion,
        verlaengerung_hoechstens: None,
        erlaeuterung: None,
    });
    // 2026-03-26 + 14 days = Thursday 09.04.2026.
    let v = fristvorschlag(Rolle::Sachverstaendig, &vorgaben, d("2026-03-26")).expect("ok");
    assert_eq!(v.letzter_tag(), d("2026-04-09"));
    assert_eq!(v.rechtsgrundlage, "Landesrecht X");
    // The Gemeinde still gets its own value.
    let g = fristvorschlag(Rolle::Gemeinde, &vorgaben, d("2026-03-26")).expect("ok");
    assert_eq!(g.letzter_tag(), d("2026-05-26"));

    // A fiction-less configuration.
    vorgaben.stellungnahme.as_mut().expect("set").folge = Fristfolge::BaubeginnZulaessig;
    let k = fristvorschlag(Rolle::Zustaendig, &vorgaben, d("2026-03-26")).expect("ok");
    assert_eq!(k.schweigefolge, Schweigefolge::Keine);

    // A broken duration is a German error, not a panic.
    vorgaben.stellungnahme.as_mut().expect("set").dauer = "0T".into();
    let e = fristvorschlag(Rolle::Zustaendig, &vorgaben, d("2026-03-26")).unwrap_err();
    assert!(e.to_string().contains("mindestens einen Tag"), "{e}");
}

#[test]
fn ohne_vorgabe_kein_vorschlag() {
    let e = fristvorschlag_standard(
        Rolle::Sachverstaendig,
        Verfahrensart::Genehmigungsfreistellung,
        d("2026-03-26"),
    )
    .unwrap_err();
    assert!(matches!(e, BeteiligungsfristFehler::KeineVorgabe { .. }));
    assert_eq!(
        e.to_string(),
        "Im Verfahren „Genehmigungsfreistellung (§ 64 HBO)“ ist keine Frist für die Stellungnahme einer Stelle vorgesehen."
    );
    let e = fristvorschlag_standard(
        Rolle::Gemeinde,
        Verfahrensart::Genehmigungsfreistellung,
        d("2026-03-26"),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("das Einvernehmen der Gemeinde"),
        "{e}"
    );
}

#[test]
fn behoerdlich_gesetzte_frist() {
    let heute = d("2026-03-26");
    let ok = behoerdlich_gesetzt(d("2026-03-27"), heute).expect("Friday");
    assert_eq!(ok.ende, d("2026-03-27"));
    assert_eq!(ok.gesetzt_am, heute);
    assert_eq!(BehoerdlicheFrist::VERMERK, "behördlich gesetzt");
    assert!(ok.erklaerung().contains("behördlich gesetzt"));

    let e = behoerdlich_gesetzt(heute, heute).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Das Fristende 26.03.2026 muss nach dem heutigen Tag (26.03.2026) liegen."
    );
    assert!(behoerdlich_gesetzt(d("2026-03-01"), heute).is_err());

    let e = behoerdlich_gesetzt(d("2026-03-28"), heute).unwrap_err();
    assert_eq!(
        e,
        BeteiligungsfristFehler::KeinWerktag {
            datum: d("2026-03-28"),
            grund: Verschiebungsgrund::Samstag
        }
    );
    assert_eq!(
        e.to_string(),
        "Der Samstag, 28.03.2026 ist kein Werktag (Samstag). Bitte wählen Sie als Fristende einen Werktag."
    );
    let e = behoerdlich_gesetzt(d("2026-04-03"), heute).unwrap_err();
    assert!(e.to_string().contains("Feiertag (Karfreitag)"), "{e}");
    assert!(matches!(
        behoerdlich_gesetzt(d("2040-03-27"), heute),
        Err(BeteiligungsfristFehler::ZuWeit(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// State machine
// ---------------------------------------------------------------------------------------------

use BeteiligungsZustand as Z;
use EreignisArt as E;

const FRISTENDE: &str = "2026-04-27";

/// Every allowed change of state, by hand. Anything not here must be refused.
const ERLAUBT: &[(BeteiligungsZustand, EreignisArt, BeteiligungsZustand)] = &[
    (Z::Angefragt, E::Oeffnen, Z::InBearbeitung),
    (Z::Angefragt, E::RueckfrageStellen, Z::Rueckfrage),
    (
        Z::Angefragt,
        E::StellungnahmeAbgeben,
        Z::StellungnahmeAbgegeben,
    ),
    (Z::Angefragt, E::FristAblaufen, Z::FristAbgelaufen),
    (Z::Angefragt, E::Zurueckziehen, Z::Zurueckgezogen),
    (Z::Angefragt, E::FristVerlaengern, Z::Angefragt),
    (Z::InBearbeitung, E::RueckfrageStellen, Z::Rueckfrage),
    (
        Z::InBearbeitung,
        E::StellungnahmeAbgeben,
        Z::StellungnahmeAbgegeben,
    ),
    (Z::InBearbeitung, E::FristAblaufen, Z::FristAbgelaufen),
    (Z::InBearbeitung, E::Zurueckziehen, Z::Zurueckgezogen),
    (Z::InBearbeitung, E::FristVerlaengern, Z::InBearbeitung),
    (Z::Rueckfrage, E::RueckfrageBeantwortet, Z::InBearbeitung),
    (
        Z::Rueckfrage,
        E::StellungnahmeAbgeben,
        Z::StellungnahmeAbgegeben,
    ),
    (Z::Rueckfrage, E::FristAblaufen, Z::FristAbgelaufen),
    (Z::Rueckfrage, E::Zurueckziehen, Z::Zurueckgezogen),
    (Z::Rueckfrage, E::FristVerlaengern, Z::Rueckfrage),
    // After the fiction, a late Stellungnahme is still taken in.
    (
        Z::FristAbgelaufen,
        E::StellungnahmeAbgeben,
        Z::StellungnahmeAbgegeben,
    ),
];

fn stand(zustand: BeteiligungsZustand) -> Beteiligungsstand {
    Beteiligungsstand {
        zustand,
        ..Beteiligungsstand::neu(d(FRISTENDE), Schweigefolge::ZustimmungFingiert)
    }
}

/// An event of the kind with acceptable data for `stand`.
fn gueltiges(art: EreignisArt, stand: &Beteiligungsstand) -> BeteiligungsEreignis {
    match art {
        E::Oeffnen => BeteiligungsEreignis::Oeffnen,
        E::RueckfrageStellen => BeteiligungsEreignis::RueckfrageStellen,
        E::RueckfrageBeantwortet => BeteiligungsEreignis::RueckfrageBeantwortet,
        E::StellungnahmeAbgeben => BeteiligungsEreignis::StellungnahmeAbgeben {
            abgegeben_am: stand.fristende,
        },
        E::FristAblaufen => BeteiligungsEreignis::FristAblaufen {
            am: stand.fristende + Days::new(1),
        },
        E::Zurueckziehen => BeteiligungsEreignis::Zurueckziehen {
            grund: "Antrag zurückgenommen".into(),
        },
        E::FristVerlaengern => {
            let mut neu = stand.fristende + Days::new(7);
            while !ist_arbeitstag(neu) {
                neu = neu + Days::new(1);
            }
            BeteiligungsEreignis::FristVerlaengern {
                neues_ende: neu,
                grund: "Unterlagen nachgereicht".into(),
                am: stand.fristende,
            }
        }
    }
}

const AUSLOESER: [Ausloeser; 5] = [
    Ausloeser::System,
    Ausloeser::Person(Role::Fachstelle),
    Ausloeser::Person(Role::Bauaufsicht),
    Ausloeser::Person(Role::Antragsteller),
    Ausloeser::Person(Role::Admin),
];

fn berechtigter(art: EreignisArt) -> Ausloeser {
    AUSLOESER
        .into_iter()
        .find(|a| darf_ausloesen(*a, art))
        .expect("someone may fire every event")
}

#[test]
fn uebergangstabelle_vollstaendig() {
    for z in BeteiligungsZustand::ALL {
        for art in EreignisArt::ALL {
            let s = stand(z);
            let r = uebergang(&s, &gueltiges(art, &s), berechtigter(art));
            let erwartet = ERLAUBT
                .iter()
                .find(|(von, e, _)| *von == z && *e == art)
                .map(|(_, _, nach)| *nach);
            match (r, erwartet) {
                (Ok(neu), Some(nach)) => assert_eq!(neu.zustand, nach, "{z:?} + {art:?}"),
                (
                    Err(BeteiligungsFehler::Unzulaessig {
                        zustand,
                        ereignis,
                        meldung,
                    }),
                    None,
                ) => {
                    assert_eq!((zustand, ereignis), (z, art));
                    assert!(meldung.contains(z.bezeichnung()), "{meldung}");
                }
                (r, e) => panic!("{z:?} + {art:?}: {r:?}, erwartet {e:?}"),
            }
        }
        let erwartet: Vec<EreignisArt> = EreignisArt::ALL
            .into_iter()
            .filter(|a| ERLAUBT.iter().any(|(von, e, _)| *von == z && e == a))
            .collect();
        assert_eq!(z.moegliche_ereignisse(), erwartet, "{z:?}");
    }
}

#[test]
fn endzustaende_nehmen_nichts_an() {
    for z in BeteiligungsZustand::ALL {
        assert_eq!(
            z.ist_endgueltig(),
            z.moegliche_ereignisse().is_empty(),
            "{z:?}"
        );
        assert_eq!(
            z.ist_offen(),
            matches!(z, Z::Angefragt | Z::InBearbeitung | Z::Rueckfrage)
        );
        assert_eq!(BeteiligungsZustand::from_slug(z.slug()), Some(z));
    }
    for a in EreignisArt::ALL {
        assert_eq!(EreignisArt::from_slug(a.slug()), Some(a));
    }
}

#[test]
fn wer_was_ausloesen_darf() {
    let erlaubt: &[(Ausloeser, &[EreignisArt])] = &[
        (Ausloeser::System, &[E::FristAblaufen]),
        (
            Ausloeser::Person(Role::Fachstelle),
            &[E::Oeffnen, E::RueckfrageStellen, E::StellungnahmeAbgeben],
        ),
        (
            Ausloeser::Person(Role::Bauaufsicht),
            &[
                E::RueckfrageBeantwortet,
                E::StellungnahmeAbgeben,
                E::Zurueckziehen,
                E::FristVerlaengern,
            ],
        ),
        (Ausloeser::Person(Role::Antragsteller), &[]),
        (Ausloeser::Person(Role::Admin), &[]),
    ];
    for &(a, arten) in erlaubt {
        for art in EreignisArt::ALL {
            assert_eq!(
                darf_ausloesen(a, art),
                arten.contains(&art),
                "{a:?} {art:?}"
            );
        }
    }
    // Refusals carry German messages; the state is checked only after the permission.
    let s = stand(Z::Angefragt);
    let e = uebergang(
        &s,
        &BeteiligungsEreignis::FristAblaufen {
            am: d("2026-05-01"),
        },
        Ausloeser::Person(Role::Bauaufsicht),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Der Ablauf der Frist wird vom System festgestellt, nicht von einer Person."
    );
    let e = uebergang(
        &s,
        &BeteiligungsEreignis::Oeffnen,
        Ausloeser::Person(Role::Antragsteller),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Als Antragsteller/in dürfen Sie „Anfrage geöffnet“ bei einer Beteiligung nicht auslösen."
    );
    assert!(matches!(e, BeteiligungsFehler::NichtBerechtigt { .. }));
}

#[test]
fn verspaetete_stellungnahme_wird_angenommen_und_markiert() {
    let fach = Ausloeser::Person(Role::Fachstelle);
    let s = Beteiligungsstand::neu(d(FRISTENDE), Schweigefolge::ZustimmungFingiert);
    // In time: on the last day.
    let recht = s
        .anwenden(
            &BeteiligungsEreignis::StellungnahmeAbgeben {
                abgegeben_am: d(FRISTENDE),
            },
            fach,
        )
        .expect("ok");
    assert!(!recht.verspaetet);
    assert_eq!(recht.ampel(), Ampel::Gruen);
    // After the end but before the system noticed: still late.
    let spaet = s
        .anwenden(
            &BeteiligungsEreignis::StellungnahmeAbgeben {
                abgegeben_am: d("2026-04-28"),
            },
            fach,
        )
        .expect("ok");
    assert!(spaet.verspaetet);
    // After the fiction.
    let fingiert = s
        .anwenden(
            &BeteiligungsEreignis::FristAblaufen {
                am: d("2026-04-28"),
            },
            Ausloeser::System,
        )
        .expect("ok");
    assert_eq!(fingiert.zustand, Z::FristAbgelaufen);
    assert_eq!(fingiert.frist_abgelaufen_am, Some(d("2026-04-28")));
    assert_eq!(fingiert.bezeichnung(), "Zustimmung gilt als erteilt");
    assert_eq!(fingiert.ampel(), Ampel::Gruen);
    let nach = fingiert
        .anwenden(
            &BeteiligungsEreignis::StellungnahmeAbgeben {
                abgegeben_am: d("2026-05-04"),
            },
            fach,
        )
        .expect("late statement accepted");
    assert_eq!(nach.zustand, Z::StellungnahmeAbgegeben);
    assert!(nach.verspaetet);
    assert_eq!(nach.stellungnahme_am, Some(d("2026-05-04")));
    assert_eq!(nach.frist_abgelaufen_am, Some(d("2026-04-28")));
    // The fiction happens only once.
    let e = fingiert
        .anwenden(
            &BeteiligungsEreignis::FristAblaufen {
                am: d("2026-04-29"),
            },
            Ausloeser::System,
        )
        .unwrap_err();
    assert!(matches!(e, BeteiligungsFehler::Unzulaessig { .. }));

    assert!(ist_verspaetet(d("2026-04-28"), d(FRISTENDE)));
    assert!(!ist_verspaetet(d(FRISTENDE), d(FRISTENDE)));
}

#[test]
fn frist_laeuft_nicht_vor_ihrem_ende_ab() {
    let s = Beteiligungsstand::neu(d(FRISTENDE), Schweigefolge::EinvernehmenFingiert);
    let e = s
        .anwenden(
            &BeteiligungsEreignis::FristAblaufen { am: d(FRISTENDE) },
            Ausloeser::System,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Die Frist läuft noch bis zum 27.04.2026 einschließlich; sie kann erst danach ablaufen."
    );
    let ok = s
        .anwenden(
            &BeteiligungsEreignis::FristAblaufen {
                am: d("2026-04-28"),
            },
            Ausloeser::System,
        )
        .expect("ok");
    assert_eq!(ok.bezeichnung(), "Einvernehmen gilt als erteilt");
}

#[test]
fn verlaengern_und_zurueckziehen_brauchen_gruende() {
    let ba = Ausloeser::Person(Role::Bauaufsicht);
    let s = Beteiligungsstand::neu(d(FRISTENDE), Schweigefolge::ZustimmungFingiert);
    let e = s
        .anwenden(
            &BeteiligungsEreignis::Zurueckziehen { grund: "  ".into() },
            ba,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Bitte geben Sie einen Grund für das Zurückziehen der Anfrage an."
    );
    let e = s
        .anwenden(
            &BeteiligungsEreignis::FristVerlaengern {
                neues_ende: d("2026-05-04"),
                grund: String::new(),
                am: d("2026-04-20"),
            },
            ba,
        )
        .unwrap_err();
    assert!(e.to_string().contains("Fristverlängerung"), "{e}");
    let e = s
        .anwenden(
            &BeteiligungsEreignis::FristVerlaengern {
                neues_ende: d("2026-04-20"),
                grund: "x".into(),
                am: d("2026-04-20"),
            },
            ba,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Das neue Fristende muss nach dem bisherigen (27.04.2026) liegen."
    );
    // 01.05.2026 is a holiday.
    let e = s
        .anwenden(
            &BeteiligungsEreignis::FristVerlaengern {
                neues_ende: d("2026-05-01"),
                grund: "x".into(),
                am: d("2026-04-20"),
            },
            ba,
        )
        .unwrap_err();
    assert!(e.to_string().contains("Tag der Arbeit"), "{e}");
    let neu = s
        .anwenden(
            &BeteiligungsEreignis::FristVerlaengern {
                neues_ende: d("2026-05-04"),
                grund: "Unterlagen nachgereicht".into(),
                am: d(FRISTENDE),
            },
            ba,
        )
        .expect("ok");
    // Too late: the deadline passed on 27.04.
    let e = s
        .anwenden(
            &BeteiligungsEreignis::FristVerlaengern {
                neues_ende: d("2026-05-04"),
                grund: "Unterlagen nachgereicht".into(),
                am: d("2026-04-28"),
            },
            ba,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Die Frist ist am 27.04.2026 abgelaufen; sie kann nur verlängert werden, solange sie läuft."
    );
    assert_eq!(neu.zustand, Z::Angefragt);
    assert_eq!(neu.fristende, d("2026-05-04"));
    assert_eq!(neu.verlaengerungen, 1);
    let zurueck = neu
        .anwenden(
            &BeteiligungsEreignis::Zurueckziehen {
                grund: "Vorhaben geändert".into(),
            },
            ba,
        )
        .expect("ok");
    assert_eq!(zurueck.zustand, Z::Zurueckgezogen);
    assert_eq!(zurueck.ampel(), Ampel::Grau);
}

#[test]
fn anzeige_und_farben() {
    let tabelle = [
        (Z::Angefragt, "Angefragt", "gelb"),
        (Z::InBearbeitung, "In Bearbeitung", "gelb"),
        (Z::Rueckfrage, "Rückfrage offen", "rot"),
        (
            Z::StellungnahmeAbgegeben,
            "Stellungnahme abgegeben",
            "gruen",
        ),
        (Z::FristAbgelaufen, "Frist abgelaufen", "gruen"),
        (Z::Zurueckgezogen, "Zurückgezogen", "grau"),
    ];
    for (z, name, farbe) in tabelle {
        assert_eq!(z.bezeichnung(), name);
        assert_eq!(z.ampel().klasse(), farbe, "{z:?}");
    }
    assert_eq!(
        Z::FristAbgelaufen.ampel_bei(Schweigefolge::Keine),
        Ampel::Rot
    );
    assert_eq!(
        Z::FristAbgelaufen.bezeichnung_bei(Schweigefolge::Keine),
        "Frist abgelaufen"
    );
}

#[test]
fn korrektur_nach_abgabe_ist_neue_stellungnahme() {
    let s = stand(Z::StellungnahmeAbgegeben);
    let e = s
        .anwenden(
            &BeteiligungsEreignis::StellungnahmeAbgeben {
                abgegeben_am: d("2026-04-01"),
            },
            Ausloeser::Person(Role::Fachstelle),
        )
        .unwrap_err();
    assert!(e.to_string().contains("neue Stellungnahme"), "{e}");
}

fn beliebiges_ereignis() -> impl Strategy<Value = (usize, usize, i64)> {
    (0..EreignisArt::ALL.len(), 0..AUSLOESER.len(), -40i64..80)
}

fn bauen(
    art: EreignisArt,
    fristende: NaiveDate,
    versatz: i64,
    grund_leer: bool,
) -> BeteiligungsEreignis {
    let tag = if versatz >= 0 {
        fristende + Days::new(versatz as u64)
    } else {
        fristende - Days::new(versatz.unsigned_abs())
    };
    let grund = if grund_leer {
        String::new()
    } else {
        "Grund".into()
    };
    match art {
        E::Oeffnen => BeteiligungsEreignis::Oeffnen,
        E::RueckfrageStellen => BeteiligungsEreignis::RueckfrageStellen,
        E::RueckfrageBeantwortet => BeteiligungsEreignis::RueckfrageBeantwortet,
        E::StellungnahmeAbgeben => BeteiligungsEreignis::StellungnahmeAbgeben { abgegeben_am: tag },
        E::FristAblaufen => BeteiligungsEreignis::FristAblaufen { am: tag },
        E::Zurueckziehen => BeteiligungsEreignis::Zurueckziehen { grund },
        E::FristVerlaengern => BeteiligungsEreignis::FristVerlaengern {
            neues_ende: tag,
            grund,
            am: fristende - Days::new(3),
        },
    }
}

proptest! {
    #[test]
    fn zufaellige_folgen(folge in prop::collection::vec((beliebiges_ereignis(), any::<bool>()), 0..40)) {
        let mut s = Beteiligungsstand::neu(d(FRISTENDE), Schweigefolge::ZustimmungFingiert);
        let mut abgelaufen = 0;
        for ((a, w, versatz), leer) in folge {
            let art = EreignisArt::ALL[a];
            let ausloeser = AUSLOESER[w];
            let ereignis = bauen(art, s.fristende, versatz, leer);
            let vorher = s.clone();
            match uebergang(&s, &ereignis, ausloeser) {
                Ok(neu) => {
                    prop_assert!(!vorher.zustand.ist_endgueltig(), "terminal state moved: {vorher:?}");
                    prop_assert!(darf_ausloesen(ausloeser, art));
                    prop_assert!(neu.fristende >= vorher.fristende);
                    prop_assert!(ist_arbeitstag(neu.fristende) || neu.fristende == vorher.fristende);
                    if art == E::FristAblaufen {
                        abgelaufen += 1;
                        prop_assert!(neu.frist_abgelaufen_am.is_some_and(|t| t > vorher.fristende));
                    } else {
                        prop_assert_eq!(neu.frist_abgelaufen_am, vorher.frist_abgelaufen_am);
                    }
                    if art == E::StellungnahmeAbgeben {
                        let am = neu.stellungnahme_am.expect("recorded");
                        prop_assert_eq!(
                            neu.verspaetet,
                            am > vorher.fristende || vorher.zustand == Z::FristAbgelaufen
                        );
                    }
                    s = neu;
                }
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                }
            }
            prop_assert!(abgelaufen <= 1, "FristAblaufen fired {abgelaufen} times");
        }
    }

    #[test]
    fn endzustand_bleibt(art in 0..EreignisArt::ALL.len(), w in 0..AUSLOESER.len(), versatz in -40i64..80, z in prop::sample::select(vec![Z::StellungnahmeAbgegeben, Z::Zurueckgezogen])) {
        let s = stand(z);
        let e = bauen(EreignisArt::ALL[art], s.fristende, versatz, false);
        prop_assert!(uebergang(&s, &e, AUSLOESER[w]).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Stellungnahme
// ---------------------------------------------------------------------------------------------

fn nb(art: &str, text: &str) -> Nebenbestimmung {
    Nebenbestimmung::neu(art, text)
}

fn stellungnahme(id: i64, stelle: i64, am: &str, ersetzt: Option<i64>) -> Stellungnahme {
    Stellungnahme {
        id: StellungnahmeId(id),
        stelle: StelleId(stelle),
        stelle_name: format!("Stelle {stelle}"),
        tenor: "Keine Bedenken.".into(),
        zustimmung: Zustimmung::MitNebenbestimmungen,
        nebenbestimmungen: vec![nb("2", &format!("Auflage aus {id}"))],
        begruendung: String::new(),
        abgegeben_am: d(am),
        ersetzt: ersetzt.map(StellungnahmeId),
    }
}

#[test]
fn stellungnahme_pruefen() {
    let gut = stellungnahme(1, 1, "2026-04-01", None);
    assert_eq!(gut.pruefe(), Ok(()));

    let mut s = gut.clone();
    s.nebenbestimmungen.clear();
    assert_eq!(
        s.pruefe().unwrap_err().meldungen,
        [
            "Eine Zustimmung mit Nebenbestimmungen braucht mindestens eine Nebenbestimmung (Hinweise allein genügen nicht)."
        ]
    );
    s.nebenbestimmungen = vec![nb("4", "Nur ein Hinweis")];
    assert!(s.pruefe().is_err());

    let mut s = gut.clone();
    s.zustimmung = Zustimmung::Nein;
    s.nebenbestimmungen = vec![nb("4", "So ginge es.")];
    assert_eq!(
        s.pruefe().unwrap_err().meldungen,
        ["Wenn Sie nicht zustimmen, begründen Sie dies bitte."]
    );
    s.begruendung = "Denkmalschutz: Sichtachse.".into();
    assert_eq!(s.pruefe(), Ok(()));
    s.nebenbestimmungen.push(nb("2", "Auflage"));
    assert!(s.pruefe().unwrap_err().to_string().contains("nur Hinweise"));

    let mut s = gut.clone();
    s.zustimmung = Zustimmung::Ja;
    s.nebenbestimmungen = vec![nb("4", "Hinweis")];
    assert_eq!(s.pruefe(), Ok(()));
    s.nebenbestimmungen.push(nb("1", "Bedingung"));
    assert!(
        s.pruefe()
            .unwrap_err()
            .to_string()
            .contains("Zustimmung mit Nebenbestimmungen")
    );

    let mut s = gut.clone();
    s.tenor = " ".into();
    s.nebenbestimmungen = vec![nb("9", " "), nb("2", &"x".repeat(MAX_NEBENBESTIMMUNG + 1))];
    let m = s.pruefe().unwrap_err().meldungen;
    assert_eq!(
        m,
        [
            "Bitte geben Sie den Tenor der Stellungnahme an.",
            "Nebenbestimmung 1: Die Art „9“ gibt es in der Codeliste der Nebenbestimmungen (XBau) nicht.",
            "Nebenbestimmung 1: Bitte geben Sie den Text an.",
            "Nebenbestimmung 2: Der Text ist zu lang (höchstens 4000 Zeichen).",
        ]
    );

    let mut s = gut.clone();
    s.tenor = "ä".repeat(MAX_TENOR);
    assert_eq!(s.pruefe(), Ok(()), "counts characters, not bytes");
    s.tenor.push('x');
    assert!(s.pruefe().is_err());

    let mut s = gut;
    s.ersetzt = Some(s.id);
    assert!(s.pruefe().is_err());
}

#[test]
fn nebenbestimmungsarten_aus_der_codeliste() {
    assert_eq!(nb("1", "").art_bezeichnung(), Some("Bedingung"));
    assert_eq!(nb("2", "").art_bezeichnung(), Some("Auflage"));
    assert_eq!(nb("4", "").art_bezeichnung(), Some("Hinweise"));
    assert!(nb("4", "").ist_hinweis());
    assert_eq!(nb("7", "").art_bezeichnung(), None);
}

#[test]
fn korrekturen_ersetzen_und_bleiben_erhalten() {
    let a1 = stellungnahme(1, 10, "2026-04-01", None);
    let a2 = stellungnahme(2, 10, "2026-04-03", Some(1));
    let b1 = stellungnahme(3, 20, "2026-04-02", None);
    let alle = vec![a1.clone(), b1.clone(), a2.clone()];
    assert_eq!(aktuelle_stellungnahme(&[a1.clone(), a2.clone()]), Some(&a2));
    // Order of the list does not matter.
    assert_eq!(aktuelle_stellungnahme(&[a2.clone(), a1.clone()]), Some(&a2));
    assert_eq!(aktuelle_stellungnahme(&[]), None);
    assert_eq!(aktuelle_stellungnahmen(&alle), vec![&a2, &b1]);

    // A correction on the same day with a higher id wins; a superseded one never does, even
    // when it is newer.
    let a3 = stellungnahme(4, 10, "2026-04-02", Some(2));
    let liste = [a1.clone(), a2.clone(), a3.clone()];
    assert_eq!(aktuelle_stellungnahme(&liste), Some(&a3));

    // Rules for a correction.
    assert_eq!(pruefe_ersetzung(&a2, std::slice::from_ref(&a1)), Ok(()));
    assert!(pruefe_ersetzung(&stellungnahme(5, 10, "2026-04-04", Some(99)), &alle).is_err());
    let fremd = stellungnahme(5, 20, "2026-04-04", Some(1));
    assert_eq!(
        pruefe_ersetzung(&fremd, &alle).unwrap_err().to_string(),
        "Eine Stelle kann nur ihre eigene Stellungnahme korrigieren."
    );
    let gabel = stellungnahme(5, 10, "2026-04-04", Some(1));
    assert!(
        pruefe_ersetzung(&gabel, &alle)
            .unwrap_err()
            .to_string()
            .contains("bereits korrigiert")
    );
    assert!(pruefe_ersetzung(&a1, &alle).is_err(), "same id twice");
}

proptest! {
    /// Whatever the history: one current Stellungnahme per Stelle, never a superseded one.
    #[test]
    fn aktuelle_nie_ersetzt(kanten in prop::collection::vec((0i64..3, 0u64..30, prop::option::of(0i64..12)), 0..12)) {
        let liste: Vec<Stellungnahme> = kanten
            .iter()
            .enumerate()
            .map(|(i, (stelle, tag, ersetzt))| {
                let mut s = stellungnahme(i as i64, *stelle, "2026-04-01", *ersetzt);
                s.abgegeben_am = s.abgegeben_am + Days::new(*tag);
                s
            })
            .collect();
        let aktuelle = aktuelle_stellungnahmen(&liste);
        let mut stellen: Vec<StelleId> = aktuelle.iter().map(|s| s.stelle).collect();
        let n = stellen.len();
        stellen.dedup();
        prop_assert_eq!(n, stellen.len());
        for a in &aktuelle {
            prop_assert!(!liste.iter().any(|s| s.stelle == a.stelle && s.ersetzt == Some(a.id)));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reminders
// ---------------------------------------------------------------------------------------------

#[test]
fn erinnerungen_nach_tabelle() {
    let an = d("2026-03-26");
    let ende = d("2026-04-27");
    let f = |heute: &str, gesendet: &[u32]| {
        faellige_erinnerungen(an, ende, d(heute), &STANDARD_ERINNERUNGEN, gesendet)
    };
    assert_eq!(f("2026-04-19", &[]), Vec::<u32>::new());
    assert_eq!(f("2026-04-20", &[]), vec![7]);
    assert_eq!(f("2026-04-20", &[7]), Vec::<u32>::new());
    assert_eq!(f("2026-04-26", &[7]), vec![1]);
    // After a pause: both due, largest first.
    assert_eq!(f("2026-04-26", &[]), vec![7, 1]);
    assert_eq!(f("2026-04-27", &[7, 1]), Vec::<u32>::new());
    // None after the end.
    assert_eq!(f("2026-04-28", &[]), Vec::<u32>::new());
    // None before the request: a 5-day deadline gets only the 1-day reminder.
    let kurz = faellige_erinnerungen(
        d("2026-04-22"),
        ende,
        d("2026-04-26"),
        &STANDARD_ERINNERUNGEN,
        &[],
    );
    assert_eq!(kurz, vec![1]);
    // On the last day itself with 0.
    assert_eq!(faellige_erinnerungen(an, ende, ende, &[0], &[]), vec![0]);
    // Duplicates in the configuration do not send twice.
    assert_eq!(
        faellige_erinnerungen(an, ende, d("2026-04-20"), &[7, 7], &[]),
        vec![7]
    );
}

proptest! {
    #[test]
    fn erinnerungen_eigenschaften(
        start in 0u64..400,
        dauer in 0u64..90,
        heute_off in 0u64..120,
        tage in prop::collection::vec(0u32..40, 0..5),
        gesendet in prop::collection::vec(0u32..40, 0..5),
    ) {
        let an = d("2025-01-01") + Days::new(start);
        let ende = an + Days::new(dauer);
        let heute = an + Days::new(heute_off);
        let f = faellige_erinnerungen(an, ende, heute, &tage, &gesendet);
        for t in &f {
            prop_assert!(tage.contains(t));
            prop_assert!(!gesendet.contains(t));
            let tag = ende - Days::new(u64::from(*t));
            prop_assert!(tag > an && tag <= heute);
        }
        if heute > ende {
            prop_assert!(f.is_empty());
        }
        let mut sortiert = f.clone();
        sortiert.sort_unstable_by(|a, b| b.cmp(a));
        sortiert.dedup();
        prop_assert_eq!(&sortiert, &f);
    }

    /// Run daily from the request to past the end: each reminder whose day lies after the
    /// request goes out exactly once, on its day; the others never.
    #[test]
    fn taeglich_genau_einmal(dauer in 1u64..60, tage in prop::collection::vec(0u32..40, 0..5)) {
        let an = d("2026-03-26");
        let ende = an + Days::new(dauer);
        let mut gesendet: Vec<(u32, NaiveDate)> = Vec::new();
        for i in 0..dauer + 10 {
            let heute = an + Days::new(i);
            let schon: Vec<u32> = gesendet.iter().map(|(t, _)| *t).collect();
            for t in faellige_erinnerungen(an, ende, heute, &tage, &schon) {
                gesendet.push((t, heute));
            }
        }
        let mut erwartet: Vec<u32> = tage
            .iter()
            .copied()
            .filter(|t| u64::from(*t) < dauer)
            .collect();
        erwartet.sort_unstable();
        erwartet.dedup();
        let mut bekommen: Vec<u32> = gesendet.iter().map(|(t, _)| *t).collect();
        bekommen.sort_unstable();
        prop_assert_eq!(bekommen, erwartet);
        for (t, tag) in gesendet {
            prop_assert_eq!(tag, ende - Days::new(u64::from(t)));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Anchors and visibility
// ---------------------------------------------------------------------------------------------

fn anker(x: f64, y: f64, b: Option<f64>, h: Option<f64>) -> Anker {
    Anker {
        version_id: VersionId(7),
        seite: 1,
        x,
        y,
        breite: b,
        hoehe: h,
    }
}

#[test]
fn anker_pruefen() {
    assert_eq!(anker(0.0, 0.0, None, None).pruefe(), Ok(()));
    assert_eq!(anker(1.0, 1.0, None, None).pruefe(), Ok(()));
    assert_eq!(anker(0.25, 0.5, Some(0.75), Some(0.5)).pruefe(), Ok(()));
    assert!(anker(0.25, 0.5, Some(0.5), Some(0.2)).ist_bereich());

    let fehler = |a: Anker| a.pruefe().unwrap_err().meldungen;
    assert_eq!(
        fehler(anker(f64::NAN, 0.5, None, None)),
        ["Die Position x ist keine gültige Zahl."]
    );
    assert_eq!(
        fehler(anker(0.5, f64::INFINITY, None, None)),
        ["Die Position y ist keine gültige Zahl."]
    );
    assert_eq!(
        fehler(anker(-0.1, 1.1, None, None)),
        [
            "Die Position x muss zwischen 0 und 1 liegen (relativ zur Seite).",
            "Die Position y muss zwischen 0 und 1 liegen (relativ zur Seite).",
        ]
    );
    assert_eq!(
        fehler(anker(0.5, 0.5, Some(0.1), None)),
        ["Eine Markierung braucht Breite und Höhe – oder keines von beiden für einen Punkt."]
    );
    assert_eq!(
        fehler(anker(0.5, 0.5, Some(0.0), Some(f64::NAN))),
        [
            "Die Breite der Markierung muss größer als 0 sein.",
            "Die Höhe der Markierung ist keine gültige Zahl.",
        ]
    );
    assert_eq!(
        fehler(anker(0.8, 0.5, Some(0.3), Some(0.1))),
        ["Die Markierung ragt über den Seitenrand hinaus (Breite)."]
    );
    let mut a = anker(0.5, 0.5, None, None);
    a.seite = 0;
    assert_eq!(fehler(a), ["Die Seitenzahl beginnt bei 1."]);
    a.seite = 3;
    assert_eq!(a.pruefe_fuer(3), Ok(()));
    assert_eq!(
        a.pruefe_fuer(2).unwrap_err().meldungen,
        ["Das Dokument hat nur 2 Seiten; Seite 3 gibt es nicht."]
    );
    assert!(
        a.pruefe_fuer(1)
            .unwrap_err()
            .to_string()
            .contains("nur 1 Seite;")
    );
}

proptest! {
    #[test]
    fn anker_im_bereich_gueltig(x in 0.0f64..=1.0, y in 0.0f64..=1.0) {
        prop_assert!(anker(x, y, None, None).pruefe().is_ok());
    }

    #[test]
    fn anker_nie_panik(x in any::<f64>(), y in any::<f64>(), b in prop::option::of(any::<f64>()), h in prop::option::of(any::<f64>())) {
        let a = anker(x, y, b, h);
        let ok = a.pruefe().is_ok();
        if ok {
            prop_assert!(x.is_finite() && y.is_finite() && (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y));
        }
    }
}

#[test]
fn sichtbarkeit_von_kommentaren() {
    let eigene = Some(StelleId(1));
    let andere = Some(StelleId(2));
    for sichtbar in [false, true] {
        for verfasser in [eigene, andere, None] {
            assert!(kommentar_sichtbar(
                None,
                verfasser,
                Role::Bauaufsicht,
                sichtbar
            ));
            assert!(!kommentar_sichtbar(
                eigene,
                verfasser,
                Role::Antragsteller,
                sichtbar
            ));
            assert!(!kommentar_sichtbar(None, verfasser, Role::Admin, sichtbar));
            assert!(!kommentar_sichtbar(
                None,
                verfasser,
                Role::Fachstelle,
                sichtbar
            ));
        }
        assert!(kommentar_sichtbar(
            eigene,
            eigene,
            Role::Fachstelle,
            sichtbar
        ));
        assert_eq!(
            kommentar_sichtbar(eigene, andere, Role::Fachstelle, sichtbar),
            sichtbar
        );
        assert_eq!(
            kommentar_sichtbar(eigene, None, Role::Fachstelle, sichtbar),
            sichtbar
        );
    }
}
