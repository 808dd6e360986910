//! `beteiligung.fristen`: a passed request deadline gets its deemed consent exactly once
//! (also with concurrent runs), reminders go out once per reminder day, and a passed
//! decision deadline in the vereinfachtes Verfahren makes the permit count as granted once.

use plankammer_domain::antrag::Angaben;
use plankammer_domain::beteiligung::BeteiligungsZustand;
use plankammer_domain::frist::{FristArt, FristZustand};
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::antrag::NeueFrist;
use plankammer_storage::beteiligung::NeueBeteiligung;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::testing::fresh_db;
use plankammer_storage::{Db, now_millis};
use plankammer_verfahren::{Einstellungen, Verfahren};
use plankammer_workers::beteiligung::{FRISTEN, Lauf, pruefe_beteiligungsfristen};
use plankammer_workers::fristen::heute_berlin;

/// The procedure the job calls (the clock needs no documents: any folder will do).
fn config(db: &Db) -> Verfahren {
    let blobs = BlobStore::from_url(&format!("file://{}", std::env::temp_dir().display())).unwrap();
    Verfahren::neu(
        db.clone(),
        blobs,
        Einstellungen::fuer_url("http://127.0.0.1:8080"),
    )
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
async fn vorgang(db: &Db, w: &Welt, zustand: Zustand) -> i64 {
    let now = now_millis();
    let v = db
        .create_vorgang(w.tenant, w.owner, "Neubau Garage", now)
        .await
        .unwrap();
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
    Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, zustand, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    v.id
}

fn tag(tage: i64) -> NaiveDate {
    heute_berlin() + chrono::Duration::days(tage)
}

/// A request to the Stelle, asked 30 days ago, whose last day is `ende` days from today.
async fn anfrage(db: &Db, w: &Welt, vorgang: i64, ende: i64, schweigefolge: &str) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = Db::frage_stelle_an(
        &mut tx,
        &NeueBeteiligung {
            vorgang_id: vorgang,
            stelle_id: w.stelle,
            rolle: Rolle::Zustaendig,
            rechtsbereich: "Naturschutz",
            notiz: "",
            umfang: None,
            fassung_id: None,
            start: tag(-30),
            ende: tag(ende),
            rechtsgrundlage: "§ 70 Abs. 1 HBO",
            erklaerung: "Ein Monat.",
            behoerdlich_gesetzt: false,
            schweigefolge: Schweigefolge::from_code(schweigefolge).unwrap(),
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
    pruefe_beteiligungsfristen(&config(db), heute_berlin(), now_millis())
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
    let v = vorgang(&db, &w, Zustand::Beteiligung).await;
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
    assert_eq!(b.zustand, BeteiligungsZustand::FristAbgelaufen);
    assert!(b.fiktion_at.is_some());
    let h = db.beteiligung(heute).await.unwrap();
    assert_eq!(
        (h.zustand, h.fiktion_at),
        (BeteiligungsZustand::Angefragt, None)
    );

    let e: Vec<_> = db
        .ereignisse(v)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == Eintragsart::ZustimmungFingiert)
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
        let v = vorgang(&db, &w, Zustand::Beteiligung).await;
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
            BeteiligungsZustand::FristAbgelaufen
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
    // One case worker and two Stelle members, four requests; and as each case had only
    // this request, each Beteiligung closes with one mail to the applicant.
    assert_eq!(
        anzahl(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE tenant_id = $1",
            w.tenant
        )
        .await,
        12 + 4
    );
    assert_eq!(lauf(&db).await, Lauf::default(), "nothing left to do");
}

#[tokio::test]
async fn reminders_go_out_once_per_reminder_day() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let v = vorgang(&db, &w, Zustand::Beteiligung).await;
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
        .bind(tag(1).to_string())
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
async fn entscheidungsfrist(db: &Db, w: &Welt, zustand: Zustand, tage_her: i64) -> (i64, i64) {
    let v = vorgang(db, w, zustand).await;
    let mut tx = db.begin().await.unwrap();
    let f = Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: v,
            art: FristArt::Entscheidung,
            rechtsgrundlage: "§ 65 Abs. 2 HBO",
            start: tag(-tage_her - 90),
            ende: tag(-tage_her),
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
    let (v, f) = entscheidungsfrist(&db, &w, Zustand::Vollstaendig, 1).await;
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
    let (heute_v, heute_f) = entscheidungsfrist(&db, &w, Zustand::Beteiligung, 0).await;

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

    assert_eq!(
        db.antrag(v).await.unwrap().zustand,
        Zustand::Genehmigungsfiktion
    );
    assert_eq!(db.frist(f).await.unwrap().zustand, FristZustand::Ausgeloest);
    let e: Vec<_> = db
        .ereignisse(v)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == Eintragsart::GenehmigungsfiktionEintreten)
        .collect();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].status_code.as_deref(), Some("58"));
    assert_eq!(e[0].zustand, Some(Zustand::Genehmigungsfiktion));
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

    assert_eq!(
        db.antrag(heute_v).await.unwrap().zustand,
        Zustand::Beteiligung
    );
    assert_eq!(
        db.frist(heute_f).await.unwrap().zustand,
        FristZustand::Laeuft
    );
}

#[tokio::test]
async fn a_decided_case_gets_no_fiction_and_its_deadline_is_closed() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let (v, f) = entscheidungsfrist(&db, &w, Zustand::Genehmigt, 2).await;
    assert_eq!(lauf(&db).await, Lauf::default());
    assert_eq!(db.antrag(v).await.unwrap().zustand, Zustand::Genehmigt);
    assert_eq!(db.frist(f).await.unwrap().zustand, FristZustand::Erledigt);
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
    let (g, gf) = entscheidungsfrist(&db, &w, Zustand::Vollstaendig, 2).await;
    sqlx::query("UPDATE vorgaenge SET verfahren = 'baugenehmigung' WHERE id = $1")
        .bind(g)
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(lauf(&db).await, Lauf::default());
    assert_eq!(db.antrag(g).await.unwrap().zustand, Zustand::Vollstaendig);
    assert_eq!(db.frist(gf).await.unwrap().zustand, FristZustand::Laeuft);
}

// --- The clock walks ---------------------------------------------------------------------
//
// A controllable clock walks through 2027, hour by hour around every deadline and day by
// day in between, and two workers run the job at every step. Each effect must happen at
// exactly the first hour of the German day after (fiction) or on (reminder) its day —
// across Karfreitag and Ostermontag, Fronleichnam, a short February, and both changes of
// daylight saving time — and never twice.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use plankammer_domain::bescheid::{
    VERLAENGERUNG_HOECHSTENS, VerlaengerungsFehler, verlaengerung_zulaessig,
};
use plankammer_domain::beteiligung::{Rolle, Schweigefolge, fristvorschlag_standard};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_storage::uhr::berlin_datum;
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A request asked on `angefragt` (a German day, 10:00 local), its deadline computed by the
/// engine for `rolle`, as the Bauaufsicht's page does it.
async fn anfrage_am(
    db: &Db,
    w: &Welt,
    stelle: i64,
    vorgang: i64,
    rolle: Rolle,
    angefragt: &str,
) -> (i64, NaiveDate) {
    let v = fristvorschlag_standard(rolle, Verfahrensart::VereinfachtesVerfahren, d(angefragt))
        .unwrap();
    let ende = v.ende.ende;
    let folge = v.schweigefolge;
    let um = utc(&format!("{angefragt}T09:00:00Z")).timestamp_millis();
    let mut tx = db.begin().await.unwrap();
    let id = Db::frage_stelle_an(
        &mut tx,
        &NeueBeteiligung {
            vorgang_id: vorgang,
            stelle_id: stelle,
            rolle,
            rechtsbereich: "",
            notiz: "",
            umfang: None,
            fassung_id: None,
            start: d(angefragt),
            ende,
            rechtsgrundlage: &v.rechtsgrundlage,
            erklaerung: &v.erklaerung.join("\n"),
            behoerdlich_gesetzt: false,
            schweigefolge: folge,
            user_id: w.ba,
        },
        um,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (id, ende)
}

/// What one request looked like at each step: state and reminders sent.
#[derive(Debug, Default)]
struct Beobachtung {
    fiktion: Option<DateTime<Utc>>,
    erinnerung: BTreeMap<u32, DateTime<Utc>>,
}

#[tokio::test]
async fn a_clock_walking_through_2027_fires_every_effect_on_its_day_and_once() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let gemeinde = db
        .lege_stelle_an(
            Some(w.tenant),
            "Gemeinde Musterstadt",
            "",
            Some("06611000"),
            now_millis(),
        )
        .await
        .unwrap();
    let gm = user(&db, w.tenant, "gemeinde@example.org", Role::Antragsteller).await;
    db.fuege_stellenmitglied_hinzu(gemeinde, gm).await.unwrap();
    let v = vorgang(&db, &w, Zustand::Beteiligung).await;

    // The engine's deadlines, checked by hand against the calendar first.
    // Asked Friday 26.02.: one month ends on Karfreitag 26.03.; Saturday, Sunday and
    // Ostermontag follow, so it ends on Tuesday 30.03. (§ 193 BGB).
    let (karfreitag, e1) = anfrage_am(&db, &w, w.stelle, v, Rolle::Zustaendig, "2027-02-26").await;
    assert_eq!(e1, d("2027-03-30"));
    // The Gemeinde, asked Saturday 27.03.: two months end on Fronleichnam 27.05. → Friday.
    let (fronleichnam, e2) = anfrage_am(&db, &w, gemeinde, v, Rolle::Gemeinde, "2027-03-27").await;
    assert_eq!(e2, d("2027-05-28"));
    // Asked Sunday 31.01.: February has no 31st, 28.02. is a Sunday → Monday 01.03.
    let (monatsende, e3) = anfrage_am(&db, &w, w.stelle, v, Rolle::Zustaendig, "2027-01-31").await;
    assert_eq!(e3, d("2027-03-01"));
    // Asked 30.09.: ends Saturday 30.10.; Sunday 31.10. is the end of summer time → 01.11.
    let (herbst, e4) = anfrage_am(&db, &w, w.stelle, v, Rolle::Sachverstaendig, "2027-09-30").await;
    assert_eq!(e4, d("2027-11-01"));
    // Answered in time: no fiction and no reminder after the answer.
    let (beantwortet, e5) = anfrage_am(&db, &w, w.stelle, v, Rolle::Zustaendig, "2027-06-01").await;
    assert_eq!(e5, d("2027-07-01"));

    // The decision deadline of a second case (vereinfachtes Verfahren, three months from
    // 29.01.), extended once before its end by the most § 65 Abs. 2 HBO allows.
    let v2 = vorgang(&db, &w, Zustand::Vollstaendig).await;
    let mut tx = db.begin().await.unwrap();
    let entscheidung = Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: v2,
            art: FristArt::Entscheidung,
            rechtsgrundlage: "§ 65 Abs. 2 HBO",
            start: d("2027-01-29"),
            ende: plankammer_domain::frist::berechne(
                d("2027-01-29"),
                plankammer_domain::frist::Dauer::Monate(3),
            )
            .unwrap()
            .ende,
            erklaerung: "Drei Monate.",
        },
        utc("2027-01-29T09:00:00Z").timestamp_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.frist(entscheidung).await.unwrap().ende, d("2027-04-29"));
    let verlaengert_am = utc("2027-04-20T08:00:00Z");
    let spaetestens = plankammer_domain::bescheid::spaetestes_verlaengertes_ende(
        d("2027-04-29"),
        VERLAENGERUNG_HOECHSTENS,
    )
    .unwrap();
    assert_eq!(
        spaetestens,
        d("2027-06-29"),
        "two months from the old end (§ 190 BGB)"
    );

    // Every hour from two days before a German day of interest to two days after, and
    // noon UTC on every other day of the walk.
    let mut tage_von_interesse: Vec<NaiveDate> =
        vec![e1, e2, e3, e4, e5, d("2027-04-29"), spaetestens];
    for e in [e1, e2, e3, e4, e5, spaetestens] {
        tage_von_interesse.push(e - chrono::Duration::days(7));
    }
    let mut schritte: Vec<DateTime<Utc>> = Vec::new();
    let mut t = utc("2027-01-31T12:00:00Z");
    while t < utc("2027-11-05T00:00:00Z") {
        schritte.push(t);
        t += chrono::Duration::days(1);
    }
    for tag in &tage_von_interesse {
        let mut h = Utc.from_utc_datetime(
            &(*tag - chrono::Duration::days(2))
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        );
        let bis = h + chrono::Duration::days(5);
        while h < bis {
            schritte.push(h);
            h += chrono::Duration::hours(1);
        }
    }
    schritte.sort();
    schritte.dedup();

    let beobachtet = [karfreitag, fronleichnam, monatsende, herbst, beantwortet];
    let mut b: BTreeMap<i64, Beobachtung> = beobachtet
        .iter()
        .map(|id| (*id, Beobachtung::default()))
        .collect();
    let mut genehmigungsfiktion: Option<DateTime<Utc>> = None;
    let mut abgeschlossen: Option<DateTime<Utc>> = None;
    let mut verlaengert = false;
    let mut geantwortet = false;
    for t in schritte {
        let (heute, now) = (berlin_datum(t), t.timestamp_millis());
        if !verlaengert && t >= verlaengert_am {
            // The case worker's extension: allowed once, before the end, by two months.
            verlaengerung_zulaessig(
                0,
                d("2027-04-29"),
                spaetestens,
                VERLAENGERUNG_HOECHSTENS,
                heute,
            )
            .unwrap();
            let mut tx = db.begin().await.unwrap();
            Db::verlaengere_frist(&mut tx, entscheidung, d("2027-06-29"), "Verlängert.", now)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(
                verlaengerung_zulaessig(
                    1,
                    spaetestens,
                    d("2027-07-30"),
                    VERLAENGERUNG_HOECHSTENS,
                    heute
                ),
                Err(VerlaengerungsFehler::SchonVerlaengert),
                "only once"
            );
            verlaengert = true;
        }
        if !geantwortet && t >= utc("2027-06-20T08:00:00Z") {
            let mut tx = db.begin().await.unwrap();
            assert!(
                Db::wechsle_beteiligungszustand(
                    &mut tx,
                    beantwortet,
                    BeteiligungsZustand::Angefragt,
                    BeteiligungsZustand::StellungnahmeAbgegeben,
                    None,
                    now
                )
                .await
                .unwrap()
            );
            tx.commit().await.unwrap();
            geantwortet = true;
        }
        // Two workers at the same time.
        let c = config(&db);
        let (l1, l2) = tokio::join!(
            pruefe_beteiligungsfristen(&c, heute, now),
            pruefe_beteiligungsfristen(&c, heute, now)
        );
        let (l1, l2) = (l1.unwrap(), l2.unwrap());
        for (id, beob) in b.iter_mut() {
            let x = db.beteiligung(*id).await.unwrap();
            if x.fiktion_at.is_some() && beob.fiktion.is_none() {
                assert_eq!(x.fiktion_at, Some(now), "recorded at the step that saw it");
                beob.fiktion = Some(t);
            }
            for tage in x.erinnerungen {
                beob.erinnerung.entry(tage).or_insert(t);
            }
        }
        if abgeschlossen.is_none()
            && db.antrag(v).await.unwrap().zustand == Zustand::BeteiligungAbgeschlossen
        {
            abgeschlossen = Some(t);
        }
        if genehmigungsfiktion.is_none()
            && db.antrag(v2).await.unwrap().zustand == Zustand::Genehmigungsfiktion
        {
            genehmigungsfiktion = Some(t);
        }
        assert!(
            l1.fiktionen + l2.fiktionen <= 1
                && l1.genehmigungsfiktionen + l2.genehmigungsfiktionen <= 1
        );
    }

    let e = |s: &str| Some(utc(s));
    // Karfreitag: winter time until 28.03., so the 7-day reminder comes at 23:00 UTC; the
    // 1-day reminder (Ostermontag) and the fiction in summer time at 22:00 UTC.
    assert_eq!(
        b[&karfreitag].erinnerung.get(&7).copied(),
        e("2027-03-22T23:00:00Z")
    );
    assert_eq!(
        b[&karfreitag].erinnerung.get(&1).copied(),
        e("2027-03-28T22:00:00Z")
    );
    assert_eq!(
        b[&karfreitag].fiktion,
        e("2027-03-30T22:00:00Z"),
        "from Wednesday 31.03., 00:00"
    );
    assert_eq!(
        b[&fronleichnam].erinnerung.get(&7).copied(),
        e("2027-05-20T22:00:00Z")
    );
    assert_eq!(
        b[&fronleichnam].erinnerung.get(&1).copied(),
        e("2027-05-26T22:00:00Z")
    );
    assert_eq!(b[&fronleichnam].fiktion, e("2027-05-28T22:00:00Z"));
    assert_eq!(
        b[&monatsende].fiktion,
        e("2027-03-01T23:00:00Z"),
        "winter time"
    );
    // Autumn: the 1-day reminder on Sunday 31.10. still at 22:00 UTC (00:00 CEST), the
    // fiction after the change at 23:00 UTC (00:00 CET).
    assert_eq!(
        b[&herbst].erinnerung.get(&7).copied(),
        e("2027-10-24T22:00:00Z")
    );
    assert_eq!(
        b[&herbst].erinnerung.get(&1).copied(),
        e("2027-10-30T22:00:00Z")
    );
    assert_eq!(b[&herbst].fiktion, e("2027-11-01T23:00:00Z"));
    // Answered before its end: no fiction; the 7-day reminder (24.06.) came after the answer
    // (20.06.) and so never went out.
    assert_eq!(b[&beantwortet].fiktion, None);
    assert!(
        b[&beantwortet].erinnerung.is_empty(),
        "{:?}",
        b[&beantwortet].erinnerung
    );
    // The last open request's fiction closes the Beteiligung (09), in the same step.
    assert_eq!(abgeschlossen, e("2027-11-01T23:00:00Z"));
    // Not on the old end (29.04.), but after the extended one (Tuesday 29.06.).
    assert_eq!(genehmigungsfiktion, e("2027-06-29T22:00:00Z"));

    // Exactly once: one timeline entry per fiction, with its legal basis.
    let ereignisse = db.ereignisse(v).await.unwrap();
    let zaehle = |art: Eintragsart| ereignisse.iter().filter(|x| x.art == art).count();
    assert_eq!(zaehle(Eintragsart::ZustimmungFingiert), 3);
    assert_eq!(zaehle(Eintragsart::EinvernehmenFingiert), 1);
    let einvernehmen = ereignisse
        .iter()
        .find(|x| x.art == Eintragsart::EinvernehmenFingiert)
        .unwrap();
    assert!(
        einvernehmen.text.contains("§ 36 Abs. 2 BauGB"),
        "{}",
        einvernehmen.text
    );
    assert_eq!(
        db.ereignisse(v2)
            .await
            .unwrap()
            .iter()
            .filter(|x| x.art == Eintragsart::GenehmigungsfiktionEintreten)
            .count(),
        1
    );
    // Mails: per member of the Stelle one per reminder (2 × 2 × 3 requests of the
    // Naturschutzbehörde that ran out, the Gemeinde's member 2), per fiction the case worker
    // and every member; the Genehmigungsfiktion to applicant and case worker.
    let mails = empfaenger(&db, w.tenant).await;
    let an = |wer: &str, betreff: &str| {
        mails
            .iter()
            .filter(|(a, s)| a == wer && s.contains(betreff))
            .count()
    };
    assert_eq!(an("unb1@example.org", "Erinnerung"), 6);
    assert_eq!(an("gemeinde@example.org", "Erinnerung"), 2);
    assert_eq!(an("ba@example.org", "Erinnerung"), 0);
    assert_eq!(
        mails.iter().filter(|(a, _)| a == "ba@example.org").count(),
        4 + 1
    );
    assert_eq!(an("arch@example.org", "Genehmigung gilt als erteilt"), 1);
    assert_eq!(an("arch@example.org", "Beteiligung abgeschlossen"), 1);
    assert_eq!(
        mails
            .iter()
            .filter(|(a, _)| a == "arch@example.org")
            .count(),
        2
    );
    assert_eq!(
        mails
            .iter()
            .filter(|(a, _)| a == "unb2@example.org")
            .count(),
        6 + 3
    );
}

#[tokio::test]
async fn the_fiction_of_the_last_open_request_closes_the_beteiligung_once() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let v = vorgang(&db, &w, Zustand::Beteiligung).await;
    let erste = anfrage(&db, &w, v, -2, "zustimmung").await;
    let zweite = anfrage(&db, &w, v, 3, "zustimmung").await;
    // Only the first has run out: the case stays in the Beteiligung.
    assert_eq!(lauf(&db).await.fiktionen, 1);
    assert_eq!(db.antrag(v).await.unwrap().zustand, Zustand::Beteiligung);
    assert_eq!(
        db.beteiligung(erste).await.unwrap().zustand,
        BeteiligungsZustand::FristAbgelaufen
    );
    // The second runs out too: closed, by the system, with status 09 and one mail to the
    // applicant — however many workers run.
    sqlx::query("UPDATE beteiligungen SET ende = $2 WHERE id = $1")
        .bind(zweite)
        .bind(tag(-1).to_string())
        .execute(db.pool())
        .await
        .unwrap();
    let (a, b) = tokio::join!(lauf(&db), lauf(&db));
    assert_eq!(a.fiktionen + b.fiktionen, 1);
    assert_eq!(
        db.antrag(v).await.unwrap().zustand,
        Zustand::BeteiligungAbgeschlossen
    );
    let e: Vec<_> = db
        .ereignisse(v)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == Eintragsart::BeteiligungAbschliessen)
        .collect();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].status_code.as_deref(), Some("09"));
    assert_eq!(e[0].user_id, None, "by the system");
    let an_architektin: Vec<String> = empfaenger(&db, w.tenant)
        .await
        .into_iter()
        .filter(|(a, _)| a == "arch@example.org")
        .map(|(_, s)| s)
        .collect();
    assert_eq!(an_architektin.len(), 1, "{an_architektin:?}");
    assert!(an_architektin[0].contains("Beteiligung abgeschlossen"));
    assert_eq!(lauf(&db).await, Lauf::default());

    // A case the Bauaufsicht already moved on is left alone.
    let v2 = vorgang(&db, &w, Zustand::Beteiligung).await;
    anfrage(&db, &w, v2, -1, "zustimmung").await;
    let mut tx = db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        v2,
        Zustand::Beteiligung,
        Zustand::BeteiligungAbgeschlossen,
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(lauf(&db).await.fiktionen, 1);
    assert!(
        db.ereignisse(v2)
            .await
            .unwrap()
            .iter()
            .all(|e| e.art != Eintragsart::BeteiligungAbschliessen)
    );
}

#[tokio::test]
async fn a_beteiligung_left_open_without_open_requests_is_closed_by_one_run_once() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    // Both requests answered, but the case stayed in 08 (the close got lost, as it could
    // before the case row was locked): the sweep closes it.
    let v = vorgang(&db, &w, Zustand::Beteiligung).await;
    for folge in ["zustimmung", "einvernehmen"] {
        let b = anfrage(&db, &w, v, 5, folge).await;
        sqlx::query("UPDATE beteiligungen SET zustand = 'stellungnahme_abgegeben' WHERE id = $1")
            .bind(b)
            .execute(db.pool())
            .await
            .unwrap();
    }
    // Left alone: a case in the Beteiligung without any request yet, and one with a request
    // still open.
    let ohne = vorgang(&db, &w, Zustand::Beteiligung).await;
    let offen = vorgang(&db, &w, Zustand::Beteiligung).await;
    anfrage(&db, &w, offen, 20, "zustimmung").await;

    let (a, b) = tokio::join!(lauf(&db), lauf(&db));
    assert_eq!(a.abschluesse + b.abschluesse, 1, "{a:?} {b:?}");
    assert_eq!(
        a,
        Lauf {
            abschluesse: a.abschluesse,
            ..Lauf::default()
        }
    );
    assert_eq!(
        db.antrag(v).await.unwrap().zustand,
        Zustand::BeteiligungAbgeschlossen
    );
    let e: Vec<_> = db
        .ereignisse(v)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == Eintragsart::BeteiligungAbschliessen)
        .collect();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].status_code.as_deref(), Some("09"));
    assert_eq!(e[0].user_id, None, "by the system");
    let mails = empfaenger(&db, w.tenant).await;
    assert_eq!(
        mails,
        vec![("arch@example.org".to_string(), mails[0].1.clone())],
        "one mail, to the applicant"
    );
    assert!(mails[0].1.contains("Beteiligung abgeschlossen"));
    for x in [ohne, offen] {
        assert_eq!(db.antrag(x).await.unwrap().zustand, Zustand::Beteiligung);
    }
    assert_eq!(lauf(&db).await, Lauf::default(), "exactly once");
}

#[tokio::test]
async fn no_genehmigungsfiktion_while_a_bescheid_is_being_issued() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db).await;
    let (v, f) = entscheidungsfrist(&db, &w, Zustand::BeteiligungAbgeschlossen, 1).await;
    // The case worker decided in time; the issuing job is still at work.
    let bescheid: i64 = sqlx::query_scalar(
        "INSERT INTO bescheide (vorgang_id, zustand, inhalt, created_at, created_by, erlass_beantragt_at, erlass_beantragt_by) \
         VALUES ($1, 'entwurf', '{}', $2, $3, $2, $3) RETURNING id",
    )
    .bind(v)
    .bind(now_millis())
    .bind(w.ba)
    .fetch_one(db.pool())
    .await
    .unwrap();
    // A draft nobody asked to issue does not hold the fiction back.
    let (v2, f2) = entscheidungsfrist(&db, &w, Zustand::BeteiligungAbgeschlossen, 1).await;
    sqlx::query(
        "INSERT INTO bescheide (vorgang_id, zustand, inhalt, created_at, created_by) VALUES ($1, 'entwurf', '{}', $2, $3)",
    )
    .bind(v2)
    .bind(now_millis())
    .bind(w.ba)
    .execute(db.pool())
    .await
    .unwrap();

    assert_eq!(lauf(&db).await.genehmigungsfiktionen, 1);
    assert_eq!(
        db.antrag(v2).await.unwrap().zustand,
        Zustand::Genehmigungsfiktion
    );
    assert_eq!(
        db.frist(f2).await.unwrap().zustand,
        FristZustand::Ausgeloest
    );
    // Skipped, and the deadline keeps running for the next run.
    assert_eq!(
        db.antrag(v).await.unwrap().zustand,
        Zustand::BeteiligungAbgeschlossen
    );
    assert_eq!(db.frist(f).await.unwrap().zustand, FristZustand::Laeuft);
    assert_eq!(lauf(&db).await, Lauf::default());
    assert_eq!(
        anzahl(
            &db,
            "SELECT COUNT(*) FROM ereignisse WHERE vorgang_id = $1 AND art = 'genehmigungsfiktion_eintreten'",
            v
        )
        .await,
        0
    );

    // The job issued it and moved the case on: the next run closes the deadline.
    sqlx::query("UPDATE bescheide SET zustand = 'erlassen', erlassen_at = $2 WHERE id = $1")
        .bind(bescheid)
        .bind(now_millis())
        .execute(db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE vorgaenge SET zustand = 'genehmigt' WHERE id = $1")
        .bind(v)
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(lauf(&db).await, Lauf::default());
    assert_eq!(db.frist(f).await.unwrap().zustand, FristZustand::Erledigt);
    assert_eq!(db.antrag(v).await.unwrap().zustand, Zustand::Genehmigt);
}
