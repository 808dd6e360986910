//! `plankammer frist START DAUER`: the deadline calculator on the command line, as a case
//! worker uses it. Needs no configuration, database or server.

use std::process::Command;

fn frist(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_plankammer"))
        .arg("frist")
        .args(args)
        .env_clear()
        .output()
        .expect("run plankammer");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn prints_the_end_date_first_and_the_explanation_below() {
    let (code, out, _) = frist(&["2026-03-31", "1M"]);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("2026-04-30"));
    let rest: String = lines.collect::<Vec<_>>().join("\n");
    assert!(rest.contains("§ 188 Abs. 2, 3 BGB"), "{rest}");
    assert!(rest.contains("§ 187 Abs. 1 BGB"), "{rest}");
}

#[test]
fn an_end_on_easter_moves_over_the_whole_weekend() {
    // 4 weeks from Friday 06.03.2026 end on Karfreitag 03.04.2026 → Tuesday 07.04.2026.
    let (code, out, _) = frist(&["06.03.2026", "4W"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().next(), Some("2026-04-07"));
    assert!(
        out.contains("Karfreitag") && out.contains("Ostermontag"),
        "{out}"
    );
    assert!(out.contains("§ 193 BGB"), "{out}");
    let (_, out, _) = frist(&["2026-05-20", "14T"]);
    // 03.06.2026 is a Wednesday; Fronleichnam is 04.06.2026 — no shift.
    assert_eq!(out.lines().next(), Some("2026-06-03"));
    let (_, out, _) = frist(&["2026-05-21", "14T"]);
    assert_eq!(
        out.lines().next(),
        Some("2026-06-05"),
        "Fronleichnam (Hessen) shifts"
    );
}

#[test]
fn bad_input_is_a_usage_error_in_german() {
    let (code, out, err) = frist(&["2026-02-30", "1M"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("Ungültiges Datum „2026-02-30“"), "{err}");
    let (code, _, err) = frist(&["2026-02-01", "drei Monate"]);
    assert_eq!(code, 2);
    assert!(!err.trim().is_empty());
}
