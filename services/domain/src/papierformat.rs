//! Paper formats of plan sheets: DIN EN ISO 216 A-series (A0–A4) in either orientation,
//! with a tolerance, otherwise "Sonderformat" with its size in millimetres.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Points (1/72 inch) to millimetres.
pub const MM_PER_PT: f64 = 25.4 / 72.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ausrichtung {
    Hoch,
    Quer,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Papierformat {
    A0,
    A1,
    A2,
    A3,
    A4,
    /// Any other size, e.g. an extended plan sheet of 594 × 1200 mm.
    Sonderformat,
}

/// The A-series, short side × long side in millimetres.
const A_SERIES: [(Papierformat, f64, f64); 5] = [
    (Papierformat::A0, 841.0, 1189.0),
    (Papierformat::A1, 594.0, 841.0),
    (Papierformat::A2, 420.0, 594.0),
    (Papierformat::A3, 297.0, 420.0),
    (Papierformat::A4, 210.0, 297.0),
];

/// How far a sheet may deviate and still count as the format: 1 % of the side, at least
/// 3 mm (scans and CAD exports are rarely exact; ISO 216 itself allows ±1.5 to ±3 mm).
fn tolerance(side_mm: f64) -> f64 {
    (side_mm * 0.01).max(3.0)
}

/// A page's size, classified.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Seitenformat {
    pub format: Papierformat,
    pub ausrichtung: Ausrichtung,
    pub breite_mm: f64,
    pub hoehe_mm: f64,
}

impl Seitenformat {
    /// Classifies a page of `breite_mm` × `hoehe_mm` (as displayed, i.e. after rotation).
    pub fn klassifiziere(breite_mm: f64, hoehe_mm: f64) -> Seitenformat {
        let ausrichtung = if hoehe_mm >= breite_mm {
            Ausrichtung::Hoch
        } else {
            Ausrichtung::Quer
        };
        let (short, long) = if breite_mm <= hoehe_mm {
            (breite_mm, hoehe_mm)
        } else {
            (hoehe_mm, breite_mm)
        };
        let format = A_SERIES
            .iter()
            .find(|(_, s, l)| {
                (short - s).abs() <= tolerance(*s) && (long - l).abs() <= tolerance(*l)
            })
            .map(|(f, _, _)| *f)
            .unwrap_or(Papierformat::Sonderformat);
        Seitenformat {
            format,
            ausrichtung,
            breite_mm: round1(breite_mm),
            hoehe_mm: round1(hoehe_mm),
        }
    }

    pub fn aus_punkten(breite_pt: f64, hoehe_pt: f64) -> Seitenformat {
        Seitenformat::klassifiziere(breite_pt * MM_PER_PT, hoehe_pt * MM_PER_PT)
    }

    /// "A1 quer", "A4 hoch", "Sonderformat 594 × 1200 mm".
    pub fn bezeichnung(&self) -> String {
        let a = match self.ausrichtung {
            Ausrichtung::Hoch => "hoch",
            Ausrichtung::Quer => "quer",
        };
        match self.format {
            Papierformat::Sonderformat => format!(
                "Sonderformat {:.0} × {:.0} mm",
                self.breite_mm, self.hoehe_mm
            ),
            f => format!("{f} {a}"),
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl fmt::Display for Papierformat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Papierformat::A0 => "A0",
            Papierformat::A1 => "A1",
            Papierformat::A2 => "A2",
            Papierformat::A3 => "A3",
            Papierformat::A4 => "A4",
            Papierformat::Sonderformat => "Sonderformat",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_a_sizes_in_both_orientations() {
        for (f, s, l) in A_SERIES {
            let hoch = Seitenformat::klassifiziere(s, l);
            assert_eq!((hoch.format, hoch.ausrichtung), (f, Ausrichtung::Hoch));
            let quer = Seitenformat::klassifiziere(l, s);
            assert_eq!((quer.format, quer.ausrichtung), (f, Ausrichtung::Quer));
        }
    }

    #[test]
    fn a4_in_points_as_pdfs_state_it() {
        let a4 = Seitenformat::aus_punkten(595.276, 841.89);
        assert_eq!(a4.format, Papierformat::A4);
        assert_eq!(a4.bezeichnung(), "A4 hoch");
        // US Letter is not A4.
        assert_eq!(
            Seitenformat::aus_punkten(612.0, 792.0).format,
            Papierformat::Sonderformat
        );
    }

    #[test]
    fn tolerance_admits_scans_and_refuses_extended_sheets() {
        assert_eq!(
            Seitenformat::klassifiziere(843.5, 592.0).format,
            Papierformat::A1,
            "a scanned A1, 2.5 mm off"
        );
        let lang = Seitenformat::klassifiziere(1200.0, 594.0);
        assert_eq!(lang.format, Papierformat::Sonderformat);
        assert_eq!(lang.bezeichnung(), "Sonderformat 1200 × 594 mm");
    }

    proptest! {
        #[test]
        fn orientation_follows_the_longer_side(w in 10.0f64..2000.0, h in 10.0f64..2000.0) {
            let f = Seitenformat::klassifiziere(w, h);
            prop_assert_eq!(f.ausrichtung == Ausrichtung::Hoch, h >= w);
            // Turning the sheet never changes the format.
            prop_assert_eq!(Seitenformat::klassifiziere(h, w).format, f.format);
        }

        #[test]
        fn anything_far_from_every_a_size_is_sonderformat(w in 10.0f64..2000.0, h in 10.0f64..2000.0) {
            let (s, l) = if w <= h { (w, h) } else { (h, w) };
            let near = A_SERIES.iter().any(|(_, as_, al)| (s - as_).abs() <= tolerance(*as_) && (l - al).abs() <= tolerance(*al));
            prop_assert_eq!(Seitenformat::klassifiziere(w, h).format == Papierformat::Sonderformat, !near);
        }
    }
}
