//! What `--live` reads, given the access models: the role assignments at every planned grant's
//! scope, the planned workloads and user-assigned identities as deployed, the assignments their
//! principals already hold, the role definitions the catalogue lacks, and the principals' names
//! and existence in Microsoft Graph. Reads run concurrently (bounded by the client); each failed
//! read becomes a [`LiveError`] naming the permission it needs, so the gate never passes on
//! something it could not see.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use access::live::{
    DeployedIdentity, DeployedWorkload, ExistingAssignment, LiveError, LiveFacts, LivePrincipal,
    LiveRoleDefinition, PrincipalState,
};
use access::{
    AccessModel, GrantKind, PrincipalKind, ResourceId, RoleCatalogue, RoleDefinition, RoleSource,
    ScopeLevel,
};
use arm::plan::ConditionStatus;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::client::{Api, Client};
use crate::error::Error;

/// ARM api-versions used.
const AUTHORIZATION_API: &str = "2022-04-01";
const LOGIC_API: &str = "2019-05-01";
const WEB_API: &str = "2024-04-01";
const IDENTITY_API: &str = "2023-01-31";

/// Permissions each read needs, named in errors.
const READ_ASSIGNMENTS: &str = "Microsoft.Authorization/roleAssignments/read";
const READ_DEFINITIONS: &str = "Microsoft.Authorization/roleDefinitions/read";
const READ_IDENTITIES: &str = "Microsoft.ManagedIdentity/userAssignedIdentities/read";
const READ_GRAPH: &str = "Microsoft Graph Application.Read.All (read service principals)";

/// Reads what the tenant knows about the grants, workloads and identities of `models`.
///
/// Fails only when no token can be had (nothing could be read); every other failure is recorded
/// in [`LiveFacts::errors`].
pub async fn collect(
    client: Arc<Client>,
    models: &[&AccessModel],
    catalogue: &RoleCatalogue,
) -> Result<LiveFacts, Error> {
    let mut facts = LiveFacts::default();
    let deployer = client.signed_in_object_id().await?;
    let wanted = Wanted::new(models, catalogue);

    let mut round = Vec::new();
    round.extend(wanted.scopes.iter().cloned().map(Read::Scope));
    round.extend(
        wanted
            .workloads
            .iter()
            .map(|(id, api)| Read::Workload(id.clone(), api)),
    );
    round.extend(wanted.identities.iter().cloned().map(Read::Identity));
    round.extend(
        wanted
            .roles
            .iter()
            .map(|(guid, at)| Read::Role(guid.clone(), at.clone())),
    );
    let mut looked_up = BTreeSet::new();
    for id in wanted.externals.iter().chain(deployer.iter()) {
        if looked_up.insert(id.clone()) {
            round.push(Read::Principal(id.clone()));
        }
    }
    let mut lookups = Lookups {
        client,
        deployer_id: deployer.as_deref(),
        deployer: None,
    };
    lookups.run(round, &mut facts).await;

    // Second round: what the first one named. Held grants are listed at the workload's (or
    // identity's) resource group: the filter returns assignments at, above and below it, and
    // Reader on that resource group is enough to read them.
    let mut round = Vec::new();
    let mut held_by = BTreeMap::new();
    for w in facts.workloads.iter().filter(|w| w.found) {
        let Some(scope) = home_scope(&w.id) else {
            continue;
        };
        let ids = w.principal_id.iter().filter(|_| w.system_assigned()).chain(
            w.user_assigned
                .iter()
                .filter_map(|u| u.principal_id.as_ref()),
        );
        for id in ids {
            held_by.insert(id.to_ascii_lowercase(), scope.clone());
        }
    }
    for i in facts.identities.iter().filter(|i| i.found) {
        if let (Some(id), Some(scope)) = (&i.principal_id, home_scope(&i.id)) {
            held_by.entry(id.to_ascii_lowercase()).or_insert(scope);
        }
    }
    round.extend(
        held_by
            .into_iter()
            .map(|(principal, scope)| Read::HeldBy(principal, scope)),
    );
    // Stale principals matter where the deployment grants: assignments at a planned scope.
    let at_planned: Vec<String> = facts
        .assignments
        .iter()
        .filter(|a| wanted.scopes.contains(&a.scope))
        .filter(|a| {
            a.principal_type
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case("ServicePrincipal"))
        })
        .map(|a| a.principal_id.clone())
        .collect();
    for id in at_planned {
        if looked_up.insert(id.clone()) {
            round.push(Read::Principal(id));
        }
    }
    lookups.run(round, &mut facts).await;
    let deployer_principal = lookups.deployer;

    facts.deployer = deployer.map(|id| {
        deployer_principal.unwrap_or(LivePrincipal {
            id,
            state: PrincipalState::Exists,
            display_name: None,
            app_id: None,
            kind: None,
        })
    });
    if let Some(d) = &facts.deployer {
        facts.principals.retain(|p| p.id != d.id);
    }
    // Deterministic order: reports and tests compare them.
    facts.assignments.sort_by(|a, b| a.id.cmp(&b.id));
    facts
        .assignments
        .dedup_by(|a, b| a.id.eq_ignore_ascii_case(&b.id));
    facts.principals.sort_by(|a, b| a.id.cmp(&b.id));
    facts.principals.dedup_by(|a, b| a.id == b.id);
    facts
        .workloads
        .sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    facts
        .identities
        .sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    facts
        .role_definitions
        .sort_by(|a, b| a.role.id.cmp(&b.role.id));
    collapse_graph_refusals(&mut facts.errors);
    facts
        .errors
        .sort_by(|a, b| (&a.scope, &a.what).cmp(&(&b.scope, &b.what)));
    facts.errors.dedup();
    Ok(facts)
}

/// What a round of reads needs besides the reads: the client, and the signed-in principal's id
/// with what Graph says of it (its lookup may come in either round).
struct Lookups<'a> {
    client: Arc<Client>,
    deployer_id: Option<&'a str>,
    deployer: Option<LivePrincipal>,
}

impl Lookups<'_> {
    /// Runs one round of reads concurrently (bounded by the client) and records what each found,
    /// or why it failed, in `facts`.
    async fn run(&mut self, round: Vec<Read>, facts: &mut LiveFacts) {
        let mut tasks = JoinSet::new();
        for what in round {
            tasks.spawn(read(self.client.clone(), what));
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(outcome) => outcome.apply(facts, &mut self.deployer, self.deployer_id),
                Err(e) => facts.errors.push(LiveError {
                    what: "a tenant read".into(),
                    scope: String::new(),
                    status: None,
                    permission: String::new(),
                    message: format!("the read stopped: {e}"),
                }),
            }
        }
    }
}

/// Graph refusing one principal lookup refuses them all: one error for the missing permission
/// instead of one per principal.
fn collapse_graph_refusals(errors: &mut Vec<LiveError>) {
    let refused = |e: &LiveError| e.permission == READ_GRAPH && matches!(e.status, Some(401 | 403));
    let count = errors.iter().filter(|e| refused(e)).count();
    if count < 2 {
        return;
    }
    let Some(first) = errors.iter().find(|e| refused(e)).cloned() else {
        return;
    };
    errors.retain(|e| !refused(e));
    errors.push(LiveError {
        what: format!("{count} principals in Microsoft Graph"),
        scope: "servicePrincipals".into(),
        ..first
    });
}

/// What the models ask the tenant about.
struct Wanted {
    scopes: Vec<ResourceId>,
    workloads: Vec<(ResourceId, &'static str)>,
    identities: Vec<ResourceId>,
    /// Role GUIDs the catalogue lacks (or that are custom), with the scope to read them at.
    roles: BTreeMap<String, String>,
    externals: BTreeSet<String>,
}

fn known(id: &ResourceId) -> bool {
    id.is_absolute() && !id.has_unknown_parts() && id.level() != ScopeLevel::Unknown
}

impl Wanted {
    fn new(models: &[&AccessModel], catalogue: &RoleCatalogue) -> Wanted {
        let mut w = Wanted {
            scopes: Vec::new(),
            workloads: Vec::new(),
            identities: Vec::new(),
            roles: BTreeMap::new(),
            externals: BTreeSet::new(),
        };
        for model in models {
            for g in &model.grants {
                if g.deployed == ConditionStatus::Skipped || g.kind != GrantKind::Rbac {
                    continue;
                }
                if known(&g.scope) && !w.scopes.contains(&g.scope) {
                    w.scopes.push(g.scope.clone());
                }
                let custom = matches!(g.role.source, RoleSource::Unknown | RoleSource::Custom);
                if custom
                    && is_guid(&g.role.id)
                    && catalogue
                        .get(&g.role.id)
                        .is_none_or(|r| r.source != RoleSource::BuiltIn)
                {
                    // Read at the grant's own scope: a definition is visible at every scope it
                    // can be assigned at, and read access there is what rolegate has.
                    let at = format!(
                        "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
                        g.scope.as_str(),
                        g.role.id
                    );
                    w.roles.entry(g.role.id.clone()).or_insert(at);
                }
                if matches!(
                    g.principal.kind,
                    PrincipalKind::External | PrincipalKind::Parameter
                ) {
                    if let Some(id) = g.principal.id.as_deref().filter(|id| is_guid(id)) {
                        w.externals.insert(id.to_ascii_lowercase());
                    }
                }
            }
            for wl in &model.workloads {
                if wl.deployed == ConditionStatus::Skipped || !known(&wl.id) {
                    continue;
                }
                let api = if wl
                    .resource_type
                    .eq_ignore_ascii_case("Microsoft.Logic/workflows")
                {
                    LOGIC_API
                } else if wl.resource_type.eq_ignore_ascii_case("Microsoft.Web/sites") {
                    WEB_API
                } else {
                    continue;
                };
                if !w.workloads.iter().any(|(id, _)| id == &wl.id) {
                    w.workloads.push((wl.id.clone(), api));
                }
            }
            for i in &model.identities {
                if known(&i.id) && !w.identities.contains(&i.id) {
                    w.identities.push(i.id.clone());
                }
            }
        }
        w
    }
}

/// The resource group of a resource (else its subscription), as a scope id.
fn home_scope(id: &ResourceId) -> Option<String> {
    let subscription = id.subscription()?;
    Some(match id.resource_group() {
        Some(rg) => format!("/subscriptions/{subscription}/resourceGroups/{rg}"),
        None => format!("/subscriptions/{subscription}"),
    })
}

fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// One read.
enum Read {
    /// Assignments at (and above) a scope.
    Scope(ResourceId),
    /// A workload with the api-version of its type.
    Workload(ResourceId, &'static str),
    Identity(ResourceId),
    /// A role definition GUID and the id to read it at.
    Role(String, String),
    /// A principal in Graph.
    Principal(String),
    /// Every assignment a principal holds at, above or below a scope.
    HeldBy(String, String),
}

/// What a read found.
enum Outcome {
    Assignments(Vec<ExistingAssignment>),
    Workload(DeployedWorkload),
    Identity(DeployedIdentity),
    Role(Option<LiveRoleDefinition>),
    Principal(LivePrincipal),
    Failed(LiveError),
    Nothing,
}

impl Outcome {
    fn apply(
        self,
        facts: &mut LiveFacts,
        deployer: &mut Option<LivePrincipal>,
        deployer_id: Option<&str>,
    ) {
        match self {
            Outcome::Assignments(a) => facts.assignments.extend(a),
            Outcome::Workload(w) => facts.workloads.push(w),
            Outcome::Identity(i) => facts.identities.push(i),
            Outcome::Role(Some(r)) => facts.role_definitions.push(r),
            Outcome::Principal(p) => {
                if deployer_id == Some(p.id.as_str()) {
                    *deployer = Some(p.clone());
                }
                facts.principals.push(p);
            }
            Outcome::Failed(e) => facts.errors.push(e),
            Outcome::Role(None) | Outcome::Nothing => {}
        }
    }
}

async fn read(client: Arc<Client>, what: Read) -> Outcome {
    match what {
        Read::Scope(scope) => {
            let what = format!("role assignments at {scope}");
            list_assignments(&client, &scope, "atScope()", what).await
        }
        Read::HeldBy(principal, scope) => {
            let what = format!("role assignments of principal {principal}");
            let filter = format!("assignedTo('{principal}')");
            list_assignments(&client, &ResourceId::parse(&scope), &filter, what).await
        }
        Read::Workload(id, api) => {
            let permission = format!(
                "{}/read",
                id.resource_type()
                    .unwrap_or_else(|| "Microsoft.Resources".into())
            );
            let path = format!("{}?api-version={api}", id.as_str());
            match client.get(Api::Arm, &path).await {
                Ok(None) => Outcome::Workload(DeployedWorkload {
                    id,
                    found: false,
                    identity_type: None,
                    principal_id: None,
                    user_assigned: Vec::new(),
                }),
                Ok(Some(body)) => match parse_workload(id.clone(), &body) {
                    Ok(w) => Outcome::Workload(w),
                    Err(message) => fail(
                        format!("workload {id}"),
                        &id,
                        &permission,
                        Error::Malformed {
                            url: path_only(&path),
                            message,
                        },
                    ),
                },
                Err(e) => fail(format!("workload {id}"), &id, &permission, e),
            }
        }
        Read::Identity(id) => {
            let path = format!("{}?api-version={IDENTITY_API}", id.as_str());
            match client.get(Api::Arm, &path).await {
                Ok(None) => Outcome::Identity(DeployedIdentity {
                    id,
                    found: false,
                    principal_id: None,
                    client_id: None,
                }),
                Ok(Some(body)) => {
                    let props = body.get("properties");
                    Outcome::Identity(DeployedIdentity {
                        id,
                        found: true,
                        principal_id: str_at(props, "principalId"),
                        client_id: str_at(props, "clientId"),
                    })
                }
                Err(e) => fail(
                    format!("user-assigned identity {id}"),
                    &id,
                    READ_IDENTITIES,
                    e,
                ),
            }
        }
        Read::Role(guid, at) => {
            let path = format!("{at}?api-version={AUTHORIZATION_API}");
            let scope = ResourceId::parse(&at);
            match client.get(Api::Arm, &path).await {
                Ok(None) => Outcome::Role(None),
                Ok(Some(body)) => match parse_role(&guid, &body) {
                    Ok(r) => Outcome::Role(Some(r)),
                    Err(message) => fail(
                        format!("role definition {guid}"),
                        &scope,
                        READ_DEFINITIONS,
                        Error::Malformed {
                            url: path_only(&path),
                            message,
                        },
                    ),
                },
                Err(e) => fail(
                    format!("role definition {guid}"),
                    &scope,
                    READ_DEFINITIONS,
                    e,
                ),
            }
        }
        Read::Principal(id) => {
            let path = format!("/v1.0/servicePrincipals/{id}");
            match client.get(Api::Graph, &path).await {
                Ok(None) => Outcome::Principal(LivePrincipal {
                    id,
                    state: PrincipalState::Deleted,
                    display_name: None,
                    app_id: None,
                    kind: None,
                }),
                Ok(Some(body)) => Outcome::Principal(LivePrincipal {
                    id,
                    state: PrincipalState::Exists,
                    display_name: str_at(Some(&body), "displayName"),
                    app_id: str_at(Some(&body), "appId"),
                    kind: str_at(Some(&body), "servicePrincipalType"),
                }),
                Err(e) => Outcome::Failed(LiveError {
                    what: format!("principal {id} in Microsoft Graph"),
                    scope: format!("servicePrincipals/{id}"),
                    status: e.status(),
                    permission: READ_GRAPH.into(),
                    message: e.to_string(),
                }),
            }
        }
    }
}

/// Role assignments at `scope` with a `$filter`, every page. A 404 means the scope does not exist
/// yet (the deployment creates it): nothing is assigned there.
async fn list_assignments(
    client: &Client,
    scope: &ResourceId,
    filter: &str,
    what: String,
) -> Outcome {
    let path = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments?api-version={AUTHORIZATION_API}&$filter={filter}",
        scope.as_str()
    );
    let result = match client.list(Api::Arm, &path).await {
        Ok(None) => return Outcome::Nothing,
        Ok(Some(items)) => parse_assignments(&items).map_err(|message| Error::Malformed {
            url: path_only(&path),
            message,
        }),
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Outcome::Assignments(a),
        Err(e) => fail(what, scope, READ_ASSIGNMENTS, e),
    }
}

fn fail(what: String, scope: &ResourceId, permission: &str, e: Error) -> Outcome {
    Outcome::Failed(LiveError {
        what,
        scope: scope.as_str().to_string(),
        status: e.status(),
        permission: permission.to_string(),
        message: e.to_string(),
    })
}

fn path_only(path: &str) -> String {
    crate::client::strip_query(path)
}

fn str_at(v: Option<&Value>, key: &str) -> Option<String> {
    v?.get(key)?.as_str().map(str::to_string)
}

/// Role assignments in the ARM REST shape; a missing id, scope, role or principal is malformed.
fn parse_assignments(items: &[Value]) -> Result<Vec<ExistingAssignment>, String> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let props = item.get("properties");
        let need = |v: Option<String>, what: &str| {
            v.ok_or_else(|| format!("role assignment {i} has no {what}"))
        };
        let role_definition_id = need(
            str_at(props, "roleDefinitionId"),
            "properties.roleDefinitionId",
        )?;
        out.push(ExistingAssignment {
            id: need(str_at(Some(item), "id"), "id")?,
            name: need(str_at(Some(item), "name"), "name")?,
            scope: ResourceId::parse(&need(str_at(props, "scope"), "properties.scope")?),
            role: access::catalogue::role_guid(&role_definition_id),
            role_definition_id,
            principal_id: need(str_at(props, "principalId"), "properties.principalId")?
                .to_ascii_lowercase(),
            principal_type: str_at(props, "principalType"),
            condition: str_at(props, "condition"),
        });
    }
    Ok(out)
}

fn parse_workload(id: ResourceId, body: &Value) -> Result<DeployedWorkload, String> {
    if !body.is_object() {
        return Err("the resource is not a JSON object".into());
    }
    let identity = body.get("identity").filter(|v| !v.is_null());
    let mut user_assigned = Vec::new();
    if let Some(map) = identity.and_then(|i| i.get("userAssignedIdentities")) {
        let Some(map) = map.as_object() else {
            return Err("identity.userAssignedIdentities is not an object".into());
        };
        for (key, value) in map {
            user_assigned.push(DeployedIdentity {
                id: ResourceId::parse(key),
                found: true,
                principal_id: str_at(Some(value), "principalId"),
                client_id: str_at(Some(value), "clientId"),
            });
        }
    }
    Ok(DeployedWorkload {
        id,
        found: true,
        identity_type: str_at(identity, "type"),
        principal_id: str_at(identity, "principalId"),
        user_assigned,
    })
}

fn parse_role(guid: &str, body: &Value) -> Result<LiveRoleDefinition, String> {
    let props = body
        .get("properties")
        .ok_or_else(|| "the role definition has no properties".to_string())?;
    let name = str_at(Some(props), "roleName")
        .ok_or_else(|| "the role definition has no properties.roleName".to_string())?;
    let permissions = match props.get("permissions") {
        None | Some(Value::Null) => Vec::new(),
        Some(p) => {
            serde_json::from_value(p.clone()).map_err(|e| format!("properties.permissions: {e}"))?
        }
    };
    let assignable_scopes = props
        .get("assignableScopes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(LiveRoleDefinition {
        role: RoleDefinition::new(guid, &name, permissions, RoleSource::Custom),
        role_type: str_at(Some(props), "type").unwrap_or_else(|| "CustomRole".into()),
        assignable_scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_refusals_become_one_error() {
        let refusal = |id: &str| LiveError {
            what: format!("principal {id} in Microsoft Graph"),
            scope: format!("servicePrincipals/{id}"),
            status: Some(403),
            permission: READ_GRAPH.into(),
            message: "Authorization_RequestDenied".into(),
        };
        let mut errors = vec![refusal("a"), refusal("b"), refusal("c")];
        collapse_graph_refusals(&mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].what, "3 principals in Microsoft Graph");
    }

    #[test]
    fn assignments_without_a_principal_are_malformed() {
        let items = [
            serde_json::json!({"id": "/x", "name": "n", "properties": {"scope": "/s", "roleDefinitionId": "/r/1"}}),
        ];
        let e = parse_assignments(&items).unwrap_err();
        assert!(e.contains("principalId"), "{e}");
    }

    #[test]
    fn a_workload_identity_reads_both_kinds() {
        let body = serde_json::json!({"identity": {"type": "SystemAssigned, UserAssigned", "principalId": "p",
            "userAssignedIdentities": {"/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u": {"principalId": "q", "clientId": "c"}}}});
        let w = parse_workload(ResourceId::parse("/x"), &body).unwrap();
        assert!(w.system_assigned());
        assert_eq!(w.user_assigned[0].client_id.as_deref(), Some("c"));
        assert!(parse_workload(ResourceId::parse("/x"), &serde_json::json!([])).is_err());
    }
}
