//! Writes `docs/rules/` from the rule registry, or with `--check` reports stale files (exit 1).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut check = false;
    let mut dir: Option<PathBuf> = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: rules-doc [--check] DIR");
                return ExitCode::SUCCESS;
            }
            _ if dir.is_none() => dir = Some(PathBuf::from(arg)),
            _ => {
                eprintln!("usage: rules-doc [--check] DIR");
                return ExitCode::from(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: rules-doc [--check] DIR");
        return ExitCode::from(2);
    };
    if check {
        return match rules::docs::stale_files(&dir) {
            Ok(stale) if stale.is_empty() => ExitCode::SUCCESS,
            Ok(stale) => {
                eprintln!(
                    "{} is stale; regenerate with `cargo run -p rolegate-rules --bin rules-doc -- {}`:",
                    dir.display(),
                    dir.display()
                );
                for f in stale {
                    eprintln!("  {f}");
                }
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                ExitCode::from(2)
            }
        };
    }
    if let Err(e) = write(&dir) {
        eprintln!("{}: {e}", dir.display());
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn write(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let files = rules::docs::generate();
    // Remove pages of rules that no longer exist, so the directory mirrors the registry.
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(".md") && !files.iter().any(|f| f.name == name) {
            std::fs::remove_file(&path)?;
        }
    }
    for file in files {
        std::fs::write(dir.join(&file.name), file.content)?;
    }
    Ok(())
}
