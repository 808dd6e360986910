//! The Bauaufsicht's deadlines: every open deadline of the tenant's cases, the due ones
//! first; the confirmation of the Rücknahmefiktion; extensions with a reason.

use crate::AppState;
use crate::error::PageResult;
use crate::gemeinsam::format::{resttage_text, ymd};
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{Html, Redirect};
use axum::routing::{get, post};
use minijinja::context;
use plankammer_domain::bescheid::{VERLAENGERUNG_HOECHSTENS, spaetestes_verlaengertes_ende};
use plankammer_domain::frist::{self, FristArt, FristZustand};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_storage::heute_berlin;
use serde::Deserialize;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fristen", get(fristen_seite))
        .route(
            "/fristen/{fid}/ruecknahmefiktion",
            post(ruecknahmefiktion_feststellen),
        )
        .route("/fristen/{fid}/verlaengern", post(frist_verlaengern))
}

async fn fristen_seite(State(st): State<AppState>, u: CurrentUser) -> PageResult<Html<String>> {
    let heute = heute_berlin();
    let mut faellig = Vec::new();
    let mut laufend = Vec::new();
    for o in st.verfahren.offene_fristen(u.akteur()).await? {
        let f = &o.frist;
        let e = f.ende;
        // The decision deadline of the vereinfachtes Verfahren may be extended once, before
        // it ends, by at most two months (§ 65 Abs. 2 HBO).
        let verlaengerbar_bis = match (f.art, o.verfahren) {
            (FristArt::Entscheidung, Some(Verfahrensart::VereinfachtesVerfahren))
                if o.verlaengerungen == 0 && heute <= e =>
            {
                spaetestes_verlaengertes_ende(e, VERLAENGERUNG_HOECHSTENS).ok()
            }
            _ => None,
        };
        let zeile = json!({
            "verlaengerbar_bis": verlaengerbar_bis.map(ymd),
            "verlaengerbar_bis_de": verlaengerbar_bis.map(frist::tag_de),
            "id": f.id, "vorgang_id": f.vorgang_id, "art": f.art.bezeichnung(), "art_code": f.art,
            "ende": frist::datum_de(e), "rest": resttage_text(heute, e),
            "knapp": frist::tage_bis(heute, e) <= 7,
            "rechtsgrundlage": f.rechtsgrundlage,
            "aktenzeichen": o.aktenzeichen.as_ref().map(|a| a.to_string()).unwrap_or_default(),
            "bezeichnung": o.bezeichnung,
            "min_datum": ymd(heute.succ_opt().unwrap_or(heute)),
            "href": format!("/vorgaenge/{}", f.vorgang_id),
        });
        if f.zustand == FristZustand::Faellig {
            faellig.push(zeile);
        } else {
            laufend.push((e, zeile));
        }
    }
    // Each Stelle's deadline belongs here too: the case worker sees every running deadline
    // of the tenant's cases in one place.
    for l in st.verfahren.laufende_anfragen(u.akteur()).await? {
        let b = &l.beteiligung;
        laufend.push((
            b.ende,
            json!({
                "vorgang_id": b.vorgang_id,
                "href": format!("/vorgaenge/{}/beteiligung#beteiligung-{}", b.vorgang_id, b.id),
                "art": format!("Stellungnahme der Stelle „{}“", b.stelle_name),
                "ende": frist::datum_de(b.ende), "rest": resttage_text(heute, b.ende),
                "knapp": frist::tage_bis(heute, b.ende) <= 7,
                "rechtsgrundlage": b.rechtsgrundlage,
                "aktenzeichen": l.aktenzeichen.clone().unwrap_or_default(),
                "bezeichnung": &l.bezeichnung,
            }),
        ));
    }
    laufend.sort_by_key(|(ende, _)| *ende);
    let laufend: Vec<_> = laufend.into_iter().map(|(_, z)| z).collect();
    render(
        "fristen.html",
        context! { layout => layout(&u, "/fristen"), faellig, laufend },
    )
}

async fn ruecknahmefiktion_feststellen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(fid): Path<i64>,
) -> PageResult<Redirect> {
    st.verfahren
        .ruecknahmefiktion_feststellen(u.akteur(), fid)
        .await?;
    Ok(Redirect::to("/fristen"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VerlaengerungForm {
    neues_ende: String,
    grund: String,
}

async fn frist_verlaengern(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(fid): Path<i64>,
    Form(form): Form<VerlaengerungForm>,
) -> PageResult<Redirect> {
    st.verfahren
        .frist_verlaengern(u.akteur(), fid, &form.neues_ende, &form.grund)
        .await?;
    Ok(Redirect::to("/fristen"))
}
