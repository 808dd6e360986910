//! Mails about a case: who gets them and what they say, queued in the step's transaction
//! so a change never happens without its mails (and no mail without its change).

use crate::Verfahren;
use crate::fehler::Ergebnis;
use plankammer_storage::antrag::Antrag;
use plankammer_storage::mitteilung::{Empfaenger, Fallmitteilung};
use plankammer_storage::{Db, Millis, Tx};

/// Who a mail about a case goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum An {
    /// The applicant side: the owner and the Bauherrschaft that accepted.
    Antragsteller,
    /// The tenant's case workers.
    Bauaufsicht,
    /// The members of a Stelle.
    Stelle(i64),
    /// One person (while the account is active), e.g. a newly assigned Sachbearbeiter.
    Person(i64),
}

/// A mail about a case.
pub(crate) struct Mitteilung<'a> {
    pub titel: &'a str,
    pub text: &'a str,
    /// The status in words ("Unterlagen nachgefordert"); never its portal code.
    pub status: Option<String>,
    /// A deadline to show ("03.04.2026").
    pub frist: Option<&'a str>,
    /// The page the recipient acts on (`/beteiligungen/7`); `None`: the case page.
    pub pfad: Option<&'a str>,
}

impl Verfahren {
    /// The people behind `an`, read through the transaction.
    pub(crate) async fn empfaenger(&self, tx: &mut Tx, a: &Antrag, an: An) -> Ergebnis<Empfaenger> {
        Ok(match an {
            An::Antragsteller => Db::antragsteller_empfaenger(tx, a.owner_user_id, a.id).await?,
            An::Bauaufsicht => Db::bauaufsicht_empfaenger(tx, a.tenant_id, a.id).await?,
            An::Stelle(id) => Db::stellen_empfaenger(tx, id).await?,
            An::Person(id) => Db::person_empfaenger(tx, id).await?,
        })
    }

    /// Queues one mail per person of every group in `an` (someone in two groups gets one).
    pub(crate) async fn benachrichtige(
        &self,
        tx: &mut Tx,
        a: &Antrag,
        an: &[An],
        m: Mitteilung<'_>,
        now: Millis,
    ) -> Ergebnis<()> {
        let mut empfaenger = Empfaenger::new();
        for &gruppe in an {
            empfaenger.extend(self.empfaenger(tx, a, gruppe).await?);
        }
        let url = match m.pfad {
            Some(p) => self.url(p),
            None => self.url(&format!("/vorgaenge/{}", a.id)),
        };
        let aktenzeichen = a.aktenzeichen.as_ref().map(|az| az.as_str());
        Db::queue_fallmitteilung(
            tx,
            empfaenger,
            &Fallmitteilung {
                tenant_id: a.tenant_id,
                vorhaben: &a.bezeichnung,
                aktenzeichen,
                titel: m.titel,
                text: m.text,
                status: m.status.as_deref(),
                frist: m.frist,
                vorgang_url: &url,
            },
            &self.cfg.mail_domain,
            now,
        )
        .await?;
        Ok(())
    }
}
