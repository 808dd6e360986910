//! Signing in through an OpenID Connect provider: what happens to accounts once the adapter
//! has checked the provider's ID token (signature, issuer, audience, expiry, nonce).
//!
//! - **Applicants** come through the Land's Servicekonto (or BundID). The first sign-in
//!   creates the account from the verified claims and links it to the provider's subject;
//!   it is never linked to an existing account by e-mail alone. Such a sign-in opens only
//!   the person's Antragsteller memberships, never a staff role.
//! - **Staff** come through their authority's own directory. Role and Stelle membership
//!   follow the groups the directory reports, mapped by the tenant admin; they are
//!   re-evaluated at every sign-in, and a person without a mapped group loses the
//!   membership (and its sessions and tokens) at once.

use crate::Verfahren;
use crate::akteur::Akteur;
use crate::fehler::{Ergebnis, Fehler};
use crate::zugriff::nur_admin;
use plankammer_domain::vertrauensniveau::Vertrauensniveau;
use plankammer_domain::{Email, Role};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::identitaeten::{Anmeldeeinstellungen, Gruppenzuordnung};
use plankammer_storage::{Db, Konflikt, now_millis};
use serde_json::json;

/// Most groups of one person that are looked at (a directory may report hundreds).
pub const MAX_GRUPPEN: usize = 500;
/// Longest group name kept.
pub const MAX_GRUPPENNAME: usize = 256;

/// What a verified ID token says about the person.
#[derive(Debug, Clone, Default)]
pub struct Identitaet {
    /// The provider's id in this installation's configuration.
    pub anbieter: String,
    pub subject: String,
    pub email: Option<String>,
    /// False only when the provider says the address is not verified.
    pub email_verifiziert: bool,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub gruppen: Vec<String>,
    /// The provider reported the groups (the claim was there, and not longer than
    /// [`MAX_GRUPPEN`]): only then is a missing group a reason to take access away.
    pub gruppen_gemeldet: bool,
    /// The `acr` claim as the provider sent it.
    pub acr: Option<String>,
}

impl Identitaet {
    pub fn niveau(&self) -> Option<Vertrauensniveau> {
        self.acr.as_deref().and_then(Vertrauensniveau::aus_acr)
    }
}

/// How the sign-in goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExterneAnmeldung {
    /// Open a session for the person in this tenant; `mehrere`: they belong to several
    /// and choose first.
    Sitzung {
        user_id: i64,
        tenant_id: i64,
        mehrere: bool,
    },
    /// A new applicant chooses the authority they apply to first.
    BehoerdeWaehlen { user_id: i64 },
}

fn konto_vorhanden() -> Fehler {
    Fehler::konflikt(
        "Für die E-Mail-Adresse Ihres Kontos beim Anmeldedienst gibt es in Plankammer bereits ein Konto. \
         Bitte melden Sie sich mit Ihrem Passwort an und verbinden Sie den Anmeldedienst unter „Mein Konto“.",
    )
}

/// The display name from the claims, bounded and on one line.
fn name_aus(i: &Identitaet, email: &Email) -> String {
    let roh = i.name.as_deref().map(str::trim).unwrap_or_default();
    let roh = if roh.is_empty() { email.as_str() } else { roh };
    let einzeilig: String = roh
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(crate::antrag::MAX_NAME)
        .collect();
    einzeilig.trim().to_string()
}

/// The organisation from the claims, bounded and on one line (None: not reported).
fn organisation_aus(i: &Identitaet) -> Option<String> {
    let o: String = i
        .organisation
        .as_deref()?
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(crate::antrag::MAX_NAME)
        .collect();
    let o = o.trim();
    (!o.is_empty()).then(|| o.to_string())
}

fn deaktiviert() -> Fehler {
    Fehler::konflikt(
        "Ihr Konto bei Plankammer ist deaktiviert. Bitte wenden Sie sich an die Bauaufsichtsbehörde.",
    )
}

impl Verfahren {
    /// An applicant came back from the citizens' provider.
    pub async fn buerger_extern_anmelden(&self, i: &Identitaet) -> Ergebnis<ExterneAnmeldung> {
        let now = now_millis();
        let niveau = i.niveau().map(|n| n.code());
        let mut tx = self.db.begin().await?;
        let user_id = match Db::identitaet(&mut tx, &i.anbieter, &i.subject).await? {
            Some(uid) => {
                if Db::konto_deaktiviert(&mut tx, uid).await? {
                    return Err(deaktiviert());
                }
                Db::identitaet_gesehen(&mut tx, &i.anbieter, &i.subject, niveau, now).await?;
                uid
            }
            None => self.konto_fuer_identitaet(&mut tx, i, None, now).await?,
        };
        Db::organisation_setzen(&mut tx, user_id, organisation_aus(i).as_deref()).await?;
        tx.commit().await?;
        // Only the person's applicant memberships: a citizens' account never opens a staff
        // role (staff sign in through their authority).
        let eigene: Vec<_> = self
            .db
            .memberships_of(user_id)
            .await?
            .into_iter()
            .filter(|m| m.role == Role::Antragsteller)
            .collect();
        match eigene.as_slice() {
            [] => {
                // With one authority in the installation there is nothing to choose.
                let behoerden = self.db.tenants().await?;
                if let [nur] = behoerden.as_slice() {
                    self.antragsteller_behoerde_waehlen(user_id, nur.id).await?;
                    return Ok(ExterneAnmeldung::Sitzung {
                        user_id,
                        tenant_id: nur.id,
                        mehrere: false,
                    });
                }
                Ok(ExterneAnmeldung::BehoerdeWaehlen { user_id })
            }
            [m, rest @ ..] => Ok(ExterneAnmeldung::Sitzung {
                user_id,
                tenant_id: m.tenant.id,
                mehrere: !rest.is_empty(),
            }),
        }
    }

    /// The first sign-in of a provider's subject: a new account (no password) from the
    /// verified claims, linked to the subject, audited. Never an existing account by its
    /// address: that is a conflict with a pointer to „Mein Konto“.
    async fn konto_fuer_identitaet(
        &self,
        tx: &mut plankammer_storage::Tx,
        i: &Identitaet,
        tenant_id: Option<i64>,
        now: i64,
    ) -> Ergebnis<i64> {
        let niveau = i.niveau().map(|n| n.code());
        let email = self.verifizierte_adresse(i)?;
        let name = name_aus(i, &email);
        let user = Db::create_user(tx, &email, &name, "", now)
            .await
            .map_err(|e| match e {
                plankammer_storage::StoreError::Konflikt(Konflikt::EmailVergeben) => {
                    konto_vorhanden()
                }
                e => e.into(),
            })?;
        Db::identitaet_anlegen(tx, &i.anbieter, &i.subject, user.id, niveau, now).await?;
        Db::audit(
            tx,
            AuditEvent {
                tenant_id,
                actor_user_id: Some(user.id),
                action: "user.register",
                object_type: "user",
                object_id: Some(user.id.to_string()),
                detail: json!({ "via": "oidc", "anbieter": i.anbieter, "niveau": niveau }),
            },
            now,
        )
        .await?;
        Ok(user.id)
    }

    fn verifizierte_adresse(&self, i: &Identitaet) -> Ergebnis<Email> {
        let Some(adresse) = i.email.as_deref().filter(|e| !e.trim().is_empty()) else {
            return Err(Fehler::ungueltig(
                "Der Anmeldedienst hat keine E-Mail-Adresse übermittelt. Plankammer braucht sie, um Sie über Ihren Antrag zu benachrichtigen. Bitte geben Sie die Adresse beim Anmeldedienst frei.",
            ));
        };
        if !i.email_verifiziert {
            return Err(Fehler::ungueltig(
                "Der Anmeldedienst hat Ihre E-Mail-Adresse nicht bestätigt. Bitte bestätigen Sie sie dort und melden Sie sich dann erneut an.",
            ));
        }
        Ok(Email::parse(adresse)?)
    }

    /// A new applicant of the citizens' provider chooses the authority they apply to.
    pub async fn antragsteller_behoerde_waehlen(
        &self,
        user_id: i64,
        tenant_id: i64,
    ) -> Ergebnis<()> {
        let now = now_millis();
        self.db.tenant(tenant_id).await.map_err(|_| {
            Fehler::ungueltig(
                "Bitte wählen Sie die Bauaufsichtsbehörde aus, bei der Sie Anträge stellen.",
            )
        })?;
        let mut tx = self.db.begin().await?;
        match Db::mitgliedschaft_in(&mut tx, user_id, tenant_id).await? {
            Some((Role::Antragsteller, false)) => {}
            Some((Role::Antragsteller, true)) => {
                return Err(Fehler::konflikt(
                    "Ihr Zugang zu dieser Bauaufsichtsbehörde ist gesperrt. Bitte wenden Sie sich an die Behörde.",
                ));
            }
            // A staff membership is never opened through the citizens' provider (no second
            // factor, no directory): the person signs in the way their authority set.
            Some(_) => {
                return Err(Fehler::konflikt(
                    "Ihr Konto gehört zu den Beschäftigten dieser Behörde. Bitte melden Sie sich so an, wie Ihre Behörde es vorsieht (Passwort oder Anmeldedienst der Behörde).",
                ));
            }
            None => {
                Db::add_membership(&mut tx, user_id, tenant_id, Role::Antragsteller, now).await?;
                Db::audit(
                    &mut tx,
                    AuditEvent {
                        tenant_id: Some(tenant_id),
                        actor_user_id: Some(user_id),
                        action: "member.add",
                        object_type: "user",
                        object_id: Some(user_id.to_string()),
                        detail: json!({ "role": "antragsteller", "via": "oidc" }),
                    },
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// A person came back from the staff provider of `tenant_id`: their role and Stellen
    /// follow the mapped groups. Without a mapped group the person gets no access (and
    /// loses the membership they had, unless the admin deactivated it: that stands); the
    /// refusal is audited. A provider that reported no groups at all (a missing mapper, a
    /// wrong claim name, a cut list) changes nothing and lets nobody in.
    pub async fn personal_extern_anmelden(
        &self,
        i: &Identitaet,
        tenant_id: i64,
    ) -> Ergebnis<ExterneAnmeldung> {
        let now = now_millis();
        if !i.gruppen_gemeldet {
            self.db
                .audit_now(
                    AuditEvent {
                        tenant_id: Some(tenant_id),
                        actor_user_id: None,
                        action: "login.oidc.ohne_gruppen",
                        object_type: "user",
                        object_id: None,
                        detail: json!({ "anbieter": i.anbieter }),
                    },
                    now,
                )
                .await?;
            return Err(Fehler::konflikt(
                "Der Anmeldedienst Ihrer Behörde hat keine Gruppen übermittelt; ohne sie kann Plankammer Ihnen keine Rolle geben. Bitte wenden Sie sich an die Administration Ihrer Behörde.",
            ));
        }
        let zuordnungen = self.db.gruppenzuordnungen(tenant_id).await?;
        let gruppen: Vec<&str> = i.gruppen.iter().map(String::as_str).collect();
        let passend: Vec<&Gruppenzuordnung> = zuordnungen
            .iter()
            .filter(|z| gruppen.contains(&z.gruppe.as_str()))
            .collect();
        let rolle = passend.iter().map(|z| z.role).max_by_key(|r| rang(*r));
        let niveau = i.niveau().map(|n| n.code());
        let mut tx = self.db.begin().await?;
        let verknuepft = Db::identitaet(&mut tx, &i.anbieter, &i.subject).await?;
        if let Some(uid) = verknuepft
            && Db::konto_deaktiviert(&mut tx, uid).await?
        {
            return Err(deaktiviert());
        }
        let Some(rolle) = rolle else {
            // No mapped group: no access, and the membership ends now (with its sessions,
            // tokens and the Stellen the mapping gave). A deactivated membership stays as
            // the admin left it; its sessions end all the same.
            let entfernt = match verknuepft {
                Some(uid) => {
                    for s in Db::stellen_durch_anmeldedienst(&mut tx, uid, tenant_id).await? {
                        Db::entferne_stellenmitglied_in(&mut tx, s, uid).await?;
                    }
                    match Db::mitgliedschaft_in(&mut tx, uid, tenant_id).await? {
                        Some((_, true)) => {
                            Db::zugaenge_beenden(&mut tx, uid, tenant_id, now).await?;
                            false
                        }
                        Some(_) => {
                            Db::mitgliedschaft_entfernen(&mut tx, uid, tenant_id, now).await?
                        }
                        None => false,
                    }
                }
                None => false,
            };
            Db::audit(
                &mut tx,
                AuditEvent {
                    tenant_id: Some(tenant_id),
                    actor_user_id: verknuepft,
                    action: "login.oidc.keine_zuordnung",
                    object_type: "user",
                    object_id: verknuepft.map(|u| u.to_string()),
                    detail: json!({
                        "anbieter": i.anbieter,
                        "gruppen": gruppen.len(),
                        "mitgliedschaft_beendet": entfernt,
                    }),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            return Err(Fehler::KeineBerechtigung);
        };
        let user_id = match verknuepft {
            Some(uid) => {
                Db::identitaet_gesehen(&mut tx, &i.anbieter, &i.subject, niveau, now).await?;
                uid
            }
            None => {
                self.konto_fuer_identitaet(&mut tx, i, Some(tenant_id), now)
                    .await?
            }
        };
        match Db::mitgliedschaft_in(&mut tx, user_id, tenant_id).await? {
            None => {
                Db::add_membership(&mut tx, user_id, tenant_id, rolle, now).await?;
                self.audit_zuordnung(&mut tx, tenant_id, user_id, "member.add", rolle, now)
                    .await?;
            }
            // The admin's deactivation stands until the admin lifts it.
            Some((_, true)) => {
                tx.commit().await?;
                return Err(Fehler::konflikt(
                    "Ihr Zugang zu dieser Behörde ist gesperrt. Bitte wenden Sie sich an die Administration Ihrer Behörde.",
                ));
            }
            Some((bisher, false)) if bisher != rolle => {
                Db::rolle_setzen(&mut tx, user_id, tenant_id, rolle).await?;
                self.audit_zuordnung(&mut tx, tenant_id, user_id, "user.role", rolle, now)
                    .await?;
            }
            Some(_) => {}
        }
        // The Stellen the mapped groups name: joined; those the mapping gave earlier and no
        // group names any more (or whose mapping was deleted): left. Memberships an admin
        // gave are the admin's.
        let soll: Vec<i64> = passend.iter().filter_map(|z| z.stelle_id).collect();
        let ist = Db::stellen_durch_anmeldedienst(&mut tx, user_id, tenant_id).await?;
        for s in &soll {
            Db::stellenmitglied_durch_anmeldedienst(&mut tx, *s, user_id).await?;
        }
        for s in ist.iter().filter(|s| !soll.contains(s)) {
            Db::entferne_stellenmitglied_in(&mut tx, *s, user_id).await?;
        }
        tx.commit().await?;
        Ok(ExterneAnmeldung::Sitzung {
            user_id,
            tenant_id,
            mehrere: false,
        })
    }

    async fn audit_zuordnung(
        &self,
        tx: &mut plankammer_storage::Tx,
        tenant_id: i64,
        user_id: i64,
        action: &'static str,
        rolle: Role,
        now: i64,
    ) -> Ergebnis<()> {
        Db::audit(
            tx,
            AuditEvent {
                tenant_id: Some(tenant_id),
                actor_user_id: None,
                action,
                object_type: "user",
                object_id: Some(user_id.to_string()),
                detail: json!({ "role": rolle.code(), "via": "gruppen" }),
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// A signed-in person links their account to a provider (so they can sign in there
    /// from now on). Refused when that provider account belongs to another person here.
    pub async fn identitaet_verbinden(&self, user_id: i64, i: &Identitaet) -> Ergebnis<()> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        match Db::identitaet(&mut tx, &i.anbieter, &i.subject).await? {
            Some(u) if u == user_id => {}
            Some(_) => {
                return Err(Fehler::konflikt(
                    "Dieses Konto beim Anmeldedienst ist bereits mit einem anderen Plankammer-Konto verbunden.",
                ));
            }
            None => {
                let niveau = i.niveau().map(|n| n.code());
                Db::identitaet_anlegen(&mut tx, &i.anbieter, &i.subject, user_id, niveau, now)
                    .await?;
                Db::audit(
                    &mut tx,
                    AuditEvent {
                        tenant_id: None,
                        actor_user_id: Some(user_id),
                        action: "user.link",
                        object_type: "user",
                        object_id: Some(user_id.to_string()),
                        detail: json!({ "anbieter": i.anbieter }),
                    },
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    // --- The tenant admin's settings --------------------------------------------------

    pub async fn gruppenzuordnungen(&self, akteur: &Akteur) -> Ergebnis<Vec<Gruppenzuordnung>> {
        nur_admin(akteur)?;
        Ok(self.db.gruppenzuordnungen(akteur.tenant_id).await?)
    }

    /// Maps a group of the staff provider to a role (and, for Fachstellen, a Stelle the
    /// tenant may ask). Audited; applies at each person's next sign-in.
    pub async fn gruppenzuordnung_anlegen(
        &self,
        akteur: &Akteur,
        gruppe: &str,
        rolle: Role,
        stelle_id: Option<i64>,
    ) -> Ergebnis<i64> {
        nur_admin(akteur)?;
        let gruppe = gruppe.trim();
        if gruppe.is_empty()
            || gruppe.len() > MAX_GRUPPENNAME
            || gruppe.chars().any(char::is_control)
        {
            return Err(Fehler::ungueltig(format!(
                "Bitte geben Sie den Namen der Gruppe an, wie der Anmeldedienst ihn meldet (höchstens {MAX_GRUPPENNAME} Zeichen)."
            )));
        }
        if rolle == Role::Antragsteller {
            return Err(Fehler::ungueltig(
                "Gruppen des Anmeldedienstes der Behörde werden Rollen der Behörde zugeordnet (Bauaufsicht, Fachstelle, Administration).",
            ));
        }
        let stelle_id = match (rolle, stelle_id) {
            (Role::Fachstelle, None) => {
                return Err(Fehler::ungueltig(
                    "Bitte wählen Sie die Stelle, für die Mitglieder dieser Gruppe Stellungnahmen abgeben.",
                ));
            }
            (Role::Fachstelle, Some(s)) => {
                // Only the tenant's own Stellen: members of Land-wide ones are the
                // operator's to choose.
                let stellen = self.db.stellen_fuer(akteur.tenant_id).await?;
                if !stellen
                    .iter()
                    .any(|st| st.id == s && st.tenant_id == Some(akteur.tenant_id))
                {
                    return Err(Fehler::ungueltig("Diese Stelle gibt es hier nicht."));
                }
                Some(s)
            }
            _ => None,
        };
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let id =
            Db::gruppenzuordnung_anlegen(&mut tx, akteur.tenant_id, gruppe, rolle, stelle_id, now)
                .await
                .map_err(Fehler::bei(
                    Konflikt::Doppelt,
                    "Diese Zuordnung gibt es bereits.",
                ))?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "gruppenzuordnung.add",
                object_type: "gruppenzuordnung",
                object_id: Some(id.to_string()),
                detail: json!({ "gruppe": gruppe, "role": rolle.code(), "stelle_id": stelle_id }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn gruppenzuordnung_loeschen(&self, akteur: &Akteur, id: i64) -> Ergebnis<()> {
        nur_admin(akteur)?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let Some((gruppe, rolle)) =
            Db::gruppenzuordnung_loeschen(&mut tx, akteur.tenant_id, id).await?
        else {
            return Err(Fehler::NichtGefunden);
        };
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "gruppenzuordnung.remove",
                object_type: "gruppenzuordnung",
                object_id: Some(id.to_string()),
                detail: json!({ "gruppe": gruppe, "role": rolle.code() }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn anmeldeeinstellungen(&self, akteur: &Akteur) -> Ergebnis<Anmeldeeinstellungen> {
        nur_admin(akteur)?;
        Ok(self.db.anmeldeeinstellungen(akteur.tenant_id).await?)
    }

    /// Switches local passwords of the tenant's staff on or off and sets the least trust
    /// level for submitting. Switching local passwords off needs the tenant's staff
    /// provider (`anbieter`, its id) and every active staff account linked to it (each
    /// signs in there once, or links it under „Mein Konto“), or someone would be locked out.
    pub async fn anmeldeeinstellungen_setzen(
        &self,
        akteur: &Akteur,
        e: &Anmeldeeinstellungen,
        anbieter: Option<&str>,
    ) -> Ergebnis<()> {
        nur_admin(akteur)?;
        if !e.lokale_anmeldung {
            let Some(anbieter) = anbieter else {
                return Err(Fehler::ungueltig(
                    "Die Anmeldung mit Passwort lässt sich nur abschalten, wenn für Ihre Behörde ein Anmeldedienst eingerichtet ist.",
                ));
            };
            let offen = self
                .db
                .beschaeftigte_ohne_anbieter(akteur.tenant_id, anbieter)
                .await?;
            if offen > 0 {
                return Err(Fehler::ungueltig(format!(
                    "{offen} Beschäftigte haben ihr Konto noch nicht mit dem Anmeldedienst verbunden und könnten sich ohne Passwort nicht mehr anmelden. Sie verbinden es, indem sie sich einmal über den Anmeldedienst anmelden oder unter „Mein Konto“ „Jetzt verbinden“ wählen."
                )));
            }
        }
        if let Some(n) = e.mindest_niveau.as_deref()
            && Vertrauensniveau::from_code(n).is_none()
        {
            return Err(Fehler::ungueltig("Bitte wählen Sie ein Vertrauensniveau."));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::anmeldeeinstellungen_setzen(&mut tx, akteur.tenant_id, e).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "tenant.anmeldung",
                object_type: "tenant",
                object_id: Some(akteur.tenant_id.to_string()),
                detail: json!({
                    "lokale_anmeldung": e.lokale_anmeldung,
                    "mindest_niveau": e.mindest_niveau,
                }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Which role wins when a person's groups map to several.
fn rang(r: Role) -> u8 {
    match r {
        Role::Admin => 3,
        Role::Bauaufsicht => 2,
        Role::Fachstelle => 1,
        Role::Antragsteller => 0,
    }
}
