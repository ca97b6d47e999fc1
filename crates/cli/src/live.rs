//! `check --live`: authenticate, read the tenant facts the LV rules judge, and put what the tenant
//! knows (principal ids, client ids, assignment ids, names) into the report's rows.

use std::sync::Arc;

use access::live::LiveFacts;
use anyhow::Context as _;
use arm::plan::DeploymentPlan;
use report::{GrantRow, IdentityRow};

use crate::args::{ContextArgs, LiveArgs, LiveErrors};

/// Reads the tenant for `plans`; roles the tenant defines are added to `catalogue` so every rule
/// judges them like built-in ones. Errors (exit 2) only when nothing can be read at all: bad
/// flags, no credential, no token.
pub fn read(
    args: &LiveArgs,
    context: &ContextArgs,
    plans: &[DeploymentPlan],
    catalogue: &mut access::RoleCatalogue,
) -> anyhow::Result<LiveFacts> {
    if context.subscription_id.is_none() {
        anyhow::bail!(
            "--live needs --subscription-id (or ROLEGATE_SUBSCRIPTION_ID): the tenant is read at the scopes the deployment really targets, not at placeholders"
        );
    }
    let config = azure::AuthConfig {
        method: args.auth,
        authority_host: args.authority_host.clone(),
        tenant_id: context.tenant_id.clone(),
        ..Default::default()
    };
    let credential = azure::credential(&config, &|k| std::env::var(k).ok())?;
    // Said on stderr so that `--format json` on stdout stays one document.
    eprintln!(
        "rolegate: --live authenticates with {}",
        credential.description
    );
    let client = azure::Client::new(
        credential.credential,
        &args.arm_endpoint,
        &args.graph_endpoint,
        azure::Limits::default(),
    )?;
    let model = access::build_all(plans, catalogue);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP runtime for --live")?;
    let mut facts = runtime
        .block_on(azure::collect(Arc::new(client), &[&model], catalogue))
        .context("--live")?;
    facts.auth = credential.description;
    facts.arm_endpoint = args.arm_endpoint.clone();
    facts.graph_endpoint = args.graph_endpoint.clone();
    facts.errors_are_warnings = args.live_errors == LiveErrors::Warn;
    for r in &facts.role_definitions {
        catalogue.add(r.role.clone());
    }
    tracing::info!(
        assignments = facts.assignments.len(),
        principals = facts.principals.len(),
        workloads = facts.workloads.len(),
        errors = facts.errors.len(),
        "live facts read"
    );
    Ok(facts)
}

/// How the tenant was read, for the report's context and the evidence pack.
pub fn info(facts: &LiveFacts) -> report::LiveInfo {
    report::LiveInfo {
        auth: facts.auth.clone(),
        arm_endpoint: facts.arm_endpoint.clone(),
        graph_endpoint: facts.graph_endpoint.clone(),
        signed_in_as: facts.deployer.as_ref().map(|d| match &d.display_name {
            Some(name) => format!("{name} ({})", d.id),
            None => d.id.clone(),
        }),
        assignments: facts.assignments.len(),
        principals: facts.principals.len() + usize::from(facts.deployer.is_some()),
        resources: facts.workloads.len() + facts.identities.len(),
        role_definitions: facts.role_definitions.len(),
        errors: facts.errors.len(),
    }
}

/// Fills the report's rows with what the tenant knows: the principal and client ids of deployed
/// identities, the assignment id of grants that already exist, names of external principals.
pub fn enrich_rows(identities: &mut [IdentityRow], grants: &mut [GrantRow], facts: &LiveFacts) {
    for row in identities.iter_mut() {
        let (principal, client) = identity_ids(&row.id, facts);
        if row.principal_id.is_none() {
            row.principal_id = principal;
        }
        if row.client_id.is_none() {
            row.client_id = client;
        }
    }
    for row in grants.iter_mut() {
        if row.principal_id.is_none() {
            row.principal_id = identity_ids(&row.identity, facts).0;
        }
        let Some(principal) = row.principal_id.clone() else {
            continue;
        };
        if row.principal_kind == "external" {
            if let Some(name) = facts
                .principal(&principal)
                .and_then(|p| p.display_name.as_deref())
            {
                row.identity_display = format!("{name} ({principal})");
            }
        }
        let scope = access::ResourceId::parse(&row.scope);
        let role = row.role_id.clone().unwrap_or_default();
        row.assignment_id = facts
            .assignments_at(&scope)
            .find(|a| a.principal_id.eq_ignore_ascii_case(&principal) && a.role == role)
            .map(|a| a.id.clone());
    }
}

/// Principal and client id of an identity key (`system-assigned of <workload id>` or a
/// user-assigned identity's id) as deployed.
fn identity_ids(key: &str, facts: &LiveFacts) -> (Option<String>, Option<String>) {
    if let Some(workload) = key.strip_prefix("system-assigned of ") {
        let id = access::ResourceId::parse(workload);
        let principal = facts
            .principal_id_of(access::PrincipalKind::SystemAssigned, &id)
            .map(str::to_string);
        let client = principal
            .as_deref()
            .and_then(|p| facts.principal(p))
            .and_then(|p| p.app_id.clone());
        return (principal, client);
    }
    let id = access::ResourceId::parse(key);
    (
        facts
            .principal_id_of(access::PrincipalKind::UserAssigned, &id)
            .map(str::to_string),
        facts.client_id_of(&id).map(str::to_string),
    )
}
