//! The Aktenzeichen: the authority's file number of a case, unique per tenant and never
//! reused, built from the tenant's format (`{kuerzel}-{jahr}-{nummer:5}` → `BA-2026-00017`).
//!
//! Both are parsed here once: a stored or entered format is an [`AktenzeichenFormat`] only
//! if it can produce unique numbers, and every Aktenzeichen the product hands around is an
//! [`Aktenzeichen`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest Aktenzeichen format.
pub const MAX_FORMAT: usize = 60;
/// Longest short name of a tenant in its Aktenzeichen.
pub const MAX_KUERZEL: usize = 20;
/// Longest Aktenzeichen (the format's text plus a 12-digit number and a 4-digit year).
pub const MAX_AKTENZEICHEN: usize = 120;

/// An Aktenzeichen as issued: non-empty, one line, at most [`MAX_AKTENZEICHEN`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Aktenzeichen(String);

impl Aktenzeichen {
    /// Accepts what the product issued (or another system sent): trimmed, not empty, no
    /// control characters, bounded.
    pub fn parse(raw: &str) -> Result<Aktenzeichen, AktenzeichenFehler> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(AktenzeichenFehler(vec!["Das Aktenzeichen fehlt.".into()]));
        }
        if s.chars().count() > MAX_AKTENZEICHEN || s.chars().any(char::is_control) {
            return Err(AktenzeichenFehler(vec![format!(
                "Ein Aktenzeichen hat höchstens {MAX_AKTENZEICHEN} Zeichen in einer Zeile."
            )]));
        }
        Ok(Aktenzeichen(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Aktenzeichen {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Aktenzeichen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Aktenzeichen {
    type Error = AktenzeichenFehler;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Aktenzeichen::parse(&s)
    }
}

impl From<Aktenzeichen> for String {
    fn from(a: Aktenzeichen) -> String {
        a.0
    }
}

/// Why a format or an Aktenzeichen is not acceptable: every reason as a German sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join(" "))]
pub struct AktenzeichenFehler(pub Vec<String>);

/// One piece of a format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Teil {
    Text(String),
    Kuerzel,
    Jahr,
    /// The running number, zero-padded to this many digits (0: as it is).
    Nummer(usize),
}

/// A tenant's Aktenzeichen format with its short name, checked: it contains the running
/// number and the year (numbers are counted per year, so without both the Aktenzeichen
/// would not be unique), only known placeholders, one line, bounded lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AktenzeichenFormat {
    format: String,
    kuerzel: String,
    teile: Vec<Teil>,
}

impl AktenzeichenFormat {
    /// The format of a new tenant.
    pub const STANDARD: &'static str = "{kuerzel}-{jahr}-{nummer:5}";

    pub fn parse(format: &str, kuerzel: &str) -> Result<AktenzeichenFormat, AktenzeichenFehler> {
        let mut fehler = Vec::new();
        let erlaubt = "Erlaubt sind {kuerzel}, {jahr}, {nummer} und {nummer:N} (N = Stellenzahl 1 bis 12, mit führenden Nullen).";
        if format.is_empty() {
            fehler.push("Bitte geben Sie das Format der Aktenzeichen an.".to_string());
        } else if format.chars().count() > MAX_FORMAT {
            fehler.push(format!(
                "Das Format darf höchstens {MAX_FORMAT} Zeichen lang sein."
            ));
        }
        if format.chars().any(char::is_control) {
            fehler
                .push("Das Format darf keine Zeilenumbrüche oder Steuerzeichen enthalten.".into());
        }
        let (mut nummer, mut jahr) = (false, false);
        let mut teile = Vec::new();
        let mut rest = format;
        while let Some(start) = rest.find('{') {
            if start > 0 {
                teile.push(Teil::Text(rest[..start].to_string()));
            }
            let Some(len) = rest[start..].find('}') else {
                fehler.push(format!(
                    "Im Format fehlt nach „{}“ die schließende Klammer „}}“.",
                    &rest[start..]
                ));
                rest = "";
                break;
            };
            let feld = &rest[start + 1..start + len];
            match feld {
                "kuerzel" => teile.push(Teil::Kuerzel),
                "jahr" => {
                    jahr = true;
                    teile.push(Teil::Jahr);
                }
                "nummer" => {
                    nummer = true;
                    teile.push(Teil::Nummer(0));
                }
                _ => match feld.split_once(':') {
                    Some(("nummer", breite)) => match breite.parse::<usize>() {
                        Ok(b) if (1..=12).contains(&b) => {
                            nummer = true;
                            teile.push(Teil::Nummer(b));
                        }
                        _ => fehler.push(format!(
                            "Bei „{{{feld}}}“ muss die Stellenzahl eine Zahl von 1 bis 12 sein."
                        )),
                    },
                    _ => fehler.push(format!(
                        "Den Platzhalter „{{{feld}}}“ gibt es nicht. {erlaubt}"
                    )),
                },
            }
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            teile.push(Teil::Text(rest.to_string()));
        }
        if !nummer {
            fehler.push(
                "Das Format muss die laufende Nummer enthalten ({nummer} oder {nummer:N}), sonst wären die Aktenzeichen nicht eindeutig.".into(),
            );
        }
        if !jahr {
            fehler.push(
                "Das Format muss das Jahr enthalten ({jahr}): Die laufende Nummer beginnt jedes Jahr neu, ohne Jahr wären die Aktenzeichen nicht eindeutig.".into(),
            );
        }
        let n = kuerzel.chars().count();
        if n == 0
            || n > MAX_KUERZEL
            || !kuerzel
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
        {
            fehler.push(format!(
                "Das Kürzel muss 1 bis {MAX_KUERZEL} Zeichen lang sein und darf nur Buchstaben, Ziffern, Bindestrich und Punkt enthalten."
            ));
        }
        if fehler.is_empty() {
            Ok(AktenzeichenFormat {
                format: format.to_string(),
                kuerzel: kuerzel.to_string(),
                teile,
            })
        } else {
            Err(AktenzeichenFehler(fehler))
        }
    }

    pub fn format(&self) -> &str {
        &self.format
    }

    pub fn kuerzel(&self) -> &str {
        &self.kuerzel
    }

    /// The Aktenzeichen of the `nummer`-th case of `jahr`.
    pub fn bilde(&self, jahr: i64, nummer: i64) -> Aktenzeichen {
        let mut out = String::new();
        for t in &self.teile {
            match t {
                Teil::Text(s) => out.push_str(s),
                Teil::Kuerzel => out.push_str(&self.kuerzel),
                Teil::Jahr => out.push_str(&jahr.to_string()),
                Teil::Nummer(0) => out.push_str(&nummer.to_string()),
                Teil::Nummer(b) => out.push_str(&format!("{nummer:0b$}", b = *b)),
            }
        }
        // A checked format, a year and a number always make a valid Aktenzeichen: the
        // format's text has no control characters and is bounded, and so are the values.
        Aktenzeichen(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bilde(format: &str, kuerzel: &str, jahr: i64, nummer: i64) -> String {
        AktenzeichenFormat::parse(format, kuerzel)
            .unwrap()
            .bilde(jahr, nummer)
            .to_string()
    }

    #[test]
    fn aktenzeichen_follow_the_tenants_format() {
        assert_eq!(
            bilde("{kuerzel}-{jahr}-{nummer:5}", "BA", 2026, 17),
            "BA-2026-00017"
        );
        assert_eq!(bilde("63/{nummer}/{jahr}", "x", 2026, 1234), "63/1234/2026");
        assert_eq!(bilde("{jahr}{nummer:3}", "x", 2026, 1), "2026001");
    }

    #[test]
    fn aktenzeichen_formats_are_checked() {
        assert!(AktenzeichenFormat::parse("{kuerzel}-{jahr}-{nummer:5}", "BA").is_ok());
        assert!(AktenzeichenFormat::parse("63/{nummer}/{jahr}", "Bau.Amt-1").is_ok());
        let f = |format: &str, kuerzel: &str| {
            AktenzeichenFormat::parse(format, kuerzel)
                .unwrap_err()
                .0
                .join(" ")
        };
        assert!(f("{kuerzel}-{jahr}", "BA").contains("laufende Nummer"));
        assert!(f("{kuerzel}-{nummer}", "BA").contains("Jahr"));
        assert!(f("{jahr}-{nummer:20}", "BA").contains("1 bis 12"));
        assert!(f("{jahr}-{nummer}-{monat}", "BA").contains("{monat}"));
        assert!(f("{jahr}-{nummer", "BA").contains("schließende Klammer"));
        let lang = format!("{{jahr}}-{{nummer}}{}", "x".repeat(MAX_FORMAT));
        assert!(AktenzeichenFormat::parse(&lang, "BA").is_err());
        for k in ["", "B A", "BA/1", &"K".repeat(MAX_KUERZEL + 1)] {
            assert!(f("{jahr}-{nummer}", k).contains("Kürzel"), "{k:?}");
        }
        assert!(AktenzeichenFormat::parse("{jahr}-{nummer}", "Bauamt-Süd").is_ok());
        assert!(AktenzeichenFormat::parse("{jahr}\n{nummer}", "BA").is_err());
    }

    #[test]
    fn an_aktenzeichen_is_one_bounded_line() {
        assert_eq!(
            Aktenzeichen::parse("  BA-2026-00001 ").unwrap().as_str(),
            "BA-2026-00001"
        );
        assert!(Aktenzeichen::parse("").is_err());
        assert!(Aktenzeichen::parse("BA\n1").is_err());
        assert!(Aktenzeichen::parse(&"1".repeat(MAX_AKTENZEICHEN + 1)).is_err());
        let json = serde_json::to_string(&Aktenzeichen::parse("63/1/2026").unwrap()).unwrap();
        assert_eq!(json, "\"63/1/2026\"");
        assert!(serde_json::from_str::<Aktenzeichen>("\"\"").is_err());
    }
}
