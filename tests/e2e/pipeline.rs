//! The document pipeline with the real binary: `plankammer inspect` on the hostile corpus
//! (through the same sandbox the worker uses), and uploads that a running worker checks.

mod common;

use common::{Site, wait_ready};
use plankammer_tests::{free_port, login_at, session_csrf, wait_for};
use plankammer_workers::pdf::muster::{self, feindlich};
use serde_json::Value;
use std::time::Duration;

fn inspect(
    site: &Site,
    files: &[std::path::PathBuf],
    extra: &[(&str, String)],
) -> (i32, Vec<Value>) {
    let args: Vec<String> = std::iter::once("inspect".to_string())
        .chain(files.iter().map(|f| f.display().to_string()))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out) = site.run(&args, extra);
    let lines = out
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (code, lines)
}

fn codes(v: &Value) -> Vec<String> {
    v["feststellungen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn inspect_gives_every_hostile_file_a_clear_finding() {
    let site = Site::new().await;
    let dir = site.dir.path().join("korpus");
    plankammer_workers::pdf::muster::schreibe_korpus(&dir).unwrap();
    let mut files: Vec<_> = feindlich::korpus()
        .into_iter()
        .map(|(n, _)| dir.join(n))
        .collect();
    files.push(std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/workers/tests/korpus/verschluesselt.pdf"
    )));
    let ok = dir.join("ok.pdf");
    std::fs::write(
        &ok,
        muster::mit_text("Grundriss Erdgeschoss, Massstab 1:100"),
    )
    .unwrap();
    files.push(ok);
    let started = std::time::Instant::now();
    let (code, results) = inspect(&site, &files, &[]);
    assert_eq!(code, 0, "broken files are normal results");
    assert_eq!(results.len(), files.len());
    let by_name = |n: &str| {
        results
            .iter()
            .find(|r| r["datei"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(codes(by_name("leer.pdf")), ["datei.leer"]);
    assert_eq!(codes(by_name("falsche_signatur.pdf")), ["datei.kein_pdf"]);
    assert_eq!(codes(by_name("verschluesselt.pdf")), ["pdf.verschluesselt"]);
    assert!(codes(by_name("javascript.pdf")).contains(&"pdf.javascript".to_string()));
    assert!(codes(by_name("zehntausend_seiten.pdf")).contains(&"pdf.zu_viele_seiten".to_string()));
    assert_eq!(by_name("riesenbild.pdf")["seitenzahl"], 1);
    assert_eq!(by_name("ok.pdf")["lesbar"], true);
    assert_eq!(by_name("ok.pdf")["seiten"][0]["bezeichnung"], "A4 hoch");
    assert_eq!(by_name("ok.pdf")["text"][0]["quelle"], "textebene");
    for r in &results {
        assert!(
            r["lesbar"].is_boolean() && r["feststellungen"].is_array(),
            "{r}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "bounded time for the whole corpus"
    );

    // A usage error (a file that does not exist) exits non-zero.
    let (code, _) = inspect(&site, &[dir.join("gibt-es-nicht.pdf")], &[]);
    assert_ne!(code, 0);
}

#[tokio::test]
async fn a_sandbox_that_runs_out_of_memory_is_a_finding_not_a_crash() {
    let site = Site::new().await;
    let bomb = site.dir.path().join("bombe.pdf");
    // 512 MiB inflated: the child is given 96 MiB of address space and the default 128 MiB
    // decompression cap, so it must die trying, and that must be reported about the file.
    std::fs::write(&bomb, feindlich::dekompressionsbombe(512)).unwrap();
    let (code, results) = inspect(&site, &[bomb], &[("SANDBOX_MEMORY_MB", "96".into())]);
    assert_eq!(code, 0);
    assert_eq!(
        codes(&results[0]),
        ["verarbeitung.abgebrochen"],
        "{}",
        results[0]
    );
    assert!(
        results[0]["feststellungen"][0]["meldung"]
            .as_str()
            .unwrap()
            .contains("Datei konnte nicht verarbeitet werden")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn uploaded_plans_are_checked_by_the_worker_and_hostile_ones_do_not_stop_it() {
    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let app = site.start(
        &["demo"],
        &[
            ("BIND", format!("127.0.0.1:{port}")),
            ("SANDBOX_MEMORY_MB", "512".into()),
        ],
        "demo",
    );
    wait_ready(&url, &app).await;
    let (c, _) = login_at(&url, "architektin@musterstadt.example", "plankammer-demo").await;
    let csrf = session_csrf(&c, &url).await;
    let case: Value = c
        .post(format!("{url}/api/v1/cases"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"bezeichnung": "Neubau"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = case["id"].as_i64().unwrap();

    let mut uploads = vec![(
        "grundriss.pdf",
        muster::pdf_with(&[muster::A1_QUER], "", "", &[]),
    )];
    uploads.push(("bombe.pdf", feindlich::dekompressionsbombe(512)));
    uploads.push(("javascript.pdf", feindlich::mit_javascript()));
    uploads.push(("zyklisch.pdf", feindlich::zyklischer_seitenbaum()));
    uploads.push(("abgeschnitten.pdf", feindlich::abgeschnitten()));
    let mut ids = Vec::new();
    for (name, bytes) in uploads {
        let r = c
            .put(format!("{url}/api/v1/cases/{case}/documents/{name}"))
            .header("x-csrf-token", &csrf)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{name}: {}", app.output());
        ids.push((
            name,
            r.json::<Value>().await.unwrap()["id"].as_i64().unwrap(),
        ));
    }
    for (name, id) in &ids {
        let v = wait_for(
            &format!("the worker to check {name}"),
            Duration::from_secs(90),
            || {
                let c = c.clone();
                let u = format!("{url}/api/v1/versions/{id}");
                async move {
                    let v: Value = c.get(&u).send().await.ok()?.json().await.ok()?;
                    (v["stufen"][0]["zustand"] == "succeeded").then_some(v)
                }
            },
        )
        .await;
        match *name {
            "grundriss.pdf" => {
                assert_eq!(v["seiten"][0]["format"], "A1");
                assert_eq!(v["seiten"][0]["ausrichtung"], "quer");
            }
            "javascript.pdf" => assert!(
                v["feststellungen"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["code"] == "pdf.javascript" && f["schwere"] == "fehler")
            ),
            _ => assert!(v["feststellungen"].is_array()),
        }
    }
}

/// The sample plan set: a vector sheet is read from its text layer, a scan by OCR.
#[tokio::test(flavor = "multi_thread")]
async fn sample_plans_are_read_from_the_text_layer_or_by_ocr() {
    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let app = site.start(&["demo"], &[("BIND", format!("127.0.0.1:{port}"))], "demo");
    wait_ready(&url, &app).await;
    let (c, _) = login_at(&url, "architektin@musterstadt.example", "plankammer-demo").await;
    let csrf = session_csrf(&c, &url).await;
    let case: Value = c
        .post(format!("{url}/api/v1/cases"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"bezeichnung": "Neubau"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = case["id"].as_i64().unwrap();
    let dir = plankammer_tests::repo_root().join("sample-plans/einfamilienhaus");
    // A scanned plan's full text (for search) is a stage of its own, after everything
    // else; an A4 scan is read whole at once, like a text layer.
    let vier = ["validate", "extract", "metadata", "preview"];
    let fuenf = ["validate", "extract", "metadata", "preview", "volltext"];
    for (file, quelle, erwartet) in [
        ("03_Grundriss_EG.pdf", "textebene", &vier[..]),
        ("11_Scan_Stellplatznachweis.pdf", "ocr", &vier[..]),
        ("13_Scan_Lageplan.pdf", "ocr", &fuenf[..]),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let r = c
            .put(format!("{url}/api/v1/cases/{case}/documents/{file}"))
            .header("x-csrf-token", &csrf)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{file}");
        let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let v = wait_for(
            &format!("{file} to be read"),
            Duration::from_secs(120),
            || {
                let c = c.clone();
                let u = format!("{url}/api/v1/versions/{id}");
                async move {
                    let v: Value = c.get(&u).send().await.ok()?.json().await.ok()?;
                    let stufen = v["stufen"].as_array()?;
                    let namen: Vec<&str> =
                        stufen.iter().filter_map(|s| s["stufe"].as_str()).collect();
                    (namen == erwartet && stufen.iter().all(|s| s["zustand"] == "succeeded"))
                        .then_some(v)
                }
            },
        )
        .await;
        assert_eq!(v["seiten"][0]["text_quelle"], quelle, "{file}: {v}");
        // Thumbnails and the large preview are PNGs served to those who may see the case.
        let thumb = c
            .get(format!(
                "{url}{}",
                v["seiten"][0]["vorschau"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(thumb.headers()["content-type"], "image/png");
        assert!(thumb.bytes().await.unwrap().starts_with(b"\x89PNG"));
        let gross = c
            .get(format!("{url}{}", v["vorschau"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(gross.status(), 200);
        let meta = |feld: &str| {
            v["metadaten"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["feld"] == feld)
                .cloned()
        };
        match file {
            "03_Grundriss_EG.pdf" => {
                assert_eq!(meta("plannummer").unwrap()["wert"], "A-101");
                assert_eq!(meta("massstab").unwrap()["wert"], "1:100");
                assert_eq!(meta("anlageart").unwrap()["wert"], "2001");
                assert_eq!(meta("plannummer").unwrap()["quelle"], "textebene");
            }
            "11_Scan_Stellplatznachweis.pdf" => {
                assert_eq!(meta("planart").unwrap()["wert"], "Stellplatznachweis");
                assert_eq!(meta("planart").unwrap()["quelle"], "ocr");
            }
            _ => {
                assert_eq!(meta("plannummer").unwrap()["wert"], "A-001");
                assert_eq!(meta("plannummer").unwrap()["quelle"], "ocr");
                // The legend stands far from the title block: only the volltext stage
                // read it, and search finds it there.
                let treffer: Value = c
                    .get(format!(
                        "{url}/api/v1/cases/{case}/search?q=Grundstücksdaten"
                    ))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert!(
                    treffer["eintraege"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|t| t["version_id"] == id),
                    "{treffer}"
                );
            }
        }
    }
}

#[tokio::test]
async fn inspect_reads_metadata_of_the_sample_plans() {
    let site = Site::new().await;
    let dir = plankammer_tests::repo_root().join("sample-plans/einfamilienhaus");
    let files = vec![
        dir.join("06_Schnitt_A-A.pdf"),
        dir.join("13_Scan_Lageplan.pdf"),
    ];
    let (code, results) = inspect(&site, &files, &[]);
    assert_eq!(code, 0);
    let meta = |r: &Value, feld: &str| {
        r["metadaten"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["feld"] == feld)
            .map(|m| {
                (
                    m["wert"].as_str().unwrap().to_string(),
                    m["quelle"].as_str().unwrap().to_string(),
                )
            })
    };
    assert_eq!(
        meta(&results[0], "planart"),
        Some(("Schnitt".into(), "textebene".into()))
    );
    assert_eq!(meta(&results[0], "massstab").unwrap().0, "1:100");
    assert_eq!(
        meta(&results[1], "plannummer"),
        Some(("A-001".into(), "ocr".into())),
        "{}",
        results[1]
    );
    assert_eq!(meta(&results[1], "anlageart").unwrap().0, "1803");
    assert!(
        results[1]["metadaten"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["konfidenz"].as_f64().unwrap() <= 0.9),
        "OCR confidence is lower"
    );
}
