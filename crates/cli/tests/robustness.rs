//! A gate must fail closed, never crash: every example template is mutated node by node (a value
//! replaced by another type, a broken or unknown expression, a key removed, the file cut short)
//! and the whole pipeline must either judge it or reject it with a located error. A panic here is
//! a crash a user would see on a typo.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;

use rolegate::commands::check;
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `examples/<name>/bad` and `good` directories with a `main.json`.
fn example_dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(repo_root().join("examples")) else {
        return out;
    };
    for entry in entries.flatten() {
        for variant in ["good", "bad"] {
            let dir = entry.path().join(variant);
            if dir.join("main.json").is_file() {
                out.push(dir);
            }
        }
    }
    out.sort();
    out
}

/// Values put in place of each node: other JSON types, broken and unknown expressions, and
/// expressions whose value is only known at deployment.
const REPLACEMENTS: &[&str] = &[
    "null",
    "0",
    "-1",
    "true",
    "\"\"",
    "[]",
    "{}",
    "\"[\"",
    "\"[concat(]\"",
    "\"[notAFunction()]\"",
    "\"[parameters('undeclared')]\"",
    "\"[reference('nowhere').identity.principalId]\"",
    "\"[json('{')]\"",
    "\"[split('a', '')[5]]\"",
    "\"[copyIndex()]\"",
];

/// Every JSON pointer in `value`, parents before children.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                pointers(v, format!("{at}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// `doc` with the node at `pointer` replaced (`Some`) or removed (`None`).
fn mutate(doc: &Value, pointer: &str, with: Option<Value>) -> Option<Value> {
    let mut copy = doc.clone();
    match with {
        Some(v) => *copy.pointer_mut(pointer)? = v,
        None => {
            let (parent, last) = pointer.rsplit_once('/')?;
            let key = last.replace("~1", "/").replace("~0", "~");
            match copy.pointer_mut(parent)? {
                Value::Object(map) => {
                    map.remove(&key)?;
                }
                Value::Array(items) => {
                    let i: usize = key.parse().ok()?;
                    items.remove(i);
                }
                _ => return None,
            }
        }
    }
    Some(copy)
}

/// Copies an example directory (templates, modules, parameters, policy) to a scratch directory.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("scratch dir");
    for entry in std::fs::read_dir(from).expect("example dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Expand → access model → rules → report and its renders, as `check` runs them. `Err` carries
/// the expansion error text.
fn pipeline(
    template: &Path,
    parameters: &Path,
    policy: &policy::LoadedPolicy,
) -> Result<usize, String> {
    let options = arm::expand::ExpandOptions {
        parameter_files: vec![parameters.to_path_buf()],
        ..arm::expand::ExpandOptions::default()
    };
    let plan = arm::expand::expand_file(template, &options).map_err(|e| {
        let location = e.location().map(|l| l.to_string()).unwrap_or_default();
        format!("{location} {e}")
    })?;
    let catalogue = access::RoleCatalogue::builtin();
    let report = check::judge_one(vec![plan], policy, &catalogue, &options.context, true);
    let sources = report::SourceCache::new();
    let text = report::text::render(&report, &sources, report::TextOptions { color: false });
    let markdown = report::markdown::render(&report, &report::MarkdownOptions::default());
    Ok(text.len()
        + markdown.len()
        + report::json::render(&report).len()
        + report::sarif::render(&report).len())
}

/// Every mutation of every JSON file of the example (the template, its modules, its parameter
/// file), run through the pipeline in-process. Returns (runs, panics).
fn mutate_example(example: &Path, scratch: &Path) -> (usize, Vec<String>) {
    copy_dir(example, scratch);
    let policy = policy::discover(&scratch.join("main.json")).expect("the example's policy loads");
    let mut files = vec![
        scratch.join("main.json"),
        scratch.join("main.parameters.json"),
    ];
    if let Ok(modules) = std::fs::read_dir(scratch.join("modules")) {
        files.extend(
            modules
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json")),
        );
    }
    let replacements: Vec<Value> = REPLACEMENTS
        .iter()
        .map(|r| serde_json::from_str(r).expect("replacement is JSON"))
        .collect();
    // ROLEGATE_MUTATE_ALL=1 runs every mutation on every node (≈13,600 runs, ~3 min in debug).
    let stride = if std::env::var_os("ROLEGATE_MUTATE_ALL").is_some() {
        1
    } else {
        6
    };
    let mut runs = 0;
    let mut panics = Vec::new();
    for file in &files {
        let original = std::fs::read_to_string(file).expect("example file");
        let doc: Value = serde_json::from_str(original.trim_start_matches('\u{feff}'))
            .expect("example file is plain JSON");
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        for (k, pointer) in all.iter().enumerate().skip(1) {
            let mutants = replacements
                .iter()
                .map(|r| (Some(r.clone()), format!("{r}")))
                .chain(std::iter::once((None, "removed".to_string())))
                .enumerate()
                // Each node gets every `stride`-th mutation, rotating, so all of them meet every
                // part of the file while the test stays fast in debug builds.
                .filter(|(j, _)| (j + k) % stride == 0)
                .map(|(_, m)| m);
            for (with, what) in mutants {
                let Some(mutant) = mutate(&doc, pointer, with) else {
                    continue;
                };
                std::fs::write(file, serde_json::to_string_pretty(&mutant).unwrap())
                    .expect("write mutant");
                runs += 1;
                let result = catch_unwind(AssertUnwindSafe(|| {
                    pipeline(
                        &scratch.join("main.json"),
                        &scratch.join("main.parameters.json"),
                        &policy,
                    )
                }));
                if result.is_err() {
                    panics.push(format!(
                        "{} {pointer} := {what}",
                        file.strip_prefix(scratch).unwrap_or(file).display()
                    ));
                }
            }
        }
        std::fs::write(file, &original).expect("restore");
    }
    (runs, panics)
}

#[test]
fn no_mutation_of_an_example_crashes_the_pipeline() {
    let examples = example_dirs();
    assert!(!examples.is_empty(), "no examples found under examples/");
    // Panics are caught and counted; keep their messages out of the test output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut total = 0;
    let mut panics = Vec::new();
    for (i, example) in examples.iter().enumerate() {
        let scratch =
            std::env::temp_dir().join(format!("rolegate-robustness-{}-{i}", std::process::id()));
        let (runs, mut found) = mutate_example(example, &scratch);
        total += runs;
        let name = example.strip_prefix(repo_root()).unwrap_or(example);
        panics.extend(found.drain(..).map(|p| format!("{}: {p}", name.display())));
        let _ = std::fs::remove_dir_all(&scratch);
    }
    std::panic::set_hook(hook);
    println!("{total} mutants run through expand → access → rules → report");
    assert!(
        total > 2000,
        "too few mutants ({total}): did the examples shrink?"
    );
    assert!(
        panics.is_empty(),
        "{} of {total} mutants crashed the pipeline:\n{}",
        panics.len(),
        panics.join("\n")
    );
}

/// A template cut short anywhere is bad input: exit 2 and an error naming file, line and column.
#[test]
fn a_truncated_template_is_bad_input_with_a_location() {
    let example = repo_root().join("examples/payment-reconciliation/bad");
    let text = std::fs::read_to_string(example.join("main.json")).expect("example template");
    let scratch = std::env::temp_dir().join(format!("rolegate-truncated-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let file = scratch.join("main.json");
    // Cut points spread over the file, each at a character boundary.
    let cuts: Vec<usize> = (1..40)
        .map(|k| k * text.len() / 40)
        .map(|mut at| {
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        })
        .collect();
    for at in cuts {
        std::fs::write(&file, &text[..at]).expect("write truncated");
        let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
            .arg("check")
            .arg(&file)
            .env("NO_COLOR", "1")
            .output()
            .expect("rolegate runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "cut at byte {at}: expected exit 2, stderr:\n{stderr}"
        );
        assert!(
            !stderr.contains("panicked"),
            "cut at byte {at}: crashed:\n{stderr}"
        );
        let located = stderr.lines().any(|l| {
            l.contains("main.json:")
                && l.split(':')
                    .filter(|p| p.trim().parse::<u32>().is_ok())
                    .count()
                    >= 2
        });
        assert!(
            located,
            "cut at byte {at}: the error does not name file:line:column:\n{stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
