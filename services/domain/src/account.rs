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

/// The rules for a new password (NIST SP 800-63B 3.1.1.2): long enough to resist guessing,
/// short enough for argon2, not one people commonly choose; no composition rules and no
/// forced rotation.
pub fn check_password(pw: &str) -> Result<(), ParseError> {
    check_password_fuer(pw, &[])
}

/// [`check_password`], and not derived from the person's own details (`kontext`: their
/// e-mail address and name): NIST's "context-specific words".
pub fn check_password_fuer(pw: &str, kontext: &[&str]) -> Result<(), ParseError> {
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
    if leicht_zu_erraten(pw) {
        return Err(err(
            "commonly used or trivial",
            "Dieses Passwort ist zu leicht zu erraten (es steht so oder fast so auf Listen häufiger Passwörter, oder es besteht aus einem Muster). Wählen Sie zum Beispiel mehrere Wörter, die nicht zusammengehören.",
        ));
    }
    let kern = buchstaben_und_ziffern(pw);
    for wort in kontext {
        let w = buchstaben_und_ziffern(wort);
        let lokal = wort
            .split_once('@')
            .map(|(l, _)| buchstaben_und_ziffern(l))
            .unwrap_or_default();
        if (w.chars().count() >= 4 && kern.contains(&w))
            || (lokal.chars().count() >= 4 && kern.contains(&lokal))
        {
            return Err(err(
                "contains the person's address or name",
                "Das Passwort darf Ihre E-Mail-Adresse oder Ihren Namen nicht enthalten.",
            ));
        }
    }
    Ok(())
}

const HAEUFIGE: &str = include_str!("../data/haeufige_passwoerter.txt");

/// The list of common passwords and stems, as a set (built once).
fn haeufige() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| {
        HAEUFIGE
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Lower case, letters and digits only ("Max.Muster-1" → "maxmuster1").
fn buchstaben_und_ziffern(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The length of the longest run `a` and `b` have in common.
fn laengster_gemeinsamer_teil(a: &[char], b: &[char]) -> usize {
    let mut vorher = vec![0usize; b.len() + 1];
    let mut best = 0;
    for x in a {
        let mut jetzt = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            if x == y {
                jetzt[j + 1] = vorher[j] + 1;
                best = best.max(jetzt[j + 1]);
            }
        }
        vorher = jetzt;
    }
    best
}

/// A common password, a common stem with digits and punctuation around it, too few
/// different characters, one unit repeated, or a run along the keyboard or the alphabet.
fn leicht_zu_erraten(pw: &str) -> bool {
    let klein = pw.to_lowercase();
    let stamm = klein.trim_matches(|c: char| !c.is_alphabetic());
    let liste = haeufige();
    if liste.contains(klein.as_str()) || (!stamm.is_empty() && liste.contains(stamm)) {
        return true;
    }
    let kern = buchstaben_und_ziffern(pw);
    let zeichen: Vec<char> = kern.chars().collect();
    let mut verschiedene = zeichen.clone();
    verschiedene.sort_unstable();
    verschiedene.dedup();
    if verschiedene.len() < 5 {
        return true;
    }
    // One unit repeated: "abcabcabcabc", "passwortpasswort".
    let n = zeichen.len();
    if (1..=n / 2).any(|l| n.is_multiple_of(l) && zeichen.chunks(l).all(|c| c == &zeichen[..l])) {
        return true;
    }
    // A walk along a row of the keyboard, the digits or the alphabet, either way, with at
    // most two other characters: "qwertzuiopüa", "poiuztrewq12".
    const REIHEN: [&str; 7] = [
        "1234567890",
        "qwertzuiopü",
        "asdfghjklöä",
        "yxcvbnm",
        "qwertyuiop",
        "zxcvbnm",
        "abcdefghijklmnopqrstuvwxyz",
    ];
    n <= 64
        && REIHEN.iter().any(|r| {
            let vor: Vec<char> = r.repeat(2 + n / r.chars().count()).chars().collect();
            let rueck: Vec<char> = vor.iter().rev().copied().collect();
            laengster_gemeinsamer_teil(&zeichen, &vor) + 2 >= n
                || laengster_gemeinsamer_teil(&zeichen, &rueck) + 2 >= n
        })
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
            check_password("äöüßéèêëñçåø").is_ok(),
            "counts characters, not bytes"
        );
        assert!(check_password(&"x".repeat(2000)).is_err());
    }

    /// NIST's blocklist and context rules, on passwords that are not literally in the list.
    #[test]
    fn common_trivial_and_personal_passwords_are_refused() {
        for pw in [
            "Sommer2026!!!",
            "!!Passwort1234",
            "PASSWORD2025##",
            "qwertzuiopüa",
            "poiuztrewq12",
            "123456789012",
            "098765432109",
            "abcabcabcabc",
            "aaaaaaaaaaaaaa",
            "121212121212",
            "Schalke04-1904",
            "ichliebedich2026",
            "hallo1234567",
            "asdfghjklöä1",
        ] {
            assert!(check_password(pw).is_err(), "{pw} should be refused");
        }
        for pw in [
            "lang-genuges-passwort",
            "Fahrrad Kaffee Regenschirm",
            "bauherrin-passwort-2026",
            "plankammer-demo",
            "Tulpen im Februar, 7 Stück",
        ] {
            assert!(check_password(pw).is_ok(), "{pw} should be accepted");
        }
        let kontext = ["anna.schmidt@example.org", "Anna Schmidt"];
        assert!(check_password_fuer("anna.schmidt-1984!", &kontext).is_err());
        assert!(check_password_fuer("AnnaSchmidt#Bauen", &kontext).is_err());
        assert!(check_password_fuer("Tulpen im Februar, 7 Stück", &kontext).is_ok());
    }
}
