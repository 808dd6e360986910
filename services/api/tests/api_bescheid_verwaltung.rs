//! `/api/v1` for the Bescheid and the tenant's administration, as a machine client uses it
//! with personal access tokens: the draft with its defaults, its checks in German, issuing
//! exactly once, where issuing stands, the downloads audited as read by key; accounts,
//! Stellen and their members, checklists, the Aktenzeichen format and the Bescheid template —
//! each only for whom the pages allow it, errors as problem details, lists paged.
//!
//! Issuing runs the worker's job in-process, stamping in the sandbox child
//! `target/debug/plankammer` (run `cargo build --bin plankammer` first when testing this
//! crate alone) or `PLANKAMMER_BIN`.

use chrono::{Datelike, Days};
use plankammer_domain::Role;
use plankammer_domain::beteiligung::{Nebenbestimmung, Rolle, Schweigefolge, Zustimmung};
use plankammer_domain::verfahren::{Verfahrensart, standard_checkliste};
use plankammer_domain::vorgang::Zustand;
use plankammer_storage::beteiligung::{NeueBeteiligung, NeueStellungnahme};
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::welt::{self, Fall, Fallangaben, Welt};
use plankammer_workers::bescheid::{Ausgang, BescheidConfig, erlasse};
use plankammer_workers::sandbox::SandboxConfig;
use reqwest::{Client, Method};
use serde_json::{Value, json};

use plankammer_tests::plankammer_bin;

fn still(_: i64, _: String) {}

/// A machine client with a personal access token of one person.
struct Api {
    c: Client,
    url: String,
    schluessel: String,
}

impl Api {
    async fn von(w: &Welt, email: &str) -> Api {
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
        Api {
            c: Client::new(),
            url: w.app.url.clone(),
            schluessel,
        }
    }

    /// Status and JSON body (`null` for an empty one); a problem must say so in its type.
    async fn rufe(&self, m: Method, pfad: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .c
            .request(m.clone(), format!("{}{pfad}", self.url))
            .bearer_auth(&self.schluessel);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let typ = r
            .headers()
            .get("content-type")
            .map(|h| h.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = r.text().await.unwrap();
        if status >= 400 {
            assert_eq!(
                typ, "application/problem+json",
                "{m} {pfad} {status}: {text}"
            );
        }
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{m} {pfad}: {text}"))
        };
        (status, v)
    }

    async fn get(&self, pfad: &str) -> (u16, Value) {
        self.rufe(Method::GET, pfad, None).await
    }

    async fn put(&self, pfad: &str, body: Value) -> (u16, Value) {
        self.rufe(Method::PUT, pfad, Some(body)).await
    }

    async fn post(&self, pfad: &str, body: Option<Value>) -> (u16, Value) {
        self.rufe(Method::POST, pfad, body).await
    }

    async fn delete(&self, pfad: &str) -> (u16, Value) {
        self.rufe(Method::DELETE, pfad, None).await
    }

    /// A download: status, content type, disposition, bytes.
    async fn lade(&self, pfad: &str) -> (u16, String, String, Vec<u8>) {
        let r = self
            .c
            .get(format!("{}{pfad}", self.url))
            .bearer_auth(&self.schluessel)
            .send()
            .await
            .unwrap();
        let h = |n: &str| {
            r.headers()
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let (status, typ, cd) = (
            r.status().as_u16(),
            h("content-type"),
            h("content-disposition"),
        );
        (status, typ, cd, r.bytes().await.unwrap().to_vec())
    }
}

async fn zahl(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

const FACHSTELLE: &str = "brandschutz@example.org";
const AUFLAGE: &str = "Die Feuerwehrzufahrt ist dauerhaft freizuhalten.";

/// A submitted case (its one plan a Grundriss) whose Beteiligung is closed, with the
/// Brandschutzdienststelle's Stellungnahme carrying an Auflage. Returns the case and the
/// Stellungnahme.
async fn fall_zum_bescheid(w: &Welt) -> (Fall, i64) {
    let s = w.stelle("Brandschutzdienststelle", FACHSTELLE, None).await;
    let f = w.fall(Fallangaben::nummer(1)).eingereicht().await;
    let fassung = w.app.db.fassungen(f.id).await.unwrap()[0].id;
    let now = now_millis();
    let heute = heute_berlin();
    let mut tx = w.app.db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        f.id,
        Zustand::Eingegangen,
        Zustand::BeteiligungAbgeschlossen,
        now,
    )
    .await
    .unwrap();
    let bid = Db::frage_stelle_an(
        &mut tx,
        &NeueBeteiligung {
            vorgang_id: f.id,
            stelle_id: s.id,
            rolle: Rolle::Sachverstaendig,
            rechtsbereich: "Brandschutz",
            notiz: "",
            umfang: None,
            fassung_id: Some(fassung),
            start: heute,
            ende: heute.checked_add_days(Days::new(30)).unwrap(),
            rechtsgrundlage: "§ 70 Abs. 1 HBO",
            erklaerung: "",
            behoerdlich_gesetzt: false,
            schweigefolge: Schweigefolge::ZustimmungFingiert,
            user_id: w.bauaufsicht,
        },
        now,
    )
    .await
    .unwrap();
    let nbs = [Nebenbestimmung::neu("2", AUFLAGE)];
    let sid = Db::gib_stellungnahme_ab(
        &mut tx,
        &NeueStellungnahme {
            beteiligung_id: bid,
            ersetzt_id: None,
            tenor: "Zustimmung",
            zustimmung: Zustimmung::MitNebenbestimmungen,
            nebenbestimmungen: &nbs,
            begruendung: "",
            verspaetet: false,
            user_id: s.mitglied,
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (f, sid)
}

fn entwurf(fall: &Fall, quelle: i64) -> Value {
    json!({
        "tenor": "genehmigung",
        "tenor_text": "Die Baugenehmigung wird erteilt.",
        "begruendung": "Das Vorhaben ist zulässig.",
        "rechtsbehelfsbelehrung": "Gegen diesen Bescheid kann Widerspruch erhoben werden.",
        "nebenbestimmungen": [
            {"art": "2", "text": AUFLAGE, "quelle": quelle},
            {"art": "4", "text": "Eigener Hinweis: Baubeginn anzeigen."}
        ],
        "gebuehren": [{"beschreibung": "Genehmigungsgebühr", "betrag_cent": 123456}],
        "plaene": [fall.dokument_id]
    })
}

/// `entwurf` with some fields replaced.
fn mit(mut e: Value, aenderungen: Value) -> Value {
    for (k, v) in aenderungen.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

#[tokio::test]
async fn the_bescheid_is_drafted_issued_once_and_downloaded_through_the_api() {
    let w = Welt::neu().await;
    let (fall, quelle) = fall_zum_bescheid(&w).await;
    w.person("andere@example.org", Role::Antragsteller).await;
    let ba = Api::von(&w, welt::BAUAUFSICHT).await;
    let arch = Api::von(&w, welt::ARCHITEKTIN).await;
    let bescheid = format!("/api/v1/cases/{}/bescheid", fall.id);
    let erlass = format!("{bescheid}/erlass");

    // The defaults of a new draft: the Stelle's Auflage with its source, the plan, the
    // built-in Rechtsbehelfsbelehrung; nothing stored.
    let (s, b) = ba.get(&bescheid).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["bescheid_id"], Value::Null);
    assert_eq!(b["tenor"], "genehmigung");
    assert_eq!(b["nebenbestimmungen"][0]["text"], AUFLAGE);
    assert_eq!(b["nebenbestimmungen"][0]["art_bezeichnung"], "Auflage");
    assert_eq!(
        b["nebenbestimmungen"][0]["quelle"]["stellungnahme_id"],
        quelle
    );
    assert_eq!(
        b["nebenbestimmungen"][0]["quelle"]["stelle"],
        "Brandschutzdienststelle"
    );
    assert_eq!(b["plaene"], json!([fall.dokument_id]));
    assert_eq!(b["angebot"][0]["plan"], true);
    assert!(
        b["rechtsbehelfsbelehrung"]
            .as_str()
            .unwrap()
            .contains("Widerspruch")
    );
    assert_eq!(b["bearbeitbar"], true);
    assert_eq!(b["erlass"], Value::Null);

    // Nobody else: the architect, a case worker of another tenant, a Stelle — 404; no key 401.
    for wer in [welt::ARCHITEKTIN, welt::FREMD, FACHSTELLE, welt::ADMIN] {
        let c = Api::von(&w, wer).await;
        let (s, p) = c.get(&bescheid).await;
        assert_eq!(s, 404, "{wer}");
        assert_eq!(p["fehler"], "nicht_gefunden");
        let (s, _) = c.put(&bescheid, entwurf(&fall, quelle)).await;
        assert_eq!(s, 404, "{wer}");
        let (s, _) = c.post(&erlass, None).await;
        assert_eq!(s, 404, "{wer}");
    }
    let r = Client::new()
        .get(format!("{}{bescheid}", w.app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Bad drafts: every reason in German, nothing stored.
    let (s, p) = ba
        .put(
            &bescheid,
            mit(
                entwurf(&fall, quelle),
                json!({"tenor": "ablehnung", "begruendung": "",
                       "gebuehren": [{"beschreibung": "Gebühr", "betrag_cent": 100_000_000_001_i64}]}),
            ),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("Eine Ablehnung enthält keine Auflagen"),
        "{detail}"
    );
    assert!(
        detail.contains("Gebühr 1:") && detail.contains("zu groß"),
        "{detail}"
    );
    let mut fremde_quelle = entwurf(&fall, 999_999);
    fremde_quelle["plaene"] = json!([424_242]);
    let (s, p) = ba.put(&bescheid, fremde_quelle).await;
    assert_eq!(s, 422);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("gehört nicht zu diesem Vorgang"),
        "{detail}"
    );
    assert!(
        detail.contains("Das Dokument 424242 gehört nicht zur aktuellen Fassung"),
        "{detail}"
    );
    let (s, p) = ba.put(&bescheid, json!({"tenor_text": "ohne Tenor"})).await;
    assert_eq!(s, 422, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("Bitte wählen Sie, was der Bescheid entscheidet"),
        "{p}"
    );
    assert!(
        w.app
            .db
            .aktueller_bescheid(fall.id)
            .await
            .unwrap()
            .is_none()
    );

    // Not issued before a draft exists; no state before issuing began.
    let (s, p) = ba.post(&erlass, None).await;
    assert_eq!(s, 409);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("zuerst einen Entwurf")
    );
    assert_eq!(ba.get(&erlass).await.0, 404);

    // Saved: the draft as stored, with the fee in cents and in words.
    let (s, b) = ba.put(&bescheid, entwurf(&fall, quelle)).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["bescheid_id"].as_i64().is_some());
    assert_eq!(b["gebuehren"][0]["betrag_cent"], 123_456);
    assert_eq!(b["gebuehren"][0]["betrag"], "1.234,56 €");
    assert_eq!(b["summe"], "1.234,56 €");
    assert_eq!(b["nebenbestimmungen"].as_array().unwrap().len(), 2);
    assert_eq!(b["nebenbestimmungen"][1]["quelle"], Value::Null);
    assert_eq!(b["hindernisse"], json!([]));
    let akte = w.app.db.aktueller_bescheid(fall.id).await.unwrap().unwrap();
    assert_eq!(akte.inhalt.gebuehren[0].betrag_cent, 123_456);
    assert_eq!(
        akte.inhalt.nebenbestimmungen[0]
            .quelle
            .as_ref()
            .unwrap()
            .stelle_name,
        "Brandschutzdienststelle"
    );

    // Issued once: the number fixed, one job; a second call changes nothing.
    let (s, e) = ba.post(&erlass, None).await;
    assert_eq!(s, 202, "{e}");
    assert_eq!(e["nummer"], "BA-2026-00001-B1");
    assert_eq!(e["erlassen"], false);
    let (s, e) = ba.post(&erlass, None).await;
    assert_eq!(s, 200, "a second call changes nothing: {e}");
    assert_eq!(
        zahl(
            &w.app.db,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'bescheid.erlassen' AND tenant_id = $1",
            w.tenant
        )
        .await,
        1
    );
    let (s, p) = ba.put(&bescheid, entwurf(&fall, quelle)).await;
    assert_eq!(s, 409, "frozen while being issued: {p}");
    let (s, b) = ba.get(&bescheid).await;
    assert_eq!(s, 200);
    assert_eq!(b["bearbeitbar"], false);
    assert_eq!(b["erlass"]["nummer"], "BA-2026-00001-B1");
    let (s, e) = ba.post(&format!("{erlass}/wiederholung"), None).await;
    assert_eq!(
        (s, &e["fehlgeschlagen"]),
        (200, &json!(false)),
        "nothing failed, nothing to do"
    );
    // Not issued yet: nothing to download for the architect.
    assert_eq!(arch.lade(&format!("{bescheid}/pdf")).await.0, 404);

    // The worker's job (in-process here).
    let config = BescheidConfig::new(
        w.app.verfahren.clone(),
        SandboxConfig::for_program(plankammer_bin()),
    );
    assert_eq!(
        erlasse(&config, akte.id, &still, now_millis())
            .await
            .unwrap(),
        Ausgang::Erlassen
    );
    let (s, e) = ba.get(&erlass).await;
    assert_eq!(s, 200);
    assert_eq!(e["erlassen"], true);
    assert_eq!(e["fortschritt"], 100);
    let d = &e["downloads"];
    assert_eq!(d["titel"], "Baugenehmigung");
    assert_eq!(d["datum"], heute_berlin().format("%Y-%m-%d").to_string());
    assert_eq!(d["pdf"], format!("{bescheid}/pdf"));
    let plan = d["plaene"][0]["download"].as_str().unwrap().to_string();
    assert_eq!(plan, format!("{bescheid}/plaene/{}", fall.dokument_id));
    assert_eq!(
        w.app.db.antrag(fall.id).await.unwrap().zustand,
        Zustand::Genehmigt
    );

    // The architect downloads both, audited as read by key.
    for (pfad, name) in [
        (format!("{bescheid}/pdf"), "Bescheid"),
        (plan.clone(), "_genehmigt.pdf"),
    ] {
        let (s, typ, cd, bytes) = arch.lade(&pfad).await;
        assert_eq!(s, 200, "{pfad}");
        assert_eq!(typ, "application/pdf");
        assert!(cd.starts_with("attachment;") && cd.contains(name), "{cd}");
        assert!(bytes.starts_with(b"%PDF-"));
    }
    let per_schluessel = zahl(
        &w.app.db,
        "SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1 AND action IN ('bescheid.lesen', 'dokument.lesen') AND detail LIKE '%schluessel%'",
        w.tenant,
    )
    .await;
    assert_eq!(per_schluessel, 2, "every read audited, by key");

    // Who else gets nothing: another applicant, another tenant, a Stelle.
    let fremde = [
        Api::von(&w, "andere@example.org").await,
        Api::von(&w, welt::FREMD).await,
        Api::von(&w, FACHSTELLE).await,
    ];
    for c in &fremde {
        assert_eq!(c.lade(&format!("{bescheid}/pdf")).await.0, 404);
        assert_eq!(c.lade(&plan).await.0, 404);
    }
    assert_eq!(
        arch.lade(&format!("{bescheid}/plaene/999999")).await.0,
        404,
        "no stamped version of a document that was not approved"
    );
}

#[tokio::test]
async fn the_admin_manages_accounts_stellen_checklists_formats_and_the_template() {
    let w = Welt::neu().await;
    let admin = Api::von(&w, welt::ADMIN).await;
    let ba = Api::von(&w, welt::BAUAUFSICHT).await;
    w.app
        .user(w.fremder_tenant, "fremd-admin@example.org", Role::Admin)
        .await;
    let fremder = Api::von(&w, "fremd-admin@example.org").await;

    // Only the admin: every route of the administration answers the case worker with 403.
    for (m, pfad) in [
        (Method::GET, "/api/v1/verwaltung/stellen"),
        (Method::GET, "/api/v1/checklisten"),
        (Method::GET, "/api/v1/checklisten/vereinfacht"),
        (Method::GET, "/api/v1/checklisten/unbekannt"),
        (Method::POST, "/api/v1/checklisten/vereinfacht/standard"),
        (Method::GET, "/api/v1/aktenzeichen"),
        (Method::GET, "/api/v1/bescheidvorlage"),
    ] {
        let (s, p) = ba.rufe(m.clone(), pfad, None).await;
        assert_eq!(s, 403, "{m} {pfad}");
        assert_eq!(p["fehler"], "keine_berechtigung");
    }
    let (s, _) = ba
        .post(
            "/api/v1/users",
            Some(json!({"email": "x@example.org", "name": "X", "rolle": "chef"})),
        )
        .await;
    assert_eq!(s, 403, "the role is not even looked at");

    // Invitations: accepted for later, mailed, listed, withdrawn; refused in German.
    let neu = json!({"email": "fs@example.org", "name": "Frida Fachstelle", "rolle": "fachstelle"});
    let (s, e) = admin.post("/api/v1/users", Some(neu.clone())).await;
    assert_eq!(s, 202, "{e}");
    assert_eq!(
        (e["rolle"].as_str(), e["name"].as_str(), e["email"].as_str()),
        (
            Some("fachstelle"),
            Some("Frida Fachstelle"),
            Some("fs@example.org")
        )
    );
    assert!(e["gueltig_bis"].as_i64().unwrap() > e["erstellt"].as_i64().unwrap());
    let einladung = e["id"].as_i64().unwrap();
    let (s, p) = admin.post("/api/v1/users", Some(neu)).await;
    assert_eq!(s, 409);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("bereits eine Einladung"),
        "{p}"
    );
    let (s, p) = admin
        .post(
            "/api/v1/users",
            Some(json!({"email": "y@example.org", "name": "Y", "rolle": "chef"})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(p["detail"].as_str().unwrap().contains("Rolle"));
    let (s, p) = admin
        .post(
            "/api/v1/users",
            Some(json!({"email": "y@example.org", "name": "Y\nBcc: z@example.org", "rolle": "antragsteller"})),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    let (s, liste) = admin.get("/api/v1/invitations").await;
    assert_eq!(s, 200);
    assert_eq!(liste["eintraege"].as_array().unwrap().len(), 1);
    assert_eq!(liste["eintraege"][0]["id"], einladung);
    let (s, _) = ba.rufe(Method::GET, "/api/v1/invitations", None).await;
    assert_eq!(s, 403);
    let (s, _) = ba
        .rufe(
            Method::DELETE,
            &format!("/api/v1/invitations/{einladung}"),
            None,
        )
        .await;
    assert_eq!(s, 403);
    let mails = zahl(
        &w.app.db,
        "SELECT COUNT(*) FROM outbox WHERE recipient = 'fs@example.org' AND tenant_id = $1",
        w.tenant,
    )
    .await;
    assert_eq!(mails, 1, "the person is mailed");
    let zurueck = format!("/api/v1/invitations/{einladung}");
    assert_eq!(admin.delete(&zurueck).await.0, 204);
    assert_eq!(admin.delete(&zurueck).await.0, 404, "withdrawn once");
    let (_, liste) = admin.get("/api/v1/invitations").await;
    assert_eq!(liste["eintraege"], json!([]));
    // The Fachstelle account the rest needs (made by the operator).
    let fs = w
        .konto(
            w.tenant,
            "fs@example.org",
            "Frida Fachstelle",
            Role::Fachstelle,
        )
        .await
        .user_id;
    // Lifecycle: deactivated and back, role checked, the own account refused.
    let (s, u) = admin
        .put(&format!("/api/v1/users/{fs}"), json!({"gesperrt": true}))
        .await;
    assert_eq!((s, u["gesperrt"].as_bool()), (200, Some(true)), "{u}");
    let (s, u) = admin
        .put(&format!("/api/v1/users/{fs}"), json!({"gesperrt": false}))
        .await;
    assert_eq!((s, u["gesperrt"].as_bool()), (200, Some(false)), "{u}");
    let (s, _) = admin
        .put(&format!("/api/v1/users/{fs}"), json!({"rolle": "chef"}))
        .await;
    assert_eq!(s, 422);
    let admin_id = w.akteur(welt::ADMIN).await.user_id;
    let (s, p) = admin
        .put(
            &format!("/api/v1/users/{admin_id}"),
            json!({"gesperrt": true}),
        )
        .await;
    assert_eq!(s, 409, "{p}");
    let (s, _) = ba
        .put(&format!("/api/v1/users/{fs}"), json!({"gesperrt": true}))
        .await;
    assert_eq!(s, 403);
    let (s, _) = admin
        .post(&format!("/api/v1/users/{fs}/passwort-link"), None)
        .await;
    assert_eq!(s, 202);
    let (s, _) = admin
        .post(&format!("/api/v1/users/{fs}/abmeldung"), None)
        .await;
    assert_eq!(s, 204);

    // Stellen: an own one created; a Land-wide one listed but not changed.
    let land = w
        .app
        .db
        .lege_stelle_an(
            None,
            "Landesamt für Denkmalpflege",
            "Denkmalschutz",
            None,
            now_millis(),
        )
        .await
        .unwrap();
    let (s, p) = admin
        .post(
            "/api/v1/verwaltung/stellen",
            Some(json!({"name": "  ", "gemeinde": "99999999"})),
        )
        .await;
    assert_eq!(s, 422);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("Namen der Stelle") && detail.contains("Gemeinde aus der Liste"),
        "{detail}"
    );
    let (s, stelle) = admin
        .post(
            "/api/v1/verwaltung/stellen",
            Some(json!({"name": "Gemeinde Kassel", "rechtsbereich": "Planungsrecht", "gemeinde": "06611000"})),
        )
        .await;
    assert_eq!(s, 201, "{stelle}");
    assert_eq!(stelle["landesweit"], false);
    assert_eq!(stelle["gemeinde_ags"], "06611000");
    assert!(stelle["gemeinde"].as_str().unwrap().contains("Kassel"));
    let sid = stelle["id"].as_i64().unwrap();
    let (s, seite) = admin.get("/api/v1/verwaltung/stellen?limit=1").await;
    assert_eq!(s, 200);
    assert_eq!(seite["eintraege"][0]["id"], sid, "own ones first");
    let weiter = seite["weiter"].as_str().unwrap().to_string();
    let (_, seite) = admin
        .get(&format!("/api/v1/verwaltung/stellen?limit=1&nach={weiter}"))
        .await;
    assert_eq!(seite["eintraege"][0]["id"], land);
    assert_eq!(seite["eintraege"][0]["landesweit"], true);
    assert_eq!(seite["weiter"], Value::Null, "the last page");
    let (s, _) = admin
        .put(
            &format!("/api/v1/verwaltung/stellen/{land}"),
            json!({"name": "Übernommen"}),
        )
        .await;
    assert_eq!(s, 404, "Land-wide Stellen are the operator's");
    let (s, stelle) = admin
        .put(
            &format!("/api/v1/verwaltung/stellen/{sid}"),
            json!({"name": "Stadt Kassel (Einvernehmen)", "gemeinde": "06611000"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(stelle["name"], "Stadt Kassel (Einvernehmen)");
    assert_eq!(stelle["rechtsbereich"], "");

    // Members: only the tenant's Fachstelle accounts; another tenant's admin reaches nothing.
    let mitglied = |u: i64| format!("/api/v1/verwaltung/stellen/{sid}/mitglieder/{u}");
    let (s, p) = admin.put(&mitglied(w.architektin), json!(null)).await;
    assert_eq!(s, 422);
    assert!(p["detail"].as_str().unwrap().contains("Rolle Fachstelle"));
    assert_eq!(admin.put(&mitglied(fs), json!(null)).await.0, 204);
    assert_eq!(
        admin.put(&mitglied(fs), json!(null)).await.0,
        204,
        "once is enough"
    );
    assert_eq!(
        admin
            .put(
                &format!("/api/v1/verwaltung/stellen/{land}/mitglieder/{fs}"),
                json!(null)
            )
            .await
            .0,
        404
    );
    let (_, seite) = admin.get("/api/v1/verwaltung/stellen").await;
    assert_eq!(
        seite["eintraege"][0]["mitglieder"][0]["email"],
        "fs@example.org"
    );
    assert_eq!(seite["eintraege"][0]["anzahl_mitglieder"], 1);
    assert_eq!(fremder.delete(&mitglied(fs)).await.0, 404);
    assert_eq!(
        fremder
            .put(
                &format!("/api/v1/verwaltung/stellen/{sid}"),
                json!({"name": "Meins"})
            )
            .await
            .0,
        404
    );
    let (_, seite) = fremder.get("/api/v1/verwaltung/stellen").await;
    assert_eq!(
        seite["eintraege"].as_array().unwrap().len(),
        1,
        "only the Land-wide one"
    );
    assert!(w.app.db.ist_stellenmitglied(sid, fs).await.unwrap());
    assert_eq!(admin.delete(&mitglied(fs)).await.0, 204);
    assert_eq!(
        admin.delete(&mitglied(fs)).await.0,
        404,
        "no member any more"
    );
    let aktionen: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE object_type = 'stelle' ORDER BY id")
            .fetch_all(w.app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        aktionen,
        [
            "stelle.angelegt",
            "stelle.geaendert",
            "stelle.mitglied_hinzugefuegt",
            "stelle.mitglied_entfernt"
        ]
    );

    // Checklists: versioned per tenant, refused with German reasons, back to the default.
    let standard = standard_checkliste(Verfahrensart::VereinfachtesVerfahren);
    let (s, seite) = admin.get("/api/v1/checklisten").await;
    assert_eq!(s, 200);
    assert_eq!(seite["eintraege"].as_array().unwrap().len(), 4);
    assert!(
        seite["eintraege"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["version"].is_null())
    );
    assert_eq!(admin.get("/api/v1/checklisten/unbekannt").await.0, 404);
    let (s, c) = admin.get("/api/v1/checklisten/vereinfacht").await;
    assert_eq!(s, 200);
    assert_eq!(c["version"], Value::Null);
    let zeilen: Vec<Value> = c["positionen"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|z| z["anlageart"] != "2201")
        .map(|z| json!({"anlageart": z["anlageart"], "anforderung": z["anforderung"], "text": z["text"]}))
        .collect();
    assert_eq!(zeilen.len(), standard.positionen.len() - 1);
    let (s, c) = admin
        .put(
            "/api/v1/checklisten/vereinfacht",
            json!({"basis": 0, "positionen": zeilen}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["version"], 1);
    assert!(
        c["positionen"]
            .as_array()
            .unwrap()
            .iter()
            .all(|z| z["anlageart"] != "2201")
    );
    let (s, p) = admin
        .put(
            "/api/v1/checklisten/vereinfacht",
            json!({"basis": 0, "positionen": zeilen}),
        )
        .await;
    assert_eq!(s, 409, "built on the default, but version 1 is in force");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("inzwischen geändert")
    );
    let mut falsch = zeilen.clone();
    falsch.push(json!({"anlageart": "9998", "anforderung": "pflicht"}));
    let (s, p) = admin
        .put(
            "/api/v1/checklisten/vereinfacht",
            json!({"basis": 1, "positionen": falsch}),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("„9998“ gibt es in der Codeliste"),
        "{p}"
    );
    let (s, c) = admin
        .post("/api/v1/checklisten/vereinfacht/standard", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(c["version"], 2);
    assert_eq!(
        c["positionen"].as_array().unwrap().len(),
        standard.positionen.len()
    );
    let (s, v) = admin.get("/api/v1/checklisten/vereinfacht/versionen").await;
    assert_eq!(s, 200);
    let versionen = v["eintraege"].as_array().unwrap();
    assert_eq!(versionen.len(), 2);
    assert_eq!(versionen[0]["version"], 2, "newest first");
    assert_eq!(versionen[1]["von"], format!("Person {}", welt::ADMIN));
    let (_, c) = fremder.get("/api/v1/checklisten/vereinfacht").await;
    assert_eq!(
        c["version"],
        Value::Null,
        "the other tenant keeps the default"
    );

    // The Aktenzeichen format: previewed, refused with reasons, set.
    let jahr = heute_berlin().year();
    let (s, a) = admin.get("/api/v1/aktenzeichen").await;
    assert_eq!(s, 200);
    assert_eq!(a["naechstes"], format!("BA-{jahr}-00001"));
    assert_eq!(a["vorschau"], Value::Null);
    let (_, a) = admin
        .get("/api/v1/aktenzeichen?format=X%2F%7Bnummer%7D%2F%7Bjahr%7D&kuerzel=Q")
        .await;
    assert_eq!(a["vorschau"]["aktenzeichen"], format!("X/1/{jahr}"));
    let (_, a) = admin.get("/api/v1/aktenzeichen?format=X-%7Bjahr%7D").await;
    assert_eq!(a["vorschau"]["aktenzeichen"], Value::Null);
    assert!(
        a["vorschau"]["fehler"][0]
            .as_str()
            .unwrap()
            .contains("laufende Nummer")
    );
    let (s, p) = admin
        .put(
            "/api/v1/aktenzeichen",
            json!({"format": "{kuerzel}-{nummer}", "kuerzel": "B A"}),
        )
        .await;
    assert_eq!(s, 422);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("das Jahr enthalten") && detail.contains("Kürzel"),
        "{detail}"
    );
    let (s, a) = admin
        .put(
            "/api/v1/aktenzeichen",
            json!({"format": " 63/{nummer:4}/{jahr} ", "kuerzel": "BAK"}),
        )
        .await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["format"], "63/{nummer:4}/{jahr}");
    assert_eq!(a["naechstes"], format!("63/0001/{jahr}"));
    assert_eq!(
        zahl(
            &w.app.db,
            "SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1 AND action = 'aktenzeichen.format'",
            w.tenant
        )
        .await,
        1
    );
    let (_, a) = fremder.get("/api/v1/aktenzeichen").await;
    assert_eq!(
        a["naechstes"],
        format!("BA-{jahr}-00001"),
        "the other tenant's own"
    );

    // The Bescheid template.
    let (s, v) = admin.get("/api/v1/bescheidvorlage").await;
    assert_eq!(s, 200);
    assert!(
        v["rechtsbehelfsbelehrung"]
            .as_str()
            .unwrap()
            .contains("Widerspruch")
    );
    assert_eq!(v["behoerde"], "Bauaufsicht kreis-a");
    let (s, p) = admin
        .put(
            "/api/v1/bescheidvorlage",
            json!({"rechtsbehelfsbelehrung": "y".repeat(20_001), "ort": "Kassel\nFulda"}),
        )
        .await;
    assert_eq!(s, 422);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("Die Rechtsbehelfsbelehrung ist zu lang")
            && detail.contains("Der Ort ist zu lang")
    );
    assert!(w.app.db.bescheid_vorlage(w.tenant).await.unwrap().is_none());
    let text = "Gegen diesen Bescheid kann innerhalb eines Monats Klage erhoben werden.";
    let (s, v) = admin
        .put(
            "/api/v1/bescheidvorlage",
            json!({"rechtsbehelfsbelehrung": text, "anschrift": "Am Markt 1\n34117 Kassel", "ort": "Kassel"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["rechtsbehelfsbelehrung"], text);
    assert_eq!(v["ort"], "Kassel");
    assert_eq!(
        w.app
            .db
            .bescheid_vorlage(w.tenant)
            .await
            .unwrap()
            .unwrap()
            .rechtsbehelfsbelehrung,
        text
    );
    assert_eq!(
        ba.put(
            "/api/v1/bescheidvorlage",
            json!({"rechtsbehelfsbelehrung": "x"})
        )
        .await
        .0,
        403
    );
}
