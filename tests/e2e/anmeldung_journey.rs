//! Getting in (issue 13), in a real browser against the real binary, with a real OpenID
//! provider (the npm `oidc-provider`, `tests/oidc-provider`) and a real SMTP server:
//!
//! 1. the authority's admin (local password, second factor set up at the first sign-in)
//!    maps the directory's group of case workers to the role Bauaufsicht;
//! 2. an architect without an account signs in through the Servicekonto for the first
//!    time: the account is created from the provider's claims, she chooses her authority
//!    and starts a Bauantrag; signing out ends the provider's session too;
//! 3. a case worker signs in through the authority's directory and lands in the
//!    Bauaufsicht's work list of the tenant their group maps to;
//! 4. a local applicant registers, confirms the address from the mail, forgets the
//!    password and sets a new one through the mailed link, and signs in with it;
//! 5. a local case worker signs in with password and TOTP (set up, then a code).
//!
//! Every page of Plankammer on the way is checked with axe-core; screenshots in
//! target/test-artifacts/anmeldung_journey-<backend>/.

mod common;
mod reise;

use common::{Site, wait_ready};
use plankammer_tests::browser::Browser;
use plankammer_tests::oidc::OidcProvider;
use plankammer_tests::smtp::SmtpServer;
use plankammer_tests::{artifacts_dir, free_port};
use reise::{Reise, SEITE, mail_an};
use serde_json::json;

const TENANT: &str = "bauaufsicht-kassel";
const ADMIN: &str = "it@bauaufsicht-kassel.example";
const SACHBEARBEITUNG: &str = "m.weber@bauaufsicht-kassel.example";
const PASSWORT: &str = "ein-sehr-langes-passwort";
const BAUHERR: &str = "jonas.krause@example.de";
const PASSWORT_BAUHERR: &str = "mein erstes langes passwort";
const PASSWORT_NEU: &str = "und nun ein anderes passwort";

/// The link in a mail that starts with `anfang`.
fn link(text: &str, anfang: &str) -> String {
    let start = text
        .find(anfang)
        .unwrap_or_else(|| panic!("no link {anfang} in:\n{text}"));
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '>' || c == '"')
        .next()
        .unwrap()
        .to_string()
}

/// On the provider's sign-in page (not Plankammer's: axe does not judge it), types the
/// login and signs in.
async fn beim_anbieter_anmelden(r: &Reise, login: &str) {
    r.warte(
        "the provider's sign-in form",
        SEITE,
        "return document.readyState === 'complete' && !!document.querySelector('#login')",
    )
    .await;
    r.tippe("login", login).await;
    r.folge("#anmelden").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn architects_and_staff_get_in_through_providers_and_local_accounts() {
    let backend = plankammer_storage::testing::test_backend().name();
    let ordner = format!("anmeldung_journey-{backend}");
    let _ = std::fs::remove_dir_all(artifacts_dir().join(&ordner));
    std::fs::create_dir_all(artifacts_dir().join(&ordner)).unwrap();

    // --- Setup: provider, clients, tenant and accounts as an operator would. -------------
    let idp = OidcProvider::start().await;
    let site = Site::new().await;
    let smtp = SmtpServer::start(0);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let (sk_id, sk_secret) = idp.client(&url).await;
    let (ba_id, ba_secret) = idp.client(&url).await;
    let extra: Vec<(&str, String)> = vec![
        ("BIND", format!("127.0.0.1:{port}")),
        ("MAIL_URL", smtp.url()),
        ("MAIL_RETRY_BASE_MS", "1000".into()),
        ("OIDC_ANBIETER", "servicekonto,kassel".into()),
        ("OIDC_SERVICEKONTO_ISSUER", idp.issuer.clone()),
        ("OIDC_SERVICEKONTO_CLIENT_ID", sk_id),
        ("OIDC_SERVICEKONTO_CLIENT_SECRET", sk_secret),
        ("OIDC_SERVICEKONTO_ART", "buerger".into()),
        ("OIDC_KASSEL_ISSUER", idp.issuer.clone()),
        ("OIDC_KASSEL_CLIENT_ID", ba_id),
        ("OIDC_KASSEL_CLIENT_SECRET", ba_secret),
        ("OIDC_KASSEL_ART", "behoerde".into()),
        ("OIDC_KASSEL_BEHOERDE", TENANT.into()),
        (
            "OIDC_KASSEL_LABEL",
            "Anmeldung für Beschäftigte der Stadt Kassel".into(),
        ),
    ];
    let (code, out) = site.run(&["migrate"], &extra);
    assert_eq!(code, 0, "{out}");
    for (slug, name) in [
        (TENANT, "Bauaufsicht Kassel"),
        ("bauaufsicht-baunatal", "Bauaufsicht Baunatal"),
    ] {
        let (code, out) = site.run(&["tenant", "add", "--slug", slug, "--name", name], &extra);
        assert_eq!(code, 0, "{out}");
    }
    let mit_passwort = [
        extra.clone(),
        vec![("PLANKAMMER_PASSWORD", PASSWORT.into())],
    ]
    .concat();
    for (email, name, rolle) in [
        (ADMIN, "Petra Schulz", "admin"),
        (SACHBEARBEITUNG, "Markus Weber", "bauaufsicht"),
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
    idp.konto(json!({
        "login": "sabine", "sub": "servicekonto-7f3a", "email": "sabine.hoffmann@architektur-hoffmann.example",
        "email_verified": true, "name": "Sabine Hoffmann", "organization": "Architektur Hoffmann",
        "acr": "http://eidas.europa.eu/LoA/substantial",
    }))
    .await;
    idp.konto(json!({
        "login": "lena", "sub": "kassel-ad-0815", "email": "l.brandt@bauaufsicht-kassel.example",
        "email_verified": true, "name": "Lena Brandt", "groups": ["alle", "BA-Sachbearbeitung"],
    }))
    .await;
    let app = site.start(&[], &extra, "plankammer");
    wait_ready(&url, &app).await;

    let r = Reise::neu(Browser::start(site.dir.path()).await, url.clone(), ordner);
    r.b().set_window_size(1280, 1200).await.unwrap();

    // --- 1. The admin maps the directory's group to the role. --------------------------
    r.anmelden(ADMIN, PASSWORT).await;
    r.folge("a.pk-nav__link[href='/verwaltung/anmeldung']")
        .await;
    r.warte_auf("[data-testid=zuordnung-anlegen]").await;
    assert!(
        r.text("[data-testid=anbieter]")
            .await
            .contains("Anmeldung für Beschäftigte der Stadt Kassel")
    );
    r.tippe("gruppe", "BA-Sachbearbeitung").await;
    r.waehle("rolle", "bauaufsicht").await;
    r.absenden("[data-testid=zuordnung-hinzufuegen]").await;
    r.warte_auf("[data-testid=zuordnungen]").await;
    assert!(
        r.text("[data-testid=zuordnungen]")
            .await
            .contains("BA-Sachbearbeitung")
    );
    r.bild_und_schmal("verwaltung_anmeldung").await;
    r.abmelden().await;

    // --- 2. The architect's first sign-in through the Servicekonto. --------------------
    r.gehe("/anmelden").await;
    r.warte_auf("[data-testid=extern-servicekonto]").await;
    r.bild_und_schmal("anmelden_mit_servicekonto").await;
    r.folge("[data-testid=extern-servicekonto]").await;
    beim_anbieter_anmelden(&r, "sabine").await;
    // Two authorities in the installation: she chooses hers.
    r.warte_auf("[data-testid=extern-behoerde]").await;
    r.bild_und_schmal("behoerde_waehlen").await;
    r.waehle("behoerde", &{
        let db = site.db().await;
        db.tenant_by_slug(TENANT).await.unwrap().id.to_string()
    })
    .await;
    r.absenden("[data-testid=extern-behoerde-weiter]").await;
    r.warte_auf("[data-testid=startseite]").await;
    assert!(
        r.text("[data-testid=startseite]")
            .await
            .contains("Sabine Hoffmann"),
        "the account carries the provider's name"
    );
    // Mein Konto names the office the provider reported and the linked Servicekonto.
    r.folge("a.pk-nav__link[href='/konto']").await;
    r.warte_auf("[data-testid=anmeldedienst-servicekonto]")
        .await;
    assert!(
        r.text("[data-testid=organisation]")
            .await
            .contains("Architektur Hoffmann")
    );
    assert!(
        r.text("[data-testid=anmeldedienst-servicekonto]")
            .await
            .contains("verbunden")
    );
    assert_eq!(
        r.js("return document.querySelector('[data-testid=anmeldedienst-kassel]') === null")
            .await,
        Some(serde_json::Value::Bool(true)),
        "an applicant is not offered the authority's provider"
    );
    r.bild_und_schmal("konto_nach_servicekonto").await;
    r.gehe("/start").await;
    r.warte_auf("[data-testid=antrag-neu]").await;
    r.folge("[data-testid=antrag-neu]").await;
    r.warte_auf("[data-testid=angaben-formular]").await;
    r.bild("neuer_antrag_nach_servicekonto").await;
    // Signing out here ends the provider's session too (RP-initiated logout), and the
    // browser comes back to the sign-in page.
    r.abmelden().await;

    // --- 3. A case worker through the authority's directory. ---------------------------
    r.folge("[data-testid=extern-kassel]").await;
    beim_anbieter_anmelden(&r, "lena").await;
    r.warte_auf("[data-testid=startseite]").await;
    assert!(
        r.text("[data-testid=startseite]")
            .await
            .contains("Lena Brandt")
    );
    r.folge("a.pk-nav__link[href='/eingang']").await;
    r.warte_auf("h1").await;
    assert_eq!(r.pfad().await, "/eingang");
    r.bild("eingang_nach_behoerdenkonto").await;
    r.abmelden().await;

    // --- 4. A local applicant: registration, confirmation, a new password. --------------
    r.folge("[data-testid=anmelden-registrieren]").await;
    r.warte_auf("[data-testid=registrieren]").await;
    r.waehle("behoerde", &{
        let db = site.db().await;
        db.tenant_by_slug(TENANT).await.unwrap().id.to_string()
    })
    .await;
    r.tippe("name", "Jonas Krause").await;
    r.tippe("email", BAUHERR).await;
    r.tippe("passwort", PASSWORT_BAUHERR).await;
    r.tippe("passwort_wiederholung", PASSWORT_BAUHERR).await;
    r.absenden("[data-testid=registrieren-absenden]").await;
    r.warte_auf("[data-testid=registrierung-gesendet]").await;
    let mail = mail_an(&smtp, BAUHERR, "Bitte bestätigen Sie Ihre E-Mail-Adresse").await;
    let bestaetigen = link(&mail.text, &format!("{url}/registrieren/"));
    r.b().goto(&bestaetigen).await.unwrap();
    r.warte_auf("[data-testid=registrierung-bestaetigen]").await;
    r.absenden("[data-testid=registrierung-bestaetigen]").await;
    r.warte_auf("[data-testid=startseite]").await;
    r.abmelden().await;
    r.folge("[data-testid=anmelden-passwort-vergessen]").await;
    r.warte_auf("[data-testid=passwort-vergessen]").await;
    r.tippe("email", BAUHERR).await;
    r.absenden("[data-testid=passwort-vergessen]").await;
    r.warte_auf("[data-testid=passwort-gesendet]").await;
    let mail = mail_an(&smtp, BAUHERR, "Neues Passwort").await;
    let neu = link(&mail.text, &format!("{url}/passwort-vergessen/"));
    r.b().goto(&neu).await.unwrap();
    r.warte_auf("[data-testid=neues-passwort]").await;
    r.tippe("passwort", PASSWORT_NEU).await;
    r.tippe("passwort_wiederholung", PASSWORT_NEU).await;
    r.absenden("[data-testid=neues-passwort]").await;
    r.warte(
        "the sign-in page after the new password",
        SEITE,
        "return location.pathname === '/anmelden' && !!document.querySelector('[role=status]')",
    )
    .await;
    r.anmelden(BAUHERR, PASSWORT_NEU).await;
    r.warte_auf("[data-testid=startseite]").await;
    r.abmelden().await;

    // --- 5. A local case worker with password and second factor. ------------------------
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    r.abmelden().await;
    r.anmelden(SACHBEARBEITUNG, PASSWORT).await;
    assert!(
        r.text("[data-testid=startseite]")
            .await
            .contains("Markus Weber")
    );

    // The record: who came in how.
    let db = site.db().await;
    let wege: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'login.success' ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(
        wege.iter().filter(|d| d.contains("\"oidc\"")).count(),
        2,
        "{wege:?}"
    );
    assert!(wege.iter().any(|d| d.contains("totp")), "{wege:?}");
    drop(idp);
}
