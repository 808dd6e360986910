//! Confinement of the sandbox child, applied by the child itself before it reads the file:
//! - **Landlock** (where the kernel offers it): no file may be written, created or removed
//!   anywhere, and only the OCR language data (`PLANKAMMER_SANDBOX_LESBAR`) may be read; on
//!   ABI 4 and later no TCP bind or connect, on ABI 6 no abstract Unix sockets or signals
//!   to processes outside;
//! - **seccomp**: the system calls that make sockets, start programs or inspect other
//!   processes fail with `EPERM`, whatever the kernel's Landlock support;
//! - `no_new_privs`, which both need.
//!
//! The standard input, output and error the parent gave stay usable (they are open
//! already). [`Einschluss`] says what is active; the worker logs it at start.

use serde::{Deserialize, Serialize};
use std::ffi::CString;

/// The environment variable with the one folder the child may read (OCR language data).
pub const LESBAR_VAR: &str = "PLANKAMMER_SANDBOX_LESBAR";

/// What confinement is active in a sandbox child.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Einschluss {
    /// Landlock ABI version in force, 0: none (kernel without Landlock).
    pub landlock_abi: i64,
    /// The seccomp filter is installed.
    pub seccomp: bool,
    /// Why something could not be set up (English, for the log).
    pub fehler: Vec<String>,
}

impl Einschluss {
    /// One line for the (English) log: what holds.
    pub fn beschreibung(&self) -> String {
        let datei = if self.landlock_abi > 0 {
            format!(
                "Landlock ABI {} (no writes, reads only the OCR data)",
                self.landlock_abi
            )
        } else {
            "no Landlock (file system not confined)".to_string()
        };
        let netz = if self.seccomp {
            "seccomp (no sockets, no programs)"
        } else {
            "no seccomp"
        };
        format!("{datei}; {netz}")
    }

    /// Both file and system-call confinement are active.
    pub fn vollstaendig(&self) -> bool {
        self.landlock_abi > 0 && self.seccomp
    }
}

// Landlock (include/uapi/linux/landlock.h).
const LANDLOCK_CREATE_RULESET_VERSION: u32 = 1;
const LANDLOCK_RULE_PATH_BENEATH: u32 = 1;
const FS_READ_FILE: u64 = 1 << 2;
const FS_READ_DIR: u64 = 1 << 3;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
    handled_access_net: u64,
    scoped: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// The Landlock ABI version this kernel offers (0: none).
pub fn kernel_landlock_abi() -> i64 {
    // SAFETY: the version query takes no pointer.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    abi.max(0)
}

fn landlock(lesbar: Option<&str>) -> Result<i64, String> {
    let abi = kernel_landlock_abi();
    if abi < 1 {
        return Ok(0);
    }
    // Every file-system right the kernel knows: all are refused unless a rule grants them.
    let mut fs = (1u64 << 13) - 1; // ABI 1: execute … make_sym
    if abi >= 2 {
        fs |= 1 << 13; // refer
    }
    if abi >= 3 {
        fs |= 1 << 14; // truncate
    }
    if abi >= 5 {
        fs |= 1 << 15; // ioctl_dev
    }
    let attr = RulesetAttr {
        handled_access_fs: fs,
        handled_access_net: if abi >= 4 { 0b11 } else { 0 }, // bind_tcp, connect_tcp
        scoped: if abi >= 6 { 0b11 } else { 0 },             // abstract unix socket, signal
    };
    let size = match abi {
        1..=3 => 8,
        4 | 5 => 16,
        _ => std::mem::size_of::<RulesetAttr>(),
    };
    // SAFETY: a valid pointer to `attr` with a size the kernel's ABI reads.
    let ruleset = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            &attr as *const RulesetAttr,
            size,
            0u32,
        )
    };
    if ruleset < 0 {
        return Err(format!(
            "landlock_create_ruleset: {}",
            std::io::Error::last_os_error()
        ));
    }
    let ruleset = ruleset as i32;
    if let Some(dir) = lesbar.filter(|d| !d.is_empty()) {
        let Ok(c) = CString::new(dir) else {
            return Err("readable folder contains NUL".into());
        };
        // SAFETY: a valid C string; O_PATH opens without reading.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
        if fd >= 0 {
            let rule = PathBeneathAttr {
                allowed_access: FS_READ_FILE | FS_READ_DIR,
                parent_fd: fd,
            };
            // SAFETY: a valid pointer to the rule for the ruleset just made.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_landlock_add_rule,
                    ruleset,
                    LANDLOCK_RULE_PATH_BENEATH,
                    &rule as *const PathBeneathAttr,
                    0u32,
                )
            };
            // SAFETY: closing our own descriptor.
            unsafe { libc::close(fd) };
            if r < 0 {
                return Err(format!(
                    "landlock_add_rule: {}",
                    std::io::Error::last_os_error()
                ));
            }
        }
    }
    // SAFETY: restricting ourselves with the ruleset made above.
    let r = unsafe { libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32) };
    // SAFETY: closing our own descriptor.
    unsafe { libc::close(ruleset) };
    if r < 0 {
        return Err(format!(
            "landlock_restrict_self: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(abi)
}

// Classic BPF for seccomp (include/uapi/linux/filter.h, seccomp.h).
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JMP_JEQ_K: u16 = 0x15;
const BPF_JMP_JGE_K: u16 = 0x35;
const BPF_RET_K: u16 = 0x06;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;

/// System calls the child never needs: sockets, starting programs, other processes.
const VERBOTEN: &[libc::c_long] = &[
    libc::SYS_socket,
    libc::SYS_socketpair,
    libc::SYS_connect,
    libc::SYS_bind,
    libc::SYS_listen,
    libc::SYS_accept,
    libc::SYS_accept4,
    libc::SYS_execve,
    libc::SYS_execveat,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_mount,
    libc::SYS_unshare,
    libc::SYS_setns,
];

fn seccomp() -> Result<(), String> {
    let insn = |code: u16, jt: u8, jf: u8, k: u32| libc::sock_filter { code, jt, jf, k };
    let n = VERBOTEN.len();
    let mut prog = vec![
        // A foreign architecture (x32, compat calls) is not ours: kill.
        insn(BPF_LD_W_ABS, 0, 0, 4),
        insn(BPF_JMP_JEQ_K, 1, 0, AUDIT_ARCH),
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
        insn(BPF_LD_W_ABS, 0, 0, 0),
        // x32 system calls (bit 30) would slip past the numbers below: kill.
        insn(BPF_JMP_JGE_K, 0, 1, 0x4000_0000),
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
    ];
    for (i, nr) in VERBOTEN.iter().enumerate() {
        // Match: jump over the remaining comparisons and the ALLOW to the ERRNO return.
        let bis_errno = (n - i) as u8;
        prog.push(insn(BPF_JMP_JEQ_K, bis_errno, 0, *nr as u32));
    }
    prog.push(insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW));
    prog.push(insn(
        BPF_RET_K,
        0,
        0,
        SECCOMP_RET_ERRNO | libc::EPERM as u32,
    ));
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: a valid filter program that outlives the call (the kernel copies it).
    let r = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &fprog as *const libc::sock_fprog,
        )
    };
    if r != 0 {
        return Err(format!("seccomp: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Confines the calling process (the sandbox child), as far as the kernel allows.
pub fn einschliessen() -> Einschluss {
    let mut e = Einschluss::default();
    // SAFETY: plain prctl.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        e.fehler
            .push(format!("no_new_privs: {}", std::io::Error::last_os_error()));
        return e;
    }
    let lesbar = std::env::var(LESBAR_VAR).ok();
    match landlock(lesbar.as_deref()) {
        Ok(abi) => e.landlock_abi = abi,
        Err(f) => e.fehler.push(f),
    }
    match seccomp() {
        Ok(()) => e.seccomp = true,
        Err(f) => e.fehler.push(f),
    }
    e
}

/// What the self-test of a confined child found: can it open a file, write one, make a
/// socket, start a program?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selbsttest {
    pub einschluss: Einschluss,
    /// `/etc/hostname` (or the given file) could be opened for reading.
    pub datei_gelesen: bool,
    /// A file could be created in the temporary folder.
    pub datei_geschrieben: bool,
    /// A TCP or Unix socket could be made.
    pub socket: bool,
    /// `/bin/true` could be started.
    pub programm: bool,
    /// A file in the readable folder could be read (the OCR data stays usable).
    pub lesbar_gelesen: Option<bool>,
}

/// Runs in a confined child: tries what confinement must refuse.
pub fn selbsttest(einschluss: Einschluss, fremde_datei: &str) -> Selbsttest {
    let datei_gelesen = std::fs::File::open(fremde_datei).is_ok();
    let ziel = std::env::temp_dir().join(format!("plankammer-sandbox-{}", std::process::id()));
    let datei_geschrieben = std::fs::File::create(&ziel).is_ok();
    let _ = std::fs::remove_file(&ziel);
    let socket = std::net::TcpListener::bind("127.0.0.1:0").is_ok()
        || std::os::unix::net::UnixDatagram::unbound().is_ok();
    let programm = std::process::Command::new("/bin/true")
        .status()
        .is_ok_and(|s| s.success());
    let lesbar_gelesen = std::env::var(LESBAR_VAR).ok().map(|d| {
        std::fs::read_dir(&d)
            .ok()
            .and_then(|mut it| {
                it.find_map(|e| e.ok().filter(|e| e.path().is_file()).map(|e| e.path()))
            })
            .is_some_and(|p| std::fs::read(p).is_ok())
    });
    Selbsttest {
        einschluss,
        datei_gelesen,
        datei_geschrieben,
        socket,
        programm,
        lesbar_gelesen,
    }
}
