//! The Bescheid queries on both backends: the draft with its plans frozen once the intent
//! is recorded, the intent (number, date, plans) recorded once, numbers unique per tenant and
//! never given out again, a stamped version recorded once per plan, the tenant's template.

use chrono::NaiveDate;
use plankammer_domain::aktenzeichen::Aktenzeichen;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::bescheid::{BescheidEntwurf, Tenor};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::bescheid::ZuGenehmigen;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::testing::fresh_db;
use plankammer_storage::{Db, Konflikt, StoreError};

const T0: i64 = 1_780_000_000_000;

fn entwurf(tenor: Tenor) -> BescheidEntwurf {
    BescheidEntwurf {
        verfahren: Verfahrensart::Baugenehmigungsverfahren,
        tenor,
        tenor_text: tenor.bezeichnung().into(),
        nebenbestimmungen: vec![],
        begruendung: String::new(),
        gebuehren: vec![],
        rechtsbehelfsbelehrung: "Widerspruch".into(),
    }
}

fn lageplan() -> Anlageart {
    Anlageart::parse("1803").unwrap()
}

struct Welt {
    tenant: i64,
    user: i64,
    vorgang: i64,
    /// (dokument, version, sha)
    plan: (i64, i64, String),
}

async fn welt(db: &Db, slug: &str, email: &str) -> Welt {
    let t = db
        .create_tenant(&TenantSlug::parse(slug).unwrap(), "Bauaufsicht", T0)
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let u = Db::create_user(&mut tx, &Email::parse(email).unwrap(), "BA", "x", T0)
        .await
        .unwrap();
    Db::add_membership(&mut tx, u.id, t.id, Role::Bauaufsicht, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let v = db.create_vorgang(t.id, u.id, "Haus", T0).await.unwrap();
    let sha = format!("{:064x}", v.id);
    let mut tx = db.begin().await.unwrap();
    let ver = Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: v.id,
            tenant_id: t.id,
            dokument_id: None,
            bezeichnung: "Lageplan",
            anlageart: Some(&lageplan()),
            sha256: &sha,
            groesse: 10,
            dateiname: "lageplan.pdf",
            user_id: u.id,
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Welt {
        tenant: t.id,
        user: u.id,
        vorgang: v.id,
        plan: (ver.dokument_id, ver.id, sha),
    }
}

async fn beantrage(db: &Db, w: &Welt, id: i64, az: &str) -> Option<String> {
    let mut tx = db.begin().await.unwrap();
    let n = Db::beantrage_erlass(
        &mut tx,
        id,
        w.tenant,
        &Aktenzeichen::parse(az).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
        &[ZuGenehmigen {
            dokument_id: w.plan.0,
            version_id: w.plan.1,
            sha256: w.plan.2.clone(),
        }],
        w.user,
        T0 + 10,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test]
async fn bescheid_intent_once_numbers_never_twice_stamped_version_once() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db, "kassel", "ba@kassel.de").await;
    let inhalt = entwurf(Tenor::Genehmigung);
    assert!(db.aktueller_bescheid(w.vorgang).await.unwrap().is_none());
    let id = db
        .speichere_bescheid_mit_plaenen(w.vorgang, &inhalt, &[w.plan.0], w.user, T0)
        .await
        .unwrap();
    // Saving again replaces the one draft.
    let neu = entwurf(Tenor::Ablehnung);
    assert_eq!(
        db.speichere_bescheid_mit_plaenen(w.vorgang, &neu, &[], w.user, T0)
            .await
            .unwrap(),
        id
    );
    let akte = db.aktueller_bescheid(w.vorgang).await.unwrap().unwrap();
    assert_eq!(
        (akte.inhalt.clone(), akte.plaene.clone()),
        (neu, Some(vec![]))
    );
    assert!(!akte.ist_beantragt());

    // The intent: once; the second call changes nothing.
    assert_eq!(
        beantrage(&db, &w, id, "BA-1").await.as_deref(),
        Some("BA-1-B1")
    );
    assert_eq!(beantrage(&db, &w, id, "BA-1").await, None);
    let akte = db.bescheid_akte(id).await.unwrap();
    assert!(akte.ist_beantragt() && !akte.ist_erlassen());
    assert_eq!(akte.nummer.as_deref(), Some("BA-1-B1"));
    assert_eq!(akte.erlass_datum, NaiveDate::from_ymd_opt(2026, 11, 29));
    assert_eq!(
        db.bescheid_nummern(w.tenant).await.unwrap(),
        vec!["BA-1-B1"]
    );
    // Frozen.
    assert!(matches!(
        db.speichere_bescheid_mit_plaenen(w.vorgang, &inhalt, &[], w.user, T0)
            .await,
        Err(StoreError::Konflikt(Konflikt::BescheidBeantragt))
    ));

    // The plan with its original version; the stamped version recorded once.
    let plaene = db.bescheid_plaene(id).await.unwrap();
    assert_eq!(plaene.len(), 1);
    assert_eq!(
        (
            plaene[0].original_version_id,
            plaene[0].original_sha256.as_str()
        ),
        (w.plan.1, w.plan.2.as_str())
    );
    assert_eq!(plaene[0].gestempelt_version_id, None);
    let mut tx = db.begin().await.unwrap();
    let gestempelt = Db::add_version(
        &mut tx,
        &NeueVersion {
            vorgang_id: w.vorgang,
            tenant_id: w.tenant,
            dokument_id: Some(w.plan.0),
            bezeichnung: "Lageplan",
            anlageart: Some(&lageplan()),
            sha256: &format!("{:064x}", 999),
            groesse: 11,
            dateiname: "lageplan_genehmigt.pdf",
            user_id: w.user,
        },
        T0,
    )
    .await
    .unwrap();
    assert!(
        Db::vermerke_gestempelt(&mut tx, id, w.plan.0, gestempelt.id)
            .await
            .unwrap()
    );
    assert!(
        !Db::vermerke_gestempelt(&mut tx, id, w.plan.0, gestempelt.id)
            .await
            .unwrap(),
        "a second stamped version is refused"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        db.bescheid_plaene(id).await.unwrap()[0].gestempelt_version_id,
        Some(gestempelt.id)
    );
    // Until the Bescheid is issued, the stamped version is nobody's current version.
    let versionen = |db: Db| async move {
        db.dokumente(w.vorgang).await.unwrap()[0]
            .versionen
            .iter()
            .map(|v| v.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(versionen(db.clone()).await, vec![w.plan.1]);
    assert!(db.ist_unerlassener_stempel(gestempelt.id).await.unwrap());
    assert!(!db.ist_unerlassener_stempel(w.plan.1).await.unwrap());

    // Issued: the case's next Bescheid would get B2, never B1 again.
    let mut tx = db.begin().await.unwrap();
    let sha = format!("{:064x}", 4711);
    Db::registriere_blob(&mut tx, &sha, 100, T0).await.unwrap();
    assert!(
        Db::erlasse_bescheid(&mut tx, id, "BA-1-B1", &sha, w.user, T0)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(
        versionen(db.clone()).await,
        vec![w.plan.1, gestempelt.id],
        "issued: the stamped plan is the current version"
    );
    assert!(!db.ist_unerlassener_stempel(gestempelt.id).await.unwrap());
    let id2 = db
        .speichere_bescheid_mit_plaenen(w.vorgang, &inhalt, &[], w.user, T0)
        .await
        .unwrap();
    assert_ne!(id2, id);
    assert_eq!(
        beantrage(&db, &w, id2, "BA-1").await.as_deref(),
        Some("BA-1-B2")
    );
    assert_eq!(
        db.bescheid_nummern(w.tenant).await.unwrap(),
        vec!["BA-1-B1", "BA-1-B2"]
    );

    // Another tenant may have the same Aktenzeichen and so the same number.
    let o = welt(&db, "fulda", "ba@fulda.de").await;
    let id3 = db
        .speichere_bescheid_mit_plaenen(o.vorgang, &inhalt, &[], o.user, T0)
        .await
        .unwrap();
    assert_eq!(
        beantrage(&db, &o, id3, "BA-1").await.as_deref(),
        Some("BA-1-B1")
    );
}

#[tokio::test]
async fn bescheid_vorlage_per_tenant() {
    let (db, _dir) = fresh_db().await;
    let w = welt(&db, "kassel", "ba@kassel.de").await;
    let o = welt(&db, "fulda", "ba@fulda.de").await;
    assert_eq!(db.bescheid_vorlage(w.tenant).await.unwrap(), None);
    db.setze_bescheid_vorlage(
        w.tenant,
        "Widerspruch …",
        "Am Markt 1",
        "Kassel",
        w.user,
        T0,
    )
    .await
    .unwrap();
    db.setze_bescheid_vorlage(w.tenant, "Klage …", "", "Kassel", w.user, T0 + 1)
        .await
        .unwrap();
    let v = db.bescheid_vorlage(w.tenant).await.unwrap().unwrap();
    assert_eq!(
        (
            v.rechtsbehelfsbelehrung.as_str(),
            v.anschrift.as_str(),
            v.geaendert_at
        ),
        ("Klage …", "", T0 + 1)
    );
    assert_eq!(db.bescheid_vorlage(o.tenant).await.unwrap(), None);
}
