//! Facts read from the live tenant (`rolegate check --live`): what already exists where the
//! deployment grants, who the principals are, how deployed workloads' identities look today.
//!
//! `rolegate-azure` fills a [`LiveFacts`]; the LV rules judge it beside the model; [`LiveFacts::enrich`]
//! answers what the template alone could not (the deployer's object id). Plain data: no I/O here.

use serde::Serialize;

use crate::model::{AccessModel, PrincipalKind};
use crate::resource_id::ResourceId;

/// Everything `--live` read from the tenant, and what it could not read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LiveFacts {
    /// The credential that was used, in words (`managed-identity (IDENTITY_ENDPOINT)`).
    pub auth: String,
    /// The ARM base URL read.
    pub arm_endpoint: String,
    /// The Microsoft Graph base URL read.
    pub graph_endpoint: String,
    /// The identity rolegate ran as (the token's `oid`), with its directory name when readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployer: Option<LivePrincipal>,
    /// Role assignments that exist today: at each planned grant's scope (and above it), and every
    /// assignment held by the deployed workloads' principals.
    pub assignments: Vec<ExistingAssignment>,
    /// Principals looked up in Microsoft Graph.
    pub principals: Vec<LivePrincipal>,
    /// The planned workloads as deployed today.
    pub workloads: Vec<DeployedWorkload>,
    /// The user-assigned identities the template refers to, as deployed today.
    pub identities: Vec<DeployedIdentity>,
    /// Role definitions fetched because the catalogue did not know them (custom roles).
    pub role_definitions: Vec<LiveRoleDefinition>,
    /// Reads that failed: each one is a check the gate could not make.
    pub errors: Vec<LiveError>,
    /// `--live-errors warn`: failed reads are warnings instead of errors.
    pub errors_are_warnings: bool,
}

/// A role assignment that exists in the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExistingAssignment {
    /// Full id (what `az role assignment delete --ids` takes).
    pub id: String,
    /// The assignment name (a GUID).
    pub name: String,
    /// The scope it applies to.
    pub scope: ResourceId,
    /// `roleDefinitionId` as ARM returns it.
    pub role_definition_id: String,
    /// The role GUID, lower case.
    pub role: String,
    /// The principal's object id, lower case.
    pub principal_id: String,
    /// `principalType` as stored (`ServicePrincipal`, `User`, `Group`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_type: Option<String>,
    /// ABAC condition, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// Whether a principal exists in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalState {
    /// Graph returned it.
    Exists,
    /// Graph answered 404: the principal was deleted (a recreated system identity leaves these).
    Deleted,
}

/// A principal as Microsoft Graph describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LivePrincipal {
    /// Object id, lower case.
    pub id: String,
    pub state: PrincipalState,
    /// `displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `appId` of a service principal: the client id workloads authenticate with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// `servicePrincipalType` (`ManagedIdentity`, `Application`) or the object kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A planned workload as it is deployed today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployedWorkload {
    /// The planned resource id.
    pub id: ResourceId,
    /// False when ARM answered 404: the deployment creates it.
    pub found: bool,
    /// `identity.type` as deployed (`None` when there is no identity block).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<String>,
    /// The system-assigned identity's principal id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// The user-assigned identities attached today.
    pub user_assigned: Vec<DeployedIdentity>,
}

impl DeployedWorkload {
    /// The deployed identity has the system-assigned kind.
    pub fn system_assigned(&self) -> bool {
        self.identity_type
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().contains("systemassigned"))
    }
}

/// A user-assigned identity as deployed today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployedIdentity {
    pub id: ResourceId,
    /// False when ARM answered 404.
    pub found: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// A role definition read from ARM.
#[derive(Debug, Clone, Serialize)]
pub struct LiveRoleDefinition {
    /// The definition as the catalogue holds it.
    pub role: crate::catalogue::RoleDefinition,
    /// `type`: `BuiltInRole` or `CustomRole`.
    pub role_type: String,
    /// `assignableScopes`.
    pub assignable_scopes: Vec<String>,
}

/// A read that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveError {
    /// What was being read, in words (`role assignments at <scope>`).
    pub what: String,
    /// The scope (or principal) the read was about.
    pub scope: String,
    /// HTTP status, when there was an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The permission the read needs (`Microsoft.Authorization/roleAssignments/read`).
    pub permission: String,
    /// What went wrong (the service's error code and message, or the transport error).
    pub message: String,
}

impl LiveFacts {
    /// Role assignments that exist at exactly `scope`.
    pub fn assignments_at<'a>(
        &'a self,
        scope: &'a ResourceId,
    ) -> impl Iterator<Item = &'a ExistingAssignment> + 'a {
        self.assignments.iter().filter(move |a| &a.scope == scope)
    }

    /// Role assignments held by the principal with this object id.
    pub fn assignments_of<'a>(
        &'a self,
        principal_id: &'a str,
    ) -> impl Iterator<Item = &'a ExistingAssignment> + 'a {
        self.assignments
            .iter()
            .filter(move |a| a.principal_id.eq_ignore_ascii_case(principal_id))
    }

    /// The Graph lookup of this object id.
    pub fn principal(&self, id: &str) -> Option<&LivePrincipal> {
        self.principals
            .iter()
            .chain(self.deployer.iter())
            .find(|p| p.id.eq_ignore_ascii_case(id))
    }

    /// The workload with this id as deployed.
    pub fn workload(&self, id: &ResourceId) -> Option<&DeployedWorkload> {
        self.workloads.iter().find(|w| &w.id == id)
    }

    /// The user-assigned identity with this id as deployed.
    pub fn identity(&self, id: &ResourceId) -> Option<&DeployedIdentity> {
        self.identities.iter().find(|i| &i.id == id)
    }

    /// The object id the principal of a grant has today, when the tenant tells: a deployed
    /// workload's system identity that the deployment keeps, a deployed user-assigned identity.
    pub fn principal_id_of(&self, kind: PrincipalKind, resource: &ResourceId) -> Option<&str> {
        match kind {
            PrincipalKind::SystemAssigned => self
                .workload(resource)
                .filter(|w| w.found && w.system_assigned())
                .and_then(|w| w.principal_id.as_deref()),
            PrincipalKind::UserAssigned => self
                .identity(resource)
                .filter(|i| i.found)
                .and_then(|i| i.principal_id.as_deref()),
            _ => None,
        }
    }

    /// The client id of a user-assigned identity as deployed.
    pub fn client_id_of(&self, resource: &ResourceId) -> Option<&str> {
        self.identity(resource).and_then(|i| i.client_id.as_deref())
    }

    /// Answers what the template could not know and the tenant can: a grant to `deployer().objectId`
    /// becomes a grant to the object id rolegate authenticated as (the deployer, when the same
    /// identity runs the deployment). Returns how many grants were answered.
    pub fn enrich(&self, model: &mut AccessModel) -> usize {
        let Some(deployer) = &self.deployer else {
            return 0;
        };
        let mut answered = 0;
        for g in &mut model.grants {
            let p = &mut g.principal;
            let deployer_principal = p.kind == PrincipalKind::Deployer
                || (p.kind == PrincipalKind::Unresolved
                    && p.provenance.contains("deployer().objectId"));
            if deployer_principal {
                let name = deployer
                    .display_name
                    .as_deref()
                    .unwrap_or("the signed-in identity");
                p.kind = PrincipalKind::External;
                p.id = Some(deployer.id.clone());
                p.provenance = format!("deployer().objectId: {name}, read from the tenant");
                answered += 1;
            }
        }
        if answered > 0 {
            model
                .unresolved
                .retain(|u| !u.depends_on.contains("deployer().objectId"));
        }
        answered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(kind: Option<&str>) -> DeployedWorkload {
        DeployedWorkload {
            id: ResourceId::parse(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/wf",
            ),
            found: true,
            identity_type: kind.map(str::to_string),
            principal_id: Some("p1".into()),
            user_assigned: Vec::new(),
        }
    }

    #[test]
    fn a_system_principal_id_counts_only_while_the_identity_is_system_assigned() {
        let mut facts = LiveFacts::default();
        facts
            .workloads
            .push(workload(Some("SystemAssigned, UserAssigned")));
        let id = facts.workloads[0].id.clone();
        assert_eq!(
            facts.principal_id_of(PrincipalKind::SystemAssigned, &id),
            Some("p1")
        );
        facts.workloads[0] = workload(Some("UserAssigned"));
        assert_eq!(
            facts.principal_id_of(PrincipalKind::SystemAssigned, &id),
            None
        );
    }
}
