//! The append-only audit log: every decision, every login, every read of a document.
//!
//! The database refuses UPDATE and DELETE on this table (a trigger in each backend), so an
//! entry, once written, stays. Details hold ids and codes, never names or addresses.

use crate::{Db, Millis, Result};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Millis,
    pub tenant_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub detail: serde_json::Value,
}

/// What happened, by whom, to what.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub tenant_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<String>,
    pub detail: serde_json::Value,
}

impl Db {
    /// Writes an entry inside the caller's transaction, so it commits with the change it records.
    pub async fn audit(conn: &mut crate::Tx, ev: AuditEvent<'_>, now: Millis) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, tenant_id, actor_user_id, action, object_type, object_id, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(now)
        .bind(ev.tenant_id)
        .bind(ev.actor_user_id)
        .bind(ev.action)
        .bind(ev.object_type)
        .bind(ev.object_id)
        .bind(ev.detail.to_string())
        .execute(conn.c())
        .await?;
        Ok(())
    }

    /// Writes an entry on its own.
    pub async fn audit_now(&self, ev: AuditEvent<'_>, now: Millis) -> Result<()> {
        let mut tx = self.begin().await?;
        Db::audit(&mut tx, ev, now).await?;
        tx.commit().await
    }

    /// The newest entries of one tenant.
    pub async fn audit_entries(&self, tenant_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, tenant_id, actor_user_id, action, object_type, object_id, detail FROM audit_log \
             WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let detail: String = r.try_get("detail")?;
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    tenant_id: r.try_get("tenant_id")?,
                    actor_user_id: r.try_get("actor_user_id")?,
                    action: r.try_get("action")?,
                    object_type: r.try_get("object_type")?,
                    object_id: r.try_get("object_id")?,
                    detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                })
            })
            .collect()
    }
}
