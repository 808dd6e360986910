//! Verfahrensarten (procedures of the HBO), their document checklists and their deadline
//! defaults.
//!
//! Both the checklists and the deadlines are data, not code (`data/checklisten.json`,
//! `data/fristvorgaben.json`): Länder differ, laws change, and every Bauaufsicht keeps an
//! editable copy. This module embeds the defaults, (de)serialises edited copies, checks
//! them, and evaluates a checklist against the documents of a case — all without I/O.

use crate::codeliste;
use crate::feststellung::Schwere;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::LazyLock;

// ---------------------------------------------------------------------------------------------
// Verfahrensart
// ---------------------------------------------------------------------------------------------

/// The procedure an application goes through (Hessische Bauordnung).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Verfahrensart {
    /// Baugenehmigungsverfahren, § 66 HBO (full check, e.g. Sonderbauten).
    #[serde(rename = "baugenehmigung")]
    Baugenehmigungsverfahren,
    /// Vereinfachtes Baugenehmigungsverfahren, § 65 HBO (decision within 3 months, else
    /// Genehmigungsfiktion).
    #[serde(rename = "vereinfacht")]
    VereinfachtesVerfahren,
    /// Genehmigungsfreistellung, § 64 HBO (no permit; the Gemeinde may demand a procedure).
    #[serde(rename = "freistellung")]
    Genehmigungsfreistellung,
    /// Bauvoranfrage / Bauvorbescheid, § 76 HBO (binding answer to single questions).
    #[serde(rename = "vorbescheid")]
    Vorbescheid,
}

impl Verfahrensart {
    pub const ALL: [Verfahrensart; 4] = [
        Verfahrensart::Baugenehmigungsverfahren,
        Verfahrensart::VereinfachtesVerfahren,
        Verfahrensart::Genehmigungsfreistellung,
        Verfahrensart::Vorbescheid,
    ];

    /// Stable slug for the database, the API and URLs (same as the serde form).
    pub fn slug(self) -> &'static str {
        match self {
            Verfahrensart::Baugenehmigungsverfahren => "baugenehmigung",
            Verfahrensart::VereinfachtesVerfahren => "vereinfacht",
            Verfahrensart::Genehmigungsfreistellung => "freistellung",
            Verfahrensart::Vorbescheid => "vorbescheid",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Verfahrensart> {
        Verfahrensart::ALL.into_iter().find(|v| v.slug() == slug)
    }

    /// German name shown to people.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Verfahrensart::Baugenehmigungsverfahren => "Baugenehmigungsverfahren",
            Verfahrensart::VereinfachtesVerfahren => "Vereinfachtes Baugenehmigungsverfahren",
            Verfahrensart::Genehmigungsfreistellung => "Genehmigungsfreistellung",
            Verfahrensart::Vorbescheid => "Bauvoranfrage (Vorbescheid)",
        }
    }

    /// The legal basis, e.g. "§ 65 HBO".
    pub fn paragraph(self) -> &'static str {
        match self {
            Verfahrensart::Baugenehmigungsverfahren => "§ 66 HBO",
            Verfahrensart::VereinfachtesVerfahren => "§ 65 HBO",
            Verfahrensart::Genehmigungsfreistellung => "§ 64 HBO",
            Verfahrensart::Vorbescheid => "§ 76 HBO",
        }
    }

    /// "Vereinfachtes Baugenehmigungsverfahren (§ 65 HBO)".
    pub fn bezeichnung_mit_paragraph(self) -> String {
        format!("{} ({})", self.bezeichnung(), self.paragraph())
    }

    /// Does the permit count as granted when the decision deadline passes (§ 65 Abs. 2 HBO)?
    pub fn kennt_genehmigungsfiktion(self) -> bool {
        self == Verfahrensart::VereinfachtesVerfahren
    }
}

impl fmt::Display for Verfahrensart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bezeichnung())
    }
}

// ---------------------------------------------------------------------------------------------
// Checklists
// ---------------------------------------------------------------------------------------------

/// How much a procedure needs a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "art", content = "text", rename_all = "snake_case")]
pub enum Anforderung {
    /// Must be submitted with the application.
    Pflicht,
    /// Must be submitted when the condition holds, e.g. "wenn die Bauherrschaft nicht
    /// Eigentümerin des Grundstücks ist". Plankammer cannot decide the condition, so a missing
    /// document is shown, but does not block submission.
    Bedingt(String),
    /// Only as needed (the table's "as needed").
    BeiBedarf,
    /// Not with the application, but later, e.g. "vor Baubeginn".
    Spaeter(String),
}

impl Anforderung {
    /// Short German label for a checklist row: "Pflicht", "bei Bedarf", …
    pub fn bezeichnung(&self) -> String {
        match self {
            Anforderung::Pflicht => "Pflicht".into(),
            Anforderung::Bedingt(b) => format!("erforderlich, {b}"),
            Anforderung::BeiBedarf => "bei Bedarf".into(),
            Anforderung::Spaeter(z) => format!("nachzureichen {z}"),
        }
    }

    /// Does a missing document of this kind block submission?
    pub fn blockiert_wenn_fehlend(&self) -> bool {
        matches!(self, Anforderung::Pflicht)
    }
}

/// One row of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Anlageart code (`anlagen_3.0`), e.g. "2001".
    pub anlageart: String,
    /// Official name of the Anlageart; filled from the code list when empty.
    #[serde(default)]
    pub name: String,
    /// A note for applicants, e.g. "Maßstab 1:100".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hinweis: Option<String>,
    /// Further Anlagearten that fulfil this row too, e.g. 0402 (Bauingenieur) for 0401
    /// (Bauvorlageberechtigung Architekt).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auch: Vec<String>,
    pub anforderung: Anforderung,
}

impl Position {
    /// Does a document of this Anlageart fulfil the row?
    pub fn erfuellt_durch(&self, anlageart: &str) -> bool {
        self.anlageart == anlageart || self.auch.iter().any(|a| a == anlageart)
    }
}

/// The documents a procedure needs. The default comes from `data/checklisten.json`; a
/// tenant's edited copy (and a case's copy with documents added or waived, § 69 HBO) is
/// stored as JSON and checked with [`Checkliste::pruefe`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkliste {
    /// Version of the default data this list derives from.
    pub version: u32,
    pub verfahren: Verfahrensart,
    pub positionen: Vec<Position>,
}

/// Why a checklist or a deadline catalogue is not acceptable; every problem with a German
/// message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .meldungen.join(" "))]
pub struct VorgabenFehler {
    pub meldungen: Vec<String>,
}

impl VorgabenFehler {
    fn eine(m: String) -> VorgabenFehler {
        VorgabenFehler { meldungen: vec![m] }
    }
}

impl Checkliste {
    /// Checks an (edited) checklist: every Anlageart (also in `auch`) must exist in
    /// `anlagen_3.0`, no Anlageart may appear twice, conditions and times must be given.
    pub fn pruefe(&self) -> Result<(), VorgabenFehler> {
        let anlagen = codeliste::anlagen();
        let mut meldungen = Vec::new();
        let mut gesehen: HashSet<&str> = HashSet::new();
        if self.version == 0 {
            meldungen.push("Die Versionsnummer der Checkliste muss mindestens 1 sein.".into());
        }
        for p in &self.positionen {
            for code in std::iter::once(&p.anlageart).chain(&p.auch) {
                let code = code.as_str();
                if !anlagen.enthaelt(code) {
                    meldungen.push(format!(
                        "Die Anlageart „{code}“ gibt es in der Codeliste der Anlagen (XBau) nicht."
                    ));
                } else if !gesehen.insert(code) {
                    meldungen.push(format!(
                        "Die Anlageart „{code}“ ({}) steht mehrfach in der Checkliste.",
                        anlagen.name(code).unwrap_or_default()
                    ));
                }
            }
            match &p.anforderung {
                Anforderung::Bedingt(b) if b.trim().is_empty() => meldungen.push(format!(
                    "Für die Anlageart „{}“ fehlt die Bedingung, unter der sie erforderlich ist.",
                    p.anlageart
                )),
                Anforderung::Spaeter(z) if z.trim().is_empty() => meldungen.push(format!(
                    "Für die Anlageart „{}“ fehlt der Zeitpunkt, bis zu dem sie nachzureichen ist.",
                    p.anlageart
                )),
                _ => {}
            }
        }
        if meldungen.is_empty() {
            Ok(())
        } else {
            Err(VorgabenFehler { meldungen })
        }
    }

    /// Reads a stored checklist, fills missing names from the code list and checks it.
    pub fn aus_json(json: &str) -> Result<Checkliste, VorgabenFehler> {
        let mut c: Checkliste = serde_json::from_str(json)
            .map_err(|e| VorgabenFehler::eine(format!("Die Checkliste ist nicht lesbar: {e}")))?;
        c.pruefe()?;
        c.namen_ergaenzen();
        Ok(c)
    }

    pub fn zu_json(&self) -> String {
        serde_json::to_string(self).expect("a Checkliste always serialises")
    }

    fn namen_ergaenzen(&mut self) {
        for p in &mut self.positionen {
            if p.name.trim().is_empty() {
                p.name = anlage_name(&p.anlageart);
            }
        }
    }

    pub fn position(&self, anlageart: &str) -> Option<&Position> {
        self.positionen.iter().find(|p| p.anlageart == anlageart)
    }

    /// Adds a row for `anlageart`, or changes the requirement of the existing row (the
    /// Bauaufsicht asks for a further document, or relaxes one, § 69 HBO).
    pub fn setze(
        &mut self,
        anlageart: &str,
        anforderung: Anforderung,
    ) -> Result<(), VorgabenFehler> {
        if !codeliste::anlagen().enthaelt(anlageart) {
            return Err(VorgabenFehler::eine(format!(
                "Die Anlageart „{anlageart}“ gibt es in der Codeliste der Anlagen (XBau) nicht."
            )));
        }
        if let Some(p) = self
            .positionen
            .iter_mut()
            .find(|p| p.anlageart == anlageart)
        {
            p.anforderung = anforderung;
            return Ok(());
        }
        if let Some(p) = self.positionen.iter().find(|p| p.erfuellt_durch(anlageart)) {
            return Err(VorgabenFehler::eine(format!(
                "Die Anlageart „{anlageart}“ ist schon Teil der Position „{}“ ({}).",
                p.name, p.anlageart
            )));
        }
        self.positionen.push(Position {
            anlageart: anlageart.to_string(),
            name: anlage_name(anlageart),
            hinweis: None,
            auch: Vec::new(),
            anforderung,
        });
        Ok(())
    }

    /// Removes the row for `anlageart` (the Bauaufsicht waives the document). Returns whether
    /// there was one.
    pub fn entferne(&mut self, anlageart: &str) -> bool {
        let vorher = self.positionen.len();
        self.positionen.retain(|p| p.anlageart != anlageart);
        self.positionen.len() != vorher
    }

    /// Evaluates the checklist against the documents of a case: what is there, what is
    /// missing, what the pipeline found, and whether the case may be submitted.
    pub fn auswerten(&self, dokumente: &[HochgeladenesDokument]) -> Auswertung {
        auswerten(self, dokumente)
    }
}

fn anlage_name(code: &str) -> String {
    codeliste::anlagen()
        .name(code)
        .unwrap_or_default()
        .to_string()
}

/// The shipped data: one row per Anlageart with the requirement per procedure.
#[derive(Debug, Deserialize)]
struct ChecklistenDaten {
    version: u32,
    positionen: Vec<ChecklistenZeile>,
}

#[derive(Debug, Deserialize)]
struct ChecklistenZeile {
    anlageart: String,
    #[serde(default)]
    hinweis: Option<String>,
    #[serde(default)]
    auch: Vec<String>,
    anforderungen: BTreeMap<Verfahrensart, Anforderung>,
}

static CHECKLISTEN: LazyLock<ChecklistenDaten> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/checklisten.json"))
        .unwrap_or_else(|e| panic!("eingebettete checklisten.json ist ungültig: {e}"))
});

/// The version number of the shipped default checklists.
pub fn checklisten_version() -> u32 {
    CHECKLISTEN.version
}

/// The default checklist of a procedure (from `data/checklisten.json`), rows in the order
/// of the data.
pub fn standard_checkliste(verfahren: Verfahrensart) -> Checkliste {
    let positionen = CHECKLISTEN
        .positionen
        .iter()
        .filter_map(|z| {
            z.anforderungen.get(&verfahren).map(|a| Position {
                anlageart: z.anlageart.clone(),
                name: anlage_name(&z.anlageart),
                hinweis: z.hinweis.clone(),
                auch: z.auch.clone(),
                anforderung: a.clone(),
            })
        })
        .collect();
    Checkliste {
        version: CHECKLISTEN.version,
        verfahren,
        positionen,
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/// What the checklist needs to know about one uploaded document (its newest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HochgeladenesDokument {
    /// The caller's id of the document; returned in the evaluation.
    pub id: i64,
    /// Name shown to people, e.g. the file name.
    pub bezeichnung: String,
    /// The Anlageart chosen (or confirmed) by a person.
    pub anlageart: Option<String>,
    /// The Anlageart the pipeline suggests from the title block and text.
    pub vorgeschlagene_anlageart: Option<String>,
    /// The worst finding of the pipeline so far; `None` when it found nothing.
    pub schlimmste_feststellung: Option<Schwere>,
    /// Has the pipeline finished with this document?
    pub verarbeitet: bool,
}

impl HochgeladenesDokument {
    /// The Anlageart that counts: the chosen one, else the suggested one.
    pub fn wirksame_anlageart(&self) -> Option<&str> {
        self.anlageart
            .as_deref()
            .or(self.vorgeschlagene_anlageart.as_deref())
    }
}

/// Summary of the findings of the documents of one checklist row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Befundlage {
    /// Documents whose worst finding is an error.
    pub mit_fehlern: usize,
    /// … a warning.
    pub mit_warnungen: usize,
    /// … a note.
    pub mit_hinweisen: usize,
    /// Documents the pipeline is still working on.
    pub in_pruefung: usize,
}

impl Befundlage {
    fn zaehle(&mut self, d: &HochgeladenesDokument) {
        match d.schlimmste_feststellung {
            Some(Schwere::Fehler) => self.mit_fehlern += 1,
            Some(Schwere::Warnung) => self.mit_warnungen += 1,
            Some(Schwere::Hinweis) => self.mit_hinweisen += 1,
            None => {}
        }
        if !d.verarbeitet {
            self.in_pruefung += 1;
        }
    }

    pub fn schlimmste(&self) -> Option<Schwere> {
        if self.mit_fehlern > 0 {
            Some(Schwere::Fehler)
        } else if self.mit_warnungen > 0 {
            Some(Schwere::Warnung)
        } else if self.mit_hinweisen > 0 {
            Some(Schwere::Hinweis)
        } else {
            None
        }
    }

    /// German summary, e.g. "1 mit Fehlern, 1 in Prüfung"; empty when there is nothing to say.
    pub fn zusammenfassung(&self) -> String {
        let mut teile = Vec::new();
        if self.mit_fehlern > 0 {
            teile.push(format!("{} mit Fehlern", self.mit_fehlern));
        }
        if self.mit_warnungen > 0 {
            teile.push(format!("{} mit Warnungen", self.mit_warnungen));
        }
        if self.mit_hinweisen > 0 {
            teile.push(format!("{} mit Hinweisen", self.mit_hinweisen));
        }
        if self.in_pruefung > 0 {
            teile.push(format!("{} in Prüfung", self.in_pruefung));
        }
        teile.join(", ")
    }
}

/// The state of one checklist row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionsStand {
    pub anlageart: String,
    pub name: String,
    pub hinweis: Option<String>,
    pub anforderung: Anforderung,
    /// At least one document fulfils the row.
    pub vorhanden: bool,
    /// Ids of the documents that fulfil it.
    pub dokumente: Vec<i64>,
    pub befund: Befundlage,
    /// Does this row keep the case from being submitted?
    pub blockiert: bool,
    /// German one-line state for the checklist, e.g. "fehlt" or "vorhanden (1 mit Warnungen)".
    pub text: String,
}

/// Where a person fixes one thing that keeps a case from being submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "art", rename_all = "snake_case")]
pub enum Behebung {
    /// Choose the Anlageart of this document.
    Anlageart { dokument: i64 },
    /// Look at this document: wait for its check, replace or remove it.
    Dokument { dokument: i64 },
    /// Upload a document of this Anlageart.
    Hochladen { anlageart: String },
    /// Complete the Angaben (procedure, Bauvorhaben, Grundstück, Beteiligte).
    Angaben,
    /// Invite the Bauherrschaft, or wait for its acceptance and Freizeichnung.
    Bauherrschaft,
}

/// One thing that keeps a case from being submitted: the German sentence, and where to
/// fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mangel {
    pub text: String,
    pub behebung: Behebung,
}

/// The evaluation of a checklist against the documents of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Auswertung {
    pub verfahren: Verfahrensart,
    pub positionen: Vec<PositionsStand>,
    /// Documents whose Anlageart is on no row (allowed, e.g. 9999 "Weitere Anlage").
    pub weitere_dokumente: Vec<i64>,
    pub darf_einreichen: bool,
    /// German reasons why the case cannot be submitted yet (empty when it can).
    pub gruende: Vec<String>,
    /// The same reasons, each with where to fix it.
    pub maengel: Vec<Mangel>,
    /// German notes that do not block submission.
    pub hinweise: Vec<String>,
}

fn auswerten(liste: &Checkliste, dokumente: &[HochgeladenesDokument]) -> Auswertung {
    let anlagen = codeliste::anlagen();
    let mut maengel: Vec<Mangel> = Vec::new();
    let mut hinweise = Vec::new();
    let mut mangel = |text: String, behebung: Behebung| maengel.push(Mangel { text, behebung });

    // Per document: problems that block, whatever row it belongs to.
    for d in dokumente {
        let name = &d.bezeichnung;
        match d.wirksame_anlageart() {
            None => mangel(
                format!(
                    "Für „{name}“ ist keine Anlageart angegeben. Bitte wählen Sie aus, um welche Unterlage es sich handelt."
                ),
                Behebung::Anlageart { dokument: d.id },
            ),
            Some(code) if !anlagen.enthaelt(code) => mangel(
                format!(
                    "Die Anlageart „{code}“ von „{name}“ ist unbekannt. Bitte wählen Sie eine Anlageart aus der Liste."
                ),
                Behebung::Anlageart { dokument: d.id },
            ),
            Some(code) if d.anlageart.is_none() => hinweise.push(format!(
                "Die Anlageart von „{name}“ ist nur vorgeschlagen ({}). Bitte bestätigen Sie sie.",
                anlagen.name(code).unwrap_or(code)
            )),
            Some(_) => {}
        }
        if !d.verarbeitet {
            mangel(
                format!(
                    "„{name}“ wird noch geprüft. Bitte warten Sie, bis die Prüfung abgeschlossen ist."
                ),
                Behebung::Dokument { dokument: d.id },
            );
        }
        match d.schlimmste_feststellung {
            Some(Schwere::Fehler) => mangel(
                format!(
                    "„{name}“ hat Fehler. Bitte ersetzen Sie das Dokument oder entfernen Sie es."
                ),
                Behebung::Dokument { dokument: d.id },
            ),
            Some(Schwere::Warnung) => hinweise.push(format!(
                "„{name}“ hat Warnungen. Bitte prüfen Sie, ob das Dokument so eingereicht werden soll."
            )),
            _ => {}
        }
    }

    let mut zugeordnet: HashSet<i64> = HashSet::new();
    let positionen = liste
        .positionen
        .iter()
        .map(|p| {
            let mut befund = Befundlage::default();
            let mut ids = Vec::new();
            for d in dokumente {
                if d.wirksame_anlageart().is_some_and(|a| p.erfuellt_durch(a)) {
                    befund.zaehle(d);
                    ids.push(d.id);
                    zugeordnet.insert(d.id);
                }
            }
            let vorhanden = !ids.is_empty();
            let blockiert = !vorhanden && p.anforderung.blockiert_wenn_fehlend();
            let name = if p.name.is_empty() {
                anlage_name(&p.anlageart)
            } else {
                p.name.clone()
            };
            let text = if vorhanden {
                let z = befund.zusammenfassung();
                if z.is_empty() {
                    "vorhanden".to_string()
                } else {
                    format!("vorhanden ({z})")
                }
            } else {
                match &p.anforderung {
                    Anforderung::Pflicht => "fehlt".to_string(),
                    // The condition stands in the "Erforderlich" column already.
                    Anforderung::Bedingt(_) => "fehlt (falls zutreffend)".to_string(),
                    Anforderung::BeiBedarf => "bei Bedarf".to_string(),
                    Anforderung::Spaeter(_) => "später nachzureichen".to_string(),
                }
            };
            if !vorhanden {
                match &p.anforderung {
                    Anforderung::Pflicht => mangel(
                        format!("Es fehlt eine Pflichtunterlage: {name}."),
                        Behebung::Hochladen {
                            anlageart: p.anlageart.clone(),
                        },
                    ),
                    Anforderung::Bedingt(b) => hinweise.push(format!(
                        "Falls zutreffend, fehlt noch: {name} – erforderlich, {b}."
                    )),
                    Anforderung::BeiBedarf | Anforderung::Spaeter(_) => {}
                }
            }
            PositionsStand {
                anlageart: p.anlageart.clone(),
                name,
                hinweis: p.hinweis.clone(),
                anforderung: p.anforderung.clone(),
                vorhanden,
                dokumente: ids,
                befund,
                blockiert,
                text,
            }
        })
        .collect();

    let weitere_dokumente = dokumente
        .iter()
        .filter(|d| !zugeordnet.contains(&d.id))
        .map(|d| d.id)
        .collect();

    Auswertung {
        verfahren: liste.verfahren,
        positionen,
        weitere_dokumente,
        darf_einreichen: maengel.is_empty(),
        gruende: maengel.iter().map(|m| m.text.clone()).collect(),
        maengel,
        hinweise,
    }
}

// ---------------------------------------------------------------------------------------------
// Deadline defaults
// ---------------------------------------------------------------------------------------------

/// What happens in law when a deadline passes unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fristfolge {
    /// The permit counts as granted (§ 65 Abs. 2 HBO).
    Genehmigungsfiktion,
    /// The application counts as withdrawn (§ 70 Abs. 2 HBO).
    Ruecknahmefiktion,
    /// A Stelle's silence counts as consent; later statements are marked late (§ 70 Abs. 1 HBO).
    Zustimmungsfiktion,
    /// The Gemeinde's Einvernehmen counts as given (§ 36 Abs. 2 BauGB).
    Einvernehmensfiktion,
    /// Construction may begin (Genehmigungsfreistellung, § 64 HBO).
    BaubeginnZulaessig,
}

impl Fristfolge {
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Fristfolge::Genehmigungsfiktion => "Die Genehmigung gilt als erteilt.",
            Fristfolge::Ruecknahmefiktion => "Der Antrag gilt als zurückgenommen.",
            Fristfolge::Zustimmungsfiktion => {
                "Die Zustimmung gilt als erteilt; spätere Stellungnahmen sind verspätet."
            }
            Fristfolge::Einvernehmensfiktion => "Das Einvernehmen der Gemeinde gilt als erteilt.",
            Fristfolge::BaubeginnZulaessig => "Mit dem Bau darf begonnen werden.",
        }
    }
}

/// One default deadline. Durations are strings like "3M", "1M", "14T": a positive whole
/// number and a unit, T (Tage), W (Wochen) or M (Monate) — the form the deadline engine
/// (`frist`) reads. This module only checks the form, not the engine's upper limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fristvorgabe {
    pub dauer: String,
    /// E.g. "§ 65 Abs. 2 HBO".
    pub rechtsgrundlage: String,
    pub folge: Fristfolge,
    /// The most the authority may extend the deadline by, once (§ 65 Abs. 2 HBO: "2M").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verlaengerung_hoechstens: Option<String>,
    /// German explanation for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erlaeuterung: Option<String>,
}

/// The default deadlines of one procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fristvorgaben {
    /// Decision deadline from the complete application; only the vereinfachtes Verfahren has
    /// one (3 months, extendable once by up to 2 months, then Genehmigungsfiktion).
    pub entscheidung: Option<Fristvorgabe>,
    /// Proposal for a Nachforderung deadline. The law asks for an "angemessene Frist"
    /// (§ 70 Abs. 2 HBO); the default proposal is one month, the Bauaufsicht sets it per case.
    pub nachforderung: Fristvorgabe,
    /// Statement of a Stelle from receipt of the request (§ 70 Abs. 1 HBO: 1 month).
    pub stellungnahme: Option<Fristvorgabe>,
    /// Einvernehmen of the Gemeinde (§ 36 Abs. 2 BauGB: 2 months).
    pub einvernehmen_gemeinde: Option<Fristvorgabe>,
    /// Genehmigungsfreistellung: the month in which the Gemeinde may demand a procedure
    /// (§ 64 HBO).
    pub freistellung_gemeinde: Option<Fristvorgabe>,
}

impl Fristvorgaben {
    fn alle(&self) -> impl Iterator<Item = (&'static str, &Fristvorgabe)> {
        [
            ("entscheidung", self.entscheidung.as_ref()),
            ("nachforderung", Some(&self.nachforderung)),
            ("stellungnahme", self.stellungnahme.as_ref()),
            ("einvernehmen_gemeinde", self.einvernehmen_gemeinde.as_ref()),
            ("freistellung_gemeinde", self.freistellung_gemeinde.as_ref()),
        ]
        .into_iter()
        .filter_map(|(n, f)| f.map(|f| (n, f)))
    }
}

/// All deadline defaults, as stored (per tenant, editable) and shipped
/// (`data/fristvorgaben.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FristvorgabenKatalog {
    pub version: u32,
    /// Reminders before a deadline ends, e.g. ["7T", "1T"].
    pub erinnerungen: Vec<String>,
    pub verfahren: BTreeMap<Verfahrensart, Fristvorgaben>,
}

/// Is `dauer` of the form "<positive number><T|W|M>"?
pub fn ist_gueltige_dauer(dauer: &str) -> bool {
    let Some(einheit) = dauer.chars().last() else {
        return false;
    };
    let zahl = &dauer[..dauer.len() - einheit.len_utf8()];
    matches!(einheit, 'T' | 'W' | 'M')
        && !zahl.is_empty()
        && zahl.len() <= 4
        && zahl.chars().all(|c| c.is_ascii_digit())
        && zahl.parse::<u32>().is_ok_and(|n| n > 0)
}

impl FristvorgabenKatalog {
    /// Every procedure present; every duration well-formed.
    pub fn pruefe(&self) -> Result<(), VorgabenFehler> {
        let mut meldungen = Vec::new();
        let schlecht = |wo: String, d: &str| {
            format!(
                "{wo}: Die Dauer „{d}“ ist ungültig. Erlaubt sind z. B. „14T“, „2W“ oder „3M“ (Tage, Wochen, Monate)."
            )
        };
        for v in Verfahrensart::ALL {
            let Some(f) = self.verfahren.get(&v) else {
                meldungen.push(format!("Für das Verfahren „{v}“ fehlen die Fristvorgaben."));
                continue;
            };
            for (name, fv) in f.alle() {
                if !ist_gueltige_dauer(&fv.dauer) {
                    meldungen.push(schlecht(format!("{v}, {name}"), &fv.dauer));
                }
                if let Some(x) = &fv.verlaengerung_hoechstens
                    && !ist_gueltige_dauer(x)
                {
                    meldungen.push(schlecht(format!("{v}, {name}, Verlängerung"), x));
                }
            }
        }
        for e in &self.erinnerungen {
            if !ist_gueltige_dauer(e) {
                meldungen.push(schlecht("Erinnerungen".into(), e));
            }
        }
        if meldungen.is_empty() {
            Ok(())
        } else {
            Err(VorgabenFehler { meldungen })
        }
    }

    /// Reads a stored catalogue and checks it.
    pub fn aus_json(json: &str) -> Result<FristvorgabenKatalog, VorgabenFehler> {
        let k: FristvorgabenKatalog = serde_json::from_str(json).map_err(|e| {
            VorgabenFehler::eine(format!("Die Fristvorgaben sind nicht lesbar: {e}"))
        })?;
        k.pruefe()?;
        Ok(k)
    }

    pub fn zu_json(&self) -> String {
        serde_json::to_string(self).expect("a FristvorgabenKatalog always serialises")
    }
}

static FRISTVORGABEN: LazyLock<FristvorgabenKatalog> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/fristvorgaben.json"))
        .unwrap_or_else(|e| panic!("eingebettete fristvorgaben.json ist ungültig: {e}"))
});

/// The shipped deadline defaults of all procedures.
pub fn standard_fristvorgaben_katalog() -> &'static FristvorgabenKatalog {
    &FRISTVORGABEN
}

/// The shipped deadline defaults of one procedure.
pub fn standard_fristvorgaben(verfahren: Verfahrensart) -> Fristvorgaben {
    FRISTVORGABEN
        .verfahren
        .get(&verfahren)
        .cloned()
        .unwrap_or_else(|| panic!("fristvorgaben.json: keine Vorgaben für {verfahren:?}"))
}
