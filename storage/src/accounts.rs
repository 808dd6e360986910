//! Tenants (Behörden), users, their roles, and password hashing (argon2id).

use crate::{Db, Konflikt, Millis, Result, StoreError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use plankammer_domain::{Email, Role, TenantSlug};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub disabled: bool,
}

/// A user as member of one tenant, with the role they have there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user: User,
    pub tenant: Tenant,
    pub role: Role,
    /// The tenant's admin deactivated the person in this tenant.
    pub gesperrt: bool,
}

/// Hashes a password with argon2id and the crate's default (OWASP-recommended) parameters.
/// CPU-heavy: call it from a blocking thread.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Corrupt(format!("hashing password: {e}")))
}

/// Checks a password against a stored hash in constant time. CPU-heavy.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows, verified when a login names an unknown account so that
/// the answer takes as long as for a known one.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("plankammer-timing-equaliser").unwrap_or_default())
}

fn tenant_from_row(r: &sqlx::any::AnyRow, prefix: &str) -> Result<Tenant> {
    Ok(Tenant {
        id: r.try_get(format!("{prefix}id").as_str())?,
        slug: r.try_get(format!("{prefix}slug").as_str())?,
        name: r.try_get(format!("{prefix}name").as_str())?,
    })
}

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<User> {
    let disabled_at: Option<i64> = r.try_get("disabled_at")?;
    Ok(User {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        disabled: disabled_at.is_some(),
    })
}

const MEMBER_COLS: &str = "u.id, u.email, u.display_name, u.disabled_at, m.role, m.gesperrt_at, \
     t.id AS t_id, t.slug AS t_slug, t.name AS t_name";

fn member_from_row(r: &sqlx::any::AnyRow) -> Result<Member> {
    let role: String = r.try_get("role")?;
    let gesperrt_at: Option<i64> = r.try_get("gesperrt_at")?;
    Ok(Member {
        user: user_from_row(r)?,
        tenant: tenant_from_row(r, "t_")?,
        role: Role::from_code(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
        gesperrt: gesperrt_at.is_some(),
    })
}

impl Db {
    /// Creates a tenant on its own.
    pub async fn create_tenant(
        &self,
        slug: &TenantSlug,
        name: &str,
        now: Millis,
    ) -> Result<Tenant> {
        let mut tx = self.begin().await?;
        let t = Db::lege_tenant_an(&mut tx, slug, name, now).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Creates a tenant in the caller's transaction (with its audit entry).
    /// `Konflikt::TenantVergeben` when the slug is taken.
    pub async fn lege_tenant_an(
        conn: &mut crate::Tx,
        slug: &TenantSlug,
        name: &str,
        now: Millis,
    ) -> Result<Tenant> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(slug.as_str())
        .bind(name)
        .bind(now)
        .fetch_one(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::TenantVergeben))?;
        Ok(Tenant {
            id,
            slug: slug.as_str().to_string(),
            name: name.to_string(),
        })
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Tenant> {
        let row = sqlx::query("SELECT id, slug, name FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        tenant_from_row(&row, "")
    }

    pub async fn tenant(&self, id: i64) -> Result<Tenant> {
        let row = sqlx::query("SELECT id, slug, name FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        tenant_from_row(&row, "")
    }

    pub async fn tenants(&self) -> Result<Vec<Tenant>> {
        let rows = sqlx::query("SELECT id, slug, name FROM tenants ORDER BY name, id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| tenant_from_row(r, "")).collect()
    }

    /// Creates a user inside the caller's transaction (so the welcome mail can join it).
    pub async fn create_user(
        conn: &mut crate::Tx,
        email: &Email,
        display_name: &str,
        password_hash: &str,
        now: Millis,
    ) -> Result<User> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(email.as_str())
        .bind(display_name)
        .bind(password_hash)
        .bind(now)
        .fetch_one(conn.c())
        .await
        .map_err(|e| StoreError::on_unique(e, Konflikt::EmailVergeben))?;
        Ok(User {
            id,
            email: email.as_str().to_string(),
            display_name: display_name.to_string(),
            disabled: false,
        })
    }

    pub async fn add_membership(
        conn: &mut crate::Tx,
        user_id: i64,
        tenant_id: i64,
        role: Role,
        now: Millis,
    ) -> Result<()> {
        sqlx::query("INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(tenant_id)
            .bind(role.code())
            .bind(now)
            .execute(conn.c())
            .await
            .map_err(|e| StoreError::on_unique(e, Konflikt::MitgliedschaftVorhanden))?;
        Ok(())
    }

    /// The password hash and id of an enabled user, for login.
    pub async fn credentials(&self, email: &Email) -> Result<Option<(i64, String)>> {
        let row = sqlx::query(
            "SELECT id, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL",
        )
        .bind(email.as_str())
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("id")?, r.try_get("password_hash")?)),
            None => None,
        })
    }

    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(self.pool())
            .await?
            .rows_affected();
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// Every tenant the user is an active member of, with the role there (first by tenant
    /// name); deactivated memberships are left out.
    pub async fn memberships_of(&self, user_id: i64) -> Result<Vec<Member>> {
        let rows = sqlx::query(&format!(
            "SELECT {MEMBER_COLS} FROM users u JOIN memberships m ON m.user_id = u.id \
             JOIN tenants t ON t.id = m.tenant_id WHERE u.id = $1 AND m.gesperrt_at IS NULL \
             ORDER BY t.name, t.id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(member_from_row).collect()
    }

    /// The user as active member of this tenant; `NotFound` when they are not one (or the
    /// account is disabled, or the membership deactivated). Sessions and tokens resolve
    /// through this, so a deactivation takes effect on the next request.
    pub async fn member(&self, user_id: i64, tenant_id: i64) -> Result<Member> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLS} FROM users u JOIN memberships m ON m.user_id = u.id \
             JOIN tenants t ON t.id = m.tenant_id \
             WHERE u.id = $1 AND t.id = $2 AND u.disabled_at IS NULL AND m.gesperrt_at IS NULL"
        ))
        .bind(user_id)
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        member_from_row(&row)
    }

    /// A member of the tenant as its admin sees them: deactivated ones too.
    pub async fn mitglied_der_behoerde(&self, user_id: i64, tenant_id: i64) -> Result<Member> {
        let row = sqlx::query(&format!(
            "SELECT {MEMBER_COLS} FROM users u JOIN memberships m ON m.user_id = u.id \
             JOIN tenants t ON t.id = m.tenant_id WHERE u.id = $1 AND t.id = $2"
        ))
        .bind(user_id)
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        member_from_row(&row)
    }

    /// Deactivates (`true`) or reactivates the membership; deactivating ends the person's
    /// sessions in the tenant and revokes their tokens for it, in the caller's transaction.
    /// False when nothing changed.
    pub async fn mitgliedschaft_sperren(
        tx: &mut crate::Tx,
        user_id: i64,
        tenant_id: i64,
        sperren: bool,
        now: Millis,
    ) -> Result<bool> {
        let sql = if sperren {
            "UPDATE memberships SET gesperrt_at = $3 WHERE user_id = $1 AND tenant_id = $2 AND gesperrt_at IS NULL"
        } else {
            "UPDATE memberships SET gesperrt_at = NULL WHERE user_id = $1 AND tenant_id = $2 AND gesperrt_at IS NOT NULL AND $3 > 0"
        };
        let n = sqlx::query(sql)
            .bind(user_id)
            .bind(tenant_id)
            .bind(now)
            .execute(tx.c())
            .await?
            .rows_affected();
        if sperren && n == 1 {
            Db::zugaenge_beenden(tx, user_id, tenant_id, now).await?;
        }
        Ok(n == 1)
    }

    /// Ends the person's sessions in the tenant and revokes their tokens for it.
    pub async fn zugaenge_beenden(
        tx: &mut crate::Tx,
        user_id: i64,
        tenant_id: i64,
        now: Millis,
    ) -> Result<u64> {
        let sitzungen = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND tenant_id = $2")
            .bind(user_id)
            .bind(tenant_id)
            .execute(tx.c())
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $3 WHERE user_id = $1 AND tenant_id = $2 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .bind(tenant_id)
        .bind(now)
        .execute(tx.c())
        .await?;
        Ok(sitzungen)
    }

    /// Changes the person's role in the tenant; false when they are no member.
    pub async fn rolle_setzen(
        tx: &mut crate::Tx,
        user_id: i64,
        tenant_id: i64,
        role: Role,
    ) -> Result<bool> {
        Ok(
            sqlx::query("UPDATE memberships SET role = $3 WHERE user_id = $1 AND tenant_id = $2")
                .bind(user_id)
                .bind(tenant_id)
                .bind(role.code())
                .execute(tx.c())
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// The members of one tenant, by name. Never crosses tenants.
    pub async fn members_of_tenant(&self, tenant_id: i64) -> Result<Vec<Member>> {
        let rows = sqlx::query(&format!(
            "SELECT {MEMBER_COLS} FROM users u JOIN memberships m ON m.user_id = u.id \
             JOIN tenants t ON t.id = m.tenant_id WHERE t.id = $1 ORDER BY u.display_name, u.id"
        ))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(member_from_row).collect()
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let row =
            sqlx::query("SELECT id, email, display_name, disabled_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok(User {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        })
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<User> {
        let row =
            sqlx::query("SELECT id, email, display_name, disabled_at FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(self.pool())
                .await?
                .ok_or(StoreError::NotFound)?;
        user_from_row(&row)
    }
}
