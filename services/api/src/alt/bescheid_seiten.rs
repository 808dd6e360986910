//! The Bescheid (issue 5, flow step 7): the case worker's draft page with the
//! Nebenbestimmungen carried over from the Stellungnahmen that count (each with its source,
//! editable and removable), own ones, Begründung, Rechtsbehelfsbelehrung from the tenant's
//! template, fees as line items and the approved plans; a preview of what will be issued;
//! issuing (the intent is recorded once, the worker job `bescheid.erlassen` does the rest
//! while the page polls its progress); the downloads of the issued Bescheid and the stamped
//! plans for everyone who may see the case; and the tenant admin's template page.
//!
//! The API never renders or stamps: it talks to the worker only through the store and the
//! job queue.

use crate::ablauf;
use crate::antrag_seiten::{heute_berlin, sichtbarer_antrag};
use crate::auth::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_domain::Role;
use plankammer_domain::bescheid::{
    BescheidEntwurf, Gebuehr, Nebenbestimmung, Quelle, Tenor, euro, gebuehren_summe,
    nebenbestimmungen_aus,
};
use plankammer_domain::beteiligung::{
    Nebenbestimmung as StelleNb, StelleId, Stellungnahme, StellungnahmeId, Zustimmung,
};
use plankammer_domain::codeliste;
use plankammer_domain::frist::datum_de;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::{Ereignis, Zustand, uebergang_im_verfahren};
use plankammer_storage::antrag::{Antrag, FassungsDokument};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::bescheid::{BescheidAkte, ZuGenehmigen};
use plankammer_storage::jobs::{JobState, NewJob};
use plankammer_storage::{Db, StoreError, now_millis};
use serde::Deserialize;
use serde_json::{Value, json};
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

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/vorgaenge/{id}/bescheid",
            get(entwurf_seite).post(entwurf_speichern),
        )
        .route("/vorgaenge/{id}/bescheid/erlassen", post(erlassen))
        .route("/vorgaenge/{id}/bescheid/stand", get(stand_fragment))
        .route("/vorgaenge/{id}/bescheid/erneut", post(erneut_versuchen))
        .route("/vorgaenge/{id}/bescheid/bescheid.pdf", get(bescheid_pdf))
        .route("/vorgaenge/{id}/bescheid/plaene/{did}", get(plan_pdf))
        .route(
            "/verwaltung/bescheid",
            get(vorlage_seite).post(vorlage_speichern),
        )
}

// --- Helpers ---------------------------------------------------------------------------------

/// The case, if it belongs to this case worker's tenant; everyone else gets 404.
async fn antrag_der_bauaufsicht(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
) -> Result<Antrag, AppError> {
    if u.role() != Role::Bauaufsicht {
        return Err(AppError::NotFound);
    }
    let a = st.db.antrag(id).await?;
    if a.tenant_id != u.tenant_id() {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

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

fn tenor_slug(t: Tenor) -> &'static str {
    match t {
        Tenor::Genehmigung => "genehmigung",
        Tenor::Ablehnung => "ablehnung",
        Tenor::Vorbescheid => "vorbescheid",
    }
}

fn tenor_aus(slug: &str) -> Option<Tenor> {
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
fn betrag_feld(cent: i64) -> String {
    let v = if cent < 0 { "-" } else { "" };
    format!(
        "{v}{},{:02}",
        cent.unsigned_abs() / 100,
        cent.unsigned_abs() % 100
    )
}

/// The Stellungnahmen that count for the Bescheid, as the domain sees them: every
/// Stellungnahme of a request that was not withdrawn, except late ones the Bauaufsicht has
/// not decided to consider. (A late correction that is not considered leaves the timely
/// statement it wanted to correct in force.) Which of them is current per Stelle is the
/// domain's rule (`nebenbestimmungen_aus`).
pub async fn zaehlende_stellungnahmen(
    db: &Db,
    vorgang_id: i64,
) -> Result<Vec<Stellungnahme>, AppError> {
    let mut out = Vec::new();
    for b in db.beteiligungen(vorgang_id).await? {
        if b.zustand == "zurueckgezogen" {
            continue;
        }
        for s in db.stellungnahmen(b.id).await? {
            if s.verspaetet && s.beruecksichtigt != Some(true) {
                continue;
            }
            let zustimmung: Zustimmung = serde_json::from_value(Value::String(s.zustimmung))
                .map_err(|e| AppError::internal(format!("stellungnahmen.zustimmung: {e}")))?;
            let nebenbestimmungen: Vec<StelleNb> = serde_json::from_value(s.nebenbestimmungen)
                .map_err(|e| {
                    AppError::internal(format!("stellungnahmen.nebenbestimmungen: {e}"))
                })?;
            let abgegeben_am = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(s.created_at)
                .map(plankammer_storage::uhr::berlin_datum)
                .unwrap_or_default();
            out.push(Stellungnahme {
                id: StellungnahmeId(s.id),
                stelle: StelleId(b.stelle_id),
                stelle_name: b.stelle_name.clone(),
                tenor: s.tenor,
                zustimmung,
                nebenbestimmungen,
                begruendung: s.begruendung,
                abgegeben_am,
                ersetzt: s.ersetzt_id.map(StellungnahmeId),
            });
        }
    }
    Ok(out)
}

/// The documents of the newest Fassung (what can be approved).
async fn fassungs_dokumente(db: &Db, vorgang_id: i64) -> Result<Vec<FassungsDokument>, AppError> {
    Ok(match db.fassungen(vorgang_id).await?.last() {
        Some(f) => db.fassung_dokumente(f.id).await?,
        None => vec![],
    })
}

fn ist_plan(d: &FassungsDokument) -> bool {
    d.anlageart
        .as_deref()
        .is_some_and(|a| PLAN_ANLAGEARTEN.contains(&a))
}

async fn rechtsbehelfsbelehrung(st: &AppState, tenant_id: i64) -> Result<String, AppError> {
    Ok(match st.db.bescheid_vorlage(tenant_id).await? {
        Some(v) => v.rechtsbehelfsbelehrung,
        None => standard_rechtsbehelfsbelehrung(&st.db.tenant(tenant_id).await?.name),
    })
}

// --- The form --------------------------------------------------------------------------------

/// One Nebenbestimmung row as entered.
#[derive(Debug, Clone, Default)]
struct NbZeile {
    art: String,
    text: String,
    /// The Stellungnahme it was carried over from.
    quelle: Option<i64>,
    /// The raw source field, when it is no number.
    quelle_ungueltig: bool,
    entfernen: bool,
}

#[derive(Debug, Clone, Default)]
struct GebZeile {
    beschreibung: String,
    betrag: String,
}

/// The draft as entered (or as stored), before it is checked.
#[derive(Debug, Clone, Default)]
struct Formular {
    tenor: String,
    tenor_text: String,
    begruendung: String,
    rechtsbehelfsbelehrung: String,
    nebenbestimmungen: Vec<NbZeile>,
    gebuehren: Vec<GebZeile>,
    plaene: Vec<i64>,
    plaene_ungueltig: bool,
    aktion: String,
}

impl Formular {
    fn aus_feldern(felder: &[(String, String)]) -> Formular {
        let mut f = Formular::default();
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
        // Removed rows and empty new rows (no source, no text) are left out.
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

    fn aus_entwurf(e: &BescheidEntwurf, plaene: Vec<i64>) -> Formular {
        Formular {
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
            ..Formular::default()
        }
    }

    /// The checked draft, or every problem as a German sentence. `quellen`: the
    /// Stellungnahmen of this case (id → Stelle), the only sources a row may name.
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

// --- The draft page --------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct SeitenQuery {
    gespeichert: Option<String>,
}

async fn entwurf_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<SeitenQuery>,
) -> PageResult<Response> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    let akte = st.db.aktueller_bescheid(a.id).await?;
    let formular = match &akte {
        Some(b) => {
            let e: BescheidEntwurf = serde_json::from_value(b.inhalt.clone())
                .map_err(|e| AppError::internal(format!("bescheide.inhalt: {e}")))?;
            let plaene = match &b.plaene {
                Some(p) => p.clone(),
                None => standard_plaene(&st.db, a.id).await?,
            };
            Formular::aus_entwurf(&e, plaene)
        }
        None => standard_formular(&st, &a).await?,
    };
    let hinweis = q
        .gespeichert
        .is_some()
        .then_some("Der Entwurf wurde gespeichert.");
    seite(
        &st,
        &u,
        &a,
        akte.as_ref(),
        formular,
        vec![],
        hinweis,
        StatusCode::OK,
    )
    .await
}

async fn standard_plaene(db: &Db, vorgang_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(fassungs_dokumente(db, vorgang_id)
        .await?
        .iter()
        .filter(|d| ist_plan(d))
        .map(|d| d.dokument_id)
        .collect())
}

/// A new draft: the tenor the procedure suggests, the Nebenbestimmungen of the
/// Stellungnahmen that count, the tenant's Rechtsbehelfsbelehrung, all plans of the Fassung.
async fn standard_formular(st: &AppState, a: &Antrag) -> Result<Formular, AppError> {
    let verfahren = ablauf::verfahren(a);
    let tenor = if verfahren == Some(Verfahrensart::Vorbescheid) {
        Tenor::Vorbescheid
    } else {
        Tenor::Genehmigung
    };
    let stellungnahmen = zaehlende_stellungnahmen(&st.db, a.id).await?;
    let entwurf = BescheidEntwurf {
        verfahren: verfahren.unwrap_or(Verfahrensart::Baugenehmigungsverfahren),
        tenor,
        tenor_text: standard_tenor_text(tenor, &a.bezeichnung),
        nebenbestimmungen: nebenbestimmungen_aus(&stellungnahmen),
        begruendung: String::new(),
        gebuehren: vec![],
        rechtsbehelfsbelehrung: rechtsbehelfsbelehrung(st, a.tenant_id).await?,
    };
    Ok(Formular::aus_entwurf(
        &entwurf,
        standard_plaene(&st.db, a.id).await?,
    ))
}

/// Sources a row may name: the case's Stellungnahmen that count (id → Stelle).
fn quellen_von(stellungnahmen: &[Stellungnahme]) -> HashMap<i64, String> {
    stellungnahmen
        .iter()
        .map(|s| (s.id.0, s.stelle_name.clone()))
        .collect()
}

/// Is the case in a state where a Bescheid with this tenor can be issued? The domain's
/// German sentence if not.
fn darf_entscheiden(a: &Antrag, tenor: Tenor) -> Result<(), String> {
    let verfahren = ablauf::verfahren(a)
        .ok_or_else(|| "Für diesen Vorgang ist keine Verfahrensart angegeben.".to_string())?;
    let z = Zustand::from_slug(&a.zustand).ok_or_else(|| "Unbekannter Zustand.".to_string())?;
    uebergang_im_verfahren(verfahren, z, ereignis(tenor))
        .map(|_| ())
        .map_err(|e| e.meldung)
}

#[allow(clippy::too_many_arguments)]
async fn seite(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
    akte: Option<&BescheidAkte>,
    f: Formular,
    fehler: Vec<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let z = ablauf::zustand(a)?;
    let verfahren = ablauf::verfahren(a);
    let stellungnahmen = zaehlende_stellungnahmen(&st.db, a.id).await?;
    let quellen: HashMap<i64, &Stellungnahme> =
        stellungnahmen.iter().map(|s| (s.id.0, s)).collect();
    let angebot = fassungs_dokumente(&st.db, a.id).await?;
    let arten: Vec<Value> = codeliste::nebenbestimmungsarten()
        .eintraege
        .iter()
        .map(|e| json!({"code": e.code, "name": e.name}))
        .collect();
    let nb: Vec<Value> = f
        .nebenbestimmungen
        .iter()
        .enumerate()
        .map(|(i, z)| {
            let q = z.quelle.and_then(|id| quellen.get(&id));
            json!({
                "nr": i, "art": z.art, "text": z.text, "quelle": z.quelle,
                "stelle": q.map(|s| s.stelle_name.clone()),
                "stellungnahme": q.map(|s| format!("Stellungnahme vom {}", datum_de(s.abgegeben_am))),
            })
        })
        .collect();
    let geb: Vec<Value> = f
        .gebuehren
        .iter()
        .enumerate()
        .map(|(i, g)| json!({"nr": i, "beschreibung": g.beschreibung, "betrag": g.betrag}))
        .collect();
    let zusatz_nb = usize::from(f.aktion == "nb_zeile") + 1;
    let zusatz_geb = usize::from(f.aktion == "geb_zeile") + 1;
    let plaene: Vec<Value> = angebot
        .iter()
        .map(|d| {
            json!({
                "id": d.dokument_id, "bezeichnung": d.bezeichnung, "anlageart": d.anlageart,
                "dateiname": d.dateiname, "version": d.version_nummer, "sha256": d.sha256,
                "gewaehlt": f.plaene.contains(&d.dokument_id), "plan": ist_plan(d),
            })
        })
        .collect();
    let beantragt = akte.is_some_and(BescheidAkte::ist_beantragt);
    // The preview and the issue button: the stored draft as it will be issued.
    let mut vorschau = Value::Null;
    let mut erlass_fehler: Vec<String> = Vec::new();
    if let Some(b) = akte {
        let e: BescheidEntwurf = serde_json::from_value(b.inhalt.clone())
            .map_err(|e| AppError::internal(format!("bescheide.inhalt: {e}")))?;
        let gewaehlte: Vec<Value> = if beantragt {
            st.db
                .bescheid_plaene(b.id)
                .await?
                .into_iter()
                .map(|p| json!({"bezeichnung": p.bezeichnung, "dateiname": p.dateiname, "version": p.original_version_nummer, "sha256": p.original_sha256}))
                .collect()
        } else {
            let ids = b.plaene.clone().unwrap_or_default();
            ids.iter()
                .filter_map(|id| angebot.iter().find(|d| d.dokument_id == *id))
                .map(|d| json!({"bezeichnung": d.bezeichnung, "dateiname": d.dateiname, "version": d.version_nummer, "sha256": d.sha256}))
                .collect()
        };
        if !beantragt {
            if let Err(x) = e.pruefe() {
                erlass_fehler.extend(x.meldungen);
            }
            if let Err(x) = darf_entscheiden(a, e.tenor) {
                erlass_fehler.push(x);
            }
            if a.aktenzeichen.is_none() {
                erlass_fehler.push("Der Vorgang hat noch kein Aktenzeichen.".into());
            }
            if e.tenor == Tenor::Genehmigung && gewaehlte.is_empty() {
                erlass_fehler.push("Es ist kein Plan zur Genehmigung ausgewählt.".into());
            }
        }
        vorschau = json!({
            "titel": e.tenor.bezeichnung(),
            "tenor": e.tenor_text,
            "nebenbestimmungen": e.nebenbestimmungen.iter().map(|nb| json!({
                "art": nb.art_bezeichnung().unwrap_or("?"), "text": nb.text,
                "stelle": nb.quelle.as_ref().map(|q| q.stelle_name.clone()),
            })).collect::<Vec<_>>(),
            "begruendung": e.begruendung,
            "gebuehren": e.gebuehren.iter().map(|g| json!({"beschreibung": g.beschreibung, "betrag": euro(g.betrag_cent)})).collect::<Vec<_>>(),
            "summe": gebuehren_summe(&e.gebuehren).map(euro),
            "plaene": gewaehlte,
            "stempel": e.tenor == Tenor::Genehmigung,
            "rechtsbehelfsbelehrung": e.rechtsbehelfsbelehrung,
            "nummer": b.nummer.clone().or_else(|| a.aktenzeichen.as_ref().map(|az| format!("{az}-B… (wird beim Erlass vergeben)"))),
            "datum": b.erlass_datum.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).map(datum_de).unwrap_or_else(|| datum_de(heute_berlin())),
        });
    }
    let stand = match akte {
        Some(b) if beantragt => Some(stand_view(st, a, b).await?),
        _ => None,
    };
    let html = render(
        "bescheid.html",
        context! {
            layout => crate::pages::layout(u, "/start"),
            vorgang => context! {
                id => a.id, bezeichnung => a.bezeichnung, aktenzeichen => a.aktenzeichen,
                status => ablauf::statuszeile(z, verfahren),
                verfahren => verfahren.map(|v| v.bezeichnung_mit_paragraph()),
            },
            tenoere => Tenor::ALL.iter().map(|t| json!({"slug": tenor_slug(*t), "name": t.bezeichnung()})).collect::<Vec<_>>(),
            tenor => f.tenor, tenor_text => f.tenor_text, begruendung => f.begruendung,
            rechtsbehelfsbelehrung => f.rechtsbehelfsbelehrung,
            nebenbestimmungen => nb, gebuehren => geb, arten, plaene,
            neue_nb => (0..zusatz_nb).map(|k| f.nebenbestimmungen.len() + k).collect::<Vec<_>>(),
            neue_geb => (0..zusatz_geb).map(|k| f.gebuehren.len() + k).collect::<Vec<_>>(),
            stellungnahmen => stellungnahmen.len(),
            fehler, hinweis, vorschau, erlass_fehler, beantragt, stand,
            bearbeitbar => !beantragt && !z.ist_abgeschlossen(),
        },
    )?;
    Ok((status, html).into_response())
}

async fn entwurf_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    let akte = st.db.aktueller_bescheid(a.id).await?;
    if akte.as_ref().is_some_and(BescheidAkte::ist_beantragt) {
        return Err(AppError::Conflict(
            "Der Bescheid wird bereits erlassen und kann nicht mehr geändert werden.".into(),
        ));
    }
    let z = ablauf::zustand(&a)?;
    if z.ist_abgeschlossen() || !z.ist_in_bearbeitung() {
        return Err(AppError::Conflict(format!(
            "Zu einem Vorgang im Zustand „{}“ kann kein Bescheid entworfen werden.",
            z.bezeichnung()
        )));
    }
    let verfahren = ablauf::verfahren(&a).ok_or_else(|| {
        AppError::Conflict("Für diesen Vorgang ist keine Verfahrensart angegeben.".into())
    })?;
    let f = Formular::aus_feldern(&felder);
    if f.aktion == "nb_zeile" || f.aktion == "geb_zeile" {
        // Another empty row; nothing is saved yet.
        return seite(&st, &u, &a, akte.as_ref(), f, vec![], None, StatusCode::OK).await;
    }
    let stellungnahmen = zaehlende_stellungnahmen(&st.db, a.id).await?;
    let angebot = fassungs_dokumente(&st.db, a.id).await?;
    let entwurf = match f.pruefe(verfahren, &quellen_von(&stellungnahmen), &angebot) {
        Ok(e) => e,
        Err(fehler) => {
            return seite(
                &st,
                &u,
                &a,
                akte.as_ref(),
                f,
                fehler,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let inhalt = serde_json::to_value(&entwurf).map_err(AppError::internal)?;
    st.db
        .speichere_bescheid_mit_plaenen(a.id, &inhalt, &f.plaene, u.user_id(), now_millis())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(
                "Der Bescheid wird bereits erlassen und kann nicht mehr geändert werden.".into(),
            ),
            e => e.into(),
        })?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}/bescheid?gespeichert=1#vorschau")).into_response())
}

// --- Issuing ---------------------------------------------------------------------------------

async fn erlassen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    let zur_seite = Redirect::to(&format!("/vorgaenge/{id}/bescheid#stand")).into_response();
    let Some(akte) = st.db.aktueller_bescheid(a.id).await? else {
        return Err(AppError::Conflict(
            "Bitte speichern Sie zuerst einen Entwurf des Bescheids.".into(),
        ));
    };
    if akte.ist_beantragt() {
        // Issued or being issued: a second click changes nothing.
        return Ok(zur_seite);
    }
    let e: BescheidEntwurf = serde_json::from_value(akte.inhalt.clone())
        .map_err(|e| AppError::internal(format!("bescheide.inhalt: {e}")))?;
    let mut fehler = Vec::new();
    if let Err(x) = e.pruefe() {
        fehler.extend(x.meldungen);
    }
    if let Err(x) = darf_entscheiden(&a, e.tenor) {
        fehler.push(x);
    }
    let angebot = fassungs_dokumente(&st.db, a.id).await?;
    let mut plaene = Vec::new();
    for did in akte.plaene.clone().unwrap_or_default() {
        match angebot.iter().find(|d| d.dokument_id == did) {
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
    let Some(aktenzeichen) = a.aktenzeichen.clone() else {
        return Err(AppError::Conflict(
            "Der Vorgang hat noch kein Aktenzeichen.".into(),
        ));
    };
    if !fehler.is_empty() {
        let f = Formular::aus_entwurf(&e, akte.plaene.clone().unwrap_or_default());
        return seite(
            &st,
            &u,
            &a,
            Some(&akte),
            f,
            fehler,
            None,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let now = now_millis();
    let datum = heute_berlin().format("%Y-%m-%d").to_string();
    let mut tx = st.db.begin().await?;
    let Some(nummer) = Db::beantrage_erlass(
        &mut tx,
        akte.id,
        a.tenant_id,
        &aktenzeichen,
        &datum,
        &plaene,
        u.user_id(),
        now,
    )
    .await?
    else {
        return Ok(zur_seite);
    };
    let mut job = NewJob::new(ERLASS_JOB, json!({ "bescheid_id": akte.id }), now);
    job.tenant_id = Some(a.tenant_id);
    job.dedupe_key = Some(format!("{ERLASS_JOB}:{}", akte.id));
    if let Some(job_id) = Db::enqueue(&mut tx, &job, now).await? {
        Db::setze_erlass_job(&mut tx, akte.id, job_id).await?;
    }
    Db::audit(
        &mut tx,
        AuditEvent {
            tenant_id: Some(a.tenant_id),
            actor_user_id: Some(u.user_id()),
            action: "bescheid.erlass_beantragt",
            object_type: "bescheid",
            object_id: Some(akte.id.to_string()),
            detail: json!({ "vorgang_id": a.id, "nummer": nummer, "tenor": e.tenor, "plaene": plaene.len() }),
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(zur_seite)
}

/// Where issuing stands, for the page and its polling fragment.
async fn stand_view(st: &AppState, a: &Antrag, b: &BescheidAkte) -> Result<Value, AppError> {
    let (job_zustand, fortschritt, notiz, fehler) = match b.erlass_job_id {
        Some(j) => {
            let job = st.db.job(j).await?;
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
    Ok(json!({
        "vorgang_id": a.id,
        "erlassen": b.ist_erlassen(),
        "fehlgeschlagen": fehlgeschlagen,
        "fehler": if fehlgeschlagen { fehler } else { None },
        "fortschritt": if b.ist_erlassen() { 100 } else { fortschritt },
        "notiz": notiz,
        "nummer": b.nummer,
        "downloads": if b.ist_erlassen() { downloads(st, a, b).await? } else { Value::Null },
    }))
}

async fn stand_fragment(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    let b = st
        .db
        .aktueller_bescheid(a.id)
        .await?
        .filter(BescheidAkte::ist_beantragt)
        .ok_or(AppError::NotFound)?;
    let stand = stand_view(&st, &a, &b).await?;
    render(
        "bescheid_stand.html",
        context! { stand, layout => crate::pages::layout(&u, "/start") },
    )
}

/// A failed issuing job goes back into the queue (after the cause is fixed, e.g. a plan
/// that could not be stamped was replaced by the worker's retry).
async fn erneut_versuchen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    let b = st
        .db
        .aktueller_bescheid(a.id)
        .await?
        .filter(|b| b.ist_beantragt() && !b.ist_erlassen())
        .ok_or(AppError::NotFound)?;
    if let Some(j) = b.erlass_job_id
        && st.db.job(j).await?.state == JobState::Failed
    {
        st.db.retry_failed_job(j, now_millis()).await?;
    }
    Ok(Redirect::to(&format!("/vorgaenge/{id}/bescheid#stand")))
}

// --- Downloads and the case page's section ---------------------------------------------------

/// The links of an issued Bescheid: its PDF and the stamped plans.
async fn downloads(st: &AppState, a: &Antrag, b: &BescheidAkte) -> Result<Value, AppError> {
    let e: BescheidEntwurf = serde_json::from_value(b.inhalt.clone())
        .map_err(|e| AppError::internal(format!("bescheide.inhalt: {e}")))?;
    let mut plaene = Vec::new();
    for p in st.db.bescheid_plaene(b.id).await? {
        if let Some(v) = p.gestempelt_version_id {
            let v = st.db.version(v).await?;
            plaene.push(json!({
                "bezeichnung": p.bezeichnung, "dateiname": v.dateiname,
                "url": format!("/vorgaenge/{}/bescheid/plaene/{}", a.id, p.dokument_id),
            }));
        }
    }
    Ok(json!({
        "titel": e.tenor.bezeichnung(),
        "nummer": b.nummer,
        "datum": b.erlass_datum.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).map(datum_de),
        "pdf_url": format!("/vorgaenge/{}/bescheid/bescheid.pdf", a.id),
        "plaene": plaene,
    }))
}

/// The "Bescheid" section of the case page: the downloads once issued (for everyone who may
/// see the case), and for the case worker the way to the draft. `None`: nothing to show.
pub async fn abschnitt(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
) -> Result<Option<Value>, AppError> {
    let akte = st.db.aktueller_bescheid(a.id).await?;
    let bauaufsicht = u.role() == Role::Bauaufsicht && u.tenant_id() == a.tenant_id;
    let z = ablauf::zustand(a)?;
    match akte {
        Some(b) if b.ist_erlassen() => Ok(Some(json!({
            "erlassen": true,
            "downloads": downloads(st, a, &b).await?,
            "bauaufsicht": bauaufsicht,
            "vorgang_id": a.id,
        }))),
        Some(b) if bauaufsicht => Ok(Some(json!({
            "erlassen": false, "laeuft": b.ist_beantragt(), "entwurf": true,
            "bauaufsicht": true, "vorgang_id": a.id,
        }))),
        None if bauaufsicht && z.ist_in_bearbeitung() => Ok(Some(json!({
            "erlassen": false, "laeuft": false, "entwurf": false,
            "bauaufsicht": true, "vorgang_id": a.id,
        }))),
        _ => Ok(None),
    }
}

/// The issued Bescheid of a case the caller may see (a Fachstelle never: 404).
async fn erlassener_bescheid(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
) -> Result<(Antrag, BescheidAkte), AppError> {
    if u.role() == Role::Fachstelle {
        return Err(AppError::NotFound);
    }
    let a = sichtbarer_antrag(st, u, id).await?;
    let b = st
        .db
        .aktueller_bescheid(a.id)
        .await?
        .filter(BescheidAkte::ist_erlassen)
        .ok_or(AppError::NotFound)?;
    Ok((a, b))
}

async fn pdf_antwort(st: &AppState, sha256: &str, dateiname: &str) -> Result<Response, AppError> {
    let (size, stream) = st
        .blobs
        .get_stream(sha256)
        .await
        .map_err(AppError::internal)?;
    Ok(crate::vorgaenge::pdf_anhang(stream, size, dateiname))
}

async fn bescheid_pdf(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let (a, b) = erlassener_bescheid(&st, &u, id).await?;
    let sha = b.pdf_sha256.clone().ok_or(AppError::NotFound)?;
    let nummer = b.nummer.clone().unwrap_or_default();
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(u.user_id()),
                action: "bescheid.lesen",
                object_type: "bescheid",
                object_id: Some(b.id.to_string()),
                detail: json!({ "vorgang_id": a.id }),
            },
            now_millis(),
        )
        .await?;
    pdf_antwort(&st, &sha, &format!("Bescheid {nummer}.pdf")).await
}

async fn plan_pdf(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let (a, b) = erlassener_bescheid(&st, &u, id).await?;
    let vid = st
        .db
        .bescheid_plaene(b.id)
        .await?
        .into_iter()
        .find(|p| p.dokument_id == did)
        .and_then(|p| p.gestempelt_version_id)
        .ok_or(AppError::NotFound)?;
    let v = st.db.version(vid).await?;
    if v.vorgang_id != a.id {
        return Err(AppError::NotFound);
    }
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(u.user_id()),
                action: "dokument.lesen",
                object_type: "dokument_version",
                object_id: Some(v.id.to_string()),
                detail: json!({ "vorgang_id": a.id, "bescheid_id": b.id, "gestempelt": true }),
            },
            now_millis(),
        )
        .await?;
    pdf_antwort(&st, &v.sha256, &v.dateiname).await
}

// --- The tenant's template -------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct VorlageForm {
    #[serde(default)]
    rechtsbehelfsbelehrung: String,
    #[serde(default)]
    anschrift: String,
    #[serde(default)]
    ort: String,
}

fn pruefe_vorlage(f: &VorlageForm) -> Vec<String> {
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

async fn vorlage_rendern(
    st: &AppState,
    u: &CurrentUser,
    f: VorlageForm,
    fehler: Vec<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let html = render(
        "bescheid_vorlage.html",
        context! {
            layout => crate::pages::layout(u, "/verwaltung/bescheid"),
            rechtsbehelfsbelehrung => f.rechtsbehelfsbelehrung, anschrift => f.anschrift, ort => f.ort,
            fehler, hinweis, max_text => MAX_VORLAGE_TEXT, max_anschrift => MAX_ANSCHRIFT, max_ort => MAX_ORT,
            behoerde => st.db.tenant(u.tenant_id()).await?.name,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct VorlageQuery {
    gespeichert: Option<String>,
}

async fn vorlage_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<VorlageQuery>,
) -> PageResult<Response> {
    u.require(|r| r == Role::Admin)?;
    let f = match st.db.bescheid_vorlage(u.tenant_id()).await? {
        Some(v) => VorlageForm {
            rechtsbehelfsbelehrung: v.rechtsbehelfsbelehrung,
            anschrift: v.anschrift,
            ort: v.ort,
        },
        None => VorlageForm {
            rechtsbehelfsbelehrung: standard_rechtsbehelfsbelehrung(
                &st.db.tenant(u.tenant_id()).await?.name,
            ),
            ..VorlageForm::default()
        },
    };
    let hinweis = q
        .gespeichert
        .is_some()
        .then_some("Die Vorlage wurde gespeichert. Neue Entwürfe beginnen mit diesem Text.");
    vorlage_rendern(&st, &u, f, vec![], hinweis, StatusCode::OK).await
}

async fn vorlage_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<VorlageForm>,
) -> PageResult<Response> {
    u.require(|r| r == Role::Admin)?;
    let fehler = pruefe_vorlage(&f);
    if !fehler.is_empty() {
        return vorlage_rendern(&st, &u, f, fehler, None, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let now = now_millis();
    st.db
        .setze_bescheid_vorlage(
            u.tenant_id(),
            f.rechtsbehelfsbelehrung.trim(),
            f.anschrift.trim(),
            f.ort.trim(),
            u.user_id(),
            now,
        )
        .await?;
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(u.tenant_id()),
                actor_user_id: Some(u.user_id()),
                action: "bescheid.vorlage_geaendert",
                object_type: "tenant",
                object_id: Some(u.tenant_id().to_string()),
                detail: json!({}),
            },
            now,
        )
        .await?;
    Ok(Redirect::to("/verwaltung/bescheid?gespeichert=1").into_response())
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
}
