//! An architect with no account registers: the form, the mail with a single-use link, the
//! confirmation that creates the account and signs in. The page answers the same whether
//! or not the address has an account; only the mail differs.

use plankammer_domain::Role;
use plankammer_tests::{TestApp, csrf_from, spawn_app};
use reqwest::Client;

async fn formular(app: &TestApp, c: &Client) -> String {
    let page = c
        .get(format!("{}/registrieren", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    csrf_from(&page).expect("the form carries a token")
}

async fn registrieren(
    app: &TestApp,
    c: &Client,
    tenant: i64,
    email: &str,
    pw: &str,
    pw2: &str,
) -> (u16, String) {
    let csrf = formular(app, c).await;
    let r = c
        .post(format!("{}/registrieren", app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("behoerde", &tenant.to_string()),
            ("name", "Clara Entwurf"),
            ("email", email),
            ("passwort", pw),
            ("passwort_wiederholung", pw2),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn mails(app: &TestApp, an: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT subject, body_text FROM outbox WHERE recipient = $1 AND kind = 'registrierung' ORDER BY id")
        .bind(an)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

fn link(body: &str) -> Option<String> {
    let start = body.find("/registrieren/")?;
    Some(
        body[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect(),
    )
}

const PW: &str = "ein langer Satz als Passwort";

#[tokio::test]
async fn an_architect_without_account_registers_confirms_and_is_signed_in() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let c = app.client();

    // The login page leads there.
    let login = c
        .get(format!("{}/anmelden", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("href=\"/registrieren\""));

    let (s, page) = registrieren(
        &app,
        &c,
        t,
        "clara@x.de",
        PW,
        "ein anderer Satz als Passwort",
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("stimmen nicht überein"), "{page}");
    let (s, page) = registrieren(&app, &c, t, "clara@x.de", "kurz", "kurz").await;
    assert_eq!(s, 422);
    assert!(page.contains("mindestens 12 Zeichen"), "{page}");
    assert!(mails(&app, "clara@x.de").await.is_empty());

    let (s, neu) = registrieren(&app, &c, t, "clara@x.de", PW, PW).await;
    assert_eq!(s, 200);
    assert!(neu.contains("Bitte bestätigen Sie Ihre E-Mail-Adresse"));
    // The same page for an address that has an account; only the mail differs.
    let (s, vorhanden) = registrieren(&app, &c, t, "anna@x.de", PW, PW).await;
    assert_eq!(s, 200);
    let ohne_adresse = |p: &str, a: &str| p.replace(a, "ADRESSE");
    let (a, b) = (
        ohne_adresse(&neu, "clara@x.de"),
        ohne_adresse(&vorhanden, "anna@x.de"),
    );
    assert!(!a.contains("name=\"_csrf\""), "the answer has no form");
    assert_eq!(a, b, "no account oracle");
    let anna = mails(&app, "anna@x.de").await;
    assert_eq!(anna.len(), 1);
    assert!(anna[0].0.contains("bereits ein Konto"));
    assert!(
        link(&anna[0].1).is_none(),
        "no link for an existing account"
    );

    let clara = mails(&app, "clara@x.de").await;
    assert_eq!(clara.len(), 1);
    assert_eq!(clara[0].0, "Bitte bestätigen Sie Ihre E-Mail-Adresse");
    let pfad = link(&clara[0].1).expect("confirmation link");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'clara@x.de'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(users, 0, "nothing is created before the confirmation");

    // Following the link changes nothing by itself (mail scanners follow links).
    let b = app.client();
    let page = b
        .get(format!("{}{pfad}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page).unwrap();
    let r = b
        .post(format!("{}{pfad}", app.url))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/start");
    let start = b
        .get(format!("{}/start", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(start.contains("Clara Entwurf"), "signed in: {start}");
    let rolle: String = sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'clara@x.de'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(rolle, "antragsteller");
    // She signs in with her own password afterwards.
    let (_, r) = plankammer_tests::login_at(&app.url, "clara@x.de", PW).await;
    assert_eq!(r.status(), 303);

    // The link works once.
    let c2 = app.client();
    let page = c2
        .get(format!("{}{pfad}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page).unwrap();
    let r = c2
        .post(format!("{}{pfad}", app.url))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn registration_links_expire_and_mails_to_one_address_are_bounded() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    let c = app.client();
    for _ in 0..5 {
        let (s, _) = registrieren(&app, &c, t, "dora@x.de", PW, PW).await;
        assert_eq!(s, 200, "the same answer every time");
    }
    let dora = mails(&app, "dora@x.de").await;
    assert_eq!(dora.len(), 3, "three mails a day to one address");
    sqlx::query("UPDATE registrierungen SET laeuft_ab_at = 0")
        .execute(app.db.pool())
        .await
        .unwrap();
    let pfad = link(&dora[0].1).unwrap();
    let page = c
        .get(format!("{}{pfad}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page).unwrap();
    let r = c
        .post(format!("{}{pfad}", app.url))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("abgelaufen"));
    let r = c
        .post(format!("{}/registrieren/falsch", app.url))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

async fn anfordern(app: &TestApp, c: &Client, email: &str) -> (u16, String) {
    let page = c
        .get(format!("{}/passwort-vergessen", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page).unwrap();
    let r = c
        .post(format!("{}/passwort-vergessen", app.url))
        .form(&[("_csrf", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn neues_passwort(
    app: &TestApp,
    c: &Client,
    pfad: &str,
    pw: &str,
    pw2: &str,
) -> reqwest::Response {
    let page = c
        .get(format!("{}{pfad}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&page).unwrap();
    c.post(format!("{}{pfad}", app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("passwort", pw),
            ("passwort_wiederholung", pw2),
        ])
        .send()
        .await
        .unwrap()
}

/// "Passwort vergessen": the same answer for any address; for an account a single-use
/// link that sets the new password and ends every session of the person.
#[tokio::test]
async fn a_forgotten_password_is_replaced_by_link_and_every_session_ends() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (alt, _) = app.login("anna@x.de").await;
    let c = app.client();

    let (s, bekannt) = anfordern(&app, &c, "anna@x.de").await;
    assert_eq!(s, 200);
    let (s, unbekannt) = anfordern(&app, &c, "niemand@x.de").await;
    assert_eq!(s, 200);
    assert_eq!(
        bekannt.replace("anna@x.de", "ADRESSE"),
        unbekannt.replace("niemand@x.de", "ADRESSE"),
        "no account oracle"
    );
    let mails: Vec<(String, String)> = sqlx::query_as(
        "SELECT recipient, body_text FROM outbox WHERE kind = 'passwort_zuruecksetzen' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, "anna@x.de");
    let start = mails[0].1.find("/passwort-vergessen/").unwrap();
    let pfad: String = mails[0].1[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();

    let r = neues_passwort(
        &app,
        &c,
        &pfad,
        "ein ganz neues Passwort",
        "ein anderes Passwort!",
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = neues_passwort(
        &app,
        &c,
        &pfad,
        "ein ganz neues Passwort",
        "ein ganz neues Passwort",
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/anmelden?passwort=neu");

    // The session from before is over; the old password no longer works, the new one does.
    let r = alt.get(format!("{}/start", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 303, "the old session ended");
    assert_eq!(
        app.try_login(&app.client(), "anna@x.de", plankammer_tests::PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.try_login(&app.client(), "anna@x.de", "ein ganz neues Passwort")
            .await
            .status(),
        303
    );
    // Once only.
    let r = neues_passwort(
        &app,
        &c,
        &pfad,
        "noch ein neues Passwort",
        "noch ein neues Passwort",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("schon benutzt"));
}

/// Each of these forms sends a mail in the authority's name to a typed address: from one
/// client address at most ten an hour, also when they arrive at once.
#[tokio::test]
async fn registration_and_reset_forms_are_limited_per_client_address() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    let burst = (0..12).map(|i| {
        let app = &app;
        async move {
            let c = app.client();
            registrieren(app, &c, t, &format!("ziel{i}@x.de"), PW, PW)
                .await
                .0
        }
    });
    let status = futures::future::join_all(burst).await;
    assert_eq!(
        status.iter().filter(|s| **s == 200).count(),
        10,
        "{status:?}"
    );
    assert_eq!(
        status.iter().filter(|s| **s == 429).count(),
        2,
        "{status:?}"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'registrierung'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 10);

    let c = app.client();
    for i in 0..10 {
        assert_eq!(anfordern(&app, &c, &format!("p{i}@x.de")).await.0, 200);
    }
    let (s, page) = anfordern(&app, &c, "p10@x.de").await;
    assert_eq!(s, 429);
    assert!(page.contains("zu viele Anfragen"), "{page}");
}
