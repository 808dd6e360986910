//! Feststellungen: what the document pipeline finds in an uploaded file, with a code, a
//! severity and a German message for people. (Not to be confused with the Befunde of the
//! formelle Prüfung, which a case worker records with XBau codes.)

use serde::{Deserialize, Serialize};

/// How much a finding matters: errors block submission, warnings and notes do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schwere {
    Fehler,
    Warnung,
    Hinweis,
}

impl Schwere {
    pub fn code(self) -> &'static str {
        match self {
            Schwere::Fehler => "fehler",
            Schwere::Warnung => "warnung",
            Schwere::Hinweis => "hinweis",
        }
    }

    pub fn from_code(s: &str) -> Option<Schwere> {
        [Schwere::Fehler, Schwere::Warnung, Schwere::Hinweis]
            .into_iter()
            .find(|x| x.code() == s)
    }

    pub fn bezeichnung(self) -> &'static str {
        match self {
            Schwere::Fehler => "Fehler",
            Schwere::Warnung => "Warnung",
            Schwere::Hinweis => "Hinweis",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feststellung {
    /// Stable code, e.g. `pdf.verschluesselt`.
    pub code: String,
    pub schwere: Schwere,
    /// German sentence for people.
    pub meldung: String,
    /// The page it concerns (1-based), if one.
    pub seite: Option<u32>,
}

fn f(code: &str, schwere: Schwere, meldung: String, seite: Option<u32>) -> Feststellung {
    Feststellung {
        code: code.to_string(),
        schwere,
        meldung,
        seite,
    }
}

/// The catalogue of findings. Each constructor fixes code, severity and wording.
pub mod katalog {
    use super::{Feststellung, Schwere, f};

    pub fn leer() -> Feststellung {
        f(
            "datei.leer",
            Schwere::Fehler,
            "Die Datei ist leer (0 Byte).".into(),
            None,
        )
    }
    pub fn kein_pdf(erkannt: &str) -> Feststellung {
        f(
            "datei.kein_pdf",
            Schwere::Fehler,
            format!(
                "Die Datei ist kein PDF-Dokument (erkannt: {erkannt}). Bitte laden Sie Pläne als PDF hoch."
            ),
            None,
        )
    }
    pub fn beschaedigt(detail: &str) -> Feststellung {
        f(
            "pdf.beschaedigt",
            Schwere::Fehler,
            format!("Die PDF-Datei ist beschädigt und kann nicht gelesen werden ({detail})."),
            None,
        )
    }
    pub fn verschluesselt() -> Feststellung {
        f("pdf.verschluesselt", Schwere::Fehler, "Die PDF-Datei ist verschlüsselt oder kennwortgeschützt. Bitte laden Sie sie ohne Kennwort hoch.".into(), None)
    }
    pub fn keine_seiten() -> Feststellung {
        f(
            "pdf.keine_seiten",
            Schwere::Fehler,
            "Die PDF-Datei enthält keine lesbaren Seiten.".into(),
            None,
        )
    }
    pub fn zu_viele_seiten(anzahl: usize, grenze: usize) -> Feststellung {
        f(
            "pdf.zu_viele_seiten",
            Schwere::Fehler,
            format!("Die PDF-Datei hat {anzahl} Seiten; verarbeitet werden höchstens {grenze}."),
            None,
        )
    }
    pub fn javascript(seite: Option<u32>) -> Feststellung {
        f("pdf.javascript", Schwere::Fehler, "Die PDF-Datei enthält JavaScript. Aus Sicherheitsgründen werden Pläne mit JavaScript nicht angenommen.".into(), seite)
    }
    pub fn startaktion(seite: Option<u32>) -> Feststellung {
        f("pdf.startaktion", Schwere::Fehler, "Die PDF-Datei enthält eine Aktion, die Programme startet oder Dateien öffnet (Launch). Solche Dateien werden nicht angenommen.".into(), seite)
    }
    pub fn eingebettete_datei(anzahl: usize) -> Feststellung {
        f(
            "pdf.eingebettete_datei",
            Schwere::Warnung,
            format!(
                "Die PDF-Datei enthält {anzahl} eingebettete Datei(en). Diese werden nicht geprüft und nicht weitergegeben; reichen Sie Unterlagen bitte als eigene Dateien ein."
            ),
            None,
        )
    }
    pub fn schrift_nicht_eingebettet(namen: &[String], seite: u32) -> Feststellung {
        f(
            "pdf.schrift_nicht_eingebettet",
            Schwere::Warnung,
            format!(
                "Schriftart(en) nicht eingebettet: {}. Der Plan kann auf anderen Rechnern abweichend dargestellt werden.",
                namen.join(", ")
            ),
            Some(seite),
        )
    }
    pub fn pdfa(teil: &str, konformitaet: &str) -> Feststellung {
        f(
            "pdf.pdfa",
            Schwere::Hinweis,
            format!(
                "Die Datei gibt an, PDF/A-{teil}{} zu entsprechen.",
                konformitaet.to_lowercase()
            ),
            None,
        )
    }
    pub fn scan_aufloesung_gering(dpi: u32, mindestens: u32, seite: u32) -> Feststellung {
        f(
            "scan.aufloesung_gering",
            Schwere::Warnung,
            format!(
                "Die eingescannte Seite hat nur etwa {dpi} dpi (empfohlen: mindestens {mindestens} dpi). Maße und Beschriftungen sind womöglich schlecht lesbar."
            ),
            Some(seite),
        )
    }
    pub fn sonderformat(bezeichnung: &str, seite: u32) -> Feststellung {
        f(
            "seite.sonderformat",
            Schwere::Hinweis,
            format!("Seite {seite} hat kein DIN-A-Format ({bezeichnung})."),
            Some(seite),
        )
    }
    pub fn verarbeitung_abgebrochen(grund: &str) -> Feststellung {
        f(
            "verarbeitung.abgebrochen",
            Schwere::Fehler,
            format!("Die Datei konnte nicht verarbeitet werden ({grund})."),
            None,
        )
    }
    pub fn grenze_erreicht(was: &str, seite: Option<u32>) -> Feststellung {
        f(
            "verarbeitung.grenze",
            Schwere::Warnung,
            format!(
                "Eine Verarbeitungsgrenze wurde erreicht: {was}. Die Auswertung ist unvollständig."
            ),
            seite,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_round_trip_and_order() {
        for s in [Schwere::Fehler, Schwere::Warnung, Schwere::Hinweis] {
            assert_eq!(Schwere::from_code(s.code()), Some(s));
        }
        assert!(Schwere::Fehler < Schwere::Warnung && Schwere::Warnung < Schwere::Hinweis);
    }

    #[test]
    fn messages_are_german_and_codes_stable() {
        let k = katalog::kein_pdf("PNG-Bild");
        assert_eq!(
            (k.code.as_str(), k.schwere),
            ("datei.kein_pdf", Schwere::Fehler)
        );
        assert!(k.meldung.contains("kein PDF-Dokument"));
        assert_eq!(
            katalog::pdfa("2", "B").meldung,
            "Die Datei gibt an, PDF/A-2b zu entsprechen."
        );
        assert_eq!(katalog::scan_aufloesung_gering(96, 200, 3).seite, Some(3));
    }
}
