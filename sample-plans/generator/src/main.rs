//! The sample plan generator is being written; see sample-plans/README.md when it lands.
fn main() {}
