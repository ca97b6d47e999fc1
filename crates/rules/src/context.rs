//! What every check reads: the access model, the plans, the policy, the options; plus the shared
//! helpers that turn ids into words a reviewer understands and point into the user's files.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use access::catalogue::{cosmos_builtin_role, RoleDefinition};
use access::{
    AccessModel, ApiConnection, AuthType, Grant, PrincipalKind, ResourceId, RoleCatalogue,
    ScopeLevel, Usage, UsageIdentity, Workload, WorkloadPlan,
};
use arm::plan::{ConditionStatus, DeploymentPlan, PlannedResource};
use arm::{Document, Location};
use policy::{Date, Policy, WorkloadRef};

use crate::finding::{Finding, Subject};
use crate::violation::Violation;

/// Inputs of a check run besides the model, plans and policy.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions<'a> {
    /// The day exceptions are judged against (expired after their `expires` date).
    pub today: Date,
    /// Role definitions (built-in plus `--roles`), for what a role allows and narrower suggestions.
    pub catalogue: &'a RoleCatalogue,
    /// What `--live` read from the tenant; the LV rules run only with it.
    pub live: Option<&'a access::live::LiveFacts>,
}

impl<'a> CheckOptions<'a> {
    /// Options for `today` with this catalogue.
    pub fn new(today: Date, catalogue: &'a RoleCatalogue) -> CheckOptions<'a> {
        CheckOptions {
            today,
            catalogue,
            live: None,
        }
    }

    /// The same options with facts read from the live tenant.
    pub fn with_live(self, live: &'a access::live::LiveFacts) -> CheckOptions<'a> {
        CheckOptions {
            live: Some(live),
            ..self
        }
    }
}

/// Everything a rule's check reads.
pub(crate) struct Cx<'a> {
    pub model: &'a AccessModel,
    pub plans: &'a [DeploymentPlan],
    pub policy: &'a Policy,
    pub options: CheckOptions<'a>,
    documents: RefCell<HashMap<String, Option<Arc<Document>>>>,
    index: Index<'a>,
}

/// The lookups checks make once per call or per grant, built once per run so that a check stays
/// linear in the size of the deployment instead of scanning every grant for every call.
struct Index<'a> {
    workloads: HashMap<&'a ResourceId, &'a Workload>,
    grants_by_principal: HashMap<(PrincipalKind, ResourceId), Vec<&'a Grant>>,
    unresolved_grants: Vec<&'a Grant>,
    /// Deployed workloads' calls by the identity they authenticate with.
    usages_by_identity: HashMap<(PrincipalKind, ResourceId), Vec<&'a Usage>>,
    /// User-assigned identities some deployed workload attaches.
    attached_user_identities: HashSet<&'a ResourceId>,
    /// Resources the plans create (not `existing`), by id; the first declaration wins.
    plan_resources: HashMap<ResourceId, &'a PlannedResource>,
}

impl<'a> Index<'a> {
    fn new(model: &'a AccessModel, plans: &'a [DeploymentPlan]) -> Index<'a> {
        let mut workloads = HashMap::new();
        let mut usages_by_identity: HashMap<_, Vec<&'a Usage>> = HashMap::new();
        let mut attached_user_identities = HashSet::new();
        for w in &model.workloads {
            workloads.entry(&w.id).or_insert(w);
            if !is_deployed(&w.deployed) {
                continue;
            }
            attached_user_identities.extend(w.identity.user_assigned.iter());
            for u in &w.usages {
                let key = match &u.identity {
                    None | Some(UsageIdentity::SystemAssigned) => {
                        (PrincipalKind::SystemAssigned, w.id.clone())
                    }
                    Some(UsageIdentity::UserAssigned(id)) => {
                        (PrincipalKind::UserAssigned, id.clone())
                    }
                };
                usages_by_identity.entry(key).or_default().push(u);
            }
        }
        let mut grants_by_principal: HashMap<_, Vec<&'a Grant>> = HashMap::new();
        let mut unresolved_grants = Vec::new();
        for g in &model.grants {
            if let Some(id) = &g.principal.resource {
                grants_by_principal
                    .entry((g.principal.kind, id.clone()))
                    .or_default()
                    .push(g);
            }
            if g.principal.kind == PrincipalKind::Unresolved {
                unresolved_grants.push(g);
            }
        }
        // Identities a workload uses without listing them in its `identity` block (an AKS
        // cluster's kubelet and add-on identities).
        for i in &model.identities {
            if i.attached_to
                .iter()
                .any(|w| workloads.get(w).is_some_and(|w| is_deployed(&w.deployed)))
            {
                attached_user_identities.insert(&i.id);
            }
        }
        let mut plan_resources = HashMap::new();
        for r in plans.iter().flat_map(|p| p.resources.iter()) {
            if !r.existing {
                plan_resources.entry(ResourceId::parse(&r.id)).or_insert(r);
            }
        }
        Index {
            workloads,
            grants_by_principal,
            unresolved_grants,
            usages_by_identity,
            attached_user_identities,
            plan_resources,
        }
    }
}

impl<'a> Cx<'a> {
    pub fn new(
        model: &'a AccessModel,
        plans: &'a [DeploymentPlan],
        policy: &'a Policy,
        options: CheckOptions<'a>,
    ) -> Cx<'a> {
        Cx {
            model,
            plans,
            policy,
            options,
            documents: RefCell::new(HashMap::new()),
            index: Index::new(model, plans),
        }
    }

    /// The workload with this id (the first declared, as [`AccessModel::workload`]).
    pub fn workload(&self, id: &ResourceId) -> Option<&'a Workload> {
        self.index.workloads.get(id).copied()
    }

    /// Grants whose principal is the system identity of workload `id` (kind `SystemAssigned`) or
    /// the user-assigned identity `id`, in declaration order.
    pub fn grants_to(&self, kind: PrincipalKind, id: &ResourceId) -> &[&'a Grant] {
        self.index
            .grants_by_principal
            .get(&(kind, id.clone()))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Grants whose principal could not be resolved: any identity might be theirs.
    pub fn unresolved_grants(&self) -> &[&'a Grant] {
        &self.index.unresolved_grants
    }

    /// The calls deployed workloads make as this identity.
    pub fn usages_as(&self, kind: PrincipalKind, id: &ResourceId) -> &[&'a Usage] {
        self.index
            .usages_by_identity
            .get(&(kind, id.clone()))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Whether some deployed workload attaches this user-assigned identity.
    pub fn is_attached(&self, id: &ResourceId) -> bool {
        self.index.attached_user_identities.contains(id)
    }

    /// The location of `suffix` (a JSON pointer tail such as `/identity`) inside the value at `base`,
    /// falling back to `base` when the file cannot be read again or the member does not exist.
    pub fn locate_in(&self, base: &Location, suffix: &str) -> Location {
        let pointer = format!("{}{}", base.pointer, suffix);
        match self.document(&base.file) {
            Some(doc) if pointer_exists(&doc.value, &pointer) => doc.locate(&pointer),
            _ => base.clone(),
        }
    }

    /// The parsed file, read once per run: the plans' copy when they hold it, else read again.
    fn document(&self, file: &str) -> Option<Arc<Document>> {
        self.documents
            .borrow_mut()
            .entry(file.to_string())
            .or_insert_with(|| {
                self.plans
                    .iter()
                    .find_map(|p| p.document(file).cloned())
                    .or_else(|| Document::load(Path::new(file)).ok().map(Arc::new))
            })
            .clone()
    }

    /// Whether the resource with this id is deployed: its condition, and those of the deployments
    /// (modules) around it, are not known false. Unknown resources count as deployed.
    pub fn resource_deployed(&self, id: &ResourceId) -> bool {
        let key = id.as_str();
        for plan in self.plans {
            let Some(r) = plan
                .resources
                .iter()
                .find(|r| !r.existing && r.id.eq_ignore_ascii_case(key))
            else {
                continue;
            };
            if !is_deployed(&r.condition) {
                return false;
            }
            return !plan.deployments.iter().any(|d| {
                !d.path.is_empty()
                    && !is_deployed(&d.condition)
                    && (r.deployment == d.path || r.deployment.starts_with(&format!("{}/", d.path)))
            });
        }
        true
    }

    /// The declared (unevaluated) JSON at `suffix` inside the value at `base`, e.g. a parameter's
    /// `/allowedValues` or `/defaultValue` as written.
    pub fn declared_at(&self, base: &Location, suffix: &str) -> Option<serde_json::Value> {
        let pointer = format!("{}{}", base.pointer, suffix);
        self.document(&base.file)?.value.pointer(&pointer).cloned()
    }

    /// The role definition a grant names: catalogue, template-declared roles, Cosmos DB built-ins.
    pub fn role_of(&self, grant: &Grant) -> Option<RoleDefinition> {
        if let Some(r) = self.options.catalogue.get(&grant.role.id) {
            return Some(r.clone());
        }
        if let Some(r) = self
            .model
            .role_definitions
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(&grant.role.id))
        {
            return Some(r.clone());
        }
        cosmos_builtin_role(&grant.role.id)
    }

    /// The role's name for messages: catalogue name, else the GUID.
    pub fn role_name(&self, grant: &Grant) -> String {
        grant
            .role
            .name
            .clone()
            .or_else(|| self.role_of(grant).map(|r| r.name))
            .unwrap_or_else(|| grant.role.id.clone())
    }

    /// The identity a grant's principal is, in words.
    pub fn principal_words(&self, grant: &Grant) -> String {
        let p = &grant.principal;
        match (p.kind, &p.resource) {
            (PrincipalKind::SystemAssigned, Some(id)) => self.system_identity_words(id),
            (PrincipalKind::UserAssigned, Some(id)) => match self.managed_by(id) {
                Some(m) => format!(
                    "the {} identity of {}",
                    m.feature,
                    self.workload(&m.resource)
                        .map(workload_words)
                        .unwrap_or_else(|| resource_words(&m.resource))
                ),
                None => user_identity_words(id),
            },
            (PrincipalKind::External, _) => format!(
                "principal {}",
                p.id.clone().unwrap_or_else(|| p.provenance.clone())
            ),
            (PrincipalKind::Parameter, _) if grant.principal_is_each_of_parameter() => format!(
                "each principal in parameter '{}'",
                p.parameter.clone().unwrap_or_default()
            ),
            (PrincipalKind::Parameter, _) => format!(
                "the principal in parameter '{}'",
                p.parameter.clone().unwrap_or_default()
            ),
            (PrincipalKind::Deployer, _) => {
                "the identity that runs the deployment (deployer())".to_string()
            }
            _ => format!(
                "an unresolved principal ({})",
                crate::reviewer_words::decided_by(&p.provenance)
            ),
        }
    }

    /// The resource that creates and manages the user-assigned identity `id` (an AKS cluster's
    /// kubelet and add-on identities), if one does.
    pub fn managed_by(&self, id: &ResourceId) -> Option<&'a access::ManagedBy> {
        self.model
            .identities
            .iter()
            .find(|i| &i.id == id)
            .and_then(|i| i.managed_by.as_ref())
    }

    /// "the system-assigned identity of Logic App workflow 'x'".
    pub fn system_identity_words(&self, workload: &ResourceId) -> String {
        let w = self
            .workload(workload)
            .map(workload_words)
            .unwrap_or_else(|| resource_words(workload));
        format!("the system-assigned identity of {w}")
    }

    /// The identity a usage authenticates with, in words, and as (kind, resource) for grant lookup.
    pub fn usage_identity(
        &self,
        workload: &Workload,
        identity: &UsageIdentity,
    ) -> (String, PrincipalKind, ResourceId) {
        match identity {
            UsageIdentity::SystemAssigned => (
                self.system_identity_words(&workload.id),
                PrincipalKind::SystemAssigned,
                workload.id.clone(),
            ),
            UsageIdentity::UserAssigned(id) => (
                user_identity_words(id),
                PrincipalKind::UserAssigned,
                id.clone(),
            ),
        }
    }

    /// Every call a deployed workload with an identity makes with a managed identity and that
    /// needs actions (known ones, or ones the gate could not work out), with the identity it
    /// authenticates as. Calls that need no role assignment are not among them.
    pub fn identity_calls(
        &self,
    ) -> impl Iterator<Item = (&'a Workload, &'a Usage, &'a UsageIdentity)> + 'a {
        self.model
            .workloads
            .iter()
            .filter(|w| is_deployed(&w.deployed) && w.identity.has_identity())
            .flat_map(|w| w.usages.iter().map(move |u| (w, u)))
            .filter(|(_, u)| {
                u.auth == AuthType::ManagedServiceIdentity
                    && (!u.needs.is_empty() || u.needs.unknown)
            })
            .filter_map(|(w, u)| u.identity.as_ref().map(|identity| (w, u, identity)))
    }

    /// Where the identity a grant names is declared, for a label: in the grant's own template
    /// run when it declares it there (the templates of a directory may declare identities whose
    /// ids coincide), else the first declaration.
    pub fn principal_declaration(&self, grant: &Grant) -> Option<Location> {
        let id = grant.principal.resource.as_ref()?;
        match grant.principal.kind {
            PrincipalKind::SystemAssigned => self
                .model
                .workloads
                .iter()
                .find(|w| &w.id == id && w.source == grant.source)
                .or_else(|| self.workload(id))
                .map(|w| self.locate_in(&w.location, "/identity")),
            // The model keeps one declaration per identity id (the first run's), so the grant's
            // own run is searched in its plan.
            PrincipalKind::UserAssigned => self
                .plans
                .get(grant.source)
                .and_then(|p| {
                    p.resources.iter().find(|r| {
                        !r.existing
                            && r.resource_type.eq_ignore_ascii_case(
                                "Microsoft.ManagedIdentity/userAssignedIdentities",
                            )
                            && &ResourceId::parse(&r.id) == id
                    })
                })
                .map(|r| r.location.clone())
                .or_else(|| {
                    self.model
                        .identities
                        .iter()
                        .find(|i| &i.id == id)
                        .map(|i| i.location.clone())
                }),
            _ => None,
        }
    }

    /// The workloads that run as the identity a grant names (the owner of a system identity; the
    /// workloads attaching a user-assigned one).
    pub fn workloads_of(&self, grant: &Grant) -> Vec<&'a Workload> {
        let Some(id) = grant.principal.resource.as_ref() else {
            return Vec::new();
        };
        match grant.principal.kind {
            PrincipalKind::SystemAssigned => self.workload(id).into_iter().collect(),
            // An identity a resource manages for itself works for that resource.
            PrincipalKind::UserAssigned if self.managed_by(id).is_some() => self
                .managed_by(id)
                .and_then(|m| self.workload(&m.resource))
                .into_iter()
                .collect(),
            PrincipalKind::UserAssigned => {
                let listed = self.model.identities.iter().find(|i| &i.id == id);
                self.model
                    .workloads
                    .iter()
                    .filter(|w| {
                        w.identity.has_user_assigned(id)
                            // Used without being in the identity block (an AKS kubelet identity).
                            || listed.is_some_and(|i| i.attached_to.contains(&w.id))
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The subject of a finding about a grant, for tables and exception matching.
    pub fn grant_subject(&self, grant: &Grant) -> Subject {
        Subject {
            workload: self.workloads_of(grant).first().map(|w| w.id.to_string()),
            identity: identity_key(grant),
            role: Some(self.role_name(grant)),
            scope: Some(grant.scope.to_string()),
        }
    }

    /// Every deployed managed API connection whose connector is known: the connection, its
    /// connector's name (last segment of `api.id`), and the workload of the connection's own
    /// template run that calls through it (names coincide across the templates of a directory,
    /// so a bare name never links runs).
    pub fn deployed_connections(
        &self,
    ) -> impl Iterator<Item = (&'a ApiConnection, &'a str, Option<&'a Workload>)> + '_ {
        self.model.connections.iter().filter_map(move |c| {
            if !is_deployed(&c.deployed) {
                return None;
            }
            let api = c.api.as_deref()?;
            Some((c, api, self.connection_user(c)))
        })
    }

    /// The workload of the connection's own template run whose calls go through it.
    pub fn connection_user(&self, c: &ApiConnection) -> Option<&'a Workload> {
        // Names known only at deployment print alike (`concat(location, '-arm')` and
        // `concat(location, '-office365')`), so such a name alone does not tell connections
        // apart: the call must also reach the service the connection's connector reaches.
        let unknown_name = c.name.contains('{');
        let service = c.api.as_deref().and_then(access::Service::from_connector);
        self.model.workloads.iter().find(|w| {
            w.source == c.source
                && w.usages.iter().any(|u| {
                    u.connection
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&c.name))
                        && (!unknown_name || u.service == service)
                })
        })
    }

    /// A finding about a workload's identity block, located at its `identity` member (the
    /// workload when it has none), its subject the workload.
    pub fn identity_finding(&self, violation: &dyn Violation, w: &Workload) -> Finding {
        Finding::new(violation, self.locate_in(&w.location, "/identity")).with_subject(Subject {
            workload: Some(w.id.to_string()),
            ..Subject::default()
        })
    }

    /// A finding about the role a grant names, located at its `roleDefinitionId`, its subject
    /// the grant.
    pub fn role_finding(&self, violation: &dyn Violation, g: &Grant) -> Finding {
        Finding::new(
            violation,
            self.locate_in(&g.location, "/properties/roleDefinitionId"),
        )
        .with_subject(self.grant_subject(g))
    }

    /// Whether the plans deploy the resource with this id (not skipped by a false condition).
    pub fn plan_resource(&self, id: &ResourceId) -> Option<&'a PlannedResource> {
        self.index.plan_resources.get(id).copied()
    }
}

/// A finding located at a connection, its subject the workload that uses it.
pub(crate) fn connection_finding(
    violation: &dyn Violation,
    c: &ApiConnection,
    user: Option<&Workload>,
) -> Finding {
    Finding::new(violation, c.location.clone()).with_subject(Subject {
        workload: user.map(|w| w.id.to_string()),
        ..Subject::default()
    })
}

/// " used by Logic App workflow 'x'" for a connection's message, or nothing when no workflow of
/// its template run uses it.
pub(crate) fn used_by(workload: Option<&str>) -> String {
    workload
        .map(|w| format!(" used by {w}"))
        .unwrap_or_default()
}

/// Whether `pointer` names an existing value in `value`.
fn pointer_exists(value: &serde_json::Value, pointer: &str) -> bool {
    value.pointer(pointer).is_some()
}

/// The identity key of a managed identity of this deployment: `system-assigned of <workload id>`
/// or the user-assigned identity's id (see [`Subject`]).
pub(crate) fn managed_identity_key(kind: PrincipalKind, resource: &ResourceId) -> String {
    match kind {
        PrincipalKind::SystemAssigned => format!("system-assigned of {resource}"),
        _ => resource.to_string(),
    }
}

/// The identity key findings carry: the workload id for a system identity (see [`Subject`]).
pub(crate) fn identity_key(grant: &Grant) -> Option<String> {
    let p = &grant.principal;
    match p.kind {
        PrincipalKind::SystemAssigned | PrincipalKind::UserAssigned => {
            p.resource.as_ref().map(|r| managed_identity_key(p.kind, r))
        }
        PrincipalKind::External => p.id.clone(),
        PrincipalKind::Parameter => p.parameter.clone(),
        PrincipalKind::Deployer => Some("deployer()".to_string()),
        PrincipalKind::Unresolved | PrincipalKind::Invalid => None,
    }
}

/// Whether a grant's principal is a managed identity of this deployment (a workload identity).
pub(crate) fn is_workload_identity(grant: &Grant) -> bool {
    matches!(
        grant.principal.kind,
        PrincipalKind::SystemAssigned | PrincipalKind::UserAssigned
    ) && grant.principal.resource.is_some()
}

/// Whether a planned thing is deployed (false only when its condition is known false).
pub(crate) fn is_deployed(status: &ConditionStatus) -> bool {
    !matches!(status, ConditionStatus::Skipped)
}

/// "user-assigned identity 'export-id'".
pub(crate) fn user_identity_words(id: &ResourceId) -> String {
    format!(
        "user-assigned identity '{}'",
        id.name().unwrap_or(id.as_str())
    )
}

/// "Logic App workflow 'payments'", "Logic App (Standard) 'orders'", "Microsoft.Web/sites 'api'".
pub(crate) fn workload_words(w: &Workload) -> String {
    match w.plan {
        WorkloadPlan::Consumption => format!("Logic App workflow '{}'", w.name),
        WorkloadPlan::Standard => format!("Logic App (Standard) '{}'", w.name),
        WorkloadPlan::Other => format!("{} '{}'", friendly_type(&w.resource_type), w.name),
    }
}

/// A scope or resource id in words: "Key Vault 'kv1'", "resource group 'rg'", "subscription 'x'".
pub(crate) fn resource_words(id: &ResourceId) -> String {
    match id.level() {
        ScopeLevel::Tenant => "the tenant root".to_string(),
        ScopeLevel::ManagementGroup => {
            format!("management group '{}'", id.name().unwrap_or_default())
        }
        ScopeLevel::Subscription => format!("subscription '{}'", id.name().unwrap_or_default()),
        ScopeLevel::ResourceGroup => {
            format!("resource group '{}'", id.name().unwrap_or_default())
        }
        ScopeLevel::Resource | ScopeLevel::ChildResource => {
            let ty = id.resource_type().unwrap_or_default();
            let name = id.full_name().unwrap_or_else(|| id.to_string());
            if name.split('/').all(|part| part == "{...}") {
                // Every name segment known only at deployment, with nothing to say what decides it.
                return format!("a {} named only at deployment", friendly_type(&ty));
            }
            // A child some of whose name is known only at deployment: its own name, then its
            // parent's ("subnets 'default' of Microsoft.Network/virtualNetworks named by …"),
            // so each part says what decides it.
            if name.contains('{') && id.level() == ScopeLevel::ChildResource {
                let known = |n: Option<&str>| n.is_some_and(|n| !n.contains('{'));
                if let (Some(own), Some(parent)) = (id.name(), id.parent()) {
                    // Every part unknown is one name, said once (below).
                    if !known(Some(own)) && !known(parent.name()) {
                        return format!("{} '{}'", friendly_type(&ty), name);
                    }
                    let child = match friendly_type(&ty) {
                        friendly if friendly != ty => friendly,
                        _ => ty.rsplit('/').next().unwrap_or(&ty).to_string(),
                    };
                    return format!("{child} '{own}' of {}", resource_words(&parent));
                }
            }
            format!("{} '{}'", friendly_type(&ty), name)
        }
        // A scope computed whole at deployment (`format('Microsoft.Storage/…/{0}', …)`): what
        // decides it is what the reviewer needs, not the placeholder subscription around it.
        ScopeLevel::Unknown => match id.as_str().find('{') {
            Some(at) => format!("scope '{}'", &id.as_str()[at..]),
            None => format!("'{id}'"),
        },
    }
}

/// Short names for the resource types reviewers meet most.
fn friendly_type(resource_type: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("Microsoft.KeyVault/vaults", "Key Vault"),
        ("Microsoft.KeyVault/vaults/secrets", "Key Vault secret"),
        ("Microsoft.Storage/storageAccounts", "storage account"),
        (
            "Microsoft.Storage/storageAccounts/blobServices/containers",
            "blob container",
        ),
        (
            "Microsoft.Storage/storageAccounts/queueServices/queues",
            "storage queue",
        ),
        (
            "Microsoft.Storage/storageAccounts/tableServices/tables",
            "storage table",
        ),
        ("Microsoft.ServiceBus/namespaces", "Service Bus namespace"),
        (
            "Microsoft.ServiceBus/namespaces/queues",
            "Service Bus queue",
        ),
        (
            "Microsoft.ServiceBus/namespaces/topics",
            "Service Bus topic",
        ),
        ("Microsoft.EventHub/namespaces", "Event Hubs namespace"),
        ("Microsoft.EventHub/namespaces/eventhubs", "event hub"),
        ("Microsoft.Logic/workflows", "Logic App workflow"),
        ("Microsoft.Web/sites", "web app"),
        ("Microsoft.Web/connections", "API connection"),
        ("Microsoft.DocumentDB/databaseAccounts", "Cosmos DB account"),
        ("Microsoft.Sql/servers", "SQL server"),
        ("Microsoft.Sql/servers/databases", "SQL database"),
        (
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            "user-assigned identity",
        ),
        (
            "Microsoft.AppConfiguration/configurationStores",
            "App Configuration store",
        ),
        ("Microsoft.EventGrid/topics", "Event Grid topic"),
        ("Microsoft.ContainerService/managedClusters", "AKS cluster"),
    ];
    NAMES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(resource_type))
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| resource_type.to_string())
}

/// The policy's view of a workload.
pub(crate) fn workload_ref(w: &Workload) -> WorkloadRef<'_> {
    let mut r = WorkloadRef::new(&w.resource_type, &w.name).with_kind(w.kind.as_deref());
    for (k, v) in &w.tags {
        r = r.with_tag(k, v);
    }
    r
}

/// The policy's scope level for a model scope level (`None` when unknown).
pub(crate) fn policy_level(level: ScopeLevel) -> Option<policy::ScopeLevel> {
    Some(match level {
        // The tenant root is broader than any management group; compare it as the broadest level.
        ScopeLevel::Tenant | ScopeLevel::ManagementGroup => policy::ScopeLevel::ManagementGroup,
        ScopeLevel::Subscription => policy::ScopeLevel::Subscription,
        ScopeLevel::ResourceGroup => policy::ScopeLevel::ResourceGroup,
        ScopeLevel::Resource => policy::ScopeLevel::Resource,
        ScopeLevel::ChildResource => policy::ScopeLevel::ChildResource,
        ScopeLevel::Unknown => return None,
    })
}
