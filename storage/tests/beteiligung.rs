//! The Beteiligung tables on both backends: Land-wide Stellen, requests, deemed consent
//! recorded exactly once (also under concurrent workers), reminders never twice,
//! Stellungnahmen immutable with corrections superseding, a Bescheid issued once.

use chrono::NaiveDate;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::bescheid::{BescheidEntwurf, Tenor};
use plankammer_domain::beteiligung::{
    BeteiligungsZustand, Nebenbestimmung, Rolle, Schweigefolge, Zustimmung,
};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::beteiligung::{NeueBeteiligung, NeueStellungnahme, NeuerKommentar};
use plankammer_storage::testing::fresh_db;
use plankammer_storage::{Db, Konflikt, StoreError};

const T0: i64 = 1_780_000_000_000;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A draft with this tenor and nothing else.
fn entwurf(tenor: Tenor) -> BescheidEntwurf {
    BescheidEntwurf {
        verfahren: Verfahrensart::VereinfachtesVerfahren,
        tenor,
        tenor_text: String::new(),
        nebenbestimmungen: vec![],
        begruendung: String::new(),
        gebuehren: vec![],
        rechtsbehelfsbelehrung: String::new(),
    }
}

struct Welt {
    tenant: i64,
    andere: i64,
    bauaufsicht: i64,
    fach: i64,
    vorgang: i64,
}

async fn welt(db: &Db) -> Welt {
    let t = db
        .create_tenant(
            &TenantSlug::parse("kassel").unwrap(),
            "Bauaufsicht Kassel",
            T0,
        )
        .await
        .unwrap();
    let o = db
        .create_tenant(
            &TenantSlug::parse("fulda").unwrap(),
            "Bauaufsicht Fulda",
            T0,
        )
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let ba = Db::create_user(
        &mut tx,
        &Email::parse("ba@x.de").unwrap(),
        "Sachbearbeitung",
        "h",
        T0,
    )
    .await
    .unwrap();
    Db::add_membership(&mut tx, ba.id, t.id, Role::Bauaufsicht, T0)
        .await
        .unwrap();
    let fs = Db::create_user(
        &mut tx,
        &Email::parse("fs@x.de").unwrap(),
        "Brandschutz",
        "h",
        T0,
    )
    .await
    .unwrap();
    Db::add_membership(&mut tx, fs.id, t.id, Role::Fachstelle, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let v = db.create_vorgang(t.id, ba.id, "Neubau", T0).await.unwrap();
    Welt {
        tenant: t.id,
        andere: o.id,
        bauaufsicht: ba.id,
        fach: fs.id,
        vorgang: v.id,
    }
}

async fn anfrage(db: &Db, w: &Welt, stelle: i64, ende: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = Db::frage_stelle_an(
        &mut tx,
        &NeueBeteiligung {
            vorgang_id: w.vorgang,
            stelle_id: stelle,
            rolle: Rolle::Sachverstaendig,
            rechtsbereich: "Brandschutz",
            notiz: "",
            umfang: Some(&[1, 2]),
            fassung_id: None,
            start: d("2026-03-02"),
            ende: d(ende),
            rechtsgrundlage: "§ 70 Abs. 1 HBO",
            erklaerung: "1 Monat",
            behoerdlich_gesetzt: false,
            schweigefolge: Schweigefolge::ZustimmungFingiert,
            user_id: w.bauaufsicht,
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn land_wide_stellen_serve_every_tenant_own_ones_only_their_own() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let denkmal = db
        .lege_stelle_an(
            None,
            "Landesamt für Denkmalpflege",
            "Denkmalschutz",
            None,
            T0,
        )
        .await
        .unwrap();
    let eigene = db
        .lege_stelle_an(
            Some(w.tenant),
            "Brandschutzdienststelle",
            "Brandschutz",
            None,
            T0,
        )
        .await
        .unwrap();
    let fremde = db
        .lege_stelle_an(
            Some(w.andere),
            "Stadt Fulda",
            "Einvernehmen",
            Some("06631009"),
            T0,
        )
        .await
        .unwrap();
    let ids = |v: Vec<plankammer_storage::beteiligung::Stelle>| {
        v.into_iter().map(|s| s.id).collect::<Vec<_>>()
    };
    let kassel = ids(db.stellen_fuer(w.tenant).await.unwrap());
    assert!(kassel.contains(&denkmal) && kassel.contains(&eigene) && !kassel.contains(&fremde));
    let fulda = ids(db.stellen_fuer(w.andere).await.unwrap());
    assert!(fulda.contains(&denkmal) && fulda.contains(&fremde) && !fulda.contains(&eigene));
    db.fuege_stellenmitglied_hinzu(eigene, w.fach)
        .await
        .unwrap();
    assert!(matches!(
        db.fuege_stellenmitglied_hinzu(eigene, w.fach).await,
        Err(StoreError::Konflikt(_))
    ));
    assert_eq!(ids(db.stellen_von(w.fach).await.unwrap()), vec![eigene]);
}

#[tokio::test]
async fn deemed_consent_is_recorded_once_even_by_racing_workers() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let stelle = db
        .lege_stelle_an(Some(w.tenant), "Brandschutz", "", None, T0)
        .await
        .unwrap();
    db.fuege_stellenmitglied_hinzu(stelle, w.fach)
        .await
        .unwrap();
    let b = anfrage(&db, &w, stelle, "2026-04-02").await;
    let got = db.beteiligung(b).await.unwrap();
    assert_eq!(got.umfang, Some(vec![1, 2]));
    assert_eq!(got.stelle_name, "Brandschutz");
    assert_eq!(
        db.beteiligungen_fuer_mitglied(w.fach).await.unwrap().len(),
        1
    );
    assert_eq!(db.laufende_beteiligungen(w.tenant).await.unwrap().len(), 1);
    // For lists across cases: the request with its case, from one query.
    let laufend = db.laufende_anfragen(w.tenant).await.unwrap();
    assert_eq!(laufend.len(), 1);
    assert_eq!(laufend[0].beteiligung.id, b);
    assert_eq!(laufend[0].bezeichnung, "Neubau");
    assert_eq!(
        laufend[0].aktenzeichen, None,
        "not submitted through the step"
    );
    assert!(db.laufende_anfragen(w.andere).await.unwrap().is_empty());
    // The last day still counts.
    assert!(
        db.abgelaufene_beteiligungen(d("2026-04-02"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mut tx = db.begin().await.unwrap();
    assert!(
        !Db::trage_fiktion_ein(
            &mut tx,
            b,
            BeteiligungsZustand::FristAbgelaufen,
            d("2026-04-02"),
            T0
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(
        db.abgelaufene_beteiligungen(d("2026-04-03"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let mut handles = Vec::new();
    for _ in 0..4 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            let won = Db::trage_fiktion_ein(
                &mut tx,
                b,
                BeteiligungsZustand::FristAbgelaufen,
                d("2026-04-03"),
                T0 + 1,
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            won
        }));
    }
    let mut gewonnen = 0;
    for h in handles {
        gewonnen += usize::from(h.await.unwrap());
    }
    assert_eq!(gewonnen, 1, "exactly one worker records the fiction");
    let got = db.beteiligung(b).await.unwrap();
    assert_eq!(got.zustand, BeteiligungsZustand::FristAbgelaufen);
    assert_eq!(got.fiktion_at, Some(T0 + 1));
    assert!(
        db.abgelaufene_beteiligungen(d("2026-05-01"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.laufende_beteiligungen(w.tenant)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn reminders_go_out_once_and_an_extension_rearms_them() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let stelle = db
        .lege_stelle_an(Some(w.tenant), "Naturschutz", "", None, T0)
        .await
        .unwrap();
    let b = anfrage(&db, &w, stelle, "2026-04-02").await;
    let mut tx = db.begin().await.unwrap();
    assert!(Db::vermerke_erinnerung(&mut tx, b, 7).await.unwrap());
    assert!(!Db::vermerke_erinnerung(&mut tx, b, 7).await.unwrap());
    assert!(Db::vermerke_erinnerung(&mut tx, b, 1).await.unwrap());
    assert!(!Db::vermerke_erinnerung(&mut tx, b, 1).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(db.beteiligung(b).await.unwrap().erinnerungen, vec![7, 1]);
    let mut tx = db.begin().await.unwrap();
    Db::verlaengere_beteiligung(
        &mut tx,
        b,
        d("2026-04-30"),
        "verlängert: Gutachten fehlt",
        d("2026-04-01"),
        T0,
    )
    .await
    .unwrap();
    assert!(
        Db::wechsle_beteiligungszustand(
            &mut tx,
            b,
            BeteiligungsZustand::Angefragt,
            BeteiligungsZustand::Zurueckgezogen,
            Some("doppelt"),
            T0
        )
        .await
        .unwrap()
    );
    assert!(
        !Db::wechsle_beteiligungszustand(
            &mut tx,
            b,
            BeteiligungsZustand::Angefragt,
            BeteiligungsZustand::Zurueckgezogen,
            None,
            T0
        )
        .await
        .unwrap()
    );
    assert!(matches!(
        Db::verlaengere_beteiligung(&mut tx, b, d("2026-05-30"), "x", d("2026-04-01"), T0).await,
        Err(StoreError::Konflikt(Konflikt::BeteiligungNichtOffen))
    ));
    tx.commit().await.unwrap();
    let got = db.beteiligung(b).await.unwrap();
    assert_eq!((got.ende, got.erinnerungen.len()), (d("2026-04-30"), 0));
    assert!(got.behoerdlich_gesetzt);
    assert_eq!(got.grund.as_deref(), Some("doppelt"));
}

#[tokio::test]
async fn a_passed_deadline_is_neither_extended_nor_suspended() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let stelle = db
        .lege_stelle_an(Some(w.tenant), "Naturschutz", "", None, T0)
        .await
        .unwrap();
    let b = anfrage(&db, &w, stelle, "2026-04-02").await;
    // The day after the last day: the deemed consent took effect at midnight, even though
    // no job has recorded it yet. Each refusal in its own transaction (on PostgreSQL a
    // failed statement would not abort it, but the caller rolls back anyway).
    for hemmen in [false, true] {
        let mut tx = db.begin().await.unwrap();
        let r = if hemmen {
            Db::hemme_beteiligungsfrist(&mut tx, b, d("2026-04-09"), "gehemmt", d("2026-04-03"), T0)
                .await
        } else {
            Db::verlaengere_beteiligung(
                &mut tx,
                b,
                d("2026-04-30"),
                "verlängert",
                d("2026-04-03"),
                T0,
            )
            .await
        };
        assert!(
            matches!(
                r,
                Err(StoreError::Konflikt(Konflikt::BeteiligungsfristAbgelaufen))
            ),
            "hemmen: {hemmen}: {r:?}"
        );
        drop(tx);
    }
    let got = db.beteiligung(b).await.unwrap();
    assert_eq!(
        (got.ende, got.behoerdlich_gesetzt),
        (d("2026-04-02"), false)
    );
    // On the last day itself the deadline still runs.
    let mut tx = db.begin().await.unwrap();
    Db::hemme_beteiligungsfrist(&mut tx, b, d("2026-04-09"), "gehemmt", d("2026-04-02"), T0)
        .await
        .unwrap();
    Db::verlaengere_beteiligung(
        &mut tx,
        b,
        d("2026-04-30"),
        "verlängert",
        d("2026-04-09"),
        T0,
    )
    .await
    .unwrap();
    // A request that is no longer open is a different refusal, whatever the date.
    assert!(
        Db::wechsle_beteiligungszustand(
            &mut tx,
            b,
            BeteiligungsZustand::Angefragt,
            BeteiligungsZustand::Zurueckgezogen,
            None,
            T0
        )
        .await
        .unwrap()
    );
    assert!(matches!(
        Db::hemme_beteiligungsfrist(&mut tx, b, d("2026-05-09"), "x", d("2026-05-10"), T0).await,
        Err(StoreError::Konflikt(Konflikt::BeteiligungNichtOffen))
    ));
    tx.commit().await.unwrap();
    assert_eq!(db.beteiligung(b).await.unwrap().ende, d("2026-04-30"));
}

#[tokio::test]
async fn sharing_a_fassung_keeps_the_comment_visibility() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let stelle = db
        .lege_stelle_an(Some(w.tenant), "Naturschutz", "", None, T0)
        .await
        .unwrap();
    let b = anfrage(&db, &w, stelle, "2026-04-02").await;
    let mut tx = db.begin().await.unwrap();
    let f = Db::friere_fassung(&mut tx, w.vorgang, w.bauaufsicht, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Set after the page that shares the Fassung was read: sharing must not undo it.
    let mut tx = db.begin().await.unwrap();
    Db::setze_andere_kommentare_sichtbar(&mut tx, b, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    Db::teile_fassung(&mut tx, b, f.id).await.unwrap();
    tx.commit().await.unwrap();
    let got = db.beteiligung(b).await.unwrap();
    assert_eq!(got.freigegeben_fassung_id, Some(f.id));
    assert!(got.andere_kommentare_sichtbar);
}

#[tokio::test]
async fn the_case_lock_returns_the_state_and_open_requests_are_counted_in_the_transaction() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let stelle = db
        .lege_stelle_an(Some(w.tenant), "Naturschutz", "", None, T0)
        .await
        .unwrap();
    let b1 = anfrage(&db, &w, stelle, "2026-04-02").await;
    anfrage(&db, &w, stelle, "2026-04-02").await;
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        Db::sperre_vorgang(&mut tx, w.vorgang).await.unwrap(),
        Zustand::Entwurf
    );
    assert!(matches!(
        Db::sperre_vorgang(&mut tx, 999_999).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(Db::offene_anfragen(&mut tx, w.vorgang).await.unwrap(), 2);
    Db::wechsle_beteiligungszustand(
        &mut tx,
        b1,
        BeteiligungsZustand::Angefragt,
        BeteiligungsZustand::StellungnahmeAbgegeben,
        None,
        T0,
    )
    .await
    .unwrap();
    assert_eq!(
        Db::offene_anfragen(&mut tx, w.vorgang).await.unwrap(),
        1,
        "sees its own change"
    );
    tx.commit().await.unwrap();
    let updated: i64 = sqlx::query_scalar("SELECT updated_at FROM vorgaenge WHERE id = $1")
        .bind(w.vorgang)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(updated, T0, "the lock changes nothing");
}

#[tokio::test]
async fn a_stellungnahme_is_superseded_at_most_once() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let stelle = db
        .lege_stelle_an(Some(w.tenant), "Brandschutz", "", None, T0)
        .await
        .unwrap();
    let b = anfrage(&db, &w, stelle, "2026-04-02").await;
    let leer: Vec<Nebenbestimmung> = vec![];
    let neu = |ersetzt_id| NeueStellungnahme {
        beteiligung_id: b,
        ersetzt_id,
        tenor: "Zustimmung",
        zustimmung: Zustimmung::Ja,
        nebenbestimmungen: &leer,
        begruendung: "",
        verspaetet: false,
        user_id: w.fach,
    };
    let mut tx = db.begin().await.unwrap();
    let s1 = Db::gib_stellungnahme_ab(&mut tx, &neu(None), T0)
        .await
        .unwrap();
    let s2 = Db::gib_stellungnahme_ab(&mut tx, &neu(Some(s1)), T0 + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A second correction of the same one (two windows, both showing s1 as current).
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        Db::gib_stellungnahme_ab(&mut tx, &neu(Some(s1)), T0 + 2).await,
        Err(StoreError::Konflikt(Konflikt::StellungnahmeSchonKorrigiert))
    ));
    drop(tx);
    // Correcting the current one is fine, and first statements are not limited.
    let mut tx = db.begin().await.unwrap();
    Db::gib_stellungnahme_ab(&mut tx, &neu(Some(s2)), T0 + 3)
        .await
        .unwrap();
    Db::gib_stellungnahme_ab(&mut tx, &neu(None), T0 + 4)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.stellungnahmen(b).await.unwrap().len(), 4);
}

#[tokio::test]
async fn stellungnahmen_stay_and_corrections_supersede_within_their_request() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let stelle = db
        .lege_stelle_an(Some(w.tenant), "Brandschutz", "", None, T0)
        .await
        .unwrap();
    let b1 = anfrage(&db, &w, stelle, "2026-04-02").await;
    let b2 = anfrage(&db, &w, stelle, "2026-04-02").await;
    let nb = vec![Nebenbestimmung::neu(
        "1",
        "Rauchmelder in allen Aufenthaltsräumen",
    )];
    let mut tx = db.begin().await.unwrap();
    let s1 = Db::gib_stellungnahme_ab(
        &mut tx,
        &NeueStellungnahme {
            beteiligung_id: b1,
            ersetzt_id: None,
            tenor: "Zustimmung mit Auflagen",
            zustimmung: Zustimmung::MitNebenbestimmungen,
            nebenbestimmungen: &nb,
            begruendung: "",
            verspaetet: true,
            user_id: w.fach,
        },
        T0,
    )
    .await
    .unwrap();
    // A correction must belong to the same request.
    assert!(matches!(
        Db::gib_stellungnahme_ab(
            &mut tx,
            &NeueStellungnahme {
                beteiligung_id: b2,
                ersetzt_id: Some(s1),
                tenor: "x",
                zustimmung: Zustimmung::Ja,
                nebenbestimmungen: &[],
                begruendung: "",
                verspaetet: false,
                user_id: w.fach
            },
            T0,
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let s2 = Db::gib_stellungnahme_ab(
        &mut tx,
        &NeueStellungnahme {
            beteiligung_id: b1,
            ersetzt_id: Some(s1),
            tenor: "Zustimmung",
            zustimmung: Zustimmung::Ja,
            nebenbestimmungen: &[],
            begruendung: "",
            verspaetet: true,
            user_id: w.fach,
        },
        T0 + 1,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let alle = db.stellungnahmen(b1).await.unwrap();
    assert_eq!(
        alle.iter()
            .map(|s| (s.id, s.ersetzt_id))
            .collect::<Vec<_>>(),
        vec![(s1, None), (s2, Some(s1))]
    );
    assert_eq!(
        alle[0].nebenbestimmungen, nb,
        "the superseded one is kept unchanged"
    );
    assert!(db.entscheide_verspaetete(s2, true).await.unwrap());
    assert!(
        !db.entscheide_verspaetete(s2, false).await.unwrap(),
        "decided once"
    );
    assert_eq!(
        db.stellungnahmen(b1).await.unwrap()[1].beruecksichtigt,
        Some(true)
    );
}

#[tokio::test]
async fn comments_rueckfragen_and_the_bescheid() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let stelle = db
        .lege_stelle_an(Some(w.tenant), "Brandschutz", "", None, T0)
        .await
        .unwrap();
    let b = anfrage(&db, &w, stelle, "2026-04-02").await;
    let art = Anlageart::parse("2001").unwrap();
    let mut tx = db.begin().await.unwrap();
    let v = Db::add_version(
        &mut tx,
        &plankammer_storage::dokumente::NeueVersion {
            vorgang_id: w.vorgang,
            tenant_id: w.tenant,
            dokument_id: None,
            bezeichnung: "EG",
            anlageart: Some(&art),
            sha256: &"e".repeat(64),
            groesse: 1,
            dateiname: "eg.pdf",
            user_id: w.bauaufsicht,
        },
        T0,
    )
    .await
    .unwrap();
    let r = Db::stelle_rueckfrage(
        &mut tx,
        b,
        "Wo ist der zweite Rettungsweg?",
        true,
        false,
        w.fach,
        T0,
    )
    .await
    .unwrap();
    Db::beantworte_rueckfrage(&mut tx, r, "Über das Fenster im OG.", w.bauaufsicht, T0 + 1)
        .await
        .unwrap();
    assert!(
        Db::beantworte_rueckfrage(&mut tx, r, "nochmal", w.bauaufsicht, T0 + 2)
            .await
            .is_err()
    );
    tx.commit().await.unwrap();
    // A point first: the statement is prepared with NULL for w and h; a rectangle must still
    // be taken afterwards (sqlx's Any driver once declared those NULLs as float4 on
    // PostgreSQL, and the cached statement then refused the float8 of a rectangle).
    let punkt = db
        .kommentiere(
            &NeuerKommentar {
                vorgang_id: w.vorgang,
                beteiligung_id: Some(b),
                version_id: v.id,
                seite: 1,
                x: 0.9,
                y: 0.9,
                w: None,
                h: None,
                antwort_auf: None,
                text: "Schriftfeld unvollständig",
                user_id: w.fach,
                stelle_id: Some(stelle),
            },
            T0,
        )
        .await
        .unwrap();
    let k = db
        .kommentiere(
            &NeuerKommentar {
                vorgang_id: w.vorgang,
                beteiligung_id: Some(b),
                version_id: v.id,
                seite: 1,
                x: 0.25,
                y: 0.5,
                w: Some(0.1),
                h: Some(0.05),
                antwort_auf: None,
                text: "Treppe zu schmal",
                user_id: w.fach,
                stelle_id: Some(stelle),
            },
            T0,
        )
        .await
        .unwrap();
    db.kommentiere(
        &NeuerKommentar {
            vorgang_id: w.vorgang,
            beteiligung_id: Some(b),
            version_id: v.id,
            seite: 1,
            x: 0.25,
            y: 0.5,
            w: None,
            h: None,
            antwort_auf: Some(k),
            text: "Wird geprüft",
            user_id: w.bauaufsicht,
            stelle_id: None,
        },
        T0 + 1,
    )
    .await
    .unwrap();
    let ks = db.kommentare(v.id).await.unwrap();
    assert_eq!(ks.len(), 3);
    assert_eq!((ks[0].id, ks[0].x, ks[0].w), (punkt, 0.9, None));
    assert_eq!((ks[1].x, ks[1].w, ks[1].h), (0.25, Some(0.1), Some(0.05)));
    assert_eq!(ks[2].antwort_auf, Some(k));
    assert_eq!(
        db.rueckfragen(b).await.unwrap()[0].antwort.as_deref(),
        Some("Über das Fenster im OG.")
    );

    let e1 = db
        .speichere_bescheid_mit_plaenen(
            w.vorgang,
            &entwurf(Tenor::Genehmigung),
            &[],
            w.bauaufsicht,
            T0,
        )
        .await
        .unwrap();
    let e2 = db
        .speichere_bescheid_mit_plaenen(
            w.vorgang,
            &entwurf(Tenor::Ablehnung),
            &[],
            w.bauaufsicht,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(e1, e2, "one draft per case");
    db.record_blob(&"f".repeat(64)).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(
        Db::erlasse_bescheid(&mut tx, e1, "2026/1", &"f".repeat(64), w.bauaufsicht, T0)
            .await
            .unwrap()
    );
    assert!(
        !Db::erlasse_bescheid(&mut tx, e1, "2026/2", &"f".repeat(64), w.bauaufsicht, T0)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let b1 = db.bescheid_akte(e1).await.unwrap();
    assert_eq!((b1.erlassen, b1.nummer.as_deref()), (true, Some("2026/1")));
    assert_eq!(b1.inhalt.tenor, Tenor::Ablehnung);
    // After issuing, a new draft may be started (e.g. a change permit).
    let e3 = db
        .speichere_bescheid_mit_plaenen(
            w.vorgang,
            &entwurf(Tenor::Genehmigung),
            &[],
            w.bauaufsicht,
            T0,
        )
        .await
        .unwrap();
    assert_ne!(e3, e1);
}
