//! Metadata accuracy of a folder of plans with ground truth, in process, for quick tuning
//! (the same evaluation as `plankammer-bench genauigkeit`, without building the bench):
//!
//!   cargo run --release -p plankammer-workers --example genauigkeit -- DIR

fn main() {
    let dir = std::env::args().nth(1).expect("DIR");
    let t = std::time::Instant::now();
    let a = plankammer_workers::pdf::genauigkeit::evaluate(std::path::Path::new(&dir));
    let prozent = |(ok, n): &(u32, u32)| f64::from(*ok) / f64::from((*n).max(1)) * 100.0;
    for (art, s) in &a.per_art {
        println!("{art}: {}/{} = {:.1} %", s.0, s.1, prozent(s));
    }
    for (layout, s) in &a.per_layout {
        println!("  {layout:32} {}/{} = {:.1} %", s.0, s.1, prozent(s));
    }
    for m in &a.misses {
        println!("  abweichend: {m}");
    }
    println!("{:.1} s", t.elapsed().as_secs_f64());
}
