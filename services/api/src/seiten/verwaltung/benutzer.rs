//! The tenant's accounts: the list, one person, a new account.

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
use plankammer_storage::StoreError;
use plankammer_verfahren::verwaltung::Kontoaenderung;
use plankammer_verfahren::zugang::NeueEinladung;
use plankammer_verfahren::{Fehler, zugriff};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verwaltung/benutzer", get(benutzer).post(create_benutzer))
        .route(
            "/verwaltung/benutzer/{id}",
            get(benutzer_detail).post(benutzer_aendern),
        )
        .route(
            "/verwaltung/benutzer/einladungen/{id}/zurueckziehen",
            post(einladung_zurueckziehen),
        )
        .route("/verwaltung/zweiter-faktor", post(pflicht_setzen))
}

#[derive(Serialize)]
struct MemberView {
    id: i64,
    name: String,
    email: String,
    rolle: &'static str,
    gesperrt: bool,
}

#[derive(Deserialize, Default)]
struct BenutzerQuery {
    eingeladen: Option<String>,
    zurueckgezogen: Option<String>,
}

async fn benutzer_page(
    st: &AppState,
    user: &CurrentUser,
    fehler: Option<String>,
    eingabe: Option<&NewUserForm>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let members: Vec<MemberView> = st
        .db
        .members_of_tenant(user.tenant_id())
        .await?
        .into_iter()
        .map(|m| MemberView {
            id: m.user.id,
            name: m.user.display_name,
            email: m.user.email,
            rolle: m.role.bezeichnung(),
            gesperrt: m.user.disabled || m.gesperrt,
        })
        .collect();
    let einladungen: Vec<_> = st
        .verfahren
        .offene_zugaenge(user.akteur())
        .await?
        .into_iter()
        .map(|e| {
            context! {
                id => e.id, name => e.name, email => e.email, rolle => e.role.bezeichnung(),
                gueltig_bis => plankammer_domain::zeit::format_berlin(e.laeuft_ab_at),
            }
        })
        .collect();
    let rollen: Vec<_> = Role::ALL
        .iter()
        .map(|r| context! { code => r.code(), name => r.bezeichnung() })
        .collect();
    let pflicht = st.db.zweiter_faktor_pflicht(user.tenant_id()).await?;
    let html = render(
        "benutzer.html",
        context! {
            layout => layout(user, "/verwaltung/benutzer"), members, einladungen, rollen, fehler,
            hinweis, eingabe, pflicht,
        },
    )?;
    Ok((status, html).into_response())
}

async fn benutzer(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<BenutzerQuery>,
) -> PageResult<Response> {
    zugriff::nur_admin(user.akteur())?;
    let hinweis = if q.eingeladen.is_some() {
        Some(
            "Die Einladung ist versandt. Die Person erscheint in der Liste, sobald sie angenommen hat.",
        )
    } else if q.zurueckgezogen.is_some() {
        Some("Die Einladung ist zurückgezogen; ihr Link gilt nicht mehr.")
    } else {
        None
    };
    benutzer_page(&st, &user, None, None, hinweis, StatusCode::OK).await
}

#[derive(Deserialize, Serialize)]
struct NewUserForm {
    name: String,
    email: String,
    rolle: String,
}

/// Invites a person (the same answer whether or not the address has an account anywhere).
async fn create_benutzer(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<NewUserForm>,
) -> PageResult<Response> {
    zugriff::nur_admin(user.akteur())?;
    let Some(role) = Role::from_code(&f.rolle) else {
        return benutzer_page(
            &st,
            &user,
            Some("Bitte wählen Sie eine Rolle.".into()),
            Some(&f),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let neu = NeueEinladung {
        email: &f.email,
        name: &f.name,
        rolle: role,
    };
    match st.verfahren.zugang_einladen(user.akteur(), &neu).await {
        Ok(_) => Ok(Redirect::to("/verwaltung/benutzer?eingeladen=1").into_response()),
        Err(e @ (Fehler::Ungueltig(_) | Fehler::Konflikt(_) | Fehler::ZuViele(_))) => {
            let e = AppError::from(e);
            let status = e.status();
            let m = e.meldung();
            benutzer_page(&st, &user, Some(m), Some(&f), None, status).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct PflichtForm {
    #[serde(default)]
    pflicht: String,
}

/// Requires (or no longer requires) a second factor of the authority's staff.
async fn pflicht_setzen(
    State(st): State<AppState>,
    user: CurrentUser,
    Form(f): Form<PflichtForm>,
) -> PageResult<Redirect> {
    st.verfahren
        .zweiter_faktor_pflicht_setzen(user.akteur(), f.pflicht == "ja")
        .await?;
    Ok(Redirect::to("/verwaltung/benutzer#zweiter-faktor"))
}

/// Withdraws an open invitation of the own authority.
async fn einladung_zurueckziehen(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    st.verfahren.zugang_zurueckziehen(user.akteur(), id).await?;
    Ok(Redirect::to("/verwaltung/benutzer?zurueckgezogen=1"))
}

#[derive(Deserialize, Default)]
struct DetailQuery {
    erledigt: Option<String>,
}

async fn detail_page(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    hinweis: Option<&str>,
    fehler: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    zugriff::nur_admin(user.akteur())?;
    // Scoped to the admin's own tenant: a person of another tenant is simply not found.
    let m = st
        .db
        .mitglied_der_behoerde(id, user.tenant_id())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            other => other.into(),
        })?;
    let rolle_code = m.role.code();
    let person = MemberView {
        id: m.user.id,
        name: m.user.display_name,
        email: m.user.email,
        rolle: m.role.bezeichnung(),
        gesperrt: m.user.disabled || m.gesperrt,
    };
    let rollen: Vec<_> = Role::ALL
        .iter()
        .map(|r| context! { code => r.code(), name => r.bezeichnung() })
        .collect();
    let selbst = id == user.user_id();
    let zweiter_faktor = st.db.zweitfaktor(id).await?.is_some_and(|z| z.bestaetigt);
    let html = render(
        "benutzer_detail.html",
        context! {
            layout => layout(user, "/verwaltung/benutzer"), person, rollen, rolle_code, selbst,
            hinweis, fehler, zweiter_faktor,
        },
    )?;
    Ok((status, html).into_response())
}

async fn benutzer_detail(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> PageResult<Response> {
    let hinweis = match q.erledigt.as_deref() {
        Some("sperren") => Some(
            "Das Konto ist in Ihrer Behörde gesperrt; seine Sitzungen und Zugangsschlüssel sind beendet.",
        ),
        Some("entsperren") => Some("Das Konto ist wieder aktiv."),
        Some("rolle") => Some("Die Rolle ist geändert."),
        Some("passwort") => {
            Some("Die Person erhält eine E-Mail mit einem Link, der eine Stunde gilt.")
        }
        Some("zweiter_faktor") => Some(
            "Der zweite Faktor ist zurückgesetzt; bei der nächsten Anmeldung richtet die Person einen neuen ein.",
        ),
        Some("sitzungen") => Some(
            "Alle Sitzungen der Person in Ihrer Behörde sind beendet, ihre Zugangsschlüssel widerrufen.",
        ),
        _ => None,
    };
    detail_page(&st, &user, id, hinweis, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct AenderungForm {
    aktion: String,
    #[serde(default)]
    rolle: String,
}

/// One change of a person (deactivate, reactivate, role, reset link, end sessions).
async fn benutzer_aendern(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<AenderungForm>,
) -> PageResult<Response> {
    let aenderung = match f.aktion.as_str() {
        "sperren" => Kontoaenderung::Sperren,
        "entsperren" => Kontoaenderung::Entsperren,
        "passwort" => Kontoaenderung::PasswortLink,
        "sitzungen" => Kontoaenderung::SitzungenBeenden,
        "zweiter_faktor" => Kontoaenderung::ZweitenFaktorZuruecksetzen,
        "rolle" => match Role::from_code(&f.rolle) {
            Some(r) => Kontoaenderung::Rolle(r),
            None => {
                let m = "Bitte wählen Sie eine Rolle.".to_string();
                return detail_page(
                    &st,
                    &user,
                    id,
                    None,
                    Some(m),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
        _ => {
            let m = "Diese Änderung gibt es nicht.".to_string();
            return detail_page(
                &st,
                &user,
                id,
                None,
                Some(m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match st
        .verfahren
        .konto_aendern(user.akteur(), id, aenderung)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/verwaltung/benutzer/{id}?erledigt={}", f.aktion))
                .into_response(),
        ),
        Err(e @ (Fehler::Ungueltig(_) | Fehler::Konflikt(_) | Fehler::ZuViele(_))) => {
            let e = AppError::from(e);
            let status = e.status();
            let m = e.meldung();
            detail_page(&st, &user, id, None, Some(m), status).await
        }
        Err(e) => Err(e.into()),
    }
}
