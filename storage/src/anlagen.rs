//! Attachments (Anlagen) of a Stellungnahme: PDFs a Stelle uploads for its request
//! (Beteiligung). They are stored as documents of the case (`dokumente.beteiligung_id` set)
//! so that they run through the document pipeline like any Bauvorlage, but they are never
//! Bauvorlagen: [`Db::dokumente`], the Fassungen and everything built on them leave them out.
//!
//! A submitted Stellungnahme freezes the attachment versions it carries in
//! `stellungnahme_anlagen`; an attachment in such a row can no longer be removed.

use crate::dokumente::Version;
use crate::{Db, Millis, Result, Tx};
use serde::Serialize;
use sqlx::Row;

/// One current attachment of a request: the document and its (only) version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anlage {
    pub dokument_id: i64,
    pub beteiligung_id: i64,
    pub bezeichnung: String,
    pub version: Version,
    /// The Stellungnahmen (ids) that carry this version, oldest first; empty: not submitted.
    pub abgegeben_mit: Vec<i64>,
}

const VERSION_COLS_V: &str = "v.id, v.dokument_id, v.vorgang_id, v.tenant_id, v.nummer, v.sha256, v.groesse, v.dateiname, v.created_at, v.created_by";

impl Db {
    /// Marks a document just recorded (in the caller's transaction) as an attachment of
    /// request `beteiligung_id`. The request must belong to the document's case.
    pub async fn markiere_als_anlage(
        conn: &mut Tx,
        dokument_id: i64,
        beteiligung_id: i64,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE dokumente SET beteiligung_id = $2 WHERE id = $1 AND beteiligung_id IS NULL \
             AND vorgang_id = (SELECT vorgang_id FROM beteiligungen WHERE id = $2)",
        )
        .bind(dokument_id)
        .bind(beteiligung_id)
        .execute(conn.c())
        .await?
        .rows_affected();
        if n != 1 {
            return Err(crate::StoreError::NotFound);
        }
        Ok(())
    }

    /// The request a document is an attachment of; `None` for a Bauvorlage.
    pub async fn anlage_beteiligung(&self, dokument_id: i64) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT beteiligung_id FROM dokumente WHERE id = $1")
                .bind(dokument_id)
                .fetch_optional(self.pool())
                .await?
                .flatten(),
        )
    }

    /// The current (not removed) attachments of a request, in upload order, each with its
    /// newest version and the Stellungnahmen that carry that version.
    pub async fn anlagen(&self, beteiligung_id: i64) -> Result<Vec<Anlage>> {
        let rows = sqlx::query(&format!(
            "SELECT d.bezeichnung, {VERSION_COLS_V} FROM dokumente d \
             JOIN dokument_versionen v ON v.dokument_id = d.id \
             WHERE d.beteiligung_id = $1 AND d.entfernt_at IS NULL \
             AND v.nummer = (SELECT MAX(w.nummer) FROM dokument_versionen w WHERE w.dokument_id = d.id) \
             ORDER BY d.id"
        ))
        .bind(beteiligung_id)
        .fetch_all(self.pool())
        .await?;
        let links = self.anlagen_verknuepfungen(beteiligung_id).await?;
        rows.iter()
            .map(|r| {
                let version = crate::dokumente::version_from_row(r)?;
                Ok(Anlage {
                    dokument_id: version.dokument_id,
                    beteiligung_id,
                    bezeichnung: r.try_get("bezeichnung")?,
                    abgegeben_mit: links
                        .iter()
                        .filter(|(_, v)| v.id == version.id)
                        .map(|(s, _)| *s)
                        .collect(),
                    version,
                })
            })
            .collect()
    }

    /// Every (Stellungnahme id, attachment version) of a request's submitted
    /// Stellungnahmen, by Stellungnahme and upload order.
    pub async fn anlagen_verknuepfungen(&self, beteiligung_id: i64) -> Result<Vec<(i64, Version)>> {
        let rows = sqlx::query(&format!(
            "SELECT sa.stellungnahme_id, {VERSION_COLS_V} FROM stellungnahme_anlagen sa \
             JOIN stellungnahmen s ON s.id = sa.stellungnahme_id \
             JOIN dokument_versionen v ON v.id = sa.version_id \
             WHERE s.beteiligung_id = $1 ORDER BY sa.stellungnahme_id, v.dokument_id"
        ))
        .bind(beteiligung_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("stellungnahme_id")?,
                    crate::dokumente::version_from_row(r)?,
                ))
            })
            .collect()
    }

    /// Links the request's current attachments (newest version of each, not removed) to a
    /// Stellungnahme just written, in the caller's transaction. Returns how many.
    pub async fn verknuepfe_anlagen(
        conn: &mut Tx,
        beteiligung_id: i64,
        stellungnahme_id: i64,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "INSERT INTO stellungnahme_anlagen (stellungnahme_id, version_id) \
             SELECT $1, v.id FROM dokumente d JOIN dokument_versionen v ON v.dokument_id = d.id \
             WHERE d.beteiligung_id = $2 AND d.entfernt_at IS NULL \
             AND v.nummer = (SELECT MAX(w.nummer) FROM dokument_versionen w WHERE w.dokument_id = d.id) \
             AND EXISTS (SELECT 1 FROM stellungnahmen s WHERE s.id = $1 AND s.beteiligung_id = $2)",
        )
        .bind(stellungnahme_id)
        .bind(beteiligung_id)
        .execute(conn.c())
        .await?
        .rows_affected())
    }

    /// Removes an attachment of the request from the current set, unless a submitted
    /// Stellungnahme carries one of its versions (that list is immutable). True if removed.
    /// In the caller's transaction (with its audit entry).
    pub async fn entferne_anlage(
        conn: &mut Tx,
        beteiligung_id: i64,
        dokument_id: i64,
        now: Millis,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE dokumente SET entfernt_at = $3 \
             WHERE id = $2 AND beteiligung_id = $1 AND entfernt_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM stellungnahme_anlagen sa \
                 JOIN dokument_versionen v ON v.id = sa.version_id WHERE v.dokument_id = $2)",
        )
        .bind(beteiligung_id)
        .bind(dokument_id)
        .bind(now)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Bytes stored as attachments of a request (its own quota, apart from the case's).
    pub async fn anlagen_bytes(&self, beteiligung_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(v.groesse), 0) AS BIGINT) FROM dokument_versionen v \
             JOIN dokumente d ON d.id = v.dokument_id WHERE d.beteiligung_id = $1",
        )
        .bind(beteiligung_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// The versions of a case that are attachments of some request (kept out of what the
    /// applicants see, e.g. the full-text search).
    pub async fn anlagen_versionen_des_vorgangs(&self, vorgang_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT v.id FROM dokument_versionen v JOIN dokumente d ON d.id = v.dokument_id \
             WHERE d.vorgang_id = $1 AND d.beteiligung_id IS NOT NULL ORDER BY v.id",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?)
    }
}
