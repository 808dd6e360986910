//! The XBau exchange (issue 14): partner systems (portals, Fachstellen's own systems) and
//! the journal of every message in and out, which is also the partners' outbox.

use crate::{Db, Millis, Result, StoreError, Tx, random_token, sha256_hex};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The secret of a partner starts with this (to tell it from a person's token).
pub const PARTNER_PREFIX: &str = "pkx_";

/// What a partner system is to the authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PartnerArt {
    /// An application portal (or another authority's system) that submits Bauanträge and
    /// gets their messages back.
    Portal,
    /// A Fachstelle working in its own system, asked through XBau.
    Stelle,
}

impl PartnerArt {
    pub fn code(self) -> &'static str {
        match self {
            PartnerArt::Portal => "portal",
            PartnerArt::Stelle => "stelle",
        }
    }

    pub fn from_code(s: &str) -> Option<PartnerArt> {
        match s {
            "portal" => Some(PartnerArt::Portal),
            "stelle" => Some(PartnerArt::Stelle),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct XbauPartner {
    pub id: i64,
    pub tenant_id: i64,
    pub art: PartnerArt,
    pub name: String,
    pub kennung: String,
    /// The system account that acts for it (owner of the cases it submitted; member of its
    /// Stelle).
    pub user_id: i64,
    /// The Stelle a Fachstelle's system answers for.
    pub stelle_id: Option<i64>,
    pub token_prefix: String,
    pub created_at: Millis,
    pub widerrufen_at: Option<Millis>,
}

const PARTNER_SPALTEN: &str = "id, tenant_id, art, name, kennung, user_id, stelle_id, token_prefix, created_at, widerrufen_at";

fn partner_aus(r: &sqlx::any::AnyRow) -> Result<XbauPartner> {
    let art: String = r.try_get("art")?;
    Ok(XbauPartner {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        art: PartnerArt::from_code(&art)
            .ok_or_else(|| StoreError::Corrupt(format!("xbau_partner.art: {art}")))?,
        name: r.try_get("name")?,
        kennung: r.try_get("kennung")?,
        user_id: r.try_get("user_id")?,
        stelle_id: r.try_get("stelle_id")?,
        token_prefix: r.try_get("token_prefix")?,
        created_at: r.try_get("created_at")?,
        widerrufen_at: r.try_get("widerrufen_at")?,
    })
}

/// Direction of a journalled message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Richtung {
    Ein,
    Aus,
}

impl Richtung {
    pub fn code(self) -> &'static str {
        match self {
            Richtung::Ein => "ein",
            Richtung::Aus => "aus",
        }
    }
}

/// A file beside an outgoing message: where its bytes are (the blob store, by SHA-256) and
/// how its `anlage` entry names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beilage {
    pub dokumentid: String,
    pub dateiname: String,
    pub sha256: String,
    pub groesse: i64,
    pub mime: String,
}

/// One message in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEintrag {
    pub id: i64,
    pub tenant_id: i64,
    pub partner_id: Option<i64>,
    pub richtung: Richtung,
    pub uuid: String,
    /// The root element, e.g. `baugenehmigung.antrag.0200`.
    pub nachricht: String,
    pub vorgang_id: Option<i64>,
    pub bezug_uuid: Option<String>,
    pub at: Millis,
    /// in: `angenommen` | `zurueckgewiesen`; out: `bereit`.
    pub ergebnis: String,
    pub befunde: String,
    pub beilagen: Vec<Beilage>,
    pub abgeholt_at: Option<Millis>,
    /// Empty in lists; the stored XML when one entry is read.
    pub xml: String,
}

/// What goes into the journal.
#[derive(Debug, Clone)]
pub struct NeuerEintrag<'a> {
    pub tenant_id: i64,
    pub partner_id: Option<i64>,
    pub richtung: Richtung,
    pub uuid: &'a str,
    pub nachricht: &'a str,
    pub vorgang_id: Option<i64>,
    pub bezug_uuid: Option<&'a str>,
    pub ergebnis: &'a str,
    pub befunde: &'a str,
    pub xml: &'a str,
    pub beilagen: &'a [Beilage],
}

const JOURNAL_SPALTEN: &str = "id, tenant_id, partner_id, richtung, uuid, nachricht, vorgang_id, bezug_uuid, at, ergebnis, befunde, anlagen, abgeholt_at";

fn eintrag_aus(r: &sqlx::any::AnyRow, mit_xml: bool) -> Result<JournalEintrag> {
    let richtung: String = r.try_get("richtung")?;
    let anlagen: String = r.try_get("anlagen")?;
    Ok(JournalEintrag {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        partner_id: r.try_get("partner_id")?,
        richtung: match richtung.as_str() {
            "ein" => Richtung::Ein,
            "aus" => Richtung::Aus,
            s => return Err(StoreError::Corrupt(format!("xbau_journal.richtung: {s}"))),
        },
        uuid: r.try_get("uuid")?,
        nachricht: r.try_get("nachricht")?,
        vorgang_id: r.try_get("vorgang_id")?,
        bezug_uuid: r.try_get("bezug_uuid")?,
        at: r.try_get("at")?,
        ergebnis: r.try_get("ergebnis")?,
        befunde: r.try_get("befunde")?,
        beilagen: serde_json::from_str(&anlagen)
            .map_err(|e| StoreError::Corrupt(format!("xbau_journal.anlagen: {e}")))?,
        abgeholt_at: r.try_get("abgeholt_at")?,
        xml: if mit_xml {
            r.try_get("xml")?
        } else {
            String::new()
        },
    })
}

impl Db {
    /// Registers a partner in the caller's transaction; returns it with its secret (shown
    /// once, stored hashed).
    #[allow(clippy::too_many_arguments)]
    pub async fn xbau_partner_anlegen(
        tx: &mut Tx,
        tenant_id: i64,
        art: PartnerArt,
        name: &str,
        kennung: &str,
        user_id: i64,
        stelle_id: Option<i64>,
        now: Millis,
    ) -> Result<(XbauPartner, String)> {
        let secret = format!("{PARTNER_PREFIX}{}", random_token(32));
        let prefix: String = secret.chars().take(PARTNER_PREFIX.len() + 6).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO xbau_partner (tenant_id, art, name, kennung, user_id, token_hash, token_prefix, created_at, stelle_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(tenant_id)
        .bind(art.code())
        .bind(name)
        .bind(kennung)
        .bind(user_id)
        .bind(sha256_hex(&secret))
        .bind(&prefix)
        .bind(now)
        .bind(stelle_id)
        .fetch_one(tx.c())
        .await
        .map_err(|e| StoreError::on_unique(e, crate::Konflikt::Doppelt))?;
        Ok((
            XbauPartner {
                id,
                tenant_id,
                art,
                name: name.to_string(),
                kennung: kennung.to_string(),
                user_id,
                stelle_id,
                token_prefix: prefix,
                created_at: now,
                widerrufen_at: None,
            },
            secret,
        ))
    }

    /// The partner a secret belongs to, unless revoked.
    pub async fn xbau_partner_fuer_secret(&self, secret: &str) -> Result<Option<XbauPartner>> {
        let row = sqlx::query(&format!(
            "SELECT {PARTNER_SPALTEN} FROM xbau_partner WHERE token_hash = $1 AND widerrufen_at IS NULL"
        ))
        .bind(sha256_hex(secret))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(partner_aus).transpose()
    }

    pub async fn xbau_partner(&self, id: i64) -> Result<XbauPartner> {
        let row = sqlx::query(&format!(
            "SELECT {PARTNER_SPALTEN} FROM xbau_partner WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        partner_aus(&row)
    }

    /// The tenant's partners, the revoked ones last.
    pub async fn xbau_partner_liste(&self, tenant_id: i64) -> Result<Vec<XbauPartner>> {
        let rows = sqlx::query(&format!(
            "SELECT {PARTNER_SPALTEN} FROM xbau_partner WHERE tenant_id = $1 \
             ORDER BY (widerrufen_at IS NOT NULL), name, id"
        ))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(partner_aus).collect()
    }

    /// The active partner of a tenant with this authority identifier.
    pub async fn xbau_partner_mit_kennung(
        &self,
        tenant_id: i64,
        kennung: &str,
    ) -> Result<Option<XbauPartner>> {
        let row = sqlx::query(&format!(
            "SELECT {PARTNER_SPALTEN} FROM xbau_partner WHERE tenant_id = $1 AND kennung = $2 AND widerrufen_at IS NULL"
        ))
        .bind(tenant_id)
        .bind(kennung)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(partner_aus).transpose()
    }

    /// The active Fachstelle system that answers for a Stelle, if the Stelle is reached
    /// through XBau.
    pub async fn xbau_partner_der_stelle(&self, stelle_id: i64) -> Result<Option<XbauPartner>> {
        let row = sqlx::query(&format!(
            "SELECT {PARTNER_SPALTEN} FROM xbau_partner WHERE stelle_id = $1 AND widerrufen_at IS NULL ORDER BY id LIMIT 1"
        ))
        .bind(stelle_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(partner_aus).transpose()
    }

    pub async fn xbau_partner_widerrufen(tx: &mut Tx, id: i64, now: Millis) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE xbau_partner SET widerrufen_at = $2 WHERE id = $1 AND widerrufen_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(tx.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Journals a message; `None` when this tenant has the UUID in this direction already
    /// (receipt is idempotent: the caller takes nothing twice).
    pub async fn journal_eintragen(
        tx: &mut Tx,
        e: &NeuerEintrag<'_>,
        now: Millis,
    ) -> Result<Option<i64>> {
        let anlagen = serde_json::to_string(e.beilagen)
            .map_err(|err| StoreError::Corrupt(format!("xbau beilagen: {err}")))?;
        Ok(sqlx::query_scalar::<_, i64>(
            "INSERT INTO xbau_journal (tenant_id, partner_id, richtung, uuid, nachricht, vorgang_id, bezug_uuid, at, ergebnis, befunde, xml, anlagen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (tenant_id, richtung, uuid) WHERE ergebnis <> 'zurueckgewiesen' DO NOTHING RETURNING id",
        )
        .bind(e.tenant_id)
        .bind(e.partner_id)
        .bind(e.richtung.code())
        .bind(e.uuid)
        .bind(e.nachricht)
        .bind(e.vorgang_id)
        .bind(e.bezug_uuid)
        .bind(now)
        .bind(e.ergebnis)
        .bind(e.befunde)
        .bind(e.xml)
        .bind(anlagen)
        .fetch_optional(tx.c())
        .await?)
    }

    /// Ends the reading of an incoming message: taken (with its case) or refused (the UUID
    /// is free again for a corrected message).
    pub async fn journal_abschliessen(
        &self,
        id: i64,
        ergebnis: &str,
        befunde: &str,
        vorgang_id: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE xbau_journal SET ergebnis = $2, befunde = $3, vorgang_id = COALESCE($4, vorgang_id) WHERE id = $1",
        )
        .bind(id)
        .bind(ergebnis)
        .bind(befunde)
        .bind(vorgang_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether this tenant journalled the UUID in this direction.
    pub async fn journal_hat(
        &self,
        tenant_id: i64,
        richtung: Richtung,
        uuid: &str,
    ) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT id FROM xbau_journal WHERE tenant_id = $1 AND richtung = $2 AND uuid = $3 AND ergebnis <> 'zurueckgewiesen'",
        )
        .bind(tenant_id)
        .bind(richtung.code())
        .bind(uuid)
        .fetch_optional(self.pool())
        .await?
        .is_some())
    }

    /// The tenant's journal, newest first, without the XML; `vor`: only entries before this id.
    pub async fn journal(
        &self,
        tenant_id: i64,
        vor: Option<i64>,
        limit: i64,
    ) -> Result<Vec<JournalEintrag>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOURNAL_SPALTEN} FROM xbau_journal WHERE tenant_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ))
        .bind(tenant_id)
        .bind(vor.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| eintrag_aus(r, false)).collect()
    }

    /// The messages of one case, oldest first, without the XML.
    pub async fn journal_des_vorgangs(&self, vorgang_id: i64) -> Result<Vec<JournalEintrag>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOURNAL_SPALTEN} FROM xbau_journal WHERE vorgang_id = $1 ORDER BY id"
        ))
        .bind(vorgang_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| eintrag_aus(r, false)).collect()
    }

    /// One entry of the tenant's journal, with its XML.
    pub async fn journal_eintrag(&self, tenant_id: i64, id: i64) -> Result<JournalEintrag> {
        let row = sqlx::query(&format!(
            "SELECT {JOURNAL_SPALTEN}, xml FROM xbau_journal WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        eintrag_aus(&row, true)
    }

    /// What a partner has not fetched yet, oldest first, without the XML.
    pub async fn postausgang(&self, partner_id: i64, limit: i64) -> Result<Vec<JournalEintrag>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOURNAL_SPALTEN} FROM xbau_journal WHERE partner_id = $1 AND richtung = 'aus' AND abgeholt_at IS NULL ORDER BY id LIMIT $2"
        ))
        .bind(partner_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| eintrag_aus(r, false)).collect()
    }

    /// One outgoing message to this partner, with its XML (fetched or not).
    pub async fn ausgehende_nachricht(
        &self,
        partner_id: i64,
        uuid: &str,
    ) -> Result<JournalEintrag> {
        let row = sqlx::query(&format!(
            "SELECT {JOURNAL_SPALTEN}, xml FROM xbau_journal WHERE partner_id = $1 AND richtung = 'aus' AND uuid = $2"
        ))
        .bind(partner_id)
        .bind(uuid)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        eintrag_aus(&row, true)
    }

    /// The partner acknowledges a message it fetched; false when there is none unfetched.
    pub async fn als_abgeholt(&self, partner_id: i64, uuid: &str, now: Millis) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE xbau_journal SET abgeholt_at = $3 WHERE partner_id = $1 AND richtung = 'aus' AND uuid = $2 AND abgeholt_at IS NULL",
        )
        .bind(partner_id)
        .bind(uuid)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1)
    }

    /// Puts an outgoing message back into its partner's outbox (the admin's resend).
    pub async fn erneut_bereitstellen(tx: &mut Tx, tenant_id: i64, id: i64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE xbau_journal SET abgeholt_at = NULL WHERE tenant_id = $1 AND id = $2 AND richtung = 'aus' AND partner_id IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(tx.c())
        .await?
        .rows_affected()
            == 1)
    }

    /// Records the portal a case came through.
    pub async fn setze_xbau_partner(tx: &mut Tx, vorgang_id: i64, partner_id: i64) -> Result<()> {
        sqlx::query("UPDATE vorgaenge SET xbau_partner_id = $2 WHERE id = $1")
            .bind(vorgang_id)
            .bind(partner_id)
            .execute(tx.c())
            .await?;
        Ok(())
    }

    /// The portal a case came through, if it came through XBau.
    pub async fn xbau_partner_des_vorgangs(&self, vorgang_id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar::<_, Option<i64>>(
            "SELECT xbau_partner_id FROM vorgaenge WHERE id = $1",
        )
        .bind(vorgang_id)
        .fetch_optional(self.pool())
        .await?
        .flatten())
    }

    /// The case a portal submitted under this message UUID (its 0200).
    pub async fn vorgang_der_nachricht(&self, tenant_id: i64, uuid: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar::<_, Option<i64>>(
            "SELECT vorgang_id FROM xbau_journal WHERE tenant_id = $1 AND richtung = 'ein' AND uuid = $2",
        )
        .bind(tenant_id)
        .bind(uuid)
        .fetch_optional(self.pool())
        .await?
        .flatten())
    }

    /// The UUID of the message a case was submitted with (its first accepted one).
    pub async fn eingangsnachricht(&self, vorgang_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar::<_, String>(
            "SELECT uuid FROM xbau_journal WHERE vorgang_id = $1 AND richtung = 'ein' AND ergebnis = 'angenommen' ORDER BY id LIMIT 1",
        )
        .bind(vorgang_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Cases a partner submitted, for bringing their messages up to date.
    pub async fn vorgaenge_des_partners(&self, partner_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT id FROM vorgaenge WHERE xbau_partner_id = $1 ORDER BY id",
        )
        .bind(partner_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// A system account (a partner's): it never signs in (disabled) and gets no mail.
    pub async fn systemkonto_anlegen(
        tx: &mut Tx,
        email: &str,
        name: &str,
        now: Millis,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash, created_at, disabled_at) VALUES ($1, $2, '!', $3, $3) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(now)
        .fetch_one(tx.c())
        .await
        .map_err(|e| StoreError::on_unique(e, crate::Konflikt::EmailVergeben))?;
        Ok(id)
    }
}
