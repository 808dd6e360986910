//! One's own account: passwords (argon2id, on a blocking thread) and personal access
//! tokens for machine clients, each change audited and confirmed by mail.

use crate::Verfahren;
use crate::akteur::{Akteur, Anmeldeweg};
use crate::fehler::{Ergebnis, Fehler};
use plankammer_domain::notification::Notification;
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::tokens::{ApiToken, Rechte};
use plankammer_storage::{Db, now_millis};

/// Longest name of an access token.
pub const MAX_SCHLUESSELNAME: usize = 80;
/// How long a token works when nothing else is asked for, and at most (days).
pub const SCHLUESSEL_TAGE_STANDARD: u32 = 90;
pub const SCHLUESSEL_TAGE_HOECHSTENS: u32 = 365;

/// What a new token is to be.
#[derive(Debug, Clone, Copy)]
pub struct NeuerSchluessel<'a> {
    pub name: &'a str,
    pub rechte: Rechte,
    /// Days until it stops working; `None`: [`SCHLUESSEL_TAGE_STANDARD`].
    pub tage: Option<u32>,
    /// The one case the token may reach; `None`: every case the person sees.
    pub vorgang: Option<i64>,
}

/// Memory one argon2id hash takes (the crate's default, OWASP's m = 19 MiB).
const ARGON2_BYTES: u64 = 19 * 1024 * 1024;
/// Longest wait for a free password slot before the request is turned away as busy.
pub const PASSWORT_WARTEZEIT: std::time::Duration = std::time::Duration::from_secs(5);

/// How many password hashes may run at once: two per core (they are CPU-bound), and never
/// more than an eighth of the machine's memory (or of the cgroup's limit) at 19 MiB each.
/// A flood of logins then waits for a slot or is answered "busy" instead of growing the
/// server's memory with every request.
pub fn passwort_plaetze() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let speicher = speicher_grenze().unwrap_or(2 * 1024 * 1024 * 1024);
    let nach_speicher = (speicher / 8 / ARGON2_BYTES).max(1) as usize;
    (2 * cores).min(nach_speicher).max(1)
}

/// The memory this process may use: the cgroup's limit where one is set, else the machine's.
fn speicher_grenze() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let maschine = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    match (cgroup, maschine) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    }
}

fn plaetze() -> &'static tokio::sync::Semaphore {
    static S: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    S.get_or_init(|| tokio::sync::Semaphore::new(passwort_plaetze()))
}

/// Runs one password hash or check on a blocking thread, once a slot is free.
async fn mit_platz<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Ausgelastet> {
    mit_platz_in(plaetze(), PASSWORT_WARTEZEIT, f).await
}

async fn mit_platz_in<T: Send + 'static>(
    plaetze: &tokio::sync::Semaphore,
    wartezeit: std::time::Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Ausgelastet> {
    let platz = tokio::time::timeout(wartezeit, plaetze.acquire())
        .await
        .map_err(|_| Ausgelastet)?
        .map_err(|_| Ausgelastet)?;
    let r = tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Ausgelastet);
    drop(platz);
    r
}

/// Every password slot stayed taken for [`PASSWORT_WARTEZEIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ausgelastet;

/// Hashes on a blocking thread: argon2id takes tens of milliseconds of CPU on purpose.
pub async fn hash_password(password: String) -> Ergebnis<String> {
    mit_platz(move || plankammer_storage::accounts::hash_password(&password))
        .await
        .map_err(|_| {
            Fehler::ZuViele(
                "Der Dienst ist gerade stark ausgelastet. Bitte versuchen Sie es in einer Minute erneut."
                    .into(),
            )
        })?
        .map_err(Fehler::intern)
}

/// Checks a password on a blocking thread, once a slot is free.
pub async fn verify_password(password: String, hash: String) -> Result<bool, Ausgelastet> {
    mit_platz(move || plankammer_storage::accounts::verify_password(&password, &hash)).await
}

impl Verfahren {
    /// A personal access token for this person in this tenant: the secret is shown once;
    /// the creation is audited and the person gets a security notice by mail.
    pub async fn schluessel_erstellen(
        &self,
        akteur: &Akteur,
        neu: NeuerSchluessel<'_>,
    ) -> Ergebnis<(ApiToken, String)> {
        let name = neu.name.trim();
        let tage = neu.tage.unwrap_or(SCHLUESSEL_TAGE_STANDARD);
        if tage == 0 || tage > SCHLUESSEL_TAGE_HOECHSTENS {
            return Err(Fehler::ungueltig(format!(
                "Ein Schlüssel gilt mindestens 1 und höchstens {SCHLUESSEL_TAGE_HOECHSTENS} Tage."
            )));
        }
        if name.is_empty() || name.chars().count() > MAX_SCHLUESSELNAME {
            return Err(Fehler::ungueltig(format!(
                "Bitte geben Sie dem Schlüssel einen Namen (höchstens {MAX_SCHLUESSELNAME} Zeichen)."
            )));
        }
        if let Some(id) = neu.vorgang {
            // Only a case the person sees; any other is not found, the same for all.
            match self.vorgang(akteur, id).await {
                Ok(_) => {}
                Err(Fehler::NichtGefunden | Fehler::KeineBerechtigung) => {
                    return Err(Fehler::ungueltig(format!(
                        "Einen Vorgang {id} gibt es in Ihrer Behörde nicht, oder Sie sehen ihn nicht."
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let laeuft_ab = now + i64::from(tage) * 86_400_000;
        let (token, secret) = Db::create_token(
            &mut tx,
            &plankammer_storage::tokens::NeuerToken {
                user_id: akteur.user_id,
                tenant_id: akteur.tenant_id,
                name,
                rechte: neu.rechte,
                laeuft_ab_at: laeuft_ab,
                vorgang_id: neu.vorgang,
            },
            now,
        )
        .await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "token.create",
                object_type: "api_token",
                object_id: Some(token.id.to_string()),
                detail: serde_json::json!({ "rechte": neu.rechte.code(), "tage": tage, "vorgang": neu.vorgang }),
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

/// How long the confirmation link of a registration works.
pub const REGISTRIERUNG_GUELTIG_MS: i64 = 24 * 3600 * 1000;
/// Registration mails to one address per day; beyond, the page answers the same and no
/// mail leaves (nobody can flood an inbox in the authority's name).
pub const MAX_REGISTRIERUNGEN_JE_ADRESSE_TAG: i64 = 3;

impl Verfahren {
    /// An applicant registers for a tenant: nothing is created yet; a mail asks to confirm
    /// the address with a single-use link (24 hours). If the address has an account already,
    /// the mail says so instead. The answer (`Ok`) is the same either way and takes as long,
    /// so the page tells nobody whether an address has an account.
    pub async fn registrieren(
        &self,
        tenant_id: i64,
        name: &str,
        email: &str,
        passwort: &str,
        wiederholung: &str,
    ) -> Ergebnis<()> {
        let tenant = self.db.tenant(tenant_id).await.map_err(|_| {
            Fehler::ungueltig(
                "Bitte wählen Sie die Bauaufsichtsbehörde aus, bei der Sie Anträge stellen.",
            )
        })?;
        let name = crate::antrag::einzeiliger_name(name, crate::antrag::MAX_NAME)?;
        let email = plankammer_domain::Email::parse(email)?;
        plankammer_domain::account::check_password_fuer(passwort, &[email.as_str(), name])?;
        if passwort != wiederholung {
            return Err(Fehler::ungueltig(
                "Die beiden Passwörter stimmen nicht überein.",
            ));
        }
        // Hashed in both cases: the answer takes as long for a known address.
        let hash = hash_password(passwort.to_string()).await?;
        let vorhanden = self.db.credentials(&email).await?.is_some();
        let now = now_millis();
        let secret = plankammer_storage::random_token(32);
        let mut tx = self.db.begin().await?;
        let gesendet =
            Db::registrierungen_seit(&mut tx, email.as_str(), now - 24 * 3600 * 1000).await?;
        if gesendet >= MAX_REGISTRIERUNGEN_JE_ADRESSE_TAG {
            tracing::warn!("registration mail not sent: daily limit for the address reached");
            return Ok(());
        }
        // A row in both cases (for an existing account one that can never be confirmed),
        // so the daily limit counts every mail.
        let id = Db::registrierung_anlegen(
            &mut tx,
            &plankammer_storage::registrierung::NeueRegistrierung {
                tenant_id: tenant.id,
                email: email.as_str(),
                name,
                password_hash: if vorhanden { "" } else { &hash },
                token_hash: &plankammer_storage::sha256_hex(&secret),
                laeuft_ab_at: if vorhanden {
                    now
                } else {
                    now + REGISTRIERUNG_GUELTIG_MS
                },
            },
            now,
        )
        .await?;
        if vorhanden {
            Db::registrierung_bestaetigen(&mut tx, id, now).await?;
        }
        let mail = Notification::Registrierung {
            name: name.to_string(),
            behoerde: tenant.name.clone(),
            bestaetigungs_url: (!vorhanden).then(|| self.url(&format!("/registrieren/{secret}"))),
            anmelde_url: self.url("/anmelden"),
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
        Ok(())
    }

    /// The link of the mail was followed and confirmed: the account (as Antragsteller/in of
    /// the chosen tenant) is created, once. Returns (user id, tenant id) for the session.
    pub async fn registrierung_bestaetigen(&self, secret: &str) -> Ergebnis<(i64, i64)> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let Some(r) =
            Db::registrierung_per_token(&mut tx, &plankammer_storage::sha256_hex(secret)).await?
        else {
            return Err(Fehler::ungueltig(
                "Dieser Link ist ungültig. Bitte prüfen Sie, ob Sie ihn vollständig aus der E-Mail übernommen haben.",
            ));
        };
        if r.bestaetigt_at.is_some() {
            return Err(Fehler::konflikt(
                "Diese E-Mail-Adresse ist bereits bestätigt. Bitte melden Sie sich an.",
            ));
        }
        if now >= r.laeuft_ab_at {
            return Err(Fehler::ungueltig(
                "Dieser Link ist abgelaufen (er gilt 24 Stunden). Bitte registrieren Sie sich erneut.",
            ));
        }
        if !Db::registrierung_bestaetigen(&mut tx, r.id, now).await? {
            return Err(Fehler::konflikt(
                "Diese E-Mail-Adresse ist bereits bestätigt. Bitte melden Sie sich an.",
            ));
        }
        let email = plankammer_domain::Email::parse(&r.email)?;
        let user = Db::create_user(&mut tx, &email, &r.name, &r.password_hash, now)
            .await
            .map_err(Fehler::bei(
                plankammer_storage::Konflikt::EmailVergeben,
                "Für diese E-Mail-Adresse gibt es bereits ein Konto. Bitte melden Sie sich an.",
            ))?;
        Db::add_membership(
            &mut tx,
            user.id,
            r.tenant_id,
            plankammer_domain::Role::Antragsteller,
            now,
        )
        .await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(r.tenant_id),
                actor_user_id: Some(user.id),
                action: "user.register",
                object_type: "user",
                object_id: Some(user.id.to_string()),
                detail: serde_json::json!({ "role": "antragsteller" }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((user.id, r.tenant_id))
    }
}

/// How long a "Passwort vergessen" link works.
pub const PASSWORT_LINK_GUELTIG_MS: i64 = 3600 * 1000;
/// Such links (mails) per person and day.
pub const MAX_PASSWORT_LINKS_TAG: i64 = 3;

impl Verfahren {
    /// "Passwort vergessen": if the address belongs to an enabled account, a single-use link
    /// (one hour) goes to it, at most three a day. The answer is the same in every case, so
    /// it says nothing about whether an address has an account.
    pub async fn passwort_vergessen(&self, email: &str) -> Ergebnis<()> {
        let email = plankammer_domain::Email::parse(email)?;
        let Some((user_id, _)) = self.db.credentials(&email).await? else {
            return Ok(());
        };
        let Some(tenant_id) = self
            .db
            .memberships_of(user_id)
            .await?
            .first()
            .map(|m| m.tenant.id)
        else {
            return Ok(());
        };
        self.passwort_link_senden(user_id, tenant_id, None).await
    }

    /// The single-use link that sets a new password, mailed in the tenant's name (the
    /// person asked, or the tenant's admin sent it); at most three a day per person. Quiet
    /// when the limit is reached (the person asked: nothing to tell).
    pub(crate) async fn passwort_link_senden(
        &self,
        user_id: i64,
        tenant_id: i64,
        admin: Option<i64>,
    ) -> Ergebnis<()> {
        let user = self.db.user(user_id).await?;
        let email = plankammer_domain::Email::parse(&user.email)?;
        let now = now_millis();
        let secret = plankammer_storage::random_token(32);
        let mut tx = self.db.begin().await?;
        if Db::passwort_links_seit(&mut tx, user_id, now - 24 * 3600 * 1000).await?
            >= MAX_PASSWORT_LINKS_TAG
        {
            tracing::warn!(user_id, "password link not sent: daily limit reached");
            if admin.is_some() {
                return Err(Fehler::ZuViele(format!(
                    "Diese Person hat heute schon {MAX_PASSWORT_LINKS_TAG} Links zum Zurücksetzen erhalten. Bitte versuchen Sie es morgen erneut."
                )));
            }
            return Ok(());
        }
        Db::passwort_link_anlegen(
            &mut tx,
            user_id,
            &plankammer_storage::sha256_hex(&secret),
            now + PASSWORT_LINK_GUELTIG_MS,
            now,
        )
        .await?;
        let mail = Notification::PasswortZuruecksetzen {
            name: user.display_name.clone(),
            link_url: self.url(&format!("/passwort-vergessen/{secret}")),
            absender: Db::absender(&mut tx, tenant_id).await?,
        };
        let rendered = mail.render().map_err(Fehler::intern)?;
        Db::queue_mail(
            &mut tx,
            Some(tenant_id),
            mail.kind(),
            email.as_str(),
            &rendered,
            &self.cfg.mail_domain,
            now,
        )
        .await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(tenant_id),
                actor_user_id: admin,
                action: "user.password_link",
                object_type: "user",
                object_id: Some(user_id.to_string()),
                detail: serde_json::json!({ "by_admin": admin.is_some() }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the new password with the link of the mail: once, within the hour; every
    /// session of the person ends (whoever else was signed in is out).
    pub async fn passwort_zuruecksetzen(
        &self,
        secret: &str,
        passwort: &str,
        wiederholung: &str,
    ) -> Ergebnis<()> {
        plankammer_domain::account::check_password(passwort)?;
        if passwort != wiederholung {
            return Err(Fehler::ungueltig(
                "Die beiden Passwörter stimmen nicht überein.",
            ));
        }
        let hash = hash_password(passwort.to_string()).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let Some(user_id) =
            Db::passwort_link_einloesen(&mut tx, &plankammer_storage::sha256_hex(secret), now)
                .await?
        else {
            return Err(Fehler::ungueltig(
                "Dieser Link ist ungültig, abgelaufen (er gilt eine Stunde) oder schon benutzt. Bitte fordern Sie einen neuen an.",
            ));
        };
        Db::passwort_neu_setzen(&mut tx, user_id, &hash, now).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: None,
                actor_user_id: Some(user_id),
                action: "user.password_reset",
                object_type: "user",
                object_id: Some(user_id.to_string()),
                detail: serde_json::json!({ "sitzungen_beendet": true }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Verfahren {
    /// The authorities the person may work for in this session, with the role in each
    /// ("Behörde wählen"). A session of the citizens' provider reaches only applicant
    /// memberships; one of an authority's provider only that authority; a password session
    /// no staff membership of an authority that switched passwords off.
    pub async fn meine_behoerden(
        &self,
        akteur: &Akteur,
    ) -> Ergebnis<Vec<plankammer_storage::accounts::Member>> {
        let mut erlaubt = Vec::new();
        for m in self.db.memberships_of(akteur.user_id).await? {
            if self
                .zulaessig(akteur.anmeldeweg, Some(akteur.tenant_id), &m)
                .await?
            {
                erlaubt.push(m);
            }
        }
        Ok(erlaubt)
    }

    /// The memberships a password (and second factor) may open: every applicant
    /// membership, staff memberships only where the authority did not switch passwords off.
    pub async fn mitgliedschaften_mit_passwort(
        &self,
        user_id: i64,
    ) -> Ergebnis<Vec<plankammer_storage::accounts::Member>> {
        let mut erlaubt = Vec::new();
        for m in self.db.memberships_of(user_id).await? {
            if self.zulaessig(Anmeldeweg::Passwort, None, &m).await? {
                erlaubt.push(m);
            }
        }
        Ok(erlaubt)
    }

    async fn zulaessig(
        &self,
        weg: Anmeldeweg,
        sitzung_in: Option<i64>,
        m: &plankammer_storage::accounts::Member,
    ) -> Ergebnis<bool> {
        Ok(match weg {
            Anmeldeweg::Servicekonto => m.role == plankammer_domain::Role::Antragsteller,
            Anmeldeweg::Behoerdenkonto => Some(m.tenant.id) == sitzung_in,
            Anmeldeweg::Passwort => {
                m.role == plankammer_domain::Role::Antragsteller
                    || self
                        .db
                        .anmeldeeinstellungen(m.tenant.id)
                        .await?
                        .lokale_anmeldung
            }
        })
    }

    /// The person switches to another authority they belong to (audited there); the
    /// adapter then opens a session for it. Another tenant is simply not found.
    pub async fn behoerde_wechseln(&self, akteur: &Akteur, tenant_id: i64) -> Ergebnis<()> {
        if !self
            .meine_behoerden(akteur)
            .await?
            .iter()
            .any(|m| m.tenant.id == tenant_id)
        {
            return Err(Fehler::NichtGefunden);
        }
        self.db
            .audit_now(
                AuditEvent {
                    tenant_id: Some(tenant_id),
                    actor_user_id: Some(akteur.user_id),
                    action: "login.switch",
                    object_type: "user",
                    object_id: Some(akteur.user_id.to_string()),
                    detail: serde_json::json!({ "from_tenant": akteur.tenant_id }),
                },
                now_millis(),
            )
            .await?;
        Ok(())
    }

    /// The person's own live sessions ("Mein Konto").
    pub async fn sitzungen(
        &self,
        akteur: &Akteur,
    ) -> Ergebnis<Vec<plankammer_storage::sessions::SitzungsEintrag>> {
        Ok(self.db.sitzungen_von(akteur.user_id, now_millis()).await?)
    }

    /// Ends one of the person's own sessions (a lost phone, a shared computer); audited.
    /// Someone else's session is not found.
    pub async fn sitzung_beenden(&self, akteur: &Akteur, id: &str) -> Ergebnis<()> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::sitzung_beenden(&mut tx, akteur.user_id, id).await? {
            return Err(Fehler::NichtGefunden);
        }
        self.sitzungen_vermerken(&mut tx, akteur, 1, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of the person except `eigene` (the one in use); audited.
    pub async fn andere_sitzungen_beenden(&self, akteur: &Akteur, eigene: &str) -> Ergebnis<u64> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let n = Db::andere_sitzungen_beenden(&mut tx, akteur.user_id, eigene).await?;
        self.sitzungen_vermerken(&mut tx, akteur, n, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn sitzungen_vermerken(
        &self,
        tx: &mut plankammer_storage::Tx,
        akteur: &Akteur,
        anzahl: u64,
        now: i64,
    ) -> Ergebnis<()> {
        Db::audit(
            tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "session.end",
                object_type: "user",
                object_id: Some(akteur.user_id.to_string()),
                detail: serde_json::json!({ "anzahl": anzahl }),
            },
            now,
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Twenty checks at once through two slots: never more than two run together, and those
    /// that wait longer than the wait time are turned away instead of piling up.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn password_work_is_bounded_by_its_slots() {
        let plaetze = Arc::new(tokio::sync::Semaphore::new(2));
        let laufend = Arc::new(AtomicUsize::new(0));
        let hoechstens = Arc::new(AtomicUsize::new(0));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (p, l, h) = (plaetze.clone(), laufend.clone(), hoechstens.clone());
            set.spawn(async move {
                mit_platz_in(&p, Duration::from_millis(250), move || {
                    let jetzt = l.fetch_add(1, Ordering::SeqCst) + 1;
                    h.fetch_max(jetzt, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(100));
                    l.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            });
        }
        let mut fertig = 0;
        let mut abgewiesen = 0;
        while let Some(r) = set.join_next().await {
            match r.unwrap() {
                Ok(()) => fertig += 1,
                Err(Ausgelastet) => abgewiesen += 1,
            }
        }
        assert_eq!(hoechstens.load(Ordering::SeqCst), 2);
        assert!(
            fertig >= 4 && abgewiesen >= 10,
            "{fertig} done, {abgewiesen} busy"
        );
        assert_eq!(fertig + abgewiesen, 20);
    }

    #[test]
    fn slots_follow_cores_and_memory() {
        let n = passwort_plaetze();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert!(n >= 1 && n <= 2 * cores, "{n} slots for {cores} cores");
    }
}
