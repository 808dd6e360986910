//! Prints what the plan reader makes of PDFs: each page's title block as rebuilt from its
//! words ("Label" line, value line, `\t[k]` the value's OCR confidence), then the fields
//! of the document. A tool for tuning the reader on a development split (issue 15):
//!
//!   cargo run --release -p plankammer-workers --example schriftfeld -- FILE.pdf …
//!
//! Reads in this process, without the sandbox: for trusted sample files only.

fn main() {
    for datei in std::env::args().skip(1) {
        let pdf = match std::fs::read(&datei) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{datei}: {e}");
                continue;
            }
        };
        let gelesen = plankammer_workers::pdf::lesen::lese(&pdf, &Default::default());
        for s in &gelesen.seiten {
            println!(
                "== {datei}, Seite {} ({})\n{}",
                s.nummer,
                s.quelle.as_deref().unwrap_or("nichts gelesen"),
                s.schriftfeld
                    .as_deref()
                    .unwrap_or("(kein eigenes Schriftfeld)")
            );
        }
        println!("-- Felder:");
        for f in gelesen.felder() {
            println!("  {} = {} ({:.2})", f.feld, f.wert, f.konfidenz);
        }
    }
}
