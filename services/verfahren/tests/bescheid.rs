//! The Bescheid's steps against a real store (SQLite, or PostgreSQL with
//! `PLANKAMMER_TEST_DB=postgres`): who may draft, issue and download; the draft's defaults
//! and checks; the intent recorded exactly once with one job; the issuing job's steps done
//! once with their timeline entry, mails and closed deadline; the German refusals.

use bytes::Bytes;
use chrono::Days;
use futures::StreamExt;
use plankammer_domain::Role;
use plankammer_domain::beteiligung::{Nebenbestimmung, Rolle, Schweigefolge, Zustimmung};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::{Ereignis, Zustand, uebergang_im_verfahren};
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::beteiligung::{NeueBeteiligung, NeueStellungnahme};
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::jobs::JobState;
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::spawn_app_with;
use plankammer_tests::welt;
use plankammer_verfahren::bescheid::{
    Bescheidabschnitt, Entwurfseingabe, Erlassantrag, GebZeile, NbZeile, Vorlage,
    standard_rechtsbehelfsbelehrung,
};
use plankammer_verfahren::dokumente::{Inhalt, Lesart};
use plankammer_verfahren::{Akteur, Fehler, Verfahren};

use crate::bescheid_fall;

const BEANTRAGT: &str = "Der Bescheid wird bereits erlassen und kann nicht mehr geändert werden.";

struct Welt {
    v: Verfahren,
    db: Db,
    tenant: i64,
    owner: Akteur,
    bh: Akteur,
    ba: Akteur,
    admin: Akteur,
    fach: Akteur,
    fremd: Akteur,
    ba_andere: Akteur,
    admin_andere: Akteur,
    /// The case at 18, with Aktenzeichen and Fassung 1.
    fall: i64,
    /// Document ids: Lageplan, Grundriss (plans), Baubeschreibung (no plan).
    lageplan: i64,
    grundriss: i64,
    baubeschreibung: i64,
    /// The Stellungnahme that counts (two Nebenbestimmungen), and a late one not considered.
    stellungnahme: i64,
    spaet: i64,
    _basis: welt::Welt,
}

/// A case whose plans are `%PDF-1.4 <name> <az>` (the steps here never open them).
async fn fall(
    db: &Db,
    blobs: &BlobStore,
    tenant: i64,
    owner: &Akteur,
    bh: Option<&Akteur>,
    az: &str,
) -> (i64, [i64; 3]) {
    bescheid_fall::fall(db, blobs, tenant, owner, bh, az, |name| {
        format!("%PDF-1.4 {name} {az}").into_bytes()
    })
    .await
}

/// A request to a Stelle of the tenant with one Stellungnahme; returns its id.
async fn gib_stellungnahme(
    db: &Db,
    tenant: i64,
    fall: i64,
    user: i64,
    stelle: &str,
    nebenbestimmungen: &[Nebenbestimmung],
    verspaetet: bool,
) -> i64 {
    let now = now_millis();
    let s = db
        .lege_stelle_an(Some(tenant), stelle, "", None, now)
        .await
        .unwrap();
    let heute = heute_berlin();
    let mut tx = db.begin().await.unwrap();
    let b = Db::frage_stelle_an(
        &mut tx,
        &NeueBeteiligung {
            vorgang_id: fall,
            stelle_id: s,
            rolle: Rolle::Zustaendig,
            rechtsbereich: "",
            notiz: "",
            umfang: None,
            fassung_id: None,
            start: heute,
            ende: heute.checked_add_days(Days::new(30)).unwrap(),
            rechtsgrundlage: "§ 70 HBO",
            erklaerung: "",
            behoerdlich_gesetzt: false,
            schweigefolge: Schweigefolge::ZustimmungFingiert,
            user_id: user,
        },
        now,
    )
    .await
    .unwrap();
    let id = Db::gib_stellungnahme_ab(
        &mut tx,
        &NeueStellungnahme {
            beteiligung_id: b,
            ersetzt_id: None,
            tenor: "Keine Bedenken.",
            zustimmung: Zustimmung::MitNebenbestimmungen,
            nebenbestimmungen,
            begruendung: "",
            verspaetet,
            user_id: user,
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Two tenants of their own (their names are in the Bescheid), next to the fixture's; the
/// accounts made by the operator's step.
async fn welt() -> Welt {
    let app = spawn_app_with(|c| c.mail_domain = "plankammer.test".into()).await;
    let w = welt::Welt::mit(app).await;
    let (db, blobs) = (w.app.db.clone(), w.app.blobs.clone());
    let tenant = w.behoerde("kreis", "Bauaufsicht Kreis").await;
    let andere = w.behoerde("stadt", "Bauaufsicht Stadt").await;
    let owner = w
        .konto(
            tenant,
            "arch@example.org",
            "Anna Architektin",
            Role::Antragsteller,
        )
        .await;
    let bh = w
        .konto(
            tenant,
            "bh@example.org",
            "Erika Muster",
            Role::Antragsteller,
        )
        .await;
    let ba = w
        .konto(
            tenant,
            "ba@example.org",
            "Bernd Bauaufsicht",
            Role::Bauaufsicht,
        )
        .await;
    let admin = w
        .konto(tenant, "ada@example.org", "Ada Admin", Role::Admin)
        .await;
    let fach = w
        .konto(
            tenant,
            "fs@example.org",
            "Frida Fachstelle",
            Role::Fachstelle,
        )
        .await;
    let fremd = w
        .konto(tenant, "x@example.org", "Xaver Fremd", Role::Antragsteller)
        .await;
    let ba_andere = w
        .konto(andere, "ba@stadt.example", "Berta Stadt", Role::Bauaufsicht)
        .await;
    let admin_andere = w
        .konto(andere, "admin@stadt.example", "Adam Stadt", Role::Admin)
        .await;
    let (fall, [lageplan, grundriss, baubeschreibung]) =
        fall(&db, &blobs, tenant, &owner, Some(&bh), "BA-2026-00017").await;
    let stellungnahme = gib_stellungnahme(
        &db,
        tenant,
        fall,
        ba.user_id,
        "Brandschutzdienststelle",
        &[
            Nebenbestimmung {
                begruendung: "§ 5 HBO".into(),
                ..Nebenbestimmung::neu("2", "Die Zufahrt ist für die Feuerwehr freizuhalten.")
            },
            Nebenbestimmung::neu("4", "Rauchwarnmelder sind Pflicht."),
        ],
        false,
    )
    .await;
    let spaet = gib_stellungnahme(
        &db,
        tenant,
        fall,
        ba.user_id,
        "Naturschutzbehörde",
        &[Nebenbestimmung::neu("2", "Zu spät.")],
        true,
    )
    .await;
    Welt {
        v: w.app.verfahren.clone(),
        db,
        tenant,
        owner,
        bh,
        ba,
        admin,
        fach,
        fremd,
        ba_andere,
        admin_andere,
        fall,
        lageplan,
        grundriss,
        baubeschreibung,
        stellungnahme,
        spaet,
        _basis: w,
    }
}

async fn zahl(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn audits(db: &Db, action: &str) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn mails(db: &Db, betreff: &str) -> Vec<String> {
    sqlx::query_scalar::<_, String>(
        "SELECT recipient FROM outbox WHERE subject LIKE $1 ORDER BY recipient",
    )
    .bind(format!("%{betreff}%"))
    .fetch_all(db.pool())
    .await
    .unwrap()
}

async fn bytes(i: Inhalt) -> Vec<u8> {
    let mut out = Vec::new();
    let mut s = i.daten;
    while let Some(b) = s.next().await {
        out.extend_from_slice(&b.unwrap());
    }
    out
}

fn nicht_gefunden<T>(r: Result<T, Fehler>) {
    match r {
        Err(Fehler::NichtGefunden) => {}
        Err(e) => panic!("expected 404, got {e:?}"),
        Ok(_) => panic!("expected 404, it was allowed"),
    }
}

/// The default draft with a fee: what the case worker saves unless a test changes it.
async fn entwurf(w: &Welt) -> Entwurfseingabe {
    let a = w.db.antrag(w.fall).await.unwrap();
    let mut f = w.v.standard_formular(&a).await.unwrap();
    f.gebuehren.push(GebZeile {
        beschreibung: "Genehmigungsgebühr".into(),
        betrag: "1.234,56".into(),
    });
    f
}

#[tokio::test]
async fn a_new_draft_carries_over_the_nebenbestimmungen_that_count_and_the_plans() {
    let w = welt().await;
    let a = w.db.antrag(w.fall).await.unwrap();
    let f = w.v.standard_formular(&a).await.unwrap();
    assert_eq!(f.tenor, "genehmigung");
    assert!(
        f.tenor_text.contains("„Neubau Einfamilienhaus“"),
        "{}",
        f.tenor_text
    );
    assert_eq!(
        f.nebenbestimmungen,
        vec![
            NbZeile {
                art: "2".into(),
                text: "Die Zufahrt ist für die Feuerwehr freizuhalten.".into(),
                begruendung: "§ 5 HBO".into(),
                quelle: Some(w.stellungnahme),
                ..NbZeile::default()
            },
            NbZeile {
                art: "4".into(),
                text: "Rauchwarnmelder sind Pflicht.".into(),
                quelle: Some(w.stellungnahme),
                ..NbZeile::default()
            },
        ],
        "the late Stellungnahme that was not considered is left out"
    );
    assert_eq!(
        f.plaene,
        vec![w.lageplan, w.grundriss],
        "plans only, not the Baubeschreibung"
    );
    assert_eq!(
        f.rechtsbehelfsbelehrung,
        standard_rechtsbehelfsbelehrung("Bauaufsicht Kreis")
    );
    let zaehlende = w.v.zaehlende_stellungnahmen(w.fall).await.unwrap();
    assert_eq!(zaehlende.len(), 1);
    assert_eq!(zaehlende[0].stelle_name, "Brandschutzdienststelle");
    assert!(!zaehlende.iter().any(|s| s.id.0 == w.spaet));

    // The tenant's template replaces the built-in Rechtsbehelfsbelehrung for new drafts.
    w.v.vorlage_speichern(
        &w.admin,
        &Vorlage {
            rechtsbehelfsbelehrung: " Widerspruch beim Kreis. ".into(),
            anschrift: "Am Markt 1\n34117 Kassel".into(),
            ort: "Kassel".into(),
        },
    )
    .await
    .unwrap();
    let f = w.v.standard_formular(&a).await.unwrap();
    assert_eq!(f.rechtsbehelfsbelehrung, "Widerspruch beim Kreis.");
    assert_eq!(w.v.formular(&a, None).await.unwrap(), f);
}

#[tokio::test]
async fn only_the_case_worker_of_the_tenant_drafts_and_issues() {
    let w = welt().await;
    let f = entwurf(&w).await;
    for wer in [&w.owner, &w.bh, &w.admin, &w.fach, &w.ba_andere] {
        nicht_gefunden(w.v.entwurf_speichern(wer, w.fall, &f).await);
        nicht_gefunden(w.v.erlassen(wer, w.fall).await);
        nicht_gefunden(w.v.bescheid_der_bauaufsicht(wer, w.fall).await);
        nicht_gefunden(w.v.erneut_versuchen(wer, w.fall).await);
        nicht_gefunden(w.v.bescheid_stand(wer, w.fall).await);
    }
    assert!(w.db.aktueller_bescheid(w.fall).await.unwrap().is_none());
    let id = w.v.entwurf_speichern(&w.ba, w.fall, &f).await.unwrap();
    let (_, akte) = w.v.bescheid_der_bauaufsicht(&w.ba, w.fall).await.unwrap();
    let akte = akte.unwrap();
    assert_eq!(akte.id, id);
    assert_eq!(akte.plaene, Some(vec![w.lageplan, w.grundriss]));
    assert_eq!(akte.inhalt.gebuehren[0].betrag_cent, 123_456);
    let nb = &akte.inhalt.nebenbestimmungen[0];
    assert_eq!(
        nb.quelle.as_ref().unwrap().stelle_name,
        "Brandschutzdienststelle"
    );
    assert_eq!(nb.begruendung, "§ 5 HBO");
    // Saving again replaces the draft; there is one Bescheid.
    assert_eq!(w.v.entwurf_speichern(&w.ba, w.fall, &f).await.unwrap(), id);
}

#[tokio::test]
async fn a_draft_is_checked_all_at_once_in_german() {
    let w = welt().await;
    let blobs = w.v.blobs().clone();
    // A case of another applicant with its own Stellungnahme and documents.
    let (anderer, [fremdplan, _, _]) =
        fall(&w.db, &blobs, w.tenant, &w.fremd, None, "BA-2026-00018").await;
    let fremde = gib_stellungnahme(
        &w.db,
        w.tenant,
        anderer,
        w.ba.user_id,
        "Denkmalschutz",
        &[Nebenbestimmung::neu("2", "Fremd.")],
        false,
    )
    .await;
    let mut f = entwurf(&w).await;
    f.tenor = "ablehnung".into();
    f.nebenbestimmungen.push(NbZeile {
        art: "2".into(),
        text: "Fremd.".into(),
        quelle: Some(fremde),
        ..NbZeile::default()
    });
    f.nebenbestimmungen.push(NbZeile {
        art: "2".into(),
        text: "Zu spät.".into(),
        quelle: Some(w.spaet),
        ..NbZeile::default()
    });
    f.gebuehren.push(GebZeile {
        beschreibung: "Falsch".into(),
        betrag: "12,345".into(),
    });
    f.plaene.push(fremdplan);
    let Err(Fehler::Ungueltig(m)) = w.v.entwurf_speichern(&w.ba, w.fall, &f).await else {
        panic!("refused with reasons")
    };
    for satz in [
        "Nebenbestimmung 3: Die angegebene Stellungnahme gehört nicht zu diesem Vorgang."
            .to_string(),
        "Nebenbestimmung 4: Die angegebene Stellungnahme gehört nicht zu diesem Vorgang."
            .to_string(),
        "Gebühr 2: „12,345“ ist kein gültiger Betrag. Bitte geben Sie ihn wie 1.234,56 an."
            .to_string(),
        format!(
            "Das Dokument {fremdplan} gehört nicht zur aktuellen Fassung dieses Vorgangs und kann nicht genehmigt werden."
        ),
        "Eine Ablehnung muss begründet werden.".to_string(),
        "Eine Ablehnung enthält keine Auflagen oder Bedingungen; nur Hinweise sind möglich."
            .to_string(),
    ] {
        assert!(m.contains(&satz), "{satz:?} in {m:#?}");
    }
    f.tenor = "gibt-es-nicht".into();
    let Err(Fehler::Ungueltig(m)) = w.v.entwurf_speichern(&w.ba, w.fall, &f).await else {
        panic!("refused")
    };
    assert!(m[0].starts_with("Bitte wählen Sie, was der Bescheid entscheidet"));
    assert!(
        w.db.aktueller_bescheid(w.fall).await.unwrap().is_none(),
        "nothing saved"
    );

    // A Genehmigung needs a plan.
    let mut f = entwurf(&w).await;
    f.plaene.clear();
    let Err(Fehler::Ungueltig(m)) = w.v.entwurf_speichern(&w.ba, w.fall, &f).await else {
        panic!("refused")
    };
    assert_eq!(
        m,
        vec!["Bitte wählen Sie mindestens einen Plan, der genehmigt wird."]
    );
}

#[tokio::test]
async fn issuing_records_the_intent_once_with_its_number_and_one_job() {
    let w = welt().await;
    assert!(matches!(
        w.v.erlassen(&w.ba, w.fall).await,
        Err(Fehler::Konflikt(m)) if m == "Bitte speichern Sie zuerst einen Entwurf des Bescheids."
    ));
    let id =
        w.v.entwurf_speichern(&w.ba, w.fall, &entwurf(&w).await)
            .await
            .unwrap();
    let (a, akte) = w.v.bescheid_der_bauaufsicht(&w.ba, w.fall).await.unwrap();
    let akte = akte.unwrap();
    assert!(w.v.erlass_hindernisse(&a, &akte).await.unwrap().is_empty());
    assert_eq!(
        w.v.bescheid_abschnitt(&w.ba, &a).await.unwrap(),
        Some(Bescheidabschnitt::Entwurf { laeuft: false })
    );
    nicht_gefunden(w.v.bescheid_stand(&w.ba, w.fall).await);

    // Two clicks at once: one intent, one number, one job, one audit entry.
    let (x, y) = tokio::join!(w.v.erlassen(&w.ba, w.fall), w.v.erlassen(&w.ba, w.fall));
    let mut antworten = vec![x.unwrap(), y.unwrap()];
    antworten.sort_by_key(|x| format!("{x:?}"));
    assert_eq!(
        antworten,
        vec![
            Erlassantrag::Beantragt {
                bescheid_id: id,
                nummer: "BA-2026-00017-B1".into()
            },
            Erlassantrag::SchonBeantragt { bescheid_id: id },
        ]
    );
    assert_eq!(
        w.v.erlassen(&w.ba, w.fall).await.unwrap(),
        Erlassantrag::SchonBeantragt { bescheid_id: id }
    );
    let akte = w.db.bescheid_akte(id).await.unwrap();
    assert!(akte.ist_beantragt() && !akte.ist_erlassen());
    assert_eq!(akte.nummer.as_deref(), Some("BA-2026-00017-B1"));
    assert_eq!(akte.erlass_datum, Some(heute_berlin()));
    assert_eq!(akte.erlass_beantragt_by, Some(w.ba.user_id));
    assert_eq!(
        w.db.bescheid_nummern(w.tenant).await.unwrap(),
        vec!["BA-2026-00017-B1".to_string()]
    );
    let job = w.db.job(akte.erlass_job_id.unwrap()).await.unwrap();
    assert_eq!(
        (job.kind.as_str(), job.tenant_id),
        ("bescheid.erlassen", Some(w.tenant))
    );
    assert_eq!(
        zahl(
            &w.db,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'bescheid.erlassen' AND tenant_id = $1",
            w.tenant
        )
        .await,
        1
    );
    assert_eq!(audits(&w.db, "bescheid.erlass_beantragt").await, 1);
    let plaene = w.db.bescheid_plaene(id).await.unwrap();
    assert_eq!(
        plaene.iter().map(|p| p.dokument_id).collect::<Vec<_>>(),
        vec![w.lageplan, w.grundriss]
    );

    // Frozen from now on, in the old words.
    assert!(matches!(
        w.v.entwurf_speichern(&w.ba, w.fall, &entwurf(&w).await).await,
        Err(Fehler::Konflikt(m)) if m == BEANTRAGT
    ));
    let stand = w.v.bescheid_stand(&w.ba, w.fall).await.unwrap();
    assert!(!stand.erlassen && !stand.fehlgeschlagen && stand.downloads.is_none());
    assert_eq!(stand.nummer.as_deref(), Some("BA-2026-00017-B1"));
    let (a, akte) = w.v.bescheid_der_bauaufsicht(&w.ba, w.fall).await.unwrap();
    let akte = akte.unwrap();
    assert_eq!(
        w.v.vorschau_plaene(&akte).await.unwrap().len(),
        2,
        "the recorded plans"
    );
    assert_eq!(
        w.v.bescheid_abschnitt(&w.ba, &a).await.unwrap(),
        Some(Bescheidabschnitt::Entwurf { laeuft: true })
    );
    assert_eq!(w.v.bescheid_abschnitt(&w.owner, &a).await.unwrap(), None);
}

#[tokio::test]
async fn issuing_is_refused_in_the_words_of_the_domain() {
    let w = welt().await;
    let mut f = entwurf(&w).await;
    f.tenor = "vorbescheid".into();
    // The domain's check of the draft refuses a Vorbescheid outside a Bauvoranfrage already
    // when saving.
    assert!(matches!(
        w.v.entwurf_speichern(&w.ba, w.fall, &f).await,
        Err(Fehler::Ungueltig(m)) if m.iter().any(|s| s.starts_with("Ein Vorbescheid kann nur auf eine Bauvoranfrage ergehen"))
    ));
    w.v.entwurf_speichern(&w.ba, w.fall, &entwurf(&w).await)
        .await
        .unwrap();
    // The case went back to 17 meanwhile: it cannot be decided now.
    let mut tx = w.db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        w.fall,
        Zustand::Vollstaendig,
        Zustand::Eingegangen,
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let erwartet = uebergang_im_verfahren(
        Verfahrensart::VereinfachtesVerfahren,
        Zustand::Eingegangen,
        Ereignis::Genehmigen,
    )
    .unwrap_err()
    .meldung;
    let (a, akte) = w.v.bescheid_der_bauaufsicht(&w.ba, w.fall).await.unwrap();
    assert_eq!(
        w.v.erlass_hindernisse(&a, &akte.unwrap()).await.unwrap(),
        vec![erwartet.clone()]
    );
    assert!(matches!(
        w.v.erlassen(&w.ba, w.fall).await,
        Err(Fehler::Konflikt(m)) if m == erwartet
    ));
    assert_eq!(
        w.db.bescheid_nummern(w.tenant).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(audits(&w.db, "bescheid.erlass_beantragt").await, 0);

    // A closed case takes no draft at all.
    let mut tx = w.db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        w.fall,
        Zustand::Eingegangen,
        Zustand::Zurueckgezogen,
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(
        w.v.entwurf_speichern(&w.ba, w.fall, &entwurf(&w).await).await,
        Err(Fehler::Konflikt(m)) if m == "Zu einem Vorgang im Zustand „Zurückgezogen“ kann kein Bescheid entworfen werden."
    ));
}

#[tokio::test]
async fn the_issuing_job_stamps_and_completes_exactly_once() {
    let w = welt().await;
    let id =
        w.v.entwurf_speichern(&w.ba, w.fall, &entwurf(&w).await)
            .await
            .unwrap();
    nicht_gefunden(w.v.erlass(id + 100).await);
    assert!(matches!(
        w.v.erlass(id).await,
        Err(Fehler::Konflikt(m)) if m == "Der Bescheid wurde nicht zum Erlass freigegeben."
    ));
    w.v.erlassen(&w.ba, w.fall).await.unwrap();
    let e = w.v.erlass(id).await.unwrap().unwrap();
    assert_eq!(e.nummer, "BA-2026-00017-B1");
    assert_eq!(e.behoerde, "Bauaufsicht Kreis");
    assert_eq!(e.aktenzeichen.as_str(), "BA-2026-00017");

    // Each plan's stamp is recorded once: a second run's stamp is dropped.
    let stempel =
        w.v.blobs()
            .put_bytes(Bytes::from_static(b"%PDF-1.4 gestempelt"))
            .await
            .unwrap();
    let plaene = w.db.bescheid_plaene(id).await.unwrap();
    for p in &plaene {
        assert!(
            w.v.gestempelten_plan_vermerken(&e, p, &stempel.sha256, 19, now_millis())
                .await
                .unwrap()
        );
        assert!(
            !w.v.gestempelten_plan_vermerken(&e, p, &stempel.sha256, 19, now_millis())
                .await
                .unwrap()
        );
        assert_eq!(
            zahl(
                &w.db,
                "SELECT COUNT(*) FROM dokument_versionen WHERE dokument_id = $1",
                p.dokument_id
            )
            .await,
            2,
            "the original and one stamped version"
        );
    }
    let p = &w.db.bescheid_plaene(id).await.unwrap()[0];
    let v =
        w.db.version(p.gestempelt_version_id.unwrap())
            .await
            .unwrap();
    assert_eq!(v.dateiname, "lageplan_genehmigt.pdf");
    assert_eq!(v.nummer, 2);

    // Completing: once, with the state change, timeline, mails, deadline and audit.
    let pdf =
        w.v.blobs()
            .put_bytes(Bytes::from_static(b"%PDF-1.4 Bescheid"))
            .await
            .unwrap();
    assert!(
        w.v.bescheid_abschliessen(&e, &pdf.sha256, 17, now_millis())
            .await
            .unwrap()
    );
    assert!(
        !w.v.bescheid_abschliessen(&e, &pdf.sha256, 17, now_millis())
            .await
            .unwrap()
    );
    assert!(
        w.v.erlass(id).await.unwrap().is_none(),
        "nothing left to issue"
    );
    let a = w.db.antrag(w.fall).await.unwrap();
    assert_eq!(a.zustand, Zustand::Genehmigt);
    assert_eq!(a.naechste_frist, None, "the decision deadline is closed");
    let entscheidungen: Vec<_> =
        w.db.ereignisse(w.fall)
            .await
            .unwrap()
            .into_iter()
            .filter(|x| x.art == Eintragsart::Genehmigen)
            .collect();
    assert_eq!(entscheidungen.len(), 1);
    let eintrag = &entscheidungen[0];
    assert_eq!(eintrag.status_code.as_deref(), Some("10"));
    assert_eq!(
        eintrag.user_id,
        Some(w.ba.user_id),
        "the case worker who issued it"
    );
    let datum = plankammer_domain::frist::datum_de(heute_berlin());
    assert_eq!(
        eintrag.text,
        format!("Bescheid Nr. BA-2026-00017-B1 vom {datum} erlassen: Baugenehmigung.")
    );
    assert_eq!(
        mails(&w.db, "Ihr Bescheid liegt vor").await,
        vec!["arch@example.org".to_string(), "bh@example.org".to_string()],
        "the architect and the Bauherrschaft, once each"
    );
    assert_eq!(audits(&w.db, "bescheid.erlassen").await, 1);
    let akte = w.db.bescheid_akte(id).await.unwrap();
    assert!(akte.ist_erlassen());
    assert_eq!(akte.pdf_sha256.as_deref(), Some(pdf.sha256.as_str()));
    let stand = w.v.bescheid_stand(&w.ba, w.fall).await.unwrap();
    assert!(stand.erlassen);
    assert_eq!(stand.fortschritt, 100);
    let d = stand.downloads.unwrap();
    assert_eq!(d.titel, "Baugenehmigung");
    assert_eq!(d.plaene.len(), 2);
    assert_eq!(d.datum, Some(heute_berlin()));
}

#[tokio::test]
async fn completing_a_case_that_moved_on_is_refused_and_changes_nothing() {
    let w = welt().await;
    let mut f = entwurf(&w).await;
    f.tenor = "ablehnung".into();
    f.begruendung = "Das Vorhaben fügt sich nicht ein.".into();
    f.nebenbestimmungen.retain(|n| n.art == "4");
    let id = w.v.entwurf_speichern(&w.ba, w.fall, &f).await.unwrap();
    w.v.erlassen(&w.ba, w.fall).await.unwrap();
    let e = w.v.erlass(id).await.unwrap().unwrap();
    let mut tx = w.db.begin().await.unwrap();
    Db::wechsle_zustand(
        &mut tx,
        w.fall,
        Zustand::Vollstaendig,
        Zustand::Zurueckgezogen,
        now_millis(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = w.v.bescheid_abschliessen(&e, "00", 1, now_millis()).await;
    assert!(
        matches!(&r, Err(Fehler::Konflikt(m)) if m.contains("kann nicht abgelehnt werden")),
        "{r:?}"
    );
    assert!(!w.db.bescheid_akte(id).await.unwrap().ist_erlassen());
    assert!(mails(&w.db, "Ihr Bescheid liegt vor").await.is_empty());
    assert_eq!(audits(&w.db, "bescheid.erlassen").await, 0);
}

#[tokio::test]
async fn a_failed_issuing_job_is_queued_again_only_by_the_case_worker() {
    let w = welt().await;
    nicht_gefunden(w.v.erneut_versuchen(&w.ba, w.fall).await);
    w.v.entwurf_speichern(&w.ba, w.fall, &entwurf(&w).await)
        .await
        .unwrap();
    nicht_gefunden(w.v.erneut_versuchen(&w.ba, w.fall).await);
    w.v.erlassen(&w.ba, w.fall).await.unwrap();
    assert!(
        !w.v.erneut_versuchen(&w.ba, w.fall).await.unwrap(),
        "not failed: nothing to do"
    );
    let akte = w.db.aktueller_bescheid(w.fall).await.unwrap().unwrap();
    let job = akte.erlass_job_id.unwrap();
    sqlx::query("UPDATE jobs SET state = 'failed', last_error = 'Der Plan „Lageplan“ konnte nicht gestempelt werden.' WHERE id = $1")
        .bind(job)
        .execute(w.db.pool())
        .await
        .unwrap();
    let stand = w.v.bescheid_stand(&w.ba, w.fall).await.unwrap();
    assert!(stand.fehlgeschlagen);
    assert_eq!(
        stand.fehler.as_deref(),
        Some("Der Plan „Lageplan“ konnte nicht gestempelt werden.")
    );
    nicht_gefunden(w.v.erneut_versuchen(&w.ba_andere, w.fall).await);
    assert!(w.v.erneut_versuchen(&w.ba, w.fall).await.unwrap());
    assert_eq!(w.db.job(job).await.unwrap().state, JobState::Queued);
}

#[tokio::test]
async fn downloads_follow_who_sees_the_case_and_are_audited() {
    let w = welt().await;
    let id =
        w.v.entwurf_speichern(&w.ba, w.fall, &entwurf(&w).await)
            .await
            .unwrap();
    w.v.erlassen(&w.ba, w.fall).await.unwrap();
    let e = w.v.erlass(id).await.unwrap().unwrap();
    let stempel =
        w.v.blobs()
            .put_bytes(Bytes::from_static(b"%PDF-1.4 gestempelt"))
            .await
            .unwrap();
    for p in w.db.bescheid_plaene(id).await.unwrap() {
        w.v.gestempelten_plan_vermerken(&e, &p, &stempel.sha256, 19, now_millis())
            .await
            .unwrap();
    }
    // Stamped but not issued: only the Bauaufsicht reads the stamp.
    let (_, v, inhalt) =
        w.v.gestempelten_plan_herunterladen(&w.ba, w.fall, w.lageplan, Lesart::Sitzung)
            .await
            .unwrap();
    assert_eq!(v.dateiname, "lageplan_genehmigt.pdf");
    assert_eq!(bytes(inhalt).await, b"%PDF-1.4 gestempelt");
    for wer in [&w.owner, &w.bh, &w.admin, &w.fach] {
        nicht_gefunden(
            w.v.gestempelten_plan_herunterladen(wer, w.fall, w.lageplan, Lesart::Sitzung)
                .await,
        );
        nicht_gefunden(
            w.v.bescheid_herunterladen(wer, w.fall, Lesart::Sitzung)
                .await,
        );
    }
    nicht_gefunden(
        w.v.bescheid_herunterladen(&w.ba, w.fall, Lesart::Sitzung)
            .await,
    );

    let pdf =
        w.v.blobs()
            .put_bytes(Bytes::from_static(b"%PDF-1.4 Bescheid"))
            .await
            .unwrap();
    w.v.bescheid_abschliessen(&e, &pdf.sha256, 17, now_millis())
        .await
        .unwrap();
    for wer in [&w.owner, &w.bh, &w.ba, &w.admin] {
        let (a, name, inhalt) =
            w.v.bescheid_herunterladen(wer, w.fall, Lesart::Schluessel)
                .await
                .unwrap();
        assert_eq!(a.id, w.fall);
        assert_eq!(name, "Bescheid BA-2026-00017-B1.pdf");
        assert_eq!(bytes(inhalt).await, b"%PDF-1.4 Bescheid");
        let (_, v, _) =
            w.v.gestempelten_plan_herunterladen(wer, w.fall, w.grundriss, Lesart::Sitzung)
                .await
                .unwrap();
        assert_eq!(v.dateiname, "grundriss_genehmigt.pdf");
    }
    for wer in [&w.fach, &w.fremd, &w.ba_andere, &w.admin_andere] {
        nicht_gefunden(
            w.v.bescheid_herunterladen(wer, w.fall, Lesart::Sitzung)
                .await,
        );
        nicht_gefunden(
            w.v.gestempelten_plan_herunterladen(wer, w.fall, w.grundriss, Lesart::Sitzung)
                .await,
        );
    }
    // Not a plan of the Bescheid.
    nicht_gefunden(
        w.v.gestempelten_plan_herunterladen(&w.owner, w.fall, w.baubeschreibung, Lesart::Sitzung)
            .await,
    );
    assert_eq!(audits(&w.db, "bescheid.lesen").await, 4);
    assert_eq!(
        zahl(
            &w.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'dokument.lesen' AND detail LIKE '%gestempelt%' AND tenant_id = $1",
            w.tenant
        )
        .await,
        5
    );
    let a = w.db.antrag(w.fall).await.unwrap();
    for wer in [&w.owner, &w.bh, &w.admin] {
        assert!(matches!(
            w.v.bescheid_abschnitt(wer, &a).await.unwrap(),
            Some(Bescheidabschnitt::Erlassen {
                bauaufsicht: false,
                ..
            })
        ));
    }
    assert!(matches!(
        w.v.bescheid_abschnitt(&w.ba, &a).await.unwrap(),
        Some(Bescheidabschnitt::Erlassen {
            bauaufsicht: true,
            ..
        })
    ));
    for wer in [&w.fach, &w.fremd, &w.ba_andere] {
        assert_eq!(w.v.bescheid_abschnitt(wer, &a).await.unwrap(), None);
    }
}

#[tokio::test]
async fn the_template_is_the_admins_of_its_own_tenant() {
    let w = welt().await;
    let v = Vorlage {
        rechtsbehelfsbelehrung: "  Widerspruch binnen eines Monats.  ".into(),
        anschrift: " Am Markt 1\n34117 Kassel ".into(),
        ort: " Kassel ".into(),
    };
    for wer in [&w.ba, &w.owner, &w.fach] {
        assert!(matches!(
            w.v.vorlage_speichern(wer, &v).await,
            Err(Fehler::KeineBerechtigung)
        ));
        assert!(matches!(
            w.v.bescheid_vorlage(wer).await,
            Err(Fehler::KeineBerechtigung)
        ));
    }
    let (vorher, behoerde) = w.v.bescheid_vorlage(&w.admin).await.unwrap();
    assert_eq!(behoerde, "Bauaufsicht Kreis");
    assert_eq!(
        vorher.rechtsbehelfsbelehrung,
        standard_rechtsbehelfsbelehrung("Bauaufsicht Kreis")
    );
    let leer = Vorlage {
        rechtsbehelfsbelehrung: " ".into(),
        ..v.clone()
    };
    assert!(matches!(
        w.v.vorlage_speichern(&w.admin, &leer).await,
        Err(Fehler::Ungueltig(m)) if m == vec!["Bitte geben Sie die Rechtsbehelfsbelehrung an.".to_string()]
    ));
    w.v.vorlage_speichern(&w.admin, &v).await.unwrap();
    let gespeichert = w.db.bescheid_vorlage(w.tenant).await.unwrap().unwrap();
    assert_eq!(
        (
            gespeichert.rechtsbehelfsbelehrung.as_str(),
            gespeichert.anschrift.as_str(),
            gespeichert.ort.as_str()
        ),
        (
            "Widerspruch binnen eines Monats.",
            "Am Markt 1\n34117 Kassel",
            "Kassel"
        )
    );
    assert_eq!(audits(&w.db, "bescheid.vorlage_geaendert").await, 1);
    // The other tenant still has the built-in text.
    let (andere, _) = w.v.bescheid_vorlage(&w.admin_andere).await.unwrap();
    assert_eq!(
        andere.rechtsbehelfsbelehrung,
        standard_rechtsbehelfsbelehrung("Bauaufsicht Stadt")
    );
}

#[tokio::test]
async fn a_genehmigungsfiktion_that_takes_the_case_first_refuses_the_intent() {
    let w = welt().await;
    w.v.entwurf_speichern(&w.ba, w.fall, &entwurf(&w).await)
        .await
        .unwrap();
    // The fiction holds the case row while the case worker clicks "erlassen": on PostgreSQL
    // the step reads the case as 18 before, then waits for the lock and sees 58 under it.
    let mut tx = w.db.begin().await.unwrap();
    assert_eq!(
        Db::sperre_vorgang(&mut tx, w.fall).await.unwrap(),
        Zustand::Vollstaendig
    );
    Db::wechsle_zustand(
        &mut tx,
        w.fall,
        Zustand::Vollstaendig,
        Zustand::Genehmigungsfiktion,
        now_millis(),
    )
    .await
    .unwrap();
    let v = w.v.clone();
    let ba = w.ba.clone();
    let fall = w.fall;
    let klick = tokio::spawn(async move { v.erlassen(&ba, fall).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    tx.commit().await.unwrap();
    let erwartet = uebergang_im_verfahren(
        Verfahrensart::VereinfachtesVerfahren,
        Zustand::Genehmigungsfiktion,
        Ereignis::Genehmigen,
    )
    .unwrap_err()
    .meldung;
    match klick.await.unwrap() {
        Err(Fehler::Konflikt(m)) => assert!(m.contains(&erwartet), "{m}"),
        r => panic!("refused expected: {:?}", r.map(|_| ())),
    }
    let akte = w.db.aktueller_bescheid(w.fall).await.unwrap().unwrap();
    assert!(!akte.ist_beantragt(), "no intent recorded");
    assert_eq!(
        w.db.bescheid_nummern(w.tenant).await.unwrap(),
        Vec::<String>::new()
    );
}
