//! Who reads which requests (zugriff.rs): a member's inbox (only its Stellen's requests, from
//! the request on, withdrawn ones included), the tenant's running requests, the Stellen a
//! tenant may ask, and a member's request it may still act on.

use crate::beteiligung_welt::*;
use plankammer_domain::beteiligung::BeteiligungsZustand;
use plankammer_storage::now_millis;
use plankammer_verfahren::Fehler;

fn verboten<T: std::fmt::Debug>(r: Result<T, Fehler>) {
    assert!(matches!(r, Err(Fehler::KeineBerechtigung)), "{r:?}");
}

#[tokio::test]
async fn a_members_inbox_holds_its_stellens_requests_from_the_request_on() {
    let w = welt().await;
    let ids = w.frage_an(&[w.brandschutz, w.gemeinde]).await;
    let (bs, gm) = (ids[0], ids[1]);
    for wer in [&w.fs1, &w.fs2] {
        let liste = w.v.anfragen_des_mitglieds(wer).await.unwrap();
        assert_eq!(liste.iter().map(|b| b.id).collect::<Vec<_>>(), vec![bs]);
    }
    let liste = w.v.anfragen_des_mitglieds(&w.gm).await.unwrap();
    assert_eq!(liste.iter().map(|b| b.id).collect::<Vec<_>>(), vec![gm]);
    assert!(w.v.anfragen_des_mitglieds(&w.unb).await.unwrap().is_empty());
    for wer in [&w.ba, &w.arch, &w.ba_fremd] {
        verboten(w.v.anfragen_des_mitglieds(wer).await);
    }
    // A request dated in the future (a clock ahead on another machine) is not shown yet.
    sqlx::query("UPDATE beteiligungen SET angefragt_at = $2 WHERE id = $1")
        .bind(gm)
        .bind(now_millis() + 3_600_000)
        .execute(w.db.pool())
        .await
        .unwrap();
    assert!(w.v.anfragen_des_mitglieds(&w.gm).await.unwrap().is_empty());
    // Withdrawn: still listed.
    w.v.beteiligung_zurueckziehen(&w.ba, bs, "Nicht mehr nötig")
        .await
        .unwrap();
    let liste = w.v.anfragen_des_mitglieds(&w.fs1).await.unwrap();
    assert_eq!(liste[0].zustand, BeteiligungsZustand::Zurueckgezogen);
}

#[tokio::test]
async fn the_tenants_case_workers_see_its_running_requests_and_the_stellen_to_ask() {
    let w = welt().await;
    let ids = w
        .frage_an(&[w.brandschutz, w.gemeinde, w.naturschutz])
        .await;
    let laufend: Vec<i64> =
        w.v.laufende_beteiligungen(&w.ba)
            .await
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect();
    assert_eq!(laufend.len(), 3);
    assert!(
        w.v.laufende_beteiligungen(&w.ba_fremd)
            .await
            .unwrap()
            .is_empty()
    );
    for wer in [&w.arch, &w.fs1] {
        verboten(w.v.laufende_beteiligungen(wer).await);
        verboten(w.v.anfragbare_stellen(wer).await);
    }
    w.v.beteiligung_zurueckziehen(&w.ba, ids[0], "Doppelt")
        .await
        .unwrap();
    let laufend = w.v.laufende_beteiligungen(&w.ba).await.unwrap();
    assert_eq!(laufend.len(), 2, "a withdrawn request no longer runs");
    let mut stellen: Vec<i64> =
        w.v.anfragbare_stellen(&w.ba)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
    stellen.sort_unstable();
    let mut erwartet = vec![w.brandschutz, w.gemeinde, w.naturschutz];
    erwartet.sort_unstable();
    assert_eq!(stellen, erwartet);
    // The neighbour may ask only the Land-wide one.
    let fremd: Vec<i64> =
        w.v.anfragbare_stellen(&w.ba_fremd)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
    assert_eq!(fremd, vec![w.naturschutz]);
}

#[tokio::test]
async fn a_withdrawn_request_is_read_but_not_acted_on() {
    let w = welt().await;
    let bid = w.frage_an(&[w.brandschutz]).await[0];
    assert_eq!(w.v.anfrage_zum_handeln(&w.fs1, bid).await.unwrap().id, bid);
    for wer in [&w.gm, &w.ba, &w.arch, &w.ba_fremd] {
        nicht_gefunden(w.v.anfrage_zum_handeln(wer, bid).await);
    }
    w.v.beteiligung_zurueckziehen(&w.ba, bid, "Nicht mehr nötig")
        .await
        .unwrap();
    assert_eq!(
        konflikt(w.v.anfrage_zum_handeln(&w.fs1, bid).await),
        "Die Bauaufsicht hat diese Anfrage zurückgezogen; Sie können dazu nichts mehr einreichen."
    );
    assert!(w.v.beteiligung_des_mitglieds(&w.fs1, bid).await.is_ok());
}
