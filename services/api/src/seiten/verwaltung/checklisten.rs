//! The tenant admin's document checklists, one per procedure: versioned (every save stores
//! a new version, the newest one counts for the live checklist of every draft), with the
//! history and the way back to the shipped default. Only the tenant's admin (others 403);
//! everything is the admin's own tenant's. Steps of [`plankammer_verfahren::verwaltung`].

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use plankammer_domain::codeliste;
use plankammer_domain::verfahren::{Anforderung, Checkliste, Verfahrensart};
use plankammer_domain::zeit::format_berlin;
use plankammer_storage::verwaltung::ChecklistenVersion;
use plankammer_verfahren::verwaltung::{ARTEN, ChecklistenEingabe, ZeileEingabe, art_und_text};
use plankammer_verfahren::{Fehler, zugriff};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verwaltung/checklisten", get(checklisten))
        .route(
            "/verwaltung/checklisten/{verfahren}",
            get(checkliste_formular).post(checkliste_speichern),
        )
}

/// One stored version of the tenant's checklist, for the history.
#[derive(Debug, Serialize)]
struct VersionView {
    version: i64,
    wann: String,
    wer: String,
    positionen: usize,
    pflicht: usize,
}

impl From<ChecklistenVersion> for VersionView {
    fn from(v: ChecklistenVersion) -> Self {
        let (positionen, pflicht) = match &v.liste {
            Some(c) => (
                c.positionen.len(),
                c.positionen
                    .iter()
                    .filter(|p| p.anforderung == Anforderung::Pflicht)
                    .count(),
            ),
            None => (0, 0),
        };
        VersionView {
            version: v.version,
            wann: format_berlin(v.created_at),
            wer: v.von.unwrap_or_else(|| "unbekannt".into()),
            positionen,
            pflicht,
        }
    }
}

// --- Overview ---------------------------------------------------------------------------------

async fn checklisten(State(st): State<AppState>, u: CurrentUser) -> PageResult<Response> {
    let mut liste = Vec::new();
    for v in Verfahrensart::ALL {
        let g = st.verfahren.geltende_checkliste(u.akteur(), v).await?;
        let neueste = st
            .verfahren
            .checklisten_versionen(u.akteur(), v)
            .await?
            .into_iter()
            .next()
            .map(VersionView::from);
        let stand = match g.version {
            Some(n) => format!("Version {n}"),
            None => format!("Standard (Version {})", g.liste.version),
        };
        liste.push(context! {
            slug => v.slug(),
            name => v.bezeichnung_mit_paragraph(),
            stand,
            standard => g.version.is_none(),
            unlesbar => g.unlesbar,
            geaendert => neueste.map(|n| format!("{} von {}", n.wann, n.wer)),
            positionen => g.liste.positionen.len(),
            pflicht => g.pflicht(),
        });
    }
    let html = render(
        "verwaltung_checklisten.html",
        context! { layout => layout(&u, "/verwaltung/checklisten"), liste },
    )?;
    Ok(html.into_response())
}

// --- Editor -----------------------------------------------------------------------------------

/// One row of the editor as shown.
#[derive(Debug, Serialize)]
struct ZeileView {
    index: usize,
    anlageart: String,
    name: String,
    hinweis: Option<String>,
    auch: Vec<String>,
    art: String,
    text: String,
    entfernen: bool,
}

fn zeilen_aus_liste(c: &Checkliste) -> Vec<ZeileView> {
    c.positionen
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let (art, text) = art_und_text(&p.anforderung);
            ZeileView {
                index,
                anlageart: p.anlageart.clone(),
                name: p.name.clone(),
                hinweis: p.hinweis.clone(),
                auch: p.auch.clone(),
                art: art.into(),
                text,
                entfernen: false,
            }
        })
        .collect()
}

/// The rows as the admin entered them (shown again with the errors, nothing lost).
fn zeilen_aus_eingabe(basis: &Checkliste, e: &ChecklistenEingabe) -> Vec<ZeileView> {
    let anlagen = codeliste::anlagen();
    e.zeilen
        .iter()
        .enumerate()
        .map(|(index, z)| {
            let p = basis.position(&z.code);
            ZeileView {
                index,
                anlageart: z.code.clone(),
                name: anlagen
                    .name(&z.code)
                    .unwrap_or("unbekannte Anlageart")
                    .to_string(),
                hinweis: p.and_then(|p| p.hinweis.clone()),
                auch: p.map(|p| p.auch.clone()).unwrap_or_default(),
                art: z.art.clone(),
                text: z.text.clone(),
                entfernen: z.entfernen,
            }
        })
        .collect()
}

/// The procedure of the path; an unknown one is 404 (after the admin check: others 403).
fn verfahren_aus(u: &CurrentUser, slug: &str) -> Result<Verfahrensart, Fehler> {
    zugriff::nur_admin(u.akteur())?;
    Verfahrensart::from_slug(slug).ok_or(Fehler::NichtGefunden)
}

/// What the editor shows besides the list in force.
struct Editor {
    /// The rows as entered; `None`: the list in force.
    eingabe: Option<ChecklistenEingabe>,
    fehler: Vec<String>,
    hinweis: Option<String>,
    status: StatusCode,
}

impl Editor {
    fn frisch(hinweis: Option<String>) -> Editor {
        Editor {
            eingabe: None,
            fehler: Vec::new(),
            hinweis,
            status: StatusCode::OK,
        }
    }
}

async fn checkliste_seite(
    st: &AppState,
    u: &CurrentUser,
    v: Verfahrensart,
    ed: Editor,
) -> PageResult<Response> {
    let g = st.verfahren.geltende_checkliste(u.akteur(), v).await?;
    let versionen: Vec<VersionView> = st
        .verfahren
        .checklisten_versionen(u.akteur(), v)
        .await?
        .into_iter()
        .map(VersionView::from)
        .collect();
    let (zeilen, neu) = match &ed.eingabe {
        Some(e) => (zeilen_aus_eingabe(&g.liste, e), e.neu.clone()),
        None => (zeilen_aus_liste(&g.liste), ZeileEingabe::default()),
    };
    let arten: Vec<_> = ARTEN
        .iter()
        .map(|(code, name)| context! { code, name })
        .collect();
    let anlagen: Vec<_> = codeliste::anlagen()
        .eintraege
        .iter()
        .map(|e| context! { code => e.code, name => e.name })
        .collect();
    let html = render(
        "verwaltung_checkliste.html",
        context! {
            layout => layout(u, "/verwaltung/checklisten"),
            verfahren => context! { slug => v.slug(), name => v.bezeichnung_mit_paragraph() },
            version => g.version,
            standard_version => g.liste.version,
            unlesbar => g.unlesbar,
            basis => g.version.unwrap_or(0),
            anzahl => zeilen.len(),
            zeilen,
            neu => context! { code => neu.code, art => neu.art, text => neu.text },
            arten,
            anlagen,
            versionen,
            fehler => ed.fehler,
            hinweis => ed.hinweis,
        },
    )?;
    Ok((ed.status, html).into_response())
}

#[derive(Deserialize, Default)]
struct EditorQuery {
    gespeichert: Option<i64>,
    unveraendert: Option<String>,
}

async fn checkliste_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(slug): Path<String>,
    Query(q): Query<EditorQuery>,
) -> PageResult<Response> {
    let v = verfahren_aus(&u, &slug)?;
    let hinweis = match (q.gespeichert, q.unveraendert) {
        (Some(n), _) => Some(format!(
            "Version {n} ist gespeichert. Sie gilt ab sofort für alle Anträge im Entwurf; bereits eingereichte Anträge bleiben, wie sie geprüft wurden."
        )),
        (None, Some(_)) => {
            Some("Es gab keine Änderung; es wurde keine neue Version gespeichert.".into())
        }
        _ => None,
    };
    checkliste_seite(&st, &u, v, Editor::frisch(hinweis)).await
}

async fn checkliste_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(slug): Path<String>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let v = verfahren_aus(&u, &slug)?;
    let e = ChecklistenEingabe::aus_feldern(felder)?;
    let ergebnis = if e.aktion == "standard" {
        st.verfahren.checkliste_zuruecksetzen(u.akteur(), v).await
    } else {
        st.verfahren.checkliste_speichern(u.akteur(), v, &e).await
    };
    match ergebnis {
        Ok(Some(version)) => Ok(Redirect::to(&format!(
            "/verwaltung/checklisten/{}?gespeichert={version}",
            v.slug()
        ))
        .into_response()),
        Ok(None) => Ok(Redirect::to(&format!(
            "/verwaltung/checklisten/{}?unveraendert=1",
            v.slug()
        ))
        .into_response()),
        // Built on another version than the one in force: the current one, with the reason.
        Err(Fehler::Konflikt(m)) => {
            let mut ed = Editor::frisch(None);
            ed.fehler = vec![m];
            ed.status = StatusCode::CONFLICT;
            checkliste_seite(&st, &u, v, ed).await
        }
        Err(Fehler::Ungueltig(fehler)) => {
            let ed = Editor {
                eingabe: Some(e),
                fehler,
                hinweis: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            checkliste_seite(&st, &u, v, ed).await
        }
        Err(e) => Err(e.into()),
    }
}
