//! Fristberechnung: when a deadline ends, and why on that day.
//!
//! § 31 Abs. 1 HVwVfG applies §§ 187 to 193 BGB:
//!
//! - the day of the triggering event is not counted (§ 187 Abs. 1 BGB);
//! - a deadline in days ends with the end of its last day (§ 188 Abs. 1 BGB);
//! - a deadline in weeks ends with the end of the day of the last week that has the same
//!   name as the day of the event (§ 188 Abs. 2 BGB);
//! - a deadline in months ends with the end of the day of the last month that has the same
//!   number as the day of the event (§ 188 Abs. 2 BGB), or with the month's last day when
//!   that number does not exist in it (§ 188 Abs. 3 BGB);
//! - an end on a Saturday, Sunday or gesetzlicher Feiertag moves to the end of the next
//!   Werktag (§ 193 BGB, § 31 Abs. 3 Satz 1 HVwVfG). Only the end moves, never the start.
//!
//! The engine knows nothing of what a deadline is for; the caller attaches the legal basis
//! of the deadline itself (e.g. "§ 70 Abs. 1 HBO") with [`Fristende::mit_rechtsgrundlage`].

mod feiertage;

pub use feiertage::{
    CHRISTI_HIMMELFAHRT, ERSTER_WEIHNACHTSTAG, FRONLEICHNAM, KARFREITAG, NEUJAHR, OSTERMONTAG,
    PFINGSTMONTAG, REFORMATIONSTAG_2017, TAG_DER_ARBEIT, TAG_DER_ARBEIT_UND_HIMMELFAHRT,
    TAG_DER_DEUTSCHEN_EINHEIT, ZWEITER_WEIHNACHTSTAG, feiertage_hessen, ist_arbeitstag,
    ist_feiertag_hessen, ostersonntag,
};

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

/// The years the engine computes in: the Gregorian calendar (and its computus) from 1583
/// on, and four-digit years.
pub const JAHRE: RangeInclusive<i32> = 1583..=9999;

/// The longest deadline accepted: 10 years, in each unit.
pub const MAX_TAGE: u32 = 3653;
pub const MAX_WOCHEN: u32 = 521;
pub const MAX_MONATE: u32 = 120;

const P_187_1: &str = "§ 187 Abs. 1 BGB";
const P_188_1: &str = "§ 188 Abs. 1 BGB";
const P_188_2: &str = "§ 188 Abs. 2 BGB";
const P_188_3: &str = "§ 188 Abs. 3 BGB";
const P_193: &str = "§ 193 BGB";
const P_31_1: &str = "§ 31 Abs. 1 HVwVfG";
const P_31_3: &str = "§ 31 Abs. 3 HVwVfG";

/// Why a deadline could not be computed; `Display` is the German message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FristFehler {
    /// The text is no date in the expected format, or no date of the calendar.
    #[error("Ungültiges Datum „{eingabe}“ – erwartet {format}.")]
    UngueltigesDatum {
        eingabe: String,
        /// The format the input looked like it meant: "JJJJ-MM-TT" or "TT.MM.JJJJ".
        format: &'static str,
    },
    /// The text is no duration like "14T", "2W" or "3M".
    #[error(
        "Ungültige Fristdauer „{0}“ – erwartet eine Zahl mit Einheit, z. B. „14T“ (Tage), \
         „2W“ (Wochen) oder „3M“ (Monate)."
    )]
    UngueltigeDauer(String),
    /// A deadline of zero length.
    #[error("Eine Frist von {} ist nicht möglich – sie muss mindestens einen Tag dauern.", .0.dativ())]
    DauerNull(Dauer),
    /// A deadline longer than 10 years.
    #[error(
        "Eine Frist von {} ist zu lang – höchstens 10 Jahre ({MAX_TAGE} Tage, \
         {MAX_WOCHEN} Wochen oder {MAX_MONATE} Monate) sind möglich.",
        .0.dativ()
    )]
    DauerZuLang(Dauer),
    /// The end of the deadline would lie after 9999.
    #[error(
        "Das Ende einer Frist von {} ab dem {} liegt außerhalb des berechenbaren Zeitraums \
         (Jahre {}–{}).",
        .dauer.dativ(), datum_de(*.start), JAHRE.start(), JAHRE.end()
    )]
    Ueberlauf { start: NaiveDate, dauer: Dauer },
    /// A date before 1583 or after 9999.
    #[error(
        "Das Datum {} liegt außerhalb des berechenbaren Zeitraums (Jahre {}–{}).",
        datum_de(*.0), JAHRE.start(), JAHRE.end()
    )]
    AusserhalbZeitraum(NaiveDate),
}

/// The length of a deadline.
///
/// Serialized as its short form ("14T", "2W", "3M"), which is also what [`FromStr`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dauer {
    Tage(u32),
    Wochen(u32),
    Monate(u32),
}

impl Dauer {
    /// The short form: "14T", "2W", "3M".
    pub fn kurzform(self) -> String {
        match self {
            Dauer::Tage(n) => format!("{n}T"),
            Dauer::Wochen(n) => format!("{n}W"),
            Dauer::Monate(n) => format!("{n}M"),
        }
    }

    /// The number of units.
    pub fn anzahl(self) -> u32 {
        match self {
            Dauer::Tage(n) | Dauer::Wochen(n) | Dauer::Monate(n) => n,
        }
    }

    /// The dative, for "eine Frist von …": "1 Tag", "14 Tagen", "1 Monat", "3 Monaten".
    pub fn dativ(self) -> String {
        match self {
            Dauer::Tage(1) => "1 Tag".to_owned(),
            Dauer::Tage(n) => format!("{n} Tagen"),
            Dauer::Wochen(1) => "1 Woche".to_owned(),
            Dauer::Wochen(n) => format!("{n} Wochen"),
            Dauer::Monate(1) => "1 Monat".to_owned(),
            Dauer::Monate(n) => format!("{n} Monaten"),
        }
    }

    /// Checks the bounds: at least 1, at most 10 years.
    pub fn pruefen(self) -> Result<Dauer, FristFehler> {
        let max = match self {
            Dauer::Tage(_) => MAX_TAGE,
            Dauer::Wochen(_) => MAX_WOCHEN,
            Dauer::Monate(_) => MAX_MONATE,
        };
        match self.anzahl() {
            0 => Err(FristFehler::DauerNull(self)),
            n if n > max => Err(FristFehler::DauerZuLang(self)),
            _ => Ok(self),
        }
    }
}

/// "14 Tage", "1 Woche", "3 Monate".
impl fmt::Display for Dauer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Dauer::Tage(1) => f.write_str("1 Tag"),
            Dauer::Tage(n) => write!(f, "{n} Tage"),
            Dauer::Wochen(1) => f.write_str("1 Woche"),
            Dauer::Wochen(n) => write!(f, "{n} Wochen"),
            Dauer::Monate(1) => f.write_str("1 Monat"),
            Dauer::Monate(n) => write!(f, "{n} Monate"),
        }
    }
}

/// Reads "14T", "2W", "1M", "3M" (any case, blanks allowed) and the spelled-out units
/// "14 Tage", "1 Woche", "3 Monate" (also "Tagen", "Wochen", "Monaten"). The bounds of
/// [`Dauer::pruefen`] apply.
impl FromStr for Dauer {
    type Err = FristFehler;

    fn from_str(s: &str) -> Result<Dauer, FristFehler> {
        let ungueltig = || FristFehler::UngueltigeDauer(s.to_owned());
        let t = s.trim();
        let ziffern = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        if ziffern == 0 {
            return Err(ungueltig());
        }
        let (zahl, einheit) = t.split_at(ziffern);
        let n: u32 = zahl.parse().map_err(|_| ungueltig())?;
        let dauer = match einheit.trim_start().to_lowercase().as_str() {
            "t" | "tag" | "tage" | "tagen" => Dauer::Tage(n),
            "w" | "woche" | "wochen" => Dauer::Wochen(n),
            "m" | "monat" | "monate" | "monaten" => Dauer::Monate(n),
            _ => return Err(ungueltig()),
        };
        dauer.pruefen()
    }
}

impl Serialize for Dauer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.kurzform())
    }
}

impl<'de> Deserialize<'de> for Dauer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dauer, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a day could not be the end of a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "art", rename_all = "snake_case")]
pub enum Verschiebungsgrund {
    Samstag,
    Sonntag,
    /// A gesetzlicher Feiertag in Hessen (also when it falls on a weekend: the name says more).
    Feiertag {
        name: String,
    },
}

impl Verschiebungsgrund {
    /// Why `d` is no Werktag, or `None` when it is one.
    pub fn fuer(d: NaiveDate) -> Option<Verschiebungsgrund> {
        if let Some(name) = ist_feiertag_hessen(d) {
            return Some(Verschiebungsgrund::Feiertag {
                name: name.to_owned(),
            });
        }
        match d.weekday() {
            Weekday::Sat => Some(Verschiebungsgrund::Samstag),
            Weekday::Sun => Some(Verschiebungsgrund::Sonntag),
            _ => None,
        }
    }
}

/// "Samstag", "Sonntag", "Feiertag (Karfreitag)".
impl fmt::Display for Verschiebungsgrund {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verschiebungsgrund::Samstag => f.write_str("Samstag"),
            Verschiebungsgrund::Sonntag => f.write_str("Sonntag"),
            Verschiebungsgrund::Feiertag { name } => write!(f, "Feiertag ({name})"),
        }
    }
}

/// One step of § 193 BGB: the deadline could not end on `von`, it moved to the next day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verschiebung {
    pub von: NaiveDate,
    pub grund: Verschiebungsgrund,
}

/// A computed deadline: when it ends, and everything needed to say why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fristende {
    /// The day of the triggering event (not counted, § 187 Abs. 1 BGB).
    pub start: NaiveDate,
    pub dauer: Dauer,
    /// The end by §§ 187, 188 BGB alone, before any shift.
    pub rechnerisches_ende: NaiveDate,
    /// The last day of the deadline (the deadline runs to the end of this day).
    pub ende: NaiveDate,
    /// The days the end moved away from, in order; empty when it did not move.
    pub verschiebungen: Vec<Verschiebung>,
    /// The rules the engine applied, e.g. "§ 187 Abs. 1 BGB", "§ 193 BGB".
    pub regeln: Vec<String>,
    /// The legal basis of the deadline itself as given by the caller, e.g. "§ 70 Abs. 1 HBO".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rechtsgrundlage: Option<String>,
}

/// Computes the end of a deadline of `dauer` that is triggered by an event on `start`.
pub fn berechne(start: NaiveDate, dauer: Dauer) -> Result<Fristende, FristFehler> {
    let dauer = dauer.pruefen()?;
    if !JAHRE.contains(&start.year()) {
        return Err(FristFehler::AusserhalbZeitraum(start));
    }
    let n = dauer.anzahl();
    let rechnerisch = match dauer {
        Dauer::Tage(_) => start.checked_add_days(Days::new(u64::from(n))),
        Dauer::Wochen(_) => start.checked_add_days(Days::new(7 * u64::from(n))),
        // chrono clamps to the month's last day, which is exactly § 188 Abs. 3 BGB.
        Dauer::Monate(_) => start.checked_add_months(Months::new(n)),
    };
    let ausserhalb = |d: NaiveDate| !JAHRE.contains(&d.year());
    let rechnerisches_ende = rechnerisch
        .filter(|d| !ausserhalb(*d))
        .ok_or(FristFehler::Ueberlauf { start, dauer })?;

    let mut ende = rechnerisches_ende;
    let mut verschiebungen = Vec::new();
    while let Some(grund) = Verschiebungsgrund::fuer(ende) {
        verschiebungen.push(Verschiebung { von: ende, grund });
        ende = ende
            .succ_opt()
            .filter(|d| !ausserhalb(*d))
            .ok_or(FristFehler::Ueberlauf { start, dauer })?;
    }

    let mut regeln = vec![P_31_1, P_187_1];
    match dauer {
        Dauer::Tage(_) => regeln.push(P_188_1),
        Dauer::Wochen(_) => regeln.push(P_188_2),
        Dauer::Monate(_) => {
            regeln.push(P_188_2);
            if rechnerisches_ende.day() != start.day() {
                regeln.push(P_188_3);
            }
        }
    }
    if !verschiebungen.is_empty() {
        regeln.extend([P_193, P_31_3]);
    }

    Ok(Fristende {
        start,
        dauer,
        rechnerisches_ende,
        ende,
        verschiebungen,
        regeln: regeln.into_iter().map(str::to_owned).collect(),
        rechtsgrundlage: None,
    })
}

impl Fristende {
    /// Attaches the legal basis of the deadline itself, e.g. "§ 70 Abs. 1 HBO".
    pub fn mit_rechtsgrundlage(mut self, rechtsgrundlage: impl Into<String>) -> Fristende {
        self.rechtsgrundlage = Some(rechtsgrundlage.into());
        self
    }

    /// The first day counted: the day after the event (§ 187 Abs. 1 BGB).
    pub fn fristbeginn(&self) -> NaiveDate {
        self.start.succ_opt().unwrap_or(self.start)
    }

    /// Whether § 193 BGB moved the end.
    pub fn verschoben(&self) -> bool {
        !self.verschiebungen.is_empty()
    }

    /// Whether § 188 Abs. 3 BGB applied: the event's day number does not exist in the
    /// last month, so the deadline ends on that month's last day.
    pub fn monatsende_nach_188_3(&self) -> bool {
        matches!(self.dauer, Dauer::Monate(_)) && self.rechnerisches_ende.day() != self.start.day()
    }

    /// The explanation for people, one German sentence per entry.
    pub fn erklaerung_saetze(&self) -> Vec<String> {
        let mut saetze = Vec::new();
        if let Some(r) = &self.rechtsgrundlage {
            saetze.push(format!("Rechtsgrundlage der Frist: {r}."));
        }
        saetze.push(format!(
            "Ereignis am {}. Dieser Tag wird nicht mitgerechnet; die Frist beginnt am {} \
             ({P_187_1}, {P_31_1}).",
            tag_de(self.start),
            tag_de(self.fristbeginn()),
        ));
        let von = self.dauer.dativ();
        let r_ende = tag_de(self.rechnerisches_ende);
        saetze.push(match self.dauer {
            Dauer::Tage(n) => format!(
                "Die Frist von {von} endet rechnerisch mit Ablauf ihres {n}. Tages, {r_ende} \
                 ({P_188_1})."
            ),
            Dauer::Wochen(_) => format!(
                "Die Frist von {von} endet rechnerisch mit Ablauf des Tages der letzten Woche, \
                 der durch seine Benennung dem Tag des Ereignisses entspricht: {r_ende} \
                 ({P_188_2})."
            ),
            Dauer::Monate(_) if self.monatsende_nach_188_3() => format!(
                "Die Frist von {von} endet rechnerisch mit Ablauf des letzten Tages des Monats \
                 {} {}, {r_ende}, weil es den {}. in diesem Monat nicht gibt \
                 (§ 188 Abs. 2, 3 BGB).",
                monat_de(self.rechnerisches_ende.month()),
                self.rechnerisches_ende.year(),
                self.start.day(),
            ),
            Dauer::Monate(_) => format!(
                "Die Frist von {von} endet rechnerisch mit Ablauf des Tages des letzten Monats, \
                 der durch seine Zahl dem Tag des Ereignisses entspricht: {r_ende} ({P_188_2})."
            ),
        });
        if self.verschiebungen.is_empty() {
            saetze.push(
                "Dieser Tag ist ein Werktag (weder Samstag, Sonntag noch gesetzlicher Feiertag \
                 in Hessen)."
                    .to_owned(),
            );
        } else {
            let kette: Vec<String> = self
                .verschiebungen
                .iter()
                .map(|v| match &v.grund {
                    Verschiebungsgrund::Samstag => {
                        format!("der {} ist ein Samstag", datum_de(v.von))
                    }
                    Verschiebungsgrund::Sonntag => {
                        format!("der {} ist ein Sonntag", datum_de(v.von))
                    }
                    Verschiebungsgrund::Feiertag { name } => format!(
                        "der {} ({}) ist ein gesetzlicher Feiertag in Hessen ({name})",
                        datum_de(v.von),
                        wochentag_de(v.von),
                    ),
                })
                .collect();
            saetze.push(format!(
                "Das rechnerische Ende fällt nicht auf einen Werktag: {}.",
                kette.join("; ")
            ));
            saetze.push(format!(
                "Die Frist endet daher erst mit Ablauf des nächstfolgenden Werktags, \
                 verschoben von {} auf {} ({P_193}, {P_31_3}).",
                tag_de(self.rechnerisches_ende),
                tag_de(self.ende),
            ));
        }
        saetze.push(format!(
            "Fristende: {}, mit Ablauf des Tages.",
            tag_de(self.ende)
        ));
        saetze
    }

    /// The explanation for people, one German sentence per line.
    pub fn erklaerung(&self) -> String {
        self.erklaerung_saetze().join("\n")
    }
}

/// Days from `heute` to the last day of a deadline `ende`: 0 on the last day itself,
/// negative once the deadline has passed.
pub fn tage_bis(heute: NaiveDate, ende: NaiveDate) -> i64 {
    (ende - heute).num_days()
}

/// Reads a date as "JJJJ-MM-TT" or "TT.MM.JJJJ".
pub fn parse_datum(s: &str) -> Result<NaiveDate, FristFehler> {
    let t = s.trim();
    let (format, muster) = if t.contains('.') {
        ("TT.MM.JJJJ", "%d.%m.%Y")
    } else {
        ("JJJJ-MM-TT", "%Y-%m-%d")
    };
    NaiveDate::parse_from_str(t, muster).map_err(|_| FristFehler::UngueltigesDatum {
        eingabe: s.to_owned(),
        format,
    })
}

/// The command-line form: START as "JJJJ-MM-TT" or "TT.MM.JJJJ", DAUER as "14T", "2W",
/// "3M". The first line of the answer is the last day of the deadline as "JJJJ-MM-TT",
/// the following lines explain it in German.
pub fn cli(start: &str, dauer: &str) -> Result<String, FristFehler> {
    let start = parse_datum(start)?;
    let dauer: Dauer = dauer.parse()?;
    let frist = berechne(start, dauer)?;
    Ok(format!(
        "{}\n{}",
        frist.ende.format("%Y-%m-%d"),
        frist.erklaerung()
    ))
}

/// "03.04.2026".
pub fn datum_de(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// "Freitag, 03.04.2026".
pub fn tag_de(d: NaiveDate) -> String {
    format!("{}, {}", wochentag_de(d), datum_de(d))
}

/// The German name of the weekday of `d`.
pub fn wochentag_de(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "Montag",
        Weekday::Tue => "Dienstag",
        Weekday::Wed => "Mittwoch",
        Weekday::Thu => "Donnerstag",
        Weekday::Fri => "Freitag",
        Weekday::Sat => "Samstag",
        Weekday::Sun => "Sonntag",
    }
}

/// The German name of a month (1–12).
pub fn monat_de(monat: u32) -> &'static str {
    const MONATE: [&str; 12] = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    MONATE
        .get((monat as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("")
}

/// What a stored deadline of a case is for. (A Stelle's deadline in the Beteiligung lives
/// with its request, see [`crate::beteiligung`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FristArt {
    /// The deadline of a Nachforderung (§ 70 Abs. 2 HBO): missed, the application is deemed
    /// withdrawn.
    Nachforderung,
    /// The decision deadline from the complete application (§ 65 Abs. 2 HBO in the
    /// vereinfachtes Verfahren: missed, the permit is deemed granted).
    Entscheidung,
}

impl FristArt {
    pub const ALL: [FristArt; 2] = [FristArt::Nachforderung, FristArt::Entscheidung];

    pub fn slug(self) -> &'static str {
        match self {
            FristArt::Nachforderung => "nachforderung",
            FristArt::Entscheidung => "entscheidung",
        }
    }

    pub fn from_slug(s: &str) -> Option<FristArt> {
        FristArt::ALL.into_iter().find(|a| a.slug() == s)
    }

    /// "Nachforderung", "Entscheidung".
    pub fn bezeichnung(self) -> &'static str {
        match self {
            FristArt::Nachforderung => "Nachforderung",
            FristArt::Entscheidung => "Entscheidung",
        }
    }

    /// What the applicants read: "Frist für die Nachreichung", "Entscheidungsfrist".
    pub fn bezeichnung_fuer_antragsteller(self) -> &'static str {
        match self {
            FristArt::Nachforderung => "Frist für die Nachreichung",
            FristArt::Entscheidung => "Entscheidungsfrist",
        }
    }
}

/// Where a stored deadline stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FristZustand {
    /// Running.
    Laeuft,
    /// Passed; the Bauaufsicht must confirm the consequence or extend it.
    Faellig,
    /// Its legal consequence happened (fiction).
    Ausgeloest,
    /// Done: answered, decided, or no longer needed.
    Erledigt,
}

impl FristZustand {
    pub const ALL: [FristZustand; 4] = [
        FristZustand::Laeuft,
        FristZustand::Faellig,
        FristZustand::Ausgeloest,
        FristZustand::Erledigt,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            FristZustand::Laeuft => "laeuft",
            FristZustand::Faellig => "faellig",
            FristZustand::Ausgeloest => "ausgeloest",
            FristZustand::Erledigt => "erledigt",
        }
    }

    pub fn from_slug(s: &str) -> Option<FristZustand> {
        FristZustand::ALL.into_iter().find(|z| z.slug() == s)
    }

    /// Running or due: someone still has to act on it.
    pub fn ist_offen(self) -> bool {
        matches!(self, FristZustand::Laeuft | FristZustand::Faellig)
    }
}

#[cfg(test)]
mod art_tests {
    use super::*;

    #[test]
    fn kinds_and_states_round_trip_through_their_slugs() {
        for a in FristArt::ALL {
            assert_eq!(FristArt::from_slug(a.slug()), Some(a));
        }
        for z in FristZustand::ALL {
            assert_eq!(FristZustand::from_slug(z.slug()), Some(z));
        }
        assert_eq!(FristArt::from_slug("x"), None);
        assert!(FristZustand::Faellig.ist_offen() && !FristZustand::Erledigt.ist_offen());
    }
}
