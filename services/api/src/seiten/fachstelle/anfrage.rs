//! One request as its Stelle works on it: what is needed to judge the case, the documents in
//! scope (to the plan viewer), the Rückfragen and the Stellungnahmen, the attachments and
//! the timeline entries about the Stelle. The first opening by a member starts the work on
//! it („In Bearbeitung“); a Rückfrage to the Bauaufsicht is asked from here.

use super::ansicht::{anfrage_view, anlagen_view, fall_view};
use crate::error::PageResult;
use crate::gemeinsam::beteiligung::{rueckfragen_view, stellungnahmen_mit_anlagen};
use crate::gemeinsam::format::mb;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_domain::{Role, zeit};
use plankammer_storage::beteiligung::Beteiligung;
use plankammer_storage::heute_berlin;
use plankammer_verfahren::Fehler;
use plankammer_verfahren::beteiligung::MAX_FRAGE;
use plankammer_verfahren::dokumente::MAX_ANLAGEN_JE_HOCHLADEN;
use plankammer_verfahren::fachstelle::{
    aktuelle, anlagen_aenderbar, kann_fragen, kann_stellungnahme,
};
use plankammer_verfahren::zugriff::{darf_dokumente_lesen, darf_handeln};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/beteiligungen/{bid}", get(anfrage_seite))
        .route("/beteiligungen/{bid}/rueckfragen", post(rueckfrage_stellen))
}

/// What the page keeps of a refused form: the Rückfrage as typed, the problems with it, and
/// the problems of an upload of attachments.
#[derive(Debug, Default)]
pub(super) struct Formular {
    pub fehler: Vec<String>,
    pub frage: String,
    pub an_antragsteller: bool,
    pub anlage_fehler: Vec<String>,
}

async fn anfrage_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
) -> PageResult<Response> {
    if u.role() == Role::Bauaufsicht {
        // The Bauaufsicht works on the case's Beteiligung page.
        let (_, a) = st
            .verfahren
            .beteiligung_der_bauaufsicht(u.akteur(), bid)
            .await?;
        return Ok(Redirect::to(&format!(
            "/vorgaenge/{}/beteiligung#beteiligung-{bid}",
            a.id
        ))
        .into_response());
    }
    let b = st.verfahren.anfrage_oeffnen(u.akteur(), bid).await?;
    let html = anfrage_rendern(&st, &u, &b, Formular::default()).await?;
    Ok(html.into_response())
}

/// The timeline entries about this request's Stelle (each names it in „…“).
async fn verlauf(st: &AppState, b: &Beteiligung) -> Result<Vec<Value>, AppError> {
    let marke = format!("„{}“", b.stelle_name);
    Ok(st
        .db
        .ereignisse(b.vorgang_id)
        .await?
        .into_iter()
        .filter(|e| e.text.contains(&marke))
        .map(|e| {
            json!({
                "wann": zeit::format_berlin(e.at),
                "art": e.art,
                "text": e.text,
            })
        })
        .collect())
}

/// The request's page, for a member whose access was decided.
pub(super) async fn anfrage_rendern(
    st: &AppState,
    u: &CurrentUser,
    b: &Beteiligung,
    f: Formular,
) -> PageResult<Html<String>> {
    let heute = heute_berlin();
    let a = st.db.antrag(b.vorgang_id).await?;
    let dokumente = st.verfahren.sichtbare_versionen(b).await?;
    let stellungnahmen = st.db.stellungnahmen(b.id).await?;
    let aktuell = aktuelle(&stellungnahmen).map(|s| s.id);
    let rueckfragen = st.db.rueckfragen(b.id).await?;
    let kann_stellungnahme = kann_stellungnahme(b);
    let kann_korrigieren = darf_handeln(b) && aktuell.is_some() && !kann_stellungnahme;
    let (anlagen, anlagen_laufend) = anlagen_view(st, b).await?;
    let dokumente: Vec<Value> = dokumente
        .into_iter()
        .map(|d| {
            json!({
                "dokument_id": d.dokument_id,
                "bezeichnung": d.bezeichnung,
                "anlageart": d.anlageart.map(String::from),
                "version_id": d.version_id,
                "version_nummer": d.version_nummer,
                "dateiname": d.dateiname,
                "fassung_nummer": d.fassung_nummer,
                "spaeter_freigegeben": d.spaeter_freigegeben,
            })
        })
        .collect();
    render(
        "fachstelle_anfrage.html",
        context! {
            layout => layout(u, "/start"),
            anfrage => anfrage_view(b, heute),
            fall => fall_view(&a),
            dokumente,
            darf_lesen => darf_dokumente_lesen(b),
            stellungnahmen => stellungnahmen_mit_anlagen(&st.db, b.id, &stellungnahmen).await?,
            aktuell,
            anlagen, anlagen_laufend,
            anlage_fehler => f.anlage_fehler,
            anlagen_bearbeiten => anlagen_aenderbar(b, &stellungnahmen),
            max_anlagen => MAX_ANLAGEN_JE_HOCHLADEN,
            max_datei => mb(st.config.upload_max_file),
            rueckfragen => rueckfragen_view(&rueckfragen),
            verlauf => verlauf(st, b).await?,
            kann_fragen => kann_fragen(b),
            kann_stellungnahme, kann_korrigieren,
            darf_handeln => darf_handeln(b),
            fehler => f.fehler,
            frage => f.frage,
            an_antragsteller => f.an_antragsteller,
            max_frage => MAX_FRAGE,
        },
    )
}

// --- Rückfrage --------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FrageForm {
    frage: String,
    an_antragsteller: Option<String>,
}

async fn rueckfrage_stellen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(f): Form<FrageForm>,
) -> PageResult<Response> {
    let an_antragsteller = f.an_antragsteller.is_some();
    match st
        .verfahren
        .rueckfrage_stellen(u.akteur(), bid, &f.frage, an_antragsteller)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/beteiligungen/{bid}#rueckfragen")).into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            let b = st
                .verfahren
                .beteiligung_des_mitglieds(u.akteur(), bid)
                .await?;
            let formular = Formular {
                fehler,
                frage: f.frage.trim().to_string(),
                an_antragsteller,
                ..Default::default()
            };
            let html = anfrage_rendern(&st, &u, &b, formular).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
