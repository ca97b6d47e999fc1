//! `role-catalogue INPUT > OUTPUT`: derives rolegate's role catalogue (id, name, permissions,
//! privilege class) from any `az role definition list --output json` file.
//!
//! The built-in catalogue `crates/access/data/builtin-roles.json` is this tool's output for
//! `shared/data/builtin-roles.json`; a test checks they agree.

use std::process::ExitCode;

use access::catalogue::{generate_catalogue_json, parse_role_list};
use access::model::RoleSource;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input] = args.as_slice() else {
        eprintln!("usage: role-catalogue INPUT.json > OUTPUT.json");
        return ExitCode::from(2);
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
    print!("{}", generate_catalogue_json(roles));
    ExitCode::SUCCESS
}
