//! Managing the Stellen a tenant asks: their names, Rechtsbereich and Gemeinde, and their
//! members (Fachstelle accounts). Requests and statements live in [`crate::beteiligung`].

use crate::{Db, Konflikt, Millis, Result, StoreError, Tx};
use serde::Serialize;
use sqlx::Row;

/// A member of a Stelle, as the admin page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stellenmitglied {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
}

impl Db {
    /// The members of a Stelle, by name.
    pub async fn stellenmitglieder(&self, stelle_id: i64) -> Result<Vec<Stellenmitglied>> {
        let rows = sqlx::query(
            "SELECT u.id, u.display_name, u.email FROM stellen_mitglieder m JOIN users u ON u.id = m.user_id \
             WHERE m.stelle_id = $1 ORDER BY u.display_name, u.id",
        )
        .bind(stelle_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Stellenmitglied {
                    user_id: r.try_get("id")?,
                    display_name: r.try_get("display_name")?,
                    email: r.try_get("email")?,
                })
            })
            .collect()
    }

    /// Every Stelle of the installation (for the operator), Land-wide ones first.
    pub async fn alle_stellen(&self) -> Result<Vec<crate::beteiligung::Stelle>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, name, rechtsbereich, gemeinde_ags FROM stellen \
             ORDER BY tenant_id IS NOT NULL, tenant_id, name, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(crate::beteiligung::stelle_aus).collect()
    }

    /// Removes a member; false if they were not one.
    pub async fn entferne_stellenmitglied(&self, stelle_id: i64, user_id: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let weg = Db::entferne_stellenmitglied_in(&mut tx, stelle_id, user_id).await?;
        tx.commit().await?;
        Ok(weg)
    }

    /// Removes a member in the caller's transaction (with its audit entry); false if they
    /// were not one.
    pub async fn entferne_stellenmitglied_in(
        conn: &mut Tx,
        stelle_id: i64,
        user_id: i64,
    ) -> Result<bool> {
        Ok(
            sqlx::query("DELETE FROM stellen_mitglieder WHERE stelle_id = $1 AND user_id = $2")
                .bind(stelle_id)
                .bind(user_id)
                .execute(conn.c())
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// Makes a user a member of a Stelle in the caller's transaction (with its audit entry).
    /// `Konflikt::StellenmitgliedVorhanden` when they are one already.
    pub async fn neues_stellenmitglied(conn: &mut Tx, stelle_id: i64, user_id: i64) -> Result<()> {
        sqlx::query("INSERT INTO stellen_mitglieder (stelle_id, user_id) VALUES ($1, $2)")
            .bind(stelle_id)
            .bind(user_id)
            .execute(conn.c())
            .await
            .map_err(|e| StoreError::on_unique(e, Konflikt::StellenmitgliedVorhanden))?;
        Ok(())
    }

    /// Creates a Stelle in the caller's transaction (with its audit entry): a tenant's own
    /// (`Some(tenant)`) or a Land-wide one (`None`). Returns its id.
    pub async fn neue_stelle(
        conn: &mut Tx,
        tenant_id: Option<i64>,
        name: &str,
        rechtsbereich: &str,
        gemeinde_ags: Option<&str>,
        now: Millis,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO stellen (tenant_id, name, rechtsbereich, gemeinde_ags, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(tenant_id)
        .bind(name)
        .bind(rechtsbereich)
        .bind(gemeinde_ags)
        .bind(now)
        .fetch_one(conn.c())
        .await?)
    }

    /// Is this user a member of this Stelle?
    pub async fn ist_stellenmitglied(&self, stelle_id: i64, user_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM stellen_mitglieder WHERE stelle_id = $1 AND user_id = $2",
        )
        .bind(stelle_id)
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n == 1)
    }

    /// Changes name, Rechtsbereich and Gemeinde of a tenant's own Stelle (never a Land-wide
    /// one through a tenant). NotFound if it is not the tenant's.
    pub async fn aendere_stelle(
        &self,
        tenant_id: i64,
        stelle_id: i64,
        name: &str,
        rechtsbereich: &str,
        gemeinde_ags: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        Db::aendere_stelle_in(
            &mut tx,
            Some(tenant_id),
            stelle_id,
            name,
            rechtsbereich,
            gemeinde_ags,
        )
        .await?;
        tx.commit().await
    }

    /// Changes a Stelle in the caller's transaction (with its audit entry): a tenant's own
    /// (`Some(tenant)`) or a Land-wide one (`None`); NotFound if the Stelle is not of that
    /// kind, so a tenant never changes a Land-wide Stelle or another tenant's.
    pub async fn aendere_stelle_in(
        conn: &mut Tx,
        tenant_id: Option<i64>,
        stelle_id: i64,
        name: &str,
        rechtsbereich: &str,
        gemeinde_ags: Option<&str>,
    ) -> Result<()> {
        let q = match tenant_id {
            Some(_) => {
                "UPDATE stellen SET name = $3, rechtsbereich = $4, gemeinde_ags = $5 WHERE id = $1 AND tenant_id = $2"
            }
            None => {
                "UPDATE stellen SET name = $2, rechtsbereich = $3, gemeinde_ags = $4 WHERE id = $1 AND tenant_id IS NULL"
            }
        };
        let mut q = sqlx::query(q).bind(stelle_id);
        if let Some(t) = tenant_id {
            q = q.bind(t);
        }
        let n = q
            .bind(name)
            .bind(rechtsbereich)
            .bind(gemeinde_ags)
            .execute(conn.c())
            .await?
            .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::fresh_db;
    use crate::{Db, now_millis};
    use plankammer_domain::{Email, Role, TenantSlug};

    #[tokio::test]
    async fn members_are_listed_added_and_removed_and_only_own_stellen_change() {
        let (db, _dir) = fresh_db().await;
        let t = db
            .create_tenant(&TenantSlug::parse("kreis").unwrap(), "Kreis", now_millis())
            .await
            .unwrap()
            .id;
        let andere = db
            .create_tenant(
                &TenantSlug::parse("andere").unwrap(),
                "Andere",
                now_millis(),
            )
            .await
            .unwrap()
            .id;
        let mut tx = db.begin().await.unwrap();
        let u = Db::create_user(
            &mut tx,
            &Email::parse("fs@example.org").unwrap(),
            "Frida",
            "x",
            now_millis(),
        )
        .await
        .unwrap();
        Db::add_membership(&mut tx, u.id, t, Role::Fachstelle, now_millis())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let s = db
            .lege_stelle_an(Some(t), "Brandschutz", "", None, now_millis())
            .await
            .unwrap();
        let land = db
            .lege_stelle_an(None, "Landesamt", "", None, now_millis())
            .await
            .unwrap();
        assert!(db.stellenmitglieder(s).await.unwrap().is_empty());
        db.fuege_stellenmitglied_hinzu(s, u.id).await.unwrap();
        assert!(db.ist_stellenmitglied(s, u.id).await.unwrap());
        let m = db.stellenmitglieder(s).await.unwrap();
        assert_eq!(
            (m.len(), m[0].email.as_str(), m[0].display_name.as_str()),
            (1, "fs@example.org", "Frida")
        );
        assert!(db.entferne_stellenmitglied(s, u.id).await.unwrap());
        assert!(!db.entferne_stellenmitglied(s, u.id).await.unwrap());
        assert!(!db.ist_stellenmitglied(s, u.id).await.unwrap());

        db.aendere_stelle(t, s, "Brandschutzdienststelle", "Brandschutz", None)
            .await
            .unwrap();
        assert_eq!(db.stelle(s).await.unwrap().name, "Brandschutzdienststelle");
        assert!(matches!(
            db.aendere_stelle(andere, s, "fremd", "", None).await,
            Err(crate::StoreError::NotFound)
        ));
        assert!(matches!(
            db.aendere_stelle(t, land, "fremd", "", None).await,
            Err(crate::StoreError::NotFound)
        ));
    }
}
