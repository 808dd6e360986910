//! What the PDF tests read their results with: `qpdf --check` and poppler's `pdftotext`
//! (Debian packages qpdf and poppler-utils, installed by `scripts/setup.sh --test`). Shared
//! by the worker tests (`mod pdfwerkzeug;`) and the browser journey (`#[path]`).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh file in the temp folder holding `bytes`.
pub fn temp_file(bytes: &[u8], name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("plankammer-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{}-{name}", N.fetch_add(1, Ordering::SeqCst)));
    std::fs::write(&p, bytes).unwrap();
    p
}

/// `qpdf --check`; exit code 0 only (3 would be warnings). A missing qpdf fails.
pub fn qpdf_check(bytes: &[u8], name: &str) {
    let p = temp_file(bytes, name);
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(&p)
        .output()
        .expect("qpdf must be installed (Debian package qpdf)");
    assert!(
        out.status.code() == Some(0),
        "qpdf --check {name}: {:?}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(p).ok();
}

/// The text of every page.
pub fn pdftotext(bytes: &[u8], name: &str) -> String {
    pdftotext_mit(bytes, name, &[])
}

/// The text of one page, optionally in content-stream order (`-raw`).
pub fn pdftotext_seite(bytes: &[u8], name: &str, seite: usize, raw: bool) -> String {
    let s = seite.to_string();
    let mut args = vec!["-f", &s, "-l", &s];
    if raw {
        args.push("-raw");
    }
    pdftotext_mit(bytes, name, &args)
}

fn pdftotext_mit(bytes: &[u8], name: &str, args: &[&str]) -> String {
    let p = temp_file(bytes, name);
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .args(args)
        .arg(&p)
        .arg("-")
        .output()
        .expect("pdftotext must be installed (Debian package poppler-utils)");
    assert!(out.status.success(), "pdftotext {name}");
    std::fs::remove_file(p).ok();
    String::from_utf8(out.stdout).unwrap()
}
