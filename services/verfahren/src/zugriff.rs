//! Who may see or do what — decided here, in one place, for every entry point.
//!
//! | who | sees | does |
//! |---|---|---|
//! | applicant who owns the case | their case, its documents and timeline (without the authorities' Beteiligung entries) | fills in, invites, submits, answers a Nachforderung |
//! | invited Bauherrschaft, once accepted | that case, as the owner sees it | signs the application off (Freizeichnung) |
//! | case worker (Bauaufsicht) | every submitted case of the tenant, every document | Prüfung, Beteiligung, deadlines, Bescheid; uploads on the applicant's behalf |
//! | member of an asked Stelle | the case only through a request to their Stelle, from the request on, only the documents in scope in the Fassung current at the request (plus a later one the Bauaufsicht shared) and their own attachments | comments, Rückfragen, Stellungnahme — not after a withdrawal |
//! | tenant admin | the tenant's inbox and administration | accounts, Stellen, checklists, formats, templates |
//! | operator (CLI) | — | tenants, accounts, Land-wide Stellen |
//!
//! Nothing ever crosses tenants. Whoever may not know that something exists gets
//! [`Fehler::NichtGefunden`]; whoever sees it but may not act gets
//! [`Fehler::KeineBerechtigung`].

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use plankammer_domain::Role;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::beteiligung::BeteiligungsZustand;
use plankammer_domain::zugriff::{VorgangRef, darf_dokumente_hochladen, darf_vorgang_sehen};
use plankammer_storage::antrag::{Antrag, Frist};
use plankammer_storage::bescheid::BescheidAkte;
use plankammer_storage::beteiligung::{Beteiligung, Rueckfrage, Stelle};
use plankammer_storage::dokumente::Version;
use plankammer_storage::now_millis;
use serde::Serialize;
use std::collections::HashMap;

/// Only people in one of these roles (of their own tenant); everyone else 403.
pub fn nur(akteur: &Akteur, rollen: &[Role]) -> Ergebnis<()> {
    if rollen.contains(&akteur.role) {
        Ok(())
    } else {
        Err(Fehler::KeineBerechtigung)
    }
}

/// The tenant's administration.
pub fn nur_admin(akteur: &Akteur) -> Ergebnis<()> {
    nur(akteur, &[Role::Admin])
}

/// The tenant's case workers.
pub fn nur_bauaufsicht(akteur: &Akteur) -> Ergebnis<()> {
    nur(akteur, &[Role::Bauaufsicht])
}

/// May the Stelle still act on this request (comment, ask, state its view)? Not after the
/// Bauaufsicht withdrew it; whether the state accepts the act is the domain's decision.
pub fn darf_handeln(b: &Beteiligung) -> bool {
    b.zustand != BeteiligungsZustand::Zurueckgezogen
}

/// The request was withdrawn: the Stelle can no longer act on it (409).
pub(crate) fn zurueckgezogen() -> Fehler {
    Fehler::konflikt(
        "Die Bauaufsicht hat diese Anfrage zurückgezogen; Sie können dazu nichts mehr einreichen.",
    )
}

/// May the Stelle read the documents of this request? Yes, unless it was withdrawn before
/// any member had opened it (the Stelle keeps what it already saw).
pub fn darf_dokumente_lesen(b: &Beteiligung) -> bool {
    darf_handeln(b) || b.geoeffnet_at.is_some()
}

/// One document version a Stelle may see through a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SichtbareVersion {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub anlageart: Option<Anlageart>,
    pub version_id: i64,
    pub version_nummer: i64,
    pub dateiname: String,
    pub fassung_nummer: i64,
    /// From a later Fassung the Bauaufsicht shared (not the one current at the request).
    pub spaeter_freigegeben: bool,
}

/// The way a person comes to a plan (for its comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planweg {
    /// A Fachstelle member through its request (`/beteiligungen/{bid}/plan/{vid}`).
    Anfrage(i64),
    /// The Bauaufsicht from the case (`/vorgaenge/{id}/plan/{vid}`).
    Vorgang(i64),
    /// By the version alone (the API): a Fachstelle member through the newest request of
    /// theirs that shows it, the Bauaufsicht through the case of its tenant.
    Version,
}

/// A plan (a document version of a case) someone may look at and comment on, and through
/// what. Only [`Verfahren::planzugang`] makes one.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Planzugang {
    pub antrag: Antrag,
    pub version: Version,
    /// The Fachstelle's request; `None` for the Bauaufsicht.
    pub beteiligung: Option<Beteiligung>,
    /// Not after the request was withdrawn.
    pub darf_kommentieren: bool,
}

fn zugriff_auf(a: &Antrag) -> VorgangRef {
    VorgangRef {
        tenant_id: a.tenant_id,
        owner_user_id: a.owner_user_id,
    }
}

impl Verfahren {
    // --- Cases -----------------------------------------------------------------------------

    /// Does this person see the case: the domain's rule for owner and tenant, plus the
    /// invited Bauherrschaft once it accepted. (A Stelle sees a case only through its
    /// request, see [`Verfahren::beteiligung_des_mitglieds`].)
    pub async fn sieht_vorgang(&self, akteur: &Akteur, a: &Antrag) -> Ergebnis<bool> {
        if darf_vorgang_sehen(&akteur.zugriff(), &zugriff_auf(a)) {
            return Ok(true);
        }
        if akteur.role != Role::Antragsteller {
            return Ok(false);
        }
        Ok(self
            .db
            .beteiligte(a.id)
            .await?
            .iter()
            .any(|b| b.user_id == Some(akteur.user_id) && b.angenommen_at.is_some()))
    }

    /// The case, if this person sees it; everyone else 404.
    pub async fn vorgang(&self, akteur: &Akteur, id: i64) -> Ergebnis<Antrag> {
        let a = self.db.antrag(id).await?;
        if self.sieht_vorgang(akteur, &a).await? {
            Ok(a)
        } else {
            Err(Fehler::NichtGefunden)
        }
    }

    /// Is this person the applicant who owns the case?
    pub fn ist_eigentuemer(akteur: &Akteur, a: &Antrag) -> bool {
        akteur.role == Role::Antragsteller
            && akteur.user_id == a.owner_user_id
            && akteur.tenant_id == a.tenant_id
    }

    /// The owner's case; others who see it get 403, the rest 404.
    pub async fn eigener_vorgang(&self, akteur: &Akteur, id: i64) -> Ergebnis<Antrag> {
        let a = self.vorgang(akteur, id).await?;
        if Self::ist_eigentuemer(akteur, &a) {
            Ok(a)
        } else {
            Err(Fehler::KeineBerechtigung)
        }
    }

    /// The case, if it belongs to this case worker's tenant; everyone else 404.
    pub async fn vorgang_der_bauaufsicht(&self, akteur: &Akteur, id: i64) -> Ergebnis<Antrag> {
        if akteur.role != Role::Bauaufsicht {
            return Err(Fehler::NichtGefunden);
        }
        let a = self.db.antrag(id).await?;
        if a.tenant_id != akteur.tenant_id {
            return Err(Fehler::NichtGefunden);
        }
        Ok(a)
    }

    /// Whether this person works on the case's documents (upload, remove, type, have failed
    /// checks run again): the owner, or the Bauaufsicht (an application that arrived on
    /// paper) — whatever the state; the steps that change the set add the state's rule.
    pub fn darf_unterlagen_bearbeiten(akteur: &Akteur, a: &Antrag) -> bool {
        darf_dokumente_hochladen(&akteur.zugriff(), &zugriff_auf(a))
    }

    /// A case documents may be added to by this person: the owner, or the Bauaufsicht (an
    /// application that arrived on paper). Others who see it 403, the rest 404.
    pub async fn vorgang_fuer_unterlagen(&self, akteur: &Akteur, id: i64) -> Ergebnis<Antrag> {
        let a = self.vorgang(akteur, id).await?;
        if Self::darf_unterlagen_bearbeiten(akteur, &a) {
            Ok(a)
        } else {
            Err(Fehler::KeineBerechtigung)
        }
    }

    /// A deadline and its case, if the case belongs to this case worker's tenant; else 404.
    pub async fn frist_der_bauaufsicht(
        &self,
        akteur: &Akteur,
        frist_id: i64,
    ) -> Ergebnis<(Frist, Antrag)> {
        if akteur.role != Role::Bauaufsicht {
            return Err(Fehler::NichtGefunden);
        }
        let f = self.db.frist(frist_id).await?;
        let a = self.vorgang_der_bauaufsicht(akteur, f.vorgang_id).await?;
        Ok((f, a))
    }

    // --- Requests to Stellen ---------------------------------------------------------------

    /// The request `bid`, if the person is a Fachstelle member of the Stelle asked and the
    /// request exists since before now. Everyone else 404 (nothing reveals that it exists).
    pub async fn beteiligung_des_mitglieds(
        &self,
        akteur: &Akteur,
        bid: i64,
    ) -> Ergebnis<Beteiligung> {
        if akteur.role != Role::Fachstelle {
            return Err(Fehler::NichtGefunden);
        }
        let b = self.db.beteiligung(bid).await?;
        let mitglied = self
            .db
            .ist_stellenmitglied(b.stelle_id, akteur.user_id)
            .await?;
        if !mitglied || b.angefragt_at > now_millis() {
            return Err(Fehler::NichtGefunden);
        }
        Ok(b)
    }

    /// The request `bid` of a Fachstelle member who may still act on it (comment, ask, state
    /// the Stelle's view, attach): [`Verfahren::beteiligung_des_mitglieds`], and not
    /// withdrawn ([`darf_handeln`]; else 409). For a page that shows a form of such an act.
    pub async fn anfrage_zum_handeln(&self, akteur: &Akteur, bid: i64) -> Ergebnis<Beteiligung> {
        let b = self.beteiligung_des_mitglieds(akteur, bid).await?;
        if !darf_handeln(&b) {
            return Err(zurueckgezogen());
        }
        Ok(b)
    }

    /// A Fachstelle member's requests (the inbox): every request to the Stellen the person
    /// works for that exists since before now, withdrawn ones included, by deadline. Other
    /// roles 403.
    pub async fn anfragen_des_mitglieds(&self, akteur: &Akteur) -> Ergebnis<Vec<Beteiligung>> {
        nur(akteur, &[Role::Fachstelle])?;
        let now = now_millis();
        Ok(self
            .db
            .beteiligungen_fuer_mitglied(akteur.user_id)
            .await?
            .into_iter()
            .filter(|b| b.angefragt_at <= now)
            .collect())
    }

    /// The running requests of the case worker's tenant, by deadline (the cross-case view).
    /// Other roles 403.
    pub async fn laufende_beteiligungen(&self, akteur: &Akteur) -> Ergebnis<Vec<Beteiligung>> {
        nur_bauaufsicht(akteur)?;
        Ok(self.db.laufende_beteiligungen(akteur.tenant_id).await?)
    }

    /// The same, each with its case's Aktenzeichen and Bezeichnung (one query for a list).
    pub async fn laufende_anfragen(
        &self,
        akteur: &Akteur,
    ) -> Ergebnis<Vec<plankammer_storage::beteiligung::LaufendeAnfrage>> {
        nur_bauaufsicht(akteur)?;
        Ok(self.db.laufende_anfragen(akteur.tenant_id).await?)
    }

    /// The Stellen the case worker's tenant may ask: its own and the Land-wide ones. Other
    /// roles 403.
    pub async fn anfragbare_stellen(&self, akteur: &Akteur) -> Ergebnis<Vec<Stelle>> {
        nur_bauaufsicht(akteur)?;
        Ok(self.db.stellen_fuer(akteur.tenant_id).await?)
    }

    /// The request and its case, if the case belongs to this case worker's tenant; else 404.
    pub async fn beteiligung_der_bauaufsicht(
        &self,
        akteur: &Akteur,
        bid: i64,
    ) -> Ergebnis<(Beteiligung, Antrag)> {
        if akteur.role != Role::Bauaufsicht {
            return Err(Fehler::NichtGefunden);
        }
        let b = self.db.beteiligung(bid).await?;
        let a = self.vorgang_der_bauaufsicht(akteur, b.vorgang_id).await?;
        Ok((b, a))
    }

    /// A Rückfrage with its request and case, for the case worker of the tenant; else 404.
    pub async fn rueckfrage_der_bauaufsicht(
        &self,
        akteur: &Akteur,
        rid: i64,
    ) -> Ergebnis<(Rueckfrage, Beteiligung, Antrag)> {
        if akteur.role != Role::Bauaufsicht {
            return Err(Fehler::NichtGefunden);
        }
        let r = self.db.rueckfrage(rid).await?;
        let (b, a) = self
            .beteiligung_der_bauaufsicht(akteur, r.beteiligung_id)
            .await?;
        Ok((r, b, a))
    }

    /// The newest request of this Fachstelle member on a case (what their case page shows),
    /// or 404 when they have none.
    pub async fn neueste_beteiligung_am_vorgang(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<Beteiligung> {
        if akteur.role != Role::Fachstelle {
            return Err(Fehler::NichtGefunden);
        }
        let now = now_millis();
        self.db
            .beteiligungen_fuer_mitglied(akteur.user_id)
            .await?
            .into_iter()
            .filter(|b| b.vorgang_id == vorgang_id && b.angefragt_at <= now)
            .max_by_key(|b| b.id)
            .ok_or(Fehler::NichtGefunden)
    }

    // --- Documents ---------------------------------------------------------------------------

    /// The versions a Stelle sees through one request: the documents in scope in the Fassung
    /// current at the request, and in a later Fassung the Bauaufsicht shared. Empty when the
    /// request was withdrawn before anyone opened it.
    pub async fn sichtbare_versionen(&self, b: &Beteiligung) -> Ergebnis<Vec<SichtbareVersion>> {
        if !darf_dokumente_lesen(b) {
            return Ok(vec![]);
        }
        let nummern: HashMap<i64, i64> = self
            .db
            .fassungen(b.vorgang_id)
            .await?
            .into_iter()
            .map(|f| (f.id, f.nummer))
            .collect();
        let im_umfang =
            |dokument_id: i64| b.umfang.as_ref().is_none_or(|u| u.contains(&dokument_id));
        let mut out: Vec<SichtbareVersion> = Vec::new();
        for (fassung, spaeter) in [(b.fassung_id, false), (b.freigegeben_fassung_id, true)] {
            let Some(fid) = fassung else { continue };
            // A Fassung of another case is never shown, whatever the row says.
            let Some(&nummer) = nummern.get(&fid) else {
                continue;
            };
            for d in self.db.fassung_dokumente(fid).await? {
                if !im_umfang(d.dokument_id) || out.iter().any(|v| v.version_id == d.version_id) {
                    continue;
                }
                out.push(SichtbareVersion {
                    dokument_id: d.dokument_id,
                    bezeichnung: d.bezeichnung,
                    anlageart: d.anlageart,
                    version_id: d.version_id,
                    version_nummer: d.version_nummer,
                    dateiname: d.dateiname,
                    fassung_nummer: nummer,
                    spaeter_freigegeben: spaeter,
                });
            }
        }
        Ok(out)
    }

    /// May this Fachstelle member see this version? `Some(request)` through which they see it
    /// (the newest one when several Stellen of theirs were asked; for an attachment, the
    /// request it belongs to), `None`: deny.
    pub async fn beteiligung_fuer_version(
        &self,
        akteur: &Akteur,
        version: &Version,
    ) -> Ergebnis<Option<Beteiligung>> {
        if akteur.role != Role::Fachstelle {
            return Ok(None);
        }
        if let Some(bid) = self.db.anlage_beteiligung(version.dokument_id).await? {
            // The Stelle wrote it: it stays readable to its members, also after a withdrawal.
            return match self.beteiligung_des_mitglieds(akteur, bid).await {
                Ok(b) => Ok(Some(b)),
                Err(Fehler::NichtGefunden) => Ok(None),
                Err(e) => Err(e),
            };
        }
        let now = now_millis();
        let mut anfragen: Vec<Beteiligung> = self
            .db
            .beteiligungen_fuer_mitglied(akteur.user_id)
            .await?
            .into_iter()
            .filter(|b| b.vorgang_id == version.vorgang_id && b.angefragt_at <= now)
            .collect();
        anfragen.sort_by_key(|b| std::cmp::Reverse(b.id));
        for b in anfragen {
            if self
                .sichtbare_versionen(&b)
                .await?
                .iter()
                .any(|v| v.version_id == version.id)
            {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// Is this version a Stelle's attachment, and may the person see it? `None`: not an
    /// attachment (the rules for Bauvorlagen apply). `Some(true)`: a member of the Stelle
    /// whose request it belongs to, or the Bauaufsicht of the case's tenant. `Some(false)`:
    /// anyone else — applicants, other Stellen, the admin.
    pub async fn anlage_sichtbar(
        &self,
        akteur: &Akteur,
        version: &Version,
    ) -> Ergebnis<Option<bool>> {
        if self
            .db
            .anlage_beteiligung(version.dokument_id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        Ok(Some(match akteur.role {
            Role::Fachstelle => self
                .beteiligung_fuer_version(akteur, version)
                .await?
                .is_some(),
            Role::Bauaufsicht => version.tenant_id == akteur.tenant_id,
            Role::Antragsteller | Role::Admin => false,
        }))
    }

    /// A version whose content this person may read, with its case; everything else 404:
    /// - a Fachstelle member: what [`Verfahren::beteiligung_fuer_version`] allows;
    /// - a stamped plan of a Bescheid not issued yet: only the Bauaufsicht;
    /// - a Stelle's attachment: its Stelle and the tenant's Bauaufsicht;
    /// - otherwise whoever sees the case.
    pub async fn version(&self, akteur: &Akteur, id: i64) -> Ergebnis<(Antrag, Version)> {
        let version = self.db.version(id).await?;
        if akteur.role == Role::Fachstelle {
            return match self.beteiligung_fuer_version(akteur, &version).await? {
                Some(_) => Ok((self.db.antrag(version.vorgang_id).await?, version)),
                None => Err(Fehler::NichtGefunden),
            };
        }
        if akteur.role != Role::Bauaufsicht && self.db.ist_unerlassener_stempel(version.id).await? {
            return Err(Fehler::NichtGefunden);
        }
        if self.anlage_sichtbar(akteur, &version).await? == Some(false) {
            return Err(Fehler::NichtGefunden);
        }
        let a = self.vorgang(akteur, version.vorgang_id).await?;
        Ok((a, version))
    }

    // --- Plans and their comments -----------------------------------------------------------

    /// A plan this person may look at and comment on, through `weg`; everyone else 404:
    /// - a Fachstelle member: a Bauvorlage in a version its request shows
    ///   ([`Verfahren::sichtbare_versionen`]), commenting only while the request is not
    ///   withdrawn;
    /// - the Bauaufsicht: every version of a case of its tenant (an attachment too).
    pub async fn planzugang(
        &self,
        akteur: &Akteur,
        weg: Planweg,
        version_id: i64,
    ) -> Ergebnis<Planzugang> {
        match (akteur.role, weg) {
            (Role::Fachstelle, Planweg::Anfrage(bid)) => {
                let b = self.beteiligung_des_mitglieds(akteur, bid).await?;
                self.plan_der_stelle(b, version_id).await
            }
            (Role::Fachstelle, Planweg::Version) => {
                let version = self.db.version(version_id).await?;
                if self
                    .db
                    .anlage_beteiligung(version.dokument_id)
                    .await?
                    .is_some()
                {
                    return Err(Fehler::NichtGefunden);
                }
                match self.beteiligung_fuer_version(akteur, &version).await? {
                    Some(b) => self.plan_der_stelle(b, version_id).await,
                    None => Err(Fehler::NichtGefunden),
                }
            }
            (Role::Bauaufsicht, Planweg::Vorgang(_) | Planweg::Version) => {
                let version = self.db.version(version_id).await?;
                if let Planweg::Vorgang(id) = weg
                    && id != version.vorgang_id
                {
                    return Err(Fehler::NichtGefunden);
                }
                let antrag = self
                    .vorgang_der_bauaufsicht(akteur, version.vorgang_id)
                    .await?;
                Ok(Planzugang {
                    antrag,
                    version,
                    beteiligung: None,
                    darf_kommentieren: true,
                })
            }
            _ => Err(Fehler::NichtGefunden),
        }
    }

    async fn plan_der_stelle(&self, b: Beteiligung, version_id: i64) -> Ergebnis<Planzugang> {
        if !self
            .sichtbare_versionen(&b)
            .await?
            .iter()
            .any(|v| v.version_id == version_id)
        {
            return Err(Fehler::NichtGefunden);
        }
        let version = self.db.version(version_id).await?;
        let antrag = self.db.antrag(b.vorgang_id).await?;
        Ok(Planzugang {
            darf_kommentieren: darf_handeln(&b),
            beteiligung: Some(b),
            antrag,
            version,
        })
    }

    // --- The Bescheid ------------------------------------------------------------------------

    /// The case's current Bescheid once issued, for whoever sees the case (its applicants, the
    /// tenant's Bauaufsicht and administration); a Fachstelle never (it learns the outcome
    /// from the Bauaufsicht). Everyone else, and before it is issued, 404.
    pub async fn erlassener_bescheid(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<(Antrag, BescheidAkte)> {
        if akteur.role == Role::Fachstelle {
            return Err(Fehler::NichtGefunden);
        }
        let a = self.vorgang(akteur, vorgang_id).await?;
        let b = self
            .db
            .aktueller_bescheid(a.id)
            .await?
            .filter(BescheidAkte::ist_erlassen)
            .ok_or(Fehler::NichtGefunden)?;
        Ok((a, b))
    }

    /// The current Bescheid whose stamped plans this person may read: the tenant's
    /// Bauaufsicht as soon as issuing began (plans are stamped before it completes); everyone
    /// else only once it is issued ([`Verfahren::erlassener_bescheid`]). Else 404.
    pub async fn bescheid_mit_stempeln(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<(Antrag, BescheidAkte)> {
        if akteur.role != Role::Bauaufsicht {
            return self.erlassener_bescheid(akteur, vorgang_id).await;
        }
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        let b = self
            .db
            .aktueller_bescheid(a.id)
            .await?
            .filter(BescheidAkte::ist_beantragt)
            .ok_or(Fehler::NichtGefunden)?;
        Ok((a, b))
    }

    // --- The tenant's administration ---------------------------------------------------------

    /// A Stelle of the admin's own tenant; others 403, a Land-wide Stelle or another tenant's
    /// 404 (the Betreiber manages Land-wide ones at the command line).
    pub async fn stelle_des_admins(&self, akteur: &Akteur, stelle_id: i64) -> Ergebnis<Stelle> {
        nur_admin(akteur)?;
        let s = self.db.stelle(stelle_id).await?;
        if s.tenant_id != Some(akteur.tenant_id) {
            return Err(Fehler::NichtGefunden);
        }
        Ok(s)
    }
}
