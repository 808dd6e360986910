//! The Fachstelle's side of the Beteiligung over HTTP: the inbox, the request page (opening
//! moves the request to "in Bearbeitung"), the plan viewer with anchored comments and
//! replies, the Rückfrage and its answer (with Hemmung), the Stellungnahme with
//! Nebenbestimmungen, its correction, a late one and the Bauaufsicht's decision on it, the
//! close of the Beteiligung — and the access rule as a matrix of routes × roles. Attachments
//! (Anlagen) of a Stellungnahme: upload with hostile input, removal, the frozen list of a
//! submitted Stellungnahme and of its correction, and who may read them.

use bytes::Bytes;
use chrono::Days;
use plankammer_domain::Role;
use plankammer_domain::aktenzeichen::Aktenzeichen;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::beteiligung::{BeteiligungsZustand, Rolle, Schweigefolge, Zustimmung};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::beteiligung::NeueBeteiligung;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::pdf::a4_salted;
use plankammer_tests::welt;
use plankammer_tests::{TestApp, spawn_app, spawn_app_with};
use reqwest::Client;

/// The fixture's people (kreis-a with architect, case worker and admin; kreis-b), two
/// Stellen of kreis-a with a member each, a Stelle of kreis-b with its member, and a complete
/// case with two plans.
struct Welt {
    basis: welt::Welt,
    fall: i64,
    /// Stelle A (Brandschutz): asked over HTTP for all documents.
    stelle_a: i64,
    /// Stelle B (Naturschutz): asked through the store, for the Lageplan only.
    stelle_b: i64,
    lageplan: i64,
    grundriss: i64,
    /// Version ids in Fassung 1.
    v_lageplan: i64,
    v_grundriss: i64,
}

impl std::ops::Deref for Welt {
    type Target = welt::Welt;
    fn deref(&self) -> &welt::Welt {
        &self.basis
    }
}

/// Where an uploaded version goes: tenant, case, uploader.
#[derive(Clone, Copy)]
struct Ziel {
    tenant: i64,
    vorgang: i64,
    owner: i64,
}

/// Uploads a PDF of `seiten` pages as a new document (or a new version of `dokument`);
/// returns (document id, version id).
async fn version(
    app: &TestApp,
    z: Ziel,
    dokument: Option<i64>,
    (name, art): (&str, &str),
    seiten: usize,
    salt: &str,
) -> (i64, i64) {
    let Ziel {
        tenant,
        vorgang,
        owner,
    } = z;
    let pdf = a4_salted(seiten, salt);
    let blob = app.blobs.put_bytes(Bytes::from(pdf)).await.unwrap();
    let anlageart = Anlageart::parse(art).unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let v = Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: vorgang,
            tenant_id: tenant,
            dokument_id: dokument,
            bezeichnung: name,
            anlageart: Some(&anlageart),
            sha256: &blob.sha256,
            groesse: blob.size as i64,
            dateiname: &format!("{}.pdf", name.to_lowercase()),
            user_id: owner,
        },
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (v.dokument_id, v.id)
}

async fn welt() -> Welt {
    welt_mit(spawn_app().await).await
}

async fn welt_mit(app: TestApp) -> Welt {
    let basis = welt::Welt::mit(app).await;
    let app = &basis.app;
    let tenant = basis.tenant;
    let owner = basis.architektin;
    let stelle_a = basis
        .stelle("Brandschutzdienststelle", "brandschutz@example.org", None)
        .await
        .id;
    let stelle_b = basis
        .stelle("Untere Naturschutzbehörde", "naturschutz@example.org", None)
        .await
        .id;
    let andere = basis.fremder_tenant;
    let fremd_fach = app
        .user(andere, "fremdstelle@example.org", Role::Fachstelle)
        .await;
    let now = now_millis();
    let stelle_fremd = app
        .db
        .lege_stelle_an(Some(andere), "Fremde Stelle", "Naturschutz", None, now)
        .await
        .unwrap();
    app.db
        .fuege_stellenmitglied_hinzu(stelle_fremd, fremd_fach)
        .await
        .unwrap();

    let v = app
        .db
        .create_vorgang(tenant, owner, "Neubau Wohnhaus mit Garage", now)
        .await
        .unwrap();
    // Complete Angaben; the Bauherrschaft's name must never reach a Stelle.
    let mut g = welt::angaben(
        Verfahrensart::VereinfachtesVerfahren,
        "06611000",
        "Neubau Wohnhaus mit Garage",
    )
    .pruefe()
    .unwrap();
    g.angaben.bauherrschaft.name = "Erika Geheimname".into();
    g.angaben.bauherrschaft.anschrift = "Privatweg 1".into();
    let mut tx = app.db.begin().await.unwrap();
    Db::setze_angaben(
        &mut tx,
        v.id,
        "Neubau Wohnhaus mit Garage",
        g.verfahren,
        &g.angaben,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let ziel = Ziel {
        tenant,
        vorgang: v.id,
        owner,
    };
    let (lageplan, v_lageplan) = version(app, ziel, None, ("Lageplan", "1803"), 1, "lp").await;
    let (grundriss, v_grundriss) = version(app, ziel, None, ("Grundriss", "2001"), 2, "gr").await;
    let mut tx = app.db.begin().await.unwrap();
    Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, Zustand::Eingegangen, now)
        .await
        .unwrap();
    Db::setze_eingereicht(
        &mut tx,
        v.id,
        &Aktenzeichen::parse("BA-2026-00001").unwrap(),
        now,
    )
    .await
    .unwrap();
    Db::friere_fassung(&mut tx, v.id, owner, now).await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        v.id,
        Zustand::Eingegangen,
        Zustand::Vollstaendig,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Welt {
        basis,
        fall: v.id,
        stelle_a,
        stelle_b,
        lageplan,
        grundriss,
        v_lageplan,
        v_grundriss,
    }
}

async fn get(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    (
        status,
        html.replace("&#x2f;", "/")
            .replace("&amp;", "&")
            .replace("&quot;", "\""),
    )
}

async fn post(c: &Client, url: String, form: &[(&str, &str)]) -> (u16, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    (
        r.status().as_u16(),
        r.text().await.unwrap().replace("&#x2f;", "/"),
    )
}

/// The Bauaufsicht asks Stelle A over HTTP (the case moves to "beteiligung"); Stelle B is
/// asked through the store for the Lageplan only, with a deadline `b_ende`.
async fn anfragen(w: &Welt, b_ende: chrono::NaiveDate) -> (i64, i64) {
    let app = &w.app;
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let a = w.stelle_a.to_string();
    let (s, body) = post(
        &ba,
        format!("{}/vorgaenge/{}/beteiligung", app.url, w.fall),
        &[
            ("_csrf", &csrf),
            ("stelle", &a),
            (&format!("rolle_{a}"), "2"),
            (&format!("notiz_{a}"), "Bitte Zufahrt prüfen"),
        ],
    )
    .await;
    assert!(s == 303 || s == 200, "{s} {body}");
    let bid_a = app.db.beteiligungen(w.fall).await.unwrap()[0].id;
    let fassung = app.db.fassungen(w.fall).await.unwrap()[0].id;
    let start = heute_berlin() - Days::new(40);
    let ba_user = w.bauaufsicht;
    let mut tx = app.db.begin().await.unwrap();
    let bid_b = Db::frage_stelle_an(
        &mut tx,
        &NeueBeteiligung {
            vorgang_id: w.fall,
            stelle_id: w.stelle_b,
            rolle: Rolle::Zustaendig,
            rechtsbereich: "Naturschutz",
            notiz: "",
            umfang: Some(&[w.lageplan]),
            fassung_id: Some(fassung),
            start,
            ende: b_ende,
            rechtsgrundlage: "§ 70 Abs. 1 HBO",
            erklaerung: "Ein Monat.",
            behoerdlich_gesetzt: false,
            schweigefolge: Schweigefolge::ZustimmungFingiert,
            user_id: ba_user,
        },
        now_millis() - 1000,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (bid_a, bid_b)
}

async fn mails_an(app: &TestApp, an: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT subject, body_text FROM outbox WHERE recipient = $1 ORDER BY id")
        .bind(an)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_fachstelle_works_through_its_request_from_inbox_to_stellungnahme() {
    let w = welt().await;
    let app = &w.app;
    let gestern = heute_berlin() - Days::new(1);
    let (bid, bid_b) = anfragen(&w, gestern).await;

    // Inbox: the request with Aktenzeichen, Vorhaben, Stelle, role, state and days left.
    let (fa, csrf) = app.login("brandschutz@example.org").await;
    let (s, html) = get(&fa, format!("{}/start", app.url)).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("data-testid=\"fachstelle-eingang\""),
        "{html}"
    );
    assert_eq!(
        html.matches("data-testid=\"anfrage-zeile\"").count(),
        1,
        "only its own Stelle's request"
    );
    assert!(html.contains("BA-2026-00001") && html.contains("Neubau Wohnhaus mit Garage"));
    assert!(html.contains("Sachverständige Stelle") && html.contains("Angefragt"));
    assert!(html.contains("data-testid=\"resttage\""), "{html}");
    assert!(!html.contains("Untere Naturschutzbehörde"));

    // Opening the request moves it to "in Bearbeitung" once, with a timeline entry.
    let (s, html) = get(&fa, format!("{}/beteiligungen/{bid}", app.url)).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(
        app.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::InBearbeitung
    );
    assert!(html.contains("Bitte Zufahrt prüfen") && html.contains("Lindenweg 12"));
    assert!(html.contains("Flurstück 123/4"));
    assert!(
        !html.contains("Erika Geheimname") && !html.contains("Anna Architektin"),
        "no personal data beyond the request"
    );
    assert!(
        html.contains("gilt ihre Zustimmung als erteilt"),
        "consequence of silence"
    );
    assert_eq!(html.matches("data-testid=\"dokument\"").count(), 2);
    get(&fa, format!("{}/beteiligungen/{bid}", app.url)).await;
    let ev = app.db.ereignisse(w.fall).await.unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| e.art == Eintragsart::BeteiligungGeoeffnet)
            .count(),
        1
    );

    // The viewer and the PDF (audited).
    let viewer = format!("{}/beteiligungen/{bid}/plan/{}", app.url, w.v_grundriss);
    let (s, html) = get(&fa, viewer.clone()).await;
    assert_eq!(s, 200, "{html}");
    for id in [
        "id=\"plan-canvas\"",
        "id=\"planansicht-seite\"",
        "id=\"kommentar-form\"",
        "/static/planansicht.js",
    ] {
        assert!(html.contains(id), "{id}");
    }
    assert!(html.contains(&format!(
        "data-pdf=\"/api/v1/versions/{}/download\"",
        w.v_grundriss
    )));
    let r = fa
        .get(format!(
            "{}/api/v1/versions/{}/download",
            app.url, w.v_grundriss
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    let audit = app.db.audit_entries(w.tenant, 100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "dokument.lesen"
        && e.object_id.as_deref() == Some(&*w.v_grundriss.to_string())));

    // Comments: coordinates outside 0..1, NaN, no text → 422 with a German message.
    for (x, y, text, erwartet) in [
        ("1.5", "0.5", "Zu nah", "zwischen 0 und 1"),
        ("NaN", "0.5", "Zu nah", "keine gültige Zahl"),
        ("0.5", "abc", "Zu nah", "keine Zahl"),
        ("0.5", "0.5", " ", "schreiben Sie"),
    ] {
        let (s, html) = post(
            &fa,
            viewer.clone(),
            &[
                ("_csrf", &csrf),
                ("seite", "1"),
                ("x", x),
                ("y", y),
                ("text", text),
            ],
        )
        .await;
        assert_eq!(s, 422, "{x} {y}");
        assert!(html.contains(erwartet), "{erwartet}: {html}");
    }
    assert!(app.db.kommentare(w.v_grundriss).await.unwrap().is_empty());
    let (s, _) = post(
        &fa,
        viewer.clone(),
        &[
            ("_csrf", &csrf),
            ("seite", "2"),
            ("x", "0,25"),
            ("y", "0.75"),
            ("text", "Rettungsweg zu schmal"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _) = post(
        &fa,
        viewer.clone(),
        &[
            ("_csrf", &csrf),
            ("seite", "1"),
            ("x", "0.1"),
            ("y", "0.2"),
            ("w", "0.3"),
            ("h", "0.1"),
            ("text", "Brandwand fehlt"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let k = app.db.kommentare(w.v_grundriss).await.unwrap();
    assert_eq!(k.len(), 2);
    assert_eq!((k[0].seite, k[0].x, k[0].y, k[0].w), (2, 0.25, 0.75, None));
    assert_eq!(
        (k[1].w, k[1].h, k[1].stelle_id),
        (Some(0.3), Some(0.1), Some(w.stelle_a))
    );

    // The Bauaufsicht sees both and replies; Stelle A sees the reply; Stelle B sees nothing
    // of A until the Bauaufsicht allows it.
    let (ba, ba_csrf) = app.login("sachbearbeiter@example.org").await;
    let ba_viewer = format!("{}/vorgaenge/{}/plan/{}", app.url, w.fall, w.v_grundriss);
    let (s, html) = get(&ba, ba_viewer.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("data-testid=\"kommentar\"").count(), 2);
    let wurzel = k[0].id.to_string();
    let (s, _) = post(
        &ba,
        ba_viewer.clone(),
        &[
            ("_csrf", &ba_csrf),
            ("antwort_auf", &wurzel),
            ("text", "Wird nachgefordert"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (_, html) = get(&fa, viewer.clone()).await;
    assert!(
        html.contains("Wird nachgefordert") && html.contains("data-testid=\"antwort\""),
        "{html}"
    );
    let (fb, fb_csrf) = app.login("naturschutz@example.org").await;
    let viewer_b = format!("{}/beteiligungen/{bid_b}/plan/{}", app.url, w.v_lageplan);
    let (s, _) = post(
        &fa,
        format!("{}/beteiligungen/{bid}/plan/{}", app.url, w.v_lageplan),
        &[
            ("_csrf", &csrf),
            ("seite", "1"),
            ("x", "0.5"),
            ("y", "0.5"),
            ("text", "Zufahrt Feuerwehr"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, html) = get(&fb, viewer_b.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        !html.contains("Zufahrt Feuerwehr"),
        "other Stelle's comment hidden"
    );
    let (s, _) = post(
        &ba,
        format!("{}/beteiligungen/{bid_b}/sichtbarkeit", app.url),
        &[("_csrf", &ba_csrf), ("sichtbar", "1")],
    )
    .await;
    assert_eq!(s, 303);
    let (_, html) = get(&fb, viewer_b.clone()).await;
    assert!(html.contains("Zufahrt Feuerwehr"), "visible once allowed");
    let (_, html) = get(&fb, format!("{}/beteiligungen/{bid_b}", app.url)).await;
    assert_eq!(
        html.matches("data-testid=\"dokument\"").count(),
        1,
        "only the Lageplan is in scope"
    );

    // Rückfrage: empty → 422; then asked, state "rueckfrage", the Bauaufsicht mailed; a second
    // one waits for the answer.
    let rf = format!("{}/beteiligungen/{bid}/rueckfragen", app.url);
    let (s, html) = post(&fa, rf.clone(), &[("_csrf", &csrf), ("frage", "  ")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("formulieren Sie Ihre Rückfrage"));
    let lang = "x".repeat(4001);
    let (s, _) = post(&fa, rf.clone(), &[("_csrf", &csrf), ("frage", &lang)]).await;
    assert_eq!(s, 422);
    let (s, _) = post(
        &fa,
        rf.clone(),
        &[
            ("_csrf", &csrf),
            ("frage", "Gibt es eine Feuerwehrzufahrt?"),
            ("an_antragsteller", "1"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(
        app.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::Rueckfrage
    );
    let (s, html) = post(&fa, rf.clone(), &[("_csrf", &csrf), ("frage", "Noch eine")]).await;
    assert_eq!(s, 409, "{html}");
    assert!(
        mails_an(app, "sachbearbeiter@example.org")
            .await
            .iter()
            .any(|(t, _)| t.contains("Rückfrage der Stelle Brandschutzdienststelle"))
    );
    let r = app.db.rueckfragen(bid).await.unwrap();
    assert_eq!(r.len(), 1);
    assert!(r[0].an_antragsteller && !r[0].hemmt_frist);

    // The Bauaufsicht passes it on, then answers (suspending the deadline: same day, so the
    // end stays); the request is "in Bearbeitung" again and the Stelle is mailed.
    let (s, html) = get(&ba, format!("{}/vorgaenge/{}/beteiligung", app.url, w.fall)).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Gibt es eine Feuerwehrzufahrt?")
            && html.contains("data-testid=\"antwort-formular\""),
        "{html}"
    );
    let rid = r[0].id;
    let (s, _) = post(
        &ba,
        format!(
            "{}/beteiligungen/{bid}/rueckfragen/{rid}/weitergeben",
            app.url
        ),
        &[("_csrf", &ba_csrf)],
    )
    .await;
    assert_eq!(s, 303);
    assert!(
        mails_an(app, "architektin@example.org")
            .await
            .iter()
            .any(|(_, b)| b.contains("Gibt es eine Feuerwehrzufahrt?"))
    );
    let antwort = format!("{}/beteiligungen/{bid}/rueckfragen/{rid}/antwort", app.url);
    let (s, _) = post(
        &ba,
        antwort.clone(),
        &[("_csrf", &ba_csrf), ("antwort", "")],
    )
    .await;
    assert_eq!(s, 422);
    let ende_vorher = app.db.beteiligung(bid).await.unwrap().ende;
    let (s, _) = post(
        &ba,
        antwort.clone(),
        &[
            ("_csrf", &ba_csrf),
            ("antwort", "Ja, über den Lindenweg."),
            ("hemmt_frist", "1"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _) = post(&ba, antwort, &[("_csrf", &ba_csrf), ("antwort", "Nochmal")]).await;
    assert_eq!(s, 409);
    let b = app.db.beteiligung(bid).await.unwrap();
    assert_eq!(b.zustand, BeteiligungsZustand::InBearbeitung);
    assert_eq!(b.ende, ende_vorher, "answered the same day: nothing to add");
    assert!(app.db.rueckfragen(bid).await.unwrap()[0].hemmt_frist);
    assert!(
        mails_an(app, "brandschutz@example.org")
            .await
            .iter()
            .any(|(t, _)| t.contains("Antwort auf Ihre Rückfrage"))
    );
    let (_, html) = get(&fa, format!("{}/beteiligungen/{bid}", app.url)).await;
    assert!(html.contains("Ja, über den Lindenweg."));

    // Stellungnahme: refused with clear messages; "weitere Zeile" adds a row without JS;
    // with two Nebenbestimmungen it is accepted.
    let sn = format!("{}/beteiligungen/{bid}/stellungnahme", app.url);
    let (s, html) = get(&fa, sn.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("data-testid=\"nb-zeile\"").count(), 2);
    assert!(html.contains(">Auflage<") && html.contains(">Bedingung<"));
    let (s, html) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("tenor", "Zustimmung"),
            ("zustimmung", "mit_nebenbestimmungen"),
            ("nb_art_1", "4"),
            ("nb_text_1", "Nur ein Hinweis"),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("mindestens eine Nebenbestimmung"), "{html}");
    assert!(html.contains("Nur ein Hinweis"), "input kept");
    let (s, html) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("tenor", ""),
            ("zustimmung", "nein"),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Tenor") && html.contains("begründen Sie"),
        "{html}"
    );
    let (s, html) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("tenor", "T"),
            ("nb_text_1", "a"),
            ("nb_text_2", "b"),
            ("aktion", "zeile"),
        ],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("data-testid=\"nb-zeile\"").count(), 3);
    let zuviel = format!("nb_text_{}", 201);
    let (s, html) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("tenor", "T"),
            (&zuviel, "x"),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("höchstens 200 Nebenbestimmungen"));
    let langer = "y".repeat(4001);
    let (s, html) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("tenor", "T"),
            ("zustimmung", "mit_nebenbestimmungen"),
            ("nb_art_1", "2"),
            ("nb_text_1", "ok"),
            ("nb_begruendung_1", &langer),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("Begründung ist zu lang"));
    assert!(app.db.stellungnahmen(bid).await.unwrap().is_empty());
    let (s, body) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("tenor", "Zustimmung unter Auflagen"),
            ("zustimmung", "mit_nebenbestimmungen"),
            ("nb_art_1", "2"),
            ("nb_text_1", "Rauchwarnmelder in allen Aufenthaltsräumen"),
            ("nb_begruendung_1", "§ 14 HBO"),
            ("nb_art_2", "1"),
            ("nb_text_2", "Feuerwehrzufahrt vor Baubeginn herstellen"),
            ("nb_begruendung_2", "Erreichbarkeit"),
            ("nb_art_3", "2"),
            ("nb_text_3", ""),
            ("nb_begruendung_3", ""),
            ("begruendung", "Brandschutz ist mit den Auflagen gewahrt."),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let st = app.db.stellungnahmen(bid).await.unwrap();
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].zustimmung, Zustimmung::MitNebenbestimmungen);
    assert!(!st[0].verspaetet);
    let nb = &st[0].nebenbestimmungen;
    assert_eq!(nb.len(), 2, "empty row dropped");
    assert_eq!(
        (Some(nb[0].art.as_str()), Some(nb[1].art.as_str())),
        (Some("2"), Some("1"))
    );
    assert_eq!(nb[1].begruendung, "Erreichbarkeit");
    assert_eq!(
        app.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::StellungnahmeAbgegeben
    );
    assert!(
        app.db
            .ereignisse(w.fall)
            .await
            .unwrap()
            .iter()
            .any(|e| e.art == Eintragsart::StellungnahmeAbgegeben
                && e.text.contains("2 Nebenbestimmungen"))
    );
    assert!(
        mails_an(app, "sachbearbeiter@example.org")
            .await
            .iter()
            .any(|(t, _)| t.contains("Stellungnahme der Stelle Brandschutzdienststelle"))
    );
    assert_eq!(
        app.db.antrag(w.fall).await.unwrap().zustand,
        Zustand::Beteiligung,
        "Stelle B is still open"
    );

    // A second statement is refused; a correction supersedes, both kept and shown.
    let (s, html) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("tenor", "Nochmal"),
            ("zustimmung", "ja"),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 409, "{html}");
    let (s, _) = get(&fa, sn.clone()).await;
    assert_eq!(s, 303, "the form leads to the correction");
    let alt = st[0].id.to_string();
    let (s, html) = get(&fa, format!("{sn}?ersetzt={alt}")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Rauchwarnmelder in allen Aufenthaltsräumen"),
        "prefilled"
    );
    let (s, body) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("ersetzt", &alt),
            ("tenor", "Zustimmung ohne Auflagen"),
            ("zustimmung", "ja"),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let (s, _) = post(
        &fa,
        sn.clone(),
        &[
            ("_csrf", &csrf),
            ("ersetzt", &alt),
            ("tenor", "Dritte"),
            ("zustimmung", "ja"),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 409, "the superseded one cannot be corrected again");
    let st = app.db.stellungnahmen(bid).await.unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(st[1].ersetzt_id, Some(st[0].id));
    let (_, html) = get(&fa, format!("{}/beteiligungen/{bid}", app.url)).await;
    assert_eq!(html.matches("data-testid=\"stellungnahme\"").count(), 2);
    assert!(html.contains("data-testid=\"ersetzt\""));

    // Stelle B states its view after its deadline: accepted, flagged late; the Beteiligung
    // closes (status 09); the Bauaufsicht decides to consider it, on the timeline.
    let sn_b = format!("{}/beteiligungen/{bid_b}/stellungnahme", app.url);
    let (s, html) = get(&fb, sn_b.clone()).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-testid=\"hinweis-verspaetet\""));
    let (s, body) = post(
        &fb,
        sn_b,
        &[
            ("_csrf", &fb_csrf),
            ("tenor", "Keine Bedenken"),
            ("zustimmung", "ja"),
            ("nb_art_1", "4"),
            ("nb_text_1", "Brutzeiten beachten"),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let sb = app.db.stellungnahmen(bid_b).await.unwrap();
    assert!(sb[0].verspaetet && sb[0].beruecksichtigt.is_none());
    let a = app.db.antrag(w.fall).await.unwrap();
    assert_eq!(a.zustand, Zustand::BeteiligungAbgeschlossen);
    assert!(
        app.db
            .ereignisse(w.fall)
            .await
            .unwrap()
            .iter()
            .any(|e| e.status_code.as_deref() == Some("09"))
    );
    let (_, html) = get(&ba, format!("{}/vorgaenge/{}/beteiligung", app.url, w.fall)).await;
    assert!(
        html.contains("data-testid=\"entscheidung-formular\""),
        "{html}"
    );
    let ent = format!(
        "{}/beteiligungen/{bid_b}/stellungnahmen/{}/entscheidung",
        app.url, sb[0].id
    );
    let (s, _) = post(
        &ba,
        ent.clone(),
        &[("_csrf", &ba_csrf), ("beruecksichtigen", "vielleicht")],
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = post(
        &ba,
        ent.clone(),
        &[("_csrf", &ba_csrf), ("beruecksichtigen", "ja")],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _) = post(
        &ba,
        ent,
        &[("_csrf", &ba_csrf), ("beruecksichtigen", "nein")],
    )
    .await;
    assert_eq!(s, 409, "decided once");
    assert_eq!(
        app.db.stellungnahmen(bid_b).await.unwrap()[0].beruecksichtigt,
        Some(true)
    );
    assert!(
        app.db
            .ereignisse(w.fall)
            .await
            .unwrap()
            .iter()
            .any(|e| e.art == Eintragsart::StellungnahmeVerspaetetEntschieden)
    );
    let _ = w.grundriss;
}

#[tokio::test]
async fn a_rueckfrage_that_suspends_the_deadline_moves_its_end() {
    let w = welt().await;
    let app = &w.app;
    let (bid, _) = anfragen(&w, heute_berlin() + Days::new(20)).await;
    let (fa, csrf) = app.login("brandschutz@example.org").await;
    let (s, _) = post(
        &fa,
        format!("{}/beteiligungen/{bid}/rueckfragen", app.url),
        &[("_csrf", &csrf), ("frage", "Welche Bauart?")],
    )
    .await;
    assert_eq!(s, 303);
    // The question was asked five days ago.
    sqlx::query("UPDATE rueckfragen SET gestellt_at = gestellt_at - $1 WHERE beteiligung_id = $2")
        .bind(5 * 86_400_000_i64)
        .bind(bid)
        .execute(app.db.pool())
        .await
        .unwrap();
    let vorher = app.db.beteiligung(bid).await.unwrap();
    let rid = app.db.rueckfragen(bid).await.unwrap()[0].id;
    let (ba, ba_csrf) = app.login("sachbearbeiter@example.org").await;
    let (s, _) = post(
        &ba,
        format!("{}/beteiligungen/{bid}/rueckfragen/{rid}/antwort", app.url),
        &[
            ("_csrf", &ba_csrf),
            ("antwort", "Massiv"),
            ("hemmt_frist", "1"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let nachher = app.db.beteiligung(bid).await.unwrap();
    let alt = vorher.ende;
    let neu = nachher.ende;
    assert!(
        neu >= alt + Days::new(5) && neu <= alt + Days::new(9),
        "{alt} → {neu}"
    );
    assert!(plankammer_domain::frist::ist_arbeitstag(neu));
    assert!(!nachher.behoerdlich_gesetzt);
    assert!(nachher.erklaerung.contains("§ 209 BGB"));
}

/// A POST of the matrix: address, fields, the one role that may.
type Post<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);

/// Every new route × every role: the applicant, the Bauaufsicht, the asked Stelle, another
/// Stelle of the tenant (asked for another scope), the admin, and a Fachstelle and a
/// Bauaufsicht of another tenant.
#[tokio::test]
async fn access_matrix_of_the_fachstelle_routes() {
    let w = welt().await;
    let app = &w.app;
    let (bid, bid_b) = anfragen(&w, heute_berlin() + Days::new(20)).await;
    // A later Fassung (a new Grundriss version) exists but is not shared yet.
    let owner = app.db.antrag(w.fall).await.unwrap().owner_user_id;
    let (_, v_neu) = version(
        app,
        Ziel {
            tenant: w.tenant,
            vorgang: w.fall,
            owner,
        },
        Some(w.grundriss),
        ("Grundriss", "2001"),
        1,
        "gr2",
    )
    .await;
    let mut tx = app.db.begin().await.unwrap();
    let f2 = Db::friere_fassung(&mut tx, w.fall, owner, now_millis())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let rollen = [
        ("architektin@example.org", "antragsteller"),
        ("sachbearbeiter@example.org", "bauaufsicht"),
        ("brandschutz@example.org", "stelle_a"),
        ("naturschutz@example.org", "stelle_b"),
        ("admin@example.org", "admin"),
        ("fremdstelle@example.org", "fremde_stelle"),
        ("fremd@example.org", "fremde_bauaufsicht"),
    ];
    let u = &app.url;
    let (f, va, vg, vn) = (w.fall, w.v_lageplan, w.v_grundriss, v_neu);
    // (method, url, roles that get 2xx/3xx; everyone else must get 404 — or 403/401 where
    // the route is not a case route)
    let gets: Vec<(String, Vec<&str>)> = vec![
        (
            format!("{u}/beteiligungen/{bid}"),
            vec!["stelle_a", "bauaufsicht"],
        ),
        (
            format!("{u}/beteiligungen/{bid}/plan/{vg}"),
            vec!["stelle_a"],
        ),
        (
            format!("{u}/beteiligungen/{bid}/stellungnahme"),
            vec!["stelle_a"],
        ),
        (
            format!("{u}/beteiligungen/{bid_b}/plan/{va}"),
            vec!["stelle_b"],
        ),
        (format!("{u}/beteiligungen/{bid_b}/plan/{vg}"), vec![]),
        (format!("{u}/beteiligungen/{bid}/plan/{vn}"), vec![]),
        (format!("{u}/vorgaenge/{f}/plan/{vg}"), vec!["bauaufsicht"]),
        (
            format!("{u}/api/v1/versions/{vg}/download"),
            vec!["antragsteller", "bauaufsicht", "stelle_a", "admin"],
        ),
        (
            format!("{u}/api/v1/versions/{va}/download"),
            vec![
                "antragsteller",
                "bauaufsicht",
                "stelle_a",
                "stelle_b",
                "admin",
            ],
        ),
        (
            format!("{u}/api/v1/versions/{vn}/download"),
            vec!["antragsteller", "bauaufsicht", "admin"],
        ),
        (
            format!("{u}/api/v1/versions/{vg}"),
            vec!["antragsteller", "bauaufsicht", "stelle_a", "admin"],
        ),
        (
            format!("{u}/api/v1/cases/{f}/documents"),
            vec!["antragsteller", "bauaufsicht", "admin"],
        ),
        (
            format!("{u}/vorgaenge/{f}"),
            vec![
                "antragsteller",
                "bauaufsicht",
                "stelle_a",
                "stelle_b",
                "admin",
            ],
        ),
    ];
    for (email, rolle) in rollen {
        let (c, csrf) = app.login(email).await;
        for (url, erlaubt) in &gets {
            let s = c.get(url).send().await.unwrap().status().as_u16();
            if erlaubt.contains(&rolle) {
                assert!((200..400).contains(&s), "{rolle} GET {url}: {s}");
            } else {
                assert_eq!(s, 404, "{rolle} GET {url}");
            }
        }
        let posts: Vec<Post> = vec![
            (
                format!("{u}/beteiligungen/{bid}/rueckfragen"),
                vec![("frage", "Frage?")],
                "stelle_a",
            ),
            (
                format!("{u}/beteiligungen/{bid}/plan/{vg}"),
                vec![("seite", "1"), ("x", "0.5"), ("y", "0.5"), ("text", "K")],
                "stelle_a",
            ),
            (
                format!("{u}/vorgaenge/{f}/plan/{vg}"),
                vec![("seite", "1"), ("x", "0.5"), ("y", "0.5"), ("text", "K")],
                "bauaufsicht",
            ),
            (
                format!("{u}/beteiligungen/{bid_b}/sichtbarkeit"),
                vec![("sichtbar", "1")],
                "bauaufsicht",
            ),
        ];
        for (url, felder, wer) in posts {
            let mut form = vec![("_csrf", csrf.as_str())];
            form.extend(felder);
            let s = c
                .post(&url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if rolle == wer {
                assert_eq!(s, 303, "{rolle} POST {url}");
            } else {
                assert_eq!(s, 404, "{rolle} POST {url}");
            }
        }
    }
    // After the Rückfrage above the Stelle waits; the answer is the Bauaufsicht's only.
    let rid = app.db.rueckfragen(bid).await.unwrap()[0].id;
    for (email, darf) in [
        ("brandschutz@example.org", false),
        ("fremd@example.org", false),
        ("architektin@example.org", false),
        ("sachbearbeiter@example.org", true),
    ] {
        let (c, csrf) = app.login(email).await;
        let s = c
            .post(format!("{u}/beteiligungen/{bid}/rueckfragen/{rid}/antwort"))
            .form(&[("_csrf", csrf.as_str()), ("antwort", "A")])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(s, if darf { 303 } else { 404 }, "{email}");
    }

    // Sharing Fassung 2 opens its versions to Stelle A.
    let (ba, ba_csrf) = app.login("sachbearbeiter@example.org").await;
    let (s, _) = post(
        &ba,
        format!("{u}/beteiligungen/{bid}/fassung"),
        &[("_csrf", &ba_csrf), ("fassung_id", &f2.id.to_string())],
    )
    .await;
    assert_eq!(s, 303);
    let (fa, fa_csrf) = app.login("brandschutz@example.org").await;
    let s = fa
        .get(format!("{u}/api/v1/versions/{vn}/download"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(s, 200, "shared later Fassung");
    let (_, html) = get(&fa, format!("{u}/beteiligungen/{bid}")).await;
    assert!(html.contains("später freigegeben"));

    // Withdrawn after opening: still readable, no longer actionable. Withdrawn before
    // anyone opened it: nothing to read.
    let (s, _) = post(
        &ba,
        format!("{u}/beteiligungen/{bid}/zurueckziehen"),
        &[("_csrf", &ba_csrf), ("grund", "Nicht mehr nötig")],
    )
    .await;
    assert_eq!(s, 303);
    let s = fa
        .get(format!("{u}/api/v1/versions/{vg}/download"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(s, 200);
    let (s, html) = get(&fa, format!("{u}/start")).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-testid=\"zurueckgezogen\""), "{html}");
    let (s, _) = post(
        &fa,
        format!("{u}/beteiligungen/{bid}/plan/{vg}"),
        &[
            ("_csrf", &fa_csrf),
            ("seite", "1"),
            ("x", "0.5"),
            ("y", "0.5"),
            ("text", "Spät"),
        ],
    )
    .await;
    assert_eq!(s, 409);
    let (s, _) = post(
        &fa,
        format!("{u}/beteiligungen/{bid}/stellungnahme"),
        &[
            ("_csrf", &fa_csrf),
            ("tenor", "T"),
            ("zustimmung", "ja"),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 409);
    let (s, _) = post(
        &ba,
        format!("{u}/beteiligungen/{bid_b}/zurueckziehen"),
        &[("_csrf", &ba_csrf), ("grund", "Doch nicht")],
    )
    .await;
    assert_eq!(s, 303);
    let (fb, _) = app.login("naturschutz@example.org").await;
    let s = fb
        .get(format!("{u}/api/v1/versions/{va}/download"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(s, 404, "never opened, withdrawn: no access");
    let (s, html) = get(&fb, format!("{u}/beteiligungen/{bid_b}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("data-testid=\"keine-dokumente\""));
    // Both withdrawn → the Beteiligung is closed.
    assert_eq!(
        app.db.antrag(w.fall).await.unwrap().zustand,
        Zustand::BeteiligungAbgeschlossen
    );
}

#[tokio::test]
async fn pdfjs_is_served_by_plankammer_as_javascript() {
    let app = spawn_app().await;
    let c = app.client();
    for pfad in [
        "/static/pdfjs/build/pdf.min.mjs",
        "/static/pdfjs/build/pdf.worker.min.mjs",
        "/static/planansicht.js",
    ] {
        let r = c.get(format!("{}{pfad}", app.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{pfad}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.contains("javascript"), "{pfad}: {ct}");
    }
    let r = c
        .get(format!("{}/static/pdfjs/package.json", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "only the built library is exposed");
    let r = c.get(format!("{}/anmelden", app.url)).send().await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
}

/// In a real headless Chromium under the strict CSP: pdf.js renders the page, a click on
/// the plan fills the form's position, the saved comment shows as a marker that stays at
/// its place on the page when zooming.
#[tokio::test]
async fn the_viewer_renders_the_plan_and_a_click_places_a_comment() {
    let w = welt().await;
    let app = &w.app;
    let (bid, _) = anfragen(&w, heute_berlin() + Days::new(20)).await;
    let browser = plankammer_tests::browser::Browser::start(w.app.dir.path()).await;
    let c = &browser.client;
    let js = |s: &'static str| async move { c.execute(s, vec![]).await.expect("script") };
    c.goto(&format!("{}/anmelden", app.url)).await.unwrap();
    c.execute(
        "document.querySelector('[name=email]').value = arguments[0];
         document.querySelector('[name=passwort]').value = arguments[1];
         document.querySelector('[name=email]').form.submit();",
        vec![
            serde_json::json!("brandschutz@example.org"),
            serde_json::json!(plankammer_tests::PASSWORD),
        ],
    )
    .await
    .unwrap();
    let viewer = format!("{}/beteiligungen/{bid}/plan/{}", app.url, w.v_grundriss);
    plankammer_tests::wait_for("the login", std::time::Duration::from_secs(20), || async {
        let url = c.current_url().await.ok()?;
        url.path().starts_with("/start").then_some(())
    })
    .await;
    c.goto(&viewer).await.unwrap();
    plankammer_tests::wait_for(
        "pdf.js to render page 1",
        std::time::Duration::from_secs(40),
        || async {
            let z = c
                .execute(
                    "return document.getElementById('plan-status').dataset.zustand",
                    vec![],
                )
                .await
                .ok()?;
            assert_ne!(z, serde_json::json!("fehler"), "pdf.js failed");
            (z == serde_json::json!("bereit")).then_some(())
        },
    )
    .await;
    assert_eq!(
        js("return document.getElementById('planansicht-seiten').textContent").await,
        serde_json::json!("2")
    );
    let breite =
        js("return document.getElementById('plan-canvas').getBoundingClientRect().width").await;
    assert!(breite.as_f64().unwrap() > 100.0, "{breite}");
    // Next page, then a click in the middle of the page.
    js("document.getElementById('seite-vor').click()").await;
    plankammer_tests::wait_for("page 2", std::time::Duration::from_secs(20), || async {
        let s = c
            .execute(
                "return document.getElementById('planansicht-seite').textContent",
                vec![],
            )
            .await
            .ok()?;
        (s == serde_json::json!("2")).then_some(())
    })
    .await;
    js("const c = document.getElementById('plan-canvas'); const r = c.getBoundingClientRect();
        const o = { clientX: r.left + r.width * 0.5, clientY: r.top + r.height * 0.25, bubbles: true };
        c.dispatchEvent(new PointerEvent('pointerdown', o)); c.dispatchEvent(new PointerEvent('pointerup', o));")
    .await;
    let x: f64 = js("return document.getElementById('kommentar-x').value")
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let y: f64 = js("return document.getElementById('kommentar-y').value")
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((x - 0.5).abs() < 0.01 && (y - 0.25).abs() < 0.01, "{x} {y}");
    assert_eq!(
        js("return document.getElementById('kommentar-seite').value").await,
        serde_json::json!("2")
    );
    js("document.getElementById('kommentar-text').value = 'Treppe prüfen'; document.getElementById('kommentar-form').requestSubmit();").await;
    plankammer_tests::wait_for(
        "the comment",
        std::time::Duration::from_secs(20),
        || async {
            let k = app.db.kommentare(w.v_grundriss).await.ok()?;
            (!k.is_empty()).then_some(k)
        },
    )
    .await;
    let k = app.db.kommentare(w.v_grundriss).await.unwrap();
    assert_eq!((k[0].seite, k[0].text.as_str()), (2, "Treppe prüfen"));
    // After the reload: page 2 again, with the marker at the same place at any zoom.
    let mitte = || async {
        plankammer_tests::wait_for("the marker", std::time::Duration::from_secs(30), || async {
            let v = c
                .execute(
                    "const m = document.querySelector('.kommentar-marker'); if (!m) return null;
                     const c = document.getElementById('plan-canvas').getBoundingClientRect();
                     const r = m.getBoundingClientRect();
                     return [(r.left + r.width / 2 - c.left) / c.width, (r.top + r.height / 2 - c.top) / c.height, c.width];",
                    vec![],
                )
                .await
                .ok()?;
            v.as_array().map(|a| (a[0].as_f64().unwrap(), a[1].as_f64().unwrap(), a[2].as_f64().unwrap()))
        })
        .await
    };
    let (mx, my, b1) = mitte().await;
    assert!(
        (mx - 0.5).abs() < 0.02 && (my - 0.25).abs() < 0.02,
        "{mx} {my}"
    );
    js("document.getElementById('zoom-ein').click()").await;
    plankammer_tests::wait_for("zoom 125 %", std::time::Duration::from_secs(20), || async {
        let z = c
            .execute(
                "return document.getElementById('zoom-wert').textContent",
                vec![],
            )
            .await
            .ok()?;
        (z == serde_json::json!("125 %")).then_some(())
    })
    .await;
    let (mx, my, b2) = mitte().await;
    assert!(b2 > b1 * 1.2, "{b1} → {b2}");
    assert!(
        (mx - 0.5).abs() < 0.02 && (my - 0.25).abs() < 0.02,
        "{mx} {my}"
    );
}

/// Uploads files to a request's attachments like the page's form does.
async fn anlagen_hochladen(
    app: &TestApp,
    c: &Client,
    csrf: &str,
    bid: i64,
    dateien: &[(&str, Vec<u8>)],
) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new().text("_csrf", csrf.to_string());
    for (name, bytes) in dateien {
        form = form.part(
            "datei",
            reqwest::multipart::Part::bytes(bytes.clone())
                .file_name(name.to_string())
                .mime_str("application/pdf")
                .unwrap(),
        );
    }
    let r = c
        .post(format!("{}/beteiligungen/{bid}/anlagen", app.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn anlagen_ids(app: &TestApp, bid: i64) -> Vec<(i64, i64)> {
    app.db
        .anlagen(bid)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.dokument_id, a.version.id))
        .collect()
}

async fn stellungnahme_geben(c: &Client, csrf: &str, url: &str, bid: i64, ersetzt: Option<i64>) {
    let ersetzt = ersetzt.map(|e| e.to_string()).unwrap_or_default();
    let (s, body) = post(
        c,
        format!("{url}/beteiligungen/{bid}/stellungnahme"),
        &[
            ("_csrf", csrf),
            ("tenor", "Keine Bedenken, siehe Gutachten in der Anlage."),
            ("zustimmung", "ja"),
            ("ersetzt", &ersetzt),
            ("aktion", "abgeben"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
}

#[tokio::test]
async fn attachments_are_uploaded_checked_frozen_with_the_stellungnahme_and_stay_private() {
    // A small per-file limit, so "too large" is cheap to provoke.
    let app = spawn_app_with(|c| c.upload_max_file = 40_000).await;
    let w = welt_mit(app).await;
    let app = &w.app;
    let u = app.url.clone();
    let (bid, bid_b) = anfragen(&w, heute_berlin() + Days::new(20)).await;
    let (fa, fa_csrf) = app.login("brandschutz@example.org").await;

    // The request page offers the form; nothing attached yet.
    let (s, html) = get(&fa, format!("{u}/beteiligungen/{bid}")).await;
    assert_eq!(s, 200);
    for needle in [
        "id=\"anlage-form\"",
        "id=\"anlage-datei\"",
        "accept=\"application/pdf\"",
        "id=\"anlage-hochladen\"",
        "enctype=\"multipart/form-data\"",
        "data-testid=\"keine-anlagen\"",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    let (_, html) = get(&fa, format!("{u}/beteiligungen/{bid}/stellungnahme")).await;
    assert!(
        !html.contains("nicht beigefügt werden"),
        "old sentence gone"
    );
    assert!(html.contains("data-testid=\"anlagen-verwalten\""));

    // Two PDFs: stored as attachments of this request, each with its validate stage queued.
    let (s, body) = anlagen_hochladen(
        app,
        &fa,
        &fa_csrf,
        bid,
        &[
            ("Gutachten Brandschutz.pdf", a4_salted(1, "gutachten")),
            ("../../Entwurf.pdf", a4_salted(1, "entwurf")),
        ],
    )
    .await;
    assert_eq!(s, 303, "{body}");
    let anlagen = anlagen_ids(app, bid).await;
    assert_eq!(anlagen.len(), 2);
    let ((d1, v1), (d2, v2)) = (anlagen[0], anlagen[1]);
    for v in [v1, v2] {
        let stufen = app.db.stufen(v).await.unwrap();
        assert_eq!(
            stufen.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
            vec!["validate"]
        );
    }
    assert_eq!(app.db.version(v2).await.unwrap().dateiname, "Entwurf.pdf");
    let (_, html) = get(&fa, format!("{u}/beteiligungen/{bid}")).await;
    assert_eq!(html.matches("data-testid=\"anlage\"").count(), 2);
    assert!(html.contains("wird geprüft"));
    assert!(html.contains("Dateiprüfung"));
    assert!(html.contains(&format!("/api/v1/versions/{v1}/download")));
    // Not among the Bauvorlagen: neither the case's documents nor the Fassung.
    let docs = app.db.dokumente(w.fall).await.unwrap();
    assert!(docs.iter().all(|d| d.id != d1 && d.id != d2));
    assert_eq!(docs.len(), 2);

    // Hostile input: text disguised as PDF, a file beyond the limit, too many files at once.
    let (s, body) = anlagen_hochladen(
        app,
        &fa,
        &fa_csrf,
        bid,
        &[("rechnung.pdf", b"Hallo, das ist nur Text.".to_vec())],
    )
    .await;
    assert_eq!(s, 422);
    assert!(body.contains("kein PDF-Dokument"), "{body}");
    let mut gross = a4_salted(1, "gross");
    gross.extend(vec![b' '; 50_000]);
    let (s, body) = anlagen_hochladen(app, &fa, &fa_csrf, bid, &[("gross.pdf", gross)]).await;
    assert_eq!(s, 413);
    assert!(body.contains("größer als erlaubt"), "{body}");
    assert_eq!(
        anlagen_ids(app, bid).await.len(),
        2,
        "nothing refused was kept"
    );
    let (fb, fb_csrf) = app.login("naturschutz@example.org").await;
    let viele: Vec<(&str, Vec<u8>)> = (0..21).map(|_| ("x.pdf", a4_salted(1, "viele"))).collect();
    let (s, body) = anlagen_hochladen(app, &fb, &fb_csrf, bid_b, &viele).await;
    assert_eq!(s, 413, "{body}");
    assert!(body.contains("Höchstens 20 Anlagen je Hochladen"), "{body}");
    assert_eq!(
        anlagen_ids(app, bid_b).await.len(),
        20,
        "never more than 20 from one upload"
    );

    // Nobody else uploads to or removes from Stelle A's request.
    for email in [
        "naturschutz@example.org",
        "sachbearbeiter@example.org",
        "architektin@example.org",
        "admin@example.org",
        "fremdstelle@example.org",
    ] {
        let (c, csrf) = app.login(email).await;
        let (s, _) =
            anlagen_hochladen(app, &c, &csrf, bid, &[("x.pdf", a4_salted(1, email))]).await;
        assert_eq!(s, 404, "{email} upload");
        let (s, _) = post(
            &c,
            format!("{u}/beteiligungen/{bid}/anlagen/{d2}/entfernen"),
            &[("_csrf", &csrf)],
        )
        .await;
        assert_eq!(s, 404, "{email} remove");
    }
    assert_eq!(anlagen_ids(app, bid).await.len(), 2);
    // Stelle A cannot remove through its request what belongs to Stelle B's.
    let (d_b, _) = anlagen_ids(app, bid_b).await[0];
    let (s, _) = post(
        &fa,
        format!("{u}/beteiligungen/{bid}/anlagen/{d_b}/entfernen"),
        &[("_csrf", &fa_csrf)],
    )
    .await;
    assert_eq!(s, 404);

    // Who reads an attachment: the Stelle and the Bauaufsicht; nobody else.
    let rollen = [
        ("architektin@example.org", false),
        ("sachbearbeiter@example.org", true),
        ("brandschutz@example.org", true),
        ("naturschutz@example.org", false),
        ("admin@example.org", false),
        ("fremdstelle@example.org", false),
        ("fremd@example.org", false),
    ];
    for (email, darf) in rollen {
        let (c, _) = app.login(email).await;
        for url in [
            format!("{u}/api/v1/versions/{v1}/download"),
            format!("{u}/api/v1/versions/{v1}"),
        ] {
            let s = c.get(&url).send().await.unwrap().status().as_u16();
            assert_eq!(s, if darf { 200 } else { 404 }, "{email} GET {url}");
        }
    }
    let gelesen: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'dokument.lesen' AND object_id = $1",
    )
    .bind(v1.to_string())
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(gelesen, 2, "each permitted read audited, refused ones not");
    // The applicant's views do not mention them.
    let (arch, _) = app.login("architektin@example.org").await;
    for url in [
        format!("{u}/vorgaenge/{}", w.fall),
        format!("{u}/api/v1/cases/{}/documents", w.fall),
    ] {
        let (s, body) = get(&arch, url.clone()).await;
        assert_eq!(s, 200, "{url}");
        assert!(
            !body.contains("Gutachten Brandschutz") && !body.contains(&format!("versions/{v1}")),
            "{url}"
        );
    }

    // Removing one that is not submitted yet.
    let (s, _) = post(
        &fa,
        format!("{u}/beteiligungen/{bid}/anlagen/{d2}/entfernen"),
        &[("_csrf", &fa_csrf)],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(anlagen_ids(app, bid).await, vec![(d1, v1)]);

    // Submitting freezes the current attachments with the Stellungnahme.
    stellungnahme_geben(&fa, &fa_csrf, &u, bid, None).await;
    let s1 = app.db.stellungnahmen(bid).await.unwrap()[0].id;
    let links = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            db.anlagen_verknuepfungen(bid)
                .await
                .unwrap()
                .into_iter()
                .map(|(s, v)| (s, v.id))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(links(app).await, vec![(s1, v1)]);
    let ereignisse = app.db.ereignisse(w.fall).await.unwrap();
    assert!(
        ereignisse
            .iter()
            .any(|e| e.art == Eintragsart::StellungnahmeAbgegeben && e.text.contains("(1 Anlage)")),
        "timeline names the attachment"
    );
    // Shown on the card, to the Stelle and on the Bauaufsicht's Beteiligung page.
    let (_, html) = get(&fa, format!("{u}/beteiligungen/{bid}")).await;
    assert!(html.contains("data-testid=\"stellungnahme-anlage\""));
    assert!(html.contains("data-testid=\"anlage-abgegeben\""));
    let (ba, ba_csrf) = app.login("sachbearbeiter@example.org").await;
    let (s, html) = get(&ba, format!("{u}/vorgaenge/{}/beteiligung", w.fall)).await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!(
        "data-testid=\"stellungnahme-anlage\" data-version=\"{v1}\""
    )));
    assert!(html.contains(&format!("/api/v1/versions/{v1}/download")));

    // The submitted list cannot change: its attachment is not removable any more …
    let (s, body) = post(
        &fa,
        format!("{u}/beteiligungen/{bid}/anlagen/{d1}/entfernen"),
        &[("_csrf", &fa_csrf)],
    )
    .await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(anlagen_ids(app, bid).await, vec![(d1, v1)]);
    // … and one added later goes only with the correction.
    let (s, _) = anlagen_hochladen(
        app,
        &fa,
        &fa_csrf,
        bid,
        &[("Nachtrag.pdf", a4_salted(2, "nachtrag"))],
    )
    .await;
    assert_eq!(s, 303);
    let v3 = anlagen_ids(app, bid).await[1].1;
    assert_eq!(links(app).await, vec![(s1, v1)]);
    stellungnahme_geben(&fa, &fa_csrf, &u, bid, Some(s1)).await;
    let s2 = app.db.stellungnahmen(bid).await.unwrap()[1].id;
    assert_eq!(links(app).await, vec![(s1, v1), (s2, v1), (s2, v3)]);

    // Withdrawn (Stelle B's request, still open): no more uploads or removals; what the
    // Stelle attached stays readable for it, even though nobody had opened the page.
    let (s, _) = post(
        &ba,
        format!("{u}/beteiligungen/{bid_b}/zurueckziehen"),
        &[("_csrf", &ba_csrf), ("grund", "Nicht mehr nötig")],
    )
    .await;
    assert_eq!(s, 303);
    let (s, _) = anlagen_hochladen(
        app,
        &fb,
        &fb_csrf,
        bid_b,
        &[("spaet.pdf", a4_salted(1, "spaet"))],
    )
    .await;
    assert_eq!(s, 409);
    let (s, _) = post(
        &fb,
        format!("{u}/beteiligungen/{bid_b}/anlagen/{d_b}/entfernen"),
        &[("_csrf", &fb_csrf)],
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(anlagen_ids(app, bid_b).await.len(), 20);
    let v_b = anlagen_ids(app, bid_b).await[0].1;
    for (c, darf) in [(&fb, true), (&fa, false)] {
        let s = c
            .get(format!("{u}/api/v1/versions/{v_b}/download"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(s, if darf { 200 } else { 404 });
    }
    // Later Fassungen do not take the attachments in.
    let owner = app.db.antrag(w.fall).await.unwrap().owner_user_id;
    let mut tx = app.db.begin().await.unwrap();
    let f2 = Db::friere_fassung(&mut tx, w.fall, owner, now_millis())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let frozen = app.db.fassung_dokumente(f2.id).await.unwrap();
    assert_eq!(
        frozen.iter().map(|d| d.dokument_id).collect::<Vec<_>>(),
        vec![w.lageplan, w.grundriss]
    );
}

/// The case has closed its Beteiligung exactly once: one timeline entry with status 09, one
/// mail about it to the applicant.
async fn genau_einmal_abgeschlossen(app: &TestApp, fall: i64) {
    assert_eq!(
        app.db.antrag(fall).await.unwrap().zustand,
        Zustand::BeteiligungAbgeschlossen
    );
    let e: Vec<_> = app
        .db
        .ereignisse(fall)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == Eintragsart::BeteiligungAbschliessen)
        .collect();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].status_code.as_deref(), Some("09"));
    let mails = mails_an(app, "architektin@example.org").await;
    assert_eq!(
        mails
            .iter()
            .filter(|(t, _)| t.contains("Beteiligung abgeschlossen"))
            .count(),
        1,
        "{mails:?}"
    );
}

#[tokio::test]
async fn two_stellen_submitting_at_once_close_the_beteiligung_once() {
    let w = welt().await;
    let app = &w.app;
    let (bid_a, bid_b) = anfragen(&w, heute_berlin() + Days::new(20)).await;
    let (fa, fa_csrf) = app.login("brandschutz@example.org").await;
    let (fb, fb_csrf) = app.login("naturschutz@example.org").await;
    // Each Stelle sees the other's request still open when it submits: whichever commits
    // second must close the Beteiligung.
    tokio::join!(
        stellungnahme_geben(&fa, &fa_csrf, &app.url, bid_a, None),
        stellungnahme_geben(&fb, &fb_csrf, &app.url, bid_b, None),
    );
    genau_einmal_abgeschlossen(app, w.fall).await;
}

#[tokio::test]
async fn a_stellungnahme_and_a_withdrawal_at_once_close_the_beteiligung_once() {
    let w = welt().await;
    let app = &w.app;
    let (bid_a, bid_b) = anfragen(&w, heute_berlin() + Days::new(20)).await;
    let (fb, fb_csrf) = app.login("naturschutz@example.org").await;
    let (ba, ba_csrf) = app.login("sachbearbeiter@example.org").await;
    let zurueck = async {
        post(
            &ba,
            format!("{}/beteiligungen/{bid_a}/zurueckziehen", app.url),
            &[("_csrf", &ba_csrf), ("grund", "Nicht mehr nötig")],
        )
        .await
    };
    let ((s, body), ()) = tokio::join!(
        zurueck,
        stellungnahme_geben(&fb, &fb_csrf, &app.url, bid_b, None),
    );
    assert_eq!(s, 303, "{body}");
    genau_einmal_abgeschlossen(app, w.fall).await;
}

#[tokio::test]
async fn of_two_corrections_of_the_same_stellungnahme_one_is_refused() {
    let w = welt().await;
    let app = &w.app;
    let (bid_a, _) = anfragen(&w, heute_berlin() + Days::new(20)).await;
    let (fa, csrf) = app.login("brandschutz@example.org").await;
    stellungnahme_geben(&fa, &csrf, &app.url, bid_a, None).await;
    let erste = app.db.stellungnahmen(bid_a).await.unwrap()[0].id;
    let ersetzt = erste.to_string();
    // Two windows, both showing the first as current, submit a correction at once.
    let korrektur = |tenor: &'static str| {
        let (fa, csrf, ersetzt) = (&fa, &csrf, &ersetzt);
        async move {
            post(
                fa,
                format!("{}/beteiligungen/{bid_a}/stellungnahme", app.url),
                &[
                    ("_csrf", csrf),
                    ("tenor", tenor),
                    ("zustimmung", "ja"),
                    ("ersetzt", ersetzt),
                    ("aktion", "abgeben"),
                ],
            )
            .await
        }
    };
    let (x, y) = tokio::join!(korrektur("Korrektur eins"), korrektur("Korrektur zwei"));
    let mut status = [x.0, y.0];
    status.sort_unstable();
    assert_eq!(status, [303, 409], "{x:?} {y:?}");
    let abgelehnt = if x.0 == 409 { &x.1 } else { &y.1 };
    assert!(abgelehnt.contains("korrigiert"), "{abgelehnt}");
    let alle = app.db.stellungnahmen(bid_a).await.unwrap();
    assert_eq!(alle.len(), 2);
    assert_eq!(alle[1].ersetzt_id, Some(erste));
}
