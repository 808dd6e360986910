//! The case state machine: the table of allowed transitions, the German refusals, who may
//! cause what, and properties over random event sequences.

use plankammer_domain::Role;
use plankammer_domain::codeliste;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::{
    Ereignis, UngueltigerUebergang, Zustand, darf_ausloesen, uebergang, uebergang_im_verfahren,
};
use proptest::prelude::*;

use Ereignis as E;
use Zustand as Z;

/// Every allowed transition, written out by hand. Anything not here must be refused.
const ERLAUBT: &[(Zustand, Ereignis, Zustand)] = &[
    (Z::Entwurf, E::Einreichen, Z::Eingegangen),
    // formelle Prüfung
    (Z::Eingegangen, E::VollstaendigErklaeren, Z::Vollstaendig),
    (Z::Eingegangen, E::Nachfordern, Z::Nachforderung),
    (Z::Eingegangen, E::Zurueckweisen, Z::Zurueckgewiesen),
    (Z::Eingegangen, E::Zurueckziehen, Z::Zurueckgezogen),
    (Z::Nachforderung, E::Nachreichen, Z::Nachgereicht),
    (
        Z::Nachforderung,
        E::RuecknahmefiktionEintreten,
        Z::Ruecknahmefiktion,
    ),
    (Z::Nachforderung, E::Zurueckziehen, Z::Zurueckgezogen),
    (Z::Nachgereicht, E::VollstaendigErklaeren, Z::Vollstaendig),
    (Z::Nachgereicht, E::Nachfordern, Z::Nachforderung),
    (Z::Nachgereicht, E::Zurueckweisen, Z::Zurueckgewiesen),
    (Z::Nachgereicht, E::Zurueckziehen, Z::Zurueckgezogen),
    // complete: Beteiligung and decision
    (Z::Vollstaendig, E::Beteiligen, Z::Beteiligung),
    (Z::Vollstaendig, E::Genehmigen, Z::Genehmigt),
    (Z::Vollstaendig, E::Ablehnen, Z::Abgelehnt),
    (
        Z::Vollstaendig,
        E::GenehmigungsfiktionEintreten,
        Z::Genehmigungsfiktion,
    ),
    (Z::Vollstaendig, E::Zurueckziehen, Z::Zurueckgezogen),
    (Z::Beteiligung, E::Beteiligen, Z::Beteiligung),
    (
        Z::Beteiligung,
        E::BeteiligungAbschliessen,
        Z::BeteiligungAbgeschlossen,
    ),
    (
        Z::Beteiligung,
        E::GenehmigungsfiktionEintreten,
        Z::Genehmigungsfiktion,
    ),
    (Z::Beteiligung, E::Zurueckziehen, Z::Zurueckgezogen),
    (Z::BeteiligungAbgeschlossen, E::Beteiligen, Z::Beteiligung),
    (Z::BeteiligungAbgeschlossen, E::Genehmigen, Z::Genehmigt),
    (Z::BeteiligungAbgeschlossen, E::Ablehnen, Z::Abgelehnt),
    (
        Z::BeteiligungAbgeschlossen,
        E::GenehmigungsfiktionEintreten,
        Z::Genehmigungsfiktion,
    ),
    (
        Z::BeteiligungAbgeschlossen,
        E::Zurueckziehen,
        Z::Zurueckgezogen,
    ),
];

fn erlaubt(z: Zustand, e: Ereignis) -> Option<Zustand> {
    ERLAUBT
        .iter()
        .find(|(von, ev, _)| *von == z && *ev == e)
        .map(|(_, _, nach)| *nach)
}

#[test]
fn the_transition_table_is_exactly_the_allowed_one() {
    for z in Zustand::ALL {
        for e in Ereignis::ALL {
            match (uebergang(z, e), erlaubt(z, e)) {
                (Ok(nach), Some(soll)) => assert_eq!(nach, soll, "{z:?} + {e:?}"),
                (Err(err), None) => {
                    assert_eq!((err.zustand, err.ereignis), (z, e));
                    assert!(!err.meldung.is_empty());
                }
                (ist, soll) => panic!("{z:?} + {e:?}: got {ist:?}, expected {soll:?}"),
            }
        }
    }
}

#[test]
fn possible_events_follow_the_table() {
    for z in Zustand::ALL {
        let soll: Vec<Ereignis> = Ereignis::ALL
            .into_iter()
            .filter(|e| erlaubt(z, *e).is_some())
            .collect();
        assert_eq!(z.moegliche_ereignisse(), soll, "{z:?}");
    }
    assert_eq!(Z::Entwurf.moegliche_ereignisse(), [E::Einreichen]);
}

#[test]
fn the_happy_paths() {
    let lauf = |start: Zustand, es: &[Ereignis]| {
        es.iter().try_fold(start, |z, e| uebergang(z, *e)).unwrap()
    };
    assert_eq!(
        lauf(
            Z::Entwurf,
            &[
                E::Einreichen,
                E::Nachfordern,
                E::Nachreichen,
                E::Nachfordern,
                E::Nachreichen,
                E::VollstaendigErklaeren,
                E::Beteiligen,
                E::Beteiligen,
                E::BeteiligungAbschliessen,
                E::Genehmigen,
            ]
        ),
        Z::Genehmigt
    );
    assert_eq!(
        lauf(
            Z::Entwurf,
            &[E::Einreichen, E::Nachfordern, E::RuecknahmefiktionEintreten]
        ),
        Z::Ruecknahmefiktion
    );
    assert_eq!(
        lauf(
            Z::Entwurf,
            &[
                E::Einreichen,
                E::VollstaendigErklaeren,
                E::Beteiligen,
                E::GenehmigungsfiktionEintreten
            ]
        ),
        Z::Genehmigungsfiktion
    );
}

#[test]
fn refusals_speak_german_and_name_state_and_action() {
    let e = uebergang(Z::Entwurf, E::VollstaendigErklaeren).unwrap_err();
    assert_eq!(
        e.meldung,
        "Ein Vorgang im Zustand „Entwurf“ kann nicht vollständig erklärt werden. Der Antrag ist noch nicht eingereicht."
    );
    assert_eq!(e.to_string(), e.meldung);
    assert_eq!(
        uebergang(Z::Genehmigt, E::Zurueckziehen)
            .unwrap_err()
            .meldung,
        "Ein Vorgang im Zustand „Genehmigt“ kann nicht zurückgezogen werden. Der Vorgang ist abgeschlossen."
    );
    assert_eq!(
        uebergang(Z::Beteiligung, E::Genehmigen)
            .unwrap_err()
            .meldung,
        "Ein Vorgang im Zustand „Beteiligung läuft“ kann nicht genehmigt werden. Bitte schließen Sie zuerst die Beteiligung ab."
    );
    assert_eq!(
        uebergang(Z::Eingegangen, E::Beteiligen)
            .unwrap_err()
            .meldung,
        "Zu einem Vorgang im Zustand „Eingegangen“ können keine Stellen beteiligt werden. Stellen werden erst beteiligt, wenn der Antrag vollständig ist."
    );
    // Every refusal names the state.
    for z in Zustand::ALL {
        for ev in Ereignis::ALL {
            if let Err(err) = uebergang(z, ev) {
                assert!(
                    err.meldung.contains(&format!("„{}“", z.bezeichnung())),
                    "{}",
                    err.meldung
                );
                assert!(err.meldung.ends_with('.'));
            }
        }
    }
}

#[test]
fn genehmigungsfiktion_only_in_the_simplified_procedure() {
    for v in Verfahrensart::ALL {
        let r = uebergang_im_verfahren(v, Z::Vollstaendig, E::GenehmigungsfiktionEintreten);
        if v == Verfahrensart::VereinfachtesVerfahren {
            assert_eq!(r, Ok(Z::Genehmigungsfiktion));
        } else {
            let err = r.unwrap_err();
            assert!(
                err.meldung.contains("keine Genehmigungsfiktion"),
                "{}",
                err.meldung
            );
            assert!(err.meldung.contains(v.paragraph()), "{}", err.meldung);
        }
        // Everything else is the plain table.
        for z in Zustand::ALL {
            for e in Ereignis::ALL {
                if e != E::GenehmigungsfiktionEintreten {
                    assert_eq!(uebergang_im_verfahren(v, z, e), uebergang(z, e));
                }
            }
        }
    }
}

#[test]
fn status_codes() {
    let codes: Vec<(Zustand, Option<&str>)> = Zustand::ALL
        .iter()
        .map(|z| (*z, z.statusbauportal_code()))
        .collect();
    assert_eq!(
        codes,
        [
            (Z::Entwurf, None),
            (Z::Eingegangen, Some("14")),
            (Z::Nachforderung, Some("17")),
            (Z::Nachgereicht, Some("16")),
            (Z::Vollstaendig, Some("18")),
            (Z::Beteiligung, Some("08")),
            (Z::BeteiligungAbgeschlossen, Some("09")),
            (Z::Genehmigt, Some("10")),
            (Z::Abgelehnt, Some("06")),
            (Z::Zurueckgewiesen, Some("57")),
            (Z::Genehmigungsfiktion, Some("58")),
            (Z::Ruecknahmefiktion, Some("12")),
            (Z::Zurueckgezogen, Some("15")),
        ]
    );
    use Verfahrensart::*;
    assert_eq!(
        Z::Genehmigt.statusbauportal_code_im(Vorbescheid),
        Some("19")
    );
    assert_eq!(
        Z::Genehmigt.statusbauportal_code_im(Genehmigungsfreistellung),
        Some("07")
    );
    assert_eq!(
        Z::Genehmigt.statusbauportal_code_im(VereinfachtesVerfahren),
        Some("10")
    );
    assert_eq!(
        Z::Abgelehnt.statusbauportal_code_im(Vorbescheid),
        Some("04")
    );
    assert_eq!(
        Z::Abgelehnt.statusbauportal_code_im(Baugenehmigungsverfahren),
        Some("06")
    );
    let liste = codeliste::statusbauportal();
    for z in Zustand::ALL {
        for v in Verfahrensart::ALL {
            if let Some(c) = z.statusbauportal_code_im(v) {
                assert!(
                    liste.enthaelt(c),
                    "{z:?} in {v:?}: {c} not in statusbauportal"
                );
            }
        }
    }
}

#[test]
fn slugs_names_and_serde() {
    for z in Zustand::ALL {
        assert_eq!(Zustand::from_slug(z.slug()), Some(z));
        assert_eq!(
            serde_json::to_string(&z).unwrap(),
            format!("\"{}\"", z.slug())
        );
        assert!(!z.bezeichnung().is_empty());
        assert_eq!(z.to_string(), z.bezeichnung());
    }
    for e in Ereignis::ALL {
        assert_eq!(Ereignis::from_slug(e.slug()), Some(e));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            format!("\"{}\"", e.slug())
        );
        assert!(!e.bezeichnung().is_empty());
    }
    assert_eq!(
        serde_json::from_str::<Zustand>("\"beteiligung_abgeschlossen\"").unwrap(),
        Z::BeteiligungAbgeschlossen
    );
    assert_eq!(Zustand::from_slug("Entwurf"), None);
}

#[test]
fn state_properties() {
    let abgeschlossen: Vec<Zustand> = Zustand::ALL
        .into_iter()
        .filter(|z| z.ist_abgeschlossen())
        .collect();
    assert_eq!(
        abgeschlossen,
        [
            Z::Genehmigt,
            Z::Abgelehnt,
            Z::Zurueckgewiesen,
            Z::Genehmigungsfiktion,
            Z::Ruecknahmefiktion,
            Z::Zurueckgezogen
        ]
    );
    for z in Zustand::ALL {
        // Terminal exactly when no transition leaves it.
        assert_eq!(
            z.ist_abgeschlossen(),
            z.moegliche_ereignisse().is_empty(),
            "{z:?}"
        );
        assert_eq!(
            z.ist_in_bearbeitung(),
            z != Z::Entwurf && !z.ist_abgeschlossen()
        );
        // The decision deadline runs exactly where the Genehmigungsfiktion can occur.
        assert_eq!(
            z.entscheidungsfrist_laeuft(),
            erlaubt(z, E::GenehmigungsfiktionEintreten).is_some()
        );
    }
    assert!(Z::Entwurf.unterlagen_aenderbar() && Z::Nachforderung.unterlagen_aenderbar());
    assert!(!Z::Eingegangen.unterlagen_aenderbar() && !Z::Genehmigt.unterlagen_aenderbar());
}

#[test]
fn who_may_cause_what() {
    let darf = |r: Role| -> Vec<Ereignis> {
        Ereignis::ALL
            .into_iter()
            .filter(|e| darf_ausloesen(r, *e))
            .collect()
    };
    assert_eq!(
        darf(Role::Antragsteller),
        [E::Einreichen, E::Nachreichen, E::Zurueckziehen]
    );
    assert_eq!(
        darf(Role::Bauaufsicht),
        [
            E::Einreichen,
            E::Nachfordern,
            E::Nachreichen,
            E::VollstaendigErklaeren,
            E::Zurueckweisen,
            E::Beteiligen,
            E::BeteiligungAbschliessen,
            E::Genehmigen,
            E::Ablehnen,
            E::Zurueckziehen,
        ]
    );
    assert!(darf(Role::Fachstelle).is_empty());
    assert!(darf(Role::Admin).is_empty());
    // The fictions belong to the deadline engine alone.
    for e in Ereignis::ALL {
        if e.nur_durch_frist() {
            assert!(Role::ALL.iter().all(|r| !darf_ausloesen(*r, e)));
            assert!(e.durch_system_moeglich());
        }
    }
    assert!(E::BeteiligungAbschliessen.durch_system_moeglich());
    assert!(!E::Genehmigen.durch_system_moeglich());
    // An applicant can never decide.
    for e in [
        E::Genehmigen,
        E::Ablehnen,
        E::VollstaendigErklaeren,
        E::Nachfordern,
    ] {
        assert!(!darf_ausloesen(Role::Antragsteller, e));
    }
}

fn ereignis() -> impl Strategy<Value = Ereignis> {
    prop::sample::select(Ereignis::ALL.to_vec())
}

fn zustand() -> impl Strategy<Value = Zustand> {
    prop::sample::select(Zustand::ALL.to_vec())
}

proptest! {
    #[test]
    fn random_event_sequences_from_a_draft(es in prop::collection::vec(ereignis(), 0..60)) {
        let mut z = Z::Entwurf;
        for e in es {
            match uebergang(z, e) {
                Ok(nach) => {
                    prop_assert_eq!(erlaubt(z, e), Some(nach));
                    if let Some(c) = nach.statusbauportal_code() {
                        prop_assert!(codeliste::statusbauportal().enthaelt(c));
                    }
                    z = nach;
                }
                Err(UngueltigerUebergang { zustand, ereignis, meldung }) => {
                    prop_assert_eq!(erlaubt(z, e), None);
                    // The state the caller keeps is the one it had.
                    prop_assert_eq!(zustand, z);
                    prop_assert_eq!(ereignis, e);
                    prop_assert!(!meldung.trim().is_empty());
                    prop_assert!(meldung.contains('„') && meldung.contains('“'));
                }
            }
        }
    }

    #[test]
    fn terminal_states_are_absorbing(z in zustand(), es in prop::collection::vec(ereignis(), 1..20)) {
        prop_assume!(z.ist_abgeschlossen());
        for e in es {
            prop_assert!(uebergang(z, e).is_err());
            for v in Verfahrensart::ALL {
                prop_assert!(uebergang_im_verfahren(v, z, e).is_err());
            }
        }
    }

    #[test]
    fn no_transition_returns_to_the_draft(z in zustand(), e in ereignis()) {
        if let Ok(nach) = uebergang(z, e) {
            prop_assert_ne!(nach, Z::Entwurf);
        }
    }
}

#[test]
fn what_a_stelle_said_stays_with_the_authorities() {
    use plankammer_domain::vorgang::{Ereignis, nur_fuer_behoerden};
    for art in [
        "beteiligung_angefragt",
        "beteiligung_rueckfrage",
        "beteiligung_zurueckgezogen",
        "stellungnahme_abgegeben",
        "stellungnahme_verspaetet_entschieden",
        "zustimmung_fingiert",
        "einvernehmen_fingiert",
        "beteiligungsfrist_abgelaufen",
    ] {
        assert!(nur_fuer_behoerden(art), "{art}");
    }
    for e in Ereignis::ALL {
        assert!(!nur_fuer_behoerden(e.slug()), "{e:?}: a step of the case");
    }
    for art in [
        "frist_verlaengert",
        "entscheidungsfrist_verlaengert",
        "einladung",
    ] {
        assert!(!nur_fuer_behoerden(art), "{art}");
    }
}
