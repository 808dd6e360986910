//! The decision (Bescheid): what it decides, the Nebenbestimmungen carried over from the
//! Stellungnahmen (editable, with their source), the fees, the checks before it is issued,
//! the text of the stamp on the approved plans, and the rule for extending the decision
//! deadline of the vereinfachtes Verfahren (§ 65 Abs. 2 HBO).
//!
//! Rendering the PDF and stamping the plans is the workers' business; this module only
//! decides what they show.

use crate::beteiligung::{self, Stellungnahme};
use crate::frist::{self, Dauer, FristFehler, Verschiebungsgrund, datum_de, tag_de};
use crate::verfahren::Verfahrensart;
use crate::vorgang::Zustand;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Tenor
// ---------------------------------------------------------------------------------------------

/// What the Bescheid decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tenor {
    /// The permit is granted (possibly with Nebenbestimmungen).
    Genehmigung,
    /// The application is refused.
    Ablehnung,
    /// A positive Vorbescheid (§ 76 HBO).
    Vorbescheid,
}

impl Tenor {
    pub const ALL: [Tenor; 3] = [Tenor::Genehmigung, Tenor::Ablehnung, Tenor::Vorbescheid];

    /// The title of the Bescheid.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Tenor::Genehmigung => "Baugenehmigung",
            Tenor::Ablehnung => "Ablehnung des Bauantrags",
            Tenor::Vorbescheid => "Vorbescheid",
        }
    }

    /// The state of the case once the Bescheid is issued.
    pub fn zustand(self) -> Zustand {
        match self {
            Tenor::Genehmigung | Tenor::Vorbescheid => Zustand::Genehmigt,
            Tenor::Ablehnung => Zustand::Abgelehnt,
        }
    }

    /// The procedure the tenor is usually given in, for [`Tenor::statuscode`].
    fn typisches_verfahren(self) -> Verfahrensart {
        match self {
            Tenor::Genehmigung | Tenor::Ablehnung => Verfahrensart::Baugenehmigungsverfahren,
            Tenor::Vorbescheid => Verfahrensart::Vorbescheid,
        }
    }

    /// The `statusbauportal_3.0` code reported with the Bescheid: 10 (Bescheid erteilt),
    /// 06 (Baugenehmigungsantrag abgelehnt), 19 (Vorbescheid erteilt). Derived from
    /// [`Zustand::statusbauportal_code_im`], so both always agree.
    pub fn statuscode(self) -> &'static str {
        self.statuscode_im(self.typisches_verfahren())
    }

    /// The status code in a given procedure (a refused Bauvoranfrage is 04, see
    /// [`Zustand::statusbauportal_code_im`]).
    pub fn statuscode_im(self, verfahren: Verfahrensart) -> &'static str {
        self.zustand()
            .statusbauportal_code_im(verfahren)
            .unwrap_or("")
    }
}

impl fmt::Display for Tenor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bezeichnung())
    }
}

// ---------------------------------------------------------------------------------------------
// Nebenbestimmungen and fees
// ---------------------------------------------------------------------------------------------

pub use crate::nebenbestimmung::{Nebenbestimmung, Quelle};

/// The Nebenbestimmungen of the current Stellungnahmen (one per Stelle; corrected ones are
/// left out), each with its source, in the order of the Stellen and of each Stellungnahme.
/// Hinweise are carried over too; the Bauaufsicht edits the draft.
pub fn nebenbestimmungen_aus(stellungnahmen: &[Stellungnahme]) -> Vec<Nebenbestimmung> {
    beteiligung::aktuelle_stellungnahmen(stellungnahmen)
        .into_iter()
        .flat_map(|s| {
            s.nebenbestimmungen.iter().map(|nb| Nebenbestimmung {
                art: nb.art.trim().to_owned(),
                text: nb.text.clone(),
                begruendung: nb.begruendung.clone(),
                quelle: Some(Quelle {
                    stelle_name: s.stelle_name.clone(),
                    stellungnahme: s.id,
                }),
            })
        })
        .collect()
}

/// One line of the fees: an amount in cents (negative for a reduction) and what it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gebuehr {
    pub beschreibung: String,
    pub betrag_cent: i64,
}

/// The sum of the fees in cents; `None` if it does not fit in an `i64`.
pub fn gebuehren_summe(gebuehren: &[Gebuehr]) -> Option<i64> {
    gebuehren
        .iter()
        .try_fold(0i64, |s, g| s.checked_add(g.betrag_cent))
}

/// German amount: `123456` → "1.234,56 €".
pub fn euro(cent: i64) -> String {
    let betrag = cent.unsigned_abs();
    let ganz = (betrag / 100).to_string();
    let mut gruppiert = String::new();
    for (i, c) in ganz.chars().enumerate() {
        if i > 0 && (ganz.len() - i).is_multiple_of(3) {
            gruppiert.push('.');
        }
        gruppiert.push(c);
    }
    let vorzeichen = if cent < 0 { "-" } else { "" };
    format!("{vorzeichen}{gruppiert},{:02} €", betrag % 100)
}

// ---------------------------------------------------------------------------------------------
// Draft
// ---------------------------------------------------------------------------------------------

/// Most characters of the tenor text.
pub const MAX_TENOR: usize = 20_000;
/// Most characters of the Begründung and of the Rechtsbehelfsbelehrung.
pub const MAX_TEXT: usize = 200_000;
/// Most characters of one Nebenbestimmung.
pub const MAX_NEBENBESTIMMUNG: usize = 10_000;
/// Most Nebenbestimmungen.
pub const MAX_NEBENBESTIMMUNGEN: usize = 500;
/// Most characters of the description of one fee.
pub const MAX_GEBUEHR_BESCHREIBUNG: usize = 500;

/// A Bescheid as the Bauaufsicht drafts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BescheidEntwurf {
    pub verfahren: Verfahrensart,
    pub tenor: Tenor,
    /// The operative text, e.g. "Die Baugenehmigung wird nach Maßgabe der … erteilt."
    pub tenor_text: String,
    pub nebenbestimmungen: Vec<Nebenbestimmung>,
    pub begruendung: String,
    pub gebuehren: Vec<Gebuehr>,
    pub rechtsbehelfsbelehrung: String,
}

/// Why a draft cannot be issued: every problem as a German sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .meldungen.join(" "))]
pub struct BescheidFehler {
    pub meldungen: Vec<String>,
}

impl BescheidEntwurf {
    /// Checks the draft before it is issued:
    ///
    /// - a tenor text and a Rechtsbehelfsbelehrung;
    /// - a refusal needs a Begründung and carries no Auflagen or Bedingungen (Hinweise only);
    /// - every Nebenbestimmung has a known kind and a text;
    /// - a Vorbescheid only answers a Bauvoranfrage, and a Bauvoranfrage is answered by a
    ///   Vorbescheid (or refused);
    /// - every fee has a description; the sum is not negative;
    /// - bounded lengths.
    pub fn pruefe(&self) -> Result<(), BescheidFehler> {
        let mut m = Vec::new();
        let lang = |t: &str, max: usize| t.chars().count() > max;

        if self.tenor_text.trim().is_empty() {
            m.push("Bitte geben Sie den Tenor des Bescheids an.".to_owned());
        } else if lang(&self.tenor_text, MAX_TENOR) {
            m.push(format!(
                "Der Tenor ist zu lang (höchstens {MAX_TENOR} Zeichen)."
            ));
        }
        if self.rechtsbehelfsbelehrung.trim().is_empty() {
            m.push("Die Rechtsbehelfsbelehrung fehlt.".to_owned());
        } else if lang(&self.rechtsbehelfsbelehrung, MAX_TEXT) {
            m.push(format!(
                "Die Rechtsbehelfsbelehrung ist zu lang (höchstens {MAX_TEXT} Zeichen)."
            ));
        }
        if lang(&self.begruendung, MAX_TEXT) {
            m.push(format!(
                "Die Begründung ist zu lang (höchstens {MAX_TEXT} Zeichen)."
            ));
        }

        match (self.tenor, self.verfahren) {
            (Tenor::Vorbescheid, v) if v != Verfahrensart::Vorbescheid => m.push(format!(
                "Ein Vorbescheid kann nur auf eine Bauvoranfrage ergehen, nicht im Verfahren „{}“.",
                v.bezeichnung()
            )),
            (Tenor::Genehmigung, Verfahrensart::Vorbescheid) => m.push(
                "Auf eine Bauvoranfrage ergeht ein Vorbescheid, keine Baugenehmigung.".to_owned(),
            ),
            _ => {}
        }

        if self.tenor == Tenor::Ablehnung {
            if self.begruendung.trim().is_empty() {
                m.push("Eine Ablehnung muss begründet werden.".to_owned());
            }
            if self.nebenbestimmungen.iter().any(|nb| !nb.ist_hinweis()) {
                m.push(
                    "Eine Ablehnung enthält keine Auflagen oder Bedingungen; nur Hinweise sind möglich."
                        .to_owned(),
                );
            }
        }

        if self.nebenbestimmungen.len() > MAX_NEBENBESTIMMUNGEN {
            m.push(format!(
                "Ein Bescheid kann höchstens {MAX_NEBENBESTIMMUNGEN} Nebenbestimmungen enthalten."
            ));
        }
        for (i, nb) in self.nebenbestimmungen.iter().enumerate() {
            let nr = i + 1;
            let von = nb
                .quelle
                .as_ref()
                .map(|q| format!(" (aus der Stellungnahme von {})", q.stelle_name))
                .unwrap_or_default();
            if nb.art_bezeichnung().is_none() {
                m.push(format!(
                    "Nebenbestimmung {nr}{von}: Die Art „{}“ gibt es in der Codeliste der Nebenbestimmungen (XBau) nicht.",
                    nb.art
                ));
            }
            if nb.text.trim().is_empty() {
                m.push(format!("Nebenbestimmung {nr}{von}: Der Text fehlt."));
            } else if lang(&nb.text, MAX_NEBENBESTIMMUNG) {
                m.push(format!(
                    "Nebenbestimmung {nr}{von}: Der Text ist zu lang (höchstens {MAX_NEBENBESTIMMUNG} Zeichen)."
                ));
            }
        }

        for (i, g) in self.gebuehren.iter().enumerate() {
            let nr = i + 1;
            if g.beschreibung.trim().is_empty() {
                m.push(format!(
                    "Gebühr {nr}: Bitte geben Sie an, wofür sie erhoben wird."
                ));
            } else if lang(&g.beschreibung, MAX_GEBUEHR_BESCHREIBUNG) {
                m.push(format!(
                    "Gebühr {nr}: Die Beschreibung ist zu lang (höchstens {MAX_GEBUEHR_BESCHREIBUNG} Zeichen)."
                ));
            }
        }
        match gebuehren_summe(&self.gebuehren) {
            None => m.push("Die Summe der Gebühren ist zu groß.".to_owned()),
            Some(s) if s < 0 => m.push(format!(
                "Die Summe der Gebühren darf nicht negativ sein (derzeit {}).",
                euro(s)
            )),
            Some(_) => {}
        }

        if m.is_empty() {
            Ok(())
        } else {
            Err(BescheidFehler { meldungen: m })
        }
    }

    /// The sum of the fees in cents (`None` on overflow).
    pub fn gebuehren_summe(&self) -> Option<i64> {
        gebuehren_summe(&self.gebuehren)
    }
}

// ---------------------------------------------------------------------------------------------
// Stamp
// ---------------------------------------------------------------------------------------------

/// The first line of the stamp on approved plans.
pub const STEMPEL_TITEL: &str = "GENEHMIGT";
/// Most characters per line of the stamp (the stamping code's default limit).
pub const STEMPEL_MAX_ZEICHEN: usize = 120;

/// Why the stamp text cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StempelFehler {
    #[error("Für den Stempel fehlt {0}.")]
    Fehlt(&'static str),
    #[error("Die Stempelzeile „{0}“ ist zu lang (höchstens {STEMPEL_MAX_ZEICHEN} Zeichen).")]
    ZuLang(String),
}

/// The lines of the stamp on each approved plan, in the order the stamping code draws them
/// (the first line large and bold):
///
/// ```text
/// GENEHMIGT
/// Bauaufsicht Musterstadt
/// Az. BA-2026-00017
/// vom 29.11.2026
/// Bescheid Nr. 2026/17
/// ```
pub fn stempeltext(
    behoerde: &str,
    aktenzeichen: &str,
    datum: NaiveDate,
    bescheid_nr: &str,
) -> Result<[String; 5], StempelFehler> {
    let (behoerde, aktenzeichen, bescheid_nr) =
        (behoerde.trim(), aktenzeichen.trim(), bescheid_nr.trim());
    for (wert, was) in [
        (behoerde, "der Name der Behörde"),
        (aktenzeichen, "das Aktenzeichen"),
        (bescheid_nr, "die Nummer des Bescheids"),
    ] {
        if wert.is_empty() {
            return Err(StempelFehler::Fehlt(was));
        }
    }
    let zeilen = [
        STEMPEL_TITEL.to_owned(),
        behoerde.to_owned(),
        format!("Az. {aktenzeichen}"),
        format!("vom {}", datum_de(datum)),
        format!("Bescheid Nr. {bescheid_nr}"),
    ];
    if let Some(z) = zeilen
        .iter()
        .find(|z| z.chars().count() > STEMPEL_MAX_ZEICHEN || z.chars().any(char::is_control))
    {
        return Err(StempelFehler::ZuLang(z.clone()));
    }
    Ok(zeilen)
}

// ---------------------------------------------------------------------------------------------
// Extending the decision deadline (§ 65 Abs. 2 HBO)
// ---------------------------------------------------------------------------------------------

/// The most the decision deadline of the vereinfachtes Verfahren may be extended by, once
/// (§ 65 Abs. 2 Satz 2 HBO); the configured value is `Fristvorgabe::verlaengerung_hoechstens`.
pub const VERLAENGERUNG_HOECHSTENS: Dauer = Dauer::Monate(2);

/// Why the decision deadline may not be extended like this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerlaengerungsFehler {
    #[error(
        "Die Entscheidungsfrist wurde bereits verlängert; sie kann nur einmal verlängert werden \
         (§ 65 Abs. 2 HBO)."
    )]
    SchonVerlaengert,
    #[error(
        "Die Entscheidungsfrist ist am {} abgelaufen; eine Verlängerung ist nur vor ihrem Ablauf \
         möglich.",
        datum_de(*.0)
    )]
    SchonAbgelaufen(NaiveDate),
    #[error("Das neue Fristende muss nach dem bisherigen ({}) liegen.", datum_de(*.0))]
    NichtSpaeter(NaiveDate),
    #[error(
        "Die Frist kann um höchstens {} verlängert werden, also bis spätestens {} \
         (§ 65 Abs. 2 HBO, § 190 BGB).",
        .hoechstens, tag_de(*.spaetestens)
    )]
    ZuLang {
        hoechstens: Dauer,
        spaetestens: NaiveDate,
    },
    #[error(
        "Der {} ist kein Werktag ({grund}). Bitte wählen Sie als neues Fristende einen Werktag.",
        tag_de(*.datum)
    )]
    KeinWerktag {
        datum: NaiveDate,
        grund: Verschiebungsgrund,
    },
    #[error(transparent)]
    Frist(#[from] FristFehler),
}

/// The latest end an extension by `hoechstens` allows: the new deadline runs from the end of
/// the old one (§ 190 BGB), computed like any deadline (§ 193 BGB applies).
pub fn spaetestes_verlaengertes_ende(
    altes_ende: NaiveDate,
    hoechstens: Dauer,
) -> Result<NaiveDate, FristFehler> {
    Ok(frist::berechne(altes_ende, hoechstens)?.ende)
}

/// May the decision deadline (§ 65 Abs. 2 HBO) be moved from `altes_ende` to `neues_ende`
/// on `heute`? Only once, only before it has passed, only later, only to a Werktag, and by
/// at most `hoechstens` ([`VERLAENGERUNG_HOECHSTENS`] by default).
pub fn verlaengerung_zulaessig(
    bisherige_verlaengerungen: u32,
    altes_ende: NaiveDate,
    neues_ende: NaiveDate,
    hoechstens: Dauer,
    heute: NaiveDate,
) -> Result<(), VerlaengerungsFehler> {
    if bisherige_verlaengerungen > 0 {
        return Err(VerlaengerungsFehler::SchonVerlaengert);
    }
    if heute > altes_ende {
        return Err(VerlaengerungsFehler::SchonAbgelaufen(altes_ende));
    }
    if neues_ende <= altes_ende {
        return Err(VerlaengerungsFehler::NichtSpaeter(altes_ende));
    }
    let spaetestens = spaetestes_verlaengertes_ende(altes_ende, hoechstens)?;
    if neues_ende > spaetestens {
        return Err(VerlaengerungsFehler::ZuLang {
            hoechstens,
            spaetestens,
        });
    }
    if let Some(grund) = Verschiebungsgrund::fuer(neues_ende) {
        return Err(VerlaengerungsFehler::KeinWerktag {
            datum: neues_ende,
            grund,
        });
    }
    Ok(())
}
