//! The second factor (issue 13): where the authority requires it, staff set it up at their
//! next login and from then on need a code from their app (or a recovery code, once);
//! applicants are not asked. Codes work once, wrong codes end the login after five tries,
//! and the admin resets a lost factor.

use plankammer_domain::{Role, totp};
use plankammer_tests::{PASSWORD, TestApp, csrf_from, spawn_app};
use reqwest::Client;

fn base32_decode(s: &str) -> Vec<u8> {
    totp::base32_lesen(s).expect("base32")
}

async fn text(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Posts a code on the second step; returns status, Location and body.
async fn code_senden(app: &TestApp, c: &Client, code: &str) -> (u16, Option<String>, String) {
    let (_, seite) = text(c, format!("{}/anmelden/zweiter-faktor", app.url)).await;
    let csrf = csrf_from(&seite).unwrap_or_default();
    let r = c
        .post(format!("{}/anmelden/zweiter-faktor", app.url))
        .form(&[("_csrf", csrf.as_str()), ("code", code)])
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (r.status().as_u16(), loc, r.text().await.unwrap())
}

/// Reads the set-up's QR code (inline SVG: one path of unit rectangles) back, as a phone's
/// camera would: the text it holds.
fn qr_aus(seite: &str) -> String {
    let start = seite.find("<svg ").expect("the set-up shows a QR code");
    let svg = &seite[start..seite[start..].find("</svg>").unwrap() + start];
    let zahl = |a: &str| -> usize {
        let i = svg.find(&format!(" {a}=\"")).unwrap() + a.len() + 3;
        svg[i..i + svg[i..].find('"').unwrap()].parse().unwrap()
    };
    let (b, h) = (zahl("width"), zahl("height"));
    let mut dunkel = vec![false; b * h];
    let d_start = svg.find(" d=\"").unwrap() + 4;
    let d = &svg[d_start..d_start + svg[d_start..].find('"').unwrap()];
    // "M{l} {t}h{w}v{h}H{l}V{t}" per rectangle.
    for teil in d.split('M').filter(|t| !t.is_empty()) {
        let zahlen: Vec<usize> = teil
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect();
        let (l, t, w, hh) = (zahlen[0], zahlen[1], zahlen[2], zahlen[3]);
        for y in t..t + hh {
            for x in l..l + w {
                dunkel[y * b + x] = true;
            }
        }
    }
    let mut bild = rqrr::PreparedImage::prepare_from_bitmap(b, h, |x, y| dunkel[y * b + x]);
    let gitter = bild.detect_grids();
    assert_eq!(gitter.len(), 1, "one QR code");
    gitter[0].decode().expect("a readable QR code").1
}

fn schluessel_aus(seite: &str) -> Vec<u8> {
    let marker = "data-testid=\"totp-schluessel\">";
    let start = seite.find(marker).expect("the key is shown") + marker.len();
    let ende = seite[start..].find('<').unwrap() + start;
    base32_decode(&seite[start..ende])
}

async fn eingeloggt(app: &TestApp, c: &Client) -> bool {
    c.get(format!("{}/api/v1/me", app.url))
        .send()
        .await
        .unwrap()
        .status()
        == 200
}

#[tokio::test]
async fn staff_set_up_the_factor_at_login_and_then_need_a_code_applicants_do_not() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "admin@x.de", Role::Admin).await;
    app.user(t, "ba@x.de", Role::Bauaufsicht).await;
    app.user(t, "architekt@x.de", Role::Antragsteller).await;

    // The admin requires the factor of the staff (audited).
    let (admin, csrf) = app.login("admin@x.de").await;
    let r = admin
        .post(format!("{}/verwaltung/zweiter-faktor", app.url))
        .form(&[("_csrf", csrf.as_str()), ("pflicht", "ja")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(app.db.zweiter_faktor_pflicht(t).await.unwrap());

    // The case worker: the right password alone opens nothing; the set-up follows.
    let c = app.client();
    let r = app.try_login(&c, "ba@x.de", PASSWORD).await;
    assert_eq!(r.headers()["location"], "/anmelden/zweiter-faktor");
    assert!(!eingeloggt(&app, &c).await, "no session before the factor");
    let (s, seite) = text(&c, format!("{}/anmelden/zweiter-faktor", app.url)).await;
    assert_eq!(s, 200);
    assert!(seite.contains("Zweiten Faktor einrichten"));
    let geheimnis = schluessel_aus(&seite);
    // The QR code holds the otpauth link with the same key.
    let qr = qr_aus(&seite);
    assert!(qr.starts_with("otpauth://totp/"), "{qr}");
    let im_qr = qr
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .expect("the key in the link");
    assert_eq!(base32_decode(im_qr), geheimnis);
    let (_, nochmal) = text(&c, format!("{}/anmelden/zweiter-faktor", app.url)).await;
    assert_eq!(
        schluessel_aus(&nochmal),
        geheimnis,
        "a reload keeps the key"
    );
    let (s, _, seite) = code_senden(&app, &c, "000000").await;
    assert_eq!(s, 422);
    assert!(seite.contains("Der Code stimmt nicht"));
    let jetzt = plankammer_storage::now_millis();
    let (s, _, seite) = code_senden(&app, &c, &totp::code(&geheimnis, jetzt)).await;
    assert_eq!(s, 200, "{seite}");
    assert!(seite.contains("Wiederherstellungscodes") || seite.contains("Codes"));
    let codes: Vec<String> = seite
        .split("<li><code>")
        .skip(1)
        .map(|t| t[..t.find('<').unwrap()].to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(eingeloggt(&app, &c).await, "the session opened");

    // Next login: the code, once; a recovery code, once.
    let c2 = app.client();
    let r = app.try_login(&c2, "ba@x.de", PASSWORD).await;
    assert_eq!(r.headers()["location"], "/anmelden/zweiter-faktor");
    let (s, _, _) = code_senden(&app, &c2, &totp::code(&geheimnis, jetzt)).await;
    assert_eq!(s, 401, "the code used at set-up does not work again");
    let (s, loc, _) = code_senden(&app, &c2, &codes[0]).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/start")));
    assert!(eingeloggt(&app, &c2).await);
    let c3 = app.client();
    app.try_login(&c3, "ba@x.de", PASSWORD).await;
    let (s, _, _) = code_senden(&app, &c3, &codes[0]).await;
    assert_eq!(s, 401, "a recovery code works once");

    // Five wrong codes: the login is over, the password is needed again.
    for _ in 0..4 {
        assert_eq!(code_senden(&app, &c3, "111111").await.0, 401);
    }
    let (s, loc, _) = code_senden(&app, &c3, &codes[1]).await;
    assert_eq!(
        (s, loc.as_deref()),
        (303, Some("/anmelden?abgelaufen=1")),
        "even a right code after five wrong ones"
    );
    assert!(!eingeloggt(&app, &c3).await);

    // The applicant is not asked.
    let a = app.client();
    let r = app.try_login(&a, "architekt@x.de", PASSWORD).await;
    assert_eq!(r.headers()["location"], "/start");

    // The admin resets the lost factor: the next login sets up a new one.
    let ba_id = app
        .db
        .user_by_email(&plankammer_domain::Email::parse("ba@x.de").unwrap())
        .await
        .unwrap()
        .id;
    let r = admin
        .post(format!("{}/verwaltung/benutzer/{ba_id}", app.url))
        .form(&[("_csrf", csrf.as_str()), ("aktion", "zweiter_faktor")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let c4 = app.client();
    app.try_login(&c4, "ba@x.de", PASSWORD).await;
    let (_, seite) = text(&c4, format!("{}/anmelden/zweiter-faktor", app.url)).await;
    assert!(seite.contains("Zweiten Faktor einrichten"));
    assert_ne!(schluessel_aus(&seite), geheimnis, "a new key");

    let aktionen: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE '%mfa%' ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        aktionen,
        vec![
            "tenant.mfa_required",
            "user.mfa_enable",
            "login.mfa_failure",
            "login.mfa_failure",
            "login.mfa_failure",
            "login.mfa_failure",
            "login.mfa_failure",
            "login.mfa_failure",
            "user.mfa_disable"
        ]
    );
}

/// Anyone may set the factor up under „Mein Konto“ and switch it off with a code where the
/// authority does not require it.
#[tokio::test]
async fn an_applicant_sets_up_the_factor_in_the_account_and_switches_it_off() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "architekt@x.de", Role::Antragsteller).await;
    let (c, csrf) = app.login("architekt@x.de").await;
    let (s, seite) = text(&c, format!("{}/konto/zweiter-faktor", app.url)).await;
    assert_eq!(s, 200);
    let geheimnis = schluessel_aus(&seite);
    let r = c
        .post(format!("{}/konto/zweiter-faktor", app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            (
                "code",
                &totp::code(&geheimnis, plankammer_storage::now_millis()),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, konto) = text(&c, format!("{}/konto", app.url)).await;
    assert!(konto.contains("data-testid=\"zweiter-faktor-an\""));
    // The next login asks for the code although nobody requires it.
    let c2 = app.client();
    let r = app.try_login(&c2, "architekt@x.de", PASSWORD).await;
    assert_eq!(r.headers()["location"], "/anmelden/zweiter-faktor");
    // Switched off with a code of the next step (the set-up used this one).
    let spaeter = plankammer_storage::now_millis() + 30_000;
    let r = c
        .post(format!("{}/konto/zweiter-faktor/abschalten", app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", &totp::code(&geheimnis, spaeter)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let c3 = app.client();
    let r = app.try_login(&c3, "architekt@x.de", PASSWORD).await;
    assert_eq!(r.headers()["location"], "/start");
}

/// A person invited as staff into an authority that requires the factor sets it up before
/// the first session, as at any login.
#[tokio::test]
async fn invited_staff_set_up_the_factor_before_their_first_session() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.db.zweiter_faktor_pflicht_jetzt(t, true).await.unwrap();
    let admin = app.user(t, "admin@x.de", Role::Admin).await;
    let admin = plankammer_verfahren::Akteur::aus(&app.db.member(admin, t).await.unwrap());
    app.verfahren
        .zugang_einladen(
            &admin,
            &plankammer_verfahren::zugang::NeueEinladung {
                email: "neu@x.de",
                name: "Nora Neu",
                rolle: Role::Bauaufsicht,
            },
        )
        .await
        .unwrap();
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = 'neu@x.de' AND kind = 'einladung_behoerde'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let start = body.find("/zugang/").unwrap();
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let c = app.client();
    let (_, seite) = text(&c, format!("{}{link}", app.url)).await;
    let csrf = csrf_from(&seite).unwrap();
    let r = c
        .post(format!("{}{link}", app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "Nora Neu"),
            ("passwort", "Tulpen im Februar, 7 Stück"),
            ("passwort_wiederholung", "Tulpen im Februar, 7 Stück"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/anmelden/zweiter-faktor");
    assert!(!eingeloggt(&app, &c).await, "no session before the factor");
    let (geheimnis, _) = plankammer_tests::zweiter_faktor_einrichten_at(&c, &app.url).await;
    assert_eq!(geheimnis.len(), totp::GEHEIMNIS_BYTES);
    assert!(eingeloggt(&app, &c).await);
}
