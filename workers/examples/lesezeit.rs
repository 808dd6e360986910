//! Times the title block reading of the pipeline's extract stage (`Volltext::Spaeter`) per
//! file, in this process, without the sandbox: for profiling on trusted sample files
//! (issue 15's speed target).
//!
//!   cargo run --release -p plankammer-workers --example lesezeit -- FILE.pdf …

use plankammer_workers::pdf::lesen::{LeseGrenzen, Volltext, lese};
use std::time::Instant;

fn main() {
    let g = LeseGrenzen {
        volltext: Volltext::Spaeter,
        ..Default::default()
    };
    let gesamt = Instant::now();
    let mut n = 0;
    for datei in std::env::args().skip(1) {
        let Ok(pdf) = std::fs::read(&datei) else {
            eprintln!("{datei}: nicht lesbar");
            continue;
        };
        let t = Instant::now();
        let _ = plankammer_workers::pdf::pruefe(&pdf, &Default::default());
        let pruefen = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let _ = plankammer_workers::pdf::vorschau::vorschau(&pdf, &Default::default());
        let vorschau = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let gelesen = lese(&pdf, &g);
        let felder = gelesen.felder().len();
        n += 1;
        println!(
            "{datei}: {:.2} s, {felder} Felder (prüfen {pruefen:.2} s, Vorschau {vorschau:.2} s)",
            t.elapsed().as_secs_f64()
        );
    }
    println!("{n} Dateien in {:.1} s", gesamt.elapsed().as_secs_f64());
}
