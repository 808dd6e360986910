//! The life of a case (Vorgang): its states, the events that move it, and who may cause them.
//!
//! The states follow the flow of DESIGN.md and XBau: where the XBau code list
//! `statusbauportal_3.0` has a status for a state, [`Zustand::statusbauportal_code`] gives it
//! (the status the Bauaufsicht reports to the applicant's portal).
//!
//! ```text
//! Entwurf ──Einreichen──▶ Eingegangen (14) ──VollstaendigErklaeren──▶ Vollstaendig (18)
//!                           │    ▲  │                                    │
//!               Nachfordern │    │  └─Zurueckweisen──▶ Zurueckgewiesen (57)
//!                           ▼    │                                       │
//!                Nachforderung (17) ──RuecknahmefiktionEintreten──▶ Ruecknahmefiktion (12)
//!                           │    ▲
//!               Nachreichen │    │ Nachfordern
//!                           ▼    │
//!                 Nachgereicht (16) ──VollstaendigErklaeren──▶ Vollstaendig (18)
//!
//! Vollstaendig ──Beteiligen──▶ Beteiligung (08) ──BeteiligungAbschliessen──▶ BeteiligungAbgeschlossen (09)
//! Vollstaendig | BeteiligungAbgeschlossen ──Genehmigen──▶ Genehmigt (10) / ──Ablehnen──▶ Abgelehnt (06)
//! Vollstaendig | Beteiligung | BeteiligungAbgeschlossen ──GenehmigungsfiktionEintreten──▶ Genehmigungsfiktion (58)
//! every submitted, open state ──Zurueckziehen──▶ Zurueckgezogen (15)
//! ```
//!
//! Terminal states (a decision, a fiction, a withdrawal) have no way out.

use crate::Role;
use crate::verfahren::Verfahrensart;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The state of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zustand {
    /// Being prepared by the applicant; not yet at the authority.
    Entwurf,
    /// Submitted (Fassung 1 frozen); the formelle Prüfung is due. Status 14.
    Eingegangen,
    /// Documents requested with a deadline (§ 70 Abs. 2 HBO). Status 17.
    Nachforderung,
    /// The applicant answered the Nachforderung; the formelle Prüfung continues. Status 16
    /// ("Stellungnahme oder Nachbesserung eingegangen").
    Nachgereicht,
    /// Complete; the decision deadline runs from here. Status 18.
    Vollstaendig,
    /// Stellen are asked for their statements. Status 08.
    Beteiligung,
    /// All statements are in (or deemed given). Status 09.
    BeteiligungAbgeschlossen,
    /// The permit (or Vorbescheid, or Freistellung) is granted. Status 10 ("Bescheid
    /// erteilt"); 19 for a Vorbescheid and 07 for a Freistellung, see
    /// [`Zustand::statusbauportal_code_im`].
    Genehmigt,
    /// The application is refused. Status 06 ("Baugenehmigungsantrag abgelehnt"); 04 ("Antrag
    /// abgelehnt") outside the two permit procedures.
    Abgelehnt,
    /// Refused on formal grounds without a Nachforderung because it is too incomplete to be
    /// handled (§ 70 Abs. 2 Satz 1 HBO). Status 57 ("Sofortige Ablehnung").
    Zurueckgewiesen,
    /// The decision deadline of the vereinfachtes Verfahren passed: the permit counts as
    /// granted (§ 65 Abs. 2 HBO). Status 58.
    Genehmigungsfiktion,
    /// The Nachforderung deadline passed: the application counts as withdrawn
    /// (§ 70 Abs. 2 HBO). Status 12 ("Mitteilung der Rücknahmefiktion").
    Ruecknahmefiktion,
    /// The applicant withdrew the application. Status 15 ("Rücknahme des Vorgangs bestätigt").
    Zurueckgezogen,
}

impl Zustand {
    pub const ALL: [Zustand; 13] = [
        Zustand::Entwurf,
        Zustand::Eingegangen,
        Zustand::Nachforderung,
        Zustand::Nachgereicht,
        Zustand::Vollstaendig,
        Zustand::Beteiligung,
        Zustand::BeteiligungAbgeschlossen,
        Zustand::Genehmigt,
        Zustand::Abgelehnt,
        Zustand::Zurueckgewiesen,
        Zustand::Genehmigungsfiktion,
        Zustand::Ruecknahmefiktion,
        Zustand::Zurueckgezogen,
    ];

    /// Stable slug for the database and the API (same as the serde form).
    pub fn slug(self) -> &'static str {
        match self {
            Zustand::Entwurf => "entwurf",
            Zustand::Eingegangen => "eingegangen",
            Zustand::Nachforderung => "nachforderung",
            Zustand::Nachgereicht => "nachgereicht",
            Zustand::Vollstaendig => "vollstaendig",
            Zustand::Beteiligung => "beteiligung",
            Zustand::BeteiligungAbgeschlossen => "beteiligung_abgeschlossen",
            Zustand::Genehmigt => "genehmigt",
            Zustand::Abgelehnt => "abgelehnt",
            Zustand::Zurueckgewiesen => "zurueckgewiesen",
            Zustand::Genehmigungsfiktion => "genehmigungsfiktion",
            Zustand::Ruecknahmefiktion => "ruecknahmefiktion",
            Zustand::Zurueckgezogen => "zurueckgezogen",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Zustand> {
        Zustand::ALL.into_iter().find(|z| z.slug() == slug)
    }

    /// German name shown to people.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Zustand::Entwurf => "Entwurf",
            Zustand::Eingegangen => "Eingegangen",
            Zustand::Nachforderung => "Unterlagen nachgefordert",
            Zustand::Nachgereicht => "Unterlagen nachgereicht",
            Zustand::Vollstaendig => "Vollständig",
            Zustand::Beteiligung => "Beteiligung läuft",
            Zustand::BeteiligungAbgeschlossen => "Beteiligung abgeschlossen",
            Zustand::Genehmigt => "Genehmigt",
            Zustand::Abgelehnt => "Abgelehnt",
            Zustand::Zurueckgewiesen => "Zurückgewiesen",
            Zustand::Genehmigungsfiktion => "Genehmigung gilt als erteilt",
            Zustand::Ruecknahmefiktion => "Antrag gilt als zurückgenommen",
            Zustand::Zurueckgezogen => "Zurückgezogen",
        }
    }

    /// The `statusbauportal_3.0` code of the state, where XBau has one (the draft has none).
    pub fn statusbauportal_code(self) -> Option<&'static str> {
        match self {
            Zustand::Entwurf => None,
            Zustand::Eingegangen => Some("14"),
            Zustand::Nachforderung => Some("17"),
            Zustand::Nachgereicht => Some("16"),
            Zustand::Vollstaendig => Some("18"),
            Zustand::Beteiligung => Some("08"),
            Zustand::BeteiligungAbgeschlossen => Some("09"),
            Zustand::Genehmigt => Some("10"),
            Zustand::Abgelehnt => Some("06"),
            Zustand::Zurueckgewiesen => Some("57"),
            Zustand::Genehmigungsfiktion => Some("58"),
            Zustand::Ruecknahmefiktion => Some("12"),
            Zustand::Zurueckgezogen => Some("15"),
        }
    }

    /// The status code as reported in a given procedure: a granted Vorbescheid is 19
    /// ("Vorbescheid erteilt"), a Freistellung 07 ("Bauvorhaben genehmigungsfreigestellt"),
    /// and a refusal outside the two permit procedures 04 ("Antrag abgelehnt").
    pub fn statusbauportal_code_im(self, verfahren: Verfahrensart) -> Option<&'static str> {
        use Verfahrensart::*;
        match (self, verfahren) {
            (Zustand::Genehmigt, Vorbescheid) => Some("19"),
            (Zustand::Genehmigt, Genehmigungsfreistellung) => Some("07"),
            (Zustand::Abgelehnt, Vorbescheid | Genehmigungsfreistellung) => Some("04"),
            _ => self.statusbauportal_code(),
        }
    }

    /// Is the case finished? Terminal states accept no event.
    pub fn ist_abgeschlossen(self) -> bool {
        matches!(
            self,
            Zustand::Genehmigt
                | Zustand::Abgelehnt
                | Zustand::Zurueckgewiesen
                | Zustand::Genehmigungsfiktion
                | Zustand::Ruecknahmefiktion
                | Zustand::Zurueckgezogen
        )
    }

    /// Is the case at the authority and not finished?
    pub fn ist_in_bearbeitung(self) -> bool {
        self != Zustand::Entwurf && !self.ist_abgeschlossen()
    }

    /// Does the decision deadline (where the procedure has one) run in this state? It starts
    /// when the application is declared complete and ends with a decision.
    pub fn entscheidungsfrist_laeuft(self) -> bool {
        matches!(
            self,
            Zustand::Vollstaendig | Zustand::Beteiligung | Zustand::BeteiligungAbgeschlossen
        )
    }

    /// May the applicant change the documents now? In the draft, and while documents are
    /// requested.
    pub fn unterlagen_aenderbar(self) -> bool {
        matches!(self, Zustand::Entwurf | Zustand::Nachforderung)
    }

    /// The events this state accepts, in the order of [`Ereignis::ALL`].
    pub fn moegliche_ereignisse(self) -> Vec<Ereignis> {
        Ereignis::ALL
            .into_iter()
            .filter(|e| naechster(self, *e).is_some())
            .collect()
    }
}

impl fmt::Display for Zustand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bezeichnung())
    }
}

/// What happens to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ereignis {
    /// The applicant submits the application (XBau 0200).
    Einreichen,
    /// The Bauaufsicht requests documents with a deadline (XBau 0201 with a Befundliste).
    Nachfordern,
    /// The applicant submits the requested documents (XBau 0202).
    Nachreichen,
    /// The Bauaufsicht declares the application complete (XBau 0201).
    VollstaendigErklaeren,
    /// The Bauaufsicht refuses to handle an application that is too incomplete
    /// (§ 70 Abs. 2 Satz 1 HBO).
    Zurueckweisen,
    /// The Nachforderung deadline passed unused; fired by the deadline engine.
    RuecknahmefiktionEintreten,
    /// The Bauaufsicht asks one or more Stellen (XBau 0300); also to ask further Stellen while
    /// a Beteiligung runs or after it ended.
    Beteiligen,
    /// Every Stelle has answered or its deadline has passed.
    BeteiligungAbschliessen,
    /// The Bauaufsicht grants the permit (XBau 0205).
    Genehmigen,
    /// The Bauaufsicht refuses the permit (XBau 0205).
    Ablehnen,
    /// The decision deadline of the vereinfachtes Verfahren passed; fired by the deadline
    /// engine.
    GenehmigungsfiktionEintreten,
    /// The applicant withdraws the application.
    Zurueckziehen,
}

impl Ereignis {
    pub const ALL: [Ereignis; 12] = [
        Ereignis::Einreichen,
        Ereignis::Nachfordern,
        Ereignis::Nachreichen,
        Ereignis::VollstaendigErklaeren,
        Ereignis::Zurueckweisen,
        Ereignis::RuecknahmefiktionEintreten,
        Ereignis::Beteiligen,
        Ereignis::BeteiligungAbschliessen,
        Ereignis::Genehmigen,
        Ereignis::Ablehnen,
        Ereignis::GenehmigungsfiktionEintreten,
        Ereignis::Zurueckziehen,
    ];

    /// Stable slug for the database and the API (same as the serde form).
    pub fn slug(self) -> &'static str {
        match self {
            Ereignis::Einreichen => "einreichen",
            Ereignis::Nachfordern => "nachfordern",
            Ereignis::Nachreichen => "nachreichen",
            Ereignis::VollstaendigErklaeren => "vollstaendig_erklaeren",
            Ereignis::Zurueckweisen => "zurueckweisen",
            Ereignis::RuecknahmefiktionEintreten => "ruecknahmefiktion_eintreten",
            Ereignis::Beteiligen => "beteiligen",
            Ereignis::BeteiligungAbschliessen => "beteiligung_abschliessen",
            Ereignis::Genehmigen => "genehmigen",
            Ereignis::Ablehnen => "ablehnen",
            Ereignis::GenehmigungsfiktionEintreten => "genehmigungsfiktion_eintreten",
            Ereignis::Zurueckziehen => "zurueckziehen",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Ereignis> {
        Ereignis::ALL.into_iter().find(|e| e.slug() == slug)
    }

    /// German name, e.g. for a button or the timeline.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Ereignis::Einreichen => "Einreichen",
            Ereignis::Nachfordern => "Unterlagen nachfordern",
            Ereignis::Nachreichen => "Unterlagen nachreichen",
            Ereignis::VollstaendigErklaeren => "Vollständigkeit bestätigen",
            Ereignis::Zurueckweisen => "Antrag zurückweisen",
            Ereignis::RuecknahmefiktionEintreten => "Rücknahmefiktion eingetreten",
            Ereignis::Beteiligen => "Stellen beteiligen",
            Ereignis::BeteiligungAbschliessen => "Beteiligung abschließen",
            Ereignis::Genehmigen => "Genehmigen",
            Ereignis::Ablehnen => "Ablehnen",
            Ereignis::GenehmigungsfiktionEintreten => "Genehmigungsfiktion eingetreten",
            Ereignis::Zurueckziehen => "Antrag zurückziehen",
        }
    }

    /// Events the system fires itself when a deadline passes (exactly once), no person.
    pub fn nur_durch_frist(self) -> bool {
        matches!(
            self,
            Ereignis::RuecknahmefiktionEintreten | Ereignis::GenehmigungsfiktionEintreten
        )
    }

    /// Events the system may fire too: the fictions, and closing a Beteiligung once the last
    /// Stelle has answered or its deadline has passed.
    pub fn durch_system_moeglich(self) -> bool {
        self.nur_durch_frist() || self == Ereignis::BeteiligungAbschliessen
    }

    /// "Ein Vorgang im Zustand „Entwurf“ kann nicht vollständig erklärt werden."
    fn unzulaessig_in(self, z: Zustand) -> String {
        let z = z.bezeichnung();
        match self {
            Ereignis::Einreichen => {
                format!("Ein Vorgang im Zustand „{z}“ kann nicht eingereicht werden.")
            }
            Ereignis::Nachfordern => format!(
                "Zu einem Vorgang im Zustand „{z}“ können keine Unterlagen nachgefordert werden."
            ),
            Ereignis::Nachreichen => format!(
                "Zu einem Vorgang im Zustand „{z}“ können keine Unterlagen nachgereicht werden."
            ),
            Ereignis::VollstaendigErklaeren => {
                format!("Ein Vorgang im Zustand „{z}“ kann nicht vollständig erklärt werden.")
            }
            Ereignis::Zurueckweisen => {
                format!("Ein Vorgang im Zustand „{z}“ kann nicht zurückgewiesen werden.")
            }
            Ereignis::RuecknahmefiktionEintreten => format!(
                "Für einen Vorgang im Zustand „{z}“ kann die Rücknahmefiktion nicht eintreten."
            ),
            Ereignis::Beteiligen => {
                format!("Zu einem Vorgang im Zustand „{z}“ können keine Stellen beteiligt werden.")
            }
            Ereignis::BeteiligungAbschliessen => format!(
                "Bei einem Vorgang im Zustand „{z}“ gibt es keine laufende Beteiligung, die abgeschlossen werden könnte."
            ),
            Ereignis::Genehmigen => {
                format!("Ein Vorgang im Zustand „{z}“ kann nicht genehmigt werden.")
            }
            Ereignis::Ablehnen => {
                format!("Ein Vorgang im Zustand „{z}“ kann nicht abgelehnt werden.")
            }
            Ereignis::GenehmigungsfiktionEintreten => format!(
                "Für einen Vorgang im Zustand „{z}“ kann die Genehmigungsfiktion nicht eintreten."
            ),
            Ereignis::Zurueckziehen => {
                format!("Ein Vorgang im Zustand „{z}“ kann nicht zurückgezogen werden.")
            }
        }
    }
}

impl fmt::Display for Ereignis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bezeichnung())
    }
}

/// An event the state does not accept. The state stays as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{meldung}")]
pub struct UngueltigerUebergang {
    pub zustand: Zustand,
    pub ereignis: Ereignis,
    /// German sentence for people, naming the state and what was attempted.
    pub meldung: String,
}

/// The one table of transitions.
fn naechster(z: Zustand, e: Ereignis) -> Option<Zustand> {
    use Ereignis as E;
    use Zustand as Z;
    let ziel = match (z, e) {
        (Z::Entwurf, E::Einreichen) => Z::Eingegangen,

        (Z::Eingegangen | Z::Nachgereicht, E::Nachfordern) => Z::Nachforderung,
        (Z::Eingegangen | Z::Nachgereicht, E::VollstaendigErklaeren) => Z::Vollstaendig,
        (Z::Eingegangen | Z::Nachgereicht, E::Zurueckweisen) => Z::Zurueckgewiesen,
        (Z::Nachforderung, E::Nachreichen) => Z::Nachgereicht,
        (Z::Nachforderung, E::RuecknahmefiktionEintreten) => Z::Ruecknahmefiktion,

        (Z::Vollstaendig | Z::Beteiligung | Z::BeteiligungAbgeschlossen, E::Beteiligen) => {
            Z::Beteiligung
        }
        (Z::Beteiligung, E::BeteiligungAbschliessen) => Z::BeteiligungAbgeschlossen,
        (Z::Vollstaendig | Z::BeteiligungAbgeschlossen, E::Genehmigen) => Z::Genehmigt,
        (Z::Vollstaendig | Z::BeteiligungAbgeschlossen, E::Ablehnen) => Z::Abgelehnt,
        (
            Z::Vollstaendig | Z::Beteiligung | Z::BeteiligungAbgeschlossen,
            E::GenehmigungsfiktionEintreten,
        ) => Z::Genehmigungsfiktion,

        (z, E::Zurueckziehen) if z.ist_in_bearbeitung() => Z::Zurueckgezogen,
        _ => return None,
    };
    Some(ziel)
}

/// A further sentence that helps, where the refusal has a typical reason.
fn tipp(z: Zustand, e: Ereignis) -> Option<&'static str> {
    use Ereignis as E;
    use Zustand as Z;
    if z.ist_abgeschlossen() {
        return Some("Der Vorgang ist abgeschlossen.");
    }
    match (z, e) {
        (Z::Entwurf, _) => Some("Der Antrag ist noch nicht eingereicht."),
        (Z::Beteiligung, E::Genehmigen | E::Ablehnen) => {
            Some("Bitte schließen Sie zuerst die Beteiligung ab.")
        }
        (Z::Eingegangen | Z::Nachforderung | Z::Nachgereicht, E::Beteiligen) => {
            Some("Stellen werden erst beteiligt, wenn der Antrag vollständig ist.")
        }
        (Z::Eingegangen | Z::Nachforderung | Z::Nachgereicht, E::Genehmigen | E::Ablehnen) => {
            Some("Über den Antrag wird erst entschieden, wenn er vollständig ist.")
        }
        (Z::Nachforderung, E::VollstaendigErklaeren | E::Nachfordern) => {
            Some("Die Nachreichung der Antragstellenden steht noch aus.")
        }
        _ => None,
    }
}

/// Applies an event to a state. On refusal the caller keeps the old state.
pub fn uebergang(zustand: Zustand, ereignis: Ereignis) -> Result<Zustand, UngueltigerUebergang> {
    naechster(zustand, ereignis).ok_or_else(|| {
        let mut meldung = ereignis.unzulaessig_in(zustand);
        if let Some(t) = tipp(zustand, ereignis) {
            meldung.push(' ');
            meldung.push_str(t);
        }
        UngueltigerUebergang {
            zustand,
            ereignis,
            meldung,
        }
    })
}

/// Like [`uebergang`], and also refuses events the procedure does not know: only the
/// vereinfachtes Verfahren has a Genehmigungsfiktion (§ 65 Abs. 2 HBO).
pub fn uebergang_im_verfahren(
    verfahren: Verfahrensart,
    zustand: Zustand,
    ereignis: Ereignis,
) -> Result<Zustand, UngueltigerUebergang> {
    if ereignis == Ereignis::GenehmigungsfiktionEintreten && !verfahren.kennt_genehmigungsfiktion()
    {
        return Err(UngueltigerUebergang {
            zustand,
            ereignis,
            meldung: format!(
                "Im Verfahren „{}“ gibt es keine Genehmigungsfiktion; sie gilt nur im vereinfachten Verfahren (§ 65 Abs. 2 HBO).",
                verfahren.bezeichnung_mit_paragraph()
            ),
        });
    }
    uebergang(zustand, ereignis)
}

/// May a person in this role cause the event? (Whether the state accepts it is decided by
/// [`uebergang`]; whether the person may see the case, by [`crate::zugriff`].)
///
/// - Antragsteller/in: submit, answer a Nachforderung, withdraw.
/// - Bauaufsicht: everything the authority decides, and also submitting, answering and
///   withdrawing on the applicant's behalf when these arrive on paper (as with uploads,
///   see [`crate::zugriff::darf_dokumente_hochladen`]).
/// - Fachstelle: nothing here; a Stelle acts on its Beteiligung, not on the case.
/// - Administration: nothing; it runs the tenant, not its cases.
/// - The fictions are fired only by the deadline engine, never by a person
///   ([`Ereignis::nur_durch_frist`]).
pub fn darf_ausloesen(rolle: Role, ereignis: Ereignis) -> bool {
    use Ereignis as E;
    if ereignis.nur_durch_frist() {
        return false;
    }
    match rolle {
        Role::Antragsteller => {
            matches!(ereignis, E::Einreichen | E::Nachreichen | E::Zurueckziehen)
        }
        Role::Bauaufsicht => true,
        Role::Fachstelle | Role::Admin => false,
    }
}

/// Timeline entries of the Beteiligung that concern only the authorities: requests to the
/// Stellen, their questions, statements and deemed consents, withdrawals, decisions on late
/// statements. The applicants see the case's steps (status changes, deadlines, the Bescheid),
/// not what a Stelle said or who works there; that reaches them through the Bescheid.
pub fn nur_fuer_behoerden(art: &str) -> bool {
    (art.starts_with("beteiligung_") && art != Ereignis::BeteiligungAbschliessen.slug())
        || art.starts_with("stellungnahme")
        || matches!(
            art,
            "zustimmung_fingiert" | "einvernehmen_fingiert" | "beteiligungsfrist_abgelaufen"
        )
}

/// The timeline text when the Beteiligung closes (09), whether the last Stelle answered or
/// its deadline passed.
pub const BETEILIGUNG_ABGESCHLOSSEN: &str = "Beteiligung abgeschlossen: Alle angefragten Stellen haben sich geäußert, oder ihre Anfrage ist erledigt.";

/// Title and text of the applicants' mail when the Beteiligung closes.
pub const BETEILIGUNG_ABGESCHLOSSEN_MAIL: (&str, &str) = (
    "Beteiligung abgeschlossen",
    "Die Beteiligung der Stellen zu Ihrem Antrag ist abgeschlossen. Die Bauaufsicht bereitet nun die Entscheidung vor.",
);
