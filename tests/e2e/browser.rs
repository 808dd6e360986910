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
            "Posteingang",
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
