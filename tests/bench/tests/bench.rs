//! The `plankammer-bench` binary end to end: each measurement prints its figures, and wrong
//! input stops it. `upload` and `worker` run the real `plankammer serve` and `plankammer
//! worker` as children: the bench finds that binary next to itself.
//!
//! Cargo builds a package's own binaries for its tests (`CARGO_BIN_EXE_plankammer-bench`),
//! never another package's: a dev-dependency on `plankammer` (a binary without a library)
//! is ignored, and artifact dependencies are unstable. `cargo test --workspace` (what
//! scripts/test.sh and CI run) compiles every package, `plankammer` included, before any
//! test runs; on its own, `cargo test -p plankammer-bench` needs a `cargo build -p
//! plankammer` first. [`plankammer`] checks both cases: a missing binary, or one older
//! than a source it was built from (its cargo dep-info), fails the test with that advice
//! instead of measuring a stale product.

use plankammer_storage::testing::tempfile_dir::TempDir;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

fn bench() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_plankammer-bench"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `plankammer` binary where the bench looks for it (beside itself), built and current.
fn plankammer() -> PathBuf {
    let exe = bench().with_file_name(format!("plankammer{}", std::env::consts::EXE_SUFFIX));
    let bauen = "build it first: `cargo build -p plankammer`, or run `cargo test --workspace`";
    let gebaut = std::fs::metadata(&exe)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} is missing: {bauen}", exe.display()));
    let root = repo_root().canonicalize().expect("repository root");
    // Cargo's dep-info beside the binary (`target: source source …`, spaces escaped) when
    // it was built as a binary; built for another package's tests there is none, and then
    // every source of the crates the binary is made of counts.
    let quellen: Vec<PathBuf> = match std::fs::read_to_string(exe.with_extension("d")) {
        Ok(dep_info) => dep_info
            .split_once(": ")
            .map_or("", |(_, q)| q)
            .replace("\\ ", "\u{0}")
            .split_whitespace()
            .map(|q| PathBuf::from(q.replace('\u{0}', " ")))
            .collect(),
        Err(_) => {
            let mut alle = Vec::new();
            for dir in [
                "src",
                "services",
                "storage/src",
                "storage/migrations",
                "workers/src",
            ] {
                sammle(&root.join(dir), &mut alle);
            }
            alle
        }
    };
    for quelle in quellen {
        if !quelle.starts_with(&root) {
            continue;
        }
        let geaendert = std::fs::metadata(&quelle)
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::now());
        assert!(
            geaendert <= gebaut,
            "{} is older than {}: {bauen}",
            exe.display(),
            quelle.display()
        );
    }
    exe
}

/// Every file under `dir` (sources, migrations, templates compiled in).
fn sammle(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(eintraege) = std::fs::read_dir(dir) else {
        return;
    };
    for e in eintraege.flatten() {
        let p = e.path();
        if p.is_dir() {
            if !p.ends_with("tests") {
                sammle(&p, out);
            }
        } else {
            out.push(p);
        }
    }
}

/// Runs `plankammer-bench args…` to its end with `env` (and none of the configuration's
/// variables inherited); returns (exit code, stdout+stderr).
fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = std::process::Command::new(bench());
    cmd.args(args).stdin(std::process::Stdio::null());
    for v in [
        "DATABASE_URL",
        "OBJECT_STORE_URL",
        "MAIL_URL",
        "BIND",
        "DATA_DIR",
        "PUBLIC_URL",
        "WEB_DIR",
        "PLANKAMMER_BIN",
    ] {
        cmd.env_remove(v);
    }
    let web = repo_root().join("web");
    cmd.env("WEB_DIR", &web).env("JOB_POLL_MS", "100");
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run plankammer-bench");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_bench_command_prints_its_figures() {
    let dir = repo_root().join("sample-plans/einfamilienhaus");
    let (code, out) = run(&["seiten", dir.to_str().unwrap(), "--nur-textebene"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("9 Dateien, 12 Seiten"),
        "the vector sheets only: {out}"
    );
    assert!(out.contains("Seiten/s"), "{out}");
}

#[test]
fn the_accuracy_bench_compares_with_the_ground_truth() {
    let src = repo_root().join("sample-plans/einfamilienhaus");
    let dir = TempDir::new();
    for f in ["01_Lageplan.pdf", "01_Lageplan.json"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    // A wrong ground truth must show up as a miss.
    let mut falsch: serde_json::Value =
        serde_json::from_slice(&std::fs::read(src.join("06_Schnitt_A-A.json")).unwrap()).unwrap();
    falsch["schriftfeld"]["massstab"] = "1:50".into();
    falsch["datei"] = "06_Schnitt_A-A.pdf".into();
    std::fs::copy(
        src.join("06_Schnitt_A-A.pdf"),
        dir.path().join("06_Schnitt_A-A.pdf"),
    )
    .unwrap();
    std::fs::write(dir.path().join("06_Schnitt_A-A.json"), falsch.to_string()).unwrap();
    let (code, out) = run(&["genauigkeit", dir.path().to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("vektor: "), "{out}");
    assert!(
        out.contains("abweichend: 06_Schnitt_A-A.json (standard, textebene): massstab"),
        "{out}"
    );
    assert!(!out.contains("abweichend: 01_Lageplan"), "{out}");
    let (code, _) = run(&["genauigkeit", "/gibt/es/nicht"], &[]);
    assert_ne!(code, 0);
}

#[test]
fn the_inbox_bench_seeds_a_fresh_database_and_times_every_page_query() {
    // The backend of this test run: SQLite, or a fresh database on the test PostgreSQL.
    let datenbank = match plankammer_storage::testing::test_backend() {
        plankammer_storage::Backend::Sqlite => "sqlite".to_string(),
        plankammer_storage::Backend::Postgres => plankammer_storage::testing::pg_admin_url(),
    };
    let (code, out) = run(
        &[
            "eingang",
            "--faelle",
            "200",
            "--laeufe",
            "3",
            "--datenbank",
            &datenbank,
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    for zeile in [
        "Eingang der Bauaufsicht: 200 Fälle",
        "Befüllen: 200 Fälle in",
        "Seite 1, ohne Filter",
        "per Keyset",
        "Status eingegangen",
        "Verfahren vorbescheid",
        "Gemeinde typisch",
        "Frist bis",
        "zum Vergleich: Seite",
        "per OFFSET",
        "Langsamste Abfrage über Db::eingang",
        "Abfragepläne",
    ] {
        assert!(out.contains(zeile), "{zeile:?} in: {out}");
    }
    let (code, out) = run(&["eingang", "--datenbank", "mysql://x"], &[]);
    assert_ne!(code, 0);
    assert!(out.contains("--datenbank"), "{out}");
}

#[test]
fn the_upload_and_worker_benches_run_the_real_server_and_worker() {
    plankammer();
    let (code, out) = run(&["upload", "--groesse-mb", "2"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Upload 2 MB über HTTP"), "{out}");
    assert!(out.contains("Ziel < 64 MB"), "{out}");
    assert!(out.contains("cp derselben Datei"), "{out}");
    let (code, out) = run(&["upload", "--groesse-mb", "2", "--datei", "x.pdf"], &[]);
    assert_eq!(code, 2, "a file or a size, not both: {out}");

    let site = TempDir::new();
    let dir = site.path().join("plaene");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("grundriss.pdf"),
        plankammer_workers::pdf::muster::mit_text("Grundriss Erdgeschoss, Massstab 1:100"),
    )
    .unwrap();
    let (code, out) = run(&["worker", dir.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 Dokumente, 1 Seiten"), "{out}");
    assert!(out.contains("Worker-Prozess: Spitze"), "{out}");
    assert!(out.contains("Sandbox-Kindprozesse"), "{out}");
    let (code, _) = run(&["worker", "gibt-es-nicht"], &[]);
    assert_ne!(code, 0);
}

#[test]
fn the_plankammer_binary_is_taken_from_the_flag_or_the_environment() {
    let plankammer = plankammer();
    // Given explicitly, a wrong path is named with what to do.
    let (code, out) = run(
        &[
            "upload",
            "--groesse-mb",
            "1",
            "--plankammer",
            "/gibt/es/nicht",
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(out.contains("/gibt/es/nicht"), "{out}");
    assert!(out.contains("cargo build --release"), "{out}");
    let (code, out) = run(
        &["upload", "--groesse-mb", "1"],
        &[("PLANKAMMER_BIN", "/gibt/es/auch/nicht")],
    );
    assert_ne!(code, 0);
    assert!(out.contains("/gibt/es/auch/nicht"), "{out}");
    // The flag wins over the environment.
    let (code, out) = run(
        &[
            "upload",
            "--groesse-mb",
            "1",
            "--plankammer",
            plankammer.to_str().unwrap(),
        ],
        &[("PLANKAMMER_BIN", "/gibt/es/auch/nicht")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Upload 1 MB über HTTP"), "{out}");
}
