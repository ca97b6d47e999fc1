//! `rolegate plan`: expand the templates, build the access model, and print it: a table per workload
//! (identity → role → scope, then what its workflows call), or the model as JSON
//! (`docs/access-model.schema.json`).

use std::fmt::Write as _;

use access::{
    AccessModel, Grant, PrincipalKind, PrivilegeClass, ResourceId, RoleCatalogue, Workload,
};
use anyhow::Context as _;
use arm::plan::ConditionStatus;

use crate::args::{OutputFormat, PlanArgs};
use crate::EXIT_OK;

pub fn run(args: PlanArgs) -> anyhow::Result<u8> {
    let mut catalogue = RoleCatalogue::builtin();
    for file in &args.roles {
        catalogue
            .load_custom(file)
            .with_context(|| format!("{}: cannot read role definitions", file.display()))?;
    }
    // Same inputs as `rolegate check`: files, or directories with conventional parameter files.
    let plans = crate::inputs::expand_paths(&args.paths, &args.parameters, &args.context)?;
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
    if crate::inputs::report_broken(&plans) {
        return Ok(crate::EXIT_BAD_INPUT);
    }
    Ok(EXIT_OK)
}

fn deployed_note(status: &ConditionStatus) -> String {
    match status {
        ConditionStatus::Deployed => String::new(),
        ConditionStatus::Skipped => " [not deployed: condition false]".into(),
        ConditionStatus::Assumed { depends_on } => format!(
            " [deployed depending on {}]",
            rules::reviewer_words::decided_by(depends_on)
        ),
    }
}

fn role_text(g: &Grant, catalogue: &RoleCatalogue) -> String {
    let name = g
        .role
        .name
        .clone()
        .unwrap_or_else(|| match g.role.id.as_str() {
            "" => "unknown role".to_string(),
            id if id.contains('{') => rules::reviewer_words::role_display(id),
            id => format!("unknown role {id}"),
        });
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
        // As the grants table of `check` writes it.
        rules::reviewer_words::scope_display(g.scope.as_str()),
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
            grants.push((rules::reviewer_words::user_identity_display(model, ua), g));
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
                // As the grants table of `check` names them.
                PrincipalKind::SystemAssigned
                | PrincipalKind::UserAssigned
                | PrincipalKind::Unresolved => rules::reviewer_words::identity_display(model, p),
                PrincipalKind::External => format!("external {}", p.id.as_deref().unwrap_or("?")),
                PrincipalKind::Parameter => format!(
                    "parameter {}{}",
                    p.parameter.as_deref().unwrap_or("?"),
                    p.id.as_deref()
                        .map(|id| format!(" = {id}"))
                        .unwrap_or_default()
                ),
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
            let _ = writeln!(
                out,
                "    {}: {}  {}",
                u.what,
                rules::reviewer_words::decided_by(&u.depends_on),
                u.location
            );
        }
        out.push('\n');
    }
    // Names and ids known only at deployment read as what decides them, line by line; the
    // provenance chains stay in `--format json` and `-v`.
    out.lines()
        .map(|line| rules::reviewer_words::reviewer_text(line) + "\n")
        .collect()
}
