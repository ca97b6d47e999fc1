//! Compiling Bicep through the Bicep CLI when one is installed: `bicep build FILE --stdout`,
//! `bicep build-params FILE --stdout`, else `az bicep build --file FILE --stdout` (the Azure CLI
//! ships Bicep on GitHub- and Microsoft-hosted runners). Designed for Bicep CLI 0.27 and newer
//! (`build-params --stdout` prints `{"parametersJson": …, "templateJson": …}` since 0.27; a bare
//! parameters document, as older versions print, is accepted too).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

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

    /// The ARM JSON `file` (a `.bicep` file) compiles to.
    pub fn build(&self, file: &Path) -> Result<String, CompileError> {
        let text = self.run("build", file)?;
        serde_json::from_str::<serde_json::Value>(&text).map_err(|e| CompileError::Output {
            file: file.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(text)
    }

    /// The `deploymentParameters` JSON `file` (a `.bicepparam` file) compiles to.
    pub fn build_params(&self, file: &Path) -> Result<String, CompileError> {
        let text = self.run("build-params", file)?;
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

    fn run(&self, verb: &str, file: &Path) -> Result<String, CompileError> {
        let (program, mut command) = match self {
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
        let output = command.output().map_err(|e| CompileError::Spawn {
            program: program.display().to_string(),
            message: e.to_string(),
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
    fn off_means_no_compiler_and_a_path_must_be_executable() {
        assert_eq!(Compiler::choose(Some("off")), None);
        assert_eq!(Compiler::choose(Some("/nonexistent/bicep")), None);
    }
}
