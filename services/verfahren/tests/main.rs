//! All integration tests of this crate in one binary: one link instead of one per file,
//! and the files' tests run in parallel with each other.

mod anfragen;
mod bearbeitung;
mod bescheid;
mod bescheid_fall;
mod beteiligung;
mod beteiligung_welt;
mod fachstelle;
mod plan;
mod verwaltung;
