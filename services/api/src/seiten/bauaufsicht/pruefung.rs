//! The formelle Prüfung of a case: what changed between the last two Fassungen, the
//! Befundliste, "vollständig" or a Nachforderung with a deadline.

use crate::error::PageResult;
use crate::gemeinsam::format::{anlageart_text, gemeinde_name, resttage_text, ymd};
use crate::gemeinsam::layout;
use crate::sitzung::CurrentUser;
use crate::templates::render;
use crate::{AppError, AppState};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use minijinja::context;
use plankammer_domain::vorgang::Zustand;
use plankammer_domain::{codeliste, frist, zeit};
use plankammer_storage::antrag::{Antrag, FassungsDokument, Frist};
use plankammer_storage::heute_berlin;
use plankammer_verfahren::pruefung::{
    Befundangabe, Fassungsvergleich, entscheidungsfrist, vorschlag_nachforderung,
};
use plankammer_verfahren::{Fehler, statuszeile};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/vorgaenge/{id}/pruefung",
        get(pruefung_seite).post(pruefung_abschliessen),
    )
}

/// Befund rows the form offers.
const BEFUNDZEILEN: usize = 5;

// --- Diff between Fassungen --------------------------------------------------------------

fn dokument_json(d: &FassungsDokument) -> Value {
    json!({
        "bezeichnung": d.bezeichnung, "anlageart": anlageart_text(d.anlageart.as_ref()),
        "version": d.version_nummer, "dateiname": d.dateiname,
    })
}

/// What changed from the second-last to the last Fassung, for the page.
fn fassungsdiff(v: &Fassungsvergleich) -> Value {
    let ersetzt: Vec<Value> = v
        .ersetzt
        .iter()
        .map(|e| {
            json!({
                "bezeichnung": e.neu.bezeichnung, "anlageart": anlageart_text(e.neu.anlageart.as_ref()),
                "alt_version": e.alt.version_nummer, "neu_version": e.neu.version_nummer,
                "alt_dateiname": e.alt.dateiname, "neu_dateiname": e.neu.dateiname,
                "gleicher_inhalt": e.gleicher_inhalt,
                "seiten": e.seiten.clone().unwrap_or_default(),
                "seiten_unbekannt": e.seiten.is_none(),
            })
        })
        .collect();
    json!({
        "von": v.von, "nach": v.nach,
        "hinzugefuegt": v.hinzugefuegt.iter().map(dokument_json).collect::<Vec<_>>(),
        "entfernt": v.entfernt.iter().map(dokument_json).collect::<Vec<_>>(),
        "ersetzt": ersetzt,
        "unveraendert": v.unveraendert,
    })
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

/// `?erledigt=…` after a Prüfung was concluded (Post/Redirect/Get): which success message
/// to show. Only a fixed word travels in the URL, never data.
#[derive(Debug, Default, serde::Deserialize)]
struct Erledigt {
    #[serde(default)]
    erledigt: String,
}

async fn pruefung_seite(
    State(st): State<AppState>,
    u: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<Erledigt>,
) -> PageResult<Response> {
    let a = st.verfahren.vorgang_der_bauaufsicht(u.akteur(), id).await?;
    let erfolg = match (q.erledigt.as_str(), a.zustand) {
        ("nachforderung", Zustand::Nachforderung) => Some(
            "Die Nachforderung ist versandt. Antragsteller/in und Bauherrschaft sind per E-Mail \
             benachrichtigt; die Frist für die Nachreichung läuft.",
        ),
        ("vollstaendig", Zustand::Vollstaendig) => Some(
            "Die Unterlagen sind als vollständig erklärt. Antragsteller/in und Bauherrschaft sind \
             benachrichtigt; die Entscheidungsfrist läuft. Als Nächstes beteiligen Sie die Stellen.",
        ),
        _ => None,
    };
    pruefung_rendern(
        &st,
        &u,
        &a,
        PruefungEingabe::default(),
        vec![],
        erfolg,
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
    erfolg: Option<&str>,
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
    let diff = st
        .verfahren
        .fassungsvergleich(u.akteur(), a.id)
        .await?
        .as_ref()
        .map(fassungsdiff);
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
    let abweichungen: Vec<String> = st
        .verfahren
        .plan_abweichungen(a)
        .await
        .map(|x| plankammer_domain::plausibilitaet::saetze(&x))?;
    let html = render(
        "pruefung.html",
        context! {
            layout => layout(u, "/eingang"),
            erfolg,
            vorgang => context! {
                id => a.id, bezeichnung => a.bezeichnung, aktenzeichen => a.aktenzeichen,
                status => statuszeile(z), zustand => z.slug(),
                verfahren => v.map(|v| v.bezeichnung_mit_paragraph()),
                gemeinde => gemeinde_name(a.gemeinde_ags.as_deref()),
                eingereicht => a.eingereicht_at.map(zeit::format_berlin),
            },
            fassung, dokumente, diff, befunde, fristen, codes, vorschlag, entscheidung,
            kann_pruefen, eingabe, fehler, abweichungen,
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
        Ok(()) => Ok(Redirect::to(&format!(
            "/vorgaenge/{id}/pruefung?erledigt={}",
            if eingabe.ergebnis == "vollstaendig" {
                "vollstaendig"
            } else {
                "nachforderung"
            }
        ))
        .into_response()),
        Err(Fehler::Ungueltig(fehler)) => {
            let a = st.verfahren.vorgang_der_bauaufsicht(u.akteur(), id).await?;
            pruefung_rendern(
                &st,
                &u,
                &a,
                eingabe,
                fehler,
                None,
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
