//! The deadline scheduler: a passed Nachforderung deadline becomes due exactly once, however
//! often and from however many workers the job runs, with one timeline entry and one mail
//! per case worker; the due deadline can then be confirmed once (Rücknahmefiktion) or
//! extended back to running.

use plankammer_domain::antrag::Angaben;
use plankammer_domain::frist::{FristArt, FristZustand};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::antrag::NeueFrist;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::testing::fresh_db;
use plankammer_storage::{Db, now_millis};
use plankammer_verfahren::{Einstellungen, Verfahren};
use plankammer_workers::fristen::{heute_berlin, pruefe_fristen};

/// The procedure the job calls (the clock needs no documents: any folder will do).
fn config(db: &Db) -> Verfahren {
    let blobs = BlobStore::from_url(&format!("file://{}", std::env::temp_dir().display())).unwrap();
    Verfahren::neu(
        db.clone(),
        blobs,
        Einstellungen::fuer_url("http://127.0.0.1:8080"),
    )
}

struct Fall {
    vorgang: i64,
    frist: i64,
}

async fn user(db: &Db, tenant: i64, email: &str, role: Role) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let u = Db::create_user(
        &mut tx,
        &Email::parse(email).unwrap(),
        &format!("Person {email}"),
        "x",
        now_millis(),
    )
    .await
    .unwrap();
    Db::add_membership(&mut tx, u.id, tenant, role, now_millis())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    u.id
}

/// A case in Nachforderung whose deadline ended `tage_her` days ago.
async fn fall(db: &Db, tenant: i64, owner: i64, tage_her: u64) -> Fall {
    let now = now_millis();
    let v = db
        .create_vorgang(tenant, owner, "Neubau Garage", now)
        .await
        .unwrap();
    let heute = heute_berlin();
    let ende = heute - chrono::Days::new(tage_her);
    let start = ende - chrono::Days::new(30);
    let mut tx = db.begin().await.unwrap();
    Db::setze_angaben(
        &mut tx,
        v.id,
        "Neubau Garage",
        Verfahrensart::VereinfachtesVerfahren,
        &Angaben::default(),
        now,
    )
    .await
    .unwrap();
    Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, Zustand::Eingegangen, now)
        .await
        .unwrap();
    Db::wechsle_zustand(
        &mut tx,
        v.id,
        Zustand::Eingegangen,
        Zustand::Nachforderung,
        now,
    )
    .await
    .unwrap();
    let frist = Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: v.id,
            art: FristArt::Nachforderung,
            rechtsgrundlage: "§ 70 Abs. 2 HBO",
            start,
            ende,
            erklaerung: "Fristende: gesetzt.",
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Fall {
        vorgang: v.id,
        frist,
    }
}

async fn anzahl(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_passed_deadline_becomes_due_exactly_once() {
    let (db, _dir) = fresh_db().await;
    let tenant = db
        .create_tenant(&TenantSlug::parse("kreis").unwrap(), "Kreis", now_millis())
        .await
        .unwrap()
        .id;
    let owner = user(&db, tenant, "arch@example.org", Role::Antragsteller).await;
    user(&db, tenant, "ba@example.org", Role::Bauaufsicht).await;
    let abgelaufen = fall(&db, tenant, owner, 1).await;
    // Ends today: not passed yet (it runs to the end of the day).
    let heute = fall(&db, tenant, owner, 0).await;

    let cfg = config(&db);
    let n1 = pruefe_fristen(&cfg, heute_berlin(), now_millis())
        .await
        .unwrap();
    let n2 = pruefe_fristen(&cfg, heute_berlin(), now_millis())
        .await
        .unwrap();
    assert_eq!((n1, n2), (1, 0));
    assert_eq!(
        db.frist(abgelaufen.frist).await.unwrap().zustand,
        FristZustand::Faellig
    );
    assert_eq!(
        db.frist(heute.frist).await.unwrap().zustand,
        FristZustand::Laeuft
    );
    let eintraege = db.ereignisse(abgelaufen.vorgang).await.unwrap();
    let abgel: Vec<_> = eintraege
        .iter()
        .filter(|e| e.art == Eintragsart::FristAbgelaufen)
        .collect();
    assert_eq!(abgel.len(), 1);
    assert_eq!(abgel[0].zustand, None, "no state change");
    assert_eq!(
        anzahl(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1",
            tenant
        )
        .await,
        1,
        "one mail, to the one case worker"
    );
    let (an, betreff): (String, String) =
        sqlx::query_as("SELECT recipient, subject FROM outbox WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(an, "ba@example.org");
    assert!(
        betreff.contains("Nachforderungsfrist abgelaufen"),
        "{betreff}"
    );
    // The case itself did not move: the fiction needs a person's confirmation.
    assert_eq!(
        db.antrag(abgelaufen.vorgang).await.unwrap().zustand,
        Zustand::Nachforderung
    );

    // The confirmation is a compare-and-set too: once.
    let mut tx = db.begin().await.unwrap();
    assert!(
        Db::wechsle_fristzustand(
            &mut tx,
            abgelaufen.frist,
            FristZustand::Faellig,
            FristZustand::Ausgeloest,
            now_millis()
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(
        !Db::wechsle_fristzustand(
            &mut tx,
            abgelaufen.frist,
            FristZustand::Faellig,
            FristZustand::Ausgeloest,
            now_millis()
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn concurrent_runs_mark_each_deadline_once() {
    let (db, _dir) = fresh_db().await;
    let tenant = db
        .create_tenant(&TenantSlug::parse("kreis").unwrap(), "Kreis", now_millis())
        .await
        .unwrap()
        .id;
    let owner = user(&db, tenant, "arch@example.org", Role::Antragsteller).await;
    user(&db, tenant, "ba1@example.org", Role::Bauaufsicht).await;
    user(&db, tenant, "ba2@example.org", Role::Bauaufsicht).await;
    let mut faelle = Vec::new();
    for i in 0..5 {
        faelle.push(fall(&db, tenant, owner, 1 + i).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let db = db.clone();
        tasks.spawn(async move {
            pruefe_fristen(&config(&db), heute_berlin(), now_millis())
                .await
                .unwrap()
        });
    }
    let mut summe = 0;
    while let Some(n) = tasks.join_next().await {
        summe += n.unwrap();
    }
    assert_eq!(summe, 5, "every deadline marked by exactly one run");
    for f in &faelle {
        assert_eq!(
            db.frist(f.frist).await.unwrap().zustand,
            FristZustand::Faellig
        );
        assert_eq!(
            anzahl(
                &db,
                "SELECT COUNT(*) FROM ereignisse WHERE vorgang_id = $1 AND art = 'frist_abgelaufen'",
                f.vorgang
            )
            .await,
            1
        );
    }
    // Two case workers, five deadlines: ten mails.
    assert_eq!(
        anzahl(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1",
            tenant
        )
        .await,
        10
    );
}

#[tokio::test]
async fn an_extension_puts_a_due_deadline_back_to_running() {
    let (db, _dir) = fresh_db().await;
    let tenant = db
        .create_tenant(&TenantSlug::parse("kreis").unwrap(), "Kreis", now_millis())
        .await
        .unwrap()
        .id;
    let owner = user(&db, tenant, "arch@example.org", Role::Antragsteller).await;
    let f = fall(&db, tenant, owner, 2).await;
    pruefe_fristen(&config(&db), heute_berlin(), now_millis())
        .await
        .unwrap();
    assert_eq!(
        db.frist(f.frist).await.unwrap().zustand,
        FristZustand::Faellig
    );
    let neu = heute_berlin() + chrono::Days::new(14);
    let mut tx = db.begin().await.unwrap();
    Db::verlaengere_frist(
        &mut tx,
        f.frist,
        neu,
        "Verlängert: Statiker erkrankt",
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let x = db.frist(f.frist).await.unwrap();
    assert_eq!((x.zustand, x.ende), (FristZustand::Laeuft, neu));
    // Not passed any more: the next run leaves it alone.
    assert_eq!(
        pruefe_fristen(&config(&db), heute_berlin(), now_millis())
            .await
            .unwrap(),
        0
    );
    // A deadline of a case that moved on is closed, not made due.
    let g = fall(&db, tenant, owner, 1).await;
    let mut tx = db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        g.vorgang,
        Zustand::Nachforderung,
        Zustand::Nachgereicht,
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        pruefe_fristen(&config(&db), heute_berlin(), now_millis())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        db.frist(g.frist).await.unwrap().zustand,
        FristZustand::Erledigt
    );
}
