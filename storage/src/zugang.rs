//! Invitations of a tenant admin to join the authority (Zugangseinladungen): accepted with
//! the mailed link, by a new account or an existing one.

use crate::{Db, Millis, Result, Tx};
use plankammer_domain::Role;
use sqlx::Row;

/// One invitation as the admin and the invited person see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zugangseinladung {
    pub id: i64,
    pub tenant_id: i64,
    pub email: String,
    /// The name the admin typed (never the name of an existing account).
    pub name: String,
    pub role: Role,
    pub created_at: Millis,
    pub laeuft_ab_at: Millis,
    pub angenommen_at: Option<Millis>,
    pub zurueckgezogen_at: Option<Millis>,
}

impl Zugangseinladung {
    /// Neither accepted nor withdrawn nor expired.
    pub fn offen(&self, now: Millis) -> bool {
        self.angenommen_at.is_none() && self.zurueckgezogen_at.is_none() && now < self.laeuft_ab_at
    }
}

/// What a new invitation stores.
pub struct NeueZugangseinladung<'a> {
    pub tenant_id: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub eingeladen_von: Option<i64>,
    pub laeuft_ab_at: Millis,
}

const COLS: &str =
    "id, tenant_id, email, name, role, created_at, laeuft_ab_at, angenommen_at, zurueckgezogen_at";

fn zeile(r: &sqlx::any::AnyRow) -> Result<Zugangseinladung> {
    let role: String = r.try_get("role")?;
    Ok(Zugangseinladung {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        role: Role::from_code(&role)
            .ok_or_else(|| crate::StoreError::Corrupt(format!("unknown role {role}")))?,
        created_at: r.try_get("created_at")?,
        laeuft_ab_at: r.try_get("laeuft_ab_at")?,
        angenommen_at: r.try_get("angenommen_at")?,
        zurueckgezogen_at: r.try_get("zurueckgezogen_at")?,
    })
}

impl Db {
    /// Serialises invitations of one tenant (the open-invitation check and the daily
    /// count). SQLite has one writer anyway.
    pub async fn sperre_zugangseinladungen(
        conn: &mut Tx,
        backend: crate::Backend,
        tenant_id: i64,
    ) -> Result<()> {
        if backend == crate::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(8, CAST($1 AS INTEGER))")
                .bind(tenant_id)
                .execute(conn.c())
                .await?;
        }
        Ok(())
    }

    pub async fn zugangseinladung_anlegen(
        tx: &mut Tx,
        e: &NeueZugangseinladung<'_>,
        now: Millis,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO zugangseinladungen (tenant_id, email, name, role, token_hash, eingeladen_von, created_at, laeuft_ab_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(e.tenant_id)
        .bind(e.email)
        .bind(e.name)
        .bind(e.role.code())
        .bind(e.token_hash)
        .bind(e.eingeladen_von)
        .bind(now)
        .bind(e.laeuft_ab_at)
        .fetch_one(tx.c())
        .await?)
    }

    /// Invitations the tenant sent since `seit` (a limit on mails in the authority's name).
    pub async fn zugangseinladungen_seit(tx: &mut Tx, tenant_id: i64, seit: Millis) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM zugangseinladungen WHERE tenant_id = $1 AND created_at > $2",
        )
        .bind(tenant_id)
        .bind(seit)
        .fetch_one(tx.c())
        .await?)
    }

    /// Whether this address has an open invitation to the tenant.
    pub async fn zugangseinladung_offen_fuer(
        tx: &mut Tx,
        tenant_id: i64,
        email: &str,
        now: Millis,
    ) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM zugangseinladungen WHERE tenant_id = $1 AND email = $2 \
             AND angenommen_at IS NULL AND zurueckgezogen_at IS NULL AND laeuft_ab_at > $3",
        )
        .bind(tenant_id)
        .bind(email)
        .bind(now)
        .fetch_one(tx.c())
        .await?;
        Ok(n > 0)
    }

    /// Whether the person with this address is already a member of the tenant. Only ever
    /// answers about the admin's own tenant, whose members the admin sees anyway.
    pub async fn mitglied_mit_adresse(tx: &mut Tx, tenant_id: i64, email: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 AND u.email = $2",
        )
        .bind(tenant_id)
        .bind(email)
        .fetch_one(tx.c())
        .await?;
        Ok(n > 0)
    }

    /// The tenant's open invitations, newest first.
    pub async fn offene_zugangseinladungen(
        &self,
        tenant_id: i64,
        now: Millis,
    ) -> Result<Vec<Zugangseinladung>> {
        sqlx::query(&format!(
            "SELECT {COLS} FROM zugangseinladungen WHERE tenant_id = $1 \
             AND angenommen_at IS NULL AND zurueckgezogen_at IS NULL AND laeuft_ab_at > $2 \
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(tenant_id)
        .bind(now)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(zeile)
        .collect()
    }

    /// The invitation behind a mailed link, in any state (the caller says why it is not
    /// usable).
    pub async fn zugangseinladung_per_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<Zugangseinladung>> {
        sqlx::query(&format!(
            "SELECT {COLS} FROM zugangseinladungen WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(zeile)
        .transpose()
    }

    /// Marks the invitation accepted by this person if it is still open; false when it was
    /// not (a second click, withdrawn meanwhile, expired).
    pub async fn zugangseinladung_annehmen(
        tx: &mut Tx,
        id: i64,
        user_id: i64,
        now: Millis,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE zugangseinladungen SET angenommen_at = $2, angenommen_von = $3 \
             WHERE id = $1 AND angenommen_at IS NULL AND zurueckgezogen_at IS NULL AND laeuft_ab_at > $2",
        )
        .bind(id)
        .bind(now)
        .bind(user_id)
        .execute(tx.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Withdraws an open invitation of the tenant; false when there is none with this id.
    pub async fn zugangseinladung_zurueckziehen(
        tx: &mut Tx,
        tenant_id: i64,
        id: i64,
        now: Millis,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE zugangseinladungen SET zurueckgezogen_at = $3 \
             WHERE id = $1 AND tenant_id = $2 AND angenommen_at IS NULL AND zurueckgezogen_at IS NULL",
        )
        .bind(id)
        .bind(tenant_id)
        .bind(now)
        .execute(tx.c())
        .await?
        .rows_affected()
            == 1)
    }
}
