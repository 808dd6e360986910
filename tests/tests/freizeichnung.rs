//! The Bauherrschaft's Freizeichnung binds to what was signed (docs/decisions/0006): the
//! Angaben and the exact document versions. A later change invalidates it (once: one mail
//! to the architect and the Bauherrschaft, one timeline entry), submission is refused until
//! it is given again; in a Nachreichung only plans and other documents that describe the
//! Vorhaben ask for it again, Nachweise do not.

use bytes::Bytes;
use plankammer_domain::Role;
use plankammer_domain::freizeichnung::Aenderung;
use plankammer_domain::verfahren::{Checkliste, Verfahrensart};
use plankammer_storage::{Db, now_millis, sha256_hex};
use plankammer_tests::welt::{self, ARCHITEKTIN, Fall, Fallangaben, Welt, angaben};
use plankammer_verfahren::Fehler;
use plankammer_verfahren::dokumente::{Hochladegrenzen, Ziel};
use plankammer_verfahren::freizeichnung::FreizeichnungsZustand;

const BERTA: &str = "berta.bauherrin@example.org";

/// A draft of the architect with the Bauherrschaft invited and accepted; the tenant's
/// checklist asks for nothing, so only the Freizeichnung decides.
async fn entwurf_mit_bauherrschaft(w: &Welt, nr: i64) -> Fall {
    let fall = w.fall(Fallangaben::nummer(nr)).entwurf().await;
    let leer = Checkliste {
        version: 1,
        verfahren: Verfahrensart::VereinfachtesVerfahren,
        positionen: Vec::new(),
    };
    w.app
        .db
        .speichere_checkliste(
            w.tenant,
            Verfahrensart::VereinfachtesVerfahren,
            &leer.zu_json(),
            None,
            now_millis(),
        )
        .await
        .unwrap();
    if w.app
        .db
        .user_by_email(&plankammer_domain::Email::parse(BERTA).unwrap())
        .await
        .is_err()
    {
        w.person(BERTA, Role::Antragsteller).await;
    }
    let geheim = format!("geheim-{nr}");
    let mut tx = w.app.db.begin().await.unwrap();
    Db::lade_beteiligten_ein(
        &mut tx,
        fall.id,
        BERTA,
        "Berta Bauherrin",
        &sha256_hex(&geheim),
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let berta = w.akteur(BERTA).await;
    w.app
        .verfahren
        .einladung_annehmen(&berta, &geheim)
        .await
        .unwrap();
    welt::pipeline_fertig(&w.app, fall.id).await;
    fall
}

/// The architect uploads `ziel` (a unique PDF).
async fn hochladen(w: &Welt, id: i64, ziel: Ziel<'_>, salz: &str) {
    let a = w.app.db.antrag(id).await.unwrap();
    let pdf = plankammer_tests::pdf::a4_salted(1, salz);
    let body = futures::stream::iter([Ok::<Bytes, std::io::Error>(Bytes::from(pdf))]);
    w.app
        .verfahren
        .hochladen(
            &w.akteur(ARCHITEKTIN).await,
            &a,
            ziel,
            &format!("{salz}.pdf"),
            Hochladegrenzen::default(),
            body,
        )
        .await
        .unwrap();
}

async fn stand(w: &Welt, id: i64) -> plankammer_verfahren::freizeichnung::Freizeichnungsstand {
    let a = w.app.db.antrag(id).await.unwrap();
    let mut s = w.app.verfahren.freizeichnungen(&a).await.unwrap();
    assert_eq!(s.len(), 1);
    s.remove(0)
}

/// How many "sign again" mails a person got.
async fn erneut_mails(w: &Welt, an: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE recipient = $1 AND body_text LIKE '%erneut freizeichnen%'",
    )
    .bind(an)
    .fetch_one(w.app.db.pool())
    .await
    .unwrap()
}

async fn post(c: &reqwest::Client, url: String, csrf: &str) -> (u16, String) {
    let r = c.post(url).form(&[("_csrf", csrf)]).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_new_version_invalidates_the_freizeichnung_until_it_is_given_again() {
    let w = Welt::neu().await;
    let fall = entwurf_mit_bauherrschaft(&w, 1).await;
    let berta = w.akteur(BERTA).await;
    let v = &w.app.verfahren;
    assert_eq!(
        stand(&w, fall.id).await.zustand,
        FreizeichnungsZustand::Offen
    );

    v.freizeichnen(&berta, fall.id).await.unwrap();
    let s = stand(&w, fall.id).await;
    assert_eq!(s.zustand, FreizeichnungsZustand::Gueltig);
    let g = s.gezeichnet.expect("what was signed");
    assert_eq!(g.unterlagen.len(), 1);
    assert_eq!(g.unterlagen[0].version_id, fall.version_id);
    assert_eq!(
        g.unterlagen[0].sha256,
        w.app.db.version(fall.version_id).await.unwrap().sha256,
        "the exact bytes signed"
    );
    assert_eq!(s.sha256.as_ref().map(String::len), Some(64));
    assert!(
        matches!(v.freizeichnen(&berta, fall.id).await, Err(Fehler::Konflikt(m)) if m.contains("bereits freigezeichnet"))
    );

    // A new version of the plan: the Freizeichnung no longer covers the case.
    hochladen(
        &w,
        fall.id,
        Ziel::NeueVersion {
            dokument_id: fall.dokument_id,
        },
        "grundriss-index-b",
    )
    .await;
    let s = stand(&w, fall.id).await;
    assert_eq!(s.zustand, FreizeichnungsZustand::Ungueltig);
    assert!(
        matches!(&s.aenderungen[..], [Aenderung::NeueVersion { dokument_id, .. }] if *dokument_id == fall.dokument_id),
        "{:?}",
        s.aenderungen
    );
    assert_eq!(
        erneut_mails(&w, ARCHITEKTIN).await,
        1,
        "the architect is told"
    );
    assert_eq!(
        erneut_mails(&w, BERTA).await,
        1,
        "the Bauherrschaft is told"
    );
    // A further change while it is invalid tells nobody again.
    let baubeschreibung = plankammer_domain::anlageart::Anlageart::parse("1502").unwrap();
    hochladen(
        &w,
        fall.id,
        Ziel::NeuesDokument {
            bezeichnung: "Baubeschreibung",
            anlageart: Some(&baubeschreibung),
        },
        "baubeschreibung",
    )
    .await;
    assert_eq!(erneut_mails(&w, ARCHITEKTIN).await, 1, "once");
    assert_eq!(erneut_mails(&w, BERTA).await, 1, "once");
    let arten: Vec<String> = w
        .app
        .db
        .ereignisse(fall.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.art.slug().to_string())
        .collect();
    assert_eq!(
        arten
            .iter()
            .filter(|a| *a == "freizeichnung_ungueltig")
            .count(),
        1,
        "{arten:?}"
    );
    welt::pipeline_fertig(&w.app, fall.id).await;

    // The checklist blocks, submission is refused with 409.
    let a = w.app.db.antrag(fall.id).await.unwrap();
    let hindernisse = v.einreichungshindernisse(&a, None).await.unwrap();
    assert!(
        hindernisse.iter().any(|h| h.contains(
            "Die Bauherrschaft (Berta Bauherrin) muss den geänderten Antrag erneut freizeichnen"
        ) && h.contains("neue Version")),
        "{hindernisse:?}"
    );
    let (c, csrf) = w.app.login(ARCHITEKTIN).await;
    let (s, body) = post(
        &c,
        format!("{}/vorgaenge/{}/einreichen", w.app.url, fall.id),
        &csrf,
    )
    .await;
    assert_eq!(s, 409, "{body}");
    assert!(body.contains("erneut freizeichnen"), "{body}");

    // The Bauherrschaft sees why and signs again; then the case may be submitted.
    let (b, b_csrf) = w.app.login(BERTA).await;
    let seite = b
        .get(format!("{}/vorgaenge/{}", w.app.url, fall.id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        seite.contains("data-testid=\"freizeichnung-ungueltig\"")
            && seite.contains("Geänderten Antrag erneut freizeichnen")
            && seite.contains("neue Version"),
        "{seite}"
    );
    let (s, _) = post(
        &b,
        format!("{}/vorgaenge/{}/freizeichnen", w.app.url, fall.id),
        &b_csrf,
    )
    .await;
    assert_eq!(s, 303);
    let s = stand(&w, fall.id).await;
    assert_eq!(s.zustand, FreizeichnungsZustand::Gueltig);
    assert_eq!(s.gezeichnet.unwrap().unterlagen.len(), 2);
    assert!(w.app.db.ereignisse(fall.id).await.unwrap().iter().any(|e| {
        e.text
            .contains("hat den geänderten Antrag erneut freigezeichnet")
    }));
    let (s, body) = post(
        &c,
        format!("{}/vorgaenge/{}/einreichen", w.app.url, fall.id),
        &csrf,
    )
    .await;
    assert_eq!(s, 303, "{body}");
    assert_eq!(
        w.app.db.antrag(fall.id).await.unwrap().zustand,
        "eingegangen"
    );
    // Submitted: the Freizeichnung stands as it was given.
    assert_eq!(
        stand(&w, fall.id).await.zustand,
        FreizeichnungsZustand::Gueltig
    );
}

#[tokio::test]
async fn changed_angaben_invalidate_the_freizeichnung_unchanged_ones_do_not() {
    let w = Welt::neu().await;
    let fall = entwurf_mit_bauherrschaft(&w, 2).await;
    let v = &w.app.verfahren;
    let architektin = w.akteur(ARCHITEKTIN).await;
    v.freizeichnen(&w.akteur(BERTA).await, fall.id)
        .await
        .unwrap();
    let mut eingabe = angaben(
        Verfahrensart::VereinfachtesVerfahren,
        "06412000",
        "Neubau Einfamilienhaus 2",
    );
    // Saving the same Angaben again changes nothing that was signed.
    v.angaben_speichern(&architektin, fall.id, &eingabe)
        .await
        .unwrap();
    assert_eq!(
        stand(&w, fall.id).await.zustand,
        FreizeichnungsZustand::Gueltig
    );
    eingabe.hausnummer = "14".into();
    v.angaben_speichern(&architektin, fall.id, &eingabe)
        .await
        .unwrap();
    let s = stand(&w, fall.id).await;
    assert_eq!(s.zustand, FreizeichnungsZustand::Ungueltig);
    assert_eq!(s.aenderungen, vec![Aenderung::Angaben]);
    assert_eq!(erneut_mails(&w, ARCHITEKTIN).await, 1);
    assert_eq!(erneut_mails(&w, BERTA).await, 1);
    // Undoing the change does not bring the old Freizeichnung back: she was told to look.
    eingabe.hausnummer = "12".into();
    v.angaben_speichern(&architektin, fall.id, &eingabe)
        .await
        .unwrap();
    assert_eq!(
        stand(&w, fall.id).await.zustand,
        FreizeichnungsZustand::Ungueltig
    );
    assert!(matches!(
        v.einreichen(&architektin, fall.id).await,
        Err(Fehler::Konflikt(_))
    ));
}

/// Puts a submitted case into a running Nachforderung (the Bauaufsicht's step has its own
/// tests).
async fn nachforderung(w: &Welt, id: i64) {
    sqlx::query("UPDATE vorgaenge SET zustand = 'nachforderung' WHERE id = $1")
        .bind(id)
        .execute(w.app.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_nachreichung_asks_again_for_plans_but_not_for_nachweise() {
    let w = Welt::neu().await;
    let fall = entwurf_mit_bauherrschaft(&w, 3).await;
    let v = &w.app.verfahren;
    let architektin = w.akteur(ARCHITEKTIN).await;
    let berta = w.akteur(BERTA).await;
    v.freizeichnen(&berta, fall.id).await.unwrap();
    v.einreichen(&architektin, fall.id).await.unwrap();
    nachforderung(&w, fall.id).await;
    assert!(
        matches!(
            v.freizeichnen(&berta, fall.id).await,
            Err(Fehler::Konflikt(_))
        ),
        "nothing to sign again while nothing changed"
    );

    // A Standsicherheitsnachweis is a Nachweis: nachgereicht without a new Freizeichnung,
    // and the Bauherrschaft is shown it.
    let statik = plankammer_domain::anlageart::Anlageart::parse("2801").unwrap();
    hochladen(
        &w,
        fall.id,
        Ziel::NeuesDokument {
            bezeichnung: "Standsicherheitsnachweis",
            anlageart: Some(&statik),
        },
        "statik",
    )
    .await;
    assert_eq!(
        stand(&w, fall.id).await.zustand,
        FreizeichnungsZustand::Gueltig
    );
    assert_eq!(erneut_mails(&w, BERTA).await, 0);
    welt::pipeline_fertig(&w.app, fall.id).await;
    let f = v.nachreichen(&architektin, fall.id).await.unwrap();
    assert_eq!(f.nummer, 2);
    let gezeigt: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE recipient = $1 AND body_text LIKE '%Ohne neue Freizeichnung%Standsicherheitsnachweis%'",
    )
    .bind(BERTA)
    .fetch_one(w.app.db.pool())
    .await
    .unwrap();
    assert_eq!(gezeigt, 1, "the Bauherrschaft is shown the Nachweis");

    // A new version of the Grundriss changes the Vorhaben: signed again before the
    // Nachreichung.
    nachforderung(&w, fall.id).await;
    hochladen(
        &w,
        fall.id,
        Ziel::NeueVersion {
            dokument_id: fall.dokument_id,
        },
        "grundriss-index-c",
    )
    .await;
    welt::pipeline_fertig(&w.app, fall.id).await;
    let s = stand(&w, fall.id).await;
    assert_eq!(s.zustand, FreizeichnungsZustand::Ungueltig);
    assert_eq!(
        s.aenderungen.len(),
        1,
        "only the plan counts, not the Nachweis: {:?}",
        s.aenderungen
    );
    assert_eq!(erneut_mails(&w, ARCHITEKTIN).await, 1);
    assert_eq!(erneut_mails(&w, BERTA).await, 1);
    match v.nachreichen(&architektin, fall.id).await {
        Err(Fehler::Konflikt(m)) => assert!(m.contains("erneut freizeichnen"), "{m}"),
        other => panic!("refused until signed again: {other:?}"),
    }
    v.freizeichnen(&berta, fall.id).await.unwrap();
    assert_eq!(
        stand(&w, fall.id).await.zustand,
        FreizeichnungsZustand::Gueltig
    );
    let f = v.nachreichen(&architektin, fall.id).await.unwrap();
    assert_eq!(f.nummer, 3);
}

/// The trust level of the sign-in (issue 13): shown in the record of the Freizeichnung and
/// the submission, and a tenant may require a least level for submitting.
#[tokio::test]
async fn a_tenant_can_require_a_trust_level_for_submission_and_the_record_names_it() {
    use plankammer_domain::vertrauensniveau::Vertrauensniveau;
    use plankammer_verfahren::Anmeldeweg;
    let w = Welt::neu().await;
    let fall = entwurf_mit_bauherrschaft(&w, 9).await;
    let v = &w.app.verfahren;
    let berta = w
        .akteur(BERTA)
        .await
        .angemeldet(Anmeldeweg::Servicekonto, Some(Vertrauensniveau::Hoch));
    v.freizeichnen(&berta, fall.id).await.unwrap();
    let admin = w.akteur(plankammer_tests::welt::ADMIN).await;
    v.anmeldeeinstellungen_setzen(
        &admin,
        &plankammer_storage::identitaeten::Anmeldeeinstellungen {
            lokale_anmeldung: true,
            mindest_niveau: Some("substantiell".into()),
        },
        None,
    )
    .await
    .unwrap();
    let architektin = w.akteur(ARCHITEKTIN).await;
    // A password session has no level; a low one is not enough.
    for a in [
        architektin.clone(),
        architektin
            .clone()
            .angemeldet(Anmeldeweg::Servicekonto, Some(Vertrauensniveau::Niedrig)),
    ] {
        match v.einreichen(&a, fall.id).await {
            Err(Fehler::Konflikt(m)) => assert!(m.contains("„substantiell“"), "{m}"),
            other => panic!("submitted below the level: {other:?}"),
        }
    }
    assert_eq!(w.app.db.antrag(fall.id).await.unwrap().zustand, "entwurf");
    let mit_niveau = architektin.angemeldet(
        Anmeldeweg::Servicekonto,
        Some(Vertrauensniveau::Substantiell),
    );
    v.einreichen(&mit_niveau, fall.id).await.unwrap();
    let texte: Vec<String> = w
        .app
        .db
        .ereignisse(fall.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.text)
        .collect();
    assert!(
        texte
            .iter()
            .any(|t| t.contains("freigezeichnet") && t.contains("Vertrauensniveau „hoch“")),
        "{texte:?}"
    );
    assert!(
        texte.iter().any(|t| t.starts_with("Antrag eingereicht")
            && t.contains("Vertrauensniveau „substantiell“")),
        "{texte:?}"
    );
}
