//! The Bauaufsicht's inbox of submitted cases, with filters and keyset paging.

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::format::{gemeinde_name, gemeinde_optionen, resttage_text};
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use minijinja::context;
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::{Role, codeliste, frist, zeit};
use plankammer_storage::antrag::EingangsFilter;
use plankammer_storage::heute_berlin;
use plankammer_verfahren::statuszeile;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/eingang", get(eingang))
}

/// Cases per inbox page.
pub const SEITENGROESSE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EingangQuery {
    status: String,
    verfahren: String,
    gemeinde: String,
    frist_tage: String,
    meine: String,
    vor: String,
}

#[derive(Serialize)]
struct EingangZeile {
    id: i64,
    aktenzeichen: String,
    bezeichnung: String,
    verfahren: String,
    gemeinde: String,
    status: String,
    eingereicht: String,
    frist: Option<String>,
    frist_rest: Option<String>,
    frist_knapp: bool,
}

fn leer_zu_none(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The filter from the query; German messages for what is wrong.
fn eingangsfilter(
    q: &EingangQuery,
    heute: NaiveDate,
    ich: i64,
) -> Result<EingangsFilter, Vec<String>> {
    let mut fehler = Vec::new();
    let mut f = EingangsFilter {
        limit: SEITENGROESSE + 1,
        ..EingangsFilter::default()
    };
    if let Some(s) = leer_zu_none(&q.status) {
        match Zustand::from_slug(&s) {
            Some(z) if z != Zustand::Entwurf => f.zustand = Some(z),
            _ => fehler.push("Bitte wählen Sie einen gültigen Status.".into()),
        }
    }
    if let Some(v) = leer_zu_none(&q.verfahren) {
        if let Some(v) = Verfahrensart::from_slug(&v) {
            f.verfahren = Some(v);
        } else {
            fehler.push("Bitte wählen Sie eine gültige Verfahrensart.".into());
        }
    }
    if let Some(g) = leer_zu_none(&q.gemeinde) {
        if codeliste::gemeinden_hessen().enthaelt(&g) {
            f.gemeinde_ags = Some(g);
        } else {
            fehler.push(format!(
                "„{g}“ ist kein Gemeindeschlüssel einer hessischen Gemeinde (8 Ziffern, z. B. 06412000)."
            ));
        }
    }
    if let Some(n) = leer_zu_none(&q.frist_tage) {
        match n.parse::<u32>() {
            Ok(n) if (1..=3650).contains(&n) => {
                f.frist_bis = heute.checked_add_days(chrono::Days::new(u64::from(n)));
            }
            _ => fehler.push(
                "Bitte geben Sie bei „Frist in den nächsten … Tagen“ eine ganze Zahl von 1 bis 3650 an."
                    .into(),
            ),
        }
    }
    if q.meine == "1" {
        f.bearbeitet_von = Some(ich);
    }
    if let Some(v) = leer_zu_none(&q.vor) {
        match v.parse::<i64>() {
            Ok(id) if id > 0 => f.vor_id = Some(id),
            _ => fehler.push("Die Seitenangabe ist ungültig.".into()),
        }
    }
    if fehler.is_empty() {
        Ok(f)
    } else {
        Err(fehler)
    }
}

async fn eingang(
    State(st): State<AppState>,
    u: CurrentUser,
    Query(q): Query<EingangQuery>,
) -> PageResult<Response> {
    plankammer_verfahren::zugriff::nur(u.akteur(), &[Role::Bauaufsicht, Role::Admin])?;
    let heute = heute_berlin();
    let (filter, fehler) = match eingangsfilter(&q, heute, u.akteur().user_id) {
        Ok(f) => (Some(f), vec![]),
        Err(e) => (None, e),
    };
    let mut zeilen = Vec::new();
    let mut weiter = None;
    if let Some(filter) = &filter {
        let mut faelle = st.verfahren.eingang(u.akteur(), filter).await?;
        if faelle.len() as i64 > SEITENGROESSE {
            faelle.truncate(SEITENGROESSE as usize);
            if let Some(letzter) = faelle.last() {
                let mut s = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in [
                    ("status", &q.status),
                    ("verfahren", &q.verfahren),
                    ("gemeinde", &q.gemeinde),
                    ("frist_tage", &q.frist_tage),
                    ("meine", &q.meine),
                ] {
                    if !v.trim().is_empty() {
                        s.append_pair(k, v.trim());
                    }
                }
                s.append_pair("vor", &letzter.id.to_string());
                weiter = Some(s.finish());
            }
        }
        for a in faelle {
            let v = a.verfahren;
            let z = a.zustand;
            let ende = a.naechste_frist;
            zeilen.push(EingangZeile {
                id: a.id,
                aktenzeichen: a
                    .aktenzeichen
                    .as_ref()
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
                bezeichnung: a.bezeichnung.clone(),
                verfahren: v.map(|v| v.bezeichnung().to_string()).unwrap_or_default(),
                gemeinde: gemeinde_name(a.gemeinde_ags.as_deref()),
                status: statuszeile(z),
                eingereicht: a
                    .eingereicht_at
                    .map(zeit::format_berlin)
                    .unwrap_or_default(),
                frist: ende.map(frist::datum_de),
                frist_rest: ende.map(|e| resttage_text(heute, e)),
                frist_knapp: ende.is_some_and(|e| frist::tage_bis(heute, e) <= 7),
            });
        }
    }
    let status_optionen: Vec<Value> = Zustand::ALL
        .into_iter()
        .filter(|z| *z != Zustand::Entwurf)
        .map(|z| json!({"slug": z.slug(), "text": z.bezeichnung()}))
        .collect();
    let verfahren_optionen: Vec<Value> = Verfahrensart::ALL
        .into_iter()
        .map(|v| json!({"slug": v.slug(), "text": v.bezeichnung()}))
        .collect();
    let status = if fehler.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        "eingang.html",
        context! {
            layout => layout(&u, "/eingang"),
            zeilen, weiter, fehler, status_optionen, verfahren_optionen,
            gemeinde_optionen => gemeinde_optionen(),
            q => context! {
                status => q.status.trim(), verfahren => q.verfahren.trim(),
                gemeinde => q.gemeinde.trim(), frist_tage => q.frist_tage.trim(),
                meine => q.meine.trim(),
            },
            folgeseite => filter.as_ref().is_some_and(|f| f.vor_id.is_some()),
            darf_fristen => u.role() == Role::Bauaufsicht,
            // The formelle Prüfung is the case worker's; the admin reads the case page.
            darf_pruefen => u.role() == Role::Bauaufsicht,
        },
    )?;
    Ok((status, html).into_response())
}
