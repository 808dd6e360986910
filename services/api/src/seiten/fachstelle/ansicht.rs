//! What a Stelle is shown of its request and of the case: the request with its deadline and
//! the consequence of silence, its attachments with their pipeline state, and what is needed
//! to judge the case — and no more (the Vorhaben, the Grundstück, the procedure; never the
//! Bauherrschaft or the Entwurfsverfasser).

use crate::gemeinsam::format::resttage_text;
use crate::gemeinsam::versionen::version_view;
use crate::{AppError, AppState};
use chrono::NaiveDate;
use plankammer_domain::beteiligung::{BeteiligungsZustand, Schweigefolge};
use plankammer_domain::{codeliste, frist, zeit};
use plankammer_storage::antrag::Antrag;
use plankammer_storage::beteiligung::Beteiligung;
use plankammer_verfahren::statuszeile;
use serde_json::{Value, json};

fn badge(b: &Beteiligung) -> &'static str {
    match b.zustand.ampel_bei(b.schweigefolge).klasse() {
        "gruen" => "success",
        "gelb" => "warning",
        "rot" => "danger",
        _ => "info",
    }
}

/// The colour of the days left: red at 3 days or less (or past), yellow up to 7, else green.
fn rest_badge(tage: i64) -> &'static str {
    match tage {
        t if t <= 3 => "danger",
        t if t <= 7 => "warning",
        _ => "success",
    }
}

fn schweigefolge_satz(f: Schweigefolge) -> &'static str {
    match f {
        Schweigefolge::ZustimmungFingiert => {
            "Äußert sich die Stelle bis zum Fristende nicht, gilt ihre Zustimmung als erteilt; eine spätere Stellungnahme wird angenommen, aber als verspätet gekennzeichnet."
        }
        Schweigefolge::EinvernehmenFingiert => {
            "Verweigert die Gemeinde ihr Einvernehmen nicht bis zum Fristende, gilt es als erteilt."
        }
        Schweigefolge::Keine => "Das Schweigen der Stelle hat keine gesetzliche Folge.",
    }
}

/// The request as the Fachstelle sees it.
pub fn anfrage_view(b: &Beteiligung, heute: NaiveDate) -> Value {
    let offen = b.zustand.ist_offen();
    let tage = frist::tage_bis(heute, b.ende);
    json!({
        "id": b.id,
        "vorgang_id": b.vorgang_id,
        "stelle": b.stelle_name,
        "rolle": b.rolle.bezeichnung(),
        "rolle_code": b.rolle.code(),
        "rechtsbereich": b.rechtsbereich,
        "notiz": b.notiz,
        "zustand": b.zustand.bezeichnung_bei(b.schweigefolge),
        "zustand_code": b.zustand.slug(),
        "badge": badge(b),
        "ende": frist::datum_de(b.ende),
        "ende_iso": b.ende.format("%Y-%m-%d").to_string(),
        "rest": offen.then(|| resttage_text(heute, b.ende)),
        "rest_badge": rest_badge(tage),
        "tage": tage,
        "offen": offen,
        "zurueckgezogen": b.zustand == BeteiligungsZustand::Zurueckgezogen,
        "grund": b.grund,
        "rechtsgrundlage": b.rechtsgrundlage,
        "behoerdlich_gesetzt": b.behoerdlich_gesetzt,
        "schweigefolge": b.schweigefolge.bezeichnung(),
        "schweigefolge_satz": schweigefolge_satz(b.schweigefolge),
        "erklaerung": b.erklaerung.lines().collect::<Vec<_>>(),
        "angefragt": zeit::format_berlin(b.angefragt_at),
        "neu": b.geoeffnet_at.is_none(),
    })
}

/// What the Stelle needs to judge the case — and no more: the Vorhaben and the Grundstück,
/// the procedure; never the Bauherrschaft or the Entwurfsverfasser.
pub fn fall_view(a: &Antrag) -> Value {
    let angaben = a.angaben.clone().unwrap_or_default();
    let g = &angaben.grundstueck;
    let bv = &angaben.bauvorhaben;
    let anschrift = [
        format!("{} {}", g.strasse.trim(), g.hausnummer.trim())
            .trim()
            .to_string(),
        format!("{} {}", g.plz.trim(), g.ort.trim())
            .trim()
            .to_string(),
    ]
    .into_iter()
    .filter(|x| !x.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let name = |liste: &codeliste::Codeliste, code: &str| {
        liste
            .name(code)
            .map(str::to_string)
            .unwrap_or_else(|| code.to_string())
    };
    json!({
        "id": a.id,
        "aktenzeichen": a.aktenzeichen,
        "bezeichnung": a.bezeichnung,
        "verfahren": a.verfahren.map(|v| v.bezeichnung_mit_paragraph()),
        "status": statuszeile(a.zustand),
        "anschrift": anschrift,
        "gemeinde": g.gemeinde.trim(),
        "gemarkung": g.gemarkung.trim(),
        "flur": g.flur.trim(),
        "flurstuecke": g.flurstuecke_text(),
        "massnahme": name(codeliste::baumassnahmearten(), bv.massnahme.trim()),
        "gebaeudeklasse": name(codeliste::gebaeudeklassen(), bv.gebaeudeklasse.trim()),
    })
}

/// The request's current attachments for the page, each with its pipeline state (as the
/// case page shows versions), and whether a check still runs.
pub async fn anlagen_view(st: &AppState, b: &Beteiligung) -> Result<(Vec<Value>, bool), AppError> {
    let mut out = Vec::new();
    let mut laufend = false;
    for a in st.db.anlagen(b.id).await? {
        let v = version_view(&st.db, a.version).await?;
        laufend |= v.laufend;
        let (zustand, code) = if v.laufend {
            ("wird geprüft", "laeuft")
        } else if v.fehlgeschlagen {
            ("Prüfung fehlgeschlagen", "fehlgeschlagen")
        } else {
            ("geprüft", "fertig")
        };
        out.push(json!({
            "dokument_id": a.dokument_id,
            "bezeichnung": a.bezeichnung,
            "zustand": zustand,
            "zustand_code": code,
            "abgegeben_mit": a.abgegeben_mit,
            "entfernbar": a.abgegeben_mit.is_empty(),
            "version": v,
        }));
    }
    Ok((out, laufend))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_colours() {
        assert_eq!(rest_badge(-2), "danger");
        assert_eq!(rest_badge(3), "danger");
        assert_eq!(rest_badge(5), "warning");
        assert_eq!(rest_badge(30), "success");
    }
}
