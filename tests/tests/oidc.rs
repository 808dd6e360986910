//! Sign-in through OpenID Connect (issue 13), against a real provider on loopback (the
//! certified `oidc-provider` from npm): applicants through the Servicekonto, staff through
//! their authority's directory with mapped groups, and every refusal the issue names —
//! wrong `state`, a replayed code, wrong `nonce`, wrong audience, wrong issuer, an expired
//! token, an unknown signing key, a provider that is down, a group that maps to nothing.

use plankammer_api::oidc::Anbieterart;
use plankammer_domain::Role;
use plankammer_tests::oidc::{OidcProvider, beim_anbieter, bis_zur_rueckkehr};
use plankammer_tests::{PASSWORD, TestApp, csrf_from, free_port, spawn_app_on};
use reqwest::Client;
use serde_json::json;

struct Welt {
    app: TestApp,
    idp: OidcProvider,
    tenant: i64,
}

/// The provider, two registered clients (Servicekonto and the staff directory of
/// "musterstadt"), and Plankammer configured with both.
async fn welt() -> Welt {
    let idp = OidcProvider::start().await;
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let buerger = idp.client(&url).await;
    let personal = idp.client(&url).await;
    let a = idp.anbieter("servicekonto", Anbieterart::Buerger, &buerger, None);
    let b = idp.anbieter(
        "musterstadt",
        Anbieterart::Behoerde,
        &personal,
        Some("musterstadt"),
    );
    let app = spawn_app_on(port, move |c| c.oidc = vec![a, b]).await;
    let tenant = app.tenant("musterstadt").await;
    Welt { app, idp, tenant }
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn angemeldet(w: &Welt, c: &Client) -> Option<serde_json::Value> {
    let r = c
        .get(format!("{}/api/v1/me", w.app.url))
        .send()
        .await
        .unwrap();
    if r.status() != 200 {
        return None;
    }
    r.json().await.ok()
}

async fn zaehle(w: &Welt, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(w.app.db.pool())
        .await
        .unwrap()
}

async fn audit(w: &Welt, action: &str) -> Vec<String> {
    sqlx::query_scalar::<_, String>("SELECT detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(w.app.db.pool())
        .await
        .unwrap()
}

/// Follows the callback; returns status, Location and body.
async fn rueckkehr(c: &Client, url: &str) -> (u16, Option<String>, String) {
    let r = c.get(url).send().await.unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (r.status().as_u16(), loc, r.text().await.unwrap())
}

async fn architektin(w: &Welt, sub: &str, email: &str) {
    w.idp
        .konto(json!({
            "login": sub, "sub": sub, "email": email, "email_verified": true,
            "name": "Anna Architektin", "organization": "Büro Architektin",
            "acr": "http://eidas.europa.eu/LoA/substantial",
        }))
        .await;
}

#[tokio::test]
async fn an_applicant_signs_in_with_the_servicekonto_gets_an_account_and_keeps_it() {
    let w = welt().await;
    architektin(&w, "sk-4711", "anna@buero.example").await;
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-4711").await;
    let (status, loc, body) = rueckkehr(&c, &cb).await;
    // One authority in the installation: nothing to choose, straight in.
    assert_eq!(status, 303, "{body}");
    assert_eq!(loc.as_deref(), Some("/start"));
    let me = angemeldet(&w, &c).await.expect("signed in");
    assert_eq!(me["email"], "anna@buero.example");
    assert_eq!(me["rolle"], "antragsteller");
    // The account is linked to the provider's subject, with the reported trust level.
    assert_eq!(
        zaehle(&w, "SELECT COUNT(*) FROM externe_identitaeten WHERE anbieter = 'servicekonto' AND subject = 'sk-4711' AND niveau = 'substantiell'").await,
        1
    );
    assert_eq!(
        zaehle(&w, "SELECT COUNT(*) FROM sessions WHERE anbieter = 'servicekonto' AND niveau = 'substantiell'").await,
        1
    );
    assert_eq!(audit(&w, "user.register").await.len(), 1);
    // The organisation the provider reported is kept and shown under „Mein Konto“.
    let konto = c
        .get(format!("{}/konto", w.app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(konto.contains("Büro Architektin"), "{konto}");
    // The account has no password: the login form does not open it.
    let r = w.app.try_login(&client(), "anna@buero.example", "").await;
    assert_eq!(r.status(), 401);

    // A second sign-in, with another address at the provider meanwhile: the same account
    // (linked by subject, not by address).
    w.idp
        .konto(json!({
            "login": "sk-4711", "sub": "sk-4711", "email": "anna@neu.example",
            "email_verified": true, "name": "Anna Architektin",
        }))
        .await;
    let c2 = client();
    let cb = bis_zur_rueckkehr(&c2, &w.app.url, "servicekonto", "sk-4711").await;
    assert_eq!(rueckkehr(&c2, &cb).await.0, 303);
    let me2 = angemeldet(&w, &c2).await.expect("signed in again");
    assert_eq!(me2["id"], me["id"]);
    assert_eq!(zaehle(&w, "SELECT COUNT(*) FROM users").await, 1);
    // No trust level reported this time: the session has none.
    assert_eq!(
        zaehle(
            &w,
            "SELECT COUNT(*) FROM sessions WHERE anbieter = 'servicekonto' AND niveau IS NULL"
        )
        .await,
        1
    );

    // Signing out ends the session here and sends the browser to the provider's logout.
    let csrf = plankammer_tests::session_csrf(&c2, &w.app.url).await;
    let r = c2
        .post(format!("{}/abmelden", w.app.url))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let ziel = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        ziel.starts_with(&w.idp.issuer),
        "RP-initiated logout: {ziel}"
    );
    assert!(ziel.contains("post_logout_redirect_uri="), "{ziel}");
    assert!(angemeldet(&w, &c2).await.is_none());
}

#[tokio::test]
async fn a_new_applicant_chooses_the_authority_and_is_never_linked_by_address_alone() {
    let w = welt().await;
    let zweite = w.app.tenant("nachbarstadt").await;
    // Someone has a local account with the address the provider reports.
    w.app
        .user(w.tenant, "anna@buero.example", Role::Antragsteller)
        .await;
    architektin(&w, "sk-1", "anna@buero.example").await;
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-1").await;
    let (status, _, body) = rueckkehr(&c, &cb).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("bereits ein Konto"), "{body}");
    assert!(body.contains("Mein Konto"), "says how to link: {body}");
    assert_eq!(
        zaehle(&w, "SELECT COUNT(*) FROM externe_identitaeten").await,
        0
    );
    assert!(angemeldet(&w, &c).await.is_none());

    // The local account's owner links the provider under „Mein Konto“ …
    let (lc, _) = w.app.login("anna@buero.example").await;
    let csrf = plankammer_tests::session_csrf(&lc, &w.app.url).await;
    let r = lc
        .post(format!("{}/konto/extern/verbinden", w.app.url))
        .form(&[("_csrf", csrf.as_str()), ("anbieter", "servicekonto")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let ziel = r.headers()["location"].to_str().unwrap().to_string();
    let ziel = beim_anbieter(&lc, &w.app.url, ziel, "sk-1").await;
    let (status, loc, _) = rueckkehr(&lc, &ziel).await;
    assert_eq!((status, loc.as_deref()), (303, Some("/konto?verbunden=1")));
    assert_eq!(audit(&w, "user.link").await.len(), 1);
    // … and from then on the Servicekonto opens that account.
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-1").await;
    assert_eq!(rueckkehr(&c, &cb).await.0, 303);
    assert_eq!(
        angemeldet(&w, &c).await.expect("signed in")["email"],
        "anna@buero.example"
    );

    // A new person with two authorities in the installation chooses one first.
    architektin(&w, "sk-2", "bernd@buero.example").await;
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-2").await;
    let (status, loc, _) = rueckkehr(&c, &cb).await;
    assert_eq!(
        (status, loc.as_deref()),
        (303, Some("/anmelden/extern/behoerde"))
    );
    assert!(
        angemeldet(&w, &c).await.is_none(),
        "no session before the choice"
    );
    let seite = c
        .get(format!("{}/anmelden/extern/behoerde", w.app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(seite.contains("Bauaufsicht nachbarstadt"), "{seite}");
    let csrf = csrf_from(&seite).unwrap();
    let r = c
        .post(format!("{}/anmelden/extern/behoerde", w.app.url))
        .form(&[("_csrf", csrf.as_str()), ("behoerde", &zweite.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let me = angemeldet(&w, &c)
        .await
        .expect("signed in after the choice");
    assert_eq!(me["behoerde"]["id"], zweite);
    assert_eq!(me["rolle"], "antragsteller");
    // The choice works once: posted again, nothing changes.
    let r = c
        .post(format!("{}/anmelden/extern/behoerde", w.app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("behoerde", &w.tenant.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 303);
    let uid = me["id"].as_i64().unwrap();
    assert_eq!(w.app.db.memberships_of(uid).await.unwrap().len(), 1);
}

async fn admin_ordnet_zu(w: &Welt, gruppe: &str, rolle: &str, stelle: Option<i64>) {
    let (c, csrf) = w.app.login("admin@musterstadt.example").await;
    let stelle = stelle.map(|s| s.to_string()).unwrap_or_default();
    let r = c
        .post(format!("{}/verwaltung/anmeldung/gruppen", w.app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("gruppe", gruppe),
            ("rolle", rolle),
            ("stelle", stelle.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn staff_get_role_and_stelle_from_mapped_groups_at_every_sign_in() {
    let w = welt().await;
    w.app
        .user(w.tenant, "admin@musterstadt.example", Role::Admin)
        .await;
    let stelle = w
        .app
        .db
        .lege_stelle_an(Some(w.tenant), "Brandschutz", "", None, 0)
        .await
        .unwrap();
    admin_ordnet_zu(&w, "bauaufsicht-musterstadt", "bauaufsicht", None).await;
    admin_ordnet_zu(&w, "brandschutz", "fachstelle", Some(stelle)).await;
    assert_eq!(audit(&w, "gruppenzuordnung.add").await.len(), 2);

    w.idp
        .konto(json!({
            "login": "cw", "sub": "ad-cw-1", "email": "cw@musterstadt.example",
            "email_verified": true, "name": "Clara Sachbearbeiterin",
            "groups": ["alle", "bauaufsicht-musterstadt"],
        }))
        .await;
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "musterstadt", "cw").await;
    let (status, loc, _) = rueckkehr(&c, &cb).await;
    assert_eq!((status, loc.as_deref()), (303, Some("/start")));
    let me = angemeldet(&w, &c).await.expect("signed in");
    assert_eq!(me["rolle"], "bauaufsicht");
    assert_eq!(me["behoerde"]["id"], w.tenant);
    // The inbox of the Bauaufsicht opens.
    let r = c
        .get(format!("{}/eingang", w.app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The directory moves the person to the Brandschutz group: Fachstelle of that Stelle
    // at the next sign-in.
    w.idp
        .konto(json!({
            "login": "cw", "sub": "ad-cw-1", "email": "cw@musterstadt.example",
            "email_verified": true, "name": "Clara Sachbearbeiterin", "groups": ["brandschutz"],
        }))
        .await;
    let c2 = client();
    let cb = bis_zur_rueckkehr(&c2, &w.app.url, "musterstadt", "cw").await;
    assert_eq!(rueckkehr(&c2, &cb).await.0, 303);
    assert_eq!(angemeldet(&w, &c2).await.unwrap()["rolle"], "fachstelle");
    let uid = me["id"].as_i64().unwrap();
    assert!(w.app.db.ist_stellenmitglied(stelle, uid).await.unwrap());
    assert!(!audit(&w, "user.role").await.is_empty());

    // Removed from every mapped group: no access at the next sign-in, and the sessions
    // still open end at once.
    w.idp
        .konto(json!({
            "login": "cw", "sub": "ad-cw-1", "email": "cw@musterstadt.example",
            "email_verified": true, "groups": ["alle"],
        }))
        .await;
    let c3 = client();
    let cb = bis_zur_rueckkehr(&c3, &w.app.url, "musterstadt", "cw").await;
    let (status, _, body) = rueckkehr(&c3, &cb).await;
    assert_eq!(status, 403);
    assert!(
        body.contains("keiner Rolle in Plankammer zugeordnet"),
        "{body}"
    );
    assert!(angemeldet(&w, &c3).await.is_none());
    assert!(angemeldet(&w, &c2).await.is_none(), "the old session ended");
    assert!(angemeldet(&w, &c).await.is_none(), "the old session ended");
    assert!(!w.app.db.ist_stellenmitglied(stelle, uid).await.unwrap());
    let a = audit(&w, "login.oidc.keine_zuordnung").await;
    assert_eq!(a.len(), 1);
    assert!(a[0].contains("\"mitgliedschaft_beendet\":true"), "{}", a[0]);

    // A person whose groups map to nothing never gets an account (audited).
    w.idp
        .konto(json!({
            "login": "fremd", "sub": "ad-x", "email": "x@musterstadt.example",
            "email_verified": true, "groups": ["kantine"],
        }))
        .await;
    let c4 = client();
    let cb = bis_zur_rueckkehr(&c4, &w.app.url, "musterstadt", "fremd").await;
    assert_eq!(rueckkehr(&c4, &cb).await.0, 403);
    assert_eq!(
        zaehle(
            &w,
            "SELECT COUNT(*) FROM users WHERE email = 'x@musterstadt.example'"
        )
        .await,
        0
    );
    assert_eq!(audit(&w, "login.oidc.keine_zuordnung").await.len(), 2);

    // The Servicekonto never opens a staff role, even for the same person.
    w.idp
        .konto(json!({
            "login": "cw2", "sub": "ad-cw-2", "email": "cw2@musterstadt.example",
            "email_verified": true, "groups": ["bauaufsicht-musterstadt"],
        }))
        .await;
    let c5 = client();
    let cb = bis_zur_rueckkehr(&c5, &w.app.url, "musterstadt", "cw2").await;
    assert_eq!(rueckkehr(&c5, &cb).await.0, 303);
    let c6 = client();
    let cb = bis_zur_rueckkehr(&c6, &w.app.url, "servicekonto", "cw2").await;
    // Same subject at the citizens' provider is another identity: a new account would
    // need the address, which the staff account holds.
    assert_eq!(rueckkehr(&c6, &cb).await.0, 409);
}

#[tokio::test]
async fn tampered_or_replayed_callbacks_and_bad_id_tokens_are_refused() {
    let w = welt().await;
    architektin(&w, "sk-9", "z@buero.example").await;

    // Wrong state: the callback's state is not this browser's.
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-9").await;
    let mut u = url::Url::parse(&cb).unwrap();
    let paare: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}x")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(paare);
    let (status, _, body) = rueckkehr(&c, u.as_str()).await;
    assert_eq!(status, 403);
    assert!(body.contains("Bitte melden Sie sich erneut an"), "{body}");
    assert!(angemeldet(&w, &c).await.is_none());

    // A callback from another browser (no cookie) is refused too.
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-9").await;
    assert_eq!(rueckkehr(&client(), &cb).await.0, 403);

    // Replayed code: the same callback works once.
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-9").await;
    assert_eq!(rueckkehr(&c, &cb).await.0, 303);
    let andere = client();
    // (the attacker replays it with the victim's cookie copied: still refused, used once)
    let cookie = format!(
        "pk_oidc={}",
        url::Url::parse(&cb)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
    );
    let r = andere
        .get(&cb)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The used code under a fresh sign-in of the attacker's own (a valid state and cookie
    // of theirs): the provider refuses the code a second time, so no session either.
    let alter_code = url::Url::parse(&cb)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let angreifer = client();
    let eigener = bis_zur_rueckkehr(&angreifer, &w.app.url, "servicekonto", "sk-9").await;
    let mut u = url::Url::parse(&eigener).unwrap();
    let paare: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "code" {
                alter_code.clone()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(paare);
    let (status, _, body) = rueckkehr(&angreifer, u.as_str()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("nicht bestätigt"), "{body}");
    assert!(angemeldet(&w, &angreifer).await.is_none());

    // ID tokens the provider's answer carries, altered and re-signed: every one refused,
    // no session, audited.
    for modus in [
        "wrong_nonce",
        "wrong_aud",
        "wrong_iss",
        "expired",
        "unknown_key",
    ] {
        w.idp.modus(modus).await;
        let c = client();
        let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-9").await;
        let (status, _, body) = rueckkehr(&c, &cb).await;
        assert_eq!(status, 400, "{modus}: {body}");
        assert!(body.contains("nicht gültig"), "{modus}: {body}");
        assert!(
            angemeldet(&w, &c).await.is_none(),
            "{modus} opened a session"
        );
    }
    let fehl = audit(&w, "login.failure").await;
    assert_eq!(
        fehl.iter()
            .filter(|d| d.contains("token_ungueltig"))
            .count(),
        5,
        "{fehl:?}"
    );
    // Nothing of a token reaches the audit log.
    assert!(fehl.iter().all(|d| !d.contains("eyJ")));

    // Key rotation: a token signed with a new published key is accepted (the keys are
    // fetched again once).
    w.idp.modus("rotated").await;
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-9").await;
    let (status, _, body) = rueckkehr(&c, &cb).await;
    assert_eq!(status, 303, "rotated key: {body}");
    assert!(angemeldet(&w, &c).await.is_some());
}

#[tokio::test]
async fn a_provider_that_is_down_gets_a_clear_german_page_not_a_500() {
    let mut w = welt().await;
    architektin(&w, "sk-5", "d@buero.example").await;
    // Down in the middle of a sign-in: the person is back from the provider, the token
    // endpoint does not answer.
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, "servicekonto", "sk-5").await;
    w.idp.stoppen();
    let (status, _, body) = rueckkehr(&c, &cb).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("nicht erreichbar"), "{body}");
    assert!(angemeldet(&w, &c).await.is_none());

    // Down before the sign-in starts (nothing cached: another provider on a closed port).
    let port = free_port();
    let tot = plankammer_api::oidc::AnbieterConfig {
        issuer: format!("http://127.0.0.1:{port}"),
        ..w.idp
            .anbieter("tot", Anbieterart::Buerger, &("a".into(), "b".into()), None)
    };
    let app = plankammer_tests::spawn_app_with(move |c| c.oidc = vec![tot]).await;
    let c = client();
    let seite = c
        .get(format!("{}/anmelden", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(seite.contains("Mit Servicekonto anmelden"));
    let csrf = csrf_from(&seite).unwrap();
    let r = c
        .post(format!("{}/anmelden/extern", app.url))
        .form(&[("_csrf", csrf.as_str()), ("anbieter", "tot")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let body = r.text().await.unwrap();
    assert!(body.contains("nicht erreichbar"), "{body}");
    // The local login still works on the same page.
    assert!(body.contains("name=\"passwort\""));
}

#[tokio::test]
async fn an_authority_with_its_own_provider_can_switch_local_passwords_off() {
    let w = welt().await;
    w.app
        .user(w.tenant, "admin@musterstadt.example", Role::Admin)
        .await;
    w.app
        .user(w.tenant, "ba@musterstadt.example", Role::Bauaufsicht)
        .await;
    w.app
        .user(w.tenant, "bauherr@privat.example", Role::Antragsteller)
        .await;
    let (c, csrf) = w.app.login("admin@musterstadt.example").await;
    let abschalten = || {
        c.post(format!("{}/verwaltung/anmeldung", w.app.url))
            .form(&[("_csrf", csrf.as_str()), ("mindest_niveau", "")])
            .send()
    };
    // Two staff accounts have never come through the provider: they would be locked out.
    let r = abschalten().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("2 Beschäftigte"));
    // Each links the account (as at a first sign-in through the provider).
    for (email, sub) in [
        ("admin@musterstadt.example", "ad-admin"),
        ("ba@musterstadt.example", "ad-ba"),
    ] {
        let u = w
            .app
            .db
            .user_by_email(&plankammer_domain::Email::parse(email).unwrap())
            .await
            .unwrap();
        w.app
            .verfahren
            .identitaet_verbinden(
                u.id,
                &plankammer_verfahren::extern_anmeldung::Identitaet {
                    anbieter: "musterstadt".into(),
                    subject: sub.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let r = abschalten().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(audit(&w, "tenant.anmeldung").await.len(), 1);
    // Staff with a password: refused, with a pointer to the authority's sign-in.
    let r = w
        .app
        .try_login(&client(), "ba@musterstadt.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("eigenen Anmeldedienst"));
    // Applicants keep their passwords.
    let r = w
        .app
        .try_login(&client(), "bauherr@privat.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 303);

    // Without a staff provider the switch is refused (nobody could sign in any more).
    let app = plankammer_tests::spawn_app().await;
    let t = app.tenant("ohne").await;
    app.user(t, "admin@ohne.example", Role::Admin).await;
    let (c, csrf) = app.login("admin@ohne.example").await;
    let r = c
        .post(format!("{}/verwaltung/anmeldung", app.url))
        .form(&[("_csrf", csrf.as_str()), ("mindest_niveau", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Anmeldedienst"));
}

#[tokio::test]
async fn starting_sign_ins_is_limited_per_address() {
    // A provider on a closed port: every start that gets past the limit answers 503.
    let tot = plankammer_api::oidc::AnbieterConfig {
        id: "tot".into(),
        art: Anbieterart::Buerger,
        issuer: format!("http://127.0.0.1:{}", free_port()),
        client_id: "a".into(),
        client_secret: "b".into(),
        scopes: vec!["openid".into()],
        label: "Mit Servicekonto anmelden".into(),
        behoerde: None,
        gruppen_claim: "groups".into(),
    };
    let app = plankammer_tests::spawn_app_with(move |c| c.oidc = vec![tot]).await;
    let c = client();
    let seite = c
        .get(format!("{}/anmelden", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&seite).unwrap();
    let max = plankammer_api::seiten::extern_anmeldung::MAX_ANMELDUNGEN_JE_ADRESSE_STUNDE;
    for i in 0..max {
        let r = c
            .post(format!("{}/anmelden/extern", app.url))
            .form(&[("_csrf", csrf.as_str()), ("anbieter", "tot")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503, "start {i}");
    }
    let r = c
        .post(format!("{}/anmelden/extern", app.url))
        .form(&[("_csrf", csrf.as_str()), ("anbieter", "tot")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("sehr viele Anmeldungen"));
}

/// Signs in through `anbieter` as `login` in a fresh browser; the callback's answer.
async fn anmelden(w: &Welt, anbieter: &str, login: &str) -> (Client, u16, Option<String>, String) {
    let c = client();
    let cb = bis_zur_rueckkehr(&c, &w.app.url, anbieter, login).await;
    let (s, loc, body) = rueckkehr(&c, &cb).await;
    (c, s, loc, body)
}

async fn konto_id(w: &Welt, email: &str) -> i64 {
    w.app
        .db
        .user_by_email(&plankammer_domain::Email::parse(email).unwrap())
        .await
        .unwrap()
        .id
}

/// Review of the sign-in (issue 13): a staff account that is linked to the citizens'
/// provider never gets a staff session through it — not by the sign-in, not by a session
/// row that says otherwise, not by linking from „Mein Konto“.
#[tokio::test]
async fn a_staff_account_linked_to_the_servicekonto_never_opens_a_staff_session() {
    let w = welt().await;
    let ba = w
        .app
        .user(w.tenant, "ba@musterstadt.example", Role::Bauaufsicht)
        .await;
    // Mein Konto offers staff no Servicekonto; asking anyway finds no such provider.
    let (c, csrf) = w.app.login("ba@musterstadt.example").await;
    let r = c
        .post(format!("{}/konto/extern/verbinden", w.app.url))
        .form(&[("_csrf", csrf.as_str()), ("anbieter", "servicekonto")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A link made some other way (an old one, say): the sign-in refuses the staff role.
    w.app
        .verfahren
        .identitaet_verbinden(
            ba,
            &plankammer_verfahren::extern_anmeldung::Identitaet {
                anbieter: "servicekonto".into(),
                subject: "sk-ba".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.idp
        .konto(json!({"login": "sk-ba", "sub": "sk-ba", "email": "ba@musterstadt.example", "email_verified": true}))
        .await;
    let (c, status, _, body) = anmelden(&w, "servicekonto", "sk-ba").await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("Beschäftigten dieser Behörde"), "{body}");
    assert!(angemeldet(&w, &c).await.is_none());
    // A session row that claims the Servicekonto for a staff role is no session.
    let neu = w
        .app
        .db
        .create_session(ba, w.tenant, plankammer_storage::now_millis(), 3_600_000)
        .await
        .unwrap();
    w.app
        .db
        .sitzung_herkunft(&neu.secret, "servicekonto", Some("hoch"))
        .await
        .unwrap();
    let r = client()
        .get(format!("{}/api/v1/me", w.app.url))
        .header("cookie", format!("pk_sitzung={}", neu.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn switching_the_authority_keeps_the_way_in_and_the_trust_level() {
    let w = welt().await;
    let zweite = w.app.tenant("nachbarstadt").await;
    architektin(&w, "sk-7", "sieben@buero.example").await;
    let (c, status, loc, _) = anmelden(&w, "servicekonto", "sk-7").await;
    assert_eq!(
        (status, loc.as_deref()),
        (303, Some("/anmelden/extern/behoerde"))
    );
    let seite = c
        .get(format!("{}/anmelden/extern/behoerde", w.app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&seite).unwrap();
    c.post(format!("{}/anmelden/extern/behoerde", w.app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("behoerde", &w.tenant.to_string()),
        ])
        .send()
        .await
        .unwrap();
    let uid = konto_id(&w, "sieben@buero.example").await;
    w.app
        .verfahren
        .antragsteller_behoerde_waehlen(uid, zweite)
        .await
        .unwrap();
    // Two authorities: the next sign-in asks which; the switch keeps provider and level.
    let (c, status, loc, _) = anmelden(&w, "servicekonto", "sk-7").await;
    assert_eq!(status, 303);
    assert!(loc.unwrap().starts_with("/konto/behoerde"));
    let csrf = plankammer_tests::session_csrf(&c, &w.app.url).await;
    let r = c
        .post(format!("{}/konto/behoerde", w.app.url))
        .form(&[("_csrf", csrf.as_str()), ("behoerde", &zweite.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let me = angemeldet(&w, &c).await.expect("signed in");
    assert_eq!(me["behoerde"]["id"], zweite);
    let (anbieter, niveau): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT anbieter, niveau FROM sessions WHERE user_id = $1 AND tenant_id = $2",
    )
    .bind(uid)
    .bind(zweite)
    .fetch_one(w.app.db.pool())
    .await
    .unwrap();
    assert_eq!(anbieter.as_deref(), Some("servicekonto"));
    assert_eq!(niveau.as_deref(), Some("substantiell"));
}

#[tokio::test]
async fn the_directory_cannot_undo_a_deactivation_and_a_missing_groups_claim_changes_nothing() {
    let w = welt().await;
    w.app
        .user(w.tenant, "admin@musterstadt.example", Role::Admin)
        .await;
    let stelle = w
        .app
        .db
        .lege_stelle_an(Some(w.tenant), "Brandschutz", "", None, 0)
        .await
        .unwrap();
    let land = w
        .app
        .db
        .lege_stelle_an(None, "Landesamt für Denkmalpflege", "", None, 0)
        .await
        .unwrap();
    admin_ordnet_zu(&w, "ba", "bauaufsicht", None).await;
    admin_ordnet_zu(&w, "bs", "fachstelle", Some(stelle)).await;
    // A Land-wide Stelle is the operator's: no mapping to it.
    let (c, csrf) = w.app.login("admin@musterstadt.example").await;
    let r = c
        .post(format!("{}/verwaltung/anmeldung/gruppen", w.app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("gruppe", "denkmal"),
            ("rolle", "fachstelle"),
            ("stelle", &land.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    let person = |gruppen: serde_json::Value| {
        let mut k = json!({"login": "p", "sub": "ad-p", "email": "p@musterstadt.example", "email_verified": true});
        if !gruppen.is_null() {
            k["groups"] = gruppen;
        }
        k
    };
    w.idp.konto(person(json!(["ba", "bs"]))).await;
    assert_eq!(anmelden(&w, "musterstadt", "p").await.1, 303);
    let uid = konto_id(&w, "p@musterstadt.example").await;
    assert!(w.app.db.ist_stellenmitglied(stelle, uid).await.unwrap());

    // No groups claim at all (a missing mapper): refused, and nothing taken away.
    w.idp.konto(person(serde_json::Value::Null)).await;
    let (_, status, _, body) = anmelden(&w, "musterstadt", "p").await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("keine Gruppen"), "{body}");
    assert!(w.app.db.member(uid, w.tenant).await.is_ok());
    assert!(w.app.db.ist_stellenmitglied(stelle, uid).await.unwrap());

    // The admin deletes the Brandschutz mapping: the Stelle membership it gave goes at
    // the next sign-in.
    let bs_id = w
        .app
        .db
        .gruppenzuordnungen(w.tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|z| z.gruppe == "bs")
        .unwrap()
        .id;
    let r = c
        .post(format!(
            "{}/verwaltung/anmeldung/gruppen/{bs_id}/loeschen",
            w.app.url
        ))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    w.idp.konto(person(json!(["ba", "bs"]))).await;
    assert_eq!(anmelden(&w, "musterstadt", "p").await.1, 303);
    assert!(!w.app.db.ist_stellenmitglied(stelle, uid).await.unwrap());

    // The admin deactivates the person; the directory removes and re-adds the group: the
    // deactivation stands.
    let admin = w
        .app
        .db
        .member(konto_id(&w, "admin@musterstadt.example").await, w.tenant)
        .await
        .unwrap();
    w.app
        .verfahren
        .konto_aendern(
            &plankammer_verfahren::Akteur::aus(&admin),
            uid,
            plankammer_verfahren::verwaltung::Kontoaenderung::Sperren,
        )
        .await
        .unwrap();
    w.idp.konto(person(json!(["alle"]))).await;
    assert_eq!(anmelden(&w, "musterstadt", "p").await.1, 403);
    w.idp.konto(person(json!(["ba"]))).await;
    let (c2, status, _, body) = anmelden(&w, "musterstadt", "p").await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("gesperrt"), "{body}");
    assert!(angemeldet(&w, &c2).await.is_none());
}

#[tokio::test]
async fn linking_is_for_the_person_who_asked_and_asks_the_provider_again() {
    let w = welt().await;
    w.app
        .user(w.tenant, "a@privat.example", Role::Antragsteller)
        .await;
    w.app
        .user(w.tenant, "b@privat.example", Role::Antragsteller)
        .await;
    w.idp
        .konto(json!({"login": "sk-a", "sub": "sk-a", "email": "a@privat.example", "email_verified": true}))
        .await;
    // A asks to link and goes to the provider …
    let (c, csrf) = w.app.login("a@privat.example").await;
    let r = c
        .post(format!("{}/konto/extern/verbinden", w.app.url))
        .form(&[("_csrf", csrf.as_str()), ("anbieter", "servicekonto")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let ziel = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        ziel.contains("prompt=login"),
        "the provider asks again: {ziel}"
    );
    let ziel = beim_anbieter(&c, &w.app.url, ziel, "sk-a").await;
    // … but meanwhile B signed in in this browser: the link is refused.
    let csrf = plankammer_tests::session_csrf(&c, &w.app.url).await;
    c.post(format!("{}/abmelden", w.app.url))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let r = w.app.try_login(&c, "b@privat.example", PASSWORD).await;
    assert_eq!(r.status(), 303);
    let (status, _, _) = rueckkehr(&c, &ziel).await;
    assert_eq!(status, 403);
    assert_eq!(
        zaehle(&w, "SELECT COUNT(*) FROM externe_identitaeten").await,
        0
    );
}
