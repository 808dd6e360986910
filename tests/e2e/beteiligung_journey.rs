//! The Beteiligung and the Bescheid in a real browser, against the real binary (server and
//! workers) with mail through a real SMTP server and a test clock the test moves:
//!
//! 1. the demo installation: a complete case of the sample plans (status 18), Stellen with
//!    members; the case worker asks three Stellen in one step (one of them the Gemeinde);
//! 2. the Brandschutzdienststelle opens its request, comments on a spot of a plan and asks
//!    a question; the case worker answers; the Stelle gives its Stellungnahme with two
//!    Nebenbestimmungen;
//! 3. the Naturschutzbehörde consents;
//! 4. the Gemeinde stays silent: the clock moves past its deadline and the worker records
//!    that its Einvernehmen counts as given (§ 36 Abs. 2 BauGB);
//! 5. the case worker drafts the Bescheid with the carried-over Nebenbestimmungen and
//!    issues it; the architect downloads it and a stamped plan.
//!
//! Screenshots of every step: target/test-artifacts/beteiligung_journey-<backend>/NN_….png.

mod common;
#[path = "../../workers/tests/pdfwerkzeug/mod.rs"]
mod pdfwerkzeug;
mod reise;

use common::{Site, wait_ready};
use plankammer_domain::beteiligung::{BeteiligungsZustand, Rolle, Schweigefolge, Zustimmung};
use plankammer_domain::frist;
use plankammer_domain::vorgang::Zustand;
use plankammer_tests::browser::Browser;
use plankammer_tests::smtp::SmtpServer;
use plankammer_tests::{artifacts_dir, free_port};
use reise::{Reise, SEITE, mail_an};
use serde_json::Value;
use std::time::{Duration, Instant};

/// A file as the browser downloaded it in the user's session.
struct Download {
    bytes: Vec<u8>,
    disposition: String,
}

/// Fetches the link at `css` in the page's session (cookies, same origin) and returns it.
async fn herunterladen(r: &Reise, css: &str) -> Download {
    let script = format!(
        "const a = document.querySelector({css:?}); if (!a) return null; \
         const done = arguments[arguments.length - 1]; \
         fetch(a.href).then(async r => {{ const b = new Uint8Array(await r.arrayBuffer()); \
           let s = ''; for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192)); \
           done({{status: r.status, disposition: r.headers.get('content-disposition') || '', data: btoa(s)}}); }});"
    );
    let v = r
        .b()
        .execute_async(&script, vec![])
        .await
        .unwrap_or_else(|e| panic!("download {css}: {e}"));
    assert_eq!(v["status"], 200, "download {css}");
    Download {
        bytes: reise::base64_decode(v["data"].as_str().unwrap()),
        disposition: v["disposition"].as_str().unwrap_or("").to_string(),
    }
}

const PASSWORT: &str = "plankammer-demo";
const SACHBEARBEITUNG: &str = "sachbearbeitung@musterstadt.example";
const ARCHITEKTIN: &str = "architektin@musterstadt.example";
const BRANDSCHUTZ: &str = "brandschutz@musterstadt.example";
const NATURSCHUTZ: &str = "naturschutz@musterstadt.example";
const GEMEINDE: &str = "gemeinde@musterstadt.example";
const ADMIN: &str = "admin@musterstadt.example";

/// The pipeline over the four vector plans of the demo case on a loaded machine.
const PIPELINE: Duration = Duration::from_secs(300);
/// The deadline job after the clock moved (the scheduler offers it every second here).
const FRISTENJOB: Duration = Duration::from_secs(90);

/// The overview rows of the case's Beteiligung: Stelle name → state code.
const UEBERSICHT: &str = "return Array.from(document.querySelectorAll('[data-testid=beteiligung-zeile]')).map(z => \
    [z.querySelector('h3').innerText, z.dataset.zustand]);";

#[tokio::test(flavor = "multi_thread")]
async fn a_beteiligung_from_the_request_to_the_stamped_plan_in_a_real_browser() {
    let gesamt = Instant::now();
    let backend = plankammer_storage::testing::test_backend().name();
    let ordner = format!("beteiligung_journey-{backend}");
    let bilder = artifacts_dir().join(&ordner);
    let _ = std::fs::remove_dir_all(&bilder);
    std::fs::create_dir_all(&bilder).unwrap();

    // --- Setup: the demo installation, a real SMTP server, the test clock at "now". ------
    let site = Site::new().await;
    let smtp = SmtpServer::start(0);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let uhr = site.dir.path().join("testuhr");
    std::fs::write(&uhr, "0").unwrap();
    let extra: Vec<(&str, String)> = vec![
        ("BIND", format!("127.0.0.1:{port}")),
        ("MAIL_URL", smtp.url()),
        ("MAIL_RETRY_BASE_MS", "1000".into()),
        ("PLANKAMMER_TESTUHR", uhr.display().to_string()),
        ("MAINTENANCE_INTERVAL_SECS", "1".into()),
    ];
    let (code, out) = site.run(&["demo", "--nur-daten"], &extra);
    assert_eq!(code, 0, "{out}");
    let app = site.start(&[], &extra, "plankammer");
    wait_ready(&url, &app).await;
    assert!(
        app.output().contains("TEST CLOCK ACTIVE"),
        "the binary warns about the test clock"
    );
    let db = site.db().await;
    let fall = site.demo_fall(&db).await;
    let aktenzeichen = fall.aktenzeichen.clone().unwrap().to_string();

    let r = Reise::neu(Browser::start(site.dir.path()).await, url.clone(), ordner);
    r.b().set_window_size(1280, 1400).await.unwrap();

    // --- 0. The admin's view of the Stellen and who works for them. ----------------------
    r.anmelden(ADMIN, PASSWORT).await;
    r.folge("a.pk-nav__link[href='/verwaltung/stellen']").await;
    r.warte_auf("[data-testid=stelle]").await;
    let stellen = r
        .js("return Array.from(document.querySelectorAll('[data-testid=stelle]')).map(s => s.innerText)")
        .await
        .unwrap();
    let stellen: Vec<&str> = stellen
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(stellen.len(), 3, "{stellen:?}");
    for (stelle, mitglied) in [
        ("Brandschutzdienststelle Musterstadt", BRANDSCHUTZ),
        ("Untere Naturschutzbehörde Musterkreis", NATURSCHUTZ),
        ("Gemeinde Musterstadt (Einvernehmen)", GEMEINDE),
    ] {
        assert!(
            stellen
                .iter()
                .any(|s| s.contains(stelle) && s.contains(mitglied)),
            "{stelle} with {mitglied}: {stellen:?}"
        );
    }
    assert!(
        r.text("[data-testid=landesweit]")
            .await
            .contains("Landesamt für Denkmalpflege")
    );
    r.bild_und_schmal("verwaltung_stellen").await;
    r.abmelden().await;

    // --- 1. The case worker asks three Stellen in one step. ------------------------------
    // The work list is the case worker's start page: the complete case waits there for its
    // Beteiligung, and "Erledigen" leads to the form.
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    assert!(
        r.text("main").await.contains("Aufgaben"),
        "the work list is the start page"
    );
    let aufgabe = |art: &str| {
        format!(
            "[data-testid=aufgabe][data-art={art}][data-vorgang='{}']",
            fall.id
        )
    };
    r.warte_auf(&aufgabe("beteiligung_starten")).await;
    r.bild_und_schmal("aufgaben_beteiligung_starten").await;
    r.folge(&format!(
        "{} [data-testid=aufgabe-oeffnen]",
        aufgabe("beteiligung_starten")
    ))
    .await;
    r.warte_auf("[data-testid=beteiligung-formular]").await;
    let gewaehlt = r
        .js(
            "const wahl = {'Brandschutzdienststelle Musterstadt': '1', \
               'Untere Naturschutzbehörde Musterkreis': '2', \
               'Gemeinde Musterstadt (Einvernehmen)': '3'}; const out = []; \
             document.querySelectorAll('[data-testid=stelle-zeile]').forEach(z => { \
               const name = Object.keys(wahl).find(n => z.innerText.includes(n)); if (!name) return; \
               const id = z.dataset.stelle; \
               document.getElementById('stelle-' + id).checked = true; \
               document.getElementById('rolle-' + id).value = wahl[name]; out.push(name); }); \
             return out.length;",
        )
        .await;
    assert_eq!(
        gewaehlt,
        Some(Value::from(3)),
        "the three Stellen of the demo"
    );
    r.zeige(Some("[data-testid=beteiligung-formular]")).await;
    r.bild_und_schmal("beteiligung_anfragen").await;
    r.absenden("[data-testid=anfragen]").await;
    let zeilen = r
        .warte(
            "the three requests in the overview",
            SEITE,
            &format!(
                "const z = (function() {{ {UEBERSICHT} }})(); return z.length === 3 ? z : null;"
            ),
        )
        .await;
    assert!(
        zeilen
            .as_array()
            .unwrap()
            .iter()
            .all(|z| z[1] == "angefragt"),
        "{zeilen}"
    );
    r.zeige(None).await;
    r.bild_und_schmal("beteiligung_uebersicht").await;
    let status = r.text("[data-testid=beteiligung-status]").await;
    assert!(
        status == "Beteiligung läuft",
        "the case is in the Beteiligung (in words, not its code 08): {status}"
    );
    let anfragen = db.beteiligungen(fall.id).await.unwrap();
    assert_eq!(anfragen.len(), 3);
    let gemeinde = anfragen
        .iter()
        .find(|b| b.rolle == Rolle::Gemeinde)
        .expect("the Gemeinde's request")
        .clone();
    let brandschutz = anfragen
        .iter()
        .find(|b| b.stelle_name.starts_with("Brandschutz"))
        .expect("the Brandschutzdienststelle's request")
        .clone();
    assert_eq!(gemeinde.schweigefolge, Schweigefolge::EinvernehmenFingiert);
    assert_eq!(gemeinde.rechtsgrundlage, "§ 36 Abs. 2 BauGB");
    // The architect is told that the Stellen are being heard; every Stelle is asked.
    // (The demo's other case in the Beteiligung sent the same kinds of mail.)
    let m = mail_an(
        &smtp,
        ARCHITEKTIN,
        &format!("Beteiligung der Stellen: {}", fall.bezeichnung),
    )
    .await;
    assert!(m.text.contains(&aktenzeichen), "{}", m.text);
    for (an, frist) in [
        (BRANDSCHUTZ, "§ 70 Abs. 1 HBO"),
        (NATURSCHUTZ, "§ 70 Abs. 1 HBO"),
        (GEMEINDE, "§ 36 Abs. 2 BauGB"),
    ] {
        let m = mail_an(
            &smtp,
            an,
            &format!("Bitte um Stellungnahme: {}", fall.bezeichnung),
        )
        .await;
        assert!(
            m.text.contains(frist) && m.text.contains(&format!("{url}/beteiligungen/")),
            "{an}: {}",
            m.text
        );
    }
    r.abmelden().await;

    // --- 2. The Brandschutzdienststelle: comment on a spot of a plan, ask, answer. ------
    r.anmelden(BRANDSCHUTZ, PASSWORT).await;
    r.warte_auf("#fachstelle-eingang").await;
    assert!(r.text("#fachstelle-eingang").await.contains(&aktenzeichen));
    r.bild_und_schmal("fachstelle_eingang").await;
    // This case's request (the demo's other case asked the Stelle too).
    r.folge(&format!(
        "[data-testid=anfrage-link][href='/beteiligungen/{}']",
        brandschutz.id
    ))
    .await;
    r.warte_auf("#anfrage").await;
    assert_eq!(
        r.js("return document.getElementById('anfrage').dataset.zustand")
            .await,
        Some(Value::from("in_bearbeitung")),
        "opening the request starts the work on it"
    );
    let dokumente = r.text("#dokumente").await;
    for plan in [
        "Lageplan",
        "Grundriss Erdgeschoss",
        "Schnitt A-A",
        "Baubeschreibung",
    ] {
        assert!(dokumente.contains(plan), "{plan} in scope: {dokumente}");
    }
    r.bild_und_schmal("fachstelle_anfrage").await;
    // What the Stelle must do comes first: its Stellungnahme and the deadline.
    let jetzt = r.text("[data-testid=jetzt-zu-tun]").await;
    assert!(
        jetzt.contains("Stellungnahme zum Bereich Brandschutz bis")
            && jetzt.contains("Stellungnahme abgeben"),
        "{jetzt}"
    );
    assert_eq!(
        r.js(
            "const j = document.querySelector('[data-testid=jetzt-zu-tun]'); \
              const a = document.getElementById('anfrage'); \
              return !!(j.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING);"
        )
        .await,
        Some(Value::Bool(true)),
        "before the request's details"
    );
    // The Grundriss in the viewer: pdf.js renders it in the page.
    let ok = r
        .js(
            "const z = Array.from(document.querySelectorAll('[data-testid=dokument]'))                .find(z => z.innerText.includes('Grundriss Erdgeschoss'));              if (!z) return false; z.querySelector('.plan-link').click(); return true;",
        )
        .await;
    assert_eq!(ok, Some(Value::Bool(true)));
    r.warte(
        "the plan rendered by pdf.js",
        SEITE,
        "const s = document.getElementById('plan-status'); return s && s.dataset.zustand === 'bereit';",
    )
    .await;
    // A real click on the plan (WebDriver pointer events) marks the spot.
    r.b()
        .find(fantoccini::Locator::Id("plan-canvas"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let x: f64 = r
        .js("return document.getElementById('kommentar-x').value")
        .await
        .and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
        .expect("the click filled the position");
    assert!((x - 0.5).abs() < 0.02, "the middle of the plan: {x}");
    r.tippe(
        "kommentar-text",
        "Rettungsweg: Fensteröffnung im Kinderzimmer zu klein (§ 36 HBO).",
    )
    .await;
    r.absenden("#kommentar-speichern").await;
    r.warte_auf(".kommentar-marker").await;
    r.warte(
        "the plan after saving",
        SEITE,
        "const s = document.getElementById('plan-status'); return s && s.dataset.zustand === 'bereit';",
    )
    .await;
    assert!(r.text("#kommentare").await.contains("Fensteröffnung"));
    r.bild_und_schmal("planansicht_kommentar").await;
    // The viewer's address ends with the version the comment is anchored to.
    let version: i64 = r
        .js("return Number(location.pathname.split('/').pop())")
        .await
        .and_then(|v| v.as_i64())
        .expect("the viewer's version id");
    let kommentare = db.kommentare(version).await.unwrap();
    assert_eq!(kommentare.len(), 1);
    assert!(
        kommentare[0].x > 0.45 && kommentare[0].x < 0.55,
        "{:?}",
        kommentare[0]
    );

    // The question to the Bauaufsicht.
    r.gehe(&format!("/beteiligungen/{}", brandschutz.id)).await;
    r.warte_auf("#rueckfrage-form").await;
    r.tippe(
        "rueckfrage-text",
        "Ist für das Dachgeschoss ein zweiter baulicher Rettungsweg vorgesehen?",
    )
    .await;
    r.absenden("#rueckfrage-senden").await;
    r.warte_auf("[data-testid=rueckfrage]").await;
    mail_an(
        &smtp,
        SACHBEARBEITUNG,
        "Rückfrage der Stelle Brandschutzdienststelle",
    )
    .await;
    r.abmelden().await;

    // The open Rückfrage is on the work list, bound to the Stelle's deadline, and leads to
    // the answer form; the case page says the same under "Jetzt zu tun".
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    r.warte_auf(&aufgabe("offene_rueckfrage")).await;
    let text = r.text(&aufgabe("offene_rueckfrage")).await;
    assert!(
        text.contains("Brandschutzdienststelle")
            && text.contains(&format!("bis {}", frist::datum_de(brandschutz.ende))),
        "{text}"
    );
    r.gehe(&format!("/vorgaenge/{}", fall.id)).await;
    r.warte_auf("[data-testid=jetzt-zu-tun]").await;
    let jetzt = r.text("[data-testid=jetzt-zu-tun]").await;
    assert!(jetzt.contains("Rückfrage einer Stelle"), "{jetzt}");
    // Every deadline of the case in one place: each Stelle's too.
    let fristen = r.text("[data-testid=fristen]").await;
    for stelle in [
        "Brandschutzdienststelle",
        "Naturschutzbehörde",
        "Gemeinde Musterstadt",
    ] {
        assert!(fristen.contains(stelle), "{stelle}: {fristen}");
    }
    r.gehe("/aufgaben").await;
    r.warte_auf(&aufgabe("offene_rueckfrage")).await;
    r.folge(&format!(
        "{} [data-testid=aufgabe-oeffnen]",
        aufgabe("offene_rueckfrage")
    ))
    .await;
    r.warte_auf("[data-testid=antwort-formular]").await;
    assert_eq!(
        r.pfad().await,
        format!("/vorgaenge/{}/beteiligung", fall.id)
    );
    let rid = r
        .js("return document.querySelector('[data-testid=antwort-formular]').id.replace('antwort-formular-', '')")
        .await
        .unwrap();
    let rid = rid.as_str().unwrap().to_string();
    r.tippe(
        &format!("antwort-{rid}"),
        "Ja, über das Dachflächenfenster nach § 36 Abs. 3 HBO; siehe Grundriss DG.",
    )
    .await;
    r.zeige(Some("[data-testid=antwort-formular]")).await;
    r.bild_und_schmal("bauaufsicht_antwort").await;
    r.absenden(&format!("#antwort-senden-{rid}")).await;
    r.warte(
        "the answered question",
        SEITE,
        "return !document.querySelector('[data-testid=antwort-formular]');",
    )
    .await;
    let m = mail_an(&smtp, BRANDSCHUTZ, "Antwort auf Ihre Rückfrage").await;
    // The mail says that and where; the answer itself is read on the page.
    assert!(
        m.text.contains("beantwortet")
            && m.text
                .contains(&format!("/beteiligungen/{}#rueckfragen", brandschutz.id)),
        "{}",
        m.text
    );
    r.abmelden().await;

    // The Stellungnahme with two Nebenbestimmungen.
    r.anmelden(BRANDSCHUTZ, PASSWORT).await;
    r.gehe(&format!("/beteiligungen/{}", brandschutz.id)).await;
    r.warte_auf("[data-testid=rueckfrage-antwort]").await;
    assert!(
        r.text("[data-testid=rueckfrage-antwort]")
            .await
            .contains("Dachflächenfenster")
    );
    // An attachment (a PDF through the pipeline, like a plan), then the Stellungnahme.
    let anlage = plankammer_tests::repo_root()
        .join("sample-plans/einfamilienhaus/09_Stellplatznachweis.pdf");
    r.b()
        .find(fantoccini::Locator::Id("anlage-datei"))
        .await
        .unwrap()
        .send_keys(&anlage.display().to_string())
        .await
        .unwrap();
    r.absenden("#anlage-hochladen").await;
    r.warte(
        "the attachment checked by the pipeline",
        PIPELINE,
        "const a = document.querySelector('[data-testid=anlage]'); return a && a.dataset.zustand === 'fertig';",
    )
    .await;
    r.zeige(Some("#anlagen")).await;
    r.bild("anlage_geprueft").await;
    r.folge("#stellungnahme-abgeben").await;
    r.warte_auf("#stellungnahme-form").await;
    r.folge("#zustimmung-mit_nebenbestimmungen").await;
    r.tippe(
        "tenor",
        "Dem Vorhaben wird aus Sicht des Brandschutzes unter Auflagen zugestimmt.",
    )
    .await;
    r.waehle("nb-art-1", "2").await;
    r.tippe("nb-text-1", "Die Fenster der Aufenthaltsräume im Dachgeschoss sind als Rettungsfenster (lichte Öffnung mindestens 0,90 × 1,20 m) auszuführen.").await;
    r.tippe(
        "nb-begruendung-1",
        "Zweiter Rettungsweg über Leitern der Feuerwehr, § 36 Abs. 3 HBO.",
    )
    .await;
    r.waehle("nb-art-2", "4").await;
    r.tippe(
        "nb-text-2",
        "Rauchwarnmelder nach § 14 Abs. 2 HBO in Schlafräumen, Kinderzimmern und Fluren.",
    )
    .await;
    r.tippe(
        "begruendung",
        "Die Unterlagen wurden geprüft; die Rückfrage ist beantwortet.",
    )
    .await;
    r.zeige(Some("#stellungnahme-form")).await;
    r.bild_und_schmal("stellungnahme_formular").await;
    // Abgeben is a legal act: the summary first, then the explicit "Ja".
    r.folge("[data-testid=stellungnahme-oeffnen]").await;
    let folgen = r.text("[data-testid=stellungnahme-bestaetigen]").await;
    assert!(
        folgen.contains("Bauaufsicht erhält") && folgen.contains("unveränderlich"),
        "{folgen}"
    );
    r.zeige(Some("[data-testid=stellungnahme-bestaetigen]"))
        .await;
    r.bild_und_schmal("stellungnahme_bestaetigen").await;
    r.absenden("#stellungnahme-senden").await;
    r.warte_auf("[data-testid=stellungnahme]").await;
    r.zeige(Some("#stellungnahmen")).await;
    r.bild("stellungnahme_abgegeben").await;
    assert_eq!(
        r.js("return document.querySelectorAll('[data-testid=jetzt-zu-tun]').length")
            .await,
        Some(Value::from(0)),
        "nothing left to do once the Stellungnahme is given"
    );
    assert!(
        r.text("[data-testid=stellungnahme]")
            .await
            .contains("09_Stellplatznachweis.pdf"),
        "the attachment is part of the Stellungnahme"
    );
    mail_an(
        &smtp,
        SACHBEARBEITUNG,
        "Stellungnahme der Stelle Brandschutzdienststelle",
    )
    .await;
    r.abmelden().await;

    // The case worker finds the new Stellungnahme on the work list; opening the
    // Beteiligung reads it, and it leaves the list.
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    r.warte_auf(&aufgabe("neue_stellungnahme")).await;
    r.zeige(Some("[data-testid=aufgaben]")).await;
    r.bild_und_schmal("aufgaben_neue_stellungnahme").await;
    r.folge(&format!(
        "{} [data-testid=aufgabe-oeffnen]",
        aufgabe("neue_stellungnahme")
    ))
    .await;
    r.warte_auf("[data-testid=ba-stellungnahmen]").await;
    r.gehe("/aufgaben").await;
    r.warte_auf("[data-testid=aufgaben-filter]").await;
    assert_eq!(
        r.js(&format!(
            "return document.querySelectorAll({:?}).length",
            aufgabe("neue_stellungnahme")
        ))
        .await,
        Some(Value::from(0)),
        "a Stellungnahme that was read is no longer new"
    );
    r.abmelden().await;

    // --- 3. The Naturschutzbehörde consents. ----------------------------------------------
    r.anmelden(NATURSCHUTZ, PASSWORT).await;
    let naturschutz = anfragen
        .iter()
        .find(|b| b.stelle_name.starts_with("Untere Naturschutz"))
        .expect("the Naturschutzbehörde's request");
    r.folge(&format!(
        "[data-testid=anfrage-link][href='/beteiligungen/{}']",
        naturschutz.id
    ))
    .await;
    r.warte_auf("#stellungnahme-abgeben").await;
    r.folge("#stellungnahme-abgeben").await;
    r.warte_auf("#stellungnahme-form").await;
    r.folge("#zustimmung-ja").await;
    r.tippe(
        "tenor",
        "Naturschutzrechtliche Belange stehen nicht entgegen.",
    )
    .await;
    r.absenden("#stellungnahme-senden").await;
    r.warte_auf("[data-testid=stellungnahme]").await;
    mail_an(
        &smtp,
        SACHBEARBEITUNG,
        "Stellungnahme der Stelle Untere Naturschutzbehörde",
    )
    .await;
    r.abmelden().await;
    let sn = db.stellungnahmen(brandschutz.id).await.unwrap();
    assert_eq!(sn.len(), 1);
    assert_eq!(sn[0].zustimmung, Zustimmung::MitNebenbestimmungen);
    assert_eq!(
        Some(sn[0].nebenbestimmungen.len()),
        Some(2),
        "{:?}",
        sn[0].nebenbestimmungen
    );

    // --- 4. The Gemeinde stays silent; the clock moves past its deadline. ---------------
    let ende = gemeinde.ende;
    let heute = plankammer_storage::uhr::berlin_datum(chrono::Utc::now());
    let tage = (ende - heute).num_days() + 1;
    std::fs::write(&uhr, (tage * 24 * 3600 + 3600).to_string()).unwrap();
    plankammer_tests::wait_for(
        "the deemed Einvernehmen of the Gemeinde",
        FRISTENJOB,
        || {
            let db = db.clone();
            let id = gemeinde.id;
            async move {
                let b = db.beteiligung(id).await.ok()?;
                (b.zustand == BeteiligungsZustand::FristAbgelaufen).then_some(b)
            }
        },
    )
    .await;
    let m = mail_an(&smtp, GEMEINDE, "Einvernehmen gilt als erteilt").await;
    assert!(m.text.contains("§ 36 Abs. 2 BauGB"), "{}", m.text);
    mail_an(&smtp, SACHBEARBEITUNG, "Einvernehmen gilt als erteilt").await;
    // Sessions of before have run out with the moved clock: sign in again.
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    r.gehe(&format!("/vorgaenge/{}/beteiligung", fall.id)).await;
    r.warte_auf("[data-testid=beteiligung-zeile]").await;
    let zeilen = r.js(UEBERSICHT).await.unwrap();
    let zustand_von = |name: &str| {
        zeilen
            .as_array()
            .unwrap()
            .iter()
            .find(|z| z[0].as_str().unwrap().contains(name))
            .map(|z| z[1].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(zustand_von("Gemeinde Musterstadt"), "frist_abgelaufen");
    assert_eq!(
        zustand_von("Brandschutzdienststelle"),
        "stellungnahme_abgegeben"
    );
    assert_eq!(
        zustand_von("Untere Naturschutzbehörde"),
        "stellungnahme_abgegeben"
    );
    // The Gemeinde was the last open request: the Beteiligung is closed.
    let status = r.text("[data-testid=beteiligung-status]").await;
    assert_eq!(status, "Beteiligung abgeschlossen");
    mail_an(&smtp, ARCHITEKTIN, "Beteiligung abgeschlossen").await;
    r.zeige(None).await;
    r.bild_und_schmal("einvernehmen_fingiert").await;

    // --- 5. The Bescheid: drafted from the Stellungnahmen, issued, plans stamped. -------
    r.gehe(&format!("/vorgaenge/{}", fall.id)).await;
    r.warte_auf("[data-testid=bescheid-entwurf-link]").await;
    r.folge("[data-testid=bescheid-entwurf-link]").await;
    r.warte_auf("#bescheid-formular").await;
    let uebernommen = r
        .js("return Array.from(document.querySelectorAll('[data-testid=nebenbestimmung]')).map(n => \
               [n.querySelector('[data-testid=nb-quelle]').innerText, n.querySelector('[data-testid=nb-text]').value])")
        .await
        .unwrap();
    let uebernommen = uebernommen.as_array().unwrap();
    assert_eq!(
        uebernommen.len(),
        2,
        "both Nebenbestimmungen carried over: {uebernommen:?}"
    );
    assert!(
        uebernommen
            .iter()
            .all(|n| n[0].as_str().unwrap().contains("Brandschutzdienststelle")),
        "with their source: {uebernommen:?}"
    );
    assert!(
        uebernommen[0][1]
            .as_str()
            .unwrap()
            .contains("Rettungsfenster")
    );
    r.folge("#tenor-genehmigung").await;
    r.tippe("begruendung", "Das Vorhaben entspricht den öffentlich-rechtlichen Vorschriften, die im vereinfachten Verfahren zu prüfen sind (§ 65 HBO). Die beteiligten Stellen haben zugestimmt; das Einvernehmen der Gemeinde gilt als erteilt (§ 36 Abs. 2 BauGB).").await;
    let gebuehr = r
        .js("const e = document.querySelector('[data-testid=gebuehr-neu] input[id^=geb_beschreibung_]'); return e ? e.id.replace('geb_beschreibung_', '') : null;")
        .await
        .unwrap();
    let g = gebuehr.as_str().unwrap().to_string();
    r.tippe(&format!("geb_beschreibung_{g}"), "Baugenehmigungsgebühr")
        .await;
    r.tippe(&format!("geb_betrag_{g}"), "1.234,50").await;
    // "Weitere Nebenbestimmung" adds a row in place: no reload, no jump, the focus in the
    // new row; the server takes the row as if it had added it.
    r.js("window.pkOhneNeuladen = true; return true").await;
    let zeilen = "return document.querySelectorAll('[data-testid=nebenbestimmung-neu]').length";
    let vorher = r.js(zeilen).await.unwrap().as_i64().unwrap();
    r.folge("[data-testid=nb-hinzufuegen]").await;
    assert_eq!(r.js(zeilen).await.unwrap().as_i64().unwrap(), vorher + 1);
    assert_eq!(
        r.js("return window.pkOhneNeuladen === true").await,
        Some(Value::Bool(true)),
        "the page was not reloaded"
    );
    let neu = r
        .js(
            "return document.activeElement.closest('[data-testid=nebenbestimmung-neu]') \
               .querySelector('textarea').id",
        )
        .await
        .unwrap();
    let neu = neu
        .as_str()
        .expect("the focus is in the new row")
        .to_string();
    r.tippe(&neu, "Die Hausnummer ist gut sichtbar anzubringen.")
        .await;
    r.zeige(Some("[data-testid=nebenbestimmungen]")).await;
    r.bild_und_schmal("bescheid_entwurf").await;
    r.absenden("[data-testid=entwurf-speichern]").await;
    r.warte_auf("[data-testid=bescheid-vorschau]").await;
    assert!(
        r.text("[data-testid=vorschau-summe]")
            .await
            .contains("1.234,50")
    );
    // The two carried over and the own one added in place.
    assert_eq!(
        r.js(
            "return document.querySelectorAll('[data-testid=vorschau-nebenbestimmungen] li').length"
        )
        .await,
        Some(Value::from(3))
    );
    assert!(
        r.text("[data-testid=vorschau-nebenbestimmungen]")
            .await
            .contains("Hausnummer ist gut sichtbar")
    );
    r.zeige(Some("[data-testid=bescheid-vorschau]")).await;
    r.bild("bescheid_vorschau").await;
    r.folge("[data-testid=erlassen-oeffnen]").await;
    let folgen = r.text("[data-testid=erlassen-bestaetigen]").await;
    assert!(
        folgen.contains("unveränderlich") && folgen.contains("per E-Mail benachrichtigt"),
        "{folgen}"
    );
    r.zeige(Some("[data-testid=erlassen-bestaetigen]")).await;
    r.bild_und_schmal("erlassen_bestaetigen").await;
    r.absenden("[data-testid=bescheid-erlassen]").await;
    // The worker stamps the plans in its sandbox and renders the Bescheid; the page polls.
    let meldung = r
        .warte(
            "the issued Bescheid",
            PIPELINE,
            "const e = document.querySelector('[data-testid=bescheid-erlassen-meldung]'); return e ? e.innerText : null;",
        )
        .await;
    let nummer = format!("{aktenzeichen}-B1");
    assert!(meldung.as_str().unwrap().contains(&nummer), "{meldung}");
    r.zeige(None).await;
    r.bild("bescheid_erlassen").await;
    assert_eq!(
        db.antrag(fall.id).await.unwrap().zustand,
        Zustand::Genehmigt
    );
    r.abmelden().await;

    // --- The architect is told, and downloads the Bescheid and a stamped plan. ----------
    let m = mail_an(&smtp, ARCHITEKTIN, "Ihr Bescheid liegt vor").await;
    assert!(m.text.contains(&aktenzeichen), "{}", m.text);
    r.anmelden(ARCHITEKTIN, PASSWORT).await;
    r.gehe(&format!("/vorgaenge/{}", fall.id)).await;
    r.warte_auf("[data-testid=bescheid-abschnitt]").await;
    let status = r.text("[data-testid=statuszeile]").await;
    assert!(
        status.contains("Genehmigt") && !status.contains("10 –"),
        "granted, in words: {status}"
    );
    r.zeige(Some("[data-testid=bescheid-abschnitt]")).await;
    r.bild_und_schmal("architektin_bescheid").await;
    // The timeline shows the applicant the steps, not what the Stellen said.
    let zeitleiste = r.text("[data-testid=zeitleiste]").await;
    assert!(
        zeitleiste.contains("Beteiligung abgeschlossen") && zeitleiste.contains("Bescheid"),
        "{zeitleiste}"
    );
    for intern in [
        "Stellungnahme der Stelle",
        "Rückfrage",
        "Einvernehmen gilt als erteilt",
        "Frida Fachstelle",
    ] {
        assert!(
            !zeitleiste.contains(intern),
            "{intern} is for the authorities: {zeitleiste}"
        );
    }
    let bescheid = herunterladen(&r, "[data-testid=bescheid-pdf]").await;
    assert!(
        bescheid.disposition.starts_with("attachment"),
        "{}",
        bescheid.disposition
    );
    let text = pdfwerkzeug::pdftotext(&bescheid.bytes, "bescheid.pdf");
    assert!(
        text.contains(&nummer)
            && text.contains("Rettungsfenster")
            && text.contains("Rauchwarnmelder"),
        "the Bescheid with its number and the carried-over Nebenbestimmungen:\n{text}"
    );
    std::fs::write(bilder.join("bescheid.pdf"), &bescheid.bytes).unwrap();
    let plan = herunterladen(&r, "[data-testid=gestempelter-plan]").await;
    std::fs::write(bilder.join("plan_genehmigt.pdf"), &plan.bytes).unwrap();
    pdfwerkzeug::qpdf_check(&plan.bytes, "plan_genehmigt.pdf");
    let text = pdfwerkzeug::pdftotext(&plan.bytes, "plan_genehmigt.pdf");
    assert!(
        text.contains("GENEHMIGT") && text.contains(&nummer),
        "the stamp on the plan:\n{text}"
    );
    assert!(
        text.contains("Lageplan") || text.contains("Grundriss"),
        "the plan's own text layer stays:\n{text}"
    );
    r.abmelden().await;
    let gelesen: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE actor_user_id = (SELECT id FROM users WHERE email = $1) AND action LIKE '%lesen%'",
    )
    .bind(ARCHITEKTIN)
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert!(gelesen >= 2, "both downloads audited");

    eprintln!(
        "beteiligung_journey ({backend}) took {:?}",
        gesamt.elapsed()
    );
}
