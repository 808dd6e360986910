//! The one way a case moves: check the transition against the domain's state machine (and
//! the actor's role), change the stored state (compare-and-set), write the timeline entry
//! and queue the mails — in the step's transaction, so a case never changes without its
//! timeline entry and its mails, and never twice. Every step that moves a case, by a person
//! or by the clock (`akteur: None`), goes through [`Verfahren::wechsle`].

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use crate::mitteilung::{An, Mitteilung};
use plankammer_domain::vorgang::{Ereignis, Zustand, darf_ausloesen, uebergang_im_verfahren};
use plankammer_storage::antrag::{Antrag, NeuesEreignis};
use plankammer_storage::{Db, Konflikt, Millis, StoreError, Tx};

/// The status of a state in a procedure as people read it: "Unterlagen nachgefordert".
/// The `statusbauportal_3.0` code (17) is for machines — XBau messages and `/api/v1`'s
/// `status_code` — and never stands in a sentence for people.
pub fn statuszeile(z: Zustand) -> String {
    z.bezeichnung().to_string()
}

/// A state change to make.
pub(crate) struct Wechsel<'a> {
    pub ereignis: Ereignis,
    /// `None`: the system (a deadline).
    pub akteur: Option<&'a Akteur>,
    /// The timeline text (German, no personal data beyond what the case shows anyway).
    pub text: &'a str,
    /// Title and body of the mail to the applicants; `None` sends none.
    pub mail: Option<(&'a str, &'a str)>,
    pub frist: Option<&'a str>,
}

impl Verfahren {
    /// Applies a state change to `a` (as read before the transaction) in the step's
    /// transaction and returns the new state. `Konflikt` when the state machine refuses it
    /// or someone else moved the case first.
    pub(crate) async fn wechsle(
        &self,
        tx: &mut Tx,
        a: &Antrag,
        w: Wechsel<'_>,
        now: Millis,
    ) -> Ergebnis<Zustand> {
        if let Some(akteur) = w.akteur
            && !darf_ausloesen(akteur.role, w.ereignis)
        {
            return Err(Fehler::KeineBerechtigung);
        }
        let verfahren = a
            .verfahren
            .ok_or_else(|| Fehler::ungueltig("Bitte wählen Sie zuerst die Verfahrensart."))?;
        let nach = uebergang_im_verfahren(verfahren, a.zustand, w.ereignis)?;
        Db::wechsle_zustand(tx, a.id, a.zustand, nach, now)
            .await
            .map_err(|e| match e {
                StoreError::Konflikt(Konflikt::ZustandGeaendert) => Fehler::konflikt(
                    "Der Vorgang wurde inzwischen von jemand anderem geändert. Bitte laden Sie die Seite neu.",
                ),
                e => e.into(),
            })?;
        let code = nach.statusbauportal_code_im(verfahren);
        Db::ereignis(
            tx,
            &NeuesEreignis {
                vorgang_id: a.id,
                user_id: w.akteur.map(|x| x.user_id),
                art: w.ereignis.into(),
                zustand: Some(nach),
                status_code: code,
                text: w.text,
            },
            now,
        )
        .await?;
        if let Some((titel, text)) = w.mail {
            self.benachrichtige(
                tx,
                a,
                &[An::Antragsteller],
                Mitteilung {
                    titel,
                    text,
                    status: Some(statuszeile(nach)),
                    frist: w.frist,
                    pfad: None,
                },
                now,
            )
            .await?;
        }
        Ok(nach)
    }

    /// A timeline entry that is no state change, in the step's transaction.
    pub(crate) async fn eintrag(
        &self,
        tx: &mut Tx,
        vorgang_id: i64,
        akteur: Option<&Akteur>,
        art: plankammer_domain::zeitleiste::Eintragsart,
        text: &str,
        now: Millis,
    ) -> Ergebnis<()> {
        Db::ereignis(
            tx,
            &NeuesEreignis {
                vorgang_id,
                user_id: akteur.map(|a| a.user_id),
                art,
                zustand: None,
                status_code: None,
                text,
            },
            now,
        )
        .await?;
        Ok(())
    }
}
