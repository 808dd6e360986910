//! XBau messages of a case (issue 14): built from what the case records, validated before
//! they are handed out. Today: the Eingangsbestätigung (1120), the Aktenzeichen (1121) and
//! one status message for the applicant's portal (1170) per change of state. A case
//! submitted in the browser has Plankammer itself as its portal.

use crate::Verfahren;
use crate::akteur::Betreiber;
use crate::fehler::{Ergebnis, Fehler};
use chrono::{TimeZone, Utc};
use plankammer_xbau::nachrichten::{
    Aktenzeichenmitteilung, Behoerde, Bezug, Eingangsbestaetigung, Kopf, StatusFuerAntragsportal,
    aktenzeichen, eingangsbestaetigung, status_fuer_antragsportal, uuid_aus,
};

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
        let autor = Behoerde {
            verzeichnisdienst: "DVDV".into(),
            kennung: tenant.slug.clone(),
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
        for e in self.db.ereignisse(a.id).await? {
            let Some(status) = e.status_code else {
                continue;
            };
            aus.push((
                "prozessnachrichten.statusFuerAntragsportal.1170".to_string(),
                status_fuer_antragsportal(&StatusFuerAntragsportal {
                    kopf: kopf("1170", &e.id.to_string(), e.at),
                    bezug: bezug.clone(),
                    status,
                    frist: None,
                    begruendung: Some(e.text.clone()),
                }),
            ));
        }
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
