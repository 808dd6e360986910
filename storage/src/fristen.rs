//! Queries of the clock across tenants that join deadlines with their cases (the deadlines
//! themselves are in `antrag.rs`).

use crate::antrag::tag_text;
use crate::{Db, Result};
use chrono::NaiveDate;
use plankammer_domain::frist::{FristArt, FristZustand};
use plankammer_domain::verfahren::Verfahrensart;

impl Db {
    /// Running decision deadlines of cases in the vereinfachtes Verfahren whose last day is
    /// before `heute`: the Genehmigungsfiktion may be due (§ 65 Abs. 2 HBO). Deadline ids, at
    /// most `limit`, earliest end first. (Passed decision deadlines of other procedures are
    /// left out, so they cannot crowd these out of a page.)
    pub async fn abgelaufene_entscheidungsfristen_vereinfacht(
        &self,
        heute: NaiveDate,
        limit: i64,
    ) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT f.id FROM fristen f JOIN vorgaenge v ON v.id = f.vorgang_id \
             WHERE f.zustand = $1 AND f.art = $2 AND f.ende < $3 AND v.verfahren = $4 \
             ORDER BY f.ende, f.id LIMIT $5",
        )
        .bind(FristZustand::Laeuft.slug())
        .bind(FristArt::Entscheidung.slug())
        .bind(tag_text(heute))
        .bind(Verfahrensart::VereinfachtesVerfahren.slug())
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}
