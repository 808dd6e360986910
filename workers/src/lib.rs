//! Plankammer's background work. Workers talk to the rest of the system only through the
//! store: they claim jobs from the job tables and mails from the outbox.
//!
//! - [`runner`]: the durable job runner (leases, heartbeats, retries, graceful shutdown).
//! - [`mail`]: the mail sender (files by default, SMTP when configured, memory in tests).
//! - [`builtin`]: the job kinds every installation has (maintenance, diagnostics).
//! - [`fristen`]: the deadline scheduler (passed Nachforderung deadlines become due).
//! - [`beteiligung`]: the deadlines of the Beteiligung (deemed consent, reminders) and the
//!   Genehmigungsfiktion of the vereinfachtes Verfahren.
//! - [`bescheid`]: issuing a Bescheid (stamped plans, the rendered PDF, the decision).

pub mod bescheid;
pub mod beteiligung;
pub mod builtin;
pub mod einschluss;
pub mod fristen;
pub mod mail;
pub mod pdf;
pub mod pipeline;
pub mod runner;
pub mod sandbox;
pub mod xbau;

pub use runner::{JobContext, JobError, Registry, Worker, WorkerConfig};
