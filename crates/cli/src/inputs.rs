//! Turning PATH arguments into expanded deployment plans, the same way for every command.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use arm::discover::TemplateInput;
use arm::expand::ExpandOptions;
use arm::plan::DeploymentPlan;

use crate::args::{ContextArgs, ParameterArgs};

/// Expansion options from the shared parameter and context flags.
pub fn options(parameters: &ParameterArgs, context: &ContextArgs) -> anyhow::Result<ExpandOptions> {
    let overrides = parameters
        .params
        .iter()
        .map(|p| arm::params::parse_override(p).map_err(anyhow::Error::from))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(hint) = parameters
        .parameter_files
        .iter()
        .find_map(|f| bicep_source_hint(f))
    {
        bail!("{hint}");
    }
    Ok(ExpandOptions {
        context: context.to_context(),
        parameter_files: parameters.parameter_files.clone(),
        overrides,
        ..ExpandOptions::default()
    })
}

/// PATH arguments plus `-p`/`--param` and the context flags → one plan per template.
pub fn expand_paths(
    paths: &[PathBuf],
    parameters: &ParameterArgs,
    context: &ContextArgs,
) -> anyhow::Result<Vec<DeploymentPlan>> {
    let inputs = collect(paths)?;
    let options = options(parameters, context)?;
    expand(&inputs, &options)
}

/// Says on stderr which templates could not be evaluated; `true` when there were any.
pub fn report_broken<'a>(plans: impl IntoIterator<Item = &'a DeploymentPlan>) -> bool {
    let broken = broken_templates(plans);
    if !broken.is_empty() {
        eprintln!(
            "error: {} template(s) could not be evaluated (see the errors reported for them): {}",
            broken.len(),
            broken.join(", ")
        );
    }
    !broken.is_empty()
}

/// A file is one template; a directory holds every ARM template under it, each with its
/// conventional parameter files (see `arm::discover`). A directory without templates is bad input.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<TemplateInput>> {
    let mut out = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if !meta.is_dir() {
            if let Some(hint) = bicep_source_hint(path) {
                bail!("{hint}");
            }
            out.push(TemplateInput {
                template: path.clone(),
                parameter_files: Vec::new(),
            });
            continue;
        }
        let found = arm::discover::find_templates(path);
        if found.is_empty() {
            bail!(
                "{}: no ARM template found in this directory",
                path.display()
            );
        }
        out.extend(found);
    }
    Ok(out)
}

/// A `.bicep` / `.bicepparam` file given as a template: say what to pass instead (rolegate reads
/// the ARM JSON Bicep compiles to; there is no Bicep compiler in the gate).
fn bicep_source_hint(path: &std::path::Path) -> Option<String> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    let shown = path.display();
    match extension.as_str() {
        "bicep" => {
            let output = path.with_extension("json");
            let present = if output.is_file() {
                format!(" ({} is there already)", output.display())
            } else {
                String::new()
            };
            Some(format!(
                "{shown}: this is Bicep source; rolegate checks the ARM JSON it compiles to: run `bicep build {shown}` (or `az bicep build --file {shown}`) and pass {}{present}",
                output.display()
            ))
        }
        "bicepparam" => Some(format!(
            "{shown}: this is a Bicep parameters file; run `bicep build-params {shown}` (or `az bicep build-params --file {shown}`) and pass the JSON it writes with -p"
        )),
        _ => None,
    }
}

/// Expands every input in parallel, keeping argument order; `options.parameter_files` (the `-p`
/// files) apply before each input's own. The first template that cannot be expanded at all is bad
/// input, reported with its location.
pub fn expand(
    inputs: &[TemplateInput],
    options: &ExpandOptions,
) -> anyhow::Result<Vec<DeploymentPlan>> {
    if options.parameter_files.is_empty() {
        for input in inputs.iter().filter(|i| i.parameter_files.is_empty()) {
            let beside = input.template.with_extension("parameters.json");
            if beside.is_file() {
                eprintln!(
                    "note: {} is beside {}; pass `-p {}` to deploy with it (directories pick it up themselves)",
                    beside.display(),
                    input.template.display(),
                    beside.display()
                );
            }
        }
    }
    arm::discover::expand_all(inputs, options)
        .into_iter()
        .map(|result| {
            result.map_err(|e| {
                let text = e.to_string();
                match e.location() {
                    Some(loc) if !text.contains(&loc.to_string()) => {
                        anyhow::anyhow!("{loc}: {text}")
                    }
                    _ => anyhow::anyhow!(text),
                }
            })
        })
        .collect()
}

/// Templates whose expansion met errors (bad expressions, unknown functions): judged, but the
/// input is broken, so commands exit 2.
fn broken_templates<'a>(plans: impl IntoIterator<Item = &'a DeploymentPlan>) -> Vec<&'a str> {
    plans
        .into_iter()
        .filter(|p| {
            p.diagnostics
                .iter()
                .any(|d| d.level == arm::plan::DiagnosticLevel::Error)
        })
        .map(|p| p.template.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_pair_templates_with_their_parameter_files() {
        let dir = std::env::temp_dir().join(format!("rolegate-inputs-{}", std::process::id()));
        let sub = dir.join("infra");
        std::fs::create_dir_all(&sub).unwrap();
        let template = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}"#;
        std::fs::write(sub.join("main.json"), template).unwrap();
        std::fs::write(sub.join("main.parameters.json"), "{}").unwrap();
        std::fs::write(sub.join("main.parameters.prod.json"), "{}").unwrap();
        std::fs::write(sub.join("other.parameters.json"), "{}").unwrap();
        std::fs::write(sub.join("package.json"), "{}").unwrap();
        let inputs = collect(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].template, sub.join("main.json"));
        assert_eq!(
            inputs[0].parameter_files,
            vec![
                sub.join("main.parameters.json"),
                sub.join("main.parameters.prod.json")
            ]
        );
        std::fs::remove_file(sub.join("main.json")).unwrap();
        assert!(collect(std::slice::from_ref(&dir)).is_err());
        assert!(collect(&[dir.join("missing.json")]).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
