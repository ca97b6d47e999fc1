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
    // `-p x.bicepparam` is compiled (`bicep build-params`) when a Bicep compiler is on PATH.
    let mut parameter_files = Vec::with_capacity(parameters.parameter_files.len());
    for file in &parameters.parameter_files {
        if crate::bicep::is_bicepparam(file) {
            parameter_files.push(crate::bicep::compile_parameters(file)?);
        } else if crate::bicep::is_bicep(file) {
            bail!(
                "{}: this is a Bicep template, not a parameters file; pass it as PATH",
                file.display()
            );
        } else {
            parameter_files.push(file.clone());
        }
    }
    Ok(ExpandOptions {
        context: context.to_context(),
        parameter_files,
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
    collect_inner(paths, false).map(|(inputs, _)| inputs)
}

/// Like [`collect`], for a gate: a template of a directory that another template of the run calls
/// as a module is judged through that caller only (see [`crate::modules`]); those are returned
/// beside the inputs so the report can list them.
pub fn collect_with_callers(
    paths: &[PathBuf],
) -> anyhow::Result<(Vec<TemplateInput>, Vec<crate::modules::ThroughCaller>)> {
    collect_inner(paths, true)
}

fn collect_inner(
    paths: &[PathBuf],
    through_callers: bool,
) -> anyhow::Result<(Vec<TemplateInput>, Vec<crate::modules::ThroughCaller>)> {
    let explicit: Vec<PathBuf> = paths.iter().filter(|p| !p.is_dir()).cloned().collect();
    let mut modules = Vec::new();
    let mut out = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if !meta.is_dir() {
            if crate::bicep::is_bicepparam(path) {
                bail!(
                    "{}: this is a Bicep parameters file; pass the template it is for as PATH and this file with -p",
                    path.display()
                );
            }
            // A `.bicep` file is compiled through the Bicep CLI (bad input when there is none).
            let template = if crate::bicep::is_bicep(path) {
                crate::bicep::compile_template(path)?
            } else {
                path.clone()
            };
            out.push(TemplateInput {
                template,
                parameter_files: Vec::new(),
            });
            continue;
        }
        let mut found = arm::discover::find_templates(path);
        // `.bicep` entry points without their compiled JSON beside them (a `.bicep` whose JSON
        // is there is checked once, through the JSON).
        let uncompiled = crate::bicep::uncompiled_entry_points(path);
        if !uncompiled.is_empty() {
            if crate::bicep::compiler_available() {
                for source in &uncompiled {
                    found.push(TemplateInput {
                        template: crate::bicep::compile_template(source)?,
                        parameter_files: Vec::new(),
                    });
                }
            } else if found.is_empty() {
                bail!(
                    "{}: no ARM template found in this directory, and no Bicep compiler on PATH to compile its Bicep files ({}): install the Bicep CLI, or run `bicep build` and check the JSON",
                    path.display(),
                    uncompiled
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            } else {
                eprintln!(
                    "note: not checked, no Bicep compiler on PATH: {} (install the Bicep CLI, or commit the JSON `bicep build` writes)",
                    uncompiled
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        if found.is_empty() {
            bail!(
                "{}: no ARM template found in this directory",
                path.display()
            );
        }
        if through_callers {
            modules.extend(crate::modules::split_modules(path, &mut found, &explicit));
        }
        out.extend(found);
    }
    Ok((out, modules))
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
    // Templates compiled from Bicep in this run are expanded from memory, the rest from disk.
    let (compiled, on_disk): (Vec<_>, Vec<_>) = inputs
        .iter()
        .enumerate()
        .partition(|(_, i)| crate::bicep::compiled_document(&i.template).is_some());
    let disk_inputs: Vec<TemplateInput> = on_disk.iter().map(|(_, i)| (*i).clone()).collect();
    let mut results: Vec<Option<Result<DeploymentPlan, arm::ExpandError>>> =
        (0..inputs.len()).map(|_| None).collect();
    for ((index, _), result) in on_disk
        .iter()
        .zip(arm::discover::expand_all(&disk_inputs, options))
    {
        results[*index] = Some(result);
    }
    for (index, input) in compiled {
        if let Some(document) = crate::bicep::compiled_document(&input.template) {
            let mut opts = options.clone();
            opts.parameter_files
                .extend(input.parameter_files.iter().cloned());
            results[index] = Some(arm::expand_document(document, &opts));
        }
    }
    // Placeholders in parameter files are no findings (their value is unknown, and what depends
    // on it is reported as such), but the user should know which values are still to be filled in.
    for plan in results.iter().flatten().flatten() {
        for d in plan
            .diagnostics
            .iter()
            .filter(|d| d.code == "parameter-placeholder")
        {
            eprintln!("note: {}: {}", d.location, d.message);
        }
    }
    results
        .into_iter()
        .flatten()
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
