//! All integration tests of this crate in one binary: one link instead of one per file,
//! and the files' tests run in parallel with each other.

mod antrag;
mod aufbau;
mod dokumente;
mod einladung;
mod freizeichnung;
mod mail_smtp;
mod oidc;
mod openapi;
mod registrierung;
mod unterlagen;
mod web;
mod xbau;
mod xbau_austausch;
mod zugriff;
mod zweitfaktor;
