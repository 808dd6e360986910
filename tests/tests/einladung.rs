//! Invitations of the Bauherrschaft send mail in the authority's name to an address the
//! applicant typed: they are bounded per case and per sender, and the name that stands in
//! the mail is one line.

use plankammer_domain::Role;
use plankammer_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn neuer_fall(app: &TestApp, c: &reqwest::Client, csrf: &str, nr: usize) -> i64 {
    let v: Value = c
        .post(format!("{}/api/v1/cases", app.url))
        .header("x-csrf-token", csrf)
        .json(&json!({ "bezeichnung": format!("Vorhaben {nr}") }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["id"].as_i64().unwrap()
}

async fn einladen(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    case: i64,
    name: &str,
    email: &str,
) -> (u16, Value) {
    let r = c
        .post(format!("{}/api/v1/cases/{case}/beteiligte", app.url))
        .header("x-csrf-token", csrf)
        .json(&json!({ "name": name, "email": email }))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn einladungsmails(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'einladung_bauherrschaft'")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// Twelve invitations sent at once to one case: five are open at most, the rest are refused
/// with 429, and only five mails leave.
#[tokio::test]
async fn a_burst_of_invitations_meets_the_open_limit() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;
    let case = neuer_fall(&app, &c, &csrf, 1).await;
    let burst = (0..12).map(|i| {
        let (app, c, csrf) = (&app, &c, &csrf);
        async move {
            einladen(
                app,
                c,
                csrf,
                case,
                "Berta Bauherrin",
                &format!("ziel{i}@example.org"),
            )
            .await
            .0
        }
    });
    let status = futures::future::join_all(burst).await;
    assert_eq!(
        status.iter().filter(|s| **s == 201).count(),
        5,
        "{status:?}"
    );
    assert_eq!(
        status.iter().filter(|s| **s == 429).count(),
        7,
        "{status:?}"
    );
    assert_eq!(einladungsmails(&app).await, 5);
    let (s, body) = einladen(&app, &c, &csrf, case, "Noch Eine", "noch@example.org").await;
    assert_eq!(s, 429);
    assert!(
        body["meldung"]
            .as_str()
            .unwrap()
            .contains("Einladungen offen"),
        "{body}"
    );
}

/// Over all of a sender's cases, twenty invitations a day; the twenty-first is refused.
#[tokio::test]
async fn a_sender_invites_at_most_twenty_a_day() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;
    for nr in 0..4 {
        let case = neuer_fall(&app, &c, &csrf, nr).await;
        for i in 0..5 {
            let (s, body) = einladen(
                &app,
                &c,
                &csrf,
                case,
                "Berta Bauherrin",
                &format!("f{nr}p{i}@example.org"),
            )
            .await;
            assert_eq!(s, 201, "{body}");
        }
    }
    let case = neuer_fall(&app, &c, &csrf, 9).await;
    let (s, body) = einladen(&app, &c, &csrf, case, "Berta Bauherrin", "x@example.org").await;
    assert_eq!(s, 429);
    assert!(
        body["meldung"]
            .as_str()
            .unwrap()
            .contains("zu viele Einladungen"),
        "{body}"
    );
    assert_eq!(einladungsmails(&app).await, 20);
}

/// A name with a line break, a control character or a right-to-left override does not get
/// into a mail; nor does a name longer than the limit.
#[tokio::test]
async fn the_name_in_the_mail_is_one_line() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("anna@x.de").await;
    let case = neuer_fall(&app, &c, &csrf, 1).await;
    for name in [
        "Berta\r\nIhr Konto wird gesperrt: https://boese.example",
        "Berta\u{7}",
        "Berta \u{202E}nirrehuaB",
        &"B".repeat(121),
    ] {
        let (s, body) = einladen(&app, &c, &csrf, case, name, "berta@example.org").await;
        assert_eq!(s, 422, "{name:?}: {body}");
    }
    assert_eq!(einladungsmails(&app).await, 0);
    let (s, _) = einladen(
        &app,
        &c,
        &csrf,
        case,
        "Berta Bauherrin-Groß",
        "berta@example.org",
    )
    .await;
    assert_eq!(s, 201);
}
