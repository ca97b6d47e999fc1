//! Bicep in, Bicep out: `.bicep` and `.bicepparam` inputs compiled through the Bicep CLI, and
//! findings mapped back to the Bicep lines their authors edit (with inline suppressions).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context as _;
use arm::plan::DeploymentPlan;
use arm::Document;
use bicep::compile::Compiler;
use bicep::suppress::InlineSuppression;
use bicep::SourceMap;
use rules::{Finding, Suppression};

/// Templates compiled in this run, by the name their plans carry (see [`compiled_name`]).
fn compiled() -> &'static Mutex<HashMap<String, Compiled>> {
    static COMPILED: OnceLock<Mutex<HashMap<String, Compiled>>> = OnceLock::new();
    COMPILED.get_or_init(Default::default)
}

#[derive(Clone)]
struct Compiled {
    document: Arc<Document>,
    source: PathBuf,
}

/// The name a template compiled in memory from `source` goes by in plans and reports:
/// `main.bicep (compiled)`. No such file exists; its text is in [`compiled_text`].
pub fn compiled_name(source: &Path) -> String {
    format!("{} (compiled)", source.display())
}

/// The compiled document registered under `name`, when `name` is a compiled template.
pub fn compiled_document(name: &Path) -> Option<Arc<Document>> {
    let key = name.display().to_string();
    let map = compiled().lock().ok()?;
    map.get(&key).map(|c| c.document.clone())
}

/// The JSON text of every template compiled in this run, by name (for source snippets).
pub fn compiled_text() -> Vec<(String, String)> {
    let Ok(map) = compiled().lock() else {
        return Vec::new();
    };
    map.iter()
        .map(|(name, c)| {
            let text = (1..)
                .map_while(|n| c.document.line_text(n))
                .collect::<Vec<_>>()
                .join("\n");
            (name.clone(), text)
        })
        .collect()
}

/// The message when a `.bicep` / `.bicepparam` file is given and no compiler is on PATH.
fn no_compiler(path: &Path) -> String {
    let missing = if std::env::var("ROLEGATE_BICEP").is_ok_and(|v| v.trim() == "off") {
        "compiling Bicep is off (ROLEGATE_BICEP=off)"
    } else {
        "no Bicep compiler is on PATH"
    };
    let shown = path.display();
    let is_params = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bicepparam"));
    if is_params {
        return format!(
            "{shown}: this is a Bicep parameters file and {missing}: install the Bicep CLI (or the Azure CLI with `az bicep install`), or run `bicep build-params {shown}` (or `az bicep build-params --file {shown}`) and pass the JSON it writes with -p"
        );
    }
    let output = path.with_extension("json");
    let present = if output.is_file() {
        format!(" ({} is there already)", output.display())
    } else {
        String::new()
    };
    format!(
        "{shown}: this is Bicep source and {missing}: install the Bicep CLI (or the Azure CLI with `az bicep install`) and rolegate compiles it, or run `bicep build {shown}` (or `az bicep build --file {shown}`) and pass {}{present}",
        output.display()
    )
}

/// True for a `.bicep` path.
pub fn is_bicep(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bicep"))
}

/// True for a `.bicepparam` path.
pub fn is_bicepparam(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bicepparam"))
}

/// Compiles a `.bicep` file; returns the name its template goes by. Bad input (exit 2) when no
/// compiler is on PATH or the compiler rejects the file (with the compiler's own message).
pub fn compile_template(path: &Path) -> anyhow::Result<PathBuf> {
    let compiler = Compiler::find().ok_or_else(|| anyhow::anyhow!(no_compiler(path)))?;
    tracing::info!(file = %path.display(), compiler = %compiler.describe(), "compiling Bicep");
    let text = compiler.build(path, bicep::compile::timeout_from_env()?)?;
    let name = compiled_name(path);
    let document = Document::parse(Path::new(&name), &text)
        .with_context(|| format!("{}: the compiled template does not parse", path.display()))?;
    if let Ok(mut map) = compiled().lock() {
        map.insert(
            name.clone(),
            Compiled {
                document: Arc::new(document),
                source: path.to_path_buf(),
            },
        );
    }
    Ok(PathBuf::from(name))
}

/// The private directory compiled parameters files go to (per process; see [`cleanup`]).
fn parameters_dir() -> PathBuf {
    std::env::temp_dir().join(format!("rolegate-bicepparam-{}", std::process::id()))
}

/// Removes what compiling wrote (compiled parameters may hold secret values). `main` calls it
/// when the command ends.
pub fn cleanup() {
    let dir = parameters_dir();
    if dir.is_dir() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Compiles a `.bicepparam` file into a parameters file in a private temporary directory (only the
/// user can read it; removed by [`cleanup`]).
pub fn compile_parameters(path: &Path) -> anyhow::Result<PathBuf> {
    let compiler = Compiler::find().ok_or_else(|| anyhow::anyhow!(no_compiler(path)))?;
    let text = compiler.build_params(path, bicep::compile::timeout_from_env()?)?;
    let dir = parameters_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make {} private", dir.display()))?;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "parameters".into());
    let out = dir.join(format!("{stem}.parameters.json"));
    std::fs::write(&out, text).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(out)
}

/// The `.bicep` entry points under `dir` that have no compiled template of the same stem beside
/// them (`main.bicep` without `main.json`); files other `.bicep` files call as modules are not
/// entry points.
pub fn uncompiled_entry_points(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(dir, 0, &mut files);
    files.sort();
    let mut modules: Vec<PathBuf> = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let syntax = bicep::syntax::parse(&text);
        let base = file.parent().unwrap_or(Path::new(""));
        for decl in &syntax.decls {
            if let Some(target) = decl
                .target
                .as_deref()
                .filter(|_| decl.kind == bicep::syntax::DeclKind::Module)
            {
                if let Ok(path) = std::fs::canonicalize(base.join(target)) {
                    modules.push(path);
                }
            }
        }
    }
    files
        .into_iter()
        .filter(|f| !f.with_extension("json").is_file())
        .filter(|f| {
            std::fs::canonicalize(f)
                .map(|c| !modules.contains(&c))
                .unwrap_or(true)
        })
        .collect()
}

/// Every `.bicep` file under `dir`, sorted.
pub fn bicep_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(dir, 0, &mut files);
    files.sort();
    files
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 64 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n == "node_modules" || n == "target");
        if kind.is_dir() && !hidden {
            walk(&path, depth + 1, out);
        } else if kind.is_file() && is_bicep(&path) {
            out.push(path);
        }
    }
}

/// Whether a directory's uncompiled `.bicep` entry points can be compiled here.
pub fn compiler_available() -> bool {
    Compiler::find().is_some()
}

/// The Bicep source of a plan's template: the file it was compiled from in this run, or a
/// `.bicep` file of the same stem beside a template `bicep build` wrote.
pub fn source_of(template: &str) -> Option<(PathBuf, Arc<Document>)> {
    if let Some(c) = compiled()
        .lock()
        .ok()
        .and_then(|m| m.get(template).cloned())
    {
        return Some((c.source, c.document));
    }
    let path = Path::new(template);
    let source = path.with_extension("bicep");
    if !source.is_file() {
        return None;
    }
    let document = Document::load(path).ok()?;
    let generator = document
        .value
        .pointer("/metadata/_generator/name")
        .and_then(|v| v.as_str());
    (generator == Some("bicep")).then(|| (source, Arc::new(document)))
}

/// The source maps of the plans' templates that come from Bicep, by template name.
pub fn source_maps<'a>(plans: impl IntoIterator<Item = &'a DeploymentPlan>) -> Vec<SourceMap> {
    let mut out: Vec<SourceMap> = Vec::new();
    for plan in plans {
        if out.iter().any(|m| m.template == plan.template) {
            continue;
        }
        let Some((source, document)) = source_of(&plan.template) else {
            continue;
        };
        match SourceMap::build(&document, &source) {
            Ok(mut map) => {
                // Keyed by the name findings carry.
                map.template = plan.template.clone();
                out.push(map);
            }
            Err(e) => tracing::warn!("{e}"),
        }
    }
    out
}

/// Gives a location its Bicep position when its file is a mapped template.
pub fn locate(location: &mut arm::Location, maps: &[SourceMap]) {
    if location.bicep.is_some() {
        return;
    }
    if let Some(map) = maps.iter().find(|m| m.template == location.file) {
        location.bicep = map.locate(&location.pointer).cloned();
    }
}

/// Maps findings to Bicep, applies the inline suppressions of every Bicep file read, and adds an
/// EV005 warning (at `policy`'s severity for it) for each `rolegate-…` suppression that silenced
/// nothing.
pub fn attach(findings: &mut Vec<Finding>, maps: &[SourceMap], policy: &policy::Policy) {
    if maps.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        locate(&mut finding.location, maps);
        for label in &mut finding.labels {
            locate(&mut label.location, maps);
        }
    }
    let mut suppressions: Vec<InlineSuppression> = Vec::new();
    for map in maps {
        for file in &map.files {
            if suppressions.iter().any(|s| s.file == file.name) {
                continue;
            }
            suppressions.extend(bicep::suppress::suppressions(&file.name, &file.syntax));
        }
    }
    let mut unused = Vec::new();
    for s in &suppressions {
        let mut used = false;
        for finding in findings.iter_mut() {
            let on_line = finding
                .location
                .bicep
                .as_ref()
                .is_some_and(|b| b.file == s.file && b.line == s.line);
            if on_line && finding.rule.eq_ignore_ascii_case(&s.rule) {
                used = true;
                if finding.suppressed.is_none() {
                    finding.suppressed = Some(Suppression {
                        reason: s.reason.clone(),
                        owner: String::new(),
                        expires: String::new(),
                        location: directive_location(s),
                        directive: Some(s.code.clone()),
                    });
                }
            }
        }
        if !used && !s.bicep_linter {
            unused.push(s);
        }
    }
    let rule = &rules::evaluation::unused_suppression::RULE;
    let Some(severity) = rules::check::severity_for(policy, rule) else {
        return;
    };
    for s in unused {
        let violation = rules::evaluation::unused_suppression::UnusedSuppression {
            code: s.code.clone(),
            rule: s.rule.clone(),
            line: s.line,
            unknown_rule: rules::lookup(&s.rule).is_none(),
        };
        let mut finding = Finding::new(&violation, directive_location(s));
        finding.severity = severity;
        findings.push(finding);
    }
}

fn directive_location(s: &InlineSuppression) -> arm::Location {
    arm::Location {
        file: s.file.clone(),
        line: s.directive_line,
        column: s.directive_column,
        pointer: String::new(),
        bicep: Some(arm::SourcePosition {
            file: s.file.clone(),
            line: s.directive_line,
            column: s.directive_column,
        }),
    }
}

/// Gives the report's identity and grant rows their Bicep positions.
pub fn locate_rows(report: &mut report::Report, maps: &[SourceMap]) {
    for row in &mut report.grants {
        if let Some(location) = &mut row.location {
            locate(location, maps);
        }
    }
    for row in &mut report.identities {
        if let Some(location) = &mut row.location {
            locate(location, maps);
        }
    }
}

/// The URL of the checked commit's source tree, for links from the Markdown report to Bicep
/// lines: on GitHub Actions `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA`.
pub fn source_link_from_env(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let server = var("GITHUB_SERVER_URL")?;
    let repository = var("GITHUB_REPOSITORY")?;
    let sha = var("GITHUB_SHA")?;
    Some(format!(
        "{}/{repository}/blob/{sha}",
        server.trim_end_matches('/')
    ))
}

/// `arm::expand_file` for commands that take one template: a `.bicep` file is compiled first (bad
/// input, `Err`, when it cannot be); the inner result is the expansion's own.
pub fn expand_file(
    path: &Path,
    options: &arm::ExpandOptions,
) -> anyhow::Result<Result<DeploymentPlan, arm::ExpandError>> {
    if !is_bicep(path) {
        return Ok(arm::expand_file(path, options));
    }
    let name = compile_template(path)?;
    let document = compiled_document(&name)
        .ok_or_else(|| anyhow::anyhow!("{}: the compiled template is gone", path.display()))?;
    Ok(arm::expand_document(document, options))
}
