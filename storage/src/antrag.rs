//! The Antrag side of a case: procedure, state, Aktenzeichen and entered data; the
//! Bauherrschaft and its Freizeichnung; frozen Fassungen; the timeline; deadlines; the
//! Befunde of the formelle Prüfung; per-tenant checklists; the Bauaufsicht's inbox.
//!
//! State changes are compare-and-set on the stored state, so two people (or two workers)
//! acting on the same case cannot both move it: the second gets `Conflict`.

use crate::{Conn, Db, Millis, Result, StoreError};
use serde::Serialize;
use sqlx::Row;

/// A case as the Antrag pages need it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Antrag {
    pub id: i64,
    pub tenant_id: i64,
    pub owner_user_id: i64,
    pub bezeichnung: String,
    pub verfahren: Option<String>,
    pub zustand: String,
    pub aktenzeichen: Option<String>,
    pub angaben: serde_json::Value,
    pub gemeinde_ags: Option<String>,
    pub eingereicht_at: Option<Millis>,
    pub naechste_frist: Option<String>,
    pub created_at: Millis,
}

impl Antrag {
    /// The case as the document side knows it (no second read of the same row).
    pub fn vorgang(&self) -> crate::dokumente::Vorgang {
        crate::dokumente::Vorgang {
            id: self.id,
            tenant_id: self.tenant_id,
            owner_user_id: self.owner_user_id,
            bezeichnung: self.bezeichnung.clone(),
            created_at: self.created_at,
        }
    }
}

const ANTRAG_SPALTEN: &str = "id, tenant_id, owner_user_id, bezeichnung, verfahren, zustand, aktenzeichen, angaben, gemeinde_ags, eingereicht_at, naechste_frist, created_at";

fn antrag_aus(r: &sqlx::any::AnyRow) -> Result<Antrag> {
    let angaben: String = r.try_get("angaben")?;
    Ok(Antrag {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        owner_user_id: r.try_get("owner_user_id")?,
        bezeichnung: r.try_get("bezeichnung")?,
        verfahren: r.try_get("verfahren")?,
        zustand: r.try_get("zustand")?,
        aktenzeichen: r.try_get("aktenzeichen")?,
        angaben: serde_json::from_str(&angaben)
            .map_err(|e| StoreError::Corrupt(format!("vorgaenge.angaben: {e}")))?,
        gemeinde_ags: r.try_get("gemeinde_ags")?,
        eingereicht_at: r.try_get("eingereicht_at")?,
        naechste_frist: r.try_get("naechste_frist")?,
        created_at: r.try_get("created_at")?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Beteiligter {
    pub id: i64,
    pub vorgang_id: i64,
    pub rolle: String,
    pub email: String,
    pub name: String,
    pub user_id: Option<i64>,
    pub eingeladen_at: Millis,
    pub angenommen_at: Option<Millis>,
    pub freigezeichnet_at: Option<Millis>,
}

fn beteiligter_aus(r: &sqlx::any::AnyRow) -> Result<Beteiligter> {
    Ok(Beteiligter {
        id: r.try_get("id")?,
        vorgang_id: r.try_get("vorgang_id")?,
        rolle: r.try_get("rolle")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        user_id: r.try_get("user_id")?,
        eingeladen_at: r.try_get("eingeladen_at")?,
        angenommen_at: r.try_get("angenommen_at")?,
        freigezeichnet_at: r.try_get("freigezeichnet_at")?,
    })
}

const BETEILIGTE_SPALTEN: &str =
    "id, vorgang_id, rolle, email, name, user_id, eingeladen_at, angenommen_at, freigezeichnet_at";

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ereignis {
    pub id: i64,
    pub vorgang_id: i64,
    pub at: Millis,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub art: String,
    pub zustand: Option<String>,
    pub status_code: Option<String>,
    pub text: String,
}

/// What to write to the timeline.
#[derive(Debug, Clone)]
pub struct NeuesEreignis<'a> {
    pub vorgang_id: i64,
    pub user_id: Option<i64>,
    pub art: &'a str,
    pub zustand: Option<&'a str>,
    pub status_code: Option<&'a str>,
    pub text: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frist {
    pub id: i64,
    pub vorgang_id: i64,
    pub art: String,
    pub rechtsgrundlage: String,
    /// Dates as `YYYY-MM-DD` (Berlin calendar days).
    pub start: String,
    pub ende: String,
    pub erklaerung: String,
    pub zustand: String,
    pub created_at: Millis,
    pub geaendert_at: Millis,
}

const FRIST_SPALTEN: &str = "id, vorgang_id, art, rechtsgrundlage, start, ende, erklaerung, zustand, created_at, geaendert_at";

fn frist_aus(r: &sqlx::any::AnyRow) -> Result<Frist> {
    Ok(Frist {
        id: r.try_get("id")?,
        vorgang_id: r.try_get("vorgang_id")?,
        art: r.try_get("art")?,
        rechtsgrundlage: r.try_get("rechtsgrundlage")?,
        start: r.try_get("start")?,
        ende: r.try_get("ende")?,
        erklaerung: r.try_get("erklaerung")?,
        zustand: r.try_get("zustand")?,
        created_at: r.try_get("created_at")?,
        geaendert_at: r.try_get("geaendert_at")?,
    })
}

#[derive(Debug, Clone)]
pub struct NeueFrist<'a> {
    pub vorgang_id: i64,
    pub art: &'a str,
    pub rechtsgrundlage: &'a str,
    pub start: &'a str,
    pub ende: &'a str,
    pub erklaerung: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Befund {
    pub id: i64,
    pub runde: i64,
    pub code: String,
    pub text: String,
    pub dokument_id: Option<i64>,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fassung {
    pub id: i64,
    pub nummer: i64,
    pub created_at: Millis,
    pub created_by: i64,
}

/// One document of a Fassung, in the version frozen there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FassungsDokument {
    pub dokument_id: i64,
    pub bezeichnung: String,
    pub anlageart: Option<String>,
    pub version_id: i64,
    pub version_nummer: i64,
    pub sha256: String,
    pub dateiname: String,
}

/// Filters of the Bauaufsicht's inbox.
#[derive(Debug, Clone, Default)]
pub struct EingangsFilter {
    pub zustand: Option<String>,
    pub verfahren: Option<String>,
    pub gemeinde_ags: Option<String>,
    /// Only cases with a running deadline ending on or before this day (`YYYY-MM-DD`).
    pub frist_bis: Option<String>,
    /// Keyset paging: only cases with an id below this one.
    pub vor_id: Option<i64>,
    pub limit: i64,
}

impl Db {
    pub async fn antrag(&self, id: i64) -> Result<Antrag> {
        let r = sqlx::query(&format!(
            "SELECT {ANTRAG_SPALTEN} FROM vorgaenge WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        antrag_aus(&r)
    }

    /// Stores the entered data of a case that is still a draft.
    pub async fn setze_angaben(
        &self,
        id: i64,
        bezeichnung: &str,
        verfahren: &str,
        angaben: &serde_json::Value,
        gemeinde_ags: Option<&str>,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE vorgaenge SET bezeichnung = $2, verfahren = $3, angaben = $4, gemeinde_ags = $5, updated_at = $6 \
             WHERE id = $1 AND zustand = 'entwurf'",
        )
        .bind(id)
        .bind(bezeichnung)
        .bind(verfahren)
        .bind(angaben.to_string())
        .bind(gemeinde_ags)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("vorgang_nicht_im_entwurf"))
        }
    }

    /// Locks the case row for the rest of the caller's transaction (a harmless self-update)
    /// and returns the case's state as of now. Transactions that decide something about the
    /// case as a whole from several rows (is this the last open request? was the deadline
    /// extended before?) take this lock first, so on PostgreSQL a second such transaction
    /// waits for the first to commit and then sees its changes; on SQLite the write lock
    /// does the same. `NotFound` if there is no such case.
    pub async fn sperre_vorgang(conn: &mut Conn, id: i64) -> Result<String> {
        sqlx::query_scalar(
            "UPDATE vorgaenge SET updated_at = updated_at WHERE id = $1 RETURNING zustand",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Moves a case from `von` to `nach`, in the caller's transaction; `Conflict` when the
    /// case is no longer in `von` (someone else moved it first).
    pub async fn wechsle_zustand(
        conn: &mut Conn,
        id: i64,
        von: &str,
        nach: &str,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE vorgaenge SET zustand = $3, updated_at = $4 WHERE id = $1 AND zustand = $2",
        )
        .bind(id)
        .bind(von)
        .bind(nach)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("zustand_geaendert"))
        }
    }

    /// Takes the next Aktenzeichen number of a tenant and year (never given back) and
    /// returns it with the tenant's format and short name.
    pub async fn naechste_aktenzeichen_nummer(
        conn: &mut Conn,
        tenant_id: i64,
        jahr: i64,
    ) -> Result<(i64, String, String)> {
        let nummer: i64 = sqlx::query_scalar(
            "INSERT INTO aktenzeichen_zaehler (tenant_id, jahr, letzte) VALUES ($1, $2, 1) \
             ON CONFLICT (tenant_id, jahr) DO UPDATE SET letzte = aktenzeichen_zaehler.letzte + 1 \
             RETURNING letzte",
        )
        .bind(tenant_id)
        .bind(jahr)
        .fetch_one(&mut *conn)
        .await?;
        let r = sqlx::query(
            "SELECT aktenzeichen_format, aktenzeichen_kuerzel FROM tenants WHERE id = $1",
        )
        .bind(tenant_id)
        .fetch_one(&mut *conn)
        .await?;
        Ok((
            nummer,
            r.try_get("aktenzeichen_format")?,
            r.try_get("aktenzeichen_kuerzel")?,
        ))
    }

    pub async fn setze_aktenzeichen_format(
        &self,
        tenant_id: i64,
        format: &str,
        kuerzel: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE tenants SET aktenzeichen_format = $2, aktenzeichen_kuerzel = $3 WHERE id = $1",
        )
        .bind(tenant_id)
        .bind(format)
        .bind(kuerzel)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks a case as submitted with its Aktenzeichen, in the caller's transaction.
    pub async fn setze_eingereicht(
        conn: &mut Conn,
        id: i64,
        aktenzeichen: &str,
        now: Millis,
    ) -> Result<()> {
        sqlx::query("UPDATE vorgaenge SET aktenzeichen = $2, eingereicht_at = $3 WHERE id = $1")
            .bind(id)
            .bind(aktenzeichen)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(|e| StoreError::on_unique(e, "aktenzeichen"))?;
        Ok(())
    }

    /// Freezes the current set (every Bauvorlage not withdrawn, in its newest version) as the
    /// next Fassung; a Stelle's attachments are not part of it. Returns its number.
    pub async fn friere_fassung(
        conn: &mut Conn,
        vorgang_id: i64,
        user_id: i64,
        now: Millis,
    ) -> Result<Fassung> {
        let nummer: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(nummer), 0) + 1 AS BIGINT) FROM fassungen WHERE vorgang_id = $1",
        )
        .bind(vorgang_id)
        .fetch_one(&mut *conn)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO fassungen (vorgang_id, nummer, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(vorgang_id)
        .bind(nummer)
        .bind(now)
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::on_unique(e, "fassung"))?;
        sqlx::query(
            "INSERT INTO fassung_dokumente (fassung_id, dokument_id, version_id) \
             SELECT $1, d.id, (SELECT v.id FROM dokument_versionen v WHERE v.dokument_id = d.id ORDER BY v.nummer DESC LIMIT 1) \
             FROM dokumente d WHERE d.vorgang_id = $2 AND d.entfernt_at IS NULL AND d.beteiligung_id IS NULL \
             AND EXISTS (SELECT 1 FROM dokument_versionen v WHERE v.dokument_id = d.id)",
        )
        .bind(id)
        .bind(vorgang_id)
        .execute(&mut *conn)
        .await?;
        Ok(Fassung {
            id,
            nummer,
            created_at: now,
            created_by: user_id,
        })
    }

    pub async fn fassungen(&self, vorgang_id: i64) -> Result<Vec<Fassung>> {
        let rows = sqlx::query(
            "SELECT id, nummer, created_at, created_by FROM fassungen WHERE vorgang_id = $1 ORDER BY nummer",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Fassung {
                    id: r.try_get("id")?,
                    nummer: r.try_get("nummer")?,
                    created_at: r.try_get("created_at")?,
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }

    pub async fn fassung_dokumente(&self, fassung_id: i64) -> Result<Vec<FassungsDokument>> {
        let rows = sqlx::query(
            "SELECT fd.dokument_id, d.bezeichnung, d.anlageart, fd.version_id, v.nummer AS version_nummer, v.sha256, v.dateiname \
             FROM fassung_dokumente fd JOIN dokumente d ON d.id = fd.dokument_id \
             JOIN dokument_versionen v ON v.id = fd.version_id \
             WHERE fd.fassung_id = $1 AND d.beteiligung_id IS NULL ORDER BY fd.dokument_id",
        )
        .bind(fassung_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FassungsDokument {
                    dokument_id: r.try_get("dokument_id")?,
                    bezeichnung: r.try_get("bezeichnung")?,
                    anlageart: r.try_get("anlageart")?,
                    version_id: r.try_get("version_id")?,
                    version_nummer: r.try_get("version_nummer")?,
                    sha256: r.try_get("sha256")?,
                    dateiname: r.try_get("dateiname")?,
                })
            })
            .collect()
    }

    /// Withdraws a document from the current set; earlier Fassungen keep it.
    pub async fn entferne_dokument(&self, dokument_id: i64, now: Millis) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE dokumente SET entfernt_at = $2 WHERE id = $1 AND entfernt_at IS NULL",
        )
        .bind(dokument_id)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }

    // --- Beteiligte (Bauherrschaft) ---------------------------------------------------

    /// Records an invitation in the caller's transaction (with its mail).
    pub async fn lade_beteiligten_ein(
        conn: &mut Conn,
        vorgang_id: i64,
        email: &str,
        name: &str,
        einladung_hash: &str,
        now: Millis,
    ) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO beteiligte (vorgang_id, rolle, email, name, einladung_hash, eingeladen_at) \
             VALUES ($1, 'bauherrschaft', $2, $3, $4, $5) RETURNING id",
        )
        .bind(vorgang_id)
        .bind(email)
        .bind(name)
        .bind(einladung_hash)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::on_unique(e, "beteiligter"))
    }

    pub async fn beteiligte(&self, vorgang_id: i64) -> Result<Vec<Beteiligter>> {
        let rows = sqlx::query(&format!(
            "SELECT {BETEILIGTE_SPALTEN} FROM beteiligte WHERE vorgang_id = $1 ORDER BY id"
        ))
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(beteiligter_aus).collect()
    }

    pub async fn beteiligter_per_einladung(&self, einladung_hash: &str) -> Result<Beteiligter> {
        let r = sqlx::query(&format!(
            "SELECT {BETEILIGTE_SPALTEN} FROM beteiligte WHERE einladung_hash = $1"
        ))
        .bind(einladung_hash)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        beteiligter_aus(&r)
    }

    /// Binds an invitation to the user who accepted it; the secret is used up.
    pub async fn nimm_einladung_an(
        conn: &mut Conn,
        beteiligter_id: i64,
        user_id: i64,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE beteiligte SET user_id = $2, angenommen_at = $3, einladung_hash = NULL \
             WHERE id = $1 AND angenommen_at IS NULL",
        )
        .bind(beteiligter_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("einladung_angenommen"))
        }
    }

    /// Records the Bauherrschaft's Freizeichnung (once).
    pub async fn zeichne_frei(
        conn: &mut Conn,
        vorgang_id: i64,
        user_id: i64,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query(
            "UPDATE beteiligte SET freigezeichnet_at = $3 \
             WHERE vorgang_id = $1 AND user_id = $2 AND freigezeichnet_at IS NULL",
        )
        .bind(vorgang_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("freizeichnung"))
        }
    }

    /// Cases a user takes part in without owning them.
    pub async fn vorgaenge_als_beteiligter(&self, user_id: i64) -> Result<Vec<Antrag>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM vorgaenge WHERE id IN (SELECT vorgang_id FROM beteiligte WHERE user_id = $1) ORDER BY id DESC",
            ANTRAG_SPALTEN
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(antrag_aus).collect()
    }

    // --- Timeline -----------------------------------------------------------------------

    pub async fn ereignis(conn: &mut Conn, e: &NeuesEreignis<'_>, now: Millis) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO ereignisse (vorgang_id, at, user_id, art, zustand, status_code, text) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(e.vorgang_id)
        .bind(now)
        .bind(e.user_id)
        .bind(e.art)
        .bind(e.zustand)
        .bind(e.status_code)
        .bind(e.text)
        .fetch_one(&mut *conn)
        .await?)
    }

    pub async fn ereignisse(&self, vorgang_id: i64) -> Result<Vec<Ereignis>> {
        let rows = sqlx::query(
            "SELECT e.id, e.vorgang_id, e.at, e.user_id, u.display_name, e.art, e.zustand, e.status_code, e.text \
             FROM ereignisse e LEFT JOIN users u ON u.id = e.user_id WHERE e.vorgang_id = $1 ORDER BY e.id",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Ereignis {
                    id: r.try_get("id")?,
                    vorgang_id: r.try_get("vorgang_id")?,
                    at: r.try_get("at")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get("display_name")?,
                    art: r.try_get("art")?,
                    zustand: r.try_get("zustand")?,
                    status_code: r.try_get("status_code")?,
                    text: r.try_get("text")?,
                })
            })
            .collect()
    }

    // --- Fristen ------------------------------------------------------------------------

    pub async fn lege_frist_an(conn: &mut Conn, f: &NeueFrist<'_>, now: Millis) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO fristen (vorgang_id, art, rechtsgrundlage, start, ende, erklaerung, zustand, created_at, geaendert_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'laeuft', $7, $7) RETURNING id",
        )
        .bind(f.vorgang_id)
        .bind(f.art)
        .bind(f.rechtsgrundlage)
        .bind(f.start)
        .bind(f.ende)
        .bind(f.erklaerung)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        Self::aktualisiere_naechste_frist(conn, f.vorgang_id).await?;
        Ok(id)
    }

    async fn aktualisiere_naechste_frist(conn: &mut Conn, vorgang_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE vorgaenge SET naechste_frist = \
             (SELECT MIN(ende) FROM fristen WHERE vorgang_id = $1 AND zustand IN ('laeuft', 'faellig')) \
             WHERE id = $1",
        )
        .bind(vorgang_id)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub async fn fristen(&self, vorgang_id: i64) -> Result<Vec<Frist>> {
        let rows = sqlx::query(&format!(
            "SELECT {FRIST_SPALTEN} FROM fristen WHERE vorgang_id = $1 ORDER BY id"
        ))
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(frist_aus).collect()
    }

    pub async fn frist(&self, id: i64) -> Result<Frist> {
        let r = sqlx::query(&format!(
            "SELECT {FRIST_SPALTEN} FROM fristen WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        frist_aus(&r)
    }

    /// Running deadlines of one kind whose last day is before `heute` (`YYYY-MM-DD`): they
    /// have passed. One kind at a time, so passed decision deadlines cannot crowd passed
    /// Nachforderung deadlines out of a page.
    pub async fn abgelaufene_fristen(
        &self,
        art: &str,
        heute: &str,
        limit: i64,
    ) -> Result<Vec<Frist>> {
        let rows = sqlx::query(&format!(
            "SELECT {FRIST_SPALTEN} FROM fristen WHERE zustand = 'laeuft' AND art = $1 AND ende < $2 ORDER BY ende, id LIMIT $3"
        ))
        .bind(art)
        .bind(heute)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(frist_aus).collect()
    }

    /// Compare-and-set of a deadline's state, in the caller's transaction: true when this
    /// call made the change (so its effect happens exactly once).
    pub async fn wechsle_fristzustand(
        conn: &mut Conn,
        id: i64,
        von: &str,
        nach: &str,
        now: Millis,
    ) -> Result<bool> {
        let r = sqlx::query(
            "UPDATE fristen SET zustand = $3, geaendert_at = $4 WHERE id = $1 AND zustand = $2 RETURNING vorgang_id",
        )
        .bind(id)
        .bind(von)
        .bind(nach)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
        match r {
            Some(r) => {
                let vorgang_id: i64 = r.try_get("vorgang_id")?;
                Self::aktualisiere_naechste_frist(conn, vorgang_id).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Ends every running deadline of a kind on a case (answered, decided …).
    pub async fn erledige_fristen(
        conn: &mut Conn,
        vorgang_id: i64,
        art: &str,
        now: Millis,
    ) -> Result<u64> {
        let n = sqlx::query(
            "UPDATE fristen SET zustand = 'erledigt', geaendert_at = $3 \
             WHERE vorgang_id = $1 AND art = $2 AND zustand IN ('laeuft', 'faellig')",
        )
        .bind(vorgang_id)
        .bind(art)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        Self::aktualisiere_naechste_frist(conn, vorgang_id).await?;
        Ok(n)
    }

    /// A new end for a running or due deadline (an extension with its explanation).
    pub async fn verlaengere_frist(
        conn: &mut Conn,
        id: i64,
        ende: &str,
        erklaerung: &str,
        now: Millis,
    ) -> Result<()> {
        let r = sqlx::query(
            "UPDATE fristen SET ende = $2, erklaerung = $3, zustand = 'laeuft', geaendert_at = $4 \
             WHERE id = $1 AND zustand IN ('laeuft', 'faellig') RETURNING vorgang_id",
        )
        .bind(id)
        .bind(ende)
        .bind(erklaerung)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::Conflict("frist_nicht_offen"))?;
        let vorgang_id: i64 = r.try_get("vorgang_id")?;
        Self::aktualisiere_naechste_frist(conn, vorgang_id).await
    }

    // --- Befunde ------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub async fn speichere_befund(
        conn: &mut Conn,
        vorgang_id: i64,
        runde: i64,
        code: &str,
        text: &str,
        dokument_id: Option<i64>,
        user_id: i64,
        now: Millis,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO befunde (vorgang_id, runde, code, text, dokument_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(vorgang_id)
        .bind(runde)
        .bind(code)
        .bind(text)
        .bind(dokument_id)
        .bind(now)
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?)
    }

    pub async fn befunde(&self, vorgang_id: i64) -> Result<Vec<Befund>> {
        let rows = sqlx::query(
            "SELECT id, runde, code, text, dokument_id, created_at FROM befunde WHERE vorgang_id = $1 ORDER BY runde, id",
        )
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Befund {
                    id: r.try_get("id")?,
                    runde: r.try_get("runde")?,
                    code: r.try_get("code")?,
                    text: r.try_get("text")?,
                    dokument_id: r.try_get("dokument_id")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    // --- Checklists, profiles, reuse ------------------------------------------------------

    /// The tenant's newest checklist for a procedure: (version, JSON), if it edited one.
    pub async fn checkliste(
        &self,
        tenant_id: i64,
        verfahren: &str,
    ) -> Result<Option<(i64, String)>> {
        let r = sqlx::query(
            "SELECT version, inhalt FROM checklisten WHERE tenant_id = $1 AND verfahren = $2 ORDER BY version DESC LIMIT 1",
        )
        .bind(tenant_id)
        .bind(verfahren)
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| Ok((r.try_get::<i64, _>("version")?, r.try_get("inhalt")?)))
            .transpose()
    }

    /// Stores a new version of a tenant's checklist; returns its version number.
    pub async fn speichere_checkliste(
        &self,
        tenant_id: i64,
        verfahren: &str,
        inhalt: &str,
        user_id: Option<i64>,
        now: Millis,
    ) -> Result<i64> {
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO checklisten (tenant_id, verfahren, version, inhalt, created_at, created_by) \
             SELECT $1, $2, CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT), $3, $4, $5 FROM checklisten WHERE tenant_id = $1 AND verfahren = $2 \
             RETURNING version",
        )
        .bind(tenant_id)
        .bind(verfahren)
        .bind(inhalt)
        .bind(now)
        .bind(user_id)
        .fetch_one(self.pool())
        .await
        .map_err(|e| StoreError::on_unique(e, "checkliste"))?;
        Ok(version)
    }

    pub async fn profil(&self, user_id: i64) -> Result<serde_json::Value> {
        let s: String = sqlx::query_scalar("SELECT profil FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("users.profil: {e}")))
    }

    pub async fn setze_profil(&self, user_id: i64, profil: &serde_json::Value) -> Result<()> {
        sqlx::query("UPDATE users SET profil = $2 WHERE id = $1")
            .bind(user_id)
            .bind(profil.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The entered data of a user's earlier cases, newest first (for "once only" offers).
    pub async fn fruehere_angaben(
        &self,
        owner_user_id: i64,
        ausser: i64,
        limit: i64,
    ) -> Result<Vec<serde_json::Value>> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT angaben FROM vorgaenge WHERE owner_user_id = $1 AND id <> $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(owner_user_id)
        .bind(ausser)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .iter()
            .filter_map(|s| serde_json::from_str(s).ok())
            .collect())
    }

    // --- Inbox ------------------------------------------------------------------------------

    /// Submitted cases of a tenant, newest first, filtered, one page (keyset on the id, so a
    /// page costs the same at case 100 and at case 100000).
    pub async fn eingang(&self, tenant_id: i64, f: &EingangsFilter) -> Result<Vec<Antrag>> {
        let (sql, werte) = eingang_abfrage(tenant_id, f);
        let rows = binde(sqlx::query(&sql), &werte)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(antrag_aus).collect()
    }

    /// The plan the database chooses for [`Db::eingang`] with these filters, one line per
    /// step (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL), for
    /// `plankammer-bench eingang`.
    pub async fn eingang_plan(&self, tenant_id: i64, f: &EingangsFilter) -> Result<Vec<String>> {
        let (sql, werte) = eingang_abfrage(tenant_id, f);
        let sql = match self.backend() {
            crate::Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
            crate::Backend::Postgres => format!("EXPLAIN {sql}"),
        };
        let rows = binde(sqlx::query(&sql), &werte)
            .fetch_all(self.pool())
            .await?;
        plan_zeilen(self.backend(), &rows)
    }

    /// The plan of a query without bound values, as [`Db::eingang_plan`] prints it.
    pub async fn abfrageplan(&self, sql: &str) -> Result<Vec<String>> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
            crate::Backend::Postgres => format!("EXPLAIN {sql}"),
        };
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        plan_zeilen(self.backend(), &rows)
    }

    /// The inbox page at `offset` counted by `OFFSET` instead of a keyset (all submitted
    /// cases of the tenant, newest first): what a deep page costs without the keyset, for
    /// comparison in `plankammer-bench eingang`. Never used by the product.
    #[cfg(feature = "testing")]
    pub async fn eingang_per_offset(
        &self,
        tenant_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Antrag>> {
        let rows = sqlx::query(&eingang_offset_abfrage(tenant_id, limit, offset))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(antrag_aus).collect()
    }

    /// The plan of [`Db::eingang_per_offset`], as [`Db::abfrageplan`] prints it.
    #[cfg(feature = "testing")]
    pub async fn eingang_per_offset_plan(
        &self,
        tenant_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<String>> {
        self.abfrageplan(&eingang_offset_abfrage(tenant_id, limit, offset))
            .await
    }
}

/// The inbox by `OFFSET`, its numbers written into the text as a hand-written paging query
/// would have them (so [`Db::abfrageplan`] can explain it without bound values).
#[cfg(feature = "testing")]
fn eingang_offset_abfrage(tenant_id: i64, limit: i64, offset: i64) -> String {
    format!(
        "SELECT {ANTRAG_SPALTEN} FROM vorgaenge WHERE tenant_id = {tenant_id} \
         AND zustand <> 'entwurf' ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
    )
}

/// A bound value of a query built at run time.
enum Wert<'a> {
    Zahl(i64),
    Text(&'a str),
}

fn binde<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    werte: &[Wert<'q>],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for w in werte {
        q = match w {
            Wert::Zahl(z) => q.bind(*z),
            Wert::Text(t) => q.bind(*t),
        };
    }
    q
}

/// The inbox query for these filters and its bound values. Only the active filters are in
/// the WHERE clause, each with a bound value: an `($n IS NULL OR column = $n)` term would
/// keep SQLite (and PostgreSQL's generic plans) from using the index on that column.
fn eingang_abfrage(tenant_id: i64, f: &EingangsFilter) -> (String, Vec<Wert<'_>>) {
    let mut sql = format!(
        "SELECT {ANTRAG_SPALTEN} FROM vorgaenge WHERE tenant_id = $1 AND zustand <> 'entwurf'"
    );
    let mut werte = vec![Wert::Zahl(tenant_id)];
    let filter = [
        ("zustand =", f.zustand.as_deref().map(Wert::Text)),
        ("verfahren =", f.verfahren.as_deref().map(Wert::Text)),
        ("gemeinde_ags =", f.gemeinde_ags.as_deref().map(Wert::Text)),
        ("naechste_frist <=", f.frist_bis.as_deref().map(Wert::Text)),
        ("id <", f.vor_id.map(Wert::Zahl)),
    ];
    for (ausdruck, wert) in filter {
        if let Some(wert) = wert {
            werte.push(wert);
            sql.push_str(&format!(" AND {ausdruck} ${}", werte.len()));
        }
    }
    werte.push(Wert::Zahl(f.limit));
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", werte.len()));
    (sql, werte)
}

/// The rows of `EXPLAIN QUERY PLAN` (SQLite: indented by nesting) or `EXPLAIN` (PostgreSQL).
fn plan_zeilen(backend: crate::Backend, rows: &[sqlx::any::AnyRow]) -> Result<Vec<String>> {
    match backend {
        crate::Backend::Sqlite => {
            let mut tiefe = std::collections::HashMap::<i64, usize>::new();
            rows.iter()
                .map(|r| {
                    let id: i64 = r.try_get("id")?;
                    let eltern: i64 = r.try_get("parent")?;
                    let detail: String = r.try_get("detail")?;
                    let t = tiefe.get(&eltern).map_or(0, |t| t + 1);
                    tiefe.insert(id, t);
                    Ok(format!("{}{detail}", "  ".repeat(t)))
                })
                .collect()
        }
        crate::Backend::Postgres => rows
            .iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect(),
    }
}
