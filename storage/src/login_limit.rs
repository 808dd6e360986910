//! Login rate limiting, kept in the database so it holds across any number of servers.
//!
//! Every attempt is *reserved* before the password is checked: one transaction counts the
//! attempts of the window and records this one, serialised per client address (an advisory
//! lock on PostgreSQL, the single writer on SQLite). Forty parallel attempts therefore meet a
//! limit of five exactly as forty sequential ones would.
//!
//! Three counters, chosen so that a stranger cannot lock the owner out:
//! - per account *and* address: a few failures block that pair only. Whoever guesses from
//!   another address does not block the owner at theirs;
//! - per address: a ceiling on attempts from one source, whatever account they name;
//! - per account across all addresses: beyond a threshold, attempts are *slowed* (a delay
//!   that grows with the failures, capped), never blocked, so a distributed guesser loses
//!   speed while the owner can still sign in.
//!
//! Keys are stored as SHA-256, so the table holds no e-mail addresses or IP addresses.

use crate::{Backend, Db, Millis, Result, sha256_hex};

#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub window_ms: i64,
    /// Attempts (failed or still running) for one account from one address before that pair
    /// is blocked.
    pub max_per_account_address: i64,
    /// Attempts (failed or still running) from one address, for any accounts.
    pub max_per_address: i64,
    /// Failures for one account, from all addresses, after which attempts are slowed.
    pub slow_after_account_failures: i64,
    /// Longest delay per attempt for a slowed account.
    pub max_delay_ms: i64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            window_ms: 15 * 60 * 1000,
            max_per_account_address: 5,
            max_per_address: 50,
            slow_after_account_failures: 20,
            max_delay_ms: 10_000,
        }
    }
}

/// What the limiter allows for one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginZulassung {
    /// The attempt may check the password, after waiting `delay_ms` (0 for most). The
    /// reservation must be settled with [`Db::login_settle`].
    Erlaubt {
        reservation: LoginReservation,
        delay_ms: i64,
    },
    /// Too many attempts from this address, or for this account from this address.
    Gesperrt,
}

/// The rows an allowed attempt reserved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginReservation {
    email: String,
    addr: String,
    /// The address's and the pair's rows of this attempt.
    rows: [i64; 2],
}

fn account_key(email: &str) -> String {
    sha256_hex(&format!("account:{}", normalise(email)))
}

fn address_key(addr: &str) -> String {
    sha256_hex(&format!("address:{addr}"))
}

fn pair_key(email: &str, addr: &str) -> String {
    sha256_hex(&format!("pair:{}\n{addr}", normalise(email)))
}

fn normalise(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A 64-bit advisory lock number from a key's hash.
fn lock_number(key: &str) -> i64 {
    i64::from_str_radix(&key[..15], 16).unwrap_or(0)
}

impl Db {
    /// Reserves one login attempt for this account from this address, or refuses it.
    pub async fn login_reservieren(
        &self,
        email: &str,
        addr: &str,
        limits: LoginLimits,
        now: Millis,
    ) -> Result<LoginZulassung> {
        let since = now - limits.window_ms;
        let (addr_key, pair) = (address_key(addr), pair_key(email, addr));
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock_number(&addr_key))
                .execute(tx.c())
                .await?;
        }
        // Written first: on SQLite the write takes the database's one write lock, so the
        // counts below see every attempt that committed before. The pair's row stays as the
        // failure if the password is wrong; a success removes it.
        let mut rows = [0i64; 2];
        for (row, key) in rows.iter_mut().zip([&addr_key, &pair]) {
            *row = sqlx::query_scalar(
                "INSERT INTO login_attempts (key_hash, at) VALUES ($1, $2) RETURNING id",
            )
            .bind(key)
            .bind(now)
            .fetch_one(tx.c())
            .await?;
        }
        let count = |key: String| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM login_attempts WHERE key_hash = $1 AND at > $2",
            )
            .bind(key)
            .bind(since)
        };
        let from_address = count(addr_key).fetch_one(tx.c()).await?;
        let from_pair = count(pair).fetch_one(tx.c()).await?;
        if from_address > limits.max_per_address || from_pair > limits.max_per_account_address {
            tx.rollback().await?;
            return Ok(LoginZulassung::Gesperrt);
        }
        let account_failures = count(account_key(email)).fetch_one(tx.c()).await?;
        tx.commit().await?;
        let over = account_failures - limits.slow_after_account_failures;
        let delay_ms = if over < 0 {
            0
        } else {
            // One second more per five failures beyond the threshold, capped.
            (1000 * (1 + over / 5)).min(limits.max_delay_ms)
        };
        Ok(LoginZulassung::Erlaubt {
            reservation: LoginReservation {
                email: email.to_string(),
                addr: addr.to_string(),
                rows,
            },
            delay_ms,
        })
    }

    /// Settles a reserved attempt. A failure stays counted for the address, the pair and the
    /// account. A success frees the attempt it reserved and clears the account's failures
    /// from everywhere (the owner is in; a guesser's slow-down ends with them).
    pub async fn login_settle(
        &self,
        reservation: LoginReservation,
        success: bool,
        now: Millis,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        if success {
            sqlx::query("DELETE FROM login_attempts WHERE id = $1")
                .bind(reservation.rows[0])
                .execute(tx.c())
                .await?;
            for key in [
                account_key(&reservation.email),
                pair_key(&reservation.email, &reservation.addr),
            ] {
                sqlx::query("DELETE FROM login_attempts WHERE key_hash = $1")
                    .bind(key)
                    .execute(tx.c())
                    .await?;
            }
        } else {
            sqlx::query("INSERT INTO login_attempts (key_hash, at) VALUES ($1, $2)")
                .bind(account_key(&reservation.email))
                .bind(now)
                .execute(tx.c())
                .await?;
        }
        tx.commit().await
    }

    /// Frees a reservation whose attempt never checked a password (the server was too busy).
    pub async fn login_release(&self, reservation: LoginReservation) -> Result<()> {
        for id in reservation.rows {
            sqlx::query("DELETE FROM login_attempts WHERE id = $1")
                .bind(id)
                .execute(self.pool())
                .await?;
        }
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

impl Db {
    /// Counts one request of kind `art` (e.g. `registrierung`) from a client address and
    /// says whether it is within `max` per `window_ms`: reserved atomically like a login
    /// attempt (serialised per key), so a parallel burst meets the limit exactly. Refused
    /// requests are not recorded. The table holds only hashes.
    pub async fn anfrage_erlaubt(
        &self,
        art: &str,
        addr: &str,
        window_ms: i64,
        max: i64,
        now: Millis,
    ) -> Result<bool> {
        let key = sha256_hex(&format!("{art}:{addr}"));
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock_number(&key))
                .execute(tx.c())
                .await?;
        }
        sqlx::query("INSERT INTO login_attempts (key_hash, at) VALUES ($1, $2)")
            .bind(&key)
            .bind(now)
            .execute(tx.c())
            .await?;
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_attempts WHERE key_hash = $1 AND at > $2",
        )
        .bind(&key)
        .bind(now - window_ms)
        .fetch_one(tx.c())
        .await?;
        if n > max {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }
}
