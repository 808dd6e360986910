//! The second factor: TOTP secrets, recovery codes, and logins waiting for the code.

use crate::{Db, Millis, Result, Tx};
use sqlx::Row;

/// A person's TOTP secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zweitfaktor {
    pub geheimnis: Vec<u8>,
    /// Set once the person typed a first code from their app.
    pub bestaetigt: bool,
    pub letzter_schritt: i64,
}

/// A login whose password was right and that waits for the second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anmeldevorgang {
    pub user_id: i64,
    pub tenant_id: i64,
    pub weiter: String,
    /// The person belongs to several authorities (the choice follows).
    pub mehrere: bool,
    pub laeuft_ab_at: Millis,
    pub versuche: i64,
}

impl Db {
    pub async fn zweitfaktor(&self, user_id: i64) -> Result<Option<Zweitfaktor>> {
        let Some(r) = sqlx::query(
            "SELECT geheimnis, bestaetigt_at, letzter_schritt FROM zweitfaktoren WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let bestaetigt: Option<i64> = r.try_get("bestaetigt_at")?;
        Ok(Some(Zweitfaktor {
            geheimnis: hex::decode(r.try_get::<String, _>("geheimnis")?)
                .map_err(|_| crate::StoreError::Corrupt("zweitfaktoren.geheimnis".into()))?,
            bestaetigt: bestaetigt.is_some(),
            letzter_schritt: r.try_get("letzter_schritt")?,
        }))
    }

    /// A new, unconfirmed secret; replaces an unconfirmed one, never a confirmed one
    /// (false then).
    pub async fn zweitfaktor_anlegen(
        &self,
        user_id: i64,
        geheimnis: &[u8],
        now: Millis,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM zweitfaktoren WHERE user_id = $1 AND bestaetigt_at IS NULL")
            .bind(user_id)
            .execute(tx.c())
            .await?;
        let n = sqlx::query(
            "INSERT INTO zweitfaktoren (user_id, geheimnis, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(hex::encode(geheimnis))
        .bind(now)
        .execute(tx.c())
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Records that a code of this step was used; false when this or a later step was
    /// used already (a replayed code), in one statement so two requests cannot both pass.
    pub async fn zweitfaktor_schritt(tx: &mut Tx, user_id: i64, schritt: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE zweitfaktoren SET letzter_schritt = $2 WHERE user_id = $1 AND letzter_schritt < $2",
        )
        .bind(user_id)
        .bind(schritt)
        .execute(tx.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Confirms the secret and stores the recovery codes (hashes), replacing older codes.
    pub async fn zweitfaktor_bestaetigen(
        tx: &mut Tx,
        user_id: i64,
        code_hashes: &[String],
        now: Millis,
    ) -> Result<()> {
        sqlx::query("UPDATE zweitfaktoren SET bestaetigt_at = $2 WHERE user_id = $1")
            .bind(user_id)
            .bind(now)
            .execute(tx.c())
            .await?;
        sqlx::query("DELETE FROM wiederherstellungscodes WHERE user_id = $1")
            .bind(user_id)
            .execute(tx.c())
            .await?;
        for h in code_hashes {
            sqlx::query("INSERT INTO wiederherstellungscodes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(h)
                .execute(tx.c())
                .await?;
        }
        Ok(())
    }

    /// Uses a recovery code once; false when it is unknown or used.
    pub async fn wiederherstellungscode_einloesen(
        tx: &mut Tx,
        user_id: i64,
        code_hash: &str,
        now: Millis,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE wiederherstellungscodes SET benutzt_at = $3 \
             WHERE user_id = $1 AND code_hash = $2 AND benutzt_at IS NULL",
        )
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
        .execute(tx.c())
        .await?
        .rows_affected()
            >= 1)
    }

    /// Unused recovery codes left.
    pub async fn wiederherstellungscodes_offen(&self, user_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM wiederherstellungscodes WHERE user_id = $1 AND benutzt_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Removes the second factor and its codes (switched off, or reset by an admin).
    pub async fn zweitfaktor_entfernen(tx: &mut Tx, user_id: i64) -> Result<bool> {
        sqlx::query("DELETE FROM wiederherstellungscodes WHERE user_id = $1")
            .bind(user_id)
            .execute(tx.c())
            .await?;
        Ok(sqlx::query("DELETE FROM zweitfaktoren WHERE user_id = $1")
            .bind(user_id)
            .execute(tx.c())
            .await?
            .rows_affected()
            == 1)
    }

    /// Whether the tenant requires a second factor of its staff.
    pub async fn zweiter_faktor_pflicht(&self, tenant_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT zweiter_faktor_pflicht FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_one(self.pool())
            .await?;
        Ok(n != 0)
    }

    /// [`Db::setze_zweiter_faktor_pflicht`] on its own (demo data, test fixtures).
    pub async fn zweiter_faktor_pflicht_jetzt(&self, tenant_id: i64, pflicht: bool) -> Result<()> {
        let mut tx = self.begin().await?;
        Db::setze_zweiter_faktor_pflicht(&mut tx, tenant_id, pflicht).await?;
        tx.commit().await
    }

    pub async fn setze_zweiter_faktor_pflicht(
        tx: &mut Tx,
        tenant_id: i64,
        pflicht: bool,
    ) -> Result<()> {
        sqlx::query("UPDATE tenants SET zweiter_faktor_pflicht = $2 WHERE id = $1")
            .bind(tenant_id)
            .bind(i64::from(pflicht))
            .execute(tx.c())
            .await?;
        Ok(())
    }

    // --- Logins waiting for the code --------------------------------------------------------

    pub async fn anmeldevorgang_anlegen(&self, token_hash: &str, v: &Anmeldevorgang) -> Result<()> {
        sqlx::query(
            "INSERT INTO anmeldevorgaenge (token_hash, user_id, tenant_id, weiter, mehrere, laeuft_ab_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(v.user_id)
        .bind(v.tenant_id)
        .bind(&v.weiter)
        .bind(i64::from(v.mehrere))
        .bind(v.laeuft_ab_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The waiting login, if it has not expired.
    pub async fn anmeldevorgang(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<Anmeldevorgang>> {
        let Some(r) = sqlx::query(
            "SELECT user_id, tenant_id, weiter, mehrere, laeuft_ab_at, versuche FROM anmeldevorgaenge \
             WHERE token_hash = $1 AND laeuft_ab_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let mehrere: i64 = r.try_get("mehrere")?;
        Ok(Some(Anmeldevorgang {
            user_id: r.try_get("user_id")?,
            tenant_id: r.try_get("tenant_id")?,
            weiter: r.try_get("weiter")?,
            mehrere: mehrere != 0,
            laeuft_ab_at: r.try_get("laeuft_ab_at")?,
            versuche: r.try_get("versuche")?,
        }))
    }

    /// Counts one try; returns how many there were, this one included (0: the login is gone).
    pub async fn anmeldevorgang_versuch(&self, token_hash: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "UPDATE anmeldevorgaenge SET versuche = versuche + 1 WHERE token_hash = $1 RETURNING versuche",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?
        .unwrap_or(0))
    }

    pub async fn anmeldevorgang_beenden(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM anmeldevorgaenge WHERE token_hash = $1 OR laeuft_ab_at < $2")
            .bind(token_hash)
            .bind(crate::now_millis() - 86_400_000)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
