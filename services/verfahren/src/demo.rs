//! The demo's complete case (`plankammer demo`): the sample plan set submitted and declared
//! complete, so the Beteiligung and the Bescheid can be clicked through at once. The
//! submission and the completeness are written as the steps would (through
//! [`Verfahren::wechsle`], with timeline, Aktenzeichen, Fassung 1 and the decision
//! deadline) — only without the checklist and the Bauherrschaft's Freizeichnung, which a
//! demo has no time for. Only the operator loads it.

use crate::Verfahren;
use crate::ablauf::Wechsel;
use crate::akteur::Betreiber;
use crate::fehler::{Ergebnis, Fehler};
use bytes::Bytes;
use chrono::Datelike;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::AngabenEingabe;
use plankammer_domain::frist::FristArt;
use plankammer_domain::vorgang::Ereignis;
use plankammer_storage::antrag::NeueFrist;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::{Db, heute_berlin, now_millis};

/// One plan of the demo case: file name, Bezeichnung, the bytes, the Anlageart code.
pub struct DemoPlan {
    pub dateiname: &'static str,
    pub bezeichnung: &'static str,
    pub inhalt: &'static [u8],
    pub anlageart: &'static str,
}

impl Verfahren {
    /// A draft of the architect with its Angaben (for the demo's second case).
    pub async fn demo_entwurf(
        &self,
        _betreiber: &Betreiber,
        tenant_id: i64,
        architektin: i64,
        angaben: &AngabenEingabe,
    ) -> Ergebnis<i64> {
        let g = angaben.pruefe().map_err(Fehler::Ungueltig)?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let v = Db::lege_vorgang_an(&mut tx, tenant_id, architektin, &g.bezeichnung, now).await?;
        Db::setze_angaben(&mut tx, v.id, &g.bezeichnung, g.verfahren, &g.angaben, now).await?;
        tx.commit().await?;
        Ok(v.id)
    }

    /// The complete case: the plans stored and queued for the pipeline, submitted with its
    /// Aktenzeichen and Fassung 1, declared complete with the decision deadline running.
    pub async fn demo_vollstaendiger_fall(
        &self,
        _betreiber: &Betreiber,
        tenant_id: i64,
        architektin: i64,
        angaben: &AngabenEingabe,
        plaene: &[DemoPlan],
    ) -> Ergebnis<i64> {
        let g = angaben.pruefe().map_err(Fehler::Ungueltig)?;
        let now = now_millis();
        let heute = heute_berlin();
        let mut gespeichert = Vec::new();
        for p in plaene {
            let blob = self
                .blobs
                .put_bytes(Bytes::from_static(p.inhalt))
                .await
                .map_err(Fehler::intern)?;
            let art = Anlageart::parse(p.anlageart).map_err(Fehler::intern)?;
            gespeichert.push((p, art, blob));
        }
        let entscheidung = crate::pruefung::entscheidungsfrist(g.verfahren, heute)?;
        let jahr = i64::from(heute.year());
        let mut tx = self.db.begin().await?;
        let v = Db::lege_vorgang_an(&mut tx, tenant_id, architektin, &g.bezeichnung, now).await?;
        Db::setze_angaben(&mut tx, v.id, &g.bezeichnung, g.verfahren, &g.angaben, now).await?;
        for (p, art, blob) in &gespeichert {
            let ver = Db::add_version(
                &mut tx,
                &NeueVersion {
                    vorgang_id: v.id,
                    tenant_id,
                    dokument_id: None,
                    bezeichnung: p.bezeichnung,
                    anlageart: Some(art),
                    sha256: &blob.sha256,
                    groesse: blob.size as i64,
                    dateiname: p.dateiname,
                    user_id: architektin,
                },
                now,
            )
            .await?;
            Db::enqueue_stufe(
                &mut tx,
                ver.id,
                tenant_id,
                crate::dokumente::STUFE_VALIDATE,
                now,
            )
            .await?;
        }
        let az = Db::naechstes_aktenzeichen(&mut tx, tenant_id, jahr).await?;
        Db::setze_eingereicht(&mut tx, v.id, &az, now).await?;
        Db::friere_fassung(&mut tx, v.id, architektin, now).await?;
        let mut a = Db::antrag_in(&mut tx, v.id).await?;
        for (ereignis, text) in [
            (
                Ereignis::Einreichen,
                format!(
                    "Antrag eingereicht, Aktenzeichen {az}, Fassung 1 mit {} Unterlagen",
                    gespeichert.len()
                ),
            ),
            (
                Ereignis::VollstaendigErklaeren,
                "Formelle Prüfung abgeschlossen: Die Unterlagen sind vollständig.".to_string(),
            ),
        ] {
            a.zustand = self
                .wechsle(
                    &mut tx,
                    &a,
                    Wechsel {
                        ereignis,
                        akteur: None,
                        text: &text,
                        mail: None,
                        frist: None,
                    },
                    now,
                )
                .await?;
        }
        if let Some(e) = &entscheidung {
            Db::lege_frist_an(
                &mut tx,
                &NeueFrist {
                    vorgang_id: v.id,
                    art: FristArt::Entscheidung,
                    rechtsgrundlage: e.rechtsgrundlage.as_deref().unwrap_or(""),
                    start: e.start,
                    ende: e.ende,
                    erklaerung: &e.erklaerung(),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(v.id)
    }
}
