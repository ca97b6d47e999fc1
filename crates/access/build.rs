//! Compiles the generated built-in role catalogue (`data/builtin-roles.json`) into static Rust
//! data, so that a `rolegate` process pays nothing at start-up for the 900+ built-in roles: no
//! JSON parse, no allocation. Lookups binary-search these tables; a role becomes an owned
//! `RoleDefinition` only when asked for.

use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Permission {
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    not_actions: Vec<String>,
    #[serde(default)]
    data_actions: Vec<String>,
    #[serde(default)]
    not_data_actions: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Role {
    id: String,
    name: String,
    permissions: Vec<Permission>,
    privilege: String,
}

fn list(out: &mut String, items: &[String]) {
    out.push_str("&[");
    for item in items {
        // `{:?}` of a str is a valid Rust string literal.
        let _ = write!(out, "{item:?},");
    }
    out.push(']');
}

fn main() {
    let source = "data/builtin-roles.json";
    println!("cargo:rerun-if-changed={source}");
    let text = std::fs::read_to_string(source).expect("crates/access/data/builtin-roles.json");
    let mut roles: Vec<Role> = serde_json::from_str(&text)
        .expect("builtin-roles.json is the role-catalogue tool's output (regenerate it)");
    roles.sort_by(|a, b| a.id.cmp(&b.id));

    let mut out = String::new();
    let _ = writeln!(out, "const BUILTIN_COUNT: usize = {};", roles.len());
    out.push_str("/// Built-in roles sorted by GUID.\n");
    out.push_str("static BUILTIN_ROLES: [StaticRole; BUILTIN_COUNT] = [\n");
    for role in &roles {
        let privilege = match role.privilege.as_str() {
            "privileged" => "Privileged",
            "sensitive" => "Sensitive",
            "standard" => "Standard",
            other => panic!("role {}: unknown privilege class {other}", role.id),
        };
        let _ = write!(
            out,
            "StaticRole {{ id: {:?}, name: {:?}, privilege: PrivilegeClass::{privilege}, permissions: &[",
            role.id.to_ascii_lowercase(),
            role.name
        );
        for p in &role.permissions {
            out.push_str("StaticPermission { actions: ");
            list(&mut out, &p.actions);
            out.push_str(", not_actions: ");
            list(&mut out, &p.not_actions);
            out.push_str(", data_actions: ");
            list(&mut out, &p.data_actions);
            out.push_str(", not_data_actions: ");
            list(&mut out, &p.not_data_actions);
            out.push_str(" },");
        }
        out.push_str("] },\n");
    }
    out.push_str("];\n");

    let mut by_name: Vec<(String, usize)> = roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.trim().to_lowercase(), i))
        .collect();
    by_name.sort();
    out.push_str("/// (lower-case name, index into BUILTIN_ROLES), sorted by name.\n");
    out.push_str("static BUILTIN_BY_NAME: [(&str, u16); BUILTIN_COUNT] = [\n");
    for (name, i) in &by_name {
        let _ = writeln!(out, "({name:?}, {i}),");
    }
    out.push_str("];\n");

    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("builtin_roles.rs");
    std::fs::write(dest, out).expect("write builtin_roles.rs");
}
