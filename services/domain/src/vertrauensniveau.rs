//! The trust level of a sign-in (eIDAS level of assurance), as an OpenID provider reports it
//! in the ID token's `acr` claim. The Servicekonten and BundID use the eIDAS URIs, older
//! installations the STORK QAA levels; both are understood.

use serde::Serialize;

/// eIDAS levels of assurance, ordered: `Niedrig < Substantiell < Hoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Vertrauensniveau {
    Niedrig,
    Substantiell,
    Hoch,
}

impl Vertrauensniveau {
    pub const ALLE: [Vertrauensniveau; 3] = [
        Vertrauensniveau::Niedrig,
        Vertrauensniveau::Substantiell,
        Vertrauensniveau::Hoch,
    ];

    /// The level an `acr` value stands for; None for a value nobody here knows (treated as
    /// no assurance at all).
    pub fn aus_acr(acr: &str) -> Option<Vertrauensniveau> {
        let a = acr.trim().to_ascii_lowercase();
        // eIDAS: http://eidas.europa.eu/LoA/{low,substantial,high}; German spellings.
        let ende = a.rsplit(['/', ':', '#']).next().unwrap_or(&a);
        match ende {
            "high" | "hoch" => Some(Vertrauensniveau::Hoch),
            "substantial" | "substantiell" => Some(Vertrauensniveau::Substantiell),
            "low" | "niedrig" | "basisregistrierung" => Some(Vertrauensniveau::Niedrig),
            // STORK-QAA-Level-1..4 (BundID's older values).
            _ => match a.strip_prefix("stork-qaa-level-") {
                Some("4") => Some(Vertrauensniveau::Hoch),
                Some("3") => Some(Vertrauensniveau::Substantiell),
                Some("1") | Some("2") => Some(Vertrauensniveau::Niedrig),
                _ => None,
            },
        }
    }

    /// The code stored with a session, a sign-off or a submission.
    pub fn code(self) -> &'static str {
        match self {
            Vertrauensniveau::Niedrig => "niedrig",
            Vertrauensniveau::Substantiell => "substantiell",
            Vertrauensniveau::Hoch => "hoch",
        }
    }

    pub fn from_code(code: &str) -> Option<Vertrauensniveau> {
        Vertrauensniveau::ALLE
            .into_iter()
            .find(|n| n.code() == code)
    }

    /// For people: "substantiell (eIDAS)".
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Vertrauensniveau::Niedrig => "niedrig",
            Vertrauensniveau::Substantiell => "substantiell",
            Vertrauensniveau::Hoch => "hoch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Vertrauensniveau::*;
    use super::*;

    #[test]
    fn eidas_stork_and_german_values_are_understood() {
        assert_eq!(
            Vertrauensniveau::aus_acr("http://eidas.europa.eu/LoA/substantial"),
            Some(Substantiell)
        );
        assert_eq!(
            Vertrauensniveau::aus_acr("http://eidas.europa.eu/LoA/high"),
            Some(Hoch)
        );
        assert_eq!(
            Vertrauensniveau::aus_acr("STORK-QAA-Level-3"),
            Some(Substantiell)
        );
        assert_eq!(
            Vertrauensniveau::aus_acr("STORK-QAA-Level-1"),
            Some(Niedrig)
        );
        assert_eq!(Vertrauensniveau::aus_acr("urn:x:niveau:hoch"), Some(Hoch));
        assert_eq!(Vertrauensniveau::aus_acr("0"), None);
        assert_eq!(Vertrauensniveau::aus_acr(""), None);
        assert!(Niedrig < Substantiell && Substantiell < Hoch);
        for n in Vertrauensniveau::ALLE {
            assert_eq!(Vertrauensniveau::from_code(n.code()), Some(n));
        }
    }
}
