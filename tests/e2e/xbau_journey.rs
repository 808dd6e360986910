//! XBau end to end (issue 14), against the real binary (server and workers) and a real
//! browser:
//!
//! 1. the operator registers the authority's DVDV identifier, an application portal and a
//!    Fachstelle that works in its own system (`plankammer xbau partner`);
//! 2. the portal posts a Bauantrag (`0200`, the development fixture with its two plans
//!    beside it) over `/api/v1/xbau`: it becomes a submitted case;
//! 3. the case worker finds it in the browser inbox, its plans checked by the pipeline;
//! 4. a Nachforderung reaches the portal (`0201` with its Befund and deadline); the portal
//!    answers with the changed application (`0202`, a new plan beside it), which becomes
//!    Fassung 2 once the pipeline checked the plan;
//! 5. the formelle Prüfung ends complete (`0201`), the Stelle is asked and its system
//!    fetches the `0300` with the plans, answers with a `0303` carrying a Nebenbestimmung;
//! 6. the Bescheid is issued with that Nebenbestimmung; the portal fetches the status
//!    messages (`1170`) and the Bescheid (`0205`) with the Bescheid PDF beside it, every
//!    message schema-valid;
//! 7. the admin reads the journal in the browser.
//!
//! Screenshots: target/test-artifacts/xbau_journey-<backend>/NN_….png.

mod common;
mod reise;

use common::{Site, wait_ready};
use plankammer_storage::blobs::BlobStore;
use plankammer_tests::browser::Browser;
use plankammer_tests::{artifacts_dir, free_port, wait_for};
use plankammer_verfahren::{Akteur, Verfahren};
use plankammer_xbau::eingang::{Stellungnahme, stellungnahme};
use plankammer_xbau::nachrichten::{Behoerde, Bezug, Kopf, NebenbestimmungZeile, neue_uuid};
use reise::Reise;
use serde_json::Value;
use std::time::Duration;

const PASSWORT: &str = "plankammer-demo";
const SACHBEARBEITUNG: &str = "sachbearbeitung@musterstadt.example";
const ADMIN: &str = "admin@musterstadt.example";
const SLUG: &str = "bauaufsicht-musterstadt";
const PORTAL: &str = "psw:0600000001";
const STELLE: &str = "unb:06633001";
/// The pipeline over two small plans, and the Bescheid job, on a loaded machine.
const JOB: Duration = Duration::from_secs(300);

/// The secret `plankammer xbau partner` printed.
fn secret_aus(out: &str) -> String {
    out.split_whitespace()
        .find(|w| w.starts_with("pkx_"))
        .unwrap_or_else(|| panic!("no secret in {out}"))
        .to_string()
}

/// The partner's outbox over HTTP: each message fetched (and checked against the schemas)
/// and acknowledged; (type, XML, the list entry).
async fn abholen(url: &str, secret: &str) -> Vec<(String, String, Value)> {
    let c = reqwest::Client::new();
    let liste: Value = c
        .get(format!("{url}/api/v1/xbau/postausgang"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut aus = Vec::new();
    for e in liste.as_array().unwrap() {
        let href = e["href"].as_str().unwrap();
        let xml = c
            .get(format!("{url}{href}"))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let g = plankammer_xbau::pruefen(xml.as_bytes()).unwrap_or_else(|b| panic!("{b:?}"));
        let r = c
            .post(format!("{url}{href}/abgeholt"))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        aus.push((g.nachricht, xml, e.clone()));
    }
    aus
}

#[tokio::test(flavor = "multi_thread")]
async fn a_portal_submits_over_xbau_a_stelle_answers_over_xbau_and_the_bescheid_goes_back() {
    let backend = plankammer_storage::testing::test_backend().name();
    let ordner = format!("xbau_journey-{backend}");
    let bilder = artifacts_dir().join(&ordner);
    let _ = std::fs::remove_dir_all(&bilder);
    std::fs::create_dir_all(&bilder).unwrap();

    // --- 1. The installation and its partners. ------------------------------------------
    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let extra: Vec<(&str, String)> = vec![
        ("BIND", format!("127.0.0.1:{port}")),
        ("PUBLIC_URL", url.clone()),
    ];
    let (code, out) = site.run(&["demo", "--nur-daten"], &extra);
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "tenant",
            "xbau-kennung",
            "--slug",
            SLUG,
            "--kennung",
            "bau:06611000",
        ],
        &extra,
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = site.run(
        &[
            "xbau",
            "partner",
            "--tenant",
            SLUG,
            "--art",
            "portal",
            "--name",
            "Bauportal Hessen",
            "--kennung",
            PORTAL,
        ],
        &extra,
    );
    assert_eq!(code, 0, "{out}");
    let portal = secret_aus(&out);
    let db = site.db().await;
    let tenant = db.tenant_by_slug(SLUG).await.unwrap();
    let naturschutz = db
        .stellen_fuer(tenant.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name.starts_with("Untere Naturschutzbehörde"))
        .expect("the demo's Naturschutz Stelle");
    let (code, out) = site.run(
        &[
            "xbau",
            "partner",
            "--tenant",
            SLUG,
            "--art",
            "stelle",
            "--name",
            "Fachverfahren Naturschutz",
            "--kennung",
            STELLE,
            "--stelle",
            &naturschutz.id.to_string(),
        ],
        &extra,
    );
    assert_eq!(code, 0, "{out}");
    let stelle = secret_aus(&out);
    let app = site.start(&[], &extra, "plankammer");
    wait_ready(&url, &app).await;

    // --- 2. The portal posts the Bauantrag with its plans. -------------------------------
    let fixtures = plankammer_tests::repo_root().join("services/xbau/tests/nachrichten");
    let xml = std::fs::read_to_string(fixtures.join("entwicklung-0200.xml")).unwrap();
    let mut form = reqwest::multipart::Form::new().part(
        "nachricht",
        reqwest::multipart::Part::text(xml.clone()).file_name("antrag.xml"),
    );
    for f in ["grundriss.pdf", "stellplatznachweis.pdf"] {
        form = form.part(
            "datei",
            reqwest::multipart::Part::bytes(
                std::fs::read(fixtures.join("anlagen").join(f)).unwrap(),
            )
            .file_name(f),
        );
    }
    let r = reqwest::Client::new()
        .post(format!("{url}/api/v1/xbau/nachrichten"))
        .bearer_auth(&portal)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = r.json().await.unwrap();
    assert_eq!(j["ergebnis"], "angenommen", "{j}");
    let az = j["aktenzeichen"].as_str().unwrap().to_string();
    let p = db
        .xbau_partner_mit_kennung(tenant.id, PORTAL)
        .await
        .unwrap()
        .unwrap();
    let id = db.vorgaenge_des_partners(p.id).await.unwrap()[0];
    let erste = abholen(&url, &portal).await;
    let typen: Vec<&str> = erste.iter().map(|(n, _, _)| n.as_str()).collect();
    assert!(
        typen.contains(&"prozessnachrichten.eingangsbestaetigung.1120")
            && typen.contains(&"prozessnachrichten.aktenzeichen.1121"),
        "{typen:?}"
    );

    // The procedure over the same store, for the steps the browser journeys cover already.
    let blobs = BlobStore::from_url(&format!(
        "file://{}",
        site.dir.path().join("dokumente").display()
    ))
    .unwrap();
    let v = Verfahren::neu(
        db.clone(),
        blobs,
        plankammer_verfahren::Einstellungen::fuer_url(&url),
    );
    wait_for("the plans checked by the pipeline", JOB, || async {
        let d = v.hochgeladene(id).await.ok()?;
        (d.len() == 2 && d.iter().all(|d| d.verarbeitet)).then_some(())
    })
    .await;

    // --- 3. The case worker finds it in the inbox. ---------------------------------------
    let r = Reise::neu(Browser::start(site.dir.path()).await, url.clone(), ordner);
    r.b().set_window_size(1280, 1400).await.unwrap();
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    r.folge("a.pk-nav__link[href='/eingang']").await;
    let zeile = format!("[data-testid=eingang-zeile][data-vorgang='{id}']");
    r.warte_auf(&zeile).await;
    let eingang = r.text(&zeile).await;
    assert!(eingang.contains(&az), "{eingang}");
    r.bild_und_schmal("eingang_mit_xbau_antrag").await;
    r.gehe(&format!("/vorgaenge/{id}")).await;
    r.warte_auf("main").await;
    let seite = r.text("main").await;
    assert!(
        seite.contains("Antrag über XBau eingegangen"),
        "the timeline says where it came from"
    );
    assert!(
        seite.contains("Erika Mustermann") || seite.contains("Mustermann"),
        "the Bauherr"
    );
    r.bild_und_schmal("vorgang_aus_xbau").await;
    r.abmelden().await;

    // --- 4. A Nachforderung (0201); the portal answers with a changed application (0202),
    // whose new plan the pipeline checks before it becomes Fassung 2. --------------------
    let sb = db
        .user_by_email(&plankammer_domain::account::Email::parse(SACHBEARBEITUNG).unwrap())
        .await
        .unwrap();
    let ba = Akteur::aus(&db.member(sb.id, tenant.id).await.unwrap());
    let verfahrensart = db.antrag(id).await.unwrap().verfahren.unwrap();
    let frist = plankammer_verfahren::pruefung::vorschlag_nachforderung(
        verfahrensart,
        plankammer_storage::heute_berlin(),
    )
    .unwrap()
    .ende;
    v.nachfordern(
        &ba,
        id,
        &[plankammer_verfahren::pruefung::Befundangabe {
            code: "01".into(),
            text: "Der Lageplan fehlt.".into(),
            dokument_id: None,
        }],
        &frist.format("%Y-%m-%d").to_string(),
    )
    .await
    .unwrap();
    let nachforderung = abholen(&url, &portal).await;
    let (_, befunde, _) = nachforderung
        .iter()
        .find(|(n, _, _)| n == "baugenehmigung.formellePruefung.0201")
        .expect("the Nachforderung reaches the portal");
    assert!(befunde.contains("Der Lageplan fehlt."), "{befunde}");
    assert!(befunde.contains(&format!(
        "<xbau:frist>{}</xbau:frist>",
        frist.format("%Y-%m-%d")
    )));
    let original = plankammer_xbau::eingang::kopf_lesen(xml.as_bytes()).unwrap();
    let mut geaendert = plankammer_xbau::eingang::antrag_lesen(xml.as_bytes()).unwrap();
    let lageplan = std::fs::read(fixtures.join("anlagen/lageplan.pdf")).unwrap();
    geaendert.kopf.uuid = neue_uuid();
    geaendert.anlagen = vec![plankammer_xbau::nachrichten::AnlageMeta {
        bezeichnung: "Lageplan".into(),
        anlageart: None,
        version: Some(1),
        mime_type: "application/pdf".into(),
        dokument_id: "urn:portal:lageplan".into(),
        dateiname: "lageplan.pdf".into(),
        groesse: lageplan.len() as u64,
        sha256: {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&lageplan))
        },
    }];
    let aenderung = plankammer_xbau::eingang::antrag_geaendert(
        &geaendert,
        &Bezug {
            referenz: Some(original.uuid.clone()),
            vorgang: Some(az.clone()),
        },
    );
    let r3 = reqwest::Client::new()
        .post(format!("{url}/api/v1/xbau/nachrichten"))
        .bearer_auth(&portal)
        .multipart(
            reqwest::multipart::Form::new()
                .text("nachricht", aenderung)
                .part(
                    "datei",
                    reqwest::multipart::Part::bytes(lageplan).file_name("lageplan.pdf"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r3.status(), 200, "{}", r3.text().await.unwrap());
    wait_for("the changed application as Fassung 2", JOB, || async {
        let a = db.antrag(id).await.ok()?;
        (a.zustand == plankammer_domain::vorgang::Zustand::Nachgereicht).then_some(())
    })
    .await;
    assert_eq!(
        v.hochgeladene(id).await.unwrap().len(),
        3,
        "the Lageplan joined the set"
    );

    // --- 5. Complete; the Stelle is asked through XBau and answers. ----------------------
    v.vollstaendig_erklaeren(&ba, id).await.unwrap();
    v.stellen_anfragen(
        &ba,
        id,
        &plankammer_verfahren::beteiligung::Beteiligen {
            anfragen: vec![plankammer_verfahren::beteiligung::Anfrage {
                stelle_id: naturschutz.id,
                ..Default::default()
            }],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let an_stelle = abholen(&url, &stelle).await;
    let (_, auf, eintrag) = an_stelle
        .iter()
        // (The demo's other case in the Beteiligung asked this Stelle too.)
        .find(|(n, x, _)| {
            n == "beteiligung.aufforderung.0300" && x.contains(&format!("<vorgang>{az}</vorgang>"))
        })
        .expect("the request reaches the Stelle's system");
    assert!(
        !eintrag["anlagen"].as_array().unwrap().is_empty(),
        "the plans beside it"
    );
    let referenz = plankammer_xbau::eingang::aufforderung_referenz_lesen(auf.as_bytes()).unwrap();
    let antwort = stellungnahme(&Stellungnahme {
        kopf: Kopf {
            uuid: neue_uuid(),
            erstellt: chrono::Utc::now(),
            autor: Behoerde {
                verzeichnisdienst: "DVDV".into(),
                kennung: STELLE.into(),
                name: "Untere Naturschutzbehörde".into(),
            },
            leser: Behoerde {
                verzeichnisdienst: "DVDV".into(),
                kennung: "bau:06611000".into(),
                name: "Bauaufsicht Musterstadt".into(),
            },
        },
        bezug: Bezug {
            referenz: Some(eintrag["uuid"].as_str().unwrap().to_string()),
            vorgang: Some(az.clone()),
        },
        referenz,
        zustimmung: Some(true),
        text: "Keine Bedenken, wenn die Hecke erhalten bleibt.".into(),
        nebenbestimmungen: vec![NebenbestimmungZeile {
            art: "1".into(),
            text: "Die Hecke an der Nordgrenze ist während der Bauzeit zu schützen.".into(),
        }],
    });
    let r2 = reqwest::Client::new()
        .post(format!("{url}/api/v1/xbau/nachrichten"))
        .bearer_auth(&stelle)
        .multipart(reqwest::multipart::Form::new().text("nachricht", antwort))
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status(), 200, "{}", r2.text().await.unwrap());

    // --- 6. The Bescheid carries the Nebenbestimmung; the portal gets it back. -----------
    let a = db.antrag(id).await.unwrap();
    let formular = v.standard_formular(&a).await.unwrap();
    v.entwurf_speichern(&ba, id, &formular).await.unwrap();
    v.erlassen(&ba, id).await.unwrap();
    wait_for("the Bescheid issued by the worker", JOB, || async {
        let b = db.aktueller_bescheid(id).await.ok()??;
        b.ist_erlassen().then_some(())
    })
    .await;
    let zweite = abholen(&url, &portal).await;
    let typen: Vec<&str> = zweite.iter().map(|(n, _, _)| n.as_str()).collect();
    assert!(
        typen.contains(&"baugenehmigung.formellePruefung.0201"),
        "{typen:?}"
    );
    assert!(
        typen.contains(&"prozessnachrichten.statusFuerAntragsportal.1170"),
        "{typen:?}"
    );
    let (_, bescheid, eintrag) = zweite
        .iter()
        .find(|(n, _, _)| n == "baugenehmigung.bescheid.0205")
        .expect("the Bescheid reaches the portal");
    // The Nebenbestimmung is in the Bescheid (formatted text is base64 HTML in XBau).
    use base64::Engine;
    let texte: String = bescheid
        .split("<text>")
        .skip(1)
        .filter_map(|t| t.split('<').next())
        .filter_map(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    assert!(texte.contains("Hecke an der Nordgrenze"), "{texte}");
    // The Bescheid PDF beside it, byte for byte what its entry says.
    let anlage = &eintrag["anlagen"][0];
    let pdf = reqwest::Client::new()
        .get(format!("{url}{}", anlage["href"].as_str().unwrap()))
        .bearer_auth(&portal)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert_eq!(
        {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&pdf))
        },
        anlage["sha256"].as_str().unwrap()
    );

    // --- 7. The admin's journal. ---------------------------------------------------------
    r.anmelden(ADMIN, PASSWORT).await;
    r.folge("a.pk-nav__link[href='/verwaltung/xbau']").await;
    r.warte_auf("[data-testid=journal]").await;
    let journal = r.text("[data-testid=journal]").await;
    for n in [
        "baugenehmigung.antrag.0200",
        "beteiligung.aufforderung.0300",
        "beteiligung.stellungnahme.0303",
        "baugenehmigung.antragGeaendert.0202",
        "baugenehmigung.bescheid.0205",
    ] {
        assert!(journal.contains(n), "{n} in the journal: {journal}");
    }
    r.bild_und_schmal("verwaltung_xbau").await;
    r.abmelden().await;
}
