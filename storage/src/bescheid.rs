//! Issuing a Bescheid: the draft with its approved plans, the intent to issue (recorded once,
//! with the number and the date it fixes), the stamped versions the issuing job makes, and
//! the tenant's template (Rechtsbehelfsbelehrung, letterhead).
//!
//! Every step that must happen once is a compare-and-set, so a rerun of the issuing job after a crash at any point
//! neither gives out a second number nor makes a second stamped version.

use crate::antrag::{anlageart_aus, tag_aus, tag_text};
use crate::{Db, Konflikt, Millis, Result, StoreError, Tx};
use chrono::NaiveDate;
use plankammer_domain::aktenzeichen::Aktenzeichen;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::bescheid::BescheidEntwurf;
use serde::Serialize;
use sqlx::Row;

/// A Bescheid with everything the pages and the issuing job need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BescheidAkte {
    pub id: i64,
    pub vorgang_id: i64,
    /// Issued (`erlassen`), or still a draft (`entwurf`, perhaps being issued).
    pub erlassen: bool,
    pub nummer: Option<String>,
    pub inhalt: BescheidEntwurf,
    /// Document ids chosen as approved plans; `None`: not chosen yet.
    pub plaene: Option<Vec<i64>>,
    pub pdf_sha256: Option<String>,
    pub created_at: Millis,
    pub erlass_beantragt_at: Option<Millis>,
    pub erlass_beantragt_by: Option<i64>,
    /// The date the Bescheid carries, fixed with the intent to issue it.
    pub erlass_datum: Option<NaiveDate>,
    pub erlass_job_id: Option<i64>,
    pub erlassen_at: Option<Millis>,
}

impl BescheidAkte {
    pub fn ist_erlassen(&self) -> bool {
        self.erlassen
    }

    /// Issued, or being issued: the content is frozen.
    pub fn ist_beantragt(&self) -> bool {
        self.erlass_beantragt_at.is_some() || self.ist_erlassen()
    }
}

const AKTE_SPALTEN: &str = "id, vorgang_id, zustand, nummer, inhalt, plaene, pdf_sha256, created_at, erlass_beantragt_at, erlass_beantragt_by, erlass_datum, erlass_job_id, erlassen_at";

fn akte_aus(r: &sqlx::any::AnyRow) -> Result<BescheidAkte> {
    let inhalt: String = r.try_get("inhalt")?;
    let plaene: Option<String> = r.try_get("plaene")?;
    let zustand: String = r.try_get("zustand")?;
    let erlass_datum: Option<String> = r.try_get("erlass_datum")?;
    Ok(BescheidAkte {
        id: r.try_get("id")?,
        vorgang_id: r.try_get("vorgang_id")?,
        erlassen: match zustand.as_str() {
            "erlassen" => true,
            "entwurf" => false,
            z => return Err(StoreError::Corrupt(format!("bescheide.zustand: {z:?}"))),
        },
        nummer: r.try_get("nummer")?,
        inhalt: serde_json::from_str(&inhalt)
            .map_err(|e| StoreError::Corrupt(format!("bescheide.inhalt: {e}")))?,
        plaene: plaene
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("bescheide.plaene: {e}")))?,
        pdf_sha256: r.try_get("pdf_sha256")?,
        created_at: r.try_get("created_at")?,
        erlass_beantragt_at: r.try_get("erlass_beantragt_at")?,
        erlass_beantragt_by: r.try_get("erlass_beantragt_by")?,
        erlass_datum: erlass_datum
            .map(|d| tag_aus("bescheide.erlass_datum", &d))
            .transpose()?,
        erlass_job_id: r.try_get("erlass_job_id")?,
        erlassen_at: r.try_get("erlassen_at")?,
    })
}

/// One plan of a Bescheid with its original and (once made) stamped version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BescheidPlan {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub anlageart: Option<Anlageart>,
    pub reihenfolge: i64,
    pub original_version_id: i64,
    pub original_version_nummer: i64,
    pub original_sha256: String,
    pub dateiname: String,
    pub gestempelt_version_id: Option<i64>,
}

/// A plan to record with the intent: the document and the version of it that is approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZuGenehmigen {
    pub dokument_id: i64,
    pub version_id: i64,
    pub sha256: String,
}

/// The tenant's template for every Bescheid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BescheidVorlage {
    pub rechtsbehelfsbelehrung: String,
    /// Street, postcode and town … of the authority, one per line.
    pub anschrift: String,
    /// The town in "Kassel, 29.11.2026"; may be empty.
    pub ort: String,
    pub geaendert_at: Millis,
}

impl Db {
    /// Whether the case has a Bescheid being issued: the intent is recorded and the issuing
    /// job has not completed it yet. Read through the caller's connection.
    pub async fn erlass_laeuft(conn: &mut Tx, vorgang_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM bescheide WHERE vorgang_id = $1 \
             AND erlass_beantragt_at IS NOT NULL AND zustand = 'entwurf'",
        )
        .bind(vorgang_id)
        .fetch_one(conn.c())
        .await?;
        Ok(n > 0)
    }

    /// Issues the draft (once): number, rendered PDF, time. False if it was issued already.
    pub async fn erlasse_bescheid(
        conn: &mut Tx,
        id: i64,
        nummer: &str,
        pdf_sha256: &str,
        user_id: i64,
        now: Millis,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE bescheide SET zustand = 'erlassen', nummer = $2, pdf_sha256 = $3, erlassen_at = $4, erlassen_by = $5 \
             WHERE id = $1 AND zustand = 'entwurf'",
        )
        .bind(id)
        .bind(nummer)
        .bind(pdf_sha256)
        .bind(now)
        .bind(user_id)
        .execute(conn.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// The case's newest Bescheid (draft, being issued, or issued), if any.
    pub async fn aktueller_bescheid(&self, vorgang_id: i64) -> Result<Option<BescheidAkte>> {
        sqlx::query(&format!(
            "SELECT {AKTE_SPALTEN} FROM bescheide WHERE vorgang_id = $1 ORDER BY id DESC LIMIT 1"
        ))
        .bind(vorgang_id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(akte_aus)
        .transpose()
    }

    pub async fn bescheid_akte(&self, id: i64) -> Result<BescheidAkte> {
        let r = sqlx::query(&format!(
            "SELECT {AKTE_SPALTEN} FROM bescheide WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        akte_aus(&r)
    }

    /// Creates or replaces the case's draft with its chosen plans. `Conflict` once the draft
    /// is being issued: from then on it is frozen.
    pub async fn speichere_bescheid_mit_plaenen(
        &self,
        vorgang_id: i64,
        inhalt: &BescheidEntwurf,
        plaene: &[i64],
        user_id: i64,
        now: Millis,
    ) -> Result<i64> {
        let inhalt = serde_json::to_string(inhalt)
            .map_err(|e| StoreError::Corrupt(format!("bescheide.inhalt: {e}")))?;
        let plaene = serde_json::to_string(plaene)
            .map_err(|e| StoreError::Corrupt(format!("plaene: {e}")))?;
        let mut tx = self.begin().await?;
        let vorhanden = sqlx::query(
            "SELECT id, erlass_beantragt_at FROM bescheide WHERE vorgang_id = $1 AND zustand = 'entwurf'",
        )
        .bind(vorgang_id)
        .fetch_optional(tx.c())
        .await?;
        let id = match vorhanden {
            Some(r) => {
                let id: i64 = r.try_get("id")?;
                let n = sqlx::query(
                    "UPDATE bescheide SET inhalt = $2, plaene = $3 WHERE id = $1 AND zustand = 'entwurf' AND erlass_beantragt_at IS NULL",
                )
                .bind(id)
                .bind(&inhalt)
                .bind(&plaene)
                .execute(tx.c())
                .await?
                .rows_affected();
                if n != 1 {
                    return Err(StoreError::Konflikt(Konflikt::BescheidBeantragt));
                }
                id
            }
            None => sqlx::query_scalar(
                "INSERT INTO bescheide (vorgang_id, zustand, inhalt, plaene, created_at, created_by) VALUES ($1, 'entwurf', $2, $3, $4, $5) RETURNING id",
            )
            .bind(vorgang_id)
            .bind(&inhalt)
            .bind(&plaene)
            .bind(now)
            .bind(user_id)
            .fetch_one(tx.c())
            .await
            .map_err(|e| StoreError::on_unique(e, Konflikt::BescheidentwurfVorhanden))?,
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Records the intent to issue a draft, in the caller's transaction, once: freezes the
    /// draft, fixes its date, gives out the next number of the case (`<Aktenzeichen>-B<n>`,
    /// unique per tenant, never given out again) and records the plans with the versions
    /// they approve. Returns the number, or `None` if the intent was recorded before.
    #[allow(clippy::too_many_arguments)]
    pub async fn beantrage_erlass(
        conn: &mut Tx,
        bescheid_id: i64,
        tenant_id: i64,
        aktenzeichen: &Aktenzeichen,
        datum: NaiveDate,
        plaene: &[ZuGenehmigen],
        user_id: i64,
        now: Millis,
    ) -> Result<Option<String>> {
        let r = sqlx::query(
            "UPDATE bescheide SET erlass_beantragt_at = $2, erlass_beantragt_by = $3, erlass_datum = $4 \
             WHERE id = $1 AND zustand = 'entwurf' AND erlass_beantragt_at IS NULL RETURNING vorgang_id",
        )
        .bind(bescheid_id)
        .bind(now)
        .bind(user_id)
        .bind(tag_text(datum))
        .fetch_optional(conn.c())
        .await?;
        let Some(r) = r else {
            return Ok(None);
        };
        let vorgang_id: i64 = r.try_get("vorgang_id")?;
        let bisher: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM bescheid_nummern WHERE vorgang_id = $1",
        )
        .bind(vorgang_id)
        .fetch_one(conn.c())
        .await?;
        let nummer = format!("{aktenzeichen}-B{}", bisher + 1);
        sqlx::query(
            "INSERT INTO bescheid_nummern (tenant_id, nummer, vorgang_id, bescheid_id, vergeben_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id)
        .bind(&nummer)
        .bind(vorgang_id)
        .bind(bescheid_id)
        .bind(now)
        .execute(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::BescheidnummerVergeben))?;
        sqlx::query("UPDATE bescheide SET nummer = $2 WHERE id = $1")
            .bind(bescheid_id)
            .bind(&nummer)
            .execute(conn.c())
            .await?;
        for (i, p) in plaene.iter().enumerate() {
            sqlx::query(
                "INSERT INTO bescheid_plaene (bescheid_id, dokument_id, reihenfolge, original_version_id, original_sha256) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(bescheid_id)
            .bind(p.dokument_id)
            .bind(i as i64 + 1)
            .bind(p.version_id)
            .bind(&p.sha256)
            .execute(conn.c())
            .await
            .map_err(|e| StoreError::on_unique(e, Konflikt::BescheidplanVorhanden))?;
        }
        Ok(Some(nummer))
    }

    /// Remembers the job that issues the Bescheid, in the caller's transaction.
    pub async fn setze_erlass_job(conn: &mut Tx, bescheid_id: i64, job_id: i64) -> Result<()> {
        sqlx::query("UPDATE bescheide SET erlass_job_id = $2 WHERE id = $1")
            .bind(bescheid_id)
            .bind(job_id)
            .execute(conn.c())
            .await?;
        Ok(())
    }

    /// The plans of a Bescheid in their order.
    pub async fn bescheid_plaene(&self, bescheid_id: i64) -> Result<Vec<BescheidPlan>> {
        let rows = sqlx::query(
            "SELECT p.dokument_id, d.bezeichnung, d.anlageart, p.reihenfolge, p.original_version_id, \
             v.nummer AS original_version_nummer, p.original_sha256, v.dateiname, p.gestempelt_version_id \
             FROM bescheid_plaene p JOIN dokumente d ON d.id = p.dokument_id \
             JOIN dokument_versionen v ON v.id = p.original_version_id \
             WHERE p.bescheid_id = $1 ORDER BY p.reihenfolge, p.dokument_id",
        )
        .bind(bescheid_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BescheidPlan {
                    dokument_id: r.try_get("dokument_id")?,
                    bezeichnung: r.try_get("bezeichnung")?,
                    anlageart: anlageart_aus(r.try_get("anlageart")?)?,
                    reihenfolge: r.try_get("reihenfolge")?,
                    original_version_id: r.try_get("original_version_id")?,
                    original_version_nummer: r.try_get("original_version_nummer")?,
                    original_sha256: r.try_get("original_sha256")?,
                    dateiname: r.try_get("dateiname")?,
                    gestempelt_version_id: r.try_get("gestempelt_version_id")?,
                })
            })
            .collect()
    }

    /// Records the stamped version of one approved plan, in the caller's transaction, once:
    /// false if a stamped version was recorded already (the caller rolls back the version it
    /// added, so there is never a second one).
    pub async fn vermerke_gestempelt(
        conn: &mut Tx,
        bescheid_id: i64,
        dokument_id: i64,
        version_id: i64,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE bescheid_plaene SET gestempelt_version_id = $3 \
             WHERE bescheid_id = $1 AND dokument_id = $2 AND gestempelt_version_id IS NULL",
        )
        .bind(bescheid_id)
        .bind(dokument_id)
        .bind(version_id)
        .execute(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::StempelVorhanden))?
        .rows_affected()
            == 1)
    }

    /// Every Bescheid number of a tenant, oldest first.
    pub async fn bescheid_nummern(&self, tenant_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT nummer FROM bescheid_nummern WHERE tenant_id = $1 ORDER BY vergeben_at, nummer",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The tenant's template; `None`: the built-in default applies.
    pub async fn bescheid_vorlage(&self, tenant_id: i64) -> Result<Option<BescheidVorlage>> {
        sqlx::query(
            "SELECT rechtsbehelfsbelehrung, anschrift, ort, geaendert_at FROM bescheid_vorlagen WHERE tenant_id = $1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?
        .map(|r| {
            Ok(BescheidVorlage {
                rechtsbehelfsbelehrung: r.try_get("rechtsbehelfsbelehrung")?,
                anschrift: r.try_get("anschrift")?,
                ort: r.try_get("ort")?,
                geaendert_at: r.try_get("geaendert_at")?,
            })
        })
        .transpose()
    }

    /// Stores the tenant's template (drafts made later start with it; drafts already saved
    /// keep their text).
    pub async fn setze_bescheid_vorlage(
        &self,
        tenant_id: i64,
        rechtsbehelfsbelehrung: &str,
        anschrift: &str,
        ort: &str,
        user_id: i64,
        now: Millis,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        Db::speichere_bescheid_vorlage(
            &mut tx,
            tenant_id,
            rechtsbehelfsbelehrung,
            anschrift,
            ort,
            user_id,
            now,
        )
        .await?;
        tx.commit().await
    }

    /// [`Db::setze_bescheid_vorlage`] in the caller's transaction (with its audit entry).
    pub async fn speichere_bescheid_vorlage(
        conn: &mut Tx,
        tenant_id: i64,
        rechtsbehelfsbelehrung: &str,
        anschrift: &str,
        ort: &str,
        user_id: i64,
        now: Millis,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO bescheid_vorlagen (tenant_id, rechtsbehelfsbelehrung, anschrift, ort, geaendert_at, geaendert_by) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id) DO UPDATE SET rechtsbehelfsbelehrung = excluded.rechtsbehelfsbelehrung, \
             anschrift = excluded.anschrift, ort = excluded.ort, geaendert_at = excluded.geaendert_at, geaendert_by = excluded.geaendert_by",
        )
        .bind(tenant_id)
        .bind(rechtsbehelfsbelehrung)
        .bind(anschrift)
        .bind(ort)
        .bind(now)
        .bind(user_id)
        .execute(conn.c())
        .await?;
        Ok(())
    }

    /// Registers stored bytes with their size, in the caller's transaction (the rendered
    /// Bescheid), so maintenance keeps them and `bescheide.pdf_sha256` may refer to them.
    pub async fn registriere_blob(
        conn: &mut Tx,
        sha256: &str,
        groesse: i64,
        now: Millis,
    ) -> Result<()> {
        sqlx::query("INSERT INTO blobs (sha256, groesse, created_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
            .bind(sha256)
            .bind(groesse)
            .bind(now)
            .execute(conn.c())
            .await?;
        Ok(())
    }

    /// The size of a stored blob (the Bescheid PDF's, say), if it is registered.
    pub async fn blob_groesse(&self, sha256: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT groesse FROM blobs WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
