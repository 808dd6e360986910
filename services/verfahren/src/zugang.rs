//! Invitations to an authority (Zugangseinladungen): how a tenant admin brings a person in.
//!
//! The admin types an address, a name and a role; the person gets a mail with a link and
//! accepts — by setting a password for a new account, or by signing in with the account
//! they already have (an account may belong to several authorities). The admin's answer is
//! the same in both cases, and the admin sees the name they typed until the person accepts,
//! so no tenant admin learns whether an address has an account elsewhere (issue 12 #15).

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::antrag::einzeiliger_name;
use crate::fehler::{Ergebnis, Fehler};
use crate::verwaltung::MAX_KONTONAME;
use crate::zugriff::nur_admin;
use plankammer_domain::notification::Notification;
use plankammer_domain::{Email, Role};
use plankammer_storage::accounts::Tenant;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::zugang::{NeueZugangseinladung, Zugangseinladung};
use plankammer_storage::{Db, Konflikt, Millis, now_millis, sha256_hex};
use serde_json::json;

/// How long the link of an invitation works.
pub const ZUGANGSEINLADUNG_GUELTIG_MS: Millis = 14 * 24 * 3600 * 1000;
/// Invitations one tenant may send per day: mail in the authority's name stays bounded
/// even from a taken-over admin account.
pub const MAX_ZUGANGSEINLADUNGEN_TAG: i64 = 50;

/// What the admin enters.
#[derive(Debug, Clone)]
pub struct NeueEinladung<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub rolle: Role,
}

/// The invitation behind a link, as the invited person's page shows it.
#[derive(Debug, Clone)]
pub struct OffeneZugangseinladung {
    pub einladung: Zugangseinladung,
    pub behoerde: Tenant,
    /// Whether the invited address has an account (the page then asks to sign in). Only
    /// the holder of the mailed link learns this, and it is their own address.
    pub konto_vorhanden: bool,
}

fn ungueltig() -> Fehler {
    Fehler::ungueltig(
        "Diese Einladung ist ungültig, abgelaufen, zurückgezogen oder wurde bereits angenommen. Bitte bitten Sie die Behörde um eine neue Einladung.",
    )
}

impl Verfahren {
    /// The tenant's admin invites a person (audited, the person is mailed). Refused only
    /// for what the admin may know: a member of the own tenant, an open invitation of the
    /// own tenant, the daily limit.
    pub async fn zugang_einladen(&self, akteur: &Akteur, neu: &NeueEinladung<'_>) -> Ergebnis<i64> {
        nur_admin(akteur)?;
        let email = Email::parse(neu.email)?;
        let name = einzeiliger_name(neu.name, MAX_KONTONAME)?;
        let tenant = self.db.tenant(akteur.tenant_id).await?;
        let now = now_millis();
        let secret = plankammer_storage::random_token(32);
        let mut tx = self.db.begin().await?;
        Db::sperre_zugangseinladungen(&mut tx, self.db.backend(), tenant.id).await?;
        if Db::mitglied_mit_adresse(&mut tx, tenant.id, email.as_str()).await? {
            return Err(Fehler::konflikt(
                "Diese Person gehört bereits zu Ihrer Behörde.",
            ));
        }
        if Db::zugangseinladung_offen_fuer(&mut tx, tenant.id, email.as_str(), now).await? {
            return Err(Fehler::konflikt(
                "An diese Adresse ist bereits eine Einladung unterwegs. Ziehen Sie sie zurück, um neu einzuladen.",
            ));
        }
        if Db::zugangseinladungen_seit(&mut tx, tenant.id, now - 24 * 3600 * 1000).await?
            >= MAX_ZUGANGSEINLADUNGEN_TAG
        {
            tracing::warn!(tenant_id = tenant.id, "invitation refused: daily limit");
            return Err(Fehler::ZuViele(format!(
                "Ihre Behörde hat heute bereits {MAX_ZUGANGSEINLADUNGEN_TAG} Einladungen versandt. Bitte versuchen Sie es morgen erneut."
            )));
        }
        let laeuft_ab_at = now + ZUGANGSEINLADUNG_GUELTIG_MS;
        let id = Db::zugangseinladung_anlegen(
            &mut tx,
            &NeueZugangseinladung {
                tenant_id: tenant.id,
                email: email.as_str(),
                name,
                role: neu.rolle,
                token_hash: &sha256_hex(&secret),
                eingeladen_von: Some(akteur.user_id),
                laeuft_ab_at,
            },
            now,
        )
        .await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(tenant.id),
                actor_user_id: Some(akteur.user_id),
                action: "user.invite",
                object_type: "zugangseinladung",
                object_id: Some(id.to_string()),
                detail: json!({ "role": neu.rolle.code() }),
            },
            now,
        )
        .await?;
        let mail = Notification::EinladungBehoerde {
            name: name.to_string(),
            behoerde: tenant.name.clone(),
            rolle: neu.rolle.bezeichnung().to_string(),
            einladung_url: self.url(&format!("/zugang/{secret}")),
            gueltig_bis: plankammer_domain::frist::datum_de(plankammer_storage::uhr::berlin_datum(
                chrono::DateTime::from_timestamp_millis(laeuft_ab_at).unwrap_or_default(),
            )),
            absender: Db::absender(&mut tx, tenant.id).await?,
        };
        let rendered = mail.render().map_err(Fehler::intern)?;
        Db::queue_mail(
            &mut tx,
            Some(tenant.id),
            mail.kind(),
            email.as_str(),
            &rendered,
            &self.cfg.mail_domain,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The admin withdraws an open invitation of the own tenant (audited); the link then
    /// no longer works.
    pub async fn zugang_zurueckziehen(&self, akteur: &Akteur, id: i64) -> Ergebnis<()> {
        nur_admin(akteur)?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::zugangseinladung_zurueckziehen(&mut tx, akteur.tenant_id, id, now).await? {
            return Err(Fehler::NichtGefunden);
        }
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "user.invite.withdraw",
                object_type: "zugangseinladung",
                object_id: Some(id.to_string()),
                detail: json!({}),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's open invitations (admin only).
    pub async fn offene_zugaenge(&self, akteur: &Akteur) -> Ergebnis<Vec<Zugangseinladung>> {
        nur_admin(akteur)?;
        Ok(self
            .db
            .offene_zugangseinladungen(akteur.tenant_id, now_millis())
            .await?)
    }

    /// The invitation behind a mailed link, if it can still be accepted.
    pub async fn zugang_oeffnen(&self, secret: &str) -> Ergebnis<OffeneZugangseinladung> {
        if secret.is_empty() || secret.len() > 128 {
            return Err(ungueltig());
        }
        let Some(e) = self
            .db
            .zugangseinladung_per_token(&sha256_hex(secret))
            .await?
        else {
            return Err(ungueltig());
        };
        if !e.offen(now_millis()) {
            return Err(ungueltig());
        }
        let behoerde = self.db.tenant(e.tenant_id).await?;
        let konto_vorhanden = match Email::parse(&e.email) {
            Ok(a) => self.db.user_by_email(&a).await.is_ok(),
            Err(_) => false,
        };
        Ok(OffeneZugangseinladung {
            einladung: e,
            behoerde,
            konto_vorhanden,
        })
    }

    /// A signed-in person accepts with the invited address: they become a member of the
    /// inviting authority in the invited role. Returns the tenant.
    pub async fn zugang_annehmen(&self, akteur: &Akteur, secret: &str) -> Ergebnis<i64> {
        let o = self.zugang_oeffnen(secret).await?;
        let e = &o.einladung;
        if !akteur.email.eq_ignore_ascii_case(&e.email) {
            return Err(Fehler::ungueltig(format!(
                "Diese Einladung gilt für {}. Bitte melden Sie sich mit dieser Adresse an.",
                e.email
            )));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::zugangseinladung_annehmen(&mut tx, e.id, akteur.user_id, now).await? {
            return Err(ungueltig());
        }
        Db::add_membership(&mut tx, akteur.user_id, e.tenant_id, e.role, now)
            .await
            .map_err(Fehler::bei(
                Konflikt::MitgliedschaftVorhanden,
                "Sie gehören bereits zu dieser Behörde.",
            ))?;
        self.beitritt_protokollieren(&mut tx, e, akteur.user_id, "existing", now)
            .await?;
        tx.commit().await?;
        Ok(e.tenant_id)
    }

    /// The invited person has no account yet: it is created with the password they chose
    /// and the invited role, and the invitation is used up, in one transaction. Returns
    /// (user id, tenant id) for the session the adapter opens.
    pub async fn zugang_mit_neuem_konto(
        &self,
        secret: &str,
        name: &str,
        passwort: &str,
        wiederholung: &str,
    ) -> Ergebnis<(i64, i64)> {
        let o = self.zugang_oeffnen(secret).await?;
        let e = &o.einladung;
        let name = einzeiliger_name(name, MAX_KONTONAME)?;
        plankammer_domain::account::check_password_fuer(passwort, &[&e.email, name])?;
        if passwort != wiederholung {
            return Err(Fehler::ungueltig(
                "Die beiden Passwörter stimmen nicht überein.",
            ));
        }
        let anmelden = "Für diese E-Mail-Adresse gibt es bereits ein Konto. Bitte melden Sie sich an und nehmen Sie die Einladung dann an.";
        if o.konto_vorhanden {
            return Err(Fehler::konflikt(anmelden));
        }
        let email = Email::parse(&e.email)?;
        let hash = crate::konto::hash_password(passwort.to_string()).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let user = Db::create_user(&mut tx, &email, name, &hash, now)
            .await
            .map_err(Fehler::bei(Konflikt::EmailVergeben, anmelden))?;
        if !Db::zugangseinladung_annehmen(&mut tx, e.id, user.id, now).await? {
            return Err(ungueltig());
        }
        Db::add_membership(&mut tx, user.id, e.tenant_id, e.role, now).await?;
        self.beitritt_protokollieren(&mut tx, e, user.id, "new", now)
            .await?;
        tx.commit().await?;
        Ok((user.id, e.tenant_id))
    }

    async fn beitritt_protokollieren(
        &self,
        tx: &mut plankammer_storage::Tx,
        e: &Zugangseinladung,
        user_id: i64,
        konto: &str,
        now: Millis,
    ) -> Ergebnis<()> {
        Db::audit(
            tx,
            AuditEvent {
                tenant_id: Some(e.tenant_id),
                actor_user_id: Some(user_id),
                action: "user.join",
                object_type: "user",
                object_id: Some(user_id.to_string()),
                detail: json!({ "role": e.role.code(), "invitation": e.id, "account": konto }),
            },
            now,
        )
        .await?;
        Ok(())
    }
}
