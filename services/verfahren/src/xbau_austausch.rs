//! The XBau exchange (issue 14): partner systems, receipt of their messages, and the
//! outbox they fetch from — one interface for every transport.
//!
//! A transport (the HTTP exchange under `/api/v1/xbau`, the folder adapter, `plankammer
//! xbau import`; later XTA 2 / OSCI) only moves bytes: it hands a message and the files
//! beside it (already on disk, hashed while they arrived) to [`Verfahren::xbau_empfangen`],
//! and delivers what [`Verfahren::xbau_postausgang`] lists. Everything that decides —
//! schema validation, Plankammer's minimum, the addressee, the files' hashes, the
//! procedure step — happens here, once.
//!
//! Receipt is idempotent: the incoming message's UUID is claimed in the journal before
//! anything is created (`in_arbeit`); the same UUID again is refused (`S050`) while it is
//! held; a refused message frees it for a corrected one.

use crate::Verfahren;
use crate::akteur::{Akteur, Betreiber};
use crate::dokumente::{HochladeFehler, Hochladegrenzen, Inhalt, Ziel};
use crate::fehler::{Ergebnis, Fehler};
use crate::xbau::{autor_der_behoerde, kennung_der_behoerde};
use plankammer_domain::Role;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::AngabenEingabe;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::xbau::{
    Beilage, JournalEintrag, NeuerEintrag, PartnerArt, Richtung, XbauPartner,
};
use plankammer_storage::{Db, now_millis};
use plankammer_xbau::eingang::{Quittierung, antrag_lesen, kopf_lesen, quittierung};
use plankammer_xbau::nachrichten::{Behoerde, Bezug, Kopf, Rueckweisung, neue_uuid, rueckweisung};
use std::path::PathBuf;

use crate::xbau_transport::datei_strom;
pub use crate::xbau_transport::{Ordnerpostweg, Postweg, Runde, Zwischenablage, beilage_von_datei};

/// The job that turns a portal's changed application into the next Fassung.
pub const XBAU_NACHREICHEN: &str = "xbau.nachreichen";

/// Most files beside one message (a Bauantrag has a few dozen).
pub const MAX_BEILAGEN: usize = 200;

/// A file that arrived beside a message: already on disk (never held in memory whole),
/// with the size and SHA-256 the transport measured while it arrived.
#[derive(Debug, Clone)]
pub struct Beilagedatei {
    /// The name it arrived under (the multipart part's file name, the file's name in the
    /// folder): matched against the `anlage` entries' `dateiname` or `dokumentid`.
    pub name: String,
    pub pfad: PathBuf,
    pub groesse: u64,
    pub sha256: String,
}

/// A message as a transport delivers it.
#[derive(Debug, Clone)]
pub struct EingehendeNachricht {
    pub xml: Vec<u8>,
    pub beilagen: Vec<Beilagedatei>,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Empfang {
    /// Taken: the acknowledgement is in the partner's outbox (`quittung`: its UUID) — the
    /// Eingangsbestätigung (1120) for a Bauantrag, else a generic one (1180).
    Angenommen {
        uuid: String,
        quittung: String,
        vorgang_id: Option<i64>,
        aktenzeichen: Option<String>,
    },
    /// Refused: the refusal (1100) is in the partner's outbox, with these reasons
    /// (`xbau-fehlerkennzahlen` code, German text).
    Zurueckgewiesen {
        uuid: Option<String>,
        rueckweisung: String,
        gruende: Vec<(String, String)>,
    },
}

/// Longest partner name taken.
const MAX_NAME: usize = 200;

fn grund(code: &str, text: impl Into<String>) -> (String, String) {
    (code.to_string(), text.into())
}

fn behoerde_des_partners(p: &XbauPartner) -> Behoerde {
    Behoerde {
        verzeichnisdienst: "DVDV".into(),
        kennung: p.kennung.clone(),
        name: p.name.clone(),
    }
}

/// The account a partner acts through, as the steps know actors.
fn akteur_des_partners(p: &XbauPartner, behoerde: &str) -> Akteur {
    Akteur {
        user_id: p.user_id,
        tenant_id: p.tenant_id,
        role: match p.art {
            PartnerArt::Portal => Role::Antragsteller,
            PartnerArt::Stelle => Role::Fachstelle,
        },
        name: p.name.clone(),
        email: String::new(),
        behoerde: behoerde.to_string(),
        niveau: None,
        anmeldeweg: Default::default(),
    }
}

impl Verfahren {
    // --- Partners -------------------------------------------------------------------------

    /// The tenant admin registers a partner system; its secret is shown once (audited).
    pub async fn xbau_partner_anlegen(
        &self,
        akteur: &Akteur,
        art: PartnerArt,
        name: &str,
        kennung: &str,
        stelle: Option<i64>,
    ) -> Ergebnis<(XbauPartner, String)> {
        if !akteur.ist(Role::Admin) {
            return Err(Fehler::KeineBerechtigung);
        }
        self.partner_registrieren(
            Some(akteur.user_id),
            akteur.tenant_id,
            art,
            name,
            kennung,
            stelle,
        )
        .await
    }

    /// The operator registers a partner at the console (`plankammer xbau partner`).
    pub async fn xbau_partner_anlegen_betreiber(
        &self,
        _betreiber: &Betreiber,
        tenant_slug: &str,
        art: PartnerArt,
        name: &str,
        kennung: &str,
        stelle: Option<i64>,
    ) -> Ergebnis<(XbauPartner, String)> {
        let tenant = self.db.tenant_by_slug(tenant_slug).await?;
        self.partner_registrieren(None, tenant.id, art, name, kennung, stelle)
            .await
    }

    async fn partner_registrieren(
        &self,
        von: Option<i64>,
        tenant_id: i64,
        art: PartnerArt,
        name: &str,
        kennung: &str,
        stelle: Option<i64>,
    ) -> Ergebnis<(XbauPartner, String)> {
        let name = crate::antrag::einzeiliger_name(name, MAX_NAME)?;
        let kennung = kennung.trim();
        crate::xbau::kennung_pruefen(kennung)?;
        // A Fachstelle's system answers for one Stelle of this authority.
        let stelle = match (art, stelle) {
            (PartnerArt::Portal, _) => None,
            (PartnerArt::Stelle, None) => {
                return Err(Fehler::ungueltig(
                    "Bitte wählen Sie die Stelle, für die das System antwortet.",
                ));
            }
            (PartnerArt::Stelle, Some(id)) => {
                let s = self.db.stelle(id).await?;
                if s.tenant_id != Some(tenant_id) {
                    return Err(Fehler::ungueltig(
                        "Über XBau erreichbar kann nur eine Stelle Ihrer Behörde sein (keine landesweite).",
                    ));
                }
                if let Some(p) = self.db.xbau_partner_der_stelle(id).await? {
                    return Err(Fehler::konflikt(format!(
                        "Für „{}“ antwortet bereits „{}“.",
                        s.name, p.name
                    )));
                }
                Some(id)
            }
        };
        if self
            .db
            .xbau_partner_mit_kennung(tenant_id, kennung)
            .await?
            .is_some()
        {
            return Err(Fehler::konflikt(format!(
                "Ein Partnersystem mit der Kennung „{kennung}“ ist bereits eingetragen."
            )));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let email = format!(
            "xbau-{}-{}@partner.plankammer.invalid",
            tenant_id,
            plankammer_storage::random_token(8).to_lowercase()
        );
        let user_id = Db::systemkonto_anlegen(&mut tx, &email, name, now).await?;
        Db::add_membership(
            &mut tx,
            user_id,
            tenant_id,
            match art {
                PartnerArt::Portal => Role::Antragsteller,
                PartnerArt::Stelle => Role::Fachstelle,
            },
            now,
        )
        .await?;
        if let Some(st) = stelle {
            Db::neues_stellenmitglied(&mut tx, st, user_id).await?;
        }
        let (p, secret) =
            Db::xbau_partner_anlegen(&mut tx, tenant_id, art, name, kennung, user_id, stelle, now)
                .await
                .map_err(Fehler::bei(
                    plankammer_storage::Konflikt::Doppelt,
                    "Ein Partnersystem mit dieser Kennung ist bereits eingetragen.",
                ))?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(tenant_id),
                actor_user_id: von,
                action: "xbau.partner_anlegen",
                object_type: "xbau_partner",
                object_id: Some(p.id.to_string()),
                detail: serde_json::json!({ "art": art.code(), "kennung": kennung, "stelle_id": stelle }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((p, secret))
    }

    /// The tenant admin revokes a partner: its secret stops working at once (audited).
    pub async fn xbau_partner_widerrufen(&self, akteur: &Akteur, id: i64) -> Ergebnis<()> {
        if !akteur.ist(Role::Admin) {
            return Err(Fehler::KeineBerechtigung);
        }
        let p = self.db.xbau_partner(id).await?;
        if p.tenant_id != akteur.tenant_id {
            return Err(Fehler::NichtGefunden);
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::xbau_partner_widerrufen(&mut tx, id, now).await? {
            return Err(Fehler::konflikt("Der Zugang ist bereits widerrufen."));
        }
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(p.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "xbau.partner_widerrufen",
                object_type: "xbau_partner",
                object_id: Some(id.to_string()),
                detail: serde_json::json!({}),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn xbau_partner_liste(&self, akteur: &Akteur) -> Ergebnis<Vec<XbauPartner>> {
        if !akteur.ist(Role::Admin) {
            return Err(Fehler::KeineBerechtigung);
        }
        Ok(self.db.xbau_partner_liste(akteur.tenant_id).await?)
    }

    /// The partner behind a secret (the HTTP exchange's authentication).
    pub async fn xbau_partner_anmelden(&self, secret: &str) -> Ergebnis<Option<XbauPartner>> {
        if !secret.starts_with(plankammer_storage::xbau::PARTNER_PREFIX) || secret.len() > 200 {
            return Ok(None);
        }
        Ok(self.db.xbau_partner_fuer_secret(secret).await?)
    }

    /// The operator's view of a tenant's partner by its identifier (for the CLI's import).
    pub async fn xbau_partner_des_tenants(
        &self,
        _betreiber: &Betreiber,
        tenant_slug: &str,
        kennung: &str,
    ) -> Ergebnis<XbauPartner> {
        let tenant = self.db.tenant_by_slug(tenant_slug).await?;
        self.db
            .xbau_partner_mit_kennung(tenant.id, kennung)
            .await?
            .ok_or_else(|| {
                Fehler::ungueltig(format!(
                    "Bei „{tenant_slug}“ ist kein Partnersystem mit der Kennung „{kennung}“ eingetragen."
                ))
            })
    }

    // --- The journal ----------------------------------------------------------------------

    /// The tenant admin's view of every message in and out, newest first.
    pub async fn xbau_journal(
        &self,
        akteur: &Akteur,
        vor: Option<i64>,
    ) -> Ergebnis<Vec<JournalEintrag>> {
        if !akteur.ist(Role::Admin) {
            return Err(Fehler::KeineBerechtigung);
        }
        // Messages are journalled when they are due to a partner: the first page brings
        // the partners' outboxes up to date, so the admin sees what waits for them.
        if vor.is_none() {
            for p in self.db.xbau_partner_liste(akteur.tenant_id).await? {
                if p.widerrufen_at.is_none() {
                    self.xbau_postausgang(&p).await?;
                }
            }
        }
        Ok(self.db.journal(akteur.tenant_id, vor, 100).await?)
    }

    /// One journal entry with its XML, for the tenant admin (audited: messages carry
    /// personal data).
    pub async fn xbau_journal_eintrag(&self, akteur: &Akteur, id: i64) -> Ergebnis<JournalEintrag> {
        if !akteur.ist(Role::Admin) {
            return Err(Fehler::KeineBerechtigung);
        }
        let e = self.db.journal_eintrag(akteur.tenant_id, id).await?;
        self.db
            .audit_now(
                AuditEvent {
                    tenant_id: Some(akteur.tenant_id),
                    actor_user_id: Some(akteur.user_id),
                    action: "xbau.nachricht_lesen",
                    object_type: "xbau_journal",
                    object_id: Some(id.to_string()),
                    detail: serde_json::json!({ "vorgang_id": e.vorgang_id }),
                },
                now_millis(),
            )
            .await?;
        Ok(e)
    }

    /// The tenant admin puts an outgoing message back into its partner's outbox (audited).
    pub async fn xbau_erneut_senden(&self, akteur: &Akteur, id: i64) -> Ergebnis<()> {
        if !akteur.ist(Role::Admin) {
            return Err(Fehler::KeineBerechtigung);
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::erneut_bereitstellen(&mut tx, akteur.tenant_id, id).await? {
            return Err(Fehler::NichtGefunden);
        }
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "xbau.erneut_senden",
                object_type: "xbau_journal",
                object_id: Some(id.to_string()),
                detail: serde_json::json!({}),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- Outgoing -------------------------------------------------------------------------

    /// Journals the messages of a case submitted through XBau that its portal does not have
    /// yet (each message's UUID follows from its content, so nothing is journalled twice).
    pub async fn xbau_abgleichen(&self, vorgang_id: i64) -> Ergebnis<usize> {
        let Some(partner_id) = self.db.xbau_partner_des_vorgangs(vorgang_id).await? else {
            return Ok(0);
        };
        let partner = self.db.xbau_partner(partner_id).await?;
        let nachrichten = self.xbau_nachrichten_an(vorgang_id, Some(&partner)).await?;
        let bezug = self.db.eingangsnachricht(vorgang_id).await?;
        let mut neu = 0;
        for n in nachrichten {
            // Requests to Stellen go to the Stellen, not to the applicant's portal.
            if n.name.starts_with("beteiligung.") {
                continue;
            }
            let uuid = plankammer_xbau::eingang::kopf_lesen(n.xml.as_bytes())
                .map(|k| k.uuid)
                .map_err(Fehler::intern)?;
            if self
                .db
                .journal_hat(partner.tenant_id, Richtung::Aus, &uuid)
                .await?
            {
                continue;
            }
            let mut tx = self.db.begin().await?;
            if Db::journal_eintragen(
                &mut tx,
                &NeuerEintrag {
                    tenant_id: partner.tenant_id,
                    partner_id: Some(partner.id),
                    richtung: Richtung::Aus,
                    uuid: &uuid,
                    nachricht: &n.name,
                    vorgang_id: Some(vorgang_id),
                    bezug_uuid: bezug.as_deref(),
                    ergebnis: "bereit",
                    befunde: "",
                    xml: &n.xml,
                    beilagen: &n.beilagen,
                },
                now_millis(),
            )
            .await?
            .is_some()
            {
                neu += 1;
            }
            tx.commit().await?;
        }
        Ok(neu)
    }

    /// What a partner has not fetched yet (its cases' messages brought up to date first).
    pub async fn xbau_postausgang(&self, partner: &XbauPartner) -> Ergebnis<Vec<JournalEintrag>> {
        match partner.art {
            PartnerArt::Portal => {
                for v in self.db.vorgaenge_des_partners(partner.id).await? {
                    self.xbau_abgleichen(v).await?;
                }
            }
            PartnerArt::Stelle => self.xbau_abgleichen_stelle(partner).await?,
        }
        Ok(self.db.postausgang(partner.id, 100).await?)
    }

    /// Journals the requests to a Stelle reached through XBau (0300, with the documents in
    /// scope beside them) and their withdrawals (0304) that its system does not have yet.
    pub async fn xbau_abgleichen_stelle(&self, partner: &XbauPartner) -> Ergebnis<()> {
        let mut vorgaenge: Vec<i64> = self
            .db
            .beteiligungen_fuer_mitglied(partner.user_id)
            .await?
            .into_iter()
            .filter(|b| b.angefragt_at <= now_millis())
            .map(|b| b.vorgang_id)
            .collect();
        vorgaenge.sort_unstable();
        vorgaenge.dedup();
        for v in vorgaenge {
            for n in self.xbau_nachrichten_an(v, None).await? {
                if !n.name.starts_with("beteiligung.") {
                    continue;
                }
                let k = kopf_lesen(n.xml.as_bytes()).map_err(Fehler::intern)?;
                if k.leser.as_ref().map(|l| l.kennung.as_str()) != Some(partner.kennung.as_str())
                    || self
                        .db
                        .journal_hat(partner.tenant_id, Richtung::Aus, &k.uuid)
                        .await?
                {
                    continue;
                }
                let mut tx = self.db.begin().await?;
                Db::journal_eintragen(
                    &mut tx,
                    &NeuerEintrag {
                        tenant_id: partner.tenant_id,
                        partner_id: Some(partner.id),
                        richtung: Richtung::Aus,
                        uuid: &k.uuid,
                        nachricht: &n.name,
                        vorgang_id: Some(v),
                        bezug_uuid: None,
                        ergebnis: "bereit",
                        befunde: "",
                        xml: &n.xml,
                        beilagen: &n.beilagen,
                    },
                    now_millis(),
                )
                .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// One outgoing message to this partner, with its XML.
    pub async fn xbau_ausgehend(
        &self,
        partner: &XbauPartner,
        uuid: &str,
    ) -> Ergebnis<JournalEintrag> {
        let e = self.db.ausgehende_nachricht(partner.id, uuid).await?;
        // A Stelle's system fetching its request is the Stelle opening it (as a member
        // does in the browser: the work on it starts, audited as a read of the case).
        if partner.art == PartnerArt::Stelle
            && e.nachricht == "beteiligung.aufforderung.0300"
            && let Some(b) = self.anfrage_der_stelle(partner, &e.xml).await?
        {
            let tenant = self.db.tenant(partner.tenant_id).await?;
            self.anfrage_oeffnen(&akteur_des_partners(partner, &tenant.name), b)
                .await?;
        }
        Ok(e)
    }

    /// The request (to the partner's Stelle) a 0300 names.
    async fn anfrage_der_stelle(&self, partner: &XbauPartner, xml: &str) -> Ergebnis<Option<i64>> {
        let Some(referenz) = plankammer_xbau::eingang::aufforderung_referenz_lesen(xml.as_bytes())
        else {
            return Ok(None);
        };
        let tenant = self.db.tenant(partner.tenant_id).await?;
        Ok(self
            .db
            .beteiligungen_fuer_mitglied(partner.user_id)
            .await?
            .into_iter()
            .find(|b| {
                plankammer_xbau::nachrichten::uuid_aus(&format!(
                    "plankammer:{}:beteiligung:{}",
                    tenant.slug, b.id
                ))
                .eq_ignore_ascii_case(referenz.trim())
            })
            .map(|b| b.id))
    }

    /// A file beside an outgoing message, for its partner (audited as a document read).
    pub async fn xbau_beilage(
        &self,
        partner: &XbauPartner,
        uuid: &str,
        nr: usize,
    ) -> Ergebnis<(Beilage, Inhalt)> {
        let e = self.db.ausgehende_nachricht(partner.id, uuid).await?;
        let b = e.beilagen.get(nr).cloned().ok_or(Fehler::NichtGefunden)?;
        let inhalt = self.inhalt(&b.sha256).await?;
        self.db
            .audit_now(
                AuditEvent {
                    tenant_id: Some(partner.tenant_id),
                    actor_user_id: Some(partner.user_id),
                    action: "xbau.beilage_lesen",
                    object_type: "xbau_journal",
                    object_id: Some(e.id.to_string()),
                    detail: serde_json::json!({ "vorgang_id": e.vorgang_id, "nr": nr, "sha256": b.sha256 }),
                },
                now_millis(),
            )
            .await?;
        Ok((b, inhalt))
    }

    /// The partner acknowledges what it fetched: it leaves the outbox.
    pub async fn xbau_abgeholt(&self, partner: &XbauPartner, uuid: &str) -> Ergebnis<()> {
        if self.db.als_abgeholt(partner.id, uuid, now_millis()).await? {
            Ok(())
        } else {
            Err(Fehler::NichtGefunden)
        }
    }

    // --- Incoming -------------------------------------------------------------------------

    /// A message from a partner, with the files beside it: validated, checked against
    /// Plankammer's minimum, and taken through the same step as the browser's — or
    /// refused with a `1100`. Either way the answer is in the partner's outbox. An error
    /// (`Err`) is Plankammer's own (the store failed): nothing was taken, the UUID stays
    /// free, the partner sends again.
    pub async fn xbau_empfangen(
        &self,
        partner: &XbauPartner,
        n: EingehendeNachricht,
        grenzen: Hochladegrenzen,
    ) -> Ergebnis<Empfang> {
        let tenant = self.db.tenant(partner.tenant_id).await?;
        let xml = n.xml;
        // Schema validation is CPU work (libxml2): off the async threads.
        let (xml, geprueft) = tokio::task::spawn_blocking(move || {
            let g = plankammer_xbau::pruefung::pruefen(&xml);
            (xml, g)
        })
        .await
        .map_err(Fehler::intern)?;
        let kopf = match &geprueft {
            Ok(_) => kopf_lesen(&xml).ok(),
            Err(_) => None,
        };
        let nachricht = match &geprueft {
            Ok(g) => g.nachricht.clone(),
            Err(_) => "unlesbar".into(),
        };
        let mut journal_id = None;
        let ausgang = self
            .annehmen(
                partner,
                &tenant,
                &xml,
                &nachricht,
                &geprueft,
                kopf.as_ref(),
                &n.beilagen,
                grenzen,
                &mut journal_id,
            )
            .await;
        let uuid = kopf.as_ref().map(|k| k.uuid.clone());
        let autor = autor_der_behoerde(&self.db, &tenant).await?;
        let leser = behoerde_des_partners(partner);
        match ausgang {
            Ok((vorgang_id, aktenzeichen)) => {
                let uuid = uuid.unwrap_or_default();
                if let Some(id) = journal_id {
                    self.db
                        .journal_abschliessen(id, "angenommen", "", vorgang_id)
                        .await?;
                }
                let typ = kopf.as_ref().map(|k| k.typ.clone()).unwrap_or_default();
                // A Bauantrag is acknowledged as XBau intends, by the Eingangsbestätigung
                // (1120) among its case's messages; everything else by a generic
                // acknowledgement (1180), naming the type where the code list has it.
                let quittung = if typ == "0200" {
                    if let Some(v) = vorgang_id {
                        self.xbau_abgleichen(v).await?;
                    }
                    match vorgang_id {
                        Some(v) => self
                            .db
                            .journal_des_vorgangs(v)
                            .await?
                            .into_iter()
                            .find(|e| {
                                e.richtung == Richtung::Aus
                                    && e.nachricht.ends_with(".1120")
                                    && e.partner_id == Some(partner.id)
                            })
                            .map(|e| e.uuid)
                            .unwrap_or_default(),
                        None => String::new(),
                    }
                } else {
                    let q = Quittierung {
                        kopf: Kopf {
                            uuid: neue_uuid(),
                            erstellt: chrono::Utc::now(),
                            autor,
                            leser,
                        },
                        bezug: Bezug {
                            referenz: Some(uuid.clone()),
                            vorgang: aktenzeichen.clone(),
                        },
                        nachrichtentyp: if plankammer_xbau::eingang::QUITTIERBARE_NACHRICHTEN
                            .contains(&typ.as_str())
                        {
                            typ.clone()
                        } else {
                            String::new()
                        },
                    };
                    self.ausgehend_journalisieren(
                        partner,
                        "prozessnachrichten.generischeQuittierungEingang.1180",
                        &q.kopf.uuid,
                        quittierung(&q),
                        vorgang_id,
                        Some(&uuid),
                    )
                    .await?
                };
                tracing::info!(partner_id = partner.id, ?vorgang_id, "XBau message taken");
                Ok(Empfang::Angenommen {
                    uuid,
                    quittung,
                    vorgang_id,
                    aktenzeichen,
                })
            }
            Err(Nein::Fehler(f)) => {
                if let Some(id) = journal_id {
                    // Not the sender's fault: the UUID is free again for the retry.
                    self.db
                        .journal_abschliessen(id, "zurueckgewiesen", "interner Fehler", None)
                        .await?;
                }
                Err(f)
            }
            Err(Nein::Gruende(gruende, vorgang_id)) => {
                let text = gruende
                    .iter()
                    .map(|(c, t)| format!("{c}: {t}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                match journal_id {
                    Some(id) => {
                        self.db
                            .journal_abschliessen(id, "zurueckgewiesen", &text, vorgang_id)
                            .await?
                    }
                    None => {
                        // Every message in is journalled, also one without a readable UUID.
                        let mut tx = self.db.begin().await?;
                        let eigene = format!("unlesbar-{}", neue_uuid());
                        Db::journal_eintragen(
                            &mut tx,
                            &NeuerEintrag {
                                tenant_id: tenant.id,
                                partner_id: Some(partner.id),
                                richtung: Richtung::Ein,
                                uuid: uuid.as_deref().unwrap_or(&eigene),
                                nachricht: &nachricht,
                                vorgang_id,
                                bezug_uuid: None,
                                ergebnis: "zurueckgewiesen",
                                befunde: &text,
                                xml: &String::from_utf8_lossy(
                                    &xml[..xml.len().min(plankammer_xbau::pruefung::MAX_NACHRICHT)],
                                ),
                                beilagen: &[],
                            },
                            now_millis(),
                        )
                        .await?;
                        tx.commit().await?;
                    }
                }
                let r = Rueckweisung {
                    kopf: Kopf {
                        uuid: neue_uuid(),
                        erstellt: chrono::Utc::now(),
                        autor,
                        leser,
                    },
                    gruende: gruende.clone(),
                    nachricht: Some(xml.clone()),
                };
                let rueckweisung_uuid = self
                    .ausgehend_journalisieren(
                        partner,
                        "prozessnachrichten.rueckweisung.G2G.1100",
                        &r.kopf.uuid,
                        rueckweisung(&r),
                        vorgang_id,
                        uuid.as_deref(),
                    )
                    .await?;
                tracing::info!(
                    partner_id = partner.id,
                    codes = ?gruende.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
                    "XBau message refused"
                );
                Ok(Empfang::Zurueckgewiesen {
                    uuid,
                    rueckweisung: rueckweisung_uuid,
                    gruende,
                })
            }
        }
    }

    /// Validates a message Plankammer made and puts it into the partner's outbox. One
    /// that does not validate is a defect of Plankammer: never sent, an error.
    async fn ausgehend_journalisieren(
        &self,
        partner: &XbauPartner,
        name: &str,
        uuid: &str,
        xml: String,
        vorgang_id: Option<i64>,
        bezug: Option<&str>,
    ) -> Ergebnis<String> {
        let n = name.to_string();
        let xml = tokio::task::spawn_blocking(move || plankammer_xbau::ausgehend(&n, xml))
            .await
            .map_err(Fehler::intern)?
            .map_err(|e| {
                tracing::error!(error = %e, "an outgoing XBau message is not valid");
                Fehler::intern(e)
            })?;
        let mut tx = self.db.begin().await?;
        Db::journal_eintragen(
            &mut tx,
            &NeuerEintrag {
                tenant_id: partner.tenant_id,
                partner_id: Some(partner.id),
                richtung: Richtung::Aus,
                uuid,
                nachricht: name,
                vorgang_id,
                bezug_uuid: bezug,
                ergebnis: "bereit",
                befunde: "",
                xml: &xml,
                beilagen: &[],
            },
            now_millis(),
        )
        .await?;
        tx.commit().await?;
        Ok(uuid.to_string())
    }

    /// The checks every incoming message passes, then its step.
    #[allow(clippy::too_many_arguments)]
    async fn annehmen(
        &self,
        partner: &XbauPartner,
        tenant: &plankammer_storage::accounts::Tenant,
        xml: &[u8],
        nachricht: &str,
        geprueft: &Result<
            plankammer_xbau::pruefung::Geprueft,
            Vec<plankammer_xbau::pruefung::Befund>,
        >,
        kopf: Option<&plankammer_xbau::eingang::Eingang>,
        beilagen: &[Beilagedatei],
        grenzen: Hochladegrenzen,
        journal_id: &mut Option<i64>,
    ) -> Result<(Option<i64>, Option<String>), Nein> {
        if let Err(befunde) = geprueft {
            return Err(Nein::gruende(
                befunde
                    .iter()
                    .map(|b| grund(b.kennzahl.code(), b.to_string()))
                    .collect(),
            ));
        }
        let Some(k) = kopf else {
            return Err(Nein::gruende(vec![grund(
                "S999",
                "Die Nachricht hat keinen lesbaren Nachrichtenkopf (nachrichtenUUID).",
            )]));
        };
        // The addressee must be this authority; the author the partner who sent it.
        let eigene = kennung_der_behoerde(&self.db, tenant).await?;
        match &k.leser {
            Some(l) if l.kennung == eigene => {}
            Some(l) => {
                return Err(Nein::gruende(vec![grund(
                    "T080",
                    format!(
                        "Die Nachricht ist an „{}“ gerichtet, nicht an diese Bauaufsicht ({eigene}).",
                        l.kennung
                    ),
                )]));
            }
            None => {
                return Err(Nein::gruende(vec![grund(
                    "S091",
                    "Die Nachricht nennt keinen Leser (Empfängerbehörde).",
                )]));
            }
        }
        if k.autor.as_ref().map(|a| a.kennung.as_str()) != Some(partner.kennung.as_str()) {
            return Err(Nein::gruende(vec![grund(
                "T070",
                format!(
                    "Als Autor der Nachricht ist nicht dieses Partnersystem ({}) eingetragen.",
                    partner.kennung
                ),
            )]));
        }
        let unterstuetzt = match partner.art {
            PartnerArt::Portal => matches!(k.typ.as_str(), "0200" | "0202" | "1130"),
            PartnerArt::Stelle => k.typ == "0303" || k.typ == "0305",
        };
        if !unterstuetzt {
            return Err(Nein::gruende(vec![grund(
                "V001",
                format!(
                    "Nachrichten des Typs {} ({}) nimmt Plankammer von diesem Partnersystem nicht entgegen.",
                    k.typ, nachricht
                ),
            )]));
        }
        // Claim the UUID: the same message twice is taken once.
        let mut tx = self.db.begin().await?;
        let id = Db::journal_eintragen(
            &mut tx,
            &NeuerEintrag {
                tenant_id: tenant.id,
                partner_id: Some(partner.id),
                richtung: Richtung::Ein,
                uuid: &k.uuid,
                nachricht,
                vorgang_id: None,
                bezug_uuid: k.bezug_referenz.as_deref(),
                ergebnis: "in_arbeit",
                befunde: "",
                xml: &String::from_utf8_lossy(xml),
                beilagen: &[],
            },
            now_millis(),
        )
        .await?;
        tx.commit().await?;
        let Some(id) = id else {
            // Refused without a journal entry of its own: the UUID belongs to the first.
            return Err(Nein::gruende(vec![grund(
                "S050",
                format!(
                    "Eine Nachricht mit der UUID {} ist bereits eingegangen; sie wird kein zweites Mal verarbeitet.",
                    k.uuid
                ),
            )]));
        };
        *journal_id = Some(id);
        match k.typ.as_str() {
            "0303" | "0305" => {
                if !beilagen.is_empty() {
                    return Err(Nein::gruende(vec![grund(
                        "A003",
                        "Dateien neben einer Stellungnahme nimmt Plankammer über XBau noch nicht entgegen.",
                    )]));
                }
                let v = self
                    .antwort_der_stelle(partner, tenant, &k.typ, xml)
                    .await?;
                Ok((Some(v), None))
            }
            "1130" => {
                let r = plankammer_xbau::eingang::ruecknahme_lesen(xml).map_err(|f| {
                    Nein::gruende(f.into_iter().map(|t| grund("S999", t)).collect())
                })?;
                let vorgang_id = self.vorgang_des_bezugs(partner, tenant, k).await?;
                let a = self.db.antrag(vorgang_id).await?;
                self.ruecknahme_verbuchen(
                    &akteur_des_partners(partner, &tenant.name),
                    &a,
                    r.begruendung.as_deref().unwrap_or_default(),
                    &format!(" über XBau (von „{}“)", partner.name),
                )
                .await
                .map_err(|f| match f {
                    Fehler::Konflikt(t) => Nein::Gruende(vec![grund("S101", t)], Some(vorgang_id)),
                    f => match Nein::from(f) {
                        Nein::Gruende(g, _) => Nein::Gruende(g, Some(vorgang_id)),
                        n => n,
                    },
                })?;
                Ok((
                    Some(vorgang_id),
                    a.aktenzeichen.as_ref().map(|z| z.to_string()),
                ))
            }
            "0202" => {
                let (v, az) = self
                    .aenderung_aufnehmen(partner, tenant, k, xml, beilagen, grenzen, id)
                    .await?;
                Ok((Some(v), az))
            }
            _ => {
                let (v, az) = self
                    .antrag_aufnehmen(partner, &tenant.name, xml, beilagen, grenzen)
                    .await?;
                Ok((Some(v), Some(az)))
            }
        }
    }

    /// A `0202`: the portal's changed application while documents are asked for (a
    /// Nachforderung). Its documents are taken as in the browser — a changed file as the
    /// next version of the document of the same name, a new one as a new document, an
    /// unchanged one not at all — and once the pipeline checked them all, the set becomes
    /// the next Fassung (the job `xbau.nachreichen`, [`Verfahren::xbau_nachreichen`]). The
    /// Angaben do not change after submission (as in the browser); a 0202's are not taken.
    #[allow(clippy::too_many_arguments)]
    async fn aenderung_aufnehmen(
        &self,
        partner: &XbauPartner,
        tenant: &plankammer_storage::accounts::Tenant,
        k: &plankammer_xbau::eingang::Eingang,
        xml: &[u8],
        beilagen: &[Beilagedatei],
        grenzen: Hochladegrenzen,
        journal_id: i64,
    ) -> Result<(i64, Option<String>), Nein> {
        let antrag = antrag_lesen(xml).map_err(|fehlt| {
            Nein::gruende(fehlt.into_iter().map(|t| grund("S999", t)).collect())
        })?;
        let vorgang_id = self.vorgang_des_bezugs(partner, tenant, k).await?;
        let a = self.db.antrag(vorgang_id).await?;
        if a.zustand != plankammer_domain::vorgang::Zustand::Nachforderung {
            return Err(Nein::Gruende(
                vec![grund(
                    "S101",
                    "Es sind keine Unterlagen nachgefordert; der Antrag kann jetzt nicht geändert werden.",
                )],
                Some(vorgang_id),
            ));
        }
        let zuordnung = dateien_zuordnen(&antrag.anlagen, beilagen, grenzen)?;
        let akteur = akteur_des_partners(partner, &tenant.name);
        let vorhanden = self.db.dokumente(vorgang_id).await?;
        let mut neu = 0;
        for (anlage, datei) in &zuordnung {
            if vorhanden.iter().any(|d| {
                d.versionen
                    .last()
                    .is_some_and(|v| v.sha256.eq_ignore_ascii_case(&anlage.sha256))
            }) {
                continue;
            }
            let art = anlage
                .anlageart
                .as_deref()
                .and_then(|c| Anlageart::parse(c).ok());
            let ziel = match vorhanden
                .iter()
                .find(|d| d.bezeichnung == anlage.bezeichnung)
            {
                Some(d) => Ziel::NeueVersion { dokument_id: d.id },
                None => Ziel::NeuesDokument {
                    bezeichnung: &anlage.bezeichnung,
                    anlageart: art.as_ref(),
                },
            };
            self.hochladen(
                &akteur,
                &a,
                ziel,
                &anlage.dateiname,
                grenzen,
                datei_strom(datei.pfad.clone()),
            )
            .await
            .map_err(|e| hochladefehler(e, &anlage.dateiname, vorgang_id))?;
            neu += 1;
        }
        if neu == 0 {
            return Err(Nein::Gruende(
                vec![grund(
                    "S999",
                    "Die Nachricht ändert nichts: Jede Datei ist bereits die aktuelle Fassung einer Unterlage des Antrags.",
                )],
                Some(vorgang_id),
            ));
        }
        // The next Fassung once the pipeline checked every document.
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let mut job = plankammer_storage::jobs::NewJob::new(
            XBAU_NACHREICHEN,
            serde_json::json!({ "vorgang_id": vorgang_id, "partner_id": partner.id }),
            now,
        );
        job.tenant_id = Some(tenant.id);
        job.vorgang_id = Some(vorgang_id);
        job.max_attempts = 30;
        job.dedupe_key = Some(format!("{XBAU_NACHREICHEN}:{journal_id}"));
        Db::enqueue(&mut tx, &job, now).await?;
        tx.commit().await?;
        Ok((vorgang_id, a.aktenzeichen.as_ref().map(|z| z.to_string())))
    }

    /// The partner's case a message is about: named by the `0200` it came with
    /// (`bezug/referenz`) or by its Aktenzeichen (`bezug/vorgang`).
    async fn vorgang_des_bezugs(
        &self,
        partner: &XbauPartner,
        tenant: &plankammer_storage::accounts::Tenant,
        k: &plankammer_xbau::eingang::Eingang,
    ) -> Result<i64, Nein> {
        let mut vorgang = None;
        if let Some(r) = &k.bezug_referenz {
            vorgang = self.db.vorgang_der_nachricht(tenant.id, r).await?;
        }
        if vorgang.is_none()
            && let Some(az) = &k.bezug_vorgang
        {
            for v in self.db.vorgaenge_des_partners(partner.id).await? {
                let a = self.db.antrag(v).await?;
                if a.aktenzeichen
                    .as_ref()
                    .is_some_and(|x| x.as_str() == az.trim())
                {
                    vorgang = Some(v);
                }
            }
        }
        let Some(vorgang_id) = vorgang else {
            return Err(Nein::gruende(vec![grund(
                "S090",
                "Der Antrag, um den es geht, ist nicht bekannt (bezug/referenz: UUID des Bauantrags, oder bezug/vorgang: Aktenzeichen).",
            )]));
        };
        if self.db.xbau_partner_des_vorgangs(vorgang_id).await? != Some(partner.id) {
            return Err(Nein::gruende(vec![grund(
                "S090",
                "Der Antrag, um den es geht, kam nicht über dieses Partnersystem.",
            )]));
        }
        Ok(vorgang_id)
    }

    /// The job after a `0202`: the changed set becomes the next Fassung once every document
    /// is checked. `Ok(None)`: still being checked (the job tries again later).
    pub async fn xbau_nachreichen(
        &self,
        vorgang_id: i64,
        partner_id: i64,
    ) -> Ergebnis<Option<plankammer_storage::antrag::Fassung>> {
        let partner = self.db.xbau_partner(partner_id).await?;
        let a = self.db.antrag(vorgang_id).await?;
        if self.db.xbau_partner_des_vorgangs(vorgang_id).await? != Some(partner.id) {
            return Err(Fehler::NichtGefunden);
        }
        if self
            .hochgeladene(vorgang_id)
            .await?
            .iter()
            .any(|d| !d.verarbeitet)
        {
            return Ok(None);
        }
        let tenant = self.db.tenant(partner.tenant_id).await?;
        let f = self
            .nachreichung_verbuchen(
                &akteur_des_partners(&partner, &tenant.name),
                &a,
                &format!(" über XBau (von „{}“)", partner.name),
            )
            .await?;
        Ok(Some(f))
    }

    /// A Stelle's answer through XBau (0303 Stellungnahme, 0305 Zwischennachricht), taken
    /// by the step a member of the Stelle takes in the browser (late flag, deemed consent
    /// and closing of the Beteiligung included). Returns the case.
    async fn antwort_der_stelle(
        &self,
        partner: &XbauPartner,
        tenant: &plankammer_storage::accounts::Tenant,
        typ: &str,
        xml: &[u8],
    ) -> Result<i64, Nein> {
        use plankammer_xbau::eingang::{stellungnahme_lesen, zwischennachricht_lesen};
        let lesefehler =
            |f: Vec<String>| Nein::gruende(f.into_iter().map(|t| grund("S999", t)).collect());
        let referenz = match typ {
            "0303" => stellungnahme_lesen(xml).map_err(lesefehler)?.referenz,
            _ => zwischennachricht_lesen(xml).map_err(lesefehler)?.referenz,
        };
        // The request it answers: one of this Stelle's, named by its 0300's reference.
        let b = self
            .db
            .beteiligungen_fuer_mitglied(partner.user_id)
            .await?
            .into_iter()
            .find(|b| {
                plankammer_xbau::nachrichten::uuid_aus(&format!(
                    "plankammer:{}:beteiligung:{}",
                    tenant.slug, b.id
                ))
                .eq_ignore_ascii_case(referenz.trim())
            })
            .ok_or_else(|| {
                Nein::gruende(vec![grund(
                    "S090",
                    format!(
                        "Eine Anfrage mit der Referenz {referenz} an diese Stelle ist nicht bekannt."
                    ),
                )])
            })?;
        let akteur = akteur_des_partners(partner, &tenant.name);
        let mit_fall = |e: Fehler| match Nein::from(e) {
            Nein::Gruende(g, _) => Nein::Gruende(g, Some(b.vorgang_id)),
            n => n,
        };
        if typ == "0303" {
            let s = stellungnahme_lesen(xml).map_err(lesefehler)?;
            let nebenbestimmungen: Vec<crate::fachstelle::Nebenbestimmungsangabe> = s
                .nebenbestimmungen
                .iter()
                .map(|n| crate::fachstelle::Nebenbestimmungsangabe {
                    art: n.art.clone(),
                    text: n.text.clone(),
                    begruendung: String::new(),
                })
                .collect();
            let zustimmung = match s.zustimmung {
                Some(false) => Some(plankammer_domain::beteiligung::Zustimmung::Nein),
                Some(true) | None if !nebenbestimmungen.is_empty() => {
                    Some(plankammer_domain::beteiligung::Zustimmung::MitNebenbestimmungen)
                }
                Some(true) => Some(plankammer_domain::beteiligung::Zustimmung::Ja),
                None => None,
            };
            let text = s.text.trim();
            let tenor: String = text
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            self.stellungnahme_abgeben(
                &akteur,
                b.id,
                &crate::fachstelle::StellungnahmeEingabe {
                    tenor,
                    zustimmung,
                    nebenbestimmungen,
                    begruendung: text.to_string(),
                    ersetzt: None,
                },
            )
            .await
            .map_err(mit_fall)?;
        } else {
            let z = zwischennachricht_lesen(xml).map_err(lesefehler)?;
            self.rueckfrage_stellen(&akteur, b.id, &z.text, false)
                .await
                .map_err(mit_fall)?;
        }
        Ok(b.vorgang_id)
    }

    /// A `0200`: Plankammer's minimum, the files against their `anlage` entries, then a
    /// case of the partner's account with these Angaben and documents (through the
    /// pipeline like every upload), submitted.
    async fn antrag_aufnehmen(
        &self,
        partner: &XbauPartner,
        behoerde: &str,
        xml: &[u8],
        beilagen: &[Beilagedatei],
        grenzen: Hochladegrenzen,
    ) -> Result<(i64, String), Nein> {
        let antrag = antrag_lesen(xml).map_err(|fehlt| {
            Nein::gruende(fehlt.into_iter().map(|t| grund("S999", t)).collect())
        })?;
        let eingabe = AngabenEingabe {
            verfahren: antrag.verfahrensart.clone(),
            bezeichnung: antrag.bezeichnung.clone(),
            massnahme: antrag.massnahme.clone(),
            gebaeudeklasse: antrag.gebaeudeklasse.clone(),
            strasse: antrag.strasse.clone(),
            hausnummer: antrag.hausnummer.clone(),
            plz: antrag.plz.clone(),
            ort: antrag.ort.clone(),
            gemeinde: antrag.gemeinde_ags.clone(),
            gemarkung: antrag.gemarkung.clone(),
            flur: antrag.flur.clone(),
            flurstuecke: antrag
                .flurstuecke
                .iter()
                .map(|(z, n)| match n {
                    Some(n) => format!("{z}/{n}"),
                    None => z.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            bh_name: antrag.bauherr.name.clone(),
            bh_anschrift: antrag.bauherr.anschrift.clone(),
            bh_email: antrag.bauherr.email.clone(),
            ev_name: antrag.entwurfsverfasser.name.clone(),
            ev_kammer: antrag.entwurfsverfasser.kammer.clone(),
            ev_nummer: antrag.entwurfsverfasser.mitgliedsnummer.clone(),
        };
        if let Err(fehler) = eingabe.pruefe() {
            return Err(Nein::gruende(
                fehler
                    .into_iter()
                    .map(|t| grund("S999", format!("Angaben des Antrags: {t}")))
                    .collect(),
            ));
        }
        let zuordnung = dateien_zuordnen(&antrag.anlagen, beilagen, grenzen)?;
        // From here on, the steps of the browser.
        let akteur = akteur_des_partners(partner, behoerde);
        let vorgang_id = self.anlegen(&akteur, &eingabe).await?;
        let mut tx = self.db.begin().await?;
        Db::setze_xbau_partner(&mut tx, vorgang_id, partner.id).await?;
        tx.commit().await?;
        let vorgang = self.db.antrag(vorgang_id).await?;
        for (a, b) in &zuordnung {
            let art = a
                .anlageart
                .as_deref()
                .and_then(|c| Anlageart::parse(c).ok());
            let v = self
                .hochladen(
                    &akteur,
                    &vorgang,
                    Ziel::NeuesDokument {
                        bezeichnung: &a.bezeichnung,
                        anlageart: art.as_ref(),
                    },
                    &a.dateiname,
                    grenzen,
                    datei_strom(b.pfad.clone()),
                )
                .await
                .map_err(|e| hochladefehler(e, &a.dateiname, vorgang_id))?;
            if !v.sha256.eq_ignore_ascii_case(&a.sha256) {
                return Err(Nein::Gruende(
                    vec![grund(
                        "A006",
                        format!(
                            "Die Datei „{}“ hat sich während der Übernahme verändert.",
                            a.dateiname
                        ),
                    )],
                    Some(vorgang_id),
                ));
            }
        }
        let vorgang = self.db.antrag(vorgang_id).await?;
        let eingang = self
            .eingang_verbuchen(
                &akteur,
                &vorgang,
                zuordnung.len(),
                &format!("Antrag über XBau eingegangen (von „{}“)", partner.name),
                "",
            )
            .await
            .map_err(|f| Nein::Gruende(vec![grund("S999", f.to_string())], Some(vorgang_id)))?;
        Ok((vorgang_id, eingang.aktenzeichen.to_string()))
    }
}

/// Each `anlage` has its file, with the size and hash the entry names; no file is left
/// over; the limits of an upload in the browser hold.
fn dateien_zuordnen<'a>(
    anlagen: &'a [plankammer_xbau::nachrichten::AnlageMeta],
    beilagen: &'a [Beilagedatei],
    grenzen: Hochladegrenzen,
) -> Result<
    Vec<(
        &'a plankammer_xbau::nachrichten::AnlageMeta,
        &'a Beilagedatei,
    )>,
    Nein,
> {
    // Each anlage has its file, with the size and hash the entry names; no file is left
    // over; the limits of an upload in the browser hold.
    let mut gruende = Vec::new();
    if anlagen.len() > MAX_BEILAGEN {
        gruende.push(grund(
            "A007",
            format!(
                "Die Nachricht nennt {} Anlagen; höchstens {MAX_BEILAGEN} werden angenommen.",
                anlagen.len()
            ),
        ));
    }
    let mut zuordnung: Vec<(&plankammer_xbau::nachrichten::AnlageMeta, &Beilagedatei)> = Vec::new();
    let mut benutzt = vec![false; beilagen.len()];
    let mut summe: u64 = 0;
    for a in anlagen {
        let gefunden = beilagen
            .iter()
            .enumerate()
            .find(|(i, b)| !benutzt[*i] && (b.name == a.dateiname || b.name == a.dokument_id));
        let Some((i, b)) = gefunden else {
            gruende.push(grund(
                "A001",
                format!(
                    "Die Datei zur Anlage „{}“ ({}) fehlt.",
                    a.bezeichnung, a.dateiname
                ),
            ));
            continue;
        };
        benutzt[i] = true;
        summe = summe.saturating_add(b.groesse);
        if !a.sha256.eq_ignore_ascii_case(&b.sha256) || a.groesse != b.groesse {
            gruende.push(grund(
                    "A006",
                    format!(
                        "Die Datei „{}“ stimmt nicht mit ihrer Anlage überein (Größe oder SHA-256-Prüfsumme weichen ab); sie wurde verändert oder unvollständig übertragen.",
                        a.dateiname
                    ),
                ));
        }
        if a.mime_type != "application/pdf" {
            gruende.push(grund(
                    "A005",
                    format!(
                        "Die Anlage „{}“ hat den Typ {}; Bauvorlagen nimmt Plankammer als PDF (application/pdf) entgegen.",
                        a.bezeichnung, a.mime_type
                    ),
                ));
        }
        if b.groesse > grenzen.datei {
            gruende.push(grund(
                "A004",
                format!(
                    "Die Datei „{}“ ist größer als {}.",
                    a.dateiname,
                    crate::dokumente::mb(grenzen.datei)
                ),
            ));
        }
        zuordnung.push((a, b));
    }
    for (i, b) in beilagen.iter().enumerate() {
        if !benutzt[i] {
            gruende.push(grund(
                "S999",
                format!(
                    "Die Datei „{}“ gehört zu keiner Anlage der Nachricht.",
                    b.name
                ),
            ));
        }
    }
    if summe > grenzen.vorgang {
        gruende.push(grund(
            "A008",
            format!(
                "Die Anlagen sind zusammen größer als {}.",
                crate::dokumente::mb(grenzen.vorgang)
            ),
        ));
    }
    let mut gesehen = std::collections::HashSet::new();
    for (a, _) in &zuordnung {
        if !gesehen.insert(a.sha256.to_ascii_lowercase()) {
            gruende.push(grund(
                "S999",
                format!(
                    "Die Datei „{}“ ist zweimal beigefügt (gleicher Inhalt).",
                    a.dateiname
                ),
            ));
        }
    }
    if !gruende.is_empty() {
        return Err(Nein::gruende(gruende));
    }
    Ok(zuordnung)
}

/// An upload step's refusal as the XBau error code and words.
fn hochladefehler(e: HochladeFehler, dateiname: &str, vorgang_id: i64) -> Nein {
    let code = match &e {
        HochladeFehler::KeinPdf(_) | HochladeFehler::Leer => "A005",
        HochladeFehler::DateiZuGross(_) => "A004",
        HochladeFehler::VorgangVoll(_) | HochladeFehler::AnfrageVoll(_) => "A008",
        HochladeFehler::ZuVieleUnterlagen(_) => "A007",
        HochladeFehler::Doppelt(_) => "S999",
        HochladeFehler::Verfahren(f) if matches!(f, Fehler::Intern(_)) => {
            return Nein::Fehler(Fehler::intern(f));
        }
        HochladeFehler::Verfahren(_) => "S999",
    };
    Nein::Gruende(
        vec![grund(code, format!("„{dateiname}“: {}", e.meldung()))],
        Some(vorgang_id),
    )
}

/// Why a message was not taken: the sender's reasons (with the case if one was begun), or
/// Plankammer's own failure.
enum Nein {
    Gruende(Vec<(String, String)>, Option<i64>),
    Fehler(Fehler),
}

impl Nein {
    fn gruende(g: Vec<(String, String)>) -> Nein {
        Nein::Gruende(g, None)
    }
}

impl From<Fehler> for Nein {
    fn from(f: Fehler) -> Nein {
        match f {
            Fehler::Intern(_) => Nein::Fehler(f),
            // A step refused (Angaben, state): the sender's to fix.
            f => Nein::Gruende(vec![grund("S999", fehlertext(&f))], None),
        }
    }
}

impl From<plankammer_storage::StoreError> for Nein {
    fn from(e: plankammer_storage::StoreError) -> Nein {
        Nein::Fehler(Fehler::from(e))
    }
}

fn fehlertext(f: &Fehler) -> String {
    match f {
        Fehler::Ungueltig(s) => s.join(" "),
        Fehler::Konflikt(s) | Fehler::ZuGross(s) | Fehler::ZuViele(s) => s.clone(),
        f => f.to_string(),
    }
}
