//! Personal access tokens for machine clients (an architect's CAD or office software).
//!
//! A token is shown once at creation; the database keeps its SHA-256 and a short prefix
//! so the person can tell their tokens apart.

use crate::{Db, Millis, Result, StoreError, random_token, sha256_hex};
use serde::Serialize;
use sqlx::Row;

pub const TOKEN_PREFIX: &str = "pkt_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rechte {
    /// Only reading requests (GET, HEAD).
    Lesen,
    /// Reading and changing, as the person could in the browser.
    Schreiben,
}

impl Rechte {
    pub fn code(self) -> &'static str {
        match self {
            Rechte::Lesen => "lesen",
            Rechte::Schreiben => "schreiben",
        }
    }

    pub fn from_code(s: &str) -> Option<Rechte> {
        match s {
            "lesen" => Some(Rechte::Lesen),
            "schreiben" => Some(Rechte::Schreiben),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, for recognising it.
    pub prefix: String,
    pub created_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
    pub rechte: Rechte,
    /// When the token stops working.
    pub laeuft_ab_at: Option<Millis>,
    /// The one case the token reaches (`None`: every case the person sees).
    pub vorgang_id: Option<i64>,
}

/// What a new token is: whose, its name, rights, end and (optionally) its one case.
#[derive(Debug, Clone, Copy)]
pub struct NeuerToken<'a> {
    pub user_id: i64,
    pub tenant_id: i64,
    pub name: &'a str,
    pub rechte: Rechte,
    pub laeuft_ab_at: Millis,
    pub vorgang_id: Option<i64>,
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub token_id: i64,
    pub user_id: i64,
    pub tenant_id: i64,
    pub rechte: Rechte,
    pub vorgang_id: Option<i64>,
}

fn rechte_aus(s: &str) -> Result<Rechte> {
    Rechte::from_code(s).ok_or_else(|| StoreError::Corrupt(format!("api_tokens.rechte: {s}")))
}

fn token_from_row(r: &sqlx::any::AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
        rechte: rechte_aus(&r.try_get::<String, _>("rechte")?)?,
        laeuft_ab_at: r.try_get("laeuft_ab_at")?,
        vorgang_id: r.try_get("vorgang_id")?,
    })
}

impl Db {
    /// Creates a token inside the caller's transaction; returns it with the secret (shown once).
    pub async fn create_token(
        conn: &mut crate::Tx,
        neu: &NeuerToken<'_>,
        now: Millis,
    ) -> Result<(ApiToken, String)> {
        let NeuerToken {
            user_id,
            tenant_id,
            name,
            rechte,
            laeuft_ab_at,
            vorgang_id,
        } = *neu;
        let secret = format!("{TOKEN_PREFIX}{}", random_token(32));
        let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, tenant_id, name, token_hash, prefix, created_at, rechte, laeuft_ab_at, vorgang_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(user_id)
        .bind(tenant_id)
        .bind(name)
        .bind(sha256_hex(&secret))
        .bind(&prefix)
        .bind(now)
        .bind(rechte.code())
        .bind(laeuft_ab_at)
        .bind(vorgang_id)
        .fetch_one(conn.c())
        .await?;
        Ok((
            ApiToken {
                id,
                name: name.to_string(),
                prefix,
                created_at: now,
                last_used_at: None,
                revoked_at: None,
                rechte,
                laeuft_ab_at: Some(laeuft_ab_at),
                vorgang_id,
            },
            secret,
        ))
    }

    pub async fn tokens_of(&self, user_id: i64, tenant_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at, rechte, laeuft_ab_at, vorgang_id FROM api_tokens \
             WHERE user_id = $1 AND tenant_id = $2 ORDER BY created_at DESC, id DESC",
        )
        .bind(user_id)
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes one of the user's own tokens. `NotFound` for someone else's or an unknown one.
    pub async fn revoke_token(
        tx: &mut crate::Tx,
        user_id: i64,
        token_id: i64,
        now: Millis,
    ) -> Result<()> {
        let n = sqlx::query("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3")
            .bind(now)
            .bind(token_id)
            .bind(user_id)
            .execute(tx.c())
            .await?
            .rows_affected();
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// The owner of a presented token, if it is valid (known, not revoked, not expired, user
    /// enabled).
    /// Records the use, at most once a minute per token.
    pub async fn authenticate_token(
        &self,
        secret: &str,
        now: Millis,
    ) -> Result<Option<TokenOwner>> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.tenant_id, t.last_used_at, t.rechte, t.vorgang_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL \
             AND (t.laeuft_ab_at IS NULL OR t.laeuft_ab_at > $2)",
        )
        .bind(sha256_hex(secret))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let owner = TokenOwner {
            token_id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            tenant_id: r.try_get("tenant_id")?,
            rechte: rechte_aus(&r.try_get::<String, _>("rechte")?)?,
            vorgang_id: r.try_get("vorgang_id")?,
        };
        let last: Option<i64> = r.try_get("last_used_at")?;
        if last.is_none_or(|l| now - l > 60_000) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(owner.token_id)
                .execute(self.pool())
                .await?;
        }
        Ok(Some(owner))
    }

    /// The case an object of an API path belongs to (`documents`, `versions`, `anfragen`
    /// and `beteiligungen` by id), for tokens bound to one case; `None` for an unknown kind
    /// or object.
    pub async fn vorgang_des_objekts(&self, art: &str, id: i64) -> Result<Option<i64>> {
        let tabelle = match art {
            "documents" => "dokumente",
            "versions" => "dokument_versionen",
            "anfragen" | "beteiligungen" => "beteiligungen",
            _ => return Ok(None),
        };
        Ok(
            sqlx::query_scalar(&format!("SELECT vorgang_id FROM {tabelle} WHERE id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
