//! The tenant admin's page for how people sign in: whether staff may still use local
//! passwords (only when a staff provider is configured for the tenant), the least trust
//! level an applicant's sign-in needs to submit, and the mapping of the staff provider's
//! groups to roles and Stellen (audited; applies at each person's next sign-in).
//!
//! Steps of [`plankammer_verfahren::extern_anmeldung`].

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
use plankammer_domain::Role;
use plankammer_domain::vertrauensniveau::Vertrauensniveau;
use plankammer_storage::identitaeten::Anmeldeeinstellungen;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/verwaltung/anmeldung",
            get(anmeldung_seite).post(einstellungen_setzen),
        )
        .route("/verwaltung/anmeldung/gruppen", post(zuordnung_anlegen))
        .route(
            "/verwaltung/anmeldung/gruppen/{id}/loeschen",
            post(zuordnung_loeschen),
        )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Hinweis {
    ok: String,
}

fn hinweis_text(code: &str) -> Option<&'static str> {
    match code {
        "gespeichert" => Some("Die Einstellungen sind gespeichert."),
        "angelegt" => Some("Die Zuordnung ist angelegt. Sie gilt ab der nächsten Anmeldung."),
        "geloescht" => Some("Die Zuordnung ist gelöscht. Sie gilt ab der nächsten Anmeldung."),
        _ => None,
    }
}

async fn anmeldung_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<Hinweis>,
) -> PageResult<Response> {
    seite(&st, &u, hinweis_text(&q.ok), None, StatusCode::OK).await
}

async fn seite(
    st: &AppState,
    u: &CurrentUser,
    hinweis: Option<&str>,
    fehler: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let e = st.verfahren.anmeldeeinstellungen(u.akteur()).await?;
    let zuordnungen = st.verfahren.gruppenzuordnungen(u.akteur()).await?;
    let stellen = st.db.stellen_fuer(u.tenant_id()).await?;
    let anbieter = st
        .oidc
        .fuer_behoerde(&u.member().tenant.slug)
        .map(|a| context! { label => a.label, issuer => a.issuer, claim => a.gruppen_claim });
    let servicekonto = st
        .oidc
        .alle()
        .iter()
        .any(|a| a.art == crate::oidc::Anbieterart::Buerger);
    let niveaus: Vec<_> = Vertrauensniveau::ALLE
        .iter()
        .map(|n| context! { code => n.code(), name => n.bezeichnung() })
        .collect();
    let rollen: Vec<_> = [Role::Bauaufsicht, Role::Fachstelle, Role::Admin]
        .iter()
        .map(|r| context! { code => r.code(), name => r.bezeichnung() })
        .collect();
    let zuordnungen: Vec<_> = zuordnungen
        .iter()
        .map(|z| {
            context! {
                id => z.id, gruppe => z.gruppe, rolle => z.role.bezeichnung(),
                stelle => z.stelle_name,
            }
        })
        .collect();
    let stellen: Vec<_> = stellen
        .iter()
        .map(|s| context! { id => s.id, name => s.name })
        .collect();
    let html = render(
        "verwaltung_anmeldung.html",
        context! {
            layout => layout(u, "/verwaltung/anmeldung"),
            lokale_anmeldung => e.lokale_anmeldung,
            mindest_niveau => e.mindest_niveau,
            anbieter, servicekonto, niveaus, rollen, zuordnungen, stellen, hinweis, fehler,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct EinstellungenForm {
    #[serde(default)]
    lokale_anmeldung: Option<String>,
    #[serde(default)]
    mindest_niveau: String,
}

async fn einstellungen_setzen(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<EinstellungenForm>,
) -> PageResult<Response> {
    let e = Anmeldeeinstellungen {
        lokale_anmeldung: f.lokale_anmeldung.is_some(),
        mindest_niveau: Some(f.mindest_niveau).filter(|n| !n.is_empty()),
    };
    let anbieter = st
        .oidc
        .fuer_behoerde(&u.member().tenant.slug)
        .map(|a| a.id.clone());
    match st
        .verfahren
        .anmeldeeinstellungen_setzen(u.akteur(), &e, anbieter.as_deref())
        .await
    {
        Ok(()) => Ok(Redirect::to("/verwaltung/anmeldung?ok=gespeichert").into_response()),
        Err(e) => abgelehnt(&st, &u, e.into()).await,
    }
}

async fn abgelehnt(st: &AppState, u: &CurrentUser, e: AppError) -> PageResult<Response> {
    match e {
        e @ (AppError::Invalid(_) | AppError::Conflict(_)) => {
            let status = e.status();
            seite(st, u, None, Some(e.meldung()), status).await
        }
        e => Err(e),
    }
}

#[derive(Deserialize)]
struct ZuordnungForm {
    #[serde(default)]
    gruppe: String,
    #[serde(default)]
    rolle: String,
    #[serde(default)]
    stelle: String,
}

async fn zuordnung_anlegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<ZuordnungForm>,
) -> PageResult<Response> {
    let Some(rolle) = Role::from_code(&f.rolle) else {
        return abgelehnt(
            &st,
            &u,
            AppError::Invalid("Bitte wählen Sie eine Rolle.".into()),
        )
        .await;
    };
    let stelle = f.stelle.parse::<i64>().ok();
    match st
        .verfahren
        .gruppenzuordnung_anlegen(u.akteur(), &f.gruppe, rolle, stelle)
        .await
    {
        Ok(_) => Ok(Redirect::to("/verwaltung/anmeldung?ok=angelegt").into_response()),
        Err(e) => abgelehnt(&st, &u, e.into()).await,
    }
}

async fn zuordnung_loeschen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    st.verfahren
        .gruppenzuordnung_loeschen(u.akteur(), id)
        .await?;
    Ok(Redirect::to("/verwaltung/anmeldung?ok=geloescht").into_response())
}
