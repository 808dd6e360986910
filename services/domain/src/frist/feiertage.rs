//! Gesetzliche Feiertage in Hessen (§ 1 Abs. 1 HFeiertagsG) and the working days that
//! § 193 BGB and § 31 Abs. 3 HVwVfG let a deadline end on.
//!
//! The current catalogue of § 1 Abs. 1 HFeiertagsG is applied to every year; earlier
//! catalogues (e.g. the 17th of June before 1991) are not modelled. The one exception is
//! the Reformationstag 2017, a one-off holiday in every Land for the 500th anniversary.
//! Sundays are holidays too under § 1 Abs. 1 HFeiertagsG ("die Sonntage sowie …"), which is
//! why Ostersonntag and Pfingstsonntag need no entry of their own.

use chrono::{Datelike, Days, NaiveDate, Weekday};

pub const NEUJAHR: &str = "Neujahr";
pub const KARFREITAG: &str = "Karfreitag";
pub const OSTERMONTAG: &str = "Ostermontag";
pub const TAG_DER_ARBEIT: &str = "Tag der Arbeit (1. Mai)";
pub const CHRISTI_HIMMELFAHRT: &str = "Christi Himmelfahrt";
pub const PFINGSTMONTAG: &str = "Pfingstmontag";
pub const FRONLEICHNAM: &str = "Fronleichnam";
pub const TAG_DER_DEUTSCHEN_EINHEIT: &str = "Tag der Deutschen Einheit";
pub const ERSTER_WEIHNACHTSTAG: &str = "1. Weihnachtstag";
pub const ZWEITER_WEIHNACHTSTAG: &str = "2. Weihnachtstag";
pub const REFORMATIONSTAG_2017: &str = "Reformationstag (500. Jahrestag, einmalig 2017)";
/// Christi Himmelfahrt can fall on the 1st of May (2008, 2160, 2228, 2380 …).
pub const TAG_DER_ARBEIT_UND_HIMMELFAHRT: &str = "Tag der Arbeit (1. Mai) und Christi Himmelfahrt";

/// Holidays that depend on Easter, as (days after Ostersonntag, name); negative = before.
const BEWEGLICH: [(i64, &str); 5] = [
    (-2, KARFREITAG),
    (1, OSTERMONTAG),
    (39, CHRISTI_HIMMELFAHRT),
    (50, PFINGSTMONTAG),
    (60, FRONLEICHNAM),
];

/// Holidays on a fixed date, as (month, day, name).
const FEST: [(u32, u32, &str); 5] = [
    (1, 1, NEUJAHR),
    (5, 1, TAG_DER_ARBEIT),
    (10, 3, TAG_DER_DEUTSCHEN_EINHEIT),
    (12, 25, ERSTER_WEIHNACHTSTAG),
    (12, 26, ZWEITER_WEIHNACHTSTAG),
];

/// Ostersonntag of a Gregorian year by the anonymous Gregorian computus
/// (Meeus/Jones/Butcher). Meaningful for the Gregorian calendar, i.e. from 1583.
/// `None` only when the date cannot be represented.
pub fn ostersonntag(jahr: i32) -> Option<NaiveDate> {
    let y = i64::from(jahr);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let monat = u32::try_from(n.div_euclid(31)).ok()?;
    let tag = u32::try_from(n.rem_euclid(31) + 1).ok()?;
    NaiveDate::from_ymd_opt(jahr, monat, tag)
}

fn nach_ostern(ostern: NaiveDate, tage: i64) -> Option<NaiveDate> {
    if tage >= 0 {
        ostern.checked_add_days(Days::new(tage.unsigned_abs()))
    } else {
        ostern.checked_sub_days(Days::new(tage.unsigned_abs()))
    }
}

/// All gesetzliche Feiertage of Hessen in `jahr` (besides the Sundays), sorted by date.
/// When two fall on one day (Christi Himmelfahrt on the 1st of May) both are listed.
pub fn feiertage_hessen(jahr: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut tage: Vec<(NaiveDate, &'static str)> = FEST
        .iter()
        .filter_map(|&(m, d, name)| NaiveDate::from_ymd_opt(jahr, m, d).map(|x| (x, name)))
        .collect();
    if let Some(ostern) = ostersonntag(jahr) {
        tage.extend(
            BEWEGLICH
                .iter()
                .filter_map(|&(off, name)| nach_ostern(ostern, off).map(|x| (x, name))),
        );
    }
    if jahr == 2017
        && let Some(d) = NaiveDate::from_ymd_opt(2017, 10, 31)
    {
        tage.push((d, REFORMATIONSTAG_2017));
    }
    tage.sort_by_key(|&(d, _)| d);
    tage
}

/// The name of the Hessen holiday on `d`, if it is one. Sundays that are not also one of
/// the named holidays give `None` (they are handled as Sundays).
pub fn ist_feiertag_hessen(d: NaiveDate) -> Option<&'static str> {
    let fest = FEST
        .iter()
        .find(|&&(m, t, _)| d.month() == m && d.day() == t)
        .map(|&(_, _, name)| name);
    let beweglich = ostersonntag(d.year()).and_then(|ostern| {
        let abstand = (d - ostern).num_days();
        BEWEGLICH
            .iter()
            .find(|&&(off, _)| off == abstand)
            .map(|&(_, name)| name)
    });
    match (fest, beweglich) {
        (Some(TAG_DER_ARBEIT), Some(CHRISTI_HIMMELFAHRT)) => Some(TAG_DER_ARBEIT_UND_HIMMELFAHRT),
        (Some(name), _) | (None, Some(name)) => Some(name),
        (None, None) if d.year() == 2017 && d.month() == 10 && d.day() == 31 => {
            Some(REFORMATIONSTAG_2017)
        }
        (None, None) => None,
    }
}

/// A day a deadline may end on: a Werktag in the sense of § 193 BGB, i.e. neither Saturday
/// (Sonnabend), Sunday nor a gesetzlicher Feiertag in Hessen.
pub fn ist_arbeitstag(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && ist_feiertag_hessen(d).is_none()
}
