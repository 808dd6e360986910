//! Login sessions, stored in the database so any number of servers can share them.
//!
//! The browser holds a random session secret; the database holds only its SHA-256, so a
//! leaked database copy does not let anyone log in. Each session carries its CSRF token.

use crate::{Db, Millis, Result, Tx, random_token, sha256_hex};
use serde::Serialize;
use sqlx::Row;

/// One of a person's live sessions, as "Mein Konto" lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SitzungsEintrag {
    /// The session's public id: the SHA-256 of its secret (the secret stays in the browser).
    pub id: String,
    pub behoerde: String,
    pub created_at: Millis,
    pub expires_at: Millis,
}

/// The public id of the session with this secret.
pub fn sitzungs_id(secret: &str) -> String {
    sha256_hex(secret)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: i64,
    pub tenant_id: i64,
    pub csrf_token: String,
    pub expires_at: Millis,
    /// The OpenID provider the person signed in through (None: a local password).
    pub anbieter: Option<String>,
    /// The trust level (acr) that provider reported for this sign-in.
    pub niveau: Option<String>,
}

/// What the browser gets: the secret for the cookie (shown once, stored hashed).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub session: Session,
}

impl Db {
    pub async fn create_session(
        &self,
        user_id: i64,
        tenant_id: i64,
        now: Millis,
        ttl_ms: i64,
    ) -> Result<NewSession> {
        let secret = random_token(32);
        let csrf_token = random_token(32);
        let expires_at = now + ttl_ms;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, tenant_id, csrf_token, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $5)",
        )
        .bind(sha256_hex(&secret))
        .bind(user_id)
        .bind(tenant_id)
        .bind(&csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(NewSession {
            secret,
            session: Session {
                user_id,
                tenant_id,
                csrf_token,
                expires_at,
                anbieter: None,
                niveau: None,
            },
        })
    }

    /// The live session for this secret, if any. A disabled user has no live session.
    pub async fn session(&self, secret: &str, now: Millis) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.user_id, s.tenant_id, s.csrf_token, s.expires_at, s.anbieter, s.niveau FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(sha256_hex(secret))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => Some(Session {
                user_id: r.try_get("user_id")?,
                tenant_id: r.try_get("tenant_id")?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
                anbieter: r.try_get("anbieter")?,
                niveau: r.try_get("niveau")?,
            }),
            None => None,
        })
    }

    pub async fn delete_session(&self, secret: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(sha256_hex(secret))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_expired_sessions(&self, now: Millis) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await?
            .rows_affected())
    }

    /// The person's live sessions, newest first.
    pub async fn sitzungen_von(&self, user_id: i64, now: Millis) -> Result<Vec<SitzungsEintrag>> {
        let rows = sqlx::query(
            "SELECT s.id_hash, t.name, s.created_at, s.expires_at FROM sessions s \
             JOIN tenants t ON t.id = s.tenant_id \
             WHERE s.user_id = $1 AND s.expires_at > $2 ORDER BY s.created_at DESC, s.id_hash",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SitzungsEintrag {
                    id: r.try_get("id_hash")?,
                    behoerde: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Ends one of the person's sessions; false when it is not theirs (or gone).
    pub async fn sitzung_beenden(tx: &mut Tx, user_id: i64, id: &str) -> Result<bool> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2")
                .bind(user_id)
                .bind(id)
                .execute(tx.c())
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// Ends every session of the person but `behalten`; returns how many ended.
    pub async fn andere_sitzungen_beenden(
        tx: &mut Tx,
        user_id: i64,
        behalten: &str,
    ) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user_id)
                .bind(behalten)
                .execute(tx.c())
                .await?
                .rows_affected(),
        )
    }
}
