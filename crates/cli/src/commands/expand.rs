//! `rolegate expand`: a template (or every template in a directory) → deployment plan.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use arm::discover::{expand_all, find_templates};
use arm::expand::ExpandOptions;
use arm::plan::{ConditionStatus, DeploymentPlan, DiagnosticLevel};
use serde_json::{json, Value as Json};

use crate::args::{ExpandArgs, OutputFormat};
use crate::{EXIT_BAD_INPUT, EXIT_OK};

/// Prints a plan's diagnostics on stderr; true if any is an error.
pub fn report_diagnostics(plan: &DeploymentPlan) -> bool {
    let mut failed = false;
    for d in &plan.diagnostics {
        let level = match d.level {
            DiagnosticLevel::Error => {
                failed = true;
                "error"
            }
            DiagnosticLevel::Warning => "warning",
        };
        eprintln!(
            "{}: {level}[{}]: {} (at {})",
            d.location,
            d.code,
            d.message,
            if d.location.pointer.is_empty() {
                "/"
            } else {
                &d.location.pointer
            }
        );
    }
    failed
}

pub fn run(args: ExpandArgs) -> anyhow::Result<u8> {
    let options = crate::inputs::options(&args.parameters, &args.context)?;
    if args.path.is_dir() {
        return run_directory(&args.path, &options, args.format);
    }
    let plan = match crate::bicep::expand_file(&args.path, &options)? {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let failed = report_diagnostics(&plan);
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &plan).context("writing the plan")?;
            writeln!(out)?;
        }
        OutputFormat::Text => write_text(&mut out, &plan)?,
    }
    Ok(if failed { EXIT_BAD_INPUT } else { EXIT_OK })
}

fn run_directory(dir: &Path, options: &ExpandOptions, format: OutputFormat) -> anyhow::Result<u8> {
    let inputs = find_templates(dir);
    if inputs.is_empty() {
        eprintln!("error: {}: no ARM templates found", dir.display());
        return Ok(EXIT_BAD_INPUT);
    }
    let results = expand_all(&inputs, options);
    let mut failed = false;
    let mut resources = Vec::new();
    let mut plans = Vec::new();
    let mut out = std::io::stdout().lock();
    for (input, result) in inputs.iter().zip(results) {
        let template = input.template.display().to_string();
        let files: Vec<String> = input
            .parameter_files
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        match result {
            Ok(plan) => {
                failed |= report_diagnostics(&plan);
                if format == OutputFormat::Text {
                    writeln!(out, "== {template}")?;
                    write_text(&mut out, &plan)?;
                    writeln!(out)?;
                    continue;
                }
                let plan_json = serde_json::to_value(&plan)?;
                if let Some(items) = plan_json.get("resources").and_then(Json::as_array) {
                    for item in items {
                        let mut item = item.clone();
                        if let Some(o) = item.as_object_mut() {
                            o.insert("template".into(), Json::String(template.clone()));
                        }
                        resources.push(item);
                    }
                }
                plans.push(
                    json!({"template": template, "parameter_files": files, "plan": plan_json}),
                );
            }
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
                if format == OutputFormat::Text {
                    writeln!(out, "== {template}\nerror: {e}\n")?;
                    continue;
                }
                plans.push(
                    json!({"template": template, "parameter_files": files, "error": e.to_string()}),
                );
            }
        }
    }
    if format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &json!({"resources": resources, "plans": plans}))?;
        writeln!(out)?;
    }
    Ok(if failed { EXIT_BAD_INPUT } else { EXIT_OK })
}

/// A readable table: one line per resource, then outputs, unresolved values and diagnostics.
fn write_text(out: &mut impl Write, plan: &DeploymentPlan) -> std::io::Result<()> {
    let rows: Vec<[String; 4]> = plan
        .resources
        .iter()
        .map(|r| {
            let condition = match &r.condition {
                ConditionStatus::Deployed if r.existing => "existing".to_string(),
                ConditionStatus::Deployed => "deployed".to_string(),
                ConditionStatus::Skipped => "skipped".to_string(),
                ConditionStatus::Assumed { depends_on } => format!("if {depends_on}"),
            };
            let deployment = if r.deployment.is_empty() {
                "(root)".to_string()
            } else {
                r.deployment.clone()
            };
            [
                r.resource_type.clone(),
                r.name.clone(),
                condition,
                deployment,
            ]
        })
        .collect();
    let headers = ["TYPE", "NAME", "DEPLOYED", "DEPLOYMENT"];
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count()).min(60);
        }
    }
    let line = |out: &mut dyn Write, cells: [&str; 4]| -> std::io::Result<()> {
        writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )
    };
    writeln!(
        out,
        "{} ({} resources)",
        plan.template,
        plan.resources.len()
    )?;
    line(out, headers)?;
    for row in &rows {
        line(out, [&row[0], &row[1], &row[2], &row[3]])?;
    }
    if !plan.outputs.is_empty() {
        writeln!(out, "\noutputs:")?;
        for (name, value) in &plan.outputs {
            writeln!(out, "  {name} = {}", value.to_json())?;
        }
    }
    if !plan.unresolved.is_empty() {
        writeln!(out, "\nunresolved ({}):", plan.unresolved.len())?;
        for u in &plan.unresolved {
            writeln!(
                out,
                "  {} ({}): {}",
                u.location, u.location.pointer, u.depends_on
            )?;
        }
    }
    Ok(())
}
