//! Plankammer's procedure: one function per step of the Baugenehmigungsverfahren.
//!
//! Each step takes the acting person ([`Akteur`], parsed, with role and tenant) and typed
//! input, decides access ([`zugriff`]) and the domain's rule, and does its transaction with
//! its timeline entry, mails and jobs. The pages and `/api/v1` (`services/api`), the worker
//! jobs (`workers`) and the CLI are thin adapters over these functions: none of them opens a
//! transaction, writes SQL or checks a rule again. This crate is the only place outside
//! `storage` that opens a transaction.
//!
//! The steps live in modules named after the part of the procedure:
//!
//! | module | steps |
//! |---|---|
//! | [`antrag`] | a case, its Angaben, the Bauherrschaft, submission, Nachreichung, documents |
//! | [`freizeichnung`] | whether the Bauherrschaft's Freizeichnung still covers the case |
//! | [`pruefung`] | formelle Prüfung: vollständig or Nachforderung; Rücknahmefiktion; deadlines |
//! | [`beteiligung`] | asking Stellen, withdrawing, extending, Rückfragen, late Stellungnahmen |
//! | [`fachstelle`] | a Stelle's work on its request: opening, Rückfrage, Stellungnahme, attachments |
//! | [`plan`] | comments anchored on plan pages |
//! | [`bescheid`] | drafting and issuing the Bescheid |
//! | [`fristen`] | what the clock does: deemed consent, reminders, the fictions |
//! | [`verwaltung`] | a tenant's administration: accounts, Stellen, checklists, formats, templates |
//! | [`konto`] | one's own account: access tokens |

pub mod akteur;
pub mod antrag;
pub mod bearbeitung;
pub mod bescheid;
pub mod beteiligung;
pub mod demo;
pub mod dokumente;
pub mod extern_anmeldung;
pub mod fachstelle;
pub mod fehler;
pub mod freizeichnung;
pub mod fristen;
pub mod konto;
pub mod plan;
pub mod pruefung;
pub mod verwaltung;
pub mod xbau;
pub mod xbau_austausch;
pub mod xbau_transport;
pub mod zugang;
pub mod zugriff;
pub mod zweitfaktor;

mod ablauf;
mod mitteilung;

pub use ablauf::statuszeile;
pub use akteur::{Akteur, Anmeldeweg, Betreiber};
pub use fehler::{Ergebnis, Fehler};
pub use mitteilung::An;

use plankammer_storage::Db;
use plankammer_storage::blobs::BlobStore;
use std::sync::Arc;

/// What the procedure needs to know about its installation.
#[derive(Debug, Clone)]
pub struct Einstellungen {
    /// How people reach Plankammer, for the links in mails: `http://127.0.0.1:8080`.
    pub public_url: String,
    /// The domain of the Message-IDs of queued mails.
    pub mail_domain: String,
    /// Reminders before a Stelle's deadline ends, as days before the end (7 and 1).
    pub erinnerungen: Vec<u32>,
}

impl Einstellungen {
    pub fn fuer_url(public_url: &str) -> Einstellungen {
        let host = public_url
            .split("://")
            .nth(1)
            .and_then(|r| r.split(['/', ':']).next())
            .filter(|h| !h.is_empty())
            .unwrap_or("localhost")
            .to_string();
        Einstellungen {
            public_url: public_url.trim_end_matches('/').to_string(),
            mail_domain: host,
            erinnerungen: plankammer_domain::beteiligung::STANDARD_ERINNERUNGEN.to_vec(),
        }
    }
}

/// The procedure over one store: cheap to clone, shared by every entry point.
#[derive(Clone)]
pub struct Verfahren {
    pub(crate) db: Db,
    pub(crate) blobs: BlobStore,
    pub(crate) cfg: Arc<Einstellungen>,
}

impl Verfahren {
    pub fn neu(db: Db, blobs: BlobStore, cfg: Einstellungen) -> Verfahren {
        Verfahren {
            db,
            blobs,
            cfg: Arc::new(cfg),
        }
    }

    /// The store, for the reads the adapters show (access is decided by [`zugriff`]).
    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    pub fn einstellungen(&self) -> &Einstellungen {
        &self.cfg
    }

    /// The link to a page for mails: `/vorgaenge/7` → `https://…/vorgaenge/7`.
    pub(crate) fn url(&self, pfad: &str) -> String {
        format!("{}{pfad}", self.cfg.public_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_domain_is_the_host_of_the_public_url() {
        assert_eq!(
            Einstellungen::fuer_url("https://bau.example.de/").mail_domain,
            "bau.example.de"
        );
        assert_eq!(
            Einstellungen::fuer_url("http://127.0.0.1:8080").mail_domain,
            "127.0.0.1"
        );
        assert_eq!(
            Einstellungen::fuer_url("http://127.0.0.1:8080/").public_url,
            "http://127.0.0.1:8080"
        );
    }
}
