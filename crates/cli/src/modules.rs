//! Templates of a directory run that are modules of another template of the same run.
//!
//! A JSON template that a caller uses as a module (a Bicep `module x './m.json'`, a nested
//! deployment's `templateLink.relativePath`, or an inline `properties.template` with the same
//! content) gets its inputs from that caller. Run alone, every input is "no value given", so the
//! findings land on a pass-through whose values belong to the caller. Such a file is judged only
//! through its callers, and the report lists it with the caller (nothing is dropped silently).
//! A file named on the command line is always run.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::path::{Path, PathBuf};

use arm::discover::{normalize, TemplateInput};
use serde_json::Value;

/// How a caller uses a module file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `module <name> '<path>.json'` in a `.bicep` file.
    BicepModule,
    /// `properties.templateLink.relativePath` of a nested deployment.
    RelativePath,
    /// The same JSON value as a nested deployment's inline `properties.template`.
    Inline,
}

impl CallKind {
    /// The words the report uses.
    pub fn words(self) -> &'static str {
        match self {
            CallKind::BicepModule => "Bicep module",
            CallKind::RelativePath => "templateLink.relativePath",
            CallKind::Inline => "inline nested deployment",
        }
    }
}

/// A template of the run judged only through a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThroughCaller {
    pub template: PathBuf,
    pub caller: PathBuf,
    pub how: CallKind,
    /// The inputs taken out of the run (the template with each of its parameter files).
    pub inputs: Vec<TemplateInput>,
    /// The module's JSON, to find where a caller deploys it.
    pub document: Option<Value>,
    /// A caller deploys it in a copy loop (one per item of the caller's list).
    pub in_loop: bool,
}

/// Removes from `found` (the templates found under `dir`) every template another template of the
/// run calls as a module, and returns them with a caller that is itself run. `explicit` files
/// (named on the command line) are never removed. A module only reachable from other modules in
/// a cycle stays in the run.
pub fn split_modules(
    dir: &Path,
    found: &mut Vec<TemplateInput>,
    explicit: &[PathBuf],
) -> Vec<ThroughCaller> {
    let templates: Vec<PathBuf> = {
        let mut t: Vec<PathBuf> = found.iter().map(|i| i.template.clone()).collect();
        t.dedup();
        t
    };
    let by_path: HashMap<PathBuf, usize> = templates
        .iter()
        .enumerate()
        .map(|(i, t)| (normalize(t), i))
        .collect();
    let docs: Vec<Option<Value>> = templates.iter().map(|t| read_json(t)).collect();
    // Inline templates by content hash: (caller index, template value).
    let mut inline: HashMap<u64, Vec<(usize, &Value, bool)>> = HashMap::new();
    // Modules a caller deploys in a copy loop (see [`deployed_through`]).
    let mut looped: Vec<usize> = Vec::new();
    // module index → callers (caller index, how).
    let mut callers: BTreeMap<usize, Vec<(usize, CallKind)>> = BTreeMap::new();
    for (ci, doc) in docs.iter().enumerate() {
        let Some(doc) = doc else { continue };
        let base = templates[ci].parent().unwrap_or(Path::new(""));
        let mut nested = Vec::new();
        nested_deployments(doc, &mut nested);
        for (props, in_loop) in nested {
            if let Some(rel) = props
                .pointer("/templateLink/relativePath")
                .and_then(Value::as_str)
                .filter(|r| !r.starts_with('['))
            {
                if let Some(&mi) = by_path.get(&normalize(&base.join(rel))) {
                    if mi != ci {
                        callers
                            .entry(mi)
                            .or_default()
                            .push((ci, CallKind::RelativePath));
                        if in_loop {
                            looped.push(mi);
                        }
                    }
                }
            }
            if let Some(t) = props.get("template").filter(|t| t.is_object()) {
                inline
                    .entry(content_hash(t))
                    .or_default()
                    .push((ci, t, in_loop));
            }
        }
    }
    for (mi, doc) in docs.iter().enumerate() {
        let Some(doc) = doc else { continue };
        for (ci, t, in_loop) in inline.get(&content_hash(doc)).into_iter().flatten() {
            if *ci != mi && *t == doc {
                callers.entry(mi).or_default().push((*ci, CallKind::Inline));
                if *in_loop {
                    looped.push(mi);
                }
            }
        }
    }
    for (bicep, target) in bicep_json_modules(dir) {
        let Some(&mi) = by_path.get(&normalize(&target)) else {
            continue;
        };
        // The Bicep file is judged through its compiled JSON beside it (a template of this run).
        if let Some(&ci) = by_path.get(&normalize(&bicep.with_extension("json"))) {
            if ci != mi {
                callers
                    .entry(mi)
                    .or_default()
                    .push((ci, CallKind::BicepModule));
            }
        }
    }
    // The author's own statement first: a Bicep `module` line names the caller most plainly.
    for list in callers.values_mut() {
        list.sort_by_key(|(_, how)| *how != CallKind::BicepModule);
    }
    let explicit: Vec<PathBuf> = explicit.iter().map(|p| normalize(p)).collect();
    callers.retain(|mi, _| !explicit.contains(&normalize(&templates[*mi])));
    // Reached from a template that is run, directly or through other modules.
    let mut through: BTreeMap<usize, (usize, CallKind)> = BTreeMap::new();
    loop {
        let mut changed = false;
        for (mi, list) in &callers {
            if through.contains_key(mi) {
                continue;
            }
            let run_caller = list
                .iter()
                .find(|(ci, _)| !callers.contains_key(ci) || through.contains_key(ci));
            if let Some(&(ci, how)) = run_caller {
                through.insert(*mi, (ci, how));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut docs = docs;
    through
        .into_iter()
        .map(|(mi, (ci, how))| {
            let template = templates[mi].clone();
            let (inputs, rest): (Vec<TemplateInput>, Vec<TemplateInput>) = std::mem::take(found)
                .into_iter()
                .partition(|i| i.template == template);
            *found = rest;
            ThroughCaller {
                caller: match how {
                    CallKind::BicepModule => templates[ci].with_extension("bicep"),
                    _ => templates[ci].clone(),
                },
                template,
                how,
                inputs,
                document: docs[mi].take(),
                in_loop: looped.contains(&mi),
            }
        })
        .collect()
}

/// Whether the run judges the module through a caller: a plan has a nested deployment whose inline
/// template is the module, or whose `templateLink.relativePath` names it, and whose condition is
/// not false (a skipped parent makes its children skipped). A module a caller deploys once per
/// item of a list the caller gets (a copy loop, AVM's `roleAssignments`) counts as judged even
/// when the list is empty: each item is the caller's input, and with none there is nothing of the
/// module to judge. Any other module no caller deploys with the values given (a condition that is
/// false) was judged by no one: it is then run alone, as before.
pub fn deployed_through<'a>(
    plans: impl IntoIterator<Item = &'a arm::plan::DeploymentPlan>,
    module: &ThroughCaller,
) -> bool {
    let target = normalize(&module.template);
    let mut planned = plans
        .into_iter()
        .flat_map(|p| &p.resources)
        .filter(|r| {
            r.resource_type
                .eq_ignore_ascii_case("Microsoft.Resources/deployments")
        })
        .filter(|r| {
            let props = r.declared.get("properties");
            let inline = props
                .and_then(|p| p.get("template"))
                .zip(module.document.as_ref())
                .is_some_and(|(t, m)| t == m);
            let linked = props
                .and_then(|p| p.pointer("/templateLink/relativePath"))
                .and_then(Value::as_str)
                .is_some_and(|rel| {
                    let base = Path::new(&r.location.file)
                        .parent()
                        .unwrap_or(Path::new(""));
                    normalize(&base.join(rel)) == target
                });
            inline || linked
        })
        .peekable();
    if planned.peek().is_none() {
        // Not planned at all: a loop over an empty list of the caller's, or a parent that is
        // not deployed (its nested deployments are not expanded).
        return module.in_loop;
    }
    planned.any(|r| r.condition != arm::plan::ConditionStatus::Skipped)
}

/// The `properties` of every `Microsoft.Resources/deployments` object in a template (at any depth:
/// nested deployments inside inline templates too), both resource array and symbolic-name forms.
fn nested_deployments<'a>(v: &'a Value, out: &mut Vec<(&'a Value, bool)>) {
    match v {
        Value::Object(map) => {
            let is_deployment = map
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments"));
            if is_deployment {
                if let Some(p) = map.get("properties").filter(|p| p.is_object()) {
                    out.push((p, map.contains_key("copy")));
                }
            }
            for child in map.values() {
                nested_deployments(child, out);
            }
        }
        Value::Array(items) => {
            for child in items {
                nested_deployments(child, out);
            }
        }
        _ => {}
    }
}

/// `(bicep file, target)` for every `module x '<path>.json'` in the `.bicep` files under `dir`.
fn bicep_json_modules(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for file in crate::bicep::bicep_files(dir) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let base = file.parent().unwrap_or(Path::new(""));
        for decl in &bicep::syntax::parse(&text).decls {
            if decl.kind != bicep::syntax::DeclKind::Module {
                continue;
            }
            if let Some(target) = decl
                .target
                .as_deref()
                .filter(|t| t.to_ascii_lowercase().ends_with(".json"))
            {
                out.push((file.clone(), base.join(target)));
            }
        }
    }
    out
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()
}

/// A hash of a JSON value that ignores object key order (like `Value`'s equality).
fn content_hash(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, u64)> =
                map.iter().map(|(k, v)| (k, content_hash(v))).collect();
            entries.sort();
            "o".hash(&mut h);
            entries.hash(&mut h);
        }
        Value::Array(items) => {
            "a".hash(&mut h);
            for i in items {
                content_hash(i).hash(&mut h);
            }
        }
        other => other.to_string().hash(&mut h),
    }
    h.finish()
}
