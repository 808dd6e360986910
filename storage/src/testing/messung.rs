//! What a measurement needs from the store beyond the product's own queries: many cases at
//! once (`plankammer-bench eingang` seeds 100 000), the database's version, statistics and
//! size. The inbox's comparison query by `OFFSET` lives with the inbox in `antrag.rs`.

use crate::{Backend, Db, Millis, Result, StoreError};

/// One case to seed in bulk: the columns of `vorgaenge` the inbox reads, set as they are
/// after the procedure's steps (no timeline, deadlines or documents are written).
#[derive(Debug, Clone)]
pub struct NeuerMessvorgang<'a> {
    pub tenant_id: i64,
    pub owner_user_id: i64,
    pub bezeichnung: &'a str,
    pub verfahren: Option<&'a str>,
    pub zustand: &'a str,
    pub aktenzeichen: Option<&'a str>,
    pub angaben: &'a serde_json::Value,
    pub gemeinde_ags: Option<&'a str>,
    pub eingereicht_at: Option<Millis>,
    /// The earliest running deadline (`YYYY-MM-DD`), as the store keeps it for the inbox.
    pub naechste_frist: Option<&'a str>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// Cases per multi-row `INSERT` while seeding. 50 rows (600 values) per statement: sqlx
/// binds SQLite parameters at a cost that grows with their number, so 500 rows took three
/// times as long there; PostgreSQL is indifferent.
pub const ZEILEN_JE_INSERT: usize = 50;

const SPALTEN: usize = 12;

/// `INSERT … VALUES (…), (…) … RETURNING id` for `zeilen` rows of [`SPALTEN`] values.
fn einfuegen(zeilen: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO vorgaenge (tenant_id, owner_user_id, bezeichnung, created_at, updated_at, \
         verfahren, zustand, aktenzeichen, angaben, gemeinde_ags, eingereicht_at, naechste_frist) VALUES ",
    );
    for zeile in 0..zeilen {
        if zeile > 0 {
            sql.push_str(", ");
        }
        let platzhalter: Vec<String> = (1..=SPALTEN)
            .map(|k| format!("${}", zeile * SPALTEN + k))
            .collect();
        sql.push('(');
        sql.push_str(&platzhalter.join(", "));
        sql.push(')');
    }
    sql.push_str(" RETURNING id");
    sql
}

impl Db {
    /// Inserts the cases in one transaction, [`ZEILEN_JE_INSERT`] rows per statement;
    /// returns their ids in the order given (ascending: each row's id comes from the
    /// table's identity or rowid in the order of the rows).
    pub async fn saee_vorgaenge(&self, vorgaenge: &[NeuerMessvorgang<'_>]) -> Result<Vec<i64>> {
        let voll = einfuegen(ZEILEN_JE_INSERT);
        let mut ids = Vec::with_capacity(vorgaenge.len());
        let mut tx = self.begin().await?;
        for teil in vorgaenge.chunks(ZEILEN_JE_INSERT) {
            let rest;
            let sql = if teil.len() == ZEILEN_JE_INSERT {
                &voll
            } else {
                rest = einfuegen(teil.len());
                &rest
            };
            let mut q = sqlx::query_scalar::<_, i64>(sql);
            for v in teil {
                q = q
                    .bind(v.tenant_id)
                    .bind(v.owner_user_id)
                    .bind(v.bezeichnung)
                    .bind(v.created_at)
                    .bind(v.updated_at)
                    .bind(v.verfahren)
                    .bind(v.zustand)
                    .bind(v.aktenzeichen)
                    .bind(v.angaben.to_string())
                    .bind(v.gemeinde_ags)
                    .bind(v.eingereicht_at)
                    .bind(v.naechste_frist);
            }
            let mut neu = q.fetch_all(tx.c()).await?;
            if neu.len() != teil.len() {
                return Err(StoreError::Corrupt(format!(
                    "{} cases inserted, {} ids returned",
                    teil.len(),
                    neu.len()
                )));
            }
            // RETURNING promises no order; the ids themselves follow the rows.
            neu.sort_unstable();
            ids.extend(neu);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The database server's version: `3.46.1` (SQLite), `15.14 (Debian …)` (PostgreSQL).
    pub async fn datenbankversion(&self) -> Result<String> {
        let sql = match self.backend() {
            Backend::Sqlite => "SELECT sqlite_version()",
            Backend::Postgres => "SHOW server_version",
        };
        Ok(sqlx::query_scalar(sql).fetch_one(self.pool()).await?)
    }

    /// Gathers the planner's statistics on `vorgaenge` (`ANALYZE`), as PostgreSQL's
    /// autovacuum does soon after a large insert. (On SQLite the product never runs it: a
    /// measurement that wants the product's plans leaves it out there.)
    pub async fn analysiere_vorgaenge(&self) -> Result<()> {
        sqlx::query("ANALYZE vorgaenge")
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Bytes on disk of `vorgaenge` with its indexes: on PostgreSQL the table's total
    /// relation size; on SQLite the whole database file (pages × page size), which after
    /// seeding is nearly all `vorgaenge`.
    pub async fn groesse_vorgaenge(&self) -> Result<u64> {
        let bytes: i64 = match self.backend() {
            Backend::Sqlite => {
                let seiten: i64 = sqlx::query_scalar("PRAGMA page_count")
                    .fetch_one(self.pool())
                    .await?;
                let seite: i64 = sqlx::query_scalar("PRAGMA page_size")
                    .fetch_one(self.pool())
                    .await?;
                seiten * seite
            }
            Backend::Postgres => {
                sqlx::query_scalar("SELECT CAST(pg_total_relation_size('vorgaenge') AS BIGINT)")
                    .fetch_one(self.pool())
                    .await?
            }
        };
        Ok(bytes.max(0) as u64)
    }
}
