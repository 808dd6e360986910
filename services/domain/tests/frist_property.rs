//! Properties of the Fristberechnung that must hold for every start and every duration.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use plankammer_domain::frist::{Dauer, berechne, ist_arbeitstag, ist_feiertag_hessen};
use proptest::prelude::*;

fn erster_tag() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
}

/// Any day from 01.01.1900 to 31.12.2200.
fn datum() -> impl Strategy<Value = NaiveDate> {
    let letzter = NaiveDate::from_ymd_opt(2200, 12, 31).unwrap();
    let spanne = (letzter - erster_tag()).num_days() as u64;
    (0..=spanne).prop_map(|n| erster_tag() + Days::new(n))
}

fn dauer() -> impl Strategy<Value = Dauer> {
    prop_oneof![
        (1u32..=3653).prop_map(Dauer::Tage),
        (1u32..=60).prop_map(Dauer::Tage),
        (1u32..=521).prop_map(Dauer::Wochen),
        (1u32..=120).prop_map(Dauer::Monate),
        (1u32..=6).prop_map(Dauer::Monate),
    ]
}

fn tage_im_monat(jahr: i32, monat: u32) -> u32 {
    let erster = NaiveDate::from_ymd_opt(jahr, monat, 1).unwrap();
    let naechster = erster + Months::new(1);
    (naechster - erster).num_days() as u32
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn ende_is_a_working_day(start in datum(), dauer in dauer()) {
        let f = berechne(start, dauer).unwrap();
        prop_assert!(!matches!(f.ende.weekday(), Weekday::Sat | Weekday::Sun));
        prop_assert_eq!(ist_feiertag_hessen(f.ende), None);
        prop_assert!(ist_arbeitstag(f.ende));
    }

    #[test]
    fn ende_is_after_the_event(start in datum(), dauer in dauer()) {
        let f = berechne(start, dauer).unwrap();
        prop_assert!(f.ende > start);
        prop_assert!(f.rechnerisches_ende > start);
        prop_assert_eq!(f.fristbeginn(), start.succ_opt().unwrap());
        prop_assert_eq!(f.start, start);
        prop_assert_eq!(f.dauer, dauer);
    }

    #[test]
    fn shift_is_short_and_explained(start in datum(), dauer in dauer()) {
        let f = berechne(start, dauer).unwrap();
        let verschiebung = (f.ende - f.rechnerisches_ende).num_days();
        prop_assert!((0..5).contains(&verschiebung), "{} days", verschiebung);
        prop_assert_eq!(f.verschiebungen.len() as i64, verschiebung);
        for (i, v) in f.verschiebungen.iter().enumerate() {
            prop_assert_eq!(v.von, f.rechnerisches_ende + Days::new(i as u64));
            prop_assert!(!ist_arbeitstag(v.von));
        }
        let text = f.erklaerung();
        prop_assert!(text.contains(&f.ende.format("%d.%m.%Y").to_string()));
        prop_assert_eq!(text.contains("§ 193 BGB"), f.verschoben());
    }

    #[test]
    fn monotonic_in_the_start(a in datum(), b in datum(), dauer in dauer()) {
        let (frueh, spaet) = if a <= b { (a, b) } else { (b, a) };
        let f1 = berechne(frueh, dauer).unwrap();
        let f2 = berechne(spaet, dauer).unwrap();
        prop_assert!(f1.rechnerisches_ende <= f2.rechnerisches_ende);
        prop_assert!(f1.ende <= f2.ende);
    }

    #[test]
    fn monotonic_for_neighbouring_days(start in datum(), dauer in dauer()) {
        let f1 = berechne(start, dauer).unwrap();
        let f2 = berechne(start.succ_opt().unwrap(), dauer).unwrap();
        prop_assert!(f1.ende <= f2.ende);
    }

    #[test]
    fn days_and_weeks_are_plain_addition(start in datum(), n in 1u32..=521) {
        let tage = berechne(start, Dauer::Tage(n)).unwrap();
        prop_assert_eq!(tage.rechnerisches_ende, start + Days::new(u64::from(n)));
        let wochen = berechne(start, Dauer::Wochen(n)).unwrap();
        prop_assert_eq!(wochen.rechnerisches_ende, start + Days::new(7 * u64::from(n)));
        // § 188 Abs. 2 BGB: the weekday with the same name as the event day.
        prop_assert_eq!(wochen.rechnerisches_ende.weekday(), start.weekday());
    }

    #[test]
    fn months_keep_the_day_number_or_take_the_last(start in datum(), n in 1u32..=120) {
        let f = berechne(start, Dauer::Monate(n)).unwrap();
        let monate = start.year() * 12 + start.month0() as i32 + n as i32;
        let (jahr, monat) = (monate.div_euclid(12), monate.rem_euclid(12) as u32 + 1);
        prop_assert_eq!(f.rechnerisches_ende.year(), jahr);
        prop_assert_eq!(f.rechnerisches_ende.month(), monat);
        prop_assert_eq!(
            f.rechnerisches_ende.day(),
            start.day().min(tage_im_monat(jahr, monat))
        );
        prop_assert_eq!(f.monatsende_nach_188_3(), start.day() > tage_im_monat(jahr, monat));
    }

    #[test]
    fn serde_round_trip(start in datum(), dauer in dauer()) {
        let f = berechne(start, dauer).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        let zurueck: plankammer_domain::frist::Fristende = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(zurueck, f);
    }

    #[test]
    fn dauer_text_round_trip(dauer in dauer()) {
        prop_assert_eq!(dauer.kurzform().parse::<Dauer>().unwrap(), dauer);
        prop_assert_eq!(dauer.to_string().parse::<Dauer>().unwrap(), dauer);
        prop_assert_eq!(dauer.kurzform().to_lowercase().parse::<Dauer>().unwrap(), dauer);
    }

    #[test]
    fn dauer_parser_never_panics(text in "\\PC{0,12}") {
        let _ = text.parse::<Dauer>();
    }
}
