//! The whole rule set over real templates: never a panic, and findings that point into the file.
//! Reads `../shared/corpus` (and `ROLEGATE_RULES_EXTRA`, a directory of extra templates, if set);
//! skips with a message when absent.

use std::path::{Path, PathBuf};

use access::RoleCatalogue;
use policy::{Date, Policy};

fn templates(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            templates(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            let is_template = std::fs::read_to_string(&path)
                .map(|t| t.contains("deploymentTemplate.json"))
                .unwrap_or(false);
            if is_template {
                out.push(path);
            }
        }
    }
}

#[test]
fn every_corpus_logic_app_template_is_checked_without_panic() {
    let root = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    let mut files = Vec::new();
    for sub in ["quickstarts", "samples"] {
        templates(&root.join(sub), &mut files);
    }
    if let Ok(extra) = std::env::var("ROLEGATE_RULES_EXTRA") {
        templates(Path::new(&extra), &mut files);
    }
    if files.is_empty() {
        eprintln!("skipped: no corpus at {}", root.display());
        return;
    }
    files.sort();
    let catalogue = RoleCatalogue::builtin();
    let policy = Policy::embedded_default().policy;
    let options = rules::CheckOptions::new(Date::new(2026, 11, 26).expect("date"), &catalogue);
    let verbose = std::env::var("ROLEGATE_RULES_VERBOSE").is_ok();
    let mut checked = 0;
    let mut total = 0;
    for file in &files {
        // A conventional parameter file beside the template is applied, as users deploy it.
        let mut options_for_file = arm::ExpandOptions::default();
        let beside = file.with_file_name(format!(
            "{}.parameters.json",
            file.file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
        ));
        if beside.is_file() {
            options_for_file.parameter_files.push(beside);
        }
        let Ok(plan) = arm::expand_file(file, &options_for_file) else {
            continue;
        };
        let plans = [plan];
        let model = access::build_all(&plans, &catalogue);
        let findings = rules::check(&model, &plans, &policy, &options);
        checked += 1;
        total += findings.len();
        for f in &findings {
            assert!(f.location.line >= 1, "{}: {f:?}", file.display());
            assert!(!f.message.is_empty());
            if verbose {
                eprintln!(
                    "{} {} {}:{} {}",
                    f.rule, f.severity, f.location.file, f.location.line, f.message
                );
            }
        }
    }
    eprintln!(
        "checked {checked} of {} templates, {total} findings",
        files.len()
    );
    assert!(checked > 0, "no corpus template expanded");
}
