//! The tenant admin's page for the Stellen of the Beteiligung: own Stellen are created,
//! changed and staffed with the tenant's Fachstelle accounts; Land-wide ones are listed but
//! not changed; nobody else reaches the page, and another tenant's Stelle is 404.

use plankammer_domain::Role;
use plankammer_storage::now_millis;
use plankammer_tests::spawn_app;
use reqwest::Client;

async fn get(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap().replace("&#x2f;", "/"))
}

async fn post(c: &Client, url: String, form: &[(&str, &str)]) -> (u16, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let body = r.text().await.unwrap();
    (status, location.unwrap_or(body))
}

#[tokio::test]
async fn the_admin_creates_changes_and_staffs_own_stellen_only() {
    let app = spawn_app().await;
    let t = app.tenant("kreis").await;
    let andere = app.tenant("andere").await;
    app.user(t, "admin@example.org", Role::Admin).await;
    app.user(t, "ba@example.org", Role::Bauaufsicht).await;
    let fs = app.user(t, "fs@example.org", Role::Fachstelle).await;
    let arch = app.user(t, "arch@example.org", Role::Antragsteller).await;
    let fremd_fs = app
        .user(andere, "fremd-fs@example.org", Role::Fachstelle)
        .await;
    app.user(andere, "fremd-admin@example.org", Role::Admin)
        .await;
    let land = app
        .db
        .lege_stelle_an(
            None,
            "Landesamt für Denkmalpflege",
            "Denkmalschutz",
            None,
            now_millis(),
        )
        .await
        .unwrap();
    let (admin, csrf) = app.login("admin@example.org").await;
    let url = format!("{}/verwaltung/stellen", app.url);

    let (s, html) = get(&admin, url.clone()).await;
    assert_eq!(s, 200);
    assert!(html.contains("keine-stellen") && html.contains("Landesamt für Denkmalpflege"));

    // Hostile and empty input: German messages, nothing stored.
    for (form, meldung) in [
        (vec![("name", "  ")], "Namen der Stelle"),
        (vec![("name", &*"x".repeat(201))], "höchstens 200 Zeichen"),
        (
            vec![("name", "Gemeinde"), ("gemeinde", "99999999")],
            "Gemeinde aus der Liste",
        ),
        (vec![("name", "A\u{1b}[31m")], "Steuerzeichen"),
    ] {
        let mut f = vec![("_csrf", csrf.as_str())];
        f.extend(form);
        let (s, body) = post(&admin, url.clone(), &f).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains(meldung), "{meldung}: {body}");
    }
    assert_eq!(
        app.db.stellen_fuer(t).await.unwrap().len(),
        1,
        "only the Land-wide one"
    );

    let (s, loc) = post(
        &admin,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("name", "Gemeinde Kassel"),
            ("rechtsbereich", "Planungsrecht"),
            ("gemeinde", "06611000"),
        ],
    )
    .await;
    assert_eq!((s, loc.as_str()), (303, "/verwaltung/stellen?ok=angelegt"));
    let stelle = app
        .db
        .stellen_fuer(t)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.tenant_id == Some(t))
        .unwrap();
    assert_eq!(stelle.gemeinde_ags.as_deref(), Some("06611000"));

    // Members: only the tenant's own Fachstelle accounts.
    let mitglieder = format!("{url}/{}/mitglieder", stelle.id);
    for uid in [arch, fremd_fs, 999_999] {
        let (s, _) = post(
            &admin,
            mitglieder.clone(),
            &[("_csrf", &csrf), ("user_id", &uid.to_string())],
        )
        .await;
        assert_eq!(s, 422, "user {uid}");
    }
    let (s, _) = post(
        &admin,
        mitglieder.clone(),
        &[("_csrf", &csrf), ("user_id", &fs.to_string())],
    )
    .await;
    assert_eq!(s, 303);
    assert!(app.db.ist_stellenmitglied(stelle.id, fs).await.unwrap());
    let (_, html) = get(&admin, url.clone()).await;
    assert!(
        html.contains("Person fs@example.org") || html.contains("fs@example.org"),
        "{html}"
    );

    // Changing: the own Stelle yes, the Land-wide one no.
    let (s, _) = post(
        &admin,
        format!("{url}/{}", stelle.id),
        &[
            ("_csrf", &csrf),
            ("name", "Stadt Kassel (Einvernehmen)"),
            ("rechtsbereich", ""),
            ("gemeinde", "06611000"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(
        app.db.stelle(stelle.id).await.unwrap().name,
        "Stadt Kassel (Einvernehmen)"
    );
    let (s, _) = post(
        &admin,
        format!("{url}/{land}"),
        &[("_csrf", &csrf), ("name", "Übernommen")],
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = post(
        &admin,
        format!("{url}/{land}/mitglieder"),
        &[("_csrf", &csrf), ("user_id", &fs.to_string())],
    )
    .await;
    assert_eq!(s, 404);

    // Another tenant's admin cannot touch it; the Bauaufsicht does not reach the page.
    let (fremd, fcsrf) = app.login("fremd-admin@example.org").await;
    let (s, _) = post(
        &fremd,
        format!("{mitglieder}/{fs}/entfernen"),
        &[("_csrf", &fcsrf)],
    )
    .await;
    assert_eq!(s, 404);
    let (_, html) = get(&fremd, url.clone()).await;
    assert!(!html.contains("Kassel (Einvernehmen)"));
    let (ba, _) = app.login("ba@example.org").await;
    assert_eq!(get(&ba, url.clone()).await.0, 403);
    assert!(app.db.ist_stellenmitglied(stelle.id, fs).await.unwrap());

    let (s, _) = post(
        &admin,
        format!("{mitglieder}/{fs}/entfernen"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 303);
    assert!(
        app.db
            .stellenmitglieder(stelle.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Every change is in the audit log.
    let aktionen: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE object_type = 'stelle' ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        aktionen,
        [
            "stelle.angelegt",
            "stelle.mitglied_hinzugefuegt",
            "stelle.geaendert",
            "stelle.mitglied_entfernt"
        ]
    );
}
