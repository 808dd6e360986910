//! Login rate limiting, kept in the database so it holds across any number of servers.
//!
//! Failed attempts are counted per account and per client address over a sliding window.
//! Keys are stored as SHA-256, so the table holds no e-mail addresses or IP addresses.

use crate::{Db, Millis, Result, sha256_hex};

#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub window_ms: i64,
    pub max_per_account: i64,
    pub max_per_address: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            window_ms: 15 * 60 * 1000,
            max_per_account: 5,
            max_per_address: 50,
        }
    }
}

fn account_key(email: &str) -> String {
    sha256_hex(&format!("account:{}", email.trim().to_lowercase()))
}

fn address_key(addr: &str) -> String {
    sha256_hex(&format!("address:{addr}"))
}

impl Db {
    /// Is another attempt allowed for this account from this address?
    pub async fn login_allowed(
        &self,
        email: &str,
        addr: &str,
        limits: LoginLimits,
        now: Millis,
    ) -> Result<bool> {
        let since = now - limits.window_ms;
        let count = |key: String| async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM login_attempts WHERE key_hash = $1 AND at > $2",
            )
            .bind(key)
            .bind(since)
            .fetch_one(self.pool())
            .await
        };
        Ok(count(account_key(email)).await? < limits.max_per_account
            && count(address_key(addr)).await? < limits.max_per_address)
    }

    pub async fn record_login_failure(&self, email: &str, addr: &str, now: Millis) -> Result<()> {
        for key in [account_key(email), address_key(addr)] {
            sqlx::query("INSERT INTO login_attempts (key_hash, at) VALUES ($1, $2)")
                .bind(key)
                .bind(now)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    /// A successful login clears the account's failures (not the address's).
    pub async fn record_login_success(&self, email: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_attempts WHERE key_hash = $1")
            .bind(account_key(email))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn purge_login_attempts(&self, older_than: Millis) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM login_attempts WHERE at <= $1")
            .bind(older_than)
            .execute(self.pool())
            .await?
            .rows_affected())
    }
}
