//! The clock. Every instant Plankammer stores or compares comes from here, and so does
//! "today in Germany", which decides deadlines. Normally that is the system clock.
//!
//! For end-to-end tests the clock can be moved: when the environment variable
//! `PLANKAMMER_TESTUHR` names a file, the file's content (an integer number of seconds,
//! possibly negative) is added to the system clock, read afresh on every call so a test can
//! move a running server and its workers forward — e.g. past the deadline of a
//! Beteiligung. The variable is read once per process; without it there is no file access
//! and no offset. The binary warns loudly at start when the test clock is active.

use crate::Millis;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The environment variable naming the test clock's offset file.
pub const TESTUHR_VAR: &str = "PLANKAMMER_TESTUHR";

/// Largest offset the test clock accepts: ten years, so a typo cannot overflow anything.
pub const MAX_VERSATZ_SECS: i64 = 10 * 366 * 24 * 3600;

fn testuhr_datei() -> &'static Option<PathBuf> {
    static DATEI: OnceLock<Option<PathBuf>> = OnceLock::new();
    DATEI.get_or_init(|| {
        std::env::var_os(TESTUHR_VAR)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// The offset file of the test clock, if one is configured.
pub fn testuhr() -> Option<&'static std::path::Path> {
    testuhr_datei().as_deref()
}

/// Parses the offset file's content: seconds, an optional sign, surrounding whitespace.
/// Anything else (or an offset beyond [`MAX_VERSATZ_SECS`]) counts as no offset.
pub fn versatz_aus(text: &str) -> Option<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|s| s.abs() <= MAX_VERSATZ_SECS)
}

fn versatz() -> Duration {
    let Some(datei) = testuhr() else {
        return Duration::zero();
    };
    // A missing or unreadable file means no offset: the test has not moved the clock yet.
    std::fs::read_to_string(datei)
        .ok()
        .and_then(|t| versatz_aus(&t))
        .map(Duration::seconds)
        .unwrap_or_else(Duration::zero)
}

/// Now, as Plankammer sees it.
pub fn jetzt() -> DateTime<Utc> {
    Utc::now() + versatz()
}

/// Milliseconds since the Unix epoch: the one representation of an instant in the store.
pub fn now_millis() -> Millis {
    jetzt().timestamp_millis()
}

/// The German calendar day of an instant (CET/CEST).
pub fn berlin_datum(t: DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(plankammer_domain::zeit::berlin_offset_hours(t))).date_naive()
}

/// Today in Germany: the day deadlines are counted against.
pub fn heute_berlin() -> NaiveDate {
    berlin_datum(jetzt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_offset_file_holds_signed_seconds_within_bounds() {
        assert_eq!(versatz_aus("86400\n"), Some(86_400));
        assert_eq!(versatz_aus("  -3600 "), Some(-3_600));
        assert_eq!(versatz_aus(""), None);
        assert_eq!(versatz_aus("1d"), None);
        assert_eq!(versatz_aus(&(MAX_VERSATZ_SECS + 1).to_string()), None);
        assert_eq!(versatz_aus("99999999999999999999999"), None);
    }

    #[test]
    fn the_german_day_changes_at_local_midnight_in_winter_and_summer() {
        // 23:30 UTC is 00:30 the next day in winter (CET) …
        let winter = Utc.with_ymd_and_hms(2027, 1, 14, 23, 30, 0).unwrap();
        assert_eq!(
            berlin_datum(winter),
            NaiveDate::from_ymd_opt(2027, 1, 15).unwrap()
        );
        // … and 22:30 UTC is already 00:30 in summer (CEST).
        let sommer = Utc.with_ymd_and_hms(2027, 7, 14, 22, 30, 0).unwrap();
        assert_eq!(
            berlin_datum(sommer),
            NaiveDate::from_ymd_opt(2027, 7, 15).unwrap()
        );
        let sommer_vorher = Utc.with_ymd_and_hms(2027, 7, 14, 21, 59, 0).unwrap();
        assert_eq!(
            berlin_datum(sommer_vorher),
            NaiveDate::from_ymd_opt(2027, 7, 14).unwrap()
        );
    }

    #[test]
    fn without_the_variable_the_clock_is_the_system_clock() {
        // The test binary is not started with PLANKAMMER_TESTUHR.
        assert!(testuhr().is_none());
        let vorher = Utc::now().timestamp_millis();
        let n = now_millis();
        let nachher = Utc::now().timestamp_millis();
        assert!(vorher <= n && n <= nachher);
    }
}
