//! The web side through real HTTP against the application on a free port: login and logout,
//! CSRF, rate limiting, tenant isolation, the role × route access matrix, tokens, the
//! OpenAPI document, operations endpoints and security headers.

use plankammer_domain::Role;
use plankammer_tests::{PASSWORD, csrf_from, spawn_app, spawn_app_with};

#[tokio::test]
async fn login_lands_on_the_start_page_of_the_role_and_logout_ends_the_session() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    for (email, role, heading) in [
        ("a@x.de", Role::Antragsteller, "Meine Vorgänge"),
        ("b@x.de", Role::Bauaufsicht, "Aufgaben"),
        ("f@x.de", Role::Fachstelle, "Beteiligungen"),
        ("admin@x.de", Role::Admin, "Übersicht der Behörde"),
    ] {
        app.user(t, email, role).await;
        let (c, csrf) = app.login(email).await;
        let start = c.get(format!("{}/start", app.url)).send().await.unwrap();
        assert_eq!(start.status(), 200);
        let html = start.text().await.unwrap();
        assert!(
            html.contains(heading),
            "{role:?} start page shows {heading}"
        );
        assert!(html.contains("lang=\"de\""));
        assert!(
            html.contains("/static/kern/kern.min.css"),
            "styled with KERN UX from our own origin"
        );

        let out = c
            .post(format!("{}/abmelden", app.url))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 303);
        assert_eq!(out.headers()["location"], "/anmelden?abgemeldet=1");
        let after = c.get(format!("{}/start", app.url)).send().await.unwrap();
        assert_eq!(after.status(), 303, "session is gone after logout");
        assert!(
            after.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/anmelden")
        );
    }
}

#[tokio::test]
async fn the_accessibility_statement_and_leichte_sprache_are_public_and_linked_from_the_start() {
    let app =
        spawn_app_with(|c| c.barrierefreiheit_kontakt = "barrieren@kreis.example".into()).await;
    let c = reqwest::Client::new();
    let login = c
        .get(format!("{}/anmelden", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login.contains("href=\"/leichte-sprache\""),
        "linked from the start page"
    );
    assert!(
        login.contains("href=\"/barrierefreiheit\""),
        "in the footer of every page"
    );
    let r = c
        .get(format!("{}/barrierefreiheit", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "no account needed");
    let html = r.text().await.unwrap();
    for teil in [
        "Erklärung zur Barrierefreiheit",
        "teilweise vereinbar",
        "mailto:barrieren@kreis.example",
        "§ 6 HVBIT",
        "Durchsetzungsverfahren",
    ] {
        assert!(html.contains(teil), "{teil}");
    }
    let r = c
        .get(format!("{}/leichte-sprache", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Bau·genehmigung") && html.contains("mailto:barrieren@kreis.example"));
}

#[tokio::test]
async fn wrong_password_gets_a_german_message_and_is_audited_without_personal_data() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    let uid = app.user(t, "anna@x.de", Role::Antragsteller).await;
    let c = app.client();
    let resp = app.try_login(&c, "anna@x.de", "falsches-passwort").await;
    assert_eq!(resp.status(), 401);
    let html = resp.text().await.unwrap();
    assert!(html.contains("E-Mail-Adresse oder Passwort ist nicht richtig."));
    let resp = app.try_login(&c, "niemand@x.de", "falsches-passwort").await;
    assert_eq!(resp.status(), 401, "unknown accounts get the same answer");
    let rows: Vec<(String, Option<i64>, String)> =
        sqlx::query_as("SELECT action, actor_user_id, detail FROM audit_log ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    let failures: Vec<_> = rows.iter().filter(|r| r.0 == "login.failure").collect();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].1, Some(uid));
    assert!(
        rows.iter()
            .all(|r| !r.2.contains("anna") && !r.2.contains("niemand")),
        "no e-mail addresses in the audit log"
    );
}

#[tokio::test]
async fn login_is_rate_limited_per_account() {
    let app = spawn_app_with(|c| c.login_limits.max_per_account_address = 3).await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let c = app.client();
    for _ in 0..3 {
        assert_eq!(
            app.try_login(&c, "anna@x.de", "falsch-falsch-falsch")
                .await
                .status(),
            401
        );
    }
    let blocked = app.try_login(&c, "anna@x.de", PASSWORD).await;
    assert_eq!(blocked.status(), 429, "even the right password waits");
    assert!(
        blocked
            .text()
            .await
            .unwrap()
            .contains("Zu viele fehlgeschlagene Anmeldeversuche")
    );
}

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;

    let no_token = c
        .post(format!("{}/konto/schluessel", app.url))
        .form(&[("name", "CAD")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 403);
    assert!(
        no_token
            .text()
            .await
            .unwrap()
            .contains("Sicherheitsprüfung")
    );
    let wrong = c
        .post(format!("{}/konto/schluessel", app.url))
        .form(&[("name", "CAD"), ("_csrf", "0000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    // An Authorization header does not excuse a page form from its token: pages are
    // authenticated by the cookie, which a foreign site's form would carry.
    let mit_bearer = c
        .post(format!("{}/konto/schluessel", app.url))
        .bearer_auth("x")
        .form(&[("name", "CAD")])
        .send()
        .await
        .unwrap();
    assert_eq!(mit_bearer.status(), 403);
    let foreign = c
        .post(format!("{}/konto/schluessel", app.url))
        .header("origin", "https://boese.example")
        .form(&[("name", "CAD"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        foreign.status(),
        403,
        "a foreign Origin is refused even with the token"
    );
    let json_no_header = c
        .post(format!("{}/api/v1/tokens", app.url))
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_no_header.status(),
        403,
        "JSON with a session cookie needs X-CSRF-Token"
    );
    assert_eq!(
        json_no_header.json::<serde_json::Value>().await.unwrap()["fehler"],
        "sicherheitspruefung_fehlgeschlagen"
    );
    let ok = c
        .post(format!("{}/konto/schluessel", app.url))
        .form(&[("name", "CAD"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    assert_eq!(
        app.db.tokens_of(1, t).await.unwrap().len(),
        1,
        "only the request with the token changed anything"
    );

    // The login form itself is protected (login CSRF): no double-submit cookie, no login.
    let fresh = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = fresh
        .post(format!("{}/anmelden", app.url))
        .form(&[
            ("email", "anna@x.de"),
            ("passwort", PASSWORD),
            ("_csrf", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_user_of_one_tenant_sees_nothing_of_another() {
    let app = spawn_app().await;
    let a = app.tenant("kassel").await;
    let b = app.tenant("fulda").await;
    app.user(a, "admin-a@x.de", Role::Admin).await;
    let other = app.user(b, "geheim@fulda.de", Role::Bauaufsicht).await;
    app.user(b, "admin-b@x.de", Role::Admin).await;
    let (c, _) = app.login("admin-a@x.de").await;

    let list = c
        .get(format!("{}/verwaltung/benutzer", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("admin-a@x.de"));
    assert!(
        !list.contains("geheim@fulda.de") && !list.contains("admin-b@x.de"),
        "no member of the other tenant listed"
    );
    let detail = c
        .get(format!("{}/verwaltung/benutzer/{other}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 404);
    assert!(detail.text().await.unwrap().contains("nicht gefunden"));
    let api = c
        .get(format!("{}/api/v1/users/{other}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    let users: serde_json::Value = c
        .get(format!("{}/api/v1/users", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let users = users["eintraege"].as_array().unwrap();
    assert_eq!(users.len(), 1);

    // Jobs of the other tenant stay invisible too.
    let mut job =
        plankammer_storage::jobs::NewJob::new("diag.warten", serde_json::json!({"ms": 1}), 0);
    job.tenant_id = Some(b);
    let jid = app.db.enqueue_now(&job, 0).await.unwrap().unwrap();
    assert_eq!(
        c.get(format!("{}/api/v1/jobs/{jid}", app.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let jobs: serde_json::Value = c
        .get(format!("{}/api/v1/jobs", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jobs = jobs["eintraege"].as_array().unwrap();
    assert!(jobs.is_empty());
    let page = c
        .get(format!("{}/verwaltung/jobs", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("keine Hintergrundaufgaben"));
}

/// Every route × every role (and nobody): the status each must answer.
#[tokio::test]
async fn access_matrix_every_route_and_role() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    let roles = [
        Role::Antragsteller,
        Role::Bauaufsicht,
        Role::Fachstelle,
        Role::Admin,
    ];
    for r in roles {
        app.user(t, &format!("{}@x.de", r.code()), r).await;
    }
    let admin_id = app
        .db
        .user_by_email(&plankammer_domain::Email::parse("admin@x.de").unwrap())
        .await
        .unwrap()
        .id;
    let routes: Vec<(&str, String, bool)> = vec![
        ("GET", "/start".into(), false),
        ("GET", "/konto".into(), false),
        ("GET", "/verwaltung/benutzer".into(), true),
        ("GET", format!("/verwaltung/benutzer/{admin_id}"), true),
        ("GET", "/verwaltung/jobs".into(), true),
        ("GET", "/api/v1/me".into(), false),
        ("GET", "/api/v1/tokens".into(), false),
        ("GET", "/api/v1/users".into(), true),
        ("GET", format!("/api/v1/users/{admin_id}"), true),
        ("GET", "/api/v1/jobs".into(), true),
    ];
    let anon = app.client();
    for (_, path, _) in &routes {
        let s = anon
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let expected = if path.starts_with("/api/") { 401 } else { 303 };
        assert_eq!(s, expected, "anonymous {path}");
    }
    for r in roles {
        let (c, _) = app.login(&format!("{}@x.de", r.code())).await;
        for (_, path, admin_only) in &routes {
            let s = c
                .get(format!("{}{path}", app.url))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            let expected = if *admin_only && r != Role::Admin {
                403
            } else {
                200
            };
            assert_eq!(s, expected, "{r:?} {path}");
        }
    }
}

#[tokio::test]
async fn personal_access_tokens_authenticate_machine_clients_until_revoked() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;
    let created = c
        .post(format!("{}/api/v1/tokens", app.url))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"name": "CAD-Export"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let body: serde_json::Value = created.json().await.unwrap();
    let secret = body["schluessel"].as_str().unwrap().to_string();
    let id = body["id"].as_i64().unwrap();

    let machine = reqwest::Client::new();
    let me: serde_json::Value = machine
        .get(format!("{}/api/v1/me", app.url))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "anna@x.de");
    assert_eq!(me["per_schluessel"], true);
    assert_eq!(me["behoerde"]["slug"], "kassel");
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_ne!(stored, secret, "stored hashed");
    assert!(!stored.contains(&secret[4..]));

    // A token needs no CSRF header (it carries no ambient credential) and can revoke itself.
    let del = machine
        .delete(format!("{}/api/v1/tokens/{id}", app.url))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let after = machine
        .get(format!("{}/api/v1/me", app.url))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
    assert_eq!(
        after.headers()["www-authenticate"],
        "Bearer realm=\"plankammer\""
    );
    let err: serde_json::Value = after.json().await.unwrap();
    assert_eq!(err["fehler"], "nicht_angemeldet");

    // The security notice was queued in the same transaction as the token.
    let subjects: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM outbox WHERE recipient = 'anna@x.de'")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(
        subjects.contains(&"Neuer Zugangsschlüssel für Ihr Plankammer-Konto".to_string()),
        "{subjects:?}"
    );
    // A bad bearer token never falls back to the cookie.
    let mixed = c
        .get(format!("{}/api/v1/me", app.url))
        .bearer_auth("pkt_falsch")
        .send()
        .await
        .unwrap();
    assert_eq!(mixed.status(), 401);
}

/// A token reads only if made to read, stops working at its end, and never makes or
/// revokes other tokens: a stolen token cannot mint one that survives its revocation.
#[tokio::test]
async fn tokens_have_rights_an_end_and_cannot_mint_tokens() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;
    let neu = |body: serde_json::Value| {
        let (c, csrf, url) = (c.clone(), csrf.clone(), app.url.clone());
        async move {
            let r = c
                .post(format!("{url}/api/v1/tokens"))
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    for tage in [0, 366] {
        let (s, _) = neu(serde_json::json!({"name": "x", "tage": tage})).await;
        assert_eq!(s, 422, "{tage} days");
    }
    let (s, lesen) = neu(serde_json::json!({"name": "Abruf", "rechte": "lesen", "tage": 30})).await;
    assert_eq!(s, 201);
    assert_eq!(lesen["rechte"], "lesen");
    let dreissig = lesen["laeuft_ab"].as_i64().unwrap() - lesen["erstellt"].as_i64().unwrap();
    assert_eq!(dreissig, 30 * 86_400_000);
    let (_, schreiben) = neu(serde_json::json!({"name": "CAD"})).await;
    assert_eq!(schreiben["rechte"], "schreiben", "the API's default");
    let dauer = schreiben["laeuft_ab"].as_i64().unwrap() - schreiben["erstellt"].as_i64().unwrap();
    assert_eq!(dauer, 90 * 86_400_000, "default validity");
    let (l, w) = (
        lesen["schluessel"].as_str().unwrap().to_string(),
        schreiben["schluessel"].as_str().unwrap().to_string(),
    );
    let m = reqwest::Client::new();
    let url = &app.url;
    assert_eq!(
        m.get(format!("{url}/api/v1/me"))
            .bearer_auth(&l)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let r = m
        .post(format!("{url}/api/v1/cases"))
        .bearer_auth(&l)
        .json(&serde_json::json!({"bezeichnung": "Carport"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["meldung"], "Dieser Zugangsschlüssel darf nur lesen.");
    let r = m
        .post(format!("{url}/api/v1/cases"))
        .bearer_auth(&w)
        .json(&serde_json::json!({"bezeichnung": "Carport"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "a writing token writes");

    // No minting with a token, and no revoking of the person's other tokens.
    let r = m
        .post(format!("{url}/api/v1/tokens"))
        .bearer_auth(&w)
        .json(&serde_json::json!({"name": "Kind"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let lesen_id = lesen["id"].as_i64().unwrap();
    let r = m
        .delete(format!("{url}/api/v1/tokens/{lesen_id}"))
        .bearer_auth(&w)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 2, "nothing minted");

    // At its end a token stops working.
    sqlx::query("UPDATE api_tokens SET laeuft_ab_at = $1 WHERE id = $2")
        .bind(plankammer_storage::now_millis() - 1)
        .bind(lesen_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        m.get(format!("{url}/api/v1/me"))
            .bearer_auth(&l)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let page = c
        .get(format!("{url}/konto"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("(abgelaufen)") && page.contains("nur lesen"),
        "{page}"
    );
}

#[tokio::test]
async fn the_token_page_shows_the_secret_once() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;
    let created = c
        .post(format!("{}/konto/schluessel", app.url))
        .form(&[("name", "Büro <CAD>"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let html = created.text().await.unwrap();
    assert!(html.contains("Büro &lt;CAD&gt;"), "names are escaped");
    let start =
        html.find("data-testid=\"schluessel\">").unwrap() + "data-testid=\"schluessel\">".len();
    let secret = &html[start..start + 68];
    assert!(secret.starts_with("pkt_"));
    let later = c
        .get(format!("{}/konto", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!later.contains(secret), "shown only once");
    let empty = c
        .post(format!("{}/konto/schluessel", app.url))
        .form(&[("name", "  "), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("Bitte geben Sie dem Schlüssel einen Namen")
    );
}

/// The secret of the last invitation link to the authority mailed to this address.
async fn zugangslink(app: &plankammer_tests::TestApp, an: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = $1 AND kind = 'einladung_behoerde' ORDER BY id DESC LIMIT 1",
    )
    .bind(an)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let start = body.find("/zugang/").expect("link in the mail");
    body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

/// Issue 12 #15 through the pages: the admin invites an address without an account and one
/// with an account in another tenant and gets the same answer for both; the first sets a
/// password through the link, the second signs in, accepts, and from then on chooses the
/// authority at login.
#[tokio::test]
async fn admins_invite_and_the_answer_is_the_same_for_accounts_of_other_tenants() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    let andere = app.tenant("fulda").await;
    app.user(t, "admin@x.de", Role::Admin).await;
    app.user(andere, "fremd@y.de", Role::Fachstelle).await;
    let (c, csrf) = app.login("admin@x.de").await;
    let einladen = |email: &'static str| {
        let c = c.clone();
        let csrf = csrf.clone();
        let url = app.url.clone();
        async move {
            let r = c
                .post(format!("{url}/verwaltung/benutzer"))
                .form(&[
                    ("name", "Getippter Name"),
                    ("email", email),
                    ("rolle", "bauaufsicht"),
                    ("_csrf", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let ziel = r
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            (status, ziel)
        }
    };
    let neu = einladen("neu@x.de").await;
    let fremd = einladen("fremd@y.de").await;
    assert_eq!(neu, (303, Some("/verwaltung/benutzer?eingeladen=1".into())));
    assert_eq!(fremd, neu, "the same answer, account elsewhere or not");
    let liste = c
        .get(format!("{}/verwaltung/benutzer", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(liste.contains("Offene Einladungen"));
    assert!(
        !liste.contains("Person fremd@y.de"),
        "the existing account's name is not shown to the admin"
    );
    assert_eq!(liste.matches("Getippter Name").count(), 2);
    let again = einladen("neu@x.de").await;
    assert_eq!(
        again.0, 409,
        "an open invitation is named (own tenant only)"
    );

    // The new person sets a password through the link and is signed in.
    let link = zugangslink(&app, "neu@x.de").await;
    let p = app.client();
    let seite = p
        .get(format!("{}{link}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(seite.contains("Passwort festlegen"));
    let token = plankammer_tests::csrf_from(&seite).unwrap();
    let r = p
        .post(format!("{}{link}", app.url))
        .form(&[
            ("_csrf", token.as_str()),
            ("name", "Nele Neu"),
            ("passwort", "lang-genuges-passwort"),
            ("passwort_wiederholung", "lang-genuges-passwort"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let me: serde_json::Value = p
        .get(format!("{}/api/v1/me", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["rolle"], "bauaufsicht");
    assert_eq!(me["name"], "Nele Neu");
    assert_eq!(
        p.get(format!("{}{link}", app.url))
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "the link works once"
    );

    // The person with an account elsewhere: the page asks to sign in, then to accept.
    let link = zugangslink(&app, "fremd@y.de").await;
    let f = app.client();
    let seite = f
        .get(format!("{}{link}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(seite.contains("gibt es bereits ein Konto"));
    assert_eq!(
        app.try_login(&f, "fremd@y.de", plankammer_tests::PASSWORD)
            .await
            .status(),
        303
    );
    let seite = f
        .get(format!("{}{link}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = plankammer_tests::csrf_from(&seite).unwrap();
    let r = f
        .post(format!("{}{link}/annehmen", app.url))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let me: serde_json::Value = f
        .get(format!("{}/api/v1/me", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["rolle"].as_str(), me["behoerde"]["id"].as_i64()),
        (Some("bauaufsicht"), Some(t)),
        "after accepting, the person works in the inviting authority"
    );

    // From now on the login asks which authority; choosing switches the session.
    let g = app.client();
    let r = app
        .try_login(&g, "fremd@y.de", plankammer_tests::PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/konto/behoerde?weiter=%2Fstart"
    );
    let wahl = g
        .get(format!("{}/konto/behoerde", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(wahl.contains("Bauaufsicht kassel") && wahl.contains("Bauaufsicht fulda"));
    for (tenant, rolle) in [(andere, "fachstelle"), (t, "bauaufsicht")] {
        // Each session has its own CSRF token: read it from the page of the current one.
        let wahl = g
            .get(format!("{}/konto/behoerde", app.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = plankammer_tests::csrf_from(&wahl).unwrap();
        let r = g
            .post(format!("{}/konto/behoerde", app.url))
            .form(&[
                ("_csrf", token.as_str()),
                ("behoerde", &tenant.to_string()),
                ("weiter", "/start"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let me: serde_json::Value = g
            .get(format!("{}/api/v1/me", app.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (me["rolle"].as_str(), me["behoerde"]["id"].as_i64()),
            (Some(rolle), Some(tenant))
        );
    }
    // A tenant the person does not belong to is not found.
    let fremder_tenant = app.tenant("marburg").await;
    let wahl = g
        .get(format!("{}/konto/behoerde", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = plankammer_tests::csrf_from(&wahl).unwrap();
    let r = g
        .post(format!("{}/konto/behoerde", app.url))
        .form(&[
            ("_csrf", token.as_str()),
            ("behoerde", &fremder_tenant.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The OpenAPI document is served; that it describes every route with its errors, schemas
/// and examples is `tests/openapi.rs`, checked against the routes the source registers.
#[tokio::test]
async fn the_openapi_document_is_served_with_the_token_scheme() {
    let app = spawn_app().await;
    let r = reqwest::get(format!("{}/api/openapi.json", app.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "OpenAPI 3.1"
    );
    assert_eq!(
        doc,
        serde_json::to_value(plankammer_api::api::openapi::openapi()).unwrap(),
        "the served document is the one the tests check"
    );
    assert!(doc["paths"]["/api/v1/cases/{id}/beteiligungen"]["post"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn operations_endpoints_and_security_headers() {
    let app = spawn_app().await;
    let h = reqwest::get(format!("{}/healthz", app.url)).await.unwrap();
    assert_eq!(h.status(), 200);
    let csp = h.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'self'") && !csp.contains("http"),
        "only our own origin: {csp}"
    );
    assert_eq!(h.headers()["x-frame-options"], "DENY");
    assert_eq!(h.headers()["x-content-type-options"], "nosniff");
    let r: serde_json::Value = reqwest::get(format!("{}/readyz", app.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["datenbank"], "ok");
    assert_eq!(r["dokumentenspeicher"], "ok");
    let _ = reqwest::get(format!("{}/gibt-es-nicht", app.url))
        .await
        .unwrap();
    let m = reqwest::get(format!("{}/metrics", app.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("plankammer_http_requests_total{status=\"4xx\"} 1"),
        "{m}"
    );
    assert!(m.contains("plankammer_jobs{state=\"queued\"} 0"));
    assert!(m.contains("plankammer_outbox_backlog 0"));
    let css = reqwest::get(format!("{}/static/kern/kern.min.css", app.url))
        .await
        .unwrap();
    assert_eq!(
        css.status(),
        200,
        "KERN UX served by Plankammer itself (run npm ci in web/)"
    );
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let htmx = reqwest::get(format!("{}/static/htmx/htmx.min.js", app.url))
        .await
        .unwrap();
    assert_eq!(htmx.status(), 200);
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = spawn_app_with(|c| c.metrics_token = Some("geheim".into())).await;
    assert_eq!(
        reqwest::get(format!("{}/metrics", app.url))
            .await
            .unwrap()
            .status(),
        401
    );
    let ok = reqwest::Client::new()
        .get(format!("{}/metrics", app.url))
        .bearer_auth("geheim")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn unknown_pages_get_a_german_error_page() {
    let app = spawn_app().await;
    let r = reqwest::get(format!("{}/gibt-es-nicht", app.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("Seite nicht gefunden") && html.contains("lang=\"de\""));
    let api = reqwest::get(format!("{}/api/v1/gibt-es-nicht", app.url))
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
}

#[tokio::test]
async fn login_redirects_only_to_our_own_pages() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    for (weiter, expected) in [
        ("/konto", "/konto"),
        ("//boese.example/x", "/start"),
        ("https://boese.example", "/start"),
        // Browsers drop tabs and newlines: "/\t/boese.example" would become "//boese.example".
        ("/\t/boese.example", "/start"),
        ("/\n/boese.example", "/start"),
        ("/\r\nSet-Cookie: x=1", "/start"),
        ("/\\boese.example", "/start"),
        ("/vorgaenge/1?x=a%09b", "/vorgaenge/1?x=a%09b"),
    ] {
        let c = app.client();
        let page = c
            .get(format!("{}/anmelden?weiter={}", app.url, urlencode(weiter)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf_from(&page).unwrap();
        let r = c
            .post(format!("{}/anmelden", app.url))
            .form(&[
                ("email", "anna@x.de"),
                ("passwort", PASSWORD),
                ("_csrf", token.as_str()),
                ("weiter", weiter),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], expected, "weiter={weiter}");
    }
}

/// Behind one trusted proxy, a client that writes its own `X-Forwarded-For` entries (a new
/// one per attempt) is still counted under the address the proxy appended.
#[tokio::test]
async fn a_forged_forwarded_for_does_not_escape_the_address_limit() {
    let app = spawn_app_with(|c| {
        c.proxy_hops = 1;
        c.login_limits.max_per_address = 3;
    })
    .await;
    let t = app.tenant("kassel").await;
    for i in 0..5 {
        app.user(t, &format!("p{i}@x.de"), Role::Antragsteller)
            .await;
    }
    let app = &app;
    let versuch = |i: usize| {
        let c = app.client();
        async move {
            // What the client wrote, then what the proxy appended.
            let xff = format!("198.51.100.{i}, 203.0.113.9");
            app.try_login_via(
                &c,
                &format!("p{i}@x.de"),
                "falsch-falsch-falsch",
                Some(&xff),
            )
            .await
            .status()
        }
    };
    let mut status = Vec::new();
    for i in 0..5 {
        status.push(versuch(i).await.as_u16());
    }
    assert_eq!(
        status,
        vec![401, 401, 401, 429, 429],
        "one address, however it is dressed"
    );
}

/// Forty wrong passwords for one account sent at once are counted before any is checked:
/// exactly five reach the password check, the rest are refused. The guesser's address is
/// then blocked for that account, but the owner at another address still gets in.
#[tokio::test]
async fn parallel_guesses_are_counted_before_the_check_and_do_not_lock_out_the_owner() {
    let app = spawn_app_with(|c| c.proxy_hops = 1).await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let guesses = (0..40).map(|_| {
        let c = app.client();
        let app = &app;
        async move {
            app.try_login_via(
                &c,
                "anna@x.de",
                "falsch-falsch-falsch",
                Some("203.0.113.66"),
            )
            .await
            .status()
            .as_u16()
        }
    });
    let status = futures::future::join_all(guesses).await;
    let checked = status.iter().filter(|s| **s == 401).count();
    let refused = status.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 35), "{status:?}");
    let c = app.client();
    assert_eq!(
        app.try_login_via(&c, "anna@x.de", PASSWORD, Some("203.0.113.66"))
            .await
            .status(),
        429,
        "the guessing address stays blocked for this account"
    );
    let owner = app.client();
    assert_eq!(
        app.try_login_via(&owner, "anna@x.de", PASSWORD, Some("198.51.100.7"))
            .await
            .status(),
        303,
        "the owner elsewhere is not locked out by the guesser"
    );
}

/// A burst from one address naming many accounts meets the address limit exactly, even when
/// all requests arrive at once.
#[tokio::test]
async fn a_parallel_burst_from_one_address_meets_the_address_limit() {
    let app = spawn_app_with(|c| {
        c.proxy_hops = 1;
        c.login_limits.max_per_address = 20;
    })
    .await;
    let burst = (0..60).map(|i| {
        let c = app.client();
        let app = &app;
        async move {
            app.try_login_via(
                &c,
                &format!("niemand{i}@x.de"),
                "falsch-falsch-falsch",
                Some("203.0.113.77"),
            )
            .await
            .status()
            .as_u16()
        }
    });
    let status = futures::future::join_all(burst).await;
    let checked = status.iter().filter(|s| **s == 401).count();
    let refused = status.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (20, 40), "{status:?}");
}

/// Input the framework's extractors refuse is answered by the product: German for people,
/// problem details for the API, never axum's English text.
#[tokio::test]
async fn malformed_requests_get_german_answers_not_framework_texts() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;
    let englisch = [
        "Cannot parse",
        "Failed to deserialize",
        "missing field",
        "Invalid URL",
    ];
    // Pages: an id that is no number names nothing; a form without its fields is refused.
    let r = c
        .get(format!("{}/vorgaenge/abc", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let seite = r.text().await.unwrap();
    assert!(
        seite.contains("<html") && !englisch.iter().any(|e| seite.contains(e)),
        "{seite}"
    );
    let r = c
        .post(format!("{}/vorgaenge/1/anlagearten", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={csrf}&%ZZ=1"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let seite = r.text().await.unwrap();
    assert!(
        !englisch.iter().any(|e| seite.contains(e)) && status >= 400,
        "{status}: {seite}"
    );
    // API: problem details in German.
    for (pfad, erwartet) in [
        ("/api/v1/cases/abc", 404),
        ("/api/v1/cases/1/documents?limit=viele", 422),
        ("/api/v1/aufgaben?tage=-3", 422),
    ] {
        let r = c.get(format!("{}{pfad}", app.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), erwartet, "{pfad}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{pfad}"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        let meldung = body["meldung"].as_str().unwrap_or_default().to_string();
        assert!(
            !meldung.is_empty() && !englisch.iter().any(|e| meldung.contains(e)),
            "{pfad}: {body}"
        );
    }
}

/// HSTS only where the product is reached over https.
#[tokio::test]
async fn hsts_is_sent_under_an_https_public_url() {
    let https = spawn_app_with(|c| {
        c.public_url = "https://bauantrag.example".into();
        c.secure_cookies = true;
    })
    .await;
    let r = reqwest::get(format!("{}/anmelden", https.url))
        .await
        .unwrap();
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let http = spawn_app().await;
    let r = reqwest::get(format!("{}/anmelden", http.url))
        .await
        .unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn session_cookie_is_http_only_and_lax() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let c = app.client();
    let r = app.try_login(&c, "anna@x.de", PASSWORD).await;
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("pk_sitzung="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Path=/"),
        "{session}"
    );
    let stored: String = sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let secret = session
        .trim_start_matches("pk_sitzung=")
        .split(';')
        .next()
        .unwrap();
    assert_ne!(stored, secret, "the database holds only the hash");
}

/// Under "Mein Konto" a person sees where they are signed in and ends other sessions (one,
/// or all but this one); nobody ends a session that is not theirs.
#[tokio::test]
async fn a_person_sees_and_ends_their_own_sessions() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    app.user(t, "bob@x.de", Role::Antragsteller).await;
    let (a, csrf_a) = app.login("anna@x.de").await;
    let (b, _) = app.login("anna@x.de").await;
    let seite = a
        .get(format!("{}/konto", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // In the page's main content (not, say, in its title).
    let seite = &seite[seite.find("<main").expect("main")..];
    let seite = &seite[..seite.find("</main>").expect("main ends")];
    assert_eq!(
        seite.matches("/beenden\"").count(),
        1,
        "one other session: {seite}"
    );
    assert!(seite.contains("diese Sitzung") && seite.contains("data-testid=\"sitzungen\""));
    let start = seite.find("/konto/sitzungen/").unwrap() + "/konto/sitzungen/".len();
    let id = &seite[start..start + 64];

    // Bob cannot end Anna's session.
    let (bob, csrf_bob) = app.login("bob@x.de").await;
    let r = bob
        .post(format!("{}/konto/sitzungen/{id}/beenden", app.url))
        .form(&[("_csrf", csrf_bob.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let still = b.get(format!("{}/start", app.url)).send().await.unwrap();
    assert_eq!(still.status(), 200);

    let r = a
        .post(format!("{}/konto/sitzungen/{id}/beenden", app.url))
        .form(&[("_csrf", csrf_a.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let weg = b.get(format!("{}/start", app.url)).send().await.unwrap();
    assert_eq!(weg.status(), 303, "the other session ended");

    let (c, _) = app.login("anna@x.de").await;
    let (d, _) = app.login("anna@x.de").await;
    let r = a
        .post(format!("{}/konto/sitzungen/andere-beenden", app.url))
        .form(&[("_csrf", csrf_a.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    for other in [&c, &d] {
        let r = other
            .get(format!("{}/start", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "all other sessions ended");
    }
    let r = a.get(format!("{}/start", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200, "this one stays");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'session.end'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 2);
}

/// Issue 12: a token bound to one case reaches that case and what belongs to it (documents,
/// versions) and `/api/v1/me`, nothing else — not the person's other case, not the lists.
#[tokio::test]
async fn a_token_bound_to_a_case_reaches_that_case_and_nothing_else() {
    use plankammer_tests::welt::{self, Fallangaben, Welt};
    use plankammer_verfahren::konto::NeuerSchluessel;
    let w = Welt::neu().await;
    let a = w.fall(Fallangaben::nummer(1)).entwurf().await;
    let b = w.fall(Fallangaben::nummer(2)).entwurf().await;
    let architektin = w.akteur(welt::ARCHITEKTIN).await;
    let neu = |vorgang| NeuerSchluessel {
        name: "CAD-Plugin",
        rechte: plankammer_storage::tokens::Rechte::Schreiben,
        tage: None,
        vorgang,
    };
    let (token, secret) = w
        .app
        .verfahren
        .schluessel_erstellen(&architektin, neu(Some(a.id)))
        .await
        .unwrap();
    assert_eq!(token.vorgang_id, Some(a.id));
    let unsichtbar = w
        .app
        .verfahren
        .schluessel_erstellen(&architektin, neu(Some(999_999)))
        .await;
    assert!(
        matches!(unsichtbar, Err(plankammer_verfahren::Fehler::Ungueltig(_))),
        "only a case the person sees"
    );
    let c = reqwest::Client::new();
    let rufe = |m: reqwest::Method, pfad: String| {
        let c = c.clone();
        let url = format!("{}{pfad}", w.app.url);
        let secret = secret.clone();
        async move {
            let r = c.request(m, url).bearer_auth(secret).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.text().await.unwrap())
        }
    };
    use reqwest::Method as M;
    for pfad in [
        "/api/v1/me".to_string(),
        format!("/api/v1/cases/{}", a.id),
        format!("/api/v1/cases/{}/documents", a.id),
        format!("/api/v1/cases/{}/zeitleiste", a.id),
        format!("/api/v1/versions/{}", a.version_id),
        format!("/api/v1/versions/{}/download", a.version_id),
    ] {
        let (s, body) = rufe(M::GET, pfad.clone()).await;
        assert_eq!(s, 200, "{pfad}: {body}");
    }
    for pfad in [
        format!("/api/v1/cases/{}", b.id),
        format!("/api/v1/cases/{}/documents", b.id),
        format!("/api/v1/versions/{}", b.version_id),
        format!("/api/v1/versions/{}/download", b.version_id),
        "/api/v1/cases".to_string(),
        "/api/v1/tokens".to_string(),
        "/api/v1/fristen".to_string(),
        format!("/api/v1/cases/{}/../{}", a.id, b.id),
        format!("/api/v1/cases/{}x", a.id),
    ] {
        let (s, body) = rufe(M::GET, pfad.clone()).await;
        assert!(s == 403 || s == 404, "{pfad}: {s} {body}");
        if s == 403 {
            assert!(
                body.contains(&format!("nur für den Vorgang {}", a.id)),
                "{pfad}: {body}"
            );
        }
    }
    let (s, _) = rufe(M::POST, "/api/v1/cases".into()).await;
    assert_eq!(s, 403, "no new cases with a case's token");
    let (s, body) = rufe(M::DELETE, format!("/api/v1/documents/{}", b.dokument_id)).await;
    assert_eq!(s, 403, "another case's document stays: {body}");
    let (s, _) = rufe(M::DELETE, format!("/api/v1/tokens/{}", token.id)).await;
    assert_eq!(s, 204, "the token may revoke itself");
    let (s, _) = rufe(M::GET, format!("/api/v1/cases/{}", a.id)).await;
    assert_eq!(s, 401, "revoked");
}

/// Issue 13: the tenant admin deactivates a person — the session they hold and their token
/// stop at once, the login is refused — and reactivates them; changes the role; sends a
/// reset link. The person's membership in another authority is untouched, and the admin
/// cannot lock themselves out.
#[tokio::test]
async fn admins_deactivate_reactivate_and_change_people_of_their_authority() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    let andere = app.tenant("fulda").await;
    let admin_id = app.user(t, "admin@x.de", Role::Admin).await;
    let p = app.user(t, "person@x.de", Role::Bauaufsicht).await;
    // The same person in another authority too.
    {
        let mut tx = app.db.begin().await.unwrap();
        plankammer_storage::Db::add_membership(
            &mut tx,
            p,
            andere,
            Role::Fachstelle,
            plankammer_storage::now_millis(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let (admin, csrf) = app.login("admin@x.de").await;
    let (person, pcsrf) = app.login("person@x.de").await;
    // The login put the person into the first authority by name (fulda); switch to kassel.
    let r = person
        .post(format!("{}/konto/behoerde", app.url))
        .form(&[("_csrf", pcsrf.as_str()), ("behoerde", &t.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let akteur = app.verfahren.clone();
    let person_in_kassel = plankammer_verfahren::Akteur::aus(&app.db.member(p, t).await.unwrap());
    let (_, token) = akteur
        .schluessel_erstellen(
            &person_in_kassel,
            plankammer_verfahren::konto::NeuerSchluessel {
                name: "Skript",
                rechte: plankammer_storage::tokens::Rechte::Lesen,
                tage: None,
                vorgang: None,
            },
        )
        .await
        .unwrap();
    let me = |c: reqwest::Client| {
        let url = format!("{}/api/v1/me", app.url);
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    let mit_token = |tok: String| {
        let url = format!("{}/api/v1/me", app.url);
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(tok)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(mit_token(token.clone()).await, 200);
    assert_eq!(me(person.clone()).await, 200);
    let aendern = |id: i64, felder: Vec<(&'static str, &'static str)>| {
        let c = admin.clone();
        let csrf = csrf.clone();
        let url = format!("{}/verwaltung/benutzer/{id}", app.url);
        async move {
            let mut f = felder.clone();
            f.push(("_csrf", csrf.as_str()));
            let r = c.post(url).form(&f).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    // Deactivated: the token stops at once, the login into kassel is gone.
    assert_eq!(aendern(p, vec![("aktion", "sperren")]).await.0, 303);
    assert_eq!(mit_token(token.clone()).await, 401, "the token ended");
    let liste = admin
        .get(format!("{}/verwaltung/benutzer/{p}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        liste.contains("gesperrt"),
        "the admin still sees the person"
    );
    let members: Vec<i64> = app
        .db
        .memberships_of(p)
        .await
        .unwrap()
        .iter()
        .map(|m| m.tenant.id)
        .collect();
    assert_eq!(
        members,
        vec![andere],
        "the other authority's membership stays"
    );
    assert_eq!(me(person.clone()).await, 401, "the session in kassel ended");
    // A fresh login lands in fulda only.
    let (neu, _) = app.login("person@x.de").await;
    let j: serde_json::Value = neu
        .get(format!("{}/api/v1/me", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(j["behoerde"]["id"].as_i64(), Some(andere));
    // Reactivated, with a new role; a reset link goes out.
    assert_eq!(aendern(p, vec![("aktion", "entsperren")]).await.0, 303);
    assert_eq!(
        aendern(p, vec![("aktion", "rolle"), ("rolle", "admin")])
            .await
            .0,
        303
    );
    assert_eq!(app.db.member(p, t).await.unwrap().role, Role::Admin);
    assert_eq!(aendern(p, vec![("aktion", "passwort")]).await.0, 303);
    let links: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE recipient = 'person@x.de' AND kind = 'passwort_zuruecksetzen'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(links, 1);
    // The admin's own account is not changed here; another tenant's person is not found.
    let (s, body) = aendern(admin_id, vec![("aktion", "sperren")]).await;
    assert_eq!(s, 409, "{body}");
    let fremd = app.user(andere, "fremd@y.de", Role::Bauaufsicht).await;
    assert_eq!(aendern(fremd, vec![("aktion", "sperren")]).await.0, 404);
    let audits: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = 'user' AND object_id = $1 AND action LIKE 'user.%' ORDER BY id",
    )
    .bind(p.to_string())
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        audits,
        vec![
            "user.create",
            "user.disable",
            "user.enable",
            "user.role",
            "user.password_link"
        ]
    );
}
