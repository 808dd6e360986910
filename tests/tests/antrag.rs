//! The architect's Online-Antragsassistent end to end over HTTP: Angaben, live checklist,
//! invitation of the Bauherrschaft, Freizeichnung, submission (Aktenzeichen, Fassung 1,
//! Eingangsbestätigung), access of strangers, and the Nachreichung.
//!
//! The document pipeline is not running in this process (its stages run in the sandbox of
//! the real binary, see tests/e2e/pipeline.rs): the test finishes the stage jobs of the
//! uploaded versions in the database, which is what a worker leaves behind.

use plankammer_domain::Role;
use plankammer_domain::codeliste;
use plankammer_tests::{TestApp, csrf_from, repo_root, spawn_app};
use reqwest::Client;

fn plan(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("sample-plans/einfamilienhaus").join(name)).expect("sample plan")
}

async fn hochladen(
    app: &TestApp,
    c: &Client,
    csrf: &str,
    id: i64,
    datei: &str,
    anlageart: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .text("anlageart", anlageart.to_string())
        .part(
            "datei",
            reqwest::multipart::Part::bytes(plan(datei))
                .file_name(datei.to_string())
                .mime_str("application/pdf")
                .unwrap(),
        );
    c.post(format!("{}/vorgaenge/{id}/dokumente", app.url))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn get(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(c: &Client, url: String, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
    let r = c.post(url).form(form).send().await.unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (r.status().as_u16(), r.text().await.unwrap(), loc)
}

async fn mails_an(app: &TestApp, an: &str) -> Vec<(String, String, String)> {
    sqlx::query_as::<_, (String, String, String)>(
        "SELECT kind, subject, body_text FROM outbox WHERE recipient = $1 ORDER BY id",
    )
    .bind(an)
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

fn angaben<'a>(csrf: &'a str, ags: &'a str, massnahme: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("verfahren", "vereinfacht"),
        ("bezeichnung", "Neubau Einfamilienhaus mit Garage"),
        ("massnahme", massnahme),
        ("gebaeudeklasse", ""),
        ("strasse", "Lindenweg"),
        ("hausnummer", "7"),
        ("plz", "64283"),
        ("ort", "Darmstadt"),
        ("gemeinde", ags),
        ("gemarkung", "Bessungen"),
        ("flur", "3"),
        ("flurstuecke", "112/3, 112/4"),
        ("bh_name", "Berta Bauherrin"),
        ("bh_anschrift", "Am Markt 1, 64283 Darmstadt"),
        ("bh_email", "berta@x.de"),
        ("ev_name", "Anna Architektin"),
        ("ev_kammer", "AKH Hessen"),
        ("ev_nummer", "A-4711"),
    ]
}

#[tokio::test]
async fn the_architect_prepares_the_bauherrschaft_signs_and_the_application_is_submitted() {
    let app = spawn_app().await;
    let t = app.tenant("darmstadt").await;
    let arch_id = app.user(t, "anna@x.de", Role::Antragsteller).await;
    app.user(t, "fremd@x.de", Role::Antragsteller).await;
    app.user(t, "ba@x.de", Role::Bauaufsicht).await;
    let (c, csrf) = app.login("anna@x.de").await;

    // The form offers the four procedures and prefills the architect from the account.
    let (s, page) = get(&c, format!("{}/vorgaenge/neu", app.url)).await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("§ 65 HBO") && page.contains("§ 76 HBO"));
    assert!(page.contains("Person anna@x.de"));

    let massnahme = codeliste::baumassnahmearten().eintraege[0].code.clone();
    let ags = codeliste::suche_gemeinde("Darmstadt")[0].code.clone();
    let (s, page, _) = post(
        &c,
        format!("{}/vorgaenge/neu", app.url),
        &angaben(&csrf, "06999999", &massnahme),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        page.contains("gehört zu keiner hessischen Gemeinde"),
        "{page}"
    );

    let (s, _, loc) = post(
        &c,
        format!("{}/vorgaenge/neu", app.url),
        &angaben(&csrf, &ags, &massnahme),
    )
    .await;
    assert_eq!(s, 303);
    let id: i64 = loc
        .unwrap()
        .trim_start_matches("/vorgaenge/")
        .parse()
        .unwrap();
    let a = app.db.antrag(id).await.unwrap();
    assert_eq!(a.verfahren.map(|v| v.slug()), Some("vereinfacht"));
    assert_eq!(a.gemeinde_ags.as_deref(), Some(ags.as_str()));
    assert_eq!(
        serde_json::to_value(&a.angaben.as_ref().unwrap().grundstueck.flurstuecke).unwrap(),
        serde_json::json!(["112/3", "112/4"])
    );
    // Once only: Kammer and Mitgliedsnummer are in the profile for the next case.
    assert_eq!(
        app.db.profil(arch_id).await.unwrap()["mitgliedsnummer"],
        "A-4711"
    );
    let (_, neu) = get(&c, format!("{}/vorgaenge/neu", app.url)).await;
    assert!(neu.contains("A-4711") && neu.contains("aus früherem Antrag übernehmen"));

    // The tenant's checklist for the simplified procedure (per-tenant data).
    let positionen: Vec<serde_json::Value> =
        ["1101", "1803", "2001", "2002", "2003", "1502", "2301"]
            .iter()
            .map(|a| serde_json::json!({"anlageart": a, "anforderung": {"art": "pflicht"}}))
            .collect();
    let liste =
        serde_json::json!({ "version": 1, "verfahren": "vereinfacht", "positionen": positionen });
    app.db
        .speichere_checkliste(
            t,
            plankammer_domain::verfahren::Verfahrensart::VereinfachtesVerfahren,
            &liste.to_string(),
            None,
            plankammer_storage::now_millis(),
        )
        .await
        .unwrap();

    for (datei, art) in [
        ("01_Lageplan.pdf", "1803"),
        ("03_Grundriss_EG.pdf", "2001"),
        ("06_Schnitt_A-A.pdf", "2002"),
        ("07_Ansichten.pdf", "2003"),
        ("08_Baubeschreibung.pdf", "1502"),
        ("09_Stellplatznachweis.pdf", "2301"),
    ] {
        let r = hochladen(&app, &c, &csrf, id, datei, art).await;
        assert_eq!(r.status(), 200, "{datei}: {}", r.text().await.unwrap());
    }
    // While the checks run, the checklist polls and blocks.
    let (_, frag) = get(&c, format!("{}/vorgaenge/{id}/checkliste", app.url)).await;
    assert!(
        frag.contains("hx-get=\"/vorgaenge/") && frag.contains("wird noch geprüft"),
        "{frag}"
    );
    plankammer_tests::welt::pipeline_fertig(&app, id).await;
    // A scan's full text for search, still queued behind all other work, holds nothing up.
    let version: i64 =
        sqlx::query_scalar("SELECT id FROM dokument_versionen WHERE vorgang_id = $1 LIMIT 1")
            .bind(id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    plankammer_storage::Db::enqueue_stufe_mit(
        &mut tx,
        version,
        t,
        "volltext",
        serde_json::json!({ "seiten": [{ "nummer": 1, "drehung": 0 }] }),
        plankammer_storage::now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, frag) = get(&c, format!("{}/vorgaenge/{id}/checkliste", app.url)).await;
    assert!(!frag.contains("hx-get="), "done: no more polling");
    assert!(frag.contains("data-anlageart=\"2001\" data-vorhanden=\"ja\""));
    assert!(frag.contains("data-anlageart=\"1101\" data-vorhanden=\"nein\""));
    assert!(frag.contains("data-darf-einreichen=\"nein\""));
    let (s, page, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/einreichen", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        page.contains("Es fehlt eine Pflichtunterlage: Antragsformular")
            || page.contains("Es fehlt eine Pflichtunterlage"),
        "{page}"
    );
    assert!(page.contains("Bauherrschaft ein"), "{page}");

    // The same file again (under another type) is a duplicate: refused, naming the
    // document it already is; nothing is stored.
    let vorher = app.db.dokumente(id).await.unwrap().len();
    let r = hochladen(&app, &c, &csrf, id, "08_Baubeschreibung.pdf", "1101").await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Diese Datei ist bereits als „08_Baubeschreibung“ hochgeladen."),
        "{page}"
    );
    assert_eq!(app.db.dokumente(id).await.unwrap().len(), vorher);
    let r = hochladen(&app, &c, &csrf, id, "02_Grundriss_KG.pdf", "1101").await;
    assert_eq!(r.status(), 200);
    plankammer_tests::welt::pipeline_fertig(&app, id).await;

    // Confirming (or correcting) a document's type: only codes of the XBau list.
    let did: i64 =
        sqlx::query_scalar("SELECT id FROM dokumente WHERE vorgang_id = $1 AND anlageart = '1101'")
            .bind(id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let typ_url = format!("{}/vorgaenge/{id}/dokumente/{did}/anlageart", app.url);
    let (s, page, _) = post(
        &c,
        typ_url.clone(),
        &[("_csrf", &csrf), ("anlageart", "9998")],
    )
    .await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains("anlagen_3.0"), "{page}");
    let (s, _, _) = post(
        &c,
        typ_url.clone(),
        &[("_csrf", &csrf), ("anlageart", "1502")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(
        app.db
            .dokument_anlageart(did)
            .await
            .unwrap()
            .map(|a| a.code().to_string())
            .as_deref(),
        Some("1502")
    );
    let (s, _, _) = post(
        &c,
        typ_url.clone(),
        &[("_csrf", &csrf), ("anlageart", "1101")],
    )
    .await;
    assert_eq!(s, 303);

    // Invite the Bauherrschaft: the mail carries the one-time link.
    let (s, _, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/beteiligte", app.url),
        &[
            ("_csrf", &csrf),
            ("name", "Berta Bauherrin"),
            ("email", "berta@x.de"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, page, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/beteiligte", app.url),
        &[
            ("_csrf", &csrf),
            ("name", "Berta Bauherrin"),
            ("email", "berta@x.de"),
        ],
    )
    .await;
    assert_eq!(s, 409);
    assert!(page.contains("bereits eingeladen"));
    let mails = mails_an(&app, "berta@x.de").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].0, "einladung_bauherrschaft");
    let body = &mails[0].2;
    let start = body.find("/einladung/").expect("link in mail") + "/einladung/".len();
    let secret: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let (s, page, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/einreichen", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("noch nicht angenommen"), "{page}");

    // Berta opens the link, creates her account and sees the case.
    let b = app.client();
    let (s, page) = get(&b, format!("{}/einladung/{secret}", app.url)).await;
    assert_eq!(s, 200);
    assert!(page.contains("Neubau Einfamilienhaus mit Garage") && page.contains("berta@x.de"));
    let anon = csrf_from(&page).unwrap();
    let (s, page, _) = post(
        &b,
        format!("{}/einladung/{secret}", app.url),
        &[
            ("_csrf", &anon),
            ("name", "Berta Bauherrin"),
            ("passwort", "kurz"),
            ("passwort_wiederholung", "kurz"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("mindestens 12 Zeichen"));
    let pw = "ein-langes-passwort-fuer-die-freizeichnung";
    let (s, _, loc) = post(
        &b,
        format!("{}/einladung/{secret}", app.url),
        &[
            ("_csrf", &anon),
            ("name", "Berta Bauherrin"),
            ("passwort", pw),
            ("passwort_wiederholung", pw),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(loc.as_deref(), Some(format!("/vorgaenge/{id}").as_str()));
    let (s, page) = get(&b, format!("{}/vorgaenge/{id}", app.url)).await;
    assert_eq!(s, 200, "the Bauherrschaft sees the case");
    assert!(page.contains("Antrag freizeichnen"));
    let (s, _) = get(&b, format!("{}/einladung/{secret}", app.url)).await;
    assert_eq!(s, 404, "the link is used up");
    // The Bauherrschaft may not submit, only sign.
    let b_csrf = csrf_from(&page).unwrap();
    let (s, _, _) = post(
        &b,
        format!("{}/vorgaenge/{id}/einreichen", app.url),
        &[("_csrf", &b_csrf)],
    )
    .await;
    assert_eq!(s, 403);
    let (s, _, _) = post(
        &b,
        format!("{}/vorgaenge/{id}/freizeichnen", app.url),
        &[("_csrf", &b_csrf)],
    )
    .await;
    assert_eq!(s, 303);
    assert!(
        mails_an(&app, "anna@x.de")
            .await
            .iter()
            .any(|m| m.1.contains("Antrag freigezeichnet")),
        "the owner hears of the Freizeichnung"
    );

    // Submit.
    let (s, page, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/einreichen", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 303, "{page}");
    let a = app.db.antrag(id).await.unwrap();
    assert_eq!(a.zustand, "eingegangen");
    let az = a.aktenzeichen.clone().unwrap();
    let jahr = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(az.as_str(), format!("BA-{jahr}-00001"));
    let fassungen = app.db.fassungen(id).await.unwrap();
    assert_eq!(fassungen.len(), 1);
    assert_eq!(fassungen[0].nummer, 1);
    let docs = app.db.fassung_dokumente(fassungen[0].id).await.unwrap();
    assert_eq!(docs.len(), 7);
    for an in ["anna@x.de", "berta@x.de"] {
        assert!(
            mails_an(&app, an)
                .await
                .iter()
                .any(|m| m.1.starts_with("Eingangsbestätigung") && m.2.contains(az.as_str())),
            "Eingangsbestätigung to {an}"
        );
    }
    let (_, page) = get(&c, format!("{}/vorgaenge/{id}", app.url)).await;
    assert!(page.contains("data-testid=\"eingangsbestaetigung\"") && page.contains(az.as_str()));
    assert!(page.contains(&docs[0].sha256));
    // The status in words; its portal code (14) is for machines only.
    assert!(page.contains("Eingegangen") && !page.contains("14 – "));
    assert!(page.contains("data-art=\"einreichen\""));

    let (s, page, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/einreichen", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 409);
    assert!(page.contains("bereits eingereicht"), "{page}");
    // Submitted: no more uploads (nor type changes) until documents are requested.
    let r = hochladen(&app, &c, &csrf, id, "07_Ansichten.pdf", "2003").await;
    assert_eq!(r.status(), 409);
    let (s, _, _) = post(
        &c,
        typ_url.clone(),
        &[("_csrf", &csrf), ("anlageart", "1502")],
    )
    .await;
    assert_eq!(s, 409);

    // Strangers see nothing; the Bauaufsicht gets the way to the formelle Prüfung.
    let (f, _) = app.login("fremd@x.de").await;
    assert_eq!(get(&f, format!("{}/vorgaenge/{id}", app.url)).await.0, 404);
    assert_eq!(
        get(&f, format!("{}/vorgaenge/{id}/checkliste", app.url))
            .await
            .0,
        404
    );
    let (ba, _) = app.login("ba@x.de").await;
    let (s, page) = get(&ba, format!("{}/vorgaenge/{id}", app.url)).await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("/vorgaenge/{id}/pruefung")));

    // Nachreichung (the Nachforderung itself is the Bauaufsicht's page; set it here).
    sqlx::query("UPDATE vorgaenge SET zustand = 'nachforderung' WHERE id = $1")
        .bind(id)
        .execute(app.db.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO fristen (vorgang_id, art, rechtsgrundlage, start, ende, erklaerung, zustand, created_at, geaendert_at) \
         VALUES ($1, 'nachforderung', '§ 70 Abs. 2 HBO', '2026-01-01', '2099-01-31', 'Test', 'laeuft', 0, 0)",
    )
    .bind(id)
    .execute(app.db.pool())
    .await
    .unwrap();
    let (_, page) = get(&c, format!("{}/vorgaenge/{id}", app.url)).await;
    assert!(
        page.contains("Nachreichung abschließen") && page.contains("Frist für die Nachreichung")
    );
    let r = hochladen(&app, &c, &csrf, id, "04_Grundriss_OG.pdf", "2001").await;
    assert_eq!(r.status(), 200);
    // Replace one plan: a new version of an existing document, from the page's form.
    let ersetzen = docs[1].dokument_id;
    assert!(page.contains(&format!("name=\"dokument\" value=\"{ersetzen}\"")));
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .text("dokument", ersetzen.to_string())
        .part(
            "datei",
            reqwest::multipart::Part::bytes(plan("14_Kurven_Schnitt_A-A.pdf"))
                .file_name("Schnitt_Index_B.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = c
        .post(format!("{}/vorgaenge/{id}/dokumente", app.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Someone else's document id is refused and stores nothing new.
    let fremd = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .text("dokument", "999999")
        .part(
            "datei",
            reqwest::multipart::Part::bytes(plan("01_Lageplan.pdf"))
                .file_name("x.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = c
        .post(format!("{}/vorgaenge/{id}/dokumente", app.url))
        .multipart(fremd)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    plankammer_tests::welt::pipeline_fertig(&app, id).await;
    let entfernen = docs[0].dokument_id;
    let (s, _, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/dokumente/{entfernen}/entfernen", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 303);
    // New and withdrawn plans change the Vorhaben: the Bauherrschaft must sign again before
    // the Nachreichung (docs/decisions/0006-freizeichnung.md); both sides were told once.
    let (s, page, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/nachreichen", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 409, "{page}");
    assert!(page.contains("erneut freizeichnen"), "{page}");
    for an in ["anna@x.de", "berta@x.de"] {
        assert_eq!(
            mails_an(&app, an)
                .await
                .iter()
                .filter(|m| m.2.contains("erneut freizeichnen"))
                .count(),
            1,
            "{an} is asked once"
        );
    }
    let (s, _, _) = post(
        &b,
        format!("{}/vorgaenge/{id}/freizeichnen", app.url),
        &[("_csrf", &b_csrf)],
    )
    .await;
    assert_eq!(s, 303);
    let (s, page, _) = post(
        &c,
        format!("{}/vorgaenge/{id}/nachreichen", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 303, "{page}");
    assert_eq!(app.db.antrag(id).await.unwrap().zustand, "nachgereicht");
    let fassungen = app.db.fassungen(id).await.unwrap();
    assert_eq!(fassungen.len(), 2);
    let zwei = app.db.fassung_dokumente(fassungen[1].id).await.unwrap();
    assert_eq!(zwei.len(), 7, "one withdrawn, one added");
    assert!(!zwei.iter().any(|d| d.dokument_id == entfernen));
    let ersetzt = zwei.iter().find(|d| d.dokument_id == ersetzen).unwrap();
    assert_eq!(
        ersetzt.version_nummer, 2,
        "the replaced plan is in Fassung 2 in version 2"
    );
    assert_eq!(ersetzt.dateiname, "Schnitt_Index_B.pdf");
    assert_eq!(
        app.db
            .fassung_dokumente(fassungen[0].id)
            .await
            .unwrap()
            .len(),
        7,
        "Fassung 1 unchanged"
    );
    assert!(
        app.db
            .fristen(id)
            .await
            .unwrap()
            .iter()
            .all(|f| f.zustand == "erledigt")
    );
    assert!(
        mails_an(&app, "ba@x.de")
            .await
            .iter()
            .any(|m| m.1.contains("Unterlagen nachgereicht"))
    );
}

/// An invited person who already has an applicant account signs in and accepts: the case is
/// theirs to see (the membership is read before the transaction, so this works on SQLite's
/// single connection too).
#[tokio::test]
async fn an_existing_account_accepts_an_invitation() {
    let app = spawn_app().await;
    let t = app.tenant("kreis").await;
    let owner = app
        .user(t, "architektin@example.org", Role::Antragsteller)
        .await;
    app.user(t, "bestand@example.org", Role::Antragsteller)
        .await;
    let v = app
        .db
        .create_vorgang(t, owner, "Anbau Carport", plankammer_storage::now_millis())
        .await
        .unwrap();
    let secret = "einladung-fuer-bestand-0123456789";
    let mut tx = app.db.begin().await.unwrap();
    plankammer_storage::Db::lade_beteiligten_ein(
        &mut tx,
        v.id,
        "bestand@example.org",
        "Bernd Bestand",
        &plankammer_storage::sha256_hex(secret),
        plankammer_storage::now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (c, csrf) = app.login("bestand@example.org").await;
    let (s, _) = get(&c, format!("{}/vorgaenge/{}", app.url, v.id)).await;
    assert_eq!(s, 404, "not before accepting");
    let (s, page) = get(&c, format!("{}/einladung/{secret}", app.url)).await;
    assert_eq!(s, 200, "{page}");
    let (s, _, loc) = post(
        &c,
        format!("{}/einladung/{secret}/annehmen", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(
        loc.as_deref(),
        Some(format!("/vorgaenge/{}", v.id).as_str())
    );
    let (s, _) = get(&c, format!("{}/vorgaenge/{}", app.url, v.id)).await;
    assert_eq!(s, 200, "accepted: the case is visible");
}
