//! What the Bauaufsicht's Beteiligung page and a Stelle's pages both show of a request: its
//! Rückfragen with their answers, and its Stellungnahmen (newest first, superseded ones
//! marked with their successor) with their Nebenbestimmungen and the attachments each
//! carries.

use crate::AppError;
use crate::gemeinsam::format::mb;
use plankammer_domain::zeit;
use plankammer_storage::Db;
use plankammer_storage::beteiligung::{Rueckfrage, Stellungnahme};
use serde_json::{Value, json};

/// Rückfragen for display, oldest first.
pub fn rueckfragen_view(liste: &[Rueckfrage]) -> Vec<Value> {
    liste
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "frage": r.frage,
                "an_antragsteller": r.an_antragsteller,
                "hemmt_frist": r.hemmt_frist,
                "antwort": r.antwort,
                "gestellt": zeit::format_berlin(r.gestellt_at),
                "beantwortet": r.beantwortet_at.map(zeit::format_berlin),
                "weitergegeben": r.weitergegeben_at.map(zeit::format_berlin),
                "offen": r.antwort.is_none(),
            })
        })
        .collect()
}

/// Stellungnahmen for display: newest first, superseded ones marked with their successor.
pub fn stellungnahmen_view(liste: &[Stellungnahme]) -> Vec<Value> {
    let mut out: Vec<Value> = liste
        .iter()
        .map(|s| {
            let ersetzt_durch = liste
                .iter()
                .find(|n| n.ersetzt_id == Some(s.id))
                .map(|n| n.id);
            let nb: Vec<Value> = s
                .nebenbestimmungen
                .iter()
                .map(|n| {
                    json!({
                        "art": n.art,
                        "art_name": n.art_bezeichnung().unwrap_or("unbekannte Art"),
                        "text": n.text,
                        "begruendung": n.begruendung,
                    })
                })
                .collect();
            json!({
                "id": s.id,
                "tenor": s.tenor,
                "zustimmung": s.zustimmung.bezeichnung(),
                "zustimmung_code": s.zustimmung.code(),
                "nebenbestimmungen": nb,
                "begruendung": s.begruendung,
                "verspaetet": s.verspaetet,
                "beruecksichtigt": s.beruecksichtigt,
                "abgegeben": zeit::format_berlin(s.created_at),
                "ersetzt_id": s.ersetzt_id,
                "ersetzt_durch": ersetzt_durch,
                "aktuell": ersetzt_durch.is_none(),
            })
        })
        .collect();
    out.reverse();
    out
}

/// [`stellungnahmen_view`] with the attachments each Stellungnahme carries (`anlagen`:
/// version id, file name, size), as frozen at its submission.
pub async fn stellungnahmen_mit_anlagen(
    db: &Db,
    beteiligung_id: i64,
    liste: &[Stellungnahme],
) -> Result<Vec<Value>, AppError> {
    let links = db.anlagen_verknuepfungen(beteiligung_id).await?;
    let mut out = stellungnahmen_view(liste);
    for v in &mut out {
        let id = v["id"].as_i64();
        let anlagen: Vec<Value> = links
            .iter()
            .filter(|(s, _)| Some(*s) == id)
            .map(|(_, ver)| {
                json!({
                    "version_id": ver.id,
                    "dateiname": ver.dateiname,
                    "groesse": mb(u64::try_from(ver.groesse).unwrap_or(0)),
                })
            })
            .collect();
        v["anlagen"] = json!(anlagen);
    }
    Ok(out)
}
