//! `bescheid.erlassen` end to end against the store: the approved plans stamped in the real
//! sandbox child (`plankammer sandbox stempeln`) as new versions that pass `qpdf --check` and
//! keep their text layer, the Bescheid PDF, the case at 10 with its timeline entry, mails and
//! the closed decision deadline; a rerun after a crash between stamping and completing, a
//! third run, and two concurrent runs make no second version, number or mail; a refusal
//! stamps nothing and ends at 06.
//!
//! The sandbox child is the `plankammer` binary next to this test's executable
//! (`target/debug/plankammer`; `cargo test --workspace` builds it, for a single crate run
//! `cargo build --bin plankammer` first) or `PLANKAMMER_BIN`.

mod pdfwerkzeug;

use bytes::Bytes;
use chrono::NaiveDate;
use pdfwerkzeug::qpdf_check;
use plankammer_domain::aktenzeichen::Aktenzeichen;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::{Angaben, Bauherrschaft, Bauvorhaben, Flurstueck, Grundstueck};
use plankammer_domain::bescheid::{BescheidEntwurf, Gebuehr, Nebenbestimmung, Quelle, Tenor};
use plankammer_domain::beteiligung::StellungnahmeId;
use plankammer_domain::frist::FristArt;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::antrag::NeueFrist;
use plankammer_storage::bescheid::ZuGenehmigen;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::jobs::NewJob;
use plankammer_storage::testing::{fresh_db, tempfile_dir::TempDir};
use plankammer_storage::{Db, now_millis};
use plankammer_verfahren::{Einstellungen, Verfahren};
use plankammer_workers::bescheid::{
    Ausgang, BescheidConfig, ERLASSEN, erlasse, lade, stemple_plaene,
};
use plankammer_workers::sandbox::SandboxConfig;
use std::path::{Path, PathBuf};

fn plankammer_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("PLANKAMMER_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("plankammer"))
        .unwrap();
    assert!(
        bin.exists(),
        "the sandbox child {} is missing: run `cargo build --bin plankammer` first",
        bin.display()
    );
    bin
}

fn still(_: i64, _: String) {}

fn az() -> Aktenzeichen {
    Aktenzeichen::parse("BA-2026-00017").unwrap()
}

fn tag(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn user(db: &Db, tenant: i64, email: &str, role: Role) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let u = Db::create_user(
        &mut tx,
        &Email::parse(email).unwrap(),
        &format!("Person {email}"),
        "x",
        now_millis(),
    )
    .await
    .unwrap();
    Db::add_membership(&mut tx, u.id, tenant, role, now_millis())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    u.id
}

fn probe(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../sample-plans/einfamilienhaus")
            .join(name),
    )
    .unwrap()
}

struct Welt {
    db: Db,
    config: BescheidConfig,
    tenant: i64,
    fall: i64,
    ba: i64,
    /// (dokument id, original version id, original bytes)
    plaene: Vec<(i64, i64, Vec<u8>)>,
    _dirs: (TempDir, TempDir),
}

/// A vereinfacht case at 18 with Fassung 1 of two plans and a Baubeschreibung, a running
/// decision deadline, an accepted Bauherrschaft.
async fn welt() -> Welt {
    let (db, dbdir) = fresh_db().await;
    let dir = TempDir::new();
    let blobs = BlobStore::from_url(&format!("file://{}", dir.path().display())).unwrap();
    let tenant = db
        .create_tenant(
            &TenantSlug::parse("kreis").unwrap(),
            "Bauaufsicht Kreis Musterstadt",
            now_millis(),
        )
        .await
        .unwrap()
        .id;
    let owner = user(&db, tenant, "arch@example.org", Role::Antragsteller).await;
    let ba = user(&db, tenant, "ba@example.org", Role::Bauaufsicht).await;
    let bh = user(&db, tenant, "bh@example.org", Role::Antragsteller).await;
    let now = now_millis();
    let v = db
        .create_vorgang(tenant, owner, "Neubau Einfamilienhaus", now)
        .await
        .unwrap();
    let angaben = Angaben {
        bauvorhaben: Bauvorhaben {
            bezeichnung: "Neubau Einfamilienhaus".into(),
            massnahme: "11".into(),
            gebaeudeklasse: "1".into(),
        },
        bauherrschaft: Bauherrschaft {
            name: "Erika Muster".into(),
            anschrift: "Lindenweg 12, 34117 Kassel".into(),
            email: String::new(),
        },
        grundstueck: Grundstueck {
            strasse: "Lindenweg".into(),
            hausnummer: "12".into(),
            plz: "34117".into(),
            ort: "Kassel".into(),
            gemeinde_ags: "06611000".into(),
            gemarkung: "Kassel".into(),
            flur: "7".into(),
            flurstuecke: vec![Flurstueck::parse("123/4").unwrap()],
            ..Grundstueck::default()
        },
        ..Angaben::default()
    };
    let mut tx = db.begin().await.unwrap();
    Db::setze_angaben(
        &mut tx,
        v.id,
        "Neubau Einfamilienhaus",
        Verfahrensart::VereinfachtesVerfahren,
        &angaben,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let mut plaene = Vec::new();
    for (name, bez, art) in [
        ("01_Lageplan.pdf", "Lageplan", "1803"),
        ("03_Grundriss_EG.pdf", "Grundriss EG", "2001"),
    ] {
        let bytes = probe(name);
        let b = blobs.put_bytes(Bytes::from(bytes.clone())).await.unwrap();
        let ver = Db::add_version(
            &mut tx,
            &NeueVersion {
                vorgang_id: v.id,
                tenant_id: tenant,
                dokument_id: None,
                bezeichnung: bez,
                anlageart: Some(&Anlageart::parse(art).unwrap()),
                sha256: &b.sha256,
                groesse: b.size as i64,
                dateiname: name,
                user_id: owner,
            },
            now,
        )
        .await
        .unwrap();
        plaene.push((ver.dokument_id, ver.id, bytes));
    }
    Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, Zustand::Eingegangen, now)
        .await
        .unwrap();
    Db::setze_eingereicht(&mut tx, v.id, &az(), now)
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
    Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: v.id,
            art: FristArt::Entscheidung,
            rechtsgrundlage: "§ 65 Abs. 2 HBO",
            start: tag("2026-01-01"),
            ende: tag("2099-04-01"),
            erklaerung: "",
        },
        now,
    )
    .await
    .unwrap();
    let einladung =
        Db::lade_beteiligten_ein(&mut tx, v.id, "bh@example.org", "Erika Muster", "h1", now)
            .await
            .unwrap();
    Db::nimm_einladung_an(&mut tx, einladung, bh, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut einstellungen = Einstellungen::fuer_url("http://127.0.0.1:8080");
    einstellungen.mail_domain = "plankammer.test".into();
    let config = BescheidConfig::new(
        Verfahren::neu(db.clone(), blobs, einstellungen),
        SandboxConfig::for_program(plankammer_bin()),
    );
    Welt {
        db,
        config,
        tenant,
        fall: v.id,
        ba,
        plaene,
        _dirs: (dbdir, dir),
    }
}

fn entwurf(tenor: Tenor) -> BescheidEntwurf {
    BescheidEntwurf {
        verfahren: Verfahrensart::VereinfachtesVerfahren,
        tenor,
        tenor_text: "Die Baugenehmigung wird erteilt.".into(),
        nebenbestimmungen: vec![Nebenbestimmung {
            art: if tenor == Tenor::Ablehnung { "4" } else { "2" }.into(),
            text: "Die Zufahrt ist für die Feuerwehr freizuhalten.".into(),
            begruendung: String::new(),
            quelle: Some(Quelle {
                stelle_name: "Brandschutzdienststelle".into(),
                stellungnahme: StellungnahmeId(7),
            }),
        }],
        begruendung: "Das Vorhaben entspricht dem Bebauungsplan.".into(),
        gebuehren: vec![Gebuehr {
            beschreibung: "Genehmigungsgebühr".into(),
            betrag_cent: 123_456,
        }],
        rechtsbehelfsbelehrung: "Gegen diesen Bescheid kann Widerspruch erhoben werden.".into(),
    }
}

/// What the API does: save the draft, record the intent, queue the job. Returns the id.
async fn beantrage(w: &Welt, tenor: Tenor) -> i64 {
    let inhalt = entwurf(tenor);
    let ids: Vec<i64> = w.plaene.iter().map(|p| p.0).collect();
    let id =
        w.db.speichere_bescheid_mit_plaenen(w.fall, &inhalt, &ids, w.ba, now_millis())
            .await
            .unwrap();
    let fd =
        w.db.fassung_dokumente(w.db.fassungen(w.fall).await.unwrap()[0].id)
            .await
            .unwrap();
    let plaene: Vec<ZuGenehmigen> = fd
        .iter()
        .map(|d| ZuGenehmigen {
            dokument_id: d.dokument_id,
            version_id: d.version_id,
            sha256: d.sha256.clone(),
        })
        .collect();
    let now = now_millis();
    let mut tx = w.db.begin().await.unwrap();
    let nummer = Db::beantrage_erlass(
        &mut tx,
        id,
        w.tenant,
        &az(),
        tag("2026-11-29"),
        &plaene,
        w.ba,
        now,
    )
    .await
    .unwrap();
    assert_eq!(nummer.as_deref(), Some("BA-2026-00017-B1"));
    let mut job = NewJob::new(ERLASSEN, serde_json::json!({"bescheid_id": id}), now);
    job.dedupe_key = Some(format!("{ERLASSEN}:{id}"));
    Db::enqueue(&mut tx, &job, now).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn zahl(db: &Db, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// The text of every page, whitespace made single blanks.
fn pdftotext(bytes: &[u8], name: &str) -> String {
    pdfwerkzeug::pdftotext(bytes, name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything that must exist exactly once after the Bescheid was issued.
async fn genau_einmal_erlassen(w: &Welt, id: i64) {
    let db = &w.db;
    for (dok, original, _) in &w.plaene {
        let n = zahl(
            db,
            "SELECT COUNT(*) FROM dokument_versionen WHERE dokument_id = $1",
            *dok,
        )
        .await;
        assert_eq!(n, 2, "document {dok}: the original and one stamped version");
        let v = db.version(*original).await.unwrap();
        assert_eq!(v.nummer, 1, "the original stays version 1");
    }
    assert_eq!(
        zahl(
            db,
            "SELECT COUNT(*) FROM bescheid_plaene WHERE bescheid_id = $1 AND gestempelt_version_id IS NOT NULL",
            id
        )
        .await,
        2
    );
    assert_eq!(
        db.bescheid_nummern(w.tenant).await.unwrap(),
        vec!["BA-2026-00017-B1".to_string()]
    );
    let a = db.antrag(w.fall).await.unwrap();
    assert_eq!(a.zustand, Zustand::Genehmigt);
    assert_eq!(a.naechste_frist, None, "the decision deadline is closed");
    let entscheidungen: Vec<_> = db
        .ereignisse(w.fall)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.art == Eintragsart::Genehmigen)
        .collect();
    assert_eq!(entscheidungen.len(), 1);
    assert_eq!(entscheidungen[0].status_code.as_deref(), Some("10"));
    assert!(entscheidungen[0].text.contains("BA-2026-00017-B1"));
    let mails: Vec<(String,)> = sqlx::query_as(
        "SELECT recipient FROM outbox WHERE tenant_id = $1 AND subject LIKE '%Bescheid liegt vor%' ORDER BY recipient",
    )
    .bind(w.tenant)
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(
        mails,
        vec![
            ("arch@example.org".to_string(),),
            ("bh@example.org".to_string(),)
        ],
        "architect and Bauherrschaft, once each"
    );
    assert_eq!(
        zahl(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'bescheid.erlassen' AND object_id = CAST($1 AS TEXT)",
            id
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_rerun_after_a_crash_between_stamping_and_completing_makes_nothing_twice() {
    let w = welt().await;
    let id = beantrage(&w, Tenor::Genehmigung).await;

    // The first run stamps both plans and dies before it completes.
    let e = lade(&w.config.verfahren, id).await.unwrap().unwrap();
    assert_eq!(
        stemple_plaene(&w.config, &e, &still, now_millis())
            .await
            .unwrap(),
        2
    );
    let a = w.db.antrag(w.fall).await.unwrap();
    assert_eq!(a.zustand, Zustand::Vollstaendig, "not complete yet");
    assert!(!w.db.bescheid_akte(id).await.unwrap().ist_erlassen());

    // The retry completes without stamping again; a third run finds it done.
    assert_eq!(
        erlasse(&w.config, id, &still, now_millis()).await.unwrap(),
        Ausgang::Erlassen
    );
    genau_einmal_erlassen(&w, id).await;
    assert_eq!(
        erlasse(&w.config, id, &still, now_millis()).await.unwrap(),
        Ausgang::SchonErlassen
    );
    genau_einmal_erlassen(&w, id).await;

    // The stamped plans: valid, text layer kept, the stamp readable.
    let akte = w.db.bescheid_akte(id).await.unwrap();
    for p in w.db.bescheid_plaene(id).await.unwrap() {
        let v =
            w.db.version(p.gestempelt_version_id.unwrap())
                .await
                .unwrap();
        assert_eq!(v.nummer, 2);
        assert!(v.dateiname.ends_with("_genehmigt.pdf"), "{}", v.dateiname);
        let bytes = w
            .config
            .verfahren
            .blobs()
            .get_bytes(&v.sha256)
            .await
            .unwrap();
        qpdf_check(&bytes, &v.dateiname);
        let text = pdftotext(&bytes, &v.dateiname);
        let (_, _, original) = w.plaene.iter().find(|x| x.0 == p.dokument_id).unwrap();
        let vorher = pdftotext(original, "original.pdf");
        let wort = vorher
            .split_whitespace()
            .find(|w| w.len() > 6 && w.chars().all(char::is_alphabetic))
            .expect("the sample plan has a text layer");
        assert!(text.contains(wort), "text layer kept: {wort:?} in {text}");
        for z in [
            "GENEHMIGT",
            "Bauaufsicht Kreis Musterstadt",
            "Az. BA-2026-00017",
            "vom 29.11.2026",
            "Bescheid Nr. BA-2026-00017-B1",
        ] {
            assert!(text.contains(z), "stamp line {z:?} in {text}");
        }
        assert_ne!(v.sha256, p.original_sha256);
    }

    // The Bescheid PDF names what it approves.
    let pdf = w
        .config
        .verfahren
        .blobs()
        .get_bytes(akte.pdf_sha256.as_deref().unwrap())
        .await
        .unwrap();
    qpdf_check(&pdf, "bescheid.pdf");
    let text = pdftotext(&pdf, "bescheid.pdf");
    for z in [
        "Baugenehmigung",
        "BA-2026-00017-B1",
        "29.11.2026",
        "Erika Muster",
        "Die Zufahrt ist für die Feuerwehr freizuhalten.",
        "Brandschutzdienststelle",
        "1.234,56 €",
        "Gegen diesen Bescheid kann Widerspruch erhoben werden.",
    ] {
        assert!(text.contains(z), "{z:?} in {text}");
    }
    for p in w.db.bescheid_plaene(id).await.unwrap() {
        assert!(
            text.replace(' ', "").contains(&p.original_sha256),
            "SHA-256 of the approved original {} in the Bescheid",
            p.original_sha256
        );
    }
}

#[tokio::test]
async fn two_concurrent_runs_issue_once() {
    let w = welt().await;
    let id = beantrage(&w, Tenor::Genehmigung).await;
    let (a, b) = tokio::join!(
        erlasse(&w.config, id, &still, now_millis()),
        erlasse(&w.config, id, &still, now_millis())
    );
    let mut ausgaenge = vec![a.unwrap(), b.unwrap()];
    ausgaenge.sort_by_key(|x| format!("{x:?}"));
    assert_eq!(ausgaenge, vec![Ausgang::Erlassen, Ausgang::SchonErlassen]);
    genau_einmal_erlassen(&w, id).await;
}

#[tokio::test]
async fn a_refusal_stamps_nothing_and_ends_at_06() {
    let w = welt().await;
    let id = beantrage(&w, Tenor::Ablehnung).await;
    assert_eq!(
        erlasse(&w.config, id, &still, now_millis()).await.unwrap(),
        Ausgang::Erlassen
    );
    for (dok, _, _) in &w.plaene {
        assert_eq!(
            zahl(
                &w.db,
                "SELECT COUNT(*) FROM dokument_versionen WHERE dokument_id = $1",
                *dok
            )
            .await,
            1,
            "no stamped version for a refusal"
        );
    }
    let a = w.db.antrag(w.fall).await.unwrap();
    assert_eq!(a.zustand, Zustand::Abgelehnt);
    let e = w.db.ereignisse(w.fall).await.unwrap();
    let last = e.last().unwrap();
    assert_eq!(
        (last.art, last.status_code.as_deref()),
        (Eintragsart::Ablehnen, Some("06"))
    );
    let akte = w.db.bescheid_akte(id).await.unwrap();
    let pdf = w
        .config
        .verfahren
        .blobs()
        .get_bytes(akte.pdf_sha256.as_deref().unwrap())
        .await
        .unwrap();
    assert!(pdftotext(&pdf, "ablehnung.pdf").contains("Ablehnung des Bauantrags"));
}

#[tokio::test]
async fn a_case_that_moved_on_fails_the_job_permanently_with_a_german_reason() {
    let w = welt().await;
    let id = beantrage(&w, Tenor::Ablehnung).await;
    // Withdrawn while the job waited.
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
    let f = erlasse(&w.config, id, &still, now_millis())
        .await
        .unwrap_err();
    assert!(f.permanent);
    assert!(
        f.message.contains("kann nicht abgelehnt werden"),
        "{}",
        f.message
    );
    assert!(!w.db.bescheid_akte(id).await.unwrap().ist_erlassen());
    assert_eq!(
        w.db.antrag(w.fall).await.unwrap().zustand,
        Zustand::Zurueckgezogen
    );
}

#[tokio::test]
async fn a_plan_the_sandbox_refuses_fails_permanently_in_german_and_adds_no_version() {
    let w = welt().await;
    let inhalt = entwurf(Tenor::Genehmigung);
    let (dok, version, _) = &w.plaene[0];
    let id =
        w.db.speichere_bescheid_mit_plaenen(w.fall, &inhalt, &[*dok], w.ba, now_millis())
            .await
            .unwrap();
    // Hostile bytes where the plan should be: no PDF at all.
    let kaputt = w
        .config
        .verfahren
        .blobs()
        .put_bytes(Bytes::from_static(b"%PDF-1.7\n\x00\x01 kein echtes PDF"))
        .await
        .unwrap();
    let mut tx = w.db.begin().await.unwrap();
    Db::beantrage_erlass(
        &mut tx,
        id,
        w.tenant,
        &az(),
        tag("2026-11-29"),
        &[ZuGenehmigen {
            dokument_id: *dok,
            version_id: *version,
            sha256: kaputt.sha256,
        }],
        w.ba,
        now_millis(),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    let f = erlasse(&w.config, id, &still, now_millis())
        .await
        .unwrap_err();
    assert!(f.permanent, "{}", f.message);
    assert!(
        f.message
            .starts_with("Der Plan „Lageplan“ (Version 1) konnte nicht gestempelt werden: "),
        "{}",
        f.message
    );
    assert_eq!(
        zahl(
            &w.db,
            "SELECT COUNT(*) FROM dokument_versionen WHERE dokument_id = $1",
            *dok
        )
        .await,
        1
    );
    assert!(!w.db.bescheid_akte(id).await.unwrap().ist_erlassen());
    assert_eq!(
        w.db.antrag(w.fall).await.unwrap().zustand,
        Zustand::Vollstaendig
    );
}
