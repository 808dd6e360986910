//! The store test suite. It runs unchanged on SQLite and on PostgreSQL:
//! `PLANKAMMER_TEST_DB=postgres cargo test -p plankammer-storage` selects PostgreSQL.

use plankammer_domain::notification::RenderedMail;
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::jobs::{FailOutcome, JobState, NewJob};
use plankammer_storage::login_limit::{LoginLimits, LoginZulassung};
use plankammer_storage::testing::fresh_db;
use plankammer_storage::tokens::Rechte;
use plankammer_storage::{Db, Konflikt, StoreError};

const T0: i64 = 1_780_000_000_000;

async fn tenant(db: &Db, slug: &str) -> plankammer_storage::accounts::Tenant {
    db.create_tenant(
        &TenantSlug::parse(slug).unwrap(),
        &format!("Bauaufsicht {slug}"),
        T0,
    )
    .await
    .unwrap()
}

async fn user(db: &Db, email: &str, tenant_id: i64, role: Role) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let u = Db::create_user(&mut tx, &Email::parse(email).unwrap(), "Person", "hash", T0)
        .await
        .unwrap();
    Db::add_membership(&mut tx, u.id, tenant_id, role, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    u.id
}

#[tokio::test]
async fn tenants_users_and_memberships_stay_within_their_tenant() {
    let (db, _dir) = fresh_db().await;
    let a = tenant(&db, "kassel").await;
    let b = tenant(&db, "fulda").await;
    assert!(matches!(
        db.create_tenant(&TenantSlug::parse("kassel").unwrap(), "x", T0)
            .await,
        Err(StoreError::Konflikt(Konflikt::TenantVergeben))
    ));
    let ua = user(&db, "a@example.de", a.id, Role::Bauaufsicht).await;
    let ub = user(&db, "b@example.de", b.id, Role::Admin).await;

    let members_a = db.members_of_tenant(a.id).await.unwrap();
    assert_eq!(members_a.len(), 1);
    assert_eq!(members_a[0].user.id, ua);
    assert_eq!(members_a[0].role, Role::Bauaufsicht);
    assert!(
        matches!(db.member(ua, b.id).await, Err(StoreError::NotFound)),
        "no membership across tenants"
    );
    assert_eq!(db.member(ub, b.id).await.unwrap().role, Role::Admin);

    let mut tx = db.begin().await.unwrap();
    let dup = Db::create_user(
        &mut tx,
        &Email::parse("A@example.de").unwrap(),
        "x",
        "h",
        T0,
    )
    .await;
    assert!(
        matches!(dup, Err(StoreError::Konflikt(Konflikt::EmailVergeben))),
        "emails are unique case-insensitively"
    );
}

#[tokio::test]
async fn passwords_hash_with_argon2id_and_verify() {
    let h = plankammer_storage::accounts::hash_password("richtig-langes-passwort").unwrap();
    assert!(h.starts_with("$argon2id$"), "{h}");
    assert!(plankammer_storage::accounts::verify_password(
        "richtig-langes-passwort",
        &h
    ));
    assert!(!plankammer_storage::accounts::verify_password(
        "falsches-passwort!!",
        &h
    ));
    assert!(!plankammer_storage::accounts::verify_password(
        "x",
        "kein hash"
    ));
}

#[tokio::test]
async fn sessions_expire_and_die_with_logout() {
    let (db, _dir) = fresh_db().await;
    let t = tenant(&db, "kassel").await;
    let u = user(&db, "a@example.de", t.id, Role::Antragsteller).await;
    let s = db.create_session(u, t.id, T0, 1000).await.unwrap();
    assert_eq!(
        db.session(&s.secret, T0 + 999)
            .await
            .unwrap()
            .unwrap()
            .user_id,
        u
    );
    assert!(
        db.session(&s.secret, T0 + 1000).await.unwrap().is_none(),
        "expired at expires_at"
    );
    assert!(db.session("not-the-secret", T0).await.unwrap().is_none());
    db.delete_session(&s.secret).await.unwrap();
    assert!(db.session(&s.secret, T0).await.unwrap().is_none());
    let s2 = db.create_session(u, t.id, T0, 10).await.unwrap();
    assert_eq!(db.purge_expired_sessions(T0 + 10).await.unwrap(), 1);
    assert!(db.session(&s2.secret, T0).await.unwrap().is_none());
}

#[tokio::test]
async fn tokens_authenticate_until_revoked_and_only_by_their_owner() {
    let (db, _dir) = fresh_db().await;
    let t = tenant(&db, "kassel").await;
    let u = user(&db, "a@example.de", t.id, Role::Antragsteller).await;
    let other = user(&db, "b@example.de", t.id, Role::Antragsteller).await;
    let mut tx = db.begin().await.unwrap();
    let (tok, secret) = Db::create_token(
        &mut tx,
        &plankammer_storage::tokens::NeuerToken {
            user_id: u,
            tenant_id: t.id,
            name: "CAD",
            rechte: Rechte::Schreiben,
            laeuft_ab_at: T0 + 1000,
            vorgang_id: None,
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(secret.starts_with("pkt_") && secret.starts_with(&tok.prefix));
    let owner = db.authenticate_token(&secret, T0).await.unwrap().unwrap();
    assert_eq!((owner.user_id, owner.tenant_id), (u, t.id));
    assert_eq!(owner.rechte, Rechte::Schreiben);
    assert!(
        db.authenticate_token(&secret, T0 + 999)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        db.authenticate_token(&secret, T0 + 1000)
            .await
            .unwrap()
            .is_none(),
        "expired at its end"
    );
    assert!(
        db.authenticate_token("pkt_wrong", T0)
            .await
            .unwrap()
            .is_none()
    );
    let mut tx = db.begin().await.unwrap();
    assert!(
        matches!(
            Db::revoke_token(&mut tx, other, tok.id, T0).await,
            Err(StoreError::NotFound)
        ),
        "not someone else's"
    );
    Db::revoke_token(&mut tx, u, tok.id, T0 + 5).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        db.authenticate_token(&secret, T0 + 6)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        db.tokens_of(u, t.id).await.unwrap()[0].revoked_at,
        Some(T0 + 5)
    );
}

async fn versuch(db: &Db, email: &str, addr: &str, limits: LoginLimits, at: i64) -> Option<i64> {
    match db.login_reservieren(email, addr, limits, at).await.unwrap() {
        LoginZulassung::Erlaubt {
            reservation,
            delay_ms,
        } => {
            db.login_settle(reservation, false, at).await.unwrap();
            Some(delay_ms)
        }
        LoginZulassung::Gesperrt => None,
    }
}

#[tokio::test]
async fn login_limit_blocks_the_guessing_pair_not_the_owner_elsewhere() {
    let (db, _dir) = fresh_db().await;
    let limits = LoginLimits {
        window_ms: 1000,
        max_per_account_address: 3,
        max_per_address: 6,
        slow_after_account_failures: 4,
        max_delay_ms: 3000,
    };
    for i in 0..3 {
        assert_eq!(
            versuch(&db, "a@x.de", "1.2.3.4", limits, T0 + i).await,
            Some(0)
        );
    }
    assert_eq!(
        versuch(&db, "A@x.de", "1.2.3.4", limits, T0 + 10).await,
        None,
        "the pair is blocked, whatever the case of the address"
    );
    // The owner at another address is not blocked by the guesser.
    let Ok(LoginZulassung::Erlaubt { reservation, .. }) = db
        .login_reservieren("a@x.de", "9.9.9.9", limits, T0 + 11)
        .await
    else {
        panic!("owner elsewhere must get through");
    };
    // Another account from the guessing address still gets through, up to the address cap.
    assert_eq!(
        versuch(&db, "b@x.de", "1.2.3.4", limits, T0 + 12).await,
        Some(0)
    );
    assert_eq!(
        versuch(&db, "c@x.de", "1.2.3.4", limits, T0 + 13).await,
        Some(0)
    );
    assert_eq!(
        versuch(&db, "d@x.de", "1.2.3.4", limits, T0 + 14).await,
        Some(0),
        "sixth attempt from the address"
    );
    assert_eq!(
        versuch(&db, "e@x.de", "1.2.3.4", limits, T0 + 15).await,
        None,
        "address cap: 6 attempts"
    );
    // The owner's success clears the account everywhere.
    db.login_settle(reservation, true, T0 + 16).await.unwrap();
    assert_eq!(
        versuch(&db, "a@x.de", "5.5.5.5", limits, T0 + 17).await,
        Some(0)
    );
    assert_eq!(
        versuch(&db, "a@x.de", "1.2.3.4", limits, T0 + 1200).await,
        Some(0),
        "window slid past"
    );
}

#[tokio::test]
async fn login_limit_slows_a_distributed_guesser_without_blocking() {
    let (db, _dir) = fresh_db().await;
    let limits = LoginLimits {
        window_ms: 60_000,
        max_per_account_address: 2,
        max_per_address: 100,
        slow_after_account_failures: 4,
        max_delay_ms: 3000,
    };
    let mut delays = Vec::new();
    for i in 0..20 {
        let addr = format!("10.0.0.{i}");
        delays.push(versuch(&db, "a@x.de", &addr, limits, T0 + i).await.unwrap());
    }
    assert_eq!(&delays[..4], &[0, 0, 0, 0], "no delay below the threshold");
    assert_eq!(delays[4], 1000);
    assert_eq!(delays[9], 2000);
    assert_eq!(delays[19], 3000, "capped");
    assert!(delays.windows(2).all(|w| w[0] <= w[1]));
}

/// Parallel attempts are counted before any is checked: 30 at once against a limit of 3
/// get exactly 3 through (on both backends).
#[tokio::test]
async fn login_reservations_hold_under_parallel_attempts() {
    let (db, _dir) = fresh_db().await;
    let limits = LoginLimits {
        window_ms: 60_000,
        max_per_account_address: 100,
        max_per_address: 3,
        slow_after_account_failures: 100,
        max_delay_ms: 0,
    };
    let mut set = tokio::task::JoinSet::new();
    for i in 0..30 {
        let db = db.clone();
        set.spawn(async move {
            db.login_reservieren(&format!("p{i}@x.de"), "1.2.3.4", limits, T0)
                .await
                .unwrap()
        });
    }
    let mut erlaubt = 0;
    while let Some(z) = set.join_next().await {
        if matches!(z.unwrap(), LoginZulassung::Erlaubt { .. }) {
            erlaubt += 1;
        }
    }
    assert_eq!(erlaubt, 3);
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let (db, _dir) = fresh_db().await;
    let t = tenant(&db, "kassel").await;
    let ev = AuditEvent {
        tenant_id: Some(t.id),
        actor_user_id: None,
        action: "login.success",
        object_type: "user",
        object_id: Some("7".into()),
        detail: serde_json::json!({"via": "password"}),
    };
    db.audit_now(ev, T0).await.unwrap();
    let entries = db.audit_entries(t.id, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].detail["via"], "password");
    assert!(
        sqlx::query("UPDATE audit_log SET action = 'x'")
            .execute(db.pool())
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(db.pool())
            .await
            .is_err()
    );
    assert_eq!(
        db.audit_entries(t.id, 10).await.unwrap()[0].action,
        "login.success"
    );
}

#[tokio::test]
async fn a_job_runs_and_succeeds_once() {
    let (db, _dir) = fresh_db().await;
    let id = db
        .enqueue_now(
            &NewJob::new("diag.sleep", serde_json::json!({"ms": 1}), T0),
            T0,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        db.claim_job("w1", T0 - 1, 1000).await.unwrap().is_none(),
        "not due before run_at"
    );
    let j = db.claim_job("w1", T0, 1000).await.unwrap().unwrap();
    assert_eq!(
        (j.id, j.attempt, j.payload["ms"].as_i64()),
        (id, 1, Some(1))
    );
    assert!(
        db.claim_job("w2", T0 + 1, 1000).await.unwrap().is_none(),
        "leased"
    );
    assert!(
        db.heartbeat_job(&j, "w1", T0 + 500, 1000, Some((40, "Seite 2 von 5")))
            .await
            .unwrap()
    );
    let seen = db.job(id).await.unwrap();
    assert_eq!(
        (seen.state, seen.progress, seen.progress_note.as_deref()),
        (JobState::Running, 40, Some("Seite 2 von 5"))
    );
    assert!(
        !db.complete_job(&j, "w2", T0 + 600).await.unwrap(),
        "only the lease owner records"
    );
    assert!(db.complete_job(&j, "w1", T0 + 600).await.unwrap());
    assert!(
        !db.complete_job(&j, "w1", T0 + 601).await.unwrap(),
        "finished once"
    );
    let done = db.job(id).await.unwrap();
    assert_eq!(
        (done.state, done.progress, done.finished_at),
        (JobState::Succeeded, 100, Some(T0 + 600))
    );
    let attempts = db.job_attempts(id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome.as_deref(), Some("succeeded"));
}

#[tokio::test]
async fn a_failing_job_is_retried_then_fails_with_its_reason() {
    let (db, _dir) = fresh_db().await;
    let mut job = NewJob::new("x", serde_json::json!({}), T0);
    job.max_attempts = 2;
    let id = db.enqueue_now(&job, T0).await.unwrap().unwrap();
    let j = db.claim_job("w", T0, 1000).await.unwrap().unwrap();
    assert!(
        db.fail_job(
            &j,
            "w",
            "Netz weg",
            FailOutcome::RetryAt(T0 + 5000),
            T0 + 10
        )
        .await
        .unwrap()
    );
    let q = db.job(id).await.unwrap();
    assert_eq!(
        (q.state, q.run_at, q.last_error.as_deref()),
        (JobState::Queued, T0 + 5000, Some("Netz weg"))
    );
    assert!(
        db.claim_job("w", T0 + 4999, 1000).await.unwrap().is_none(),
        "backoff respected"
    );
    let j2 = db.claim_job("w", T0 + 5000, 1000).await.unwrap().unwrap();
    assert_eq!(j2.attempt, 2);
    assert!(
        db.fail_job(
            &j2,
            "w",
            "wieder Netz weg",
            FailOutcome::RetryAt(T0 + 9000),
            T0 + 5010
        )
        .await
        .unwrap()
    );
    let f = db.job(id).await.unwrap();
    assert_eq!(
        (f.state, f.attempts, f.last_error.as_deref()),
        (JobState::Failed, 2, Some("wieder Netz weg"))
    );
    assert!(
        db.claim_job("w", T0 + 100_000, 1000)
            .await
            .unwrap()
            .is_none(),
        "failed jobs stay failed"
    );
    db.retry_failed_job(id, T0 + 200_000).await.unwrap();
    assert_eq!(db.job(id).await.unwrap().state, JobState::Queued);
}

#[tokio::test]
async fn a_permanent_error_fails_at_once() {
    let (db, _dir) = fresh_db().await;
    let id = db
        .enqueue_now(&NewJob::new("x", serde_json::json!({}), T0), T0)
        .await
        .unwrap()
        .unwrap();
    let j = db.claim_job("w", T0, 1000).await.unwrap().unwrap();
    assert!(
        db.fail_job(&j, "w", "unbekannte Jobart", FailOutcome::Permanent, T0)
            .await
            .unwrap()
    );
    assert_eq!(db.job(id).await.unwrap().state, JobState::Failed);
}

#[tokio::test]
async fn a_lost_lease_lets_another_worker_finish_and_fences_the_first() {
    let (db, _dir) = fresh_db().await;
    let id = db
        .enqueue_now(&NewJob::new("x", serde_json::json!({}), T0), T0)
        .await
        .unwrap()
        .unwrap();
    let a = db.claim_job("A", T0, 1000).await.unwrap().unwrap();
    assert!(db.claim_job("B", T0 + 999, 1000).await.unwrap().is_none());
    let b = db.claim_job("B", T0 + 1001, 1000).await.unwrap().unwrap();
    assert_eq!((b.id, b.attempt), (id, 2));
    assert!(
        !db.heartbeat_job(&a, "A", T0 + 1002, 1000, None)
            .await
            .unwrap(),
        "A learns it lost the lease"
    );
    assert!(!db.complete_job(&a, "A", T0 + 1003).await.unwrap());
    assert!(
        !db.fail_job(&a, "A", "late", FailOutcome::Permanent, T0 + 1003)
            .await
            .unwrap()
    );
    assert!(db.complete_job(&b, "B", T0 + 1500).await.unwrap());
    let attempts = db.job_attempts(id).await.unwrap();
    let outcomes: Vec<_> = attempts
        .iter()
        .map(|a| (a.worker.as_str(), a.outcome.as_deref()))
        .collect();
    assert_eq!(
        outcomes,
        vec![("A", Some("lease_lost")), ("B", Some("succeeded"))]
    );
}

#[tokio::test]
async fn a_job_whose_workers_keep_dying_ends_failed() {
    let (db, _dir) = fresh_db().await;
    let mut job = NewJob::new("x", serde_json::json!({}), T0);
    job.max_attempts = 1;
    let id = db.enqueue_now(&job, T0).await.unwrap().unwrap();
    db.claim_job("A", T0, 1000).await.unwrap().unwrap();
    assert!(
        db.claim_job("B", T0 + 2000, 1000).await.unwrap().is_none(),
        "no attempts left"
    );
    let j = db.job(id).await.unwrap();
    assert_eq!(j.state, JobState::Failed);
    assert!(j.last_error.unwrap().contains("Versuche verbraucht"));
}

#[tokio::test]
async fn dedupe_keys_make_enqueue_idempotent() {
    let (db, _dir) = fresh_db().await;
    let mut job = NewJob::new("wartung", serde_json::json!({}), T0);
    job.dedupe_key = Some("wartung:2026-11-28T12".into());
    assert!(db.enqueue_now(&job, T0).await.unwrap().is_some());
    assert!(db.enqueue_now(&job, T0).await.unwrap().is_none());
    let counts = db.job_counts(None).await.unwrap();
    assert_eq!(
        counts
            .iter()
            .find(|(s, _)| *s == JobState::Queued)
            .unwrap()
            .1,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_take_the_same_job() {
    let (db, _dir) = fresh_db().await;
    for i in 0..40 {
        db.enqueue_now(&NewJob::new("x", serde_json::json!({ "i": i }), T0), T0)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let me = format!("w{w}");
            let mut mine = Vec::new();
            while let Some(j) = db.claim_job(&me, T0 + 1, 60_000).await.unwrap() {
                assert!(db.complete_job(&j, &me, T0 + 2).await.unwrap());
                mine.push(j.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40), "every job claimed exactly once");
}

fn mail() -> RenderedMail {
    RenderedMail {
        subject: "Betreff".into(),
        text: "Text".into(),
        html: "<p>Text</p>".into(),
    }
}

#[tokio::test]
async fn outbox_mail_is_sent_once_and_retried_on_failure() {
    let (db, _dir) = fresh_db().await;
    let mut tx = db.begin().await.unwrap();
    let id = Db::queue_mail(
        &mut tx,
        None,
        "test",
        "a@example.de",
        &mail(),
        "plankammer.test",
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let m = db.claim_mail("s1", T0, 60_000).await.unwrap().unwrap();
    assert_eq!((m.id, m.attempts), (id, 1));
    assert!(m.message_id.ends_with("@plankammer.test>"));
    assert!(
        db.claim_mail("s2", T0 + 1, 60_000).await.unwrap().is_none(),
        "leased to s1"
    );
    db.mark_mail_failed(m.id, "s1", "Verbindung abgelehnt", Some(T0 + 100), T0 + 2)
        .await
        .unwrap();
    assert!(
        db.claim_mail("s2", T0 + 99, 60_000)
            .await
            .unwrap()
            .is_none()
    );
    let m2 = db
        .claim_mail("s2", T0 + 100, 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (m2.attempts, &m2.message_id),
        (2, &m.message_id),
        "same Message-ID on retry"
    );
    assert!(
        !db.mark_mail_sent(m2.id, "s1", T0 + 101).await.unwrap(),
        "not s1's lease any more"
    );
    assert!(db.mark_mail_sent(m2.id, "s2", T0 + 101).await.unwrap());
    assert!(
        db.claim_mail("s3", T0 + 1_000_000, 60_000)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(db.outbox_counts().await.unwrap(), (1, 0, 0));
}

#[tokio::test]
async fn a_rolled_back_event_sends_no_mail() {
    let (db, _dir) = fresh_db().await;
    let mut tx = db.begin().await.unwrap();
    Db::queue_mail(&mut tx, None, "test", "a@example.de", &mail(), "x", T0)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(db.outbox_backlog().await.unwrap(), 0);
}

#[tokio::test]
async fn mail_given_up_counts_as_failed() {
    let (db, _dir) = fresh_db().await;
    let mut tx = db.begin().await.unwrap();
    Db::queue_mail(&mut tx, None, "test", "a@example.de", &mail(), "x", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let m = db.claim_mail("s", T0, 1000).await.unwrap().unwrap();
    db.mark_mail_failed(m.id, "s", "Empfänger abgelehnt", None, T0)
        .await
        .unwrap();
    assert_eq!(db.outbox_counts().await.unwrap(), (0, 1, 0));
}

#[tokio::test]
async fn jobs_are_listed_per_tenant() {
    let (db, _dir) = fresh_db().await;
    let a = tenant(&db, "kassel").await;
    let b = tenant(&db, "fulda").await;
    for (t, n) in [(Some(a.id), 2), (Some(b.id), 1), (None, 1)] {
        for _ in 0..n {
            let mut j = NewJob::new("x", serde_json::json!({}), T0);
            j.tenant_id = t;
            db.enqueue_now(&j, T0).await.unwrap();
        }
    }
    assert_eq!(db.jobs(Some(a.id), None, 10).await.unwrap().len(), 2);
    assert!(
        db.jobs(Some(b.id), None, 10)
            .await
            .unwrap()
            .iter()
            .all(|j| j.tenant_id == Some(b.id))
    );
    assert_eq!(
        db.jobs(None, Some(JobState::Queued), 10)
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        db.job_counts(Some(b.id))
            .await
            .unwrap()
            .iter()
            .map(|(_, n)| n)
            .sum::<i64>(),
        1
    );
}

/// One tenant's flood of pipeline jobs does not starve another tenant, and deadline sweeps
/// and Bescheid issuing (class 0) go before any pipeline job.
#[tokio::test]
async fn job_claims_are_fair_across_tenants_and_put_legal_work_first() {
    let (db, _dir) = fresh_db().await;
    let a = tenant(&db, "flut").await;
    let b = tenant(&db, "still").await;
    let job = |kind: &str, t: Option<i64>, at: i64| {
        let mut j = NewJob::new(kind, serde_json::json!({}), at);
        j.tenant_id = t;
        j
    };
    for i in 0..50 {
        db.enqueue_now(&job("pipeline.validate", Some(a.id), T0 + i), T0 + i)
            .await
            .unwrap();
    }
    let b_job = db
        .enqueue_now(&job("pipeline.validate", Some(b.id), T0 + 100), T0 + 100)
        .await
        .unwrap()
        .unwrap();
    let frist = db
        .enqueue_now(&job("fristen.pruefen", None, T0 + 200), T0 + 200)
        .await
        .unwrap()
        .unwrap();
    let now = T0 + 1000;
    let erster = db.claim_job("w1", now, 60_000).await.unwrap().unwrap();
    assert_eq!(erster.id, frist, "class 0 first, though enqueued last");
    let zweiter = db.claim_job("w2", now, 60_000).await.unwrap().unwrap();
    assert_eq!(zweiter.kind, "pipeline.validate");
    assert_ne!(
        zweiter.id, b_job,
        "the flood's oldest job: nobody runs for either tenant"
    );
    let dritter = db.claim_job("w3", now, 60_000).await.unwrap().unwrap();
    assert_eq!(
        dritter.id, b_job,
        "the quiet tenant next, ahead of 49 older jobs of the flooding one"
    );
}

/// Within one tenant, one case's flood (300 plans in one Bauantrag) does not hold up the
/// tenant's other cases: the case with the fewest running jobs goes first.
#[tokio::test]
async fn job_claims_are_fair_across_the_cases_of_a_tenant() {
    let (db, _dir) = fresh_db().await;
    let t = tenant(&db, "amt").await;
    let job = |vorgang: i64, at: i64| {
        let mut j = NewJob::new("pipeline.extract", serde_json::json!({}), at);
        j.tenant_id = Some(t.id);
        j.vorgang_id = Some(vorgang);
        j
    };
    for i in 0..40 {
        db.enqueue_now(&job(1, T0 + i), T0 + i).await.unwrap();
    }
    let anderer = db
        .enqueue_now(&job(2, T0 + 100), T0 + 100)
        .await
        .unwrap()
        .unwrap();
    let dritter = db
        .enqueue_now(&job(3, T0 + 200), T0 + 200)
        .await
        .unwrap()
        .unwrap();
    let now = T0 + 1000;
    let mut reihenfolge = Vec::new();
    for w in 0..4 {
        let j = db
            .claim_job(&format!("w{w}"), now, 60_000)
            .await
            .unwrap()
            .unwrap();
        reihenfolge.push(j.id);
    }
    assert!(
        !reihenfolge[1..].contains(&reihenfolge[0]),
        "each claim is another job"
    );
    assert_eq!(
        &reihenfolge[1..3],
        &[anderer, dritter],
        "after the flooding case's oldest, the other cases' jobs, ahead of 39 older ones"
    );
}

/// The full text of scans (for search) is claimed after every other pipeline stage, even
/// when it has waited longest: the title blocks of later uploads are what people wait for.
#[tokio::test]
async fn full_text_jobs_wait_for_every_other_pipeline_job() {
    let (db, _dir) = fresh_db().await;
    let t = tenant(&db, "amt").await;
    let job = |kind: &str, at: i64| {
        let mut j = NewJob::new(kind, serde_json::json!({}), at);
        j.tenant_id = Some(t.id);
        j
    };
    let volltext = db
        .enqueue_now(&job("pipeline.volltext", T0), T0)
        .await
        .unwrap()
        .unwrap();
    let extract = db
        .enqueue_now(&job("pipeline.extract", T0 + 100), T0 + 100)
        .await
        .unwrap()
        .unwrap();
    let frist = db
        .enqueue_now(&job("fristen.pruefen", T0 + 200), T0 + 200)
        .await
        .unwrap()
        .unwrap();
    let now = T0 + 1000;
    let mut reihenfolge = Vec::new();
    for w in 0..3 {
        let j = db
            .claim_job(&format!("w{w}"), now, 60_000)
            .await
            .unwrap()
            .unwrap();
        reihenfolge.push(j.id);
    }
    assert_eq!(reihenfolge, [frist, extract, volltext]);
}
