//! Small PDFs for tests: the builders of the hostile corpus (`plankammer_workers::pdf::muster`),
//! plus variations the API tests need.

pub use plankammer_workers::pdf::muster::*;

/// Like `a4`, but different bytes for each `salt` (a comment after the end).
pub fn a4_salted(n: usize, salt: &str) -> Vec<u8> {
    let mut v = a4(n);
    v.extend_from_slice(format!("% {salt}\n").as_bytes());
    v
}
