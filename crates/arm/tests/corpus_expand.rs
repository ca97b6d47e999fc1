//! Corpus accounting: every Bicep baseline `main.json` / `main.symbolicnames.json` and every JSON
//! template under `avm/` and `quickstarts/` expands, with no parameters given, without a panic.
//! Prints how many expand with no error diagnostic and lists the others with their reason.
//! Skips, saying so, when `../shared/corpus` is absent.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use arm::expand::{expand_file, ExpandOptions};
use arm::plan::DiagnosticLevel;
use rayon::prelude::*;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// A deployment template by its `$schema` (parameter files, metadata and other JSON are not).
fn is_template(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let head: String = text
        .chars()
        .take(2000)
        .collect::<String>()
        .to_ascii_lowercase();
    head.contains("deploymenttemplate.json")
}

enum Outcome {
    Clean,
    Diagnostics(String),
    Rejected(String),
    Panicked(String),
}

fn expand_one(path: &Path) -> Outcome {
    let result = catch_unwind(AssertUnwindSafe(|| {
        expand_file(path, &ExpandOptions::default())
    }));
    match result {
        Err(panic) => Outcome::Panicked(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        ),
        Ok(Err(e)) => Outcome::Rejected(e.to_string()),
        Ok(Ok(plan)) => {
            let errors: Vec<_> = plan
                .diagnostics
                .iter()
                .filter(|d| d.level == DiagnosticLevel::Error)
                .collect();
            match errors.first() {
                None => Outcome::Clean,
                Some(first) => Outcome::Diagnostics(format!(
                    "{} error(s), first: [{}] {}",
                    errors.len(),
                    first.code,
                    first.message
                )),
            }
        }
    }
}

fn account(label: &str, files: &[PathBuf]) -> usize {
    let outcomes: Vec<(PathBuf, Outcome)> = files
        .par_iter()
        .map(|f| (f.clone(), expand_one(f)))
        .collect();
    let clean = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Clean))
        .count();
    println!(
        "{label}: {clean}/{} expand with no error diagnostic",
        outcomes.len()
    );
    let mut panics = 0;
    let mut by_reason: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, outcome) in &outcomes {
        let short = path
            .strip_prefix(CORPUS)
            .unwrap_or(path)
            .display()
            .to_string();
        let reason = match outcome {
            Outcome::Clean => continue,
            Outcome::Diagnostics(r) => format!("diagnostics: {r}"),
            Outcome::Rejected(r) => format!("rejected: {r}"),
            Outcome::Panicked(r) => {
                panics += 1;
                format!("PANIC: {r}")
            }
        };
        println!("  {short}: {reason}");
        by_reason.entry(reason).or_default().push(short);
    }
    panics
}

#[test]
fn corpus_templates_expand_without_panics() {
    let root = Path::new(CORPUS);
    if !root.exists() {
        println!("SKIP: {CORPUS} is absent; corpus expansion not checked");
        return;
    }
    let mut baselines = Vec::new();
    json_files(&root.join("bicep-baselines"), &mut baselines);
    baselines.retain(|p| {
        p.file_name()
            .is_some_and(|n| n == "main.json" || n == "main.symbolicnames.json")
    });
    baselines.sort();
    let mut others = Vec::new();
    json_files(&root.join("avm"), &mut others);
    json_files(&root.join("quickstarts"), &mut others);
    others.retain(|p| is_template(p));
    others.sort();
    let panics = account("bicep-baselines", &baselines) + account("avm+quickstarts", &others);
    assert_eq!(panics, 0, "expansion panicked on corpus input");
}
