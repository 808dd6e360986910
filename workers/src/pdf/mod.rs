//! Reading untrusted PDFs. Everything here runs inside the sandbox child process
//! (`plankammer sandbox …`), with memory, CPU and time limits set by the parent; the worker
//! only reads the structured result.

pub mod bescheid;
pub mod bild;
pub mod genauigkeit;
pub mod lesen;
pub mod metadaten;
pub mod muster;
pub mod ocr;
pub mod pruefen;
pub mod rendern;
pub mod stempel;
pub mod textlage;
pub mod vorschau;

pub use pruefen::{Grenzen, Pruefergebnis, SeitenInfo, pruefe};

/// Validation and, when the file is readable, reading, in one sandboxed child: what
/// `plankammer inspect` asks of each file. One process start instead of two is most of the
/// time a small vector plan takes (the pipeline keeps them as separate, retryable stages).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Untersuchung {
    pub pruefung: Pruefergebnis,
    /// `None` when the file is not readable or has no pages.
    pub gelesen: Option<lesen::Leseergebnis>,
}

/// Validates `bytes`, then reads them when they are readable.
pub fn untersuche(bytes: &[u8], grenzen: &Grenzen, lese: &lesen::LeseGrenzen) -> Untersuchung {
    let pruefung = pruefe(bytes, grenzen);
    let gelesen = (pruefung.lesbar && pruefung.seitenzahl > 0).then(|| lesen::lese(bytes, lese));
    Untersuchung { pruefung, gelesen }
}
