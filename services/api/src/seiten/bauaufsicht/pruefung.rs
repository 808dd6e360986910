//! The formelle Prüfung of a case: what changed between the last two Fassungen, the
//! Befundliste, "vollständig" or a Nachforderung with a deadline.

use crate::error::PageResult;
use crate::gemeinsam::format::{anlageart_text, gemeinde_name, resttage_text, ymd};
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use minijinja::context;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::{codeliste, frist, zeit};
use plankammer_storage::Db;
use plankammer_storage::antrag::{Antrag, Frist};
use plankammer_storage::heute_berlin;
use plankammer_verfahren::pruefung::{Befundangabe, entscheidungsfrist, vorschlag_nachforderung};
use plankammer_verfahren::{Fehler, statuszeile};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/vorgaenge/{id}/pruefung",
        get(pruefung_seite).post(pruefung_abschliessen),
    )
}

/// Befund rows the form offers.
const BEFUNDZEILEN: usize = 5;

// --- Diff between Fassungen --------------------------------------------------------------

/// Whitespace collapsed, so re-flowed text of the same words compares equal.
pub fn normalisiere_text(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One page of a version as the comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeitenStand {
    pub format: String,
    pub text: String,
}

/// The pages that differ between two versions, with the reason, in page order.
pub fn seitenunterschiede(
    alt: &BTreeMap<i64, SeitenStand>,
    neu: &BTreeMap<i64, SeitenStand>,
) -> Vec<(i64, String)> {
    let mut nummern: Vec<i64> = alt.keys().chain(neu.keys()).copied().collect();
    nummern.sort_unstable();
    nummern.dedup();
    let mut out = Vec::new();
    for n in nummern {
        let grund = match (alt.get(&n), neu.get(&n)) {
            (Some(_), None) => "Seite entfallen".to_string(),
            (None, Some(_)) => "Seite hinzugekommen".to_string(),
            (Some(a), Some(b)) if a.format != b.format => {
                format!("Format geändert ({} → {})", a.format, b.format)
            }
            (Some(a), Some(b)) if a.text != b.text => "Inhalt geändert".to_string(),
            _ => continue,
        };
        out.push((n, grund));
    }
    out
}

async fn seitenstand(db: &Db, version_id: i64) -> Result<BTreeMap<i64, SeitenStand>, AppError> {
    let texte: HashMap<i64, String> = db
        .seiten_texte(version_id)
        .await?
        .into_iter()
        .map(|t| (t.nummer, normalisiere_text(t.text.as_deref().unwrap_or(""))))
        .collect();
    Ok(db
        .seiten(version_id)
        .await?
        .into_iter()
        .map(|s| {
            let format = if s.format == "Sonderformat" {
                format!("{:.0} × {:.0} mm", s.breite_mm, s.hoehe_mm)
            } else {
                format!("{} {}", s.format, s.ausrichtung)
            };
            let text = texte.get(&s.nummer).cloned().unwrap_or_default();
            (s.nummer, SeitenStand { format, text })
        })
        .collect())
}

/// What changed from the second-last to the last Fassung, for the page.
async fn fassungsdiff(st: &AppState, vorgang_id: i64) -> Result<Option<Value>, AppError> {
    let fassungen = st.db.fassungen(vorgang_id).await?;
    let [.., alt, neu] = fassungen.as_slice() else {
        return Ok(None);
    };
    let alte = st.db.fassung_dokumente(alt.id).await?;
    let neue = st.db.fassung_dokumente(neu.id).await?;
    let alt_map: HashMap<i64, _> = alte.iter().map(|d| (d.dokument_id, d)).collect();
    let neu_map: HashMap<i64, _> = neue.iter().map(|d| (d.dokument_id, d)).collect();
    let mut hinzu = Vec::new();
    let mut ersetzt = Vec::new();
    for d in &neue {
        match alt_map.get(&d.dokument_id) {
            None => hinzu.push(json!({
                "bezeichnung": d.bezeichnung, "anlageart": anlageart_text(d.anlageart.as_ref()),
                "version": d.version_nummer, "dateiname": d.dateiname,
            })),
            Some(a) if a.version_id != d.version_id => {
                let sa = seitenstand(&st.db, a.version_id).await?;
                let sn = seitenstand(&st.db, d.version_id).await?;
                let unbekannt = sa.is_empty() || sn.is_empty();
                let seiten: Vec<Value> = if unbekannt {
                    vec![]
                } else {
                    seitenunterschiede(&sa, &sn)
                        .into_iter()
                        .map(|(n, g)| json!({"nummer": n, "grund": g}))
                        .collect()
                };
                ersetzt.push(json!({
                    "bezeichnung": d.bezeichnung, "anlageart": anlageart_text(d.anlageart.as_ref()),
                    "alt_version": a.version_nummer, "neu_version": d.version_nummer,
                    "alt_dateiname": a.dateiname, "neu_dateiname": d.dateiname,
                    "gleicher_inhalt": a.sha256 == d.sha256,
                    "seiten": seiten, "seiten_unbekannt": unbekannt,
                }));
            }
            Some(_) => {}
        }
    }
    let entfernt: Vec<Value> = alte
        .iter()
        .filter(|d| !neu_map.contains_key(&d.dokument_id))
        .map(|d| json!({"bezeichnung": d.bezeichnung, "anlageart": anlageart_text(d.anlageart.as_ref()), "version": d.version_nummer}))
        .collect();
    let unveraendert = neue
        .iter()
        .filter(|d| {
            alt_map
                .get(&d.dokument_id)
                .is_some_and(|a| a.version_id == d.version_id)
        })
        .count();
    Ok(Some(json!({
        "von": alt.nummer, "nach": neu.nummer,
        "hinzugefuegt": hinzu, "entfernt": entfernt, "ersetzt": ersetzt,
        "unveraendert": unveraendert,
    })))
}

// --- Formelle Prüfung ------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize)]
struct BefundEingabe {
    code: String,
    text: String,
    dokument: String,
}

/// What the case worker sent, kept for showing the form again.
#[derive(Debug, Clone, Default, Serialize)]
struct PruefungEingabe {
    ergebnis: String,
    frist_ende: String,
    befunde: Vec<BefundEingabe>,
}

impl PruefungEingabe {
    fn aus_formular(felder: &[(String, String)]) -> PruefungEingabe {
        let mut e = PruefungEingabe::default();
        let (mut codes, mut texte, mut dokumente) = (vec![], vec![], vec![]);
        for (k, v) in felder {
            match k.as_str() {
                "ergebnis" => e.ergebnis = v.clone(),
                "frist_ende" => e.frist_ende = v.trim().to_string(),
                "befund_code" => codes.push(v.trim().to_string()),
                "befund_text" => texte.push(v.trim().to_string()),
                "befund_dokument" => dokumente.push(v.trim().to_string()),
                _ => {}
            }
        }
        let n = codes.len().max(texte.len()).max(dokumente.len()).min(50);
        for i in 0..n {
            e.befunde.push(BefundEingabe {
                code: codes.get(i).cloned().unwrap_or_default(),
                text: texte.get(i).cloned().unwrap_or_default(),
                dokument: dokumente.get(i).cloned().unwrap_or_default(),
            });
        }
        e
    }
}

async fn pruefung_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let a = st.verfahren.vorgang_der_bauaufsicht(u.akteur(), id).await?;
    pruefung_rendern(
        &st,
        &u,
        &a,
        PruefungEingabe::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

async fn pruefung_rendern(
    st: &AppState,
    u: &CurrentUser,
    a: &Antrag,
    mut eingabe: PruefungEingabe,
    fehler: Vec<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let heute = heute_berlin();
    let z = a.zustand;
    let v = a.verfahren;
    let fassungen = st.db.fassungen(a.id).await?;
    let (fassung, dokumente) = match fassungen.last() {
        Some(f) => {
            let docs: Vec<Value> = st
                .db
                .fassung_dokumente(f.id)
                .await?
                .into_iter()
                .map(|d| {
                    json!({
                        "id": d.dokument_id, "bezeichnung": d.bezeichnung,
                        "anlageart": anlageart_text(d.anlageart.as_ref()),
                        "version": d.version_nummer, "version_id": d.version_id,
                        "dateiname": d.dateiname,
                    })
                })
                .collect();
            (
                Some(json!({"nummer": f.nummer, "erstellt": zeit::format_berlin(f.created_at)})),
                docs,
            )
        }
        None => (None, vec![]),
    };
    let diff = fassungsdiff(st, a.id).await?;
    let dok_namen: HashMap<i64, String> = st
        .db
        .dokumente(a.id)
        .await?
        .into_iter()
        .map(|d| (d.id, d.bezeichnung))
        .collect();
    let befunde: Vec<Value> = st
        .db
        .befunde(a.id)
        .await?
        .into_iter()
        .map(|b| {
            json!({
                "runde": b.runde,
                "code": b.code,
                "art": codeliste::formelle_befunde().name(&b.code).unwrap_or(""),
                "text": b.text,
                "dokument": b.dokument_id.and_then(|d| dok_namen.get(&d).cloned()),
                "am": zeit::format_berlin(b.created_at),
            })
        })
        .collect();
    let fristen: Vec<Value> = st
        .db
        .fristen(a.id)
        .await?
        .into_iter()
        .map(|f| frist_view(&f, heute))
        .collect();
    let codes: Vec<Value> = codeliste::formelle_befunde()
        .eintraege
        .iter()
        .map(|e| json!({"code": e.code, "name": e.name}))
        .collect();
    let (vorschlag, entscheidung) = match v {
        Some(v) => {
            let vs = vorschlag_nachforderung(v, heute)?;
            let en = entscheidungsfrist(v, heute)?;
            (
                Some(json!({
                    "datum": ymd(vs.ende), "anzeige": frist::tag_de(vs.ende),
                    "dauer": vs.dauer.to_string(), "erklaerung": vs.erklaerung_saetze(),
                })),
                en.map(|e| {
                    json!({
                        "dauer": e.dauer.to_string(), "anzeige": frist::tag_de(e.ende),
                        "rechtsgrundlage": e.rechtsgrundlage,
                    })
                }),
            )
        }
        None => (None, None),
    };
    if eingabe.frist_ende.is_empty()
        && let Some(vs) = &vorschlag
    {
        eingabe.frist_ende = vs["datum"].as_str().unwrap_or_default().to_string();
    }
    while eingabe.befunde.len() < BEFUNDZEILEN {
        eingabe.befunde.push(BefundEingabe::default());
    }
    let kann_pruefen = matches!(z, Zustand::Eingegangen | Zustand::Nachgereicht);
    let html = render(
        "pruefung.html",
        context! {
            layout => layout(u, "/eingang"),
            vorgang => context! {
                id => a.id, bezeichnung => a.bezeichnung, aktenzeichen => a.aktenzeichen,
                status => statuszeile(z, v),
                verfahren => v.map(|v| v.bezeichnung_mit_paragraph()),
                gemeinde => gemeinde_name(a.gemeinde_ags.as_deref()),
                eingereicht => a.eingereicht_at.map(zeit::format_berlin),
            },
            fassung, dokumente, diff, befunde, fristen, codes, vorschlag, entscheidung,
            kann_pruefen, eingabe, fehler,
            zeige_beteiligung => matches!(z, Zustand::Vollstaendig | Zustand::Beteiligung | Zustand::BeteiligungAbgeschlossen),
            heute => ymd(heute),
        },
    )?;
    Ok((status, html).into_response())
}

async fn pruefung_abschliessen(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Form(felder): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let eingabe = PruefungEingabe::aus_formular(&felder);
    let ergebnis = match eingabe.ergebnis.as_str() {
        "vollstaendig" => st.verfahren.vollstaendig_erklaeren(u.akteur(), id).await,
        "nachforderung" => {
            let befunde: Vec<Befundangabe> = eingabe
                .befunde
                .iter()
                .map(|b| Befundangabe {
                    code: b.code.clone(),
                    text: b.text.clone(),
                    // A value that is no number names no document of the case: the step
                    // refuses it like any other document of another case.
                    dokument_id: match b.dokument.trim() {
                        "" => None,
                        d => Some(d.parse().unwrap_or(0)),
                    },
                })
                .collect();
            st.verfahren
                .nachfordern(u.akteur(), id, &befunde, &eingabe.frist_ende)
                .await
        }
        _ => {
            // Which result? The state decides first whether a Prüfung is possible at all.
            let a = st.verfahren.vorgang_der_bauaufsicht(u.akteur(), id).await?;
            let v = a.verfahren.ok_or_else(|| {
                AppError::Conflict("Für diesen Vorgang ist keine Verfahrensart angegeben.".into())
            })?;
            plankammer_domain::vorgang::uebergang_im_verfahren(
                v,
                a.zustand,
                plankammer_domain::vorgang::Ereignis::VollstaendigErklaeren,
            )
            .map_err(|e| AppError::Conflict(e.meldung))?;
            Err(Fehler::ungueltig(
                "Bitte wählen Sie ein Ergebnis der Prüfung: „Unterlagen vollständig“ oder „Nachforderung“.",
            ))
        }
    };
    match ergebnis {
        Ok(()) => Ok(Redirect::to(&format!("/vorgaenge/{id}/pruefung")).into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            let a = st.verfahren.vorgang_der_bauaufsicht(u.akteur(), id).await?;
            pruefung_rendern(
                &st,
                &u,
                &a,
                eingabe,
                fehler,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn frist_view(f: &Frist, heute: NaiveDate) -> Value {
    use plankammer_domain::frist::FristZustand as Z;
    json!({
        "id": f.id,
        "art": f.art.bezeichnung(),
        "art_code": f.art,
        "rechtsgrundlage": f.rechtsgrundlage,
        "start": frist::datum_de(f.start),
        "ende": frist::datum_de(f.ende),
        "ende_iso": ymd(f.ende),
        "rest": f.zustand.ist_offen().then(|| resttage_text(heute, f.ende)),
        "zustand": match f.zustand {
            Z::Laeuft => "läuft",
            Z::Faellig => "abgelaufen – Entscheidung nötig",
            Z::Erledigt => "erledigt",
            Z::Ausgeloest => "Folge eingetreten",
        },
        "zustand_code": f.zustand,
        "erklaerung": f.erklaerung.lines().collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(format: &str, text: &str) -> SeitenStand {
        SeitenStand {
            format: format.into(),
            text: normalisiere_text(text),
        }
    }

    #[test]
    fn pages_differ_by_format_text_or_presence() {
        let alt = BTreeMap::from([
            (1, s("A3 quer", "Grundriss EG")),
            (2, s("A3 quer", "Grundriss  OG\n")),
            (3, s("A4 hoch", "Legende")),
        ]);
        let neu = BTreeMap::from([
            (1, s("A3 quer", "Grundriss\nEG")),
            (2, s("A2 quer", "Grundriss OG")),
            (4, s("A4 hoch", "neu")),
        ]);
        let d = seitenunterschiede(&alt, &neu);
        assert_eq!(
            d,
            vec![
                (2, "Format geändert (A3 quer → A2 quer)".to_string()),
                (3, "Seite entfallen".to_string()),
                (4, "Seite hinzugekommen".to_string()),
            ]
        );
    }
}
