//! The case worker's work list (Aufgaben): every event on the tenant's cases that waits for
//! the Bauaufsicht, each with the deadline it is bound to, most urgent first.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// What waits for the Bauaufsicht on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AufgabenArt {
    /// A new application: the formelle Prüfung is due.
    NeuerAntrag,
    /// The applicant answered a Nachforderung: the formelle Prüfung continues.
    Nachreichung,
    /// The application is complete: ask the Stellen (or decide without them).
    BeteiligungStarten,
    /// Every Stelle has answered: draft and issue the Bescheid.
    BescheidEntwerfen,
    /// A Nachforderung deadline passed: confirm the Rücknahmefiktion or extend.
    RuecknahmefiktionFaellig,
    /// A deadline of the case (Nachforderung, decision) ends within the horizon.
    FristEndet,
    /// A Stelle's deadline ends within the horizon and it has not answered yet.
    StellenfristEndet,
    /// A Stelle asked a question that nobody has answered yet.
    OffeneRueckfrage,
    /// A Stellungnahme came in that the Bauaufsicht has not opened yet.
    NeueStellungnahme,
    /// A late Stellungnahme: decide whether it is considered (§ 70 Abs. 1 Satz 4 HBO).
    VerspaeteteStellungnahme,
    /// Reading a document of the case failed for good.
    VerarbeitungFehlgeschlagen,
}

impl AufgabenArt {
    pub const ALL: [AufgabenArt; 11] = [
        AufgabenArt::NeuerAntrag,
        AufgabenArt::Nachreichung,
        AufgabenArt::BeteiligungStarten,
        AufgabenArt::BescheidEntwerfen,
        AufgabenArt::RuecknahmefiktionFaellig,
        AufgabenArt::FristEndet,
        AufgabenArt::StellenfristEndet,
        AufgabenArt::OffeneRueckfrage,
        AufgabenArt::NeueStellungnahme,
        AufgabenArt::VerspaeteteStellungnahme,
        AufgabenArt::VerarbeitungFehlgeschlagen,
    ];

    /// Stable slug for the API and the page's filter.
    pub fn slug(self) -> &'static str {
        match self {
            AufgabenArt::NeuerAntrag => "neuer_antrag",
            AufgabenArt::Nachreichung => "nachreichung",
            AufgabenArt::BeteiligungStarten => "beteiligung_starten",
            AufgabenArt::BescheidEntwerfen => "bescheid_entwerfen",
            AufgabenArt::RuecknahmefiktionFaellig => "ruecknahmefiktion_faellig",
            AufgabenArt::FristEndet => "frist_endet",
            AufgabenArt::StellenfristEndet => "stellenfrist_endet",
            AufgabenArt::OffeneRueckfrage => "offene_rueckfrage",
            AufgabenArt::NeueStellungnahme => "neue_stellungnahme",
            AufgabenArt::VerspaeteteStellungnahme => "verspaetete_stellungnahme",
            AufgabenArt::VerarbeitungFehlgeschlagen => "verarbeitung_fehlgeschlagen",
        }
    }

    pub fn from_slug(s: &str) -> Option<AufgabenArt> {
        AufgabenArt::ALL.into_iter().find(|a| a.slug() == s)
    }

    /// The heading on the work list, in words.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            AufgabenArt::NeuerAntrag => "Neuer Antrag",
            AufgabenArt::Nachreichung => "Unterlagen nachgereicht",
            AufgabenArt::BeteiligungStarten => "Beteiligung starten",
            AufgabenArt::BescheidEntwerfen => "Bescheid entwerfen",
            AufgabenArt::RuecknahmefiktionFaellig => "Rücknahmefiktion feststellen",
            AufgabenArt::FristEndet => "Frist endet",
            AufgabenArt::StellenfristEndet => "Frist einer Stelle endet",
            AufgabenArt::OffeneRueckfrage => "Rückfrage einer Stelle",
            AufgabenArt::NeueStellungnahme => "Neue Stellungnahme",
            AufgabenArt::VerspaeteteStellungnahme => "Verspätete Stellungnahme",
            AufgabenArt::VerarbeitungFehlgeschlagen => "Verarbeitung fehlgeschlagen",
        }
    }

    /// Within the same deadline, what comes first: what has a legal effect, then what
    /// someone waits for, then information.
    fn rang(self) -> u8 {
        match self {
            AufgabenArt::RuecknahmefiktionFaellig => 0,
            AufgabenArt::FristEndet => 1,
            AufgabenArt::VerspaeteteStellungnahme => 2,
            AufgabenArt::OffeneRueckfrage => 3,
            AufgabenArt::Nachreichung => 4,
            AufgabenArt::NeuerAntrag => 5,
            AufgabenArt::BescheidEntwerfen => 6,
            AufgabenArt::BeteiligungStarten => 7,
            AufgabenArt::NeueStellungnahme => 8,
            AufgabenArt::StellenfristEndet => 9,
            AufgabenArt::VerarbeitungFehlgeschlagen => 10,
        }
    }
}

/// The order of the work list: a task with a deadline before one without, the earlier
/// deadline first; then by kind ([`AufgabenArt`]'s rank), then the older event first.
pub fn reihenfolge(
    a: (AufgabenArt, Option<NaiveDate>, i64),
    b: (AufgabenArt, Option<NaiveDate>, i64),
) -> Ordering {
    let frist = match (a.1, b.1) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    frist.then(a.0.rang().cmp(&b.0.rang())).then(a.2.cmp(&b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn slugs_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in AufgabenArt::ALL {
            assert_eq!(AufgabenArt::from_slug(a.slug()), Some(a));
            assert!(seen.insert(a.slug()));
            assert!(!a.bezeichnung().is_empty());
        }
        assert_eq!(AufgabenArt::from_slug("gibt_es_nicht"), None);
    }

    #[test]
    fn earlier_deadline_first_then_kind_then_age() {
        use AufgabenArt::*;
        let mut v = [
            (NeueStellungnahme, None, 5),
            (NeuerAntrag, None, 9),
            (StellenfristEndet, Some(d("2026-12-10")), 1),
            (FristEndet, Some(d("2026-12-10")), 2),
            (RuecknahmefiktionFaellig, Some(d("2026-12-01")), 3),
            (NeuerAntrag, None, 1),
        ];
        v.sort_by(|a, b| reihenfolge(*a, *b));
        let arten: Vec<_> = v.iter().map(|x| (x.0, x.2)).collect();
        assert_eq!(
            arten,
            vec![
                (RuecknahmefiktionFaellig, 3),
                (FristEndet, 2),
                (StellenfristEndet, 1),
                (NeuerAntrag, 1),
                (NeuerAntrag, 9),
                (NeueStellungnahme, 5),
            ]
        );
    }
}
