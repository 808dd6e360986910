//! Sign-in through OpenID Connect providers: sign-ins on their way to the provider, accounts
//! linked to a provider's subject, the tenant admin's mapping of groups to roles, and the
//! tenant's sign-in settings.

use crate::{Db, Millis, Result, StoreError, Tx};
use plankammer_domain::Role;
use sqlx::Row;

/// A sign-in sent to the provider, waiting for it to come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcAnmeldung {
    pub anbieter: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go after signing in (a path of this origin).
    pub weiter: String,
    pub laeuft_ab_at: Millis,
    /// The signed-in person who links their account to the provider (else a sign-in).
    pub verbinden_user_id: Option<i64>,
}

/// A new applicant who came back from the provider and still chooses their authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WartendeAnmeldung {
    pub anbieter: String,
    pub user_id: i64,
    pub niveau: Option<String>,
    pub weiter: String,
}

/// One row of a tenant's mapping from the staff provider's groups to roles.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Gruppenzuordnung {
    pub id: i64,
    pub gruppe: String,
    pub role: Role,
    /// For Fachstelle members: the Stelle they answer for.
    pub stelle_id: Option<i64>,
    pub stelle_name: Option<String>,
}

/// How people of a tenant may sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anmeldeeinstellungen {
    /// Staff may sign in with a local password (off: only through the provider).
    pub lokale_anmeldung: bool,
    /// The least trust level (code) an applicant's sign-in needs to submit.
    pub mindest_niveau: Option<String>,
}

impl Db {
    pub async fn oidc_anmeldung_anlegen(&self, state_hash: &str, a: &OidcAnmeldung) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_anmeldungen (state_hash, anbieter, nonce, pkce_verifier, weiter, laeuft_ab_at, verbinden_user_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(state_hash)
        .bind(&a.anbieter)
        .bind(&a.nonce)
        .bind(&a.pkce_verifier)
        .bind(&a.weiter)
        .bind(a.laeuft_ab_at)
        .bind(a.verbinden_user_id)
        .execute(self.pool())
        .await?;
        // Sign-ins nobody finished are of no use to anyone once expired.
        sqlx::query("DELETE FROM oidc_anmeldungen WHERE laeuft_ab_at < $1")
            .bind(a.laeuft_ab_at - 24 * 3600 * 1000)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Takes the sign-in with this state, once: a second callback with the same state (a
    /// replayed code) finds nothing, as does an expired one.
    pub async fn oidc_anmeldung_einloesen(
        &self,
        state_hash: &str,
        now: Millis,
    ) -> Result<Option<OidcAnmeldung>> {
        let n = sqlx::query(
            "UPDATE oidc_anmeldungen SET benutzt_at = $2 \
             WHERE state_hash = $1 AND benutzt_at IS NULL AND laeuft_ab_at > $2",
        )
        .bind(state_hash)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(None);
        }
        let r = sqlx::query(
            "SELECT anbieter, nonce, pkce_verifier, weiter, laeuft_ab_at, verbinden_user_id FROM oidc_anmeldungen WHERE state_hash = $1",
        )
        .bind(state_hash)
        .fetch_one(self.pool())
        .await?;
        Ok(Some(OidcAnmeldung {
            anbieter: r.try_get("anbieter")?,
            nonce: r.try_get("nonce")?,
            pkce_verifier: r.try_get("pkce_verifier")?,
            weiter: r.try_get("weiter")?,
            laeuft_ab_at: r.try_get("laeuft_ab_at")?,
            verbinden_user_id: r.try_get("verbinden_user_id")?,
        }))
    }

    /// A used sign-in now waits for a new applicant's choice of authority.
    pub async fn oidc_anmeldung_wartet(
        &self,
        state_hash: &str,
        user_id: i64,
        niveau: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE oidc_anmeldungen SET user_id = $2, niveau = $3 WHERE state_hash = $1")
            .bind(state_hash)
            .bind(user_id)
            .bind(niveau)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The applicant waiting under this state for the choice of authority (not expired).
    pub async fn wartende_anmeldung(
        &self,
        state_hash: &str,
        now: Millis,
    ) -> Result<Option<WartendeAnmeldung>> {
        let r = sqlx::query(
            "SELECT anbieter, user_id, niveau, weiter FROM oidc_anmeldungen \
             WHERE state_hash = $1 AND user_id IS NOT NULL AND laeuft_ab_at > $2",
        )
        .bind(state_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| {
            Ok(WartendeAnmeldung {
                anbieter: r.try_get("anbieter")?,
                user_id: r.try_get("user_id")?,
                niveau: r.try_get("niveau")?,
                weiter: r.try_get("weiter")?,
            })
        })
        .transpose()
    }

    pub async fn wartende_anmeldung_beenden(&self, state_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM oidc_anmeldungen WHERE state_hash = $1")
            .bind(state_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The account linked to this subject of this provider.
    pub async fn identitaet(tx: &mut Tx, anbieter: &str, subject: &str) -> Result<Option<i64>> {
        Ok(sqlx::query(
            "SELECT user_id FROM externe_identitaeten WHERE anbieter = $1 AND subject = $2",
        )
        .bind(anbieter)
        .bind(subject)
        .fetch_optional(tx.c())
        .await?
        .map(|r| r.try_get("user_id"))
        .transpose()?)
    }

    pub async fn identitaet_anlegen(
        tx: &mut Tx,
        anbieter: &str,
        subject: &str,
        user_id: i64,
        niveau: Option<&str>,
        now: Millis,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO externe_identitaeten (anbieter, subject, user_id, niveau, created_at, zuletzt_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(anbieter)
        .bind(subject)
        .bind(user_id)
        .bind(niveau)
        .bind(now)
        .execute(tx.c())
        .await?;
        Ok(())
    }

    /// Records a sign-in of a linked account (the trust level of this sign-in).
    pub async fn identitaet_gesehen(
        tx: &mut Tx,
        anbieter: &str,
        subject: &str,
        niveau: Option<&str>,
        now: Millis,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE externe_identitaeten SET niveau = $3, zuletzt_at = $4 WHERE anbieter = $1 AND subject = $2",
        )
        .bind(anbieter)
        .bind(subject)
        .bind(niveau)
        .bind(now)
        .execute(tx.c())
        .await?;
        Ok(())
    }

    /// Keeps the organisation the provider reported (None leaves the stored one).
    pub async fn organisation_setzen(
        tx: &mut Tx,
        user_id: i64,
        organisation: Option<&str>,
    ) -> Result<()> {
        if let Some(o) = organisation {
            sqlx::query("UPDATE users SET organisation = $2 WHERE id = $1")
                .bind(user_id)
                .bind(o)
                .execute(tx.c())
                .await?;
        }
        Ok(())
    }

    /// The organisation of a person, if a provider reported one.
    pub async fn organisation(&self, user_id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar::<_, Option<String>>("SELECT organisation FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?
                .flatten(),
        )
    }

    /// Whether the account is disabled, in the caller's transaction.
    pub async fn konto_deaktiviert(tx: &mut Tx, user_id: i64) -> Result<bool> {
        let d: Option<Option<i64>> =
            sqlx::query_scalar("SELECT disabled_at FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(tx.c())
                .await?;
        Ok(matches!(d, Some(Some(_))))
    }

    /// The providers an account is linked to (for "Mein Konto").
    pub async fn identitaeten_von(&self, user_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT anbieter FROM externe_identitaeten WHERE user_id = $1 ORDER BY anbieter",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("anbieter")?)).collect()
    }

    /// The person's role in the tenant and whether the admin deactivated them there; None
    /// when they are no member.
    pub async fn mitgliedschaft_in(
        tx: &mut Tx,
        user_id: i64,
        tenant_id: i64,
    ) -> Result<Option<(Role, bool)>> {
        let r = sqlx::query(
            "SELECT role, gesperrt_at FROM memberships WHERE user_id = $1 AND tenant_id = $2",
        )
        .bind(user_id)
        .bind(tenant_id)
        .fetch_optional(tx.c())
        .await?;
        r.map(|r| {
            let code: String = r.try_get("role")?;
            let gesperrt: Option<i64> = r.try_get("gesperrt_at")?;
            let role = Role::from_code(&code)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {code}")))?;
            Ok((role, gesperrt.is_some()))
        })
        .transpose()
    }

    /// Ends the membership (its sessions and tokens with it); the person's cases and
    /// statements stay attributed to their account.
    pub async fn mitgliedschaft_entfernen(
        tx: &mut Tx,
        user_id: i64,
        tenant_id: i64,
        now: Millis,
    ) -> Result<bool> {
        Db::zugaenge_beenden(tx, user_id, tenant_id, now).await?;
        Ok(
            sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND tenant_id = $2")
                .bind(user_id)
                .bind(tenant_id)
                .execute(tx.c())
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// The Stellen of this tenant the group mapping made the person a member of.
    pub async fn stellen_durch_anmeldedienst(
        tx: &mut Tx,
        user_id: i64,
        tenant_id: i64,
    ) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT s.id FROM stellen_mitglieder m JOIN stellen s ON s.id = m.stelle_id \
             WHERE m.user_id = $1 AND s.tenant_id = $2 AND m.durch_anmeldedienst = 1 ORDER BY s.id",
        )
        .bind(user_id)
        .bind(tenant_id)
        .fetch_all(tx.c())
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// Makes the person a member of the Stelle through the group mapping; a membership an
    /// admin gave stays theirs.
    pub async fn stellenmitglied_durch_anmeldedienst(
        tx: &mut Tx,
        stelle_id: i64,
        user_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO stellen_mitglieder (stelle_id, user_id, durch_anmeldedienst) VALUES ($1, $2, 1) \
             ON CONFLICT (stelle_id, user_id) DO NOTHING",
        )
        .bind(stelle_id)
        .bind(user_id)
        .execute(tx.c())
        .await?;
        Ok(())
    }

    /// Staff of the tenant (active, not applicants) without a link to this provider: they
    /// could not sign in if passwords were switched off.
    pub async fn beschaeftigte_ohne_anbieter(&self, tenant_id: i64, anbieter: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships m WHERE m.tenant_id = $1 AND m.role <> 'antragsteller' \
             AND m.gesperrt_at IS NULL AND NOT EXISTS (SELECT 1 FROM externe_identitaeten e \
             WHERE e.user_id = m.user_id AND e.anbieter = $2)",
        )
        .bind(tenant_id)
        .bind(anbieter)
        .fetch_one(self.pool())
        .await?)
    }

    pub async fn gruppenzuordnungen(&self, tenant_id: i64) -> Result<Vec<Gruppenzuordnung>> {
        let rows = sqlx::query(
            "SELECT g.id, g.gruppe, g.role, g.stelle_id, s.name AS stelle_name FROM gruppenzuordnungen g \
             LEFT JOIN stellen s ON s.id = g.stelle_id WHERE g.tenant_id = $1 ORDER BY g.gruppe, g.id",
        )
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let code: String = r.try_get("role")?;
                Ok(Gruppenzuordnung {
                    id: r.try_get("id")?,
                    gruppe: r.try_get("gruppe")?,
                    role: Role::from_code(&code)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown role {code}")))?,
                    stelle_id: r.try_get("stelle_id")?,
                    stelle_name: r.try_get("stelle_name")?,
                })
            })
            .collect()
    }

    /// Adds a mapping; `Konflikt::Doppelt` when the same one exists.
    pub async fn gruppenzuordnung_anlegen(
        tx: &mut Tx,
        tenant_id: i64,
        gruppe: &str,
        role: Role,
        stelle_id: Option<i64>,
        now: Millis,
    ) -> Result<i64> {
        let r = sqlx::query(
            "INSERT INTO gruppenzuordnungen (tenant_id, gruppe, role, stelle_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(tenant_id)
        .bind(gruppe)
        .bind(role.code())
        .bind(stelle_id)
        .bind(now)
        .fetch_one(tx.c())
        .await
        .map_err(|e| StoreError::on_unique(e, crate::Konflikt::Doppelt))?;
        Ok(r.try_get("id")?)
    }

    /// Removes a mapping of this tenant; the removed row, if there was one.
    pub async fn gruppenzuordnung_loeschen(
        tx: &mut Tx,
        tenant_id: i64,
        id: i64,
    ) -> Result<Option<(String, Role)>> {
        let r = sqlx::query(
            "DELETE FROM gruppenzuordnungen WHERE tenant_id = $1 AND id = $2 RETURNING gruppe, role",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(tx.c())
        .await?;
        r.map(|r| {
            let code: String = r.try_get("role")?;
            Ok((
                r.try_get("gruppe")?,
                Role::from_code(&code)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown role {code}")))?,
            ))
        })
        .transpose()
    }

    pub async fn anmeldeeinstellungen(&self, tenant_id: i64) -> Result<Anmeldeeinstellungen> {
        let r = sqlx::query("SELECT lokale_anmeldung, mindest_niveau FROM tenants WHERE id = $1")
            .bind(tenant_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let lokal: i64 = r.try_get("lokale_anmeldung")?;
        Ok(Anmeldeeinstellungen {
            lokale_anmeldung: lokal != 0,
            mindest_niveau: r.try_get("mindest_niveau")?,
        })
    }

    pub async fn anmeldeeinstellungen_setzen(
        tx: &mut Tx,
        tenant_id: i64,
        e: &Anmeldeeinstellungen,
    ) -> Result<()> {
        sqlx::query("UPDATE tenants SET lokale_anmeldung = $2, mindest_niveau = $3 WHERE id = $1")
            .bind(tenant_id)
            .bind(i64::from(e.lokale_anmeldung))
            .bind(e.mindest_niveau.as_deref())
            .execute(tx.c())
            .await?;
        Ok(())
    }

    /// The tenant's DVDV identifier for XBau messages, if the operator registered one.
    pub async fn xbau_kennung(&self, tenant_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar::<_, Option<String>>(
            "SELECT xbau_kennung FROM tenants WHERE id = $1",
        )
        .bind(tenant_id)
        .fetch_optional(self.pool())
        .await?
        .flatten())
    }

    pub async fn xbau_kennung_setzen(tx: &mut Tx, tenant_id: i64, kennung: &str) -> Result<bool> {
        Ok(
            sqlx::query("UPDATE tenants SET xbau_kennung = $2 WHERE id = $1")
                .bind(tenant_id)
                .bind(kennung)
                .execute(tx.c())
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// Marks where a session came from: the provider (for signing out there too) and the
    /// trust level of the sign-in.
    pub async fn sitzung_herkunft(
        &self,
        secret: &str,
        anbieter: &str,
        niveau: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE sessions SET anbieter = $2, niveau = $3 WHERE id_hash = $1")
            .bind(crate::sha256_hex(secret))
            .bind(anbieter)
            .bind(niveau)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
