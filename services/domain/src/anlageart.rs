//! The Anlageart: the type of a Bauvorlage as a code of XBau's `anlagen_3.0` list
//! (e.g. 2001 Grundrisse). Once an `Anlageart` exists, it is a code of the list.

use crate::codeliste;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Anlageart(String);

impl Anlageart {
    /// A code of `anlagen_3.0`, e.g. `2001`; anything else is refused with a German reason.
    pub fn parse(code: &str) -> Result<Anlageart, String> {
        let c = code.trim();
        if codeliste::anlagen().enthaelt(c) {
            Ok(Anlageart(c.to_string()))
        } else {
            Err(format!(
                "„{}“ ist keine Anlageart der Codeliste anlagen_3.0.",
                c.chars().take(40).collect::<String>()
            ))
        }
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// The official name, e.g. "Grundrisse".
    pub fn name(&self) -> &'static str {
        codeliste::anlagen().name(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Anlageart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Anlageart {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Anlageart::parse(&s)
    }
}

impl From<Anlageart> for String {
    fn from(a: Anlageart) -> String {
        a.0
    }
}

impl PartialEq<str> for Anlageart {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Anlageart {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_codes_of_the_list_are_anlagearten() {
        let a = Anlageart::parse(" 2001 ").unwrap();
        assert_eq!(a.code(), "2001");
        assert_eq!(a.name(), "Grundrisse");
        assert_eq!(a, "2001");
        assert!(Anlageart::parse("12345").is_err());
        assert!(Anlageart::parse("").is_err());
        assert!(serde_json::from_str::<Anlageart>("\"1\"").is_err());
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"2001\"");
    }
}
