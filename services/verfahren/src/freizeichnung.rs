//! Whether the Bauherrschaft's Freizeichnung still covers the case: what was signed (the
//! Angaben's digest and the exact document versions) compared with the case now, under the
//! rule of `docs/decisions/0006-freizeichnung.md` (domain `freizeichnung`). The checklist,
//! submission, Nachreichung, the pages and the API all ask [`Verfahren::freizeichnungen`];
//! every step that changes Angaben or documents calls
//! [`Verfahren::freizeichnung_nach_aenderung`] in its transaction, which marks a Freizeichnung
//! invalid once and tells the applicant side.

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::fehler::Ergebnis;
use crate::mitteilung::{An, Mitteilung};
use plankammer_domain::freizeichnung::{
    Aenderung, Freizeichnungsinhalt, Phase, angaben_text, beschreibe, entwertende_aenderungen,
};
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::zeitleiste::Eintragsart;
use plankammer_storage::antrag::{Antrag, Beteiligter};
use plankammer_storage::{Db, Millis, Tx, sha256_hex};
use serde::Serialize;

/// Where a person of the Bauherrschaft stands with the Freizeichnung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreizeichnungsZustand {
    /// Invited, not accepted yet.
    NichtAngenommen,
    /// Accepted, not signed yet.
    Offen,
    /// Signed, and it covers the case as it is.
    Gueltig,
    /// Signed, but the case changed since; must be signed again.
    Ungueltig,
}

/// The Freizeichnung of one person of the Bauherrschaft.
#[derive(Debug, Clone, Serialize)]
pub struct Freizeichnungsstand {
    pub beteiligter_id: i64,
    pub name: String,
    pub email: String,
    pub user_id: Option<i64>,
    pub zustand: FreizeichnungsZustand,
    /// When the last Freizeichnung was given.
    pub freigezeichnet_at: Option<Millis>,
    /// SHA-256 of what it covers (Angaben digest and document versions).
    pub sha256: Option<String>,
    /// What it covers.
    pub gezeichnet: Option<Freizeichnungsinhalt>,
    /// What changed since, as far as it invalidates the Freizeichnung.
    pub aenderungen: Vec<Aenderung>,
}

impl Freizeichnungsstand {
    /// The blocking item of the checklist for an invalid Freizeichnung.
    pub fn hindernis(&self) -> Option<String> {
        (self.zustand == FreizeichnungsZustand::Ungueltig).then(|| {
            let was = if self.aenderungen.is_empty() {
                "der Antrag wurde nach der Freizeichnung geändert".to_string()
            } else {
                beschreibe(&self.aenderungen)
            };
            format!(
                "Die Bauherrschaft ({}) muss den geänderten Antrag erneut freizeichnen: {was}.",
                self.name
            )
        })
    }
}

/// When a Freizeichnung is compared with the case: in a draft and in a Nachreichung; in
/// every other state the documents cannot change and the record stands as it is.
pub fn phase(z: Zustand) -> Option<Phase> {
    match z {
        Zustand::Entwurf => Some(Phase::Entwurf),
        Zustand::Nachforderung => Some(Phase::Nachreichung),
        _ => None,
    }
}

/// The one comparison: the Freizeichnung of `b` against the case `jetzt` in `phase`.
pub fn bewerte(
    b: &Beteiligter,
    jetzt: &Freizeichnungsinhalt,
    phase: Option<Phase>,
) -> Freizeichnungsstand {
    let mut aenderungen = Vec::new();
    let zustand = if b.angenommen_at.is_none() {
        FreizeichnungsZustand::NichtAngenommen
    } else if b.freigezeichnet_at.is_none() {
        FreizeichnungsZustand::Offen
    } else {
        match &b.freizeichnung {
            // Signed before the Freizeichnung recorded its content: it binds to nothing.
            None => FreizeichnungsZustand::Ungueltig,
            Some(g) => {
                if let Some(p) = phase {
                    aenderungen = entwertende_aenderungen(g, jetzt, p);
                }
                if b.freizeichnung_ungueltig_at.is_some() || !aenderungen.is_empty() {
                    FreizeichnungsZustand::Ungueltig
                } else {
                    FreizeichnungsZustand::Gueltig
                }
            }
        }
    };
    Freizeichnungsstand {
        beteiligter_id: b.id,
        name: b.name.clone(),
        email: b.email.clone(),
        user_id: b.user_id,
        zustand,
        freigezeichnet_at: b.freigezeichnet_at,
        sha256: b.freizeichnung_sha256.clone(),
        gezeichnet: b.freizeichnung.clone(),
        aenderungen,
    }
}

/// The SHA-256 of a Freizeichnung's binding part.
pub fn sha256(inhalt: &Freizeichnungsinhalt) -> String {
    sha256_hex(&inhalt.kern())
}

fn angaben_sha256(a: &Antrag) -> String {
    sha256_hex(&angaben_text(
        &a.bezeichnung,
        a.verfahren,
        a.angaben.as_ref(),
    ))
}

impl Verfahren {
    /// What a Freizeichnung of the case would cover now.
    pub async fn freizeichnungsinhalt(&self, a: &Antrag) -> Ergebnis<Freizeichnungsinhalt> {
        let unterlagen = self.db.unterlagenstand(a.id).await?;
        Ok(Freizeichnungsinhalt::neu(angaben_sha256(a), unterlagen))
    }

    /// [`Verfahren::freizeichnungsinhalt`] read through the step's transaction.
    pub(crate) async fn freizeichnungsinhalt_in(
        &self,
        tx: &mut Tx,
        a: &Antrag,
    ) -> Ergebnis<Freizeichnungsinhalt> {
        let unterlagen = Db::unterlagenstand_in(tx, a.id).await?;
        Ok(Freizeichnungsinhalt::neu(angaben_sha256(a), unterlagen))
    }

    /// The Freizeichnung of every invited person of the Bauherrschaft (after the access
    /// decision of the caller).
    pub async fn freizeichnungen(&self, a: &Antrag) -> Ergebnis<Vec<Freizeichnungsstand>> {
        let beteiligte = self.db.beteiligte(a.id).await?;
        if beteiligte.is_empty() {
            return Ok(Vec::new());
        }
        let jetzt = self.freizeichnungsinhalt(a).await?;
        let p = phase(a.zustand);
        Ok(beteiligte.iter().map(|b| bewerte(b, &jetzt, p)).collect())
    }

    /// After a change of Angaben or documents, in the changing step's transaction: every
    /// Freizeichnung the change invalidates is marked invalid (once), with a timeline entry,
    /// and the applicant side (the owner and the Bauherrschaft) gets one mail asking for a
    /// new Freizeichnung.
    pub(crate) async fn freizeichnung_nach_aenderung(
        &self,
        tx: &mut Tx,
        vorgang_id: i64,
        akteur: Option<&Akteur>,
        now: Millis,
    ) -> Ergebnis<()> {
        let a = Db::antrag_in(tx, vorgang_id).await?;
        let Some(p) = phase(a.zustand) else {
            return Ok(());
        };
        let beteiligte = Db::beteiligte_in(tx, a.id).await?;
        if !beteiligte.iter().any(|b| b.freizeichnung_sha256.is_some()) {
            return Ok(());
        }
        let jetzt = self.freizeichnungsinhalt_in(tx, &a).await?;
        let mut entwertet: Vec<(String, Vec<Aenderung>)> = Vec::new();
        for b in &beteiligte {
            let (Some(g), Some(sha)) = (&b.freizeichnung, &b.freizeichnung_sha256) else {
                continue;
            };
            if b.freizeichnung_ungueltig_at.is_some() {
                continue;
            }
            let ae = entwertende_aenderungen(g, &jetzt, p);
            if ae.is_empty() || !Db::entwerte_freizeichnung(tx, b.id, sha, now).await? {
                continue;
            }
            let text = format!(
                "Freizeichnung der Bauherrschaft {} nicht mehr gültig: {}",
                b.name,
                beschreibe(&ae)
            );
            self.eintrag(
                tx,
                a.id,
                akteur,
                Eintragsart::FreizeichnungUngueltig,
                &text,
                now,
            )
            .await?;
            entwertet.push((b.name.clone(), ae));
        }
        if entwertet.is_empty() {
            return Ok(());
        }
        let namen = entwertet
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let was = beschreibe(&entwertet[0].1);
        let bevor = match p {
            Phase::Entwurf => "bevor er eingereicht werden kann",
            Phase::Nachreichung => "bevor die Unterlagen nachgereicht werden können",
        };
        self.benachrichtige(
            tx,
            &a,
            &[An::Antragsteller],
            Mitteilung {
                titel: "Erneute Freizeichnung nötig",
                text: &format!(
                    "Der Antrag wurde nach der Freizeichnung geändert: {was}. Die Bauherrschaft ({namen}) muss den geänderten Antrag erneut freizeichnen, {bevor}."
                ),
                status: None,
                frist: None,
                pfad: None,
            },
            now,
        )
        .await?;
        Ok(())
    }
}
