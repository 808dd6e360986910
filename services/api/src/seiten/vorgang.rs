//! The case page, shared by the applicants and the Bauaufsicht: the Angaben, the
//! checklist, the Bauherrschaft, the documents with their pipeline state (htmx polls the
//! list while checks are running), the upload form (works without JavaScript; with it, each
//! file shows its own progress bar), deadlines, Fassungen, what was asked for, the
//! Bescheid and the timeline. Also the list of cases on the start page.

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::gemeinsam::versionen::{VersionView, version_view};
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::upload;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_domain::aufgabe::AufgabenArt;
use plankammer_domain::frist::FristArt;
use plankammer_domain::verfahren::{Auswertung, Behebung};
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::{Role, codeliste, frist, zeit};
use plankammer_storage::antrag::Antrag;
use plankammer_storage::heute_berlin;
use plankammer_verfahren::dokumente::Lesart;
use plankammer_verfahren::freizeichnung::FreizeichnungsZustand;
use plankammer_verfahren::{Verfahren, statuszeile};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vorgaenge", post(neuer_vorgang))
        .route("/vorgaenge/{id}", get(vorgang_seite))
        .route("/vorgaenge/{id}/dokumente", get(dokumente_fragment))
        .route("/vorgaenge/{id}/checkliste", get(checkliste_fragment))
        .route(
            "/vorgaenge/{id}/versionen/{vid}/erneut-pruefen",
            post(erneut_pruefen),
        )
        .route(
            "/vorgaenge/{id}/dokumente/{did}/anlageart",
            post(anlageart_setzen),
        )
        .route("/vorgaenge/{id}/anlagearten", post(anlagearten_setzen))
}

pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route("/vorgaenge/{id}/dokumente", post(hochladen))
        .layer(DefaultBodyLimit::disable())
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
                    bezeichnung: match &a.aktenzeichen {
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
    let id = st
        .verfahren
        .neuer_entwurf(u.akteur(), &f.bezeichnung)
        .await?;
    // The case page asks for the procedure and the Angaben ("Angaben bearbeiten").
    Ok(Redirect::to(&format!("/vorgaenge/{id}")))
}

/// Owner, tenant, or the Bauherrschaft that accepted its invitation.
async fn sichtbar(st: &AppState, u: &CurrentUser, id: i64) -> Result<Antrag, AppError> {
    Ok(st.verfahren.vorgang(u.akteur(), id).await?)
}

#[derive(Serialize)]
struct DokumentView {
    id: i64,
    bezeichnung: String,
    anlageart: Option<String>,
    /// The German name of the confirmed type.
    anlageart_name: Option<String>,
    /// The pipeline's suggestion (code, name) where the uploader chose no type, to confirm.
    vorschlag: Option<(String, String)>,
    /// No type confirmed by a person yet: the card offers the typing select.
    offen: bool,
    /// Preselected in the typing select: the confirmed type, else the suggestion if it is a
    /// code of the list.
    gewaehlt: Option<String>,
    /// The preselected code is among the ones the procedure asks for (the select's first
    /// group), so it is not selected a second time in the full list.
    gewaehlt_verlangt: bool,
    aktuell: VersionView,
    fruehere: usize,
}

/// One group of the typing select: a main group of `anlagen_3.0` (its `xx00` entry names
/// it) with its codes and German names.
#[derive(Serialize)]
struct Anlagegruppe {
    name: String,
    arten: Vec<(String, String)>,
}

/// All Anlagearten of `anlagen_3.0` in their main groups, in the list's order.
static ANLAGEGRUPPEN: std::sync::LazyLock<Vec<Anlagegruppe>> = std::sync::LazyLock::new(|| {
    let liste = codeliste::anlagen();
    let mut gruppen: Vec<Anlagegruppe> = Vec::new();
    let mut schluessel: Option<String> = None;
    for e in &liste.eintraege {
        let kopf = e.code.get(..2).unwrap_or_default().to_string();
        if schluessel.as_deref() != Some(kopf.as_str()) {
            let name = liste
                .name(&format!("{kopf}00"))
                .unwrap_or("Weitere Anlagen")
                .to_string();
            gruppen.push(Anlagegruppe {
                name,
                arten: Vec::new(),
            });
            schluessel = Some(kopf);
        }
        if let Some(g) = gruppen.last_mut() {
            g.arten.push((e.code.clone(), e.name.clone()));
        }
    }
    gruppen
});

/// What the typing select offers: first the Anlagearten the case's procedure asks for
/// (its checklist), then all of `anlagen_3.0` by group.
async fn anlagearten_auswahl(st: &AppState, a: &Antrag) -> Result<Value, AppError> {
    let verlangt: Vec<(String, String)> = match a.verfahren {
        Some(v) => st
            .verfahren
            .checkliste_fuer(a.tenant_id, v)
            .await?
            .positionen
            .iter()
            .filter_map(|p| {
                let name = codeliste::anlagen().name(&p.anlageart)?;
                Some((p.anlageart.clone(), name.to_string()))
            })
            .collect(),
        None => vec![],
    };
    Ok(json!({ "verlangt": verlangt, "gruppen": &*ANLAGEGRUPPEN }))
}

/// The documents of a case for the page, and whether a check is still running.
async fn dokumente_view(st: &AppState, v: &Antrag) -> Result<(Vec<DokumentView>, bool), AppError> {
    let verlangt: Vec<String> = match v.verfahren {
        Some(vf) => st
            .verfahren
            .checkliste_fuer(v.tenant_id, vf)
            .await?
            .positionen
            .into_iter()
            .map(|p| p.anlageart)
            .collect(),
        None => vec![],
    };
    let mut out = Vec::new();
    let mut laufend = false;
    let entfernt = st.db.entfernte_dokumente(v.id).await?;
    for d in st.db.dokumente(v.id).await? {
        if entfernt.contains(&d.id) {
            continue;
        }
        let fruehere = d.versionen.len().saturating_sub(1);
        let Some(ver) = d.versionen.into_iter().last() else {
            continue;
        };
        let aktuell = version_view(&st.db, ver).await?;
        laufend |= aktuell.laufend;
        let vorschlag = match (&d.anlageart, &aktuell.erkannte_anlageart) {
            (None, Some(code)) => plankammer_domain::codeliste::anlagen()
                .name(code)
                .map(|name| (code.clone(), name.to_string())),
            _ => None,
        };
        // Preselected: the confirmed type (to change it), else the suggestion.
        let gewaehlt = d
            .anlageart
            .as_ref()
            .map(|a| a.code().to_string())
            .or_else(|| vorschlag.as_ref().map(|(code, _)| code.clone()));
        out.push(DokumentView {
            id: d.id,
            bezeichnung: d.bezeichnung,
            anlageart_name: d.anlageart.as_ref().map(|a| a.name().to_string()),
            offen: d.anlageart.is_none(),
            anlageart: d.anlageart.map(String::from),
            gewaehlt_verlangt: gewaehlt.as_ref().is_some_and(|c| verlangt.contains(c)),
            gewaehlt,
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

/// What a form on the case page just did (Post/Redirect/Get), as `?erledigt=`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SeitenQuery {
    erledigt: String,
}

fn erledigt_meldung(erledigt: &str) -> Option<&'static str> {
    match erledigt {
        "zustaendigkeit" => Some("Die Zuständigkeit ist gespeichert."),
        "notiz" => Some("Die Notiz ist gespeichert. Sie ist nur für die Bauaufsicht sichtbar."),
        _ => None,
    }
}

async fn seite(
    st: &AppState,
    u: &CurrentUser,
    a: Antrag,
    ergebnisse: Vec<Ergebnis>,
    status: StatusCode,
    erledigt: Option<&'static str>,
) -> PageResult<Response> {
    let (dokumente, laufend) = dokumente_view(st, &a).await?;
    let darf_hochladen = Verfahren::darf_unterlagen_aendern(u.akteur(), &a);
    let darf_pruefen = Verfahren::darf_unterlagen_bearbeiten(u.akteur(), &a);
    let antrag = fallakte(st, u, &a).await?;
    let bescheid = super::bauaufsicht::bescheid::abschnitt(st, u, &a).await?;
    let anlagearten = anlagearten_auswahl(st, &a).await?;
    let bearbeitung = super::bauaufsicht::bearbeitung::abschnitt(st, u, &a).await?;
    let html = render(
        "vorgang.html",
        context! {
            layout => layout(u, "/start"),
            vorgang => context! { id => a.id, bezeichnung => a.bezeichnung, erstellt => zeit::format_berlin(a.created_at) },
            abgelehnt => ergebnisse.iter().any(|e| !e.angenommen),
            dokumente, laufend, darf_hochladen, darf_pruefen, ergebnisse, antrag, bescheid, anlagearten,
            bearbeitung, erledigt,
            max_datei => upload::mb(st.config.upload_max_file),
        },
    )?;
    Ok((status, html).into_response())
}

async fn vorgang_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<SeitenQuery>,
) -> PageResult<Response> {
    if u.role() == Role::Fachstelle {
        // A Stelle sees a case only through its request (the Beteiligung's access rule).
        let b = st
            .verfahren
            .neueste_beteiligung_am_vorgang(u.akteur(), id)
            .await?;
        return Ok(Redirect::to(&format!("/beteiligungen/{}", b.id)).into_response());
    }
    // The page shows the Angaben and the documents' metadata: a read of personal data.
    let a = st
        .verfahren
        .akte_lesen(u.akteur(), id, "akte", Lesart::Sitzung)
        .await?;
    seite(
        &st,
        &u,
        a,
        vec![],
        StatusCode::OK,
        erledigt_meldung(&q.erledigt),
    )
    .await
}

async fn dokumente_fragment(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let a = sichtbar(&st, &u, id).await?;
    let (dokumente, laufend) = dokumente_view(&st, &a).await?;
    let darf_hochladen = Verfahren::darf_unterlagen_aendern(u.akteur(), &a);
    let darf_pruefen = Verfahren::darf_unterlagen_bearbeiten(u.akteur(), &a);
    let anlagearten = anlagearten_auswahl(&st, &a).await?;
    render(
        "_dokumente.html",
        context! { vorgang => context! { id => a.id }, dokumente, laufend, darf_hochladen, darf_pruefen, anlagearten, layout => layout(&u, "/start") },
    )
}

async fn checkliste_fragment(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    let a = sichtbar(&st, &u, id).await?;
    let antrag = fallakte(&st, &u, &a).await?;
    render(
        "antrag_checkliste.html",
        context! { antrag, vorgang => context! { id => a.id }, layout => layout(&u, "/start") },
    )
}

async fn hochladen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> PageResult<Response> {
    let a = st.verfahren.vorgang_fuer_aenderung(u.akteur(), id).await?;
    let (ergebnisse, status) =
        match upload::speichere_formular(&st, u.akteur(), &a, &mut form).await {
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
    seite(&st, &u, st.db.antrag(a.id).await?, ergebnisse, status, None).await
}

async fn erneut_pruefen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, vid)): Path<(i64, i64)>,
) -> PageResult<Redirect> {
    st.verfahren.erneut_pruefen(u.akteur(), id, vid).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}")))
}

#[derive(Deserialize)]
struct AnlageartForm {
    anlageart: String,
}

/// The uploader confirms the pipeline's suggested type (or picks another).
async fn anlageart_setzen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
    Form(f): Form<AnlageartForm>,
) -> PageResult<Redirect> {
    st.verfahren
        .anlageart_setzen(u.akteur(), id, did, &f.anlageart)
        .await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}#dokument-{did}")))
}

/// The typing form: `anlageart_<document id>` fields, one per document without a confirmed
/// type (each on its card), saved together. Fields left empty change nothing.
async fn anlagearten_setzen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Redirect> {
    let mut arten = Vec::new();
    for (name, wert) in felder {
        let Some(did) = name.strip_prefix("anlageart_") else {
            continue;
        };
        let did: i64 = did
            .parse()
            .map_err(|_| AppError::Invalid("Das Formular ist ungültig.".into()))?;
        if !wert.trim().is_empty() {
            arten.push((did, wert));
        }
    }
    st.verfahren
        .anlagearten_setzen(u.akteur(), id, &arten)
        .await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}#dokumente")))
}

// --- The Antrag part of the case page ------------------------------------------------------

#[derive(Serialize)]
struct PositionView {
    anlageart: String,
    name: String,
    hinweis: Option<String>,
    anforderung: String,
    vorhanden: bool,
    blockiert: bool,
    text: String,
    befund: String,
    schwere: Option<&'static str>,
}

#[derive(Serialize)]
struct ChecklistenView {
    positionen: Vec<PositionView>,
    darf_einreichen: bool,
    gruende: Vec<String>,
    hinweise: Vec<String>,
    laufend: bool,
}

fn checklisten_view(aw: &Auswertung, laufend: bool) -> ChecklistenView {
    ChecklistenView {
        positionen: aw
            .positionen
            .iter()
            .map(|p| PositionView {
                anlageart: p.anlageart.clone(),
                name: p.name.clone(),
                hinweis: p.hinweis.clone(),
                anforderung: p.anforderung.bezeichnung(),
                vorhanden: p.vorhanden,
                blockiert: p.blockiert,
                text: p.text.clone(),
                befund: p.befund.zusammenfassung(),
                schwere: p.befund.schlimmste().map(|x| x.code()),
            })
            .collect(),
        darf_einreichen: aw.darf_einreichen,
        gruende: aw.gruende.clone(),
        hinweise: aw.hinweise.clone(),
        laufend,
    }
}

/// Where on the page (or which page) a reason for not submitting is fixed, and the link's
/// words.
fn behebung_link(vorgang_id: i64, b: &Behebung) -> (String, &'static str) {
    match b {
        Behebung::Anlageart { dokument } => (format!("#anlageart-{dokument}"), "Anlageart wählen"),
        Behebung::Dokument { dokument } => (format!("#dokument-{dokument}"), "Zum Dokument"),
        Behebung::Hochladen { .. } => ("#hochladen-titel".into(), "Zum Hochladen"),
        Behebung::Angaben => (
            format!("/vorgaenge/{vorgang_id}/angaben"),
            "Angaben bearbeiten",
        ),
        Behebung::Bauherrschaft => ("#beteiligte".into(), "Zur Bauherrschaft"),
    }
}

/// The data the case page (and the checklist fragment) shows about the Antrag.
async fn fallakte(st: &AppState, u: &CurrentUser, a: &Antrag) -> Result<Value, AppError> {
    let zustand = a.zustand;
    let verfahren = a.verfahren;
    let eigentuemer = Verfahren::ist_eigentuemer(u.akteur(), a);
    let entwurf = zustand == Zustand::Entwurf;

    let stand = st.verfahren.checklistenstand(a).await?;
    let checkliste = stand
        .as_ref()
        .map(|s| checklisten_view(&s.auswertung, s.laufend));
    // Plans against the Angaben: a warning for the applicant while the case can change.
    let abweichungen: Vec<String> =
        if eigentuemer && matches!(zustand, Zustand::Entwurf | Zustand::Nachforderung) {
            st.verfahren
                .plan_abweichungen(a)
                .await
                .map(|x| plankammer_domain::plausibilitaet::saetze(&x))?
        } else {
            vec![]
        };
    let hindernisse: Vec<Value> = if entwurf && eigentuemer {
        st.verfahren
            .einreichungsmaengel(a, stand.as_ref().map(|s| &s.auswertung))
            .await?
            .into_iter()
            .map(|m| {
                let (href, link) = behebung_link(a.id, &m.behebung);
                json!({ "text": m.text, "href": href, "link": link })
            })
            .collect()
    } else {
        vec![]
    };

    // Who may sign now: the person themself, before submission, or again in a Nachreichung
    // when a change invalidated the Freizeichnung (docs/decisions/0006-freizeichnung.md).
    let signierbar = |z: FreizeichnungsZustand| match zustand {
        Zustand::Entwurf => matches!(
            z,
            FreizeichnungsZustand::Offen | FreizeichnungsZustand::Ungueltig
        ),
        Zustand::Nachforderung => z == FreizeichnungsZustand::Ungueltig,
        _ => false,
    };
    let beteiligte: Vec<Value> = st
        .verfahren
        .freizeichnungen(a)
        .await?
        .into_iter()
        .map(|f| {
            let am = f.freigezeichnet_at.map(zeit::format_berlin);
            let stand = match f.zustand {
                FreizeichnungsZustand::NichtAngenommen => {
                    "eingeladen, noch nicht angenommen".to_string()
                }
                FreizeichnungsZustand::Offen => {
                    "Einladung angenommen, Freizeichnung steht aus".to_string()
                }
                FreizeichnungsZustand::Gueltig => {
                    format!("freigezeichnet am {}", am.unwrap_or_default())
                }
                FreizeichnungsZustand::Ungueltig => format!(
                    "Freizeichnung vom {} gilt nicht mehr, der Antrag wurde danach geändert – erneute Freizeichnung nötig",
                    am.unwrap_or_default()
                ),
            };
            let ich = f.user_id == Some(u.user_id());
            let gezeichnet: Vec<Value> = f
                .gezeichnet
                .iter()
                .flat_map(|g| &g.unterlagen)
                .map(|d| json!({ "bezeichnung": d.bezeichnung, "sha256": d.sha256 }))
                .collect();
            json!({
                "name": f.name, "stand": stand,
                "email": f.email,
                "ich": ich,
                "gueltig": f.zustand == FreizeichnungsZustand::Gueltig,
                "ungueltig": f.zustand == FreizeichnungsZustand::Ungueltig,
                "aenderungen": f.aenderungen.iter().map(|a| a.beschreibung()).collect::<Vec<_>>(),
                "gezeichnet": gezeichnet,
                "sha256": f.sha256,
                "darf_freizeichnen": ich && signierbar(f.zustand),
                "erneut": ich && f.zustand == FreizeichnungsZustand::Ungueltig,
                "hindernis": f.hindernis(),
            })
        })
        .collect();
    let darf_freizeichnen = beteiligte
        .iter()
        .any(|b| b["darf_freizeichnen"].as_bool() == Some(true));
    let nachreichungshindernisse: Vec<&str> = if eigentuemer && zustand == Zustand::Nachforderung {
        beteiligte
            .iter()
            .filter_map(|b| b["hindernis"].as_str())
            .collect()
    } else {
        Vec::new()
    };
    let erneut_freizeichnen = beteiligte
        .iter()
        .any(|b| b["erneut"].as_bool() == Some(true));

    let heute = heute_berlin();
    let offene_fristen: Vec<_> = st
        .db
        .fristen(a.id)
        .await?
        .into_iter()
        .filter(|f| f.zustand.ist_offen())
        .collect();
    let nachforderung_bis = offene_fristen
        .iter()
        .find(|f| f.art == FristArt::Nachforderung)
        .map(|f| frist::tag_de(f.ende));
    let ist_bauaufsicht = u.role() == Role::Bauaufsicht && u.tenant_id() == a.tenant_id;
    let mut fristen: Vec<(chrono::NaiveDate, Value)> = offene_fristen
        .into_iter()
        .map(|f| {
            (
                f.ende,
                json!({
                    "art": f.art.bezeichnung_fuer_antragsteller(),
                    "rechtsgrundlage": f.rechtsgrundlage,
                    "ende": frist::tag_de(f.ende),
                    "tage": frist::tage_bis(heute, f.ende),
                    "erklaerung": f.erklaerung,
                }),
            )
        })
        .collect();
    // The case worker sees every deadline of the case in one place: each Stelle's too.
    if ist_bauaufsicht {
        for b in st.db.beteiligungen(a.id).await? {
            if !b.zustand.ist_offen() {
                continue;
            }
            fristen.push((
                b.ende,
                json!({
                    "art": format!("Stellungnahme der Stelle „{}“", b.stelle_name),
                    "rechtsgrundlage": b.rechtsgrundlage,
                    "ende": frist::tag_de(b.ende),
                    "tage": frist::tage_bis(heute, b.ende),
                    "erklaerung": b.erklaerung,
                    "href": format!("/vorgaenge/{}/beteiligung#beteiligung-{}", a.id, b.id),
                }),
            ));
        }
    }
    fristen.sort_by_key(|(ende, _)| *ende);
    let fristen: Vec<Value> = fristen.into_iter().map(|(_, f)| f).collect();

    let mut fassungen = Vec::new();
    for fa in st.db.fassungen(a.id).await? {
        let dokumente = st.db.fassung_dokumente(fa.id).await?;
        fassungen.push(json!({
            "nummer": fa.nummer,
            "erstellt": zeit::format_berlin(fa.created_at),
            "dokumente": dokumente,
        }));
    }

    let alle_dokumente = st.db.dokumente(a.id).await?;

    // What the Bauaufsicht asked for: the Befunde of the last round, while it is open.
    let nachgefordert: Vec<Value> = if zustand == Zustand::Nachforderung {
        let befunde = st.db.befunde(a.id).await?;
        let runde = befunde.iter().map(|b| b.runde).max();
        befunde
            .into_iter()
            .filter(|b| Some(b.runde) == runde)
            .map(|b| {
                json!({
                    "art": codeliste::formelle_befunde().name(&b.code).unwrap_or_default(),
                    "text": b.text,
                    "dokument": b.dokument_id.and_then(|id| {
                        alle_dokumente.iter().find(|d| d.id == id).map(|d| d.bezeichnung.clone())
                    }),
                })
            })
            .collect()
    } else {
        vec![]
    };

    let mut jetzt = jetzt_zu_tun(&Lage {
        id: a.id,
        zustand,
        eigentuemer,
        bauaufsicht: ist_bauaufsicht,
        offene_punkte: hindernisse.len(),
        freizeichnen: darf_freizeichnen,
        erneut_freizeichnen,
        nachforderung_bis: nachforderung_bis.as_deref(),
        nachgefordert: nachgefordert.len(),
    });
    // For the case worker, what the work list holds for this case (Rückfragen,
    // Stellungnahmen, deadlines …).
    if ist_bauaufsicht {
        for t in st
            .verfahren
            .aufgaben_am_vorgang(u.akteur(), a.id, heute)
            .await?
        {
            // The state's own step (Prüfung, Beteiligung, Bescheid) is already offered above.
            if matches!(
                t.art,
                AufgabenArt::NeuerAntrag
                    | AufgabenArt::Nachreichung
                    | AufgabenArt::BeteiligungStarten
                    | AufgabenArt::BescheidEntwerfen
            ) {
                continue;
            }
            let titel = match t.frist {
                Some(f) => format!("{} (bis {})", t.titel, frist::tag_de(f)),
                None => t.titel.to_string(),
            };
            jetzt.push(
                json!({ "titel": titel, "text": t.text, "href": t.pfad, "knopf": "Erledigen" }),
            );
        }
    }

    let gemeinde = a
        .gemeinde_ags
        .as_deref()
        .and_then(|g| codeliste::gemeinden_hessen().name(g))
        .unwrap_or_default();
    let (massnahme, gebaeudeklasse) = match &a.angaben {
        Some(g) => (
            codeliste::baumassnahmearten()
                .name(&g.bauvorhaben.massnahme)
                .unwrap_or_default()
                .to_string(),
            codeliste::gebaeudeklassen()
                .name(&g.bauvorhaben.gebaeudeklasse)
                .unwrap_or_default()
                .to_string(),
        ),
        None => (String::new(), String::new()),
    };

    Ok(json!({
        "id": a.id,
        "zustand": zustand.slug(),
        "statuszeile": statuszeile(zustand),
        "jetzt": jetzt,
        "verfahren": verfahren.map(|v| v.bezeichnung_mit_paragraph()),
        "aktenzeichen": a.aktenzeichen,
        "eingereicht": a.eingereicht_at.map(zeit::format_berlin),
        "angaben": a.angaben.clone().map(|g| serde_json::to_value(g).unwrap_or_default()).unwrap_or_else(|| json!({})),
        "hat_angaben": a.angaben.is_some(),
        "gemeinde": gemeinde,
        "massnahme": massnahme,
        "gebaeudeklasse": gebaeudeklasse,
        "eigentuemer": eigentuemer,
        "entwurf": entwurf,
        "darf_bearbeiten": eigentuemer && entwurf,
        "darf_einladen": eigentuemer && entwurf,
        "darf_einreichen": eigentuemer && entwurf && hindernisse.is_empty(),
        "hindernisse": hindernisse,
        "darf_nachreichen": eigentuemer && zustand == Zustand::Nachforderung,
        "darf_zurueckziehen": eigentuemer && zustand.ist_in_bearbeitung(),
        "nachreichungshindernisse": nachreichungshindernisse,
        "darf_freizeichnen": darf_freizeichnen,
        "erneut_freizeichnen": erneut_freizeichnen,
        "ist_bauaufsicht": ist_bauaufsicht,
        "checkliste": checkliste,
        "abweichungen": abweichungen,
        "beteiligte": beteiligte,
        "fristen": fristen,
        "fassungen": fassungen,
        "nachgefordert": nachgefordert,
        "zeitleiste": zeitleiste(st, a, u.role() == Role::Antragsteller).await?,
    }))
}

/// What the person looking at a case sees about it, to say what they must do now.
struct Lage<'a> {
    id: i64,
    zustand: Zustand,
    eigentuemer: bool,
    bauaufsicht: bool,
    offene_punkte: usize,
    freizeichnen: bool,
    erneut_freizeichnen: bool,
    nachforderung_bis: Option<&'a str>,
    nachgefordert: usize,
}

/// "Jetzt zu tun": the one or two things this person must do on this case now, first on
/// the page, each with where to do it. Empty when nothing waits for them; the page then
/// says so in words. Only what the person may do is offered (the same flags that show the
/// forms further down).
fn jetzt_zu_tun(l: &Lage) -> Vec<Value> {
    let mut t = Vec::new();
    let mut add = |titel: String, text: String, href: String, knopf: &str| {
        t.push(json!({ "titel": titel, "text": text, "href": href, "knopf": knopf }));
    };
    if l.freizeichnen {
        add(
            if l.erneut_freizeichnen {
                "Geänderten Antrag erneut freizeichnen".into()
            } else {
                "Antrag freizeichnen".into()
            },
            "Bitte prüfen Sie die Angaben und Unterlagen und bestätigen Sie den Antrag als Bauherrschaft.".into(),
            "#beteiligte".into(),
            "Zur Freizeichnung",
        );
    }
    if l.eigentuemer {
        match l.zustand {
            Zustand::Entwurf if l.offene_punkte > 0 => add(
                "Antrag vervollständigen".into(),
                match l.offene_punkte {
                    1 => "Vor dem Einreichen fehlt noch 1 Punkt der Checkliste.".into(),
                    n => format!("Vor dem Einreichen fehlen noch {n} Punkte der Checkliste."),
                },
                "#checkliste".into(),
                "Zur Checkliste",
            ),
            Zustand::Entwurf => add(
                "Antrag einreichen".into(),
                "Alle Punkte der Checkliste sind erfüllt. Sie können den Antrag jetzt einreichen."
                    .into(),
                "#checkliste".into(),
                "Zum Einreichen",
            ),
            Zustand::Nachforderung => add(
                "Unterlagen nachreichen".into(),
                format!(
                    "Die Bauaufsicht hat {} nachgefordert{}. Wird die Frist versäumt, gilt der Antrag als zurückgenommen.",
                    match l.nachgefordert {
                        0 | 1 => "eine Unterlage oder Angabe".to_string(),
                        n => format!("{n} Unterlagen oder Angaben"),
                    },
                    l.nachforderung_bis
                        .map(|d| format!(" – bis {d}"))
                        .unwrap_or_default()
                ),
                "#nachreichung".into(),
                "Zur Nachforderung",
            ),
            _ => {}
        }
    }
    if matches!(l.zustand, Zustand::Genehmigt | Zustand::Abgelehnt) {
        add(
            "Bescheid herunterladen".into(),
            "Der Bescheid ist erlassen.".into(),
            "#bescheid".into(),
            "Zum Bescheid",
        );
    }
    if l.bauaufsicht {
        let id = l.id;
        match l.zustand {
            Zustand::Eingegangen | Zustand::Nachgereicht => add(
                "Formelle Prüfung".into(),
                "Prüfen Sie, ob die Unterlagen vollständig sind: vollständig erklären oder nachfordern.".into(),
                format!("/vorgaenge/{id}/pruefung"),
                "Zur formellen Prüfung",
            ),
            Zustand::Vollstaendig => add(
                "Beteiligung starten".into(),
                "Der Antrag ist vollständig. Beteiligen Sie die Stellen, deren Stellungnahme nötig ist.".into(),
                format!("/vorgaenge/{id}/beteiligung"),
                "Beteiligung starten",
            ),
            Zustand::Beteiligung => add(
                "Beteiligung verfolgen".into(),
                "Die Stellen sind angefragt. Offene Anfragen, Rückfragen und Stellungnahmen sehen Sie in der Beteiligung.".into(),
                format!("/vorgaenge/{id}/beteiligung"),
                "Zur Beteiligung",
            ),
            Zustand::BeteiligungAbgeschlossen => add(
                "Bescheid entwerfen".into(),
                "Alle Stellen haben geantwortet. Entwerfen und erlassen Sie den Bescheid.".into(),
                format!("/vorgaenge/{id}/bescheid"),
                "Zum Bescheid",
            ),
            _ => {}
        }
    }
    t
}

/// The timeline of a case for `_zeitleiste.html`; for the applicant side without the
/// entries that concern only the authorities ([`plankammer_domain::zeitleiste::Publikum`]).
pub async fn zeitleiste(
    st: &AppState,
    a: &Antrag,
    fuer_antragsteller: bool,
) -> Result<Vec<Value>, AppError> {
    Ok(st
        .db
        .ereignisse(a.id)
        .await?
        .into_iter()
        .filter(|e| !fuer_antragsteller || e.art.fuer_antragsteller())
        .rev()
        .map(|e| {
            json!({
                "wann": zeit::format_berlin(e.at),
                "wer": e.user_name.unwrap_or_else(|| "System".into()),
                "art": e.art,
                "text": e.text,
                "status_code": e.status_code,
                "zustand": e.zustand.map(|z| z.bezeichnung()),
            })
        })
        .collect())
}
