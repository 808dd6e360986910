//! Fristberechnung against hand-checked calendar cases (§ 31 HVwVfG, §§ 187–193 BGB).

use chrono::NaiveDate;
use plankammer_domain::frist::{
    Dauer, FristFehler, Verschiebung, Verschiebungsgrund, berechne, cli, feiertage_hessen,
    ist_arbeitstag, ist_feiertag_hessen, ostersonntag, parse_datum, tage_bis,
};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn dauer(s: &str) -> Dauer {
    s.parse().expect("test duration")
}

/// (event day, duration, end by §§ 187, 188 BGB, end after § 193 BGB, the calendar behind it).
/// Every weekday and holiday below was checked against the calendar (python3 datetime).
const FAELLE: &[(&str, &str, &str, &str, &str)] = &[
    // Month ends, § 188 Abs. 3 BGB.
    (
        "2026-01-31",
        "1M",
        "2026-02-28",
        "2026-03-02",
        "28.02. Sa, 01.03. So",
    ),
    (
        "2024-01-31",
        "1M",
        "2024-02-29",
        "2024-02-29",
        "leap year, 29.02. Do",
    ),
    ("2026-03-31", "1M", "2026-04-30", "2026-04-30", "30.04. Do"),
    (
        "2026-11-30",
        "3M",
        "2027-02-28",
        "2027-03-01",
        "28.02.2027 So",
    ),
    (
        "2023-11-30",
        "3M",
        "2024-02-29",
        "2024-02-29",
        "leap year, Do",
    ),
    (
        "2025-12-31",
        "2M",
        "2026-02-28",
        "2026-03-02",
        "clamped and Sa/So",
    ),
    (
        "2100-01-31",
        "1M",
        "2100-02-28",
        "2100-03-01",
        "2100 no leap year, 28.02. So",
    ),
    (
        "2000-01-31",
        "1M",
        "2000-02-29",
        "2000-02-29",
        "2000 leap year, Di",
    ),
    // Plain weekdays.
    ("2026-04-14", "2W", "2026-04-28", "2026-04-28", "Di to Di"),
    ("2026-01-15", "12M", "2027-01-15", "2027-01-15", "Fr"),
    (
        "2025-11-29",
        "1M",
        "2025-12-29",
        "2025-12-29",
        "event on Sa, end Mo",
    ),
    (
        "2026-10-31",
        "2M",
        "2026-12-31",
        "2026-12-31",
        "31.12. no holiday, Do",
    ),
    ("2026-12-17", "2W", "2026-12-31", "2026-12-31", "31.12. Do"),
    // Weekends.
    (
        "2026-04-02",
        "1M",
        "2026-05-02",
        "2026-05-04",
        "02.05. Sa, 03.05. So",
    ),
    (
        "2026-06-06",
        "14T",
        "2026-06-20",
        "2026-06-22",
        "Sa to Sa, Mo",
    ),
    (
        "2026-06-05",
        "1T",
        "2026-06-06",
        "2026-06-08",
        "one day onto Sa",
    ),
    // Easter.
    (
        "2026-03-20",
        "14T",
        "2026-04-03",
        "2026-04-07",
        "Karfreitag, Sa, So, Ostermontag",
    ),
    (
        "2026-03-03",
        "1M",
        "2026-04-03",
        "2026-04-07",
        "Karfreitag chain",
    ),
    (
        "2025-03-21",
        "1M",
        "2025-04-21",
        "2025-04-22",
        "Ostermontag 2025",
    ),
    (
        "2027-02-26",
        "4W",
        "2027-03-26",
        "2027-03-30",
        "Karfreitag 2027",
    ),
    (
        "2024-02-29",
        "1M",
        "2024-03-29",
        "2024-04-02",
        "Karfreitag 2024",
    ),
    (
        "2038-03-26",
        "1M",
        "2038-04-26",
        "2038-04-27",
        "Ostermontag 2038 (latest Easter)",
    ),
    // Other moveable holidays.
    (
        "2026-04-30",
        "2W",
        "2026-05-14",
        "2026-05-15",
        "Christi Himmelfahrt",
    ),
    (
        "2026-04-25",
        "1M",
        "2026-05-25",
        "2026-05-26",
        "Pfingstmontag",
    ),
    (
        "2026-03-04",
        "3M",
        "2026-06-04",
        "2026-06-05",
        "Fronleichnam (Hessen)",
    ),
    (
        "2008-04-17",
        "14T",
        "2008-05-01",
        "2008-05-02",
        "1. Mai = Himmelfahrt",
    ),
    // Fixed holidays.
    ("2026-04-17", "14T", "2026-05-01", "2026-05-04", "1. Mai Fr"),
    (
        "2026-09-03",
        "1M",
        "2026-10-03",
        "2026-10-05",
        "3.10. Sa, So",
    ),
    ("2025-09-19", "2W", "2025-10-03", "2025-10-06", "3.10. Fr"),
    (
        "2026-10-03",
        "14T",
        "2026-10-17",
        "2026-10-19",
        "event on a holiday: start not moved",
    ),
    (
        "2026-12-10",
        "14T",
        "2026-12-24",
        "2026-12-24",
        "24.12. is no holiday",
    ),
    (
        "2026-11-25",
        "1M",
        "2026-12-25",
        "2026-12-28",
        "25.12. Fr, 26.12. Sa, So",
    ),
    (
        "2027-11-25",
        "1M",
        "2027-12-25",
        "2027-12-27",
        "25.12. Sa, 26.12. So",
    ),
    (
        "2026-12-18",
        "14T",
        "2027-01-01",
        "2027-01-04",
        "Neujahr Fr, year boundary",
    ),
    (
        "2021-12-18",
        "14T",
        "2022-01-01",
        "2022-01-03",
        "Neujahr Sa",
    ),
    // Not holidays in Hessen.
    (
        "2025-10-17",
        "14T",
        "2025-10-31",
        "2025-10-31",
        "Reformationstag Fr",
    ),
    (
        "2027-10-18",
        "2W",
        "2027-11-01",
        "2027-11-01",
        "Allerheiligen Mo",
    ),
    (
        "2017-10-17",
        "14T",
        "2017-10-31",
        "2017-11-01",
        "Reformationstag 2017, one-off",
    ),
];

#[test]
fn table_of_hand_checked_deadlines() {
    assert!(FAELLE.len() >= 25);
    for &(start, dauer_text, rechnerisch, ende, notiz) in FAELLE {
        let f = berechne(d(start), dauer(dauer_text)).expect(notiz);
        assert_eq!(
            f.rechnerisches_ende,
            d(rechnerisch),
            "{start} + {dauer_text}: rechnerisches Ende ({notiz})"
        );
        assert_eq!(f.ende, d(ende), "{start} + {dauer_text}: Ende ({notiz})");
        assert_eq!(f.start, d(start));
        assert_eq!(
            f.verschoben(),
            rechnerisch != ende,
            "{start} + {dauer_text}"
        );
        assert_eq!(
            u64::try_from((f.ende - f.rechnerisches_ende).num_days()).unwrap(),
            f.verschiebungen.len() as u64,
            "one Verschiebung per day moved ({notiz})"
        );
    }
}

#[test]
fn karfreitag_chain_lists_every_day() {
    let f = berechne(d("2026-03-20"), Dauer::Tage(14)).unwrap();
    assert_eq!(
        f.verschiebungen,
        vec![
            Verschiebung {
                von: d("2026-04-03"),
                grund: Verschiebungsgrund::Feiertag {
                    name: "Karfreitag".into()
                }
            },
            Verschiebung {
                von: d("2026-04-04"),
                grund: Verschiebungsgrund::Samstag
            },
            Verschiebung {
                von: d("2026-04-05"),
                grund: Verschiebungsgrund::Sonntag
            },
            Verschiebung {
                von: d("2026-04-06"),
                grund: Verschiebungsgrund::Feiertag {
                    name: "Ostermontag".into()
                }
            },
        ]
    );
    assert_eq!(
        f.regeln,
        [
            "§ 31 Abs. 1 HVwVfG",
            "§ 187 Abs. 1 BGB",
            "§ 188 Abs. 1 BGB",
            "§ 193 BGB",
            "§ 31 Abs. 3 HVwVfG"
        ]
    );
}

#[test]
fn holiday_on_a_saturday_is_named_as_holiday() {
    let f = berechne(d("2026-09-03"), Dauer::Monate(1)).unwrap();
    assert_eq!(
        f.verschiebungen[0].grund,
        Verschiebungsgrund::Feiertag {
            name: "Tag der Deutschen Einheit".into()
        }
    );
    assert_eq!(f.verschiebungen[1].grund, Verschiebungsgrund::Sonntag);
}

#[test]
fn rules_cited_for_month_deadlines() {
    let normal = berechne(d("2026-01-15"), Dauer::Monate(12)).unwrap();
    assert_eq!(
        normal.regeln,
        ["§ 31 Abs. 1 HVwVfG", "§ 187 Abs. 1 BGB", "§ 188 Abs. 2 BGB"]
    );
    assert!(!normal.monatsende_nach_188_3());
    let kurz = berechne(d("2026-03-31"), Dauer::Monate(1)).unwrap();
    assert!(kurz.monatsende_nach_188_3());
    assert!(kurz.regeln.contains(&"§ 188 Abs. 3 BGB".to_owned()));
    let wochen = berechne(d("2026-04-14"), Dauer::Wochen(2)).unwrap();
    assert!(wochen.regeln.contains(&"§ 188 Abs. 2 BGB".to_owned()));
}

#[test]
fn explanation_without_shift() {
    let f = berechne(d("2026-03-31"), Dauer::Monate(1))
        .unwrap()
        .mit_rechtsgrundlage("§ 70 Abs. 1 HBO");
    assert_eq!(
        f.erklaerung(),
        "Rechtsgrundlage der Frist: § 70 Abs. 1 HBO.\n\
         Ereignis am Dienstag, 31.03.2026. Dieser Tag wird nicht mitgerechnet; die Frist \
         beginnt am Mittwoch, 01.04.2026 (§ 187 Abs. 1 BGB, § 31 Abs. 1 HVwVfG).\n\
         Die Frist von 1 Monat endet rechnerisch mit Ablauf des letzten Tages des Monats \
         April 2026, Donnerstag, 30.04.2026, weil es den 31. in diesem Monat nicht gibt \
         (§ 188 Abs. 2, 3 BGB).\n\
         Dieser Tag ist ein Werktag (weder Samstag, Sonntag noch gesetzlicher Feiertag in \
         Hessen).\n\
         Fristende: Donnerstag, 30.04.2026, mit Ablauf des Tages."
    );
}

#[test]
fn explanation_of_the_whole_easter_chain() {
    let f = berechne(d("2026-03-20"), Dauer::Tage(14)).unwrap();
    assert_eq!(
        f.erklaerung(),
        "Ereignis am Freitag, 20.03.2026. Dieser Tag wird nicht mitgerechnet; die Frist \
         beginnt am Samstag, 21.03.2026 (§ 187 Abs. 1 BGB, § 31 Abs. 1 HVwVfG).\n\
         Die Frist von 14 Tagen endet rechnerisch mit Ablauf ihres 14. Tages, \
         Freitag, 03.04.2026 (§ 188 Abs. 1 BGB).\n\
         Das rechnerische Ende fällt nicht auf einen Werktag: der 03.04.2026 (Freitag) ist \
         ein gesetzlicher Feiertag in Hessen (Karfreitag); der 04.04.2026 ist ein Samstag; \
         der 05.04.2026 ist ein Sonntag; der 06.04.2026 (Montag) ist ein gesetzlicher \
         Feiertag in Hessen (Ostermontag).\n\
         Die Frist endet daher erst mit Ablauf des nächstfolgenden Werktags, verschoben von \
         Freitag, 03.04.2026 auf Dienstag, 07.04.2026 (§ 193 BGB, § 31 Abs. 3 HVwVfG).\n\
         Fristende: Dienstag, 07.04.2026, mit Ablauf des Tages."
    );
}

#[test]
fn explanation_names_weekend_holidays_and_paragraphs() {
    let samstag = berechne(d("2026-04-02"), Dauer::Monate(1))
        .unwrap()
        .erklaerung();
    for teil in [
        "der 02.05.2026 ist ein Samstag",
        "der 03.05.2026 ist ein Sonntag",
        "Montag, 04.05.2026",
        "§ 188 Abs. 2 BGB",
        "§ 193 BGB",
        "§ 31 Abs. 3 HVwVfG",
    ] {
        assert!(samstag.contains(teil), "{teil:?} missing in:\n{samstag}");
    }
    assert!(!samstag.contains("Feiertag in Hessen ("));

    let fronleichnam = berechne(d("2026-03-04"), Dauer::Monate(3))
        .unwrap()
        .erklaerung();
    assert!(fronleichnam.contains("(Fronleichnam)"), "{fronleichnam}");
    assert!(
        fronleichnam.contains("04.06.2026 (Donnerstag)"),
        "{fronleichnam}"
    );

    let wochen = berechne(d("2025-09-19"), Dauer::Wochen(2))
        .unwrap()
        .erklaerung();
    assert!(wochen.contains("Die Frist von 2 Wochen"), "{wochen}");
    assert!(wochen.contains("durch seine Benennung"), "{wochen}");
    assert!(wochen.contains("(Tag der Deutschen Einheit)"), "{wochen}");

    let ein_tag = berechne(d("2026-06-05"), Dauer::Tage(1))
        .unwrap()
        .erklaerung();
    assert!(ein_tag.contains("Die Frist von 1 Tag endet"), "{ein_tag}");

    let monate = berechne(d("2026-01-15"), Dauer::Monate(12))
        .unwrap()
        .erklaerung();
    assert!(monate.contains("Die Frist von 12 Monaten"), "{monate}");
    assert!(monate.contains("durch seine Zahl"), "{monate}");
}

#[test]
fn easter_sundays() {
    for (jahr, ostern) in [
        (1818, "1818-03-22"),
        (1900, "1900-04-15"),
        (1943, "1943-04-25"),
        (2000, "2000-04-23"),
        (2008, "2008-03-23"),
        (2011, "2011-04-24"),
        (2019, "2019-04-21"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2038, "2038-04-25"),
        (2285, "2285-03-22"),
    ] {
        assert_eq!(ostersonntag(jahr), Some(d(ostern)), "{jahr}");
    }
}

/// Gauß's Osterformel as extended by Lichtenberg: an algorithm independent of the
/// Meeus/Jones/Butcher computus the engine uses.
fn ostern_nach_gauss(x: i32) -> NaiveDate {
    let k = x / 100;
    let m = 15 + (3 * k + 3) / 4 - (8 * k + 13) / 25;
    let s = 2 - (3 * k + 3) / 4;
    let a = x % 19;
    let d = (19 * a + m) % 30;
    let r = (d + a / 11) / 29;
    let og = 21 + d - r;
    let sz = 7 - (x + x / 4 + s) % 7;
    let oe = 7 - (og - sz) % 7;
    let os = u32::try_from(og + oe).unwrap();
    let maerz = NaiveDate::from_ymd_opt(x, 3, 1).unwrap();
    maerz + chrono::Days::new(u64::from(os - 1))
}

#[test]
fn computus_agrees_with_gauss_for_every_year() {
    for jahr in 1583..=9999 {
        assert_eq!(ostersonntag(jahr), Some(ostern_nach_gauss(jahr)), "{jahr}");
    }
}

#[test]
fn holiday_tables() {
    let tabelle = |jahr: i32| -> Vec<(String, &'static str)> {
        feiertage_hessen(jahr)
            .into_iter()
            .map(|(t, n)| (t.format("%Y-%m-%d").to_string(), n))
            .collect()
    };
    let erwartet = |liste: &[(&str, &'static str)]| -> Vec<(String, &'static str)> {
        liste.iter().map(|&(t, n)| (t.to_owned(), n)).collect()
    };
    assert_eq!(
        tabelle(2026),
        erwartet(&[
            ("2026-01-01", "Neujahr"),
            ("2026-04-03", "Karfreitag"),
            ("2026-04-06", "Ostermontag"),
            ("2026-05-01", "Tag der Arbeit (1. Mai)"),
            ("2026-05-14", "Christi Himmelfahrt"),
            ("2026-05-25", "Pfingstmontag"),
            ("2026-06-04", "Fronleichnam"),
            ("2026-10-03", "Tag der Deutschen Einheit"),
            ("2026-12-25", "1. Weihnachtstag"),
            ("2026-12-26", "2. Weihnachtstag"),
        ])
    );
    assert_eq!(
        tabelle(2024),
        erwartet(&[
            ("2024-01-01", "Neujahr"),
            ("2024-03-29", "Karfreitag"),
            ("2024-04-01", "Ostermontag"),
            ("2024-05-01", "Tag der Arbeit (1. Mai)"),
            ("2024-05-09", "Christi Himmelfahrt"),
            ("2024-05-20", "Pfingstmontag"),
            ("2024-05-30", "Fronleichnam"),
            ("2024-10-03", "Tag der Deutschen Einheit"),
            ("2024-12-25", "1. Weihnachtstag"),
            ("2024-12-26", "2. Weihnachtstag"),
        ])
    );
    let t2025 = tabelle(2025);
    for tag in [
        "2025-04-18",
        "2025-04-21",
        "2025-05-29",
        "2025-06-09",
        "2025-06-19",
    ] {
        assert!(t2025.iter().any(|(t, _)| t == tag), "{tag}");
    }
    let t2027 = tabelle(2027);
    for tag in [
        "2027-03-26",
        "2027-03-29",
        "2027-05-06",
        "2027-05-17",
        "2027-05-27",
    ] {
        assert!(t2027.iter().any(|(t, _)| t == tag), "{tag}");
    }
    let t2038 = tabelle(2038);
    for tag in [
        "2038-04-23",
        "2038-04-26",
        "2038-06-03",
        "2038-06-14",
        "2038-06-24",
    ] {
        assert!(t2038.iter().any(|(t, _)| t == tag), "{tag}");
    }
    // Ten a year; 2017 had the Reformationstag on top.
    for jahr in 1900..=2200 {
        let n = feiertage_hessen(jahr).len();
        assert_eq!(n, if jahr == 2017 { 11 } else { 10 }, "{jahr}");
    }
    // Both listed when Christi Himmelfahrt is the 1st of May.
    let t2008 = tabelle(2008);
    assert_eq!(t2008.iter().filter(|(t, _)| t == "2008-05-01").count(), 2);
}

#[test]
fn ist_feiertag_and_arbeitstag() {
    assert_eq!(ist_feiertag_hessen(d("2026-06-04")), Some("Fronleichnam"));
    assert_eq!(ist_feiertag_hessen(d("2026-04-03")), Some("Karfreitag"));
    assert_eq!(
        ist_feiertag_hessen(d("2008-05-01")),
        Some("Tag der Arbeit (1. Mai) und Christi Himmelfahrt")
    );
    // Not in Hessen: Heilige Drei Könige, Reformationstag, Allerheiligen, Buß- und Bettag,
    // Heiligabend, Silvester, Weltkindertag, Frauentag.
    for jahr in 2018..=2040 {
        for (m, t) in [
            (1, 6),
            (10, 31),
            (11, 1),
            (12, 24),
            (12, 31),
            (9, 20),
            (3, 8),
        ] {
            let tag = NaiveDate::from_ymd_opt(jahr, m, t).unwrap();
            assert_eq!(ist_feiertag_hessen(tag), None, "{tag}");
        }
    }
    assert_eq!(
        ist_feiertag_hessen(d("2026-11-18")),
        None,
        "Buß- und Bettag"
    );
    assert_eq!(
        ist_feiertag_hessen(d("2017-10-31")),
        Some("Reformationstag (500. Jahrestag, einmalig 2017)")
    );
    // Ostersonntag and Pfingstsonntag are Sundays, nothing more.
    assert_eq!(ist_feiertag_hessen(d("2026-04-05")), None);
    assert!(!ist_arbeitstag(d("2026-04-05")));
    assert!(!ist_arbeitstag(d("2026-04-06")));
    assert!(!ist_arbeitstag(d("2026-05-02")));
    assert!(ist_arbeitstag(d("2026-04-07")));
    assert!(ist_arbeitstag(d("2026-12-24")));
    // The table and the lookup agree.
    for jahr in [1950, 2008, 2017, 2026, 2100, 2200] {
        for (tag, _) in feiertage_hessen(jahr) {
            assert!(ist_feiertag_hessen(tag).is_some(), "{tag}");
        }
    }
}

#[test]
fn dauer_parse_and_display() {
    for (text, erwartet) in [
        ("14T", Dauer::Tage(14)),
        ("14t", Dauer::Tage(14)),
        (" 14 T ", Dauer::Tage(14)),
        ("14 Tage", Dauer::Tage(14)),
        ("1 tag", Dauer::Tage(1)),
        ("2W", Dauer::Wochen(2)),
        ("2 Wochen", Dauer::Wochen(2)),
        ("1m", Dauer::Monate(1)),
        ("1M", Dauer::Monate(1)),
        ("3M", Dauer::Monate(3)),
        ("3 Monate", Dauer::Monate(3)),
        ("120M", Dauer::Monate(120)),
    ] {
        assert_eq!(text.parse::<Dauer>(), Ok(erwartet), "{text:?}");
    }
    assert_eq!(Dauer::Monate(1).to_string(), "1 Monat");
    assert_eq!(Dauer::Monate(3).to_string(), "3 Monate");
    assert_eq!(Dauer::Tage(14).to_string(), "14 Tage");
    assert_eq!(Dauer::Tage(1).to_string(), "1 Tag");
    assert_eq!(Dauer::Wochen(2).to_string(), "2 Wochen");
    assert_eq!(Dauer::Wochen(1).to_string(), "1 Woche");
    assert_eq!(Dauer::Monate(3).kurzform(), "3M");
    for dauer in [Dauer::Tage(14), Dauer::Wochen(2), Dauer::Monate(3)] {
        assert_eq!(dauer.to_string().parse::<Dauer>(), Ok(dauer));
        assert_eq!(dauer.kurzform().parse::<Dauer>(), Ok(dauer));
    }
}

#[test]
fn dauer_parse_errors_are_german() {
    for text in [
        "",
        "M",
        "14",
        "14X",
        "-1T",
        "1.5M",
        "T14",
        "14TT",
        "3 Jahre",
        "1e3T",
        "99999999999T",
    ] {
        let fehler = text.parse::<Dauer>().unwrap_err();
        assert_eq!(
            fehler,
            FristFehler::UngueltigeDauer(text.to_owned()),
            "{text:?}"
        );
        assert!(
            fehler.to_string().starts_with("Ungültige Fristdauer „"),
            "{fehler}"
        );
    }
    assert_eq!(
        "0T".parse::<Dauer>().unwrap_err().to_string(),
        "Eine Frist von 0 Tagen ist nicht möglich – sie muss mindestens einen Tag dauern."
    );
    assert_eq!(
        "121M".parse::<Dauer>().unwrap_err(),
        FristFehler::DauerZuLang(Dauer::Monate(121))
    );
    assert!(
        "3654T"
            .parse::<Dauer>()
            .unwrap_err()
            .to_string()
            .contains("höchstens 10 Jahre")
    );
    assert_eq!(
        berechne(d("2026-01-01"), Dauer::Wochen(522)),
        Err(FristFehler::DauerZuLang(Dauer::Wochen(522)))
    );
    assert_eq!(
        berechne(d("2026-01-01"), Dauer::Tage(0)),
        Err(FristFehler::DauerNull(Dauer::Tage(0)))
    );
}

#[test]
fn dates_out_of_range() {
    assert!(matches!(
        berechne(d("1500-01-01"), Dauer::Tage(1)),
        Err(FristFehler::AusserhalbZeitraum(_))
    ));
    let fehler = berechne(d("9999-12-01"), Dauer::Monate(1)).unwrap_err();
    assert!(matches!(fehler, FristFehler::Ueberlauf { .. }));
    assert_eq!(
        fehler.to_string(),
        "Das Ende einer Frist von 1 Monat ab dem 01.12.9999 liegt außerhalb des berechenbaren \
         Zeitraums (Jahre 1583–9999)."
    );
    assert!(berechne(d("9989-12-01"), Dauer::Monate(120)).is_ok());
}

#[test]
fn tage_bis_counts_down_to_the_last_day() {
    assert_eq!(tage_bis(d("2026-04-01"), d("2026-04-07")), 6);
    assert_eq!(tage_bis(d("2026-04-07"), d("2026-04-07")), 0);
    assert_eq!(tage_bis(d("2026-04-08"), d("2026-04-07")), -1);
    assert_eq!(tage_bis(d("2026-12-31"), d("2027-01-04")), 4);
}

#[test]
fn cli_output() {
    let text = cli("2026-03-31", "1M").unwrap();
    let mut zeilen = text.lines();
    assert_eq!(zeilen.next(), Some("2026-04-30"));
    let rest: Vec<&str> = zeilen.collect();
    assert!(
        rest[0].starts_with("Ereignis am Dienstag, 31.03.2026."),
        "{text}"
    );
    assert_eq!(
        rest.last(),
        Some(&"Fristende: Donnerstag, 30.04.2026, mit Ablauf des Tages.")
    );

    let kette = cli("20.03.2026", "14 Tage").unwrap();
    assert_eq!(kette.lines().next(), Some("2026-04-07"));
    assert!(kette.contains("(Karfreitag)") && kette.contains("(Ostermontag)"));
    assert_eq!(cli(" 2026-03-20 ", "14t").unwrap(), kette);
}

#[test]
fn cli_errors_are_german() {
    assert_eq!(
        cli("2026-02-30", "1M").unwrap_err().to_string(),
        "Ungültiges Datum „2026-02-30“ – erwartet JJJJ-MM-TT."
    );
    assert_eq!(
        cli("30.02.2026", "1M").unwrap_err().to_string(),
        "Ungültiges Datum „30.02.2026“ – erwartet TT.MM.JJJJ."
    );
    for falsch in ["", "heute", "2026/03/31", "2026-13-01", "31.3.26x"] {
        assert!(
            matches!(
                parse_datum(falsch),
                Err(FristFehler::UngueltigesDatum { .. })
            ),
            "{falsch:?}"
        );
    }
    assert_eq!(
        cli("2026-03-31", "1 Jahr").unwrap_err().to_string(),
        "Ungültige Fristdauer „1 Jahr“ – erwartet eine Zahl mit Einheit, z. B. „14T“ (Tage), \
         „2W“ (Wochen) oder „3M“ (Monate)."
    );
}

#[test]
fn serde_round_trip() {
    let f = berechne(d("2026-03-20"), Dauer::Tage(14))
        .unwrap()
        .mit_rechtsgrundlage("§ 70 Abs. 2 HBO");
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["start"], "2026-03-20");
    assert_eq!(json["dauer"], "14T");
    assert_eq!(json["rechnerisches_ende"], "2026-04-03");
    assert_eq!(json["ende"], "2026-04-07");
    assert_eq!(
        json["verschiebungen"][0],
        serde_json::json!({"von": "2026-04-03", "grund": {"art": "feiertag", "name": "Karfreitag"}})
    );
    assert_eq!(
        json["verschiebungen"][1],
        serde_json::json!({"von": "2026-04-04", "grund": {"art": "samstag"}})
    );
    assert_eq!(json["rechtsgrundlage"], "§ 70 Abs. 2 HBO");
    let zurueck: plankammer_domain::frist::Fristende = serde_json::from_value(json).unwrap();
    assert_eq!(zurueck, f);
    assert!(serde_json::from_str::<Dauer>("\"0M\"").is_err());
    assert!(serde_json::from_str::<Dauer>("\"x\"").is_err());
}
