//! One's own account: passwords (argon2id, on a blocking thread) and personal access
//! tokens for machine clients, each change audited and confirmed by mail.

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use plankammer_domain::notification::Notification;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::tokens::ApiToken;
use plankammer_storage::{Db, now_millis};

/// Longest name of an access token.
pub const MAX_SCHLUESSELNAME: usize = 80;

/// Hashes on a blocking thread: argon2id takes tens of milliseconds of CPU on purpose.
pub async fn hash_password(password: String) -> Ergebnis<String> {
    tokio::task::spawn_blocking(move || plankammer_storage::accounts::hash_password(&password))
        .await
        .map_err(Fehler::intern)?
        .map_err(Fehler::intern)
}

/// Checks a password on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        plankammer_storage::accounts::verify_password(&password, &hash)
    })
    .await
    .unwrap_or(false)
}

impl Verfahren {
    /// A personal access token for this person in this tenant: the secret is shown once;
    /// the creation is audited and the person gets a security notice by mail.
    pub async fn schluessel_erstellen(
        &self,
        akteur: &Akteur,
        name: &str,
    ) -> Ergebnis<(ApiToken, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_SCHLUESSELNAME {
            return Err(Fehler::ungueltig(format!(
                "Bitte geben Sie dem Schlüssel einen Namen (höchstens {MAX_SCHLUESSELNAME} Zeichen)."
            )));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let (token, secret) =
            Db::create_token(&mut tx, akteur.user_id, akteur.tenant_id, name, now).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "token.create",
                object_type: "api_token",
                object_id: Some(token.id.to_string()),
                detail: serde_json::json!({}),
            },
            now,
        )
        .await?;
        let mail = Notification::ZugangsschluesselErstellt {
            name: akteur.name.clone(),
            schluessel_name: name.to_string(),
            erstellt_am: plankammer_domain::zeit::format_berlin(now),
            konto_url: self.url("/konto"),
            absender: Db::absender(&mut tx, akteur.tenant_id).await?,
        };
        let rendered = mail.render().map_err(Fehler::intern)?;
        Db::queue_mail(
            &mut tx,
            Some(akteur.tenant_id),
            mail.kind(),
            &akteur.email,
            &rendered,
            &self.cfg.mail_domain,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    /// Revokes one of the person's own tokens (audited).
    pub async fn schluessel_widerrufen(&self, akteur: &Akteur, token_id: i64) -> Ergebnis<()> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::revoke_token(&mut tx, akteur.user_id, token_id, now).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "token.revoke",
                object_type: "api_token",
                object_id: Some(token_id.to_string()),
                detail: serde_json::json!({}),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The person's own tokens.
    pub async fn schluessel(&self, akteur: &Akteur) -> Ergebnis<Vec<ApiToken>> {
        Ok(self.db.tokens_of(akteur.user_id, akteur.tenant_id).await?)
    }
}
