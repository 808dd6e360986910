//! The one error of the procedure. Every variant that a person can act on carries German
//! words for them; `services/api`'s error module maps each variant to an HTTP status once.

use plankammer_storage::{Konflikt, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum Fehler {
    /// There is no such thing — or the person may not know that there is (404).
    #[error("not found")]
    NichtGefunden,
    /// The person sees the thing but may not do this with it (403).
    #[error("forbidden")]
    KeineBerechtigung,
    /// The input is wrong in ways the person can fix; one German sentence each (422).
    #[error("invalid input: {}", .0.join(" "))]
    Ungueltig(Vec<String>),
    /// The case (or request, deadline …) is not in a state that allows this, or someone else
    /// changed it first; a German sentence (409).
    #[error("conflict: {0}")]
    Konflikt(String),
    /// A constraint of the store refused the change; the adapters word it once (409).
    #[error("store conflict: {0}")]
    Speicherkonflikt(Konflikt),
    /// More than the limits allow: a file, a case's quota (413).
    #[error("too large: {0}")]
    ZuGross(String),
    /// Too many attempts in a short time (429).
    #[error("too many requests: {0}")]
    ZuViele(String),
    /// A store Plankammer needs is away for now (the database, the object store); a German
    /// sentence saying what and that nothing was kept (503, try again later).
    #[error("unavailable: {0}")]
    NichtErreichbar(String),
    /// Not the person's fault; logged in English, answered generically (500).
    #[error("internal error: {0}")]
    Intern(String),
}

pub type Ergebnis<T> = Result<T, Fehler>;

impl Fehler {
    /// One German sentence the person can act on.
    pub fn ungueltig(satz: impl Into<String>) -> Fehler {
        Fehler::Ungueltig(vec![satz.into()])
    }

    pub fn konflikt(satz: impl Into<String>) -> Fehler {
        Fehler::Konflikt(satz.into())
    }

    pub fn intern(e: impl std::fmt::Display) -> Fehler {
        Fehler::Intern(e.to_string())
    }

    /// An error of the object store: bytes a row names but the store lacks are a defect
    /// (500); everything else the store says (refused, timed out, 5xx after the retries)
    /// means it is away for now (503).
    pub fn speicher(e: plankammer_storage::blobs::BlobError) -> Fehler {
        if e.nicht_erreichbar() {
            tracing::warn!(error = %e, "object store unavailable");
            Fehler::NichtErreichbar(SPEICHER_WEG.into())
        } else {
            Fehler::Intern(e.to_string())
        }
    }

    /// The store's conflict `k` in the words of this step; every other error as it is.
    pub(crate) fn bei(k: Konflikt, satz: &str) -> impl Fn(StoreError) -> Fehler + '_ {
        move |e| match e {
            StoreError::Konflikt(x) if x == k => Fehler::Konflikt(satz.to_string()),
            e => e.into(),
        }
    }
}

/// What people read while the database is away.
pub const DATENBANK_WEG: &str = "Plankammer ist gerade nicht erreichbar, weil die Datenbank nicht antwortet. Bitte versuchen Sie es in einigen Sekunden erneut.";

/// What people read while the object store is away.
pub const SPEICHER_WEG: &str = "Der Dokumentenspeicher ist gerade nicht erreichbar. Es wurde nichts gespeichert; bitte versuchen Sie es in einigen Minuten erneut.";

impl From<StoreError> for Fehler {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Fehler::NichtGefunden,
            StoreError::Konflikt(k) => Fehler::Speicherkonflikt(k),
            StoreError::NichtErreichbar(e) => {
                tracing::warn!(error = %e, "database unavailable");
                Fehler::NichtErreichbar(DATENBANK_WEG.into())
            }
            other => Fehler::Intern(other.to_string()),
        }
    }
}

impl From<plankammer_domain::account::ParseError> for Fehler {
    fn from(e: plankammer_domain::account::ParseError) -> Self {
        Fehler::ungueltig(e.meldung)
    }
}

impl From<plankammer_domain::vorgang::UngueltigerUebergang> for Fehler {
    fn from(e: plankammer_domain::vorgang::UngueltigerUebergang) -> Self {
        Fehler::Konflikt(e.meldung)
    }
}
