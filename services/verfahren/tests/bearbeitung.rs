//! The case worker's side (bearbeitung.rs): the work list leads through the Beteiligung
//! (each Stelle's deadline, a Rückfrage, a new Stellungnahme until it is opened), every
//! deadline counts for the inbox, a case is assigned with a deputy (mails and "meine
//! Vorgänge" follow), and internal notes stay with the Bauaufsicht.

use crate::beteiligung_welt::*;
use plankammer_domain::Role;
use plankammer_domain::aufgabe::AufgabenArt;
use plankammer_domain::beteiligung::Zustimmung;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::antrag::EingangsFilter;
use plankammer_storage::heute_berlin;
use plankammer_verfahren::bearbeitung::Aufgabe;
use plankammer_verfahren::fachstelle::StellungnahmeEingabe;
use plankammer_verfahren::{Akteur, Fehler};

fn arten(l: &[Aufgabe]) -> Vec<(AufgabenArt, i64)> {
    l.iter().map(|a| (a.art, a.vorgang_id)).collect()
}

async fn liste(w: &Welt, wer: &Akteur, tage: u32, meine: bool) -> Vec<Aufgabe> {
    w.v.aufgaben(wer, heute_berlin(), tage, meine)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_work_list_leads_the_case_worker_through_the_beteiligung() {
    let w = welt().await;
    let v = w.vorgang;
    // The complete case waits for its Beteiligung.
    let l = liste(&w, &w.ba, 7, false).await;
    assert_eq!(arten(&l), vec![(AufgabenArt::BeteiligungStarten, v)]);
    assert_eq!(l[0].pfad, format!("/vorgaenge/{v}/beteiligung"));

    let ids = w.frage_an(&[w.brandschutz, w.gemeinde]).await;
    let (bs, gm) = (ids[0], ids[1]);
    // Each Stelle's deadline is a deadline of the case: the inbox's next deadline is the
    // earliest of them (it was empty before).
    let b_bs = w.db.beteiligung(bs).await.unwrap();
    let b_gm = w.db.beteiligung(gm).await.unwrap();
    let fruehste = b_bs.ende.min(b_gm.ende);
    assert_eq!(w.db.antrag(v).await.unwrap().naechste_frist, Some(fruehste));
    // Not within a week yet; within the horizon of three months both are listed.
    assert!(liste(&w, &w.ba, 7, false).await.is_empty());
    let lang = liste(&w, &w.ba, 90, false).await;
    assert_eq!(
        arten(&lang),
        vec![(AufgabenArt::StellenfristEndet, v); 2],
        "{lang:?}"
    );

    // The Brandschutz's deadline now ends in two days: the work list names it, with the
    // Stelle and where to act.
    w.setze_ende(bs, 2).await;
    let l = liste(&w, &w.ba, 7, false).await;
    assert_eq!(arten(&l), vec![(AufgabenArt::StellenfristEndet, v)]);
    assert_eq!(l[0].frist, Some(tag(2)));
    assert!(
        l[0].text.contains("Brandschutzdienststelle"),
        "{}",
        l[0].text
    );
    assert_eq!(
        l[0].pfad,
        format!("/vorgaenge/{v}/beteiligung#beteiligung-{bs}")
    );

    // A Rückfrage of the Stelle comes first (same deadline, someone waits for an answer).
    let r =
        w.v.rueckfrage_stellen(&w.fs1, bs, "Ist die Zufahrt 3 m breit?", false)
            .await
            .unwrap();
    let l = liste(&w, &w.ba, 7, false).await;
    assert_eq!(
        arten(&l),
        vec![
            (AufgabenArt::OffeneRueckfrage, v),
            (AufgabenArt::StellenfristEndet, v)
        ]
    );
    assert_eq!(l[0].frist, Some(tag(2)));
    // The case page shows the same for this case.
    let am =
        w.v.aufgaben_am_vorgang(&w.ba, v, heute_berlin())
            .await
            .unwrap();
    assert!(am.iter().any(|a| a.art == AufgabenArt::OffeneRueckfrage));
    w.v.rueckfrage_beantworten(&w.ba, bs, r, "Ja, 3,5 m.", false)
        .await
        .unwrap();
    assert_eq!(
        arten(&liste(&w, &w.ba, 7, false).await),
        vec![(AufgabenArt::StellenfristEndet, v)],
        "an answered Rückfrage leaves the list"
    );

    // The Stellungnahme arrives: new until the case worker opens the Beteiligung; the
    // Stelle's deadline is no longer a task.
    w.v.stellungnahme_abgeben(
        &w.fs1,
        bs,
        &StellungnahmeEingabe {
            tenor: "Keine Bedenken.".into(),
            zustimmung: Some(Zustimmung::Ja),
            ..StellungnahmeEingabe::default()
        },
    )
    .await
    .unwrap();
    let l = liste(&w, &w.ba, 7, false).await;
    assert_eq!(arten(&l), vec![(AufgabenArt::NeueStellungnahme, v)]);
    assert!(l[0].seit.is_some());
    assert_eq!(
        w.db.antrag(v).await.unwrap().naechste_frist,
        Some(b_gm.ende)
    );
    // Assigned to a colleague: another case worker looking in leaves the news for her.
    let ba2 = w
        .weiteres_konto("ba2@example.org", "Sachbearbeiterin", Role::Bauaufsicht)
        .await;
    w.v.zustaendigkeit_setzen(&w.ba, v, Some(ba2.user_id), None)
        .await
        .unwrap();
    assert_eq!(w.v.stellungnahmen_gesehen(&w.ba, v).await.unwrap(), 0);
    assert_eq!(
        arten(&liste(&w, &ba2, 7, true).await),
        vec![(AufgabenArt::NeueStellungnahme, v)]
    );
    assert_eq!(w.v.stellungnahmen_gesehen(&ba2, v).await.unwrap(), 1);
    assert!(liste(&w, &w.ba, 7, false).await.is_empty());
    assert_eq!(w.v.stellungnahmen_gesehen(&w.ba, v).await.unwrap(), 0);

    // Only the tenant's Bauaufsicht reads it.
    for wer in [&w.arch, &w.fs1] {
        assert!(matches!(
            w.v.aufgaben(wer, heute_berlin(), 7, false).await,
            Err(Fehler::KeineBerechtigung)
        ));
    }
    assert!(
        !liste(&w, &w.ba_fremd, 365, false)
            .await
            .iter()
            .any(|a| a.vorgang_id == v),
        "another tenant's case worker never sees this case"
    );
    nicht_gefunden(
        w.v.aufgaben_am_vorgang(&w.ba_fremd, v, heute_berlin())
            .await,
    );
    nicht_gefunden(w.v.stellungnahmen_gesehen(&w.ba_fremd, v).await);
    for tage in [0, 366] {
        assert!(matches!(
            w.v.aufgaben(&w.ba, heute_berlin(), tage, false).await,
            Err(Fehler::Ungueltig(_))
        ));
    }
}

#[tokio::test]
async fn a_case_is_assigned_with_a_deputy_and_mails_and_filters_follow() {
    let w = welt().await;
    let v = w.vorgang;
    let ba2 = w
        .weiteres_konto("ba2@example.org", "Vertreter", Role::Bauaufsicht)
        .await;
    let ba3 = w
        .weiteres_konto("ba3@example.org", "Kollegin", Role::Bauaufsicht)
        .await;
    let (z, moegliche) = w.v.zustaendigkeit(&w.ba, v).await.unwrap();
    assert_eq!(z.bearbeiter, None);
    let mut ids: Vec<i64> = moegliche.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    let mut erwartet = vec![w.ba.user_id, ba2.user_id, ba3.user_id];
    erwartet.sort_unstable();
    assert_eq!(
        ids, erwartet,
        "only the tenant's case workers can be chosen"
    );

    // Wrong choices are refused in German and change nothing.
    let s = saetze(
        w.v.zustaendigkeit_setzen(&w.ba, v, Some(ba2.user_id), Some(ba2.user_id))
            .await,
    );
    assert!(s[0].contains("verschiedene Personen"), "{s:?}");
    for fremd in [w.fs1.user_id, w.arch.user_id, w.ba_fremd.user_id] {
        saetze(
            w.v.zustaendigkeit_setzen(&w.ba, v, Some(w.ba.user_id), Some(fremd))
                .await,
        );
    }
    nicht_gefunden(
        w.v.zustaendigkeit_setzen(&w.ba_fremd, v, Some(w.ba_fremd.user_id), None)
            .await,
    );
    nicht_gefunden(w.v.zustaendigkeit_setzen(&w.arch, v, None, None).await);
    assert_eq!(
        w.v.zustaendigkeit(&w.ba, v).await.unwrap().0.bearbeiter,
        None
    );

    // The case worker takes the case and names a deputy: the deputy is told, not herself.
    w.v.zustaendigkeit_setzen(&w.ba, v, Some(w.ba.user_id), Some(ba2.user_id))
        .await
        .unwrap();
    assert_eq!(
        w.an("Ihnen wurde ein Vorgang zugewiesen").await,
        vec!["ba2@example.org".to_string()]
    );
    let z = w.v.zustaendigkeit(&w.ba, v).await.unwrap().0;
    assert_eq!(
        z.bearbeiter.map(|p| p.name),
        Some("Sachbearbeiterin".into())
    );
    assert_eq!(z.vertretung.map(|p| p.id), Some(ba2.user_id));
    assert_eq!(
        w.eintraege(Eintragsart::ZustaendigkeitGeaendert)
            .await
            .len(),
        1
    );
    assert!(!Eintragsart::ZustaendigkeitGeaendert.fuer_antragsteller());
    assert_eq!(w.audit("vorgang.zustaendigkeit").await, 1);
    // Saving the same again changes nothing and tells nobody.
    w.v.zustaendigkeit_setzen(&w.ba, v, Some(w.ba.user_id), Some(ba2.user_id))
        .await
        .unwrap();
    assert_eq!(
        w.eintraege(Eintragsart::ZustaendigkeitGeaendert)
            .await
            .len(),
        1
    );
    assert_eq!(w.an("Ihnen wurde ein Vorgang zugewiesen").await.len(), 1);

    // Mails for the Bauaufsicht now go to the two of them, not to the third colleague.
    let ids = w.frage_an(&[w.brandschutz]).await;
    let r =
        w.v.rueckfrage_stellen(&w.fs1, ids[0], "Wo ist der Feuerwehrplan?", false)
            .await
            .unwrap();
    assert_eq!(
        w.an("Rückfrage der Stelle").await,
        vec!["ba2@example.org".to_string(), "ba@example.org".to_string()]
    );

    // "Meine Vorgänge": the deputy sees the case, the colleague only in everyone's list.
    let hat = |l: Vec<Aufgabe>| l.iter().any(|a| a.vorgang_id == v);
    assert!(hat(liste(&w, &ba2, 7, true).await));
    assert!(hat(liste(&w, &w.ba, 7, true).await));
    assert!(!hat(liste(&w, &ba3, 7, true).await));
    assert!(hat(liste(&w, &ba3, 7, false).await));
    let eingang = |wer: &Akteur| EingangsFilter {
        bearbeitet_von: Some(wer.user_id),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        w.v.eingang(&ba2, &eingang(&ba2))
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>(),
        vec![v]
    );
    assert!(w.v.eingang(&ba3, &eingang(&ba3)).await.unwrap().is_empty());

    // Nobody assigned again: everyone is mailed again.
    w.v.rueckfrage_beantworten(&w.ba, ids[0], r, "Anlage 7.", false)
        .await
        .unwrap();
    w.v.zustaendigkeit_setzen(&w.ba, v, None, None)
        .await
        .unwrap();
    w.v.rueckfrage_stellen(&w.fs1, ids[0], "Und die Zufahrt?", false)
        .await
        .unwrap();
    let an = w.an("Rückfrage der Stelle").await;
    assert_eq!(
        an.iter().filter(|a| *a == "ba3@example.org").count(),
        1,
        "{an:?}"
    );
}

#[tokio::test]
async fn internal_notes_stay_with_the_bauaufsicht() {
    let w = welt().await;
    let v = w.vorgang;
    let s = saetze(w.v.notiz_anlegen(&w.ba, v, "   ").await);
    assert_eq!(s, vec!["Bitte schreiben Sie die Notiz.".to_string()]);
    let lang = "x".repeat(4001);
    let s = saetze(w.v.notiz_anlegen(&w.ba, v, &lang).await);
    assert!(s[0].contains("höchstens 4000 Zeichen"), "{s:?}");
    assert!(w.v.notizen(&w.ba, v).await.unwrap().is_empty());

    let id =
        w.v.notiz_anlegen(&w.ba, v, "  Rückruf bei Frau Muster am Montag.  ")
            .await
            .unwrap();
    let n = w.v.notizen(&w.ba, v).await.unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].id, id);
    assert_eq!(n[0].text, "Rückruf bei Frau Muster am Montag.");
    assert_eq!(n[0].user_name, "Sachbearbeiterin");
    // Audited without its text (which names a person).
    assert_eq!(w.audit("vorgang.notiz").await, 1);
    let eintrag =
        w.db.audit_entries(w.tenant, 10)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.action == "vorgang.notiz")
            .unwrap();
    assert!(
        !eintrag.detail.to_string().contains("Muster"),
        "{:?}",
        eintrag.detail
    );
    // Nobody else reads or writes them: not the applicant, not a Stelle, not a neighbour.
    for wer in [&w.arch, &w.fs1, &w.ba_fremd] {
        nicht_gefunden(w.v.notizen(wer, v).await);
        nicht_gefunden(w.v.notiz_anlegen(wer, v, "Hallo").await);
    }
    // Nor does the applicant's view of the timeline hold anything of it.
    assert!(
        w.db.ereignisse(v)
            .await
            .unwrap()
            .iter()
            .all(|e| !e.text.contains("Muster"))
    );
}

#[tokio::test]
async fn a_document_that_failed_for_good_is_a_task_until_it_runs_again() {
    let w = welt().await;
    let v = w.vorgang;
    let mut tx = w.db.begin().await.unwrap();
    plankammer_storage::Db::enqueue_stufe(
        &mut tx,
        w.versionen[1],
        w.tenant,
        "validate",
        plankammer_storage::now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let hat_fehler = |l: Vec<Aufgabe>| {
        l.into_iter()
            .filter(|a| a.art == AufgabenArt::VerarbeitungFehlgeschlagen)
            .collect::<Vec<_>>()
    };
    assert!(
        hat_fehler(liste(&w, &w.ba, 7, false).await).is_empty(),
        "queued is not failed"
    );
    sqlx::query("UPDATE jobs SET state = 'failed', finished_at = $2 WHERE tenant_id = $1")
        .bind(w.tenant)
        .bind(plankammer_storage::now_millis())
        .execute(w.db.pool())
        .await
        .unwrap();
    let f = hat_fehler(liste(&w, &w.ba, 7, false).await);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].vorgang_id, v);
    assert!(f[0].text.contains("Grundriss EG.pdf"), "{}", f[0].text);
    assert_eq!(f[0].pfad, format!("/vorgaenge/{v}#dokumente"));
    // Run again (the admin's "erneut versuchen"): no longer a task.
    sqlx::query("UPDATE jobs SET state = 'queued' WHERE tenant_id = $1")
        .bind(w.tenant)
        .execute(w.db.pool())
        .await
        .unwrap();
    assert!(hat_fehler(liste(&w, &w.ba, 7, false).await).is_empty());
}

/// The plans' title blocks against the Angaben (plausibility): what the reading found on a
/// plan that fits is no warning; another Bauherr, Entwurfsverfasser and Grundstück are.
#[tokio::test]
async fn title_blocks_that_name_someone_else_are_a_warning_not_a_block() {
    use plankammer_domain::antrag::{Angaben, Flurstueck};
    use plankammer_storage::dokumente::{MetaFeld, Seite};
    let w = welt().await;
    let v = w.vorgang;
    let mut g = Angaben::default();
    g.bauherrschaft.name = "Jana Becker".into();
    g.entwurfsverfasser.name = "Sabine Hoffmann".into();
    g.grundstueck.strasse = "Lindenweg".into();
    g.grundstueck.hausnummer = "12".into();
    g.grundstueck.flurstuecke = vec![Flurstueck::parse("123/4").unwrap()];
    // The submitted case's Angaben (the steps change them only in the draft).
    sqlx::query("UPDATE vorgaenge SET angaben = $2 WHERE id = $1")
        .bind(v)
        .bind(serde_json::to_string(&g).unwrap())
        .execute(w.db.pool())
        .await
        .unwrap();
    let a = w.db.antrag(v).await.unwrap();
    assert!(
        w.v.plan_abweichungen(&a).await.unwrap().is_empty(),
        "nothing read yet"
    );

    let feld = |f: &str, wert: &str| MetaFeld {
        feld: f.into(),
        wert: wert.into(),
        quelle: "textebene".into(),
        seite: 1,
        konfidenz: 0.9,
    };
    let lies = |version: i64, bauherr: &'static str, ev: &'static str, text: &'static str| {
        let db = w.db.clone();
        async move {
            db.replace_seiten(
                version,
                &[Seite {
                    nummer: 1,
                    breite_mm: 420.0,
                    hoehe_mm: 297.0,
                    format: "A3".into(),
                    ausrichtung: "quer".into(),
                    scan_dpi: None,
                    text_quelle: None,
                    vorschau_sha256: None,
                }],
            )
            .await
            .unwrap();
            db.set_seiten_text(version, 1, text, Some("textebene"), None)
                .await
                .unwrap();
            db.replace_metadaten(
                version,
                &[
                    feld("bauherr", bauherr),
                    feld("entwurfsverfasser", ev),
                    feld("massstab", "1:100"),
                ],
            )
            .await
            .unwrap();
        }
    };
    // The Lageplan is of this application.
    lies(
        w.versionen[0],
        "Familie Jana und Tom Becker",
        "Dipl.-Ing. Architektin Sabine Hoffmann",
        "Bauvorhaben Neubau Garage Lindenweg 12, 34117 Kassel Flurstück 123/4",
    )
    .await;
    assert!(w.v.plan_abweichungen(&a).await.unwrap().is_empty());
    // The Grundriss is another office's sheet of another project.
    lies(
        w.versionen[1],
        "Familie Schneider",
        "Architekturbüro Weber",
        "Bauvorhaben Doppelhaus Am Hang 3 Flurstück 88",
    )
    .await;
    let x = w.v.plan_abweichungen(&a).await.unwrap();
    let saetze: Vec<String> = x.iter().map(|x| x.satz()).collect();
    assert_eq!(
        saetze,
        vec![
            "„Grundriss EG“: Bauherrschaft im Schriftfeld „Familie Schneider“, im Antrag „Jana Becker“.".to_string(),
            "„Grundriss EG“: Entwurfsverfasser/in im Schriftfeld „Architekturbüro Weber“, im Antrag „Sabine Hoffmann“.".to_string(),
            "„Grundriss EG“: Das Schriftfeld nennt das Grundstück „Lindenweg 12, Flurstück 123/4“ nicht.".to_string(),
        ]
    );
    // Read with little confidence (a poor scan), the same names are only suggestions: not
    // held against the Angaben — nor is the Grundstück, as no scale or number was sure.
    let unsicher = |f: &str, wert: &str| MetaFeld {
        konfidenz: plankammer_domain::plausibilitaet::SICHER_AB - 0.1,
        ..feld(f, wert)
    };
    w.db.replace_metadaten(
        w.versionen[1],
        &[
            unsicher("bauherr", "Familie Schneider"),
            unsicher("entwurfsverfasser", "Architekturbüro Weber"),
            unsicher("massstab", "1:100"),
        ],
    )
    .await
    .unwrap();
    assert!(w.v.plan_abweichungen(&a).await.unwrap().is_empty());
}
