//! The real `plankammer` binary as a child process, with its output kept in a log file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

pub struct Proc {
    pub child: Child,
    pub log: PathBuf,
    name: String,
}

impl Proc {
    /// Starts `binary args…` with `envs` (and nothing inherited that could change config).
    pub fn start(
        binary: &Path,
        args: &[&str],
        envs: &[(&str, String)],
        log_dir: &Path,
        name: &str,
    ) -> Proc {
        let log = log_dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("create log");
        let err = out.try_clone().expect("clone log");
        let mut cmd = Command::new(binary);
        cmd.args(args).stdin(Stdio::null()).stdout(out).stderr(err);
        // Its own process group, so that what it starts (ChromeDriver's Chromium, the
        // worker's sandbox children) ends with it when the test drops it.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        for v in [
            "DATABASE_URL",
            "OBJECT_STORE_URL",
            "MAIL_URL",
            "BIND",
            "DATA_DIR",
            "PUBLIC_URL",
            "WEB_DIR",
            "LOG_FORMAT",
        ] {
            cmd.env_remove(v);
        }
        cmd.env("RUST_LOG", "info,sqlx=warn");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        Proc {
            child,
            log,
            name: name.to_string(),
        }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: the process gets no chance to clean up.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait up to `timeout` for a clean exit; returns the exit code.
    pub fn terminate(&mut self, timeout: Duration) -> Option<i32> {
        self.sigterm();
        match self.wait_exit(timeout) {
            Some(status) => status.code(),
            None => panic!(
                "{} did not stop within {timeout:?} after SIGTERM; log:\n{}",
                self.name,
                self.output()
            ),
        }
    }

    /// Sends SIGTERM and returns at once (the process decides how long it takes).
    pub fn sigterm(&self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
    }

    /// Has the process ended (without waiting)?
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits up to `timeout` for the process to end; `None` if it is still running then.
    /// Blocks the thread: call it from a test thread, or through `spawn_blocking`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let start = std::time::Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if start.elapsed() >= timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // The whole group: a browser left behind by ChromeDriver would outlive the test
        // (each CI run used to leave some eight Chromiums running).
        let gruppe = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &gruppe])
            .stderr(Stdio::null())
            .status();
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
