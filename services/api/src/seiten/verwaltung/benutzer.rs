//! The tenant's accounts: the list, one person, a new account.

use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use plankammer_domain::Role;
use plankammer_storage::StoreError;
use plankammer_verfahren::verwaltung::NeuesKonto;
use plankammer_verfahren::{Fehler, zugriff};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verwaltung/benutzer", get(benutzer).post(create_benutzer))
        .route("/verwaltung/benutzer/{id}", get(benutzer_detail))
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
    angelegt: Option<String>,
}

async fn benutzer_page(
    st: &AppState,
    user: &CurrentUser,
    fehler: Option<String>,
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
            gesperrt: m.user.disabled,
        })
        .collect();
    let rollen: Vec<_> = Role::ALL
        .iter()
        .map(|r| context! { code => r.code(), name => r.bezeichnung() })
        .collect();
    let html = render(
        "benutzer.html",
        context! { layout => layout(user, "/verwaltung/benutzer"), members, rollen, fehler, hinweis },
    )?;
    Ok((status, html).into_response())
}

async fn benutzer(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<BenutzerQuery>,
) -> PageResult<Response> {
    zugriff::nur_admin(user.akteur())?;
    let hinweis = q
        .angelegt
        .map(|_| "Das Konto wurde angelegt. Die Person erhält eine E-Mail.");
    benutzer_page(&st, &user, None, hinweis, StatusCode::OK).await
}

#[derive(Deserialize)]
struct NewUserForm {
    name: String,
    email: String,
    rolle: String,
    passwort: String,
}

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
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let neu = NeuesKonto {
        email: &f.email,
        name: &f.name,
        passwort: &f.passwort,
        rolle: role,
    };
    match st.verfahren.konto_anlegen(user.akteur(), &neu).await {
        Ok(_) => Ok(Redirect::to("/verwaltung/benutzer?angelegt=1").into_response()),
        Err(Fehler::Ungueltig(m)) => {
            benutzer_page(
                &st,
                &user,
                Some(m.join(" ")),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => match AppError::from(e) {
            AppError::Conflict(m) => {
                benutzer_page(&st, &user, Some(m), None, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            e => Err(e),
        },
    }
}

async fn benutzer_detail(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Html<String>> {
    zugriff::nur_admin(user.akteur())?;
    // Scoped to the admin's own tenant: a person of another tenant is simply not found.
    let m = st
        .db
        .member(id, user.tenant_id())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::NotFound,
            other => other.into(),
        })?;
    let person = MemberView {
        id: m.user.id,
        name: m.user.display_name,
        email: m.user.email,
        rolle: m.role.bezeichnung(),
        gesperrt: m.user.disabled,
    };
    render(
        "benutzer_detail.html",
        context! { layout => layout(&user, "/verwaltung/benutzer"), person },
    )
}
