//! The Bescheid (issue 5, flow step 7): the case worker's draft with the Nebenbestimmungen
//! carried over from the Stellungnahmen that count (each with its source, editable and
//! removable), own ones, Begründung, Rechtsbehelfsbelehrung from the tenant's template, fees
//! as line items and the approved plans; issuing (the intent is recorded once with its number
//! and date, and the job `bescheid.erlassen` queued in the same transaction); the steps of
//! that job (a stamped plan recorded, the Bescheid completed); the downloads of the issued
//! Bescheid and the stamped plans; and the tenant admin's template.
//!
//! Stamping and rendering are file work and stay in the worker; it calls
//! [`Verfahren::gestempelten_plan_vermerken`] and [`Verfahren::bescheid_abschliessen`] for what
//! the store must remember.

use crate::Verfahren;
use crate::ablauf::Wechsel;
use crate::akteur::Akteur;
use crate::dokumente::{Inhalt, Lesart, STUFE_VALIDATE};
use crate::fehler::{Ergebnis, Fehler};
use crate::zugriff::nur_admin;
use chrono::{DateTime, NaiveDate, Utc};
use plankammer_domain::Role;
use plankammer_domain::aktenzeichen::Aktenzeichen;
use plankammer_domain::bescheid::{
    BescheidEntwurf, Gebuehr, Nebenbestimmung, Quelle, Tenor, euro, nebenbestimmungen_aus,
};
use plankammer_domain::beteiligung::{
    BeteiligungsZustand, StelleId, Stellungnahme, StellungnahmeId,
};
use plankammer_domain::frist::{FristArt, datum_de};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::{Ereignis, Zustand, uebergang_im_verfahren};
use plankammer_storage::antrag::{Antrag, FassungsDokument};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::bescheid::{BescheidAkte, BescheidPlan, ZuGenehmigen};
use plankammer_storage::dokumente::{NeueVersion, Version};
use plankammer_storage::jobs::{JobState, NewJob};
use plankammer_storage::{Db, Konflikt, Millis, heute_berlin, now_millis};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// The worker job that issues a Bescheid (`plankammer_workers::bescheid::ERLASSEN`).
pub const ERLASS_JOB: &str = "bescheid.erlassen";

/// Most fee lines of one Bescheid.
pub const MAX_GEBUEHREN: usize = 100;
/// Largest amount of one fee line: 1 Mrd. € in cents.
pub const MAX_BETRAG_CENT: i64 = 100_000_000_000;
/// Longest Rechtsbehelfsbelehrung of the tenant's template.
pub const MAX_VORLAGE_TEXT: usize = 20_000;
/// Longest letterhead address of the template.
pub const MAX_ANSCHRIFT: usize = 1_000;
/// Longest town of the template.
pub const MAX_ORT: usize = 100;

/// Document types that are plans (approved and stamped by default): Flurkarte, Lageplan,
/// Grundrisse, Schnitte, Ansichten, Abstandsflächenplan.
pub const PLAN_ANLAGEARTEN: [&str; 6] = ["1802", "1803", "2001", "2002", "2003", "2102"];

/// The refusal once the draft is frozen.
const BEANTRAGT: &str = "Der Bescheid wird bereits erlassen und kann nicht mehr geändert werden.";

// --- Words and numbers ------------------------------------------------------------------------

/// The built-in Rechtsbehelfsbelehrung, until the tenant's admin sets its own.
pub fn standard_rechtsbehelfsbelehrung(behoerde: &str) -> String {
    format!(
        "Gegen diesen Bescheid kann innerhalb eines Monats nach seiner Bekanntgabe Widerspruch erhoben werden. \
         Der Widerspruch ist schriftlich, in elektronischer Form nach § 3a Abs. 2 des Hessischen \
         Verwaltungsverfahrensgesetzes oder zur Niederschrift bei der {behoerde} einzulegen."
    )
}

/// The tenor text a new draft starts with.
pub fn standard_tenor_text(tenor: Tenor, vorhaben: &str) -> String {
    match tenor {
        Tenor::Genehmigung => format!(
            "Die Baugenehmigung für das Vorhaben „{vorhaben}“ wird nach Maßgabe der mit dem Genehmigungsvermerk versehenen Bauvorlagen und der nachstehenden Nebenbestimmungen erteilt."
        ),
        Tenor::Ablehnung => format!("Der Bauantrag für das Vorhaben „{vorhaben}“ wird abgelehnt."),
        Tenor::Vorbescheid => format!(
            "Auf die Bauvoranfrage für das Vorhaben „{vorhaben}“ wird der folgende Vorbescheid erteilt."
        ),
    }
}

/// The tenor as forms and the API name it.
pub fn tenor_slug(t: Tenor) -> &'static str {
    match t {
        Tenor::Genehmigung => "genehmigung",
        Tenor::Ablehnung => "ablehnung",
        Tenor::Vorbescheid => "vorbescheid",
    }
}

pub fn tenor_aus(slug: &str) -> Option<Tenor> {
    Tenor::ALL.into_iter().find(|t| tenor_slug(*t) == slug)
}

/// The event that moves the case when a Bescheid with this tenor is issued.
fn ereignis(t: Tenor) -> Ereignis {
    match t.zustand() {
        Zustand::Genehmigt => Ereignis::Genehmigen,
        _ => Ereignis::Ablehnen,
    }
}

/// A German amount as the case worker types it ("1.234,56", "1234,5", "80", "-50,00 €") in
/// cents. Thousands separators must stand every three digits; at most two decimals.
pub fn betrag_in_cent(eingabe: &str) -> Result<i64, String> {
    let s = eingabe.trim();
    let s = s
        .strip_suffix('€')
        .or_else(|| s.strip_suffix("EUR"))
        .unwrap_or(s)
        .trim();
    if s.is_empty() {
        return Err("Bitte geben Sie einen Betrag an.".into());
    }
    let zeige: String = eingabe.trim().chars().take(40).collect();
    let ungueltig =
        || format!("„{zeige}“ ist kein gültiger Betrag. Bitte geben Sie ihn wie 1.234,56 an.");
    let (negativ, s) = match s.strip_prefix('-') {
        Some(r) => (true, r.trim_start()),
        None => (false, s),
    };
    let (ganz, bruch) = match s.split_once(',') {
        Some((g, b)) => (g, Some(b)),
        None => (s, None),
    };
    let ziffern = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let ganz: String = if ganz.contains('.') {
        let mut gruppen = ganz.split('.');
        let erste = gruppen.next().unwrap_or("");
        if !(ziffern(erste) && erste.len() <= 3) {
            return Err(ungueltig());
        }
        let mut g = erste.to_string();
        for x in gruppen {
            if !(ziffern(x) && x.len() == 3) {
                return Err(ungueltig());
            }
            g.push_str(x);
        }
        g
    } else if ziffern(ganz) {
        ganz.to_string()
    } else {
        return Err(ungueltig());
    };
    let cent_teil = match bruch {
        None => 0,
        Some(b) if ziffern(b) && b.len() <= 2 => {
            let v: i64 = b.parse().map_err(|_| ungueltig())?;
            if b.len() == 1 { v * 10 } else { v }
        }
        Some(_) => return Err(ungueltig()),
    };
    let zu_gross = || {
        format!(
            "„{zeige}“ ist zu groß (höchstens {}).",
            euro(MAX_BETRAG_CENT)
        )
    };
    if ganz.trim_start_matches('0').len() > 12 {
        return Err(zu_gross());
    }
    let euro_teil: i64 = ganz.parse().map_err(|_| ungueltig())?;
    let cent = euro_teil
        .checked_mul(100)
        .and_then(|c| c.checked_add(cent_teil))
        .filter(|c| *c <= MAX_BETRAG_CENT)
        .ok_or_else(zu_gross)?;
    Ok(if negativ { -cent } else { cent })
}

/// "1234,50" for a form field.
pub fn betrag_feld(cent: i64) -> String {
    let v = if cent < 0 { "-" } else { "" };
    format!(
        "{v}{},{:02}",
        cent.unsigned_abs() / 100,
        cent.unsigned_abs() % 100
    )
}

/// Is this document of the Fassung a plan (approved and stamped by default)?
pub fn ist_plan(d: &FassungsDokument) -> bool {
    d.anlageart
        .as_ref()
        .is_some_and(|a| PLAN_ANLAGEARTEN.contains(&a.code()))
}

/// `lageplan.pdf` → `lageplan_genehmigt.pdf`: the file name of a stamped plan.
pub fn gestempelter_dateiname(dateiname: &str) -> String {
    let (stamm, endung) = match dateiname.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.eq_ignore_ascii_case("pdf") => (s, e),
        _ => (dateiname, "pdf"),
    };
    format!("{stamm}_genehmigt.{endung}")
}

/// May a case in `zustand` of procedure `verfahren` be decided with this tenor now? The
/// domain's German sentence if not.
fn darf_entscheiden_in(
    verfahren: Option<Verfahrensart>,
    zustand: Zustand,
    tenor: Tenor,
) -> Result<(), String> {
    let verfahren = verfahren
        .ok_or_else(|| "Für diesen Vorgang ist keine Verfahrensart angegeben.".to_string())?;
    uebergang_im_verfahren(verfahren, zustand, ereignis(tenor))
        .map(|_| ())
        .map_err(|e| e.meldung)
}

/// Is the case in a state where a Bescheid with this tenor can be issued? The domain's
/// German sentence if not.
pub fn darf_entscheiden(a: &Antrag, tenor: Tenor) -> Result<(), String> {
    darf_entscheiden_in(a.verfahren, a.zustand, tenor)
}

// --- The draft as entered ---------------------------------------------------------------------

/// One Nebenbestimmung row as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NbZeile {
    pub art: String,
    pub text: String,
    /// The Stelle's reasons, carried over with the row (not edited on the page).
    pub begruendung: String,
    /// The Stellungnahme it was carried over from.
    pub quelle: Option<i64>,
    /// The raw source field was no number.
    pub quelle_ungueltig: bool,
    pub entfernen: bool,
}

/// One fee row as entered: the amount as the person typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GebZeile {
    pub beschreibung: String,
    pub betrag: String,
}

/// The draft as entered (or as stored), before it is checked: what the form shows again
/// with the errors, nothing lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entwurfseingabe {
    /// [`tenor_slug`] of the chosen tenor.
    pub tenor: String,
    pub tenor_text: String,
    pub begruendung: String,
    pub rechtsbehelfsbelehrung: String,
    pub nebenbestimmungen: Vec<NbZeile>,
    pub gebuehren: Vec<GebZeile>,
    /// Document ids of the approved plans.
    pub plaene: Vec<i64>,
    /// A plan field was no number.
    pub plaene_ungueltig: bool,
    /// The page's button: `nb_zeile`, `geb_zeile` (another empty row, nothing saved) or
    /// empty (save). The steps ignore it.
    pub aktion: String,
}

impl Entwurfseingabe {
    /// The form's fields: `tenor`, `tenor_text`, `begruendung`, `rechtsbehelfsbelehrung`,
    /// `aktion`, `plan` (repeated), `nb_art_N`, `nb_text_N`, `nb_begruendung_N`,
    /// `nb_quelle_N`, `nb_entfernen_N`, `geb_beschreibung_N`, `geb_betrag_N`. Removed rows
    /// and empty new rows are left out.
    pub fn aus_feldern(felder: &[(String, String)]) -> Entwurfseingabe {
        let mut f = Entwurfseingabe::default();
        let mut nb: BTreeMap<u32, NbZeile> = BTreeMap::new();
        let mut geb: BTreeMap<u32, GebZeile> = BTreeMap::new();
        for (k, v) in felder {
            match k.as_str() {
                "tenor" => f.tenor = v.trim().to_string(),
                "tenor_text" => f.tenor_text = v.clone(),
                "begruendung" => f.begruendung = v.clone(),
                "rechtsbehelfsbelehrung" => f.rechtsbehelfsbelehrung = v.clone(),
                "aktion" => f.aktion = v.clone(),
                "plan" => match v.trim().parse::<i64>() {
                    Ok(id) if !f.plaene.contains(&id) => f.plaene.push(id),
                    Ok(_) => {}
                    Err(_) => f.plaene_ungueltig = true,
                },
                _ => {
                    let Some((feld, nr)) = k.rsplit_once('_') else {
                        continue;
                    };
                    let Ok(nr) = nr.parse::<u32>() else {
                        continue;
                    };
                    match feld {
                        "nb_art" => nb.entry(nr).or_default().art = v.trim().to_string(),
                        "nb_text" => nb.entry(nr).or_default().text = v.clone(),
                        "nb_begruendung" => nb.entry(nr).or_default().begruendung = v.clone(),
                        "nb_quelle" if !v.trim().is_empty() => {
                            let z = nb.entry(nr).or_default();
                            match v.trim().parse::<i64>() {
                                Ok(id) => z.quelle = Some(id),
                                Err(_) => z.quelle_ungueltig = true,
                            }
                        }
                        "nb_entfernen" => nb.entry(nr).or_default().entfernen = true,
                        "geb_beschreibung" => geb.entry(nr).or_default().beschreibung = v.clone(),
                        "geb_betrag" => geb.entry(nr).or_default().betrag = v.clone(),
                        _ => {}
                    }
                }
            }
        }
        f.nebenbestimmungen = nb
            .into_values()
            .filter(|z| !z.entfernen)
            .filter(|z| z.quelle.is_some() || z.quelle_ungueltig || !z.text.trim().is_empty())
            .collect();
        f.gebuehren = geb
            .into_values()
            .filter(|z| !z.beschreibung.trim().is_empty() || !z.betrag.trim().is_empty())
            .collect();
        f
    }

    /// A stored (or default) draft as the form shows it.
    pub fn aus_entwurf(e: &BescheidEntwurf, plaene: Vec<i64>) -> Entwurfseingabe {
        Entwurfseingabe {
            tenor: tenor_slug(e.tenor).into(),
            tenor_text: e.tenor_text.clone(),
            begruendung: e.begruendung.clone(),
            rechtsbehelfsbelehrung: e.rechtsbehelfsbelehrung.clone(),
            nebenbestimmungen: e
                .nebenbestimmungen
                .iter()
                .map(|nb| NbZeile {
                    art: nb.art.clone(),
                    text: nb.text.clone(),
                    begruendung: nb.begruendung.clone(),
                    quelle: nb.quelle.as_ref().map(|q| q.stellungnahme.0),
                    ..NbZeile::default()
                })
                .collect(),
            gebuehren: e
                .gebuehren
                .iter()
                .map(|g| GebZeile {
                    beschreibung: g.beschreibung.clone(),
                    betrag: betrag_feld(g.betrag_cent),
                })
                .collect(),
            plaene,
            ..Entwurfseingabe::default()
        }
    }

    /// The checked draft, or every problem as a German sentence. `quellen`: the
    /// Stellungnahmen of this case that count (id → Stelle), the only sources a row may name;
    /// `angebot`: the documents of the newest Fassung, the only plans that may be approved.
    fn pruefe(
        &self,
        verfahren: Verfahrensart,
        quellen: &HashMap<i64, String>,
        angebot: &[FassungsDokument],
    ) -> Result<BescheidEntwurf, Vec<String>> {
        let mut m = Vec::new();
        let tenor = match tenor_aus(&self.tenor) {
            Some(t) => t,
            None => {
                m.push("Bitte wählen Sie, was der Bescheid entscheidet (Genehmigung, Ablehnung oder Vorbescheid).".into());
                Tenor::Genehmigung
            }
        };
        let mut nebenbestimmungen = Vec::new();
        for (i, z) in self.nebenbestimmungen.iter().enumerate() {
            let quelle = match (z.quelle, z.quelle_ungueltig) {
                (_, true) => {
                    m.push(format!(
                        "Nebenbestimmung {}: Die angegebene Quelle ist ungültig.",
                        i + 1
                    ));
                    None
                }
                (Some(id), _) => match quellen.get(&id) {
                    Some(name) => Some(Quelle {
                        stelle_name: name.clone(),
                        stellungnahme: StellungnahmeId(id),
                    }),
                    None => {
                        m.push(format!(
                            "Nebenbestimmung {}: Die angegebene Stellungnahme gehört nicht zu diesem Vorgang.",
                            i + 1
                        ));
                        None
                    }
                },
                (None, false) => None,
            };
            nebenbestimmungen.push(Nebenbestimmung {
                art: z.art.trim().to_string(),
                text: z.text.trim().to_string(),
                // Only a carried-over row keeps the Stelle's reasons.
                begruendung: if quelle.is_some() {
                    z.begruendung.trim().to_string()
                } else {
                    String::new()
                },
                quelle,
            });
        }
        if self.gebuehren.len() > MAX_GEBUEHREN {
            m.push(format!(
                "Ein Bescheid kann höchstens {MAX_GEBUEHREN} Gebührenpositionen enthalten."
            ));
        }
        let mut gebuehren = Vec::new();
        for (i, g) in self.gebuehren.iter().enumerate() {
            match betrag_in_cent(&g.betrag) {
                Ok(c) => gebuehren.push(Gebuehr {
                    beschreibung: g.beschreibung.trim().to_string(),
                    betrag_cent: c,
                }),
                Err(f) => m.push(format!("Gebühr {}: {f}", i + 1)),
            }
        }
        if self.plaene_ungueltig {
            m.push("Die Auswahl der Pläne ist ungültig.".into());
        }
        for id in &self.plaene {
            if !angebot.iter().any(|d| d.dokument_id == *id) {
                m.push(format!(
                    "Das Dokument {id} gehört nicht zur aktuellen Fassung dieses Vorgangs und kann nicht genehmigt werden."
                ));
            }
        }
        if tenor == Tenor::Genehmigung && self.plaene.is_empty() {
            m.push("Bitte wählen Sie mindestens einen Plan, der genehmigt wird.".into());
        }
        let entwurf = BescheidEntwurf {
            verfahren,
            tenor,
            tenor_text: self.tenor_text.trim().to_string(),
            nebenbestimmungen,
            begruendung: self.begruendung.trim().to_string(),
            gebuehren,
            rechtsbehelfsbelehrung: self.rechtsbehelfsbelehrung.trim().to_string(),
        };
        if let Err(f) = entwurf.pruefe() {
            // The domain's checks (lengths, kinds, refusal rules) after our own.
            m.extend(f.meldungen);
        }
        if m.is_empty() { Ok(entwurf) } else { Err(m) }
    }
}

/// Sources a row may name: the case's Stellungnahmen that count (id → Stelle).
fn quellen_von(stellungnahmen: &[Stellungnahme]) -> HashMap<i64, String> {
    stellungnahmen
        .iter()
        .map(|s| (s.id.0, s.stelle_name.clone()))
        .collect()
}

// --- What the pages show ----------------------------------------------------------------------

/// What issuing the Bescheid answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Erlassantrag {
    /// This call recorded the intent: the number is fixed and the job queued.
    Beantragt { bescheid_id: i64, nummer: String },
    /// It was recorded before (a second click changes nothing).
    SchonBeantragt { bescheid_id: i64 },
}

/// A plan as the preview lists it: what will be (or was) approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VorschauPlan {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub dateiname: String,
    pub version: i64,
    pub sha256: String,
}

/// A stamped plan of a Bescheid, to download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GestempelterPlan {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub version_id: i64,
    pub dateiname: String,
}

/// The downloads of a Bescheid. The pages link `/vorgaenge/{id}/bescheid/bescheid.pdf` and
/// `/vorgaenge/{id}/bescheid/plaene/{dokument_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Downloads {
    /// "Baugenehmigung", "Ablehnung des Bauantrags", "Vorbescheid".
    pub titel: &'static str,
    pub nummer: Option<String>,
    pub datum: Option<NaiveDate>,
    pub plaene: Vec<GestempelterPlan>,
}

/// Where issuing stands, for the draft page and its polling fragment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erlassstand {
    pub vorgang_id: i64,
    pub erlassen: bool,
    /// The issuing job failed for good; [`Verfahren::erneut_versuchen`] queues it again.
    pub fehlgeschlagen: bool,
    /// The job's German reason, when it failed.
    pub fehler: Option<String>,
    /// Percent.
    pub fortschritt: i64,
    pub notiz: Option<String>,
    pub nummer: Option<String>,
    /// Once issued.
    pub downloads: Option<Downloads>,
}

/// The "Bescheid" section of the case page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "art", rename_all = "snake_case")]
pub enum Bescheidabschnitt {
    /// Issued: the downloads, for everyone who may see the case. `bauaufsicht`: the reader
    /// is the tenant's case worker (the page links the draft too).
    Erlassen {
        downloads: Downloads,
        bauaufsicht: bool,
    },
    /// For the case worker: a draft exists; `laeuft`: it is being issued.
    Entwurf { laeuft: bool },
    /// For the case worker: no draft yet, and the case can still be decided.
    Neu,
}

/// The tenant's template for every Bescheid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Vorlage {
    pub rechtsbehelfsbelehrung: String,
    /// The authority's address, one line each.
    pub anschrift: String,
    /// The town in "Kassel, 29.11.2026"; may be empty.
    pub ort: String,
}

/// The template's problems as German sentences; empty when it may be stored.
pub fn pruefe_vorlage(f: &Vorlage) -> Vec<String> {
    let mut m = Vec::new();
    let n = |s: &str| s.chars().count();
    if f.rechtsbehelfsbelehrung.trim().is_empty() {
        m.push("Bitte geben Sie die Rechtsbehelfsbelehrung an.".into());
    } else if n(&f.rechtsbehelfsbelehrung) > MAX_VORLAGE_TEXT {
        m.push(format!(
            "Die Rechtsbehelfsbelehrung ist zu lang (höchstens {MAX_VORLAGE_TEXT} Zeichen)."
        ));
    }
    if n(&f.anschrift) > MAX_ANSCHRIFT || f.anschrift.lines().count() > 10 {
        m.push(format!(
            "Die Anschrift ist zu lang (höchstens 10 Zeilen und {MAX_ANSCHRIFT} Zeichen)."
        ));
    }
    if n(&f.ort) > MAX_ORT || f.ort.contains(['\n', '\r']) {
        m.push(format!(
            "Der Ort ist zu lang (höchstens {MAX_ORT} Zeichen, eine Zeile)."
        ));
    }
    m
}

/// A Bescheid whose intent was recorded, as the issuing job works on it.
#[derive(Debug, Clone)]
pub struct Erlass {
    pub akte: BescheidAkte,
    pub antrag: Antrag,
    pub aktenzeichen: Aktenzeichen,
    pub nummer: String,
    /// The date the Bescheid carries (fixed with the intent).
    pub datum: NaiveDate,
    /// The authority (the tenant's name).
    pub behoerde: String,
    /// The case worker who issued it.
    pub user_id: i64,
}

impl Erlass {
    pub fn entwurf(&self) -> &BescheidEntwurf {
        &self.akte.inhalt
    }
}

impl Verfahren {
    // --- Reads the pages and the API share --------------------------------------------------

    /// The case and its current Bescheid (draft, being issued or issued), for the tenant's
    /// case worker; everyone else 404.
    pub async fn bescheid_der_bauaufsicht(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<(Antrag, Option<BescheidAkte>)> {
        let a = self.vorgang_der_bauaufsicht(akteur, vorgang_id).await?;
        let b = self.db.aktueller_bescheid(a.id).await?;
        Ok((a, b))
    }

    /// The Stellungnahmen that count for the Bescheid, as the domain sees them: every
    /// Stellungnahme of a request that was not withdrawn, except late ones the Bauaufsicht
    /// has not decided to consider. (A late correction that is not considered leaves the
    /// timely statement it wanted to correct in force.) Which of them is current per Stelle
    /// is the domain's rule (`nebenbestimmungen_aus`).
    pub async fn zaehlende_stellungnahmen(&self, vorgang_id: i64) -> Ergebnis<Vec<Stellungnahme>> {
        let mut out = Vec::new();
        for b in self.db.beteiligungen(vorgang_id).await? {
            if b.zustand == BeteiligungsZustand::Zurueckgezogen {
                continue;
            }
            for s in self.db.stellungnahmen(b.id).await? {
                if s.verspaetet && s.beruecksichtigt != Some(true) {
                    continue;
                }
                let abgegeben_am = DateTime::<Utc>::from_timestamp_millis(s.created_at)
                    .map(plankammer_storage::uhr::berlin_datum)
                    .unwrap_or_default();
                out.push(Stellungnahme {
                    id: StellungnahmeId(s.id),
                    stelle: StelleId(b.stelle_id),
                    stelle_name: b.stelle_name.clone(),
                    tenor: s.tenor,
                    zustimmung: s.zustimmung,
                    nebenbestimmungen: s.nebenbestimmungen,
                    begruendung: s.begruendung,
                    abgegeben_am,
                    ersetzt: s.ersetzt_id.map(StellungnahmeId),
                });
            }
        }
        Ok(out)
    }

    /// The documents of the newest Fassung: what can be approved.
    pub async fn plan_angebot(&self, vorgang_id: i64) -> Ergebnis<Vec<FassungsDokument>> {
        Ok(match self.db.fassungen(vorgang_id).await?.last() {
            Some(f) => self.db.fassung_dokumente(f.id).await?,
            None => vec![],
        })
    }

    /// The plans a new draft approves: every plan of the newest Fassung.
    pub async fn standard_plaene(&self, vorgang_id: i64) -> Ergebnis<Vec<i64>> {
        Ok(self
            .plan_angebot(vorgang_id)
            .await?
            .iter()
            .filter(|d| ist_plan(d))
            .map(|d| d.dokument_id)
            .collect())
    }

    /// The tenant's Rechtsbehelfsbelehrung, or the built-in one.
    pub async fn rechtsbehelfsbelehrung(&self, tenant_id: i64) -> Ergebnis<String> {
        Ok(match self.db.bescheid_vorlage(tenant_id).await? {
            Some(v) => v.rechtsbehelfsbelehrung,
            None => standard_rechtsbehelfsbelehrung(&self.db.tenant(tenant_id).await?.name),
        })
    }

    /// A new draft: the tenor the procedure suggests with its text, the Nebenbestimmungen of
    /// the Stellungnahmen that count (with their source), the tenant's
    /// Rechtsbehelfsbelehrung, all plans of the newest Fassung.
    pub async fn standard_formular(&self, a: &Antrag) -> Ergebnis<Entwurfseingabe> {
        let tenor = if a.verfahren == Some(Verfahrensart::Vorbescheid) {
            Tenor::Vorbescheid
        } else {
            Tenor::Genehmigung
        };
        let stellungnahmen = self.zaehlende_stellungnahmen(a.id).await?;
        let entwurf = BescheidEntwurf {
            verfahren: a
                .verfahren
                .unwrap_or(Verfahrensart::Baugenehmigungsverfahren),
            tenor,
            tenor_text: standard_tenor_text(tenor, &a.bezeichnung),
            nebenbestimmungen: nebenbestimmungen_aus(&stellungnahmen),
            begruendung: String::new(),
            gebuehren: vec![],
            rechtsbehelfsbelehrung: self.rechtsbehelfsbelehrung(a.tenant_id).await?,
        };
        Ok(Entwurfseingabe::aus_entwurf(
            &entwurf,
            self.standard_plaene(a.id).await?,
        ))
    }

    /// The form of the draft page: the stored draft (with its plans, or the default plans
    /// when none were chosen yet), or a new one.
    pub async fn formular(
        &self,
        a: &Antrag,
        akte: Option<&BescheidAkte>,
    ) -> Ergebnis<Entwurfseingabe> {
        match akte {
            Some(b) => {
                let plaene = match &b.plaene {
                    Some(p) => p.clone(),
                    None => self.standard_plaene(a.id).await?,
                };
                Ok(Entwurfseingabe::aus_entwurf(&b.inhalt, plaene))
            }
            None => self.standard_formular(a).await,
        }
    }

    /// The plans the preview lists: once issuing began, the recorded ones with the versions
    /// they approve; before, the chosen documents of the newest Fassung.
    pub async fn vorschau_plaene(&self, akte: &BescheidAkte) -> Ergebnis<Vec<VorschauPlan>> {
        if akte.ist_beantragt() {
            return Ok(self
                .db
                .bescheid_plaene(akte.id)
                .await?
                .into_iter()
                .map(|p| VorschauPlan {
                    dokument_id: p.dokument_id,
                    bezeichnung: p.bezeichnung,
                    dateiname: p.dateiname,
                    version: p.original_version_nummer,
                    sha256: p.original_sha256,
                })
                .collect());
        }
        let angebot = self.plan_angebot(akte.vorgang_id).await?;
        Ok(akte
            .plaene
            .iter()
            .flatten()
            .filter_map(|id| angebot.iter().find(|d| d.dokument_id == *id))
            .map(|d| VorschauPlan {
                dokument_id: d.dokument_id,
                bezeichnung: d.bezeichnung.clone(),
                dateiname: d.dateiname.clone(),
                version: d.version_nummer,
                sha256: d.sha256.clone(),
            })
            .collect())
    }

    /// Why the stored draft cannot be issued now, as German sentences (what
    /// [`Verfahren::erlassen`] would refuse with); empty when it can be, and once issuing
    /// began.
    pub async fn erlass_hindernisse(
        &self,
        a: &Antrag,
        akte: &BescheidAkte,
    ) -> Ergebnis<Vec<String>> {
        if akte.ist_beantragt() {
            return Ok(vec![]);
        }
        let angebot = self.plan_angebot(a.id).await?;
        let (_, mut fehler) = erlass_pruefung(a, akte, &angebot);
        if a.aktenzeichen.is_none() {
            fehler.push("Der Vorgang hat noch kein Aktenzeichen.".into());
        }
        Ok(fehler)
    }

    /// Where issuing stands (job progress, a failure, the downloads once issued).
    pub async fn erlass_stand(&self, a: &Antrag, b: &BescheidAkte) -> Ergebnis<Erlassstand> {
        let (job_zustand, fortschritt, notiz, fehler) = match b.erlass_job_id {
            Some(j) => {
                let job = self.db.job(j).await?;
                (
                    Some(job.state),
                    job.progress,
                    job.progress_note,
                    job.last_error,
                )
            }
            None => (None, 0, None, None),
        };
        let fehlgeschlagen = job_zustand == Some(JobState::Failed) && !b.ist_erlassen();
        Ok(Erlassstand {
            vorgang_id: a.id,
            erlassen: b.ist_erlassen(),
            fehlgeschlagen,
            fehler: if fehlgeschlagen { fehler } else { None },
            fortschritt: if b.ist_erlassen() { 100 } else { fortschritt },
            notiz,
            nummer: b.nummer.clone(),
            downloads: if b.ist_erlassen() {
                Some(self.downloads(b).await?)
            } else {
                None
            },
        })
    }

    /// The polling fragment: where issuing the case's Bescheid stands, for the tenant's case
    /// worker; 404 before issuing began.
    pub async fn bescheid_stand(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<Erlassstand> {
        let (a, b) = self.bescheid_der_bauaufsicht(akteur, vorgang_id).await?;
        let b = b
            .filter(BescheidAkte::ist_beantragt)
            .ok_or(Fehler::NichtGefunden)?;
        self.erlass_stand(&a, &b).await
    }

    /// The downloads of a Bescheid: its PDF and the plans stamped so far.
    pub async fn downloads(&self, b: &BescheidAkte) -> Ergebnis<Downloads> {
        let mut plaene = Vec::new();
        for p in self.db.bescheid_plaene(b.id).await? {
            if let Some(v) = p.gestempelt_version_id {
                let v = self.db.version(v).await?;
                plaene.push(GestempelterPlan {
                    dokument_id: p.dokument_id,
                    bezeichnung: p.bezeichnung,
                    version_id: v.id,
                    dateiname: v.dateiname,
                });
            }
        }
        Ok(Downloads {
            titel: b.inhalt.tenor.bezeichnung(),
            nummer: b.nummer.clone(),
            datum: b.erlass_datum,
            plaene,
        })
    }

    /// The "Bescheid" section of the case page: the downloads once issued (for everyone who
    /// may see the case — `a` was read through [`Verfahren::vorgang`]), and for the case
    /// worker the way to the draft. `None`: nothing to show.
    pub async fn bescheid_abschnitt(
        &self,
        akteur: &Akteur,
        a: &Antrag,
    ) -> Ergebnis<Option<Bescheidabschnitt>> {
        let bauaufsicht = akteur.role == Role::Bauaufsicht && akteur.tenant_id == a.tenant_id;
        if !bauaufsicht
            && (akteur.role == Role::Fachstelle || !self.sieht_vorgang(akteur, a).await?)
        {
            return Ok(None);
        }
        Ok(match self.db.aktueller_bescheid(a.id).await? {
            Some(b) if b.ist_erlassen() => Some(Bescheidabschnitt::Erlassen {
                downloads: self.downloads(&b).await?,
                bauaufsicht,
            }),
            Some(b) if bauaufsicht => Some(Bescheidabschnitt::Entwurf {
                laeuft: b.ist_beantragt(),
            }),
            None if bauaufsicht && a.zustand.ist_in_bearbeitung() => Some(Bescheidabschnitt::Neu),
            _ => None,
        })
    }

    /// The admin's template page: the stored template, or the built-in text; and the
    /// authority's name. Only the tenant's admin (others 403).
    pub async fn bescheid_vorlage(&self, akteur: &Akteur) -> Ergebnis<(Vorlage, String)> {
        nur_admin(akteur)?;
        let behoerde = self.db.tenant(akteur.tenant_id).await?.name;
        let v = match self.db.bescheid_vorlage(akteur.tenant_id).await? {
            Some(v) => Vorlage {
                rechtsbehelfsbelehrung: v.rechtsbehelfsbelehrung,
                anschrift: v.anschrift,
                ort: v.ort,
            },
            None => Vorlage {
                rechtsbehelfsbelehrung: standard_rechtsbehelfsbelehrung(&behoerde),
                ..Vorlage::default()
            },
        };
        Ok((v, behoerde))
    }

    // --- The case worker's steps ------------------------------------------------------------

    /// The case, its draft and its procedure while the case worker may still change the
    /// draft; else 409: once issuing began, for a case not (or no longer) at the authority,
    /// and without a procedure. The draft page asks before it adds an empty row (nothing is
    /// saved then); [`Verfahren::entwurf_speichern`] asks first.
    pub async fn bescheid_zum_bearbeiten(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
    ) -> Ergebnis<(Antrag, Option<BescheidAkte>, Verfahrensart)> {
        let (a, akte) = self.bescheid_der_bauaufsicht(akteur, vorgang_id).await?;
        if akte.as_ref().is_some_and(BescheidAkte::ist_beantragt) {
            return Err(Fehler::konflikt(BEANTRAGT));
        }
        let z = a.zustand;
        if z.ist_abgeschlossen() || !z.ist_in_bearbeitung() {
            return Err(Fehler::Konflikt(format!(
                "Zu einem Vorgang im Zustand „{}“ kann kein Bescheid entworfen werden.",
                z.bezeichnung()
            )));
        }
        let verfahren = a.verfahren.ok_or_else(|| {
            Fehler::konflikt("Für diesen Vorgang ist keine Verfahrensart angegeben.")
        })?;
        Ok((a, akte, verfahren))
    }

    /// Saves the case worker's draft with its approved plans. Refused once issuing began,
    /// for a case not (or no longer) at the authority ([`Verfahren::bescheid_zum_bearbeiten`]),
    /// and with every problem of the input at once (422): the tenor, sources of carried-over
    /// Nebenbestimmungen that are no Stellungnahme of this case, amounts, plans that are no
    /// document of the newest Fassung, and the domain's checks of the draft. Returns the
    /// Bescheid's id.
    pub async fn entwurf_speichern(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        f: &Entwurfseingabe,
    ) -> Ergebnis<i64> {
        let (a, _, verfahren) = self.bescheid_zum_bearbeiten(akteur, vorgang_id).await?;
        let stellungnahmen = self.zaehlende_stellungnahmen(a.id).await?;
        let angebot = self.plan_angebot(a.id).await?;
        let entwurf = f
            .pruefe(verfahren, &quellen_von(&stellungnahmen), &angebot)
            .map_err(Fehler::Ungueltig)?;
        self.db
            .speichere_bescheid_mit_plaenen(a.id, &entwurf, &f.plaene, akteur.user_id, now_millis())
            .await
            .map_err(Fehler::bei(Konflikt::BescheidBeantragt, BEANTRAGT))
    }

    /// Issues the stored draft: checks it (the domain's rules, whether the case can be decided
    /// with its tenor now, the chosen plans still in the newest Fassung, an Aktenzeichen),
    /// then in ONE transaction, under the case-row lock (so a Genehmigungsfiktion and the
    /// intent never both happen), records the intent once — frozen content, the Bescheid's
    /// date and number, the approved versions of the plans — queues the job
    /// `bescheid.erlassen` once, and writes the audit entry. A second call changes nothing.
    pub async fn erlassen(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<Erlassantrag> {
        let (a, akte) = self.bescheid_der_bauaufsicht(akteur, vorgang_id).await?;
        let Some(akte) = akte else {
            return Err(Fehler::konflikt(
                "Bitte speichern Sie zuerst einen Entwurf des Bescheids.",
            ));
        };
        if akte.ist_beantragt() {
            return Ok(Erlassantrag::SchonBeantragt {
                bescheid_id: akte.id,
            });
        }
        let angebot = self.plan_angebot(a.id).await?;
        let (plaene, fehler) = erlass_pruefung(&a, &akte, &angebot);
        let Some(aktenzeichen) = a.aktenzeichen.clone() else {
            return Err(Fehler::konflikt("Der Vorgang hat noch kein Aktenzeichen."));
        };
        if !fehler.is_empty() {
            return Err(Fehler::Konflikt(fehler.join(" ")));
        }
        let tenor = akte.inhalt.tenor;
        let now = now_millis();
        let datum = heute_berlin();
        let mut tx = self.db.begin().await?;
        // The state as of now, under the lock: a Genehmigungsfiktion that came first is seen
        // here; one that comes later sees the recorded intent and waits for the Bescheid.
        let zustand = Db::sperre_vorgang(&mut tx, a.id).await?;
        if zustand != a.zustand {
            darf_entscheiden_in(a.verfahren, zustand, tenor).map_err(Fehler::Konflikt)?;
        }
        let Some(nummer) = Db::beantrage_erlass(
            &mut tx,
            akte.id,
            a.tenant_id,
            &aktenzeichen,
            datum,
            &plaene,
            akteur.user_id,
            now,
        )
        .await?
        else {
            return Ok(Erlassantrag::SchonBeantragt {
                bescheid_id: akte.id,
            });
        };
        let mut job = NewJob::new(ERLASS_JOB, json!({ "bescheid_id": akte.id }), now);
        job.tenant_id = Some(a.tenant_id);
        job.vorgang_id = Some(a.id);
        job.dedupe_key = Some(format!("{ERLASS_JOB}:{}", akte.id));
        if let Some(job_id) = Db::enqueue(&mut tx, &job, now).await? {
            Db::setze_erlass_job(&mut tx, akte.id, job_id).await?;
        }
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "bescheid.erlass_beantragt",
                object_type: "bescheid",
                object_id: Some(akte.id.to_string()),
                detail: json!({ "vorgang_id": a.id, "nummer": nummer, "tenor": tenor, "plaene": plaene.len() }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Erlassantrag::Beantragt {
            bescheid_id: akte.id,
            nummer,
        })
    }

    /// A failed issuing job goes back into the queue (after the cause is fixed, e.g. a plan
    /// that could not be stamped). 404 unless issuing began and has not completed; `false`
    /// when the job has not failed (nothing to do).
    pub async fn erneut_versuchen(&self, akteur: &Akteur, vorgang_id: i64) -> Ergebnis<bool> {
        let (_, b) = self.bescheid_der_bauaufsicht(akteur, vorgang_id).await?;
        let b = b
            .filter(|b| b.ist_beantragt() && !b.ist_erlassen())
            .ok_or(Fehler::NichtGefunden)?;
        match b.erlass_job_id {
            Some(j) if self.db.job(j).await?.state == JobState::Failed => {
                self.db.retry_failed_job(j, now_millis()).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    // --- Downloads ----------------------------------------------------------------------------

    /// The issued Bescheid's PDF, for whoever sees the case ([`Verfahren::erlassener_bescheid`]),
    /// audited. Returns the case, the file name ("Bescheid <Nummer>.pdf") and the bytes.
    pub async fn bescheid_herunterladen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        lesart: Lesart,
    ) -> Ergebnis<(Antrag, String, Inhalt)> {
        let (a, b) = self.erlassener_bescheid(akteur, vorgang_id).await?;
        let sha = b.pdf_sha256.clone().ok_or(Fehler::NichtGefunden)?;
        let inhalt = self.inhalt(&sha).await?;
        self.db
            .audit_now(
                AuditEvent {
                    tenant_id: Some(a.tenant_id),
                    actor_user_id: Some(akteur.user_id),
                    action: "bescheid.lesen",
                    object_type: "bescheid",
                    object_id: Some(b.id.to_string()),
                    detail: json!({ "vorgang_id": a.id, "via": lesart_code(lesart) }),
                },
                now_millis(),
            )
            .await?;
        let nummer = b.nummer.unwrap_or_default();
        Ok((a, format!("Bescheid {nummer}.pdf"), inhalt))
    }

    /// A stamped plan of the case's Bescheid (by the document it stamps), audited like every
    /// document read: applicants and the administration once the Bescheid is issued, the
    /// tenant's Bauaufsicht as soon as it is stamped ([`Verfahren::bescheid_mit_stempeln`]).
    pub async fn gestempelten_plan_herunterladen(
        &self,
        akteur: &Akteur,
        vorgang_id: i64,
        dokument_id: i64,
        lesart: Lesart,
    ) -> Ergebnis<(Antrag, Version, Inhalt)> {
        let (a, b) = self.bescheid_mit_stempeln(akteur, vorgang_id).await?;
        let vid = self
            .db
            .bescheid_plaene(b.id)
            .await?
            .into_iter()
            .find(|p| p.dokument_id == dokument_id)
            .and_then(|p| p.gestempelt_version_id)
            .ok_or(Fehler::NichtGefunden)?;
        // The version's own rule too (a stamp of an unissued Bescheid: the Bauaufsicht only).
        let (_, v) = self.version(akteur, vid).await?;
        if v.vorgang_id != a.id {
            return Err(Fehler::NichtGefunden);
        }
        let inhalt = self.inhalt(&v.sha256).await?;
        self.db
            .audit_now(
                AuditEvent {
                    tenant_id: Some(a.tenant_id),
                    actor_user_id: Some(akteur.user_id),
                    action: "dokument.lesen",
                    object_type: "dokument_version",
                    object_id: Some(v.id.to_string()),
                    detail: json!({ "vorgang_id": a.id, "bescheid_id": b.id, "gestempelt": true, "via": lesart_code(lesart) }),
                },
                now_millis(),
            )
            .await?;
        Ok((a, v, inhalt))
    }

    // --- The admin's template -------------------------------------------------------------------

    /// Stores the tenant's template (Rechtsbehelfsbelehrung, letterhead address, town), with
    /// its audit entry; drafts made later start with it, drafts already saved keep their text.
    /// Only the tenant's admin (others 403); every problem at once (422).
    pub async fn vorlage_speichern(&self, akteur: &Akteur, v: &Vorlage) -> Ergebnis<()> {
        nur_admin(akteur)?;
        let fehler = pruefe_vorlage(v);
        if !fehler.is_empty() {
            return Err(Fehler::Ungueltig(fehler));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::speichere_bescheid_vorlage(
            &mut tx,
            akteur.tenant_id,
            v.rechtsbehelfsbelehrung.trim(),
            v.anschrift.trim(),
            v.ort.trim(),
            akteur.user_id,
            now,
        )
        .await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "bescheid.vorlage_geaendert",
                object_type: "tenant",
                object_id: Some(akteur.tenant_id.to_string()),
                detail: json!({}),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- The issuing job's steps ------------------------------------------------------------

    /// The Bescheid the job `bescheid.erlassen` is to issue; `None`: issued already. 404
    /// without such a Bescheid; `Konflikt` when its intent was never recorded.
    pub async fn erlass(&self, bescheid_id: i64) -> Ergebnis<Option<Erlass>> {
        let akte = self.db.bescheid_akte(bescheid_id).await?;
        if akte.ist_erlassen() {
            return Ok(None);
        }
        let (Some(_), Some(user_id), Some(datum), Some(nummer)) = (
            akte.erlass_beantragt_at,
            akte.erlass_beantragt_by,
            akte.erlass_datum,
            akte.nummer.clone(),
        ) else {
            return Err(Fehler::konflikt(
                "Der Bescheid wurde nicht zum Erlass freigegeben.",
            ));
        };
        let antrag = self.db.antrag(akte.vorgang_id).await?;
        let aktenzeichen = antrag
            .aktenzeichen
            .clone()
            .ok_or_else(|| Fehler::konflikt("Der Vorgang hat kein Aktenzeichen."))?;
        let behoerde = self.db.tenant(antrag.tenant_id).await?.name;
        Ok(Some(Erlass {
            akte,
            antrag,
            aktenzeichen,
            nummer,
            datum,
            behoerde,
            user_id,
        }))
    }

    /// Records the stamped version of one approved plan (its bytes are in the document store
    /// already): a new immutable version of the plan's document — the original stays — with
    /// its pipeline job, in one transaction, once: `false` when another run recorded its
    /// stamp first (then nothing of this call remains).
    pub async fn gestempelten_plan_vermerken(
        &self,
        e: &Erlass,
        p: &BescheidPlan,
        sha256: &str,
        groesse: i64,
        now: Millis,
    ) -> Ergebnis<bool> {
        let dateiname = gestempelter_dateiname(&p.dateiname);
        let mut tx = self.db.begin().await?;
        let v = Db::add_version(
            &mut tx,
            &NeueVersion {
                vorgang_id: e.antrag.id,
                tenant_id: e.antrag.tenant_id,
                dokument_id: Some(p.dokument_id),
                bezeichnung: &p.bezeichnung,
                anlageart: p.anlageart.as_ref(),
                sha256,
                groesse,
                dateiname: &dateiname,
                user_id: e.user_id,
            },
            now,
        )
        .await?;
        if !Db::vermerke_gestempelt(&mut tx, e.akte.id, p.dokument_id, v.id).await? {
            // Another run recorded its stamped version first: drop ours (rollback).
            return Ok(false);
        }
        // The stamped plan gets its pages and previews like any upload.
        Db::enqueue_stufe(&mut tx, v.id, e.antrag.tenant_id, STUFE_VALIDATE, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The issuing job's last step, in ONE transaction under the case-row lock: the Bescheid
    /// is issued (compare-and-set, with its rendered PDF), the case moves to Genehmigt (10; 19
    /// for a Vorbescheid) or Abgelehnt (06) through the domain's transition rule with its
    /// timeline entry and the mail "Ihr Bescheid liegt vor" to the architect and the
    /// Bauherrschaft, the decision deadline is closed, and the audit entry written. `false`:
    /// it was issued already (a rerun, or another worker was first). `Konflikt` with the
    /// domain's words when the case cannot be decided any more (withdrawn meanwhile).
    pub async fn bescheid_abschliessen(
        &self,
        e: &Erlass,
        pdf_sha256: &str,
        groesse: i64,
        now: Millis,
    ) -> Ergebnis<bool> {
        let a = &e.antrag;
        let verfahren = a
            .verfahren
            .ok_or_else(|| Fehler::konflikt("Der Vorgang hat keine Verfahrensart."))?;
        // The case worker who issued it acts (read before the transaction).
        let sachbearbeitung = self.db.user(e.user_id).await?;
        let akteur = Akteur {
            user_id: e.user_id,
            tenant_id: a.tenant_id,
            role: Role::Bauaufsicht,
            name: sachbearbeitung.display_name,
            email: sachbearbeitung.email,
            behoerde: e.behoerde.clone(),
            niveau: None,
            anmeldeweg: Default::default(),
        };
        let tenor = e.entwurf().tenor;
        let datum = datum_de(e.datum);
        let titel = tenor.bezeichnung();
        let eintrag = format!("Bescheid Nr. {} vom {datum} erlassen: {titel}.", e.nummer);
        let plaene = if tenor == Tenor::Genehmigung {
            " und die mit dem Genehmigungsvermerk versehenen Pläne"
        } else {
            ""
        };
        let mailtext = format!(
            "Die Bauaufsicht hat über Ihren Antrag entschieden: {titel}, Bescheid Nr. {} vom {datum}.\nSie können den Bescheid{plaene} auf der Seite des Vorgangs herunterladen.",
            e.nummer
        );
        let mut tx = self.db.begin().await?;
        let zustand = Db::sperre_vorgang(&mut tx, a.id).await?;
        Db::registriere_blob(&mut tx, pdf_sha256, groesse, now).await?;
        if !Db::erlasse_bescheid(&mut tx, e.akte.id, &e.nummer, pdf_sha256, e.user_id, now).await? {
            return Ok(false);
        }
        let jetzt = Antrag {
            zustand,
            verfahren: Some(verfahren),
            ..a.clone()
        };
        self.wechsle(
            &mut tx,
            &jetzt,
            Wechsel {
                ereignis: ereignis(tenor),
                akteur: Some(&akteur),
                text: &eintrag,
                mail: Some(("Ihr Bescheid liegt vor", &mailtext)),
                frist: None,
            },
            now,
        )
        .await?;
        Db::erledige_fristen(&mut tx, a.id, FristArt::Entscheidung, now).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(e.user_id),
                action: "bescheid.erlassen",
                object_type: "bescheid",
                object_id: Some(e.akte.id.to_string()),
                detail: json!({
                    "vorgang_id": a.id, "nummer": e.nummer, "tenor": tenor, "pdf_sha256": pdf_sha256,
                }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The checks before issuing: the domain's rules on the draft, the tenor against the case's
/// state, the chosen plans in the newest Fassung (with the versions to approve). Returns the
/// plans and every problem.
fn erlass_pruefung(
    a: &Antrag,
    akte: &BescheidAkte,
    angebot: &[FassungsDokument],
) -> (Vec<ZuGenehmigen>, Vec<String>) {
    let e = &akte.inhalt;
    let mut fehler = Vec::new();
    if let Err(x) = e.pruefe() {
        fehler.extend(x.meldungen);
    }
    if let Err(x) = darf_entscheiden(a, e.tenor) {
        fehler.push(x);
    }
    let mut plaene = Vec::new();
    for did in akte.plaene.iter().flatten() {
        match angebot.iter().find(|d| d.dokument_id == *did) {
            Some(d) => plaene.push(ZuGenehmigen {
                dokument_id: d.dokument_id,
                version_id: d.version_id,
                sha256: d.sha256.clone(),
            }),
            None => fehler.push(format!(
                "Das Dokument {did} gehört nicht mehr zur aktuellen Fassung. Bitte prüfen Sie die Auswahl der Pläne."
            )),
        }
    }
    if e.tenor == Tenor::Genehmigung && plaene.is_empty() {
        fehler.push("Es ist kein Plan zur Genehmigung ausgewählt.".into());
    }
    (plaene, fehler)
}

fn lesart_code(l: Lesart) -> &'static str {
    match l {
        Lesart::Sitzung => "sitzung",
        Lesart::Schluessel => "schluessel",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_amounts_become_cents() {
        assert_eq!(betrag_in_cent("1.234,56"), Ok(123_456));
        assert_eq!(betrag_in_cent("1234,5"), Ok(123_450));
        assert_eq!(betrag_in_cent(" 80 € "), Ok(8_000));
        assert_eq!(betrag_in_cent("-50,00"), Ok(-5_000));
        assert_eq!(betrag_in_cent("0,07"), Ok(7));
        assert_eq!(betrag_in_cent("1.000.000.000,00"), Ok(MAX_BETRAG_CENT));
        for falsch in [
            "",
            "abc",
            "12,345",
            "1.23,00",
            "1,2,3",
            "12.5",
            "1e5",
            "--5",
            "5-",
            ",50",
            "1.000.000.000,01",
            "99999999999999999999999",
            "١٢٣",
        ] {
            assert!(betrag_in_cent(falsch).is_err(), "{falsch:?} accepted");
        }
        assert!(
            betrag_in_cent("1.000.000.000,01")
                .unwrap_err()
                .contains("zu groß")
        );
        assert!(
            betrag_in_cent("12,345")
                .unwrap_err()
                .contains("kein gültiger Betrag")
        );
        assert_eq!(betrag_feld(-5), "-0,05");
        assert_eq!(betrag_in_cent(&betrag_feld(123_456)), Ok(123_456));
    }

    #[test]
    fn the_form_is_read_row_by_row_and_removed_rows_are_dropped() {
        let felder: Vec<(String, String)> = [
            ("tenor", " genehmigung "),
            ("plan", "4"),
            ("plan", "4"),
            ("plan", "x"),
            ("nb_art_0", "2"),
            ("nb_text_0", "Auflage"),
            ("nb_quelle_0", "17"),
            ("nb_art_1", "2"),
            ("nb_text_1", "weg"),
            ("nb_entfernen_1", "1"),
            ("nb_art_2", "2"),
            ("nb_text_2", "  "),
            ("nb_quelle_3", "abc"),
            ("geb_beschreibung_0", "Gebühr"),
            ("geb_betrag_0", "80"),
            ("geb_betrag_1", " "),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let f = Entwurfseingabe::aus_feldern(&felder);
        assert_eq!(f.tenor, "genehmigung");
        assert_eq!(f.plaene, vec![4]);
        assert!(f.plaene_ungueltig);
        assert_eq!(f.nebenbestimmungen.len(), 2, "{:?}", f.nebenbestimmungen);
        assert_eq!(f.nebenbestimmungen[0].quelle, Some(17));
        assert!(f.nebenbestimmungen[1].quelle_ungueltig);
        assert_eq!(f.gebuehren.len(), 1);
    }

    #[test]
    fn stamped_plans_are_named_after_their_original() {
        assert_eq!(
            gestempelter_dateiname("lageplan.pdf"),
            "lageplan_genehmigt.pdf"
        );
        assert_eq!(gestempelter_dateiname("EG.PDF"), "EG_genehmigt.PDF");
        assert_eq!(gestempelter_dateiname("plan"), "plan_genehmigt.pdf");
    }

    #[test]
    fn the_template_is_checked() {
        assert!(
            pruefe_vorlage(&Vorlage {
                rechtsbehelfsbelehrung: "Widerspruch".into(),
                ..Vorlage::default()
            })
            .is_empty()
        );
        let m = pruefe_vorlage(&Vorlage {
            rechtsbehelfsbelehrung: " ".into(),
            anschrift: "a\n".repeat(11),
            ort: "Kassel\nNord".into(),
        });
        assert_eq!(m.len(), 3, "{m:?}");
    }
}
