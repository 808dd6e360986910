//! The mails Plankammer sends, as German templates with a plain-text and an HTML part.
//!
//! Rendering is pure: the templates are compiled into the binary, and the outbox stores the
//! rendered mail in the same transaction as the event that caused it, so the sender needs
//! no templates and a template change never alters a mail that is already queued.

use minijinja::{Environment, context};
use serde::Serialize;
use std::sync::OnceLock;

/// Who signs a mail: the authority (tenant) the case or account belongs to, with the contact
/// lines people can reach it by (from its Bescheid template's address), never "Plankammer".
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Absender {
    pub behoerde: String,
    /// Address and contact, one line each; may be empty.
    pub kontakt: Vec<String>,
}

impl Absender {
    /// The authority's name and its address text as kept in the Bescheid template
    /// (blank lines and surrounding spaces dropped; at most 8 lines are kept).
    pub fn neu(behoerde: &str, anschrift: &str) -> Absender {
        Absender {
            behoerde: behoerde.trim().to_string(),
            kontakt: anschrift
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && *l != behoerde.trim())
                .take(8)
                .map(str::to_string)
                .collect(),
        }
    }
}

/// One event that concerns a person, with what the mail needs to say about it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "art", rename_all = "snake_case")]
pub enum Notification {
    /// An account was created for the person (by an admin or the `user add` command).
    KontoAngelegt {
        name: String,
        behoerde: String,
        rolle: String,
        anmelde_url: String,
        absender: Absender,
    },
    /// Someone registered with this address: the link that confirms it, or — when the
    /// address has an account already — the hint to sign in (the page said the same either
    /// way, so it tells nobody whether an address has an account).
    Registrierung {
        name: String,
        behoerde: String,
        /// `None`: the address has an account already.
        bestaetigungs_url: Option<String>,
        anmelde_url: String,
        absender: Absender,
    },
    /// The person asked for a new password: the single-use link that sets it (one hour).
    PasswortZuruecksetzen {
        name: String,
        link_url: String,
        absender: Absender,
    },
    /// A personal access token was created on the person's account: a security notice.
    ZugangsschluesselErstellt {
        name: String,
        schluessel_name: String,
        erstellt_am: String,
        konto_url: String,
        absender: Absender,
    },
    /// The Entwurfsverfasser/in invites the Bauherrschaft into a case (to read it and give
    /// the Freizeichnung before submission).
    EinladungBauherrschaft {
        name: String,
        eingeladen_von: String,
        vorhaben: String,
        einladung_url: String,
        absender: Absender,
    },
    /// A tenant admin invites the person to the authority: the link accepts with a new
    /// account or an existing one (the same mail either way).
    EinladungBehoerde {
        name: String,
        behoerde: String,
        rolle: String,
        einladung_url: String,
        /// German date, e.g. "18.12.2026".
        gueltig_bis: String,
        absender: Absender,
    },
    /// Something happened on a case that concerns the person: a status change (with its
    /// XBau statusbauportal code), a deadline, a request.
    Vorgangsmitteilung {
        name: String,
        vorhaben: String,
        aktenzeichen: Option<String>,
        /// Short German title, e.g. "Eingangsbestätigung" or "Unterlagen nachgefordert".
        titel: String,
        /// What happened and what to do now; plain German sentences, one per line.
        text: String,
        status: Option<String>,
        frist: Option<String>,
        vorgang_url: String,
        absender: Absender,
    },
}

/// A rendered mail, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        "_layout.html",
        include_str!("../../../web/templates/mail/_layout.html"),
    ),
    (
        "konto_angelegt.txt",
        include_str!("../../../web/templates/mail/konto_angelegt.txt"),
    ),
    (
        "konto_angelegt.html",
        include_str!("../../../web/templates/mail/konto_angelegt.html"),
    ),
    (
        "passwort_zuruecksetzen.txt",
        include_str!("../../../web/templates/mail/passwort_zuruecksetzen.txt"),
    ),
    (
        "passwort_zuruecksetzen.html",
        include_str!("../../../web/templates/mail/passwort_zuruecksetzen.html"),
    ),
    (
        "registrierung.txt",
        include_str!("../../../web/templates/mail/registrierung.txt"),
    ),
    (
        "registrierung.html",
        include_str!("../../../web/templates/mail/registrierung.html"),
    ),
    (
        "zugangsschluessel_erstellt.txt",
        include_str!("../../../web/templates/mail/zugangsschluessel_erstellt.txt"),
    ),
    (
        "zugangsschluessel_erstellt.html",
        include_str!("../../../web/templates/mail/zugangsschluessel_erstellt.html"),
    ),
    (
        "einladung_bauherrschaft.txt",
        include_str!("../../../web/templates/mail/einladung_bauherrschaft.txt"),
    ),
    (
        "einladung_bauherrschaft.html",
        include_str!("../../../web/templates/mail/einladung_bauherrschaft.html"),
    ),
    (
        "einladung_behoerde.txt",
        include_str!("../../../web/templates/mail/einladung_behoerde.txt"),
    ),
    (
        "einladung_behoerde.html",
        include_str!("../../../web/templates/mail/einladung_behoerde.html"),
    ),
    (
        "vorgangsmitteilung.txt",
        include_str!("../../../web/templates/mail/vorgangsmitteilung.txt"),
    ),
    (
        "vorgangsmitteilung.html",
        include_str!("../../../web/templates/mail/vorgangsmitteilung.html"),
    ),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, src) in TEMPLATES {
            // The templates are part of the binary; a syntax error is a build defect that the
            // snapshot tests catch, so failing loudly here is right.
            env.add_template(name, src).expect("mail template compiles");
        }
        env
    })
}

#[derive(Debug, thiserror::Error)]
#[error("rendering mail template {template}: {source}")]
pub struct RenderError {
    template: String,
    source: minijinja::Error,
}

impl Notification {
    fn template(&self) -> &'static str {
        match self {
            Notification::KontoAngelegt { .. } => "konto_angelegt",
            Notification::Registrierung { .. } => "registrierung",
            Notification::PasswortZuruecksetzen { .. } => "passwort_zuruecksetzen",
            Notification::ZugangsschluesselErstellt { .. } => "zugangsschluessel_erstellt",
            Notification::EinladungBauherrschaft { .. } => "einladung_bauherrschaft",
            Notification::EinladungBehoerde { .. } => "einladung_behoerde",
            Notification::Vorgangsmitteilung { .. } => "vorgangsmitteilung",
        }
    }

    /// A short, stable name for logs and metrics (never personal data).
    pub fn kind(&self) -> &'static str {
        self.template()
    }

    pub fn render(&self) -> Result<RenderedMail, RenderError> {
        let name = self.template();
        let err = |source| RenderError {
            template: name.to_string(),
            source,
        };
        let ctx = context! { n => self };
        let text_full = env()
            .get_template(&format!("{name}.txt"))
            .and_then(|t| t.render(&ctx))
            .map_err(err)?;
        let html = env()
            .get_template(&format!("{name}.html"))
            .and_then(|t| t.render(&ctx))
            .map_err(err)?;
        // The first line of the text template is "Betreff: …"; the body follows a blank line.
        let (first, body) = text_full.split_once('\n').unwrap_or((&text_full, ""));
        let subject = first
            .strip_prefix("Betreff: ")
            .unwrap_or(first)
            .trim()
            .to_string();
        Ok(RenderedMail {
            subject,
            text: body.trim_start_matches('\n').to_string(),
            html,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn absender() -> Absender {
        Absender::neu(
            "Bauaufsicht Musterstadt",
            "Bauaufsicht Musterstadt\nRathausplatz 1\n\n34117 Musterstadt\nTelefon 0561 123-0",
        )
    }

    #[test]
    fn absender_drops_blank_lines_and_repeated_name() {
        assert_eq!(
            absender().kontakt,
            vec!["Rathausplatz 1", "34117 Musterstadt", "Telefon 0561 123-0"]
        );
        assert!(Absender::neu("Amt", "").kontakt.is_empty());
    }

    fn konto() -> Notification {
        Notification::KontoAngelegt {
            name: "Anna Schmidt".into(),
            behoerde: "Bauaufsicht Musterstadt".into(),
            rolle: "Antragsteller/in".into(),
            anmelde_url: "http://127.0.0.1:8080/anmelden".into(),
            absender: absender(),
        }
    }

    #[test]
    fn konto_angelegt_snapshot() {
        let m = konto().render().unwrap();
        insta::assert_snapshot!("konto_angelegt_subject", m.subject);
        insta::assert_snapshot!("konto_angelegt_text", m.text);
        insta::assert_snapshot!("konto_angelegt_html", m.html);
    }

    #[test]
    fn zugangsschluessel_snapshot() {
        let m = Notification::ZugangsschluesselErstellt {
            name: "Anna Schmidt".into(),
            schluessel_name: "CAD-Export <Büro>".into(),
            erstellt_am: "28.11.2026, 12:00 Uhr".into(),
            konto_url: "http://127.0.0.1:8080/konto".into(),
            absender: absender(),
        }
        .render()
        .unwrap();
        insta::assert_snapshot!("zugangsschluessel_subject", m.subject);
        insta::assert_snapshot!("zugangsschluessel_text", m.text);
        insta::assert_snapshot!("zugangsschluessel_html", m.html);
    }

    #[test]
    fn einladung_snapshot() {
        let m = Notification::EinladungBauherrschaft {
            name: "Tom Becker".into(),
            eingeladen_von: "Sabine Hoffmann".into(),
            vorhaben: "Neubau Einfamilienhaus mit Garage".into(),
            einladung_url: "http://127.0.0.1:8080/einladung/abc".into(),
            absender: absender(),
        }
        .render()
        .unwrap();
        insta::assert_snapshot!("einladung_subject", m.subject);
        insta::assert_snapshot!("einladung_text", m.text);
        insta::assert_snapshot!("einladung_html", m.html);
    }

    #[test]
    fn einladung_behoerde_snapshot() {
        let m = Notification::EinladungBehoerde {
            name: "Bea Bauer".into(),
            behoerde: "Bauaufsicht Musterstadt".into(),
            rolle: "Bauaufsicht".into(),
            einladung_url: "http://127.0.0.1:8080/zugang/abc".into(),
            gueltig_bis: "18.12.2026".into(),
            absender: absender(),
        }
        .render()
        .unwrap();
        insta::assert_snapshot!("einladung_behoerde_subject", m.subject);
        insta::assert_snapshot!("einladung_behoerde_text", m.text);
        insta::assert_snapshot!("einladung_behoerde_html", m.html);
    }

    #[test]
    fn vorgangsmitteilung_snapshot() {
        let m = Notification::Vorgangsmitteilung {
            name: "Sabine Hoffmann".into(),
            vorhaben: "Neubau Einfamilienhaus mit Garage".into(),
            aktenzeichen: Some("BA-2026-00017".into()),
            titel: "Unterlagen nachgefordert".into(),
            text: "Die Bauaufsicht hat Unterlagen nachgefordert.\nBitte reichen Sie sie bis zum Fristende nach.".into(),
            status: Some("Unterlagen nachgefordert".into()),
            frist: Some("04.05.2026".into()),
            vorgang_url: "http://127.0.0.1:8080/vorgaenge/1".into(),
            absender: absender(),
        }
        .render()
        .unwrap();
        insta::assert_snapshot!("vorgangsmitteilung_subject", m.subject);
        insta::assert_snapshot!("vorgangsmitteilung_text", m.text);
        insta::assert_snapshot!("vorgangsmitteilung_html", m.html);
    }

    #[test]
    fn html_part_escapes_what_people_typed() {
        let m = Notification::ZugangsschluesselErstellt {
            name: "<script>alert(1)</script>".into(),
            schluessel_name: "x".into(),
            erstellt_am: "heute".into(),
            konto_url: "http://x".into(),
            absender: absender(),
        }
        .render()
        .unwrap();
        assert!(!m.html.contains("<script>"), "{}", m.html);
        assert!(m.html.contains("&lt;script&gt;"));
    }
}
