//! Comments on plans: who may look at which plan and through what, who sees whose threads
//! (the Bauaufsicht all; a Stelle its own, the others' when allowed), replies sitting where
//! their thread sits, and no commenting after a withdrawal.

use crate::beteiligung_welt::*;
use plankammer_verfahren::beteiligung::{Anfrage, Beteiligen};
use plankammer_verfahren::plan::KommentarEingabe;
use plankammer_verfahren::zugriff::Planweg;

fn punkt(x: &str, y: &str, text: &str) -> KommentarEingabe {
    KommentarEingabe {
        seite: "1".into(),
        x: x.into(),
        y: y.into(),
        text: text.into(),
        ..KommentarEingabe::default()
    }
}

fn texte(k: &[plankammer_storage::beteiligung::Kommentar]) -> Vec<&str> {
    k.iter().map(|c| c.text.as_str()).collect()
}

#[tokio::test]
async fn each_reader_sees_the_threads_the_rule_allows() {
    let w = welt().await;
    let ids =
        w.v.stellen_anfragen(
            &w.ba,
            w.vorgang,
            &Beteiligen {
                anfragen: vec![
                    anfrage(w.brandschutz),
                    anfrage(w.naturschutz),
                    Anfrage {
                        // Only the second document.
                        umfang: Some(vec![w.dokumente[1]]),
                        ..anfrage(w.gemeinde)
                    },
                ],
                ..Beteiligen::default()
            },
        )
        .await
        .unwrap();
    let (bs, ns, gd) = (ids[0], ids[1], ids[2]);
    let plan = w.versionen[0];

    // Who may look at the plan at all.
    nicht_gefunden(w.v.kommentare(&w.arch, Planweg::Version, plan).await);
    nicht_gefunden(w.v.kommentare(&w.ba_fremd, Planweg::Version, plan).await);
    nicht_gefunden(w.v.kommentare(&w.gm, Planweg::Anfrage(gd), plan).await);
    nicht_gefunden(w.v.kommentare(&w.gm, Planweg::Version, plan).await);
    nicht_gefunden(w.v.kommentare(&w.fs1, Planweg::Anfrage(ns), plan).await);
    nicht_gefunden(w.v.kommentare(&w.ba, Planweg::Anfrage(bs), plan).await);
    nicht_gefunden(
        w.v.kommentare(&w.ba, Planweg::Vorgang(w.vorgang + 1), plan)
            .await,
    );
    assert!(
        w.v.kommentare(&w.gm, Planweg::Anfrage(gd), w.versionen[1])
            .await
            .unwrap()
            .is_empty()
    );

    let (k_bs, _) =
        w.v.kommentieren(
            &w.fs1,
            Planweg::Anfrage(bs),
            plan,
            &punkt("0,5", "0.25", "Fluchtweg zu schmal?"),
        )
        .await
        .unwrap();
    w.v.kommentieren(
        &w.unb,
        Planweg::Version,
        plan,
        &KommentarEingabe {
            w: "0.2".into(),
            h: "0.1".into(),
            ..punkt("0.1", "0.1", "Baum im Baufeld.")
        },
    )
    .await
    .unwrap();
    w.v.kommentieren(
        &w.ba,
        Planweg::Vorgang(w.vorgang),
        plan,
        &punkt("0.9", "0.9", "Notiz der Bauaufsicht."),
    )
    .await
    .unwrap();
    // The Bauaufsicht's reply sits where the thread sits and reaches that Stelle.
    let (antwort, anker) =
        w.v.kommentieren(
            &w.ba,
            Planweg::Vorgang(w.vorgang),
            plan,
            &KommentarEingabe {
                antwort_auf: Some(k_bs),
                ..punkt("0.7", "0.7", "Wird nachgefordert.")
            },
        )
        .await
        .unwrap();
    assert_eq!((anker.x, anker.y), (0.5, 0.25));
    let alle = w.db.kommentare(plan).await.unwrap();
    let a = alle.iter().find(|c| c.id == antwort).unwrap();
    assert_eq!(
        (a.antwort_auf, a.beteiligung_id, a.stelle_id),
        (Some(k_bs), Some(bs), None)
    );

    let ba_sieht =
        w.v.kommentare(&w.ba, Planweg::Vorgang(w.vorgang), plan)
            .await
            .unwrap();
    assert_eq!(ba_sieht.len(), 4);
    let bs_sieht =
        w.v.kommentare(&w.fs2, Planweg::Anfrage(bs), plan)
            .await
            .unwrap();
    assert_eq!(
        texte(&bs_sieht),
        ["Fluchtweg zu schmal?", "Wird nachgefordert."]
    );
    assert_eq!(
        texte(
            &w.v.kommentare(&w.unb, Planweg::Anfrage(ns), plan)
                .await
                .unwrap()
        ),
        ["Baum im Baufeld."]
    );
    // A Stelle cannot reply to a thread it does not see.
    nicht_gefunden(
        w.v.kommentieren(
            &w.unb,
            Planweg::Anfrage(ns),
            plan,
            &KommentarEingabe {
                antwort_auf: Some(k_bs),
                ..punkt("0.5", "0.5", "Auch das?")
            },
        )
        .await,
    );
    // Allowed by the Bauaufsicht: the others' threads too.
    w.v.sichtbarkeit_setzen(&w.ba, bs, true).await.unwrap();
    assert_eq!(
        w.v.kommentare(&w.fs1, Planweg::Version, plan)
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        w.v.kommentare(&w.unb, Planweg::Anfrage(ns), plan)
            .await
            .unwrap()
            .len(),
        1,
        "only for the request it was allowed for"
    );
}

#[tokio::test]
async fn a_comment_is_checked_and_not_taken_after_a_withdrawal() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz]).await;
    let plan = w.versionen[0];
    let m = saetze(
        w.v.kommentieren(
            &w.fs1,
            Planweg::Anfrage(ids[0]),
            plan,
            &punkt("abc", "1.5", " "),
        )
        .await,
    );
    let alle = m.join(" ");
    assert!(
        alle.contains("Bitte schreiben Sie einen Kommentar."),
        "{alle}"
    );
    assert!(
        alle.contains("Die Angabe x „abc“ ist keine Zahl."),
        "{alle}"
    );
    assert!(w.db.kommentare(plan).await.unwrap().is_empty());
    // Opened, then withdrawn: still readable, no more comments.
    w.v.anfrage_oeffnen(&w.fs1, ids[0]).await.unwrap();
    w.v.kommentieren(
        &w.fs1,
        Planweg::Anfrage(ids[0]),
        plan,
        &punkt("0.5", "0.5", "Vorher."),
    )
    .await
    .unwrap();
    w.v.beteiligung_zurueckziehen(&w.ba, ids[0], "Nicht betroffen.")
        .await
        .unwrap();
    let m = konflikt(
        w.v.kommentieren(
            &w.fs1,
            Planweg::Anfrage(ids[0]),
            plan,
            &punkt("0.5", "0.5", "Nachher."),
        )
        .await,
    );
    assert!(m.contains("zurückgezogen"), "{m}");
    assert_eq!(
        texte(
            &w.v.kommentare(&w.fs1, Planweg::Anfrage(ids[0]), plan)
                .await
                .unwrap()
        ),
        ["Vorher."]
    );
}
