//! Durable jobs with real worker processes: a worker killed with SIGKILL in the middle of a
//! job loses its lease, another worker finishes the job, and it finishes exactly once. A
//! worker asked to stop (SIGTERM) finishes the job it is running first. A server asked to
//! stop closes its listener and finishes the uploads in flight, but waits no longer than
//! `SHUTDOWN_GRACE_SECS` for a client that stalls.

mod common;

use common::Site;
use plankammer_storage::jobs::{JobState, NewJob};
use plankammer_storage::now_millis;
use plankammer_tests::wait_for;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

// --- Servers: SIGTERM finishes the requests in flight, within SHUTDOWN_GRACE_SECS. ---------

const TENANT: &str = "bauaufsicht-kassel";
const ARCHITEKTIN: &str = "sabine.hoffmann@architektur-hoffmann.example";
const PASSWORT: &str = "ein-sehr-langes-passwort";
const WARNUNG: &str = "requests still in flight after the shutdown grace";

/// A `plankammer serve` with an architect's token and a draft to upload into.
struct Server {
    // Declared before `site`: the process ends before its data folder is removed.
    proc: plankammer_tests::process::Proc,
    site: Site,
    port: u16,
    token: String,
    fall: i64,
}

impl Server {
    async fn start(extra: &[(&str, String)]) -> Server {
        let site = Site::new().await;
        let port = plankammer_tests::free_port();
        let url = format!("http://127.0.0.1:{port}");
        let mut env: Vec<(&str, String)> = vec![("BIND", format!("127.0.0.1:{port}"))];
        env.extend(extra.iter().cloned());
        for args in [
            &["migrate"][..],
            &[
                "tenant",
                "add",
                "--slug",
                TENANT,
                "--name",
                "Bauaufsicht Kassel",
            ],
        ] {
            let (code, out) = site.run(args, &env);
            assert_eq!(code, 0, "{args:?}: {out}");
        }
        let mit_passwort = [env.clone(), vec![("PLANKAMMER_PASSWORD", PASSWORT.into())]].concat();
        let (code, out) = site.run(
            &[
                "user",
                "add",
                "--tenant",
                TENANT,
                "--email",
                ARCHITEKTIN,
                "--name",
                "Sabine Hoffmann",
                "--role",
                "antragsteller",
            ],
            &mit_passwort,
        );
        assert_eq!(code, 0, "{out}");
        let proc = site.start(&["serve"], &env, "server");
        common::wait_ready(&url, &proc).await;

        let (token, fall) = common::token_und_entwurf(&url, ARCHITEKTIN, PASSWORT).await;
        Server {
            proc,
            site,
            port,
            token,
            fall,
        }
    }

    /// Opens a raw `PUT` of `len` bytes and waits for `100 Continue`: the handler has the
    /// request and is reading its body, so the upload is in flight.
    async fn upload_beginnen(&self, name: &str, len: usize) -> TcpStream {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let kopf = format!(
            "PUT /api/v1/cases/{}/documents/{name}?anlageart=2001 HTTP/1.1\r\n\
             Host: 127.0.0.1:{}\r\n\
             Authorization: Bearer {}\r\n\
             Content-Type: application/pdf\r\n\
             Content-Length: {len}\r\n\
             Expect: 100-continue\r\n\
             Connection: close\r\n\r\n",
            self.fall, self.port, self.token
        );
        s.write_all(kopf.as_bytes()).await.unwrap();
        let mut antwort = Vec::new();
        let mut b = [0u8; 1];
        while !antwort.ends_with(b"\r\n\r\n") {
            let n = tokio::time::timeout(Duration::from_secs(30), s.read(&mut b))
                .await
                .expect("an answer to the request head")
                .unwrap();
            assert_eq!(
                n,
                1,
                "connection closed: {}",
                String::from_utf8_lossy(&antwort)
            );
            antwort.push(b[0]);
        }
        let antwort = String::from_utf8_lossy(&antwort);
        assert!(
            antwort.starts_with("HTTP/1.1 100"),
            "the handler reads the body: {antwort}\n{}",
            self.proc.output()
        );
        s
    }

    /// SIGTERM; returns once the server has closed its listener (a new connection is
    /// refused).
    async fn sigterm_und_listener_zu(&mut self) {
        self.proc.sigterm();
        let port = self.port;
        // A connection made while the listener closes may be reset; once it is closed,
        // every new one is refused.
        wait_for(
            "the server to refuse new connections after SIGTERM",
            Duration::from_secs(30),
            || async move {
                match TcpStream::connect(("127.0.0.1", port)).await {
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Some(()),
                    _ => None,
                }
            },
        )
        .await;
        assert!(
            self.proc.output().contains("shutdown requested"),
            "{}",
            self.proc.output()
        );
    }
}

/// An upload whose body is still arriving when SIGTERM comes is completed and recorded,
/// while the server takes no new connections; then the process ends cleanly.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_the_upload_in_flight_finish() {
    let mut server = Server::start(&[]).await;
    let pdf = plankammer_tests::pdf::a4_salted(20, "im Flug");
    let haelfte = pdf.len() / 2;
    let mut s = server.upload_beginnen("Grundriss_EG.pdf", pdf.len()).await;
    s.write_all(&pdf[..haelfte]).await.unwrap();
    s.flush().await.unwrap();

    server.sigterm_und_listener_zu().await;
    assert!(
        !server.proc.exited(),
        "the process waits for the upload in flight; log:\n{}",
        server.proc.output()
    );

    // The rest trickles in after the listener is closed.
    for teil in pdf[haelfte..].chunks(pdf[haelfte..].len().div_ceil(4)) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        s.write_all(teil).await.unwrap();
        s.flush().await.unwrap();
    }
    let mut antwort = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut antwort))
        .await
        .expect("an answer to the upload")
        .unwrap();
    let antwort = String::from_utf8_lossy(&antwort).to_string();
    assert!(
        antwort.starts_with("HTTP/1.1 201"),
        "{antwort}\n{}",
        server.proc.output()
    );
    let json = &antwort[antwort.find("\r\n\r\n").unwrap() + 4..];
    let v: serde_json::Value = serde_json::from_str(json).expect(json);
    let dokument = v["dokument_id"].as_i64().expect(json);

    let status = server.proc.wait_exit(Duration::from_secs(60));
    let log = server.proc.output();
    assert_eq!(
        status.map(|s| s.code()),
        Some(Some(0)),
        "the server ends cleanly after the upload; log:\n{log}"
    );
    assert!(!log.contains(WARNUNG), "nothing was cut off; log:\n{log}");

    // Recorded: the document with exactly the bytes sent.
    let db = server.site.db().await;
    let dokumente = db.dokumente(server.fall).await.unwrap();
    assert_eq!(dokumente.len(), 1, "{dokumente:?}");
    assert_eq!(dokumente[0].id, dokument);
    let v = &dokumente[0].versionen;
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].groesse, pdf.len() as i64);
    use sha2::Digest;
    assert_eq!(v[0].sha256, hex::encode(sha2::Sha256::digest(&pdf)));
}

/// A client that stalls in the middle of its upload does not hold the server beyond
/// SHUTDOWN_GRACE_SECS: the process ends cleanly, says so, and records nothing half.
#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_upload_does_not_hold_the_server_beyond_the_grace() {
    let mut server = Server::start(&[
        ("SHUTDOWN_GRACE_SECS", "3".to_string()),
        // The upload's own idle limit would end it long after the grace.
        ("UPLOAD_IDLE_TIMEOUT_SECS", "3600".to_string()),
    ])
    .await;
    let pdf = plankammer_tests::pdf::a4_salted(20, "haengt");
    let mut s = server.upload_beginnen("Grundriss_EG.pdf", pdf.len()).await;
    s.write_all(&pdf[..pdf.len() / 2]).await.unwrap();
    s.flush().await.unwrap();

    server.sigterm_und_listener_zu().await;

    // The client sends nothing more (and keeps its connection open).
    let status = server.proc.wait_exit(Duration::from_secs(60));
    let log = server.proc.output();
    assert_eq!(
        status.map(|s| s.code()),
        Some(Some(0)),
        "the server ends cleanly after the grace, without the stalled upload; log:\n{log}"
    );
    assert!(log.contains(WARNUNG), "it says so; log:\n{log}");
    // The client learns the connection is gone; nothing of the upload is recorded.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut rest))
        .await
        .expect("the connection is closed with the process");
    assert!(
        !String::from_utf8_lossy(&rest).contains("201"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
    let db = server.site.db().await;
    let dokumente = db.dokumente(server.fall).await.unwrap();
    assert!(dokumente.is_empty(), "{dokumente:?}");
}
