//! The Bauaufsicht's side of the Beteiligung over HTTP: asking several Stellen in one step
//! with the engine's deadlines, a set date that is no Werktag, withdrawing and extending a
//! request, the cross-case view, and who may reach these pages.
//!
//! The complete case and the Stellen are set up through the store.

use bytes::Bytes;
use chrono::{Datelike, NaiveDate, Weekday};
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::beteiligung::{
    BeteiligungsZustand, Rolle, Schweigefolge, fristvorschlag_standard,
};
use plankammer_domain::frist;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::TestApp;
use plankammer_tests::pdf::a4_salted;
use plankammer_tests::welt::{self, Fallangaben};
use reqwest::Client;

/// A vereinfacht case as the formelle Prüfung leaves it: submitted, Fassung 1, "vollstaendig".
async fn vollstaendiger_fall(w: &welt::Welt, nr: i64) -> i64 {
    vollstaendiger_fall_mit(w, nr, &[]).await
}

/// The same with one more document per name (besides the fixture's plan).
async fn vollstaendiger_fall_mit(w: &welt::Welt, nr: i64, weitere: &[&str]) -> i64 {
    let app = &w.app;
    let fall = w.fall(Fallangaben::nummer(nr)).entwurf().await;
    let now = now_millis();
    let mut blobs = Vec::new();
    for name in weitere {
        let pdf = a4_salted(1, &format!("beteiligung-{nr}-{name}"));
        blobs.push(app.blobs.put_bytes(Bytes::from(pdf)).await.unwrap());
    }
    let grundrisse = Anlageart::parse("2001").unwrap();
    let mut tx = app.db.begin().await.unwrap();
    for (name, blob) in weitere.iter().zip(&blobs) {
        Db::add_version(
            &mut tx,
            &NeueVersion {
                vorgang_id: fall.id,
                tenant_id: w.tenant,
                dokument_id: None,
                bezeichnung: name,
                anlageart: Some(&grundrisse),
                sha256: &blob.sha256,
                groesse: blob.size as i64,
                dateiname: &format!("{}.pdf", name.to_lowercase()),
                user_id: w.architektin,
            },
            now,
        )
        .await
        .unwrap();
    }
    Db::wechsle_zustand(
        &mut tx,
        fall.id,
        Zustand::Entwurf,
        Zustand::Eingegangen,
        now,
    )
    .await
    .unwrap();
    let az =
        plankammer_domain::aktenzeichen::Aktenzeichen::parse(&format!("BA-2026-{nr:05}")).unwrap();
    Db::setze_eingereicht(&mut tx, fall.id, &az, now)
        .await
        .unwrap();
    Db::friere_fassung(&mut tx, fall.id, w.architektin, now)
        .await
        .unwrap();
    Db::wechsle_zustand(
        &mut tx,
        fall.id,
        Zustand::Eingegangen,
        Zustand::Vollstaendig,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    fall.id
}

async fn get(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    (status, html.replace("&#x2f;", "/").replace("&amp;", "&"))
}

async fn post(c: &Client, url: String, form: &[(&str, &str)]) -> (u16, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn vorschlag(rolle: Rolle) -> NaiveDate {
    fristvorschlag_standard(rolle, Verfahrensart::VereinfachtesVerfahren, heute_berlin())
        .unwrap()
        .letzter_tag()
}

/// The first Sunday at least a week after today.
fn sonntag() -> NaiveDate {
    let mut d = heute_berlin() + chrono::Days::new(7);
    while d.weekday() != Weekday::Sun {
        d = d.succ_opt().unwrap();
    }
    d
}

/// The first Werktag after `d` and a few days.
fn werktag_nach(d: NaiveDate) -> NaiveDate {
    let mut x = d + chrono::Days::new(5);
    while !frist::ist_arbeitstag(x) {
        x = x.succ_opt().unwrap();
    }
    x
}

/// The fixture's people, four Stellen (a Land-wide one, two of the tenant, one of another
/// tenant) without members, and a complete case.
struct Welt {
    basis: welt::Welt,
    fall: i64,
    land: i64,
    eigen: i64,
    gemeinde: i64,
    fremd: i64,
}

impl std::ops::Deref for Welt {
    type Target = welt::Welt;
    fn deref(&self) -> &welt::Welt {
        &self.basis
    }
}

async fn welt() -> Welt {
    let basis = welt::Welt::neu().await;
    let app = &basis.app;
    let tenant = basis.tenant;
    let andere = basis.fremder_tenant;
    let now = now_millis();
    let land = app
        .db
        .lege_stelle_an(
            None,
            "Landesamt für Denkmalpflege",
            "Denkmalschutz",
            None,
            now,
        )
        .await
        .unwrap();
    let eigen = app
        .db
        .lege_stelle_an(
            Some(tenant),
            "Brandschutzdienststelle",
            "Brandschutz",
            None,
            now,
        )
        .await
        .unwrap();
    let gemeinde = app
        .db
        .lege_stelle_an(
            Some(tenant),
            "Stadt Frankfurt am Main",
            "Bauplanungsrecht",
            Some("06412000"),
            now,
        )
        .await
        .unwrap();
    let fremd = app
        .db
        .lege_stelle_an(
            Some(andere),
            "Fremde Naturschutzbehörde",
            "Naturschutz",
            None,
            now,
        )
        .await
        .unwrap();
    let fall = vollstaendiger_fall(&basis, 1).await;
    Welt {
        basis,
        fall,
        land,
        eigen,
        gemeinde,
        fremd,
    }
}

#[tokio::test]
async fn three_stellen_in_one_step_then_withdraw_extend_and_overview() {
    let w = welt().await;
    let app = &w.app;
    let url = format!("{}/vorgaenge/{}/beteiligung", app.url, w.fall);
    let monat = vorschlag(Rolle::Zustaendig);
    let zwei_monate = vorschlag(Rolle::Gemeinde);
    assert!(zwei_monate > monat);

    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let (s, html) = get(&ba, format!("{}/vorgaenge/{}/pruefung", app.url, w.fall)).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains(&format!("href=\"/vorgaenge/{}/beteiligung\"", w.fall)));
    let (s, html) = get(&ba, url.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(
        html.matches("data-testid=\"stelle-zeile\"").count(),
        3,
        "{html}"
    );
    assert!(html.contains("Landesamt für Denkmalpflege"));
    assert!(
        !html.contains("Fremde Naturschutzbehörde"),
        "other tenant's Stelle"
    );
    assert!(html.contains(&format!("value=\"{}\"", iso(monat))));
    assert!(
        html.contains(&format!("value=\"{}\"", iso(zwei_monate))),
        "Gemeinde: 2 months"
    );
    assert!(html.contains("href=\"/beteiligungen\""), "navigation");

    // Nothing chosen, another tenant's Stelle, a Sunday: 422 with the form kept.
    let (s, html) = post(&ba, url.clone(), &[("_csrf", &csrf)]).await;
    assert_eq!(s, 422);
    assert!(html.contains("mindestens eine Stelle"), "{html}");
    let fremd = w.fremd.to_string();
    let (s, html) = post(&ba, url.clone(), &[("_csrf", &csrf), ("stelle", &fremd)]).await;
    assert_eq!(s, 422);
    assert!(html.contains("nicht beteiligt werden"), "{html}");
    let land = w.land.to_string();
    let sonntag = iso(sonntag());
    let (s, html) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("stelle", &land),
            (&format!("ende_{land}"), &sonntag),
            (&format!("notiz_{land}"), "Bitte Fassade prüfen"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("kein Werktag"), "{html}");
    assert!(html.contains(&format!("value=\"{sonntag}\"")), "date kept");
    assert!(html.contains("Bitte Fassade prüfen"), "note kept");
    assert!(app.db.beteiligungen(w.fall).await.unwrap().is_empty());
    assert_eq!(
        app.db.antrag(w.fall).await.unwrap().zustand,
        Zustand::Vollstaendig
    );

    // Three in one step, each at the engine's proposal.
    let eigen = w.eigen.to_string();
    let gemeinde = w.gemeinde.to_string();
    let (m, zm) = (iso(monat), iso(zwei_monate));
    let felder: Vec<(String, String)> = vec![
        ("_csrf".into(), csrf.clone()),
        ("stelle".into(), land.clone()),
        (format!("rolle_{land}"), "1".into()),
        (format!("rechtsbereich_{land}"), "Denkmalschutz".into()),
        (format!("ende_{land}"), m.clone()),
        ("stelle".into(), eigen.clone()),
        (format!("rolle_{eigen}"), "2".into()),
        (format!("ende_{eigen}"), m.clone()),
        ("stelle".into(), gemeinde.clone()),
        (format!("rolle_{gemeinde}"), "3".into()),
        (format!("ende_{gemeinde}"), zm.clone()),
    ];
    let felder: Vec<(&str, &str)> = felder
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (s, body) = post(&ba, url.clone(), &felder).await;
    assert!(s == 303 || s == 200, "{s} {body}");
    let bs = app.db.beteiligungen(w.fall).await.unwrap();
    assert_eq!(bs.len(), 3);
    let by = |sid: i64| bs.iter().find(|b| b.stelle_id == sid).unwrap().clone();
    let (bl, be, bg) = (by(w.land), by(w.eigen), by(w.gemeinde));
    assert_eq!((bl.ende, bl.rolle), (monat, Rolle::Zustaendig));
    assert_eq!((be.ende, be.rolle), (monat, Rolle::Sachverstaendig));
    assert_eq!((bg.ende, bg.rolle), (zwei_monate, Rolle::Gemeinde));
    assert_eq!(bg.schweigefolge, Schweigefolge::EinvernehmenFingiert);
    assert_eq!(bl.schweigefolge, Schweigefolge::ZustimmungFingiert);
    assert!(
        bs.iter()
            .all(|b| b.zustand == BeteiligungsZustand::Angefragt
                && !b.behoerdlich_gesetzt
                && b.umfang.is_none()
                && b.fassung_id.is_some())
    );
    assert_eq!(bl.rechtsbereich, "Denkmalschutz");
    let a = app.db.antrag(w.fall).await.unwrap();
    assert_eq!(a.zustand, Zustand::Beteiligung);
    let ev = app.db.ereignisse(w.fall).await.unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| e.art == Eintragsart::BeteiligungAngefragt)
            .count(),
        3
    );
    assert!(
        ev.iter()
            .any(|e| e.art == Eintragsart::Beteiligen && e.status_code.as_deref() == Some("08"))
    );

    let (s, html) = get(&ba, url.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("data-testid=\"beteiligung-zeile\"").count(), 3);
    assert!(html.contains("kern-badge--warning"), "running: yellow");
    assert!(html.contains("Einvernehmen gilt als erteilt"));

    // Asking again while in "beteiligung": no second state change; a custom Werktag is
    // recorded as behördlich gesetzt.
    let eigen_ende = werktag_nach(monat);
    let (s, body) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("stelle", &eigen),
            (&format!("rolle_{eigen}"), "1"),
            (&format!("ende_{eigen}"), &iso(eigen_ende)),
        ],
    )
    .await;
    assert!(s == 303 || s == 200, "{s} {body}");
    let bs = app.db.beteiligungen(w.fall).await.unwrap();
    assert_eq!(bs.len(), 4);
    let zweite = bs
        .iter()
        .find(|b| b.stelle_id == w.eigen && b.id != be.id)
        .unwrap();
    assert!(zweite.behoerdlich_gesetzt);
    assert_eq!(zweite.ende, eigen_ende);
    assert!(zweite.erklaerung.contains("behördlich gesetzt"));
    let ev = app.db.ereignisse(w.fall).await.unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| e.art == Eintragsart::Beteiligen)
            .count(),
        1
    );

    // Withdraw: a reason is required; a second time is a conflict.
    let zurueck = format!("{}/beteiligungen/{}/zurueckziehen", app.url, zweite.id);
    let (s, _) = post(&ba, zurueck.clone(), &[("_csrf", &csrf), ("grund", " ")]).await;
    assert_eq!(s, 422);
    let (s, _) = post(
        &ba,
        zurueck.clone(),
        &[
            ("_csrf", &csrf),
            ("grund", "Versehentlich doppelt angefragt"),
        ],
    )
    .await;
    assert!(s == 303 || s == 200);
    let b = app.db.beteiligung(zweite.id).await.unwrap();
    assert_eq!(b.zustand, BeteiligungsZustand::Zurueckgezogen);
    assert_eq!(b.grund.as_deref(), Some("Versehentlich doppelt angefragt"));
    let (s, html) = post(&ba, zurueck, &[("_csrf", &csrf), ("grund", "nochmal")]).await;
    assert_eq!(s, 409, "{html}");
    let (s, _) = post(
        &ba,
        format!("{}/beteiligungen/{}/verlaengern", app.url, zweite.id),
        &[
            ("_csrf", &csrf),
            ("grund", "x"),
            ("neues_ende", &iso(werktag_nach(eigen_ende))),
        ],
    )
    .await;
    assert_eq!(s, 409);

    // The cross-case view: the three running ones by deadline, not the withdrawn one.
    let (s, html) = get(&ba, format!("{}/beteiligungen", app.url)).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(
        html.matches("data-testid=\"laufende-beteiligung\"").count(),
        3
    );
    assert!(!html.contains(&format!("data-beteiligung=\"{}\"", zweite.id)));
    assert!(html.contains("BA-2026-00001"));
    let pos = |id: i64| html.find(&format!("data-beteiligung=\"{id}\"")).unwrap();
    assert!(pos(bl.id) < pos(bg.id) && pos(be.id) < pos(bg.id));

    // Extend: a Werktag after the current end, with a reason.
    let verl = format!("{}/beteiligungen/{}/verlaengern", app.url, bl.id);
    let (s, _) = post(
        &ba,
        verl.clone(),
        &[
            ("_csrf", &csrf),
            ("grund", "Ortstermin"),
            ("neues_ende", &m),
        ],
    )
    .await;
    assert_eq!(s, 422, "not after the current end");
    let (s, _) = post(
        &ba,
        verl.clone(),
        &[
            ("_csrf", &csrf),
            ("grund", "Ortstermin"),
            ("neues_ende", &sonntag),
        ],
    )
    .await;
    assert_eq!(s, 422, "Sunday");
    let neu = werktag_nach(zwei_monate);
    let (s, _) = post(
        &ba,
        verl.clone(),
        &[("_csrf", &csrf), ("grund", ""), ("neues_ende", &iso(neu))],
    )
    .await;
    assert_eq!(s, 422, "reason required");
    let (s, body) = post(
        &ba,
        verl,
        &[
            ("_csrf", &csrf),
            ("grund", "Ortstermin nötig"),
            ("neues_ende", &iso(neu)),
        ],
    )
    .await;
    assert!(s == 303 || s == 200, "{s} {body}");
    let b = app.db.beteiligung(bl.id).await.unwrap();
    assert_eq!(b.ende, neu);
    assert!(b.behoerdlich_gesetzt);
    assert!(b.erklaerung.contains("Ortstermin nötig"));
    let ev = app.db.ereignisse(w.fall).await.unwrap();
    assert!(
        ev.iter()
            .any(|e| e.art == Eintragsart::BeteiligungVerlaengert)
    );
    assert!(
        ev.iter()
            .any(|e| e.art == Eintragsart::BeteiligungZurueckgezogen)
    );
    let (_, html) = get(&ba, format!("{}/beteiligungen", app.url)).await;
    assert!(
        pos_in(&html, bg.id) < pos_in(&html, bl.id),
        "now sorted after the Gemeinde"
    );
}

fn pos_in(html: &str, id: i64) -> usize {
    html.find(&format!("data-beteiligung=\"{id}\"")).unwrap()
}

#[tokio::test]
async fn strangers_do_not_reach_the_beteiligung() {
    let w = welt().await;
    let app = &w.app;
    let url = format!("{}/vorgaenge/{}/beteiligung", app.url, w.fall);
    let land = w.land.to_string();
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let (s, _) = post(&ba, url.clone(), &[("_csrf", &csrf), ("stelle", &land)]).await;
    assert!(s == 303 || s == 200);
    let bid = app.db.beteiligungen(w.fall).await.unwrap()[0].id;

    let (arch, csrf) = app.login("architektin@example.org").await;
    let (s, _) = get(&arch, url.clone()).await;
    assert_eq!(s, 404);
    let (s, _) = post(&arch, url.clone(), &[("_csrf", &csrf), ("stelle", &land)]).await;
    assert_eq!(s, 404);
    let (s, _) = get(&arch, format!("{}/beteiligungen", app.url)).await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &arch,
        format!("{}/beteiligungen/{bid}/zurueckziehen", app.url),
        &[("_csrf", &csrf), ("grund", "weg")],
    )
    .await;
    assert_eq!(s, 404);

    let (fremd, csrf) = app.login("fremd@example.org").await;
    let (s, _) = get(&fremd, url.clone()).await;
    assert_eq!(s, 404);
    let (s, _) = post(&fremd, url, &[("_csrf", &csrf), ("stelle", &land)]).await;
    assert_eq!(s, 404);
    let (s, _) = post(
        &fremd,
        format!("{}/beteiligungen/{bid}/zurueckziehen", app.url),
        &[("_csrf", &csrf), ("grund", "weg")],
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = post(
        &fremd,
        format!("{}/beteiligungen/{bid}/verlaengern", app.url),
        &[
            ("_csrf", &csrf),
            ("grund", "weg"),
            ("neues_ende", "2030-01-07"),
        ],
    )
    .await;
    assert_eq!(s, 404);
    let (s, html) = get(&fremd, format!("{}/beteiligungen", app.url)).await;
    assert_eq!(s, 200);
    assert!(html.contains("keine-laufenden"), "{html}");
    assert_eq!(app.db.beteiligungen(w.fall).await.unwrap().len(), 1);
    assert_eq!(
        app.db.beteiligung(bid).await.unwrap().zustand,
        BeteiligungsZustand::Angefragt
    );
}

#[tokio::test]
async fn a_request_covers_the_chosen_documents_and_the_stelle_is_asked_by_mail() {
    let w = welt().await;
    let app = &w.app;
    // The fixture's plan and two more: three documents.
    let fall = vollstaendiger_fall_mit(&w, 2, &["Grundriss", "Schnitt"]).await;
    let fs = w
        .person(
            "brandschutz@example.org",
            plankammer_domain::Role::Fachstelle,
        )
        .await;
    app.db
        .fuege_stellenmitglied_hinzu(w.eigen, fs)
        .await
        .unwrap();
    let docs: Vec<i64> = app
        .db
        .dokumente(fall)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(docs.len(), 3);
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let url = format!("{}/vorgaenge/{fall}/beteiligung", app.url);
    let (s, html) = get(&ba, url.clone()).await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("umfang-{}-{}", w.eigen, docs[1])),
        "one checkbox per document"
    );

    let eigen = w.eigen.to_string();
    let angezeigt = format!("umfang_angezeigt_{eigen}");
    let umfang = format!("umfang_{eigen}");
    // Nothing ticked, or a document of another case: refused, nothing stored.
    for (f, meldung) in [
        (vec![], "mindestens eine Unterlage"),
        (
            vec![(umfang.as_str(), "999999")],
            "nur Unterlagen dieses Vorgangs",
        ),
        (
            vec![(umfang.as_str(), "x")],
            "nur Unterlagen dieses Vorgangs",
        ),
    ] {
        let mut form = vec![
            ("_csrf", csrf.as_str()),
            ("stelle", eigen.as_str()),
            (angezeigt.as_str(), "1"),
        ];
        form.extend(f);
        let (s, html) = post(&ba, url.clone(), &form).await;
        assert_eq!(s, 422, "{html}");
        assert!(html.contains(meldung), "{meldung}: {html}");
    }
    assert!(app.db.beteiligungen(fall).await.unwrap().is_empty());

    // Two of three: stored as the scope.
    let (d1, d2) = (docs[0].to_string(), docs[2].to_string());
    let (s, html) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("stelle", &eigen),
            (&angezeigt, "1"),
            (&umfang, &d2),
            (&umfang, &d1),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    // All three ticked: no limit.
    let gemeinde = w.gemeinde.to_string();
    let (ga, gu) = (
        format!("umfang_angezeigt_{gemeinde}"),
        format!("umfang_{gemeinde}"),
    );
    let alle: Vec<String> = docs.iter().map(|d| d.to_string()).collect();
    let (s, _) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("stelle", &gemeinde),
            (&ga, "1"),
            (&gu, &alle[0]),
            (&gu, &alle[1]),
            (&gu, &alle[2]),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let bs = app.db.beteiligungen(fall).await.unwrap();
    let b = bs.iter().find(|b| b.stelle_id == w.eigen).unwrap();
    let mut erwartet = vec![docs[0], docs[2]];
    erwartet.sort_unstable();
    assert_eq!(b.umfang, Some(erwartet));
    assert_eq!(
        bs.iter()
            .find(|b| b.stelle_id == w.gemeinde)
            .unwrap()
            .umfang,
        None
    );

    // The Stelle's member is asked by mail, with the deadline and the link to the request.
    let (subject, body): (String, String) =
        sqlx::query_as("SELECT subject, body_text FROM outbox WHERE recipient = $1 AND kind = 'vorgangsmitteilung' ORDER BY id")
            .bind("brandschutz@example.org")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(subject.contains("Bitte um Stellungnahme"), "{subject}");
    assert!(
        body.contains("Brandschutzdienststelle")
            && body.contains("2 ausgewählte Unterlagen")
            && body.contains("§ 70 Abs. 1 HBO")
            && body.contains(&format!("/beteiligungen/{}", b.id)),
        "{body}"
    );
}

/// Asks Stelle `stelle` over HTTP and returns the new request's id.
async fn frage_an(app: &TestApp, ba: &Client, csrf: &str, fall: i64, stelle: i64) -> i64 {
    let s = stelle.to_string();
    let (status, html) = post(
        ba,
        format!("{}/vorgaenge/{fall}/beteiligung", app.url),
        &[("_csrf", csrf), ("stelle", &s)],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    app.db
        .beteiligungen(fall)
        .await
        .unwrap()
        .into_iter()
        .filter(|b| b.stelle_id == stelle)
        .map(|b| b.id)
        .max()
        .unwrap()
}

#[tokio::test]
async fn a_passed_deadline_is_neither_extended_nor_suspended() {
    let w = welt().await;
    let app = &w.app;
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let bid = frage_an(app, &ba, &csrf, w.fall, w.eigen).await;
    // Its last day was yesterday: the consent counts as given since midnight, though the
    // hourly job has not recorded it yet (the request still looks open).
    let gestern_tag = heute_berlin() - chrono::Days::new(1);
    let gestern = iso(gestern_tag);
    sqlx::query("UPDATE beteiligungen SET ende = $2, schweigefolge = 'zustimmung' WHERE id = $1")
        .bind(bid)
        .bind(&gestern)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (s, html) = post(
        &ba,
        format!("{}/beteiligungen/{bid}/verlaengern", app.url),
        &[
            ("_csrf", &csrf),
            ("grund", "Gutachten fehlt noch"),
            ("neues_ende", &iso(werktag_nach(heute_berlin()))),
        ],
    )
    .await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("abgelaufen"), "{html}");
    assert!(
        html.contains("Zustimmung der Stelle gilt damit als erteilt"),
        "{html}"
    );
    assert!(html.contains("nicht mehr verlängert"), "{html}");
    let b = app.db.beteiligung(bid).await.unwrap();
    assert_eq!((b.ende, b.behoerdlich_gesetzt), (gestern_tag, false));

    // A Rückfrage asked five days ago, answered now with Hemmung: refused the same way, and
    // the answer is not recorded; without Hemmung it is.
    let mut tx = app.db.begin().await.unwrap();
    let rid = Db::stelle_rueckfrage(
        &mut tx,
        bid,
        "Welche Bauart?",
        false,
        false,
        b.angefragt_by,
        now_millis() - 5 * 86_400_000,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let antwort = format!("{}/beteiligungen/{bid}/rueckfragen/{rid}/antwort", app.url);
    let (s, html) = post(
        &ba,
        antwort.clone(),
        &[
            ("_csrf", &csrf),
            ("antwort", "Massiv"),
            ("hemmt_frist", "1"),
        ],
    )
    .await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("nicht mehr gehemmt"), "{html}");
    assert!(app.db.rueckfrage(rid).await.unwrap().antwort.is_none());
    assert_eq!(app.db.beteiligung(bid).await.unwrap().ende, gestern_tag);
    let (s, html) = post(&ba, antwort, &[("_csrf", &csrf), ("antwort", "Massiv")]).await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(app.db.beteiligung(bid).await.unwrap().ende, gestern_tag);

    // On its last day the deadline still runs: the extension is accepted.
    sqlx::query("UPDATE beteiligungen SET ende = $2 WHERE id = $1")
        .bind(bid)
        .bind(iso(heute_berlin()))
        .execute(app.db.pool())
        .await
        .unwrap();
    let neu = werktag_nach(heute_berlin());
    let (s, html) = post(
        &ba,
        format!("{}/beteiligungen/{bid}/verlaengern", app.url),
        &[
            ("_csrf", &csrf),
            ("grund", "Gutachten fehlt noch"),
            ("neues_ende", &iso(neu)),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(app.db.beteiligung(bid).await.unwrap().ende, neu);
}

#[tokio::test]
async fn no_more_stellen_are_asked_while_the_bescheid_is_being_issued() {
    let w = welt().await;
    let app = &w.app;
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let bid = frage_an(app, &ba, &csrf, w.fall, w.eigen).await;
    let wer = app.db.beteiligung(bid).await.unwrap().angefragt_by;
    sqlx::query(
        "INSERT INTO bescheide (vorgang_id, zustand, inhalt, created_at, created_by, erlass_beantragt_at, erlass_beantragt_by) \
         VALUES ($1, 'entwurf', '{}', $2, $3, $2, $3)",
    )
    .bind(w.fall)
    .bind(now_millis())
    .bind(wer)
    .execute(app.db.pool())
    .await
    .unwrap();
    let land = w.land.to_string();
    let (s, html) = post(
        &ba,
        format!("{}/vorgaenge/{}/beteiligung", app.url, w.fall),
        &[("_csrf", &csrf), ("stelle", &land)],
    )
    .await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("wird gerade erlassen"), "{html}");
    assert_eq!(app.db.beteiligungen(w.fall).await.unwrap().len(), 1);
    let _ = (w.gemeinde, w.fremd);
}
