//! Whole-process cost of `rolegate`: what a user waits for on a laptop and what a CI step pays per
//! invocation. Spawns the real binary (built with the bench profile) on:
//! - `--version`: the floor (process start, argument parsing);
//! - `check` of an empty template with the embedded default policy: the fixed cost of a check
//!   (role catalogue, embedded policy, rule registry);
//! - `check` of each `examples/*/bad` directory with its own `rolegate.yaml` and parameter file:
//!   a typical template (target: under 5 ms).
//!
//! Run: `cargo bench -j 2 -p rolegate --bench startup -- --warm-up-time 1 --measurement-time 3`

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use criterion::{criterion_group, criterion_main, Criterion};

const EMPTY_TEMPLATE: &str = r#"{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0","resources":[]}"#;

fn run(args: &[&str], dir: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    // Exit 1 (policy failed) is the expected verdict for the bad examples; 2 would mean the bench
    // measures an error path.
    assert!(
        matches!(status.map(|s| s.code()), Ok(Some(0 | 1))),
        "rolegate {args:?} in {} did not run to a verdict",
        dir.display()
    );
}

fn startup(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("startup-bench");
    let _ = std::fs::create_dir_all(&scratch);
    let empty = scratch.join("empty.json");
    if std::fs::write(&empty, EMPTY_TEMPLATE).is_err() {
        println!("skipping: cannot write {}", empty.display());
        return;
    }

    let mut group = c.benchmark_group("process");
    group.bench_function("--version", |b| b.iter(|| run(&["--version"], &scratch)));
    group.bench_function("check empty template", |b| {
        b.iter(|| run(&["check", "empty.json"], &scratch))
    });
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path().join("bad"))
                .filter(|p| p.join("main.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    examples.sort();
    for dir in examples {
        let name = dir
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        group.bench_function(format!("check examples/{name}/bad"), |b| {
            b.iter(|| run(&["check", "main.json", "-p", "main.parameters.json"], &dir))
        });
    }
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
