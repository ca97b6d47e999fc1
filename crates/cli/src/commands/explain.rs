//! `rolegate explain`: print a rule's documentation, or list every rule.

use crate::args::ExplainArgs;
use crate::{EXIT_BAD_INPUT, EXIT_OK};

/// Prints the doc of the rule named by id or name; without one, lists all rules.
pub fn run(args: ExplainArgs) -> anyhow::Result<u8> {
    let Some(key) = args.rule else {
        print!("{}", listing());
        return Ok(EXIT_OK);
    };
    match rules::lookup(&key) {
        Some(rule) => {
            println!(
                "{} {} (default severity: {})\n",
                rule.id, rule.name, rule.default_severity
            );
            print!("{}", rule.doc());
            Ok(EXIT_OK)
        }
        None => {
            eprintln!("error: no rule with id or name '{key}'. Known rules:");
            eprint!("{}", listing());
            Ok(EXIT_BAD_INPUT)
        }
    }
}

/// One line per rule: id, name, default severity.
fn listing() -> String {
    let width = rules::registry()
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0);
    rules::registry()
        .iter()
        .map(|r| {
            format!(
                "{}  {:<width$}  {}\n",
                r.id,
                r.name,
                r.default_severity,
                width = width
            )
        })
        .collect()
}
