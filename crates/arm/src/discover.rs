//! Directory inputs: every template under a directory, with the parameter files that go with it by
//! naming convention, expanded in parallel.
//!
//! Conventions: `x.json` takes `x.parameters.json`; each `x.parameters.<env>.json` gives another
//! input (after `x.parameters.json` when both exist). `azuredeploy.json` takes
//! `azuredeploy.parameters.json` by the same rule. A parameters file that names its template in
//! `metadata.template` (the PSRule convention: `Resources.Parameters.json` with
//! `"metadata": {"template": "./Resources.Template.json"}`) gives that template another input, like
//! an environment file. Parameter files and JSON that is not a template are skipped.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::expand::{expand_file, ExpandError, ExpandOptions};
use crate::plan::DeploymentPlan;

/// One template to expand and the parameter files to apply to it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInput {
    pub template: PathBuf,
    pub parameter_files: Vec<PathBuf>,
}

/// Directory nesting we follow; deeper trees are not walked (symlink loops, hostile input).
const MAX_WALK_DEPTH: usize = 64;

/// Every template under `dir` (recursively, sorted by path), each with its parameter files.
pub fn find_templates(dir: &Path) -> Vec<TemplateInput> {
    let mut files = Vec::new();
    walk(dir, 0, &mut files);
    files.sort();
    let linked = linked_parameter_files(&files);
    let mut out = Vec::new();
    for file in &files {
        if is_parameters_name(file) || !looks_like_template(file) {
            continue;
        }
        let Some(stem) = file.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let base = file.with_file_name(format!("{stem}.parameters.json"));
        let base = files.contains(&base).then_some(base);
        let prefix = format!("{stem}.parameters.");
        let mut envs: Vec<&PathBuf> = files
            .iter()
            .filter(|f| f.parent() == file.parent())
            .filter(|f| {
                f.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with(&prefix)
                        && n.ends_with(".json")
                        && n.len() > prefix.len() + ".json".len()
                })
            })
            .collect();
        // Files naming this template in `metadata.template`, unless the naming convention
        // already pairs them.
        for (params, template) in &linked {
            if template == file && Some(params) != base.as_ref() && !envs.contains(&params) {
                envs.push(params);
            }
        }
        if envs.is_empty() {
            out.push(TemplateInput {
                template: file.clone(),
                parameter_files: base.into_iter().collect(),
            });
        } else {
            for env in envs {
                let mut parameter_files: Vec<PathBuf> = base.iter().cloned().collect();
                parameter_files.push(env.clone());
                out.push(TemplateInput {
                    template: file.clone(),
                    parameter_files,
                });
            }
        }
    }
    out
}

/// Expands every input in parallel; `options.parameter_files` are applied before each input's own.
pub fn expand_all(
    inputs: &[TemplateInput],
    options: &ExpandOptions,
) -> Vec<Result<DeploymentPlan, ExpandError>> {
    inputs
        .par_iter()
        .map(|input| {
            let mut opts = options.clone();
            opts.parameter_files
                .extend(input.parameter_files.iter().cloned());
            expand_file(&input.template, &opts)
        })
        .collect()
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_WALK_DEPTH {
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
        if kind.is_dir() {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n == "node_modules" || n == "target");
            if !hidden {
                walk(&path, depth + 1, out);
            }
        } else if kind.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
}

/// Parameter files that name their template in `metadata.template`, with that template's path
/// (relative to the parameters file), for targets that are JSON files under the walked directory.
/// A link to a `.bicep` file or to a file that is not there pairs nothing.
fn linked_parameter_files(files: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let lower = text.to_ascii_lowercase();
        // Cheap filter before parsing: only parameters files that mention a template.
        if !lower.contains("deploymentparameters.json") || !lower.contains("\"template\"") {
            continue;
        }
        let Ok(doc) = crate::source::Document::parse(file, &text) else {
            continue;
        };
        let Some(target) = doc
            .value
            .pointer("/metadata/template")
            .and_then(serde_json::Value::as_str)
        else {
            continue;
        };
        let Some(dir) = file.parent() else {
            continue;
        };
        let target = normalize(&dir.join(target));
        if let Some(found) = files.iter().find(|f| normalize(f) == target) {
            out.push((file.clone(), found.clone()));
        }
    }
    out
}

/// `a/./b/../c.json` as `a/c.json`, without touching the file system (symlinks are not followed).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if out.file_name().is_some() {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `x.parameters.json`, `x.parameters.dev.json`, `parameters.json`.
fn is_parameters_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    name == "parameters.json" || name.contains(".parameters.") || name.ends_with(".parameters.json")
}

/// Whether a JSON file in a directory is a deployment template: its root is an object whose
/// `$schema` names a deployment template, or that has no `$schema` and a top-level `resources`.
/// Other JSON beside templates (template specs, policy assignments, app settings) is skipped. A
/// file that does not parse as plain JSON (comments, or broken) counts when its text names a
/// deployment template schema, so a broken template is still reported with its location.
fn looks_like_template(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let text = text.trim_start_matches('\u{feff}');
    if !text.trim_start().starts_with(['{', '/']) {
        // An array or a scalar at the root (a comment may come before an object).
        return false;
    }
    match serde_json::from_str::<RootProbe>(text) {
        Ok(RootProbe { schema, resources }) => match schema {
            Some(schema) => schema
                .to_ascii_lowercase()
                .contains("deploymenttemplate.json"),
            None => resources.is_some(),
        },
        Err(_) => {
            let lower = text.to_ascii_lowercase();
            let schema_named = lower.contains("deploymenttemplate.json")
                && !lower.contains("deploymentparameters.json");
            schema_named || (lower.contains("\"resources\"") && !lower.contains("\"$schema\""))
        }
    }
}

/// The two top-level members that tell a template apart, read without building the document.
#[derive(serde::Deserialize)]
struct RootProbe {
    #[serde(rename = "$schema")]
    schema: Option<String>,
    resources: Option<serde::de::IgnoredAny>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_templates_and_their_parameter_files() {
        let dir = std::env::temp_dir().join(format!("rolegate-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let template = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}"#;
        let params = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {}}"#;
        std::fs::write(dir.join("azuredeploy.json"), template).unwrap();
        std::fs::write(dir.join("azuredeploy.parameters.json"), params).unwrap();
        std::fs::write(dir.join("sub/main.json"), template).unwrap();
        std::fs::write(dir.join("sub/main.parameters.dev.json"), params).unwrap();
        std::fs::write(dir.join("sub/main.parameters.prod.json"), params).unwrap();
        std::fs::write(dir.join("sub/other.json"), r#"{"a": 1}"#).unwrap();
        // JSON that mentions templates without being one: a template spec, a policy assignment list.
        std::fs::write(
            dir.join("sub/spec.json"),
            format!(r#"{{"location": "westus2", "properties": {{"mainTemplate": {template}}}}}"#),
        )
        .unwrap();
        std::fs::write(
            dir.join("sub/assignments.json"),
            r#"[{"type": "Microsoft.Authorization/policyAssignments", "resources": []}]"#,
        )
        .unwrap();
        // A template with a comment, and a broken one: both found (the broken one is then
        // reported with its location, never skipped).
        std::fs::write(
            dir.join("sub/commented.json"),
            format!("// compiled\n{template}"),
        )
        .unwrap();
        std::fs::write(dir.join("sub/broken.json"), &template[..template.len() - 5]).unwrap();
        let found = find_templates(&dir);
        let names: Vec<_> = found
            .iter()
            .map(|f| {
                f.template
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "azuredeploy.json",
                "broken.json",
                "commented.json",
                "main.json",
                "main.json"
            ]
        );
        std::fs::remove_file(dir.join("sub/commented.json")).unwrap();
        std::fs::remove_file(dir.join("sub/broken.json")).unwrap();
        let found = find_templates(&dir);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(found[0].template, dir.join("azuredeploy.json"));
        assert_eq!(
            found[0].parameter_files,
            vec![dir.join("azuredeploy.parameters.json")]
        );
        assert_eq!(
            found[1].parameter_files,
            vec![dir.join("sub/main.parameters.dev.json")]
        );
        assert_eq!(
            found[2].parameter_files,
            vec![dir.join("sub/main.parameters.prod.json")]
        );
        let plans = expand_all(&found, &ExpandOptions::default());
        assert!(plans.iter().all(Result::is_ok));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn pairs_parameter_files_that_name_their_template_in_metadata() {
        let dir =
            std::env::temp_dir().join(format!("rolegate-discover-meta-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let template = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}"#;
        let params = |target: &str| {
            format!(
                "// PSRule convention\n{{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#\", \"metadata\": {{\"template\": \"{target}\"}}, \"parameters\": {{}}}}"
            )
        };
        std::fs::write(dir.join("Resources.Template.json"), template).unwrap();
        std::fs::write(
            dir.join("Resources.Parameters.json"),
            params("./Resources.Template.json"),
        )
        .unwrap();
        std::fs::write(dir.join("Other.json"), params("Resources.Template.json")).unwrap();
        // Links to a Bicep file or to nothing pair nothing.
        std::fs::write(dir.join("Bicep.Parameters.json"), params("./main.bicep")).unwrap();
        std::fs::write(dir.join("Gone.Parameters.json"), params("./Gone.json")).unwrap();
        let found = find_templates(&dir);
        assert_eq!(
            found,
            vec![
                TemplateInput {
                    template: dir.join("Resources.Template.json"),
                    parameter_files: vec![dir.join("Other.json")],
                },
                TemplateInput {
                    template: dir.join("Resources.Template.json"),
                    parameter_files: vec![dir.join("Resources.Parameters.json")],
                },
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
