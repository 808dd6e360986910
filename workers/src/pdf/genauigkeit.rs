//! Metadata accuracy against ground truth: every `*.json` beside a PDF in a folder (the
//! format of `sample-plans/`) is compared field by field with what validate, extract and
//! metadata make of the PDF, per `art` (vektor, scan, kurven). Used by the accuracy test
//! and by `plankammer-bench genauigkeit` (tests/bench).

use super::lesen::{LeseGrenzen, lese};
use serde_json::Value;
use std::collections::BTreeMap;

const FIELDS: &[&str] = &[
    "bauherr",
    "bauvorhaben",
    "planinhalt",
    "massstab",
    "plannummer",
    "index",
    "datum",
    "entwurfsverfasser",
    "geschoss",
];

/// Counts of (correct, total).
type Score = (u32, u32);

/// Per art, per art and field, per layout of the title block (the truth's `layout`, else
/// `standard`), per source of the text read (`textebene`, `ocr`), and the misses.
pub struct Auswertung {
    pub per_art: BTreeMap<String, Score>,
    pub per_field: BTreeMap<(String, String), Score>,
    pub per_layout: BTreeMap<String, Score>,
    pub per_quelle: BTreeMap<String, Score>,
    pub misses: Vec<String>,
}

pub fn evaluate(dir: &std::path::Path) -> Auswertung {
    let mut per_art: BTreeMap<String, Score> = BTreeMap::new();
    let mut per_field: BTreeMap<(String, String), Score> = BTreeMap::new();
    let mut per_layout: BTreeMap<String, Score> = BTreeMap::new();
    let mut per_quelle: BTreeMap<String, Score> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("a folder of sample plans with ground truth")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    let jsons: Vec<&std::path::PathBuf> = entries
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("index.json"))
        .collect();
    // Read on every core (each thread its own OCR engine), counted in file order.
    let kerne = std::thread::available_parallelism().map_or(1, |n| n.get());
    let naechste = std::sync::atomic::AtomicUsize::new(0);
    let gelesen_alle: Vec<super::lesen::Leseergebnis> = {
        let ergebnisse = std::sync::Mutex::new(vec![None; jsons.len()]);
        std::thread::scope(|scope| {
            for _ in 0..kerne.min(jsons.len()).max(1) {
                scope.spawn(|| {
                    loop {
                        let i = naechste.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(json) = jsons.get(i) else { break };
                        let pdf = std::fs::read(json.with_extension("pdf")).unwrap();
                        let r = lese(&pdf, &LeseGrenzen::default());
                        ergebnisse.lock().unwrap()[i] = Some(r);
                    }
                });
            }
        });
        ergebnisse
            .into_inner()
            .unwrap()
            .into_iter()
            .map(|r| r.expect("read"))
            .collect()
    };
    for (json, gelesen) in jsons.iter().zip(gelesen_alle) {
        let truth: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        let art = truth["art"].as_str().unwrap().to_string();
        let layout = truth["layout"].as_str().unwrap_or("standard").to_string();
        // How the first page was read: its text layer, or OCR.
        let quelle = gelesen
            .seiten
            .first()
            .and_then(|s| s.quelle.clone())
            .unwrap_or_else(|| "nichts".into());
        // As the metadata stage does.
        let found = gelesen.felder();
        let mut expected: Vec<(String, Option<String>)> = FIELDS
            .iter()
            .map(|f| {
                (
                    f.to_string(),
                    truth["schriftfeld"][f].as_str().map(str::to_string),
                )
            })
            .collect();
        expected.push((
            "planart".into(),
            truth["planart"].as_str().map(str::to_string),
        ));
        expected.push((
            "anlageart".into(),
            truth["anlageart"].as_str().map(str::to_string),
        ));
        for (field, want) in expected {
            let Some(want) = want else { continue };
            let got = found
                .iter()
                .find(|f| f.feld == field)
                .map(|f| f.wert.clone());
            let ok = got.as_deref() == Some(want.as_str());
            let a = per_art.entry(art.clone()).or_default();
            a.1 += 1;
            let p = per_field.entry((art.clone(), field.clone())).or_default();
            p.1 += 1;
            let l = per_layout.entry(layout.clone()).or_default();
            l.1 += 1;
            let q = per_quelle.entry(quelle.clone()).or_default();
            q.1 += 1;
            if ok {
                a.0 += 1;
                p.0 += 1;
                l.0 += 1;
                q.0 += 1;
            } else {
                misses.push(format!(
                    "{} ({layout}, {quelle}): {field}: want {want:?}, got {got:?}",
                    json.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    Auswertung {
        per_art,
        per_field,
        per_layout,
        per_quelle,
        misses,
    }
}

impl Auswertung {
    /// Percentage of exact fields for one art (0 when the folder has none of it).
    pub fn prozent(&self, art: &str) -> f64 {
        self.per_art
            .get(art)
            .map(|(ok, n)| *ok as f64 / *n as f64 * 100.0)
            .unwrap_or(0.0)
    }
}
