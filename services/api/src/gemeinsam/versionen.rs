//! The view of one document version as the pages show it: its pipeline stages with their
//! state, the findings, the pages and what the pipeline recognised in the title block.
//! Shared by the case page and a Stelle's attachments.

use crate::AppError;
use crate::gemeinsam::format::mb;
use plankammer_storage::Db;
use plankammer_storage::dokumente::Version;
use plankammer_storage::jobs::JobState;
use serde::Serialize;

#[derive(Serialize)]
pub struct StufeView {
    name: &'static str,
    zustand: &'static str,
    zustand_code: &'static str,
    fortschritt: i64,
    notiz: Option<String>,
    fehler: Option<String>,
}

#[derive(Serialize)]
pub struct FeststellungView {
    schwere: &'static str,
    schwere_code: &'static str,
    meldung: String,
    seite: Option<u32>,
}

/// One version as the pages show it: its pipeline stages, findings, pages and what the
/// pipeline recognised. Shared by the case page and a Stelle's attachments.
#[derive(Serialize)]
pub struct VersionView {
    id: i64,
    nummer: i64,
    dateiname: String,
    groesse: String,
    hochgeladen: String,
    stufen: Vec<StufeView>,
    feststellungen: Vec<FeststellungView>,
    seiten: String,
    pub fehlgeschlagen: bool,
    /// "Grundriss (2001) · M 1:100 · Plan-Nr. A-101, Index B · 14.09.2026".
    erkannt: String,
    /// Thumbnail URLs of the pages (first 12).
    vorschauen: Vec<String>,
    /// A stage is still queued or running.
    pub laufend: bool,
    /// The Anlageart the metadata stage recognised, if any.
    #[serde(skip)]
    pub erkannte_anlageart: Option<String>,
}

fn stufe_name(s: &str) -> &'static str {
    match s {
        "validate" => "Dateiprüfung",
        "extract" => "Text lesen",
        "metadata" => "Planangaben",
        "preview" => "Vorschau",
        "volltext" => "Volltext für die Suche",
        _ => "Schritt",
    }
}

/// The page view of one version: stages with their job state, findings, pages, previews
/// and the recognised plan data.
pub async fn version_view(db: &Db, ver: Version) -> Result<VersionView, AppError> {
    let mut laufend = false;
    let mut stufen = Vec::new();
    let mut fehlgeschlagen = false;
    for (s, j) in db.stufen(ver.id).await? {
        let hintergrund = plankammer_storage::dokumente::stufe_im_hintergrund(&s);
        let (zustand, code) = match j.state {
            // Nobody waits for it: the list stops refreshing, so it says what will happen.
            JobState::Queued | JobState::Running if hintergrund => ("folgt", "folgt"),
            JobState::Queued => ("wartet", "wartet"),
            JobState::Running => ("läuft", "laeuft"),
            JobState::Succeeded => ("fertig", "fertig"),
            JobState::Failed => ("fehlgeschlagen", "fehlgeschlagen"),
        };
        laufend |= matches!(j.state, JobState::Queued | JobState::Running) && !hintergrund;
        fehlgeschlagen |= j.state == JobState::Failed;
        stufen.push(StufeView {
            name: stufe_name(&s),
            zustand,
            zustand_code: code,
            fortschritt: j.progress,
            notiz: j.progress_note,
            fehler: j.last_error,
        });
    }
    let feststellungen = db
        .feststellungen(ver.id)
        .await?
        .into_iter()
        .map(|f| FeststellungView {
            schwere: f.schwere.bezeichnung(),
            schwere_code: f.schwere.code(),
            meldung: f.meldung,
            seite: f.seite,
        })
        .collect();
    let seiten = db.seiten(ver.id).await?;
    let vorschauen: Vec<String> = seiten
        .iter()
        .filter(|s| s.vorschau_sha256.is_some())
        .take(12)
        .map(|s| format!("/api/v1/versions/{}/pages/{}/thumbnail", ver.id, s.nummer))
        .collect();
    let seiten = match seiten.len() {
        0 => String::new(),
        n => {
            let mut formate: Vec<String> = seiten
                .iter()
                .map(|s| {
                    if s.format == "Sonderformat" {
                        format!("{:.0} × {:.0} mm", s.breite_mm, s.hoehe_mm)
                    } else {
                        format!("{} {}", s.format, s.ausrichtung)
                    }
                })
                .collect();
            formate.dedup();
            format!(
                "{n} {} · {}",
                if n == 1 { "Seite" } else { "Seiten" },
                formate.join(", ")
            )
        }
    };
    let meta = db.metadaten(ver.id).await?;
    let m = |f: &str| meta.iter().find(|x| x.feld == f).map(|x| x.wert.clone());
    let mut teile = Vec::new();
    // The kind of plan in words (its code stays in the API and XBau).
    match (m("planart"), m("anlageart")) {
        (Some(p), _) => teile.push(p),
        (None, Some(a)) => {
            if let Some(name) = plankammer_domain::codeliste::anlagen().name(&a) {
                teile.push(name.to_string());
            }
        }
        (None, None) => {}
    }
    if let Some(g) = m("geschoss") {
        teile.push(g);
    }
    if let Some(x) = m("massstab") {
        teile.push(format!("M {x}"));
    }
    match (m("plannummer"), m("index")) {
        (Some(n), Some(i)) => teile.push(format!("Plan-Nr. {n}, Index {i}")),
        (Some(n), None) => teile.push(format!("Plan-Nr. {n}")),
        _ => {}
    }
    if let Some(d) = m("datum").and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
    {
        teile.push(d.format("%d.%m.%Y").to_string());
    }
    if meta.iter().any(|x| x.quelle == "ocr") && !teile.is_empty() {
        teile.push("per Texterkennung".into());
    }
    // What was read with little confidence is a suggestion: named, for a person to check.
    let mut unsicher: Vec<&str> = [
        ("planart", "Planart"),
        ("geschoss", "Geschoss"),
        ("massstab", "Maßstab"),
        ("plannummer", "Plan-Nr."),
        ("index", "Index"),
        ("datum", "Datum"),
    ]
    .iter()
    .filter(|(f, _)| {
        meta.iter()
            .any(|x| x.feld == *f && x.konfidenz < plankammer_domain::plausibilitaet::SICHER_AB)
    })
    .map(|(_, name)| *name)
    .collect();
    unsicher.dedup();
    if !unsicher.is_empty() && !teile.is_empty() {
        teile.push(format!(
            "unsicher erkannt, bitte prüfen: {}",
            unsicher.join(", ")
        ));
    }
    Ok(VersionView {
        id: ver.id,
        nummer: ver.nummer,
        groesse: mb(ver.groesse.max(0) as u64),
        dateiname: ver.dateiname,
        hochgeladen: plankammer_domain::zeit::format_berlin(ver.created_at),
        stufen,
        feststellungen,
        seiten,
        fehlgeschlagen,
        erkannt: teile.join(" · "),
        vorschauen,
        laufend,
        erkannte_anlageart: m("anlageart"),
    })
}
