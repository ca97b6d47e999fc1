//! `rolegate eval`: evaluate a template and print its outputs as one JSON object.

use std::io::Write;

use crate::args::EvalArgs;
use crate::commands::expand::report_diagnostics;
use crate::inputs::options;
use crate::{EXIT_BAD_INPUT, EXIT_OK};

pub fn run(args: EvalArgs) -> anyhow::Result<u8> {
    let options = options(&args.parameters, &args.context)?;
    let plan = match crate::bicep::expand_file(&args.template, &options)? {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    if report_diagnostics(&plan) {
        return Ok(EXIT_BAD_INPUT);
    }
    let outputs: serde_json::Map<String, serde_json::Value> = plan
        .outputs
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &outputs)?;
    writeln!(out)?;
    Ok(EXIT_OK)
}
