//! A tenant's administration and the operator's: accounts, tenants, the Stellen of the
//! Beteiligung and their members, the document checklists of the procedures (versioned), the
//! Aktenzeichen format. (The operator's demo cases are in [`crate::demo`].)
//!
//! The tenant's admin acts on its own tenant only ([`crate::zugriff::nur_admin`]; another
//! tenant's Stelle is 404); the operator ([`Betreiber`], only the CLI makes one) creates
//! tenants, accounts in any tenant and Land-wide Stellen. Every change commits with its audit
//! entry; a new account also with its mail.

use crate::Verfahren;
use crate::akteur::{Akteur, Betreiber};
use crate::fehler::{Ergebnis, Fehler};
use crate::zugriff::nur_admin;
use chrono::Datelike;
use plankammer_domain::aktenzeichen::{Aktenzeichen, AktenzeichenFormat};
use plankammer_domain::codeliste;
use plankammer_domain::notification::Notification;
use plankammer_domain::verfahren::{
    Anforderung, Checkliste, Position, Verfahrensart, standard_checkliste,
};
use plankammer_domain::{Email, Role, TenantSlug};
use plankammer_storage::accounts::{Tenant, User};
use plankammer_storage::audit::AuditEvent;
use plankammer_storage::beteiligung::Stelle;
use plankammer_storage::stellen::Stellenmitglied;
use plankammer_storage::verwaltung::ChecklistenVersion;
use plankammer_storage::{Db, Konflikt, StoreError, heute_berlin, now_millis};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// Longest name of a person's account.
pub const MAX_KONTONAME: usize = 200;
/// Longest name of a tenant (Behörde).
pub const MAX_BEHOERDE: usize = 200;
/// Longest name of a Stelle.
pub const MAX_NAME: usize = 200;
/// Longest Rechtsbereich.
pub const MAX_RECHTSBEREICH: usize = 200;
/// Most own Stellen of a tenant (a county has a few dozen at most).
pub const MAX_STELLEN: usize = 500;
/// Most rows a checklist may have (the code list of Anlagearten has about 300 entries).
pub const MAX_ZEILEN: usize = 400;
/// Longest condition or time text of a checklist row.
pub const MAX_TEXT: usize = 300;

/// The kinds of a checklist row as the editor offers them.
pub const ARTEN: [(&str, &str); 4] = [
    ("pflicht", "Pflicht"),
    ("bedingt", "bedingt (mit Bedingung)"),
    ("bei_bedarf", "bei Bedarf"),
    ("spaeter", "später (mit Zeitpunkt)"),
];

// --- Accounts ---------------------------------------------------------------------------------

/// A new account as entered.
#[derive(Debug, Clone)]
pub struct NeuesKonto<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub passwort: &'a str,
    pub rolle: Role,
}

/// What a tenant admin changes on a person of the own authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kontoaenderung {
    Sperren,
    Entsperren,
    Rolle(Role),
    /// A mail with a single-use link to set a new password.
    PasswortLink,
    /// Every session in the authority ends and the person's tokens for it are revoked.
    SitzungenBeenden,
    /// The second factor is removed (a lost phone): the next login sets up a new one.
    ZweitenFaktorZuruecksetzen,
}

// --- Stellen ----------------------------------------------------------------------------------

/// A Stelle as entered: name, Rechtsbereich, the AGS of the Gemeinde it is (empty: none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct StelleEingabe {
    pub name: String,
    pub rechtsbereich: String,
    pub gemeinde: String,
}

/// A Stelle's values, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GepruefteStelle {
    pub name: String,
    pub rechtsbereich: String,
    pub gemeinde_ags: Option<String>,
}

impl StelleEingabe {
    /// The checked values, or every problem as a German sentence.
    pub fn pruefe(&self) -> Result<GepruefteStelle, Vec<String>> {
        let mut fehler = Vec::new();
        let name = self.name.trim().to_string();
        let rechtsbereich = self.rechtsbereich.trim().to_string();
        if name.is_empty() {
            fehler.push("Bitte geben Sie den Namen der Stelle an.".to_string());
        }
        if name.chars().count() > MAX_NAME {
            fehler.push(format!(
                "Der Name ist zu lang (höchstens {MAX_NAME} Zeichen)."
            ));
        }
        if rechtsbereich.chars().count() > MAX_RECHTSBEREICH {
            fehler.push(format!(
                "Der Rechtsbereich ist zu lang (höchstens {MAX_RECHTSBEREICH} Zeichen)."
            ));
        }
        if name
            .chars()
            .chain(rechtsbereich.chars())
            .any(char::is_control)
        {
            fehler.push("Name und Rechtsbereich dürfen keine Steuerzeichen enthalten.".to_string());
        }
        let ags = self.gemeinde.trim();
        let gemeinde_ags = if ags.is_empty() {
            None
        } else if codeliste::gemeinden_hessen().enthaelt(ags) {
            Some(ags.to_string())
        } else {
            fehler.push("Bitte wählen Sie die Gemeinde aus der Liste.".to_string());
            None
        };
        if fehler.is_empty() {
            Ok(GepruefteStelle {
                name,
                rechtsbereich,
                gemeinde_ags,
            })
        } else {
            Err(fehler)
        }
    }
}

/// An account of the tenant that can work for a Stelle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fachstellenkonto {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// One Stelle on the admin's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StelleImUeberblick {
    pub stelle: Stelle,
    /// The Gemeinde's name, when the Stelle is one.
    pub gemeinde: Option<String>,
    /// The members the admin may see by name: all of a tenant's own Stelle; of a Land-wide
    /// Stelle only the tenant's own accounts (its other members work in other tenants).
    pub mitglieder: Vec<Stellenmitglied>,
    pub anzahl_mitglieder: usize,
    /// The tenant's Fachstelle accounts that are no member yet.
    pub kandidaten: Vec<Fachstellenkonto>,
}

/// The admin's page of the Stellen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stellenverwaltung {
    /// The tenant's active Fachstelle accounts.
    pub konten: Vec<Fachstellenkonto>,
    pub eigene: Vec<StelleImUeberblick>,
    pub land: Vec<StelleImUeberblick>,
}

// --- Checklists -------------------------------------------------------------------------------

/// The kind of a row and its text as the editor shows them.
pub fn art_und_text(a: &Anforderung) -> (&'static str, String) {
    match a {
        Anforderung::Pflicht => ("pflicht", String::new()),
        Anforderung::Bedingt(b) => ("bedingt", b.clone()),
        Anforderung::BeiBedarf => ("bei_bedarf", String::new()),
        Anforderung::Spaeter(z) => ("spaeter", z.clone()),
    }
}

/// The requirement of a row from the editor's kind and text; `None` for an unknown kind.
pub fn anforderung_aus(art: &str, text: &str) -> Option<Anforderung> {
    match art.trim() {
        "pflicht" => Some(Anforderung::Pflicht),
        "bedingt" => Some(Anforderung::Bedingt(text.trim().to_string())),
        "bei_bedarf" => Some(Anforderung::BeiBedarf),
        "spaeter" => Some(Anforderung::Spaeter(text.trim().to_string())),
        _ => None,
    }
}

/// One row of the editor as the browser sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ZeileEingabe {
    pub code: String,
    pub art: String,
    pub text: String,
    pub entfernen: bool,
}

/// The checklist editor's form: rows `code_N`, `art_N`, `text_N`, `entfernen_N`; the new row
/// `neu_code`, `neu_art`, `neu_text`; the version the form was built from (`basis`, 0 for
/// the default) and the page's button (`aktion`: `speichern` or `standard`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChecklistenEingabe {
    pub basis: Option<i64>,
    pub aktion: String,
    pub zeilen: Vec<ZeileEingabe>,
    pub neu: ZeileEingabe,
}

impl ChecklistenEingabe {
    /// Reads the form; rows without a code are dropped. More than [`MAX_ZEILEN`] rows: 422.
    pub fn aus_feldern(felder: Vec<(String, String)>) -> Ergebnis<ChecklistenEingabe> {
        let mut e = ChecklistenEingabe::default();
        let mut zeilen: BTreeMap<usize, ZeileEingabe> = BTreeMap::new();
        for (k, v) in felder {
            match k.as_str() {
                "basis" => e.basis = v.trim().parse().ok(),
                "aktion" => e.aktion = v,
                "neu_code" => e.neu.code = v.trim().to_string(),
                "neu_art" => e.neu.art = v,
                "neu_text" => e.neu.text = v,
                _ => {
                    let Some((feld, nr)) = k.rsplit_once('_') else {
                        continue;
                    };
                    let Ok(nr) = nr.parse::<usize>() else {
                        continue;
                    };
                    if nr >= MAX_ZEILEN {
                        return Err(Fehler::ungueltig(format!(
                            "Eine Checkliste kann höchstens {MAX_ZEILEN} Positionen haben."
                        )));
                    }
                    let z = zeilen.entry(nr).or_default();
                    match feld {
                        "code" => z.code = v.trim().to_string(),
                        "art" => z.art = v,
                        "text" => z.text = v,
                        "entfernen" => z.entfernen = true,
                        _ => {}
                    }
                }
            }
        }
        e.zeilen = zeilen
            .into_values()
            .filter(|z| !z.code.is_empty())
            .collect();
        Ok(e)
    }
}

/// The checklist the form asks for, checked with [`Checkliste::pruefe`]; or every German
/// reason why not. Notes and alternative Anlagearten of a row are kept from the list in
/// force (or the default of the procedure for a row added again).
pub fn baue_checkliste(
    v: Verfahrensart,
    basis: &Checkliste,
    e: &ChecklistenEingabe,
) -> Result<Checkliste, Vec<String>> {
    let standard = standard_checkliste(v);
    let anlagen = codeliste::anlagen();
    let mut fehler = Vec::new();
    let mut positionen = Vec::new();
    let neu = (!e.neu.code.is_empty()).then_some(&e.neu);
    for z in e.zeilen.iter().filter(|z| !z.entfernen).chain(neu) {
        let text = z.text.trim();
        if text.chars().count() > MAX_TEXT {
            fehler.push(format!(
                "Der Text zur Anlageart „{}“ ist zu lang (höchstens {MAX_TEXT} Zeichen).",
                z.code
            ));
        }
        let Some(anforderung) = anforderung_aus(&z.art, text) else {
            fehler.push(format!(
                "Bitte wählen Sie für die Anlageart „{}“, ob sie Pflicht, bedingt, bei Bedarf oder später einzureichen ist.",
                z.code
            ));
            continue;
        };
        let vorlage = basis
            .position(&z.code)
            .or_else(|| standard.position(&z.code));
        positionen.push(Position {
            anlageart: z.code.clone(),
            name: anlagen.name(&z.code).unwrap_or_default().to_string(),
            hinweis: vorlage.and_then(|p| p.hinweis.clone()),
            auch: vorlage.map(|p| p.auch.clone()).unwrap_or_default(),
            anforderung,
        });
    }
    let c = Checkliste {
        version: basis.version.max(1),
        verfahren: v,
        positionen,
    };
    if let Err(e) = c.pruefe() {
        fehler.extend(e.meldungen);
    }
    if fehler.is_empty() {
        Ok(c)
    } else {
        Err(fehler)
    }
}

/// The checklist in force for a procedure of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeltendeCheckliste {
    /// The tenant's newest version; `None`: the shipped default applies.
    pub version: Option<i64>,
    pub liste: Checkliste,
    /// The newest stored version cannot be read (then the default applies, as on the case
    /// pages).
    pub unlesbar: bool,
}

impl GeltendeCheckliste {
    /// How many rows are Pflicht.
    pub fn pflicht(&self) -> usize {
        pflicht(&self.liste)
    }
}

fn pflicht(c: &Checkliste) -> usize {
    c.positionen
        .iter()
        .filter(|p| p.anforderung == Anforderung::Pflicht)
        .count()
}

// --- Aktenzeichen -----------------------------------------------------------------------------

/// The tenant's Aktenzeichen format and what the next submission gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aktenzeichenstand {
    pub gespeichert: AktenzeichenFormat,
    pub jahr: i64,
    /// The number the next submission of this year gets (the counter is not taken).
    pub nummer: i64,
    pub naechstes: Aktenzeichen,
}

impl Aktenzeichenstand {
    /// What a format and short name as typed would give for the next submission; or why
    /// they are not acceptable (German sentences). Nothing is stored.
    pub fn vorschau(&self, format: &str, kuerzel: &str) -> Result<Aktenzeichen, Vec<String>> {
        AktenzeichenFormat::parse(format.trim(), kuerzel.trim())
            .map(|f| f.bilde(self.jahr, self.nummer))
            .map_err(|e| e.0)
    }
}

impl Verfahren {
    // --- Accounts and tenants ---------------------------------------------------------------

    /// The tenant's admin changes a person of the own authority: deactivates or reactivates
    /// the membership (deactivating ends the person's sessions there and revokes their
    /// tokens at once; their cases and statements stay attributed), changes the role, sends
    /// a link to set a new password, or ends every session. Audited; never on the admin's
    /// own account (no admin locks themselves out); a person of another tenant is not found.
    pub async fn konto_aendern(
        &self,
        akteur: &Akteur,
        user_id: i64,
        aenderung: Kontoaenderung,
    ) -> Ergebnis<()> {
        nur_admin(akteur)?;
        if user_id == akteur.user_id && aenderung != Kontoaenderung::SitzungenBeenden {
            return Err(Fehler::konflikt(
                "Ihr eigenes Konto ändert eine andere Person mit der Rolle Administration.",
            ));
        }
        self.aendere_konto(akteur.tenant_id, Some(akteur.user_id), user_id, aenderung)
            .await
    }

    /// The operator changes a person in any tenant (`plankammer user sperren|entsperren|rolle`).
    pub async fn konto_aendern_als_betreiber(
        &self,
        _: &Betreiber,
        tenant_id: i64,
        user_id: i64,
        aenderung: Kontoaenderung,
    ) -> Ergebnis<()> {
        self.aendere_konto(tenant_id, None, user_id, aenderung)
            .await
    }

    async fn aendere_konto(
        &self,
        tenant_id: i64,
        admin: Option<i64>,
        user_id: i64,
        aenderung: Kontoaenderung,
    ) -> Ergebnis<()> {
        let m = self
            .db
            .mitglied_der_behoerde(user_id, tenant_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => Fehler::NichtGefunden,
                e => e.into(),
            })?;
        if aenderung == Kontoaenderung::PasswortLink {
            if m.gesperrt || m.user.disabled {
                return Err(Fehler::konflikt(
                    "Das Konto ist gesperrt. Entsperren Sie es, bevor Sie einen Link senden.",
                ));
            }
            return self.passwort_link_senden(user_id, tenant_id, admin).await;
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let (action, detail) = match aenderung {
            Kontoaenderung::Sperren => {
                Db::mitgliedschaft_sperren(&mut tx, user_id, tenant_id, true, now).await?;
                ("user.disable", json!({}))
            }
            Kontoaenderung::Entsperren => {
                Db::mitgliedschaft_sperren(&mut tx, user_id, tenant_id, false, now).await?;
                ("user.enable", json!({}))
            }
            Kontoaenderung::Rolle(rolle) => {
                Db::rolle_setzen(&mut tx, user_id, tenant_id, rolle).await?;
                (
                    "user.role",
                    json!({ "from": m.role.code(), "to": rolle.code() }),
                )
            }
            Kontoaenderung::SitzungenBeenden => {
                let n = Db::zugaenge_beenden(&mut tx, user_id, tenant_id, now).await?;
                ("user.sessions_end", json!({ "sessions": n }))
            }
            Kontoaenderung::ZweitenFaktorZuruecksetzen => {
                Db::zweitfaktor_entfernen(&mut tx, user_id).await?;
                ("user.mfa_disable", json!({ "by": "admin" }))
            }
            Kontoaenderung::PasswortLink => unreachable!("handled above"),
        };
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(tenant_id),
                actor_user_id: admin,
                action,
                object_type: "user",
                object_id: Some(user_id.to_string()),
                detail,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The operator creates an account in any tenant (`plankammer user add`).
    pub async fn konto_anlegen_als_betreiber(
        &self,
        _: &Betreiber,
        tenant_id: i64,
        neu: &NeuesKonto<'_>,
    ) -> Ergebnis<i64> {
        self.lege_konto_an(tenant_id, None, neu).await
    }

    /// The account, its membership, the audit entry and the mail, in one transaction. (A
    /// tenant admin invites instead: [`Verfahren::zugang_einladen`].)
    async fn lege_konto_an(
        &self,
        tenant_id: i64,
        actor_user_id: Option<i64>,
        neu: &NeuesKonto<'_>,
    ) -> Ergebnis<i64> {
        let email = Email::parse(neu.email)?;
        let name = neu.name.trim();
        if name.is_empty() || name.chars().count() > MAX_KONTONAME {
            return Err(Fehler::ungueltig(format!(
                "Bitte geben Sie einen Namen an (höchstens {MAX_KONTONAME} Zeichen)."
            )));
        }
        plankammer_domain::account::check_password_fuer(neu.passwort, &[email.as_str(), name])?;
        let tenant = self.db.tenant(tenant_id).await?;
        let hash = crate::konto::hash_password(neu.passwort.to_string()).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let user = Db::create_user(&mut tx, &email, name, &hash, now)
            .await
            .map_err(Fehler::bei(
                Konflikt::EmailVergeben,
                "Für diese E-Mail-Adresse gibt es bereits ein Konto.",
            ))?;
        Db::add_membership(&mut tx, user.id, tenant.id, neu.rolle, now).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(tenant.id),
                actor_user_id,
                action: "user.create",
                object_type: "user",
                object_id: Some(user.id.to_string()),
                detail: json!({ "role": neu.rolle.code() }),
            },
            now,
        )
        .await?;
        let mail = Notification::KontoAngelegt {
            name: name.to_string(),
            behoerde: tenant.name.clone(),
            rolle: neu.rolle.bezeichnung().to_string(),
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
        Ok(user.id)
    }

    /// The operator creates a tenant (a Bauaufsichtsbehörde; `plankammer tenant add`),
    /// audited.
    pub async fn tenant_anlegen(&self, _: &Betreiber, slug: &str, name: &str) -> Ergebnis<Tenant> {
        let slug = TenantSlug::parse(slug)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_BEHOERDE || name.contains(char::is_control)
        {
            return Err(Fehler::ungueltig(format!(
                "Bitte geben Sie den Namen der Behörde an (eine Zeile, höchstens {MAX_BEHOERDE} Zeichen)."
            )));
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let t = Db::lege_tenant_an(&mut tx, &slug, name, now)
            .await
            .map_err(Fehler::bei(
                Konflikt::TenantVergeben,
                "Eine Behörde mit diesem Kürzel gibt es bereits.",
            ))?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(t.id),
                actor_user_id: None,
                action: "tenant.create",
                object_type: "tenant",
                object_id: Some(t.id.to_string()),
                detail: json!({ "slug": t.slug }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    // --- Stellen ------------------------------------------------------------------------------

    /// The admin's page of the Stellen: the tenant's own and the Land-wide ones, with the
    /// members the admin may see and the accounts that could become members.
    pub async fn stellenverwaltung(&self, akteur: &Akteur) -> Ergebnis<Stellenverwaltung> {
        nur_admin(akteur)?;
        let konten: Vec<Fachstellenkonto> = self
            .db
            .members_of_tenant(akteur.tenant_id)
            .await?
            .into_iter()
            .filter(|m| m.role == Role::Fachstelle && !m.user.disabled)
            .map(|m| Fachstellenkonto {
                id: m.user.id,
                name: m.user.display_name,
                email: m.user.email,
            })
            .collect();
        let mut eigene = Vec::new();
        let mut land = Vec::new();
        for s in self.db.stellen_fuer(akteur.tenant_id).await? {
            let alle = self.db.stellenmitglieder(s.id).await?;
            let anzahl_mitglieder = alle.len();
            let kandidaten = konten
                .iter()
                .filter(|k| !alle.iter().any(|m| m.user_id == k.id))
                .cloned()
                .collect();
            let mitglieder = alle
                .into_iter()
                .filter(|m| s.tenant_id.is_some() || konten.iter().any(|k| k.id == m.user_id))
                .collect();
            let gemeinde = s.gemeinde_ags.as_deref().map(|a| {
                codeliste::gemeinden_hessen()
                    .name(a)
                    .unwrap_or(a)
                    .to_string()
            });
            let eigen = s.tenant_id.is_some();
            let zeile = StelleImUeberblick {
                stelle: s,
                gemeinde,
                mitglieder,
                anzahl_mitglieder,
                kandidaten,
            };
            if eigen {
                eigene.push(zeile);
            } else {
                land.push(zeile);
            }
        }
        Ok(Stellenverwaltung {
            konten,
            eigene,
            land,
        })
    }

    /// The admin creates one of the tenant's own Stellen (audited). At most
    /// [`MAX_STELLEN`] per tenant.
    pub async fn stelle_anlegen(&self, akteur: &Akteur, eingabe: &StelleEingabe) -> Ergebnis<i64> {
        nur_admin(akteur)?;
        let s = eingabe.pruefe().map_err(Fehler::Ungueltig)?;
        let eigene = self
            .db
            .stellen_fuer(akteur.tenant_id)
            .await?
            .iter()
            .filter(|s| s.tenant_id.is_some())
            .count();
        if eigene >= MAX_STELLEN {
            return Err(Fehler::ungueltig(format!(
                "Ihre Behörde hat bereits {MAX_STELLEN} Stellen; mehr sind nicht vorgesehen."
            )));
        }
        self.lege_stelle_an(Some(akteur.tenant_id), Some(akteur), &s)
            .await
    }

    /// The operator creates a Land-wide Stelle (`tenant_id: None`, every Bauaufsicht may ask
    /// it) or one of a tenant's own (`plankammer stelle add`), audited.
    pub async fn stelle_anlegen_als_betreiber(
        &self,
        _: &Betreiber,
        tenant_id: Option<i64>,
        eingabe: &StelleEingabe,
    ) -> Ergebnis<i64> {
        let s = eingabe.pruefe().map_err(Fehler::Ungueltig)?;
        if let Some(t) = tenant_id {
            self.db.tenant(t).await?;
        }
        self.lege_stelle_an(tenant_id, None, &s).await
    }

    async fn lege_stelle_an(
        &self,
        tenant_id: Option<i64>,
        akteur: Option<&Akteur>,
        s: &GepruefteStelle,
    ) -> Ergebnis<i64> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let id = Db::neue_stelle(
            &mut tx,
            tenant_id,
            &s.name,
            &s.rechtsbereich,
            s.gemeinde_ags.as_deref(),
            now,
        )
        .await?;
        stellen_audit(
            &mut tx,
            tenant_id,
            akteur,
            "stelle.angelegt",
            id,
            json!({ "gemeinde_ags": s.gemeinde_ags }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The admin changes one of the tenant's own Stellen (audited); a Land-wide or another
    /// tenant's Stelle is 404.
    pub async fn stelle_aendern(
        &self,
        akteur: &Akteur,
        stelle_id: i64,
        eingabe: &StelleEingabe,
    ) -> Ergebnis<()> {
        let stelle = self.stelle_des_admins(akteur, stelle_id).await?;
        let s = eingabe.pruefe().map_err(Fehler::Ungueltig)?;
        self.aendere_stelle(&stelle, Some(akteur), &s).await
    }

    /// The operator changes any Stelle, Land-wide ones included (audited).
    pub async fn stelle_aendern_als_betreiber(
        &self,
        _: &Betreiber,
        stelle_id: i64,
        eingabe: &StelleEingabe,
    ) -> Ergebnis<()> {
        let stelle = self.db.stelle(stelle_id).await?;
        let s = eingabe.pruefe().map_err(Fehler::Ungueltig)?;
        self.aendere_stelle(&stelle, None, &s).await
    }

    async fn aendere_stelle(
        &self,
        stelle: &Stelle,
        akteur: Option<&Akteur>,
        s: &GepruefteStelle,
    ) -> Ergebnis<()> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::aendere_stelle_in(
            &mut tx,
            stelle.tenant_id,
            stelle.id,
            &s.name,
            &s.rechtsbereich,
            s.gemeinde_ags.as_deref(),
        )
        .await?;
        stellen_audit(
            &mut tx,
            stelle.tenant_id,
            akteur,
            "stelle.geaendert",
            stelle.id,
            json!({ "gemeinde_ags": s.gemeinde_ags }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The admin makes an account a member of one of the tenant's own Stellen (audited):
    /// only an active account of the tenant with the role Fachstelle. `false` when it is a
    /// member already (nothing changes).
    pub async fn mitglied_hinzufuegen(
        &self,
        akteur: &Akteur,
        stelle_id: i64,
        user_id: i64,
    ) -> Ergebnis<bool> {
        let stelle = self.stelle_des_admins(akteur, stelle_id).await?;
        let passt = self
            .db
            .members_of_tenant(akteur.tenant_id)
            .await?
            .iter()
            .any(|m| m.user.id == user_id && m.role == Role::Fachstelle && !m.user.disabled);
        if !passt {
            return Err(Fehler::ungueltig(
                "Mitglied einer Stelle kann nur ein aktives Konto Ihrer Behörde mit der Rolle Fachstelle werden.",
            ));
        }
        self.fuege_mitglied_hinzu(&stelle, user_id, Some(akteur))
            .await
    }

    /// The operator makes an account a member of a Stelle (`plankammer stelle mitglied`): an
    /// active account with the role Fachstelle in the Stelle's tenant (for a Land-wide Stelle
    /// in any tenant). Returns the account and whether it became a member now.
    pub async fn mitglied_hinzufuegen_als_betreiber(
        &self,
        _: &Betreiber,
        stelle_id: i64,
        email: &str,
    ) -> Ergebnis<(User, Stelle, bool)> {
        let stelle = self.db.stelle(stelle_id).await?;
        let email = Email::parse(email)?;
        let user = match self.db.user_by_email(&email).await {
            Ok(u) => u,
            Err(StoreError::NotFound) => {
                return Err(Fehler::ungueltig(
                    "Für diese E-Mail-Adresse gibt es kein Konto.",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let passt = !user.disabled
            && self.db.memberships_of(user.id).await?.iter().any(|m| {
                m.role == Role::Fachstelle && stelle.tenant_id.is_none_or(|t| t == m.tenant.id)
            });
        if !passt {
            return Err(Fehler::ungueltig(if stelle.tenant_id.is_some() {
                "Mitglied dieser Stelle kann nur ein aktives Konto mit der Rolle Fachstelle in der Behörde der Stelle werden."
            } else {
                "Mitglied einer Stelle kann nur ein aktives Konto mit der Rolle Fachstelle werden."
            }));
        }
        let neu = self.fuege_mitglied_hinzu(&stelle, user.id, None).await?;
        Ok((user, stelle, neu))
    }

    async fn fuege_mitglied_hinzu(
        &self,
        stelle: &Stelle,
        user_id: i64,
        akteur: Option<&Akteur>,
    ) -> Ergebnis<bool> {
        if self.db.ist_stellenmitglied(stelle.id, user_id).await? {
            return Ok(false);
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        match Db::neues_stellenmitglied(&mut tx, stelle.id, user_id).await {
            Ok(()) => {}
            // Someone else added them just now.
            Err(StoreError::Konflikt(Konflikt::StellenmitgliedVorhanden)) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        stellen_audit(
            &mut tx,
            stelle.tenant_id.or(akteur.map(|a| a.tenant_id)),
            akteur,
            "stelle.mitglied_hinzugefuegt",
            stelle.id,
            json!({ "user_id": user_id }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The admin removes a member from one of the tenant's own Stellen (audited); `false`
    /// when they were none.
    pub async fn mitglied_entfernen(
        &self,
        akteur: &Akteur,
        stelle_id: i64,
        user_id: i64,
    ) -> Ergebnis<bool> {
        let stelle = self.stelle_des_admins(akteur, stelle_id).await?;
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        if !Db::entferne_stellenmitglied_in(&mut tx, stelle.id, user_id).await? {
            return Ok(false);
        }
        stellen_audit(
            &mut tx,
            stelle.tenant_id,
            Some(akteur),
            "stelle.mitglied_entfernt",
            stelle.id,
            json!({ "user_id": user_id }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    // --- Checklists ---------------------------------------------------------------------------

    /// The checklist in force for a procedure of the admin's tenant.
    pub async fn geltende_checkliste(
        &self,
        akteur: &Akteur,
        v: Verfahrensart,
    ) -> Ergebnis<GeltendeCheckliste> {
        nur_admin(akteur)?;
        self.geltende(akteur.tenant_id, v).await
    }

    async fn geltende(&self, tenant_id: i64, v: Verfahrensart) -> Ergebnis<GeltendeCheckliste> {
        Ok(match self.db.checkliste(tenant_id, v).await? {
            Some((version, json)) => match Checkliste::aus_json(&json) {
                Ok(liste) => GeltendeCheckliste {
                    version: Some(version),
                    liste,
                    unlesbar: false,
                },
                Err(e) => {
                    tracing::warn!(tenant_id, version, ?e, "stored checklist unusable");
                    GeltendeCheckliste {
                        version: Some(version),
                        liste: standard_checkliste(v),
                        unlesbar: true,
                    }
                }
            },
            None => GeltendeCheckliste {
                version: None,
                liste: standard_checkliste(v),
                unlesbar: false,
            },
        })
    }

    /// Every stored version of the admin's tenant's checklist of a procedure, newest first.
    pub async fn checklisten_versionen(
        &self,
        akteur: &Akteur,
        v: Verfahrensart,
    ) -> Ergebnis<Vec<ChecklistenVersion>> {
        nur_admin(akteur)?;
        Ok(self.db.checklisten_versionen(akteur.tenant_id, v).await?)
    }

    /// The admin saves the checklist of a procedure as the tenant's next version (audited);
    /// it counts from now on for every draft. Refused (409) when the form was built from
    /// another version than the one in force; every problem of the rows at once (422).
    /// `None`: nothing changed, no version stored.
    pub async fn checkliste_speichern(
        &self,
        akteur: &Akteur,
        v: Verfahrensart,
        e: &ChecklistenEingabe,
    ) -> Ergebnis<Option<i64>> {
        let g = self.geltende_checkliste(akteur, v).await?;
        if let Some(basis) = e.basis
            && basis != g.version.unwrap_or(0)
        {
            return Err(Fehler::Konflikt(format!(
                "Die Checkliste wurde inzwischen geändert (jetzt {}). Ihre Änderungen wurden nicht gespeichert; unten steht die aktuelle Fassung. Bitte nehmen Sie Ihre Änderungen erneut vor.",
                match g.version {
                    Some(n) => format!("Version {n}"),
                    None => "der Standard".into(),
                }
            )));
        }
        let c = baue_checkliste(v, &g.liste, e).map_err(Fehler::Ungueltig)?;
        if c == g.liste && !g.unlesbar {
            return Ok(None);
        }
        self.speichere_checkliste(akteur, v, &c, "checkliste.speichern")
            .await
            .map(Some)
    }

    /// The admin goes back to the shipped default of a procedure: stored as the next version
    /// (audited). `None`: the default is in force already.
    pub async fn checkliste_zuruecksetzen(
        &self,
        akteur: &Akteur,
        v: Verfahrensart,
    ) -> Ergebnis<Option<i64>> {
        let g = self.geltende_checkliste(akteur, v).await?;
        if g.version.is_none() {
            return Ok(None);
        }
        self.speichere_checkliste(
            akteur,
            v,
            &standard_checkliste(v),
            "checkliste.zuruecksetzen",
        )
        .await
        .map(Some)
    }

    async fn speichere_checkliste(
        &self,
        akteur: &Akteur,
        v: Verfahrensart,
        c: &Checkliste,
        aktion: &str,
    ) -> Ergebnis<i64> {
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        let version = Db::speichere_checkliste_in(
            &mut tx,
            akteur.tenant_id,
            v,
            c,
            Some(akteur.user_id),
            now,
        )
        .await
        .map_err(Fehler::bei(
            Konflikt::ChecklisteVergeben,
            "Die Checkliste wurde gerade von jemand anderem gespeichert. Bitte laden Sie die Seite neu und nehmen Sie Ihre Änderungen erneut vor.",
        ))?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: aktion,
                object_type: "checkliste",
                object_id: Some(v.slug().to_string()),
                detail: json!({
                    "verfahren": v.slug(),
                    "version": version,
                    "positionen": c.positionen.len(),
                    "pflicht": pflicht(c),
                }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            tenant_id = akteur.tenant_id,
            verfahren = v.slug(),
            version,
            "checklist stored"
        );
        Ok(version)
    }

    // --- Aktenzeichen -------------------------------------------------------------------------

    /// The admin's tenant's Aktenzeichen format and the Aktenzeichen the next submission of
    /// this year gets.
    pub async fn aktenzeichen_stand(&self, akteur: &Akteur) -> Ergebnis<Aktenzeichenstand> {
        nur_admin(akteur)?;
        let gespeichert = self.db.aktenzeichen_format(akteur.tenant_id).await?;
        let jahr = i64::from(heute_berlin().year());
        let nummer = self
            .db
            .naechste_aktenzeichen_nummer(akteur.tenant_id, jahr)
            .await?;
        let naechstes = gespeichert.bilde(jahr, nummer);
        Ok(Aktenzeichenstand {
            gespeichert,
            jahr,
            nummer,
            naechstes,
        })
    }

    /// The admin sets the tenant's Aktenzeichen format and short name (audited, with the
    /// previous ones) for every case submitted from now on. Every problem at once (422);
    /// `false`: unchanged, nothing stored.
    pub async fn aktenzeichen_format_setzen(
        &self,
        akteur: &Akteur,
        format: &str,
        kuerzel: &str,
    ) -> Ergebnis<bool> {
        nur_admin(akteur)?;
        let neu = AktenzeichenFormat::parse(format.trim(), kuerzel.trim())
            .map_err(|e| Fehler::Ungueltig(e.0))?;
        let vorher = self.db.aktenzeichen_format(akteur.tenant_id).await?;
        if vorher.format() == neu.format() && vorher.kuerzel() == neu.kuerzel() {
            return Ok(false);
        }
        let now = now_millis();
        let mut tx = self.db.begin().await?;
        Db::setze_aktenzeichen_format_in(&mut tx, akteur.tenant_id, &neu).await?;
        Db::audit(
            &mut tx,
            AuditEvent {
                tenant_id: Some(akteur.tenant_id),
                actor_user_id: Some(akteur.user_id),
                action: "aktenzeichen.format",
                object_type: "tenant",
                object_id: Some(akteur.tenant_id.to_string()),
                detail: json!({
                    "format": neu.format(),
                    "kuerzel": neu.kuerzel(),
                    "vorher_format": vorher.format(),
                    "vorher_kuerzel": vorher.kuerzel(),
                }),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(tenant_id = akteur.tenant_id, "aktenzeichen format changed");
        Ok(true)
    }
}

/// The audit entry of a change to a Stelle, in the step's transaction.
async fn stellen_audit(
    tx: &mut plankammer_storage::Tx,
    tenant_id: Option<i64>,
    akteur: Option<&Akteur>,
    action: &str,
    stelle_id: i64,
    detail: serde_json::Value,
    now: i64,
) -> Ergebnis<()> {
    Db::audit(
        tx,
        AuditEvent {
            tenant_id,
            actor_user_id: akteur.map(|a| a.user_id),
            action,
            object_type: "stelle",
            object_id: Some(stelle_id.to_string()),
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paare(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_checklist_form_is_read_row_by_row() {
        let e = ChecklistenEingabe::aus_feldern(paare(&[
            ("_csrf", "x"),
            ("basis", "3"),
            ("code_1", "2201"),
            ("art_1", "pflicht"),
            ("entfernen_1", "1"),
            ("code_0", " 2001 "),
            ("art_0", "bei_bedarf"),
            ("art_7", "pflicht"),
            ("neu_code", "2801"),
            ("neu_art", "spaeter"),
            ("neu_text", "vor Baubeginn"),
        ]))
        .unwrap();
        assert_eq!(e.basis, Some(3));
        assert_eq!(e.zeilen.len(), 2, "a row without a code is dropped");
        assert_eq!(e.zeilen[0].code, "2001");
        assert!(e.zeilen[1].entfernen);
        assert_eq!(e.neu.code, "2801");
        assert!(ChecklistenEingabe::aus_feldern(paare(&[("code_100000", "2001")])).is_err());
    }

    #[test]
    fn building_keeps_notes_and_checks_the_list() {
        let v = Verfahrensart::VereinfachtesVerfahren;
        let basis = standard_checkliste(v);
        let mut e = ChecklistenEingabe::default();
        for p in &basis.positionen {
            let (art, text) = art_und_text(&p.anforderung);
            e.zeilen.push(ZeileEingabe {
                code: p.anlageart.clone(),
                art: art.into(),
                text,
                entfernen: p.anlageart == "2201",
            });
        }
        assert_eq!(
            baue_checkliste(v, &basis, &e).unwrap().positionen.len(),
            basis.positionen.len() - 1
        );
        let mut gleich = e.clone();
        for z in &mut gleich.zeilen {
            z.entfernen = false;
        }
        assert_eq!(
            baue_checkliste(v, &basis, &gleich).unwrap(),
            basis,
            "unchanged form, same list"
        );
        gleich.neu = ZeileEingabe {
            code: "2001".into(),
            art: "pflicht".into(),
            ..Default::default()
        };
        let f = baue_checkliste(v, &basis, &gleich).unwrap_err();
        assert!(f.iter().any(|m| m.contains("mehrfach")), "{f:?}");
        gleich.neu.code = "9998".into();
        let f = baue_checkliste(v, &basis, &gleich).unwrap_err();
        assert!(
            f.iter().any(|m| m.contains("gibt es in der Codeliste")),
            "{f:?}"
        );
        gleich.neu = ZeileEingabe {
            code: "2801".into(),
            art: "bedingt".into(),
            ..Default::default()
        };
        gleich.zeilen.retain(|z| z.code != "2801");
        let f = baue_checkliste(v, &basis, &gleich).unwrap_err();
        assert!(f.iter().any(|m| m.contains("fehlt die Bedingung")), "{f:?}");
    }

    fn stelle(name: &str, rb: &str, g: &str) -> StelleEingabe {
        StelleEingabe {
            name: name.into(),
            rechtsbereich: rb.into(),
            gemeinde: g.into(),
        }
    }

    #[test]
    fn a_stelle_needs_a_name_within_limits_and_a_listed_gemeinde() {
        assert_eq!(
            stelle(" Brandschutz ", " Brandschutz ", "")
                .pruefe()
                .unwrap(),
            GepruefteStelle {
                name: "Brandschutz".into(),
                rechtsbereich: "Brandschutz".into(),
                gemeinde_ags: None
            }
        );
        assert_eq!(
            stelle("Gemeinde Kassel", "", "06611000")
                .pruefe()
                .unwrap()
                .gemeinde_ags
                .as_deref(),
            Some("06611000")
        );
        assert_eq!(stelle("  ", "", "").pruefe().unwrap_err().len(), 1);
        assert!(stelle(&"x".repeat(MAX_NAME + 1), "", "").pruefe().is_err());
        assert!(stelle(&"x".repeat(MAX_NAME), "", "").pruefe().is_ok());
        assert!(
            stelle("A", &"y".repeat(MAX_RECHTSBEREICH + 1), "")
                .pruefe()
                .is_err()
        );
        assert!(stelle("A\u{0}B", "", "").pruefe().is_err());
        assert!(stelle("A", "", "99999999").pruefe().is_err());
        assert!(
            stelle("A", "", "'; DROP TABLE stellen; --")
                .pruefe()
                .is_err()
        );
    }
}
