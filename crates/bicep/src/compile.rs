//! Compiling Bicep through the Bicep CLI when one is installed: `bicep build FILE --stdout`,
//! `bicep build-params FILE --stdout`, else `az bicep build --file FILE --stdout` (the Azure CLI
//! ships Bicep on GitHub- and Microsoft-hosted runners). Designed for Bicep CLI 0.27 and newer
//! (`build-params --stdout` prints `{"parametersJson": …, "templateJson": …}` since 0.27; a bare
//! parameters document, as older versions print, is accepted too).
//!
//! A compile is bounded in time ([`timeout_from_env`], `ROLEGATE_BICEP_TIMEOUT`, default
//! [`DEFAULT_TIMEOUT`]): a hung compiler (an `az` waiting on a network download of Bicep, a
//! locked cache) must fail the gate as bad input, not hang the CI job until its own limit.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a compile may take by default. `bicep build` of the largest AVM module in the corpus
/// takes a few seconds; `az bicep` may first download the Bicep CLI, which takes longer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The variable that changes the compile timeout (whole seconds, at least 1).
pub const TIMEOUT_VARIABLE: &str = "ROLEGATE_BICEP_TIMEOUT";

/// A Bicep compiler found on PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compiler {
    /// The Bicep CLI (`bicep`).
    Bicep(PathBuf),
    /// The Azure CLI's `az bicep`.
    AzCli(PathBuf),
}

/// Why a compile did not give JSON.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("cannot run {program}: {message}")]
    Spawn { program: String, message: String },
    /// The compiler rejected the file: its own message (file:line:column diagnostics).
    #[error("{file}: the Bicep compiler failed:\n{message}")]
    Failed { file: String, message: String },
    #[error("{file}: the Bicep compiler printed no JSON: {message}")]
    Output { file: String, message: String },
    /// The compiler did not finish in time and was stopped.
    #[error("{file}: the Bicep compiler ({program}) did not finish within {seconds} s and was stopped; set {TIMEOUT_VARIABLE}=SECONDS to allow longer")]
    Timeout {
        file: String,
        program: String,
        seconds: u64,
    },
    /// `ROLEGATE_BICEP_TIMEOUT` is not a number of seconds.
    #[error("{TIMEOUT_VARIABLE}='{value}': expected a whole number of seconds, at least 1")]
    Setting { value: String },
}

/// The compile timeout `ROLEGATE_BICEP_TIMEOUT` asks for: unset or empty → [`DEFAULT_TIMEOUT`].
pub fn timeout_from_env() -> Result<Duration, CompileError> {
    parse_timeout(std::env::var(TIMEOUT_VARIABLE).ok().as_deref())
}

/// [`timeout_from_env`] for a given value.
pub fn parse_timeout(value: Option<&str>) -> Result<Duration, CompileError> {
    match value.map(str::trim) {
        None | Some("") => Ok(DEFAULT_TIMEOUT),
        Some(text) => match text.parse::<u64>() {
            Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
            _ => Err(CompileError::Setting {
                value: text.to_string(),
            }),
        },
    }
}

impl Compiler {
    /// The compiler `ROLEGATE_BICEP` asks for: unset, empty or `auto` → `bicep` on PATH, else
    /// `az` (whose `bicep` subcommand compiles), else none; `off` → none (Bicep input is then bad
    /// input, as without a compiler); any other value → the Bicep CLI at that path.
    pub fn find() -> Option<Compiler> {
        Compiler::choose(std::env::var("ROLEGATE_BICEP").ok().as_deref())
    }

    /// [`Compiler::find`] for a given `ROLEGATE_BICEP` value.
    pub fn choose(setting: Option<&str>) -> Option<Compiler> {
        match setting.map(str::trim) {
            None | Some("") | Some("auto") => find_on_path("bicep")
                .map(Compiler::Bicep)
                .or_else(|| find_on_path("az").map(Compiler::AzCli)),
            Some("off") => None,
            Some(path) => {
                let path = PathBuf::from(path);
                is_executable(&path).then_some(Compiler::Bicep(path))
            }
        }
    }

    /// How the compiler is invoked, for messages.
    pub fn describe(&self) -> String {
        match self {
            Compiler::Bicep(path) => format!("bicep ({})", path.display()),
            Compiler::AzCli(path) => format!("az bicep ({})", path.display()),
        }
    }

    /// The ARM JSON `file` (a `.bicep` file) compiles to, within `timeout`.
    pub fn build(&self, file: &Path, timeout: Duration) -> Result<String, CompileError> {
        let text = self.run("build", file, timeout)?;
        serde_json::from_str::<serde_json::Value>(&text).map_err(|e| CompileError::Output {
            file: file.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(text)
    }

    /// The `deploymentParameters` JSON `file` (a `.bicepparam` file) compiles to, within
    /// `timeout`.
    pub fn build_params(&self, file: &Path, timeout: Duration) -> Result<String, CompileError> {
        let text = self.run("build-params", file, timeout)?;
        let output = |message: String| CompileError::Output {
            file: file.display().to_string(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| output(e.to_string()))?;
        match value.get("parametersJson") {
            Some(serde_json::Value::String(inner)) => Ok(inner.clone()),
            Some(_) => Err(output("`parametersJson` is not a string".into())),
            None => Ok(text),
        }
    }

    fn run(&self, verb: &str, file: &Path, timeout: Duration) -> Result<String, CompileError> {
        let (program, command) = match self {
            Compiler::Bicep(path) => {
                let mut c = Command::new(path);
                c.arg(verb).arg(file).arg("--stdout");
                (path, c)
            }
            Compiler::AzCli(path) => {
                let mut c = Command::new(path);
                c.args(["bicep", verb, "--file"]).arg(file).arg("--stdout");
                (path, c)
            }
        };
        let output = run_bounded(command, timeout).map_err(|e| match e {
            Bounded::Spawn(e) => CompileError::Spawn {
                program: program.display().to_string(),
                message: e.to_string(),
            },
            Bounded::TimedOut => CompileError::Timeout {
                file: file.display().to_string(),
                program: self.describe(),
                seconds: timeout.as_secs(),
            },
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
            let stdout = String::from_utf8_lossy(&output.stdout).trim().to_string();
            return Err(CompileError::Failed {
                file: file.display().to_string(),
                message: if stderr.is_empty() { stdout } else { stderr },
            });
        }
        String::from_utf8(output.stdout).map_err(|_| CompileError::Output {
            file: file.display().to_string(),
            message: "not UTF-8".into(),
        })
    }
}

/// Why [`run_bounded`] gave no output.
enum Bounded {
    Spawn(std::io::Error),
    TimedOut,
}

/// Runs `command` to completion, or kills it once `timeout` has passed. stdout and stderr are
/// drained on their own threads so a compiler printing more than a pipe holds cannot block.
fn run_bounded(mut command: Command, timeout: Duration) -> Result<std::process::Output, Bounded> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so a timeout stops what it started too (`az` is a shell script that
    // runs Python; a stand-in script runs `sleep`): a grandchild left alive would keep the pipes
    // open and the readers waiting.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(Bounded::Spawn)?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill(&mut child);
                return Err(Bounded::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                kill(&mut child);
                return Err(Bounded::Spawn(e));
            }
        }
    };
    Ok(std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// Reads a pipe to its end on a thread of its own.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Stops the child and everything in its process group, and reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads
        // (`process_group(0)` above); it touches no memory of this process.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The first executable named `name` in PATH.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let names: Vec<String> = if cfg!(windows) {
        vec![format!("{name}.exe"), format!("{name}.cmd")]
    } else {
        vec![name.to_string()]
    };
    std::env::split_paths(&path).find_map(|dir| {
        names
            .iter()
            .map(|n| dir.join(OsStr::new(n)))
            .find(|candidate| is_executable(candidate))
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_defaults_to_120_s_and_must_be_whole_seconds() {
        assert_eq!(parse_timeout(None).ok(), Some(DEFAULT_TIMEOUT));
        assert_eq!(parse_timeout(Some(" ")).ok(), Some(DEFAULT_TIMEOUT));
        assert_eq!(parse_timeout(Some("5")).ok(), Some(Duration::from_secs(5)));
        for bad in ["0", "-3", "1.5", "2m"] {
            assert!(
                matches!(parse_timeout(Some(bad)), Err(CompileError::Setting { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn off_means_no_compiler_and_a_path_must_be_executable() {
        assert_eq!(Compiler::choose(Some("off")), None);
        assert_eq!(Compiler::choose(Some("/nonexistent/bicep")), None);
    }
}
