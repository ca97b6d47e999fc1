//! Measures the source map against the Bicep compiler's own maps (`main.sourcemap.bicep` beside
//! each public baseline: every Bicep line followed by `//@` lines, the JSON lines the compiler
//! produced from it) and against the AVM modules' declarations. Fails below the targets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bicep::syntax::{self, DeclKind};
use bicep::SourceMap;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

/// (JSON line → compiler's Bicep line) for every `//@` line whose text occurs exactly once in
/// `main.json`. Closing brackets are no JSON value (nothing to point at) and are left out.
fn ground_truth(sourcemap: &str, json: &str) -> Vec<(u32, u32)> {
    let mut occurrences: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, line) in json.lines().enumerate() {
        occurrences
            .entry(line.trim_end_matches('\r'))
            .or_default()
            .push(i as u32 + 1);
    }
    let mut pairs = Vec::new();
    let mut bicep_line = 0u32;
    for line in sourcemap.lines() {
        let line = line.trim_end_matches('\r');
        let Some(json_text) = line.strip_prefix("//@") else {
            bicep_line += 1;
            continue;
        };
        let trimmed = json_text.trim();
        if trimmed.starts_with('}') || trimmed.starts_with(']') || trimmed.is_empty() {
            continue;
        }
        if let Some([only]) = occurrences.get(json_text).map(Vec::as_slice) {
            pairs.push((*only, bicep_line));
        }
    }
    pairs
}

#[derive(Default)]
struct Score {
    pairs: usize,
    exact: usize,
    same_declaration: usize,
}

/// The top-level declaration (index) whose lines, decorators included, hold `line`.
fn top_level(file: &syntax::File, line: u32) -> Option<usize> {
    file.decls.iter().position(|d| {
        let first = d.decorators.first().map_or(d.pos.line, |x| x.pos.line);
        first <= line && line <= d.end_line
    })
}

fn score_baseline(dir: &Path, total: &mut Score, report: &mut Vec<String>) {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let (Some(sourcemap), Some(json), Some(_)) = (
        read("main.sourcemap.bicep"),
        read("main.json"),
        read("main.bicep"),
    ) else {
        return;
    };
    let template = arm::Document::load(&dir.join("main.json")).expect("baseline JSON parses");
    let map = SourceMap::build(&template, &dir.join("main.bicep")).expect("baseline reads");
    let mut first_at_line: HashMap<u32, &bicep::Entry> = HashMap::new();
    for entry in &map.entries {
        first_at_line.entry(entry.json_line).or_insert(entry);
    }
    let mut score = Score::default();
    let mut misses = Vec::new();
    for (json_line, expected) in ground_truth(&sourcemap, &json) {
        score.pairs += 1;
        let got = first_at_line.get(&json_line).and_then(|e| e.root_line);
        if got == Some(expected) {
            score.exact += 1;
        } else if misses.len() < 5 {
            misses.push(format!("json {json_line}: want {expected}, got {got:?}"));
        }
        let same = got.is_some_and(|got| {
            top_level(map.root(), got).is_some()
                && top_level(map.root(), got) == top_level(map.root(), expected)
        });
        if got == Some(expected) || same {
            score.same_declaration += 1;
        }
    }
    report.push(format!(
        "{}: {}/{} exact, {} same declaration {}",
        dir.file_name().unwrap_or_default().to_string_lossy(),
        score.exact,
        score.pairs,
        score.same_declaration,
        misses.join("; ")
    ));
    total.pairs += score.pairs;
    total.exact += score.exact;
    total.same_declaration += score.same_declaration;
}

#[test]
fn map_matches_the_compilers_own_source_maps() {
    let Some(corpus) = corpus() else { return };
    let baselines = corpus.join("bicep-baselines/baselines");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&baselines)
        .expect("baselines directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    let mut total = Score::default();
    let mut report = Vec::new();
    for dir in &dirs {
        score_baseline(dir, &mut total, &mut report);
    }
    let exact = total.exact as f64 / total.pairs.max(1) as f64;
    let same = total.same_declaration as f64 / total.pairs.max(1) as f64;
    eprintln!("{}", report.join("\n"));
    eprintln!(
        "source map vs compiler: {} pairs, {:.1}% exact line, {:.1}% same top-level declaration",
        total.pairs,
        exact * 100.0,
        same * 100.0
    );
    assert!(total.pairs > 1000, "too few pairs: {}", total.pairs);
    assert!(exact >= 0.90, "exact line {:.1}% < 90%", exact * 100.0);
    assert!(same >= 0.98, "same declaration {:.1}% < 98%", same * 100.0);
}

/// Every symbolic resource and module of every AVM module (`main.json` compiled from the
/// `main.bicep` beside it) maps to its own declaration line.
#[test]
fn every_avm_resource_and_module_maps_to_its_declaration() {
    let Some(corpus) = corpus() else { return };
    let mut stack = vec![corpus.join("avm")];
    let (mut checked, mut templates) = (0usize, 0usize);
    let mut wrong = Vec::new();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            }
        }
        let (json, source) = (dir.join("main.json"), dir.join("main.bicep"));
        if !json.is_file() || !source.is_file() {
            continue;
        }
        let Ok(template) = arm::Document::load(&json) else {
            continue;
        };
        let Some(resources) = template.value.get("resources").and_then(|r| r.as_object()) else {
            continue;
        };
        templates += 1;
        let text = std::fs::read_to_string(&source).expect("readable bicep");
        let lines: Vec<&str> = text.lines().collect();
        let map = SourceMap::from_source(&template, &source, &text);
        for symbol in resources.keys() {
            let own = symbol.rsplit("::").next().unwrap_or(symbol);
            checked += 1;
            let pointer = format!(
                "/resources/{}",
                symbol.replace('~', "~0").replace('/', "~1")
            );
            let got = map.entry(&pointer).and_then(|e| e.bicep.clone());
            let ok = got.as_ref().is_some_and(|pos| {
                pos.file == source.display().to_string()
                    && lines.get(pos.line as usize - 1).is_some_and(|l| {
                        let l = l.trim_start();
                        (l.starts_with("resource ") || l.starts_with("module "))
                            && l.split_whitespace().nth(1) == Some(own)
                    })
            });
            if !ok {
                wrong.push(format!("{}: {symbol} → {got:?}", source.display()));
            }
        }
    }
    eprintln!("AVM: {checked} symbolic resources and modules in {templates} templates");
    assert!(templates > 10, "too few AVM templates found: {templates}");
    assert!(
        wrong.is_empty(),
        "{} of {checked} not at their declaration:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// How many corpus `.bicep` files parse without a syntax error (printed; the map degrades on
/// the rest, and must still find every declaration, which the tests above check).
#[test]
fn corpus_files_parse() {
    let Some(corpus) = corpus() else { return };
    let mut stack = vec![corpus];
    let (mut files, mut clean) = (0, 0);
    let mut decls = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "bicep") {
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                files += 1;
                let file = syntax::parse(&text);
                decls += file.decls.len();
                if file.errors.is_empty() {
                    clean += 1;
                }
                // Every line that starts a declaration at column 1 is found as one.
                for (i, line) in text.lines().enumerate() {
                    let mut words = line.split_whitespace();
                    let (Some(keyword), Some(name)) = (words.next(), words.next()) else {
                        continue;
                    };
                    let kind = match keyword {
                        "resource" if !line.starts_with(' ') => DeclKind::Resource,
                        "module" if !line.starts_with(' ') => DeclKind::Module,
                        _ => continue,
                    };
                    let name: String = name
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !multi_line_string_at(&text, i) {
                        assert!(
                            file.decls.iter().any(|d| d.kind == kind
                                && d.name == name
                                && d.pos.line == i as u32 + 1),
                            "{}:{}: declaration '{name}' not found",
                            path.display(),
                            i + 1
                        );
                    }
                }
            }
        }
    }
    eprintln!("{clean} of {files} corpus .bicep files parse without error ({decls} declarations)");
    assert!(files > 500);
}

/// True when line `index` lies inside a `'''` multi-line string (an odd number of `'''` before it).
fn multi_line_string_at(text: &str, index: usize) -> bool {
    let before: usize = text
        .lines()
        .take(index)
        .map(|l| l.matches("'''").count())
        .sum();
    before % 2 == 1
}
