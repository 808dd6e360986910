//! All integration tests of this crate in one binary: one link instead of one per file,
//! and the files' tests run in parallel with each other.

mod anlagen;
mod antrag;
mod bescheid;
mod beteiligung;
mod blobs_local;
mod store;
