//! The tenant admin's page for the Stellen the Bauaufsicht asks in the Beteiligung: create
//! the tenant's own Stellen (Brandschutzdienststelle, Untere Naturschutzbehörde, the
//! Gemeinden for their Einvernehmen …), change them, and decide which Fachstelle accounts
//! work for which Stelle. Land-wide Stellen (e.g. the Landesamt für Denkmalpflege, shared by
//! every Bauaufsicht) are listed but managed by the operator (`plankammer stelle …`).
//!
//! Only the tenant's Admin gets here (others 403); only the tenant's own Stellen and its own
//! Fachstelle accounts can be changed. Every change is audited.

use crate::auth::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState, error::PageResult};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_domain::{Role, codeliste};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::beteiligung::Stelle;
use plankammer_storage::now_millis;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/verwaltung/stellen",
            get(stellen_seite).post(stelle_anlegen),
        )
        .route("/verwaltung/stellen/{sid}", post(stelle_aendern))
        .route(
            "/verwaltung/stellen/{sid}/mitglieder",
            post(mitglied_hinzufuegen),
        )
        .route(
            "/verwaltung/stellen/{sid}/mitglieder/{uid}/entfernen",
            post(mitglied_entfernen),
        )
}

/// Longest name of a Stelle.
pub const MAX_NAME: usize = 200;
/// Longest Rechtsbereich.
pub const MAX_RECHTSBEREICH: usize = 200;
/// Most own Stellen of a tenant (a county has a few dozen at most).
pub const MAX_STELLEN: usize = 500;

fn nur_admin(u: &CurrentUser) -> Result<(), AppError> {
    u.require(|r| r == Role::Admin)
}

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
struct StelleForm {
    name: String,
    rechtsbereich: String,
    gemeinde: String,
}

/// The checked values, or German messages.
fn pruefe(f: &StelleForm) -> Result<(String, String, Option<String>), Vec<String>> {
    let mut fehler = Vec::new();
    let name = f.name.trim().to_string();
    let rechtsbereich = f.rechtsbereich.trim().to_string();
    if name.is_empty() {
        fehler.push("Bitte geben Sie den Namen der Stelle an.".to_string());
    }
    if name.chars().count() > MAX_NAME {
        fehler.push(format!(
            "Der Name ist zu lang (höchstens {MAX_NAME} Zeichen)."
        ));
    }
    if rechtsbereich.chars().count() > MAX_RECHTSBEREICH {
        fehler.push(format!(
            "Der Rechtsbereich ist zu lang (höchstens {MAX_RECHTSBEREICH} Zeichen)."
        ));
    }
    if name
        .chars()
        .chain(rechtsbereich.chars())
        .any(char::is_control)
    {
        fehler.push("Name und Rechtsbereich dürfen keine Steuerzeichen enthalten.".to_string());
    }
    let ags = f.gemeinde.trim();
    let gemeinde = if ags.is_empty() {
        None
    } else if codeliste::gemeinden_hessen().enthaelt(ags) {
        Some(ags.to_string())
    } else {
        fehler.push("Bitte wählen Sie die Gemeinde aus der Liste.".to_string());
        None
    };
    if fehler.is_empty() {
        Ok((name, rechtsbereich, gemeinde))
    } else {
        Err(fehler)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Hinweis {
    ok: String,
}

fn hinweis_text(code: &str) -> Option<&'static str> {
    match code {
        "angelegt" => Some("Die Stelle ist angelegt."),
        "geaendert" => Some("Die Stelle ist gespeichert."),
        "hinzugefuegt" => Some("Das Mitglied ist hinzugefügt."),
        "entfernt" => Some("Das Mitglied ist entfernt."),
        _ => None,
    }
}

async fn stellen_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<Hinweis>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    seite(
        &st,
        &u,
        StelleForm::default(),
        Vec::new(),
        hinweis_text(&q.ok),
        StatusCode::OK,
    )
    .await
}

async fn seite(
    st: &AppState,
    u: &CurrentUser,
    eingabe: StelleForm,
    fehler: Vec<String>,
    hinweis: Option<&str>,
    status: StatusCode,
) -> PageResult<Response> {
    let tenant = u.tenant_id();
    // The tenant's Fachstelle accounts: who can be made a member.
    let konten: Vec<_> = st
        .db
        .members_of_tenant(tenant)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Fachstelle && !m.user.disabled)
        .map(|m| json!({"id": m.user.id, "name": m.user.display_name, "email": m.user.email}))
        .collect();
    let mut eigene = Vec::new();
    let mut land = Vec::new();
    for s in st.db.stellen_fuer(tenant).await? {
        let mitglieder = st.db.stellenmitglieder(s.id).await?;
        let gemeinde = s.gemeinde_ags.as_deref().map(|a| {
            codeliste::gemeinden_hessen()
                .name(a)
                .unwrap_or(a)
                .to_string()
        });
        let zeile = json!({
            "id": s.id, "name": s.name, "rechtsbereich": s.rechtsbereich,
            "gemeinde_ags": s.gemeinde_ags, "gemeinde": gemeinde,
            // Only the tenant's own accounts are shown by name (a Land-wide Stelle's members
            // may work in other tenants).
            "mitglieder": mitglieder.iter().filter(|m| s.tenant_id.is_some() || konten.iter().any(|k| k["id"] == m.user_id)).collect::<Vec<_>>(),
            "anzahl_mitglieder": mitglieder.len(),
            "kandidaten": konten.iter().filter(|k| !mitglieder.iter().any(|m| k["id"] == m.user_id)).collect::<Vec<_>>(),
        });
        if s.tenant_id.is_some() {
            eigene.push(zeile);
        } else {
            land.push(zeile);
        }
    }
    let gemeinden: Vec<_> = codeliste::gemeinden_hessen()
        .eintraege
        .iter()
        .map(|e| json!({"code": e.code, "name": e.name}))
        .collect();
    let html = render(
        "verwaltung_stellen.html",
        context! {
            layout => crate::pages::layout(u, "/verwaltung/stellen"),
            eigene, land, konten_vorhanden => !konten.is_empty(), gemeinden,
            eingabe, fehler, hinweis,
            max_name => MAX_NAME, max_rechtsbereich => MAX_RECHTSBEREICH,
        },
    )?;
    Ok((status, html).into_response())
}

async fn audit(
    st: &AppState,
    u: &CurrentUser,
    action: &'static str,
    stelle: i64,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    st.db
        .audit_now(
            AuditEvent {
                tenant_id: Some(u.tenant_id()),
                actor_user_id: Some(u.user_id()),
                action,
                object_type: "stelle",
                object_id: Some(stelle.to_string()),
                detail,
            },
            now_millis(),
        )
        .await?;
    Ok(())
}

async fn stelle_anlegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Form(f): Form<StelleForm>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    let (name, rechtsbereich, gemeinde) = match pruefe(&f) {
        Ok(v) => v,
        Err(fehler) => {
            return seite(&st, &u, f, fehler, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let eigene = st
        .db
        .stellen_fuer(u.tenant_id())
        .await?
        .iter()
        .filter(|s| s.tenant_id.is_some())
        .count();
    if eigene >= MAX_STELLEN {
        return seite(
            &st,
            &u,
            f,
            vec![format!(
                "Ihre Behörde hat bereits {MAX_STELLEN} Stellen; mehr sind nicht vorgesehen."
            )],
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let id = st
        .db
        .lege_stelle_an(
            Some(u.tenant_id()),
            &name,
            &rechtsbereich,
            gemeinde.as_deref(),
            now_millis(),
        )
        .await?;
    audit(
        &st,
        &u,
        "stelle.angelegt",
        id,
        json!({"gemeinde_ags": gemeinde}),
    )
    .await?;
    Ok(Redirect::to("/verwaltung/stellen?ok=angelegt").into_response())
}

/// The tenant's own Stelle; a Land-wide or another tenant's Stelle is 404 here.
async fn eigene_stelle(st: &AppState, u: &CurrentUser, sid: i64) -> Result<Stelle, AppError> {
    let s = st.db.stelle(sid).await?;
    if s.tenant_id != Some(u.tenant_id()) {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

async fn stelle_aendern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(sid): Path<i64>,
    Form(f): Form<StelleForm>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    eigene_stelle(&st, &u, sid).await?;
    let (name, rechtsbereich, gemeinde) = match pruefe(&f) {
        Ok(v) => v,
        Err(fehler) => {
            return seite(
                &st,
                &u,
                StelleForm::default(),
                fehler,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    st.db
        .aendere_stelle(
            u.tenant_id(),
            sid,
            &name,
            &rechtsbereich,
            gemeinde.as_deref(),
        )
        .await?;
    audit(
        &st,
        &u,
        "stelle.geaendert",
        sid,
        json!({"gemeinde_ags": gemeinde}),
    )
    .await?;
    Ok(Redirect::to("/verwaltung/stellen?ok=geaendert").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MitgliedForm {
    user_id: String,
}

async fn mitglied_hinzufuegen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(sid): Path<i64>,
    Form(f): Form<MitgliedForm>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    eigene_stelle(&st, &u, sid).await?;
    let uid: i64 = f
        .user_id
        .trim()
        .parse()
        .map_err(|_| AppError::Invalid("Bitte wählen Sie ein Konto aus der Liste.".into()))?;
    // Only the tenant's own, active Fachstelle accounts.
    let ok = st
        .db
        .members_of_tenant(u.tenant_id())
        .await?
        .iter()
        .any(|m| m.user.id == uid && m.role == Role::Fachstelle && !m.user.disabled);
    if !ok {
        return Err(AppError::Invalid(
            "Mitglied einer Stelle kann nur ein aktives Konto Ihrer Behörde mit der Rolle Fachstelle werden.".into(),
        ));
    }
    if !st.db.ist_stellenmitglied(sid, uid).await? {
        st.db.fuege_stellenmitglied_hinzu(sid, uid).await?;
        audit(
            &st,
            &u,
            "stelle.mitglied_hinzugefuegt",
            sid,
            json!({"user_id": uid}),
        )
        .await?;
    }
    Ok(Redirect::to("/verwaltung/stellen?ok=hinzugefuegt").into_response())
}

async fn mitglied_entfernen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path((sid, uid)): Path<(i64, i64)>,
) -> PageResult<Response> {
    nur_admin(&u)?;
    eigene_stelle(&st, &u, sid).await?;
    if st.db.entferne_stellenmitglied(sid, uid).await? {
        audit(
            &st,
            &u,
            "stelle.mitglied_entfernt",
            sid,
            json!({"user_id": uid}),
        )
        .await?;
    }
    Ok(Redirect::to("/verwaltung/stellen?ok=entfernt").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, rb: &str, g: &str) -> StelleForm {
        StelleForm {
            name: name.into(),
            rechtsbereich: rb.into(),
            gemeinde: g.into(),
        }
    }

    #[test]
    fn a_stelle_needs_a_name_within_limits_and_a_listed_gemeinde() {
        assert_eq!(
            pruefe(&f(" Brandschutz ", " Brandschutz ", "")).unwrap(),
            ("Brandschutz".into(), "Brandschutz".into(), None)
        );
        assert_eq!(
            pruefe(&f("Gemeinde Kassel", "", "06611000"))
                .unwrap()
                .2
                .as_deref(),
            Some("06611000")
        );
        assert_eq!(pruefe(&f("  ", "", "")).unwrap_err().len(), 1);
        assert!(pruefe(&f(&"x".repeat(MAX_NAME + 1), "", "")).is_err());
        assert!(pruefe(&f(&"x".repeat(MAX_NAME), "", "")).is_ok());
        assert!(pruefe(&f("A", &"y".repeat(MAX_RECHTSBEREICH + 1), "")).is_err());
        assert!(pruefe(&f("A\u{0}B", "", "")).is_err());
        assert!(pruefe(&f("A", "", "99999999")).is_err());
        assert!(pruefe(&f("A", "", "'; DROP TABLE stellen; --")).is_err());
    }
}
