//! The mail sender: delivers the outbox through lettre.
//!
//! `MAIL_URL` chooses the backend: `file:///folder` writes `.eml` files (the embedded
//! default), `smtp://host:port` speaks plain SMTP (a local relay or catcher),
//! `smtp://user:pass@host:587?tls=required` uses STARTTLS and `smtps://…` implicit TLS.
//! Unit tests use the in-memory backend.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use plankammer_storage::outbox::OutgoingMail;
use plankammer_storage::{Db, now_millis};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

#[derive(Clone)]
pub enum Mailer {
    File(AsyncFileTransport<Tokio1Executor>, std::path::PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Memory(Arc<Mutex<Vec<Message>>>),
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid MAIL_URL: {0}")]
    Config(String),
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("building the message: {0}")]
    Build(String),
    #[error("delivery failed: {message}")]
    Delivery { message: String, permanent: bool },
}

impl MailError {
    fn permanent(&self) -> bool {
        match self {
            MailError::Delivery { permanent, .. } => *permanent,
            MailError::Address(_) | MailError::Build(_) => true,
            MailError::Config(_) => false,
        }
    }
}

impl Mailer {
    /// Builds the backend from `MAIL_URL`.
    pub fn from_url(url: &str, timeout: Duration) -> Result<Mailer, MailError> {
        if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(MailError::Config("file:// needs an absolute path".into()));
            }
            std::fs::create_dir_all(path)
                .map_err(|e| MailError::Config(format!("creating {path}: {e}")))?;
            return Ok(Mailer::File(AsyncFileTransport::new(path), path.into()));
        }
        if url.starts_with("smtp://") || url.starts_with("smtps://") {
            let t = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| MailError::Config(e.to_string()))?
                .timeout(Some(timeout))
                .build();
            return Ok(Mailer::Smtp(t));
        }
        Err(MailError::Config(
            "must start with file://, smtp:// or smtps://".into(),
        ))
    }

    pub fn memory() -> (Mailer, Arc<Mutex<Vec<Message>>>) {
        let store = Arc::new(Mutex::new(Vec::new()));
        (Mailer::Memory(store.clone()), store)
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::File(_, p) => format!(".eml files in {}", p.display()),
            Mailer::Smtp(_) => "SMTP".into(),
            Mailer::Memory(_) => "memory".into(),
        }
    }

    pub async fn send(&self, msg: Message) -> Result<(), MailError> {
        match self {
            Mailer::File(t, _) => t
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Delivery {
                    message: e.to_string(),
                    permanent: false,
                }),
            Mailer::Smtp(t) => t
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Delivery {
                    permanent: e.is_permanent(),
                    message: e.to_string(),
                }),
            Mailer::Memory(v) => {
                v.lock()
                    .map_err(|_| MailError::Build("memory mailer poisoned".into()))?
                    .push(msg);
                Ok(())
            }
        }
    }
}

/// Builds the MIME message (plain text and HTML alternatives) for one outbox entry.
pub fn build_message(from: &Mailbox, mail: &OutgoingMail) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .recipient
        .parse()
        .map_err(|_| MailError::Address(mail.recipient.clone()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(
            mail.body_text.clone(),
            mail.body_html.clone(),
        ))
        .map_err(|e| MailError::Build(e.to_string()))
}

#[derive(Debug, Clone)]
pub struct SenderConfig {
    pub from: Mailbox,
    pub poll: Duration,
    /// First retry delay; doubles per attempt up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// After this many attempts a mail is given up (failed, with the last error).
    pub max_attempts: i64,
    /// Lease on a mail while it is being sent; longer than the SMTP timeout.
    pub lease: Duration,
}

impl SenderConfig {
    pub fn new(from: Mailbox) -> SenderConfig {
        SenderConfig {
            from,
            poll: Duration::from_millis(500),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            max_attempts: 20,
            lease: Duration::from_secs(120),
        }
    }
}

pub struct MailSender {
    db: Db,
    mailer: Mailer,
    config: SenderConfig,
    id: String,
}

impl MailSender {
    pub fn new(db: Db, mailer: Mailer, config: SenderConfig) -> MailSender {
        MailSender {
            db,
            mailer,
            config,
            id: crate::runner::worker_id("mail"),
        }
    }

    /// Sends every due mail once; returns how many were delivered.
    pub async fn send_due(&self) -> usize {
        let mut sent = 0;
        loop {
            let now = now_millis();
            let mail = match self
                .db
                .claim_mail(&self.id, now, self.config.lease.as_millis() as i64)
                .await
            {
                Ok(Some(m)) => m,
                Ok(None) => return sent,
                Err(e) => {
                    error!(error = %e, "claiming a mail failed");
                    return sent;
                }
            };
            let result = match build_message(&self.config.from, &mail) {
                Ok(msg) => self.mailer.send(msg).await,
                Err(e) => Err(e),
            };
            let now = now_millis();
            match result {
                Ok(()) => {
                    sent += 1;
                    match self.db.mark_mail_sent(mail.id, &self.id, now).await {
                        Ok(true) => info!(mail_id = mail.id, "mail delivered"),
                        Ok(false) => warn!(
                            mail_id = mail.id,
                            "mail delivered but its lease had expired"
                        ),
                        Err(e) => {
                            error!(mail_id = mail.id, error = %e, "mail delivered but not marked sent")
                        }
                    }
                }
                Err(e) => {
                    let give_up = e.permanent() || mail.attempts >= self.config.max_attempts;
                    let retry_at = (!give_up).then(|| {
                        let exp = (mail.attempts.max(1) - 1).min(20) as u32;
                        let d = self
                            .config
                            .retry_base
                            .saturating_mul(2u32.saturating_pow(exp))
                            .min(self.config.retry_max);
                        now + d.as_millis() as i64
                    });
                    // The error text can name the recipient; logs get only the id.
                    warn!(
                        mail_id = mail.id,
                        attempts = mail.attempts,
                        give_up,
                        "mail delivery failed"
                    );
                    if let Err(e2) = self
                        .db
                        .mark_mail_failed(mail.id, &self.id, &e.to_string(), retry_at, now)
                        .await
                    {
                        error!(mail_id = mail.id, error = %e2, "recording the delivery failure failed");
                    }
                    if !give_up {
                        // The server is likely down: stop this round, retry later.
                        return sent;
                    }
                }
            }
        }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        info!(sender = %self.id, backend = %self.mailer.describe(), "mail sender started");
        loop {
            self.send_due().await;
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll) => {}
                _ = shutdown.cancelled() => break,
            }
        }
        info!("mail sender stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plankammer_domain::notification::{Absender, Notification};
    use plankammer_storage::testing::fresh_db;
    use std::io::Read;

    fn from() -> Mailbox {
        "Plankammer <noreply@plankammer.test>".parse().unwrap()
    }

    async fn queue(db: &Db, to: &str) -> i64 {
        let mail = Notification::KontoAngelegt {
            name: "Anna Schmidt".into(),
            behoerde: "Bauaufsicht Musterstadt".into(),
            rolle: "Antragsteller/in".into(),
            anmelde_url: "http://127.0.0.1:8080/anmelden".into(),
            absender: Absender::neu("Bauaufsicht Musterstadt", ""),
        }
        .render()
        .unwrap();
        db.queue_mail_now(
            None,
            "konto_angelegt",
            to,
            &mail,
            "plankammer.test",
            now_millis(),
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn memory_backend_gets_a_multipart_german_mail() {
        let (db, _d) = fresh_db().await;
        queue(&db, "anna@example.de").await;
        let (mailer, sent) = Mailer::memory();
        let s = MailSender::new(db.clone(), mailer, SenderConfig::new(from()));
        assert_eq!(s.send_due().await, 1);
        assert_eq!(s.send_due().await, 0, "never twice");
        let raw = String::from_utf8(sent.lock().unwrap()[0].formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("To: anna@example.de"));
        assert_eq!(db.outbox_counts().await.unwrap(), (1, 0, 0));
    }

    #[tokio::test]
    async fn file_backend_writes_eml_files() {
        let (db, dir) = fresh_db().await;
        queue(&db, "anna@example.de").await;
        let mail_dir = dir.path().join("mail");
        let mailer = Mailer::from_url(
            &format!("file://{}", mail_dir.display()),
            Duration::from_secs(5),
        )
        .unwrap();
        MailSender::new(db, mailer, SenderConfig::new(from()))
            .send_due()
            .await;
        let files: Vec<_> = std::fs::read_dir(&mail_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().unwrap(), "eml");
        let mut s = String::new();
        std::fs::File::open(&files[0])
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        assert!(
            s.contains("Subject: =?utf-8?") || s.contains("Subject: Ihr Zugang"),
            "{s}"
        );
    }

    #[tokio::test]
    async fn a_bad_address_is_given_up_at_once() {
        let (db, _d) = fresh_db().await;
        queue(&db, "kein adressat").await;
        let (mailer, sent) = Mailer::memory();
        MailSender::new(db.clone(), mailer, SenderConfig::new(from()))
            .send_due()
            .await;
        assert!(sent.lock().unwrap().is_empty());
        assert_eq!(db.outbox_counts().await.unwrap(), (0, 1, 0));
    }

    #[tokio::test]
    async fn mail_urls_are_checked() {
        assert!(matches!(
            Mailer::from_url("ftp://x", Duration::from_secs(1)),
            Err(MailError::Config(_))
        ));
        assert!(matches!(
            Mailer::from_url("file://relative", Duration::from_secs(1)),
            Err(MailError::Config(_))
        ));
        assert!(Mailer::from_url("smtp://127.0.0.1:2525", Duration::from_secs(1)).is_ok());
    }
}
