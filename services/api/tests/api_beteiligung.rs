//! The Beteiligung through `/api/v1`, with personal access tokens: the Bauaufsicht asks
//! Stellen, reads and acts on the requests (withdraw, extend, answer and pass on a
//! Rückfrage, decide on a late Stellungnahme, visibility, a later Fassung); a Stelle works
//! through its inbox and request (Rückfrage, Stellungnahme with Nebenbestimmungen and its
//! correction, attachments); comments on a plan. Status codes, refusals per role as problem
//! details, paging — and that the OpenAPI document describes every route.
//!
//! The complete case and the Stellen are set up through the store and the fixture.

use bytes::Bytes;
use chrono::{Datelike, NaiveDate, Weekday};
use plankammer_domain::Role;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::beteiligung::BeteiligungsZustand;
use plankammer_domain::frist;
use plankammer_domain::vorgang::Zustand;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::pdf::a4_salted;
use plankammer_tests::welt::{self, Fall, Fallangaben, Welt};
use reqwest::Method;
use serde_json::{Value, json};

/// A machine client with a personal access token of one person.
struct Klient {
    url: String,
    http: reqwest::Client,
    schluessel: String,
}

/// An answer: status, the body as JSON (`null` when empty), the content type.
struct Antwort {
    status: u16,
    body: Value,
    typ: String,
}

impl Klient {
    async fn fuer(w: &Welt, email: &str) -> Klient {
        let akteur = w.akteur(email).await;
        let (_, schluessel) = w
            .app
            .verfahren
            .schluessel_erstellen(
                &akteur,
                plankammer_verfahren::konto::NeuerSchluessel {
                    name: "Test",
                    rechte: plankammer_storage::tokens::Rechte::Schreiben,
                    tage: None,
                    vorgang: None,
                },
            )
            .await
            .unwrap();
        Klient {
            url: w.app.url.clone(),
            http: reqwest::Client::new(),
            schluessel,
        }
    }

    async fn senden(&self, m: Method, pfad: &str, body: Option<Value>) -> Antwort {
        let mut r = self
            .http
            .request(m, format!("{}{pfad}", self.url))
            .bearer_auth(&self.schluessel);
        if let Some(b) = body {
            r = r.json(&b);
        }
        antwort(r.send().await.unwrap()).await
    }

    async fn get(&self, pfad: &str) -> Antwort {
        self.senden(Method::GET, pfad, None).await
    }

    async fn post(&self, pfad: &str, body: Value) -> Antwort {
        self.senden(Method::POST, pfad, Some(body)).await
    }

    async fn put(&self, pfad: &str, body: Value) -> Antwort {
        self.senden(Method::PUT, pfad, Some(body)).await
    }

    async fn delete(&self, pfad: &str) -> Antwort {
        self.senden(Method::DELETE, pfad, None).await
    }

    async fn put_pdf(&self, pfad: &str, bytes: Vec<u8>) -> Antwort {
        let r = self
            .http
            .put(format!("{}{pfad}", self.url))
            .bearer_auth(&self.schluessel)
            .header("content-type", "application/pdf")
            .body(bytes)
            .send()
            .await
            .unwrap();
        antwort(r).await
    }
}

async fn antwort(r: reqwest::Response) -> Antwort {
    let status = r.status().as_u16();
    let typ = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Antwort { status, body, typ }
}

/// A refusal as RFC 9457 problem details with the German sentence.
fn problem(a: &Antwort, status: u16, enthaelt: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.typ, "application/problem+json", "{}", a.body);
    assert_eq!(a.body["status"], status);
    assert!(
        a.body["type"]
            .as_str()
            .unwrap()
            .starts_with("https://plankammer.de/probleme/"),
        "{}",
        a.body
    );
    let detail = a.body["detail"].as_str().unwrap();
    assert!(detail.contains(enthaelt), "{enthaelt}: {detail}");
}

fn ids(a: &Antwort) -> Vec<i64> {
    a.body["eintraege"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The first Sunday at least a week after today.
fn sonntag() -> NaiveDate {
    let mut d = heute_berlin() + chrono::Days::new(7);
    while d.weekday() != Weekday::Sun {
        d = d.succ_opt().unwrap();
    }
    d
}

/// The first Werktag at least `tage` days after `d`.
fn werktag_nach(d: NaiveDate, tage: u64) -> NaiveDate {
    let mut x = d + chrono::Days::new(tage);
    while !frist::ist_arbeitstag(x) {
        x = x.succ_opt().unwrap();
    }
    x
}

const BRANDSCHUTZ: &str = "brandschutz@example.org";
const GEMEINDE: &str = "gemeinde@example.org";
const FREMDSTELLE: &str = "fremdstelle@example.org";

/// The fixture's people, two Stellen of the tenant with a member each (one a Gemeinde's),
/// a Land-wide Stelle, a Stelle of the other tenant with its member, and a complete case.
struct Beteiligungswelt {
    w: Welt,
    fall: Fall,
    brandschutz: i64,
    gemeinde: i64,
    land: i64,
    fremd: i64,
}

async fn vollstaendig(w: &Welt, nr: i64) -> Fall {
    let fall = w.fall(Fallangaben::nummer(nr)).eingereicht().await;
    let ba = w.akteur(welt::BAUAUFSICHT).await;
    w.app
        .verfahren
        .vollstaendig_erklaeren(&ba, fall.id)
        .await
        .unwrap();
    fall
}

async fn beteiligungswelt() -> Beteiligungswelt {
    let w = Welt::neu().await;
    let brandschutz = w
        .stelle("Brandschutzdienststelle", BRANDSCHUTZ, None)
        .await
        .id;
    let gemeinde = w
        .stelle("Stadt Frankfurt am Main", GEMEINDE, Some("06412000"))
        .await
        .id;
    let now = now_millis();
    let land = w
        .app
        .db
        .lege_stelle_an(
            None,
            "Landesamt für Denkmalpflege",
            "Denkmalschutz",
            None,
            now,
        )
        .await
        .unwrap();
    let fremd = w
        .app
        .db
        .lege_stelle_an(
            Some(w.fremder_tenant),
            "Fremde Naturschutzbehörde",
            "Naturschutz",
            None,
            now,
        )
        .await
        .unwrap();
    let mitglied = w
        .app
        .user(w.fremder_tenant, FREMDSTELLE, Role::Fachstelle)
        .await;
    w.app
        .db
        .fuege_stellenmitglied_hinzu(fremd, mitglied)
        .await
        .unwrap();
    let fall = vollstaendig(&w, 1).await;
    Beteiligungswelt {
        w,
        fall,
        brandschutz,
        gemeinde,
        land,
        fremd,
    }
}

/// The case worker asks `stellen` about `fall` (default role, all documents); their ids.
async fn anfragen(ba: &Klient, fall: i64, stellen: &[i64]) -> Vec<i64> {
    let anfragen: Vec<Value> = stellen.iter().map(|s| json!({"stelle_id": s})).collect();
    let a = ba
        .post(
            &format!("/api/v1/cases/{fall}/beteiligungen"),
            json!({ "anfragen": anfragen }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect()
}

/// A new Fassung of the case with a new version of its plan; its id.
async fn neue_fassung(w: &Welt, fall: &Fall) -> i64 {
    let app = &w.app;
    let blob = app
        .blobs
        .put_bytes(Bytes::from(a4_salted(2, "fassung-2")))
        .await
        .unwrap();
    let art = Anlageart::parse("2001").unwrap();
    let now = now_millis();
    let mut tx = app.db.begin().await.unwrap();
    Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: fall.id,
            tenant_id: w.tenant,
            dokument_id: Some(fall.dokument_id),
            bezeichnung: "Grundrisse Erdgeschoss",
            anlageart: Some(&art),
            sha256: &blob.sha256,
            groesse: blob.size as i64,
            dateiname: "grundriss_eg_b.pdf",
            user_id: w.architektin,
        },
        now,
    )
    .await
    .unwrap();
    let f = Db::friere_fassung(&mut tx, fall.id, w.architektin, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    f.id
}

#[tokio::test]
async fn the_bauaufsicht_asks_stellen_and_acts_on_the_requests() {
    let bw = beteiligungswelt().await;
    let w = &bw.w;
    let app = &w.app;
    let fall = bw.fall.id;
    let ba = Klient::fuer(w, welt::BAUAUFSICHT).await;
    let arch = Klient::fuer(w, welt::ARCHITEKTIN).await;
    let fremd = Klient::fuer(w, welt::FREMD).await;
    let fs = Klient::fuer(w, BRANDSCHUTZ).await;

    // The Stellen the tenant may ask: its own and the Land-wide one, by name, paged.
    let stellen = format!("/api/v1/cases/{fall}/stellen");
    let a = ba.get(&stellen).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let mut erwartet = vec![bw.brandschutz, bw.land, bw.gemeinde];
    erwartet.sort_unstable();
    let mut alle = ids(&a);
    alle.sort_unstable();
    assert_eq!(alle, erwartet, "not the other tenant's {}", bw.fremd);
    let gemeinde = a.body["eintraege"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == bw.gemeinde)
        .unwrap();
    assert_eq!(gemeinde["standardrolle"], "3");
    assert_eq!(gemeinde["gemeinde_ags"], "06412000");
    let land = a.body["eintraege"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == bw.land)
        .unwrap();
    assert_eq!(land["landesweit"], true);
    let seite1 = ba.get(&format!("{stellen}?limit=2")).await;
    assert_eq!(ids(&seite1).len(), 2);
    let weiter = seite1.body["weiter"].as_str().unwrap().to_string();
    let seite2 = ba.get(&format!("{stellen}?limit=2&nach={weiter}")).await;
    assert_eq!(ids(&seite2).len(), 1);
    assert!(seite2.body["weiter"].is_null());
    problem(
        &ba.get(&format!("{stellen}?nach=abc")).await,
        422,
        "Parameter „nach“",
    );
    for k in [&arch, &fs, &fremd] {
        problem(&k.get(&stellen).await, 404, "nicht gefunden");
    }

    // Asking: every problem of the input as a German sentence, nothing stored.
    let pfad = format!("/api/v1/cases/{fall}/beteiligungen");
    problem(
        &ba.post(&pfad, json!({"anfragen": []})).await,
        422,
        "mindestens eine Stelle",
    );
    problem(
        &ba.post(&pfad, json!({"anfragen": [{"stelle_id": bw.fremd}]}))
            .await,
        422,
        "nicht beteiligt werden",
    );
    problem(
        &ba.post(
            &pfad,
            json!({"anfragen": [{"stelle_id": bw.land, "rolle": "9"}]}),
        )
        .await,
        422,
        "Landesamt für Denkmalpflege: Bitte wählen Sie eine gültige Rolle.",
    );
    problem(
        &ba.post(
            &pfad,
            json!({"anfragen": [{"stelle_id": bw.land, "ende": iso(sonntag())}]}),
        )
        .await,
        422,
        "kein Werktag",
    );
    problem(
        &ba.post(
            &pfad,
            json!({"anfragen": [{"stelle_id": bw.land, "umfang": [999999]}]}),
        )
        .await,
        422,
        "nur Unterlagen dieses Vorgangs",
    );
    problem(
        &ba.post(&pfad, json!({"anfragen": "alle"})).await,
        422,
        "erwarteten Format",
    );
    let r = reqwest::Client::new()
        .post(format!("{}{pfad}", app.url))
        .bearer_auth(&ba.schluessel)
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    problem(&antwort(r).await, 422, "kein gültiges JSON");
    for (k, status) in [(&arch, 404), (&fremd, 404), (&fs, 404)] {
        let a = k
            .post(&pfad, json!({"anfragen": [{"stelle_id": bw.land}]}))
            .await;
        problem(&a, status, "nicht gefunden");
    }
    assert!(app.db.beteiligungen(fall).await.unwrap().is_empty());

    // Three in one step; the case is in the Beteiligung (08).
    let a = ba
        .post(
            &pfad,
            json!({"anfragen": [
                {"stelle_id": bw.brandschutz, "notiz": "Bitte Zufahrt prüfen"},
                {"stelle_id": bw.gemeinde},
                {"stelle_id": bw.land, "rolle": "2", "umfang": [bw.fall.dokument_id], "rechtsbereich": "Denkmalschutz"}
            ]}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let neu = a.body.as_array().unwrap();
    assert_eq!(neu.len(), 3);
    let von = |sid: i64| neu.iter().find(|b| b["stelle_id"] == sid).unwrap().clone();
    let (b_brand, b_gem, b_land) = (von(bw.brandschutz), von(bw.gemeinde), von(bw.land));
    assert_eq!(b_brand["rolle"], "1");
    assert_eq!(b_brand["notiz"], "Bitte Zufahrt prüfen");
    assert_eq!(b_gem["rolle"], "3");
    assert_eq!(b_gem["schweigefolge"], "einvernehmen");
    assert_eq!(b_land["rolle"], "2");
    // The case's only document chosen: that is all of them.
    assert_eq!(b_land["umfang"], Value::Null);
    assert!(
        neu.iter()
            .all(|b| b["zustand"] == "angefragt" && b["behoerdlich_gesetzt"] == false)
    );
    assert_eq!(
        app.db.antrag(fall).await.unwrap().zustand,
        Zustand::Beteiligung
    );
    let bid = b_brand["id"].as_i64().unwrap();
    let bid_land = b_land["id"].as_i64().unwrap();
    let bid_gem = b_gem["id"].as_i64().unwrap();

    // The case's requests and the tenant's running ones, paged; strangers see nothing.
    let a = ba.get(&pfad).await;
    assert_eq!(ids(&a).len(), 3);
    let a = ba.get(&format!("{pfad}?limit=1")).await;
    assert_eq!(ids(&a).len(), 1);
    assert_eq!(a.body["weiter"], "1");
    let a = ba.get(&format!("{pfad}?limit=1&nach=2")).await;
    assert_eq!(ids(&a).len(), 1);
    assert!(a.body["weiter"].is_null());
    problem(&fremd.get(&pfad).await, 404, "nicht gefunden");
    problem(&arch.get(&pfad).await, 404, "nicht gefunden");
    let a = ba.get("/api/v1/beteiligungen").await;
    assert_eq!(ids(&a).len(), 3);
    let a = fremd.get("/api/v1/beteiligungen").await;
    assert_eq!(a.status, 200);
    assert!(ids(&a).is_empty());
    problem(
        &arch.get("/api/v1/beteiligungen").await,
        403,
        "Berechtigung",
    );
    problem(&fs.get("/api/v1/beteiligungen").await, 403, "Berechtigung");
    let einzel = format!("/api/v1/beteiligungen/{bid}");
    let a = ba.get(&einzel).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["stelle"], "Brandschutzdienststelle");
    assert_eq!(a.body["rueckfragen"], json!([]));
    for k in [&fremd, &arch, &fs] {
        problem(&k.get(&einzel).await, 404, "nicht gefunden");
    }

    // Extending: a Werktag after the current end, with a reason.
    let verl = format!("{einzel}/verlaengerung");
    let ende = app.db.beteiligung(bid).await.unwrap().ende;
    problem(
        &ba.post(
            &verl,
            json!({"neues_ende": iso(werktag_nach(ende, 10)), "grund": ""}),
        )
        .await,
        422,
        "Grund der Verlängerung",
    );
    problem(
        &ba.post(
            &verl,
            json!({"neues_ende": iso(ende), "grund": "Ortstermin"}),
        )
        .await,
        422,
        "nach dem bisherigen Fristende",
    );
    problem(
        &fremd
            .post(
                &verl,
                json!({"neues_ende": iso(werktag_nach(ende, 10)), "grund": "x"}),
            )
            .await,
        404,
        "nicht gefunden",
    );
    let neues_ende = werktag_nach(ende, 10);
    let a = ba
        .post(
            &verl,
            json!({"neues_ende": iso(neues_ende), "grund": "Ortstermin nötig"}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.body);
    let b = app.db.beteiligung(bid).await.unwrap();
    assert_eq!(b.ende, neues_ende);
    assert!(b.behoerdlich_gesetzt && b.erklaerung.contains("Ortstermin nötig"));

    // Visibility of the other Stellen's comments.
    let a = ba
        .put(
            &format!("{einzel}/sichtbarkeit"),
            json!({"andere_kommentare_sichtbar": true}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.body);
    assert!(
        app.db
            .beteiligung(bid)
            .await
            .unwrap()
            .andere_kommentare_sichtbar
    );
    problem(
        &fs.put(
            &format!("{einzel}/sichtbarkeit"),
            json!({"andere_kommentare_sichtbar": false}),
        )
        .await,
        404,
        "nicht gefunden",
    );

    // A Rückfrage of the Stelle: passed on once, answered once.
    let a = fs
        .post(
            &format!("/api/v1/anfragen/{bid}/rueckfragen"),
            json!({"frage": "Gibt es eine Feuerwehrzufahrt?", "an_antragsteller": true}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let rid = a.body["id"].as_i64().unwrap();
    let a = ba.get(&einzel).await;
    assert_eq!(a.body["zustand"], "rueckfrage");
    assert_eq!(
        a.body["rueckfragen"][0]["frage"],
        "Gibt es eine Feuerwehrzufahrt?"
    );
    let weitergabe = format!("{einzel}/rueckfragen/{rid}/weitergabe");
    problem(
        &fs.post(&weitergabe, json!({})).await,
        404,
        "nicht gefunden",
    );
    assert_eq!(ba.post(&weitergabe, json!({})).await.status, 204);
    problem(
        &ba.post(&weitergabe, json!({})).await,
        409,
        "bereits weitergegeben",
    );
    let antwort_pfad = format!("{einzel}/rueckfragen/{rid}/antwort");
    problem(
        &ba.post(&antwort_pfad, json!({"antwort": " "})).await,
        422,
        "Bitte geben Sie eine Antwort ein.",
    );
    problem(
        &ba.post(
            &format!("/api/v1/beteiligungen/{bid_land}/rueckfragen/{rid}/antwort"),
            json!({"antwort": "Ja"}),
        )
        .await,
        404,
        "nicht gefunden",
    );
    let a = ba
        .post(
            &antwort_pfad,
            json!({"antwort": "Ja, über den Lindenweg.", "hemmt_frist": true}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.body);
    problem(
        &ba.post(&antwort_pfad, json!({"antwort": "Nochmal"})).await,
        409,
        "bereits beantwortet",
    );
    let a = ba.get(&einzel).await;
    assert_eq!(a.body["zustand"], "in_bearbeitung");
    assert_eq!(
        a.body["rueckfragen"][0]["antwort"],
        "Ja, über den Lindenweg."
    );
    assert_eq!(a.body["rueckfragen"][0]["hemmt_frist"], true);
    assert!(a.body["rueckfragen"][0]["weitergegeben"].is_i64());

    // A later Fassung shared with the Stelle; the one it knows cannot be shared again.
    let fassung_1 = app.db.fassungen(fall).await.unwrap()[0].id;
    let fassung_2 = neue_fassung(w, &bw.fall).await;
    let freigabe = format!("{einzel}/fassungsfreigabe");
    problem(
        &ba.post(&freigabe, json!({"fassung_id": fassung_1})).await,
        422,
        "kennt Fassung 1 bereits",
    );
    assert_eq!(
        ba.post(&freigabe, json!({"fassung_id": fassung_2}))
            .await
            .status,
        204
    );
    assert_eq!(
        app.db
            .beteiligung(bid)
            .await
            .unwrap()
            .freigegeben_fassung_id,
        Some(fassung_2)
    );

    // A late Stellungnahme: the Bauaufsicht decides once whether it counts.
    sqlx::query("UPDATE beteiligungen SET ende = $2 WHERE id = $1")
        .bind(bid_land)
        .bind(iso(heute_berlin() - chrono::Days::new(1)))
        .execute(app.db.pool())
        .await
        .unwrap();
    let landesamt = app
        .user(w.tenant, "denkmal@example.org", Role::Fachstelle)
        .await;
    app.db
        .fuege_stellenmitglied_hinzu(bw.land, landesamt)
        .await
        .unwrap();
    let dm = Klient::fuer(w, "denkmal@example.org").await;
    let a = dm
        .post(
            &format!("/api/v1/anfragen/{bid_land}/stellungnahmen"),
            json!({"tenor": "Keine Bedenken", "zustimmung": "ja"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["verspaetet"], true);
    let sid = a.body["id"].as_i64().unwrap();
    let entscheidung =
        format!("/api/v1/beteiligungen/{bid_land}/stellungnahmen/{sid}/entscheidung");
    problem(
        &ba.post(&entscheidung, json!({"beruecksichtigen": "vielleicht"}))
            .await,
        422,
        "erwarteten Format",
    );
    problem(
        &dm.post(&entscheidung, json!({"beruecksichtigen": true}))
            .await,
        404,
        "nicht gefunden",
    );
    assert_eq!(
        ba.post(&entscheidung, json!({"beruecksichtigen": true}))
            .await
            .status,
        204
    );
    problem(
        &ba.post(&entscheidung, json!({"beruecksichtigen": false}))
            .await,
        409,
        "bereits entschieden",
    );
    let a = ba.get(&format!("/api/v1/beteiligungen/{bid_land}")).await;
    assert_eq!(a.body["stellungnahmen"][0]["beruecksichtigt"], true);
    assert_eq!(a.body["stellungnahmen"][0]["aktuell"], true);

    // Withdrawing: a reason is needed, and it happens once; the last open request closed,
    // the Beteiligung is closed (09).
    let zurueck = format!("{einzel}/zuruecknahme");
    problem(
        &ba.post(&zurueck, json!({"grund": " "})).await,
        422,
        "Grund der Rücknahme",
    );
    problem(
        &arch.post(&zurueck, json!({"grund": "weg"})).await,
        404,
        "nicht gefunden",
    );
    assert_eq!(
        ba.post(&zurueck, json!({"grund": "Nicht mehr nötig"}))
            .await
            .status,
        204
    );
    problem(
        &ba.post(&zurueck, json!({"grund": "nochmal"})).await,
        409,
        "nicht mehr offen",
    );
    assert_eq!(
        app.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::Zurueckgezogen
    );
    assert_eq!(
        ba.post(
            &format!("/api/v1/beteiligungen/{bid_gem}/zuruecknahme"),
            json!({"grund": "Doch nicht"})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.db.antrag(fall).await.unwrap().zustand,
        Zustand::BeteiligungAbgeschlossen
    );
    // Withdrawn: no later Fassung is shared any more.
    problem(
        &ba.post(&freigabe, json!({"fassung_id": fassung_2})).await,
        409,
        "zurückgezogen",
    );
}

#[tokio::test]
async fn a_stelle_works_through_its_request() {
    let bw = beteiligungswelt().await;
    let w = &bw.w;
    let app = &w.app;
    let ba = Klient::fuer(w, welt::BAUAUFSICHT).await;
    let fs = Klient::fuer(w, BRANDSCHUTZ).await;
    let gem = Klient::fuer(w, GEMEINDE).await;
    let fremdstelle = Klient::fuer(w, FREMDSTELLE).await;
    let arch = Klient::fuer(w, welt::ARCHITEKTIN).await;
    // The Brandschutz is asked about three cases, the Gemeinde about the first.
    let bid = anfragen(&ba, bw.fall.id, &[bw.brandschutz, bw.gemeinde]).await[0];
    let mut weitere = Vec::new();
    for nr in [2, 3] {
        let f = vollstaendig(w, nr).await;
        weitere.push(anfragen(&ba, f.id, &[bw.brandschutz]).await[0]);
    }

    // The inbox: only its own Stellen's requests, paged; other roles 403.
    let a = fs.get("/api/v1/anfragen").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let mut alle = ids(&a);
    alle.sort_unstable();
    let mut erwartet = vec![bid, weitere[0], weitere[1]];
    erwartet.sort_unstable();
    assert_eq!(alle, erwartet);
    assert!(
        a.body["eintraege"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["aktenzeichen"] == "BA-2026-00001"
                && e["bezeichnung"] == "Neubau Einfamilienhaus 1")
    );
    let s1 = fs.get("/api/v1/anfragen?limit=2").await;
    assert_eq!(ids(&s1).len(), 2);
    let s2 = fs
        .get(&format!(
            "/api/v1/anfragen?limit=2&nach={}",
            s1.body["weiter"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&s2).len(), 1);
    assert!(s2.body["weiter"].is_null());
    assert_eq!(ids(&gem.get("/api/v1/anfragen").await).len(), 1);
    assert!(ids(&fremdstelle.get("/api/v1/anfragen").await).is_empty());
    for k in [&ba, &arch] {
        problem(&k.get("/api/v1/anfragen").await, 403, "Berechtigung");
    }

    // One request: reading it starts the work; what is needed to judge the case, no more.
    let pfad = format!("/api/v1/anfragen/{bid}");
    for k in [&gem, &fremdstelle, &ba, &arch] {
        problem(&k.get(&pfad).await, 404, "nicht gefunden");
    }
    let a = fs.get(&pfad).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["zustand"], "in_bearbeitung");
    assert_eq!(
        app.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::InBearbeitung
    );
    assert_eq!(a.body["vorhaben"]["aktenzeichen"], "BA-2026-00001");
    assert_eq!(a.body["vorhaben"]["flurstuecke"], json!(["123/4"]));
    assert_eq!(
        a.body["vorhaben"]["anschrift"],
        "Lindenweg 12, 34117 Kassel"
    );
    let text = a.body.to_string();
    assert!(
        !text.contains("Jana Becker") && !text.contains("Anna Architektin"),
        "no Bauherrschaft or Entwurfsverfasser: {text}"
    );
    assert_eq!(a.body["unterlagen"][0]["version_id"], bw.fall.version_id);
    assert_eq!(
        a.body["unterlagen"][0]["download"],
        format!("/api/v1/versions/{}/download", bw.fall.version_id)
    );
    assert_eq!(a.body["kann_fragen"], true);
    assert_eq!(a.body["kann_stellungnahme"], true);

    // A Rückfrage: empty refused; asked; a second waits for the answer.
    let rf = format!("{pfad}/rueckfragen");
    problem(
        &fs.post(&rf, json!({"frage": " "})).await,
        422,
        "formulieren Sie Ihre Rückfrage",
    );
    problem(
        &gem.post(&rf, json!({"frage": "Frage?"})).await,
        404,
        "nicht gefunden",
    );
    let a = fs.post(&rf, json!({"frage": "Welche Bauart?"})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["frage"], "Welche Bauart?");
    assert!(a.body["antwort"].is_null());
    let rid = a.body["id"].as_i64().unwrap();
    problem(&fs.post(&rf, json!({"frage": "Noch eine"})).await, 409, "");
    assert_eq!(
        ba.post(
            &format!("/api/v1/beteiligungen/{bid}/rueckfragen/{rid}/antwort"),
            json!({"antwort": "Massiv"})
        )
        .await
        .status,
        204
    );

    // Attachments: a raw PDF upload; text disguised as PDF refused; others may not.
    let anlagen = format!("{pfad}/anlagen");
    let a = fs
        .put_pdf(
            &format!("{anlagen}/Gutachten%20Brandschutz.pdf"),
            a4_salted(1, "gutachten"),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(
        a.body["version"]["dateiname"]
            .as_str()
            .unwrap()
            .starts_with("Gutachten"),
        "{}",
        a.body
    );
    assert_eq!(a.body["version"]["stufen"][0]["stufe"], "validate");
    assert_eq!(a.body["entfernbar"], true);
    let d1 = a.body["dokument_id"].as_i64().unwrap();
    let a = fs
        .put_pdf(&format!("{anlagen}/zweite.pdf"), a4_salted(1, "zweite"))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let d2 = a.body["dokument_id"].as_i64().unwrap();
    problem(
        &fs.put_pdf(
            &format!("{anlagen}/rechnung.pdf"),
            b"Hallo, das ist nur Text.".to_vec(),
        )
        .await,
        422,
        "kein PDF-Dokument",
    );
    for k in [&gem, &ba, &arch] {
        problem(
            &k.put_pdf(&format!("{anlagen}/x.pdf"), a4_salted(1, "x"))
                .await,
            404,
            "nicht gefunden",
        );
        problem(&k.get(&anlagen).await, 404, "nicht gefunden");
        problem(
            &k.delete(&format!("/api/v1/anlagen/{d2}")).await,
            404,
            "nicht gefunden",
        );
    }
    let a = fs.get(&format!("{anlagen}?limit=1")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["eintraege"].as_array().unwrap().len(), 1);
    assert_eq!(a.body["eintraege"][0]["dokument_id"], d1);
    assert_eq!(a.body["weiter"], "1");
    assert_eq!(
        fs.delete(&format!("/api/v1/anlagen/{d2}")).await.status,
        204
    );
    problem(
        &fs.delete(&format!("/api/v1/anlagen/{}", bw.fall.dokument_id))
            .await,
        404,
        "nicht gefunden",
    );

    // The Stellungnahme with Nebenbestimmungen: refused with clear sentences, then given
    // with the attachment present; a second is refused, a correction replaces it.
    let sn = format!("{pfad}/stellungnahmen");
    problem(
        &fs.post(
            &sn,
            json!({"tenor": "Zustimmung", "zustimmung": "mit_nebenbestimmungen",
                "nebenbestimmungen": [{"art": "4", "text": "Nur ein Hinweis"}]}),
        )
        .await,
        422,
        "mindestens eine Nebenbestimmung",
    );
    problem(
        &fs.post(&sn, json!({"tenor": "T", "zustimmung": "vielleicht"}))
            .await,
        422,
        "Bitte wählen Sie, ob Sie zustimmen",
    );
    problem(
        &gem.post(&sn, json!({"tenor": "T", "zustimmung": "ja"}))
            .await,
        404,
        "nicht gefunden",
    );
    let a = fs
        .post(
            &sn,
            json!({
                "tenor": "Zustimmung unter Auflagen",
                "zustimmung": "mit_nebenbestimmungen",
                "nebenbestimmungen": [
                    {"art": "2", "text": "Rauchwarnmelder in allen Aufenthaltsräumen", "begruendung": "§ 14 HBO"},
                    {"art": "1", "text": "Feuerwehrzufahrt vor Baubeginn herstellen"},
                    {"art": "2", "text": "", "begruendung": ""}
                ],
                "begruendung": "Brandschutz ist mit den Auflagen gewahrt."
            }),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["zustimmung"], "mit_nebenbestimmungen");
    assert_eq!(a.body["verspaetet"], false);
    assert_eq!(a.body["aktuell"], true);
    let nb = a.body["nebenbestimmungen"].as_array().unwrap();
    assert_eq!(nb.len(), 2, "empty row dropped");
    assert_eq!(nb[0]["art_bezeichnung"], "Auflage");
    assert_eq!(nb[0]["begruendung"], "§ 14 HBO");
    assert_eq!(a.body["anlagen"].as_array().unwrap().len(), 1);
    let s1 = a.body["id"].as_i64().unwrap();
    assert_eq!(
        app.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::StellungnahmeAbgegeben
    );
    problem(
        &fs.post(&sn, json!({"tenor": "Nochmal", "zustimmung": "ja"}))
            .await,
        409,
        "bereits eine Stellungnahme abgegeben",
    );
    // What was submitted stays: its attachment is not removable any more.
    problem(
        &fs.delete(&format!("/api/v1/anlagen/{d1}")).await,
        409,
        "abgegebenen Stellungnahme",
    );
    let a = fs
        .post(
            &sn,
            json!({"tenor": "Zustimmung ohne Auflagen", "zustimmung": "ja", "ersetzt": s1}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["ersetzt_id"], s1);
    problem(
        &fs.post(
            &sn,
            json!({"tenor": "Dritte", "zustimmung": "ja", "ersetzt": s1}),
        )
        .await,
        409,
        "bereits korrigiert",
    );
    let a = fs.get(&pfad).await;
    let st = a.body["stellungnahmen"].as_array().unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(
        (st[0]["aktuell"].clone(), st[1]["aktuell"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(a.body["rueckfragen"][0]["antwort"], "Massiv");
    // The Bauaufsicht reads the same.
    let a = ba.get(&format!("/api/v1/beteiligungen/{bid}")).await;
    assert_eq!(a.body["stellungnahmen"].as_array().unwrap().len(), 2);

    // Withdrawn (the Gemeinde's, never opened): nothing more to do, nothing to read.
    let bid_gem = app
        .db
        .beteiligungen(bw.fall.id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.stelle_id == bw.gemeinde)
        .unwrap()
        .id;
    assert_eq!(
        ba.post(
            &format!("/api/v1/beteiligungen/{bid_gem}/zuruecknahme"),
            json!({"grund": "Nicht nötig"})
        )
        .await
        .status,
        204
    );
    let a = gem.get(&format!("/api/v1/anfragen/{bid_gem}")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["zustand"], "zurueckgezogen");
    assert_eq!(a.body["darf_handeln"], false);
    assert_eq!(a.body["darf_lesen"], false);
    assert_eq!(a.body["unterlagen"], json!([]));
    problem(
        &gem.post(
            &format!("/api/v1/anfragen/{bid_gem}/stellungnahmen"),
            json!({"tenor": "T", "zustimmung": "ja"}),
        )
        .await,
        409,
        "zurückgezogen",
    );
    problem(
        &gem.put_pdf(
            &format!("/api/v1/anfragen/{bid_gem}/anlagen/spaet.pdf"),
            a4_salted(1, "spaet"),
        )
        .await,
        409,
        "zurückgezogen",
    );
}

#[tokio::test]
async fn comments_on_a_plan() {
    let bw = beteiligungswelt().await;
    let w = &bw.w;
    let app = &w.app;
    let ba = Klient::fuer(w, welt::BAUAUFSICHT).await;
    let fs = Klient::fuer(w, BRANDSCHUTZ).await;
    let gem = Klient::fuer(w, GEMEINDE).await;
    let fremdstelle = Klient::fuer(w, FREMDSTELLE).await;
    let arch = Klient::fuer(w, welt::ARCHITEKTIN).await;
    let admin = Klient::fuer(w, welt::ADMIN).await;
    let fremd = Klient::fuer(w, welt::FREMD).await;
    let bids = anfragen(&ba, bw.fall.id, &[bw.brandschutz, bw.gemeinde]).await;
    let (bid, bid_gem) = (bids[0], bids[1]);
    let pfad = format!("/api/v1/versions/{}/kommentare", bw.fall.version_id);

    // Anchors are checked with clear sentences.
    for (body, meldung) in [
        (
            json!({"seite": 1, "x": 1.5, "y": 0.5, "text": "Zu nah"}),
            "zwischen 0 und 1",
        ),
        (
            json!({"seite": 1, "x": 0.5, "y": 0.5, "text": " "}),
            "schreiben Sie",
        ),
        (json!({"text": "Wo?"}), "Position"),
    ] {
        problem(&fs.post(&pfad, body).await, 422, meldung);
    }
    problem(
        &fs.post(
            &pfad,
            json!({"seite": 1, "x": 0.5, "y": "mitte", "text": "x"}),
        )
        .await,
        422,
        "erwarteten Format",
    );
    let a = fs
        .post(
            &pfad,
            json!({"seite": 2, "x": 0.25, "y": 0.75, "text": "Rettungsweg zu schmal"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["stelle"], "Brandschutzdienststelle");
    assert_eq!(
        (a.body["seite"].clone(), a.body["x"].clone()),
        (json!(2), json!(0.25))
    );
    assert!(a.body["breite"].is_null());
    let wurzel = a.body["id"].as_i64().unwrap();
    let a = fs
        .post(
            &pfad,
            json!({"seite": 1, "x": 0.1, "y": 0.2, "breite": 0.3, "hoehe": 0.1, "text": "Brandwand fehlt"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["breite"], 0.3);

    // The other Stelle sees nothing of them until the Bauaufsicht allows it.
    let a = gem.get(&pfad).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(ids(&a).is_empty());
    assert_eq!(
        ba.put(
            &format!("/api/v1/beteiligungen/{bid_gem}/sichtbarkeit"),
            json!({"andere_kommentare_sichtbar": true})
        )
        .await
        .status,
        204
    );
    assert_eq!(ids(&gem.get(&pfad).await).len(), 2);

    // The Bauaufsicht sees all and replies; the reply sits where its thread sits.
    let a = ba
        .post(
            &pfad,
            json!({"text": "Wird nachgefordert", "antwort_auf": wurzel}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["antwort_auf"], wurzel);
    assert_eq!(
        (a.body["seite"].clone(), a.body["y"].clone()),
        (json!(2), json!(0.75))
    );
    assert!(a.body["stelle"].is_null());
    problem(
        &ba.post(
            &pfad,
            json!({"text": "Antwort ins Leere", "antwort_auf": 999999}),
        )
        .await,
        404,
        "nicht gefunden",
    );
    let a = fs.get(&pfad).await;
    assert_eq!(ids(&a).len(), 3, "the reply reaches the Stelle");
    let a = ba.get(&format!("{pfad}?limit=2")).await;
    assert_eq!(ids(&a).len(), 2);
    let a2 = ba
        .get(&format!(
            "{pfad}?limit=2&nach={}",
            a.body["weiter"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&a2).len(), 1);
    assert_eq!(ids(&a2)[0], ids(&ba.get(&pfad).await)[2]);

    // Nobody else reads or writes them.
    for k in [&arch, &admin, &fremd, &fremdstelle] {
        problem(&k.get(&pfad).await, 404, "nicht gefunden");
        problem(
            &k.post(&pfad, json!({"seite": 1, "x": 0.5, "y": 0.5, "text": "K"}))
                .await,
            404,
            "nicht gefunden",
        );
    }
    // A later version the Stelle was not given: not its plan.
    let f2 = neue_fassung(w, &bw.fall).await;
    let v2 = app.db.fassung_dokumente(f2).await.unwrap()[0].version_id;
    problem(
        &fs.get(&format!("/api/v1/versions/{v2}/kommentare")).await,
        404,
        "nicht gefunden",
    );
    assert_eq!(
        ba.get(&format!("/api/v1/versions/{v2}/kommentare"))
            .await
            .status,
        200
    );

    // Withdrawn: the Stelle reads what it wrote, but writes no more.
    assert_eq!(
        ba.post(
            &format!("/api/v1/beteiligungen/{bid}/zuruecknahme"),
            json!({"grund": "Nicht mehr nötig"})
        )
        .await
        .status,
        204
    );
    // (It had not opened the request: only what it attached stays readable, not the plans.)
    problem(&fs.get(&pfad).await, 404, "nicht gefunden");
    let bid_offen = anfragen(&ba, bw.fall.id, &[bw.brandschutz]).await[0];
    assert_eq!(
        fs.get(&format!("/api/v1/anfragen/{bid_offen}"))
            .await
            .status,
        200
    );
    assert_eq!(
        ba.post(
            &format!("/api/v1/beteiligungen/{bid_offen}/zuruecknahme"),
            json!({"grund": "Wieder nicht"})
        )
        .await
        .status,
        204
    );
    let pfad2 = format!("/api/v1/versions/{v2}/kommentare");
    assert_eq!(
        fs.get(&pfad2).await.status,
        200,
        "opened before: still readable"
    );
    problem(
        &fs.post(
            &pfad2,
            json!({"seite": 1, "x": 0.5, "y": 0.5, "text": "Spät"}),
        )
        .await,
        409,
        "zurückgezogen",
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_beteiligung() {
    let w = Welt::neu().await;
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", w.app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = &doc["paths"];
    let routen = [
        ("/api/v1/cases/{id}/stellen", "get"),
        ("/api/v1/cases/{id}/beteiligungen", "get"),
        ("/api/v1/cases/{id}/beteiligungen", "post"),
        ("/api/v1/beteiligungen", "get"),
        ("/api/v1/beteiligungen/{bid}", "get"),
        ("/api/v1/beteiligungen/{bid}/zuruecknahme", "post"),
        ("/api/v1/beteiligungen/{bid}/verlaengerung", "post"),
        (
            "/api/v1/beteiligungen/{bid}/rueckfragen/{rid}/antwort",
            "post",
        ),
        (
            "/api/v1/beteiligungen/{bid}/rueckfragen/{rid}/weitergabe",
            "post",
        ),
        (
            "/api/v1/beteiligungen/{bid}/stellungnahmen/{sid}/entscheidung",
            "post",
        ),
        ("/api/v1/beteiligungen/{bid}/sichtbarkeit", "put"),
        ("/api/v1/beteiligungen/{bid}/fassungsfreigabe", "post"),
        ("/api/v1/anfragen", "get"),
        ("/api/v1/anfragen/{bid}", "get"),
        ("/api/v1/anfragen/{bid}/rueckfragen", "post"),
        ("/api/v1/anfragen/{bid}/stellungnahmen", "post"),
        ("/api/v1/anfragen/{bid}/anlagen", "get"),
        ("/api/v1/anfragen/{bid}/anlagen/{dateiname}", "put"),
        ("/api/v1/anlagen/{id}", "delete"),
        ("/api/v1/versions/{id}/kommentare", "get"),
        ("/api/v1/versions/{id}/kommentare", "post"),
    ];
    for (pfad, methode) in routen {
        let op = &paths[pfad][methode];
        assert!(op.is_object(), "{methode} {pfad} documented");
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()));
        for status in ["401", "404"] {
            if status == "404" && !pfad.contains('{') {
                continue;
            }
            // Problem details (`application/problem+json`, or `application/json` where the
            // document does not say so yet) with the one error schema.
            let inhalt = &op["responses"][status]["content"];
            let schema = if inhalt["application/problem+json"].is_object() {
                &inhalt["application/problem+json"]["schema"]
            } else {
                &inhalt["application/json"]["schema"]
            };
            assert_eq!(
                schema["$ref"], "#/components/schemas/ApiErrorBody",
                "{methode} {pfad} {status}"
            );
        }
        let paged = [
            "/api/v1/cases/{id}/stellen",
            "/api/v1/cases/{id}/beteiligungen",
            "/api/v1/beteiligungen",
            "/api/v1/anfragen",
            "/api/v1/anfragen/{bid}/anlagen",
            "/api/v1/versions/{id}/kommentare",
        ];
        if methode == "get" && paged.contains(&pfad) {
            let params: Vec<&str> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert!(
                params.contains(&"limit") && params.contains(&"nach"),
                "{pfad} is paged: {params:?}"
            );
        }
    }
    let schemas = &doc["components"]["schemas"];
    for eingabe in [
        "BeteiligenIn",
        "AnfrageIn",
        "NebenbestimmungIn",
        "ZuruecknahmeIn",
        "AntwortIn",
        "EntscheidungIn",
        "SichtbarkeitIn",
        "FassungsfreigabeIn",
        "RueckfrageIn",
        "StellungnahmeIn",
        "KommentarIn",
    ] {
        assert!(
            schemas[eingabe]["example"].is_object(),
            "{eingabe} has an example"
        );
    }
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for t in ["beteiligung", "fachstelle", "kommentare"] {
        assert!(tags.contains(&t), "{t}: {tags:?}");
    }
}
