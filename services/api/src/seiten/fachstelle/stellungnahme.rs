//! The Fachstelle writes its Stellungnahme: the form (tenor, consent, Nebenbestimmungen row
//! by row — "one more row" works without JavaScript —, Begründung) and its submission; a
//! correction starts from the Stellungnahme it replaces. Corrections supersede, never
//! overwrite; a late one is taken in and flagged (§ 70 Abs. 1 Satz 4 HBO). The step is
//! [`plankammer_verfahren::Verfahren::stellungnahme_abgeben`].

use super::ansicht::{anfrage_view, anlagen_view, fall_view};
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
use plankammer_domain::beteiligung::{
    MAX_BEGRUENDUNG, MAX_NEBENBESTIMMUNG, MAX_NEBENBESTIMMUNGEN, MAX_TENOR, Zustimmung,
};
use plankammer_domain::codeliste;
use plankammer_storage::beteiligung::Beteiligung;
use plankammer_storage::heute_berlin;
use plankammer_verfahren::Fehler;
use plankammer_verfahren::fachstelle::{
    Nebenbestimmungsangabe, StellungnahmeEingabe, aktuelle, waere_verspaetet, zustimmung_text,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/beteiligungen/{bid}/stellungnahme",
        get(stellungnahme_formular).post(stellungnahme_abgeben),
    )
}

/// Rows of Nebenbestimmungen the empty form offers.
const STANDARD_ZEILEN: usize = 2;

/// One row of Nebenbestimmungen as entered.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct NbZeile {
    pub art: String,
    pub text: String,
    pub begruendung: String,
}

/// The Stellungnahme form as entered.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Eingabe {
    pub tenor: String,
    pub zustimmung: String,
    pub begruendung: String,
    pub ersetzt: Option<i64>,
    pub zeilen: Vec<NbZeile>,
    /// "zeile": one more row, anything else: submit.
    pub aktion: String,
}

impl Eingabe {
    /// Reads the form: `nb_art_N`, `nb_text_N`, `nb_begruendung_N` for rows N = 1…;
    /// row numbers above [`MAX_NEBENBESTIMMUNGEN`] are refused.
    pub fn aus_formular(felder: &[(String, String)]) -> Result<Eingabe, String> {
        let mut e = Eingabe::default();
        let mut zeilen: std::collections::BTreeMap<usize, NbZeile> = Default::default();
        for (k, v) in felder {
            match k.as_str() {
                "tenor" => e.tenor = v.clone(),
                "zustimmung" => e.zustimmung = v.trim().to_string(),
                "begruendung" => e.begruendung = v.clone(),
                "aktion" => e.aktion = v.clone(),
                "ersetzt" if !v.trim().is_empty() => {
                    e.ersetzt = Some(v.trim().parse().map_err(|_| {
                        "Die Stellungnahme, die korrigiert werden soll, ist ungültig angegeben."
                            .to_string()
                    })?)
                }
                _ => {
                    let Some(rest) = k.strip_prefix("nb_") else {
                        continue;
                    };
                    let Some((feld, nr)) = rest.rsplit_once('_') else {
                        continue;
                    };
                    let Ok(nr) = nr.parse::<usize>() else {
                        continue;
                    };
                    if nr == 0 || nr > MAX_NEBENBESTIMMUNGEN {
                        return Err(format!(
                            "Eine Stellungnahme kann höchstens {MAX_NEBENBESTIMMUNGEN} Nebenbestimmungen enthalten."
                        ));
                    }
                    let z = zeilen.entry(nr).or_default();
                    match feld {
                        "art" => z.art = v.trim().to_string(),
                        "text" => z.text = v.clone(),
                        "begruendung" => z.begruendung = v.clone(),
                        _ => {}
                    }
                }
            }
        }
        e.zeilen = zeilen.into_values().collect();
        Ok(e)
    }

    /// The form as the step's input (a consent that is no code is no choice).
    fn stellungnahme(&self) -> StellungnahmeEingabe {
        StellungnahmeEingabe {
            tenor: self.tenor.clone(),
            zustimmung: Zustimmung::from_code(&self.zustimmung),
            nebenbestimmungen: self
                .zeilen
                .iter()
                .map(|z| Nebenbestimmungsangabe {
                    art: z.art.clone(),
                    text: z.text.clone(),
                    begruendung: z.begruendung.clone(),
                })
                .collect(),
            begruendung: self.begruendung.clone(),
            ersetzt: self.ersetzt,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FormularQuery {
    ersetzt: Option<i64>,
}

async fn stellungnahme_formular(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Query(q): Query<FormularQuery>,
) -> PageResult<Response> {
    let b = st.verfahren.anfrage_zum_handeln(u.akteur(), bid).await?;
    let liste = st.db.stellungnahmen(b.id).await?;
    let mut e = Eingabe::default();
    if let Some(alt_id) = q.ersetzt {
        // A correction starts from the statement it corrects.
        let alt = liste
            .iter()
            .find(|s| s.id == alt_id)
            .ok_or(AppError::NotFound)?;
        e.ersetzt = Some(alt.id);
        e.tenor = alt.tenor.clone();
        e.zustimmung = alt.zustimmung.code().to_string();
        e.begruendung = alt.begruendung.clone();
        e.zeilen = alt
            .nebenbestimmungen
            .iter()
            .map(|n| NbZeile {
                art: n.art.clone(),
                text: n.text.clone(),
                begruendung: n.begruendung.clone(),
            })
            .collect();
    } else if let Some(akt) = aktuelle(&liste) {
        // Already given: the way forward is a correction.
        return Ok(Redirect::to(&format!(
            "/beteiligungen/{}/stellungnahme?ersetzt={}",
            b.id, akt.id
        ))
        .into_response());
    }
    Ok(formular_rendern(&st, &u, &b, e, vec![], StatusCode::OK)
        .await?
        .into_response())
}

async fn formular_rendern(
    st: &AppState,
    u: &CurrentUser,
    b: &Beteiligung,
    mut e: Eingabe,
    fehler: Vec<String>,
    status: StatusCode,
) -> PageResult<(StatusCode, Html<String>)> {
    let heute = heute_berlin();
    while e.zeilen.len() < STANDARD_ZEILEN {
        e.zeilen.push(NbZeile::default());
    }
    for z in &mut e.zeilen {
        if z.art.is_empty() {
            z.art = "2".into();
        }
    }
    let a = st.db.antrag(b.vorgang_id).await?;
    let arten: Vec<Value> = codeliste::nebenbestimmungsarten()
        .eintraege
        .iter()
        .map(|x| json!({"code": x.code, "name": x.name}))
        .collect();
    let zustimmungen: Vec<Value> = Zustimmung::ALL
        .into_iter()
        .map(|z| json!({ "code": z.code(), "name": zustimmung_text(b, z) }))
        .collect();
    let (anlagen, anlagen_laufend) = anlagen_view(st, b).await?;
    let html = render(
        "fachstelle_stellungnahme.html",
        context! {
            layout => layout(u, "/start"),
            anfrage => anfrage_view(b, heute),
            fall => fall_view(&a),
            eingabe => e,
            arten, zustimmungen, fehler,
            verspaetet => waere_verspaetet(b, heute),
            anlagen, anlagen_laufend,
            anlagen_bearbeiten => false,
            max_zeilen => MAX_NEBENBESTIMMUNGEN,
            max_nb => MAX_NEBENBESTIMMUNG,
            max_tenor => MAX_TENOR,
            max_begruendung => MAX_BEGRUENDUNG,
        },
    )?;
    Ok((status, html))
}

async fn stellungnahme_abgeben(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(bid): Path<i64>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    // Who may act decides first, also over a form that cannot be read.
    let b = st.verfahren.anfrage_zum_handeln(u.akteur(), bid).await?;
    let mut e = match Eingabe::aus_formular(&felder) {
        Ok(e) => e,
        Err(m) => {
            let (s, html) = formular_rendern(
                &st,
                &u,
                &b,
                Eingabe::default(),
                vec![m],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await?;
            return Ok((s, html).into_response());
        }
    };
    if e.aktion == "zeile" {
        if e.zeilen.len() >= MAX_NEBENBESTIMMUNGEN {
            let m = format!(
                "Eine Stellungnahme kann höchstens {MAX_NEBENBESTIMMUNGEN} Nebenbestimmungen enthalten."
            );
            return Ok(
                formular_rendern(&st, &u, &b, e, vec![m], StatusCode::UNPROCESSABLE_ENTITY)
                    .await?
                    .into_response(),
            );
        }
        e.zeilen.push(NbZeile::default());
        return Ok(formular_rendern(&st, &u, &b, e, vec![], StatusCode::OK)
            .await?
            .into_response());
    }
    match st
        .verfahren
        .stellungnahme_abgeben(u.akteur(), bid, &e.stellungnahme())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/beteiligungen/{bid}#stellungnahmen")).into_response()),
        Err(Fehler::Ungueltig(m)) => {
            Ok(
                formular_rendern(&st, &u, &b, e, m, StatusCode::UNPROCESSABLE_ENTITY)
                    .await?
                    .into_response(),
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn form_rows_are_read_in_order_and_bounded() {
        let e = Eingabe::aus_formular(&[
            f("tenor", "Zustimmung"),
            f("zustimmung", "mit_nebenbestimmungen"),
            f("nb_art_2", "4"),
            f("nb_text_2", "Hinweis"),
            f("nb_art_1", "2"),
            f("nb_text_1", "Auflage"),
            f("nb_begruendung_1", "weil"),
            f("ersetzt", "7"),
        ])
        .unwrap();
        assert_eq!(e.zeilen.len(), 2);
        assert_eq!(e.zeilen[0].text, "Auflage");
        assert_eq!(e.zeilen[0].begruendung, "weil");
        assert_eq!(e.zeilen[1].art, "4");
        assert_eq!(e.ersetzt, Some(7));
        let s = e.stellungnahme();
        assert_eq!(s.zustimmung, Some(Zustimmung::MitNebenbestimmungen));
        assert_eq!(s.nebenbestimmungen[0].art, "2");
        let zu_viele = format!("nb_text_{}", MAX_NEBENBESTIMMUNGEN + 1);
        assert!(Eingabe::aus_formular(&[f(&zu_viele, "x")]).is_err());
        assert!(Eingabe::aus_formular(&[f("nb_text_0", "x")]).is_err());
        assert!(Eingabe::aus_formular(&[f("ersetzt", "abc")]).is_err());
        let ohne = Eingabe::aus_formular(&[f("zustimmung", "vielleicht")]).unwrap();
        assert_eq!(ohne.stellungnahme().zustimmung, None);
    }
}
