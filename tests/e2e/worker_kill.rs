//! Durable jobs with real worker processes: a worker killed with SIGKILL in the middle of a
//! job loses its lease, another worker finishes the job, and it finishes exactly once. A
//! worker asked to stop (SIGTERM) finishes the job it is running first.

mod common;

use common::Site;
use plankammer_storage::jobs::{JobState, NewJob};
use plankammer_storage::now_millis;
use plankammer_tests::wait_for;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_worker_s_job_is_finished_exactly_once_by_another() {
    let site = Site::new().await;
    let db = site.db().await;
    let id = db
        .enqueue_now(
            &NewJob::new(
                "diag.warten",
                serde_json::json!({ "ms": 6000 }),
                now_millis(),
            ),
            now_millis(),
        )
        .await
        .unwrap()
        .unwrap();
    let lease = [("JOB_LEASE_MS", "1500".to_string())];

    let mut a = site.start(&["worker"], &lease, "worker-a");
    let owner_a = wait_for(
        "worker A to run the job and report progress",
        Duration::from_secs(30),
        || async {
            let j = db.job(id).await.unwrap();
            (j.state == JobState::Running && j.progress >= 10).then(|| j.lease_owner.unwrap())
        },
    )
    .await;
    a.kill_hard();

    let _b = site.start(&["worker"], &lease, "worker-b");
    let done = wait_for(
        "worker B to finish the job",
        Duration::from_secs(60),
        || async {
            let j = db.job(id).await.unwrap();
            matches!(j.state, JobState::Succeeded | JobState::Failed).then_some(j)
        },
    )
    .await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    assert_eq!(done.attempts, 2);
    let attempts = db.job_attempts(id).await.unwrap();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0].worker, owner_a);
    assert_eq!(attempts[0].outcome.as_deref(), Some("lease_lost"));
    assert_ne!(attempts[1].worker, owner_a, "another worker took over");
    assert_eq!(attempts[1].outcome.as_deref(), Some("succeeded"));
    assert_eq!(
        attempts
            .iter()
            .filter(|a| a.outcome.as_deref() == Some("succeeded"))
            .count(),
        1,
        "finished exactly once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_the_running_job_finish() {
    let site = Site::new().await;
    let db = site.db().await;
    let id = db
        .enqueue_now(
            &NewJob::new(
                "diag.warten",
                serde_json::json!({ "ms": 2000 }),
                now_millis(),
            ),
            now_millis(),
        )
        .await
        .unwrap()
        .unwrap();
    let mut w = site.start(&["worker"], &[], "worker");
    wait_for("the job to start", Duration::from_secs(30), || async {
        (db.job(id).await.unwrap().state == JobState::Running).then_some(())
    })
    .await;
    let code = w.terminate(Duration::from_secs(30));
    assert_eq!(code, Some(0), "clean exit; log:\n{}", w.output());
    let j = db.job(id).await.unwrap();
    assert_eq!(
        (j.state, j.attempts),
        (JobState::Succeeded, 1),
        "finished before the process left"
    );
    assert!(w.output().contains("letting running jobs finish"));
}
