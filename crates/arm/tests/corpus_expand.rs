//! Corpus accounting: every Bicep baseline `main.json` / `main.symbolicnames.json` and every JSON
//! template under `avm/` and `quickstarts/` expands, with no parameters given, without a panic.
//! Prints how many expand with no error diagnostic and lists the others with their reason. Every
//! template with an error must be in [`KNOWN`] with the reason it is a problem of the template, not
//! of the engine (and every entry there must still fail, so the list stays true); where the reason is
//! a default that only works with real parameters, the template is expanded again with them and
//! must then be clean. Skips, saying so, when `../shared/corpus` is absent.

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

/// Templates that fail for a reason of their own, by path suffix: (suffix, reason, parameters with
/// which the template is valid, if the reason is a default that only works with real parameters).
/// Parameters (name, JSON value) with which a template is valid.
type Params = &'static [(&'static str, &'static str)];

const KNOWN: &[(&str, &str, Params)] = &[
    ("bicep-baselines/baselines/LoopsIndexed_LF/main.json",
     "compiler baseline, never deployed: indexes range(0, length(regions))[i] + i, out of range for i >= 1 as ARM would also find", &[]),
    ("bicep-baselines/baselines/Modules_CRLF/main.json",
     "compiler baseline, never deployed: div(range(1, 2)[i], i) divides by zero for i = 0", &[]),
    ("bicep-baselines/baselines/Modules_CRLF/main.symbolicnames.json",
     "compiler baseline, never deployed: div(range(1, 2)[i], i) divides by zero for i = 0", &[]),
    ("bicep-baselines/user_submitted/101/sqlmi-new-vnet/main.json",
     "default subnetName has no '/', but split(subnetName, '/')[1] needs one", &[("subnetName", "\"vnet/subnet\"")]),
    ("bicep-baselines/user_submitted/101/sqlmi-new-vnet/main.symbolicnames.json",
     "default subnetName has no '/', but split(subnetName, '/')[1] needs one", &[("subnetName", "\"vnet/subnet\"")]),
    ("bicep-baselines/user_submitted/201/web-app-asev2-create/main.json",
     "default subnetName has no '/', but split(subnetName, '/')[1] needs one", &[("subnetName", "\"vnet/subnet\"")]),
    ("bicep-baselines/user_submitted/201/web-app-asev2-create/main.symbolicnames.json",
     "default subnetName has no '/', but split(subnetName, '/')[1] needs one", &[("subnetName", "\"vnet/subnet\"")]),
    ("safekit/safekit-cluster-farm/nestedtemplates/cluster.json",
     "default Loadbalancer 'none' takes the if() branch naming undeclared variable lbaddrpool0; the parent always passes 'External'", &[("Loadbalancer", "\"External\"")]),
    ("safekit/safekit-cluster-mirror/nestedtemplates/cluster.json",
     "default Loadbalancer 'none' takes the if() branch naming undeclared variable lbaddrpool0; the parent always passes 'External'", &[("Loadbalancer", "\"External\"")]),
    ("demos/arm-template-retrieve-azure-storage-access-keys/azuredeploy.json",
     "default azureMgmtUri is '', and uri('', ...) has no base URI", &[]),
    ("microsoft.storagepool/diskpool-create-entry-level/prereqs/prereq.azuredeploy.json",
     "parameter availabilityZone is declared string with an integer default", &[]),
];

/// The azurestackhci create-cluster family: the cloud witness storage account name defaults to ''
/// and the template builds resourceId(..., '') from it; rolegate rejects an empty name segment.
const HCI_WITNESS: (&str, &str) = (
    "microsoft.azurestackhci/create-cluster",
    "default clusterWitnessStorageAccountName is '' (empty resource name in resourceId), set only for a cloud witness",
);

fn known(path: &str) -> Option<(&'static str, Params)> {
    KNOWN
        .iter()
        .find(|(suffix, _, _)| path.ends_with(suffix))
        .map(|(_, reason, params)| (*reason, *params))
        .or_else(|| {
            path.contains(HCI_WITNESS.0)
                .then_some((HCI_WITNESS.1, &[][..]))
        })
}

fn expand_one(path: &Path) -> Outcome {
    expand_with(path, &ExpandOptions::default())
}

fn expand_with(path: &Path, options: &ExpandOptions) -> Outcome {
    let result = catch_unwind(AssertUnwindSafe(|| expand_file(path, options)));
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
    let mut unexplained = Vec::new();
    for (path, outcome) in &outcomes {
        let short = path
            .strip_prefix(CORPUS)
            .unwrap_or(path)
            .display()
            .to_string();
        let reason = match outcome {
            Outcome::Clean => {
                // (The azurestackhci prefix also matches variants that set a witness name.)
                assert!(
                    !KNOWN.iter().any(|(suffix, _, _)| short.ends_with(suffix)),
                    "{short} is listed as failing but now expands cleanly: update KNOWN"
                );
                continue;
            }
            Outcome::Diagnostics(r) => format!("diagnostics: {r}"),
            Outcome::Rejected(r) => format!("rejected: {r}"),
            Outcome::Panicked(r) => {
                panics += 1;
                format!("PANIC: {r}")
            }
        };
        match known(&short) {
            Some((why, params)) => {
                println!("  {short}: template problem: {why}");
                if !params.is_empty() {
                    let mut options = ExpandOptions::default();
                    for (name, value) in params {
                        let value = serde_json::from_str(value).expect("valid JSON in KNOWN");
                        options.overrides.push((name.to_string(), value));
                    }
                    let again = expand_with(path, &options);
                    assert!(
                        matches!(again, Outcome::Clean),
                        "{short} still fails with {params:?}"
                    );
                    println!("    ... and expands cleanly with {params:?}");
                }
            }
            None => {
                println!("  {short}: UNEXPLAINED {reason}");
                unexplained.push(short);
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "templates failing for no known reason: {unexplained:#?}"
    );
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
