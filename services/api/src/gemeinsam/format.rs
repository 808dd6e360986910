//! German words for what the pages show: days left of a deadline, Gemeinden by their AGS,
//! Anlagearten with their code, sizes.

use chrono::NaiveDate;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::{codeliste, frist};

pub use plankammer_verfahren::dokumente::mb;

/// "noch 12 Tage", "endet heute", "seit 3 Tagen abgelaufen".
pub fn resttage_text(heute: NaiveDate, ende: NaiveDate) -> String {
    match frist::tage_bis(heute, ende) {
        0 => "endet heute".into(),
        1 => "noch 1 Tag".into(),
        n if n > 1 => format!("noch {n} Tage"),
        -1 => "seit 1 Tag abgelaufen".into(),
        n => format!("seit {} Tagen abgelaufen", -n),
    }
}

/// A date as the forms send it back: `2026-03-31`.
pub fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The Hessen Gemeinden for a filter or a form, by name: (AGS, name).
pub fn gemeinde_optionen() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = codeliste::gemeinden_hessen()
        .eintraege
        .iter()
        .map(|e| (e.code.clone(), e.name.clone()))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

/// The name of a Gemeinde by its AGS (the AGS itself when unknown; empty for none).
pub fn gemeinde_name(ags: Option<&str>) -> String {
    match ags {
        Some(ags) => codeliste::gemeinden_hessen()
            .name(ags)
            .map(str::to_string)
            .unwrap_or_else(|| ags.to_string()),
        None => String::new(),
    }
}

/// "Grundrisse (2001)", or "ohne Anlageart".
pub fn anlageart_text(a: Option<&Anlageart>) -> String {
    match a {
        // Words for people; the code stays in the API and XBau.
        Some(a) => a.name().to_string(),
        None => "ohne Anlageart".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_read_as_german() {
        let h = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(resttage_text(h, h), "endet heute");
        assert_eq!(resttage_text(h, h.succ_opt().unwrap()), "noch 1 Tag");
        assert_eq!(
            resttage_text(h, NaiveDate::from_ymd_opt(2026, 3, 12).unwrap()),
            "noch 10 Tage"
        );
        assert_eq!(
            resttage_text(h, NaiveDate::from_ymd_opt(2026, 2, 27).unwrap()),
            "seit 3 Tagen abgelaufen"
        );
    }

    #[test]
    fn anlagearten_read_as_words_without_their_code() {
        let a = Anlageart::parse("2001").unwrap();
        assert_eq!(anlageart_text(Some(&a)), "Grundrisse");
        assert_eq!(anlageart_text(None), "ohne Anlageart");
    }
}
