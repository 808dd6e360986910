//! What the clock does. The worker jobs `beteiligung.fristen` and `fristen.pruefen` (hourly)
//! call these steps; each effect happens exactly once however often and from however many
//! workers they run (every effect is a compare-and-set, in one transaction with its timeline
//! entry and its mails). The clock acts as the system: no person, `akteur: None`.
//!
//! 1. Deemed consent: an open request to a Stelle whose last day has passed gets its
//!    Schweigefolge (Zustimmung per § 70 Abs. 1 HBO, Einvernehmen per § 36 Abs. 2 BauGB),
//!    with a timeline entry and mails to the Bauaufsicht and the Stelle; when it was the
//!    case's last open request, the Beteiligung closes (09).
//! 2. Reminders: an open request gets the configured reminders
//!    ([`crate::Einstellungen::erinnerungen`], 7 and 1 days before the end by default), one
//!    mail to the Stelle's members per due reminder day, never twice.
//! 3. The sweep: a case still in the Beteiligung (08) with requests, none open any more, is
//!    closed (09). Every path that answers a request closes the case in the same
//!    transaction; this catches any case that slipped through anyway.
//! 4. Genehmigungsfiktion (§ 65 Abs. 2 HBO): in the vereinfachtes Verfahren, a passed
//!    decision deadline of an undecided case makes the permit count as granted (58), through
//!    the domain's transition rule, with mails to the applicants and the Bauaufsicht. The
//!    deadline of a case that moved on (decided, withdrawn …) is closed instead; one whose
//!    Bescheid is being issued is left running for the next run.
//! 5. A passed Nachforderung deadline becomes due (`laeuft → faellig`) with a mail to the
//!    case workers; the Rücknahmefiktion itself needs a case worker's confirmation
//!    ([`Verfahren::ruecknahmefiktion_feststellen`]).

use crate::ablauf::Wechsel;
use crate::beteiligung::{fehler_der_domain, stand, tag_in_berlin};
use crate::fehler::Ergebnis;
use crate::mitteilung::{An, Mitteilung};
use crate::{Verfahren, statuszeile};
use chrono::NaiveDate;
use plankammer_domain::beteiligung::{
    Ausloeser, BeteiligungsEreignis, Schweigefolge, faellige_erinnerungen, uebergang,
};
use plankammer_domain::frist::{self, FristArt, FristZustand};
use plankammer_domain::vorgang::{Ereignis, Zustand, uebergang_im_verfahren};
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::antrag::{Antrag, Frist};
use plankammer_storage::beteiligung::Beteiligung;
use plankammer_storage::{Db, Millis};
use serde::Serialize;
use tracing::info;

/// Requests or deadlines looked at per run and kind; the rest come with the next run.
pub const JE_LAUF: i64 = 100;

/// What one run of [`Verfahren::beteiligungsfristen_pruefen`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Lauf {
    /// Requests whose deemed consent (or plain expiry) this run recorded.
    pub fiktionen: usize,
    /// Reminder mails this run sent (one per request and run at most).
    pub erinnerungen: usize,
    /// Cases still in the Beteiligung without an open request that this run closed.
    pub abschluesse: usize,
    /// Cases whose Genehmigungsfiktion this run recorded.
    pub genehmigungsfiktionen: usize,
}

impl Verfahren {
    /// The Beteiligung's clock, for the day `heute` (Berlin) at `now`: deemed consents,
    /// reminders, closing forgotten Beteiligungen, Genehmigungsfiktionen. Idempotent.
    pub async fn beteiligungsfristen_pruefen(
        &self,
        heute: NaiveDate,
        now: Millis,
    ) -> Ergebnis<Lauf> {
        Ok(Lauf {
            fiktionen: self.zustimmungen_fingieren(heute, now).await?,
            erinnerungen: self.erinnern(heute, now).await?,
            abschluesse: self.erledigte_beteiligungen_schliessen(now).await?,
            genehmigungsfiktionen: self.genehmigungsfiktionen(heute, now).await?,
        })
    }

    // --- 1. Deemed consent -------------------------------------------------------------------

    /// Every open request whose last day is before `heute`; how many this call recorded.
    pub async fn zustimmungen_fingieren(&self, heute: NaiveDate, now: Millis) -> Ergebnis<usize> {
        let mut n = 0;
        for b in self.db.abgelaufene_beteiligungen(heute, JE_LAUF).await? {
            if self.zustimmung_fingieren(&b, heute, now).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The deemed consent of one request, exactly once, in one transaction: the
    /// compare-and-set, the timeline entry, the mails, and closing the Beteiligung when it
    /// was the case's last open request. False when another run was first, the Stelle
    /// answered meanwhile, or the deadline still runs.
    pub async fn zustimmung_fingieren(
        &self,
        b: &Beteiligung,
        heute: NaiveDate,
        now: Millis,
    ) -> Ergebnis<bool> {
        // The domain's state machine: only from an open state, only after the end.
        let neu = match uebergang(
            &stand(b),
            &BeteiligungsEreignis::FristAblaufen { am: heute },
            Ausloeser::System,
        ) {
            Ok(neu) => neu,
            Err(plankammer_domain::beteiligung::BeteiligungsFehler::Unzulaessig { .. })
            | Err(plankammer_domain::beteiligung::BeteiligungsFehler::Angabe(_)) => {
                return Ok(false);
            }
            Err(e) => return Err(fehler_der_domain(e)),
        };
        let a = self.db.antrag(b.vorgang_id).await?;
        let mut tx = self.db.begin().await?;
        // The case row first: a Stellungnahme or a withdrawal of another request of the case
        // committing at the same time is then either seen by the count of the close or waits
        // for this transaction and sees the fiction (so one of the two closes the Beteiligung).
        let gesperrt = self.sperre(&mut tx, a.id).await?;
        if !Db::trage_fiktion_ein(&mut tx, b.id, neu.zustand, heute, now).await? {
            // Another worker was first, or the Stelle answered in the meantime.
            return Ok(false);
        }
        let ende = frist::datum_de(b.ende);
        let (art, folge, titel) = match b.schweigefolge {
            Schweigefolge::ZustimmungFingiert => (
                Eintragsart::ZustimmungFingiert,
                "Zustimmung gilt als erteilt",
                "Zustimmung gilt als erteilt",
            ),
            Schweigefolge::EinvernehmenFingiert => (
                Eintragsart::EinvernehmenFingiert,
                "Einvernehmen gilt als erteilt",
                "Einvernehmen gilt als erteilt",
            ),
            Schweigefolge::Keine => (
                Eintragsart::BeteiligungsfristAbgelaufen,
                "eine Rechtsfolge des Schweigens ist nicht vorgesehen",
                "Beteiligungsfrist abgelaufen",
            ),
        };
        let text = format!(
            "Frist der Stelle „{}“ am {ende} abgelaufen: {folge} ({}).",
            b.stelle_name, b.rechtsgrundlage
        );
        self.eintrag(&mut tx, a.id, None, art, &text, now).await?;
        let mailtext = format!(
            "{text}\nEine später eingehende Stellungnahme wird angenommen und als verspätet gekennzeichnet."
        );
        // Someone in both groups gets one mail.
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Bauaufsicht, An::Stelle(b.stelle_id)],
            Mitteilung {
                titel,
                text: &mailtext,
                status: None,
                frist: Some(&ende),
                pfad: None,
            },
            now,
        )
        .await?;
        self.beteiligung_schliessen_wenn_erledigt(&mut tx, &a, gesperrt, now)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    // --- 2. Reminders ------------------------------------------------------------------------

    /// The reminders due on `heute`; how many requests this call reminded.
    pub async fn erinnern(&self, heute: NaiveDate, now: Millis) -> Ergebnis<usize> {
        let tage_vorher = &self.cfg.erinnerungen;
        let weiteste = tage_vorher.iter().copied().max().unwrap_or(0);
        let bis = heute + chrono::Days::new(u64::from(weiteste));
        let mut n = 0;
        for b in self.db.offene_beteiligungen_bis(heute, bis).await? {
            let Some(angefragt_am) = tag_in_berlin(b.angefragt_at) else {
                continue;
            };
            let faellig =
                faellige_erinnerungen(angefragt_am, b.ende, heute, tage_vorher, &b.erinnerungen);
            if faellig.is_empty() {
                continue;
            }
            if self.erinnere_an(&b, &faellig, heute, now).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Records the due reminders of one request and, if this call recorded any, sends one
    /// mail to the Stelle's members.
    async fn erinnere_an(
        &self,
        b: &Beteiligung,
        faellig: &[u32],
        heute: NaiveDate,
        now: Millis,
    ) -> Ergebnis<bool> {
        let a = self.db.antrag(b.vorgang_id).await?;
        let mut tx = self.db.begin().await?;
        let mut vermerkt = false;
        for &tage in faellig {
            if Db::vermerke_erinnerung(&mut tx, b.id, tage).await? {
                vermerkt = true;
            }
        }
        if !vermerkt {
            // Another worker sent them.
            return Ok(false);
        }
        let ende = frist::datum_de(b.ende);
        let noch = match (b.ende - heute).num_days() {
            0 => "Die Frist endet heute.".to_string(),
            1 => "Die Frist endet morgen.".to_string(),
            d => format!("Die Frist endet in {d} Tagen."),
        };
        let titel = format!("Erinnerung: Stellungnahme bis {ende} fällig");
        let text = format!(
            "Die Stellungnahme der Stelle „{}“ ist bis zum {ende} fällig. {noch}\nGeht bis dahin keine Stellungnahme ein, tritt die Rechtsfolge des Fristablaufs ein.",
            b.stelle_name
        );
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Stelle(b.stelle_id)],
            Mitteilung {
                titel: &titel,
                text: &text,
                status: None,
                frist: Some(&ende),
                pfad: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    // --- 3. Closing forgotten Beteiligungen ----------------------------------------------------

    /// Closes each case in the Beteiligung without an open request exactly once: the case
    /// row is locked and state and open requests are read again through the transaction.
    pub async fn erledigte_beteiligungen_schliessen(&self, now: Millis) -> Ergebnis<usize> {
        let mut n = 0;
        for id in self.db.erledigte_beteiligungen(JE_LAUF).await? {
            let a = self.db.antrag(id).await?;
            let mut tx = self.db.begin().await?;
            let gesperrt = self.sperre(&mut tx, a.id).await?;
            if self
                .beteiligung_schliessen_wenn_erledigt(&mut tx, &a, gesperrt, now)
                .await?
            {
                tx.commit().await?;
                info!(vorgang_id = a.id, "beteiligung closed by the sweep");
                n += 1;
            }
        }
        Ok(n)
    }

    // --- 4. Genehmigungsfiktion ----------------------------------------------------------------

    /// Every passed decision deadline of the vereinfachtes Verfahren; how many fictions this
    /// call recorded.
    pub async fn genehmigungsfiktionen(&self, heute: NaiveDate, now: Millis) -> Ergebnis<usize> {
        let mut n = 0;
        for id in self
            .db
            .abgelaufene_entscheidungsfristen_vereinfacht(heute, JE_LAUF)
            .await?
        {
            if self.genehmigungsfiktion(id, now).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// One passed decision deadline, in one transaction: the Genehmigungsfiktion (status 58)
    /// through the domain's transition rule, exactly once.
    async fn genehmigungsfiktion(&self, frist_id: i64, now: Millis) -> Ergebnis<bool> {
        let f = self.db.frist(frist_id).await?;
        let a = self.db.antrag(f.vorgang_id).await?;
        let Some(verfahren) = a.verfahren else {
            return Ok(false);
        };
        let mut tx = self.db.begin().await?;
        // The state as of now, read through the transaction (with the case row locked).
        let zustand = self.sperre(&mut tx, a.id).await?.zustand();
        if uebergang_im_verfahren(verfahren, zustand, Ereignis::GenehmigungsfiktionEintreten)
            .is_err()
        {
            // Decided, withdrawn …: no fiction, the deadline is done.
            Db::wechsle_fristzustand(
                &mut tx,
                f.id,
                FristZustand::Laeuft,
                FristZustand::Erledigt,
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(false);
        }
        if Db::erlass_laeuft(&mut tx, a.id).await? {
            // The case worker decided before the deadline passed and the issuing job is
            // still at work: no fiction over a Bescheid being issued. The deadline keeps
            // running; once the Bescheid is issued the case has moved on and the next run
            // closes it.
            info!(
                vorgang_id = a.id,
                "genehmigungsfiktion deferred: bescheid being issued"
            );
            return Ok(false);
        }
        if !Db::wechsle_fristzustand(
            &mut tx,
            f.id,
            FristZustand::Laeuft,
            FristZustand::Ausgeloest,
            now,
        )
        .await?
        {
            // Another worker was first.
            return Ok(false);
        }
        let ende = frist::datum_de(f.ende);
        let text = format!(
            "Die Entscheidungsfrist ist am {ende} abgelaufen, ohne dass über den Antrag entschieden wurde. Die Genehmigung gilt als erteilt ({}).",
            if f.rechtsgrundlage.is_empty() {
                "§ 65 Abs. 2 HBO"
            } else {
                f.rechtsgrundlage.as_str()
            }
        );
        let a = Antrag { zustand, ..a };
        let nach = self
            .wechsle(
                &mut tx,
                &a,
                Wechsel {
                    ereignis: Ereignis::GenehmigungsfiktionEintreten,
                    akteur: None,
                    text: &text,
                    mail: None,
                    frist: None,
                },
                now,
            )
            .await?;
        // One mail to the applicants and the case workers (someone in both gets one).
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Antragsteller, An::Bauaufsicht],
            Mitteilung {
                titel: "Genehmigung gilt als erteilt",
                text: &text,
                status: Some(statuszeile(nach)),
                frist: Some(&ende),
                pfad: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    // --- 5. Nachforderung deadlines --------------------------------------------------------

    /// Marks every passed Nachforderung deadline as due; returns how many this call marked.
    /// Idempotent: a deadline already marked (by this or another worker) is skipped.
    pub async fn nachforderungsfristen_pruefen(
        &self,
        heute: NaiveDate,
        now: Millis,
    ) -> Ergebnis<usize> {
        let mut markiert = 0;
        for f in self
            .db
            .abgelaufene_fristen(FristArt::Nachforderung, heute, JE_LAUF)
            .await?
        {
            if self.nachforderungsfrist_faellig(&f, now).await? {
                markiert += 1;
            }
        }
        Ok(markiert)
    }

    /// One deadline, in one transaction: the state change, the timeline entry, the mails to
    /// the case workers.
    async fn nachforderungsfrist_faellig(&self, f: &Frist, now: Millis) -> Ergebnis<bool> {
        let a = self.db.antrag(f.vorgang_id).await?;
        let mut tx = self.db.begin().await?;
        if self.sperre(&mut tx, a.id).await?.zustand() != Zustand::Nachforderung {
            // The case moved on (answered, withdrawn …) without the deadline being closed:
            // nothing is due, the deadline is done.
            Db::wechsle_fristzustand(
                &mut tx,
                f.id,
                FristZustand::Laeuft,
                FristZustand::Erledigt,
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(false);
        }
        if !Db::wechsle_fristzustand(
            &mut tx,
            f.id,
            FristZustand::Laeuft,
            FristZustand::Faellig,
            now,
        )
        .await?
        {
            // Another worker was first.
            return Ok(false);
        }
        let ende = frist::datum_de(f.ende);
        let text = format!(
            "Die Frist zur Nachreichung der Unterlagen ist am {ende} abgelaufen, ohne dass Unterlagen nachgereicht wurden. Die Bauaufsicht entscheidet über die Rücknahmefiktion ({}) oder eine Verlängerung.",
            f.rechtsgrundlage
        );
        self.eintrag(
            &mut tx,
            a.id,
            None,
            Eintragsart::FristAbgelaufen,
            &text,
            now,
        )
        .await?;
        let mailtext = format!(
            "{text}\nBitte stellen Sie unter „Fristen“ die Rücknahmefiktion fest oder verlängern Sie die Frist: {}",
            self.url("/fristen")
        );
        self.benachrichtige(
            &mut tx,
            &a,
            &[An::Bauaufsicht],
            Mitteilung {
                titel: "Nachforderungsfrist abgelaufen",
                text: &mailtext,
                status: None,
                frist: Some(&ende),
                pfad: Some(&format!("/vorgaenge/{}/pruefung", a.id)),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
