//! XBau messages of a case (issue 14): built from what the case records, validated before
//! they are handed out. Today: the Eingangsbestätigung (1120), the Aktenzeichen (1121), the
//! result of the formelle Prüfung (0201: one per Nachforderung with its Befunde and
//! deadline, one when the documents were declared complete), each request to a Stelle
//! (0300, with the documents in scope and the deadline), the Bescheid (0205) and one status
//! message for the applicant's portal (1170) per change of state. A case submitted in the browser has
//! Plankammer itself as its portal.

use crate::Verfahren;
use crate::akteur::Betreiber;
use crate::fehler::{Ergebnis, Fehler};
use chrono::{TimeZone, Utc};
use plankammer_domain::bescheid::Tenor;
use plankammer_domain::frist::FristArt;
use plankammer_domain::vorgang::Zustand;
use plankammer_xbau::nachrichten::{
    Aktenzeichenmitteilung, Befundzeile, Behoerde, Bezug, Eingangsbestaetigung, FormellePruefung,
    Kopf, StatusFuerAntragsportal, aktenzeichen, eingangsbestaetigung, formelle_pruefung,
    status_fuer_antragsportal, uuid_aus,
};
use plankammer_xbau::nachrichten::{AnlageMeta, BescheidNachricht, NebenbestimmungZeile, bescheid};
use plankammer_xbau::nachrichten::{
    Aufforderung, RuecknahmeBeteiligung, aufforderung, ruecknahme_beteiligung,
};
use std::collections::BTreeMap;

/// One outgoing message: its type's name (the file name's stem) and its XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XbauNachricht {
    pub name: String,
    pub xml: String,
}

/// The portal that browser-submitted cases came through: Plankammer itself.
fn eigenes_portal() -> Behoerde {
    Behoerde {
        verzeichnisdienst: "DVDV".into(),
        kennung: "plankammer-antragsportal".into(),
        name: "Plankammer (Antragsportal)".into(),
    }
}

impl Verfahren {
    /// The messages of a case as the operator exports them (`plankammer xbau export`).
    /// Each is schema-valid; one that is not is an error of Plankammer, never handed out.
    pub async fn xbau_nachrichten(
        &self,
        _betreiber: &Betreiber,
        vorgang_id: i64,
    ) -> Ergebnis<Vec<XbauNachricht>> {
        let a = self.db.antrag(vorgang_id).await?;
        let tenant = self.db.tenant(a.tenant_id).await?;
        // The authority's DVDV identifier, once the operator registered it
        // (`plankammer tenant xbau-kennung`); until then its slug stands in.
        let autor = Behoerde {
            verzeichnisdienst: "DVDV".into(),
            kennung: self
                .db
                .xbau_kennung(tenant.id)
                .await?
                .unwrap_or_else(|| tenant.slug.clone()),
            name: tenant.name.clone(),
        };
        let kopf = |typ: &str, schluessel: &str, at: i64| Kopf {
            uuid: uuid_aus(&format!(
                "plankammer:{}:{}:{typ}:{schluessel}",
                tenant.slug, a.id
            )),
            erstellt: Utc
                .timestamp_millis_opt(at)
                .single()
                .unwrap_or_else(Utc::now),
            autor: autor.clone(),
            leser: eigenes_portal(),
        };
        let bezug = Bezug {
            referenz: None,
            vorgang: a.aktenzeichen.as_ref().map(|z| z.to_string()),
        };
        let mut aus = Vec::new();
        if let Some(eingang) = a.eingereicht_at {
            aus.push((
                "prozessnachrichten.eingangsbestaetigung.1120".to_string(),
                eingangsbestaetigung(&Eingangsbestaetigung {
                    kopf: kopf("1120", "eingang", eingang),
                    bezug: bezug.clone(),
                    information: Some(format!(
                        "Ihr Antrag „{}“ ist bei der {} eingegangen.",
                        a.bezeichnung, tenant.name
                    )),
                }),
            ));
            aus.push((
                "prozessnachrichten.aktenzeichen.1121".to_string(),
                aktenzeichen(&Aktenzeichenmitteilung {
                    kopf: kopf("1121", "aktenzeichen", eingang),
                    bezug: bezug.clone(),
                }),
            ));
        }
        // The formelle Prüfung: each Nachforderung round with its Befunde and deadline.
        let anlagearten: BTreeMap<i64, String> = self
            .db
            .dokumente(a.id)
            .await?
            .into_iter()
            .filter_map(|d| d.anlageart.map(|x| (d.id, x.code().to_string())))
            .collect();
        let mut runden: BTreeMap<i64, Vec<plankammer_storage::antrag::Befund>> = BTreeMap::new();
        for b in self.db.befunde(a.id).await? {
            runden.entry(b.runde).or_default().push(b);
        }
        let nachforderungsfristen: Vec<_> = self
            .db
            .fristen(a.id)
            .await?
            .into_iter()
            .filter(|f| f.art == FristArt::Nachforderung)
            .collect();
        for (runde, befunde) in &runden {
            let at = befunde
                .iter()
                .map(|b| b.created_at)
                .max()
                .unwrap_or(a.created_at);
            aus.push((
                "baugenehmigung.formellePruefung.0201".to_string(),
                formelle_pruefung(&FormellePruefung {
                    kopf: kopf("0201", &format!("runde-{runde}"), at),
                    bezug: bezug.clone(),
                    vollstaendig: false,
                    befunde: befunde
                        .iter()
                        .map(|b| Befundzeile {
                            art: b.code.clone(),
                            anlageart: b.dokument_id.and_then(|d| anlagearten.get(&d).cloned()),
                            beschreibung: b.text.clone(),
                        })
                        .collect(),
                    frist: frist_um(&nachforderungsfristen, at),
                    anschreiben: None,
                }),
            ));
        }
        let ereignisse = self.db.ereignisse(a.id).await?;
        if let Some(e) = ereignisse
            .iter()
            .find(|e| e.zustand == Some(Zustand::Vollstaendig))
        {
            aus.push((
                "baugenehmigung.formellePruefung.0201".to_string(),
                formelle_pruefung(&FormellePruefung {
                    kopf: kopf("0201", "vollstaendig", e.at),
                    bezug: bezug.clone(),
                    vollstaendig: true,
                    befunde: Vec::new(),
                    frist: None,
                    anschreiben: Some(e.text.clone()),
                }),
            ));
        }
        // Each request to a Stelle (0300) with the documents in scope and its deadline; a
        // withdrawn one also as its withdrawal (0304).
        let dokumente = self.db.dokumente(a.id).await?;
        let zeitleiste = self.db.ereignisse(a.id).await?;
        for b in self.db.beteiligungen(a.id).await? {
            let beilagen: Vec<AnlageMeta> = dokumente
                .iter()
                .filter(|d| b.umfang.as_ref().is_none_or(|u| u.contains(&d.id)))
                .filter_map(|d| {
                    let v = d.versionen.last()?;
                    Some(AnlageMeta {
                        bezeichnung: d.bezeichnung.clone(),
                        anlageart: d.anlageart.as_ref().map(|x| x.code().to_string()),
                        version: Some(v.nummer.max(1) as u64),
                        mime_type: "application/pdf".into(),
                        dokument_id: format!("urn:plankammer:version:{}", v.id),
                        dateiname: v.dateiname.clone(),
                        groesse: v.groesse.max(1) as u64,
                        sha256: v.sha256.clone(),
                    })
                })
                .collect();
            aus.push((
                "beteiligung.aufforderung.0300".to_string(),
                aufforderung(&Aufforderung {
                    kopf: kopf("0300", &b.id.to_string(), b.angefragt_at),
                    bezug: bezug.clone(),
                    referenz: uuid_aus(&format!("plankammer:{}:beteiligung:{}", tenant.slug, b.id)),
                    stelle: b.stelle_name.clone(),
                    rolle: b.rolle.code().to_string(),
                    // The case worker's note to the Stelle (`grund` is a change of state's).
                    grund: Some(b.notiz.clone()).filter(|g| !g.trim().is_empty()),
                    bauvorhaben: a.bezeichnung.clone(),
                    anlagen: beilagen,
                    frist: b.ende,
                    rechtsfolge: Some(format!(
                        "Äußert sich die Stelle nicht bis zum {}: {} ({}).",
                        b.ende.format("%d.%m.%Y"),
                        b.schweigefolge.folge_text(),
                        b.rechtsgrundlage
                    )),
                }),
            ));
            if b.zustand == plankammer_domain::beteiligung::BeteiligungsZustand::Zurueckgezogen {
                let praefix = format!("Anfrage an „{}“ zurückgezogen", b.stelle_name);
                let at = zeitleiste
                    .iter()
                    .filter(|e| e.text.starts_with(&praefix))
                    .map(|e| e.at)
                    .next_back()
                    .unwrap_or(b.angefragt_at);
                aus.push((
                    "beteiligung.ruecknahme.0304".to_string(),
                    ruecknahme_beteiligung(&RuecknahmeBeteiligung {
                        kopf: kopf("0304", &b.id.to_string(), at),
                        bezug: bezug.clone(),
                        referenz: uuid_aus(&format!(
                            "plankammer:{}:beteiligung:{}",
                            tenant.slug, b.id
                        )),
                        information: b.grund.clone().filter(|g| !g.trim().is_empty()),
                    }),
                ));
            }
        }
        // The Bescheid, once issued, with its PDF and the stamped plans beside it.
        if let Some(b) = self.db.aktueller_bescheid(a.id).await?
            && b.ist_erlassen()
        {
            let mut beilagen = Vec::new();
            if let Some(sha) = &b.pdf_sha256 {
                let nummer = b.nummer.clone().unwrap_or_default();
                beilagen.push(AnlageMeta {
                    bezeichnung: format!("{} Nr. {nummer}", b.inhalt.tenor.bezeichnung()),
                    anlageart: None,
                    version: Some(1),
                    mime_type: "application/pdf".into(),
                    dokument_id: format!("urn:plankammer:bescheid:{}", b.id),
                    dateiname: format!("bescheid-{}.pdf", nummer.replace('/', "-")),
                    groesse: self.db.blob_groesse(sha).await?.unwrap_or(1).max(1) as u64,
                    sha256: sha.clone(),
                });
            }
            for p in self.db.bescheid_plaene(b.id).await? {
                let Some(vid) = p.gestempelt_version_id else {
                    continue;
                };
                let v = self.db.version(vid).await?;
                beilagen.push(AnlageMeta {
                    bezeichnung: format!("{} (mit Genehmigungsvermerk)", p.bezeichnung),
                    anlageart: p.anlageart.map(|x| x.code().to_string()),
                    version: Some(v.nummer.max(1) as u64),
                    mime_type: "application/pdf".into(),
                    dokument_id: format!("urn:plankammer:version:{}", v.id),
                    dateiname: v.dateiname.clone(),
                    groesse: v.groesse.max(1) as u64,
                    sha256: v.sha256.clone(),
                });
            }
            let at = b.erlassen_at.unwrap_or(b.created_at);
            aus.push((
                "baugenehmigung.bescheid.0205".to_string(),
                bescheid(&BescheidNachricht {
                    kopf: kopf("0205", &b.id.to_string(), at),
                    bezug: bezug.clone(),
                    ist_genehmigung: b.inhalt.tenor == Tenor::Genehmigung,
                    nebenbestimmungen: b
                        .inhalt
                        .nebenbestimmungen
                        .iter()
                        .map(|n| NebenbestimmungZeile {
                            art: n.art.clone(),
                            text: n.text.clone(),
                        })
                        .collect(),
                    begruendung: Some(b.inhalt.begruendung.clone())
                        .filter(|t| !t.trim().is_empty()),
                    rechtsbehelfsbelehrung: Some(b.inhalt.rechtsbehelfsbelehrung.clone())
                        .filter(|t| !t.trim().is_empty()),
                    anlagen: beilagen,
                }),
            ));
        }
        for e in ereignisse {
            let Some(status) = e.status_code else {
                continue;
            };
            aus.push((
                "prozessnachrichten.statusFuerAntragsportal.1170".to_string(),
                status_fuer_antragsportal(&StatusFuerAntragsportal {
                    kopf: kopf("1170", &e.id.to_string(), e.at),
                    bezug: bezug.clone(),
                    status,
                    // A Nachforderung names its deadline.
                    frist: if e.zustand == Some(Zustand::Nachforderung) {
                        frist_um(&nachforderungsfristen, e.at)
                    } else {
                        None
                    },
                    begruendung: Some(e.text.clone()),
                }),
            ));
        }
        // Each message's UUID names its key and its content: the same message exported
        // again keeps its UUID, a changed one (a corrected name, another Befund) gets a
        // new one, so no receiver drops a correction as a duplicate.
        let aus: Vec<(String, String)> = aus
            .into_iter()
            .map(|(name, xml)| {
                let platzhalter = xml
                    .split("<nachrichtenUUID>")
                    .nth(1)
                    .and_then(|r| r.split('<').next())
                    .unwrap_or_default()
                    .to_string();
                let inhalt = xml.replacen(&platzhalter, "", 1);
                let uuid = uuid_aus(&format!(
                    "{platzhalter}:{}",
                    plankammer_storage::sha256_hex(&inhalt)
                ));
                (name, xml.replacen(&platzhalter, &uuid, 1))
            })
            .collect();
        // Validation is CPU work (libxml2): off the async threads.
        tokio::task::spawn_blocking(move || {
            aus.into_iter()
                .map(|(name, xml)| {
                    plankammer_xbau::ausgehend(&name, xml)
                        .map(|xml| XbauNachricht { name, xml })
                        .map_err(|e| {
                            tracing::error!(error = %e, "an outgoing XBau message is not valid");
                            Fehler::intern(e)
                        })
                })
                .collect()
        })
        .await
        .map_err(Fehler::intern)?
    }
}

/// The Nachforderung deadline set with the step at `at` (same moment, within a few
/// seconds).
fn frist_um(fristen: &[plankammer_storage::antrag::Frist], at: i64) -> Option<chrono::NaiveDate> {
    fristen
        .iter()
        .filter(|f| (f.created_at - at).abs() <= 5_000)
        .min_by_key(|f| (f.created_at - at).abs())
        .map(|f| f.ende)
}

/// Longest DVDV identifier taken.
pub const MAX_XBAU_KENNUNG: usize = 100;

impl Verfahren {
    /// The operator registers the authority's DVDV identifier (audited): from then on its
    /// XBau messages name it as their author.
    pub async fn xbau_kennung_setzen(
        &self,
        _betreiber: &Betreiber,
        tenant_slug: &str,
        kennung: &str,
    ) -> Ergebnis<()> {
        let kennung = kennung.trim();
        if kennung.is_empty()
            || kennung.len() > MAX_XBAU_KENNUNG
            || !kennung
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":.-_".contains(c))
        {
            return Err(Fehler::ungueltig(format!(
                "Die Kennung im DVDV besteht aus Buchstaben, Ziffern und : . - _ (höchstens {MAX_XBAU_KENNUNG} Zeichen), z. B. bau:06611000."
            )));
        }
        let tenant = self.db.tenant_by_slug(tenant_slug).await?;
        let mut tx = self.db.begin().await?;
        plankammer_storage::Db::xbau_kennung_setzen(&mut tx, tenant.id, kennung).await?;
        plankammer_storage::Db::audit(
            &mut tx,
            plankammer_storage::audit::AuditEvent {
                tenant_id: Some(tenant.id),
                actor_user_id: None,
                action: "tenant.xbau_kennung",
                object_type: "tenant",
                object_id: Some(tenant.id.to_string()),
                detail: serde_json::json!({ "kennung": kennung }),
            },
            plankammer_storage::now_millis(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
