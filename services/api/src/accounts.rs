//! Use cases around accounts that several entry points share (admin pages, API, CLI):
//! each writes its change, its audit entry and its mail in one transaction.

use crate::{AppError, AppState};
use plankammer_domain::account::check_password;
use plankammer_domain::notification::Notification;
use plankammer_domain::{Email, Role};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::tokens::ApiToken;
use plankammer_storage::{Db, now_millis};

pub struct NewAccount<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub tenant_id: i64,
    pub role: Role,
    /// Who creates it (None: the command line).
    pub actor_user_id: Option<i64>,
}

/// Hashes on a blocking thread: argon2id takes tens of milliseconds of CPU on purpose.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || plankammer_storage::accounts::hash_password(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        plankammer_storage::accounts::verify_password(&password, &hash)
    })
    .await
    .unwrap_or(false)
}

/// Creates an account as member of one tenant and mails the person.
pub async fn create_account(
    db: &Db,
    public_url: &str,
    mail_domain: &str,
    new: NewAccount<'_>,
) -> Result<i64, AppError> {
    let email = Email::parse(new.email)?;
    let name = new.display_name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::Invalid(
            "Bitte geben Sie einen Namen an (höchstens 200 Zeichen).".into(),
        ));
    }
    check_password(new.password)?;
    let tenant = db.tenant(new.tenant_id).await?;
    let hash = hash_password(new.password.to_string()).await?;
    let now = now_millis();
    let mut tx = db.begin().await?;
    let user = Db::create_user(&mut tx, &email, name, &hash, now).await?;
    Db::add_membership(&mut tx, user.id, tenant.id, new.role, now).await?;
    Db::audit(
        &mut tx,
        AuditEvent {
            tenant_id: Some(tenant.id),
            actor_user_id: new.actor_user_id,
            action: "user.create",
            object_type: "user",
            object_id: Some(user.id.to_string()),
            detail: serde_json::json!({ "role": new.role.code() }),
        },
        now,
    )
    .await?;
    let mail = Notification::KontoAngelegt {
        name: name.to_string(),
        behoerde: tenant.name.clone(),
        rolle: new.role.bezeichnung().to_string(),
        anmelde_url: format!("{public_url}/anmelden"),
    };
    let rendered = mail.render().map_err(AppError::internal)?;
    Db::queue_mail(
        &mut tx,
        Some(tenant.id),
        mail.kind(),
        email.as_str(),
        &rendered,
        mail_domain,
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok(user.id)
}

/// Creates a personal access token, audits it and sends the security notice.
pub async fn create_token(
    state: &AppState,
    user_id: i64,
    tenant_id: i64,
    name: &str,
) -> Result<(ApiToken, String), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::Invalid(
            "Bitte geben Sie dem Schlüssel einen Namen (höchstens 80 Zeichen).".into(),
        ));
    }
    let member = state.db.member(user_id, tenant_id).await?;
    let now = now_millis();
    let mut tx = state.db.begin().await?;
    let (token, secret) = Db::create_token(&mut tx, user_id, tenant_id, name, now).await?;
    Db::audit(
        &mut tx,
        AuditEvent {
            tenant_id: Some(tenant_id),
            actor_user_id: Some(user_id),
            action: "token.create",
            object_type: "api_token",
            object_id: Some(token.id.to_string()),
            detail: serde_json::json!({}),
        },
        now,
    )
    .await?;
    let mail = Notification::ZugangsschluesselErstellt {
        name: member.user.display_name.clone(),
        schluessel_name: name.to_string(),
        erstellt_am: plankammer_domain::zeit::format_berlin(now),
        konto_url: format!("{}/konto", state.config.public_url),
    };
    let rendered = mail.render().map_err(AppError::internal)?;
    Db::queue_mail(
        &mut tx,
        Some(tenant_id),
        mail.kind(),
        &member.user.email,
        &rendered,
        &state.config.mail_domain,
        now,
    )
    .await?;
    tx.commit().await.map_err(AppError::internal)?;
    Ok((token, secret))
}

pub async fn revoke_token(
    state: &AppState,
    user_id: i64,
    tenant_id: i64,
    token_id: i64,
) -> Result<(), AppError> {
    let now = now_millis();
    state.db.revoke_token(user_id, token_id, now).await?;
    state
        .db
        .audit_now(
            AuditEvent {
                tenant_id: Some(tenant_id),
                actor_user_id: Some(user_id),
                action: "token.revoke",
                object_type: "api_token",
                object_id: Some(token_id.to_string()),
                detail: serde_json::json!({}),
            },
            now,
        )
        .await?;
    Ok(())
}
