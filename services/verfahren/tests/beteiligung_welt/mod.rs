//! The world of the Beteiligung tests: a tenant with an applicant, a case worker and three
//! Stellen (one Land-wide) with their members, a neighbouring tenant's case worker, and a
//! complete case (Fassung 1 with two documents) in the vereinfachtes Verfahren.
#![allow(dead_code)]

use bytes::Bytes;
use chrono::NaiveDate;
use plankammer_domain::Role;
use plankammer_domain::antrag::Angaben;
use plankammer_domain::frist;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_tests::welt::{self, Marke};
use plankammer_verfahren::beteiligung::{Anfrage, Beteiligen};
use plankammer_verfahren::{Akteur, Fehler, Verfahren};

pub const TAG_MS: i64 = 24 * 3600 * 1000;

pub struct Welt {
    pub v: Verfahren,
    pub db: Db,
    pub tenant: i64,
    pub arch: Akteur,
    pub ba: Akteur,
    /// A case worker of another tenant.
    pub ba_fremd: Akteur,
    /// Members of the Brandschutzdienststelle.
    pub fs1: Akteur,
    pub fs2: Akteur,
    /// The Gemeinde's member.
    pub gm: Akteur,
    /// The member of the Land-wide Naturschutzbehörde.
    pub unb: Akteur,
    pub brandschutz: i64,
    pub gemeinde: i64,
    pub naturschutz: i64,
    pub vorgang: i64,
    /// The two documents of Fassung 1, and their versions.
    pub dokumente: [i64; 2],
    pub versionen: [i64; 2],
    /// Where audit log and outbox stood after the fixture: the counts are of the test's steps.
    pub seit: Marke,
    _basis: welt::Welt,
}

/// A tenant of its own ("Bauaufsicht Kreis": its case worker is the only one mailed as the
/// Bauaufsicht), next to the fixture's tenants, whose case worker of `kreis-b` is the
/// neighbour; the Stellen and accounts made by the operator's steps.
pub async fn welt() -> Welt {
    welt_mit(welt::Welt::neu().await).await
}

/// [`welt`] in a fixture the caller made (an application over another database: the
/// cluster's fault tests seed a running cluster's PostgreSQL this way).
pub async fn welt_mit(w: welt::Welt) -> Welt {
    let (db, v) = (w.app.db.clone(), w.app.verfahren.clone());
    let kreis = w.behoerde("kreis", "Bauaufsicht Kreis").await;
    let arch = w
        .konto(
            kreis,
            "arch@example.org",
            "Architektin",
            Role::Antragsteller,
        )
        .await;
    let ba = w
        .konto(
            kreis,
            "ba@example.org",
            "Sachbearbeiterin",
            Role::Bauaufsicht,
        )
        .await;
    let ba_fremd = w.akteur(welt::FREMD).await;
    let fs1 = w
        .konto(
            kreis,
            "bs1@example.org",
            "Brandschutz Eins",
            Role::Fachstelle,
        )
        .await;
    let fs2 = w
        .konto(
            kreis,
            "bs2@example.org",
            "Brandschutz Zwei",
            Role::Fachstelle,
        )
        .await;
    let gm = w
        .konto(kreis, "gemeinde@example.org", "Gemeinde", Role::Fachstelle)
        .await;
    let unb = w
        .konto(kreis, "unb@example.org", "Naturschutz", Role::Fachstelle)
        .await;
    let brandschutz = w
        .stelle_von(Some(kreis), "Brandschutzdienststelle", "Brandschutz", None)
        .await;
    let gemeinde = w
        .stelle_von(
            Some(kreis),
            "Gemeinde Musterstadt",
            "Einvernehmen",
            Some("06611000"),
        )
        .await;
    let naturschutz = w
        .stelle_von(None, "Obere Naturschutzbehörde", "Naturschutz", None)
        .await;
    for (s, m) in [
        (brandschutz, &fs1),
        (brandschutz, &fs2),
        (gemeinde, &gm),
        (naturschutz, &unb),
    ] {
        w.mitglied(s, &m.email).await;
    }
    let (vorgang, dokumente, versionen) =
        vollstaendiger_fall(&db, kreis, arch.user_id, "Neubau Garage").await;
    Welt {
        v,
        db,
        tenant: kreis,
        arch,
        ba,
        ba_fremd,
        fs1,
        fs2,
        gm,
        unb,
        brandschutz,
        gemeinde,
        naturschutz,
        vorgang,
        dokumente,
        versionen,
        seit: w.marke().await,
        _basis: w,
    }
}

/// A complete case of `tenant` by `antragsteller`: submitted, Fassung 1 with two documents
/// (Lageplan, Grundriss EG), declared complete. The case, its documents and their versions.
pub async fn vollstaendiger_fall(
    db: &Db,
    kreis: i64,
    antragsteller: i64,
    bezeichnung: &str,
) -> (i64, [i64; 2], [i64; 2]) {
    // A complete case: submitted, Fassung 1 with two documents, declared complete.
    let now = now_millis();
    let vorgang = db
        .create_vorgang(kreis, antragsteller, bezeichnung, now)
        .await
        .unwrap()
        .id;
    let mut tx = db.begin().await.unwrap();
    Db::setze_angaben(
        &mut tx,
        vorgang,
        bezeichnung,
        Verfahrensart::VereinfachtesVerfahren,
        &Angaben::default(),
        now,
    )
    .await
    .unwrap();
    let mut dokumente = [0; 2];
    let mut versionen = [0; 2];
    for (i, name) in ["Lageplan", "Grundriss EG"].into_iter().enumerate() {
        let sha = format!("{:064x}", i + 1);
        let ver = Db::add_version(
            &mut tx,
            &NeueVersion {
                vorgang_id: vorgang,
                tenant_id: kreis,
                dokument_id: None,
                bezeichnung: name,
                anlageart: None,
                sha256: &sha,
                groesse: 1000,
                dateiname: &format!("{name}.pdf"),
                user_id: antragsteller,
            },
            now,
        )
        .await
        .unwrap();
        dokumente[i] = ver.dokument_id;
        versionen[i] = ver.id;
    }
    Db::wechsle_zustand(
        &mut tx,
        vorgang,
        Zustand::Entwurf,
        Zustand::Eingegangen,
        now,
    )
    .await
    .unwrap();
    Db::friere_fassung(&mut tx, vorgang, antragsteller, now)
        .await
        .unwrap();
    Db::wechsle_zustand(
        &mut tx,
        vorgang,
        Zustand::Eingegangen,
        Zustand::Vollstaendig,
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (vorgang, dokumente, versionen)
}

/// A request with the engine's deadline and every document.
pub fn anfrage(stelle_id: i64) -> Anfrage {
    Anfrage {
        stelle_id,
        ..Anfrage::default()
    }
}

impl Welt {
    /// The case worker asks these Stellen (engine's deadline, all documents); their ids.
    pub async fn frage_an(&self, stellen: &[i64]) -> Vec<i64> {
        self.v
            .stellen_anfragen(
                &self.ba,
                self.vorgang,
                &Beteiligen {
                    anfragen: stellen.iter().map(|s| anfrage(*s)).collect(),
                    ..Beteiligen::default()
                },
            )
            .await
            .unwrap()
    }

    pub async fn zustand(&self) -> Zustand {
        self.db.antrag(self.vorgang).await.unwrap().zustand
    }

    /// The timeline entries of one kind.
    pub async fn eintraege(&self, art: Eintragsart) -> Vec<plankammer_storage::antrag::Ereignis> {
        self.db
            .ereignisse(self.vorgang)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.art == art)
            .collect()
    }

    /// (recipient, subject) of every mail of the tenant the test's steps queued, by recipient
    /// and id.
    pub async fn mails(&self) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT recipient, subject FROM outbox WHERE tenant_id = $1 AND id > $2 ORDER BY recipient, id",
        )
        .bind(self.tenant)
        .bind(self.seit.outbox_id)
        .fetch_all(self.db.pool())
        .await
        .unwrap()
    }

    /// The recipients of mails whose subject contains `betreff`, sorted.
    pub async fn an(&self, betreff: &str) -> Vec<String> {
        self.mails()
            .await
            .into_iter()
            .filter(|(_, s)| s.contains(betreff))
            .map(|(a, _)| a)
            .collect()
    }

    /// Audit entries of the tenant with this action, of the test's steps.
    pub async fn audit(&self, action: &str) -> usize {
        self.db
            .audit_entries(self.tenant, 1000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == action && e.id > self.seit.audit_id)
            .count()
    }

    /// Another account of the case's tenant (e.g. a second case worker as deputy).
    pub async fn weiteres_konto(&self, email: &str, name: &str, role: Role) -> Akteur {
        self._basis.konto(self.tenant, email, name, role).await
    }

    /// Moves the last day of a request to `tage` days from today (a state no step reaches).
    pub async fn setze_ende(&self, bid: i64, tage: i64) {
        sqlx::query("UPDATE beteiligungen SET ende = $2 WHERE id = $1")
            .bind(bid)
            .bind(tag(tage).format("%Y-%m-%d").to_string())
            .execute(self.db.pool())
            .await
            .unwrap();
    }

    /// A PDF upload as the adapters stream it.
    pub fn pdf(inhalt: &str) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures::stream::iter(vec![Ok(Bytes::from(format!(
            "%PDF-1.7\n% {inhalt}\n%%EOF\n"
        )))])
    }
}

/// Today plus `tage`, Berlin.
pub fn tag(tage: i64) -> NaiveDate {
    heute_berlin() + chrono::Duration::days(tage)
}

/// The first Werktag on or after `d` that is not `ausser`.
pub fn werktag_ab(mut d: NaiveDate, ausser: NaiveDate) -> NaiveDate {
    while !frist::ist_arbeitstag(d) || d == ausser {
        d = d.succ_opt().unwrap();
    }
    d
}

/// The first Sunday after `d`.
pub fn sonntag_nach(mut d: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    d = d.succ_opt().unwrap();
    while d.weekday() != chrono::Weekday::Sun {
        d = d.succ_opt().unwrap();
    }
    d
}

/// The German sentences of an `Ungueltig`, or a panic naming what came instead.
pub fn saetze<T: std::fmt::Debug>(r: Result<T, Fehler>) -> Vec<String> {
    match r {
        Err(Fehler::Ungueltig(m)) => m,
        other => panic!("expected Ungueltig, got {other:?}"),
    }
}

/// The sentence of a `Konflikt`, or a panic naming what came instead.
pub fn konflikt<T: std::fmt::Debug>(r: Result<T, Fehler>) -> String {
    match r {
        Err(Fehler::Konflikt(m)) => m,
        other => panic!("expected Konflikt, got {other:?}"),
    }
}

pub fn nicht_gefunden<T: std::fmt::Debug>(r: Result<T, Fehler>) {
    assert!(
        matches!(r, Err(Fehler::NichtGefunden)),
        "expected NichtGefunden, got {r:?}"
    );
}
