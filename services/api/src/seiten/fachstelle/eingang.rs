//! The Fachstelle's start page: its inbox — every request to the Stellen the person works
//! for, by deadline end; withdrawn ones stay listed, marked.

use super::ansicht::anfrage_view;
use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::response::Html;
use minijinja::context;
use plankammer_storage::antrag::Antrag;
use plankammer_storage::heute_berlin;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The start page of a Fachstelle member: the inbox of requests.
pub async fn startseite(st: &AppState, u: &CurrentUser) -> PageResult<Html<String>> {
    let heute = heute_berlin();
    let mut faelle: HashMap<i64, Antrag> = HashMap::new();
    let mut zeilen: Vec<Value> = Vec::new();
    for b in st.verfahren.anfragen_des_mitglieds(u.akteur()).await? {
        let a = match faelle.entry(b.vorgang_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(st.db.antrag(b.vorgang_id).await?),
        };
        let mut v = anfrage_view(&b, heute);
        v["aktenzeichen"] = json!(
            a.aktenzeichen
                .as_ref()
                .map(|az| az.to_string())
                .unwrap_or_default()
        );
        v["bezeichnung"] = json!(a.bezeichnung);
        zeilen.push(v);
    }
    let stellen: Vec<String> = st
        .db
        .stellen_von(u.user_id())
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    render(
        "fachstelle_eingang.html",
        context! { layout => layout(u, "/start"), zeilen, stellen },
    )
}
