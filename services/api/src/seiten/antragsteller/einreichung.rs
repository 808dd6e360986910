//! The applicant's way to the Bauaufsicht: inviting the Bauherrschaft and its
//! Freizeichnung, submitting (Aktenzeichen, Fassung 1, Eingangsbestätigung), answering a
//! Nachforderung, withdrawing the application, removing a document from the current set (the card's confirmation,
//! for the owner and the Bauaufsicht).

use crate::AppState;
use crate::error::PageResult;
use crate::sitzung::CurrentUser;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::Redirect;
use axum::routing::post;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vorgaenge/{id}/beteiligte", post(einladen))
        .route("/vorgaenge/{id}/freizeichnen", post(freizeichnen))
        .route("/vorgaenge/{id}/einreichen", post(einreichen))
        .route("/vorgaenge/{id}/nachreichen", post(nachreichen))
        .route("/vorgaenge/{id}/zurueckziehen", post(zurueckziehen))
        .route(
            "/vorgaenge/{id}/dokumente/{did}/entfernen",
            post(dokument_entfernen),
        )
}

#[derive(Deserialize)]
struct EinladungForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

async fn einladen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<EinladungForm>,
) -> PageResult<Redirect> {
    st.verfahren
        .einladen(u.akteur(), id, &f.name, &f.email)
        .await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}#beteiligte")))
}

async fn freizeichnen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    st.verfahren.freizeichnen(u.akteur(), id).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}")))
}

async fn einreichen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    st.verfahren.einreichen(u.akteur(), id).await?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{id}#eingangsbestaetigung"
    )))
}

async fn nachreichen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Redirect> {
    st.verfahren.nachreichen(u.akteur(), id).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}")))
}

#[derive(Deserialize)]
struct RuecknahmeForm {
    #[serde(default)]
    grund: String,
}

async fn zurueckziehen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RuecknahmeForm>,
) -> PageResult<Redirect> {
    st.verfahren.zurueckziehen(u.akteur(), id, &f.grund).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}")))
}

async fn dokument_entfernen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
) -> PageResult<Redirect> {
    st.verfahren.dokument_entfernen(u.akteur(), id, did).await?;
    Ok(Redirect::to(&format!("/vorgaenge/{id}#dokumente")))
}
