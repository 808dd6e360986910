//! Self-registration of applicants: the entered account waits for the confirmation of its
//! e-mail address (a single-use link with a limited life).

use crate::{Db, Millis, Result, Tx};
use sqlx::Row;

/// A registration waiting for (or past) its confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registrierung {
    pub id: i64,
    pub tenant_id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub laeuft_ab_at: Millis,
    pub bestaetigt_at: Option<Millis>,
}

/// What a new registration stores.
pub struct NeueRegistrierung<'a> {
    pub tenant_id: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub token_hash: &'a str,
    pub laeuft_ab_at: Millis,
}

impl Db {
    pub async fn registrierung_anlegen(
        tx: &mut Tx,
        r: &NeueRegistrierung<'_>,
        now: Millis,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO registrierungen (tenant_id, email, name, password_hash, token_hash, created_at, laeuft_ab_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(r.tenant_id)
        .bind(r.email)
        .bind(r.name)
        .bind(r.password_hash)
        .bind(r.token_hash)
        .bind(now)
        .bind(r.laeuft_ab_at)
        .fetch_one(tx.c())
        .await?)
    }

    /// Registrations for this address since `seit` (a limit on mails to one address).
    pub async fn registrierungen_seit(tx: &mut Tx, email: &str, seit: Millis) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM registrierungen WHERE email = $1 AND created_at > $2",
        )
        .bind(email)
        .bind(seit)
        .fetch_one(tx.c())
        .await?)
    }

    pub async fn registrierung_per_token(
        tx: &mut Tx,
        token_hash: &str,
    ) -> Result<Option<Registrierung>> {
        let Some(r) = sqlx::query(
            "SELECT id, tenant_id, email, name, password_hash, laeuft_ab_at, bestaetigt_at \
             FROM registrierungen WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(tx.c())
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(Registrierung {
            id: r.try_get("id")?,
            tenant_id: r.try_get("tenant_id")?,
            email: r.try_get("email")?,
            name: r.try_get("name")?,
            password_hash: r.try_get("password_hash")?,
            laeuft_ab_at: r.try_get("laeuft_ab_at")?,
            bestaetigt_at: r.try_get("bestaetigt_at")?,
        }))
    }

    /// Marks the registration confirmed; false when it already was (a second click).
    pub async fn registrierung_bestaetigen(tx: &mut Tx, id: i64, now: Millis) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE registrierungen SET bestaetigt_at = $2, password_hash = '' \
             WHERE id = $1 AND bestaetigt_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(tx.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Removes registrations that ended more than a day ago (maintenance).
    pub async fn registrierungen_aufraeumen(&self, now: Millis) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM registrierungen WHERE laeuft_ab_at < $1")
                .bind(now - 86_400_000)
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }
}

// --- Passwort vergessen --------------------------------------------------------------------

impl Db {
    pub async fn passwort_link_anlegen(
        tx: &mut Tx,
        user_id: i64,
        token_hash: &str,
        laeuft_ab_at: Millis,
        now: Millis,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO passwort_links (user_id, token_hash, created_at, laeuft_ab_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(now)
        .bind(laeuft_ab_at)
        .execute(tx.c())
        .await?;
        Ok(())
    }

    /// Links made for this person since `seit` (a limit on mails).
    pub async fn passwort_links_seit(tx: &mut Tx, user_id: i64, seit: Millis) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM passwort_links WHERE user_id = $1 AND created_at > $2",
        )
        .bind(user_id)
        .bind(seit)
        .fetch_one(tx.c())
        .await?)
    }

    /// Uses a link: its person, if it exists, is unused and has not expired; it is used up
    /// in the same statement, so two clicks cannot both use it.
    pub async fn passwort_link_einloesen(
        tx: &mut Tx,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "UPDATE passwort_links SET benutzt_at = $2 \
             WHERE token_hash = $1 AND benutzt_at IS NULL AND laeuft_ab_at > $2 RETURNING user_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(tx.c())
        .await?)
    }

    /// Sets a new password hash and ends every session of the person, in the caller's
    /// transaction; also makes the person's other open links useless.
    pub async fn passwort_neu_setzen(
        tx: &mut Tx,
        user_id: i64,
        password_hash: &str,
        now: Millis,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(tx.c())
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(tx.c())
            .await?;
        sqlx::query(
            "UPDATE passwort_links SET benutzt_at = $2 WHERE user_id = $1 AND benutzt_at IS NULL",
        )
        .bind(user_id)
        .bind(now)
        .execute(tx.c())
        .await?;
        Ok(())
    }

    /// Removes links that ended more than a day ago (maintenance).
    pub async fn passwort_links_aufraeumen(&self, now: Millis) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM passwort_links WHERE laeuft_ab_at < $1")
                .bind(now - 86_400_000)
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }
}
