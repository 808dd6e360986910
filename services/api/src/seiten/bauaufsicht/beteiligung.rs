//! The Bauaufsicht's side of the Beteiligung: the overview of every request of a case, the
//! form that asks one or more Stellen in one step (deadline proposed by the engine, or set
//! by the case worker and recorded as "behördlich gesetzt"), withdrawing and extending a
//! request, and the cross-case view of all running requests of the tenant. Per request it
//! also shows what came back: Rückfragen to answer (with the decision whether the question
//! suspended the deadline, and passing it on to the applicants), the Stellungnahmen (late
//! ones with the decision to consider them), whether the Stelle sees other Stellen's plan
//! comments, and sharing a later Fassung with the Stelle.
//!
//! Every change is a step of `plankammer_verfahren::beteiligung`.

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::beteiligung::{rueckfragen_view, stellungnahmen_mit_anlagen};
use crate::gemeinsam::format::{resttage_text, ymd};
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use minijinja::context;
use plankammer_domain::beteiligung::{Fristvorschlag, Rolle, fristvorschlag_standard};
use plankammer_domain::{Role, frist, zeit};
use plankammer_storage::antrag::Antrag;
use plankammer_storage::beteiligung::Beteiligung;
use plankammer_storage::heute_berlin;
use plankammer_verfahren::beteiligung::{
    Anfrage, Beteiligen, Unlesbar, kann_beteiligen, standardrolle,
};
use plankammer_verfahren::{Fehler, statuszeile};
use serde::{Deserialize, Serialize};
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

/// Where the case worker returns after acting on request `bid` of case `id`.
fn zur_anfrage(id: i64, bid: i64) -> Redirect {
    Redirect::to(&format!("/vorgaenge/{id}/beteiligung#beteiligung-{bid}"))
}

/// The KERN badge modifier of an overview colour.
fn badge(b: &Beteiligung) -> &'static str {
    match b.zustand.ampel_bei(b.schweigefolge).klasse() {
        "gruen" => "success",
        "gelb" => "warning",
        "rot" => "danger",
        _ => "info",
    }
}

/// One request for the overview (the case's page and the cross-case view).
fn beteiligung_view(b: &Beteiligung, heute: NaiveDate) -> Value {
    let offen = b.zustand.ist_offen();
    json!({
        "id": b.id,
        "vorgang_id": b.vorgang_id,
        "stelle": b.stelle_name,
        "rolle": b.rolle.bezeichnung(),
        "rechtsbereich": b.rechtsbereich,
        "notiz": b.notiz,
        "zustand": b.zustand.bezeichnung_bei(b.schweigefolge),
        "zustand_code": b.zustand.slug(),
        "badge": badge(b),
        "ampel": b.zustand.ampel_bei(b.schweigefolge).klasse(),
        "ende": frist::datum_de(b.ende),
        "rest": offen.then(|| resttage_text(heute, b.ende)),
        "tage": frist::tage_bis(heute, b.ende),
        "knapp": offen && frist::tage_bis(heute, b.ende) <= 7,
        "rechtsgrundlage": b.rechtsgrundlage,
        "behoerdlich_gesetzt": b.behoerdlich_gesetzt,
        "schweigefolge": b.schweigefolge.folge_text(),
        "erklaerung": b.erklaerung.lines().collect::<Vec<_>>(),
        "grund": b.grund,
        "offen": offen,
        "angefragt": zeit::format_berlin(b.angefragt_at),
        "min_datum": b.ende.succ_opt().map(ymd),
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

/// The form's rows by Stelle id, plus values chosen that are no Stelle id.
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

    /// The chosen rows as the step's input (in the order of the Stellen's ids).
    fn beteiligen(&self) -> Beteiligen {
        let anfragen = self
            .zeilen
            .iter()
            .filter(|(_, z)| z.gewaehlt)
            .map(|(&stelle_id, z)| {
                let mut unlesbar = Vec::new();
                let rolle = match z.rolle.as_str() {
                    "" => None,
                    code => {
                        let r = Rolle::from_code(code);
                        if r.is_none() {
                            unlesbar.push(Unlesbar::Rolle);
                        }
                        r
                    }
                };
                if z.umfang_ungueltig {
                    unlesbar.push(Unlesbar::Umfang);
                }
                Anfrage {
                    stelle_id,
                    rolle,
                    rechtsbereich: z.rechtsbereich.clone(),
                    notiz: z.notiz.clone(),
                    umfang: z.umfang_angezeigt.then(|| z.umfang.clone()),
                    ende: (!z.ende.is_empty()).then(|| z.ende.clone()),
                    unlesbar,
                }
            })
            .collect();
        Beteiligen {
            anfragen,
            unlesbare_stellen: self.ungueltig.clone(),
        }
    }
}

fn vorschlag(rolle: Rolle, a: &Antrag, heute: NaiveDate) -> Option<Fristvorschlag> {
    fristvorschlag_standard(rolle, a.verfahren?, heute).ok()
}

async fn beteiligung_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let a = st.verfahren.vorgang_der_bauaufsicht(u.akteur(), id).await?;
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
        v["rueckfragen"] = json!(rueckfragen_view(&rueckfragen));
        v["offene_rueckfragen"] = json!(rueckfragen.iter().filter(|r| r.antwort.is_none()).count());
        v["stellungnahmen"] =
            json!(stellungnahmen_mit_anlagen(&st.db, b.id, &stellungnahmen).await?);
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
    let kann_beteiligen = kann_beteiligen(a);
    let mut stellen = Vec::new();
    if kann_beteiligen {
        for s in st.verfahren.anfragbare_stellen(u.akteur()).await? {
            let standard = standardrolle(&s);
            let zeile = eingabe.zeilen.get(&s.id).cloned().unwrap_or_default();
            let rolle = Rolle::from_code(&zeile.rolle).unwrap_or(standard);
            let vorschlaege: Vec<Value> = Rolle::ALL
                .into_iter()
                .filter_map(|r| {
                    vorschlag(r, a, heute).map(|vs| {
                        json!({
                            "rolle": r.bezeichnung(), "anzeige": frist::tag_de(vs.letzter_tag()),
                            "dauer": vs.ende.dauer.to_string(), "rechtsgrundlage": vs.rechtsgrundlage,
                        })
                    })
                })
                .collect();
            let vs = vorschlag(rolle, a, heute);
            let ende = if zeile.ende.is_empty() {
                vs.as_ref()
                    .map(|v| ymd(v.letzter_tag()))
                    .unwrap_or_default()
            } else {
                zeile.ende.clone()
            };
            let im_umfang = |id: i64| !zeile.umfang_angezeigt || zeile.umfang.contains(&id);
            let umfang: Vec<Value> = plaene
                .iter()
                .map(|p| {
                    let id = p["dokument_id"].as_i64().unwrap_or_default();
                    json!({"id": id, "bezeichnung": p["bezeichnung"], "dateiname": p["dateiname"],
                        "gewaehlt": im_umfang(id)})
                })
                .collect();
            stellen.push(json!({
                "umfang": umfang,
                "umfang_alle": plaene.iter().all(|p| im_umfang(p["dokument_id"].as_i64().unwrap_or_default())),
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
    // Opening the Beteiligung is reading its Stellungnahmen: they leave the work list.
    if u.role() == Role::Bauaufsicht {
        st.verfahren
            .stellungnahmen_gesehen(u.akteur(), a.id)
            .await?;
    }
    let html = render(
        "beteiligung.html",
        context! {
            layout => layout(u, "/beteiligungen"),
            vorgang => context! {
                id => a.id, bezeichnung => a.bezeichnung, aktenzeichen => a.aktenzeichen,
                status => statuszeile(a.zustand),
                verfahren => a.verfahren.map(|v| v.bezeichnung_mit_paragraph()),
            },
            beteiligungen, stellen, rollen, kann_beteiligen, fehler, plaene,
            min_datum => ymd(heute.succ_opt().unwrap_or(heute)),
        },
    )?;
    Ok((status, html).into_response())
}

async fn stellen_anfragen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let eingabe = Eingabe::aus_formular(&felder);
    match st
        .verfahren
        .stellen_anfragen(u.akteur(), id, &eingabe.beteiligen())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/vorgaenge/{id}/beteiligung")).into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            let a = st.verfahren.vorgang_der_bauaufsicht(u.akteur(), id).await?;
            seite_rendern(
                &st,
                &u,
                &a,
                eingabe,
                fehler,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// --- Withdraw and extend ------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GrundForm {
    grund: String,
    neues_ende: String,
}

async fn beteiligung_zurueckziehen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(form): Form<GrundForm>,
) -> PageResult<Redirect> {
    st.verfahren
        .beteiligung_zurueckziehen(u.akteur(), bid, &form.grund)
        .await?;
    let (_, a) = st
        .verfahren
        .beteiligung_der_bauaufsicht(u.akteur(), bid)
        .await?;
    Ok(Redirect::to(&format!("/vorgaenge/{}/beteiligung", a.id)))
}

async fn beteiligung_verlaengern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(form): Form<GrundForm>,
) -> PageResult<Redirect> {
    st.verfahren
        .beteiligung_verlaengern(u.akteur(), bid, &form.neues_ende, &form.grund)
        .await?;
    let (_, a) = st
        .verfahren
        .beteiligung_der_bauaufsicht(u.akteur(), bid)
        .await?;
    Ok(Redirect::to(&format!("/vorgaenge/{}/beteiligung", a.id)))
}

// --- What came back: Rückfragen, Stellungnahmen, visibility, a later Fassung -------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AntwortForm {
    antwort: String,
    hemmt_frist: Option<String>,
}

async fn rueckfrage_beantworten(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, rid)): Path<(i64, i64)>,
    Form(form): Form<AntwortForm>,
) -> PageResult<Redirect> {
    st.verfahren
        .rueckfrage_beantworten(
            u.akteur(),
            bid,
            rid,
            &form.antwort,
            form.hemmt_frist.is_some(),
        )
        .await?;
    zurueck(&st, &u, bid).await
}

async fn rueckfrage_weitergeben(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, rid)): Path<(i64, i64)>,
) -> PageResult<Redirect> {
    st.verfahren
        .rueckfrage_weitergeben(u.akteur(), bid, rid)
        .await?;
    zurueck(&st, &u, bid).await
}

#[derive(Debug, Default, Deserialize)]
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
    let ja = match form.beruecksichtigen.as_str() {
        "ja" => Some(true),
        "nein" => Some(false),
        _ => None,
    };
    st.verfahren
        .verspaetete_entscheiden(u.akteur(), bid, sid, ja)
        .await?;
    zurueck(&st, &u, bid).await
}

#[derive(Debug, Default, Deserialize)]
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
    st.verfahren
        .sichtbarkeit_setzen(u.akteur(), bid, form.sichtbar.is_some())
        .await?;
    zurueck(&st, &u, bid).await
}

#[derive(Debug, Default, Deserialize)]
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
    // A value that is no number names no Fassung of the case: the step refuses it so.
    let fassung_id = form.fassung_id.trim().parse::<i64>().ok();
    st.verfahren
        .fassung_teilen(u.akteur(), bid, fassung_id)
        .await?;
    zurueck(&st, &u, bid).await
}

/// Back to the request on its case's Beteiligung page.
async fn zurueck(st: &AppState, u: &CurrentUser, bid: i64) -> PageResult<Redirect> {
    let (_, a) = st
        .verfahren
        .beteiligung_der_bauaufsicht(u.akteur(), bid)
        .await?;
    Ok(zur_anfrage(a.id, bid))
}

// --- Cross-case view ------------------------------------------------------------------------

async fn beteiligungen_seite(
    State(st): State<AppState>,
    u: CurrentUser,
) -> PageResult<Html<String>> {
    let heute = heute_berlin();
    let mut zeilen = Vec::new();
    for l in st.verfahren.laufende_anfragen(u.akteur()).await? {
        let mut v = beteiligung_view(&l.beteiligung, heute);
        v["aktenzeichen"] = json!(l.aktenzeichen.unwrap_or_default());
        v["bezeichnung"] = json!(l.bezeichnung);
        zeilen.push(v);
    }
    render(
        "beteiligungen.html",
        context! { layout => layout(&u, "/beteiligungen"), zeilen },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_form_becomes_the_steps_input() {
        let f = |k: &str, v: &str| (k.to_string(), v.to_string());
        let b = Eingabe::aus_formular(&[
            f("stelle", "3"),
            f("rolle_3", "9"),
            f("umfang_angezeigt_3", "1"),
            f("umfang_3", "x"),
            f("stelle", "5"),
            f("rolle_5", "2"),
            f("umfang_angezeigt_5", "1"),
            f("umfang_5", "11"),
            f("ende_5", "2026-05-04"),
            f("notiz_7", "not chosen"),
        ])
        .beteiligen();
        assert_eq!(b.anfragen.len(), 2);
        assert_eq!(b.anfragen[0].stelle_id, 3);
        assert_eq!(b.anfragen[0].rolle, None);
        assert_eq!(
            b.anfragen[0].unlesbar,
            vec![Unlesbar::Rolle, Unlesbar::Umfang]
        );
        assert_eq!(b.anfragen[1].rolle, Some(Rolle::Sachverstaendig));
        assert_eq!(b.anfragen[1].umfang, Some(vec![11]));
        assert_eq!(b.anfragen[1].ende.as_deref(), Some("2026-05-04"));
    }
}
