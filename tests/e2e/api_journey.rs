//! The whole procedure through `/api/v1` alone, as machine clients would walk it — the
//! architect's CAD or office software, the authority's and the Stellen's systems — each with
//! a personal access token, against the real binary (server and workers, so the real
//! pipeline checks every upload) with mail through a real SMTP server and a test clock:
//!
//! 1. setup as an operator: tenant, accounts and Stellen through the CLI; every person
//!    makes a token once (session + CSRF header), then only the token is used;
//! 2. the architect opens the case with its Angaben, uploads the Bauvorlagen (the sample
//!    plans, and the forms the sample set does not have), classifies one, reads the
//!    checklist until the pipeline is done, and invites the Bauherrschaft;
//! 3. the Bauherrschaft accepts with the secret of its mail and signs off; the architect
//!    submits (Aktenzeichen, Fassung 1);
//! 4. the case worker finds it in the inbox and asks for a document with a Befund; the
//!    architect uploads a new version and answers; the case worker reads the comparison
//!    of the Fassungen and declares the case complete;
//! 5. the administration sets up three Stellen with their members; the case worker asks
//!    them; the Brandschutzdienststelle comments on a plan, asks a Rückfrage, attaches a
//!    file and consents with Nebenbestimmungen, the Naturschutzbehörde consents, the
//!    Gemeinde stays silent until the test clock passes its deadline (deemed Einvernehmen,
//!    § 36 Abs. 2 BauGB), which closes the Beteiligung;
//! 6. the case worker drafts the Bescheid from the Stellungnahmen and issues it; the worker
//!    stamps the plans; the architect downloads the Bescheid and a stamped plan.
//!
//! The same path as `antrag_journey` and `beteiligung_journey` together, without a browser.

mod common;
mod reise;

use common::{Site, wait_ready};
use plankammer_tests::smtp::SmtpServer;
use plankammer_tests::{free_port, repo_root};
use reise::mail_an;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const TENANT: &str = "bauaufsicht-kassel";
const ARCHITEKTIN: &str = "sabine.hoffmann@architektur-hoffmann.example";
const SACHBEARBEITUNG: &str = "m.weber@bauaufsicht-kassel.example";
const BAUHERR: &str = "jana.becker@example.de";
const ADMIN: &str = "it@bauaufsicht-kassel.example";
const BRANDSCHUTZ: &str = "vb@feuerwehr-kassel.example";
const NATURSCHUTZ: &str = "unb@landkreis-kassel.example";
const GEMEINDE: &str = "bauamt@kassel.example";
const PASSWORT: &str = "ein-sehr-langes-passwort";

/// The pipeline over the whole upload on a loaded machine.
const PIPELINE: Duration = Duration::from_secs(420);

/// A machine client with its token.
struct Api {
    url: String,
    token: String,
    http: reqwest::Client,
    wer: &'static str,
}

impl Api {
    /// Signs in once through the login form, makes a token with the session (the CSRF
    /// header proves the request comes from the page's script), and from then on uses only
    /// the token.
    async fn fuer(url: &str, email: &'static str, passwort: &str, zweck: &str) -> Api {
        let (c, r) = plankammer_tests::login_at(url, email, passwort).await;
        assert_eq!(r.status(), 303, "login of {email}");
        // Staff of an authority that requires the second factor set it up at first login.
        if r.headers()["location"] == "/anmelden/zweiter-faktor" {
            plankammer_tests::zweiter_faktor_einrichten_at(&c, url).await;
        }
        let csrf = plankammer_tests::session_csrf(&c, url).await;
        let r = c
            .post(format!("{url}/api/v1/tokens"))
            .header("x-csrf-token", csrf)
            .json(&json!({ "name": zweck }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "token of {email}");
        let v: Value = r.json().await.unwrap();
        Api {
            url: url.into(),
            token: v["schluessel"].as_str().unwrap().into(),
            http: reqwest::Client::new(),
            wer: email,
        }
    }

    async fn rufe(&self, m: Method, pfad: &str, body: Option<Value>) -> (u16, Value) {
        let mut rq = self
            .http
            .request(m.clone(), format!("{}{pfad}", self.url))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.unwrap();
        let status = r.status().as_u16();
        let typ = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = r.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if status >= 400 {
            // Every refusal is a problem with German words.
            assert_eq!(typ, "application/problem+json", "{m} {pfad}: {v}");
            assert_eq!(v["status"], status, "{m} {pfad}: {v}");
            assert!(!v["detail"].as_str().unwrap_or("").is_empty(), "{v}");
        }
        (status, v)
    }

    /// A call that must succeed with `erwartet`.
    async fn ok(&self, m: Method, pfad: &str, body: Option<Value>, erwartet: u16) -> Value {
        let (s, v) = self.rufe(m.clone(), pfad, body).await;
        assert_eq!(s, erwartet, "{} {m} {pfad}: {v}", self.wer);
        v
    }

    async fn get(&self, pfad: &str) -> Value {
        self.ok(Method::GET, pfad, None, 200).await
    }

    /// Uploads a file with a raw `PUT`.
    async fn hochladen(&self, pfad: &str, bytes: Vec<u8>) -> Value {
        let r = self
            .http
            .put(format!("{}{pfad}", self.url))
            .bearer_auth(&self.token)
            .header("content-type", "application/pdf")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "upload {pfad}: {v}");
        v
    }

    /// A download: status and bytes.
    async fn lade(&self, pfad: &str) -> (u16, Vec<u8>) {
        let r = self
            .http
            .get(format!("{}{pfad}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        (s, r.bytes().await.unwrap().to_vec())
    }

    /// Every entry of a paged list.
    async fn alle(&self, pfad: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let trenner = if pfad.contains('?') { '&' } else { '?' };
        let mut weiter: Option<String> = None;
        loop {
            let p = match &weiter {
                None => format!("{pfad}{trenner}limit=2"),
                Some(w) => format!("{pfad}{trenner}limit=2&nach={w}"),
            };
            let v = self.get(&p).await;
            out.extend(v["eintraege"].as_array().unwrap().iter().cloned());
            match v["weiter"].as_str() {
                Some(w) => weiter = Some(w.to_string()),
                None => return out,
            }
        }
    }
}

fn beispiel(datei: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("sample-plans/einfamilienhaus").join(datei)).unwrap()
}

/// The link in a mail that starts with `anfang`.
fn link_in(text: &str, anfang: &str) -> String {
    let start = text
        .find(anfang)
        .unwrap_or_else(|| panic!("a link {anfang}… in {text}"));
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_procedure_through_the_api_with_access_tokens() {
    let gesamt = Instant::now();
    // --- 1. Setup through the CLI, as an operator would. ------------------------------------
    let site = Site::new().await;
    let smtp = SmtpServer::start(0);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    // The test clock: seconds added to the real time, read by server and worker.
    let uhr = site.dir.path().join("testuhr");
    std::fs::write(&uhr, "0").unwrap();
    let extra: Vec<(&str, String)> = vec![
        ("BIND", format!("127.0.0.1:{port}")),
        ("MAIL_URL", smtp.url()),
        ("MAIL_RETRY_BASE_MS", "1000".into()),
        ("PLANKAMMER_TESTUHR", uhr.display().to_string()),
        ("MAINTENANCE_INTERVAL_SECS", "1".into()),
    ];
    let (code, out) = site.run(&["migrate"], &extra);
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "tenant",
            "add",
            "--slug",
            TENANT,
            "--name",
            "Bauaufsicht Kassel",
        ],
        &extra,
    );
    assert_eq!(code, 0, "{out}");
    let mit_passwort = [
        extra.clone(),
        vec![("PLANKAMMER_PASSWORD", PASSWORT.into())],
    ]
    .concat();
    for (email, name, rolle) in [
        (ARCHITEKTIN, "Sabine Hoffmann", "antragsteller"),
        (SACHBEARBEITUNG, "Markus Weber", "bauaufsicht"),
        (BAUHERR, "Jana Becker", "antragsteller"),
        (ADMIN, "Ines Technik", "admin"),
        (BRANDSCHUTZ, "Volker Brand", "fachstelle"),
        (NATURSCHUTZ, "Nina Natur", "fachstelle"),
        (GEMEINDE, "Gerd Gemeinde", "fachstelle"),
    ] {
        let (code, out) = site.run(
            &[
                "user", "add", "--tenant", TENANT, "--email", email, "--name", name, "--role",
                rolle,
            ],
            &mit_passwort,
        );
        assert_eq!(code, 0, "{email}: {out}");
    }
    let app = site.start(&[], &extra, "plankammer");
    wait_ready(&url, &app).await;

    let architektin = Api::fuer(&url, ARCHITEKTIN, PASSWORT, "CAD-Export Büro Hoffmann").await;
    let bauherr = Api::fuer(&url, BAUHERR, PASSWORT, "Bauherren-App").await;
    let ba = Api::fuer(&url, SACHBEARBEITUNG, PASSWORT, "Fachverfahren").await;
    let me = architektin.get("/api/v1/me").await;
    assert_eq!(me["per_schluessel"], true);
    // Without a token nothing is answered (and the answer is a problem).
    let anonym = reqwest::Client::new()
        .get(format!("{url}/api/v1/cases"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonym.status(), 401);
    assert_eq!(anonym.headers()["content-type"], "application/problem+json");

    // --- 2. The architect: case with Angaben, Bauvorlagen, checklist, invitation. ---------
    let angaben = json!({
        "verfahren": "vereinfacht",
        "angaben": {
            "bauvorhaben": {"bezeichnung": "Neubau Einfamilienhaus mit Garage", "massnahme": "11", "gebaeudeklasse": "1"},
            "grundstueck": {"strasse": "Lindenweg", "hausnummer": "12", "plz": "34117", "ort": "Kassel",
                "gemeinde_ags": "06611000", "gemarkung": "Kirchditmold", "flur": "7", "flurstuecke": ["112/3", "112/4"]},
            "bauherrschaft": {"name": "Jana Becker", "anschrift": "Am Weinberg 3, 34119 Kassel", "email": BAUHERR},
            "entwurfsverfasser": {"name": "Sabine Hoffmann", "kammer": "Architekten- und Stadtplanerkammer Hessen", "mitgliedsnummer": "12345"}
        }
    });
    // A wrong Flurstück comes back with every problem at once, in German.
    let mut falsch = angaben.clone();
    falsch["angaben"]["grundstueck"]["flurstuecke"] = json!(["Acker"]);
    falsch["angaben"]["grundstueck"]["plz"] = json!("341");
    let (s, p) = architektin
        .rufe(
            Method::POST,
            "/api/v1/cases",
            Some(json!({ "angaben": falsch })),
        )
        .await;
    assert!(s == 400 || s == 422, "{s} {p}");
    let detail = p["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("Postleitzahl") || detail.contains("Flurstück") || s == 400,
        "{p}"
    );
    let fall = architektin
        .ok(
            Method::POST,
            "/api/v1/cases",
            Some(json!({ "angaben": angaben })),
            201,
        )
        .await;
    let id = fall["id"].as_i64().unwrap();
    assert_eq!(fall["zustand"], "entwurf");
    assert_eq!(fall["verfahren"], "vereinfacht");
    assert_eq!(fall["gemeinde_ags"], "06611000");
    let gelesen = architektin
        .get(&format!("/api/v1/cases/{id}/angaben"))
        .await;
    assert_eq!(
        gelesen["angaben"]["grundstueck"]["flurstuecke"],
        json!(["112/3", "112/4"])
    );
    assert_eq!(gelesen["aenderbar"], true);
    let leer = architektin
        .get(&format!("/api/v1/cases/{id}/checkliste"))
        .await;
    assert!(
        leer["hindernisse"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h.as_str().unwrap().contains("Bauherrschaft")),
        "{leer}"
    );

    // The sample plans with their Anlageart; the forms the set lacks as small PDFs.
    let mut hochgeladen = Vec::new();
    for (datei, art) in [
        ("01_Lageplan.pdf", "1803"),
        ("03_Grundriss_EG.pdf", "2001"),
        ("06_Schnitt_A-A.pdf", "2002"),
        ("07_Ansichten.pdf", "2003"),
        ("08_Baubeschreibung.pdf", "1502"),
        ("09_Stellplatznachweis.pdf", "2301"),
    ] {
        let v = architektin
            .hochladen(
                &format!("/api/v1/cases/{id}/documents/{datei}?anlageart={art}"),
                beispiel(datei),
            )
            .await;
        hochgeladen.push(v["dokument_id"].as_i64().unwrap());
    }
    for (name, art) in [
        ("Antragsformular.pdf", "1101"),
        ("Liegenschaftskarte.pdf", "1802"),
        ("DIN_277.pdf", "2201"),
        ("Abstandsflaechen.pdf", "2102"),
        ("Bauvorlageberechtigung.pdf", "0401"),
    ] {
        let v = architektin
            .hochladen(
                &format!("/api/v1/cases/{id}/documents/{name}?anlageart={art}"),
                plankammer_tests::pdf::a4_salted(1, name),
            )
            .await;
        hochgeladen.push(v["dokument_id"].as_i64().unwrap());
    }
    // One more without a type, classified afterwards.
    let ohne = architektin
        .hochladen(
            &format!("/api/v1/cases/{id}/documents/Grundriss_OG.pdf"),
            beispiel("04_Grundriss_OG.pdf"),
        )
        .await;
    let og = ohne["dokument_id"].as_i64().unwrap();
    let (s, p) = architektin
        .rufe(
            Method::PUT,
            &format!("/api/v1/documents/{og}/anlageart"),
            Some(json!({ "anlageart": "9x9" })),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    architektin
        .ok(
            Method::PUT,
            &format!("/api/v1/documents/{og}/anlageart"),
            Some(json!({ "anlageart": "2001" })),
            204,
        )
        .await;
    // Two more without a type, typed together: all or nothing.
    let mut ohne_typ = Vec::new();
    for name in ["Baustatistik.pdf", "Grundriss_DG.pdf"] {
        let v = architektin
            .hochladen(
                &format!("/api/v1/cases/{id}/documents/{name}"),
                plankammer_tests::pdf::a4_salted(2, name),
            )
            .await;
        ohne_typ.push(v["dokument_id"].as_i64().unwrap());
    }
    let (statistik, dg) = (ohne_typ[0], ohne_typ[1]);
    let typen = |arch: &Value| -> Vec<Value> {
        let docs = arch["eintraege"].as_array().unwrap().clone();
        [statistik, dg]
            .iter()
            .map(|d| {
                docs.iter()
                    .find(|x| x["id"].as_i64() == Some(*d))
                    .map(|x| x["anlageart"].clone())
                    .unwrap_or(Value::Null)
            })
            .collect()
    };
    let typ_url = format!("/api/v1/cases/{id}/anlagearten");
    for (body, status) in [
        (json!({ "anlagearten": [] }), 422),
        (
            json!({ "anlagearten": [{ "dokument": statistik, "anlageart": "2501" }, { "dokument": dg, "anlageart": "9x9" }] }),
            422,
        ),
        (
            json!({ "anlagearten": [{ "dokument": statistik, "anlageart": "2501" }, { "dokument": hochgeladen[0] + 1_000_000, "anlageart": "2001" }] }),
            422,
        ),
    ] {
        let (s, p) = architektin.rufe(Method::PUT, &typ_url, Some(body)).await;
        assert_eq!(s, status, "{p}");
        let docs = architektin
            .get(&format!("/api/v1/cases/{id}/documents?limit=100"))
            .await;
        assert_eq!(
            typen(&docs),
            vec![Value::Null, Value::Null],
            "nothing typed: {docs}"
        );
    }
    let v = architektin
        .ok(
            Method::PUT,
            &typ_url,
            Some(json!({ "anlagearten": [{ "dokument": statistik, "anlageart": "2501" }, { "dokument": dg, "anlageart": "2001" }] })),
            200,
        )
        .await;
    assert_eq!(v["gesetzt"], 2, "{v}");
    let docs = architektin
        .get(&format!("/api/v1/cases/{id}/documents?limit=100"))
        .await;
    assert_eq!(typen(&docs), vec![json!("2501"), json!("2001")], "{docs}");
    hochgeladen.extend(ohne_typ);
    let start = Instant::now();
    let stand = loop {
        let c = architektin
            .get(&format!("/api/v1/cases/{id}/checkliste"))
            .await;
        if c["laufend"] == false {
            break c;
        }
        assert!(
            start.elapsed() < PIPELINE,
            "the pipeline did not finish: {c}\n{}",
            app.output()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let hindernisse: Vec<&str> = stand["hindernisse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(
        hindernisse.len(),
        1,
        "only the Bauherrschaft is missing: {stand}"
    );
    assert!(hindernisse[0].contains("Bauherrschaft"), "{stand}");
    let dokumente = architektin
        .alle(&format!("/api/v1/cases/{id}/documents"))
        .await;
    assert_eq!(dokumente.len(), hochgeladen.len() + 1);
    architektin
        .ok(
            Method::POST,
            &format!("/api/v1/cases/{id}/beteiligte"),
            Some(json!({ "name": "Jana Becker", "email": BAUHERR })),
            201,
        )
        .await;

    // --- 3. The Bauherrschaft accepts and signs off; the architect submits. ------------------
    let einladung = mail_an(&smtp, BAUHERR, "Einladung zu Ihrem Bauantrag").await;
    let link = link_in(&einladung.text, &format!("{url}/einladung/"));
    let secret = link.rsplit('/').next().unwrap();
    // Before accepting, the case is not the Bauherrschaft's to see.
    let (s, _) = bauherr
        .rufe(Method::GET, &format!("/api/v1/cases/{id}"), None)
        .await;
    assert_eq!(s, 404);
    let angenommen = bauherr
        .ok(
            Method::POST,
            &format!("/api/v1/einladungen/{secret}/annahme"),
            None,
            200,
        )
        .await;
    assert_eq!(angenommen["id"], id);
    // The secret is used up.
    let (s, _) = bauherr
        .rufe(
            Method::POST,
            &format!("/api/v1/einladungen/{secret}/annahme"),
            None,
        )
        .await;
    assert_eq!(s, 422);
    // Only the Bauherrschaft signs off; the architect cannot for it.
    let (s, _) = architektin
        .rufe(
            Method::POST,
            &format!("/api/v1/cases/{id}/freizeichnung"),
            None,
        )
        .await;
    assert_eq!(s, 403);
    bauherr
        .ok(
            Method::POST,
            &format!("/api/v1/cases/{id}/freizeichnung"),
            None,
            204,
        )
        .await;
    let eingang = architektin
        .ok(
            Method::POST,
            &format!("/api/v1/cases/{id}/einreichung"),
            None,
            201,
        )
        .await;
    let aktenzeichen = eingang["aktenzeichen"].as_str().unwrap().to_string();
    assert!(aktenzeichen.starts_with("BA-"), "{eingang}");
    assert_eq!(eingang["fassung"], 1);
    let (s, p) = architektin
        .rufe(
            Method::POST,
            &format!("/api/v1/cases/{id}/einreichung"),
            None,
        )
        .await;
    assert_eq!(s, 409);
    assert!(p["detail"].as_str().unwrap().contains(&aktenzeichen), "{p}");
    let bestaetigung = mail_an(&smtp, ARCHITEKTIN, "Eingangsbestätigung").await;
    assert!(
        bestaetigung.text.contains(&aktenzeichen),
        "{}",
        bestaetigung.text
    );

    // --- 4. The formelle Prüfung: inbox, Nachforderung, Nachreichung, complete. --------------
    let eingang = ba.alle("/api/v1/eingang?status=eingegangen").await;
    assert_eq!(eingang.len(), 1, "{eingang:?}");
    assert_eq!(eingang[0]["aktenzeichen"], aktenzeichen.as_str());
    // The architect does not reach the inbox.
    let (s, _) = architektin.rufe(Method::GET, "/api/v1/eingang", None).await;
    assert_eq!(s, 403);
    let schnitt = hochgeladen[2];
    let heute = chrono::Utc::now().date_naive();
    let vorschlag = plankammer_domain::frist::berechne(
        plankammer_storage::heute_berlin(),
        plankammer_domain::frist::Dauer::Monate(1),
    )
    .unwrap()
    .ende;
    let (s, p) = ba
        .rufe(
            Method::POST,
            &format!("/api/v1/cases/{id}/nachforderung"),
            Some(json!({ "befunde": [], "frist_ende": vorschlag.to_string() })),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("mindestens einen Befund"),
        "{p}"
    );
    ba.ok(
        Method::POST,
        &format!("/api/v1/cases/{id}/nachforderung"),
        Some(json!({
            "befunde": [{"code": "02", "text": "Im Schnitt fehlt die Höhenkote der Traufe.", "dokument_id": schnitt}],
            "frist_ende": vorschlag.to_string()
        })),
        204,
    )
    .await;
    let nach = architektin.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(nach["zustand"], "nachforderung");
    assert_eq!(nach["status_code"], "17");
    let befunde = architektin
        .alle(&format!("/api/v1/cases/{id}/befunde"))
        .await;
    assert_eq!(befunde[0]["dokument_id"], schnitt);
    let fristen = architektin
        .alle(&format!("/api/v1/cases/{id}/fristen"))
        .await;
    assert_eq!(fristen[0]["art"], "nachforderung");
    assert_eq!(fristen[0]["ende"], vorschlag.to_string());
    assert!(heute <= vorschlag);
    // A new version of the Schnitt, then the Nachreichung.
    architektin
        .hochladen(
            &format!("/api/v1/documents/{schnitt}/versions/06_Schnitt_A-A_b.pdf"),
            beispiel("14_Kurven_Schnitt_A-A.pdf"),
        )
        .await;
    // A new plan version changes what the Bauherrschaft signed: the API shows it, the
    // Nachreichung waits for a new Freizeichnung (docs/decisions/0006-freizeichnung.md).
    let liste = architektin
        .get(&format!("/api/v1/cases/{id}/checkliste"))
        .await;
    assert_eq!(
        liste["freizeichnungen"][0]["zustand"], "ungueltig",
        "{liste}"
    );
    assert_eq!(
        liste["freizeichnungen"][0]["aenderungen"][0]["art"], "neue_version",
        "{liste}"
    );
    assert_eq!(
        liste["freizeichnungen"][0]["aenderungen"][0]["dokument_id"], schnitt,
        "{liste}"
    );
    bauherr
        .ok(
            Method::POST,
            &format!("/api/v1/cases/{id}/freizeichnung"),
            None,
            204,
        )
        .await;
    let liste = architektin
        .get(&format!("/api/v1/cases/{id}/checkliste"))
        .await;
    assert_eq!(liste["freizeichnungen"][0]["zustand"], "gueltig", "{liste}");
    let start = Instant::now();
    let fassung = loop {
        let (s, v) = architektin
            .rufe(
                Method::POST,
                &format!("/api/v1/cases/{id}/nachreichung"),
                None,
            )
            .await;
        if s == 201 {
            break v;
        }
        assert_eq!(s, 422, "only while the new version is being checked: {v}");
        assert!(start.elapsed() < PIPELINE, "{v}\n{}", app.output());
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(fassung["nummer"], 2);
    let vergleich = ba
        .get(&format!("/api/v1/cases/{id}/fassungsvergleich"))
        .await;
    assert_eq!(
        (vergleich["von"].clone(), vergleich["nach"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(
        vergleich["ersetzt"].as_array().unwrap().len(),
        1,
        "{vergleich}"
    );
    assert_eq!(vergleich["ersetzt"][0]["neu"]["dokument_id"], schnitt);
    // The comparison is the authority's; the architect is refused.
    let (s, _) = architektin
        .rufe(
            Method::GET,
            &format!("/api/v1/cases/{id}/fassungsvergleich"),
            None,
        )
        .await;
    assert_eq!(s, 404);
    ba.ok(
        Method::POST,
        &format!("/api/v1/cases/{id}/vollstaendigkeit"),
        None,
        204,
    )
    .await;
    let fall = architektin.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(fall["zustand"], "vollstaendig");
    assert_eq!(fall["status_code"], "18");
    let zeitleiste = architektin
        .alle(&format!("/api/v1/cases/{id}/zeitleiste"))
        .await;
    let arten: Vec<&str> = zeitleiste
        .iter()
        .map(|e| e["art"].as_str().unwrap())
        .collect();
    for art in [
        "angelegt",
        "einladung",
        "einladung_angenommen",
        "freizeichnung",
        "einreichen",
        "nachfordern",
        "nachreichen",
        "vollstaendig_erklaeren",
    ] {
        assert!(arten.contains(&art), "{art} in {arten:?}");
    }
    println!(
        "api_journey: Antrag bis vollständig in {:.0} s",
        gesamt.elapsed().as_secs_f64()
    );

    // --- 5. The Beteiligung: Stellen set up by the administration, asked, answering. -------
    let admin = Api::fuer(&url, ADMIN, PASSWORT, "Verwaltungsskript").await;
    let brand = Api::fuer(&url, BRANDSCHUTZ, PASSWORT, "Fachverfahren Feuerwehr").await;
    let natur = Api::fuer(&url, NATURSCHUTZ, PASSWORT, "Fachverfahren UNB").await;
    let gemeinde = Api::fuer(&url, GEMEINDE, PASSWORT, "Ratsinformationssystem").await;
    let personen = admin.alle("/api/v1/users").await;
    let person = |email: &str| {
        personen
            .iter()
            .find(|p| p["email"] == email)
            .unwrap_or_else(|| panic!("{email} in {personen:?}"))["id"]
            .as_i64()
            .unwrap()
    };
    // Only the administration manages Stellen.
    let (s, _) = ba
        .rufe(
            Method::POST,
            "/api/v1/verwaltung/stellen",
            Some(json!({"name": "Schattenstelle", "rechtsbereich": "", "gemeinde": ""})),
        )
        .await;
    assert_eq!(s, 403);
    let mut stellen = Vec::new();
    for (name, rechtsbereich, ags, mitglied) in [
        (
            "Brandschutzdienststelle Kassel",
            "Brandschutz",
            "",
            BRANDSCHUTZ,
        ),
        (
            "Untere Naturschutzbehörde Kassel",
            "Naturschutz",
            "",
            NATURSCHUTZ,
        ),
        (
            "Stadt Kassel (Einvernehmen)",
            "Planungsrecht",
            "06611000",
            GEMEINDE,
        ),
    ] {
        let stelle = admin
            .ok(
                Method::POST,
                "/api/v1/verwaltung/stellen",
                Some(json!({"name": name, "rechtsbereich": rechtsbereich, "gemeinde": ags})),
                201,
            )
            .await;
        let sid = stelle["id"].as_i64().unwrap();
        admin
            .ok(
                Method::PUT,
                &format!(
                    "/api/v1/verwaltung/stellen/{sid}/mitglieder/{}",
                    person(mitglied)
                ),
                None,
                204,
            )
            .await;
        stellen.push(sid);
    }
    let (st_brand, st_natur, st_gemeinde) = (stellen[0], stellen[1], stellen[2]);
    // An applicant cannot be made a member of a Stelle.
    let (s, _) = admin
        .rufe(
            Method::PUT,
            &format!(
                "/api/v1/verwaltung/stellen/{st_brand}/mitglieder/{}",
                person(ARCHITEKTIN)
            ),
            None,
        )
        .await;
    assert_eq!(s, 422);
    let anfragbar = ba.alle(&format!("/api/v1/cases/{id}/stellen")).await;
    for sid in &stellen {
        assert!(
            anfragbar.iter().any(|s| s["id"] == *sid),
            "{sid} in {anfragbar:?}"
        );
    }
    // Before anyone is asked, a Stelle has nothing in its inbox.
    assert!(brand.alle("/api/v1/anfragen").await.is_empty());
    let angefragt = ba
        .ok(
            Method::POST,
            &format!("/api/v1/cases/{id}/beteiligungen"),
            Some(json!({"anfragen": [
                {"stelle_id": st_brand, "rolle": "1", "notiz": "Bitte die Zufahrt und den zweiten Rettungsweg prüfen."},
                {"stelle_id": st_natur, "rolle": "2"},
                {"stelle_id": st_gemeinde, "rolle": "3"}
            ]})),
            201,
        )
        .await;
    let angefragt = angefragt.as_array().unwrap();
    assert_eq!(angefragt.len(), 3, "{angefragt:?}");
    let anfrage_von = |sid: i64| {
        angefragt
            .iter()
            .find(|a| a["stelle_id"] == sid)
            .unwrap_or_else(|| panic!("the request to {sid}: {angefragt:?}"))
            .clone()
    };
    let (a_brand, a_natur, a_gemeinde) = (
        anfrage_von(st_brand),
        anfrage_von(st_natur),
        anfrage_von(st_gemeinde),
    );
    assert_eq!(a_gemeinde["schweigefolge"], "einvernehmen");
    assert_eq!(a_gemeinde["rechtsgrundlage"], "§ 36 Abs. 2 BauGB");
    assert_eq!(a_brand["rechtsgrundlage"], "§ 70 Abs. 1 HBO");
    let bid = a_brand["id"].as_i64().unwrap();
    let fall = architektin.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(fall["zustand"], "beteiligung");
    assert_eq!(fall["status_code"], "08");
    let m = mail_an(&smtp, ARCHITEKTIN, "Beteiligung der Stellen").await;
    assert!(m.text.contains(&aktenzeichen), "{}", m.text);
    for (an, grundlage) in [
        (BRANDSCHUTZ, "§ 70 Abs. 1 HBO"),
        (NATURSCHUTZ, "§ 70 Abs. 1 HBO"),
        (GEMEINDE, "§ 36 Abs. 2 BauGB"),
    ] {
        let m = mail_an(&smtp, an, "Bitte um Stellungnahme").await;
        assert!(m.text.contains(grundlage), "{an}: {}", m.text);
    }
    // The applicant does not see the requests; another Stelle not this one.
    let (s, _) = architektin
        .rufe(
            Method::GET,
            &format!("/api/v1/cases/{id}/beteiligungen"),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = natur
        .rufe(Method::GET, &format!("/api/v1/anfragen/{bid}"), None)
        .await;
    assert_eq!(s, 404);

    // The Brandschutzdienststelle reads its request, comments on a plan and asks.
    let eingang = brand.alle("/api/v1/anfragen").await;
    assert_eq!(eingang.len(), 1, "{eingang:?}");
    assert_eq!(eingang[0]["id"], bid);
    assert_eq!(eingang[0]["aktenzeichen"], aktenzeichen.as_str());
    let anfrage = brand.get(&format!("/api/v1/anfragen/{bid}")).await;
    assert_eq!(
        anfrage["zustand"], "in_bearbeitung",
        "the first read opens it"
    );
    assert_eq!(anfrage["kann_stellungnahme"], true);
    let unterlagen = anfrage["unterlagen"].as_array().unwrap();
    assert_eq!(
        unterlagen.len(),
        dokumente.len(),
        "without a scope the Stelle sees every document: {unterlagen:?}"
    );
    let plan = unterlagen
        .iter()
        .find(|u| u["anlageart"] == "1803")
        .expect("the Lageplan");
    let vid = plan["version_id"].as_i64().unwrap();
    brand
        .ok(
            Method::POST,
            &format!("/api/v1/versions/{vid}/kommentare"),
            Some(json!({"seite": 1, "x": 0.42, "y": 0.31,
                "text": "Aufstellfläche für die Feuerwehr fehlt an dieser Stelle."})),
            201,
        )
        .await;
    let kommentare = ba.alle(&format!("/api/v1/versions/{vid}/kommentare")).await;
    assert_eq!(kommentare.len(), 1, "{kommentare:?}");
    let frage = "Ist für das Dachgeschoss ein zweiter baulicher Rettungsweg vorgesehen?";
    let rueckfrage = brand
        .ok(
            Method::POST,
            &format!("/api/v1/anfragen/{bid}/rueckfragen"),
            Some(json!({ "frage": frage })),
            201,
        )
        .await;
    let rid = rueckfrage["id"].as_i64().unwrap();
    let m = mail_an(
        &smtp,
        SACHBEARBEITUNG,
        "Rückfrage der Stelle Brandschutzdienststelle",
    )
    .await;
    assert!(m.text.contains(&aktenzeichen), "{}", m.text);
    let akte = ba.get(&format!("/api/v1/beteiligungen/{bid}")).await;
    assert_eq!(akte["rueckfragen"][0]["id"], rid);
    assert_eq!(akte["rueckfragen"][0]["frage"], frage);
    ba.ok(
        Method::POST,
        &format!("/api/v1/beteiligungen/{bid}/rueckfragen/{rid}/antwort"),
        Some(json!({"antwort": "Ja, über Leitern der Feuerwehr; die Fenster werden als Rettungsfenster ausgeführt."})),
        204,
    )
    .await;
    let m = mail_an(&smtp, BRANDSCHUTZ, "Antwort auf Ihre Rückfrage").await;
    assert!(m.text.contains(&aktenzeichen), "{}", m.text);

    // An attachment, checked by the pipeline like a Bauvorlage, then the Stellungnahme.
    brand
        .hochladen(
            &format!("/api/v1/anfragen/{bid}/anlagen/09_Stellplatznachweis.pdf"),
            beispiel("09_Stellplatznachweis.pdf"),
        )
        .await;
    let start = Instant::now();
    loop {
        let anlagen = brand.alle(&format!("/api/v1/anfragen/{bid}/anlagen")).await;
        assert_eq!(anlagen.len(), 1, "{anlagen:?}");
        let stufen = anlagen[0]["version"]["stufen"].as_array().unwrap().clone();
        if !stufen.is_empty() && stufen.iter().all(|s| s["zustand"] == "succeeded") {
            break;
        }
        assert!(
            stufen.iter().all(|s| s["zustand"] != "failed"),
            "{anlagen:?}"
        );
        assert!(start.elapsed() < PIPELINE, "{anlagen:?}\n{}", app.output());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // A Stellungnahme with Nebenbestimmungen needs them: every problem at once.
    let (s, p) = brand
        .rufe(
            Method::POST,
            &format!("/api/v1/anfragen/{bid}/stellungnahmen"),
            Some(json!({"tenor": "", "zustimmung": "mit_nebenbestimmungen"})),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    let stellungnahme = brand
        .ok(
            Method::POST,
            &format!("/api/v1/anfragen/{bid}/stellungnahmen"),
            Some(json!({
                "tenor": "Dem Vorhaben wird aus Sicht des Brandschutzes unter Auflagen zugestimmt.",
                "zustimmung": "mit_nebenbestimmungen",
                "nebenbestimmungen": [
                    {"art": "2", "text": "Die Fenster der Aufenthaltsräume im Dachgeschoss sind als Rettungsfenster (lichte Öffnung mindestens 0,90 × 1,20 m) auszuführen.",
                     "begruendung": "Zweiter Rettungsweg über Leitern der Feuerwehr, § 36 Abs. 3 HBO."},
                    {"art": "4", "text": "Rauchwarnmelder nach § 14 Abs. 2 HBO in Schlafräumen, Kinderzimmern und Fluren."}
                ],
                "begruendung": "Die Unterlagen wurden geprüft; die Rückfrage ist beantwortet."
            })),
            201,
        )
        .await;
    assert_eq!(
        stellungnahme["nebenbestimmungen"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        stellungnahme["anlagen"][0]["dateiname"],
        "09_Stellplatznachweis.pdf"
    );
    mail_an(
        &smtp,
        SACHBEARBEITUNG,
        "Stellungnahme der Stelle Brandschutzdienststelle",
    )
    .await;
    // Once given, a second one is only a correction.
    let (s, _) = brand
        .rufe(
            Method::POST,
            &format!("/api/v1/anfragen/{bid}/stellungnahmen"),
            Some(json!({"tenor": "Noch einmal.", "zustimmung": "ja"})),
        )
        .await;
    assert_eq!(s, 409);

    // The Naturschutzbehörde consents.
    let nid = a_natur["id"].as_i64().unwrap();
    assert_eq!(natur.alle("/api/v1/anfragen").await.len(), 1);
    natur.get(&format!("/api/v1/anfragen/{nid}")).await;
    natur
        .ok(
            Method::POST,
            &format!("/api/v1/anfragen/{nid}/stellungnahmen"),
            Some(json!({"tenor": "Naturschutzrechtliche Belange stehen nicht entgegen.", "zustimmung": "ja"})),
            201,
        )
        .await;
    mail_an(
        &smtp,
        SACHBEARBEITUNG,
        "Stellungnahme der Stelle Untere Naturschutzbehörde",
    )
    .await;

    // The Gemeinde stays silent; the clock moves past its deadline.
    let gid = a_gemeinde["id"].as_i64().unwrap();
    assert_eq!(gemeinde.alle("/api/v1/anfragen").await.len(), 1);
    let ende = chrono::NaiveDate::parse_from_str(a_gemeinde["ende"].as_str().unwrap(), "%Y-%m-%d")
        .unwrap();
    let tage = (ende - plankammer_storage::heute_berlin()).num_days() + 1;
    std::fs::write(&uhr, (tage * 24 * 3600 + 3600).to_string()).unwrap();
    let start = Instant::now();
    loop {
        let b = ba.get(&format!("/api/v1/beteiligungen/{gid}")).await;
        if b["zustand"] == "frist_abgelaufen" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the deemed Einvernehmen: {b}\n{}",
            app.output()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let m = mail_an(&smtp, GEMEINDE, "Einvernehmen gilt als erteilt").await;
    assert!(m.text.contains("§ 36 Abs. 2 BauGB"), "{}", m.text);
    mail_an(&smtp, SACHBEARBEITUNG, "Einvernehmen gilt als erteilt").await;
    mail_an(&smtp, ARCHITEKTIN, "Beteiligung abgeschlossen").await;
    let fall = architektin.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(fall["zustand"], "beteiligung_abgeschlossen");
    assert_eq!(fall["status_code"], "09");
    let uebersicht = ba.alle(&format!("/api/v1/cases/{id}/beteiligungen")).await;
    let zustand_von = |sid: i64| {
        uebersicht
            .iter()
            .find(|b| b["stelle_id"] == sid)
            .map(|b| b["zustand"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(zustand_von(st_gemeinde), "frist_abgelaufen");
    assert_eq!(zustand_von(st_brand), "stellungnahme_abgegeben");
    assert_eq!(zustand_von(st_natur), "stellungnahme_abgegeben");

    // --- 6. The Bescheid: drafted from the Stellungnahmen, issued, plans stamped. ----------
    let vorschlag = ba.get(&format!("/api/v1/cases/{id}/bescheid")).await;
    let uebernommen = vorschlag["nebenbestimmungen"].as_array().unwrap();
    assert_eq!(uebernommen.len(), 2, "{vorschlag}");
    assert!(
        uebernommen
            .iter()
            .all(|n| n["quelle"]["stelle"] == "Brandschutzdienststelle Kassel"),
        "{vorschlag}"
    );
    assert!(
        uebernommen[0]["text"]
            .as_str()
            .unwrap()
            .contains("Rettungsfenster")
    );
    // Only the authority drafts a Bescheid.
    let (s, _) = architektin
        .rufe(Method::GET, &format!("/api/v1/cases/{id}/bescheid"), None)
        .await;
    assert_eq!(s, 404);
    let nebenbestimmungen: Vec<Value> = uebernommen
        .iter()
        .map(|n| {
            json!({"art": n["art"], "text": n["text"], "begruendung": n["begruendung"],
                   "quelle": n["quelle"]["stellungnahme_id"]})
        })
        .collect();
    let plaene: Vec<Value> = vorschlag["angebot"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["plan"] == true)
        .map(|p| p["dokument_id"].clone())
        .collect();
    assert!(!plaene.is_empty(), "{vorschlag}");
    let mut entwurf = json!({
        "tenor": "genehmigung",
        "tenor_text": vorschlag["tenor_text"],
        "begruendung": "Das Vorhaben entspricht den öffentlich-rechtlichen Vorschriften, die im vereinfachten Verfahren zu prüfen sind (§ 65 HBO). Das Einvernehmen der Gemeinde gilt als erteilt (§ 36 Abs. 2 BauGB).",
        "rechtsbehelfsbelehrung": vorschlag["rechtsbehelfsbelehrung"],
        "nebenbestimmungen": nebenbestimmungen,
        "gebuehren": [{"beschreibung": "Baugenehmigungsgebühr", "betrag_cent": -5}],
        "plaene": plaene
    });
    let (s, p) = ba
        .rufe(
            Method::PUT,
            &format!("/api/v1/cases/{id}/bescheid"),
            Some(entwurf.clone()),
        )
        .await;
    assert_eq!(s, 422, "a negative fee: {p}");
    entwurf["gebuehren"] =
        json!([{"beschreibung": "Baugenehmigungsgebühr", "betrag_cent": 123450}]);
    let gespeichert = ba
        .ok(
            Method::PUT,
            &format!("/api/v1/cases/{id}/bescheid"),
            Some(entwurf),
            200,
        )
        .await;
    assert_eq!(gespeichert["summe"], "1.234,50 €", "{gespeichert}");
    assert_eq!(gespeichert["hindernisse"], json!([]), "{gespeichert}");
    ba.ok(
        Method::POST,
        &format!("/api/v1/cases/{id}/bescheid/erlass"),
        None,
        202,
    )
    .await;
    let nummer = format!("{aktenzeichen}-B1");
    let start = Instant::now();
    let erlass = loop {
        let e = ba.get(&format!("/api/v1/cases/{id}/bescheid/erlass")).await;
        assert_ne!(e["fehlgeschlagen"], true, "{e}\n{}", app.output());
        if e["erlassen"] == true {
            break e;
        }
        assert!(start.elapsed() < PIPELINE, "{e}\n{}", app.output());
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(erlass["nummer"], nummer.as_str());
    // Issuing twice changes nothing.
    ba.ok(
        Method::POST,
        &format!("/api/v1/cases/{id}/bescheid/erlass"),
        None,
        200,
    )
    .await;
    let fall = architektin.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(fall["zustand"], "genehmigt");
    assert_eq!(fall["status_code"], "10");

    // The architect is told and downloads the Bescheid and a stamped plan.
    let m = mail_an(&smtp, ARCHITEKTIN, "Ihr Bescheid liegt vor").await;
    assert!(m.text.contains(&aktenzeichen), "{}", m.text);
    let (s, pdf) = architektin
        .lade(&format!("/api/v1/cases/{id}/bescheid/pdf"))
        .await;
    assert_eq!(s, 200);
    assert!(pdf.starts_with(b"%PDF"), "the Bescheid is a PDF");
    let gestempelt = erlass["downloads"]["plaene"].as_array().unwrap();
    assert_eq!(gestempelt.len(), plaene.len(), "{erlass}");
    let did = gestempelt[0]["dokument_id"].as_i64().unwrap();
    let (s, plan) = architektin
        .lade(&format!("/api/v1/cases/{id}/bescheid/plaene/{did}"))
        .await;
    assert_eq!(s, 200);
    assert!(plan.starts_with(b"%PDF"), "the stamped plan is a PDF");
    // The Bescheid is the applicant's and the authority's, not a Stelle's.
    let (s, _) = brand
        .lade(&format!("/api/v1/cases/{id}/bescheid/pdf"))
        .await;
    assert_eq!(s, 404);
    // The applicant's timeline shows the steps, not what the Stellen said.
    let zeitleiste = architektin
        .alle(&format!("/api/v1/cases/{id}/zeitleiste"))
        .await;
    let text = serde_json::to_string(&zeitleiste).unwrap();
    assert!(
        zeitleiste.iter().any(|e| e["art"] == "genehmigen"),
        "{text}"
    );
    for intern in [
        "Rückfrage",
        "Stellungnahme der Stelle",
        "Einvernehmen gilt als erteilt",
        "Volker Brand",
        "Aufstellfläche",
    ] {
        assert!(
            !text.contains(intern),
            "{intern} is for the authorities: {text}"
        );
    }
    println!(
        "api_journey: ganzes Verfahren in {:.0} s",
        gesamt.elapsed().as_secs_f64()
    );
}
