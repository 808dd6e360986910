//! The mail sender against a real SMTP server on loopback: delivery, German content with
//! both parts, retry while the server is down, and never a second delivery.

use plankammer_domain::Role;
use plankammer_tests::smtp::SmtpServer;
use plankammer_tests::{free_port, spawn_app, wait_for};
use plankammer_workers::mail::{MailSender, Mailer, SenderConfig};
use std::time::Duration;

fn decode_subject(raw: &str) -> String {
    // lettre encodes non-ASCII subjects as RFC 2047 base64 words.
    let line = raw
        .lines()
        .find(|l| l.starts_with("Subject: "))
        .unwrap_or("")
        .trim_start_matches("Subject: ");
    if let Some(b64) = line
        .strip_prefix("=?utf-8?b?")
        .and_then(|s| s.strip_suffix("?="))
    {
        use base64::Engine;
        return String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap();
    }
    line.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn mails_wait_while_smtp_is_down_and_are_delivered_exactly_once_when_it_is_back() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    app.user(t, "anna.schmidt@example.de", Role::Antragsteller)
        .await;

    let port = free_port();
    let mailer =
        Mailer::from_url(&format!("smtp://127.0.0.1:{port}"), Duration::from_secs(5)).unwrap();
    let mut config = SenderConfig::new("Plankammer <noreply@plankammer.test>".parse().unwrap());
    config.retry_base = Duration::from_millis(200);
    let sender = MailSender::new(app.db.clone(), mailer, config);

    // Nothing listens yet: the mail stays queued with the error recorded.
    assert_eq!(sender.send_due().await, 0);
    let (attempts, last_error): (i64, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM outbox")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(last_error.is_some(), "the failure is recorded");
    assert_eq!(app.db.outbox_backlog().await.unwrap(), 1);

    let smtp = SmtpServer::start(port);
    let delivered = wait_for("the retry to deliver", Duration::from_secs(20), || async {
        sender.send_due().await;
        let mails = smtp.mails();
        (!mails.is_empty()).then_some(mails)
    })
    .await;
    // Further rounds send nothing more.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(sender.send_due().await, 0);
    }
    assert_eq!(smtp.mails().len(), 1, "delivered exactly once");
    let m = &delivered[0];
    assert_eq!(m.to, vec!["anna.schmidt@example.de".to_string()]);
    assert_eq!(
        decode_subject(&m.data),
        "Ihr Zugang zu Plankammer ist eingerichtet"
    );
    assert!(m.data.contains("multipart/alternative"));
    assert!(m.data.contains("text/plain") && m.data.contains("text/html"));
    assert!(m.data.contains("Message-ID: <"), "a stable Message-ID");
    assert_eq!(app.db.outbox_counts().await.unwrap(), (1, 0, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_senders_never_deliver_the_same_mail() {
    let app = spawn_app().await;
    let t = app.tenant("kassel").await;
    for i in 0..12 {
        app.user(t, &format!("p{i}@example.de"), Role::Fachstelle)
            .await;
    }
    let smtp = SmtpServer::start(0);
    let mk = || {
        let mailer = Mailer::from_url(&smtp.url(), Duration::from_secs(5)).unwrap();
        MailSender::new(
            app.db.clone(),
            mailer,
            SenderConfig::new("Plankammer <noreply@plankammer.test>".parse().unwrap()),
        )
    };
    let (a, b) = (mk(), mk());
    let (na, nb) = tokio::join!(a.send_due(), b.send_due());
    assert_eq!(na + nb, 12);
    let mut to: Vec<String> = smtp.mails().into_iter().flat_map(|m| m.to).collect();
    to.sort();
    let n = to.len();
    to.dedup();
    assert_eq!((n, to.len()), (12, 12), "each mail once");
}
