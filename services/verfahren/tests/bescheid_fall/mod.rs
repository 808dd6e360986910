//! A case ready for its Bescheid, made through the store: the Bescheid tests' fixture, and
//! the cluster's fault tests' (tests/e2e/cluster_fehler.rs), whose workers stamp real plans.
#![allow(dead_code)]

use bytes::Bytes;
use chrono::Days;
use plankammer_domain::aktenzeichen::Aktenzeichen;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::{Angaben, Bauherrschaft, Bauvorhaben, Grundstueck};
use plankammer_domain::frist::FristArt;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_storage::antrag::NeueFrist;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::{Db, heute_berlin, now_millis};
use plankammer_verfahren::Akteur;

pub fn angaben() -> Angaben {
    Angaben {
        bauvorhaben: Bauvorhaben {
            bezeichnung: "Neubau Einfamilienhaus".into(),
            massnahme: "11".into(),
            gebaeudeklasse: "1".into(),
        },
        bauherrschaft: Bauherrschaft {
            name: "Erika Muster".into(),
            anschrift: "Lindenweg 12, 34117 Kassel".into(),
            email: "bh@example.org".into(),
        },
        grundstueck: Grundstueck {
            strasse: "Lindenweg".into(),
            hausnummer: "12".into(),
            plz: "34117".into(),
            ort: "Kassel".into(),
            gemeinde_ags: "06611000".into(),
            ..Grundstueck::default()
        },
        ..Angaben::default()
    }
}

/// A vereinfacht case of `owner` at 18, with Fassung 1 of two plans and a Baubeschreibung
/// (their bytes `inhalt(dateiname)`), a running decision deadline, an accepted Bauherrschaft.
/// Returns the case and its three document ids.
pub async fn fall(
    db: &Db,
    blobs: &BlobStore,
    tenant: i64,
    owner: &Akteur,
    bh: Option<&Akteur>,
    az: &str,
    inhalt: impl Fn(&str) -> Vec<u8>,
) -> (i64, [i64; 3]) {
    let now = now_millis();
    let v = db
        .create_vorgang(tenant, owner.user_id, "Neubau Einfamilienhaus", now)
        .await
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    Db::setze_angaben(
        &mut tx,
        v.id,
        "Neubau Einfamilienhaus",
        Verfahrensart::VereinfachtesVerfahren,
        &angaben(),
        now,
    )
    .await
    .unwrap();
    let mut ids = [0; 3];
    for (i, (name, bez, art)) in [
        ("lageplan.pdf", "Lageplan", "1803"),
        ("grundriss.pdf", "Grundriss EG", "2001"),
        ("baubeschreibung.pdf", "Baubeschreibung", "1502"),
    ]
    .into_iter()
    .enumerate()
    {
        let b = blobs.put_bytes(Bytes::from(inhalt(name))).await.unwrap();
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
                user_id: owner.user_id,
            },
            now,
        )
        .await
        .unwrap();
        ids[i] = ver.dokument_id;
    }
    Db::wechsle_zustand(&mut tx, v.id, Zustand::Entwurf, Zustand::Eingegangen, now)
        .await
        .unwrap();
    Db::setze_eingereicht(&mut tx, v.id, &Aktenzeichen::parse(az).unwrap(), now)
        .await
        .unwrap();
    Db::friere_fassung(&mut tx, v.id, owner.user_id, now)
        .await
        .unwrap();
    Db::wechsle_zustand(
        &mut tx,
        v.id,
        Zustand::Eingegangen,
        Zustand::Vollstaendig,
        now,
    )
    .await
    .unwrap();
    let heute = heute_berlin();
    Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: v.id,
            art: FristArt::Entscheidung,
            rechtsgrundlage: "§ 65 Abs. 2 HBO",
            start: heute,
            ende: heute.checked_add_days(Days::new(90)).unwrap(),
            erklaerung: "",
        },
        now,
    )
    .await
    .unwrap();
    if let Some(bh) = bh {
        let e = Db::lade_beteiligten_ein(&mut tx, v.id, &bh.email, &bh.name, "h", now)
            .await
            .unwrap();
        Db::nimm_einladung_an(&mut tx, e, bh.user_id, now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    (v.id, ids)
}
