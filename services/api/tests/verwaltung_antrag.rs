//! The tenant admin's pages for the Antrag data: the checklists per procedure (a new
//! version per save, drafts follow at once) and the Aktenzeichen format with its preview.
//! Only the tenant's Admin reaches them; another tenant's admin sees and changes only its own.

use chrono::Datelike;
use plankammer_domain::Role;
use plankammer_domain::antrag::Angaben;
use plankammer_domain::verfahren::{Anforderung, Checkliste, Verfahrensart, standard_checkliste};
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::TestApp;
use plankammer_tests::welt::Welt as Grundwelt;
use reqwest::Client;

/// The page as text, with the entities minijinja writes in attributes decoded.
async fn get(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    (status, html.replace("&#x2f;", "/").replace("&amp;", "&"))
}

/// Status, `Location` (on a redirect) and body of a form POST.
async fn post<T: serde::Serialize + ?Sized>(
    c: &Client,
    url: String,
    form: &T,
) -> (u16, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    let html = r.text().await.unwrap();
    (
        status,
        location,
        html.replace("&#x2f;", "/").replace("&amp;", "&"),
    )
}

fn art(a: &Anforderung) -> (&'static str, String) {
    match a {
        Anforderung::Pflicht => ("pflicht", String::new()),
        Anforderung::Bedingt(b) => ("bedingt", b.clone()),
        Anforderung::BeiBedarf => ("bei_bedarf", String::new()),
        Anforderung::Spaeter(z) => ("spaeter", z.clone()),
    }
}

/// The editor's form as the browser sends it for `c`, unchanged.
fn formular(csrf: &str, basis: i64, c: &Checkliste) -> Vec<(String, String)> {
    let mut f = vec![
        ("_csrf".to_string(), csrf.to_string()),
        ("basis".into(), basis.to_string()),
        ("aktion".into(), "speichern".into()),
        ("neu_code".into(), String::new()),
        ("neu_art".into(), "pflicht".into()),
        ("neu_text".into(), String::new()),
    ];
    for (i, p) in c.positionen.iter().enumerate() {
        let (a, t) = art(&p.anforderung);
        f.push((format!("code_{i}"), p.anlageart.clone()));
        f.push((format!("art_{i}"), a.into()));
        f.push((format!("text_{i}"), t));
    }
    f
}

/// Sets the value of a field (first occurrence) or adds it.
fn setze(f: &mut Vec<(String, String)>, name: &str, wert: &str) {
    match f.iter_mut().find(|(k, _)| k == name) {
        Some(x) => x.1 = wert.to_string(),
        None => f.push((name.to_string(), wert.to_string())),
    }
}

/// The form field suffix of a code in `formular(…, c)`.
fn index(c: &Checkliste, code: &str) -> usize {
    c.positionen
        .iter()
        .position(|p| p.anlageart == code)
        .unwrap_or_else(|| panic!("{code} not in the list"))
}

/// The `<tr>` of one checklist row in a page.
fn zeile<'a>(html: &'a str, code: &str) -> Option<&'a str> {
    let start = html.find(&format!("data-anlageart=\"{code}\""))?;
    let ende = html[start..].find("</tr>")? + start;
    Some(&html[start..ende])
}

async fn gespeichert(app: &TestApp, tenant: i64, verfahren: &str) -> Option<(i64, Checkliste)> {
    let verfahren = Verfahrensart::from_slug(verfahren).unwrap();
    app.db
        .checkliste(tenant, verfahren)
        .await
        .unwrap()
        .map(|(v, json)| (v, Checkliste::aus_json(&json).unwrap()))
}

async fn audits(app: &TestApp, tenant: i64, action: &str) -> Vec<serde_json::Value> {
    app.db
        .audit_entries(tenant, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.detail)
        .collect()
}

struct Welt {
    app: TestApp,
    tenant: i64,
    andere: i64,
    entwurf: i64,
}

/// The shared fixture's people (admin, architect and case worker of `kreis-a`), an admin of
/// `kreis-b`, and a draft of the architect in the vereinfachtes Verfahren without documents.
async fn welt() -> Welt {
    let g = Grundwelt::neu().await;
    g.app
        .user(g.fremder_tenant, "fremd-admin@example.org", Role::Admin)
        .await;
    let now = now_millis();
    let v = g
        .app
        .db
        .create_vorgang(g.tenant, g.architektin, "Neubau Einfamilienhaus", now)
        .await
        .unwrap();
    let mut tx = g.app.db.begin().await.unwrap();
    Db::setze_angaben(
        &mut tx,
        v.id,
        "Neubau Einfamilienhaus",
        Verfahrensart::VereinfachtesVerfahren,
        &Angaben::default(),
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Welt {
        tenant: g.tenant,
        andere: g.fremder_tenant,
        entwurf: v.id,
        app: g.app,
    }
}

#[tokio::test]
async fn an_admin_edits_a_checklist_and_drafts_follow() {
    let w = welt().await;
    let app = &w.app;
    let v = Verfahrensart::VereinfachtesVerfahren;
    let editor = format!("{}/verwaltung/checklisten/vereinfacht", app.url);
    let fragment = format!("{}/vorgaenge/{}/checkliste", app.url, w.entwurf);
    let (arch, _) = app.login("architektin@example.org").await;
    let (s, html) = get(&arch, fragment.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert!(zeile(&html, "2201").is_some(), "default lists 2201");
    assert!(zeile(&html, "2001").unwrap().contains("Pflicht"));

    let (admin, csrf) = app.login("admin@example.org").await;
    let (s, html) = get(&admin, format!("{}/verwaltung/checklisten", app.url)).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(html.matches("Standard (Version 1)").count(), 4, "{html}");
    assert!(
        html.contains("href=\"/verwaltung/checklisten\""),
        "nav entry"
    );
    assert!(
        html.contains("href=\"/verwaltung/aktenzeichen\""),
        "nav entry"
    );
    let (s, html) = get(&admin, editor.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Standard (Version 1)"));
    assert!(zeile(&html, "2201").is_some());
    assert!(html.contains("noch nicht bearbeitet"), "no versions yet");

    // Version 1: Grundrisse only as needed, 2201 and 2801 removed.
    let standard = standard_checkliste(v);
    let mut f = formular(&csrf, 0, &standard);
    setze(
        &mut f,
        &format!("art_{}", index(&standard, "2001")),
        "bei_bedarf",
    );
    setze(
        &mut f,
        &format!("entfernen_{}", index(&standard, "2201")),
        "1",
    );
    setze(
        &mut f,
        &format!("entfernen_{}", index(&standard, "2801")),
        "1",
    );
    let (s, location, html) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(
        location,
        "/verwaltung/checklisten/vereinfacht?gespeichert=1"
    );
    let (version, v1) = gespeichert(app, w.tenant, "vereinfacht").await.unwrap();
    assert_eq!(version, 1);
    assert_eq!(v1.positionen.len(), standard.positionen.len() - 2);
    assert_eq!(
        v1.position("2001").unwrap().anforderung,
        Anforderung::BeiBedarf
    );
    assert_eq!(
        v1.position("2001").unwrap().hinweis.as_deref(),
        Some("Maßstab 1:100"),
        "the note of a row is kept"
    );
    assert!(v1.position("2201").is_none() && v1.position("2801").is_none());

    // Version 2: the Standsicherheitsnachweis added as Pflicht.
    let mut f = formular(&csrf, 1, &v1);
    setze(&mut f, "neu_code", "2801");
    setze(&mut f, "neu_art", "pflicht");
    let (s, location, html) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(
        location,
        "/verwaltung/checklisten/vereinfacht?gespeichert=2"
    );
    let (version, v2) = gespeichert(app, w.tenant, "vereinfacht").await.unwrap();
    assert_eq!(version, 2);
    assert_eq!(
        v2.position("2801").unwrap().anforderung,
        Anforderung::Pflicht
    );

    let (s, html) = get(&admin, format!("{editor}?gespeichert=2")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Version 2 ist gespeichert"), "{html}");
    assert!(html.contains("data-version=\"1\"") && html.contains("data-version=\"2\""));
    assert!(html.contains("Person admin@example.org"), "who saved it");
    let (_, html) = get(&admin, format!("{}/verwaltung/checklisten", app.url)).await;
    assert_eq!(html.matches("Standard (Version 1)").count(), 3);
    assert!(html.contains("Version 2"));

    // The draft's live checklist follows at once.
    let (_, html) = get(&arch, fragment.clone()).await;
    assert!(zeile(&html, "2201").is_none(), "{html}");
    assert!(zeile(&html, "2001").unwrap().contains("bei Bedarf"));
    let z = zeile(&html, "2801").unwrap();
    assert!(z.contains("Pflicht") && z.contains("fehlt"), "{z}");
    assert!(html.contains("Es fehlt eine Pflichtunterlage: Standsicherheitsnachweis."));

    // A form built on an older version is not stored over a newer one.
    let (s, _, html) = post(&admin, editor.clone(), &formular(&csrf, 1, &v1)).await;
    assert_eq!(s, 409);
    assert!(html.contains("inzwischen geändert"), "{html}");
    // An unchanged form stores nothing.
    let (s, location, _) = post(&admin, editor.clone(), &formular(&csrf, 2, &v2)).await;
    assert_eq!(
        (s, location.as_str()),
        (303, "/verwaltung/checklisten/vereinfacht?unveraendert=1")
    );
    assert_eq!(
        gespeichert(app, w.tenant, "vereinfacht").await.unwrap().0,
        2
    );

    // Back to the default, as version 3; the earlier versions stay.
    let (s, location, _) = post(
        &admin,
        editor.clone(),
        &[("_csrf", csrf.as_str()), ("aktion", "standard")],
    )
    .await;
    assert_eq!(
        (s, location.as_str()),
        (303, "/verwaltung/checklisten/vereinfacht?gespeichert=3")
    );
    let (version, v3) = gespeichert(app, w.tenant, "vereinfacht").await.unwrap();
    assert_eq!((version, &v3), (3, &standard));
    let (_, html) = get(&arch, fragment).await;
    assert!(zeile(&html, "2201").is_some());
    let (_, html) = get(&admin, editor).await;
    assert_eq!(html.matches("data-testid=\"version\"").count(), 3);

    let gespeicherte = audits(app, w.tenant, "checkliste.speichern").await;
    assert_eq!(gespeicherte.len(), 2);
    assert!(
        gespeicherte
            .iter()
            .any(|d| d["version"] == 1 && d["verfahren"] == "vereinfacht")
    );
    assert!(gespeicherte.iter().any(|d| d["version"] == 2));
    let zurueck = audits(app, w.tenant, "checkliste.zuruecksetzen").await;
    assert_eq!(zurueck.len(), 1);
    assert_eq!(zurueck[0]["version"], 3);
    assert!(
        !zurueck[0].to_string().contains("example.org"),
        "no personal data"
    );
}

#[tokio::test]
async fn invalid_checklists_are_refused_with_german_reasons() {
    let w = welt().await;
    let app = &w.app;
    let editor = format!("{}/verwaltung/checklisten/vereinfacht", app.url);
    let standard = standard_checkliste(Verfahrensart::VereinfachtesVerfahren);
    let (admin, csrf) = app.login("admin@example.org").await;

    // An Anlageart the code list does not know (9999 is in it: "Weitere Anlage").
    let mut f = formular(&csrf, 0, &standard);
    setze(&mut f, "neu_code", "9998");
    let (s, _, html) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Die Anlageart „9998“ gibt es in der Codeliste der Anlagen (XBau) nicht."),
        "{html}"
    );
    assert!(html.contains("nicht gespeichert"));

    // A second row for an Anlageart already on the list, and one of an alternative.
    let mut f = formular(&csrf, 0, &standard);
    setze(&mut f, "neu_code", "2001");
    let (s, _, html) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Die Anlageart „2001“ (Grundrisse) steht mehrfach in der Checkliste."),
        "{html}"
    );
    let mut f = formular(&csrf, 0, &standard);
    setze(&mut f, "neu_code", "0402");
    let (s, _, html) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("„0402“") && html.contains("mehrfach"),
        "{html}"
    );
    let mut f = formular(&csrf, 0, &standard);
    f.push(("code_99".into(), "2002".into()));
    f.push(("art_99".into(), "pflicht".into()));
    let (s, _, html) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("„2002“") && html.contains("mehrfach"),
        "{html}"
    );

    // A condition without its text; a requirement that does not exist.
    let i = index(&standard, "2001");
    let mut f = formular(&csrf, 0, &standard);
    setze(&mut f, &format!("art_{i}"), "bedingt");
    let (s, _, html) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Für die Anlageart „2001“ fehlt die Bedingung"),
        "{html}"
    );
    assert!(
        html.contains(&format!("name=\"art_{i}\""))
            && html.contains("<option value=\"bedingt\" selected>"),
        "the entered rows are shown again"
    );
    let mut f = formular(&csrf, 0, &standard);
    setze(
        &mut f,
        &format!("art_{}", index(&standard, "2001")),
        "irgendwann",
    );
    let (s, _, html) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Bitte wählen Sie für die Anlageart „2001“"),
        "{html}"
    );

    assert_eq!(
        gespeichert(app, w.tenant, "vereinfacht").await,
        None,
        "nothing stored"
    );
    assert!(
        audits(app, w.tenant, "checkliste.speichern")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn only_the_tenants_admin_reaches_the_pages() {
    let w = welt().await;
    let app = &w.app;
    let editor = format!("{}/verwaltung/checklisten/vereinfacht", app.url);
    let standard = standard_checkliste(Verfahrensart::VereinfachtesVerfahren);

    for email in ["architektin@example.org", "sachbearbeiter@example.org"] {
        let (c, csrf) = app.login(email).await;
        for url in [
            format!("{}/verwaltung/checklisten", app.url),
            editor.clone(),
            format!("{}/verwaltung/aktenzeichen", app.url),
        ] {
            let (s, _) = get(&c, url.clone()).await;
            assert_eq!(s, 403, "{email} GET {url}");
        }
        let (s, _, _) = post(&c, editor.clone(), &formular(&csrf, 0, &standard)).await;
        assert_eq!(s, 403, "{email}");
        let (s, _, _) = post(
            &c,
            format!("{}/verwaltung/aktenzeichen", app.url),
            &[
                ("_csrf", csrf.as_str()),
                ("format", "{nummer}-{jahr}"),
                ("kuerzel", "X"),
            ],
        )
        .await;
        assert_eq!(s, 403, "{email}");
        let (_, start) = get(&c, format!("{}/start", app.url)).await;
        assert!(
            !start.contains("/verwaltung/checklisten"),
            "no nav entry for {email}"
        );
    }
    assert_eq!(gespeichert(app, w.tenant, "vereinfacht").await, None);

    let (admin, csrf) = app.login("admin@example.org").await;
    let (s, _) = get(
        &admin,
        format!("{}/verwaltung/checklisten/unbekannt", app.url),
    )
    .await;
    assert_eq!(s, 404);
    let mut f = formular(&csrf, 0, &standard);
    setze(
        &mut f,
        &format!("entfernen_{}", index(&standard, "2201")),
        "1",
    );
    let (s, _, _) = post(&admin, editor.clone(), &f).await;
    assert_eq!(s, 303);
    let (_, eigene) = gespeichert(app, w.tenant, "vereinfacht").await.unwrap();

    // The other tenant's admin sees its own default, and its change stays its own.
    let (fremd, csrf) = app.login("fremd-admin@example.org").await;
    let (s, html) = get(&fremd, editor.clone()).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Standard (Version 1)") && zeile(&html, "2201").is_some(),
        "{html}"
    );
    assert!(!html.contains("data-testid=\"version\""));
    let (_, html) = get(&fremd, format!("{}/verwaltung/checklisten", app.url)).await;
    assert_eq!(html.matches("Standard (Version 1)").count(), 4);
    let mut f = formular(&csrf, 0, &standard);
    setze(
        &mut f,
        &format!("entfernen_{}", index(&standard, "2001")),
        "1",
    );
    let (s, location, _) = post(&fremd, editor.clone(), &f).await;
    assert_eq!(
        (s, location.as_str()),
        (303, "/verwaltung/checklisten/vereinfacht?gespeichert=1")
    );
    let (version, liste) = gespeichert(app, w.tenant, "vereinfacht").await.unwrap();
    assert_eq!((version, liste), (1, eigene), "tenant A unchanged");
    let (_, b) = gespeichert(app, w.andere, "vereinfacht").await.unwrap();
    assert!(b.position("2001").is_none() && b.position("2201").is_some());
    assert!(audits(app, w.tenant, "checkliste.speichern").await.len() == 1);
}

/// What a submission does: take the next number and build the Aktenzeichen from the
/// tenant's format (as `einreichen` does, in one transaction).
async fn nimm(app: &TestApp, tenant: i64, jahr: i64) -> String {
    let mut tx = app.db.begin().await.unwrap();
    let az = Db::naechstes_aktenzeichen(&mut tx, tenant, jahr)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    az.to_string()
}

#[tokio::test]
async fn the_aktenzeichen_format_is_validated_previewed_and_used() {
    let w = welt().await;
    let app = &w.app;
    let jahr = i64::from(heute_berlin().year());
    let seite = format!("{}/verwaltung/aktenzeichen", app.url);
    let (admin, csrf) = app.login("admin@example.org").await;

    let (s, html) = get(&admin, seite.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains(&format!("BA-{jahr}-00001")), "{html}");
    assert!(html.contains("nie wieder vergeben"));
    assert!(html.contains("bestehende Aktenzeichen bleiben unverändert"));

    // A submission takes number 1; looking at the page takes none.
    assert_eq!(nimm(app, w.tenant, jahr).await, format!("BA-{jahr}-00001"));
    get(&admin, seite.clone()).await;
    let (_, html) = get(&admin, seite.clone()).await;
    assert!(html.contains(&format!("BA-{jahr}-00002")), "{html}");

    // Refused: no running number, no year, too long, a bad short name, an unknown field.
    let lang = format!("{{jahr}}-{{nummer}}-{}", "x".repeat(60));
    for (format, kuerzel, meldung) in [
        ("{kuerzel}-{jahr}", "BA", "laufende Nummer"),
        ("{kuerzel}-{nummer}", "BA", "das Jahr enthalten"),
        (lang.as_str(), "BA", "höchstens 60 Zeichen"),
        (
            "{kuerzel}-{jahr}-{nummer}",
            "B A",
            "Kürzel muss 1 bis 20 Zeichen",
        ),
        (
            "{kuerzel}-{jahr}-{nummer}",
            "",
            "Kürzel muss 1 bis 20 Zeichen",
        ),
        (
            "{amt}-{jahr}-{nummer}",
            "BA",
            "Den Platzhalter „{amt}“ gibt es nicht.",
        ),
    ] {
        let (s, _, html) = post(
            &admin,
            seite.clone(),
            &[
                ("_csrf", csrf.as_str()),
                ("format", format),
                ("kuerzel", kuerzel),
                ("aktion", "speichern"),
            ],
        )
        .await;
        assert_eq!(s, 422, "{format} {kuerzel}");
        assert!(html.contains(meldung), "{format} {kuerzel}: {html}");
        assert!(html.contains("nicht gespeichert"));
    }
    assert!(
        audits(app, w.tenant, "aktenzeichen.format")
            .await
            .is_empty()
    );

    // The live preview shows what a format would give, and stores nothing.
    let (s, html) = get(
        &admin,
        format!("{seite}?format=X%2F{{nummer}}%2F{{jahr}}&kuerzel=Q"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("X/2/{jahr}")), "{html}");
    let (_, html) = get(&admin, format!("{seite}?format=X-{{jahr}}&kuerzel=Q")).await;
    assert!(html.contains("Vorschau nicht möglich") && html.contains("laufende Nummer"));
    // Without JavaScript: the "Vorschau" button.
    let (s, _, html) = post(
        &admin,
        seite.clone(),
        &[
            ("_csrf", csrf.as_str()),
            ("format", "{kuerzel}/{jahr}/{nummer:3}"),
            ("kuerzel", "Q"),
            ("aktion", "vorschau"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("Q/{jahr}/002")), "{html}");
    assert!(
        audits(app, w.tenant, "aktenzeichen.format")
            .await
            .is_empty()
    );

    let (s, location, html) = post(
        &admin,
        seite.clone(),
        &[
            ("_csrf", csrf.as_str()),
            ("format", " 63/{nummer:4}/{jahr} "),
            ("kuerzel", "BAK"),
        ],
    )
    .await;
    assert_eq!(
        (s, location.as_str()),
        (303, "/verwaltung/aktenzeichen?gespeichert=1"),
        "{html}"
    );
    let (_, html) = get(&admin, format!("{}{location}", app.url)).await;
    assert!(html.contains("Das Format ist gespeichert"));
    assert!(html.contains(&format!("63/0002/{jahr}")), "{html}");

    // The next submission uses it, with the next number (1 is never given again).
    assert_eq!(nimm(app, w.tenant, jahr).await, format!("63/0002/{jahr}"));
    let a = audits(app, w.tenant, "aktenzeichen.format").await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["format"], "63/{nummer:4}/{jahr}");
    assert_eq!(a[0]["vorher_format"], "{kuerzel}-{jahr}-{nummer:5}");

    // The other tenant keeps its own format.
    let (fremd, _) = app.login("fremd-admin@example.org").await;
    let (_, html) = get(&fremd, seite).await;
    assert!(html.contains(&format!("BA-{jahr}-00001")), "{html}");
}
