//! Use cases around accounts that several entry points share (admin pages, API, CLI):
//! each writes its change, its audit entry and its mail in one transaction.

use crate::AppError;
use plankammer_domain::account::check_password;
use plankammer_domain::notification::Notification;
use plankammer_domain::{Email, Role};
use plankammer_storage::audit::AuditEvent;
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
    let hash = plankammer_verfahren::konto::hash_password(new.password.to_string()).await?;
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
