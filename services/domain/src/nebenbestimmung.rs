//! A Nebenbestimmung: a condition or note attached to a permit — Bedingung, Auflage,
//! Vorbehalt, Hinweis (codes of XBau's `nebenbestimmungart_3.0`). A Stelle writes it into its
//! Stellungnahme; the Bescheid carries it over with its source, and the Bauaufsicht may edit
//! it or add its own. One type for both.

use crate::beteiligung::StellungnahmeId;
use crate::codeliste;
use serde::{Deserialize, Serialize};

/// The `nebenbestimmungart_3.0` code of a Hinweis: a note, strictly no Nebenbestimmung.
pub const HINWEIS_CODE: &str = "4";

/// Where a Nebenbestimmung of the Bescheid comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quelle {
    /// The Stelle's name, e.g. "Untere Denkmalschutzbehörde".
    pub stelle_name: String,
    pub stellungnahme: StellungnahmeId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nebenbestimmung {
    /// Code of `nebenbestimmungart_3.0`: 1 Bedingung, 2 Auflage, 3 Vorbehalt, 4 Hinweise,
    /// 5 auflösende Bedingung, 6 aufschiebende Bedingung.
    pub art: String,
    pub text: String,
    /// Why the Stelle asks for it (in a Stellungnahme); may be empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub begruendung: String,
    /// In a Bescheid: the Stellungnahme it was carried over from; `None`: the
    /// Bauaufsicht's own (and always `None` inside a Stellungnahme).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quelle: Option<Quelle>,
}

impl Nebenbestimmung {
    /// A Nebenbestimmung of this kind with this text, no Begründung, no source.
    pub fn neu(art: &str, text: &str) -> Nebenbestimmung {
        Nebenbestimmung {
            art: art.to_string(),
            text: text.to_string(),
            begruendung: String::new(),
            quelle: None,
        }
    }

    /// The official name of the kind, e.g. "Auflage"; `None` for an unknown code.
    pub fn art_bezeichnung(&self) -> Option<&'static str> {
        codeliste::nebenbestimmungsarten().name(self.art.trim())
    }

    /// Is it only a Hinweis?
    pub fn ist_hinweis(&self) -> bool {
        self.art.trim() == HINWEIS_CODE
    }
}
