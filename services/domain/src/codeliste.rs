//! XBau code lists (genericode), as shipped with Plankammer.
//!
//! The official lists live outside the repository; `scripts/codelisten.py` copies the ones we
//! need into `services/domain/data/*.json`, and this module embeds those files in the binary
//! and parses each one on first use. Every list keeps its canonical version URI
//! (e.g. `urn:xoev-de:xbau:codeliste:anlagen_3.0`), which is what an XBau message names.

use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// One code of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eintrag {
    pub code: String,
    /// The official name ("Beschreibung" in most lists), shown to people.
    pub name: String,
    /// A further official explanation where the list has a useful one (e.g. the "Hinweis"
    /// of `statusbauportal`, the MBO text of `gebaeudeklasse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beschreibung: Option<String>,
}

/// A code list: its canonical version URI and its entries in the official order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codeliste {
    /// Short name of the list, e.g. `anlagen`.
    pub kurzname: String,
    /// Version of the list, e.g. `3.0`.
    pub version: String,
    /// Canonical version URI, e.g. `urn:xoev-de:xbau:codeliste:anlagen_3.0`.
    pub uri: String,
    pub eintraege: Vec<Eintrag>,
}

impl Codeliste {
    /// Parses a list in the JSON form written by `scripts/codelisten.py`.
    pub fn aus_json(json: &str) -> Result<Codeliste, serde_json::Error> {
        serde_json::from_str(json)
    }

    pub fn eintrag(&self, code: &str) -> Option<&Eintrag> {
        self.eintraege.iter().find(|e| e.code == code)
    }

    /// The official name of a code, if the list has it.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.eintrag(code).map(|e| e.name.as_str())
    }

    pub fn enthaelt(&self, code: &str) -> bool {
        self.eintrag(code).is_some()
    }

    pub fn len(&self) -> usize {
        self.eintraege.len()
    }

    pub fn is_empty(&self) -> bool {
        self.eintraege.is_empty()
    }

    /// Entries whose name contains `suchtext` (case-insensitive, also for ä/ö/ü), or whose code
    /// starts with it; entries whose name *starts* with the text come first, then the others,
    /// each group in list order. An empty (or blank) text finds nothing.
    pub fn suche(&self, suchtext: &str) -> Vec<&Eintrag> {
        let s = suchtext.trim().to_lowercase();
        if s.is_empty() {
            return Vec::new();
        }
        let mut vorn = Vec::new();
        let mut innen = Vec::new();
        for e in &self.eintraege {
            let name = e.name.to_lowercase();
            if name.starts_with(&s) || e.code.starts_with(&s) {
                vorn.push(e);
            } else if name.contains(&s) {
                innen.push(e);
            }
        }
        vorn.extend(innen);
        vorn
    }
}

fn laden(name: &str, json: &str) -> Codeliste {
    // The files are part of the build and checked by the tests: a broken one is a bug.
    Codeliste::aus_json(json)
        .unwrap_or_else(|e| panic!("eingebettete Codeliste {name} ist kein gültiges JSON: {e}"))
}

macro_rules! liste {
    ($(#[$doc:meta])* $fn:ident, $file:literal) => {
        $(#[$doc])*
        pub fn $fn() -> &'static Codeliste {
            static LISTE: LazyLock<Codeliste> =
                LazyLock::new(|| laden($file, include_str!(concat!("../data/", $file))));
            &LISTE
        }
    };
}

liste!(
    /// `anlagen_3.0`: document types (Anlagearten) of Bauvorlagen, e.g. 2001 Grundrisse.
    anlagen,
    "anlagen_3.0.json"
);
liste!(
    /// `statusbauportal_3.0`: the statuses a Bauaufsicht reports to the applicant's portal.
    statusbauportal,
    "statusbauportal_3.0.json"
);
liste!(
    /// `formellebefundeart_2.0`: kinds of findings of the formelle Prüfung (01–06, 100).
    formelle_befunde,
    "formellebefundeart_2.0.json"
);
liste!(
    /// `beteiligungrolle_2.0`: the role in which a Stelle is asked (1 zuständig,
    /// 2 sachverständig, 3 Gemeinde).
    beteiligungsrollen,
    "beteiligungrolle_2.0.json"
);
liste!(
    /// `nebenbestimmungart_3.0`: Bedingung, Auflage, Vorbehalt, Hinweise, …
    nebenbestimmungsarten,
    "nebenbestimmungart_3.0.json"
);
liste!(
    /// `gebaeudeklasse_3.0`: Gebäudeklasse 1–5, with the MBO definition as `beschreibung`.
    gebaeudeklassen,
    "gebaeudeklasse_3.0.json"
);
liste!(
    /// `baumassnahmeart_2.0`: the Art der Maßnahme of a Bauvorhaben (Errichtung, Änderung,
    /// Nutzungsänderung, Abgrabung, Beseitigung).
    baumassnahmearten,
    "baumassnahmeart_2.0.json"
);
liste!(
    /// The Gemeinden of Hessen from the Destatis AGS list (8-digit Amtlicher
    /// Gemeindeschlüssel starting with 06). Includes the three gemeindefreie Gutsbezirke,
    /// which the official list carries as rows of their own ("…, gemfr. Gebiet").
    gemeinden_hessen,
    "gemeinden_hessen.json"
);

/// Gemeinden of Hessen for an autocomplete: by name (case-insensitive, prefix matches first,
/// then substring matches) or by the beginning of the AGS.
pub fn suche_gemeinde(suchtext: &str) -> Vec<&'static Eintrag> {
    gemeinden_hessen().suche(suchtext)
}

/// Every list embedded in the crate, e.g. for an overview page or a consistency test.
pub fn alle() -> [&'static Codeliste; 8] {
    [
        anlagen(),
        statusbauportal(),
        formelle_befunde(),
        beteiligungsrollen(),
        nebenbestimmungsarten(),
        gebaeudeklassen(),
        baumassnahmearten(),
        gemeinden_hessen(),
    ]
}
