//! Cases and documents through the API: streaming uploads with type sniffing and limits,
//! versions, deduplication, downloads as audited attachments, and who may see what.

use futures::StreamExt;
use plankammer_domain::Role;
use plankammer_tests::pdf::{a4, a4_salted};
use plankammer_tests::{TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use std::io::{Read, Write};

async fn setup(app: &TestApp) -> (reqwest::Client, String, i64, i64) {
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;
    let case: String = c
        .post(format!("{}/api/v1/cases", app.url))
        .header("x-csrf-token", &csrf)
        .json(&json!({"bezeichnung": "Neubau Einfamilienhaus"}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let case: Value = serde_json::from_str(&case).unwrap_or_else(|_| panic!("{case}"));
    (c, csrf, case["id"].as_i64().unwrap(), t)
}

async fn put(
    c: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    path: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    c.put(format!("{}{path}", app.url))
        .header("x-csrf-token", csrf)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

fn stored_files(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.dir.path().join("dokumente"))
}

#[tokio::test]
async fn a_pdf_is_stored_once_versioned_and_queued_for_checking() {
    let app = spawn_app().await;
    let (c, csrf, case, _) = setup(&app).await;
    let pdf = a4(2);
    let r = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/EG%20Grundriss.pdf?anlageart=2001"),
        pdf.clone(),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    use sha2::Digest;
    assert_eq!(v["sha256"], hex::encode(sha2::Sha256::digest(&pdf)));
    assert_eq!(
        (v["nummer"].as_i64(), v["dateiname"].as_str()),
        (Some(1), Some("EG Grundriss.pdf"))
    );
    assert_eq!(v["stufen"][0]["stufe"], "validate");
    assert_eq!(v["stufen"][0]["zustand"], "queued");

    // The same bytes again in this case: a duplicate, refused with the document's name.
    let r2 = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/kopie.pdf"),
        pdf.clone(),
    )
    .await;
    assert_eq!(r2.status(), 409);
    assert_eq!(
        r2.json::<Value>().await.unwrap()["detail"],
        "Diese Datei ist bereits als „EG Grundriss“ hochgeladen."
    );
    // The same bytes in another case: a second row, one stored object.
    let anderer: Value = c
        .post(format!("{}/api/v1/cases", app.url))
        .header("x-csrf-token", &csrf)
        .json(&json!({"bezeichnung": "Anbau Garage"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r2 = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{}/documents/kopie.pdf", anderer["id"]),
        pdf.clone(),
    )
    .await;
    assert_eq!(r2.status(), 201);
    assert_eq!(count(&app, "blobs").await, 1);
    assert_eq!(stored_files(&app), 1, "identical bytes stored once");

    // A new version of the first document.
    let doc = v["dokument_id"].as_i64().unwrap();
    let r3 = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/documents/{doc}/versions/EG%20Grundriss%20Index%20B.pdf"),
        a4_salted(2, "B"),
    )
    .await;
    assert_eq!(r3.status(), 201);
    assert_eq!(r3.json::<Value>().await.unwrap()["nummer"], 2);
    let docs: Value = c
        .get(format!("{}/api/v1/cases/{case}/documents", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let docs = docs["eintraege"].clone();
    assert_eq!(docs.as_array().unwrap().len(), 1);
    assert_eq!(docs[0]["anlageart"], "2001");
    assert_eq!(
        docs[0]["versionen"].as_array().unwrap().len(),
        2,
        "old versions stay"
    );
    assert_eq!(count(&app, "jobs").await, 3, "one validate job per version");
}

#[tokio::test]
async fn the_type_is_decided_from_the_bytes_and_refusals_store_nothing() {
    let app = spawn_app().await;
    let (c, csrf, case, _) = setup(&app).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let r = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/plan.pdf"),
        png,
    )
    .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert_eq!(
        e["meldung"],
        "Die Datei ist kein PDF-Dokument (erkannt: PNG-Bild). Bitte laden Sie Pläne als PDF hoch."
    );
    let r = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/leer.pdf"),
        Vec::new(),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["meldung"],
        "Die Datei ist leer (0 Byte)."
    );
    assert_eq!(
        (
            count(&app, "dokument_versionen").await,
            count(&app, "blobs").await
        ),
        (0, 0)
    );
    assert_eq!(stored_files(&app), 0);
    assert!(app.blobs.temporary_objects().await.unwrap().is_empty());
}

#[tokio::test]
async fn limits_per_file_and_per_case_answer_413_and_leave_nothing() {
    let app = spawn_app_with(|c| {
        c.upload_max_file = 200_000;
        c.upload_max_case = 300_000;
    })
    .await;
    let (c, csrf, case, _) = setup(&app).await;
    let mut big = a4(1);
    big.extend(std::iter::repeat_n(b'%', 250_000));
    // Sent chunked (no Content-Length), so the limit must hold while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(16_384).map(|c| Ok(c.to_vec())).collect();
    let r = c
        .put(format!(
            "{}/api/v1/cases/{case}/documents/gross.pdf",
            app.url
        ))
        .header("x-csrf-token", &csrf)
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.json::<Value>().await.unwrap()["meldung"],
        "Die Datei ist größer als erlaubt (höchstens 200 KB)."
    );
    assert_eq!(
        (count(&app, "dokument_versionen").await, stored_files(&app)),
        (0, 0)
    );
    assert!(
        app.blobs.temporary_objects().await.unwrap().is_empty(),
        "no half-written object"
    );

    let mut mid = a4(1);
    mid.extend(std::iter::repeat_n(b'%', 150_000));
    assert_eq!(
        put(
            &c,
            &app,
            &csrf,
            &format!("/api/v1/cases/{case}/documents/a.pdf"),
            mid.clone()
        )
        .await
        .status(),
        201
    );
    mid.extend(b"% other bytes\n");
    let r = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/b.pdf"),
        mid,
    )
    .await;
    assert_eq!(r.status(), 413);
    assert!(
        r.json::<Value>().await.unwrap()["meldung"]
            .as_str()
            .unwrap()
            .contains("je Vorgang")
    );
    assert_eq!(
        count(&app, "dokument_versionen").await,
        1,
        "what was stored before stays"
    );
    assert_eq!(stored_files(&app), 1);
}

#[tokio::test]
async fn a_2_gb_upload_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let (_, _, case, _) = setup(&app).await;
    // A raw socket needs the session cookie and token in hand.
    let (c, login) =
        plankammer_tests::login_at(&app.url, "anna@x.de", plankammer_tests::PASSWORD).await;
    let session = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("pk_sitzung="))
        .unwrap();
    let page_csrf = plankammer_tests::session_csrf(&c, &app.url).await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let started = std::time::Instant::now();
    let response = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let head = format!(
            "PUT /api/v1/cases/{case}/documents/riesig.pdf HTTP/1.1\r\nHost: {addr}\r\nCookie: {session}\r\nX-CSRF-Token: {page_csrf}\r\nContent-Type: application/pdf\r\nContent-Length: 2147483648\r\n\r\n%PDF-1.7\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("größer als erlaubt"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "answered without reading 2 GB"
    );
    assert_eq!(count(&app, "dokument_versionen").await, 0);
}

#[tokio::test]
async fn a_multipart_upload_carries_its_token_as_first_field_never_in_the_url() {
    let app = spawn_app().await;
    let (c, csrf, case, _) = setup(&app).await;
    let datei = || reqwest::multipart::Part::bytes(a4(1)).file_name("Schnitt A-A.pdf");
    let url = format!("{}/vorgaenge/{case}/dokumente", app.url);
    // The token in the query (where logs and the history would keep it) no longer counts.
    let r = c
        .post(format!("{url}?_csrf={csrf}"))
        .multipart(reqwest::multipart::Form::new().part("datei", datei()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Nor after the file, nor a wrong one first.
    let r = c
        .post(&url)
        .multipart(
            reqwest::multipart::Form::new()
                .part("datei", datei())
                .text("_csrf", csrf.to_string()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(&url)
        .multipart(
            reqwest::multipart::Form::new()
                .text("_csrf", "falsch")
                .part("datei", datei()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(count(&app, "dokument_versionen").await, 0);
    // First field: accepted, and the file behind it is stored.
    let r = c
        .post(&url)
        .multipart(
            reqwest::multipart::Form::new()
                .text("_csrf", csrf.to_string())
                .part("datei", datei()),
        )
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    assert_eq!(count(&app, "dokument_versionen").await, 1);
}

#[tokio::test]
async fn multipart_uploads_report_per_file_and_keep_the_good_ones() {
    let app = spawn_app().await;
    let (c, csrf, case, _) = setup(&app).await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .text("anlageart", "2002")
        .part(
            "datei",
            reqwest::multipart::Part::bytes(a4(1)).file_name("Schnitt A-A.pdf"),
        )
        .part(
            "datei",
            reqwest::multipart::Part::bytes(b"kein pdf".to_vec()).file_name("notiz.pdf"),
        )
        .part(
            "datei",
            reqwest::multipart::Part::bytes(a4_salted(1, "2")).file_name("../../Schnitt B-B.pdf"),
        );
    // Without JavaScript the token travels as the form's first field.
    let r = c
        .post(format!("{}/api/v1/cases/{case}/documents", app.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let files: Value = r.json().await.unwrap();
    let files = files.as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(
        (
            files[0]["angenommen"].as_bool(),
            files[1]["angenommen"].as_bool(),
            files[2]["angenommen"].as_bool()
        ),
        (Some(true), Some(false), Some(true))
    );
    assert!(
        files[1]["meldung"]
            .as_str()
            .unwrap()
            .contains("erkannt: Textdatei")
    );
    assert_eq!(files[2]["dateiname"], "Schnitt B-B.pdf", "paths stripped");
    let docs: Value = c
        .get(format!("{}/api/v1/cases/{case}/documents", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let docs = docs["eintraege"].clone();
    assert_eq!(docs.as_array().unwrap().len(), 2);
    assert!(
        docs.as_array()
            .unwrap()
            .iter()
            .all(|d| d["anlageart"] == "2002")
    );

    let no_token = c
        .post(format!("{}/api/v1/cases/{case}/documents", app.url))
        .multipart(reqwest::multipart::Form::new().part(
            "datei",
            reqwest::multipart::Part::bytes(a4(1)).file_name("x.pdf"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 403);
}

#[tokio::test]
async fn downloads_are_attachments_audited_and_only_for_those_who_may_see_the_case() {
    let app = spawn_app().await;
    let (c, csrf, case, t) = setup(&app).await;
    let pdf = a4(1);
    let v: Value = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/Grundriss%20%C3%84nderung%20%22neu%22.pdf"),
        pdf.clone(),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = v["id"].as_i64().unwrap();
    let r = c
        .get(format!("{}/api/v1/versions/{id}/download", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("attachment; filename=\"Grundriss _nderung _neu_.pdf\""),
        "{cd}"
    );
    assert!(
        cd.contains("filename*=UTF-8''Grundriss%20%C3%84nderung%20_neu_.pdf"),
        "{cd}"
    );
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), &pdf[..]);
    let reads: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'dokument.lesen' AND object_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(reads, 1, "every read audited");

    app.user(t, "bernd@x.de", Role::Antragsteller).await;
    app.user(t, "bea@x.de", Role::Bauaufsicht).await;
    app.user(t, "fritz@x.de", Role::Fachstelle).await;
    let other_tenant = app.tenant("fulda").await;
    app.user(other_tenant, "fremd@x.de", Role::Bauaufsicht)
        .await;
    for (email, expected) in [
        ("bernd@x.de", 404),
        ("fritz@x.de", 404),
        ("fremd@x.de", 404),
        ("bea@x.de", 200),
    ] {
        let (c2, _) = app.login(email).await;
        let s = c2
            .get(format!("{}/api/v1/versions/{id}/download", app.url))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s, expected, "{email}");
        let s = c2
            .get(format!("{}/api/v1/cases/{case}/documents", app.url))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s, expected, "{email} lists documents");
    }
    // A Bauaufsicht may add documents (a scanned paper application); another applicant may not even see the case.
    let (bea, bea_csrf) = app.login("bea@x.de").await;
    assert_eq!(
        put(
            &bea,
            &app,
            &bea_csrf,
            &format!("/api/v1/cases/{case}/documents/scan.pdf"),
            a4_salted(1, "scan")
        )
        .await
        .status(),
        201
    );
    let (bernd, bernd_csrf) = app.login("bernd@x.de").await;
    assert_eq!(
        put(
            &bernd,
            &app,
            &bernd_csrf,
            &format!("/api/v1/cases/{case}/documents/x.pdf"),
            a4_salted(1, "x")
        )
        .await
        .status(),
        404
    );
    let (fritz, fritz_csrf) = app.login("fritz@x.de").await;
    let r = fritz
        .post(format!("{}/api/v1/cases", app.url))
        .header("x-csrf-token", fritz_csrf)
        .json(&json!({"bezeichnung": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "only applicants open cases");
}

#[tokio::test]
async fn full_text_search_within_a_case() {
    let app = spawn_app().await;
    let (c, csrf, case, _) = setup(&app).await;
    let v: Value = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/baubeschreibung.pdf"),
        a4(2),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = v["id"].as_i64().unwrap();
    // What the extract stage records (the worker is not running in this test).
    app.db
        .replace_seiten(
            id,
            &[1, 2].map(|n| plankammer_storage::dokumente::Seite {
                nummer: n,
                breite_mm: 210.0,
                hoehe_mm: 297.0,
                format: "A4".into(),
                ausrichtung: "hoch".into(),
                scan_dpi: None,
                text_quelle: None,
                vorschau_sha256: None,
            }),
        )
        .await
        .unwrap();
    app.db
        .set_seiten_text(
            id,
            1,
            "Die Außenwände bestehen aus Kalksandstein mit Wärmedämmverbundsystem.",
            Some("textebene"),
            None,
        )
        .await
        .unwrap();
    app.db
        .set_seiten_text(
            id,
            2,
            "Die Garage erhält eine Brandwand zur Nachbargrenze.",
            Some("ocr"),
            None,
        )
        .await
        .unwrap();
    let hits: Value = c
        .get(format!(
            "{}/api/v1/cases/{case}/search?q=Brandwand%20Garage",
            app.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hits = hits["eintraege"].clone();
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        (hits[0]["version_id"].as_i64(), hits[0]["seite"].as_i64()),
        (Some(id), Some(2))
    );
    assert!(
        hits[0]["auszug"].as_str().unwrap().contains("«"),
        "{}",
        hits[0]["auszug"]
    );
    let none: Value = c
        .get(format!(
            "{}/api/v1/cases/{case}/search?q=Dachziegel",
            app.url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let none = none["eintraege"].clone();
    assert!(none.as_array().unwrap().is_empty());
    // FTS syntax in the input is taken as plain words, not as operators.
    let odd = c
        .get(format!(
            "{}/api/v1/cases/{case}/search?q=%22Kalk*%20OR%20NEAR(",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), 200);
    // Another case's pages are not searched.
    let other: Value = c
        .post(format!("{}/api/v1/cases", app.url))
        .header("x-csrf-token", &csrf)
        .json(&json!({"bezeichnung": "Zweites"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hits: Value = c
        .get(format!(
            "{}/api/v1/cases/{}/search?q=Brandwand",
            app.url, other["id"]
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hits = hits["eintraege"].clone();
    assert!(hits.as_array().unwrap().is_empty());
}

/// A chunked body that sends `data` in `n` pieces with a pause before each.
fn langsam(data: Vec<u8>, n: usize, pause_ms: u64) -> reqwest::Body {
    let size = data.len().div_ceil(n);
    let chunks: Vec<Vec<u8>> = data.chunks(size).map(<[u8]>::to_vec).collect();
    reqwest::Body::wrap_stream(futures::stream::iter(chunks).then(move |c| async move {
        tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
        Ok::<_, std::io::Error>(c)
    }))
}

fn gepolstert(salt: &str, bytes: usize) -> Vec<u8> {
    let mut pdf = a4_salted(1, salt);
    pdf.extend(std::iter::repeat_n(b'%', bytes));
    pdf
}

/// Eight uploads at once into a case with room for four: the quota is checked in the
/// transaction that records each version, with the case locked, so the stored total never
/// exceeds it and the refused ones leave no bytes behind.
#[tokio::test]
async fn parallel_uploads_cannot_overshoot_the_case_quota() {
    let app = spawn_app_with(|c| {
        c.upload_max_file = 250_000;
        c.upload_max_case = 600_000;
    })
    .await;
    let (c, csrf, case, _) = setup(&app).await;
    let uploads = (0..8).map(|i| {
        let (c, csrf, url) = (c.clone(), csrf.clone(), app.url.clone());
        async move {
            c.put(format!("{url}/api/v1/cases/{case}/documents/plan{i}.pdf"))
                .header("x-csrf-token", &csrf)
                .body(langsam(gepolstert(&i.to_string(), 140_000), 8, 40))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let status = futures::future::join_all(uploads).await;
    let stored: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(groesse), 0) AS BIGINT) FROM dokument_versionen",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let created = status.iter().filter(|s| **s == 201).count();
    assert!(stored <= 600_000, "{stored} bytes stored: {status:?}");
    assert_eq!(created, 4, "{status:?}");
    assert!(status.iter().all(|s| *s == 201 || *s == 413), "{status:?}");
    assert_eq!(count(&app, "dokument_versionen").await, created as i64);
    assert_eq!(
        stored_files(&app),
        created,
        "no bytes of refused uploads left"
    );
}

/// An upload that started in the draft and ends after the case was submitted is refused:
/// the state is checked again in the transaction that would record the version.
#[tokio::test]
async fn an_upload_that_ends_after_submission_is_refused() {
    use plankammer_domain::vorgang::Zustand;
    use plankammer_storage::Db;
    let app = spawn_app().await;
    let (c, csrf, case, _) = setup(&app).await;
    let upload = {
        let (c, csrf, url) = (c.clone(), csrf.clone(), app.url.clone());
        tokio::spawn(async move {
            c.put(format!("{url}/api/v1/cases/{case}/documents/spaet.pdf"))
                .header("x-csrf-token", &csrf)
                .body(langsam(gepolstert("s", 60_000), 10, 150))
                .send()
                .await
                .unwrap()
        })
    };
    // While the bytes are still arriving, the case leaves the draft (as a submission would).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut tx = app.db.begin().await.unwrap();
    Db::wechsle_zustand(&mut tx, case, Zustand::Entwurf, Zustand::Eingegangen, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let r = upload.await.unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["meldung"]
            .as_str()
            .unwrap()
            .contains("während des Hochladens"),
        "{body}"
    );
    assert_eq!(count(&app, "dokument_versionen").await, 0);
    assert_eq!(stored_files(&app), 0);
}

/// A client that sends the first bytes and then nothing is cut off after the idle timeout:
/// the connection does not stay open, and nothing is kept.
#[tokio::test]
async fn a_stalled_upload_is_cut_off_and_leaves_nothing() {
    let app = spawn_app_with(|c| c.upload_idle_timeout = std::time::Duration::from_secs(1)).await;
    let (c, csrf, case, _) = setup(&app).await;
    let first = gepolstert("h", 5000)[..2000].to_vec();
    let body = reqwest::Body::wrap_stream(
        futures::stream::iter([Ok::<_, std::io::Error>(first)]).chain(futures::stream::pending()),
    );
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        c.put(format!(
            "{}/api/v1/cases/{case}/documents/haengt.pdf",
            app.url
        ))
        .header("x-csrf-token", &csrf)
        .body(body)
        .send(),
    )
    .await
    .expect("the server ends a stalled upload instead of waiting for ever");
    if let Ok(r) = answer {
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["meldung"]
                .as_str()
                .unwrap()
                .contains("Sekunden ohne Daten"),
            "{body}"
        );
    }
    assert_eq!(count(&app, "dokument_versionen").await, 0);
    assert_eq!(stored_files(&app), 0);
    assert!(app.blobs.temporary_objects().await.unwrap().is_empty());
}

/// One file more than allowed: the answer lists every file read with its result, so the
/// client knows exactly which were kept, and the one too many is named as not read.
#[tokio::test]
async fn one_file_too_many_is_named_and_the_kept_ones_are_listed() {
    let app = spawn_app_with(|c| c.upload_max_files = 2).await;
    let (c, csrf, case, _) = setup(&app).await;
    let mut form = reqwest::multipart::Form::new().text("_csrf", csrf.to_string());
    for i in 0..3 {
        form = form.part(
            "datei",
            reqwest::multipart::Part::bytes(a4_salted(1, &format!("m{i}")))
                .file_name(format!("Plan {i}.pdf")),
        );
    }
    let r = c
        .post(format!("{}/api/v1/cases/{case}/documents", app.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let files: Value = r.json().await.unwrap();
    let files = files.as_array().unwrap();
    let angenommen: Vec<_> = files
        .iter()
        .map(|f| {
            (
                f["dateiname"].as_str().unwrap(),
                f["angenommen"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        angenommen,
        vec![
            ("Plan 0.pdf", true),
            ("Plan 1.pdf", true),
            ("Plan 2.pdf", false)
        ]
    );
    assert!(
        files[2]["meldung"]
            .as_str()
            .unwrap()
            .contains("Höchstens 2 Dateien je Hochladen")
    );
    assert_eq!(count(&app, "dokument_versionen").await, 2);
}

/// The 413 for a declared multipart body says what the limits are, not their product.
#[tokio::test]
async fn an_oversized_multipart_request_names_the_real_limits() {
    let app = spawn_app_with(|c| {
        c.upload_max_files = 3;
        c.upload_max_file = 100_000;
    })
    .await;
    let (c, csrf, case, _) = setup(&app).await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .part(
            "datei",
            reqwest::multipart::Part::bytes(gepolstert("g", 1_400_000)).file_name("gross.pdf"),
        );
    let r = c
        .post(format!("{}/api/v1/cases/{case}/documents", app.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["meldung"],
        "Die Anfrage ist größer als erlaubt (höchstens 3 Dateien zu je höchstens 100 KB)."
    );
}

/// Every read of personal data or document content leaves an audit entry, through one
/// path: the search (text excerpts of the plans), a version's metadata, the document list
/// with extracted metadata, the Angaben and the case page. The words searched for are not
/// kept.
#[tokio::test]
async fn reads_of_personal_data_and_content_are_audited() {
    let app = spawn_app().await;
    let (c, csrf, case, _) = setup(&app).await;
    let r = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/plan.pdf"),
        a4(1),
    )
    .await;
    assert_eq!(r.status(), 201);
    let vid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    for path in [
        format!("/api/v1/cases/{case}/search?q=Bauherrin%20Geheim"),
        format!("/api/v1/versions/{vid}"),
        format!("/api/v1/cases/{case}/documents"),
        format!("/api/v1/cases/{case}/angaben"),
        format!("/vorgaenge/{case}"),
    ] {
        let r = c.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, COALESCE(object_id, ''), detail FROM audit_log WHERE id > (SELECT MAX(id) - $1 FROM audit_log) ORDER BY id",
    )
    .bind(5i64)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(after - before, 5, "one entry per read: {rows:?}");
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .map(|(a, _, d)| {
            let was = if d.contains("\"dokumente\"") {
                "dokumente"
            } else if d.contains("\"angaben\"") {
                "angaben"
            } else if d.contains("\"akte\"") {
                "akte"
            } else {
                ""
            };
            (a.as_str(), was)
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("dokument.suche", ""),
            ("dokument.metadaten", ""),
            ("vorgang.lesen", "dokumente"),
            ("vorgang.lesen", "angaben"),
            ("vorgang.lesen", "akte"),
        ]
    );
    assert!(
        rows.iter().all(|(_, _, d)| !d.contains("Geheim")),
        "search words stay out of the log"
    );
}

/// A case holds at most 300 documents: each version costs pipeline work for every tenant's
/// workers, so one applicant cannot queue without end.
#[tokio::test]
async fn a_case_holds_a_bounded_number_of_documents() {
    use plankammer_storage::Db;
    use plankammer_storage::dokumente::NeueVersion;
    let app = spawn_app().await;
    let (c, csrf, case, t) = setup(&app).await;
    let owner = app.db.antrag(case).await.unwrap().owner_user_id;
    let mut tx = app.db.begin().await.unwrap();
    for i in 0..plankammer_verfahren::dokumente::MAX_DOKUMENTE_JE_VORGANG {
        let sha = format!("{i:064x}");
        let name = format!("Plan {i}");
        let v = NeueVersion {
            vorgang_id: case,
            tenant_id: t,
            dokument_id: None,
            bezeichnung: &name,
            anlageart: None,
            sha256: &sha,
            groesse: 10,
            dateiname: "plan.pdf",
            user_id: owner,
        };
        Db::add_version(&mut tx, &v, 1).await.unwrap();
    }
    tx.commit().await.unwrap();
    let r = put(
        &c,
        &app,
        &csrf,
        &format!("/api/v1/cases/{case}/documents/noch-einer.pdf"),
        a4_salted(1, "301"),
    )
    .await;
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["meldung"]
            .as_str()
            .unwrap()
            .contains("bereits 300 Unterlagen"),
        "{body}"
    );
    assert_eq!(stored_files(&app), 0, "the refused bytes are gone");
}
