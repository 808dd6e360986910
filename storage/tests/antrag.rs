//! The Antrag tables on both backends: Aktenzeichen numbers, Fassungen, invitations and
//! Freizeichnung, the timeline, deadlines fired once, the inbox's filters and paging, and
//! the bulk seeding of measurements.

use chrono::NaiveDate;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::Angaben;
use plankammer_domain::freizeichnung::Freizeichnungsinhalt;
use plankammer_domain::frist::{FristArt, FristZustand};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::Db;
use plankammer_storage::antrag::{EingangsFilter, NeueFrist, NeuesEreignis};
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::testing::fresh_db;
use plankammer_storage::{Konflikt, StoreError};

const T0: i64 = 1_780_000_000_000;

fn tag(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Angaben with only the Gemeinde filled in (what the inbox filters on).
fn angaben_in(ags: &str) -> Angaben {
    let mut g = Angaben::default();
    g.grundstueck.gemeinde_ags = ags.into();
    g
}

async fn setup(db: &Db) -> (i64, i64, i64) {
    let t = db
        .create_tenant(
            &TenantSlug::parse("kassel").unwrap(),
            "Bauaufsicht Kassel",
            T0,
        )
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let u = Db::create_user(
        &mut tx,
        &Email::parse("a@example.de").unwrap(),
        "Architektin",
        "h",
        T0,
    )
    .await
    .unwrap();
    Db::add_membership(&mut tx, u.id, t.id, Role::Antragsteller, T0)
        .await
        .unwrap();
    let b = Db::create_user(
        &mut tx,
        &Email::parse("b@example.de").unwrap(),
        "Bauherr",
        "h",
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (t.id, u.id, b.id)
}

async fn version(
    db: &Db,
    tenant: i64,
    vorgang: i64,
    user: i64,
    dokument: Option<i64>,
    sha: &str,
) -> (i64, i64) {
    let mut tx = db.begin().await.unwrap();
    let grundrisse = Anlageart::parse("2001").unwrap();
    let v = Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: vorgang,
            tenant_id: tenant,
            dokument_id: dokument,
            bezeichnung: "Grundriss EG",
            anlageart: Some(&grundrisse),
            sha256: sha,
            groesse: 10,
            dateiname: "eg.pdf",
            user_id: user,
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (v.dokument_id, v.id)
}

#[tokio::test]
async fn aktenzeichen_numbers_count_up_per_year_and_are_never_reused() {
    let (db, _d) = fresh_db().await;
    let (t, _, _) = setup(&db).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let mut tx = db.begin().await.unwrap();
        let az = Db::naechstes_aktenzeichen(&mut tx, t, 2026).await.unwrap();
        // The default format {kuerzel}-{jahr}-{nummer:5} with the short name "BA".
        assert!(az.as_str().starts_with("BA-2026-"), "{az}");
        let n: i64 = az.as_str().rsplit('-').next().unwrap().parse().unwrap();
        seen.push(n);
        // A rolled-back transaction gives its number back; committed ones never.
        tx.commit().await.unwrap();
    }
    assert_eq!(seen, vec![1, 2, 3]);
    let format = db.aktenzeichen_format(t).await.unwrap();
    assert_eq!(format.kuerzel(), "BA");
    assert!(format.format().contains("{nummer"));
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        Db::naechstes_aktenzeichen(&mut tx, t, 2027)
            .await
            .unwrap()
            .as_str(),
        "BA-2027-00001"
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn fassungen_freeze_the_newest_version_of_each_present_document() {
    let (db, _d) = fresh_db().await;
    let (t, u, _) = setup(&db).await;
    let v = db.create_vorgang(t, u, "Neubau", T0).await.unwrap();
    let (d1, v1) = version(&db, t, v.id, u, None, &"a".repeat(64)).await;
    let (d2, _) = version(&db, t, v.id, u, None, &"b".repeat(64)).await;
    let mut tx = db.begin().await.unwrap();
    let f1 = Db::friere_fassung(&mut tx, v.id, u, T0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(f1.nummer, 1);
    // Replace d1, withdraw d2, add d3.
    let (_, v1b) = version(&db, t, v.id, u, Some(d1), &"c".repeat(64)).await;
    let mut tx = db.begin().await.unwrap();
    assert!(Db::entferne_dokument(&mut tx, d2, T0).await.unwrap());
    assert!(
        !Db::entferne_dokument(&mut tx, d2, T0).await.unwrap(),
        "once"
    );
    tx.commit().await.unwrap();
    assert!(db.entfernte_dokumente(v.id).await.unwrap().contains(&d2));
    let (d3, _) = version(&db, t, v.id, u, None, &"d".repeat(64)).await;
    let mut tx = db.begin().await.unwrap();
    let f2 = Db::friere_fassung(&mut tx, v.id, u, T0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(f2.nummer, 2);
    let a = db.fassung_dokumente(f1.id).await.unwrap();
    let b = db.fassung_dokumente(f2.id).await.unwrap();
    assert_eq!(
        a.iter()
            .map(|d| (d.dokument_id, d.version_id))
            .collect::<Vec<_>>()[0],
        (d1, v1)
    );
    assert_eq!(a.len(), 2, "Fassung 1 still holds both");
    assert_eq!(
        b.iter().map(|d| d.dokument_id).collect::<Vec<_>>(),
        vec![d1, d3]
    );
    assert_eq!(b[0].version_id, v1b);
    assert_eq!(db.fassungen(v.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn state_changes_and_deadlines_happen_once() {
    let (db, _d) = fresh_db().await;
    let (t, u, _) = setup(&db).await;
    let v = db.create_vorgang(t, u, "Neubau", T0).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, Zustand::Eingegangen, T0)
        .await
        .unwrap();
    assert!(matches!(
        Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, Zustand::Eingegangen, T0).await,
        Err(StoreError::Konflikt(Konflikt::ZustandGeaendert))
    ));
    let f = Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: v.id,
            art: FristArt::Nachforderung,
            rechtsgrundlage: "§ 70 Abs. 2 HBO",
            start: tag("2026-03-31"),
            ende: tag("2026-04-30"),
            erklaerung: "…",
        },
        T0,
    )
    .await
    .unwrap();
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: v.id,
            user_id: Some(u),
            art: Eintragsart::Nachfordern,
            zustand: Some(Zustand::Nachforderung),
            status_code: Some("17"),
            text: "Unterlagen nachgefordert",
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        db.antrag(v.id).await.unwrap().naechste_frist,
        Some(tag("2026-04-30"))
    );
    assert!(
        db.abgelaufene_fristen(FristArt::Nachforderung, tag("2026-04-30"), 10)
            .await
            .unwrap()
            .is_empty(),
        "the last day still counts"
    );
    assert!(
        db.abgelaufene_fristen(FristArt::Entscheidung, tag("2026-05-01"), 10)
            .await
            .unwrap()
            .is_empty(),
        "one kind at a time"
    );
    let due = db
        .abgelaufene_fristen(FristArt::Nachforderung, tag("2026-05-01"), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let mut tx = db.begin().await.unwrap();
    assert!(
        Db::wechsle_fristzustand(&mut tx, f, FristZustand::Laeuft, FristZustand::Faellig, T0)
            .await
            .unwrap()
    );
    assert!(
        !Db::wechsle_fristzustand(&mut tx, f, FristZustand::Laeuft, FristZustand::Faellig, T0)
            .await
            .unwrap()
    );
    Db::verlaengere_frist(&mut tx, f, tag("2026-05-15"), "verlängert", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.frist(f).await.unwrap().zustand, FristZustand::Laeuft);
    assert_eq!(
        db.antrag(v.id).await.unwrap().naechste_frist,
        Some(tag("2026-05-15"))
    );
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        Db::erledige_fristen(&mut tx, v.id, FristArt::Nachforderung, T0)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    assert_eq!(db.antrag(v.id).await.unwrap().naechste_frist, None);
    let e = db.ereignisse(v.id).await.unwrap();
    assert_eq!(
        e.iter().map(|e| e.art).collect::<Vec<_>>(),
        vec![Eintragsart::Angelegt, Eintragsart::Nachfordern],
        "the timeline starts with the case"
    );
    assert_eq!(e[1].user_name.as_deref(), Some("Architektin"));
}

#[tokio::test]
async fn an_invitation_is_used_once_and_freizeichnung_is_recorded_once() {
    let (db, _d) = fresh_db().await;
    let (t, u, b) = setup(&db).await;
    let v = db.create_vorgang(t, u, "Neubau", T0).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let id = Db::lade_beteiligten_ein(&mut tx, v.id, "b@example.de", "Tom Becker", "hash1", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        Db::lade_beteiligten_ein(&mut tx, v.id, "b@example.de", "Tom Becker", "hash2", T0).await,
        Err(StoreError::Konflikt(Konflikt::BeteiligterVorhanden))
    ));
    drop(tx);
    assert_eq!(db.beteiligter_per_einladung("hash1").await.unwrap().id, id);
    let mut tx = db.begin().await.unwrap();
    Db::nimm_einladung_an(&mut tx, id, b, T0).await.unwrap();
    let inhalt = Freizeichnungsinhalt::neu("angaben".into(), Vec::new());
    Db::zeichne_frei(&mut tx, v.id, b, &inhalt, "h1", T0 + 1)
        .await
        .unwrap();
    assert!(
        Db::zeichne_frei(&mut tx, v.id, b, &inhalt, "h1", T0 + 2)
            .await
            .is_err()
    );
    tx.commit().await.unwrap();
    assert!(matches!(
        db.beteiligter_per_einladung("hash1").await,
        Err(StoreError::NotFound)
    ));
    let bs = db.beteiligte(v.id).await.unwrap();
    assert_eq!(bs[0].freigezeichnet_at, Some(T0 + 1));
    assert_eq!(db.vorgaenge_als_beteiligter(b).await.unwrap()[0].id, v.id);
}

#[tokio::test]
async fn the_inbox_filters_and_pages_by_keyset() {
    let (db, _d) = fresh_db().await;
    let (t, u, _) = setup(&db).await;
    let mut ids = Vec::new();
    for i in 0..25 {
        let v = db.create_vorgang(t, u, &format!("V{i}"), T0).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        Db::setze_angaben(
            &mut tx,
            v.id,
            &format!("V{i}"),
            if i % 2 == 0 {
                Verfahrensart::VereinfachtesVerfahren
            } else {
                Verfahrensart::Baugenehmigungsverfahren
            },
            &angaben_in(if i % 5 == 0 { "06611000" } else { "06414000" }),
            T0,
        )
        .await
        .unwrap();
        if i < 20 {
            Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, Zustand::Eingegangen, T0)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        ids.push(v.id);
    }
    let alle = |vor_id| EingangsFilter {
        limit: 8,
        vor_id,
        ..Default::default()
    };
    let p1 = db.eingang(t, &alle(None)).await.unwrap();
    assert_eq!(p1.len(), 8);
    assert_eq!(p1[0].id, ids[19], "drafts are not in the inbox");
    let p2 = db.eingang(t, &alle(Some(p1[7].id))).await.unwrap();
    assert_eq!(p2[0].id, ids[11]);
    let p3 = db.eingang(t, &alle(Some(p2[7].id))).await.unwrap();
    assert_eq!(p3.len(), 4);
    let kassel = db
        .eingang(
            t,
            &EingangsFilter {
                gemeinde_ags: Some("06611000".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        kassel
            .iter()
            .map(|a| a.bezeichnung.as_str())
            .collect::<Vec<_>>(),
        vec!["V15", "V10", "V5", "V0"]
    );
    let vereinfacht = db
        .eingang(
            t,
            &EingangsFilter {
                verfahren: Some(Verfahrensart::VereinfachtesVerfahren),
                zustand: Some(Zustand::Eingegangen),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(vereinfacht.len(), 10);
    // Drafts can be edited, submitted cases cannot.
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        Db::setze_angaben(
            &mut tx,
            ids[0],
            "x",
            Verfahrensart::VereinfachtesVerfahren,
            &Angaben::default(),
            T0
        )
        .await,
        Err(StoreError::Konflikt(Konflikt::VorgangNichtImEntwurf))
    ));
    Db::setze_angaben(
        &mut tx,
        ids[24],
        "x",
        Verfahrensart::VereinfachtesVerfahren,
        &Angaben::default(),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn bulk_seeded_cases_keep_their_order_and_the_offset_page_is_the_keyset_page() {
    use plankammer_storage::testing::messung::{NeuerMessvorgang, ZEILEN_JE_INSERT};
    let (db, _d) = fresh_db().await;
    let (t, u, b) = setup(&db).await;
    let anderer = db
        .create_tenant(
            &TenantSlug::parse("fulda").unwrap(),
            "Bauaufsicht Fulda",
            T0,
        )
        .await
        .unwrap()
        .id;
    // More than two statements' worth, the last one short; the tenants interleaved.
    let n = 2 * ZEILEN_JE_INSERT + 7;
    let typisiert: Vec<Angaben> = (0..n)
        .map(|i| {
            let mut a = Angaben::default();
            a.bauvorhaben.bezeichnung = format!("V{i}");
            a.grundstueck.gemeinde_ags = "06611000".into();
            a
        })
        .collect();
    let angaben: Vec<serde_json::Value> = typisiert
        .iter()
        .map(|a| serde_json::to_value(a).unwrap())
        .collect();
    let namen: Vec<String> = (0..n).map(|i| format!("V{i}")).collect();
    let aktenzeichen: Vec<String> = (0..n).map(|i| format!("BA-2026-{i:05}")).collect();
    let faelle: Vec<NeuerMessvorgang> = (0..n)
        .map(|i| NeuerMessvorgang {
            tenant_id: if i % 3 == 2 { anderer } else { t },
            owner_user_id: if i % 2 == 0 { u } else { b },
            bezeichnung: &namen[i],
            verfahren: Some("vereinfacht"),
            zustand: if i % 10 == 0 {
                "entwurf"
            } else {
                "eingegangen"
            },
            aktenzeichen: (i % 10 != 0).then_some(aktenzeichen[i].as_str()),
            angaben: &angaben[i],
            gemeinde_ags: Some("06611000"),
            eingereicht_at: (i % 10 != 0).then_some(T0 + i as i64),
            naechste_frist: None,
            created_at: T0 + i as i64,
            updated_at: T0 + i as i64,
        })
        .collect();
    let ids = db.saee_vorgaenge(&faelle).await.unwrap();
    assert_eq!(ids.len(), n);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    for (i, id) in ids.iter().enumerate() {
        let a = db.antrag(*id).await.unwrap();
        assert_eq!(a.bezeichnung, namen[i]);
        assert_eq!(a.angaben.as_ref(), Some(&typisiert[i]));
    }

    let im_eingang: Vec<i64> = (0..n)
        .rev()
        .filter(|i| i % 3 != 2 && i % 10 != 0)
        .map(|i| ids[i])
        .collect();
    let seite = |vor_id| EingangsFilter {
        limit: 10,
        vor_id,
        ..Default::default()
    };
    let erste = db.eingang(t, &seite(None)).await.unwrap();
    assert_eq!(
        erste.iter().map(|a| a.id).collect::<Vec<_>>(),
        &im_eingang[..10]
    );
    let dritte = db.eingang(t, &seite(Some(im_eingang[19]))).await.unwrap();
    let per_offset = db.eingang_per_offset(t, 10, 20).await.unwrap();
    assert_eq!(per_offset, dritte);
    assert_eq!(
        per_offset.iter().map(|a| a.id).collect::<Vec<_>>(),
        &im_eingang[20..30]
    );
    assert!(
        !db.eingang_per_offset_plan(t, 10, 20)
            .await
            .unwrap()
            .is_empty()
    );

    db.analysiere_vorgaenge().await.unwrap();
    assert!(db.groesse_vorgaenge().await.unwrap() > 0);
    let version = db.datenbankversion().await.unwrap();
    assert!(
        version.starts_with(|c: char| c.is_ascii_digit()),
        "{version}"
    );
}

#[tokio::test]
async fn checklists_are_versioned_per_tenant_and_procedure() {
    let (db, _d) = fresh_db().await;
    let (t, u, _) = setup(&db).await;
    let v = Verfahrensart::VereinfachtesVerfahren;
    assert_eq!(db.checkliste(t, v).await.unwrap(), None);
    assert_eq!(
        db.speichere_checkliste(t, v, "{\"a\":1}", Some(u), T0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        db.speichere_checkliste(t, v, "{\"a\":2}", Some(u), T0)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        db.checkliste(t, v).await.unwrap(),
        Some((2, "{\"a\":2}".into()))
    );
    let mut tx = db.begin().await.unwrap();
    Db::setze_profil(&mut tx, u, &serde_json::json!({"kammer": "AKH"}))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.profil(u).await.unwrap()["kammer"], "AKH");
}
