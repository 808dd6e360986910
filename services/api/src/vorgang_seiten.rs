//! The case pages: the list of cases on the start page, a case with its documents, the
//! upload form (works without JavaScript; with it, each file shows its own progress bar),
//! and the live pipeline state (htmx polls the document list while checks are running).

use crate::auth::CurrentUser;
use crate::templates::render;
use crate::upload;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_domain::zugriff::{Akteur, darf_vorgang_anlegen};
use plankammer_storage::antrag::Antrag;
use plankammer_storage::dokumente::{Version, Vorgang};
use plankammer_storage::jobs::JobState;
use plankammer_storage::now_millis;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vorgaenge", post(neuer_vorgang))
        .route("/vorgaenge/{id}", get(vorgang_seite))
        .route("/vorgaenge/{id}/dokumente", get(dokumente_fragment))
        .route(
            "/vorgaenge/{id}/versionen/{vid}/erneut-pruefen",
            post(erneut_pruefen),
        )
        .route(
            "/vorgaenge/{id}/dokumente/{did}/anlageart",
            post(anlageart_setzen),
        )
}

pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/vorgaenge/{id}/dokumente", post(hochladen))
        // A Stelle's attachments stream through the same machinery and limits.
        .route(
            "/beteiligungen/{bid}/anlagen",
            post(crate::fachstelle_seiten::anlagen_hochladen),
        )
        .layer(DefaultBodyLimit::disable())
}

pub fn akteur(u: &CurrentUser) -> Akteur {
    Akteur {
        user_id: u.user_id(),
        tenant_id: u.tenant_id(),
        role: u.role(),
    }
}

#[derive(Serialize)]
pub struct VorgangZeile {
    id: i64,
    bezeichnung: String,
    erstellt: String,
}

/// The cases shown on the start page: an applicant's own, or all of the tenant's.
pub async fn vorgaenge_fuer(st: &AppState, u: &CurrentUser) -> Result<Vec<VorgangZeile>, AppError> {
    let owner = match u.role() {
        plankammer_domain::Role::Antragsteller => Some(u.user_id()),
        plankammer_domain::Role::Bauaufsicht | plankammer_domain::Role::Admin => {
            // The authority's list holds what was submitted to it, not applicants' drafts.
            let filter = plankammer_storage::antrag::EingangsFilter {
                limit: 200,
                ..Default::default()
            };
            return Ok(st
                .db
                .eingang(u.tenant_id(), &filter)
                .await?
                .into_iter()
                .map(|a| VorgangZeile {
                    id: a.id,
                    bezeichnung: match a.aktenzeichen {
                        Some(az) => format!("{az} · {}", a.bezeichnung),
                        None => a.bezeichnung,
                    },
                    erstellt: plankammer_domain::zeit::format_berlin(
                        a.eingereicht_at.unwrap_or(a.created_at),
                    ),
                })
                .collect());
        }
        plankammer_domain::Role::Fachstelle => return Ok(vec![]),
    };
    let mut zeilen: Vec<VorgangZeile> = st
        .db
        .vorgaenge(u.tenant_id(), owner, 200)
        .await?
        .into_iter()
        .map(|v| VorgangZeile {
            id: v.id,
            bezeichnung: v.bezeichnung,
            erstellt: plankammer_domain::zeit::format_berlin(v.created_at),
        })
        .collect();
    // The cases an applicant takes part in as invited Bauherrschaft.
    if owner.is_some() {
        for a in st.db.vorgaenge_als_beteiligter(u.user_id()).await? {
            if !zeilen.iter().any(|z| z.id == a.id) {
                zeilen.push(VorgangZeile {
                    id: a.id,
                    bezeichnung: a.bezeichnung,
                    erstellt: plankammer_domain::zeit::format_berlin(a.created_at),
                });
            }
        }
    }
    Ok(zeilen)
}

#[derive(Deserialize)]
struct NeuerVorgang {
    bezeichnung: String,
}

async fn neuer_vorgang(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<NeuerVorgang>,
) -> PageResult<Redirect> {
    if !darf_vorgang_anlegen(u.role()) {
        return Err(AppError::Forbidden);
    }
    let b = f.bezeichnung.trim();
    if b.is_empty() || b.chars().count() > 300 {
        return Err(AppError::Invalid(
            "Bitte beschreiben Sie das Vorhaben (höchstens 300 Zeichen).".into(),
        ));
    }
    let v = st
        .db
        .create_vorgang(u.tenant_id(), u.user_id(), b, now_millis())
        .await?;
    // The case page asks for the procedure and the Angaben ("Angaben bearbeiten").
    Ok(Redirect::to(&format!("/vorgaenge/{}", v.id)))
}

/// Owner, tenant, or the Bauherrschaft that accepted its invitation (`ablauf::darf_sehen`).
async fn sichtbar(st: &AppState, u: &CurrentUser, id: i64) -> Result<Antrag, AppError> {
    crate::antrag_seiten::sichtbarer_antrag(st, u, id).await
}

#[derive(Serialize)]
pub(crate) struct StufeView {
    name: &'static str,
    zustand: &'static str,
    zustand_code: &'static str,
    fortschritt: i64,
    notiz: Option<String>,
    fehler: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct FeststellungView {
    schwere: &'static str,
    schwere_code: &'static str,
    meldung: String,
    seite: Option<u32>,
}

/// One version as the pages show it: its pipeline stages, findings, pages and what the
/// pipeline recognised. Shared by the case page and a Stelle's attachments.
#[derive(Serialize)]
pub(crate) struct VersionView {
    id: i64,
    nummer: i64,
    dateiname: String,
    groesse: String,
    hochgeladen: String,
    stufen: Vec<StufeView>,
    feststellungen: Vec<FeststellungView>,
    seiten: String,
    pub(crate) fehlgeschlagen: bool,
    /// "Grundriss (2001) · M 1:100 · Plan-Nr. A-101, Index B · 14.09.2026".
    erkannt: String,
    /// Thumbnail URLs of the pages (first 12).
    vorschauen: Vec<String>,
    /// A stage is still queued or running.
    pub(crate) laufend: bool,
    /// The Anlageart the metadata stage recognised, if any.
    #[serde(skip)]
    erkannte_anlageart: Option<String>,
}

#[derive(Serialize)]
struct DokumentView {
    id: i64,
    bezeichnung: String,
    anlageart: Option<String>,
    /// The pipeline's suggestion (code, name) where the uploader chose no type, to confirm.
    vorschlag: Option<(String, String)>,
    aktuell: VersionView,
    fruehere: usize,
}

fn stufe_name(s: &str) -> &'static str {
    match s {
        "validate" => "Dateiprüfung",
        "extract" => "Text lesen",
        "metadata" => "Planangaben",
        "preview" => "Vorschau",
        _ => "Schritt",
    }
}

/// The page view of one version: stages with their job state, findings, pages, previews
/// and the recognised plan data.
pub(crate) async fn version_view(st: &AppState, ver: Version) -> Result<VersionView, AppError> {
    let mut laufend = false;
    let mut stufen = Vec::new();
    let mut fehlgeschlagen = false;
    for (s, j) in st.db.stufen(ver.id).await? {
        let (zustand, code) = match j.state {
            JobState::Queued => ("wartet", "wartet"),
            JobState::Running => ("läuft", "laeuft"),
            JobState::Succeeded => ("fertig", "fertig"),
            JobState::Failed => ("fehlgeschlagen", "fehlgeschlagen"),
        };
        laufend |= matches!(j.state, JobState::Queued | JobState::Running);
        fehlgeschlagen |= j.state == JobState::Failed;
        stufen.push(StufeView {
            name: stufe_name(&s),
            zustand,
            zustand_code: code,
            fortschritt: j.progress,
            notiz: j.progress_note,
            fehler: j.last_error,
        });
    }
    let feststellungen = st
        .db
        .feststellungen(ver.id)
        .await?
        .into_iter()
        .map(|f| FeststellungView {
            schwere: f.schwere.bezeichnung(),
            schwere_code: f.schwere.code(),
            meldung: f.meldung,
            seite: f.seite,
        })
        .collect();
    let seiten = st.db.seiten(ver.id).await?;
    let vorschauen: Vec<String> = seiten
        .iter()
        .filter(|s| s.vorschau_sha256.is_some())
        .take(12)
        .map(|s| format!("/api/v1/versions/{}/pages/{}/thumbnail", ver.id, s.nummer))
        .collect();
    let seiten = match seiten.len() {
        0 => String::new(),
        n => {
            let mut formate: Vec<String> = seiten
                .iter()
                .map(|s| {
                    if s.format == "Sonderformat" {
                        format!("{:.0} × {:.0} mm", s.breite_mm, s.hoehe_mm)
                    } else {
                        format!("{} {}", s.format, s.ausrichtung)
                    }
                })
                .collect();
            formate.dedup();
            format!(
                "{n} {} · {}",
                if n == 1 { "Seite" } else { "Seiten" },
                formate.join(", ")
            )
        }
    };
    let meta = st.db.metadaten(ver.id).await?;
    let m = |f: &str| meta.iter().find(|x| x.feld == f).map(|x| x.wert.clone());
    let mut teile = Vec::new();
    if let (Some(p), Some(a)) = (m("planart"), m("anlageart")) {
        teile.push(format!("{p} ({a})"));
    }
    if let Some(g) = m("geschoss") {
        teile.push(g);
    }
    if let Some(x) = m("massstab") {
        teile.push(format!("M {x}"));
    }
    match (m("plannummer"), m("index")) {
        (Some(n), Some(i)) => teile.push(format!("Plan-Nr. {n}, Index {i}")),
        (Some(n), None) => teile.push(format!("Plan-Nr. {n}")),
        _ => {}
    }
    if let Some(d) = m("datum").and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
    {
        teile.push(d.format("%d.%m.%Y").to_string());
    }
    if meta.iter().any(|x| x.quelle == "ocr") && !teile.is_empty() {
        teile.push("per Texterkennung".into());
    }
    Ok(VersionView {
        id: ver.id,
        nummer: ver.nummer,
        groesse: upload::mb(ver.groesse.max(0) as u64),
        dateiname: ver.dateiname,
        hochgeladen: plankammer_domain::zeit::format_berlin(ver.created_at),
        stufen,
        feststellungen,
        seiten,
        fehlgeschlagen,
        erkannt: teile.join(" · "),
        vorschauen,
        laufend,
        erkannte_anlageart: m("anlageart"),
    })
}

/// The documents of a case for the page, and whether a check is still running.
async fn dokumente_view(st: &AppState, v: &Vorgang) -> Result<(Vec<DokumentView>, bool), AppError> {
    let mut out = Vec::new();
    let mut laufend = false;
    let entfernt = crate::antrag_seiten::entfernte_dokumente(&st.db, v.id).await?;
    for d in st.db.dokumente(v.id).await? {
        if entfernt.contains(&d.id) {
            continue;
        }
        let fruehere = d.versionen.len().saturating_sub(1);
        let Some(ver) = d.versionen.into_iter().last() else {
            continue;
        };
        let aktuell = version_view(st, ver).await?;
        laufend |= aktuell.laufend;
        let vorschlag = match (&d.anlageart, &aktuell.erkannte_anlageart) {
            (None, Some(code)) => plankammer_domain::codeliste::anlagen()
                .name(code)
                .map(|name| (code.clone(), name.to_string())),
            _ => None,
        };
        out.push(DokumentView {
            id: d.id,
            bezeichnung: d.bezeichnung,
            anlageart: d.anlageart,
            vorschlag,
            fruehere,
            aktuell,
        });
    }
    Ok((out, laufend))
}

#[derive(Serialize)]
struct Ergebnis {
    dateiname: String,
    angenommen: bool,
    meldung: Option<String>,
}

async fn seite(
    st: &AppState,
    u: &CurrentUser,
    a: Antrag,
    ergebnisse: Vec<Ergebnis>,
    status: StatusCode,
) -> PageResult<Response> {
    let v = a.vorgang();
    let (dokumente, laufend) = dokumente_view(st, &v).await?;
    let darf_hochladen = upload::darf_unterlagen_aendern(&akteur(u), &a)?;
    let antrag = crate::antrag_seiten::fallakte(st, u, &a).await?;
    let bescheid = crate::bescheid_seiten::abschnitt(st, u, &a).await?;
    let html = render(
        "vorgang.html",
        context! {
            layout => crate::pages::layout(u, "/start"),
            vorgang => context! { id => v.id, bezeichnung => v.bezeichnung, erstellt => plankammer_domain::zeit::format_berlin(v.created_at) },
            abgelehnt => ergebnisse.iter().any(|e| !e.angenommen),
            dokumente, laufend, darf_hochladen, ergebnisse, antrag, bescheid,
            max_datei => upload::mb(st.config.upload_max_file),
        },
    )?;
    Ok((status, html).into_response())
}

async fn vorgang_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    if u.role() == plankammer_domain::Role::Fachstelle {
        // A Stelle sees a case only through its request (the Beteiligung's access rule).
        return crate::fachstelle_seiten::vorgang_fuer_fachstelle(&st, &u, id).await;
    }
    let v = sichtbar(&st, &u, id).await?;
    seite(&st, &u, v, vec![], StatusCode::OK).await
}

async fn dokumente_fragment(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let a = sichtbar(&st, &u, id).await?;
    let v = a.vorgang();
    let (dokumente, laufend) = dokumente_view(&st, &v).await?;
    let darf_hochladen = upload::darf_unterlagen_aendern(&akteur(&u), &a)?;
    render(
        "_dokumente.html",
        context! { vorgang => context! { id => v.id }, dokumente, laufend, darf_hochladen, layout => crate::pages::layout(&u, "/start") },
    )
}

async fn hochladen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> PageResult<Response> {
    let a = akteur(&u);
    let v = upload::vorgang_fuer_upload(&st.db, &a, id).await?;
    let (ergebnisse, status) = match upload::speichere_formular(&st, &a, &v, &mut form).await {
        Ok((dateien, status)) => (
            dateien
                .into_iter()
                .map(|d| Ergebnis {
                    angenommen: d.ergebnis.is_ok(),
                    meldung: d.ergebnis.err(),
                    dateiname: d.dateiname,
                })
                .collect(),
            if status == StatusCode::CREATED {
                StatusCode::OK
            } else {
                status
            },
        ),
        Err(AppError::Invalid(m)) => (
            vec![Ergebnis {
                dateiname: String::new(),
                angenommen: false,
                meldung: Some(m),
            }],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e),
    };
    seite(&st, &u, st.db.antrag(v.id).await?, ergebnisse, status).await
}

async fn erneut_pruefen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, vid)): Path<(i64, i64)>,
) -> PageResult<Redirect> {
    let v = sichtbar(&st, &u, id).await?;
    let ver = st.db.version(vid).await?;
    // A Stelle's attachment is not the case page's to run again.
    if ver.vorgang_id != v.id || st.db.anlage_beteiligung(ver.dokument_id).await?.is_some() {
        return Err(AppError::NotFound);
    }
    st.db.retry_failed_stufen(ver.id, now_millis()).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}")))
}

#[derive(Deserialize)]
struct AnlageartForm {
    anlageart: String,
}

/// The uploader confirms the pipeline's suggested type (or picks another): the same rule
/// as for uploads (owner or Bauaufsicht, only while the documents may change).
async fn anlageart_setzen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
    Form(f): Form<AnlageartForm>,
) -> PageResult<Redirect> {
    let v = upload::vorgang_fuer_upload(&st.db, &akteur(&u), id).await?;
    let code = f.anlageart.trim();
    if !plankammer_domain::codeliste::anlagen().enthaelt(code) {
        return Err(AppError::Invalid(
            "Diese Anlageart gibt es in der XBau-Liste anlagen_3.0 nicht.".into(),
        ));
    }
    if !st.db.setze_anlageart(v.id, did, code).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/vorgaenge/{id}#dokumente")))
}
