//! The Bauaufsicht's side of an Antrag: the inbox of submitted cases, the formelle Prüfung
//! (what changed between the last two Fassungen, the Befundliste, "vollständig" or a
//! Nachforderung with a deadline), and the due deadlines with the confirmation of the
//! Rücknahmefiktion or an extension.
//!
//! Every state change goes through [`crate::ablauf::wechsle`] in one transaction with its
//! deadlines, Befunde, timeline entries and mails.
//!
//! The Rücknahmefiktion is a fiction of the law: the domain lets no person fire it
//! ([`plankammer_domain::vorgang::darf_ausloesen`]). The deadline scheduler marks a missed
//! Nachforderung deadline as due (`faellig`); a case worker confirms it here, and the
//! fiction is then fired as a system event (`akteur: None`). Who confirmed it is recorded in
//! the timeline text and, with the user id, in the audit log.

use crate::ablauf::{self, Mitteilung, Wechsel};
use crate::antrag_seiten::heute_berlin;
use crate::auth::CurrentUser;
use crate::templates::render;
use crate::vorgang_seiten::akteur;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use minijinja::context;
use plankammer_domain::bescheid::{
    VERLAENGERUNG_HOECHSTENS, spaetestes_verlaengertes_ende, verlaengerung_zulaessig,
};
use plankammer_domain::codeliste;
use plankammer_domain::frist::{self, Dauer};
use plankammer_domain::verfahren::{Verfahrensart, standard_fristvorgaben};
use plankammer_domain::vorgang::{Ereignis, Zustand};
use plankammer_domain::{Role, zeit};
use plankammer_storage::antrag::{Antrag, EingangsFilter, Frist, NeueFrist, NeuesEreignis};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::{Db, StoreError, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/eingang", get(eingang))
        .route(
            "/vorgaenge/{id}/pruefung",
            get(pruefung_seite).post(pruefung_abschliessen),
        )
        .route("/fristen", get(fristen_seite))
        .route(
            "/fristen/{fid}/ruecknahmefiktion",
            post(ruecknahmefiktion_feststellen),
        )
        .route("/fristen/{fid}/verlaengern", post(frist_verlaengern))
}

/// Cases per inbox page.
pub const SEITENGROESSE: i64 = 50;
/// Rechtsgrundlage of a Nachforderung deadline.
pub const RECHTSGRUNDLAGE_NACHFORDERUNG: &str = "§ 70 Abs. 2 HBO";
/// Longest text of one Befund.
const MAX_BEFUNDTEXT: usize = 2000;
/// Befund rows the form offers.
const BEFUNDZEILEN: usize = 5;

// --- Helpers ----------------------------------------------------------------------------

fn ist_bauaufsicht(u: &CurrentUser) -> bool {
    u.role() == Role::Bauaufsicht
}

/// The case, if it belongs to this case worker's tenant; everyone else gets 404.
async fn antrag_der_bauaufsicht(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
) -> Result<Antrag, AppError> {
    if !ist_bauaufsicht(u) {
        return Err(AppError::NotFound);
    }
    let a = st.db.antrag(id).await?;
    if a.tenant_id != u.tenant_id() {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

/// The Hessen Gemeinden for the filter, by name: (AGS, name).
fn gemeinde_optionen() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = codeliste::gemeinden_hessen()
        .eintraege
        .iter()
        .map(|e| (e.code.clone(), e.name.clone()))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

fn gemeinde_name(ags: Option<&str>) -> String {
    match ags {
        Some(ags) => codeliste::gemeinden_hessen()
            .name(ags)
            .map(str::to_string)
            .unwrap_or_else(|| ags.to_string()),
        None => String::new(),
    }
}

/// "noch 12 Tage", "endet heute", "seit 3 Tagen abgelaufen".
pub fn resttage_text(heute: NaiveDate, ende: NaiveDate) -> String {
    match frist::tage_bis(heute, ende) {
        0 => "endet heute".into(),
        1 => "noch 1 Tag".into(),
        n if n > 1 => format!("noch {n} Tage"),
        -1 => "seit 1 Tag abgelaufen".into(),
        n => format!("seit {} Tagen abgelaufen", -n),
    }
}

fn datum(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn frist_art_text(art: &str) -> &'static str {
    match art {
        "nachforderung" => "Nachforderung",
        "entscheidung" => "Entscheidung",
        _ => "Frist",
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

// --- Inbox ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EingangQuery {
    status: String,
    verfahren: String,
    gemeinde: String,
    frist_tage: String,
    vor: String,
}

#[derive(Serialize)]
struct EingangZeile {
    id: i64,
    aktenzeichen: String,
    bezeichnung: String,
    verfahren: String,
    gemeinde: String,
    status: String,
    eingereicht: String,
    frist: Option<String>,
    frist_rest: Option<String>,
    frist_knapp: bool,
}

fn leer_zu_none(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The filter from the query; German messages for what is wrong.
fn eingangsfilter(q: &EingangQuery, heute: NaiveDate) -> Result<EingangsFilter, Vec<String>> {
    let mut fehler = Vec::new();
    let mut f = EingangsFilter {
        limit: SEITENGROESSE + 1,
        ..EingangsFilter::default()
    };
    if let Some(s) = leer_zu_none(&q.status) {
        match Zustand::from_slug(&s) {
            Some(z) if z != Zustand::Entwurf => f.zustand = Some(s),
            _ => fehler.push("Bitte wählen Sie einen gültigen Status.".into()),
        }
    }
    if let Some(v) = leer_zu_none(&q.verfahren) {
        if Verfahrensart::from_slug(&v).is_some() {
            f.verfahren = Some(v);
        } else {
            fehler.push("Bitte wählen Sie eine gültige Verfahrensart.".into());
        }
    }
    if let Some(g) = leer_zu_none(&q.gemeinde) {
        if codeliste::gemeinden_hessen().enthaelt(&g) {
            f.gemeinde_ags = Some(g);
        } else {
            fehler.push(format!(
                "„{g}“ ist kein Gemeindeschlüssel einer hessischen Gemeinde (8 Ziffern, z. B. 06412000)."
            ));
        }
    }
    if let Some(n) = leer_zu_none(&q.frist_tage) {
        match n.parse::<u32>() {
            Ok(n) if (1..=3650).contains(&n) => {
                f.frist_bis = heute
                    .checked_add_days(chrono::Days::new(u64::from(n)))
                    .map(ymd);
            }
            _ => fehler.push(
                "Bitte geben Sie bei „Frist in den nächsten … Tagen“ eine ganze Zahl von 1 bis 3650 an."
                    .into(),
            ),
        }
    }
    if let Some(v) = leer_zu_none(&q.vor) {
        match v.parse::<i64>() {
            Ok(id) if id > 0 => f.vor_id = Some(id),
            _ => fehler.push("Die Seitenangabe ist ungültig.".into()),
        }
    }
    if fehler.is_empty() {
        Ok(f)
    } else {
        Err(fehler)
    }
}

async fn eingang(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<EingangQuery>,
) -> PageResult<Response> {
    u.require(|r| matches!(r, Role::Bauaufsicht | Role::Admin))?;
    let heute = heute_berlin();
    let (filter, fehler) = match eingangsfilter(&q, heute) {
        Ok(f) => (Some(f), vec![]),
        Err(e) => (None, e),
    };
    let mut zeilen = Vec::new();
    let mut weiter = None;
    if let Some(filter) = &filter {
        let mut faelle = st.db.eingang(u.tenant_id(), filter).await?;
        if faelle.len() as i64 > SEITENGROESSE {
            faelle.truncate(SEITENGROESSE as usize);
            if let Some(letzter) = faelle.last() {
                let mut s = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in [
                    ("status", &q.status),
                    ("verfahren", &q.verfahren),
                    ("gemeinde", &q.gemeinde),
                    ("frist_tage", &q.frist_tage),
                ] {
                    if !v.trim().is_empty() {
                        s.append_pair(k, v.trim());
                    }
                }
                s.append_pair("vor", &letzter.id.to_string());
                weiter = Some(s.finish());
            }
        }
        for a in faelle {
            let v = ablauf::verfahren(&a);
            let z = ablauf::zustand(&a)?;
            let ende = a.naechste_frist.as_deref().and_then(datum);
            zeilen.push(EingangZeile {
                id: a.id,
                aktenzeichen: a.aktenzeichen.clone().unwrap_or_default(),
                bezeichnung: a.bezeichnung.clone(),
                verfahren: v.map(|v| v.bezeichnung().to_string()).unwrap_or_default(),
                gemeinde: gemeinde_name(a.gemeinde_ags.as_deref()),
                status: ablauf::statuszeile(z, v),
                eingereicht: a
                    .eingereicht_at
                    .map(zeit::format_berlin)
                    .unwrap_or_default(),
                frist: ende.map(frist::datum_de),
                frist_rest: ende.map(|e| resttage_text(heute, e)),
                frist_knapp: ende.is_some_and(|e| frist::tage_bis(heute, e) <= 7),
            });
        }
    }
    let status_optionen: Vec<Value> = Zustand::ALL
        .into_iter()
        .filter(|z| *z != Zustand::Entwurf)
        .map(|z| json!({"slug": z.slug(), "text": z.bezeichnung()}))
        .collect();
    let verfahren_optionen: Vec<Value> = Verfahrensart::ALL
        .into_iter()
        .map(|v| json!({"slug": v.slug(), "text": v.bezeichnung()}))
        .collect();
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        "eingang.html",
        context! {
            layout => crate::pages::layout(&u, "/eingang"),
            zeilen, weiter, fehler, status_optionen, verfahren_optionen,
            gemeinde_optionen => gemeinde_optionen(),
            q => context! {
                status => q.status.trim(), verfahren => q.verfahren.trim(),
                gemeinde => q.gemeinde.trim(), frist_tage => q.frist_tage.trim(),
            },
            folgeseite => filter.as_ref().is_some_and(|f| f.vor_id.is_some()),
            darf_fristen => ist_bauaufsicht(&u),
        },
    )?;
    Ok((status, html).into_response())
}

// --- Diff between Fassungen --------------------------------------------------------------

/// Whitespace collapsed, so re-flowed text of the same words compares equal.
pub fn normalisiere_text(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One page of a version as the comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeitenStand {
    pub format: String,
    pub text: String,
}

/// The pages that differ between two versions, with the reason, in page order.
pub fn seitenunterschiede(
    alt: &BTreeMap<i64, SeitenStand>,
    neu: &BTreeMap<i64, SeitenStand>,
) -> Vec<(i64, String)> {
    let mut nummern: Vec<i64> = alt.keys().chain(neu.keys()).copied().collect();
    nummern.sort_unstable();
    nummern.dedup();
    let mut out = Vec::new();
    for n in nummern {
        let grund = match (alt.get(&n), neu.get(&n)) {
            (Some(_), None) => "Seite entfallen".to_string(),
            (None, Some(_)) => "Seite hinzugekommen".to_string(),
            (Some(a), Some(b)) if a.format != b.format => {
                format!("Format geändert ({} → {})", a.format, b.format)
            }
            (Some(a), Some(b)) if a.text != b.text => "Inhalt geändert".to_string(),
            _ => continue,
        };
        out.push((n, grund));
    }
    out
}

async fn seitenstand(db: &Db, version_id: i64) -> Result<BTreeMap<i64, SeitenStand>, AppError> {
    let texte: HashMap<i64, String> = db
        .seiten_texte(version_id)
        .await?
        .into_iter()
        .map(|t| (t.nummer, normalisiere_text(t.text.as_deref().unwrap_or(""))))
        .collect();
    Ok(db
        .seiten(version_id)
        .await?
        .into_iter()
        .map(|s| {
            let format = if s.format == "Sonderformat" {
                format!("{:.0} × {:.0} mm", s.breite_mm, s.hoehe_mm)
            } else {
                format!("{} {}", s.format, s.ausrichtung)
            };
            let text = texte.get(&s.nummer).cloned().unwrap_or_default();
            (s.nummer, SeitenStand { format, text })
        })
        .collect())
}

fn anlageart_text(code: Option<&str>) -> String {
    match code {
        Some(c) => match codeliste::anlagen().name(c) {
            Some(n) => format!("{n} ({c})"),
            None => c.to_string(),
        },
        None => "ohne Anlageart".into(),
    }
}

/// What changed from the second-last to the last Fassung, for the page.
async fn fassungsdiff(st: &AppState, vorgang_id: i64) -> Result<Option<Value>, AppError> {
    let fassungen = st.db.fassungen(vorgang_id).await?;
    let [.., alt, neu] = fassungen.as_slice() else {
        return Ok(None);
    };
    let alte = st.db.fassung_dokumente(alt.id).await?;
    let neue = st.db.fassung_dokumente(neu.id).await?;
    let alt_map: HashMap<i64, _> = alte.iter().map(|d| (d.dokument_id, d)).collect();
    let neu_map: HashMap<i64, _> = neue.iter().map(|d| (d.dokument_id, d)).collect();
    let mut hinzu = Vec::new();
    let mut ersetzt = Vec::new();
    for d in &neue {
        match alt_map.get(&d.dokument_id) {
            None => hinzu.push(json!({
                "bezeichnung": d.bezeichnung, "anlageart": anlageart_text(d.anlageart.as_deref()),
                "version": d.version_nummer, "dateiname": d.dateiname,
            })),
            Some(a) if a.version_id != d.version_id => {
                let sa = seitenstand(&st.db, a.version_id).await?;
                let sn = seitenstand(&st.db, d.version_id).await?;
                let unbekannt = sa.is_empty() || sn.is_empty();
                let seiten: Vec<Value> = if unbekannt {
                    vec![]
                } else {
                    seitenunterschiede(&sa, &sn)
                        .into_iter()
                        .map(|(n, g)| json!({"nummer": n, "grund": g}))
                        .collect()
                };
                ersetzt.push(json!({
                    "bezeichnung": d.bezeichnung, "anlageart": anlageart_text(d.anlageart.as_deref()),
                    "alt_version": a.version_nummer, "neu_version": d.version_nummer,
                    "alt_dateiname": a.dateiname, "neu_dateiname": d.dateiname,
                    "gleicher_inhalt": a.sha256 == d.sha256,
                    "seiten": seiten, "seiten_unbekannt": unbekannt,
                }));
            }
            Some(_) => {}
        }
    }
    let entfernt: Vec<Value> = alte
        .iter()
        .filter(|d| !neu_map.contains_key(&d.dokument_id))
        .map(|d| json!({"bezeichnung": d.bezeichnung, "anlageart": anlageart_text(d.anlageart.as_deref()), "version": d.version_nummer}))
        .collect();
    let unveraendert = neue
        .iter()
        .filter(|d| {
            alt_map
                .get(&d.dokument_id)
                .is_some_and(|a| a.version_id == d.version_id)
        })
        .count();
    Ok(Some(json!({
        "von": alt.nummer, "nach": neu.nummer,
        "hinzugefuegt": hinzu, "entfernt": entfernt, "ersetzt": ersetzt,
        "unveraendert": unveraendert,
    })))
}

// --- Formelle Prüfung ------------------------------------------------------------------

/// The engine's proposal for a Nachforderung deadline from today.
fn vorschlag_nachforderung(
    v: Verfahrensart,
    heute: NaiveDate,
) -> Result<frist::Fristende, AppError> {
    let vorgabe = standard_fristvorgaben(v).nachforderung;
    let dauer: Dauer = vorgabe.dauer.parse().map_err(AppError::internal)?;
    Ok(frist::berechne(heute, dauer)
        .map_err(AppError::internal)?
        .mit_rechtsgrundlage(RECHTSGRUNDLAGE_NACHFORDERUNG))
}

/// The decision deadline from today, where the procedure has one.
fn entscheidungsfrist(
    v: Verfahrensart,
    heute: NaiveDate,
) -> Result<Option<frist::Fristende>, AppError> {
    let Some(vorgabe) = standard_fristvorgaben(v).entscheidung else {
        return Ok(None);
    };
    let dauer: Dauer = vorgabe.dauer.parse().map_err(AppError::internal)?;
    Ok(Some(
        frist::berechne(heute, dauer)
            .map_err(AppError::internal)?
            .mit_rechtsgrundlage(vorgabe.rechtsgrundlage),
    ))
}

#[derive(Debug, Clone, Default, Serialize)]
struct BefundEingabe {
    code: String,
    text: String,
    dokument: String,
}

/// What the case worker sent, kept for showing the form again.
#[derive(Debug, Clone, Default, Serialize)]
struct PruefungEingabe {
    ergebnis: String,
    frist_ende: String,
    befunde: Vec<BefundEingabe>,
}

impl PruefungEingabe {
    fn aus_formular(felder: &[(String, String)]) -> PruefungEingabe {
        let mut e = PruefungEingabe::default();
        let (mut codes, mut texte, mut dokumente) = (vec![], vec![], vec![]);
        for (k, v) in felder {
            match k.as_str() {
                "ergebnis" => e.ergebnis = v.clone(),
                "frist_ende" => e.frist_ende = v.trim().to_string(),
                "befund_code" => codes.push(v.trim().to_string()),
                "befund_text" => texte.push(v.trim().to_string()),
                "befund_dokument" => dokumente.push(v.trim().to_string()),
                _ => {}
            }
        }
        let n = codes.len().max(texte.len()).max(dokumente.len()).min(50);
        for i in 0..n {
            e.befunde.push(BefundEingabe {
                code: codes.get(i).cloned().unwrap_or_default(),
                text: texte.get(i).cloned().unwrap_or_default(),
                dokument: dokumente.get(i).cloned().unwrap_or_default(),
            });
        }
        e
    }
}

async fn pruefung_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    pruefung_rendern(
        &st,
        &u,
        &a,
        PruefungEingabe::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

async fn pruefung_rendern(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
    mut eingabe: PruefungEingabe,
    fehler: Vec<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let heute = heute_berlin();
    let z = ablauf::zustand(a)?;
    let v = ablauf::verfahren(a);
    let fassungen = st.db.fassungen(a.id).await?;
    let (fassung, dokumente) = match fassungen.last() {
        Some(f) => {
            let docs: Vec<Value> = st
                .db
                .fassung_dokumente(f.id)
                .await?
                .into_iter()
                .map(|d| {
                    json!({
                        "id": d.dokument_id, "bezeichnung": d.bezeichnung,
                        "anlageart": anlageart_text(d.anlageart.as_deref()),
                        "version": d.version_nummer, "version_id": d.version_id,
                        "dateiname": d.dateiname,
                    })
                })
                .collect();
            (
                Some(json!({"nummer": f.nummer, "erstellt": zeit::format_berlin(f.created_at)})),
                docs,
            )
        }
        None => (None, vec![]),
    };
    let diff = fassungsdiff(st, a.id).await?;
    let dok_namen: HashMap<i64, String> = st
        .db
        .dokumente(a.id)
        .await?
        .into_iter()
        .map(|d| (d.id, d.bezeichnung))
        .collect();
    let befunde: Vec<Value> = st
        .db
        .befunde(a.id)
        .await?
        .into_iter()
        .map(|b| {
            json!({
                "runde": b.runde,
                "code": b.code,
                "art": codeliste::formelle_befunde().name(&b.code).unwrap_or(""),
                "text": b.text,
                "dokument": b.dokument_id.and_then(|d| dok_namen.get(&d).cloned()),
                "am": zeit::format_berlin(b.created_at),
            })
        })
        .collect();
    let fristen: Vec<Value> = st
        .db
        .fristen(a.id)
        .await?
        .into_iter()
        .map(|f| frist_view(&f, heute))
        .collect();
    let codes: Vec<Value> = codeliste::formelle_befunde()
        .eintraege
        .iter()
        .map(|e| json!({"code": e.code, "name": e.name}))
        .collect();
    let (vorschlag, entscheidung) = match v {
        Some(v) => {
            let vs = vorschlag_nachforderung(v, heute)?;
            let en = entscheidungsfrist(v, heute)?;
            (
                Some(json!({
                    "datum": ymd(vs.ende), "anzeige": frist::tag_de(vs.ende),
                    "dauer": vs.dauer.to_string(), "erklaerung": vs.erklaerung_saetze(),
                })),
                en.map(|e| {
                    json!({
                        "dauer": e.dauer.to_string(), "anzeige": frist::tag_de(e.ende),
                        "rechtsgrundlage": e.rechtsgrundlage,
                    })
                }),
            )
        }
        None => (None, None),
    };
    if eingabe.frist_ende.is_empty()
        && let Some(vs) = &vorschlag
    {
        eingabe.frist_ende = vs["datum"].as_str().unwrap_or_default().to_string();
    }
    while eingabe.befunde.len() < BEFUNDZEILEN {
        eingabe.befunde.push(BefundEingabe::default());
    }
    let kann_pruefen = matches!(z, Zustand::Eingegangen | Zustand::Nachgereicht);
    let html = render(
        "pruefung.html",
        context! {
            layout => crate::pages::layout(u, "/eingang"),
            vorgang => context! {
                id => a.id, bezeichnung => a.bezeichnung, aktenzeichen => a.aktenzeichen,
                status => ablauf::statuszeile(z, v),
                verfahren => v.map(|v| v.bezeichnung_mit_paragraph()),
                gemeinde => gemeinde_name(a.gemeinde_ags.as_deref()),
                eingereicht => a.eingereicht_at.map(zeit::format_berlin),
            },
            fassung, dokumente, diff, befunde, fristen, codes, vorschlag, entscheidung,
            kann_pruefen, eingabe, fehler,
            zeige_beteiligung => matches!(z, Zustand::Vollstaendig | Zustand::Beteiligung | Zustand::BeteiligungAbgeschlossen),
            heute => ymd(heute),
        },
    )?;
    Ok((status, html).into_response())
}

/// A checked Befund, ready to store.
struct Befund {
    code: String,
    text: String,
    dokument_id: Option<i64>,
}

fn pruefe_befunde(
    eingabe: &PruefungEingabe,
    dokument_ids: &[i64],
    fehler: &mut Vec<String>,
) -> Vec<Befund> {
    let mut out = Vec::new();
    for (i, b) in eingabe.befunde.iter().enumerate() {
        let zeile = i + 1;
        if b.code.is_empty() && b.text.is_empty() && b.dokument.is_empty() {
            continue;
        }
        if !codeliste::formelle_befunde().enthaelt(&b.code) {
            fehler.push(format!(
                "Befund {zeile}: Bitte wählen Sie die Art des Befunds."
            ));
        }
        if b.text.is_empty() {
            fehler.push(format!(
                "Befund {zeile}: Bitte beschreiben Sie, was fehlt oder zu ändern ist."
            ));
        } else if b.text.chars().count() > MAX_BEFUNDTEXT {
            fehler.push(format!(
                "Befund {zeile}: Der Text ist zu lang (höchstens {MAX_BEFUNDTEXT} Zeichen)."
            ));
        }
        let dokument_id = if b.dokument.is_empty() {
            None
        } else {
            match b.dokument.parse::<i64>() {
                Ok(d) if dokument_ids.contains(&d) => Some(d),
                _ => {
                    fehler.push(format!(
                        "Befund {zeile}: Das gewählte Dokument gehört nicht zu diesem Vorgang."
                    ));
                    None
                }
            }
        };
        out.push(Befund {
            code: b.code.clone(),
            text: b.text.clone(),
            dokument_id,
        });
    }
    out
}

async fn pruefung_abschliessen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    let eingabe = PruefungEingabe::aus_formular(&felder);
    let verfahren = ablauf::verfahren(&a).ok_or_else(|| {
        AppError::Conflict("Für diesen Vorgang ist keine Verfahrensart angegeben.".into())
    })?;
    // A state that accepts no Prüfung is a conflict, answered by the state machine.
    let z = ablauf::zustand(&a)?;
    if let Err(e) = plankammer_domain::vorgang::uebergang_im_verfahren(
        verfahren,
        z,
        match eingabe.ergebnis.as_str() {
            "nachforderung" => Ereignis::Nachfordern,
            _ => Ereignis::VollstaendigErklaeren,
        },
    ) {
        return Err(AppError::Conflict(e.meldung));
    }
    match eingabe.ergebnis.as_str() {
        "vollstaendig" => vollstaendig_erklaeren(&st, &u, &a, verfahren).await,
        "nachforderung" => nachfordern(&st, &u, &a, verfahren, eingabe).await,
        _ => {
            pruefung_rendern(
                &st,
                &u,
                &a,
                eingabe,
                vec!["Bitte wählen Sie ein Ergebnis der Prüfung: „Unterlagen vollständig“ oder „Nachforderung“.".into()],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn vollstaendig_erklaeren(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
    v: Verfahrensart,
) -> PageResult<Response> {
    let heute = heute_berlin();
    let now = now_millis();
    let entscheidung = entscheidungsfrist(v, heute)?;
    let ende_text = entscheidung.as_ref().map(|e| frist::datum_de(e.ende));
    let mut mailtext =
        String::from("Die Bauaufsicht hat Ihren Antrag geprüft: Die Unterlagen sind vollständig.");
    if let Some(e) = &entscheidung {
        mailtext.push_str(&format!(
            "\nDie Frist für die Entscheidung ({}, {}) beginnt heute und endet am {}.",
            e.dauer,
            e.rechtsgrundlage.as_deref().unwrap_or(""),
            frist::tag_de(e.ende)
        ));
    }
    let mut tx = st.db.begin().await?;
    ablauf::wechsle(
        st,
        &mut tx,
        a,
        Wechsel {
            ereignis: Ereignis::VollstaendigErklaeren,
            akteur: Some(&akteur(u)),
            text: "Formelle Prüfung abgeschlossen: Die Unterlagen sind vollständig.",
            mail: Some(("Antrag vollständig", &mailtext)),
            frist: ende_text.as_deref(),
        },
        now,
    )
    .await?;
    Db::erledige_fristen(&mut tx, a.id, "nachforderung", now).await?;
    if let Some(e) = &entscheidung {
        Db::lege_frist_an(
            &mut tx,
            &NeueFrist {
                vorgang_id: a.id,
                art: "entscheidung",
                rechtsgrundlage: e.rechtsgrundlage.as_deref().unwrap_or(""),
                start: &ymd(e.start),
                ende: &ymd(e.ende),
                erklaerung: &e.erklaerung(),
            },
            now,
        )
        .await?;
    }
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}/pruefung", a.id)).into_response())
}

async fn nachfordern(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
    v: Verfahrensart,
    eingabe: PruefungEingabe,
) -> PageResult<Response> {
    let heute = heute_berlin();
    let mut fehler = Vec::new();
    let dokument_ids: Vec<i64> = st.db.dokumente(a.id).await?.iter().map(|d| d.id).collect();
    let befunde = pruefe_befunde(&eingabe, &dokument_ids, &mut fehler);
    if befunde.is_empty() && fehler.is_empty() {
        fehler.push(
            "Bitte geben Sie mindestens einen Befund an, damit die Antragstellenden wissen, was sie nachreichen sollen."
                .into(),
        );
    }
    let vorschlag = vorschlag_nachforderung(v, heute)?;
    // The deadline: the engine's proposal, or a day the case worker set.
    let frist = if eingabe.frist_ende.is_empty() {
        fehler.push("Bitte geben Sie das Fristende an.".into());
        None
    } else {
        match frist::parse_datum(&eingabe.frist_ende) {
            Err(e) => {
                fehler.push(format!("Fristende: {e}"));
                None
            }
            Ok(d) if d == vorschlag.ende => Some((d, vorschlag.erklaerung())),
            Ok(d) if d <= heute => {
                fehler.push("Das Fristende muss nach dem heutigen Tag liegen.".into());
                None
            }
            Ok(d) if !frist::ist_arbeitstag(d) => {
                fehler.push(format!(
                    "Der {} ist kein Werktag in Hessen (Samstag, Sonntag oder Feiertag). Bitte wählen Sie einen Werktag als Fristende.",
                    frist::tag_de(d)
                ));
                None
            }
            Ok(d) if frist::tage_bis(heute, d) > 366 => {
                fehler.push("Das Fristende darf höchstens ein Jahr in der Zukunft liegen.".into());
                None
            }
            Ok(d) => Some((
                d,
                format!(
                    "Rechtsgrundlage der Frist: {RECHTSGRUNDLAGE_NACHFORDERUNG}.\n\
                     Frist behördlich gesetzt am {} (Vorschlag nach §§ 187 ff. BGB wäre {} gewesen).\n\
                     Fristende: {}, mit Ablauf des Tages.",
                    frist::tag_de(heute),
                    frist::tag_de(vorschlag.ende),
                    frist::tag_de(d)
                ),
            )),
        }
    };
    let Some((ende, erklaerung)) = frist.filter(|_| fehler.is_empty()) else {
        return pruefung_rendern(st, u, a, eingabe, fehler, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let runde = st
        .db
        .befunde(a.id)
        .await?
        .iter()
        .map(|b| b.runde)
        .max()
        .unwrap_or(0)
        + 1;
    let dok_namen: HashMap<i64, String> = st
        .db
        .dokumente(a.id)
        .await?
        .into_iter()
        .map(|d| (d.id, d.bezeichnung))
        .collect();
    let mut mailtext = String::from(
        "Die Bauaufsicht hat Ihren Antrag geprüft und bittet Sie, Folgendes nachzureichen:",
    );
    for b in &befunde {
        let art = codeliste::formelle_befunde().name(&b.code).unwrap_or("");
        mailtext.push_str(&format!("\n- {art}: {}", b.text));
        if let Some(n) = b.dokument_id.and_then(|d| dok_namen.get(&d)) {
            mailtext.push_str(&format!(" (Dokument: {n})"));
        }
    }
    mailtext.push_str(&format!(
        "\nBitte reichen Sie die Unterlagen bis zum {} ein. Wird die Frist nicht eingehalten, gilt der Antrag als zurückgenommen ({RECHTSGRUNDLAGE_NACHFORDERUNG}).",
        frist::tag_de(ende)
    ));
    let ende_de = frist::datum_de(ende);
    let zeitleiste = format!(
        "Unterlagen nachgefordert ({} {}), Frist bis {ende_de}.",
        befunde.len(),
        if befunde.len() == 1 {
            "Befund"
        } else {
            "Befunde"
        }
    );
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    ablauf::wechsle(
        st,
        &mut tx,
        a,
        Wechsel {
            ereignis: Ereignis::Nachfordern,
            akteur: Some(&akteur(u)),
            text: &zeitleiste,
            mail: Some(("Unterlagen nachgefordert", &mailtext)),
            frist: Some(&ende_de),
        },
        now,
    )
    .await?;
    for b in &befunde {
        Db::speichere_befund(
            &mut tx,
            a.id,
            runde,
            &b.code,
            &b.text,
            b.dokument_id,
            u.user_id(),
            now,
        )
        .await?;
    }
    Db::erledige_fristen(&mut tx, a.id, "nachforderung", now).await?;
    Db::lege_frist_an(
        &mut tx,
        &NeueFrist {
            vorgang_id: a.id,
            art: "nachforderung",
            rechtsgrundlage: RECHTSGRUNDLAGE_NACHFORDERUNG,
            start: &ymd(heute),
            ende: &ymd(ende),
            erklaerung: &erklaerung,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}/pruefung", a.id)).into_response())
}

// --- Deadlines ----------------------------------------------------------------------------

fn frist_view(f: &Frist, heute: NaiveDate) -> Value {
    let ende = datum(&f.ende);
    json!({
        "id": f.id,
        "art": frist_art_text(&f.art),
        "art_code": f.art,
        "rechtsgrundlage": f.rechtsgrundlage,
        "start": datum(&f.start).map(frist::datum_de),
        "ende": ende.map(frist::datum_de),
        "ende_iso": f.ende,
        "rest": if matches!(f.zustand.as_str(), "laeuft" | "faellig") { ende.map(|e| resttage_text(heute, e)) } else { None },
        "zustand": match f.zustand.as_str() {
            "laeuft" => "läuft",
            "faellig" => "abgelaufen – Entscheidung nötig",
            "erledigt" => "erledigt",
            "ausgeloest" => "Folge eingetreten",
            _ => "",
        },
        "zustand_code": f.zustand,
        "erklaerung": f.erklaerung.lines().collect::<Vec<_>>(),
    })
}

/// An open deadline of a tenant with its case.
struct OffeneFrist {
    id: i64,
    vorgang_id: i64,
    art: String,
    ende: String,
    zustand: String,
    rechtsgrundlage: String,
    aktenzeichen: Option<String>,
    bezeichnung: String,
    verfahren: Option<String>,
    /// How often the decision deadline of this case was extended already.
    verlaengerungen: i64,
}

/// Timeline kind of the one extension of the decision deadline (§ 65 Abs. 2 HBO).
const ENTSCHEIDUNGSFRIST_VERLAENGERT: &str = "entscheidungsfrist_verlaengert";

/// The open (running or due) deadlines of a tenant, earliest end first.
async fn offene_fristen(db: &Db, tenant_id: i64) -> Result<Vec<OffeneFrist>, AppError> {
    let rows = sqlx::query(
        "SELECT f.id, f.vorgang_id, f.art, f.ende, f.zustand, f.rechtsgrundlage, v.aktenzeichen, v.bezeichnung, v.verfahren, \
         (SELECT COUNT(*) FROM ereignisse e WHERE e.vorgang_id = f.vorgang_id AND e.art = 'entscheidungsfrist_verlaengert') AS verlaengerungen \
         FROM fristen f JOIN vorgaenge v ON v.id = f.vorgang_id \
         WHERE v.tenant_id = $1 AND f.zustand IN ('laeuft', 'faellig') ORDER BY f.ende, f.id LIMIT 500",
    )
    .bind(tenant_id)
    .fetch_all(db.pool())
    .await
    .map_err(|e| AppError::from(StoreError::from(e)))?;
    rows.iter()
        .map(|r| {
            Ok(OffeneFrist {
                id: r.try_get("id")?,
                vorgang_id: r.try_get("vorgang_id")?,
                art: r.try_get("art")?,
                ende: r.try_get("ende")?,
                zustand: r.try_get("zustand")?,
                rechtsgrundlage: r.try_get("rechtsgrundlage")?,
                aktenzeichen: r.try_get("aktenzeichen")?,
                bezeichnung: r.try_get("bezeichnung")?,
                verfahren: r.try_get("verfahren")?,
                verlaengerungen: r.try_get("verlaengerungen")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(|e| AppError::from(StoreError::from(e)))
}

async fn fristen_seite(State(st): State<AppState>, u: CurrentUser) -> PageResult<Html<String>> {
    u.require(|r| r == Role::Bauaufsicht)?;
    let heute = heute_berlin();
    let mut faellig = Vec::new();
    let mut laufend = Vec::new();
    for f in offene_fristen(&st.db, u.tenant_id()).await? {
        let e = datum(&f.ende);
        // The decision deadline of the vereinfachtes Verfahren may be extended once, before
        // it ends, by at most two months (§ 65 Abs. 2 HBO).
        let verlaengerbar_bis = match (f.art.as_str(), f.verfahren.as_deref(), e) {
            ("entscheidung", Some("vereinfacht"), Some(e))
                if f.verlaengerungen == 0 && heute <= e =>
            {
                spaetestes_verlaengertes_ende(e, VERLAENGERUNG_HOECHSTENS).ok()
            }
            _ => None,
        };
        let zeile = json!({
            "verlaengerbar_bis": verlaengerbar_bis.map(ymd),
            "verlaengerbar_bis_de": verlaengerbar_bis.map(frist::tag_de),
            "id": f.id, "vorgang_id": f.vorgang_id, "art": frist_art_text(&f.art), "art_code": f.art,
            "ende": e.map(frist::datum_de), "rest": e.map(|e| resttage_text(heute, e)),
            "knapp": e.is_some_and(|e| frist::tage_bis(heute, e) <= 7),
            "rechtsgrundlage": f.rechtsgrundlage,
            "aktenzeichen": f.aktenzeichen.unwrap_or_default(), "bezeichnung": f.bezeichnung,
            "min_datum": ymd(heute.succ_opt().unwrap_or(heute)),
        });
        if f.zustand == "faellig" {
            faellig.push(zeile);
        } else {
            laufend.push(zeile);
        }
    }
    render(
        "fristen.html",
        context! { layout => crate::pages::layout(&u, "/eingang"), faellig, laufend },
    )
}

/// The deadline and its case, if the case belongs to this case worker's tenant; else 404.
async fn frist_der_bauaufsicht(
    st: &AppState,
    u: &CurrentUser,
    fid: i64,
) -> Result<(Frist, Antrag), AppError> {
    if !ist_bauaufsicht(u) {
        return Err(AppError::NotFound);
    }
    let f = st.db.frist(fid).await?;
    let a = st.db.antrag(f.vorgang_id).await?;
    if a.tenant_id != u.tenant_id() {
        return Err(AppError::NotFound);
    }
    Ok((f, a))
}

async fn ruecknahmefiktion_feststellen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(fid): Path<i64>,
) -> PageResult<Redirect> {
    let (f, a) = frist_der_bauaufsicht(&st, &u, fid).await?;
    if f.art != "nachforderung" {
        return Err(AppError::Conflict(
            "Die Rücknahmefiktion folgt nur aus einer versäumten Nachforderungsfrist.".into(),
        ));
    }
    let now = now_millis();
    let ende = datum(&f.ende)
        .map(frist::datum_de)
        .unwrap_or(f.ende.clone());
    let text = format!(
        "Die Frist zur Nachreichung der Unterlagen ist am {ende} abgelaufen. Die Rücknahmefiktion ({RECHTSGRUNDLAGE_NACHFORDERUNG}) wurde festgestellt von {}.",
        u.member().user.display_name
    );
    let mailtext = format!(
        "Die Frist zur Nachreichung der angeforderten Unterlagen ist am {ende} abgelaufen, ohne dass die Unterlagen eingegangen sind.\nIhr Antrag gilt daher als zurückgenommen ({RECHTSGRUNDLAGE_NACHFORDERUNG})."
    );
    let mut tx = st.db.begin().await?;
    if !Db::wechsle_fristzustand(&mut tx, f.id, "faellig", "ausgeloest", now).await? {
        return Err(AppError::Conflict(
            "Für diese Frist wurde bereits entschieden (Rücknahmefiktion festgestellt, Frist verlängert oder erledigt). Bitte laden Sie die Seite neu."
                .into(),
        ));
    }
    // The fiction is fired by the system (no person may fire it, `darf_ausloesen`); the
    // confirming case worker is named in the timeline text and in the audit log.
    ablauf::wechsle(
        &st,
        &mut tx,
        &a,
        Wechsel {
            ereignis: Ereignis::RuecknahmefiktionEintreten,
            akteur: None,
            text: &text,
            mail: Some(("Antrag gilt als zurückgenommen", &mailtext)),
            frist: None,
        },
        now,
    )
    .await?;
    Db::audit(
        &mut tx,
        AuditEvent {
            tenant_id: Some(a.tenant_id),
            actor_user_id: Some(u.user_id()),
            action: "ruecknahmefiktion_festgestellt",
            object_type: "vorgang",
            object_id: Some(a.id.to_string()),
            detail: json!({"frist_id": f.id, "frist_ende": f.ende}),
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to("/fristen"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VerlaengerungForm {
    neues_ende: String,
    grund: String,
}

async fn frist_verlaengern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(fid): Path<i64>,
    Form(form): Form<VerlaengerungForm>,
) -> PageResult<Redirect> {
    let (f, a) = frist_der_bauaufsicht(&st, &u, fid).await?;
    if f.art == "entscheidung" {
        return entscheidungsfrist_verlaengern(&st, &u, &f, &a, &form).await;
    }
    if f.art != "nachforderung" {
        return Err(AppError::Conflict(
            "Hier können nur Nachforderungsfristen und die Entscheidungsfrist verlängert werden."
                .into(),
        ));
    }
    if !matches!(f.zustand.as_str(), "laeuft" | "faellig") {
        return Err(AppError::Conflict(
            "Diese Frist ist nicht mehr offen und kann nicht verlängert werden.".into(),
        ));
    }
    let heute = heute_berlin();
    let grund = grund_der_verlaengerung(&form)?;
    let neu = frist::parse_datum(&form.neues_ende)
        .map_err(|e| AppError::Invalid(format!("Neues Fristende: {e}")))?;
    if neu <= heute {
        return Err(AppError::Invalid(
            "Das neue Fristende muss nach dem heutigen Tag liegen.".into(),
        ));
    }
    if datum(&f.ende).is_some_and(|alt| neu <= alt) {
        return Err(AppError::Invalid(
            "Das neue Fristende muss nach dem bisherigen Fristende liegen.".into(),
        ));
    }
    if !frist::ist_arbeitstag(neu) {
        return Err(AppError::Invalid(format!(
            "Der {} ist kein Werktag in Hessen (Samstag, Sonntag oder Feiertag). Bitte wählen Sie einen Werktag als Fristende.",
            frist::tag_de(neu)
        )));
    }
    if frist::tage_bis(heute, neu) > 366 {
        return Err(AppError::Invalid(
            "Das neue Fristende darf höchstens ein Jahr in der Zukunft liegen.".into(),
        ));
    }
    let alt_de = datum(&f.ende)
        .map(frist::datum_de)
        .unwrap_or(f.ende.clone());
    let neu_de = frist::datum_de(neu);
    let erklaerung = format!(
        "{}\nVerlängert am {} von {alt_de} bis {} (behördlich gesetzt). Grund: {grund}",
        f.erklaerung,
        frist::tag_de(heute),
        frist::tag_de(neu)
    );
    let text = format!("Nachforderungsfrist verlängert von {alt_de} bis {neu_de}. Grund: {grund}");
    let mailtext = format!(
        "Die Bauaufsicht hat die Frist zur Nachreichung der Unterlagen verlängert: Sie endet jetzt am {}.\nGrund: {grund}",
        frist::tag_de(neu)
    );
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    schreibe_verlaengerung(
        &st,
        &u,
        &mut tx,
        &a,
        Verlaengerung {
            frist_id: f.id,
            art: "frist_verlaengert",
            neu,
            erklaerung: &erklaerung,
            text: &text,
            titel: "Frist verlängert",
            mailtext: &mailtext,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to("/fristen"))
}

/// The reason of an extension, checked: given, at most 1000 characters.
fn grund_der_verlaengerung(form: &VerlaengerungForm) -> Result<&str, AppError> {
    let grund = form.grund.trim();
    if grund.is_empty() {
        return Err(AppError::Invalid(
            "Bitte geben Sie den Grund der Verlängerung an.".into(),
        ));
    }
    if grund.chars().count() > 1000 {
        return Err(AppError::Invalid(
            "Der Grund ist zu lang (höchstens 1000 Zeichen).".into(),
        ));
    }
    Ok(grund)
}

/// An extension of a deadline as it is written.
struct Verlaengerung<'a> {
    frist_id: i64,
    /// The timeline kind.
    art: &'a str,
    neu: NaiveDate,
    erklaerung: &'a str,
    text: &'a str,
    titel: &'a str,
    mailtext: &'a str,
}

/// Writes an extension in the caller's transaction: the new end (only of an open deadline),
/// the timeline entry and the mail to the applicants.
async fn schreibe_verlaengerung(
    st: &AppState,
    u: &CurrentUser,
    tx: &mut plankammer_storage::Conn,
    a: &Antrag,
    v: Verlaengerung<'_>,
    now: plankammer_storage::Millis,
) -> Result<(), AppError> {
    Db::verlaengere_frist(tx, v.frist_id, &ymd(v.neu), v.erklaerung, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(
                "Diese Frist ist nicht mehr offen und kann nicht verlängert werden.".into(),
            ),
            e => e.into(),
        })?;
    Db::ereignis(
        tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: v.art,
            zustand: None,
            status_code: None,
            text: v.text,
        },
        now,
    )
    .await?;
    let z = ablauf::zustand(a)?;
    ablauf::benachrichtige(
        st,
        tx,
        a,
        Mitteilung {
            titel: v.titel,
            text: v.mailtext,
            status: Some(ablauf::statuszeile(z, ablauf::verfahren(a))),
            frist: Some(&frist::datum_de(v.neu)),
            an: ablauf::An::Antragsteller,
            pfad: None,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The one extension of the decision deadline in the vereinfachtes Verfahren (§ 65 Abs. 2
/// Satz 2 HBO): before it ends, by at most two months, to a Werktag, with a reason; on the
/// timeline and mailed to the applicants, since it postpones their Genehmigungsfiktion.
async fn entscheidungsfrist_verlaengern(
    st: &AppState,
    u: &CurrentUser,
    f: &Frist,
    a: &Antrag,
    form: &VerlaengerungForm,
) -> PageResult<Redirect> {
    if ablauf::verfahren(a) != Some(Verfahrensart::VereinfachtesVerfahren) {
        return Err(AppError::Conflict(
            "Nur die Entscheidungsfrist des vereinfachten Verfahrens (§ 65 Abs. 2 HBO) kann verlängert werden."
                .into(),
        ));
    }
    if f.zustand != "laeuft" {
        return Err(AppError::Conflict(
            "Diese Frist ist nicht mehr offen und kann nicht verlängert werden.".into(),
        ));
    }
    let grund = grund_der_verlaengerung(form)?;
    let alt = datum(&f.ende).ok_or_else(|| AppError::internal("stored deadline end unreadable"))?;
    let neu = frist::parse_datum(&form.neues_ende)
        .map_err(|e| AppError::Invalid(format!("Neues Fristende: {e}")))?;
    let bisher = st
        .db
        .ereignisse(a.id)
        .await?
        .iter()
        .filter(|e| e.art == ENTSCHEIDUNGSFRIST_VERLAENGERT)
        .count();
    let heute = heute_berlin();
    verlaengerung_zulaessig(
        u32::try_from(bisher).unwrap_or(u32::MAX),
        alt,
        neu,
        VERLAENGERUNG_HOECHSTENS,
        heute,
    )
    .map_err(|e| AppError::Invalid(e.to_string()))?;
    let (alt_de, neu_de) = (frist::datum_de(alt), frist::datum_de(neu));
    let erklaerung = format!(
        "{}\nEinmalig verlängert am {} von {alt_de} bis {} (§ 65 Abs. 2 Satz 2 HBO). Grund: {grund}",
        f.erklaerung,
        frist::tag_de(heute),
        frist::tag_de(neu)
    );
    let text = format!(
        "Entscheidungsfrist einmalig verlängert von {alt_de} bis {neu_de} (§ 65 Abs. 2 Satz 2 HBO). Grund: {grund}"
    );
    let mailtext = format!(
        "Die Bauaufsicht hat die Frist für die Entscheidung über Ihren Antrag einmalig verlängert (§ 65 Abs. 2 Satz 2 HBO): Sie endet jetzt am {}.\nGrund: {grund}",
        frist::tag_de(neu)
    );
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    // The count above is read outside the transaction; the timeline entry is the record of
    // the one extension, so check again inside it before writing — after locking the case
    // row: on PostgreSQL (read committed) a second extension running at the same time would
    // not see the first one's uncommitted entry; with the lock it waits and then sees it.
    Db::sperre_vorgang(&mut tx, a.id).await?;
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ereignisse WHERE vorgang_id = $1 AND art = $2")
            .bind(a.id)
            .bind(ENTSCHEIDUNGSFRIST_VERLAENGERT)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| AppError::from(StoreError::from(e)))?;
    if n > 0 {
        return Err(AppError::Invalid(
            plankammer_domain::bescheid::VerlaengerungsFehler::SchonVerlaengert.to_string(),
        ));
    }
    schreibe_verlaengerung(
        st,
        u,
        &mut tx,
        a,
        Verlaengerung {
            frist_id: f.id,
            art: ENTSCHEIDUNGSFRIST_VERLAENGERT,
            neu,
            erklaerung: &erklaerung,
            text: &text,
            titel: "Entscheidungsfrist verlängert",
            mailtext: &mailtext,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to("/fristen"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(format: &str, text: &str) -> SeitenStand {
        SeitenStand {
            format: format.into(),
            text: normalisiere_text(text),
        }
    }

    #[test]
    fn pages_differ_by_format_text_or_presence() {
        let alt = BTreeMap::from([
            (1, s("A3 quer", "Grundriss EG")),
            (2, s("A3 quer", "Grundriss  OG\n")),
            (3, s("A4 hoch", "Legende")),
        ]);
        let neu = BTreeMap::from([
            (1, s("A3 quer", "Grundriss\nEG")),
            (2, s("A2 quer", "Grundriss OG")),
            (4, s("A4 hoch", "neu")),
        ]);
        let d = seitenunterschiede(&alt, &neu);
        assert_eq!(
            d,
            vec![
                (2, "Format geändert (A3 quer → A2 quer)".to_string()),
                (3, "Seite entfallen".to_string()),
                (4, "Seite hinzugekommen".to_string()),
            ]
        );
    }

    #[test]
    fn days_left_read_as_german() {
        let h = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(resttage_text(h, h), "endet heute");
        assert_eq!(resttage_text(h, h.succ_opt().unwrap()), "noch 1 Tag");
        assert_eq!(
            resttage_text(h, NaiveDate::from_ymd_opt(2026, 3, 12).unwrap()),
            "noch 10 Tage"
        );
        assert_eq!(
            resttage_text(h, NaiveDate::from_ymd_opt(2026, 2, 27).unwrap()),
            "seit 3 Tagen abgelaufen"
        );
    }
}
