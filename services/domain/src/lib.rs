//! Plankammer's domain: the words of the law as types, and the rules that need no I/O.
//!
//! Nothing here touches a database, a file or the network, so every rule can be tested
//! exhaustively. Storage knows these types; the domain knows nothing of storage.

pub mod account;
pub mod aktenzeichen;
pub mod anlageart;
pub mod antrag;
pub mod aufgabe;
pub mod bescheid;
pub mod beteiligung;
pub mod codeliste;
pub mod dateityp;
pub mod feststellung;
pub mod freizeichnung;
pub mod frist;
pub mod nebenbestimmung;
pub mod notification;
pub mod papierformat;
pub mod plausibilitaet;
pub mod totp;
pub mod verfahren;
pub mod vertrauensniveau;
pub mod vorgang;
pub mod zeit;
pub mod zeitleiste;
pub mod zugriff;

pub use account::{Email, Role, TenantSlug};

/// A code of the domain compares equal to the text it is stored and sent as, so a test or
/// an adapter can say `zustand == "eingegangen"`.
macro_rules! gleich_text {
    ($($t:ty => $f:ident),* $(,)?) => {$(
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                self.$f() == *other
            }
        }
        impl PartialEq<str> for $t {
            fn eq(&self, other: &str) -> bool {
                self.$f() == other
            }
        }
    )*};
}

gleich_text!(
    vorgang::Zustand => slug,
    vorgang::Ereignis => slug,
    verfahren::Verfahrensart => slug,
    frist::FristArt => slug,
    frist::FristZustand => slug,
    zeitleiste::Eintragsart => slug,
    beteiligung::BeteiligungsZustand => slug,
    beteiligung::Schweigefolge => code,
    beteiligung::Zustimmung => code,
    beteiligung::Rolle => code,
    aktenzeichen::Aktenzeichen => as_str,
);
