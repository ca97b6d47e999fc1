//! `rolegate plan`: expand the templates, build the access model, and print it: a table per workload
//! (identity → role → scope, then what its workflows call), or the model as JSON
//! (`docs/access-model.schema.json`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use access::{
    AccessModel, Grant, PrincipalKind, PrivilegeClass, ResourceId, RoleCatalogue, Workload,
};
use anyhow::{bail, Context as _};
use arm::plan::{ConditionStatus, DeploymentPlan};

use crate::args::{OutputFormat, ParameterArgs, PlanArgs};
use crate::EXIT_OK;

pub fn run(args: PlanArgs) -> anyhow::Result<u8> {
    let mut catalogue = RoleCatalogue::builtin();
    for file in &args.roles {
        catalogue.load_custom(file)?;
    }
    let plans = expand_all(&args.paths, &args.parameters, &args.context.to_context())?;
    let model = access::build_all(&plans, &catalogue);
    let out = match args.format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&model)?;
            s.push('\n');
            s
        }
        OutputFormat::Text => render_text(&model, &catalogue),
    };
    print!("{out}");
    Ok(EXIT_OK)
}

/// Expands every template named by `paths` (files, or directories searched for templates).
pub fn expand_all(
    paths: &[PathBuf],
    parameters: &ParameterArgs,
    context: &arm::DeploymentContext,
) -> anyhow::Result<Vec<DeploymentPlan>> {
    let overrides = parameters
        .params
        .iter()
        .map(|p| {
            let (name, value) = p
                .split_once('=')
                .with_context(|| format!("--param {p}: expected NAME=VALUE"))?;
            let value = serde_json::from_str(value)
                .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
            Ok((name.to_string(), value))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let options = arm::ExpandOptions {
        context: context.clone(),
        parameter_files: parameters.parameter_files.clone(),
        overrides,
        ..Default::default()
    };
    let mut templates = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = templates.len();
            find_templates(path, &mut templates, 0);
            if templates.len() == before {
                bail!(
                    "{}: no ARM template found in this directory",
                    path.display()
                );
            }
        } else {
            templates.push(path.clone());
        }
    }
    templates
        .iter()
        .map(|t| arm::expand_file(t, &options).map_err(anyhow::Error::from))
        .collect()
}

/// Templates under `dir`: JSON files that declare a `deploymentTemplate.json` schema.
fn find_templates(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 16 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.starts_with('.') || name == "node_modules" || name == "target" {
            continue;
        }
        if path.is_dir() {
            find_templates(&path, out, depth + 1);
        } else if name.ends_with(".json") && !name.contains(".parameters.") {
            let head = std::fs::read(&path).unwrap_or_default();
            let head = String::from_utf8_lossy(&head[..head.len().min(4096)]).to_ascii_lowercase();
            if head.contains("deploymenttemplate.json") {
                out.push(path);
            }
        }
    }
}

fn deployed_note(status: &ConditionStatus) -> String {
    match status {
        ConditionStatus::Deployed => String::new(),
        ConditionStatus::Skipped => " [not deployed: condition false]".into(),
        ConditionStatus::Assumed { depends_on } => format!(" [deployed if {depends_on}]"),
    }
}

fn role_text(g: &Grant, catalogue: &RoleCatalogue) -> String {
    let name = g
        .role
        .name
        .clone()
        .unwrap_or_else(|| format!("unknown role {}", g.role.id));
    let class = catalogue.get(&g.role.id).map(|r| r.privilege);
    match class {
        Some(PrivilegeClass::Privileged) => format!("{name} [privileged]"),
        Some(PrivilegeClass::Sensitive) => format!("{name} [sensitive]"),
        _ => name,
    }
}

fn grant_line(out: &mut String, who: &str, g: &Grant, catalogue: &RoleCatalogue) {
    let _ = writeln!(
        out,
        "    {who} → {} → {} ({}){}  {}",
        role_text(g, catalogue),
        g.scope,
        g.scope_level,
        deployed_note(&g.deployed),
        g.location
    );
}

fn workload_text(out: &mut String, w: &Workload, model: &AccessModel, catalogue: &RoleCatalogue) {
    let plan = match w.plan {
        access::WorkloadPlan::Consumption => "Logic App Consumption",
        access::WorkloadPlan::Standard => "Logic App Standard",
        access::WorkloadPlan::Other => "resource",
    };
    let _ = writeln!(
        out,
        "{} {} ({plan}){}{}  {}",
        w.resource_type,
        w.name,
        if w.existing { " [existing]" } else { "" },
        deployed_note(&w.deployed),
        w.location
    );
    let mut kinds = Vec::new();
    if w.identity.system_assigned {
        kinds.push("system-assigned".to_string());
    }
    for ua in &w.identity.user_assigned {
        kinds.push(format!(
            "user-assigned {}",
            ua.name().unwrap_or(ua.as_str())
        ));
    }
    let identity = if kinds.is_empty() {
        "none".to_string()
    } else {
        kinds.join(", ")
    };
    let _ = writeln!(out, "  identity: {identity}");
    for p in &w.identity.problems {
        let _ = writeln!(
            out,
            "    problem: {}",
            serde_json::to_string(p).unwrap_or_default()
        );
    }
    let mut grants: Vec<(String, &Grant)> = Vec::new();
    if w.identity.system_assigned || w.identity.declared_type.is_none() {
        for g in model.grants_to(PrincipalKind::SystemAssigned, &w.id) {
            grants.push(("system-assigned".into(), g));
        }
    }
    for ua in &w.identity.user_assigned {
        for g in model.grants_to(PrincipalKind::UserAssigned, ua) {
            grants.push((ua.name().unwrap_or(ua.as_str()).to_string(), g));
        }
    }
    if grants.is_empty() {
        let _ = writeln!(out, "  grants: none");
    } else {
        let _ = writeln!(out, "  grants:");
        for (who, g) in grants {
            grant_line(out, &who, g, catalogue);
        }
    }
    if w.usages.is_empty() {
        return;
    }
    let _ = writeln!(out, "  usages:");
    for u in &w.usages {
        let identity = match &u.identity {
            Some(access::UsageIdentity::SystemAssigned) => " (system-assigned)".to_string(),
            Some(access::UsageIdentity::UserAssigned(id)) => {
                format!(" ({})", id.name().unwrap_or(id.as_str()))
            }
            None => String::new(),
        };
        let audience = u
            .audience
            .as_deref()
            .map(|a| format!(" audience {a}"))
            .unwrap_or_default();
        let target = u
            .target_resource
            .as_ref()
            .map(ResourceId::to_string)
            .or_else(|| u.target.clone())
            .unwrap_or_else(|| "?".into());
        let mut needs: Vec<&str> = u.needs.actions.iter().map(String::as_str).collect();
        needs.extend(u.needs.data_actions.iter().map(String::as_str));
        let needs = if needs.is_empty() {
            String::new()
        } else {
            format!("  needs {}", needs.join(", "))
        };
        let _ = writeln!(
            out,
            "    {} [{}] {}{identity}{audience} → {target}{needs}",
            u.action,
            serde_json::to_value(u.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            u.auth.as_str(),
        );
    }
}

/// The readable form: one block per workload, then grants to other principals, credentials and
/// what could not be resolved.
pub fn render_text(model: &AccessModel, catalogue: &RoleCatalogue) -> String {
    let mut out = String::new();
    for w in &model.workloads {
        workload_text(&mut out, w, model, catalogue);
        out.push('\n');
    }
    if model.workloads.is_empty() {
        out.push_str("No workloads (Logic Apps or resources with an identity).\n\n");
    }
    let attached = |g: &Grant| {
        let Some(r) = &g.principal.resource else {
            return false;
        };
        model.workloads.iter().any(|w| {
            (g.principal.kind == PrincipalKind::SystemAssigned && &w.id == r)
                || (g.principal.kind == PrincipalKind::UserAssigned
                    && w.identity.has_user_assigned(r))
        })
    };
    let others: Vec<&Grant> = model.grants.iter().filter(|g| !attached(g)).collect();
    if !others.is_empty() {
        out.push_str("Other grants:\n");
        for g in others {
            let p = &g.principal;
            let who = match p.kind {
                PrincipalKind::SystemAssigned | PrincipalKind::UserAssigned => {
                    let kind = if p.kind == PrincipalKind::SystemAssigned {
                        "system-assigned"
                    } else {
                        "user-assigned"
                    };
                    let name = p
                        .resource
                        .as_ref()
                        .map(|r| r.name().unwrap_or(r.as_str()).to_string());
                    format!("{kind} {}", name.unwrap_or_default())
                }
                PrincipalKind::External => format!("external {}", p.id.as_deref().unwrap_or("?")),
                PrincipalKind::Parameter => format!(
                    "parameter {}{}",
                    p.parameter.as_deref().unwrap_or("?"),
                    p.id.as_deref()
                        .map(|id| format!(" = {id}"))
                        .unwrap_or_default()
                ),
                PrincipalKind::Unresolved => format!("unresolved ({})", p.provenance),
            };
            grant_line(&mut out, &who, g, catalogue);
        }
        out.push('\n');
    }
    if !model.connections.is_empty() {
        out.push_str("Connections:\n");
        for c in &model.connections {
            let _ = writeln!(
                out,
                "    {} ({}) auth {}{}{}  {}",
                c.name,
                c.api.as_deref().unwrap_or("?"),
                serde_json::to_value(c.auth)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                c.target_resource
                    .as_ref()
                    .map(|t| format!(" → {t}"))
                    .unwrap_or_default(),
                deployed_note(&c.deployed),
                c.location
            );
        }
        out.push('\n');
    }
    if !model.credentials.is_empty() {
        out.push_str("Credentials (keys and secrets; values never shown):\n");
        for c in &model.credentials {
            let _ = writeln!(
                out,
                "    {} from {}  {}",
                serde_json::to_value(c.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                serde_json::to_value(&c.source)
                    .ok()
                    .and_then(|v| v.get("from").and_then(|f| f.as_str()).map(str::to_string))
                    .unwrap_or_default(),
                c.location
            );
        }
        out.push('\n');
    }
    if !model.unresolved.is_empty() {
        out.push_str("Unresolved:\n");
        for u in &model.unresolved {
            let _ = writeln!(out, "    {}: {}  {}", u.what, u.depends_on, u.location);
        }
        out.push('\n');
    }
    out
}
