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
