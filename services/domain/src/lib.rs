//! Plankammer's domain: the words of the law as types, and the rules that need no I/O.
//!
//! Nothing here touches a database, a file or the network, so every rule can be tested
//! exhaustively. Storage knows these types; the domain knows nothing of storage.

pub mod account;
pub mod aktenzeichen;
pub mod anlageart;
pub mod antrag;
pub mod bescheid;
pub mod beteiligung;
pub mod codeliste;
pub mod dateityp;
pub mod feststellung;
pub mod frist;
pub mod nebenbestimmung;
pub mod notification;
pub mod papierformat;
pub mod verfahren;
pub mod vorgang;
pub mod zeit;
pub mod zeitleiste;
pub mod zugriff;

pub use account::{Email, Role, TenantSlug};
