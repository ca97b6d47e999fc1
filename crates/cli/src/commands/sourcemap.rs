//! `rolegate sourcemap TEMPLATE.json [--bicep FILE.bicep] [--format json|text]`: every JSON value
//! of a compiled template with the Bicep file, line and column that produced it.

use std::io::Write as _;

use anyhow::{bail, Context as _};

use crate::args::{OutputFormat, SourcemapArgs};

pub fn run(args: SourcemapArgs) -> anyhow::Result<u8> {
    let bicep = match &args.bicep {
        Some(path) => path.clone(),
        None => {
            let beside = args.template.with_extension("bicep");
            if !beside.is_file() {
                bail!(
                    "{}: no Bicep source beside it ({} does not exist); pass --bicep FILE.bicep",
                    args.template.display(),
                    beside.display()
                );
            }
            beside
        }
    };
    let document = arm::Document::load(&args.template).map_err(|e| {
        let text = e.to_string();
        match e.location() {
            Some(loc) if !text.contains(&loc.to_string()) => anyhow::anyhow!("{loc}: {text}"),
            _ => anyhow::anyhow!(text),
        }
    })?;
    let map = bicep::SourceMap::build(&document, &bicep)?;
    let out = match args.format {
        OutputFormat::Json => {
            serde_json::to_string_pretty(&map).context("cannot serialise the source map")? + "\n"
        }
        OutputFormat::Text => text(&map),
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(anyhow::Error::from(e).context("cannot write to stdout"));
        }
    }
    Ok(crate::EXIT_OK)
}

/// One line per value: `main.json:183  /resources/0/properties/principalId  ->  main.bicep:41:5`.
fn text(map: &bicep::SourceMap) -> String {
    let mut out = format!("{} -> {}\n", map.template, map.bicep);
    for entry in &map.entries {
        let target = entry
            .bicep
            .as_ref()
            .map_or_else(|| "-".to_string(), ToString::to_string);
        let pointer = if entry.pointer.is_empty() {
            "(root)"
        } else {
            &entry.pointer
        };
        out.push_str(&format!(
            "{}:{}\t{pointer}\t-> {target}\n",
            map.template, entry.json_line
        ));
    }
    let unread: Vec<String> =
        map.files
            .iter()
            .flat_map(|f| {
                f.syntax.errors.iter().map(move |e| {
                    format!("{}:{}:{}: {}", f.name, e.pos.line, e.pos.column, e.message)
                })
            })
            .collect();
    if !unread.is_empty() {
        out.push_str(&format!(
            "note: parts of the Bicep source could not be read; values from them map to the enclosing declaration:\n  {}\n",
            unread.join("\n  ")
        ));
    }
    out
}
