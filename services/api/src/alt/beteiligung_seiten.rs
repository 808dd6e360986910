//! The Bauaufsicht's side of the Beteiligung: the overview of every request of a case, the
//! form that asks one or more Stellen in one step (deadline proposed by the engine, or set
//! by the case worker and recorded as "behördlich gesetzt"), withdrawing and extending a
//! request, and the cross-case view of all running requests of the tenant. Per request it
//! also shows what came back: Rückfragen to answer (with the decision whether the question
//! suspended the deadline, and passing it on to the applicants), the Stellungnahmen (late
//! ones with the decision to consider them), whether the Stelle sees other Stellen's plan
//! comments, and sharing a later Fassung with the Stelle.
//!
//! The requests, their timeline entries and the move of the case to "Beteiligung" (08) are
//! written in one transaction.

use crate::ablauf::{self, Mitteilung, Wechsel};
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
        .route(
            "/beteiligungen/{bid}/rueckfragen/{rid}/antwort",
            post(rueckfrage_beantworten),
        )
        .route(
            "/beteiligungen/{bid}/rueckfragen/{rid}/weitergeben",
            post(rueckfrage_weitergeben),
        )
        .route(
            "/beteiligungen/{bid}/stellungnahmen/{sid}/entscheidung",
            post(verspaetete_entscheiden),
        )
        .route(
            "/beteiligungen/{bid}/sichtbarkeit",
            post(sichtbarkeit_setzen),
        )
        .route("/beteiligungen/{bid}/fassung", post(fassung_teilen))
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
    /// The scope checkboxes were on the form (so an empty `umfang` means "none chosen").
    umfang_angezeigt: bool,
    /// Document ids ticked as in scope.
    umfang: Vec<i64>,
    /// Values of scope checkboxes that are no document id.
    umfang_ungueltig: bool,
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
                "umfang_angezeigt" => z.umfang_angezeigt = true,
                "umfang" => match v.parse::<i64>() {
                    Ok(d) if !z.umfang.contains(&d) => z.umfang.push(d),
                    Ok(_) => {}
                    Err(_) => z.umfang_ungueltig = true,
                },
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
    let fassungen = st.db.fassungen(a.id).await?;
    let nummer_von: HashMap<i64, i64> = fassungen.iter().map(|f| (f.id, f.nummer)).collect();
    let mut beteiligungen: Vec<Value> = Vec::new();
    for b in st.db.beteiligungen(a.id).await? {
        let mut v = beteiligung_view(&b, heute);
        let rueckfragen = st.db.rueckfragen(b.id).await?;
        let stellungnahmen = st.db.stellungnahmen(b.id).await?;
        let eigene = b.fassung_id.and_then(|f| nummer_von.get(&f)).copied();
        let geteilt = b
            .freigegeben_fassung_id
            .and_then(|f| nummer_von.get(&f))
            .copied();
        v["rueckfragen"] = json!(crate::fachstelle_seiten::rueckfragen_view(&rueckfragen));
        v["offene_rueckfragen"] = json!(rueckfragen.iter().filter(|r| r.antwort.is_none()).count());
        v["stellungnahmen"] = json!(
            crate::fachstelle_seiten::stellungnahmen_mit_anlagen(&st.db, b.id, &stellungnahmen)
                .await?
        );
        v["andere_kommentare_sichtbar"] = json!(b.andere_kommentare_sichtbar);
        v["fassung"] = json!(eigene);
        v["geteilte_fassung"] = json!(geteilt);
        v["spaetere_fassungen"] = json!(
            fassungen
                .iter()
                .filter(|f| eigene.is_some_and(|n| f.nummer > n) && Some(f.nummer) != geteilt)
                .map(|f| json!({"id": f.id, "nummer": f.nummer}))
                .collect::<Vec<_>>()
        );
        beteiligungen.push(v);
    }
    // The plans of the newest Fassung, for the viewer with every Stelle's comments.
    let plaene: Vec<Value> = match fassungen.last() {
        Some(f) => st
            .db
            .fassung_dokumente(f.id)
            .await?
            .into_iter()
            .map(|d| json!({"version_id": d.version_id, "dokument_id": d.dokument_id, "bezeichnung": d.bezeichnung, "dateiname": d.dateiname, "fassung": f.nummer}))
            .collect(),
        None => vec![],
    };
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
            let umfang: Vec<Value> = plaene
                .iter()
                .map(|p| {
                    let id = p["dokument_id"].as_i64().unwrap_or_default();
                    json!({"id": id, "bezeichnung": p["bezeichnung"], "dateiname": p["dateiname"],
                        "gewaehlt": !zeile.umfang_angezeigt || zeile.umfang.contains(&id)})
                })
                .collect();
            stellen.push(json!({
                "umfang": umfang,
                "umfang_alle": !zeile.umfang_angezeigt || plaene.iter().all(|p| zeile.umfang.contains(&p["dokument_id"].as_i64().unwrap_or_default())),
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
            beteiligungen, stellen, rollen, kann_beteiligen, fehler, plaene,
            min_datum => ymd(heute.succ_opt().unwrap_or(heute)),
        },
    )?;
    Ok((status, html).into_response())
}

/// A checked request, ready to store.
struct Anfrage {
    stelle: Stelle,
    /// Document ids in scope; `None`: all.
    umfang: Option<Vec<i64>>,
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
    // The documents of the newest Fassung: what a request can be about.
    let fassung = st.db.fassungen(a.id).await?.last().map(|f| f.id);
    let dokumente: Vec<i64> = match fassung {
        Some(f) => st
            .db
            .fassung_dokumente(f)
            .await?
            .iter()
            .map(|d| d.dokument_id)
            .collect(),
        None => Vec::new(),
    };
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
        // The documents in scope: all (None) unless some were unticked.
        let umfang = if !zeile.umfang_angezeigt {
            None
        } else if zeile.umfang_ungueltig || zeile.umfang.iter().any(|d| !dokumente.contains(d)) {
            fehler.push(format!(
                "{name}: Bitte wählen Sie nur Unterlagen dieses Vorgangs aus."
            ));
            continue;
        } else if zeile.umfang.is_empty() {
            fehler.push(format!(
                "{name}: Bitte wählen Sie mindestens eine Unterlage aus, zu der die Stelle Stellung nehmen soll."
            ));
            continue;
        } else if dokumente.iter().all(|d| zeile.umfang.contains(d)) {
            None
        } else {
            let mut u = zeile.umfang.clone();
            u.sort_unstable();
            Some(u)
        };
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
            umfang,
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
    let fassung_id = fassung;
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    // The case row first (the state read above may be stale: a last Stellungnahme may have
    // closed the Beteiligung meanwhile), then whether a Bescheid is being issued.
    if Db::sperre_vorgang(&mut tx, a.id).await? != a.zustand {
        return Err(AppError::Conflict(
            "Der Vorgang wurde inzwischen von jemand anderem geändert. Bitte laden Sie die Seite neu.".into(),
        ));
    }
    if Db::erlass_laeuft(&mut tx, a.id).await? {
        return Err(erlass_laeuft());
    }
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
                umfang: an.umfang.as_deref(),
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
        // The Stelle's members are asked by mail, with what they need to plan their work.
        let mut mailtext = format!(
            "{} bittet Ihre Stelle „{}“ als {} um eine Stellungnahme.\nFrist: bis {} ({}){}.\nWenn bis dahin keine Stellungnahme eingeht: {}.\nUnterlagen: {}.",
            u.member().tenant.name,
            an.stelle.name,
            an.rolle.bezeichnung(),
            frist::tag_de(an.ende),
            an.rechtsgrundlage,
            if an.behoerdlich {
                ", behördlich gesetzt"
            } else {
                ""
            },
            schweigefolge_text(an.schweigefolge),
            match &an.umfang {
                None => "alle Unterlagen des Antrags".to_string(),
                Some(d) if d.len() == 1 => "1 ausgewählte Unterlage".to_string(),
                Some(d) => format!("{} ausgewählte Unterlagen", d.len()),
            }
        );
        if !an.notiz.is_empty() {
            mailtext.push_str(&format!("\nHinweis der Bauaufsicht: {}", an.notiz));
        }
        let ende_de = frist::datum_de(an.ende);
        ablauf::benachrichtige(
            &st,
            &mut tx,
            &a,
            Mitteilung {
                titel: "Bitte um Stellungnahme",
                text: &mailtext,
                status: None,
                frist: Some(&ende_de),
                an: ablauf::An::Stelle(an.stelle.id),
                pfad: Some(&format!("/beteiligungen/{bid}")),
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

/// A Bescheid of the case is being issued: no more Stellen can be asked.
fn erlass_laeuft() -> AppError {
    AppError::Conflict(
        "Der Bescheid zu diesem Vorgang wird gerade erlassen. Solange das läuft, können keine weiteren Stellen beteiligt werden."
            .into(),
    )
}

/// The deadline of an open request has passed (its legal effect took place at midnight,
/// even if the hourly job has not recorded it yet): it can be neither extended nor suspended.
fn frist_abgelaufen(b: &Beteiligung, was: &str) -> AppError {
    let ende = datum(&b.ende)
        .map(frist::datum_de)
        .unwrap_or_else(|| b.ende.clone());
    let folge = match schweigefolge_aus_code(&b.schweigefolge) {
        Schweigefolge::ZustimmungFingiert => format!(
            "Die Zustimmung der Stelle gilt damit als erteilt ({}).",
            b.rechtsgrundlage
        ),
        Schweigefolge::EinvernehmenFingiert => format!(
            "Das Einvernehmen der Gemeinde gilt damit als erteilt ({}).",
            b.rechtsgrundlage
        ),
        Schweigefolge::Keine => "Eine gesetzliche Folge des Schweigens ist nicht vorgesehen; eine spätere Stellungnahme gilt als verspätet.".to_string(),
    };
    AppError::Conflict(format!(
        "Die Frist der Stelle „{}“ ist am {ende} abgelaufen. {folge} Die Frist kann deshalb nicht mehr {was} werden.",
        b.stelle_name
    ))
}

/// The conflicts of [`Db::verlaengere_beteiligung`] and [`Db::hemme_beteiligungsfrist`].
fn frist_nicht_aenderbar(b: &Beteiligung, was: &'static str) -> impl Fn(StoreError) -> AppError {
    move |e| match e {
        StoreError::Conflict("beteiligungsfrist_abgelaufen") => frist_abgelaufen(b, was),
        StoreError::Conflict(_) => nicht_offen(),
        e => e.into(),
    }
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
    // The case row before the request: a withdrawal may end the last open request, see
    // `fachstelle_seiten::schliesse_wenn_letzte`.
    let vorgangszustand = Db::sperre_vorgang(&mut tx, a.id).await?;
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
    crate::fachstelle_seiten::schliesse_wenn_letzte(&st, &mut tx, &a, &vorgangszustand, now)
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
    let alt = datum(&b.ende);
    if alt.is_some_and(|alt| alt < heute) {
        return Err(frist_abgelaufen(&b, "verlängert"));
    }
    let neu = frist::parse_datum(&form.neues_ende)
        .map_err(|e| AppError::Invalid(format!("Neues Fristende: {e}")))?;
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
    Db::verlaengere_beteiligung(&mut tx, b.id, &ymd(neu), &erklaerung, &ymd(heute), now)
        .await
        .map_err(frist_nicht_aenderbar(&b, "verlängert"))?;
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

// --- What came back: Rückfragen, Stellungnahmen, visibility, a later Fassung -------------

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct AntwortForm {
    antwort: String,
    hemmt_frist: Option<String>,
}

/// The Berlin calendar day of a point in time.
fn tag(ms: plankammer_storage::Millis) -> Option<NaiveDate> {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(plankammer_storage::uhr::berlin_datum)
}

/// The end of a deadline suspended for `tage` days (§ 209 BGB): the old end plus the days
/// the Rückfrage was open, moved to the next Werktag (§ 193 BGB).
pub fn gehemmtes_ende(ende: NaiveDate, tage: u64) -> NaiveDate {
    let mut neu = ende
        .checked_add_days(chrono::Days::new(tage))
        .unwrap_or(ende);
    while !frist::ist_arbeitstag(neu) {
        match neu.succ_opt() {
            Some(n) => neu = n,
            None => break,
        }
    }
    neu
}

async fn rueckfrage_der_bauaufsicht(
    st: &AppState,
    u: &CurrentUser,
    bid: i64,
    rid: i64,
) -> Result<
    (
        Beteiligung,
        Antrag,
        plankammer_storage::beteiligung::Rueckfrage,
    ),
    AppError,
> {
    let (b, a) = beteiligung_der_bauaufsicht(st, u, bid).await?;
    let r = st.db.rueckfrage(rid).await?;
    if r.beteiligung_id != b.id {
        return Err(AppError::NotFound);
    }
    Ok((b, a, r))
}

async fn rueckfrage_beantworten(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, rid)): Path<(i64, i64)>,
    Form(form): Form<AntwortForm>,
) -> PageResult<Redirect> {
    let (b, a, r) = rueckfrage_der_bauaufsicht(&st, &u, bid, rid).await?;
    let schon = || AppError::Conflict("Diese Rückfrage ist bereits beantwortet.".into());
    if r.antwort.is_some() {
        return Err(schon());
    }
    let antwort = form.antwort.trim();
    if antwort.is_empty() {
        return Err(AppError::Invalid(
            "Bitte geben Sie eine Antwort ein.".into(),
        ));
    }
    if antwort.chars().count() > crate::fachstelle_seiten::MAX_FRAGE {
        return Err(AppError::Invalid(format!(
            "Die Antwort ist zu lang (höchstens {} Zeichen).",
            crate::fachstelle_seiten::MAX_FRAGE
        )));
    }
    let hemmt = form.hemmt_frist.is_some();
    let heute = heute_berlin();
    let offen = OFFEN.contains(&b.zustand.as_str());
    // Hemmung: the days the question was open do not count (only while the deadline runs).
    let hemmung = match (hemmt && offen, tag(r.gestellt_at), datum(&b.ende)) {
        (true, Some(gestellt), Some(ende)) => {
            let tage = (heute - gestellt).num_days().max(0) as u64;
            (tage > 0).then(|| (tage, ende, gehemmtes_ende(ende, tage)))
        }
        _ => None,
    };
    if hemmung.as_ref().is_some_and(|(_, alt, _)| *alt < heute) {
        return Err(frist_abgelaufen(&b, "gehemmt"));
    }
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    if !Db::beantworte_rueckfrage_mit(&mut tx, r.id, antwort, hemmt, u.user_id(), now).await? {
        return Err(schon());
    }
    if b.zustand == BeteiligungsZustand::Rueckfrage.slug() {
        Db::wechsle_beteiligungszustand(
            &mut tx,
            b.id,
            BeteiligungsZustand::Rueckfrage.slug(),
            BeteiligungsZustand::InBearbeitung.slug(),
            None,
            now,
        )
        .await?;
    }
    let mut text = format!("Rückfrage der Stelle „{}“ beantwortet.", b.stelle_name);
    let mut frist_de = datum(&b.ende).map(frist::datum_de);
    if let Some((tage, alt, neu)) = hemmung {
        let erklaerung = format!(
            "{}\nGehemmt durch die Rückfrage vom {} bis {} ({tage} {}, § 209 BGB): Fristende {} statt {}.",
            b.erklaerung,
            frist::datum_de(tag(r.gestellt_at).unwrap_or(heute)),
            frist::datum_de(heute),
            if tage == 1 { "Tag" } else { "Tage" },
            frist::tag_de(neu),
            frist::datum_de(alt),
        );
        Db::hemme_beteiligungsfrist(&mut tx, b.id, &ymd(neu), &erklaerung, &ymd(heute), now)
            .await
            .map_err(frist_nicht_aenderbar(&b, "gehemmt"))?;
        text.push_str(&format!(
            " Die Rückfrage hemmt die Frist um {tage} {}; neues Fristende {}.",
            if tage == 1 { "Tag" } else { "Tage" },
            frist::datum_de(neu)
        ));
        frist_de = Some(frist::datum_de(neu));
    } else if hemmt {
        text.push_str(
            " Die Rückfrage hemmt die Frist; am selben Tag beantwortet, das Fristende bleibt.",
        );
    }
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "beteiligung_rueckfrage_beantwortet",
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    ablauf::benachrichtige(
        &st,
        &mut tx,
        &a,
        Mitteilung {
            titel: "Antwort auf Ihre Rückfrage",
            text: &format!("{text}\nDie Antwort finden Sie auf der Seite der Anfrage."),
            status: None,
            frist: frist_de.as_deref(),
            an: ablauf::An::Stelle(b.stelle_id),
            pfad: Some(&format!("/beteiligungen/{}#rueckfragen", b.id)),
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{}/beteiligung#beteiligung-{}",
        a.id, b.id
    )))
}

async fn rueckfrage_weitergeben(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, rid)): Path<(i64, i64)>,
) -> PageResult<Redirect> {
    let (b, a, r) = rueckfrage_der_bauaufsicht(&st, &u, bid, rid).await?;
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    if !Db::gib_rueckfrage_weiter(&mut tx, r.id, now).await? {
        return Err(AppError::Conflict(
            "Diese Rückfrage ist bereits weitergegeben oder beantwortet.".into(),
        ));
    }
    let text = format!(
        "Rückfrage der Stelle „{}“ an die Antragstellenden weitergegeben.",
        b.stelle_name
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "beteiligung_rueckfrage_weitergegeben",
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    let mailtext = format!(
        "Im Rahmen der Beteiligung hat die Stelle „{}“ eine Frage zu Ihrem Antrag, die die Bauaufsicht an Sie weitergibt:\n\n{}\n\nBitte antworten Sie der Bauaufsicht.",
        b.stelle_name, r.frage
    );
    ablauf::benachrichtige(
        &st,
        &mut tx,
        &a,
        Mitteilung {
            titel: "Rückfrage zu Ihrem Antrag",
            text: &mailtext,
            status: None,
            frist: None,
            an: ablauf::An::Antragsteller,
            pfad: None,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{}/beteiligung#beteiligung-{}",
        a.id, b.id
    )))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct EntscheidungForm {
    beruecksichtigen: String,
}

async fn verspaetete_entscheiden(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, sid)): Path<(i64, i64)>,
    Form(form): Form<EntscheidungForm>,
) -> PageResult<Redirect> {
    let (b, a) = beteiligung_der_bauaufsicht(&st, &u, bid).await?;
    let s = st
        .db
        .stellungnahmen(b.id)
        .await?
        .into_iter()
        .find(|s| s.id == sid)
        .ok_or(AppError::NotFound)?;
    let ja = match form.beruecksichtigen.as_str() {
        "ja" => true,
        "nein" => false,
        _ => {
            return Err(AppError::Invalid(
                "Bitte entscheiden Sie, ob die Stellungnahme berücksichtigt wird.".into(),
            ));
        }
    };
    let entschieden = || {
        AppError::Conflict(
            "Über diese Stellungnahme ist bereits entschieden, oder sie ist nicht verspätet."
                .into(),
        )
    };
    if !s.verspaetet || s.beruecksichtigt.is_some() {
        return Err(entschieden());
    }
    let now = now_millis();
    let mut tx = st.db.begin().await?;
    if !Db::entscheide_verspaetete_in(&mut tx, s.id, ja).await? {
        return Err(entschieden());
    }
    let text = format!(
        "Verspätete Stellungnahme der Stelle „{}“ (Nr. {}) wird {} (§ 70 Abs. 1 Satz 4 HBO).",
        b.stelle_name,
        s.id,
        if ja {
            "berücksichtigt"
        } else {
            "nicht berücksichtigt"
        }
    );
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "stellungnahme_verspaetet_entschieden",
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    st.db
        .audit_now(
            plankammer_storage::audit::AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(u.user_id()),
                action: "stellungnahme.verspaetet_entschieden",
                object_type: "stellungnahme",
                object_id: Some(s.id.to_string()),
                detail: json!({ "vorgang_id": a.id, "beruecksichtigt": ja }),
            },
            now,
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{}/beteiligung#beteiligung-{}",
        a.id, b.id
    )))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct SichtbarkeitForm {
    sichtbar: Option<String>,
}

async fn sichtbarkeit_setzen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(form): Form<SichtbarkeitForm>,
) -> PageResult<Redirect> {
    let (b, a) = beteiligung_der_bauaufsicht(&st, &u, bid).await?;
    let sichtbar = form.sichtbar.is_some();
    st.db
        .setze_andere_kommentare_sichtbar(b.id, sichtbar)
        .await?;
    st.db
        .audit_now(
            plankammer_storage::audit::AuditEvent {
                tenant_id: Some(a.tenant_id),
                actor_user_id: Some(u.user_id()),
                action: "beteiligung.kommentare_sichtbar",
                object_type: "beteiligung",
                object_id: Some(b.id.to_string()),
                detail: json!({ "vorgang_id": a.id, "sichtbar": sichtbar }),
            },
            now_millis(),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{}/beteiligung#beteiligung-{}",
        a.id, b.id
    )))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct FassungForm {
    fassung_id: String,
}

async fn fassung_teilen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(form): Form<FassungForm>,
) -> PageResult<Redirect> {
    let (b, a) = beteiligung_der_bauaufsicht(&st, &u, bid).await?;
    if b.zustand == BeteiligungsZustand::Zurueckgezogen.slug() {
        return Err(AppError::Conflict(
            "Die Anfrage ist zurückgezogen; es kann keine Fassung mehr geteilt werden.".into(),
        ));
    }
    let fassungen = st.db.fassungen(a.id).await?;
    let eigene = b
        .fassung_id
        .and_then(|id| fassungen.iter().find(|f| f.id == id))
        .map(|f| f.nummer)
        .unwrap_or(0);
    let f = form
        .fassung_id
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| fassungen.iter().find(|f| f.id == id))
        .ok_or_else(|| {
            AppError::Invalid("Bitte wählen Sie eine Fassung dieses Vorgangs.".into())
        })?;
    if f.nummer <= eigene {
        return Err(AppError::Invalid(format!(
            "Die Stelle kennt Fassung {eigene} bereits; teilen Sie eine spätere Fassung."
        )));
    }
    let now = now_millis();
    let text = format!(
        "Fassung {} für die Stelle „{}“ freigegeben.",
        f.nummer, b.stelle_name
    );
    let mut tx = st.db.begin().await?;
    Db::teile_fassung(&mut tx, b.id, f.id).await?;
    Db::ereignis(
        &mut tx,
        &NeuesEreignis {
            vorgang_id: a.id,
            user_id: Some(u.user_id()),
            art: "beteiligung_fassung_geteilt",
            zustand: None,
            status_code: None,
            text: &text,
        },
        now,
    )
    .await?;
    ablauf::benachrichtige(
        &st,
        &mut tx,
        &a,
        Mitteilung {
            titel: "Neue Fassung der Unterlagen",
            text: &format!("{text}\nSie finden die Unterlagen auf der Seite der Anfrage."),
            status: None,
            frist: None,
            an: ablauf::An::Stelle(b.stelle_id),
            pfad: Some(&format!("/beteiligungen/{}#dokumente", b.id)),
        },
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{}/beteiligung#beteiligung-{}",
        a.id, b.id
    )))
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
