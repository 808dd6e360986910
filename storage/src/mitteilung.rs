//! Mails about a case: who gets them, and queuing one per person in the caller's
//! transaction. The API (state changes) and the workers (deadlines) both mail through here,
//! so the recipient rules exist once.
//!
//! Recipients are read through the caller's connection, not the pool: the SQLite pool
//! holds a single connection, which the caller's transaction already has.

use crate::{Db, Millis, Result, StoreError, Tx};
use plankammer_domain::Role;
use plankammer_domain::notification::{Absender, Notification};
use sqlx::Row;

/// (email, name) of each person to mail.
pub type Empfaenger = Vec<(String, String)>;

/// One mail text about a case, sent to several people.
#[derive(Debug, Clone)]
pub struct Fallmitteilung<'a> {
    pub tenant_id: i64,
    pub vorhaben: &'a str,
    pub aktenzeichen: Option<&'a str>,
    pub titel: &'a str,
    pub text: &'a str,
    pub status: Option<&'a str>,
    pub frist: Option<&'a str>,
    pub vorgang_url: &'a str,
}

impl Db {
    /// The case workers a mail about the case goes to: its Sachbearbeiter and deputy while
    /// either is an active Bauaufsicht member of the tenant, otherwise every active one.
    pub async fn bauaufsicht_empfaenger(
        conn: &mut Tx,
        tenant_id: i64,
        vorgang_id: i64,
    ) -> Result<Empfaenger> {
        Ok(sqlx::query_as(
            "SELECT u.email, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 AND m.role = $2 AND u.disabled_at IS NULL \
             AND (u.id IN (SELECT bearbeiter_id FROM vorgaenge WHERE id = $3) \
               OR u.id IN (SELECT vertretung_id FROM vorgaenge WHERE id = $3) \
               OR NOT EXISTS (SELECT 1 FROM vorgaenge v JOIN memberships m2 ON m2.tenant_id = v.tenant_id \
                 JOIN users u2 ON u2.id = m2.user_id \
                 WHERE v.id = $3 AND m2.role = $2 AND u2.disabled_at IS NULL \
                 AND (m2.user_id = v.bearbeiter_id OR m2.user_id = v.vertretung_id)))",
        )
        .bind(tenant_id)
        .bind(Role::Bauaufsicht.code())
        .bind(vorgang_id)
        .fetch_all(conn.c())
        .await?)
    }

    /// The applicant side: the owner and the Bauherrschaft that accepted its invitation.
    pub async fn antragsteller_empfaenger(
        conn: &mut Tx,
        owner_user_id: i64,
        vorgang_id: i64,
    ) -> Result<Empfaenger> {
        Ok(sqlx::query_as(
            "SELECT email, display_name FROM users WHERE id = $1 AND disabled_at IS NULL \
             UNION ALL SELECT email, name FROM beteiligte WHERE vorgang_id = $2 AND angenommen_at IS NOT NULL",
        )
        .bind(owner_user_id)
        .bind(vorgang_id)
        .fetch_all(conn.c())
        .await?)
    }

    /// A Stelle's active members.
    pub async fn stellen_empfaenger(conn: &mut Tx, stelle_id: i64) -> Result<Empfaenger> {
        Ok(sqlx::query_as(
            "SELECT u.email, u.display_name FROM stellen_mitglieder m JOIN users u ON u.id = m.user_id \
             WHERE m.stelle_id = $1 AND u.disabled_at IS NULL",
        )
        .bind(stelle_id)
        .fetch_all(conn.c())
        .await?)
    }

    /// One active person.
    pub async fn person_empfaenger(conn: &mut Tx, user_id: i64) -> Result<Empfaenger> {
        Ok(sqlx::query_as(
            "SELECT email, display_name FROM users WHERE id = $1 AND disabled_at IS NULL",
        )
        .bind(user_id)
        .fetch_all(conn.c())
        .await?)
    }

    /// Who signs the tenant's mails: its name and the address of its Bescheid template.
    pub async fn absender(conn: &mut Tx, tenant_id: i64) -> Result<Absender> {
        let r = sqlx::query(
            "SELECT t.name, v.anschrift FROM tenants t \
             LEFT JOIN bescheid_vorlagen v ON v.tenant_id = t.id WHERE t.id = $1",
        )
        .bind(tenant_id)
        .fetch_one(conn.c())
        .await?;
        let name: String = r.try_get("name")?;
        let anschrift: Option<String> = r.try_get("anschrift")?;
        Ok(Absender::neu(&name, anschrift.as_deref().unwrap_or("")))
    }

    /// Queues the mail once per address (a person in two roles gets one), in the caller's
    /// transaction. Returns how many were queued.
    pub async fn queue_fallmitteilung(
        conn: &mut Tx,
        mut empfaenger: Empfaenger,
        m: &Fallmitteilung<'_>,
        mail_domain: &str,
        now: Millis,
    ) -> Result<usize> {
        empfaenger.sort();
        empfaenger.dedup_by(|x, y| x.0 == y.0);
        let absender = Db::absender(conn, m.tenant_id).await?;
        let n = empfaenger.len();
        for (email, name) in empfaenger {
            let mail = Notification::Vorgangsmitteilung {
                name,
                vorhaben: m.vorhaben.to_string(),
                aktenzeichen: m.aktenzeichen.map(str::to_string),
                titel: m.titel.to_string(),
                text: m.text.to_string(),
                status: m.status.map(str::to_string),
                frist: m.frist.map(str::to_string),
                vorgang_url: m.vorgang_url.to_string(),
                absender: absender.clone(),
            };
            let rendered = mail.render().map_err(|e| StoreError::Mail(e.to_string()))?;
            Db::queue_mail(
                conn,
                Some(m.tenant_id),
                mail.kind(),
                &email,
                &rendered,
                mail_domain,
                now,
            )
            .await?;
        }
        Ok(n)
    }
}
