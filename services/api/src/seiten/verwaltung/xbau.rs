//! The tenant admin's XBau page: the partner systems (application portals, Fachstellen's
//! own systems) with their access, and the journal of every message in and out, each
//! readable with its XML, outgoing ones with a resend.
//!
//! Steps of [`plankammer_verfahren::xbau_austausch`].

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_storage::xbau::{JournalEintrag, PartnerArt, Richtung};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verwaltung/xbau", get(xbau_seite))
        .route("/verwaltung/xbau/partner", post(partner_anlegen))
        .route(
            "/verwaltung/xbau/partner/{id}/widerrufen",
            post(partner_widerrufen),
        )
        .route("/verwaltung/xbau/nachrichten/{id}", get(nachricht_seite))
        .route(
            "/verwaltung/xbau/nachrichten/{id}/erneut",
            post(erneut_senden),
        )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Abfrage {
    ok: String,
    /// Older entries: those before this id.
    vor: Option<i64>,
}

fn hinweis_text(code: &str) -> Option<&'static str> {
    match code {
        "widerrufen" => {
            Some("Der Zugang ist widerrufen; das Partnersystem kann sich nicht mehr anmelden.")
        }
        "erneut" => Some("Die Nachricht liegt wieder im Postausgang des Partnersystems."),
        _ => None,
    }
}

fn zeit(ms: i64) -> String {
    plankammer_domain::zeit::format_berlin(ms)
}

/// What a journal entry's outcome means, in words.
fn ergebnis_text(e: &JournalEintrag) -> &'static str {
    match (e.richtung, e.ergebnis.as_str(), e.abgeholt_at.is_some()) {
        (Richtung::Ein, "angenommen", _) => "angenommen",
        (Richtung::Ein, "zurueckgewiesen", _) => "zurückgewiesen",
        (Richtung::Ein, _, _) => "in Bearbeitung",
        (Richtung::Aus, _, true) => "abgeholt",
        (Richtung::Aus, _, false) => "bereit zum Abholen",
    }
}

async fn xbau_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<Abfrage>,
) -> PageResult<Response> {
    seite(
        &st,
        &u,
        q.vor,
        hinweis_text(&q.ok),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

async fn seite(
    st: &AppState,
    u: &CurrentUser,
    vor: Option<i64>,
    hinweis: Option<&str>,
    fehler: Option<String>,
    neu: Option<(String, String)>,
    status: StatusCode,
) -> PageResult<Response> {
    let partner = st.verfahren.xbau_partner_liste(u.akteur()).await?;
    // The authority's own identifier, as its messages name it.
    let eigene_kennung = st.db.xbau_kennung(u.tenant_id()).await?;
    let kennung_dvdv = eigene_kennung.as_deref().is_some_and(dvdv_form);
    let journal = st.verfahren.xbau_journal(u.akteur(), vor).await?;
    let namen: std::collections::HashMap<i64, String> =
        partner.iter().map(|p| (p.id, p.name.clone())).collect();
    let stellen: Vec<_> = st
        .db
        .stellen_fuer(u.tenant_id())
        .await?
        .into_iter()
        .filter(|s| s.tenant_id.is_some())
        .map(|s| context! { id => s.id, name => s.name })
        .collect();
    let stellen_namen: std::collections::HashMap<i64, String> = st
        .db
        .stellen_fuer(u.tenant_id())
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let weiter = (journal.len() >= 100)
        .then(|| journal.last().map(|e| e.id))
        .flatten();
    let partner: Vec<_> = partner
        .iter()
        .map(|p| {
            context! {
                id => p.id, name => p.name, kennung => p.kennung,
                art => match p.art { PartnerArt::Portal => "Antragsportal", PartnerArt::Stelle => "Fachstelle" },
                prefix => p.token_prefix, seit => zeit(p.created_at),
                stelle => p.stelle_id.and_then(|s| stellen_namen.get(&s).cloned()),
                widerrufen => p.widerrufen_at.map(zeit),
            }
        })
        .collect();
    let journal: Vec<_> = journal
        .iter()
        .map(|e| {
            context! {
                id => e.id,
                richtung => match e.richtung { Richtung::Ein => "eingehend", Richtung::Aus => "ausgehend" },
                nachricht => e.nachricht, uuid => e.uuid, at => zeit(e.at),
                vorgang_id => e.vorgang_id,
                partner => e.partner_id.and_then(|p| namen.get(&p).cloned()).unwrap_or_default(),
                ergebnis => ergebnis_text(e),
                abgewiesen => e.ergebnis == "zurueckgewiesen",
            }
        })
        .collect();
    let html = render(
        "verwaltung_xbau.html",
        context! {
            layout => layout(u, "/verwaltung/xbau"),
            partner, journal, hinweis, fehler, weiter, stellen,
            eigene_kennung, kennung_dvdv,
            neu => neu.map(|(name, secret)| context! { name, secret }),
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct PartnerForm {
    #[serde(default)]
    art: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kennung: String,
    #[serde(default)]
    stelle: String,
}

/// The form the XBau rules ask of a DVDV identifier (`sch-xbau-001`): three lowercase
/// letters, a colon, digits.
fn dvdv_form(k: &str) -> bool {
    k.split_once(':').is_some_and(|(a, b)| {
        a.len() == 3
            && a.chars().all(|c| c.is_ascii_lowercase())
            && !b.is_empty()
            && b.chars().all(|c| c.is_ascii_digit())
    })
}

async fn partner_anlegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<PartnerForm>,
) -> PageResult<Response> {
    let Some(art) = PartnerArt::from_code(&f.art) else {
        return abgelehnt(
            &st,
            &u,
            AppError::Invalid(
                "Bitte wählen Sie, ob es ein Antragsportal oder eine Fachstelle ist.".into(),
            ),
        )
        .await;
    };
    match st
        .verfahren
        .xbau_partner_anlegen(u.akteur(), art, &f.name, &f.kennung, f.stelle.parse().ok())
        .await
    {
        // The secret is shown once, on this answer (never in a URL).
        Ok((p, secret)) => {
            seite(
                &st,
                &u,
                None,
                None,
                None,
                Some((p.name, secret)),
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => abgelehnt(&st, &u, e.into()).await,
    }
}

async fn abgelehnt(st: &AppState, u: &CurrentUser, e: AppError) -> PageResult<Response> {
    match e {
        e @ (AppError::Invalid(_) | AppError::Conflict(_)) => {
            let status = e.status();
            seite(st, u, None, None, Some(e.meldung()), None, status).await
        }
        e => Err(e),
    }
}

async fn partner_widerrufen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    st.verfahren.xbau_partner_widerrufen(u.akteur(), id).await?;
    Ok(Redirect::to("/verwaltung/xbau?ok=widerrufen").into_response())
}

async fn nachricht_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let e = st.verfahren.xbau_journal_eintrag(u.akteur(), id).await?;
    let partner = match e.partner_id {
        Some(p) => st
            .verfahren
            .xbau_partner_liste(u.akteur())
            .await?
            .into_iter()
            .find(|x| x.id == p)
            .map(|x| x.name),
        None => None,
    };
    let html = render(
        "verwaltung_xbau_nachricht.html",
        context! {
            layout => layout(&u, "/verwaltung/xbau"),
            id => e.id, nachricht => e.nachricht, uuid => e.uuid, at => zeit(e.at),
            richtung => match e.richtung { Richtung::Ein => "eingehend", Richtung::Aus => "ausgehend" },
            ausgehend => e.richtung == Richtung::Aus && e.partner_id.is_some(),
            ergebnis => ergebnis_text(&e), befunde => e.befunde, bezug => e.bezug_uuid,
            vorgang_id => e.vorgang_id, partner, xml => e.xml,
            beilagen => e.beilagen.iter().map(|b| context! { dateiname => b.dateiname, groesse => crate::upload::mb(b.groesse.max(0) as u64) }).collect::<Vec<_>>(),
        },
    )?;
    Ok(html.into_response())
}

async fn erneut_senden(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    st.verfahren.xbau_erneut_senden(u.akteur(), id).await?;
    Ok(Redirect::to("/verwaltung/xbau?ok=erneut").into_response())
}
