//! Cases (as far as documents need them), documents with immutable versions, and what the
//! pipeline found in each version.

use crate::antrag::anlageart_aus;
use crate::jobs::Job;
use crate::{Db, Konflikt, Millis, Result, StoreError};
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::feststellung::{Feststellung, Schwere};
use plankammer_domain::zugriff::VorgangRef;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vorgang {
    pub id: i64,
    pub tenant_id: i64,
    pub owner_user_id: i64,
    pub bezeichnung: String,
    pub created_at: Millis,
}

impl Vorgang {
    pub fn zugriff(&self) -> VorgangRef {
        VorgangRef {
            tenant_id: self.tenant_id,
            owner_user_id: self.owner_user_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub id: i64,
    pub dokument_id: i64,
    pub vorgang_id: i64,
    pub tenant_id: i64,
    pub nummer: i64,
    pub sha256: String,
    pub groesse: i64,
    pub dateiname: String,
    pub created_at: Millis,
    pub created_by: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dokument {
    pub id: i64,
    pub vorgang_id: i64,
    pub bezeichnung: String,
    pub anlageart: Option<Anlageart>,
    pub versionen: Vec<Version>,
}

/// A new version to record; the bytes are already in the document store.
#[derive(Debug, Clone)]
pub struct NeueVersion<'a> {
    pub vorgang_id: i64,
    pub tenant_id: i64,
    /// `None`: a new document with this name and type.
    pub dokument_id: Option<i64>,
    pub bezeichnung: &'a str,
    pub anlageart: Option<&'a Anlageart>,
    pub sha256: &'a str,
    pub groesse: i64,
    pub dateiname: &'a str,
    pub user_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seite {
    pub nummer: i64,
    pub breite_mm: f64,
    pub hoehe_mm: f64,
    pub format: String,
    pub ausrichtung: String,
    pub scan_dpi: Option<i64>,
    pub text_quelle: Option<String>,
    pub vorschau_sha256: Option<String>,
}

/// A plan metadata field as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetaFeld {
    pub feld: String,
    pub wert: String,
    pub quelle: String,
    pub seite: i64,
    pub konfidenz: f64,
}

/// The text of a page as stored by the extract stage.
#[derive(Debug, Clone, PartialEq)]
pub struct SeitenText {
    pub nummer: i64,
    pub text: Option<String>,
    pub quelle: Option<String>,
    pub schriftfeld: Option<String>,
}

const VERSION_COLS: &str = "id, dokument_id, vorgang_id, tenant_id, nummer, sha256, groesse, dateiname, created_at, created_by";

pub(crate) fn version_from_row(r: &sqlx::any::AnyRow) -> Result<Version> {
    Ok(Version {
        id: r.try_get("id")?,
        dokument_id: r.try_get("dokument_id")?,
        vorgang_id: r.try_get("vorgang_id")?,
        tenant_id: r.try_get("tenant_id")?,
        nummer: r.try_get("nummer")?,
        sha256: r.try_get("sha256")?,
        groesse: r.try_get("groesse")?,
        dateiname: r.try_get("dateiname")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
    })
}

/// Versions that are stamped plans of a Bescheid not (yet) issued.
pub(crate) const STEMPEL_UNERLASSEN: &str = "SELECT p.gestempelt_version_id FROM bescheid_plaene p \
     JOIN bescheide b ON b.id = p.bescheid_id \
     WHERE p.gestempelt_version_id IS NOT NULL AND b.zustand <> 'erlassen'";

/// A stage that runs after everything else and that nobody waits for: a document counts as
/// checked (it can be submitted, its card stops polling) while it is still queued.
pub fn stufe_im_hintergrund(stufe: &str) -> bool {
    stufe == "volltext"
}

impl Db {
    /// Opens a case (a draft), with the first entry of its timeline, on its own.
    pub async fn create_vorgang(
        &self,
        tenant_id: i64,
        owner_user_id: i64,
        bezeichnung: &str,
        now: Millis,
    ) -> Result<Vorgang> {
        let mut tx = self.begin().await?;
        let v = Db::lege_vorgang_an(&mut tx, tenant_id, owner_user_id, bezeichnung, now).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Opens a case (a draft) in the caller's transaction; the timeline starts with it.
    pub async fn lege_vorgang_an(
        tx: &mut crate::Tx,
        tenant_id: i64,
        owner_user_id: i64,
        bezeichnung: &str,
        now: Millis,
    ) -> Result<Vorgang> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO vorgaenge (tenant_id, owner_user_id, bezeichnung, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(tenant_id)
        .bind(owner_user_id)
        .bind(bezeichnung)
        .bind(now)
        .fetch_one(tx.c())
        .await?;
        Db::ereignis(
            tx,
            &crate::antrag::NeuesEreignis {
                vorgang_id: id,
                user_id: Some(owner_user_id),
                art: plankammer_domain::zeitleiste::Eintragsart::Angelegt,
                zustand: Some(plankammer_domain::vorgang::Zustand::Entwurf),
                status_code: None,
                text: "Vorgang angelegt",
            },
            now,
        )
        .await?;
        Ok(Vorgang {
            id,
            tenant_id,
            owner_user_id,
            bezeichnung: bezeichnung.to_string(),
            created_at: now,
        })
    }

    /// The newest cases of a tenant, or of one owner in it.
    pub async fn vorgaenge(
        &self,
        tenant_id: i64,
        owner_user_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Vorgang>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, owner_user_id, bezeichnung, created_at FROM vorgaenge \
             WHERE tenant_id = $1 AND ($2 IS NULL OR owner_user_id = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(tenant_id)
        .bind(owner_user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Vorgang {
                    id: r.try_get("id")?,
                    tenant_id: r.try_get("tenant_id")?,
                    owner_user_id: r.try_get("owner_user_id")?,
                    bezeichnung: r.try_get("bezeichnung")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn vorgang(&self, id: i64) -> Result<Vorgang> {
        let r = sqlx::query("SELECT id, tenant_id, owner_user_id, bezeichnung, created_at FROM vorgaenge WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Vorgang {
            id: r.try_get("id")?,
            tenant_id: r.try_get("tenant_id")?,
            owner_user_id: r.try_get("owner_user_id")?,
            bezeichnung: r.try_get("bezeichnung")?,
            created_at: r.try_get("created_at")?,
        })
    }

    /// Bytes stored for a case's Bauvorlagen, counting every version (the per-case limit).
    /// A Stelle's attachments have their own quota ([`Db::anlagen_bytes`]): they must not
    /// use up the applicants' room.
    pub async fn vorgang_bytes(&self, vorgang_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(v.groesse), 0) AS BIGINT) FROM dokument_versionen v \
             JOIN dokumente d ON d.id = v.dokument_id WHERE v.vorgang_id = $1 AND d.beteiligung_id IS NULL",
        )
        .bind(vorgang_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// The bytes that count against a quota, in the caller's transaction: the case's
    /// Bauvorlagen, or one request's attachments. Called after [`Db::sperre_vorgang`], so no
    /// other upload to the case can record a version until the caller commits.
    pub async fn belegte_bytes(
        conn: &mut crate::Tx,
        vorgang_id: i64,
        beteiligung_id: Option<i64>,
    ) -> Result<i64> {
        let q = match beteiligung_id {
            Some(bid) => sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(v.groesse), 0) AS BIGINT) FROM dokument_versionen v \
                 JOIN dokumente d ON d.id = v.dokument_id WHERE d.beteiligung_id = $1",
            )
            .bind(bid),
            None => sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(v.groesse), 0) AS BIGINT) FROM dokument_versionen v \
                 JOIN dokumente d ON d.id = v.dokument_id WHERE v.vorgang_id = $1 AND d.beteiligung_id IS NULL",
            )
            .bind(vorgang_id),
        };
        Ok(q.fetch_one(conn.c()).await?)
    }

    /// How many documents and versions a case has (attachments of requests included: each
    /// version costs pipeline work), in the caller's transaction.
    pub async fn unterlagen_gezaehlt(conn: &mut crate::Tx, vorgang_id: i64) -> Result<(i64, i64)> {
        let dokumente: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM dokumente WHERE vorgang_id = $1")
                .bind(vorgang_id)
                .fetch_one(conn.c())
                .await?;
        let versionen: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM dokument_versionen WHERE vorgang_id = $1")
                .bind(vorgang_id)
                .fetch_one(conn.c())
                .await?;
        Ok((dokumente, versionen))
    }

    /// Records a stored upload as a new version (and a new document if asked), in the
    /// caller's transaction. The blob row is written too, if it is the first of its bytes.
    pub async fn add_version(
        conn: &mut crate::Tx,
        v: &NeueVersion<'_>,
        now: Millis,
    ) -> Result<Version> {
        sqlx::query("INSERT INTO blobs (sha256, groesse, created_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
            .bind(v.sha256)
            .bind(v.groesse)
            .bind(now)
            .execute(conn.c())
            .await?;
        let dokument_id = match v.dokument_id {
            Some(id) => {
                // Only a Bauvorlage takes new versions; an attachment of a Stelle never does.
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dokumente WHERE id = $1 AND vorgang_id = $2 AND beteiligung_id IS NULL")
                    .bind(id)
                    .bind(v.vorgang_id)
                    .fetch_one(conn.c())
                    .await?;
                if n == 0 {
                    return Err(StoreError::NotFound);
                }
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO dokumente (vorgang_id, tenant_id, bezeichnung, anlageart, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(v.vorgang_id)
                .bind(v.tenant_id)
                .bind(v.bezeichnung)
                .bind(v.anlageart.map(Anlageart::code))
                .bind(now)
                .bind(v.user_id)
                .fetch_one(conn.c())
                .await?
            }
        };
        let row = sqlx::query(&format!(
            "INSERT INTO dokument_versionen (dokument_id, vorgang_id, tenant_id, nummer, sha256, groesse, dateiname, created_at, created_by) \
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(nummer), 0) + 1 FROM dokument_versionen WHERE dokument_id = $1), $4, $5, $6, $7, $8) \
             RETURNING {VERSION_COLS}"
        ))
        .bind(dokument_id)
        .bind(v.vorgang_id)
        .bind(v.tenant_id)
        .bind(v.sha256)
        .bind(v.groesse)
        .bind(v.dateiname)
        .bind(now)
        .bind(v.user_id)
        .fetch_one(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::VersionVergeben))?;
        version_from_row(&row)
    }

    /// The case a document belongs to.
    pub async fn dokument_vorgang(&self, dokument_id: i64) -> Result<i64> {
        sqlx::query_scalar("SELECT vorgang_id FROM dokumente WHERE id = $1")
            .bind(dokument_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn version(&self, id: i64) -> Result<Version> {
        let r = sqlx::query(&format!(
            "SELECT {VERSION_COLS} FROM dokument_versionen WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        version_from_row(&r)
    }

    /// Is this version a stamped plan of a Bescheid that is not issued yet?
    pub async fn ist_unerlassener_stempel(&self, version_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM dokument_versionen WHERE id = $1 AND id IN ({STEMPEL_UNERLASSEN})"
        ))
        .bind(version_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }

    /// The case's Bauvorlagen, each with its versions (oldest first). A Stelle's attachments
    /// (`beteiligung_id` set) are not Bauvorlagen and are left out; see `anlagen.rs`.
    pub async fn dokumente(&self, vorgang_id: i64) -> Result<Vec<Dokument>> {
        let docs = sqlx::query("SELECT id, vorgang_id, bezeichnung, anlageart FROM dokumente WHERE vorgang_id = $1 AND beteiligung_id IS NULL ORDER BY id")
            .bind(vorgang_id)
            .fetch_all(self.pool())
            .await?;
        // A stamped plan counts only once its Bescheid is issued: until then (the issuing job
        // is running, or failed) it is nobody's current version.
        let versions = sqlx::query(&format!("SELECT {VERSION_COLS} FROM dokument_versionen WHERE vorgang_id = $1 \
             AND dokument_id IN (SELECT id FROM dokumente WHERE vorgang_id = $1 AND beteiligung_id IS NULL) \
             AND id NOT IN ({STEMPEL_UNERLASSEN}) ORDER BY dokument_id, nummer"))
            .bind(vorgang_id)
            .fetch_all(self.pool())
            .await?;
        let versions: Vec<Version> = versions
            .iter()
            .map(version_from_row)
            .collect::<Result<_>>()?;
        docs.iter()
            .map(|d| {
                let id: i64 = d.try_get("id")?;
                Ok(Dokument {
                    id,
                    vorgang_id: d.try_get("vorgang_id")?,
                    bezeichnung: d.try_get("bezeichnung")?,
                    anlageart: anlageart_aus(d.try_get("anlageart")?)?,
                    versionen: versions
                        .iter()
                        .filter(|v| v.dokument_id == id)
                        .cloned()
                        .collect(),
                })
            })
            .collect()
    }

    /// Enqueues stage `stufe` (`validate`, `extract`, …) of a version as job
    /// `pipeline.<stufe>`, once: the dedupe key is per version and stage.
    pub async fn enqueue_stufe(
        conn: &mut crate::Tx,
        version_id: i64,
        tenant_id: i64,
        stufe: &str,
        now: Millis,
    ) -> Result<()> {
        Db::enqueue_stufe_mit(
            conn,
            version_id,
            tenant_id,
            stufe,
            serde_json::json!({}),
            now,
        )
        .await
    }

    /// [`Db::enqueue_stufe`] with more in the payload than the version (`mehr`, an object).
    pub async fn enqueue_stufe_mit(
        conn: &mut crate::Tx,
        version_id: i64,
        tenant_id: i64,
        stufe: &str,
        mehr: serde_json::Value,
        now: Millis,
    ) -> Result<()> {
        let kind = format!("pipeline.{stufe}");
        let mut payload = mehr;
        match payload.as_object_mut() {
            Some(o) => {
                o.insert("version_id".into(), version_id.into());
            }
            None => payload = serde_json::json!({ "version_id": version_id }),
        }
        let mut job = crate::jobs::NewJob::new(&kind, payload, now);
        job.tenant_id = Some(tenant_id);
        job.dedupe_key = Some(format!("{kind}:{version_id}"));
        job.vorgang_id =
            sqlx::query_scalar("SELECT vorgang_id FROM dokument_versionen WHERE id = $1")
                .bind(version_id)
                .fetch_optional(conn.c())
                .await?;
        if let Some(job_id) = Db::enqueue(conn, &job, now).await? {
            Db::set_stufe(conn, version_id, stufe, job_id).await?;
        }
        Ok(())
    }

    /// [`Db::enqueue_stufe`] on its own (the pipeline queues its next stage).
    pub async fn reihe_stufe_ein(
        &self,
        version_id: i64,
        tenant_id: i64,
        stufe: &str,
        mehr: serde_json::Value,
        now: Millis,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        Db::enqueue_stufe_mit(&mut tx, version_id, tenant_id, stufe, mehr, now).await?;
        tx.commit().await
    }

    /// Puts the failed stages of a version back in the queue ("erneut prüfen").
    pub async fn retry_failed_stufen(&self, version_id: i64, now: Millis) -> Result<usize> {
        let mut n = 0;
        for (_, job) in self.stufen(version_id).await? {
            if job.state == crate::jobs::JobState::Failed {
                self.retry_failed_job(job.id, now).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Remembers which job runs a stage of a version.
    pub async fn set_stufe(
        conn: &mut crate::Tx,
        version_id: i64,
        stufe: &str,
        job_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO dokument_stufen (version_id, stufe, job_id) VALUES ($1, $2, $3) \
             ON CONFLICT (version_id, stufe) DO UPDATE SET job_id = excluded.job_id",
        )
        .bind(version_id)
        .bind(stufe)
        .bind(job_id)
        .execute(conn.c())
        .await?;
        Ok(())
    }

    /// The stages of a version with the state of their jobs, in pipeline order.
    pub async fn stufen(&self, version_id: i64) -> Result<Vec<(String, Job)>> {
        let rows = sqlx::query("SELECT stufe, job_id FROM dokument_stufen WHERE version_id = $1")
            .bind(version_id)
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let stufe: String = r.try_get("stufe")?;
            let job_id: i64 = r.try_get("job_id")?;
            out.push((stufe, self.job(job_id).await?));
        }
        let order = |s: &str| {
            ["validate", "extract", "metadata", "preview", "volltext"]
                .iter()
                .position(|x| *x == s)
                .unwrap_or(9)
        };
        out.sort_by_key(|(s, _)| order(s));
        Ok(out)
    }

    /// Replaces what one stage found in a version (idempotent: a rerun leaves one set).
    pub async fn replace_feststellungen(
        &self,
        version_id: i64,
        stufe: &str,
        list: &[Feststellung],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM feststellungen WHERE version_id = $1 AND stufe = $2")
            .bind(version_id)
            .bind(stufe)
            .execute(tx.c())
            .await?;
        for f in list {
            sqlx::query("INSERT INTO feststellungen (version_id, stufe, code, schwere, meldung, seite) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(version_id)
                .bind(stufe)
                .bind(&f.code)
                .bind(f.schwere.code())
                .bind(&f.meldung)
                .bind(f.seite.map(i64::from))
                .execute(tx.c())
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Everything found in a version, most severe first.
    pub async fn feststellungen(&self, version_id: i64) -> Result<Vec<Feststellung>> {
        let rows = sqlx::query("SELECT code, schwere, meldung, seite FROM feststellungen WHERE version_id = $1 ORDER BY id")
            .bind(version_id)
            .fetch_all(self.pool())
            .await?;
        let mut out: Vec<Feststellung> = rows
            .iter()
            .map(|r| {
                let s: String = r.try_get("schwere")?;
                let seite: Option<i64> = r.try_get("seite")?;
                Ok(Feststellung {
                    code: r.try_get("code")?,
                    schwere: Schwere::from_code(&s)
                        .ok_or_else(|| StoreError::Corrupt(format!("schwere {s:?}")))?,
                    meldung: r.try_get("meldung")?,
                    seite: seite.and_then(|s| u32::try_from(s).ok()),
                })
            })
            .collect::<Result<_>>()?;
        out.sort_by_key(|f| f.schwere);
        Ok(out)
    }

    /// Replaces the page list of a version.
    pub async fn replace_seiten(&self, version_id: i64, seiten: &[Seite]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM seiten WHERE version_id = $1")
            .bind(version_id)
            .execute(tx.c())
            .await?;
        for s in seiten {
            sqlx::query(
                "INSERT INTO seiten (version_id, nummer, breite_mm, hoehe_mm, format, ausrichtung, scan_dpi, text_quelle, vorschau_sha256) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(version_id)
            .bind(s.nummer)
            .bind(s.breite_mm)
            .bind(s.hoehe_mm)
            .bind(&s.format)
            .bind(&s.ausrichtung)
            .bind(s.scan_dpi)
            .bind(&s.text_quelle)
            .bind(&s.vorschau_sha256)
            .execute(tx.c())
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records the text of a page and where it came from (`textebene` or `ocr`).
    pub async fn set_seiten_text(
        &self,
        version_id: i64,
        nummer: i64,
        text: &str,
        quelle: Option<&str>,
        schriftfeld: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE seiten SET text = $1, text_quelle = $2, schriftfeld_text = $5 WHERE version_id = $3 AND nummer = $4")
            .bind(text)
            .bind(quelle)
            .bind(version_id)
            .bind(nummer)
            .bind(schriftfeld)
            .execute(self.pool())
            .await?;
        self.index_seite(version_id, nummer, text).await
    }

    /// Replaces the text of a page (for search) with its full text, read after its title
    /// block; where the text came from and the title block stay.
    pub async fn set_seiten_volltext(
        &self,
        version_id: i64,
        nummer: i64,
        text: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE seiten SET text = $1 WHERE version_id = $2 AND nummer = $3")
            .bind(text)
            .bind(version_id)
            .bind(nummer)
            .execute(self.pool())
            .await?;
        self.index_seite(version_id, nummer, text).await
    }

    /// Registers stored bytes that are not a document version (previews), so maintenance
    /// does not take them for leftovers.
    pub async fn record_blob(&self, sha256: &str) -> Result<()> {
        sqlx::query("INSERT INTO blobs (sha256, groesse, created_at) VALUES ($1, 0, $2) ON CONFLICT (sha256) DO NOTHING")
            .bind(sha256)
            .bind(crate::now_millis())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records the rendered previews: a thumbnail per page and the large one of page 1.
    pub async fn set_vorschau(
        &self,
        version_id: i64,
        gross: Option<&str>,
        daumen: &[(i64, String)],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE dokument_versionen SET vorschau_sha256 = $1 WHERE id = $2")
            .bind(gross)
            .bind(version_id)
            .execute(tx.c())
            .await?;
        for (nummer, sha) in daumen {
            sqlx::query(
                "UPDATE seiten SET vorschau_sha256 = $1 WHERE version_id = $2 AND nummer = $3",
            )
            .bind(sha)
            .bind(version_id)
            .bind(nummer)
            .execute(tx.c())
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The content address of the large preview of a version, if rendered.
    pub async fn vorschau_gross(&self, version_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT vorschau_sha256 FROM dokument_versionen WHERE id = $1")
                .bind(version_id)
                .fetch_optional(self.pool())
                .await?
                .flatten(),
        )
    }

    /// The document type the uploader chose, if any.
    /// Sets the document type (XBau `anlagen_3.0` code) of a document of this case, e.g.
    /// when the uploader confirms the pipeline's suggestion. False if no such document.
    pub async fn setze_anlageart(
        &self,
        vorgang_id: i64,
        dokument_id: i64,
        anlageart: &Anlageart,
    ) -> Result<bool> {
        Ok(
            sqlx::query("UPDATE dokumente SET anlageart = $3 WHERE id = $2 AND vorgang_id = $1 AND beteiligung_id IS NULL")
                .bind(vorgang_id)
                .bind(dokument_id)
                .bind(anlageart.code())
                .execute(self.pool())
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// [`Db::setze_anlageart`] in the caller's transaction, for a document of the current
    /// set (a withdrawn one keeps its type). False if no such document.
    pub async fn setze_anlageart_in(
        tx: &mut crate::Tx,
        vorgang_id: i64,
        dokument_id: i64,
        anlageart: &Anlageart,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE dokumente SET anlageart = $3 WHERE id = $2 AND vorgang_id = $1 \
             AND beteiligung_id IS NULL AND entfernt_at IS NULL",
        )
        .bind(vorgang_id)
        .bind(dokument_id)
        .bind(anlageart.code())
        .execute(tx.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// The name of the document of the current set (a Bauvorlage, not withdrawn) whose
    /// newest version has exactly these bytes, if any: an upload of them again is a
    /// duplicate. In the caller's transaction, so two uploads cannot both pass.
    pub async fn aktuelles_dokument_mit_inhalt(
        tx: &mut crate::Tx,
        vorgang_id: i64,
        sha256: &str,
    ) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT d.bezeichnung FROM dokumente d JOIN dokument_versionen v ON v.dokument_id = d.id \
             WHERE d.vorgang_id = $1 AND d.beteiligung_id IS NULL AND d.entfernt_at IS NULL AND v.sha256 = $2 \
             AND v.nummer = (SELECT MAX(w.nummer) FROM dokument_versionen w WHERE w.dokument_id = d.id) \
             ORDER BY d.id LIMIT 1",
        )
        .bind(vorgang_id)
        .bind(sha256)
        .fetch_optional(tx.c())
        .await?)
    }

    pub async fn dokument_anlageart(&self, dokument_id: i64) -> Result<Option<Anlageart>> {
        anlageart_aus(
            sqlx::query_scalar("SELECT anlageart FROM dokumente WHERE id = $1")
                .bind(dokument_id)
                .fetch_optional(self.pool())
                .await?
                .flatten(),
        )
    }

    /// Replaces the plan metadata of a version.
    pub async fn replace_metadaten(&self, version_id: i64, felder: &[MetaFeld]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM metadaten WHERE version_id = $1")
            .bind(version_id)
            .execute(tx.c())
            .await?;
        for f in felder {
            sqlx::query("INSERT INTO metadaten (version_id, feld, wert, quelle, seite, konfidenz) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(version_id)
                .bind(&f.feld)
                .bind(&f.wert)
                .bind(&f.quelle)
                .bind(f.seite)
                .bind(f.konfidenz)
                .execute(tx.c())
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn metadaten(&self, version_id: i64) -> Result<Vec<MetaFeld>> {
        let rows = sqlx::query("SELECT feld, wert, quelle, seite, konfidenz FROM metadaten WHERE version_id = $1 ORDER BY feld")
            .bind(version_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(MetaFeld {
                    feld: r.try_get("feld")?,
                    wert: r.try_get("wert")?,
                    quelle: r.try_get("quelle")?,
                    seite: r.try_get("seite")?,
                    konfidenz: r.try_get("konfidenz")?,
                })
            })
            .collect()
    }

    /// The text of every page of a version, in page order.
    pub async fn seiten_texte(&self, version_id: i64) -> Result<Vec<SeitenText>> {
        let rows = sqlx::query("SELECT nummer, text, text_quelle, schriftfeld_text FROM seiten WHERE version_id = $1 ORDER BY nummer")
            .bind(version_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SeitenText {
                    nummer: r.try_get("nummer")?,
                    text: r.try_get("text")?,
                    quelle: r.try_get("text_quelle")?,
                    schriftfeld: r.try_get("schriftfeld_text")?,
                })
            })
            .collect()
    }

    /// The text of one page of a version (None when the page has no row), without loading
    /// the other pages' text.
    pub async fn seiten_text(&self, version_id: i64, nummer: i64) -> Result<Option<SeitenText>> {
        let row = sqlx::query(
            "SELECT nummer, text, text_quelle, schriftfeld_text FROM seiten \
             WHERE version_id = $1 AND nummer = $2",
        )
        .bind(version_id)
        .bind(nummer)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(SeitenText {
                nummer: r.try_get("nummer")?,
                text: r.try_get("text")?,
                quelle: r.try_get("text_quelle")?,
                schriftfeld: r.try_get("schriftfeld_text")?,
            })
        })
        .transpose()
    }

    pub async fn seiten(&self, version_id: i64) -> Result<Vec<Seite>> {
        let rows = sqlx::query(
            "SELECT nummer, breite_mm, hoehe_mm, format, ausrichtung, scan_dpi, text_quelle, vorschau_sha256 FROM seiten \
             WHERE version_id = $1 ORDER BY nummer",
        )
        .bind(version_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Seite {
                    nummer: r.try_get("nummer")?,
                    breite_mm: r.try_get("breite_mm")?,
                    hoehe_mm: r.try_get("hoehe_mm")?,
                    format: r.try_get("format")?,
                    ausrichtung: r.try_get("ausrichtung")?,
                    scan_dpi: r.try_get("scan_dpi")?,
                    text_quelle: r.try_get("text_quelle")?,
                    vorschau_sha256: r.try_get("vorschau_sha256")?,
                })
            })
            .collect()
    }

    /// Content addresses in the store that no row refers to, among `candidates`.
    pub async fn unreferenced_blobs(&self, candidates: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for sha in candidates {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blobs WHERE sha256 = $1")
                .bind(sha)
                .fetch_one(self.pool())
                .await?;
            if n == 0 {
                out.push(sha.clone());
            }
        }
        Ok(out)
    }
}
