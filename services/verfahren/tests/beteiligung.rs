//! The Bauaufsicht's steps of the Beteiligung: asking Stellen (every input problem at once,
//! the move to 08 once, one mail per Stelle, no asking while a Bescheid is issued),
//! withdrawing, extending, Rückfragen with the Hemmung, late Stellungnahmen, visibility,
//! sharing a Fassung — and the Beteiligung closing (09) exactly once by each of its four
//! paths: the last Stellungnahme, a withdrawal, a deemed consent, the sweep.

use crate::beteiligung_welt::*;
use plankammer_domain::beteiligung::{
    BeteiligungsZustand, Rolle, Schweigefolge, Zustimmung, fristvorschlag_standard,
};
use plankammer_domain::frist;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_verfahren::Fehler;
use plankammer_verfahren::beteiligung::{Anfrage, Beteiligen, Unlesbar, gehemmtes_ende};
use plankammer_verfahren::fachstelle::StellungnahmeEingabe;
use plankammer_verfahren::fristen::Lauf;

fn beteiligen(anfragen: Vec<Anfrage>) -> Beteiligen {
    Beteiligen {
        anfragen,
        ..Beteiligen::default()
    }
}

fn zustimmung() -> StellungnahmeEingabe {
    StellungnahmeEingabe {
        tenor: "Keine Bedenken.".into(),
        zustimmung: Some(Zustimmung::Ja),
        ..StellungnahmeEingabe::default()
    }
}

#[tokio::test]
async fn only_the_tenants_case_worker_asks_stellen() {
    let w = welt().await;
    let e = beteiligen(vec![anfrage(w.brandschutz)]);
    for wer in [&w.arch, &w.fs1, &w.ba_fremd] {
        nicht_gefunden(w.v.stellen_anfragen(wer, w.vorgang, &e).await);
    }
    assert_eq!(w.zustand().await, Zustand::Vollstaendig);
    assert!(w.db.beteiligungen(w.vorgang).await.unwrap().is_empty());
    assert!(w.mails().await.is_empty());
}

#[tokio::test]
async fn every_problem_of_the_input_comes_back_at_once_and_nothing_is_stored() {
    let w = welt().await;
    let sonntag = sonntag_nach(tag(10));
    let e = Beteiligen {
        anfragen: vec![
            Anfrage {
                umfang: Some(vec![]),
                ..anfrage(w.brandschutz)
            },
            Anfrage {
                umfang: Some(vec![w.dokumente[0], 999_999]),
                ..anfrage(w.gemeinde)
            },
            Anfrage {
                ende: Some(sonntag.format("%Y-%m-%d").to_string()),
                ..anfrage(w.naturschutz)
            },
            anfrage(999_999),
        ],
        unlesbare_stellen: vec!["abc".into()],
    };
    let m = saetze(w.v.stellen_anfragen(&w.ba, w.vorgang, &e).await);
    let alle = m.join("\n");
    assert_eq!(m.len(), 5, "{alle}");
    assert!(alle.contains("„abc“ ist keine gültige Stelle."), "{alle}");
    assert!(
        alle.contains("Brandschutzdienststelle: Bitte wählen Sie mindestens eine Unterlage aus"),
        "{alle}"
    );
    assert!(
        alle.contains("Gemeinde Musterstadt: Bitte wählen Sie nur Unterlagen dieses Vorgangs aus."),
        "{alle}"
    );
    assert!(
        alle.contains("Obere Naturschutzbehörde: Der ") && alle.contains("kein Werktag"),
        "{alle}"
    );
    assert!(
        alle.contains("Die Stelle mit der Nummer 999999 gibt es nicht"),
        "{alle}"
    );
    // What a form could not read is worded by the step, with the Stelle's name.
    let m = saetze(
        w.v.stellen_anfragen(
            &w.ba,
            w.vorgang,
            &beteiligen(vec![
                Anfrage {
                    unlesbar: vec![Unlesbar::Rolle],
                    ..anfrage(w.brandschutz)
                },
                Anfrage {
                    umfang: Some(vec![]),
                    unlesbar: vec![Unlesbar::Umfang],
                    ..anfrage(w.gemeinde)
                },
                Anfrage {
                    ende: Some("31.02.2027".into()),
                    ..anfrage(w.naturschutz)
                },
            ]),
        )
        .await,
    );
    assert_eq!(
        m[..2],
        [
            "Brandschutzdienststelle: Bitte wählen Sie eine gültige Rolle.".to_string(),
            "Gemeinde Musterstadt: Bitte wählen Sie nur Unterlagen dieses Vorgangs aus."
                .to_string()
        ]
    );
    assert!(
        m[2].starts_with("Obere Naturschutzbehörde: Fristende: "),
        "{m:?}"
    );
    // Nothing chosen.
    assert_eq!(
        saetze(
            w.v.stellen_anfragen(&w.ba, w.vorgang, &Beteiligen::default())
                .await
        ),
        ["Bitte wählen Sie mindestens eine Stelle aus, die beteiligt werden soll."]
    );
    // The same Stelle twice.
    let m = saetze(
        w.v.stellen_anfragen(
            &w.ba,
            w.vorgang,
            &beteiligen(vec![anfrage(w.brandschutz), anfrage(w.brandschutz)]),
        )
        .await,
    );
    assert!(m[0].contains("mehrfach"), "{m:?}");
    assert_eq!(w.zustand().await, Zustand::Vollstaendig);
    assert!(w.db.beteiligungen(w.vorgang).await.unwrap().is_empty());
    assert!(w.mails().await.is_empty());
    assert!(w.eintraege(Eintragsart::Beteiligen).await.is_empty());
}

#[tokio::test]
async fn asking_moves_the_case_to_08_once_and_asks_each_stelle_by_mail() {
    let w = welt().await;
    let heute = heute_berlin();
    let vorschlag = fristvorschlag_standard(
        Rolle::Zustaendig,
        Verfahrensart::VereinfachtesVerfahren,
        heute,
    )
    .unwrap();
    let gesetzt = werktag_ab(tag(20), vorschlag.letzter_tag());
    let ids =
        w.v.stellen_anfragen(
            &w.ba,
            w.vorgang,
            &beteiligen(vec![
                Anfrage {
                    rechtsbereich: " Brandschutz ".into(),
                    notiz: "Bitte Rettungswege prüfen.".into(),
                    ende: Some(gesetzt.format("%Y-%m-%d").to_string()),
                    ..anfrage(w.brandschutz)
                },
                Anfrage {
                    umfang: Some(vec![w.dokumente[1]]),
                    ..anfrage(w.gemeinde)
                },
                Anfrage {
                    // Every document ticked: no limit.
                    umfang: Some(vec![w.dokumente[1], w.dokumente[0]]),
                    ..anfrage(w.naturschutz)
                },
            ]),
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!(w.zustand().await, Zustand::Beteiligung);
    let b = w.db.beteiligung(ids[0]).await.unwrap();
    assert_eq!(b.zustand, BeteiligungsZustand::Angefragt);
    assert_eq!((b.rolle, b.ende), (Rolle::Zustaendig, gesetzt));
    assert!(b.behoerdlich_gesetzt);
    assert!(
        b.erklaerung.contains("behördlich gesetzt"),
        "{}",
        b.erklaerung
    );
    assert!(
        b.erklaerung.contains("Vorschlag nach §§ 187 ff. BGB wäre"),
        "{}",
        b.erklaerung
    );
    assert_eq!(b.rechtsbereich, "Brandschutz");
    assert_eq!(b.umfang, None);
    assert!(b.fassung_id.is_some());
    let g = w.db.beteiligung(ids[1]).await.unwrap();
    assert_eq!(g.rolle, Rolle::Gemeinde, "a Gemeinde's Stelle as Gemeinde");
    assert_eq!(g.schweigefolge, Schweigefolge::EinvernehmenFingiert);
    assert_eq!(g.rechtsgrundlage, "§ 36 Abs. 2 BauGB");
    assert_eq!(g.umfang, Some(vec![w.dokumente[1]]));
    assert!(!g.behoerdlich_gesetzt);
    let n = w.db.beteiligung(ids[2]).await.unwrap();
    assert_eq!(n.umfang, None);
    assert_eq!(n.ende, vorschlag.letzter_tag());
    assert_eq!(n.schweigefolge, Schweigefolge::ZustimmungFingiert);

    let beteiligen_eintraege = w.eintraege(Eintragsart::Beteiligen).await;
    assert_eq!(beteiligen_eintraege.len(), 1);
    assert_eq!(beteiligen_eintraege[0].status_code.as_deref(), Some("08"));
    assert_eq!(beteiligen_eintraege[0].user_id, Some(w.ba.user_id));
    assert!(beteiligen_eintraege[0].text.contains("(3 Stellen)"));
    let angefragt = w.eintraege(Eintragsart::BeteiligungAngefragt).await;
    assert_eq!(angefragt.len(), 3);
    assert!(
        angefragt[0].text.contains("„Brandschutzdienststelle“")
            && angefragt[0].text.contains("(behördlich gesetzt)"),
        "{}",
        angefragt[0].text
    );
    assert_eq!(
        w.an("Bitte um Stellungnahme").await,
        [
            "bs1@example.org",
            "bs2@example.org",
            "gemeinde@example.org",
            "unb@example.org"
        ]
    );
    assert_eq!(w.an("Beteiligung der Stellen").await, ["arch@example.org"]);

    // Asked again while in the Beteiligung: no second move, one more mail.
    let mehr = w.frage_an(&[w.brandschutz]).await;
    assert_eq!(mehr.len(), 1);
    assert_eq!(w.eintraege(Eintragsart::Beteiligen).await.len(), 1);
    assert_eq!(w.an("Beteiligung der Stellen").await.len(), 1);
    assert_eq!(
        w.eintraege(Eintragsart::BeteiligungAngefragt).await.len(),
        4
    );
}

#[tokio::test]
async fn no_stelle_is_asked_while_the_bescheid_is_being_issued() {
    let w = welt().await;
    sqlx::query(
        "INSERT INTO bescheide (vorgang_id, zustand, inhalt, created_at, created_by, erlass_beantragt_at, erlass_beantragt_by) \
         VALUES ($1, 'entwurf', '{}', $2, $3, $2, $3)",
    )
    .bind(w.vorgang)
    .bind(now_millis())
    .bind(w.ba.user_id)
    .execute(w.db.pool())
    .await
    .unwrap();
    let m = konflikt(
        w.v.stellen_anfragen(&w.ba, w.vorgang, &beteiligen(vec![anfrage(w.brandschutz)]))
            .await,
    );
    assert!(m.contains("wird gerade erlassen"), "{m}");
    assert_eq!(w.zustand().await, Zustand::Vollstaendig);
    assert!(w.db.beteiligungen(w.vorgang).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_case_that_is_not_complete_cannot_have_stellen_asked() {
    let w = welt().await;
    let mut tx = w.db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        w.vorgang,
        Zustand::Vollstaendig,
        Zustand::Genehmigt,
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let m = konflikt(
        w.v.stellen_anfragen(&w.ba, w.vorgang, &beteiligen(vec![anfrage(w.brandschutz)]))
            .await,
    );
    assert!(m.contains("keine Stellen beteiligt werden"), "{m}");
}

// --- The four paths that close the Beteiligung --------------------------------------------

async fn abschluesse(w: &Welt) -> Vec<plankammer_storage::antrag::Ereignis> {
    w.eintraege(Eintragsart::BeteiligungAbschliessen).await
}

fn vom_system_mit_09(e: &[plankammer_storage::antrag::Ereignis]) {
    assert_eq!(e.len(), 1, "closed exactly once");
    assert_eq!(e[0].user_id, None, "by the system");
    assert_eq!(e[0].status_code.as_deref(), Some("09"));
    assert_eq!(e[0].zustand, Some(Zustand::BeteiligungAbgeschlossen));
}

#[tokio::test]
async fn a_withdrawal_of_the_last_open_request_closes_the_beteiligung() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz, w.gemeinde]).await;
    // Only the tenant's case worker withdraws.
    for wer in [&w.fs1, &w.arch, &w.ba_fremd] {
        nicht_gefunden(w.v.beteiligung_zurueckziehen(wer, ids[0], "weil").await);
    }
    assert_eq!(
        saetze(w.v.beteiligung_zurueckziehen(&w.ba, ids[0], "  ").await),
        ["Bitte geben Sie den Grund der Rücknahme an."]
    );
    assert!(
        saetze(
            w.v.beteiligung_zurueckziehen(&w.ba, ids[0], &"x".repeat(1001))
                .await
        )[0]
        .contains("höchstens 1000 Zeichen")
    );
    w.v.beteiligung_zurueckziehen(&w.ba, ids[0], "Nicht betroffen.")
        .await
        .unwrap();
    let b = w.db.beteiligung(ids[0]).await.unwrap();
    assert_eq!(b.zustand, BeteiligungsZustand::Zurueckgezogen);
    assert_eq!(b.grund.as_deref(), Some("Nicht betroffen."));
    assert_eq!(w.zustand().await, Zustand::Beteiligung, "one still open");
    assert!(abschluesse(&w).await.is_empty());
    // Exactly once.
    let m = konflikt(
        w.v.beteiligung_zurueckziehen(&w.ba, ids[0], "nochmal")
            .await,
    );
    assert!(m.contains("nicht mehr offen"), "{m}");
    assert_eq!(
        w.eintraege(Eintragsart::BeteiligungZurueckgezogen)
            .await
            .len(),
        1
    );
    // The Stelle can no longer act, and never opened it: it sees nothing.
    let m = konflikt(
        w.v.rueckfrage_stellen(&w.fs1, ids[0], "Frage?", false)
            .await,
    );
    assert!(m.contains("zurückgezogen"), "{m}");
    let b = w.v.anfrage_oeffnen(&w.fs1, ids[0]).await.unwrap();
    assert_eq!(b.geoeffnet_at, None);
    assert!(w.v.sichtbare_versionen(&b).await.unwrap().is_empty());

    w.v.beteiligung_zurueckziehen(&w.ba, ids[1], "Erledigt.")
        .await
        .unwrap();
    assert_eq!(w.zustand().await, Zustand::BeteiligungAbgeschlossen);
    vom_system_mit_09(&abschluesse(&w).await);
    assert_eq!(
        w.an("Beteiligung abgeschlossen").await,
        ["arch@example.org"]
    );
}

#[tokio::test]
async fn the_last_stellungnahme_closes_the_beteiligung() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz, w.gemeinde]).await;
    w.v.stellungnahme_abgeben(&w.fs1, ids[0], &zustimmung())
        .await
        .unwrap();
    assert_eq!(w.zustand().await, Zustand::Beteiligung);
    assert!(abschluesse(&w).await.is_empty());
    w.v.stellungnahme_abgeben(
        &w.gm,
        ids[1],
        &StellungnahmeEingabe {
            tenor: "Einvernehmen versagt.".into(),
            zustimmung: Some(Zustimmung::Nein),
            begruendung: "Widerspricht dem Bebauungsplan.".into(),
            ..StellungnahmeEingabe::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(w.zustand().await, Zustand::BeteiligungAbgeschlossen);
    vom_system_mit_09(&abschluesse(&w).await);
    assert_eq!(
        w.an("Beteiligung abgeschlossen").await,
        ["arch@example.org"]
    );
    // A correction afterwards does not close it again.
    let liste = w.db.stellungnahmen(ids[0]).await.unwrap();
    w.v.stellungnahme_abgeben(
        &w.fs2,
        ids[0],
        &StellungnahmeEingabe {
            ersetzt: Some(liste[0].id),
            ..zustimmung()
        },
    )
    .await
    .unwrap();
    assert_eq!(abschluesse(&w).await.len(), 1);
}

#[tokio::test]
async fn two_last_answers_at_once_close_the_beteiligung_once() {
    let w = welt().await;
    let ids = w
        .frage_an(&[w.brandschutz, w.gemeinde, w.naturschutz])
        .await;
    w.v.beteiligung_zurueckziehen(&w.ba, ids[2], "Nicht nötig.")
        .await
        .unwrap();
    let eins = zustimmung();
    let (a, b) = tokio::join!(
        w.v.stellungnahme_abgeben(&w.fs1, ids[0], &eins),
        w.v.stellungnahme_abgeben(&w.gm, ids[1], &eins),
    );
    a.unwrap();
    b.unwrap();
    assert_eq!(w.zustand().await, Zustand::BeteiligungAbgeschlossen);
    vom_system_mit_09(&abschluesse(&w).await);
}

#[tokio::test]
async fn the_deemed_consent_of_the_last_open_request_closes_the_beteiligung() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz]).await;
    w.setze_ende(ids[0], -1).await;
    let heute = heute_berlin();
    let (l1, l2) = tokio::join!(
        w.v.beteiligungsfristen_pruefen(heute, now_millis()),
        w.v.beteiligungsfristen_pruefen(heute, now_millis())
    );
    assert_eq!(l1.unwrap().fiktionen + l2.unwrap().fiktionen, 1);
    let b = w.db.beteiligung(ids[0]).await.unwrap();
    assert_eq!(b.zustand, BeteiligungsZustand::FristAbgelaufen);
    assert!(b.fiktion_at.is_some());
    let f = w.eintraege(Eintragsart::ZustimmungFingiert).await;
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].user_id, None);
    assert!(
        f[0].text
            .contains("Zustimmung gilt als erteilt (§ 70 Abs. 1 HBO)"),
        "{}",
        f[0].text
    );
    assert_eq!(
        w.an("Zustimmung gilt als erteilt").await,
        ["ba@example.org", "bs1@example.org", "bs2@example.org"]
    );
    assert_eq!(w.zustand().await, Zustand::BeteiligungAbgeschlossen);
    vom_system_mit_09(&abschluesse(&w).await);
    assert_eq!(
        w.v.beteiligungsfristen_pruefen(heute, now_millis())
            .await
            .unwrap(),
        Lauf::default(),
        "nothing left to do"
    );

    // A Stellungnahme after the fiction is taken in, late; the Bauaufsicht decides once.
    let sid =
        w.v.stellungnahme_abgeben(&w.fs1, ids[0], &zustimmung())
            .await
            .unwrap();
    let s = &w.db.stellungnahmen(ids[0]).await.unwrap()[0];
    assert!(s.verspaetet);
    let e = w.eintraege(Eintragsart::StellungnahmeAbgegeben).await;
    assert!(e[0].text.contains("Verspätet eingegangen"), "{}", e[0].text);
    assert_eq!(abschluesse(&w).await.len(), 1);
    nicht_gefunden(
        w.v.verspaetete_entscheiden(&w.fs1, ids[0], sid, Some(true))
            .await,
    );
    nicht_gefunden(
        w.v.verspaetete_entscheiden(&w.ba, ids[0], sid + 100, Some(true))
            .await,
    );
    assert_eq!(
        saetze(w.v.verspaetete_entscheiden(&w.ba, ids[0], sid, None).await),
        ["Bitte entscheiden Sie, ob die Stellungnahme berücksichtigt wird."]
    );
    w.v.verspaetete_entscheiden(&w.ba, ids[0], sid, Some(true))
        .await
        .unwrap();
    let m = konflikt(
        w.v.verspaetete_entscheiden(&w.ba, ids[0], sid, Some(false))
            .await,
    );
    assert!(m.contains("bereits entschieden"), "{m}");
    assert_eq!(
        w.db.stellungnahmen(ids[0]).await.unwrap()[0].beruecksichtigt,
        Some(true)
    );
    let e = w
        .eintraege(Eintragsart::StellungnahmeVerspaetetEntschieden)
        .await;
    assert_eq!(e.len(), 1);
    assert!(e[0].text.contains("wird berücksichtigt"), "{}", e[0].text);
    assert_eq!(w.audit("stellungnahme.verspaetet_entschieden").await, 1);
}

#[tokio::test]
async fn the_sweep_closes_a_forgotten_beteiligung_once() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz]).await;
    // Answered, but the close got lost (a state no step leaves behind).
    sqlx::query("UPDATE beteiligungen SET zustand = 'stellungnahme_abgegeben' WHERE id = $1")
        .bind(ids[0])
        .execute(w.db.pool())
        .await
        .unwrap();
    assert_eq!(w.zustand().await, Zustand::Beteiligung);
    let (a, b) = tokio::join!(
        w.v.erledigte_beteiligungen_schliessen(now_millis()),
        w.v.erledigte_beteiligungen_schliessen(now_millis())
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(w.zustand().await, Zustand::BeteiligungAbgeschlossen);
    vom_system_mit_09(&abschluesse(&w).await);
    assert_eq!(
        w.v.erledigte_beteiligungen_schliessen(now_millis())
            .await
            .unwrap(),
        0
    );
}

// --- Extending, Rückfragen, visibility, a later Fassung ------------------------------------

#[tokio::test]
async fn a_running_deadline_is_extended_with_a_reason_a_passed_one_not() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz, w.gemeinde]).await;
    let b = w.db.beteiligung(ids[0]).await.unwrap();
    let neu = werktag_ab(b.ende + chrono::Duration::days(10), b.ende);
    let neu_s = neu.format("%Y-%m-%d").to_string();
    nicht_gefunden(
        w.v.beteiligung_verlaengern(&w.fs1, ids[0], &neu_s, "Grund")
            .await,
    );
    nicht_gefunden(
        w.v.beteiligung_verlaengern(&w.ba_fremd, ids[0], &neu_s, "Grund")
            .await,
    );
    assert_eq!(
        saetze(w.v.beteiligung_verlaengern(&w.ba, ids[0], &neu_s, "").await),
        ["Bitte geben Sie den Grund der Verlängerung an."]
    );
    assert!(
        saetze(
            w.v.beteiligung_verlaengern(&w.ba, ids[0], "bald", "Grund")
                .await
        )[0]
        .starts_with("Neues Fristende: ")
    );
    assert_eq!(
        saetze(
            w.v.beteiligung_verlaengern(
                &w.ba,
                ids[0],
                &b.ende.format("%Y-%m-%d").to_string(),
                "Grund"
            )
            .await
        ),
        ["Das neue Fristende muss nach dem bisherigen Fristende liegen."]
    );
    let sonntag = sonntag_nach(b.ende).format("%Y-%m-%d").to_string();
    assert!(
        saetze(
            w.v.beteiligung_verlaengern(&w.ba, ids[0], &sonntag, "Grund")
                .await
        )[0]
        .contains("kein Werktag")
    );
    // Reminders sent for the old end are due again for the new one.
    sqlx::query("UPDATE beteiligungen SET erinnerungen = '7' WHERE id = $1")
        .bind(ids[0])
        .execute(w.db.pool())
        .await
        .unwrap();
    w.v.beteiligung_verlaengern(&w.ba, ids[0], &neu_s, "Gutachten steht aus.")
        .await
        .unwrap();
    let x = w.db.beteiligung(ids[0]).await.unwrap();
    assert_eq!(x.ende, neu);
    assert!(x.behoerdlich_gesetzt);
    assert!(x.erinnerungen.is_empty());
    assert!(x.erklaerung.contains("Gutachten steht aus."));
    let e = w.eintraege(Eintragsart::BeteiligungVerlaengert).await;
    assert_eq!(e.len(), 1);
    assert!(
        e[0].text.contains(&format!("bis {}", frist::datum_de(neu))),
        "{}",
        e[0].text
    );

    // Passed at midnight: the consent counts as given, the deadline stays.
    w.setze_ende(ids[1], -1).await;
    let m = konflikt(
        w.v.beteiligung_verlaengern(&w.ba, ids[1], &neu_s, "Zu spät.")
            .await,
    );
    assert!(
        m.contains("Das Einvernehmen der Gemeinde gilt damit als erteilt")
            && m.contains("nicht mehr verlängert"),
        "{m}"
    );
}

#[tokio::test]
async fn a_rueckfrage_is_answered_once_and_suspends_the_deadline_by_its_days() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz]).await;
    let bid = ids[0];
    assert_eq!(
        saetze(w.v.rueckfrage_stellen(&w.fs1, bid, "  ", false).await),
        ["Bitte formulieren Sie Ihre Rückfrage."]
    );
    nicht_gefunden(w.v.rueckfrage_stellen(&w.gm, bid, "Frage?", false).await);
    nicht_gefunden(w.v.rueckfrage_stellen(&w.ba, bid, "Frage?", false).await);
    let rid =
        w.v.rueckfrage_stellen(&w.fs1, bid, "Welche Feuerwiderstandsklasse?", true)
            .await
            .unwrap();
    assert_eq!(
        w.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::Rueckfrage
    );
    let e = w.eintraege(Eintragsart::BeteiligungRueckfrage).await;
    assert!(
        e[0].text
            .contains("(Weitergabe an die Antragstellenden angeregt)"),
        "{}",
        e[0].text
    );
    assert_eq!(w.an("Rückfrage der Stelle").await, ["ba@example.org"]);
    // One question at a time (the domain's state machine).
    let m = konflikt(
        w.v.rueckfrage_stellen(&w.fs2, bid, "Noch eine?", false)
            .await,
    );
    assert!(m.contains("bereits eine Rückfrage offen"), "{m}");

    // Passed on to the applicants, once.
    nicht_gefunden(w.v.rueckfrage_weitergeben(&w.fs1, bid, rid).await);
    w.v.rueckfrage_weitergeben(&w.ba, bid, rid).await.unwrap();
    assert_eq!(
        w.an("Rückfrage zu Ihrem Antrag").await,
        ["arch@example.org"]
    );
    konflikt(w.v.rueckfrage_weitergeben(&w.ba, bid, rid).await);

    // Asked three days ago: the answer suspends the deadline by three days.
    sqlx::query("UPDATE rueckfragen SET gestellt_at = $2 WHERE id = $1")
        .bind(rid)
        .bind(now_millis() - 3 * TAG_MS)
        .execute(w.db.pool())
        .await
        .unwrap();
    let alt = w.db.beteiligung(bid).await.unwrap().ende;
    nicht_gefunden(
        w.v.rueckfrage_beantworten(&w.ba, bid + 1000, rid, "F 90.", true)
            .await,
    );
    nicht_gefunden(
        w.v.rueckfrage_beantworten(&w.ba_fremd, bid, rid, "F 90.", true)
            .await,
    );
    assert_eq!(
        saetze(w.v.rueckfrage_beantworten(&w.ba, bid, rid, " ", true).await),
        ["Bitte geben Sie eine Antwort ein."]
    );
    w.v.rueckfrage_beantworten(&w.ba, bid, rid, "F 90.", true)
        .await
        .unwrap();
    let b = w.db.beteiligung(bid).await.unwrap();
    assert_eq!(b.zustand, BeteiligungsZustand::InBearbeitung);
    assert_eq!(b.ende, gehemmtes_ende(alt, 3));
    assert!(b.erklaerung.contains("§ 209 BGB"), "{}", b.erklaerung);
    let r = w.db.rueckfrage(rid).await.unwrap();
    assert_eq!(r.antwort.as_deref(), Some("F 90."));
    assert!(r.hemmt_frist);
    let e = w
        .eintraege(Eintragsart::BeteiligungRueckfrageBeantwortet)
        .await;
    assert_eq!(e.len(), 1);
    assert!(
        e[0].text.contains("hemmt die Frist um 3 Tage"),
        "{}",
        e[0].text
    );
    assert_eq!(
        w.an("Antwort auf Ihre Rückfrage").await,
        ["bs1@example.org", "bs2@example.org"]
    );
    // Once.
    let m = konflikt(
        w.v.rueckfrage_beantworten(&w.ba, bid, rid, "Nochmal.", false)
            .await,
    );
    assert_eq!(m, "Diese Rückfrage ist bereits beantwortet.");
    assert_eq!(w.db.beteiligung(bid).await.unwrap().ende, b.ende);
}

#[tokio::test]
async fn visibility_is_audited_and_a_later_fassung_is_shared_once_per_number() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz]).await;
    nicht_gefunden(w.v.sichtbarkeit_setzen(&w.fs1, ids[0], true).await);
    w.v.sichtbarkeit_setzen(&w.ba, ids[0], true).await.unwrap();
    assert!(
        w.db.beteiligung(ids[0])
            .await
            .unwrap()
            .andere_kommentare_sichtbar
    );
    w.v.sichtbarkeit_setzen(&w.ba, ids[0], false).await.unwrap();
    assert!(
        !w.db
            .beteiligung(ids[0])
            .await
            .unwrap()
            .andere_kommentare_sichtbar
    );
    assert_eq!(w.audit("beteiligung.kommentare_sichtbar").await, 2);

    assert_eq!(
        saetze(w.v.fassung_teilen(&w.ba, ids[0], None).await),
        ["Bitte wählen Sie eine Fassung dieses Vorgangs."]
    );
    let erste = w.db.fassungen(w.vorgang).await.unwrap()[0].id;
    assert_eq!(
        saetze(w.v.fassung_teilen(&w.ba, ids[0], Some(erste)).await),
        ["Die Stelle kennt Fassung 1 bereits; teilen Sie eine spätere Fassung."]
    );
    let mut tx = w.db.begin().await.unwrap();
    let zweite = Db::friere_fassung(&mut tx, w.vorgang, w.arch.user_id, now_millis())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    nicht_gefunden(w.v.fassung_teilen(&w.fs1, ids[0], Some(zweite.id)).await);
    w.v.fassung_teilen(&w.ba, ids[0], Some(zweite.id))
        .await
        .unwrap();
    assert_eq!(
        w.db.beteiligung(ids[0])
            .await
            .unwrap()
            .freigegeben_fassung_id,
        Some(zweite.id)
    );
    assert_eq!(
        w.an("Neue Fassung der Unterlagen").await,
        ["bs1@example.org", "bs2@example.org"]
    );
    assert_eq!(
        w.eintraege(Eintragsart::BeteiligungFassungGeteilt)
            .await
            .len(),
        1
    );
    // Not after a withdrawal.
    w.v.beteiligung_zurueckziehen(&w.ba, ids[0], "Erledigt.")
        .await
        .unwrap();
    let m = konflikt(w.v.fassung_teilen(&w.ba, ids[0], Some(zweite.id)).await);
    assert!(m.contains("zurückgezogen"), "{m}");
}

#[tokio::test]
async fn errors_name_no_other_tenants_request() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz]).await;
    for r in [
        w.v.sichtbarkeit_setzen(&w.ba_fremd, ids[0], true).await,
        w.v.fassung_teilen(&w.ba_fremd, ids[0], Some(1)).await,
        w.v.beteiligung_zurueckziehen(&w.arch, ids[0], "x").await,
    ] {
        assert!(matches!(r, Err(Fehler::NichtGefunden)), "{r:?}");
    }
}
