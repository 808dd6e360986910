//! Job queue fairness: one tenant floods the queue with pipeline jobs (as an applicant who
//! uploads hundreds of plans would), while another tenant's pipeline jobs and the deadline
//! sweeps (class 0) keep arriving. Simulated workers claim through the real store
//! (`Db::claim_job`) and hold each job for a fixed time; the bench prints how long the
//! other tenant's jobs and the legal jobs waited.

use crate::eingang::Messdatenbank;
use anyhow::{Context, Result};
use plankammer_storage::jobs::NewJob;
use plankammer_storage::{Db, now_millis};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

pub async fn warteschlange(
    flut: u64,
    arbeiter: usize,
    arbeit_ms: u64,
    datenbank: &str,
) -> Result<()> {
    let (messdb, url) = Messdatenbank::neu(datenbank).await?;
    let db = Db::connect(&url).await.context("Messdatenbank")?;
    let ergebnis = messen(&db, flut, arbeiter.max(1), arbeit_ms).await;
    db.close().await;
    let entfernt = messdb.entfernen().await;
    ergebnis?;
    entfernt
}

async fn messen(db: &Db, flut: u64, arbeiter: usize, arbeit_ms: u64) -> Result<()> {
    db.migrate().await.context("migrieren")?;
    let jetzt = now_millis();
    let a = db
        .create_tenant(
            &plankammer_domain::TenantSlug::parse("flut")?,
            "Bauaufsicht Flut",
            jetzt,
        )
        .await?
        .id;
    let b = db
        .create_tenant(
            &plankammer_domain::TenantSlug::parse("still")?,
            "Bauaufsicht Still",
            jetzt,
        )
        .await?
        .id;
    let job = |kind: &str, t: Option<i64>, nr: u64| {
        let mut j = NewJob::new(kind, serde_json::json!({ "nr": nr }), now_millis());
        j.tenant_id = t;
        j
    };
    let mut tx = db.begin().await?;
    for nr in 0..flut {
        Db::enqueue(
            &mut tx,
            &job("pipeline.validate", Some(a), nr),
            now_millis(),
        )
        .await?;
    }
    tx.commit().await?;

    // Enqueued ids of the measured jobs → (what, enqueue time).
    let gemessen: Arc<Mutex<HashMap<i64, (&'static str, i64)>>> = Arc::default();
    let wartezeiten: Arc<Mutex<Vec<(&'static str, i64)>>> = Arc::default();
    let erledigt_flut = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let ende = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..arbeiter {
        let (db, gemessen, wartezeiten, erledigt_flut, ende) = (
            db.clone(),
            gemessen.clone(),
            wartezeiten.clone(),
            erledigt_flut.clone(),
            ende.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let name = format!("bench-{w}");
            while !ende.load(std::sync::atomic::Ordering::Relaxed) {
                let Some(j) = db.claim_job(&name, now_millis(), 60_000).await? else {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    continue;
                };
                let beansprucht = now_millis();
                if let Some((was, seit)) = gemessen.lock().await.remove(&j.id) {
                    wartezeiten.lock().await.push((was, beansprucht - seit));
                } else {
                    erledigt_flut.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(arbeit_ms)).await;
                db.complete_job(&j, &name, now_millis()).await?;
            }
            anyhow::Ok(())
        }));
    }
    // The other tenant uploads, and the deadline sweep runs, every 100 ms for 4 s.
    let runden = 40u64;
    for nr in 0..runden {
        for (was, kind, t) in [
            ("andere Behörde (Pipeline)", "pipeline.validate", Some(b)),
            ("Fristen (Klasse 0)", "fristen.pruefen", None),
        ] {
            let seit = now_millis();
            if let Some(id) = db.enqueue_now(&job(kind, t, nr), seit).await? {
                gemessen.lock().await.insert(id, (was, seit));
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Until every measured job was claimed (or 60 s).
    let bis = now_millis() + 60_000;
    while !gemessen.lock().await.is_empty() && now_millis() < bis {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    ende.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await??;
    }
    let offen = gemessen.lock().await.len();
    println!(
        "Warteschlange: {flut} Pipeline-Aufträge einer Behörde vorab, {arbeiter} Worker zu je {arbeit_ms} ms, {}",
        match db.backend() {
            plankammer_storage::Backend::Sqlite => "SQLite",
            plankammer_storage::Backend::Postgres => "PostgreSQL",
        }
    );
    println!(
        "{:<30} {:>6} {:>10} {:>10} {:>10}",
        "Auftrag", "Anzahl", "p50 ms", "p95 ms", "max ms"
    );
    let w = wartezeiten.lock().await;
    for was in ["andere Behörde (Pipeline)", "Fristen (Klasse 0)"] {
        let mut ms: Vec<i64> = w
            .iter()
            .filter(|(x, _)| *x == was)
            .map(|(_, m)| *m)
            .collect();
        ms.sort_unstable();
        let q = |p: f64| {
            ms.get(((ms.len() as f64 - 1.0) * p).round() as usize)
                .copied()
                .unwrap_or(-1)
        };
        println!(
            "{was:<30} {:>6} {:>10} {:>10} {:>10}",
            ms.len(),
            q(0.5),
            q(0.95),
            ms.last().copied().unwrap_or(-1)
        );
    }
    println!(
        "Flut-Aufträge erledigt in der Zeit: {}; nie beansprucht: {offen} gemessene",
        erledigt_flut.load(std::sync::atomic::Ordering::Relaxed)
    );
    Ok(())
}
