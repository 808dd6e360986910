//! The Bescheid (issue 5, flow step 7) on the case worker's pages: the draft with the
//! Nebenbestimmungen carried over from the Stellungnahmen that count (each with its source,
//! editable and removable), own ones, Begründung, Rechtsbehelfsbelehrung from the tenant's
//! template, fees as line items and the approved plans; a preview of what will be issued;
//! issuing (the step records the intent once, the worker job `bescheid.erlassen` does the
//! rest while the page polls its progress); the downloads of the issued Bescheid and the
//! stamped plans for everyone who may see the case, and the Bescheid section of the case
//! page. Every handler calls one step of [`plankammer_verfahren::bescheid`].

use crate::error::PageResult;
use crate::gemeinsam::download::pdf_anhang;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_domain::bescheid::{Tenor, euro, gebuehren_summe};
use plankammer_domain::codeliste;
use plankammer_domain::frist::datum_de;
use plankammer_storage::antrag::Antrag;
use plankammer_storage::bescheid::BescheidAkte;
use plankammer_storage::heute_berlin;
use plankammer_verfahren::bescheid::{
    Bescheidabschnitt, Downloads, Entwurfseingabe, Erlassstand, ist_plan, tenor_slug,
};
use plankammer_verfahren::dokumente::Lesart;
use plankammer_verfahren::{Fehler, statuszeile};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

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
}

// --- Views ------------------------------------------------------------------------------------

/// The links of an issued Bescheid: its PDF and the stamped plans.
fn downloads_view(vorgang_id: i64, d: &Downloads) -> Value {
    let plaene: Vec<Value> = d
        .plaene
        .iter()
        .map(|p| {
            json!({
                "bezeichnung": p.bezeichnung, "dateiname": p.dateiname,
                "url": format!("/vorgaenge/{vorgang_id}/bescheid/plaene/{}", p.dokument_id),
            })
        })
        .collect();
    json!({
        "titel": d.titel,
        "nummer": d.nummer,
        "datum": d.datum.map(datum_de),
        "pdf_url": format!("/vorgaenge/{vorgang_id}/bescheid/bescheid.pdf"),
        "plaene": plaene,
    })
}

/// Where issuing stands, for the page and its polling fragment.
fn stand_view(s: &Erlassstand) -> Value {
    json!({
        "vorgang_id": s.vorgang_id,
        "erlassen": s.erlassen,
        "fehlgeschlagen": s.fehlgeschlagen,
        "fehler": s.fehler,
        "fortschritt": s.fortschritt,
        "notiz": s.notiz,
        "nummer": s.nummer,
        "downloads": s.downloads.as_ref().map(|d| downloads_view(s.vorgang_id, d)),
    })
}

// --- The draft page ---------------------------------------------------------------------------

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
    let (a, akte) = st
        .verfahren
        .bescheid_der_bauaufsicht(u.akteur(), id)
        .await?;
    let formular = st.verfahren.formular(&a, akte.as_ref()).await?;
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

#[allow(clippy::too_many_arguments)]
async fn seite(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
    akte: Option<&BescheidAkte>,
    f: Entwurfseingabe,
    fehler: Vec<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let z = a.zustand;
    let verfahren = a.verfahren;
    let stellungnahmen = st.verfahren.zaehlende_stellungnahmen(a.id).await?;
    let quellen: HashMap<i64, _> = stellungnahmen.iter().map(|s| (s.id.0, s)).collect();
    let angebot = st.verfahren.plan_angebot(a.id).await?;
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
                "begruendung": z.begruendung,
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
    let mut stand = None;
    if let Some(b) = akte {
        let e = &b.inhalt;
        let gewaehlte: Vec<Value> = st
            .verfahren
            .vorschau_plaene(b)
            .await?
            .into_iter()
            .map(|p| json!({"bezeichnung": p.bezeichnung, "dateiname": p.dateiname, "version": p.version, "sha256": p.sha256}))
            .collect();
        erlass_fehler = st.verfahren.erlass_hindernisse(a, b).await?;
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
            "datum": datum_de(b.erlass_datum.unwrap_or_else(heute_berlin)),
        });
        if beantragt {
            stand = Some(stand_view(&st.verfahren.erlass_stand(a, b).await?));
        }
    }
    let html = render(
        "bescheid.html",
        context! {
            layout => layout(u, "/start"),
            vorgang => context! {
                id => a.id, bezeichnung => a.bezeichnung, aktenzeichen => a.aktenzeichen,
                status => statuszeile(z),
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
    let f = Entwurfseingabe::aus_feldern(&felder);
    if f.aktion == "nb_zeile" || f.aktion == "geb_zeile" {
        // Another empty row; nothing is saved yet.
        let (a, akte, _) = st.verfahren.bescheid_zum_bearbeiten(u.akteur(), id).await?;
        return seite(&st, &u, &a, akte.as_ref(), f, vec![], None, StatusCode::OK).await;
    }
    match st.verfahren.entwurf_speichern(u.akteur(), id, &f).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/vorgaenge/{id}/bescheid?gespeichert=1#vorschau"))
                .into_response(),
        ),
        Err(Fehler::Ungueltig(fehler)) => {
            let (a, akte) = st
                .verfahren
                .bescheid_der_bauaufsicht(u.akteur(), id)
                .await?;
            seite(
                &st,
                &u,
                &a,
                akte.as_ref(),
                f,
                fehler,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// --- Issuing ----------------------------------------------------------------------------------

async fn erlassen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    match st.verfahren.erlassen(u.akteur(), id).await {
        // Recorded now, or before (a second click changes nothing).
        Ok(_) => Ok(Redirect::to(&format!("/vorgaenge/{id}/bescheid#stand")).into_response()),
        Err(Fehler::Konflikt(m)) => {
            // The stored draft cannot be issued: the page again, with every reason.
            let (a, akte) = st
                .verfahren
                .bescheid_der_bauaufsicht(u.akteur(), id)
                .await?;
            let Some(b) = akte.filter(|b| !b.ist_beantragt()) else {
                return Err(AppError::Conflict(m));
            };
            let mut fehler = st.verfahren.erlass_hindernisse(&a, &b).await?;
            if fehler.is_empty() {
                fehler.push(m);
            }
            let f = Entwurfseingabe::aus_entwurf(&b.inhalt, b.plaene.clone().unwrap_or_default());
            seite(&st, &u, &a, Some(&b), f, fehler, None, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn stand_fragment(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let stand = st.verfahren.bescheid_stand(u.akteur(), id).await?;
    render(
        "bescheid_stand.html",
        context! { stand => stand_view(&stand), layout => layout(&u, "/start") },
    )
}

/// A failed issuing job goes back into the queue (after the cause is fixed).
async fn erneut_versuchen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    st.verfahren.erneut_versuchen(u.akteur(), id).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}/bescheid#stand")))
}

// --- Downloads and the case page's section ----------------------------------------------------

async fn bescheid_pdf(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let (_, dateiname, inhalt) = st
        .verfahren
        .bescheid_herunterladen(u.akteur(), id, Lesart::Sitzung)
        .await?;
    Ok(pdf_anhang(inhalt, &dateiname))
}

async fn plan_pdf(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
) -> PageResult<Response> {
    let (_, version, inhalt) = st
        .verfahren
        .gestempelten_plan_herunterladen(u.akteur(), id, did, Lesart::Sitzung)
        .await?;
    Ok(pdf_anhang(inhalt, &version.dateiname))
}

/// The "Bescheid" section of the case page: the downloads once issued (for everyone who may
/// see the case), and for the case worker the way to the draft. `None`: nothing to show.
pub async fn abschnitt(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
) -> Result<Option<Value>, AppError> {
    let abschnitt = st.verfahren.bescheid_abschnitt(u.akteur(), a).await?;
    Ok(abschnitt.map(|b| match b {
        Bescheidabschnitt::Erlassen {
            downloads,
            bauaufsicht,
        } => json!({
            "erlassen": true,
            "downloads": downloads_view(a.id, &downloads),
            "bauaufsicht": bauaufsicht,
            "vorgang_id": a.id,
        }),
        Bescheidabschnitt::Entwurf { laeuft } => json!({
            "erlassen": false, "laeuft": laeuft, "entwurf": true,
            "bauaufsicht": true, "vorgang_id": a.id,
        }),
        Bescheidabschnitt::Neu => json!({
            "erlassen": false, "laeuft": false, "entwurf": false,
            "bauaufsicht": true, "vorgang_id": a.id,
        }),
    }))
}
