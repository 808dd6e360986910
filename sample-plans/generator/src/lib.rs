//! Plankammer sample plan sets: a realistic, fictional Bauantrag for a single-family house,
//! drawn by this crate as vector PDFs and as scans, with ground truth for the document
//! pipeline and its accuracy benchmark; and a title-block corpus (`schriftfelder`) with many
//! layouts, labels and scan qualities in a development and an evaluation split. See
//! `sample-plans/README.md`.

pub mod canvas;
pub mod check;
pub mod font;
pub mod house;
pub mod layouts;
pub mod model;
pub mod pdf;
pub mod plans;
pub mod rng;
pub mod scan;
pub mod schriftfelder;
pub mod set;
pub mod sheet;
pub mod skizze;
pub mod symbols;
pub mod truth;
pub mod vokabular;
