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
//! 5. the Beteiligung and the Bescheid: see the journey's later steps below.
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
    let extra: Vec<(&str, String)> = vec![
        ("BIND", format!("127.0.0.1:{port}")),
        ("MAIL_URL", smtp.url()),
        ("MAIL_RETRY_BASE_MS", "1000".into()),
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
        ("Baustatistik.pdf", "2501"),
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
}
