//! The plan viewer, shared by the Fachstelle and the Bauaufsicht: one document version, one
//! page at a time (pdf.js, served by Plankammer itself), with comments anchored on the page
//! in coordinates normalised to it (0..1 from the top left, so they stay put at any zoom),
//! threads with replies, and a form to add one.
//!
//! The same page works without JavaScript: the comments are listed with page and position,
//! and the form takes page number and x/y (and width/height for a rectangle) as numbers.
//!
//! - A Fachstelle opens it through its request (`/beteiligungen/{bid}/plan/{vid}`), for the
//!   versions its request shows. It sees its own Stelle's threads, and the others' only when
//!   the Bauaufsicht allowed it.
//! - The Bauaufsicht opens it from the case (`/vorgaenge/{id}/plan/{vid}`), sees every
//!   comment and may reply.
//!
//! Who may look at which plan is `Verfahren::planzugang`; commenting is the step
//! `Verfahren::kommentieren`. The PDF itself is loaded from `/api/v1/versions/{vid}/download`:
//! access-checked by the same rule and audited like every read of a document.

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use plankammer_domain::zeit;
use plankammer_storage::beteiligung::Kommentar;
use plankammer_verfahren::Fehler;
use plankammer_verfahren::plan::{KommentarEingabe, MAX_KOMMENTAR};
use plankammer_verfahren::zugriff::{Planweg, Planzugang};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/beteiligungen/{bid}/plan/{vid}",
            get(plan_fachstelle).post(kommentieren_fachstelle),
        )
        .route(
            "/vorgaenge/{id}/plan/{vid}",
            get(plan_bauaufsicht).post(kommentieren_bauaufsicht),
        )
}

/// The page's own address (also the form's target) and the way back.
struct Adresse {
    url: String,
    zurueck: (String, &'static str),
}

impl Adresse {
    fn von(weg: Planweg, vid: i64) -> Adresse {
        match weg {
            Planweg::Anfrage(bid) => Adresse {
                url: format!("/beteiligungen/{bid}/plan/{vid}"),
                zurueck: (format!("/beteiligungen/{bid}"), "Zur Anfrage"),
            },
            Planweg::Vorgang(id) => Adresse {
                url: format!("/vorgaenge/{id}/plan/{vid}"),
                zurueck: (format!("/vorgaenge/{id}/beteiligung"), "Zur Beteiligung"),
            },
            // By the version alone is the API's way; no page takes it.
            Planweg::Version => Adresse {
                url: format!("/api/v1/versions/{vid}/kommentare"),
                zurueck: ("/start".into(), "Zur Startseite"),
            },
        }
    }
}

fn zahl_de(x: f64) -> String {
    format!("{x:.3}").replace('.', ",")
}

#[derive(Serialize)]
struct KommentarView {
    id: i64,
    seite: i64,
    x: f64,
    y: f64,
    w: Option<f64>,
    h: Option<f64>,
    position: String,
    text: String,
    von: String,
    wann: String,
    eigene_stelle: bool,
    antworten: Vec<KommentarView>,
}

fn kommentar_view(
    c: &Kommentar,
    stellen: &HashMap<i64, String>,
    eigene: Option<i64>,
    antworten: Vec<KommentarView>,
) -> KommentarView {
    let position = match (c.w, c.h) {
        (Some(w), Some(h)) => format!(
            "Seite {}, Bereich ab x {} / y {}, Breite {} × Höhe {}",
            c.seite,
            zahl_de(c.x),
            zahl_de(c.y),
            zahl_de(w),
            zahl_de(h)
        ),
        _ => format!(
            "Seite {}, Punkt x {} / y {}",
            c.seite,
            zahl_de(c.x),
            zahl_de(c.y)
        ),
    };
    let von = match c.stelle_id.and_then(|s| stellen.get(&s)) {
        Some(stelle) => format!("{} ({stelle})", c.user_name),
        None => format!("{} (Bauaufsicht)", c.user_name),
    };
    KommentarView {
        id: c.id,
        seite: c.seite,
        x: c.x,
        y: c.y,
        w: c.w,
        h: c.h,
        position,
        text: c.text.clone(),
        von,
        wann: zeit::format_berlin(c.created_at),
        eigene_stelle: eigene.is_some() && c.stelle_id == eigene,
        antworten,
    }
}

/// The comment form as entered (kept when it is refused).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
struct KommentarForm {
    seite: String,
    x: String,
    y: String,
    w: String,
    h: String,
    text: String,
    antwort_auf: String,
    zoom: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PlanQuery {
    seite: Option<String>,
    zoom: Option<String>,
}

/// A page number from the address; anything unusable is page 1.
fn seite_aus(s: Option<&str>, seiten: Option<i64>) -> i64 {
    let n = s
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    match seiten {
        Some(max) if max >= 1 => n.min(max),
        _ => n,
    }
}

/// A zoom factor in percent, 25…400; 100 by default.
fn zoom_aus(s: Option<&str>) -> i64 {
    s.and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(100)
        .clamp(25, 400)
}

/// How the plan is reached, and the page and the zoom shown.
#[derive(Debug, Clone, Copy)]
struct Ansicht {
    weg: Planweg,
    seite: i64,
    zoom: i64,
}

/// The number of pages of the version, when the pipeline has counted them.
async fn seitenzahl(st: &AppState, z: &Planzugang) -> Result<Option<i64>, AppError> {
    let n = i64::try_from(st.db.seiten(z.version.id).await?.len()).unwrap_or(0);
    Ok((n > 0).then_some(n))
}

async fn rendern(
    st: &AppState,
    u: &CurrentUser,
    z: &Planzugang,
    Ansicht { weg, seite, zoom }: Ansicht,
    mut eingabe: KommentarForm,
    fehler: Vec<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let adresse = Adresse::von(weg, z.version.id);
    let seiten = seitenzahl(st, z).await?;
    let sichtbar = st.verfahren.kommentare_im(z).await?;
    let mut stellen: HashMap<i64, String> = HashMap::new();
    for sid in sichtbar.iter().filter_map(|c| c.stelle_id) {
        if let Entry::Vacant(e) = stellen.entry(sid) {
            e.insert(st.db.stelle(sid).await?.name);
        }
    }
    let eigene = z.beteiligung.as_ref().map(|b| b.stelle_id);
    let mut threads: Vec<KommentarView> = sichtbar
        .iter()
        .filter(|c| c.antwort_auf.is_none())
        .map(|c| {
            let antworten = sichtbar
                .iter()
                .filter(|r| r.antwort_auf == Some(c.id))
                .map(|r| kommentar_view(r, &stellen, eigene, vec![]))
                .collect();
            kommentar_view(c, &stellen, eigene, antworten)
        })
        .collect();
    threads.sort_by_key(|t| (t.seite, t.id));
    let dokument = st
        .db
        .dokumente(z.antrag.id)
        .await?
        .into_iter()
        .find(|d| d.id == z.version.dokument_id)
        .map(|d| d.bezeichnung)
        .unwrap_or_default();
    if eingabe.seite.is_empty() {
        eingabe.seite = seite.to_string();
    }
    let html = render(
        "plan_ansicht.html",
        context! {
            layout => layout(u, "/start"),
            vorgang => context! {
                id => z.antrag.id, bezeichnung => z.antrag.bezeichnung,
                aktenzeichen => z.antrag.aktenzeichen,
            },
            version => context! {
                id => z.version.id, nummer => z.version.nummer, dateiname => z.version.dateiname,
                dokument => dokument,
            },
            stelle => z.beteiligung.as_ref().map(|b| b.stelle_name.clone()),
            andere_sichtbar => z.beteiligung.as_ref().map(|b| b.andere_kommentare_sichtbar),
            url => adresse.url,
            zurueck => context! { href => adresse.zurueck.0, text => adresse.zurueck.1 },
            pdf => format!("/api/v1/versions/{}/download", z.version.id),
            seite, seiten, zoom,
            zoom_kleiner => (zoom - 25).max(25), zoom_groesser => (zoom + 25).min(400),
            vorige => (seite > 1).then_some(seite - 1),
            naechste => seiten.map_or(Some(seite + 1), |n| (seite < n).then_some(seite + 1)),
            kommentare => threads,
            darf_kommentieren => z.darf_kommentieren,
            eingabe, fehler,
            max_kommentar => MAX_KOMMENTAR,
        },
    )?;
    Ok((status, html).into_response())
}

async fn plan_fachstelle(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, vid)): Path<(i64, i64)>,
    Query(q): Query<PlanQuery>,
) -> PageResult<Response> {
    anzeigen(&st, &u, Planweg::Anfrage(bid), vid, q).await
}

async fn plan_bauaufsicht(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, vid)): Path<(i64, i64)>,
    Query(q): Query<PlanQuery>,
) -> PageResult<Response> {
    anzeigen(&st, &u, Planweg::Vorgang(id), vid, q).await
}

async fn anzeigen(
    st: &AppState,
    u: &CurrentUser,
    weg: Planweg,
    vid: i64,
    q: PlanQuery,
) -> PageResult<Response> {
    let z = st.verfahren.planzugang(u.akteur(), weg, vid).await?;
    let seite = seite_aus(q.seite.as_deref(), seitenzahl(st, &z).await?);
    let zoom = zoom_aus(q.zoom.as_deref());
    rendern(
        st,
        u,
        &z,
        Ansicht { weg, seite, zoom },
        KommentarForm::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

async fn kommentieren_fachstelle(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((bid, vid)): Path<(i64, i64)>,
    Form(f): Form<KommentarForm>,
) -> PageResult<Response> {
    kommentieren(&st, &u, Planweg::Anfrage(bid), vid, f).await
}

async fn kommentieren_bauaufsicht(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, vid)): Path<(i64, i64)>,
    Form(f): Form<KommentarForm>,
) -> PageResult<Response> {
    kommentieren(&st, &u, Planweg::Vorgang(id), vid, f).await
}

async fn kommentieren(
    st: &AppState,
    u: &CurrentUser,
    weg: Planweg,
    vid: i64,
    f: KommentarForm,
) -> PageResult<Response> {
    let zoom = zoom_aus(Some(&f.zoom));
    let eingabe = KommentarEingabe {
        seite: f.seite.clone(),
        x: f.x.clone(),
        y: f.y.clone(),
        w: f.w.clone(),
        h: f.h.clone(),
        text: f.text.clone(),
        // Something that is no comment id names no comment this reader sees (ids start at
        // 1): the step refuses it like any other.
        antwort_auf: match f.antwort_auf.trim() {
            "" => None,
            t => Some(t.parse::<i64>().unwrap_or(0)),
        },
    };
    match st
        .verfahren
        .kommentieren(u.akteur(), weg, vid, &eingabe)
        .await
    {
        Ok((id, anker)) => Ok(Redirect::to(&format!(
            "{}?seite={}&zoom={zoom}#kommentar-{id}",
            Adresse::von(weg, vid).url,
            anker.seite
        ))
        .into_response()),
        Err(Fehler::Ungueltig(m)) => {
            let z = st.verfahren.planzugang(u.akteur(), weg, vid).await?;
            let seite = seite_aus(Some(&f.seite), seitenzahl(st, &z).await?);
            rendern(
                st,
                u,
                &z,
                Ansicht { weg, seite, zoom },
                f,
                m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_and_zoom_from_the_address_are_bounded() {
        assert_eq!(seite_aus(Some("5"), Some(3)), 3);
        assert_eq!(seite_aus(Some("-2"), Some(3)), 1);
        assert_eq!(seite_aus(Some("x"), None), 1);
        assert_eq!(zoom_aus(Some("1000")), 400);
        assert_eq!(zoom_aus(Some("10")), 25);
        assert_eq!(zoom_aus(None), 100);
    }
}
