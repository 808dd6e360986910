//! A Stelle's steps: opening its request once, the Stellungnahme (checked, first through the
//! state machine, corrections superseding, late ones flagged), attachments frozen with it,
//! removing one not yet submitted — and who may do any of it.

use crate::beteiligung_welt::*;
use plankammer_domain::beteiligung::{BeteiligungsZustand, Zustimmung};
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_verfahren::dokumente::{Hochladegrenzen, Ziel};
use plankammer_verfahren::fachstelle::{Nebenbestimmungsangabe, StellungnahmeEingabe};

fn mit_auflage() -> StellungnahmeEingabe {
    StellungnahmeEingabe {
        tenor: "Zustimmung mit Auflage.".into(),
        zustimmung: Some(Zustimmung::MitNebenbestimmungen),
        nebenbestimmungen: vec![
            Nebenbestimmungsangabe {
                art: "2".into(),
                text: "Rauchwarnmelder in allen Aufenthaltsräumen.".into(),
                begruendung: "§ 14 HBO".into(),
            },
            // An empty row of the form.
            Nebenbestimmungsangabe {
                art: "2".into(),
                ..Default::default()
            },
        ],
        begruendung: String::new(),
        ersetzt: None,
    }
}

#[tokio::test]
async fn the_first_opening_moves_the_request_to_work_once() {
    let w = welt().await;
    let bid = w.frage_an(&[w.brandschutz]).await[0];
    for wer in [&w.gm, &w.unb, &w.ba, &w.arch] {
        nicht_gefunden(w.v.anfrage_oeffnen(wer, bid).await);
    }
    let b = w.v.anfrage_oeffnen(&w.fs1, bid).await.unwrap();
    assert_eq!(b.zustand, BeteiligungsZustand::InBearbeitung);
    assert!(b.geoeffnet_at.is_some());
    let b2 = w.v.anfrage_oeffnen(&w.fs2, bid).await.unwrap();
    assert_eq!(b2.geoeffnet_at, b.geoeffnet_at);
    let e = w.eintraege(Eintragsart::BeteiligungGeoeffnet).await;
    assert_eq!(e.len(), 1, "once");
    assert_eq!(e[0].user_id, Some(w.fs1.user_id));
    assert!(e[0].text.contains("„Brandschutzdienststelle“"));
}

#[tokio::test]
async fn a_stellungnahme_is_checked_given_once_and_corrected_by_superseding() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz, w.gemeinde]).await;
    let bid = ids[0];
    // Every problem at once, worded by the domain.
    let m = saetze(
        w.v.stellungnahme_abgeben(
            &w.fs1,
            bid,
            &StellungnahmeEingabe {
                zustimmung: None,
                ..StellungnahmeEingabe::default()
            },
        )
        .await,
    );
    assert_eq!(
        m,
        [
            "Bitte wählen Sie, ob Sie zustimmen (ja, nein oder mit Nebenbestimmungen).",
            "Bitte geben Sie den Tenor der Stellungnahme an."
        ]
    );
    let m = saetze(
        w.v.stellungnahme_abgeben(
            &w.fs1,
            bid,
            &StellungnahmeEingabe {
                zustimmung: Some(Zustimmung::Nein),
                tenor: "Nein.".into(),
                ..StellungnahmeEingabe::default()
            },
        )
        .await,
    );
    assert_eq!(m, ["Wenn Sie nicht zustimmen, begründen Sie dies bitte."]);
    // Another Stelle's member, the case worker, the applicant: the request does not exist.
    for wer in [&w.gm, &w.ba, &w.arch] {
        nicht_gefunden(w.v.stellungnahme_abgeben(wer, bid, &mit_auflage()).await);
    }
    assert_eq!(
        w.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::Angefragt
    );

    let sid =
        w.v.stellungnahme_abgeben(&w.fs1, bid, &mit_auflage())
            .await
            .unwrap();
    let b = w.db.beteiligung(bid).await.unwrap();
    assert_eq!(b.zustand, BeteiligungsZustand::StellungnahmeAbgegeben);
    let s = &w.db.stellungnahmen(bid).await.unwrap()[0];
    assert_eq!(s.id, sid);
    assert_eq!(s.zustimmung, Zustimmung::MitNebenbestimmungen);
    assert_eq!(s.nebenbestimmungen.len(), 1, "the empty row is skipped");
    assert_eq!(s.nebenbestimmungen[0].begruendung, "§ 14 HBO");
    assert!(!s.verspaetet);
    let e = w.eintraege(Eintragsart::StellungnahmeAbgegeben).await;
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].text,
        "Stellungnahme der Stelle „Brandschutzdienststelle“ eingegangen: Zustimmung mit Nebenbestimmungen (1 Nebenbestimmung)."
    );
    assert_eq!(
        w.an("Stellungnahme der Stelle Brandschutzdienststelle")
            .await,
        ["ba@example.org"]
    );
    assert_eq!(
        w.zustand().await,
        Zustand::Beteiligung,
        "the Gemeinde is open"
    );

    // Given already: a second first one is refused, by a colleague too.
    let m = konflikt(w.v.stellungnahme_abgeben(&w.fs2, bid, &mit_auflage()).await);
    assert!(m.contains("bereits eine Stellungnahme abgegeben"), "{m}");
    // A correction supersedes the current one, once.
    let korrektur = StellungnahmeEingabe {
        ersetzt: Some(sid),
        zustimmung: Some(Zustimmung::Ja),
        tenor: "Keine Bedenken.".into(),
        nebenbestimmungen: vec![],
        ..mit_auflage()
    };
    let neu =
        w.v.stellungnahme_abgeben(&w.fs2, bid, &korrektur)
            .await
            .unwrap();
    let liste = w.db.stellungnahmen(bid).await.unwrap();
    assert_eq!(liste.len(), 2);
    assert_eq!(liste[1].ersetzt_id, Some(sid));
    let e = w.eintraege(Eintragsart::StellungnahmeKorrigiert).await;
    assert_eq!(e.len(), 1);
    assert!(
        e[0].text.starts_with("Korrigierte Stellungnahme"),
        "{}",
        e[0].text
    );
    let m = konflikt(w.v.stellungnahme_abgeben(&w.fs1, bid, &korrektur).await);
    assert!(m.contains("bereits korrigiert"), "{m}");
    // A correction of a Stellungnahme of another request: not found.
    nicht_gefunden(
        w.v.stellungnahme_abgeben(
            &w.gm,
            ids[1],
            &StellungnahmeEingabe {
                ersetzt: Some(neu),
                ..korrektur.clone()
            },
        )
        .await,
    );
    // The Gemeinde's consent is worded as Einvernehmen.
    w.v.stellungnahme_abgeben(
        &w.gm,
        ids[1],
        &StellungnahmeEingabe {
            tenor: "Einvernehmen.".into(),
            zustimmung: Some(Zustimmung::Ja),
            ..StellungnahmeEingabe::default()
        },
    )
    .await
    .unwrap();
    let e = w.eintraege(Eintragsart::StellungnahmeAbgegeben).await;
    assert!(
        e[1].text.ends_with("eingegangen: Einvernehmen erteilt."),
        "{}",
        e[1].text
    );
}

/// A member's upload, as the adapter does it: the checks first, then the file.
async fn hoch(w: &Welt, bid: i64, name: &str) -> plankammer_storage::dokumente::Version {
    let z = w.v.anlagen_ziel(&w.fs1, bid).await.unwrap();
    w.v.hochladen(
        &w.fs1,
        &z.antrag,
        Ziel::Anlage {
            beteiligung_id: bid,
        },
        name,
        Hochladegrenzen::default(),
        Welt::pdf(name),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn attachments_are_added_while_a_stellungnahme_can_be_given_and_frozen_with_it() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz, w.gemeinde]).await;
    let bid = ids[0];
    nicht_gefunden(w.v.anlagen_ziel(&w.gm, bid).await);
    nicht_gefunden(w.v.anlagen_ziel(&w.ba, bid).await);
    let ziel = w.v.anlagen_ziel(&w.fs1, bid).await.unwrap();
    assert_eq!((ziel.vorhanden, ziel.hoechstens()), (0, 20));
    let erste = hoch(&w, bid, "gutachten.pdf").await;
    let zweite = hoch(&w, bid, "skizze.pdf").await;
    assert_eq!(w.v.anlagen_ziel(&w.fs1, bid).await.unwrap().vorhanden, 2);
    // Removing one not yet submitted: audited; another Stelle cannot.
    nicht_gefunden(w.v.anlage_entfernen(&w.gm, bid, zweite.dokument_id).await);
    w.v.anlage_entfernen(&w.fs1, bid, zweite.dokument_id)
        .await
        .unwrap();
    assert_eq!(w.audit("anlage.entfernen").await, 1);
    nicht_gefunden(w.v.anlage_entfernen(&w.fs1, bid, zweite.dokument_id).await);
    assert_eq!(w.db.anlagen(bid).await.unwrap().len(), 1);

    let sid =
        w.v.stellungnahme_abgeben(
            &w.fs1,
            bid,
            &StellungnahmeEingabe {
                tenor: "Siehe Gutachten.".into(),
                zustimmung: Some(Zustimmung::Ja),
                ..StellungnahmeEingabe::default()
            },
        )
        .await
        .unwrap();
    let anlagen = w.db.anlagen(bid).await.unwrap();
    assert_eq!(anlagen[0].abgegeben_mit, vec![sid]);
    assert_eq!(anlagen[0].version.id, erste.id);
    let e = w.eintraege(Eintragsart::StellungnahmeAbgegeben).await;
    assert!(e[0].text.contains("(1 Anlage)"), "{}", e[0].text);
    // Submitted: it stays.
    let m = konflikt(w.v.anlage_entfernen(&w.fs1, bid, erste.dokument_id).await);
    assert!(m.contains(&format!("Stellungnahme Nr. {sid}")), "{m}");
    // A correction may still bring more.
    assert_eq!(w.v.anlagen_ziel(&w.fs1, bid).await.unwrap().vorhanden, 1);

    // After a withdrawal nothing more can be added.
    w.v.beteiligung_zurueckziehen(&w.ba, ids[1], "Nicht betroffen.")
        .await
        .unwrap();
    let m = konflikt(w.v.anlagen_ziel(&w.gm, ids[1]).await);
    assert!(m.contains("zurückgezogen"), "{m}");
}

#[tokio::test]
async fn a_stellungnahme_after_the_deadline_is_taken_in_late() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz, w.gemeinde]).await;
    // The deadline passed yesterday; the clock has not recorded it yet.
    w.setze_ende(ids[0], -1).await;
    w.v.stellungnahme_abgeben(&w.fs1, ids[0], &mit_auflage())
        .await
        .unwrap();
    let s = &w.db.stellungnahmen(ids[0]).await.unwrap()[0];
    assert!(s.verspaetet);
    let e = w.eintraege(Eintragsart::StellungnahmeAbgegeben).await;
    assert!(
        e[0].text
            .contains("Verspätet eingegangen (§ 70 Abs. 1 Satz 4 HBO)"),
        "{}",
        e[0].text
    );
    // No deemed consent for an answered request.
    assert_eq!(
        w.v.zustimmungen_fingieren(heute(), plankammer_storage::now_millis())
            .await
            .unwrap(),
        0
    );
}

fn heute() -> chrono::NaiveDate {
    plankammer_storage::heute_berlin()
}
