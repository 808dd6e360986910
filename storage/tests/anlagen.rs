//! Attachments (Anlagen) of a Stellungnahme on both backends: they never appear among the
//! case's Bauvorlagen (document list, Fassung, quota, new versions, type), a submitted
//! Stellungnahme freezes the versions it carries, and a frozen attachment cannot be removed.

use chrono::NaiveDate;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::beteiligung::{Rolle, Schweigefolge, Zustimmung};
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::beteiligung::{NeueBeteiligung, NeueStellungnahme};
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::testing::fresh_db;
use plankammer_storage::{Db, StoreError};

const T0: i64 = 1_780_000_000_000;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Removes an attachment in a transaction of its own.
async fn entferne(db: &Db, bid: i64, dokument_id: i64, now: i64) -> bool {
    let mut tx = db.begin().await.unwrap();
    let r = Db::entferne_anlage(&mut tx, bid, dokument_id, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    r
}

struct Welt {
    tenant: i64,
    user: i64,
    vorgang: i64,
    stelle: i64,
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
    let mut tx = db.begin().await.unwrap();
    let u = Db::create_user(
        &mut tx,
        &Email::parse("ba@x.de").unwrap(),
        "Sachbearbeitung",
        "h",
        T0,
    )
    .await
    .unwrap();
    Db::add_membership(&mut tx, u.id, t.id, Role::Bauaufsicht, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let v = db.create_vorgang(t.id, u.id, "Neubau", T0).await.unwrap();
    let stelle = db
        .lege_stelle_an(Some(t.id), "Brandschutz", "Brandschutz", None, T0)
        .await
        .unwrap();
    Welt {
        tenant: t.id,
        user: u.id,
        vorgang: v.id,
        stelle,
    }
}

async fn anfrage(db: &Db, w: &Welt, vorgang: i64) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = Db::frage_stelle_an(
        &mut tx,
        &NeueBeteiligung {
            vorgang_id: vorgang,
            stelle_id: w.stelle,
            rolle: Rolle::Sachverstaendig,
            rechtsbereich: "Brandschutz",
            notiz: "",
            umfang: None,
            fassung_id: None,
            start: d("2026-03-02"),
            ende: d("2026-04-02"),
            rechtsgrundlage: "§ 70 Abs. 1 HBO",
            erklaerung: "1 Monat",
            behoerdlich_gesetzt: false,
            schweigefolge: Schweigefolge::ZustimmungFingiert,
            user_id: w.user,
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Records a version of `groesse` bytes; as an attachment of `anlage_von` if given.
async fn lege_an(
    db: &Db,
    w: &Welt,
    name: &str,
    groesse: i64,
    anlage_von: Option<i64>,
) -> Result<(i64, i64), StoreError> {
    let mut tx = db.begin().await?;
    let sha = format!("{:0>64}", name.len() * 7 + groesse as usize);
    let v = Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: w.vorgang,
            tenant_id: w.tenant,
            dokument_id: None,
            bezeichnung: name,
            anlageart: None,
            sha256: &sha,
            groesse,
            dateiname: &format!("{name}.pdf"),
            user_id: w.user,
        },
        T0,
    )
    .await?;
    if let Some(bid) = anlage_von {
        Db::markiere_als_anlage(&mut tx, v.dokument_id, bid).await?;
    }
    tx.commit().await?;
    Ok((v.dokument_id, v.id))
}

async fn stellungnahme(db: &Db, w: &Welt, bid: i64, ersetzt: Option<i64>) -> (i64, u64) {
    let nb = [];
    let mut tx = db.begin().await.unwrap();
    let sid = Db::gib_stellungnahme_ab(
        &mut tx,
        &NeueStellungnahme {
            beteiligung_id: bid,
            ersetzt_id: ersetzt,
            tenor: "Keine Bedenken",
            zustimmung: Zustimmung::Ja,
            nebenbestimmungen: &nb,
            begruendung: "",
            verspaetet: false,
            user_id: w.user,
        },
        T0,
    )
    .await
    .unwrap();
    let n = Db::verknuepfe_anlagen(&mut tx, bid, sid).await.unwrap();
    tx.commit().await.unwrap();
    (sid, n)
}

#[tokio::test]
async fn attachments_stay_out_of_the_bauvorlagen() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let bid = anfrage(&db, &w, w.vorgang).await;
    let (grundriss, _) = lege_an(&db, &w, "Grundriss", 1000, None).await.unwrap();
    let (gutachten, v_gutachten) = lege_an(&db, &w, "Gutachten", 300, Some(bid)).await.unwrap();

    let docs = db.dokumente(w.vorgang).await.unwrap();
    assert_eq!(
        docs.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![grundriss]
    );
    assert_eq!(db.vorgang_bytes(w.vorgang).await.unwrap(), 1000);
    assert_eq!(db.anlagen_bytes(bid).await.unwrap(), 300);
    assert_eq!(db.anlage_beteiligung(gutachten).await.unwrap(), Some(bid));
    assert_eq!(db.anlage_beteiligung(grundriss).await.unwrap(), None);
    assert_eq!(
        db.anlagen_versionen_des_vorgangs(w.vorgang).await.unwrap(),
        vec![v_gutachten]
    );

    let mut tx = db.begin().await.unwrap();
    let f = Db::friere_fassung(&mut tx, w.vorgang, w.user, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let frozen = db.fassung_dokumente(f.id).await.unwrap();
    assert_eq!(
        frozen.iter().map(|d| d.dokument_id).collect::<Vec<_>>(),
        vec![grundriss]
    );

    // No new version of an attachment through the Bauvorlagen path, no type either.
    let mut tx = db.begin().await.unwrap();
    let e = Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: w.vorgang,
            tenant_id: w.tenant,
            dokument_id: Some(gutachten),
            bezeichnung: "",
            anlageart: None,
            sha256: &"a".repeat(64),
            groesse: 1,
            dateiname: "x.pdf",
            user_id: w.user,
        },
        T0,
    )
    .await;
    assert!(matches!(e, Err(StoreError::NotFound)), "{e:?}");
    drop(tx);
    assert!(
        !db.setze_anlageart(w.vorgang, gutachten, &Anlageart::parse("2001").unwrap())
            .await
            .unwrap()
    );
    assert!(
        db.setze_anlageart(w.vorgang, grundriss, &Anlageart::parse("2001").unwrap())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn an_attachment_belongs_to_a_request_of_its_own_case() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let anderer = db
        .create_vorgang(w.tenant, w.user, "Anderer Fall", T0)
        .await
        .unwrap();
    let fremde_anfrage = anfrage(&db, &w, anderer.id).await;
    let e = lege_an(&db, &w, "Gutachten", 10, Some(fremde_anfrage)).await;
    assert!(matches!(e, Err(StoreError::NotFound)), "{e:?}");
    // The transaction was not committed: nothing remains.
    assert!(db.anlagen(fremde_anfrage).await.unwrap().is_empty());
    assert_eq!(db.dokumente(w.vorgang).await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_submitted_stellungnahme_freezes_its_attachments() {
    let (db, _d) = fresh_db().await;
    let w = welt(&db).await;
    let bid = anfrage(&db, &w, w.vorgang).await;
    let (a1, v1) = lege_an(&db, &w, "Gutachten", 10, Some(bid)).await.unwrap();
    let (a2, _) = lege_an(&db, &w, "Entwurf", 20, Some(bid)).await.unwrap();
    // Removed before submission: not carried.
    assert!(entferne(&db, bid, a2, T0 + 1).await);
    assert!(!entferne(&db, bid, a2, T0 + 2).await, "twice");
    let (s1, n) = stellungnahme(&db, &w, bid, None).await;
    assert_eq!(n, 1);
    // Carried by a submitted Stellungnahme: cannot be removed any more.
    assert!(!entferne(&db, bid, a1, T0 + 3).await);
    // Another request cannot remove it either (wrong request id).
    let andere = anfrage(&db, &w, w.vorgang).await;
    assert!(!entferne(&db, andere, a1, T0 + 3).await);
    let (a3, v3) = lege_an(&db, &w, "Nachtrag", 30, Some(bid)).await.unwrap();

    let aktuell = db.anlagen(bid).await.unwrap();
    assert_eq!(
        aktuell
            .iter()
            .map(|a| (a.dokument_id, a.abgegeben_mit.clone()))
            .collect::<Vec<_>>(),
        vec![(a1, vec![s1]), (a3, vec![])]
    );

    // The correction carries what is current at its submission; the first keeps its list.
    let (s2, n) = stellungnahme(&db, &w, bid, Some(s1)).await;
    assert_eq!(n, 2);
    let links: Vec<(i64, i64)> = db
        .anlagen_verknuepfungen(bid)
        .await
        .unwrap()
        .into_iter()
        .map(|(s, v)| (s, v.id))
        .collect();
    assert_eq!(links, vec![(s1, v1), (s2, v1), (s2, v3)]);
    assert!(!entferne(&db, bid, a3, T0 + 4).await);
    // A Stellungnahme of another request links nothing of this one.
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        Db::verknuepfe_anlagen(&mut tx, andere, s2).await.unwrap(),
        0
    );
    tx.commit().await.unwrap();
    assert!(db.anlagen_verknuepfungen(andere).await.unwrap().is_empty());
}
