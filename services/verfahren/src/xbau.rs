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
    /// The files beside it (their bytes in the blob store).
    pub beilagen: Vec<plankammer_storage::xbau::Beilage>,
}

/// The authority's DVDV identifier, once the operator registered it
/// (`plankammer tenant xbau-kennung`); until then its slug stands in.
pub(crate) async fn kennung_der_behoerde(
    db: &plankammer_storage::Db,
    tenant: &plankammer_storage::accounts::Tenant,
) -> Ergebnis<String> {
    Ok(db
        .xbau_kennung(tenant.id)
        .await?
        .unwrap_or_else(|| tenant.slug.clone()))
}

/// The authority as the author of its messages.
pub(crate) async fn autor_der_behoerde(
    db: &plankammer_storage::Db,
    tenant: &plankammer_storage::accounts::Tenant,
) -> Ergebnis<Behoerde> {
    Ok(Behoerde {
        verzeichnisdienst: "DVDV".into(),
        kennung: kennung_der_behoerde(db, tenant).await?,
        name: tenant.name.clone(),
    })
}

fn beilagen_aus(liste: &[AnlageMeta]) -> Vec<plankammer_storage::xbau::Beilage> {
    liste
        .iter()
        .map(|a| plankammer_storage::xbau::Beilage {
            dokumentid: a.dokument_id.clone(),
            dateiname: plankammer_xbau::nachrichten::dateiname(&a.dateiname),
            sha256: a.sha256.clone(),
            groesse: a.groesse as i64,
            mime: a.mime_type.clone(),
        })
        .collect()
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
        let partner = match self.db.xbau_partner_des_vorgangs(vorgang_id).await? {
            Some(p) => Some(self.db.xbau_partner(p).await?),
            None => None,
        };
        self.xbau_nachrichten_an(vorgang_id, partner.as_ref()).await
    }

    /// The messages of a case, addressed to the portal it came through (`None`: it was
    /// submitted in the browser, Plankammer is its portal).
    pub(crate) async fn xbau_nachrichten_an(
        &self,
        vorgang_id: i64,
        portal: Option<&plankammer_storage::xbau::XbauPartner>,
    ) -> Ergebnis<Vec<XbauNachricht>> {
        let a = self.db.antrag(vorgang_id).await?;
        let tenant = self.db.tenant(a.tenant_id).await?;
        let autor = autor_der_behoerde(&self.db, &tenant).await?;
        let leser = match portal {
            Some(p) => Behoerde {
                verzeichnisdienst: "DVDV".into(),
                kennung: p.kennung.clone(),
                name: p.name.clone(),
            },
            None => eigenes_portal(),
        };
        // Answers to a portal name the message the case came with.
        let eingang_uuid = match portal {
            Some(_) => self.db.eingangsnachricht(a.id).await?,
            None => None,
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
            leser: leser.clone(),
        };
        let bezug = Bezug {
            referenz: eingang_uuid.clone(),
            vorgang: a.aktenzeichen.as_ref().map(|z| z.to_string()),
        };
        let mut aus = Vec::new();
        // The files beside a message, by its position in `aus`.
        let mut beilagen_je: BTreeMap<usize, Vec<plankammer_storage::xbau::Beilage>> =
            BTreeMap::new();
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
            // A request goes to the Stelle: to its own system where it is reached through
            // XBau, else to the Stelle as Plankammer knows it.
            let an_stelle = match self.db.xbau_partner_der_stelle(b.stelle_id).await? {
                Some(p) => Behoerde {
                    verzeichnisdienst: "DVDV".into(),
                    kennung: p.kennung,
                    name: p.name,
                },
                None => Behoerde {
                    verzeichnisdienst: "DVDV".into(),
                    kennung: format!("plankammer-stelle-{}", b.stelle_id),
                    name: b.stelle_name.clone(),
                },
            };
            let beilagen: Vec<AnlageMeta> = dokumente
                .iter()
                .filter(|d| b.umfang.as_ref().is_none_or(|u| u.contains(&d.id)))
                .filter_map(|d| {
                    // The version the Stelle was sent: the latest at the time of the
                    // request (a stamped plan or a later Fassung is not what it saw).
                    let v = d
                        .versionen
                        .iter()
                        .rfind(|v| v.created_at <= b.angefragt_at)?;
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
            beilagen_je.insert(aus.len(), beilagen_aus(&beilagen));
            aus.push((
                "beteiligung.aufforderung.0300".to_string(),
                aufforderung(&Aufforderung {
                    kopf: Kopf {
                        leser: an_stelle.clone(),
                        ..kopf("0300", &b.id.to_string(), b.angefragt_at)
                    },
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
                        kopf: Kopf {
                            leser: an_stelle.clone(),
                            ..kopf("0304", &b.id.to_string(), at)
                        },
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
            beilagen_je.insert(aus.len(), beilagen_aus(&beilagen));
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
        let aus: Vec<(String, String, Vec<plankammer_storage::xbau::Beilage>)> = aus
            .into_iter()
            .enumerate()
            .map(|(i, (name, xml))| {
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
                (
                    name,
                    xml.replacen(&platzhalter, &uuid, 1),
                    beilagen_je.remove(&i).unwrap_or_default(),
                )
            })
            .collect();
        // Validation is CPU work (libxml2): off the async threads.
        tokio::task::spawn_blocking(move || {
            aus.into_iter()
                .map(|(name, xml, beilagen)| {
                    plankammer_xbau::ausgehend(&name, xml)
                        .map(|xml| XbauNachricht {
                            name,
                            xml,
                            beilagen,
                        })
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
        kennung_pruefen(kennung)?;
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

/// A DVDV identifier as Plankammer takes it.
pub(crate) fn kennung_pruefen(kennung: &str) -> Ergebnis<()> {
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
    Ok(())
}

impl Verfahren {
    /// The case as a Bauantrag (`0200`) to another authority `an` — what a portal sends, and
    /// what moves a case from one Plankammer to another: its Angaben, and its current
    /// documents as files beside the message. Validated like every outgoing message.
    pub async fn xbau_antrag(
        &self,
        _betreiber: &Betreiber,
        vorgang_id: i64,
        an: &Behoerde,
    ) -> Ergebnis<XbauNachricht> {
        use plankammer_xbau::eingang::{Bauantrag, Entwurfsverfasser, Person, antrag};
        let a = self.db.antrag(vorgang_id).await?;
        let tenant = self.db.tenant(a.tenant_id).await?;
        let g = a.angaben.clone().ok_or_else(|| {
            Fehler::ungueltig(
                "Der Vorgang hat noch keine Angaben; er kann nicht als Bauantrag gesendet werden.",
            )
        })?;
        let v = a.verfahren.ok_or_else(|| {
            Fehler::ungueltig(
                "Der Vorgang hat keine Verfahrensart; er kann nicht als Bauantrag gesendet werden.",
            )
        })?;
        let anlagen: Vec<AnlageMeta> = self
            .db
            .dokumente(a.id)
            .await?
            .iter()
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
        let n = Bauantrag {
            kopf: Kopf {
                uuid: uuid_aus(&format!(
                    "plankammer:{}:{}:0200:{}",
                    tenant.slug, a.id, an.kennung
                )),
                erstellt: Utc::now(),
                autor: autor_der_behoerde(&self.db, &tenant).await?,
                leser: an.clone(),
            },
            // The sender's own id of the application (a UUID).
            referenz_antragsservice: Some(uuid_aus(&format!(
                "plankammer:{}:vorgang:{}",
                tenant.slug, a.id
            ))),
            empfaenger: Some(an.clone()),
            verfahrensart: v.slug().to_string(),
            bezeichnung: a.bezeichnung.clone(),
            massnahme: g.bauvorhaben.massnahme.clone(),
            gebaeudeklasse: g.bauvorhaben.gebaeudeklasse.clone(),
            strasse: g.grundstueck.strasse.clone(),
            hausnummer: g.grundstueck.hausnummer.clone(),
            plz: g.grundstueck.plz.clone(),
            ort: g.grundstueck.ort.clone(),
            gemeinde_ags: g.grundstueck.gemeinde_ags.clone(),
            gemeinde: g.grundstueck.gemeinde.clone(),
            gemarkung: g.grundstueck.gemarkung.clone(),
            flur: g.grundstueck.flur.clone(),
            flurstuecke: g
                .grundstueck
                .flurstuecke
                .iter()
                .map(|f| (f.zaehler, f.nenner))
                .collect(),
            bauherr: Person {
                name: g.bauherrschaft.name.clone(),
                anschrift: g.bauherrschaft.anschrift.clone(),
                email: g.bauherrschaft.email.clone(),
            },
            entwurfsverfasser: Entwurfsverfasser {
                name: g.entwurfsverfasser.name.clone(),
                kammer: g.entwurfsverfasser.kammer.clone(),
                mitgliedsnummer: g.entwurfsverfasser.mitgliedsnummer.clone(),
            },
            anlagen: anlagen.clone(),
        };
        let xml = antrag(&n);
        let name = "baugenehmigung.antrag.0200".to_string();
        let beilagen = beilagen_aus(&anlagen);
        tokio::task::spawn_blocking(move || {
            plankammer_xbau::ausgehend(&name, xml).map(|xml| XbauNachricht {
                name,
                xml,
                beilagen,
            })
        })
        .await
        .map_err(Fehler::intern)?
        .map_err(|e| {
            tracing::error!(error = %e, "an outgoing XBau message is not valid");
            Fehler::intern(e)
        })
    }
}
