//! MI001: a workload that must run under a managed identity has none.

use access::{IdentityProblem, ResourceId};
use arm::Value;
use policy::IdentityKind;

use crate::context::{is_deployed, workload_ref, workload_words, Cx};
use crate::finding::Finding;
use crate::registry::RuleMeta;
use crate::violation::Violation;

crate::declare_rule! {
    /// ## What it does
    /// Flags a workload that the policy requires to have a managed identity (by default every Logic
    /// App, Consumption or Standard) but whose `identity` block is absent or `type: None`. When the
    /// template computes `identity` with an expression (Azure Verified Modules do, from a
    /// `managedIdentities` parameter), the message says it evaluates to none with the parameters
    /// given and names the parameters the expression reads.
    ///
    /// A Consumption workflow whose definition calls nothing an identity serves (only `Request`
    /// or `Recurrence` triggers and control, data and `Response` actions; `Workflow` actions,
    /// which call a child Logic App that the platform authenticates; and `Http` calls without
    /// `authentication` to a host that takes no Microsoft Entra token, such as a public status
    /// page or a third-party API) has nothing to authenticate to, so it is not reported when the
    /// policy requires identities by type alone. An `Http` call to an Azure or other Microsoft
    /// endpoint (`management.azure.com`, `*.vault.azure.net`, `*.core.windows.net`,
    /// `graph.microsoft.com`, any `*.azure.com`, `*.azure.net`, `*.windows.net`, ...) counts as a
    /// call even without `authentication`, and so does one whose host is known only at run time
    /// (a workflow parameter's value is read; other expressions are not). A policy rule that selects the workflow by name or tag
    /// still requires one. A definition rolegate cannot read in full (an action type known only
    /// at deployment, an unknown action type, triggers or actions passed in by parameter) counts
    /// as calling something, and so does a workflow given `$connections`.
    ///
    /// ## Why is this bad?
    /// A workflow with no identity cannot authenticate to Key Vault, Storage or Service Bus with
    /// Microsoft Entra tokens, so secrets creep back in: connection strings in app settings, access
    /// keys in connections, passwords in HTTP actions. Those secrets leak through run history and
    /// deployment history and never rotate.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "type": "Microsoft.Logic/workflows",
    ///   "name": "payments",
    ///   "properties": { "definition": { } }
    /// }
    /// ```
    ///
    /// Use instead:
    /// ```json
    /// {
    ///   "type": "Microsoft.Logic/workflows",
    ///   "name": "payments",
    ///   "identity": { "type": "SystemAssigned" },
    ///   "properties": { "definition": { } }
    /// }
    /// ```
    ///
    /// ## References
    /// - [Authenticate access to Azure resources with managed identities in Azure Logic Apps](https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity)
    /// - [Managed identities for Azure resources](https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview)
    pub const RULE = ("MI001", "workload-without-identity", Identity, Error);
}

/// A workload with no identity where the policy requires one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadWithoutIdentity {
    /// The workload in words, e.g. `Logic App workflow 'payments'`.
    pub workload: String,
    /// The `identity.type` written, when the block exists (e.g. `None`).
    pub declared_type: Option<String>,
    /// The identity kind the policy asks for, if it names one.
    pub required_kind: Option<String>,
    /// The template computes `identity` with an expression (so the parameters decide).
    pub computed: bool,
    /// The declared `identity` evaluates to null with the parameters given.
    pub evaluates_to_null: bool,
    /// Parameters the `identity` expression reads.
    pub parameters: Vec<String>,
}

impl WorkloadWithoutIdentity {
    /// ` (it depends on parameter 'x')`, when the expression names parameters.
    fn depends_on(&self) -> String {
        match self.parameters.as_slice() {
            [] => String::new(),
            [one] => format!("; it depends on parameter '{one}'"),
            many => format!(
                "; it depends on parameters {}",
                many.iter()
                    .map(|p| format!("'{p}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl Violation for WorkloadWithoutIdentity {
    fn rule(&self) -> &'static RuleMeta {
        &RULE
    }

    fn message(&self) -> String {
        let state = match (&self.declared_type, self.computed) {
            (_, true) if self.evaluates_to_null => format!(
                "its identity evaluates to none with these parameters{}",
                self.depends_on()
            ),
            (Some(t), true) => format!(
                "its identity type evaluates to '{t}' with these parameters{}",
                self.depends_on()
            ),
            (Some(t), false) => format!("its identity type is '{t}'"),
            (None, _) => "it declares no identity block".to_string(),
        };
        format!(
            "{} has no managed identity ({state}), but the policy requires one for it",
            self.workload
        )
    }

    fn fix(&self) -> Option<String> {
        if self.computed && !self.parameters.is_empty() {
            let names = self
                .parameters
                .iter()
                .map(|p| format!("'{p}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let kind = self.required_kind.as_deref().unwrap_or("managed");
            return Some(format!(
                "give {names} values that enable a {kind} identity (e.g. in the parameter file), and grant that identity the roles the workflow needs"
            ));
        }
        Some(match self.required_kind.as_deref() {
            Some("user-assigned") => "attach a user-assigned identity: `identity: { type: 'UserAssigned', userAssignedIdentities: { '<identity id>': {} } }`".to_string(),
            _ => "add `identity: { type: 'SystemAssigned' }` and grant that identity the roles the workflow needs".to_string(),
        })
    }
}

/// Every deployed workload the policy requires an identity for, without one.
pub(crate) fn check(cx: &Cx, out: &mut Vec<Finding>) {
    for w in &cx.model.workloads {
        if w.existing || !is_deployed(&w.deployed) || w.identity.has_identity() {
            continue;
        }
        // An identity type only known at deployment is EV's business, not a missing identity.
        if w.identity.problems.iter().any(|p| {
            matches!(
                p,
                IdentityProblem::UnresolvedType { .. }
                    | IdentityProblem::UnresolvedUserAssigned { .. }
            )
        }) {
            continue;
        }
        let wref = workload_ref(w);
        let Some(rule) = cx.policy.identity_requirement(&wref) else {
            continue;
        };
        if !rule.required {
            continue;
        }
        // Nothing to authenticate to, so no secret can creep in; a rule naming this workflow by
        // name or tag is a deliberate choice and still holds.
        if !selected_by_name_or_tag(cx, &wref) && calls_nothing(cx, w) {
            continue;
        }
        let violation = WorkloadWithoutIdentity {
            workload: workload_words(w),
            declared_type: w.identity.declared_type.clone(),
            required_kind: match rule.kind {
                IdentityKind::User => Some("user-assigned".to_string()),
                IdentityKind::System => Some("system-assigned".to_string()),
                IdentityKind::Any => None,
            },
            computed: w.identity.computed.is_some(),
            evaluates_to_null: w
                .identity
                .computed
                .as_ref()
                .is_some_and(|c| c.evaluates_to_null),
            parameters: w
                .identity
                .computed
                .as_ref()
                .map(|c| c.parameters.clone())
                .unwrap_or_default(),
        };
        out.push(cx.identity_finding(&violation, w).with_label(
            Some(rule.location.clone()),
            format!("policy rule '{}' requires an identity", rule.rule_name),
        ));
    }
}

/// Whether the policy rule that sets the identity requirement selects `workload` by name or tag
/// (not by type or kind alone).
fn selected_by_name_or_tag(cx: &Cx, workload: &policy::WorkloadRef<'_>) -> bool {
    cx.policy
        .workload_rules(workload)
        .into_iter()
        .rev()
        .find(|r| r.identity.is_some())
        .is_some_and(|r| r.selector.name.is_some() || !r.selector.tags.is_empty())
}

/// Trigger and action types that call no other service (control flow, data operations, variables,
/// the `Request` and `Recurrence` triggers and the `Response` to the caller), lower case.
const NO_CALL_TYPES: &[&str] = &[
    "request",
    "recurrence",
    "response",
    "if",
    "switch",
    "scope",
    "foreach",
    "until",
    "compose",
    "initializevariable",
    "setvariable",
    "incrementvariable",
    "decrementvariable",
    "appendtoarrayvariable",
    "appendtostringvariable",
    "parsejson",
    "query",
    "select",
    "table",
    "join",
    "wait",
    "terminate",
];

/// Whether `w` is a Consumption workflow whose deployed definition is known in full and makes no
/// call that an identity could authenticate (see [`NO_CALL_TYPES`]). Anything unreadable counts
/// as a call, so the rule stays on.
fn calls_nothing(cx: &Cx, w: &access::Workload) -> bool {
    if !w
        .resource_type
        .eq_ignore_ascii_case("Microsoft.Logic/workflows")
        || !w.usages.iter().all(anonymous_public_usage)
    {
        return false;
    }
    // The workflow's own declaration: templates checked together may declare workflows whose
    // (placeholder) ids coincide.
    let Some(resource) = cx.plans.iter().flat_map(|p| p.resources.iter()).find(|r| {
        !r.existing && r.location.file == w.location.file && ResourceId::parse(&r.id) == w.id
    }) else {
        return false;
    };
    let Some(definition) = resource.get("properties").and_then(|p| p.get("definition")) else {
        return false;
    };
    let Value::Object(_) = definition else {
        return false;
    };
    // A definition, or its triggers or actions, written as an expression is the caller's (an
    // Azure Verified Module takes them as parameters): what the deployed workflow calls is not
    // known from the defaults.
    let written_as_expression = |pointer: &str| {
        resource
            .declared
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .is_some_and(|s| s.starts_with('[') && !s.starts_with("[["))
    };
    if [
        "/properties/definition",
        "/properties/definition/triggers",
        "/properties/definition/actions",
    ]
    .iter()
    .any(|p| written_as_expression(p))
    {
        return false;
    }
    // Connections handed to the workflow (`$connections`) are there to be called.
    let connections = resource
        .get("properties")
        .and_then(|p| p.get("parameters"))
        .and_then(|p| p.get("$connections"));
    if connections.is_some_and(|c| !matches!(c, Value::Null)) {
        return false;
    }
    let parameters = WorkflowParameters {
        values: resource.get("properties").and_then(|p| p.get("parameters")),
        declared: definition.get("parameters"),
    };
    ["triggers", "actions"]
        .iter()
        .all(|key| match definition.get(key) {
            None | Some(Value::Null) => true,
            Some(items) => items_call_nothing(items, &parameters),
        })
}

/// A workflow's own parameters: the values the resource gives (`properties.parameters`) and the
/// definition's declarations (`definition.parameters`, with their `defaultValue`).
struct WorkflowParameters<'a> {
    values: Option<&'a Value>,
    declared: Option<&'a Value>,
}

impl WorkflowParameters<'_> {
    /// The string value of workflow parameter `name`: the resource's value, else its default.
    fn string(&self, name: &str) -> Option<&str> {
        self.values
            .and_then(|v| v.get(name))
            .and_then(|p| p.get("value"))
            .or_else(|| {
                self.declared
                    .and_then(|d| d.get(name))
                    .and_then(|p| p.get("defaultValue"))
            })
            .and_then(Value::as_str)
    }

    /// `uri` with whole `@parameters('x')` and embedded `@{parameters('x')}` references to
    /// workflow parameters replaced by their string values (other expressions are left as
    /// written, so a host built from them stays unknown).
    fn resolve(&self, uri: &str) -> String {
        let whole = uri
            .trim()
            .strip_prefix("@parameters('")
            .and_then(|r| r.strip_suffix("')"))
            .filter(|n| !n.contains('\''));
        if let Some(value) = whole.and_then(|n| self.string(n)) {
            return value.to_string();
        }
        let mut out = String::with_capacity(uri.len());
        let mut rest = uri;
        while let Some(start) = rest.find("@{parameters('") {
            out.push_str(&rest[..start]);
            let after = &rest[start + "@{parameters('".len()..];
            let Some(end) = after.find("')}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &after[..end];
            match self.string(name) {
                Some(value) if !name.contains('\'') => out.push_str(value),
                _ => out.push_str(&rest[start..start + "@{parameters('".len() + end + 3]),
            }
            rest = &after[end + 3..];
        }
        out.push_str(rest);
        out
    }
}

/// Host suffixes of Microsoft clouds whose endpoints may take a Microsoft Entra token (besides
/// the services [`access::Service`] knows): a call to one of them is a call an identity could
/// authenticate, whatever the template writes for authentication.
const ENTRA_HOST_SUFFIXES: &[&str] = &[
    "azure.com",
    "azure.net",
    "windows.net",
    "microsoft.com",
    "microsoftonline.com",
    "azurewebsites.net",
    "azure-api.net",
    "azure-devices.net",
    "azurecr.io",
    "azconfig.io",
    "loganalytics.io",
    "applicationinsights.io",
    "azuredatabricks.net",
    "azuresynapse.net",
    "azurehdinsight.net",
    "azurefd.net",
    "azurestaticapps.net",
    "cloudapp.net",
    "visualstudio.com",
    "dynamics.com",
    "powerbi.com",
    "sharepoint.com",
    "office.com",
    "office365.com",
    "usgovcloudapi.net",
    "azure.us",
    "chinacloudapi.cn",
    "azure.cn",
];

/// Whether `host` (lower case) is an endpoint that may take a Microsoft Entra token.
fn entra_host(host: &str) -> bool {
    access::Service::from_host(host).is_some()
        || ENTRA_HOST_SUFFIXES
            .iter()
            .any(|s| host == *s || host.ends_with(&format!(".{s}")))
}

/// Whether a call the model found is an `Http` call with no authentication to a known host that
/// takes no Microsoft Entra token (its target as the model evaluated it, workflow parameters
/// resolved).
fn anonymous_public_usage(u: &access::Usage) -> bool {
    u.kind == access::UsageKind::Http
        && u.auth == access::AuthType::None
        && u.service.is_none()
        && u.target
            .as_deref()
            .and_then(access::services::host_of)
            .is_some_and(|host| !entra_host(&host))
}

/// Whether an `Http` action or trigger calls nothing an identity could authenticate: it has no
/// `authentication` and its URI's host is known (literal, or a workflow parameter's value) and is
/// not a Microsoft endpoint that takes Entra tokens (a public status page, a third-party API).
/// An unknown host, any `authentication`, or an Azure endpoint counts as a call.
fn anonymous_public_http(item: &Value, parameters: &WorkflowParameters<'_>) -> bool {
    let Some(inputs) = item.get("inputs") else {
        return false;
    };
    if !matches!(inputs.get("authentication"), None | Some(Value::Null)) {
        return false;
    }
    let Some(uri) = inputs.get("uri").and_then(Value::as_str) else {
        return false;
    };
    access::services::host_of(&parameters.resolve(uri)).is_some_and(|host| !entra_host(&host))
}

/// Whether every item of a `triggers` or `actions` object, and every action nested in it, calls
/// nothing an identity serves: a type in [`NO_CALL_TYPES`], a `Workflow` action (a child Logic
/// App, which the platform authenticates), or an anonymous `Http` call to a host that takes no
/// Entra token ([`anonymous_public_http`]).
fn items_call_nothing(items: &Value, parameters: &WorkflowParameters<'_>) -> bool {
    let Value::Object(items) = items else {
        return false;
    };
    items.iter().all(|(_, item)| {
        let kind = item
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        let known = match kind.as_deref() {
            Some("workflow") => true,
            Some("http") => anonymous_public_http(item, parameters),
            Some(t) => NO_CALL_TYPES.contains(&t),
            None => false,
        };
        known && nested_call_nothing(item, parameters)
    })
}

/// Whether the actions nested in a container (`actions`, `else`/`default` branches, `cases`)
/// call nothing.
fn nested_call_nothing(item: &Value, parameters: &WorkflowParameters<'_>) -> bool {
    let inner = |v: Option<&Value>| match v {
        None | Some(Value::Null) => true,
        Some(actions) => items_call_nothing(actions, parameters),
    };
    let cases = match item.get("cases") {
        None | Some(Value::Null) => true,
        Some(Value::Object(cases)) => cases.iter().all(|(_, c)| inner(c.get("actions"))),
        Some(_) => false,
    };
    inner(item.get("actions"))
        && inner(item.get("else").and_then(|b| b.get("actions")))
        && inner(item.get("default").and_then(|b| b.get("actions")))
        && cases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn fires_for_a_logic_app_without_identity_under_the_default_policy() {
        let mut m = model();
        m.workloads.push(workflow("wf1", None));
        let findings = run_rule(&m, &default_policy(), check);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("Logic App workflow 'wf1'"));
        assert!(findings[0].message.contains("declares no identity block"));
        assert_eq!(findings[0].labels.len(), 1, "points at the policy rule");
    }

    #[test]
    fn silent_when_the_identity_is_there_or_not_required() {
        let mut m = model();
        m.workloads.push(workflow("wf1", Some(system())));
        let mut other = workflow("site", None);
        other.resource_type = "Microsoft.Web/sites".into();
        other.kind = Some("app".into());
        m.workloads.push(other);
        assert!(run_rule(&m, &default_policy(), check).is_empty());
    }

    #[test]
    fn type_none_is_reported_as_written() {
        let mut m = model();
        let mut w = workflow("wf1", None);
        w.identity.declared_type = Some("None".into());
        m.workloads.push(w);
        let findings = run_rule(&m, &default_policy(), check);
        assert!(findings[0].message.contains("identity type is 'None'"));
    }

    #[test]
    fn a_computed_identity_that_evaluates_to_none_names_its_parameter() {
        let mut m = model();
        let mut w = workflow("wf1", None);
        w.identity.computed = Some(access::ComputedIdentity {
            evaluates_to_null: true,
            parameters: vec!["managedIdentities".into()],
        });
        m.workloads.push(w);
        let findings = run_rule(&m, &default_policy(), check);
        assert_eq!(findings.len(), 1);
        let msg = &findings[0].message;
        assert!(
            msg.contains("its identity evaluates to none with these parameters; it depends on parameter 'managedIdentities'"),
            "{msg}"
        );
        assert!(!msg.contains("declares no identity block"), "{msg}");
        assert!(findings[0]
            .fix
            .as_deref()
            .unwrap_or_default()
            .contains("'managedIdentities'"));
    }

    #[test]
    fn a_computed_type_none_says_it_was_evaluated() {
        let mut m = model();
        let mut w = workflow("wf1", None);
        w.identity.declared_type = Some("None".into());
        w.identity.computed = Some(access::ComputedIdentity {
            evaluates_to_null: false,
            parameters: vec!["a".into(), "b".into()],
        });
        m.workloads.push(w);
        let findings = run_rule(&m, &default_policy(), check);
        assert!(
            findings[0].message.contains(
                "identity type evaluates to 'None' with these parameters; it depends on parameters 'a', 'b'"
            ),
            "{}",
            findings[0].message
        );
    }
}
