//! The mail outbox: a mail is written in the same transaction as the event that causes it,
//! and a sender delivers it later. Leases keep two senders off the same mail; the sent mark
//! is fenced by the lease, and each mail keeps one Message-ID across retries, so a receiver
//! can recognise a repeat even in the one window no outbox can close (delivered, then the
//! sender died before it could record that).

use crate::{Db, Millis, Result, random_token};
use plankammer_domain::notification::RenderedMail;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub attempts: i64,
}

impl Db {
    /// Queues a mail in the caller's transaction. `domain` goes into the Message-ID.
    pub async fn queue_mail(
        conn: &mut crate::Tx,
        tenant_id: Option<i64>,
        kind: &str,
        recipient: &str,
        mail: &RenderedMail,
        domain: &str,
        now: Millis,
    ) -> Result<i64> {
        let message_id = format!("<{}.{}@{}>", now, random_token(12), domain);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (tenant_id, kind, recipient, subject, body_text, body_html, message_id, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(tenant_id)
        .bind(kind)
        .bind(recipient)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(&mail.html)
        .bind(message_id)
        .bind(now)
        .fetch_one(conn.c())
        .await?;
        Ok(id)
    }

    /// [`Db::queue_mail`] on its own (a mail that accompanies no change, e.g. a test mail).
    pub async fn queue_mail_now(
        &self,
        tenant_id: Option<i64>,
        kind: &str,
        recipient: &str,
        mail: &RenderedMail,
        domain: &str,
        now: Millis,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = Db::queue_mail(&mut tx, tenant_id, kind, recipient, mail, domain, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes the next due mail for `sender` under a lease.
    pub async fn claim_mail(
        &self,
        sender: &str,
        now: Millis,
        lease_ms: i64,
    ) -> Result<Option<OutgoingMail>> {
        let lock = match self.backend() {
            crate::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3 \
                 AND (lease_until IS NULL OR lease_until < $3) ORDER BY next_attempt_at, id LIMIT 1 {lock}) \
             RETURNING id, recipient, subject, body_text, body_html, message_id, attempts"
        ))
        .bind(sender)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(OutgoingMail {
            id: r.try_get("id")?,
            recipient: r.try_get("recipient")?,
            subject: r.try_get("subject")?,
            body_text: r.try_get("body_text")?,
            body_html: r.try_get("body_html")?,
            message_id: r.try_get("message_id")?,
            attempts: r.try_get("attempts")?,
        }))
    }

    pub async fn mark_mail_sent(&self, id: i64, sender: &str, now: Millis) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE outbox SET sent_at = $1, lease_owner = NULL, lease_until = NULL, last_error = NULL \
             WHERE id = $2 AND lease_owner = $3 AND sent_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(sender)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Records a failed delivery: retried at `retry_at`, or given up when `None`.
    pub async fn mark_mail_failed(
        &self,
        id: i64,
        sender: &str,
        error: &str,
        retry_at: Option<Millis>,
        now: Millis,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET last_error = $1, lease_owner = NULL, lease_until = NULL, \
                 next_attempt_at = COALESCE($2, next_attempt_at), failed_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END \
             WHERE id = $4 AND lease_owner = $5 AND sent_at IS NULL",
        )
        .bind(error)
        .bind(retry_at)
        .bind(now)
        .bind(id)
        .bind(sender)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Mails not yet delivered and not given up: the backlog.
    pub async fn outbox_backlog(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(self.pool())
        .await?)
    }

    /// (sent, failed, pending) counts, for metrics and tests.
    pub async fn outbox_counts(&self) -> Result<(i64, i64, i64)> {
        let r = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS sent, \
                    COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed, \
                    COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0) AS pending \
             FROM outbox",
        )
        .fetch_one(self.pool())
        .await?;
        Ok((
            r.try_get("sent")?,
            r.try_get("failed")?,
            r.try_get("pending")?,
        ))
    }
}
