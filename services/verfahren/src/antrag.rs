//! The applicant's steps: open a case, enter its Angaben (Bauvorhaben, Grundstück,
//! Beteiligte; "once only" from the profile and earlier cases), invite the Bauherrschaft and
//! take its Freizeichnung, submit (Aktenzeichen, Fassung 1, Eingangsbestätigung), answer a
//! Nachforderung (Nachreichung), withdraw a document or set its Anlageart — and the
//! checklist that decides whether the case may be submitted.

use crate::ablauf::Wechsel;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use crate::freizeichnung::{self, FreizeichnungsZustand};
use crate::mitteilung::{An, Mitteilung};
use crate::{Verfahren, statuszeile};
use chrono::Datelike;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::{Angaben, AngabenEingabe, MAX_ANGABE};
use plankammer_domain::feststellung::Schwere;
use plankammer_domain::freizeichnung::Phase;
use plankammer_domain::frist::FristArt;
use plankammer_domain::notification::Notification;
use plankammer_domain::verfahren::{
    Auswertung, Behebung, Checkliste, HochgeladenesDokument, Mangel, Verfahrensart,
    standard_checkliste,
};
use plankammer_domain::vertrauensniveau::Vertrauensniveau;
use plankammer_domain::vorgang::{Ereignis, Zustand};
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_domain::{Email, Role, zugriff};
use plankammer_storage::antrag::{Antrag, Beteiligter, Fassung};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::jobs::JobState;
use plankammer_storage::{
    Db, Konflikt, StoreError, heute_berlin, now_millis, random_token, sha256_hex,
};

/// Longest reason of a withdrawal taken.
pub const MAX_RUECKNAHMEGRUND: usize = 2000;

/// Longest name of an invited person.
pub const MAX_NAME: usize = 200;

/// Longest name of an invited Bauherrschaft: it stands in a mail the authority sends.
pub const MAX_EINLADUNGSNAME: usize = 120;
/// Invitations of one case not yet accepted.
pub const MAX_OFFENE_EINLADUNGEN: i64 = 5;
/// Invitations of one case, and of one sender over all their cases, per 24 hours.
pub const MAX_EINLADUNGEN_JE_VORGANG_TAG: i64 = 10;
pub const MAX_EINLADUNGEN_JE_ABSENDER_TAG: i64 = 20;

/// A person's name as it may stand in a mail: one line, no control characters and none of
/// the invisible ones that turn text around.
pub fn einzeiliger_name(name: &str, max: usize) -> Ergebnis<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > max {
        return Err(Fehler::ungueltig(format!(
            "Bitte geben Sie einen Namen an (höchstens {max} Zeichen)."
        )));
    }
    if name
        .chars()
        .any(|c| c.is_control() || crate::dokumente::unsichtbar(c))
    {
        return Err(Fehler::ungueltig(
            "Der Name darf nur aus einer Zeile ohne Steuerzeichen bestehen.",
        ));
    }
    Ok(name)
}

/// What the Eingangsbestätigung says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eingang {
    pub aktenzeichen: plankammer_domain::aktenzeichen::Aktenzeichen,
    pub fassung: i64,
    pub unterlagen: usize,
}

/// An invitation as the person who got the link sees it.
#[derive(Debug, Clone)]
pub struct OffeneEinladung {
    pub beteiligter: Beteiligter,
    pub antrag: Antrag,
    /// Who invited (the case's owner).
    pub eingeladen_von: String,
    /// Is there an account for the invited address already?
    pub konto_vorhanden: bool,
}

/// The checklist of a case with what keeps it from being submitted.
#[derive(Debug, Clone)]
pub struct Checklistenstand {
    pub auswertung: Auswertung,
    /// A document is still being checked by the pipeline.
    pub laufend: bool,
}

impl Verfahren {
    // --- Reads the steps and the pages share ----------------------------------------------

    /// The tenant's checklist of the procedure, or the shipped default.
    pub async fn checkliste_fuer(&self, tenant_id: i64, v: Verfahrensart) -> Ergebnis<Checkliste> {
        if let Some((_, json)) = self.db.checkliste(tenant_id, v).await? {
            match Checkliste::aus_json(&json) {
                Ok(c) => return Ok(c),
                Err(e) => tracing::warn!(
                    tenant_id,
                    ?e,
                    "stored checklist unusable, using the default"
                ),
            }
        }
        Ok(standard_checkliste(v))
    }

    /// The current documents of a case (not withdrawn, not a Stelle's attachment) as the
    /// checklist sees them: type, suggested type, worst finding, processed or not.
    pub async fn hochgeladene(&self, vorgang_id: i64) -> Ergebnis<Vec<HochgeladenesDokument>> {
        let entfernt = self.db.entfernte_dokumente(vorgang_id).await?;
        let mut out = Vec::new();
        for d in self.db.dokumente(vorgang_id).await? {
            if entfernt.contains(&d.id) {
                continue;
            }
            let Some(ver) = d.versionen.last() else {
                continue;
            };
            let stufen = self.db.stufen(ver.id).await?;
            let fehlgeschlagen = stufen.iter().any(|(_, j)| j.state == JobState::Failed);
            let verarbeitet = !stufen.is_empty()
                && stufen.iter().all(|(s, j)| {
                    matches!(j.state, JobState::Succeeded | JobState::Failed)
                        || plankammer_storage::dokumente::stufe_im_hintergrund(s)
                });
            let mut schlimmste = self
                .db
                .feststellungen(ver.id)
                .await?
                .into_iter()
                .map(|f| f.schwere)
                .min();
            if fehlgeschlagen {
                schlimmste = Some(Schwere::Fehler);
            }
            let meta = self.db.metadaten(ver.id).await?;
            let vorgeschlagen = meta
                .iter()
                .find(|m| m.feld == "anlageart")
                .map(|m| m.wert.clone());
            out.push(HochgeladenesDokument {
                id: d.id,
                bezeichnung: d.bezeichnung.clone(),
                anlageart: d.anlageart.as_ref().map(|a| a.code().to_string()),
                vorgeschlagene_anlageart: vorgeschlagen,
                schlimmste_feststellung: schlimmste,
                verarbeitet,
            });
        }
        Ok(out)
    }

    /// Where the plans' title blocks say something else than the Angaben (Bauherrschaft,
    /// Entwurfsverfasser, Grundstück), over the current documents' newest versions: a warning
    /// for the architect and a hint for the formelle Prüfung, never a block. Empty while the
    /// Angaben are missing or nothing was read.
    pub async fn plan_abweichungen(
        &self,
        a: &Antrag,
    ) -> Ergebnis<Vec<plankammer_domain::plausibilitaet::Abweichung>> {
        use plankammer_domain::plausibilitaet::{Schriftfeld, abweichungen};
        let Some(g) = a.angaben.as_ref() else {
            return Ok(vec![]);
        };
        let entfernt = self.db.entfernte_dokumente(a.id).await?;
        // (document name, bauherr, entwurfsverfasser, title block text)
        let mut gelesen: Vec<(String, Option<String>, Option<String>, String)> = Vec::new();
        for d in self.db.dokumente(a.id).await? {
            if entfernt.contains(&d.id) {
                continue;
            }
            let Some(ver) = d.versionen.last() else {
                continue;
            };
            let meta = self.db.metadaten(ver.id).await?;
            // Only what was read with confidence is held against the Angaben.
            let feld = |n: &str| {
                meta.iter().find(|m| {
                    m.feld == n && m.konfidenz >= plankammer_domain::plausibilitaet::SICHER_AB
                })
            };
            let bauherr = feld("bauherr").map(|m| m.wert.clone());
            let ev = feld("entwurfsverfasser").map(|m| m.wert.clone());
            // The Grundstück is looked for only on a plan (a sheet whose title block gave a
            // scale or a plan number), on the page it was read from, and only in its text
            // layer: OCR of a scanned title block misses or garbles lines often enough that
            // "not named" would be said of plans that name it.
            let plan_seite = feld("massstab")
                .or_else(|| feld("plannummer"))
                .map(|m| m.seite);
            let text = match plan_seite {
                Some(n) => self
                    .db
                    .seiten_text(ver.id, n)
                    .await?
                    .filter(|t| t.quelle.as_deref() == Some("textebene"))
                    .and_then(|t| t.text)
                    .unwrap_or_default(),
                None => String::new(),
            };
            if bauherr.is_some() || ev.is_some() || !text.is_empty() {
                gelesen.push((d.bezeichnung.clone(), bauherr, ev, text));
            }
        }
        let plaene: Vec<Schriftfeld> = gelesen
            .iter()
            .map(|(dokument, bauherr, ev, text)| Schriftfeld {
                dokument,
                bauherr: bauherr.as_deref(),
                entwurfsverfasser: ev.as_deref(),
                text,
            })
            .collect();
        Ok(abweichungen(g, &plaene))
    }

    /// The checklist of the case's procedure over its current documents; `None` while the
    /// procedure is not chosen.
    pub async fn checklistenstand(&self, a: &Antrag) -> Ergebnis<Option<Checklistenstand>> {
        let Some(v) = a.verfahren else {
            return Ok(None);
        };
        let docs = self.hochgeladene(a.id).await?;
        let laufend = docs.iter().any(|d| !d.verarbeitet);
        let auswertung = self.checkliste_fuer(a.tenant_id, v).await?.auswerten(&docs);
        Ok(Some(Checklistenstand {
            auswertung,
            laufend,
        }))
    }

    /// Everything that keeps the owner from submitting: checklist, Angaben, Bauherrschaft —
    /// as German sentences; empty when the case may be submitted.
    pub async fn einreichungshindernisse(
        &self,
        a: &Antrag,
        aw: Option<&Auswertung>,
    ) -> Ergebnis<Vec<String>> {
        Ok(self
            .einreichungsmaengel(a, aw)
            .await?
            .into_iter()
            .map(|m| m.text)
            .collect())
    }

    /// [`Verfahren::einreichungshindernisse`], each with where to fix it (for the page's
    /// links).
    pub async fn einreichungsmaengel(
        &self,
        a: &Antrag,
        aw: Option<&Auswertung>,
    ) -> Ergebnis<Vec<Mangel>> {
        let mangel = |text: String, behebung| Mangel { text, behebung };
        let mut maengel: Vec<Mangel> =
            Angaben::fehlende(a.verfahren, &a.bezeichnung, a.angaben.as_ref())
                .into_iter()
                .map(|t| mangel(t, Behebung::Angaben))
                .collect();
        match aw {
            Some(aw) => maengel.extend(aw.maengel.iter().cloned()),
            None => maengel.push(mangel(
                "Bitte wählen Sie die Verfahrensart.".into(),
                Behebung::Angaben,
            )),
        }
        let beteiligte = self.db.beteiligte(a.id).await?;
        if beteiligte.is_empty() {
            maengel.push(mangel(
                "Bitte laden Sie die Bauherrschaft ein: Sie muss den Antrag vor dem Einreichen freizeichnen.".into(),
                Behebung::Bauherrschaft,
            ));
        }
        for f in self.freizeichnungen(a).await? {
            match f.zustand {
                FreizeichnungsZustand::NichtAngenommen => maengel.push(mangel(
                    format!("{} hat die Einladung noch nicht angenommen.", f.name),
                    Behebung::Bauherrschaft,
                )),
                FreizeichnungsZustand::Offen => maengel.push(mangel(
                    format!("{} hat den Antrag noch nicht freigezeichnet.", f.name),
                    Behebung::Bauherrschaft,
                )),
                FreizeichnungsZustand::Ungueltig => {
                    if let Some(h) = f.hindernis() {
                        maengel.push(mangel(h, Behebung::Bauherrschaft));
                    }
                }
                FreizeichnungsZustand::Gueltig => {}
            }
        }
        Ok(maengel)
    }

    /// Angaben of the applicant's earlier cases to take over ("once only"), newest first.
    pub async fn fruehere_angaben(&self, akteur: &Akteur, ausser: i64) -> Ergebnis<Vec<Angaben>> {
        Ok(self.db.fruehere_angaben(akteur.user_id, ausser, 10).await?)
    }

    /// A form prefilled for this applicant: the Entwurfsverfasser/in from the profile, and
    /// Grundstück and Bauherrschaft from the earlier case `vorlage` (an index into
    /// [`Verfahren::fruehere_angaben`]) when asked to.
    pub async fn vorbelegen(
        &self,
        akteur: &Akteur,
        f: &mut AngabenEingabe,
        ausser: i64,
        vorlage: Option<usize>,
    ) -> Ergebnis<()> {
        if f.ev_name.is_empty() {
            f.ev_name = akteur.name.clone();
        }
        let profil = self.db.profil(akteur.user_id).await?;
        let feld = |k: &str| profil[k].as_str().unwrap_or_default().to_string();
        if f.ev_kammer.is_empty() {
            f.ev_kammer = feld("kammer");
        }
        if f.ev_nummer.is_empty() {
            f.ev_nummer = feld("mitgliedsnummer");
        }
        if let Some(i) = vorlage
            && let Some(g) = self.fruehere_angaben(akteur, ausser).await?.get(i)
        {
            f.uebernimm_grundstueck(&g.grundstueck);
            f.uebernimm_bauherrschaft(&g.bauherrschaft);
        }
        Ok(())
    }

    // --- Opening a case and its Angaben --------------------------------------------------

    /// A new draft with only its name; the Angaben follow. Only applicants open cases.
    pub async fn neuer_entwurf(&self, akteur: &Akteur, bezeichnung: &str) -> Ergebnis<i64> {
        if !zugriff::darf_vorgang_anlegen(akteur.role) {
            return Err(Fehler::KeineBerechtigung);
        }
        let b = bezeichnung.trim();
        if b.is_empty() || b.chars().count() > MAX_ANGABE {
            return Err(Fehler::ungueltig(format!(
                "Bitte beschreiben Sie das Vorhaben (höchstens {MAX_ANGABE} Zeichen)."
            )));
        }
        let v = self
            .db
            .create_vorgang(akteur.tenant_id, akteur.user_id, b, now_millis())
            .await?;
        Ok(v.id)
    }

    /// A new case with its Angaben, in one transaction; the architect's Kammer and
    /// Mitgliedsnummer are kept in the profile for the next case.
    pub async fn anlegen(&self, akteur: &Akteur, eingabe: &AngabenEingabe) -> Ergebnis<i64> {
        if !zugriff::darf_vorgang_anlegen(akteur.role) {
            return Err(Fehler::KeineBerechtigung);
        }
        let g = eingabe.pruefe().map_err(Fehler::Ungueltig)?;
        let profil = self.db.profil(akteur.user_id).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let v = Db::lege_vorgang_an(
            &mut tx,
            akteur.tenant_id,
            akteur.user_id,
            &g.bezeichnung,
            now,
        )
        .await?;
        Db::setze_angaben(&mut tx, v.id, &g.bezeichnung, g.verfahren, &g.angaben, now).await?;
        merke_profil(&mut tx, akteur, profil, &g.angaben).await?;
        tx.commit().await?;
        Ok(v.id)
    }

    /// Changes the Angaben of the owner's draft.
    pub async fn angaben_speichern(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        eingabe: &AngabenEingabe,
    ) -> Ergebnis<()> {
        let a = self.eigener_vorgang(akteur, vorgang_id).await?;
        let g = eingabe.pruefe().map_err(Fehler::Ungueltig)?;
        let profil = self.db.profil(akteur.user_id).await?;
        let nicht_mehr = "Die Angaben können nach dem Einreichen nicht mehr geändert werden.";
        let mut tx = self.db.begin().await?;
        Db::setze_angaben(
            &mut tx,
            a.id,
            &g.bezeichnung,
            g.verfahren,
            &g.angaben,
            now_millis(),
        )
        .await
        .map_err(Fehler::bei(Konflikt::VorgangNichtImEntwurf, nicht_mehr))?;
        merke_profil(&mut tx, akteur, profil, &g.angaben).await?;
        self.freizeichnung_nach_aenderung(&mut tx, a.id, Some(akteur), now_millis())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner's draft to edit; a submitted case refuses.
    pub async fn entwurf_zum_bearbeiten(&self, akteur: &Akteur, id: i64) -> Ergebnis<Antrag> {
        let a = self.eigener_vorgang(akteur, id).await?;
        if a.zustand != Zustand::Entwurf {
            return Err(Fehler::konflikt(
                "Die Angaben können nach dem Einreichen nicht mehr geändert werden.",
            ));
        }
        Ok(a)
    }

    // --- The Bauherrschaft ---------------------------------------------------------------

    /// The owner invites the Bauherrschaft: the invitation, its mail with the secret link
    /// and the timeline entry, together or not at all.
    pub async fn einladen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        name: &str,
        email: &str,
    ) -> Ergebnis<()> {
        let a = self.eigener_vorgang(akteur, vorgang_id).await?;
        if a.zustand != Zustand::Entwurf {
            return Err(Fehler::konflikt(
                "Die Bauherrschaft kann nur vor dem Einreichen eingeladen werden.",
            ));
        }
        let name = einzeiliger_name(name, MAX_EINLADUNGSNAME)?;
        let email = Email::parse(email)
            .map_err(|_| Fehler::ungueltig("Bitte geben Sie eine gültige E-Mail-Adresse an."))?;
        if email.as_str().eq_ignore_ascii_case(&akteur.email) {
            return Err(Fehler::ungueltig(
                "Sie können sich nicht selbst als Bauherrschaft einladen.",
            ));
        }
        let now = now_millis();
        let secret = random_token(32);
        let mut tx = self.db.begin().await?;
        // Mail in the authority's name goes to addresses the applicant typed: bounded per
        // case and per sender, counted with the case and the sender locked.
        Db::sperre_vorgang(&mut tx, a.id).await?;
        Db::sperre_person(&mut tx, self.db.backend(), akteur.user_id).await?;
        let (offen, im_vorgang, vom_absender) =
            Db::einladungen_gezaehlt(&mut tx, a.id, akteur.user_id, now - 24 * 3600 * 1000).await?;
        if offen >= MAX_OFFENE_EINLADUNGEN {
            return Err(Fehler::ZuViele(format!(
                "Zu diesem Vorgang sind schon {offen} Einladungen offen. Weitere sind möglich, sobald eine angenommen ist."
            )));
        }
        if im_vorgang >= MAX_EINLADUNGEN_JE_VORGANG_TAG
            || vom_absender >= MAX_EINLADUNGEN_JE_ABSENDER_TAG
        {
            tracing::warn!(vorgang_id = a.id, "invitation refused by rate limit");
            return Err(Fehler::ZuViele(
                "Sie haben in den letzten 24 Stunden zu viele Einladungen verschickt. Bitte versuchen Sie es morgen erneut.".into(),
            ));
        }
        Db::lade_beteiligten_ein(
            &mut tx,
            a.id,
            email.as_str(),
            name,
            &sha256_hex(&secret),
            now,
        )
        .await
        .map_err(Fehler::bei(
            Konflikt::BeteiligterVorhanden,
            "Diese Person ist zu diesem Vorgang bereits eingeladen.",
        ))?;
        let mail = Notification::EinladungBauherrschaft {
            name: name.to_string(),
            eingeladen_von: akteur.name.clone(),
            vorhaben: a.bezeichnung.clone(),
            einladung_url: self.url(&format!("/einladung/{secret}")),
            absender: Db::absender(&mut tx, a.tenant_id).await?,
        };
        let rendered = mail.render().map_err(Fehler::intern)?;
        Db::queue_mail(
            &mut tx,
            Some(a.tenant_id),
            mail.kind(),
            email.as_str(),
            &rendered,
            &self.cfg.mail_domain,
            now,
        )
        .await?;
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::Einladung,
            &format!("Bauherrschaft {name} eingeladen"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The invited Bauherrschaft signs the application off: what it covers — the Angaben's
    /// digest and the exact current document versions — is recorded with it. Before
    /// submission, and again whenever a change invalidated it (in a draft, or in a
    /// Nachreichung under the rule of `docs/decisions/0006-freizeichnung.md`).
    pub async fn freizeichnen(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<()> {
        let a = self.vorgang(akteur, vorgang_id).await?;
        let ich = self
            .db
            .beteiligte(a.id)
            .await?
            .into_iter()
            .find(|b| b.user_id == Some(akteur.user_id) && b.angenommen_at.is_some())
            .ok_or(Fehler::KeineBerechtigung)?;
        let Some(p) = freizeichnung::phase(a.zustand) else {
            return Err(Fehler::konflikt(
                "Der Antrag ist bereits eingereicht; eine Freizeichnung ist nicht mehr nötig.",
            ));
        };
        let inhalt = self.freizeichnungsinhalt(&a).await?;
        let stand = freizeichnung::bewerte(&ich, &inhalt, Some(p));
        let bereits = "Sie haben den Antrag bereits freigezeichnet.";
        match stand.zustand {
            FreizeichnungsZustand::Gueltig => return Err(Fehler::konflikt(bereits)),
            // After submission only a Freizeichnung a change invalidated is given again.
            FreizeichnungsZustand::Offen if p == Phase::Nachreichung => {
                return Err(Fehler::konflikt(
                    "Der Antrag ist bereits eingereicht; eine Freizeichnung ist nicht mehr nötig.",
                ));
            }
            _ => {}
        }
        let erneut = ich.freigezeichnet_at.is_some();
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        // The content as of this transaction: a change between the read and now is signed
        // as it is, never a set the person did not see being recorded as another.
        let aktuell = Db::antrag_in(&mut tx, a.id).await?;
        let inhalt = self.freizeichnungsinhalt_in(&mut tx, &aktuell).await?;
        let sha = freizeichnung::sha256(&inhalt);
        Db::zeichne_frei(&mut tx, a.id, akteur.user_id, &inhalt, &sha, now)
            .await
            .map_err(Fehler::bei(Konflikt::SchonFreigezeichnet, bereits))?;
        let text = if erneut {
            format!(
                "Bauherrschaft {} hat den geänderten Antrag erneut freigezeichnet{}",
                ich.name,
                niveau_zusatz(akteur)
            )
        } else {
            format!(
                "Bauherrschaft {} hat den Antrag freigezeichnet{}",
                ich.name,
                niveau_zusatz(akteur)
            )
        };
        let weiter = match p {
            Phase::Entwurf => {
                "Der Antrag kann jetzt eingereicht werden, sobald alle Unterlagen vollständig sind."
            }
            Phase::Nachreichung => "Die Unterlagen können jetzt nachgereicht werden.",
        };
        self.eintrag(
            &mut tx,
            a.id,
            Some(akteur),
            Eintragsart::Freizeichnung,
            &text,
            now,
        )
        .await?;
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Antragsteller],
            Mitteilung {
                titel: "Antrag freigezeichnet",
                text: &format!("{text}. {weiter}"),
                status: None,
                frist: None,
                pfad: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The invitation behind a secret link, while it is open. Anyone holding the link may
    /// read it (that is what the link is for); a used or unknown one is refused in German.
    pub async fn offene_einladung(&self, secret: &str) -> Ergebnis<OffeneEinladung> {
        let ungueltig = || {
            Fehler::ungueltig(
                "Diese Einladung ist ungültig oder wurde bereits angenommen. Bitte melden Sie sich an oder fragen Sie nach einer neuen Einladung.",
            )
        };
        if secret.len() > 128 {
            return Err(ungueltig());
        }
        let b = self
            .db
            .beteiligter_per_einladung(&sha256_hex(secret))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ungueltig(),
                e => e.into(),
            })?;
        let a = self.db.antrag(b.vorgang_id).await?;
        let owner = self.db.user(a.owner_user_id).await?;
        let konto_vorhanden = match Email::parse(&b.email) {
            Ok(e) => self.db.user_by_email(&e).await.is_ok(),
            Err(_) => false,
        };
        Ok(OffeneEinladung {
            beteiligter: b,
            antrag: a,
            eingeladen_von: owner.display_name,
            konto_vorhanden,
        })
    }

    /// A signed-in person accepts: only with the invited address, only as applicant; a
    /// person without a membership in the case's tenant becomes an applicant there.
    /// Returns the case.
    pub async fn einladung_annehmen(&self, akteur: &Akteur, secret: &str) -> Ergebnis<i64> {
        let e = self.offene_einladung(secret).await?;
        let (b, a) = (&e.beteiligter, &e.antrag);
        if !akteur.email.eq_ignore_ascii_case(&b.email) {
            return Err(Fehler::ungueltig(format!(
                "Diese Einladung gilt für {}. Bitte melden Sie sich mit dieser Adresse an.",
                b.email
            )));
        }
        let now = now_millis();
        // Read before the transaction: with SQLite the pool has one connection, which the
        // transaction holds.
        let mitgliedschaft = self.db.member(akteur.user_id, a.tenant_id).await;
        let mut tx = self.db.begin().await?;
        match mitgliedschaft {
            Ok(m) if m.role == Role::Antragsteller => {}
            Ok(_) => {
                return Err(Fehler::ungueltig(
                    "Mit diesem Konto können Sie die Einladung nicht annehmen: Es gehört in dieser Behörde nicht zu den Antragstellenden.",
                ));
            }
            Err(StoreError::NotFound) => {
                Db::add_membership(
                    &mut tx,
                    akteur.user_id,
                    a.tenant_id,
                    Role::Antragsteller,
                    now,
                )
                .await?
            }
            Err(e) => return Err(e.into()),
        }
        if akteur.role != Role::Antragsteller {
            return Err(Fehler::ungueltig(
                "Bitte melden Sie sich als Antragstellerin oder Antragsteller an, um die Einladung anzunehmen.",
            ));
        }
        self.annehmen_in(&mut tx, b, a, akteur.user_id, &akteur.name, now)
            .await?;
        tx.commit().await?;
        Ok(a.id)
    }

    /// A new account for the invited Bauherrschaft: the user, the membership as applicant in
    /// the case's tenant and the accepted invitation, in one transaction. Returns (user id,
    /// tenant id, case id) for the session the adapter opens.
    pub async fn einladung_mit_neuem_konto(
        &self,
        secret: &str,
        name: &str,
        passwort: &str,
        wiederholung: &str,
    ) -> Ergebnis<(i64, i64, i64)> {
        let e = self.offene_einladung(secret).await?;
        let (b, a) = (&e.beteiligter, &e.antrag);
        let name = einzeiliger_name(name, MAX_NAME)?;
        plankammer_domain::account::check_password_fuer(passwort, &[&e.beteiligter.email, name])?;
        if passwort != wiederholung {
            return Err(Fehler::ungueltig(
                "Die beiden Passwörter stimmen nicht überein.",
            ));
        }
        let email = Email::parse(&b.email)?;
        if e.konto_vorhanden {
            return Err(Fehler::konflikt(
                "Für diese E-Mail-Adresse gibt es bereits ein Konto. Bitte melden Sie sich an und nehmen Sie die Einladung dann an.",
            ));
        }
        let hash = crate::konto::hash_password(passwort.to_string()).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let user = Db::create_user(&mut tx, &email, name, &hash, now)
            .await
            .map_err(Fehler::bei(
                Konflikt::EmailVergeben,
                "Für diese E-Mail-Adresse gibt es bereits ein Konto. Bitte melden Sie sich an und nehmen Sie die Einladung dann an.",
            ))?;
        Db::add_membership(&mut tx, user.id, a.tenant_id, Role::Antragsteller, now).await?;
        self.annehmen_in(&mut tx, b, a, user.id, name, now).await?;
        tx.commit().await?;
        Ok((user.id, a.tenant_id, a.id))
    }

    async fn annehmen_in(
        &self,
        tx: &mut plankammer_storage::Tx,
        b: &Beteiligter,
        a: &Antrag,
        user_id: i64,
        name: &str,
        now: i64,
    ) -> Ergebnis<()> {
        Db::nimm_einladung_an(tx, b.id, user_id, now)
            .await
            .map_err(Fehler::bei(
                Konflikt::EinladungAngenommen,
                "Diese Einladung wurde bereits angenommen.",
            ))?;
        plankammer_storage::Db::ereignis(
            tx,
            &plankammer_storage::antrag::NeuesEreignis {
                vorgang_id: a.id,
                user_id: Some(user_id),
                art: Eintragsart::EinladungAngenommen,
                zustand: None,
                status_code: None,
                text: &format!("Bauherrschaft {name} hat die Einladung angenommen"),
            },
            now,
        )
        .await?;
        Ok(())
    }

    // --- Submission and Nachreichung -----------------------------------------------------

    /// The tenant may require a least trust level of the sign-in for submitting (a
    /// Servicekonto at „substantiell“, say); a password or token session has none.
    async fn niveau_genuegt(&self, akteur: &Akteur, tenant_id: i64) -> Ergebnis<()> {
        let e = self.db.anmeldeeinstellungen(tenant_id).await?;
        let Some(mindest) = e
            .mindest_niveau
            .as_deref()
            .and_then(Vertrauensniveau::from_code)
        else {
            return Ok(());
        };
        if akteur.niveau.is_some_and(|n| n >= mindest) {
            return Ok(());
        }
        Err(Fehler::konflikt(format!(
            "Ihre Bauaufsichtsbehörde verlangt zum Einreichen eine Anmeldung mit dem Vertrauensniveau „{}“. Bitte melden Sie sich ab und mit Ihrem Servicekonto (zum Beispiel mit dem Online-Ausweis) wieder an.",
            mindest.bezeichnung()
        )))
    }

    /// The owner submits: checklist, Angaben and Freizeichnung must be complete; the case
    /// gets its Aktenzeichen, the current set is frozen as Fassung 1, and the applicants get
    /// the Eingangsbestätigung — in one transaction.
    pub async fn einreichen(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<Eingang> {
        let a = self.eigener_vorgang(akteur, vorgang_id).await?;
        if a.zustand != Zustand::Entwurf {
            return Err(Fehler::Konflikt(match &a.aktenzeichen {
                Some(az) => format!("Der Antrag ist bereits eingereicht (Aktenzeichen {az})."),
                None => "Der Antrag ist bereits eingereicht.".into(),
            }));
        }
        let v = a
            .verfahren
            .ok_or_else(|| Fehler::ungueltig("Bitte wählen Sie zuerst die Verfahrensart."))?;
        self.niveau_genuegt(akteur, a.tenant_id).await?;
        let docs = self.hochgeladene(a.id).await?;
        let aw = self.checkliste_fuer(a.tenant_id, v).await?.auswerten(&docs);
        let gruende = self.einreichungshindernisse(&a, Some(&aw)).await?;
        if !gruende.is_empty() {
            let satz = format!(
                "Der Antrag kann noch nicht eingereicht werden: {}",
                gruende.join(" ")
            );
            // A Freizeichnung that a change invalidated: the case is not as it was signed.
            let geaendert = self
                .freizeichnungen(&a)
                .await?
                .iter()
                .any(|f| f.zustand == FreizeichnungsZustand::Ungueltig);
            return Err(if geaendert {
                Fehler::konflikt(satz)
            } else {
                Fehler::ungueltig(satz)
            });
        }
        let herkunft = niveau_zusatz(akteur);
        self.eingang_verbuchen(akteur, &a, docs.len(), "Antrag eingereicht", &herkunft)
            .await
    }

    /// The submission itself, once its preconditions hold: the Aktenzeichen, the change of
    /// state with the Eingangsbestätigung, Fassung 1 — in one transaction. The browser's
    /// [`Verfahren::einreichen`] and the receipt of an XBau `0200` both end here.
    pub(crate) async fn eingang_verbuchen(
        &self,
        akteur: &Akteur,
        a: &Antrag,
        unterlagen: usize,
        was: &str,
        zusatz: &str,
    ) -> Ergebnis<Eingang> {
        let now = now_millis();
        let jahr = i64::from(heute_berlin().year());
        let mut tx = self.db.begin().await?;
        let az = Db::naechstes_aktenzeichen(&mut tx, a.tenant_id, jahr).await?;
        let mut mit_az = a.clone();
        mit_az.aktenzeichen = Some(az.clone());
        mit_az.eingereicht_at = Some(now);
        let mail_text = format!(
            "Ihr Antrag ist bei der Bauaufsicht eingegangen.\nAktenzeichen: {az}\nEingegangen am: {}\nDie eingereichten Unterlagen sind als Fassung 1 gespeichert ({} Unterlagen). Die Bauaufsicht prüft nun, ob der Antrag vollständig ist.",
            plankammer_domain::zeit::format_berlin(now),
            unterlagen
        );
        self.wechsle(
            &mut tx,
            &mit_az,
            Wechsel {
                ereignis: Ereignis::Einreichen,
                akteur: Some(akteur),
                text: &format!(
                    "{was}, Aktenzeichen {az}, Fassung 1 mit {unterlagen} Unterlagen{zusatz}"
                ),
                mail: Some(("Eingangsbestätigung", &mail_text)),
                frist: None,
            },
            now,
        )
        .await?;
        Db::setze_eingereicht(&mut tx, a.id, &az, now).await?;
        let fassung = Db::friere_fassung(&mut tx, a.id, akteur.user_id, now).await?;
        self.frozen_set_is_signed(&mut tx, a).await?;
        tx.commit().await?;
        Ok(Eingang {
            aktenzeichen: az,
            fassung: fassung.nummer,
            unterlagen,
        })
    }

    /// The owner withdraws the application (Rücknahme des Antrags): the case ends in
    /// „Zurückgezogen“ (status 15, reported to the portal), its deadlines end, the
    /// applicants get the confirmation and the Bauaufsicht is told — in one transaction.
    /// Requests to Stellen still open stay for the Bauaufsicht to withdraw (only it may).
    /// `grund` is optional. The browser and a portal's `1130` both end here.
    pub async fn zurueckziehen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        grund: &str,
    ) -> Ergebnis<()> {
        let a = self.eigener_vorgang(akteur, vorgang_id).await?;
        self.ruecknahme_verbuchen(akteur, &a, grund, "").await
    }

    pub(crate) async fn ruecknahme_verbuchen(
        &self,
        akteur: &Akteur,
        a: &Antrag,
        grund: &str,
        herkunft: &str,
    ) -> Ergebnis<()> {
        let grund = grund.trim();
        if grund.chars().count() > MAX_RUECKNAHMEGRUND {
            return Err(Fehler::ungueltig(format!(
                "Der Grund ist zu lang (höchstens {MAX_RUECKNAHMEGRUND} Zeichen)."
            )));
        }
        let offene_anfragen = self
            .db
            .beteiligungen(a.id)
            .await?
            .into_iter()
            .filter(|b| b.zustand.ist_offen())
            .count();
        let now = now_millis();
        let zusatz = if grund.is_empty() {
            String::new()
        } else {
            format!(". Grund: {grund}")
        };
        let text = format!("Antrag zurückgezogen{herkunft}{zusatz}");
        let mut tx = self.db.begin().await?;
        self.wechsle(
            &mut tx,
            a,
            Wechsel {
                ereignis: Ereignis::Zurueckziehen,
                akteur: Some(akteur),
                text: &text,
                mail: Some((
                    "Rücknahme des Antrags bestätigt",
                    "Die Bauaufsicht hat die Rücknahme Ihres Antrags erhalten. Der Antrag wird nicht weiter bearbeitet.",
                )),
                frist: None,
            },
            now,
        )
        .await?;
        for art in FristArt::ALL {
            Db::erledige_fristen(&mut tx, a.id, art, now).await?;
        }
        let offen = if offene_anfragen > 0 {
            format!(
                " {offene_anfragen} Anfrage(n) an Stellen sind noch offen: Bitte ziehen Sie sie zurück."
            )
        } else {
            String::new()
        };
        self.benachrichtige(
            &mut tx,
            a,
            &[An::Bauaufsicht],
            Mitteilung {
                titel: "Antrag zurückgezogen",
                text: &format!(
                    "Die Antragstellerseite hat den Antrag zurückgezogen{zusatz}.{offen}"
                ),
                status: Some(statuszeile(Zustand::Zurueckgezogen)),
                frist: None,
                pfad: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner answers a Nachforderung: once every document is checked, the current set
    /// becomes the next Fassung, the Nachforderung deadline is done, and both sides are told.
    pub async fn nachreichen(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<Fassung> {
        let a = self.eigener_vorgang(akteur, vorgang_id).await?;
        if a.zustand != Zustand::Nachforderung {
            return Err(Fehler::konflikt(
                "Es sind keine Unterlagen nachgefordert; eine Nachreichung ist jetzt nicht möglich.",
            ));
        }
        self.niveau_genuegt(akteur, a.tenant_id).await?;
        self.nachreichung_verbuchen(akteur, &a, "").await
    }

    /// The Nachreichung once its sender may make it: every document checked, the
    /// Freizeichnungen in order, then the next Fassung. The browser's
    /// [`Verfahren::nachreichen`] and a portal's changed application (XBau `0202`) end here.
    pub(crate) async fn nachreichung_verbuchen(
        &self,
        akteur: &Akteur,
        a: &Antrag,
        herkunft: &str,
    ) -> Ergebnis<Fassung> {
        let a = a.clone();
        let docs = self.hochgeladene(a.id).await?;
        if let Some(d) = docs.iter().find(|d| !d.verarbeitet) {
            return Err(Fehler::ungueltig(format!(
                "„{}“ wird noch geprüft. Bitte warten Sie, bis die Prüfung abgeschlossen ist.",
                d.bezeichnung
            )));
        }
        let stand = self.freizeichnungen(&a).await?;
        let hindernisse: Vec<String> = stand.iter().filter_map(|f| f.hindernis()).collect();
        if !hindernisse.is_empty() {
            return Err(Fehler::konflikt(format!(
                "Die Unterlagen können noch nicht nachgereicht werden: {}",
                hindernisse.join(" ")
            )));
        }
        // What changed without needing a new Freizeichnung is shown to the Bauherrschaft.
        let ohne_freizeichnung = match stand.iter().find_map(|f| f.gezeichnet.as_ref()) {
            Some(g) => {
                let jetzt = self.freizeichnungsinhalt(&a).await?;
                let ae = plankammer_domain::freizeichnung::aenderungen(g, &jetzt);
                if ae.is_empty() {
                    String::new()
                } else {
                    format!(
                        " Ohne neue Freizeichnung der Bauherrschaft (Nachweise und Ergänzungen): {}.",
                        plankammer_domain::freizeichnung::beschreibe(&ae)
                    )
                }
            }
            None => String::new(),
        };
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let fassung = Db::friere_fassung(&mut tx, a.id, akteur.user_id, now).await?;
        self.frozen_set_is_signed(&mut tx, &a).await?;
        let text = format!(
            "Unterlagen nachgereicht (Fassung {}){}{herkunft}",
            fassung.nummer,
            niveau_zusatz(akteur)
        );
        self.wechsle(
            &mut tx,
            &a,
            Wechsel {
                ereignis: Ereignis::Nachreichen,
                akteur: Some(akteur),
                text: &text,
                mail: Some((
                    "Nachreichung eingegangen",
                    &format!("Die nachgereichten Unterlagen sind als Fassung {} gespeichert. Die Bauaufsicht setzt die Prüfung fort.{ohne_freizeichnung}", fassung.nummer),
                )),
                frist: None,
            },
            now,
        )
        .await?;
        Db::erledige_fristen(&mut tx, a.id, FristArt::Nachforderung, now).await?;
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Bauaufsicht],
            Mitteilung {
                titel: "Unterlagen nachgereicht",
                text: &format!("Die Antragstellerseite hat Unterlagen nachgereicht (Fassung {}). Bitte setzen Sie die formelle Prüfung fort.", fassung.nummer),
                status: Some(statuszeile(Zustand::Nachgereicht)),
                frist: None,
                pfad: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(fassung)
    }

    // --- Documents of the current set ------------------------------------------------------

    /// Whether this person may change the case's documents now: the role rule, and the
    /// state — documents change only in a draft or while a Nachforderung runs; otherwise the
    /// set would change outside a Fassung, behind the back of the formelle Prüfung.
    pub fn darf_unterlagen_aendern(akteur: &Akteur, a: &Antrag) -> bool {
        Self::darf_unterlagen_bearbeiten(akteur, a) && a.zustand.unterlagen_aenderbar()
    }

    /// The case whose documents this person may change now: 404 / 403 by the access rule,
    /// 409 when the state does not allow it.
    pub async fn vorgang_fuer_aenderung(&self, akteur: &Akteur, id: i64) -> Ergebnis<Antrag> {
        let a = self.vorgang_fuer_unterlagen(akteur, id).await?;
        if !a.zustand.unterlagen_aenderbar() {
            return Err(Fehler::konflikt(
                "Unterlagen können nur im Entwurf oder während einer Nachforderung geändert werden.",
            ));
        }
        Ok(a)
    }

    /// The owner (or the Bauaufsicht, who may add documents too) removes a document from
    /// the current set, while the documents may change (a draft, a Nachforderung). Nothing is
    /// deleted: a Fassung that holds the document keeps it and its bytes, as submitted; the
    /// current set, the checklist and the next Fassung no longer have it. With its audit and
    /// timeline entries, in one transaction.
    pub async fn dokument_entfernen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        dokument_id: i64,
    ) -> Ergebnis<()> {
        let a = self.vorgang_fuer_aenderung(akteur, vorgang_id).await?;
        let d = self
            .db
            .dokumente(a.id)
            .await?
            .into_iter()
            .find(|d| d.id == dokument_id)
            .ok_or(Fehler::NichtGefunden)?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if Db::entferne_dokument(&mut tx, d.id, now).await? {
            self.eintrag(
                &mut tx,
                a.id,
                Some(akteur),
                Eintragsart::DokumentEntfernt,
                &format!("Unterlage „{}“ entfernt", d.bezeichnung),
                now,
            )
            .await?;
            Db::audit(
                &mut tx,
                AuditEvent {
                    tenant_id: Some(a.tenant_id),
                    actor_user_id: Some(akteur.user_id),
                    action: "dokument.entfernen",
                    object_type: "dokument",
                    object_id: Some(d.id.to_string()),
                    detail: serde_json::json!({
                        "vorgang_id": a.id,
                        "bezeichnung": d.bezeichnung,
                        "versionen": d.versionen.iter().map(|v| v.id).collect::<Vec<_>>(),
                    }),
                },
                now,
            )
            .await?;
            self.freizeichnung_nach_aenderung(&mut tx, a.id, Some(akteur), now)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The uploader confirms the pipeline's suggested Anlageart (or picks another): the same
    /// rule as for uploads (owner or Bauaufsicht, only while the documents may change).
    pub async fn anlageart_setzen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        dokument_id: i64,
        code: &str,
    ) -> Ergebnis<()> {
        self.anlagearten_setzen(akteur, vorgang_id, &[(dokument_id, code.to_string())])
            .await
            .map(|_| ())
    }

    /// Sets the Anlageart of several documents of the current set at once (the typing form
    /// of the case page): every code must be one of `anlagen_3.0` and every document one of
    /// the case's current set (else "ungültig"), or nothing changes. Each change is
    /// audited. Returns how many documents got a type.
    pub async fn anlagearten_setzen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        arten: &[(i64, String)],
    ) -> Ergebnis<usize> {
        let a = self.vorgang_fuer_aenderung(akteur, vorgang_id).await?;
        let mut geprueft = Vec::with_capacity(arten.len());
        for (dokument_id, code) in arten {
            let art = Anlageart::parse(code).map_err(|_| {
                Fehler::ungueltig("Diese Anlageart gibt es in der XBau-Liste anlagen_3.0 nicht.")
            })?;
            geprueft.push((*dokument_id, art));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        for (dokument_id, art) in &geprueft {
            if !Db::setze_anlageart_in(&mut tx, a.id, *dokument_id, art).await? {
                // The case exists and may be changed; the list names something else.
                return Err(Fehler::ungueltig(
                    "Eine der Unterlagen gehört nicht zum aktuellen Stand dieses Vorgangs.",
                ));
            }
            Db::audit(
                &mut tx,
                AuditEvent {
                    tenant_id: Some(a.tenant_id),
                    actor_user_id: Some(akteur.user_id),
                    action: "dokument.anlageart",
                    object_type: "dokument",
                    object_id: Some(dokument_id.to_string()),
                    detail: serde_json::json!({ "vorgang_id": a.id, "anlageart": art.code() }),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(geprueft.len())
    }

    /// Runs the failed pipeline stages of a version again (a Bauvorlage of a case the person
    /// sees; a Stelle's attachment is not the case page's to run again).
    pub async fn erneut_pruefen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        version_id: i64,
    ) -> Ergebnis<usize> {
        // Re-running the pipeline is work on the documents: the owner's or the Bauaufsicht's,
        // not a Bauherr's or the administration's (who see the case but do not act on it).
        let a = self.vorgang_fuer_unterlagen(akteur, vorgang_id).await?;
        let ver = self.db.version(version_id).await?;
        if ver.vorgang_id != a.id || self.db.anlage_beteiligung(ver.dokument_id).await?.is_some() {
            return Err(Fehler::NichtGefunden);
        }
        Ok(self.db.retry_failed_stufen(ver.id, now_millis()).await?)
    }
}

impl Verfahren {
    /// Inside the transaction that freezes a Fassung: every Freizeichnung still covers the
    /// set as it is now (a change that slipped in after the checks refuses the step).
    async fn frozen_set_is_signed(
        &self,
        tx: &mut plankammer_storage::Tx,
        a: &Antrag,
    ) -> Ergebnis<()> {
        let Some(p) = freizeichnung::phase(a.zustand) else {
            return Ok(());
        };
        let aktuell = Db::antrag_in(tx, a.id).await?;
        let jetzt = self.freizeichnungsinhalt_in(tx, &aktuell).await?;
        for b in Db::beteiligte_in(tx, a.id).await? {
            let f = freizeichnung::bewerte(&b, &jetzt, Some(p));
            if let Some(h) = f.hindernis() {
                return Err(Fehler::konflikt(h));
            }
        }
        Ok(())
    }
}

/// Keeps the architect's Kammer and Mitgliedsnummer in the profile for the next case.
async fn merke_profil(
    tx: &mut plankammer_storage::Tx,
    akteur: &Akteur,
    mut profil: serde_json::Value,
    angaben: &Angaben,
) -> Ergebnis<()> {
    if !profil.is_object() {
        profil = serde_json::json!({});
    }
    let ev = &angaben.entwurfsverfasser;
    let bisher = |k: &str| profil[k].as_str().unwrap_or_default().to_string();
    if bisher("kammer") != ev.kammer || bisher("mitgliedsnummer") != ev.mitgliedsnummer {
        profil["kammer"] = serde_json::json!(ev.kammer);
        profil["mitgliedsnummer"] = serde_json::json!(ev.mitgliedsnummer);
        Db::setze_profil(tx, akteur.user_id, &profil).await?;
    }
    Ok(())
}

impl Verfahren {
    /// The cases this person works on, newest first, one page (keyset: ids below
    /// `vor_id`): an applicant's own and those they take part in; for the Bauaufsicht and
    /// the administration the tenant's submitted cases (the inbox). A Stelle reaches cases
    /// only through its requests.
    pub async fn vorgaenge(
        &self,
        akteur: &Akteur,
        vor_id: Option<i64>,
        limit: i64,
    ) -> Ergebnis<Vec<Antrag>> {
        match akteur.role {
            Role::Antragsteller => Ok(self
                .db
                .vorgaenge_des_antragstellers(akteur.tenant_id, akteur.user_id, vor_id, limit)
                .await?),
            Role::Bauaufsicht | Role::Admin => {
                let filter = plankammer_storage::antrag::EingangsFilter {
                    vor_id,
                    limit,
                    ..Default::default()
                };
                self.eingang(akteur, &filter).await
            }
            Role::Fachstelle => Err(Fehler::KeineBerechtigung),
        }
    }

    /// The timeline of a case as this person may read it: the applicants without the
    /// entries that concern only the authorities.
    pub async fn zeitleiste(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<Vec<plankammer_storage::antrag::Ereignis>> {
        let a = self.vorgang(akteur, vorgang_id).await?;
        let fuer_antragsteller = akteur.role == Role::Antragsteller;
        Ok(self
            .db
            .ereignisse(a.id)
            .await?
            .into_iter()
            .filter(|e| !fuer_antragsteller || e.art.fuer_antragsteller())
            .collect())
    }
}

/// „ (Anmeldung mit Vertrauensniveau „substantiell“)“ for the timeline, when the sign-in
/// reported a level.
fn niveau_zusatz(akteur: &Akteur) -> String {
    match akteur.niveau {
        Some(n) => format!(" (Anmeldung mit Vertrauensniveau „{}“)", n.bezeichnung()),
        None => String::new(),
    }
}
