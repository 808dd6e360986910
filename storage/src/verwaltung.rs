//! A tenant's administration of the Antrag data, in the caller's transaction so that each
//! change commits with its audit entry: the versioned checklists of the procedures (with
//! their history) and the Aktenzeichen format.

use crate::{Db, Konflikt, Millis, Result, StoreError, Tx};
use plankammer_domain::aktenzeichen::AktenzeichenFormat;
use plankammer_domain::verfahren::{Checkliste, Verfahrensart};
use serde::Serialize;
use sqlx::Row;

/// One stored version of a tenant's checklist, for the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistenVersion {
    pub version: i64,
    pub created_at: Millis,
    /// Who saved it; `None` when the account is gone or it came from the command line.
    pub von: Option<String>,
    /// The list as stored; `None` when it cannot be read (the history still shows the row).
    pub liste: Option<Checkliste>,
}

impl Db {
    /// Every stored version of a tenant's checklist of a procedure, newest first.
    pub async fn checklisten_versionen(
        &self,
        tenant_id: i64,
        verfahren: Verfahrensart,
    ) -> Result<Vec<ChecklistenVersion>> {
        let rows = sqlx::query(
            "SELECT c.version, c.created_at, c.inhalt, u.display_name FROM checklisten c \
             LEFT JOIN users u ON u.id = c.created_by \
             WHERE c.tenant_id = $1 AND c.verfahren = $2 ORDER BY c.version DESC",
        )
        .bind(tenant_id)
        .bind(verfahren.slug())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let inhalt: String = r.try_get("inhalt")?;
                Ok(ChecklistenVersion {
                    version: r.try_get("version")?,
                    created_at: r.try_get("created_at")?,
                    von: r.try_get("display_name")?,
                    liste: serde_json::from_str(&inhalt).ok(),
                })
            })
            .collect()
    }

    /// Stores a new version of a tenant's checklist in the caller's transaction; returns its
    /// number. `Konflikt::ChecklisteVergeben` when another save took the number first.
    pub async fn speichere_checkliste_in(
        conn: &mut Tx,
        tenant_id: i64,
        verfahren: Verfahrensart,
        liste: &Checkliste,
        user_id: Option<i64>,
        now: Millis,
    ) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO checklisten (tenant_id, verfahren, version, inhalt, created_at, created_by) \
             SELECT $1, $2, CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT), $3, $4, $5 FROM checklisten WHERE tenant_id = $1 AND verfahren = $2 \
             RETURNING version",
        )
        .bind(tenant_id)
        .bind(verfahren.slug())
        .bind(liste.zu_json())
        .bind(now)
        .bind(user_id)
        .fetch_one(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::ChecklisteVergeben))
    }

    /// Sets the tenant's Aktenzeichen format in the caller's transaction (for cases
    /// submitted from now on; issued Aktenzeichen stay). `NotFound` without such a tenant.
    pub async fn setze_aktenzeichen_format_in(
        conn: &mut Tx,
        tenant_id: i64,
        format: &AktenzeichenFormat,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE tenants SET aktenzeichen_format = $2, aktenzeichen_kuerzel = $3 WHERE id = $1",
        )
        .bind(tenant_id)
        .bind(format.format())
        .bind(format.kuerzel())
        .execute(conn.c())
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }
}
