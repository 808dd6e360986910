//! All integration tests of this crate in one binary: one link instead of one per file,
//! and the files' tests run in parallel with each other.

mod api_bescheid_verwaltung;
mod api_beteiligung;
mod bescheid;
mod beteiligung;
mod fachstelle;
mod pruefung;
mod verwaltung_antrag;
mod verwaltung_stellen;
