//! The timeline of a case: what kind of entry it is, and who may read it.
//!
//! Every entry has one [`Eintragsart`]. The applicants see the case's steps (status changes,
//! deadlines, the Bescheid); the entries of the Beteiligung that concern only the
//! authorities (requests to the Stellen, their questions, statements and deemed consents,
//! withdrawals, decisions on late statements) are for the authorities alone: they reach the
//! applicants through the Bescheid.

use crate::vorgang::Ereignis;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who may read a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Publikum {
    /// Everyone who sees the case, the applicants included.
    Alle,
    /// The Bauaufsicht (and, for their own request, the Stellen).
    NurBehoerden,
}

macro_rules! eintragsarten {
    ($($(#[$doc:meta])* $name:ident => $slug:literal, $publikum:ident;)*) => {
        /// The kind of a timeline entry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Eintragsart {
            $($(#[$doc])* $name,)*
        }

        impl Eintragsart {
            pub const ALL: &'static [Eintragsart] = &[$(Eintragsart::$name,)*];

            /// Stable slug for the database and the API (same as the serde form).
            pub fn slug(self) -> &'static str {
                match self {
                    $(Eintragsart::$name => $slug,)*
                }
            }

            pub fn from_slug(s: &str) -> Option<Eintragsart> {
                match s {
                    $($slug => Some(Eintragsart::$name),)*
                    _ => None,
                }
            }

            /// Who may read entries of this kind.
            pub fn publikum(self) -> Publikum {
                match self {
                    $(Eintragsart::$name => Publikum::$publikum,)*
                }
            }
        }
    };
}

eintragsarten! {
    // --- the state machine's events (`vorgang::Ereignis`), same slugs -------------------
    Einreichen => "einreichen", Alle;
    Nachfordern => "nachfordern", Alle;
    Nachreichen => "nachreichen", Alle;
    VollstaendigErklaeren => "vollstaendig_erklaeren", Alle;
    Zurueckweisen => "zurueckweisen", Alle;
    RuecknahmefiktionEintreten => "ruecknahmefiktion_eintreten", Alle;
    Beteiligen => "beteiligen", Alle;
    BeteiligungAbschliessen => "beteiligung_abschliessen", Alle;
    Genehmigen => "genehmigen", Alle;
    Ablehnen => "ablehnen", Alle;
    GenehmigungsfiktionEintreten => "genehmigungsfiktion_eintreten", Alle;
    Zurueckziehen => "zurueckziehen", Alle;

    // --- the application ---------------------------------------------------------------
    /// The case was opened.
    Angelegt => "angelegt", Alle;
    /// The Bauherrschaft was invited.
    Einladung => "einladung", Alle;
    EinladungAngenommen => "einladung_angenommen", Alle;
    /// The Bauherrschaft signed the application off.
    Freizeichnung => "freizeichnung", Alle;
    /// A change after the Freizeichnung invalidated it; the Bauherrschaft must sign again.
    FreizeichnungUngueltig => "freizeichnung_ungueltig", Alle;
    /// A document was withdrawn from the current set.
    DokumentEntfernt => "dokument_entfernt", Alle;

    // --- deadlines -----------------------------------------------------------------------
    /// A Nachforderung deadline was extended.
    FristVerlaengert => "frist_verlaengert", Alle;
    /// The decision deadline was extended (once, § 65 Abs. 2 Satz 2 HBO).
    EntscheidungsfristVerlaengert => "entscheidungsfrist_verlaengert", Alle;
    /// A Nachforderung deadline passed and awaits the Bauaufsicht's confirmation.
    FristAbgelaufen => "frist_abgelaufen", Alle;

    // --- the Beteiligung (authorities only) ------------------------------------------
    BeteiligungAngefragt => "beteiligung_angefragt", NurBehoerden;
    BeteiligungGeoeffnet => "beteiligung_geoeffnet", NurBehoerden;
    BeteiligungRueckfrage => "beteiligung_rueckfrage", NurBehoerden;
    BeteiligungRueckfrageBeantwortet => "beteiligung_rueckfrage_beantwortet", NurBehoerden;
    BeteiligungRueckfrageWeitergegeben => "beteiligung_rueckfrage_weitergegeben", NurBehoerden;
    BeteiligungZurueckgezogen => "beteiligung_zurueckgezogen", NurBehoerden;
    BeteiligungVerlaengert => "beteiligung_verlaengert", NurBehoerden;
    BeteiligungFassungGeteilt => "beteiligung_fassung_geteilt", NurBehoerden;
    StellungnahmeAbgegeben => "stellungnahme_abgegeben", NurBehoerden;
    StellungnahmeKorrigiert => "stellungnahme_korrigiert", NurBehoerden;
    StellungnahmeVerspaetetEntschieden => "stellungnahme_verspaetet_entschieden", NurBehoerden;
    /// Deemed consent of a Stelle (§ 70 Abs. 1 HBO).
    ZustimmungFingiert => "zustimmung_fingiert", NurBehoerden;
    /// Deemed Einvernehmen of the Gemeinde (§ 36 Abs. 2 BauGB).
    EinvernehmenFingiert => "einvernehmen_fingiert", NurBehoerden;
    /// A Stelle's deadline passed without a consequence of silence.
    BeteiligungsfristAbgelaufen => "beteiligungsfrist_abgelaufen", NurBehoerden;

    // --- the case worker's side ----------------------------------------------------------
    /// The Sachbearbeiter or the deputy of the case changed.
    ZustaendigkeitGeaendert => "zustaendigkeit_geaendert", NurBehoerden;
}

impl Eintragsart {
    /// Is this entry for the applicants' eyes too?
    pub fn fuer_antragsteller(self) -> bool {
        self.publikum() == Publikum::Alle
    }
}

impl From<Ereignis> for Eintragsart {
    fn from(e: Ereignis) -> Eintragsart {
        match e {
            Ereignis::Einreichen => Eintragsart::Einreichen,
            Ereignis::Nachfordern => Eintragsart::Nachfordern,
            Ereignis::Nachreichen => Eintragsart::Nachreichen,
            Ereignis::VollstaendigErklaeren => Eintragsart::VollstaendigErklaeren,
            Ereignis::Zurueckweisen => Eintragsart::Zurueckweisen,
            Ereignis::RuecknahmefiktionEintreten => Eintragsart::RuecknahmefiktionEintreten,
            Ereignis::Beteiligen => Eintragsart::Beteiligen,
            Ereignis::BeteiligungAbschliessen => Eintragsart::BeteiligungAbschliessen,
            Ereignis::Genehmigen => Eintragsart::Genehmigen,
            Ereignis::Ablehnen => Eintragsart::Ablehnen,
            Ereignis::GenehmigungsfiktionEintreten => Eintragsart::GenehmigungsfiktionEintreten,
            Ereignis::Zurueckziehen => Eintragsart::Zurueckziehen,
        }
    }
}

impl fmt::Display for Eintragsart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_state_events_keep_their_slug() {
        for &a in Eintragsart::ALL {
            assert_eq!(Eintragsart::from_slug(a.slug()), Some(a));
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.slug())
            );
        }
        for e in Ereignis::ALL {
            assert_eq!(Eintragsart::from(e).slug(), e.slug());
        }
        assert_eq!(Eintragsart::from_slug("unbekannt"), None);
    }

    #[test]
    fn the_beteiligung_is_for_the_authorities_but_its_closing_for_everyone() {
        assert!(!Eintragsart::StellungnahmeAbgegeben.fuer_antragsteller());
        assert!(!Eintragsart::EinvernehmenFingiert.fuer_antragsteller());
        assert!(!Eintragsart::BeteiligungAngefragt.fuer_antragsteller());
        assert!(Eintragsart::BeteiligungAbschliessen.fuer_antragsteller());
        assert!(Eintragsart::Beteiligen.fuer_antragsteller());
        assert!(Eintragsart::Einreichen.fuer_antragsteller());
    }
}
