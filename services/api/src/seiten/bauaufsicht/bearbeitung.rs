//! The case worker's section of a case page: who handles the case (Sachbearbeiter and
//! deputy) and the internal notes; both only for the Bauaufsicht of the case's tenant.
//! Every form answers with a redirect back to the section (Post/Redirect/Get).

use crate::AppState;
use crate::error::{AppError, PageResult};
use crate::sitzung::CurrentUser;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::Redirect;
use axum::routing::post;
use plankammer_domain::{Role, zeit};
use plankammer_storage::antrag::Antrag;
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/vorgaenge/{id}/zustaendigkeit",
            post(zustaendigkeit_setzen),
        )
        .route("/vorgaenge/{id}/notizen", post(notiz_anlegen))
}

/// The section's data, or `None` for everyone but the case's Bauaufsicht.
pub async fn abschnitt(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
) -> Result<Option<Value>, AppError> {
    if u.role() != Role::Bauaufsicht || u.tenant_id() != a.tenant_id {
        return Ok(None);
    }
    let (z, moegliche) = st.verfahren.zustaendigkeit(u.akteur(), a.id).await?;
    let notizen: Vec<Value> = st
        .verfahren
        .notizen(u.akteur(), a.id)
        .await?
        .into_iter()
        .map(|n| json!({ "text": n.text, "wer": n.user_name, "wann": zeit::format_berlin(n.created_at) }))
        .collect();
    let ich = u.akteur().user_id;
    Ok(Some(json!({
        "bearbeiter": z.bearbeiter,
        "vertretung": z.vertretung,
        "meiner": z.bearbeiter.as_ref().is_some_and(|p| p.id == ich) || z.vertretung.as_ref().is_some_and(|p| p.id == ich),
        "moegliche": moegliche,
        "notizen": notizen,
        "ich": ich,
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ZustaendigkeitForm {
    bearbeiter: String,
    vertretung: String,
}

fn person(feld: &str) -> Result<Option<i64>, AppError> {
    match feld.trim() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::Invalid("Bitte wählen Sie eine Person aus der Liste.".into())),
    }
}

async fn zustaendigkeit_setzen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ZustaendigkeitForm>,
) -> PageResult<Redirect> {
    st.verfahren
        .zustaendigkeit_setzen(
            u.akteur(),
            id,
            person(&f.bearbeiter)?,
            person(&f.vertretung)?,
        )
        .await?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{id}?erledigt=zustaendigkeit#bearbeitung"
    )))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NotizForm {
    text: String,
}

async fn notiz_anlegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<NotizForm>,
) -> PageResult<Redirect> {
    st.verfahren.notiz_anlegen(u.akteur(), id, &f.text).await?;
    Ok(Redirect::to(&format!(
        "/vorgaenge/{id}?erledigt=notiz#notizen"
    )))
}
