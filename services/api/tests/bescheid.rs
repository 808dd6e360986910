//! The Bescheid over HTTP: the draft page carries over the Nebenbestimmungen of the
//! Stellungnahmen that count (with their source), refuses bad input in German and keeps
//! what was entered, shows a preview; issuing records the intent once and queues the job;
//! the job (run here in-process, stamping in the real sandbox child) finishes it; the
//! architect downloads the Bescheid and a stamped plan from the case page, audited, as
//! attachment; another applicant, another tenant and a Fachstelle get 404; the tenant admin
//! edits the Rechtsbehelfsbelehrung new drafts start with.
//!
//! The stamping child is `target/debug/plankammer` (run `cargo build --bin plankammer` first
//! when testing this crate alone) or `PLANKAMMER_BIN`.

use bytes::Bytes;
use chrono::NaiveDate;
use plankammer_domain::Role;
use plankammer_domain::aktenzeichen::Aktenzeichen;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::{Angaben, Bauherrschaft};
use plankammer_domain::beteiligung::{Nebenbestimmung, Rolle, Schweigefolge, Zustimmung};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_storage::beteiligung::{NeueBeteiligung, NeueStellungnahme};
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::{Db, now_millis};
use plankammer_tests::welt::Welt as Grundwelt;
use plankammer_tests::{TestApp, repo_root};
use plankammer_workers::bescheid::{Ausgang, BescheidConfig, erlasse};
use plankammer_workers::sandbox::SandboxConfig;
use reqwest::Client;

use plankammer_tests::plankammer_bin;

fn still(_: i64, _: String) {}

async fn get(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    (status, html.replace("&#x2f;", "/").replace("&amp;", "&"))
}

async fn post(c: &Client, url: String, form: &[(String, String)]) -> (u16, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let ort = r
        .headers()
        .get("location")
        .map(|h| h.to_str().unwrap().to_string())
        .unwrap_or_default();
    let html = r.text().await.unwrap();
    (
        status,
        html.replace("&#x2f;", "/").replace("&amp;", "&"),
        ort,
    )
}

fn f(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

async fn zahl(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

struct Welt {
    app: TestApp,
    tenant: i64,
    fall: i64,
    /// Lageplan, Grundriss (plans), Baubeschreibung (no plan).
    dokumente: [i64; 3],
    rechtzeitig: i64,
}

/// A vereinfacht case at 09 with Fassung 1 and two Stellungnahmen: a timely one with an
/// Auflage and a late one the Bauaufsicht has not decided to consider. The people are the
/// shared fixture's (architect, case worker, admin of `kreis-a`; a case worker of `kreis-b`),
/// plus another applicant and a Fachstelle account of `kreis-a`.
async fn welt() -> Welt {
    let g = Grundwelt::neu().await;
    let tenant = g.tenant;
    let owner = g.architektin;
    let ba = g.bauaufsicht;
    g.person("andere@example.org", Role::Antragsteller).await;
    g.person("brandschutz@example.org", Role::Fachstelle).await;
    let app = g.app;
    let now = now_millis();
    let v = app
        .db
        .create_vorgang(tenant, owner, "Neubau Wohnhaus", now)
        .await
        .unwrap();
    let mut angaben = Angaben {
        bauherrschaft: Bauherrschaft {
            name: "Erika Muster".into(),
            anschrift: "Lindenweg 12, 34117 Kassel".into(),
            email: String::new(),
        },
        ..Angaben::default()
    };
    angaben.grundstueck.gemeinde_ags = "06412000".into();
    let mut stellen = Vec::new();
    for name in ["Brandschutzdienststelle", "Untere Naturschutzbehörde"] {
        stellen.push(
            app.db
                .lege_stelle_an(Some(tenant), name, "", None, now)
                .await
                .unwrap(),
        );
    }
    let mut tx = app.db.begin().await.unwrap();
    Db::setze_angaben(
        &mut tx,
        v.id,
        "Neubau Wohnhaus",
        Verfahrensart::VereinfachtesVerfahren,
        &angaben,
        now,
    )
    .await
    .unwrap();
    let mut dokumente = [0; 3];
    for (i, (datei, bez, art)) in [
        ("01_Lageplan.pdf", "Lageplan", "1803"),
        ("03_Grundriss_EG.pdf", "Grundriss EG", "2001"),
        ("01_Lageplan.pdf", "Baubeschreibung", "1502"),
    ]
    .into_iter()
    .enumerate()
    {
        let bytes =
            std::fs::read(repo_root().join("sample-plans/einfamilienhaus").join(datei)).unwrap();
        let blob = app.blobs.put_bytes(Bytes::from(bytes)).await.unwrap();
        let art = Anlageart::parse(art).unwrap();
        dokumente[i] = Db::add_version(
            &mut tx,
            &NeueVersion {
                vorgang_id: v.id,
                tenant_id: tenant,
                dokument_id: None,
                bezeichnung: bez,
                anlageart: Some(&art),
                sha256: &blob.sha256,
                groesse: blob.size as i64,
                dateiname: datei,
                user_id: owner,
            },
            now,
        )
        .await
        .unwrap()
        .dokument_id;
    }
    Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, Zustand::Eingegangen, now)
        .await
        .unwrap();
    Db::setze_eingereicht(
        &mut tx,
        v.id,
        &Aktenzeichen::parse("BA-2026-00001").unwrap(),
        now,
    )
    .await
    .unwrap();
    let fassung = Db::friere_fassung(&mut tx, v.id, owner, now).await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        v.id,
        Zustand::Eingegangen,
        Zustand::BeteiligungAbgeschlossen,
        now,
    )
    .await
    .unwrap();
    let mut stellungnahmen = Vec::new();
    for (sid, nb, verspaetet) in [
        (
            stellen[0],
            "Die Feuerwehrzufahrt ist dauerhaft freizuhalten.",
            false,
        ),
        (
            stellen[1],
            "Verspätet: Zwei Obstbäume sind zu pflanzen.",
            true,
        ),
    ] {
        let bid = Db::frage_stelle_an(
            &mut tx,
            &NeueBeteiligung {
                vorgang_id: v.id,
                stelle_id: sid,
                rolle: Rolle::Zustaendig,
                rechtsbereich: "",
                notiz: "",
                umfang: None,
                fassung_id: Some(fassung.id),
                start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                ende: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
                rechtsgrundlage: "§ 70 Abs. 1 HBO",
                erklaerung: "",
                behoerdlich_gesetzt: false,
                schweigefolge: Schweigefolge::ZustimmungFingiert,
                user_id: ba,
            },
            now,
        )
        .await
        .unwrap();
        let nbs = [Nebenbestimmung::neu("2", nb)];
        stellungnahmen.push(
            Db::gib_stellungnahme_ab(
                &mut tx,
                &NeueStellungnahme {
                    beteiligung_id: bid,
                    ersetzt_id: None,
                    tenor: "Zustimmung",
                    zustimmung: Zustimmung::MitNebenbestimmungen,
                    nebenbestimmungen: &nbs,
                    begruendung: "",
                    verspaetet,
                    user_id: ba,
                },
                now,
            )
            .await
            .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    Welt {
        tenant,
        fall: v.id,
        dokumente,
        rechtzeitig: stellungnahmen[0],
        app,
    }
}

/// The form as the page offers it, with the carried-over Nebenbestimmung and one fee.
fn gueltig(w: &Welt) -> Vec<(String, String)> {
    vec![
        f("tenor", "genehmigung"),
        f("tenor_text", "Die Baugenehmigung wird erteilt."),
        f("nb_art_0", "2"),
        f(
            "nb_text_0",
            "Die Feuerwehrzufahrt ist dauerhaft freizuhalten.",
        ),
        f("nb_quelle_0", &w.rechtzeitig.to_string()),
        f("nb_art_1", "4"),
        f("nb_text_1", "Eigener Hinweis: Baubeginn anzeigen."),
        f("begruendung", "Das Vorhaben ist zulässig."),
        f("geb_beschreibung_0", "Genehmigungsgebühr"),
        f("geb_betrag_0", "1.234,56"),
        f("plan", &w.dokumente[0].to_string()),
        f("plan", &w.dokumente[1].to_string()),
        f(
            "rechtsbehelfsbelehrung",
            "Gegen diesen Bescheid kann Widerspruch erhoben werden.",
        ),
        f("aktion", "speichern"),
    ]
}

fn mit(
    mut form: Vec<(String, String)>,
    csrf: &str,
    aenderungen: &[(&str, &str)],
) -> Vec<(String, String)> {
    for (k, v) in aenderungen {
        form.retain(|(x, _)| x != k);
        form.push(f(k, v));
    }
    form.push(f("_csrf", csrf));
    form
}

#[tokio::test]
async fn draft_carries_over_validates_issues_and_the_architect_downloads() {
    let w = welt().await;
    let app = &w.app;
    let seite = format!("{}/vorgaenge/{}/bescheid", app.url, w.fall);
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;

    // The new draft: the timely Stellungnahme's Auflage with its source, not the late one;
    // the plans checked, the Baubeschreibung not; the default Rechtsbehelfsbelehrung.
    let (s, html) = get(&ba, seite.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Die Feuerwehrzufahrt ist dauerhaft freizuhalten."));
    assert!(
        html.contains("Quelle: <strong>Brandschutzdienststelle</strong>"),
        "{html}"
    );
    assert!(!html.contains("Zwei Obstbäume"), "late, not considered");
    assert!(html.contains("Widerspruch"));
    assert_eq!(html.matches("data-testid=\"plan\"").count(), 3);
    assert_eq!(
        html.matches("name=\"plan\" value=\"").count(),
        3,
        "all documents of the Fassung offered"
    );
    assert!(html.contains(&format!(
        "id=\"plan-{}\" name=\"plan\" value=\"{}\" checked",
        w.dokumente[0], w.dokumente[0]
    )));
    assert!(!html.contains(&format!("value=\"{}\" checked", w.dokumente[2])));

    // Bad input: 422 in German, nothing stored, what was entered stays.
    let lang = "x".repeat(200_001);
    let (s, html, _) = post(
        &ba,
        seite.clone(),
        &mit(
            gueltig(&w),
            &csrf,
            &[
                ("tenor_text", ""),
                ("geb_betrag_0", "12,345"),
                ("begruendung", &lang),
                ("geb_beschreibung_1", "Ermäßigung"),
                ("geb_betrag_1", "-99.999.999.999,00"),
            ],
        ),
    )
    .await;
    assert_eq!(s, 422, "{}", &html[..html.len().min(2000)]);
    assert!(html.contains("Bitte geben Sie den Tenor des Bescheids an."));
    assert!(
        html.contains("Gebühr 1: „12,345“ ist kein gültiger Betrag"),
        "{}",
        &html[..3000.min(html.len())]
    );
    assert!(html.contains("Gebühr 2:") && html.contains("ist zu groß"));
    assert!(html.contains("Die Begründung ist zu lang"));
    assert!(html.contains("value=\"12,345\""), "amount kept");
    assert!(
        html.contains("Eigener Hinweis: Baubeginn anzeigen."),
        "own NB kept"
    );
    assert!(app.db.aktueller_bescheid(w.fall).await.unwrap().is_none());

    // A refusal with an Auflage; a source that is not this case's; a foreign document.
    let (s, html, _) = post(
        &ba,
        seite.clone(),
        &mit(
            gueltig(&w),
            &csrf,
            &[
                ("tenor", "ablehnung"),
                ("nb_quelle_0", "999999"),
                ("plan", "424242"),
            ],
        ),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Eine Ablehnung enthält keine Auflagen"),
        "{html}"
    );
    assert!(html.contains("gehört nicht zu diesem Vorgang"));
    assert!(html.contains("Das Dokument 424242 gehört nicht zur aktuellen Fassung"));

    // Too many Nebenbestimmungen.
    let mut viele = mit(gueltig(&w), &csrf, &[]);
    for i in 2..=501 {
        viele.push(f(&format!("nb_art_{i}"), "4"));
        viele.push(f(&format!("nb_text_{i}"), "Hinweis"));
    }
    let (s, html, _) = post(&ba, seite.clone(), &viele).await;
    assert_eq!(s, 422);
    assert!(html.contains("höchstens 500 Nebenbestimmungen"));

    // "Weitere Nebenbestimmung" adds a row and saves nothing.
    let (s, html, _) = post(
        &ba,
        seite.clone(),
        &mit(gueltig(&w), &csrf, &[("aktion", "nb_zeile")]),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        html.matches("data-testid=\"nebenbestimmung-neu\"").count(),
        2
    );
    assert!(app.db.aktueller_bescheid(w.fall).await.unwrap().is_none());

    // Saved; the preview shows what will be issued.
    let (s, _, ort) = post(&ba, seite.clone(), &mit(gueltig(&w), &csrf, &[])).await;
    assert_eq!(s, 303);
    assert!(ort.starts_with(&format!("/vorgaenge/{}/bescheid?gespeichert=1", w.fall)));
    let (_, html) = get(&ba, seite.clone()).await;
    assert!(html.contains("data-testid=\"bescheid-vorschau\""));
    assert!(html.contains("1.234,56 €"));
    assert!(html.contains("(aus der Stellungnahme von Brandschutzdienststelle)"));
    assert!(html.contains("data-testid=\"bescheid-erlassen\""), "{html}");

    // Issue: the intent once, one job, the draft frozen.
    let erlassen = format!("{seite}/erlassen");
    let (s, _, _) = post(&ba, erlassen.clone(), &[f("_csrf", &csrf)]).await;
    assert_eq!(s, 303);
    let (s, _, _) = post(&ba, erlassen.clone(), &[f("_csrf", &csrf)]).await;
    assert_eq!(s, 303, "a second click changes nothing");
    let akte = app.db.aktueller_bescheid(w.fall).await.unwrap().unwrap();
    assert_eq!(akte.nummer.as_deref(), Some("BA-2026-00001-B1"));
    assert_eq!(
        zahl(
            &app.db,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'bescheid.erlassen' AND tenant_id = $1",
            w.tenant
        )
        .await,
        1
    );
    assert_eq!(app.db.bescheid_nummern(w.tenant).await.unwrap().len(), 1);
    let (s, _, _) = post(&ba, seite.clone(), &mit(gueltig(&w), &csrf, &[])).await;
    assert_eq!(s, 409, "frozen while being issued");
    let (s, html) = get(&ba, format!("{seite}/stand")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("hx-trigger=\"every 2s\""),
        "polls until erlassen"
    );
    assert_eq!(
        app.db.antrag(w.fall).await.unwrap().zustand,
        "beteiligung_abgeschlossen"
    );

    // The worker's job (in-process here).
    let config = BescheidConfig::new(
        app.verfahren.clone(),
        SandboxConfig::for_program(plankammer_bin()),
    );
    assert_eq!(
        erlasse(&config, akte.id, &still, now_millis())
            .await
            .unwrap(),
        Ausgang::Erlassen
    );
    let (_, html) = get(&ba, format!("{seite}/stand")).await;
    assert!(!html.contains("hx-trigger"), "polling stops");
    assert!(html.contains("data-erlassen=\"ja\""));
    assert_eq!(app.db.antrag(w.fall).await.unwrap().zustand, "genehmigt");

    // The issued Bescheid as XBau 0205: valid, with its Nebenbestimmung and the files
    // beside it (the Bescheid PDF and the stamped plans, each with size and SHA-256).
    let nachrichten = app
        .verfahren
        .xbau_nachrichten(&plankammer_verfahren::Betreiber::an_der_konsole(), w.fall)
        .await
        .unwrap();
    let b = nachrichten
        .iter()
        .find(|n| n.name == "baugenehmigung.bescheid.0205")
        .expect("the Bescheid as 0205");
    assert!(
        b.xml
            .contains("<xbau:istGenehmigung>true</xbau:istGenehmigung>")
    );
    assert!(b.xml.contains("<xbau:nebenbestimmung>"), "{}", b.xml);
    let akte = app.db.aktueller_bescheid(w.fall).await.unwrap().unwrap();
    let plaene = app.db.bescheid_plaene(akte.id).await.unwrap();
    let gestempelt = plaene
        .iter()
        .filter(|p| p.gestempelt_version_id.is_some())
        .count();
    assert!(gestempelt >= 1);
    assert_eq!(
        b.xml.matches("<anlage>").count(),
        1 + gestempelt,
        "{}",
        b.xml
    );
    assert!(b.xml.contains(&format!(
        "hashValue=\"{}\"",
        akte.pdf_sha256.clone().unwrap()
    )));
    plankammer_xbau::pruefen(b.xml.as_bytes()).unwrap();
    // The requests to the Stellen (0300): one per request, with the documents in scope.
    let auf: Vec<_> = nachrichten
        .iter()
        .filter(|n| n.name == "beteiligung.aufforderung.0300")
        .collect();
    let anfragen = app.db.beteiligungen(w.fall).await.unwrap();
    assert_eq!(auf.len(), anfragen.len());
    assert!(
        auf.iter()
            .all(|n| n.xml.contains("<xbau:frist>") && n.xml.contains("<anlage>"))
    );

    // The architect: the section on the case page, both downloads audited as attachments.
    let (arch, _) = app.login("architektin@example.org").await;
    let (s, html) = get(&arch, format!("{}/vorgaenge/{}", app.url, w.fall)).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-testid=\"bescheid-abschnitt\""));
    assert!(html.contains("Bescheid Nr. BA-2026-00001-B1 (PDF)"));
    let pdf_url = format!("{}/vorgaenge/{}/bescheid/bescheid.pdf", app.url, w.fall);
    let plan_url = format!(
        "{}/vorgaenge/{}/bescheid/plaene/{}",
        app.url, w.fall, w.dokumente[1]
    );
    assert!(html.contains(&format!(
        "href=\"/vorgaenge/{}/bescheid/plaene/{}\"",
        w.fall, w.dokumente[1]
    )));
    assert!(
        !html.contains(&format!("/bescheid/plaene/{}\"", w.dokumente[2])),
        "the Baubeschreibung was not approved"
    );
    let vorher = zahl(&app.db, "SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1 AND action IN ('bescheid.lesen', 'dokument.lesen')", w.tenant).await;
    for (url, name) in [(&pdf_url, "Bescheid"), (&plan_url, "_genehmigt.pdf")] {
        let r = arch.get(url.as_str()).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{url}");
        let cd = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cd.starts_with("attachment;") && cd.contains(name), "{cd}");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    }
    let nachher = zahl(&app.db, "SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1 AND action IN ('bescheid.lesen', 'dokument.lesen')", w.tenant).await;
    assert_eq!(nachher, vorher + 2, "every read audited");
    let (s, _) = get(&arch, seite.clone()).await;
    assert_eq!(s, 404, "the draft page is the Bauaufsicht's");

    // Who else gets nothing: 404 everywhere.
    for wer in [
        "andere@example.org",
        "fremd@example.org",
        "brandschutz@example.org",
    ] {
        let (c, _) = app.login(wer).await;
        for url in [&pdf_url, &plan_url, &seite] {
            let (s, _) = get(&c, url.to_string()).await;
            assert_eq!(s, 404, "{wer} {url}");
        }
    }
    let (s, _) = get(
        &arch,
        format!(
            "{}/vorgaenge/{}/bescheid/plaene/{}",
            app.url, w.fall, w.dokumente[2]
        ),
    )
    .await;
    assert_eq!(
        s, 404,
        "no stamped version of a document that was not approved"
    );
}

#[tokio::test]
async fn the_admin_sets_the_rechtsbehelfsbelehrung_new_drafts_start_with() {
    let w = welt().await;
    let app = &w.app;
    let url = format!("{}/verwaltung/bescheid", app.url);
    let (ba, _) = app.login("sachbearbeiter@example.org").await;
    let (s, _) = get(&ba, url.clone()).await;
    assert_eq!(s, 403, "only the admin");
    let (admin, csrf) = app.login("admin@example.org").await;
    let (s, html) = get(&admin, url.clone()).await;
    assert_eq!(s, 200);
    assert!(html.contains("Widerspruch"), "the default to start from");
    let (s, html, _) = post(
        &admin,
        url.clone(),
        &[
            f("_csrf", &csrf),
            f("rechtsbehelfsbelehrung", &"y".repeat(20_001)),
            f("anschrift", "Am Markt 1"),
            f("ort", "Kassel\nFulda"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("Die Rechtsbehelfsbelehrung ist zu lang"));
    assert!(html.contains("Der Ort ist zu lang"));
    assert!(app.db.bescheid_vorlage(w.tenant).await.unwrap().is_none());
    let text = "Gegen diesen Bescheid kann innerhalb eines Monats Klage beim Verwaltungsgericht Kassel erhoben werden.";
    let (s, _, ort) = post(
        &admin,
        url.clone(),
        &[
            f("_csrf", &csrf),
            f("rechtsbehelfsbelehrung", text),
            f("anschrift", "Am Markt 1\n34117 Kassel"),
            f("ort", "Kassel"),
        ],
    )
    .await;
    assert_eq!(
        (s, ort.as_str()),
        (303, "/verwaltung/bescheid?gespeichert=1")
    );
    let (_, html) = get(&ba, format!("{}/vorgaenge/{}/bescheid", app.url, w.fall)).await;
    assert!(
        html.contains(text),
        "a new draft starts with the tenant's text"
    );
}

#[test]
fn the_api_queues_the_job_the_worker_runs() {
    assert_eq!(
        plankammer_verfahren::bescheid::ERLASS_JOB,
        plankammer_workers::bescheid::ERLASSEN
    );
}
