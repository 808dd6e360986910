//! Headless Chromium (Debian's chromium + chromium-driver) through login and logout for
//! every role, against the real binary with demo data. Screenshots go to
//! target/test-artifacts/.

mod common;

use common::{Site, wait_ready};
use fantoccini::Locator;
use plankammer_tests::browser::Browser;
use plankammer_tests::free_port;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn login_and_logout_in_a_real_browser() {
    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let app = site.start(&["demo"], &[("BIND", format!("127.0.0.1:{port}"))], "demo");
    wait_ready(&url, &app).await;
    let browser = Browser::start(site.dir.path()).await;
    let b = &browser.client;

    for (email, slug, heading) in [
        (
            "architektin@musterstadt.example",
            "antragsteller",
            "Meine Vorgänge",
        ),
        (
            "sachbearbeitung@musterstadt.example",
            "bauaufsicht",
            "Aufgaben",
        ),
        (
            "brandschutz@musterstadt.example",
            "fachstelle",
            "Beteiligungen",
        ),
        (
            "admin@musterstadt.example",
            "admin",
            "Übersicht der Behörde",
        ),
    ] {
        b.goto(&format!("{url}/")).await.unwrap();
        b.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Id("email"))
            .await
            .unwrap()
            .send_keys(email)
            .await
            .unwrap();
        if slug == "antragsteller" {
            browser.screenshot("01-anmelden").await;
        }
        b.find(Locator::Id("passwort"))
            .await
            .unwrap()
            .send_keys("plankammer-demo")
            .await
            .unwrap();
        b.find(Locator::Css("[data-testid=anmelden]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let h1 = b
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("[data-testid=startseite]"))
            .await
            .unwrap();
        assert!(h1.text().await.unwrap().starts_with("Guten Tag"));
        let body = b
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains(heading), "{slug}: {body}");
        assert_eq!(b.current_url().await.unwrap().path(), "/start");
        // KERN UX is applied: the primary font is Fira Sans from our own origin.
        let font: String = b
            .execute("return getComputedStyle(document.body).fontFamily", vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(font.contains("Fira Sans"), "KERN typography, got {font:?}");
        let shot = browser.screenshot(&format!("02-start-{slug}")).await;
        assert!(
            std::fs::metadata(&shot).unwrap().len() > 10_000,
            "a real page, not a blank image"
        );

        b.find(Locator::Css("[data-testid=abmelden]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let alert = b
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("[role=status]"))
            .await
            .unwrap();
        assert_eq!(alert.text().await.unwrap().trim(), "Sie wurden abgemeldet.");
        assert_eq!(b.current_url().await.unwrap().path(), "/anmelden");
        if slug == "admin" {
            browser.screenshot("03-abgemeldet").await;
        }
        b.goto(&format!("{url}/start")).await.unwrap();
        assert_eq!(
            b.current_url().await.unwrap().path(),
            "/anmelden",
            "the session is gone"
        );
    }

    // A wrong password shows the German message in the page.
    b.goto(&format!("{url}/anmelden")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("admin@musterstadt.example")
        .await
        .unwrap();
    b.find(Locator::Id("passwort"))
        .await
        .unwrap()
        .send_keys("falsch-falsch")
        .await
        .unwrap();
    b.find(Locator::Css("[data-testid=anmelden]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("anmelde-fehler"))
        .await
        .unwrap();
    assert!(
        err.text()
            .await
            .unwrap()
            .contains("E-Mail-Adresse oder Passwort ist nicht richtig.")
    );
    browser.screenshot("04-falsches-passwort").await;
    browser.client.clone().close().await.unwrap();
}

/// The architect opens a case, uploads plans, and watches them being checked, live.
#[tokio::test(flavor = "multi_thread")]
async fn upload_plans_and_watch_the_check_in_a_real_browser() {
    use plankammer_workers::pdf::muster::{self, feindlich};
    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let app = site.start(&["demo"], &[("BIND", format!("127.0.0.1:{port}"))], "demo");
    wait_ready(&url, &app).await;
    let plan = site.dir.path().join("EG Grundriss.pdf");
    std::fs::write(&plan, muster::pdf_with(&[muster::A1_QUER], "", "", &[])).unwrap();
    let js = site.dir.path().join("mit-skript.pdf");
    std::fs::write(&js, feindlich::mit_javascript()).unwrap();
    let text = site.dir.path().join("notiz.pdf");
    std::fs::write(&text, b"nur eine Notiz").unwrap();

    let browser = Browser::start(site.dir.path()).await;
    let b = &browser.client;
    b.set_window_size(1280, 1800).await.unwrap();
    demo_anmelden(b, &url, "architektin").await;
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("bezeichnung"))
        .await
        .unwrap()
        .send_keys("Neubau Einfamilienhaus mit Garage")
        .await
        .unwrap();
    b.find(Locator::Css("[data-testid=vorgang-anlegen]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let title = b
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-testid=vorgang-titel]"))
        .await
        .unwrap();
    assert_eq!(
        title.text().await.unwrap(),
        "Neubau Einfamilienhaus mit Garage"
    );

    let input = b.find(Locator::Id("datei")).await.unwrap();
    input
        .send_keys(&format!(
            "{}\n{}\n{}",
            plan.display(),
            js.display(),
            text.display()
        ))
        .await
        .unwrap();
    // The submit button sits below the fold of the headless window; submit as it would.
    b.execute(
        "document.querySelector('form.pk-upload').requestSubmit()",
        vec![],
    )
    .await
    .unwrap();
    // Each file gets its own progress line with the server's answer.
    let lines = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".pk-progress-list li.pk-progress--fehler"))
        .await
        .unwrap();
    assert!(lines.text().await.unwrap().contains("kein PDF-Dokument"));
    // The document list refreshes itself until every check is done.
    let start = std::time::Instant::now();
    loop {
        // One snapshot in the page itself: htmx may swap the list between two WebDriver calls.
        let snap = b
            .execute(
                "const d = document.querySelector('[data-testid=dokumente]'); \
                 return [d ? d.dataset.laufend : null, Array.from(document.querySelectorAll('[data-testid=stufe-zustand]')).map(e => e.textContent.trim())];",
                vec![],
            )
            .await
            .unwrap();
        let laufend = snap[0].as_str().map(str::to_string);
        let states: Vec<String> = snap[1]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_string())
            .collect();
        if laufend.as_deref() == Some("nein")
            && states.len() >= 2
            && states.iter().all(|s| s == "fertig" || s == "folgt")
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "checks did not finish: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let list = b
        .find(Locator::Css("[data-testid=dokumente]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("A1 quer"), "{list}");
    assert!(
        list.contains("JavaScript"),
        "the finding is shown in German: {list}"
    );
    let thumbs = b
        .find_all(Locator::Css("[data-testid=vorschauen] img"))
        .await
        .unwrap();
    assert!(!thumbs.is_empty(), "thumbnails shown");
    // The thumbnails load lazily: bring each into view, then wait until every one has
    // decoded (a CSP or auth problem would leave them at naturalWidth 0 for good).
    plankammer_tests::wait_for(
        "thumbnails load under the CSP",
        std::time::Duration::from_secs(30),
        || {
            let b = b.clone();
            async move {
                b.execute(
                    "const imgs = Array.from(document.querySelectorAll('[data-testid=vorschauen] img')); \
                     imgs.forEach(i => i.scrollIntoView({block: 'center'})); \
                     return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .filter(|ok| *ok)
            }
        },
    )
    .await;
    browser.screenshot("05-vorgang-dokumente").await;
    browser.client.clone().close().await.unwrap();
}

/// Signs in as the demo account `konto` (architektin, sachbearbeitung, …) through the
/// login form and waits for the start page.
async fn demo_anmelden(b: &fantoccini::Client, url: &str, konto: &str) {
    b.goto(&format!("{url}/anmelden")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(&format!("{konto}@musterstadt.example"))
        .await
        .unwrap();
    b.find(Locator::Id("passwort"))
        .await
        .unwrap()
        .send_keys("plankammer-demo")
        .await
        .unwrap();
    b.find(Locator::Css("[data-testid=anmelden]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-testid=startseite]"))
        .await
        .unwrap();
}

/// Every page a person can reach by following links, for every demo role and without an
/// account, at phone width (360 px): nothing scrolls sideways, axe-core finds no WCAG 2.1
/// A/AA or best-practice violation, and no link leads to an error page. The pages are found
/// by crawling, not listed, so a new page is checked without touching this test.
#[tokio::test(flavor = "multi_thread")]
async fn every_linked_page_at_phone_width_without_axe_findings() {
    use plankammer_tests::browser::Fenster;
    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let app = site.start(&["demo"], &[("BIND", format!("127.0.0.1:{port}"))], "demo");
    wait_ready(&url, &app).await;
    let browser = Browser::start_mit(site.dir.path(), Fenster::Telefon).await;
    let b = &browser.client;
    // Links a crawl must not follow: they change state, download files or leave the pages.
    let ueberspringen = |pfad: &str| {
        pfad.starts_with("/api/")
            || pfad.starts_with("/static/")
            || pfad.contains("/download")
            || pfad.contains("/abmelden")
            || pfad.ends_with(".pdf")
    };
    // Pages that differ only by ids are one page ("/vorgaenge/N").
    let muster = |pfad: &str| -> String {
        pfad.split('/')
            .map(|s| {
                if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                    "N"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut befunde = Vec::new();
    let mut geprueft = 0;
    for konto in [
        None,
        Some("architektin"),
        Some("sachbearbeitung"),
        Some("brandschutz"),
        Some("gemeinde"),
        Some("admin"),
    ] {
        b.delete_all_cookies().await.unwrap();
        if let Some(k) = konto {
            demo_anmelden(b, &url, k).await;
        }
        let wer = konto.unwrap_or("ohne Konto");
        let mut gesehen = std::collections::HashSet::new();
        let mut offen = std::collections::VecDeque::from([(String::from("/"), String::new())]);
        while let Some((pfad, von)) = offen.pop_front() {
            if gesehen.len() >= 60 || !gesehen.insert(muster(&pfad)) {
                continue;
            }
            b.goto(&format!("{url}{pfad}")).await.unwrap();
            geprueft += 1;
            if b.find(Locator::Css("[data-testid=fehlermeldung]"))
                .await
                .is_ok()
            {
                befunde.push(format!(
                    "{wer}: {pfad} (linked from {von}) is an error page"
                ));
                continue;
            }
            let (breite, fenster) = browser.breiten().await;
            if breite > fenster {
                befunde.push(format!(
                    "{wer}: {pfad} scrolls sideways ({breite} px on a {fenster} px screen)"
                ));
            }
            for a in browser.axe().await {
                befunde.push(format!("{wer}: {pfad}: {a}"));
            }
            if pfad == "/" || gesehen.len() <= 3 {
                browser
                    .screenshot(&format!(
                        "telefon-{}-{}",
                        wer.replace(' ', "-"),
                        gesehen.len()
                    ))
                    .await;
            }
            let links = b
                .execute(
                    "return [...document.querySelectorAll('a[href]')].map(a => a.href)",
                    vec![],
                )
                .await
                .unwrap();
            for l in links.as_array().unwrap() {
                let Ok(ziel) = url::Url::parse(l.as_str().unwrap_or("")) else {
                    continue;
                };
                if ziel.port() != Some(port) || ziel.fragment().is_some() {
                    continue;
                }
                let p = ziel.path().to_string();
                if !ueberspringen(&p) && !gesehen.contains(&muster(&p)) {
                    offen.push_back((p, pfad.clone()));
                }
            }
        }
    }
    assert!(geprueft >= 30, "the crawl reached only {geprueft} pages");
    assert!(befunde.is_empty(), "{}", befunde.join("\n"));
    browser.client.clone().close().await.unwrap();
}

/// A Fachstelle on a tablet, upright and on its side: the plan viewer fits the screen
/// (nothing scrolls sideways, no axe finding), the comments are on the first screen (beside
/// the plan on its side, below a shorter plan frame upright), and a tap on the plan sets the
/// comment's position.
#[tokio::test(flavor = "multi_thread")]
async fn a_fachstelle_comments_on_a_plan_on_a_tablet() {
    use plankammer_tests::browser::Fenster;
    let site = Site::new().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let app = site.start(&["demo"], &[("BIND", format!("127.0.0.1:{port}"))], "demo");
    wait_ready(&url, &app).await;
    for (fenster, name) in [(Fenster::TabletQuer, "quer"), (Fenster::TabletHoch, "hoch")] {
        let browser = Browser::start_mit(site.dir.path(), fenster).await;
        let b = &browser.client;
        demo_anmelden(b, &url, "brandschutz").await;
        let warte = |css: &'static str| {
            let b = b.clone();
            async move {
                b.wait()
                    .at_most(Duration::from_secs(20))
                    .for_element(Locator::Css(css))
                    .await
                    .unwrap_or_else(|e| panic!("{css}: {e}"))
            }
        };
        // Followed by their addresses: a tap on a link is the browser's business.
        for css in ["[data-testid=anfrage-link]", "[data-testid=plan-link]"] {
            let href = warte(css).await.prop("href").await.unwrap().unwrap();
            b.goto(&href).await.unwrap();
        }
        plankammer_tests::wait_for("the plan rendered", Duration::from_secs(30), || {
            let b = b.clone();
            async move {
                b.execute(
                    "const s = document.getElementById('plan-status'); return s && s.dataset.zustand === 'bereit';",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .filter(|ok| *ok)
            }
        })
        .await;
        let (breite, fenster_breite) = browser.breiten().await;
        assert!(
            breite <= fenster_breite,
            "{name}: scrolls sideways ({breite} px on {fenster_breite} px)"
        );
        let axe = browser.axe().await;
        assert!(axe.is_empty(), "{name}: {}", axe.join("\n"));
        let lage = b
            .execute(
                "const p = document.getElementById('planansicht').getBoundingClientRect(); \
                 const k = document.getElementById('kommentare-bereich').getBoundingClientRect(); \
                 const f = document.querySelector('.pk-plan__rahmen').getBoundingClientRect(); \
                 return { neben: k.left >= p.right - 1, k_oben: k.top + window.scrollY, \
                          p_oben: p.top + window.scrollY, rahmen: f.height, hoehe: window.innerHeight };",
                vec![],
            )
            .await
            .unwrap();
        let hoehe = lage["hoehe"].as_f64().unwrap();
        if fenster == Fenster::TabletQuer {
            assert_eq!(
                lage["neben"], true,
                "{name}: comments beside the plan: {lage}"
            );
            assert!(
                lage["k_oben"].as_f64().unwrap() < lage["p_oben"].as_f64().unwrap() + 1.0,
                "{name}: comments start level with the plan: {lage}"
            );
        } else {
            assert_eq!(
                lage["neben"], false,
                "{name}: comments below the plan: {lage}"
            );
            assert!(
                lage["rahmen"].as_f64().unwrap() <= 0.61 * hoehe,
                "{name}: the plan frame leaves room below it: {lage}"
            );
        }
        browser
            .screenshot(&format!("tablet-{name}-planansicht"))
            .await;
        // A tap on the plan sets the position.
        b.find(Locator::Id("plan-canvas"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let pos = b
            .execute(
                "return [document.getElementById('kommentar-x').value, document.getElementById('kommentar-y').value];",
                vec![],
            )
            .await
            .unwrap();
        let x: f64 = pos[0].as_str().unwrap_or("").parse().unwrap_or(-1.0);
        assert!(
            (0.3..=0.7).contains(&x),
            "{name}: a tap sets the point: {pos}"
        );
        browser.screenshot(&format!("tablet-{name}-punkt")).await;
        browser.client.clone().close().await.unwrap();
    }
}
