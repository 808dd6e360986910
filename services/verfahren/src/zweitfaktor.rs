//! The second factor (TOTP, RFC 6238) and its recovery codes: set up, checked at login,
//! switched off, reset by the tenant's admin; and whether a login needs it.

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use crate::zugriff::nur_admin;
use plankammer_domain::{Role, totp};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::{Db, now_millis, sha256_hex};
use serde_json::json;

/// Recovery codes made when the factor is confirmed.
pub const WIEDERHERSTELLUNGSCODES: usize = 10;

/// What a login needs after the right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anmeldeschritt {
    /// Nothing more: the session opens.
    Fertig,
    /// The person has a second factor: the code.
    Code,
    /// The authority requires a second factor of this role and the person has none yet:
    /// set it up now.
    Einrichten,
}

/// A secret being set up: what the page shows.
#[derive(Debug, Clone)]
pub struct Einrichtung {
    /// The secret in groups of four (typed into an app by hand).
    pub schluessel: String,
    /// The `otpauth://` link (opened by an app on the same device).
    pub link: String,
}

fn ist_personal(role: Role) -> bool {
    role != Role::Antragsteller
}

fn code_hash(user_id: i64, code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect();
    sha256_hex(&format!("{user_id}:{norm}"))
}

impl Verfahren {
    /// After the right password: does the login need the second factor, or its set-up?
    /// Judged over every authority the person belongs to (a later switch between them
    /// asks for nothing more).
    pub async fn anmeldeschritt(&self, user_id: i64) -> Ergebnis<Anmeldeschritt> {
        if self
            .db
            .zweitfaktor(user_id)
            .await?
            .is_some_and(|z| z.bestaetigt)
        {
            return Ok(Anmeldeschritt::Code);
        }
        for m in self.db.memberships_of(user_id).await? {
            if ist_personal(m.role) && self.db.zweiter_faktor_pflicht(m.tenant.id).await? {
                return Ok(Anmeldeschritt::Einrichten);
            }
        }
        Ok(Anmeldeschritt::Fertig)
    }

    /// A new secret to set up (replacing one not yet confirmed). Refused while a confirmed
    /// one exists (switch it off first).
    pub async fn zweitfaktor_einrichten(
        &self,
        user_id: i64,
        tenant_name: &str,
    ) -> Ergebnis<Einrichtung> {
        let user = self.db.user(user_id).await?;
        // A secret being set up is shown again (a reload must not change what the app has).
        let geheimnis = match self.db.zweitfaktor(user_id).await? {
            Some(z) if z.bestaetigt => {
                return Err(Fehler::konflikt(
                    "Sie haben bereits einen zweiten Faktor eingerichtet.",
                ));
            }
            Some(z) => z.geheimnis,
            None => {
                let g = plankammer_storage::random_bytes(totp::GEHEIMNIS_BYTES);
                if !self
                    .db
                    .zweitfaktor_anlegen(user_id, &g, now_millis())
                    .await?
                {
                    return Err(Fehler::konflikt(
                        "Sie haben bereits einen zweiten Faktor eingerichtet.",
                    ));
                }
                g
            }
        };
        Ok(Einrichtung {
            schluessel: totp::gruppiert(&geheimnis),
            link: totp::otpauth(
                &format!("Plankammer {tenant_name}"),
                &user.email,
                &geheimnis,
            ),
        })
    }

    /// The first code from the app confirms the set-up; returns the recovery codes (shown
    /// once; only their hashes are kept). Audited.
    pub async fn zweitfaktor_bestaetigen(
        &self,
        user_id: i64,
        tenant_id: i64,
        code: &str,
    ) -> Ergebnis<Vec<String>> {
        let Some(z) = self.db.zweitfaktor(user_id).await? else {
            return Err(Fehler::ungueltig(
                "Bitte richten Sie den zweiten Faktor zuerst ein.",
            ));
        };
        if z.bestaetigt {
            return Err(Fehler::konflikt(
                "Sie haben bereits einen zweiten Faktor eingerichtet.",
            ));
        }
        let now = now_millis();
        let Some(schritt) = totp::pruefe(&z.geheimnis, code, now, z.letzter_schritt) else {
            return Err(Fehler::ungueltig(
                "Der Code stimmt nicht. Bitte geben Sie die sechs Ziffern ein, die Ihre App gerade zeigt.",
            ));
        };
        let codes: Vec<String> = (0..WIEDERHERSTELLUNGSCODES)
            .map(|_| {
                let r = plankammer_storage::random_token(5);
                format!("{}-{}", &r[..5], &r[5..10])
            })
            .collect();
        let hashes: Vec<String> = codes.iter().map(|c| code_hash(user_id, c)).collect();
        let mut tx = self.db.begin().await?;
        if !Db::zweitfaktor_schritt(&mut tx, user_id, schritt).await? {
            return Err(Fehler::ungueltig(
                "Dieser Code wurde schon benutzt. Bitte warten Sie auf den nächsten.",
            ));
        }
        Db::zweitfaktor_bestaetigen(&mut tx, user_id, &hashes, now).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(tenant_id),
                actor_user_id: Some(user_id),
                action: "user.mfa_enable",
                object_type: "user",
                object_id: Some(user_id.to_string()),
                detail: json!({ "method": "totp" }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Checks a code at login: a TOTP code (once per step) or an unused recovery code.
    /// Returns how it was given ("totp" or "recovery") or `None`.
    pub async fn zweitfaktor_pruefen(
        &self,
        user_id: i64,
        code: &str,
    ) -> Ergebnis<Option<&'static str>> {
        let Some(z) = self.db.zweitfaktor(user_id).await?.filter(|z| z.bestaetigt) else {
            return Ok(None);
        };
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let art = if let Some(schritt) = totp::pruefe(&z.geheimnis, code, now, z.letzter_schritt) {
            Db::zweitfaktor_schritt(&mut tx, user_id, schritt)
                .await?
                .then_some("totp")
        } else if code.trim().len() <= 32 {
            Db::wiederherstellungscode_einloesen(&mut tx, user_id, &code_hash(user_id, code), now)
                .await?
                .then_some("recovery")
        } else {
            None
        };
        tx.commit().await?;
        Ok(art)
    }

    /// The person switches their second factor off, confirming with a current code; not
    /// while their authority requires one of their role.
    pub async fn zweitfaktor_abschalten(&self, akteur: &Akteur, code: &str) -> Ergebnis<()> {
        if ist_personal(akteur.role) && self.db.zweiter_faktor_pflicht(akteur.tenant_id).await? {
            return Err(Fehler::konflikt(
                "Ihre Behörde verlangt einen zweiten Faktor. Wenn Sie Ihr Gerät verloren haben, bittet die Administration ihn zurückzusetzen.",
            ));
        }
        if self
            .zweitfaktor_pruefen(akteur.user_id, code)
            .await?
            .is_none()
        {
            return Err(Fehler::ungueltig(
                "Der Code stimmt nicht. Bitte geben Sie die sechs Ziffern ein, die Ihre App gerade zeigt.",
            ));
        }
        self.zweitfaktor_entfernen(akteur.tenant_id, akteur.user_id)
            .await
    }

    async fn zweitfaktor_entfernen(&self, tenant_id: i64, user_id: i64) -> Ergebnis<()> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::zweitfaktor_entfernen(&mut tx, user_id).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(tenant_id),
                actor_user_id: Some(user_id),
                action: "user.mfa_disable",
                object_type: "user",
                object_id: Some(user_id.to_string()),
                detail: json!({ "by": "self" }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The tenant's admin requires (or no longer requires) a second factor of its staff.
    pub async fn zweiter_faktor_pflicht_setzen(
        &self,
        akteur: &Akteur,
        pflicht: bool,
    ) -> Ergebnis<()> {
        nur_admin(akteur)?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::setze_zweiter_faktor_pflicht(&mut tx, akteur.tenant_id, pflicht).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "tenant.mfa_required",
                object_type: "tenant",
                object_id: Some(akteur.tenant_id.to_string()),
                detail: json!({ "required": pflicht }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
