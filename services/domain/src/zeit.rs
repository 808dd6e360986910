//! Time for people: the store keeps UTC milliseconds; Germans read local time.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};

/// Germany's offset: CET, CEST from the last Sunday of March 01:00 UTC to the last
/// Sunday of October 01:00 UTC.
pub fn berlin_offset_hours(t: DateTime<Utc>) -> i64 {
    let y = t.year();
    let last_sunday = |month: u32| {
        let mut d = Utc
            .with_ymd_and_hms(y, month, 31, 1, 0, 0)
            .single()
            .expect("valid date");
        while d.weekday() != Weekday::Sun {
            d -= Duration::days(1);
        }
        d
    };
    if t >= last_sunday(3) && t < last_sunday(10) {
        2
    } else {
        1
    }
}

pub fn format_berlin(ms: i64) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms) else {
        return String::new();
    };
    let local = t + Duration::hours(berlin_offset_hours(t));
    local.format("%d.%m.%Y, %H:%M Uhr").to_string()
}

#[cfg(test)]
mod tests {
    use super::format_berlin;

    #[test]
    fn german_local_time_follows_daylight_saving() {
        // 2026-03-29 00:30 UTC is before the switch (01:00 UTC): CET.
        assert_eq!(format_berlin(1_774_744_200_000), "29.03.2026, 01:30 Uhr");
        // 2026-03-29 01:30 UTC is after it: CEST.
        assert_eq!(format_berlin(1_774_747_800_000), "29.03.2026, 03:30 Uhr");
        // 2026-10-25 00:30 UTC: still CEST; 01:30 UTC: CET again.
        assert_eq!(format_berlin(1_792_888_200_000), "25.10.2026, 02:30 Uhr");
        assert_eq!(format_berlin(1_792_891_800_000), "25.10.2026, 02:30 Uhr");
    }
}
