//! Beteiligung: asking Stellen for their statement, and everything around it that needs no
//! I/O — the role a Stelle is asked in, the deadline proposal and its legal consequence of
//! silence, the state of one request, the structured Stellungnahme (with corrections that
//! supersede, never overwrite), the reminder schedule, and comments anchored on plans.
//!
//! The law (defaults, as shipped in `data/fristvorgaben.json`; durations are configuration):
//!
//! - a Stelle states its view within one month of receiving the request; if it does not, its
//!   consent counts as given, and a later statement is still taken in but marked as late
//!   (§ 70 Abs. 1 HBO);
//! - the Gemeinde's Einvernehmen counts as given unless it is refused within two months of
//!   receiving the request (§ 36 Abs. 2 Satz 2 BauGB).
//!
//! One request (Aufforderung, XBau 0300) moves through these states:
//!
//! ```text
//!             Oeffnen (Fachstelle)           RueckfrageStellen (Fachstelle)
//! Angefragt ─────────────────────▶ InBearbeitung ◀──────────────────────▶ Rueckfrage
//!     │                                │            RueckfrageBeantwortet    │
//!     │                                │              (Bauaufsicht)          │
//!     ├── StellungnahmeAbgeben ────────┴─────────────────────────────────────┤──▶ StellungnahmeAbgegeben
//!     ├── FristAblaufen (System, once) ──▶ FristAbgelaufen ──StellungnahmeAbgeben (verspätet)──▶ StellungnahmeAbgegeben
//!     └── Zurueckziehen (Bauaufsicht) ──▶ Zurueckgezogen
//! every open state: FristVerlaengern (Bauaufsicht) keeps the state and moves the end.
//! ```
//!
//! `StellungnahmeAbgegeben` and `Zurueckgezogen` are terminal. `FristAbgelaufen` is not: the
//! fiction has happened, but a late Stellungnahme is still accepted (and marked late).

use crate::Role;
use crate::codeliste;
use crate::frist::{
    self, Dauer, FristFehler, Fristende, JAHRE, MAX_TAGE, Verschiebungsgrund, datum_de, tag_de,
};
use crate::verfahren::{Fristfolge, Fristvorgabe, Fristvorgaben, Verfahrensart};
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------

/// The id of a Stelle (an authority or body that can be asked), as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StelleId(pub i64);

/// The id of a Stellungnahme, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StellungnahmeId(pub i64);

/// The id of one document version (the plan a comment is anchored on), as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VersionId(pub i64);

// ---------------------------------------------------------------------------------------------
// Rolle (beteiligungrolle_2.0)
// ---------------------------------------------------------------------------------------------

/// The role in which a Stelle is asked (XBau code list `beteiligungrolle_2.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rolle {
    /// Code 1: the Stelle responsible for a field of law (e.g. Denkmalschutz).
    Zustaendig,
    /// Code 2: a Stelle asked for its expertise (e.g. Brandschutzdienststelle).
    Sachverstaendig,
    /// Code 3: the Gemeinde concerned (Einvernehmen, § 36 BauGB).
    Gemeinde,
}

impl Rolle {
    pub const ALL: [Rolle; 3] = [Rolle::Zustaendig, Rolle::Sachverstaendig, Rolle::Gemeinde];

    /// The code of `beteiligungrolle_2.0`: "1", "2", "3".
    pub fn code(self) -> &'static str {
        match self {
            Rolle::Zustaendig => "1",
            Rolle::Sachverstaendig => "2",
            Rolle::Gemeinde => "3",
        }
    }

    pub fn from_code(code: &str) -> Option<Rolle> {
        Rolle::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// Short German name for lists and forms.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Rolle::Zustaendig => "Zuständige Stelle",
            Rolle::Sachverstaendig => "Sachverständige Stelle",
            Rolle::Gemeinde => "Betroffene Gemeinde",
        }
    }

    /// The official text of the code list, e.g. "Der Adressat der Nachricht soll als
    /// betroffene Gemeinde beteiligt werden."
    pub fn beschreibung(self) -> &'static str {
        codeliste::beteiligungsrollen()
            .name(self.code())
            .unwrap_or_else(|| self.bezeichnung())
    }
}

impl fmt::Display for Rolle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bezeichnung())
    }
}

// ---------------------------------------------------------------------------------------------
// Fristvorschlag
// ---------------------------------------------------------------------------------------------

/// What the silence of a Stelle means in law when its deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schweigefolge {
    /// The Stelle's consent counts as given; a later statement is marked late (§ 70 Abs. 1 HBO).
    ZustimmungFingiert,
    /// The Gemeinde's Einvernehmen counts as given (§ 36 Abs. 2 Satz 2 BauGB).
    EinvernehmenFingiert,
    /// Silence has no legal effect (e.g. a deadline set without a fiction in the configuration).
    Keine,
}

impl Schweigefolge {
    pub const ALL: [Schweigefolge; 3] = [
        Schweigefolge::ZustimmungFingiert,
        Schweigefolge::EinvernehmenFingiert,
        Schweigefolge::Keine,
    ];

    /// The stored code: `zustimmung`, `einvernehmen` or `keine`.
    pub fn code(self) -> &'static str {
        match self {
            Schweigefolge::ZustimmungFingiert => "zustimmung",
            Schweigefolge::EinvernehmenFingiert => "einvernehmen",
            Schweigefolge::Keine => "keine",
        }
    }

    pub fn from_code(code: &str) -> Option<Schweigefolge> {
        Schweigefolge::ALL.into_iter().find(|f| f.code() == code)
    }

    /// What silence means, for the overview: "Zustimmung gilt als erteilt", … "keine
    /// gesetzliche Folge".
    pub fn folge_text(self) -> &'static str {
        match self {
            Schweigefolge::ZustimmungFingiert => "Zustimmung gilt als erteilt",
            Schweigefolge::EinvernehmenFingiert => "Einvernehmen gilt als erteilt",
            Schweigefolge::Keine => "keine gesetzliche Folge",
        }
    }

    /// From the configured consequence of a deadline.
    pub fn aus_fristfolge(folge: Fristfolge) -> Schweigefolge {
        match folge {
            Fristfolge::Zustimmungsfiktion => Schweigefolge::ZustimmungFingiert,
            Fristfolge::Einvernehmensfiktion => Schweigefolge::EinvernehmenFingiert,
            Fristfolge::Genehmigungsfiktion
            | Fristfolge::Ruecknahmefiktion
            | Fristfolge::BaubeginnZulaessig => Schweigefolge::Keine,
        }
    }

    /// Short German name, e.g. for the state after the deadline passed.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Schweigefolge::ZustimmungFingiert => "Zustimmung gilt als erteilt",
            Schweigefolge::EinvernehmenFingiert => "Einvernehmen gilt als erteilt",
            Schweigefolge::Keine => "Frist abgelaufen",
        }
    }

    /// Is there a fiction at all?
    pub fn ist_fiktion(self) -> bool {
        self != Schweigefolge::Keine
    }
}

/// A proposed deadline for one request to a Stelle, with everything needed to say why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fristvorschlag {
    pub rolle: Rolle,
    /// The computed deadline; its `rechtsgrundlage` is set.
    pub ende: Fristende,
    /// E.g. "§ 70 Abs. 1 HBO", "§ 36 Abs. 2 BauGB" (from the configuration).
    pub rechtsgrundlage: String,
    pub schweigefolge: Schweigefolge,
    /// German sentences for people, in order.
    pub erklaerung: Vec<String>,
}

impl Fristvorschlag {
    /// The last day of the deadline.
    pub fn letzter_tag(&self) -> NaiveDate {
        self.ende.ende
    }
}

/// Why a deadline for a Beteiligung could not be proposed or set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeteiligungsfristFehler {
    /// The configuration of the procedure has no deadline for this kind of request.
    #[error("Im Verfahren „{verfahren}“ ist keine Frist für {was} vorgesehen.")]
    KeineVorgabe {
        /// The procedure's name, or "diesem Verfahren" when unknown.
        verfahren: String,
        /// "die Stellungnahme einer Stelle" or "das Einvernehmen der Gemeinde".
        was: &'static str,
    },
    /// The configured duration could not be read or computed.
    #[error(transparent)]
    Frist(#[from] FristFehler),
    /// A set date that is not after today.
    #[error("Das Fristende {} muss nach dem heutigen Tag ({}) liegen.", datum_de(*.datum), datum_de(*.heute))]
    NichtNachHeute { datum: NaiveDate, heute: NaiveDate },
    /// A set date on a Saturday, Sunday or holiday.
    #[error(
        "Der {} ist kein Werktag ({grund}). Bitte wählen Sie als Fristende einen Werktag.",
        tag_de(*.datum)
    )]
    KeinWerktag {
        datum: NaiveDate,
        grund: Verschiebungsgrund,
    },
    /// A set date more than 10 years ahead, or outside the computable years.
    #[error("Das Fristende {} liegt zu weit in der Zukunft.", datum_de(*.0))]
    ZuWeit(NaiveDate),
}

/// Proposes the deadline of a request to a Stelle in a role, received by the Stelle on
/// `eingang_der_anfrage`, from the configured deadlines of the procedure: the Gemeinde gets
/// `einvernehmen_gemeinde` (2 months, § 36 Abs. 2 BauGB), every other Stelle `stellungnahme`
/// (1 month, § 70 Abs. 1 HBO).
pub fn fristvorschlag(
    rolle: Rolle,
    vorgaben: &Fristvorgaben,
    eingang_der_anfrage: NaiveDate,
) -> Result<Fristvorschlag, BeteiligungsfristFehler> {
    fristvorschlag_fuer(
        rolle,
        vorgaben,
        eingang_der_anfrage,
        "diesem Verfahren".into(),
    )
}

/// [`fristvorschlag`] with the shipped defaults of a procedure
/// ([`crate::verfahren::standard_fristvorgaben`]).
pub fn fristvorschlag_standard(
    rolle: Rolle,
    verfahren: Verfahrensart,
    eingang_der_anfrage: NaiveDate,
) -> Result<Fristvorschlag, BeteiligungsfristFehler> {
    let vorgaben = crate::verfahren::standard_fristvorgaben(verfahren);
    fristvorschlag_fuer(
        rolle,
        &vorgaben,
        eingang_der_anfrage,
        verfahren.bezeichnung_mit_paragraph(),
    )
}

fn fristvorschlag_fuer(
    rolle: Rolle,
    vorgaben: &Fristvorgaben,
    eingang: NaiveDate,
    verfahren: String,
) -> Result<Fristvorschlag, BeteiligungsfristFehler> {
    let (vorgabe, was): (Option<&Fristvorgabe>, _) = match rolle {
        Rolle::Gemeinde => (
            vorgaben.einvernehmen_gemeinde.as_ref(),
            "das Einvernehmen der Gemeinde",
        ),
        Rolle::Zustaendig | Rolle::Sachverstaendig => (
            vorgaben.stellungnahme.as_ref(),
            "die Stellungnahme einer Stelle",
        ),
    };
    let vorgabe = vorgabe.ok_or(BeteiligungsfristFehler::KeineVorgabe { verfahren, was })?;
    let dauer: Dauer = vorgabe.dauer.parse()?;
    let ende = frist::berechne(eingang, dauer)?.mit_rechtsgrundlage(&vorgabe.rechtsgrundlage);
    let schweigefolge = Schweigefolge::aus_fristfolge(vorgabe.folge);

    let mut erklaerung = vec![match rolle {
        Rolle::Gemeinde => format!(
            "Die Gemeinde entscheidet über ihr Einvernehmen innerhalb von {} nach Eingang des \
             Ersuchens ({}).",
            dauer.dativ(),
            vorgabe.rechtsgrundlage
        ),
        _ => format!(
            "Die Stelle gibt ihre Stellungnahme innerhalb von {} nach Eingang der Aufforderung \
             ab ({}).",
            dauer.dativ(),
            vorgabe.rechtsgrundlage
        ),
    }];
    erklaerung.extend(ende.erklaerung_saetze());
    erklaerung.push(schweigefolge_satz(
        schweigefolge,
        ende.ende,
        &vorgabe.rechtsgrundlage,
    ));

    Ok(Fristvorschlag {
        rolle,
        rechtsgrundlage: vorgabe.rechtsgrundlage.clone(),
        ende,
        schweigefolge,
        erklaerung,
    })
}

fn schweigefolge_satz(folge: Schweigefolge, ende: NaiveDate, grundlage: &str) -> String {
    let bis = datum_de(ende);
    match folge {
        Schweigefolge::ZustimmungFingiert => format!(
            "Äußert sich die Stelle bis zum {bis} nicht, gilt ihre Zustimmung als erteilt; \
             eine spätere Stellungnahme wird noch angenommen, aber als verspätet gekennzeichnet \
             ({grundlage})."
        ),
        Schweigefolge::EinvernehmenFingiert => format!(
            "Verweigert die Gemeinde ihr Einvernehmen nicht bis zum {bis}, gilt es als erteilt \
             ({grundlage})."
        ),
        Schweigefolge::Keine => format!(
            "Äußert sich die Stelle bis zum {bis} nicht, hat das keine gesetzliche Folge; \
             die Bauaufsicht entscheidet über das weitere Vorgehen."
        ),
    }
}

/// A deadline end chosen by the Bauaufsicht for one request (instead of the proposal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BehoerdlicheFrist {
    /// The last day.
    pub ende: NaiveDate,
    /// The day it was set.
    pub gesetzt_am: NaiveDate,
}

impl BehoerdlicheFrist {
    /// How the deadline is recorded: "behördlich gesetzt".
    pub const VERMERK: &'static str = "behördlich gesetzt";

    pub fn erklaerung(&self) -> String {
        format!(
            "Fristende {}, mit Ablauf des Tages ({}, am {}).",
            tag_de(self.ende),
            Self::VERMERK,
            datum_de(self.gesetzt_am)
        )
    }
}

/// Checks a deadline end set by a case worker: it must be a Werktag after today, and at most
/// 10 years ahead.
pub fn behoerdlich_gesetzt(
    datum: NaiveDate,
    heute: NaiveDate,
) -> Result<BehoerdlicheFrist, BeteiligungsfristFehler> {
    pruefe_gesetztes_ende(datum, heute)?;
    Ok(BehoerdlicheFrist {
        ende: datum,
        gesetzt_am: heute,
    })
}

/// `datum` is a Werktag after `heute`, at most [`MAX_TAGE`] days ahead.
fn pruefe_gesetztes_ende(
    datum: NaiveDate,
    heute: NaiveDate,
) -> Result<(), BeteiligungsfristFehler> {
    if datum <= heute {
        return Err(BeteiligungsfristFehler::NichtNachHeute { datum, heute });
    }
    if !JAHRE.contains(&datum.year()) || (datum - heute).num_days() > i64::from(MAX_TAGE) {
        return Err(BeteiligungsfristFehler::ZuWeit(datum));
    }
    if let Some(grund) = Verschiebungsgrund::fuer(datum) {
        return Err(BeteiligungsfristFehler::KeinWerktag { datum, grund });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// State of one request
// ---------------------------------------------------------------------------------------------

/// The state of one request to a Stelle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BeteiligungsZustand {
    /// Sent; the Stelle has not opened it yet.
    Angefragt,
    /// The Stelle works on it.
    InBearbeitung,
    /// The Stelle asked a question and waits for the answer (XBau 0305/0306).
    Rueckfrage,
    /// The Stellungnahme is in (terminal; a correction is a new Stellungnahme, not a new state).
    StellungnahmeAbgegeben,
    /// The deadline passed without a Stellungnahme; the Schweigefolge applies (a late
    /// Stellungnahme is still accepted).
    FristAbgelaufen,
    /// The Bauaufsicht withdrew the request (terminal).
    Zurueckgezogen,
}

/// Colour of a state in the overview, as a CSS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ampel {
    Gruen,
    Gelb,
    Rot,
    Grau,
}

impl Ampel {
    /// "gruen", "gelb", "rot", "grau".
    pub fn klasse(self) -> &'static str {
        match self {
            Ampel::Gruen => "gruen",
            Ampel::Gelb => "gelb",
            Ampel::Rot => "rot",
            Ampel::Grau => "grau",
        }
    }
}

impl BeteiligungsZustand {
    pub const ALL: [BeteiligungsZustand; 6] = [
        BeteiligungsZustand::Angefragt,
        BeteiligungsZustand::InBearbeitung,
        BeteiligungsZustand::Rueckfrage,
        BeteiligungsZustand::StellungnahmeAbgegeben,
        BeteiligungsZustand::FristAbgelaufen,
        BeteiligungsZustand::Zurueckgezogen,
    ];

    /// Stable slug for the database and the API (same as the serde form).
    pub fn slug(self) -> &'static str {
        match self {
            BeteiligungsZustand::Angefragt => "angefragt",
            BeteiligungsZustand::InBearbeitung => "in_bearbeitung",
            BeteiligungsZustand::Rueckfrage => "rueckfrage",
            BeteiligungsZustand::StellungnahmeAbgegeben => "stellungnahme_abgegeben",
            BeteiligungsZustand::FristAbgelaufen => "frist_abgelaufen",
            BeteiligungsZustand::Zurueckgezogen => "zurueckgezogen",
        }
    }

    pub fn from_slug(slug: &str) -> Option<BeteiligungsZustand> {
        BeteiligungsZustand::ALL
            .into_iter()
            .find(|z| z.slug() == slug)
    }

    /// German name for the overview. After the deadline the name depends on the
    /// Schweigefolge, see [`BeteiligungsZustand::bezeichnung_bei`].
    pub fn bezeichnung(self) -> &'static str {
        match self {
            BeteiligungsZustand::Angefragt => "Angefragt",
            BeteiligungsZustand::InBearbeitung => "In Bearbeitung",
            BeteiligungsZustand::Rueckfrage => "Rückfrage offen",
            BeteiligungsZustand::StellungnahmeAbgegeben => "Stellungnahme abgegeben",
            BeteiligungsZustand::FristAbgelaufen => "Frist abgelaufen",
            BeteiligungsZustand::Zurueckgezogen => "Zurückgezogen",
        }
    }

    /// The name with the legal consequence after the deadline: "Zustimmung gilt als erteilt".
    pub fn bezeichnung_bei(self, folge: Schweigefolge) -> &'static str {
        match self {
            BeteiligungsZustand::FristAbgelaufen => folge.bezeichnung(),
            z => z.bezeichnung(),
        }
    }

    /// The overview colour: yellow while running, red while a question waits for the
    /// Bauaufsicht, green when there is a statement or a fiction, grey when withdrawn. After
    /// a deadline without fiction, see [`BeteiligungsZustand::ampel_bei`].
    pub fn ampel(self) -> Ampel {
        self.ampel_bei(Schweigefolge::ZustimmungFingiert)
    }

    /// The overview colour given the Schweigefolge: a deadline that passed without a fiction
    /// is red (the Bauaufsicht must act).
    pub fn ampel_bei(self, folge: Schweigefolge) -> Ampel {
        match self {
            BeteiligungsZustand::Angefragt | BeteiligungsZustand::InBearbeitung => Ampel::Gelb,
            BeteiligungsZustand::Rueckfrage => Ampel::Rot,
            BeteiligungsZustand::StellungnahmeAbgegeben => Ampel::Gruen,
            BeteiligungsZustand::FristAbgelaufen if folge.ist_fiktion() => Ampel::Gruen,
            BeteiligungsZustand::FristAbgelaufen => Ampel::Rot,
            BeteiligungsZustand::Zurueckgezogen => Ampel::Grau,
        }
    }

    /// Does the request still wait for the Stelle (and does its deadline run)?
    pub fn ist_offen(self) -> bool {
        matches!(
            self,
            BeteiligungsZustand::Angefragt
                | BeteiligungsZustand::InBearbeitung
                | BeteiligungsZustand::Rueckfrage
        )
    }

    /// Terminal states accept no event.
    pub fn ist_endgueltig(self) -> bool {
        matches!(
            self,
            BeteiligungsZustand::StellungnahmeAbgegeben | BeteiligungsZustand::Zurueckgezogen
        )
    }

    /// Is the request answered for the Bauaufsicht's purposes (a statement, a fiction or a
    /// withdrawal), so that the Beteiligung of the case can be closed?
    pub fn ist_erledigt(self) -> bool {
        !self.ist_offen()
    }

    /// The kinds of event this state accepts (ignoring who fires them and their data), in the
    /// order of [`EreignisArt::ALL`].
    pub fn moegliche_ereignisse(self) -> Vec<EreignisArt> {
        EreignisArt::ALL
            .into_iter()
            .filter(|e| ziel(self, *e).is_some())
            .collect()
    }
}

impl fmt::Display for BeteiligungsZustand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bezeichnung())
    }
}

/// What happens to one request, with its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "art", rename_all = "snake_case")]
pub enum BeteiligungsEreignis {
    /// The Stelle opens the request for the first time.
    Oeffnen,
    /// The Stelle asks a question (XBau 0305).
    RueckfrageStellen,
    /// The Bauaufsicht answers the question (XBau 0306).
    RueckfrageBeantwortet,
    /// The Stellungnahme arrives (XBau 0303); entered by the Stelle, or by the Bauaufsicht
    /// when it arrived on paper.
    StellungnahmeAbgeben { abgegeben_am: NaiveDate },
    /// The deadline passed; fired by the system only, on a day after the end.
    FristAblaufen { am: NaiveDate },
    /// The Bauaufsicht withdraws the request.
    Zurueckziehen { grund: String },
    /// The Bauaufsicht moves the end of the deadline later (not a change of state), on
    /// `am`; only while the deadline runs — once it has passed, the Schweigefolge holds.
    FristVerlaengern {
        neues_ende: NaiveDate,
        grund: String,
        am: NaiveDate,
    },
}

impl BeteiligungsEreignis {
    pub fn art(&self) -> EreignisArt {
        match self {
            BeteiligungsEreignis::Oeffnen => EreignisArt::Oeffnen,
            BeteiligungsEreignis::RueckfrageStellen => EreignisArt::RueckfrageStellen,
            BeteiligungsEreignis::RueckfrageBeantwortet => EreignisArt::RueckfrageBeantwortet,
            BeteiligungsEreignis::StellungnahmeAbgeben { .. } => EreignisArt::StellungnahmeAbgeben,
            BeteiligungsEreignis::FristAblaufen { .. } => EreignisArt::FristAblaufen,
            BeteiligungsEreignis::Zurueckziehen { .. } => EreignisArt::Zurueckziehen,
            BeteiligungsEreignis::FristVerlaengern { .. } => EreignisArt::FristVerlaengern,
        }
    }
}

/// The kind of an event, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EreignisArt {
    Oeffnen,
    RueckfrageStellen,
    RueckfrageBeantwortet,
    StellungnahmeAbgeben,
    FristAblaufen,
    Zurueckziehen,
    FristVerlaengern,
}

impl EreignisArt {
    pub const ALL: [EreignisArt; 7] = [
        EreignisArt::Oeffnen,
        EreignisArt::RueckfrageStellen,
        EreignisArt::RueckfrageBeantwortet,
        EreignisArt::StellungnahmeAbgeben,
        EreignisArt::FristAblaufen,
        EreignisArt::Zurueckziehen,
        EreignisArt::FristVerlaengern,
    ];

    /// Stable slug for the database and the API (same as the serde form).
    pub fn slug(self) -> &'static str {
        match self {
            EreignisArt::Oeffnen => "oeffnen",
            EreignisArt::RueckfrageStellen => "rueckfrage_stellen",
            EreignisArt::RueckfrageBeantwortet => "rueckfrage_beantwortet",
            EreignisArt::StellungnahmeAbgeben => "stellungnahme_abgeben",
            EreignisArt::FristAblaufen => "frist_ablaufen",
            EreignisArt::Zurueckziehen => "zurueckziehen",
            EreignisArt::FristVerlaengern => "frist_verlaengern",
        }
    }

    pub fn from_slug(slug: &str) -> Option<EreignisArt> {
        EreignisArt::ALL.into_iter().find(|e| e.slug() == slug)
    }

    /// German name, e.g. for a button or the timeline.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            EreignisArt::Oeffnen => "Anfrage geöffnet",
            EreignisArt::RueckfrageStellen => "Rückfrage stellen",
            EreignisArt::RueckfrageBeantwortet => "Rückfrage beantworten",
            EreignisArt::StellungnahmeAbgeben => "Stellungnahme abgeben",
            EreignisArt::FristAblaufen => "Frist abgelaufen",
            EreignisArt::Zurueckziehen => "Anfrage zurückziehen",
            EreignisArt::FristVerlaengern => "Frist verlängern",
        }
    }

    /// Fired by the system only (exactly once, by the deadline engine), never by a person.
    pub fn nur_durch_system(self) -> bool {
        self == EreignisArt::FristAblaufen
    }

    fn unzulaessig_in(self, z: BeteiligungsZustand) -> String {
        let z = z.bezeichnung();
        match self {
            EreignisArt::Oeffnen => {
                format!("Eine Anfrage im Zustand „{z}“ kann nicht erneut geöffnet werden.")
            }
            EreignisArt::RueckfrageStellen => {
                format!("Zu einer Anfrage im Zustand „{z}“ kann keine Rückfrage gestellt werden.")
            }
            EreignisArt::RueckfrageBeantwortet => format!(
                "Bei einer Anfrage im Zustand „{z}“ ist keine Rückfrage offen, die beantwortet werden könnte."
            ),
            EreignisArt::StellungnahmeAbgeben => format!(
                "Zu einer Anfrage im Zustand „{z}“ kann keine Stellungnahme abgegeben werden."
            ),
            EreignisArt::FristAblaufen => {
                format!("Für eine Anfrage im Zustand „{z}“ kann die Frist nicht ablaufen.")
            }
            EreignisArt::Zurueckziehen => {
                format!("Eine Anfrage im Zustand „{z}“ kann nicht zurückgezogen werden.")
            }
            EreignisArt::FristVerlaengern => {
                format!("Die Frist einer Anfrage im Zustand „{z}“ kann nicht verlängert werden.")
            }
        }
    }
}

impl fmt::Display for EreignisArt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.bezeichnung())
    }
}

/// Who fires an event: a person in a role, or the system (the deadline engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ausloeser {
    Person(Role),
    System,
}

/// May this trigger fire this kind of event? (Whether the state accepts it is decided by
/// [`uebergang`], which checks this too; whether the person may see the case and is the
/// Stelle asked, by the access rules.)
///
/// - Fachstelle: open the request, ask a question, submit the Stellungnahme.
/// - Bauaufsicht: answer a question, withdraw, extend the deadline, and enter a
///   Stellungnahme that arrived on paper.
/// - System: only the passing of the deadline.
/// - Antragsteller/in, Administration: nothing.
pub fn darf_ausloesen(ausloeser: Ausloeser, art: EreignisArt) -> bool {
    use EreignisArt as E;
    match ausloeser {
        Ausloeser::System => art.nur_durch_system(),
        Ausloeser::Person(_) if art.nur_durch_system() => false,
        Ausloeser::Person(Role::Fachstelle) => matches!(
            art,
            E::Oeffnen | E::RueckfrageStellen | E::StellungnahmeAbgeben
        ),
        Ausloeser::Person(Role::Bauaufsicht) => matches!(
            art,
            E::RueckfrageBeantwortet
                | E::StellungnahmeAbgeben
                | E::Zurueckziehen
                | E::FristVerlaengern
        ),
        Ausloeser::Person(Role::Antragsteller | Role::Admin) => false,
    }
}

/// The one table of state changes (without the checks of the event's data).
fn ziel(z: BeteiligungsZustand, e: EreignisArt) -> Option<BeteiligungsZustand> {
    use BeteiligungsZustand as Z;
    use EreignisArt as E;
    let ziel = match (z, e) {
        (Z::Angefragt, E::Oeffnen) => Z::InBearbeitung,
        (Z::Angefragt | Z::InBearbeitung, E::RueckfrageStellen) => Z::Rueckfrage,
        (Z::Rueckfrage, E::RueckfrageBeantwortet) => Z::InBearbeitung,
        (z, E::StellungnahmeAbgeben) if z.ist_offen() || z == Z::FristAbgelaufen => {
            Z::StellungnahmeAbgegeben
        }
        (z, E::FristAblaufen) if z.ist_offen() => Z::FristAbgelaufen,
        (z, E::Zurueckziehen) if z.ist_offen() => Z::Zurueckgezogen,
        (z, E::FristVerlaengern) if z.ist_offen() => z,
        _ => return None,
    };
    Some(ziel)
}

/// What is known about one request: its state, its deadline, and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beteiligungsstand {
    pub zustand: BeteiligungsZustand,
    /// The last day of the deadline (after any extension).
    pub fristende: NaiveDate,
    pub schweigefolge: Schweigefolge,
    /// The day the system recorded the passing of the deadline (set once, never again).
    pub frist_abgelaufen_am: Option<NaiveDate>,
    /// The day the Stellungnahme was given.
    pub stellungnahme_am: Option<NaiveDate>,
    /// Was the Stellungnahme given after the deadline (§ 70 Abs. 1 HBO)?
    pub verspaetet: bool,
    /// How often the deadline was extended.
    pub verlaengerungen: u32,
}

impl Beteiligungsstand {
    /// A request just sent.
    pub fn neu(fristende: NaiveDate, schweigefolge: Schweigefolge) -> Beteiligungsstand {
        Beteiligungsstand {
            zustand: BeteiligungsZustand::Angefragt,
            fristende,
            schweigefolge,
            frist_abgelaufen_am: None,
            stellungnahme_am: None,
            verspaetet: false,
            verlaengerungen: 0,
        }
    }

    /// A request with the proposed deadline.
    pub fn aus_vorschlag(v: &Fristvorschlag) -> Beteiligungsstand {
        Beteiligungsstand::neu(v.letzter_tag(), v.schweigefolge)
    }

    /// The state's name with the Schweigefolge.
    pub fn bezeichnung(&self) -> &'static str {
        self.zustand.bezeichnung_bei(self.schweigefolge)
    }

    /// The overview colour.
    pub fn ampel(&self) -> Ampel {
        self.zustand.ampel_bei(self.schweigefolge)
    }

    /// Applies an event; see [`uebergang`].
    pub fn anwenden(
        &self,
        ereignis: &BeteiligungsEreignis,
        ausloeser: Ausloeser,
    ) -> Result<Beteiligungsstand, BeteiligungsFehler> {
        uebergang(self, ereignis, ausloeser)
    }
}

/// Why an event was refused; the request stays as it was. `Display` is the German message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeteiligungsFehler {
    /// The state does not accept the event (HTTP 409).
    #[error("{meldung}")]
    Unzulaessig {
        zustand: BeteiligungsZustand,
        ereignis: EreignisArt,
        meldung: String,
    },
    /// The trigger may not fire the event (HTTP 403).
    #[error("{meldung}")]
    NichtBerechtigt {
        ereignis: EreignisArt,
        meldung: String,
    },
    /// The event's data is not acceptable (HTTP 422).
    #[error("{0}")]
    Angabe(String),
}

fn nicht_berechtigt(ausloeser: Ausloeser, art: EreignisArt) -> BeteiligungsFehler {
    let meldung = match ausloeser {
        Ausloeser::System => format!(
            "„{}“ wird von einer Person ausgelöst, nicht vom System.",
            art.bezeichnung()
        ),
        Ausloeser::Person(_) if art.nur_durch_system() => {
            "Der Ablauf der Frist wird vom System festgestellt, nicht von einer Person.".to_owned()
        }
        Ausloeser::Person(r) => format!(
            "Als {} dürfen Sie „{}“ bei einer Beteiligung nicht auslösen.",
            r.bezeichnung(),
            art.bezeichnung()
        ),
    };
    BeteiligungsFehler::NichtBerechtigt {
        ereignis: art,
        meldung,
    }
}

/// Most characters of a reason (withdrawal, extension).
pub const MAX_GRUND: usize = 2000;

fn pruefe_grund(grund: &str, wofuer: &str) -> Result<(), BeteiligungsFehler> {
    let n = grund.trim().chars().count();
    if n == 0 {
        return Err(BeteiligungsFehler::Angabe(format!(
            "Bitte geben Sie einen Grund für {wofuer} an."
        )));
    }
    if n > MAX_GRUND {
        return Err(BeteiligungsFehler::Angabe(format!(
            "Der Grund für {wofuer} ist zu lang (höchstens {MAX_GRUND} Zeichen)."
        )));
    }
    Ok(())
}

/// Applies an event to a request: checks who fires it, whether the state accepts it, and
/// its data. On refusal the caller keeps the old state.
///
/// - `StellungnahmeAbgeben` after the end of the deadline (also after the fiction) is
///   accepted and marked `verspaetet` (§ 70 Abs. 1 HBO).
/// - `FristAblaufen` is accepted only from an open state and only on a day after the end,
///   so it happens at most once.
/// - `FristVerlaengern` needs a reason, a day not after the current end, and a new end that
///   is a Werktag after the old one.
/// - `Zurueckziehen` needs a reason.
pub fn uebergang(
    stand: &Beteiligungsstand,
    ereignis: &BeteiligungsEreignis,
    ausloeser: Ausloeser,
) -> Result<Beteiligungsstand, BeteiligungsFehler> {
    let art = ereignis.art();
    if !darf_ausloesen(ausloeser, art) {
        return Err(nicht_berechtigt(ausloeser, art));
    }
    let Some(zustand) = ziel(stand.zustand, art) else {
        let mut meldung = art.unzulaessig_in(stand.zustand);
        if let Some(t) = tipp(stand.zustand, art) {
            meldung.push(' ');
            meldung.push_str(t);
        }
        return Err(BeteiligungsFehler::Unzulaessig {
            zustand: stand.zustand,
            ereignis: art,
            meldung,
        });
    };
    let mut neu = Beteiligungsstand {
        zustand,
        ..stand.clone()
    };
    match ereignis {
        BeteiligungsEreignis::StellungnahmeAbgeben { abgegeben_am } => {
            neu.stellungnahme_am = Some(*abgegeben_am);
            neu.verspaetet = ist_verspaetet(*abgegeben_am, stand.fristende)
                || stand.zustand == BeteiligungsZustand::FristAbgelaufen;
        }
        BeteiligungsEreignis::FristAblaufen { am } => {
            if *am <= stand.fristende {
                return Err(BeteiligungsFehler::Angabe(format!(
                    "Die Frist läuft noch bis zum {} einschließlich; sie kann erst danach ablaufen.",
                    datum_de(stand.fristende)
                )));
            }
            neu.frist_abgelaufen_am = Some(*am);
        }
        BeteiligungsEreignis::Zurueckziehen { grund } => {
            pruefe_grund(grund, "das Zurückziehen der Anfrage")?;
        }
        BeteiligungsEreignis::FristVerlaengern {
            neues_ende,
            grund,
            am,
        } => {
            pruefe_grund(grund, "die Fristverlängerung")?;
            if *am > stand.fristende {
                return Err(BeteiligungsFehler::Angabe(format!(
                    "Die Frist ist am {} abgelaufen; sie kann nur verlängert werden, solange sie \
                     läuft.",
                    datum_de(stand.fristende)
                )));
            }
            if *neues_ende <= stand.fristende {
                return Err(BeteiligungsFehler::Angabe(format!(
                    "Das neue Fristende muss nach dem bisherigen ({}) liegen.",
                    datum_de(stand.fristende)
                )));
            }
            pruefe_gesetztes_ende(*neues_ende, stand.fristende)
                .map_err(|e| BeteiligungsFehler::Angabe(e.to_string()))?;
            neu.fristende = *neues_ende;
            neu.verlaengerungen = stand.verlaengerungen.saturating_add(1);
        }
        BeteiligungsEreignis::Oeffnen
        | BeteiligungsEreignis::RueckfrageStellen
        | BeteiligungsEreignis::RueckfrageBeantwortet => {}
    }
    Ok(neu)
}

fn tipp(z: BeteiligungsZustand, e: EreignisArt) -> Option<&'static str> {
    use BeteiligungsZustand as Z;
    use EreignisArt as E;
    match (z, e) {
        (Z::StellungnahmeAbgegeben, E::StellungnahmeAbgeben) => {
            Some("Eine Korrektur wird als neue Stellungnahme abgegeben, die die bisherige ersetzt.")
        }
        (Z::StellungnahmeAbgegeben | Z::Zurueckgezogen, _) => {
            Some("Die Beteiligung dieser Stelle ist abgeschlossen.")
        }
        (Z::FristAbgelaufen, _) => Some(
            "Die Frist ist abgelaufen; es kann nur noch eine (verspätete) Stellungnahme abgegeben werden.",
        ),
        (Z::Rueckfrage, E::RueckfrageStellen) => {
            Some("Es ist bereits eine Rückfrage offen; bitte warten Sie auf die Antwort.")
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Stellungnahme
// ---------------------------------------------------------------------------------------------

/// The Stelle's answer to the question of consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zustimmung {
    /// Consent without conditions (Hinweise allowed).
    Ja,
    /// Refusal; needs a Begründung.
    Nein,
    /// Consent with at least one Nebenbestimmung.
    MitNebenbestimmungen,
}

impl Zustimmung {
    pub const ALL: [Zustimmung; 3] = [
        Zustimmung::Ja,
        Zustimmung::Nein,
        Zustimmung::MitNebenbestimmungen,
    ];

    pub fn bezeichnung(self) -> &'static str {
        match self {
            Zustimmung::Ja => "Zustimmung",
            Zustimmung::Nein => "Keine Zustimmung",
            Zustimmung::MitNebenbestimmungen => "Zustimmung mit Nebenbestimmungen",
        }
    }

    /// The stored code: `ja`, `nein` or `mit_nebenbestimmungen` (also the form's value).
    pub fn code(self) -> &'static str {
        match self {
            Zustimmung::Ja => "ja",
            Zustimmung::Nein => "nein",
            Zustimmung::MitNebenbestimmungen => "mit_nebenbestimmungen",
        }
    }

    pub fn from_code(code: &str) -> Option<Zustimmung> {
        Zustimmung::ALL.into_iter().find(|z| z.code() == code)
    }

    /// The words for the Gemeinde (§ 36 BauGB).
    pub fn bezeichnung_gemeinde(self) -> &'static str {
        match self {
            Zustimmung::Ja => "Einvernehmen erteilt",
            Zustimmung::Nein => "Einvernehmen versagt",
            Zustimmung::MitNebenbestimmungen => "Einvernehmen mit Nebenbestimmungen erteilt",
        }
    }
}

pub use crate::nebenbestimmung::{HINWEIS_CODE, Nebenbestimmung};

/// Most characters of a Stellungnahme's tenor.
pub const MAX_TENOR: usize = 4000;
/// Most characters of a Begründung.
pub const MAX_BEGRUENDUNG: usize = 50_000;
/// Most characters of one Nebenbestimmung.
pub const MAX_NEBENBESTIMMUNG: usize = 4000;
/// Most Nebenbestimmungen in one Stellungnahme.
pub const MAX_NEBENBESTIMMUNGEN: usize = 200;

/// A Stelle's structured statement. A correction is a new Stellungnahme that names the one
/// it replaces in `ersetzt`; both are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stellungnahme {
    pub id: StellungnahmeId,
    pub stelle: StelleId,
    /// The Stelle's name as shown, e.g. "Untere Denkmalschutzbehörde".
    pub stelle_name: String,
    /// The operative statement in a few sentences.
    pub tenor: String,
    pub zustimmung: Zustimmung,
    pub nebenbestimmungen: Vec<Nebenbestimmung>,
    pub begruendung: String,
    pub abgegeben_am: NaiveDate,
    /// The earlier Stellungnahme this one corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ersetzt: Option<StellungnahmeId>,
}

/// Why a Stellungnahme is not acceptable: every problem as a German sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .meldungen.join(" "))]
pub struct StellungnahmeFehler {
    pub meldungen: Vec<String>,
}

/// Checks the length of a text: not longer than `max` characters.
fn zu_lang(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

impl Stellungnahme {
    /// Checks the content: a tenor; Nebenbestimmungen with known codes and texts when
    /// consenting with Nebenbestimmungen (at least one that is no mere Hinweis); only Hinweise
    /// with a plain consent or a refusal; a Begründung for a refusal; bounded lengths.
    pub fn pruefe(&self) -> Result<(), StellungnahmeFehler> {
        let mut m = Vec::new();
        if self.tenor.trim().is_empty() {
            m.push("Bitte geben Sie den Tenor der Stellungnahme an.".to_owned());
        } else if zu_lang(&self.tenor, MAX_TENOR) {
            m.push(format!(
                "Der Tenor ist zu lang (höchstens {MAX_TENOR} Zeichen)."
            ));
        }
        if zu_lang(&self.begruendung, MAX_BEGRUENDUNG) {
            m.push(format!(
                "Die Begründung ist zu lang (höchstens {MAX_BEGRUENDUNG} Zeichen)."
            ));
        }
        if self.nebenbestimmungen.len() > MAX_NEBENBESTIMMUNGEN {
            m.push(format!(
                "Eine Stellungnahme kann höchstens {MAX_NEBENBESTIMMUNGEN} Nebenbestimmungen enthalten."
            ));
        }
        for (i, nb) in self.nebenbestimmungen.iter().enumerate() {
            let nr = i + 1;
            if nb.art_bezeichnung().is_none() {
                m.push(format!(
                    "Nebenbestimmung {nr}: Die Art „{}“ gibt es in der Codeliste der Nebenbestimmungen (XBau) nicht.",
                    nb.art
                ));
            }
            if nb.text.trim().is_empty() {
                m.push(format!(
                    "Nebenbestimmung {nr}: Bitte geben Sie den Text an."
                ));
            } else if zu_lang(&nb.text, MAX_NEBENBESTIMMUNG) {
                m.push(format!(
                    "Nebenbestimmung {nr}: Der Text ist zu lang (höchstens {MAX_NEBENBESTIMMUNG} Zeichen)."
                ));
            }
        }
        let echte = self
            .nebenbestimmungen
            .iter()
            .filter(|nb| !nb.ist_hinweis())
            .count();
        match self.zustimmung {
            Zustimmung::MitNebenbestimmungen if echte == 0 => m.push(
                "Eine Zustimmung mit Nebenbestimmungen braucht mindestens eine Nebenbestimmung \
                 (Hinweise allein genügen nicht)."
                    .to_owned(),
            ),
            Zustimmung::Ja if echte > 0 => m.push(
                "Eine Zustimmung ohne Nebenbestimmungen kann nur Hinweise enthalten. Bitte wählen \
                 Sie „Zustimmung mit Nebenbestimmungen“."
                    .to_owned(),
            ),
            Zustimmung::Nein if echte > 0 => m.push(
                "Wer nicht zustimmt, kann keine Auflagen oder Bedingungen stellen; nur Hinweise \
                 sind möglich."
                    .to_owned(),
            ),
            _ => {}
        }
        if self.zustimmung == Zustimmung::Nein && self.begruendung.trim().is_empty() {
            m.push("Wenn Sie nicht zustimmen, begründen Sie dies bitte.".to_owned());
        }
        if self.stelle_name.trim().is_empty() {
            m.push("Der Name der Stelle fehlt.".to_owned());
        }
        if self.ersetzt == Some(self.id) {
            m.push("Eine Stellungnahme kann sich nicht selbst ersetzen.".to_owned());
        }
        if m.is_empty() {
            Ok(())
        } else {
            Err(StellungnahmeFehler { meldungen: m })
        }
    }

    /// Was it given after the deadline ([`ist_verspaetet`])?
    pub fn ist_verspaetet(&self, fristende: NaiveDate) -> bool {
        ist_verspaetet(self.abgegeben_am, fristende)
    }
}

/// A Stellungnahme is late when given after the last day of the deadline (the deadline runs
/// to the end of that day). A late one is still accepted, but marked (§ 70 Abs. 1 HBO).
pub fn ist_verspaetet(abgegeben_am: NaiveDate, fristende: NaiveDate) -> bool {
    abgegeben_am > fristende
}

/// Checks that a new Stellungnahme may correct the one it names in `ersetzt`: that one must
/// exist among the `bisherige`, come from the same Stelle, and not be replaced already (a
/// correction always corrects the current statement, so the history stays a chain).
pub fn pruefe_ersetzung(
    neu: &Stellungnahme,
    bisherige: &[Stellungnahme],
) -> Result<(), StellungnahmeFehler> {
    let eine = |m: String| Err(StellungnahmeFehler { meldungen: vec![m] });
    if bisherige.iter().any(|s| s.id == neu.id) {
        return eine("Diese Stellungnahme gibt es bereits.".to_owned());
    }
    let Some(alt_id) = neu.ersetzt else {
        return Ok(());
    };
    let Some(alt) = bisherige.iter().find(|s| s.id == alt_id) else {
        return eine("Die Stellungnahme, die korrigiert werden soll, gibt es nicht.".to_owned());
    };
    if alt.stelle != neu.stelle {
        return eine("Eine Stelle kann nur ihre eigene Stellungnahme korrigieren.".to_owned());
    }
    if bisherige.iter().any(|s| s.ersetzt == Some(alt_id)) {
        return eine(
            "Diese Stellungnahme wurde bereits korrigiert; bitte korrigieren Sie die aktuelle Fassung."
                .to_owned(),
        );
    }
    Ok(())
}

/// The current Stellungnahme among those of one request (one Stelle): the newest (latest
/// day, then highest id) that no other one replaces.
pub fn aktuelle_stellungnahme(liste: &[Stellungnahme]) -> Option<&Stellungnahme> {
    aktuelle_unter(liste.iter())
}

fn aktuelle_unter<'a>(
    liste: impl Iterator<Item = &'a Stellungnahme> + Clone,
) -> Option<&'a Stellungnahme> {
    let ersetzt: HashSet<StellungnahmeId> = liste.clone().filter_map(|s| s.ersetzt).collect();
    liste
        .filter(|s| !ersetzt.contains(&s.id))
        .max_by_key(|s| (s.abgegeben_am, s.id))
}

/// The current Stellungnahme of every Stelle in the list (see [`aktuelle_stellungnahme`];
/// a replacement counts only within the same Stelle), in the order in which each Stelle first
/// appears.
pub fn aktuelle_stellungnahmen(liste: &[Stellungnahme]) -> Vec<&Stellungnahme> {
    let mut stellen: Vec<StelleId> = Vec::new();
    for s in liste {
        if !stellen.contains(&s.stelle) {
            stellen.push(s.stelle);
        }
    }
    stellen
        .into_iter()
        .filter_map(|stelle| aktuelle_unter(liste.iter().filter(move |s| s.stelle == stelle)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reminders
// ---------------------------------------------------------------------------------------------

/// The default reminders: 7 days and 1 day before the end.
pub const STANDARD_ERINNERUNGEN: [u32; 2] = [7, 1];

/// The reminders due on `heute` for a deadline that ends on `fristende`, as "days before the
/// end", largest first. A reminder "d days before" is due from the day `fristende - d` on, as
/// long as
///
/// - it has not been sent (`schon_gesendet`) — so none goes out twice;
/// - the deadline has not ended (`heute <= fristende`) — none after the end;
/// - its day lies after the request (`fristende - d > angefragt_am`) — none for a day before
///   (or on) the day of the request, e.g. no "7 days left" for a 5-day deadline;
/// - `heute` is not before the request.
///
/// When several are due at once (e.g. after a pause of the scheduler), the caller may send
/// one message and record all of them as sent.
pub fn faellige_erinnerungen(
    angefragt_am: NaiveDate,
    fristende: NaiveDate,
    heute: NaiveDate,
    tage_vorher: &[u32],
    schon_gesendet: &[u32],
) -> Vec<u32> {
    if heute > fristende || heute < angefragt_am {
        return Vec::new();
    }
    let mut faellig: Vec<u32> = tage_vorher
        .iter()
        .copied()
        .filter(|d| !schon_gesendet.contains(d))
        .filter(|d| {
            fristende
                .checked_sub_days(Days::new(u64::from(*d)))
                .is_some_and(|tag| tag > angefragt_am && tag <= heute)
        })
        .collect();
    faellig.sort_unstable_by(|a, b| b.cmp(a));
    faellig.dedup();
    faellig
}

// ---------------------------------------------------------------------------------------------
// Comments anchored on plans
// ---------------------------------------------------------------------------------------------

/// Where a comment sits on a plan: a page of one document version, and a point (or a
/// rectangle) in coordinates normalised to the page, 0 to 1 from the top left corner
/// (independent of zoom and resolution).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Anker {
    pub version_id: VersionId,
    /// 1-based page number.
    pub seite: u32,
    pub x: f64,
    pub y: f64,
    /// Width of a marked rectangle; `None` for a point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breite: Option<f64>,
    /// Height of a marked rectangle; `None` for a point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoehe: Option<f64>,
}

/// Why an anchor is not acceptable: every problem as a German sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .meldungen.join(" "))]
pub struct AnkerFehler {
    pub meldungen: Vec<String>,
}

/// Slack for rounding when a rectangle touches the page edge.
const RAND_TOLERANZ: f64 = 1e-9;

impl Anker {
    /// Checks the anchor: page at least 1; x, y finite and within 0..=1; a rectangle has both
    /// width and height, each finite and above 0, and stays on the page.
    pub fn pruefe(&self) -> Result<(), AnkerFehler> {
        let mut m = Vec::new();
        if self.seite == 0 {
            m.push("Die Seitenzahl beginnt bei 1.".to_owned());
        }
        let mut koordinate = |name: &str, wert: f64| {
            if !wert.is_finite() {
                m.push(format!("Die Position {name} ist keine gültige Zahl."));
            } else if !(0.0..=1.0).contains(&wert) {
                m.push(format!(
                    "Die Position {name} muss zwischen 0 und 1 liegen (relativ zur Seite)."
                ));
            }
        };
        koordinate("x", self.x);
        koordinate("y", self.y);
        match (self.breite, self.hoehe) {
            (None, None) => {}
            (Some(b), Some(h)) => {
                let mut mass = |name: &str, wert: f64, start: f64| {
                    if !wert.is_finite() {
                        m.push(format!("Die {name} der Markierung ist keine gültige Zahl."));
                    } else if wert <= 0.0 {
                        m.push(format!("Die {name} der Markierung muss größer als 0 sein."));
                    } else if start.is_finite() && start + wert > 1.0 + RAND_TOLERANZ {
                        m.push(format!(
                            "Die Markierung ragt über den Seitenrand hinaus ({name})."
                        ));
                    }
                };
                mass("Breite", b, self.x);
                mass("Höhe", h, self.y);
            }
            _ => m.push(
                "Eine Markierung braucht Breite und Höhe – oder keines von beiden für einen Punkt."
                    .to_owned(),
            ),
        }
        if m.is_empty() {
            Ok(())
        } else {
            Err(AnkerFehler { meldungen: m })
        }
    }

    /// [`Anker::pruefe`], and the page must exist in a document of `seitenzahl` pages.
    pub fn pruefe_fuer(&self, seitenzahl: u32) -> Result<(), AnkerFehler> {
        let mut m = match self.pruefe() {
            Ok(()) => Vec::new(),
            Err(e) => e.meldungen,
        };
        if self.seite > seitenzahl {
            m.push(format!(
                "Das Dokument hat nur {seitenzahl} Seite{}; Seite {} gibt es nicht.",
                if seitenzahl == 1 { "" } else { "n" },
                self.seite
            ));
        }
        if m.is_empty() {
            Ok(())
        } else {
            Err(AnkerFehler { meldungen: m })
        }
    }

    /// Is it a marked rectangle (rather than a point)?
    pub fn ist_bereich(&self) -> bool {
        self.breite.is_some() && self.hoehe.is_some()
    }
}

/// May a reader see a comment on a plan?
///
/// - The Bauaufsicht sees every comment.
/// - A Fachstelle sees the comments of its own Stelle; the comments of other Stellen — and
///   those of the Bauaufsicht, which have no Stelle — only when the Bauaufsicht made them
///   visible to the other Stellen (`andere_stellen_sichtbar`).
/// - A Fachstelle member without a Stelle sees nothing.
/// - Applicants and the administration see none: comments are the authorities' working notes.
pub fn kommentar_sichtbar(
    leser_stelle: Option<StelleId>,
    verfasser_stelle: Option<StelleId>,
    leser_rolle: Role,
    andere_stellen_sichtbar: bool,
) -> bool {
    match leser_rolle {
        Role::Bauaufsicht => true,
        Role::Fachstelle => match leser_stelle {
            None => false,
            Some(eigene) => verfasser_stelle == Some(eigene) || andere_stellen_sichtbar,
        },
        Role::Antragsteller | Role::Admin => false,
    }
}
