//! The access model: who (workloads, identities) can do what (grants), where (scopes), and what each
//! workload actually calls (usages). Rules judge this model; they never read template JSON.
//!
//! The JSON form of [`AccessModel`] is what `rolegate plan --format json` prints; it is documented in
//! `docs/access-model.md` and `docs/access-model.schema.json`. Change it only by adding fields.

use std::collections::BTreeMap;

use arm::plan::ConditionStatus;
use arm::Location;
use serde::{Serialize, Serializer};

use crate::catalogue::RoleDefinition;
use crate::resource_id::{ResourceId, ScopeLevel};
use crate::services::Service;

/// Version of the model's JSON form (`docs/access-model.schema.json`).
pub const MODEL_VERSION: u32 = 1;

/// Everything the rules need to know about access in one or more deployment plans.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AccessModel {
    /// JSON form version ([`MODEL_VERSION`]).
    pub version: u32,
    /// The plans this model was built from (root template, parameter files, target).
    pub sources: Vec<PlanSource>,
    /// Resources that run under an identity: Logic Apps first, then anything with an `identity`.
    pub workloads: Vec<Workload>,
    /// User-assigned identities, declared in a template or only referenced by id.
    pub identities: Vec<UserAssignedIdentity>,
    /// Every role assignment (Azure RBAC and Cosmos DB SQL role assignments).
    pub grants: Vec<Grant>,
    /// Managed API connections (`Microsoft.Web/connections`, Standard `connections.json`).
    pub connections: Vec<ApiConnection>,
    /// Role definitions declared in the templates (custom roles).
    pub role_definitions: Vec<RoleDefinition>,
    /// Key- or secret-based credentials found (never their values).
    pub credentials: Vec<CredentialUse>,
    /// Values the model needed but could not know before deployment.
    pub unresolved: Vec<UnresolvedItem>,
    /// Things the model builder wants the user to know (unreadable files, odd shapes).
    pub diagnostics: Vec<ModelDiagnostic>,
}

/// One plan the model was built from.
#[derive(Debug, Clone, Serialize)]
pub struct PlanSource {
    /// The root template file.
    pub template: String,
    /// Parameter files applied.
    pub parameter_files: Vec<String>,
    /// Resource group scope id the plan was evaluated for (possibly with placeholders).
    pub deployment_scope: String,
    /// Names of deployment-context fields that were placeholders.
    pub placeholders: Vec<String>,
}

/// Which Logic Apps plan (or none) a workload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WorkloadPlan {
    /// `Microsoft.Logic/workflows`: system-assigned or one user-assigned identity, never both.
    Consumption,
    /// `Microsoft.Web/sites` whose kind contains `workflowapp`.
    Standard,
    /// Any other resource with an `identity` block.
    Other,
}

/// A resource that runs code under an identity.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    /// Resource type, e.g. `Microsoft.Logic/workflows`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Full resource name.
    pub name: String,
    /// Full resource id.
    pub id: ResourceId,
    /// `kind` as written (`functionapp,workflowapp`, `Stateful`, ...).
    pub kind: Option<String>,
    /// Consumption, Standard or other.
    pub plan: WorkloadPlan,
    /// Whether it is deployed (condition).
    pub deployed: ConditionStatus,
    /// Referenced with `existing: true`, not deployed by this template.
    pub existing: bool,
    /// Azure region as evaluated (`location` property), if known.
    pub region: Option<String>,
    /// Symbolic name, if any.
    pub symbol: Option<String>,
    /// Deployment path that declares it (`""` root, `"mod1/mod2"` nested).
    pub deployment: String,
    /// The normalised identity block.
    pub identity: IdentityAttachment,
    /// What its workflows call, and how they authenticate.
    pub usages: Vec<Usage>,
    /// Tags whose values are known strings.
    pub tags: BTreeMap<String, String>,
    /// Index in [`AccessModel::sources`] of the template run that plans it.
    #[serde(default)]
    pub source: usize,
    /// Where it is declared.
    pub location: Location,
    /// For a policy assignment: the roles its policy definition lists for remediation, when the
    /// definition (or every definition of its set) is declared in the plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation_roles: Option<RemediationRoles>,
}

/// The roles a policy assignment's identity must hold for DeployIfNotExists and Modify
/// remediation: `policyRule.then.details.roleDefinitionIds` of its definition (or of every
/// definition in its policy set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemediationRoles {
    /// The policy definition or policy set definition id the assignment names.
    pub definition: String,
    /// The role GUIDs listed (lower case), each once, in order.
    pub roles: Vec<String>,
}

/// A workload's `identity` block, normalised.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IdentityAttachment {
    /// `identity.type` as written (after evaluation); `None` when there is no identity block.
    pub declared_type: Option<String>,
    /// The system-assigned identity is enabled.
    pub system_assigned: bool,
    /// Keys of `userAssignedIdentities`: full ids of the attached user-assigned identities.
    pub user_assigned: Vec<ResourceId>,
    /// Shape problems: unknown type strings, Consumption limits, unresolved values.
    pub problems: Vec<IdentityProblem>,
    /// Set when the template computes `identity` with an expression (so "no identity" is a
    /// consequence of the parameters given, not of a missing block).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computed: Option<ComputedIdentity>,
}

/// An `identity` the template writes as an expression.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ComputedIdentity {
    /// The declared `identity` evaluates to null (no block at all) with these parameters.
    pub evaluates_to_null: bool,
    /// Parameters the declared expression reads, directly or through variables, in order.
    pub parameters: Vec<String>,
}

impl IdentityAttachment {
    /// True when the workload has any managed identity (a user-assigned list only known at
    /// deployment counts: the type asks for one).
    pub fn has_identity(&self) -> bool {
        self.system_assigned || !self.user_assigned.is_empty() || self.user_assigned_unresolved()
    }

    /// True when which user-assigned identities are attached is only known at deployment.
    pub fn user_assigned_unresolved(&self) -> bool {
        self.problems
            .iter()
            .any(|p| matches!(p, IdentityProblem::UnresolvedUserAssigned { .. }))
    }

    /// True when `id` is one of the attached user-assigned identities (case-insensitive).
    pub fn has_user_assigned(&self, id: &ResourceId) -> bool {
        self.user_assigned.iter().any(|u| u == id)
    }
}

/// Something wrong with an identity block's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum IdentityProblem {
    /// A type string that is none of `None`, `SystemAssigned`, `UserAssigned` (comma-combined).
    UnknownType { value: String },
    /// The type depends on a value only known at deployment.
    UnresolvedType { depends_on: String },
    /// Consumption workflows take the system-assigned identity or one user-assigned one, not both.
    ConsumptionBothKinds,
    /// Consumption workflows take at most one user-assigned identity.
    ConsumptionMultipleUserAssigned { count: usize },
    /// The type says `UserAssigned` but `userAssignedIdentities` is empty or absent.
    UserAssignedListEmpty,
    /// `userAssignedIdentities` is set but the type does not include `UserAssigned`.
    UserAssignedListIgnored,
    /// `userAssignedIdentities` (the whole map) is only known at deployment, e.g.
    /// `json(format('{{''{0}'': {{}}}}', resourceId(...)))` over a name built from `utcNow()`.
    UnresolvedUserAssigned { depends_on: String },
}

/// A user-assigned managed identity.
#[derive(Debug, Clone, Serialize)]
pub struct UserAssignedIdentity {
    /// Full resource id.
    pub id: ResourceId,
    /// Name (last id segment).
    pub name: String,
    /// Declared as a resource in a plan (as opposed to only referenced by id).
    pub declared: bool,
    /// Declared with `existing: true`.
    pub existing: bool,
    /// Deployment status when declared.
    pub deployed: Option<ConditionStatus>,
    /// Workloads that attach it.
    pub attached_to: Vec<ResourceId>,
    /// Where it is declared, or where it is first referenced.
    pub location: Location,
    /// Set for an identity a resource creates and manages for a feature of its own (an AKS
    /// cluster's kubelet and add-on identities): it exists only as a runtime property of that
    /// resource, and is created with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<ManagedBy>,
}

/// The resource that creates and manages an identity, and what for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagedBy {
    /// The owning resource (e.g. the AKS cluster).
    pub resource: ResourceId,
    /// Its type, e.g. `Microsoft.ContainerService/managedClusters`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// What the identity is for, in words: `kubelet`, `ingressApplicationGateway add-on`.
    pub feature: String,
}

/// Which role-assignment system a grant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantKind {
    /// `Microsoft.Authorization/roleAssignments` (including the legacy `.../providers/roleAssignments`).
    Rbac,
    /// `Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments` (Cosmos DB data plane).
    CosmosSql,
}

/// One role assignment.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// RBAC or Cosmos DB SQL.
    pub kind: GrantKind,
    /// Assignment name as evaluated; unknown parts rendered `{...}`.
    pub name: String,
    /// The name is fully known.
    pub name_resolved: bool,
    /// The `name` as declared (usually a `[guid(...)]` expression).
    pub name_expression: Option<String>,
    /// The name as evaluated, unknowns kept with their origin: two unknown names are the same
    /// name only when they are the same value (one `newGuid()` default named both).
    #[serde(skip)]
    pub name_value: arm::Value,
    /// When the name is a `guid()` of known values: its arguments as evaluated, with arguments
    /// that are themselves such GUIDs replaced by theirs (what the name was made from).
    #[serde(skip)]
    pub name_guid_arguments: Option<Vec<String>>,
    /// Planned resource id of the assignment.
    pub id: String,
    /// The role it grants.
    pub role: RoleRef,
    /// Scope it applies to (full id).
    pub scope: ResourceId,
    /// Level of that scope.
    pub scope_level: ScopeLevel,
    /// Who receives it.
    pub principal: Principal,
    /// `principalId` as evaluated, unknowns kept with their origin.
    #[serde(skip)]
    pub principal_value: arm::Value,
    /// Declared in a copy loop whose count is known only at deployment: the one planned grant
    /// stands for every one the loop makes.
    #[serde(skip)]
    pub copy_count_unknown: bool,
    /// `principalType` as written (`ServicePrincipal`, `User`, ...).
    pub principal_type: Option<String>,
    /// ABAC condition, if any.
    pub condition: Option<String>,
    /// `description`, if any.
    pub description: Option<String>,
    /// Whether it is deployed (its condition, and its deployment's).
    pub deployed: ConditionStatus,
    /// Deployment path that declares it.
    pub deployment: String,
    /// Index in [`AccessModel::sources`] of the plan (template run) that declares it: grants of
    /// different runs (other templates, other parameter files) are separate deployments.
    #[serde(default)]
    pub source: usize,
    /// Where it is declared.
    pub location: Location,
}

impl Grant {
    /// True when the principal is each element of an array parameter whose value is not given
    /// (`parameters('ps')[copyIndex()]`, or a member of each element, in a loop over it of unknown
    /// length): the grant stands for one grant per principal the deployer will list.
    pub fn principal_is_each_of_parameter(&self) -> bool {
        self.copy_count_unknown
            && self.principal.kind == PrincipalKind::Parameter
            && self
                .principal_value
                .as_unknown()
                .and_then(crate::builder::parameter_read)
                .is_some_and(|read| read.element)
    }
}

/// The role a grant names.
#[derive(Debug, Clone, Serialize)]
pub struct RoleRef {
    /// The role GUID (lower case) when the definition id could be read, else the text as evaluated.
    pub id: String,
    /// `roleDefinitionId` as evaluated (full id, unknown parts `{...}`).
    pub definition_id: String,
    /// Role name from the catalogue, if the role is known.
    pub name: Option<String>,
    /// Where the definition comes from: built-in, custom, template, or unknown.
    pub source: RoleSource,
}

/// Where a role definition was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleSource {
    /// Azure's built-in roles (the embedded catalogue).
    BuiltIn,
    /// A `--roles FILE` custom role.
    Custom,
    /// A role definition declared in the template.
    Template,
    /// A Cosmos DB built-in SQL data role.
    CosmosBuiltIn,
    /// Not found anywhere.
    Unknown,
}

/// How a grant's principal was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    /// The system-assigned identity of a resource of the plan.
    SystemAssigned,
    /// A user-assigned identity (declared or referenced).
    UserAssigned,
    /// A literal object id.
    External,
    /// A template parameter (supplied by whoever deploys).
    Parameter,
    /// `deployer().objectId`: the identity that runs the deployment. Known only at deployment
    /// (or with `--live`), but what it is is known, so the grant is judged like an external one.
    Deployer,
    /// A known value that is not an object id (`'a'`): ARM rejects the assignment, so it is a
    /// template error, not a value to wait for.
    Invalid,
    /// Anything else; `provenance` says what it depends on.
    Unresolved,
}

/// The principal of a grant.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    /// How it was resolved.
    pub kind: PrincipalKind,
    /// The workload (system-assigned) or user-assigned identity it is, if any.
    pub resource: Option<ResourceId>,
    /// The literal object id, for external principals (and parameters whose value is a GUID).
    pub id: Option<String>,
    /// The parameter name, for parameter principals.
    pub parameter: Option<String>,
    /// What the value depends on, in words.
    pub provenance: String,
}

/// The kind of workflow operation that makes a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsageKind {
    /// `Http` action or trigger.
    Http,
    /// `HttpWebhook`.
    Webhook,
    /// `Function` (Azure Functions).
    Function,
    /// `ApiManagement`.
    Apim,
    /// `ApiConnection` / `ApiConnectionWebhook` through a managed API connection.
    ManagedApiConnection,
    /// Standard built-in connector (`ServiceProvider`), from `connections.json`.
    ServiceProvider,
}

/// How a call authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthType {
    /// A managed identity token.
    ManagedServiceIdentity,
    /// User name and password.
    Basic,
    /// Client id and secret (or certificate) against Entra ID.
    ActiveDirectoryOAuth,
    /// A raw `Authorization` header value.
    Raw,
    /// A client certificate (PFX and password).
    ClientCertificate,
    /// No authentication block.
    None,
    /// A managed API connection authorised with keys, secrets or a user's OAuth consent.
    ConnectionKey,
    /// A type string we do not know, or an unresolved one.
    Other(String),
}

impl AuthType {
    /// Reads an `authentication.type` value (case-insensitive).
    pub fn parse(text: &str) -> AuthType {
        match text.to_ascii_lowercase().as_str() {
            "managedserviceidentity" => AuthType::ManagedServiceIdentity,
            "basic" => AuthType::Basic,
            "activedirectoryoauth" => AuthType::ActiveDirectoryOAuth,
            "raw" => AuthType::Raw,
            "clientcertificate" => AuthType::ClientCertificate,
            "none" | "" => AuthType::None,
            _ => AuthType::Other(text.to_string()),
        }
    }

    /// The name as written in JSON output.
    pub fn as_str(&self) -> &str {
        match self {
            AuthType::ManagedServiceIdentity => "ManagedServiceIdentity",
            AuthType::Basic => "Basic",
            AuthType::ActiveDirectoryOAuth => "ActiveDirectoryOAuth",
            AuthType::Raw => "Raw",
            AuthType::ClientCertificate => "ClientCertificate",
            AuthType::None => "None",
            AuthType::ConnectionKey => "ConnectionKey",
            AuthType::Other(s) => s,
        }
    }
}

impl Serialize for AuthType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Which identity a managed-identity call uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageIdentity {
    /// The workload's system-assigned identity (`identity` absent or `SystemAssigned`).
    SystemAssigned,
    /// A user-assigned identity, by resource id.
    UserAssigned(ResourceId),
}

impl Serialize for UsageIdentity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            UsageIdentity::SystemAssigned => serializer.serialize_str("SystemAssigned"),
            UsageIdentity::UserAssigned(id) => serializer.serialize_str(id.as_str()),
        }
    }
}

/// Actions a call needs on its target, in Azure RBAC terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Needs {
    /// Control-plane actions.
    pub actions: Vec<String>,
    /// Data-plane actions.
    pub data_actions: Vec<String>,
    /// What the call needs could not be worked out (its path is a run-time value, or a type
    /// segment is): the gate reports it rather than assume nothing is needed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
}

impl Needs {
    /// True when no action is listed (nothing needed, or [`Needs::unknown`]).
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.data_actions.is_empty()
    }

    /// Needs that could not be worked out.
    pub fn unknown() -> Needs {
        Needs {
            unknown: true,
            ..Needs::default()
        }
    }
}

/// `runtimeConfiguration.secureData.properties` of an action or trigger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SecureData {
    /// Inputs are hidden from run history.
    pub inputs: bool,
    /// Outputs are hidden from run history.
    pub outputs: bool,
}

/// One call a workflow makes to a service.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    /// Path of the action or trigger in the definition, e.g. `Scope_1/actions/Get_secret`; for a
    /// Standard connection, `connections.json#/managedApiConnections/<name>`.
    pub action: String,
    /// `action` or `trigger` (or `connection` for Standard connections not tied to one action).
    pub element: String,
    /// Operation kind (HTTP, webhook, function, APIM, managed API, service provider).
    pub kind: UsageKind,
    /// Authentication type.
    pub auth: AuthType,
    /// The identity used when `auth` is `ManagedServiceIdentity`.
    pub identity: Option<UsageIdentity>,
    /// `audience` as written; `None` when absent (ARM's default then applies).
    pub audience: Option<String>,
    /// URI or resource id called, as evaluated (workflow expressions left as written).
    pub target: Option<String>,
    /// HTTP method, when known.
    pub method: Option<String>,
    /// Service called, from the target host, the audience or the connector.
    pub service: Option<Service>,
    /// The plan resource the target names, when it names one.
    pub target_resource: Option<ResourceId>,
    /// Managed API connection name used, for connector calls.
    pub connection: Option<String>,
    /// Actions the call needs on `target_resource`.
    pub needs: Needs,
    /// Secure inputs/outputs settings.
    pub secure_data: SecureData,
    /// Where the action is declared.
    pub location: Location,
}

/// How a managed API connection authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionAuth {
    /// `parameterValueSet: managedIdentityAuth` or `parameterValueType: Alternative` (or
    /// `ManagedServiceIdentity` in `connections.json`).
    ManagedIdentity,
    /// Keys, connection strings, passwords in `parameterValues` (or `parameterValueSet` of keys).
    Key,
    /// User OAuth consent (no parameters; authorised in the portal).
    #[serde(rename = "oauth-consent")]
    OAuthConsent,
    /// Not determinable.
    Unknown,
}

/// A managed API connection.
#[derive(Debug, Clone, Serialize)]
pub struct ApiConnection {
    /// Resource id (template) or `connection.id` (connections.json).
    pub id: String,
    /// Connection name.
    pub name: String,
    /// Managed API name, e.g. `keyvault`, `azureblob`.
    pub api: Option<String>,
    /// `api.id` as evaluated.
    pub api_id: Option<String>,
    /// `kind` (`V1` Consumption, `V2` Standard).
    pub kind: Option<String>,
    /// How it authenticates.
    pub auth: ConnectionAuth,
    /// `parameterValueSet.name`, if any.
    pub parameter_value_set: Option<String>,
    /// Names of `parameterValues` that carry secrets (never their values).
    pub secret_parameters: Vec<String>,
    /// Service it reaches.
    pub service: Option<Service>,
    /// The resource it points at as written in its parameters (`vaultName`, `accountName`,
    /// namespace endpoint), if any.
    pub target: Option<String>,
    /// The plan resource `target` names, when it names one.
    pub target_resource: Option<ResourceId>,
    /// Principals given access by `Microsoft.Web/connections/accessPolicies` (Standard apps need one
    /// per identity that uses the connection).
    pub access_policies: Vec<Principal>,
    /// Whether it is deployed.
    pub deployed: ConditionStatus,
    /// Where it is declared.
    pub location: Location,
    /// Index in [`AccessModel::sources`] of the template run that declares it (for a Standard
    /// `connections.json` entry, the run of the site that holds it). Connections are matched to
    /// workflows by name only within one run.
    pub source: usize,
}

/// What kind of credential was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// `authentication.type: Basic` (password).
    BasicPassword,
    /// `ActiveDirectoryOAuth` client secret.
    ClientSecret,
    /// `Raw` authorization header value.
    RawAuthorization,
    /// `ClientCertificate` PFX or password.
    ClientCertificate,
    /// A connection string with `AccountKey=` or `SharedAccessKey=`.
    ConnectionStringKey,
    /// A SAS signature (`sig=`) in a URI.
    SasSignature,
    /// A connection parameter whose name says it is a secret (key, password, connection string).
    ConnectionParameter,
    /// A value from a `list*()` call (keys read at deployment).
    ListKeys,
    /// An app setting (Standard/Function sites) holding a key or connection string.
    AppSetting,
}

/// Where a credential's value comes from (never the value itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum CredentialSource {
    /// Written literally in the template or files.
    Literal,
    /// A template parameter; `secure` when its type is `securestring`/`secureobject`.
    Parameter { name: String, secure: bool },
    /// A Key Vault reference in a parameter file.
    KeyVaultReference { name: String },
    /// A `list*()` call at deployment.
    ListCall { function: String },
    /// A workflow-language expression (`@parameters(...)`, `@body(...)`).
    WorkflowExpression { text: String },
    /// Something else only known at deployment.
    Unresolved { depends_on: String },
}

/// A key- or secret-based credential in use.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialUse {
    /// What it is.
    pub kind: CredentialKind,
    /// Where its value comes from.
    pub source: CredentialSource,
    /// The resource that holds it (workload, connection, site).
    pub resource: String,
    /// Path inside that resource, e.g. `properties/definition/actions/Call/inputs/authentication/password`.
    pub path: String,
    /// Service it authenticates to, when known.
    pub service: Option<Service>,
    /// Where it is.
    pub location: Location,
}

/// A value the model needed and could not know.
#[derive(Debug, Clone, Serialize)]
pub struct UnresolvedItem {
    /// What was needed (e.g. `principal of role assignment ra1`).
    pub what: String,
    /// What it depends on.
    pub depends_on: String,
    /// Where.
    pub location: Location,
}

/// Severity of a model diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    /// Worth knowing; the model is complete otherwise.
    Warning,
    /// Part of the input could not be read.
    Error,
}

/// Something the model builder wants the user to know.
#[derive(Debug, Clone, Serialize)]
pub struct ModelDiagnostic {
    /// Severity.
    pub level: DiagnosticLevel,
    /// Stable kebab-case code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Where.
    pub location: Location,
}

impl AccessModel {
    /// The workload with this id.
    pub fn workload(&self, id: &ResourceId) -> Option<&Workload> {
        self.workloads.iter().find(|w| &w.id == id)
    }

    /// Grants whose principal is the given identity: the system-assigned identity of workload `id`
    /// or the user-assigned identity `id`.
    pub fn grants_to<'a>(
        &'a self,
        kind: PrincipalKind,
        id: &'a ResourceId,
    ) -> impl Iterator<Item = &'a Grant> + 'a {
        self.grants
            .iter()
            .filter(move |g| g.principal.kind == kind && g.principal.resource.as_ref() == Some(id))
    }
}
