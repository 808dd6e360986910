//! A PostgreSQL server of the test's own: its own data folder and port, so a test may stop
//! and start it (a database restart under load) without touching the machine's cluster that
//! every other test uses. Built from the machine's PostgreSQL binaries
//! (`/usr/lib/postgresql/<version>/bin`, installed by `scripts/setup.sh --test`); as root it
//! runs as the `postgres` user, as PostgreSQL demands.

use crate::process::Proc;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct PgInstanz {
    pub port: u16,
    daten: PathBuf,
    log_dir: PathBuf,
    bin: PathBuf,
    proc: Option<Proc>,
    starts: u32,
}

fn bin_dir() -> PathBuf {
    let mut versionen: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (/usr/lib/postgresql): run scripts/setup.sh --test")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((v, bin))
        })
        .collect();
    versionen.sort();
    versionen
        .pop()
        .expect("a PostgreSQL server binary under /usr/lib/postgresql/*/bin")
        .1
}

fn als_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// `program args…` as the user PostgreSQL runs as.
fn befehl(program: &Path, args: &[&str]) -> (PathBuf, Vec<String>) {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if als_root() {
        let mut r = vec![
            "-u".to_string(),
            "postgres".into(),
            "--".into(),
            program.display().to_string(),
        ];
        r.append(&mut v);
        (PathBuf::from("runuser"), r)
    } else {
        (program.to_path_buf(), v)
    }
}

impl PgInstanz {
    /// initdb into a fresh folder under `log_dir`, then start on a free port. Durability is
    /// off (fsync): the test needs a restart, not a crash-safe disk.
    pub async fn start(log_dir: &Path) -> PgInstanz {
        let bin = bin_dir();
        let daten = log_dir.join("pgdata");
        std::fs::create_dir_all(&daten).unwrap();
        if als_root() {
            // The postgres user must reach its folder through the test's temporary one.
            for d in [log_dir, daten.as_path()] {
                let ok = Command::new("chown")
                    .args(["postgres:postgres", &d.display().to_string()])
                    .status()
                    .expect("chown")
                    .success();
                assert!(ok, "chown {}", d.display());
            }
        }
        let (prog, args) = befehl(
            &bin.join("initdb"),
            &[
                "-D",
                &daten.display().to_string(),
                "-U",
                "plankammer",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C.UTF-8",
            ],
        );
        let out = Command::new(prog).args(&args).output().expect("initdb");
        assert!(
            out.status.success(),
            "initdb: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pg = PgInstanz {
            port: crate::free_port(),
            daten,
            log_dir: log_dir.to_path_buf(),
            bin,
            proc: None,
            starts: 0,
        };
        pg.starten().await;
        pg
    }

    /// The URL of its database `postgres` for the user `plankammer`.
    pub fn url(&self) -> String {
        format!("postgres://plankammer@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again, at the same port) and waits until it accepts connections.
    pub async fn starten(&mut self) {
        assert!(self.proc.is_none(), "already running");
        self.starts += 1;
        let port = self.port.to_string();
        let daten = self.daten.display().to_string();
        let (prog, args) = befehl(
            &self.bin.join("postgres"),
            &[
                "-D",
                &daten,
                "-p",
                &port,
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                &format!("unix_socket_directories={daten}"),
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
        );
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let proc = Proc::start(
            &prog,
            &args,
            &[],
            &self.log_dir,
            &format!("postgres-{}", self.starts),
        );
        self.proc = Some(proc);
        let url = self.url();
        crate::wait_for(
            "the test's PostgreSQL to accept connections",
            Duration::from_secs(60),
            || {
                let url = url.clone();
                async move {
                    use sqlx::Connection;
                    let c = sqlx::postgres::PgConnection::connect(&url).await.ok()?;
                    c.close().await.ok()
                }
            },
        )
        .await;
    }

    /// Stops the server as an administrator does (fast shutdown: SIGINT, open sessions are
    /// ended) and waits for it to be gone.
    pub fn stoppen(&mut self) {
        let mut proc = self.proc.take().expect("running");
        // The postmaster itself (under runuser it is a child of the process we started).
        let pid = std::fs::read_to_string(self.daten.join("postmaster.pid"))
            .ok()
            .and_then(|t| t.lines().next().map(str::to_string))
            .unwrap_or_else(|| proc.child.id().to_string());
        let _ = Command::new("kill").args(["-INT", pid.trim()]).status();
        if proc.wait_exit(Duration::from_secs(60)).is_none() {
            panic!("PostgreSQL did not stop; log:\n{}", proc.output());
        }
    }
}
