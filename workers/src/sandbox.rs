//! Untrusted files are parsed, rendered and OCR'd in a child process: `plankammer sandbox
//! <aufgabe>` reads the file on standard input and writes a JSON result on standard
//! output. The child runs with an address-space limit, a CPU-time limit, no core dumps,
//! no new files, its own (empty) network namespace where the kernel allows it, and dies
//! with its parent; the parent adds a wall-clock timeout. The child confines itself further
//! before it reads the file ([`crate::einschluss`]: Landlock, seccomp). A child that dies is a finding
//! about the file ("Datei konnte nicht verarbeitet werden"), never a dead worker.

use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The `plankammer` binary (the worker's own executable).
    pub program: PathBuf,
    /// Address-space limit of the child.
    pub memory_bytes: u64,
    /// CPU seconds the child may use.
    pub cpu_secs: u64,
    /// Wall-clock limit, including waiting for input.
    pub timeout: Duration,
    /// Most bytes of JSON the child may answer with.
    pub max_output: usize,
    /// The one folder the child may read (OCR language data); nothing else, where the
    /// kernel offers Landlock (see [`crate::einschluss`]).
    pub lesbar: Option<PathBuf>,
}

impl SandboxConfig {
    pub fn for_program(program: PathBuf) -> SandboxConfig {
        SandboxConfig {
            program,
            memory_bytes: 2 << 30,
            cpu_secs: 120,
            timeout: Duration::from_secs(180),
            max_output: 64 << 20,
            lesbar: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The child ran past its time; it was killed.
    #[error("time limit of {0:?} exceeded")]
    Timeout(Duration),
    /// The child died: out of memory, out of CPU time, or a crash in a parser.
    #[error("sandbox process died: {0}")]
    Died(String),
    /// The sandbox could not be started (an installation problem: retry, alert).
    #[error("could not start the sandbox: {0}")]
    Spawn(std::io::Error),
    #[error("unreadable sandbox answer: {0}")]
    BadOutput(String),
}

impl SandboxError {
    /// Is this about the file (a finding), rather than about the machine (retry)?
    pub fn about_the_file(&self) -> bool {
        matches!(
            self,
            SandboxError::Timeout(_) | SandboxError::Died(_) | SandboxError::BadOutput(_)
        )
    }

    /// The German reason for the finding.
    pub fn grund(&self) -> String {
        match self {
            SandboxError::Timeout(d) => format!("Zeitgrenze von {} s überschritten", d.as_secs()),
            SandboxError::Died(why) => format!("Verarbeitung abgebrochen: {why}"),
            SandboxError::Spawn(_) => "Prüfumgebung nicht verfügbar".into(),
            SandboxError::BadOutput(_) => "unlesbares Prüfergebnis".into(),
        }
    }
}

/// Runs `program sandbox <args…>` with `input` on its standard input and parses its answer.
pub async fn run<T, S, E>(cfg: &SandboxConfig, args: &[&str], input: S) -> Result<T, SandboxError>
where
    T: DeserializeOwned,
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let max = cfg.max_output;
    let (out, err, status) = starte(cfg, args, input, max).await?;
    if !status.success() {
        return Err(SandboxError::Died(todesursache(status, &err)));
    }
    if out.len() > max {
        return Err(SandboxError::BadOutput(format!(
            "answer larger than {max} bytes"
        )));
    }
    serde_json::from_slice(&out).map_err(|e| SandboxError::BadOutput(e.to_string()))
}

/// Exit code of a child that refused the file for a reason it names (in German, on its
/// standard error): see [`run_roh`].
pub const EXIT_ABGELEHNT: i32 = 3;

/// Like [`run`], for a task that answers with raw bytes (a stamped PDF) instead of JSON, at
/// most `max_output` of them. `Ok(Err(grund))`: the child refused the file and said why (exit
/// code [`EXIT_ABGELEHNT`], the German reason as the first line of its standard error).
pub async fn run_roh<S, E>(
    cfg: &SandboxConfig,
    args: &[&str],
    input: S,
    max_output: usize,
) -> Result<Result<Vec<u8>, String>, SandboxError>
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let (out, err, status) = starte(cfg, args, input, max_output).await?;
    if status.code() == Some(EXIT_ABGELEHNT) {
        let grund: String = String::from_utf8_lossy(&err)
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("Die Datei wurde abgelehnt.")
            .chars()
            .take(500)
            .collect();
        return Ok(Err(grund));
    }
    if !status.success() {
        return Err(SandboxError::Died(todesursache(status, &err)));
    }
    if out.len() > max_output {
        return Err(SandboxError::BadOutput(format!(
            "answer larger than {max_output} bytes"
        )));
    }
    Ok(Ok(out))
}

/// Starts the child with its limits, feeds it `input`, and collects at most `max + 1` bytes
/// of its standard output (so the caller can tell "too long"), 64 KiB of its standard error
/// and its exit status, within the wall-clock limit.
async fn starte<S, E>(
    cfg: &SandboxConfig,
    args: &[&str],
    mut input: S,
    max: usize,
) -> Result<(Vec<u8>, Vec<u8>, std::process::ExitStatus), SandboxError>
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    use futures::StreamExt;
    let mut cmd = tokio::process::Command::new(&cfg.program);
    cmd.arg("sandbox")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // One thread per tesseract: the worker runs several jobs side by side already, and
    // OpenMP's spinning threads in each child doubled OCR time on two cores (sys time).
    cmd.env_clear()
        .env("RUST_LOG", "warn")
        .env("OMP_THREAD_LIMIT", "1");
    if let Some(dir) = &cfg.lesbar {
        cmd.env(crate::einschluss::LESBAR_VAR, dir);
    }
    let (mem, cpu) = (cfg.memory_bytes, cfg.cpu_secs);
    // SAFETY: the closure runs in the forked child before exec and calls only
    // async-signal-safe functions (setrlimit, prctl, unshare); it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            limit(libc::RLIMIT_AS, mem);
            limit(libc::RLIMIT_CPU, cpu);
            limit(libc::RLIMIT_CORE, 0);
            limit(libc::RLIMIT_FSIZE, 0);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // No network: a fresh network namespace has only a downed loopback. Needs
            // privileges; where the kernel refuses, the other limits still hold.
            if libc::unshare(libc::CLONE_NEWNET) != 0 {
                let _ = libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET);
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(SandboxError::Spawn)?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| SandboxError::Spawn(std::io::Error::other("no stdin")))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| SandboxError::Spawn(std::io::Error::other("no stdout")))?;
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| SandboxError::Spawn(std::io::Error::other("no stderr")))?;
    let feed = tokio::spawn(async move {
        while let Some(chunk) = input.next().await {
            let Ok(chunk) = chunk else { break };
            if stdin.write_all(&chunk).await.is_err() {
                break; // the child stopped reading (it died or refused); its status tells why
            }
        }
        let _ = stdin.shutdown().await;
    });
    let work = async {
        let mut out = Vec::new();
        let mut limited = (&mut stdout).take(max as u64 + 1);
        limited
            .read_to_end(&mut out)
            .await
            .map_err(|e| SandboxError::BadOutput(e.to_string()))?;
        let mut err = Vec::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_end(&mut err).await;
        let status = child.wait().await.map_err(SandboxError::Spawn)?;
        Ok::<_, SandboxError>((out, err, status))
    };
    let r = match tokio::time::timeout(cfg.timeout, work).await {
        Ok(r) => r?,
        Err(_) => {
            let _ = child.kill().await;
            feed.abort();
            return Err(SandboxError::Timeout(cfg.timeout));
        }
    };
    feed.abort();
    Ok(r)
}

/// Why a child that did not succeed ended, in German.
fn todesursache(status: std::process::ExitStatus, err: &[u8]) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(libc::SIGXCPU) => "CPU-Zeitgrenze erreicht".to_string(),
        Some(libc::SIGKILL) => "Prozess beendet (Speicher- oder Zeitgrenze)".to_string(),
        Some(libc::SIGABRT) => "Speichergrenze erreicht oder interner Fehler".to_string(),
        Some(libc::SIGSEGV) => "Absturz beim Lesen der Datei".to_string(),
        Some(sig) => format!("Signal {sig}"),
        None => {
            let msg = String::from_utf8_lossy(err);
            let last = msg
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .chars()
                .take(200)
                .collect::<String>();
            tracing::warn!(code = ?status.code(), detail = %last, "sandbox child failed");
            format!("Exit-Code {}", status.code().unwrap_or(-1))
        }
    }
}

fn limit(resource: libc::__rlimit_resource_t, value: u64) {
    let r = libc::rlimit {
        rlim_cur: value as libc::rlim_t,
        rlim_max: value as libc::rlim_t,
    };
    // SAFETY: plain syscall with a valid pointer to a stack value.
    unsafe {
        libc::setrlimit(resource, &r);
    }
}

/// The child side: reads at most `max_input` bytes from standard input.
pub fn read_input(max_input: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(max_input)
        .read_to_end(&mut buf)?;
    Ok(buf)
}
