//! `beteiligung.fristen`: a passed request deadline gets its deemed consent exactly once
//! (also with concurrent runs), reminders go out once per reminder day, and a passed
//! decision deadline in the vereinfachtes Verfahren makes the permit count as granted once.

use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::antrag::NeueFrist;
use plankammer_storage::beteiligung::NeueBeteiligung;
use plankammer_storage::testing::fresh_db;
use plankammer_storage::{Db, now_millis};
use plankammer_workers::beteiligung::{
    BeteiligungsfristenConfig, FRISTEN, Lauf, pruefe_beteiligungsfristen,
};
use plankammer_workers::fristen::heute_berlin;

fn config() -> BeteiligungsfristenConfig {
    BeteiligungsfristenConfig::new("http://127.0.0.1:8080".into(), "plankammer.test".into())
}

const TAG_MS: i64 = 24 * 3600 * 1000;

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

/// A tenant with an applicant, a case worker and a Stelle with two members.
struct Welt {
    tenant: i64,
    owner: i64,
    ba: i64,
    stelle: i64,
}

async fn welt(db: &Db) -> Welt {
    let tenant = db
        .create_tenant(&TenantSlug::parse("kreis").unwrap(), "Kreis", now_millis())
        .await
        .unwrap()
        .id;
    let owner = user(db, tenant, "arch@example.org", Role::Antragsteller).await;
    let ba = user(db, tenant, "ba@example.org", Role::Bauaufsicht).await;
    let stelle = db
        .lege_stelle_an(
            Some(tenant),
            "Untere Naturschutzbehörde",
            "",
            None,
            now_millis(),
        )
        .await
        .unwrap();
    for email in ["unb1@example.org", "unb2@example.org"] {
        let m = user(db, tenant, email, Role::Antragsteller).await;
        db.fuege_stellenmitglied_hinzu(stelle, m).await.unwrap();
    }
    Welt {
        tenant,
        owner,
        ba,
        stelle,
    }
}

/// A case in `zustand` (vereinfachtes Verfahren).
async fn vorgang(db: &Db, w: &Welt, zustand: &str) -> i64 {
    let now = now_millis();
    let v = db
        .create_vorgang(w.tenant, w.owner, "Neubau Garage", now)
        .await
        .unwrap();
    db.setze_angaben(
        v.id,
        "Neubau Garage",
        "vereinfacht",
        &serde_json::json!({}),
        None,
        now,
    )
    .await
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    Db::wechsle_zustand(&mut tx, v.id, "entwurf", zustand, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    v.id
}

fn tag(tage: i64) -> String {
    (heute_berlin() + chrono::Duration::days(tage))
        .format("%Y-%m-%d")
        .to_string()
}

/// A request to the Stelle, asked 30 days ago, whose last day is `ende` days from today.
async fn anfrage(db: &Db, w: &Welt, vorgang: i64, ende: i64, schweigefolge: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = Db::frage_stelle_an(
        &mut tx,
        &NeueBeteiligung {
            vorgang_id: vorgang,
            stelle_id: w.stelle,
            rolle: "1",
            rechtsbereich: "Naturschutz",
            notiz: "",
            umfang: None,
            fassung_id: None,
            start: &tag(-30),
            ende: &tag(ende),
            rechtsgrundlage: "§ 70 Abs. 1 HBO",
            erklaerung: "Ein Monat.",
            behoerdlich_gesetzt: false,
            schweigefolge,
            user_id: w.ba,
        },
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("UPDATE beteiligungen SET angefragt_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_millis() - 30 * TAG_MS)
        .execute(db.pool())
        .await
        .unwrap();
    id
}

async fn anzahl(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn empfaenger(db: &Db, tenant: i64) -> Vec<(String, String)> {
    sqlx::query_as("SELECT recipient, subject FROM outbox WHERE tenant_id = $1 ORDER BY recipient")
        .bind(tenant)
        .fetch_all(db.pool())
        .await
        .unwrap()
}

async fn lauf(db: &Db) -> Lauf {
    pruefe_beteiligungsfristen(db, &config(), heute_berlin(), now_millis())
        .await
        .unwrap()
}

#[test]
fn the_job_has_its_name() {
    assert_eq!(FRISTEN, "beteiligung.fristen");
}

#[tokio::test]
async fn a_passed_request_gets_its_deemed_consent_exactly_once() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let v = vorgang(&db, &w, "beteiligung").await;
    let abgelaufen = anfrage(&db, &w, v, -1, "zustimmung").await;
    // Ends today: it runs to the end of the day.
    let heute = anfrage(&db, &w, v, 0, "zustimmung").await;
    // Suppress the reminder for the request ending today: only the fiction is looked at.
    sqlx::query("UPDATE beteiligungen SET erinnerungen = '7,1' WHERE id = $1")
        .bind(heute)
        .execute(db.pool())
        .await
        .unwrap();

    let l1 = lauf(&db).await;
    let l2 = lauf(&db).await;
    assert_eq!((l1.fiktionen, l2.fiktionen), (1, 0));
    assert_eq!((l1.erinnerungen, l2.erinnerungen), (0, 0));
    let b = db.beteiligung(abgelaufen).await.unwrap();
    assert_eq!(b.zustand, "frist_abgelaufen");
    assert!(b.fiktion_at.is_some());
    let h = db.beteiligung(heute).await.unwrap();
    assert_eq!((h.zustand.as_str(), h.fiktion_at), ("angefragt", None));

    let e: Vec<_> = db
        .ereignisse(v)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == "zustimmung_fingiert")
        .collect();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].text.contains("Untere Naturschutzbehörde")
            && e[0].text.contains("Zustimmung gilt als erteilt")
            && e[0].text.contains("§ 70 Abs. 1 HBO"),
        "{}",
        e[0].text
    );
    let an: Vec<String> = empfaenger(&db, w.tenant)
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        an,
        ["ba@example.org", "unb1@example.org", "unb2@example.org"],
        "the case worker and the Stelle's members, once each"
    );
}

#[tokio::test]
async fn concurrent_runs_record_each_fiction_once() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let mut anfragen = Vec::new();
    for i in 0..4 {
        let v = vorgang(&db, &w, "beteiligung").await;
        let folge = if i % 2 == 0 {
            "zustimmung"
        } else {
            "einvernehmen"
        };
        anfragen.push((v, anfrage(&db, &w, v, -1 - i, folge).await, folge));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let db = db.clone();
        tasks.spawn(async move { lauf(&db).await.fiktionen });
    }
    let mut summe = 0;
    while let Some(n) = tasks.join_next().await {
        summe += n.unwrap();
    }
    assert_eq!(summe, 4, "every request by exactly one run");
    for (v, b, folge) in &anfragen {
        assert_eq!(
            db.beteiligung(*b).await.unwrap().zustand,
            "frist_abgelaufen"
        );
        let art = format!("{folge}_fingiert");
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ereignisse WHERE vorgang_id = $1 AND art = $2",
        )
        .bind(*v)
        .bind(&art)
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(n, 1, "{art}");
    }
    // One case worker and two Stelle members, four requests.
    assert_eq!(
        anzahl(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1",
            w.tenant
        )
        .await,
        12
    );
    assert_eq!(lauf(&db).await, Lauf::default(), "nothing left to do");
}

#[tokio::test]
async fn reminders_go_out_once_per_reminder_day() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let v = vorgang(&db, &w, "beteiligung").await;
    let sieben = anfrage(&db, &w, v, 7, "zustimmung").await;

    let l = lauf(&db).await;
    assert_eq!(l.erinnerungen, 1);
    assert_eq!(db.beteiligung(sieben).await.unwrap().erinnerungen, vec![7]);
    let mails = empfaenger(&db, w.tenant).await;
    assert_eq!(
        mails.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        ["unb1@example.org", "unb2@example.org"],
        "one reminder, to the Stelle's members"
    );
    assert!(
        mails[0].1.contains("Erinnerung: Stellungnahme bis"),
        "{}",
        mails[0].1
    );
    assert_eq!(lauf(&db).await.erinnerungen, 0, "never twice");
    assert_eq!(empfaenger(&db, w.tenant).await.len(), 2);

    // One day left, the 7-day reminder already out: the 1-day one.
    sqlx::query("UPDATE beteiligungen SET ende = $2 WHERE id = $1")
        .bind(sieben)
        .bind(tag(1))
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(lauf(&db).await.erinnerungen, 1);
    assert_eq!(
        db.beteiligung(sieben).await.unwrap().erinnerungen,
        vec![7, 1]
    );
    assert_eq!(empfaenger(&db, w.tenant).await.len(), 4);
    assert_eq!(lauf(&db).await.erinnerungen, 0);
    assert_eq!(empfaenger(&db, w.tenant).await.len(), 4);

    // A request one day before its end that never had a reminder: one mail, both days
    // recorded.
    let eins = anfrage(&db, &w, v, 1, "zustimmung").await;
    assert_eq!(lauf(&db).await.erinnerungen, 1);
    let mut e = db.beteiligung(eins).await.unwrap().erinnerungen;
    e.sort_unstable();
    assert_eq!(e, vec![1, 7]);
    assert_eq!(empfaenger(&db, w.tenant).await.len(), 6);
    assert_eq!(lauf(&db).await, Lauf::default());
}

/// A case in `zustand` with a decision deadline that ended `tage_her` days ago.
async fn entscheidungsfrist(db: &Db, w: &Welt, zustand: &str, tage_her: i64) -> (i64, i64) {
    let v = vorgang(db, w, zustand).await;
    let mut tx = db.begin().await.unwrap();
    let f = Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: v,
            art: "entscheidung",
            rechtsgrundlage: "§ 65 Abs. 2 HBO",
            start: &tag(-tage_her - 90),
            ende: &tag(-tage_her),
            erklaerung: "Drei Monate.",
        },
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (v, f)
}

#[tokio::test]
async fn a_passed_decision_deadline_makes_the_permit_count_as_granted_once() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let (v, f) = entscheidungsfrist(&db, &w, "vollstaendig", 1).await;
    // An accepted Bauherrschaft is told too; a pending invitation is not.
    let mut tx = db.begin().await.unwrap();
    Db::lade_beteiligten_ein(
        &mut tx,
        v,
        "bh@example.org",
        "Bauherrin",
        "h1",
        now_millis(),
    )
    .await
    .unwrap();
    Db::lade_beteiligten_ein(&mut tx, v, "offen@example.org", "Offen", "h2", now_millis())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("UPDATE beteiligte SET angenommen_at = $2 WHERE email = $1")
        .bind("bh@example.org")
        .bind(now_millis())
        .execute(db.pool())
        .await
        .unwrap();
    // Ends today: not passed.
    let (heute_v, heute_f) = entscheidungsfrist(&db, &w, "beteiligung", 0).await;

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let db = db.clone();
        tasks.spawn(async move { lauf(&db).await.genehmigungsfiktionen });
    }
    let mut summe = 0;
    while let Some(n) = tasks.join_next().await {
        summe += n.unwrap();
    }
    assert_eq!(summe, 1);
    assert_eq!(lauf(&db).await.genehmigungsfiktionen, 0);

    assert_eq!(db.antrag(v).await.unwrap().zustand, "genehmigungsfiktion");
    assert_eq!(db.frist(f).await.unwrap().zustand, "ausgeloest");
    let e: Vec<_> = db
        .ereignisse(v)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == "genehmigungsfiktion_eintreten")
        .collect();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].status_code.as_deref(), Some("58"));
    assert_eq!(e[0].zustand.as_deref(), Some("genehmigungsfiktion"));
    let an: Vec<String> = empfaenger(&db, w.tenant)
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        an,
        ["arch@example.org", "ba@example.org", "bh@example.org"],
        "the applicants and the case worker, once each"
    );

    assert_eq!(db.antrag(heute_v).await.unwrap().zustand, "beteiligung");
    assert_eq!(db.frist(heute_f).await.unwrap().zustand, "laeuft");
}

#[tokio::test]
async fn a_decided_case_gets_no_fiction_and_its_deadline_is_closed() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let (v, f) = entscheidungsfrist(&db, &w, "genehmigt", 2).await;
    assert_eq!(lauf(&db).await, Lauf::default());
    assert_eq!(db.antrag(v).await.unwrap().zustand, "genehmigt");
    assert_eq!(db.frist(f).await.unwrap().zustand, "erledigt");
    assert_eq!(
        anzahl(
            &db,
            "SELECT COUNT(*) FROM ereignisse WHERE vorgang_id = $1 AND art = 'genehmigungsfiktion_eintreten'",
            v
        )
        .await,
        0
    );
    assert!(empfaenger(&db, w.tenant).await.is_empty());

    // Outside the vereinfachtes Verfahren a passed decision deadline is left alone.
    let (g, gf) = entscheidungsfrist(&db, &w, "vollstaendig", 2).await;
    sqlx::query("UPDATE vorgaenge SET verfahren = 'baugenehmigung' WHERE id = $1")
        .bind(g)
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(lauf(&db).await, Lauf::default());
    assert_eq!(db.antrag(g).await.unwrap().zustand, "vollstaendig");
    assert_eq!(db.frist(gf).await.unwrap().zustand, "laeuft");
}
