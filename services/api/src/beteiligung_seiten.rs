//! The Bauaufsicht's side of the Beteiligung: the overview of every request of a case, the
//! form that asks one or more Stellen in one step (deadline proposed by the engine, or set
//! by the case worker and recorded as "behördlich gesetzt"), withdrawing and extending a
//! request, and the cross-case view of all running requests of the tenant.
//!
//! The requests, their timeline entries and the move of the case to "Beteiligung" (08) are
//! written in one transaction.

use crate::ablauf::{self, Wechsel};
use crate::antrag_seiten::heute_berlin;
use crate::auth::CurrentUser;
use crate::templates::render;
use crate::vorgang_seiten::akteur;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use minijinja::context;
use plankammer_domain::beteiligung::{
    BeteiligungsZustand, Fristvorschlag, Rolle, Schweigefolge, behoerdlich_gesetzt,
    fristvorschlag_standard,
};
use plankammer_domain::frist;
use plankammer_domain::vorgang::{Ereignis, Zustand, uebergang_im_verfahren};
use plankammer_domain::{Role, zeit};
use plankammer_storage::antrag::{Antrag, NeuesEreignis};
use plankammer_storage::beteiligung::{Beteiligung, NeueBeteiligung, OFFEN, Stelle};
use plankammer_storage::{Db, StoreError, now_millis};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/vorgaenge/{id}/beteiligung",
            get(beteiligung_seite).post(stellen_anfragen),
        )
        .route("/beteiligungen", get(beteiligungen_seite))
        .route(
            "/beteiligungen/{bid}/zurueckziehen",
            post(beteiligung_zurueckziehen),
        )
        .route(
            "/beteiligungen/{bid}/verlaengern",
            post(beteiligung_verlaengern),
        )
}

/// Longest note or Rechtsbereich of one request.
const MAX_TEXT: usize = 2000;
/// Longest reason of a withdrawal or extension.
const MAX_GRUND: usize = 1000;

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

/// The request and its case, if the case belongs to this case worker's tenant; else 404.
async fn beteiligung_der_bauaufsicht(
    st: &AppState,
    u: &CurrentUser,
    bid: i64,
) -> Result<(Beteiligung, Antrag), AppError> {
    if !ist_bauaufsicht(u) {
        return Err(AppError::NotFound);
    }
    let b = st.db.beteiligung(bid).await?;
    let a = st.db.antrag(b.vorgang_id).await?;
    if a.tenant_id != u.tenant_id() {
        return Err(AppError::NotFound);
    }
    Ok((b, a))
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn datum(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// How the Schweigefolge is stored: 'zustimmung', 'einvernehmen' or 'keine'.
pub fn schweigefolge_code(f: Schweigefolge) -> &'static str {
    match f {
        Schweigefolge::ZustimmungFingiert => "zustimmung",
        Schweigefolge::EinvernehmenFingiert => "einvernehmen",
        Schweigefolge::Keine => "keine",
    }
}

fn schweigefolge_aus_code(code: &str) -> Schweigefolge {
    match code {
        "zustimmung" => Schweigefolge::ZustimmungFingiert,
        "einvernehmen" => Schweigefolge::EinvernehmenFingiert,
        _ => Schweigefolge::Keine,
    }
}

/// What silence means, for the overview.
fn schweigefolge_text(f: Schweigefolge) -> &'static str {
    match f {
        Schweigefolge::ZustimmungFingiert => "Zustimmung gilt als erteilt",
        Schweigefolge::EinvernehmenFingiert => "Einvernehmen gilt als erteilt",
        Schweigefolge::Keine => "keine gesetzliche Folge",
    }
}

/// The KERN badge modifier of an overview colour.
fn badge(z: BeteiligungsZustand, f: Schweigefolge) -> &'static str {
    match z.ampel_bei(f).klasse() {
        "gruen" => "success",
        "gelb" => "warning",
        "rot" => "danger",
        _ => "info",
    }
}

/// The role a Stelle is asked in by default: a Stelle of a Gemeinde as the Gemeinde.
fn standardrolle(s: &Stelle) -> Rolle {
    if s.gemeinde_ags.is_some() {
        Rolle::Gemeinde
    } else {
        Rolle::Zustaendig
    }
}

fn vorschlag(rolle: Rolle, a: &Antrag, heute: NaiveDate) -> Result<Fristvorschlag, AppError> {
    let v = ablauf::verfahren(a).ok_or_else(|| {
        AppError::Conflict("Für diesen Vorgang ist keine Verfahrensart angegeben.".into())
    })?;
    fristvorschlag_standard(rolle, v, heute).map_err(|e| AppError::Conflict(e.to_string()))
}

/// One request for the overview.
fn beteiligung_view(b: &Beteiligung, heute: NaiveDate) -> Value {
    let z = BeteiligungsZustand::from_slug(&b.zustand);
    let f = schweigefolge_aus_code(&b.schweigefolge);
    let ende = datum(&b.ende);
    let offen = OFFEN.contains(&b.zustand.as_str());
    let rolle = Rolle::from_code(&b.rolle);
    json!({
        "id": b.id,
        "vorgang_id": b.vorgang_id,
        "stelle": b.stelle_name,
        "rolle": rolle.map(Rolle::bezeichnung).unwrap_or(b.rolle.as_str()),
        "rechtsbereich": b.rechtsbereich,
        "notiz": b.notiz,
        "zustand": z.map(|z| z.bezeichnung_bei(f)).unwrap_or(b.zustand.as_str()),
        "zustand_code": b.zustand,
        "badge": z.map(|z| badge(z, f)).unwrap_or("info"),
        "ampel": z.map(|z| z.ampel_bei(f).klasse()).unwrap_or("grau"),
        "ende": ende.map(frist::datum_de).unwrap_or_else(|| b.ende.clone()),
        "rest": if offen { ende.map(|e| crate::pruefung_seiten::resttage_text(heute, e)) } else { None },
        "tage": ende.map(|e| frist::tage_bis(heute, e)),
        "knapp": offen && ende.is_some_and(|e| frist::tage_bis(heute, e) <= 7),
        "rechtsgrundlage": b.rechtsgrundlage,
        "behoerdlich_gesetzt": b.behoerdlich_gesetzt,
        "schweigefolge": schweigefolge_text(f),
        "erklaerung": b.erklaerung.lines().collect::<Vec<_>>(),
        "grund": b.grund,
        "offen": offen,
        "angefragt": zeit::format_berlin(b.angefragt_at),
        "min_datum": ende.and_then(|e| e.succ_opt()).map(ymd),
    })
}

// --- Overview and request form -----------------------------------------------------------

/// One row of the form as the case worker filled it in.
#[derive(Debug, Clone, Default, Serialize)]
struct Zeile {
    gewaehlt: bool,
    rolle: String,
    rechtsbereich: String,
    notiz: String,
    ende: String,
}

/// The form's rows by Stelle id, plus ids chosen that are not offered.
#[derive(Debug, Default)]
struct Eingabe {
    zeilen: BTreeMap<i64, Zeile>,
    ungueltig: Vec<String>,
}

impl Eingabe {
    fn aus_formular(felder: &[(String, String)]) -> Eingabe {
        let mut e = Eingabe::default();
        for (k, v) in felder {
            let v = v.trim();
            if k == "stelle" {
                match v.parse::<i64>() {
                    Ok(id) => e.zeilen.entry(id).or_default().gewaehlt = true,
                    Err(_) => e.ungueltig.push(v.to_string()),
                }
                continue;
            }
            let Some((feld, id)) = k.rsplit_once('_') else {
                continue;
            };
            let Ok(id) = id.parse::<i64>() else {
                continue;
            };
            let z = e.zeilen.entry(id).or_default();
            match feld {
                "rolle" => z.rolle = v.to_string(),
                "rechtsbereich" => z.rechtsbereich = v.to_string(),
                "notiz" => z.notiz = v.to_string(),
                "ende" => z.ende = v.to_string(),
                _ => {}
            }
        }
        e
    }
}

fn darf_beteiligen(z: Zustand) -> bool {
    matches!(
        z,
        Zustand::Vollstaendig | Zustand::Beteiligung | Zustand::BeteiligungAbgeschlossen
    )
}

async fn beteiligung_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    seite_rendern(&st, &u, &a, Eingabe::default(), vec![], StatusCode::OK).await
}

async fn seite_rendern(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
    eingabe: Eingabe,
    fehler: Vec<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let heute = heute_berlin();
    let z = ablauf::zustand(a)?;
    let v = ablauf::verfahren(a);
    let beteiligungen: Vec<Value> = st
        .db
        .beteiligungen(a.id)
        .await?
        .iter()
        .map(|b| beteiligung_view(b, heute))
        .collect();
    let kann_beteiligen = darf_beteiligen(z) && v.is_some();
    let mut stellen = Vec::new();
    if kann_beteiligen {
        for s in st.db.stellen_fuer(u.tenant_id()).await? {
            let standard = standardrolle(&s);
            let zeile = eingabe.zeilen.get(&s.id).cloned().unwrap_or_default();
            let rolle = Rolle::from_code(&zeile.rolle).unwrap_or(standard);
            let mut vorschlaege = Vec::new();
            for r in Rolle::ALL {
                if let Ok(vs) = vorschlag(r, a, heute) {
                    vorschlaege.push(json!({
                        "rolle": r.bezeichnung(), "anzeige": frist::tag_de(vs.letzter_tag()),
                        "dauer": vs.ende.dauer.to_string(), "rechtsgrundlage": vs.rechtsgrundlage,
                    }));
                }
            }
            let vs = vorschlag(rolle, a, heute).ok();
            let ende = if zeile.ende.is_empty() {
                vs.as_ref()
                    .map(|v| ymd(v.letzter_tag()))
                    .unwrap_or_default()
            } else {
                zeile.ende.clone()
            };
            stellen.push(json!({
                "id": s.id, "name": s.name,
                "landesweit": s.tenant_id.is_none(),
                "gemeinde": s.gemeinde_ags.is_some(),
                "gewaehlt": zeile.gewaehlt,
                "rolle": rolle.code(),
                "rechtsbereich": if zeile.rechtsbereich.is_empty() && !zeile.gewaehlt { s.rechtsbereich.clone() } else { zeile.rechtsbereich.clone() },
                "notiz": zeile.notiz,
                "ende": ende,
                "erklaerung": vs.map(|v| v.erklaerung).unwrap_or_default(),
                "vorschlaege": vorschlaege,
            }));
        }
    }
    let rollen: Vec<Value> = Rolle::ALL
        .into_iter()
        .map(|r| json!({"code": r.code(), "name": r.bezeichnung()}))
        .collect();
    let html = render(
        "beteiligung.html",
        context! {
            layout => crate::pages::layout(u, "/beteiligungen"),
            vorgang => context! {
                id => a.id, bezeichnung => a.bezeichnung, aktenzeichen => a.aktenzeichen,
                status => ablauf::statuszeile(z, v),
                verfahren => v.map(|v| v.bezeichnung_mit_paragraph()),
            },
            beteiligungen, stellen, rollen, kann_beteiligen, fehler,
            min_datum => ymd(heute.succ_opt().unwrap_or(heute)),
        },
    )?;
    Ok((status, html).into_response())
}

/// A checked request, ready to store.
struct Anfrage {
    stelle: Stelle,
    rolle: Rolle,
    rechtsbereich: String,
    notiz: String,
    start: NaiveDate,
    ende: NaiveDate,
    rechtsgrundlage: String,
    erklaerung: String,
    behoerdlich: bool,
    schweigefolge: Schweigefolge,
}

async fn stellen_anfragen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let a = antrag_der_bauaufsicht(&st, &u, id).await?;
    let verfahren = ablauf::verfahren(&a).ok_or_else(|| {
        AppError::Conflict("Für diesen Vorgang ist keine Verfahrensart angegeben.".into())
    })?;
    let z = ablauf::zustand(&a)?;
    if let Err(e) = uebergang_im_verfahren(verfahren, z, Ereignis::Beteiligen) {
        return Err(AppError::Conflict(e.meldung));
    }
    let heute = heute_berlin();
    let eingabe = Eingabe::aus_formular(&felder);
    let mut fehler = Vec::new();
    let angebot: HashMap<i64, Stelle> = st
        .db
        .stellen_fuer(u.tenant_id())
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    for x in &eingabe.ungueltig {
        fehler.push(format!("„{x}“ ist keine gültige Stelle."));
    }
    let mut anfragen = Vec::new();
    for (sid, zeile) in eingabe.zeilen.iter().filter(|(_, z)| z.gewaehlt) {
        let Some(stelle) = angebot.get(sid) else {
            fehler.push(format!(
                "Die Stelle mit der Nummer {sid} gibt es nicht oder sie darf von Ihrer Behörde nicht beteiligt werden."
            ));
            continue;
        };
        let name = &stelle.name;
        let rolle = if zeile.rolle.is_empty() {
            standardrolle(stelle)
        } else if let Some(r) = Rolle::from_code(&zeile.rolle) {
            r
        } else {
            fehler.push(format!("{name}: Bitte wählen Sie eine gültige Rolle."));
            continue;
        };
        if zeile.rechtsbereich.chars().count() > MAX_TEXT || zeile.notiz.chars().count() > MAX_TEXT
        {
            fehler.push(format!(
                "{name}: Rechtsbereich und Hinweis dürfen höchstens {MAX_TEXT} Zeichen lang sein."
            ));
            continue;
        }
        let vs = match fristvorschlag_standard(rolle, verfahren, heute) {
            Ok(vs) => vs,
            Err(e) => {
                fehler.push(format!("{name}: {e}"));
                continue;
            }
        };
        let (ende, erklaerung, behoerdlich) = if zeile.ende.is_empty() {
            (vs.letzter_tag(), vs.erklaerung.join("\n"), false)
        } else {
            match frist::parse_datum(&zeile.ende) {
                Err(e) => {
                    fehler.push(format!("{name}: Fristende: {e}"));
                    continue;
                }
                Ok(d) if d == vs.letzter_tag() => (d, vs.erklaerung.join("\n"), false),
                Ok(d) => match behoerdlich_gesetzt(d, heute) {
                    Err(e) => {
                        fehler.push(format!("{name}: {e}"));
                        continue;
                    }
                    Ok(b) => (
                        d,
                        format!(
                            "{}\nVorschlag nach §§ 187 ff. BGB wäre {} gewesen ({}, {}).",
                            b.erklaerung(),
                            frist::tag_de(vs.letzter_tag()),
                            vs.ende.dauer,
                            vs.rechtsgrundlage
                        ),
                        true,
                    ),
                },
            }
        };
        anfragen.push(Anfrage {
            stelle: stelle.clone(),
            rolle,
            rechtsbereich: zeile.rechtsbereich.clone(),
            notiz: zeile.notiz.clone(),
            start: vs.ende.start,
            ende,
            rechtsgrundlage: vs.rechtsgrundlage.clone(),
            erklaerung,
            behoerdlich,
            schweigefolge: vs.schweigefolge,
        });
    }
    if anfragen.is_empty() && fehler.is_empty() {
        fehler
            .push("Bitte wählen Sie mindestens eine Stelle aus, die beteiligt werden soll.".into());
    }
    if !fehler.is_empty() {
        return seite_rendern(
            &st,
            &u,
            &a,
            eingabe,
            fehler,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let fassung_id = st.db.fassungen(a.id).await?.last().map(|f| f.id);
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    if z != Zustand::Beteiligung {
        let text = format!(
            "Beteiligung der Stellen eingeleitet ({} {}).",
            anfragen.len(),
            if anfragen.len() == 1 {
                "Stelle"
            } else {
                "Stellen"
            }
        );
        ablauf::wechsle(
            &st,
            &mut tx,
            &a,
            Wechsel {
                ereignis: Ereignis::Beteiligen,
                akteur: Some(&akteur(&u)),
                text: &text,
                mail: Some((
                    "Beteiligung der Stellen",
                    "Die Bauaufsicht hat die für Ihren Antrag zuständigen Stellen um ihre Stellungnahme gebeten. Sie werden benachrichtigt, sobald es weitergeht.",
                )),
                frist: None,
            },
            now,
        )
        .await?;
    }
    for an in &anfragen {
        let bid = Db::frage_stelle_an(
            &mut tx,
            &NeueBeteiligung {
                vorgang_id: a.id,
                stelle_id: an.stelle.id,
                rolle: an.rolle.code(),
                rechtsbereich: &an.rechtsbereich,
                notiz: &an.notiz,
                umfang: None,
                fassung_id,
                start: &ymd(an.start),
                ende: &ymd(an.ende),
                rechtsgrundlage: &an.rechtsgrundlage,
                erklaerung: &an.erklaerung,
                behoerdlich_gesetzt: an.behoerdlich,
                schweigefolge: schweigefolge_code(an.schweigefolge),
                user_id: u.user_id(),
            },
            now,
        )
        .await?;
        let text = format!(
            "Stelle „{}“ beteiligt als {} (Anfrage {bid}), Frist bis {}{}.",
            an.stelle.name,
            an.rolle.bezeichnung(),
            frist::datum_de(an.ende),
            if an.behoerdlich {
                " (behördlich gesetzt)"
            } else {
                ""
            }
        );
        Db::ereignis(
            &mut tx,
            &NeuesEreignis {
                vorgang_id: a.id,
                user_id: Some(u.user_id()),
                art: "beteiligung_angefragt",
                zustand: None,
                status_code: None,
                text: &text,
            },
            now,
        )
        .await?;
    }
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}/beteiligung", a.id)).into_response())
}

// --- Withdraw and extend ------------------------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct GrundForm {
    grund: String,
    neues_ende: String,
}

fn pruefe_grund(grund: &str, was: &str) -> Result<(), AppError> {
    if grund.is_empty() {
        return Err(AppError::Invalid(format!(
            "Bitte geben Sie den Grund {was} an."
        )));
    }
    if grund.chars().count() > MAX_GRUND {
        return Err(AppError::Invalid(format!(
            "Der Grund ist zu lang (höchstens {MAX_GRUND} Zeichen)."
        )));
    }
    Ok(())
}

fn nicht_offen() -> AppError {
    AppError::Conflict(
        "Diese Anfrage ist nicht mehr offen (Stellungnahme abgegeben, Frist abgelaufen oder zurückgezogen). Bitte laden Sie die Seite neu."
            .into(),
    )
}

async fn beteiligung_zurueckziehen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(form): Form<GrundForm>,
) -> PageResult<Redirect> {
    let (b, a) = beteiligung_der_bauaufsicht(&st, &u, bid).await?;
    if !OFFEN.contains(&b.zustand.as_str()) {
        return Err(nicht_offen());
    }
    let grund = form.grund.trim();
    pruefe_grund(grund, "der Rücknahme")?;
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    if !Db::wechsle_beteiligungszustand(
        &mut tx,
        b.id,
        &b.zustand,
        BeteiligungsZustand::Zurueckgezogen.slug(),
        Some(grund),
        now,
    )
    .await?
    {
        return Err(nicht_offen());
    }
    let text = format!(
        "Anfrage an „{}“ zurückgezogen. Grund: {grund}",
        b.stelle_name
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "beteiligung_zurueckgezogen",
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}/beteiligung", a.id)))
}

async fn beteiligung_verlaengern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(form): Form<GrundForm>,
) -> PageResult<Redirect> {
    let (b, a) = beteiligung_der_bauaufsicht(&st, &u, bid).await?;
    if !OFFEN.contains(&b.zustand.as_str()) {
        return Err(nicht_offen());
    }
    let grund = form.grund.trim();
    pruefe_grund(grund, "der Verlängerung")?;
    let heute = heute_berlin();
    let neu = frist::parse_datum(&form.neues_ende)
        .map_err(|e| AppError::Invalid(format!("Neues Fristende: {e}")))?;
    let alt = datum(&b.ende);
    if alt.is_some_and(|alt| neu <= alt) {
        return Err(AppError::Invalid(
            "Das neue Fristende muss nach dem bisherigen Fristende liegen.".into(),
        ));
    }
    let gesetzt = behoerdlich_gesetzt(neu, heute).map_err(|e| AppError::Invalid(e.to_string()))?;
    let alt_de = alt.map(frist::datum_de).unwrap_or_else(|| b.ende.clone());
    let neu_de = frist::datum_de(neu);
    let erklaerung = format!(
        "{}\nVerlängert am {} von {alt_de} bis {}. Grund: {grund}\n{}",
        b.erklaerung,
        frist::tag_de(heute),
        frist::tag_de(neu),
        gesetzt.erklaerung()
    );
    let text = format!(
        "Frist der Anfrage an „{}“ verlängert von {alt_de} bis {neu_de}. Grund: {grund}",
        b.stelle_name
    );
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    Db::verlaengere_beteiligung(&mut tx, b.id, &ymd(neu), &erklaerung, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => nicht_offen(),
            e => e.into(),
        })?;
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "beteiligung_verlaengert",
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!("/vorgaenge/{}/beteiligung", a.id)))
}

// --- Cross-case view ------------------------------------------------------------------------

async fn beteiligungen_seite(
    State(st): State<AppState>,
    u: CurrentUser,
) -> PageResult<Html<String>> {
    u.require(|r| r == Role::Bauaufsicht)?;
    let heute = heute_berlin();
    let mut faelle: HashMap<i64, (Option<String>, String)> = HashMap::new();
    let mut zeilen = Vec::new();
    for b in st.db.laufende_beteiligungen(u.tenant_id()).await? {
        if let std::collections::hash_map::Entry::Vacant(e) = faelle.entry(b.vorgang_id) {
            let a = st.db.antrag(b.vorgang_id).await?;
            e.insert((a.aktenzeichen, a.bezeichnung));
        }
        let (az, bez) = faelle.get(&b.vorgang_id).cloned().unwrap_or_default();
        let mut v = beteiligung_view(&b, heute);
        v["aktenzeichen"] = json!(az.unwrap_or_default());
        v["bezeichnung"] = json!(bez);
        zeilen.push(v);
    }
    render(
        "beteiligungen.html",
        context! { layout => crate::pages::layout(&u, "/beteiligungen"), zeilen },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schweigefolge_codes_round_trip() {
        for f in [
            Schweigefolge::ZustimmungFingiert,
            Schweigefolge::EinvernehmenFingiert,
            Schweigefolge::Keine,
        ] {
            assert_eq!(schweigefolge_aus_code(schweigefolge_code(f)), f);
        }
    }

    #[test]
    fn form_rows_are_grouped_by_stelle() {
        let f = |k: &str, v: &str| (k.to_string(), v.to_string());
        let e = Eingabe::aus_formular(&[
            f("stelle", "3"),
            f("rolle_3", "3"),
            f("ende_3", "2026-05-04"),
            f("notiz_7", "x"),
            f("stelle", "abc"),
        ]);
        assert!(e.zeilen[&3].gewaehlt);
        assert_eq!(e.zeilen[&3].rolle, "3");
        assert_eq!(e.zeilen[&3].ende, "2026-05-04");
        assert!(!e.zeilen[&7].gewaehlt);
        assert_eq!(e.ungueltig, vec!["abc".to_string()]);
    }
}
