//! The plan viewer: one document version, one page at a time (pdf.js, served by Plankammer
//! itself), with comments anchored on the page in coordinates normalised to it (0..1 from the
//! top left, so they stay put at any zoom), threads with replies, and a form to add one.
//!
//! The same page works without JavaScript: the comments are listed with page and position,
//! and the form takes page number and x/y (and width/height for a rectangle) as numbers.
//!
//! - A Fachstelle opens it through its request (`/beteiligungen/{bid}/plan/{vid}`), for the
//!   versions the access rule allows ([`crate::fachstelle_seiten::sichtbare_versionen`]).
//!   It sees its own Stelle's threads, and the others' only when the Bauaufsicht allowed it.
//! - The Bauaufsicht opens it from the case (`/vorgaenge/{id}/plan/{vid}`), sees every
//!   comment and may reply.
//!
//! The PDF itself is loaded from `/api/v1/versions/{vid}/download`: access-checked (the same
//! rule) and audited like every read of a document.

use crate::auth::CurrentUser;
use crate::fachstelle_seiten::{beteiligung_des_mitglieds, darf_handeln, sichtbare_versionen};
use crate::templates::render;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use plankammer_domain::beteiligung::{Anker, StelleId, VersionId, kommentar_sichtbar};
use plankammer_domain::{Role, zeit};
use plankammer_storage::antrag::Antrag;
use plankammer_storage::beteiligung::{Beteiligung, Kommentar, NeuerKommentar};
use plankammer_storage::dokumente::Version;
use plankammer_storage::now_millis;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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

/// Longest comment.
pub const MAX_KOMMENTAR: usize = 2000;

/// Who looks at the plan, and through what.
struct Kontext {
    antrag: Antrag,
    version: Version,
    /// The Fachstelle's request; `None` for the Bauaufsicht.
    beteiligung: Option<Beteiligung>,
    /// The page's own address (also the form's target).
    url: String,
    zurueck: (String, &'static str),
    darf_kommentieren: bool,
}

async fn kontext_fachstelle(
    st: &AppState,
    u: &CurrentUser,
    bid: i64,
    vid: i64,
) -> Result<Kontext, AppError> {
    let b = beteiligung_des_mitglieds(&st.db, u.role(), u.user_id(), bid).await?;
    if !sichtbare_versionen(&st.db, &b)
        .await?
        .iter()
        .any(|v| v.version_id == vid)
    {
        return Err(AppError::NotFound);
    }
    let version = st.db.version(vid).await?;
    let antrag = st.db.antrag(b.vorgang_id).await?;
    Ok(Kontext {
        darf_kommentieren: darf_handeln(&b),
        url: format!("/beteiligungen/{bid}/plan/{vid}"),
        zurueck: (format!("/beteiligungen/{bid}"), "Zur Anfrage"),
        beteiligung: Some(b),
        antrag,
        version,
    })
}

async fn kontext_bauaufsicht(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    vid: i64,
) -> Result<Kontext, AppError> {
    if u.role() != Role::Bauaufsicht {
        return Err(AppError::NotFound);
    }
    let antrag = st.db.antrag(id).await?;
    let version = st.db.version(vid).await?;
    if antrag.tenant_id != u.tenant_id() || version.vorgang_id != antrag.id {
        return Err(AppError::NotFound);
    }
    Ok(Kontext {
        darf_kommentieren: true,
        url: format!("/vorgaenge/{id}/plan/{vid}"),
        zurueck: (format!("/vorgaenge/{id}/beteiligung"), "Zur Beteiligung"),
        beteiligung: None,
        antrag,
        version,
    })
}

/// The comments this reader may see: whole threads whose first comment is visible by the
/// domain's rule ([`kommentar_sichtbar`]); every reply in a visible thread is shown (the
/// Bauaufsicht's answer to a Stelle's comment reaches that Stelle).
fn sichtbare_kommentare(k: &Kontext, alle: Vec<Kommentar>) -> Vec<Kommentar> {
    let (leser_stelle, rolle, andere) = match &k.beteiligung {
        Some(b) => (
            Some(StelleId(b.stelle_id)),
            Role::Fachstelle,
            b.andere_kommentare_sichtbar,
        ),
        None => (None, Role::Bauaufsicht, true),
    };
    let wurzel_von: HashMap<i64, Option<i64>> =
        alle.iter().map(|c| (c.id, c.antwort_auf)).collect();
    let wurzel = |mut id: i64| {
        // Replies point at the first comment; a chain is followed a bounded number of steps.
        for _ in 0..16 {
            match wurzel_von.get(&id).copied().flatten() {
                Some(p) => id = p,
                None => break,
            }
        }
        id
    };
    let sichtbar: HashMap<i64, bool> = alle
        .iter()
        .filter(|c| c.antwort_auf.is_none())
        .map(|c| {
            (
                c.id,
                kommentar_sichtbar(leser_stelle, c.stelle_id.map(StelleId), rolle, andere),
            )
        })
        .collect();
    alle.into_iter()
        .filter(|c| sichtbar.get(&wurzel(c.id)).copied().unwrap_or(false))
        .collect()
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
pub struct KommentarForm {
    pub seite: String,
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    pub text: String,
    pub antwort_auf: String,
    pub zoom: String,
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

/// The page and the zoom shown.
#[derive(Debug, Clone, Copy)]
struct Ansicht {
    seite: i64,
    zoom: i64,
}

async fn rendern(
    st: &AppState,
    u: &CurrentUser,
    k: &Kontext,
    Ansicht { seite, zoom }: Ansicht,
    eingabe: KommentarForm,
    fehler: Vec<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let seiten_info = st.db.seiten(k.version.id).await?;
    let seiten = (!seiten_info.is_empty()).then_some(seiten_info.len() as i64);
    let alle = st.db.kommentare(k.version.id).await?;
    let sichtbar = sichtbare_kommentare(k, alle);
    let mut stellen: HashMap<i64, String> = HashMap::new();
    for sid in sichtbar.iter().filter_map(|c| c.stelle_id) {
        if let std::collections::hash_map::Entry::Vacant(e) = stellen.entry(sid) {
            e.insert(st.db.stelle(sid).await?.name);
        }
    }
    let eigene = k.beteiligung.as_ref().map(|b| b.stelle_id);
    let mut threads: Vec<KommentarView> = Vec::new();
    for c in sichtbar.iter().filter(|c| c.antwort_auf.is_none()) {
        let antworten = sichtbar
            .iter()
            .filter(|r| r.antwort_auf == Some(c.id))
            .map(|r| kommentar_view(r, &stellen, eigene, vec![]))
            .collect();
        threads.push(kommentar_view(c, &stellen, eigene, antworten));
    }
    threads.sort_by_key(|t| (t.seite, t.id));
    let dokument = st
        .db
        .dokumente(k.antrag.id)
        .await?
        .into_iter()
        .find(|d| d.id == k.version.dokument_id)
        .map(|d| d.bezeichnung)
        .unwrap_or_default();
    let mut eingabe = eingabe;
    if eingabe.seite.is_empty() {
        eingabe.seite = seite.to_string();
    }
    let html = render(
        "plan_ansicht.html",
        context! {
            layout => crate::pages::layout(u, "/start"),
            vorgang => context! {
                id => k.antrag.id, bezeichnung => k.antrag.bezeichnung,
                aktenzeichen => k.antrag.aktenzeichen,
            },
            version => context! {
                id => k.version.id, nummer => k.version.nummer, dateiname => k.version.dateiname,
                dokument => dokument,
            },
            stelle => k.beteiligung.as_ref().map(|b| b.stelle_name.clone()),
            andere_sichtbar => k.beteiligung.as_ref().map(|b| b.andere_kommentare_sichtbar),
            url => k.url, zurueck => context! { href => k.zurueck.0, text => k.zurueck.1 },
            pdf => format!("/api/v1/versions/{}/download", k.version.id),
            seite, seiten, zoom,
            zoom_kleiner => (zoom - 25).max(25), zoom_groesser => (zoom + 25).min(400),
            vorige => (seite > 1).then_some(seite - 1),
            naechste => seiten.map_or(Some(seite + 1), |n| (seite < n).then_some(seite + 1)),
            kommentare => threads,
            darf_kommentieren => k.darf_kommentieren,
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
    let k = kontext_fachstelle(&st, &u, bid, vid).await?;
    anzeigen(&st, &u, &k, q).await
}

async fn plan_bauaufsicht(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, vid)): Path<(i64, i64)>,
    Query(q): Query<PlanQuery>,
) -> PageResult<Response> {
    let k = kontext_bauaufsicht(&st, &u, id, vid).await?;
    anzeigen(&st, &u, &k, q).await
}

async fn anzeigen(
    st: &AppState,
    u: &CurrentUser,
    k: &Kontext,
    q: PlanQuery,
) -> PageResult<Response> {
    let seiten = st.db.seiten(k.version.id).await?.len() as i64;
    let seite = seite_aus(q.seite.as_deref(), (seiten > 0).then_some(seiten));
    let zoom = zoom_aus(q.zoom.as_deref());
    rendern(
        st,
        u,
        k,
        Ansicht { seite, zoom },
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
    let k = kontext_fachstelle(&st, &u, bid, vid).await?;
    kommentieren(&st, &u, &k, f).await
}

async fn kommentieren_bauaufsicht(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, vid)): Path<(i64, i64)>,
    Form(f): Form<KommentarForm>,
) -> PageResult<Response> {
    let k = kontext_bauaufsicht(&st, &u, id, vid).await?;
    kommentieren(&st, &u, &k, f).await
}

/// A coordinate as typed: a decimal point or comma; empty is `None`.
fn zahl(s: &str, name: &str, m: &mut Vec<String>) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match t.replace(',', ".").parse::<f64>() {
        Ok(x) => Some(x),
        Err(_) => {
            m.push(format!("Die Angabe {name} „{t}“ ist keine Zahl."));
            None
        }
    }
}

/// Checks a new comment: the text, and the anchor (by the domain's rule, and the page must
/// exist when the page count is known). A reply takes the anchor of its thread.
pub fn pruefe_kommentar(
    f: &KommentarForm,
    version_id: i64,
    seitenzahl: Option<u32>,
) -> Result<Anker, Vec<String>> {
    let mut m = Vec::new();
    let n = f.text.trim().chars().count();
    if n == 0 {
        m.push("Bitte schreiben Sie einen Kommentar.".to_string());
    } else if n > MAX_KOMMENTAR {
        m.push(format!(
            "Der Kommentar ist zu lang (höchstens {MAX_KOMMENTAR} Zeichen)."
        ));
    }
    let seite = match f.seite.trim().parse::<u32>() {
        Ok(s) => s,
        Err(_) => {
            m.push("Bitte geben Sie die Seite als ganze Zahl ab 1 an.".to_string());
            1
        }
    };
    let x = zahl(&f.x, "x", &mut m);
    let y = zahl(&f.y, "y", &mut m);
    if x.is_none() || y.is_none() {
        if !m.iter().any(|t| t.contains("keine Zahl")) {
            m.push(
                "Bitte geben Sie die Position an (x und y zwischen 0 und 1) – oder klicken Sie in den Plan."
                    .to_string(),
            );
        }
        return Err(m);
    }
    let anker = Anker {
        version_id: VersionId(version_id),
        seite,
        x: x.unwrap_or(f64::NAN),
        y: y.unwrap_or(f64::NAN),
        breite: zahl(&f.w, "Breite", &mut m),
        hoehe: zahl(&f.h, "Höhe", &mut m),
    };
    let geprueft = match seitenzahl {
        Some(n) => anker.pruefe_fuer(n),
        None => anker.pruefe(),
    };
    if let Err(e) = geprueft {
        m.extend(e.meldungen);
    }
    if m.is_empty() { Ok(anker) } else { Err(m) }
}

async fn kommentieren(
    st: &AppState,
    u: &CurrentUser,
    k: &Kontext,
    f: KommentarForm,
) -> PageResult<Response> {
    if !k.darf_kommentieren {
        return Err(AppError::Conflict(
            "Die Anfrage wurde zurückgezogen; Sie können nicht mehr kommentieren.".into(),
        ));
    }
    let zoom = zoom_aus(Some(&f.zoom));
    let seiten = st.db.seiten(k.version.id).await?.len() as u32;
    let seitenzahl = (seiten > 0).then_some(seiten);
    let alle = st.db.kommentare(k.version.id).await?;
    // A reply: to a comment this reader sees; it sits where the thread sits.
    let antwort_auf = match f.antwort_auf.trim() {
        "" => None,
        t => {
            let id: i64 = t.parse().map_err(|_| AppError::NotFound)?;
            let sichtbar = sichtbare_kommentare(k, alle.clone());
            let c = sichtbar
                .into_iter()
                .find(|c| c.id == id)
                .ok_or(AppError::NotFound)?;
            Some(c)
        }
    };
    let mut form = f.clone();
    if let Some(c) = &antwort_auf {
        form.seite = c.seite.to_string();
        form.x = c.x.to_string();
        form.y = c.y.to_string();
        form.w = c.w.map(|w| w.to_string()).unwrap_or_default();
        form.h = c.h.map(|h| h.to_string()).unwrap_or_default();
    }
    let anker = match pruefe_kommentar(&form, k.version.id, seitenzahl) {
        Ok(a) => a,
        Err(m) => {
            let seite = seite_aus(Some(&f.seite), seitenzahl.map(i64::from));
            return rendern(
                st,
                u,
                k,
                Ansicht { seite, zoom },
                f,
                m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let (beteiligung_id, stelle_id) = match (&k.beteiligung, &antwort_auf) {
        (Some(b), _) => (Some(b.id), Some(b.stelle_id)),
        // The Bauaufsicht's reply belongs to the thread's request; its own comment to none.
        (None, Some(c)) => (c.beteiligung_id, None),
        (None, None) => (None, None),
    };
    let id = st
        .db
        .kommentiere(
            &NeuerKommentar {
                vorgang_id: k.antrag.id,
                beteiligung_id,
                version_id: k.version.id,
                seite: i64::from(anker.seite),
                x: anker.x,
                y: anker.y,
                w: anker.breite,
                h: anker.hoehe,
                antwort_auf: antwort_auf.as_ref().map(|c| c.antwort_auf.unwrap_or(c.id)),
                text: f.text.trim(),
                user_id: u.user_id(),
                stelle_id,
            },
            now_millis(),
        )
        .await?;
    Ok(Redirect::to(&format!(
        "{}?seite={}&zoom={zoom}#kommentar-{id}",
        k.url, anker.seite
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(seite: &str, x: &str, y: &str, w: &str, h: &str, text: &str) -> KommentarForm {
        KommentarForm {
            seite: seite.into(),
            x: x.into(),
            y: y.into(),
            w: w.into(),
            h: h.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn anchors_are_checked_with_clear_messages() {
        assert!(
            pruefe_kommentar(&form("1", "0,5", "0.25", "", "", "Fluchtweg?"), 1, Some(2)).is_ok()
        );
        let r =
            pruefe_kommentar(&form("1", "0.1", "0.1", "0.2", "0.3", "Bereich"), 1, None).unwrap();
        assert!(r.ist_bereich());
        let fehler =
            |f: KommentarForm, n: Option<u32>| pruefe_kommentar(&f, 1, n).unwrap_err().join(" ");
        assert!(fehler(form("1", "1.5", "0.5", "", "", "x"), None).contains("zwischen 0 und 1"));
        assert!(fehler(form("1", "-0.1", "0.5", "", "", "x"), None).contains("zwischen 0 und 1"));
        assert!(fehler(form("1", "NaN", "0.5", "", "", "x"), None).contains("keine gültige Zahl"));
        assert!(fehler(form("1", "inf", "0.5", "", "", "x"), None).contains("keine gültige Zahl"));
        assert!(fehler(form("1", "abc", "0.5", "", "", "x"), None).contains("keine Zahl"));
        assert!(
            fehler(form("3", "0.5", "0.5", "", "", "x"), Some(2)).contains("Seite 3 gibt es nicht")
        );
        assert!(fehler(form("0", "0.5", "0.5", "", "", "x"), None).contains("beginnt bei 1"));
        assert!(fehler(form("1", "0.9", "0.5", "0.2", "0.1", "x"), None).contains("Seitenrand"));
        assert!(fehler(form("1", "0.5", "0.5", "0.2", "", "x"), None).contains("Breite und Höhe"));
        assert!(fehler(form("1", "0.5", "0.5", "", "", "  "), None).contains("schreiben Sie"));
        let lang = "x".repeat(MAX_KOMMENTAR + 1);
        assert!(fehler(form("1", "0.5", "0.5", "", "", &lang), None).contains("zu lang"));
        assert!(fehler(form("1", "", "", "", "", "x"), None).contains("Position"));
    }

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
