//! Accounts: who a person is to Plankammer, and what their role lets them do.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A parse error with a German message for people; the English `Display` goes to logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ParseError {
    pub field: &'static str,
    pub reason: &'static str,
    /// Shown to people.
    pub meldung: &'static str,
}

/// The role a user has within one tenant (Behörde).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Entwurfsverfasser/in or Bauherrschaft: submits Bauanträge and follows them.
    Antragsteller,
    /// Case worker of the untere Bauaufsichtsbehörde.
    Bauaufsicht,
    /// Member of a Stelle that is asked for a Stellungnahme.
    Fachstelle,
    /// Administers the tenant: users, checklists, templates.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Antragsteller,
        Role::Bauaufsicht,
        Role::Fachstelle,
        Role::Admin,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Role::Antragsteller => "antragsteller",
            Role::Bauaufsicht => "bauaufsicht",
            Role::Fachstelle => "fachstelle",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The German name shown to people.
    pub fn bezeichnung(self) -> &'static str {
        match self {
            Role::Antragsteller => "Antragsteller/in",
            Role::Bauaufsicht => "Bauaufsicht",
            Role::Fachstelle => "Fachstelle",
            Role::Admin => "Administration",
        }
    }

    /// May this role manage the tenant's users?
    pub fn may_manage_users(self) -> bool {
        matches!(self, Role::Admin)
    }

    /// May this role see every case of its tenant (not only its own or those it was asked about)?
    pub fn sees_all_cases_of_tenant(self) -> bool {
        matches!(self, Role::Bauaufsicht | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An email address, normalised to lower case; once it exists it is plausible.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, ParseError> {
        let err = |reason, meldung| ParseError {
            field: "email",
            reason,
            meldung,
        };
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(err("empty", "Bitte geben Sie eine E-Mail-Adresse an."));
        }
        if s.len() > 254 {
            return Err(err(
                "too long",
                "Die E-Mail-Adresse ist zu lang (höchstens 254 Zeichen).",
            ));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(err("missing @", "Die E-Mail-Adresse muss ein @ enthalten."));
        };
        let domain_ok = !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == '@');
        if !domain_ok || !local_ok {
            return Err(err("malformed", "Die E-Mail-Adresse ist nicht gültig."));
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The short name of a tenant (Behörde), used in URLs and the CLI: `bauaufsicht-kassel`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(raw: &str) -> Result<TenantSlug, ParseError> {
        let s = raw.trim();
        let ok = (2..=63).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(TenantSlug(s.to_string()))
        } else {
            Err(ParseError {
                field: "slug",
                reason: "must be 2-63 characters of a-z, 0-9 and inner hyphens",
                meldung: "Das Kürzel der Behörde darf nur a–z, 0–9 und Bindestriche enthalten (2 bis 63 Zeichen).",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantSlug {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        TenantSlug::parse(&value)
    }
}

impl From<TenantSlug> for String {
    fn from(s: TenantSlug) -> String {
        s.0
    }
}

/// The rules for a new password: long enough to resist guessing, short enough for argon2.
pub fn check_password(pw: &str) -> Result<(), ParseError> {
    let err = |reason, meldung| ParseError {
        field: "password",
        reason,
        meldung,
    };
    let n = pw.chars().count();
    if n < 12 {
        return Err(err(
            "shorter than 12 characters",
            "Das Passwort muss mindestens 12 Zeichen lang sein.",
        ));
    }
    if pw.len() > 1024 {
        return Err(err(
            "longer than 1024 bytes",
            "Das Passwort darf höchstens 1024 Zeichen lang sein.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_codes() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn only_admins_manage_users() {
        let managers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.may_manage_users())
            .collect();
        assert_eq!(managers, vec![Role::Admin]);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Anna.Schmidt@Example.DE ").unwrap().as_str(),
            "anna.schmidt@example.de"
        );
        for bad in [
            "",
            "anna",
            "@example.de",
            "anna@",
            "anna@.de",
            "anna@example..de",
            "an na@example.de",
            "a<b@x.de",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.de", "a".repeat(65));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn tenant_slugs() {
        assert!(TenantSlug::parse("bauaufsicht-kassel").is_ok());
        for bad in [
            "",
            "a",
            "Kassel",
            "-x",
            "x-",
            "bau aufsicht",
            "bau_aufsicht",
        ] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert!(check_password("kurz").is_err());
        assert!(
            check_password("äöüäöüäöüäöü").is_ok(),
            "counts characters, not bytes"
        );
        assert!(check_password(&"x".repeat(2000)).is_err());
    }
}
