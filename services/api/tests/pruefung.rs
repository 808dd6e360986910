//! The Bauaufsicht's side over HTTP: the inbox with its filters and paging, who may see it,
//! the formelle Prüfung with a Nachforderung (Befund, deadline from the engine, mail), the
//! changes between two Fassungen down to the page, and the declaration of completeness
//! with the decision deadline.
//!
//! The submitted cases are set up through the store (as the applicant's pages would leave
//! them), so these tests do not depend on the applicant's side.

use bytes::Bytes;
use chrono::{Datelike, NaiveDate, Weekday};
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::codeliste;
use plankammer_domain::frist::{self, Dauer, FristArt, FristZustand};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::dokumente::{NeueVersion, Seite};
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::TestApp;
use plankammer_tests::pdf::a4_salted;
use plankammer_tests::welt::{Fall, Fallangaben, Welt};
use reqwest::Client;

async fn seiten(app: &TestApp, version_id: i64, texte: &[&str]) {
    let s: Vec<Seite> = texte
        .iter()
        .enumerate()
        .map(|(i, _)| Seite {
            nummer: i as i64 + 1,
            breite_mm: 210.0,
            hoehe_mm: 297.0,
            format: "A4".into(),
            ausrichtung: "hoch".into(),
            scan_dpi: None,
            text_quelle: None,
            vorschau_sha256: None,
        })
        .collect();
    app.db.replace_seiten(version_id, &s).await.unwrap();
    for (i, t) in texte.iter().enumerate() {
        app.db
            .set_seiten_text(version_id, i as i64 + 1, t, Some("textebene"), None)
            .await
            .unwrap();
    }
}

/// A case as submitted: procedure, Gemeinde, one plan, state "eingegangen", Fassung 1.
async fn eingereicht(w: &Welt, nr: i64, verfahren: &str, ags: &str) -> Fall {
    let v = Verfahrensart::from_slug(verfahren).unwrap();
    w.fall(Fallangaben::nummer(nr).verfahren(v).gemeinde(ags))
        .eingereicht()
        .await
}

/// The page as text, with the entities minijinja writes in attributes decoded.
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

fn zeilen(html: &str) -> usize {
    html.matches("data-testid=\"eingang-zeile\"").count()
}

async fn zustand(app: &TestApp, id: i64) -> &'static str {
    app.db.antrag(id).await.unwrap().zustand.slug()
}

async fn welt() -> Welt {
    Welt::neu().await
}

#[tokio::test]
async fn inbox_lists_filters_and_pages() {
    let w = welt().await;
    let app = &w.app;
    let a = eingereicht(&w, 1, "vereinfacht", "06412000").await;
    let b = eingereicht(&w, 2, "baugenehmigung", "06411000").await;
    // A draft is not in the inbox.
    app.db
        .create_vorgang(w.tenant, w.architektin, "Entwurf Carport", now_millis())
        .await
        .unwrap();

    let (ba, _) = app.login("sachbearbeiter@example.org").await;
    let (s, html) = get(&ba, format!("{}/eingang", app.url)).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(zeilen(&html), 2, "{html}");
    assert!(html.contains("BA-2026-00001") && html.contains("BA-2026-00002"));
    assert!(html.contains("Frankfurt am Main, Stadt"));
    assert!(html.contains("Eingegangen") && !html.contains("14 – "));
    assert!(!html.contains("Entwurf Carport"));
    assert!(
        html.contains("href=\"/eingang\""),
        "navigation links the inbox"
    );

    let (_, html) = get(&ba, format!("{}/eingang?gemeinde=06411000", app.url)).await;
    assert_eq!(zeilen(&html), 1);
    assert!(html.contains(&format!("data-vorgang=\"{}\"", b.id)));
    let (_, html) = get(&ba, format!("{}/eingang?verfahren=vereinfacht", app.url)).await;
    assert_eq!(zeilen(&html), 1);
    assert!(html.contains(&format!("data-vorgang=\"{}\"", a.id)));
    let (_, html) = get(&ba, format!("{}/eingang?status=nachforderung", app.url)).await;
    assert_eq!(zeilen(&html), 0);
    let (_, html) = get(&ba, format!("{}/eingang?frist_tage=30", app.url)).await;
    assert_eq!(zeilen(&html), 0, "no case has a deadline yet");
    let (s, html) = get(&ba, format!("{}/eingang?gemeinde=12345", app.url)).await;
    assert_eq!(s, 422);
    assert!(html.contains("kein Gemeindeschlüssel"), "{html}");
    let (s, _) = get(&ba, format!("{}/eingang?frist_tage=viele", app.url)).await;
    assert_eq!(s, 422);

    // 53 more cases: the first page shows 50, "Ältere Vorgänge" the rest.
    for nr in 3..=55 {
        eingereicht(&w, nr, "vereinfacht", "06412000").await;
    }
    let (_, html) = get(&ba, format!("{}/eingang?verfahren=vereinfacht", app.url)).await;
    assert_eq!(zeilen(&html), 50);
    assert!(html.contains("BA-2026-00055"));
    let start = html.find("href=\"/eingang?").expect("link to older cases");
    let href = &html[start + 6..];
    let href = &href[..href.find('"').unwrap()];
    assert!(
        href.contains("verfahren=vereinfacht") && href.contains("vor="),
        "{href}"
    );
    let (_, html2) = get(&ba, format!("{}{href}", app.url)).await;
    // 54 vereinfacht cases in all (1 and 3..=55).
    assert_eq!(zeilen(&html2), 4, "{html2}");
    assert!(html2.contains(&format!("data-vorgang=\"{}\"", a.id)));
    assert!(!html2.contains("eingang-weiter"));
}

#[tokio::test]
async fn strangers_do_not_reach_the_bauaufsicht_pages() {
    let w = welt().await;
    let app = &w.app;
    let a = eingereicht(&w, 1, "vereinfacht", "06412000").await;
    let (arch, csrf) = app.login("architektin@example.org").await;
    let (s, _) = get(&arch, format!("{}/eingang", app.url)).await;
    assert_eq!(s, 403);
    let (s, _) = get(&arch, format!("{}/vorgaenge/{}/pruefung", app.url, a.id)).await;
    assert_eq!(s, 404);
    let (s, _) = post(
        &arch,
        format!("{}/vorgaenge/{}/pruefung", app.url, a.id),
        &[("_csrf", &csrf), ("ergebnis", "vollstaendig")],
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = get(&arch, format!("{}/fristen", app.url)).await;
    assert_eq!(s, 403);
    let (fremd, csrf) = app.login("fremd@example.org").await;
    let (s, _) = get(&fremd, format!("{}/vorgaenge/{}/pruefung", app.url, a.id)).await;
    assert_eq!(s, 404);
    let (s, _) = post(
        &fremd,
        format!("{}/vorgaenge/{}/pruefung", app.url, a.id),
        &[("_csrf", &csrf), ("ergebnis", "vollstaendig")],
    )
    .await;
    assert_eq!(s, 404);
    let (_, html) = get(&fremd, format!("{}/eingang", app.url)).await;
    assert_eq!(zeilen(&html), 0);
    assert_eq!(zustand(app, a.id).await, "eingegangen");
}

/// The next Saturday after `d`.
fn samstag_nach(d: NaiveDate) -> NaiveDate {
    let mut x = d.succ_opt().unwrap();
    while x.weekday() != Weekday::Sat {
        x = x.succ_opt().unwrap();
    }
    x
}

#[tokio::test]
async fn nachforderung_diff_and_completeness() {
    let w = welt().await;
    let app = &w.app;
    let fall = eingereicht(&w, 7, "vereinfacht", "06412000").await;
    seiten(
        app,
        fall.version_id,
        &["Grundriss EG Wohnen", "Grundriss EG Küche"],
    )
    .await;
    let heute = heute_berlin();
    let vorschlag = frist::berechne(heute, Dauer::Monate(1)).unwrap().ende;
    let vorschlag_iso = vorschlag.format("%Y-%m-%d").to_string();
    let url = format!("{}/vorgaenge/{}/pruefung", app.url, fall.id);

    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let (s, html) = get(&ba, url.clone()).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains(&format!("value=\"{vorschlag_iso}\"")),
        "proposed date prefilled"
    );
    assert!(html.contains("Grundrisse Erdgeschoss"));
    assert!(
        !html.contains("fassungsvergleich"),
        "one Fassung: nothing to compare"
    );

    let code = codeliste::formelle_befunde().eintraege[0].code.clone();
    let dok = fall.dokument_id.to_string();
    // Wrong inputs: no Befund; a Saturday; a day in the past.
    let (s, html) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("ergebnis", "nachforderung"),
            ("frist_ende", &vorschlag_iso),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("mindestens einen Befund"), "{html}");
    let sa = samstag_nach(heute).format("%Y-%m-%d").to_string();
    let befund = [
        ("_csrf", csrf.as_str()),
        ("ergebnis", "nachforderung"),
        ("befund_code", code.as_str()),
        ("befund_text", "Der Brandschutznachweis fehlt."),
        ("befund_dokument", dok.as_str()),
        ("befund_code", ""),
        ("befund_text", ""),
        ("befund_dokument", ""),
    ];
    let mut f = befund.to_vec();
    f.push(("frist_ende", &sa));
    let (s, html) = post(&ba, url.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(html.contains("kein Werktag"), "{html}");
    let mut f = befund.to_vec();
    f.push(("frist_ende", "2001-01-02"));
    let (s, html) = post(&ba, url.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(html.contains("nach dem heutigen Tag"), "{html}");
    let mut f = befund.to_vec();
    f[3] = ("befund_text", "");
    f.push(("frist_ende", &vorschlag_iso));
    let (s, html) = post(&ba, url.clone(), &f).await;
    assert_eq!(s, 422);
    assert!(html.contains("Befund 1: Bitte beschreiben Sie"), "{html}");
    assert_eq!(zustand(app, fall.id).await, "eingegangen");

    // The Nachforderung with the engine's date.
    let mut f = befund.to_vec();
    f.push(("frist_ende", &vorschlag_iso));
    let (s, html) = post(&ba, url.clone(), &f).await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(zustand(app, fall.id).await, "nachforderung");
    let befunde = app.db.befunde(fall.id).await.unwrap();
    assert_eq!(befunde.len(), 1);
    assert_eq!(befunde[0].runde, 1);
    assert_eq!(befunde[0].code, code);
    assert_eq!(befunde[0].dokument_id, Some(fall.dokument_id));
    let fristen = app.db.fristen(fall.id).await.unwrap();
    assert_eq!(fristen.len(), 1);
    assert_eq!(fristen[0].art, FristArt::Nachforderung);
    assert_eq!(fristen[0].rechtsgrundlage, "§ 70 Abs. 2 HBO");
    assert_eq!(fristen[0].ende.to_string(), vorschlag_iso);
    assert_eq!(fristen[0].zustand, FristZustand::Laeuft);
    assert!(fristen[0].erklaerung.contains("§ 187 Abs. 1 BGB"));
    let mails: Vec<(String, String)> =
        sqlx::query_as("SELECT subject, body_text FROM outbox WHERE recipient = $1 AND kind = 'vorgangsmitteilung' ORDER BY id")
            .bind("architektin@example.org")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].0.contains("Unterlagen nachgefordert"),
        "{}",
        mails[0].0
    );
    assert!(
        mails[0].1.contains(&frist::datum_de(vorschlag)),
        "{}",
        mails[0].1
    );
    assert!(mails[0].1.contains("Der Brandschutznachweis fehlt."));
    // The inbox shows the deadline now.
    let (_, html) = get(&ba, format!("{}/eingang?status=nachforderung", app.url)).await;
    assert_eq!(zeilen(&html), 1);
    assert!(html.contains(&frist::datum_de(vorschlag)));
    // A second Nachforderung while one is open is a state conflict.
    let mut f = befund.to_vec();
    f.push(("frist_ende", &vorschlag_iso));
    let (s, _) = post(&ba, url.clone(), &f).await;
    assert_eq!(s, 409);

    // The Nachreichung (as the applicant's pages would do it): page 2 changed.
    let blob = app
        .blobs
        .put_bytes(Bytes::from(a4_salted(2, "nachgereicht")))
        .await
        .unwrap();
    let now = now_millis();
    let mut tx = app.db.begin().await.unwrap();
    let grundrisse = Anlageart::parse("2001").unwrap();
    let neu = Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: fall.id,
            tenant_id: w.tenant,
            dokument_id: Some(fall.dokument_id),
            bezeichnung: "Grundrisse Erdgeschoss",
            anlageart: Some(&grundrisse),
            sha256: &blob.sha256,
            groesse: blob.size as i64,
            dateiname: "grundriss_eg_b.pdf",
            user_id: w.architektin,
        },
        now,
    )
    .await
    .unwrap();
    Db::friere_fassung(&mut tx, fall.id, w.architektin, now)
        .await
        .unwrap();
    Db::wechsle_zustand(
        &mut tx,
        fall.id,
        Zustand::Nachforderung,
        Zustand::Nachgereicht,
        now,
    )
    .await
    .unwrap();
    Db::erledige_fristen(&mut tx, fall.id, FristArt::Nachforderung, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    seiten(
        app,
        neu.id,
        &[
            "Grundriss  EG\nWohnen",
            "Grundriss EG Küche mit Speisekammer",
        ],
    )
    .await;

    let (_, html) = get(&ba, url.clone()).await;
    assert!(
        html.contains("Änderungen von Fassung 1 zu Fassung 2"),
        "{html}"
    );
    let ersetzt = &html[html
        .find("data-testid=\"diff-ersetzt\"")
        .expect("replaced document")..];
    assert!(ersetzt.contains("Grundrisse Erdgeschoss"));
    assert!(ersetzt.contains("Version 1 → Version 2"));
    assert!(html.contains("Seite 2: Inhalt geändert"), "{html}");
    assert!(
        !html.contains("Seite 1:"),
        "page 1 differs only in whitespace"
    );

    // Complete: state 18, the decision deadline of 3 months runs.
    let (s, html) = post(
        &ba,
        url.clone(),
        &[("_csrf", &csrf), ("ergebnis", "vollstaendig")],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(zustand(app, fall.id).await, "vollstaendig");
    let fristen = app.db.fristen(fall.id).await.unwrap();
    let e: Vec<_> = fristen
        .iter()
        .filter(|f| f.art == FristArt::Entscheidung)
        .collect();
    assert_eq!(e.len(), 1, "{fristen:?}");
    let drei = frist::berechne(heute, Dauer::Monate(3)).unwrap().ende;
    assert_eq!(e[0].ende, drei);
    assert_eq!(e[0].start, heute);
    assert_eq!(e[0].zustand, FristZustand::Laeuft);
    assert!(
        e[0].rechtsgrundlage.contains("§ 65"),
        "{}",
        e[0].rechtsgrundlage
    );
    assert!(
        fristen
            .iter()
            .filter(|f| f.art == FristArt::Nachforderung)
            .all(|f| f.zustand == FristZustand::Erledigt)
    );
    let ereignisse = app.db.ereignisse(fall.id).await.unwrap();
    assert!(
        ereignisse
            .iter()
            .any(|e| e.art == Eintragsart::VollstaendigErklaeren
                && e.status_code.as_deref() == Some("18"))
    );
    // Twice: the state machine refuses.
    let (s, _) = post(
        &ba,
        url.clone(),
        &[("_csrf", &csrf), ("ergebnis", "vollstaendig")],
    )
    .await;
    assert_eq!(s, 409);
}

#[tokio::test]
async fn a_date_set_by_the_case_worker_is_recorded_as_such() {
    let w = welt().await;
    let app = &w.app;
    let fall = eingereicht(&w, 1, "vereinfacht", "06412000").await;
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    // Six weeks from today, moved to a working day.
    let mut d = heute_berlin() + chrono::Days::new(42);
    while !frist::ist_arbeitstag(d) {
        d = d.succ_opt().unwrap();
    }
    let d_iso = d.format("%Y-%m-%d").to_string();
    let (s, html) = post(
        &ba,
        format!("{}/vorgaenge/{}/pruefung", app.url, fall.id),
        &[
            ("_csrf", &csrf),
            ("ergebnis", "nachforderung"),
            ("befund_code", "02"),
            ("befund_text", "Die Baubeschreibung fehlt."),
            ("befund_dokument", ""),
            ("frist_ende", &d_iso),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    let f = &app.db.fristen(fall.id).await.unwrap()[0];
    assert_eq!(f.ende.to_string(), d_iso);
    assert!(
        f.erklaerung.contains("behördlich gesetzt"),
        "{}",
        f.erklaerung
    );
}

/// A case in Nachforderung whose deadline the scheduler has marked as due.
async fn faellige_nachforderung(app: &TestApp, w: &Welt, nr: i64) -> (i64, i64) {
    let fall = eingereicht(w, nr, "vereinfacht", "06412000").await;
    let heute = heute_berlin();
    let now = now_millis();
    let mut tx = app.db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        fall.id,
        Zustand::Eingegangen,
        Zustand::Nachforderung,
        now,
    )
    .await
    .unwrap();
    let ende = heute - chrono::Days::new(3);
    let start = heute - chrono::Days::new(40);
    let fid = Db::lege_frist_an(
        &mut tx,
        &plankammer_storage::antrag::NeueFrist {
            vorgang_id: fall.id,
            art: FristArt::Nachforderung,
            rechtsgrundlage: "§ 70 Abs. 2 HBO",
            start,
            ende,
            erklaerung: "Fristende gesetzt.",
        },
        now,
    )
    .await
    .unwrap();
    assert!(
        Db::wechsle_fristzustand(
            &mut tx,
            fid,
            FristZustand::Laeuft,
            FristZustand::Faellig,
            now
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    (fall.id, fid)
}

#[tokio::test]
async fn a_due_deadline_is_confirmed_once_or_extended() {
    let w = welt().await;
    let app = &w.app;
    let (v1, f1) = faellige_nachforderung(app, &w, 1).await;
    let (v2, f2) = faellige_nachforderung(app, &w, 2).await;
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let (s, html) = get(&ba, format!("{}/fristen", app.url)).await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(html.matches("data-testid=\"frist-faellig\"").count(), 2);
    assert!(html.contains("seit 3 Tagen abgelaufen"), "{html}");

    // Strangers cannot act on it.
    let (fremd, fcsrf) = app.login("fremd@example.org").await;
    let (s, _) = post(
        &fremd,
        format!("{}/fristen/{f1}/ruecknahmefiktion", app.url),
        &[("_csrf", &fcsrf)],
    )
    .await;
    assert_eq!(s, 404);

    // Confirmed: status 12, the applicant is told; a second confirmation is refused.
    let (s, html) = post(
        &ba,
        format!("{}/fristen/{f1}/ruecknahmefiktion", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(zustand(app, v1).await, "ruecknahmefiktion");
    assert_eq!(
        app.db.frist(f1).await.unwrap().zustand,
        FristZustand::Ausgeloest
    );
    let e = app.db.ereignisse(v1).await.unwrap();
    let fiktion: Vec<_> = e
        .iter()
        .filter(|e| e.art == Eintragsart::RuecknahmefiktionEintreten)
        .collect();
    assert_eq!(fiktion.len(), 1);
    assert_eq!(fiktion[0].status_code.as_deref(), Some("12"));
    assert!(
        fiktion[0]
            .text
            .contains("Person sachbearbeiter@example.org")
    );
    let (s, html) = post(
        &ba,
        format!("{}/fristen/{f1}/ruecknahmefiktion", app.url),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(s, 409);
    assert!(html.contains("bereits entschieden"), "{html}");
    let subjects: Vec<String> =
        sqlx::query_scalar(
            "SELECT subject FROM outbox WHERE recipient = $1 AND kind = 'vorgangsmitteilung' ORDER BY id",
        )
            .bind("architektin@example.org")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].contains("zurückgenommen"), "{subjects:?}");

    // Extended: needs a reason and a working day in the future.
    let mut neu = heute_berlin() + chrono::Days::new(10);
    while !frist::ist_arbeitstag(neu) {
        neu = neu.succ_opt().unwrap();
    }
    let neu_iso = neu.format("%Y-%m-%d").to_string();
    let url = format!("{}/fristen/{f2}/verlaengern", app.url);
    let (s, html) = post(
        &ba,
        url.clone(),
        &[("_csrf", &csrf), ("neues_ende", &neu_iso), ("grund", " ")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("Grund"), "{html}");
    let sa = samstag_nach(heute_berlin()).format("%Y-%m-%d").to_string();
    let (s, _) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("neues_ende", &sa),
            ("grund", "Krankheit"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    let (s, html) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("neues_ende", &neu_iso),
            ("grund", "Statiker erkrankt"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    let f = app.db.frist(f2).await.unwrap();
    assert_eq!(
        (f.zustand.slug(), f.ende.to_string()),
        ("laeuft", neu_iso.clone())
    );
    assert!(f.erklaerung.contains("Statiker erkrankt"));
    assert_eq!(zustand(app, v2).await, "nachforderung");
    assert!(
        app.db
            .ereignisse(v2)
            .await
            .unwrap()
            .iter()
            .any(|e| e.art == Eintragsart::FristVerlaengert
                && e.text.contains("Statiker erkrankt"))
    );
    let (subject, body): (String, String) = sqlx::query_as(
        "SELECT subject, body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind("architektin@example.org")
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(subject.contains("Frist verlängert"), "{subject}");
    assert!(body.contains(&frist::datum_de(neu)), "{body}");
    let (_, html) = get(&ba, format!("{}/fristen", app.url)).await;
    assert!(html.contains("keine-faelligen"), "{html}");
    assert!(html.contains("fristen-laufend"));
}

/// A complete case in the vereinfachtes Verfahren with its running decision deadline, which
/// ends `tage` days from today.
async fn mit_entscheidungsfrist(
    app: &TestApp,
    w: &Welt,
    nr: i64,
    tage: i64,
    verfahren: &str,
) -> (i64, i64) {
    let fall = eingereicht(w, nr, verfahren, "06412000").await;
    let heute = heute_berlin();
    let now = now_millis();
    let mut tx = app.db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        fall.id,
        Zustand::Eingegangen,
        Zustand::Vollstaendig,
        now,
    )
    .await
    .unwrap();
    let fid = Db::lege_frist_an(
        &mut tx,
        &plankammer_storage::antrag::NeueFrist {
            vorgang_id: fall.id,
            art: FristArt::Entscheidung,
            rechtsgrundlage: "§ 65 Abs. 2 HBO",
            start: heute - chrono::Days::new(60),
            ende: heute + chrono::Duration::days(tage),
            erklaerung: "Drei Monate.",
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (fall.id, fid)
}

#[tokio::test]
async fn the_decision_deadline_is_extended_once_by_at_most_two_months() {
    let w = welt().await;
    let app = &w.app;
    let (v, f) = mit_entscheidungsfrist(app, &w, 1, 5, "vereinfacht").await;
    let (_, f_regulaer) = mit_entscheidungsfrist(app, &w, 2, 5, "baugenehmigung").await;
    let (ba, csrf) = app.login("sachbearbeiter@example.org").await;
    let alt = app.db.frist(f).await.unwrap().ende;
    let spaetestens = frist::berechne(alt, frist::Dauer::Monate(2)).unwrap().ende;

    let (s, html) = get(&ba, format!("{}/fristen", app.url)).await;
    assert_eq!(s, 200);
    assert_eq!(
        html.matches("data-testid=\"entscheidungsfrist-verlaengern\"")
            .count(),
        1,
        "only the vereinfachtes Verfahren's deadline offers it"
    );
    assert!(
        html.contains(&format!("max=\"{}\"", spaetestens.format("%Y-%m-%d"))),
        "{html}"
    );

    let url = format!("{}/fristen/{f}/verlaengern", app.url);
    // Beyond two months: refused with the latest allowed day.
    let mut zu_spaet = spaetestens + chrono::Days::new(1);
    while !frist::ist_arbeitstag(zu_spaet) {
        zu_spaet = zu_spaet.succ_opt().unwrap();
    }
    let (s, html) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("neues_ende", &zu_spaet.format("%Y-%m-%d").to_string()),
            ("grund", "Gutachten"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("höchstens 2 Monate"), "{html}");
    // The regular procedure's deadline is not extended here.
    let (s, _) = post(
        &ba,
        format!("{}/fristen/{f_regulaer}/verlaengern", app.url),
        &[
            ("_csrf", &csrf),
            ("neues_ende", &spaetestens.format("%Y-%m-%d").to_string()),
            ("grund", "Gutachten"),
        ],
    )
    .await;
    assert_eq!(s, 409);

    let mut neu = spaetestens;
    while !frist::ist_arbeitstag(neu) {
        neu = neu.pred_opt().unwrap();
    }
    let neu_iso = neu.format("%Y-%m-%d").to_string();
    let (s, html) = post(
        &ba,
        url.clone(),
        &[
            ("_csrf", &csrf),
            ("neues_ende", &neu_iso),
            ("grund", "Brandschutzgutachten fehlt"),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    assert_eq!(app.db.frist(f).await.unwrap().ende.to_string(), neu_iso);
    let e: Vec<_> = app
        .db
        .ereignisse(v)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == Eintragsart::EntscheidungsfristVerlaengert)
        .collect();
    assert_eq!(e.len(), 1);
    assert!(e[0].text.contains("Brandschutzgutachten fehlt"));
    let subject: String = sqlx::query_scalar(
        "SELECT subject FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind("architektin@example.org")
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(
        subject.contains("Entscheidungsfrist verlängert"),
        "{subject}"
    );

    // Only once.
    let (s, html) = post(
        &ba,
        url,
        &[
            ("_csrf", &csrf),
            ("neues_ende", &neu_iso),
            ("grund", "Noch einmal"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("nur einmal verlängert"), "{html}");
    let (_, html) = get(&ba, format!("{}/fristen", app.url)).await;
    assert_eq!(
        html.matches("data-testid=\"entscheidungsfrist-verlaengern\"")
            .count(),
        0
    );
}
