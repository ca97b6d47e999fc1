//! `role-catalogue INPUT > OUTPUT` derives rolegate's role catalogue (id, name, permissions,
//! privilege class) from any `az role definition list --output json` file;
//! `role-catalogue INPUT --check OUTPUT` fails when OUTPUT is not what INPUT generates.
//!
//! The built-in catalogue `crates/access/data/builtin-roles.json` is this tool's output for
//! `shared/data/builtin-roles.json`; a test checks they agree.

use std::process::ExitCode;

use access::catalogue::{generate_catalogue_json, parse_role_list};
use access::model::RoleSource;

const USAGE: &str = "usage: role-catalogue INPUT.json [--check OUTPUT.json] (output on stdout)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, check) = match args.as_slice() {
        [input] => (input, None),
        [input, flag, output] if flag == "--check" => (input, Some(output)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{input}: cannot read: {e}");
            return ExitCode::from(2);
        }
    };
    let roles = match parse_role_list(input, &text, RoleSource::BuiltIn) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let generated = generate_catalogue_json(roles);
    match check {
        None => {
            print!("{generated}");
            ExitCode::SUCCESS
        }
        Some(output) => {
            if std::fs::read_to_string(output).ok().as_deref() == Some(generated.as_str()) {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "{output} is stale: run `cargo run -p rolegate-access --bin role-catalogue -- {input} > {output}`"
                );
                ExitCode::from(1)
            }
        }
    }
}
