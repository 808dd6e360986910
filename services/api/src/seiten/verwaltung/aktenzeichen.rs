//! The tenant admin's Aktenzeichen format and short name, with a preview of what the next
//! submission gets (live while typing, and by a button without JavaScript). Only the
//! tenant's admin (others 403); steps
//! [`Verfahren::aktenzeichen_stand`](plankammer_verfahren::Verfahren::aktenzeichen_stand) and
//! [`Verfahren::aktenzeichen_format_setzen`](plankammer_verfahren::Verfahren::aktenzeichen_format_setzen).

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use plankammer_domain::aktenzeichen::{MAX_FORMAT, MAX_KUERZEL};
use plankammer_verfahren::Fehler;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/verwaltung/aktenzeichen",
        get(aktenzeichen_formular).post(aktenzeichen_speichern),
    )
}

/// Format and short name as typed.
struct AzEingabe {
    format: String,
    kuerzel: String,
}

async fn aktenzeichen_seite(
    st: &AppState,
    u: &CurrentUser,
    eingabe: Option<AzEingabe>,
    fehler: Vec<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let stand = st.verfahren.aktenzeichen_stand(u.akteur()).await?;
    let format = stand.gespeichert.format().to_string();
    let kuerzel = stand.gespeichert.kuerzel().to_string();
    let naechstes = stand.naechstes.to_string();
    // The preview follows what is in the form; with errors it shows them instead.
    let (vorschau, vorschau_fehler, eingabe) = match eingabe {
        Some(e) => match stand.vorschau(&e.format, &e.kuerzel) {
            Ok(az) => (Some(az.to_string()), Vec::new(), e),
            Err(f) => (None, f, e),
        },
        None => (
            Some(naechstes.clone()),
            Vec::new(),
            AzEingabe {
                format: format.clone(),
                kuerzel: kuerzel.clone(),
            },
        ),
    };
    let html = render(
        "verwaltung_aktenzeichen.html",
        context! {
            layout => layout(u, "/verwaltung/aktenzeichen"),
            gespeichert => context! { format, kuerzel, naechstes },
            eingabe => context! { format => eingabe.format, kuerzel => eingabe.kuerzel },
            vorschau, vorschau_fehler,
            jahr => stand.jahr,
            nummer => stand.nummer,
            vergeben => stand.nummer - 1,
            max_format => MAX_FORMAT,
            max_kuerzel => MAX_KUERZEL,
            fehler, hinweis,
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize, Default)]
struct AzQuery {
    format: Option<String>,
    kuerzel: Option<String>,
    gespeichert: Option<String>,
    unveraendert: Option<String>,
}

/// The page; with `format`/`kuerzel` in the query (the live preview while typing) the
/// preview shows what they would give, nothing is stored.
async fn aktenzeichen_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<AzQuery>,
) -> PageResult<Response> {
    let eingabe = (q.format.is_some() || q.kuerzel.is_some()).then(|| AzEingabe {
        format: q.format.unwrap_or_default().trim().to_string(),
        kuerzel: q.kuerzel.unwrap_or_default().trim().to_string(),
    });
    let hinweis = if q.gespeichert.is_some() {
        Some("Das Format ist gespeichert. Es gilt für alle künftig eingereichten Anträge.")
    } else if q.unveraendert.is_some() {
        Some("Format und Kürzel sind unverändert; es wurde nichts gespeichert.")
    } else {
        None
    };
    aktenzeichen_seite(&st, &u, eingabe, Vec::new(), hinweis, StatusCode::OK).await
}

#[derive(Deserialize)]
struct AzForm {
    #[serde(default)]
    format: String,
    #[serde(default)]
    kuerzel: String,
    #[serde(default)]
    aktion: String,
}

async fn aktenzeichen_speichern(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<AzForm>,
) -> PageResult<Response> {
    let e = AzEingabe {
        format: f.format.trim().to_string(),
        kuerzel: f.kuerzel.trim().to_string(),
    };
    if f.aktion == "vorschau" {
        // Without JavaScript: the preview of what is typed; nothing is stored.
        return aktenzeichen_seite(&st, &u, Some(e), Vec::new(), None, StatusCode::OK).await;
    }
    match st
        .verfahren
        .aktenzeichen_format_setzen(u.akteur(), &e.format, &e.kuerzel)
        .await
    {
        Ok(true) => Ok(Redirect::to("/verwaltung/aktenzeichen?gespeichert=1").into_response()),
        Ok(false) => Ok(Redirect::to("/verwaltung/aktenzeichen?unveraendert=1").into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            aktenzeichen_seite(
                &st,
                &u,
                Some(e),
                fehler,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
